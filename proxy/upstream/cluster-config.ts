// Cluster and ClusterLoadAssignment resources → frozen configuration. The
// runtime state that must survive config versions (pools, outlier counters)
// lives in cluster.ts, keyed by name; this is only what the resource says.

import { at, bool, durationMs, fail, fields, idx, int, isObject, list, num, str, uint } from '../config/read.ts';
import { UPSTREAM_TLS, parseUpstreamTls, type UpstreamTlsConfig } from '../tls/config.ts';
import { UPSTREAM_HTTP2_DEFAULTS, parseHttp2Options, type Http2Options } from '../http2/options.ts';

export type DiscoveryType = 'STATIC' | 'EDS' | 'ORIGINAL_DST' | 'STRICT_DNS' | 'LOGICAL_DNS';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH';

export interface CircuitBreakers {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /**
   * Retries in flight may be at most this share of active and pending
   * requests (Envoy's retry_budget), never fewer than minRetryConcurrency.
   * 0: a fixed limit of maxRetries instead (thresholds that set max_retries
   * without a budget). Without circuit_breakers the budget is 20 %, min 3.
   */
  readonly retryBudgetPercent: number;
  readonly minRetryConcurrency: number;
}

export interface OutlierConfig {
  readonly consecutive5xx: number;
  readonly enforcing5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingGatewayFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectionPercent: number;
}

export interface EndpointConfig {
  readonly address: string;
  readonly port: number;
  /** HEALTHY/UNKNOWN: usable; DEGRADED: only when nothing is healthy; others are left out. */
  readonly health: 'healthy' | 'degraded' | 'unhealthy';
  readonly weight: number;
  readonly priority: number;
}

/**
 * How connections to the cluster's endpoints are made: plaintext, mTLS
 * (UpstreamTlsContext, Secrets by SDS name), or TLS asked for but carried in
 * plaintext (--plaintext-for-tls, local development without certificates).
 */
export type UpstreamTransport =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'tls'; readonly tls: UpstreamTlsConfig }
  | { readonly kind: 'tls-as-plaintext'; readonly sni: string };

export interface ClusterConfig {
  readonly name: string;
  readonly type: DiscoveryType;
  /** EDS: the ClusterLoadAssignment name (service_name, else the cluster name). */
  readonly edsName: string | undefined;
  readonly connectTimeoutMs: number;
  readonly lbPolicy: LbPolicy;
  readonly choiceCount: number;
  readonly ringSize: number;
  readonly panicThreshold: number;
  readonly circuitBreakers: CircuitBreakers;
  readonly outlier: OutlierConfig | undefined;
  /** Endpoints from load_assignment (STATIC / DNS clusters). */
  readonly staticEndpoints: readonly EndpointConfig[] | undefined;
  readonly idleTimeoutMs: number;
  readonly transport: UpstreamTransport;
  /**
   * The protocol spoken to endpoints (HttpProtocolOptions): HTTP/1.1, HTTP/2
   * (explicit_http_config.http2_protocol_options), or whatever the
   * downstream spoke (use_downstream_protocol_config).
   */
  readonly upstreamProtocol: 'http1' | 'http2' | 'downstream';
  readonly http2: Http2Options;
  readonly source: unknown;
}

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakers = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  retryBudgetPercent: 20,
  minRetryConcurrency: 3,
});

const HTTP_PROTOCOL_OPTIONS = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export interface ClusterParseOptions {
  /** Accept TLS transport sockets and carry the traffic in plaintext (local development without certificates). */
  readonly plaintextForTls: boolean;
}

function parseCircuitBreakers(value: unknown, path: string): CircuitBreakers {
  const f = fields(value, path, { what: 'circuit breakers', known: ['thresholds'], ignored: ['per_host_thresholds'] });
  let out = DEFAULT_CIRCUIT_BREAKERS;
  list(f['thresholds'], at(path, 'thresholds')).forEach((t, i) => {
    const p = idx(at(path, 'thresholds'), i);
    const tf = fields(t, p, {
      what: 'thresholds',
      known: ['priority', 'max_connections', 'max_pending_requests', 'max_requests', 'max_retries', 'retry_budget'],
      ignored: ['track_remaining', 'max_connection_pools'],
    });
    if ((tf['priority'] ?? 'DEFAULT') !== 'DEFAULT') return; // only the DEFAULT routing priority exists here
    let budget = tf['max_retries'] !== undefined ? 0 : out.retryBudgetPercent;
    let minConc = out.minRetryConcurrency;
    if (tf['retry_budget'] !== undefined) {
      const b = fields(tf['retry_budget'], at(p, 'retry_budget'), { what: 'retry budget', known: ['budget_percent', 'min_retry_concurrency'] });
      if (b['budget_percent'] !== undefined) {
        const bp = b['budget_percent'];
        budget = isObject(bp) ? num(bp['value'], at(p, 'retry_budget.budget_percent.value'), 20) : 20;
      }
      minConc = uint(b['min_retry_concurrency'], at(p, 'retry_budget.min_retry_concurrency'), 3);
    }
    out = Object.freeze({
      maxConnections: uint(tf['max_connections'], at(p, 'max_connections'), 1024),
      maxPendingRequests: uint(tf['max_pending_requests'], at(p, 'max_pending_requests'), 1024),
      maxRequests: uint(tf['max_requests'], at(p, 'max_requests'), 1024),
      maxRetries: uint(tf['max_retries'], at(p, 'max_retries'), 3),
      retryBudgetPercent: budget,
      minRetryConcurrency: minConc,
    });
  });
  return out;
}

function parseOutlier(value: unknown, path: string): OutlierConfig {
  const f = fields(value, path, {
    what: 'outlier detection',
    known: [
      'consecutive_5xx', 'enforcing_consecutive_5xx', 'consecutive_gateway_failure', 'enforcing_consecutive_gateway_failure', 'interval',
      'base_ejection_time', 'max_ejection_time', 'max_ejection_percent', 'split_external_local_origin_errors',
    ],
    // Success-rate and failure-percentage ejection are not implemented (docs/proxy.md); their settings are accepted and have no effect.
    ignored: [
      'success_rate_minimum_hosts', 'success_rate_request_volume', 'success_rate_stdev_factor', 'enforcing_success_rate',
      'failure_percentage_threshold', 'enforcing_failure_percentage', 'failure_percentage_minimum_hosts', 'failure_percentage_request_volume',
      'enforcing_failure_percentage_local_origin', 'enforcing_local_origin_success_rate', 'consecutive_local_origin_failure',
      'enforcing_consecutive_local_origin_failure', 'max_ejection_time_jitter', 'successful_active_health_check_uneject_host',
    ],
  });
  if (f['split_external_local_origin_errors'] === true) fail(at(path, 'split_external_local_origin_errors'), 'only false is supported: connect failures and resets count as 5xx');
  const base = durationMs(f['base_ejection_time'], at(path, 'base_ejection_time'), 30_000);
  return Object.freeze({
    consecutive5xx: uint(f['consecutive_5xx'], at(path, 'consecutive_5xx'), 5),
    enforcing5xx: int(f['enforcing_consecutive_5xx'], at(path, 'enforcing_consecutive_5xx'), 100, 0, 100),
    consecutiveGatewayFailure: uint(f['consecutive_gateway_failure'], at(path, 'consecutive_gateway_failure'), 5),
    enforcingGatewayFailure: int(f['enforcing_consecutive_gateway_failure'], at(path, 'enforcing_consecutive_gateway_failure'), 0, 0, 100),
    intervalMs: Math.max(1, durationMs(f['interval'], at(path, 'interval'), 10_000)),
    baseEjectionMs: base,
    maxEjectionMs: durationMs(f['max_ejection_time'], at(path, 'max_ejection_time'), Math.max(300_000, base)),
    maxEjectionPercent: int(f['max_ejection_percent'], at(path, 'max_ejection_percent'), 10, 0, 100),
  });
}

function parseTransport(value: unknown, path: string, opts: ClusterParseOptions): UpstreamTransport {
  if (value === undefined) return { kind: 'plaintext' };
  const f = fields(value, path, { what: 'transport socket', known: ['name', 'typed_config'] });
  const tc = f['typed_config'];
  const t = isObject(tc) ? tc['@type'] : undefined;
  if (t !== UPSTREAM_TLS) fail(at(path, 'typed_config'), `transport socket ${String(t ?? f['name'])} is not supported`);
  const tls = parseUpstreamTls(tc, at(path, 'typed_config'));
  if (opts.plaintextForTls) return Object.freeze({ kind: 'tls-as-plaintext', sni: tls.sni });
  return Object.freeze({ kind: 'tls', tls });
}

export function parseEndpoints(value: unknown, path: string): EndpointConfig[] {
  const out: EndpointConfig[] = [];
  list(value, path).forEach((loc, i) => {
    const lp = idx(path, i);
    const lf = fields(loc, lp, { what: 'locality endpoints', known: ['lb_endpoints', 'priority'], ignored: ['locality', 'load_balancing_weight', 'metadata'] });
    const priority = uint(lf['priority'], at(lp, 'priority'), 0);
    list(lf['lb_endpoints'], at(lp, 'lb_endpoints')).forEach((e, j) => {
      const ep = idx(at(lp, 'lb_endpoints'), j);
      const ef = fields(e, ep, { what: 'lb endpoint', known: ['endpoint', 'health_status', 'load_balancing_weight'], ignored: ['metadata'] });
      const en = fields(ef['endpoint'], at(ep, 'endpoint'), { what: 'endpoint', known: ['address'], ignored: ['hostname', 'health_check_config'] });
      const addr = fields(en['address'], at(ep, 'endpoint.address'), { what: 'address', known: ['socket_address'] });
      const sa = fields(addr['socket_address'], at(ep, 'endpoint.address.socket_address'), {
        what: 'socket address',
        known: ['address', 'port_value', 'protocol'],
        ignored: ['ipv4_compat', 'resolver_name'],
      });
      if ((sa['protocol'] ?? 'TCP') !== 'TCP') fail(at(ep, 'endpoint.address.socket_address.protocol'), 'only TCP is supported');
      const hs = str(ef['health_status'], at(ep, 'health_status'), 'UNKNOWN');
      out.push(
        Object.freeze({
          address: str(sa['address'], at(ep, 'endpoint.address.socket_address.address')),
          port: int(sa['port_value'], at(ep, 'endpoint.address.socket_address.port_value'), 0, 0, 65535),
          health: hs === 'HEALTHY' || hs === 'UNKNOWN' ? 'healthy' : hs === 'DEGRADED' ? 'degraded' : 'unhealthy',
          weight: uint(ef['load_balancing_weight'], at(ep, 'load_balancing_weight'), 1),
          priority,
        }),
      );
    });
  });
  return out;
}

export function parseClusterLoadAssignment(value: unknown, path = ''): { name: string; endpoints: readonly EndpointConfig[] } {
  const f = fields(value, path, { what: 'cluster load assignment', known: ['cluster_name', 'endpoints', 'policy'] });
  if (f['policy'] !== undefined) {
    const pf = fields(f['policy'], at(path, 'policy'), { what: 'load assignment policy', known: [], ignored: ['overprovisioning_factor', 'endpoint_stale_after', 'weighted_priority_health'] });
    void pf;
  }
  return { name: str(f['cluster_name'], at(path, 'cluster_name')), endpoints: Object.freeze(parseEndpoints(f['endpoints'], at(path, 'endpoints'))) };
}

export function parseCluster(value: unknown, path: string, opts: ClusterParseOptions): ClusterConfig {
  const f = fields(value, path, {
    what: 'cluster',
    known: [
      'name', 'type', 'eds_cluster_config', 'connect_timeout', 'lb_policy', 'load_assignment', 'circuit_breakers', 'outlier_detection',
      'common_lb_config', 'least_request_lb_config', 'ring_hash_lb_config', 'transport_socket', 'typed_extension_protocol_options',
    ],
    ignored: ['alt_stat_name', 'metadata', 'dns_refresh_rate', 'dns_lookup_family', 'respect_dns_ttl', 'per_connection_buffer_limit_bytes', 'cleanup_interval', 'original_dst_lb_config'],
  });
  const name = str(f['name'], at(path, 'name'));
  const type = str(f['type'], at(path, 'type'), 'STATIC') as DiscoveryType;
  if (!['STATIC', 'EDS', 'ORIGINAL_DST', 'STRICT_DNS', 'LOGICAL_DNS'].includes(type)) fail(at(path, 'type'), `discovery type ${type} is not supported`);
  let edsName: string | undefined;
  if (type === 'EDS') {
    const e = fields(f['eds_cluster_config'] ?? {}, at(path, 'eds_cluster_config'), { what: 'EDS config', known: ['eds_config', 'service_name'] });
    if (e['eds_config'] !== undefined) {
      const src = fields(e['eds_config'], at(path, 'eds_cluster_config.eds_config'), { what: 'config source', known: ['ads', 'resource_api_version'], ignored: ['initial_fetch_timeout'] });
      if (src['ads'] === undefined) fail(at(path, 'eds_cluster_config.eds_config'), 'only ADS is supported as the EDS config source');
    }
    edsName = str(e['service_name'], at(path, 'eds_cluster_config.service_name'), name);
  }
  const lb = str(f['lb_policy'], at(path, 'lb_policy'), 'LEAST_REQUEST');
  let lbPolicy: LbPolicy;
  if (lb === 'CLUSTER_PROVIDED') {
    if (type !== 'ORIGINAL_DST') fail(at(path, 'lb_policy'), 'CLUSTER_PROVIDED needs type ORIGINAL_DST');
    lbPolicy = 'RANDOM';
  } else if (lb === 'ROUND_ROBIN' || lb === 'LEAST_REQUEST' || lb === 'RANDOM' || lb === 'RING_HASH') lbPolicy = lb;
  else return fail(at(path, 'lb_policy'), `load balancing policy ${lb} is not supported (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH)`);
  let choiceCount = 2;
  if (f['least_request_lb_config'] !== undefined) {
    const l = fields(f['least_request_lb_config'], at(path, 'least_request_lb_config'), { what: 'least request config', known: ['choice_count'], ignored: ['active_request_bias'] });
    choiceCount = int(l['choice_count'], at(path, 'least_request_lb_config.choice_count'), 2, 2, 100);
  }
  let ringSize = 1024;
  if (f['ring_hash_lb_config'] !== undefined) {
    const r = fields(f['ring_hash_lb_config'], at(path, 'ring_hash_lb_config'), { what: 'ring hash config', known: ['minimum_ring_size', 'maximum_ring_size', 'hash_function'] });
    ringSize = Math.min(int(r['minimum_ring_size'], at(path, 'ring_hash_lb_config.minimum_ring_size'), 1024, 1, 8_388_608), 1 << 20);
  }
  let panicThreshold = 0.5;
  if (f['common_lb_config'] !== undefined) {
    const c = fields(f['common_lb_config'], at(path, 'common_lb_config'), { what: 'common lb config', known: ['healthy_panic_threshold'], ignored: ['update_merge_window', 'locality_weighted_lb_config', 'ignore_new_hosts_until_first_hc'] });
    const hp = c['healthy_panic_threshold'];
    if (hp !== undefined) panicThreshold = (isObject(hp) ? num(hp['value'], at(path, 'common_lb_config.healthy_panic_threshold.value'), 50) : 50) / 100;
  }
  let staticEndpoints: EndpointConfig[] | undefined;
  if (f['load_assignment'] !== undefined) {
    if (type === 'EDS' || type === 'ORIGINAL_DST') fail(at(path, 'load_assignment'), `a ${type} cluster takes no load_assignment`);
    staticEndpoints = [...parseClusterLoadAssignment(f['load_assignment'], at(path, 'load_assignment')).endpoints];
  } else if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') fail(path, `a ${type} cluster needs load_assignment`);
  let idleTimeoutMs = 60_000;
  let upstreamProtocol: ClusterConfig['upstreamProtocol'] = 'http1';
  let http2 = UPSTREAM_HTTP2_DEFAULTS;
  const teo = f['typed_extension_protocol_options'];
  if (teo !== undefined) {
    if (!isObject(teo)) return fail(at(path, 'typed_extension_protocol_options'), 'expected a map');
    for (const key of Object.keys(teo)) {
      const p = `${at(path, 'typed_extension_protocol_options')}[${JSON.stringify(key)}]`;
      const o = teo[key];
      if (!isObject(o) || o['@type'] !== HTTP_PROTOCOL_OPTIONS) fail(p, `protocol options ${key} are not supported (only ${HTTP_PROTOCOL_OPTIONS})`);
      const hf = fields(o, p, { what: 'HTTP protocol options', known: ['explicit_http_config', 'common_http_protocol_options', 'use_downstream_protocol_config'] });
      if (hf['explicit_http_config'] !== undefined) {
        const e = fields(hf['explicit_http_config'], at(p, 'explicit_http_config'), { what: 'explicit HTTP config', known: ['http_protocol_options', 'http2_protocol_options'] });
        if (e['http2_protocol_options'] !== undefined) {
          upstreamProtocol = 'http2';
          http2 = parseHttp2Options(e['http2_protocol_options'], at(at(p, 'explicit_http_config'), 'http2_protocol_options'), UPSTREAM_HTTP2_DEFAULTS);
        }
      }
      if (hf['use_downstream_protocol_config'] !== undefined) {
        const dp = at(p, 'use_downstream_protocol_config');
        if (hf['explicit_http_config'] !== undefined) fail(p, 'set explicit_http_config or use_downstream_protocol_config, not both');
        const d = fields(hf['use_downstream_protocol_config'], dp, { what: 'downstream protocol config', known: ['http_protocol_options', 'http2_protocol_options'] });
        upstreamProtocol = 'downstream';
        if (d['http2_protocol_options'] !== undefined) http2 = parseHttp2Options(d['http2_protocol_options'], at(dp, 'http2_protocol_options'), UPSTREAM_HTTP2_DEFAULTS);
      }
      if (hf['common_http_protocol_options'] !== undefined) {
        const c = fields(hf['common_http_protocol_options'], at(p, 'common_http_protocol_options'), { what: 'common HTTP protocol options', known: ['idle_timeout'], ignored: ['max_headers_count', 'max_stream_duration', 'headers_with_underscores_action', 'max_requests_per_connection'] });
        idleTimeoutMs = durationMs(c['idle_timeout'], at(p, 'common_http_protocol_options.idle_timeout'), idleTimeoutMs);
      }
    }
  }
  return Object.freeze({
    name,
    type,
    edsName,
    connectTimeoutMs: durationMs(f['connect_timeout'], at(path, 'connect_timeout'), 5_000),
    lbPolicy,
    choiceCount,
    ringSize,
    panicThreshold,
    circuitBreakers: f['circuit_breakers'] !== undefined ? parseCircuitBreakers(f['circuit_breakers'], at(path, 'circuit_breakers')) : DEFAULT_CIRCUIT_BREAKERS,
    outlier: f['outlier_detection'] !== undefined ? parseOutlier(f['outlier_detection'], at(path, 'outlier_detection')) : undefined,
    staticEndpoints: staticEndpoints === undefined ? undefined : Object.freeze(staticEndpoints),
    idleTimeoutMs,
    transport: parseTransport(f['transport_socket'], at(path, 'transport_socket'), opts),
    upstreamProtocol,
    http2,
    source: value,
  });
}

export { bool };
