// The proxy against the real control plane: the xDS server with the mesh
// distributor, the ADS client (proxy/xds) feeding the proxy's config sink.
// The proxy takes what the compiler makes, acknowledges it, carries traffic
// on it, and NACKs with its reason what it cannot apply.

import { test, after } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { ManualClock } from '../../xds/clock.ts';
import { MeshDistributor, type DistributorOptions } from '../../operator/xds/distributor.ts';
import { allResources, meshCompiler } from '../../operator/compile/proxy.ts';
import type { ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { TypeUrl } from '../../xds/types.ts';
import { shopMesh } from '../golden/meshes.ts';
import { adsFromBootstrap } from '../../proxy/ads.ts';
import { parseBootstrap } from '../../proxy/bootstrap/bootstrap.ts';
import { cla, request, sleep, startUpstream, testProxy } from './proxy-helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const bootstrap = (id: string, port: number, apiType: 'GRPC' | 'DELTA_GRPC' = 'GRPC'): Record<string, unknown> => ({
  node: { id, cluster: 'productpage.shop', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } },
  dynamic_resources: {
    ads_config: { api_type: apiType, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
    lds_config: { ads: {} },
    cds_config: { ads: {} },
  },
  static_resources: {
    clusters: [
      {
        name: 'xds-grpc',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
      },
    ],
  },
});

async function controlPlane(resourcesFor?: DistributorOptions['resourcesFor'], port = 0): Promise<RunningXdsServer> {
  const dist = new MeshDistributor({ clock: new ManualClock(), ...(resourcesFor !== undefined ? { resourcesFor } : {}) });
  const server = await startXdsServer({ port, snapshotFor: (n) => dist.snapshotFor(n) });
  dist.bind(server.server);
  dist.meshChanged(shopMesh(), 'v1');
  dist.flush();
  cleanup.push(() => server.close(100));
  return server;
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function proxyOf(cp: RunningXdsServer, id: string, plaintextForTls: boolean, apiType: 'GRPC' | 'DELTA_GRPC' = 'GRPC') {
  const raw = bootstrap(id, cp.port, apiType);
  const wiring = adsFromBootstrap(raw, 'bootstrap');
  assert.ok(wiring.ok);
  const p = await testProxy({ bootstrap: parseBootstrap(raw), ads: wiring.factory, plaintextForTls });
  cleanup.push(() => p.close());
  return p;
}

for (const apiType of ['GRPC', 'DELTA_GRPC'] as const) {
test(`over ADS (${apiType}) the proxy applies and acknowledges the compiled config, then routes by it`, async () => {
  const cp = await controlPlane();
  const id = `sidecar~10.1.0.2~productpage-1.shop~shop.svc.cluster.local-${apiType}`;
  const p = await proxyOf(cp, id, true, apiType);
  await until('in sync', () => cp.tracker.proxy(id)?.inSync === true);
  // Delta streams take the virtual hosts over VHDS on demand (the compiled connection managers carry
  // on_demand): none before the app calls a host. State of the world has them inline.
  const vhdsType = () => cp.tracker.proxy(id)?.types.find((t) => t.typeUrl === TypeUrl.VirtualHost);
  assert.equal(vhdsType()?.ackedVersion, undefined, `no virtual host taken yet: ${JSON.stringify(vhdsType())}`);
  assert.ok(p.core.listenersState.entries.has('virtualOutbound'));
  assert.ok(p.core.routesState.entries.size > 0, 'routes followed the listeners');
  assert.ok([...p.core.clusters.keys()].some((n) => n.startsWith('outbound|')));
  await p.settled();
  // The mesh's endpoints are pod IPs that exist nowhere here: point the reviews clusters at a local app
  // (an upsert through the same sink) so the request never leaves the loopback.
  const app = await startUpstream('reviews-app');
  cleanup.push(() => app.close());
  const reviews = [...p.core.clusters.keys()].filter((n) => /^outbound\|9080\|\|reviews(-v\d)?\.shop\.svc\.cluster\.local$/.test(n));
  assert.ok(reviews.length >= 2, reviews.join(','));
  assert.deepEqual(p.applyConfig(TypeUrl.ClusterLoadAssignment, reviews.map((name) => ({ name, resource: cla(name, [app.port]) })), []), { ok: true });
  const outbound = p.port('virtualOutbound') ?? 0;
  const r = await request(outbound, { host: 'reviews.shop.svc.cluster.local:9080', path: '/', agent: false });
  assert.equal(r.status, 200, r.body);
  assert.equal((JSON.parse(r.body) as { upstream: string }).upstream, 'reviews-app');
  if (apiType === 'DELTA_GRPC') {
    // The request's authority was resolved by the server as an alias, its virtual host taken and acknowledged.
    assert.ok(cp.server.stats.aliasesResolved >= 1);
    await until('VHDS acknowledged', () => vhdsType()?.ackedVersion !== undefined);
    await until('in sync', () => cp.tracker.proxy(id)?.inSync === true);
  } else assert.equal(vhdsType(), undefined);
});
}

test('a config the proxy cannot apply is NACKed with the field that stops it, and nothing of it is applied', async () => {
  // The compiled config with two things this proxy does not implement: a MAGLEV cluster, ALPN chain matching.
  const broken = (r: ResourceInput): ResourceInput => {
    if (r.typeUrl === TypeUrl.Cluster && r.name.startsWith('outbound|9080||reviews.')) return { ...r, resource: { ...r.resource, lb_policy: 'MAGLEV' } };
    if (r.typeUrl === TypeUrl.Listener && r.name === 'virtualInbound') {
      const chains = (r.resource['filter_chains'] as Record<string, unknown>[]).map((c) => ({ ...c, filter_chain_match: { ...(c['filter_chain_match'] as object), application_protocols: ['istio'] } }));
      return { ...r, resource: { ...r.resource, filter_chains: chains } as typeof r.resource };
    }
    return r;
  };
  const cp = await controlPlane((m, who) => [...allResources(meshCompiler(m).compileProxy({ namespace: who.namespace, workload: who.workload }))].map(broken));
  const id = 'sidecar~10.1.0.3~productpage-2.shop~shop.svc.cluster.local';
  const p = await proxyOf(cp, id, false);
  const nackOf = (t: string) => cp.tracker.proxy(id)?.types.find((x) => x.typeUrl === t)?.nack;
  await until('CDS NACK recorded', () => nackOf(TypeUrl.Cluster) !== undefined);
  assert.match(nackOf(TypeUrl.Cluster)?.message ?? '', /Cluster "outbound\|9080\|\|reviews\.[^"]+": lb_policy: load balancing policy MAGLEV is not supported/);
  await until('LDS NACK recorded', () => nackOf(TypeUrl.Listener) !== undefined);
  assert.match(nackOf(TypeUrl.Listener)?.message ?? '', /Listener "virtualInbound": filter_chains\[\d+\]\.filter_chain_match\.application_protocols: matching filter chains on ALPN is not supported/);
  assert.equal([...p.core.clusters.keys()].filter((n) => n.startsWith('outbound|')).length, 0, 'the refused clusters are not there');
  assert.ok(p.core.clusters.has('xds-grpc'), 'the static cluster stays');
});

test('the control plane goes away: the proxy keeps serving on its last config over new and kept-alive connections, then resyncs when it is back', async () => {
  const cp = await controlPlane();
  const id = 'sidecar~10.1.0.9~productpage-9.shop~shop.svc.cluster.local';
  const p = await proxyOf(cp, id, true);
  await until('in sync', () => cp.tracker.proxy(id)?.inSync === true);
  await p.settled();
  const app = await startUpstream('reviews-app');
  cleanup.push(() => app.close());
  const reviews = [...p.core.clusters.keys()].filter((n) => /^outbound\|9080\|\|reviews(-v\d)?\.shop\.svc\.cluster\.local$/.test(n));
  assert.deepEqual(p.applyConfig(TypeUrl.ClusterLoadAssignment, reviews.map((name) => ({ name, resource: cla(name, [app.port]) })), []), { ok: true });
  const outbound = p.port('virtualOutbound') ?? 0;
  const held = { listeners: p.core.listenersState.version, clusters: [...p.core.clusters.keys()].sort() };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  cleanup.push(async () => agent.destroy());
  const call = async (a: http.Agent | false): Promise<number> => (await request(outbound, { host: 'reviews.shop.svc.cluster.local:9080', path: '/', agent: a })).status;
  assert.equal(await call(agent), 200);

  await cp.close(50);
  // Through the outage (long enough for several reconnect attempts): every request is answered from the last config.
  const statuses: number[] = [];
  const until2 = Date.now() + 1500;
  while (Date.now() < until2) statuses.push(await call(agent), await call(false));
  assert.ok(statuses.length > 20, `${statuses.length} requests`);
  assert.deepEqual([...new Set(statuses)], [200], 'no request failed while the control plane was away');
  assert.equal(p.core.listenersState.version, held.listeners);
  assert.deepEqual([...p.core.clusters.keys()].sort(), held.clusters, 'nothing was dropped');

  const back = await controlPlane(undefined, cp.port);
  await until('in sync with the new control plane', () => back.tracker.proxy(id)?.inSync === true, 15_000);
  assert.equal(await call(false), 200);
});

test('delta ADS: an update naming one listener or route config leaves the proxy’s others in place', async () => {
  const dist = new MeshDistributor({ clock: new ManualClock() });
  const server = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  cleanup.push(() => server.close(100));
  dist.bind(server.server);
  const mesh = shopMesh();
  dist.meshChanged(mesh, 'v1');
  dist.flush();
  const raw = bootstrap('sidecar~10.1.0.8~productpage-8.shop~shop.svc.cluster.local', server.port);
  (raw['dynamic_resources'] as { ads_config: { api_type: string } }).ads_config.api_type = 'DELTA_GRPC';
  const wiring = adsFromBootstrap(raw, 'bootstrap');
  assert.ok(wiring.ok);
  const p = await testProxy({ bootstrap: parseBootstrap(raw), ads: wiring.factory, plaintextForTls: true });
  cleanup.push(() => p.close());
  const id = 'sidecar~10.1.0.8~productpage-8.shop~shop.svc.cluster.local';
  await until('in sync', () => server.tracker.proxy(id)?.inSync === true);
  await p.settled();
  const listeners = [...p.core.listenersState.entries.keys()].sort();
  const routes = [...p.core.routesState.entries.keys()].sort();
  const clusters = [...p.core.clusters.keys()].sort();
  assert.ok(listeners.length > 2 && routes.length > 1, `${listeners.join(',')} / ${routes.join(',')}`);

  // STRICT for shop changes only virtualInbound: a delta update with that one listener.
  dist.meshChanged({ ...mesh, settings: { ...mesh.settings, namespaceMtls: { ...mesh.settings.namespaceMtls, shop: 'STRICT' } } }, 'v2');
  dist.flush();
  await until('in sync on v2', () => server.tracker.proxy(id)?.ackedMeshVersion === 'v2' && server.tracker.proxy(id)?.inSync === true);
  assert.deepEqual([...p.core.listenersState.entries.keys()].sort(), listeners, 'every listener is still there');
  assert.deepEqual([...p.core.clusters.keys()].sort(), clusters);
  assert.ok(p.port('virtualOutbound') !== undefined, 'the outbound listener is still bound');
  assert.deepEqual([...p.core.routesState.entries.keys()].sort(), routes, 'every route configuration is still there');
});
