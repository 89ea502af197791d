// An informer: a local cache of one resource type kept current by list and
// watch, as client-go's reflector keeps it. It survives everything a long
// watch meets:
// - the server ends the watch (its timeoutSeconds): watch again from the last
//   resource version seen, without listing;
// - 410 Gone / Expired (the version fell out of the API server's history, as
//   after an API-server restart): list again and diff the cache against it,
//   so deletions missed while away become delete events;
// - a silent connection: bookmarks are requested, and a stream with nothing
//   for `inactivityMs` is dropped and reopened;
// - an API server that is down or refuses: retry with exponential backoff,
//   forever, until stopped.
// Handlers receive the key and the objects; the operator only enqueues keys
// from them, since reconcilers read the cache, never the event.

import type { Logger } from 'pino';
import { collectionPath, isGone, isNotFound, type KubeClient, type ResourceType, type WatchEvent } from './kube.ts';
import { errorMessage, metaOf, objectKey, type Obj } from './objects.ts';

export type InformerEvent =
  | { readonly type: 'add'; readonly key: string; readonly object: Obj }
  | { readonly type: 'update'; readonly key: string; readonly object: Obj; readonly old: Obj }
  | { readonly type: 'delete'; readonly key: string; readonly old: Obj };

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface InformerOptions {
  readonly client: KubeClient;
  readonly type: ResourceType;
  readonly log: Logger;
  readonly onEvent: (e: InformerEvent) => void;
  /** Called when the type stops being served (404 on list): the CRD was removed. */
  readonly onGone?: () => void;
  /** Keeps only what the operator reads (drops managedFields and the like) to bound memory. */
  readonly transform?: (obj: Obj) => Obj;
  readonly backoff?: BackoffOptions;
  /** Upper bound of the server-side watch timeout; each watch picks between half and all of it. */
  readonly watchTimeoutSeconds?: number;
  readonly inactivityMs?: number;
  readonly pageSize?: number;
  /** Only objects with these labels (an object that stops matching is a delete). */
  readonly labelSelector?: string;
}

export interface InformerStats {
  readonly lists: number;
  readonly watches: number;
  /** Lists forced by 410 Gone / Expired. */
  readonly relistsAfterGone: number;
  readonly errors: number;
}

export class Informer {
  readonly type: ResourceType;
  private readonly options: InformerOptions;
  private readonly store = new Map<string, Obj>();
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private stats_ = { lists: 0, watches: 0, relistsAfterGone: 0, errors: 0 };
  private readonly log: Logger;

  constructor(options: InformerOptions) {
    this.options = options;
    this.type = options.type;
    this.log = options.log.child({ informer: `${options.type.resource}${options.type.group === '' ? '' : `.${options.type.group}`}` });
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get stats(): InformerStats {
    return { ...this.stats_ };
  }

  get(key: string): Obj | undefined {
    return this.store.get(key);
  }

  list(): Obj[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Resolves after the first complete list. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.abort?.abort(new Error('informer stopped'));
    await this.loop;
    this.loop = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    let delay = backoff.initialMs;
    const path = collectionPath(this.type);
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist(path, signal);
        const max = this.options.watchTimeoutSeconds ?? 600;
        const timeoutSeconds = Math.max(1, Math.floor(max / 2 + Math.random() * (max / 2)));
        this.stats_.watches++;
        const started = Date.now();
        let events = 0;
        await this.options.client.watch(
          path,
          {
            query: { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: this.options.labelSelector },
            signal,
            inactivityMs: this.options.inactivityMs ?? 5 * 60_000,
          },
          (e) => {
            this.apply(e);
            events++;
            delay = backoff.initialMs; // the stream works: the next failure starts small
          },
        );
        // The server ended the watch (its timeout): watch again from where we
        // are; at once, unless it ended empty and quickly (a server shutting down).
        if (events === 0 && Date.now() - started < 1000) {
          await sleep(delay, signal);
          delay = Math.min(backoff.maxMs, delay * 2);
        }
      } catch (e) {
        if (signal.aborted) break;
        if (isGone(e)) {
          this.log.info({ resourceVersion: this.resourceVersion, err: errorMessage(e) }, 'resource version expired; listing again');
          this.resourceVersion = undefined;
          this.stats_.relistsAfterGone++;
          continue;
        }
        this.stats_.errors++;
        if (isNotFound(e)) {
          // The type is not served (its CRD was removed): forget what it held.
          this.resourceVersion = undefined;
          this.replace([]);
          this.options.onGone?.();
        }
        this.log.warn({ err: errorMessage(e), retryInMs: delay }, 'list/watch failed; retrying');
        await sleep(delay, signal);
        delay = Math.min(backoff.maxMs, delay * 2);
      }
    }
  }

  private async relist(path: string, signal: AbortSignal): Promise<void> {
    this.stats_.lists++;
    const list = await this.options.client.list(path, { labelSelector: this.options.labelSelector }, signal, this.options.pageSize);
    this.replace(list.items);
    this.resourceVersion = list.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
      this.log.debug({ objects: this.store.size }, 'synced');
    }
  }

  /** Makes the cache equal to a fresh list, emitting the differences. */
  private replace(items: readonly Obj[]): void {
    const fresh = new Map<string, Obj>();
    for (const raw of items) {
      const obj = this.transform(raw);
      fresh.set(objectKey(obj), obj);
    }
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.emit({ type: 'delete', key, old });
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (old === undefined) this.emit({ type: 'add', key, object: obj });
      else if (metaOf(old).resourceVersion !== metaOf(obj).resourceVersion || metaOf(old).uid !== metaOf(obj).uid) {
        this.emit({ type: 'update', key, object: obj, old });
      } else this.store.set(key, old); // unchanged: keep the identity callers may have memoised on
    }
  }

  private apply(e: WatchEvent): void {
    const rv = metaOf(e.object).resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv !== '') this.resourceVersion = rv;
      return;
    }
    const obj = this.transform(e.object);
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (e.type === 'DELETED') {
      this.store.delete(key);
      if (old !== undefined) this.emit({ type: 'delete', key, old });
    } else {
      this.store.set(key, obj);
      this.emit(old === undefined ? { type: 'add', key, object: obj } : { type: 'update', key, object: obj, old });
    }
    if (rv !== '') this.resourceVersion = rv;
  }

  private transform(obj: Obj): Obj {
    return this.options.transform === undefined ? obj : this.options.transform(obj);
  }

  private emit(e: InformerEvent): void {
    try {
      this.options.onEvent(e);
    } catch (err) {
      this.log.error({ key: e.key, err: errorMessage(err) }, 'event handler failed');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
