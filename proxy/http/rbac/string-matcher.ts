// Envoy's type.matcher.v3.StringMatcher, compiled once into a predicate.
// Regexes go through re2js (RE2 semantics, linear time): a pattern from
// configuration never reaches JavaScript's backtracking RegExp.

import { RE2JS } from 're2js';

export type StringPredicate = (value: string) => boolean;

/** ASCII-only case folding, as Envoy's absl::EqualsIgnoreCase. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** Whether s[at, at + lower.length) equals `lower` (already folded) ignoring ASCII case. */
function equalsFoldedAt(s: string, at: number, lower: string): boolean {
  const n = lower.length;
  for (let i = 0; i < n; i++) {
    if (fold(s.charCodeAt(at + i)) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

const foldString = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

export function exactMatcher(value: string, ignoreCase: boolean): StringPredicate {
  if (!ignoreCase) return (s) => s === value;
  const lower = foldString(value);
  return (s) => s.length === lower.length && equalsFoldedAt(s, 0, lower);
}

export function prefixMatcher(prefix: string, ignoreCase: boolean): StringPredicate {
  if (!ignoreCase) return (s) => s.startsWith(prefix);
  const lower = foldString(prefix);
  return (s) => s.length >= lower.length && equalsFoldedAt(s, 0, lower);
}

export function suffixMatcher(suffix: string, ignoreCase: boolean): StringPredicate {
  if (!ignoreCase) return (s) => s.endsWith(suffix);
  const lower = foldString(suffix);
  return (s) => s.length >= lower.length && equalsFoldedAt(s, s.length - lower.length, lower);
}

export function containsMatcher(infix: string, ignoreCase: boolean): StringPredicate {
  if (!ignoreCase) return (s) => s.includes(infix);
  const lower = foldString(infix);
  return (s) => {
    const last = s.length - lower.length;
    for (let at = 0; at <= last; at++) if (equalsFoldedAt(s, at, lower)) return true;
    return false;
  };
}

/**
 * A full-string RE2 match, as Envoy's safe_regex. Returns an error message
 * instead of a predicate when the pattern is not valid RE2.
 */
export function regexMatcher(pattern: string): StringPredicate | string {
  // Istio writes every `*` value as `.+`; RE2's `.` excludes only "\n". These
  // skip the regex machine (a few hundred ns and an allocation per call).
  if (pattern === '.+') return (s) => s.length > 0 && s.indexOf('\n') < 0;
  if (pattern === '.*') return (s) => s.indexOf('\n') < 0;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (cause) {
    return `invalid RE2 regex ${JSON.stringify(pattern)}: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  // One-entry memo: consecutive requests mostly present the same value to a
  // given regex (the peer's SPIFFE ID on a kept-alive connection, the same
  // Host), and a regex run costs far more than a string comparison.
  let lastInput: string | undefined;
  let lastResult = false;
  return (s) => {
    if (s !== lastInput) {
      lastResult = re.testExact(s);
      lastInput = s;
    }
    return lastResult;
  };
}
