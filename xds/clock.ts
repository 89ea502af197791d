// Time, injected: the xDS server, the distributor, the proxy's ADS client and
// identity agent take a Clock so tests decide when timers fire. Shared by the
// control plane and the proxy, like the rest of the wire contract here.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch (Date.now for the system clock). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real time. Timers do not keep the process alive. */
export function systemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = next++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
}

/** A clock that moves only when told: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  #now: number;
  #next = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { id };
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }
  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time forward, firing each timer due by then (including timers those timers set). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, t] of this.#timers) {
        if (t.at <= end && (t.at < dueAt || (t.at === dueAt && dueId !== undefined && id < dueId))) {
          dueAt = t.at;
          dueId = id;
        }
      }
      if (dueId === undefined) break;
      const t = this.#timers.get(dueId);
      this.#timers.delete(dueId);
      this.#now = dueAt;
      t?.fn();
    }
    this.#now = end;
  }
}
