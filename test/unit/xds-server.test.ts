// The ADS server over real gRPC on loopback: state-of-the-world and delta
// flows, versions, subscriptions, make-before-break order on the wire,
// consistency checks, ACK/NACK tracking and the status API.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionTypeUrl, FilterName, TypeUrl } from '../../xds/types.ts';
import type { JsonObject } from '../../xds/codec.ts';
import { XdsSnapshot, InconsistentSnapshotError, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { parseNode, configKeyOf } from '../../operator/xds/node.ts';
import { reachOf } from '../../operator/xds/tracker.ts';
import { metadataStruct } from '../../xds/ads.ts';
import { DeltaWire, SotwWire, namesOf, node, short, sleep } from '../support/ads-wire.ts';

const ads = { ads: {}, resource_api_version: 'V3' };
const cluster = (name: string): ResourceInput => ({
  name,
  typeUrl: TypeUrl.Cluster,
  resource: { name, type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: name }, connect_timeout: '1s' },
});
const cla = (name: string, port: number): ResourceInput => ({
  name,
  typeUrl: TypeUrl.ClusterLoadAssignment,
  resource: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: port } } } }] }] },
});
const listener = (name: string, route: string): ResourceInput => ({
  name,
  typeUrl: TypeUrl.Listener,
  resource: {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [
      {
        filters: [
          {
            name: FilterName.HttpConnectionManager,
            typed_config: {
              '@type': ExtensionTypeUrl.HttpConnectionManager,
              stat_prefix: name,
              rds: { config_source: ads, route_config_name: route },
              http_filters: [{ name: FilterName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } }],
            },
          },
        ],
      },
    ],
  },
});
const route = (name: string, clusters: string[]): ResourceInput => ({
  name,
  typeUrl: TypeUrl.RouteConfiguration,
  resource: {
    name,
    virtual_hosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          clusters.length === 1
            ? { match: { prefix: '/' }, route: { cluster: clusters[0] ?? '' } }
            : { match: { prefix: '/' }, route: { weighted_clusters: { clusters: clusters.map((c) => ({ name: c, weight: 1 })) } } },
        ],
      },
    ],
  },
});

/** A consistent config: clusters each with endpoints, one listener whose route goes to `routed`. */
function config(clusters: string[], routed: string[], opts: { port?: number; meshVersion?: string; generations?: [string, number][] } = {}): XdsSnapshot {
  return XdsSnapshot.build({
    resources: [...clusters.map(cluster), ...clusters.map((c) => cla(c, opts.port ?? 80)), listener('http', 'r80'), route('r80', routed)],
    meshVersion: opts.meshVersion ?? 'm1',
    generations: new Map(opts.generations ?? []),
  });
}

const KEY = 'shop/frontend';
const servers: RunningXdsServer[] = [];
const wires: { close(): void }[] = [];
after(async () => {
  for (const w of wires) w.close();
  for (const s of servers) await s.close(100);
});
async function server(opts: Parameters<typeof startXdsServer>[0] = {}): Promise<RunningXdsServer> {
  const s = await startXdsServer(opts);
  servers.push(s);
  return s;
}
function sotw(port: number, read = true): SotwWire {
  const w = new SotwWire(port, read);
  wires.push(w);
  return w;
}
function delta(port: number): DeltaWire {
  const w = new DeltaWire(port);
  wires.push(w);
  return w;
}

/** Connects, subscribes CDS+LDS wildcard then the EDS/RDS names, ACKing everything. Returns the wire after 4 responses. */
async function syncedSotw(port: number, id: string, eds: string[], rds: string[]): Promise<SotwWire> {
  const w = sotw(port);
  w.send({ node: node(id, 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  const [c, l] = await w.waitFor(2);
  assert.ok(c !== undefined && l !== undefined);
  w.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: eds });
  w.ack(c);
  w.send({ type_url: TypeUrl.RouteConfiguration, resource_names: rds });
  w.ack(l);
  const [, , e, r] = await w.waitFor(4);
  assert.ok(e !== undefined && r !== undefined);
  w.ack(e, eds);
  w.ack(r, rds);
  return w;
}

describe('snapshots', () => {
  test('versions are content hashes: equal content, equal versions; one changed endpoint changes only EDS', () => {
    const a = config(['a', 'b'], ['a']);
    const b = config(['a', 'b'], ['a']);
    assert.equal(a.version, b.version);
    for (const t of [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration]) assert.equal(a.versionOf(t), b.versionOf(t));
    const c = config(['a', 'b'], ['a'], { port: 81 });
    assert.notEqual(c.version, a.version);
    assert.notEqual(c.versionOf(TypeUrl.ClusterLoadAssignment), a.versionOf(TypeUrl.ClusterLoadAssignment));
    assert.equal(c.versionOf(TypeUrl.Cluster), a.versionOf(TypeUrl.Cluster));
    assert.equal(c.versionOf(TypeUrl.Listener), a.versionOf(TypeUrl.Listener));
    assert.equal(c.versionOf(TypeUrl.RouteConfiguration), a.versionOf(TypeUrl.RouteConfiguration));
  });

  test('an inconsistent snapshot is refused, naming every broken reference', () => {
    assert.throws(
      () => XdsSnapshot.build({ resources: [cluster('a'), cla('a', 80), listener('http', 'r80'), route('r80', ['a', 'missing'])] }),
      (e: unknown) =>
        e instanceof InconsistentSnapshotError &&
        e.problems.length === 1 &&
        /RDS "r80": virtual_hosts\[0\]\.routes\[0\]\.route\.weighted_clusters\.clusters\[1\]\.name names cluster "missing"/.test(e.message),
    );
    assert.throws(
      () => XdsSnapshot.build({ resources: [cluster('a'), cluster('b'), cla('a', 80), listener('http', 'nope')], label: 'shop/frontend' }),
      (e: unknown) =>
        e instanceof InconsistentSnapshotError &&
        e.problems.length === 2 &&
        e.message.includes('for shop/frontend') &&
        e.problems.some((p) => p.includes('CDS "b": eds_cluster_config.service_name "b" has no ClusterLoadAssignment')) &&
        e.problems.some((p) => p.includes('LDS "http": filter_chains[0].filters[0].typed_config.rds.route_config_name names RouteConfiguration "nope"')),
    );
    assert.throws(() => XdsSnapshot.build({ resources: [cluster('a'), cla('a', 80), cluster('a')] }), /CDS resource "a" appears twice/);
  });

  test('setSnapshot takes only built snapshots', async () => {
    const s = await server();
    assert.throws(() => s.setSnapshot(KEY, { version: 'x' } as unknown as XdsSnapshot), /not an XdsSnapshot; build one with XdsSnapshot.build/);
  });
});

describe('node identity', () => {
  test('NAMESPACE and WORKLOAD_NAME from node.metadata; GENERATOR grpc means proxyless', () => {
    const ok = parseNode({ id: 'sidecar~10.1.0.7~frontend-6d4f9.shop~shop.svc.cluster.local', metadata: metadataStruct({ NAMESPACE: 'shop', WORKLOAD_NAME: 'frontend' }) });
    assert.ok(ok.ok);
    assert.equal(ok.node.kind, 'sidecar');
    assert.equal(configKeyOf(ok.node), 'shop/frontend');
    const g = parseNode({ id: 'c1', metadata: metadataStruct({ NAMESPACE: 'shop', WORKLOAD_NAME: 'frontend', GENERATOR: 'grpc' }) });
    assert.ok(g.ok);
    assert.equal(configKeyOf(g.node), 'shop/frontend~grpc');
  });

  test('hostile or malformed nodes are refused with the field and what to do', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /must carry node/],
      [{ id: '' }, /node\.id is empty/],
      [{ id: 'a b' }, /node\.id "a b" must be/],
      [{ id: 'x'.repeat(300) }, /must be 1–256 characters/],
      [{ id: 'p', metadata: metadataStruct({ WORKLOAD_NAME: 'w' }) }, /NAMESPACE is missing/],
      [{ id: 'p', metadata: metadataStruct({ NAMESPACE: 'Shop!', WORKLOAD_NAME: 'w' }) }, /NAMESPACE "Shop!" is not a namespace name/],
      [{ id: 'p', metadata: metadataStruct({ NAMESPACE: 'shop' }) }, /WORKLOAD_NAME is missing/],
      [{ id: 'p', metadata: metadataStruct({ NAMESPACE: 'shop', WORKLOAD_NAME: '../etc' }) }, /WORKLOAD_NAME "..\/etc" is not a workload name/],
      [{ id: 'p', metadata: metadataStruct({ NAMESPACE: 'shop', WORKLOAD_NAME: 'w', GENERATOR: 'evil' }) }, /GENERATOR "evil" is not known/],
      [{ id: 'p', metadata: { fields: { NAMESPACE: { numberValue: 3 } } } }, /NAMESPACE is missing/],
    ];
    for (const [n, re] of cases) {
      const r = parseNode(n as Parameters<typeof parseNode>[0]);
      assert.ok(!r.ok, `accepted ${JSON.stringify(n)}`);
      assert.match(r.error, re);
    }
  });

  test('over the wire: a malformed node gets INVALID_ARGUMENT, a refused one NOT_FOUND', async () => {
    const s = await server({ snapshotFor: (n) => (n.namespace === 'ghost' ? { reject: 'no such workload in the registry' } : undefined) });
    const bad = sotw(s.port);
    bad.send({ node: { id: 'p1' }, type_url: TypeUrl.Cluster });
    const e1 = await bad.waitEnd();
    assert.equal(e1.code, 3);
    assert.match(e1.details, /node\.metadata\.NAMESPACE is missing/);
    const ghost = sotw(s.port);
    ghost.send({ node: node('p2', 'ghost', 'w'), type_url: TypeUrl.Cluster });
    const e2 = await ghost.waitEnd();
    assert.equal(e2.code, 5);
    assert.match(e2.details, /node p2 \(ghost\/w\) refused: no such workload in the registry/);
  });
});

describe('state of the world', () => {
  test('wildcard LDS/CDS, named EDS/RDS, ACKs recorded, no answer while nothing changed', async () => {
    const s = await server();
    s.setSnapshot(KEY, config(['a', 'b', 'c'], ['a']));
    const w = sotw(s.port);
    w.send({ node: node('p1', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
    w.send({ type_url: TypeUrl.Listener });
    const [c, l] = await w.waitFor(2);
    assert.ok(c !== undefined && l !== undefined);
    assert.deepEqual([short(c.type_url), short(l.type_url)], ['CDS', 'LDS']);
    assert.deepEqual(namesOf(c), ['a', 'b', 'c']);
    w.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['a', 'c'], version_info: '', response_nonce: '' });
    w.ack(c);
    const [, , e] = await w.waitFor(3);
    assert.ok(e !== undefined);
    assert.equal(short(e.type_url), 'EDS');
    assert.deepEqual(namesOf(e), ['a', 'c'], 'only the subscribed names');
    w.ack(e, ['a', 'c']);
    w.ack(l);
    w.send({ type_url: TypeUrl.RouteConfiguration, resource_names: ['r80'] });
    const [, , , r] = await w.waitFor(4);
    assert.ok(r !== undefined);
    w.ack(r, ['r80']);
    await sleep(100);
    assert.equal(w.responses.length, 4, 'ACKs are not answered');
    const p = s.tracker.proxy('p1');
    assert.ok(p !== undefined);
    assert.equal(p.inSync, true);
    assert.equal(p.ackedMeshVersion, 'm1');
    for (const t of p.types) assert.equal(t.ackedVersion, t.sentVersion, short(t.typeUrl));

    // The same content again: no push at all.
    assert.equal(s.setSnapshot(KEY, config(['a', 'b', 'c'], ['a'])), false);
    await sleep(100);
    assert.equal(w.responses.length, 4);
    // An endpoint changes: only EDS goes out.
    assert.equal(s.setSnapshot(KEY, config(['a', 'b', 'c'], ['a'], { port: 81 })), true);
    const [, , , , e2] = await w.waitFor(5);
    assert.ok(e2 !== undefined);
    assert.equal(short(e2.type_url), 'EDS');
    assert.notEqual(e2.version_info, e.version_info);
    await sleep(100);
    assert.equal(w.responses.length, 5);
  });

  test('make-before-break on the wire: clusters kept until listeners and routes moved, then removed last', async () => {
    const s = await server();
    s.setSnapshot(KEY, config(['old'], ['old']));
    const w = await syncedSotw(s.port, 'p-mbb', ['old'], ['r80']);
    // The new config drops "old", adds "new", and routes to "new".
    s.setSnapshot(KEY, config(['new'], ['new']));
    // A proxy subscribes to the new cluster's endpoints after CDS; the server answers that.
    const first = await w.waitFor(5);
    const cds1 = first[4];
    assert.ok(cds1 !== undefined);
    assert.equal(short(cds1.type_url), 'CDS');
    assert.deepEqual(namesOf(cds1).sort(), ['new', 'old'], 'first CDS keeps the cluster being replaced');
    const got = await w.waitFor(7);
    // EDS answers the old subscription (nothing of it is left); the listener is unchanged, so no LDS.
    assert.deepEqual(got.slice(4).map((r) => `${short(r.type_url)}:${namesOf(r).sort().join(',')}`), ['CDS:new,old', 'EDS:', 'RDS:r80']);
    const eds0 = got[5] ?? assert.fail();
    w.ack(got[6] ?? assert.fail(), ['r80']);
    // Once the kept-clusters CDS is answered, the final CDS drops the old cluster.
    w.ack(cds1);
    const [, , , , , , , cds2] = await w.waitFor(8);
    assert.ok(cds2 !== undefined);
    assert.deepEqual(namesOf(cds2), ['new']);
    w.ack(cds2);
    // The proxy now takes the new cluster's endpoints (an ACK that changes the names it subscribes to).
    w.ack(eds0, ['new']);
    const [, , , , , , , , eds] = await w.waitFor(9);
    assert.ok(eds !== undefined);
    assert.deepEqual(namesOf(eds), ['new']);
    w.ack(eds, ['new']);
    await sleep(50);
    assert.equal(s.tracker.proxy('p-mbb')?.inSync, true);
  });

  test('a NACK is recorded with the proxy message, not answered with the same version, and reported by the status API', async () => {
    const s = await server();
    const gens: [string, number][] = [['VirtualService.weft.dev/shop/frontend', 3]];
    s.setSnapshot(KEY, config(['a'], ['a'], { generations: gens, meshVersion: 'm3' }));
    const good = await syncedSotw(s.port, 'p-good', ['a'], ['r80']);
    await sleep(50);
    const reach = reachOf({ kind: 'namespaces', namespaces: ['shop'] });
    assert.equal(s.tracker.programmed('VirtualService.weft.dev/shop/frontend', 3, reach).message, 'programmed on 1 of 1 proxy');

    // Generation 4 changes the route; p-bad refuses it.
    const bad = await syncedSotw(s.port, 'p-bad', ['a'], ['r80']);
    await sleep(50);
    s.setSnapshot(KEY, config(['a', 'b'], ['b'], { generations: [['VirtualService.weft.dev/shop/frontend', 4]], meshVersion: 'm4' }));
    const badCds = (await bad.waitFor(5))[4];
    assert.ok(badCds !== undefined && short(badCds.type_url) === 'CDS');
    bad.nack(badCds, 'cluster b: unsupported lb_policy MAGLEV', (await bad.waitFor(1))[0]?.version_info ?? '');
    const goodNew = (await good.waitFor(7)).slice(4);
    assert.deepEqual(goodNew.map((r) => short(r.type_url)), ['CDS', 'EDS', 'RDS']);
    for (const r of goodNew) good.ack(r, short(r.type_url) === 'RDS' ? ['r80'] : short(r.type_url) === 'EDS' ? ['a', 'b'] : []);
    const e = (await good.waitFor(8))[7];
    assert.ok(e !== undefined);
    good.ack(e, ['a', 'b']);
    await sleep(100);
    const p = s.tracker.proxy('p-bad');
    assert.ok(p !== undefined);
    const cds = p.types.find((t) => t.typeUrl === TypeUrl.Cluster);
    assert.equal(cds?.nack?.message, 'cluster b: unsupported lb_policy MAGLEV');
    assert.equal(cds?.nack?.nonce, badCds.nonce);
    assert.equal(cds?.nack?.version, badCds.version_info);
    const report = s.tracker.programmed('VirtualService.weft.dev/shop/frontend', 4, reach);
    assert.equal(report.total, 2);
    assert.deepEqual(report.programmed.map((x) => x.id), ['p-good']);
    assert.deepEqual(report.rejected.map((x) => x.id), ['p-bad']);
    assert.equal(report.message, 'rejected by proxy shop/frontend (p-bad): CDS cluster b: unsupported lb_policy MAGLEV');
    // p-bad still runs generation 3, which counts as programmed for 3 (and is not "rejected").
    assert.equal(s.tracker.programmed('VirtualService.weft.dev/shop/frontend', 3, reach).message, 'programmed on 2 of 2 proxies');

    // A NACK storm of the same nonce is recorded once and never answered with the rejected version.
    const before = bad.responses.length;
    for (let i = 0; i < 20; i++) bad.nack(badCds, 'again');
    await sleep(100);
    assert.equal(s.tracker.proxy('p-bad')?.types.find((t) => t.typeUrl === TypeUrl.Cluster)?.nack?.message, 'cluster b: unsupported lb_policy MAGLEV');
    assert.ok(bad.responses.slice(before).every((r) => short(r.type_url) !== 'CDS' || r.version_info !== badCds.version_info));
  });

  test('a proxy that reconnects with the versions it has gets nothing again', async () => {
    const s = await server();
    s.setSnapshot(KEY, config(['a'], ['a']));
    const w1 = await syncedSotw(s.port, 'p-re', ['a'], ['r80']);
    const versions = new Map(w1.responses.map((r) => [r.type_url, r.version_info]));
    w1.close();
    await sleep(50);
    const w2 = sotw(s.port);
    w2.send({ node: node('p-re', 'shop', 'frontend'), type_url: TypeUrl.Cluster, version_info: versions.get(TypeUrl.Cluster) ?? '' });
    w2.send({ type_url: TypeUrl.Listener, version_info: versions.get(TypeUrl.Listener) ?? '' });
    await sleep(150);
    assert.equal(w2.responses.length, 0);
    assert.ok(s.tracker.proxy('p-re') !== undefined);
  });
});

describe('delta', () => {
  test('only changed resources are sent; removals come after additions; initial versions are honoured', async () => {
    const s = await server();
    s.setSnapshot(KEY, config(['a', 'b'], ['a']));
    const w = delta(s.port);
    w.send({ node: node('d1', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
    w.send({ type_url: TypeUrl.Listener });
    const [c, l] = await w.waitFor(2);
    assert.ok(c !== undefined && l !== undefined);
    assert.deepEqual(c.resources.map((r) => r.name).sort(), ['a', 'b']);
    w.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: ['a', 'b'] });
    w.ack(c);
    w.send({ type_url: TypeUrl.RouteConfiguration, resource_names_subscribe: ['r80'] });
    w.ack(l);
    const [, , e, r] = await w.waitFor(4);
    assert.ok(e !== undefined && r !== undefined);
    assert.deepEqual(e.resources.map((x) => x.name).sort(), ['a', 'b']);
    w.ack(e);
    w.ack(r);
    await sleep(50);
    assert.equal(s.tracker.proxy('d1')?.inSync, true);

    // Cluster b goes, c comes, routes move to c: c (and its endpoints) first, then the route, then removals.
    s.setSnapshot(KEY, config(['a', 'c'], ['c']));
    const got = (await w.waitFor(7)).slice(4);
    const show = (x: (typeof got)[number]): string => `${short(x.type_url)}:+${(x.resources ?? []).map((y) => y.name).join(',')}-${(x.removed_resources ?? []).join(',')}`;
    assert.deepEqual(got.map(show), ['CDS:+c-', 'RDS:+r80-', 'EDS:+-b']);
    for (const x of got) w.ack(x);
    // The cluster removal follows the answer to the CDS addition.
    const last = (await w.waitFor(8))[7] ?? assert.fail();
    assert.equal(show(last), 'CDS:+-b');
    w.ack(last);
    w.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: ['c'], resource_names_unsubscribe: ['b'] });
    const [, , , , , , , , e2] = await w.waitFor(9);
    assert.ok(e2 !== undefined);
    assert.deepEqual(e2.resources.map((x) => x.name), ['c']);
    w.ack(e2);
    await sleep(50);
    assert.equal(s.tracker.proxy('d1')?.inSync, true);

    // A new stream that says what it holds gets only what differs.
    const w2 = delta(s.port);
    const held = Object.fromEntries(c.resources.map((x) => [x.name, x.version]));
    w2.send({ node: node('d2', 'shop', 'frontend'), type_url: TypeUrl.Cluster, initial_resource_versions: held });
    const [c2] = await w2.waitFor(1);
    assert.ok(c2 !== undefined);
    w2.ack(c2);
    const [, c3] = await w2.waitFor(2);
    assert.ok(c3 !== undefined);
    assert.deepEqual((c2.resources ?? []).map((x) => x.name), ['c']);
    assert.deepEqual(c3.removed_resources, ['b']);
  });

  test('a delta NACK is recorded and the rejected resource is not resent', async () => {
    const s = await server();
    s.setSnapshot(KEY, config(['a'], ['a']));
    const w = delta(s.port);
    w.send({ node: node('d3', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
    const [c] = await w.waitFor(1);
    assert.ok(c !== undefined);
    w.send({ type_url: TypeUrl.Cluster, response_nonce: c.nonce, error_detail: { code: 3, message: 'cluster a: no thanks' } });
    await sleep(50);
    assert.equal(s.tracker.proxy('d3')?.types.find((t) => t.typeUrl === TypeUrl.Cluster)?.nack?.message, 'cluster a: no thanks');
    s.setSnapshot(KEY, config(['a'], ['a'], { meshVersion: 'm2' }));
    await sleep(100);
    assert.equal(w.responses.length, 1);
  });
});

describe('pushes reach only proxies whose resources changed', () => {
  test('two keys: a change to one key pushes only its proxies', async () => {
    const s = await server();
    s.setSnapshot('shop/frontend', config(['a'], ['a']));
    s.setSnapshot('shop/backend', config(['a'], ['a']));
    const front = await syncedSotw(s.port, 'f1', ['a'], ['r80']);
    const back = sotw(s.port);
    back.send({ node: node('b1', 'shop', 'backend'), type_url: TypeUrl.Cluster });
    back.send({ type_url: TypeUrl.Listener });
    await back.waitFor(2);
    s.setSnapshot('shop/frontend', config(['a'], ['a'], { port: 99 }));
    s.setSnapshot('shop/backend', config(['a'], ['a']));
    await front.waitFor(5);
    await sleep(100);
    assert.equal(front.responses.length, 5);
    assert.equal(back.responses.length, 2);
  });
});

describe('status of proxies', () => {
  test('tracker lists each proxy with what it has acknowledged', async () => {
    const s = await server();
    s.setSnapshot(KEY, config(['a'], ['a'], { meshVersion: 'm7' }));
    await syncedSotw(s.port, 'p-status', ['a'], ['r80']);
    await sleep(50);
    const p = s.tracker.proxies().find((x) => x.node.id === 'p-status');
    assert.ok(p !== undefined);
    assert.equal(p.stream, 'sotw');
    assert.equal(p.ackedMeshVersion, 'm7');
    assert.equal(p.ackedSnapshotVersion, s.server.snapshot(KEY)?.version);
    assert.deepEqual(p.types.map((t) => short(t.typeUrl)), ['CDS', 'EDS', 'LDS', 'RDS']);
  });
});

export type { JsonObject };
