// Routing through a real proxy: virtual hosts, route matches, weighted
// clusters, rewrites, redirects, direct responses, header edits, fault
// injection, CORS and RBAC, each over real sockets (test upstreams on
// 127.0.0.1, the proxy, a client).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyHandle, Exchange } from '../../proxy/index.ts';
import { flagsString } from '../../proxy/index.ts';
import { CORS, FAULT, ROUTER, cluster, configure, httpListener, raw, rdsHcm, request, routeConfig, startUpstream, statuses, testProxy, vhost, type Upstream } from './proxy-helpers.ts';

let a: Upstream;
let b: Upstream;
let proxy: ProxyHandle;
let port = 0;
const finished: Exchange[] = [];

const to = (cluster: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ cluster, timeout: '0s', ...extra });
const json = (body: string): { upstream: string; url: string; headers: Record<string, string> } => JSON.parse(body) as { upstream: string; url: string; headers: Record<string, string> };
const faultCfg = (fault: Record<string, unknown>): Record<string, unknown> => ({
  'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', ...fault },
});

before(async () => {
  a = await startUpstream('a');
  b = await startUpstream('b');
  proxy = await testProxy({ onFinished: (x) => finished.push(x) });
  const routes = routeConfig('main', [
    vhost('exact', ['api.example.com', 'api.example.com:8080'], [
      { name: 'exact-path', match: { path: '/exact' }, route: to('a') },
      { name: 'nocase', match: { prefix: '/NoCase', case_sensitive: false }, route: to('b') },
      { name: 'regex', match: { safe_regex: { regex: '/v[0-9]+/items/[a-z]+' } }, route: to('b') },
      { name: 'header', match: { prefix: '/hdr', headers: [{ name: 'x-user', string_match: { prefix: 'test-' } }] }, route: to('b') },
      { name: 'absent', match: { prefix: '/hdr', headers: [{ name: 'x-skip', present_match: true, invert_match: true }] }, route: to('a', { prefix_rewrite: '/rewritten' }) },
      { name: 'query', match: { prefix: '/q', query_parameters: [{ name: 'beta', string_match: { exact: 'true' } }] }, route: to('b') },
      { name: 'weighted', match: { prefix: '/split' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1, request_headers_to_add: [{ header: { key: 'x-canary', value: 'yes' } }] }] }, timeout: '0s' } },
      { name: 'regex-rewrite', match: { prefix: '/v1/' }, route: to('a', { regex_rewrite: { pattern: { regex: '^/v1/(.*)$' }, substitution: '/v2/\\1' }, host_rewrite_literal: 'internal.example' }) },
      { name: 'redirect', match: { path: '/old' }, redirect: { path_redirect: '/new', response_code: 'PERMANENT_REDIRECT' } },
      { name: 'redirect-https', match: { path: '/secure' }, redirect: { https_redirect: true, host_redirect: 'secure.example.com' } },
      { name: 'direct', match: { path: '/healthz' }, direct_response: { status: 200, body: { inline_string: 'ok\n' } } },
      { name: 'headers', match: { prefix: '/edit' }, route: to('a'), request_headers_to_add: [{ header: { key: 'x-added', value: 'v' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }, { header: { key: 'x-peer', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' } }], request_headers_to_remove: ['x-remove-me'], response_headers_to_add: [{ header: { key: 'x-served-by', value: 'weft' } }], response_headers_to_remove: ['x-upstream'] },
      { name: 'abort', match: { prefix: '/abort' }, route: to('a'), typed_per_filter_config: faultCfg({ abort: { http_status: 418, percentage: { numerator: 100, denominator: 'HUNDRED' } } }) },
      { name: 'delay', match: { prefix: '/delay' }, route: to('a'), typed_per_filter_config: faultCfg({ delay: { fixed_delay: '0.200s', percentage: { numerator: 1000000, denominator: 'MILLION' } } }) },
      { name: 'half-abort', match: { prefix: '/sometimes' }, route: to('a'), typed_per_filter_config: faultCfg({ abort: { http_status: 503, percentage: { numerator: 500000, denominator: 'MILLION' } } }) },
      {
        name: 'cors',
        match: { prefix: '/cors' },
        route: to('a'),
        typed_per_filter_config: {
          'envoy.filters.http.cors': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
            allow_origin_string_match: [{ exact: 'https://shop.example' }],
            allow_methods: 'GET,POST',
            allow_headers: 'x-token',
            expose_headers: 'x-upstream',
            max_age: '600',
            allow_credentials: true,
          },
        },
      },
      { name: 'missing-cluster', match: { prefix: '/nowhere' }, route: to('does-not-exist') },
    ], { response_headers_to_add: [{ header: { key: 'x-vhost', value: 'exact' } }] }),
    vhost('suffix', ['*.wild.example'], [{ match: { prefix: '/' }, route: to('b') }]),
    vhost('longer-suffix', ['*.deep.wild.example'], [{ match: { prefix: '/' }, route: to('a') }]),
    vhost('prefix', ['prefix.*'], [{ match: { prefix: '/' }, route: to('a') }]),
  ]);
  await configure(proxy, {
    clusters: [cluster('a', [a.port]), cluster('b', [b.port])],
    listeners: [httpListener('in', 0, rdsHcm('main', [FAULT, CORS, ROUTER]))],
    routes: [routes],
  });
  port = proxy.port('in') ?? 0;
});

after(async () => {
  await proxy.close();
  await a.close();
  await b.close();
});

const lastFlags = (): string => flagsString(finished[finished.length - 1]?.flags ?? 0);

test('virtual hosts: exact with and without port, longest suffix wildcard, prefix wildcard, none → 404 NR', async () => {
  assert.equal(json((await request(port, { host: 'api.example.com', path: '/exact' })).body).upstream, 'a');
  assert.equal(json((await request(port, { host: 'API.EXAMPLE.COM:8080', path: '/exact' })).body).upstream, 'a');
  assert.equal(json((await request(port, { host: 'x.wild.example' })).body).upstream, 'b');
  assert.equal(json((await request(port, { host: 'x.deep.wild.example' })).body).upstream, 'a');
  assert.equal(json((await request(port, { host: 'prefix.anything' })).body).upstream, 'a');
  const none = await request(port, { host: 'nobody.example', path: '/' });
  assert.equal(none.status, 404);
  assert.equal(lastFlags(), 'NR');
  const unmatched = await request(port, { host: 'api.example.com', path: '/not-routed' });
  assert.equal(unmatched.status, 404);
});

test('route matches: exact path ignores the query, case-insensitive prefix, RE2 regex, header and query conditions in order', async () => {
  const h = 'api.example.com';
  assert.equal(json((await request(port, { host: h, path: '/exact?x=1' })).body).upstream, 'a');
  assert.equal((await request(port, { host: h, path: '/exact/more' })).status, 404);
  assert.equal(json((await request(port, { host: h, path: '/nocase/x' })).body).upstream, 'b');
  assert.equal(json((await request(port, { host: h, path: '/v12/items/abc' })).body).upstream, 'b');
  assert.equal((await request(port, { host: h, path: '/v12/items/ABC' })).status, 404, 'a regex matches the whole path');
  assert.equal(json((await request(port, { host: h, path: '/hdr', headers: { 'x-user': 'test-1' } })).body).upstream, 'b');
  const rewritten = json((await request(port, { host: h, path: '/hdr/x?y=1' })).body);
  assert.equal(rewritten.upstream, 'a');
  assert.equal(rewritten.url, '/rewritten/x?y=1', 'prefix_rewrite keeps the rest and the query');
  assert.equal((await request(port, { host: h, path: '/hdr', headers: { 'x-skip': '1' } })).status, 404, 'invert_match on presence: a present header fails');
  assert.equal(json((await request(port, { host: h, path: '/q?alpha=1&beta=true' })).body).upstream, 'b');
  assert.equal((await request(port, { host: h, path: '/q?beta=false' })).status, 404);
});

test('weighted clusters split by weight and carry per-cluster header edits', async () => {
  const counts = { a: 0, b: 0 };
  for (let i = 0; i < 400; i++) {
    const r = json((await request(port, { host: 'api.example.com', path: '/split' })).body);
    counts[r.upstream as 'a' | 'b']++;
    if (r.upstream === 'b') assert.equal(r.headers['x-canary'], 'yes');
    else assert.equal(r.headers['x-canary'], undefined);
  }
  assert.ok(counts.a > 240 && counts.a < 360, `3:1 split, got ${JSON.stringify(counts)}`);
});

test('regex_rewrite and host_rewrite_literal', async () => {
  const r = json((await request(port, { host: 'api.example.com', path: '/v1/users/7?full=1' })).body);
  assert.equal(r.url, '/v2/users/7?full=1');
  assert.equal(r.headers['host'], 'internal.example');
});

test('redirects and direct responses are answered by the proxy', async () => {
  const r = await request(port, { host: 'api.example.com', path: '/old?keep=1' });
  assert.equal(r.status, 308);
  assert.equal(r.headers['location'], 'http://api.example.com/new?keep=1');
  const s = await request(port, { host: 'api.example.com:8080', path: '/secure' });
  assert.equal(s.status, 301);
  assert.equal(s.headers['location'], 'https://secure.example.com/secure');
  const d = await request(port, { host: 'api.example.com', path: '/healthz' });
  assert.equal(d.status, 200);
  assert.equal(d.body, 'ok\n');
  assert.equal(d.headers['x-vhost'], 'exact', 'virtual host response edits apply to direct responses');
  assert.equal(a.requests + b.requests > 0, true);
});

test('request and response header edits at route and virtual host level', async () => {
  const r = await request(port, { host: 'api.example.com', path: '/edit', headers: { 'x-added': 'old', 'x-remove-me': '1', 'x-kept': 'k' } });
  const seen = json(r.body).headers;
  assert.equal(seen['x-added'], 'v');
  assert.equal(seen['x-remove-me'], undefined);
  assert.equal(seen['x-kept'], 'k');
  assert.equal(seen['x-peer'], '127.0.0.1');
  assert.equal(r.headers['x-served-by'], 'weft');
  assert.equal(r.headers['x-upstream'], undefined);
  assert.equal(r.headers['x-vhost'], 'exact');
});

test('fault injection: abort (FI), delay (DI), and an abort on about half the requests', async () => {
  const before = a.requests;
  const r = await request(port, { host: 'api.example.com', path: '/abort' });
  assert.equal(r.status, 418);
  assert.equal(lastFlags(), 'FI');
  assert.equal(a.requests, before, 'an aborted request never reaches the upstream');
  const t0 = performance.now();
  const d = await request(port, { host: 'api.example.com', path: '/delay' });
  const took = performance.now() - t0;
  assert.equal(d.status, 200);
  assert.ok(took >= 190, `delayed by ${took} ms`);
  assert.equal(lastFlags(), 'DI');
  let aborted = 0;
  for (let i = 0; i < 200; i++) if ((await request(port, { host: 'api.example.com', path: '/sometimes' })).status === 503) aborted++;
  assert.ok(aborted > 60 && aborted < 140, `about half aborted, got ${aborted}/200`);
});

test('CORS: preflight answered for an allowed origin, headers added to actual requests, others untouched', async () => {
  const pre = await request(port, { method: 'OPTIONS', host: 'api.example.com', path: '/cors', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://shop.example');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(pre.headers['access-control-allow-headers'], 'x-token');
  assert.equal(pre.headers['access-control-max-age'], '600');
  assert.equal(pre.headers['access-control-allow-credentials'], 'true');
  const actual = await request(port, { host: 'api.example.com', path: '/cors', headers: { origin: 'https://shop.example' } });
  assert.equal(actual.headers['access-control-allow-origin'], 'https://shop.example');
  assert.equal(actual.headers['access-control-expose-headers'], 'x-upstream');
  const other = await request(port, { host: 'api.example.com', path: '/cors', headers: { origin: 'https://evil.example' } });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  const otherPre = await request(port, { method: 'OPTIONS', host: 'api.example.com', path: '/cors', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(otherPre.headers['access-control-allow-origin'], undefined, 'a preflight from an unlisted origin goes upstream without CORS headers');
});

test('a route to a cluster that does not exist is 503 NC', async () => {
  const r = await request(port, { host: 'api.example.com', path: '/nowhere' });
  assert.equal(r.status, 503);
  assert.equal(lastFlags(), 'NC');
});

test('absolute-form targets (the proxy as HTTP_PROXY) route by their authority', async () => {
  const r = await request(port, { host: 'ignored.example', path: 'http://api.example.com/exact?z=1' });
  assert.equal(r.status, 200);
  const seen = json(r.body);
  assert.equal(seen.url, '/exact?z=1');
  assert.equal(seen.headers['host'], 'api.example.com');
});

test('inbound RBAC: a DENY policy answers 403 with flag RBAC; ALLOW admits only what it lists', async () => {
  const deny = {
    name: 'envoy.filters.http.rbac',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: { action: 'DENY', policies: { 'deny-admin': { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] } } },
    },
  };
  const allow = {
    name: 'envoy.filters.http.rbac',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: { action: 'ALLOW', policies: { 'get-only': { permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }], principals: [{ any: true }] } } },
    },
  };
  const inbound = await testProxy({ onFinished: (x) => finished.push(x) });
  try {
    await configure(inbound, {
      clusters: [cluster('a', [a.port])],
      listeners: [
        httpListener('inbound', 0, {
          route_config: { name: 'inbound', virtual_hosts: [vhost('all', ['*'], [{ match: { prefix: '/' }, route: to('a') }])] },
          http_filters: [deny, allow, FAULT, ROUTER],
        }),
      ],
    });
    const p = inbound.port('inbound') ?? 0;
    assert.equal((await request(p, { path: '/public' })).status, 200);
    const denied = await request(p, { path: '/admin/users' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body, 'RBAC: access denied');
    assert.equal(lastFlags(), 'RBAC');
    assert.equal((await request(p, { method: 'DELETE', path: '/public' })).status, 403);
  } finally {
    await inbound.close();
  }
});

test('pipelined requests on one connection are answered in order; HTTP/1.0 gets 426; HEAD has no body', async () => {
  const two = 'GET /exact?n=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\nPOST /exact?n=2 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 3\r\n\r\nabcGET /healthz HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n';
  const reply = await raw(port, two, 2000);
  assert.deepEqual(statuses(reply), [200, 200, 200]);
  assert.ok(reply.indexOf('n=1') < reply.indexOf('n=2'), 'in order');
  assert.ok(reply.endsWith('ok\n'));
  // The same requests arriving in pieces while the first is in flight.
  const pieces = [two.slice(0, 20), two.slice(20, 70), two.slice(70, 110), two.slice(110)];
  const split = await raw(port, pieces, 2000, 20);
  assert.deepEqual(statuses(split), [200, 200, 200]);
  const old = await raw(port, 'GET /exact HTTP/1.0\r\nHost: api.example.com\r\n\r\n', 1000);
  assert.deepEqual(statuses(old), [426]);
  const head = await raw(port, 'HEAD /exact HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n', 1000);
  assert.deepEqual(statuses(head), [200]);
  assert.ok(head.endsWith('\r\n\r\n'), 'no body after the head');
});

test('route regexes are RE2: patterns that make a backtracking engine take exponential time answer at once', async () => {
  const p = await testProxy();
  try {
    await configure(p, {
      clusters: [cluster('a', [a.port])],
      listeners: [
        httpListener('redos', 0, rdsHcm('redos')),
      ],
      routes: [
        routeConfig('redos', [
          vhost('v', ['*'], [
            { name: 'path', match: { safe_regex: { regex: '/(a+)+b' } }, route: to('a') },
            { name: 'header', match: { prefix: '/h', headers: [{ name: 'x-id', string_match: { safe_regex: { regex: '(x+x+)+y' } } }] }, route: to('a') },
          ]),
        ]),
      ],
    });
    const rp = p.port('redos') ?? 0;
    // For a backtracking engine each extra character doubles the work: 2^40 steps here.
    const evil = 'a'.repeat(40);
    const t0 = performance.now();
    assert.equal((await request(rp, { path: `/${evil}` })).status, 404);
    assert.equal((await request(rp, { path: '/h', headers: { 'x-id': 'x'.repeat(40) } })).status, 404);
    assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
    // And they still match what they should.
    assert.equal((await request(rp, { path: `/${evil}b` })).status, 200);
    assert.equal((await request(rp, { path: '/h', headers: { 'x-id': 'xxxy' } })).status, 200);
  } finally {
    await p.close();
  }
});
