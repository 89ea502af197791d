// The alias map of one route configuration routed on demand (VHDS aliases):
// each authority the proxy has asked about, and what the control plane
// answered (a virtual host by resource name, or nothing there), or pending.
//
// Bounded: at capacity the least recently used authority goes (an app sending
// random Host headers cannot grow the proxy's memory nor the control plane's
// subscriptions). Recency is tracked the CLOCK way, an approximation of LRU
// that costs the hot path one boolean store instead of a Map delete and
// re-insert: a hit marks its entry used; eviction walks the Map from its
// oldest insertion, moving used entries to the back with the mark cleared,
// and takes the first unused one.

import type { HostResolution } from '../config/sink.ts';

export class AliasEntry {
  readonly table: AliasTable;
  /** As route matching sees it: lower-cased, port kept when the client sent one. */
  readonly authority: string;
  /** `<route configuration>/<authority>`, the name subscribed on VHDS. */
  readonly alias: string;
  /**
   * The answer (`vhost` or `none`); undefined while pending; `unavailable`
   * (rejected) when the proxy refused the answer's virtual host, so requests
   * get 503 at once until it comes in a form the proxy takes (`refusedTarget`).
   */
  resolution: HostResolution | undefined = undefined;
  refusedTarget: string | undefined = undefined;
  /** When the answer was refused, or last asked for again since (a refused version is not resent by itself). */
  refusedAt = 0;
  /** Used since it was added or the eviction sweep last passed it (its first answer does not count: only later hits do). */
  used = false;
  /** Requests waiting for the first answer (each settles once: answer, bound, or failure). */
  waiters: Set<(r: HostResolution) => void> | undefined = undefined;

  constructor(table: AliasTable, authority: string) {
    this.table = table;
    this.authority = authority;
    this.alias = `${table.routeConfig}/${authority}`;
  }

  /** The VHDS resource name the alias points to, if any. */
  get target(): string | undefined {
    const r = this.resolution;
    return r !== undefined && r.kind === 'vhost' ? r.resource : undefined;
  }

  /** Settles every waiter with `r`. */
  settle(r: HostResolution): void {
    const w = this.waiters;
    if (w === undefined) return;
    this.waiters = undefined;
    for (const f of w) f(r);
  }
}

export class AliasTable {
  readonly routeConfig: string;
  readonly capacity: number;
  readonly entries = new Map<string, AliasEntry>();
  /** How many aliases point to each held virtual host (VHDS resource name). */
  readonly refs = new Map<string, number>();

  constructor(routeConfig: string, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`alias map capacity must be a positive integer, not ${capacity}`);
    this.routeConfig = routeConfig;
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A new pending entry; the entry evicted to make room, if any (already
   * removed), and the virtual host no alias points to any more because of it.
   */
  add(authority: string): { readonly entry: AliasEntry; readonly evicted: AliasEntry | undefined; readonly orphan: string | undefined } {
    let evicted: AliasEntry | undefined;
    let orphan: string | undefined;
    if (this.entries.size >= this.capacity) {
      evicted = this.#oldestUnused();
      if (evicted !== undefined) orphan = this.remove(evicted);
    }
    const entry = new AliasEntry(this, authority);
    this.entries.set(authority, entry);
    return { entry, evicted, orphan };
  }

  #oldestUnused(): AliasEntry | undefined {
    // At most two passes: a used entry is moved back once with its mark cleared; one with waiters each pass.
    let steps = 2 * this.entries.size;
    for (const [k, e] of this.entries) {
      if (steps-- <= 0) break;
      if (e.used || (e.waiters !== undefined && e.waiters.size > 0)) {
        e.used = false;
        this.entries.delete(k);
        this.entries.set(k, e);
        continue;
      }
      return e;
    }
    // Every entry has waiters (many new authorities at once): the oldest goes anyway, its waiters told by the caller.
    const first = this.entries.values().next();
    return first.done === true ? undefined : first.value;
  }

  /**
   * Points an entry at an answer; returns the virtual host no alias points to
   * any more because of it (the caller may drop it), if any.
   */
  resolve(e: AliasEntry, r: HostResolution): string | undefined {
    const before = e.target;
    e.resolution = r;
    const after = e.target;
    if (before === after) return undefined;
    if (after !== undefined) this.refs.set(after, (this.refs.get(after) ?? 0) + 1);
    return before === undefined ? undefined : this.#unref(before);
  }

  /** Back to pending (its virtual host went away); returns an orphaned virtual host as resolve does. */
  unresolve(e: AliasEntry): string | undefined {
    const before = e.target;
    e.resolution = undefined;
    return before === undefined ? undefined : this.#unref(before);
  }

  /** Removes an entry; returns an orphaned virtual host as resolve does. */
  remove(e: AliasEntry): string | undefined {
    if (this.entries.get(e.authority) !== e) return undefined;
    this.entries.delete(e.authority);
    const before = e.target;
    return before === undefined ? undefined : this.#unref(before);
  }

  #unref(name: string): string | undefined {
    const n = (this.refs.get(name) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(name, n);
      return undefined;
    }
    this.refs.delete(name);
    return name;
  }
}
