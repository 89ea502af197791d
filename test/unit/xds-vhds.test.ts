// Virtual hosts over VHDS and snapshots built from shared groups, over real gRPC on loopback:
// a delta stream takes a sidecar's route configuration as `vhds` plus one VirtualHost
// resource per host, an edit of one host sends that host alone, a state-of-the-world
// stream gets the same route configuration inline (bytes equal to encoding it whole),
// and groups shared between snapshots are the same objects.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionTypeUrl, FilterName, TypeUrl } from '../../xds/types.ts';
import { decodeResource, encodeResource, type JsonObject } from '../../xds/codec.ts';
import { XdsSnapshot, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { DeltaWire, SotwWire, node, short, sleep } from '../support/ads-wire.ts';
import { ads, cla, cluster, frozen } from '../support/xds-fixtures.ts';

const KEY = 'shop/frontend';
const listener = frozen<ResourceInput>({
  name: 'http',
  typeUrl: TypeUrl.Listener,
  resource: {
    name: 'http',
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [{ filters: [{ name: FilterName.HttpConnectionManager, typed_config: { '@type': ExtensionTypeUrl.HttpConnectionManager, stat_prefix: 'http', rds: { config_source: ads, route_config_name: '80' }, http_filters: [{ name: FilterName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } }] } }] }],
  },
});
const vhost = (host: string, timeout: string): JsonObject => frozen({ name: `${host}:80`, domains: [host, `${host}:80`], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: host, timeout } }] });
const routes = (hosts: JsonObject[]): ResourceInput => frozen({ name: '80', typeUrl: TypeUrl.RouteConfiguration, resource: { name: '80', virtual_hosts: hosts } });

const HOSTS = ['a', 'b', 'c'];
const clusters = frozen([...HOSTS.map(cluster), ...HOSTS.map(cla)]);
const listeners = frozen([listener]);
const hostA = vhost('a', '1s');
const hostB = vhost('b', '1s');
const hostC = vhost('c', '1s');

const servers: RunningXdsServer[] = [];
const wires: { close(): void }[] = [];
after(async () => {
  for (const w of wires) w.close();
  for (const s of servers) await s.close(100);
});

test('snapshots share groups by reference and build the inline route configuration from the same virtual hosts', () => {
  const rc = routes([hostA, hostB, hostC]);
  const group = frozen([rc]);
  const one = XdsSnapshot.build({ parts: [clusters, listeners, group], vhds: true });
  const two = XdsSnapshot.build({ parts: [clusters, listeners, group], vhds: true });
  assert.equal(one.type(TypeUrl.Cluster)?.parts[0], two.type(TypeUrl.Cluster)?.parts[0], 'a shared group is one object');
  // State of the world: the route configuration inline, byte-identical to encoding it whole.
  const inline = one.type(TypeUrl.RouteConfiguration, 'sotw')?.resources.get('80');
  assert.deepEqual(Buffer.from(inline?.bytes ?? []), Buffer.from(encodeResource(TypeUrl.RouteConfiguration, rc.resource)));
  // Delta: the route configuration takes VHDS; each virtual host is a resource of its own.
  const head = one.type(TypeUrl.RouteConfiguration, 'delta')?.resources.get('80');
  assert.deepEqual(decodeResource(TypeUrl.RouteConfiguration, head?.bytes ?? new Uint8Array()), { name: '80', vhds: { config_source: { ads: {}, resource_api_version: 'V3' } } });
  assert.deepEqual([...(one.type(TypeUrl.VirtualHost, 'delta')?.resources.keys() ?? [])], ['80/a:80', '80/b:80', '80/c:80']);
  assert.equal(one.type(TypeUrl.VirtualHost, 'sotw'), undefined);
  // A virtual host naming a missing cluster is refused like a route configuration doing so.
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, frozen([routes([hostA, vhost('nowhere', '1s')])])], vhds: true }), /RDS "80": virtual_hosts\[1\]\.routes\[0\]\.route\.cluster names cluster "nowhere"/);
});

test('delta: an edit of one host sends that virtual host alone; SotW gets the route configuration whole', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, XdsSnapshot.build({ parts: [clusters, listeners, frozen([routes([hostA, hostB, hostC])])], vhds: true, meshVersion: 'm1' }));
  const w = new DeltaWire(s.port);
  wires.push(w);
  w.send({ node: node('d1', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  const [c, l] = await w.waitFor(2);
  assert.ok(c !== undefined && l !== undefined);
  w.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: HOSTS });
  w.ack(c);
  // VHDS by route configuration name, as Envoy's first VHDS request, before the route configuration.
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80'] });
  w.send({ type_url: TypeUrl.RouteConfiguration, resource_names_subscribe: ['80'] });
  w.ack(l);
  const synced = await w.waitFor(5);
  const show = (x: (typeof synced)[number]): string => `${short(x.type_url)}:+${(x.resources ?? []).map((y) => y.name).sort().join(',')}-${(x.removed_resources ?? []).join(',')}`;
  // Virtual hosts go before the route configuration that takes them.
  assert.deepEqual(synced.slice(2).map(show), ['EDS:+a,b,c-', 'VHDS:+80/a:80,80/b:80,80/c:80-', 'RDS:+80-']);
  for (const x of synced.slice(2)) w.ack(x);
  await sleep(50);
  assert.equal(s.tracker.proxy('d1')?.inSync, true);

  // One host's routes change: only its virtual host goes out, nothing else.
  const edited = XdsSnapshot.build({ parts: [clusters, listeners, frozen([routes([hostA, vhost('b', '2s'), hostC])])], vhds: true, meshVersion: 'm2' });
  s.setSnapshot(KEY, edited);
  const [vh] = (await w.waitFor(6)).slice(5);
  assert.ok(vh !== undefined);
  assert.equal(show(vh), 'VHDS:+80/b:80-');
  const b = decodeResource(TypeUrl.VirtualHost, vh.resources[0]?.resource?.value ?? new Uint8Array()) as { routes: { route: { timeout: string } }[] };
  assert.equal(b.routes[0]?.route.timeout, '2s');
  w.ack(vh);
  await sleep(50);
  assert.equal(s.tracker.proxy('d1')?.inSync, true);
  assert.equal(s.tracker.proxy('d1')?.ackedMeshVersion, 'm2');

  // A host goes: its virtual host is removed, nothing else is sent.
  s.setSnapshot(KEY, XdsSnapshot.build({ parts: [clusters, listeners, frozen([routes([hostA, vhost('b', '2s')])])], vhds: true, meshVersion: 'm3' }));
  const [gone] = (await w.waitFor(7)).slice(6);
  assert.ok(gone !== undefined);
  assert.equal(show(gone), 'VHDS:+-80/c:80');
  w.ack(gone);
  await sleep(50);
  assert.equal(s.tracker.proxy('d1')?.inSync, true);

  // State of the world: the same snapshot's route configuration inline, with both hosts.
  const so = new SotwWire(s.port);
  wires.push(so);
  so.send({ node: node('s1', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  so.send({ type_url: TypeUrl.Listener });
  const [sc, sl] = await so.waitFor(2);
  assert.ok(sc !== undefined && sl !== undefined);
  so.ack(sc);
  so.send({ type_url: TypeUrl.RouteConfiguration, resource_names: ['80'] });
  so.ack(sl);
  const [, , sr] = await so.waitFor(3);
  assert.ok(sr !== undefined);
  const rc = decodeResource(TypeUrl.RouteConfiguration, sr.resources[0]?.value ?? new Uint8Array()) as { virtual_hosts: { name: string }[]; vhds?: unknown };
  assert.deepEqual(rc.virtual_hosts.map((v) => v.name), ['a:80', 'b:80']);
  assert.equal(rc.vhds, undefined);
});

test('virtual hosts given as VirtualHost groups: VHDS on delta, the route configuration inline on SotW, byte-identical; a chunk is checked alone', () => {
  const head = frozen<ResourceInput>({ name: '80', typeUrl: TypeUrl.RouteConfiguration, resource: { name: '80', vhds: { config_source: ads } } });
  const vh = (h: JsonObject): ResourceInput => frozen({ name: `80/${String(h['name'])}`, typeUrl: TypeUrl.VirtualHost, resource: h });
  const chunk1 = frozen([vh(hostA), vh(hostB)]);
  const chunk2 = frozen([vh(hostC)]);
  const s = XdsSnapshot.build({ parts: [clusters, listeners, frozen([head]), chunk1, chunk2], vhds: true });
  // SotW: one route configuration with every virtual host inline, in order, as if it had been encoded whole.
  const inline = s.type(TypeUrl.RouteConfiguration, 'sotw')?.resources.get('80');
  assert.deepEqual(Buffer.from(inline?.bytes ?? []), Buffer.from(encodeResource(TypeUrl.RouteConfiguration, { name: '80', virtual_hosts: [hostA, hostB, hostC] })));
  assert.equal(s.size, 1 + HOSTS.length * 2 + 1, 'listeners, clusters, endpoints and one route configuration');
  // Delta: the head as is, and one VHDS group per chunk, shared by identity.
  assert.deepEqual([...(s.type(TypeUrl.VirtualHost, 'delta')?.resources.keys() ?? [])], ['80/a:80', '80/b:80', '80/c:80']);
  assert.equal(s.type(TypeUrl.VirtualHost, 'delta')?.parts.length, 2);
  // An edit of c replaces one chunk: the other keeps its group object (and so its encoding and every stream's "holds it").
  const chunk2b = frozen([vh(vhost('c', '5s'))]);
  const t = XdsSnapshot.build({ parts: [clusters, listeners, frozen([head]), chunk1, chunk2b], vhds: true });
  assert.equal(t.type(TypeUrl.VirtualHost, 'delta')?.parts[0], s.type(TypeUrl.VirtualHost, 'delta')?.parts[0]);
  assert.notEqual(t.versionOf(TypeUrl.VirtualHost, 'delta'), s.versionOf(TypeUrl.VirtualHost, 'delta'));
  assert.equal(t.versionOf(TypeUrl.RouteConfiguration, 'delta'), s.versionOf(TypeUrl.RouteConfiguration, 'delta'), 'the route configuration itself does not change');
  assert.notEqual(t.versionOf(TypeUrl.RouteConfiguration, 'sotw'), s.versionOf(TypeUrl.RouteConfiguration, 'sotw'), 'SotW streams see the edit in the route configuration');
  // Without VHDS (vhds: false) delta streams get the inline form too.
  const plain = XdsSnapshot.build({ parts: [clusters, listeners, frozen([head]), chunk1, chunk2] });
  assert.equal(plain.type(TypeUrl.VirtualHost, 'delta'), undefined);
  assert.deepEqual(Buffer.from(plain.type(TypeUrl.RouteConfiguration, 'delta')?.resources.get('80')?.bytes ?? []), Buffer.from(inline?.bytes ?? []));
  // Inconsistencies name the virtual host: a missing cluster, a missing route configuration, a name twice.
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, frozen([head]), chunk1, frozen([vh(vhost('nowhere', '1s'))])], vhds: true }), /VHDS "80\/nowhere:80": routes\[0\]\.route\.cluster names cluster "nowhere"/);
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, frozen([head]), frozen([frozen<ResourceInput>({ name: '81/a:80', typeUrl: TypeUrl.VirtualHost, resource: hostA })])], vhds: true }), /VHDS "81\/a:80" belongs to RouteConfiguration "81"/);
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, frozen([head]), chunk1, frozen([vh(hostA)])], vhds: true }), /VHDS resource "80\/a:80" appears twice/);
});

test('a snapshot built from the previous one reassembles only the types whose groups changed, and checks the new groups as a full build does', () => {
  const head = frozen<ResourceInput>({ name: '80', typeUrl: TypeUrl.RouteConfiguration, resource: { name: '80', vhds: { config_source: ads } } });
  const heads = frozen([head]);
  const vh = (h: JsonObject): ResourceInput => frozen({ name: `80/${String(h['name'])}`, typeUrl: TypeUrl.VirtualHost, resource: h });
  const chunk1 = frozen([vh(hostA), vh(hostB)]);
  const chunk2 = frozen([vh(hostC)]);
  const s = XdsSnapshot.build({ parts: [clusters, listeners, heads, chunk1, chunk2], vhds: true, meshVersion: 'v1' });
  const edited = frozen([vh(vhost('c', '5s'))]);
  const parts = [clusters, listeners, heads, chunk1, edited];
  const t = XdsSnapshot.build({ parts, vhds: true, meshVersion: 'v2', previous: s });
  const scratch = XdsSnapshot.build({ parts, vhds: true, meshVersion: 'v2' });
  assert.equal(t.version, scratch.version);
  assert.equal(t.meshVersion, 'v2');
  for (const view of ['sotw', 'delta'] as const) {
    for (const type of [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost]) {
      assert.equal(t.versionOf(type, view), scratch.versionOf(type, view), `${view} ${type}`);
      const bytes = (x: XdsSnapshot): string[] => [...(x.type(type, view)?.resources.values() ?? [])].map((r) => `${r.name} ${Buffer.from(r.bytes).toString('hex')}`);
      assert.deepEqual(bytes(t), bytes(scratch), `${view} ${type}`);
    }
  }
  // The types the edit left alone are the previous snapshot's objects (streams skip them by identity).
  for (const type of [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener]) assert.equal(t.type(type, 'delta'), s.type(type, 'delta'), type);
  assert.equal(t.type(TypeUrl.RouteConfiguration, 'delta'), s.type(TypeUrl.RouteConfiguration, 'delta'), 'VHDS heads are untouched');
  assert.notEqual(t.type(TypeUrl.VirtualHost, 'delta'), s.type(TypeUrl.VirtualHost, 'delta'));
  assert.notEqual(t.versionOf(TypeUrl.RouteConfiguration, 'sotw'), s.versionOf(TypeUrl.RouteConfiguration, 'sotw'), 'SotW streams see the edit inline');
  // A replaced group naming a missing cluster, or holding other names, is refused with the full build's message.
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, heads, chunk1, frozen([vh(vhost('c', '1s')), vh(vhost('nowhere', '1s'))].slice(1))], vhds: true, previous: s }), /VHDS "80\/nowhere:80": routes\[0\]\.route\.cluster names cluster "nowhere"/);
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, heads, chunk1, frozen([vh(hostA)])], vhds: true, previous: s }), /VHDS resource "80\/a:80" appears twice/);
  const renamed = frozen([frozen<ResourceInput>({ name: '80/c:80', typeUrl: TypeUrl.VirtualHost, resource: frozen({ ...hostC, routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'gone', timeout: '1s' } }] }) })]);
  assert.throws(() => XdsSnapshot.build({ parts: [clusters, listeners, heads, chunk1, renamed], vhds: true, previous: s }), /names cluster "gone", which is not in the snapshot/);
});

test('proxies joining at once sync a few at a time: a stream holding nothing unanswered waits while the server budget is spent', async () => {
  // A budget smaller than one proxy's clusters: only one stream may start at a time.
  const s = await startXdsServer({ limits: { maxUnansweredBytes: 1 } });
  servers.push(s);
  s.setSnapshot(KEY, XdsSnapshot.build({ parts: [clusters, listeners, frozen([routes([hostA, hostB, hostC])])], vhds: true, meshVersion: 'm1' }));
  const one = new DeltaWire(s.port);
  const two = new DeltaWire(s.port);
  wires.push(one, two);
  one.send({ node: node('j1', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  const [c1] = await one.waitFor(1);
  assert.ok(c1 !== undefined);
  two.send({ node: node('j2', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  await sleep(100);
  assert.equal(two.responses.length, 0, 'the second proxy waits while the first one holds the budget');
  assert.ok(s.server.stats.budgetWaits >= 1);
  // The first one answers: the budget frees and the second one gets its clusters.
  one.ack(c1);
  const [c2] = await two.waitFor(1);
  assert.equal(short(c2?.type_url ?? ''), 'CDS');
  two.ack(c2 as NonNullable<typeof c2>);
  // A stream that ends gives back what it held: the other is not left waiting.
  one.send({ type_url: TypeUrl.Listener });
  const [, l1] = await one.waitFor(2);
  assert.ok(l1 !== undefined);
  two.send({ type_url: TypeUrl.Listener });
  await sleep(100);
  assert.equal(two.responses.length, 1, 'waits for the budget again');
  one.close();
  const [, l2] = await two.waitFor(2);
  assert.equal(short(l2?.type_url ?? ''), 'LDS');
});
