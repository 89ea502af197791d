// What the xDS server sends a proxy: an immutable, internally consistent set
// of resources per type, each type with a version that is a content hash of
// its encoded resources (the same content always has the same version, across
// restarts too, so a proxy that reconnects with what it has gets nothing new).
//
// Built from groups shared between proxies (the compiler's per-namespace
// outbound config, a workload's inbound): each group is encoded, hashed and
// checked once and held by reference, so a thousand snapshots cost little
// more than one, and an edit encodes only the groups it replaced. Sidecar
// route configurations have two forms: inline virtual hosts for
// state-of-the-world streams, VHDS (virtual hosts as resources of their own)
// for delta streams, so an edit of one host sends that host alone.
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
import { ExtensionTypeUrl, TypeUrl, vhdsRouteConfigOf, type ResourceTypeUrl } from '../../xds/types.ts';

/**
 * The order in which a proxy receives types: make-before-break (secrets,
 * clusters, endpoints, listeners, then routes). Virtual hosts (VHDS) go
 * before the route configurations that take them, so a proxy that
 * subscribed to both has a route configuration's hosts when it arrives.
 */
export const SEND_ORDER: readonly ResourceTypeUrl[] = Object.freeze([
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.VirtualHost,
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
  [TypeUrl.VirtualHost]: 'VHDS',
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.ClusterLoadAssignment]: 'EDS',
  [TypeUrl.Secret]: 'SDS',
});

/** A stream's flavour: the forms differ for route configurations (inline virtual hosts, or VHDS). */
export type SnapshotView = 'sotw' | 'delta';

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

/** One shared group's resources of a type: encoded once, held by reference by every snapshot with the group. */
export interface PartResources {
  /** In the order given (the compiler's: sorted by name). */
  readonly resources: ReadonlyMap<string, SnapshotResource>;
  /** Content hash over the group's names and resource versions. */
  readonly version: string;
}

export interface TypeResources {
  readonly typeUrl: ResourceTypeUrl;
  /** Content hash over the type's groups. */
  readonly version: string;
  /** Every resource of the type (a view over the groups, not a copy). */
  readonly resources: ReadonlyMap<string, SnapshotResource>;
  /** The groups, each shared by identity: a group a stream already holds needs no comparison. */
  readonly parts: readonly PartResources[];
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
  /** Resources not shared with other snapshots (encoded resources are still memoised per frozen object). */
  readonly resources?: Iterable<ResourceInput>;
  /**
   * Groups shared between snapshots (frozen arrays, such as the compiler's
   * per-namespace outbound clusters): each is encoded, hashed and checked
   * once, and the snapshot holds it by reference.
   */
  readonly parts?: readonly (readonly ResourceInput[])[];
  /**
   * Route configurations' virtual hosts as VHDS resources on delta streams
   * (`<route configuration>/<virtual host name>`), the route configuration
   * itself then carrying only `vhds`; state-of-the-world streams get them
   * inline. For sidecars; proxyless gRPC does not speak VHDS.
   */
  readonly vhds?: boolean;
  /** The version of the mesh snapshot this was compiled from (for status); '' when none. */
  readonly meshVersion?: string;
  /** refKey of each mesh resource that shaped these resources → its metadata.generation (several maps: looked up in turn, shared by reference). */
  readonly generations?: ReadonlyMap<string, number> | readonly ReadonlyMap<string, number>[];
  /** Names the proxy in error messages. */
  readonly label?: string;
  /**
   * The proxy's previous snapshot: when this one's groups are its groups
   * with a few replaced by groups of the same names (an edit of rules),
   * only what those groups hold is assembled and checked again.
   */
  readonly previous?: XdsSnapshot;
}

const hash = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex').slice(0, 16);

const encoded = new WeakMap<object, SnapshotResource>();

function makeResource(name: string, typeUrl: ResourceTypeUrl, resource: JsonObject): SnapshotResource {
  const bytes = encodeShared(typeUrl, resource);
  return Object.freeze({ name, typeUrl, resource, bytes, version: hash(bytes), any: Object.freeze({ type_url: typeUrl, value: bytes }) });
}

/** Encodes a resource once per resource object (the compiler shares frozen objects between proxies). */
function encode(name: string, typeUrl: ResourceTypeUrl, resource: JsonObject): SnapshotResource {
  const cached = encoded.get(resource);
  if (cached !== undefined && cached.name === name && cached.typeUrl === typeUrl) return cached;
  const out = makeResource(name, typeUrl, resource);
  if (Object.isFrozen(resource)) encoded.set(resource, out);
  return out;
}

const encodedInputs = new WeakMap<object, SnapshotResource>();

/** A VirtualHost input, encoded once per input object (one virtual host object may serve several route configurations, under different names). */
function encodeInput(r: ResourceInput): SnapshotResource {
  let out = encodedInputs.get(r);
  if (out === undefined) {
    out = makeResource(r.name, r.typeUrl, r.resource);
    if (Object.isFrozen(r) && Object.isFrozen(r.resource)) encodedInputs.set(r, out);
  }
  return out;
}

// ---- route configurations: inline virtual hosts, or VHDS ------------------------

const VHDS_SOURCE: JsonObject = Object.freeze({ config_source: Object.freeze({ ads: Object.freeze({}), resource_api_version: 'V3' }) });

const vhdsForms = new Map<string, JsonObject>();

/** The route configuration without its virtual hosts, taking them over VHDS (shared by name when it has nothing else). */
function vhdsRouteConfiguration(rc: Obj): JsonObject {
  const keys = Object.keys(rc).filter((k) => k !== 'virtual_hosts');
  const name = String(rc['name']);
  if (keys.length === 1 && keys[0] === 'name') {
    let v = vhdsForms.get(name);
    if (v === undefined) vhdsForms.set(name, (v = Object.freeze({ name, vhds: VHDS_SOURCE })));
    return v;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = rc[k];
  out['vhds'] = VHDS_SOURCE;
  return Object.freeze(out) as JsonObject;
}

const vhostEncoded = new WeakMap<object, { readonly rc: string; readonly resource: SnapshotResource }>();

/** A virtual host as a VHDS resource, encoded once per virtual host object (the compiler shares them). */
function vhostResource(rcName: string, vh: Obj): SnapshotResource {
  const cached = vhostEncoded.get(vh);
  if (cached !== undefined && cached.rc === rcName) return cached.resource;
  const resource = makeResource(`${rcName}/${String(vh['name'])}`, TypeUrl.VirtualHost, vh as JsonObject);
  if (Object.isFrozen(vh)) vhostEncoded.set(vh, { rc: rcName, resource });
  return resource;
}

/** Length-delimited field header: tag then length, as protobuf writes it. */
function fieldHeader(field: number, length: number): Uint8Array {
  const out: number[] = [];
  let v = (field << 3) | 2;
  while (v > 0x7f) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
  v = length;
  while (v > 0x7f) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
  return Uint8Array.from(out);
}

/**
 * A route configuration with its virtual hosts inline, for
 * state-of-the-world streams: its bytes are the encoded virtual hosts
 * concatenated (field 2, `virtual_hosts`) after the rest, built only when a
 * stream sends it, so a mesh whose proxies are all on delta streams never
 * holds them. Its version is a hash of the parts' versions.
 */
class InlineRouteConfiguration implements SnapshotResource {
  readonly name: string;
  readonly typeUrl = TypeUrl.RouteConfiguration;
  readonly resource: JsonObject;
  readonly version: string;
  readonly #head: Uint8Array;
  readonly #vhosts: readonly SnapshotResource[];
  #bytes: Uint8Array | undefined;
  #any: WireAny | undefined;

  constructor(name: string, resource: JsonObject, head: Uint8Array, vhosts: readonly SnapshotResource[]) {
    this.name = name;
    this.resource = resource;
    this.#head = head;
    this.#vhosts = vhosts;
    this.version = hash(`inline\u0000${hash(head)}\u0000${vhosts.map((v) => v.version).join(',')}`);
  }

  get bytes(): Uint8Array {
    if (this.#bytes === undefined) {
      const chunks: Uint8Array[] = [this.#head];
      for (const v of this.#vhosts) chunks.push(fieldHeader(2, v.bytes.length), v.bytes);
      this.#bytes = Buffer.concat(chunks);
    }
    return this.#bytes;
  }

  get any(): WireAny {
    this.#any ??= Object.freeze({ type_url: TypeUrl.RouteConfiguration, value: this.bytes });
    return this.#any;
  }
}

// ---- shared groups -----------------------------------------------------------------

type RefKind = 'cluster' | 'routeConfig' | 'eds';

/** Names a group references but does not hold, by kind (what the snapshot's other groups must hold). */
interface Open {
  readonly cluster: readonly string[];
  readonly routeConfig: readonly string[];
  readonly eds: readonly string[];
}

const REF_KINDS: readonly RefKind[] = ['cluster', 'routeConfig', 'eds'];
const REF_TYPE: Readonly<Record<RefKind, ResourceTypeUrl>> = { cluster: TypeUrl.Cluster, routeConfig: TypeUrl.RouteConfiguration, eds: TypeUrl.ClusterLoadAssignment };

interface EncodedPart {
  readonly sotw: ReadonlyMap<ResourceTypeUrl, PartResources>;
  readonly delta: ReadonlyMap<ResourceTypeUrl, PartResources>;
  /** Problems of the group alone (an unserved type, a name twice). */
  readonly problems: readonly string[];
  /** References the group does not resolve itself. */
  readonly open: Open;
  /** Resources, all types. */
  readonly size: number;
}

const openCount = (o: Open): number => o.cluster.length + o.routeConfig.length + o.eds.length;

const resolveMemo = new WeakMap<Open, WeakMap<EncodedPart, Open>>();

/** The references `group` does not resolve either (memoised per pair, so snapshots sharing groups share the work). */
function resolvedBy(left: Open, group: EncodedPart): Open {
  let m = resolveMemo.get(left);
  if (m === undefined) resolveMemo.set(left, (m = new WeakMap()));
  let out = m.get(group);
  if (out === undefined) {
    const keep = (kind: RefKind): readonly string[] => {
      const held = group.sotw.get(REF_TYPE[kind])?.resources;
      return held === undefined ? left[kind] : left[kind].filter((n) => !held.has(n));
    };
    const next: Open = { cluster: keep('cluster'), routeConfig: keep('routeConfig'), eds: keep('eds') };
    out = openCount(next) === openCount(left) ? left : Object.freeze(next);
    m.set(group, out);
  }
  return out;
}

const partsCache = new WeakMap<object, EncodedPart>();
const vhdsPartsCache = new WeakMap<object, EncodedPart>();

const partOf = (m: ReadonlyMap<string, SnapshotResource>): PartResources =>
  Object.freeze({ resources: m, version: hash([...m.values()].map((r) => `${r.name}\u0000${r.version}`).join('\n')) });

function encodePart(input: Iterable<ResourceInput>, vhds: boolean): EncodedPart {
  const byType = new Map<ResourceTypeUrl, Map<string, SnapshotResource>>();
  const problems: string[] = [];
  let vhosts: Map<string, SnapshotResource> | undefined;
  let vhdsRoutes: Map<string, SnapshotResource> | undefined;
  for (const r of input) {
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
    if (r.typeUrl === TypeUrl.VirtualHost) {
      m.set(r.name, encodeInput(r));
      continue;
    }
    const hosts = r.typeUrl === TypeUrl.RouteConfiguration && vhds ? list(r.resource['virtual_hosts']) : undefined;
    if (hosts === undefined || hosts.length === 0) {
      m.set(r.name, encode(r.name, r.typeUrl, r.resource));
      if (hosts !== undefined) (vhdsRoutes ??= new Map()).set(r.name, encode(r.name, r.typeUrl, r.resource));
      continue;
    }
    const head = vhdsRouteConfiguration(r.resource as Obj);
    const encodedHosts: SnapshotResource[] = [];
    vhosts ??= new Map();
    for (const vh of hosts) {
      if (!isObj(vh)) continue;
      const v = vhostResource(r.name, vh);
      encodedHosts.push(v);
      vhosts.set(v.name, v);
    }
    const withoutHosts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.resource)) if (k !== 'virtual_hosts') withoutHosts[k] = v;
    m.set(r.name, new InlineRouteConfiguration(r.name, r.resource, encodeShared(TypeUrl.RouteConfiguration, withoutHosts), encodedHosts));
    (vhdsRoutes ??= new Map()).set(r.name, encode(r.name, TypeUrl.RouteConfiguration, head));
  }
  const sotw = new Map<ResourceTypeUrl, PartResources>();
  for (const [t, m] of byType) sotw.set(t, partOf(m));
  const delta = new Map(sotw);
  if (vhdsRoutes !== undefined) delta.set(TypeUrl.RouteConfiguration, partOf(vhdsRoutes));
  if (vhosts !== undefined) delta.set(TypeUrl.VirtualHost, partOf(vhosts));
  let size = 0;
  for (const m of byType.values()) size += m.size;
  return { sotw, delta, problems, open: openOf(byType), size };
}

function encodedPart(part: readonly ResourceInput[], vhds: boolean): EncodedPart {
  const cache = vhds ? vhdsPartsCache : partsCache;
  let e = cache.get(part);
  if (e === undefined) {
    e = encodePart(part, vhds);
    if (Object.isFrozen(part)) cache.set(part, e);
  }
  return e;
}

/** A read-only map over several groups' maps (the groups' names are disjoint): no copy per snapshot. */
class PartsMap implements ReadonlyMap<string, SnapshotResource> {
  readonly #maps: readonly ReadonlyMap<string, SnapshotResource>[];
  readonly size: number;
  constructor(maps: readonly ReadonlyMap<string, SnapshotResource>[]) {
    this.#maps = maps;
    let n = 0;
    for (const m of maps) n += m.size;
    this.size = n;
  }
  get(name: string): SnapshotResource | undefined {
    for (const m of this.#maps) {
      const r = m.get(name);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  has(name: string): boolean {
    for (const m of this.#maps) if (m.has(name)) return true;
    return false;
  }
  forEach(fn: (value: SnapshotResource, key: string, map: ReadonlyMap<string, SnapshotResource>) => void): void {
    for (const m of this.#maps) for (const [k, v] of m) fn(v, k, this);
  }
  *entries(): MapIterator<[string, SnapshotResource]> {
    for (const m of this.#maps) yield* m.entries();
  }
  *keys(): MapIterator<string> {
    for (const m of this.#maps) yield* m.keys();
  }
  *values(): MapIterator<SnapshotResource> {
    for (const m of this.#maps) yield* m.values();
  }
  [Symbol.iterator](): MapIterator<[string, SnapshotResource]> {
    return this.entries();
  }
}

const EMPTY_RESOURCES: ReadonlyMap<string, SnapshotResource> = new Map();

interface VersionNode {
  readonly version: string;
  next?: WeakMap<PartResources, VersionNode>;
  /** Names found in two of the chain's groups (VirtualHost chunks), computed once per chain. */
  dups?: readonly string[];
  /** The route configurations with their virtual hosts inline (state of the world), built once per chain when a stream asks. */
  inline?: TypeResources;
  /** Its lazy form, what snapshots hold until a stream asks. */
  inlineLazy?: TypeResources;
  /** The type's resources over this chain of groups, one object for every snapshot with the same groups of that type. */
  types?: Map<ResourceTypeUrl, TypeResources>;
}

const versionRoots = new WeakMap<PartResources, VersionNode>();

/** A type's version over its groups, chained group by group and memoised, so snapshots sharing groups share the hashing. */
function versionOfParts(parts: readonly PartResources[]): string {
  return parts.length === 0 ? EMPTY_VERSION : chainOf(parts).version;
}

function chainOf(parts: readonly PartResources[]): VersionNode {
  const first = parts[0];
  if (first === undefined) return { version: EMPTY_VERSION };
  let node = versionRoots.get(first);
  if (node === undefined) versionRoots.set(first, (node = { version: first.version }));
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    if (p === undefined) continue;
    node.next ??= new WeakMap();
    let n: VersionNode | undefined = node.next.get(p);
    if (n === undefined) node.next.set(p, (n = { version: hash(`${node.version}\n${p.version}`) }));
    node = n;
  }
  return node;
}

/**
 * A type's resources over its groups: one object per chain of groups (so
 * proxies whose groups of a type are the same share it, and a stream that
 * holds it skips it by identity).
 */
function typeResources(typeUrl: ResourceTypeUrl, parts: readonly PartResources[]): TypeResources {
  if (parts.length === 0) return Object.freeze({ typeUrl, version: EMPTY_VERSION, resources: EMPTY_RESOURCES, parts });
  const node = chainOf(parts);
  let out = node.types?.get(typeUrl);
  if (out === undefined) {
    const resources = parts.length === 1 ? (parts[0]?.resources ?? EMPTY_RESOURCES) : new PartsMap(parts.map((p) => p.resources));
    // The list is the caller's, frozen: builders hand over lists they no longer change.
    out = Object.freeze({ typeUrl, version: node.version, resources, parts: Object.freeze(parts) });
    (node.types ??= new Map()).set(typeUrl, out);
  }
  return out;
}

/**
 * State-of-the-world route configurations when the virtual hosts came as
 * VirtualHost groups: each `{name, vhds}` route configuration with its
 * virtual hosts inline (the groups' encodings concatenated, no re-encoding),
 * built only when a state-of-the-world stream asks, once per chain of groups.
 */
function inlineRoutes(routeParts: readonly PartResources[], vhostParts: readonly PartResources[]): TypeResources {
  const node = chainOf([...routeParts, ...vhostParts]);
  const build = (): TypeResources => {
    if (node.inline !== undefined) return node.inline;
    const byRc = new Map<string, SnapshotResource[]>();
    for (const p of vhostParts) {
      for (const v of p.resources.values()) {
        const rc = vhdsRouteConfigOf(v.name) ?? v.name;
        let l = byRc.get(rc);
        if (l === undefined) byRc.set(rc, (l = []));
        l.push(v);
      }
    }
    const m = new Map<string, SnapshotResource>();
    for (const p of routeParts) {
      for (const r of p.resources.values()) {
        const hosts = byRc.get(r.name);
        if (hosts === undefined || r.resource['vhds'] === undefined) {
          m.set(r.name, r);
          continue;
        }
        const head: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r.resource)) if (k !== 'vhds') head[k] = v;
        m.set(r.name, new InlineRouteConfiguration(r.name, head as JsonObject, encodeShared(TypeUrl.RouteConfiguration, head), hosts));
      }
    }
    const part = partOf(m);
    node.inline = Object.freeze({ typeUrl: TypeUrl.RouteConfiguration, version: node.version, resources: m, parts: [part] });
    return node.inline;
  };
  // The version is the chain's (content: the route configurations' and virtual hosts' versions); the rest waits for a stream.
  node.inlineLazy ??= {
    typeUrl: TypeUrl.RouteConfiguration,
    version: node.version,
    get resources() { return build().resources; },
    get parts() { return build().parts; },
  };
  return node.inlineLazy;
}

/** Names in two VirtualHost groups, found once per chain of groups. */
function duplicateVhosts(parts: readonly PartResources[]): readonly string[] {
  const node = chainOf(parts);
  if (node.dups === undefined) {
    const seen = new Set<string>();
    const dups: string[] = [];
    for (const p of parts) for (const n of p.resources.keys()) if (seen.has(n)) dups.push(n); else seen.add(n);
    node.dups = dups;
  }
  return node.dups;
}

/** What a snapshot built from groups alone was built from: the groups in order, and each type's groups. */
interface Groups {
  readonly vhds: boolean;
  readonly parts: readonly EncodedPart[];
  readonly sotwParts: ReadonlyMap<ResourceTypeUrl, readonly PartResources[]>;
  readonly deltaParts: ReadonlyMap<ResourceTypeUrl, readonly PartResources[]>;
  readonly vhostParts: readonly PartResources[];
}

/** The types as delta streams receive them: the state-of-the-world objects, except route configurations and virtual hosts under VHDS. */
function deltaTypes(vhds: boolean, sotw: ReadonlyMap<ResourceTypeUrl, TypeResources>, deltaParts: ReadonlyMap<ResourceTypeUrl, readonly PartResources[]>): ReadonlyMap<ResourceTypeUrl, TypeResources> {
  if (!vhds || !deltaParts.has(TypeUrl.VirtualHost)) return sotw;
  const d = new Map<ResourceTypeUrl, TypeResources>();
  for (const t of SEND_ORDER) {
    const ps = deltaParts.get(t);
    if (ps === undefined) continue;
    const same = sotw.get(t);
    d.set(t, same !== undefined && t !== TypeUrl.RouteConfiguration ? same : typeResources(t, ps));
  }
  return d;
}

const sameNamesMemo = new WeakMap<EncodedPart, WeakMap<EncodedPart, boolean>>();

/** Whether `now` can take `before`'s place without other checks: no problems of its own, the same names per type in both forms. */
function replaceable(before: EncodedPart, now: EncodedPart): boolean {
  let m = sameNamesMemo.get(before);
  if (m === undefined) sameNamesMemo.set(before, (m = new WeakMap()));
  let same = m.get(now);
  if (same === undefined) {
    const sameTypes = (a: ReadonlyMap<ResourceTypeUrl, PartResources>, b: ReadonlyMap<ResourceTypeUrl, PartResources>): boolean => {
      if (a.size !== b.size) return false;
      for (const [t, x] of a) {
        const y = b.get(t);
        if (y === undefined || x.resources.size !== y.resources.size) return false;
        if (x === y) continue;
        for (const n of y.resources.keys()) if (!x.resources.has(n)) return false;
      }
      return true;
    };
    same = now.problems.length === 0 && before.problems.length === 0 && before.size === now.size && sameTypes(before.sotw, now.sotw) && sameTypes(before.delta, now.delta);
    m.set(now, same);
  }
  return same;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** Whether two groups leave the same names unresolved. */
const sameOpen = (a: Open, b: Open): boolean => a === b || (sameList(a.cluster, b.cluster) && sameList(a.routeConfig, b.routeConfig) && sameList(a.eds, b.eds));

export class XdsSnapshot {
  /** Every type's version, in order: equal keys are equal content (the version is its hash). */
  readonly #key: string;
  #version: string | undefined;
  readonly meshVersion: string;
  readonly #generations: readonly ReadonlyMap<string, number>[];
  readonly #sotw: ReadonlyMap<ResourceTypeUrl, TypeResources>;
  readonly #delta: ReadonlyMap<ResourceTypeUrl, TypeResources>;
  /** Number of resources, all types (as state-of-the-world streams receive them). */
  readonly size: number;

  /** What the snapshot was built from, for a rebuild after an edit (see build's `previous`); undefined when it had loose resources. */
  readonly #groups: Groups | undefined;

  private constructor(
    sotw: ReadonlyMap<ResourceTypeUrl, TypeResources>,
    delta: ReadonlyMap<ResourceTypeUrl, TypeResources>,
    meshVersion: string,
    generations: readonly ReadonlyMap<string, number>[],
    size: number,
    groups: Groups | undefined,
  ) {
    this.size = size;
    this.#sotw = sotw;
    this.#delta = delta;
    this.#groups = groups;
    this.meshVersion = meshVersion;
    this.#generations = generations;
    let key = '';
    for (const t of SEND_ORDER) key += `${key === '' ? '' : '\n'}${t}=${sotw.get(t)?.version ?? ''}`;
    if (delta !== sotw) for (const t of SEND_ORDER) key += `\ndelta ${t}=${delta.get(t)?.version ?? ''}`;
    this.#key = key;
    Object.freeze(this);
  }

  /** Content hash over every type's version (computed when first asked: pushes compare with sameContent). */
  get version(): string {
    this.#version ??= hash(this.#key);
    return this.#version;
  }

  /** Whether `other` has the same resources (the same version), without hashing either. */
  sameContent(other: XdsSnapshot): boolean {
    return this.#key === other.#key;
  }

  /** Encodes and checks; throws InconsistentSnapshotError listing every problem. */
  static build(input: SnapshotInput): XdsSnapshot {
    const vhds = input.vhds === true;
    const parts: EncodedPart[] = [];
    for (const p of input.parts ?? []) parts.push(encodedPart(p, vhds));
    const g = input.generations;
    const generations = g === undefined ? [] : g instanceof Map ? [g] : (g as readonly ReadonlyMap<string, number>[]);
    const prev = input.previous;
    const previous = prev === undefined ? undefined : prev.#groups;
    if (prev !== undefined && input.resources === undefined && previous !== undefined && previous.vhds === vhds && previous.parts.length === parts.length) {
      const rebuilt = XdsSnapshot.#rebuild(prev, previous, parts, input.meshVersion ?? '', generations);
      if (rebuilt !== undefined) return rebuilt;
    }
    if (input.resources !== undefined) parts.push(encodePart(input.resources, vhds));
    const problems: string[] = [];
    for (const p of parts) problems.push(...p.problems);
    const sotwParts = new Map<ResourceTypeUrl, PartResources[]>();
    const deltaParts = new Map<ResourceTypeUrl, PartResources[]>();
    // Virtual hosts given as VirtualHost groups: VHDS on delta streams, inline in the route configurations on SotW ones.
    const vhostParts: PartResources[] = [];
    for (const p of parts) {
      for (const [t, r] of p.sotw) {
        if (r.resources.size === 0) continue;
        if (t === TypeUrl.VirtualHost) vhostParts.push(r);
        else (sotwParts.get(t) ?? sotwParts.set(t, []).get(t))?.push(r);
      }
      if (vhds) for (const [t, r] of p.delta) if (r.resources.size > 0) (deltaParts.get(t) ?? deltaParts.set(t, []).get(t))?.push(r);
    }
    if (vhostParts.length > 1) for (const n of duplicateVhosts(vhostParts)) problems.push(`VHDS resource ${JSON.stringify(n)} appears twice`);
    const sotw = new Map<ResourceTypeUrl, TypeResources>();
    let size = 0;
    for (const t of SEND_ORDER) {
      const ps = sotwParts.get(t);
      if (ps === undefined) continue;
      for (const p of ps) size += p.resources.size;
      sotw.set(t, t === TypeUrl.RouteConfiguration && vhostParts.length > 0 ? inlineRoutes(ps, vhostParts) : typeResources(t, ps));
    }
    // A name in two groups: every group but the largest is compared with the others.
    for (const [t, ps] of sotwParts) {
      if (ps.length < 2) continue;
      const bySize = [...ps].sort((a, b) => b.resources.size - a.resources.size);
      for (let i = 1; i < bySize.length; i++) {
        for (const name of bySize[i]?.resources.keys() ?? []) {
          if (bySize.some((o, j) => j < i && o.resources.has(name))) problems.push(`${TYPE_SHORT[t]} resource ${JSON.stringify(name)} appears twice`);
        }
      }
    }
    // What a group leaves unresolved is looked up in the other groups, largest first; each step is
    // memoised per (what is left, group), so snapshots sharing groups share the work.
    const bySize = [...parts].sort((a, b) => b.size - a.size);
    for (const p of parts) {
      if (openCount(p.open) === 0) continue;
      let left = p.open;
      for (const o of bySize) {
        if (openCount(left) === 0) break;
        if (o !== p) left = resolvedBy(left, o);
      }
      for (const kind of REF_KINDS) for (const name of left[kind]) problems.push(describeRef(p, kind, name));
    }
    if (problems.length > 0) throw new InconsistentSnapshotError(problems, input.label ?? '');
    const delta = deltaTypes(vhds, sotw, deltaParts);
    const groups: Groups | undefined = input.resources === undefined ? { vhds, parts, sotwParts, deltaParts, vhostParts } : undefined;
    return new XdsSnapshot(sotw, delta, input.meshVersion ?? '', generations, size, groups);
  }

  /**
   * The snapshot after an edit that replaced a few groups with groups of the
   * same names (a VirtualService's rules changed a virtual host chunk): only
   * the types those groups hold are assembled again, the others keep their
   * objects (so streams skip them by identity), and only the new groups'
   * references are checked, since nothing else can have changed. Undefined
   * when the edit was anything else: build afresh.
   */
  static #rebuild(prev: XdsSnapshot, was: Groups, parts: readonly EncodedPart[], meshVersion: string, generations: readonly ReadonlyMap<string, number>[]): XdsSnapshot | undefined {
    let sotwParts: Map<ResourceTypeUrl, readonly PartResources[]> | undefined;
    let deltaParts: Map<ResourceTypeUrl, readonly PartResources[]> | undefined;
    let vhostParts: PartResources[] | undefined;
    const touchedSotw = new Set<ResourceTypeUrl>();
    const touchedDelta = new Set<ResourceTypeUrl>();
    let bySize: EncodedPart[] | undefined;
    for (let i = 0; i < parts.length; i++) {
      const now = parts[i];
      const before = was.parts[i];
      if (now === before) continue;
      if (now === undefined || before === undefined || !replaceable(before, now)) return undefined;
      if (!sameOpen(before.open, now.open)) {
        // New references: resolved by the other groups, or build afresh (which names the problem).
        bySize ??= [...parts].sort((a, b) => b.size - a.size);
        let left = now.open;
        for (const o of bySize) {
          if (openCount(left) === 0) break;
          if (o !== now) left = resolvedBy(left, o);
        }
        if (openCount(left) > 0) return undefined;
      }
      for (const [t, r] of now.sotw) {
        const old = before.sotw.get(t);
        if (old === r || old === undefined || r.resources.size === 0) continue;
        if (t === TypeUrl.VirtualHost) {
          vhostParts ??= was.vhostParts.slice();
          const at = vhostParts.indexOf(old);
          if (at < 0) return undefined;
          vhostParts[at] = r;
          touchedSotw.add(TypeUrl.RouteConfiguration);
          continue;
        }
        const m = (sotwParts ??= new Map(was.sotwParts));
        const list = m.get(t);
        const at = list?.indexOf(old) ?? -1;
        if (list === undefined || at < 0) return undefined;
        const copy = list.slice();
        copy[at] = r;
        m.set(t, copy);
        touchedSotw.add(t);
      }
      if (was.vhds) {
        for (const [t, r] of now.delta) {
          const old = before.delta.get(t);
          if (old === r || old === undefined || r.resources.size === 0) continue;
          const m = (deltaParts ??= new Map(was.deltaParts));
          const list = m.get(t);
          const at = list?.indexOf(old) ?? -1;
          if (list === undefined || at < 0) return undefined;
          const copy = list.slice();
          copy[at] = r;
          m.set(t, copy);
          touchedDelta.add(t);
        }
      }
    }
    if (touchedSotw.size === 0 && touchedDelta.size === 0 && vhostParts === undefined) {
      return new XdsSnapshot(prev.#sotw, prev.#delta, meshVersion, generations, prev.size, { ...was, parts });
    }
    const sp = sotwParts ?? was.sotwParts;
    const vp = vhostParts ?? was.vhostParts;
    const dp = deltaParts ?? was.deltaParts;
    const sotw = new Map(prev.#sotw);
    for (const t of touchedSotw) {
      const ps = sp.get(t);
      if (ps === undefined) return undefined;
      sotw.set(t, t === TypeUrl.RouteConfiguration && vp.length > 0 ? inlineRoutes(ps, vp) : typeResources(t, ps));
    }
    let delta: ReadonlyMap<ResourceTypeUrl, TypeResources> = sotw;
    if (prev.#delta !== prev.#sotw) {
      // As deltaTypes assembles them: the state-of-the-world objects where the forms agree, the rest from the delta groups.
      const d = new Map(prev.#delta);
      for (const t of SEND_ORDER) {
        const ps = dp.get(t);
        if (ps === undefined) continue;
        const same = sotw.get(t);
        if (same !== undefined && t !== TypeUrl.RouteConfiguration) d.set(t, same);
        else if (touchedDelta.has(t)) d.set(t, typeResources(t, ps));
      }
      delta = d;
    }
    return new XdsSnapshot(sotw, delta, meshVersion, generations, prev.size, { vhds: was.vhds, parts, sotwParts: sp, deltaParts: dp, vhostParts: vp });
  }

  /**
   * The same resources from a newer mesh snapshot (nothing of this proxy's
   * changed): no rebuild, only the mesh version and generations are new.
   */
  withMesh(meshVersion: string, generations: ReadonlyMap<string, number> | readonly ReadonlyMap<string, number>[]): XdsSnapshot {
    return new XdsSnapshot(this.#sotw, this.#delta, meshVersion, generations instanceof Map ? [generations] : (generations as readonly ReadonlyMap<string, number>[]), this.size, this.#groups);
  }

  /** The type's resources as a stream of that kind receives them, or undefined when the snapshot has none of that type. */
  type(typeUrl: ResourceTypeUrl, view: SnapshotView = 'sotw'): TypeResources | undefined {
    return (view === 'delta' ? this.#delta : this.#sotw).get(typeUrl);
  }

  /** The type's version for a stream of that kind; '' when the snapshot has none of that type (an empty set has a version too). */
  versionOf(typeUrl: ResourceTypeUrl, view: SnapshotView = 'sotw'): string {
    return (view === 'delta' ? this.#delta : this.#sotw).get(typeUrl)?.version ?? EMPTY_VERSION;
  }

  /** The generation of mesh resource `key` this snapshot carries. */
  generationOf(key: string): number | undefined {
    for (const m of this.#generations) {
      const g = m.get(key);
      if (g !== undefined) return g;
    }
    return undefined;
  }

  /** Whether the snapshot carries mesh resource `key` at generation `generation` or newer. */
  carries(key: string, generation: number): boolean {
    const g = this.generationOf(key);
    return g !== undefined && g >= generation;
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

const vhostRefsCache = new WeakMap<object, readonly { readonly cluster: string; readonly path: string }[]>();

/** A virtual host's cluster references, paths relative to it; memoised per shared virtual host object. */
function vhostRefs(vh: Obj): readonly { readonly cluster: string; readonly path: string }[] {
  const cached = vhostRefsCache.get(vh);
  if (cached !== undefined) return cached;
  const out: { cluster: string; path: string }[] = [];
  list(vh['routes']).forEach((r, j) => {
    if (isObj(r) && isObj(r['route'])) routeActionRefs(r['route'], `routes[${j}].route`, out);
  });
  if (Object.isFrozen(vh)) vhostRefsCache.set(vh, out);
  return out;
}

function routeConfigRefs(rc: Obj, path: string, out: { cluster: string; path: string }[]): void {
  list(rc['virtual_hosts']).forEach((vh, i) => {
    if (!isObj(vh)) return;
    for (const c of vhostRefs(vh)) out.push({ cluster: c.cluster, path: `${path}virtual_hosts[${i}].${c.path}` });
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
  else if (typeUrl === TypeUrl.VirtualHost) clusters.push(...vhostRefs(r));
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

const vhostClustersCache = new WeakMap<object, readonly string[]>();

/** The clusters a virtual host names, each once; memoised per shared virtual host object. */
function vhostClusters(vh: Obj): readonly string[] {
  let out = vhostClustersCache.get(vh);
  if (out === undefined) {
    out = [...new Set(vhostRefs(vh).map((c) => c.cluster))];
    if (Object.isFrozen(vh)) vhostClustersCache.set(vh, out);
  }
  return out;
}

/** The names a group references and does not hold. */
function openOf(byType: ReadonlyMap<ResourceTypeUrl, ReadonlyMap<string, SnapshotResource>>): Open {
  const clusters = byType.get(TypeUrl.Cluster) ?? EMPTY_RESOURCES;
  const endpoints = byType.get(TypeUrl.ClusterLoadAssignment) ?? EMPTY_RESOURCES;
  const routes = byType.get(TypeUrl.RouteConfiguration) ?? EMPTY_RESOURCES;
  const open = { cluster: new Set<string>(), routeConfig: new Set<string>(), eds: new Set<string>() };
  for (const r of routes.values()) {
    const hosts = list(r.resource['virtual_hosts']);
    for (let i = 0; i < hosts.length; i++) {
      const vh = hosts[i];
      if (!isObj(vh)) continue;
      for (const c of vhostClusters(vh)) if (!clusters.has(c)) open.cluster.add(c);
    }
  }
  for (const r of byType.get(TypeUrl.VirtualHost)?.values() ?? []) {
    for (const c of vhostClusters(r.resource)) if (!clusters.has(c)) open.cluster.add(c);
    const rc = vhdsRouteConfigOf(r.name) ?? r.name;
    if (!routes.has(rc)) open.routeConfig.add(rc);
  }
  for (const typeUrl of [TypeUrl.Listener, TypeUrl.Cluster] as const) {
    for (const r of byType.get(typeUrl)?.values() ?? []) {
      const refs = referencesOf(typeUrl, r.resource);
      for (const c of refs.clusters) if (!clusters.has(c.cluster)) open.cluster.add(c.cluster);
      for (const rc of refs.routeConfigs) if (!routes.has(rc.name)) open.routeConfig.add(rc.name);
      for (const e of refs.edsNames) if (!endpoints.has(e.name)) open.eds.add(e.name);
    }
  }
  return Object.freeze({ cluster: [...open.cluster], routeConfig: [...open.routeConfig], eds: [...open.eds] });
}

/** The problem a missing name is: its first reference in the group, with the resource and field path. */
function describeRef(part: EncodedPart, kind: RefKind, name: string): string {
  for (const typeUrl of [TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost, TypeUrl.Cluster] as const) {
    for (const r of part.sotw.get(typeUrl)?.resources.values() ?? []) {
      const what = `${TYPE_SHORT[typeUrl]} ${JSON.stringify(r.name)}`;
      if (typeUrl === TypeUrl.VirtualHost && kind === 'routeConfig' && (vhdsRouteConfigOf(r.name) ?? r.name) === name) {
        return `${what} belongs to RouteConfiguration ${JSON.stringify(name)}, which is not in the snapshot`;
      }
      const refs = referencesOf(typeUrl, r.resource);
      if (kind === 'cluster') {
        const c = refs.clusters.find((x) => x.cluster === name);
        if (c !== undefined) return `${what}: ${c.path} names cluster ${JSON.stringify(name)}, which is not in the snapshot`;
      } else if (kind === 'routeConfig') {
        const rc = refs.routeConfigs.find((x) => x.name === name);
        if (rc !== undefined) return `${what}: ${rc.path} names RouteConfiguration ${JSON.stringify(name)}, which is not in the snapshot`;
      } else {
        const e = refs.edsNames.find((x) => x.name === name);
        if (e !== undefined) return `${what}: ${e.path} ${JSON.stringify(name)} has no ClusterLoadAssignment in the snapshot`;
      }
    }
  }
  return `${kind} ${JSON.stringify(name)} is referenced but not in the snapshot`;
}
