// The shape of a proxy's config (Istio's sidecar layout), what it may and may
// not receive, and determinism.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allResources, compileProxy, MeshCompiler } from '../../operator/compile/proxy.ts';
import { decodeResource, encodeResource, encodeShared, type JsonValue } from '../../xds/codec.ts';
import { TypeUrl } from '../../xds/types.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { CLIENT, httpService, pod, policy, routingMesh, settings, shopMesh, vs } from '../golden/meshes.ts';
import { at, list, resource } from '../golden/inspect.ts';

const PRODUCTPAGE = { namespace: 'shop', workload: 'productpage' };
const REVIEWS_V2 = { namespace: 'shop', workload: 'reviews-v2' };
const POSTGRES = { namespace: 'data', workload: 'postgres' };

describe('outbound', () => {
  const config = compileProxy(shopMesh(), PRODUCTPAGE);

  it('has virtualOutbound on 15001 handing connections to per-port listeners by original destination', () => {
    const l = resource(config, 'listeners', 'virtualOutbound');
    assert.deepEqual(at(l, 'address.socket_address'), { address: '0.0.0.0', port_value: 15001 });
    assert.equal(at(l, 'use_original_dst'), true);
    assert.equal(at(l, 'filter_chains[0].filters[0].typed_config.cluster'), 'PassthroughCluster');
  });

  it('has an unbound HTTP listener per HTTP port, with routes by RDS named by port', () => {
    const l = resource(config, 'listeners', '0.0.0.0_9080');
    assert.equal(at(l, 'bind_to_port'), false);
    assert.equal(at(l, 'traffic_direction'), 'OUTBOUND');
    const hcm = at(l, 'filter_chains[0].filters[0]');
    assert.equal(at(hcm, 'name'), 'envoy.filters.network.http_connection_manager');
    assert.deepEqual(at(hcm, 'typed_config.rds'), { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: '9080' });
    assert.ok(config.routes.some((r) => r.name === '9080'));
  });

  it('has a TCP listener matching each TCP Service by ClusterIP', () => {
    const l = resource(config, 'listeners', '0.0.0.0_5432');
    assert.deepEqual(at(l, 'filter_chains[0].filter_chain_match'), { prefix_ranges: [{ address_prefix: '10.0.1.10', prefix_len: 32 }] });
    assert.equal(at(l, 'filter_chains[0].filters[0].name'), 'envoy.filters.network.tcp_proxy');
    assert.equal(at(l, 'filter_chains[0].filters[0].typed_config.cluster'), 'outbound|5432||postgres.data.svc.cluster.local');
    assert.equal(at(l, 'default_filter_chain.filters[0].typed_config.cluster'), 'PassthroughCluster');
  });

  it('sends unknown hosts to PassthroughCluster, or refuses them under REGISTRY_ONLY', () => {
    const allowAny = list(resource(config, 'routes', '9080')['virtual_hosts']).at(-1);
    assert.deepEqual(at(allowAny, 'domains'), ['*']);
    assert.equal(at(allowAny, 'routes[0].route.cluster'), 'PassthroughCluster');
    const strict = compileProxy({ ...shopMesh(), settings: { ...settings, outboundTrafficPolicy: 'REGISTRY_ONLY' } }, PRODUCTPAGE);
    const blockAll = list(resource(strict, 'routes', '9080')['virtual_hosts']).at(-1);
    assert.equal(at(blockAll, 'name'), 'block_all');
    assert.deepEqual(at(blockAll, 'routes[0].direct_response'), { status: 502 });
    assert.equal(at(resource(strict, 'listeners', 'virtualOutbound'), 'filter_chains[0].filters[0].typed_config.cluster'), 'BlackHoleCluster');
  });

  it('has EDS clusters with mTLS from SDS and the destination\'s SPIFFE identities', () => {
    const c = resource(config, 'clusters', 'outbound|9080||reviews-v2.shop.svc.cluster.local');
    assert.equal(at(c, 'type'), 'EDS');
    assert.equal(at(c, 'eds_cluster_config.service_name'), 'outbound|9080||reviews-v2.shop.svc.cluster.local');
    const tls = at(c, 'transport_socket');
    assert.equal(at(tls, 'name'), 'envoy.transport_sockets.tls');
    assert.equal(at(tls, 'typed_config.@type'), 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    assert.equal(at(tls, 'typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name'), 'default');
    assert.equal(at(tls, 'typed_config.common_tls_context.combined_validation_context.validation_context_sds_secret_config.name'), 'ROOTCA');
    assert.deepEqual(at(tls, 'typed_config.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names'), [
      { san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/shop/sa/reviews' } },
    ]);
    assert.equal(at(tls, 'typed_config.sni'), 'outbound_.9080_._.reviews-v2.shop.svc.cluster.local');
  });

  it('speaks HTTP/2 upstream to gRPC ports', () => {
    const c = resource(config, 'clusters', 'outbound|9090||ratings.shop.svc.cluster.local');
    const options = at(c, 'typed_extension_protocol_options') as Record<string, JsonValue>;
    assert.deepEqual(at(options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'], 'explicit_http_config'), { http2_protocol_options: {} });
  });

  it('has endpoints for ready instances only', () => {
    const cla = resource(config, 'endpoints', 'outbound|9080||reviews-v2.shop.svc.cluster.local');
    const addresses = list(at(cla, 'endpoints[0].lb_endpoints')).map((e) => at(e, 'endpoint.address.socket_address'));
    assert.deepEqual(addresses, [{ address: '10.1.0.4', port_value: 9080 }], '10.1.0.5 is not ready');
    assert.deepEqual(resource(config, 'endpoints', 'outbound|80||frontend.shop.svc.cluster.local')['endpoints'], [
      { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.1.0.1', port_value: 8080 } } } }] },
    ]);
  });

  it('uses a WorkloadEntry\'s port for the Service port of that name', () => {
    const mesh = routingMesh([]);
    const withVm: MeshSnapshot = {
      ...mesh,
      registry: {
        ...mesh.registry,
        instances: [...mesh.registry.instances, { namespace: 'shop', workload: 'api-vm', address: '192.0.2.7', labels: { app: 'api' }, serviceAccount: 'api', ready: true, ports: { http: 9999 } }],
      },
    };
    const cla = resource(compileProxy(withVm, CLIENT), 'endpoints', 'outbound|80||api.shop.svc.cluster.local');
    assert.deepEqual(list(at(cla, 'endpoints[0].lb_endpoints')).map((e) => at(e, 'endpoint.address.socket_address')), [
      { address: '10.1.0.4', port_value: 8080 },
      { address: '192.0.2.7', port_value: 9999 },
    ]);
  });
});

describe('inbound', () => {
  it('has virtualInbound on 15006 with an mTLS chain per served port and a plaintext one when PERMISSIVE', () => {
    const config = compileProxy(shopMesh(), REVIEWS_V2);
    const l = resource(config, 'listeners', 'virtualInbound');
    assert.deepEqual(at(l, 'address.socket_address'), { address: '0.0.0.0', port_value: 15006 });
    assert.deepEqual(list(at(l, 'listener_filters')).map((f) => at(f, 'name')), ['envoy.filters.listener.original_dst', 'envoy.filters.listener.tls_inspector']);
    const chains = list(at(l, 'filter_chains'));
    assert.deepEqual(chains.map((c) => at(c, 'filter_chain_match')), [
      { destination_port: 9080, transport_protocol: 'tls' },
      { destination_port: 9080, transport_protocol: 'raw_buffer' },
    ]);
    assert.equal(at(chains[0], 'transport_socket.typed_config.require_client_certificate'), true);
    assert.equal(at(chains[1], 'transport_socket'), undefined);
    assert.equal(at(l, 'default_filter_chain.filters[0].typed_config.cluster'), 'PassthroughCluster');
    const c = resource(config, 'clusters', 'inbound|9080||');
    assert.deepEqual(at(c, 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address'), { address: '127.0.0.1', port_value: 9080 });
  });

  it('accepts only mTLS when the namespace is STRICT', () => {
    const strict = compileProxy({ ...shopMesh(), settings: { ...settings, namespaceMtls: { shop: 'STRICT' } } }, REVIEWS_V2);
    const l = resource(strict, 'listeners', 'virtualInbound');
    assert.deepEqual(list(at(l, 'filter_chains')).map((c) => at(c, 'filter_chain_match.transport_protocol')), ['tls']);
    assert.equal(at(l, 'default_filter_chain.filters[0].typed_config.cluster'), 'BlackHoleCluster');
  });

  it('puts the workload\'s RBAC filters before fault and router in each HTTP connection manager', () => {
    const config = compileProxy(shopMesh(), REVIEWS_V2);
    const hcm = at(resource(config, 'listeners', 'virtualInbound'), 'filter_chains[0].filters[0].typed_config');
    const filters = list(at(hcm, 'http_filters'));
    assert.deepEqual(filters.map((f) => at(f, 'name')), ['envoy.filters.http.rbac', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
    const policies = at(filters[0], 'typed_config.rules.policies') as Record<string, JsonValue>;
    assert.deepEqual(Object.keys(policies), ['ns[shop]-policy[reviews-from-productpage]-rule[0]']);
    assert.equal(at(hcm, 'route_config.virtual_hosts[0].routes[0].route.cluster'), 'inbound|9080||');
  });

  it('puts network RBAC before tcp_proxy on TCP ports', () => {
    const config = compileProxy(shopMesh(), POSTGRES);
    const filters = list(at(resource(config, 'listeners', 'virtualInbound'), 'filter_chains[0].filters')).map((f) => at(f, 'name'));
    assert.deepEqual(filters, ['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
  });
});

describe('a proxy receives only what it can use', () => {
  it('does not receive another workload\'s policies', () => {
    const config = compileProxy(shopMesh(), PRODUCTPAGE);
    const text = JSON.stringify(allResources(config).map((r) => r.resource));
    assert.ok(!text.includes('reviews-from-productpage'), 'the reviews policy stays with reviews');
    assert.ok(!text.includes('postgres-deny-shop'));
    assert.ok(!text.includes('envoy.filters.http.rbac'));
  });

  it('does not receive a Service exported only to another namespace, nor its cluster', () => {
    const mesh = routingMesh([]);
    const restricted: MeshSnapshot = {
      ...mesh,
      registry: { ...mesh.registry, services: [...mesh.registry.services, httpService('ops', 'secret', '10.0.9.9', 'secret', 80, 8080, { exportTo: ['ops'] })] },
    };
    const names = (ns: string, workload: string): string[] => allResources(compileProxy(restricted, { namespace: ns, workload })).map((r) => JSON.stringify(r.resource));
    assert.ok(!names('shop', 'client').some((t) => t.includes('secret.ops')));
    const opsMesh: MeshSnapshot = { ...restricted, registry: { ...restricted.registry, instances: [...restricted.registry.instances, pod('ops', 'tool', '10.1.9.1', { app: 'tool' })] } };
    assert.ok(allResources(compileProxy(opsMesh, { namespace: 'ops', workload: 'tool' })).some((r) => r.name === 'outbound|80||secret.ops.svc.cluster.local'));
  });

  it('does not receive a VirtualService exported only to another namespace', () => {
    const mesh = routingMesh([vs('shop', 'api', { hosts: ['api'], exportTo: ['ops'], http: [{ route: [{ destination: { host: 'api-v2' } }], timeout: '7s' }] })]);
    const text = JSON.stringify(allResources(compileProxy(mesh, CLIENT)).map((r) => r.resource));
    assert.ok(!text.includes('"7s"'));
  });

  it('still compiles outbound config for a workload the registry does not know yet', () => {
    const config = compileProxy(shopMesh(), { namespace: 'shop', workload: 'newcomer' });
    assert.equal(config.known, false);
    assert.equal(at(resource(config, 'listeners', 'virtualInbound'), 'filter_chains'), undefined);
    assert.ok(config.routes.length > 0);
  });
});

describe('encoding and determinism', () => {
  it('encodes every compiled resource through the real protos and decodes it back equal', () => {
    const mesh = shopMesh();
    let count = 0;
    for (const w of new MeshCompiler(mesh).index.workloads) {
      for (const r of allResources(compileProxy(mesh, w.identity))) {
        assert.deepEqual(decodeResource(r.typeUrl, encodeResource(r.typeUrl, r.resource)), r.resource, `${w.key} ${r.name}`);
        count++;
      }
    }
    assert.ok(count > 100, `checked ${count} resources`);
  });

  it('gives byte-identical encodings whatever the order of its input', () => {
    const encodeAll = (mesh: MeshSnapshot): string =>
      new MeshCompiler(mesh).index.workloads
        .flatMap((w) => allResources(compileProxy(mesh, w.identity)))
        .map((r) => `${r.typeUrl} ${r.name} ${Buffer.from(encodeResource(r.typeUrl, r.resource)).toString('base64')}`)
        .join('\n');
    const base = shopMesh();
    const reversed: MeshSnapshot = {
      ...base,
      virtualServices: [...base.virtualServices].reverse(),
      trafficSplits: [...base.trafficSplits].reverse(),
      authorizationPolicies: [...base.authorizationPolicies].reverse(),
      registry: { services: [...base.registry.services].reverse(), instances: [...base.registry.instances].reverse() },
    };
    // A fixed permutation, not a random one, so a failure reproduces.
    const rotate = <T>(xs: readonly T[]): T[] => [...xs.slice(3), ...xs.slice(0, 3)];
    const rotated: MeshSnapshot = { ...base, registry: { services: rotate(base.registry.services), instances: rotate(base.registry.instances) } };
    const expected = encodeAll(base);
    assert.equal(encodeAll(reversed), expected);
    assert.equal(encodeAll(rotated), expected);
    assert.equal(encodeAll(shopMesh()), expected, 'a fresh snapshot of the same mesh');
  });

  it('shares resource objects between proxies that receive the same thing', () => {
    const mesh = shopMesh();
    const a = compileProxy(mesh, { namespace: 'shop', workload: 'frontend' });
    const b = compileProxy(mesh, { namespace: 'shop', workload: 'ratings' });
    assert.equal(resource(a, 'clusters', 'outbound|80||frontend.shop.svc.cluster.local'), resource(b, 'clusters', 'outbound|80||frontend.shop.svc.cluster.local'));
    assert.ok(Object.isFrozen(resource(a, 'routes', '9080')));
    assert.equal(a.listeners.every((l) => l.typeUrl === TypeUrl.Listener), true);
    // So an xDS server encodes a shared resource once.
    const shared = resource(a, 'clusters', 'outbound|80||frontend.shop.svc.cluster.local');
    assert.equal(encodeShared(TypeUrl.Cluster, shared), encodeShared(TypeUrl.Cluster, resource(b, 'clusters', 'outbound|80||frontend.shop.svc.cluster.local')));
    assert.deepEqual(encodeShared(TypeUrl.Cluster, shared), encodeResource(TypeUrl.Cluster, shared));
  });
});
