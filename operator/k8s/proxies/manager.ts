// The managed proxies: for each namespace labelled weft.dev/waypoint=enabled,
// the operator keeps a waypoint (Deployment, Service and ServiceAccount
// weft-waypoint, rendered by waypoint.ts) applied, rolls it when the proxy
// image or its settings change, removes it when the label goes, and reports
// its readiness as the Namespace's condition WaypointReady and as Events on
// the Deployment.
//
//   informers: Namespaces, Deployments labelled weft.dev/proxy=waypoint
//        │ key: the namespace name
//        ▼
//   reconcile(ns) ── leader only ──▶ server-side apply (field manager weft-operator)
//                                    only when the rendered config's hash differs
//                                └─▶ Namespace status condition, Events on transitions
//
// Level-triggered like the mesh reconciler: reconcile reads the caches, never
// the event. Every replica watches (a new leader starts warm); only the
// leader writes.

import type { Logger } from 'pino';
import { EventRecorder, involved } from '../events.ts';
import { Informer, type BackoffOptions } from '../informer.ts';
import { KubeApiError, isNotFound, type KubeClient, type ResourceType } from '../kube.ts';
import { errorMessage, isObj, metaOf, str, type Obj } from '../objects.ts';
import { WorkQueue } from '../queue.ts';
import { NAMESPACES } from '../resources.ts';
import {
  CONFIG_HASH_ANNOTATION,
  MANAGED_SELECTOR,
  WAYPOINT_LABEL,
  WAYPOINT_NAME,
  renderWaypoint,
  waypointState,
  type WaypointSettings,
  type WaypointState,
} from './waypoint.ts';

export const FIELD_MANAGER = 'weft-operator';
/** The Namespace status condition that says how the namespace's waypoint is doing. */
export const WAYPOINT_CONDITION = 'WaypointReady';

export const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true };

export interface ProxyManagerOptions {
  readonly client: KubeClient;
  readonly log: Logger;
  readonly identity: string;
  readonly settings: WaypointSettings;
  /** Whether this replica writes (the Lease holder). */
  readonly isLeader: () => boolean;
  /** Every waypoint is re-applied this often (force), which repairs hand edits. Default 10 min. */
  readonly resyncMs?: number;
  /** How often leadership is looked at (a new leader reconciles everything at once). Default 1 s. */
  readonly leaderPollMs?: number;
  readonly informers?: { readonly backoff?: BackoffOptions; readonly watchTimeoutSeconds?: number };
  readonly now?: () => number;
}

export interface NamespaceCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface ProxyManagerStats {
  readonly reconciles: number;
  /** Server-side applies of a Deployment (a create or a roll). */
  readonly deploymentApplies: number;
  readonly deletes: number;
  readonly statusWrites: number;
  readonly errors: number;
}

interface Applied {
  readonly namespaceUid: string;
  readonly deploymentUid: string;
  readonly hash: string;
}

interface WrittenCondition {
  readonly namespaceUid: string;
  /** The Namespace's resourceVersion the condition was written over. */
  readonly before: string;
  readonly condition: NamespaceCondition | undefined;
}

/** What the condition says: the Deployment's state, or that the label cannot be honoured. */
type Reported = WaypointState | { readonly status: 'False'; readonly reason: 'InvalidLabel'; readonly message: string };

type Want =
  | { readonly kind: 'waypoint'; readonly namespaceUid: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly namespaceUid: string; readonly value: string };

export class ProxyManager {
  private readonly options: ProxyManagerOptions;
  private readonly log: Logger;
  private readonly client: KubeClient;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;
  private readonly namespaces: Informer;
  private readonly deployments: Informer;
  private readonly now: () => number;
  private readonly applied = new Map<string, Applied>();
  private readonly written = new Map<string, WrittenCondition>();
  /** Namespaces whose waypoint is re-applied at their next reconcile whatever the hash says (resync). */
  private readonly repair = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private workers: Promise<void>[] = [];
  private synced = false;
  private stopping = false;
  private stats_ = { reconciles: 0, deploymentApplies: 0, deletes: 0, statusWrites: 0, errors: 0 };

  constructor(options: ProxyManagerOptions) {
    this.options = options;
    this.client = options.client;
    this.log = options.log.child({ component: 'managed-proxies' });
    this.now = options.now ?? Date.now;
    this.events = new EventRecorder({ client: this.client, component: FIELD_MANAGER, instance: options.identity, log: this.log, now: this.now });
    const common = { client: this.client, log: this.log, ...(options.informers ?? {}) };
    this.namespaces = new Informer({
      ...common,
      type: NAMESPACES,
      transform: (o) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: pickMeta(o), status: { conditions: ownConditions(o) } }),
      onEvent: (e) => this.queue.add(e.key),
    });
    this.deployments = new Informer({
      ...common,
      type: DEPLOYMENTS,
      labelSelector: MANAGED_SELECTOR,
      transform: (o) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: pickMeta(o), spec: isObj(o['spec']) ? o['spec'] : {}, status: isObj(o['status']) ? o['status'] : {} }),
      onEvent: (e) => {
        const ns = metaOf(e.type === 'delete' ? e.old : e.object).namespace;
        // Deleted by someone: the next apply creates it again, whatever was applied before.
        if (e.type === 'delete') this.applied.delete(ns);
        this.queue.add(ns);
      },
    });
  }

  get stats(): ProxyManagerStats {
    return { ...this.stats_ };
  }

  get idle(): boolean {
    return this.synced && this.queue.pending === 0;
  }

  /** Resolves once both caches have synced and the workers run. */
  async start(): Promise<void> {
    this.namespaces.start();
    this.deployments.start();
    await Promise.all([this.namespaces.waitForSync(), this.deployments.waitForSync()]);
    if (this.stopping) return;
    this.synced = true;
    for (let i = 0; i < 2; i++) this.workers.push(this.work());
    let leading = false;
    const poll = setInterval(() => {
      const now = this.options.isLeader();
      if (now && !leading) this.enqueueAll(false);
      leading = now;
    }, this.options.leaderPollMs ?? 1000);
    poll.unref();
    this.timers.add(poll);
    const resync = setInterval(() => this.enqueueAll(true), this.options.resyncMs ?? 10 * 60_000);
    resync.unref();
    this.timers.add(resync);
    if (this.options.isLeader()) this.enqueueAll(false);
    this.log.info({ settings: { image: this.options.settings.image, xds: this.options.settings.xdsAddress } }, 'managing waypoints');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    this.queue.shutDown();
    await Promise.all(this.workers);
    await Promise.all([this.namespaces.stop(), this.deployments.stop()]);
  }

  /** Every namespace reconciled again; `force` re-applies unchanged waypoints too (repairs edits by hand). */
  enqueueAll(force: boolean): void {
    if (!this.synced) return;
    for (const ns of this.namespaces.list()) {
      const name = metaOf(ns).name;
      if (force) this.repair.add(name);
      this.queue.add(name);
    }
    for (const d of this.deployments.list()) this.queue.add(metaOf(d).namespace);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
        this.queue.forget(key);
      } catch (e) {
        this.stats_.errors++;
        if (!this.stopping) {
          const delay = this.queue.addRateLimited(key);
          this.log.warn({ namespace: key, err: errorMessage(e), retryInMs: delay }, 'waypoint reconcile failed; will retry');
        }
      } finally {
        this.queue.done(key);
      }
    }
  }

  private want(namespace: string): Want {
    const ns = this.namespaces.get(namespace);
    if (ns === undefined) return { kind: 'none' };
    const m = metaOf(ns);
    // A namespace being deleted takes everything in it along.
    if (m.deletionTimestamp !== undefined) return { kind: 'none' };
    const value = m.labels[WAYPOINT_LABEL];
    if (value === undefined) return { kind: 'none' };
    if (value === 'enabled') return { kind: 'waypoint', namespaceUid: m.uid };
    return { kind: 'invalid', namespaceUid: m.uid, value };
  }

  /** Level-triggered: the namespace's waypoint made to be what its label asks for, and its state reported. */
  private async reconcile(namespace: string): Promise<void> {
    if (!this.options.isLeader() || this.stopping) return;
    this.stats_.reconciles++;
    const want = this.want(namespace);
    const live = this.deployments.get(`${namespace}/${WAYPOINT_NAME}`);
    if (want.kind !== 'waypoint') {
      if (live !== undefined || this.applied.has(namespace)) await this.remove(namespace);
      this.repair.delete(namespace);
      if (want.kind === 'invalid') {
        await this.report(namespace, undefined, {
          status: 'False',
          reason: 'InvalidLabel',
          message: `label ${WAYPOINT_LABEL}: ${JSON.stringify(want.value)} is not "enabled"; set it to enabled for a waypoint, or remove it`,
        });
      } else if (this.namespaces.get(namespace) !== undefined) await this.report(namespace, undefined, undefined);
      else this.written.delete(namespace);
      return;
    }
    const rendered = renderWaypoint({ name: namespace, uid: want.namespaceUid }, this.options.settings);
    const forced = this.repair.delete(namespace);
    let deployment = live;
    if (forced || this.needsApply(namespace, want.namespaceUid, rendered.hash, live)) {
      deployment = await this.apply(namespace, want.namespaceUid, rendered, live, forced);
      if (deployment === undefined) return; // the namespace is going away
    }
    // Just applied and not in the cache yet: its informer event reconciles again.
    if (deployment === undefined) return;
    await this.report(namespace, deployment, waypointState(deployment, rendered.hash));
  }

  /** No write when the Deployment already carries this config for this namespace (or we just applied it and the cache lags). */
  private needsApply(namespace: string, namespaceUid: string, hash: string, live: Obj | undefined): boolean {
    const a = this.applied.get(namespace);
    if (a !== undefined && a.hash === hash && a.namespaceUid === namespaceUid && (live === undefined || metaOf(live).uid === a.deploymentUid)) return false;
    if (live === undefined) return true;
    const annotations = annotationsOf(live);
    return annotations[CONFIG_HASH_ANNOTATION] !== hash || !ownedBy(live, namespaceUid);
  }

  private async apply(namespace: string, namespaceUid: string, rendered: ReturnType<typeof renderWaypoint>, live: Obj | undefined, forced: boolean): Promise<Obj | undefined> {
    const ns = encodeURIComponent(namespace);
    const apply = (path: string, body: unknown): Promise<Obj> =>
      this.client.request('PATCH', path, { query: { fieldManager: FIELD_MANAGER, force: true }, contentType: 'application/apply-patch+yaml', body });
    let deployment: Obj;
    try {
      deployment = await apply(`/apis/apps/v1/namespaces/${ns}/deployments/${WAYPOINT_NAME}`, rendered.deployment);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (e instanceof KubeApiError && live !== undefined) {
        await this.events.record(involved('apps/v1', 'Deployment', live), 'Warning', 'ApplyFailed', `could not apply the waypoint: ${e.message}`);
      }
      throw e;
    }
    this.stats_.deploymentApplies++;
    const uid = metaOf(deployment).uid;
    // The Deployment is their controller: they go with it.
    await apply(`/api/v1/namespaces/${ns}/serviceaccounts/${WAYPOINT_NAME}`, rendered.serviceAccount(uid));
    await apply(`/api/v1/namespaces/${ns}/services/${WAYPOINT_NAME}`, rendered.service(uid));
    this.applied.set(namespace, { namespaceUid, deploymentUid: uid, hash: rendered.hash });
    const image = this.options.settings.image;
    const before = live === undefined ? undefined : annotationsOf(live)[CONFIG_HASH_ANNOTATION];
    const who = involved('apps/v1', 'Deployment', deployment);
    if (live === undefined) {
      this.log.info({ namespace, hash: rendered.hash, image }, 'waypoint created');
      await this.events.record(who, 'Normal', 'Created', `waypoint for namespace ${namespace} created: image ${image}, proxy config ${rendered.hash}`);
    } else if (before !== rendered.hash) {
      this.log.info({ namespace, from: before, to: rendered.hash, image }, 'waypoint rolled');
      await this.events.record(who, 'Normal', 'Rolled', `proxy config changed (${before ?? 'none'} → ${rendered.hash}): rolling out image ${image}`);
    } else if (forced) this.log.debug({ namespace }, 'waypoint re-applied (resync)');
    return deployment;
  }

  /** Deletes the waypoint; Service and ServiceAccount are deleted too, not left to a garbage collector that may not run. */
  private async remove(namespace: string): Promise<void> {
    const ns = encodeURIComponent(namespace);
    const del = async (path: string): Promise<void> => {
      try {
        await this.client.request('DELETE', path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    };
    await del(`/apis/apps/v1/namespaces/${ns}/deployments/${WAYPOINT_NAME}`);
    await del(`/api/v1/namespaces/${ns}/services/${WAYPOINT_NAME}`);
    await del(`/api/v1/namespaces/${ns}/serviceaccounts/${WAYPOINT_NAME}`);
    this.applied.delete(namespace);
    this.stats_.deletes++;
    this.log.info({ namespace }, 'waypoint removed');
  }

  /**
   * The Namespace's WaypointReady condition made to say `state` (undefined:
   * no condition), in one server-side apply of the status when it differs;
   * an Event on the Deployment when its status or reason changed.
   */
  private async report(namespace: string, deployment: Obj | undefined, state: Reported | undefined): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (ns === undefined) return;
    const m = metaOf(ns);
    const w = this.written.get(namespace);
    const current = w !== undefined && w.namespaceUid === m.uid && w.before === m.resourceVersion ? w.condition : ownConditions(ns).map(toCondition).find((c) => c !== undefined);
    if (state === undefined && current === undefined) return;
    let next: NamespaceCondition | undefined;
    if (state !== undefined) {
      const moved = current === undefined || current.status !== state.status;
      const lastTransitionTime = moved ? new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') : current.lastTransitionTime;
      next = { type: WAYPOINT_CONDITION, status: state.status, reason: state.reason, message: state.message, lastTransitionTime };
      if (current !== undefined && current.status === next.status && current.reason === next.reason && current.message === next.message) return;
    }
    try {
      await this.client.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(namespace)}/status`, {
        query: { fieldManager: FIELD_MANAGER, force: true },
        contentType: 'application/apply-patch+yaml',
        // Conditions are a map keyed by type: applying none gives up ours and leaves others' alone. The uid guards a recreated namespace.
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, uid: m.uid }, status: { conditions: next === undefined ? [] : [next] } },
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.stats_.statusWrites++;
    this.written.set(namespace, { namespaceUid: m.uid, before: m.resourceVersion, condition: next });
    if (next !== undefined && deployment !== undefined && (current === undefined || current.status !== next.status || current.reason !== next.reason)) {
      await this.events.record(involved('apps/v1', 'Deployment', deployment), next.status === 'False' ? 'Warning' : 'Normal', next.reason, `${WAYPOINT_CONDITION} is ${next.status}: ${next.message}`);
    }
    this.log.info({ namespace, status: next?.status, reason: next?.reason }, 'waypoint status updated');
  }
}

// --- helpers ------------------------------------------------------------------------------

const META = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'deletionTimestamp', 'labels', 'annotations', 'ownerReferences'];

function pickMeta(o: Obj): Obj {
  const m = isObj(o['metadata']) ? o['metadata'] : {};
  const out: Obj = {};
  for (const k of META) if (m[k] !== undefined) out[k] = m[k];
  return out;
}

/** Only our condition is cached: the rest of a Namespace's status is someone else's. */
function ownConditions(o: Obj): Obj[] {
  const status = isObj(o['status']) ? o['status'] : {};
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
  return conditions.filter((c): c is Obj => isObj(c) && c['type'] === WAYPOINT_CONDITION);
}

function toCondition(c: Obj): NamespaceCondition | undefined {
  const status = c['status'];
  if (status !== 'True' && status !== 'False' && status !== 'Unknown') return undefined;
  return { type: WAYPOINT_CONDITION, status, reason: str(c['reason']) ?? '', message: str(c['message']) ?? '', lastTransitionTime: str(c['lastTransitionTime']) ?? '' };
}

function annotationsOf(o: Obj): Record<string, unknown> {
  const m = isObj(o['metadata']) ? o['metadata'] : {};
  return isObj(m['annotations']) ? m['annotations'] : {};
}

function ownedBy(o: Obj, uid: string): boolean {
  const m = isObj(o['metadata']) ? o['metadata'] : {};
  const refs = Array.isArray(m['ownerReferences']) ? m['ownerReferences'] : [];
  return refs.some((r) => isObj(r) && r['kind'] === 'Namespace' && r['uid'] === uid);
}
