// RouteConfiguration → a frozen route table: virtual hosts by authority,
// routes in order with precompiled matchers, and the actions the control
// plane's compiler emits (cluster / weighted clusters, timeouts, retries,
// mirrors, rewrites, redirects, direct responses, header edits, per-route
// fault and CORS). Built once per config version; requests only read it.

import type { RE2JS } from 're2js';
import { at, bool, durationMs, fail, fields, fraction, idx, int, isObject, list, optStr, str, uint, type Obj } from '../../config/read.ts';
import { compileRe2, headerMatcher, queryMatcher, regex, type HeaderMatcher, type QueryMatcher, type StringPredicate } from '../../config/matchers.ts';
import { combine, NO_MUTATIONS, parseMutations, type HeaderMutations } from './headers.ts';
import { FAULT_TYPE_URL, parseFault, type FaultPolicy } from '../fault/config.ts';
import { CORS_POLICY_TYPE_URL, parseCorsPolicy, type CorsPolicy } from '../cors/config.ts';
import { JWT_AUTHN_FILTER, JWT_PER_ROUTE_TYPE_URL, parseJwtPerRoute, type JwtPerRoute } from '../jwt/per-route.ts';

const FAULT_FILTER = 'envoy.filters.http.fault';

/** Values that end up in a request line or a header: visible ASCII only, so config can never inject a line. */
function visible(v: string | undefined, path: string, what: string): string | undefined {
  if (v !== undefined && !/^[\x21-\x7e]*$/.test(v)) fail(path, `${what} may contain only visible ASCII characters (no spaces, CR, LF or controls)`);
  return v;
}
const CORS_FILTER = 'envoy.filters.http.cors';
const PREVIOUS_HOSTS_TYPE = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

// ---- retry ----------------------------------------------------------------------

/** retry_on conditions as bits. */
export const RetryOn = {
  FIVE_XX: 1,
  GATEWAY_ERROR: 2,
  CONNECT_FAILURE: 4,
  RESET: 8,
  RETRIABLE_4XX: 16,
  RETRIABLE_STATUS_CODES: 32,
  REFUSED_STREAM: 64,
  RESET_BEFORE_REQUEST: 128,
  ENVOY_RATELIMITED: 256,
  GRPC_CANCELLED: 512,
  GRPC_DEADLINE_EXCEEDED: 1024,
  GRPC_INTERNAL: 2048,
  GRPC_RESOURCE_EXHAUSTED: 4096,
  GRPC_UNAVAILABLE: 8192,
} as const;

const RETRY_ON_NAMES: Readonly<Record<string, number>> = {
  '5xx': RetryOn.FIVE_XX,
  'gateway-error': RetryOn.GATEWAY_ERROR,
  'connect-failure': RetryOn.CONNECT_FAILURE,
  reset: RetryOn.RESET,
  'reset-before-request': RetryOn.RESET_BEFORE_REQUEST,
  'retriable-4xx': RetryOn.RETRIABLE_4XX,
  'retriable-status-codes': RetryOn.RETRIABLE_STATUS_CODES,
  'refused-stream': RetryOn.REFUSED_STREAM,
  'envoy-ratelimited': RetryOn.ENVOY_RATELIMITED,
  cancelled: RetryOn.GRPC_CANCELLED,
  'deadline-exceeded': RetryOn.GRPC_DEADLINE_EXCEEDED,
  internal: RetryOn.GRPC_INTERNAL,
  'resource-exhausted': RetryOn.GRPC_RESOURCE_EXHAUSTED,
  unavailable: RetryOn.GRPC_UNAVAILABLE,
};

export interface RetryPolicy {
  readonly on: number;
  readonly numRetries: number;
  readonly statusCodes: readonly number[];
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  /** previous_hosts predicate: a retry avoids the hosts already tried. */
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionMaxAttempts: number;
}

function parseRetry(value: unknown, path: string): RetryPolicy {
  const f = fields(value, path, {
    what: 'retry policy',
    known: ['retry_on', 'num_retries', 'per_try_timeout', 'retry_host_predicate', 'host_selection_retry_max_attempts', 'retriable_status_codes', 'retry_back_off'],
  });
  let on = 0;
  for (const raw of str(f['retry_on'], at(path, 'retry_on'), '').split(',')) {
    const c = raw.trim();
    if (c === '') continue;
    const bit = RETRY_ON_NAMES[c];
    if (bit === undefined) fail(at(path, 'retry_on'), `retry condition ${JSON.stringify(c)} is not supported (supported: ${Object.keys(RETRY_ON_NAMES).join(', ')})`);
    on |= bit as number;
  }
  let avoidPreviousHosts = false;
  list(f['retry_host_predicate'], at(path, 'retry_host_predicate')).forEach((p, i) => {
    const pp = idx(at(path, 'retry_host_predicate'), i);
    const pf = fields(p, pp, { what: 'retry host predicate', known: ['name', 'typed_config'] });
    const t = isObject(pf['typed_config']) ? pf['typed_config']['@type'] : undefined;
    if (t !== PREVIOUS_HOSTS_TYPE && pf['name'] !== 'envoy.retry_host_predicates.previous_hosts') fail(pp, 'only the previous_hosts retry host predicate is supported');
    avoidPreviousHosts = true;
  });
  let baseIntervalMs = 25;
  let maxIntervalMs = 250;
  if (f['retry_back_off'] !== undefined) {
    const bp = at(path, 'retry_back_off');
    const b = fields(f['retry_back_off'], bp, { what: 'retry back-off', known: ['base_interval', 'max_interval'] });
    baseIntervalMs = durationMs(b['base_interval'], at(bp, 'base_interval'), 25);
    if (baseIntervalMs <= 0) fail(at(bp, 'base_interval'), 'must be greater than 0');
    maxIntervalMs = durationMs(b['max_interval'], at(bp, 'max_interval'), baseIntervalMs * 10);
    if (maxIntervalMs < baseIntervalMs) fail(at(bp, 'max_interval'), 'must not be less than base_interval');
  }
  const statusCodes = list(f['retriable_status_codes'], at(path, 'retriable_status_codes')).map((c, i) => int(c, idx(at(path, 'retriable_status_codes'), i), 0, 100, 599));
  return Object.freeze({
    on,
    numRetries: uint(f['num_retries'], at(path, 'num_retries'), 1),
    statusCodes: Object.freeze(statusCodes),
    perTryTimeoutMs: durationMs(f['per_try_timeout'], at(path, 'per_try_timeout'), 0),
    baseIntervalMs,
    maxIntervalMs,
    avoidPreviousHosts,
    hostSelectionMaxAttempts: int(f['host_selection_retry_max_attempts'], at(path, 'host_selection_retry_max_attempts'), 1, 1, 100),
  });
}

// ---- actions --------------------------------------------------------------------

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
}

export interface MirrorPolicy {
  readonly cluster: string;
  readonly probability: number;
  readonly appendShadowSuffix: boolean;
}

export type HashPolicy =
  | { readonly kind: 'header'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'source_ip'; readonly terminal: boolean }
  | { readonly kind: 'query'; readonly name: string; readonly terminal: boolean };

export interface ForwardAction {
  readonly kind: 'forward';
  /** One cluster, or several by weight (Envoy's weighted_clusters). */
  readonly clusters: readonly WeightedCluster[];
  readonly totalWeight: number;
  /** 0: no timeout. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly mirrors: readonly MirrorPolicy[];
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: { readonly re: RE2JS; readonly substitution: readonly (string | number)[] } | undefined;
  readonly hostRewrite: string | undefined;
  readonly hashPolicies: readonly HashPolicy[];
  /** Upgrades (WebSocket) allowed on this route. */
  readonly upgrades: boolean;
  /** CONNECT is terminated here: a TCP connection to the cluster carries the tunnel (upgrade_configs CONNECT with connect_config). */
  readonly connectTerminate: boolean;
  /**
   * max_stream_duration.grpc_timeout_header_max: -1 ignores grpc-timeout
   * (Envoy's default); 0 honours it uncapped; else the cap. The offset is
   * subtracted from the header's value first.
   */
  readonly grpcTimeoutMaxMs: number;
  readonly grpcTimeoutOffsetMs: number;
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly scheme: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly path: string | undefined;
  readonly prefixRewrite: string | undefined;
  readonly stripQuery: boolean;
  readonly status: number;
}

export interface DirectAction {
  readonly kind: 'direct';
  readonly status: number;
  readonly body: Buffer | undefined;
}

export type RouteAction = ForwardAction | RedirectAction | DirectAction;

// ---- matching -------------------------------------------------------------------

export type PathMatch =
  | { readonly kind: 'prefix'; readonly value: string; readonly caseSensitive: boolean }
  | { readonly kind: 'path'; readonly value: string; readonly caseSensitive: boolean }
  | { readonly kind: 'separated'; readonly value: string; readonly caseSensitive: boolean }
  | { readonly kind: 'regex'; readonly test: StringPredicate }
  /** connect_matcher: CONNECT requests only (they carry no path). */
  | { readonly kind: 'connect' };

/** A RouteMatch: what selects a route (and a jwt_authn rule). */
export interface RouteMatch {
  readonly path: PathMatch;
  readonly headers: readonly HeaderMatcher[];
  readonly query: readonly QueryMatcher[];
  /** Only gRPC requests (content-type application/grpc…). */
  readonly grpcOnly: boolean;
  /** Share of matching requests this route takes (match.runtime_fraction); 1 when unset. */
  readonly fraction: number;
}

export interface Route extends RouteMatch {
  readonly name: string;
  readonly action: RouteAction;
  /** Route, then virtual host, then route configuration edits. */
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
  readonly fault: FaultPolicy | undefined;
  readonly cors: CorsPolicy | undefined;
  /** jwt_authn's PerRouteConfig (route, else virtual host). */
  readonly jwt: JwtPerRoute | undefined;
  readonly virtualHost: string;
}

export interface VirtualHost {
  readonly name: string;
  readonly routes: readonly Route[];
}

export interface RouteTable {
  readonly name: string;
  readonly exact: ReadonlyMap<string, VirtualHost>;
  /** `*.example.com` as [".example.com", vh], longest first. */
  readonly suffixes: readonly (readonly [string, VirtualHost])[];
  /** `example.*` as ["example.", vh], longest first. */
  readonly prefixes: readonly (readonly [string, VirtualHost])[];
  readonly fallback: VirtualHost | undefined;
  readonly ignorePortInHostMatching: boolean;
  /** Cluster names routes refer to (for config_dump and warnings). */
  readonly clusters: ReadonlySet<string>;
  /**
   * Routed on demand (VHDS with the on_demand filter): an authority is routed
   * only through the ADS client's alias map to a virtual host by name, never by
   * domain matching (the domain tables are then empty).
   */
  readonly onDemand: boolean;
  /** Virtual hosts by name; filled for on-demand tables only. */
  readonly byName: ReadonlyMap<string, VirtualHost>;
}

const NO_VHOSTS: ReadonlyMap<string, VirtualHost> = new Map();

export interface RouteConfigurationOptions {
  /**
   * Accept `vhds` (only the ADS client's on-demand form carries it): the table
   * is then routed on demand. Virtual hosts held on demand may come from
   * different versions whose domains overlap, so domains are not checked
   * against each other, only names.
   */
  readonly vhds?: boolean;
}

const REDIRECT_CODES: Readonly<Record<string, number>> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

interface Inherited {
  readonly vhName: string;
  readonly vhRequest: HeaderMutations;
  readonly vhResponse: HeaderMutations;
  readonly rcRequest: HeaderMutations;
  readonly rcResponse: HeaderMutations;
  readonly vhRetry: RetryPolicy | undefined;
  readonly vhFault: FaultPolicy | undefined;
  readonly vhCors: CorsPolicy | undefined;
  readonly vhJwt: JwtPerRoute | undefined;
  readonly clusters: Set<string>;
}

function perFilter(value: unknown, path: string): { fault: FaultPolicy | undefined; cors: CorsPolicy | undefined; jwt: JwtPerRoute | undefined } {
  let fault: FaultPolicy | undefined;
  let cors: CorsPolicy | undefined;
  let jwt: JwtPerRoute | undefined;
  if (value === undefined) return { fault, cors, jwt };
  if (!isObject(value)) return fail(path, 'expected a map of filter name to config');
  for (const key of Object.keys(value)) {
    const p = `${path}[${JSON.stringify(key)}]`;
    const cfg = value[key];
    const t = isObject(cfg) ? cfg['@type'] : undefined;
    if (key === FAULT_FILTER || t === FAULT_TYPE_URL) {
      if (t !== FAULT_TYPE_URL) fail(at(p, '@type'), `expected ${FAULT_TYPE_URL}`);
      fault = parseFault(cfg, p);
    } else if (key === CORS_FILTER || t === CORS_POLICY_TYPE_URL) {
      if (t !== CORS_POLICY_TYPE_URL) fail(at(p, '@type'), `expected ${CORS_POLICY_TYPE_URL}`);
      cors = parseCorsPolicy(cfg, p);
    } else if (key === JWT_AUTHN_FILTER || t === JWT_PER_ROUTE_TYPE_URL) {
      if (t !== JWT_PER_ROUTE_TYPE_URL) fail(at(p, '@type'), `expected ${JWT_PER_ROUTE_TYPE_URL}`);
      jwt = parseJwtPerRoute(cfg, p);
    } else {
      fail(p, `per-route config for filter ${key} is not supported (supported: ${FAULT_FILTER}, ${CORS_FILTER}, ${JWT_AUTHN_FILTER})`);
    }
  }
  return { fault, cors, jwt };
}

function parseSubstitution(s: string, groups: number, path: string): (string | number)[] {
  // Envoy's regex_rewrite substitution: \1..\9 name capture groups, \\ a backslash.
  const parts: (string | number)[] = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1] as string;
      if (n >= '0' && n <= '9') {
        const g = Number(n);
        if (g > groups) fail(path, `substitution refers to group \\${g} but the pattern has ${groups}`);
        if (lit !== '') parts.push(lit);
        lit = '';
        parts.push(g);
        i++;
        continue;
      }
      if (n === '\\') {
        lit += '\\';
        i++;
        continue;
      }
    }
    lit += c;
  }
  if (lit !== '') parts.push(lit);
  return parts;
}

function parseForward(f: Obj, path: string, inh: Inherited): ForwardAction {
  const r = fields(f, path, {
    what: 'route action',
    known: [
      'cluster', 'weighted_clusters', 'timeout', 'idle_timeout', 'retry_policy', 'request_mirror_policies', 'prefix_rewrite', 'regex_rewrite',
      'host_rewrite_literal', 'hash_policy', 'upgrade_configs', 'cluster_not_found_response_code', 'max_stream_duration',
    ],
    // Per-stream idle limits come with the stream timeouts (docs/proxy.md).
    ignored: ['idle_timeout'],
  });
  let grpcTimeoutMaxMs = -1;
  let grpcTimeoutOffsetMs = 0;
  if (r['max_stream_duration'] !== undefined) {
    const mp = at(path, 'max_stream_duration');
    const m = fields(r['max_stream_duration'], mp, { what: 'max stream duration', known: ['grpc_timeout_header_max', 'grpc_timeout_header_offset', 'max_stream_duration'] });
    if (m['max_stream_duration'] !== undefined && durationMs(m['max_stream_duration'], at(mp, 'max_stream_duration'), 0) !== 0) fail(at(mp, 'max_stream_duration'), 'a maximum stream duration is not supported (the route timeout bounds the response head; 0s is accepted)');
    if (m['grpc_timeout_header_max'] !== undefined) grpcTimeoutMaxMs = durationMs(m['grpc_timeout_header_max'], at(mp, 'grpc_timeout_header_max'), 0);
    grpcTimeoutOffsetMs = durationMs(m['grpc_timeout_header_offset'], at(mp, 'grpc_timeout_header_offset'), 0);
  }
  const clusters: WeightedCluster[] = [];
  if (r['cluster'] !== undefined) {
    clusters.push(Object.freeze({ name: str(r['cluster'], at(path, 'cluster')), weight: 1, requestMutations: NO_MUTATIONS, responseMutations: NO_MUTATIONS }));
  } else if (r['weighted_clusters'] !== undefined) {
    const wp = at(path, 'weighted_clusters');
    const w = fields(r['weighted_clusters'], wp, { what: 'weighted clusters', known: ['clusters', 'total_weight'], ignored: ['runtime_key_prefix'] });
    list(w['clusters'], at(wp, 'clusters')).forEach((c, i) => {
      const cp = idx(at(wp, 'clusters'), i);
      const cf = fields(c, cp, {
        what: 'weighted cluster',
        known: ['name', 'weight', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove'],
      });
      clusters.push(
        Object.freeze({
          name: str(cf['name'], at(cp, 'name')),
          weight: uint(cf['weight'], at(cp, 'weight'), 0),
          requestMutations: parseMutations(cf['request_headers_to_add'], cf['request_headers_to_remove'], cp, 'request_headers_to_add', 'request_headers_to_remove'),
          responseMutations: parseMutations(cf['response_headers_to_add'], cf['response_headers_to_remove'], cp, 'response_headers_to_add', 'response_headers_to_remove'),
        }),
      );
    });
    if (clusters.length === 0) fail(at(wp, 'clusters'), 'needs at least one cluster');
  } else {
    fail(path, 'a route action needs cluster or weighted_clusters (cluster_header and cluster_specifier_plugin are not supported)');
  }
  const totalWeight = clusters.reduce((s, c) => s + c.weight, 0);
  if (totalWeight === 0) fail(path, 'weighted cluster weights add up to 0');
  for (const c of clusters) inh.clusters.add(c.name);
  const mirrors = list(r['request_mirror_policies'], at(path, 'request_mirror_policies')).map((m, i) => {
    const mp = idx(at(path, 'request_mirror_policies'), i);
    const mf = fields(m, mp, { what: 'mirror policy', known: ['cluster', 'runtime_fraction', 'disable_shadow_host_suffix_append'], ignored: ['trace_sampled'] });
    let probability = 1;
    if (mf['runtime_fraction'] !== undefined) {
      const rf = fields(mf['runtime_fraction'], at(mp, 'runtime_fraction'), { what: 'runtime fraction', known: ['default_value'], ignored: ['runtime_key'] });
      probability = fraction(rf['default_value'], at(mp, 'runtime_fraction.default_value'), 0);
    }
    const cluster = str(mf['cluster'], at(mp, 'cluster'));
    inh.clusters.add(cluster);
    return Object.freeze({ cluster, probability, appendShadowSuffix: !bool(mf['disable_shadow_host_suffix_append'], at(mp, 'disable_shadow_host_suffix_append')) });
  });
  let regexRewrite: ForwardAction['regexRewrite'];
  if (r['regex_rewrite'] !== undefined) {
    const rp = at(path, 'regex_rewrite');
    const rr = fields(r['regex_rewrite'], rp, { what: 'regex rewrite', known: ['pattern', 'substitution'] });
    const pat = fields(rr['pattern'], at(rp, 'pattern'), { what: 'regex matcher', known: ['regex', 'google_re2'] });
    const re = compileRe2(str(pat['regex'], at(rp, 'pattern.regex')), at(rp, 'pattern.regex'));
    const substitution = visible(str(rr['substitution'], at(rp, 'substitution'), ''), at(rp, 'substitution'), 'a substitution') ?? '';
    regexRewrite = Object.freeze({ re, substitution: Object.freeze(parseSubstitution(substitution, re.groupCount(), at(rp, 'substitution'))) });
  }
  const hashPolicies = list(r['hash_policy'], at(path, 'hash_policy')).map((h, i): HashPolicy => {
    const hp = idx(at(path, 'hash_policy'), i);
    const hf = fields(h, hp, { what: 'hash policy', known: ['header', 'connection_properties', 'query_parameter', 'terminal'] });
    const terminal = bool(hf['terminal'], at(hp, 'terminal'));
    if (hf['header'] !== undefined) {
      const hh = fields(hf['header'], at(hp, 'header'), { what: 'header hash', known: ['header_name'] });
      return Object.freeze({ kind: 'header', name: str(hh['header_name'], at(hp, 'header.header_name')).toLowerCase(), terminal });
    }
    if (hf['connection_properties'] !== undefined) {
      const cp = fields(hf['connection_properties'], at(hp, 'connection_properties'), { what: 'connection properties hash', known: ['source_ip'] });
      if (cp['source_ip'] !== true) fail(at(hp, 'connection_properties.source_ip'), 'must be true');
      return Object.freeze({ kind: 'source_ip', terminal });
    }
    if (hf['query_parameter'] !== undefined) {
      const q = fields(hf['query_parameter'], at(hp, 'query_parameter'), { what: 'query parameter hash', known: ['name'] });
      return Object.freeze({ kind: 'query', name: str(q['name'], at(hp, 'query_parameter.name')), terminal });
    }
    return fail(hp, 'a hash policy needs header, connection_properties or query_parameter (cookie and filter_state are not supported)');
  });
  let upgrades = true;
  let connectTerminate = false;
  list(r['upgrade_configs'], at(path, 'upgrade_configs')).forEach((u, i) => {
    const up = idx(at(path, 'upgrade_configs'), i);
    const uf = fields(u, up, { what: 'upgrade config', known: ['upgrade_type', 'enabled', 'connect_config'] });
    const type = str(uf['upgrade_type'], at(up, 'upgrade_type')).toLowerCase();
    if (type === 'websocket' && uf['enabled'] === false) upgrades = false;
    if (type === 'connect') {
      if (uf['enabled'] === false) return;
      if (uf['connect_config'] === undefined) return;
      fields(uf['connect_config'], at(up, 'connect_config'), { what: 'connect config', known: [] });
      connectTerminate = true;
    } else if (uf['connect_config'] !== undefined) fail(at(up, 'connect_config'), 'connect_config belongs to upgrade_type CONNECT');
  });
  if (r['cluster_not_found_response_code'] !== undefined && r['cluster_not_found_response_code'] !== 'SERVICE_UNAVAILABLE') {
    fail(at(path, 'cluster_not_found_response_code'), 'only SERVICE_UNAVAILABLE is supported');
  }
  return Object.freeze({
    kind: 'forward',
    clusters: Object.freeze(clusters),
    totalWeight,
    // Envoy's default route timeout is 15 s; "0s" turns it off.
    timeoutMs: durationMs(r['timeout'], at(path, 'timeout'), 15_000),
    retry: r['retry_policy'] !== undefined ? parseRetry(r['retry_policy'], at(path, 'retry_policy')) : inh.vhRetry,
    mirrors: Object.freeze(mirrors),
    prefixRewrite: visible(optStr(r['prefix_rewrite'], at(path, 'prefix_rewrite')), at(path, 'prefix_rewrite'), 'a prefix rewrite'),
    regexRewrite,
    hostRewrite: visible(optStr(r['host_rewrite_literal'], at(path, 'host_rewrite_literal')), at(path, 'host_rewrite_literal'), 'a host rewrite'),
    hashPolicies: Object.freeze(hashPolicies),
    upgrades,
    connectTerminate,
    grpcTimeoutMaxMs,
    grpcTimeoutOffsetMs,
  });
}

function parseRedirect(value: unknown, path: string): RedirectAction {
  const f = fields(value, path, {
    what: 'redirect',
    known: ['scheme_redirect', 'https_redirect', 'host_redirect', 'port_redirect', 'path_redirect', 'prefix_rewrite', 'strip_query', 'response_code'],
  });
  const code = str(f['response_code'], at(path, 'response_code'), 'MOVED_PERMANENTLY');
  const status = REDIRECT_CODES[code] ?? fail(at(path, 'response_code'), `unknown response_code ${code}`);
  return Object.freeze({
    kind: 'redirect',
    scheme: bool(f['https_redirect'], at(path, 'https_redirect')) ? 'https' : visible(optStr(f['scheme_redirect'], at(path, 'scheme_redirect')), at(path, 'scheme_redirect'), 'a scheme'),
    host: visible(optStr(f['host_redirect'], at(path, 'host_redirect')), at(path, 'host_redirect'), 'a redirect host'),
    port: f['port_redirect'] === undefined ? undefined : uint(f['port_redirect'], at(path, 'port_redirect'), 0),
    path: visible(optStr(f['path_redirect'], at(path, 'path_redirect')), at(path, 'path_redirect'), 'a redirect path'),
    prefixRewrite: visible(optStr(f['prefix_rewrite'], at(path, 'prefix_rewrite')), at(path, 'prefix_rewrite'), 'a prefix rewrite'),
    stripQuery: bool(f['strip_query'], at(path, 'strip_query')),
    status,
  });
}

function parseDirect(value: unknown, path: string, maxBody: number): DirectAction {
  const f = fields(value, path, { what: 'direct response', known: ['status', 'body'] });
  let body: Buffer | undefined;
  if (f['body'] !== undefined) {
    const b = fields(f['body'], at(path, 'body'), { what: 'data source', known: ['inline_string', 'inline_bytes'] });
    if (b['inline_string'] !== undefined) body = Buffer.from(str(b['inline_string'], at(path, 'body.inline_string')), 'utf8');
    else if (b['inline_bytes'] !== undefined) body = Buffer.from(str(b['inline_bytes'], at(path, 'body.inline_bytes')), 'base64');
    else fail(at(path, 'body'), 'a direct response body needs inline_string or inline_bytes (filename is not supported)');
    if (body !== undefined && body.length > maxBody) fail(at(path, 'body'), `body of ${body.length} bytes exceeds max_direct_response_body_size_bytes (${maxBody})`);
  }
  return Object.freeze({ kind: 'direct', status: int(f['status'], at(path, 'status'), 200, 200, 599), body });
}

function parsePathMatch(m: Obj, path: string): PathMatch {
  const caseSensitive = bool(m['case_sensitive'], at(path, 'case_sensitive'), true);
  const fold = (s: string): string => (caseSensitive ? s : s.toLowerCase());
  if (m['prefix'] !== undefined) return { kind: 'prefix', value: fold(str(m['prefix'], at(path, 'prefix'))), caseSensitive };
  if (m['path'] !== undefined) return { kind: 'path', value: fold(str(m['path'], at(path, 'path'))), caseSensitive };
  if (m['path_separated_prefix'] !== undefined) {
    const v = str(m['path_separated_prefix'], at(path, 'path_separated_prefix'));
    if (v.endsWith('/') || /[?#]/.test(v)) fail(at(path, 'path_separated_prefix'), 'must not end in / nor contain ? or #');
    return { kind: 'separated', value: fold(v), caseSensitive };
  }
  if (m['safe_regex'] !== undefined) {
    if (m['case_sensitive'] !== undefined) {
      // Envoy ignores case_sensitive for regexes; refusing says so instead of surprising.
      if (m['case_sensitive'] === false) fail(at(path, 'case_sensitive'), 'case_sensitive: false has no effect on safe_regex; use (?i) in the pattern');
    }
    return { kind: 'regex', test: regex(m['safe_regex'], at(path, 'safe_regex')) };
  }
  if (m['connect_matcher'] !== undefined) {
    fields(m['connect_matcher'], at(path, 'connect_matcher'), { what: 'connect matcher', known: [] });
    return { kind: 'connect' };
  }
  return fail(path, 'a route match needs prefix, path, path_separated_prefix, safe_regex or connect_matcher');
}

function parseRoute(value: unknown, path: string, inh: Inherited, maxBody: number): Route {
  const f = fields(value, path, {
    what: 'route',
    known: [
      'name', 'match', 'route', 'redirect', 'direct_response', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add',
      'response_headers_to_remove', 'typed_per_filter_config',
    ],
    ignored: ['decorator', 'metadata', 'per_request_buffer_limit_bytes', 'stat_prefix'],
  });
  const match = parseRouteMatch(f['match'], at(path, 'match'));
  const actions = ['route', 'redirect', 'direct_response'].filter((k) => f[k] !== undefined);
  if (actions.length !== 1) fail(path, 'a route needs exactly one of route, redirect, direct_response');
  const action: RouteAction =
    f['route'] !== undefined
      ? parseForward(f['route'] as Obj, at(path, 'route'), inh)
      : f['redirect'] !== undefined
        ? parseRedirect(f['redirect'], at(path, 'redirect'))
        : parseDirect(f['direct_response'], at(path, 'direct_response'), maxBody);
  if (match.path.kind === 'connect' && action.kind === 'forward' && !action.connectTerminate) {
    fail(at(path, 'route.upgrade_configs'), 'CONNECT is only terminated here: add {upgrade_type: CONNECT, connect_config: {}} (forwarding the CONNECT request upstream is not supported)');
  }
  const pf = perFilter(f['typed_per_filter_config'], at(path, 'typed_per_filter_config'));
  const routeReq = parseMutations(f['request_headers_to_add'], f['request_headers_to_remove'], path, 'request_headers_to_add', 'request_headers_to_remove');
  const routeRes = parseMutations(f['response_headers_to_add'], f['response_headers_to_remove'], path, 'response_headers_to_add', 'response_headers_to_remove');
  return Object.freeze({
    name: str(f['name'], at(path, 'name'), ''),
    ...match,
    action,
    requestMutations: combine(routeReq, inh.vhRequest, inh.rcRequest),
    responseMutations: combine(routeRes, inh.vhResponse, inh.rcResponse),
    fault: pf.fault ?? inh.vhFault,
    cors: pf.cors ?? inh.vhCors,
    jwt: pf.jwt ?? inh.vhJwt,
    virtualHost: inh.vhName,
  });
}

/** A RouteMatch (routes, and the jwt_authn filter's rules). */
export function parseRouteMatch(value: unknown, mp: string): RouteMatch {
  const m = fields(value, mp, {
    what: 'route match',
    known: ['prefix', 'path', 'safe_regex', 'path_separated_prefix', 'connect_matcher', 'case_sensitive', 'headers', 'query_parameters', 'grpc', 'runtime_fraction'],
  });
  const pathMatch = parsePathMatch(m, mp);
  const headers = list(m['headers'], at(mp, 'headers')).map((h, i) => headerMatcher(h, idx(at(mp, 'headers'), i)));
  const query = list(m['query_parameters'], at(mp, 'query_parameters')).map((q, i) => queryMatcher(q, idx(at(mp, 'query_parameters'), i)));
  let frac = 1;
  if (m['runtime_fraction'] !== undefined) {
    const rf = fields(m['runtime_fraction'], at(mp, 'runtime_fraction'), { what: 'runtime fraction', known: ['default_value'], ignored: ['runtime_key'] });
    frac = fraction(rf['default_value'], at(mp, 'runtime_fraction.default_value'), 0);
  }
  return Object.freeze({ path: Object.freeze(pathMatch), headers: Object.freeze(headers), query: Object.freeze(query), grpcOnly: m['grpc'] !== undefined, fraction: frac });
}

/** Parses and freezes a RouteConfiguration. Throws ConfigError with the field path. */
export function parseRouteConfiguration(value: unknown, path = '', opts: RouteConfigurationOptions = {}): RouteTable {
  const f = fields(value, path, {
    what: 'route configuration',
    known: [
      'name', 'virtual_hosts', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove',
      'max_direct_response_body_size_bytes', 'ignore_port_in_host_matching', 'internal_only_headers', ...(opts.vhds === true ? ['vhds'] : []),
    ],
    ignored: ['validate_clusters', 'most_specific_header_mutations_wins'],
  });
  if (f['most_specific_header_mutations_wins'] === true) fail(at(path, 'most_specific_header_mutations_wins'), 'only the default order (wider levels win) is supported');
  const maxBody = uint(f['max_direct_response_body_size_bytes'], at(path, 'max_direct_response_body_size_bytes'), 4096);
  const internalOnly = list(f['internal_only_headers'], at(path, 'internal_only_headers')).map((h, i) => str(h, idx(at(path, 'internal_only_headers'), i)).toLowerCase());
  const rcRequestBase = parseMutations(f['request_headers_to_add'], f['request_headers_to_remove'], path, 'request_headers_to_add', 'request_headers_to_remove');
  const rcRequest = internalOnly.length === 0 ? rcRequestBase : combine(Object.freeze({ remove: Object.freeze(internalOnly), add: Object.freeze([]) }), rcRequestBase);
  const rcResponse = parseMutations(f['response_headers_to_add'], f['response_headers_to_remove'], path, 'response_headers_to_add', 'response_headers_to_remove');
  const exact = new Map<string, VirtualHost>();
  const suffixes: [string, VirtualHost][] = [];
  const prefixes: [string, VirtualHost][] = [];
  let fallback: VirtualHost | undefined;
  const clusters = new Set<string>();
  const seen = new Set<string>();
  const onDemand = f['vhds'] !== undefined;
  if (onDemand) {
    const vp = at(path, 'vhds');
    const v = fields(f['vhds'], vp, { what: 'VHDS', known: ['config_source'] });
    const cs = fields(v['config_source'], at(vp, 'config_source'), { what: 'config source', known: ['ads', 'resource_api_version'], ignored: ['initial_fetch_timeout'] });
    if (cs['ads'] === undefined) fail(at(vp, 'config_source'), 'only ADS is supported as the VHDS config source');
  }
  const byName = onDemand ? new Map<string, VirtualHost>() : NO_VHOSTS;
  list(f['virtual_hosts'], at(path, 'virtual_hosts')).forEach((v, i) => {
    const vp = idx(at(path, 'virtual_hosts'), i);
    const vf = fields(v, vp, {
      what: 'virtual host',
      known: [
        'name', 'domains', 'routes', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove',
        'typed_per_filter_config', 'retry_policy', 'require_tls',
      ],
      ignored: ['per_request_buffer_limit_bytes', 'include_request_attempt_count', 'include_attempt_count_in_response', 'metadata'],
    });
    if (vf['require_tls'] !== undefined && vf['require_tls'] !== 'NONE') fail(at(vp, 'require_tls'), 'require_tls is not supported yet (TLS termination comes with mTLS)');
    const name = str(vf['name'], at(vp, 'name'));
    const pf = perFilter(vf['typed_per_filter_config'], at(vp, 'typed_per_filter_config'));
    const inh: Inherited = {
      vhName: name,
      vhRequest: parseMutations(vf['request_headers_to_add'], vf['request_headers_to_remove'], vp, 'request_headers_to_add', 'request_headers_to_remove'),
      vhResponse: parseMutations(vf['response_headers_to_add'], vf['response_headers_to_remove'], vp, 'response_headers_to_add', 'response_headers_to_remove'),
      rcRequest,
      rcResponse,
      vhRetry: vf['retry_policy'] !== undefined ? parseRetry(vf['retry_policy'], at(vp, 'retry_policy')) : undefined,
      vhFault: pf.fault,
      vhCors: pf.cors,
      vhJwt: pf.jwt,
      clusters,
    };
    const routes = list(vf['routes'], at(vp, 'routes')).map((r, j) => parseRoute(r, idx(at(vp, 'routes'), j), inh, maxBody));
    const vh: VirtualHost = Object.freeze({ name, routes: Object.freeze(routes) });
    const domains = list(vf['domains'], at(vp, 'domains'));
    if (domains.length === 0) fail(at(vp, 'domains'), 'needs at least one domain');
    if (onDemand) {
      if (byName.has(name)) fail(at(vp, 'name'), `virtual host ${JSON.stringify(name)} appears twice`);
      (byName as Map<string, VirtualHost>).set(name, vh);
      return;
    }
    domains.forEach((d, j) => {
      const dp = idx(at(vp, 'domains'), j);
      const domain = str(d, dp).toLowerCase();
      if (seen.has(domain)) fail(dp, `domain ${JSON.stringify(domain)} appears in more than one virtual host`);
      seen.add(domain);
      if (domain === '*') fallback = vh;
      else if (domain.startsWith('*')) suffixes.push([domain.slice(1), vh]);
      else if (domain.endsWith('*')) prefixes.push([domain.slice(0, -1), vh]);
      else if (domain.includes('*')) fail(dp, 'a wildcard may only be the first or last character');
      else exact.set(domain, vh);
    });
  });
  suffixes.sort((a, b) => b[0].length - a[0].length);
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return Object.freeze({
    name: str(f['name'], at(path, 'name'), ''),
    exact,
    suffixes: Object.freeze(suffixes),
    prefixes: Object.freeze(prefixes),
    fallback,
    ignorePortInHostMatching: bool(f['ignore_port_in_host_matching'], at(path, 'ignore_port_in_host_matching')),
    clusters,
    onDemand,
    byName,
  });
}
