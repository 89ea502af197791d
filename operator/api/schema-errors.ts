// ajv's errors, rewritten for a person fixing YAML: Kubernetes-form paths,
// what is wrong and what is allowed, "did you mean" for misspelled fields,
// specific advice for Istio fields Weft does not support, and no echoes
// (one message per wrong value, not one per schema keyword it broke).

import type { ErrorObject } from 'ajv';
import type { WeftKind } from './model.ts';
import { durationMessage } from './duration.ts';
import { type Finding, type Obj, at, closest, field, isObj } from './rules/context.ts';
import { MATCH_KINDS, oneOfMatchMessage } from './rules/common.ts';
import { shapeOf, show } from './rules/show.ts';
import virtualServiceSchema from '../../crds/schema/virtualservice.schema.json' with { type: 'json' };
import authorizationPolicySchema from '../../crds/schema/authorizationpolicy.schema.json' with { type: 'json' };
import trafficSplitSchema from '../../crds/schema/trafficsplit.schema.json' with { type: 'json' };
import workloadEntrySchema from '../../crds/schema/workloadentry.schema.json' with { type: 'json' };
import requestAuthenticationSchema from '../../crds/schema/requestauthentication.schema.json' with { type: 'json' };

const ROOTS: Readonly<Record<WeftKind, Obj>> = {
  VirtualService: virtualServiceSchema,
  AuthorizationPolicy: authorizationPolicySchema,
  TrafficSplit: trafficSplitSchema,
  WorkloadEntry: workloadEntrySchema,
  RequestAuthentication: requestAuthenticationSchema,
};

/**
 * Fields of Istio's (or SMI's) API that Weft does not have, keyed by the
 * schema title of the object they would sit in: the message says so and what
 * to write instead, rather than a bare "unknown field".
 */
const UNSUPPORTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  VirtualServiceSpec: {
    tcp: 'TCP routes are not supported: Weft routes HTTP (spec.http) only; TCP traffic goes to the Kubernetes Service as addressed',
    tls: 'TLS (SNI) routes are not supported: Weft routes HTTP (spec.http) only; TLS traffic goes to the Kubernetes Service as addressed',
  },
  HTTPRoute: {
    delegate: 'VirtualService delegation is not supported: write the rules in this VirtualService',
    mirror_percent: 'mirror_percent was removed from Istio: use mirrorPercentage: {value: 50}',
    mirrorPercent: 'mirrorPercent was removed from Istio: use mirrorPercentage: {value: 50}',
    appendHeaders: 'appendHeaders was removed from Istio: use headers.request.add',
    appendRequestHeaders: 'appendRequestHeaders was removed from Istio: use headers.request.add',
    removeRequestHeaders: 'removeRequestHeaders was removed from Istio: use headers.request.remove',
    appendResponseHeaders: 'appendResponseHeaders was removed from Istio: use headers.response.add',
    removeResponseHeaders: 'removeResponseHeaders was removed from Istio: use headers.response.remove',
    websocketUpgrade: 'websocketUpgrade was removed from Istio: WebSocket upgrades are always allowed',
  },
  Destination: {
    subset: 'subsets are not supported (Weft has no DestinationRule): route to a Service per version instead, e.g. host: reviews-v2, or split with weights across such Services',
  },
  HTTPMatchRequest: {
    gateways: 'gateway matches are not supported: Weft programs sidecars (the mesh) only',
    statPrefix: 'statPrefix is not supported: route metrics are named after the rule name',
  },
  FaultDelay: {
    exponentialDelay: 'exponentialDelay is not supported (Istio does not implement it either): use fixedDelay',
    percent: 'percent was removed from Istio: use percentage: {value: 10}',
  },
  FaultAbort: {
    http2Error: 'http2Error is not supported: use httpStatus or grpcStatus',
    percent: 'percent was removed from Istio: use percentage: {value: 10}',
  },
  CorsPolicy: {
    allowOrigin: 'allowOrigin was removed from Istio: use allowOrigins: [{exact: "https://example.com"}]',
  },
  AuthorizationPolicySpec: {
    provider: 'CUSTOM (external) authorization is not supported: Weft evaluates ALLOW, DENY and AUDIT rules itself',
    targetRef: 'targetRef is not supported: choose workloads with selector.matchLabels',
    targetRefs: 'targetRefs is not supported: choose workloads with selector.matchLabels',
  },
  RequestAuthenticationSpec: {
    targetRef: 'targetRef is not supported: Weft programs sidecars, not gateways; choose workloads with selector.matchLabels',
    targetRefs: 'targetRefs is not supported: Weft programs sidecars, not gateways; choose workloads with selector.matchLabels',
  },
  JWTRule: {
    jwks_uri: 'jwks_uri is the old spelling: write jwksUri',
    spaceDelimitedClaims: 'spaceDelimitedClaims is not supported: claims are matched as the token carries them (a space-delimited scope string is one value)',
  },
  Source: {
    serviceAccounts: 'serviceAccounts is not supported: use principals: ["cluster.local/ns/NAMESPACE/sa/NAME"]',
    notServiceAccounts: 'notServiceAccounts is not supported: use notPrincipals: ["cluster.local/ns/NAMESPACE/sa/NAME"]',
  },
};

/** Enum values Weft knows from Istio but does not support. */
const UNSUPPORTED_VALUES: Readonly<Record<string, string>> = {
  CUSTOM: 'action CUSTOM (external authorization) is not supported: use ALLOW, DENY or AUDIT',
};

// --- paths -------------------------------------------------------------------------

type Schema = { readonly [key: string]: unknown };

function resolve(root: Schema, s: unknown): Schema | undefined {
  if (!isObj(s)) return undefined;
  const ref = s['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
    const defs = root['definitions'];
    return isObj(defs) ? resolve(root, defs[ref.slice('#/definitions/'.length)]) : undefined;
  }
  return s;
}

const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** `/spec/http/0/match/0/headers/x-user` → `spec.http[0].match[0].headers[x-user]`, telling map keys from fields by the schema. */
export function pointerToPath(kind: WeftKind, pointer: string): string {
  if (pointer === '') return '';
  const root = ROOTS[kind];
  let node: Schema | undefined = root;
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapePointer(raw);
    node = node === undefined ? undefined : resolve(root, node);
    const props = node?.['properties'];
    const extra = node?.['additionalProperties'];
    if (node !== undefined && (node['type'] === 'array' || node['items'] !== undefined)) {
      out = at(out, seg);
      node = resolve(root, node['items']);
    } else if (isObj(props) && props[seg] !== undefined) {
      out = field(out, seg);
      node = resolve(root, props[seg]);
    } else if (isObj(extra)) {
      out = at(out, seg);
      node = resolve(root, extra);
    } else {
      out = /^[0-9]+$/.test(seg) || !/^[A-Za-z_$][\w$-]*$/.test(seg) ? at(out, seg) : field(out, seg);
      node = undefined;
    }
  }
  return out;
}

// --- messages ------------------------------------------------------------------------

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'null',
};

/** How to write a small object whose user wrote a scalar in its place. */
const OBJECT_FORMS: Readonly<Record<string, (v: string) => string>> = {
  Destination: (v) => `{host: ${v}}`,
  Percent: (v) => `{value: ${v}}`,
  PortSelector: (v) => `{number: ${v}}`,
  StringMatch: (v) => `{exact: ${v}}`,
};

const lastSegment = (pointer: string): string => unescapePointer(pointer.slice(pointer.lastIndexOf('/') + 1));

const isDuration = (e: ErrorObject): boolean =>
  e.schemaPath.startsWith('#/definitions/Duration/') || (isObj(e.parentSchema) && e.parentSchema['title'] === 'Duration');
const isPercentValue = (e: ErrorObject): boolean => e.schemaPath.startsWith('#/definitions/Percent/properties/value/');

function describeMissing(parent: unknown, prop: string): string {
  if (!isObj(parent)) return '';
  const props = parent['properties'];
  const s = isObj(props) ? props[prop] : undefined;
  const desc = isObj(s) ? s['description'] : undefined;
  if (typeof desc !== 'string' || desc === '') return '';
  return ` (${desc.charAt(0).toLowerCase()}${desc.slice(1).replace(/\.$/, '')})`;
}

function rangeMessage(e: ErrorObject): string {
  const name = lastSegment(e.instancePath);
  const got = show(e.data);
  const ps = isObj(e.parentSchema) ? e.parentSchema : {};
  const min = typeof ps['minimum'] === 'number' ? ps['minimum'] : undefined;
  const max = typeof ps['maximum'] === 'number' ? ps['maximum'] : undefined;
  if (isPercentValue(e)) return `must be a percentage from 0 to 100 (got ${got})`;
  if (name === 'weight' && (max === undefined || (typeof e.data === 'number' && e.data < 0))) return `weight must be a non-negative integer (got ${got})`;
  if ((name === 'number' || name === 'port') && min === 1 && max === 65535) return `must be a port number from 1 to 65535 (got ${got})`;
  if ((name === 'status' || name === 'httpStatus') && min === 200) return `must be an HTTP status from 200 to 599 (got ${got})`;
  if (min !== undefined && max !== undefined) return `must be from ${min} to ${max} (got ${got})`;
  if (min !== undefined) return `must be at least ${min} (got ${got})`;
  return `must be at most ${max ?? '?'} (got ${got})`;
}

function typeMessage(e: ErrorObject): string {
  const name = lastSegment(e.instancePath);
  const expected = String(e.params['type'] ?? '');
  const ps = isObj(e.parentSchema) ? e.parentSchema : {};
  const title = typeof ps['title'] === 'string' ? ps['title'] : '';
  const data = e.data;
  if (isDuration(e)) return durationMessage(data);
  if (name === 'weight' && expected === 'integer') return `weight must be a non-negative integer (got ${show(data)})`;
  if (isPercentValue(e)) return `must be a percentage from 0 to 100 (got ${show(data)})`;
  const words = expected.split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ');
  let hint = '';
  if (expected === 'array' && isObj(data)) hint = '; start each entry with "- "';
  else if (expected === 'array' && (typeof data === 'string' || typeof data === 'number')) hint = `; write [${typeof data === 'string' ? show(data) : data}] for a list of one`;
  else if (expected === 'string' && (typeof data === 'number' || typeof data === 'boolean')) hint = `; quote it: "${String(data)}"`;
  else if (expected === 'boolean' && (data === 'true' || data === 'false')) hint = `; write ${data} without quotes`;
  else if ((expected === 'integer' || expected === 'number') && typeof data === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(data)) hint = `; write ${data} without quotes`;
  else if (expected === 'object' && (typeof data === 'string' || typeof data === 'number')) {
    const form = OBJECT_FORMS[title];
    if (form !== undefined) hint = `; write ${name}: ${form(typeof data === 'string' ? data : String(data))}`;
  }
  return `must be ${words} (got ${shapeOf(data)})${hint}`;
}

function enumMessage(e: ErrorObject): string {
  const allowed = Array.isArray(e.params['allowedValues']) ? (e.params['allowedValues'] as unknown[]).map(String) : [];
  if (typeof e.data === 'string') {
    const special = UNSUPPORTED_VALUES[e.data];
    if (special !== undefined && allowed.includes('ALLOW')) return special;
    const guess = closest(e.data, allowed);
    if (guess !== undefined) return `must be one of ${allowed.join(', ')} (got ${show(e.data)}); did you mean ${show(guess)}?`;
  }
  return `must be one of ${allowed.join(', ')} (got ${show(e.data)})`;
}

function unknownField(e: ErrorObject, path: string, parentPath: string): Finding {
  const name = String(e.params['additionalProperty'] ?? '');
  const ps = isObj(e.parentSchema) ? e.parentSchema : {};
  const title = typeof ps['title'] === 'string' ? ps['title'] : '';
  const special = UNSUPPORTED[title]?.[name];
  if (special !== undefined) return { severity: 'error', path, message: special, unknown: { at: parentPath, field: name } };
  const props = ps['properties'];
  const allowed = isObj(props) ? Object.keys(props) : [];
  const suggestion = closest(name, allowed);
  const did = suggestion !== undefined ? `; did you mean ${show(suggestion)}?` : '';
  const message = `unknown field ${show(name)}${did} (allowed: ${allowed.join(', ')})`;
  return suggestion === undefined
    ? { severity: 'error', path, message, unknown: { at: parentPath, field: name } }
    : { severity: 'error', path, message, unknown: { at: parentPath, field: name, suggestion } };
}

/** One ajv error as a finding, or undefined for keywords whose meaning another error already carries. */
function toFinding(kind: WeftKind, e: ErrorObject): Finding | undefined {
  const path = pointerToPath(kind, e.instancePath);
  const error = (message: string): Finding => ({ severity: 'error', path, message });
  switch (e.keyword) {
    case 'additionalProperties':
      return unknownField(e, field(path, String(e.params['additionalProperty'] ?? '')), path);
    case 'required': {
      const missing = String(e.params['missingProperty'] ?? '');
      const p = field(path, missing);
      const message = p === 'metadata.name'
        ? 'every resource needs a name'
        : p === 'apiVersion' || p === 'kind'
          ? `required field is missing: write ${p}: ${p === 'apiVersion' ? 'weft.dev/v1alpha1' : kind}`
          : `required field is missing${describeMissing(e.parentSchema, missing)}`;
      return { severity: 'error', path: p, message, missing: { at: path, fields: [missing] } };
    }
    case 'type':
      return error(typeMessage(e));
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return error(rangeMessage(e));
    case 'enum':
      return error(enumMessage(e));
    case 'const':
      return error(`must be ${show(e.params['allowedValue'])} (got ${show(e.data)})`);
    case 'pattern':
    case 'format':
      if (isDuration(e)) return error(durationMessage(e.data));
      return error(e.keyword === 'format' && e.params['format'] === 'date-time'
        ? `must be an RFC 3339 time such as 2024-01-31T12:00:00Z (got ${show(e.data)})`
        : `must match ${String(e.params['pattern'] ?? e.params['format'])} (got ${show(e.data)})`);
    case 'minLength':
      return error(e.params['limit'] === 1 ? 'must not be empty' : `must be at least ${String(e.params['limit'])} characters long`);
    case 'maxLength':
      return error(`must be at most ${String(e.params['limit'])} characters long (got ${typeof e.data === 'string' ? e.data.length : '?'})`);
    case 'minItems':
      return error(e.params['limit'] === 1
        ? `must list at least one ${path.endsWith('hosts') ? 'host' : path.endsWith('backends') ? 'backend' : 'entry'}`
        : `must list at least ${String(e.params['limit'])} entries`);
    case 'maxItems':
      return error(`must list at most ${String(e.params['limit'])} entries (got ${Array.isArray(e.data) ? e.data.length : '?'})`);
    case 'maxProperties': {
      const title = isObj(e.parentSchema) ? e.parentSchema['title'] : undefined;
      const keys = isObj(e.data) ? Object.keys(e.data) : [];
      if (title === 'StringMatch') {
        // Only when two match kinds are set: an extra unknown field is reported as such.
        const set = MATCH_KINDS.filter((k) => keys.includes(k));
        return set.length > 1 ? error(oneOfMatchMessage(set)) : undefined;
      }
      if (title === 'HTTPBody') return error(`set only one of string or bytes (got ${keys.join(' and ')})`);
      return error(`must have at most ${String(e.params['limit'])} entries (got ${keys.length})`);
    }
    default:
      return error(e.message ?? `fails the schema's ${e.keyword} check`);
  }
}

/** Every ajv error of one resource as findings, with the echoes removed. */
export function schemaFindings(kind: WeftKind, errors: readonly ErrorObject[]): Finding[] {
  // A value of the wrong type also breaks its enum, pattern, range...: say only the type.
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const out: Finding[] = [];
  for (const e of errors) {
    if (e.keyword !== 'type' && typeErrorAt.has(e.instancePath)) continue;
    const f = toFinding(kind, e);
    if (f !== undefined) out.push(f);
  }
  return out;
}
