// The operator: informers → (debounced) mesh snapshot → per-resource status.
//
//   informers (mesh kinds, Services, EndpointSlices, Pods, Namespaces,
//   WorkloadEntries, SMI TrafficSplits when served; fetched RequestAuthentication
//   key sets) ──change──▶ rebuild (debounced): validate,
//   registry, snapshot, analysis ──▶ SnapshotSink (the xDS server)
//                                  └─▶ enqueue every mesh resource's key
//   work queue ──key──▶ reconcile(key): reads the caches and the latest
//   build, derives the conditions (a pure function), and when they differ
//   from the resource's status, the leader writes them in one status patch
//   (server-side apply, field manager weft-operator) and records Events for
//   the transitions.
//
// Reconcile is level-triggered: it never looks at the event that woke it,
// so it is safe to run any time, any number of times. Every replica builds
// snapshots (all serve xDS); only the leader writes.

import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { refKey } from '../api/model.ts';
import { KeySetResolver } from '../authn/keysets.ts';
import { defaultMeshSettings, type MeshSettings } from '../compile/snapshot.ts';
import {
  conditionTime,
  deriveConditions,
  readStatus,
  statusChanged,
  transitions,
  withTransitions,
  type Condition,
  type MeshStatus,
  type Observation,
} from './conditions.ts';
import { EventRecorder, involved } from './events.ts';
import { Informer, type BackoffOptions, type InformerEvent } from './informer.ts';
import { KubeApiError, KubeClient, apiVersionOf, isNotFound, objectPath, type ResourceType } from './kube.ts';
import { LeaderElector, defaultLeaderTimings } from './leader.ts';
import { ValidationMemo, buildMesh, meshKey, type MeshBuild, type MeshObject, type Verdict } from './mesh.ts';
import { errorMessage, isObj, metaOf, str, type Obj } from './objects.ts';
import type { ProgrammedSource, SnapshotSink } from './programmed.ts';
import { WorkQueue } from './queue.ts';
import {
  ENDPOINT_SLICES,
  NAMESPACES,
  PODS,
  SERVICES,
  WEFT_TYPES,
  WORKLOAD_ENTRIES,
  contentOf,
  smiTrafficSplits,
  transformFor,
  type MeshType,
} from './resources.ts';

export const FIELD_MANAGER = 'weft-operator';
export const COMPONENT = 'weft-operator';

export interface OperatorOptions {
  readonly kubeConfig: KubeConfig;
  /** The operator's own namespace: the Lease lives here; AuthorizationPolicies here apply mesh-wide. */
  readonly namespace: string;
  /** This replica's name in the Lease and in Events (the Pod name in a cluster). */
  readonly identity: string;
  readonly log: Logger;
  /** Leader election timings and Lease name; `false` makes this replica always write (a single replica). */
  readonly leaderElection?: false | { readonly leaseName?: string; readonly leaseDurationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
  /** Mesh settings other than per-namespace mTLS (which comes from Namespace labels). */
  readonly settings?: Partial<Omit<MeshSettings, 'namespaceMtls'>>;
  /** The xDS server's acknowledgements; absent, Programmed is Unknown (Pending). */
  readonly programmed?: ProgrammedSource;
  readonly sink?: SnapshotSink;
  /** Quiet time before a snapshot is rebuilt after a change, and the longest a change waits. */
  readonly debounceMs?: number;
  readonly maxDebounceMs?: number;
  readonly workers?: number;
  readonly informers?: { readonly backoff?: BackoffOptions; readonly watchTimeoutSeconds?: number; readonly inactivityMs?: number };
  /** Retry backoff of a failing key. */
  readonly retry?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number };
  /** How often to look for the SMI TrafficSplit API (split.smi-spec.io) appearing or going. */
  readonly smiDiscoveryIntervalMs?: number;
  /** Every resource is reconciled at least this often, whatever happens. */
  readonly resyncMs?: number;
  readonly now?: () => number;
}

export interface OperatorStats {
  readonly rebuilds: number;
  readonly reconciles: number;
  readonly statusPatches: number;
  readonly reconcileErrors: number;
  readonly snapshotVersion: number;
}

interface Written {
  readonly uid: string;
  /** The object's resourceVersion the status was written over, and the one it produced. */
  readonly before: string;
  readonly after: string;
  readonly status: MeshStatus;
}

interface Since {
  readonly uid: string;
  readonly generation: number;
  /** The resource's analysis: what proxies receive of it. */
  readonly fingerprint: string;
  /** The rest of what its conditions are derived from (the validator's findings, notes). */
  readonly observed: string;
  readonly version: number;
}

interface MeshState {
  readonly version: number;
  readonly build: MeshBuild;
}

export class Operator {
  private readonly options: OperatorOptions;
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly queue: WorkQueue;
  private readonly events: EventRecorder;
  private readonly elector: LeaderElector | undefined;
  private readonly memo = new ValidationMemo();
  /** Fetches RequestAuthentication key sets (jwksUri, OpenID Connect discovery); a change rebuilds the snapshot. */
  private readonly keySets: KeySetResolver;
  private readonly meshInformers = new Map<string, { readonly type: MeshType; readonly informer: Informer }>();
  private readonly registryInformers: { services: Informer; pods: Informer; endpointSlices: Informer; namespaces: Informer; workloadEntries: Informer };
  private state: MeshState | undefined;
  private version = 0;
  private readonly written = new Map<string, Written>();
  private readonly since = new Map<string, Since>();
  /** Keys seen in some build, so a deleted resource is reconciled (and forgotten) once more. */
  private readonly known = new Set<string>();
  private rebuildTimer: NodeJS.Timeout | undefined;
  private rebuildFirstAt: number | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private smiTimer: NodeJS.Timeout | undefined;
  private smiCheck: Promise<void> | undefined;
  private workers: Promise<void>[] = [];
  private unsubscribe: (() => void) | undefined;
  private synced = false;
  private stopping = false;
  private writeAbort = new AbortController();
  private stats_ = { rebuilds: 0, reconciles: 0, statusPatches: 0, reconcileErrors: 0 };

  constructor(options: OperatorOptions) {
    this.options = options;
    this.client = new KubeClient(options.kubeConfig, { userAgent: `${COMPONENT}/${options.identity}` });
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.queue = new WorkQueue({ ...(options.retry ?? {}) });
    this.keySets = new KeySetResolver({
      onChange: () => this.scheduleRebuild(),
      log: (level, message) => (level === 'warn' ? this.log.warn({ component: 'jwks' }, message) : this.log.info({ component: 'jwks' }, message)),
    });
    this.events = new EventRecorder({ client: this.client, component: COMPONENT, instance: options.identity, log: this.log, now: this.now });
    const le = options.leaderElection;
    if (le !== false) {
      this.elector = new LeaderElector(
        this.client,
        {
          namespace: options.namespace,
          leaseName: le?.leaseName ?? 'weft-operator',
          identity: options.identity,
          leaseDurationMs: le?.leaseDurationMs ?? defaultLeaderTimings.leaseDurationMs,
          renewDeadlineMs: le?.renewDeadlineMs ?? defaultLeaderTimings.renewDeadlineMs,
          retryPeriodMs: le?.retryPeriodMs ?? defaultLeaderTimings.retryPeriodMs,
        },
        {
          onStartedLeading: () => {
            this.writeAbort = new AbortController();
            this.enqueueAll();
          },
          // Writes in flight are abandoned: another replica may be leading already.
          onStoppedLeading: () => this.writeAbort.abort(new Error('no longer the leader')),
        },
        this.log,
        this.now,
      );
    }
    for (const type of WEFT_TYPES) this.meshInformers.set(type.kind, { type, informer: this.meshInformer(type) });
    this.registryInformers = {
      services: this.registryInformer(SERVICES),
      pods: this.registryInformer(PODS),
      endpointSlices: this.registryInformer(ENDPOINT_SLICES),
      namespaces: this.registryInformer(NAMESPACES),
      workloadEntries: this.registryInformer(WORKLOAD_ENTRIES),
    };
  }

  /** Starts watching and (once the caches are synced) reconciling; resolves once synced. */
  async start(): Promise<void> {
    await this.discoverSmi();
    for (const { informer } of this.meshInformers.values()) informer.start();
    for (const informer of Object.values(this.registryInformers)) informer.start();
    this.elector?.start();
    this.unsubscribe = this.options.programmed?.subscribe(() => this.enqueueAll());
    this.scheduleSmiDiscovery();
    await Promise.all([...this.allInformers()].map((i) => i.waitForSync()));
    if (this.stopping) return;
    this.synced = true;
    this.rebuild();
    const workers = this.options.workers ?? 4;
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
    const resync = this.options.resyncMs ?? 5 * 60_000;
    this.resyncTimer = setInterval(() => this.enqueueAll(), resync);
    this.resyncTimer.unref();
    this.log.info({ identity: this.options.identity, namespace: this.options.namespace }, 'caches synced; reconciling');
  }

  /** Stops cleanly: stops writing first and hands the lease back (unless `releaseLease` is false), then stops watching. */
  async stop(opts: { readonly releaseLease?: boolean } = {}): Promise<void> {
    this.stopping = true;
    await this.elector?.stop(opts.releaseLease ?? true);
    this.writeAbort.abort(new Error('operator stopping'));
    this.queue.shutDown();
    clearTimeout(this.rebuildTimer);
    this.keySets.close();
    clearInterval(this.resyncTimer);
    clearTimeout(this.smiTimer);
    this.unsubscribe?.();
    await this.smiCheck;
    await Promise.all(this.workers);
    await Promise.all([...this.allInformers()].map((i) => i.stop()));
    this.log.info('stopped');
  }

  /** True while this replica may write status (the leader, or leader election is off). */
  isLeader(): boolean {
    return this.elector === undefined ? !this.stopping : this.elector.isLeader();
  }

  get leader(): string | undefined {
    return this.elector === undefined ? this.options.identity : this.elector.leader;
  }

  /** Caches synced and a snapshot built: what the readiness probe reports. */
  get ready(): boolean {
    return this.synced && this.state !== undefined;
  }

  /** Nothing queued, in progress or scheduled: every change seen so far is reconciled. */
  get idle(): boolean {
    return this.queue.pending === 0 && this.rebuildTimer === undefined;
  }

  /** The latest build (snapshot, analysis, validation verdicts) and its version. */
  current(): { readonly version: number; readonly build: MeshBuild } | undefined {
    return this.state;
  }

  get stats(): OperatorStats {
    return { ...this.stats_, snapshotVersion: this.version };
  }

  /** Per-resource state the operator holds; it shrinks back when resources are deleted. */
  get tracked(): { readonly written: number; readonly since: number; readonly known: number; readonly events: number } {
    return { written: this.written.size, since: this.since.size, known: this.known.size, events: this.events.remembered };
  }

  informerStats(): Record<string, Informer['stats']> {
    const out: Record<string, Informer['stats']> = {};
    for (const i of this.allInformers()) out[`${i.type.resource}${i.type.group === '' ? '' : `.${i.type.group}`}`] = i.stats;
    return out;
  }

  // --- informers --------------------------------------------------------------------

  private *allInformers(): Iterable<Informer> {
    for (const { informer } of this.meshInformers.values()) yield informer;
    yield* Object.values(this.registryInformers);
    const smi = this.smi;
    if (smi !== undefined) yield smi.informer;
  }

  private smi: { readonly type: MeshType; readonly informer: Informer } | undefined;

  private informerOptions(): { backoff?: BackoffOptions; watchTimeoutSeconds?: number; inactivityMs?: number } {
    return { ...(this.options.informers ?? {}) };
  }

  private meshInformer(type: MeshType): Informer {
    return new Informer({
      client: this.client,
      type,
      log: this.log,
      transform: transformFor(type),
      ...this.informerOptions(),
      onEvent: (e) => this.onMeshEvent(type, e),
    });
  }

  private registryInformer(type: ResourceType): Informer {
    return new Informer({
      client: this.client,
      type,
      log: this.log,
      transform: transformFor(type),
      ...this.informerOptions(),
      onEvent: (e) => {
        if (e.type === 'update' && contentOf(e.old, true) === contentOf(e.object, true)) return;
        this.scheduleRebuild();
      },
    });
  }

  private onMeshEvent(type: MeshType, e: InformerEvent): void {
    const obj = e.type === 'delete' ? e.old : e.object;
    const key = meshKey(type.kind, type.meshGroup, obj);
    // A status-only change (ours, or someone overwriting it) needs a reconcile, not a new snapshot.
    if (e.type !== 'update' || contentOf(e.old, false) !== contentOf(e.object, false)) this.scheduleRebuild();
    this.queue.add(key);
  }

  // --- SMI discovery ------------------------------------------------------------------

  private scheduleSmiDiscovery(): void {
    if (this.stopping) return;
    this.smiTimer = setTimeout(() => {
      this.smiCheck = this.discoverSmi().finally(() => this.scheduleSmiDiscovery());
    }, this.options.smiDiscoveryIntervalMs ?? 30_000);
    this.smiTimer.unref();
  }

  /** Starts watching split.smi-spec.io TrafficSplits when the API serves them, stops when it no longer does. */
  private async discoverSmi(): Promise<void> {
    let found: MeshType | undefined;
    try {
      const group = await this.client.request('GET', '/apis/split.smi-spec.io', { timeoutMs: 10_000 });
      const preferred = isObj(group['preferredVersion']) ? str(group['preferredVersion']['version']) : undefined;
      if (preferred !== undefined) {
        const resources = await this.client.request('GET', `/apis/split.smi-spec.io/${preferred}`, { timeoutMs: 10_000 });
        const names = (Array.isArray(resources['resources']) ? resources['resources'] : []).map((r) => (isObj(r) ? str(r['name']) : undefined));
        if (names.includes('trafficsplits')) found = smiTrafficSplits(preferred, names.includes('trafficsplits/status'));
      }
    } catch (e) {
      if (!isNotFound(e)) {
        this.log.warn({ err: errorMessage(e) }, 'could not look for SMI TrafficSplits; will look again');
        return;
      }
    }
    const current = this.smi;
    if (current !== undefined && found !== undefined && current.type.version === found.version && current.type.statusSubresource === found.statusSubresource) return;
    if (current !== undefined) {
      this.smi = undefined;
      await current.informer.stop();
      this.log.info({ version: current.type.version }, 'SMI TrafficSplits are no longer served; stopped watching them');
      this.scheduleRebuild();
    }
    if (found !== undefined && !this.stopping) {
      const informer = this.meshInformer(found);
      this.smi = { type: found, informer };
      informer.start();
      this.log.info({ version: found.version, statusSubresource: found.statusSubresource }, 'watching SMI TrafficSplits');
      if (this.synced) void informer.waitForSync().then(() => this.scheduleRebuild());
    }
  }

  // --- snapshot ----------------------------------------------------------------------

  private scheduleRebuild(): void {
    if (!this.synced || this.stopping) return;
    const now = this.now();
    this.rebuildFirstAt ??= now;
    const wait = Math.max(0, Math.min(this.options.debounceMs ?? 50, this.rebuildFirstAt + (this.options.maxDebounceMs ?? 1000) - now));
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(() => this.rebuild(), wait);
  }

  private meshObjects(): MeshObject[] {
    const out: MeshObject[] = [];
    const add = (type: MeshType, informer: Informer): void => {
      for (const object of informer.list()) out.push({ key: meshKey(type.kind, type.meshGroup, object), kind: type.kind, group: type.meshGroup, object });
    };
    for (const { type, informer } of this.meshInformers.values()) add(type, informer);
    if (this.smi !== undefined) add(this.smi.type, this.smi.informer);
    return out;
  }

  private rebuild(): void {
    this.rebuildFirstAt = undefined;
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = undefined;
    if (this.stopping) return;
    const started = performance.now();
    const base: Omit<MeshSettings, 'namespaceMtls'> = {
      trustDomain: this.options.settings?.trustDomain ?? defaultMeshSettings.trustDomain,
      clusterDomain: this.options.settings?.clusterDomain ?? defaultMeshSettings.clusterDomain,
      rootNamespace: this.options.settings?.rootNamespace ?? this.options.namespace,
      defaultMtls: this.options.settings?.defaultMtls ?? defaultMeshSettings.defaultMtls,
      outboundTrafficPolicy: this.options.settings?.outboundTrafficPolicy ?? defaultMeshSettings.outboundTrafficPolicy ?? 'ALLOW_ANY',
    };
    let build: MeshBuild;
    try {
      build = buildMesh(
        {
          meshObjects: this.meshObjects(),
          services: this.registryInformers.services.list(),
          pods: this.registryInformers.pods.list(),
          endpointSlices: this.registryInformers.endpointSlices.list(),
          workloadEntries: this.registryInformers.workloadEntries.list(),
          namespaces: this.registryInformers.namespaces.list(),
        },
        base,
        this.memo,
        (fetches) => this.keySets.want(fetches),
      );
    } catch (e) {
      // A bug, not bad input (the validator judges input): keep the last good snapshot, try again later.
      this.log.error({ err: errorMessage(e) }, 'could not build the mesh snapshot');
      this.scheduleRebuild();
      return;
    }
    const version = ++this.version;
    this.stats_.rebuilds++;
    this.state = { version, build };
    const changed = this.trackSince(build, version);
    for (const p of build.settingsProblems) this.log.warn({ namespace: p.split(':')[0] }, `namespace label ignored: ${p}`);
    this.logLeftOutEntries(build);
    try {
      this.options.sink?.publish(version, build.snapshot, build.analysis);
    } catch (e) {
      this.log.error({ err: errorMessage(e), version }, 'the snapshot sink failed');
    }
    this.log.debug({ version, resources: build.verdicts.size, changed: changed.length, ms: Math.round(performance.now() - started) }, 'mesh snapshot built');
    // Only resources whose conditions may have changed; deleted ones to forget them.
    for (const key of changed) {
      this.known.add(key);
      this.queue.add(key);
    }
    for (const key of this.known) if (!build.verdicts.has(key)) this.queue.add(key);
  }

  private leftOutEntries = new Set<string>();
  /** WorkloadEntries the validator refused (stored before the webhook ran, or with it bypassed): said once each, when first seen. */
  private logLeftOutEntries(build: MeshBuild): void {
    const now = new Set<string>();
    for (const p of build.registryProblems) {
      if (p.kind !== 'WorkloadEntry' || p.severity !== 'error') continue;
      const line = `${p.path}: ${p.message}`;
      now.add(`${p.namespace}/${p.name}\u0000${line}`);
      if (!this.leftOutEntries.has(`${p.namespace}/${p.name}\u0000${line}`)) {
        this.log.warn({ resource: `WorkloadEntry ${p.namespace}/${p.name}` }, `WorkloadEntry left out of the registry: ${line}`);
      }
    }
    this.leftOutEntries = now;
  }

  /**
   * Records, per resource, the first version carrying its current generation
   * and analysis (ProgrammedQuery.version), and returns the resources whose
   * observed inputs (that, or the validator's findings) changed in this build.
   */
  private trackSince(build: MeshBuild, version: number): string[] {
    const changed: string[] = [];
    for (const [key, verdict] of build.verdicts) {
      const analysis = build.analysis.byKey.get(key);
      const fingerprint = analysis === undefined ? '' : JSON.stringify([analysis.conflicts, analysis.unresolved, analysis.hosts, analysis.proxies]);
      const observed = JSON.stringify([verdict.validation.ok, verdict.validation.problems, analysis?.notes]);
      const prev = this.since.get(key);
      if (prev !== undefined && prev.uid === verdict.uid && prev.generation === verdict.generation && prev.fingerprint === fingerprint) {
        if (prev.observed !== observed) {
          this.since.set(key, { ...prev, observed });
          changed.push(key);
        }
        continue;
      }
      this.since.set(key, { uid: verdict.uid, generation: verdict.generation, fingerprint, observed, version });
      changed.push(key);
    }
    return changed;
  }

  private enqueueAll(): void {
    if (this.state === undefined) return;
    for (const key of this.state.build.verdicts.keys()) {
      this.known.add(key);
      this.queue.add(key);
    }
    for (const key of this.known) this.queue.add(key);
  }

  // --- reconcile ---------------------------------------------------------------------

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
        this.queue.forget(key);
      } catch (e) {
        this.stats_.reconcileErrors++;
        if (this.stopping) continue;
        const delay = this.queue.addRateLimited(key);
        this.log.warn({ resource: key, err: errorMessage(e), retryInMs: delay, failures: this.queue.failures(key) }, 'reconcile failed; will retry');
      } finally {
        this.queue.done(key);
      }
    }
  }

  private find(key: string): { readonly type: MeshType; readonly object: Obj } | undefined {
    const slash = key.indexOf('/');
    const kindGroup = key.slice(0, slash);
    const objKey = key.slice(slash + 1);
    const sources = [...this.meshInformers.values()];
    if (this.smi !== undefined) sources.push(this.smi);
    for (const { type, informer } of sources) {
      if (`${type.kind}.${type.meshGroup}` !== kindGroup) continue;
      const object = informer.get(objKey);
      if (object !== undefined) return { type, object };
    }
    return undefined;
  }

  private forget(key: string): void {
    const w = this.written.get(key);
    const s = this.since.get(key);
    if (w !== undefined) this.events.forget(w.uid);
    if (s !== undefined && s.uid !== w?.uid) this.events.forget(s.uid);
    this.written.delete(key);
    this.since.delete(key);
    this.known.delete(key);
  }

  /** Level-triggered: the resource's status made to say what the caches and the latest build say now. */
  private async reconcile(key: string): Promise<void> {
    this.stats_.reconciles++;
    const state = this.state;
    if (state === undefined) return;
    const found = this.find(key);
    if (found === undefined) {
      // Deleted: the rebuild that follows the deletion updates everyone it affected.
      this.forget(key);
      return;
    }
    const { type, object } = found;
    const meta = metaOf(object);
    const verdict = state.build.verdicts.get(key);
    // The build predates this generation: the pending rebuild enqueues the key again.
    if (verdict === undefined || verdict.uid !== meta.uid || verdict.generation !== meta.generation) return;
    if (meta.deletionTimestamp !== undefined || !this.isLeader()) return;
    const observation = this.observe(key, verdict, state);
    if (observation === undefined) return;
    const current = this.currentStatus(key, type, object);
    const next = withTransitions(deriveConditions(observation), current.conditions, meta.generation, conditionTime(this.now()));
    if (!statusChanged(current, next)) return;
    const log = this.log.child({ resource: `${type.kind} ${meta.namespace}/${meta.name}` });
    if (type.statusSubresource) {
      const patched = await this.writeStatus(type, object, next, log);
      if (patched === undefined) return;
      this.written.set(key, { uid: meta.uid, before: meta.resourceVersion, after: metaOf(patched).resourceVersion, status: next });
    } else {
      this.written.set(key, { uid: meta.uid, before: meta.resourceVersion, after: meta.resourceVersion, status: next });
    }
    const ready = next.conditions.find((c) => c.type === 'Ready');
    log.info({ generation: meta.generation, ready: ready?.status, reason: ready?.reason }, 'status updated');
    await this.announce(type, object, current.conditions, next);
  }

  private observe(key: string, verdict: Verdict, state: MeshState): Observation | undefined {
    const v = verdict.validation;
    if (!v.ok) return { kind: 'invalid', generation: verdict.generation, problems: v.problems };
    const analysis = state.build.analysis.byKey.get(key);
    if (analysis === undefined) return undefined;
    const source = this.options.programmed;
    if (source === undefined) return { kind: 'valid', generation: verdict.generation, warnings: v.problems, analysis, programmed: { kind: 'no-source' } };
    let report;
    try {
      report = source.programmed({
        ref: v.ref,
        generation: verdict.generation,
        reach: analysis.proxies,
        version: this.since.get(key)?.version ?? state.version,
      });
    } catch (e) {
      this.log.error({ resource: refKey(v.ref), err: errorMessage(e) }, 'the programmed source failed');
    }
    return {
      kind: 'valid',
      generation: verdict.generation,
      warnings: v.problems,
      analysis,
      programmed: report === undefined ? { kind: 'waiting' } : { kind: 'report', report },
    };
  }

  /**
   * The status the resource has now. The cache may not show our last write
   * yet: when it still holds the very version we wrote over, what we wrote
   * is the truth (so transition times do not move twice).
   */
  private currentStatus(key: string, type: MeshType, object: Obj): { readonly observedGeneration: number | undefined; readonly conditions: readonly Condition[] } {
    const meta = metaOf(object);
    const w = this.written.get(key);
    if (w !== undefined && w.uid === meta.uid && (!type.statusSubresource || w.before === meta.resourceVersion)) return w.status;
    return readStatus(object);
  }

  /** One server-side apply of the status; undefined when the object is gone. */
  private async writeStatus(type: MeshType, object: Obj, status: MeshStatus, log: Logger): Promise<Obj | undefined> {
    const meta = metaOf(object);
    const path = objectPath(type, meta.namespace, meta.name, 'status');
    try {
      const patched = await this.client.request('PATCH', path, {
        query: { fieldManager: FIELD_MANAGER, force: true },
        contentType: 'application/apply-patch+yaml',
        // The uid makes the write conditional: a resource deleted and recreated under the same name is not written with the old one's status.
        body: { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid }, status },
        signal: this.writeAbort.signal,
      });
      this.stats_.statusPatches++;
      return patched;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (e instanceof KubeApiError && e.status !== 409 && this.isLeader()) {
        await this.events.record(involved(apiVersionOf(type), type.kind, object), 'Warning', 'StatusUpdateFailed', `could not write status: ${e.message}`);
      }
      log.warn({ err: errorMessage(e) }, 'status update failed');
      throw e;
    }
  }

  /** Events for the conditions whose status or reason changed; Ready only when it says something new. */
  private async announce(type: MeshType, object: Obj, previous: readonly Condition[], next: MeshStatus): Promise<void> {
    const changed = transitions(previous, next);
    const reasons = new Set(changed.filter((t) => t.condition.type !== 'Ready').map((t) => t.condition.reason));
    const who = involved(apiVersionOf(type), type.kind, object);
    await Promise.all(
      changed
        .filter((t) => t.condition.type !== 'Ready' || !reasons.has(t.condition.reason))
        .map(({ condition: c }) => this.events.record(who, c.status === 'False' ? 'Warning' : 'Normal', c.reason, `${c.type} is ${c.status}: ${c.message}`)),
    );
  }
}
