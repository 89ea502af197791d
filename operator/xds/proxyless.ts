// Config for proxyless gRPC clients (gRPC's own xDS support, e.g.
// @grpc/grpc-js-xds), derived from a compiled sidecar config the way Istio
// serves them (node.metadata.GENERATOR "grpc"):
//
// - per Service port a client can call, an API listener named
//   `<fqdn>:<port>` (what `xds:///<fqdn>:<port>` asks for) with an HTTP
//   connection manager: RDS route configuration `<fqdn>:<port>`, filters
//   fault and router (gRPC supports no other);
// - that route configuration holds the Service's one virtual host from the
//   sidecar's route configuration of the port, with the same routes (matches,
//   weights, timeouts, retries); per-route CORS config is left out, and a
//   redirect or direct response (which gRPC cannot do) becomes a route to
//   BlackHoleCluster, so such calls fail instead of the whole configuration
//   being rejected;
// - the clusters those routes name, plaintext (proxyless mTLS needs gRPC's
//   certificate providers, not SDS), and their endpoints with the locality
//   and locality weight gRPC requires. BlackHoleCluster becomes an EDS
//   cluster with no endpoints.
//
// Pure; outputs are frozen and memoised per input object, so proxies that
// share compiled resources share these too.

import type { JsonObject, JsonValue } from '../../xds/codec.ts';
import { ExtensionTypeUrl, FilterName, TypeUrl } from '../../xds/types.ts';
import type { ProxyConfig } from '../compile/types.ts';
import type { ResourceInput } from './snapshot.ts';

const BLACKHOLE = 'BlackHoleCluster';
const CATCH_ALL = new Set(['allow_any', 'block_all']);

type Obj = { readonly [k: string]: JsonValue };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): readonly JsonValue[] => (Array.isArray(v) ? (v as JsonValue[]) : []);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const ads = { ads: {}, resource_api_version: 'V3' } as const;

const listeners = new Map<string, ResourceInput>();
function apiListener(name: string): ResourceInput {
  let l = listeners.get(name);
  if (l === undefined) {
    l = deepFreeze({
      name,
      typeUrl: TypeUrl.Listener,
      resource: {
        name,
        api_listener: {
          api_listener: {
            '@type': ExtensionTypeUrl.HttpConnectionManager,
            stat_prefix: name,
            rds: { config_source: ads, route_config_name: name },
            http_filters: [
              { name: FilterName.Fault, typed_config: { '@type': ExtensionTypeUrl.Fault } },
              { name: FilterName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } },
            ],
          },
        },
      },
    });
    listeners.set(name, l);
  }
  return l;
}

function withoutCors(pfc: JsonValue | undefined): JsonValue | undefined {
  if (!isObj(pfc)) return pfc;
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(pfc)) if (k !== FilterName.Cors) out[k] = pfc[k] as JsonValue;
  return Object.keys(out).length === 0 ? undefined : out;
}

function grpcRoute(route: Obj): Obj {
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(route)) {
    if (k === 'redirect' || k === 'direct_response' || k === 'typed_per_filter_config') continue;
    out[k] = route[k] as JsonValue;
  }
  if (isObj(route['redirect']) || isObj(route['direct_response'])) out['route'] = { cluster: BLACKHOLE };
  const pfc = withoutCors(route['typed_per_filter_config']);
  if (pfc !== undefined) out['typed_per_filter_config'] = pfc;
  const action = out['route'];
  if (isObj(action) && isObj(action['weighted_clusters'])) {
    const wc = action['weighted_clusters'];
    out['route'] = {
      ...action,
      weighted_clusters: {
        ...wc,
        clusters: list(wc['clusters']).map((c) => {
          if (!isObj(c)) return c;
          const { typed_per_filter_config: p, ...rest } = c;
          const kept = withoutCors(p);
          return kept === undefined ? rest : { ...rest, typed_per_filter_config: kept };
        }),
      },
    };
  }
  return out;
}

function clustersOf(route: Obj, out: Set<string>): void {
  const action = route['route'];
  if (!isObj(action)) return;
  if (typeof action['cluster'] === 'string') out.add(action['cluster']);
  const wc = action['weighted_clusters'];
  if (isObj(wc)) for (const c of list(wc['clusters'])) if (isObj(c) && typeof c['name'] === 'string') out.add(c['name']);
  for (const m of list(action['request_mirror_policies'])) if (isObj(m) && typeof m['cluster'] === 'string') out.add(m['cluster']);
}

interface Target {
  readonly listener: ResourceInput;
  readonly routes: ResourceInput;
  readonly clusters: readonly string[];
}

const targets = new WeakMap<object, Target>();
function targetOf(vhost: Obj): Target {
  let t = targets.get(vhost);
  if (t !== undefined) return t;
  const name = String(vhost['name']);
  const routes = list(vhost['routes']).filter(isObj).map(grpcRoute);
  const clusters = new Set<string>();
  for (const r of routes) clustersOf(r, clusters);
  t = deepFreeze({
    listener: apiListener(name),
    routes: { name, typeUrl: TypeUrl.RouteConfiguration, resource: { name, virtual_hosts: [{ ...vhost, routes }] } },
    clusters: [...clusters].sort(),
  });
  if (Object.isFrozen(vhost)) targets.set(vhost, t);
  return t;
}

const plainClusters = new WeakMap<object, ResourceInput>();
function plainCluster(cluster: JsonObject, name: string): ResourceInput {
  let c = plainClusters.get(cluster);
  if (c === undefined) {
    const { transport_socket: _tls, ...rest } = cluster;
    c = deepFreeze({ name, typeUrl: TypeUrl.Cluster, resource: rest });
    if (Object.isFrozen(cluster)) plainClusters.set(cluster, c);
  }
  return c;
}

const blackhole: { cluster: ResourceInput; endpoints: ResourceInput } = deepFreeze({
  cluster: {
    name: BLACKHOLE,
    typeUrl: TypeUrl.Cluster,
    resource: { name: BLACKHOLE, type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: BLACKHOLE }, connect_timeout: '10s' },
  },
  endpoints: { name: BLACKHOLE, typeUrl: TypeUrl.ClusterLoadAssignment, resource: { cluster_name: BLACKHOLE } },
});

const grpcEndpoints = new WeakMap<object, ResourceInput>();
function withLocality(cla: JsonObject, name: string): ResourceInput {
  let e = grpcEndpoints.get(cla);
  if (e === undefined) {
    const endpoints = list(cla['endpoints']).map((l) => (isObj(l) ? { locality: {}, load_balancing_weight: 1, ...l } : l));
    e = deepFreeze({ name, typeUrl: TypeUrl.ClusterLoadAssignment, resource: { ...cla, endpoints } });
    if (Object.isFrozen(cla)) grpcEndpoints.set(cla, e);
  }
  return e;
}

/** The proxyless gRPC resources for a compiled config, in send order (clusters, endpoints, listeners, routes). */
export function proxylessResources(config: ProxyConfig): ResourceInput[] {
  const clusterByName = new Map(config.clusters.map((c) => [c.name, c.resource]));
  const endpointsByName = new Map(config.endpoints.map((e) => [e.name, e.resource]));
  const outListeners: ResourceInput[] = [];
  const outRoutes: ResourceInput[] = [];
  const wanted = new Set<string>();
  const seen = new Set<string>();
  for (const rc of config.routes) {
    for (const vh of list(rc.resource['virtual_hosts'])) {
      if (!isObj(vh) || CATCH_ALL.has(String(vh['name'])) || seen.has(String(vh['name']))) continue;
      seen.add(String(vh['name']));
      const t = targetOf(vh);
      outListeners.push(t.listener);
      outRoutes.push(t.routes);
      for (const c of t.clusters) wanted.add(c);
    }
  }
  const clusters: ResourceInput[] = [];
  const endpoints: ResourceInput[] = [];
  for (const name of [...wanted].sort()) {
    if (name === BLACKHOLE) {
      clusters.push(blackhole.cluster);
      endpoints.push(blackhole.endpoints);
      continue;
    }
    const cluster = clusterByName.get(name);
    if (cluster === undefined) continue;
    clusters.push(plainCluster(cluster, name));
    const eds = cluster['eds_cluster_config'];
    const service = isObj(eds) && typeof eds['service_name'] === 'string' && eds['service_name'] !== '' ? eds['service_name'] : name;
    const cla = endpointsByName.get(service);
    if (cla !== undefined) endpoints.push(withLocality(cla, service));
  }
  return [...clusters, ...endpoints, ...outListeners, ...outRoutes];
}
