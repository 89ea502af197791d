// `weft operator --ca-root DIR` on a real kube-apiserver: the leader creates
// the weft-ca Secret with the user's root (a cert-manager shaped folder, RSA
// as cert-manager makes by default) and an intermediate it signed; a replica
// started with another root is refused instead of re-rooting the mesh.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync, type webcrypto as wc } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { kubectlOk, until } from '../support/kube.ts';
import { KubeClient } from '../../operator/k8s/kube.ts';
import { parseArgs, startOperator, type RunningOperator } from '../../operator/cli/operator.ts';
import { x509, webcrypto } from '../../operator/ca/x509.ts';

let cluster: Cluster;
let admin: KubeClient;
let operatorKubeconfig = '';
let work = '';
const running: RunningOperator[] = [];
const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

async function certManagerRoot(dir: string, cn: string): Promise<X509Certificate> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pub = createPublicKey(privateKey).toCryptoKey(alg, true, ['verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${cn}`,
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
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

const args = (identity: string, root: string): string[] => [
  '--kubeconfig', operatorKubeconfig, '--namespace', 'weft-system', '--identity', identity,
  '--health-addr', '127.0.0.1:0', '--xds-addr', '127.0.0.1:0', '--xds-tls-addr', '127.0.0.1:0', '--webhook-addr', '0',
  '--lease-duration', '2s', '--renew-deadline', '1500ms', '--retry-period', '250ms',
  '--ca-root', root,
];

async function start(identity: string, root: string, onFatal: (e: unknown) => void): Promise<RunningOperator> {
  const parsed = parseArgs(args(identity, root));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(operatorKubeconfig);
  const log = pino({ level: 'debug', base: { identity } }, pino.destination({ dest: join(cluster.dir, `operator-${identity}.log`), sync: true }));
  const r = await startOperator(parsed.options, { kubeConfig, identity, log, onFatal });
  running.push(r);
  return r;
}

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  admin = new KubeClient(kc);
  work = mkdtempSync(join(tmpdir(), 'weft-ca-root-'));
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'crd')]);
  await ok(['wait', '--for=condition=Established', '--timeout=30s', 'crd/virtualservices.weft.dev', 'crd/authorizationpolicies.weft.dev', 'crd/trafficsplits.weft.dev', 'crd/workloadentries.weft.dev']);
  await ok(['create', 'namespace', 'weft-system']);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'rbac')]);
  const token = (await ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=2h'])).trim();
  operatorKubeconfig = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(operatorKubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
});

after(async () => {
  for (const r of running) await r.stop();
  await cluster?.stop();
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

test('the leader creates the weft-ca Secret on the supplied root; a replica with another root is refused', async () => {
  const root = await certManagerRoot(join(work, 'issuer'), 'example-org mesh root');
  const a = await start('ca-root-a', join(work, 'issuer'), (e) => assert.fail(`control plane failed: ${String(e)}`));
  await until('the operator to be ready', () => (a.ready ? true : undefined), 20_000);
  const secret = await until('the weft-ca Secret', async () => {
    try {
      return await admin.request('GET', '/api/v1/namespaces/weft-system/secrets/weft-ca');
    } catch {
      return undefined;
    }
  }, 15_000);
  const data = secret['data'] as Record<string, string>;
  const pem = (k: string): string => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
  const stored = new X509Certificate(pem('root.pem'));
  assert.equal(stored.fingerprint256, root.fingerprint256, 'the stored root is the supplied one');
  const intermediate = new X509Certificate(pem('ca.pem'));
  assert.ok(intermediate.checkIssued(root) && intermediate.verify(root.publicKey), 'the intermediate is signed by the supplied root');
  assert.equal(intermediate.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  // The trust bundle published for the sidecars is that root.
  const cm = await until('the trust bundle ConfigMap', async () => {
    try {
      return await admin.request('GET', '/api/v1/namespaces/weft-system/configmaps/weft-ca-root-cert');
    } catch {
      return undefined;
    }
  }, 15_000);
  const bundle = Object.values((cm['data'] ?? {}) as Record<string, string>).join('\n');
  assert.ok(bundle.includes(root.toString().trim().split('\n')[1] ?? '-'), 'the published bundle carries the supplied root');

  // Another root for the same mesh: that replica fails to open the CA, saying why.
  await certManagerRoot(join(work, 'other'), 'another root');
  let fatal: unknown;
  await start('ca-root-b', join(work, 'other'), (e) => (fatal = e));
  await until('replica b to report the refused root', () => (fatal !== undefined ? true : undefined), 20_000);
  assert.match(String(fatal instanceof Error ? fatal.message : fatal), /the supplied root \(SHA-256 [0-9A-F:]+\) is not the root kept in Secret weft-system\/weft-ca key root\.pem/);
});

test('a --ca-root folder without tls.key stops the operator at start, naming the file', async () => {
  mkdirSync(join(work, 'half'));
  writeFileSync(join(work, 'half', 'tls.crt'), readFileSync(join(work, 'issuer', 'tls.crt')));
  await assert.rejects(start('ca-root-c', join(work, 'half'), () => {}), /--ca-root: .*half\/tls\.key: missing; the folder should hold tls\.crt and tls\.key/);
});
