// Listener resources → frozen listener configs: address, filter chains with
// their match (destination port, destination prefix, transport protocol) and
// what each carries (an HTTP connection manager or a TCP proxy, optionally
// behind network RBAC).

import { at, bool, durationMs, fail, fields, idx, int, isObject, list, str, uint } from '../config/read.ts';
import { HCM_TYPE_URL, parseHcm, type HcmConfig, type HcmParseOptions } from '../http/hcm-config.ts';
import { rbacFilterFromNetworkFilter, RbacConfigError, type RbacFilter } from '../http/rbac/index.ts';
import { cidrRange, inRange } from '../http/rbac/ip.ts';
import { DOWNSTREAM_TLS, parseDownstreamTls, type DownstreamTlsConfig } from '../tls/config.ts';

const TCP_PROXY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const NETWORK_RBAC_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';
const LISTENER_FILTERS: Readonly<Record<string, string>> = {
  'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst': 'original_dst',
  'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector': 'tls_inspector',
  'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector': 'http_inspector',
};

export interface TcpProxyConfig {
  readonly cluster: string;
  readonly idleTimeoutMs: number;
}

export type ChainAction = { readonly kind: 'http'; readonly hcm: HcmConfig } | { readonly kind: 'tcp'; readonly tcp: TcpProxyConfig };

export interface FilterChainConfig {
  readonly name: string;
  readonly destinationPort: number | undefined;
  /** Destination prefix ranges as matchers; empty: any. */
  readonly prefixRanges: readonly ((ip: string) => boolean)[];
  readonly transportProtocol: 'tls' | 'raw_buffer' | undefined;
  /** The chain terminates TLS with this context; undefined: plaintext (also a TLS chain served in plaintext with --plaintext-for-tls). */
  readonly tls: DownstreamTlsConfig | undefined;
  readonly networkRbac: readonly RbacFilter[];
  readonly action: ChainAction;
}

export interface ListenerConfig {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly bindToPort: boolean;
  readonly useOriginalDst: boolean;
  readonly direction: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
  readonly chains: readonly FilterChainConfig[];
  readonly defaultChain: FilterChainConfig | undefined;
  /** Some chain matches on destination prefix ranges (the chain cannot be cached per port). */
  readonly hasPrefixRanges: boolean;
  /** Some chain matches on transport_protocol: the first bytes tell TLS from plaintext (tls_inspector). */
  readonly inspectsTransport: boolean;
  /** Every chain requires TLS (STRICT mTLS): plaintext connections are refused, except on a port no chain names. */
  readonly tlsOnly: boolean;
  readonly source: unknown;
}

export interface ListenerParseOptions extends HcmParseOptions {
  /** Accept TLS filter chains and serve them in plaintext (local development without certificates). */
  readonly plaintextForTls: boolean;
}

function parseTcpProxy(value: unknown, path: string): TcpProxyConfig {
  const f = fields(value, path, {
    what: 'TCP proxy',
    known: ['stat_prefix', 'cluster', 'idle_timeout'],
    ignored: ['access_log', 'max_connect_attempts', 'metadata_match'],
  });
  return Object.freeze({ cluster: str(f['cluster'], at(path, 'cluster')), idleTimeoutMs: durationMs(f['idle_timeout'], at(path, 'idle_timeout'), 3_600_000) });
}

function parseChain(value: unknown, path: string, opts: ListenerParseOptions): FilterChainConfig {
  const f = fields(value, path, { what: 'filter chain', known: ['name', 'filter_chain_match', 'filters', 'transport_socket'], ignored: ['metadata'] });
  let destinationPort: number | undefined;
  let transportProtocol: FilterChainConfig['transportProtocol'];
  const prefixRanges: ((ip: string) => boolean)[] = [];
  if (f['filter_chain_match'] !== undefined) {
    const mp = at(path, 'filter_chain_match');
    const m = fields(f['filter_chain_match'], mp, { what: 'filter chain match', known: ['destination_port', 'prefix_ranges', 'transport_protocol', 'application_protocols'] });
    if (m['destination_port'] !== undefined) destinationPort = int(m['destination_port'], at(mp, 'destination_port'), 0, 1, 65535);
    list(m['prefix_ranges'], at(mp, 'prefix_ranges')).forEach((r, i) => {
      const rp = idx(at(mp, 'prefix_ranges'), i);
      const rf = fields(r, rp, { what: 'CIDR range', known: ['address_prefix', 'prefix_len'] });
      const range = cidrRange(str(rf['address_prefix'], at(rp, 'address_prefix')), uint(rf['prefix_len'], at(rp, 'prefix_len'), 32));
      if (typeof range === 'string') fail(rp, range);
      else prefixRanges.push((ip) => inRange(range, ip));
    });
    if (m['transport_protocol'] !== undefined) {
      const t = str(m['transport_protocol'], at(mp, 'transport_protocol'));
      if (t !== 'tls' && t !== 'raw_buffer') fail(at(mp, 'transport_protocol'), `transport protocol ${t} is not supported`);
      transportProtocol = t as 'tls' | 'raw_buffer';
    }
    if (list(m['application_protocols'], at(mp, 'application_protocols')).length > 0) fail(at(mp, 'application_protocols'), 'matching filter chains on ALPN is not supported yet (the TLS context\'s alpn_protocols are)');
  }
  let tls: DownstreamTlsConfig | undefined;
  if (f['transport_socket'] !== undefined) {
    const tp = at(path, 'transport_socket');
    const ts = fields(f['transport_socket'], tp, { what: 'transport socket', known: ['name', 'typed_config'] });
    const t = isObject(ts['typed_config']) ? ts['typed_config']['@type'] : undefined;
    if (t !== DOWNSTREAM_TLS) fail(tp, `transport socket ${String(t)} is not supported`);
    // Checked even when served in plaintext, so a config that works in development also works with certificates.
    const parsed = parseDownstreamTls(ts['typed_config'], at(tp, 'typed_config'));
    if (!opts.plaintextForTls) tls = parsed;
  }
  const networkRbac: RbacFilter[] = [];
  let action: ChainAction | undefined;
  const filters = list(f['filters'], at(path, 'filters'));
  filters.forEach((flt, i) => {
    const fp = idx(at(path, 'filters'), i);
    const ff = fields(flt, fp, { what: 'network filter', known: ['name', 'typed_config'] });
    const tc = ff['typed_config'];
    const t = isObject(tc) ? tc['@type'] : undefined;
    if (action !== undefined) fail(fp, 'no network filter may follow http_connection_manager or tcp_proxy');
    if (t === HCM_TYPE_URL) action = { kind: 'http', hcm: parseHcm(tc, at(fp, 'typed_config'), opts) };
    else if (t === TCP_PROXY_TYPE_URL) action = { kind: 'tcp', tcp: parseTcpProxy(tc, at(fp, 'typed_config')) };
    else if (t === NETWORK_RBAC_TYPE_URL) {
      try {
        networkRbac.push(rbacFilterFromNetworkFilter(flt, fp));
      } catch (e) {
        if (e instanceof RbacConfigError) fail(e.path === '' ? fp : e.path, e.message.slice(e.path === '' ? 0 : e.path.length + 2));
        throw e;
      }
    } else fail(at(fp, 'typed_config'), `network filter ${String(ff['name'])} (${String(t)}) is not supported (supported: http_connection_manager, tcp_proxy, network rbac)`);
  });
  if (action === undefined) return fail(at(path, 'filters'), 'a filter chain needs an http_connection_manager or a tcp_proxy as its last filter');
  return Object.freeze({
    name: str(f['name'], at(path, 'name'), ''),
    destinationPort,
    prefixRanges: Object.freeze(prefixRanges),
    transportProtocol,
    tls,
    networkRbac: Object.freeze(networkRbac),
    action,
  });
}

export function parseListener(value: unknown, path: string, opts: ListenerParseOptions): ListenerConfig {
  const f = fields(value, path, {
    what: 'listener',
    known: ['name', 'address', 'filter_chains', 'default_filter_chain', 'use_original_dst', 'bind_to_port', 'listener_filters', 'traffic_direction'],
    ignored: ['stat_prefix', 'metadata', 'per_connection_buffer_limit_bytes', 'continue_on_listener_filters_timeout', 'listener_filters_timeout', 'drain_type', 'access_log'],
  });
  const name = str(f['name'], at(path, 'name'));
  const ap = at(path, 'address');
  const a = fields(f['address'], ap, { what: 'address', known: ['socket_address'] });
  const sa = fields(a['socket_address'], at(ap, 'socket_address'), { what: 'socket address', known: ['address', 'port_value', 'protocol'], ignored: ['ipv4_compat'] });
  if ((sa['protocol'] ?? 'TCP') !== 'TCP') fail(at(ap, 'socket_address.protocol'), 'only TCP listeners are supported');
  list(f['listener_filters'], at(path, 'listener_filters')).forEach((lf, i) => {
    const lp = idx(at(path, 'listener_filters'), i);
    const lff = fields(lf, lp, { what: 'listener filter', known: ['name', 'typed_config'] });
    const t = isObject(lff['typed_config']) ? lff['typed_config']['@type'] : undefined;
    if (typeof t !== 'string' || LISTENER_FILTERS[t] === undefined) fail(lp, `listener filter ${String(lff['name'])} is not supported (original_dst, tls_inspector, http_inspector)`);
  });
  const chains = list(f['filter_chains'], at(path, 'filter_chains')).map((c, i) => parseChain(c, idx(at(path, 'filter_chains'), i), opts));
  const defaultChain = f['default_filter_chain'] !== undefined ? parseChain(f['default_filter_chain'], at(path, 'default_filter_chain'), opts) : undefined;
  if (chains.length === 0 && defaultChain === undefined) fail(at(path, 'filter_chains'), 'a listener needs at least one filter chain');
  const dir = str(f['traffic_direction'], at(path, 'traffic_direction'), 'UNSPECIFIED');
  return Object.freeze({
    name,
    address: str(sa['address'], at(ap, 'socket_address.address')),
    port: int(sa['port_value'], at(ap, 'socket_address.port_value'), 0, 0, 65535),
    bindToPort: bool(f['bind_to_port'], at(path, 'bind_to_port'), true),
    useOriginalDst: bool(f['use_original_dst'], at(path, 'use_original_dst')),
    direction: dir === 'INBOUND' || dir === 'OUTBOUND' ? dir : 'UNSPECIFIED',
    chains: Object.freeze(chains),
    defaultChain,
    hasPrefixRanges: chains.some((c) => c.prefixRanges.length > 0),
    inspectsTransport: chains.some((c) => c.transportProtocol !== undefined),
    tlsOnly: !opts.plaintextForTls && chains.length > 0 && chains.every((c) => c.tls !== undefined),
    source: value,
  });
}

/**
 * Envoy's filter chain selection, for the criteria this proxy implements, in
 * Envoy's order: destination port (a chain naming the port beats one naming
 * none), then destination IP prefix, then transport protocol.
 */
export type Transport = 'tls' | 'raw_buffer';

/** A chain can take a connection of this transport (with --plaintext-for-tls, TLS chains take plaintext). */
export const acceptsTransport = (c: FilterChainConfig, transport: Transport, plaintextForTls: boolean): boolean =>
  c.transportProtocol === undefined || c.transportProtocol === transport || (plaintextForTls && c.transportProtocol === 'tls');

export function selectChain(l: ListenerConfig, destPort: number, destIp: string, transport: Transport, plaintextForTls: boolean): FilterChainConfig | undefined {
  let best: FilterChainConfig | undefined;
  let bestScore = -1;
  for (const c of l.chains) {
    if (c.destinationPort !== undefined && c.destinationPort !== destPort) continue;
    if (c.prefixRanges.length > 0 && !c.prefixRanges.some((m) => m(destIp))) continue;
    let tScore = 1;
    if (c.transportProtocol !== undefined) {
      if (c.transportProtocol === transport) tScore = 2;
      else if (plaintextForTls && c.transportProtocol === 'tls') tScore = 0;
      else continue;
    }
    const score = (c.destinationPort !== undefined ? 100 : 0) + (c.prefixRanges.length > 0 ? 10 : 0) + tScore;
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best ?? l.defaultChain;
}
