// The xDS wire contract: Envoy's own protos, loaded once; strict encoding of
// config_dump-shaped objects; exact round trips.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envoyRoot, protoLoadMillis, PROTO_INCLUDE_DIRS, PROTO_LOADER_OPTIONS } from '../../xds/protos.ts';
import { canonicalize, decodeResource, encodeResource, formatDuration, parseDuration, ResourceShapeError } from '../../xds/codec.ts';
import { ExtensionTypeUrl, TypeUrl, resourceNameOf } from '../../xds/types.ts';
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/grpc-js';
import { adsServiceDefinition, ADS_SERVICE, metadataStruct } from '../../xds/ads.ts';

const routeConfig = (route: Record<string, unknown>): Record<string, unknown> => ({
  name: '80',
  virtual_hosts: [{ name: 'api:80', domains: ['api'], routes: [{ match: { prefix: '/' }, ...route }] }],
});

function rejects(typeUrl: string, value: unknown, path: string, pattern: RegExp): void {
  assert.throws(
    () => encodeResource(typeUrl, value),
    (e: unknown) => {
      assert.ok(e instanceof ResourceShapeError, String(e));
      assert.equal(e.path, path);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('proto loading', () => {
  it('loads the Envoy protos once, fast enough, and caches the Root', () => {
    const root = envoyRoot();
    assert.equal(envoyRoot(), root);
    assert.ok(protoLoadMillis() > 0 && protoLoadMillis() < 5000, `loaded in ${protoLoadMillis()} ms`);
    for (const url of Object.values(TypeUrl)) assert.ok(root.lookupType(url.slice(url.lastIndexOf('/') + 1)));
    for (const url of Object.values(ExtensionTypeUrl)) assert.ok(root.lookupType(url.slice(url.lastIndexOf('/') + 1)), url);
  });

  it('gives proto-loader the same include directories for the ADS service', () => {
    const pkg = loadSync('envoy/service/discovery/v3/ads.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [...PROTO_INCLUDE_DIRS] });
    assert.ok('envoy.service.discovery.v3.AggregatedDiscoveryService' in pkg);
  });

  it('builds the ADS service definition from the shared Root exactly as proto-loader would: same paths, bytes and objects', () => {
    const pkg = loadSync('envoy/service/discovery/v3/ads.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [...PROTO_INCLUDE_DIRS] });
    const theirs = pkg[ADS_SERVICE] as unknown as Record<string, MethodDefinition<object, object>>;
    const ours = adsServiceDefinition() as unknown as Record<string, MethodDefinition<object, object>>;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
    const any = { type_url: TypeUrl.Cluster, value: Buffer.from(encodeResource(TypeUrl.Cluster, { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } })) };
    const request = {
      version_info: '7',
      node: { id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local', cluster: 'a.ns', metadata: metadataStruct({ NAMESPACE: 'ns', LABELS: '{"app":"a"}' }) },
      resource_names: ['x', 'y'],
      type_url: TypeUrl.Cluster,
      response_nonce: 'n1',
      error_detail: { code: 3, message: 'Cluster "c": bad' },
    };
    const response = { version_info: '8', resources: [any], type_url: TypeUrl.Cluster, nonce: 'n2', control_plane: { identifier: 'weft' } };
    const deltaRequest = { node: request.node, type_url: TypeUrl.Cluster, resource_names_subscribe: ['a'], resource_names_unsubscribe: ['b'], initial_resource_versions: { a: '1' }, response_nonce: 'n' };
    const deltaResponse = { system_version_info: '9', resources: [{ name: 'c', version: '1', resource: any }], type_url: TypeUrl.Cluster, removed_resources: ['old'], nonce: 'n3' };
    const samples: Record<string, [object, object]> = {
      StreamAggregatedResources: [request, response],
      DeltaAggregatedResources: [deltaRequest, deltaResponse],
    };
    for (const [name, [req, res]] of Object.entries(samples)) {
      const a = ours[name];
      const b = theirs[name];
      assert.ok(a !== undefined && b !== undefined, name);
      assert.equal(a.path, b.path);
      assert.equal(a.requestStream, b.requestStream);
      assert.equal(a.responseStream, b.responseStream);
      assert.equal(a.originalName, b.originalName);
      const reqBytes = a.requestSerialize(req);
      assert.deepEqual(reqBytes, b.requestSerialize(req), `${name}: request bytes`);
      assert.deepEqual(a.requestDeserialize(reqBytes), b.requestDeserialize(reqBytes), `${name}: request object`);
      const resBytes = a.responseSerialize(res);
      assert.deepEqual(resBytes, b.responseSerialize(res), `${name}: response bytes`);
      assert.deepEqual(a.responseDeserialize(resBytes), b.responseDeserialize(resBytes), `${name}: response object`);
    }
    assert.throws(() => ours['StreamAggregatedResources']?.requestSerialize([] as unknown as object), /not an array/);
  });
});

describe('encodeResource / decodeResource', () => {
  it('round-trips a listener with a typed_config Any, wrappers, enums and durations', () => {
    const listener = {
      name: '0.0.0.0_80',
      address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
      bind_to_port: false,
      traffic_direction: 'OUTBOUND',
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': ExtensionTypeUrl.HttpConnectionManager,
                stat_prefix: 'outbound_0.0.0.0_80',
                rds: { route_config_name: '80', config_source: { ads: {}, resource_api_version: 'V3' } },
                stream_idle_timeout: '1.500s',
                http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ExtensionTypeUrl.Router } }],
              },
            },
          ],
        },
      ],
    };
    const bytes = encodeResource(TypeUrl.Listener, listener);
    assert.ok(bytes.length > 100);
    assert.deepEqual(decodeResource(TypeUrl.Listener, bytes), listener);
    assert.equal(resourceNameOf(TypeUrl.Listener, listener), '0.0.0.0_80');
    assert.equal(resourceNameOf(TypeUrl.ClusterLoadAssignment, { cluster_name: 'c' }), 'c');
  });

  it('round-trips an HTTP connection manager with the on-demand VHDS filter first', () => {
    const hcm = {
      '@type': ExtensionTypeUrl.HttpConnectionManager,
      stat_prefix: 'outbound_0.0.0.0_80',
      rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: '80' },
      http_filters: [
        { name: 'envoy.filters.http.on_demand', typed_config: { '@type': ExtensionTypeUrl.OnDemand } },
        { name: 'envoy.filters.http.router', typed_config: { '@type': ExtensionTypeUrl.Router } },
      ],
    };
    const listener = { name: '0.0.0.0_80', filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }] };
    assert.deepEqual(decodeResource(TypeUrl.Listener, encodeResource(TypeUrl.Listener, listener)), listener);
    assert.throws(() => encodeResource(TypeUrl.Listener, { ...listener, filter_chains: [{ filters: [{ name: 'x', typed_config: { ...hcm, http_filters: [{ name: 'od', typed_config: { '@type': ExtensionTypeUrl.OnDemand, odcds: { timeout: '1s' } } }] } }] }] }), /source/);
  });

  it('round-trips 64-bit integers, bytes, maps and Struct values', () => {
    const route = routeConfig({
      direct_response: { status: 200, body: { inline_bytes: Buffer.from('hello').toString('base64') } },
      metadata: { filter_metadata: { weft: { owner: 'shop', replicas: 3, tags: ['a', 'b'], nested: { ok: true, none: null } } } },
    });
    assert.deepEqual(decodeResource(TypeUrl.RouteConfiguration, encodeResource(TypeUrl.RouteConfiguration, route)), route);
    const cluster = { name: 'c', type: 'STATIC', connect_timeout: '1s', per_connection_buffer_limit_bytes: 32768, upstream_connection_options: { tcp_keepalive: { keepalive_probes: 3 } } };
    assert.deepEqual(decodeResource(TypeUrl.Cluster, encodeResource(TypeUrl.Cluster, cluster)), cluster);
  });

  it('gives the canonical form: proto3 defaults are not on the wire', () => {
    const withDefault = { name: 'c', type: 'EDS', lb_policy: 'ROUND_ROBIN', eds_cluster_config: { eds_config: { ads: {} } } };
    assert.deepEqual(canonicalize(TypeUrl.Cluster, withDefault), { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } });
  });

  it('rejects unknown fields, with a hint for a near miss', () => {
    rejects(TypeUrl.Cluster, { name: 'c', conect_timeout: '1s' }, 'conect_timeout', /unknown field of envoy\.config\.cluster\.v3\.Cluster/);
    rejects(TypeUrl.Cluster, { name: 'c', connectTimeout: '1s' }, 'connectTimeout', /did you mean connect_timeout\?/);
    rejects(
      TypeUrl.RouteConfiguration,
      routeConfig({ route: { cluster: 'c', retry_policy: { retry_onn: '5xx' } } }),
      'virtual_hosts[0].routes[0].route.retry_policy.retry_onn',
      /unknown field of envoy\.config\.route\.v3\.RetryPolicy/,
    );
  });

  it('rejects unknown fields inside a typed_config', () => {
    rejects(
      TypeUrl.Listener,
      { name: 'l', filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': ExtensionTypeUrl.TcpProxy, stat_prefix: 's', clustr: 'c' } }] }] },
      'filter_chains[0].filters[0].typed_config(TcpProxy).clustr',
      /unknown field/,
    );
    rejects(TypeUrl.Listener, { name: 'l', filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/no.such.Type' } }] }] }, 'filter_chains[0].filters[0].typed_config.@type', /unknown message type/);
  });

  it('rejects wrong types and unknown enum names', () => {
    rejects(TypeUrl.Cluster, { name: 7 }, 'name', /expected a string, got number 7/);
    rejects(TypeUrl.Cluster, { name: 'c', type: 'DNS' }, 'type', /"DNS" is not one of STATIC, STRICT_DNS/);
    rejects(TypeUrl.Cluster, { name: 'c', connect_timeout: '250ms' }, 'connect_timeout', /not a duration in seconds/);
    rejects(TypeUrl.Cluster, { name: 'c', connect_timeout: 5 }, 'connect_timeout', /expected a duration string/);
    rejects(TypeUrl.Listener, { name: 'l', address: { socket_address: { address: 'a', port_value: 70000 } } }, 'address.socket_address.port_value', /at most 65535/);
    rejects(TypeUrl.Listener, { name: 'l', bind_to_port: 'no' }, 'bind_to_port', /expected true or false/);
    rejects(TypeUrl.Listener, { name: 'l', filter_chains: {} }, 'filter_chains', /expected a list/);
    rejects(TypeUrl.Listener, { name: 'l', address: undefined }, 'address', /undefined/);
  });

  it('rejects two members of one oneof, and deprecated fields', () => {
    rejects(TypeUrl.RouteConfiguration, routeConfig({ route: { cluster: 'a', weighted_clusters: { clusters: [{ name: 'a', weight: 1 }] } } }), 'virtual_hosts[0].routes[0].route.weighted_clusters', /cluster is already set/);
    rejects(TypeUrl.RouteConfiguration, routeConfig({ route: { cluster: 'a', cors: {} } }), 'virtual_hosts[0].routes[0].route.cors', /deprecated/);
  });

  it('enforces the protoc-gen-validate rules Envoy checks on load', () => {
    rejects(TypeUrl.RouteConfiguration, routeConfig({}), 'virtual_hosts[0].routes[0]', /needs one of route, redirect, direct_response/);
    rejects(TypeUrl.RouteConfiguration, routeConfig({ route: { cluster: '' } }), 'virtual_hosts[0].routes[0].route.cluster', /at least 1 character/);
    rejects(TypeUrl.RouteConfiguration, routeConfig({ route: { weighted_clusters: { clusters: [] } } }), 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters', /at least 1 item/);
    rejects(TypeUrl.RouteConfiguration, routeConfig({ direct_response: { status: 99 } }), 'virtual_hosts[0].routes[0].direct_response.status', /at least 200/);
    rejects(
      TypeUrl.RouteConfiguration,
      routeConfig({ route: { cluster: 'c' }, request_headers_to_add: [{ header: { key: 'x-a', value: 'line\nbreak' } }] }),
      'virtual_hosts[0].routes[0].request_headers_to_add[0].header.value',
      /not a valid HTTP header value/,
    );
    rejects(TypeUrl.Listener, { name: 'l', filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': ExtensionTypeUrl.TcpProxy, cluster: 'c' } }] }] }, 'filter_chains[0].filters[0].typed_config(TcpProxy).stat_prefix', /required/);
    rejects(TypeUrl.Cluster, { name: 'c', connect_timeout: '0s' }, 'connect_timeout', /greater than 0s/);
  });
});

describe('durations', () => {
  it('parses and formats proto3 JSON durations as Envoy prints them', () => {
    assert.deepEqual(parseDuration('1.5s'), { seconds: 1, nanos: 500_000_000 });
    assert.deepEqual(parseDuration('-0.000000001s'), { seconds: -0, nanos: -1 });
    assert.equal(parseDuration('1m'), undefined);
    assert.equal(formatDuration(1, 500_000_000), '1.500s');
    assert.equal(formatDuration(0, 250_000), '0.000250s');
    assert.equal(formatDuration(0, 1), '0.000000001s');
    assert.equal(formatDuration(90, 0), '90s');
  });
});
