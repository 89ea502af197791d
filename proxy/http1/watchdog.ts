// Coarse deadlines for connection timeouts (header, idle): one interval for
// the whole process checks every watched connection, so moving a deadline is
// a number store, not a timer created and cleared per request (undici's
// "fast timers" idea). Resolution is the tick, 250 ms by default: right for
// timeouts measured in seconds.

export interface Watched {
  /** Absolute time (the watchdog's clock) at which onDeadline fires; 0: none. */
  deadline: number;
  onDeadline(): void;
}

export class Watchdog {
  readonly #watched = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;
  readonly #tickMs: number;
  /** The coarse clock: updated every tick, read for setting deadlines. */
  now = Date.now();

  constructor(tickMs = 250) {
    this.#tickMs = tickMs;
  }

  add(w: Watched): void {
    this.#watched.add(w);
    if (this.#timer === undefined) {
      this.now = Date.now();
      this.#timer = setInterval(this.#tick, this.#tickMs);
      this.#timer.unref();
    }
  }

  delete(w: Watched): void {
    this.#watched.delete(w);
    if (this.#watched.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** A deadline `ms` from now. */
  after(ms: number): number {
    return ms > 0 ? this.now + ms : 0;
  }

  #tick = (): void => {
    const now = (this.now = Date.now());
    for (const w of this.#watched) {
      if (w.deadline !== 0 && now >= w.deadline) {
        w.deadline = 0;
        w.onDeadline();
      }
    }
  };

  get size(): number {
    return this.#watched.size;
  }
}
