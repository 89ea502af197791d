// The compiler's entry: a mesh snapshot and a proxy's identity → that proxy's
// Envoy resources. The compile rules (layout, visibility, VirtualService and
// TrafficSplit translation, conflicts) are written down in docs/compile.md. Pure: no clock, no I/O, same input → the same objects in
// the same order (and so byte-identical encodings).
//
// Work is shared, because a control plane compiles for every proxy at once:
// the MeshIndex is built once per snapshot; the outbound half of a proxy's
// config depends only on its namespace (what is visible there) and on which
// caller-conditioned matches (sourceLabels/sourceNamespace) hold for it, so it
// is built once per such variant; clusters, endpoints and virtual hosts are
// built once per Service port. Only the inbound half is per workload. The
// returned objects are frozen and shared between proxies.

import { canonicalize, type JsonObject, type JsonValue } from '../../xds/codec.ts';
import { TypeUrl, type ResourceTypeUrl } from '../../xds/types.ts';
import type { AuthorizationPolicy } from '../api/model.ts';
import { compileAuthz } from './authz.ts';
import { compileAuthn } from './authn.ts';
import { indexMesh, type MeshIndex, type ServiceEntry, type VsEntry, type WorkloadEntry } from './mesh.ts';
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  byString,
  labelsMatch,
  outboundCluster,
  routeConfigName,
  serviceDomains,
} from './names.ts';
import {
  blackholeCluster,
  inboundClusterResource,
  isHttp,
  loadAssignment,
  outboundClusterResource,
  outboundPortListener,
  passthroughCluster,
  virtualInboundListener,
  virtualOutboundListener,
  type InboundAuthz,
  type InboundPort,
  type TcpTarget,
} from './resources.ts';
import { callerVariant, compileServiceRoutes, type Caller } from './routes.ts';
import type { MeshSnapshot, ProxyIdentity, ServicePort } from './snapshot.ts';
import type { CompiledResource, EnvoyFilter, ProxyConfig } from './types.ts';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * RBAC filters in the codec's canonical form (no proto3 defaults such as
 * `action: ALLOW`), so every resource round-trips through the protos exactly.
 */
const canonicalFilter = (f: EnvoyFilter): EnvoyFilter => ({ name: f.name, typed_config: canonicalize('google.protobuf.Any', f.typed_config) });

/** The catch-all virtual host for unknown hosts (one object for the whole mesh, so it is encoded once). */
const ALLOW_ANY: JsonObject = deepFreeze({ name: 'allow_any', domains: ['*'], routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s', max_stream_duration: { grpc_timeout_header_max: '0s' } } }] });
const BLOCK_ALL: JsonObject = deepFreeze({ name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] });

const compiled = (typeUrl: ResourceTypeUrl, name: string, resource: JsonObject): CompiledResource =>
  deepFreeze({ name, typeUrl, resource });

interface NamespaceView {
  readonly namespace: string;
  /** Visible Services, sorted by FQDN, with the VirtualService that programs each for this namespace. */
  readonly services: readonly { readonly entry: ServiceEntry; readonly vs: VsEntry | undefined }[];
  /** The winning VirtualServices whose matches depend on the caller. */
  readonly conditioned: readonly VsEntry[];
  /** Key → position in `conditioned` (a variant key lists their variants in that order). */
  readonly conditionedAt: ReadonlyMap<string, number>;
}

/** Which variant of each caller-conditioned VirtualService (by key) a namespace variant takes. */
interface Variants {
  get(vsKey: string): string | undefined;
}

/** A caller-dependent virtual host, compiled per caller variant. */
interface Slot {
  readonly slot: true;
  readonly entry: ServiceEntry;
  readonly port: ServicePort;
  readonly same: boolean;
  readonly withIp: boolean;
  readonly vs: VsEntry;
}

const isSlot = (v: JsonObject | Slot): v is Slot => (v as { slot?: unknown }).slot === true;

/**
 * A run of consecutive virtual hosts of one route configuration: the unit the
 * xDS server encodes, checks and diffs (as one VHDS group), so an edit of one
 * host replaces one chunk, not the route configuration's thousands of hosts.
 */
interface Chunk {
  readonly items: readonly (JsonObject | Slot)[];
  /** Where its caller-dependent items are (filled per variant). */
  readonly slotAt: readonly number[];
}

/** Virtual hosts per chunk: small enough that an edit re-checks little, large enough that a snapshot holds few groups. */
const CHUNK = 128;

const slotsOf = (items: readonly (JsonObject | Slot)[]): number[] => {
  const at: number[] = [];
  items.forEach((v, i) => {
    if (isSlot(v)) at.push(i);
  });
  return at;
};

const chunked = (items: readonly (JsonObject | Slot)[]): readonly Chunk[] => {
  const out: Chunk[] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    const slice = Object.freeze(items.slice(i, i + CHUNK));
    out.push(Object.freeze({ items: slice, slotAt: Object.freeze(slotsOf(slice)) }));
  }
  return Object.freeze(out);
};

interface Template {
  readonly listeners: readonly CompiledResource[];
  readonly ports: readonly { readonly port: number; readonly chunks: readonly Chunk[] }[];
  /** FQDN → where its virtual hosts are (port index, chunk index), to patch a few chunks after a rules-only edit. */
  readonly hostAt: ReadonlyMap<string, readonly (readonly [number, number])[]>;
  readonly clusterNames: ReadonlySet<string>;
  readonly sortedNames: readonly string[];
  readonly clusters: readonly CompiledResource[];
  readonly endpoints: readonly CompiledResource[];
}

interface Outbound {
  readonly listeners: readonly CompiledResource[];
  /** Route configurations without their virtual hosts (`{name, vhds}`), sorted by name. */
  readonly heads: readonly CompiledResource[];
  /** Their virtual hosts as VirtualHost resources `<route configuration>/<host>`, in chunks (ports in order, hosts in order). */
  readonly vhosts: readonly (readonly CompiledResource[])[];
  /** Outbound service clusters only, sorted by name. */
  readonly clusters: readonly CompiledResource[];
  readonly endpoints: readonly CompiledResource[];
}

interface Inbound {
  readonly listener: CompiledResource;
  readonly clusters: readonly CompiledResource[];
  /** The listener and clusters as one frozen group (what the xDS server encodes once per workload). */
  readonly part: readonly CompiledResource[];
}

interface VirtualHostRoutes {
  readonly routes: readonly JsonObject[];
  readonly clusters: readonly string[];
}

let compilerIds = 0;

/** Compiles any number of proxies against one snapshot, sharing the work. */
export class MeshCompiler {
  readonly index: MeshIndex;
  readonly #views = new Map<string, NamespaceView>();
  readonly #outbound = new Map<string, Outbound>();
  #inbound = new Map<string, Inbound>();
  /** Keyed by fqdn|port|VirtualService key|variant. */
  #vhostRoutes = new Map<string, { readonly vs: VsEntry['vs'] | undefined; readonly vsKey: string; readonly routes: VirtualHostRoutes }>();
  /**
   * VirtualService key → its keys in #vhostRoutes and #vhosts, so a
   * rules-only edit drops the edited ones' entries instead of looking at
   * every entry. The lists are copied on write (compilers share them).
   */
  #keysByVs = new Map<string, { readonly routes: readonly string[]; readonly vhosts: readonly string[] }>();
  #clusters = new Map<string, { cluster: CompiledResource; endpoints: CompiledResource }>();
  /** Read-only once built: shared with the next compiler when the policies are the same. */
  #policiesByNs = new Map<string, AuthorizationPolicy[]>();
  /** Read-only once built, like #servicePorts: shared with the next compiler when the Services are the same. */
  #servicesByNs = new Map<string, ServiceEntry[]>();
  #vhosts = new Map<string, { readonly vhost: JsonObject; readonly routes: VirtualHostRoutes }>();
  readonly #templates = new Map<string, Template>();
  /** Outbound cluster name → its Service port. */
  #servicePorts = new Map<string, { entry: ServiceEntry; port: ServicePort }>();

  /** The previous snapshot's outbound config, to keep its objects where nothing changed. */
  readonly #previousOutbound: ReadonlyMap<string, Outbound> | undefined;
  /**
   * When the edit changed only VirtualServices' rules (not their hosts,
   * exportTo, gateways, caller conditions or precedence, so every host has
   * the same winner everywhere): the previous views and templates, patched
   * for the changed VirtualServices' hosts instead of rebuilt.
   */
  #patch: { readonly views: ReadonlyMap<string, NamespaceView>; readonly templates: ReadonlyMap<string, Template>; readonly changed: ReadonlyMap<string, VsEntry>; readonly hosts: ReadonlySet<string> } | undefined;
  /** The VirtualServices whose rules alone changed since the previous compiler (see #patch); undefined when the edit was anything else. */
  get rulesOnlyEdit(): readonly VsEntry[] | undefined {
    return this.#patch === undefined ? undefined : [...this.#patch.changed.values()];
  }
  /** Content signatures of the snapshot's registry, splits and settings, compared with the next snapshot's. */
  #signatures: { registry: string; splits: string; settings: string } | undefined;

  /**
   * With `previous` (the compiler of the mesh before an edit), whatever the
   * edit cannot have changed is taken over from it as the same objects:
   * clusters and endpoints when the registry, TrafficSplits and settings are
   * unchanged; routes and virtual hosts of every VirtualService that is the
   * same object; inbound config when the AuthorizationPolicies are too; and
   * each namespace's outbound groups when their members are all the same.
   * The result is the same as compiling from scratch (a test applies random
   * edits both ways and compares the bytes); what it saves is the work and,
   * downstream, the encoding: the xDS server encodes each object once.
   */
  /** Tells compilers apart (see carriedFrom) without holding on to them. */
  readonly id = ++compilerIds;
  /** The id of the compiler this one took over from, if any. */
  readonly carriedFrom: number | undefined;

  constructor(snapshot: MeshSnapshot, previous?: MeshCompiler) {
    this.index = indexMesh(snapshot, previous?.index);
    this.carriedFrom = previous?.id;
    if (previous !== undefined && previous.index.snapshot.authorizationPolicies === snapshot.authorizationPolicies) this.#policiesByNs = previous.#policiesByNs;
    else {
      for (const p of snapshot.authorizationPolicies) {
        const ns = p.metadata.namespace ?? '';
        let list = this.#policiesByNs.get(ns);
        if (list === undefined) this.#policiesByNs.set(ns, (list = []));
        list.push(p);
      }
    }
    if (previous !== undefined && previous.index.services === this.index.services) {
      this.#servicePorts = previous.#servicePorts;
      this.#servicesByNs = previous.#servicesByNs;
    } else {
      for (const s of this.index.services) {
        for (const port of s.service.ports) this.#servicePorts.set(outboundCluster(port.port, s.fqdn), { entry: s, port });
        let list = this.#servicesByNs.get(s.service.namespace);
        if (list === undefined) this.#servicesByNs.set(s.service.namespace, (list = []));
        list.push(s);
      }
    }
    this.#previousOutbound = previous === undefined ? undefined : previous.#outbound;
    if (previous !== undefined) this.#carry(previous, snapshot);
  }

  #signaturesOf(): { registry: string; splits: string; settings: string } {
    const s = this.index.snapshot;
    this.#signatures ??= { registry: JSON.stringify(s.registry), splits: JSON.stringify(s.trafficSplits), settings: JSON.stringify(s.settings) };
    return this.#signatures;
  }

  #carry(previous: MeshCompiler, snapshot: MeshSnapshot): void {
    const before = previous.index.snapshot;
    const same = <T>(a: T, b: T, sig: () => boolean): boolean => a === b || sig();
    const world =
      same(before.registry, snapshot.registry, () => previous.#signaturesOf().registry === this.#signaturesOf().registry) &&
      same(before.trafficSplits, snapshot.trafficSplits, () => previous.#signaturesOf().splits === this.#signaturesOf().splits) &&
      same(before.settings, snapshot.settings, () => previous.#signaturesOf().settings === this.#signaturesOf().settings);
    if (!world) return;
    // The previous compiler's caches are taken over, not copied: it is left with empty ones (a cache is
    // only ever a shortcut, so asked again it recompiles what it needs from its own snapshot).
    this.#clusters = previous.#clusters;
    previous.#clusters = new Map();
    for (const [k, v] of previous.#specials) this.#specials.set(k, v);
    this.#specialsPart = previous.#specialsPart;
    // The index says which VirtualServices were replaced when it was derived from the previous one; else compare.
    const replaced = this.index.replacedVirtualServices;
    const pairs = replaced !== undefined && replaced.from === previous.index.id ? replaced.pairs : undefined;
    if (pairs !== undefined) {
      // The routes and virtual hosts stay but those of the replaced VirtualServices.
      this.#vhostRoutes = previous.#vhostRoutes;
      this.#vhosts = previous.#vhosts;
      this.#keysByVs = previous.#keysByVs;
      previous.#vhostRoutes = new Map();
      previous.#vhosts = new Map();
      previous.#keysByVs = new Map();
      for (const { before: b } of pairs) {
        const keys = this.#keysByVs.get(b.key);
        if (keys === undefined) continue;
        for (const k of keys.routes) this.#vhostRoutes.delete(k);
        for (const k of keys.vhosts) this.#vhosts.delete(k);
        this.#keysByVs.delete(b.key);
      }
    } else {
      const vsByKey = new Map(this.index.virtualServices.map((v) => [v.key, v.vs]));
      const kept = new Set<VirtualHostRoutes>();
      for (const [k, v] of previous.#vhostRoutes) {
        // The routes stay when the VirtualService is the same object.
        if (v.vsKey === '' ? v.vs === undefined : vsByKey.get(v.vsKey) === v.vs) {
          this.#vhostRoutes.set(k, v);
          kept.add(v.routes);
          if (v.vsKey !== '') this.#noteKey(v.vsKey, k, 'routes');
        }
      }
      for (const [k, v] of previous.#vhosts) {
        if (!kept.has(v.routes)) continue;
        this.#vhosts.set(k, v);
        const vsKey = vhostVsKey(k);
        if (vsKey !== '') this.#noteKey(vsKey, k, 'vhosts');
      }
    }
    const policiesBefore = before.authorizationPolicies;
    const policiesNow = snapshot.authorizationPolicies;
    const policiesSame = policiesBefore === policiesNow || (policiesBefore.length === policiesNow.length && policiesBefore.every((p, i) => p === policiesNow[i]));
    // Inbound listeners carry the jwt_authn filter too: keep them only when RequestAuthentications and their key sets are as they were.
    const authnBefore = before.requestAuthentications ?? [];
    const authnNow = snapshot.requestAuthentications ?? [];
    const authnSame =
      (authnBefore === authnNow || (authnBefore.length === authnNow.length && authnBefore.every((p, i) => p === authnNow[i]))) &&
      (before.keySets === snapshot.keySets || JSON.stringify(before.keySets ?? {}) === JSON.stringify(snapshot.keySets ?? {}));
    if (policiesSame && authnSame) {
      this.#inbound = previous.#inbound;
      previous.#inbound = new Map();
    }
    const a = previous.index.virtualServices;
    const b = this.index.virtualServices;
    if (policiesSame && a.length === b.length) {
      const changed = new Map<string, VsEntry>();
      let rulesOnly = true;
      if (pairs !== undefined) {
        for (const { before: x, now: y } of pairs) {
          if (x.key === y.key && sameShape(x, y)) changed.set(y.key, y);
          else rulesOnly = false;
        }
      } else {
        for (let i = 0; i < a.length && rulesOnly; i++) {
          const x = a[i];
          const y = b[i];
          if (x === undefined || y === undefined || x.key !== y.key) rulesOnly = false;
          else if (x.vs !== y.vs) {
            if (sameShape(x, y)) changed.set(y.key, y);
            else rulesOnly = false;
          }
        }
      }
      if (rulesOnly) {
        const hosts = new Set<string>();
        for (const v of changed.values()) for (const h of v.hosts) hosts.add(h.fqdn);
        this.#patch = { views: previous.#views, templates: previous.#templates, changed, hosts };
        this.#variantKeys = previous.#variantKeys;
      }
    }
  }

  /**
   * A proxy's resources as groups the xDS server can encode once and share
   * (XdsSnapshot.build's parts): the special clusters, the workload's inbound
   * listener and clusters, and its namespace variant's outbound listeners,
   * clusters, endpoints and route configurations.
   */
  partsOf(proxy: ProxyIdentity): readonly (readonly CompiledResource[])[] {
    const workload = this.index.workloadsByKey.get(`${proxy.namespace}/${proxy.workload}`);
    const caller: Caller = { namespace: proxy.namespace, labels: workload?.labels ?? {} };
    const outbound = this.#outboundFor(caller, `${proxy.namespace}/${proxy.workload}`);
    const inbound = this.#inboundFor(proxy, workload);
    return [this.#specialPart(), inbound.part, outbound.listeners, outbound.clusters, outbound.endpoints, outbound.heads, ...outbound.vhosts];
  }

  #specialsPart: readonly CompiledResource[] | undefined;
  #specialPart(): readonly CompiledResource[] {
    this.#specialsPart ??= Object.freeze([this.#special(blackholeCluster), this.#special(passthroughCluster)]);
    return this.#specialsPart;
  }

  compileProxy(proxy: ProxyIdentity): ProxyConfig {
    const workload = this.index.workloadsByKey.get(`${proxy.namespace}/${proxy.workload}`);
    const caller: Caller = { namespace: proxy.namespace, labels: workload?.labels ?? {} };
    const outbound = this.#outboundFor(caller);
    const inbound = this.#inboundFor(proxy, workload);
    const listeners = [...outbound.listeners, inbound.listener].sort((a, b) => byString(a.name, b.name));
    // Names sort as BlackHoleCluster < PassthroughCluster < inbound|… < outbound|…
    const clusters = [this.#special(blackholeCluster), this.#special(passthroughCluster), ...inbound.clusters, ...outbound.clusters];
    return Object.freeze({
      proxy: Object.freeze({ namespace: proxy.namespace, workload: proxy.workload }),
      known: workload !== undefined,
      listeners: Object.freeze(listeners),
      routes: inlineRoutes(outbound),
      clusters: Object.freeze(clusters),
      endpoints: outbound.endpoints,
    });
  }

  readonly #specials = new Map<string, CompiledResource>();
  #special(cluster: JsonObject): CompiledResource {
    const name = String(cluster['name']);
    let c = this.#specials.get(name);
    if (c === undefined) this.#specials.set(name, (c = compiled(TypeUrl.Cluster, name, cluster)));
    return c;
  }

  #view(namespace: string): NamespaceView {
    let view = this.#views.get(namespace);
    if (view !== undefined) return view;
    const before = this.#patch?.views.get(namespace);
    const changed = this.#patch?.changed;
    if (before !== undefined && changed !== undefined) {
      // Same winners everywhere: the previous view, with the changed VirtualServices' new entries where they are.
      const services = before.services.slice();
      let conditioned = before.conditioned;
      for (const [key, vs] of changed) {
        // Services are sorted by FQDN: each host of the VirtualService is found by bisection.
        for (const h of vs.hosts) {
          const i = bisect(services, h.fqdn);
          const s = services[i];
          if (s !== undefined && s.entry.fqdn === h.fqdn && s.vs?.key === key) services[i] = { entry: s.entry, vs };
        }
        if (vs.sourceConditions.length > 0) conditioned = conditioned.map((v) => (v.key === key ? vs : v));
      }
      view = { namespace, services, conditioned, conditionedAt: before.conditionedAt };
      this.#views.set(namespace, view);
      return view;
    }
    const services: { entry: ServiceEntry; vs: VsEntry | undefined }[] = [];
    const conditioned = new Map<string, VsEntry>();
    for (const entry of this.index.services) {
      if (!this.index.serviceVisible(entry, namespace)) continue;
      const vs = this.index.vsFor(entry.fqdn, namespace);
      services.push({ entry, vs });
      if (vs !== undefined && vs.sourceConditions.length > 0) conditioned.set(vs.key, vs);
    }
    const sorted = [...conditioned.values()].sort((a, b) => a.rank - b.rank);
    view = { namespace, services, conditioned: sorted, conditionedAt: new Map(sorted.map((vs, i) => [vs.key, i])) };
    this.#views.set(namespace, view);
    return view;
  }

  #clusterFor(entry: ServiceEntry, port: ServicePort): { cluster: CompiledResource; endpoints: CompiledResource } {
    const name = outboundCluster(port.port, entry.fqdn);
    let c = this.#clusters.get(name);
    if (c === undefined) {
      c = {
        cluster: compiled(TypeUrl.Cluster, name, outboundClusterResource(this.index.settings, entry, port)),
        endpoints: compiled(TypeUrl.ClusterLoadAssignment, name, loadAssignment(entry, port)),
      };
      this.#clusters.set(name, c);
    }
    return c;
  }

  #noteKey(vsKey: string, key: string, kind: 'routes' | 'vhosts'): void {
    const was = this.#keysByVs.get(vsKey) ?? { routes: [], vhosts: [] };
    this.#keysByVs.set(vsKey, kind === 'routes' ? { routes: [...was.routes, key], vhosts: was.vhosts } : { routes: was.routes, vhosts: [...was.vhosts, key] });
  }

  /** One Service port's virtual host, shared by every route configuration that has the same one. */
  #vhost(entry: ServiceEntry, port: ServicePort, same: boolean, withIp: boolean, routesKey: string, routes: VirtualHostRoutes): JsonObject {
    const key = `${entry.fqdn}|${port.port}|${same ? 1 : 0}${withIp ? 1 : 0}|${routesKey}`;
    const v = this.#vhosts.get(key);
    if (v !== undefined && v.routes === routes) return v.vhost;
    const service = withIp ? entry.service : { ...entry.service, clusterIP: undefined };
    const vhost: JsonObject = deepFreeze({ name: `${entry.fqdn}:${port.port}`, domains: serviceDomains(service, port.port, entry.fqdn, same), routes: routes.routes as unknown as JsonValue });
    if (v === undefined) {
      const vsKey = vhostVsKey(key);
      if (vsKey !== '') this.#noteKey(vsKey, key, 'vhosts');
    }
    this.#vhosts.set(key, { vhost, routes });
    return vhost;
  }

  #routesFor(entry: ServiceEntry, port: ServicePort, vs: VsEntry | undefined, caller: Caller, variant: string): VirtualHostRoutes {
    const key = `${entry.fqdn}|${port.port}|${vs?.key ?? ''}|${variant}`;
    const r = this.#vhostRoutes.get(key);
    if (r !== undefined) return r.routes;
    const routes = deepFreeze(compileServiceRoutes(this.index, vs, entry, port, caller));
    this.#vhostRoutes.set(key, { vs: vs?.vs, vsKey: vs?.key ?? '', routes });
    if (vs !== undefined) this.#noteKey(vs.key, key, 'routes');
    return routes;
  }

  /**
   * Workload (`ns/name`) → its outbound variant key: which caller-conditioned
   * matches hold for it. Shared with the previous compiler after a rules-only
   * edit, which changes neither the conditions, their order nor any labels.
   */
  #variantKeys = new Map<string, string>();

  #outboundFor(caller: Caller, workloadKey?: string): Outbound {
    const view = this.#view(caller.namespace);
    let key = workloadKey === undefined ? undefined : this.#variantKeys.get(workloadKey);
    if (key === undefined) {
      key = `${caller.namespace}#${view.conditioned.map((vs) => callerVariant(vs, caller)).join('.')}`;
      if (workloadKey !== undefined) this.#variantKeys.set(workloadKey, key);
    }
    let out = this.#outbound.get(key);
    if (out === undefined) {
      // The key lists each conditioned VirtualService's variant in order (bits, joined by '.').
      const bits = key.slice(key.indexOf('#') + 1).split('.');
      const at = view.conditionedAt;
      const variants: Variants = { get: (vsKey) => { const i = at.get(vsKey); return i === undefined ? undefined : bits[i]; } };
      const before = this.#previousOutbound?.get(key);
      // After a rules-only edit: the variant's previous groups with the chunks the edit replaced refilled.
      const beforeTemplate = this.#patch?.templates.get(caller.namespace);
      if (before !== undefined && beforeTemplate !== undefined) out = this.#patchOutbound(this.#template(view), beforeTemplate, before, caller, variants);
      if (out === undefined) {
        out = this.#buildOutbound(view, caller, variants);
        if (before !== undefined) out = keepSame(before, out);
      }
      this.#outbound.set(key, out);
    }
    return out;
  }

  /**
   * The previous outbound groups of a variant for a template patched from
   * `was` (#patchTemplate): the chunks it replaced are filled again, every
   * other group is kept. Undefined (build afresh) when the layout changed or
   * a refilled chunk's caller-dependent routes name other clusters than the
   * namespace's, which would change the variant's cluster list.
   */
  #patchOutbound(t: Template, was: Template, before: Outbound, caller: Caller, variants: Variants): Outbound | undefined {
    if (t === was) return before;
    if (t.listeners !== was.listeners || t.clusterNames !== was.clusterNames || t.ports.length !== was.ports.length) return undefined;
    let vhosts: (readonly CompiledResource[])[] | undefined;
    let at = 0;
    for (let p = 0; p < t.ports.length; p++) {
      const now = t.ports[p];
      const old = was.ports[p];
      if (now === undefined || old === undefined || now.port !== old.port || now.chunks.length !== old.chunks.length) return undefined;
      const rc = routeConfigName(now.port);
      for (let c = 0; c < now.chunks.length; c++, at++) {
        const chunk = now.chunks[c];
        const prior = old.chunks[c];
        if (chunk === prior) continue;
        const held = before.vhosts[at];
        if (chunk === undefined || prior === undefined || held === undefined) return undefined;
        const filled = this.#fill(chunk, rc, caller, variants, prior);
        for (const name of filled.clusters) if (!t.clusterNames.has(name)) return undefined;
        // What the old chunk added to the variant's clusters (its fill is still cached: it is the previous compiler's).
        if (prior.slotAt.length > 0) {
          const priorFill = filledChunks.get(prior)?.get(fillKey(prior, variants));
          if (priorFill === undefined || priorFill.clusters.some((name) => !t.clusterNames.has(name))) return undefined;
        }
        if (sameItems(held, filled.vhosts)) continue;
        vhosts ??= before.vhosts.slice();
        vhosts[at] = filled.vhosts;
      }
    }
    if (at !== before.vhosts.length) return undefined;
    return vhosts === undefined ? before : Object.freeze({ ...before, vhosts: Object.freeze(vhosts) });
  }

  /** A chunk's virtual hosts as resources for a variant, and the clusters its caller-dependent routes name. */
  #fill(chunk: Chunk, rc: string, caller: Caller, variants: Variants, prior?: Chunk): { readonly vhosts: readonly CompiledResource[]; readonly clusters: readonly string[] } {
    if (chunk.slotAt.length === 0) return { vhosts: sharedChunk(chunk, rc), clusters: [] };
    // Filled once per chunk and combination of its slots' variants: namespaces' variants differ in few slots.
    const key = fillKey(chunk, variants);
    let byKey = filledChunks.get(chunk);
    if (byKey === undefined) filledChunks.set(chunk, (byKey = new Map()));
    let f = byKey.get(key);
    // The chunk it replaced (#patchTemplate), filled for this variant, with the same caller-dependent hosts:
    // only the hosts that are new objects need filling, and the clusters are those of the same slots.
    const before = f === undefined && prior !== undefined && prior.items.length === chunk.items.length && chunk.slotAt.every((i) => chunk.items[i] === prior.items[i]) ? filledChunks.get(prior)?.get(key) : undefined;
    if (f === undefined && before !== undefined) {
      const filled = chunk.items.map((v, i) => {
        const was = before.vhosts[i];
        return v === prior?.items[i] && was !== undefined ? was : isSlot(v) ? undefined : vhostResource(v, rc);
      });
      if (filled.every((x): x is CompiledResource => x !== undefined)) byKey.set(key, (f = { vhosts: Object.freeze(filled), clusters: before.clusters }));
    }
    if (f === undefined) {
      const clusters = new Set<string>();
      const filled = chunk.items.map((v) => {
        if (!isSlot(v)) return vhostResource(v, rc);
        const variant = variants.get(v.vs.key) ?? '';
        const r = this.#routesFor(v.entry, v.port, v.vs, caller, variant);
        for (const c of r.clusters) clusters.add(c);
        return vhostResource(this.#vhost(v.entry, v.port, v.same, v.withIp, `${v.vs.key}|${variant}`, r), rc);
      });
      byKey.set(key, (f = { vhosts: Object.freeze(filled), clusters: [...clusters] }));
    }
    return f;
  }

  /**
   * What every proxy of a namespace shares: listeners, the virtual hosts of
   * Services whose routing does not depend on the caller, and their clusters.
   * Caller-dependent virtual hosts are left as slots for #buildOutbound.
   */
  #template(view: NamespaceView): Template {
    let t = this.#templates.get(view.namespace);
    if (t !== undefined) return t;
    const before = this.#patch?.templates.get(view.namespace);
    if (before !== undefined) {
      const patched = this.#patchTemplate(view, before);
      if (patched !== undefined) {
        this.#templates.set(view.namespace, patched);
        return patched;
      }
    }
    const unknownHost = this.index.settings.outboundTrafficPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
    const httpPorts = new Map<number, (JsonObject | Slot)[]>();
    const usedIps = new Map<number, Set<string>>();
    const tcpPorts = new Map<number, TcpTarget[]>();
    const clusterNames = new Set<string>();
    const noCaller: Caller = { namespace: view.namespace, labels: {} };
    for (const { entry, vs } of view.services) {
      const same = entry.service.namespace === view.namespace;
      for (const port of entry.service.ports) {
        const own = outboundCluster(port.port, entry.fqdn);
        clusterNames.add(own);
        const ip = entry.service.clusterIP;
        if (!isHttp(port.protocol)) {
          // Headless TCP Services have no address to match on; their traffic passes through.
          if (ip === undefined || ip === '' || ip === 'None') continue;
          let list = tcpPorts.get(port.port);
          if (list === undefined) tcpPorts.set(port.port, (list = []));
          if (!list.some((x) => x.clusterIP === ip)) list.push({ clusterIP: ip, cluster: own });
          continue;
        }
        // A domain may appear in one virtual host only (Envoy rejects duplicates). Names are unique by
        // construction; a ClusterIP shared by two Services stays with the first by FQDN.
        let ips = usedIps.get(port.port);
        if (ips === undefined) usedIps.set(port.port, (ips = new Set()));
        const withIp = ip !== undefined && ip !== '' && ip !== 'None' && !ips.has(ip);
        if (withIp) ips.add(ip);
        let vhosts = httpPorts.get(port.port);
        if (vhosts === undefined) httpPorts.set(port.port, (vhosts = []));
        if (vs !== undefined && vs.sourceConditions.length > 0) {
          vhosts.push({ slot: true, entry, port, same, withIp, vs });
          continue;
        }
        const routes = this.#routesFor(entry, port, vs, noCaller, '');
        for (const c of routes.clusters) clusterNames.add(c);
        const vhost = this.#vhost(entry, port, same, withIp, `${vs?.key ?? ''}|`, routes);
        templateHosts.set(vhost, { entry, port, same, withIp, routes });
        vhosts.push(vhost);
      }
    }
    const listeners: CompiledResource[] = [compiled(TypeUrl.Listener, 'virtualOutbound', virtualOutboundListener(unknownHost))];
    const ports = [...new Set([...httpPorts.keys(), ...tcpPorts.keys()])].sort((a, b) => a - b);
    for (const port of ports) {
      const tcp = (tcpPorts.get(port) ?? []).slice().sort((a, b) => byString(a.clusterIP, b.clusterIP));
      const l = outboundPortListener(port, httpPorts.has(port), tcp, unknownHost);
      listeners.push(compiled(TypeUrl.Listener, String(l['name']), l));
    }
    listeners.sort((a, b) => byString(a.name, b.name));
    const catchAll = unknownHost === PASSTHROUGH_CLUSTER ? ALLOW_ANY : BLOCK_ALL;
    const sortedNames = [...clusterNames].sort(byString);
    const { clusters, endpoints } = this.#clusterList(sortedNames);
    const portList = [...httpPorts.keys()].sort((a, b) => a - b).map((port) => ({ port, chunks: chunked([...(httpPorts.get(port) ?? []), catchAll]) }));
    const hostAt = new Map<string, [number, number][]>();
    portList.forEach(({ chunks }, p) =>
      chunks.forEach((chunk, c) => {
        for (const v of chunk.items) {
          const fqdn = isSlot(v) ? v.entry.fqdn : templateHosts.get(v)?.entry.fqdn;
          if (fqdn === undefined) continue;
          let at = hostAt.get(fqdn);
          if (at === undefined) hostAt.set(fqdn, (at = []));
          if (!at.some(([x, y]) => x === p && y === c)) at.push([p, c]);
        }
      }),
    );
    t = {
      listeners: Object.freeze(listeners),
      ports: portList,
      hostAt,
      clusterNames,
      sortedNames,
      clusters,
      endpoints,
    };
    this.#templates.set(view.namespace, t);
    return t;
  }

  /**
   * The previous template with the virtual hosts of the changed
   * VirtualServices' hosts recompiled; undefined (build it afresh) when a
   * recompiled host's routes name other clusters than before.
   */
  #patchTemplate(view: NamespaceView, before: Template): Template | undefined {
    const dirty = this.#patch?.hosts;
    if (dirty === undefined) return undefined;
    const vsOf = new Map<string, VsEntry | undefined>();
    for (const { entry, vs } of view.services) if (dirty.has(entry.fqdn)) vsOf.set(entry.fqdn, vs);
    if (vsOf.size === 0) return before;
    const noCaller: Caller = { namespace: view.namespace, labels: {} };
    // Only the chunks holding a changed host are rebuilt; the rest keep their identity.
    const ports = before.ports.slice();
    const copied = new Set<number>();
    for (const fqdn of vsOf.keys()) {
      for (const [p, c] of before.hostAt.get(fqdn) ?? []) {
        const port = ports[p];
        const chunk = port?.chunks[c];
        if (port === undefined || chunk === undefined) return undefined;
        const out: (JsonObject | Slot)[] = [];
        for (const v of chunk.items) {
          if (isSlot(v)) {
            const vs = vsOf.get(v.entry.fqdn);
            out.push(vs === undefined || !dirty.has(v.entry.fqdn) ? v : { ...v, vs });
            continue;
          }
          const info = templateHosts.get(v);
          if (info === undefined && v !== ALLOW_ANY && v !== BLOCK_ALL) return undefined;
          if (info === undefined || !dirty.has(info.entry.fqdn)) {
            out.push(v);
            continue;
          }
          const vs = vsOf.get(info.entry.fqdn);
          const routes = this.#routesFor(info.entry, info.port, vs, noCaller, '');
          if (routes.clusters.length !== info.routes.clusters.length || routes.clusters.some((x, i) => x !== info.routes.clusters[i])) return undefined;
          const vhost = this.#vhost(info.entry, info.port, info.same, info.withIp, `${vs?.key ?? ''}|`, routes);
          templateHosts.set(vhost, { ...info, routes });
          out.push(vhost);
        }
        const chunks = copied.has(p) ? (port.chunks as Chunk[]) : port.chunks.slice();
        copied.add(p);
        chunks[c] = Object.freeze({ items: Object.freeze(out), slotAt: chunk.slotAt });
        ports[p] = { port: port.port, chunks };
      }
    }
    return { ...before, ports };
  }

  #clusterList(sortedNames: readonly string[]): { clusters: readonly CompiledResource[]; endpoints: readonly CompiledResource[] } {
    const clusters: CompiledResource[] = [];
    const endpoints: CompiledResource[] = [];
    for (const name of sortedNames) {
      // BlackHoleCluster and PassthroughCluster are added per proxy.
      const target = this.#servicePorts.get(name);
      if (target === undefined) continue;
      const c = this.#clusterFor(target.entry, target.port);
      clusters.push(c.cluster);
      endpoints.push(c.endpoints);
    }
    return { clusters: Object.freeze(clusters), endpoints: Object.freeze(endpoints) };
  }

  #buildOutbound(view: NamespaceView, caller: Caller, variants: Variants): Outbound {
    const t = this.#template(view);
    const extra = new Set<string>();
    const heads: CompiledResource[] = [];
    const vhosts: (readonly CompiledResource[])[] = [];
    for (const { port, chunks } of t.ports) {
      const rc = routeConfigName(port);
      heads.push(routeHead(rc));
      for (const chunk of chunks) {
        const f = this.#fill(chunk, rc, caller, variants);
        for (const c of f.clusters) if (!t.clusterNames.has(c)) extra.add(c);
        vhosts.push(f.vhosts);
      }
    }
    heads.sort((a, b) => byString(a.name, b.name));
    // Clusters only caller-dependent routes name are rare: share the namespace's list unless there are some.
    const list = extra.size === 0 ? t : this.#clusterList([...t.sortedNames, ...extra].sort(byString));
    return Object.freeze({ listeners: t.listeners, heads: Object.freeze(heads), vhosts: Object.freeze(vhosts), clusters: list.clusters, endpoints: list.endpoints });
  }

  /** The ports a workload serves: target ports of the Services in its namespace that select it. */
  inboundPorts(workload: WorkloadEntry): InboundPort[] {
    const byPort = new Map<number, InboundPort>();
    for (const s of this.#servicesByNs.get(workload.identity.namespace) ?? []) {
      const selector = s.service.selector;
      if (selector === undefined || Object.keys(selector).length === 0 || !labelsMatch(selector, workload.labels)) continue;
      for (const p of s.service.ports) {
        const override = p.name !== undefined ? workload.instances.find((i) => i.ports?.[p.name ?? ''] !== undefined)?.ports?.[p.name] : undefined;
        const target = override ?? p.targetPort;
        // The first Service (by FQDN) to declare a target port decides its protocol.
        if (!byPort.has(target)) byPort.set(target, { port: target, protocol: p.protocol });
      }
    }
    return [...byPort.values()].sort((a, b) => a.port - b.port);
  }

  #inboundFor(proxy: ProxyIdentity, workload: WorkloadEntry | undefined): Inbound {
    const key = `${proxy.namespace}/${proxy.workload}`;
    let inbound = this.#inbound.get(key);
    if (inbound !== undefined) return inbound;
    const settings = this.index.settings;
    const mode = settings.namespaceMtls[proxy.namespace] ?? settings.defaultMtls;
    const ports = workload === undefined ? [] : this.inboundPorts(workload);
    let authz: InboundAuthz = { httpFilters: [], networkFilters: [] };
    if (workload !== undefined) {
      // JWT authentication first, so the RBAC filters see the verified principal (istio_authn metadata).
      const authnCandidates = (this.index.snapshot.requestAuthentications ?? []).filter((p) => {
        const ns = p.metadata.namespace;
        return ns === proxy.namespace || ns === settings.rootNamespace;
      });
      if (authnCandidates.length > 0) {
        const built = compileAuthn(authnCandidates, { namespace: proxy.namespace, labels: workload.labels }, settings, this.index.snapshot.keySets ?? {});
        if (built.filter !== undefined) authz = { httpFilters: [canonicalFilter(built.filter)], networkFilters: [] };
      }
      // Only this namespace's and the root namespace's policies can select the workload.
      const candidates = [
        ...(this.#policiesByNs.get(proxy.namespace) ?? []),
        ...(proxy.namespace === settings.rootNamespace ? [] : (this.#policiesByNs.get(settings.rootNamespace) ?? [])),
      ];
      if (candidates.length > 0) {
        const built = compileAuthz(candidates, { namespace: proxy.namespace, labels: workload.labels }, settings);
        authz = { httpFilters: [...authz.httpFilters, ...built.httpFilters.map(canonicalFilter)], networkFilters: built.networkFilters.map(canonicalFilter) };
      }
    }
    const listener = compiled(TypeUrl.Listener, 'virtualInbound', virtualInboundListener(ports, mode, authz));
    const clusters = ports.map((p) => compiled(TypeUrl.Cluster, `inbound|${p.port}||`, inboundClusterResource(p.port, p.protocol)));
    inbound = { listener, clusters, part: Object.freeze([listener, ...clusters]) };
    this.#inbound.set(key, inbound);
    return inbound;
  }
}

/** The VirtualService key in a #vhosts key (fqdn|port|flags|VirtualService key|variant); '' for none. */
const vhostVsKey = (key: string): string => key.split('|')[3] ?? '';

/** The first position in `services` (sorted by FQDN, as the index sorts them) whose FQDN is not below `fqdn`. */
function bisect(services: NamespaceView['services'], fqdn: string): number {
  let lo = 0;
  let hi = services.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = services[mid];
    if (s !== undefined && byString(s.entry.fqdn, fqdn) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What a template's virtual host was built from, to recompile it when only its VirtualService's rules change. */
const templateHosts = new WeakMap<JsonObject, { readonly entry: ServiceEntry; readonly port: ServicePort; readonly same: boolean; readonly withIp: boolean; readonly routes: VirtualHostRoutes }>();

/** Whether an edit of a VirtualService left everything that decides where it wins as it was. */
function sameShape(a: VsEntry, b: VsEntry): boolean {
  return (
    a.rank === b.rank &&
    a.namespace === b.namespace &&
    a.forSidecars === b.forSidecars &&
    JSON.stringify(a.hosts) === JSON.stringify(b.hosts) &&
    JSON.stringify(a.vs.spec.exportTo ?? null) === JSON.stringify(b.vs.spec.exportTo ?? null) &&
    JSON.stringify(a.sourceConditions) === JSON.stringify(b.sourceConditions)
  );
}

const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Resources compared by content: listeners are rebuilt with the namespace (few, small), the rest are shared objects. */
const sameResource = (a: CompiledResource, b: CompiledResource): boolean =>
  a === b || (a.name === b.name && a.typeUrl === b.typeUrl && JSON.stringify(a.resource) === JSON.stringify(b.resource));

/**
 * The previous outbound config's objects wherever the new one has the same
 * content, so that unchanged groups keep their identity (and their encoding)
 * across an edit. Route configurations are compared by their virtual hosts'
 * identities: virtual hosts of unchanged VirtualServices are the same objects.
 */
function keepSame(before: Outbound, now: Outbound): Outbound {
  const listeners = before.listeners.length === now.listeners.length && now.listeners.every((l, i) => { const b = before.listeners[i]; return b !== undefined && sameResource(b, l); })
    ? before.listeners
    : now.listeners;
  const heads = sameItems(before.heads, now.heads) ? before.heads : now.heads;
  // Chunks in the same place with the same virtual hosts keep their identity (and the xDS server's work on them).
  let vhosts = now.vhosts;
  if (before.vhosts.length === now.vhosts.length) {
    const kept = now.vhosts.map((c, i) => {
      const b = before.vhosts[i];
      return b !== undefined && (b === c || sameItems(b, c)) ? b : c;
    });
    vhosts = sameItems(before.vhosts, kept) ? before.vhosts : Object.freeze(kept);
  }
  const clusters = sameItems(before.clusters, now.clusters) ? before.clusters : now.clusters;
  const endpoints = sameItems(before.endpoints, now.endpoints) ? before.endpoints : now.endpoints;
  if (listeners === before.listeners && heads === before.heads && vhosts === before.vhosts && clusters === before.clusters && endpoints === before.endpoints) return before;
  return Object.freeze({ listeners, heads, vhosts, clusters, endpoints });
}

/** `{name, vhds}`: a route configuration taking its virtual hosts over VHDS (one object per name for the whole process). */
const VHDS_SOURCE: JsonObject = deepFreeze({ config_source: { ads: {}, resource_api_version: 'V3' } });
const routeHeads = new Map<string, CompiledResource>();
function routeHead(name: string): CompiledResource {
  let h = routeHeads.get(name);
  if (h === undefined) routeHeads.set(name, (h = compiled(TypeUrl.RouteConfiguration, name, { name, vhds: VHDS_SOURCE })));
  return h;
}

const vhostResources = new WeakMap<object, Map<string, CompiledResource>>();
/** A virtual host as the VirtualHost resource `<route configuration>/<name>`, one wrapper per (virtual host, route configuration). */
function vhostResource(vh: JsonObject, rc: string): CompiledResource {
  let m = vhostResources.get(vh);
  if (m === undefined) vhostResources.set(vh, (m = new Map()));
  let r = m.get(rc);
  if (r === undefined) m.set(rc, (r = compiled(TypeUrl.VirtualHost, `${rc}/${String(vh['name'])}`, vh)));
  return r;
}

/** Which variant of each of a chunk's caller-dependent hosts a variant takes (filledChunks' key). */
const fillKey = (chunk: Chunk, variants: Variants): string =>
  chunk.slotAt.map((i) => { const v = chunk.items[i]; return v !== undefined && isSlot(v) ? (variants.get(v.vs.key) ?? '') : ''; }).join('.');

const sharedChunks = new WeakMap<Chunk, readonly CompiledResource[]>();
/**
 * A chunk with caller-dependent hosts, filled per combination of its slots'
 * variants. A chunk object outlives its compiler only when an edit left
 * everything but other VirtualServices' rules unchanged (the patch path),
 * so what it was filled with still holds.
 */
const filledChunks = new WeakMap<Chunk, Map<string, { readonly vhosts: readonly CompiledResource[]; readonly clusters: readonly string[] }>>();
/** A chunk without caller-dependent hosts as resources, shared by every variant of the namespace. */
function sharedChunk(chunk: Chunk, rc: string): readonly CompiledResource[] {
  let r = sharedChunks.get(chunk);
  if (r === undefined) sharedChunks.set(chunk, (r = Object.freeze(chunk.items.map((v) => (isSlot(v) ? undefined : vhostResource(v, rc))).filter((x): x is CompiledResource => x !== undefined))));
  return r;
}

const inline = new WeakMap<Outbound, readonly CompiledResource[]>();
/** The route configurations with their virtual hosts inline (compileProxy, proxyless gRPC), built once per variant when asked. */
function inlineRoutes(out: Outbound): readonly CompiledResource[] {
  let r = inline.get(out);
  if (r === undefined) {
    const byRc = new Map<string, JsonValue[]>();
    for (const chunk of out.vhosts) {
      for (const v of chunk) {
        const rc = v.name.slice(0, v.name.lastIndexOf('/'));
        let l = byRc.get(rc);
        if (l === undefined) byRc.set(rc, (l = []));
        l.push(v.resource);
      }
    }
    r = Object.freeze(out.heads.map((h) => compiled(TypeUrl.RouteConfiguration, h.name, { name: h.name, virtual_hosts: byRc.get(h.name) ?? [] })));
    inline.set(out, r);
  }
  return r;
}

const compilers = new WeakMap<MeshSnapshot, MeshCompiler>();

/** The compiler of a snapshot, built once per snapshot object (taking over what it can from `previous`, the mesh's compiler before an edit). */
export function meshCompiler(snapshot: MeshSnapshot, previous?: MeshCompiler): MeshCompiler {
  let c = compilers.get(snapshot);
  if (c === undefined) compilers.set(snapshot, (c = new MeshCompiler(snapshot, previous)));
  return c;
}

/** One proxy's Envoy resources. Repeated calls on the same snapshot share work. */
export function compileProxy(snapshot: MeshSnapshot, proxy: ProxyIdentity): ProxyConfig {
  return meshCompiler(snapshot).compileProxy(proxy);
}

/** Every resource of a proxy's config, in the order the xDS server sends them (clusters, endpoints, listeners, routes). */
export function allResources(config: ProxyConfig): CompiledResource[] {
  return [...config.clusters, ...config.endpoints, ...config.listeners, ...config.routes];
}
