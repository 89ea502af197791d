// The per-snapshot index every proxy's compile shares: Services by FQDN with
// the instances they select, workloads with their labels, which
// VirtualService owns each host (and in which namespaces), and the
// TrafficSplit of each root Service. Built once per snapshot in linear-ish
// time; nothing here depends on which proxy asks.

import type { ResourceRef, TrafficSplit, VirtualService } from '../api/model.ts';
import { refKey } from '../api/model.ts';
import { byString, exportedTo, labelsMatch, resolveHost, serviceFqdn } from './names.ts';
import type { MeshSettings, MeshSnapshot, ProxyIdentity, Service, WorkloadInstance } from './snapshot.ts';

export interface ServiceEntry {
  readonly service: Service;
  readonly fqdn: string;
  /** Instances the selector picks, in the Service's namespace, sorted by address. */
  readonly instances: readonly WorkloadInstance[];
  /** Service accounts of those instances: the identities a client accepts from this Service. */
  readonly serviceAccounts: readonly string[];
}

export interface WorkloadEntry {
  readonly identity: ProxyIdentity;
  readonly key: string;
  /** Labels every instance carries (a rollout's pod-template-hash differs, the rest does not). */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly instances: readonly WorkloadInstance[];
}

/** A match condition on the caller, decided when compiling for a given proxy. */
export interface SourceCondition {
  readonly rule: number;
  readonly match: number;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly sourceNamespace?: string;
}

export interface VsEntry {
  readonly vs: VirtualService;
  readonly ref: ResourceRef;
  readonly key: string;
  readonly namespace: string;
  /** Position in the precedence order: oldest creationTimestamp, then namespace/name. */
  readonly rank: number;
  /** Each host as written, with its index in spec.hosts and its resolved FQDN. */
  readonly hosts: readonly { readonly host: string; readonly index: number; readonly fqdn: string }[];
  /** False when spec.gateways names gateways but not "mesh": sidecars ignore it. */
  readonly forSidecars: boolean;
  readonly sourceConditions: readonly SourceCondition[];
}

export interface SplitBackend {
  readonly index: number;
  readonly service: string;
  readonly fqdn: string;
  readonly entry: ServiceEntry | undefined;
  readonly weight: number;
}

export interface SplitEntry {
  readonly split: TrafficSplit;
  readonly ref: ResourceRef;
  readonly key: string;
  readonly namespace: string;
  readonly rank: number;
  readonly rootFqdn: string;
  readonly backends: readonly SplitBackend[];
  /** Why it is not applied (HTTPRouteGroup matches, no positive weight), or undefined when it is. */
  readonly inactive: string | undefined;
}

/** Instances of a namespace whose labels include the selector (an empty selector selects none, as in Kubernetes). */
function selectInstances(
  byNs: ReadonlyMap<string, readonly WorkloadInstance[]>,
  byLabel: ReadonlyMap<string, readonly WorkloadInstance[]>,
  namespace: string,
  selector: Readonly<Record<string, string>>,
): WorkloadInstance[] {
  const keys = Object.keys(selector);
  const first = keys[0];
  if (first === undefined) return [];
  const candidates = byLabel.get(`${namespace}\u0000${first}\u0000${selector[first] ?? ''}`) ?? [];
  return keys.length === 1 ? [...candidates] : candidates.filter((i) => labelsMatch(selector, i.labels));
}

const creationTimestamp = (meta: { [k: string]: unknown }): string | undefined => {
  const t = meta['creationTimestamp'];
  return typeof t === 'string' && t !== '' ? t : undefined;
};

/** Precedence between two resources claiming the same thing: the oldest wins; ties by namespace, then name. */
function precedence(a: { ts: string | undefined; ns: string; name: string }, b: typeof a): number {
  if (a.ts !== b.ts) {
    if (a.ts === undefined) return 1;
    if (b.ts === undefined) return -1;
    return byString(a.ts, b.ts);
  }
  return byString(a.ns, b.ns) || byString(a.name, b.name);
}

/** Services with the instances they select, and workloads: what depends on the registry and settings alone. */
function indexRegistry(snapshot: MeshSnapshot): {
  services: ServiceEntry[];
  servicesByFqdn: Map<string, ServiceEntry>;
  workloads: WorkloadEntry[];
  workloadsByKey: Map<string, WorkloadEntry>;
  proxyNamespaces: string[];
} {
  const settings = snapshot.settings;
  // Instances by namespace, for selector matching.
  const instancesByNs = new Map<string, WorkloadInstance[]>();
  for (const inst of snapshot.registry.instances) {
    let list = instancesByNs.get(inst.namespace);
    if (list === undefined) instancesByNs.set(inst.namespace, (list = []));
    list.push(inst);
  }
  const byAddress = (a: WorkloadInstance, b: WorkloadInstance): number =>
    byString(a.address, b.address) || byString(a.workload, b.workload);
  for (const list of instancesByNs.values()) list.sort(byAddress);

  // Instances by namespace and one label, so a selector looks at candidates only.
  const byLabel = new Map<string, WorkloadInstance[]>();
  for (const [ns, list] of instancesByNs) {
    for (const inst of list) {
      for (const [k, v] of Object.entries(inst.labels)) {
        const key = `${ns}\u0000${k}\u0000${v}`;
        let l = byLabel.get(key);
        if (l === undefined) byLabel.set(key, (l = []));
        l.push(inst);
      }
    }
  }

  const services: ServiceEntry[] = [];
  const servicesByFqdn = new Map<string, ServiceEntry>();
  for (const service of snapshot.registry.services) {
    const fqdn = serviceFqdn(service, settings);
    if (servicesByFqdn.has(fqdn)) continue; // the registry has one Service per name; keep the first
    const selector = service.selector;
    const instances = selector === undefined ? [] : selectInstances(instancesByNs, byLabel, service.namespace, selector);
    const serviceAccounts = [...new Set(instances.map((i) => i.serviceAccount))].sort(byString);
    const entry: ServiceEntry = { service, fqdn, instances, serviceAccounts };
    services.push(entry);
    servicesByFqdn.set(fqdn, entry);
  }
  services.sort((a, b) => byString(a.fqdn, b.fqdn));

  const workloadInstances = new Map<string, WorkloadInstance[]>();
  for (const inst of snapshot.registry.instances) {
    const key = `${inst.namespace}/${inst.workload}`;
    let list = workloadInstances.get(key);
    if (list === undefined) workloadInstances.set(key, (list = []));
    list.push(inst);
  }
  const workloads: WorkloadEntry[] = [];
  for (const [key, instances] of workloadInstances) {
    instances.sort(byAddress);
    const first = instances[0];
    if (first === undefined) continue;
    const labels: Record<string, string> = {};
    for (const k of Object.keys(first.labels).sort(byString)) {
      const v = first.labels[k];
      if (v !== undefined && instances.every((i) => i.labels[k] === v)) labels[k] = v;
    }
    const accounts = [...new Set(instances.map((i) => i.serviceAccount))].sort(byString);
    workloads.push({
      identity: { namespace: first.namespace, workload: first.workload },
      key,
      labels,
      serviceAccount: accounts[0] ?? 'default',
      instances,
    });
  }
  workloads.sort((a, b) => byString(a.key, b.key));
  return {
    services,
    servicesByFqdn,
    workloads,
    workloadsByKey: new Map(workloads.map((w) => [w.key, w])),
    proxyNamespaces: [...new Set(workloads.map((w) => w.identity.namespace))].sort(byString),
  };
}

/** A VirtualService's index entry at its place in the precedence order. */
function vsEntry(vs: VirtualService, ns: string, rank: number, settings: MeshSettings): VsEntry {
  const ref: ResourceRef = refOf('VirtualService', vs.metadata, ns);
  const gateways = vs.spec.gateways;
  const forSidecars = gateways === undefined || gateways.length === 0 || gateways.includes('mesh');
  const sourceConditions: SourceCondition[] = [];
  (vs.spec.http ?? []).forEach((rule, r) => {
    (rule.match ?? []).forEach((m, j) => {
      if (m.sourceLabels !== undefined || m.sourceNamespace !== undefined) {
        sourceConditions.push({
          rule: r,
          match: j,
          ...(m.sourceLabels !== undefined ? { sourceLabels: m.sourceLabels } : {}),
          ...(m.sourceNamespace !== undefined ? { sourceNamespace: m.sourceNamespace } : {}),
        });
      }
    });
  });
  const seen = new Set<string>();
  const hosts = vs.spec.hosts
    .map((host, index) => ({ host, index, fqdn: resolveHost(host, ns, settings) }))
    .filter((h) => (seen.has(h.fqdn) ? false : (seen.add(h.fqdn), true)));
  return { vs, ref, key: refKey(ref), namespace: ns, rank, hosts, forSidecars, sourceConditions };
}

/** VirtualServices in precedence order, hosts resolved, and the claims on each host. */
function indexVirtualServices(snapshot: MeshSnapshot, settings: MeshSettings): { vsAt: VsEntry[]; virtualServices: VsEntry[]; claims: Map<string, VsEntry[]> } {
  const vsSorted = snapshot.virtualServices
    .map((vs, at) => ({ vs, at, ts: creationTimestamp(vs.metadata), ns: vs.metadata.namespace ?? 'default', name: vs.metadata.name }))
    .sort(precedence);
  const virtualServices: VsEntry[] = [];
  const vsAt: VsEntry[] = new Array<VsEntry>(snapshot.virtualServices.length);
  const claims = new Map<string, VsEntry[]>();
  vsSorted.forEach(({ vs, ns, at }, rank) => {
    const entry = vsEntry(vs, ns, rank, settings);
    virtualServices.push(entry);
    vsAt[at] = entry;
    if (!entry.forSidecars) return;
    for (const h of entry.hosts) {
      let list = claims.get(h.fqdn);
      if (list === undefined) claims.set(h.fqdn, (list = []));
      list.push(entry);
    }
  });
  return { vsAt, virtualServices, claims };
}

/**
 * The positions where `now` holds another object than `before`, when each
 * such object keeps the name, namespace and creationTimestamp (so the
 * precedence order is unchanged); undefined when the lists differ otherwise.
 */
function replacedInPlace(before: readonly VirtualService[], now: readonly VirtualService[]): number[] | undefined {
  if (before === now) return [];
  if (before.length !== now.length) return undefined;
  const out: number[] = [];
  for (let i = 0; i < now.length; i++) {
    const a = before[i];
    const b = now[i];
    if (a === b) continue;
    if (a === undefined || b === undefined) return undefined;
    if (a.metadata.name !== b.metadata.name || (a.metadata.namespace ?? 'default') !== (b.metadata.namespace ?? 'default') || creationTimestamp(a.metadata) !== creationTimestamp(b.metadata)) return undefined;
    out.push(i);
  }
  return out;
}

/** TrafficSplits in precedence order, and the one applied to each root. */
function indexSplits(snapshot: MeshSnapshot, settings: MeshSettings, servicesByFqdn: ReadonlyMap<string, ServiceEntry>): { splits: SplitEntry[]; splitByRoot: Map<string, SplitEntry> } {
  const tsSorted = snapshot.trafficSplits
    .map((split) => ({ split, ts: creationTimestamp(split.metadata), ns: split.metadata.namespace ?? 'default', name: split.metadata.name }))
    .sort(precedence);
  const smi = new Set(snapshot.smiTrafficSplits ?? []);
  const splits: SplitEntry[] = [];
  const splitByRoot = new Map<string, SplitEntry>();
  tsSorted.forEach(({ split, ns }, rank) => {
    const ref = refOf('TrafficSplit', split.metadata, ns, smi.has(`${ns}/${split.metadata.name}`));
    const rootFqdn = resolveHost(split.spec.service, ns, settings);
    const backends = split.spec.backends.map((b, index): SplitBackend => {
      const fqdn = resolveHost(b.service, ns, settings);
      return { index, service: b.service, fqdn, entry: servicesByFqdn.get(fqdn), weight: b.weight };
    });
    const inactive =
      split.spec.matches !== undefined && split.spec.matches.length > 0
        ? 'HTTPRouteGroup matches are not supported, so the split is not applied'
        : backends.every((b) => b.weight === 0)
          ? 'every backend has weight 0, so the split is not applied'
          : undefined;
    const entry: SplitEntry = { split, ref, key: refKey(ref), namespace: ns, rank, rootFqdn, backends, inactive };
    splits.push(entry);
    if (inactive === undefined && !splitByRoot.has(rootFqdn)) splitByRoot.set(rootFqdn, entry);
  });
  return { splits, splitByRoot };
}

let indexIds = 0;

export class MeshIndex {
  readonly snapshot: MeshSnapshot;
  readonly settings: MeshSettings;
  /** Sorted by FQDN. */
  readonly services: readonly ServiceEntry[];
  readonly servicesByFqdn: ReadonlyMap<string, ServiceEntry>;
  /** Sorted by namespace/name. */
  readonly workloads: readonly WorkloadEntry[];
  readonly workloadsByKey: ReadonlyMap<string, WorkloadEntry>;
  /** Namespaces that have at least one workload, sorted. */
  readonly proxyNamespaces: readonly string[];
  /** Sorted by precedence. */
  readonly virtualServices: readonly VsEntry[];
  /** FQDN → VirtualServices claiming it that apply to sidecars, in precedence order. */
  readonly claims: ReadonlyMap<string, readonly VsEntry[]>;
  /** Sorted by precedence. */
  readonly splits: readonly SplitEntry[];
  /** Root FQDN → the TrafficSplit applied to it (the first active one in precedence order). */
  readonly splitByRoot: ReadonlyMap<string, SplitEntry>;
  /**
   * When this index was derived from `previous` (its id; see the constructor) and
   * only VirtualService objects changed, each keeping its place in the
   * precedence order: the entries replaced, old and new. Undefined otherwise.
   */
  readonly replacedVirtualServices: { readonly from: number; readonly pairs: readonly { readonly before: VsEntry; readonly now: VsEntry }[] } | undefined;
  /** The entry of each of snapshot.virtualServices, by position. */
  readonly #vsAt: readonly VsEntry[];
  /** Tells indexes apart (replacedVirtualServices.from) without holding on to them. */
  readonly id = ++indexIds;

  /**
   * With `previous` (the index of the mesh before an edit), what the edit
   * left as the same objects is taken over: Services and workloads when the
   * registry and settings are, TrafficSplits when those are too, and the
   * VirtualService order when the edit replaced VirtualServices without
   * renaming or re-dating them (only the replaced entries are built). The
   * result is the same as indexing from scratch.
   */
  constructor(snapshot: MeshSnapshot, previous?: MeshIndex) {
    this.snapshot = snapshot;
    const settings = (this.settings = snapshot.settings);
    const before = previous?.snapshot;
    const sameRegistry = previous !== undefined && before !== undefined && before.registry === snapshot.registry && before.settings === settings;
    if (sameRegistry) {
      this.services = previous.services;
      this.servicesByFqdn = previous.servicesByFqdn;
      this.workloads = previous.workloads;
      this.workloadsByKey = previous.workloadsByKey;
      this.proxyNamespaces = previous.proxyNamespaces;
    } else {
      const r = indexRegistry(snapshot);
      this.services = r.services;
      this.servicesByFqdn = r.servicesByFqdn;
      this.workloads = r.workloads;
      this.workloadsByKey = r.workloadsByKey;
      this.proxyNamespaces = r.proxyNamespaces;
    }
    const replaced = previous !== undefined && before !== undefined && before.settings === settings ? replacedInPlace(before.virtualServices, snapshot.virtualServices) : undefined;
    if (previous !== undefined && replaced !== undefined) {
      const vsAt = previous.#vsAt.slice();
      const virtualServices = previous.virtualServices.slice();
      const pairs: { before: VsEntry; now: VsEntry }[] = [];
      const fqdns = new Set<string>();
      for (const i of replaced) {
        const old = vsAt[i];
        const vs = snapshot.virtualServices[i];
        if (old === undefined || vs === undefined) throw new Error(`MeshIndex: VirtualService ${i} out of range`);
        const now = vsEntry(vs, old.namespace, old.rank, settings);
        vsAt[i] = now;
        virtualServices[old.rank] = now;
        pairs.push({ before: old, now });
        for (const h of old.hosts) fqdns.add(h.fqdn);
        for (const h of now.hosts) fqdns.add(h.fqdn);
      }
      // Only the claims of the replaced entries' hosts change: the rest of the map is shared.
      const claims = new Map(previous.claims);
      const gone = new Set(pairs.map((p) => p.before));
      for (const fqdn of fqdns) {
        const list = (previous.claims.get(fqdn) ?? []).filter((e) => !gone.has(e));
        for (const { now } of pairs) if (now.forSidecars && now.hosts.some((h) => h.fqdn === fqdn)) list.push(now);
        list.sort((a, b) => a.rank - b.rank);
        if (list.length === 0) claims.delete(fqdn);
        else claims.set(fqdn, list);
      }
      this.#vsAt = vsAt;
      this.virtualServices = virtualServices;
      this.claims = claims;
      this.replacedVirtualServices = { from: previous.id, pairs };
    } else {
      const v = indexVirtualServices(snapshot, settings);
      this.#vsAt = v.vsAt;
      this.virtualServices = v.virtualServices;
      this.claims = v.claims;
      this.replacedVirtualServices = undefined;
    }
    if (sameRegistry && before.trafficSplits === snapshot.trafficSplits && before.smiTrafficSplits === snapshot.smiTrafficSplits) {
      this.splits = previous.splits;
      this.splitByRoot = previous.splitByRoot;
    } else {
      const t = indexSplits(snapshot, settings, this.servicesByFqdn);
      this.splits = t.splits;
      this.splitByRoot = t.splitByRoot;
    }
  }

  /** Whether proxies in `namespace` see this Service. */
  serviceVisible(entry: ServiceEntry, namespace: string): boolean {
    return exportedTo(entry.service.exportTo, entry.service.namespace, namespace);
  }

  vsVisible(entry: VsEntry, namespace: string): boolean {
    return exportedTo(entry.vs.spec.exportTo, entry.namespace, namespace);
  }

  /** The VirtualService that programs `fqdn` for proxies in `namespace`: the first visible claimant. */
  vsFor(fqdn: string, namespace: string): VsEntry | undefined {
    const list = this.claims.get(fqdn);
    if (list === undefined) return undefined;
    for (const e of list) if (this.vsVisible(e, namespace)) return e;
    return undefined;
  }
}

function refOf(
  kind: 'VirtualService' | 'TrafficSplit' | 'AuthorizationPolicy' | 'RequestAuthentication',
  meta: { name: string; generation?: number; [k: string]: unknown },
  ns: string,
  smi = false,
): ResourceRef {
  return {
    group: smi ? 'split.smi-spec.io' : 'weft.dev',
    kind,
    namespace: ns,
    name: meta.name,
    ...(meta.generation !== undefined ? { generation: meta.generation } : {}),
  };
}

export { refOf };

const indexes = new WeakMap<MeshSnapshot, MeshIndex>();

/** The index of a snapshot, built once per snapshot object (taking over what it can from `previous`, the index of the mesh before an edit). */
export function indexMesh(snapshot: MeshSnapshot, previous?: MeshIndex): MeshIndex {
  let index = indexes.get(snapshot);
  if (index === undefined) indexes.set(snapshot, (index = new MeshIndex(snapshot, previous)));
  return index;
}
