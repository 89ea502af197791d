// An Envoy v3 bootstrap for a sidecar on delta ADS, as `weft up` writes one:
// the node, ADS for listeners and clusters, and the `xds-grpc` cluster on
// loopback. Tests and benches add what they need (admin, overrides) to it.

export interface SidecarNode {
  readonly id: string;
  readonly cluster: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export function deltaAdsBootstrap(node: SidecarNode, xdsPort: number): Record<string, unknown> {
  return {
    node: { id: node.id, cluster: node.cluster, metadata: { ...node.metadata } },
    dynamic_resources: {
      ads_config: { api_type: 'DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      lds_config: { ads: {} },
      cds_config: { ads: {} },
    },
    static_resources: {
      clusters: [
        {
          name: 'xds-grpc',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
        },
      ],
    },
  };
}
