// The two measurements: saturation throughput with wrk (closed loop, a few
// connections, as fast as the system answers) and latency at a fixed rate with
// test/bench/loadgen.c (open loop, without coordinated omission). Both watch
// the system's processes through /proc while they run: CPU used, resident
// memory, and how busy each core was, so the report can say whether the
// proxy or something else was the limit.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { anonRssBytes, cpuTicks, cpuTimes, processTree, rssBytes, USER_HZ, type Supervisor } from './procs.ts';

/** What the load sends: the request line's path, the Host header and extra headers. */
export interface LoadRequest {
  readonly path: string;
  readonly authority: string;
  readonly headers: readonly string[];
}

export const PLAIN_REQUEST: LoadRequest = { path: '/', authority: 'bench.local', headers: [] };

// ---- wrk ---------------------------------------------------------------------

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

/** Reads wrk's summary. Throws naming what is missing when the text is not wrk's. */
export function parseWrk(text: string): WrkResult {
  const rps = /^Requests\/sec:\s+([0-9.]+)/m.exec(text);
  const total = /^\s*([0-9]+) requests in ([0-9.]+)(us|ms|s|m)\b/m.exec(text);
  if (rps?.[1] === undefined || total?.[1] === undefined || total[2] === undefined) {
    throw new Error(`wrk printed no "Requests/sec" summary:\n${text.trim()}`);
  }
  const unit = total[3] === 'us' ? 1e-6 : total[3] === 'ms' ? 1e-3 : total[3] === 'm' ? 60 : 1;
  const non2xx = /Non-2xx or 3xx responses:\s+([0-9]+)/.exec(text);
  const sock = /Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)/.exec(text);
  const socketErrors = sock === null ? 0 : sock.slice(1, 5).reduce((a, b) => a + Number(b), 0);
  return {
    requests: Number(total[1]),
    seconds: Number(total[2]) * unit,
    rps: Number(rps[1]),
    non2xx: non2xx?.[1] !== undefined ? Number(non2xx[1]) : 0,
    socketErrors,
  };
}

export interface Watch {
  /** CPU the system's processes used, in cores (1.0 = a full core). */
  readonly proxyCores: number;
  /** How busy the load core was (anyone), 0..1. */
  readonly loadCoreBusy: number;
  /** Busy time on the load core that was not the load tool's, the origin's or the harness's: other tenants, 0..1. */
  readonly loadCoreForeign: number;
  /** Busy time on the proxy's core that was not the proxy's: other tenants, 0..1. */
  readonly proxyCoreForeign: number;
  /** Largest resident memory of one proxy (process tree) seen, bytes. */
  readonly maxRssBytes: number;
  /** Largest private (anonymous) part of it seen, bytes: the rest is the binary's shared pages. */
  readonly maxAnonRssBytes: number;
}

export interface Cores {
  /** Where the load generator and origin run. */
  readonly load: string;
  /** Where the proxy under test runs. */
  readonly proxy: string;
}

/**
 * Samples the system's processes every 200 ms while `work` runs. `roots` are
 * the proxies' top processes (one per proxy); each counts with its
 * descendants. `loadSide()` lists the processes that belong on the load core
 * (the origin, and the load tool once it runs); this process counts there
 * too. CPU shares come from /proc/PID/stat and /proc/stat deltas over the
 * whole run; memory is the largest single proxy's tree.
 */
export async function watched<T>(roots: readonly number[], loadSide: () => readonly number[], cores: Cores, work: () => Promise<T>): Promise<{ result: T; watch: Watch }> {
  const trees = roots.map((r) => processTree(r));
  const all = trees.flat();
  const largestRss = (): number => Math.max(0, ...trees.map((t) => rssBytes(t)));
  const largestAnon = (): number => Math.max(0, ...trees.map((t) => anonRssBytes(t)));
  // Load-side CPU per process: a process seen for the first time mid-run started during it.
  const loadStart = new Map<number, number>();
  const loadLast = new Map<number, number>();
  const sampleLoad = (first: boolean): void => {
    for (const pid of loadSide().flatMap((p) => processTree(p))) {
      const t = cpuTicks([pid]);
      if (!loadStart.has(pid)) loadStart.set(pid, first ? t : 0);
      if (t > 0) loadLast.set(pid, t);
    }
  };
  const before = cpuTimes();
  const ticks0 = cpuTicks(all);
  const self0 = process.cpuUsage();
  sampleLoad(true);
  const t0 = performance.now();
  let maxRss = largestRss();
  let maxAnon = largestAnon();
  const timer = setInterval(() => {
    maxRss = Math.max(maxRss, largestRss());
    maxAnon = Math.max(maxAnon, largestAnon());
    sampleLoad(false);
  }, 200);
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  sampleLoad(false);
  maxRss = Math.max(maxRss, largestRss());
  maxAnon = Math.max(maxAnon, largestAnon());
  const seconds = (performance.now() - t0) / 1000;
  const after = cpuTimes();
  const proxyTicks = cpuTicks(all) - ticks0;
  const self = process.cpuUsage(self0);
  let loadTicks = ((self.user + self.system) / 1e6) * USER_HZ;
  for (const [pid, start] of loadStart) loadTicks += Math.max(0, (loadLast.get(pid) ?? start) - start);
  const share = (cpu: number): { busy: number; total: number } => {
    const a = before.get(cpu);
    const b = after.get(cpu);
    if (a === undefined || b === undefined) return { busy: 0, total: 1 };
    return { busy: b.busy - a.busy, total: Math.max(1, b.total - a.total) };
  };
  const load = share(Number(cores.load));
  const proxy = share(Number(cores.proxy));
  return {
    result,
    watch: {
      proxyCores: proxyTicks / USER_HZ / seconds,
      loadCoreBusy: load.busy / load.total,
      // The load tool's last 200 ms escape the samples: this errs towards calling it foreign.
      loadCoreForeign: Math.max(0, (load.busy - loadTicks) / load.total),
      // With the proxy pinned there, the core's busy time beyond the proxy's own is someone else's.
      proxyCoreForeign: Math.max(0, (proxy.busy - proxyTicks) / proxy.total),
      maxRssBytes: maxRss,
      maxAnonRssBytes: maxAnon,
    },
  };
}

/** Resident memory of the largest of the proxies (each with its descendants), bytes. */
export function largestTreeRss(roots: readonly number[]): number {
  return Math.max(0, ...roots.map((r) => rssBytes(processTree(r))));
}

export interface WrkOptions {
  readonly port: number;
  readonly seconds: number;
  readonly connections: number;
  readonly request: LoadRequest;
  readonly cpus: string;
}

export async function runWrk(supervisor: Supervisor, name: string, o: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '-H', `Host: ${o.request.authority}`];
  for (const h of o.request.headers) args.push('-H', h);
  args.push(`http://127.0.0.1:${o.port}${o.request.path}`);
  const out = await supervisor.run(name, 'wrk', args, { cpus: o.cpus, timeoutMs: (o.seconds + 30) * 1000 });
  return parseWrk(out);
}

// ---- the fixed-rate load generator --------------------------------------------

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadgenResult {
  readonly rate: number;
  readonly scheduled: number;
  readonly recorded_scheduled: number;
  readonly completed: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly unfinished: number;
  /** Connections opened, the first ones included (reconnects after close or reset add to it). */
  readonly connects: number;
  readonly achieved_rps: number;
  readonly cpu_pct: number;
  /** From each request's scheduled time: what a client at that rate sees. Microseconds. */
  readonly latency_us: LatencySummary | null;
  /** From the moment the request was written (hides queueing): for comparison only. */
  readonly service_us: LatencySummary | null;
  /** How late the generator itself noticed each scheduled time: its own noise. */
  readonly timer_lag_us: LatencySummary | null;
}

function isSummary(v: unknown): v is LatencySummary | null {
  if (v === null) return true;
  if (typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return ['count', 'p50', 'p90', 'p99', 'p999', 'min', 'max', 'mean'].every((k) => typeof o[k] === 'number');
}

/** Reads loadgen's JSON line; throws naming the field that is missing. */
export function parseLoadgen(text: string): LoadgenResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new Error(`loadgen printed something other than one JSON object: ${text.slice(0, 200)}`, { cause });
  }
  if (value === null || typeof value !== 'object') throw new Error('loadgen output is not an object');
  const o = value as Record<string, unknown>;
  for (const k of ['rate', 'scheduled', 'recorded_scheduled', 'completed', 'errors', 'non2xx', 'unfinished', 'connects', 'achieved_rps', 'cpu_pct']) {
    if (typeof o[k] !== 'number') throw new Error(`loadgen output: ${k} is missing or not a number`);
  }
  for (const k of ['latency_us', 'service_us', 'timer_lag_us']) {
    if (!isSummary(o[k])) throw new Error(`loadgen output: ${k} is not a latency summary`);
  }
  return value as LoadgenResult;
}

export interface LoadgenOptions {
  readonly port: number;
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly request: LoadRequest;
  readonly cpus?: string;
  /** SCHED_FIFO priority for the generator (below the origin's, which shares its core). */
  readonly fifoPriority?: number;
}

export function loadgenArgs(o: LoadgenOptions): string[] {
  const args = [
    '--port', String(o.port),
    '--rate', String(o.rate),
    '--duration', String(o.seconds),
    '--warmup', String(o.warmupSeconds),
    '--connections', String(o.connections),
    '--path', o.request.path,
    '--authority', o.request.authority,
  ];
  for (const h of o.request.headers) args.push('--header', h);
  return args;
}

export async function runLoadgen(supervisor: Supervisor, binary: string, name: string, o: LoadgenOptions): Promise<LoadgenResult> {
  const out = await supervisor.run(name, binary, loadgenArgs(o), {
    ...(o.cpus !== undefined ? { cpus: o.cpus } : {}),
    ...(o.fifoPriority !== undefined ? { fifoPriority: o.fifoPriority } : {}),
    timeoutMs: (o.seconds + o.warmupSeconds + 30) * 1000,
  });
  return parseLoadgen(out);
}

/**
 * Compiles loadgen.c into `binary` when it is missing or older than the
 * source. Returns a version string (the source's size and mtime stamp), since
 * the generator has no release number of its own.
 */
export function buildLoadgen(binary: string): string {
  const source = join(dirname(new URL(import.meta.url).pathname), 'loadgen.c');
  const fresh = existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs;
  if (!fresh) {
    mkdirSync(dirname(binary), { recursive: true });
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, source, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`cannot build ${source} with gcc (install gcc: test/bench/install-tools.sh): ${err.stderr?.toString() ?? err.message}`, { cause: e });
    }
  }
  const text = readFileSync(source);
  let hash = 0;
  for (const b of text) hash = (hash * 31 + b) >>> 0;
  return `loadgen.c #${hash.toString(16).padStart(8, '0')}`;
}

export interface Quiet {
  /** Whether the machine went quiet before maxWaitMs. */
  readonly quiet: boolean;
  readonly waitedMs: number;
  /** CPU others used in the last window, in cores. */
  readonly foreignCores: number;
}

/**
 * Waits until processes other than `mine()` use less than `thresholdCores`
 * of the machine over a short window, or until maxWaitMs. The machine is
 * shared: a run started while someone else's build holds a core measures
 * them, not us.
 */
export async function waitForQuiet(mine: () => readonly number[], thresholdCores: number, maxWaitMs: number, windowMs = 300): Promise<Quiet> {
  const t0 = performance.now();
  const sum = (m: Map<number, { busy: number; total: number }>): number => [...m.values()].reduce((a, v) => a + v.busy, 0);
  for (;;) {
    const pids = mine().flatMap((p) => processTree(p));
    const busy0 = sum(cpuTimes());
    const own0 = cpuTicks(pids);
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const seconds = (performance.now() - w0) / 1000;
    const foreignCores = Math.max(0, sum(cpuTimes()) - busy0 - (cpuTicks(pids) - own0)) / USER_HZ / seconds;
    const waitedMs = performance.now() - t0;
    if (foreignCores < thresholdCores) return { quiet: true, waitedMs, foreignCores };
    if (waitedMs >= maxWaitMs) return { quiet: false, waitedMs, foreignCores };
    await new Promise((r) => setTimeout(r, 700));
  }
}
