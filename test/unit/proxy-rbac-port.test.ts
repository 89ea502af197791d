// AuthorizationPolicy `to.operation.ports` at an inbound proxy that has no
// original destination (local mode: the request's authority picks the
// chain). The RBAC request must carry the port the request was routed by,
// else a port condition never matches. Real manifests, the real compiler,
// a real proxy and real sockets.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests } from '../../operator/api/load.ts';
import { snapshotFromManifests } from '../../operator/compile/manifests.ts';
import { MeshCompiler } from '../../operator/compile/proxy.ts';
import { defaultMeshSettings } from '../../operator/compile/snapshot.ts';
import type { ProxyHandle } from '../../proxy/index.ts';
import { TypeUrl } from '../../xds/types.ts';
import { cluster, request, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';

const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports:
    - {name: http, port: 9080, targetPort: 9080}
    - {name: http-admin, port: 9090, targetPort: 9090}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      containers: [{name: api, image: api, ports: [{containerPort: 9080}, {containerPort: 9090}]}]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: api-ports, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  action: ALLOW
  rules:
    - to: [{operation: {ports: ["9080", "9090"]}}]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: api-private-on-admin-port, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  action: DENY
  rules:
    - to: [{operation: {ports: ["9090"], paths: ["/private"]}}]
`;

let dir = '';
let proxy: ProxyHandle | undefined;
const apps: Upstream[] = [];
let inbound = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-rbac-port-'));
  writeFileSync(join(dir, 'api.yaml'), MANIFESTS);
  const loaded = await loadManifests([dir]);
  assert.deepEqual(loaded.problems, []);
  const build = snapshotFromManifests(loaded.manifests, defaultMeshSettings);
  assert.deepEqual(build.problems.filter((p) => p.severity === 'error'), []);
  const config = new MeshCompiler(build.snapshot).compileProxy({ namespace: 'shop', workload: 'api' });
  const app9080 = await startUpstream('app-9080');
  const app9090 = await startUpstream('app-9090');
  apps.push(app9080, app9090);
  // The inbound clusters reach the app's port on 127.0.0.1; here a test server per port stands in.
  const appFor: Record<string, number> = { 'inbound|9080||': app9080.port, 'inbound|9090||': app9090.port };
  const clusters = config.clusters.map((c) => {
    const port = appFor[c.name];
    return { name: c.name, resource: port === undefined ? c.resource : cluster(c.name, [port]) };
  });
  assert.equal(clusters.filter((c) => c.name.startsWith('inbound|')).length, 2, 'one inbound cluster per workload port');
  // No original destination: the inbound listener chooses the chain by the request's authority.
  proxy = await testProxy();
  for (const [t, list] of [
    [TypeUrl.Cluster, clusters],
    [TypeUrl.ClusterLoadAssignment, config.endpoints],
    [TypeUrl.Listener, config.listeners],
    [TypeUrl.RouteConfiguration, config.routes],
  ] as const) {
    assert.deepEqual(proxy.applyConfig(t, list.map((r) => ({ name: r.name, resource: r.resource }))), { ok: true }, t);
  }
  await proxy.settled();
  inbound = proxy.port('virtualInbound') ?? 0;
  assert.ok(inbound > 0);
});

after(async () => {
  await proxy?.close();
  for (const a of apps) await a.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const upstreamOf = (body: string): string => (JSON.parse(body) as { upstream: string }).upstream;

test('an ALLOW with ports ["9080", "9090"] lets requests through on either port, to the chain the authority chose', async () => {
  const on9080 = await request(inbound, { host: 'api.shop.svc.cluster.local:9080', path: '/items' });
  assert.equal(on9080.status, 200, on9080.body);
  assert.equal(upstreamOf(on9080.body), 'app-9080');
  const on9090 = await request(inbound, { host: 'api.shop.svc.cluster.local:9090', path: '/items' });
  assert.equal(on9090.status, 200, on9090.body);
  assert.equal(upstreamOf(on9090.body), 'app-9090');
});

test('a DENY with ports ["9090"] denies on 9090 only', async () => {
  const before9090 = apps[1]?.requests ?? 0;
  const denied = await request(inbound, { host: 'api.shop.svc.cluster.local:9090', path: '/private' });
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'RBAC: access denied');
  assert.equal(apps[1]?.requests, before9090, 'the denied request never reached the app');
  const other = await request(inbound, { host: 'api.shop.svc.cluster.local:9080', path: '/private' });
  assert.equal(other.status, 200, other.body);
  assert.equal(upstreamOf(other.body), 'app-9080');
});
