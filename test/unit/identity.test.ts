// The proxy's identity agent against the real CA service over gRPC with TLS:
// certificates become SDS Secrets, Secrets become node:tls options, and two
// agents' certificates carry a real mTLS handshake with SPIFFE checks.
// Renewal follows an injected clock; rotation under a live TLS server drops
// nothing; expired and foreign certificates are refused; root rotation keeps
// both roots trusted during the overlap; ROOTCA travels over ADS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type TLSSocket, type SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { createCa, caConfig, trustBundlePem, issueWorkloadCert, addRoot, activateNextRoot, HOUR_MS, type MeshCa } from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { renewAt } from '../../operator/ca/renew.ts';
import { caServingCredentials, startCaServer, type RunningCaServer } from '../../operator/ca/service.ts';
import { bootstrapTokens, newBootstrapToken } from '../../operator/ca/token.ts';
import { ManualClock } from '../../xds/clock.ts';
import { startXdsServer } from '../../operator/xds/server.ts';
import { XdsSnapshot } from '../../operator/xds/snapshot.ts';
import { withTrustBundle } from '../../operator/xds/trust.ts';
import { IdentityAgent } from '../../proxy/identity/agent.ts';
import { CaClient, type CertificateSource } from '../../proxy/identity/client.ts';
import { secretToTlsOptions, peerIdentity, spiffeServerCheck, SECRET_CERT, SECRET_ROOT, type TlsMaterial } from '../../proxy/identity/secrets.ts';
import type { ConfigSink, XdsResource } from '../../proxy/xds/client.ts';
import { decodeResource, encodeResource } from '../../xds/codec.ts';
import { TypeUrl } from '../../xds/types.ts';
import { SotwWire, node } from '../support/ads-wire.ts';

const TD = 'cluster.local';
const FRONTEND = `spiffe://${TD}/ns/shop/sa/frontend`;
const BACKEND = `spiffe://${TD}/ns/shop/sa/backend`;
const tokens = { frontend: newBootstrapToken(), backend: newBootstrapToken() };
let ca: MeshCa;
let caServer: RunningCaServer;
const cleanup: Array<() => void | Promise<void>> = [];

/** A ConfigSink that keeps the Secrets it is given, as the data path would. */
class SecretSink implements ConfigSink {
  readonly secrets = new Map<string, XdsResource>();
  applied = 0;
  onChange: (() => void) | undefined;
  apply(typeUrl: string, resources: XdsResource[], removed: string[] = []) {
    assert.equal(typeUrl, TypeUrl.Secret);
    for (const r of resources) {
      // what the sink receives is a valid Envoy Secret: it encodes through the real protos
      assert.deepEqual(decodeResource(TypeUrl.Secret, encodeResource(TypeUrl.Secret, r.resource)), r.resource);
      this.secrets.set(r.name, r);
    }
    for (const n of removed) this.secrets.delete(n);
    this.applied++;
    this.onChange?.();
    return { ok: true as const };
  }
  tls(): TlsMaterial {
    const d = this.secrets.get(SECRET_CERT);
    const r = this.secrets.get(SECRET_ROOT);
    assert.ok(d !== undefined && r !== undefined, 'both Secrets are published');
    return secretToTlsOptions(d, r);
  }
}

/** Counts requests, so tests see when the agent asked. */
class CountingSource implements CertificateSource {
  calls = 0;
  fail = false;
  readonly inner: CertificateSource;
  constructor(inner: CertificateSource) {
    this.inner = inner;
  }
  async createCertificate(csr: string, seconds: number) {
    this.calls++;
    if (this.fail) throw new Error('CA unreachable (test)');
    return this.inner.createCertificate(csr, seconds);
  }
}

function caClient(token: string): CaClient {
  const c = new CaClient({ target: `localhost:${caServer.port}`, credentials: grpc.credentials.createSsl(Buffer.from(trustBundlePem(ca))), token: () => token });
  cleanup.push(() => c.close());
  return c;
}

function agent(sa: 'frontend' | 'backend', opts: { clock?: ManualClock; random?: () => number; source?: CertificateSource; sink?: SecretSink } = {}) {
  const sink = opts.sink ?? new SecretSink();
  const source = new CountingSource(opts.source ?? caClient(tokens[sa]));
  const a = new IdentityAgent({
    trustDomain: TD, namespace: 'shop', serviceAccount: sa, source, sink,
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    random: opts.random ?? (() => 0.5),
  });
  cleanup.push(() => a.stop());
  return { agent: a, sink, source };
}

/**
 * An mTLS server that answers each connection with the peer's SPIFFE ID.
 * `explain`: unverified peers complete the handshake and are told why they are
 * refused (what a proxy logs), instead of being cut off by node:tls.
 */
async function mtlsServer(material: TlsMaterial, allowed?: readonly string[], explain = false): Promise<{ server: Server; port: number }> {
  const server = createServer({ ...material, requestCert: true, rejectUnauthorized: !explain }, (socket: TLSSocket) => {
    const p = peerIdentity(socket, TD, allowed);
    socket.end(p.ok ? `hello ${p.id.uri}` : `refused: ${p.reason}`);
  });
  server.on('tlsClientError', () => {}); // refused handshakes are what several tests expect
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: addr.port };
}

/** One mTLS request: resolves with what the server said and the server's certificate serial, or rejects. */
function mtlsRequest(port: number, material: TlsMaterial, allowed?: readonly string[]): Promise<{ body: string; serverSerial: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, ...material, checkServerIdentity: spiffeServerCheck(TD, allowed) });
    let body = '';
    let serial = '';
    sock.on('secureConnect', () => (serial = sock.getPeerX509Certificate()?.serialNumber ?? ''));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (body += d));
    // The server always answers an accepted peer; in TLS 1.3 a refused client learns it only as the connection closing.
    sock.on('end', () => (body === '' ? reject(new Error('the server closed the connection without answering')) : resolve({ body, serverSerial: serial })));
    sock.on('error', reject);
  });
}

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

before(async () => {
  ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const creds = await caServingCredentials(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, new Date());
  caServer = await startCaServer({
    ca: () => ca,
    authenticator: bootstrapTokens([
      [tokens.frontend, { namespace: 'shop', serviceAccount: 'frontend' }],
      [tokens.backend, { namespace: 'shop', serviceAccount: 'backend' }],
    ]),
    credentials: creds.credentials,
  });
});

after(async () => {
  for (const c of cleanup.reverse()) await c();
  await caServer.close(100);
});

test('two agents get certificates over gRPC; their Secrets carry a real mTLS handshake with SPIFFE checks on both sides', async () => {
  const f = agent('frontend');
  const b = agent('backend');
  f.agent.start();
  b.agent.start();
  const [fc, bc] = await Promise.all([f.agent.ready(), b.agent.ready()]);
  assert.equal(fc.spiffeId.uri, FRONTEND);
  assert.equal(bc.spiffeId.uri, BACKEND);
  assert.deepEqual([...f.sink.secrets.keys()].sort(), ['ROOTCA', 'default']);
  assert.equal(f.agent.status().state, 'valid');

  const { port } = await mtlsServer(b.sink.tls(), [FRONTEND]);
  const ok = await mtlsRequest(port, f.sink.tls(), [BACKEND]);
  assert.equal(ok.body, `hello ${FRONTEND}`);
  assert.equal(ok.serverSerial, bc.serialNumber);

  // the client expects another identity behind that port: refused before any data
  await assert.rejects(mtlsRequest(port, f.sink.tls(), [`spiffe://${TD}/ns/shop/sa/payments`]), /not one of the expected identities/);
  // the server allows only frontend: backend's own certificate is turned away
  const refused = await mtlsRequest(port, b.sink.tls(), [BACKEND]);
  assert.match(refused.body, /refused: peer spiffe:\/\/cluster\.local\/ns\/shop\/sa\/backend is not one of the expected/);
  // a certificate from another CA does not get through the handshake
  const other = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const { csrPem, keyPem } = await createWorkloadCsr(FRONTEND);
  const foreign = await issueWorkloadCert(other, { csr: csrPem, identity: { namespace: 'shop', serviceAccount: 'frontend' }, now: new Date() });
  await assert.rejects(mtlsRequest(port, { key: keyPem, cert: foreign.certPem + foreign.chainPem, ca: trustBundlePem(ca) }, [BACKEND]), /without answering/);
  const explaining = await mtlsServer(b.sink.tls(), [FRONTEND], true);
  const why = await mtlsRequest(explaining.port, { key: keyPem, cert: foreign.certPem + foreign.chainPem, ca: trustBundlePem(ca) }, [BACKEND]);
  assert.match(why.body, /^refused: the peer's certificate was not verified: UNABLE_TO_GET_ISSUER_CERT_LOCALLY$/);
});

test('renewal happens at renewAt on the injected clock, with a new key; failures retry with backoff and keep the certificate until it expires', async () => {
  const clock = new ManualClock(Date.now());
  // A CA whose clock is the agent's, so certificates are current at the simulated time.
  const creds = await caServingCredentials(ca, { dnsNames: ['localhost'] }, new Date());
  const timed = await startCaServer({ ca: () => ca, now: () => clock.now(), authenticator: bootstrapTokens([[tokens.frontend, { namespace: 'shop', serviceAccount: 'frontend' }]]), credentials: creds.credentials });
  cleanup.push(() => timed.close(100));
  const source = new CaClient({ target: `localhost:${timed.port}`, credentials: grpc.credentials.createSsl(Buffer.from(trustBundlePem(ca))), token: () => tokens.frontend });
  cleanup.push(() => source.close());
  const f = agent('frontend', { clock, random: () => 0.25, source });
  f.agent.start();
  const first = await f.agent.ready();
  assert.equal(f.source.calls, 1);
  const due = renewAt(first, () => 0.25).getTime();
  assert.equal(f.agent.status().nextAttemptAt?.getTime(), due);
  const lifetime = first.notAfter.getTime() - first.notBefore.getTime();
  const fraction = (due - first.notBefore.getTime()) / lifetime;
  assert.ok(fraction >= 0.5 && fraction <= 2 / 3, `renewal at ${fraction} of the lifetime`);

  clock.advance(due - clock.now() - 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(f.source.calls, 1, 'nothing before the scheduled time');
  const renewed = f.agent.nextCertificate();
  clock.advance(1);
  await waitUntil(() => f.source.calls === 2);
  const second = await renewed;
  assert.notEqual(second.serialNumber, first.serialNumber);
  assert.notEqual(second.keyPem, first.keyPem, 'each renewal uses a fresh key');
  assert.equal(f.sink.tls().key, second.keyPem);

  // The CA goes away: retries back off (1 s, 2 s, 4 s … ±20 %), the certificate stays published.
  f.source.fail = true;
  const next = f.agent.status().nextAttemptAt?.getTime() ?? 0;
  clock.advance(next - clock.now());
  await waitUntil(() => f.agent.status().failures === 1);
  assert.equal(f.source.calls, 3);
  const retryAt = f.agent.status().nextAttemptAt?.getTime() ?? 0;
  assert.equal(retryAt - clock.now(), 900, 'first retry after 1 s, jittered ±20 % (random 0.25 → ×0.9)');
  clock.advance(900);
  await waitUntil(() => f.agent.status().failures === 2);
  assert.equal(f.source.calls, 4);
  assert.equal(f.agent.status().nextAttemptAt?.getTime(), clock.now() + 1800, 'then 2 s (×0.9)');
  assert.equal(f.agent.status().state, 'valid');
  assert.ok(f.sink.secrets.has(SECRET_CERT));
  assert.match(f.agent.status().lastError ?? '', /CA unreachable/);

  // Past notAfter without an answer: `default` is withdrawn.
  const failuresBefore = f.agent.status().failures;
  clock.advance(second.notAfter.getTime() - clock.now() + 1); // the pending retry fires, then the expiry
  await waitUntil(() => f.agent.status().failures > failuresBefore);
  assert.equal(f.agent.status().state, 'expired');
  assert.equal(f.sink.secrets.has(SECRET_CERT), false);
  assert.equal(f.agent.current(), undefined);
  // The CA is back: the next retry installs a certificate again.
  f.source.fail = false;
  const back = f.agent.nextCertificate();
  clock.advance((f.agent.status().nextAttemptAt?.getTime() ?? 0) - clock.now());
  await back;
  assert.equal(f.agent.status().state, 'valid');
  assert.ok(f.sink.secrets.has(SECRET_CERT));
});

test('rotation under a live TLS server (setSecureContext): a loop of requests across renewals has zero failures', async () => {
  const clock = new ManualClock(Date.now());
  const sink = new SecretSink();
  const b = agent('backend', { clock, sink });
  const f = agent('frontend', { clock });
  b.agent.start();
  f.agent.start();
  await Promise.all([b.agent.ready(), f.agent.ready()]);
  const { server, port } = await mtlsServer(b.sink.tls(), [FRONTEND]);
  sink.onChange = () => {
    if (sink.secrets.has(SECRET_CERT)) server.setSecureContext({ ...sink.tls(), requestCert: true, rejectUnauthorized: true } as SecureContextOptions);
  };
  const serials = new Set<string>();
  let failures = 0;
  let done = 0;
  const load = (async () => {
    for (let i = 0; i < 300; i++) {
      try {
        const r = await mtlsRequest(port, f.sink.tls(), [BACKEND]);
        if (r.body !== `hello ${FRONTEND}`) failures++;
        serials.add(r.serverSerial);
      } catch {
        failures++;
      }
      done++;
    }
  })();
  // three renewals of both agents while the loop runs
  for (let k = 0; k < 3; k++) {
    while (done < (k + 1) * 60) await new Promise((r) => setTimeout(r, 5));
    const next = Math.max(b.agent.status().nextAttemptAt?.getTime() ?? 0, f.agent.status().nextAttemptAt?.getTime() ?? 0);
    const both = Promise.all([b.agent.nextCertificate(), f.agent.nextCertificate()]);
    clock.advance(next - clock.now());
    await both;
  }
  await load;
  assert.equal(failures, 0);
  assert.equal(b.agent.status().issued, 4);
  assert.ok(serials.size >= 3, `the server presented ${serials.size} different certificates during the loop`);
});

test('an expired certificate is refused by the peer', async () => {
  const b = agent('backend');
  b.agent.start();
  await b.agent.ready();
  const { port } = await mtlsServer(b.sink.tls());
  const { csrPem, keyPem } = await createWorkloadCsr(FRONTEND);
  const old = await issueWorkloadCert(ca, { csr: csrPem, identity: { namespace: 'shop', serviceAccount: 'frontend' }, now: new Date(Date.now() - 3 * HOUR_MS), lifetimeMs: HOUR_MS });
  assert.ok(old.notAfter.getTime() < Date.now());
  await assert.rejects(mtlsRequest(port, { key: keyPem, cert: old.certPem + old.chainPem, ca: trustBundlePem(ca) }));
  const explaining = await mtlsServer(b.sink.tls(), undefined, true);
  const why = await mtlsRequest(explaining.port, { key: keyPem, cert: old.certPem + old.chainPem, ca: trustBundlePem(ca) });
  assert.equal(why.body, "refused: the peer's certificate was not verified: CERT_HAS_EXPIRED");
  // the same key with a current certificate is served
  const fresh = await issueWorkloadCert(ca, { csr: csrPem, identity: { namespace: 'shop', serviceAccount: 'frontend' }, now: new Date() });
  assert.equal((await mtlsRequest(port, { key: keyPem, cert: fresh.certPem + fresh.chainPem, ca: trustBundlePem(ca) })).body, `hello ${FRONTEND}`);
});

test('root rotation: during the overlap both roots are trusted, so old-root and new-root certificates interoperate', async () => {
  const rotating = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  let current = rotating;
  const creds = await caServingCredentials(current, { dnsNames: ['localhost'] }, new Date());
  const s = await startCaServer({
    ca: () => current,
    authenticator: bootstrapTokens([[tokens.frontend, { namespace: 'shop', serviceAccount: 'frontend' }], [tokens.backend, { namespace: 'shop', serviceAccount: 'backend' }]]),
    credentials: creds.credentials,
  });
  cleanup.push(() => s.close(100));
  const clientFor = (token: string): CaClient => {
    const c = new CaClient({ target: `localhost:${s.port}`, credentials: grpc.credentials.createSsl(Buffer.from(trustBundlePem(rotating))), token: () => token });
    cleanup.push(() => c.close());
    return c;
  };
  const f = agent('frontend', { source: clientFor(tokens.frontend) });
  const b = agent('backend', { source: clientFor(tokens.backend) });
  f.agent.start();
  b.agent.start();
  await Promise.all([f.agent.ready(), b.agent.ready()]);
  const oldOnly = f.sink.tls();

  current = await addRoot(current, { now: new Date() }); // step 1: bundle = old + new
  current = await activateNextRoot(current, new Date()); // step 2: new intermediate signs
  const renewed = await b.agent.renewNow();
  assert.equal(renewed.trustBundlePem.match(/BEGIN CERTIFICATE/g)?.length, 2, 'the bundle holds both roots');
  // frontend still holds an old-root certificate and the old bundle; backend has a new-root certificate and both roots
  const { port } = await mtlsServer(b.sink.tls(), [FRONTEND]);
  await assert.rejects(mtlsRequest(port, oldOnly, [BACKEND]), 'a peer that has only the old root refuses the new-root certificate');
  // frontend's ROOTCA is updated (over ADS in the mesh; here by a renewal): it now accepts both
  await f.agent.renewNow();
  const mixed = { ...f.sink.tls(), cert: oldOnly.cert, key: oldOnly.key }; // old-root certificate, both roots trusted
  assert.equal((await mtlsRequest(port, mixed, [BACKEND])).body, `hello ${FRONTEND}`);
  assert.equal((await mtlsRequest(port, f.sink.tls(), [BACKEND])).body, `hello ${FRONTEND}`);
});

test('the ADS server serves ROOTCA from withTrustBundle and pushes a rotated bundle to a subscribed proxy', async () => {
  const rotating = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const xds = await startXdsServer({ address: '127.0.0.1', port: 0 });
  cleanup.push(() => xds.close(100));
  const key = 'shop/frontend';
  xds.setSnapshot(key, XdsSnapshot.build({ resources: withTrustBundle([], trustBundlePem(rotating)), label: key }));
  const wire = new SotwWire(xds.port);
  cleanup.push(() => wire.close());
  wire.send({ node: node('sidecar~1', 'shop', 'frontend'), type_url: TypeUrl.Secret, resource_names: [SECRET_ROOT] });
  const [first] = await wire.waitFor(1);
  assert.ok(first !== undefined);
  const secret = decodeResource(TypeUrl.Secret, first.resources[0]?.value ?? new Uint8Array());
  assert.equal(secret['name'], SECRET_ROOT);
  assert.deepEqual(secret, { name: SECRET_ROOT, validation_context: { trusted_ca: { inline_string: trustBundlePem(rotating) } } });
  wire.ack(first, [SECRET_ROOT]);

  const overlap = await addRoot(rotating, { now: new Date() });
  // a Secret already among the resources is replaced, not duplicated
  xds.setSnapshot(key, XdsSnapshot.build({ resources: withTrustBundle(withTrustBundle([], trustBundlePem(rotating)), trustBundlePem(overlap)), label: key }));
  const [, pushed] = await wire.waitFor(2);
  assert.ok(pushed !== undefined);
  const rotated = decodeResource(TypeUrl.Secret, pushed.resources[0]?.value ?? new Uint8Array());
  const bundle = (rotated['validation_context'] as { trusted_ca: { inline_string: string } }).trusted_ca.inline_string;
  assert.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2);
  assert.equal(bundle, trustBundlePem(overlap));
});

test('secretToTlsOptions reads inline_bytes too and names the field that is missing', () => {
  const ok = secretToTlsOptions(
    { name: 'default', tls_certificate: { certificate_chain: { inline_bytes: Buffer.from('CERT').toString('base64') }, private_key: { inline_string: 'KEY' } } },
    { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: 'ROOTS' } } },
  );
  assert.deepEqual(ok, { cert: 'CERT', key: 'KEY', ca: 'ROOTS' });
  assert.throws(() => secretToTlsOptions({ name: 'default', tls_certificate: { certificate_chain: { filename: '/etc/cert' }, private_key: { inline_string: 'K' } } }, { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: 'R' } } }),
    /Secret "default": tls_certificate\.certificate_chain: filename is not supported/);
  assert.throws(() => secretToTlsOptions({ name: 'ROOTCA', validation_context: {} }, { name: 'ROOTCA', validation_context: {} }), /tls_certificate: missing/);
});
