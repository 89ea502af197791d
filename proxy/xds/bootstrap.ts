// Where the ADS client connects, read from an Envoy v3 bootstrap (the parsed
// object; reading the file is the bootstrap loader's job):
//
//   node: { id, cluster, metadata: { NAMESPACE, WORKLOAD_NAME, ... } }
//   dynamic_resources:
//     ads_config:
//       api_type: GRPC | DELTA_GRPC
//       transport_api_version: V3
//       grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }]
//     lds_config: { ads: {} }   cds_config: { ads: {} }
//   static_resources:
//     clusters:
//     - name: xds-grpc
//       type: STATIC | STRICT_DNS | LOGICAL_DNS
//       load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address:
//         { socket_address: { address: 127.0.0.1, port_value: 15010 } } } }] }] }
//
// The control plane's address is the first endpoint of the named static
// cluster. Every problem is reported with its field path.

export interface AdsNode {
  readonly id: string;
  readonly cluster?: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface AdsTarget {
  readonly node: AdsNode;
  readonly mode: 'sotw' | 'delta';
  /** The static cluster named by ads_config. */
  readonly clusterName: string;
  readonly host: string;
  readonly port: number;
  /** The cluster has a transport_socket: the caller must supply TLS channel credentials. */
  readonly tls: boolean;
}

export type AdsTargetResult = { readonly ok: true; readonly target: AdsTarget } | { readonly ok: false; readonly errors: readonly string[] };

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ADS server and node from a parsed Envoy bootstrap. `source` names the file in errors. */
export function adsTargetFromBootstrap(bootstrap: unknown, source = 'bootstrap'): AdsTargetResult {
  const errors: string[] = [];
  const err = (path: string, what: string): void => {
    errors.push(`${source}: ${path}: ${what}`);
  };
  if (!isObj(bootstrap)) return { ok: false, errors: [`${source}: not an object`] };

  const node = bootstrap['node'];
  let id = '';
  const metadata: Record<string, string> = {};
  let cluster: string | undefined;
  if (!isObj(node)) err('node', 'missing: set node.id and node.metadata (NAMESPACE, WORKLOAD_NAME)');
  else {
    if (typeof node['id'] !== 'string' || node['id'] === '') err('node.id', 'must be a non-empty string unique to this proxy');
    else id = node['id'];
    if (node['cluster'] !== undefined) {
      if (typeof node['cluster'] !== 'string') err('node.cluster', 'must be a string');
      else cluster = node['cluster'];
    }
    const md = node['metadata'];
    if (md !== undefined && !isObj(md)) err('node.metadata', 'must be an object');
    else if (isObj(md)) {
      for (const k of Object.keys(md)) {
        const v = md[k];
        if (typeof v === 'string') metadata[k] = v;
        else err(`node.metadata.${k}`, 'must be a string (the control plane reads string metadata only)');
      }
    }
  }

  const ads = isObj(bootstrap['dynamic_resources']) ? bootstrap['dynamic_resources']['ads_config'] : undefined;
  let mode: 'sotw' | 'delta' = 'sotw';
  let clusterName = '';
  if (!isObj(ads)) err('dynamic_resources.ads_config', 'missing: the proxy takes its configuration over ADS');
  else {
    const apiType = ads['api_type'];
    if (apiType === 'GRPC') mode = 'sotw';
    else if (apiType === 'DELTA_GRPC') mode = 'delta';
    else err('dynamic_resources.ads_config.api_type', `${JSON.stringify(apiType)} is not supported: use GRPC (state of the world) or DELTA_GRPC (incremental)`);
    const tv = ads['transport_api_version'];
    if (tv !== undefined && tv !== 'V3') err('dynamic_resources.ads_config.transport_api_version', `${JSON.stringify(tv)}: only V3 is spoken`);
    const services = ads['grpc_services'];
    if (!Array.isArray(services) || services.length !== 1) {
      err('dynamic_resources.ads_config.grpc_services', 'must list exactly one service');
    } else {
      const svc: unknown = services[0];
      const eg = isObj(svc) ? svc['envoy_grpc'] : undefined;
      if (!isObj(eg) || typeof eg['cluster_name'] !== 'string' || eg['cluster_name'] === '') {
        err('dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name', 'must name a static cluster (google_grpc is not supported)');
      } else clusterName = eg['cluster_name'];
    }
  }

  let host = '';
  let port = 0;
  let tls = false;
  if (clusterName !== '') {
    const clusters = isObj(bootstrap['static_resources']) ? bootstrap['static_resources']['clusters'] : undefined;
    const list: readonly unknown[] = Array.isArray(clusters) ? clusters : [];
    const index = list.findIndex((c) => isObj(c) && c['name'] === clusterName);
    const c = list[index];
    if (!isObj(c)) err('static_resources.clusters', `no cluster named ${JSON.stringify(clusterName)} (named by dynamic_resources.ads_config)`);
    else {
      const base = `static_resources.clusters[${index}]`;
      tls = c['transport_socket'] !== undefined;
      const la = c['load_assignment'];
      const eps = isObj(la) && Array.isArray(la['endpoints']) ? la['endpoints'] : [];
      const first: unknown = eps[0];
      const lbs = isObj(first) && Array.isArray(first['lb_endpoints']) ? first['lb_endpoints'] : [];
      const lb: unknown = lbs[0];
      const ep = isObj(lb) ? lb['endpoint'] : undefined;
      const addr = isObj(ep) ? ep['address'] : undefined;
      const sa = isObj(addr) ? addr['socket_address'] : undefined;
      const path = `${base}.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address`;
      if (!isObj(sa)) err(path, "missing: the control plane's address");
      else {
        if (typeof sa['address'] !== 'string' || sa['address'] === '') err(`${path}.address`, 'must be a host name or IP address');
        else host = sa['address'];
        const p = sa['port_value'];
        if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) err(`${path}.port_value`, 'must be a port number 1–65535');
        else port = p;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    target: Object.freeze({ node: Object.freeze({ id, metadata: Object.freeze(metadata), ...(cluster !== undefined ? { cluster } : {}) }), mode, clusterName, host, port, tls }),
  };
}
