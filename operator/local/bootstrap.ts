// The Envoy v3 bootstrap of a sidecar that `weft up` runs: the node, delta
// ADS for listeners and clusters, and the `xds-grpc` cluster on loopback.
// Callers add what they need (admin, overrides); tests and benches use the
// same one.

export interface SidecarNode {
  readonly id: string;
  readonly cluster: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export function deltaAdsBootstrap(node: SidecarNode, xdsPort: number): Record<string, unknown> {
  return {
    node: { id: node.id, cluster: node.cluster, metadata: { ...node.metadata } },
    dynamic_resources: {
      // Incremental: an edit sends each proxy the virtual hosts it changed (VHDS), not whole route configurations.
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
