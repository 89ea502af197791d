// The CA's TokenReview authenticator against a real kube-apiserver, with real
// ServiceAccount tokens from `kubectl create token`, and the CA service
// signing for the identity such a token proves.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { KubeConfig } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../cluster/cluster.ts';
import { KubeClient } from '../../operator/k8s/kube.ts';
import { createCa, caConfig, trustBundlePem } from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { caServingCredentials, startCaServer } from '../../operator/ca/service.ts';
import { tokenReview } from '../../operator/ca/token.ts';
import { CaClient, CertificateRequestError } from '../../proxy/identity/client.ts';

let cluster: Cluster;
let kube: KubeClient;

const kubectl = (...args: string[]): string => execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], { encoding: 'utf8' }).trim();

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  kube = new KubeClient(kc);
  kubectl('create', 'namespace', 'shop');
  kubectl('create', 'serviceaccount', 'frontend', '-n', 'shop');
  kubectl('create', 'serviceaccount', 'doomed', '-n', 'shop');
});

after(async () => {
  await cluster?.stop();
});

test('TokenReview authenticates a real ServiceAccount token (audience weft-ca) to its identity', async () => {
  const token = kubectl('create', 'token', 'frontend', '-n', 'shop', '--audience', 'weft-ca');
  const r = await tokenReview({ kube }).authenticate(token);
  assert.deepEqual(r, { ok: true, identity: { namespace: 'shop', serviceAccount: 'frontend' }, via: 'tokenreview' });
});

test('a token for another audience is refused', async () => {
  const token = kubectl('create', 'token', 'frontend', '-n', 'shop', '--audience', 'some-other-service');
  const r = await tokenReview({ kube }).authenticate(token);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.kind === 'unauthenticated', JSON.stringify(r));
  const defaultAudience = kubectl('create', 'token', 'frontend', '-n', 'shop');
  assert.equal((await tokenReview({ kube }).authenticate(defaultAudience)).ok, false, 'the API server\'s own audience is not weft-ca');
});

test('a deleted ServiceAccount\'s token is refused', async () => {
  const token = kubectl('create', 'token', 'doomed', '-n', 'shop', '--audience', 'weft-ca');
  assert.equal((await tokenReview({ kube, cacheTtlMs: 0 }).authenticate(token)).ok, true);
  kubectl('delete', 'serviceaccount', 'doomed', '-n', 'shop');
  let refused = false;
  // kube-apiserver caches successful token authentications for 10 s (its TokenSuccessCacheTTL)
  const t0 = Date.now();
  for (let i = 0; i < 150 && !refused; i++) {
    const r = await tokenReview({ kube, cacheTtlMs: 0 }).authenticate(token);
    refused = !r.ok && r.kind === 'unauthenticated';
    if (!refused) await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(refused, 'the token of a deleted ServiceAccount still authenticates');
  console.log(`a deleted ServiceAccount's token was refused ${Date.now() - t0} ms after the delete`);
});

test('the CA service signs for the identity a real token proves, and refuses another', async () => {
  const ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now: new Date() });
  const creds = await caServingCredentials(ca, { dnsNames: ['localhost'] }, new Date());
  const server = await startCaServer({ ca: () => ca, authenticator: tokenReview({ kube }), credentials: creds.credentials });
  const token = kubectl('create', 'token', 'frontend', '-n', 'shop', '--audience', 'weft-ca');
  const client = new CaClient({ target: `localhost:${server.port}`, credentials: grpc.credentials.createSsl(Buffer.from(trustBundlePem(ca))), token: () => token });
  try {
    const own = await createWorkloadCsr('spiffe://cluster.local/ns/shop/sa/frontend');
    const t0 = performance.now();
    const r = await client.createCertificate(own.csrPem, 0);
    console.log(`CSR round trip with a TokenReview (first call, TLS handshake included): ${(performance.now() - t0).toFixed(1)} ms`);
    assert.equal(r.certChain.length, 3);
    const other = await createWorkloadCsr('spiffe://cluster.local/ns/shop/sa/admin');
    await assert.rejects(client.createCertificate(other.csrPem, 0), (e: unknown) => e instanceof CertificateRequestError && e.code === grpc.status.PERMISSION_DENIED);
  } finally {
    client.close();
    await server.close(100);
  }
});
