// Managed waypoints on a real kube-apiserver: `weft operator` (started in this
// process as the command starts it, with config/rbac's ServiceAccount token,
// so its RBAC is proven sufficient) keeps a Deployment, Service and
// ServiceAccount weft-waypoint in each namespace labelled
// weft.dev/waypoint=enabled. The test cluster has no controller-manager: the
// Deployment is stored but no Pod runs and no garbage collector deletes, so
// the test reads what the API server holds and writes the Deployment's status
// itself, as the deployment controller would. kubectl runs asynchronously
// (the operator shares this process's event loop).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { parseArgs, startOperator, type RunningOperator } from '../../operator/cli/operator.ts';
import { KubeClient, isNotFound } from '../../operator/k8s/kube.ts';
import { isObj, type Obj } from '../../operator/k8s/objects.ts';
import type { ProxyManager } from '../../operator/k8s/proxies/manager.ts';
import { kubectlAsync, kubectlOk, until as pollUntil, type KubectlResult } from '../support/kube.ts';

let cluster: Cluster;
let admin: KubeClient;
let operatorKubeconfig: string;
let running: RunningOperator | undefined;

const kubectl = (args: readonly string[], input?: string): Promise<KubectlResult> => kubectlAsync(cluster.kubeconfig, args, input);

const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 25): Promise<T> =>
  pollUntil(what, probe, timeoutMs, everyMs);

const get = async (path: string): Promise<Obj | undefined> => {
  try {
    return await admin.request('GET', path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
};
const DEPLOYMENT = '/apis/apps/v1/namespaces/shop/deployments/weft-waypoint';
const SERVICE = '/api/v1/namespaces/shop/services/weft-waypoint';
const SERVICE_ACCOUNT = '/api/v1/namespaces/shop/serviceaccounts/weft-waypoint';

const meta = (o: Obj): Obj => (isObj(o['metadata']) ? o['metadata'] : {});
const rv = (o: Obj): string => String(meta(o)['resourceVersion']);
const at = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (Array.isArray(v) ? v[k as number] : isObj(v) ? v[k as string] : undefined), o);

interface Cond { type: string; status: string; reason: string; message: string; lastTransitionTime: string }
async function waypointCondition(): Promise<Cond | undefined> {
  const ns = await admin.request('GET', '/api/v1/namespaces/shop');
  const conditions = (at(ns, 'status', 'conditions') ?? []) as Cond[];
  return conditions.find((c) => c.type === 'WaypointReady');
}
async function waitCondition(check: (c: Cond | undefined) => boolean, what: string): Promise<Cond | undefined> {
  let seen: Cond | undefined;
  try {
    await until(what, async () => {
      seen = await waypointCondition();
      return check(seen) ? true : undefined;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(seen)}`);
  }
  return seen;
}

async function startWith(image: string, identity: string): Promise<RunningOperator> {
  const parsed = parseArgs([
    '--kubeconfig', operatorKubeconfig,
    '--namespace', 'weft-system',
    '--identity', identity,
    '--no-leader-election',
    '--health-addr', '0',
    '--xds-addr', '127.0.0.1:0',
    '--xds-tls-addr', '0',
    '--webhook-addr', '0',
    '--proxy-image', image,
  ]);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(operatorKubeconfig);
  const log = pino({ level: 'debug', base: { identity } }, pino.destination({ dest: join(cluster.dir, `operator-${identity}.log`), sync: true }));
  const r = await startOperator(parsed.options, { kubeConfig, identity, log, onFatal: (e) => assert.fail(`control plane failed: ${String(e)}`) });
  await until('the operator to be ready', () => (r.ready && proxies(r).idle ? true : undefined), 15_000);
  return r;
}

function proxies(r: RunningOperator): ProxyManager {
  const p = r.controlPlane.proxies;
  assert.ok(p !== undefined, 'managed proxies are on by default');
  return p;
}

/** Every queued namespace reconciled (the queue drained after a short settle). */
async function settled(r: RunningOperator): Promise<void> {
  await new Promise((res) => setTimeout(res, 300));
  await until('the waypoint reconciler to be idle', () => (proxies(r).idle ? true : undefined));
}

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  admin = new KubeClient(kc);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'crd')]);
  await ok(['wait', '--for=condition=Established', '--timeout=30s', 'crd/virtualservices.weft.dev', 'crd/authorizationpolicies.weft.dev', 'crd/trafficsplits.weft.dev']);
  await ok(['create', 'namespace', 'weft-system']);
  await ok(['create', 'namespace', 'shop']);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'rbac')]);
  const token = (await ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=2h'])).trim();
  operatorKubeconfig = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(operatorKubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
});

after(async () => {
  await running?.stop();
  await cluster?.stop();
});

test('labelling a namespace gives it a waypoint: Deployment, Service and ServiceAccount, server-side applied by weft-operator and owned for garbage collection', async (t) => {
  running = await startWith('weft:v1', 'op-1');
  assert.equal(await get(DEPLOYMENT), undefined, 'no waypoint before the label');
  const labelled = performance.now();
  await ok(['label', 'namespace', 'shop', 'weft.dev/waypoint=enabled']);
  const deployment = await until('the waypoint Deployment', () => get(DEPLOYMENT));
  t.diagnostic(`kubectl label → Deployment stored: ${(performance.now() - labelled).toFixed(0)} ms (kubectl's own start-up included)`);
  const ns = await admin.request('GET', '/api/v1/namespaces/shop');
  const nsUid = meta(ns)['uid'];

  // Owned by the Namespace (a cluster-scoped owner of a namespaced dependent).
  assert.deepEqual(meta(deployment)['ownerReferences'], [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: nsUid, controller: true }]);
  // Applied by the operator's own field manager, as Apply, and nobody else's.
  const managers = (meta(deployment)['managedFields'] as Obj[]).filter((m) => m['subresource'] === undefined);
  assert.deepEqual(managers.map((m) => [m['manager'], m['operation']]), [['weft-operator', 'Apply']]);
  const owned = JSON.stringify(managers[0]?.['fieldsV1']);
  assert.match(owned, /"f:image"/);
  assert.doesNotMatch(owned, /"f:replicas"/, 'replicas are left to kubectl scale or an HPA');

  // The pod template: the proxy as the injector configures it, with its own identity.
  const template = at(deployment, 'spec', 'template') as Obj;
  const annotations = at(template, 'metadata', 'annotations') as Record<string, string>;
  assert.match(annotations['weft.dev/proxy-config-hash'] ?? '', /^[0-9a-f]{16}$/);
  assert.equal((meta(deployment)['annotations'] as Record<string, string>)['weft.dev/proxy-config-hash'], annotations['weft.dev/proxy-config-hash']);
  assert.equal(annotations['weft.dev/inject'], 'false', 'a waypoint never gets a sidecar of its own');
  assert.equal(at(template, 'spec', 'serviceAccountName'), 'weft-waypoint');
  const container = at(template, 'spec', 'containers', 0) as Obj;
  assert.equal(container['name'], 'weft-proxy');
  assert.equal(container['image'], 'weft:v1');
  assert.deepEqual(container['args'], ['proxy']);
  assert.equal(container['restartPolicy'], undefined, 'a plain container, not a native sidecar');
  const env = Object.fromEntries((container['env'] as Obj[]).filter((e) => typeof e['value'] === 'string').map((e) => [e['name'], e['value']]));
  assert.equal(env['WEFT_XDS_ADDRESS'], 'weft.weft-system.svc:15012');
  assert.equal(env['WEFT_TOKEN_FILE'], '/var/run/weft/identity/token');
  assert.deepEqual((container['ports'] as Obj[]).map((p) => [p['name'], p['containerPort']]), [['mesh', 15006], ['weft-metrics', 15090], ['weft-health', 15021]]);
  assert.equal(at(container, 'readinessProbe', 'httpGet', 'path'), '/healthz/ready');
  assert.equal(at(container, 'securityContext', 'runAsNonRoot'), true);
  const projected = at(template, 'spec', 'volumes', 0, 'projected', 'sources') as Obj[];
  assert.deepEqual(projected[0], { serviceAccountToken: { audience: 'weft-ca', expirationSeconds: 43200, path: 'token' } });
  assert.equal(at(projected[1], 'configMap', 'name'), 'weft-ca-root-cert');
  assert.deepEqual(at(deployment, 'spec', 'selector', 'matchLabels'), { 'app.kubernetes.io/name': 'weft-waypoint', 'weft.dev/proxy': 'waypoint' });

  // Service and ServiceAccount: controlled by the Deployment, so deleting it takes them along.
  const deploymentRef = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'weft-waypoint', uid: meta(deployment)['uid'], controller: true }];
  const service = await until('the waypoint Service', () => get(SERVICE));
  const account = await until('the waypoint ServiceAccount', () => get(SERVICE_ACCOUNT));
  for (const o of [service, account]) {
    assert.deepEqual(meta(o)['ownerReferences'], deploymentRef);
    assert.deepEqual((meta(o)['managedFields'] as Obj[]).map((m) => m['manager']), ['weft-operator']);
  }
  assert.deepEqual(at(service, 'spec', 'selector'), { 'app.kubernetes.io/name': 'weft-waypoint', 'weft.dev/proxy': 'waypoint' });
  assert.deepEqual((at(service, 'spec', 'ports') as Obj[]).map((p) => [p['name'], p['port'], p['targetPort']]), [['mesh', 15006, 'mesh'], ['http-metrics', 15090, 'weft-metrics']]);

  // No deployment controller has looked at it yet: the namespace says so.
  const c = await waitCondition((x) => x?.status === 'Unknown', 'WaypointReady Unknown');
  assert.equal(c?.reason, 'Pending');
  assert.match(c?.message ?? '', /waiting for the deployment controller to observe generation 1 \(weft:v1\)/);
});

test('reconciling again with the same settings writes nothing, nor does a restart; a forced resync is a no-op on the server', async (t) => {
  const r = running;
  assert.ok(r !== undefined);
  await settled(r);
  const before = await Promise.all([DEPLOYMENT, SERVICE, SERVICE_ACCOUNT].map(async (p) => rv((await get(p)) ?? {})));
  const ns = rv(await admin.request('GET', '/api/v1/namespaces/shop'));
  const applies = proxies(r).stats.deploymentApplies;
  const statusWrites = proxies(r).stats.statusWrites;
  proxies(r).enqueueAll(false);
  await settled(r);
  assert.equal(proxies(r).stats.deploymentApplies, applies, 'no apply when the config hash matches');
  assert.equal(proxies(r).stats.statusWrites, statusWrites, 'no status write when the condition says the same');
  // The periodic resync re-applies (force) to repair hand edits; identical config changes nothing on the server.
  proxies(r).enqueueAll(true);
  await settled(r);
  assert.equal(proxies(r).stats.deploymentApplies, applies + 1);
  const afterResync = await Promise.all([DEPLOYMENT, SERVICE, SERVICE_ACCOUNT].map(async (p) => rv((await get(p)) ?? {})));
  assert.deepEqual(afterResync, before, 'an identical server-side apply leaves every resourceVersion unchanged');

  // A restart with the same image: a fresh process recognises the config by its hash.
  await r.stop();
  running = await startWith('weft:v1', 'op-2');
  await settled(running);
  assert.equal(proxies(running).stats.deploymentApplies, 0);
  assert.equal(proxies(running).stats.statusWrites, 0);
  const afterRestart = await Promise.all([DEPLOYMENT, SERVICE, SERVICE_ACCOUNT].map(async (p) => rv((await get(p)) ?? {})));
  assert.deepEqual(afterRestart, before, 'resourceVersions unchanged across a restart');
  assert.equal(rv(await admin.request('GET', '/api/v1/namespaces/shop')), ns, 'the Namespace status is not rewritten');
  t.diagnostic(`reconciles after restart: ${proxies(running).stats.reconciles}, writes: 0`);
});

test('a new --proxy image rolls the waypoint: new template and hash, an Event on the Deployment', async (t) => {
  const old = await get(DEPLOYMENT);
  assert.ok(old !== undefined);
  const oldHash = (meta(old)['annotations'] as Record<string, string>)['weft.dev/proxy-config-hash'];
  await running?.stop();
  const restarted = performance.now();
  running = await startWith('weft:v2', 'op-3');
  const rolled = await until('the Deployment to carry weft:v2', async () => {
    const d = await get(DEPLOYMENT);
    return d !== undefined && at(d, 'spec', 'template', 'spec', 'containers', 0, 'image') === 'weft:v2' ? d : undefined;
  });
  t.diagnostic(`operator restarted with a new image → Deployment rolled: ${(performance.now() - restarted).toFixed(0)} ms`);
  const hash = (meta(rolled)['annotations'] as Record<string, string>)['weft.dev/proxy-config-hash'];
  assert.notEqual(hash, oldHash);
  assert.equal(at(rolled, 'spec', 'template', 'metadata', 'annotations', 'weft.dev/proxy-config-hash'), hash, 'the pod template changes, so the deployment controller rolls it');
  assert.equal(meta(rolled)['generation'], 2);
  assert.equal(meta(rolled)['uid'], meta(old)['uid'], 'rolled in place, not recreated');
  assert.equal(proxies(running).stats.deploymentApplies, 1);
  const events = JSON.parse(await ok(['get', 'events', '-n', 'shop', '--field-selector', 'involvedObject.name=weft-waypoint,involvedObject.kind=Deployment', '-o', 'json'])) as { items: Obj[] };
  const reasons = events.items.map((e) => e['reason']);
  assert.ok(reasons.includes('Created') && reasons.includes('Rolled'), JSON.stringify(reasons));
  const rolledEvent = events.items.find((e) => e['reason'] === 'Rolled');
  assert.match(String(rolledEvent?.['message']), new RegExp(`${oldHash} → ${hash}\\): rolling out image weft:v2`));
});

test('the Deployment status is reported on the Namespace (WaypointReady) and as Events on the Deployment', async () => {
  const d = await get(DEPLOYMENT);
  assert.ok(d !== undefined);
  const generation = meta(d)['generation'];
  const setStatus = (status: Obj): Promise<Obj> =>
    admin.request('PATCH', `${DEPLOYMENT}/status`, { contentType: 'application/merge-patch+json', body: { status: { observedGeneration: generation, ...status } } });

  // The deployment controller has seen it and is rolling: one old replica, none updated.
  await setStatus({ replicas: 1, updatedReplicas: 0, availableReplicas: 1, readyReplicas: 1 });
  let c = await waitCondition((x) => x?.reason === 'Progressing', 'WaypointReady Progressing');
  assert.equal(c?.status, 'False');
  assert.match(c?.message ?? '', /rolling out weft:v2: 0 of 1 replicas updated, 1 available/);

  await setStatus({ replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });
  c = await waitCondition((x) => x?.status === 'True', 'WaypointReady True');
  assert.equal(c?.reason, 'Available');
  assert.equal(c?.message, '1 of 1 replicas available (weft:v2)');
  const becameReady = c?.lastTransitionTime;
  const wait = await kubectl(['wait', '--for=condition=WaypointReady', '--timeout=5s', 'namespace/shop']);
  assert.equal(wait.code, 0, `kubectl wait: ${wait.err}`);

  await setStatus({ replicas: 1, updatedReplicas: 1, availableReplicas: 0, readyReplicas: 0, unavailableReplicas: 1 });
  c = await waitCondition((x) => x?.status === 'False', 'WaypointReady False');
  assert.equal(c?.reason, 'Unavailable');
  assert.equal(c?.message, '0 of 1 replicas available (weft:v2)');

  await setStatus({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "weft-waypoint-abc" has timed out progressing.' }] });
  c = await waitCondition((x) => x?.reason === 'RolloutFailed', 'WaypointReady RolloutFailed');
  assert.match(c?.message ?? '', /rollout of weft:v2 exceeded its progress deadline: ReplicaSet "weft-waypoint-abc" has timed out progressing\./);

  await setStatus({ replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1, unavailableReplicas: 0, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ok' }] });
  c = await waitCondition((x) => x?.status === 'True', 'WaypointReady True again');
  assert.notEqual(c?.lastTransitionTime, undefined);
  assert.ok(becameReady !== undefined);

  // kubectl describe tells the story: the condition on the Namespace, the transitions on the Deployment.
  const describeNs = await ok(['describe', 'namespace', 'shop']);
  assert.match(describeNs, /WaypointReady\s+True\s+.*Available\s+1 of 1 replicas available \(weft:v2\)/);
  const ns = await admin.request('GET', '/api/v1/namespaces/shop');
  const statusManager = (meta(ns)['managedFields'] as Obj[]).find((m) => m['manager'] === 'weft-operator');
  assert.equal(statusManager?.['subresource'], 'status');
  assert.match(JSON.stringify(statusManager?.['fieldsV1']), /k:\{\\"type\\":\\"WaypointReady\\"\}/, 'only its own condition is owned (conditions are a map by type)');
  const describe = await ok(['describe', 'deployment', 'weft-waypoint', '-n', 'shop']);
  for (const line of [/Normal\s+Available\s+.*WaypointReady is True: 1 of 1 replicas available \(weft:v2\)/, /Warning\s+Unavailable\s+.*WaypointReady is False: 0 of 1 replicas available/, /Warning\s+RolloutFailed/, /Normal\s+Rolled/]) {
    assert.match(describe, line);
  }
});

test('a label value other than enabled is reported, and removing the label removes the waypoint', async () => {
  const r = running;
  assert.ok(r !== undefined);
  await ok(['label', '--overwrite', 'namespace', 'shop', 'weft.dev/waypoint=yes']);
  const c = await waitCondition((x) => x?.reason === 'InvalidLabel', 'WaypointReady InvalidLabel');
  assert.equal(c?.status, 'False');
  assert.match(c?.message ?? '', /label weft\.dev\/waypoint: "yes" is not "enabled"/);
  await until('the waypoint removed', async () => ((await get(DEPLOYMENT)) === undefined ? true : undefined));

  await ok(['label', '--overwrite', 'namespace', 'shop', 'weft.dev/waypoint=enabled']);
  await until('the waypoint back', () => get(DEPLOYMENT));
  await ok(['label', 'namespace', 'shop', 'weft.dev/waypoint-']);
  const removed = performance.now();
  // The test cluster has no garbage collector: the operator deletes all three itself.
  await until('the Deployment, Service and ServiceAccount gone', async () => {
    const left = await Promise.all([DEPLOYMENT, SERVICE, SERVICE_ACCOUNT].map(get));
    return left.every((o) => o === undefined) ? true : undefined;
  });
  assert.ok(performance.now() - removed < 5000);
  await waitCondition((x) => x === undefined, 'the WaypointReady condition removed');
  await settled(r);
  const deletes = proxies(r).stats.deletes;
  proxies(r).enqueueAll(true);
  await settled(r);
  assert.equal(proxies(r).stats.deletes, deletes, 'nothing to delete when nothing is there');
});
