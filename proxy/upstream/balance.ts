// Load balancers over a cluster's usable endpoints: round robin, random,
// least request (power of d choices, the mesh's default) and ring hash.
// Each is a small object with one hot method; the endpoint list is the
// cluster's `available` array, rebuilt only when health or membership changes.

import type { LbPolicy } from './cluster-config.ts';

export interface Balanced {
  /** Requests in flight on this endpoint (for least request). */
  active: number;
  readonly key: string;
}

export interface Balancer<E extends Balanced> {
  /** `hash` is the request's hash (ring hash) or -1 when it has none. */
  pick(hosts: readonly E[], hash: number, random: () => number): E | undefined;
}

class RoundRobin<E extends Balanced> implements Balancer<E> {
  #next = 0;
  pick(hosts: readonly E[]): E | undefined {
    const n = hosts.length;
    if (n === 0) return undefined;
    const i = this.#next++ % n;
    if (this.#next > 1e9) this.#next = 0;
    return hosts[i];
  }
}

class RandomLb<E extends Balanced> implements Balancer<E> {
  pick(hosts: readonly E[], _hash: number, random: () => number): E | undefined {
    const n = hosts.length;
    return n === 0 ? undefined : hosts[(random() * n) | 0];
  }
}

class LeastRequest<E extends Balanced> implements Balancer<E> {
  readonly #choices: number;
  constructor(choices: number) {
    this.#choices = choices;
  }
  pick(hosts: readonly E[], _hash: number, random: () => number): E | undefined {
    const n = hosts.length;
    if (n <= 1) return hosts[0];
    let best = hosts[(random() * n) | 0] as E;
    for (let c = 1; c < this.#choices; c++) {
      const h = hosts[(random() * n) | 0] as E;
      if (h.active < best.active) best = h;
    }
    return best;
  }
}

/** 32-bit FNV-1a with a murmur3 finaliser: stable across processes, so every proxy maps a key alike. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

class RingHash<E extends Balanced> implements Balancer<E> {
  readonly #size: number;
  #hosts: readonly E[] | undefined;
  #points = new Uint32Array(0);
  #owners: E[] = [];
  constructor(size: number) {
    this.#size = size;
  }
  #build(hosts: readonly E[]): void {
    const per = Math.max(1, Math.ceil(this.#size / Math.max(1, hosts.length)));
    const entries: [number, E][] = [];
    for (const h of hosts) for (let i = 0; i < per; i++) entries.push([hash32(`${h.key}_${i}`), h]);
    entries.sort((a, b) => a[0] - b[0]);
    this.#points = Uint32Array.from(entries, (e) => e[0]);
    this.#owners = entries.map((e) => e[1]);
    this.#hosts = hosts;
  }
  pick(hosts: readonly E[], hash: number, random: () => number): E | undefined {
    if (hosts.length === 0) return undefined;
    if (hash < 0) return hosts[(random() * hosts.length) | 0];
    if (this.#hosts !== hosts) this.#build(hosts);
    const pts = this.#points;
    let lo = 0;
    let hi = pts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((pts[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.#owners[lo === pts.length ? 0 : lo];
  }
}

export function makeBalancer<E extends Balanced>(policy: LbPolicy, choiceCount: number, ringSize: number): Balancer<E> {
  switch (policy) {
    case 'ROUND_ROBIN':
      return new RoundRobin<E>();
    case 'RANDOM':
      return new RandomLb<E>();
    case 'LEAST_REQUEST':
      return new LeastRequest<E>(choiceCount);
    case 'RING_HASH':
      return new RingHash<E>(ringSize);
  }
}
