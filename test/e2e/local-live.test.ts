// `weft up` applies edits to its folder live beyond weights: a workload added
// by a new file gets its proxy, identity and traffic; a policy file added
// takes effect and removed stops; a workload whose file is deleted has its
// proxy stopped; the rest of the mesh keeps running through all of it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMesh } from '../../operator/local/mesh.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIRST = '127.0.79.1';
const DETAILS = 'http://details.shop.svc.cluster.local:9080/details/1';

let dir = '';
let mesh: LocalMesh;
const logs: string[] = [];
const apps: http.Server[] = [];

const DETAILS_YAML = `apiVersion: v1
kind: Service
metadata: {name: details, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080, targetPort: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: shop}
spec:
  selector: {matchLabels: {app: details}}
  template:
    metadata: {labels: {app: details}}
    spec:
      serviceAccountName: details
      containers: [{name: details, image: details, ports: [{name: http, containerPort: 9080}]}]
`;

const DENY_YAML = `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: details-no-get, namespace: shop}
spec:
  selector: {matchLabels: {app: details}}
  action: DENY
  rules:
  - from: [{source: {principals: [cluster.local/ns/shop/sa/loadgen]}}]
    to: [{operation: {methods: [GET]}}]
`;

async function eventually<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms\n${logs.slice(-15).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function call(url: string): Promise<{ status: number; body: string }> {
  const loadgen = mesh.workloads().find((w) => w.workload === 'loadgen');
  assert.ok(loadgen !== undefined);
  const [host, port] = loadgen.outbound.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: url, headers: { host: new URL(url).host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const inSync = (): boolean => mesh.status().proxies.every((p) => p.connected && p.inSync);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-live-'));
  cpSync(join(ROOT, 'demo', 'mesh'), dir, { recursive: true, filter: (src) => !src.includes('.weft') });
  mesh = new LocalMesh({ dir, xdsPort: 0, caPort: 0, adminPort: 0, firstAddress: FIRST, watchQuietMs: 50, log: (level, m) => logs.push(`${level} ${m}`) });
  await mesh.start();
  await eventually('five proxies in sync', 15_000, () => (mesh.status().proxies.length === 5 && inSync() ? true : undefined));
});

after(async () => {
  for (const a of apps) a.close();
  await mesh.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

let detailsAddress = '';

test('a workload added by a new file gets a proxy, a certificate and traffic, without restarting the others', async () => {
  const before = new Map(mesh.workloads().map((w) => [w.workload, w.identity.serialNumber ?? '']));
  writeFileSync(join(dir, 'details.yaml'), DETAILS_YAML);
  const details = await eventually('the details proxy with its certificate', 10_000, () => {
    const w = mesh.workloads().find((x) => x.workload === 'details');
    return w !== undefined && w.identity.state === 'valid' ? w : undefined;
  });
  assert.equal(details.identity.spiffeId, 'spiffe://cluster.local/ns/shop/sa/details');
  detailsAddress = details.address;
  const app = http.createServer((req, res) => res.end(`details ${req.url}`));
  await new Promise<void>((ok, fail) => (app.once('error', fail), app.listen(9080, details.address, () => ok())));
  apps.push(app);
  await eventually('all six proxies in sync', 10_000, () => (mesh.status().proxies.length === 6 && inSync() ? true : undefined));
  const r = await eventually('details reachable from loadgen', 5000, async () => {
    const x = await call(DETAILS);
    return x.status === 200 ? x : undefined;
  });
  assert.equal(r.body, 'details /details/1');
  // The others kept their proxies (same certificates: nothing was restarted).
  for (const w of mesh.workloads()) if (w.workload !== 'details') assert.equal(w.identity.serialNumber ?? '', before.get(w.workload), `${w.workload} kept its proxy`);
});

test('a policy file added denies at once; removed, the traffic flows again', async () => {
  writeFileSync(join(dir, 'details-policy.yaml'), DENY_YAML);
  await eventually('GET from loadgen denied', 5000, async () => ((await call(DETAILS)).status === 403 ? true : undefined));
  assert.equal((await call('http://reviews.shop.svc.cluster.local:9080/reviews/1')).status !== 403, true, 'only details is affected');
  unlinkSync(join(dir, 'details-policy.yaml'));
  await eventually('GET allowed again', 5000, async () => ((await call(DETAILS)).status === 200 ? true : undefined));
  assert.ok(logs.some((l) => l.includes('AuthorizationPolicy shop/details-no-get created')), logs.join('\n'));
  assert.ok(logs.some((l) => l.includes('AuthorizationPolicy shop/details-no-get deleted')), logs.join('\n'));
});

test('an AUDIT policy added live: the audited requests appear in the mesh log with the policy, the others do not', async () => {
  writeFileSync(
    join(dir, 'details-audit.yaml'),
    `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: details-audit, namespace: shop}
spec:
  selector: {matchLabels: {app: details}}
  action: AUDIT
  rules:
  - to: [{operation: {paths: [/details/audited]}}]
`,
  );
  const before = logs.length;
  await eventually('the audited request logged', 5000, async () => {
    assert.equal((await call('http://details.shop.svc.cluster.local:9080/details/audited')).status, 200, 'AUDIT never denies');
    return logs.slice(before).some((l) => l.includes('proxy shop/details: audit') && l.includes('"path":"/details/audited"')) ? true : undefined;
  });
  assert.equal((await call(DETAILS)).status, 200);
  await new Promise((r) => setTimeout(r, 200));
  const audits = logs.slice(before).filter((l) => l.includes(': audit '));
  assert.ok(audits.every((l) => l.includes('/details/audited') && l.includes('details-audit')), audits.join('\n'));
  unlinkSync(join(dir, 'details-audit.yaml'));
});

/** A plaintext request straight to a proxy's inbound port: the status, or 0 when the connection is closed without an answer. */
function plaintextInbound(address: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: address, port: 15006, path: '/details/1', headers: { host: 'details.shop.svc.cluster.local:9080' }, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

test('a Namespace file labels shop STRICT: plaintext to its inbound ports is refused while mTLS flows; PERMISSIVE accepts it again; a bad value is reported', async () => {
  const nsFile = join(dir, 'shop-namespace.yaml');
  const ns = (mode: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {weft.dev/mtls: ${mode}}\n`;
  assert.equal(await plaintextInbound(detailsAddress), 200, 'PERMISSIVE by default: plaintext reaches the app');
  writeFileSync(nsFile, ns('STRICT'));
  await eventually('plaintext refused under STRICT', 5000, async () => ((await plaintextInbound(detailsAddress)) === 0 ? true : undefined));
  assert.equal((await call(DETAILS)).status, 200, 'proxy to proxy is mTLS and still flows');
  writeFileSync(nsFile, ns('PERMISSIVE'));
  await eventually('plaintext accepted again', 5000, async () => ((await plaintextInbound(detailsAddress)) === 200 ? true : undefined));
  const before = logs.length;
  writeFileSync(nsFile, ns('SOMETIMES'));
  await eventually('the bad label reported', 5000, () => (logs.slice(before).some((l) => l.includes('shop-namespace.yaml') && l.includes('weft.dev/mtls=SOMETIMES')) ? true : undefined));
  unlinkSync(nsFile);
});

test("a workload whose file is deleted has its proxy stopped and its ports freed; the rest stays in sync", async () => {
  unlinkSync(join(dir, 'details.yaml'));
  await eventually('the details proxy gone', 10_000, () => (mesh.workloads().some((w) => w.workload === 'details') ? undefined : true));
  const refused = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host: detailsAddress, port: 15006 });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
  assert.ok(refused, 'the inbound port of the removed proxy is closed');
  await eventually('five proxies in sync', 10_000, () => (mesh.status().proxies.length === 5 && inSync() ? true : undefined));
  assert.notEqual((await call(DETAILS)).status, 200, 'details is no longer in the mesh');
  assert.equal((await call('http://reviews.shop.svc.cluster.local:9080/reviews/1')).status === 403, false);
});
