// On-demand virtual hosts end to end in one process: the real compiler and
// MeshDistributor, the real xDS server (aliases resolved by its domain
// indexes), the proxy's ADS client and data path, over real gRPC and sockets.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../xds/clock.ts';
import { MeshDistributor } from '../../operator/xds/distributor.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { TypeUrl } from '../../xds/types.ts';
import { httpService, shopMesh, vs } from '../golden/meshes.ts';
import { AdsClient } from '../../proxy/xds/client.ts';
import { adsTargetFromBootstrap } from '../../proxy/xds/bootstrap.ts';
import { parseBootstrap } from '../../proxy/bootstrap/bootstrap.ts';
import type { AdsClientFactory } from '../../proxy/config/sink.ts';
import { flagsString, type Exchange } from '../../proxy/index.ts';
import { cla, request, sleep, startUpstream, testProxy } from './proxy-helpers.ts';
import { deltaAdsBootstrap } from '../../operator/local/bootstrap.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

type Obj = Record<string, unknown>;

const bootstrap = (id: string, port: number): Obj => deltaAdsBootstrap({ id, cluster: 'productpage.shop', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } }, port);

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a sidecar on the real control plane takes virtual hosts on demand: resolved aliases route, edits and new Services reach it, nothing else is held', async () => {
  // The compiler's own output: sidecar outbound connection managers carry the on_demand filter.
  const dist = new MeshDistributor({ clock: new ManualClock() });
  const cp: RunningXdsServer = await startXdsServer({ port: 0, snapshotFor: (n) => dist.snapshotFor(n) });
  dist.bind(cp.server);
  dist.meshChanged(shopMesh(), 'v1');
  dist.flush();
  cleanup.push(() => cp.close(100));

  const id = 'sidecar~10.1.0.2~productpage-1.shop~shop.svc.cluster.local';
  const raw = bootstrap(id, cp.port);
  const target = adsTargetFromBootstrap(raw, 'bootstrap');
  assert.ok(target.ok);
  let client: AdsClient | undefined;
  const factory: AdsClientFactory = (_ads, _node, sink) => {
    client = new AdsClient({ host: '127.0.0.1', port: cp.port, node: target.target.node, mode: 'delta', sink });
    client.start();
    const c = client;
    return { close: () => c.stop() };
  };
  const finished: Exchange[] = [];
  const p = await testProxy({ bootstrap: parseBootstrap(raw), ads: factory, plaintextForTls: true, telemetry: false, onFinished: (x) => finished.push(x) });
  cleanup.push(() => p.close());
  await until('in sync', () => cp.tracker.proxy(id)?.inSync === true && p.core.routeTable('9080') !== undefined);
  await p.settled();
  assert.ok(client !== undefined);
  const vhds = () => client?.status().types.find((t) => t.typeUrl === TypeUrl.VirtualHost);
  // Nothing asked yet: no virtual host held, no route configuration subscribed whole.
  assert.equal(vhds()?.resources, 0);
  assert.deepEqual(vhds()?.subscription, []);
  assert.equal(p.core.routeTable('9080')?.onDemand, true);

  const app = await startUpstream('reviews-app');
  cleanup.push(() => app.close());
  const reviews = [...p.core.clusters.keys()].filter((n) => /^outbound\|9080\|\|reviews(-v\d)?\.shop\.svc\.cluster\.local$/.test(n));
  assert.ok(reviews.length >= 1, reviews.join(','));
  assert.deepEqual(p.applyConfig(TypeUrl.ClusterLoadAssignment, reviews.map((name) => ({ name, resource: cla(name, [app.port]) })), []), { ok: true });
  const outbound = p.port('virtualOutbound') ?? 0;

  for (const host of ['reviews.shop.svc.cluster.local:9080', 'reviews:9080']) {
    const r = await request(outbound, { host, path: '/', agent: false });
    assert.equal(r.status, 200, `${host}: ${r.body}`);
    assert.equal((JSON.parse(r.body) as { upstream: string }).upstream, 'reviews-app');
  }
  assert.deepEqual(vhds()?.subscription, ['9080/reviews.shop.svc.cluster.local:9080', '9080/reviews:9080']);
  assert.deepEqual(vhds()?.resources, 1, 'both aliases point at one virtual host');
  const r = await client.resolve('9080', 'reviews:9080');
  assert.deepEqual(r, { kind: 'vhost', vhost: 'reviews.shop.svc.cluster.local:9080', resource: '9080/reviews.shop.svc.cluster.local:9080' });
  // An unknown host resolves to the port's catch-all on the server, like any other match.
  const ext = await client.resolve('9080', 'api.example.com:9080');
  assert.equal(ext.kind, 'vhost');
  assert.notEqual(ext.kind === 'vhost' && ext.resource, '9080/reviews.shop.svc.cluster.local:9080');
  await until('acknowledged', () => cp.tracker.proxy(id)?.inSync === true);
  assert.equal(vhds()?.lastNack, undefined);
  // Routed (the shop mesh's reviews route injects a 100 ms delay in 10 % of requests: flag DI, nothing else).
  assert.match(flagsString(finished[finished.length - 1]?.flags ?? 0), /^(-|DI)$/);

  // An edit of the virtual host the aliases point to reaches this proxy: reviews goes to reviews-v2 alone.
  const m1 = shopMesh();
  const edited = {
    ...m1,
    virtualServices: m1.virtualServices.map((v) => (v.metadata.name === 'reviews' ? vs('shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews-v2' } }] }] }, '2024-01-02T00:00:00Z') : v)),
  };
  dist.meshChanged(edited, 'v2');
  dist.flush();
  const v2 = 'outbound|9080||reviews-v2.shop.svc.cluster.local';
  let clusters: string[] = [];
  for (let i = 0; i < 100; i++) {
    const res = await request(outbound, { host: 'reviews:9080', path: '/', agent: false });
    assert.equal(res.status, 200);
    clusters = finished.slice(-1).map((x) => x.clusterName);
    if (clusters[0] === v2) break;
    await sleep(20);
  }
  assert.deepEqual(clusters, [v2]);
  await until('in sync after the edit', () => cp.tracker.proxy(id)?.inSync === true);

  // A Service created for a host that resolved to the catch-all: the alias moves to its virtual host.
  const before = await client.resolve('9080', 'newsvc:9080');
  assert.ok(before.kind === 'vhost' && !before.vhost.startsWith('newsvc'), JSON.stringify(before));
  const withSvc = { ...edited, registry: { ...edited.registry, services: [...edited.registry.services, httpService('shop', 'newsvc', '10.0.0.40', 'newsvc', 9080, 9080)] } };
  dist.meshChanged(withSvc, 'v3');
  dist.flush();
  await until('the alias moved', () => {
    const now = client?.lookup('9080', 'newsvc:9080');
    return now?.kind === 'vhost' && now.vhost === 'newsvc.shop.svc.cluster.local:9080';
  });
  await until('in sync after the new Service', () => cp.tracker.proxy(id)?.inSync === true);
  assert.equal(vhds()?.lastNack, undefined);
});
