// The proxy's telemetry, assembled: Istio's request metrics, the access log,
// trace context propagation and Envoy-style counters for /stats. The proxy
// calls two hooks per request: onRequest before routing (trace headers,
// x-request-id) and onFinished once the exchange is done (metrics, counters,
// access log). Both are bound once; nothing is allocated per request on the
// metrics path once a request's series exists.

import type { Exchange } from '../http/exchange.ts';
import type { NodeIdentity } from '../config/sink.ts';
import type { ProxyCore } from '../proxy.ts';
import { flagsString } from '../http/flags.ts';
import { headerValue } from '../http/router/headers.ts';
import { IstioMetrics, Protocol, type SecurityPolicy } from './metrics.ts';
import { workloadIdentity, type WorkloadIdentity } from './identity.ts';
import { IdSource, propagate } from './trace.ts';
import { AccessLog, type AccessLogTarget } from './access-log.ts';
import { JwtAuthnFilter } from '../http/jwt/filter.ts';

export { IstioMetrics, LABEL_NAMES, BUCKETS, type Labels } from './metrics.ts';
export { workloadIdentity, type WorkloadIdentity } from './identity.ts';
export { IdSource, propagate } from './trace.ts';
export type { AccessLogTarget, AccessLogEntry } from './access-log.ts';

export interface TelemetryOptions {
  readonly node: NodeIdentity;
  /** Istio's request metrics (default on, as in Istio). */
  readonly metrics?: boolean;
  /** One JSON line per request; default none. */
  readonly accessLog?: AccessLogTarget;
  /**
   * Which requests the access log records: every one (default), or only those an
   * AUDIT policy marked (Envoy's access_log_hint), so audit stays on when a full
   * log would be too much.
   */
  readonly accessLogFilter?: 'all' | 'audited';
  /** Trace propagation (default on) and the share of new traces sampled (default 0.01, Istio's 1 %). */
  readonly tracing?: { readonly samplingRate: number } | false;
  readonly random?: () => number;
}

/** Envoy-style counters per connection manager stat_prefix and per cluster (/stats). */
class Counters {
  /** [total, 1xx, 2xx, 3xx, 4xx, 5xx] */
  readonly downstream = new Map<string, Float64Array>();
  readonly upstream = new Map<string, Float64Array>();
  count(map: Map<string, Float64Array>, key: string, status: number): void {
    let a = map.get(key);
    if (a === undefined) {
      a = new Float64Array(6);
      map.set(key, a);
    }
    a[0] = (a[0] as number) + 1;
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) a[cls] = (a[cls] as number) + 1;
  }
}

export class Telemetry {
  readonly self: WorkloadIdentity;
  readonly metrics: IstioMetrics | undefined;
  readonly accessLog: AccessLog | undefined;
  readonly #logAll: boolean;
  readonly #ids = new IdSource();
  readonly #tracing: { readonly samplingRate: number; readonly random: () => number } | undefined;
  readonly #counters = new Counters();

  constructor(opts: TelemetryOptions) {
    this.self = workloadIdentity(opts.node);
    this.metrics = opts.metrics === false ? undefined : new IstioMetrics(this.self);
    this.accessLog = opts.accessLog === undefined ? undefined : new AccessLog(opts.accessLog);
    this.#logAll = opts.accessLogFilter !== 'audited';
    const rate = opts.tracing === false ? undefined : (opts.tracing?.samplingRate ?? 0.01);
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new Error(`telemetry: tracing.samplingRate ${rate} must be between 0 and 1`);
    this.#tracing = rate === undefined ? undefined : { samplingRate: rate, random: opts.random ?? Math.random };
  }

  /** Before routing: trace context for the next hop, x-request-id. */
  readonly onRequest = (x: Exchange): void => {
    const t = this.#tracing;
    if (t !== undefined) propagate(x.request.headers, this.#ids, t, x);
  };

  /** Once per finished request. */
  readonly onFinished = (x: Exchange): void => {
    const durationMs = performance.now() - x.startedAt;
    const cluster = x.clusterName;
    const inbound = cluster.startsWith('inbound|') || (cluster === '' && x.hcm.statPrefix.startsWith('inbound'));
    const c = this.#counters;
    c.count(c.downstream, x.hcm.statPrefix, x.status);
    if (cluster !== '' && x.attempts > 0) c.count(c.upstream, cluster, x.status);
    const sec = x.downstream.security;
    const m = this.metrics;
    if (m !== undefined) {
      const security: SecurityPolicy = sec !== undefined && sec.kind === 'mutual_tls' ? 'mutual_tls' : 'none';
      const grpc = x.grpc;
      m.record(
        inbound,
        cluster,
        x.request.authority,
        x.status,
        x.flags,
        flagsString,
        security,
        sec !== undefined && sec.kind === 'mutual_tls' ? sec.peerPrincipal : '',
        grpc ? Protocol.GRPC : Protocol.HTTP,
        durationMs,
        x.bytesReceived,
        x.bytesSent,
        grpc ? x.grpcStatus : -1,
      );
    }
    if (this.accessLog !== undefined && (this.#logAll || x.auditPolicy !== undefined)) this.#log(x, durationMs);
  };

  #log(x: Exchange, durationMs: number): void {
    const req = x.request;
    const d = x.downstream;
    const h = req.headers;
    (this.accessLog as AccessLog).write({
      start_time: new Date(Date.now() - durationMs).toISOString(),
      method: req.method,
      path: req.path,
      protocol: d.protocol,
      response_code: x.status,
      response_flags: flagsString(x.flags),
      response_code_details: x.details === '' ? null : x.details,
      bytes_received: x.bytesReceived,
      bytes_sent: x.bytesSent,
      duration: Math.round(durationMs),
      upstream_service_time: x.upstreamHeadAt > 0 ? Math.round(x.upstreamHeadAt - x.startedAt) : null,
      x_forwarded_for: headerValue(h, 'x-forwarded-for') ?? null,
      user_agent: headerValue(h, 'user-agent') ?? null,
      request_id: x.requestId !== '' ? x.requestId : (headerValue(h, 'x-request-id') ?? null),
      authority: req.authority === '' ? null : req.authority,
      upstream_host: x.upstreamHost === '' ? null : x.upstreamHost,
      upstream_cluster: x.clusterName === '' ? null : x.clusterName,
      route_name: x.route === undefined || x.route.name === '' ? null : x.route.name,
      downstream_remote_address: `${d.downstreamRemoteAddress}:${d.downstreamRemotePort}`,
      downstream_local_address: `${d.downstreamLocalAddress}:${d.downstreamLocalPort}`,
      trace_id: x.traceId === '' ? null : x.traceId,
      audit_policy: x.auditPolicy ?? null,
    });
  }

  /** /stats/prometheus: Prometheus text format. */
  async prometheus(): Promise<string> {
    return this.metrics === undefined ? '' : this.metrics.registry.metrics();
  }

  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';

  /** /stats: Envoy's `name: value` lines, sorted, for the counters that matter most. */
  stats(core: ProxyCore): string {
    const lines: string[] = [];
    const classes = ['1xx', '2xx', '3xx', '4xx', '5xx'];
    for (const [prefix, a] of this.#counters.downstream) {
      lines.push(`http.${prefix}.downstream_rq_total: ${a[0] as number}`);
      classes.forEach((k, i) => lines.push(`http.${prefix}.downstream_rq_${k}: ${a[i + 1] as number}`));
    }
    // jwt_authn: per connection manager stat prefix, summed over the filters of the applied listeners.
    const jwt = new Map<string, [number, number, number, number]>();
    for (const e of core.listenersState.entries.values()) {
      const l = e.parsed;
      for (const chain of l.defaultChain === undefined ? l.chains : [...l.chains, l.defaultChain]) {
        if (chain.action.kind !== 'http') continue;
        for (const f of chain.action.hcm.filters) {
          if (!(f instanceof JwtAuthnFilter)) continue;
          const c = f.counters();
          const t = jwt.get(chain.action.hcm.statPrefix) ?? [0, 0, 0, 0];
          jwt.set(chain.action.hcm.statPrefix, [t[0] + c.allowed, t[1] + c.denied, t[2] + c.jwksFetchSuccess, t[3] + c.jwksFetchFailed]);
        }
      }
    }
    for (const [prefix, [allowed, denied, fetched, fetchFailed]] of jwt) {
      lines.push(`http.${prefix}.jwt_authn.allowed: ${allowed}`, `http.${prefix}.jwt_authn.denied: ${denied}`);
      lines.push(`http.${prefix}.jwt_authn.jwks_fetch_success: ${fetched}`, `http.${prefix}.jwt_authn.jwks_fetch_failed: ${fetchFailed}`);
    }
    for (const c of core.clusters.values()) {
      const a = this.#counters.upstream.get(c.name);
      const n = `cluster.${c.name}`;
      lines.push(`${n}.upstream_rq_total: ${a?.[0] ?? 0}`);
      classes.forEach((k, i) => lines.push(`${n}.upstream_rq_${k}: ${a?.[i + 1] ?? 0}`));
      lines.push(`${n}.upstream_rq_active: ${c.activeRequests}`);
      lines.push(`${n}.upstream_rq_pending_overflow: ${c.overflows}`);
      lines.push(`${n}.upstream_cx_active: ${c.connections}`);
      lines.push(`${n}.membership_total: ${c.endpoints.length}`);
      lines.push(`${n}.membership_healthy: ${c.endpoints.filter((e) => e.config.health === 'healthy' && !e.ejected).length}`);
      lines.push(`${n}.membership_degraded: ${c.endpoints.filter((e) => e.config.health === 'degraded').length}`);
      lines.push(`${n}.outlier_detection.ejections_total: ${c.ejectionsTotal}`);
    }
    lines.push(`listener_manager.lds.version: ${core.listenersState.version}`);
    lines.push(`cluster_manager.cds.version: ${core.clustersState.version}`);
    lines.push(`http.rds.version: ${core.routesState.version}`);
    lines.push(`cluster_manager.eds.version: ${core.endpointsState.version}`);
    lines.push(`listener_manager.total_listeners_active: ${core.listeners.size}`);
    lines.push(`cluster_manager.active_clusters: ${core.clusters.size}`);
    lines.push(`server.total_connections: ${core.connections}`);
    lines.push(`server.state: ${core.draining ? 1 : 0}`);
    return lines.sort().join('\n') + '\n';
  }
}
