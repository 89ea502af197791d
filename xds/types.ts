// Type URLs of the xDS resources the mesh serves and of the extension configs
// embedded in them (as `typed_config` / `google.protobuf.Any`).

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** The resource types a proxy subscribes to over ADS. */
export const TypeUrl = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  /** VHDS: a route configuration's virtual hosts as resources of their own (delta streams only), named `<route configuration>/<host>`. */
  VirtualHost: 'type.googleapis.com/envoy.config.route.v3.VirtualHost',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Extension configs carried inside resources. */
export const ExtensionTypeUrl = {
  HttpConnectionManager:
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  TcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  Fault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  Rbac: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
  RbacPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  NetworkRbac: 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
  JwtAuthn: 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  PreviousHostsPredicate: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  Cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  CorsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  /** On-demand VHDS: a request for an authority the proxy has no virtual host for waits while it is fetched. */
  OnDemand: 'type.googleapis.com/envoy.extensions.filters.http.on_demand.v3.OnDemand',
  OriginalDst: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  TlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  UpstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  DownstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  HttpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** Envoy's well-known filter names, as Istio uses them. */
export const FilterName = {
  HttpConnectionManager: 'envoy.filters.network.http_connection_manager',
  TcpProxy: 'envoy.filters.network.tcp_proxy',
  Router: 'envoy.filters.http.router',
  Fault: 'envoy.filters.http.fault',
  Rbac: 'envoy.filters.http.rbac',
  NetworkRbac: 'envoy.filters.network.rbac',
  JwtAuthn: 'envoy.filters.http.jwt_authn',
  PreviousHosts: 'envoy.retry_host_predicates.previous_hosts',
  Cors: 'envoy.filters.http.cors',
  OnDemand: 'envoy.filters.http.on_demand',
  OriginalDst: 'envoy.filters.listener.original_dst',
  TlsInspector: 'envoy.filters.listener.tls_inspector',
  Tls: 'envoy.transport_sockets.tls',
  HttpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** The fully qualified message name a type URL names. */
export const messageNameOf = (typeUrl: string): string => typeUrl.slice(typeUrl.lastIndexOf('/') + 1);

/**
 * The xDS name of a resource: `name` for most types, `cluster_name` for a
 * ClusterLoadAssignment. Undefined when the object has none.
 */
export function resourceNameOf(typeUrl: string, resource: Readonly<Record<string, unknown>>): string | undefined {
  // A VHDS resource's xDS name (`<route configuration>/<host>`) is not inside the VirtualHost: only the response carries it.
  if (typeUrl === TypeUrl.VirtualHost) return undefined;
  const value = typeUrl === TypeUrl.ClusterLoadAssignment ? resource['cluster_name'] : resource['name'];
  return typeof value === 'string' ? value : undefined;
}

/** The route configuration a VHDS resource name (`<route configuration>/<host>`) belongs to; hosts have no slash, route configuration names may. */
export function vhdsRouteConfigOf(name: string): string | undefined {
  const i = name.lastIndexOf('/');
  return i <= 0 || i === name.length - 1 ? undefined : name.slice(0, i);
}
