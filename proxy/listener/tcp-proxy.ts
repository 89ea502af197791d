// envoy.filters.network.tcp_proxy: a client connection spliced to a
// connection to one endpoint of a cluster, with backpressure both ways. A
// cluster with a TLS transport socket (mesh mTLS to another proxy) is dialled
// with TLS and the server's SPIFFE ID checked, as HTTP upstreams are.

import net from 'node:net';
import tls from 'node:tls';
import type { Cluster, Endpoint } from '../upstream/cluster.ts';
import { LOCAL_ORIGIN_FAILURE } from '../upstream/cluster.ts';
import type { TcpProxyConfig } from './listener-config.ts';

export interface TcpTarget {
  /** The original destination when known (ORIGINAL_DST clusters need it). */
  readonly originalDst: { readonly address: string; readonly port: number } | undefined;
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
    client.destroy();
    return;
  }
  const cb = cluster.config.circuitBreakers;
  if (cluster.connections >= cb.maxConnections) {
    cluster.overflows++;
    client.destroy();
    return;
  }
  const endpoint = ep;
  const secure = cluster.transportTls(false);
  if (secure !== undefined && !secure.ok) {
    // No certificate yet, or no TLS Secrets at all: nothing can be dialled.
    cluster.tlsFailures++;
    client.destroy();
    return;
  }
  cluster.connections++;
  endpoint.active++;
  const upstream: net.Socket =
    secure === undefined
      ? net.connect({ host: endpoint.address, port: endpoint.port, noDelay: true })
      : tls.connect({
          host: endpoint.address,
          port: endpoint.port,
          secureContext: secure.options.secureContext,
          ...(secure.options.servername !== '' ? { servername: secure.options.servername } : {}),
          ...(secure.options.alpn.length > 0 ? { ALPNProtocols: [...secure.options.alpn] } : {}),
          rejectUnauthorized: true,
          checkServerIdentity: secure.options.checkServerIdentity,
        });
  if (secure !== undefined) upstream.setNoDelay(true);
  client.pause();
  let connected = false;
  let closed = false;
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), cluster.config.connectTimeoutMs || 2_147_483_647);
  const done = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(connectTimer);
    cluster.connections--;
    endpoint.active--;
    client.destroy();
    upstream.destroy();
  };
  upstream.on(secure === undefined ? 'connect' : 'secureConnect', () => {
    connected = true;
    clearTimeout(connectTimer);
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
      cluster.record(endpoint, LOCAL_ORIGIN_FAILURE);
      if (secure !== undefined) cluster.tlsFailures++;
    }
    done();
  });
  upstream.on('close', done);
  client.on('error', done);
  client.on('close', done);
}
