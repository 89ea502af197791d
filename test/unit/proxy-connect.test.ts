// HTTP/1.1 CONNECT through the proxy over real sockets, with Envoy's
// semantics: refused (403) unless the connection manager lists CONNECT in
// upgrade_configs, 404 without a connect_matcher route; else terminated: a TCP
// connection to an endpoint of the route's cluster, 200, bytes both ways with
// backpressure and half-close, 503 when the endpoint is down, closed after
// stream_idle_timeout, and counted in onFinished (the access log and metrics
// seam) with its bytes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { ProxyHandle } from '../../proxy/index.ts';
import type { Exchange } from '../../proxy/http/exchange.ts';
import { flagsString } from '../../proxy/index.ts';
import tls from 'node:tls';
import { createCa, caConfig } from '../../operator/ca/authority.ts';
import { TypeUrl } from '../../xds/types.ts';
import { cluster, configure, httpListener, raw, ROUTER, statuses, testProxy } from './proxy-helpers.ts';
import { identity, spiffe, staticCluster, TD, upstreamTls } from './proxy-tls-helpers.ts';

let echo: net.Server;
let echoPort = 0;
let deadPort = 0;
let proxy: ProxyHandle;
let on = 0;
let off = 0;
const finished: Exchange[] = [];

const connectRoute = (clusterName: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  match: { connect_matcher: {} },
  route: { cluster: clusterName, upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }], ...extra },
});

before(async () => {
  // A TCP echo server that also half-closes when the client does (after echoing everything).
  echo = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
    s.on('error', () => {});
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as net.AddressInfo).port;
  const dead = net.createServer();
  dead.listen(0, '127.0.0.1');
  await once(dead, 'listening');
  deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));

  proxy = await testProxy({ onFinished: (x) => finished.push(x) });
  await configure(proxy, {
    clusters: [cluster('echo', [echoPort]), cluster('down', [deadPort]), cluster('one', [echoPort], { circuit_breakers: { thresholds: [{ max_connections: 1 }] } })],
    listeners: [
      httpListener('on', 0, {
        stream_idle_timeout: '0.5s',
        upgrade_configs: [{ upgrade_type: 'CONNECT' }],
        route_config: {
          name: 'r',
          virtual_hosts: [
            { name: 'echo', domains: ['echo.internal:7'], routes: [connectRoute('echo'), { match: { prefix: '/' }, route: { cluster: 'echo' } }] },
            { name: 'down', domains: ['down.internal:7'], routes: [connectRoute('down')] },
            { name: 'one', domains: ['one.internal:7'], routes: [connectRoute('one')] },
            { name: 'no-connect-route', domains: ['plain.internal:7'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo' } }] },
          ],
        },
        http_filters: [ROUTER],
      }),
      httpListener('off', 0, {
        route_config: { name: 'r2', virtual_hosts: [{ name: 'echo', domains: ['*'], routes: [connectRoute('echo')] }] },
        http_filters: [ROUTER],
      }),
    ],
  });
  on = proxy.port('on') ?? assert.fail('listener on is not bound');
  off = proxy.port('off') ?? assert.fail('listener off is not bound');
});

after(async () => {
  await proxy.close();
  echo.close();
});

/** Opens a CONNECT tunnel; resolves with the socket after the proxy's answer head, and that head. */
function connect(port: number, target: string): Promise<{ socket: net.Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      s.pause();
      resolve({ socket: s, head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    s.on('data', onData);
    s.on('error', reject);
    s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

function readAll(s: net.Socket, first: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [first];
  s.on('data', (d: Buffer) => chunks.push(d));
  s.resume();
  return new Promise((resolve) => s.once('end', () => resolve(Buffer.concat(chunks))));
}

test('CONNECT host:port: 200, then the bytes of a TCP echo come back, half-close included, and the tunnel is counted', async () => {
  finished.length = 0;
  const { socket, head, rest } = await connect(on, 'echo.internal:7');
  assert.match(head, /^HTTP\/1\.1 200 OK/);
  assert.doesNotMatch(head, /content-length|transfer-encoding/i, 'a 2xx to CONNECT has no framing');
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const back = readAll(socket, rest);
  // 1 MiB through the tunnel, then our FIN: the echo still answers everything and then closes its side.
  socket.end(payload);
  const got = await back;
  assert.equal(got.length, payload.length);
  assert.ok(got.equals(payload), 'the bytes come back unchanged');
  await once(socket, 'close');
  for (let i = 0; i < 50 && finished.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const x = finished[0];
  assert.ok(x !== undefined, 'the tunnel reaches onFinished when it closes');
  assert.equal(x.status, 200);
  assert.equal(x.clusterName, 'echo');
  assert.equal(x.upstreamHost, `127.0.0.1:${echoPort}`);
  assert.equal(x.bytesReceived, payload.length);
  assert.equal(x.bytesSent, payload.length);
});

test('bytes the client sends right behind the CONNECT head are not lost', async () => {
  const reply = await raw(on, 'CONNECT echo.internal:7 HTTP/1.1\r\nHost: echo.internal:7\r\n\r\nhello, tunnel', 500);
  assert.match(reply, /^HTTP\/1\.1 200 OK\r\n\r\nhello, tunnel$/);
});

test('refused without upgrade_configs CONNECT (403), without a connect_matcher route (404), and for a malformed target (400)', async () => {
  assert.deepEqual(statuses(await raw(off, 'CONNECT echo.internal:7 HTTP/1.1\r\nHost: echo.internal:7\r\n\r\n', 500)), [403]);
  const nr = await raw(on, 'CONNECT plain.internal:7 HTTP/1.1\r\nHost: plain.internal:7\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n', 500);
  assert.deepEqual(statuses(nr), [404], 'the bytes after a refused CONNECT are not parsed as a request');
  assert.match(nr, /connection: close/);
  assert.deepEqual(statuses(await raw(on, 'CONNECT /path HTTP/1.1\r\nHost: x\r\n\r\n', 500)), [400]);
  assert.deepEqual(statuses(await raw(on, 'CONNECT echo.internal HTTP/1.1\r\nHost: x\r\n\r\n', 500)), [400]);
  // An ordinary request on the same virtual host still goes through the prefix route.
  const get = await raw(on, 'GET / HTTP/1.1\r\nHost: plain.internal:7\r\nConnection: close\r\n\r\n', 500);
  assert.match(get, /^HTTP\/1\.1 502 .*upstream protocol error: malformed status line$/s, 'the echo cluster got an ordinary request and echoed it back, which is no HTTP response');
});

test('the endpoint is down: 503 UF', async () => {
  finished.length = 0;
  const reply = await raw(on, 'CONNECT down.internal:7 HTTP/1.1\r\nHost: down.internal:7\r\n\r\n', 1000);
  assert.deepEqual(statuses(reply), [503]);
  assert.match(reply, /upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
  assert.equal(flagsString(finished[0]?.flags ?? 0), 'UF');
});

test("a tunnel holds one of the cluster's connections: max_connections overflows with 503 UO", async () => {
  finished.length = 0;
  const first = await connect(on, 'one.internal:7');
  assert.match(first.head, /^HTTP\/1\.1 200/);
  const reply = await raw(on, 'CONNECT one.internal:7 HTTP/1.1\r\nHost: one.internal:7\r\n\r\n', 500);
  assert.deepEqual(statuses(reply), [503]);
  assert.equal(flagsString(finished[0]?.flags ?? 0), 'UO');
  first.socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const again = await connect(on, 'one.internal:7');
  assert.match(again.head, /^HTTP\/1\.1 200/, 'the connection is released when the tunnel closes');
  again.socket.destroy();
});

test('stream_idle_timeout closes a tunnel with no bytes either way', async () => {
  const { socket } = await connect(on, 'echo.internal:7');
  const t0 = performance.now();
  socket.resume();
  await once(socket, 'end');
  socket.destroy();
  const ms = performance.now() - t0;
  assert.ok(ms >= 400 && ms < 3000, `closed after ${ms.toFixed(0)} ms`);
});

test('a connect_matcher route that would forward CONNECT upstream is refused at config time', async () => {
  const p = await testProxy();
  try {
    const res = p.applyConfig('type.googleapis.com/envoy.config.listener.v3.Listener', [
      {
        name: 'l',
        resource: httpListener('l', 0, {
          upgrade_configs: [{ upgrade_type: 'CONNECT' }],
          route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { connect_matcher: {} }, route: { cluster: 'echo' } }] }] },
          http_filters: [ROUTER],
        }),
      },
    ]);
    assert.equal(res.ok, false);
    if (!res.ok) assert.match(res.error, /routes\[0\]\.route\.upgrade_configs: CONNECT is only terminated here/);
  } finally {
    await p.close();
  }
});

test("a tunnel to a cluster with an UpstreamTlsContext is mTLS, with the cluster's SAN check", async () => {
  const ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const server = await identity(ca, 'b', 'b');
  const client = await identity(ca, 'a', 'a');
  const peers: string[] = [];
  const echoTls = tls.createServer({ key: server.key, cert: server.cert, ca: server.ca, requestCert: true, rejectUnauthorized: true }, (s) => {
    const uri = s.getPeerCertificate().subjectaltname ?? '';
    peers.push(uri);
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
  });
  echoTls.listen(0, '127.0.0.1');
  await once(echoTls, 'listening');
  const tlsPort = (echoTls.address() as net.AddressInfo).port;
  const p = await testProxy();
  try {
    assert.deepEqual(p.applyConfig(TypeUrl.Secret, client.secrets), { ok: true });
    await configure(p, {
      clusters: [
        staticCluster('mtls', [tlsPort], upstreamTls([spiffe('b', 'b')], 'b.example')),
        staticCluster('wrong-san', [tlsPort], upstreamTls([spiffe('c', 'c')], 'b.example')),
      ],
      listeners: [
        httpListener('t', 0, {
          upgrade_configs: [{ upgrade_type: 'CONNECT' }],
          route_config: {
            name: 'r',
            virtual_hosts: [
              { name: 'ok', domains: ['b.internal:7'], routes: [connectRoute('mtls')] },
              { name: 'bad', domains: ['c.internal:7'], routes: [connectRoute('wrong-san')] },
            ],
          },
          http_filters: [ROUTER],
        }),
      ],
    });
    const port = p.port('t') ?? assert.fail('listener t is not bound');
    const ok = await raw(port, 'CONNECT b.internal:7 HTTP/1.1\r\nHost: b.internal:7\r\n\r\nover mTLS', 1000);
    assert.match(ok, /^HTTP\/1\.1 200 OK\r\n\r\nover mTLS$/);
    assert.deepEqual(peers, [`URI:${spiffe('a', 'a')}`], 'the upstream saw the proxy\'s workload certificate');
    const bad = await raw(port, 'CONNECT c.internal:7 HTTP/1.1\r\nHost: c.internal:7\r\n\r\n', 1000);
    assert.deepEqual(statuses(bad), [503]);
    assert.match(bad, /transport failure reason: TLS error: .*matches none of the expected SANs/);
  } finally {
    await p.close();
    echoTls.close();
  }
});
