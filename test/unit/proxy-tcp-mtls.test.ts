// Plain TCP between proxies as the compiler lays it out for a TCP Service:
// app → proxy A (tcp_proxy to an mTLS cluster) → mTLS → proxy B (a TLS
// filter chain: network RBAC on the peer's SPIFFE ID, then tcp_proxy to the
// app). Real sockets, real certificates from a mesh CA.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createCa, caConfig, type MeshCa } from '../../operator/ca/authority.ts';
import { TypeUrl } from '../../xds/types.ts';
import type { ProxyHandle } from '../../proxy/index.ts';
import { testProxy } from './proxy-helpers.ts';
import { downstreamTls, identity, spiffe, staticCluster, TD, upstreamTls, type Identity } from './proxy-tls-helpers.ts';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const DB_CLUSTER = 'outbound|5432||db.b.svc.cluster.local';
const DB_SNI = 'outbound_.5432_._.db.b.svc.cluster.local';

let ca: MeshCa;
let echo: net.Server;
let echoPort = 0;
let echoConnections = 0;
const cleanup: (() => Promise<void> | void)[] = [];

before(async () => {
  ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  echo = net.createServer((s) => {
    echoConnections++;
    s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
    s.on('error', () => {});
  });
  echo.listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  echoPort = (echo.address() as net.AddressInfo).port;
  cleanup.push(() => new Promise<void>((r) => echo.close(() => r())));
});

after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function proxy(id: Identity, clusters: unknown[], listeners: unknown[]): Promise<ProxyHandle> {
  const p = await testProxy();
  cleanup.push(() => p.close());
  const named = (l: unknown[]) => l.map((r) => ({ name: String((r as { name: string }).name), resource: r }));
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, id.secrets), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Cluster, named(clusters)), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Listener, named(listeners)), { ok: true });
  await p.settled();
  return p;
}

const tcpProxy = (cluster: string) => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: cluster, cluster } });

/** B: mTLS only; network RBAC admits principal a/a; tcp_proxy to the app. */
async function inboundB(): Promise<{ p: ProxyHandle; port: number }> {
  const rbac = {
    name: 'envoy.filters.network.rbac',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
      stat_prefix: 'tcp.',
      rules: { action: 'ALLOW', policies: { 'ns[b]-policy[db-from-a]-rule[0]': { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: spiffe('a', 'a') } } }] } } },
    },
  };
  const listener = {
    name: 'virtualInbound',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
    filter_chains: [{ name: 'inbound|5432|mtls', filter_chain_match: { transport_protocol: 'tls' }, transport_socket: downstreamTls, filters: [rbac, tcpProxy('inbound|5432||')] }],
  };
  const p = await proxy(await identity(ca, 'b', 'db'), [staticCluster('inbound|5432||', [echoPort])], [listener]);
  return { p, port: p.port('virtualInbound') ?? 0 };
}

/** An app-side proxy for ns/sa: a TCP listener whose tcp_proxy dials B with mTLS, expecting B's identity. */
async function outboundFor(ns: string, sa: string, bPort: number, sans = [spiffe('b', 'db')]): Promise<{ port: number; p: ProxyHandle }> {
  const listener = { name: 'db', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [tcpProxy(DB_CLUSTER)] }] };
  const p = await proxy(await identity(ca, ns, sa), [staticCluster(DB_CLUSTER, [bPort], upstreamTls(sans, DB_SNI))], [listener]);
  return { port: p.port('db') ?? 0, p };
}

/** Connects, sends `bytes`, and returns what came back before the connection closed or went quiet. */
function exchange(port: number, bytes: string, quietMs = 400): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    let closed = false;
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      resolve({ got, closed });
    });
    setTimeout(() => {
      s.destroy();
      resolve({ got, closed });
    }, quietMs).unref();
  });
}

test('TCP through A → mTLS → B: the bytes reach the app and come back, over a handshake B counts', async () => {
  const b = await inboundB();
  const a = await outboundFor('a', 'a', b.port);
  const r = await exchange(a.port, '\x00\x01binary handshake');
  assert.equal(r.got, 'echo:\x00\x01binary handshake');
  assert.ok((b.p.core.listeners.get('virtualInbound')?.tlsHandshakes ?? 0) >= 1, 'B terminated TLS');
});

test("B's network RBAC sees the caller's SPIFFE ID: c/c is cut off before the app", async () => {
  const b = await inboundB();
  const c = await outboundFor('c', 'c', b.port);
  const before = echoConnections;
  const r = await exchange(c.port, 'select 1');
  assert.equal(r.got, '');
  assert.equal(echoConnections, before, 'the app never saw the connection');
  assert.equal(c.p.core.clusters.get(DB_CLUSTER)?.tlsFailures, 0, 'the handshake itself succeeded: RBAC refused it');
});

test('a server with the wrong identity is refused by A; plaintext straight to B is refused by B', async () => {
  const b = await inboundB();
  const a = await outboundFor('a', 'a', b.port, [spiffe('b', 'someone-else')]);
  const before = echoConnections;
  assert.equal((await exchange(a.port, 'hello')).got, '');
  assert.equal(a.p.core.clusters.get(DB_CLUSTER)?.tlsFailures, 1, 'A refused the server identity');
  assert.equal((await exchange(b.port, 'plain hello')).got, '');
  assert.equal(echoConnections, before);
});

test('WebSocket between proxies: the Upgrade crosses the mTLS hop and the tunnel carries bytes both ways', async () => {
  const http = await import('node:http');
  const { inboundListener, outboundListener } = await import('./proxy-tls-helpers.ts');
  const ws = http.createServer((_q, s) => s.end());
  let appSide: net.Socket | undefined;
  ws.on('upgrade', (req, socket: net.Socket, head: Buffer) => {
    appSide = socket;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.on('data', (d: Buffer) => socket.write(Buffer.from(d.toString().toUpperCase())));
    socket.on('error', () => {});
    // As a WebSocket server does: the peer's FIN ends our side too (http.Server's sockets allow half-open).
    socket.on('end', () => socket.end());
  });
  ws.listen(0, '127.0.0.1');
  await new Promise((r) => ws.once('listening', r));
  cleanup.push(() => {
    ws.closeAllConnections();
    return new Promise<void>((r) => ws.close(() => r()));
  });
  const wsPort = (ws.address() as net.AddressInfo).port;
  const svc = 'outbound|8080||chat.b.svc.cluster.local';
  const b = await proxy(await identity(ca, 'b', 'chat'), [staticCluster('inbound|8080||', [wsPort])], [inboundListener(8080, 'STRICT')]);
  const a = await proxy(await identity(ca, 'a', 'a'), [staticCluster(svc, [b.port('virtualInbound') ?? 0], upstreamTls([spiffe('b', 'chat')], 'outbound_.8080_._.chat.b.svc.cluster.local'))], [outboundListener('outbound', svc)]);
  const s = net.connect(a.port('outbound') ?? 0, '127.0.0.1');
  s.on('error', () => {});
  cleanup.push(() => void s.destroy());
  await new Promise((r) => s.once('connect', r));
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  s.write('GET /chat HTTP/1.1\r\nHost: chat.b.svc.cluster.local:8080\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
  for (let i = 0; i < 40 && !/\r\n\r\n/.test(text); i++) await new Promise((r) => setTimeout(r, 25));
  assert.match(text, /^HTTP\/1\.1 101/);
  assert.match(text, /x-path: \/chat/i);
  s.write('hello over mtls');
  for (let i = 0; i < 40 && !text.endsWith('HELLO OVER MTLS'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(text.endsWith('HELLO OVER MTLS'), JSON.stringify(text));
  assert.ok((b.core.listeners.get('virtualInbound')?.tlsHandshakes ?? 0) >= 1, 'the hop was TLS');
  // The client hangs up: the close travels through both proxies to the app.
  const appClosed = new Promise<boolean>((resolve) => {
    if (appSide === undefined || appSide.destroyed) return resolve(true);
    appSide.once('end', () => resolve(true));
    setTimeout(() => resolve(false), 2000).unref();
  });
  s.destroy();
  assert.equal(await appClosed, true, "the client's hang-up reached the app through both proxies");
});
