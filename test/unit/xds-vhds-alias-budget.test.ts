// The budget for resolving new on-demand aliases, over real gRPC on loopback: a stream subscribing more
// new aliases than its bucket holds gets the first ones answered at once and the rest, in order, as the
// bucket refills (the server's clock is a ManualClock, so "later" is when the test moves time); an
// alias unsubscribed while deferred is never answered; a stream churning aliases resolves no more than
// the budget allows; a normal sidecar, and a reconnect re-subscribing what it held, are never deferred.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionTypeUrl, FilterName, TypeUrl } from '../../xds/types.ts';
import type { DeltaDiscoveryResponse } from '../../xds/ads.ts';
import { ManualClock } from '../../xds/clock.ts';
import { XdsSnapshot, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer, type XdsLimits } from '../../operator/xds/server.ts';
import { DeltaWire, node, sleep, syncedDeltaWire } from '../support/ads-wire.ts';
import { ads, cla, cluster, frozen } from '../support/xds-fixtures.ts';

const KEY = 'shop/frontend';
const clusters = frozen([cluster('reviews'), cluster('pass'), cla('reviews'), cla('pass')]);
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
const routes = frozen([frozen<ResourceInput>({ name: '80', typeUrl: TypeUrl.RouteConfiguration, resource: { name: '80', vhds: { config_source: ads } } })]);
const vh = (name: string, domains: string[], c: string): ResourceInput =>
  frozen({ name: `80/${name}`, typeUrl: TypeUrl.VirtualHost, resource: { name, domains, routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: c, timeout: '1s' } }] } });
const REVIEWS = 'reviews.shop.svc.cluster.local:80';
const vhosts = frozen([vh(REVIEWS, ['reviews', 'reviews:80', 'reviews.shop.svc.cluster.local'], 'reviews'), vh('allow_any', ['*'], 'pass')]);
const snapshot = (): XdsSnapshot => XdsSnapshot.build({ parts: [clusters, listeners, routes, vhosts], vhds: true, meshVersion: 'm1' });

/** `count` distinct external authorities (each resolves to the `*` catch-all), from `from`. */
const hosts = (from: number, count: number, tag = 'h'): string[] => Array.from({ length: count }, (_, i) => `80/${tag}${from + i}.example.org`);

const servers: RunningXdsServer[] = [];
const wires: DeltaWire[] = [];
after(async () => {
  for (const w of wires) w.close();
  for (const s of servers) await s.close(100);
});

async function start(limits: Partial<XdsLimits>, clock?: ManualClock): Promise<{ s: RunningXdsServer; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = { info() {}, warn: (f: object, m: string) => void warnings.push(`${m} ${JSON.stringify(f)}`), error() {} };
  const s = await startXdsServer({ limits, logger, ...(clock === undefined ? {} : { clock }) });
  servers.push(s);
  s.setSnapshot(KEY, snapshot());
  return { s, warnings };
}

/** A proxy on a delta stream with clusters and listeners taken and ACKed. */
const connect = (s: RunningXdsServer, id: string): Promise<DeltaWire> => syncedDeltaWire(s.port, id, wires);

/** The next response on the stream, ACKed. */
async function next(w: DeltaWire): Promise<DeltaDiscoveryResponse> {
  const all = await w.waitFor(w.responses.length + 1);
  const r = all[all.length - 1];
  assert.ok(r !== undefined);
  assert.equal(r.type_url, TypeUrl.VirtualHost);
  w.ack(r);
  return r;
}

/** The aliases a response answers, in the order the server listed them. */
const answered = (r: DeltaDiscoveryResponse): string[] => (r.resources ?? []).flatMap((x) => [...((x as unknown as { aliases?: string[] }).aliases ?? [])]);

/**
 * The aliases a response answers for the first time on the stream (every alias resolving to a virtual host
 * rides along with it, so the catch-all carries all the stream's external authorities each time).
 */
const newly = (seen: Set<string>, r: DeltaDiscoveryResponse): string[] => {
  const out = answered(r).filter((a) => !seen.has(a));
  for (const a of out) seen.add(a);
  return out;
};

/** Waits a little and asserts nothing more arrived. */
async function quiet(w: DeltaWire, why: string): Promise<void> {
  const n = w.responses.length;
  await sleep(60);
  assert.equal(w.responses.length, n, why);
}

const SMALL = { aliasBurst: 10, aliasesPerSecond: 100, aliasFirstRequestAllowance: 0 };

test('new aliases over the budget are deferred: the burst is answered at once, the rest in order as the budget refills, counted and logged once with the node', async () => {
  const clock = new ManualClock(1_000_000);
  const { s, warnings } = await start(SMALL, clock);
  const w = await connect(s, 'p1');
  const all = hosts(0, 35);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: all });
  const seen = new Set<string>();
  assert.deepEqual(newly(seen, await next(w)), all.slice(0, 10));
  assert.equal(s.server.stats.aliasesDeferred, 25);
  assert.equal(s.server.stats.aliasesResolved, 10);
  await quiet(w, 'nothing more until the budget refills');
  // A tenth of a second refills 10 (100 a second): the next 10, in the order subscribed.
  clock.advance(100);
  assert.deepEqual(newly(seen, await next(w)), all.slice(10, 20));
  clock.advance(100);
  assert.deepEqual(newly(seen, await next(w)), all.slice(20, 30));
  clock.advance(100);
  assert.deepEqual(newly(seen, await next(w)), all.slice(30, 35));
  clock.advance(1000);
  await quiet(w, 'every alias answered once');
  assert.equal(s.server.stats.aliasesResolved, 35);
  assert.equal(s.server.stats.aliasesRefused, 0);
  const logged = warnings.filter((m) => m.includes('deferring on-demand'));
  assert.equal(logged.length, 1, 'logged once per stream');
  assert.match(logged[0] ?? '', /"node":"p1"/);
  assert.equal(w.ended, undefined, 'the stream stays up');
  await sleep(20);
  assert.equal(s.tracker.proxy('p1')?.inSync, true);
});

test('an alias unsubscribed while deferred is forgotten: never answered, never resolved', async () => {
  const clock = new ManualClock(1_000_000);
  const { s } = await start(SMALL, clock);
  const w = await connect(s, 'p2');
  const all = hosts(0, 15);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: all });
  const seen = new Set<string>();
  assert.deepEqual(newly(seen, await next(w)), all.slice(0, 10));
  const gone = [all[11] ?? '', all[13] ?? ''];
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_unsubscribe: gone });
  await sleep(30);
  clock.advance(100);
  assert.deepEqual(newly(seen, await next(w)), all.slice(10).filter((a) => !gone.includes(a)));
  clock.advance(1000);
  await quiet(w, 'the unsubscribed ones are never answered');
  assert.equal(s.server.stats.aliasesResolved, 13);
  // Subscribed again later, it is a new alias like any other (the budget has refilled).
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: [gone[0] ?? ''] });
  assert.deepEqual(newly(seen, await next(w)), [gone[0]]);
});

test('a stream churning aliases (subscribe N new, unsubscribe them, again) resolves no more than the budget allows', async () => {
  const clock = new ManualClock(1_000_000);
  const { s } = await start({ ...SMALL, requestsPerSecond: 1000, requestBurst: 1000 }, clock);
  const w = await connect(s, 'churn');
  // One second of churn in steps of 100 ms: 50 new aliases a step, all dropped again.
  for (let round = 0; round < 10; round++) {
    const batch = hosts(round * 50, 50);
    w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: batch });
    const r = await next(w);
    assert.ok(answered(r).length <= 10, `round ${round}: at most the budget answered at once`);
    w.send({ type_url: TypeUrl.VirtualHost, resource_names_unsubscribe: batch });
    await sleep(10);
    clock.advance(100);
  }
  await sleep(50);
  const resolved = s.server.stats.aliasesResolved;
  // The burst and one second's refill; unbudgeted it would resolve all 500.
  assert.ok(resolved <= 10 + 100, `resolved ${resolved} aliases in one second`);
  assert.ok(resolved >= 10, `resolved ${resolved}: the budget is spent, not withheld`);
  assert.equal(s.server.stats.aliasesDeferred, 500 - resolved);
  assert.equal(w.ended, undefined);
});

test('re-subscribing and unsubscribing aliases already held costs no budget, and a re-subscription is answered without resolving', async () => {
  const clock = new ManualClock(1_000_000);
  const { s } = await start(SMALL, clock);
  const w = await connect(s, 'p3');
  const held = hosts(0, 10);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: held });
  assert.deepEqual(answered(await next(w)), held);
  // The bucket is empty now; subscribing the held ones again is answered at once.
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: held });
  assert.deepEqual(answered(await next(w)).sort(), [...held].sort());
  assert.equal(s.server.stats.aliasesDeferred, 0);
  // …from the mapping held: nothing is resolved again (a stream re-subscribing all it holds every request costs no resolving).
  assert.equal(s.server.stats.aliasesResolved, 10);
  // A new one waits for the budget; unsubscribing held ones does not refill it.
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80/reviews'], resource_names_unsubscribe: held.slice(0, 5) });
  await quiet(w, 'the new alias waits');
  assert.equal(s.server.stats.aliasesDeferred, 1);
  clock.advance(10);
  const r = await next(w);
  assert.deepEqual(
    (r.resources ?? []).map((x) => x.name),
    [`80/${REVIEWS}`],
  );
});

test("a normal sidecar's pattern (tens of aliases, one at a time and in small batches) and its reconnect are never deferred (default budget)", async () => {
  const { s } = await start({});
  const w = await connect(s, 'normal');
  const mine = hosts(0, 40, 'svc');
  const seen = new Set<string>();
  for (const a of mine.slice(0, 20)) {
    w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: [a] });
    assert.deepEqual(newly(seen, await next(w)), [a]);
  }
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: mine.slice(20) });
  assert.deepEqual(newly(seen, await next(w)), mine.slice(20));
  assert.equal(s.server.stats.aliasesDeferred, 0);
  w.close();

  // A proxy holding 5,000 aliases (more than the burst) reconnects and re-subscribes them in its first request.
  const back = new DeltaWire(s.port);
  wires.push(back);
  const held = hosts(0, 5000, 'big');
  back.send({ node: node('normal', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  back.send({ type_url: TypeUrl.Listener });
  back.send({ type_url: TypeUrl.VirtualHost, initial_resource_versions: {}, resource_names_subscribe: held });
  const got = await back.waitFor(3);
  const vhds = got.find((x) => x.type_url === TypeUrl.VirtualHost);
  assert.ok(vhds !== undefined);
  assert.equal(new Set(answered(vhds)).size, 5000, 'every alias answered in the first response');
  assert.equal(s.server.stats.aliasesDeferred, 0);
});

test('a reconnect re-subscribing more aliases than the burst in its first request is answered at once (the first request has its own allowance, once)', async () => {
  const clock = new ManualClock(1_000_000);
  const { s } = await start({ ...SMALL, aliasFirstRequestAllowance: 40 }, clock);
  const w = new DeltaWire(s.port);
  wires.push(w);
  const held = hosts(0, 45);
  w.send({ node: node('back', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  w.send({ type_url: TypeUrl.VirtualHost, initial_resource_versions: {}, resource_names_subscribe: held });
  const got = await w.waitFor(3);
  for (const x of got) w.ack(x);
  const vhds = got.find((x) => x.type_url === TypeUrl.VirtualHost);
  assert.ok(vhds !== undefined);
  // 40 outside the bucket, 5 from its burst of 10.
  const seen = new Set<string>();
  assert.deepEqual(newly(seen, vhds), held);
  assert.equal(s.server.stats.aliasesDeferred, 0);
  // The allowance is the first request's only: later ones take from the bucket (5 left).
  const more = hosts(100, 8);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: more });
  assert.deepEqual(newly(seen, await next(w)), more.slice(0, 5));
  assert.equal(s.server.stats.aliasesDeferred, 3);
});
