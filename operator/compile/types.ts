// What the compiler hands to the xDS server: for one proxy, its Envoy
// resources by type, each a frozen plain object in Envoy's config_dump shape
// (see xds/codec.ts). Objects are shared between proxies that receive the same
// resource, so a consumer may memoise encodings by object identity.

import type { JsonObject } from '../../xds/codec.ts';
import type { ResourceTypeUrl } from '../../xds/types.ts';
import type { ProxyIdentity } from './snapshot.ts';

export interface CompiledResource {
  /** The xDS resource name (Listener/RouteConfiguration/Cluster name, ClusterLoadAssignment cluster_name). */
  readonly name: string;
  readonly typeUrl: ResourceTypeUrl;
  readonly resource: JsonObject;
}

export interface ProxyConfig {
  readonly proxy: ProxyIdentity;
  /** False when the registry has no instance of this workload: it gets outbound config only. */
  readonly known: boolean;
  /** Sorted by name; in Envoy's make-before-break order the server sends clusters, endpoints, listeners, routes. */
  readonly listeners: readonly CompiledResource[];
  readonly routes: readonly CompiledResource[];
  readonly clusters: readonly CompiledResource[];
  readonly endpoints: readonly CompiledResource[];
}

/** An Envoy filter as placed in http_filters or a filter chain's filters (authz.ts builds RBAC ones). */
export interface EnvoyFilter {
  readonly name: string;
  readonly typed_config: object;
}
