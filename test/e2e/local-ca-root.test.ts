// `weft up` with a root CA the user brings, shaped like a cert-manager CA
// Secret (tls.crt, tls.key as PKCS#1 RSA, ca.crt): the mesh intermediate is
// signed by it, every proxy serves a certificate chaining to it, traffic
// between proxies works on those certificates, and a restart with another
// root is refused instead of silently re-rooting the mesh.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPublicKey, generateKeyPairSync, type webcrypto as wc } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { LocalMesh } from '../../operator/local/mesh.ts';
import { readSuppliedRoot } from '../../operator/ca/supplied.ts';
import { x509, webcrypto } from '../../operator/ca/x509.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIRST = '127.0.78.1';
const DAY = 86_400_000;

let work = '';
let mesh: LocalMesh | undefined;
const servers: http.Server[] = [];

/** A self-signed RSA CA as cert-manager's selfSigned issuer makes one, written as its Secret's keys. */
async function certManagerRoot(dir: string, cn: string): Promise<X509Certificate> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pub = createPublicKey(privateKey).toCryptoKey(alg, true, ['verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${cn}`,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 365 * DAY),
      keys: { privateKey: privateKey.toCryptoKey(alg, true, ['sign']), publicKey: pub },
      signingAlgorithm: alg as wc.Algorithm,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true), await x509.SubjectKeyIdentifierExtension.create(pub, false, webcrypto)],
    },
    webcrypto,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tls.crt'), cert.toString('pem'));
  writeFileSync(join(dir, 'tls.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  writeFileSync(join(dir, 'ca.crt'), cert.toString('pem'));
  return new X509Certificate(cert.toString('pem'));
}

let root: X509Certificate;
let meshDir = '';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'weft-ca-root-'));
  root = await certManagerRoot(join(work, 'issuer'), 'example-org mesh root');
  meshDir = join(work, 'mesh');
  cpSync(join(ROOT, 'demo', 'mesh'), meshDir, { recursive: true, filter: (src) => !src.includes('.weft') });
  const supplied = await readSuppliedRoot(join(work, 'issuer'));
  assert.ok(supplied.ok, supplied.ok ? '' : supplied.message);
  mesh = new LocalMesh({ dir: meshDir, caRoot: supplied.root, xdsPort: 0, caPort: 0, adminPort: 0, firstAddress: FIRST, watchQuietMs: 50 });
  await mesh.start();
  for (const w of mesh.workloads()) {
    if (!w.workload.startsWith('reviews')) continue;
    const s = http.createServer((_q, res) => res.end(w.workload));
    await new Promise<void>((ok, fail) => (s.once('error', fail), s.listen(9080, w.address, () => ok())));
    servers.push(s);
  }
  const deadline = Date.now() + 15_000;
  while (!(mesh.status().proxies.length === 5 && mesh.status().proxies.every((p) => p.inSync) && mesh.workloads().every((w) => w.identity.state === 'valid'))) {
    assert.ok(Date.now() < deadline, 'proxies in sync with certificates');
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  for (const s of servers) s.close();
  await mesh?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('the mesh intermediate is signed by the supplied root, and the stored root is that root', () => {
  const stored = new X509Certificate(readFileSync(join(meshDir, '.weft', 'ca', 'root.pem')));
  assert.equal(stored.fingerprint256, root.fingerprint256);
  const intermediate = new X509Certificate(readFileSync(join(meshDir, '.weft', 'ca', 'ca.pem')));
  assert.ok(intermediate.checkIssued(root) && intermediate.verify(root.publicKey), 'intermediate signed by the supplied root');
  assert.equal(intermediate.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'the intermediate is still P-256');
});

test("a proxy's inbound serves a SPIFFE leaf that chains to the supplied root", async () => {
  const reviews = mesh?.workloads().find((w) => w.workload === 'reviews-v1');
  assert.ok(reviews !== undefined);
  const [host, port] = reviews.inbound.split(':');
  const chain = await new Promise<X509Certificate[]>((resolve, reject) => {
    const s = tls.connect({ host, port: Number(port), rejectUnauthorized: false, servername: 'outbound_.9080_._.reviews.shop.svc.cluster.local', ALPNProtocols: ['istio-http/1.1', 'istio', 'http/1.1'] }, () => {
      const out: X509Certificate[] = [];
      let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
      const seen = new Set<string>();
      while (c !== undefined && c.raw !== undefined && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        out.push(new X509Certificate(c.raw));
        c = c.issuerCertificate;
      }
      s.destroy();
      resolve(out);
    });
    s.once('error', reject);
  });
  const [leaf, intermediate] = chain;
  assert.ok(leaf !== undefined && intermediate !== undefined, `chain of ${chain.length}`);
  assert.match(leaf.subjectAltName ?? '', /URI:spiffe:\/\/cluster\.local\/ns\/shop\/sa\/reviews/);
  assert.ok(leaf.verify(intermediate.publicKey), 'leaf signed by the intermediate');
  assert.ok(intermediate.verify(root.publicKey), 'intermediate signed by the supplied root');
});

test('requests between proxies succeed on certificates from the supplied root', async () => {
  const loadgen = mesh?.workloads().find((w) => w.workload === 'loadgen');
  assert.ok(loadgen !== undefined);
  const [host, port] = loadgen.outbound.split(':');
  for (let i = 0; i < 10; i++) {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host, port: Number(port), path: 'http://reviews.shop.svc.cluster.local:9080/reviews/1', headers: { host: 'reviews.shop.svc.cluster.local:9080' }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^reviews-v[12]$/);
  }
});

test('weft up refuses another root for a mesh that has one, and names what is missing from a root folder', async () => {
  const run = promisify(execFile);
  const weft = join(ROOT, 'bin', 'weft');
  await certManagerRoot(join(work, 'other'), 'another root');
  const other = await run(weft, ['up', meshDir, '--ca-root', join(work, 'other'), '--xds-port', '0', '--ca-port', '0', '--status-port', '0']).then(
    () => assert.fail('started with another root'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(other.code, 1);
  assert.match(other.stderr, /the supplied root \(SHA-256 [0-9A-F:]+\) is not the root kept in .*root\.pem/);

  mkdirSync(join(work, 'half'));
  writeFileSync(join(work, 'half', 'tls.crt'), readFileSync(join(work, 'other', 'tls.crt')));
  const half = await run(weft, ['up', meshDir, '--ca-root', join(work, 'half')]).then(
    () => assert.fail('started without a key'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(half.code, 1);
  assert.match(half.stderr, /--ca-root: .*half\/tls\.key: missing; the folder should hold tls\.crt and tls\.key/);
});
