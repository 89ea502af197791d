// The mesh CA's CertificateService over real gRPC with TLS, a real CA and real
// CSRs: who gets a certificate, who is refused and with which status code.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { createCa, caConfig, trustBundlePem, type MeshCa } from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { verifyWorkloadCert } from '../../operator/ca/verify.ts';
import { caServingCredentials, startCaServer, type RunningCaServer, type CaServiceOptions } from '../../operator/ca/service.ts';
import { bootstrapTokens, firstOf, newBootstrapToken, parseBootstrapTokens, tokenReview, TokenTableError, type KubeRequester } from '../../operator/ca/token.ts';
import { CaClient, CertificateRequestError } from '../../proxy/identity/client.ts';

const TD = 'cluster.local';
const frontendToken = newBootstrapToken();
const backendToken = newBootstrapToken();
let ca: MeshCa;
let bundle: string;
let server: RunningCaServer;
const clients: CaClient[] = [];
const servers: RunningCaServer[] = [];

async function serve(extra: Partial<CaServiceOptions> = {}): Promise<RunningCaServer> {
  const creds = await caServingCredentials(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, new Date());
  const s = await startCaServer({
    ca: () => ca,
    authenticator: bootstrapTokens([
      [frontendToken, { namespace: 'shop', serviceAccount: 'frontend' }],
      [backendToken, { namespace: 'shop', serviceAccount: 'backend' }],
    ]),
    credentials: creds.credentials,
    ...extra,
  });
  servers.push(s);
  return s;
}

function client(port: number, token: string, trust = bundle): CaClient {
  const c = new CaClient({ target: `localhost:${port}`, credentials: grpc.credentials.createSsl(Buffer.from(trust)), token: () => token, timeoutMs: 5000 });
  clients.push(c);
  return c;
}

async function refusal(p: Promise<unknown>): Promise<CertificateRequestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CertificateRequestError, `expected a CertificateRequestError, got ${String(e)}`);
    return e;
  }
  assert.fail('the request was expected to be refused');
}

before(async () => {
  ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  bundle = trustBundlePem(ca);
  server = await serve();
});

after(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close(100)));
});

test('a workload with its bootstrap token gets a certificate for its identity, chain ending with the root', async () => {
  const { csrPem, keyPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  const c = client(server.port, frontendToken);
  await c.createCertificate(csrPem, 0); // warm the connection (TLS handshake) before timing
  const times: number[] = [];
  let last;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    last = await c.createCertificate(csrPem, 0);
    times.push(performance.now() - t0);
  }
  assert.ok(last !== undefined);
  times.sort((a, b) => a - b);
  console.log(`CSR round trip over TLS (20 calls): p50 ${times[10]?.toFixed(1)} ms, max ${times[19]?.toFixed(1)} ms`);
  assert.equal(last.certChain.length, 3);
  const [leaf, intermediate, root] = last.certChain.map((p) => new X509Certificate(p));
  assert.ok(leaf !== undefined && intermediate !== undefined && root !== undefined);
  assert.equal(root.fingerprint256, ca.root.cert.fingerprint256);
  assert.ok(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyPem)));
  assert.deepEqual(last.trustBundle.map((p) => new X509Certificate(p).fingerprint256), [ca.root.cert.fingerprint256]);
  const v = verifyWorkloadCert(last.certChain.slice(0, 2).join(''), last.trustBundle.join(''), new Date(), { trustDomain: TD });
  assert.ok(v.ok, v.ok ? '' : v.message);
  assert.equal(v.id.uri, `spiffe://${TD}/ns/shop/sa/frontend`);
  // 24 h by default
  assert.ok(Math.abs(leaf.validToDate.getTime() - Date.now() - 24 * 3600_000) < 60_000);
});

test('validity_duration sets the lifetime; beyond the CA maximum is INVALID_ARGUMENT', async () => {
  const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  const c = client(server.port, frontendToken);
  const r = await c.createCertificate(csrPem, 3600);
  const leaf = new X509Certificate(r.certChain[0] ?? '');
  assert.ok(Math.abs(leaf.validToDate.getTime() - Date.now() - 3600_000) < 60_000);
  const e = await refusal(c.createCertificate(csrPem, 30 * 24 * 3600));
  assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
  assert.match(e.message, /lifetime/);
});

test('a token for identity A asking for B is PERMISSION_DENIED', async () => {
  const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/backend`);
  const e = await refusal(client(server.port, frontendToken).createCertificate(csrPem, 0));
  assert.equal(e.code, grpc.status.PERMISSION_DENIED);
  assert.match(e.message, /spiffe:\/\/cluster\.local\/ns\/shop\/sa\/backend.*authenticated as spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend/);
  // the same CSR with B's own token is signed
  const ok = await client(server.port, backendToken).createCertificate(csrPem, 0);
  assert.equal(ok.certChain.length, 3);
});

test('no token, a garbage token and a malformed header are UNAUTHENTICATED', async () => {
  const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  const garbage = await refusal(client(server.port, 'x'.repeat(40)).createCertificate(csrPem, 0));
  assert.equal(garbage.code, grpc.status.UNAUTHENTICATED);
  assert.match(garbage.message, /not known/);

  // Raw calls for what CaClient never sends: no metadata, a non-Bearer header.
  const { caClientConstructor } = await import('../../xds/ca.ts');
  const Ctor = caClientConstructor();
  const raw = new Ctor(`localhost:${server.port}`, grpc.credentials.createSsl(Buffer.from(bundle))) as grpc.Client & Record<string, (...a: unknown[]) => void>;
  const call = (md: grpc.Metadata): Promise<grpc.ServiceError> =>
    new Promise((resolve) => raw['CreateCertificate']?.call(raw, { csr: csrPem }, md, (err: grpc.ServiceError | null) => resolve(err ?? assert.fail('expected an error'))));
  const none = await call(new grpc.Metadata());
  assert.equal(none.code, grpc.status.UNAUTHENTICATED);
  assert.match(none.details, /no credentials/);
  const basic = new grpc.Metadata();
  basic.set('authorization', `Basic ${frontendToken}`);
  assert.equal((await call(basic)).code, grpc.status.UNAUTHENTICATED);
  raw.close();
});

test('a garbage CSR, text that is no CSR, and an oversized CSR are INVALID_ARGUMENT', async () => {
  const c = client(server.port, frontendToken);
  const g = await refusal(c.createCertificate('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', 0));
  assert.equal(g.code, grpc.status.INVALID_ARGUMENT);
  assert.match(g.message, /CSR/);
  const text = await refusal(c.createCertificate('hello', 0));
  assert.equal(text.code, grpc.status.INVALID_ARGUMENT);
  const big = await refusal(c.createCertificate('A'.repeat(20_000), 0));
  assert.equal(big.code, grpc.status.INVALID_ARGUMENT);
  assert.match(big.message, /more than the 16384 accepted/);
});

test('requests beyond an identity\'s rate are RESOURCE_EXHAUSTED; other identities are unaffected', async () => {
  let now = 1_000_000;
  const s = await serve({ rateLimit: { burst: 2, perSecond: 1 }, now: () => now, ca: () => ca });
  const { csrPem: fcsr } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  const { csrPem: bcsr } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/backend`);
  const f = client(s.port, frontendToken);
  // the CA signs at the injected time too: keep it near real time
  now = Date.now();
  await f.createCertificate(fcsr, 0);
  await f.createCertificate(fcsr, 0);
  const e = await refusal(f.createCertificate(fcsr, 0));
  assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(e.message, /shop\/frontend/);
  await client(s.port, backendToken).createCertificate(bcsr, 0);
  now += 1000; // one token refilled
  await f.createCertificate(fcsr, 0);
});

test('clients verify the server with the trust bundle: another CA\'s bundle cannot connect', async () => {
  const other = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  const e = await refusal(client(server.port, frontendToken, trustBundlePem(other)).createCertificate(csrPem, 0));
  assert.equal(e.code, grpc.status.UNAVAILABLE);
});

test('the serving certificate is refreshed in place: new handshakes get the new one', async () => {
  const creds = await caServingCredentials(ca, { dnsNames: ['localhost'] }, new Date());
  const s = await startCaServer({ ca: () => ca, authenticator: bootstrapTokens([[frontendToken, { namespace: 'shop', serviceAccount: 'frontend' }]]), credentials: creds.credentials });
  servers.push(s);
  const first = creds.notAfter();
  const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  await client(s.port, frontendToken).createCertificate(csrPem, 0);
  const servedNotAfter = (): Promise<Date> =>
    new Promise((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: bundle, ALPNProtocols: ['h2'] }, () => {
        const cert = sock.getPeerX509Certificate();
        sock.destroy();
        if (cert === undefined) reject(new Error('no server certificate'));
        else resolve(cert.validToDate);
      });
      sock.on('error', reject);
    });
  assert.equal((await servedNotAfter()).getTime(), Math.floor(first.getTime() / 1000) * 1000);
  await creds.refresh(ca, new Date(Date.now() + 60_000));
  assert.ok(creds.notAfter() > first);
  await new Promise((r) => setImmediate(r));
  assert.equal((await servedNotAfter()).getTime(), Math.floor(creds.notAfter().getTime() / 1000) * 1000);
  // a new channel (own connection) handshakes with the refreshed certificate and is served
  const c = new CaClient({ target: `localhost:${s.port}`, credentials: grpc.credentials.createSsl(Buffer.from(bundle)), token: () => frontendToken, channelOptions: { 'grpc.primary_user_agent': 'refreshed' } });
  clients.push(c);
  assert.equal((await c.createCertificate(csrPem, 0)).certChain.length, 3);
});

test('bootstrap token tables refuse short, duplicate and misnamed entries, naming the line', () => {
  assert.throws(() => bootstrapTokens([['short', { namespace: 'a', serviceAccount: 'b' }]]), TokenTableError);
  const t = newBootstrapToken();
  assert.throws(() => bootstrapTokens([[t, { namespace: 'a', serviceAccount: 'b' }], [t, { namespace: 'a', serviceAccount: 'c' }]]), /entry 2 .*already given/);
  assert.throws(() => bootstrapTokens([[t, { namespace: 'A!', serviceAccount: 'b' }]]), /namespace "A!"/);
  const parsed = parseBootstrapTokens(`# tokens\n${t} shop/frontend\n\n`, 'tokens.txt');
  assert.deepEqual(parsed, [[t, { namespace: 'shop', serviceAccount: 'frontend' }]]);
  assert.throws(() => parseBootstrapTokens(`${t} shop-frontend\n`, 'tokens.txt'), /tokens\.txt:1: expected/);
});

/** A TokenReview endpoint in memory: what the API server answers for each token, and how often it was asked. */
function reviewer(answers: Record<string, Readonly<Record<string, unknown>> | Error>): KubeRequester & { calls: number; bodies: unknown[] } {
  const r = {
    calls: 0,
    bodies: [] as unknown[],
    async request(method: string, path: string, init?: { body?: unknown }) {
      r.calls++;
      r.bodies.push(init?.body);
      assert.equal(method, 'POST');
      assert.equal(path, '/apis/authentication.k8s.io/v1/tokenreviews');
      const token = ((init?.body as { spec: { token: string } }).spec.token);
      const a = answers[token];
      if (a instanceof Error) throw a;
      return { kind: 'TokenReview', status: a ?? { authenticated: false, error: 'invalid bearer token' } };
    },
  };
  return r;
}

test('TokenReview: the ServiceAccount user is the identity; audience, non-SA users and failures are handled; positives are cached briefly', async () => {
  const sa = { authenticated: true, audiences: ['weft-ca'], user: { username: 'system:serviceaccount:shop:frontend' } };
  const kube = reviewer({
    good: sa,
    wrongAudience: { authenticated: true, audiences: [], user: { username: 'system:serviceaccount:shop:frontend' } },
    human: { authenticated: true, audiences: ['weft-ca'], user: { username: 'alice' } },
    down: new Error('connect ECONNREFUSED'),
  });
  let now = 0;
  const auth = tokenReview({ kube, cacheTtlMs: 5000, now: () => now });
  const good = await auth.authenticate('good');
  assert.deepEqual(good, { ok: true, identity: { namespace: 'shop', serviceAccount: 'frontend' }, via: 'tokenreview' });
  assert.deepEqual(kube.bodies[0], { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'good', audiences: ['weft-ca'] } });
  assert.equal((await auth.authenticate('good')).ok, true);
  assert.equal(kube.calls, 1, 'the second presentation within the TTL is served from the cache');
  now = 6000;
  await auth.authenticate('good');
  assert.equal(kube.calls, 2, 'after the TTL the API server is asked again');
  const wa = await auth.authenticate('wrongAudience');
  assert.ok(!wa.ok && wa.kind === 'unauthenticated' && /audience "weft-ca"/.test(wa.reason));
  const h = await auth.authenticate('human');
  assert.ok(!h.ok && /not to a ServiceAccount/.test(h.reason));
  const bad = await auth.authenticate('nope');
  assert.ok(!bad.ok && bad.kind === 'unauthenticated' && /invalid bearer token/.test(bad.reason));
  const down = await auth.authenticate('down');
  assert.ok(!down.ok && down.kind === 'unavailable');
  // combined with bootstrap tokens: either proves an identity; "cannot tell" wins over "no"
  const both = firstOf([bootstrapTokens([[frontendToken, { namespace: 'shop', serviceAccount: 'frontend' }]]), auth]);
  assert.equal((await both.authenticate(frontendToken)).ok, true);
  assert.equal((await both.authenticate('good')).ok, true);
  const d = await both.authenticate('down');
  assert.ok(!d.ok && d.kind === 'unavailable');
});

test('an unreachable token reviewer makes the call UNAVAILABLE, not UNAUTHENTICATED', async () => {
  const s = await serve({ authenticator: tokenReview({ kube: reviewer({ t: new Error('connect ECONNREFUSED') }) }) });
  const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);
  const e = await refusal(client(s.port, 't').createCertificate(csrPem, 0));
  assert.equal(e.code, grpc.status.UNAVAILABLE);
  assert.match(e.message, /ECONNREFUSED/);
});
