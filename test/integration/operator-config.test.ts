// The install: config/ kustomize bases on a real kube-apiserver. The CRD base
// carries exactly the generated CRDs; config/default applies (server-side dry
// run, then for real); the operator's RBAC grants what its code uses and
// nothing more; the Deployment's arguments are ones `weft operator` accepts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { freePort, startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { KubeClient, type ResourceType } from '../../operator/k8s/kube.ts';
import { ENDPOINT_SLICES, NAMESPACES, PODS, SERVICES, WEFT_TYPES, WORKLOAD_ENTRIES, smiTrafficSplits } from '../../operator/k8s/resources.ts';
import { parseArgs } from '../../operator/cli/operator.ts';
import { isObj, type Obj } from '../../operator/k8s/objects.ts';

let cluster: Cluster;
let admin: KubeClient;

function kubectl(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], { input, encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function ok(args: string[], input?: string): string {
  const r = kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

function build(base: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', join(REPO_ROOT, 'config', base)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `kubectl kustomize config/${base}: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj).filter(isObj);
}

const nameOf = (o: Obj): string => String((o['metadata'] as Obj)['name']);

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  admin = new KubeClient(kc);
});

after(async () => {
  await cluster?.stop();
});

test('config/crd builds to exactly the CRDs generated in crds/', () => {
  const generated = readdirSync(join(REPO_ROOT, 'crds')).filter((f) => /\.yaml$/.test(f)).sort();
  const fromFiles = generated.map((f) => nameOf(parseAllDocuments(readFileSync(join(REPO_ROOT, 'crds', f), 'utf8'))[0]?.toJS() as Obj)).sort();
  const built = build('crd');
  assert.ok(built.every((o) => o['kind'] === 'CustomResourceDefinition'));
  assert.deepEqual(built.map(nameOf).sort(), fromFiles, 'crds/Kustomization lists every generated CRD');
});

test('kubectl apply -k config/default succeeds: server-side dry run, then for real', () => {
  // A server-side dry run creates nothing, so the namespace its objects go into must exist already.
  ok(['create', 'namespace', 'weft-system']);
  const dry = ok(['apply', '-k', join(REPO_ROOT, 'config', 'default'), '--dry-run=server']);
  const lines = dry.trim().split('\n');
  const kinds = build('default').map((o) => String(o['kind']));
  assert.equal(lines.length, kinds.length, dry);
  assert.ok(lines.every((l) => / \(server dry run\)$/.test(l)), dry);
  for (const kind of ['customresourcedefinition', 'clusterrole', 'clusterrolebinding', 'role', 'rolebinding', 'serviceaccount', 'deployment']) {
    assert.match(dry, new RegExp(`^${kind}(\\.\\S*)?/\\S*weft`, 'm'), `${kind} missing from: ${dry}`);
  }
  ok(['apply', '-k', join(REPO_ROOT, 'config', 'default')]);
  const again = ok(['apply', '-k', join(REPO_ROOT, 'config', 'default'), '--dry-run=server']);
  assert.ok(again.trim().split('\n').every((l) => /(unchanged|configured) \(server dry run\)$/.test(l)), again);
  assert.equal(ok(['get', 'deployment', 'weft-operator', '-n', 'weft-system', '-o', 'jsonpath={.spec.template.spec.serviceAccountName}']), 'weft-operator');
});

const SA = 'system:serviceaccount:weft-system:weft-operator';

async function allowed(attrs: { verb: string; group: string; resource: string; subresource?: string; namespace?: string; name?: string }): Promise<boolean> {
  const review = await admin.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: SA,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:weft-system', 'system:authenticated'],
        resourceAttributes: { ...attrs, group: attrs.group },
      },
    },
  });
  return isObj(review['status']) && review['status']['allowed'] === true;
}

test('the operator may list and watch every type it informs on, and patch the status of mesh resources', async () => {
  const watched: ResourceType[] = [...WEFT_TYPES, smiTrafficSplits('v1alpha4', true), SERVICES, PODS, NAMESPACES, ENDPOINT_SLICES, WORKLOAD_ENTRIES];
  for (const t of watched) {
    for (const verb of ['list', 'watch']) assert.ok(await allowed({ verb, group: t.group, resource: t.resource }), `${verb} ${t.resource}.${t.group}`);
  }
  for (const t of [...WEFT_TYPES, smiTrafficSplits('v1alpha4', true)]) {
    assert.ok(await allowed({ verb: 'patch', group: t.group, resource: t.resource, subresource: 'status', namespace: 'shop' }), `patch ${t.resource}/status`);
  }
  for (const verb of ['create', 'patch']) assert.ok(await allowed({ verb, group: '', resource: 'events', namespace: 'shop' }), `${verb} events`);
  assert.ok(await allowed({ verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'weft-system' }));
  // Waypoints: watched by label, applied and deleted by name.
  for (const verb of ['list', 'watch']) assert.ok(await allowed({ verb, group: 'apps', resource: 'deployments' }), `${verb} deployments`);
  for (const [group, resource] of [['apps', 'deployments'], ['', 'services'], ['', 'serviceaccounts']] as const) {
    assert.ok(await allowed({ verb: 'create', group, resource, namespace: 'shop' }), `create ${resource}`);
    for (const verb of ['patch', 'delete']) assert.ok(await allowed({ verb, group, resource, namespace: 'shop', name: 'weft-waypoint' }), `${verb} ${resource} weft-waypoint`);
  }
  assert.ok(await allowed({ verb: 'patch', group: '', resource: 'namespaces', subresource: 'status', name: 'shop' }), 'patch namespaces/status');
  for (const verb of ['get', 'update']) {
    assert.ok(await allowed({ verb, group: 'coordination.k8s.io', resource: 'leases', namespace: 'weft-system', name: 'weft-operator' }), `${verb} its lease`);
  }
});

test('and nothing more: no spec writes, no reads it does not make, no Secrets, no other Leases', async () => {
  const denied: Array<Parameters<typeof allowed>[0]> = [
    { verb: 'get', group: 'weft.dev', resource: 'virtualservices', namespace: 'shop' },
    { verb: 'update', group: 'weft.dev', resource: 'virtualservices', namespace: 'shop' },
    { verb: 'patch', group: 'weft.dev', resource: 'virtualservices', namespace: 'shop' },
    { verb: 'delete', group: 'weft.dev', resource: 'virtualservices', namespace: 'shop' },
    { verb: 'update', group: 'weft.dev', resource: 'virtualservices', subresource: 'status', namespace: 'shop' },
    { verb: 'create', group: 'weft.dev', resource: 'virtualservices', namespace: 'shop' },
    { verb: 'patch', group: 'weft.dev', resource: 'workloadentries', namespace: 'shop' },
    { verb: 'patch', group: 'weft.dev', resource: 'workloadentries', subresource: 'status', namespace: 'shop' },
    { verb: 'patch', group: '', resource: 'pods', namespace: 'shop' },
    { verb: 'patch', group: '', resource: 'services', namespace: 'shop' },
    { verb: 'get', group: '', resource: 'pods', namespace: 'shop' },
    { verb: 'list', group: '', resource: 'secrets' },
    { verb: 'get', group: '', resource: 'secrets', namespace: 'weft-system' },
    { verb: 'list', group: '', resource: 'configmaps' },
    { verb: 'delete', group: '', resource: 'events', namespace: 'shop' },
    { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'weft-waypoint' },
    { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'reviews' },
    { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'reviews' },
    { verb: 'delete', group: '', resource: 'services', namespace: 'shop', name: 'reviews' },
    { verb: 'patch', group: '', resource: 'serviceaccounts', namespace: 'shop', name: 'default' },
    { verb: 'patch', group: '', resource: 'namespaces' },
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default' },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'weft-system', name: 'someone-else' },
    { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: 'weft-system', name: 'weft-operator' },
    { verb: 'list', group: 'coordination.k8s.io', resource: 'leases', namespace: 'weft-system' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  ];
  for (const attrs of denied) assert.equal(await allowed(attrs), false, `should be denied: ${JSON.stringify(attrs)}`);
});

test('the Deployment runs `weft operator` with arguments it accepts, behind the webhook Service', () => {
  const objects = build('default');
  const deployment = objects.find((o) => o['kind'] === 'Deployment');
  assert.ok(deployment !== undefined);
  const template = (deployment['spec'] as Obj)['template'] as Obj;
  const container = ((template['spec'] as Obj)['containers'] as Obj[])[0] as Obj;
  assert.equal(container['image'], 'weft:latest');
  const args = (container['args'] as string[]).map((a) => a.replace('$(POD_NAMESPACE)', 'weft-system').replace('$(POD_NAME)', 'weft-operator-abc'));
  assert.equal(args[0], 'operator');
  const parsed = parseArgs(args.slice(1));
  assert.ok(parsed.ok, `weft operator rejects the Deployment's arguments: ${parsed.ok ? '' : parsed.message}`);
  assert.equal(parsed.options.namespace, 'weft-system');
  assert.equal(parsed.options.healthAddr, ':8081');
  const probes = ['livenessProbe', 'readinessProbe'].map((p) => ((container[p] as Obj)['httpGet'] as Obj)['path']);
  assert.deepEqual(probes, ['/healthz', '/readyz']);
  const podLabels = (template['metadata'] as Obj)['labels'] as Record<string, string>;
  for (const svc of objects.filter((o) => o['kind'] === 'Service')) {
    const selector = (svc['spec'] as Obj)['selector'] as Record<string, string>;
    assert.ok(Object.entries(selector).every(([k, v]) => podLabels[k] === v), `Service ${nameOf(svc)} does not select the operator's Pods`);
  }
});

test('`weft operator` runs as the installed ServiceAccount, reports ready, and on SIGTERM stops and hands back its Lease', async () => {
  const token = ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=1h']).trim();
  const kubeconfig = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(kubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
  const port = await freePort();
  const child = spawn(join(REPO_ROOT, 'bin', 'weft'), ['operator', '--kubeconfig', kubeconfig, '--identity', 'cli-replica', `--health-addr=127.0.0.1:${port}`, '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (logs += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (logs += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    let ready = '';
    while (Date.now() < deadline) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => (r.ok ? r.text() : ''), () => '');
      if (ready !== '' && /leader: cli-replica/.test(ready)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(ready, /^ok \(leader: cli-replica\)/, logs);
    assert.equal(ok(['get', 'lease', 'weft-operator', '-n', 'weft-system', '-o', 'jsonpath={.spec.holderIdentity}']), 'cli-replica');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, logs);
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(ok(['get', 'lease', 'weft-operator', '-n', 'weft-system', '-o', 'jsonpath={.spec.holderIdentity}']), '');
  // Logs are JSON lines naming what they concern.
  const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l['msg'] === 'became the leader' && l['lease'] === 'weft-system/weft-operator'));
  assert.ok(lines.some((l) => l['msg'] === 'released the lease'));
  assert.ok(lines.every((l) => typeof l['time'] === 'number' && typeof l['level'] === 'number'));
});
