// Durations as users write them (Go/Istio style: 250ms, 1.5s, 1m30s) and as
// the compiler and proxy use them (whole milliseconds). Parsing is exact:
// digits are summed as integers in nanoseconds, so 0.1s + 0.2s is 300ms, not
// 300.00000000000006ms.

import { show } from './rules/show.ts';

export type DurationParse =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly reason: string };

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n, // U+03BC, which some keyboards produce instead of U+00B5
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const COMPONENT = /([0-9]+)(?:\.([0-9]+))?(ns|us|µs|μs|ms|s|m|h)/y;
const NANOS_PER_MS = 1_000_000n;
/** Envoy's google.protobuf.Duration limit (about 10,000 years), in ms. */
const MAX_MS = 315_576_000_000_000n;

export const DURATION_EXAMPLES = '250ms, 1.5s or 1m';

/** The message for a value that is not a duration: what is allowed, and what was there. */
export function durationMessage(got: unknown): string {
  let hint = '';
  if (typeof got === 'number' || (typeof got === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(got))) {
    hint = `; add a unit, e.g. "${String(got)}s"`;
  } else if (typeof got === 'string' && /^[0-9.]+\s+[a-zµμ]+$/i.test(got)) {
    hint = `; write it without a space, e.g. "${got.replace(/\s+/g, '')}"`;
  } else if (typeof got === 'string' && /^P(T|[0-9])/i.test(got)) {
    hint = '; ISO 8601 durations are not accepted';
  } else if (typeof got === 'string' && /^[0-9]+(\.[0-9]+)?(sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|msec|millis)$/i.test(got)) {
    hint = '; units are ns, us, ms, s, m, h';
  }
  return `must be a duration such as ${DURATION_EXAMPLES} (got ${show(got)}${hint})`;
}

/** Parses a duration string into whole milliseconds; anything else is a reason. */
export function parseDuration(text: string): DurationParse {
  if (text.length === 0 || text.length > 64) return { ok: false, reason: durationMessage(text) };
  let nanos = 0n;
  COMPONENT.lastIndex = 0;
  while (COMPONENT.lastIndex < text.length) {
    const at = COMPONENT.lastIndex;
    const m = COMPONENT.exec(text);
    if (m === null || m.index !== at) return { ok: false, reason: durationMessage(text) };
    const [, whole = '0', frac = '', unit = ''] = m;
    const perUnit = UNIT_NANOS[unit];
    if (perUnit === undefined) return { ok: false, reason: durationMessage(text) };
    const scale = 10n ** BigInt(frac.length);
    const part = BigInt(whole) * perUnit + (BigInt(frac === '' ? '0' : frac) * perUnit) / scale;
    // A fraction finer than a nanosecond cannot be represented.
    if ((BigInt(frac === '' ? '0' : frac) * perUnit) % scale !== 0n) {
      return { ok: false, reason: `must be a whole number of milliseconds, e.g. 1ms or 1.5s (got ${show(text)})` };
    }
    nanos += part;
  }
  if (nanos < NANOS_PER_MS) {
    return { ok: false, reason: `must be at least 1ms (got ${show(text)}); durations are kept to the millisecond` };
  }
  if (nanos % NANOS_PER_MS !== 0n) {
    return { ok: false, reason: `must be a whole number of milliseconds, e.g. 1ms or 1.5s (got ${show(text)})` };
  }
  const ms = nanos / NANOS_PER_MS;
  if (ms > MAX_MS) return { ok: false, reason: `is too long (got ${show(text)}); the maximum is 315576000000s` };
  return { ok: true, ms: Number(ms) };
}

/** Milliseconds of a duration that has passed validation; throws on anything else (a caller bug). */
export function durationMs(text: string): number {
  const d = parseDuration(text);
  if (!d.ok) throw new Error(`duration ${JSON.stringify(text)} ${d.reason}`);
  return d.ms;
}
