// The upstream half of a terminated CONNECT: a TCP connection to one endpoint
// of the route's cluster, counted against the cluster's connection circuit
// breaker and its outlier detection like any upstream connection, closed after
// stream_idle_timeout without bytes either way. The exchange answers 200 once
// it is up and hands both sockets to the codec's tunnel (exchange.ts).

import net from 'node:net';
import type { Cluster, Endpoint } from '../upstream/cluster.ts';
import { LOCAL_ORIGIN_FAILURE } from '../upstream/cluster.ts';

export interface TunnelOwner {
  onTunnelConnected(socket: net.Socket): void;
  onTunnelFailed(detail: string, timeout: boolean): void;
  /** The tunnel is gone: bytes from the client to the upstream, and back. */
  onTunnelClosed(toUpstream: number, fromUpstream: number): void;
}

/** Connects to `ep` for a CONNECT tunnel. The caller checked the circuit breakers. */
export function dialTunnel(cluster: Cluster, ep: Endpoint, idleTimeoutMs: number, owner: TunnelOwner): void {
  cluster.connections++;
  ep.active++;
  // Half-close travels through the tunnel: the client's FIN ends only the upstream's writing side.
  const s = net.connect({ host: ep.address, port: ep.port, noDelay: true, allowHalfOpen: true });
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
  s.once('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    if (idleTimeoutMs > 0) s.setTimeout(idleTimeoutMs, () => s.destroy());
    owner.onTunnelConnected(s);
  });
  s.on('error', () => {
    if (!connected && !failed) {
      failed = true;
      clearTimeout(connectTimer);
      cluster.record(ep, LOCAL_ORIGIN_FAILURE);
      owner.onTunnelFailed('connection failure', false);
    }
  });
  s.once('close', () => {
    clearTimeout(connectTimer);
    cluster.connections--;
    ep.active--;
    if (connected) owner.onTunnelClosed(s.bytesWritten, s.bytesRead);
  });
}
