// Route timeouts without a timer per request. Every request that forwards
// arms its route's timeout (seconds, usually) and nearly every one clears it
// again a millisecond later; a Node Timeout per request is an object, a
// libuv clock read and a list insert and removal each time, and at a low
// rate the arming and clearing is a share of each request's own wake-up.
//
// Instead, requests with the same timeout share one FIFO: their deadlines
// are in insertion order, so the head is always the earliest. Arming is
// appending to an intrusive doubly linked list (the exchange is the node),
// clearing is unlinking it; one Node timer per list, armed for the head's
// deadline, fires only when something may have expired and re-arms itself
// for the new head. Precision is Node's timers' (whole milliseconds); a
// deadline never fires early.

/** A request whose timeout is armed: the list's links live on it, so arming allocates nothing. */
export interface DeadlineEntry {
  deadlineAt: number;
  deadlinePrev: DeadlineEntry | null;
  deadlineNext: DeadlineEntry | null;
  deadlineList: DeadlineList | null;
  onDeadline(): void;
}

export class DeadlineList {
  readonly ms: number;
  #head: DeadlineEntry | null = null;
  #tail: DeadlineEntry | null = null;
  #timer: NodeJS.Timeout | undefined = undefined;
  readonly #now: () => number;

  constructor(ms: number, now: () => number = performance.now.bind(performance)) {
    this.ms = ms;
    this.#now = now;
  }

  add(e: DeadlineEntry): void {
    if (e.deadlineList !== null) e.deadlineList.remove(e);
    e.deadlineAt = this.#now() + this.ms;
    e.deadlineList = this;
    e.deadlinePrev = this.#tail;
    e.deadlineNext = null;
    if (this.#tail === null) this.#head = e;
    else this.#tail.deadlineNext = e;
    this.#tail = e;
    // Armed once for the first entry; later ones expire no sooner, and the
    // timer re-arms itself for whatever is at the head when it fires.
    if (this.#timer === undefined) this.#arm(this.ms);
  }

  remove(e: DeadlineEntry): void {
    if (e.deadlineList !== this) return;
    const p = e.deadlinePrev;
    const n = e.deadlineNext;
    if (p === null) this.#head = n;
    else p.deadlineNext = n;
    if (n === null) this.#tail = p;
    else n.deadlinePrev = p;
    e.deadlinePrev = null;
    e.deadlineNext = null;
    e.deadlineList = null;
  }

  get empty(): boolean {
    return this.#head === null;
  }

  #arm(ms: number): void {
    // Unref'd: a request in flight holds its sockets, which keep the process up.
    this.#timer = setTimeout(DeadlineList.#fire, Math.max(1, Math.ceil(ms)), this);
    this.#timer.unref();
  }

  static #fire(list: DeadlineList): void {
    list.#timer = undefined;
    try {
      const now = list.#now();
      let e = list.#head;
      while (e !== null && e.deadlineAt <= now) {
        list.remove(e);
        e.onDeadline();
        e = list.#head;
      }
    } finally {
      const h = list.#head;
      if (h !== null) {
        if (list.#timer === undefined) list.#arm(h.deadlineAt - list.#now());
      } else if (lists.get(list.ms) === list) lists.delete(list.ms); // durations of old configs do not pile up
    }
  }
}

const lists = new Map<number, DeadlineList>();

/** The process's list for one timeout duration (a handful of durations per config). */
export function deadlineList(ms: number): DeadlineList {
  let l = lists.get(ms);
  if (l === undefined) {
    l = new DeadlineList(ms);
    lists.set(ms, l);
  }
  return l;
}
