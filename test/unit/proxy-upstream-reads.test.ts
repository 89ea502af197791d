// Upstream connections, plain TCP and mTLS, read into per-connection slabs
// (net's onread, proxy/http1/client.ts) rather than through the socket's
// Readable. What must hold, over both: bytes handed on are never overwritten
// by later reads (a slow client keeps chunks queued while the upstream keeps
// sending), many keep-alive responses in a row stay intact, and a 101 tunnel
// (which cannot be piped from such a socket) carries data both ways with
// backpressure and its end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createCa, caConfig } from '../../operator/ca/authority.ts';
import { TypeUrl } from '../../xds/types.ts';
import { ROUTER, cluster, configure, httpListener, rdsHcm, routeConfig, sleep, testProxy, vhost } from './proxy-helpers.ts';
import { identity, spiffe, TD, upstreamTls, type Identity } from './proxy-tls-helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** The proxy's identity (a/a) and the upstream's (b/b), from one mesh CA. */
let client: Identity;
let server: Identity;
before(async () => {
  const ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  client = await identity(ca, 'a', 'a');
  server = await identity(ca, 'b', 'b');
});

interface Transport {
  readonly name: string;
  /** An HTTP/1.1 server of this transport (mTLS: b/b's certificate, a client certificate required). */
  http(handler?: http.RequestListener): http.Server;
  /** Whether the cluster originates mTLS (a/a's certificate, expecting b/b). */
  readonly tls: boolean;
}

const tlsOptions = (): tls.TlsOptions => ({ key: server.key, cert: server.cert, ca: server.ca, requestCert: true, rejectUnauthorized: true });
const TRANSPORTS: readonly Transport[] = [
  { name: 'plain TCP', tls: false, http: (h) => http.createServer(h) },
  { name: 'mTLS', tls: true, http: (h) => https.createServer(tlsOptions(), h) },
];

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

async function proxyTo(t: Transport, upstreamPort: number): Promise<number> {
  const p = await testProxy();
  cleanup.push(() => p.close());
  if (t.tls) assert.deepEqual(p.applyConfig(TypeUrl.Secret, client.secrets), { ok: true });
  await configure(p, {
    clusters: [t.tls ? { ...cluster('c', [upstreamPort]), transport_socket: upstreamTls([spiffe('b', 'b')], 'b.b.svc.cluster.local') } : cluster('c', [upstreamPort])],
    listeners: [httpListener('l', 0, rdsHcm('r', [ROUTER]))],
    routes: [routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'c', timeout: '0s' } }])])],
  });
  return p.port('l') ?? 0;
}

/** Deterministic bytes, different for every seed: a reused buffer would show as a wrong hash. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const t of TRANSPORTS) {
  test(`${t.name}: a large body to a client that reads slowly arrives intact (chunks are not overwritten by later reads)`, async () => {
    const body = pattern(24 * 1024 * 1024 + 17, 7);
    const upstream = t.http((_q, res) => {
      res.writeHead(200, { 'content-length': body.length });
      // Many small writes: many upstream reads, each into the slab.
      for (let i = 0; i < body.length; i += 1000) res.write(body.subarray(i, Math.min(i + 1000, body.length)));
      res.end();
    });
    const port = await proxyTo(t, await listen(upstream));
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    const got: Buffer[] = [];
    let n = 0;
    s.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      // Stop reading at first for long enough that the kernel's buffers fill and
      // the proxy queues chunks it has read (a chunk overwritten by a later read
      // would arrive changed), then stall now and then.
      if (got.length === 1) {
        s.pause();
        setTimeout(() => s.resume(), 1500);
      } else if (got.length % 20 === 0) {
        s.pause();
        setTimeout(() => s.resume(), 5);
      }
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const all = Buffer.concat(got);
      const he = all.indexOf('\r\n\r\n');
      if (he >= 0 && all.length - he - 4 >= body.length) break;
      await sleep(20);
    }
    s.destroy();
    const all = Buffer.concat(got);
    const he = all.indexOf('\r\n\r\n');
    assert.ok(he > 0, 'a response head');
    assert.match(all.subarray(0, he).toString('latin1'), /^HTTP\/1\.1 200/);
    const received = all.subarray(he + 4);
    assert.equal(received.length, body.length, `received ${received.length} of ${body.length} bytes (${n} read)`);
    assert.equal(sha(received), sha(body));
  });

  test(`${t.name}: many keep-alive responses of varied sizes on one upstream connection stay intact`, async () => {
    let connections = 0;
    const upstream = t.http((q, res) => {
      const i = Number(q.url?.slice(1) ?? '0');
      const b = pattern(1 + ((i * 7919) % 40_000), i);
      res.writeHead(200, { 'content-length': b.length, 'x-sha': sha(b) });
      res.end(b);
    });
    upstream.on(t.tls ? 'secureConnection' : 'connection', () => connections++);
    const port = await proxyTo(t, await listen(upstream));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(async () => agent.destroy());
    for (let i = 0; i < 120; i++) {
      const r = await new Promise<{ hash: string; want: string }>((resolve, reject) => {
        http
          .get({ port, host: '127.0.0.1', path: `/${i}`, agent }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d));
            res.on('end', () => resolve({ hash: sha(Buffer.concat(parts)), want: String(res.headers['x-sha']) }));
          })
          .on('error', reject);
      });
      assert.equal(r.hash, r.want, `response ${i}`);
    }
    assert.equal(connections, 1, 'one pooled upstream connection carried them all');
  });

  test(`${t.name}: a 101 tunnel from an upstream read through onread: both ways, backpressure, and its end`, async () => {
    const big = pattern(2 * 1024 * 1024, 3);
    const ws = t.http((_q, s) => s.end());
    ws.on('upgrade', (_req, socket: net.Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.once('data', () => {
        // The client spoke: answer with 2 MiB, then close our side.
        socket.end(big);
      });
    });
    const port = await proxyTo(t, await listen(ws));
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write('GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      got.push(d);
      if (got.length % 10 === 0) {
        s.pause();
        setTimeout(() => s.resume(), 5);
      }
    });
    await sleep(200);
    s.write('go');
    await Promise.race([once(s, 'end'), sleep(20_000)]);
    const all = Buffer.concat(got);
    const he = all.indexOf('\r\n\r\n');
    assert.match(all.subarray(0, he).toString('latin1'), /^HTTP\/1\.1 101/);
    const data = all.subarray(he + 4);
    assert.equal(data.length, big.length);
    assert.equal(sha(data), sha(big), 'the tunnel delivered the bytes in order, unchanged');
    assert.equal(s.readableEnded, true, "the upstream's end reached the client");
    s.destroy();
  });

  test(`${t.name}: a large request body to an upstream that reads slowly arrives intact (downstream reads pause and resume)`, async () => {
    const body = pattern(16 * 1024 * 1024 + 5, 11);
    let got = '';
    const upstream = t.http((q, res) => {
      const h = createHash('sha256');
      let first = true;
      q.on('data', (d: Buffer) => {
        h.update(d);
        if (first) {
          // Stall so the proxy's upstream queue fills and it stops reading the client.
          first = false;
          q.pause();
          setTimeout(() => q.resume(), 1000);
        }
      });
      q.on('end', () => {
        got = h.digest('hex');
        res.end('ok');
      });
    });
    const port = await proxyTo(t, await listen(upstream));
    const status = await new Promise<number>((resolve, reject) => {
      const r = http.request({ port, host: '127.0.0.1', method: 'PUT', path: '/up', headers: { 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', reject);
      for (let i = 0; i < body.length; i += 64 * 1024) r.write(body.subarray(i, Math.min(i + 64 * 1024, body.length)));
      r.end();
    });
    assert.equal(status, 200);
    assert.equal(got, sha(body));
  });
}
