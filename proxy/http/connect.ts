// The upstream half of a terminated CONNECT: a TCP connection to one endpoint
// of the route's cluster, counted against the cluster's connection circuit
// breaker and its outlier detection like any upstream connection (over the
// cluster's mTLS when it has an UpstreamTlsContext), closed after
// stream_idle_timeout without bytes either way. The exchange answers 200 once
// it is up and hands both sockets to the codec's tunnel (exchange.ts).

import type net from 'node:net';
import type { Cluster, Endpoint } from '../upstream/cluster.ts';
import { dialUpstream, offeredAlpn } from '../tls/client.ts';
import { LOCAL_ORIGIN_FAILURE } from '../upstream/cluster.ts';

export interface TunnelOwner {
  onTunnelConnected(socket: net.Socket): void;
  onTunnelFailed(detail: string, timeout: boolean): void;
  /** The tunnel is gone: bytes from the client to the upstream, and back. */
  onTunnelClosed(toUpstream: number, fromUpstream: number): void;
}

/** Connects to `ep` for a CONNECT tunnel. The caller checked the circuit breakers. */
export function dialTunnel(cluster: Cluster, ep: Endpoint, idleTimeoutMs: number, owner: TunnelOwner): void {
  const t = cluster.transportTls();
  if (t !== undefined && !t.ok) {
    // No certificate yet (or no bundle): fail fast, as a pooled connection would.
    cluster.tlsFailures++;
    queueMicrotask(() => owner.onTunnelFailed(`connection failure, transport failure reason: TLS error: ${t.reason}`, false));
    return;
  }
  cluster.connections++;
  ep.active++;
  // Half-close travels through the tunnel: the client's FIN ends only the upstream's writing side.
  const s =
    t === undefined
      ? dialUpstream(ep.address, ep.port, undefined, { allowHalfOpen: true })
      : dialUpstream(ep.address, ep.port, t.options, { alpn: offeredAlpn(t.options.alpn, false).filter((a) => a !== 'http/1.1') });
  let connected = false;
  let failed = false;
  const connectTimer = setTimeout(() => {
    if (!connected && !failed) {
      failed = true;
      cluster.record(ep, LOCAL_ORIGIN_FAILURE);
      owner.onTunnelFailed('connection timeout', true);
      s.destroy();
    }
  }, cluster.config.connectTimeoutMs > 0 ? cluster.config.connectTimeoutMs : 2_147_483_647);
  s.once(t === undefined ? 'connect' : 'secureConnect', () => {
    connected = true;
    clearTimeout(connectTimer);
    if (idleTimeoutMs > 0) s.setTimeout(idleTimeoutMs, () => s.destroy());
    owner.onTunnelConnected(s);
  });
  s.on('error', (err: Error) => {
    if (!connected && !failed) {
      failed = true;
      clearTimeout(connectTimer);
      cluster.record(ep, LOCAL_ORIGIN_FAILURE);
      if (t !== undefined) cluster.tlsFailures++;
      owner.onTunnelFailed(t === undefined ? 'connection failure' : `connection failure, transport failure reason: TLS error: ${err.message}`, false);
    }
  });
  s.once('close', () => {
    clearTimeout(connectTimer);
    cluster.connections--;
    ep.active--;
    if (connected) owner.onTunnelClosed(s.bytesWritten, s.bytesRead);
  });
}
