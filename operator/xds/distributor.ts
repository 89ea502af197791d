// From "the mesh changed" to pushes: a MeshDistributor waits for a quiet
// period (default 100 ms) after the last change, but never longer than a
// maximum delay (default 1 s) after the first unpushed one, so a burst of
// edits is one push and a steady stream of edits cannot starve proxies. Then
// it compiles every proxy's config from the latest mesh with a compiler
// carried over from the previous one (unchanged objects stay the same
// objects, and the compiler shares work between proxies), builds snapshots
// from the shared groups (a key whose groups did not change keeps its
// snapshot), and hands them to the server, which pushes only to proxies whose
// resources changed.
//
// Each snapshot carries the mesh version and the generations of the mesh
// resources that reach the proxy (from analyzeMesh), for the status layer's
// "programmed on N of M proxies".

import { refKey } from '../api/model.ts';
import { analyzeMesh } from '../compile/analyze.ts';
import { MeshCompiler, meshCompiler } from '../compile/proxy.ts';
import type { MeshSnapshot } from '../compile/snapshot.ts';
import type { VsEntry } from '../compile/mesh.ts';
import { systemClock, type Clock, type TimerHandle } from '../../xds/clock.ts';
import { silentLogger, type XdsLogger } from './log.ts';
import { configKeyOf, type ProxyKind, type ProxyNode } from './node.ts';
import { proxylessResources } from './proxyless.ts';
import { InconsistentSnapshotError, XdsSnapshot, type ResourceInput } from './snapshot.ts';

/** The part of the server the distributor drives. */
export interface SnapshotTarget {
  setSnapshot(key: string, snapshot: XdsSnapshot): boolean;
  connectedNodes(): readonly ProxyNode[];
  keys(): readonly string[];
  clearSnapshot(key: string): void;
  /**
   * Keys with a connected proxy taking a virtual host that `pick` chooses (by
   * VHDS resource name). With it, a rules-only edit pushes to those first.
   */
  keysTakingVirtualHosts?(pick: (name: string) => boolean): ReadonlySet<string>;
}

/** A push whose first keys went out and whose others are built in slices between I/O. */
interface PendingPush {
  readonly keys: readonly string[];
  next: number;
  readonly changed: string[];
  readonly failed: { key: string; error: string }[];
  readonly first: number | undefined;
  readonly started: number;
  readonly meshVersion: string;
  compiled: number;
  buildMs: number;
  readonly firstKeys: number;
  firstMs: number;
  cancelled: boolean;
}

/** A slice of a push's remaining keys runs this long at most before I/O (ACKs) gets a turn. */
const SLICE_MS = 4;

export interface DistributorOptions {
  readonly clock?: Clock;
  /** Quiet period after the last change before pushing. Default 100 ms. */
  readonly quietMs?: number;
  /** Longest wait after the first unpushed change. Default 1000 ms. */
  readonly maxDelayMs?: number;
  readonly logger?: XdsLogger;
  /**
   * Resources for a proxy; default: the compiled sidecar config as shared
   * groups with VHDS (sidecarResources), or the proxyless derivation for gRPC
   * clients. `compiler` is the mesh's compiler, carried over from the
   * previous mesh so that unchanged objects stay the same (use it rather
   * than compiling afresh).
   */
  readonly resourcesFor?: (mesh: MeshSnapshot, identity: ProxyIdentityKey, compiler: MeshCompiler) => Iterable<ResourceInput> | ProxyResources;
  /** Called after every push (for metrics and tests). */
  readonly onPush?: (report: PushReport) => void;
}

export interface ProxyIdentityKey {
  readonly namespace: string;
  readonly workload: string;
  readonly kind: ProxyKind;
}

export interface PushReport {
  readonly meshVersion: string;
  /** Config keys compiled. */
  readonly compiled: number;
  /** Keys whose snapshot changed (their connected proxies got a push). */
  readonly changed: readonly string[];
  /** Keys whose snapshot could not be built: the proxies keep their previous config. */
  readonly failed: readonly { readonly key: string; readonly error: string }[];
  /** Time from the first unpushed change to the push, on the injected clock. */
  readonly delayMs: number;
  /** Time spent compiling and building snapshots, on the injected clock. */
  readonly buildMs: number;
  /**
   * After a rules-only edit, the keys whose proxies hold an edited virtual
   * host were built and pushed first (this many), this long after the push
   * began; the others followed in slices. Absent: every key in one go.
   */
  readonly first?: { readonly keys: number; readonly ms: number };
}

/** A proxy's resources as groups shared between snapshots (see XdsSnapshot.build). */
export interface ProxyResources {
  readonly parts: readonly (readonly ResourceInput[])[];
  /** Virtual hosts over VHDS on delta streams (sidecars). */
  readonly vhds: boolean;
}

/** A sidecar's compiled config as shared groups, with VHDS; a proxyless client's derivation. */
export function sidecarResources(compiler: MeshCompiler, id: ProxyIdentityKey): ProxyResources {
  if (id.kind === 'proxyless') return { parts: [proxylessResources(compiler.compileProxy({ namespace: id.namespace, workload: id.workload }))], vhds: false };
  return { parts: compiler.partsOf({ namespace: id.namespace, workload: id.workload }), vhds: true };
}

const defaultResources = (_mesh: MeshSnapshot, id: ProxyIdentityKey, compiler: MeshCompiler): ProxyResources => sidecarResources(compiler, id);

const isProxyResources = (r: Iterable<ResourceInput> | ProxyResources): r is ProxyResources => 'parts' in r && Array.isArray((r as ProxyResources).parts);

/**
 * refKey → generation of the mesh resources reaching each namespace and each
 * workload: maps shared by the snapshots. A namespace's generations are a
 * base map and, after rules-only edits, a small map of the newer
 * generations looked up first (so an edit does not copy every namespace's
 * map of thousands of entries).
 */
interface GenerationIndex {
  readonly byNamespace: ReadonlyMap<string, NamespaceGenerations>;
  readonly byWorkload: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

interface NamespaceGenerations {
  readonly base: ReadonlyMap<string, number>;
  readonly newer: ReadonlyMap<string, number> | undefined;
}

function generationIndex(mesh: MeshSnapshot): GenerationIndex {
  const byNamespace = new Map<string, Map<string, number>>();
  const byWorkload = new Map<string, Map<string, number>>();
  const put = (m: Map<string, Map<string, number>>, k: string, key: string, generation: number): void => {
    let l = m.get(k);
    if (l === undefined) m.set(k, (l = new Map()));
    l.set(key, generation);
  };
  for (const r of analyzeMesh(mesh).resources) {
    const key = refKey(r.ref);
    const generation = r.ref.generation ?? 0;
    if (r.proxies.kind === 'namespaces') for (const ns of r.proxies.namespaces) put(byNamespace, ns, key, generation);
    else for (const w of r.proxies.workloads) put(byWorkload, `${w.namespace}/${w.workload}`, key, generation);
  }
  const namespaces = new Map<string, NamespaceGenerations>();
  for (const [ns, base] of byNamespace) namespaces.set(ns, { base, newer: undefined });
  return { byNamespace: namespaces, byWorkload };
}

const NO_GENERATIONS: ReadonlyMap<string, number> = new Map();

/** Newer generations held apart from a namespace's base map up to this many; beyond, they are folded into a new base. */
const MAX_NEWER = 256;

/**
 * After an edit of VirtualServices' rules alone (their reach is unchanged):
 * the previous index with their new generations, in each namespace they
 * reach as a small map looked up before the base (snapshots already built
 * keep the maps they were given).
 */
function patchGenerations(g: GenerationIndex, changed: readonly VsEntry[]): GenerationIndex {
  const updates = changed.map((v) => [refKey(v.ref), v.ref.generation ?? 0] as const);
  const byNamespace = new Map<string, NamespaceGenerations>();
  for (const [ns, gens] of g.byNamespace) {
    let newer: Map<string, number> | undefined;
    for (const [k, generation] of updates) {
      const had = gens.newer?.get(k) ?? gens.base.get(k);
      if (had === undefined || had === generation) continue;
      newer ??= new Map(gens.newer);
      newer.set(k, generation);
    }
    if (newer === undefined) byNamespace.set(ns, gens);
    else if (newer.size <= MAX_NEWER) byNamespace.set(ns, { base: gens.base, newer });
    else {
      const base = new Map(gens.base);
      for (const [k, generation] of newer) base.set(k, generation);
      byNamespace.set(ns, { base, newer: undefined });
    }
  }
  return { byNamespace, byWorkload: g.byWorkload };
}

export class MeshDistributor {
  readonly #clock: Clock;
  readonly #quietMs: number;
  readonly #maxDelayMs: number;
  readonly #log: XdsLogger;
  readonly #resourcesFor: (mesh: MeshSnapshot, identity: ProxyIdentityKey, compiler: MeshCompiler) => Iterable<ResourceInput> | ProxyResources;
  /** The compiler of the mesh last compiled, carried into the next one. */
  #compiler: MeshCompiler | undefined;
  readonly #onPush: ((report: PushReport) => void) | undefined;
  readonly #identities = new Map<string, ProxyIdentityKey>();
  #target: SnapshotTarget | undefined;
  #mesh: MeshSnapshot | undefined;
  #meshVersion = '';
  #generations: GenerationIndex | undefined;
  /** Each key's last snapshot and the groups it was built from. */
  readonly #lastBuilt = new Map<string, { readonly parts: readonly (readonly ResourceInput[])[]; readonly vhds: boolean; readonly snapshot: XdsSnapshot }>();
  /** The last generation index computed, and the id of the compiler whose mesh it describes. */
  #lastGenerations: { readonly index: GenerationIndex; readonly compiler: number } | undefined;
  #timer: TimerHandle | undefined;
  #pending: PendingPush | undefined;
  #firstChangeAt: number | undefined;
  #changes = 0;
  /** Pushes made so far. */
  pushes = 0;

  constructor(options: DistributorOptions = {}) {
    this.#clock = options.clock ?? systemClock();
    this.#quietMs = options.quietMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 1000;
    this.#log = options.logger ?? silentLogger;
    this.#resourcesFor = options.resourcesFor ?? defaultResources;
    this.#onPush = options.onPush;
  }

  /** The server to push to (set once it runs; its snapshotFor should call this.snapshotFor). */
  bind(target: SnapshotTarget): void {
    this.#target = target;
  }

  /** The mesh changed: push after the quiet period, or at the latest maxDelayMs after the first unpushed change. */
  meshChanged(mesh: MeshSnapshot, version: string): void {
    this.#mesh = mesh;
    this.#meshVersion = version;
    this.#generations = undefined;
    this.#changes++;
    const now = this.#clock.now();
    if (this.#firstChangeAt === undefined) this.#firstChangeAt = now;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    const due = Math.min(now + this.#quietMs, this.#firstChangeAt + this.#maxDelayMs);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, due - now);
  }

  /** Changes waiting for the next push. */
  get pendingChanges(): number {
    return this.#changes;
  }

  /** For startXdsServer's snapshotFor: a new proxy's snapshot from the current mesh (undefined: wait for one). */
  snapshotFor(node: ProxyNode): XdsSnapshot | undefined {
    const key = configKeyOf(node);
    this.#identities.set(key, { namespace: node.namespace, workload: node.workload, kind: node.kind });
    if (this.#mesh === undefined) return undefined;
    return this.#build(key);
  }

  #build(key: string): XdsSnapshot | undefined {
    const mesh = this.#mesh;
    const id = this.#identities.get(key);
    if (mesh === undefined || id === undefined) return undefined;
    if (this.#compiler?.index.snapshot !== mesh) this.#compiler = meshCompiler(mesh, this.#compiler);
    const compiler = this.#compiler;
    if (this.#generations === undefined) {
      const last = this.#lastGenerations;
      const rulesOnly = compiler.rulesOnlyEdit;
      // Only VirtualServices' rules changed since the mesh the last index describes: patch it rather than analyse the mesh again.
      this.#generations = last !== undefined && rulesOnly !== undefined && compiler.carriedFrom === last.compiler ? patchGenerations(last.index, rulesOnly) : generationIndex(mesh);
      this.#lastGenerations = { index: this.#generations, compiler: compiler.id };
    }
    const ns = this.#generations.byNamespace.get(id.namespace);
    const workload = this.#generations.byWorkload.get(`${id.namespace}/${id.workload}`) ?? NO_GENERATIONS;
    const generations = ns === undefined ? [NO_GENERATIONS, workload] : ns.newer === undefined ? [ns.base, workload] : [ns.newer, ns.base, workload];
    const resources = this.#resourcesFor(mesh, id, compiler);
    const meshVersion = this.#meshVersion;
    if (!isProxyResources(resources)) return XdsSnapshot.build({ resources, meshVersion, generations, label: key });
    // The same groups as this key's last snapshot (an edit elsewhere): only the mesh version and generations are new.
    const last = this.#lastBuilt.get(key);
    if (last !== undefined && last.vhds === resources.vhds && last.parts.length === resources.parts.length && last.parts.every((p, i) => p === resources.parts[i])) {
      const snapshot = last.snapshot.withMesh(meshVersion, generations);
      this.#lastBuilt.set(key, { ...last, snapshot });
      return snapshot;
    }
    // Groups replaced in place (an edit of rules): the build reassembles only the types they hold.
    const snapshot = XdsSnapshot.build({ parts: resources.parts, vhds: resources.vhds, meshVersion, generations, label: key, ...(last !== undefined ? { previous: last.snapshot } : {}) });
    this.#lastBuilt.set(key, { parts: resources.parts, vhds: resources.vhds, snapshot });
    return snapshot;
  }

  /**
   * Compiles and pushes now (the timer calls this). Returns the push's
   * report, or undefined when it had nothing to push to or went on in
   * slices (onPush gets the report when the last key is done).
   *
   * After an edit of VirtualServices' rules alone, when the server can tell
   * which proxies hold the edited virtual hosts (on-demand VHDS: a sidecar
   * holds the hosts its app calls), their keys are built and pushed first;
   * every other key's snapshot differs only in virtual hosts its proxies do
   * not hold, so it is built afterwards in slices of a few milliseconds,
   * between which the event loop reads the first proxies' ACKs. The edit
   * then reaches the proxies it affects in the time of their own snapshots,
   * not of every proxy's.
   */
  flush(): PushReport | undefined {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const target = this.#target;
    const first = this.#firstChangeAt;
    this.#firstChangeAt = undefined;
    this.#changes = 0;
    // A push still in slices is overtaken: every key is built again below from the newest mesh.
    if (this.#pending !== undefined) this.#finish(this.#pending, true);
    if (target === undefined || this.#mesh === undefined) return undefined;
    const started = this.#clock.now();
    // Keys with a connected proxy; snapshots of keys nobody uses any more are dropped.
    const live = new Set<string>();
    for (const n of target.connectedNodes()) {
      const key = configKeyOf(n);
      live.add(key);
      this.#identities.set(key, { namespace: n.namespace, workload: n.workload, kind: n.kind });
    }
    for (const key of target.keys()) {
      if (!live.has(key)) {
        target.clearSnapshot(key);
        this.#identities.delete(key);
        this.#lastBuilt.delete(key);
      }
    }
    const keys = [...live].sort();
    const takers = this.#takers(target, keys.length);
    const ordered = takers === undefined ? keys : [...keys.filter((k) => takers.has(k)), ...keys.filter((k) => !takers.has(k))];
    const firstKeys = takers === undefined ? keys.length : ordered.findIndex((k) => !takers.has(k));
    const push: PendingPush = { keys: ordered, next: 0, changed: [], failed: [], first, started, meshVersion: this.#meshVersion, compiled: live.size, buildMs: 0, firstKeys, firstMs: 0, cancelled: false };
    this.#buildKeys(push, firstKeys);
    push.buildMs = this.#clock.now() - started;
    if (push.next >= ordered.length) return this.#finish(push, false);
    push.firstMs = push.buildMs;
    this.#pending = push;
    setImmediate(() => this.#slice(push));
    return undefined;
  }

  /**
   * The keys to push first after a rules-only edit: those whose proxies take
   * an edited virtual host. Undefined: push every key at once (not a
   * rules-only edit, a server that cannot tell, or every key takes one).
   */
  #takers(target: SnapshotTarget, keys: number): ReadonlySet<string> | undefined {
    const mesh = this.#mesh;
    if (target.keysTakingVirtualHosts === undefined || mesh === undefined || keys < 2) return undefined;
    if (this.#compiler?.index.snapshot !== mesh) this.#compiler = meshCompiler(mesh, this.#compiler);
    const edited = this.#compiler.rulesOnlyEdit;
    if (edited === undefined) return undefined;
    // Virtual hosts are named `<route configuration>/<fqdn>:<port>`.
    const hosts = new Set<string>();
    for (const v of edited) for (const h of v.hosts) hosts.add(h.fqdn);
    const takers = target.keysTakingVirtualHosts((name) => {
      const slash = name.lastIndexOf('/');
      const colon = name.lastIndexOf(':');
      return colon > slash && hosts.has(name.slice(slash + 1, colon));
    });
    return takers.size >= keys ? undefined : takers;
  }

  /** Builds and hands to the server the push's keys up to index `end`. */
  #buildKeys(push: PendingPush, end: number): void {
    const target = this.#target;
    if (target === undefined) return;
    for (; push.next < end && push.next < push.keys.length; push.next++) {
      const key = push.keys[push.next] as string;
      try {
        const snapshot = this.#build(key);
        if (snapshot !== undefined && target.setSnapshot(key, snapshot)) push.changed.push(key);
      } catch (cause) {
        const error = cause instanceof Error ? cause.message : String(cause);
        push.failed.push({ key, error });
        // Loud: an inconsistent snapshot is a compiler bug; the proxy keeps its last good config.
        this.#log.error(
          { key, meshVersion: push.meshVersion, problems: cause instanceof InconsistentSnapshotError ? cause.problems.slice(0, 20) : undefined, err: error },
          'refused to push an xDS snapshot',
        );
      }
    }
  }

  /** One slice of a pending push's remaining keys, then the next after I/O. */
  #slice(push: PendingPush): void {
    if (push.cancelled || this.#pending !== push) return;
    const t0 = this.#clock.now();
    const deadline = performance.now() + SLICE_MS;
    while (push.next < push.keys.length && performance.now() < deadline) this.#buildKeys(push, push.next + 1);
    push.buildMs += this.#clock.now() - t0;
    if (push.next >= push.keys.length) this.#finish(push, false);
    else setImmediate(() => this.#slice(push));
  }

  /** Reports a push (overtaken by a newer one: with the keys it got to). */
  #finish(push: PendingPush, overtaken: boolean): PushReport {
    push.cancelled = overtaken;
    if (this.#pending === push) this.#pending = undefined;
    this.pushes++;
    const now = this.#clock.now();
    const report: PushReport = Object.freeze({
      meshVersion: push.meshVersion,
      compiled: push.compiled,
      changed: push.changed,
      failed: push.failed,
      delayMs: push.first === undefined ? 0 : now - push.first,
      buildMs: push.buildMs,
      ...(push.firstKeys < push.keys.length ? { first: Object.freeze({ keys: push.firstKeys, ms: push.firstMs }) } : {}),
    });
    this.#log.info({ meshVersion: report.meshVersion, compiled: report.compiled, changed: push.changed.length, failed: push.failed.length, ...(overtaken ? { overtaken: true } : {}) }, 'pushed mesh');
    this.#onPush?.(report);
    return report;
  }

  /** Stops the timer; nothing more is pushed until the next change. */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending !== undefined) {
      this.#pending.cancelled = true;
      this.#pending = undefined;
    }
  }
}
