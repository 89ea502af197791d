// Names the compiler gives things, in Istio's conventions so that Envoy and
// Istio users recognise a config dump: cluster `outbound|PORT||FQDN`, listener
// `0.0.0.0_PORT`, route configuration named by port, and so on.

import { formatDuration } from '../../xds/codec.ts';
import type { MeshSettings, Service } from './snapshot.ts';

export const VIRTUAL_OUTBOUND = 'virtualOutbound';
export const VIRTUAL_INBOUND = 'virtualInbound';
export const OUTBOUND_PORT = 15001;
export const INBOUND_PORT = 15006;
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
/** SDS secret names the mesh CA serves: the workload's own certificate and the trust root. */
export const SDS_CERT = 'default';
export const SDS_ROOT = 'ROOTCA';
export const CONNECT_TIMEOUT = '10s';

export const serviceFqdn = (s: { namespace: string; name: string }, settings: MeshSettings): string =>
  `${s.name}.${s.namespace}.svc.${settings.clusterDomain}`;

export const outboundCluster = (port: number, fqdn: string): string => `outbound|${port}||${fqdn}`;
export const inboundCluster = (port: number): string => `inbound|${port}||`;
export const outboundListener = (port: number): string => `0.0.0.0_${port}`;
export const routeConfigName = (port: number): string => String(port);

export const spiffeId = (settings: MeshSettings, namespace: string, serviceAccount: string): string =>
  `spiffe://${settings.trustDomain}/ns/${namespace}/sa/${serviceAccount}`;

/**
 * A host as written in a resource, resolved like Istio resolves it: a short
 * name is relative to the resource's namespace (`reviews` in `shop` is
 * reviews.shop.svc.cluster.local); `name.namespace` and `name.namespace.svc`
 * are completed with the cluster domain; anything longer is taken as an FQDN.
 */
export function resolveHost(host: string, namespace: string, settings: MeshSettings): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  const parts = h.split('.');
  if (parts.length === 1) return `${h}.${namespace}.svc.${settings.clusterDomain}`;
  if (parts.length === 2) return `${h}.svc.${settings.clusterDomain}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${settings.clusterDomain}`;
  return h;
}

/**
 * Every name a client in `clientNamespace` can use for a Service port, Istio's
 * order: FQDN, the short name (only within the Service's own namespace, where
 * Kubernetes DNS resolves it), name.ns, name.ns.svc, the ClusterIP; each bare
 * and with `:port`.
 */
export function serviceDomains(service: Service, port: number, fqdn: string, sameNamespace: boolean): string[] {
  const names = [fqdn];
  if (sameNamespace) names.push(service.name);
  names.push(`${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc`);
  if (service.clusterIP !== undefined && service.clusterIP !== '' && service.clusterIP !== 'None') names.push(service.clusterIP);
  const out: string[] = [];
  for (const n of names) out.push(n, `${n}:${port}`);
  return out;
}

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * A user duration (`250ms`, `1.5s`, `1m30s`; validated by the schema) in the
 * proto3 JSON form the codec and Envoy's config dump use (`0.250s`).
 * Undefined when it does not parse (the validator rejects those).
 */
export function envoyDuration(text: string): string | undefined {
  const re = /([0-9]+)(?:\.([0-9]+))?(ns|us|µs|ms|s|m|h)/gy;
  let total = 0n;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const unit = UNIT_NANOS[m[3] ?? ''];
    if (unit === undefined) return undefined;
    const whole = BigInt(m[1] ?? '0') * unit;
    const fracDigits = m[2] ?? '';
    const frac = fracDigits === '' ? 0n : (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += whole + frac;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0) return undefined;
  return formatDuration(Number(total / 1_000_000_000n), Number(total % 1_000_000_000n));
}

/** Whole seconds of a user duration, rounded down (CORS max-age is in seconds). */
export function durationSeconds(text: string): number | undefined {
  const d = envoyDuration(text);
  if (d === undefined) return undefined;
  return Math.floor(Number(d.slice(0, -1)));
}

/** Selector ⊆ labels. An empty selector selects everything. */
export function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k of Object.keys(selector)) if (labels[k] !== selector[k]) return false;
  return true;
}

/** Visibility of something exported to `exportTo` (absent: everywhere) from `home`, for a client namespace. */
export function exportedTo(exportTo: readonly string[] | undefined, home: string, client: string): boolean {
  if (exportTo === undefined || exportTo.length === 0) return true;
  for (const e of exportTo) {
    if (e === '*' || e === client || (e === '.' && client === home)) return true;
  }
  return false;
}

/** Code-unit string order: the same everywhere, unlike localeCompare. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
