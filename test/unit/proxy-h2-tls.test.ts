// HTTP/2 over TLS: h2 chosen by ALPN on the inbound mTLS chain, and gRPC
// across two proxies over mTLS (app → proxy A → HTTP/2 over mTLS with ALPN
// h2 → proxy B → HTTP/2 → gRPC server), with the SPIFFE identity checks
// unchanged. Certificates come from a real mesh CA.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { createCa, caConfig, type MeshCa } from '../../operator/ca/authority.ts';
import { TypeUrl } from '../../xds/types.ts';
import type { Exchange, ProxyHandle } from '../../proxy/index.ts';
import { testProxy } from './proxy-helpers.ts';
import { identity, inboundListener, outboundListener, spiffe, staticCluster, TD, upstreamTls, type Identity } from './proxy-tls-helpers.ts';
import { ECHO, h2Options, startEcho, unary, type EchoServer, type M } from './proxy-h2-helpers.ts';

const APP_PORT = 8080;
const B_SERVICE = 'outbound|8080||b.b.svc.cluster.local';
const B_SNI = 'outbound_.8080_._.b.b.svc.cluster.local';

let ca: MeshCa;
let echo: EchoServer;
let b: ProxyHandle;
let bPort: number;
let bId: Identity;
const bFinished: Exchange[] = [];
const cleanup: (() => Promise<void> | void)[] = [];

/** virtualInbound as compiled, its TLS context offering h2 and http/1.1 by ALPN (Istio's inbound contexts do). */
function inboundWithAlpn(): Record<string, unknown> {
  const l = inboundListener(APP_PORT, 'STRICT') as { filter_chains: { transport_socket?: { typed_config: { common_tls_context: Record<string, unknown> } } }[] };
  const chain = l.filter_chains[0];
  assert.ok(chain?.transport_socket !== undefined);
  chain.transport_socket = { ...chain.transport_socket, typed_config: { ...chain.transport_socket.typed_config, common_tls_context: { ...chain.transport_socket.typed_config.common_tls_context, alpn_protocols: ['h2', 'http/1.1'] } } };
  return l;
}

async function proxyWith(id: Identity, clusters: unknown[], listeners: unknown[], onFinished?: (x: Exchange) => void): Promise<ProxyHandle> {
  const p = await testProxy(onFinished !== undefined ? { onFinished } : {});
  cleanup.push(() => p.close());
  const named = (l: unknown[]) => l.map((r) => ({ name: String((r as { name: string }).name), resource: r }));
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, id.secrets), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Cluster, named(clusters)), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Listener, named(listeners)), { ok: true });
  await p.settled();
  return p;
}

before(async () => {
  ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  echo = await startEcho('app-b');
  cleanup.push(() => echo.close());
  bId = await identity(ca, 'b', 'b');
  b = await proxyWith(bId, [{ ...staticCluster(`inbound|${APP_PORT}||`, [echo.port]), ...h2Options() }], [inboundWithAlpn()], (x) => bFinished.push(x));
  bPort = b.port('virtualInbound') ?? 0;
});

after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('h2 over TLS by ALPN: a gRPC client with a mesh certificate speaks HTTP/2 to the inbound mTLS chain', async () => {
  const a = await identity(ca, 'a', 'a');
  const creds = grpc.credentials.createSsl(Buffer.from(a.ca), Buffer.from(a.key), Buffer.from(a.cert), { checkServerIdentity: () => undefined });
  const c = new grpc.Client(`127.0.0.1:${bPort}`, creds, { 'grpc.ssl_target_name_override': 'b.b.svc.cluster.local', 'grpc.default_authority': 'b.b.svc.cluster.local:8080' });
  try {
    bFinished.length = 0;
    const r = await unary(c, 'Unary', { text: 'tls', n: 3 });
    assert.equal(r.err, null, String(r.err?.details));
    assert.deepEqual(r.res, { text: 'app-b:tls', n: 3 });
    const x = bFinished.at(-1);
    assert.equal(x?.downstream.protocol, 'HTTP/2');
    assert.deepEqual(x?.downstream.security, { kind: 'mutual_tls', peerPrincipal: spiffe('a', 'a') });
  } finally {
    c.close();
  }
  // A client offering only http/1.1 still gets HTTP/1.1 on the same chain.
  const answer = await new Promise<string>((resolve) => {
    let out = '';
    const s = tls.connect({ host: '127.0.0.1', port: bPort, ca: a.ca, key: a.key, cert: a.cert, ALPNProtocols: ['http/1.1'], checkServerIdentity: () => undefined }, () => {
      assert.equal(s.alpnProtocol, 'http/1.1');
      s.write('POST /test.Echo/Unary HTTP/1.1\r\nhost: b.b.svc.cluster.local:8080\r\ncontent-type: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
  });
  assert.match(answer, /^HTTP\/1\.1 \d{3}/);
});

test('gRPC across two proxies over mTLS: HTTP/2 upstream with ALPN h2, streams multiplexed on one connection, SPIFFE identity checked', async () => {
  const aId = await identity(ca, 'a', 'a');
  const a = await proxyWith(aId, [{ ...staticCluster(B_SERVICE, [bPort], upstreamTls([spiffe('b', 'b')], B_SNI, ['istio', 'h2'])), ...h2Options() }], [outboundListener('outbound', B_SERVICE)]);
  const aPort = a.port('outbound') ?? 0;
  const c = new grpc.Client(`127.0.0.1:${aPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'b.b.svc.cluster.local:8080' });
  try {
    bFinished.length = 0;
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => unary(c, 'Unary', { text: `m${i}`, n: i })));
    for (const [i, r] of all.entries()) {
      assert.equal(r.err, null, String(r.err?.details));
      assert.equal(r.res?.text, `app-b:m${i}`);
      assert.deepEqual(r.trailers?.get('x-trailer'), [`app-b:m${i}`], 'trailers cross both proxies');
    }
    // Bidi across both proxies.
    const answers = await new Promise<M[]>((resolve, reject) => {
      const out: M[] = [];
      const s = c.makeBidiStreamRequest(ECHO.Bidi.path, ECHO.Bidi.requestSerialize, ECHO.Bidi.responseDeserialize);
      s.on('data', (m: M) => {
        out.push(m);
        if (out.length < 10) s.write({ text: `x${out.length}`, n: out.length });
        else s.end();
      });
      s.on('error', reject);
      s.on('end', () => resolve(out));
      s.write({ text: 'x0', n: 0 });
    });
    assert.equal(answers.length, 10);
    const seen = bFinished.filter((x) => x.downstream.protocol === 'HTTP/2');
    assert.equal(seen.length, 21, 'proxy B took every call as HTTP/2');
    assert.ok(seen.every((x) => x.downstream.security?.kind === 'mutual_tls' && x.downstream.security.peerPrincipal === spiffe('a', 'a')));
    // 21 calls, one TLS handshake at B: the streams shared one HTTP/2 connection.
    const ports = new Set(seen.map((x) => x.downstream.downstreamRemotePort));
    assert.equal(ports.size, 1, `streams came on ${ports.size} connections`);
  } finally {
    c.close();
  }
  // The wrong server identity is still refused (UF → UNAVAILABLE), now on the HTTP/2 path.
  const wrong = await proxyWith(aId, [{ ...staticCluster(B_SERVICE, [bPort], upstreamTls([spiffe('b', 'other')], B_SNI, ['h2'])), ...h2Options() }], [outboundListener('outbound', B_SERVICE)]);
  const c2 = new grpc.Client(`127.0.0.1:${wrong.port('outbound') ?? 0}`, grpc.credentials.createInsecure());
  try {
    const r = await unary(c2, 'Unary', { text: '', n: 0 });
    assert.equal(r.err?.code, grpc.status.UNAVAILABLE);
    assert.match(String(r.err?.details), /server identity refused/);
  } finally {
    c2.close();
  }
});
