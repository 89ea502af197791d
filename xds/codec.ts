// Envoy resources as plain objects in the shape of Envoy's config_dump (proto3
// JSON with the proto field names: snake_case; `Any` as
// `{"@type": "type.googleapis.com/...", ...fields}`; durations as proto3 JSON
// strings such as "1.500s"; enums by name; wrappers such as BoolValue as bare
// values), encoded to and decoded from protobuf bytes through the real Envoy
// Types loaded in protos.ts.
//
// Encoding is strict where protobufjs's own fromObject is lenient: an unknown
// field, a value of the wrong type, an unknown enum name, two members of one
// oneof, a deprecated field, or a protoc-gen-validate rule Envoy enforces
// (required fields and oneofs, string lengths, numeric and duration bounds,
// header-safe strings, list sizes) throws a ResourceShapeError naming the
// field path. A resource that encodes here is one Envoy will not reject for
// its shape.
//
// decodeResource returns the canonical form: fields that proto3 does not
// transmit (an implicit-presence scalar at its default, an empty list) are
// absent. An object that has none of those round-trips exactly:
// decodeResource(t, encodeResource(t, x)) deep-equals x. 64-bit integers
// decode as numbers when they are safe integers, as decimal strings otherwise.

import protobuf from 'protobufjs';
import { envoyRoot } from './protos.ts';
import { messageNameOf } from './types.ts';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** A resource that does not fit its Envoy message: where and what. */
export class ResourceShapeError extends Error {
  /** Field path from the resource's root, e.g. `virtual_hosts[0].routes[1].route.timeout`. */
  readonly path: string;
  constructor(path: string, detail: string) {
    super(path === '' ? detail : `${path}: ${detail}`);
    this.name = 'ResourceShapeError';
    this.path = path;
  }
}

const fail = (path: string, detail: string): never => {
  throw new ResourceShapeError(path, detail);
};

/** The message Type a type URL names, from the loaded Envoy protos. */
export function typeForUrl(typeUrl: string): protobuf.Type {
  const name = messageNameOf(typeUrl);
  const found = envoyRoot().lookup(name);
  if (!(found instanceof protobuf.Type)) {
    throw new ResourceShapeError('', `unknown message type ${JSON.stringify(typeUrl)}: its .proto is not among xds/protos.ts PROTO_FILES`);
  }
  return found;
}

/** Encodes a resource given in config_dump shape. Throws ResourceShapeError on any misfit. */
export function encodeResource(typeUrl: string, resource: unknown): Uint8Array {
  const type = typeForUrl(typeUrl);
  return type.encode(toWire(type, resource, '')).finish();
}

const sharedEncodings = new WeakMap<object, Uint8Array>();

/**
 * encodeResource for frozen resources, memoised by object identity: the
 * compiler shares frozen resource objects between proxies, so a server
 * encodes each once however many proxies receive it. Unfrozen objects are
 * encoded every time (they may change).
 */
export function encodeShared(typeUrl: string, resource: object): Uint8Array {
  if (!Object.isFrozen(resource)) return encodeResource(typeUrl, resource);
  let bytes = sharedEncodings.get(resource);
  if (bytes === undefined) sharedEncodings.set(resource, (bytes = encodeResource(typeUrl, resource)));
  return bytes;
}

/** Checks a resource against its message without keeping the bytes. */
export function checkResource(typeUrl: string, resource: unknown): void {
  encodeResource(typeUrl, resource);
}

/** Decodes bytes of the given type into config_dump shape (canonical form). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): JsonObject {
  const type = typeForUrl(typeUrl);
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (cause) {
    throw new ResourceShapeError('', `not a valid ${type.fullName.slice(1)}: ${String(cause)}`);
  }
  const json = fromWire(type, message as unknown as Record<string, unknown>, '');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ResourceShapeError('', `${type.fullName.slice(1)} decodes to a bare value`);
  }
  return json as JsonObject;
}

/**
 * The canonical form of an object of any loaded message (by full name, such
 * as `google.protobuf.Any` for a typed_config): what the proxy will see.
 * Checks it as encodeResource does.
 */
export function canonicalize(messageName: string, value: unknown): JsonObject {
  return decodeResource(messageName, encodeResource(messageName, value));
}

// ---- durations --------------------------------------------------------------

const DURATION = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000;

/** Seconds and nanoseconds from a proto3 JSON duration ("1.500s"), or undefined if malformed. */
export function parseDuration(text: string): { seconds: number; nanos: number } | undefined {
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const seconds = Number(m[2]);
  const nanos = Number((m[3] ?? '').padEnd(9, '0'));
  if (seconds > MAX_DURATION_SECONDS) return undefined;
  return { seconds: sign * seconds, nanos: seconds === 0 && nanos === 0 ? 0 : sign * nanos };
}

/** Proto3 JSON for a duration: 0, 3, 6 or 9 fractional digits, as Envoy prints it. */
export function formatDuration(seconds: number, nanos: number): string {
  const negative = seconds < 0 || nanos < 0;
  const s = Math.abs(seconds);
  const n = Math.abs(nanos);
  let frac = '';
  if (n !== 0) {
    const digits = String(n).padStart(9, '0');
    frac = '.' + (n % 1_000_000 === 0 ? digits.slice(0, 3) : n % 1000 === 0 ? digits.slice(0, 6) : digits);
  }
  return `${negative ? '-' : ''}${s}${frac}s`;
}

/** Total nanoseconds as a bigint, for comparisons. */
const durationNanos = (d: { seconds: number; nanos: number }): bigint => BigInt(d.seconds) * 1_000_000_000n + BigInt(d.nanos);

// ---- field metadata, computed once per Type -----------------------------------

type Rules = Readonly<Record<string, unknown>>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

const optionsOf = (o: { options?: Record<string, unknown> | undefined }): Rules => o.options ?? {};

/**
 * The `(validate.rules)` of a field, flattened to `<kind>.<rule>` keys
 * (`string.min_len`, `repeated.items.string.min_len`, `duration.gt`). Read
 * from parsedOptions, which keeps message-valued rules such as `gt {}`.
 */
const rulesCache = new WeakMap<protobuf.Field, Rules>();
function rulesOf(field: protobuf.Field): Rules {
  let rules = rulesCache.get(field);
  if (rules === undefined) {
    const out: Record<string, unknown> = {};
    const flatten = (prefix: string, value: unknown, depth: number): void => {
      // Two levels (kind.rule), four under repeated.items / map.keys / map.values.
      const nested = /^(repeated\.items|map\.keys|map\.values)(\.|$)/.test(prefix);
      if (isPlainObject(value) && (depth < 2 || (nested && depth < 4))) {
        for (const [k, v] of Object.entries(value)) flatten(prefix === '' ? k : `${prefix}.${k}`, v, depth + 1);
      } else out[prefix] = value;
    };
    const parsed = (field as unknown as { parsedOptions?: unknown }).parsedOptions;
    for (const entry of Array.isArray(parsed) ? parsed : []) {
      if (isPlainObject(entry) && '(validate.rules)' in entry) flatten('', entry['(validate.rules)'], 0);
    }
    rules = Object.freeze(out);
    rulesCache.set(field, rules);
  }
  return rules;
}

/** Field names of a Type, for "did you mean" hints. */
function suggest(type: protobuf.Type, key: string): string {
  const squash = (s: string): string => s.toLowerCase().replace(/_/g, '');
  const hit = type.fieldsArray.find((f) => squash(f.name) === squash(key));
  return hit !== undefined ? ` (did you mean ${hit.name}?)` : '';
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

// ---- JSON → wire --------------------------------------------------------------

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);
const FLOATING = new Set(['double', 'float']);

const WRAPPERS = new Set([
  '.google.protobuf.BoolValue',
  '.google.protobuf.StringValue',
  '.google.protobuf.BytesValue',
  '.google.protobuf.Int32Value',
  '.google.protobuf.UInt32Value',
  '.google.protobuf.Int64Value',
  '.google.protobuf.UInt64Value',
  '.google.protobuf.DoubleValue',
  '.google.protobuf.FloatValue',
]);

/** protobufjs computes fullName by walking parents on every read: cache it. */
const fullNames = new WeakMap<protobuf.Type, string>();
function nameOf(type: protobuf.Type): string {
  let n = fullNames.get(type);
  if (n === undefined) fullNames.set(type, (n = type.fullName));
  return n;
}

/** Types whose proto3 JSON is not an object of their fields. */
const hasSpecialJson = (type: protobuf.Type): boolean =>
  WRAPPERS.has(nameOf(type)) ||
  nameOf(type) === '.google.protobuf.Duration' ||
  nameOf(type) === '.google.protobuf.Timestamp' ||
  nameOf(type) === '.google.protobuf.Struct' ||
  nameOf(type) === '.google.protobuf.Value' ||
  nameOf(type) === '.google.protobuf.ListValue';

function toWire(type: protobuf.Type, json: unknown, path: string): Record<string, unknown> {
  switch (nameOf(type)) {
    case '.google.protobuf.Duration': {
      if (typeof json !== 'string') return fail(path, `expected a duration string such as "1.500s", got ${describe(json)}`);
      const d = parseDuration(json);
      if (d === undefined) return fail(path, `${JSON.stringify(json)} is not a duration in seconds such as "1.500s"`);
      return d;
    }
    case '.google.protobuf.Timestamp': {
      if (typeof json !== 'string') return fail(path, `expected an RFC 3339 timestamp, got ${describe(json)}`);
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(json);
      const ms = m === null ? NaN : Date.parse(`${m[1]}Z`);
      if (m === null || Number.isNaN(ms)) return fail(path, `${JSON.stringify(json)} is not an RFC 3339 UTC timestamp`);
      return { seconds: ms / 1000, nanos: Number((m[2] ?? '').padEnd(9, '0')) };
    }
    case '.google.protobuf.Any':
      return anyToWire(json, path);
    case '.google.protobuf.Struct':
      if (!isPlainObject(json)) return fail(path, `expected an object, got ${describe(json)}`);
      return structToWire(json, path);
    case '.google.protobuf.Value':
      return valueToWire(json, path);
    case '.google.protobuf.ListValue':
      if (!Array.isArray(json)) return fail(path, `expected a list, got ${describe(json)}`);
      return { values: json.map((v, i) => valueToWire(v, `${path}[${i}]`)) };
  }
  if (WRAPPERS.has(nameOf(type))) {
    const inner = type.fields['value'];
    if (inner === undefined) return fail(path, `malformed wrapper ${type.fullName}`);
    return { value: scalarToWire(inner, json, path) };
  }
  if (!isPlainObject(json)) return fail(path, `expected an object (${type.fullName.slice(1)}), got ${describe(json)}`);
  return messageToWire(type, json, path);
}

function messageToWire(type: protobuf.Type, json: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const oneofSeen = new Map<string, string>();
  for (const key of Object.keys(json)) {
    const field = type.fields[key];
    const fieldPath = join(path, key);
    if (field === undefined) return fail(fieldPath, `unknown field of ${type.fullName.slice(1)}${suggest(type, key)}`);
    const value = json[key];
    if (value === undefined) return fail(fieldPath, 'is undefined; omit the field instead');
    const options = optionsOf(field);
    if (options['deprecated'] === true || options['(envoy.annotations.disallowed_by_default)'] === true) {
      return fail(fieldPath, `is deprecated in ${type.fullName.slice(1)}; Envoy rejects or warns on it`);
    }
    const oneof = field.partOf;
    if (oneof !== null && oneof !== undefined) {
      const other = oneofSeen.get(oneof.name);
      if (other !== undefined) return fail(fieldPath, `${other} is already set; ${oneof.name} takes only one of ${oneof.oneof.join(', ')}`);
      oneofSeen.set(oneof.name, key);
    }
    out[key] = fieldToWire(field, value, fieldPath);
  }
  checkPresence(type, json, oneofSeen, path);
  return out;
}

interface Presence {
  readonly oneofs: readonly protobuf.OneOf[];
  readonly fields: readonly { readonly name: string; readonly message: string }[];
}

/** What a Type requires to be present (protoc-gen-validate rules Envoy enforces on load), computed once. */
const presenceCache = new WeakMap<protobuf.Type, Presence>();
function presenceOf(type: protobuf.Type): Presence {
  let p = presenceCache.get(type);
  if (p !== undefined) return p;
  const name = nameOf(type).slice(1);
  const fields: { name: string; message: string }[] = [];
  for (const field of type.fieldsArray) {
    // A oneof member's rules apply only when it is the member chosen.
    if (field.partOf !== null && field.partOf !== undefined) continue;
    const rules = rulesOf(field);
    if (rules['message.required'] === true || rules['duration.required'] === true || rules['any.required'] === true) {
      fields.push({ name: field.name, message: `is required in ${name}` });
    } else if (typeof rules['string.min_len'] === 'number' && rules['string.min_len'] > 0) {
      fields.push({ name: field.name, message: `is required in ${name} (at least ${rules['string.min_len']} characters)` });
    } else if (typeof rules['repeated.min_items'] === 'number' && rules['repeated.min_items'] > 0) {
      fields.push({ name: field.name, message: `needs at least ${rules['repeated.min_items']} item(s) in ${name}` });
    } else if (typeof rules['map.min_pairs'] === 'number' && rules['map.min_pairs'] > 0) {
      fields.push({ name: field.name, message: `needs at least ${rules['map.min_pairs']} entr(ies) in ${name}` });
    }
  }
  p = { oneofs: type.oneofsArray.filter((o) => optionsOf(o)['(validate.required)'] === true), fields };
  presenceCache.set(type, p);
  return p;
}

function checkPresence(type: protobuf.Type, json: Record<string, unknown>, oneofSeen: ReadonlyMap<string, string>, path: string): void {
  const p = presenceOf(type);
  for (const oneof of p.oneofs) {
    if (!oneofSeen.has(oneof.name)) fail(path, `${nameOf(type).slice(1)} needs one of ${oneof.oneof.join(', ')}`);
  }
  for (const f of p.fields) if (!(f.name in json)) fail(join(path, f.name), f.message);
}

function fieldToWire(field: protobuf.Field, value: unknown, path: string): unknown {
  const rules = rulesOf(field);
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) return fail(path, `expected a map (object), got ${describe(value)}`);
    if (field.keyType !== 'string') return fail(path, `maps keyed by ${field.keyType} are not supported`);
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    if (typeof rules['map.min_pairs'] === 'number' && keys.length < rules['map.min_pairs']) {
      fail(path, `needs at least ${rules['map.min_pairs']} entr(ies)`);
    }
    for (const k of keys) {
      if (typeof rules['map.keys.string.min_len'] === 'number' && k.length < rules['map.keys.string.min_len']) {
        fail(path, `map keys must have at least ${rules['map.keys.string.min_len']} character(s)`);
      }
      out[k] = singleToWire(field, value[k], `${path}[${JSON.stringify(k)}]`, {});
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return fail(path, `expected a list, got ${describe(value)}`);
    const min = rules['repeated.min_items'];
    const max = rules['repeated.max_items'];
    if (typeof min === 'number' && value.length < min) fail(path, `needs at least ${min} item(s), has ${value.length}`);
    if (typeof max === 'number' && value.length > max) fail(path, `takes at most ${max} item(s), has ${value.length}`);
    const itemRules: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rules)) if (k.startsWith('repeated.items.')) itemRules[k.slice('repeated.items.'.length)] = v;
    return value.map((item: unknown, i: number) => singleToWire(field, item, `${path}[${i}]`, itemRules));
  }
  return singleToWire(field, value, path, rules);
}

function singleToWire(field: protobuf.Field, value: unknown, path: string, rules: Rules): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const wire = toWire(resolved, value, path);
    if (nameOf(resolved) === '.google.protobuf.Duration') checkDurationRules(field, wire as { seconds: number; nanos: number }, path);
    return wire;
  }
  if (resolved instanceof protobuf.Enum) {
    if (typeof value !== 'string') return fail(path, `expected an enum name (${Object.keys(resolved.values).join(', ')}), got ${describe(value)}`);
    const number = resolved.values[value];
    if (number === undefined) return fail(path, `${JSON.stringify(value)} is not one of ${Object.keys(resolved.values).join(', ')}`);
    if (resolved.valuesOptions?.[value]?.['deprecated'] === true) return fail(path, `${value} is deprecated`);
    return number;
  }
  return scalarToWire(field, value, path, rules);
}

function checkDurationRules(field: protobuf.Field, d: { seconds: number; nanos: number }, path: string): void {
  const rules = rulesOf(field);
  const bound = (rule: string): bigint | undefined => {
    const b = rules[`duration.${rule}`];
    if (!isPlainObject(b)) return undefined;
    return durationNanos({ seconds: Number(b['seconds'] ?? 0), nanos: Number(b['nanos'] ?? 0) });
  };
  const v = durationNanos(d);
  const text = formatDuration(d.seconds, d.nanos);
  const show = (n: bigint): string => formatDuration(Number(n / 1_000_000_000n), Number(n % 1_000_000_000n));
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  if (gt !== undefined && !(v > gt)) fail(path, `${text} must be greater than ${show(gt)}`);
  if (gte !== undefined && !(v >= gte)) fail(path, `${text} must be at least ${show(gte)}`);
  if (lt !== undefined && !(v < lt)) fail(path, `${text} must be less than ${show(lt)}`);
  if (lte !== undefined && !(v <= lte)) fail(path, `${text} must be at most ${show(lte)}`);
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LENIENT = /^[^\u0000\u000A\u000D]*$/;

function scalarToWire(field: protobuf.Field, value: unknown, path: string, rules: Rules = rulesOf(field)): unknown {
  const t = field.type;
  if (t === 'string') {
    if (typeof value !== 'string') return fail(path, `expected a string, got ${describe(value)}`);
    const minLen = rules['string.min_len'];
    if (typeof minLen === 'number' && [...value].length < minLen) fail(path, `needs at least ${minLen} character(s)`);
    const maxBytes = rules['string.max_bytes'];
    if (typeof maxBytes === 'number' && Buffer.byteLength(value) > maxBytes) fail(path, `takes at most ${maxBytes} bytes`);
    const wkr = rules['string.well_known_regex'];
    if (wkr === 'HTTP_HEADER_NAME' || wkr === 'HTTP_HEADER_VALUE') {
      const strict = rules['string.strict'] !== false;
      const re = !strict ? HEADER_LENIENT : wkr === 'HTTP_HEADER_NAME' ? HEADER_NAME_STRICT : HEADER_VALUE_STRICT;
      if (!re.test(value)) fail(path, `${JSON.stringify(value)} is not a valid HTTP header ${wkr === 'HTTP_HEADER_NAME' ? 'name' : 'value'}`);
    }
    const allowed = rules['string.in'];
    if (Array.isArray(allowed) && !allowed.includes(value)) fail(path, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return value;
  }
  if (t === 'bool') {
    if (typeof value !== 'boolean') return fail(path, `expected true or false, got ${describe(value)}`);
    if (typeof rules['bool.const'] === 'boolean' && value !== rules['bool.const']) fail(path, `must be ${String(rules['bool.const'])}`);
    return value;
  }
  if (t === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return fail(path, `expected base64 bytes, got ${describe(value)}`);
    return Buffer.from(value, 'base64');
  }
  if (FLOATING.has(t)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail(path, `expected a finite number, got ${describe(value)}`);
    checkBounds(rules, 'double', value, path);
    checkBounds(rules, 'float', value, path);
    return value;
  }
  if (INT32.has(t) || UINT32.has(t)) {
    if (typeof value !== 'number' || !Number.isInteger(value)) return fail(path, `expected an integer, got ${describe(value)}`);
    const [lo, hi] = UINT32.has(t) ? [0, 0xffff_ffff] : [-0x8000_0000, 0x7fff_ffff];
    if (value < lo || value > hi) fail(path, `${value} is outside ${t}`);
    checkBounds(rules, UINT32.has(t) ? 'uint32' : 'int32', value, path);
    return value;
  }
  if (INT64.has(t) || UINT64.has(t)) {
    let n: bigint;
    if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) n = BigInt(value);
    else return fail(path, `expected an integer (a number, or a decimal string beyond 2^53), got ${describe(value)}`);
    if (UINT64.has(t) ? n < 0n || n > 0xffff_ffff_ffff_ffffn : n < -(2n ** 63n) || n >= 2n ** 63n) fail(path, `${n} is outside ${t}`);
    checkBounds(rules, UINT64.has(t) ? 'uint64' : 'int64', Number(n), path);
    // protobufjs writes 64-bit values given as decimal strings exactly.
    return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
  }
  return fail(path, `unsupported field type ${t}`);
}

function checkBounds(rules: Rules, kind: string, value: number, path: string): void {
  const gt = rules[`${kind}.gt`];
  const gte = rules[`${kind}.gte`];
  const lt = rules[`${kind}.lt`];
  const lte = rules[`${kind}.lte`];
  if (typeof gt === 'number' && !(value > gt)) fail(path, `${value} must be greater than ${gt}`);
  if (typeof gte === 'number' && !(value >= gte)) fail(path, `${value} must be at least ${gte}`);
  if (typeof lt === 'number' && !(value < lt)) fail(path, `${value} must be less than ${lt}`);
  if (typeof lte === 'number' && !(value <= lte)) fail(path, `${value} must be at most ${lte}`);
}

function anyToWire(json: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(json)) return fail(path, `expected an object with "@type", got ${describe(json)}`);
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string') return fail(path, 'an Any needs "@type": "type.googleapis.com/<message>"');
  const inner = envoyRoot().lookup(messageNameOf(typeUrl));
  if (!(inner instanceof protobuf.Type)) return fail(join(path, '@type'), `unknown message type ${typeUrl}`);
  const innerPath = `${path}(${inner.name})`;
  let wire: Record<string, unknown>;
  if (hasSpecialJson(inner)) {
    const keys = Object.keys(json).filter((k) => k !== '@type');
    if (keys.length !== 1 || keys[0] !== 'value') return fail(path, `an Any of ${inner.name} carries it under "value"`);
    wire = toWire(inner, json['value'], join(innerPath, 'value'));
  } else {
    const { ['@type']: _typeUrl, ...fields } = json;
    wire = toWire(inner, fields, innerPath);
  }
  return { type_url: typeUrl, value: inner.encode(wire).finish() };
}

function structToWire(json: Record<string, unknown>, path: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(json)) fields[k] = valueToWire(json[k], join(path, k));
  return { fields };
}

/**
 * google.protobuf.Value's field names: protobufjs bundles the well-known types
 * with camelCase names (nullValue), whatever keepCase says.
 */
const VALUE = { null: 'nullValue', number: 'numberValue', string: 'stringValue', bool: 'boolValue', struct: 'structValue', list: 'listValue' } as const;

function valueToWire(json: unknown, path: string): Record<string, unknown> {
  if (json === null) return { [VALUE.null]: 0 };
  if (typeof json === 'number') {
    if (!Number.isFinite(json)) return fail(path, 'a Value number must be finite');
    return { [VALUE.number]: json };
  }
  if (typeof json === 'string') return { [VALUE.string]: json };
  if (typeof json === 'boolean') return { [VALUE.bool]: json };
  if (Array.isArray(json)) return { [VALUE.list]: { values: json.map((v, i) => valueToWire(v, `${path}[${i}]`)) } };
  if (isPlainObject(json)) return { [VALUE.struct]: structToWire(json, path) };
  return fail(path, `not a JSON value: ${describe(json)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

// ---- wire → JSON --------------------------------------------------------------

type LongLike = { low: number; high: number; unsigned: boolean; toString(): string };
const isLong = (v: unknown): v is LongLike => typeof v === 'object' && v !== null && 'low' in v && 'high' in v;

function int64ToJson(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (isLong(v)) {
    const n = BigInt(v.toString());
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
  }
  return String(v);
}

function fromWire(type: protobuf.Type, msg: Record<string, unknown>, path: string): JsonValue {
  switch (nameOf(type)) {
    case '.google.protobuf.Duration':
      return formatDuration(Number(int64ToJson(msg['seconds'] ?? 0)), Number(msg['nanos'] ?? 0));
    case '.google.protobuf.Timestamp': {
      const seconds = Number(int64ToJson(msg['seconds'] ?? 0));
      const nanos = Number(msg['nanos'] ?? 0);
      const base = new Date(seconds * 1000).toISOString().slice(0, 19);
      return nanos === 0 ? `${base}Z` : `${base}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
    }
    case '.google.protobuf.Any': {
      const typeUrl = String(msg['type_url'] ?? '');
      const inner = envoyRoot().lookup(messageNameOf(typeUrl));
      if (!(inner instanceof protobuf.Type)) return fail(path, `unknown message type ${typeUrl}`);
      const bytes = msg['value'] instanceof Uint8Array ? msg['value'] : new Uint8Array();
      const decoded = fromWire(inner, inner.decode(bytes) as unknown as Record<string, unknown>, `${path}(${inner.name})`);
      if (hasSpecialJson(inner)) return { '@type': typeUrl, value: decoded };
      return { '@type': typeUrl, ...(decoded as JsonObject) };
    }
    case '.google.protobuf.Struct':
      return structFromWire(msg);
    case '.google.protobuf.Value':
      return valueFromWire(msg);
    case '.google.protobuf.ListValue':
      return ((msg['values'] as Record<string, unknown>[] | undefined) ?? []).map(valueFromWire);
  }
  if (WRAPPERS.has(nameOf(type))) {
    const inner = type.fields['value'];
    if (inner === undefined) return fail(path, `malformed wrapper ${type.fullName}`);
    const value = msg['value'];
    return scalarFromWire(inner, value === undefined || value === null ? inner.typeDefault : value);
  }
  const out: Record<string, JsonValue> = {};
  for (const field of type.fieldsArray) {
    const value = msg[field.name];
    const fieldPath = join(path, field.name);
    if (field instanceof protobuf.MapField) {
      if (!isPlainObject(value) || Object.keys(value).length === 0) continue;
      const m: Record<string, JsonValue> = {};
      for (const k of Object.keys(value)) m[k] = singleFromWire(field, value[k], `${fieldPath}[${JSON.stringify(k)}]`);
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) continue;
      out[field.name] = value.map((item: unknown, i: number) => singleFromWire(field, item, `${fieldPath}[${i}]`));
    } else {
      if (!Object.hasOwn(msg, field.name) || value === null || value === undefined) continue;
      const explicitPresence = (field.partOf !== null && field.partOf !== undefined) || field.resolvedType instanceof protobuf.Type;
      const json = singleFromWire(field, value, fieldPath);
      if (!explicitPresence && isDefault(field, value)) continue;
      out[field.name] = json;
    }
  }
  return out;
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 0;
  if (isLong(value)) return value.low === 0 && value.high === 0;
  return value === 0 || value === '' || value === false;
}

function singleFromWire(field: protobuf.Field, value: unknown, path: string): JsonValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return fromWire(resolved, value as Record<string, unknown>, path);
  if (resolved instanceof protobuf.Enum) {
    const name = typeof value === 'number' ? resolved.valuesById[value] : undefined;
    return name ?? (typeof value === 'number' ? value : String(value));
  }
  return scalarFromWire(field, value);
}

function scalarFromWire(field: protobuf.Field, value: unknown): JsonValue {
  const t = field.type;
  if (t === 'bytes') return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : '';
  if (INT64.has(t) || UINT64.has(t)) return int64ToJson(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function structFromWire(msg: Record<string, unknown>): JsonObject {
  const fields = (msg['fields'] as Record<string, Record<string, unknown>> | undefined) ?? {};
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    if (v !== undefined) out[k] = valueFromWire(v);
  }
  return out;
}

function valueFromWire(msg: Record<string, unknown>): JsonValue {
  if (Object.hasOwn(msg, VALUE.number)) return Number(msg[VALUE.number]);
  if (Object.hasOwn(msg, VALUE.string)) return String(msg[VALUE.string]);
  if (Object.hasOwn(msg, VALUE.bool)) return Boolean(msg[VALUE.bool]);
  if (Object.hasOwn(msg, VALUE.struct)) return structFromWire(msg[VALUE.struct] as Record<string, unknown>);
  if (Object.hasOwn(msg, VALUE.list)) {
    return ((msg[VALUE.list] as { values?: Record<string, unknown>[] }).values ?? []).map(valueFromWire);
  }
  return null;
}
