// The contract between the ADS client (proxy/xds) and the proxy: one call
// per xDS type with the resources of a DiscoveryResponse, decoded to Envoy's
// config_dump JSON shape. The answer is what the client ACKs or NACKs.

/** One resource: its xDS name and the decoded object (config_dump shape, `@type` Anys). */
export interface SinkResource {
  readonly name: string;
  readonly resource: unknown;
}

export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface ConfigSink {
  /**
   * Applies the resources of one type. `removed` absent: state of the world,
   * the list is the whole set of that type. `removed` present (delta xDS):
   * upserts plus the names to remove. `{ok: false}` leaves every earlier
   * config in place; `error` names the resource and field (NACK error_detail).
   */
  apply(typeUrl: string, resources: readonly SinkResource[], removed?: readonly string[]): ApplyResult;
}

/** The node identity a proxy presents to the control plane (from the bootstrap). */
export interface NodeIdentity {
  readonly id: string;
  readonly cluster: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** dynamic_resources.ads_config, as the ADS client needs it. */
export interface AdsBootstrap {
  /** GRPC (state of the world) or DELTA_GRPC. */
  readonly apiType: 'GRPC' | 'DELTA_GRPC';
  /** The static cluster that reaches the control plane (envoy_grpc.cluster_name). */
  readonly clusterName: string;
  /** That cluster's first endpoint, resolved from the bootstrap. */
  readonly address: { readonly host: string; readonly port: number } | undefined;
  /** Resource types to subscribe to, in Envoy's make-before-break order. */
  readonly types: readonly string[];
}

/** Started by the proxy when the bootstrap asks for ADS; implemented in proxy/xds. */
export interface AdsClient {
  close(): Promise<void> | void;
}

export type AdsClientFactory = (ads: AdsBootstrap, node: NodeIdentity, sink: ConfigSink) => AdsClient;

/**
 * On-demand virtual hosts (VHDS with the on_demand filter): what the control
 * plane answered for an authority of a route configuration. `vhost`: route by
 * that virtual host (its name inside the route configuration, and its VHDS
 * resource name); `none`: the control plane has nothing for it (404 NR);
 * `unavailable`: no answer to route by (the control plane is away, the wait
 * ran out, the authority was evicted while waiting, the proxy refused the
 * answer).
 */
export type HostResolution =
  | { readonly kind: 'vhost'; readonly vhost: string; readonly resource: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'unavailable'; readonly reason: UnavailableReason; readonly message: string };

/** Why there is no answer: none in time, the control plane away, evicted while pending, not routed on demand, or the answer refused (NACKed). */
export type UnavailableReason = 'timeout' | 'disconnected' | 'evicted' | 'not_on_demand' | 'rejected';

/** The ADS client's alias map, as the data path uses it. Authorities are as route matching sees them: lower-cased, port kept when sent. */
export interface OnDemandHosts {
  /** The fast path: the held answer for an authority, or undefined when it has none yet. Marks the authority used. */
  lookup(routeConfig: string, authority: string): HostResolution | undefined;
  /** Asks the control plane when needed (one subscription however many wait) and settles with its answer, or `unavailable` at the bound. */
  resolve(routeConfig: string, authority: string): Promise<HostResolution>;
}
