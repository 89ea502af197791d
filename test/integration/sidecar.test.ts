// An injected sidecar starting as it would in a Pod, on a real kube-apiserver:
// `weft operator` runs in this process (parseArgs → startOperator, with the
// credentials of config/rbac's ServiceAccount, xDS over TLS only), the Pod is
// created through kubectl so the API server calls the injection webhook, and
// `weft proxy` is started as a child process with the environment and
// arguments of the injected weft-proxy container. What a kubelet would do is
// done by hand: the downward-API fields are read from the Pod, the projected
// token comes from `kubectl create token --audience weft-ca`, the root
// certificate from the ConfigMap, and the proxy dials the operator on
// 127.0.0.1 while checking the Service name the certificate carries
// (WEFT_XDS_SERVER_NAME). Its ports are free ones on 127.0.0.x instead of the
// Pod's, so nothing collides on this machine.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import { writeFileSync, readFileSync, openSync, closeSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startCluster, freePort, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { parseArgs, startOperator, type RunningOperator } from '../../operator/cli/operator.ts';
import { KubeClient } from '../../operator/k8s/kube.ts';
import { isObj, type Obj } from '../../operator/k8s/objects.ts';
import { kubectlAsync, kubectlOk, until as pollUntil, type KubectlResult } from '../support/kube.ts';

const NS = 'bookinfo';
const SA = 'ratings';

let cluster: Cluster;
let admin: KubeClient;
let running: RunningOperator | undefined;
let operatorLog: string;
let rootPem: string;
const children: ChildProcess[] = [];

const kubectl = (args: readonly string[], input?: string): Promise<KubectlResult> => kubectlAsync(cluster.kubeconfig, args, input);

const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 50): Promise<T> =>
  pollUntil(what, probe, timeoutMs, everyMs);

before(async () => {
  cluster = await startCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  admin = new KubeClient(kc);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'crd')]);
  await ok(['wait', '--for=condition=Established', '--timeout=30s', 'crd/virtualservices.weft.dev', 'crd/authorizationpolicies.weft.dev', 'crd/trafficsplits.weft.dev']);
  await ok(['create', 'namespace', 'weft-system']);
  await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}, labels: {weft.dev/inject: enabled}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ${SA}, namespace: ${NS}}\n`);
  await ok(['apply', '-k', join(REPO_ROOT, 'config', 'rbac')]);
  // config/webhook as installed, except that the API server calls the operator in this process by URL.
  const webhookPort = await freePort();
  const docs = (await ok(['kustomize', join(REPO_ROOT, 'config', 'webhook')])).split(/^---$/m).map((d) => parseYaml(d) as Obj).filter((d) => String(d['kind']).endsWith('WebhookConfiguration'));
  for (const d of docs) {
    for (const w of d['webhooks'] as Obj[]) {
      const cc = w['clientConfig'] as { service: { path: string } };
      w['clientConfig'] = { url: `https://127.0.0.1:${webhookPort}${cc.service.path}` };
    }
  }
  await ok(['apply', '-f', '-'], docs.map((d) => toYaml(d)).join('---\n'));
  const token = (await ok(['create', 'token', 'weft-operator', '-n', 'weft-system', '--duration=2h'])).trim();
  const operatorKubeconfig = join(cluster.dir, 'operator.kubeconfig');
  writeFileSync(operatorKubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`), { mode: 0o600 });

  const parsed = parseArgs([
    '--kubeconfig', operatorKubeconfig,
    '--namespace', 'weft-system',
    '--identity', 'sidecar-test',
    '--health-addr', '127.0.0.1:0',
    '--xds-addr', '0',
    '--xds-tls-addr', '127.0.0.1:0',
    `--webhook-addr=127.0.0.1:${webhookPort}`,
    '--webhook-ip', '127.0.0.1',
    '--lease-duration', '2s', '--renew-deadline', '1500ms', '--retry-period', '250ms',
  ]);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(operatorKubeconfig);
  operatorLog = join(cluster.dir, 'operator-sidecar.log');
  const log = pino({ level: 'debug', base: { identity: 'sidecar-test' } }, pino.destination({ dest: operatorLog, sync: true }));
  const r = await startOperator(parsed.options, { kubeConfig, identity: 'sidecar-test', log, onFatal: (e) => assert.fail(`control plane failed: ${String(e)}`) });
  running = r;
  await until('the operator to be ready', () => (r.ready ? true : undefined), 20_000);
  const cm = await until(`ConfigMap ${NS}/weft-ca-root-cert`, async () => {
    const out = await kubectl(['get', 'configmap', 'weft-ca-root-cert', '-n', NS, '-o', 'json']);
    return out.code === 0 ? (JSON.parse(out.out) as { data: Record<string, string> }) : undefined;
  });
  rootPem = cm.data['root-cert.pem'] ?? '';
  assert.match(rootPem, /^-----BEGIN CERTIFICATE-----/);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await running?.stop();
  await cluster?.stop();
});

/** Creates a Deployment-like Pod through kubectl (so through the injection webhook), reports it Running at `ip`, returns it as the API server holds it. */
async function createPod(name: string, ip: string): Promise<Obj> {
  await ok(['apply', '-f', '-'], `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${NS}
  labels: {app: ratings, version: v1, pod-template-hash: 5d8f7c9b4}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ratings-v1-5d8f7c9b4, uid: 6f1c1f0e-0000-4000-8000-000000000001, controller: true}]
spec:
  serviceAccountName: ${SA}
  containers: [{name: app, image: example.invalid/ratings, ports: [{name: http, containerPort: 9080}]}]
`);
  await ok(['patch', 'pod', name, '-n', NS, '--subresource=status', '--type=merge', '-p',
    JSON.stringify({ status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] } })]);
  return admin.request('GET', `/api/v1/namespaces/${NS}/pods/${name}`);
}

interface Started {
  readonly child: ChildProcess;
  readonly health: number;
  readonly inbound: number;
  readonly bind: string;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
}

/**
 * Starts `weft proxy` with the injected container's arguments and environment:
 * literal values as they are, downward-API fields read from the Pod, the two
 * files at paths of our own with what the kubelet would project, and the
 * control plane and ports redirected as the header says.
 */
async function startSidecar(pod: Obj, token: string, bind: string): Promise<Started> {
  const spec = pod['spec'] as Obj;
  const container = (spec['initContainers'] as Obj[]).find((c) => c['name'] === 'weft-proxy');
  assert.ok(container !== undefined, 'the API server returned the Pod with the injected weft-proxy container');
  // The projected volume the token and root stand in for.
  const identity = (spec['volumes'] as Obj[]).find((v) => v['name'] === 'weft-identity') as { projected: { sources: Obj[] } } | undefined;
  assert.deepEqual(identity?.projected.sources.map((s) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap']);
  assert.equal((identity?.projected.sources[0]?.['serviceAccountToken'] as Obj)['audience'], 'weft-ca');
  assert.equal((identity?.projected.sources[1]?.['configMap'] as Obj)['name'], 'weft-ca-root-cert');

  const field = (path: string): string => {
    const [top, key] = path.split('.') as [string, string];
    const v = (pod[top] as Obj | undefined)?.[key];
    return typeof v === 'string' ? v : '';
  };
  const env: Record<string, string> = {};
  for (const e of container['env'] as Obj[]) {
    const from = isObj(e['valueFrom']) && isObj(e['valueFrom']['fieldRef']) ? String(e['valueFrom']['fieldRef']['fieldPath']) : undefined;
    env[String(e['name'])] = from !== undefined ? field(from) : String(e['value']);
  }
  const name = String((pod['metadata'] as Obj)['name']);
  const tokenFile = join(cluster.dir, `${name}.token`);
  const rootFile = join(cluster.dir, `${name}.root-cert.pem`);
  writeFileSync(tokenFile, token, { mode: 0o600 });
  writeFileSync(rootFile, rootPem);
  assert.equal(env['WEFT_TOKEN_FILE'], '/var/run/weft/identity/token');
  assert.equal(env['WEFT_CA_ROOT_FILE'], '/var/run/weft/identity/root-cert.pem');
  env['WEFT_TOKEN_FILE'] = tokenFile;
  env['WEFT_CA_ROOT_FILE'] = rootFile;
  assert.equal(env['WEFT_XDS_ADDRESS'], 'weft.weft-system.svc:15012');
  env['WEFT_XDS_SERVER_NAME'] = 'weft.weft-system.svc';
  env['WEFT_XDS_ADDRESS'] = `127.0.0.1:${running?.controlPlane.ports.xdsTls ?? 0}`;
  for (const p of ['WEFT_ADMIN_PORT', 'WEFT_HEALTH_PORT', 'WEFT_METRICS_PORT', 'WEFT_INBOUND_PORT', 'WEFT_OUTBOUND_PORT']) {
    assert.match(env[p] ?? '', /^\d+$/, p);
    env[p] = String(await freePort());
  }
  env['WEFT_BIND_ADDRESS'] = bind;
  const logFile = join(cluster.dir, `${name}.proxy.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(join(REPO_ROOT, 'bin', 'weft'), (container['args'] as string[]), {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, health: Number(env['WEFT_HEALTH_PORT']), inbound: Number(env['WEFT_INBOUND_PORT']), bind, logFile, exited };
}

async function ready(s: Started): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${s.bind}:${s.health}/healthz/ready`);
  return { status: res.status, body: await res.text() };
}

const programmed = async (): Promise<string | undefined> => {
  const vs = await admin.request('GET', `/apis/weft.dev/v1alpha1/namespaces/${NS}/virtualservices/ratings`);
  const status = isObj(vs['status']) ? vs['status'] : {};
  const conds = (Array.isArray(status['conditions']) ? status['conditions'] : []) as { type: string; message: string }[];
  return conds.find((c) => c.type === 'Programmed')?.message;
};

const normalSerial = (s: string): string => s.replace(/:/g, '').replace(/^0+/, '').toLowerCase();

test('an injected sidecar started with its Pod\'s environment gets its certificate through a TokenReview, its config over TLS ADS, turns ready, and the VirtualService says acknowledged by 1 of 1', async (t) => {
  await ok(['apply', '-f', '-'], `
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: ${NS}}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
---
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: ratings, namespace: ${NS}}
spec:
  hosts: [ratings]
  http:
  - route: [{destination: {host: ratings}}]
`);
  await until('VirtualService ratings programmed for nobody yet', async () => ((await programmed())?.includes('0 of 0') === true ? true : undefined));
  const pod = await createPod('ratings-v1-5d8f7c9b4-x2x7q', '127.0.0.23');
  const env = (((pod['spec'] as Obj)['initContainers'] as Obj[]).find((c) => c['name'] === 'weft-proxy')?.['env'] ?? []) as Obj[];
  assert.deepEqual(env.find((e) => e['name'] === 'WEFT_WORKLOAD_NAME'), { name: 'WEFT_WORKLOAD_NAME', value: 'ratings-v1' }, 'the injector names the Deployment, as the operator does');

  const token = (await ok(['create', 'token', SA, '-n', NS, '--audience', 'weft-ca', '--duration=1h'])).trim();
  const startedAt = performance.now();
  const s = await startSidecar(pod, token, '127.0.0.23');
  let last: { status: number; body: string } | undefined;
  try {
    last = await until('/healthz/ready to answer 200', async () => {
      const r = await ready(s);
      last = r;
      return r.status === 200 ? r : undefined;
    }, 30_000, 100);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last answer: ${JSON.stringify(last)}; proxy log:\n${readFileSync(s.logFile, 'utf8')}`);
  }
  t.diagnostic(`proxy process start → ready: ${(performance.now() - startedAt).toFixed(0)} ms`);
  const id = /certificate: (spiffe:\/\/\S+) serial (\S+) until/.exec(last.body);
  assert.ok(id !== null, last.body);
  assert.equal(id[1], `spiffe://cluster.local/ns/${NS}/sa/${SA}`);
  assert.match(last.body, /config: Cluster version \S+ \(\d+\)/);
  assert.match(last.body, /config: Listener version \S+ \(\d+\)/);

  // The CA issued exactly that certificate, to that identity, having asked the API server (TokenReview).
  const issued = readFileSync(operatorLog, 'utf8').split('\n').filter((l) => l.includes('workload certificate issued')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const mine = issued.find((l) => normalSerial(String(l['serial'])) === normalSerial(id[2] ?? ''));
  assert.ok(mine !== undefined, `the operator logged no issue of serial ${id[2] ?? ''}: ${JSON.stringify(issued)}`);
  assert.equal(mine['spiffeId'], `spiffe://cluster.local/ns/${NS}/sa/${SA}`);
  assert.equal(mine['via'], 'tokenreview');

  // Config arrived over the TLS port (plaintext xDS is off) and the listeners bound where the environment said.
  assert.deepEqual(running?.controlPlane.status().xds.map((x) => x.tls), [true]);
  await new Promise<void>((resolve, reject) => {
    const c = tcpConnect({ host: s.bind, port: s.inbound }, () => {
      c.destroy();
      resolve();
    });
    c.on('error', reject);
  });
  const message = await until('Programmed to count the sidecar', async () => {
    const m = await programmed();
    return m !== undefined && /acknowledged by 1 of 1/.test(m) ? m : undefined;
  });
  assert.equal(message, 'acknowledged by 1 of 1 proxy (generation 1)');

  // SIGTERM drains and exits cleanly.
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0, readFileSync(s.logFile, 'utf8'));
});

test('a token for another audience: the CA refuses it, the sidecar keeps running and reports the refusal as not ready', async () => {
  const pod = await createPod('ratings-v1-5d8f7c9b4-q8w4n', '127.0.0.24');
  const token = (await ok(['create', 'token', SA, '-n', NS, '--audience', 'not-weft-ca', '--duration=1h'])).trim();
  const s = await startSidecar(pod, token, '127.0.0.24');
  let last: { status: number; body: string } | undefined;
  const refused = await until('/healthz/ready to report the refusal', async () => {
    const r = await ready(s);
    last = r;
    return /UNAUTHENTICATED/.test(r.body) ? r : undefined;
  }, 30_000, 100).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; last answer: ${JSON.stringify(last)}; proxy log:\n${readFileSync(s.logFile, 'utf8')}`);
  });
  assert.equal(refused.status, 503);
  assert.match(refused.body, new RegExp(`certificate: spiffe://cluster.local/ns/${NS}/sa/${SA} requesting: CA 127\\.0\\.0\\.1:\\d+: UNAUTHENTICATED: the API server did not authenticate the token`));
  // Its config still arrives (ADS needs no certificate); only the certificate is missing.
  await until('the config to arrive', async () => (/config: Listener version/.test((await ready(s)).body) ? true : undefined));
  // Still running after the agent's next retry, still not ready.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(s.child.exitCode, null, readFileSync(s.logFile, 'utf8'));
  const again = await ready(s);
  assert.equal(again.status, 503);
  assert.match(readFileSync(s.logFile, 'utf8'), /"msg":"certificate request failed"/);
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
});
