// RE2 syntax checks. Envoy and the Weft proxy run regexes with RE2 semantics
// (linear time, no backtracking), so a regex that only a backtracking engine
// understands must be rejected here, with a message that says why, instead of
// being NACKed by a proxy later.

import { RE2JS } from 're2js';

export type Re2Check =
  | { readonly ok: true; readonly groups: number }
  | { readonly ok: false; readonly reason: string };

const LINEAR = 'RE2 cannot run them in linear time';

/** Constructs that backtracking engines accept and RE2 rejects, with what to say about each. */
const UNSUPPORTED: ReadonlyArray<{ readonly test: RegExp; readonly reason: string }> = [
  { test: /(^|[^\\])(\\\\)*\(\?<[=!]/, reason: `lookbehind ((?<= or (?<!) is not supported: ${LINEAR}` },
  { test: /(^|[^\\])(\\\\)*\(\?[=!]/, reason: `lookahead ((?= or (?!) is not supported: ${LINEAR}` },
  { test: /(^|[^\\])(\\\\)*\\[1-9]/, reason: `backreferences such as \\1 are not supported: ${LINEAR}` },
  { test: /(^|[^\\])(\\\\)*\\k[<{']/, reason: `named backreferences (\\k<name>) are not supported: ${LINEAR}` },
  { test: /(^|[^\\])(\\\\)*\(\?>/, reason: `atomic groups ((?>...)) are not supported by RE2; a plain group (...) never backtracks in RE2 anyway` },
  { test: /(^|[^\\])(\\\\)*[*+?}]\+/, reason: 'possessive quantifiers (*+, ++, ?+) are not supported by RE2; drop the extra +: RE2 never backtracks anyway' },
  { test: /(^|[^\\])(\\\\)*\(\?(R|[0-9]|&)/, reason: `recursion ((?R)) is not supported: ${LINEAR}` },
];

const cache = new Map<string, Re2Check>();
const CACHE_LIMIT = 4096;

/** Whether `pattern` is valid RE2 syntax; when it is, how many capture groups it has. */
export function checkRe2(pattern: string): Re2Check {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const result = check(pattern);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, result);
  return result;
}

function check(pattern: string): Re2Check {
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, groups: re.groupCount() };
  } catch (e) {
    // Name the construct when it is one RE2 deliberately lacks; the parser's
    // own wording ("invalid escape sequence: \\1") does not say why.
    for (const u of UNSUPPORTED) {
      if (u.test.test(pattern)) return { ok: false, reason: u.reason };
    }
    const raw = e instanceof Error ? e.message : String(e);
    const detail = raw.replace(/^error parsing regexp: /, '');
    return { ok: false, reason: `is not a valid RE2 regular expression: ${detail}` };
  }
}

/**
 * When a regex is only a literal followed by `.*` (as in `/api/.*`), the
 * literal: a prefix match does the same thing without a regex.
 */
export function literalPrefixOfRegex(pattern: string): string | undefined {
  const m = /^\^?((?:[^\\.*+?()[\]{}|^$]|\\[./\-_~:@!#%&=,;'"<>` ])*)\.\*\$?$/.exec(pattern);
  if (m === null || m[1] === undefined) return undefined;
  return m[1].replace(/\\(.)/g, '$1');
}

/** When a regex is a plain literal (no metacharacters), the literal: an exact match does the same. */
export function literalOfRegex(pattern: string): string | undefined {
  const m = /^\^?((?:[^\\.*+?()[\]{}|^$]|\\[./\-_~:@!#%&=,;'"<>` ])+)\$?$/.exec(pattern);
  if (m === null || m[1] === undefined) return undefined;
  return m[1].replace(/\\(.)/g, '$1');
}
