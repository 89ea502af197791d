// Sidecar injection on a real kube-apiserver, through kubectl: the mutating
// webhook (config/webhook/mutating-webhook.yaml, called by URL here) adds the
// iptables init container and the proxy as a native sidecar to Pods in
// namespaces labelled weft.dev/inject=enabled. There is no kubelet: the tests
// read the stored Pod, which is what a kubelet would run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { caConfig, createCa } from '../../operator/ca/authority.ts';
import { issueWebhookCert, type WebhookCert } from '../../operator/k8s/webhook/cert.ts';
import { startWebhookServer, type WebhookServer } from '../../operator/k8s/webhook/server.ts';
import { caBundleValue } from '../../operator/k8s/webhook/cabundle.ts';
import { DEFAULT_SIDECAR } from '../../operator/k8s/webhook/inject.ts';
import { kubectlAsync, kubectlOk, type KubectlResult } from '../support/kube.ts';

let cluster: Cluster;
let cert: WebhookCert;
let server: WebhookServer | undefined;
let port = 0;
const IMAGE = 'registry.example/weft:1.2.3';

type Run = KubectlResult;

const kubectl = (args: readonly string[], input?: string): Promise<Run> => kubectlAsync(cluster.kubeconfig, args, input);

const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

async function startServer(): Promise<void> {
  server = await startWebhookServer({ port, host: '127.0.0.1', tls: cert.tls, inject: { ...DEFAULT_SIDECAR, image: IMAGE } });
  port = server.port;
}

interface Container { name: string; image?: string; restartPolicy?: string; args?: string[]; env?: Array<{ name: string; value?: string }>; securityContext?: Record<string, unknown>; startupProbe?: Record<string, unknown>; readinessProbe?: Record<string, unknown>; resources?: Record<string, unknown>; volumeMounts?: Array<{ name: string; mountPath: string }> }
interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { initContainers?: Container[]; containers: Container[]; securityContext?: { supplementalGroups?: number[]; fsGroup?: number }; volumes?: Array<{ name: string; projected?: { sources: Array<Record<string, Record<string, unknown>>> } }> };
}

const pod = (name: string, namespace: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}): string => stringify({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace, ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) },
  spec: { containers: [{ name: 'app', image: 'shop/reviews:1' }], ...extra.spec },
});

async function getPod(name: string, namespace: string): Promise<Pod> {
  return JSON.parse(await ok(['get', 'pod', name, '-n', namespace, '-o', 'json'])) as Pod;
}

const names = (cs: readonly Container[] | undefined): string[] => (cs ?? []).map((c) => c.name);

before(async () => {
  cluster = await startCluster();
  for (const ns of ['mesh', 'plain', 'weft-system']) await ok(['create', 'namespace', ns]);
  await ok(['label', 'namespace', 'mesh', 'weft.dev/inject=enabled']);
  // Even when labelled, the operator's namespace is never injected.
  await ok(['label', 'namespace', 'weft-system', 'weft.dev/inject=enabled']);
  const now = new Date();
  const ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now });
  cert = await issueWebhookCert(ca, { now, ipAddresses: ['127.0.0.1'] });
  await startServer();
  const doc = parse(readFileSync(join(REPO_ROOT, 'config', 'webhook', 'mutating-webhook.yaml'), 'utf8')) as { webhooks: Array<{ clientConfig: unknown }> };
  for (const w of doc.webhooks) w.clientConfig = { url: `https://127.0.0.1:${port}/inject`, caBundle: caBundleValue(cert.caBundlePem) };
  await ok(['apply', '-f', '-'], stringify(doc));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await kubectl(['create', '--dry-run=server', '-o', 'jsonpath={.spec.initContainers[*].name}', '-f', '-'], pod('probe', 'mesh'));
    if (r.out.includes('weft-proxy')) break;
    assert.ok(Date.now() < deadline, `injection never became active: ${r.err}`);
    await new Promise((res) => setTimeout(res, 250));
  }
});

after(async () => {
  await server?.close();
  await cluster?.stop();
});

test('a Pod in an injected namespace gets the init container, the proxy as a native sidecar, and its identity volume', async () => {
  const out = await ok(['apply', '-f', '-'], pod('reviews', 'mesh', { spec: { initContainers: [{ name: 'migrate', image: 'shop/migrate:1' }] } }));
  assert.equal(out, 'pod/reviews created\n');
  const p = await getPod('reviews', 'mesh');
  // iptables first, then the proxy, then the Pod's own init containers (which already run in the mesh).
  assert.deepEqual(names(p.spec.initContainers), ['weft-init', 'weft-proxy', 'migrate']);
  assert.deepEqual(names(p.spec.containers), ['app']);
  assert.equal(p.metadata.annotations?.['weft.dev/injected'], 'weft-init,weft-proxy');

  const [init, proxy] = p.spec.initContainers ?? [];
  assert.equal(init?.image, IMAGE);
  assert.deepEqual(init?.args, ['proxy-init']);
  assert.equal(init?.restartPolicy, undefined, 'the iptables step runs once');
  assert.deepEqual(init?.securityContext, {
    runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
    capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
  });
  const initEnv = Object.fromEntries((init?.env ?? []).map((e) => [e.name, e.value]));
  assert.deepEqual(initEnv, { WEFT_PROXY_UID: '1337', WEFT_INBOUND_PORT: '15006', WEFT_OUTBOUND_PORT: '15001', WEFT_EXCLUDE_INBOUND_PORTS: '15021,15090',
    // Set to "", which the API server stores as a variable without a value: empty in the container.
    WEFT_EXCLUDE_OUTBOUND_PORTS: undefined });

  assert.equal(proxy?.restartPolicy, 'Always');
  // Original destinations from /proc/net/nf_conntrack (root:root 0440): group 0 for the proxy container only (uid 1337), none for the Pod.
  assert.deepEqual(proxy?.args, ['proxy', '--original-dst', 'conntrack']);
  assert.equal(p.spec.securityContext?.supplementalGroups, undefined);
  assert.equal(proxy?.securityContext?.['runAsGroup'], 0);
  assert.deepEqual(proxy?.startupProbe, { httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 1, failureThreshold: 600, timeoutSeconds: 1, successThreshold: 1 });
  assert.deepEqual(proxy?.readinessProbe, { httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 });
  assert.deepEqual(proxy?.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  assert.equal(proxy?.securityContext?.['runAsUser'], 1337);
  assert.equal(proxy?.securityContext?.['runAsNonRoot'], true);
  assert.deepEqual(proxy?.volumeMounts?.map((m) => [m.name, m.mountPath]), [['weft-identity', '/var/run/weft/identity'], ['weft-tmp', '/tmp']]);

  const identity = p.spec.volumes?.find((v) => v.name === 'weft-identity');
  assert.deepEqual(identity?.projected?.sources, [
    { serviceAccountToken: { audience: 'weft-ca', expirationSeconds: 43200, path: 'token' } },
    { configMap: { name: 'weft-ca-root-cert', items: [{ key: 'root-cert.pem', path: 'root-cert.pem' }] } },
  ]);
});

test('a Pod that already has volumes, annotations and supplemental groups keeps them', async () => {
  await ok(['apply', '-f', '-'], pod('ratings', 'mesh', {
    annotations: { team: 'shop' },
    spec: { securityContext: { fsGroup: 2000, supplementalGroups: [3000] }, volumes: [{ name: 'data', emptyDir: {} }], containers: [{ name: 'app', image: 'shop/ratings:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
  }));
  const p = await getPod('ratings', 'mesh');
  assert.deepEqual(p.spec.securityContext, { fsGroup: 2000, supplementalGroups: [3000] }, 'the Pod\'s groups as they were: group 0 is the proxy container\'s alone');
  assert.deepEqual(p.spec.volumes?.map((v) => v.name), ['data', 'weft-identity', 'weft-tmp']);
  assert.equal(p.metadata.annotations?.['team'], 'shop');
  assert.equal(p.metadata.annotations?.['weft.dev/injected'], 'weft-init,weft-proxy');
});

test('not injected: opted-out Pods, hostNetwork Pods, other namespaces, the operator\'s namespace', async () => {
  const cases: Array<[string, string, Parameters<typeof pod>[2]]> = [
    ['opted-out', 'mesh', { annotations: { 'weft.dev/inject': 'false' } }],
    ['host', 'mesh', { spec: { hostNetwork: true } }],
    ['elsewhere', 'plain', {}],
    ['operator', 'weft-system', {}],
  ];
  for (const [name, ns, extra] of cases) {
    await ok(['apply', '-f', '-'], pod(name, ns, extra));
    const p = await getPod(name, ns);
    assert.deepEqual(names(p.spec.initContainers), [], `${ns}/${name} was injected`);
    assert.equal(p.metadata.annotations?.['weft.dev/injected'], undefined);
  }
});

test('a bad port annotation is refused, naming the annotation', async () => {
  const r = await kubectl(['apply', '-f', '-'], pod('bad-ports', 'mesh', { annotations: { 'weft.dev/exclude-inbound-ports': '8080,http' } }));
  assert.equal(r.code, 1);
  assert.equal(r.err, 'The Pod "bad-ports" is invalid: metadata.annotations[weft.dev/exclude-inbound-ports]: "http" is not a port (1 to 65535); write a comma-separated list such as "8080,9090"\n');
  const good = await kubectl(['apply', '-f', '-'], pod('good-ports', 'mesh', { annotations: { 'weft.dev/exclude-inbound-ports': '8080, 9090' } }));
  assert.equal(good.code, 0, good.err);
  const p = await getPod('good-ports', 'mesh');
  const env = p.spec.initContainers?.[0]?.env?.find((e) => e.name === 'WEFT_EXCLUDE_INBOUND_PORTS');
  assert.equal(env?.value, '15021,15090,8080,9090');
});

test('an app container running as the proxy\'s uid is injected with a warning', async () => {
  const r = await kubectl(['apply', '-f', '-'], pod('sneaky', 'mesh', { spec: { containers: [{ name: 'app', image: 'shop/x:1', securityContext: { runAsUser: 1337 } }] } }));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, 'Warning: spec.containers[0].securityContext.runAsUser: 1337 is the proxy\'s uid: this container\'s traffic bypasses the proxy (no mTLS, no policy); run it as another user\n');
});

test('while the injector is down, Pods in injected namespaces are refused and others are not', async () => {
  await server?.close();
  server = undefined;
  try {
    const r = await kubectl(['apply', '-f', '-'], pod('while-down', 'mesh'));
    assert.equal(r.code, 1);
    assert.match(r.err, /failed calling webhook "inject\.weft\.dev".*connection refused/);
    await ok(['apply', '-f', '-'], pod('while-down', 'plain'));
  } finally {
    await startServer();
  }
  await ok(['apply', '-f', '-'], pod('while-down', 'mesh'));
  assert.deepEqual(names((await getPod('while-down', 'mesh')).spec.initContainers), ['weft-init', 'weft-proxy']);
});
