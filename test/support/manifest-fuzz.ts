// Random and mutated mesh manifests for property tests. Instances are drawn by
// walking the kind's JSON Schema (crds/schema/), with field-aware value pools
// so that a good share of them is valid and reaches the compiler; mutations
// then break them the ways people and tools do (typos, wrong types, missing
// fields, values out of range, garbage).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: Json[];
  const?: Json;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  definitions?: Record<string, Schema>;
}

/** Small, fast, seedable PRNG (mulberry32): failures must replay from the seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.next() * xs.length)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  }
}

const root = fileURLToPath(new URL('../../crds/schema/', import.meta.url));
export const KIND_FILES = {
  VirtualService: 'virtualservice.schema.json',
  AuthorizationPolicy: 'authorizationpolicy.schema.json',
  TrafficSplit: 'trafficsplit.schema.json',
  RequestAuthentication: 'requestauthentication.schema.json',
} as const;
export type FuzzKind = keyof typeof KIND_FILES;

const schemas = new Map<FuzzKind, Schema>();
function schemaOf(kind: FuzzKind): Schema {
  let s = schemas.get(kind);
  if (!s) {
    s = JSON.parse(readFileSync(root + KIND_FILES[kind], 'utf8')) as Schema;
    schemas.set(kind, s);
  }
  return s;
}

/** Services the generated manifests refer to; tests build a registry with these. */
export const SERVICES = ['reviews', 'ratings', 'details', 'productpage'] as const;
export const NAMESPACES = ['shop', 'default', 'other'] as const;

// Pools keyed by property name: mostly valid values, with a few bad ones mixed in.
const POOLS: Record<string, readonly Json[]> = {
  host: ['reviews', 'ratings', 'details.shop', 'productpage.shop.svc.cluster.local', 'reviews.other', 'missing', ''],
  hosts: ['reviews', 'ratings.shop', 'details', 'productpage.shop.svc.cluster.local', '*', 'missing.example.com'],
  service: ['reviews', 'ratings', 'details', 'productpage', 'missing'],
  timeout: ['1s', '250ms', '10s', '0s', '1m30s', '10', '1.5s', '-1s', 'forever', '0.5ms'],
  perTryTimeout: ['1s', '100ms', '3s', 'x'],
  fixedDelay: ['5s', '100ms', '7', '1h'],
  maxAge: ['24h', '10m', '1'],
  regex: ['^/api/.*', '/v[0-9]+/.*', '.*', '(a)\\1', '(?=x)y', '[unclosed', 'a{2,3}', '(?i)abc', '(?P<n>x)', '\\d+'],
  exact: ['/', '/reviews', 'GET', 'v2', 'jason', ''],
  prefix: ['/', '/api', '/reviews/', 'Bearer '],
  paths: ['/api/*', '*.html', '/exact', '*', '/a*b', '', '/x/{*}/y'],
  notPaths: ['/admin*', '*', '/health'],
  principals: ['cluster.local/ns/shop/sa/frontend', 'cluster.local/ns/other/*', '*', '*/sa/reviews', 'bad principal'],
  notPrincipals: ['cluster.local/ns/shop/sa/frontend', '*'],
  requestPrincipals: ['https://issuer.example/*', '*', 'iss/sub'],
  namespaces: ['shop', 'other', 'shop*', '*', 'Bad_NS'],
  notNamespaces: ['other', 'default'],
  ipBlocks: ['10.0.0.0/8', '1.2.3.4', '192.168.0.0/33', '::1/128', 'fe80::/10', 'not-an-ip'],
  notIpBlocks: ['10.1.0.0/16', '127.0.0.1'],
  remoteIpBlocks: ['203.0.113.0/24', '0.0.0.0/0'],
  ports: ['8080', '9080', '0', '70000', 'http'],
  notPorts: ['15000', '22'],
  methods: ['GET', 'POST', 'DELETE', 'get', '*'],
  key: ['request.headers[x-user]', 'source.ip', 'remote.ip', 'source.namespace', 'request.auth.claims[groups]',
    'request.auth.claims[a][b]', 'destination.port', 'connection.sni', 'request.auth.principal', 'unknown.key', 'request.headers'],
  values: ['admin', '10.0.0.1', '8080', 'shop', 'x*', '*y'],
  retryOn: ['5xx', 'gateway-error,connect-failure,refused-stream', 'reset,503', 'retriable-4xx', 'bogus', '5xx,unavailable'],
  uri: ['/v2', '/', '/new/path', 'relative'],
  authority: ['reviews.shop.svc.cluster.local', 'example.com', 'bad host!'],
  grpcStatus: ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'NOT_A_STATUS'],
  name: ['reviews', 'canary', 'r1', 'Bad Name', 'a'],
  action: ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'],
  string: ['hello', 'world', '  '],
  bytes: ['aGVsbG8=', '!!!'],
  match: ['^/api/(.*)$', '(x', '/(v1)/(.*)'],
  rewrite: ['/\\1', '/v2/\\2'],
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  allowHeaders: ['content-type', 'x-user'],
  exposeHeaders: ['x-trace'],
  remove: ['x-internal', ':authority', 'host', 'Bad Header'],
  exportTo: ['.', '*', 'shop', 'other', '~'],
  gateways: ['mesh', 'istio-system/ingress'],
  sourceNamespace: ['shop', 'other'],
  apiGroup: ['specs.smi-spec.io'],
  // RequestAuthentication
  issuer: ['https://accounts.example.com', 'https://b.example.com/', 'issuer-foo', 'http://127.0.0.1:9999', 'http://id.example.com', ''],
  jwksUri: ['https://accounts.example.com/jwks.json', 'http://127.0.0.1:8080/k', 'http://evil.example.com/k', 'file:///x', 'not a url'],
  jwks: [
    JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] }),
    '{"keys": []}', '{', '{"keys": [{"kty": "oct", "k": "eA"}]}',
  ],
  audiences: ['shop', 'web', ''],
  fromParams: ['token', 'access_token', 'a=b'],
  fromCookies: ['session', 'a;b'],
  header: ['x-sub', 'x-team', 'bad header', ':path'],
  claim: ['sub', 'org.team', ''],
  outputPayloadToHeader: ['x-jwt-payload', 'bad header'],
};

const HEADER_NAMES = ['x-user', 'end-user', 'X-Upper', 'x-canary', ':authority', 'cookie', 'bad header'];
const LABEL_KEYS = ['app', 'version', 'tier'];

export interface GenOptions {
  /** Probability of including an optional property. */
  readonly optional: number;
  readonly maxArray: number;
}

const DEFAULTS: GenOptions = { optional: 0.35, maxArray: 3 };

function resolve(s: Schema, top: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/definitions/', '');
  const d = top.definitions?.[name];
  if (!d) throw new Error(`unresolvable $ref ${s.$ref}`);
  return d;
}

function genValue(s0: Schema, top: Schema, rng: Rng, prop: string, depth: number, o: GenOptions): Json {
  const s = resolve(s0, top);
  if (s.const !== undefined) return s.const;
  if (s.enum) return rng.pick(s.enum);
  const pool = POOLS[prop];
  switch (s.type) {
    case 'string':
      if (pool) return rng.pick(pool);
      return rng.pick(['a', 'value', 'x-y', 'reviews', '']);
    case 'integer': {
      const lo = s.minimum ?? 0;
      const hi = Math.min(s.maximum ?? 1000, 100000);
      if (prop === 'weight') return rng.pick([0, 1, 10, 25, 50, 75, 90, 100]);
      return rng.chance(0.9) ? rng.int(lo, hi) : rng.pick([lo - 1, hi + 1, -5]);
    }
    case 'number':
      return rng.chance(0.9) ? rng.int(0, 100) + rng.pick([0, 0.5]) : rng.pick([-1, 100.5, 1e9]);
    case 'boolean':
      return rng.chance(0.5);
    case 'array': {
      const n = rng.int(s.minItems ?? 0, Math.max(s.minItems ?? 0, Math.min(o.maxArray, s.maxItems ?? o.maxArray)));
      const out: Json[] = [];
      for (let i = 0; i < n; i++) out.push(genValue(s.items ?? {}, top, rng, prop, depth + 1, o));
      return out;
    }
    case 'object': {
      const out: { [k: string]: Json } = {};
      if (s.properties) {
        const req = new Set(s.required ?? []);
        // StringMatch-like objects (maxProperties 1): usually pick one.
        for (const [k, sub] of Object.entries(s.properties)) {
          if (req.has(k) || rng.chance(o.optional / (1 + depth * 0.15))) out[k] = genValue(sub, top, rng, k, depth + 1, o);
        }
      } else if (typeof s.additionalProperties === 'object') {
        const n = rng.int(0, 2);
        const keys = prop === 'sourceLabels' || prop === 'matchLabels' || prop === 'labels' ? LABEL_KEYS : HEADER_NAMES;
        for (let i = 0; i < n; i++) out[rng.pick(keys)] = genValue(s.additionalProperties, top, rng, prop, depth + 1, o);
      }
      return out;
    }
    default:
      return null;
  }
}

/** A random manifest of `kind`, shaped by its schema. */
export function generate(kind: FuzzKind, rng: Rng, opts: Partial<GenOptions> = {}): { [k: string]: Json } {
  const top = schemaOf(kind);
  const o = { ...DEFAULTS, ...opts };
  const doc = genValue(top, top, rng, '', 0, o) as { [k: string]: Json };
  doc.metadata = { name: `${kind.toLowerCase()}-${rng.int(0, 9999)}`, namespace: rng.pick(NAMESPACES) };
  return doc;
}

const GARBAGE: readonly Json[] = [null, true, 0, -1, 1.5, 1e308, '', 'x'.repeat(5000), [], {}, [null], { '': '' }, '\u0000', 'ü\u{1F600}'];

/** Applies one random structural mutation somewhere in `doc` (in place). */
export function mutate(doc: Json, rng: Rng): void {
  // Collect every container and key, then change one.
  const slots: Array<{ parent: Json[] | { [k: string]: Json }; key: string | number }> = [];
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach((x, i) => { slots.push({ parent: v, key: i }); walk(x); });
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) { slots.push({ parent: v, key: k }); walk(v[k] as Json); }
  };
  walk(doc);
  if (slots.length === 0) return;
  const { parent, key } = rng.pick(slots);
  const op = rng.int(0, 5);
  if (Array.isArray(parent)) {
    const i = key as number;
    if (op === 0) parent.splice(i, 1);
    else if (op === 1) parent.push(structuredClone(parent[i] as Json));
    else parent[i] = structuredClone(rng.pick(GARBAGE));
    return;
  }
  const k = key as string;
  if (op === 0) delete parent[k];
  else if (op === 1) {
    // A typo of the key: the most common real mistake.
    parent[k.length > 2 ? k.slice(0, -1) + 's' : k + 'x'] = parent[k] as Json;
    delete parent[k];
  } else if (op === 2) parent[`unknown${rng.int(0, 9)}`] = structuredClone(rng.pick(GARBAGE));
  else parent[k] = structuredClone(rng.pick(GARBAGE));
}
