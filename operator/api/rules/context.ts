// What every semantic rule works with: the user's object as plain data (the
// rules run even when the schema check failed, so they read it defensively
// and never assume a type), paths in Kubernetes form, and a sink for findings.

import type { Problem, Severity } from '../problem.ts';

export type Obj = { readonly [key: string]: unknown };

/**
 * A problem plus what validate.ts needs to drop noise: the fields whose
 * absence it reports (dropped when a misspelled field nearby explains it),
 * or the unknown field it reports (with the suggested correction).
 */
export interface Finding extends Problem {
  readonly missing?: { readonly at: string; readonly fields: readonly string[] };
  readonly unknown?: { readonly at: string; readonly field: string; readonly suggestion?: string };
}

export interface RuleContext {
  /** metadata.namespace of the resource, or the default the caller gave. */
  readonly namespace: string;
  /** The mTLS mode in force for that namespace, when the caller knows it (the operator does; files alone do not say). */
  readonly mtlsMode?: 'STRICT' | 'PERMISSIVE';
  error(path: string, message: string, missing?: { readonly at: string; readonly fields: readonly string[] }): void;
  warn(path: string, message: string): void;
}

export function collectingContext(namespace: string, into: Finding[], mtlsMode?: 'STRICT' | 'PERMISSIVE'): RuleContext {
  const push = (severity: Severity, path: string, message: string, missing?: Finding['missing']): void => {
    into.push(missing === undefined ? { severity, path, message } : { severity, path, message, missing });
  };
  return {
    namespace,
    ...(mtlsMode === undefined ? {} : { mtlsMode }),
    error: (path, message, missing) => push('error', path, message, missing),
    warn: (path, message) => push('warning', path, message),
  };
}

// --- reading plain data ---------------------------------------------------

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const has = (o: Obj, key: string): boolean => o[key] !== undefined;
export const objAt = (o: Obj, key: string): Obj | undefined => {
  const v = o[key];
  return isObj(v) ? v : undefined;
};
export const listAt = (o: Obj, key: string): readonly unknown[] | undefined => {
  const v = o[key];
  return Array.isArray(v) ? v : undefined;
};
export const strAt = (o: Obj, key: string): string | undefined => {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
};
export const numAt = (o: Obj, key: string): number | undefined => {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
/** The string entries of a list, each with its index (non-strings are the schema's business). */
export function stringsAt(o: Obj, key: string): Array<readonly [string, number]> {
  const list = listAt(o, key);
  const out: Array<readonly [string, number]> = [];
  if (list === undefined) return out;
  list.forEach((v, i) => {
    if (typeof v === 'string') out.push([v, i]);
  });
  return out;
}

/**
 * Whether a value is a tree, as JSON is. YAML aliases can make a document
 * refer to itself (`spec: &s {http: [*s]}`); Kubernetes rejects that, and
 * every walk here would never end.
 */
export function isTree(value: unknown): boolean {
  const ancestors = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null) return true;
    if (ancestors.has(v)) return false;
    ancestors.add(v);
    const ok = Array.isArray(v) ? v.every(walk) : Object.values(v).every(walk);
    ancestors.delete(v);
    return ok;
  };
  return walk(value);
}

// --- paths ------------------------------------------------------------------

/** `spec` + `http` → `spec.http`. */
// An empty key would print as a dangling dot; show it as [""] so the path still reads.
export const field = (base: string, name: string): string =>
  name === '' ? `${base}[""]` : base === '' ? name : `${base}.${name}`;
/** `spec.http` + 0 → `spec.http[0]`; map keys the same way: `headers[x-user]`. */
export const at = (base: string, key: number | string): string => `${base}[${key}]`;

/** Splits a Kubernetes-form path back into segments (numbers for `[n]` after a list, strings otherwise). */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      const end = path.indexOf(']', i + 1);
      // A key may itself contain "]": take the last "]" before the next "." or "[" that follows a "]".
      let close = end;
      while (close !== -1) {
        const next = path[close + 1];
        if (next === undefined || next === '.' || next === '[') break;
        close = path.indexOf(']', close + 1);
      }
      if (close === -1) {
        out.push(path.slice(i + 1));
        break;
      }
      out.push(path.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

// --- comparing --------------------------------------------------------------

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Damerau-free edit distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The allowed word a person most likely meant, if one is close enough. */
export function closest(word: string, allowed: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const camel = word.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase()).toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of allowed) {
    const c = candidate.toLowerCase();
    if (c === lower || c === camel) return candidate;
    const d = Math.min(editDistance(lower, c), editDistance(camel, c));
    // Plurals and near-misses: "routes" → "route", "retry" → "retries".
    const plural = c === `${lower}s` || `${c}s` === lower || c === `${lower}es` || lower.replace(/y$/, 'ies') === c;
    const score = plural ? 0.5 : d;
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestScore <= limit ? best : undefined;
}

export const quoteList = (xs: readonly string[]): string => xs.join(', ');
