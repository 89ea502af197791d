// Mesh-wide facts about each resource, for status conditions and `weft`
// commands: which hosts it lost to another resource (and to which), which
// references do not resolve, and which hosts and proxies it affects. Pure,
// deterministic, computed once per snapshot.

import type { ResourceRef } from '../api/model.ts';
import { refKey } from '../api/model.ts';
import { policyApplies } from './authz.ts';
import { keySetFetch } from './authn.ts';
import { indexMesh, refOf, type MeshIndex, type SplitEntry, type VsEntry } from './mesh.ts';
import { byString, exportedTo, resolveHost } from './names.ts';
import type { Destination } from '../api/model.ts';
import type { MeshSnapshot, ProxyIdentity } from './snapshot.ts';

export interface Conflict {
  /** The contested host (FQDN), or the root Service of competing TrafficSplits. */
  readonly host: string;
  /** `lost`: the other resource programs the host; `won`: this one does, over the other. */
  readonly role: 'won' | 'lost';
  readonly other: ResourceRef;
  /** Field path in this resource, e.g. `spec.hosts[0]`. */
  readonly path: string;
  readonly message: string;
}

export interface Finding {
  /** Field path in Kubernetes form: `spec.http[0].route[1].destination.host`. */
  readonly path: string;
  readonly message: string;
}

/** Whom a resource affects: every proxy in some namespaces, or named workloads. */
export type AffectedProxies =
  | { readonly kind: 'namespaces'; readonly namespaces: readonly string[] }
  | { readonly kind: 'workloads'; readonly workloads: readonly ProxyIdentity[] };

export interface ResourceAnalysis {
  readonly ref: ResourceRef;
  readonly conflicts: readonly Conflict[];
  /** References to Services (destination, mirror, split root and backends, hosts) that are not in the registry. */
  readonly unresolved: readonly Finding[];
  /** Other things worth telling the author (a split that is not applied, a policy that selects nothing). */
  readonly notes: readonly Finding[];
  /** FQDNs whose configuration this resource shapes. */
  readonly hosts: readonly string[];
  readonly proxies: AffectedProxies;
}

export interface MeshAnalysis {
  /** Sorted by refKey. */
  readonly resources: readonly ResourceAnalysis[];
  /** By refKey(ref). */
  readonly byKey: ReadonlyMap<string, ResourceAnalysis>;
}

/** Whether a resource's analysis reaches a proxy. */
export function affects(proxies: AffectedProxies, proxy: ProxyIdentity): boolean {
  return proxies.kind === 'namespaces'
    ? proxies.namespaces.includes(proxy.namespace)
    : proxies.workloads.some((w) => w.namespace === proxy.namespace && w.workload === proxy.workload);
}

/** Namespaces (of those with proxies) that something exported to `exportTo` from `home` reaches. */
function reach(index: MeshIndex, exportTo: readonly string[] | undefined, home: string): string[] {
  return index.proxyNamespaces.filter((ns) => exportedTo(exportTo, home, ns));
}

/** Whether two exportTo lists share a namespace (any namespace, not only those with proxies). */
function overlap(a: readonly string[] | undefined, aHome: string, b: readonly string[] | undefined, bHome: string): boolean {
  const norm = (x: readonly string[] | undefined, home: string): Set<string> | '*' => {
    if (x === undefined || x.length === 0 || x.includes('*')) return '*';
    return new Set(x.map((e) => (e === '.' ? home : e)));
  };
  const na = norm(a, aHome);
  const nb = norm(b, bHome);
  if (na === '*') return nb === '*' || nb.size > 0;
  if (nb === '*') return na.size > 0;
  for (const e of na) if (nb.has(e)) return true;
  return false;
}

const describeRef = (r: ResourceRef): string => `${r.kind} ${r.namespace}/${r.name}`;

function destinationFindings(index: MeshIndex, vs: VsEntry, dest: Destination, path: string, hostPorts: ReadonlySet<number>): Finding[] {
  const fqdn = resolveHost(dest.host, vs.namespace, index.settings);
  const service = index.servicesByFqdn.get(fqdn);
  if (service === undefined) {
    return [{ path: `${path}.host`, message: `${dest.host} (${fqdn}) is not a Service in the registry; its share of traffic fails with 503` }];
  }
  const ports = service.service.ports.map((p) => p.port);
  const wanted = dest.port?.number;
  if (wanted !== undefined && !ports.includes(wanted)) {
    return [{ path: `${path}.port.number`, message: `Service ${fqdn} has no port ${wanted} (it has ${ports.join(', ') || 'none'})` }];
  }
  if (wanted === undefined && ports.length > 1 && !ports.some((p) => hostPorts.has(p))) {
    return [{ path: `${path}.port.number`, message: `Service ${fqdn} has several ports (${ports.join(', ')}); set port.number` }];
  }
  return [];
}

function analyzeVirtualService(index: MeshIndex, v: VsEntry): ResourceAnalysis {
  const conflicts: Conflict[] = [];
  const unresolved: Finding[] = [];
  const notes: Finding[] = [];
  const hosts: string[] = [];
  const namespaces = new Set<string>();
  const hostPorts = new Set<number>();
  const spec = v.vs.spec;
  if (!v.forSidecars) notes.push({ path: 'spec.gateways', message: 'does not include "mesh", so no sidecar receives this routing' });
  for (const h of v.hosts) {
    const path = `spec.hosts[${h.index}]`;
    const service = index.servicesByFqdn.get(h.fqdn);
    if (service === undefined) {
      unresolved.push({ path, message: `${h.host} (${h.fqdn}) is not a Service in the registry; this VirtualService programs nothing for it` });
      continue;
    }
    for (const p of service.service.ports) hostPorts.add(p.port);
    if (!v.forSidecars) continue;
    const claimants = index.claims.get(h.fqdn) ?? [];
    let programsSomewhere = false;
    for (const ns of reach(index, spec.exportTo, v.namespace)) {
      if (index.serviceVisible(service, ns) && index.vsFor(h.fqdn, ns) === v) {
        programsSomewhere = true;
        namespaces.add(ns);
      }
    }
    for (const other of claimants) {
      if (other === v || !overlap(other.vs.spec.exportTo, other.namespace, spec.exportTo, v.namespace)) continue;
      const lost = other.rank < v.rank;
      conflicts.push({
        host: h.fqdn,
        role: lost ? 'lost' : 'won',
        other: other.ref,
        path,
        message: lost
          ? `host ${h.fqdn} is also claimed by the older ${describeRef(other.ref)}, which programs it wherever both are visible`
          : `host ${h.fqdn} is also claimed by ${describeRef(other.ref)}; this one is older and programs it wherever both are visible`,
      });
    }
    if (programsSomewhere || !conflicts.some((c) => c.host === h.fqdn && c.role === 'lost')) hosts.push(h.fqdn);
  }
  (spec.http ?? []).forEach((rule, i) => {
    (rule.route ?? []).forEach((r, j) => unresolved.push(...destinationFindings(index, v, r.destination, `spec.http[${i}].route[${j}].destination`, hostPorts)));
    if (rule.mirror !== undefined) unresolved.push(...destinationFindings(index, v, rule.mirror, `spec.http[${i}].mirror`, hostPorts));
    (rule.mirrors ?? []).forEach((m, k) => unresolved.push(...destinationFindings(index, v, m.destination, `spec.http[${i}].mirrors[${k}].destination`, hostPorts)));
  });
  return {
    ref: v.ref,
    conflicts,
    unresolved,
    notes,
    hosts: [...new Set(hosts)].sort(byString),
    proxies: { kind: 'namespaces', namespaces: [...namespaces].sort(byString) },
  };
}

function analyzeSplit(index: MeshIndex, s: SplitEntry): ResourceAnalysis {
  const conflicts: Conflict[] = [];
  const unresolved: Finding[] = [];
  const notes: Finding[] = [];
  const root = index.servicesByFqdn.get(s.rootFqdn);
  if (root === undefined) {
    unresolved.push({ path: 'spec.service', message: `${s.split.spec.service} (${s.rootFqdn}) is not a Service in the registry` });
  }
  const rootPorts = root?.service.ports.map((p) => p.port) ?? [];
  for (const b of s.backends) {
    const path = `spec.backends[${b.index}].service`;
    if (b.entry === undefined) {
      unresolved.push({ path, message: `${b.service} (${b.fqdn}) is not a Service in the registry; its share of traffic fails` });
      continue;
    }
    const ports = b.entry.service.ports.map((p) => p.port);
    const missing = rootPorts.filter((p) => !ports.includes(p));
    if (missing.length > 0 && ports.length !== 1) {
      unresolved.push({ path, message: `${b.fqdn} has no port ${missing.join(', ')} of the root Service; that share of traffic fails` });
    }
  }
  (s.split.spec.matches ?? []).forEach((m, i) =>
    unresolved.push({ path: `spec.matches[${i}]`, message: `${m.kind} ${m.name} is not supported by this mesh; the split is not applied` }),
  );
  if (s.inactive !== undefined && (s.split.spec.matches ?? []).length === 0) notes.push({ path: 'spec.backends', message: s.inactive });
  const applied = index.splitByRoot.get(s.rootFqdn);
  if (s.inactive === undefined && applied !== undefined && applied !== s) {
    conflicts.push({
      host: s.rootFqdn,
      role: 'lost',
      other: applied.ref,
      path: 'spec.service',
      message: `${s.rootFqdn} is also split by the older ${describeRef(applied.ref)}, which is applied instead`,
    });
  } else if (applied === s) {
    for (const other of index.splits) {
      if (other === s || other.rootFqdn !== s.rootFqdn || other.inactive !== undefined) continue;
      conflicts.push({
        host: s.rootFqdn,
        role: 'won',
        other: other.ref,
        path: 'spec.service',
        message: `${s.rootFqdn} is also split by ${describeRef(other.ref)}; this one is older and is applied`,
      });
    }
  }
  const namespaces = applied === s && root !== undefined ? index.proxyNamespaces.filter((ns) => index.serviceVisible(root, ns)) : [];
  return { ref: s.ref, conflicts, unresolved, notes, hosts: root !== undefined ? [s.rootFqdn] : [], proxies: { kind: 'namespaces', namespaces } };
}

/** Conflicts, unresolved references and reach of every VirtualService, TrafficSplit, AuthorizationPolicy and RequestAuthentication. */
export function analyzeMesh(snapshot: MeshSnapshot): MeshAnalysis {
  const index = indexMesh(snapshot);
  const out: ResourceAnalysis[] = [];
  for (const v of index.virtualServices) out.push(analyzeVirtualService(index, v));
  for (const s of index.splits) out.push(analyzeSplit(index, s));
  // Workload → the Services that select it.
  const servicesOf = new Map<string, string[]>();
  for (const s of index.services) {
    for (const key of new Set(s.instances.map((i) => `${i.namespace}/${i.workload}`))) {
      let l = servicesOf.get(key);
      if (l === undefined) servicesOf.set(key, (l = []));
      l.push(s.fqdn);
    }
  }
  // A policy selects workloads of its own namespace only (or any, from the root namespace): look at those.
  const workloadsByNs = new Map<string, (typeof index.workloads)[number][]>();
  for (const w of index.workloads) {
    let l = workloadsByNs.get(w.identity.namespace);
    if (l === undefined) workloadsByNs.set(w.identity.namespace, (l = []));
    l.push(w);
  }
  for (const p of snapshot.authorizationPolicies) {
    const ns = p.metadata.namespace ?? 'default';
    const ref = refOf('AuthorizationPolicy', p.metadata, ns);
    const candidates = ns === snapshot.settings.rootNamespace ? index.workloads : (workloadsByNs.get(ns) ?? []);
    const workloads = candidates.filter((w) => policyApplies(p, { namespace: w.identity.namespace, labels: w.labels }, snapshot.settings.rootNamespace));
    const hosts = new Set<string>();
    for (const w of workloads) for (const fqdn of servicesOf.get(w.key) ?? []) hosts.add(fqdn);
    out.push({
      ref,
      conflicts: [],
      unresolved: [],
      notes: workloads.length === 0 ? [{ path: 'spec.selector', message: 'selects no workload in the registry' }] : [],
      hosts: [...hosts].sort(byString),
      proxies: { kind: 'workloads', workloads: workloads.map((w) => w.identity) },
    });
  }
  for (const p of snapshot.requestAuthentications ?? []) {
    const ns = p.metadata.namespace ?? 'default';
    const ref = refOf('RequestAuthentication', p.metadata, ns);
    const candidates = ns === snapshot.settings.rootNamespace ? index.workloads : (workloadsByNs.get(ns) ?? []);
    const workloads = candidates.filter((w) => policyApplies(p, { namespace: w.identity.namespace, labels: w.labels }, snapshot.settings.rootNamespace));
    const hosts = new Set<string>();
    for (const w of workloads) for (const fqdn of servicesOf.get(w.key) ?? []) hosts.add(fqdn);
    // Key sets the control plane fetches are this kind's references: one that is not fetched refuses its issuer's tokens.
    const unresolved: Finding[] = [];
    (p.spec.jwtRules ?? []).forEach((rule, i) => {
      const fetch = keySetFetch(rule);
      if (fetch === undefined) return;
      const set = snapshot.keySets?.[fetch.key];
      const path = `spec.jwtRules[${i}].${fetch.discovery ? 'issuer' : 'jwksUri'}`;
      if (set === undefined || set.state === 'pending') unresolved.push({ path, message: `the key set of ${rule.issuer} is not fetched yet; its tokens are refused until it is` });
      else if (set.state === 'failed') unresolved.push({ path, message: `the key set of ${rule.issuer} cannot be fetched (${set.reason}); its tokens are refused (401)` });
    });
    out.push({
      ref,
      conflicts: [],
      unresolved,
      notes: workloads.length === 0 ? [{ path: 'spec.selector', message: 'selects no workload in the registry' }] : [],
      hosts: [...hosts].sort(byString),
      proxies: { kind: 'workloads', workloads: workloads.map((w) => w.identity) },
    });
  }
  out.sort((a, b) => byString(refKey(a.ref), refKey(b.ref)));
  return { resources: out, byKey: new Map(out.map((r) => [refKey(r.ref), r])) };
}
