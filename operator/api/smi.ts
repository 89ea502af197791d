// SMI TrafficSplits (split.smi-spec.io v1alpha1-v1alpha4, what Flagger and
// Argo Rollouts write) converted to the weft.dev TrafficSplit shape, so the
// compiler sees one kind. v1alpha1 weights are Kubernetes Quantities ("500m",
// "1", "1k"): they are parsed exactly, as integers, never through floats.

import { type Finding, type Obj, at, closest, field, isObj, listAt, objAt } from './rules/context.ts';
import { show } from './rules/show.ts';

export const SMI_GROUP = 'split.smi-spec.io';
export const SMI_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4'] as const;
export type SmiVersion = (typeof SMI_VERSIONS)[number];

const SPEC_FIELDS: Readonly<Record<SmiVersion, readonly string[]>> = {
  v1alpha1: ['service', 'backends'],
  v1alpha2: ['service', 'backends'],
  v1alpha3: ['service', 'backends', 'matches'],
  v1alpha4: ['service', 'backends', 'matches'],
};
const BACKEND_FIELDS = ['service', 'weight'];
const MATCH_FIELDS = ['kind', 'name', 'apiGroup'];
const MAX_WEIGHT = 2_147_483_647n;

// --- Kubernetes Quantities ------------------------------------------------------------

export type QuantityParse = { readonly ok: true; readonly milli: bigint } | { readonly ok: false; readonly reason: string };

const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/;
const BINARY: Readonly<Record<string, bigint>> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * A Quantity (as a string, or a YAML number) in thousandths, exactly.
 * "500m" → 500n, "1" → 1000n, "1k" → 1000000n, "1.5" → 1500n, "1Ki" → 1024000n.
 */
export function parseQuantity(value: unknown): QuantityParse {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: `must be a quantity such as 50, 500m or 1k (got ${show(value)})` };
    text = String(value).replace('e+', 'e');
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return { ok: false, reason: `must be a quantity such as 50, 500m or 1k (got ${value === undefined ? 'nothing' : show(value)})` };
  }
  const m = QUANTITY.exec(text);
  const [, sign = '', whole = '', frac = '', suffix, exponent] = m ?? [];
  if (m === null || (whole === '' && frac === '') || text.length > 64) {
    return { ok: false, reason: `must be a quantity such as 50, 500m or 1k (got ${show(value)})` };
  }
  let num = BigInt(`${whole}${frac}` === '' ? '0' : `${whole}${frac}`);
  let den = 10n ** BigInt(frac.length);
  num *= 1000n; // thousandths
  if (suffix !== undefined && BINARY[suffix] !== undefined) {
    num *= BINARY[suffix];
  } else {
    const e = suffix !== undefined ? (DECIMAL[suffix] ?? 0) : exponent !== undefined ? Number(exponent) : 0;
    if (Math.abs(e) > 30) return { ok: false, reason: `is out of range (got ${show(value)})` };
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  }
  if (sign === '-' && num !== 0n) return { ok: false, reason: `weight must not be negative (got ${show(value)})` };
  if (num % den !== 0n) {
    return { ok: false, reason: `is finer than a thousandth (got ${show(value)}); weights are relative, so scale them all up, e.g. 1 instead of 1m` };
  }
  return { ok: true, milli: num / den };
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** Integer relative weights from exact thousandths, reduced by their common divisor (500m, 500m → 1, 1). */
export function relativeWeights(milli: readonly bigint[]): bigint[] {
  const g = milli.reduce((acc, w) => (w === 0n ? acc : gcd(w, acc)), 0n);
  return g === 0n ? milli.map(() => 0n) : milli.map((w) => w / g);
}

// --- conversion -------------------------------------------------------------------------

export type SmiConversion =
  | { readonly ok: true; readonly version: SmiVersion; readonly converted: Obj }
  | { readonly ok: false; readonly findings: readonly Finding[] };

export function smiVersionOf(apiVersion: string): SmiVersion | undefined {
  const v = apiVersion.slice(SMI_GROUP.length + 1);
  return (SMI_VERSIONS as readonly string[]).includes(v) ? (v as SmiVersion) : undefined;
}

/**
 * An SMI TrafficSplit in the weft.dev shape. Problems particular to SMI (its
 * versions, Quantities, fields a version lacks) are reported here; the
 * converted object then goes through the weft.dev TrafficSplit checks, whose
 * paths are the same (spec.backends[1].weight) since the field names are.
 */
export function convertSmiTrafficSplit(obj: Obj): SmiConversion {
  const findings: Finding[] = [];
  const error = (path: string, message: string, unknown?: Finding['unknown']): void => {
    findings.push(unknown === undefined ? { severity: 'error', path, message } : { severity: 'error', path, message, unknown });
  };
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const version = smiVersionOf(apiVersion);
  if (version === undefined) {
    error('apiVersion', `${show(apiVersion)} is not an SMI TrafficSplit version Weft reads (${SMI_VERSIONS.map((v) => `${SMI_GROUP}/${v}`).join(', ')})`);
    return { ok: false, findings };
  }
  const spec = obj['spec'];
  if (!isObj(spec)) {
    error('spec', spec === undefined ? 'required field is missing (the root service and its backends)' : `must be a mapping (got ${show(spec)})`);
    return { ok: false, findings };
  }
  const allowedSpec = SPEC_FIELDS[version];
  for (const key of Object.keys(spec)) {
    if (allowedSpec.includes(key)) continue;
    if (key === 'matches') {
      error('spec.matches', `matches needs ${SMI_GROUP}/v1alpha3 or later (this TrafficSplit is ${version})`, { at: 'spec', field: key });
    } else {
      unknownField(error, 'spec', key, allowedSpec);
    }
  }
  const backends = listAt(spec, 'backends');
  const milli: Array<bigint | undefined> = [];
  backends?.forEach((b, i) => {
    const bp = at('spec.backends', i);
    if (!isObj(b)) {
      milli.push(undefined);
      return;
    }
    for (const key of Object.keys(b)) if (!BACKEND_FIELDS.includes(key)) unknownField(error, bp, key, BACKEND_FIELDS);
    if (version !== 'v1alpha1') {
      milli.push(undefined);
      return;
    }
    const q = parseQuantity(b['weight']);
    if (!q.ok) {
      error(field(bp, 'weight'), b['weight'] === undefined ? 'required field is missing (a Quantity such as 50, 500m or 1k)' : q.reason);
      milli.push(undefined);
    } else {
      milli.push(q.milli);
    }
  });
  listAt(spec, 'matches')?.forEach((m, i) => {
    if (!isObj(m)) return;
    for (const key of Object.keys(m)) if (!MATCH_FIELDS.includes(key)) unknownField(error, at('spec.matches', i), key, MATCH_FIELDS);
  });
  if (findings.length > 0) return { ok: false, findings };

  let weights: Array<bigint | undefined> = milli;
  if (version === 'v1alpha1' && milli.every((w): w is bigint => w !== undefined)) {
    weights = relativeWeights(milli);
    const big = weights.findIndex((w) => w !== undefined && w > MAX_WEIGHT);
    if (big !== -1) {
      return { ok: false, findings: [{ severity: 'error', path: field(at('spec.backends', big), 'weight'), message: 'these weights cannot be expressed as 32-bit relative weights; use numbers in the same proportions below 2147483647' }] };
    }
  }
  const convertedBackends = backends?.map((b, i) => {
    if (!isObj(b)) return b;
    const w = weights[i];
    const out: Record<string, unknown> = {};
    if (b['service'] !== undefined) out['service'] = b['service'];
    if (version === 'v1alpha1' && w !== undefined) out['weight'] = Number(w);
    else if (b['weight'] !== undefined) out['weight'] = b['weight'];
    return out;
  });
  const convertedSpec: Record<string, unknown> = {};
  if (spec['service'] !== undefined) convertedSpec['service'] = spec['service'];
  convertedSpec['backends'] = convertedBackends ?? spec['backends'];
  if (spec['matches'] !== undefined) convertedSpec['matches'] = spec['matches'];
  const converted: Record<string, unknown> = {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'TrafficSplit',
    metadata: objAt(obj, 'metadata') ?? obj['metadata'],
    spec: convertedSpec,
  };
  if (converted['metadata'] === undefined) delete converted['metadata'];
  return { ok: true, version, converted };
}

function unknownField(error: (path: string, message: string, unknown?: Finding['unknown']) => void, parent: string, key: string, allowed: readonly string[]): void {
  const guess = closest(key, allowed);
  const did = guess !== undefined ? `; did you mean ${show(guess)}?` : '';
  error(field(parent, key), `unknown field ${show(key)}${did} (allowed: ${allowed.join(', ')})`, guess === undefined ? { at: parent, field: key } : { at: parent, field: key, suggestion: guess });
}
