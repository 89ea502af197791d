// The proxy's ADS client against the real ADS server over gRPC on loopback:
// bootstrap reading, state-of-the-world and delta sync, NACKs of what the sink
// refuses (recorded by the server), reconnects with backoff while keeping the
// last config.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { adsTargetFromBootstrap } from '../../proxy/xds/bootstrap.ts';
import { AdsClient, type ClientEvent, type ConfigSink, type XdsResource } from '../../proxy/xds/client.ts';
import { ManualClock } from '../../xds/clock.ts';
import { MeshDistributor } from '../../operator/xds/distributor.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { TypeUrl, type ResourceTypeUrl } from '../../xds/types.ts';
import { shopMesh } from '../golden/meshes.ts';
import { sleep } from '../support/ads-wire.ts';

const bootstrap = (port: number, apiType = 'GRPC'): unknown => ({
  node: { id: 'sidecar~10.1.0.2~productpage-1.shop~shop.svc.cluster.local', cluster: 'productpage.shop', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } },
  dynamic_resources: {
    ads_config: { api_type: apiType, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
    lds_config: { ads: {} },
    cds_config: { ads: {} },
  },
  static_resources: {
    clusters: [
      { name: 'other', type: 'STATIC' },
      {
        name: 'xds-grpc',
        type: 'STATIC',
        load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
      },
    ],
  },
});

/** A sink that keeps the applied config per type and can be told to refuse. */
class RecordingSink implements ConfigSink {
  readonly held = new Map<ResourceTypeUrl, Map<string, XdsResource>>();
  readonly calls: { typeUrl: ResourceTypeUrl; names: string[]; removed: string[] }[] = [];
  refuse: ((typeUrl: ResourceTypeUrl, resources: XdsResource[]) => string | undefined) | undefined;
  apply(typeUrl: ResourceTypeUrl, resources: XdsResource[], removed: string[] = []) {
    this.calls.push({ typeUrl, names: resources.map((r) => r.name), removed });
    const why = this.refuse?.(typeUrl, resources);
    if (why !== undefined) return { ok: false as const, error: why };
    let m = this.held.get(typeUrl);
    if (m === undefined) this.held.set(typeUrl, (m = new Map()));
    for (const r of resources) m.set(r.name, r);
    for (const n of removed) m.delete(n);
    return { ok: true as const };
  }
  names(typeUrl: ResourceTypeUrl): string[] {
    return [...(this.held.get(typeUrl)?.keys() ?? [])].sort();
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function controlPlane(mesh: MeshSnapshot, port = 0): Promise<{ server: RunningXdsServer; dist: MeshDistributor }> {
  const dist = new MeshDistributor({ clock: new ManualClock() });
  const server = await startXdsServer({ port, snapshotFor: (n) => dist.snapshotFor(n) });
  dist.bind(server.server);
  dist.meshChanged(mesh, 'v1');
  dist.flush();
  cleanups.push(() => server.close(100));
  return { server, dist };
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('bootstrap', () => {
  test('the control plane address comes from the static cluster ads_config names', () => {
    const r = adsTargetFromBootstrap(bootstrap(15010, 'DELTA_GRPC'), 'envoy.yaml');
    assert.ok(r.ok);
    assert.deepEqual({ host: r.target.host, port: r.target.port, mode: r.target.mode, cluster: r.target.clusterName, tls: r.target.tls }, {
      host: '127.0.0.1',
      port: 15010,
      mode: 'delta',
      cluster: 'xds-grpc',
      tls: false,
    });
    assert.equal(r.target.node.metadata['NAMESPACE'], 'shop');
  });

  test('problems are reported with their field paths', () => {
    const b = bootstrap(0, 'REST') as { dynamic_resources: { ads_config: Record<string, unknown> }; node: Record<string, unknown> };
    b.dynamic_resources.ads_config['transport_api_version'] = 'V2';
    b.node['metadata'] = { NAMESPACE: 3 };
    const r = adsTargetFromBootstrap(b, 'envoy.yaml');
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, [
      'envoy.yaml: node.metadata.NAMESPACE: must be a string (the control plane reads string metadata only)',
      'envoy.yaml: dynamic_resources.ads_config.api_type: "REST" is not supported: use GRPC (state of the world) or DELTA_GRPC (incremental)',
      'envoy.yaml: dynamic_resources.ads_config.transport_api_version: "V2": only V3 is spoken',
      'envoy.yaml: static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: must be a port number 1–65535',
    ]);
    const missing = adsTargetFromBootstrap({ node: { id: 'x' }, dynamic_resources: { ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'nope' } }] } } });
    assert.ok(!missing.ok);
    assert.deepEqual(missing.errors, ['bootstrap: static_resources.clusters: no cluster named "nope" (named by dynamic_resources.ads_config)']);
  });
});

for (const mode of ['sotw', 'delta'] as const) {
  test(`${mode}: the client syncs the whole config and the server sees it acknowledged`, async () => {
    const { server } = await controlPlane(shopMesh());
    const r = adsTargetFromBootstrap(bootstrap(server.port, mode === 'sotw' ? 'GRPC' : 'DELTA_GRPC'));
    assert.ok(r.ok);
    const sink = new RecordingSink();
    const client = new AdsClient({ host: r.target.host, port: r.target.port, node: r.target.node, mode: r.target.mode, sink });
    cleanups.push(() => client.stop());
    client.start();
    const id = r.target.node.id;
    await until('in sync', () => server.tracker.proxy(id)?.inSync === true);
    const snap = server.server.snapshot('shop/productpage');
    assert.ok(snap !== undefined);
    for (const t of [TypeUrl.Cluster, TypeUrl.Listener, TypeUrl.ClusterLoadAssignment, TypeUrl.RouteConfiguration] as const) {
      assert.deepEqual(sink.names(t), [...(snap.type(t)?.resources.keys() ?? [])].sort(), t);
    }
    const st = client.status();
    assert.equal(st.state, 'connected');
    assert.ok(st.connectedSince !== undefined);
    assert.deepEqual(
      st.types.map((t) => [t.typeUrl, t.ackedVersion]).sort(),
      // Secret: the trust bundle (ROOTCA) the compiled TLS contexts name. This snapshot has none: SotW answers
      // (and the client acknowledges) the empty set; delta sends nothing for a name that does not exist.
      [
        ...[TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration].map((t) => [t, snap.versionOf(t, mode)]),
        [TypeUrl.Secret, mode === 'sotw' ? snap.versionOf(TypeUrl.Secret) : undefined],
        // Delta streams take the virtual hosts over VHDS on demand (the compiled connection managers carry
        // on_demand): none until the app calls a host. State of the world has them inline.
        [TypeUrl.VirtualHost, undefined],
      ].sort(),
    );
    // Routes were subscribed by name, after the listeners that name them.
    const first = sink.calls.map((c) => c.typeUrl);
    assert.ok(first.indexOf(TypeUrl.Listener) < first.indexOf(TypeUrl.RouteConfiguration));
    assert.ok(first.indexOf(TypeUrl.Cluster) < first.indexOf(TypeUrl.ClusterLoadAssignment));
  });
}

test('the client NACKs what the sink refuses, never ACKs it, and the server records the message', async () => {
  const { server, dist } = await controlPlane(shopMesh());
  const sink = new RecordingSink();
  const events: ClientEvent[] = [];
  const node = { id: 'pp-nack', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } };
  const client = new AdsClient({ host: '127.0.0.1', port: server.port, node, sink, onEvent: (e) => events.push(e) });
  cleanups.push(() => client.stop());
  client.start();
  await until('in sync', () => server.tracker.proxy('pp-nack')?.inSync === true);
  const goodCds = server.tracker.proxy('pp-nack')?.types.find((t) => t.typeUrl === TypeUrl.Cluster)?.ackedVersion;

  // The next mesh adds a Service; this proxy's sink refuses the clusters.
  sink.refuse = (t, rs) => (t === TypeUrl.Cluster && rs.some((r) => r.name.includes('extra')) ? 'cluster outbound|80||extra.shop.svc.cluster.local: no upstream pool' : undefined);
  const m = shopMesh();
  dist.meshChanged({ ...m, registry: { ...m.registry, services: [...m.registry.services, { namespace: 'shop', name: 'extra', clusterIP: '10.0.0.99', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'http' }] }] } }, 'v2');
  dist.flush();
  await until('NACK recorded', () => server.tracker.proxy('pp-nack')?.rejection !== undefined);
  const p = server.tracker.proxy('pp-nack');
  assert.ok(p !== undefined);
  assert.equal(p.rejection?.message, 'cluster outbound|80||extra.shop.svc.cluster.local: no upstream pool');
  assert.equal(p.rejection?.typeUrl, TypeUrl.Cluster);
  assert.equal(p.types.find((t) => t.typeUrl === TypeUrl.Cluster)?.ackedVersion, goodCds, 'the refused version is not ACKed');
  assert.equal(p.inSync, false);
  assert.ok(!sink.names(TypeUrl.Cluster).some((n) => n.includes('extra')), 'the sink kept its last good clusters');
  const nack = client.status().types.find((t) => t.typeUrl === TypeUrl.Cluster)?.lastNack;
  assert.equal(nack?.error, 'cluster outbound|80||extra.shop.svc.cluster.local: no upstream pool');
  assert.ok(events.some((e) => e.kind === 'rejected'));
  // Nothing is re-sent or re-ACKed while the mesh stays the same.
  const calls = sink.calls.length;
  await sleep(150);
  assert.equal(sink.calls.length, calls);

  // The mesh drops the Service again: the proxy takes it and is in sync.
  sink.refuse = undefined;
  dist.meshChanged(shopMesh(), 'v3');
  dist.flush();
  await until('in sync again', () => server.tracker.proxy('pp-nack')?.inSync === true);
  assert.equal(server.tracker.proxy('pp-nack')?.rejection, undefined);
});

test('the client reconnects with backoff after the server restarts, keeping its config meanwhile', async () => {
  const first = await controlPlane(shopMesh());
  const port = first.server.port;
  const clock = new ManualClock(0);
  const sink = new RecordingSink();
  const events: ClientEvent[] = [];
  const node = { id: 'pp-re', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } };
  const client = new AdsClient({ host: '127.0.0.1', port, node, sink, clock, random: () => 0.5, backoff: { initialMs: 100, multiplier: 2, maxMs: 1000, jitter: 0.2 }, onEvent: (e) => events.push(e) });
  cleanups.push(() => client.stop());
  client.start();
  await until('in sync', () => first.server.tracker.proxy('pp-re')?.inSync === true);
  const held = sink.names(TypeUrl.Cluster);
  const callsBefore = sink.calls.length;

  await first.server.close(50);
  await until('disconnected', () => events.some((e) => e.kind === 'disconnected'));
  assert.equal(client.status().state, 'backoff');
  // While the server is away: two failed attempts, each backing off further.
  clock.advance(100);
  await until('second failure', () => events.filter((e) => e.kind === 'disconnected').length >= 2);
  clock.advance(200);
  await until('third failure', () => events.filter((e) => e.kind === 'disconnected').length >= 3);
  assert.deepEqual(
    events.filter((e) => e.kind === 'disconnected').map((e) => (e.kind === 'disconnected' ? e.retryInMs : 0)),
    [100, 200, 400],
  );
  assert.deepEqual(sink.names(TypeUrl.Cluster), held, 'config kept while the control plane is away');
  assert.equal(sink.calls.length, callsBefore, 'nothing removed');

  // The control plane comes back on the same port with the same mesh: nothing is sent again.
  const second = await controlPlane(shopMesh(), port);
  // gRPC's channel may still be backing off its own connection attempts: keep time moving until it is back.
  const ticker = setInterval(() => clock.advance(1000), 20);
  try {
    await until('reconnected', () => second.server.tracker.proxy('pp-re')?.inSync === true, 8000);
  } finally {
    clearInterval(ticker);
  }
  assert.equal(client.status().state, 'connected');
  assert.ok(client.status().reconnects >= 3);
  await sleep(100);
  assert.equal(sink.calls.length, callsBefore, 'the same versions are not re-sent after a reconnect');
  assert.deepEqual(sink.names(TypeUrl.Cluster), held);
});

test('reconnect delays grow by the multiplier up to the cap, each spread by the jitter both ways', async () => {
  // A port nothing listens on: every attempt fails.
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const clock = new ManualClock(0);
  const draws = [0, 0.999, 0.5, 0.25, 0.75];
  let i = 0;
  const events: ClientEvent[] = [];
  const node = { id: 'pp-jitter', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } };
  const client = new AdsClient({
    host: '127.0.0.1',
    port,
    node,
    sink: new RecordingSink(),
    clock,
    random: () => draws[i++ % draws.length] as number,
    backoff: { initialMs: 100, multiplier: 2, maxMs: 400, jitter: 0.5 },
    onEvent: (e) => events.push(e),
  });
  cleanups.push(() => client.stop());
  client.start();
  const delays = (): number[] => events.flatMap((e) => (e.kind === 'disconnected' ? [e.retryInMs] : []));
  for (let n = 1; n <= draws.length; n++) {
    await until(`failure ${n}`, () => delays().length >= n, 8000);
    clock.advance(delays()[n - 1] ?? 0);
  }
  // base 100 → 50 (−50 %), base 200 → 300 (+50 %), base 400 → 400, then capped at 400: 300 and 500.
  assert.deepEqual(delays().slice(0, 5), [50, 300, 400, 300, 500]);
  assert.ok(client.status().reconnects >= 5);
});
