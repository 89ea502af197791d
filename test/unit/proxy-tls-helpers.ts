// Helpers for the mTLS tests: workload identities from a real mesh CA (as the
// `default` and `ROOTCA` SDS Secrets), and listener and cluster resources in
// the shape the compiler emits (virtualInbound with mTLS and plaintext chains,
// outbound clusters with an UpstreamTlsContext naming the destination's
// SPIFFE IDs).

import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { issueWorkloadCert, trustBundlePem, type MeshCa } from '../../operator/ca/authority.ts';
import { certificateSecret, trustBundleSecret } from '../../proxy/identity/secrets.ts';
import type { SinkResource } from '../../proxy/index.ts';
import { HCM, ROUTER } from './proxy-helpers.ts';

export const TD = 'cluster.local';
export const spiffe = (ns: string, sa: string): string => `spiffe://${TD}/ns/${ns}/sa/${sa}`;

export interface Identity {
  readonly key: string;
  /** Leaf + intermediate. */
  readonly cert: string;
  readonly ca: string;
  readonly serial: string;
  /** `default` and `ROOTCA` for the config sink. */
  readonly secrets: SinkResource[];
}

/** A workload certificate from `ca` for ns/sa (issued at `now`, for `lifetimeMs`). */
export async function identity(ca: MeshCa, ns: string, sa: string, opts: { now?: Date; lifetimeMs?: number; bundle?: string } = {}): Promise<Identity> {
  const { csrPem, keyPem } = await createWorkloadCsr(spiffe(ns, sa));
  const c = await issueWorkloadCert(ca, { csr: csrPem, identity: { namespace: ns, serviceAccount: sa }, now: opts.now ?? new Date(), ...(opts.lifetimeMs !== undefined ? { lifetimeMs: opts.lifetimeMs } : {}) });
  const cert = c.certPem + c.chainPem;
  const bundle = opts.bundle ?? trustBundlePem(ca);
  return { key: keyPem, cert, ca: bundle, serial: c.serialNumber, secrets: [certificateSecret(cert, keyPem), trustBundleSecret(bundle)] };
}

const sds = (name: string): Record<string, unknown> => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });

export const downstreamTls = {
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    common_tls_context: {
      tls_certificate_sds_secret_configs: [sds('default')],
      combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sds('ROOTCA') },
    },
    require_client_certificate: true,
  },
};

export const upstreamTls = (sans: readonly string[], sni: string, alpn: readonly string[] = []): Record<string, unknown> => ({
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    common_tls_context: {
      tls_certificate_sds_secret_configs: [sds('default')],
      combined_validation_context: {
        default_validation_context: { match_typed_subject_alt_names: sans.map((s) => ({ san_type: 'URI', matcher: { exact: s } })) },
        validation_context_sds_secret_config: sds('ROOTCA'),
      },
      ...(alpn.length > 0 ? { alpn_protocols: alpn } : {}),
    },
    sni,
  },
});

/** Envoy's RBAC HTTP filter allowing only these SPIFFE principals (what compileAuthz writes for an ALLOW policy on principals). */
export const allowPrincipals = (principals: readonly string[]): Record<string, unknown> => ({
  name: 'envoy.filters.http.rbac',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
    rules: {
      action: 'ALLOW',
      policies: {
        'ns[b]-policy[allow-a]-rule[0]': {
          permissions: [{ and_rules: { rules: [{ any: true }] } }],
          principals: [{ and_ids: { ids: [{ or_ids: { ids: principals.map((p) => ({ authenticated: { principal_name: { exact: p } } })) } }] } }],
        },
      },
    },
  },
});

/** virtualInbound as compiled: per port an mTLS chain and, when PERMISSIVE, a plaintext one; other ports blackholed (STRICT) or passed through. */
export function inboundListener(port: number, mode: 'STRICT' | 'PERMISSIVE', httpFilters: unknown[] = []): Record<string, unknown> {
  const cluster = `inbound|${port}||`;
  const filters = [
    {
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': HCM,
        stat_prefix: `inbound_0.0.0.0_${port}`,
        route_config: { name: cluster, virtual_hosts: [{ name: `inbound|http|${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '0s' } }] }] },
        http_filters: [...httpFilters, ROUTER],
      },
    },
  ];
  const chains: Record<string, unknown>[] = [{ name: `inbound|${port}|mtls`, filter_chain_match: { destination_port: port, transport_protocol: 'tls' }, filters, transport_socket: downstreamTls }];
  if (mode === 'PERMISSIVE') chains.push({ name: `inbound|${port}|plaintext`, filter_chain_match: { destination_port: port, transport_protocol: 'raw_buffer' }, filters });
  return {
    name: 'virtualInbound',
    address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
    filter_chains: chains,
    listener_filters: [
      { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst' } },
      { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } },
    ],
    traffic_direction: 'INBOUND',
    default_filter_chain: {
      name: 'inbound-default',
      filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'x', cluster: mode === 'STRICT' ? 'BlackHoleCluster' : 'PassthroughCluster' } }],
    },
  };
}

/** A STATIC cluster to 127.0.0.1 ports, optionally with a transport socket. */
export const staticCluster = (name: string, ports: readonly number[], transport?: Record<string, unknown>): Record<string, unknown> => ({
  name,
  type: 'STATIC',
  connect_timeout: '1s',
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }] },
  ...(transport !== undefined ? { transport_socket: transport } : {}),
});

/** An outbound HTTP listener sending everything to one cluster. */
export const outboundListener = (name: string, cluster: string): Record<string, unknown> => ({
  name,
  address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            stat_prefix: name,
            route_config: { name, virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: '5s' } }] }] },
            http_filters: [ROUTER],
          },
        },
      ],
    },
  ],
});
