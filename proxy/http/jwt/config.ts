// envoy.filters.http.jwt_authn configuration (JwtAuthentication): providers
// (issuer, audiences, where the token is, where the keys are), and which
// requirement applies to a request (rules by route match, or a route's
// PerRouteConfig naming an entry of requirement_map). Parsed and frozen once
// per config version; the subset is what Istio's RequestAuthentication
// compiles to, anything else is refused with its field path.

import crypto from 'node:crypto';
import { at, bool, durationMs, fail, fields, idx, int, isObject, list, str, uint, type Obj } from '../../config/read.ts';
import { parseRouteMatch, type RouteMatch } from '../router/route-config.ts';

export const JWT_AUTHN_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';

/**
 * Asymmetric algorithms only. HS* would let anyone who can read a public
 * JWKS (or a token signed with RS256 whose public key is known) forge tokens
 * by using the public key as an HMAC secret; `none` is no signature at all.
 */
export const JWT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA', 'Ed25519']);

export type TokenLocation =
  | { readonly kind: 'header'; readonly name: string; readonly prefix: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string };

/** A JSON Web Key Set as configured or fetched: the public keys only. */
export interface JsonWebKeySet {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

export type JwksSource =
  | { readonly kind: 'local'; readonly jwks: JsonWebKeySet }
  | {
      readonly kind: 'remote';
      readonly uri: string;
      /** Authority and path the fetch sends (from the URI). */
      readonly authority: string;
      readonly path: string;
      readonly cluster: string;
      readonly timeoutMs: number;
      readonly cacheMs: number;
      /** Fetch before the first request needs the keys, and again when they expire. */
      readonly asyncFetch: boolean;
      /** After a failed fetch, the next one is tried no sooner than this. */
      readonly failedRefetchMs: number;
      /** Extra attempts per fetch (retry_policy.num_retries). */
      readonly retries: number;
    };

export interface JwtProvider {
  readonly name: string;
  /** '' accepts any issuer. */
  readonly issuer: string;
  /** Empty accepts any audience. */
  readonly audiences: readonly string[];
  readonly requireExpiration: boolean;
  /** 0: no limit on the remaining lifetime. */
  readonly maxLifetimeS: number;
  readonly jwks: JwksSource;
  readonly forward: boolean;
  readonly locations: readonly TokenLocation[];
  /** '' when not set. */
  readonly forwardPayloadHeader: string;
  readonly padForwardPayloadHeader: boolean;
  /** '' when not set: the key of the payload under the envoy.filters.http.jwt_authn metadata namespace. */
  readonly payloadInMetadata: string;
  readonly clockSkewS: number;
  readonly claimToHeaders: readonly { readonly header: string; readonly claim: string }[];
  /** Verified tokens remembered (jwt_cache_config.jwt_cache_size, Envoy's default 100): a repeat skips the signature, never the claim checks. */
  readonly jwtCacheSize: number;
}

/** Envoy's JwtRequirement, with the providers an allow_missing(_or_failed) looks at resolved. */
export type JwtRequirement =
  | { readonly kind: 'provider'; readonly provider: JwtProvider }
  | { readonly kind: 'any'; readonly requirements: readonly JwtRequirement[] }
  | { readonly kind: 'all'; readonly requirements: readonly JwtRequirement[] }
  | { readonly kind: 'allow_missing'; readonly providers: readonly JwtProvider[] }
  | { readonly kind: 'allow_missing_or_failed'; readonly providers: readonly JwtProvider[] }
  /** An empty JwtRequirement: no check. */
  | { readonly kind: 'none' };

export interface JwtRule {
  readonly match: RouteMatch;
  /** undefined: the rule matches and requires nothing (Envoy's rule without requires). */
  readonly requirement: JwtRequirement | undefined;
}

export interface JwtAuthnConfig {
  readonly providers: ReadonlyMap<string, JwtProvider>;
  readonly rules: readonly JwtRule[];
  readonly requirementMap: ReadonlyMap<string, JwtRequirement>;
  readonly bypassCorsPreflight: boolean;
  readonly stripFailureResponse: boolean;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(v: unknown, path: string): string {
  const s = str(v, path);
  if (!HEADER_NAME.test(s)) fail(path, `${JSON.stringify(s)} is not a valid header name`);
  return s.toLowerCase();
}

/**
 * A JWKS document: a `keys` list of public keys that node can import.
 * Symmetric (oct) and private keys are refused; `skipUnusable` (a fetched
 * set: identity providers publish encryption and certificate-only keys too)
 * leaves such keys out instead, as long as one usable key remains.
 */
export function parseJwks(text: string, path: string, skipUnusable = false): JsonWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(path, `Jwks is an invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(doc)) return fail(path, 'a JWKS must be a JSON object with a "keys" list');
  const keys = doc['keys'];
  if (!Array.isArray(keys)) return fail(path, 'Jwks does not have [keys] field (or it is not a list)');
  const out: Readonly<Record<string, unknown>>[] = [];
  keys.forEach((k: unknown, i: number) => {
    const p = `${path}: keys[${i}]`;
    const refuse = (why: string): void => {
      if (!skipUnusable) fail(p, why);
    };
    if (!isObject(k)) return refuse('a key must be an object');
    if (k['kty'] === 'oct') return refuse('symmetric (oct) keys are refused: only RSA, EC and OKP public keys (an HMAC secret in a JWKS would be public)');
    if ('d' in k) return refuse('this is a private key; a JWKS for verification carries public keys only');
    if (k['use'] !== undefined && k['use'] !== 'sig') return refuse(`a key for use ${JSON.stringify(k['use'])} does not verify signatures`);
    try {
      crypto.createPublicKey({ key: k as crypto.JsonWebKey, format: 'jwk' });
    } catch (e) {
      return refuse(`not a usable public key: ${e instanceof Error ? e.message : String(e)}`);
    }
    out.push(Object.freeze({ ...k }));
  });
  if (out.length === 0) return fail(path, "Jwks doesn't have any valid public key");
  return Object.freeze({ keys: Object.freeze(out) });
}

function dataSourceText(value: unknown, path: string): string {
  const d = fields(value, path, { what: 'data source', known: ['inline_string', 'inline_bytes'] });
  if (d['inline_string'] !== undefined) return str(d['inline_string'], at(path, 'inline_string'));
  if (d['inline_bytes'] !== undefined) return Buffer.from(str(d['inline_bytes'], at(path, 'inline_bytes')), 'base64').toString('utf8');
  return fail(path, 'local_jwks needs inline_string or inline_bytes (filename and environment variables are not supported)');
}

function parseRemoteJwks(value: unknown, path: string): JwksSource {
  const r = fields(value, path, { what: 'remote JWKS', known: ['http_uri', 'cache_duration', 'async_fetch', 'retry_policy'] });
  const hp = at(path, 'http_uri');
  const h = fields(r['http_uri'], hp, { what: 'HTTP URI', known: ['uri', 'cluster', 'timeout'] });
  const uri = str(h['uri'], at(hp, 'uri'));
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail(at(hp, 'uri'), `${JSON.stringify(uri)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(at(hp, 'uri'), 'must be an http or https URL');
  const cluster = str(h['cluster'], at(hp, 'cluster'));
  if (cluster === '') fail(at(hp, 'cluster'), 'must name the cluster the JWKS is fetched through');
  if (h['timeout'] === undefined) fail(at(hp, 'timeout'), 'is required');
  const timeoutMs = durationMs(h['timeout'], at(hp, 'timeout'), 0);
  if (timeoutMs <= 0) fail(at(hp, 'timeout'), 'must be greater than 0');
  const cacheMs = durationMs(r['cache_duration'], at(path, 'cache_duration'), 600_000);
  if (cacheMs < 1) fail(at(path, 'cache_duration'), 'must be at least 1ms');
  let asyncFetch = false;
  let failedRefetchMs = 1000;
  if (r['async_fetch'] !== undefined) {
    const ap = at(path, 'async_fetch');
    // fast_listener: listeners here never wait for a JWKS (they bind at once), which is what fast_listener asks for.
    const a = fields(r['async_fetch'], ap, { what: 'JWKS async fetch', known: ['failed_refetch_duration'], ignored: ['fast_listener'] });
    asyncFetch = true;
    failedRefetchMs = durationMs(a['failed_refetch_duration'], at(ap, 'failed_refetch_duration'), 1000);
  }
  let retries = 0;
  if (r['retry_policy'] !== undefined) {
    const rp = at(path, 'retry_policy');
    const rr = fields(r['retry_policy'], rp, { what: 'JWKS retry policy', known: ['num_retries'], ignored: ['retry_back_off'] });
    retries = int(rr['num_retries'], at(rp, 'num_retries'), 1, 0, 10);
  }
  const authority = url.host;
  const pathAndQuery = `${url.pathname === '' ? '/' : url.pathname}${url.search}`;
  return Object.freeze({ kind: 'remote', uri, authority, path: pathAndQuery, cluster, timeoutMs, cacheMs, asyncFetch, failedRefetchMs, retries });
}

const DEFAULT_LOCATIONS: readonly TokenLocation[] = Object.freeze([
  Object.freeze({ kind: 'header', name: 'authorization', prefix: 'Bearer ' } as const),
  Object.freeze({ kind: 'param', name: 'access_token' } as const),
]);

function parseProvider(name: string, value: unknown, path: string): JwtProvider {
  const f = fields(value, path, {
    what: 'JWT provider',
    known: [
      'issuer', 'audiences', 'require_expiration', 'max_lifetime', 'remote_jwks', 'local_jwks', 'forward', 'from_headers', 'from_params', 'from_cookies',
      'forward_payload_header', 'pad_forward_payload_header', 'payload_in_metadata', 'clock_skew_seconds', 'claim_to_headers', 'jwt_cache_config',
    ],
  });
  let jwks: JwksSource;
  if (f['local_jwks'] !== undefined && f['remote_jwks'] !== undefined) return fail(path, 'set local_jwks or remote_jwks, not both');
  if (f['local_jwks'] !== undefined) {
    const p = at(path, 'local_jwks');
    jwks = Object.freeze({ kind: 'local', jwks: parseJwks(dataSourceText(f['local_jwks'], p), p) });
  } else if (f['remote_jwks'] !== undefined) jwks = parseRemoteJwks(f['remote_jwks'], at(path, 'remote_jwks'));
  else return fail(path, 'a JWT provider needs local_jwks or remote_jwks');
  const locations: TokenLocation[] = [];
  list(f['from_headers'], at(path, 'from_headers')).forEach((h, i) => {
    const p = idx(at(path, 'from_headers'), i);
    const hf = fields(h, p, { what: 'JWT header location', known: ['name', 'value_prefix'] });
    const prefix = str(hf['value_prefix'], at(p, 'value_prefix'), '');
    if (/[\r\n\0]/.test(prefix)) fail(at(p, 'value_prefix'), 'must not contain CR, LF or NUL');
    locations.push(Object.freeze({ kind: 'header', name: headerName(hf['name'], at(p, 'name')), prefix }));
  });
  list(f['from_params'], at(path, 'from_params')).forEach((q, i) => {
    const p = idx(at(path, 'from_params'), i);
    const n = str(q, p);
    if (n === '') fail(p, 'must not be empty');
    locations.push(Object.freeze({ kind: 'param', name: n }));
  });
  list(f['from_cookies'], at(path, 'from_cookies')).forEach((c, i) => {
    const p = idx(at(path, 'from_cookies'), i);
    const n = str(c, p);
    if (n === '') fail(p, 'must not be empty');
    locations.push(Object.freeze({ kind: 'cookie', name: n }));
  });
  const claimToHeaders = list(f['claim_to_headers'], at(path, 'claim_to_headers')).map((c, i) => {
    const p = idx(at(path, 'claim_to_headers'), i);
    const cf = fields(c, p, { what: 'claim to header', known: ['header_name', 'claim_name'] });
    const claim = str(cf['claim_name'], at(p, 'claim_name'));
    if (claim === '') fail(at(p, 'claim_name'), 'must not be empty');
    return Object.freeze({ header: headerName(cf['header_name'], at(p, 'header_name')), claim });
  });
  const audiences = list(f['audiences'], at(path, 'audiences')).map((a, i) => str(a, idx(at(path, 'audiences'), i)));
  const forwardPayloadHeader = f['forward_payload_header'] === undefined || f['forward_payload_header'] === '' ? '' : headerName(f['forward_payload_header'], at(path, 'forward_payload_header'));
  const maxLifetimeMs = durationMs(f['max_lifetime'], at(path, 'max_lifetime'), 0);
  const skew = uint(f['clock_skew_seconds'], at(path, 'clock_skew_seconds'), 0);
  let jwtCacheSize = 100;
  if (f['jwt_cache_config'] !== undefined) {
    const c = fields(f['jwt_cache_config'], at(path, 'jwt_cache_config'), { what: 'JWT cache config', known: ['jwt_cache_size'] });
    const n = uint(c['jwt_cache_size'], at(path, 'jwt_cache_config.jwt_cache_size'), 0);
    // Envoy: 0 means the default.
    jwtCacheSize = n === 0 ? 100 : Math.min(n, 10_000);
  }
  return Object.freeze({
    name,
    issuer: str(f['issuer'], at(path, 'issuer'), ''),
    audiences: Object.freeze(audiences),
    requireExpiration: bool(f['require_expiration'], at(path, 'require_expiration')),
    maxLifetimeS: Math.floor(maxLifetimeMs / 1000),
    jwks,
    forward: bool(f['forward'], at(path, 'forward')),
    locations: locations.length === 0 ? DEFAULT_LOCATIONS : Object.freeze(locations),
    forwardPayloadHeader,
    padForwardPayloadHeader: bool(f['pad_forward_payload_header'], at(path, 'pad_forward_payload_header')),
    payloadInMetadata: str(f['payload_in_metadata'], at(path, 'payload_in_metadata'), ''),
    // Envoy: 0 (unset) means the default of 60 seconds.
    clockSkewS: skew === 0 ? 60 : skew,
    claimToHeaders: Object.freeze(claimToHeaders),
    jwtCacheSize,
  });
}

const REQUIREMENT_FIELDS = ['provider_name', 'requires_any', 'requires_all', 'allow_missing', 'allow_missing_or_failed'];

/**
 * A JwtRequirement. `siblings`: the providers named next to an allow_missing
 * inside requires_any (Envoy looks for tokens in their locations only); at
 * the top level an allow_missing looks at every provider.
 */
function parseRequirement(value: unknown, path: string, providers: ReadonlyMap<string, JwtProvider>, siblings: readonly JwtProvider[] | undefined): JwtRequirement {
  const f = fields(value, path, { what: 'JWT requirement', known: REQUIREMENT_FIELDS });
  const set = REQUIREMENT_FIELDS.filter((k) => f[k] !== undefined);
  if (set.length > 1) return fail(path, `set one of ${set.join(', ')}`);
  const all = (): readonly JwtProvider[] => siblings ?? Object.freeze([...providers.values()]);
  switch (set[0]) {
    case undefined:
      return Object.freeze({ kind: 'none' });
    case 'provider_name': {
      const n = str(f['provider_name'], at(path, 'provider_name'));
      const p = providers.get(n);
      if (p === undefined) return fail(at(path, 'provider_name'), `Required provider ['${n}'] is not configured (providers: ${[...providers.keys()].join(', ') || 'none'})`);
      return Object.freeze({ kind: 'provider', provider: p });
    }
    case 'requires_any':
    case 'requires_all': {
      const key = set[0];
      const lp = at(path, key);
      const l = fields(f[key], lp, { what: 'requirement list', known: ['requirements'] });
      const items = list(l['requirements'], at(lp, 'requirements'));
      if (items.length < 2) return fail(at(lp, 'requirements'), 'needs at least two requirements');
      // Inside requires_any, allow_missing(_or_failed) considers the providers its siblings name (Envoy's AnyVerifier).
      let named: JwtProvider[] | undefined;
      if (key === 'requires_any') {
        named = [];
        for (const it of items) {
          if (isObject(it) && typeof it['provider_name'] === 'string') {
            const p = providers.get(it['provider_name']);
            if (p !== undefined) named.push(p);
          }
        }
      }
      const reqs = items.map((it, i) => parseRequirement(it, idx(at(lp, 'requirements'), i), providers, named === undefined ? undefined : Object.freeze(named)));
      return Object.freeze({ kind: key === 'requires_any' ? 'any' : 'all', requirements: Object.freeze(reqs) });
    }
    case 'allow_missing':
    case 'allow_missing_or_failed': {
      const key = set[0];
      fields(f[key], at(path, key), { what: key, known: [] });
      return Object.freeze({ kind: key, providers: all() });
    }
    default:
      return fail(path, `unknown requirement ${String(set[0])}`);
  }
}

export function parseJwtAuthn(value: unknown, path: string): JwtAuthnConfig {
  const f = fields(value, path, {
    what: 'JwtAuthentication',
    known: ['providers', 'rules', 'requirement_map', 'bypass_cors_preflight', 'strip_failure_response'],
  });
  const providers = new Map<string, JwtProvider>();
  const pp = at(path, 'providers');
  if (f['providers'] !== undefined) {
    if (!isObject(f['providers'])) return fail(pp, 'expected a map of provider name to JwtProvider');
    for (const [name, p] of Object.entries(f['providers'] as Obj)) providers.set(name, parseProvider(name, p, `${pp}[${JSON.stringify(name)}]`));
  }
  const requirementMap = new Map<string, JwtRequirement>();
  const mp = at(path, 'requirement_map');
  if (f['requirement_map'] !== undefined) {
    if (!isObject(f['requirement_map'])) return fail(mp, 'expected a map of name to JwtRequirement');
    for (const [name, r] of Object.entries(f['requirement_map'] as Obj)) requirementMap.set(name, parseRequirement(r, `${mp}[${JSON.stringify(name)}]`, providers, undefined));
  }
  const rules = list(f['rules'], at(path, 'rules')).map((r, i): JwtRule => {
    const rp = idx(at(path, 'rules'), i);
    const rf = fields(r, rp, { what: 'JWT rule', known: ['match', 'requires', 'requirement_name'] });
    if (rf['match'] === undefined) fail(at(rp, 'match'), 'is required');
    const match = parseRouteMatch(rf['match'], at(rp, 'match'));
    if (rf['requires'] !== undefined && rf['requirement_name'] !== undefined) fail(rp, 'set requires or requirement_name, not both');
    let requirement: JwtRequirement | undefined;
    if (rf['requires'] !== undefined) requirement = parseRequirement(rf['requires'], at(rp, 'requires'), providers, undefined);
    else if (rf['requirement_name'] !== undefined) {
      const n = str(rf['requirement_name'], at(rp, 'requirement_name'));
      requirement = requirementMap.get(n) ?? fail(at(rp, 'requirement_name'), `${JSON.stringify(n)} is not in requirement_map`);
    }
    return Object.freeze({ match, requirement });
  });
  return Object.freeze({
    providers,
    rules: Object.freeze(rules),
    requirementMap,
    bypassCorsPreflight: bool(f['bypass_cors_preflight'], at(path, 'bypass_cors_preflight')),
    stripFailureResponse: bool(f['strip_failure_response'], at(path, 'strip_failure_response')),
  });
}
