// Where a Node process spends its time, from a V8 .cpuprofile (what
// `node --cpu-prof` writes): self and total time per function, and the share
// of samples per category (Weft's own code, Node's HTTP and networking, GC,
// idle...). Run by hand as `node test/bench/cpuprofile.ts FILE [TOP]`.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  /** Microseconds on the monotonic clock (CLOCK_MONOTONIC on Linux, as process.hrtime). */
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  readonly fn: string;
  /** file:line, relative to the checkout for our own files. */
  readonly where: string;
  readonly category: string;
  /** Shares of the busy (non-idle) time. */
  readonly selfShare: number;
  readonly totalShare: number;
}

/** A stretch of the monotonic clock, in microseconds (process.hrtime.bigint() / 1000n). */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

export interface ProfileBreakdown {
  /** Samples counted (those inside the window, when one was given). */
  readonly samples: number;
  readonly busyMs: number;
  readonly idleMs: number;
  /** Shares of busy time by category of the sampled (leaf) frame, largest first. */
  readonly categories: readonly { readonly name: string; readonly share: number }[];
  /** Functions by self time, largest first. */
  readonly functions: readonly FunctionTime[];
}

function parseProfile(text: string, source: string): CpuProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${source}: not JSON`, { cause });
  }
  const o = value as Partial<CpuProfile> | null;
  if (o === null || typeof o !== 'object' || typeof o.startTime !== 'number' || !Array.isArray(o.nodes) || !Array.isArray(o.samples) || !Array.isArray(o.timeDeltas)) {
    throw new Error(`${source}: not a V8 CPU profile (needs nodes, samples and timeDeltas)`);
  }
  return o as CpuProfile;
}

/** The category of a frame, for the "where the samples fall" line. */
export function categoryOf(frame: CallFrame, root: string): string {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'V8/native (program)';
  if (url === '') return 'native';
  if (url.startsWith('wasm://')) return 'wasm';
  if (url.startsWith('node:')) {
    if (/^node:(_http|internal\/http|http)/.test(url)) return 'Node HTTP';
    if (/^node:(net|_tls|tls|internal\/(stream|streams|net|tls)|stream)/.test(url)) return 'Node net/streams/TLS';
    return 'Node other';
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.includes('/node_modules/')) return 'dependencies';
  const rel = relative(root, path);
  if (rel.startsWith('proxy/')) return `weft ${rel.split('/').slice(0, 2).join('/')}`;
  if (!rel.startsWith('..')) return `weft ${rel.split('/')[0] ?? ''}`;
  return 'other';
}

function whereOf(frame: CallFrame, root: string): string {
  if (frame.url === '') return '';
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const rel = path.startsWith('/') ? relative(root, path) : path;
  const shown = rel.startsWith('..') ? path : rel;
  return `${shown}:${frame.lineNumber + 1}`;
}

/**
 * Self and total time per function. `root` is the checkout, for relative file
 * names; `window`, when given, keeps only the samples taken inside it (say,
 * the measured run, without start-up and warm-up).
 */
export function summarizeProfile(text: string, root: string, source = 'profile', window?: ProfileWindow): ProfileBreakdown {
  const profile = parseProfile(text, source);
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = (f: CallFrame): string => `${f.functionName || '(anonymous)'}\u0000${f.url}\u0000${f.lineNumber}`;
  // The distinct functions on each node's stack, so recursion counts once in total time.
  const stackKeys = new Map<number, readonly string[]>();
  const keysFor = (id: number): readonly string[] => {
    const known = stackKeys.get(id);
    if (known !== undefined) return known;
    const chain: number[] = [];
    for (let cur: number | undefined = id; cur !== undefined && !stackKeys.has(cur); cur = parent.get(cur)) chain.push(cur);
    for (let i = chain.length - 1; i >= 0; i--) {
      const nid = chain[i] as number;
      const p = parent.get(nid);
      const above = p !== undefined ? (stackKeys.get(p) ?? []) : [];
      const node = byId.get(nid);
      const key = node !== undefined ? keyOf(node.callFrame) : '';
      stackKeys.set(nid, above.includes(key) ? above : [...above, key]);
    }
    return stackKeys.get(id) ?? [];
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const frames = new Map<string, CallFrame>();
  const categories = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let counted = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    // timeDeltas[i] is the time before sample i; the sample stands for the following interval.
    at += profile.timeDeltas[i] ?? 0;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
    counted++;
    const dt = Math.max(0, profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0);
    const node = byId.get(id);
    if (node === undefined) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    busy += dt;
    const key = keyOf(frame);
    frames.set(key, frame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const cat = categoryOf(frame, root);
    categories.set(cat, (categories.get(cat) ?? 0) + dt);
    for (const k of keysFor(id)) total.set(k, (total.get(k) ?? 0) + dt);
  }
  for (const n of profile.nodes) frames.set(keyOf(n.callFrame), n.callFrame);
  const share = (v: number): number => (busy > 0 ? v / busy : 0);
  const functions: FunctionTime[] = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, t]) => {
      const frame = frames.get(key) ?? { functionName: '?', url: '', lineNumber: 0 };
      return { fn: frame.functionName || '(anonymous)', where: whereOf(frame, root), category: categoryOf(frame, root), selfShare: share(t), totalShare: share(total.get(key) ?? t) };
    });
  return {
    samples: counted,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    categories: [...categories.entries()].sort((a, b) => b[1] - a[1]).map(([name, t]) => ({ name, share: share(t) })),
    functions,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node test/bench/cpuprofile.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const b = summarizeProfile(readFileSync(file, 'utf8'), root, file);
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`.padStart(6);
  process.stdout.write(`busy ${b.busyMs.toFixed(0)} ms, idle ${b.idleMs.toFixed(0)} ms\n\n`);
  for (const c of b.categories) process.stdout.write(`${pct(c.share)}  ${c.name}\n`);
  process.stdout.write('\n  self   total  function  where\n');
  for (const f of b.functions.slice(0, top)) process.stdout.write(`${pct(f.selfShare)} ${pct(f.totalShare)}  ${f.fn}  ${f.where}\n`);
}
