// envoy.filters.network.http_connection_manager → the HTTP side of a filter
// chain: where routes come from (inline or RDS), the filter chain, codec
// limits and timeouts. Parsed once per config version.

import { at, bool, durationMs, fail, fields, idx, isObject, list, str, uint } from '../config/read.ts';
import { rbacFilterFromHttpFilter, RbacConfigError, type RbacFilter } from './rbac/index.ts';
import { parseRouteConfiguration, type RouteTable } from './router/route-config.ts';
import { FAULT_TYPE_URL, parseFault } from './fault/config.ts';
import { FaultFilter } from './fault/filter.ts';
import { CORS_FILTER_TYPE_URL } from './cors/config.ts';
import { CorsFilter } from './cors/filter.ts';
import { RbacChainFilter } from './rbac-filter.ts';
import { JWT_AUTHN_TYPE_URL, parseJwtAuthn } from './jwt/config.ts';
import { JwtAuthnFilter } from './jwt/filter.ts';
import type { HttpFilter } from './filter.ts';
import type { ParserLimits } from '../http1/parser.ts';
import { DOWNSTREAM_HTTP2_DEFAULTS, parseHttp2Options, type Http2Options } from '../http2/options.ts';

export const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const RBAC_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const ON_DEMAND_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.on_demand.v3.OnDemand';

export type RouteSource = { readonly kind: 'inline'; readonly table: RouteTable } | { readonly kind: 'rds'; readonly name: string };

export interface HcmConfig {
  readonly statPrefix: string;
  /** codec_type: AUTO tells HTTP/2 by its preface (plaintext) or ALPN (TLS). */
  readonly codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  /** http2_protocol_options: the downstream HTTP/2 session's settings. */
  readonly http2: Http2Options;
  readonly routes: RouteSource;
  readonly filters: readonly HttpFilter[];
  /**
   * envoy.filters.http.on_demand is in the chain: a route configuration from
   * RDS that says `vhds` is then routed on demand (the ADS client asks for each
   * authority's virtual host; proxy/xds/client.ts). It has no per-request step
   * of its own here: the exchange routes through the alias map before filters.
   */
  readonly onDemand: boolean;
  readonly limits: ParserLimits;
  /** Whole head must arrive within this (0: off). */
  readonly requestHeadersTimeoutMs: number;
  /** A connection with no request in progress closes after this (0: off). */
  readonly idleTimeoutMs: number;
  readonly stripAnyHostPort: boolean;
  readonly stripMatchingHostPort: boolean;
  /** WebSocket upgrades pass through (true unless upgrade_configs disables websocket). */
  readonly websocket: boolean;
  /** CONNECT is accepted (upgrade_configs lists CONNECT); else it is refused with 403, as Envoy. */
  readonly connect: boolean;
  /** A CONNECT tunnel with no bytes either way for this long is closed (stream_idle_timeout; 0: never). */
  readonly streamIdleTimeoutMs: number;
  readonly acceptHttp10: boolean;
  /** How long a draining connection may finish its request before it is closed. */
  readonly drainTimeoutMs: number;
}

export interface HcmParseOptions {
  /** Default request header timeout when the config sets none (Envoy's is off; slow clients need one). */
  readonly defaultRequestHeadersTimeoutMs: number;
}

function parseHttpFilters(value: unknown, path: string): { filters: HttpFilter[]; onDemand: boolean } {
  const out: HttpFilter[] = [];
  let onDemand = false;
  const entries = list(value, path);
  let rbac: RbacFilter[] = [];
  let routerSeen = false;
  entries.forEach((entry, i) => {
    const p = idx(path, i);
    const f = fields(entry, p, { what: 'HTTP filter', known: ['name', 'typed_config', 'disabled', 'is_optional'] });
    const name = str(f['name'], at(p, 'name'));
    if (routerSeen) fail(p, 'the router must be the last HTTP filter');
    if (f['disabled'] === true) fail(at(p, 'disabled'), 'disabled filters (enabled per route) are not supported');
    const tc = f['typed_config'];
    const t = isObject(tc) ? tc['@type'] : undefined;
    if (t !== RBAC_TYPE_URL && rbac.length > 0) {
      out.push(new RbacChainFilter(Object.freeze(rbac)));
      rbac = [];
    }
    switch (t) {
      case RBAC_TYPE_URL:
        try {
          rbac.push(rbacFilterFromHttpFilter(entry, p));
        } catch (e) {
          if (e instanceof RbacConfigError) fail(e.path === '' ? p : e.path, e.message.slice(e.path === '' ? 0 : e.path.length + 2));
          throw e;
        }
        return;
      case FAULT_TYPE_URL: {
        const cfg = parseFault(tc, at(p, 'typed_config'));
        out.push(new FaultFilter(name, cfg));
        return;
      }
      case JWT_AUTHN_TYPE_URL:
        out.push(new JwtAuthnFilter(name, parseJwtAuthn(tc, at(p, 'typed_config'))));
        return;
      case CORS_FILTER_TYPE_URL:
        fields(tc, at(p, 'typed_config'), { what: 'Cors', known: [] });
        out.push(new CorsFilter(name));
        return;
      case ON_DEMAND_TYPE_URL:
        if (isObject(tc) && tc['odcds'] !== undefined) fail(at(p, 'typed_config.odcds'), 'on-demand cluster discovery (odcds) is not supported: only on-demand virtual hosts (VHDS); remove odcds');
        fields(tc, at(p, 'typed_config'), { what: 'OnDemand', known: [] });
        onDemand = true;
        return;
      case ROUTER_TYPE_URL:
        fields(tc, at(p, 'typed_config'), { what: 'Router', known: [], ignored: ['dynamic_stats', 'suppress_envoy_headers', 'start_child_span'] });
        routerSeen = true;
        return;
      default:
        if (f['is_optional'] === true) return; // Envoy skips optional filters it does not know
        fail(at(p, 'typed_config'), `HTTP filter ${name} (${String(t)}) is not supported (supported: jwt_authn, rbac, fault, cors, on_demand, router)`);
    }
  });
  if (rbac.length > 0) out.push(new RbacChainFilter(Object.freeze(rbac)));
  if (!routerSeen) fail(path, 'the last HTTP filter must be envoy.filters.http.router');
  return { filters: out, onDemand };
}

export function parseHcm(value: unknown, path: string, opts: HcmParseOptions): HcmConfig {
  const f = fields(value, path, {
    what: 'HTTP connection manager',
    known: [
      'stat_prefix', 'codec_type', 'rds', 'route_config', 'http_filters', 'common_http_protocol_options', 'http_protocol_options', 'request_headers_timeout',
      'max_request_headers_kb', 'strip_any_host_port', 'strip_matching_host_port', 'upgrade_configs', 'drain_timeout', 'normalize_path', 'merge_slashes',
      'stream_idle_timeout',
      'http2_protocol_options',
    ],
    // Accepted without effect until their features land (telemetry, mTLS, tracing); see docs/proxy.md.
    ignored: [
      'access_log', 'tracing', 'use_remote_address', 'xff_num_trusted_hops', 'skip_xff_append', 'generate_request_id', 'preserve_external_request_id',
      'forward_client_cert_details', 'set_current_client_cert_details', 'server_name', 'server_header_transformation', 'internal_address_config',
      'add_user_agent', 'always_set_request_id_in_response', 'delayed_close_timeout', 'request_timeout',
      'via', 'path_with_escaped_slashes_action', 'local_reply_config', 'request_id_extension',
    ],
  });
  const codec = str(f['codec_type'], at(path, 'codec_type'), 'AUTO');
  if (codec !== 'AUTO' && codec !== 'HTTP1' && codec !== 'HTTP2') fail(at(path, 'codec_type'), `codec ${codec} is not supported (AUTO, HTTP1, HTTP2)`);
  if (f['normalize_path'] === true) fail(at(path, 'normalize_path'), 'path normalisation is not implemented');
  if (f['merge_slashes'] === true) fail(at(path, 'merge_slashes'), 'merge_slashes is not implemented');
  let routes: RouteSource;
  if (f['route_config'] !== undefined && f['rds'] !== undefined) fail(path, 'set route_config or rds, not both');
  if (f['route_config'] !== undefined) routes = Object.freeze({ kind: 'inline', table: parseRouteConfiguration(f['route_config'], at(path, 'route_config')) });
  else if (f['rds'] !== undefined) {
    const r = fields(f['rds'], at(path, 'rds'), { what: 'RDS', known: ['config_source', 'route_config_name'] });
    if (r['config_source'] !== undefined) {
      const cs = fields(r['config_source'], at(path, 'rds.config_source'), { what: 'config source', known: ['ads', 'resource_api_version'], ignored: ['initial_fetch_timeout'] });
      if (cs['ads'] === undefined) fail(at(path, 'rds.config_source'), 'only ADS is supported as the RDS config source');
    }
    routes = Object.freeze({ kind: 'rds', name: str(r['route_config_name'], at(path, 'rds.route_config_name')) });
  } else return fail(path, 'an HTTP connection manager needs route_config or rds');
  const chain = parseHttpFilters(f['http_filters'], at(path, 'http_filters'));
  let idleTimeoutMs = 3_600_000;
  let maxHeaders = 100;
  if (f['common_http_protocol_options'] !== undefined) {
    const p = at(path, 'common_http_protocol_options');
    const c = fields(f['common_http_protocol_options'], p, {
      what: 'common HTTP protocol options',
      known: ['idle_timeout', 'max_headers_count'],
      ignored: ['max_stream_duration', 'headers_with_underscores_action', 'max_connection_duration', 'max_requests_per_connection'],
    });
    idleTimeoutMs = durationMs(c['idle_timeout'], at(p, 'idle_timeout'), idleTimeoutMs);
    maxHeaders = uint(c['max_headers_count'], at(p, 'max_headers_count'), 100);
  }
  let acceptHttp10 = false;
  if (f['http_protocol_options'] !== undefined) {
    const p = at(path, 'http_protocol_options');
    const h = fields(f['http_protocol_options'], p, { what: 'HTTP/1 protocol options', known: ['accept_http_10'], ignored: ['default_host_for_http_10', 'header_key_format', 'enable_trailers', 'allow_chunked_length'] });
    acceptHttp10 = bool(h['accept_http_10'], at(p, 'accept_http_10'));
  }
  let websocket = true;
  let connect = false;
  list(f['upgrade_configs'], at(path, 'upgrade_configs')).forEach((u, i) => {
    const p = idx(at(path, 'upgrade_configs'), i);
    const uf = fields(u, p, { what: 'upgrade config', known: ['upgrade_type', 'enabled'] });
    const type = str(uf['upgrade_type'], at(p, 'upgrade_type')).toLowerCase();
    if (type === 'websocket') websocket = bool(uf['enabled'], at(p, 'enabled'), true);
    else if (type === 'connect') connect = bool(uf['enabled'], at(p, 'enabled'), true);
    else fail(at(p, 'upgrade_type'), `upgrade ${type} is not supported (websocket, CONNECT)`);
  });
  const kb = uint(f['max_request_headers_kb'], at(path, 'max_request_headers_kb'), 60);
  if (kb < 1 || kb > 8192) fail(at(path, 'max_request_headers_kb'), 'must be within 1..8192');
  return Object.freeze({
    statPrefix: str(f['stat_prefix'], at(path, 'stat_prefix'), ''),
    codec: codec as HcmConfig['codec'],
    http2: f['http2_protocol_options'] === undefined ? DOWNSTREAM_HTTP2_DEFAULTS : parseHttp2Options(f['http2_protocol_options'], at(path, 'http2_protocol_options'), DOWNSTREAM_HTTP2_DEFAULTS),
    routes,
    filters: Object.freeze(chain.filters),
    onDemand: chain.onDemand,
    limits: Object.freeze({ maxHeadBytes: kb * 1024, maxHeaders }),
    requestHeadersTimeoutMs: durationMs(f['request_headers_timeout'], at(path, 'request_headers_timeout'), opts.defaultRequestHeadersTimeoutMs),
    idleTimeoutMs,
    stripAnyHostPort: bool(f['strip_any_host_port'], at(path, 'strip_any_host_port')),
    stripMatchingHostPort: bool(f['strip_matching_host_port'], at(path, 'strip_matching_host_port')),
    websocket,
    connect,
    // Envoy's default stream idle timeout is 5 minutes; here it bounds CONNECT tunnels (other streams have the connection's idle timeout).
    streamIdleTimeoutMs: durationMs(f['stream_idle_timeout'], at(path, 'stream_idle_timeout'), 300_000),
    acceptHttp10,
    drainTimeoutMs: durationMs(f['drain_timeout'], at(path, 'drain_timeout'), 5_000),
  });
}
