// Envoy clusters, endpoints and listeners, in the shape of an Istio sidecar.

import type { JsonObject, JsonValue } from '../../xds/codec.ts';
import { ExtensionTypeUrl, FilterName } from '../../xds/types.ts';
import type { ServiceEntry } from './mesh.ts';
import {
  BLACKHOLE_CLUSTER,
  CONNECT_TIMEOUT,
  INBOUND_PORT,
  OUTBOUND_PORT,
  PASSTHROUGH_CLUSTER,
  SDS_CERT,
  SDS_ROOT,
  VIRTUAL_INBOUND,
  VIRTUAL_OUTBOUND,
  inboundCluster,
  outboundCluster,
  outboundListener,
  routeConfigName,
  spiffeId,
} from './names.ts';
import type { MeshSettings, MtlsMode, Protocol, ServicePort } from './snapshot.ts';
import type { EnvoyFilter } from './types.ts';

const ADS: JsonObject = { ads: {}, resource_api_version: 'V3' };

const sds = (name: string): JsonObject => ({ name, sds_config: ADS });

const socketAddress = (address: string, port: number): JsonObject => ({ socket_address: { address, port_value: port } });

export const isHttp = (p: Protocol): boolean => p !== 'tcp';

/** gRPC and h2 ports speak HTTP/2 to their upstream (Istio's IsHTTP2). */
const isHttp2 = (p: Protocol): boolean => p === 'grpc' || p === 'http2';

/** HTTP/2 to the upstream for gRPC and h2 ports, as Istio does. */
function protocolOptions(protocol: Protocol): JsonObject | undefined {
  if (!isHttp2(protocol)) return undefined;
  return {
    [FilterName.HttpProtocolOptions]: {
      '@type': ExtensionTypeUrl.HttpProtocolOptions,
      explicit_http_config: { http2_protocol_options: {} },
    },
  };
}

/**
 * The client side of mesh mTLS: the proxy's own certificate and the trust
 * root from SDS, and the destination's SPIFFE identities as the only
 * acceptable server names. Sent whatever the destination's mode: STRICT and
 * PERMISSIVE servers both accept mTLS.
 */
function upstreamTls(settings: MeshSettings, service: ServiceEntry, port: number, protocol: Protocol): JsonObject {
  const sans = service.serviceAccounts.map((sa) => ({ san_type: 'URI', matcher: { exact: spiffeId(settings, service.service.namespace, sa) } }));
  return {
    name: FilterName.Tls,
    typed_config: {
      '@type': ExtensionTypeUrl.UpstreamTlsContext,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds(SDS_CERT)],
        combined_validation_context: {
          default_validation_context: sans.length > 0 ? { match_typed_subject_alt_names: sans } : {},
          validation_context_sds_secret_config: sds(SDS_ROOT),
        },
        // HTTP/2 clusters offer h2 by ALPN (Istio's in-mesh h2 list), so the server side picks its HTTP/2 codec.
        ...(isHttp2(protocol) ? { alpn_protocols: ['istio', 'h2'] } : {}),
      },
      sni: `outbound_.${port}_._.${service.fqdn}`,
    },
  };
}

export function outboundClusterResource(settings: MeshSettings, service: ServiceEntry, port: ServicePort): JsonObject {
  const name = outboundCluster(port.port, service.fqdn);
  const options = protocolOptions(port.protocol);
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS, service_name: name },
    connect_timeout: CONNECT_TIMEOUT,
    transport_socket: upstreamTls(settings, service, port.port, port.protocol),
    ...(options !== undefined ? { typed_extension_protocol_options: options } : {}),
  };
}

/** Ready instances of the Service, at the port each listens on (a WorkloadEntry may override it by port name). */
export function loadAssignment(service: ServiceEntry, port: ServicePort): JsonObject {
  const name = outboundCluster(port.port, service.fqdn);
  const endpoints: { address: string; port: number; weight: number }[] = [];
  for (const inst of service.instances) {
    if (!inst.ready) continue;
    const override = port.name !== undefined ? inst.ports?.[port.name] : undefined;
    endpoints.push({ address: inst.address, port: override ?? port.targetPort, weight: inst.weight ?? 1 });
  }
  endpoints.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  if (endpoints.length === 0) return { cluster_name: name };
  return {
    cluster_name: name,
    endpoints: [
      {
        lb_endpoints: endpoints.map((e) => ({
          endpoint: { address: socketAddress(e.address, e.port) },
          ...(e.weight !== 1 ? { load_balancing_weight: e.weight } : {}),
        })),
      },
    ],
  };
}

export function inboundClusterResource(port: number, protocol: Protocol): JsonObject {
  const name = inboundCluster(port);
  const options = protocolOptions(protocol);
  return {
    name,
    type: 'STATIC',
    connect_timeout: CONNECT_TIMEOUT,
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', port) } }] }],
    },
    ...(options !== undefined ? { typed_extension_protocol_options: options } : {}),
  };
}

export const passthroughCluster: JsonObject = {
  name: PASSTHROUGH_CLUSTER,
  type: 'ORIGINAL_DST',
  connect_timeout: CONNECT_TIMEOUT,
  lb_policy: 'CLUSTER_PROVIDED',
};

export const blackholeCluster: JsonObject = { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: CONNECT_TIMEOUT };

// ---- listeners ----------------------------------------------------------------

const tcpProxy = (statPrefix: string, cluster: string): JsonObject => ({
  name: FilterName.TcpProxy,
  typed_config: { '@type': ExtensionTypeUrl.TcpProxy, stat_prefix: statPrefix, cluster },
});

const httpFilter = (name: string, typeUrl: string): EnvoyFilter => ({ name, typed_config: { '@type': typeUrl } });

/**
 * Outbound: on-demand virtual hosts first (a proxy taking the route
 * configuration over VHDS on a delta stream asks for an authority's virtual
 * host the first time it sees it, and the request waits for the answer; the
 * same listener on a state-of-the-world stream, whose route configuration
 * comes whole without `vhds`, leaves the filter idle, as Envoy does); fault
 * and CORS act on per-route config; the router last.
 */
const OUTBOUND_HTTP_FILTERS: readonly EnvoyFilter[] = [
  httpFilter(FilterName.OnDemand, ExtensionTypeUrl.OnDemand),
  httpFilter(FilterName.Fault, ExtensionTypeUrl.Fault),
  httpFilter(FilterName.Cors, ExtensionTypeUrl.Cors),
  httpFilter(FilterName.Router, ExtensionTypeUrl.Router),
];

export function virtualOutboundListener(unknownHostCluster: string): JsonObject {
  return {
    name: VIRTUAL_OUTBOUND,
    address: socketAddress('0.0.0.0', OUTBOUND_PORT),
    filter_chains: [{ name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy(unknownHostCluster, unknownHostCluster)] }],
    use_original_dst: true,
    traffic_direction: 'OUTBOUND',
  };
}

export interface TcpTarget {
  readonly clusterIP: string;
  readonly cluster: string;
}

/**
 * The outbound listener of one port (not bound: virtualOutbound hands
 * connections to it by original destination). HTTP Services on the port share
 * one HTTP connection manager whose routes come by RDS (route configuration
 * named by the port); each TCP Service gets a filter chain matched on its
 * ClusterIP. Connections matching nothing go to `unknownHostCluster`.
 */
export function outboundPortListener(port: number, http: boolean, tcp: readonly TcpTarget[], unknownHostCluster: string): JsonObject {
  const name = outboundListener(port);
  const chains: JsonObject[] = tcp.map((t) => ({
    filter_chain_match: { prefix_ranges: [{ address_prefix: t.clusterIP, prefix_len: t.clusterIP.includes(':') ? 128 : 32 }] },
    filters: [tcpProxy(t.cluster, t.cluster)],
  }));
  const listener: Record<string, JsonValue> = { name, address: socketAddress('0.0.0.0', port) };
  const hcmChain = {
    filters: [
      {
        name: FilterName.HttpConnectionManager,
        typed_config: {
          '@type': ExtensionTypeUrl.HttpConnectionManager,
          stat_prefix: `outbound_0.0.0.0_${port}`,
          rds: { config_source: ADS, route_config_name: routeConfigName(port) },
          http_filters: OUTBOUND_HTTP_FILTERS as unknown as JsonValue,
        },
      },
    ],
  };
  if (http) {
    // HTTP is the port's default when TCP Services also use it.
    if (chains.length > 0) {
      listener['filter_chains'] = chains;
      listener['default_filter_chain'] = hcmChain;
    } else listener['filter_chains'] = [hcmChain];
  } else {
    listener['filter_chains'] = chains;
    listener['default_filter_chain'] = { filters: [tcpProxy(unknownHostCluster, unknownHostCluster)] };
  }
  listener['bind_to_port'] = false;
  listener['traffic_direction'] = 'OUTBOUND';
  return listener;
}

export interface InboundPort {
  /** The port the workload listens on. */
  readonly port: number;
  readonly protocol: Protocol;
}

/** The server side of mesh mTLS; HTTP chains offer h2 and http/1.1 by ALPN (as Istio's inbound HTTP chains), TCP chains nothing. */
const downstreamTls = (http: boolean): JsonObject => ({
  name: FilterName.Tls,
  typed_config: {
    '@type': ExtensionTypeUrl.DownstreamTlsContext,
    common_tls_context: {
      tls_certificate_sds_secret_configs: [sds(SDS_CERT)],
      combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sds(SDS_ROOT) },
      ...(http ? { alpn_protocols: ['h2', 'http/1.1'] } : {}),
    },
    require_client_certificate: true,
  },
});

/** Filters for the workload: HTTP ones (jwt_authn, then RBAC) go in each HTTP connection manager, network ones (RBAC) before tcp_proxy. */
export interface InboundAuthz {
  readonly httpFilters: readonly EnvoyFilter[];
  readonly networkFilters: readonly EnvoyFilter[];
}

function inboundFilters(p: InboundPort, authz: InboundAuthz): JsonObject[] {
  const cluster = inboundCluster(p.port);
  if (!isHttp(p.protocol)) return [...(authz.networkFilters as unknown as JsonObject[]), tcpProxy(cluster, cluster)];
  return [
    {
      name: FilterName.HttpConnectionManager,
      typed_config: {
        '@type': ExtensionTypeUrl.HttpConnectionManager,
        stat_prefix: `inbound_0.0.0.0_${p.port}`,
        route_config: {
          name: cluster,
          virtual_hosts: [
            {
              name: `inbound|http|${p.port}`,
              domains: ['*'],
              routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '0s', max_stream_duration: { grpc_timeout_header_max: '0s' } } }],
            },
          ],
        },
        // Authentication and authorization first, then fault, then the router, as in Istio's inbound chain.
        http_filters: [
          ...authz.httpFilters,
          httpFilter(FilterName.Fault, ExtensionTypeUrl.Fault),
          httpFilter(FilterName.Router, ExtensionTypeUrl.Router),
        ] as unknown as JsonValue,
      },
    },
  ];
}

/**
 * virtualInbound: one mTLS filter chain per port the workload serves, plus a
 * plaintext one when the workload's mode is PERMISSIVE; other ports go to the
 * original destination when PERMISSIVE and nowhere when STRICT.
 */
export function virtualInboundListener(ports: readonly InboundPort[], mode: MtlsMode, authz: InboundAuthz): JsonObject {
  const chains: JsonObject[] = [];
  for (const p of ports) {
    const filters = inboundFilters(p, authz);
    chains.push({
      name: `inbound|${p.port}|mtls`,
      filter_chain_match: { destination_port: p.port, transport_protocol: 'tls' },
      filters,
      transport_socket: downstreamTls(isHttp(p.protocol)),
    });
    if (mode === 'PERMISSIVE') {
      chains.push({
        name: `inbound|${p.port}|plaintext`,
        filter_chain_match: { destination_port: p.port, transport_protocol: 'raw_buffer' },
        filters,
      });
    }
  }
  const fallback = mode === 'PERMISSIVE' ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER;
  return {
    name: VIRTUAL_INBOUND,
    address: socketAddress('0.0.0.0', INBOUND_PORT),
    ...(chains.length > 0 ? { filter_chains: chains } : {}),
    listener_filters: [
      { name: FilterName.OriginalDst, typed_config: { '@type': ExtensionTypeUrl.OriginalDst } },
      { name: FilterName.TlsInspector, typed_config: { '@type': ExtensionTypeUrl.TlsInspector } },
    ],
    traffic_direction: 'INBOUND',
    default_filter_chain: { name: 'inbound-default', filters: [tcpProxy(fallback, fallback)] },
  };
}

export { outboundCluster };
