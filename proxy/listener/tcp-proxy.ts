// envoy.filters.network.tcp_proxy: a client connection spliced to a
// connection to one endpoint of a cluster, with backpressure both ways. A
// cluster with a TLS transport socket (mesh mTLS to another proxy) is dialled
// with TLS and the server's SPIFFE ID checked, as HTTP upstreams are.

import type net from 'node:net';
import type { Cluster, Endpoint } from '../upstream/cluster.ts';
import { LOCAL_ORIGIN_FAILURE } from '../upstream/cluster.ts';
import type { TcpProxyConfig } from './listener-config.ts';
import { dialUpstream } from '../tls/client.ts';
import type { ConnectionSecurity } from '../http/exchange.ts';
import { Flag, flagsString } from '../http/flags.ts';

/** A connection's counters in Istio's TCP metrics (proxy/telemetry/metrics.ts). */
export interface TcpCounters {
  sent: number;
  received: number;
  closed: number;
}

/** Where connections are counted: the series for one connection, counted opened. */
export interface TcpMetrics {
  tcpSeries(inbound: boolean, cluster: string, flags: number, flagsText: (bits: number) => string, security: 'mutual_tls' | 'none', peerPrincipal: string): TcpCounters;
}

export interface TcpTarget {
  /** The original destination when known (ORIGINAL_DST clusters need it). */
  readonly originalDst: { readonly address: string; readonly port: number } | undefined;
  /** The downstream connection's security: undefined for plaintext. */
  readonly security?: ConnectionSecurity | undefined;
  readonly metrics?: TcpMetrics | undefined;
}

/** Counts a connection opened (and, when refused, closed) with `flags`; undefined without metrics. */
function count(target: TcpTarget, clusterName: string, flags: number, refused: boolean): TcpCounters | undefined {
  const m = target.metrics;
  if (m === undefined) return undefined;
  const sec = target.security;
  const mtls = sec !== undefined && sec.kind === 'mutual_tls';
  const inbound = clusterName.startsWith('inbound|') || clusterName.startsWith('InboundPassthroughCluster');
  const c = m.tcpSeries(inbound, clusterName, flags, flagsString, mtls ? 'mutual_tls' : 'none', mtls ? sec.peerPrincipal : '');
  if (refused) c.closed++;
  return c;
}

/** Connects `client` to the cluster; closes it when there is nowhere to go. */
export function tcpProxy(client: net.Socket, initial: Buffer | null, cfg: TcpProxyConfig, cluster: Cluster | undefined, target: TcpTarget): void {
  let ep: Endpoint | undefined;
  if (cluster !== undefined) {
    if (cluster.config.type === 'ORIGINAL_DST') {
      ep = target.originalDst !== undefined ? cluster.originalDestination(target.originalDst.address, target.originalDst.port) : undefined;
    } else ep = cluster.pick(-1, null, 1);
  }
  if (cluster === undefined || ep === undefined) {
    count(target, cfg.cluster, cluster === undefined ? Flag.NC : Flag.UH, true);
    client.destroy();
    return;
  }
  const cb = cluster.config.circuitBreakers;
  if (cluster.connections >= cb.maxConnections) {
    cluster.overflows++;
    count(target, cfg.cluster, Flag.UO, true);
    client.destroy();
    return;
  }
  const endpoint = ep;
  const secure = cluster.transportTls(false);
  if (secure !== undefined && !secure.ok) {
    // No certificate yet, or no TLS Secrets at all: nothing can be dialled.
    cluster.tlsFailures++;
    count(target, cfg.cluster, Flag.UF, true);
    client.destroy();
    return;
  }
  cluster.connections++;
  endpoint.active++;
  const upstream = dialUpstream(endpoint.address, endpoint.port, secure?.options);
  client.pause();
  let connected = false;
  let closed = false;
  let counters: TcpCounters | undefined;
  let upstreamFailed = false;
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), cluster.config.connectTimeoutMs || 2_147_483_647);
  const done = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(connectTimer);
    cluster.connections--;
    endpoint.active--;
    // A connection that never reached the upstream is counted once, refused with UF.
    if (counters !== undefined) counters.closed++;
    else if (!connected) count(target, cfg.cluster, upstreamFailed ? Flag.UF : Flag.DC, true);
    client.destroy();
    upstream.destroy();
  };
  upstream.on(secure === undefined ? 'connect' : 'secureConnect', () => {
    connected = true;
    clearTimeout(connectTimer);
    const c = (counters = count(target, cfg.cluster, 0, false));
    if (c !== undefined) {
      c.received += initial === null ? 0 : initial.length;
      client.on('data', (chunk: Buffer) => void (c.received += chunk.length));
      upstream.on('data', (chunk: Buffer) => void (c.sent += chunk.length));
    }
    if (initial !== null && initial.length > 0) upstream.write(initial);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    if (cfg.idleTimeoutMs > 0) {
      client.setTimeout(cfg.idleTimeoutMs, done);
      upstream.setTimeout(cfg.idleTimeoutMs, done);
    }
  });
  upstream.on('error', () => {
    if (!connected) {
      upstreamFailed = true;
      cluster.record(endpoint, LOCAL_ORIGIN_FAILURE);
      if (secure !== undefined) cluster.tlsFailures++;
    }
    done();
  });
  upstream.on('close', done);
  client.on('error', done);
  client.on('close', done);
}
