// Istio's standard request metrics, with Istio's names, labels and buckets,
// so Flagger's checks, Kiali and the Istio Grafana dashboards read them
// unchanged: istio_requests_total, istio_request_duration_milliseconds,
// istio_request_bytes, istio_response_bytes; and for connections carried by
// tcp_proxy, istio_tcp_connections_opened_total, _closed_total,
// istio_tcp_sent_bytes_total and istio_tcp_received_bytes_total (Kiali draws
// TCP edges from these).
//
// Recording is on the hot path and is hand-written: prom-client's
// Counter.inc + 3×Histogram.observe with Istio's 25 labels cost ~13.5 µs per
// request on this machine (it hashes the label object on every call, and its
// labels() children hash again), against ~0.15 µs for a counter and three
// bucket arrays in a series found by a numeric key (docs/proxy.md,
// Telemetry). prom-client stays for the registry and the exposition format:
// each metric here is a collector it asks at scrape time.
//
// A series is found in two steps: the destination (cluster, and the host
// when the cluster does not name the service) in a Map, then the rest of the
// tuple (status, flags, security, protocol) as one number in a small Map.

import { createRequire } from 'node:module';
import type client from 'prom-client';

// The registry alone: prom-client's index also loads its Pushgateway (with
// node:https), default process metrics and cluster aggregation, ~5 MB
// resident the proxy never uses.
const Registry = createRequire(import.meta.url)('prom-client/lib/registry') as typeof client.Registry;
import { UNKNOWN, clusterService, principalNamespace, serviceParts, type WorkloadIdentity } from './identity.ts';

/** Istio's label set, in Istio's order. */
export const LABEL_NAMES = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'source_canonical_revision',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;
export type LabelName = (typeof LABEL_NAMES)[number];
export type Labels = Readonly<Record<LabelName, string>>;

/** Envoy's default histogram buckets, which Istio's metrics use (milliseconds and bytes alike). */
export const BUCKETS: readonly number[] = Object.freeze([0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]);

/** Past this many destinations, new ones are counted under destination_service "unknown" (a client cannot grow memory without bound through Host headers). */
export const MAX_DESTINATIONS = 2000;

export const Protocol = { HTTP: 0, GRPC: 1 } as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** The connection security of the request's downstream connection, as the metric label says it. */
export type SecurityPolicy = 'mutual_tls' | 'none';

class Histogram {
  /** Per bucket (not cumulative); the last slot is +Inf. */
  readonly counts = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  observe(v: number): void {
    let i = 0;
    const n = BUCKETS.length;
    while (i < n && v > (BUCKETS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += v;
  }
}

export class Series {
  readonly labels: Labels;
  requests = 0;
  readonly duration = new Histogram();
  readonly requestBytes = new Histogram();
  readonly responseBytes = new Histogram();
  constructor(labels: Labels) {
    this.labels = labels;
  }
}

/** Istio's TCP metrics carry the same labels less response_code and grpc_response_status (HTTP-only labels). */
export const TCP_LABEL_NAMES = LABEL_NAMES.filter((n) => n !== 'response_code' && n !== 'grpc_response_status');
export type TcpLabels = Readonly<Record<Exclude<LabelName, 'response_code' | 'grpc_response_status'>, string>>;

/** One TCP series: connections and bytes, counted as they flow so a scrape sees long-lived connections too. */
export class TcpSeries {
  readonly labels: TcpLabels;
  opened = 0;
  closed = 0;
  /** Bytes the proxy sent to the downstream peer (the response side). */
  sent = 0;
  /** Bytes the proxy received from the downstream peer (the request side). */
  received = 0;
  constructor(labels: TcpLabels) {
    this.labels = labels;
  }
}

/** One destination seen by this proxy: the labels that do not change per request, and its series by the rest of the tuple. */
class Destination {
  readonly inbound: boolean;
  readonly base: Omit<Labels, 'request_protocol' | 'response_code' | 'grpc_response_status' | 'response_flags' | 'connection_security_policy' | 'source_principal' | 'source_workload_namespace' | 'destination_principal'>;
  readonly plain = new Map<number, Series>();
  /** Inbound mTLS requests: series by the peer's principal. */
  byPeer: Map<string, Map<number, Series>> | undefined = undefined;
  /** TCP series by response flags, security and (inbound mTLS) peer principal. */
  tcp: Map<string, TcpSeries> | undefined = undefined;
  constructor(inbound: boolean, base: Destination['base']) {
    this.inbound = inbound;
    this.base = base;
  }
}

export class IstioMetrics {
  readonly self: WorkloadIdentity;
  readonly #destinations = new Map<string, Destination>();
  readonly #all: Series[] = [];
  readonly #tcp: TcpSeries[] = [];
  readonly registry: client.Registry;

  constructor(self: WorkloadIdentity, registry: client.Registry = new Registry()) {
    this.self = self;
    this.registry = registry;
    registry.registerMetric(this.#collector('istio_requests_total', 'counter', 'Total requests handled by this proxy (Istio standard metric).', null));
    registry.registerMetric(this.#collector('istio_request_duration_milliseconds', 'histogram', 'Request duration in milliseconds (Istio standard metric).', 'duration'));
    registry.registerMetric(this.#collector('istio_request_bytes', 'histogram', 'Request sizes in bytes (Istio standard metric).', 'requestBytes'));
    registry.registerMetric(this.#collector('istio_response_bytes', 'histogram', 'Response sizes in bytes (Istio standard metric).', 'responseBytes'));
    registry.registerMetric(this.#tcpCollector('istio_tcp_connections_opened_total', 'Total TCP connections opened (Istio standard metric).', 'opened'));
    registry.registerMetric(this.#tcpCollector('istio_tcp_connections_closed_total', 'Total TCP connections closed (Istio standard metric).', 'closed'));
    registry.registerMetric(this.#tcpCollector('istio_tcp_sent_bytes_total', 'Bytes sent during response in a TCP connection (Istio standard metric).', 'sent'));
    registry.registerMetric(this.#tcpCollector('istio_tcp_received_bytes_total', 'Bytes received during request in a TCP connection (Istio standard metric).', 'received'));
  }

  /**
   * The series for one TCP connection, once its fate is known (connected, or
   * refused with `flags`): counts it opened. The caller adds bytes to the
   * series as they flow and bumps `closed` at the end.
   */
  tcpSeries(inbound: boolean, cluster: string, flags: number, flagsText: (bits: number) => string, security: SecurityPolicy, peerPrincipal: string): TcpSeries {
    // An inbound|port||host cluster names the service the connection was for.
    const host = inbound ? cluster.slice(cluster.lastIndexOf('|') + 1) : '';
    const dest = this.#destination(inbound, cluster, host);
    const peer = inbound && security === 'mutual_tls' ? peerPrincipal : '';
    const key = `${flags}|${security}|${peer}`;
    const table = (dest.tcp ??= new Map());
    let s = table.get(key);
    if (s === undefined) {
      const mtls = security === 'mutual_tls';
      const { response_code: _code, grpc_response_status: _grpc, ...labels } = this.#labels(dest, 0, flagsText(flags), security, peer, Protocol.HTTP, -1);
      s = new TcpSeries(Object.freeze({ ...labels, request_protocol: 'tcp', connection_security_policy: inbound ? (mtls ? 'mutual_tls' : 'none') : UNKNOWN }));
      table.set(key, s);
      this.#tcp.push(s);
    }
    s.opened++;
    return s;
  }

  /** Every TCP series so far (tests). */
  get tcpSeriesList(): readonly TcpSeries[] {
    return this.#tcp;
  }

  /** Counts one finished request. No allocation once its series exists. */
  record(
    inbound: boolean,
    cluster: string,
    authority: string,
    status: number,
    flags: number,
    flagsText: (bits: number) => string,
    security: SecurityPolicy,
    peerPrincipal: string,
    protocol: Protocol,
    durationMs: number,
    requestBytes: number,
    responseBytes: number,
    grpcStatus = -1,
  ): void {
    const dest = this.#destination(inbound, cluster, authority);
    // gRPC statuses 0–16 (-1: none); an out-of-range one shares a slot, labelled empty.
    const grpc = grpcStatus < 0 ? 0 : grpcStatus <= 16 ? grpcStatus + 1 : 18;
    const key = (((flags * 1000 + status) * 2 + (security === 'mutual_tls' ? 1 : 0)) * 2 + protocol) * 20 + grpc;
    let table = dest.plain;
    if (inbound && peerPrincipal !== '') {
      const byPeer = (dest.byPeer ??= new Map());
      let t = byPeer.get(peerPrincipal);
      if (t === undefined) {
        t = new Map();
        byPeer.set(peerPrincipal, t);
      }
      table = t;
    }
    let s = table.get(key);
    if (s === undefined) {
      s = this.#newSeries(dest, status, flagsText(flags), security, peerPrincipal, protocol, grpcStatus);
      table.set(key, s);
    }
    s.requests++;
    s.duration.observe(durationMs);
    s.requestBytes.observe(requestBytes);
    s.responseBytes.observe(responseBytes);
  }

  /** Every series so far (tests, /stats). */
  get series(): readonly Series[] {
    return this.#all;
  }

  #destination(inbound: boolean, cluster: string, authority: string): Destination {
    // An outbound|… cluster names its service: the authority does not matter.
    const named = cluster.startsWith('outbound|');
    const key = named ? cluster : `${inbound ? 'i' : 'o'}|${cluster}|${authority}`;
    let d = this.#destinations.get(key);
    if (d !== undefined) return d;
    const overflow = this.#destinations.size >= MAX_DESTINATIONS;
    const okey = overflow ? `${inbound ? 'i' : 'o'}|overflow` : key;
    d = this.#destinations.get(okey);
    if (d !== undefined) return d;
    d = new Destination(inbound, this.#baseLabels(inbound, overflow ? '' : cluster, overflow ? '' : authority));
    this.#destinations.set(okey, d);
    return d;
  }

  #baseLabels(inbound: boolean, cluster: string, authority: string): Destination['base'] {
    const me = this.self;
    const named = clusterService(cluster);
    const host = named?.host ?? hostOf(authority);
    let service = named ?? (host === '' ? undefined : { host, ...serviceParts(host) });
    // Inbound, a host that is not a service FQDN is a name in this workload's namespace (Istio's fallback).
    if (inbound && service !== undefined && service.namespace === UNKNOWN) service = { ...service, namespace: me.namespace };
    const svc = { destination_service: service?.host ?? UNKNOWN, destination_service_name: service?.name ?? UNKNOWN, destination_service_namespace: service?.namespace ?? UNKNOWN };
    if (inbound) {
      return {
        reporter: 'destination',
        source_workload: UNKNOWN,
        source_app: UNKNOWN,
        source_version: UNKNOWN,
        source_canonical_service: UNKNOWN,
        source_canonical_revision: UNKNOWN,
        source_cluster: UNKNOWN,
        destination_workload: me.workload,
        destination_workload_namespace: me.namespace,
        destination_app: me.app,
        destination_version: me.version,
        ...svc,
        destination_canonical_service: me.canonicalService,
        destination_canonical_revision: me.canonicalRevision,
        destination_cluster: me.cluster,
      };
    }
    return {
      reporter: 'source',
      source_workload: me.workload,
      source_app: me.app,
      source_version: me.version,
      source_canonical_service: me.canonicalService,
      source_canonical_revision: me.canonicalRevision,
      source_cluster: me.cluster,
      destination_workload: UNKNOWN,
      destination_workload_namespace: UNKNOWN,
      destination_app: UNKNOWN,
      destination_version: UNKNOWN,
      ...svc,
      destination_canonical_service: UNKNOWN,
      destination_canonical_revision: UNKNOWN,
      destination_cluster: UNKNOWN,
    };
  }

  #newSeries(d: Destination, status: number, flags: string, security: SecurityPolicy, peer: string, protocol: Protocol, grpcStatus: number): Series {
    const s = new Series(this.#labels(d, status, flags, security, peer, protocol, grpcStatus));
    this.#all.push(s);
    return s;
  }

  #labels(d: Destination, status: number, flags: string, security: SecurityPolicy, peer: string, protocol: Protocol, grpcStatus: number): Labels {
    const me = this.self;
    const mtls = security === 'mutual_tls';
    const labels: Labels = Object.freeze({
      ...d.base,
      // Inbound: the peer is the source; its namespace is in its SPIFFE principal.
      source_principal: d.inbound ? (mtls && peer !== '' ? peer : UNKNOWN) : UNKNOWN,
      source_workload_namespace: d.inbound ? (mtls && peer !== '' ? principalNamespace(peer) : UNKNOWN) : me.namespace,
      destination_principal: d.inbound && mtls ? me.principal : UNKNOWN,
      request_protocol: protocol === Protocol.GRPC ? 'grpc' : 'http',
      response_code: String(status),
      // Istio's value: the response's grpc-status for gRPC requests, empty otherwise.
      grpc_response_status: grpcStatus >= 0 && grpcStatus <= 16 ? String(grpcStatus) : '',
      response_flags: flags,
      // The client side does not know how the server side saw the connection: Istio reports "unknown" there.
      connection_security_policy: d.inbound ? security : UNKNOWN,
    });
    return labels;
  }

  #tcpCollector(name: string, help: string, field: 'opened' | 'closed' | 'sent' | 'received'): client.Metric {
    const all = this.#tcp;
    const get = (): { name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' } => ({
      name,
      help,
      type: 'counter',
      values: all.map((s) => ({ labels: NO_LABELS, sharedLabels: s.labels, value: s[field] })),
      aggregator: 'sum',
    });
    return { name, help, type: 'counter', get } as unknown as client.Metric;
  }

  #collector(name: string, type: 'counter' | 'histogram', help: string, field: 'duration' | 'requestBytes' | 'responseBytes' | null): client.Metric {
    const all = this.#all;
    const [bucket, sum, count] = [`${name}_bucket`, `${name}_sum`, `${name}_count`];
    const get = (): { name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' } => {
      const values: Sample[] = [];
      for (const s of all) {
        if (field === null) {
          values.push({ labels: NO_LABELS, sharedLabels: s.labels, value: s.requests });
          continue;
        }
        const h = s[field];
        let cumulative = 0;
        for (let i = 0; i < BUCKETS.length; i++) {
          cumulative += h.counts[i] as number;
          values.push({ metricName: bucket, labels: LE_LABELS[i] as Sample['labels'], sharedLabels: s.labels, value: cumulative });
        }
        cumulative += h.counts[BUCKETS.length] as number;
        values.push({ metricName: bucket, labels: LE_LABELS[BUCKETS.length] as Sample['labels'], sharedLabels: s.labels, value: cumulative });
        values.push({ metricName: sum, labels: NO_LABELS, sharedLabels: s.labels, value: h.sum });
        values.push({ metricName: count, labels: NO_LABELS, sharedLabels: s.labels, value: cumulative });
      }
      return { name, help, type, values, aggregator: 'sum' };
    };
    // The registry needs only name, help, type and get(); the rest of the Metric shape is for prom-client's own classes.
    return { name, help, type, get } as unknown as client.Metric;
  }
}

/**
 * One sample line as prom-client's registry formats it. A series' labels go
 * in sharedLabels: the registry formats and escapes a sharedLabels object once
 * and keeps the text (a WeakMap keyed by the object; each series' labels are
 * one frozen object for its life), where `labels` is formatted again on every
 * line. Formatting Istio's 25 labels for each of the 66 lines a series has
 * made a scrape block the event loop for milliseconds (docs/proxy.md, "Tail
 * latency"). Bucket lines thus print le first; the exposition format does not
 * order labels.
 */
interface Sample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NO_LABELS: Sample['labels'] = Object.freeze({});
/** The le label of each bucket line, then +Inf: allocated once, not per scrape. */
const LE_LABELS: readonly Sample['labels'][] = Object.freeze([...BUCKETS.map((b) => Object.freeze({ le: b })), Object.freeze({ le: '+Inf' })]);

/** Host without port, lower-cased ("" when absent). */
function hostOf(authority: string): string {
  if (authority === '') return '';
  if (authority.charCodeAt(0) === 91 /* [ */) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return (colon < 0 ? authority : authority.slice(0, colon)).toLowerCase();
}
