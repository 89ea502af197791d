// VirtualService and TrafficSplit features, each asserted on the Envoy fields
// the compiler emits, and each compiled route checked against the real protos.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileProxy, allResources } from '../../operator/compile/proxy.ts';
import type { HTTPRoute, VirtualService } from '../../operator/api/model.ts';
import { decodeResource, encodeResource } from '../../xds/codec.ts';
import { BATCH, CLIENT, routingMesh, split, vs } from '../golden/meshes.ts';
import { at, list, routesOf, vhost } from '../golden/inspect.ts';
import type { MeshSnapshot, ProxyIdentity } from '../../operator/compile/snapshot.ts';
import type { JsonValue } from '../../xds/codec.ts';

const API = 'api.shop.svc.cluster.local';
const cluster = (name: string, port = 80): string => `outbound|${port}||${name}.shop.svc.cluster.local`;

/** Compiles for a proxy, checks every resource round-trips through the protos, returns the config. */
function compile(snapshot: MeshSnapshot, proxy: ProxyIdentity = CLIENT): ReturnType<typeof compileProxy> {
  const config = compileProxy(snapshot, proxy);
  for (const r of allResources(config)) assert.deepEqual(decodeResource(r.typeUrl, encodeResource(r.typeUrl, r.resource)), r.resource, `${r.name} round-trips`);
  return config;
}

/** The routes of api:80 as `client` sees them, with one VirtualService on host api. */
function apiRoutes(http: HTTPRoute[], proxy: ProxyIdentity = CLIENT, extra: VirtualService[] = []): readonly JsonValue[] {
  return routesOf(compile(routingMesh([vs('shop', 'api', { hosts: ['api'], http }), ...extra]), proxy), 80, API);
}

const toApi = [{ destination: { host: 'api' } }];

describe('route matches', () => {
  it('compiles uri exact, prefix and regex, with ignoreUriCase', () => {
    const routes = apiRoutes([
      { match: [{ uri: { exact: '/login' } }], route: toApi },
      { match: [{ uri: { prefix: '/static/' }, ignoreUriCase: true }], route: toApi },
      { match: [{ uri: { regex: '/users/[0-9]+' } }], route: toApi },
      { route: toApi },
    ]);
    assert.deepEqual(at(routes[0], 'match'), { path: '/login' });
    assert.deepEqual(at(routes[1], 'match'), { prefix: '/static/', case_sensitive: false });
    assert.deepEqual(at(routes[2], 'match'), { safe_regex: { regex: '/users/[0-9]+' } });
    assert.deepEqual(at(routes[3], 'match'), { prefix: '/' });
  });

  it('compiles headers, withoutHeaders, queryParams, method and authority', () => {
    const [route] = apiRoutes([
      {
        match: [
          {
            headers: { 'x-user': { exact: 'alice' }, 'x-trace': {}, 'x-tier': { prefix: 'gold' }, 'x-ver': { regex: 'v[12]' } },
            withoutHeaders: { 'x-canary': { exact: 'no' } },
            queryParams: { debug: { exact: '1' }, flag: {} },
            method: { exact: 'POST' },
            authority: { prefix: 'api.' },
          },
        ],
        route: toApi,
      },
    ]);
    assert.deepEqual(at(route, 'match.headers'), [
      { name: 'x-tier', string_match: { prefix: 'gold' } },
      { name: 'x-trace', present_match: true },
      { name: 'x-user', string_match: { exact: 'alice' } },
      { name: 'x-ver', string_match: { safe_regex: { regex: 'v[12]' } } },
      { name: 'x-canary', string_match: { exact: 'no' }, invert_match: true },
      { name: ':method', string_match: { exact: 'POST' } },
      { name: ':authority', string_match: { prefix: 'api.' } },
    ]);
    assert.deepEqual(at(route, 'match.query_parameters'), [
      { name: 'debug', string_match: { exact: '1' } },
      { name: 'flag', present_match: true },
    ]);
  });

  it('makes one Envoy route per match, in rule order', () => {
    const routes = apiRoutes([
      { name: 'r1', match: [{ name: 'a', uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }], route: toApi },
      { name: 'rest', route: [{ destination: { host: 'web' } }] },
    ]);
    assert.deepEqual(routes.map((r) => at(r, 'name')), ['r1.a', 'r1', 'rest']);
    assert.deepEqual(routes.map((r) => at(r, 'match.prefix')), ['/a', '/b', '/']);
    assert.equal(at(routes[2], 'route.cluster'), cluster('web'));
  });
});

describe('caller and port conditions (decided at compile time)', () => {
  const http: HTTPRoute[] = [
    { match: [{ sourceLabels: { tier: 'front' } }], route: [{ destination: { host: 'api-v2' } }] },
    { match: [{ sourceNamespace: 'jobs', uri: { prefix: '/batch' } }], route: [{ destination: { host: 'web' } }] },
    { route: toApi },
  ];

  it('keeps a sourceLabels rule only for proxies whose workload has the labels', () => {
    const forClient = apiRoutes(http, CLIENT);
    assert.deepEqual(forClient.map((r) => at(r, 'route.cluster')), [cluster('api-v2'), cluster('api')]);
    // The batch proxy never sees the rule; it is dropped, not widened to a catch-all.
    const forBatch = apiRoutes(http, BATCH);
    assert.deepEqual(forBatch.map((r) => at(r, 'route.cluster')), [cluster('web'), cluster('api')]);
    assert.equal(at(forBatch[0], 'match.prefix'), '/batch');
  });

  it('applies a match with port only to that port\'s route configuration', () => {
    const config = compile(
      routingMesh([
        vs('shop', 'multi', {
          hosts: ['multi'],
          http: [
            { match: [{ port: 9090 }], route: [{ destination: { host: 'multi', port: { number: 9090 } } }], timeout: '1s' },
            { route: [{ destination: { host: 'multi' } }] },
          ],
        }),
      ]),
    );
    const on80 = routesOf(config, 80, 'multi.shop.svc.cluster.local');
    const on9090 = routesOf(config, 9090, 'multi.shop.svc.cluster.local');
    assert.equal(on80.length, 1);
    assert.equal(at(on80[0], 'route.cluster'), cluster('multi', 80), 'a destination without port takes the route configuration\'s port');
    assert.equal(on9090.length, 2);
    assert.equal(at(on9090[0], 'route.timeout'), '1s');
    assert.equal(at(on9090[1], 'route.cluster'), cluster('multi', 9090));
  });
});

describe('route actions', () => {
  it('splits by relative weights, reduced, and shares equally when no weight is set', () => {
    const [weighted, equal] = apiRoutes([
      { match: [{ uri: { prefix: '/w' } }], route: [{ destination: { host: 'api' }, weight: 75 }, { destination: { host: 'api-v2' }, weight: 25 }] },
      { route: [{ destination: { host: 'api' } }, { destination: { host: 'api-v2' } }] },
    ]);
    assert.deepEqual(at(weighted, 'route.weighted_clusters'), { clusters: [{ name: cluster('api'), weight: 3 }, { name: cluster('api-v2'), weight: 1 }] });
    assert.deepEqual(at(equal, 'route.weighted_clusters'), { clusters: [{ name: cluster('api'), weight: 1 }, { name: cluster('api-v2'), weight: 1 }] });
  });

  it('disables the route timeout by default, as Istio does, and converts durations', () => {
    const routes = apiRoutes([
      { match: [{ uri: { prefix: '/a' } }], route: toApi },
      { match: [{ uri: { prefix: '/b' } }], route: toApi, timeout: '250ms' },
      { match: [{ uri: { prefix: '/c' } }], route: toApi, timeout: '1m30s' },
      { route: toApi, timeout: '0s' },
    ]);
    assert.deepEqual(routes.map((r) => at(r, 'route.timeout')), ['0s', '0.250s', '90s', '0s']);
    // A gRPC caller's deadline is honoured up to the rule's timeout (uncapped without one); proxyless clients read only this.
    assert.deepEqual(routes.map((r) => at(r, 'route.max_stream_duration')), [{ grpc_timeout_header_max: '0s' }, { grpc_timeout_header_max: '0.250s' }, { grpc_timeout_header_max: '90s' }, { grpc_timeout_header_max: '0s' }]);
  });

  it('uses Istio\'s default retry policy unless told otherwise', () => {
    const [dflt, custom, none] = apiRoutes([
      { match: [{ uri: { prefix: '/a' } }], route: toApi },
      { match: [{ uri: { prefix: '/b' } }], route: toApi, retries: { attempts: 5, perTryTimeout: '2s', retryOn: 'gateway-error,reset,429' } },
      { route: toApi, retries: { attempts: 0 } },
    ]);
    assert.equal(at(dflt, 'route.retry_policy.retry_on'), 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
    assert.equal(at(dflt, 'route.retry_policy.num_retries'), 2);
    assert.deepEqual(at(dflt, 'route.retry_policy.retriable_status_codes'), [503]);
    assert.equal(at(dflt, 'route.retry_policy.retry_host_predicate[0].name'), 'envoy.retry_host_predicates.previous_hosts');
    assert.equal(at(custom, 'route.retry_policy.retry_on'), 'gateway-error,reset,retriable-status-codes');
    assert.equal(at(custom, 'route.retry_policy.num_retries'), 5);
    assert.equal(at(custom, 'route.retry_policy.per_try_timeout'), '2s');
    assert.deepEqual(at(custom, 'route.retry_policy.retriable_status_codes'), [429]);
    assert.equal(at(none, 'route.retry_policy'), undefined);
  });

  it('injects faults through per-route config of envoy.filters.http.fault', () => {
    const [delay, abort, grpc] = apiRoutes([
      { match: [{ uri: { prefix: '/d' } }], route: toApi, fault: { delay: { fixedDelay: '5s', percentage: { value: 12.5 } } } },
      { match: [{ uri: { prefix: '/a' } }], route: toApi, fault: { abort: { httpStatus: 503 } } },
      { route: toApi, fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 1 } } } },
    ]);
    const fault = (r: JsonValue | undefined): JsonValue | undefined => (at(r, 'typed_per_filter_config') as Record<string, JsonValue>)['envoy.filters.http.fault'];
    assert.deepEqual(fault(delay), {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      delay: { fixed_delay: '5s', percentage: { numerator: 125000, denominator: 'MILLION' } },
    });
    assert.deepEqual(fault(abort), {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      abort: { http_status: 503, percentage: { numerator: 1000000, denominator: 'MILLION' } },
    });
    assert.deepEqual(at(fault(grpc), 'abort'), { grpc_status: 14, percentage: { numerator: 10000, denominator: 'MILLION' } });
  });

  it('mirrors with a runtime fraction', () => {
    const [one, many] = apiRoutes([
      { match: [{ uri: { prefix: '/a' } }], route: toApi, mirror: { host: 'mirror' }, mirrorPercentage: { value: 50 } },
      { route: toApi, mirrors: [{ destination: { host: 'mirror' } }, { destination: { host: 'web' }, percentage: { value: 0.5 } }] },
    ]);
    assert.deepEqual(at(one, 'route.request_mirror_policies'), [
      { cluster: cluster('mirror'), runtime_fraction: { default_value: { numerator: 500000, denominator: 'MILLION' } } },
    ]);
    assert.deepEqual(at(many, 'route.request_mirror_policies'), [
      { cluster: cluster('mirror'), runtime_fraction: { default_value: { numerator: 1000000, denominator: 'MILLION' } } },
      { cluster: cluster('web'), runtime_fraction: { default_value: { numerator: 5000, denominator: 'MILLION' } } },
    ]);
  });

  it('edits headers on the route and per destination', () => {
    const [single, weighted] = apiRoutes([
      {
        match: [{ uri: { prefix: '/a' } }],
        headers: { request: { set: { 'x-env': 'prod' }, add: { 'x-hop': '1' }, remove: ['x-debug'] }, response: { remove: ['server'] } },
        route: [{ destination: { host: 'api' }, headers: { response: { set: { 'x-served-by': 'api' } } } }],
      },
      {
        route: [
          { destination: { host: 'api' }, weight: 1, headers: { request: { set: { 'x-version': 'v1' } } } },
          { destination: { host: 'api-v2' }, weight: 1, headers: { request: { set: { 'x-version': 'v2' } } } },
        ],
      },
    ]);
    assert.deepEqual(at(single, 'request_headers_to_add'), [
      { header: { key: 'x-hop', value: '1' } },
      { header: { key: 'x-env', value: 'prod' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ]);
    assert.deepEqual(at(single, 'request_headers_to_remove'), ['x-debug']);
    assert.deepEqual(at(single, 'response_headers_to_remove'), ['server']);
    assert.deepEqual(at(single, 'response_headers_to_add'), [{ header: { key: 'x-served-by', value: 'api' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    assert.deepEqual(at(weighted, 'route.weighted_clusters.clusters[1].request_headers_to_add'), [
      { header: { key: 'x-version', value: 'v2' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ]);
  });

  it('rewrites path, by regex, and authority', () => {
    const [prefix, regex] = apiRoutes([
      { match: [{ uri: { prefix: '/v1/' } }], route: toApi, rewrite: { uri: '/', authority: 'api.internal' } },
      { route: toApi, rewrite: { uriRegexRewrite: { match: '^/old/(.*)$', rewrite: '/new/\\1' } } },
    ]);
    assert.equal(at(prefix, 'route.prefix_rewrite'), '/');
    assert.equal(at(prefix, 'route.host_rewrite_literal'), 'api.internal');
    assert.deepEqual(at(regex, 'route.regex_rewrite'), { pattern: { regex: '^/old/(.*)$' }, substitution: '/new/\\1' });
  });

  it('answers redirects and direct responses without an upstream', () => {
    const [redirect, permanent, direct] = apiRoutes([
      { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '/new', authority: 'web.shop', scheme: 'https', port: 8443, redirectCode: 302 } },
      { match: [{ uri: { prefix: '/gone' } }], redirect: { uri: '/' } },
      { directResponse: { status: 418, body: { string: 'teapot' } } },
    ]);
    assert.deepEqual(at(redirect, 'redirect'), { scheme_redirect: 'https', host_redirect: 'web.shop', port_redirect: 8443, path_redirect: '/new', response_code: 'FOUND' });
    assert.deepEqual(at(permanent, 'redirect'), { path_redirect: '/' }, '301 is Envoy\'s default');
    assert.deepEqual(at(direct, 'direct_response'), { status: 418, body: { inline_string: 'teapot' } });
    assert.equal(at(direct, 'route'), undefined);
  });

  it('puts CORS in per-route config of envoy.filters.http.cors, which outbound listeners carry', () => {
    const config = compile(
      routingMesh([
        vs('shop', 'api', {
          hosts: ['api'],
          http: [
            {
              route: toApi,
              corsPolicy: {
                allowOrigins: [{ exact: 'https://shop.example' }, { regex: 'https://.*\\.example' }],
                allowMethods: ['GET', 'POST'],
                allowHeaders: ['content-type'],
                exposeHeaders: ['x-request-id'],
                maxAge: '24h',
                allowCredentials: true,
                unmatchedPreflights: 'IGNORE',
              },
            },
          ],
        }),
      ]),
    );
    const [route] = routesOf(config, 80, API);
    assert.deepEqual((at(route, 'typed_per_filter_config') as Record<string, JsonValue>)['envoy.filters.http.cors'], {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allow_origin_string_match: [{ exact: 'https://shop.example' }, { safe_regex: { regex: 'https://.*\\.example' } }],
      allow_methods: 'GET,POST',
      allow_headers: 'content-type',
      expose_headers: 'x-request-id',
      max_age: '86400',
      allow_credentials: true,
      forward_not_matching_preflights: false,
    });
    const listener = config.listeners.find((l) => l.name === '0.0.0.0_80');
    const filters = list(at(listener?.resource, 'filter_chains[0].filters[0].typed_config.http_filters')).map((f) => at(f, 'name'));
    // on_demand first: an outbound route configuration taken over VHDS is fetched per authority before anything routes.
    assert.deepEqual(filters, ['envoy.filters.http.on_demand', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
  });

  it('sends a destination that is not a Service to BlackHoleCluster and keeps its share', () => {
    const [route] = apiRoutes([{ route: [{ destination: { host: 'api' }, weight: 1 }, { destination: { host: 'nowhere' }, weight: 1 }] }]);
    assert.deepEqual(at(route, 'route.weighted_clusters.clusters'), [
      { name: cluster('api'), weight: 1 },
      { name: 'BlackHoleCluster', weight: 1 },
    ]);
  });
});

describe('default routes, domains and host resolution', () => {
  it('routes a Service without VirtualService to its own cluster', () => {
    const config = compile(routingMesh([]));
    const [route] = routesOf(config, 80, 'web.shop.svc.cluster.local');
    assert.equal(at(route, 'name'), 'default');
    assert.deepEqual(at(route, 'match'), { prefix: '/' });
    assert.equal(at(route, 'route.cluster'), cluster('web'));
    assert.equal(at(route, 'route.timeout'), '0s');
    assert.equal(at(route, 'route.retry_policy.num_retries'), 2);
  });

  it('lists every name a client can use; the short name only in the Service\'s namespace', () => {
    const same = vhost(compile(routingMesh([]), CLIENT), 80, API);
    assert.deepEqual(same['domains'], [
      API, `${API}:80`, 'api', 'api:80', 'api.shop', 'api.shop:80', 'api.shop.svc', 'api.shop.svc:80', '10.0.0.2', '10.0.0.2:80',
    ]);
    const other = vhost(compile(routingMesh([]), BATCH), 80, API);
    assert.ok(!list(other['domains']).includes('api'));
    assert.ok(list(other['domains']).includes('api.shop'));
  });

  it('resolves short names relative to the VirtualService\'s namespace', () => {
    const mesh = routingMesh([vs('jobs', 'api-from-jobs', { hosts: ['api.shop'], http: [{ route: [{ destination: { host: 'web.shop.svc.cluster.local' } }] }] })]);
    const [route] = routesOf(compile(mesh, BATCH), 80, API);
    assert.equal(at(route, 'route.cluster'), cluster('web'));
    // In jobs, "api" would mean api.jobs, which does not exist: nothing is programmed for api.shop.
    const shortName = routingMesh([vs('jobs', 'short', { hosts: ['api'], http: [{ route: [{ destination: { host: 'web' } }] }] })]);
    assert.equal(at(routesOf(compile(shortName, BATCH), 80, API)[0], 'name'), 'default');
  });

  it('honours exportTo: a VirtualService exported to its own namespace routes only there', () => {
    const mesh = routingMesh([vs('shop', 'api', { hosts: ['api'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'api-v2' } }] }] })]);
    assert.equal(at(routesOf(compile(mesh, CLIENT), 80, API)[0], 'route.cluster'), cluster('api-v2'));
    assert.equal(at(routesOf(compile(mesh, BATCH), 80, API)[0], 'route.cluster'), cluster('api'));
  });

  it('ignores a VirtualService bound to gateways other than mesh', () => {
    const mesh = routingMesh([vs('shop', 'api', { hosts: ['api'], gateways: ['ingress'], http: [{ route: [{ destination: { host: 'api-v2' } }] }] })]);
    assert.equal(at(routesOf(compile(mesh), 80, API)[0], 'route.cluster'), cluster('api'));
  });
});

describe('TrafficSplit with VirtualService', () => {
  const canary = split('shop', 'api-canary', 'api', [{ service: 'api', weight: 0 }, { service: 'api-v2', weight: 0 }]);
  const flagger = split('shop', 'api-canary', 'api', [{ service: 'api-v2', weight: 80 }, { service: 'mirror', weight: 20 }]);

  it('splits the default route of the root Service', () => {
    const [route] = routesOf(compile(routingMesh([], { trafficSplits: [flagger] })), 80, API);
    assert.deepEqual(at(route, 'route.weighted_clusters.clusters'), [
      { name: cluster('api-v2'), weight: 4 },
      { name: cluster('mirror'), weight: 1 },
    ]);
  });

  it('replaces a destination naming the root by the backends, weights multiplied, keeping the rule\'s timeout and retries', () => {
    const mesh = routingMesh(
      [vs('shop', 'api', { hosts: ['api'], http: [{ route: [{ destination: { host: 'api' }, weight: 50 }, { destination: { host: 'web' }, weight: 50 }], timeout: '3s', retries: { attempts: 4 } }] })],
      { trafficSplits: [flagger] },
    );
    const [route] = routesOf(compile(mesh), 80, API);
    // api 50% → api-v2 40%, mirror 10%; web keeps 50%.
    assert.deepEqual(at(route, 'route.weighted_clusters.clusters'), [
      { name: cluster('api-v2'), weight: 4 },
      { name: cluster('mirror'), weight: 1 },
      { name: cluster('web'), weight: 5 },
    ]);
    assert.equal(at(route, 'route.timeout'), '3s');
    assert.equal(at(route, 'route.retry_policy.num_retries'), 4);
  });

  it('does not apply a split whose backends all weigh 0', () => {
    const [route] = routesOf(compile(routingMesh([], { trafficSplits: [canary] })), 80, API);
    assert.equal(at(route, 'route.cluster'), cluster('api'));
  });
});
