// SMI TrafficSplits on a real kube-apiserver, as canary controllers write
// them: config/smi installs the API, Flagger's and Argo Rollouts' objects (in
// their exact shapes and write methods) are accepted, and the operator, with
// the credentials of config/rbac's ServiceAccount, turns them into the
// snapshot's TrafficSplits with the weights the controller meant. Weight
// edits reach the next snapshot; a split nothing could route gets a Warning
// Event (SMI's CRD has no status subresource).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { Operator } from '../../operator/k8s/operator.ts';
import { kubectlAsync, kubectlOk, until as pollUntil, type KubectlResult } from '../support/kube.ts';

let cluster: Cluster;
let op: Operator | undefined;

/** kubectl, asynchronously: a synchronous child would stop the in-process operator's event loop. */
const kubectl = (args: readonly string[], input?: string): Promise<KubectlResult> => kubectlAsync(cluster.kubeconfig, args, input);

const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 25): Promise<T> =>
  pollUntil(what, probe, timeoutMs, everyMs);

function operator(): Operator {
  assert.ok(op !== undefined, 'the operator is not running');
  return op;
}

/** The snapshot's split of ns/name as [service, weight] pairs, once it matches `want` (relative weights compared as shares). */
async function snapshotSplit(name: string, want: Array<[string, number]>, ns = 'shop'): Promise<Array<[string, number]>> {
  const share = (pairs: Array<[string, number]>): string => {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    return JSON.stringify(pairs.map(([s, w]) => [s, total === 0 ? 0 : Math.round((w / total) * 1e6)]));
  };
  let last: unknown = 'absent';
  try {
    return await until(`${ns}/${name} in the snapshot with ${JSON.stringify(want)}`, () => {
      const split = operator().current()?.build.snapshot.trafficSplits.find((s) => s.metadata.name === name && s.metadata.namespace === ns);
      if (split === undefined) return undefined;
      const pairs = split.spec.backends.map((b): [string, number] => [b.service, b.weight]);
      last = pairs;
      return share(pairs) === share(want) ? pairs : undefined;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}

interface KubeEvent { type: string; reason: string; message: string; involvedObject: { apiVersion: string; kind: string } }
async function eventsOf(name: string, ns = 'shop'): Promise<KubeEvent[]> {
  const out = await ok(['get', 'events', '-n', ns, '--field-selector', `involvedObject.kind=TrafficSplit,involvedObject.name=${name}`, '-o', 'json']);
  return (JSON.parse(out) as { items: KubeEvent[] }).items;
}

const services = (...names: string[]): string => names.map((n) => `
apiVersion: v1
kind: Service
metadata: {name: ${n}, namespace: shop}
spec:
  selector: {app: ${n}}
  ports: [{name: http, port: 9898}]
`).join('---');

/** What Flagger's SMI v1alpha3 router writes: canary first, then primary, integer weights, the apex name. */
const flaggerSplit = (canary: number, primary: number): string => JSON.stringify({
  apiVersion: 'split.smi-spec.io/v1alpha3',
  kind: 'TrafficSplit',
  metadata: { name: 'podinfo', namespace: 'shop' },
  spec: { service: 'podinfo', backends: [{ service: 'podinfo-canary', weight: canary }, { service: 'podinfo-primary', weight: primary }] },
});

before(async () => {
  cluster = await startCluster();
  await ok(['apply', '-k', 'config/crd']);
  await ok(['apply', '-k', 'config/smi']);
  await ok(['wait', '--for=condition=Established', '--timeout=30s', 'crd/trafficsplits.weft.dev', 'crd/trafficsplits.split.smi-spec.io']);
  await ok(['create', 'namespace', 'weft-system']);
  await ok(['create', 'namespace', 'shop']);
  await ok(['apply', '-k', 'config/rbac']);
  await ok(['apply', '-f', '-'], services('podinfo', 'podinfo-primary', 'podinfo-canary', 'rollouts-demo', 'rollouts-demo-stable', 'rollouts-demo-canary', 'web'));
  // The operator runs as config/rbac's ServiceAccount: its RBAC covers SMI.
  const token = (await ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=1h'])).trim();
  const kubeconfig = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(kubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  op = new Operator({
    kubeConfig,
    namespace: 'weft-system',
    identity: 'smi-test',
    log: pino({ level: 'debug' }, pino.destination({ dest: join(cluster.dir, 'operator.log'), sync: true })),
    leaderElection: false,
    debounceMs: 20,
    maxDebounceMs: 200,
    informers: { backoff: { initialMs: 100, maxMs: 1000 } },
    retry: { baseDelayMs: 100, maxDelayMs: 2000 },
    smiDiscoveryIntervalMs: 500,
  });
  await op.start();
});

after(async () => {
  await op?.stop().catch(() => undefined);
  await cluster?.stop();
});

test('config/smi serves every SMI version, v1alpha4 preferred, without taking `ts` from Weft', async () => {
  const group = JSON.parse(await ok(['get', '--raw', '/apis/split.smi-spec.io'])) as { versions: Array<{ version: string }>; preferredVersion: { version: string } };
  assert.deepEqual(group.versions.map((v) => v.version), ['v1alpha4', 'v1alpha3', 'v1alpha2', 'v1alpha1']);
  assert.equal(group.preferredVersion.version, 'v1alpha4');
  const crd = JSON.parse(await ok(['get', 'crd', 'trafficsplits.split.smi-spec.io', '-o', 'json'])) as {
    spec: { names: { shortNames: string[]; categories: string[] }; conversion: { strategy: string }; versions: Array<{ name: string; storage: boolean; subresources?: unknown }> };
  };
  assert.deepEqual(crd.spec.names.shortNames, ['smits']);
  assert.deepEqual(crd.spec.names.categories, ['smi']);
  assert.equal(crd.spec.conversion.strategy, 'None');
  assert.deepEqual(crd.spec.versions.filter((v) => v.storage).map((v) => v.name), ['v1alpha4']);
  assert.ok(crd.spec.versions.every((v) => v.subresources === undefined), 'SMI TrafficSplits have no status subresource');

  await ok(['apply', '-f', '-'], `
apiVersion: weft.dev/v1alpha1
kind: TrafficSplit
metadata: {name: web, namespace: shop}
spec:
  service: web
  backends: [{service: podinfo, weight: 1}]
---
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: columns, namespace: shop}
spec:
  service: rollouts-demo
  backends: [{service: rollouts-demo-stable, weight: 1}]
`);
  // `ts` stays Weft's; SMI's answer to smits and the smi category.
  assert.deepEqual((await ok(['get', 'ts', '-n', 'shop', '-o', 'name'])).trim().split('\n'), ['trafficsplit.weft.dev/web']);
  assert.deepEqual((await ok(['get', 'smits', '-n', 'shop', '-o', 'name'])).trim().split('\n'), ['trafficsplit.split.smi-spec.io/columns']);
  assert.deepEqual((await ok(['get', 'smi', '-n', 'shop', '-o', 'name'])).trim().split('\n'), ['trafficsplit.split.smi-spec.io/columns']);
  assert.deepEqual((await ok(['get', 'weft', '-n', 'shop', '-o', 'name'])).trim().split('\n'), ['trafficsplit.weft.dev/web']);
  assert.match(await ok(['get', 'smits', 'columns', '-n', 'shop']), /^NAME\s+SERVICE\s+AGE\ncolumns\s+rollouts-demo\s+\d+s\n$/);
  await ok(['delete', 'trafficsplits.weft.dev/web', 'trafficsplits.split.smi-spec.io/columns', '-n', 'shop']);
});

test('each version validates weights as SMI defines them: Quantities in v1alpha1, non-negative integers later', async () => {
  const write = (version: string, weights: unknown[], extra: Record<string, unknown> = {}) => kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify({
    apiVersion: `split.smi-spec.io/${version}`,
    kind: 'TrafficSplit',
    metadata: { name: 'v', namespace: 'shop' },
    spec: { service: 'podinfo', backends: weights.map((weight, i) => ({ service: `b${i}`, weight })), ...extra },
  }));
  for (const weights of [['10', '90'], ['500m', '1'], [1, '1.5'], ['1k', '+2'], ['1Ki', '1e3']]) {
    const r = await write('v1alpha1', weights);
    assert.equal(r.code, 0, `v1alpha1 ${JSON.stringify(weights)}: ${r.err}`);
  }
  const bad1 = await write('v1alpha1', ['ten', -1, '-1', '50%']);
  assert.notEqual(bad1.code, 0);
  for (const i of [0, 1, 2, 3]) assert.match(bad1.err, new RegExp(`spec\\.backends\\[${i}\\]\\.weight`), bad1.err);
  for (const version of ['v1alpha2', 'v1alpha3', 'v1alpha4']) {
    const good = await write(version, [0, 100]);
    assert.equal(good.code, 0, `${version}: ${good.err}`);
    const bad = await write(version, ['10', -1]);
    assert.notEqual(bad.code, 0, version);
    assert.match(bad.err, /spec\.backends\[0\]\.weight: Invalid value: "string": .*must be of type integer/);
    assert.match(bad.err, /spec\.backends\[1\]\.weight: Invalid value: -1: .*greater than or equal to 0/);
  }
  // matches: HTTPRouteGroups from v1alpha3, typed references (apiGroup) in v1alpha4, none before.
  const matches = { matches: [{ kind: 'HTTPRouteGroup', name: 'api', apiGroup: 'specs.smi-spec.io' }] };
  assert.equal((await write('v1alpha4', [1], matches)).code, 0);
  const v3 = await write('v1alpha3', [1], { matches: [{ kind: 'TCPRoute', name: 'api' }] });
  assert.match(v3.err, /spec\.matches\[0\]\.kind: Unsupported value: "TCPRoute"/);
  const missing = await write('v1alpha2', []);
  assert.match(missing.err, /spec\.backends: Invalid value: 0: .*at least 1 items/);
});

test("Flagger's canary (provider smi:v1alpha3): 100/0, 90/10, 50/50, promoted back to primary, each in the next snapshot", async (t) => {
  await ok(['create', '-f', '-'], flaggerSplit(0, 100));
  const first = await snapshotSplit('podinfo', [['podinfo-canary', 0], ['podinfo-primary', 100]]);
  assert.deepEqual(first.map(([s]) => s), ['podinfo-canary', 'podinfo-primary']);
  assert.equal(operator().current()?.build.snapshot.smiTrafficSplits?.includes('shop/podinfo'), true, 'the snapshot marks the split as SMI');
  // Flagger's SetRoutes: GET, then UPDATE (kubectl replace) of the whole split.
  for (const [canary, primary] of [[10, 90], [50, 50], [0, 100]] as const) {
    const started = performance.now();
    await ok(['replace', '-f', '-'], flaggerSplit(canary, primary));
    await snapshotSplit('podinfo', [['podinfo-canary', canary], ['podinfo-primary', primary]]);
    t.diagnostic(`replace ${canary}/${primary} → snapshot: ${(performance.now() - started).toFixed(0)} ms`);
  }
  // A weight change by patch reaches the next snapshot too.
  await ok(['patch', 'trafficsplits.split.smi-spec.io', 'podinfo', '-n', 'shop', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/backends/0/weight', value: 25 }, { op: 'replace', path: '/spec/backends/1/weight', value: 75 }])]);
  assert.deepEqual(await snapshotSplit('podinfo', [['podinfo-canary', 25], ['podinfo-primary', 75]]), [['podinfo-canary', 25], ['podinfo-primary', 75]]);
  // The split is valid and every Service exists: no Warning Event.
  assert.deepEqual((await eventsOf('podinfo')).filter((e) => e.type === 'Warning'), []);
  await ok(['delete', 'trafficsplits.split.smi-spec.io', 'podinfo', '-n', 'shop']);
  await until('podinfo to leave the snapshot', () => (operator().current()?.build.snapshot.trafficSplits.some((s) => s.metadata.name === 'podinfo') ? undefined : true));
});

test("Argo Rollouts' default v1alpha1 split (Quantity strings, merge patches) keeps its weights when read through v1alpha4", async () => {
  // What the controller's smi-sdk-go client sends: resource.Quantity marshals as a string.
  const argo = (canary: string, stable: string) => ({ spec: { backends: [{ service: 'rollouts-demo-canary', weight: canary }, { service: 'rollouts-demo-stable', weight: stable }] } });
  await ok(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'split.smi-spec.io/v1alpha1',
    kind: 'TrafficSplit',
    metadata: { name: 'rollouts-demo', namespace: 'shop' },
    spec: { service: 'rollouts-demo', ...argo('5', '95').spec },
  }));
  // Read back through the preferred version, the weights are still Quantity strings (conversion None).
  const raw = JSON.parse(await ok(['get', 'trafficsplits.v1alpha4.split.smi-spec.io', 'rollouts-demo', '-n', 'shop', '-o', 'json'])) as { apiVersion: string; spec: { backends: Array<{ weight: unknown }> } };
  assert.equal(raw.apiVersion, 'split.smi-spec.io/v1alpha4');
  assert.deepEqual(raw.spec.backends.map((b) => b.weight), ['5', '95']);
  await snapshotSplit('rollouts-demo', [['rollouts-demo-canary', 5], ['rollouts-demo-stable', 95]]);
  // SetWeight: a JSON merge patch of the spec, as the v1alpha1 client sends it.
  await ok(['patch', 'trafficsplits.v1alpha1.split.smi-spec.io', 'rollouts-demo', '-n', 'shop', '--type=merge', '-p', JSON.stringify(argo('40', '60'))]);
  assert.deepEqual(await snapshotSplit('rollouts-demo', [['rollouts-demo-canary', 2], ['rollouts-demo-stable', 3]]), [['rollouts-demo-canary', 2], ['rollouts-demo-stable', 3]]);
  // Quantities below one: 250m against 750m is 1 to 3, exactly.
  await ok(['patch', 'trafficsplits.v1alpha1.split.smi-spec.io', 'rollouts-demo', '-n', 'shop', '--type=merge', '-p', JSON.stringify(argo('250m', '750m'))]);
  assert.deepEqual(await snapshotSplit('rollouts-demo', [['rollouts-demo-canary', 1], ['rollouts-demo-stable', 3]]), [['rollouts-demo-canary', 1], ['rollouts-demo-stable', 3]]);
  assert.deepEqual((await eventsOf('rollouts-demo')).filter((e) => e.type === 'Warning'), []);
  await ok(['delete', 'trafficsplits.split.smi-spec.io', 'rollouts-demo', '-n', 'shop']);
});

test('Argo Rollouts configured for v1alpha2 and v1alpha3 (integer weights) is honoured the same way', async () => {
  for (const version of ['v1alpha2', 'v1alpha3']) {
    const name = `rollouts-${version}`;
    const split = (canary: number) => JSON.stringify({
      apiVersion: `split.smi-spec.io/${version}`,
      kind: 'TrafficSplit',
      metadata: { name, namespace: 'shop' },
      spec: { service: 'rollouts-demo', backends: [{ service: 'rollouts-demo-canary', weight: canary }, { service: 'rollouts-demo-stable', weight: 100 - canary }] },
    });
    await ok(['create', '-f', '-'], split(20));
    await snapshotSplit(name, [['rollouts-demo-canary', 20], ['rollouts-demo-stable', 80]]);
    await ok(['patch', `trafficsplits.${version}.split.smi-spec.io`, name, '-n', 'shop', '--type=merge', '-p', JSON.stringify({ spec: { backends: [{ service: 'rollouts-demo-canary', weight: 60 }, { service: 'rollouts-demo-stable', weight: 40 }] } })]);
    await snapshotSplit(name, [['rollouts-demo-canary', 60], ['rollouts-demo-stable', 40]]);
    await ok(['delete', 'trafficsplits.split.smi-spec.io', name, '-n', 'shop']);
  }
});

test('an SMI split whose weights are all 0 stays out of the snapshot and gets a Warning Event', async () => {
  await ok(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'split.smi-spec.io/v1alpha3',
    kind: 'TrafficSplit',
    metadata: { name: 'stalled', namespace: 'shop' },
    spec: { service: 'podinfo', backends: [{ service: 'podinfo-canary', weight: 0 }, { service: 'podinfo-primary', weight: 0 }] },
  }));
  const warning = await until('a Warning Event on shop/stalled', async () => (await eventsOf('stalled')).find((e) => e.type === 'Warning'));
  assert.equal(warning.reason, 'Invalid');
  assert.equal(warning.involvedObject.apiVersion, 'split.smi-spec.io/v1alpha4');
  assert.match(warning.message, /spec\.backends: all backend weights are 0/);
  assert.equal(operator().current()?.build.snapshot.trafficSplits.some((s) => s.metadata.name === 'stalled'), false);
  // kubectl describe tells the story without a status.
  assert.match(await ok(['describe', 'smits', 'stalled', '-n', 'shop']), /Warning\s+Invalid\s+.*all backend weights are 0/);
  // Fixed by the controller's next write: the split enters the snapshot.
  await ok(['patch', 'smits', 'stalled', '-n', 'shop', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/backends/1/weight', value: 100 }])]);
  await snapshotSplit('stalled', [['podinfo-canary', 0], ['podinfo-primary', 100]]);
});
