// On-demand virtual hosts over real gRPC on loopback: a delta stream subscribes to aliases
// `<route configuration>/<authority>`, the server answers with the virtual host Envoy's domain
// matching picks (under its own name, the alias in `aliases`) or "nothing there", resolves again
// only when domains move (a Service added or gone), and sends an edit of a virtual host only to
// the streams whose aliases point at it.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionTypeUrl, FilterName, TypeUrl } from '../../xds/types.ts';
import { decodeResource, type JsonObject } from '../../xds/codec.ts';
import type { DeltaDiscoveryResponse } from '../../xds/ads.ts';
import { XdsSnapshot, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { DeltaWire, node, sleep, syncedDeltaWire } from '../support/ads-wire.ts';
import { ads, cla, cluster, frozen } from '../support/xds-fixtures.ts';

const KEY = 'shop/frontend';
const CLUSTERS = ['reviews', 'ratings', 'details', 'wild', 'deep', 'api', 'pass', 'x'];
const clusters = frozen([...CLUSTERS.map(cluster), ...CLUSTERS.map(cla)]);
const listeners = frozen([
  frozen<ResourceInput>({
    name: 'http',
    typeUrl: TypeUrl.Listener,
    resource: {
      name: 'http',
      address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
      filter_chains: [{ filters: [{ name: FilterName.HttpConnectionManager, typed_config: { '@type': ExtensionTypeUrl.HttpConnectionManager, stat_prefix: 'http', rds: { config_source: ads, route_config_name: '80' }, http_filters: [{ name: FilterName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } }] } }] }],
    },
  }),
]);
const head = (name: string): ResourceInput => frozen({ name, typeUrl: TypeUrl.RouteConfiguration, resource: { name, vhds: { config_source: ads } } });
const heads = frozen([head('80'), head('81')]);

/** A Service's virtual host as the compiler writes it (names, short names, ClusterIP; each with and without the port). */
const service = (name: string, ip: string, timeout = '1s', c = name): JsonObject => {
  const fqdn = `${name}.shop.svc.cluster.local`;
  const names = [fqdn, name, `${name}.shop`, `${name}.shop.svc`, ip];
  return frozen({ name: `${fqdn}:80`, domains: names.flatMap((n) => [n, `${n}:80`]), routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: c, timeout } }] });
};
const host = (name: string, domains: string[], c: string): JsonObject => frozen({ name, domains, routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: c, timeout: '1s' } }] });
const vh = (rc: string, h: JsonObject): ResourceInput => frozen({ name: `${rc}/${String(h['name'])}`, typeUrl: TypeUrl.VirtualHost, resource: h });

const REVIEWS = 'reviews.shop.svc.cluster.local:80';
const RATINGS = 'ratings.shop.svc.cluster.local:80';
const reviews = service('reviews', '10.0.1.7');
const ratings = service('ratings', '10.0.1.8');
const wild = host('wild', ['*.example.com'], 'wild');
const deep = host('deep', ['*.deep.example.com'], 'deep');
const api = host('api', ['api.*'], 'api');
const allowAny = host('allow_any', ['*'], 'pass');
// Three chunks of route configuration 80 (as the compiler cuts them), and 81 without a catch-all.
const chunk1 = frozen([vh('80', reviews), vh('80', wild)]);
const chunk2 = frozen([vh('80', ratings), vh('80', deep), vh('80', api)]);
const chunk3 = frozen([vh('80', allowAny)]);
const chunk81 = frozen([vh('81', host('x:81', ['x', 'x:81'], 'x'))]);
const build = (meshVersion: string, ...vhosts: (readonly ResourceInput[])[]): XdsSnapshot =>
  XdsSnapshot.build({ parts: [clusters, listeners, heads, ...vhosts], vhds: true, meshVersion });
const base = (meshVersion = 'm1'): XdsSnapshot => build(meshVersion, chunk1, chunk2, chunk3, chunk81);

const servers: RunningXdsServer[] = [];
const wires: DeltaWire[] = [];
after(async () => {
  for (const w of wires) w.close();
  for (const s of servers) await s.close(100);
});

/** A resource of a delta response as the proxy reads it: its name, aliases, and whether it carries the virtual host. */
interface Entry {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly vhost: string | undefined;
}
const entries = (r: DeltaDiscoveryResponse): Entry[] =>
  (r.resources ?? [])
    .map((x) => {
      const raw = x as unknown as { name: string; aliases?: string[]; resource?: { value?: Uint8Array } };
      const value = raw.resource?.value;
      const vhost = value === undefined ? undefined : String((decodeResource(TypeUrl.VirtualHost, value) as JsonObject)['name']);
      return { name: raw.name, aliases: [...(raw.aliases ?? [])].sort(), vhost };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));

/** A proxy on a delta stream: clusters and listeners taken and ACKed, so the tracker can say it is in sync. */
const connect = (s: RunningXdsServer, id: string): Promise<DeltaWire> => syncedDeltaWire(s.port, id, wires);

/** The next response on the stream. */
async function next(w: DeltaWire): Promise<DeltaDiscoveryResponse> {
  const all = await w.waitFor(w.responses.length + 1);
  const r = all[all.length - 1];
  assert.ok(r !== undefined);
  return r;
}

/** Subscribes aliases; returns the answer (already ACKed). */
async function subscribe(w: DeltaWire, aliases: string[]): Promise<DeltaDiscoveryResponse> {
  const before = w.responses.length;
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: aliases });
  const r = await next(w);
  assert.equal(w.responses.length, before + 1);
  assert.equal(r.type_url, TypeUrl.VirtualHost);
  w.ack(r);
  return r;
}

test('an alias resolves with Envoy domain matching: exact, short and port-less names, IP, wildcards longest first, prefix, the * catch-all', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p1');
  const cases: [string, string][] = [
    ['80/reviews:80', REVIEWS],
    ['80/reviews', REVIEWS],
    ['80/reviews.shop', REVIEWS],
    ['80/REVIEWS.Shop.svc:80', REVIEWS],
    ['80/10.0.1.8:80', RATINGS],
    ['80/a.example.com', 'wild'],
    ['80/x.deep.example.com', 'deep'],
    ['80/deep.example.com', 'wild'],
    ['80/api.other.org:8080', 'api'],
    // A wildcard matches at least one character.
    ['80/.example.com', 'allow_any'],
    ['80/api.', 'allow_any'],
    ['80/www.google.com', 'allow_any'],
    ['80/reviews:9080', 'allow_any'],
  ];
  const r = await subscribe(w, cases.map(([a]) => a));
  const got = entries(r);
  for (const [alias, target] of cases) {
    const e = got.find((x) => x.aliases.includes(alias));
    assert.ok(e !== undefined, `${alias} answered`);
    assert.equal(e.name, `80/${target}`, alias);
    assert.equal(e.vhost, target, `${alias}: the virtual host itself comes along`);
  }
  // Several aliases of one virtual host share its one resource.
  const rev = got.find((x) => x.name === `80/${REVIEWS}`);
  assert.deepEqual(rev?.aliases, ['80/REVIEWS.Shop.svc:80', '80/reviews', '80/reviews.shop', '80/reviews:80']);
  assert.equal(got.length, new Set(cases.map(([, t]) => t)).size, 'one resource per virtual host');
  assert.equal(r.resources?.[0]?.version !== '', true);

  // A virtual host's own name resolves to itself; nothing there: no catch-all, or a route configuration the proxy does not hold.
  const r2 = entries(await subscribe(w, [`80/${RATINGS}`, '81/nothing.here', '99/reviews']));
  assert.deepEqual(r2, [
    { name: `80/${RATINGS}`, aliases: ['80/10.0.1.8:80', `80/${RATINGS}`], vhost: RATINGS },
    { name: '81/nothing.here', aliases: ['81/nothing.here'], vhost: undefined },
    { name: '99/reviews', aliases: ['99/reviews'], vhost: undefined },
  ]);
  await sleep(50);
  assert.equal(s.tracker.proxy('p1')?.inSync, true);
  assert.equal(w.ended, undefined);
});

test('a rules edit reaches only the streams holding the edited virtual host; the others get nothing and are in sync at once; nothing is resolved again', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const a = await connect(s, 'a');
  const b = await connect(s, 'b');
  const whole = await connect(s, 'whole');
  await subscribe(a, ['80/reviews:80']);
  await subscribe(b, ['80/ratings:80', '80/www.google.com']);
  // A classic VHDS client: the whole route configuration.
  const all = entries(await subscribe(whole, ['80']));
  assert.deepEqual(all.map((e) => e.name), ['80/allow_any', '80/api', '80/deep', `80/${RATINGS}`, `80/${REVIEWS}`, '80/wild']);
  assert.ok(all.every((e) => e.aliases.length === 0), 'a whole route configuration comes without aliases, as before');
  await sleep(50);
  const counts = [a, b, whole].map((w) => w.responses.length);
  const resolved = s.server.stats.aliasesResolved;

  // reviews' routes change: a new chunk 1 with the same names and domains.
  const edited = frozen([vh('80', service('reviews', '10.0.1.7', '9s')), vh('80', wild)]);
  s.setSnapshot(KEY, build('m2', edited, chunk2, chunk3, chunk81));
  const ra = await next(a);
  assert.deepEqual(entries(ra).map((e) => [e.name, e.aliases]), [[`80/${REVIEWS}`, ['80/reviews:80']]]);
  const v = decodeResource(TypeUrl.VirtualHost, (ra.resources?.[0]?.resource?.value ?? new Uint8Array())) as { routes: { route: { timeout: string } }[] };
  assert.equal(v.routes[0]?.route.timeout, '9s');
  a.ack(ra);
  const rw = await next(whole);
  assert.deepEqual(entries(rw).map((e) => e.name), [`80/${REVIEWS}`]);
  whole.ack(rw);
  await sleep(150);
  assert.equal(b.responses.length, counts[1], 'the stream whose aliases point elsewhere is sent nothing');
  assert.equal(a.responses.length, (counts[0] ?? 0) + 1);
  assert.equal(whole.responses.length, (counts[2] ?? 0) + 1);
  assert.equal(s.server.stats.aliasesResolved, resolved, 'a rules-only edit moves no domain: no alias is resolved again');
  for (const id of ['a', 'b', 'whole']) {
    const p = s.tracker.proxy(id);
    assert.equal(p?.inSync, true, id);
    assert.equal(p?.ackedMeshVersion, 'm2', id);
  }
});

test('a Service created moves an alias from the catch-all to it (the catch-all removed), and deleted moves it back', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p');
  const other = await connect(s, 'other');
  assert.deepEqual(entries(await subscribe(w, ['80/details:80'])).map((e) => e.name), ['80/allow_any']);
  await subscribe(other, ['80/reviews:80', '81/x']);
  await sleep(50);
  const otherCount = other.responses.length;
  const resolved = s.server.stats.aliasesResolved;

  // details appears in chunk 2 (the chunk changes names: a registry change).
  const details = service('details', '10.0.1.9');
  const withDetails = frozen([vh('80', details), vh('80', ratings), vh('80', deep), vh('80', api)]);
  s.setSnapshot(KEY, build('m2', chunk1, withDetails, chunk3, chunk81));
  const moved = await next(w);
  assert.deepEqual(entries(moved), [{ name: '80/details.shop.svc.cluster.local:80', aliases: ['80/details:80'], vhost: 'details.shop.svc.cluster.local:80' }]);
  assert.deepEqual(moved.removed_resources ?? [], [], 'make before break: the old virtual host goes after the new one is taken');
  w.ack(moved);
  const gone = await next(w);
  assert.deepEqual(entries(gone), []);
  assert.deepEqual(gone.removed_resources, ['80/allow_any'], 'no alias of the stream points at the catch-all any more');
  w.ack(gone);
  await sleep(100);
  assert.equal(other.responses.length, otherCount, 'a stream whose aliases did not move gets nothing');
  assert.equal(s.server.stats.aliasesResolved - resolved, 2, "only the aliases of route configuration 80, whose domains moved, are resolved again (not 81's)");
  assert.equal(s.tracker.proxy('p')?.inSync, true);
  assert.equal(s.tracker.proxy('other')?.inSync, true);
  assert.equal(s.tracker.proxy('other')?.ackedMeshVersion, 'm2');

  // details deleted: back to the catch-all, details removed.
  s.setSnapshot(KEY, build('m3', chunk1, chunk2, chunk3, chunk81));
  const back = await next(w);
  assert.deepEqual(entries(back), [{ name: '80/allow_any', aliases: ['80/details:80'], vhost: 'allow_any' }]);
  w.ack(back);
  const drop = await next(w);
  assert.deepEqual(drop.removed_resources, ['80/details.shop.svc.cluster.local:80']);
  w.ack(drop);

  // Without a catch-all, a deleted Service's alias resolves to nothing there.
  const r81 = entries(await subscribe(w, ['81/x']));
  assert.deepEqual(r81.map((e) => e.name), ['81/x:81']);
  s.setSnapshot(KEY, build('m4', chunk1, chunk2, chunk3, frozen([vh('81', host('y:81', ['y'], 'x'))])));
  const none = await next(w);
  assert.deepEqual(entries(none), [{ name: '81/x', aliases: ['81/x'], vhost: undefined }]);
  assert.deepEqual(none.removed_resources ?? [], []);
  w.ack(none);
  const x = await next(w);
  assert.deepEqual(x.removed_resources, ['81/x:81']);
  w.ack(x);
  await sleep(50);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
});

test('unsubscribing an alias stops the virtual host it pointed at; subscribing again answers afresh', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p');
  await subscribe(w, ['80/reviews:80', '80/reviews', '80/ratings']);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_unsubscribe: ['80/reviews:80'] });
  await sleep(50);
  const count = w.responses.length;
  assert.equal(count, 3, 'unsubscribing sends nothing');
  // reviews is still wanted through its other alias.
  s.setSnapshot(KEY, build('m2', frozen([vh('80', service('reviews', '10.0.1.7', '2s')), vh('80', wild)]), chunk2, chunk3, chunk81));
  const r = await next(w);
  assert.deepEqual(entries(r).map((e) => [e.name, e.aliases]), [[`80/${REVIEWS}`, ['80/reviews']]]);
  w.ack(r);
  // Its last alias gone, its edits no longer reach the stream.
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_unsubscribe: ['80/reviews'] });
  await sleep(50);
  s.setSnapshot(KEY, build('m3', frozen([vh('80', service('reviews', '10.0.1.7', '3s')), vh('80', wild)]), chunk2, chunk3, chunk81));
  await sleep(150);
  assert.equal(w.responses.length, count + 1);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
  assert.equal(s.tracker.proxy('p')?.ackedMeshVersion, 'm3');
  // Subscribed again: answered with the current version, even though the proxy once held the virtual host.
  const again = entries(await subscribe(w, ['80/reviews']));
  assert.deepEqual(again.map((e) => [e.name, e.aliases]), [[`80/${REVIEWS}`, ['80/reviews']]]);
});

test('a proxy reconnecting with initial_resource_versions gets every alias answered, and is in sync after one ACK', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const first = await connect(s, 'p');
  const r = await subscribe(first, ['80/reviews:80', '80/www.google.com', '81/nothing']);
  const versions: Record<string, string> = {};
  for (const x of r.resources ?? []) if (typeof x.version === 'string' && x.version !== '') versions[x.name] = x.version;
  assert.deepEqual(Object.keys(versions).sort(), ['80/allow_any', `80/${REVIEWS}`], 'nothing there carries no version');
  first.close();
  await sleep(50);

  const w = new DeltaWire(s.port);
  wires.push(w);
  w.send({ node: node('p', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  w.send({ type_url: TypeUrl.VirtualHost, initial_resource_versions: versions, resource_names_subscribe: ['80/reviews:80', '80/www.google.com', '81/nothing'] });
  const got = await w.waitFor(3);
  for (const x of got) w.ack(x);
  const vhds = got.find((x) => x.type_url === TypeUrl.VirtualHost);
  assert.ok(vhds !== undefined);
  assert.deepEqual(entries(vhds), [
    { name: '80/allow_any', aliases: ['80/www.google.com'], vhost: 'allow_any' },
    { name: `80/${REVIEWS}`, aliases: ['80/reviews:80'], vhost: REVIEWS },
    { name: '81/nothing', aliases: ['81/nothing'], vhost: undefined },
  ]);
  await sleep(50);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
  await sleep(100);
  assert.equal(w.responses.length, 3, 'nothing more');
});

test('aliases per stream are capped: more are ignored (counted, logged once), the stream stays up, room freed by unsubscribing is reused', async () => {
  const warnings: string[] = [];
  const logger = { info() {}, warn: (_f: object, m: string) => void warnings.push(m), error() {} };
  const s = await startXdsServer({ limits: { maxAliasesPerStream: 3 }, logger });
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p');
  const r = await subscribe(w, ['80/a1.example.com', '80/a2.example.com', '80/reviews', '80/ratings', '80/a3.example.com']);
  const answered = entries(r).flatMap((e) => e.aliases).sort();
  assert.deepEqual(answered, ['80/a1.example.com', '80/a2.example.com', '80/reviews']);
  assert.equal(s.server.stats.aliasesRefused, 2);
  const long = `80/${'x'.repeat(2000)}.example.com`;
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80/ratings', long] });
  await sleep(100);
  assert.equal(s.server.stats.aliasesRefused, 4);
  assert.equal(warnings.filter((m) => m.includes('on-demand')).length, 1, 'logged once per stream');
  assert.equal(w.ended, undefined);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_unsubscribe: ['80/a1.example.com'] });
  const again = entries(await subscribe(w, ['80/ratings']));
  assert.deepEqual(again.map((e) => [e.name, e.aliases]), [[`80/${RATINGS}`, ['80/ratings']]]);
  await sleep(50);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
});

test('a rejected answer is not sent again until it changes; the aliases ride with the next version', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p');
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80/reviews'] });
  const r = await next(w);
  w.send({ type_url: TypeUrl.VirtualHost, response_nonce: r.nonce, error_detail: { code: 3, message: 'no thanks' } });
  await sleep(100);
  assert.equal(w.responses.length, 3);
  assert.equal(s.tracker.proxy('p')?.rejection?.message, 'no thanks');
  s.setSnapshot(KEY, build('m2', frozen([vh('80', service('reviews', '10.0.1.7', '4s')), vh('80', wild)]), chunk2, chunk3, chunk81));
  const fixed = await next(w);
  assert.deepEqual(entries(fixed).map((e) => [e.name, e.aliases]), [[`80/${REVIEWS}`, ['80/reviews']]]);
  w.ack(fixed);
  await sleep(50);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
});

test("each stream resolves against its own snapshot's virtual hosts (another namespace's short names are not its own), and ignore_port_in_host_matching drops the port", async () => {
  const s = await startXdsServer({});
  servers.push(s);
  // shop sees reviews with its short name; other sees another object for the same virtual host, without it.
  s.setSnapshot(KEY, base());
  const fqdn = 'reviews.shop.svc.cluster.local';
  const elsewhere = frozen({ ...reviews, domains: [fqdn, `${fqdn}:80`, 'reviews.shop', 'reviews.shop:80'] });
  const portless = frozen<ResourceInput>({ name: '81', typeUrl: TypeUrl.RouteConfiguration, resource: { name: '81', vhds: { config_source: ads }, ignore_port_in_host_matching: true } });
  s.setSnapshot('other/app', XdsSnapshot.build({ parts: [clusters, listeners, frozen([head('80'), portless]), frozen([vh('80', elsewhere), vh('80', wild)]), chunk2, chunk3, chunk81], vhds: true, meshVersion: 'm1' }));
  const mine = await connect(s, 'mine');
  const w = new DeltaWire(s.port);
  wires.push(w);
  w.send({ node: node('theirs', 'other', 'app'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  for (const r of await w.waitFor(2)) w.ack(r);
  assert.deepEqual(entries(await subscribe(mine, ['80/reviews'])).map((e) => e.name), [`80/${REVIEWS}`]);
  assert.deepEqual(entries(await subscribe(w, ['80/reviews', '80/reviews.shop:80', '81/x:9999', '81/x'])).map((e) => [e.name, e.aliases]), [
    ['80/allow_any', ['80/reviews']],
    [`80/${REVIEWS}`, ['80/reviews.shop:80']],
    ['81/x:81', ['81/x', '81/x:9999']],
  ]);
});

test('an alias subscribed again on the same stream is answered again (a proxy whose virtual host was removed under its alias asks anew)', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p');
  const first = entries(await subscribe(w, ['80/reviews', '80/nowhere.example.org']));
  assert.deepEqual(first.map((e) => [e.name, e.aliases]), [['80/allow_any', ['80/nowhere.example.org']], [`80/${REVIEWS}`, ['80/reviews']]]);
  // The proxy lost the mapping (it dropped the virtual host the alias pointed at) and subscribes again.
  const again = entries(await subscribe(w, ['80/reviews']));
  assert.deepEqual(again.map((e) => [e.name, e.aliases, e.vhost]), [[`80/${REVIEWS}`, ['80/reviews'], REVIEWS]]);
  await sleep(50);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
});

test('a proxy reconnecting with a virtual host no alias points at any more is told to remove it', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot(KEY, build('m1', frozen([vh('80', reviews)]), chunk2, chunk3, chunk81));
  const first = await connect(s, 'p');
  const r = await subscribe(first, ['80/www.example.com', '80/reviews']);
  assert.deepEqual(entries(r).map((e) => [e.name, e.aliases]), [['80/allow_any', ['80/www.example.com']], [`80/${REVIEWS}`, ['80/reviews']]]);
  const versions: Record<string, string> = {};
  for (const x of r.resources ?? []) if (typeof x.version === 'string' && x.version !== '') versions[x.name] = x.version;
  first.close();
  await sleep(50);
  // Meanwhile *.example.com got its own virtual host: the alias moves off the catch-all.
  s.setSnapshot(KEY, base('m2'));

  const w = new DeltaWire(s.port);
  wires.push(w);
  w.send({ node: node('p', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  w.send({ type_url: TypeUrl.VirtualHost, initial_resource_versions: versions, resource_names_subscribe: ['80/www.example.com', '80/reviews'] });
  const got = await w.waitFor(3);
  for (const x of got) w.ack(x);
  const vhds = got.find((x) => x.type_url === TypeUrl.VirtualHost);
  assert.ok(vhds !== undefined);
  assert.deepEqual(entries(vhds).map((e) => [e.name, e.aliases]), [[`80/${REVIEWS}`, ['80/reviews']], ['80/wild', ['80/www.example.com']]]);
  const removal = await next(w);
  w.ack(removal);
  assert.equal(removal.type_url, TypeUrl.VirtualHost);
  assert.deepEqual(removal.removed_resources, ['80/allow_any']);
  await sleep(50);
  assert.equal(s.tracker.proxy('p')?.inSync, true);
});

test('at the cap, a request that unsubscribes one alias and subscribes another (a proxy evicting an authority) gets the new one answered', async () => {
  const s = await startXdsServer({ limits: { maxAliasesPerStream: 3 } });
  servers.push(s);
  s.setSnapshot(KEY, base());
  const w = await connect(s, 'p');
  await subscribe(w, ['80/a1.example.com', '80/a2.example.com', '80/reviews']);
  const before = w.responses.length;
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80/ratings'], resource_names_unsubscribe: ['80/a1.example.com'] });
  const r = await next(w);
  assert.equal(w.responses.length, before + 1);
  w.ack(r);
  assert.deepEqual(entries(r).map((e) => [e.name, e.aliases]), [[`80/${RATINGS}`, ['80/ratings']]]);
  assert.equal(s.server.stats.aliasesRefused, 0);
});
