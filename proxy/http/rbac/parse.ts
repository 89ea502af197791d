// Parses Envoy RBAC configuration (envoy.config.rbac.v3.RBAC and the HTTP
// filter's envoy.extensions.filters.http.rbac.v3.RBAC, in config_dump JSON
// shape) into predicates over an RbacRequest. Everything that can be decided
// once is decided here: names are lower-cased, regexes compiled, CIDRs masked,
// header getters resolved, so evaluation only compares.
//
// Validation is strict: an unknown field, a matcher kind this engine does not
// implement, or a value Envoy itself would reject raises RbacConfigError with
// the field path. A config that parses here is evaluated with Envoy's
// semantics; nothing is silently ignored.
//
// Field names are accepted in proto form (snake_case, as config_dump prints
// them) or in proto3 JSON's lowerCamelCase, as every proto3 JSON parser does.

import { HeaderFields, type MetadataStruct, type MetadataValue, type RbacRequest } from './request.ts';
import { cidrRange, inRange } from './ip.ts';
import {
  containsMatcher,
  exactMatcher,
  prefixMatcher,
  regexMatcher,
  suffixMatcher,
  type StringPredicate,
} from './string-matcher.ts';

/** A configuration the engine refuses: where (field path) and why. */
export class RbacConfigError extends Error {
  readonly path: string;
  constructor(path: string, detail: string) {
    super(path === '' ? detail : `${path}: ${detail}`);
    this.name = 'RbacConfigError';
    this.path = path;
  }
}

export type RequestPredicate = (request: RbacRequest) => boolean;

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

export interface ParsedPolicy {
  readonly name: string;
  readonly matches: RequestPredicate;
}

export interface ParsedRbac {
  readonly action: RbacAction;
  /** In Envoy's evaluation order: by name, as its std::map iterates. */
  readonly policies: readonly ParsedPolicy[];
}

export interface ParsedRbacFilter {
  /** Absent: the filter enforces nothing (Envoy lets every request through). */
  readonly rules: ParsedRbac | undefined;
  readonly shadowRules: ParsedRbac | undefined;
  readonly rulesStatPrefix: string;
  readonly shadowRulesStatPrefix: string;
}

export const RBAC_HTTP_FILTER_NAME = 'envoy.filters.http.rbac';
export const RBAC_HTTP_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const RBAC_NETWORK_FILTER_NAME = 'envoy.filters.network.rbac';
export const RBAC_NETWORK_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

// ---- reading objects -----------------------------------------------------------

const fail = (path: string, detail: string): never => {
  throw new RbacConfigError(path, detail);
};

const at = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
const index = (path: string, i: number): string => `${path}[${i}]`;
const mapKey = (path: string, key: string): string => `${path}[${JSON.stringify(key)}]`;

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface FieldSpec {
  /** Fields this engine implements, in proto (snake_case) form. */
  readonly known: readonly string[];
  /** Fields that exist in the proto but that this engine refuses, with the reason. */
  readonly refused?: Readonly<Record<string, string>>;
  /** What the object is, for messages ("permission", "string matcher"). */
  readonly what: string;
}

/**
 * Reads a message object: returns its fields keyed by proto name. Unknown and
 * refused fields raise errors naming the field and what is supported.
 */
function readMessage(value: unknown, path: string, spec: FieldSpec): Readonly<Record<string, unknown>> {
  if (!isObject(value)) return fail(path, `expected a ${spec.what} object, got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  const byName = new Map<string, string>();
  for (const name of spec.known) {
    byName.set(name, name);
    byName.set(camel(name), name);
  }
  const refused = spec.refused ?? {};
  for (const name of Object.keys(refused)) {
    byName.set(name, name);
    byName.set(camel(name), name);
  }
  for (const key of Object.keys(value)) {
    const name = byName.get(key);
    if (name === undefined) {
      fail(at(path, key), `unknown ${spec.what} field ${JSON.stringify(key)}; supported: ${spec.known.join(', ')}`);
      continue;
    }
    const reason = Object.hasOwn(refused, name) ? refused[name] : undefined;
    if (reason !== undefined) fail(at(path, key), reason);
    if (Object.hasOwn(out, name)) fail(at(path, key), `${name} is given twice (as ${name} and ${camel(name)})`);
    out[name] = value[key];
  }
  return out;
}

/** The one member of a oneof that is set, or an error naming the choices. */
function oneof(fields: Readonly<Record<string, unknown>>, path: string, members: readonly string[], what: string): string {
  let found: string | undefined;
  for (const m of members) {
    if (fields[m] === undefined) continue;
    if (found !== undefined) fail(at(path, m), `a ${what} sets only one of ${members.join(', ')}; ${found} is set too`);
    found = m;
  }
  if (found === undefined) return fail(path, `a ${what} must set one of ${members.join(', ')}`);
  return found;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : typeof v;
}

function readString(v: unknown, path: string, opts: { minLen?: number } = {}): string {
  if (typeof v !== 'string') return fail(path, `expected a string, got ${describe(v)}`);
  if (opts.minLen !== undefined && v.length < opts.minLen) fail(path, `must not be empty`);
  return v;
}

function readBool(v: unknown, path: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') return fail(path, `expected true or false, got ${describe(v)}`);
  return v;
}

function readInt(v: unknown, path: string, min: number, max: number): number {
  // 64-bit integers may arrive as decimal strings (proto3 JSON).
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) return fail(path, `expected an integer, got ${describe(v)}`);
  if (n < min || n > max) fail(path, `${n} is out of range ${min}..${max}`);
  return n;
}

function readNumber(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, `expected a number, got ${describe(v)}`);
  return v;
}

function readList(v: unknown, path: string, opts: { minItems?: number } = {}): readonly unknown[] {
  if (!Array.isArray(v)) return fail(path, `expected a list, got ${describe(v)}`);
  if (opts.minItems !== undefined && v.length < opts.minItems) fail(path, `needs at least ${opts.minItems} item${opts.minItems === 1 ? '' : 's'}`);
  return v;
}

function readAnyTrue(v: unknown, path: string): void {
  if (v !== true) fail(path, `any must be true`);
}

// ---- leaf matchers ---------------------------------------------------------------

const STRING_MATCHER: FieldSpec = {
  what: 'string matcher',
  known: ['exact', 'prefix', 'suffix', 'safe_regex', 'contains', 'ignore_case'],
  refused: { custom: 'custom string matcher extensions are not supported by this proxy' },
};

export function parseStringMatcher(value: unknown, path: string): StringPredicate {
  const f = readMessage(value, path, STRING_MATCHER);
  const kind = oneof(f, path, ['exact', 'prefix', 'suffix', 'safe_regex', 'contains'], 'string matcher');
  const ignoreCase = readBool(f['ignore_case'], at(path, 'ignore_case'));
  switch (kind) {
    case 'exact':
      return exactMatcher(readString(f['exact'], at(path, 'exact')), ignoreCase);
    case 'prefix':
      return prefixMatcher(readString(f['prefix'], at(path, 'prefix'), { minLen: 1 }), ignoreCase);
    case 'suffix':
      return suffixMatcher(readString(f['suffix'], at(path, 'suffix'), { minLen: 1 }), ignoreCase);
    case 'contains':
      return containsMatcher(readString(f['contains'], at(path, 'contains'), { minLen: 1 }), ignoreCase);
    default: {
      // Envoy rejects ignore_case on a regex: case folding belongs in the pattern, (?i).
      if (ignoreCase) fail(at(path, 'ignore_case'), 'ignore_case has no effect for safe_regex; use (?i) in the pattern');
      return parseRegexMatcher(f['safe_regex'], at(path, 'safe_regex'));
    }
  }
}

const REGEX_MATCHER: FieldSpec = { what: 'regex matcher', known: ['regex', 'google_re2'] };
const GOOGLE_RE2: FieldSpec = { what: 'google_re2 options', known: ['max_program_size'] };

function parseRegexMatcher(value: unknown, path: string): StringPredicate {
  const f = readMessage(value, path, REGEX_MATCHER);
  if (f['google_re2'] !== undefined) readMessage(f['google_re2'], at(path, 'google_re2'), GOOGLE_RE2);
  const regex = readString(f['regex'], at(path, 'regex'), { minLen: 1 });
  const compiled = regexMatcher(regex);
  if (typeof compiled === 'string') return fail(at(path, 'regex'), compiled);
  return compiled;
}

const CIDR_RANGE: FieldSpec = { what: 'CIDR range', known: ['address_prefix', 'prefix_len'] };

function parseCidr(value: unknown, path: string): (address: string) => boolean {
  const f = readMessage(value, path, CIDR_RANGE);
  const address = readString(f['address_prefix'], at(path, 'address_prefix'), { minLen: 1 });
  // google.protobuf.UInt32Value: a bare number in JSON; unset means 0.
  const rawLen = f['prefix_len'];
  const len = rawLen === undefined ? 0 : readInt(isObject(rawLen) ? rawLen['value'] : rawLen, at(path, 'prefix_len'), 0, 128);
  const range = cidrRange(address, len);
  if (typeof range === 'string') return fail(path, range);
  return (ip) => inRange(range, ip);
}

/** Joins a repeated header's values with ",", as Envoy's getAllOfHeaderAsString. */
function joinedHeader(v: string | readonly string[] | undefined): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  if (v.length === 0) return undefined;
  return v.length === 1 ? v[0] : v.join(',');
}

/** How a header matcher reads its header from the request, chosen once. */
function headerGetter(lowerName: string): (r: RbacRequest) => string | undefined {
  switch (lowerName) {
    case ':method':
      return (r) => r.method;
    case ':path':
      return (r) => r.path;
    // HTTP/1's Host is :authority inside Envoy (its codecs rename it); both names reach it here.
    case ':authority':
    case 'host':
      return (r) => r.authority;
    default:
      return (r) => {
        const h = r.headers;
        if (h instanceof HeaderFields) return h.get(lowerName);
        return Object.hasOwn(h, lowerName) ? joinedHeader(h[lowerName]) : undefined;
      };
  }
}

const HEADER_MATCHER: FieldSpec = {
  what: 'header matcher',
  known: [
    'name',
    'exact_match',
    'safe_regex_match',
    'range_match',
    'present_match',
    'prefix_match',
    'suffix_match',
    'contains_match',
    'string_match',
    'invert_match',
    'treat_missing_header_as_empty',
  ],
};
const HEADER_SPECIFIERS = [
  'exact_match',
  'safe_regex_match',
  'range_match',
  'present_match',
  'prefix_match',
  'suffix_match',
  'contains_match',
  'string_match',
] as const;
const INT64_RANGE: FieldSpec = { what: 'range', known: ['start', 'end'] };

/** Envoy's HeaderUtility::matchHeaders, including its rules for a missing header. */
export function parseHeaderMatcher(value: unknown, path: string): RequestPredicate {
  const f = readMessage(value, path, HEADER_MATCHER);
  const name = readString(f['name'], at(path, 'name'), { minLen: 1 }).toLowerCase();
  const invert = readBool(f['invert_match'], at(path, 'invert_match'));
  const missingAsEmpty = readBool(f['treat_missing_header_as_empty'], at(path, 'treat_missing_header_as_empty'));
  const get = headerGetter(name);

  let kind: (typeof HEADER_SPECIFIERS)[number] | undefined;
  for (const k of HEADER_SPECIFIERS) {
    if (f[k] === undefined) continue;
    if (kind !== undefined) fail(at(path, k), `a header matcher sets only one of ${HEADER_SPECIFIERS.join(', ')}; ${kind} is set too`);
    kind = k;
  }
  // No specifier: Envoy matches on presence.
  let isPresent = true;
  let presentValue = true;
  let test: StringPredicate = () => true;
  switch (kind) {
    case undefined:
      break;
    case 'present_match':
      presentValue = readBool(f['present_match'], at(path, 'present_match'));
      break;
    case 'exact_match': {
      const v = readString(f['exact_match'], at(path, 'exact_match'));
      // Envoy's deprecated exact_match treats "" as "any value".
      test = v === '' ? () => true : exactMatcher(v, false);
      isPresent = false;
      break;
    }
    case 'prefix_match':
      test = prefixMatcher(readString(f['prefix_match'], at(path, 'prefix_match'), { minLen: 1 }), false);
      isPresent = false;
      break;
    case 'suffix_match':
      test = suffixMatcher(readString(f['suffix_match'], at(path, 'suffix_match'), { minLen: 1 }), false);
      isPresent = false;
      break;
    case 'contains_match':
      test = containsMatcher(readString(f['contains_match'], at(path, 'contains_match'), { minLen: 1 }), false);
      isPresent = false;
      break;
    case 'safe_regex_match':
      test = parseRegexMatcher(f['safe_regex_match'], at(path, 'safe_regex_match'));
      isPresent = false;
      break;
    case 'string_match':
      test = parseStringMatcher(f['string_match'], at(path, 'string_match'));
      isPresent = false;
      break;
    case 'range_match': {
      const r = readMessage(f['range_match'], at(path, 'range_match'), INT64_RANGE);
      const start = r['start'] === undefined ? 0 : readInt(r['start'], at(path, 'range_match.start'), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const end = r['end'] === undefined ? 0 : readInt(r['end'], at(path, 'range_match.end'), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      test = (s) => {
        if (!/^[+-]?[0-9]+$/.test(s)) return false;
        const n = Number(s);
        return n >= start && n < end;
      };
      isPresent = false;
      break;
    }
  }

  if (isPresent) {
    // Present (or absent) is decided by presence alone.
    return (r) => {
      const v = get(r);
      if (v === undefined && !missingAsEmpty) return invert ? presentValue : !presentValue;
      return presentValue !== invert;
    };
  }
  return (r) => {
    let v = get(r);
    if (v === undefined) {
      // A missing header never matches a value matcher, inverted or not.
      if (!missingAsEmpty) return false;
      v = '';
    }
    return test(v) !== invert;
  };
}

const PATH_MATCHER: FieldSpec = { what: 'path matcher', known: ['path'] };

/** The path without query string and fragment: what Envoy's url_path compares. */
function pathOnly(p: string): string {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 63 || c === 35) return p.slice(0, i);
  }
  return p;
}

function parsePathMatcher(value: unknown, path: string): RequestPredicate {
  const f = readMessage(value, path, PATH_MATCHER);
  if (f['path'] === undefined) fail(path, 'a path matcher must set path');
  const m = parseStringMatcher(f['path'], at(path, 'path'));
  // No :path (a TCP connection): Envoy's url_path does not match.
  return (r) => r.path !== undefined && m(pathOnly(r.path));
}

// ---- metadata ---------------------------------------------------------------------

type ValuePredicate = (v: MetadataValue | undefined) => boolean;

const METADATA_MATCHER: FieldSpec = { what: 'metadata matcher', known: ['filter', 'path', 'value', 'invert'] };
const PATH_SEGMENT: FieldSpec = { what: 'metadata path segment', known: ['key'] };
const VALUE_MATCHER: FieldSpec = {
  what: 'value matcher',
  known: ['null_match', 'double_match', 'string_match', 'bool_match', 'present_match', 'list_match', 'or_match'],
};
const VALUE_KINDS = ['null_match', 'double_match', 'string_match', 'bool_match', 'present_match', 'list_match', 'or_match'] as const;
const LIST_MATCHER: FieldSpec = { what: 'list matcher', known: ['one_of'] };
const OR_MATCHER: FieldSpec = { what: 'or matcher', known: ['value_matchers'] };
const DOUBLE_MATCHER: FieldSpec = { what: 'double matcher', known: ['range', 'exact'] };
const DOUBLE_RANGE: FieldSpec = { what: 'double range', known: ['start', 'end'] };
const NULL_MATCH: FieldSpec = { what: 'null match', known: [] };

const isStruct = (v: MetadataValue | undefined): v is MetadataStruct => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseValueMatcher(value: unknown, path: string): ValuePredicate {
  const f = readMessage(value, path, VALUE_MATCHER);
  const kind = oneof(f, path, VALUE_KINDS, 'value matcher');
  const p = at(path, kind);
  switch (kind) {
    case 'null_match':
      readMessage(f['null_match'], p, NULL_MATCH);
      return (v) => v === null;
    case 'double_match': {
      const d = readMessage(f['double_match'], p, DOUBLE_MATCHER);
      const which = oneof(d, p, ['range', 'exact'], 'double matcher');
      if (which === 'exact') {
        const exact = readNumber(d['exact'], at(p, 'exact'));
        return (v) => v === exact;
      }
      const r = readMessage(d['range'], at(p, 'range'), DOUBLE_RANGE);
      const start = r['start'] === undefined ? 0 : readNumber(r['start'], at(p, 'range.start'));
      const end = r['end'] === undefined ? 0 : readNumber(r['end'], at(p, 'range.end'));
      return (v) => typeof v === 'number' && v >= start && v < end;
    }
    case 'string_match': {
      const m = parseStringMatcher(f['string_match'], p);
      return (v) => typeof v === 'string' && m(v);
    }
    case 'bool_match': {
      const b = readBool(f['bool_match'], p);
      return (v) => v === b;
    }
    case 'present_match': {
      // Envoy: present_match false never matches.
      const present = readBool(f['present_match'], p);
      return (v) => present && v !== undefined;
    }
    case 'list_match': {
      const l = readMessage(f['list_match'], p, LIST_MATCHER);
      if (l['one_of'] === undefined) fail(p, 'a list matcher must set one_of');
      const element = parseValueMatcher(l['one_of'], at(p, 'one_of'));
      return (v) => {
        if (!Array.isArray(v)) return false;
        const list = v as readonly MetadataValue[];
        for (let i = 0; i < list.length; i++) if (element(list[i])) return true;
        return false;
      };
    }
    default: {
      const o = readMessage(f['or_match'], p, OR_MATCHER);
      const items = readList(o['value_matchers'], at(p, 'value_matchers'), { minItems: 2 });
      const matchers = items.map((m, i) => parseValueMatcher(m, index(at(p, 'value_matchers'), i)));
      return (v) => {
        for (let i = 0; i < matchers.length; i++) if ((matchers[i] as ValuePredicate)(v)) return true;
        return false;
      };
    }
  }
}

export function parseMetadataMatcher(value: unknown, path: string): RequestPredicate {
  const f = readMessage(value, path, METADATA_MATCHER);
  const filter = readString(f['filter'], at(path, 'filter'), { minLen: 1 });
  const segments = readList(f['path'], at(path, 'path'), { minItems: 1 });
  const keys = segments.map((s, i) => {
    const seg = readMessage(s, index(at(path, 'path'), i), PATH_SEGMENT);
    return readString(seg['key'], at(index(at(path, 'path'), i), 'key'), { minLen: 1 });
  });
  if (f['value'] === undefined) fail(path, 'a metadata matcher must set value');
  const test = parseValueMatcher(f['value'], at(path, 'value'));
  const invert = readBool(f['invert'], at(path, 'invert'));
  return (r) => {
    // Envoy's Metadata::metadataValue: a missing step yields an unset Value.
    let cur: MetadataValue | undefined = Object.hasOwn(r.metadata, filter) ? r.metadata[filter] : undefined;
    for (let i = 0; i < keys.length && cur !== undefined; i++) {
      const key = keys[i] as string;
      cur = isStruct(cur) && Object.hasOwn(cur, key) ? cur[key] : undefined;
    }
    return test(cur) !== invert;
  };
}

// ---- permissions and principals ---------------------------------------------------

const SET_RULES: FieldSpec = { what: 'permission set', known: ['rules'] };
const SET_IDS: FieldSpec = { what: 'principal set', known: ['ids'] };
const INT32_RANGE: FieldSpec = { what: 'port range', known: ['start', 'end'] };
const AUTHENTICATED: FieldSpec = { what: 'authenticated principal', known: ['principal_name'] };

const PERMISSION_KINDS = [
  'and_rules',
  'or_rules',
  'any',
  'header',
  'url_path',
  'destination_ip',
  'destination_port',
  'destination_port_range',
  'metadata',
  'not_rule',
  'requested_server_name',
] as const;
const PERMISSION: FieldSpec = {
  what: 'permission',
  known: PERMISSION_KINDS,
  refused: {
    matcher: 'permission extensions (matcher) are not supported by this proxy',
    uri_template: 'uri_template permissions are not supported by this proxy',
  },
};

const PRINCIPAL_KINDS = [
  'and_ids',
  'or_ids',
  'any',
  'authenticated',
  'source_ip',
  'direct_remote_ip',
  'remote_ip',
  'header',
  'url_path',
  'metadata',
  'not_id',
] as const;
const PRINCIPAL: FieldSpec = {
  what: 'principal',
  known: PRINCIPAL_KINDS,
  refused: { filter_state: 'filter_state principals are not supported by this proxy' },
};

function all(ms: readonly RequestPredicate[]): RequestPredicate {
  if (ms.length === 1) return ms[0] as RequestPredicate;
  return (r) => {
    for (let i = 0; i < ms.length; i++) if (!(ms[i] as RequestPredicate)(r)) return false;
    return true;
  };
}

function some(ms: readonly RequestPredicate[]): RequestPredicate {
  if (ms.length === 1) return ms[0] as RequestPredicate;
  return (r) => {
    for (let i = 0; i < ms.length; i++) if ((ms[i] as RequestPredicate)(r)) return true;
    return false;
  };
}

const always: RequestPredicate = () => true;

export function parsePermission(value: unknown, path: string): RequestPredicate {
  const f = readMessage(value, path, PERMISSION);
  const kind = oneof(f, path, PERMISSION_KINDS, 'permission');
  const p = at(path, kind);
  const v = f[kind];
  switch (kind) {
    case 'and_rules':
    case 'or_rules': {
      const set = readMessage(v, p, SET_RULES);
      const rules = readList(set['rules'], at(p, 'rules'), { minItems: 1 }).map((r, i) => parsePermission(r, index(at(p, 'rules'), i)));
      return kind === 'and_rules' ? all(rules) : some(rules);
    }
    case 'any':
      readAnyTrue(v, p);
      return always;
    case 'header':
      return parseHeaderMatcher(v, p);
    case 'url_path':
      return parsePathMatcher(v, p);
    case 'destination_ip': {
      const m = parseCidr(v, p);
      return (r) => m(r.destinationIp);
    }
    case 'destination_port': {
      const port = readInt(v, p, 0, 65535);
      return (r) => r.destinationPort === port;
    }
    case 'destination_port_range': {
      const range = readMessage(v, p, INT32_RANGE);
      const start = range['start'] === undefined ? 0 : readInt(range['start'], at(p, 'start'), 0, 65536);
      const end = range['end'] === undefined ? 0 : readInt(range['end'], at(p, 'end'), 0, 65536);
      if (start >= end) fail(p, `range start ${start} must be below end ${end} (the end is exclusive)`);
      return (r) => r.destinationPort >= start && r.destinationPort < end;
    }
    case 'metadata':
      return parseMetadataMatcher(v, p);
    case 'not_rule': {
      const inner = parsePermission(v, p);
      return (r) => !inner(r);
    }
    default: {
      const m = parseStringMatcher(v, p);
      return (r) => m(r.sni);
    }
  }
}

export function parsePrincipal(value: unknown, path: string): RequestPredicate {
  const f = readMessage(value, path, PRINCIPAL);
  const kind = oneof(f, path, PRINCIPAL_KINDS, 'principal');
  const p = at(path, kind);
  const v = f[kind];
  switch (kind) {
    case 'and_ids':
    case 'or_ids': {
      const set = readMessage(v, p, SET_IDS);
      const ids = readList(set['ids'], at(p, 'ids'), { minItems: 1 }).map((r, i) => parsePrincipal(r, index(at(p, 'ids'), i)));
      return kind === 'and_ids' ? all(ids) : some(ids);
    }
    case 'any':
      readAnyTrue(v, p);
      return always;
    case 'authenticated': {
      const a = readMessage(v, p, AUTHENTICATED);
      if (a['principal_name'] === undefined) return (r) => r.tls !== null;
      const m = parseStringMatcher(a['principal_name'], at(p, 'principal_name'));
      // Envoy: any URI SAN, then any DNS SAN, then the subject.
      return (r) => {
        const tls = r.tls;
        if (tls === null) return false;
        for (let i = 0; i < tls.uriSans.length; i++) if (m(tls.uriSans[i] as string)) return true;
        for (let i = 0; i < tls.dnsSans.length; i++) if (m(tls.dnsSans[i] as string)) return true;
        return m(tls.subject);
      };
    }
    // source_ip is the deprecated name of direct_remote_ip.
    case 'source_ip':
    case 'direct_remote_ip': {
      const m = parseCidr(v, p);
      return (r) => m(r.directRemoteIp);
    }
    case 'remote_ip': {
      const m = parseCidr(v, p);
      return (r) => m(r.remoteIp);
    }
    case 'header':
      return parseHeaderMatcher(v, p);
    case 'url_path':
      return parsePathMatcher(v, p);
    case 'metadata':
      return parseMetadataMatcher(v, p);
    default: {
      const inner = parsePrincipal(v, p);
      return (r) => !inner(r);
    }
  }
}

// ---- policies and filters ---------------------------------------------------------

const POLICY: FieldSpec = {
  what: 'policy',
  known: ['permissions', 'principals'],
  refused: {
    condition: 'CEL conditions are not supported by this proxy',
    checked_condition: 'CEL conditions are not supported by this proxy',
  },
};

const RBAC: FieldSpec = {
  what: 'RBAC rules',
  known: ['action', 'policies'],
  refused: { audit_logging_options: 'RBAC audit logger extensions are not supported by this proxy; use action LOG' },
};

const ACTIONS: readonly RbacAction[] = ['ALLOW', 'DENY', 'LOG'];

function parsePolicy(name: string, value: unknown, path: string): ParsedPolicy {
  const f = readMessage(value, path, POLICY);
  const permissions = readList(f['permissions'], at(path, 'permissions'), { minItems: 1 }).map((x, i) =>
    parsePermission(x, index(at(path, 'permissions'), i)),
  );
  const principals = readList(f['principals'], at(path, 'principals'), { minItems: 1 }).map((x, i) =>
    parsePrincipal(x, index(at(path, 'principals'), i)),
  );
  const anyPermission = some(permissions);
  const anyPrincipal = some(principals);
  return Object.freeze({ name, matches: (r: RbacRequest) => anyPermission(r) && anyPrincipal(r) });
}

/** Parses envoy.config.rbac.v3.RBAC. */
export function parseRbac(value: unknown, path: string): ParsedRbac {
  const f = readMessage(value, path, RBAC);
  let action: RbacAction = 'ALLOW';
  const rawAction = f['action'];
  if (rawAction !== undefined) {
    // Enum by name, or by number as proto3 JSON also allows.
    const byNumber = typeof rawAction === 'number' ? ACTIONS[rawAction] : undefined;
    const named = typeof rawAction === 'string' && (ACTIONS as readonly string[]).includes(rawAction) ? (rawAction as RbacAction) : undefined;
    const resolved = byNumber ?? named;
    if (resolved === undefined) fail(at(path, 'action'), `unknown action ${JSON.stringify(rawAction)}; expected ALLOW, DENY or LOG`);
    else action = resolved;
  }
  const rawPolicies = f['policies'] ?? {};
  if (!isObject(rawPolicies)) fail(at(path, 'policies'), `expected a map of policy name to policy, got ${describe(rawPolicies)}`);
  const names = Object.keys(rawPolicies as Record<string, unknown>).sort();
  const policies = names.map((name) =>
    parsePolicy(name, (rawPolicies as Record<string, unknown>)[name], mapKey(at(path, 'policies'), name)),
  );
  return Object.freeze({ action, policies: Object.freeze(policies) });
}

// Both filters' configs may carry Envoy's newer matcher tree, which this proxy does not evaluate.
const MATCHER_TREE_REFUSED = {
  matcher: 'the RBAC matcher tree (matcher) is not supported by this proxy; use rules',
  shadow_matcher: 'the RBAC matcher tree (shadow_matcher) is not supported by this proxy; use shadow_rules',
};

const HTTP_RBAC: FieldSpec = {
  what: 'RBAC filter config',
  known: ['@type', 'rules', 'rules_stat_prefix', 'shadow_rules', 'shadow_rules_stat_prefix', 'track_per_rule_stats'],
  refused: MATCHER_TREE_REFUSED,
};

/**
 * Parses an envoy.extensions.filters.http.rbac.v3.RBAC (the filter's
 * typed_config). `path` prefixes error paths, e.g. the filter's place in the
 * listener.
 */
export function parseRbacFilterConfig(value: unknown, path = 'typed_config'): ParsedRbacFilter {
  const f = readMessage(value, path, HTTP_RBAC);
  const type = f['@type'];
  if (type !== undefined && type !== RBAC_HTTP_TYPE_URL) {
    fail(at(path, '@type'), `expected ${RBAC_HTTP_TYPE_URL}, got ${JSON.stringify(type)}`);
  }
  readBool(f['track_per_rule_stats'], at(path, 'track_per_rule_stats'));
  const rulesStatPrefix = f['rules_stat_prefix'] === undefined ? '' : readString(f['rules_stat_prefix'], at(path, 'rules_stat_prefix'));
  const shadowRulesStatPrefix =
    f['shadow_rules_stat_prefix'] === undefined ? '' : readString(f['shadow_rules_stat_prefix'], at(path, 'shadow_rules_stat_prefix'));
  const rules = f['rules'] === undefined ? undefined : parseRbac(f['rules'], at(path, 'rules'));
  const shadowRules = f['shadow_rules'] === undefined ? undefined : parseRbac(f['shadow_rules'], at(path, 'shadow_rules'));
  return Object.freeze({ rules, shadowRules, rulesStatPrefix, shadowRulesStatPrefix });
}

const NETWORK_RBAC: FieldSpec = {
  what: 'network RBAC filter config',
  known: ['@type', 'rules', 'shadow_rules', 'shadow_rules_stat_prefix', 'stat_prefix', 'enforcement_type'],
  refused: MATCHER_TREE_REFUSED,
};

/**
 * Parses an envoy.extensions.filters.network.rbac.v3.RBAC, for TCP filter
 * chains. It is evaluated once per connection, with an RbacRequest whose
 * HTTP attributes are absent (no method, path, authority or headers), as
 * Envoy's network filter sees an empty header map.
 */
export function parseRbacNetworkFilterConfig(value: unknown, path = 'typed_config'): ParsedRbacFilter {
  const f = readMessage(value, path, NETWORK_RBAC);
  const type = f['@type'];
  if (type !== undefined && type !== RBAC_NETWORK_TYPE_URL) {
    fail(at(path, '@type'), `expected ${RBAC_NETWORK_TYPE_URL}, got ${JSON.stringify(type)}`);
  }
  const statPrefix = readString(f['stat_prefix'], at(path, 'stat_prefix'), { minLen: 1 });
  const enforcement = f['enforcement_type'];
  if (enforcement !== undefined && enforcement !== 'ONE_TIME_ON_FIRST_BYTE' && enforcement !== 0) {
    fail(at(path, 'enforcement_type'), `only ONE_TIME_ON_FIRST_BYTE is supported (the decision is made once per connection), got ${JSON.stringify(enforcement)}`);
  }
  const shadowRulesStatPrefix =
    f['shadow_rules_stat_prefix'] === undefined ? '' : readString(f['shadow_rules_stat_prefix'], at(path, 'shadow_rules_stat_prefix'));
  const rules = f['rules'] === undefined ? undefined : parseRbac(f['rules'], at(path, 'rules'));
  const shadowRules = f['shadow_rules'] === undefined ? undefined : parseRbac(f['shadow_rules'], at(path, 'shadow_rules'));
  return Object.freeze({ rules, shadowRules, rulesStatPrefix: statPrefix, shadowRulesStatPrefix });
}

const HTTP_FILTER: FieldSpec = { what: 'HTTP filter', known: ['name', 'typed_config', 'disabled', 'is_optional'] };
const NETWORK_FILTER: FieldSpec = { what: 'network filter', known: ['name', 'typed_config'] };

/** Parses a filter chain's filters entry that carries a network RBAC typed_config. */
export function parseRbacNetworkFilter(value: unknown, path = ''): ParsedRbacFilter {
  const f = readMessage(value, path, NETWORK_FILTER);
  readString(f['name'], at(path, 'name'), { minLen: 1 });
  if (f['typed_config'] === undefined) fail(path, 'a network RBAC filter needs typed_config');
  const tc = f['typed_config'];
  if (isObject(tc) && tc['@type'] === undefined) fail(at(path, 'typed_config'), `"@type" must be set to "${RBAC_NETWORK_TYPE_URL}"`);
  return parseRbacNetworkFilterConfig(tc, at(path, 'typed_config'));
}

/** Parses an HttpConnectionManager http_filters entry that carries an RBAC typed_config. */
export function parseRbacHttpFilter(value: unknown, path = ''): ParsedRbacFilter {
  const f = readMessage(value, path, HTTP_FILTER);
  readString(f['name'], at(path, 'name'), { minLen: 1 });
  if (readBool(f['disabled'], at(path, 'disabled'))) fail(at(path, 'disabled'), 'a disabled RBAC filter is not supported; leave it out');
  if (f['typed_config'] === undefined) fail(path, 'an RBAC HTTP filter needs typed_config');
  const tc = f['typed_config'];
  if (isObject(tc) && tc['@type'] === undefined) fail(at(path, 'typed_config'), `"@type" must be set to "${RBAC_HTTP_TYPE_URL}"`);
  return parseRbacFilterConfig(tc, at(path, 'typed_config'));
}
