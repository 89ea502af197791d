// The demo's traffic generator: the `loadgen` workload. It calls frontend
// through its own proxy at a steady rate (GET /product/N, and now and then a
// DELETE /reviews/N the mesh forbids) and sums up, every few seconds, what the
// mesh did: the canary split as observed, the requests denied by policy, the
// faults injected on ratings, and how every hop was carried (between
// proxies from the destination proxies' metrics, demo/hops.ts; the last leg,
// proxy → app, as each app saw it).

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { viaProxy } from './apps/mesh-http.ts';
import { describeHop, type HopCounts } from './hops.ts';

const FRONTEND = 'http://frontend.shop.svc.cluster.local:8080';

export interface Window {
  requests: number;
  v1: number;
  v2: number;
  denied: number;
  deletes: number;
  /** Calls to ratings that failed with the injected status (seen in reviews' answers). */
  faults: number;
  ratingsCalls: number;
  errors: number;
  lastError: string;
  latencies: number[];
  hops: Map<string, string>;
}

const emptyWindow = (): Window => ({ requests: 0, v1: 0, v2: 0, denied: 0, deletes: 0, faults: 0, ratingsCalls: 0, errors: 0, lastError: '', latencies: [], hops: new Map() });

function add(into: Window, w: Window): void {
  into.requests += w.requests;
  into.v1 += w.v1;
  into.v2 += w.v2;
  into.denied += w.denied;
  into.deletes += w.deletes;
  into.faults += w.faults;
  into.ratingsCalls += w.ratingsCalls;
  into.errors += w.errors;
  if (w.lastError !== '') into.lastError = w.lastError;
  into.latencies.push(...w.latencies);
  for (const [k, v] of w.hops) into.hops.set(k, v);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one GET /product answer: which reviews version answered, whether ratings failed, each hop's transport. */
export function classify(w: Window, status: number, body: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (status !== 200 || !isObj(parsed) || !isObj(parsed['reviews'])) {
    w.errors++;
    w.lastError = `${status} ${body.slice(0, 120).trim()}`;
    return;
  }
  const reviews = parsed['reviews'];
  if (reviews['version'] === 'v1') w.v1++;
  else if (reviews['version'] === 'v2') w.v2++;
  w.hops.set('loadgen→frontend', String(parsed['hop'] ?? '?'));
  w.hops.set('frontend→reviews', String(reviews['hop'] ?? '?'));
  const ratings = reviews['ratings'];
  w.ratingsCalls++;
  if (isObj(ratings) && typeof ratings['stars'] === 'number') w.hops.set('reviews→ratings', String(ratings['hop'] ?? '?'));
  else if (isObj(ratings) && ratings['status'] === 503) w.faults++;
  else {
    w.errors++;
    w.lastError = `ratings: ${JSON.stringify(ratings).slice(0, 120)}`;
  }
}

export interface TrafficOptions {
  /** host:port of loadgen's proxy (outbound). */
  readonly proxy: string;
  readonly ratePerSecond: number;
  /** Every how many requests one is a DELETE (denied by policy). */
  readonly deleteEvery: number;
}

export class Traffic {
  readonly #o: TrafficOptions;
  window = emptyWindow();
  readonly total = emptyWindow();
  #timer: NodeJS.Timeout | undefined;
  #n = 0;
  #inFlight = new Set<Promise<void>>();
  #counting = true;
  readonly startedAt = Date.now();

  constructor(options: TrafficOptions) {
    this.#o = options;
  }

  start(): void {
    const every = 1000 / this.#o.ratePerSecond;
    this.#timer = setInterval(() => this.#one(), every);
  }

  #one(): void {
    const n = ++this.#n;
    const w = this.window;
    const t0 = performance.now();
    const del = n % this.#o.deleteEvery === 0;
    const p = viaProxy(this.#o.proxy, del ? 'DELETE' : 'GET', del ? `${FRONTEND}/reviews/${n % 7}` : `${FRONTEND}/product/${n % 7}`).then((r) => {
      if (!this.#counting) return;
      w.requests++;
      w.latencies.push(performance.now() - t0);
      if (del) {
        w.deletes++;
        if (r.status === 403) w.denied++;
        else {
          w.errors++;
          w.lastError = `DELETE answered ${r.status}: ${r.body.slice(0, 100)}`;
        }
      } else classify(w, r.status, r.body);
    });
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** The window so far, added to the total; a new window starts. */
  cut(): Window {
    const w = this.window;
    this.window = emptyWindow();
    add(this.total, w);
    return w;
  }

  /**
   * Ctrl-C: no new requests, and none still in flight is counted. The terminal
   * sends SIGINT to the whole group, so the mesh is stopping under them: their
   * failures are the shutdown's, not the mesh's.
   */
  interrupt(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#counting = false;
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await Promise.all([...this.#inFlight]);
  }
}

/** The split and fault as written in the demo's files (to print beside what is observed). */
export function configured(meshDir: string): { split: string; fault: string } {
  let split = '?';
  let fault = '?';
  try {
    const ts = parseYaml(readFileSync(`${meshDir}/reviews-canary.yaml`, 'utf8')) as unknown;
    const backends = isObj(ts) && isObj(ts['spec']) && Array.isArray(ts['spec']['backends']) ? ts['spec']['backends'] : [];
    const weights = backends.filter(isObj).map((b) => `${String(b['service']).replace('reviews-', '')} ${String(b['weight'])}`);
    if (weights.length > 0) split = weights.join(' / ');
  } catch {
    split = 'unreadable';
  }
  try {
    const vs = parseYaml(readFileSync(`${meshDir}/ratings-fault.yaml`, 'utf8')) as unknown;
    const rule = isObj(vs) && isObj(vs['spec']) && Array.isArray(vs['spec']['http']) ? vs['spec']['http'][0] : undefined;
    const abort = isObj(rule) && isObj(rule['fault']) && isObj(rule['fault']['abort']) ? rule['fault']['abort'] : undefined;
    const pct = isObj(abort) && isObj(abort['percentage']) ? abort['percentage']['value'] : 100;
    fault = abort === undefined ? 'none' : `abort ${String(abort['httpStatus'])} on ${String(pct)}%`;
  } catch {
    fault = 'unreadable';
  }
  return { split, fault };
}

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(0)}%`);
const bar = (share: number, width = 20): string => {
  const full = Math.round(share * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
};
const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

export interface FrameInput {
  readonly elapsedS: number;
  readonly rate: number;
  readonly window: Window;
  /** Everything so far, this window included. */
  readonly total: Window;
  readonly configured: { split: string; fault: string };
  /** From weft up: identities issued. */
  readonly mesh: { identities: number; proxies: number };
  /** Requests per hop between proxies, mTLS or not, from the destination proxies' istio_requests_total: this window and overall. */
  readonly proxyHops: { readonly window: HopCounts; readonly total: HopCounts };
  readonly editHint: string;
}

/** One summary frame: a few lines a person reads at a glance. */
export function renderFrame(f: FrameInput): string {
  const w = f.window;
  const t = f.total;
  const served = w.v1 + w.v2;
  const names = ['loadgen→frontend', 'frontend→reviews', 'reviews→ratings'];
  const hops = names.map((h) => `${h} ${describeHop(f.proxyHops.window.get(h))}`).join(' · ');
  const overall = { mtls: 0, plaintext: 0 };
  for (const h of names) {
    overall.mtls += f.proxyHops.total.get(h)?.mtls ?? 0;
    overall.plaintext += f.proxyHops.total.get(h)?.plaintext ?? 0;
  }
  const appLegs = [...new Set(names.map((h) => t.hops.get(h)).filter((x) => x !== undefined))].join('/') || '?';
  return [
    `── weft demo · ${f.elapsedS.toFixed(0)}s · ${f.rate} req/s ${'─'.repeat(40)}`,
    ` canary   reviews v1 ${pct(w.v1, served).padStart(4)} ${bar(served === 0 ? 0 : w.v1 / served)} v2 ${pct(w.v2, served).padStart(4)}   last ${served} answers; configured ${f.configured.split}; overall v1 ${pct(t.v1, t.v1 + t.v2)}`,
    ` policy   DELETE /reviews → 403 ×${w.denied} of ${w.deletes} (total ${t.denied}) denied by AuthorizationPolicy reviews-read-only at the reviews proxies`,
    ` fault    ratings 503 injected on ${pct(w.faults, w.ratingsCalls)} of calls (${w.faults}/${w.ratingsCalls}; total ${t.faults}); configured ${f.configured.fault}; reviews answered without stars`,
    ` mTLS     ${hops}   (proxy→proxy, counted by the receiving proxies)`,
    `          overall mTLS ${overall.mtls}, plaintext ${overall.plaintext}; identities issued ${f.mesh.identities}/${f.mesh.proxies}; proxy→app legs ${appLegs} (as the apps saw them: on the workload's own address, as inside a Pod)`,
    ` latency  p50 ${quantile(w.latencies, 0.5).toFixed(1)} ms · p99 ${quantile(w.latencies, 0.99).toFixed(1)} ms · errors ${w.errors}${w.lastError !== '' ? ` (last: ${w.lastError})` : ''}`,
    ` ${f.editHint}`,
  ].join('\n');
}
