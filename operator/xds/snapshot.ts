// What the xDS server sends a proxy: an immutable, internally consistent set
// of resources per type, each type with a version that is a content hash of
// its encoded bytes (the same content always has the same version, across
// restarts too, so a proxy that reconnects with what it has gets nothing new).
//
// A snapshot is built only through XdsSnapshot.build, which refuses an
// inconsistent set (a route naming a cluster that is not there, an EDS
// cluster without its ClusterLoadAssignment, a listener naming a missing
// RouteConfiguration): nothing inconsistent can reach the server, since
// setSnapshot takes only XdsSnapshot objects.
//
// Each snapshot also says which mesh snapshot it was compiled from and the
// generations of the mesh resources (VirtualService, …) that shaped it, so the
// status layer can tell when resource R at generation G is programmed.

import { createHash } from 'node:crypto';
import { encodeShared, type JsonObject } from '../../xds/codec.ts';
import type { WireAny } from '../../xds/ads.ts';
import { ExtensionTypeUrl, TypeUrl, type ResourceTypeUrl } from '../../xds/types.ts';

/** The order in which a proxy receives types: make-before-break (secrets, clusters, endpoints, listeners, routes). */
export const SEND_ORDER: readonly ResourceTypeUrl[] = Object.freeze([
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
]);

const SERVED = new Set<string>(SEND_ORDER);

/** Whether the server serves this type URL. */
export const isServedType = (typeUrl: string): typeUrl is ResourceTypeUrl => SERVED.has(typeUrl);

/** Types whose subscription is a wildcard when the request names nothing (Envoy's LDS and CDS). */
export const WILDCARD_TYPES: ReadonlySet<string> = new Set<string>([TypeUrl.Listener, TypeUrl.Cluster]);

/** Short names for logs and errors. */
export const TYPE_SHORT: Readonly<Record<ResourceTypeUrl, string>> = Object.freeze({
  [TypeUrl.Listener]: 'LDS',
  [TypeUrl.RouteConfiguration]: 'RDS',
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.ClusterLoadAssignment]: 'EDS',
  [TypeUrl.Secret]: 'SDS',
});

/** A resource as the compiler hands it over (operator/compile/types.ts CompiledResource). */
export interface ResourceInput {
  readonly name: string;
  readonly typeUrl: ResourceTypeUrl;
  readonly resource: JsonObject;
}

/** One encoded resource. */
export interface SnapshotResource {
  readonly name: string;
  readonly typeUrl: ResourceTypeUrl;
  readonly resource: JsonObject;
  readonly bytes: Uint8Array;
  /** Content hash of the bytes (a delta stream's per-resource version). */
  readonly version: string;
  /** The Any a response carries, built once. */
  readonly any: WireAny;
}

export interface TypeResources {
  readonly typeUrl: ResourceTypeUrl;
  /** Content hash over every resource of the type (name and bytes). */
  readonly version: string;
  /** In the order given (the compiler's: sorted by name). */
  readonly resources: ReadonlyMap<string, SnapshotResource>;
}

/** Thrown by XdsSnapshot.build: every inconsistency found, each naming the resource and field. */
export class InconsistentSnapshotError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], label: string) {
    const shown = problems.slice(0, 10).join('; ');
    super(`inconsistent xDS snapshot${label === '' ? '' : ` for ${label}`}: ${shown}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`);
    this.name = 'InconsistentSnapshotError';
    this.problems = problems;
  }
}

export interface SnapshotInput {
  readonly resources: Iterable<ResourceInput>;
  /** The version of the mesh snapshot this was compiled from (for status); '' when none. */
  readonly meshVersion?: string;
  /** refKey of each mesh resource that shaped these resources → its metadata.generation. */
  readonly generations?: ReadonlyMap<string, number>;
  /** Names the proxy in error messages. */
  readonly label?: string;
}

const hash = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex').slice(0, 16);

const encoded = new WeakMap<object, SnapshotResource>();

/** Encodes a resource once per resource object (the compiler shares frozen objects between proxies). */
function encode(r: ResourceInput): SnapshotResource {
  const cached = encoded.get(r.resource);
  if (cached !== undefined && cached.name === r.name && cached.typeUrl === r.typeUrl) return cached;
  const bytes = encodeShared(r.typeUrl, r.resource);
  const out: SnapshotResource = Object.freeze({
    name: r.name,
    typeUrl: r.typeUrl,
    resource: r.resource,
    bytes,
    version: hash(bytes),
    any: Object.freeze({ type_url: r.typeUrl, value: bytes }),
  });
  if (Object.isFrozen(r.resource)) encoded.set(r.resource, out);
  return out;
}

export class XdsSnapshot {
  /** Content hash over every type's version. */
  readonly version: string;
  readonly meshVersion: string;
  readonly generations: ReadonlyMap<string, number>;
  readonly #types: ReadonlyMap<ResourceTypeUrl, TypeResources>;

  private constructor(types: ReadonlyMap<ResourceTypeUrl, TypeResources>, meshVersion: string, generations: ReadonlyMap<string, number>) {
    this.#types = types;
    this.meshVersion = meshVersion;
    this.generations = generations;
    this.version = hash(SEND_ORDER.map((t) => `${t}=${types.get(t)?.version ?? ''}`).join('\n'));
    Object.freeze(this);
  }

  /** Encodes and checks; throws InconsistentSnapshotError listing every problem. */
  static build(input: SnapshotInput): XdsSnapshot {
    const byType = new Map<ResourceTypeUrl, Map<string, SnapshotResource>>();
    const problems: string[] = [];
    for (const r of input.resources) {
      if (!isServedType(r.typeUrl)) {
        problems.push(`resource ${JSON.stringify(r.name)} has type ${JSON.stringify(r.typeUrl)}, which the server does not serve`);
        continue;
      }
      let m = byType.get(r.typeUrl);
      if (m === undefined) byType.set(r.typeUrl, (m = new Map()));
      if (m.has(r.name)) {
        problems.push(`${TYPE_SHORT[r.typeUrl]} resource ${JSON.stringify(r.name)} appears twice`);
        continue;
      }
      m.set(r.name, encode(r));
    }
    problems.push(...consistencyProblems(byType));
    if (problems.length > 0) throw new InconsistentSnapshotError(problems, input.label ?? '');
    const types = new Map<ResourceTypeUrl, TypeResources>();
    for (const t of SEND_ORDER) {
      const m = byType.get(t);
      if (m === undefined || m.size === 0) continue;
      const names = [...m.keys()].sort();
      const version = hash(names.map((n) => `${n}\u0000${m.get(n)?.version ?? ''}`).join('\n'));
      types.set(t, Object.freeze({ typeUrl: t, version, resources: m }));
    }
    return new XdsSnapshot(types, input.meshVersion ?? '', new Map(input.generations ?? []));
  }

  /** The type's resources, or undefined when the snapshot has none of that type. */
  type(typeUrl: ResourceTypeUrl): TypeResources | undefined {
    return this.#types.get(typeUrl);
  }

  /** The type's version; '' when the snapshot has none of that type (an empty set has a version too). */
  versionOf(typeUrl: ResourceTypeUrl): string {
    return this.#types.get(typeUrl)?.version ?? EMPTY_VERSION;
  }

  /** Whether the snapshot carries mesh resource `key` at generation `generation` or newer. */
  carries(key: string, generation: number): boolean {
    const g = this.generations.get(key);
    return g !== undefined && g >= generation;
  }

  /** Number of resources, all types. */
  get size(): number {
    let n = 0;
    for (const t of this.#types.values()) n += t.resources.size;
    return n;
  }
}

/** The version of a type with no resources. */
export const EMPTY_VERSION = hash('');

// ---- consistency ---------------------------------------------------------------

interface References {
  readonly clusters: readonly { readonly cluster: string; readonly path: string }[];
  readonly routeConfigs: readonly { readonly name: string; readonly path: string }[];
  readonly edsNames: readonly { readonly name: string; readonly path: string }[];
}

const refsCache = new WeakMap<object, References>();

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function routeActionRefs(action: Obj, path: string, out: { cluster: string; path: string }[]): void {
  const c = str(action['cluster']);
  if (c !== undefined) out.push({ cluster: c, path: `${path}.cluster` });
  const wc = action['weighted_clusters'];
  if (isObj(wc)) {
    list(wc['clusters']).forEach((w, i) => {
      const n = isObj(w) ? str(w['name']) : undefined;
      if (n !== undefined) out.push({ cluster: n, path: `${path}.weighted_clusters.clusters[${i}].name` });
    });
  }
  list(action['request_mirror_policies']).forEach((m, i) => {
    const n = isObj(m) ? str(m['cluster']) : undefined;
    if (n !== undefined) out.push({ cluster: n, path: `${path}.request_mirror_policies[${i}].cluster` });
  });
}

function routeConfigRefs(rc: Obj, path: string, out: { cluster: string; path: string }[]): void {
  list(rc['virtual_hosts']).forEach((vh, i) => {
    if (!isObj(vh)) return;
    list(vh['routes']).forEach((r, j) => {
      if (isObj(r) && isObj(r['route'])) routeActionRefs(r['route'], `${path}virtual_hosts[${i}].routes[${j}].route`, out);
    });
  });
}

function networkFilterRefs(filters: unknown, path: string, refs: { clusters: { cluster: string; path: string }[]; routeConfigs: { name: string; path: string }[] }): void {
  list(filters).forEach((f, i) => {
    const tc = isObj(f) ? f['typed_config'] : undefined;
    if (!isObj(tc)) return;
    const p = `${path}[${i}].typed_config`;
    if (tc['@type'] === ExtensionTypeUrl.HttpConnectionManager) hcmRefs(tc, p, refs);
    else if (tc['@type'] === ExtensionTypeUrl.TcpProxy) routeActionRefs(tc, p, refs.clusters);
  });
}

function hcmRefs(hcm: Obj, path: string, refs: { clusters: { cluster: string; path: string }[]; routeConfigs: { name: string; path: string }[] }): void {
  const rds = hcm['rds'];
  const name = isObj(rds) ? str(rds['route_config_name']) : undefined;
  if (name !== undefined) refs.routeConfigs.push({ name, path: `${path}.rds.route_config_name` });
  if (isObj(hcm['route_config'])) routeConfigRefs(hcm['route_config'], `${path}.route_config.`, refs.clusters);
}

function referencesOf(typeUrl: ResourceTypeUrl, resource: JsonObject): References {
  const cached = refsCache.get(resource);
  if (cached !== undefined) return cached;
  const clusters: { cluster: string; path: string }[] = [];
  const routeConfigs: { name: string; path: string }[] = [];
  const edsNames: { name: string; path: string }[] = [];
  const r = resource as Obj;
  if (typeUrl === TypeUrl.RouteConfiguration) routeConfigRefs(r, '', clusters);
  else if (typeUrl === TypeUrl.Listener) {
    const refs = { clusters, routeConfigs };
    list(r['filter_chains']).forEach((fc, i) => {
      if (isObj(fc)) networkFilterRefs(fc['filters'], `filter_chains[${i}].filters`, refs);
    });
    const dfc = r['default_filter_chain'];
    if (isObj(dfc)) networkFilterRefs(dfc['filters'], 'default_filter_chain.filters', refs);
    const api = r['api_listener'];
    const inner = isObj(api) ? api['api_listener'] : undefined;
    if (isObj(inner) && inner['@type'] === ExtensionTypeUrl.HttpConnectionManager) hcmRefs(inner, 'api_listener.api_listener', refs);
  } else if (typeUrl === TypeUrl.Cluster && r['type'] === 'EDS') {
    const eds = r['eds_cluster_config'];
    const service = isObj(eds) ? str(eds['service_name']) : undefined;
    edsNames.push(
      service !== undefined && service !== ''
        ? { name: service, path: 'eds_cluster_config.service_name' }
        : { name: String(r['name']), path: 'name (EDS cluster without service_name)' },
    );
  }
  const out = { clusters, routeConfigs, edsNames };
  if (Object.isFrozen(resource)) refsCache.set(resource, out);
  return out;
}

function consistencyProblems(byType: ReadonlyMap<ResourceTypeUrl, ReadonlyMap<string, SnapshotResource>>): string[] {
  const problems: string[] = [];
  const clusters = byType.get(TypeUrl.Cluster) ?? new Map<string, SnapshotResource>();
  const endpoints = byType.get(TypeUrl.ClusterLoadAssignment) ?? new Map<string, SnapshotResource>();
  const routes = byType.get(TypeUrl.RouteConfiguration) ?? new Map<string, SnapshotResource>();
  const check = (typeUrl: ResourceTypeUrl): void => {
    for (const r of byType.get(typeUrl)?.values() ?? []) {
      const refs = referencesOf(typeUrl, r.resource);
      const what = `${TYPE_SHORT[typeUrl]} ${JSON.stringify(r.name)}`;
      for (const c of refs.clusters) {
        if (!clusters.has(c.cluster)) problems.push(`${what}: ${c.path} names cluster ${JSON.stringify(c.cluster)}, which is not in the snapshot`);
      }
      for (const rc of refs.routeConfigs) {
        if (!routes.has(rc.name)) problems.push(`${what}: ${rc.path} names RouteConfiguration ${JSON.stringify(rc.name)}, which is not in the snapshot`);
      }
      for (const e of refs.edsNames) {
        if (!endpoints.has(e.name)) problems.push(`${what}: ${e.path} ${JSON.stringify(e.name)} has no ClusterLoadAssignment in the snapshot`);
      }
    }
  };
  check(TypeUrl.Listener);
  check(TypeUrl.RouteConfiguration);
  check(TypeUrl.Cluster);
  return problems;
}
