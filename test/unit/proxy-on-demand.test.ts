// On-demand virtual hosts: a sidecar's outbound connection manager with the
// on_demand filter and a route configuration delivered over VHDS routes each
// authority only through the alias map its ADS client keeps, asking the
// control plane for `<route configuration>/<authority>` the first time. Real
// sockets, real gRPC and protobuf, against a small delta ADS server that
// follows the wire contract (test/support/vhds-ads.ts).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { AdsClient, type OnDemandOptions } from '../../proxy/xds/client.ts';
import { parseBootstrap } from '../../proxy/bootstrap/bootstrap.ts';
import type { AdsClientFactory } from '../../proxy/config/sink.ts';
import { flagsString, type Exchange } from '../../proxy/index.ts';
import { VhdsAdsServer, matchDomain } from '../support/vhds-ads.ts';
import { deltaAdsBootstrap } from '../../operator/local/bootstrap.ts';
import { parseHcm } from '../../proxy/http/hcm-config.ts';
import { ConfigError } from '../../proxy/config/read.ts';
import { HCM, ROUTER, cluster, raw, request, sleep, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const ON_DEMAND = { name: 'envoy.filters.http.on_demand', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.on_demand.v3.OnDemand' } };
const VHDS = { config_source: { ads: {}, resource_api_version: 'V3' } };

const route = (clusterName: string) => ({ match: { prefix: '/' }, route: { cluster: clusterName } });
const vh = (name: string, domains: string[], clusterName: string, extra: Record<string, unknown> = {}) => ({ name, domains, routes: [route(clusterName)], ...extra });

const listener = (filters: unknown[], rc = '80') => ({
  name: 'outbound',
  address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: { '@type': HCM, stat_prefix: 'outbound', codec_type: 'AUTO', rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: rc }, http_filters: filters },
        },
      ],
    },
  ],
});

const bootstrap = (port: number) => parseBootstrap(deltaAdsBootstrap({ id: 'sidecar~10.1.0.2~app-1.shop~shop.svc.cluster.local', cluster: 'app.shop', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'app' } }, port));

interface Mesh {
  readonly server: VhdsAdsServer;
  readonly client: AdsClient;
  readonly port: number;
  readonly finished: Exchange[];
  readonly ups: Record<'reviews' | 'ratings' | 'external' | 'api', Upstream>;
}

let upstreams: Mesh['ups'] | undefined;
async function ups(): Promise<Mesh['ups']> {
  if (upstreams !== undefined) return upstreams;
  const u = {
    reviews: await startUpstream('reviews'),
    ratings: await startUpstream('ratings'),
    external: await startUpstream('external'),
    api: await startUpstream('api'),
  };
  for (const x of Object.values(u)) cleanup.push(() => x.close());
  upstreams = u;
  return u;
}

/** A control plane serving one on-demand outbound listener (route configuration `80`) and a proxy on it. */
async function mesh(opts: { onDemand?: OnDemandOptions; filters?: unknown[]; rc?: Record<string, unknown>; vhosts?: Record<string, unknown>[]; port?: number } = {}): Promise<Mesh> {
  const u = await ups();
  const server = new VhdsAdsServer({
    listeners: [listener(opts.filters ?? [ON_DEMAND, ROUTER])],
    clusters: [cluster('reviews', [u.reviews.port]), cluster('ratings', [u.ratings.port]), cluster('external', [u.external.port]), cluster('api', [u.api.port])],
    routes: [opts.rc ?? { name: '80', vhds: VHDS }],
    vhosts: [],
  });
  // Virtual hosts by resource name, `80/<name>`.
  for (const v of opts.vhosts ?? [
    vh('reviews.shop.svc.cluster.local:9080', ['reviews.shop.svc.cluster.local:9080', 'reviews:9080', 'reviews.shop:9080'], 'reviews'),
    vh('ratings.shop.svc.cluster.local:9080', ['ratings.shop.svc.cluster.local:9080', 'ratings:9080'], 'ratings'),
    vh('allow_any', ['*'], 'external'),
  ]) {
    server.vhosts.set(`80/${String(v['name'])}`, v);
  }
  await server.start(opts.port ?? 0);
  cleanup.push(() => server.close());
  let client: AdsClient | undefined;
  const factory: AdsClientFactory = (_ads, node, sink) => {
    client = new AdsClient({
      host: '127.0.0.1',
      port: server.port,
      node: { id: node.id, cluster: node.cluster, metadata: {} },
      sink,
      mode: 'delta',
      backoff: { initialMs: 50, maxMs: 200 },
      ...(opts.onDemand !== undefined ? { onDemand: opts.onDemand } : {}),
    });
    client.start();
    const c = client;
    return { close: () => c.stop() };
  };
  const finished: Exchange[] = [];
  const p = await testProxy({ bootstrap: bootstrap(server.port), ads: factory, telemetry: false, onFinished: (x) => finished.push(x) });
  cleanup.push(() => p.close());
  await until('the outbound listener', () => p.port('outbound') !== undefined && p.core.routeTable('80') !== undefined);
  assert.ok(client !== undefined);
  return { server, client, port: p.port('outbound') ?? 0, finished, ups: u };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const upstreamOf = (body: string): string => (JSON.parse(body) as { upstream: string }).upstream;
const lastFinished = (m: Mesh): Exchange => m.finished[m.finished.length - 1] as Exchange;

test('the domain matching of the test server is Envoy’s (exact, longest *suffix, longest prefix*, *)', () => {
  const hosts = new Map<string, Record<string, unknown>>([
    ['a', { domains: ['api.example.com'] }],
    ['b', { domains: ['*.example.com'] }],
    ['c', { domains: ['*.b.example.com'] }],
    ['d', { domains: ['api.*'] }],
    ['e', { domains: ['*'] }],
  ]);
  assert.equal(matchDomain(hosts, 'api.example.com'), 'a');
  assert.equal(matchDomain(hosts, 'x.b.example.com'), 'c');
  assert.equal(matchDomain(hosts, 'x.example.com'), 'b');
  assert.equal(matchDomain(hosts, 'api.other'), 'd');
  assert.equal(matchDomain(hosts, 'elsewhere'), 'e');
  hosts.delete('e');
  assert.equal(matchDomain(hosts, 'elsewhere'), undefined);
});

test('a first request waits for its authority’s virtual host, then routes by it; the route configuration is never subscribed whole', async () => {
  const m = await mesh();
  m.server.delayMs = 150;
  const t0 = Date.now();
  const r = await request(m.port, { host: 'reviews:9080' });
  assert.equal(r.status, 200, r.body);
  assert.equal(upstreamOf(r.body), 'reviews');
  assert.ok(Date.now() - t0 >= 140, 'the request waited for the answer');
  assert.equal(m.server.subscriptions('80/reviews:9080'), 1);
  assert.ok(m.server.requests.every((q) => !q.subscribe.includes('80')), 'the route configuration name is not subscribed on VHDS');
  // The next one takes the held answer: no new subscription, no wait.
  m.server.delayMs = 0;
  const t1 = Date.now();
  const r2 = await request(m.port, { host: 'REVIEWS:9080', path: '/again' });
  assert.equal(upstreamOf(r2.body), 'reviews');
  assert.ok(Date.now() - t1 < 140);
  assert.equal(m.server.subscriptions('80/reviews:9080'), 1);
  // An unknown external host resolves to the catch-all like any other match.
  const ext = await request(m.port, { host: 'api.example.com' });
  assert.equal(upstreamOf(ext.body), 'external');
  assert.deepEqual(m.client.status().onDemand, [{ routeConfig: '80', authorities: 2, pending: 0, virtualHosts: 2 }]);
});

test('concurrent first requests for one authority share one subscription', async () => {
  const m = await mesh();
  m.server.hold = true;
  const all = Promise.all(Array.from({ length: 20 }, (_, i) => request(m.port, { host: 'ratings:9080', path: `/${i}`, agent: false })));
  await until('the subscription', () => m.server.subscriptions('80/ratings:9080') === 1);
  await sleep(100);
  m.server.release();
  const rs = await all;
  for (const r of rs) assert.equal(upstreamOf(r.body), 'ratings');
  assert.equal(m.server.subscriptions('80/ratings:9080'), 1);
});

test('an authority the control plane has nothing for is answered 404 NR, and stays answered without asking again', async () => {
  const m = await mesh({ vhosts: [vh('reviews.shop.svc.cluster.local:9080', ['reviews:9080'], 'reviews')] });
  const r = await request(m.port, { host: 'nowhere.example' });
  assert.equal(r.status, 404);
  assert.equal(flagsString(lastFinished(m).flags), 'NR');
  assert.equal(lastFinished(m).details, 'route_not_found');
  const again = await request(m.port, { host: 'nowhere.example' });
  assert.equal(again.status, 404);
  assert.equal(m.server.subscriptions('80/nowhere.example'), 1);
  // A held `*`-less map never swallows another authority by local matching.
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
});

test('no answer within the bound: 503 with flag NR and details on_demand_vhds_timeout; a later answer is used', async () => {
  const m = await mesh({ onDemand: { waitMs: 300 } });
  m.server.hold = true;
  const t0 = Date.now();
  const r = await request(m.port, { host: 'reviews:9080' });
  const waited = Date.now() - t0;
  assert.equal(r.status, 503);
  assert.match(r.body, /no answer from the control plane for 80\/reviews:9080 within 300 ms/);
  assert.ok(waited >= 290 && waited < 2000, `waited ${waited} ms`);
  assert.equal(flagsString(lastFinished(m).flags), 'NR');
  assert.equal(lastFinished(m).details, 'on_demand_vhds_timeout');
  m.server.release();
  await until('the late answer', () => m.client.lookup('80', 'reviews:9080') !== undefined);
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
});

test('an alias that moves to another virtual host routes the next request there; the old one is removed', async () => {
  const m = await mesh();
  assert.equal(upstreamOf((await request(m.port, { host: 'api.example.com' })).body), 'external');
  m.server.setVirtualHost('80/api.example.com', vh('api.example.com', ['api.example.com'], 'api'));
  await until('the move', () => {
    const r = m.client.lookup('80', 'api.example.com');
    return r?.kind === 'vhost' && r.vhost === 'api.example.com';
  });
  assert.equal(upstreamOf((await request(m.port, { host: 'api.example.com' })).body), 'api');
  // allow_any had no other alias: the server removed it, and the proxy dropped it.
  await until('allow_any dropped', () => m.client.status().onDemand[0]?.virtualHosts === 1);
  assert.equal(m.client.status().types.find((t) => t.typeUrl.endsWith('VirtualHost'))?.resources, 1);
  // And back to nothing there when the host goes away with no catch-all.
  m.server.setVirtualHost('80/allow_any', undefined);
  m.server.setVirtualHost('80/api.example.com', undefined);
  await until('nothing there', () => m.client.lookup('80', 'api.example.com')?.kind === 'none');
  assert.equal((await request(m.port, { host: 'api.example.com' })).status, 404);
});

test('an edit of a held virtual host applies to the next request', async () => {
  const m = await mesh();
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
  m.server.setVirtualHost('80/reviews.shop.svc.cluster.local:9080', vh('reviews.shop.svc.cluster.local:9080', ['reviews:9080'], 'ratings'));
  let up = '';
  for (let i = 0; i < 100 && up !== 'ratings'; i++) {
    up = upstreamOf((await request(m.port, { host: 'reviews:9080' })).body);
    if (up !== 'ratings') await sleep(20);
  }
  assert.equal(up, 'ratings');
});

test('the alias map is bounded: the least recently used authority is evicted and unsubscribed', async () => {
  const m = await mesh({ onDemand: { maxAuthorities: 3 } });
  for (const h of ['reviews:9080', 'ratings:9080', 'a.example']) assert.equal((await request(m.port, { host: h })).status, 200);
  // reviews used again: ratings is now the least recently used.
  await request(m.port, { host: 'reviews:9080' });
  await request(m.port, { host: 'a.example' });
  assert.equal((await request(m.port, { host: 'b.example' })).status, 200);
  await until('the unsubscribe', () => m.server.requests.some((q) => q.unsubscribe.length > 0));
  const unsubscribed = m.server.requests.flatMap((q) => q.unsubscribe);
  assert.deepEqual(unsubscribed, ['80/ratings:9080']);
  assert.deepEqual(m.server.liveAliases(), ['80/a.example', '80/b.example', '80/reviews:9080']);
  assert.equal(m.client.status().onDemand[0]?.authorities, 3);
  // ratings' virtual host had no other alias: dropped.
  assert.equal(m.client.status().onDemand[0]?.virtualHosts, 2);
  assert.equal((await request(m.port, { host: 'ratings:9080' })).status, 200, 'asked again');
  assert.equal(m.server.subscriptions('80/ratings:9080'), 2);
});

test('random Host headers do not grow the alias map, the subscription or the held virtual hosts beyond the cap', async () => {
  const m = await mesh({ onDemand: { maxAuthorities: 50 } });
  for (let i = 0; i < 300; i++) {
    const r = await request(m.port, { host: `h${i}-${Math.random().toString(36).slice(2)}.example` });
    assert.equal(r.status, 200);
  }
  const st = m.client.status();
  assert.equal(st.onDemand[0]?.authorities, 50);
  assert.equal(st.onDemand[0]?.virtualHosts, 1);
  assert.equal(st.types.find((t) => t.typeUrl.endsWith('VirtualHost'))?.subscription.length, 50);
  await until('the server’s view', () => m.server.liveAliases().length === 50);
});

test('the control plane away: held authorities keep routing, new ones get 503 at once; on reconnect every alias is subscribed again', async () => {
  const m = await mesh();
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
  assert.equal((await request(m.port, { host: 'nowhere' })).status, 200); // allow_any
  const port = m.server.port;
  m.server.stop();
  await until('disconnected', () => m.client.status().state !== 'connected');
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
  const r = await request(m.port, { host: 'ratings:9080' });
  assert.equal(r.status, 503);
  assert.match(r.body, /control plane is not connected/);
  assert.equal(lastFinished(m).details, 'on_demand_vhds_unavailable');
  assert.equal(flagsString(lastFinished(m).flags), 'NR');
  // A control plane again on the same port (a new server, which learns what the proxy holds from the stream).
  const again = new VhdsAdsServer({ listeners: m.server.listeners, clusters: m.server.clusters, routes: m.server.routes, vhosts: [] });
  for (const [n, v] of m.server.vhosts) again.vhosts.set(n, v);
  await again.start(port);
  cleanup.push(() => again.close());
  await until('re-subscribed', () => again.requests.some((q) => q.subscribe.length > 0), 10_000);
  const first = again.requests.find((q) => q.subscribe.length > 0);
  assert.deepEqual([...(first?.subscribe ?? [])].sort(), ['80/nowhere', '80/reviews:9080']);
  assert.deepEqual(Object.keys(first?.initial ?? {}).sort(), ['80/allow_any', '80/reviews.shop.svc.cluster.local:9080']);
  assert.equal(upstreamOf((await request(m.port, { host: 'ratings:9080' })).body), 'ratings');
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
});

test('authorities as route matching sees them: HTTP/1 Host, absolute-form target, HTTP/2 :authority', async () => {
  const m = await mesh();
  const abs = await raw(m.port, 'GET http://ratings:9080/x HTTP/1.1\r\nHost: reviews:9080\r\nConnection: close\r\n\r\n');
  assert.match(abs, /^HTTP\/1\.1 200/);
  assert.match(abs, /"upstream":"ratings"/);
  assert.equal(m.server.subscriptions('80/ratings:9080'), 1);
  assert.equal(m.server.subscriptions('80/reviews:9080'), 0);
  const session = http2.connect(`http://127.0.0.1:${m.port}`);
  cleanup.push(() => void session.close());
  const h2 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const s = session.request({ ':method': 'GET', ':path': '/h2', ':authority': 'Reviews.Shop:9080' });
    let status = 0;
    let body = '';
    s.on('response', (h) => (status = Number(h[':status'])));
    s.setEncoding('utf8');
    s.on('data', (c: string) => (body += c));
    s.on('end', () => resolve({ status, body }));
    s.on('error', reject);
    s.end();
  });
  assert.equal(h2.status, 200);
  assert.equal(upstreamOf(h2.body), 'reviews');
  assert.equal(m.server.subscriptions('80/reviews.shop:9080'), 1, 'lower-cased, port kept');
});

test('resolve() without HTTP: one subscription for many callers, the held answer after, none for what cannot be an alias', async () => {
  const m = await mesh();
  m.server.hold = true;
  const ps = [m.client.resolve('80', 'reviews:9080'), m.client.resolve('80', 'reviews:9080'), m.client.resolve('80', 'REVIEWS:9080')];
  assert.equal(m.client.lookup('80', 'reviews:9080'), undefined);
  await until('subscribed', () => m.server.subscriptions('80/reviews:9080') === 1);
  m.server.release();
  const rs = await Promise.all(ps);
  for (const r of rs) assert.deepEqual(r, { kind: 'vhost', vhost: 'reviews.shop.svc.cluster.local:9080', resource: '80/reviews.shop.svc.cluster.local:9080' });
  assert.equal(m.client.lookup('80', 'reviews:9080'), rs[0]);
  assert.deepEqual(await m.client.resolve('80', 'a/b'), { kind: 'none' });
  assert.deepEqual(await m.client.resolve('80', ''), { kind: 'none' });
  const other = await m.client.resolve('90', 'reviews:9080');
  assert.equal(other.kind === 'unavailable' && other.reason, 'not_on_demand');
  assert.equal(m.server.subscriptions('80/reviews:9080'), 1);
});

test('without the on_demand filter, or without vhds, the route configuration is routed as before', async () => {
  // No filter: the whole route configuration is subscribed on VHDS and matched locally.
  const whole = await mesh({ filters: [ROUTER] });
  await until('virtual hosts', () => (whole.client.status().types.find((t) => t.typeUrl.endsWith('VirtualHost'))?.subscription ?? []).includes('80'));
  assert.deepEqual(whole.client.status().onDemand, []);
  assert.equal(upstreamOf((await request(whole.port, { host: 'reviews:9080' })).body), 'reviews');
  assert.equal(upstreamOf((await request(whole.port, { host: 'x.example' })).body), 'external');
  assert.ok(whole.server.requests.every((q) => q.subscribe.every((n) => n === '80')), 'no alias asked');
  // Inline virtual hosts with the filter: local matching, nothing asked.
  const inline = await mesh({ rc: { name: '80', virtual_hosts: [vh('reviews', ['reviews:9080'], 'reviews'), vh('any', ['*'], 'external')] } });
  assert.equal(upstreamOf((await request(inline.port, { host: 'reviews:9080' })).body), 'reviews');
  assert.equal(upstreamOf((await request(inline.port, { host: 'x.example' })).body), 'external');
  assert.equal(inline.server.requests.filter((q) => q.subscribe.length > 0).length, 0);
  assert.deepEqual(inline.client.status().onDemand, []);
});

test('a virtual host whose name does not match its resource name is NACKed; its aliases get 503 at once until a good version comes', async () => {
  const m = await mesh({ vhosts: [] });
  m.server.vhosts.set('80/reviews', vh('something-else', ['reviews:9080'], 'reviews'));
  const t0 = Date.now();
  const r = await request(m.port, { host: 'reviews:9080' });
  assert.equal(r.status, 503);
  assert.ok(Date.now() - t0 < 2000, 'not a wait for the 5 s bound');
  assert.match(r.body, /refused the control plane's answer for 80\/reviews:9080/);
  assert.equal(lastFinished(m).details, 'on_demand_vhds_unavailable');
  await until('the NACK', () => m.server.requests.some((q) => q.error !== undefined));
  assert.match(m.server.requests.find((q) => q.error !== undefined)?.error ?? '', /virtual host "80\/reviews" is named "something-else" inside/);
  assert.equal((await request(m.port, { host: 'reviews:9080' })).status, 503);
  // A new version the proxy takes (the server sends it to the stream whose alias points there).
  m.server.setVirtualHost('80/reviews', vh('reviews', ['reviews:9080'], 'reviews'));
  await until('routed', () => m.client.lookup('80', 'reviews:9080')?.kind === 'vhost');
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
});

test('the on_demand filter: recognised, and its unsupported odcds refused by name', () => {
  const hcm = (filters: unknown[]) => ({ stat_prefix: 'x', rds: { config_source: { ads: {} }, route_config_name: '80' }, http_filters: filters });
  assert.equal(parseHcm(hcm([ON_DEMAND, ROUTER]), 'l', { defaultRequestHeadersTimeoutMs: 1000 }).onDemand, true);
  assert.equal(parseHcm(hcm([ROUTER]), 'l', { defaultRequestHeadersTimeoutMs: 1000 }).onDemand, false);
  const odcds = { name: 'envoy.filters.http.on_demand', typed_config: { ...ON_DEMAND.typed_config, odcds: { source: { ads: {} } } } };
  assert.throws(() => parseHcm(hcm([odcds, ROUTER]), 'l', { defaultRequestHeadersTimeoutMs: 1000 }), (e: unknown) => e instanceof ConfigError && /l\.http_filters\[0\]\.typed_config\.odcds: on-demand cluster discovery \(odcds\) is not supported/.test(e.message));
});

test('waiters are told when the ADS client stops', async () => {
  const m = await mesh();
  m.server.hold = true;
  const p = m.client.resolve('80', 'reviews:9080');
  await until('subscribed', () => m.server.subscriptions('80/reviews:9080') === 1);
  m.client.stop();
  const r = await p;
  assert.equal(r.kind === 'unavailable' && r.reason, 'disconnected');
});

test('without a delta ADS client a route configuration saying vhds is refused as before (no alias map to route it by)', async () => {
  const p = await testProxy();
  cleanup.push(() => p.close());
  const r = p.applyConfig('type.googleapis.com/envoy.config.route.v3.RouteConfiguration', [{ name: '80', resource: { name: '80', vhds: VHDS } }], []);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, /RouteConfiguration "80": vhds: route configuration field vhds is not supported/);
});

test('a virtual host sent for no alias the proxy holds is not kept', async () => {
  const m = await mesh();
  assert.equal(upstreamOf((await request(m.port, { host: 'reviews:9080' })).body), 'reviews');
  const vhdsType = () => m.client.status().types.find((t) => t.typeUrl.endsWith('VirtualHost'));
  const acks = m.server.requests.length;
  m.server.pushRaw([{ name: '80/ratings.shop.svc.cluster.local:9080', vh: vh('ratings.shop.svc.cluster.local:9080', ['ratings:9080'], 'ratings') }]);
  await until('acknowledged', () => m.server.requests.length > acks);
  assert.equal(vhdsType()?.resources, 1);
  assert.equal(m.client.status().onDemand[0]?.virtualHosts, 1);
  assert.equal(vhdsType()?.lastNack, undefined);
  // And a stray virtual host never routes: ratings is asked for like any first authority.
  assert.equal(upstreamOf((await request(m.port, { host: 'ratings:9080' })).body), 'ratings');
  assert.equal(m.server.subscriptions('80/ratings:9080'), 1);
});
