// An Envoy v3 bootstrap (YAML or JSON) → what the proxy starts with: node
// identity, static listeners and clusters, the ADS source, the admin
// address. The subset implemented is documented in docs/proxy.md; anything
// outside it is refused with the field path.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { TypeUrl } from '../../xds/types.ts';
import { at, fail, fields, idx, int, isObject, list, str, ConfigError } from '../config/read.ts';
import type { AdsBootstrap, NodeIdentity } from '../config/sink.ts';

export interface Bootstrap {
  readonly node: NodeIdentity;
  readonly listeners: readonly unknown[];
  readonly clusters: readonly unknown[];
  /** static_resources.secrets: named Secrets (certificates, trust bundles) the static TLS contexts reference by SDS name. */
  readonly secrets?: readonly unknown[];
  readonly ads: AdsBootstrap | undefined;
  readonly admin: { readonly address: string; readonly port: number } | undefined;
}

export class BootstrapError extends Error {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${detail}`, options);
    this.name = 'BootstrapError';
  }
}

export function loadBootstrap(file: string): Bootstrap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BootstrapError(file, `cannot read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new BootstrapError(file, `not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    return parseBootstrap(doc);
  } catch (e) {
    if (e instanceof ConfigError) throw new BootstrapError(file, e.message, { cause: e });
    throw e;
  }
}

const ADS_TYPES = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration];

export function parseBootstrap(doc: unknown): Bootstrap {
  const f = fields(doc, '', {
    what: 'bootstrap',
    known: ['node', 'static_resources', 'dynamic_resources', 'admin'],
    ignored: ['layered_runtime', 'stats_config', 'stats_sinks', 'cluster_manager', 'overload_manager', 'stats_flush_interval', 'tracing', 'watchdogs'],
  });
  const nf = fields(f['node'] ?? {}, 'node', { what: 'node', known: ['id', 'cluster', 'metadata'], ignored: ['locality', 'user_agent_name', 'user_agent_version'] });
  const node: NodeIdentity = Object.freeze({
    id: str(nf['id'], 'node.id', ''),
    cluster: str(nf['cluster'], 'node.cluster', ''),
    metadata: isObject(nf['metadata']) ? nf['metadata'] : {},
  });
  let listeners: readonly unknown[] = [];
  let clusters: readonly unknown[] = [];
  let secrets: readonly unknown[] = [];
  if (f['static_resources'] !== undefined) {
    const s = fields(f['static_resources'], 'static_resources', { what: 'static resources', known: ['listeners', 'clusters', 'secrets'] });
    listeners = list(s['listeners'], 'static_resources.listeners');
    clusters = list(s['clusters'], 'static_resources.clusters');
    secrets = list(s['secrets'], 'static_resources.secrets');
  }
  let ads: AdsBootstrap | undefined;
  if (f['dynamic_resources'] !== undefined) {
    const d = fields(f['dynamic_resources'], 'dynamic_resources', { what: 'dynamic resources', known: ['ads_config', 'lds_config', 'cds_config'] });
    for (const k of ['lds_config', 'cds_config']) {
      if (d[k] === undefined) continue;
      const src = fields(d[k], at('dynamic_resources', k), { what: 'config source', known: ['ads', 'resource_api_version'], ignored: ['initial_fetch_timeout'] });
      if (src['ads'] === undefined) fail(at('dynamic_resources', k), 'only ADS is supported as a config source');
    }
    if (d['ads_config'] === undefined) fail('dynamic_resources.ads_config', 'dynamic resources need ads_config');
    const ap = 'dynamic_resources.ads_config';
    const a = fields(d['ads_config'], ap, {
      what: 'ADS config',
      known: ['api_type', 'transport_api_version', 'grpc_services'],
      ignored: ['set_node_on_first_message_only', 'rate_limit_settings'],
    });
    const apiType = str(a['api_type'], at(ap, 'api_type'), 'GRPC');
    if (apiType !== 'GRPC' && apiType !== 'DELTA_GRPC') fail(at(ap, 'api_type'), `ADS api_type ${apiType} is not supported (GRPC, DELTA_GRPC)`);
    const services = list(a['grpc_services'], at(ap, 'grpc_services'));
    if (services.length !== 1) fail(at(ap, 'grpc_services'), 'exactly one gRPC service is supported');
    const gp = idx(at(ap, 'grpc_services'), 0);
    const g = fields(services[0], gp, { what: 'gRPC service', known: ['envoy_grpc'], ignored: ['timeout', 'initial_metadata'] });
    if (g['envoy_grpc'] === undefined) fail(gp, 'only envoy_grpc (a static cluster) is supported, not google_grpc');
    const eg = fields(g['envoy_grpc'], at(gp, 'envoy_grpc'), { what: 'envoy gRPC', known: ['cluster_name'], ignored: ['authority'] });
    const clusterName = str(eg['cluster_name'], at(gp, 'envoy_grpc.cluster_name'));
    const idxOf = clusters.findIndex((c) => isObject(c) && c['name'] === clusterName);
    if (idxOf < 0) fail(at(gp, 'envoy_grpc.cluster_name'), `no static cluster named ${JSON.stringify(clusterName)}`);
    ads = Object.freeze({ apiType: apiType as AdsBootstrap['apiType'], clusterName, address: firstEndpoint(clusters[idxOf]), types: Object.freeze([...ADS_TYPES]) });
  }
  let admin: Bootstrap['admin'];
  if (f['admin'] !== undefined) {
    const a = fields(f['admin'], 'admin', { what: 'admin', known: ['address'], ignored: ['access_log', 'access_log_path', 'profile_path', 'socket_options', 'ignore_global_conn_limit'] });
    if (a['address'] !== undefined) {
      const ad = fields(a['address'], 'admin.address', { what: 'address', known: ['socket_address'] });
      const sa = fields(ad['socket_address'], 'admin.address.socket_address', { what: 'socket address', known: ['address', 'port_value'], ignored: ['protocol'] });
      admin = { address: str(sa['address'], 'admin.address.socket_address.address'), port: int(sa['port_value'], 'admin.address.socket_address.port_value', 0, 0, 65535) };
    }
  }
  return Object.freeze({ node, listeners: Object.freeze(listeners), clusters: Object.freeze(clusters), secrets: Object.freeze(secrets), ads, admin });
}

/** Where a Secret holds data sources (Envoy's DataSource): certificate, key, trusted CAs. */
const SECRET_DATA_SOURCES: readonly (readonly [string, string])[] = [
  ['tls_certificate', 'certificate_chain'],
  ['tls_certificate', 'private_key'],
  ['validation_context', 'trusted_ca'],
];

/**
 * Static Secrets with `filename` data sources, read once at start-up into
 * `inline_string` (the proxy's Secret parser reads inline data only, so what
 * the mesh delivers and what a file holds are checked the same way). A
 * changed file takes effect at the next start. `read` is the file system at
 * the edge; a failure names the field and the file.
 */
export function readSecretFiles(secrets: readonly unknown[], read: (file: string) => string): readonly unknown[] {
  return secrets.map((secret, i) => {
    if (!isObject(secret)) return secret;
    let out: Record<string, unknown> = secret;
    for (const [part, key] of SECRET_DATA_SOURCES) {
      const holder = out[part];
      if (!isObject(holder)) continue;
      const ds = holder[key];
      if (!isObject(ds) || typeof ds['filename'] !== 'string') continue;
      const file = ds['filename'];
      const path = `static_resources.secrets[${i}].${part}.${key}.filename`;
      let text: string;
      try {
        text = read(file);
      } catch (e) {
        const code = e instanceof Error && 'code' in e ? e.code : undefined;
        return fail(path, `${file}: ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
      }
      const { filename: _, ...rest } = ds;
      out = { ...out, [part]: { ...holder, [key]: { ...rest, inline_string: text } } };
    }
    return out;
  });
}

function firstEndpoint(cluster: unknown): { host: string; port: number } | undefined {
  if (!isObject(cluster)) return undefined;
  const la = cluster['load_assignment'];
  const eps = isObject(la) && Array.isArray(la['endpoints']) ? la['endpoints'] : [];
  const first = isObject(eps[0]) && Array.isArray(eps[0]['lb_endpoints']) ? eps[0]['lb_endpoints'][0] : undefined;
  const sa = isObject(first) && isObject(first['endpoint']) && isObject(first['endpoint']['address']) ? first['endpoint']['address']['socket_address'] : undefined;
  if (!isObject(sa) || typeof sa['address'] !== 'string') return undefined;
  return { host: sa['address'], port: typeof sa['port_value'] === 'number' ? sa['port_value'] : 0 };
}
