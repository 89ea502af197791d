// The compiler's entry: a mesh snapshot and a proxy's identity → that proxy's
// Envoy resources. Pure: no clock, no I/O, same input → the same objects in
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

const compiled = (typeUrl: ResourceTypeUrl, name: string, resource: JsonObject): CompiledResource =>
  deepFreeze({ name, typeUrl, resource });

interface NamespaceView {
  readonly namespace: string;
  /** Visible Services, sorted by FQDN, with the VirtualService that programs each for this namespace. */
  readonly services: readonly { readonly entry: ServiceEntry; readonly vs: VsEntry | undefined }[];
  /** The winning VirtualServices whose matches depend on the caller. */
  readonly conditioned: readonly VsEntry[];
}

interface Outbound {
  readonly listeners: readonly CompiledResource[];
  readonly routes: readonly CompiledResource[];
  /** Outbound service clusters only, sorted by name. */
  readonly clusters: readonly CompiledResource[];
  readonly endpoints: readonly CompiledResource[];
}

interface Inbound {
  readonly listener: CompiledResource;
  readonly clusters: readonly CompiledResource[];
}

interface VirtualHostRoutes {
  readonly routes: readonly JsonObject[];
  readonly clusters: readonly string[];
}

/** Compiles any number of proxies against one snapshot, sharing the work. */
export class MeshCompiler {
  readonly index: MeshIndex;
  readonly #views = new Map<string, NamespaceView>();
  readonly #outbound = new Map<string, Outbound>();
  readonly #inbound = new Map<string, Inbound>();
  readonly #vhostRoutes = new Map<string, VirtualHostRoutes>();
  readonly #clusters = new Map<string, { cluster: CompiledResource; endpoints: CompiledResource }>();
  readonly #policiesByNs = new Map<string, AuthorizationPolicy[]>();
  readonly #servicesByNs = new Map<string, ServiceEntry[]>();

  constructor(snapshot: MeshSnapshot) {
    this.index = indexMesh(snapshot);
    for (const p of snapshot.authorizationPolicies) {
      const ns = p.metadata.namespace ?? '';
      let list = this.#policiesByNs.get(ns);
      if (list === undefined) this.#policiesByNs.set(ns, (list = []));
      list.push(p);
    }
    for (const s of this.index.services) {
      let list = this.#servicesByNs.get(s.service.namespace);
      if (list === undefined) this.#servicesByNs.set(s.service.namespace, (list = []));
      list.push(s);
    }
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
      routes: outbound.routes,
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
    const services: { entry: ServiceEntry; vs: VsEntry | undefined }[] = [];
    const conditioned = new Map<string, VsEntry>();
    for (const entry of this.index.services) {
      if (!this.index.serviceVisible(entry, namespace)) continue;
      const vs = this.index.vsFor(entry.fqdn, namespace);
      services.push({ entry, vs });
      if (vs !== undefined && vs.sourceConditions.length > 0) conditioned.set(vs.key, vs);
    }
    view = { namespace, services, conditioned: [...conditioned.values()].sort((a, b) => a.rank - b.rank) };
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

  #routesFor(entry: ServiceEntry, port: ServicePort, vs: VsEntry | undefined, caller: Caller, variant: string): VirtualHostRoutes {
    const key = `${entry.fqdn}|${port.port}|${vs?.key ?? ''}|${variant}`;
    let r = this.#vhostRoutes.get(key);
    if (r === undefined) {
      r = compileServiceRoutes(this.index, vs, entry, port, caller);
      deepFreeze(r);
      this.#vhostRoutes.set(key, r);
    }
    return r;
  }

  #outboundFor(caller: Caller): Outbound {
    const view = this.#view(caller.namespace);
    const variants = view.conditioned.map((vs) => callerVariant(vs, caller));
    const key = `${caller.namespace}#${variants.join('.')}`;
    let out = this.#outbound.get(key);
    if (out === undefined) {
      out = this.#buildOutbound(view, caller, new Map(view.conditioned.map((vs, i) => [vs.key, variants[i] ?? ''])));
      this.#outbound.set(key, out);
    }
    return out;
  }

  #buildOutbound(view: NamespaceView, caller: Caller, variants: ReadonlyMap<string, string>): Outbound {
    const settings = this.index.settings;
    const unknownHost = settings.outboundTrafficPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
    const httpPorts = new Map<number, JsonObject[]>();
    const usedDomains = new Map<number, Set<string>>();
    const tcpPorts = new Map<number, TcpTarget[]>();
    const clusterNames = new Set<string>();
    for (const { entry, vs } of view.services) {
      for (const port of entry.service.ports) {
        clusterNames.add(outboundCluster(port.port, entry.fqdn));
        if (!isHttp(port.protocol)) {
          const ip = entry.service.clusterIP;
          // Headless TCP Services have no address to match on; their traffic passes through.
          if (ip === undefined || ip === '' || ip === 'None') continue;
          let list = tcpPorts.get(port.port);
          if (list === undefined) tcpPorts.set(port.port, (list = []));
          if (!list.some((t) => t.clusterIP === ip)) list.push({ clusterIP: ip, cluster: outboundCluster(port.port, entry.fqdn) });
          continue;
        }
        const variant = vs === undefined ? '' : (variants.get(vs.key) ?? '');
        const routes = this.#routesFor(entry, port, vs, caller, variant);
        for (const c of routes.clusters) clusterNames.add(c);
        let used = usedDomains.get(port.port);
        if (used === undefined) usedDomains.set(port.port, (used = new Set()));
        // A domain may appear in one virtual host only (Envoy rejects duplicates); the first Service by FQDN keeps it.
        const domains = serviceDomains(entry.service, port.port, entry.fqdn, entry.service.namespace === view.namespace).filter(
          (d) => (used.has(d) ? false : (used.add(d), true)),
        );
        if (domains.length === 0) continue;
        let vhosts = httpPorts.get(port.port);
        if (vhosts === undefined) httpPorts.set(port.port, (vhosts = []));
        vhosts.push({ name: `${entry.fqdn}:${port.port}`, domains, routes: routes.routes as unknown as JsonValue });
      }
    }
    const catchAll: JsonObject =
      unknownHost === PASSTHROUGH_CLUSTER
        ? { name: 'allow_any', domains: ['*'], routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s' } }] }
        : { name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] };

    const routes: CompiledResource[] = [];
    for (const port of [...httpPorts.keys()].sort((a, b) => a - b)) {
      const name = routeConfigName(port);
      routes.push(compiled(TypeUrl.RouteConfiguration, name, { name, virtual_hosts: [...(httpPorts.get(port) ?? []), catchAll] }));
    }
    routes.sort((a, b) => byString(a.name, b.name));

    const listeners: CompiledResource[] = [compiled(TypeUrl.Listener, 'virtualOutbound', virtualOutboundListener(unknownHost))];
    const ports = [...new Set([...httpPorts.keys(), ...tcpPorts.keys()])].sort((a, b) => a - b);
    for (const port of ports) {
      const tcp = (tcpPorts.get(port) ?? []).slice().sort((a, b) => byString(a.clusterIP, b.clusterIP));
      const l = outboundPortListener(port, httpPorts.has(port), tcp, unknownHost);
      listeners.push(compiled(TypeUrl.Listener, String(l['name']), l));
    }
    listeners.sort((a, b) => byString(a.name, b.name));

    const clusters: CompiledResource[] = [];
    const endpoints: CompiledResource[] = [];
    for (const name of [...clusterNames].sort(byString)) {
      const parsed = /^outbound\|([0-9]+)\|\|(.+)$/.exec(name);
      if (parsed === null) continue; // BlackHoleCluster and PassthroughCluster are added per proxy
      const entry = this.index.servicesByFqdn.get(parsed[2] ?? '');
      const port = entry?.service.ports.find((p) => p.port === Number(parsed[1]));
      if (entry === undefined || port === undefined) continue;
      const c = this.#clusterFor(entry, port);
      clusters.push(c.cluster);
      endpoints.push(c.endpoints);
    }
    return Object.freeze({
      listeners: Object.freeze(listeners),
      routes: Object.freeze(routes),
      clusters: Object.freeze(clusters),
      endpoints: Object.freeze(endpoints),
    });
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
      // Only this namespace's and the root namespace's policies can select the workload.
      const candidates = [
        ...(this.#policiesByNs.get(proxy.namespace) ?? []),
        ...(proxy.namespace === settings.rootNamespace ? [] : (this.#policiesByNs.get(settings.rootNamespace) ?? [])),
      ];
      if (candidates.length > 0) {
        const built = compileAuthz(candidates, { namespace: proxy.namespace, labels: workload.labels }, settings);
        authz = { httpFilters: built.httpFilters.map(canonicalFilter), networkFilters: built.networkFilters.map(canonicalFilter) };
      }
    }
    inbound = {
      listener: compiled(TypeUrl.Listener, 'virtualInbound', virtualInboundListener(ports, mode, authz)),
      clusters: ports.map((p) => compiled(TypeUrl.Cluster, `inbound|${p.port}||`, inboundClusterResource(p.port, p.protocol))),
    };
    this.#inbound.set(key, inbound);
    return inbound;
  }
}

const compilers = new WeakMap<MeshSnapshot, MeshCompiler>();

/** The compiler of a snapshot, built once per snapshot object. */
export function meshCompiler(snapshot: MeshSnapshot): MeshCompiler {
  let c = compilers.get(snapshot);
  if (c === undefined) compilers.set(snapshot, (c = new MeshCompiler(snapshot)));
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
