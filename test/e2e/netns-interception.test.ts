// Transparent interception end to end: four "pods" as network namespaces on a
// bridge, each with an app that knows nothing of the mesh, the redirection an
// injected Pod's init container applies (`weft proxy-init`, with the
// injector's own environment), and a `weft proxy` as uid 1337 fed over ADS by
// a control plane in this process. Apps call Services by name or VIP; the
// proxies route (VirtualService header match, TrafficSplit), authorize
// (AuthorizationPolicy by the caller's SPIFFE principal) and never loop on
// their own traffic. Every hop between proxies is mTLS: the mesh CA's
// CertificateService runs in this process next to ADS, each proxy's identity
// agent gets its certificate with a bootstrap token for its pod's service
// account, ADS serves the trust bundle as ROOTCA, and inbound is STRICT, so
// plaintext to an intercepted port is refused.
//
// Root only (network namespaces, iptables). Without the privileges the test
// fails and says why: CI runs it as root on this kind of machine.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetnsLab, netnsAvailable, type Pod } from '../support/netns.ts';
import type { CallOrder, CallResult } from '../support/netns-app.ts';
import { parseManifests } from '../../operator/api/load.ts';
import { snapshotFromManifests } from '../../operator/compile/manifests.ts';
import { defaultMeshSettings } from '../../operator/compile/snapshot.ts';
import { allResources, meshCompiler } from '../../operator/compile/proxy.ts';
import { caConfig, createCa, trustBundlePem } from '../../operator/ca/authority.ts';
import { caServingCredentials, startCaServer, type RunningCaServer } from '../../operator/ca/service.ts';
import { bootstrapTokens, newBootstrapToken } from '../../operator/ca/token.ts';
import { MeshDistributor } from '../../operator/xds/distributor.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { withTrustBundle } from '../../operator/xds/trust.ts';
import { DEFAULT_SIDECAR, initContainer } from '../../operator/k8s/webhook/inject.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEFT = [process.execPath, '--disable-warning=ExperimentalWarning', join(ROOT, 'operator/cli/main.ts')];
const APP = [process.execPath, '--disable-warning=ExperimentalWarning', join(ROOT, 'test/support/netns-app.ts')];
const XDS_PORT = 15010;
const CA_PORT = 15012;
const TRUST_DOMAIN = 'cluster.local';
const PROXY_UID = DEFAULT_SIDECAR.proxyUid;

interface PodSpec {
  readonly name: string;
  readonly ip: string;
  readonly workload: string;
  readonly serviceAccount: string;
  readonly excludeInbound?: readonly number[];
}

const PODS: readonly PodSpec[] = [
  { name: 'a', ip: '10.244.0.11', workload: 'productpage', serviceAccount: 'productpage' },
  { name: 'b', ip: '10.244.0.12', workload: 'reviews-v1', serviceAccount: 'reviews', excludeInbound: [9999] },
  { name: 'b2', ip: '10.244.0.13', workload: 'reviews-v2', serviceAccount: 'reviews' },
  { name: 'c', ip: '10.244.0.14', workload: 'ratings', serviceAccount: 'ratings' },
];

const SERVICES: Readonly<Record<string, { vip: string; selector: string }>> = {
  productpage: { vip: '10.96.0.10', selector: '{app: productpage}' },
  reviews: { vip: '10.96.0.20', selector: '{app: reviews}' },
  'reviews-v1': { vip: '10.96.0.21', selector: '{app: reviews, version: v1}' },
  'reviews-v2': { vip: '10.96.0.22', selector: '{app: reviews, version: v2}' },
  'reviews-split': { vip: '10.96.0.23', selector: '{app: reviews}' },
  ratings: { vip: '10.96.0.30', selector: '{app: ratings}' },
};

const LABELS: Readonly<Record<string, string>> = {
  productpage: '{app: productpage}',
  'reviews-v1': '{app: reviews, version: v1}',
  'reviews-v2': '{app: reviews, version: v2}',
  ratings: '{app: ratings}',
};

const MANIFESTS = [
  ...Object.entries(SERVICES).map(
    ([name, s]) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  clusterIP: ${s.vip}
  selector: ${s.selector}
  ports: [{name: http, port: 9080, targetPort: 9080}]
`,
  ),
  ...PODS.map(
    (p) => `apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: ${p.workload}, namespace: shop}
spec:
  address: ${p.ip}
  labels: ${LABELS[p.workload]}
  serviceAccount: ${p.serviceAccount}
  ports: {http: 9080}
`,
  ),
  `apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - name: canary
    match: [{headers: {x-canary: {exact: v2}}}]
    route: [{destination: {host: reviews-v2}}]
    headers: {request: {set: {x-weft-route: canary}}}
  - name: default
    route: [{destination: {host: reviews-v1}}]
    headers: {request: {set: {x-weft-route: default}}}
`,
  `apiVersion: weft.dev/v1alpha1
kind: TrafficSplit
metadata: {name: reviews-split, namespace: shop}
spec:
  service: reviews-split
  backends:
  - {service: reviews-v1, weight: 3}
  - {service: reviews-v2, weight: 1}
`,
  // By the caller's SPIFFE identity, which B's proxy knows only from C's client certificate.
  `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: no-ratings, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews, version: v1}}
  action: DENY
  rules: [{from: [{source: {principals: ['${TRUST_DOMAIN}/ns/shop/sa/ratings']}}]}]
`,
].join('---\n');

let lab: NetnsLab | undefined;
let xds: RunningXdsServer | undefined;
let caServer: RunningCaServer | undefined;
const bridges: net.Server[] = [];
const pods = new Map<string, Pod>();
/** Each pod's proxy process (ip netns exec and setpriv exec into it: the same pid). */
const proxyPids = new Map<string, number>();
const timings: Record<string, number> = {};

function mustLab(): NetnsLab {
  if (lab === undefined) throw new Error('the lab was not built');
  return lab;
}

function pod(name: string): Pod {
  const p = pods.get(name);
  if (p === undefined) throw new Error(`no pod ${name}`);
  return p;
}

const controlSocket = (p: Pod): string => join(mustLab().dir, `${p.name}.sock`);

/** Has the app in pod `from` make the calls (over its control socket); the app sees only URLs. */
function callFrom(from: string, order: CallOrder): Promise<CallResult[]> {
  const body = JSON.stringify(order);
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: controlSocket(pod(from)), method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CallResult[]);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function one(from: string, url: string, headers: Readonly<Record<string, string>> = {}): Promise<CallResult> {
  const [r] = await callFrom(from, { url, headers });
  if (r === undefined) throw new Error('no result');
  return r;
}

/** rq_total per cluster from a proxy's admin /clusters, read from inside its pod. */
async function requestTotals(from: string): Promise<Map<string, number>> {
  const r = await one(from, 'http://127.0.0.1:15000/clusters');
  assert.equal(r.status, 200, `admin of pod ${from}: ${r.error ?? r.body}`);
  const totals = new Map<string, number>();
  for (const line of r.body.split('\n')) {
    const m = /^(.+?)::([^:]+:\d+)::rq_total::(\d+)$/.exec(line);
    if (m !== null) totals.set(m[1] ?? '', (totals.get(m[1] ?? '') ?? 0) + Number(m[3]));
  }
  return totals;
}

/**
 * B-side request counts from a proxy's /stats/prometheus (istio_requests_total,
 * reporter="destination"), keyed by `source_principal connection_security_policy`.
 */
async function inboundRequests(from: string): Promise<Map<string, number>> {
  const r = await one(from, 'http://127.0.0.1:15000/stats/prometheus');
  assert.equal(r.status, 200, `metrics of pod ${from}: ${r.error ?? r.body}`);
  const counts = new Map<string, number>();
  for (const line of r.body.split('\n')) {
    const m = /^istio_requests_total\{(.*)\} (\d+)$/.exec(line);
    if (m === null) continue;
    const labels = new Map([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1] ?? '', l[2] ?? '']));
    if (labels.get('reporter') !== 'destination') continue;
    const key = `${labels.get('source_principal') ?? ''} ${labels.get('connection_security_policy') ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

const refusals = (podName: string): number => mustLab().output(`proxy-${podName}`).split('plaintext connection refused').length - 1;

/** A one-shot plaintext call made with the test app in namespace `ns`, as `uid` if given. */
function plainCall(ns: string, url: string, uid?: number): CallResult {
  const r = mustLab().exec(ns, [...APP, 'call', url], uid !== undefined ? { uid } : {});
  assert.equal(r.status, 0, r.stderr);
  const [res] = JSON.parse(r.stdout) as CallResult[];
  if (res === undefined) throw new Error(`no result from ${url}`);
  return res;
}

function bootstrap(p: PodSpec): string {
  const file = join(mustLab().dir, `bootstrap-${p.name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      node: { id: `sidecar~${p.ip}~${p.workload}-0.shop~shop.svc.cluster.local`, cluster: `${p.workload}.shop`, metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: p.workload, SERVICE_ACCOUNT: p.serviceAccount } },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        lds_config: { ads: {} },
        cds_config: { ads: {} },
      },
      static_resources: {
        clusters: [
          {
            name: 'xds-grpc',
            type: 'STATIC',
            connect_timeout: '1s',
            load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: mustLab().gateway, port_value: XDS_PORT } } } }] }] },
          },
        ],
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: DEFAULT_SIDECAR.ports.admin } } },
    }),
    { mode: 0o644 },
  );
  return file;
}

const spiffeId = (p: PodSpec): string => `spiffe://${TRUST_DOMAIN}/ns/shop/sa/${p.serviceAccount}`;

function spec(name: string): PodSpec {
  const s = PODS.find((p) => p.name === name);
  if (s === undefined) throw new Error(`no pod spec ${name}`);
  return s;
}

/**
 * A control-plane port in this process made reachable from the pods at the
 * bridge's gateway address: a Unix socket in the lab's folder, and a forwarder
 * in the node namespace from `gateway:podPort` to it.
 */
async function exposeToPods(name: string, localPort: number, podPort: number): Promise<void> {
  const l = mustLab();
  const socketPath = join(l.dir, `${name}.sock`);
  const server = net.createServer((c) => {
    const up = net.connect(localPort, '127.0.0.1');
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  bridges.push(server);
  await new Promise<void>((r) => server.listen(socketPath, r));
  await l.spawn(`${name}-forward`, l.node, [...APP, 'forward', l.gateway, String(podPort), socketPath], { readyLine: 'ready' });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  const available = netnsAvailable();
  // Not skipped: CI is root on this kind of machine, so a missing privilege is a failure to see.
  if (!available.ok) throw new Error(`the network-namespace end-to-end test cannot run: ${available.reason}`);
  const t0 = performance.now();
  lab = NetnsLab.create();
  chmodSync(lab.dir, 0o755); // the proxies (uid 1337) read their bootstraps from here

  // The mesh CA: its CertificateService over TLS (a serving certificate for the address the pods
  // dial), one bootstrap token per pod for its service account, the roots in a file for the proxies.
  const ca = await createCa(caConfig({ trustDomain: TRUST_DOMAIN }), { now: new Date() });
  const bundle = trustBundlePem(ca);
  const bundleFile = join(lab.dir, 'ca-bundle.pem');
  writeFileSync(bundleFile, bundle, { mode: 0o644 });
  const tokens = PODS.map((p) => ({ p, token: newBootstrapToken() }));
  for (const { p, token } of tokens) {
    // Only the proxy's uid reads its token, as with a projected ServiceAccount token.
    const file = join(lab.dir, `token-${p.name}`);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chownSync(file, PROXY_UID, PROXY_UID);
  }
  const serving = await caServingCredentials(ca, { dnsNames: ['localhost'], ipAddresses: [lab.gateway] }, new Date());
  caServer = await startCaServer({
    ca: () => ca,
    authenticator: bootstrapTokens(tokens.map(({ p, token }) => [token, { namespace: 'shop', serviceAccount: p.serviceAccount }])),
    credentials: serving.credentials,
  });

  // The control plane: STRICT mTLS, and ROOTCA next to each proxy's compiled config.
  const parsed = parseManifests(MANIFESTS, 'netns-mesh.yaml');
  assert.deepEqual(parsed.problems, []);
  const build = snapshotFromManifests(parsed.manifests, { ...defaultMeshSettings, defaultMtls: 'STRICT' });
  assert.deepEqual(build.problems.filter((p) => p.severity === 'error'), []);
  const distributor = new MeshDistributor({
    quietMs: 10,
    maxDelayMs: 50,
    resourcesFor: (m, who) => withTrustBundle(allResources(meshCompiler(m).compileProxy({ namespace: who.namespace, workload: who.workload })), bundle),
  });
  xds = await startXdsServer({ snapshotFor: (n) => distributor.snapshotFor(n) });
  distributor.bind(xds.server);
  distributor.meshChanged(build.snapshot, 'netns-1');
  distributor.flush();
  // Both reached from the pods at the gateway, through the node namespace.
  await exposeToPods('xds', xds.port, XDS_PORT);
  await exposeToPods('ca', caServer.port, CA_PORT);

  const hosts = Object.fromEntries(Object.entries(SERVICES).map(([n, s]) => [n, s.vip]));
  for (const spec of PODS) pods.set(spec.name, lab.addPod(spec.name, spec.ip, hosts));
  // kube-proxy's VIPs, for traffic that is not intercepted (the proxy's own).
  lab.addServiceVip(SERVICES['reviews-v1']?.vip ?? '', 9080, '10.244.0.12');
  timings['namespaces'] = performance.now() - t0;

  const t1 = performance.now();
  await Promise.all(
    PODS.map(async (spec) => {
      const p = pod(spec.name);
      // The init container: the injector's environment, the real command.
      const env = Object.fromEntries((initContainer(DEFAULT_SIDECAR, spec.excludeInbound ?? []).env ?? []).map((e) => [e.name, e.value ?? '']));
      const init = mustLab().exec(p.ns, [...WEFT, 'proxy-init'], { env });
      assert.equal(init.status, 0, `proxy-init in pod ${spec.name}: ${init.stderr}`);
      // The sidecar as the injector runs it: uid 1337, primary group 0 (runAsGroup, to read /proc/net/nf_conntrack), no supplementary groups; then the app.
      const proxyProcess = await mustLab().spawn(`proxy-${spec.name}`, p.ns, [
          ...WEFT, 'proxy', '--config', bootstrap(spec), '--original-dst', 'conntrack',
          '--ca-address', `${mustLab().gateway}:${CA_PORT}`, '--ca-token-file', join(mustLab().dir, `token-${spec.name}`), '--ca-bundle-file', bundleFile, '--trust-domain', TRUST_DOMAIN,
        ], {
        uid: PROXY_UID,
        gid: 0,
        readyLine: '"msg":"started"',
        readyTimeoutMs: 30_000,
      });
      if (proxyProcess.pid !== undefined) proxyPids.set(spec.name, proxyProcess.pid);
      const ports = spec.excludeInbound !== undefined ? ['9080', ...spec.excludeInbound.map(String)] : ['9080'];
      await mustLab().spawn(`app-${spec.name}`, p.ns, [...APP, 'serve', spec.workload, controlSocket(p), ...ports], { readyLine: 'ready' });
    }),
  );
  timings['pods up'] = performance.now() - t1;
  const t2 = performance.now();
  const server = xds;
  await until('every proxy to acknowledge its config', async () => {
    const ps = server.tracker.proxies();
    return ps.length === PODS.length && ps.every((p) => p.inSync) ? true : undefined;
  }, 20_000);
  // Listeners bind right after the ACK: wait until a first call goes through.
  await until('a first call through the mesh', async () => ((await one('a', 'http://reviews:9080/')).status === 200 ? true : undefined), 10_000);
  timings['config acknowledged, first call'] = performance.now() - t2;
});

after(async () => {
  if (lab !== undefined && process.env['WEFT_E2E_VERBOSE'] === '1') {
    for (const p of PODS) process.stderr.write(`--- proxy-${p.name}\n${lab.output(`proxy-${p.name}`)}\n`);
  }
  await lab?.close();
  await Promise.all(bridges.map((b) => new Promise<void>((r) => b.close(() => r()))));
  await xds?.close(100);
  await caServer?.close(100);
  process.stderr.write(`netns e2e timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}\n`);
});

test('an app calls a Service by name and by VIP and reaches the other pod through both proxies', async () => {
  const before = await requestTotals('a');
  const byName = await one('a', 'http://reviews:9080/');
  assert.equal(byName.status, 200, byName.error ?? byName.body);
  assert.equal(byName.seen?.app, 'reviews-v1');
  // Routed by A's outbound proxy (the VirtualService's header) ...
  assert.equal(byName.seen?.headers['x-weft-route'], 'default');
  // ... and handed to the app by B's inbound proxy over loopback, as an injected sidecar does.
  assert.equal(byName.seen?.remote, '127.0.0.1');
  const byVip = await one('a', `http://${SERVICES['reviews']?.vip}:9080/`);
  assert.equal(byVip.status, 200, byVip.error ?? byVip.body);
  assert.equal(byVip.seen?.app, 'reviews-v1');
  assert.equal(byVip.seen?.headers['x-weft-route'], 'default');
  const after = await requestTotals('a');
  const cluster = 'outbound|9080||reviews-v1.shop.svc.cluster.local';
  assert.equal((after.get(cluster) ?? 0) - (before.get(cluster) ?? 0), 2, "A's proxy counted both requests to reviews-v1");
  const inbound = await requestTotals('b');
  assert.ok((inbound.get('inbound|9080||') ?? 0) >= 2, `B's inbound cluster carried them: ${JSON.stringify([...inbound])}`);
});

test('a VirtualService header match sends the call to reviews-v2', async () => {
  const r = await one('a', 'http://reviews:9080/', { 'x-canary': 'v2' });
  assert.equal(r.status, 200, r.error ?? r.body);
  assert.equal(r.seen?.app, 'reviews-v2');
  assert.equal(r.seen?.headers['x-weft-route'], 'canary');
  assert.equal(r.seen?.remote, '127.0.0.1');
});

test('a TrafficSplit splits 3:1 between reviews-v1 and reviews-v2', async () => {
  const n = 200;
  const t = performance.now();
  const results = await callFrom('a', { url: 'http://reviews-split:9080/', n });
  timings[`${n} split calls (new connection each)`] = performance.now() - t;
  const failed = results.filter((r) => r.status !== 200);
  assert.deepEqual(failed.map((r) => r.error ?? r.status), []);
  const v1 = results.filter((r) => r.seen?.app === 'reviews-v1').length;
  const v2 = results.filter((r) => r.seen?.app === 'reviews-v2').length;
  assert.equal(v1 + v2, n);
  // 150 expected; ±30 is about five standard deviations of a fair 3:1 draw.
  assert.ok(v1 >= 120 && v1 <= 180, `v1 ${v1}, v2 ${v2}`);
});

test("an AuthorizationPolicy on C's principal denies C → reviews-v1 with 403 while A → reviews-v1 succeeds", async () => {
  const denied = await one('c', 'http://reviews-v1:9080/');
  assert.equal(denied.status, 403, denied.error ?? denied.body);
  assert.match(denied.body, /RBAC: access denied/);
  const allowed = await one('a', 'http://reviews-v1:9080/');
  assert.equal(allowed.status, 200, allowed.error ?? allowed.body);
  // The policy selects v1 only.
  const other = await one('c', 'http://reviews-v2:9080/');
  assert.equal(other.status, 200, other.error ?? other.body);
  assert.equal(other.seen?.app, 'reviews-v2');
});

test('hops between proxies are mTLS: B counts A\'s requests as mutual_tls from A\'s SPIFFE ID', async () => {
  const a = spiffeId(spec('a'));
  const before = await inboundRequests('b');
  for (let i = 0; i < 3; i++) {
    const r = await one('a', 'http://reviews-v1:9080/');
    assert.equal(r.status, 200, r.error ?? r.body);
  }
  const after = await inboundRequests('b');
  assert.equal((after.get(`${a} mutual_tls`) ?? 0) - (before.get(`${a} mutual_tls`) ?? 0), 3, `B's inbound metrics: ${JSON.stringify([...after])}`);
  // Nothing B's proxy passed on arrived any other way (C's denied calls are mTLS too).
  assert.deepEqual([...after].filter(([k]) => !k.endsWith(' mutual_tls')), []);
  assert.ok((after.get(`${spiffeId(spec('c'))} mutual_tls`) ?? 0) >= 1, "C's denied calls carried C's identity");
});

test("the proxy's own traffic is not redirected: uid 1337 reaches B's pod in plaintext, without its outbound proxy, and STRICT refuses it", async () => {
  const cluster = 'outbound|9080||reviews-v1.shop.svc.cluster.local';
  const before = (await requestTotals('a')).get(cluster) ?? 0;
  const refusedBefore = refusals('b');
  const res = plainCall(pod('a').ns, `http://${SERVICES['reviews-v1']?.vip}:9080/`, PROXY_UID);
  // Through A's proxy it would have been mTLS and answered; straight out it is plaintext,
  // which B's inbound proxy (inbound interception is for every peer) closes.
  assert.equal(res.status, 0, `answered: ${res.status} ${res.body}`);
  assert.match(res.error ?? '', /socket hang up|ECONNRESET/);
  assert.equal((await requestTotals('a')).get(cluster) ?? 0, before, "A's proxy saw nothing");
  await until("B's proxy to log the refusal", async () => (refusals('b') > refusedBefore ? true : undefined), 5_000);
});

test("plaintext straight to B's pod, to the app's port or the inbound port, is refused (STRICT)", async () => {
  const l = mustLab();
  const b = pod('b');
  const refusedBefore = refusals('b');
  // From the node namespace: no proxy on the caller's side at all.
  for (const port of [9080, DEFAULT_SIDECAR.ports.inbound]) {
    const res = plainCall(l.node, `http://${b.ip}:${port}/`);
    assert.equal(res.status, 0, `port ${port} answered: ${res.status} ${res.body}`);
    assert.match(res.error ?? '', /socket hang up|ECONNRESET/, `port ${port}`);
  }
  await until("B's proxy to log both refusals", async () => (refusals('b') >= refusedBefore + 2 ? true : undefined), 5_000);
});

test('an excluded inbound port is reached directly; an unknown destination passes through by its original address', async () => {
  // C's proxy has no listener for 9999: the original destination (from conntrack) sends it through as is,
  // and B's rules leave 9999 alone, so B's app sees C's own address.
  // The Host names somewhere else: only the connection's real destination (conntrack) gets it there.
  const r = await one('c', 'http://10.244.0.12:9999/', { host: 'decoy.invalid:9999' });
  assert.equal(r.status, 200, r.error ?? r.body);
  assert.equal(r.seen?.app, 'reviews-v1');
  assert.equal(r.seen?.port, 9999);
  assert.equal(r.seen?.headers['host'], 'decoy.invalid:9999');
  assert.equal(r.seen?.remote, '10.244.0.14');
});

test("the proxy runs as the injector runs it: uid 1337, group 0 as its only group, and reads the conntrack table with it", () => {
  const pid = proxyPids.get('c');
  assert.ok(pid !== undefined);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => (new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).join(' ');
  assert.equal(field('Uid'), `${PROXY_UID} ${PROXY_UID} ${PROXY_UID} ${PROXY_UID}`);
  assert.equal(field('Gid'), '0 0 0 0');
  assert.equal(field('Groups'), '', 'no supplementary groups (no Pod-wide supplementalGroups)');
  assert.equal(field('CapEff'), '0000000000000000', 'no capabilities');
  // The table is root:root 0440: readable by group 0, by nobody else. The proxy started, and `--original-dst conntrack`
  // refuses to start when it cannot read it; the pass-through test above resolves original destinations from it.
  const st = statSync('/proc/net/nf_conntrack');
  assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o440]);
});
