// Envoy's StringMatcher, HeaderMatcher and QueryParameterMatcher, compiled
// once per config version into predicates. Regexes are RE2 (re2js): a pattern
// from configuration never reaches JavaScript's backtracking RegExp.

import { RE2JS } from 're2js';
import {
  containsMatcher,
  exactMatcher,
  prefixMatcher,
  regexMatcher,
  suffixMatcher,
  type StringPredicate,
} from '../http/rbac/string-matcher.ts';
import { at, bool, fail, fields, isObject, str } from './read.ts';

export type { StringPredicate };

export function stringMatcher(value: unknown, path: string): StringPredicate {
  const f = fields(value, path, { what: 'string matcher', known: ['exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'ignore_case'] });
  const ignoreCase = bool(f['ignore_case'], at(path, 'ignore_case'));
  if (f['exact'] !== undefined) return exactMatcher(str(f['exact'], at(path, 'exact')), ignoreCase);
  if (f['prefix'] !== undefined) return prefixMatcher(str(f['prefix'], at(path, 'prefix')), ignoreCase);
  if (f['suffix'] !== undefined) return suffixMatcher(str(f['suffix'], at(path, 'suffix')), ignoreCase);
  if (f['contains'] !== undefined) return containsMatcher(str(f['contains'], at(path, 'contains')), ignoreCase);
  if (f['safe_regex'] !== undefined) return regex(f['safe_regex'], at(path, 'safe_regex'));
  return fail(path, 'a string matcher needs one of exact, prefix, suffix, contains, safe_regex');
}

/** A RegexMatcher (`{regex, google_re2?}`) as a full-string RE2 predicate. */
export function regex(value: unknown, path: string): StringPredicate {
  const f = fields(value, path, { what: 'regex matcher', known: ['regex', 'google_re2'] });
  const p = regexMatcher(str(f['regex'], at(path, 'regex')));
  return typeof p === 'string' ? fail(at(path, 'regex'), p) : p;
}

/** Compiles an RE2 pattern or fails naming the field. */
export function compileRe2(pattern: string, path: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (cause) {
    return fail(path, `invalid RE2 regex ${JSON.stringify(pattern)}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** What a header matcher reads: the request's fields by lower-case name, pseudo-headers included. */
export interface HeaderSource {
  /** All values of a header joined with ",", as Envoy does; undefined when absent. */
  header(name: string): string | undefined;
}

export interface HeaderMatcher {
  readonly name: string;
  matches(source: HeaderSource): boolean;
}

/** Envoy's HeaderMatcher semantics, including invert_match and present_match on absent headers. */
export function headerMatcher(value: unknown, path: string): HeaderMatcher {
  const f = fields(value, path, {
    what: 'header matcher',
    known: ['name', 'string_match', 'present_match', 'invert_match', 'treat_missing_header_as_empty', 'range_match'],
  });
  const name = str(f['name'], at(path, 'name')).toLowerCase();
  const invert = bool(f['invert_match'], at(path, 'invert_match'));
  const missingAsEmpty = bool(f['treat_missing_header_as_empty'], at(path, 'treat_missing_header_as_empty'));
  let test: StringPredicate | undefined;
  let present: boolean | undefined;
  if (f['string_match'] !== undefined) test = stringMatcher(f['string_match'], at(path, 'string_match'));
  else if (f['present_match'] !== undefined) present = bool(f['present_match'], at(path, 'present_match'));
  else if (f['range_match'] !== undefined) {
    const r = fields(f['range_match'], at(path, 'range_match'), { what: 'range', known: ['start', 'end'] });
    const lo = Number(r['start'] ?? 0);
    const hi = Number(r['end'] ?? 0);
    test = (s) => /^-?[0-9]+$/.test(s) && Number(s) >= lo && Number(s) < hi;
  } else present = true; // no match specifier: presence, as Envoy
  return Object.freeze({
    name,
    matches(source: HeaderSource): boolean {
      let v = source.header(name);
      if (v === undefined) {
        if (!missingAsEmpty) return present !== undefined && (invert ? present : !present);
        v = '';
      }
      const m = test !== undefined ? test(v) : (present as boolean);
      return m !== invert;
    },
  });
}

export interface QuerySource {
  /** The first value of a query parameter (percent-decoded); undefined when absent. */
  queryParam(name: string): string | undefined;
}

export interface QueryMatcher {
  matches(source: QuerySource): boolean;
}

export function queryMatcher(value: unknown, path: string): QueryMatcher {
  const f = fields(value, path, { what: 'query parameter matcher', known: ['name', 'string_match', 'present_match'] });
  const name = str(f['name'], at(path, 'name'));
  if (name === '') fail(at(path, 'name'), 'must not be empty');
  const test = f['string_match'] !== undefined ? stringMatcher(f['string_match'], at(path, 'string_match')) : undefined;
  if (test === undefined && f['present_match'] !== true) fail(path, 'a query parameter matcher needs string_match or present_match: true');
  return Object.freeze({
    matches(source: QuerySource): boolean {
      const v = source.queryParam(name);
      if (v === undefined) return false;
      return test === undefined ? true : test(v);
    },
  });
}

export const isPlainObject = isObject;
