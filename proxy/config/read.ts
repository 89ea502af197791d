// Reading Envoy resources (config_dump JSON shape) into the proxy's runtime
// structures. The shape was checked against Envoy's protos before we get here
// (xds/codec.ts checkResource); what these helpers add is the supported
// subset: a field this proxy does not implement is refused with its path and
// the reason, never silently ignored. Fields that are accepted but have no
// effect yet (stat prefixes, names used only in logs) are listed as `ignored`.

import { parseDuration } from '../../xds/codec.ts';

/** A configuration this proxy refuses: where (resource and field path) and why. */
export class ConfigError extends Error {
  readonly path: string;
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(path === '' ? detail : `${path}: ${detail}`, options);
    this.name = 'ConfigError';
    this.path = path;
  }
}

export const fail = (path: string, detail: string): never => {
  throw new ConfigError(path, detail);
};

export const at = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
export const idx = (path: string, i: number): string => `${path}[${i}]`;

export type Obj = Readonly<Record<string, unknown>>;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Fields {
  /** Fields implemented here. */
  readonly known: readonly string[];
  /** Fields accepted without effect (documented in docs/proxy.md). */
  readonly ignored?: readonly string[];
  /** What the object is, for messages. */
  readonly what: string;
}

/** The object's fields after checking that each is implemented or knowingly ignored. */
export function fields(value: unknown, path: string, spec: Fields): Obj {
  if (!isObject(value)) return fail(path, `expected a ${spec.what} object`);
  for (const key of Object.keys(value)) {
    if (spec.known.includes(key) || spec.ignored?.includes(key) === true) continue;
    if (key === '@type') continue;
    fail(at(path, key), `${spec.what} field ${key} is not supported by this proxy (supported: ${spec.known.join(', ')}; see docs/proxy.md)`);
  }
  return value;
}

export function str(v: unknown, path: string, dflt?: string): string {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string') return fail(path, 'expected a string');
  return v;
}

export function optStr(v: unknown, path: string): string | undefined {
  return v === undefined ? undefined : str(v, path);
}

export function bool(v: unknown, path: string, dflt = false): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') return fail(path, 'expected true or false');
  return v;
}

export function int(v: unknown, path: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) return fail(path, 'expected an integer');
  if (n < min || n > max) return fail(path, `${n} is out of range ${min}..${max}`);
  return n;
}

export function num(v: unknown, path: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, 'expected a number');
  return v;
}

export function list(v: unknown, path: string): readonly unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return fail(path, 'expected a list');
  return v;
}

/** A proto3 JSON duration ("1.500s") in milliseconds; `dflt` when absent. */
export function durationMs(v: unknown, path: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') return fail(path, 'expected a duration such as "1.500s"');
  const d = parseDuration(v);
  if (d === undefined || d.seconds < 0 || d.nanos < 0) return fail(path, `${JSON.stringify(v)} is not a non-negative duration such as "1.500s"`);
  return d.seconds * 1000 + d.nanos / 1e6;
}

/** Envoy's FractionalPercent as a probability in [0, 1]. */
export function fraction(v: unknown, path: string, dflt: number): number {
  if (v === undefined) return dflt;
  const f = fields(v, path, { what: 'fractional percent', known: ['numerator', 'denominator'] });
  const numerator = int(f['numerator'], at(path, 'numerator'), 0);
  const den = str(f['denominator'], at(path, 'denominator'), 'HUNDRED');
  const d = den === 'HUNDRED' ? 100 : den === 'TEN_THOUSAND' ? 10_000 : den === 'MILLION' ? 1_000_000 : fail(at(path, 'denominator'), `unknown denominator ${den}`);
  return Math.min(1, numerator / d);
}

/** A typed_config's `@type` must be one of the given type URLs. */
export function typeOf(v: unknown, path: string, allowed: readonly string[]): string {
  if (!isObject(v)) return fail(path, 'expected a typed_config object');
  const t = v['@type'];
  if (typeof t !== 'string') return fail(at(path, '@type'), 'missing @type');
  if (!allowed.includes(t)) return fail(at(path, '@type'), `${t} is not supported here (supported: ${allowed.join(', ')})`);
  return t;
}

/** google.protobuf wrappers arrive bare in config_dump JSON: `{"max_connections": 100}`. */
export function uint(v: unknown, path: string, dflt: number): number {
  return int(v, path, dflt, 0, 0xffffffff);
}
