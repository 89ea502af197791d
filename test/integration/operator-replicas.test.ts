// Several replicas of the control plane on a real kube-apiserver: each serves
// xDS, one leads and writes status, and the Programmed condition counts the
// proxies of every replica, through the acknowledgement summaries each
// replica publishes in ConfigMaps weft-acks-<identity> (operator/k8s/acks).
// Replicas run in this process with their xDS servers on ephemeral ports and
// config/rbac's ServiceAccount token; real ADS clients (the proxy's) connect
// to different replicas; everything a user does goes through kubectl,
// asynchronously.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { ControlPlane } from '../../operator/k8s/controlplane.ts';
import { Operator } from '../../operator/k8s/operator.ts';
import { KubeClient } from '../../operator/k8s/kube.ts';
import { SUMMARY_FORMAT } from '../../operator/k8s/acks/summary.ts';
import { isObj, type Obj } from '../../operator/k8s/objects.ts';
import { AdsClient, type ConfigSink, type XdsResource } from '../../proxy/xds/client.ts';
import { TypeUrl, type ResourceTypeUrl } from '../../xds/types.ts';
import { kubectlAsync, kubectlOk, until as pollUntil, type KubectlResult } from '../support/kube.ts';

const EXPIRY_MS = 3000;
const DELETE_AFTER_MS = 4000;

let cluster: Cluster;
let admin: KubeClient;
let kubeConfig: KubeConfig;
const clients: AdsClient[] = [];

interface Replica {
  readonly identity: string;
  readonly operator: Operator;
  readonly controlPlane: ControlPlane;
  readonly port: number;
  stopped: boolean;
  stop(): Promise<void>;
}
const replicas: Replica[] = [];

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

const programmed = async (): Promise<Cond | undefined> => {
  const o = await admin.request('GET', '/apis/weft.dev/v1alpha1/namespaces/shop/virtualservices/reviews');
  const status = isObj(o['status']) ? o['status'] : {};
  return ((Array.isArray(status['conditions']) ? status['conditions'] : []) as Cond[]).find((c) => c.type === 'Programmed');
};
async function waitProgrammed(check: (c: Cond) => boolean, timeoutMs = 10_000): Promise<Cond> {
  let seen: Cond | undefined;
  try {
    return await until('Programmed of VirtualService shop/reviews', async () => {
      seen = await programmed();
      return seen !== undefined && check(seen) ? seen : undefined;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(seen)}`);
  }
}

/** A proxy's config sink that can be told to refuse. */
class RecordingSink implements ConfigSink {
  refuse: ((typeUrl: ResourceTypeUrl, resources: XdsResource[]) => string | undefined) | undefined;
  apply(typeUrl: ResourceTypeUrl, resources: XdsResource[]) {
    const why = this.refuse?.(typeUrl, resources);
    return why === undefined ? { ok: true as const } : { ok: false as const, error: why };
  }
}

async function startReplica(identity: string): Promise<Replica> {
  const log = pino({ level: 'debug', base: { identity } }, pino.destination({ dest: join(cluster.dir, `operator-${identity}.log`), sync: true }));
  let operator: Operator | undefined;
  const controlPlane = new ControlPlane({
    kubeConfig, namespace: 'weft-system', identity, log, trustDomain: 'cluster.local', clusterDomain: 'cluster.local',
    xdsPlaintext: { address: '127.0.0.1', port: 0 }, xdsTls: false, webhook: false, managedProxies: false,
    isLeader: () => operator?.isLeader() ?? false,
    quietMs: 20, maxDelayMs: 200,
    sharedAcks: { renewMs: 500, debounceMs: 200, expiryMs: EXPIRY_MS, deleteAfterMs: DELETE_AFTER_MS },
  });
  const op = new Operator({
    kubeConfig, namespace: 'weft-system', identity, log,
    leaderElection: { leaseName: 'weft-operator', leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 },
    settings: { trustDomain: 'cluster.local', clusterDomain: 'cluster.local', defaultMtls: 'PERMISSIVE', rootNamespace: 'weft-system' },
    sink: controlPlane.sink,
    programmed: controlPlane.programmed,
  });
  operator = op;
  await controlPlane.start();
  await op.start();
  const r: Replica = {
    identity, operator: op, controlPlane, port: controlPlane.ports.xdsPlaintext ?? 0, stopped: false,
    async stop() {
      if (r.stopped) return;
      r.stopped = true;
      await op.stop({ releaseLease: true });
      await controlPlane.stop();
    },
  };
  replicas.push(r);
  return r;
}

const leader = (): Replica | undefined => replicas.find((r) => !r.stopped && r.operator.isLeader());

function proxy(pod: string, ip: string, port: number, sink: ConfigSink): AdsClient {
  const c = new AdsClient({
    host: '127.0.0.1', port,
    node: { id: `sidecar~${ip}~${pod}.shop~shop.svc.cluster.local`, metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: pod } },
    sink, backoff: { initialMs: 100, maxMs: 500 },
  });
  clients.push(c);
  c.start();
  return c;
}

const vs = (v1: number, v2: number): string => `
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

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  admin = new KubeClient(kc);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'crd')]);
  await ok(['wait', '--for=condition=Established', '--timeout=30s', 'crd/virtualservices.weft.dev']);
  await ok(['create', 'namespace', 'weft-system']);
  await ok(['create', 'namespace', 'shop']);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'rbac')]);
  const token = (await ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=2h'])).trim();
  const path = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(path, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {app: ${name}}\n  ports: [{name: http, port: 9080}]\n---\n`;
  await ok(['apply', '-f', '-'], ['reviews', 'reviews-v1', 'reviews-v2', 'productpage', 'ratings'].map(svc).join(''));
  for (const [pod, ip] of [['productpage-1', '10.244.0.7'], ['ratings-1', '10.244.0.8']] as const) {
    await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: ${pod}, namespace: shop, labels: {app: ${pod.replace(/-1$/, '')}}}\nspec:\n  containers: [{name: app, image: example.invalid/app}]\n`);
    await ok(['patch', 'pod', pod, '-n', 'shop', '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] } })]);
  }
});

after(async () => {
  for (const c of clients) c.stop();
  for (const r of replicas) await r.stop();
  await cluster?.stop();
});

const sink1 = new RecordingSink();
const sink2 = new RecordingSink();
const ids = { productpage: 'sidecar~10.244.0.7~productpage-1.shop~shop.svc.cluster.local', ratings: 'sidecar~10.244.0.8~ratings-1.shop~shop.svc.cluster.local' };

test('two replicas, a proxy on each: the leader counts both ("acknowledged by 2 of 2")', async (t) => {
  const a = await startReplica('replica-a');
  await until('replica-a to lead', () => (a.operator.isLeader() ? true : undefined));
  const b = await startReplica('replica-b');
  assert.equal(leader(), a);
  await ok(['apply', '-f', '-'], vs(80, 20));
  await waitProgrammed((c) => c.message === 'no proxy in reach is connected (0 of 0): nothing to program yet (generation 1)');
  const connected = performance.now();
  proxy('productpage-1', '10.244.0.7', a.port, sink1);
  proxy('ratings-1', '10.244.0.8', b.port, sink2);
  const c = await waitProgrammed((c) => c.message === 'acknowledged by 2 of 2 proxies (generation 1)');
  t.diagnostic(`two proxies on two replicas connected → "2 of 2": ${(performance.now() - connected).toFixed(0)} ms`);
  assert.equal(c.status, 'True');
  // Each replica's summary is in its ConfigMap, listing only its own proxy.
  const cms = JSON.parse(await ok(['get', 'configmaps', '-n', 'weft-system', '-l', 'app.kubernetes.io/component=acks', '-o', 'json'])) as { items: Obj[] };
  const byName = new Map(cms.items.map((i) => [String((i['metadata'] as Obj)['name']), JSON.parse(String((i['data'] as Obj)['summary.json'])) as { proxies: { id: string }[] }]));
  assert.deepEqual([...byName.keys()].sort(), ['weft-acks-replica-a', 'weft-acks-replica-b']);
  assert.deepEqual(byName.get('weft-acks-replica-a')?.proxies.map((p) => p.id), [ids.productpage]);
  assert.deepEqual(byName.get('weft-acks-replica-b')?.proxies.map((p) => p.id), [ids.ratings]);
});

test('a NACK from the proxy on the non-leader makes Programmed False/Rejected with that proxy\'s error; a fix is acknowledged by 2 of 2', async (t) => {
  assert.equal(leader()?.identity, 'replica-a');
  const error = 'route reviews: weight 30 is not allowed on this proxy';
  sink2.refuse = (typeUrl) => (typeUrl === TypeUrl.RouteConfiguration ? error : undefined);
  const applied = performance.now();
  await ok(['apply', '-f', '-'], vs(70, 30));
  const rejected = await waitProgrammed((c) => c.status === 'False' && c.observedGeneration === 2);
  t.diagnostic(`kubectl apply → Rejected (NACK on the non-leader): ${(performance.now() - applied).toFixed(0)} ms`);
  assert.equal(rejected.reason, 'Rejected');
  assert.ok(rejected.message.includes(`shop/ratings-1 (${ids.ratings}): RDS ${error}`), rejected.message);
  assert.ok(!rejected.message.includes('productpage-1'), rejected.message);
  sink2.refuse = undefined;
  await ok(['apply', '-f', '-'], vs(60, 40));
  await waitProgrammed((c) => c.message === 'acknowledged by 2 of 2 proxies (generation 3)' && c.status === 'True');
});

test('leader failover: the new leader counts the proxies of the other replicas', async (t) => {
  const a = replicas[0];
  const b = replicas[1];
  assert.ok(a !== undefined && b !== undefined);
  const c = await startReplica('replica-c');
  const stopped = performance.now();
  await a.stop(); // lease released; productpage-1's stream ends, and it reconnects to replica-c
  proxy('productpage-1', '10.244.0.7', c.port, sink1);
  const next = await until('a new leader', () => leader());
  t.diagnostic(`leader now ${next.identity}`);
  // Whichever of b and c leads, one proxy is on the other replica.
  await ok(['apply', '-f', '-'], vs(50, 50));
  await waitProgrammed((c) => c.message === 'acknowledged by 2 of 2 proxies (generation 4)');
  t.diagnostic(`leader stopped → new leader, "2 of 2" on the next generation: ${(performance.now() - stopped).toFixed(0)} ms`);
  assert.equal((await kubectl(['get', 'configmap', 'weft-acks-replica-a', '-n', 'weft-system'])).code, 1, 'a replica that stops deletes its summary');
});

test('a non-leader that dies: its proxies stop counting once its summary expires ("1 of 1")', async (t) => {
  const lead = leader();
  const other = replicas.find((r) => !r.stopped && r !== lead);
  assert.ok(lead !== undefined && other !== undefined);
  const name = `weft-acks-${other.identity}`;
  const saved = JSON.parse(await ok(['get', 'configmap', name, '-n', 'weft-system', '-o', 'json'])) as Obj;
  await other.stop();
  // Stopped cleanly: its summary is deleted and its proxy no longer counts.
  await waitProgrammed((c) => c.message === 'acknowledged by 1 of 1 proxy (generation 4)');
  // A crashed replica leaves its summary behind: put it back, renewed just now, as the replica's last write.
  const meta = saved['metadata'] as Obj;
  const data = { ...(saved['data'] as Record<string, string>), renewTime: new Date().toISOString() };
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'weft-system', labels: meta['labels'] }, data }));
  const left = performance.now();
  await waitProgrammed((c) => c.message === 'acknowledged by 2 of 2 proxies (generation 4)', 5000);
  await waitProgrammed((c) => c.message === 'acknowledged by 1 of 1 proxy (generation 4)', EXPIRY_MS + 5000);
  const ms = performance.now() - left;
  t.diagnostic(`a dead replica's summary ignored after ${ms.toFixed(0)} ms (expiry ${EXPIRY_MS} ms)`);
  assert.ok(ms >= EXPIRY_MS - 1000, `expired too early: ${ms} ms`);

  // The leader deletes it once unchanged for DELETE_AFTER_MS by its own clock; a summary still being renewed stays.
  const alive = 'weft-acks-replica-z';
  const summary = JSON.stringify({ format: SUMMARY_FORMAT, replica: 'replica-z', sets: [], proxies: [] });
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: alive, namespace: 'weft-system', labels: meta['labels'] }, data: { 'summary.json': summary, renewTime: new Date().toISOString() } }));
  let renewing = true;
  const renewer = (async () => {
    while (renewing) {
      await ok(['patch', 'configmap', alive, '-n', 'weft-system', '--type=merge', '-p', JSON.stringify({ data: { renewTime: new Date().toISOString() } })]);
      await new Promise((r) => setTimeout(r, 400));
    }
  })();
  await until(`the dead replica's summary ${name} to be deleted`, async () => ((await kubectl(['get', 'configmap', name, '-n', 'weft-system'])).code === 1 ? true : undefined), DELETE_AFTER_MS + 5000, 100);
  const deleted = performance.now() - left;
  t.diagnostic(`the dead replica's summary deleted by the leader ${deleted.toFixed(0)} ms after its last renewal (deleteAfter ${DELETE_AFTER_MS} ms)`);
  assert.ok(deleted >= DELETE_AFTER_MS - 1000, `deleted too early: ${deleted} ms`);
  assert.equal((await kubectl(['get', 'configmap', alive, '-n', 'weft-system'])).code, 0, 'a summary that keeps being renewed is not deleted');
  renewing = false;
  await renewer;
  // Once it stops renewing it goes the same way.
  const quiet = performance.now();
  await until(`${alive} to be deleted once no longer renewed`, async () => ((await kubectl(['get', 'configmap', alive, '-n', 'weft-system'])).code === 1 ? true : undefined), DELETE_AFTER_MS + 5000, 100);
  assert.ok(performance.now() - quiet >= DELETE_AFTER_MS - 1000);
  const log = readFileSync(join(cluster.dir, `operator-${lead.identity}.log`), 'utf8');
  assert.match(log, new RegExp(`"configMap":"weft-system/${name}".*"msg":"deleted the acknowledgement summary of a replica that stopped renewing it"`));
  await waitProgrammed((c) => c.message === 'acknowledged by 1 of 1 proxy (generation 4)');
});

test('RBAC for the summaries: the ConfigMaps of weft-system only, no get; nothing elsewhere', async () => {
  const allowed = async (attrs: { verb: string; namespace?: string; name?: string }): Promise<boolean> => {
    const review = await admin.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: 'system:serviceaccount:weft-system:weft-operator', groups: ['system:serviceaccounts', 'system:serviceaccounts:weft-system', 'system:authenticated'], resourceAttributes: { group: '', resource: 'configmaps', ...attrs } },
      },
    });
    return isObj(review['status']) && review['status']['allowed'] === true;
  };
  for (const verb of ['list', 'watch']) assert.equal(await allowed({ verb, namespace: 'weft-system' }), true, verb);
  for (const verb of ['create', 'patch', 'delete']) assert.equal(await allowed({ verb, namespace: 'weft-system', name: 'weft-acks-replica-a' }), true, verb);
  for (const attrs of [
    { verb: 'get', namespace: 'weft-system', name: 'weft-acks-replica-a' },
    { verb: 'list' },
    { verb: 'list', namespace: 'shop' },
    { verb: 'watch', namespace: 'shop' },
    { verb: 'delete', namespace: 'shop', name: 'weft-ca-root-cert' },
    { verb: 'patch', namespace: 'shop', name: 'app-config' },
    { verb: 'update', namespace: 'weft-system', name: 'weft-acks-replica-a' },
  ]) assert.equal(await allowed(attrs), false, `should be denied: ${JSON.stringify(attrs)}`);
});
