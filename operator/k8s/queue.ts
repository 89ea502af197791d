// A work queue of keys, as client-go's: a key waiting is held once however
// often it is added (dedup); a key being processed is never handed to a
// second worker, and if it is added meanwhile it is processed again after
// (so no change is lost and no key runs concurrently with itself). Retries
// wait an exponential per-key backoff, and all retries together are held to
// a token-bucket rate, so one broken resource cannot starve the rest.

export interface QueueOptions {
  /** First retry delay of a key; doubles with each failure. */
  readonly baseDelayMs?: number;
  /** Longest per-key retry delay. */
  readonly maxDelayMs?: number;
  /** Overall retry rate (tokens per second) and burst. */
  readonly retryQps?: number;
  readonly retryBurst?: number;
  readonly now?: () => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  /** Keys waiting to be processed (in `queue`, or to be queued when their processing ends). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly delayed = new Map<string, { readonly at: number; readonly timer: NodeJS.Timeout }>();
  private readonly failureCounts = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly retryQps: number;
  private readonly retryBurst: number;
  private readonly now: () => number;
  private tokens: number;
  private tokensAt: number;
  private shuttingDown = false;

  constructor(options: QueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.retryQps = options.retryQps ?? 10;
    this.retryBurst = options.retryBurst ?? 100;
    this.now = options.now ?? Date.now;
    this.tokens = this.retryBurst;
    this.tokensAt = this.now();
  }

  /** Keys waiting, not counting those being processed or delayed. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Keys waiting, being processed, or waiting out a delay: zero when there is nothing left to do. */
  get pending(): number {
    return this.length + this.processing.size + this.delayed.size;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // requeued by done()
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** Adds the key after `ms`; an earlier pending delay for it wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.now() + ms;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  /** Retry: the longer of the key's exponential backoff and the overall rate limit. */
  addRateLimited(key: string): number {
    const failures = this.failureCounts.get(key) ?? 0;
    this.failureCounts.set(key, failures + 1);
    const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures, 30));
    const delay = Math.max(backoff, this.takeToken());
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its next failure starts the backoff again. */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue is shut down. Call done(key) after. */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.queue[this.head++] as string;
      if (this.head > 1024 && this.head * 2 > this.queue.length) this.queue.splice(0, this.head), (this.head = 0);
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Delay until a retry token is free; takes it. */
  private takeToken(): number {
    const now = this.now();
    this.tokens = Math.min(this.retryBurst, this.tokens + ((now - this.tokensAt) / 1000) * this.retryQps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.retryQps) * 1000);
  }
}
