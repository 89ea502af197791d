// mTLS between proxies over real sockets with certificates from a real mesh
// CA: app → proxy A (outbound, plaintext from the app) → mTLS → proxy B
// (virtualInbound as compiled) → app B. The peer's SPIFFE ID reaches RBAC;
// STRICT refuses plaintext; foreign, expired and wrong-identity certificates
// are refused on the side that checks them; PERMISSIVE takes both on one
// port; certificates rotate under load without a failed request.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { createCa, caConfig, HOUR_MS, type MeshCa } from '../../operator/ca/authority.ts';
import { TypeUrl } from '../../xds/types.ts';
import { flagsString, type Exchange, type ProxyHandle } from '../../proxy/index.ts';
import { request, sleep, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';
import { allowPrincipals, identity, inboundListener, outboundListener, spiffe, staticCluster, TD, upstreamTls, type Identity } from './proxy-tls-helpers.ts';

const APP_PORT = 8080;
const B_SERVICE = 'outbound|8080||b.b.svc.cluster.local';
const B_SNI = 'outbound_.8080_._.b.b.svc.cluster.local';

let ca: MeshCa;
let foreignCa: MeshCa;
let appB: Upstream;
const cleanup: (() => Promise<void> | void)[] = [];

before(async () => {
  ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  foreignCa = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  appB = await startUpstream('app-b', undefined, true);
  cleanup.push(() => appB.close());
});

after(async () => {
  for (const c of cleanup.reverse()) await c();
});

interface Logged {
  readonly events: Readonly<Record<string, unknown>>[];
  readonly finished: Exchange[];
}

async function proxy(id: Identity | undefined, resources: { clusters: unknown[]; listeners: unknown[] }, logged?: Logged): Promise<ProxyHandle> {
  const p = await testProxy({
    ...(logged !== undefined ? { log: (e) => logged.events.push(e), onFinished: (x) => logged.finished.push(x) } : {}),
  });
  cleanup.push(() => p.close());
  if (id !== undefined) assert.deepEqual(p.applyConfig(TypeUrl.Secret, id.secrets), { ok: true });
  const named = (l: unknown[]) => l.map((r) => ({ name: String((r as { name: string }).name), resource: r }));
  assert.deepEqual(p.applyConfig(TypeUrl.Cluster, named(resources.clusters)), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Listener, named(resources.listeners)), { ok: true });
  await p.settled();
  return p;
}

/** Proxy B: the inbound side of workload b/b, its app behind `inbound|8080||`. */
async function inbound(mode: 'STRICT' | 'PERMISSIVE', filters: unknown[] = [], logged?: Logged): Promise<{ p: ProxyHandle; port: number; id: Identity }> {
  const id = await identity(ca, 'b', 'b');
  const p = await proxy(id, { clusters: [staticCluster(`inbound|${APP_PORT}||`, [appB.port])], listeners: [inboundListener(APP_PORT, mode, filters)] }, logged);
  return { p, port: p.port('virtualInbound') ?? 0, id };
}

/** A client-side proxy for ns/sa whose outbound cluster dials `port` with mTLS, expecting `sans`. */
async function outbound(id: Identity | undefined, port: number, sans: readonly string[] = [spiffe('b', 'b')], logged?: Logged): Promise<{ p: ProxyHandle; port: number }> {
  const p = await proxy(id, { clusters: [staticCluster(B_SERVICE, [port], upstreamTls(sans, B_SNI))], listeners: [outboundListener('outbound', B_SERVICE)] }, logged);
  return { p, port: p.port('outbound') ?? 0 };
}

const get = (port: number, path = '/') => request(port, { host: 'b.b.svc.cluster.local:8080', path, agent: false });

/** A raw TLS client to a port: resolves with what the server answered, or the way it refused. */
function tlsClient(port: number, opts: tls.ConnectionOptions): Promise<{ secure: boolean; answer: string; error?: string; serverSerial?: string }> {
  return new Promise((resolve) => {
    let secure = false;
    let serverSerial: string | undefined;
    let answer = '';
    const s = tls.connect({ host: '127.0.0.1', port, checkServerIdentity: () => undefined, ...opts }, () => {
      secure = true;
      serverSerial = s.getPeerX509Certificate()?.serialNumber;
      s.write('GET / HTTP/1.1\r\nhost: b\r\nconnection: close\r\n\r\n');
    });
    s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    s.on('error', (e) => resolve({ secure, answer, error: e.message, ...(serverSerial !== undefined ? { serverSerial } : {}) }));
    s.on('close', () => resolve({ secure, answer, ...(serverSerial !== undefined ? { serverSerial } : {}) }));
    s.setTimeout(3000, () => s.destroy());
  });
}

test('A → mTLS → B: the request reaches app B, and B’s RBAC sees principal cluster.local/ns/a/sa/a (C is denied 403)', async () => {
  const loggedB: Logged = { events: [], finished: [] };
  const b = await inbound('STRICT', [allowPrincipals([spiffe('a', 'a')])], loggedB);
  const a = await outbound(await identity(ca, 'a', 'a'), b.port);
  const c = await outbound(await identity(ca, 'c', 'c'), b.port);
  const before = appB.requests;
  for (let i = 0; i < 5; i++) {
    const r = await get(a.port, `/from-a/${i}`);
    assert.equal(r.status, 200, r.body);
    assert.equal((JSON.parse(r.body) as { url: string }).url, `/from-a/${i}`);
  }
  assert.equal(appB.requests - before, 5, 'app B saw every request');
  // A's pool kept the mTLS connection: five requests, one handshake on B.
  const listenerB = b.p.core.listeners.get('virtualInbound');
  assert.equal(listenerB?.tlsHandshakes, 1);
  const denied = await get(c.port, '/from-c');
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'RBAC: access denied');
  assert.equal(appB.requests - before, 5, 'the denied request never reached app B');
  const last = loggedB.finished.at(-1);
  assert.equal(last !== undefined ? flagsString(last.flags) : '', 'RBAC');
  assert.deepEqual(last?.downstream.peer?.uriSans, [spiffe('c', 'c')]);
  assert.deepEqual(last?.downstream.security, { kind: 'mutual_tls', peerPrincipal: spiffe('c', 'c') });
  assert.equal(last?.downstream.sni, B_SNI);
});

test('STRICT: plaintext to the inbound port is closed and counted', async () => {
  const logged: Logged = { events: [], finished: [] };
  const b = await inbound('STRICT', [], logged);
  const before = appB.requests;
  await assert.rejects(get(b.port), /socket hang up|ECONNRESET/);
  // Not HTTP either: same.
  const closed = await new Promise<string>((resolve) => {
    const s = net.connect(b.port, '127.0.0.1', () => s.write('\x00\x01binary'));
    let got = '';
    s.on('data', (d) => (got += String(d)));
    s.on('error', () => {});
    s.on('close', () => resolve(got));
  });
  assert.equal(closed, '');
  assert.equal(appB.requests, before);
  assert.equal(b.p.core.listeners.get('virtualInbound')?.plaintextRefused, 2);
  assert.ok(logged.events.some((e) => e['msg'] === 'plaintext connection refused: this port requires mTLS'));
});

test('a client certificate from another CA, an expired one, and none at all are refused by the inbound side', async () => {
  const logged: Logged = { events: [], finished: [] };
  const b = await inbound('STRICT', [], logged);
  const listener = b.p.core.listeners.get('virtualInbound');
  const good = await identity(ca, 'a', 'a');
  const ok = await tlsClient(b.port, { key: good.key, cert: good.cert, ca: good.ca });
  assert.match(ok.answer, /^HTTP\/1\.1 200/, JSON.stringify(ok));
  assert.equal(ok.serverSerial?.toLowerCase(), b.id.serial.toLowerCase(), 'B serves its own certificate');

  const foreign = await identity(foreignCa, 'a', 'a', { bundle: good.ca });
  const f = await tlsClient(b.port, { key: foreign.key, cert: foreign.cert, ca: good.ca });
  assert.equal(f.answer, '', 'nothing answered to a foreign certificate');
  const expired = await identity(ca, 'a', 'a', { now: new Date(Date.now() - 3 * HOUR_MS), lifetimeMs: HOUR_MS });
  const e = await tlsClient(b.port, { key: expired.key, cert: expired.cert, ca: good.ca });
  assert.equal(e.answer, '', 'nothing answered to an expired certificate');
  const none = await tlsClient(b.port, { ca: good.ca });
  assert.equal(none.answer, '', 'nothing answered without a certificate');
  assert.equal(listener?.tlsRefused, 3);
  const reasons = logged.events.filter((x) => x['msg'] === 'TLS connection refused').map((x) => String(x['reason']));
  assert.equal(reasons.length, 3);
  assert.match(reasons[0] ?? '', /not verified: .*(UNABLE_TO_GET_ISSUER_CERT|unable to get|issuer)/i);
  assert.match(reasons[1] ?? '', /not verified: .*(CERT_HAS_EXPIRED|expired)/i);
  assert.match(reasons[2] ?? '', /presented no certificate/);

  // Through a proxy with the expired certificate: refused too (B closes the connection, A answers 503).
  const a = await outbound(expired, b.port);
  const r = await get(a.port);
  assert.equal(r.status, 503);
  assert.equal(listener?.tlsRefused, 4);
});

test('a server whose SPIFFE ID is not in the cluster’s SAN list is refused by the client: 503, flag UF, the reason logged', async () => {
  const b = await inbound('STRICT');
  const logged: Logged = { events: [], finished: [] };
  const a = await outbound(await identity(ca, 'a', 'a'), b.port, [spiffe('b', 'payments')], logged);
  const before = appB.requests;
  const r = await get(a.port);
  assert.equal(r.status, 503);
  assert.match(r.body, /transport failure reason: TLS error: server identity refused: the peer's certificate \(URI:spiffe:\/\/cluster\.local\/ns\/b\/sa\/b\) matches none of the expected SANs \(URI exact spiffe:\/\/cluster\.local\/ns\/b\/sa\/payments\)/);
  assert.equal(flagsString((logged.finished.at(-1) as Exchange).flags), 'UF');
  assert.equal(a.p.core.clusters.get(B_SERVICE)?.tlsFailures, 1);
  const log = logged.events.find((e) => e['msg'] === 'upstream TLS handshake failed');
  assert.match(String(log?.['reason']), /server identity refused/);
  assert.equal(appB.requests, before, 'nothing reached app B');
  // A server from another CA: also UF (the chain does not verify).
  const foreignB = await testProxy();
  cleanup.push(() => foreignB.close());
  foreignB.applyConfig(TypeUrl.Secret, (await identity(foreignCa, 'b', 'b')).secrets);
  foreignB.applyConfig(TypeUrl.Cluster, [{ name: `inbound|${APP_PORT}||`, resource: staticCluster(`inbound|${APP_PORT}||`, [appB.port]) }]);
  foreignB.applyConfig(TypeUrl.Listener, [{ name: 'virtualInbound', resource: inboundListener(APP_PORT, 'STRICT') }]);
  await foreignB.settled();
  const a2 = await outbound(await identity(ca, 'a', 'a'), foreignB.port('virtualInbound') ?? 0, [spiffe('b', 'b')], logged);
  const r2 = await get(a2.port);
  assert.equal(r2.status, 503);
  assert.match(r2.body, /TLS error: .*(self.signed|unable to verify|issuer|certificate)/i);
});

test('no certificate yet: an mTLS cluster fails fast with UF naming the missing Secret, and works once the Secret arrives', async () => {
  const b = await inbound('STRICT');
  const logged: Logged = { events: [], finished: [] };
  const a = await outbound(undefined, b.port, [spiffe('b', 'b')], logged);
  const t0 = Date.now();
  const r = await get(a.port);
  assert.equal(r.status, 503);
  assert.ok(Date.now() - t0 < 500, 'failed fast');
  assert.match(r.body, /the certificate Secret "default" has not arrived/);
  assert.equal(flagsString((logged.finished.at(-1) as Exchange).flags), 'UF');
  assert.deepEqual(a.p.applyConfig(TypeUrl.Secret, (await identity(ca, 'a', 'a')).secrets), { ok: true });
  assert.equal((await get(a.port)).status, 200);
});

test('PERMISSIVE: one port takes plaintext and mTLS, told apart by the first bytes', async () => {
  const logged: Logged = { events: [], finished: [] };
  const b = await inbound('PERMISSIVE', [], logged);
  const a = await outbound(await identity(ca, 'a', 'a'), b.port);
  const listener = b.p.core.listeners.get('virtualInbound');
  const plain = await get(b.port, '/plain');
  assert.equal(plain.status, 200);
  assert.equal(logged.finished.at(-1)?.downstream.peer, null, 'plaintext: no peer');
  assert.equal(logged.finished.at(-1)?.downstream.security, undefined);
  assert.equal(listener?.tlsHandshakes, 0);
  const viaMtls = await get(a.port, '/mtls');
  assert.equal(viaMtls.status, 200);
  assert.deepEqual(logged.finished.at(-1)?.downstream.peer?.uriSans, [spiffe('a', 'a')]);
  assert.equal(listener?.tlsHandshakes, 1);
  assert.equal(listener?.plaintextRefused, 0);
});

test('with the original destination known (conntrack), the transport and the port pick the chain without reading the authority', async () => {
  const id = await identity(ca, 'b', 'b');
  const b = await testProxy({ originalDst: () => ({ address: '127.0.0.1', port: APP_PORT }) });
  cleanup.push(() => b.close());
  b.applyConfig(TypeUrl.Secret, id.secrets);
  b.applyConfig(TypeUrl.Cluster, [{ name: `inbound|${APP_PORT}||`, resource: staticCluster(`inbound|${APP_PORT}||`, [appB.port]) }]);
  assert.deepEqual(b.applyConfig(TypeUrl.Listener, [{ name: 'virtualInbound', resource: inboundListener(APP_PORT, 'STRICT', [allowPrincipals([spiffe('a', 'a')])]) }]), { ok: true });
  await b.settled();
  const port = b.port('virtualInbound') ?? 0;
  const a = await outbound(await identity(ca, 'a', 'a'), port);
  // Any Host: the destination comes from the connection, not the request.
  const r = await request(a.port, { host: 'whatever.example', path: '/by-original-dst', agent: false });
  assert.equal(r.status, 200, r.body);
  await assert.rejects(request(port, { host: 'b.b.svc.cluster.local:8080', agent: false }), /socket hang up|ECONNRESET/);
  assert.equal(b.core.listeners.get('virtualInbound')?.plaintextRefused, 1);
});

test('certificate rotation under load: both sides renew several times during a request loop, zero requests fail', async () => {
  const b = await inbound('STRICT', [allowPrincipals([spiffe('a', 'a')])]);
  const a = await outbound(await identity(ca, 'a', 'a'), b.port);
  const listener = b.p.core.listeners.get('virtualInbound');
  const cluster = a.p.core.clusters.get(B_SERVICE);
  let failures = 0;
  let done = 0;
  let stop = false;
  const serversSeen = new Set<string>();
  const workers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const r = await get(a.port, '/loop');
      if (r.status !== 200) failures++;
      done++;
    }
  });
  const rotations = 4;
  for (let i = 0; i < rotations; i++) {
    await sleep(60);
    const [na, nb] = await Promise.all([identity(ca, 'a', 'a'), identity(ca, 'b', 'b')]);
    assert.deepEqual(a.p.applyConfig(TypeUrl.Secret, na.secrets.slice(0, 1)), { ok: true });
    assert.deepEqual(b.p.applyConfig(TypeUrl.Secret, nb.secrets.slice(0, 1)), { ok: true });
    // Pooled connections stay on the old certificates (as in Envoy); close the idle ones so new handshakes happen under load.
    cluster?.closeIdle();
    const probe = await tlsClient(b.port, { key: na.key, cert: na.cert, ca: na.ca });
    assert.equal(probe.serverSerial?.toLowerCase(), nb.serial.toLowerCase(), `rotation ${i}: B serves the new certificate`);
    serversSeen.add(probe.serverSerial ?? '');
  }
  await sleep(60);
  stop = true;
  await Promise.all(workers);
  assert.equal(failures, 0, `${failures} of ${done} failed`);
  assert.ok(done > 20, `only ${done} requests`);
  assert.equal(serversSeen.size, rotations);
  assert.ok((listener?.tlsHandshakes ?? 0) > rotations, `handshakes: ${listener?.tlsHandshakes}`);
  assert.equal(listener?.tlsRefused, 0);
});

test('Secrets are checked when applied: a key that is not the certificate’s, a file reference, garbage PEM are refused with the field', async () => {
  const p = await testProxy();
  cleanup.push(() => p.close());
  const x = await identity(ca, 'a', 'a');
  const y = await identity(ca, 'a', 'a');
  const mismatch = p.applyConfig(TypeUrl.Secret, [{ name: 'default', resource: { name: 'default', tls_certificate: { certificate_chain: { inline_string: x.cert }, private_key: { inline_string: y.key } } } }]);
  assert.match(mismatch.ok ? '' : mismatch.error, /Secret "default": tls_certificate\.private_key: does not belong to the first certificate/);
  const file = p.applyConfig(TypeUrl.Secret, [{ name: 'ROOTCA', resource: { name: 'ROOTCA', validation_context: { trusted_ca: { filename: '/etc/ca.pem' } } } }]);
  assert.match(file.ok ? '' : file.error, /Secret "ROOTCA": validation_context\.trusted_ca\.filename: certificate files are not read/);
  const garbage = p.applyConfig(TypeUrl.Secret, [{ name: 'ROOTCA', resource: { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: 'not a certificate' } } } }]);
  assert.match(garbage.ok ? '' : garbage.error, /trusted_ca: no PEM certificate found/);
  assert.equal(p.core.secretsState.entries.size, 0, 'nothing applied');
  // The identity agent withdraws `default` at expiry: removal by name, ROOTCA stays.
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, x.secrets), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, [], ['default']), { ok: true });
  assert.deepEqual([...p.core.secretsState.entries.keys()], ['ROOTCA']);
  // A list without removals never drops the other source's Secrets (ADS sends ROOTCA only).
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, x.secrets.slice(0, 1)), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, x.secrets.slice(1)), { ok: true });
  assert.deepEqual([...p.core.secretsState.entries.keys()].sort(), ['ROOTCA', 'default']);
});
