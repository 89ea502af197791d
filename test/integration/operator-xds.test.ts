// `weft operator` as the whole control plane on a real kube-apiserver: the
// reconciler, the mesh CA in its Secret, xDS (plaintext and TLS) and the
// admission webhooks, started in this process exactly as the command starts
// them (parseArgs → startOperator), with the credentials of config/rbac's
// ServiceAccount, so its RBAC is proven sufficient. A real ADS client (the
// proxy's) connects as a workload whose Pod is in the cluster, with a sink
// that records what it holds and can be told to refuse. Everything a user
// does goes through kubectl, asynchronously (the operator shares this
// process's event loop).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startCluster, freePort, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { parseArgs, startOperator, type RunningOperator } from '../../operator/cli/operator.ts';
import { KubeClient } from '../../operator/k8s/kube.ts';
import { isObj, type Obj } from '../../operator/k8s/objects.ts';
import { CaSecretConflictError, SecretCaStore } from '../../operator/ca/secret-store.ts';
import { AdsClient, type ConfigSink, type XdsResource } from '../../proxy/xds/client.ts';
import { TypeUrl, type ResourceTypeUrl } from '../../xds/types.ts';
import { kubectlAsync, kubectlOk, until as pollUntil, type KubectlResult } from '../support/kube.ts';

let cluster: Cluster;
let admin: KubeClient;
let operatorKubeconfig: string;
let running: RunningOperator | undefined;
let webhookPort: number;
const clients: AdsClient[] = [];

const kubectl = (args: readonly string[], input?: string): Promise<KubectlResult> => kubectlAsync(cluster.kubeconfig, args, input);

const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 25): Promise<T> =>
  pollUntil(what, probe, timeoutMs, everyMs);

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}

const vsObject = (name: string): Promise<Obj> => admin.request('GET', `/apis/weft.dev/v1alpha1/namespaces/shop/virtualservices/${name}`);
const condition = (obj: Obj, type: string): Cond | undefined => {
  const status = isObj(obj['status']) ? obj['status'] : {};
  return ((Array.isArray(status['conditions']) ? status['conditions'] : []) as Cond[]).find((c) => c.type === type);
};
async function waitCondition(name: string, type: string, check: (c: Cond) => boolean, timeoutMs = 10_000): Promise<Obj> {
  let seen: Cond | undefined;
  try {
    return await until(`${type} of VirtualService shop/${name}`, async () => {
      const o = await vsObject(name);
      seen = condition(o, type);
      return seen !== undefined && check(seen) ? o : undefined;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(seen)}`);
  }
}

/** What a proxy holds: per type, the resources its last accepted config left, and a switch to refuse. */
class RecordingSink implements ConfigSink {
  readonly held = new Map<ResourceTypeUrl, Map<string, XdsResource>>();
  refuse: ((typeUrl: ResourceTypeUrl, resources: XdsResource[]) => string | undefined) | undefined;
  apply(typeUrl: ResourceTypeUrl, resources: XdsResource[], removed: string[] = []) {
    const why = this.refuse?.(typeUrl, resources);
    if (why !== undefined) return { ok: false as const, error: why };
    let m = this.held.get(typeUrl);
    if (m === undefined) this.held.set(typeUrl, (m = new Map()));
    for (const r of resources) m.set(r.name, r);
    for (const n of removed) m.delete(n);
    return { ok: true as const };
  }
  names(typeUrl: ResourceTypeUrl): string[] {
    return [...(this.held.get(typeUrl)?.keys() ?? [])].sort();
  }
  /** Every weighted split in the RouteConfigurations held: cluster name → weight. */
  splits(): Record<string, number>[] {
    const out: Record<string, number>[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!isObj(v)) return;
      const wc = v['weighted_clusters'] ?? v['weightedClusters'];
      if (isObj(wc) && Array.isArray(wc['clusters'])) {
        const split: Record<string, number> = {};
        for (const c of wc['clusters']) {
          if (!isObj(c)) continue;
          const w = c['weight'];
          split[String(c['name'])] = typeof w === 'number' ? w : isObj(w) ? Number(w['value']) : Number(w);
        }
        out.push(split);
      }
      for (const x of Object.values(v)) walk(x);
    };
    for (const r of this.held.get(TypeUrl.RouteConfiguration)?.values() ?? []) walk(r.resource);
    return out;
  }
}

const svc = (name: string, ns = 'shop'): string => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 9080}]
---`;

const splitVs = (v1: number, v2: number): string => `
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews-v1}, weight: ${v1}}
    - {destination: {host: reviews-v2}, weight: ${v2}}
`;

/** Weights are relative: the compiler writes them in lowest terms (80/20 → 4/1). */
const ratio = (a: number, b: number): Record<string, number> => {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const g = gcd(a, b);
  return { [V1]: a / g, [V2]: b / g };
};

const V1 = 'outbound|9080||reviews-v1.shop.svc.cluster.local';
const V2 = 'outbound|9080||reviews-v2.shop.svc.cluster.local';

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  admin = new KubeClient(kc);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'crd')]);
  await ok(['wait', '--for=condition=Established', '--timeout=30s', 'crd/virtualservices.weft.dev', 'crd/authorizationpolicies.weft.dev', 'crd/trafficsplits.weft.dev', 'crd/workloadentries.weft.dev', 'crd/requestauthentications.weft.dev']);
  await ok(['create', 'namespace', 'weft-system']);
  await ok(['create', 'namespace', 'shop']);
  await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: injected, labels: {weft.dev/inject: enabled}}\n');
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'rbac')]);
  // config/webhook as installed, except that the API server calls the operator in this process by URL (no kubelet, no Service endpoints).
  webhookPort = await freePort();
  const docs = (await ok(['kustomize', join(REPO_ROOT, 'config', 'webhook')])).split(/^---$/m).map((d) => parseYaml(d) as Obj).filter((d) => String(d['kind']).endsWith('WebhookConfiguration'));
  assert.equal(docs.length, 2);
  for (const d of docs) {
    for (const w of d['webhooks'] as Obj[]) {
      const cc = w['clientConfig'] as { service: { path: string } };
      w['clientConfig'] = { url: `https://127.0.0.1:${webhookPort}${cc.service.path}` };
    }
  }
  await ok(['apply', '-f', '-'], docs.map((d) => toYaml(d)).join('---\n'));
  const token = (await ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=2h'])).trim();
  operatorKubeconfig = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(operatorKubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
});

after(async () => {
  for (const c of clients) c.stop();
  await running?.stop();
  await cluster?.stop();
});

test('weft operator starts the whole control plane: the leader creates the CA Secret, publishes its trust bundle, and serves xDS over TLS and the webhooks with CA-issued certificates', async (t) => {
  const parsed = parseArgs([
    '--kubeconfig', operatorKubeconfig,
    '--namespace', 'weft-system',
    '--identity', 'xds-a',
    '--health-addr', '127.0.0.1:0',
    '--xds-addr', '127.0.0.1:0',
    '--xds-tls-addr', '127.0.0.1:0',
    `--webhook-addr=127.0.0.1:${webhookPort}`,
    '--webhook-ip', '127.0.0.1',
    '--lease-duration', '2s', '--renew-deadline', '1500ms', '--retry-period', '250ms',
  ]);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(operatorKubeconfig);
  const log = pino({ level: 'debug', base: { identity: 'xds-a' } }, pino.destination({ dest: join(cluster.dir, 'operator-xds-a.log'), sync: true }));
  const started = performance.now();
  const r = await startOperator(parsed.options, { kubeConfig, identity: 'xds-a', log, onFatal: (e) => assert.fail(`control plane failed: ${String(e)}`) });
  running = r;
  await until('the operator to be ready', () => (r.ready ? true : undefined), 15_000);
  t.diagnostic(`start → ready (informers synced, CA created, xDS and webhooks serving): ${(performance.now() - started).toFixed(0)} ms`);
  const readyz = await fetch(`http://127.0.0.1:${r.healthPort}/readyz`);
  assert.equal(readyz.status, 200);
  assert.match(await readyz.text(), /^ok \(leader: xds-a\)/);

  // The CA lives in its Secret; the trust bundle is published where the injector mounts it.
  const secret = await admin.request('GET', '/api/v1/namespaces/weft-system/secrets/weft-ca');
  const data = secret['data'] as Record<string, string>;
  assert.deepEqual(Object.keys(data).sort(), ['ca-key.pem', 'ca.pem', 'root-key.pem', 'root.pem', 'trust-bundle.pem']);
  const bundle = Buffer.from(data['trust-bundle.pem'] ?? '', 'base64').toString('utf8');
  assert.match(bundle, /^-----BEGIN CERTIFICATE-----/);
  for (const ns of ['weft-system', 'injected']) {
    const cm = await until(`ConfigMap ${ns}/weft-ca-root-cert`, async () => {
      const out = await kubectl(['get', 'configmap', 'weft-ca-root-cert', '-n', ns, '-o', 'json']);
      return out.code === 0 ? (JSON.parse(out.out) as { data: Record<string, string> }) : undefined;
    });
    assert.equal(cm.data['root-cert.pem'], bundle, ns);
  }
  assert.equal((await kubectl(['get', 'configmap', 'weft-ca-root-cert', '-n', 'shop'])).code, 1, 'a namespace not labelled for injection gets no ConfigMap');

  t.diagnostic(`start → trust bundle in both ConfigMaps: ${(performance.now() - started).toFixed(0)} ms`);
  // Both webhook configurations trust the CA, so the API server reaches the webhook: a bad resource is refused through kubectl.
  for (const kind of ['validatingwebhookconfiguration/weft-validating-webhook', 'mutatingwebhookconfiguration/weft-sidecar-injector']) {
    const bundles = (await ok(['get', kind, '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}'])).trim().split(/\s+/);
    assert.ok(bundles.length > 0 && bundles.every((b) => Buffer.from(b, 'base64').toString('utf8').trim() === bundle.trim()), kind);
  }
  const rejecting = performance.now();
  const bad = await kubectl(['apply', '-f', '-'], `
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: bad, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {X-User: {exact: jason}}}]
    route: [{destination: {host: reviews}}]
`);
  t.diagnostic(`kubectl apply of an invalid VirtualService refused in ${(performance.now() - rejecting).toFixed(0)} ms`);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /The VirtualService "bad" is invalid: spec\.http\[0\]\.match\[0\]\.headers\[X-User\]: header names in matches must be lower case/);

  // xDS over TLS: a certificate for weft.weft-system.svc that the mesh's trust bundle verifies.
  const peer = await new Promise<{ authorized: boolean; error: string | undefined; names: string }>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: r.controlPlane.ports.xdsTls ?? 0, servername: 'weft.weft-system.svc', ca: bundle, ALPNProtocols: ['h2'] }, () => {
      resolve({ authorized: s.authorized, error: s.authorizationError?.toString(), names: s.getPeerCertificate().subjectaltname ?? '' });
      s.end();
    });
    s.on('error', reject);
  });
  assert.deepEqual(peer, { authorized: true, error: undefined, names: 'DNS:weft.weft-system.svc, DNS:weft.weft-system.svc.cluster.local' });
});

const sink = new RecordingSink();

test('a VirtualService no proxy needs yet is Ready (0 of 0); once a proxy in reach connects it is acknowledged by 1 of 1, and kubectl wait returns', async (t) => {
  const r = running;
  assert.ok(r !== undefined);
  await ok(['apply', '-f', '-'], [svc('reviews'), svc('reviews-v1'), svc('reviews-v2'), svc('productpage')].join('\n'));
  // The proxy's own Pod, as the kubelet would report it.
  await ok(['apply', '-f', '-'], `
apiVersion: v1
kind: Pod
metadata: {name: productpage-1, namespace: shop, labels: {app: productpage}}
spec:
  containers: [{name: app, image: example.invalid/productpage}]
`);
  await ok(['patch', 'pod', 'productpage-1', '-n', 'shop', '--subresource=status', '--type=merge', '-p',
    JSON.stringify({ status: { phase: 'Running', podIP: '10.244.0.7', podIPs: [{ ip: '10.244.0.7' }], conditions: [{ type: 'Ready', status: 'True' }] } })]);
  await ok(['apply', '-f', '-'], splitVs(80, 20));
  const alone = await waitCondition('reviews', 'Ready', (c) => c.status === 'True');
  assert.deepEqual(condition(alone, 'Programmed'), { ...condition(alone, 'Programmed'), status: 'True', reason: 'Programmed', message: 'no proxy in reach is connected (0 of 0): nothing to program yet (generation 1)' });
  await ok(['wait', '--for=condition=Ready', '--timeout=10s', 'vs/reviews', '-n', 'shop']);

  const client = new AdsClient({
    host: '127.0.0.1',
    port: r.controlPlane.ports.xdsPlaintext ?? 0,
    node: { id: 'sidecar~10.244.0.7~productpage-1.shop~shop.svc.cluster.local', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage-1' } },
    sink,
    backoff: { initialMs: 100, maxMs: 500 },
  });
  clients.push(client);
  const connected = performance.now();
  client.start();
  const acked = await waitCondition('reviews', 'Programmed', (c) => /acknowledged by 1 of 1 proxy/.test(c.message));
  t.diagnostic(`proxy connected → status says acknowledged by 1 of 1: ${(performance.now() - connected).toFixed(0)} ms`);
  assert.equal(condition(acked, 'Programmed')?.message, 'acknowledged by 1 of 1 proxy (generation 1)');
  assert.equal(condition(acked, 'Ready')?.status, 'True');
  await ok(['wait', '--for=condition=Ready', '--timeout=10s', 'vs/reviews', '-n', 'shop']);
  assert.deepEqual(sink.splits(), [ratio(80, 20)]);
  assert.ok(sink.names(TypeUrl.Cluster).includes(V1) && sink.names(TypeUrl.Cluster).includes(V2), sink.names(TypeUrl.Cluster).join(', '));
  const proxies = r.controlPlane.status().xds;
  assert.equal(proxies.length, 2, 'plaintext and TLS');
});

test('editing a weight through kubectl changes what the proxy holds, and the new generation is acknowledged', async (t) => {
  const edited = performance.now();
  await ok(['apply', '-f', '-'], splitVs(50, 50));
  await until('the proxy to hold the 50/50 split', () => (JSON.stringify(sink.splits()) === JSON.stringify([ratio(50, 50)]) ? true : undefined));
  t.diagnostic(`kubectl apply → proxy holds the new weights: ${(performance.now() - edited).toFixed(0)} ms`);
  await waitCondition('reviews', 'Programmed', (c) => c.message === 'acknowledged by 1 of 1 proxy (generation 2)' && c.observedGeneration === 2);
  await ok(['wait', '--for=condition=Ready', '--timeout=10s', 'vs/reviews', '-n', 'shop']);
});

test('a proxy that refuses the config: Programmed False Rejected with its error, Ready False, visible in kubectl describe; accepted again once it takes a fix', async () => {
  const error = 'route reviews: weight 30 is not allowed on this proxy';
  const refused = JSON.stringify([ratio(70, 30)]);
  sink.refuse = (typeUrl, rs) => {
    if (typeUrl !== TypeUrl.RouteConfiguration) return undefined;
    const probe = new RecordingSink();
    probe.apply(typeUrl, rs);
    return JSON.stringify(probe.splits()) === refused ? error : undefined;
  };
  await ok(['apply', '-f', '-'], splitVs(70, 30));
  const rejected = await waitCondition('reviews', 'Programmed', (c) => c.status === 'False');
  const p = condition(rejected, 'Programmed');
  assert.equal(p?.reason, 'Rejected');
  assert.match(p?.message ?? '', /^rejected by 1 of 1 proxy: shop\/productpage-1 \(sidecar~10\.244\.0\.7~productpage-1\.shop~shop\.svc\.cluster\.local\): RDS route reviews: weight 30 is not allowed on this proxy; acknowledged by 0$/);
  assert.deepEqual([condition(rejected, 'Ready')?.status, condition(rejected, 'Ready')?.reason], ['False', 'Rejected']);
  assert.deepEqual(sink.splits(), [ratio(50, 50)], 'the proxy keeps its last good config');
  const waited = await kubectl(['wait', '--for=condition=Ready', '--timeout=1s', 'vs/reviews', '-n', 'shop']);
  assert.notEqual(waited.code, 0);
  const described = await until('kubectl describe to show the rejection', async () => {
    const out = await ok(['describe', 'vs', 'reviews', '-n', 'shop']);
    return /Warning\s+Rejected/.test(out) ? out : undefined;
  });
  assert.match(described, /Reason:\s+Rejected/);
  assert.match(described, /Warning\s+Rejected\s+\S+\s+weft-operator\s+Programmed is False: rejected by 1 of 1 proxy: .*weight 30 is not allowed on this proxy/);
  assert.match(await ok(['get', 'vs', 'reviews', '-n', 'shop', '--no-headers']), /^reviews\s+\["reviews"\]\s+False\s+Rejected\s/);
  sink.refuse = undefined;
  await ok(['apply', '-f', '-'], splitVs(60, 40));
  await waitCondition('reviews', 'Ready', (c) => c.status === 'True' && c.observedGeneration === 4);
  assert.deepEqual(sink.splits(), [ratio(60, 40)]);
});

test('a Service that appears later flips ResolvedRefs to True, and the proxy receives its cluster before the status says so', async () => {
  await ok(['apply', '-f', '-'], `
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
  - route: [{destination: {host: ratings}}]
`);
  const missing = await waitCondition('ratings', 'ResolvedRefs', (c) => c.status === 'False');
  assert.equal(condition(missing, 'ResolvedRefs')?.reason, 'ServiceNotFound');
  const cluster = 'outbound|9080||ratings.shop.svc.cluster.local';
  assert.ok(!sink.names(TypeUrl.Cluster).includes(cluster));
  await ok(['apply', '-f', '-'], svc('ratings'));
  await ok(['wait', '--for=condition=ResolvedRefs=True', '--timeout=10s', 'vs/ratings', '-n', 'shop']);
  // Ready waits until the proxy acknowledged the snapshot with the Service in it, not an older one that carried the same generation.
  await ok(['wait', '--for=condition=Ready', '--timeout=10s', 'vs/ratings', '-n', 'shop']);
  assert.ok(sink.names(TypeUrl.Cluster).includes(cluster), sink.names(TypeUrl.Cluster).join(', '));
  assert.equal(condition(await vsObject('ratings'), 'Programmed')?.message, 'acknowledged by 1 of 1 proxy (generation 1)');
});

test('deleting the VirtualService removes its routes from what the proxy holds', async () => {
  assert.equal(sink.splits().length, 1);
  await ok(['delete', 'vs', 'reviews', '-n', 'shop']);
  await until('the weighted split to leave the proxy', () => (sink.splits().length === 0 ? true : undefined));
  // Host reviews is back to its Service's default route.
  assert.ok(JSON.stringify([...(sink.held.get(TypeUrl.RouteConfiguration)?.values() ?? [])].map((x) => x.resource)).includes('outbound|9080||reviews.shop.svc.cluster.local'));
});

const vmEntry = (address: string): string => `
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: reviews-vm, namespace: shop}
spec:
  address: "${address}"
  labels: {app: reviews-v1}
  serviceAccount: reviews
  ports: {http: 7070}
  weight: 2
`;

/** The endpoints the proxy holds for a cluster: `address:port` → weight. */
function heldEndpoints(clusterName: string): Record<string, number> {
  const out: Record<string, number> = {};
  const cla = sink.held.get(TypeUrl.ClusterLoadAssignment)?.get(clusterName)?.resource;
  for (const locality of isObj(cla) && Array.isArray(cla['endpoints']) ? cla['endpoints'] : []) {
    for (const lb of isObj(locality) && Array.isArray(locality['lb_endpoints']) ? locality['lb_endpoints'] : []) {
      if (!isObj(lb) || !isObj(lb['endpoint']) || !isObj(lb['endpoint']['address'])) continue;
      const sa = lb['endpoint']['address']['socket_address'];
      if (!isObj(sa)) continue;
      const w = lb['load_balancing_weight'];
      out[`${String(sa['address'])}:${String(sa['port_value'])}`] = typeof w === 'number' ? w : isObj(w) ? Number(w['value']) : 1;
    }
  }
  return out;
}

test('a WorkloadEntry is validated on admission, and once stored its address is an endpoint of the Services selecting it, until it is deleted', async (t) => {
  const refused = await kubectl(['apply', '-f', '-'], vmEntry('10.0.3.9:7070'));
  assert.equal(refused.code, 1);
  assert.match(refused.err, /The WorkloadEntry "reviews-vm" is invalid: spec\.address: must not include a port \(got "10\.0\.3\.9:7070"\)/);

  const V1_ENDPOINTS = 'outbound|9080||reviews-v1.shop.svc.cluster.local';
  assert.deepEqual(heldEndpoints(V1_ENDPOINTS), {}, 'reviews-v1 has no Pods');
  const applied = performance.now();
  await ok(['apply', '-f', '-'], vmEntry('10.0.3.9'));
  await until('the VM to be an endpoint of reviews-v1', () => (heldEndpoints(V1_ENDPOINTS)['10.0.3.9:7070'] !== undefined ? true : undefined));
  t.diagnostic(`kubectl apply of a WorkloadEntry → the proxy holds its endpoint: ${(performance.now() - applied).toFixed(0)} ms`);
  // Its own port for the Service port named http, and its weight.
  assert.deepEqual(heldEndpoints(V1_ENDPOINTS), { '10.0.3.9:7070': 2 });
  // reviews selects app: reviews, not the VM.
  assert.deepEqual(heldEndpoints('outbound|9080||reviews.shop.svc.cluster.local'), {});

  await ok(['apply', '-f', '-'], vmEntry('10.0.3.10'));
  await until('the moved VM to replace the old address', () => (JSON.stringify(heldEndpoints(V1_ENDPOINTS)) === JSON.stringify({ '10.0.3.10:7070': 2 }) ? true : undefined));
  await ok(['delete', 'we', 'reviews-vm', '-n', 'shop']);
  await until('the deleted VM to leave the endpoints', () => (Object.keys(heldEndpoints(V1_ENDPOINTS)).length === 0 ? true : undefined));
});

const jwtPolicy = (jwksUri: string): string => `
apiVersion: weft.dev/v1alpha1
kind: RequestAuthentication
metadata: {name: productpage-jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: productpage}}
  jwtRules:
  - issuer: https://id.example.com
    jwksUri: ${jwksUri}
    timeout: 2s
`;

const raConditions = async (): Promise<Cond[]> => {
  const o = await admin.request('GET', '/apis/weft.dev/v1alpha1/namespaces/shop/requestauthentications/productpage-jwt');
  const status = isObj(o['status']) ? o['status'] : {};
  return (Array.isArray(status['conditions']) ? status['conditions'] : []) as Cond[];
};

/** The held inbound listener's text (jwt_authn and its providers are inside). */
const heldInbound = (): string => JSON.stringify(sink.held.get(TypeUrl.Listener)?.get('virtualInbound')?.resource ?? null);

test('a RequestAuthentication: the operator fetches its jwksUri, the selected proxy holds jwt_authn with the keys inline, status says whether the keys resolved', async (t) => {
  const refused = await kubectl(['apply', '-f', '-'], jwtPolicy('http://id.example.com/jwks.json'));
  assert.equal(refused.code, 1);
  assert.match(refused.err, /The RequestAuthentication "productpage-jwt" is invalid: spec\.jwtRules\[0\]\.jwksUri: must be https/);

  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'operator-test-key', use: 'sig', alg: 'ES256' };
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/jwks.json') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  const port = (server.address() as { port: number }).port;
  assert.ok(!heldInbound().includes('jwt_authn'), 'no jwt_authn before the policy');
  const applied = performance.now();
  await ok(['apply', '-f', '-'], jwtPolicy(`http://127.0.0.1:${port}/jwks.json`));
  await until('the proxy to hold jwt_authn with the fetched key', () => (heldInbound().includes('jwt_authn') && heldInbound().includes('operator-test-key') ? true : undefined));
  t.diagnostic(`kubectl apply of a RequestAuthentication → the proxy holds its fetched keys: ${(performance.now() - applied).toFixed(0)} ms`);
  assert.ok(fetches >= 1);
  assert.ok(heldInbound().indexOf('jwt_authn') < heldInbound().indexOf('envoy.filters.http.router'), 'jwt_authn before the router');
  await until('ResolvedRefs True and Ready True', async () => {
    const cs = await raConditions();
    return cs.find((c) => c.type === 'ResolvedRefs')?.status === 'True' && cs.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
  });
  assert.match((await raConditions()).find((c) => c.type === 'Programmed')?.message ?? '', /acknowledged by 1 of 1 proxy/);

  // A key set that cannot be fetched: the status says why, and the proxy's provider gets a key nobody holds.
  await ok(['apply', '-f', '-'], jwtPolicy(`http://127.0.0.1:${port}/gone.json`));
  // First False while the new set is not fetched yet, then False saying why it cannot be.
  const failed = await until('ResolvedRefs False: cannot be fetched', async () => (await raConditions()).find((c) => c.type === 'ResolvedRefs' && c.status === 'False' && /cannot be fetched/.test(c.message)));
  assert.match(failed.message, /spec\.jwtRules\[0\]\.jwksUri/, JSON.stringify(failed));
  assert.match(failed.message, /HTTP 404/);
  await until('the provider to lose the fetched key', () => (heldInbound().includes('weft-no-key-set') && !heldInbound().includes('operator-test-key') ? true : undefined));

  await ok(['delete', 'ra', 'productpage-jwt', '-n', 'shop']);
  await until('jwt_authn to leave the inbound listener', () => (heldInbound().includes('jwt_authn') ? undefined : true));
});

test('a second replica reads the leader\'s CA from the Secret (never creates one) and serves xDS and the webhook with certificates from it', async () => {
  const a = running;
  assert.ok(a !== undefined);
  const parsed = parseArgs([
    '--kubeconfig', operatorKubeconfig, '--namespace', 'weft-system', '--identity', 'xds-b', '--health-addr', '0',
    '--xds-addr', '127.0.0.1:0', '--xds-tls-addr', '127.0.0.1:0', '--webhook-addr', '127.0.0.1:0', '--webhook-ip', '127.0.0.1',
    '--lease-duration', '2s', '--renew-deadline', '1500ms', '--retry-period', '250ms',
  ]);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(operatorKubeconfig);
  const log = pino({ level: 'debug', base: { identity: 'xds-b' } }, pino.destination({ dest: join(cluster.dir, 'operator-xds-b.log'), sync: true }));
  const before = (await admin.request('GET', '/api/v1/namespaces/weft-system/secrets/weft-ca'))['metadata'] as Obj;
  const b = await startOperator(parsed.options, { kubeConfig, identity: 'xds-b', log, onFatal: (e) => assert.fail(`replica b failed: ${String(e)}`) });
  try {
    await until('replica b to be ready', () => (b.ready ? true : undefined), 15_000);
    assert.equal(b.operator.isLeader(), false);
    assert.equal(b.controlPlane.ca?.root.cert.fingerprint256, a.controlPlane.ca?.root.cert.fingerprint256, 'one CA for every replica');
    const after = (await admin.request('GET', '/api/v1/namespaces/weft-system/secrets/weft-ca'))['metadata'] as Obj;
    assert.equal(after['resourceVersion'], before['resourceVersion'], 'the Secret was not written');
    const bundle = (await ok(['get', 'configmap', 'weft-ca-root-cert', '-n', 'weft-system', '-o', 'jsonpath={.data.root-cert\\.pem}']));
    for (const [port, servername] of [[b.controlPlane.ports.xdsTls, 'weft.weft-system.svc'], [b.controlPlane.ports.webhook, 'weft-webhook.weft-system.svc']] as const) {
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: port ?? 0, servername, ca: bundle, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
          resolve(s.authorized);
          s.end();
        });
        s.on('error', reject);
      });
      assert.ok(authorized, `${servername} on replica b`);
    }
  } finally {
    await b.stop();
  }
});

test('the CA Secret store: a write over a version someone else replaced is refused, and a Secret without a CA is named, not overwritten', async () => {
  const material = await new SecretCaStore(admin, 'weft-system').load();
  assert.ok(material !== undefined);
  // A copy of the operator's CA, so its own Secret is left alone.
  const first = new SecretCaStore(admin, 'shop', 'copy-ca');
  await first.save(material);
  const second = new SecretCaStore(admin, 'shop', 'copy-ca');
  assert.deepEqual(await second.load(), material);
  await first.save({ ...material, trustBundlePem: `${material.trustBundlePem}\n` });
  await assert.rejects(second.save(material), (e: Error) => e instanceof CaSecretConflictError && /Secret shop\/copy-ca was changed by someone else; load it again/.test(e.message));
  // Two creators racing: the second POST loses.
  const racer = new SecretCaStore(admin, 'shop', 'race-ca');
  assert.equal(await racer.load(), undefined);
  await new SecretCaStore(admin, 'shop', 'race-ca').save(material);
  await assert.rejects(racer.save(material), CaSecretConflictError);
  await ok(['create', 'secret', 'generic', 'empty-ca', '-n', 'shop', '--from-literal=other=x']);
  await assert.rejects(new SecretCaStore(admin, 'shop', 'empty-ca').load(), /Secret shop\/empty-ca exists but holds no CA \(keys root\.pem, root-key\.pem, ca\.pem, ca-key\.pem\); delete it/);
});

test('stopping (as on SIGTERM) hands back the Lease, closes xDS and the webhook, and the proxy sees the stream end', async () => {
  const r = running;
  assert.ok(r !== undefined);
  const ports = r.controlPlane.ports;
  await r.stop();
  running = undefined;
  const lease = await admin.request('GET', '/apis/coordination.k8s.io/v1/namespaces/weft-system/leases/weft-operator');
  assert.ok(!isObj(lease['spec']) || lease['spec']['holderIdentity'] === undefined || lease['spec']['holderIdentity'] === '', JSON.stringify(lease['spec']));
  for (const port of [ports.xdsPlaintext, ports.xdsTls, ports.webhook]) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: port ?? 0, rejectUnauthorized: false });
      s.on('secureConnect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    assert.ok(refused, `port ${port} still accepts connections`);
  }
  const client = clients[0];
  assert.ok(client !== undefined);
  await until('the client to notice', () => (client.status().state !== 'connected' ? true : undefined), 5000);
});
