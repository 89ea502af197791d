// The ProgrammedSource of a control plane with several replicas. Every
// replica serves xDS, but only the leader writes status, so each replica
// publishes a summary of its own proxies (summary.ts) into ConfigMap
// weft-acks-<identity> in the operator's namespace, and every replica watches
// those ConfigMaps; programmed() answers from the union of this replica's
// own summary (in memory) and the live ones of the others.
//
//   AckTrackers ──poll──▶ summarize ──(changed, ≤ 1 per debounceMs; or renewMs)──▶ SSA ConfigMap weft-acks-<id>
//   ConfigMaps weft-acks-* ──list+watch──▶ remote summaries ──▶ aggregate ──▶ programmed()
//
// A summary is live while its `renewTime` keeps moving: a replica that has
// not seen it change for expiryMs by its own clock (as leader election judges
// a Lease) ignores it, so a dead replica's proxies drop out of M. A replica
// that stops cleanly deletes its ConfigMap; one that crashed leaves it, and
// the leader deletes it once it has not been renewed for deleteAfterMs, on
// the condition that it is still the version the leader judged (a replica
// that comes back meanwhile renews it, and the delete is refused). Deleting
// one too early costs nothing: its replica, if alive, recreates it with its
// next write.

import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { MeshAnalysis } from '../../compile/analyze.ts';
import type { AckTracker } from '../../xds/tracker.ts';
import { isConflict, isGone, isNotFound, type KubeClient, type WatchEvent } from '../kube.ts';
import { errorMessage, isObj, str, type Obj } from '../objects.ts';
import type { ProgrammedQuery, ProgrammedReport, ProgrammedSource } from '../programmed.ts';
import { aggregate, decodeSummary, encodeSummary, MeaningIndex, summarize, type ReplicaSummary } from './summary.ts';

export const ACKS_PREFIX = 'weft-acks-';
export const ACKS_LABELS = { 'app.kubernetes.io/name': 'weft', 'app.kubernetes.io/component': 'acks' } as const;
const SELECTOR = Object.entries(ACKS_LABELS).map(([k, v]) => `${k}=${v}`).join(',');
const FIELD_MANAGER = 'weft-operator';
export const RENEW_TIME_KEY = 'renewTime';

export interface SharedAcksTiming {
  /** How often the trackers are looked at. Default 200 ms. */
  readonly pollMs?: number;
  /** At most one write of this replica's summary per this long. Default 500 ms. */
  readonly debounceMs?: number;
  /** An unchanged summary is rewritten (renewTime) this often. Default 10 s. */
  readonly renewMs?: number;
  /** Another replica's summary not renewed for this long (by this replica's clock) is ignored. Default 30 s. */
  readonly expiryMs?: number;
  /** The leader deletes another replica's summary not renewed for this long. Default twice expiryMs. */
  readonly deleteAfterMs?: number;
}

export interface SharedAcksOptions extends SharedAcksTiming {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly identity: string;
  readonly log: Logger;
  readonly trackers: () => readonly AckTracker[];
  /** Whether this replica leads: only the leader deletes dead replicas' summaries. Default: never. */
  readonly isLeader?: () => boolean;
  readonly now?: () => number;
}

/** A ConfigMap name for a replica identity (a Pod name fits as is; anything else is made to fit). */
export function acksConfigMapName(identity: string): string {
  const clean = identity.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const name = ACKS_PREFIX + clean;
  if (clean === identity && name.length <= 253) return name;
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 10);
  return `${ACKS_PREFIX}${clean.slice(0, 200)}-${hash}`.replace(/-+$/, '');
}

interface Remote {
  /** Undefined for a ConfigMap that cannot be read: counted for nothing, but still deleted once stale. */
  readonly summary: ReplicaSummary | undefined;
  readonly renewTime: string;
  /** When this replica saw renewTime change, by its own clock (first sight: the writer's renewTime, if earlier). */
  readonly seenAt: number;
  /** When this replica saw renewTime change, by its own clock only: a delete waits deleteAfterMs from here, as a Lease is judged, whatever the writer's clock says. */
  readonly unchangedSince: number;
  /** The ConfigMap as seen: a delete is conditional on both, so a renewal in between wins. */
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
}

export class SharedAcks implements ProgrammedSource {
  readonly meanings = new MeaningIndex();
  readonly name: string;
  private readonly o: SharedAcksOptions;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly listeners = new Set<() => void>();
  private readonly remotes = new Map<string, Remote>();
  private local: ReplicaSummary;
  private localText = '';
  private meaningVersion = -1;
  private published: { text: string; at: number } | undefined;
  private writing: Promise<void> | undefined;
  private poll: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private watching: Promise<void> | undefined;
  private liveDigest = '';
  private stopped = false;
  /** Dead replicas' summaries being deleted, and when each was last tried (a failure is retried after deleteAfterMs). */
  private readonly deleting = new Map<string, number>();

  constructor(o: SharedAcksOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.log = o.log.child({ component: 'acks' });
    this.name = acksConfigMapName(o.identity);
    this.local = summarize(o.identity, [], this.meanings);
  }

  /** The SnapshotSink side: every build's analysis, to know what each resource means now. */
  observe(version: number, analysis: MeshAnalysis): void {
    this.meanings.observe(version, analysis);
  }

  start(): void {
    if (this.poll !== undefined || this.stopped) return;
    this.poll = setInterval(() => this.tick(), this.o.pollMs ?? 200);
    this.poll.unref();
    this.abort = new AbortController();
    this.watching = this.watchLoop(this.abort.signal);
  }

  /** Stops publishing and watching; deletes this replica's summary so the leader stops counting its proxies at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    this.abort?.abort(new Error('stopping'));
    await this.watching?.catch(() => undefined);
    await this.writing?.catch(() => undefined);
    try {
      await this.o.client.request('DELETE', this.path(this.name), { timeoutMs: 2000 });
    } catch (e) {
      if (!isNotFound(e)) this.log.warn({ configMap: `${this.o.namespace}/${this.name}`, err: errorMessage(e) }, 'could not delete this replica\'s acknowledgement summary; it expires');
    }
  }

  programmed(q: ProgrammedQuery): ProgrammedReport | undefined {
    return aggregate(this.summaries(), this.meanings, q);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** This replica's own summary and every other live one. */
  summaries(): ReplicaSummary[] {
    const expiry = this.o.expiryMs ?? 30_000;
    const now = this.now();
    const live = [this.local];
    for (const [name, r] of this.remotes) if (name !== this.name && r.summary !== undefined && now - r.seenAt <= expiry) live.push(r.summary);
    return live;
  }

  private path(name?: string): string {
    const base = `/api/v1/namespaces/${encodeURIComponent(this.o.namespace)}/configmaps`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  private tick(): void {
    if (this.stopped) return;
    const trackers = this.o.trackers();
    const next = summarize(this.o.identity, trackers, this.meanings);
    const text = JSON.stringify(next);
    let changed = false;
    if (text !== this.localText || this.meaningVersion !== this.meanings.version) {
      this.meaningVersion = this.meanings.version;
      changed = text !== this.localText;
      this.local = next;
      this.localText = text;
    }
    // Remote summaries that expired since the last look change the answer too.
    const expiry = this.o.expiryMs ?? 30_000;
    const now = this.now();
    const live = [...this.remotes].filter(([n, r]) => n !== this.name && r.summary !== undefined && now - r.seenAt <= expiry).map(([n, r]) => `${n}@${r.renewTime}`).join(',');
    if (live !== this.liveDigest) {
      this.liveDigest = live;
      changed = true;
    }
    if (changed) this.notify();
    this.maybePublish();
    this.collectDead(now);
  }

  /** The leader deletes the summaries of replicas that stopped renewing them (crashed: a clean stop deletes its own). */
  private collectDead(now: number): void {
    if (this.o.isLeader?.() !== true) return;
    const after = this.o.deleteAfterMs ?? 2 * (this.o.expiryMs ?? 30_000);
    for (const [name, r] of this.remotes) {
      if (name === this.name || now - r.unchangedSince <= after) continue;
      const tried = this.deleting.get(name);
      if (tried !== undefined && now - tried <= after) continue;
      this.deleting.set(name, now);
      void this.deleteDead(name, r, Math.round((now - r.unchangedSince) / 1000));
    }
  }

  private async deleteDead(name: string, r: Remote, staleSeconds: number): Promise<void> {
    const configMap = `${this.o.namespace}/${name}`;
    const preconditions = { ...(r.uid !== undefined ? { uid: r.uid } : {}), ...(r.resourceVersion !== undefined ? { resourceVersion: r.resourceVersion } : {}) };
    try {
      await this.o.client.request('DELETE', this.path(name), { timeoutMs: 5000, body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions } });
      this.log.info({ configMap, renewTime: r.renewTime, staleSeconds }, 'deleted the acknowledgement summary of a replica that stopped renewing it');
    } catch (e) {
      if (isConflict(e)) {
        this.log.info({ configMap }, 'a stale acknowledgement summary was renewed meanwhile: kept');
        this.deleting.delete(name);
        return;
      }
      if (!isNotFound(e)) {
        this.log.warn({ configMap, err: errorMessage(e) }, 'could not delete a dead replica\'s acknowledgement summary; will try again');
        return;
      }
    }
    // Gone: forget it now rather than at the watch's DELETED event, unless it came back meanwhile.
    if (this.remotes.get(name) === r) this.remotes.delete(name);
    this.deleting.delete(name);
  }

  private notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.log.error({ err: errorMessage(e) }, 'an acknowledgement listener failed');
      }
    }
  }

  private maybePublish(): void {
    if (this.writing !== undefined || this.stopped) return;
    const now = this.now();
    const p = this.published;
    const due = p === undefined || (p.text !== this.localText && now - p.at >= (this.o.debounceMs ?? 500)) || now - p.at >= (this.o.renewMs ?? 10_000);
    if (!due) return;
    const text = this.localText;
    const summary = this.local;
    this.writing = this.write(summary, now)
      .then(() => {
        this.published = { text, at: now };
      })
      .catch((e: unknown) => {
        // Retried at the next tick after the debounce.
        this.published = { text: '', at: now };
        this.log.warn({ configMap: `${this.o.namespace}/${this.name}`, err: errorMessage(e) }, 'could not publish this replica\'s acknowledgement summary; will try again');
      })
      .finally(() => (this.writing = undefined));
  }

  /** Server-side apply of the whole summary: one request, creates or replaces. */
  private async write(summary: ReplicaSummary, now: number): Promise<void> {
    const encoded = encodeSummary(summary);
    if (encoded.kind === 'too-large') {
      throw new Error(`the summary of ${summary.proxies.length} proxies is ${encoded.bytes} bytes gzipped, over a ConfigMap's 1 MiB: the leader will not count this replica's proxies`);
    }
    const renewTime = new Date(now).toISOString();
    await this.o.client.request('PATCH', this.path(this.name), {
      query: { fieldManager: FIELD_MANAGER, force: true },
      contentType: 'application/apply-patch+yaml',
      timeoutMs: 5000,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: this.name, namespace: this.o.namespace, labels: ACKS_LABELS, annotations: { 'weft.dev/replica': this.o.identity } },
        // data always carries renewTime; the summary is in data or, gzipped, in binaryData (the other is then absent: apply removes it).
        ...(encoded.kind === 'plain' ? { data: { ...encoded.data, [RENEW_TIME_KEY]: renewTime } } : { data: { [RENEW_TIME_KEY]: renewTime }, binaryData: encoded.binaryData }),
      },
    });
  }

  // --- the other replicas' summaries ----------------------------------------------

  private async watchLoop(signal: AbortSignal): Promise<void> {
    let delay = 200;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await this.o.client.list(this.path(), { labelSelector: SELECTOR }, signal);
          const names = new Set<string>();
          for (const item of list.items) {
            const n = this.take(item);
            if (n !== undefined) names.add(n);
          }
          for (const n of [...this.remotes.keys()]) if (!names.has(n)) this.remotes.delete(n);
          resourceVersion = list.resourceVersion;
          this.tick();
        }
        await this.o.client.watch(
          this.path(),
          { query: { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300, labelSelector: SELECTOR }, signal, inactivityMs: 6 * 60_000 },
          (e: WatchEvent) => {
            const meta = isObj(e.object) && isObj(e.object['metadata']) ? e.object['metadata'] : undefined;
            const rv = meta === undefined ? undefined : str(meta['resourceVersion']);
            if (rv !== undefined) resourceVersion = rv;
            if (e.type === 'BOOKMARK') return;
            if (e.type === 'DELETED') {
              const name = meta === undefined ? undefined : str(meta['name']);
              if (name !== undefined && this.remotes.delete(name)) this.tick();
              return;
            }
            if (this.take(e.object) !== undefined) this.tick();
          },
        );
        delay = 200;
      } catch (e) {
        if (signal.aborted) return;
        if (isGone(e)) {
          resourceVersion = undefined;
          continue;
        }
        this.log.warn({ err: errorMessage(e), retryInMs: delay }, 'watching the acknowledgement summaries failed; will retry');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 30_000);
        resourceVersion = undefined;
      }
    }
  }

  /** Records another replica's summary; returns its name when it is one. */
  private take(obj: Obj | undefined): string | undefined {
    if (obj === undefined) return undefined;
    const meta = isObj(obj['metadata']) ? obj['metadata'] : undefined;
    const name = meta === undefined ? undefined : str(meta['name']);
    if (name === undefined || name === this.name) return undefined;
    const data = isObj(obj['data']) ? obj['data'] : undefined;
    const renewTime = data === undefined ? undefined : str(data[RENEW_TIME_KEY]);
    const decoded = decodeSummary(data, obj['binaryData']);
    const uid = str(meta?.['uid']);
    const resourceVersion = str(meta?.['resourceVersion']);
    const prev = this.remotes.get(name);
    const now = this.now();
    if (!decoded.ok || renewTime === undefined) {
      this.log.warn({ configMap: `${this.o.namespace}/${name}`, err: decoded.ok ? `data.${RENEW_TIME_KEY} is missing` : decoded.error }, 'ignoring an acknowledgement summary that cannot be read');
      // Kept without a summary, so that the leader deletes it once nothing rewrites it.
      const marker = `unreadable@${resourceVersion ?? ''}`;
      const since = prev?.renewTime === marker ? prev.unchangedSince : now;
      this.remotes.set(name, { summary: undefined, renewTime: marker, seenAt: since, unchangedSince: since, uid, resourceVersion });
      return name;
    }
    // First seen: trusted for as long as its renewTime says it has left (by the writer's clock), at most expiry.
    const seenAt = prev !== undefined ? (prev.renewTime === renewTime ? prev.seenAt : now) : Math.min(now, Date.parse(renewTime) || 0);
    const unchangedSince = prev !== undefined && prev.renewTime === renewTime ? prev.unchangedSince : now;
    this.remotes.set(name, { summary: decoded.summary, renewTime, seenAt, unchangedSince, uid, resourceVersion });
    return name;
  }
}
