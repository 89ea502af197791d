// The benchmark's results as values, and their rendering: the table printed
// on stdout and test/bench/RESULTS.md. Pure: everything it shows comes in
// through BenchReport, so tests can render any situation.


export interface SaturationRun {
  readonly rps: number;
  /** CPU the system used, in cores (1.0 = one full core). */
  readonly proxyCores: number;
  /** Busy share of the load core (wrk + origin, and anyone else). */
  readonly loadCoreBusy: number;
  /** Busy share of the load core that was not ours (other tenants). */
  readonly loadCoreForeign: number;
  /** Busy share of the proxy's core that was not the proxy's. */
  readonly proxyCoreForeign: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

export interface FixedRateRun {
  /** Microseconds, from each request's scheduled time. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly achievedRps: number;
  readonly errors: number;
  readonly non2xx: number;
  /** The generator's own lateness at p99, microseconds. */
  readonly generatorLagP99: number;
  readonly proxyCores: number;
  readonly proxyCoreForeign: number;
  readonly loadCoreForeign: number;
}

export interface Measured {
  readonly ok: true;
  readonly saturation: readonly SaturationRun[];
  readonly fixedRate: readonly FixedRateRun[];
  /** Largest resident memory of one proxy process (tree) during the fixed-rate runs, bytes. */
  readonly rssBytes: number;
  /** Its private (anonymous) part, bytes; the rest is the binary's pages, shared by every process running it. Absent in older reports. */
  readonly anonRssBytes?: number;
  /** Resident memory of one proxy process right after start, bytes. */
  readonly idleRssBytes: number;
}

export interface Unavailable {
  readonly ok: false;
  readonly reason: string;
}

export interface SystemResult {
  readonly id: string;
  readonly label: string;
  readonly kind: 'direct' | 'peer' | 'weft';
  /** Proxy processes in the path (two for the mTLS rows). */
  readonly hops: number;
  /** The peer row this one's throughput is compared with ("nginx", or "nginx-mtls" for two hops). */
  readonly comparedWith: string;
  readonly outcome: Measured | Unavailable;
}

export interface ControlPlaneResult {
  readonly compile:
    | {
        readonly ok: true;
        readonly mesh: { services: number; virtualServices: number; trafficSplits: number; authorizationPolicies: number; proxies: number };
        readonly indexMs: number;
        readonly proxiesMs: number;
        readonly analysisMs: number;
        readonly totalMs: number;
        readonly maxRssBytes: number;
        readonly heapUsedBytes: number;
        readonly sampleProxy: { resources: number; encodeMs: number; encodedBytes: number };
      }
    | Unavailable;
  readonly editToAck:
    | {
        readonly ok: true;
        readonly mesh: { readonly services: number; readonly virtualServices: number; readonly authorizationPolicies: number };
        readonly mode: string;
        /** Virtual hosts: on demand (the hosts each app calls) or every one. */
        readonly vhds?: 'on-demand' | 'whole';
        /** Proxies each edit was sent to, and those in sync with it without a response. */
        readonly affected?: readonly number[];
        readonly unreached?: readonly number[];
        readonly proxies: number;
        /** Distinct workloads among the proxies (replicas share a config). */
        readonly workloads: number;
        readonly edits: number;
        readonly p50Ms: number;
        readonly p99Ms: number;
        readonly maxMs: number;
        /** Edit → the server wrote each proxy's last response (no transfer, no ACK). */
        readonly sentP50Ms: number;
        readonly sentP99Ms: number;
        readonly buildMs: number;
        /** Build of the keys pushed first (those holding the edited virtual host), median. */
        readonly firstBuildMs?: number;
        readonly debounceMs: number;
        readonly bytesPerEdit: number;
        readonly memoryBytes: number;
        readonly initialSyncMs: number;
      }
    | Unavailable;
  /** The same with every proxy taking every virtual host (an edit of a host every proxy calls). */
  readonly editToAckWhole?: ControlPlaneResult['editToAck'];
}

export interface ProfileSummary {
  readonly ok: true;
  readonly variant: string;
  readonly seconds: number;
  /** Whether the summary covers the measured stretch only (else the whole process life, start-up included). */
  readonly windowed: boolean;
  readonly rps: number;
  /** Share of samples per category (Weft code, Node's HTTP, GC, idle...). */
  readonly categories: readonly { readonly name: string; readonly share: number }[];
  readonly top: readonly { readonly fn: string; readonly where: string; readonly selfShare: number; readonly totalShare: number }[];
  readonly file: string;
}

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly memoryGiB: number;
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
}

export interface Settings {
  readonly quick: boolean;
  readonly saturationSeconds: number;
  readonly saturationRuns: number;
  readonly wrkConnections: number;
  readonly fixedRate: number;
  readonly fixedSeconds: number;
  readonly fixedRuns: number;
  readonly loadgenConnections: number;
  readonly warmupSeconds: number;
  readonly originBodyBytes: number;
  readonly cores: { readonly load: string; readonly proxy: string };
}

export interface BenchReport {
  /** The command that reproduces this run. */
  readonly command: string;
  readonly machine: Machine;
  readonly tools: Readonly<Record<string, string>>;
  readonly settings: Settings;
  readonly systems: readonly SystemResult[];
  readonly profile: ProfileSummary | Unavailable;
  readonly controlPlane: ControlPlaneResult;
  /** Whether the latency runs had real-time priority (SCHED_FIFO), and why not. */
  readonly latencyScheduling: { readonly ok: true } | Unavailable;
  /** The HTTP/2 rows (h2load); absent in reports from before they existed. */
  readonly http2?: Http2Section | Unavailable;
  readonly wallSeconds: number;
  /** Things a reader should know about this run (noise, limits). */
  readonly notes: readonly string[];
}

/** The issue's targets for the proxy, with every feature on. */
export const TARGETS = {
  rpsVsNginx: 0.5,
  addedP50Ms: 0.3,
  addedP99Ms: 1,
  rssMiB: 60,
  compileMs: 2000,
  editToAckP99Ms: 100,
  controlPlaneMiB: 1024,
} as const;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The numbers a row shows, derived from its runs. */
export interface RowNumbers {
  readonly rps: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  /** Throughput per core the proxy used (median over runs): what it would do with the whole core. */
  readonly rpsPerCore: number;
  readonly proxyCores: number;
  readonly loadCoreBusy: number;
  /** Others' share of the proxy core during saturation (median). */
  readonly proxyForeign: number;
  /** Others' share of the load core during saturation (median). */
  readonly loadForeign: number;
  readonly p50: number;
  readonly p99: number;
  readonly rssMiB: number;
  readonly anonRssMiB: number | undefined;
  readonly errors: number;
}

export function rowNumbers(m: Measured): RowNumbers {
  const rps = m.saturation.map((r) => r.rps);
  return {
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    rpsPerCore: median(m.saturation.filter((r) => r.proxyCores > 0).map((r) => r.rps / r.proxyCores)),
    proxyCores: median(m.saturation.map((r) => r.proxyCores)),
    loadCoreBusy: median(m.saturation.map((r) => r.loadCoreBusy)),
    proxyForeign: median(m.saturation.map((r) => r.proxyCoreForeign)),
    loadForeign: median(m.saturation.map((r) => r.loadCoreForeign)),
    p50: median(m.fixedRate.map((r) => r.p50)),
    p99: median(m.fixedRate.map((r) => r.p99)),
    rssMiB: m.rssBytes / 2 ** 20,
    anonRssMiB: m.anonRssBytes === undefined ? undefined : m.anonRssBytes / 2 ** 20,
    errors: [...m.saturation.map((r) => r.non2xx + r.socketErrors), ...m.fixedRate.map((r) => r.errors + r.non2xx)].reduce((a, b) => a + b, 0),
  };
}

const numbersOf = (systems: readonly SystemResult[], id: string): RowNumbers | undefined => {
  const s = systems.find((x) => x.id === id);
  return s !== undefined && s.outcome.ok ? rowNumbers(s.outcome) : undefined;
};

/**
 * What limited saturation: the proxy's core (the fair case), the load core
 * (wrk and the origin could go no faster), or other tenants of the machine.
 */
export function limitOf(n: RowNumbers, kind: SystemResult['kind']): string {
  if (kind === 'direct') return n.loadForeign >= 0.15 ? 'load core (others on it)' : 'load core';
  if (n.proxyCores >= 0.9) return 'proxy core';
  if (n.proxyCores + n.proxyForeign >= 0.9) return 'proxy core (others on it)';
  if (n.loadCoreBusy >= 0.9) return n.loadForeign >= 0.15 ? 'load core (others on it)' : 'load core';
  return 'neither (latency-bound?)';
}

export interface TargetCheck {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** The issue's targets against a Weft row (undefined measurements when a reference row is missing). */
export function targetChecks(systems: readonly SystemResult[], row: SystemResult): TargetCheck[] {
  if (!row.outcome.ok) return [];
  const n = rowNumbers(row.outcome);
  const peer = numbersOf(systems, row.comparedWith);
  const direct = numbersOf(systems, 'direct');
  // The floor measured alike: the two-process TLS pair for the mTLS rows.
  const floor = (row.hops > 1 ? numbersOf(systems, 'node-floor-mtls') : undefined) ?? numbersOf(systems, 'node-floor');
  const ratio = peer !== undefined ? n.rps / peer.rps : Number.NaN;
  const perCore = peer !== undefined ? n.rpsPerCore / peer.rpsPerCore : Number.NaN;
  // The stricter of the two: a peer that could not fill its core (load-side bound) flatters the plain ratio.
  const strict = Math.min(ratio, Number.isFinite(perCore) ? perCore : ratio);
  const addP50 = direct !== undefined ? (n.p50 - direct.p50) / 1000 : Number.NaN;
  const addP99 = direct !== undefined ? (n.p99 - direct.p99) / 1000 : Number.NaN;
  const ok = (v: number, good: (v: number) => boolean): boolean | undefined => (Number.isFinite(v) ? good(v) : undefined);
  return [
    { what: `requests/s vs ${row.comparedWith}`, target: `≥ ${TARGETS.rpsVsNginx}×`, measured: `${fmtRatio(ratio)} (per core used: ${fmtRatio(perCore)})`, met: ok(strict, (v) => v >= TARGETS.rpsVsNginx) },
    { what: 'added p50 at 1,000 rps', target: `≤ +${TARGETS.addedP50Ms} ms`, measured: fmtAddMs(addP50), met: ok(addP50, (v) => v <= TARGETS.addedP50Ms) },
    { what: 'added p99 at 1,000 rps', target: `≤ +${TARGETS.addedP99Ms} ms`, measured: fmtAddMs(addP99), met: ok(addP99, (v) => v <= TARGETS.addedP99Ms) },
    {
      what: 'resident memory per proxy (RSS)',
      target: `≤ ${TARGETS.rssMiB} MB`,
      measured: `${n.rssMiB.toFixed(1)} MB${floor !== undefined ? ` (the floor, Node forwarding bytes with the same flags, measured alike: ${floor.rssMiB.toFixed(1)} MB${row.hops > 1 ? ', the larger of its two' : ''})` : ''}`,
      met: n.rssMiB <= TARGETS.rssMiB,
    },
    ...(n.anonRssMiB !== undefined
      ? [{ what: "the proxy's own memory (private resident: heap, code, malloc; RSS less the mapped files, mostly the Node binary's pages, which every Node process on the host shares)", target: `≤ ${TARGETS.rssMiB} MB`, measured: `${n.anonRssMiB.toFixed(1)} MB${floor?.anonRssMiB !== undefined ? ` (the floor's: ${floor.anonRssMiB.toFixed(1)} MB)` : ''}`, met: n.anonRssMiB <= TARGETS.rssMiB }]
      : []),
  ];
}

// ---- formatting -----------------------------------------------------------------

const fmtInt = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
export const fmtRatio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
const fmtMs = (us: number): string => (Number.isFinite(us) ? (us / 1000).toFixed(3) : '–');
const fmtAddMs = (ms: number): string => (Number.isFinite(ms) ? `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(3)} ms` : '–');
const fmtPct = (v: number): string => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–');
const mark = (met: boolean | undefined): string => (met === undefined ? '?' : met ? 'met' : 'MISSED');

/** A Markdown table; every row has as many cells as the header. Pipes in cells are escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  for (const r of rows) if (r.length !== header.length) throw new Error(`table row has ${r.length} cells, header has ${header.length}: ${r.join(' | ')}`);
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const DATA_PLANE_HEADER = [
  'system',
  'req/s (median)',
  'range',
  '× nginx',
  '× direct',
  'proxy CPU',
  'req/s per core',
  '× nginx per core',
  'limit',
  'p50 ms @1k',
  'p99 ms @1k',
  'added p50',
  'added p99',
  'RSS MB',
  'errors',
] as const;

/** The data-plane table's rows: one per system, "n/a: reason" where it could not be measured. */
export function dataPlaneRows(systems: readonly SystemResult[]): string[][] {
  const direct = numbersOf(systems, 'direct');
  const rows: string[][] = [];
  for (const s of systems) {
    if (!s.outcome.ok) {
      rows.push([s.label, `n/a: ${s.outcome.reason}`, ...Array<string>(DATA_PLANE_HEADER.length - 2).fill('')]);
      continue;
    }
    const n = rowNumbers(s.outcome);
    const peer = numbersOf(systems, s.comparedWith);
    const vsPeer = s.kind === 'direct' ? Number.NaN : peer !== undefined ? n.rps / peer.rps : Number.NaN;
    const vsDirect = direct !== undefined ? n.rps / direct.rps : Number.NaN;
    const added = (v: number, d: number | undefined): string => (s.kind === 'direct' || d === undefined ? '–' : fmtAddMs((v - d) / 1000));
    rows.push([
      s.label,
      fmtInt(n.rps),
      `${fmtInt(n.rpsMin)}–${fmtInt(n.rpsMax)}`,
      s.kind === 'direct' ? '–' : `${fmtRatio(vsPeer)}${s.comparedWith !== 'nginx' ? ` (of ${s.comparedWith})` : ''}`,
      fmtRatio(vsDirect),
      s.kind === 'direct' ? '–' : fmtPct(n.proxyCores),
      s.kind === 'direct' ? '–' : fmtInt(n.rpsPerCore),
      s.kind === 'direct' || peer === undefined ? '–' : fmtRatio(n.rpsPerCore / peer.rpsPerCore),
      limitOf(n, s.kind),
      fmtMs(n.p50),
      fmtMs(n.p99),
      added(n.p50, direct?.p50),
      added(n.p99, direct?.p99),
      s.kind === 'direct' ? '–' : `${n.rssMiB.toFixed(1)}${s.hops > 1 ? ` (max of ${s.hops})` : ''}`,
      String(n.errors),
    ]);
  }
  return rows;
}

/** The compact table for the terminal. */
export function renderTable(report: BenchReport): string {
  return markdownTable(DATA_PLANE_HEADER, dataPlaneRows(report.systems));
}

function targetSection(report: BenchReport): string {
  const out: string[] = [];
  const weft = report.systems.filter((s) => s.kind === 'weft');
  const measured = weft.filter((s) => s.outcome.ok);
  if (weft.length === 0 || measured.length === 0) {
    const reason = weft.find((s) => !s.outcome.ok);
    return `Weft: not available${reason !== undefined && !reason.outcome.ok ? ` (${reason.outcome.reason})` : ''}. Targets: ≥ ${TARGETS.rpsVsNginx}× nginx requests/s on one core; ≤ +${TARGETS.addedP50Ms} ms p50 and ≤ +${TARGETS.addedP99Ms} ms p99 at 1,000 rps; ≤ ${TARGETS.rssMiB} MB resident.`;
  }
  const rows: string[][] = [];
  for (const s of measured) {
    for (const c of targetChecks(report.systems, s)) rows.push([s.label, c.what, c.target, c.measured, mark(c.met)]);
  }
  out.push(markdownTable(['variant', 'what', 'target', 'measured', ''], rows));
  return out.join('\n');
}

function controlPlaneSection(cp: ControlPlaneResult): string {
  const rows: string[][] = [];
  if (cp.compile.ok) {
    const c = cp.compile;
    const mesh = `${fmtInt(c.mesh.services)} services, ${fmtInt(c.mesh.virtualServices)} VirtualServices, ${fmtInt(c.mesh.authorizationPolicies)} AuthorizationPolicies, ${fmtInt(c.mesh.trafficSplits)} TrafficSplits, ${fmtInt(c.mesh.proxies)} proxies`;
    rows.push(['mesh', '', mesh, '']);
    rows.push(['full compile (index + every proxy)', `< ${TARGETS.compileMs} ms`, `${fmtInt(c.indexMs + c.proxiesMs)} ms (index ${fmtInt(c.indexMs)} + proxies ${fmtInt(c.proxiesMs)})`, mark(c.indexMs + c.proxiesMs < TARGETS.compileMs)]);
    rows.push(['… plus mesh analysis (conflicts, references)', '', `${fmtInt(c.totalMs)} ms (analysis ${fmtInt(c.analysisMs)})`, '']);
    rows.push(['compiler process memory (peak RSS)', `< ${TARGETS.controlPlaneMiB} MB`, `${(c.maxRssBytes / 2 ** 20).toFixed(0)} MB (heap in use ${(c.heapUsedBytes / 2 ** 20).toFixed(0)} MB)`, mark(c.maxRssBytes / 2 ** 20 < TARGETS.controlPlaneMiB)]);
    rows.push(['one proxy\'s resources, encoded', '', `${fmtInt(c.sampleProxy.resources)} resources, ${(c.sampleProxy.encodedBytes / 1024).toFixed(0)} KiB in ${fmtInt(c.sampleProxy.encodeMs)} ms`, '']);
  } else rows.push(['full compile', `< ${TARGETS.compileMs} ms`, `n/a: ${cp.compile.reason}`, '']);
  const editRows = (e: ControlPlaneResult['editToAck'], whole: boolean): void => {
    const what = whole ? 'every proxy holding every virtual host (a host all of them call)' : 'virtual hosts on demand (each app calls 10 Services)';
    if (!e.ok) {
      rows.push([`edit → every affected proxy's ACK, ${what}`, `p99 < ${TARGETS.editToAckP99Ms} ms`, `n/a: ${e.reason}`, '']);
      return;
    }
    const scale = `${fmtInt(e.proxies)} simulated proxies (${fmtInt(e.workloads)} workloads) in a child process on the other core, ${e.mode} ADS, ${what}, mesh of ${fmtInt(e.mesh.services)} services, ${fmtInt(e.mesh.virtualServices)} VirtualServices, ${fmtInt(e.mesh.authorizationPolicies)} AuthorizationPolicies`;
    rows.push([whole && cp.editToAckWhole !== undefined ? 'edit-to-ACK, worst case' : 'edit-to-ACK setup', '', scale, '']);
    const reach = e.affected === undefined ? '' : `; each edit sent to ${e.affected.join(', ')} proxies${e.unreached !== undefined && e.unreached.some((n) => n > 0) ? `, the other ${e.unreached.join(', ')} in sync without a response` : ''}`;
    rows.push([`one VirtualService edit → every affected proxy's ACK (${e.edits} edit${e.edits === 1 ? '' : 's'}, the first after start-up included)`, `p99 < ${TARGETS.editToAckP99Ms} ms`, `p50 ${fmtInt(e.p50Ms)} ms, p99 ${fmtInt(e.p99Ms)} ms, max ${fmtInt(e.maxMs)} ms (the ${e.debounceMs} ms debounce excluded)${reach}`, mark(e.p99Ms < TARGETS.editToAckP99Ms)]);
    rows.push(['… of which compile and snapshot build', '', e.firstBuildMs !== undefined && e.firstBuildMs < e.buildMs ? `${fmtInt(e.firstBuildMs)} ms for the proxies holding the edited host, pushed first; ${fmtInt(e.buildMs)} ms for all` : `${fmtInt(e.buildMs)} ms`, '']);
    rows.push(['… edit → last response written to each affected proxy', '', `p50 ${fmtInt(e.sentP50Ms)} ms, p99 ${fmtInt(e.sentP99Ms)} ms`, '']);
    rows.push(['bytes sent per edit (all proxies)', '', `${(e.bytesPerEdit / 2 ** 20).toFixed(2)} MiB (${(e.bytesPerEdit / e.proxies / 1024).toFixed(1)} KiB per proxy)`, '']);
    rows.push(['control-plane memory with every proxy synced (RSS)', `< ${TARGETS.controlPlaneMiB} MB`, `${(e.memoryBytes / 2 ** 20).toFixed(0)} MB`, mark(e.memoryBytes / 2 ** 20 < TARGETS.controlPlaneMiB)]);
    rows.push(['initial sync of every proxy (joining 100 at a time)', '', `${fmtInt(e.initialSyncMs)} ms`, '']);
  };
  // Reports from before on-demand virtual hosts have no `vhds`: every proxy held every virtual host.
  editRows(cp.editToAck, !cp.editToAck.ok || cp.editToAck.vhds !== 'on-demand');
  if (cp.editToAckWhole !== undefined) editRows(cp.editToAckWhole, true);
  return markdownTable(['what', 'target', 'measured', ''], rows);
}

function profileSection(p: ProfileSummary | Unavailable): string {
  if (!p.ok) return `No profile: ${p.reason}`;
  const cats = p.categories.map((c) => `${c.name} ${fmtPct(c.share)}`).join(', ');
  const rows = p.top.map((t) => [t.fn, t.where, fmtPct(t.selfShare), fmtPct(t.totalShare)]);
  return [
    `\`${p.variant}\` under saturation for ${p.seconds} s after a warm-up (${fmtInt(p.rps)} req/s with the profiler on), \`node --cpu-prof\`; ${p.windowed ? 'the summary counts the measured seconds only' : 'the summary covers the whole process life, start-up included (the samples could not be matched to the run)'}. The profile is ${p.file} (open it in Chrome DevTools → Performance, or \`node test/bench/cpuprofile.ts FILE\`).`,
    '',
    `Where the samples fall: ${cats}.`,
    '',
    markdownTable(['function (top by self time)', 'where', 'self', 'total'], rows),
  ].join('\n');
}

function runsSection(systems: readonly SystemResult[]): string {
  const rows: string[][] = [];
  for (const s of systems) {
    if (!s.outcome.ok) continue;
    const sat = s.outcome.saturation.map((r) => `${fmtInt(r.rps)} (cpu ${fmtPct(r.proxyCores)}, load core ${fmtPct(r.loadCoreBusy)}, others ${fmtPct(r.proxyCoreForeign)} / ${fmtPct(r.loadCoreForeign)})`).join('; ');
    const fixed = s.outcome.fixedRate.map((r) => `p50 ${fmtMs(r.p50)} p99 ${fmtMs(r.p99)} p99.9 ${fmtMs(r.p999)} max ${fmtMs(r.max)} (generator lag p99 ${fmtMs(r.generatorLagP99)}, others ${fmtPct(r.proxyCoreForeign)} / ${fmtPct(r.loadCoreForeign)})`).join('; ');
    rows.push([s.label, sat, fixed]);
  }
  return markdownTable(['system', 'saturation runs: req/s (proxy CPU, load core busy, others on proxy core / load core)', 'fixed-rate runs (ms)'], rows);
}

/** Fixed-rate runs with a stall (a response later than 100 ms): they decide that run's p99 and p99.9. */
export function stallNotes(systems: readonly SystemResult[]): string[] {
  const out: string[] = [];
  for (const s of systems) {
    if (!s.outcome.ok) continue;
    const stalls = s.outcome.fixedRate.map((r, i) => ({ i, max: r.max })).filter((r) => r.max > 100_000);
    if (stalls.length === 0) continue;
    out.push(`${s.label}: ${stalls.length} of ${s.outcome.fixedRate.length} fixed-rate runs had a stall (slowest response ${stalls.map((r) => `${fmtMs(r.max)} ms in run ${r.i + 1}`).join(', ')}); a stall delays every request scheduled during it, so it sets that run's p99.`);
  }
  return out;
}

/** The whole of test/bench/RESULTS.md. */
export function renderResults(report: BenchReport): string {
  const m = report.machine;
  const st = report.settings;
  const tools = Object.entries(report.tools).map(([k, v]) => `${k} ${v}`).join(', ');
  return `# Benchmark results

Reproduce with \`${report.command}\` (this run took ${Math.ceil(report.wallSeconds / 60)} minutes). Plain \`make bench\` measures edit-to-ACK on a smaller mesh, which saves about six minutes; \`BENCH_CONTROL_PLANE=full make bench\` uses the issue's mesh; \`BENCH_QUICK=1 make bench\` is a short check that the harness works; \`BENCH_SYSTEMS=weft+all,nginx make bench\` measures only those rows (direct always) and writes under .cache/bench/systems-run/.${st.quick ? '\n\n**This is a quick run (BENCH_QUICK=1): durations are too short for the numbers to mean much.**' : ''}

- date: ${m.date}
- machine: ${m.nproc} CPUs, ${m.cpuModel}, ${m.memoryGiB.toFixed(0)} GiB, Linux ${m.kernel}; load average ${m.loadAverageBefore.map((v) => v.toFixed(2)).join(' ')} before, ${m.loadAverageAfter.map((v) => v.toFixed(2)).join(' ')} after (the machine is shared)
- tools: ${tools}

## Data plane

Everything on 127.0.0.1. The origin is nginx answering a ${st.originBodyBytes}-byte body from memory; the load (wrk, or the fixed-rate generator) and the origin run on core ${st.cores.load}, the proxy under test on core ${st.cores.proxy} (\`taskset\`), with one worker: one core each. Each proxy keeps a pool of keep-alive connections to the origin.

- **req/s**: wrk, ${st.wrkConnections} connections, one thread, ${st.saturationSeconds} s per run after a warm-up, median of ${st.saturationRuns} runs taken in rotation across the systems (so a noisy moment on the shared machine hits all of them). "× nginx" is throughput over nginx's on the same core; the mTLS rows compare with nginx doing the same two hops with mutual TLS in one worker.
- **proxy CPU**: CPU the proxy used during saturation, in cores; **req/s per core** divides by it (what the proxy would do with its whole core) and **× nginx per core** compares that, which is the fairer ratio when a peer could not fill its core. **limit** says which core ran out: "proxy core" (the proxy is the bottleneck, the ratio is fair), "load core" (wrk and the origin could not go faster, so the proxy's number is a floor and ratios against it are flattering to whoever is slower), "(others on it)" when other tenants of this shared machine took a real share of that core, "neither" when no core was full (the round trips between the two cores bound it).
- **p50 / p99 @1k**: latency at a fixed ${fmtInt(st.fixedRate)} requests/s from test/bench/loadgen.c (open loop: measured from each request's scheduled time, so a stall counts for every request it delays), ${st.loadgenConnections} connections, ${st.fixedSeconds} s per run after ${st.warmupSeconds} s of warm-up, median of ${st.fixedRuns} runs. **added** is the difference from direct. ${report.latencyScheduling.ok ? `During these runs the origin and the generator (core ${st.cores.load}) have real-time priority (SCHED_FIFO) and every proxy thread nice −20, so the other tenants of this shared machine rarely queue in front of them; without that the machine alone puts milliseconds into every p99. (Real-time priority for the proxies too was tried and dropped: Node on one core with real-time threads livelocked or stalled for up to a second, an artifact, not the proxy.)` : `These runs had normal priority (${report.latencyScheduling.reason}): on a shared machine, other tenants put milliseconds into every p99.`}
- **RSS MB**: the largest resident memory of one proxy (process tree: nginx's master and worker together) during the fixed-rate runs.

${renderTable(report)}

### Against the targets (issue: the data-plane proxy, item 7)

${targetSection(report)}

### HTTP/2

${renderHttp2(report.http2)}

### Where Weft's time goes

${profileSection(report.profile)}

## Control plane (issue: the control plane, item 8)

${controlPlaneSection(report.controlPlane)}

## Notes on this run

${[...report.notes, ...stallNotes(report.systems)].map((n) => `- ${n}`).join('\n') || '- nothing unusual'}

<details><summary>Every run</summary>

${runsSection(report.systems)}

</details>
`;
}

// ---- HTTP/2 (h2load) ---------------------------------------------------------------

export interface Http2Run {
  readonly rps: number;
  readonly proxyCores: number;
  readonly failed: number;
}

export interface Http2Row {
  readonly id: string;
  readonly label: string;
  readonly outcome: { readonly ok: true; readonly runs: readonly Http2Run[] } | Unavailable;
}

export interface Http2Section {
  readonly connections: number;
  readonly streams: number;
  readonly seconds: number;
  readonly rows: readonly Http2Row[];
}

export function renderHttp2(section: Http2Section | Unavailable | undefined): string {
  if (section === undefined) return 'Not measured in this run.';
  if (!('rows' in section)) return `Not measured: ${section.reason}.`;
  const base = section.rows.find((r) => r.id === 'nginx-h2');
  const baseRps = base !== undefined && base.outcome.ok ? median(base.outcome.runs.map((r) => r.rps)) : Number.NaN;
  const basePerCore = base !== undefined && base.outcome.ok ? median(base.outcome.runs.map((r) => r.rps / Math.max(r.proxyCores, 1e-9))) : Number.NaN;
  const lines = [
    `h2load with h2c prior knowledge, ${section.connections} connections × ${section.streams} stream${section.streams === 1 ? '' : 's'} each, ${section.seconds} s per run, median of the runs; each proxy on the proxy core forwards to the same HTTP/1.1 origin. Saturation only: the fixed-rate generator speaks HTTP/1.1.`,
    '',
    '| system | req/s | × nginx | proxy CPU | req/s per core | × nginx per core | failed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of section.rows) {
    if (!r.outcome.ok) {
      lines.push(`| ${r.label} | n/a: ${r.outcome.reason.replace(/\|/g, '/')} | | | | | |`);
      continue;
    }
    const rs = r.outcome.runs;
    const rps = median(rs.map((x) => x.rps));
    const cores = median(rs.map((x) => x.proxyCores));
    const perCore = median(rs.map((x) => x.rps / Math.max(x.proxyCores, 1e-9)));
    const failedRuns = rs.reduce((n, x) => n + x.failed, 0);
    lines.push(`| ${r.label} | ${fmtInt(rps)} | ${(rps / baseRps).toFixed(2)} | ${cores.toFixed(2)} | ${fmtInt(perCore)} | ${(perCore / basePerCore).toFixed(2)} | ${failedRuns} |`);
  }
  return lines.join('\n');
}
