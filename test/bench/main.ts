// `make bench`: Weft's proxy against nginx, HAProxy and a direct connection on
// this machine, each proxy pinned to one core, then the control plane's scale
// numbers. Prints the table and writes test/bench/RESULTS.md.
//
//   taskset -c 0 node test/bench/main.ts        (what make bench runs)
//   BENCH_QUICK=1 ...                           short runs, results to .cache/bench/
//   BENCH_OUT=FILE ...                          write the results elsewhere
//   BENCH_CONTROL_PLANE=full ...                edit-to-ACK at the issue's scale (adds ~6 minutes)
//   node test/bench/main.ts --render .cache/bench/last-run/report.json    RESULTS.md again, no measuring
//
// The tools come from test/bench/install-tools.sh (make bench runs it first).
// Every process started here is stopped on exit, failure or Ctrl-C.

import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCompileMesh, runEditToAck, ISSUE_MESH, type EditToAckSize, type MeshSize } from './control-plane.ts';
import { summarizeProfile } from './cpuprofile.ts';
import { buildLoadgen, largestTreeRss, runLoadgen, runWrk, waitForQuiet, watched, PLAIN_REQUEST, type Cores, type LoadRequest, type Watch } from './measure.ts';
import { FLOOR_SOURCE, FLOOR_TLS_SOURCE, freePort, haproxyConf, nginxMtlsPairConf, startOrigin, nginxProxyConf, toolVersions, weftProxyNodeFlags, ORIGIN_BODY, type TlsFiles } from './peers.ts';
import { h2loadVersion, measureHttp2 } from './http2.ts';
import { installCleanup, processTree, setNice, setScheduling, Supervisor, waitForPort, type Managed } from './procs.ts';
import {
  renderResults,
  renderTable,
  rowNumbers,
  limitOf,
  type BenchReport,
  type ControlPlaneResult,
  type FixedRateRun,
  type Machine,
  type ProfileSummary,
  type SaturationRun,
  type Settings,
  type SystemResult,
  type Unavailable,
} from './report.ts';
import { BENCH_NAMESPACE, CLIENT_SA, fetchOnce, issueBenchCerts, planVariant, probeVariant, SERVER_SA, writeBootstrap, WEFT_VARIANTS, type VariantPlan } from './weft.ts';
import { trustBundlePem, type MeshCa } from '../../operator/ca/authority.ts';
import { caServingCredentials, startCaServer } from '../../operator/ca/service.ts';
import { bootstrapTokens, newBootstrapToken } from '../../operator/ca/token.ts';

export interface BenchConfig {
  readonly root: string;
  readonly quick: boolean;
  /** Where RESULTS.md goes. */
  readonly out: string;
  /** Logs, configs, certificates and profiles of this run. */
  readonly runDir: string;
  readonly loadgenBinary: string;
  readonly cores: Cores;
  readonly settings: Settings;
  readonly profileSeconds: number;
  readonly mesh: MeshSize;
  /** Scale of the edit-to-ACK run (the issue's with BENCH_CONTROL_PLANE=full; it takes minutes). */
  readonly editToAck: EditToAckSize;
  /** What reproduces this run, for the report. */
  readonly command: string;
  /** The weft command. */
  readonly weft: string;
  readonly node: string;
  /** BENCH_SYSTEMS: only these rows (ids, with direct always), and no HTTP/2, profile or control-plane parts. */
  readonly systems?: ReadonlySet<string>;
}

/** The configuration for `make bench`, from its environment (read here, at the edge, not at import). */
export function configFrom(env: NodeJS.ProcessEnv, root: string): BenchConfig {
  const quick = env['BENCH_QUICK'] === '1';
  const only = (env['BENCH_SYSTEMS'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = ['direct', 'nginx', 'haproxy', 'node-floor', 'nginx-mtls', 'node-floor-mtls', ...WEFT_VARIANTS.map((v) => v.id)];
  const unknown = only.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new Error(`BENCH_SYSTEMS: no system ${unknown.join(', ')}; the systems are ${known.join(', ')}`);
  const systems = only.length > 0 ? new Set(['direct', ...only]) : undefined;
  const runDir = join(root, '.cache/bench', systems !== undefined ? 'systems-run' : quick ? 'quick-run' : 'last-run');
  const settings: Settings = quick
    ? { quick, saturationSeconds: 1, saturationRuns: 1, wrkConnections: 16, fixedRate: 1000, fixedSeconds: 1, fixedRuns: 1, loadgenConnections: 16, warmupSeconds: 0.5, originBodyBytes: ORIGIN_BODY.length, cores: { load: '0', proxy: '1' } }
    : { quick, saturationSeconds: 4, saturationRuns: 3, wrkConnections: 16, fixedRate: 1000, fixedSeconds: 4, fixedRuns: 3, loadgenConnections: 16, warmupSeconds: 1, originBodyBytes: ORIGIN_BODY.length, cores: { load: '0', proxy: '1' } };
  return {
    root,
    quick,
    // A partial run (quick, or some systems) never replaces the committed results.
    out: env['BENCH_OUT'] ?? (quick || systems !== undefined ? join(runDir, 'RESULTS.md') : join(root, 'test/bench/RESULTS.md')),
    runDir,
    loadgenBinary: join(root, '.cache/bench/loadgen'),
    cores: settings.cores,
    settings,
    profileSeconds: quick ? 1 : 5,
    mesh: quick ? { services: 200, virtualServices: 1000, proxies: 100, policies: 500 } : ISSUE_MESH,
    editToAck: quick
      ? { services: 50, virtualServices: 100, proxies: 50, policies: 50, edits: 1 }
      : env['BENCH_CONTROL_PLANE'] === 'full'
        ? { ...ISSUE_MESH, edits: 5 }
        : { services: 200, virtualServices: 1000, proxies: 1000, policies: 500, edits: 2 },
    weft: join(root, 'bin/weft'),
    command: `${quick ? 'BENCH_QUICK=1 ' : ''}${systems !== undefined ? `BENCH_SYSTEMS=${only.join(',')} ` : ''}${env['BENCH_CONTROL_PLANE'] === 'full' && !quick && systems === undefined ? 'BENCH_CONTROL_PLANE=full ' : ''}make bench`,
    node: process.execPath,
    ...(systems !== undefined ? { systems } : {}),
  };
}

/** Others' CPU (in cores, both cores together) under which the machine counts as quiet. */
const QUIET_CORES = 0.25;
/** A run during which others used more than this share of a core it needs is done again (within a budget). */
const REDO_FOREIGN = 0.2;
const REDO_BUDGET = 12;
/** Waiting for quiet: at most this long before one run, and this long in all. */
const QUIET_WAIT_PER_RUN_MS = 8_000;
const QUIET_WAIT_TOTAL_MS = 90_000;
/** SCHED_FIFO priorities during the latency runs: servers (origin, proxies) above the generator. */
const FIFO_SERVERS = 60;
const FIFO_GENERATOR = 50;
/** Nice value of every proxy thread during the latency runs. */
const PROXY_NICE = -20;

interface Noise {
  waitedMs: number;
  startedBusy: number;
  readonly discarded: { readonly id: string; readonly what: string; readonly foreign: number }[];
}

/** A system ready to be measured. */
interface Runnable {
  readonly result: Omit<SystemResult, 'outcome'>;
  readonly port: number;
  readonly request: LoadRequest;
  /** The proxies' processes (empty for direct). */
  readonly processes: readonly Managed[];
  /** Admin ports to scrape like Prometheus while measuring (the metrics variants). */
  readonly scrapePorts: readonly number[];
}

type Started = { readonly ok: true; readonly runnable: Runnable } | Unavailable;

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function machine(before: readonly number[]): Machine {
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z'),
    nproc: cpus().length,
    cpuModel: cpuModel.trim(),
    kernel: release(),
    memoryGiB: totalmem() / 2 ** 30,
    loadAverageBefore: before,
    loadAverageAfter: loadavg(),
  };
}

function requireTools(): void {
  const missing = ['nginx', 'haproxy', 'wrk', 'taskset', 'gcc'].filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run test/bench/install-tools.sh (make bench does) as root`);
}

/** One short line from a failed process's log: the last line that reads like an error. */
function reasonFromLog(m: Managed): string {
  // Node's own warnings are not the reason.
  const lines = m.tail(40).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^\(node:[0-9]+\)|^\(Use `node/.test(l));
  const line = [...lines].reverse().find((l) => /^weft proxy:|error|refus|unknown|invalid|not supported|unsupported|cannot|must|EADDRINUSE/i.test(l)) ?? lines[lines.length - 1] ?? '(no output)';
  let text = line;
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    if (typeof j['msg'] === 'string') text = j['msg'] + (typeof j['err'] === 'object' && j['err'] !== null && typeof (j['err'] as Record<string, unknown>)['message'] === 'string' ? `: ${String((j['err'] as Record<string, unknown>)['message'])}` : '');
  } catch {
    // not JSON: the line as it is
  }
  return text.length > 220 ? `${text.slice(0, 217)}...` : text;
}

async function expectOrigin(port: number, what: string, request: LoadRequest = PLAIN_REQUEST): Promise<string | undefined> {
  try {
    const r = await fetchOnce(port, request.path, { authority: request.authority });
    if (r.status !== 200 || r.body !== ORIGIN_BODY) return `${what} answered ${r.status} ${JSON.stringify(r.body.slice(0, 60))} instead of the origin's 200`;
    return undefined;
  } catch (e) {
    return `${what}: ${(e as Error).message}`;
  }
}

async function startPeer(
  sup: Supervisor,
  cfg: BenchConfig,
  id: string,
  label: string,
  hops: number,
  comparedWith: string,
  command: string,
  args: string[],
  port: number,
): Promise<Started> {
  const m = sup.start(id, command, args, { cpus: cfg.cores.proxy });
  try {
    await waitForPort(port, label, 10_000, m);
  } catch (e) {
    await sup.stop(m);
    return { ok: false, reason: (e as Error).message.split('\n').slice(0, 2).join(': ') };
  }
  const bad = await expectOrigin(port, label);
  if (bad !== undefined) {
    await sup.stop(m);
    return { ok: false, reason: bad };
  }
  return { ok: true, runnable: { result: { id, label, kind: 'peer', hops, comparedWith }, port, request: PLAIN_REQUEST, processes: [m], scrapePorts: [] } };
}

/**
 * The floor of the mTLS rows: two Node processes piping bytes with mutual TLS
 * between them (FLOOR_TLS_SOURCE), both on the proxy core with the proxy's
 * flags, as Weft's pair is. nginx's pair is one worker doing both hops; this
 * shows what two Node processes in a chain cost on this machine before any
 * proxy logic.
 */
async function startFloorPair(sup: Supervisor, cfg: BenchConfig, tls: TlsFiles, origin: number): Promise<{ runnable?: Runnable; result: SystemResult }> {
  const base = { id: 'node-floor-mtls', label: 'floor: Node → mTLS → Node, forwarding bytes', kind: 'peer' as const, hops: 2, comparedWith: 'nginx-mtls' };
  const dir = join(cfg.runDir, base.id);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'floor-tls.mjs');
  writeFileSync(file, FLOOR_TLS_SOURCE);
  const [front, back] = [await freePort(), await freePort()];
  const flags = weftProxyNodeFlags(cfg.root);
  const b = sup.start(`${base.id}-back`, cfg.node, [...flags, file, 'back', String(back), String(origin), tls.server.cert, tls.server.key, tls.trustBundle], { cpus: cfg.cores.proxy });
  const f = sup.start(`${base.id}-front`, cfg.node, [...flags, file, 'front', String(front), String(back), tls.client.cert, tls.client.key, tls.trustBundle], { cpus: cfg.cores.proxy });
  try {
    await waitForPort(back, 'floor pair (back)', 10_000, b);
    await waitForPort(front, 'floor pair (front)', 10_000, f);
  } catch (e) {
    await sup.stop(f);
    await sup.stop(b);
    return { result: { ...base, outcome: { ok: false, reason: (e as Error).message.split('\n')[0] ?? 'did not start' } } };
  }
  const bad = await expectOrigin(front, base.label);
  if (bad !== undefined) {
    await sup.stop(f);
    await sup.stop(b);
    return { result: { ...base, outcome: { ok: false, reason: bad } } };
  }
  return { runnable: { result: base, port: front, request: PLAIN_REQUEST, processes: [f, b], scrapePorts: [] }, result: { ...base, outcome: { ok: false, reason: 'not measured' } } };
}

/** How Weft's proxy is started from a bootstrap file: the command, or the library through a small launcher. */
type WeftLauncher = { readonly ok: true; readonly command: string; readonly args: readonly string[]; readonly how: string } | Unavailable;

function weftLauncher(cfg: BenchConfig): WeftLauncher {
  let why = `no weft command at ${cfg.weft}`;
  if (existsSync(cfg.weft)) {
    try {
      execFileSync(cfg.weft, ['help', 'proxy'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      return { ok: true, command: cfg.weft, args: ['proxy'], how: 'bin/weft proxy' };
    } catch (e) {
      const first = (e as { stderr?: Buffer }).stderr?.toString().split('\n')[0]?.trim() ?? '';
      why = `\`weft proxy\` is not a command in this checkout yet${first !== '' ? ` (${first})` : ''}`;
    }
  }
  // Until the command lands, the library the command will wrap.
  if (existsSync(join(cfg.root, 'proxy/index.ts'))) {
    return { ok: true, command: cfg.node, args: ['--disable-warning=ExperimentalWarning', join(cfg.root, 'test/bench/weft-proxy.ts')], how: `startProxy() through test/bench/weft-proxy.ts, since ${why}` };
  }
  return { ok: false, reason: `${why}, and there is no proxy/index.ts` };
}

/** How a Weft proxy with mTLS gets its certificate: the mesh CA's gRPC service and a bootstrap token per service account. */
interface MeshIdentity {
  readonly args: (serviceAccount: string) => string[];
}

async function startMeshCa(ca: MeshCa, dir: string): Promise<{ identity: MeshIdentity; close: () => Promise<void> }> {
  const tokens = new Map([CLIENT_SA, SERVER_SA].map((sa) => [sa, newBootstrapToken()] as const));
  const serving = await caServingCredentials(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, new Date());
  const server = await startCaServer({
    ca: () => ca,
    authenticator: bootstrapTokens([...tokens].map(([sa, token]) => [token, { namespace: BENCH_NAMESPACE, serviceAccount: sa }] as const)),
    credentials: serving.credentials,
  });
  const bundle = join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, trustBundlePem(ca));
  for (const [sa, token] of tokens) writeFileSync(join(dir, `${sa}.token`), `${token}\n`, { mode: 0o600 });
  return {
    identity: { args: (sa) => ['--ca-address', `127.0.0.1:${server.port}`, '--ca-token-file', join(dir, `${sa}.token`), '--ca-bundle-file', bundle] },
    close: () => server.close(200),
  };
}

async function startWeftVariant(sup: Supervisor, cfg: BenchConfig, launcher: Extract<WeftLauncher, { ok: true }>, identity: MeshIdentity, plan: VariantPlan, extraEnv: Readonly<Record<string, string>> = {}, suffix = ''): Promise<{ processes: Managed[] } | Unavailable> {
  const processes: Managed[] = [];
  // Start from the back of the chain, so the front's upstream is there when it starts.
  for (const p of [...plan.proxies].reverse()) {
    const name = `${plan.variant.id}-${p.role}${suffix}`.replace(/[^a-z0-9.-]+/gi, '_');
    const file = writeBootstrap(cfg.runDir, name, p.bootstrap);
    const args = [...launcher.args, '--config', file, ...(p.mtls ? identity.args(p.serviceAccount) : [])];
    const m = sup.start(name, launcher.command, args, { cpus: cfg.cores.proxy, env: { NODE_ENV: 'production', ...extraEnv } });
    processes.push(m);
    try {
      await waitForPort(p.listenPort, `weft proxy (${name})`, 20_000, m);
      await waitForPort(p.adminPort, `weft proxy admin (${name})`, 5_000, m);
    } catch {
      const reason = m.alive() ? `${name} did not listen on its ports within 20 s` : `refused the bootstrap: ${reasonFromLog(m)}`;
      for (const q of processes) await sup.stop(q);
      return { ok: false, reason };
    }
  }
  return { processes: processes.reverse() };
}

async function startWeft(sup: Supervisor, cfg: BenchConfig, launcher: WeftLauncher, identity: MeshIdentity, origin: number): Promise<{ rows: { runnable?: Runnable; result: SystemResult }[] }> {
  const rows: { runnable?: Runnable; result: SystemResult }[] = [];
  // One proxy started and stopped first: `weft proxy` writes Node's compile
  // cache once it is up, so the measured ones start from compiled modules. On
  // a cold cache each would load the TypeScript stripper (~17 MB resident more).
  const first = WEFT_VARIANTS[0];
  if (launcher.ok && first !== undefined) {
    const warm = await startWeftVariant(sup, cfg, launcher, identity, await planVariant(first, { origin, next: freePort }), {}, '-cache-warmup');
    if (!('ok' in warm)) for (const m of warm.processes) await sup.stop(m);
  }
  for (const variant of WEFT_VARIANTS) {
    if (cfg.systems !== undefined && !cfg.systems.has(variant.id)) continue;
    const hops = variant.features.includes('mtls') ? 2 : 1;
    const base = { id: variant.id, label: variant.label, kind: 'weft' as const, hops, comparedWith: hops > 1 ? 'nginx-mtls' : 'nginx' };
    if (!launcher.ok) {
      rows.push({ result: { ...base, outcome: { ok: false, reason: `weft: not available (${launcher.reason})` } } });
      continue;
    }
    const plan = await planVariant(variant, { origin, next: freePort });
    const started = await startWeftVariant(sup, cfg, launcher, identity, plan);
    if ('ok' in started) {
      rows.push({ result: { ...base, outcome: started } });
      say(`  ${variant.id}: n/a: ${started.reason}`);
      continue;
    }
    const why = await probeVariant(plan, ORIGIN_BODY);
    if (why !== undefined) {
      for (const m of started.processes) await sup.stop(m);
      rows.push({ result: { ...base, outcome: { ok: false, reason: why } } });
      say(`  ${variant.id}: n/a: ${why}`);
      continue;
    }
    say(`  ${variant.id}: up, features checked`);
    const scrapePorts = variant.features.includes('metrics') ? plan.proxies.map((p) => p.adminPort) : [];
    const runnable: Runnable = { result: base, port: plan.proxies[0]?.listenPort ?? 0, request: plan.request, processes: started.processes, scrapePorts };
    rows.push({ runnable, result: { ...base, outcome: { ok: false, reason: 'not measured' } } });
  }
  return { rows };
}

/** Scrapes the admin ports every 2 s while `work` runs, as Prometheus would (faster than its default, to count). */
async function scraping<T>(ports: readonly number[], work: () => Promise<T>): Promise<T> {
  if (ports.length === 0) return work();
  const timer = setInterval(() => {
    for (const p of ports) void fetchOnce(p, '/stats/prometheus').catch(() => undefined);
  }, 2000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

async function profileWeft(sup: Supervisor, cfg: BenchConfig, launcher: WeftLauncher, identity: MeshIdentity, origin: number, measurable: readonly string[]): Promise<ProfileSummary | Unavailable> {
  if (!launcher.ok) return { ok: false, reason: launcher.reason };
  // The richest single-proxy variant that works: where the targets apply.
  const order = ['weft+all', 'weft+routing', 'weft+authz', 'weft+metrics', 'weft'];
  const id = order.find((v) => measurable.includes(v));
  const variant = WEFT_VARIANTS.find((v) => v.id === id);
  if (variant === undefined) return { ok: false, reason: 'no Weft variant could be measured' };
  const dir = join(cfg.runDir, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const plan = await planVariant(variant, { origin, next: freePort });
  const started = await startWeftVariant(sup, cfg, launcher, identity, plan, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` }, '-profiled');
  if ('ok' in started) return { ok: false, reason: `the profiled proxy did not start: ${started.reason}` };
  let rps = 0;
  let window: { fromUs: number; toUs: number } | undefined;
  try {
    const load = { port: plan.proxies[0]?.listenPort ?? 0, connections: cfg.settings.wrkConnections, request: plan.request, cpus: cfg.cores.load };
    await runWrk(sup, 'wrk-profile-warmup', { ...load, seconds: cfg.quick ? 1 : 2 });
    // The profile's clock is the monotonic one process.hrtime reads: keep the measured stretch only.
    const from = Number(process.hrtime.bigint() / 1000n);
    const w = await runWrk(sup, 'wrk-profile', { ...load, seconds: cfg.profileSeconds });
    window = { fromUs: from, toUs: Number(process.hrtime.bigint() / 1000n) };
    rps = w.rps;
  } finally {
    // The profile is written when the process exits cleanly: SIGTERM and a grace period to drain.
    for (const m of started.processes) await sup.stop(m, 15_000);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return { ok: false, reason: 'the proxy wrote no .cpuprofile: it must exit through process.exit or the end of the event loop on SIGTERM for --cpu-prof to write one' };
  // The biggest profile is the proxy's (a launcher process, if any, writes a small one).
  const file = files.map((f) => join(dir, f)).sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0] ?? '';
  const text = readFileSync(file, 'utf8');
  const inWindow = window !== undefined ? summarizeProfile(text, cfg.root, file, window) : undefined;
  const windowed = inWindow !== undefined && inWindow.samples > 100;
  const breakdown = windowed && inWindow !== undefined ? inWindow : summarizeProfile(text, cfg.root, file);
  return {
    ok: true,
    variant: variant.label,
    seconds: cfg.profileSeconds,
    windowed,
    rps,
    categories: breakdown.categories.slice(0, 8),
    top: breakdown.functions.slice(0, 15).map((f) => ({ fn: f.fn, where: f.where, selfShare: f.selfShare, totalShare: f.totalShare })),
    file: relative(cfg.root, file),
  };
}

function notesFor(systems: readonly SystemResult[], originCapacity: number | undefined, cores: Cores, noise: Noise): string[] {
  const notes: string[] = [];
  if (noise.waitedMs > 2000 || noise.startedBusy > 0 || noise.discarded.length > 0) {
    const parts = [`waited ${Math.round(noise.waitedMs / 1000)} s in all for other tenants to go quiet (under ${QUIET_CORES} of a core) before runs`];
    if (noise.startedBusy > 0) parts.push(`${noise.startedBusy} runs started anyway, the waiting budget spent`);
    if (noise.discarded.length > 0) parts.push(`redid ${noise.discarded.length} runs during which others took more than ${Math.round(REDO_FOREIGN * 100)}% of core ${cores.proxy} (${noise.discarded.map((d) => `${d.id} ${d.what} ${Math.round(d.foreign * 100)}%`).join(', ')})`);
    notes.push(`The machine is shared and was busy: ${parts.join('; ')}.`);
  }
  const measured = systems.filter((s): s is SystemResult & { outcome: Extract<SystemResult['outcome'], { ok: true }> } => s.outcome.ok);
  const worst = (s: (typeof measured)[number]): number => Math.max(...[...s.outcome.saturation, ...s.outcome.fixedRate].map((r) => Math.max(r.proxyCoreForeign, r.loadCoreForeign)));
  const noisy = measured.filter((s) => worst(s) > 0.05);
  if (noisy.length > 0) {
    notes.push(
      `Other tenants used a core during some kept runs (more than 5% of it besides ours): ${noisy.map((s) => `${s.label} (up to ${Math.round(worst(s) * 100)}%)`).join(', ')}. Such a run's throughput is low by up to about that share; see "Every run".`,
    );
  }
  const loadBound = measured.filter((s) => s.kind !== 'direct' && limitOf(rowNumbers(s.outcome), s.kind) === 'load core');
  if (loadBound.length > 0) {
    notes.push(`Load-side bound: ${loadBound.map((s) => `${s.label} (proxy used ${Math.round(rowNumbers(s.outcome).proxyCores * 100)}% of its core, core ${cores.load} was ${Math.round(rowNumbers(s.outcome).loadCoreBusy * 100)}% busy)`).join(', ')}: wrk and the origin share core ${cores.load} and could not push these faster, so their req/s are floors and ratios against them are generous to the slower system.`);
  }
  if (originCapacity !== undefined) {
    const best = Math.max(0, ...measured.filter((s) => s.kind !== 'direct').map((s) => rowNumbers(s.outcome).rps));
    notes.push(
      `Origin check: the origin alone on a core (wrk on the other) answers ${Math.round(originCapacity).toLocaleString('en-US')} req/s; the fastest proxy reached ${Math.round(best).toLocaleString('en-US')} (${((best / originCapacity) * 100).toFixed(0)}%)${best / originCapacity > 0.8 ? ', close enough that the origin may be part of the limit' : ', so the origin is not what limits the proxies'}.`,
    );
  }
  const errored = measured.filter((s) => rowNumbers(s.outcome).errors > 0);
  if (errored.length > 0) notes.push(`Errors or non-2xx answers during measurement: ${errored.map((s) => `${s.label}: ${rowNumbers(s.outcome).errors}`).join(', ')}.`);
  const lagging = measured.filter((s) => s.outcome.fixedRate.some((r) => r.generatorLagP99 > 100));
  if (lagging.length > 0) notes.push(`The fixed-rate generator itself was more than 0.1 ms late at p99 in runs of: ${lagging.map((s) => s.label).join(', ')} (core ${cores.load} busy or preempted); those p99s include that.`);
  const short = measured.filter((s) => s.outcome.fixedRate.some((r) => r.achievedRps < 0.95 * 1000 && r.achievedRps > 0));
  if (short.length > 0) notes.push(`Fixed-rate runs that fell short of the rate (the system could not keep up): ${short.map((s) => s.label).join(', ')}.`);
  return notes;
}

export async function runBench(cfg: BenchConfig): Promise<BenchReport> {
  const t0 = performance.now();
  const loadBefore = loadavg();
  requireTools();
  rmSync(cfg.runDir, { recursive: true, force: true });
  mkdirSync(cfg.runDir, { recursive: true });
  const loadgenVersion = buildLoadgen(cfg.loadgenBinary);
  const launcher = weftLauncher(cfg);
  const tools = { ...toolVersions(loadgenVersion), h2load: h2loadVersion(), weft: launcher.ok ? launcher.how : `not available: ${launcher.reason}` };
  const sup = new Supervisor(cfg.runDir);
  const removeCleanup = installCleanup(sup, say);
  const st = cfg.settings;
  let closeMeshCa: (() => Promise<void>) | undefined;
  try {
    say(`bench: ${st.quick ? 'QUICK run, ' : ''}logs and configs in ${relative(cfg.root, cfg.runDir)}/`);
    const { ca, files: tls } = await issueBenchCerts(cfg.runDir, new Date());
    const meshCa = await startMeshCa(ca, cfg.runDir);
    closeMeshCa = meshCa.close;

    // The origin, on the load core.
    const { port: originPort, process: origin } = await startOrigin(sup, join(cfg.runDir, 'origin'), cfg.cores.load);
    const originBad = await expectOrigin(originPort, 'origin');
    if (originBad !== undefined) throw new Error(originBad);

    say('bench: starting the systems under test');
    const rows: { runnable?: Runnable; result: SystemResult }[] = [];
    const direct: Runnable = { result: { id: 'direct', label: 'direct (no proxy)', kind: 'direct', hops: 0, comparedWith: 'nginx' }, port: originPort, request: PLAIN_REQUEST, processes: [], scrapePorts: [] };
    rows.push({ runnable: direct, result: { ...direct.result, outcome: { ok: false, reason: 'not measured' } } });

    const peer = async (id: string, label: string, hops: number, comparedWith: string, build: (dir: string, port: number) => Promise<{ command: string; args: string[] }>): Promise<void> => {
      if (cfg.systems !== undefined && !cfg.systems.has(id)) return;
      const dir = join(cfg.runDir, id);
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      const { command, args } = await build(dir, port);
      const s = await startPeer(sup, cfg, id, label, hops, comparedWith, command, args, port);
      const base = { id, label, kind: 'peer' as const, hops, comparedWith };
      if (s.ok) rows.push({ runnable: s.runnable, result: { ...base, outcome: { ok: false, reason: 'not measured' } } });
      else {
        rows.push({ result: { ...base, outcome: s } });
        say(`  ${id}: n/a: ${s.reason}`);
      }
    };
    const nginxArgs = (dir: string): string[] => ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')];
    let nginxH2Port = 0;
    await peer('nginx', 'nginx (1 worker)', 1, 'nginx', async (dir, port) => {
      nginxH2Port = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxProxyConf(dir, port, originPort, nginxH2Port));
      return { command: 'nginx', args: nginxArgs(dir) };
    });
    await peer('haproxy', 'HAProxy (1 thread)', 1, 'nginx', async (dir, port) => {
      writeFileSync(join(dir, 'haproxy.cfg'), haproxyConf(port, originPort));
      return { command: 'haproxy', args: ['-db', '-f', join(dir, 'haproxy.cfg')] };
    });
    // The floor: Node piping bytes, same Node and flags as the proxy. What any Node proxy costs before its own work (memory above all).
    await peer('node-floor', 'floor: Node forwarding bytes (no HTTP)', 1, 'nginx', async (dir, port) => {
      writeFileSync(join(dir, 'floor.mjs'), FLOOR_SOURCE);
      return { command: cfg.node, args: [...weftProxyNodeFlags(cfg.root), join(dir, 'floor.mjs'), String(port), String(originPort)] };
    });
    const weft = await startWeft(sup, cfg, launcher, meshCa.identity, originPort);
    const single = weft.rows.filter((r) => r.result.hops === 1);
    const double = weft.rows.filter((r) => r.result.hops > 1);
    rows.push(...single);
    await peer('nginx-mtls', 'nginx → mTLS → nginx (1 worker)', 2, 'nginx-mtls', async (dir, port) => {
      const inner = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxMtlsPairConf(dir, port, inner, originPort, tls));
      return { command: 'nginx', args: nginxArgs(dir) };
    });
    if (cfg.systems === undefined || cfg.systems.has('node-floor-mtls')) rows.push(await startFloorPair(sup, cfg, tls, originPort));
    rows.push(...double);
    for (const r of rows) if (r.runnable !== undefined && !r.result.outcome.ok) say(`  ${r.result.id}: ready on 127.0.0.1:${r.runnable.port}`);

    const runnables = rows.flatMap((r) => (r.runnable !== undefined ? [r.runnable] : []));
    const idleRss = new Map(runnables.map((r) => [r.result.id, largestTreeRss(r.processes.map((p) => p.pid))]));
    const roots = (r: Runnable): number[] => r.processes.map((p) => p.pid);
    const proxyPids = new Set(runnables.flatMap(roots));
    // The origin and whichever load tool is running: everything started here that is not a proxy.
    const loadSide = (): number[] => sup.pids().filter((p) => !proxyPids.has(p));

    // The machine is shared: wait for a quiet moment before each run, and
    // redo (a bounded number of times) a run during which someone else took
    // a real share of the proxy's core. Every wait and redo is reported.
    const noise: Noise = { waitedMs: 0, startedBusy: 0, discarded: [] };
    let redosLeft = st.quick ? 0 : REDO_BUDGET;
    const mine = (): number[] => [process.pid, ...sup.pids()];
    const settled = async <T extends { watch: Watch }>(r: Runnable, what: string, attempt: () => Promise<T>): Promise<T> => {
      const id = r.result.id;
      for (;;) {
        const budget = Math.min(QUIET_WAIT_PER_RUN_MS, QUIET_WAIT_TOTAL_MS - noise.waitedMs);
        if (!st.quick && budget > 0) {
          const q = await waitForQuiet(mine, QUIET_CORES, budget);
          noise.waitedMs += q.waitedMs;
          if (!q.quiet) {
            noise.startedBusy++;
            say(`  ${id.padEnd(14)} starting although others use ${q.foreignCores.toFixed(2)} cores`);
          }
        }
        const out = await attempt();
        // Direct runs on the load core alone: only that core's other tenants matter to it.
        const foreign = r.result.kind === 'direct' ? out.watch.loadCoreForeign : Math.max(out.watch.proxyCoreForeign, out.watch.loadCoreForeign);
        if (foreign <= REDO_FOREIGN || redosLeft <= 0) return out;
        redosLeft--;
        noise.discarded.push({ id, what, foreign });
        say(`  ${id.padEnd(14)} redo: others used ${Math.round(out.watch.proxyCoreForeign * 100)}% of core ${cfg.cores.proxy} and ${Math.round(out.watch.loadCoreForeign * 100)}% of core ${cfg.cores.load} during that run`);
      }
    };

    // Warm-up: JIT compilers, connection pools, caches.
    say(`bench: warming up (${runnables.length} systems)`);
    for (const r of runnables) {
      await runWrk(sup, `wrk-warmup-${r.result.id}`, { port: r.port, seconds: st.quick ? 1 : 2, connections: st.wrkConnections, request: r.request, cpus: cfg.cores.load });
    }

    // Saturation, in rotation so that a noisy moment hits every system alike.
    const saturation = new Map<string, SaturationRun[]>(runnables.map((r) => [r.result.id, []]));
    for (let round = 1; round <= st.saturationRuns; round++) {
      say(`bench: saturation round ${round}/${st.saturationRuns}`);
      for (const r of runnables) {
        const { result: w, watch } = await settled(r, 'saturation', () =>
          watched(roots(r), loadSide, cfg.cores, () =>
            scraping(r.scrapePorts, () => runWrk(sup, `wrk-${r.result.id}`, { port: r.port, seconds: st.saturationSeconds, connections: st.wrkConnections, request: r.request, cpus: cfg.cores.load })),
          ),
        );
        saturation.get(r.result.id)?.push({ rps: w.rps, proxyCores: watch.proxyCores, loadCoreBusy: watch.loadCoreBusy, loadCoreForeign: watch.loadCoreForeign, proxyCoreForeign: watch.proxyCoreForeign, non2xx: w.non2xx, socketErrors: w.socketErrors });
        say(`  ${r.result.id.padEnd(14)} ${Math.round(w.rps).toString().padStart(7)} req/s  proxy cpu ${Math.round(watch.proxyCores * 100)}%  load core ${Math.round(watch.loadCoreBusy * 100)}%  others: core ${cfg.cores.proxy} ${Math.round(watch.proxyCoreForeign * 100)}%, core ${cfg.cores.load} ${Math.round(watch.loadCoreForeign * 100)}%${w.non2xx + w.socketErrors > 0 ? `  non-2xx ${w.non2xx}, socket errors ${w.socketErrors}` : ''}`);
      }
    }

    // Latency at a fixed rate. The load core's two single-threaded programs,
    // the origin and the generator, run under SCHED_FIFO (the origin above
    // the generator, which spins between sends), so other tenants cannot sit
    // between a packet and its reader there. The proxies all get nice -20
    // instead: real-time priority is unsafe for a multi-threaded runtime on
    // one core (Node with every thread FIFO livelocked after a saturation
    // run; with only its event loop FIFO, the loop waited on a GC helper that
    // could not run, stalling up to a second), and what one proxy gets the
    // others get too.
    const loadCoreRt = [origin.pid].flatMap((p) => processTree(p));
    const proxyTrees = [...proxyPids].flatMap((p) => processTree(p));
    const rtProblem = setScheduling(loadCoreRt, FIFO_SERVERS) ?? setNice(proxyTrees, PROXY_NICE);
    const realtime: BenchReport['latencyScheduling'] = rtProblem === undefined ? { ok: true } : { ok: false, reason: rtProblem };
    if (rtProblem !== undefined) {
      setScheduling(loadCoreRt, 'normal');
      setNice(proxyTrees, 0);
      say(`bench: latency runs without priority: ${rtProblem}`);
    }
    const fixed = new Map<string, FixedRateRun[]>(runnables.map((r) => [r.result.id, []]));
    const rss = new Map<string, number>(runnables.map((r) => [r.result.id, 0]));
    const anonRss = new Map<string, number>(runnables.map((r) => [r.result.id, 0]));
    for (let round = 1; round <= st.fixedRuns; round++) {
      say(`bench: ${st.fixedRate} req/s round ${round}/${st.fixedRuns}`);
      for (const r of runnables) {
        const { result: g, watch } = await settled(r, 'fixed rate', () =>
          watched(roots(r), loadSide, cfg.cores, () =>
            scraping(r.scrapePorts, () =>
              runLoadgen(sup, cfg.loadgenBinary, `loadgen-${r.result.id}`, {
                port: r.port,
                rate: st.fixedRate,
                seconds: st.fixedSeconds,
                warmupSeconds: st.warmupSeconds,
                connections: st.loadgenConnections,
                request: r.request,
                cpus: cfg.cores.load,
                ...(realtime.ok ? { fifoPriority: FIFO_GENERATOR } : {}),
              }),
            ),
          ),
        );
        const lat = g.latency_us;
        fixed.get(r.result.id)?.push({
          p50: lat?.p50 ?? Number.NaN,
          p99: lat?.p99 ?? Number.NaN,
          p999: lat?.p999 ?? Number.NaN,
          max: lat?.max ?? Number.NaN,
          achievedRps: g.achieved_rps,
          errors: g.errors + g.unfinished,
          non2xx: g.non2xx,
          generatorLagP99: g.timer_lag_us?.p99 ?? Number.NaN,
          proxyCores: watch.proxyCores,
          proxyCoreForeign: watch.proxyCoreForeign,
          loadCoreForeign: watch.loadCoreForeign,
        });
        rss.set(r.result.id, Math.max(rss.get(r.result.id) ?? 0, watch.maxRssBytes));
        anonRss.set(r.result.id, Math.max(anonRss.get(r.result.id) ?? 0, watch.maxAnonRssBytes));
        say(`  ${r.result.id.padEnd(14)} p50 ${((lat?.p50 ?? Number.NaN) / 1000).toFixed(3)} ms  p99 ${((lat?.p99 ?? Number.NaN) / 1000).toFixed(3)} ms  rss ${(watch.maxRssBytes / 2 ** 20).toFixed(1)} MB${g.errors + g.unfinished + g.non2xx > 0 ? `  errors ${g.errors}, unanswered ${g.unfinished}, non-2xx ${g.non2xx}` : ''}`);
      }
    }

    if (realtime.ok) {
      setScheduling(loadCoreRt, 'normal');
      setNice(proxyTrees, 0);
    }

    // HTTP/2: h2load against nginx's h2c server and Weft's plain variant (codec_type AUTO takes h2c on its one port).
    // After the fixed-rate runs: HTTP/2 saturation leaves the plain variant ~60 MB
    // larger (heap grown under 16 busy sessions, kept), and the RSS column is what
    // a proxy holds at 1,000 req/s of HTTP/1.1 after the same HTTP/1.1 saturation
    // runs as every other system, not the high-water mark of another protocol.
    const nginxRunnable = runnables.find((r) => r.result.id === 'nginx');
    const weftRunnable = runnables.find((r) => r.result.id === 'weft');
    const skipped: Unavailable | undefined = cfg.systems === undefined ? undefined : { ok: false, reason: `not run (BENCH_SYSTEMS: ${[...cfg.systems].join(', ')})` };
    const http2 = skipped ?? await measureHttp2(
      sup,
      [
        nginxRunnable !== undefined && nginxH2Port > 0
          ? { id: 'nginx-h2', label: 'nginx (1 worker), http2', port: nginxH2Port, request: PLAIN_REQUEST, roots: roots(nginxRunnable) }
          : { id: 'nginx-h2', label: 'nginx (1 worker), http2', reason: 'nginx did not start' },
        weftRunnable !== undefined
          ? { id: 'weft-h2', label: 'weft (listener → cluster), h2c', port: weftRunnable.port, request: weftRunnable.request, roots: roots(weftRunnable) }
          : { id: 'weft-h2', label: 'weft (listener → cluster), h2c', reason: 'the weft variant did not start' },
      ],
      loadSide,
      cfg.cores,
      { connections: st.wrkConnections, streams: 1, seconds: st.saturationSeconds, runs: st.saturationRuns, warmupSeconds: st.quick ? 1 : 2 },
      say,
    ).catch((e: Error): Unavailable => ({ ok: false, reason: e.message }));

    // The origin alone on a core, to show it is not the limit.
    let originCapacity: number | undefined;
    try {
      const w = await runWrk(sup, 'wrk-origin-capacity', { port: originPort, seconds: st.saturationSeconds, connections: st.wrkConnections, request: PLAIN_REQUEST, cpus: cfg.cores.proxy });
      originCapacity = w.rps;
    } catch (e) {
      say(`bench: origin capacity check failed: ${(e as Error).message}`);
    }

    const systems: SystemResult[] = rows.map((row) => {
      const id = row.result.id;
      if (row.runnable === undefined) return row.result;
      return {
        ...row.runnable.result,
        outcome: { ok: true, saturation: saturation.get(id) ?? [], fixedRate: fixed.get(id) ?? [], rssBytes: rss.get(id) ?? 0, anonRssBytes: anonRss.get(id) ?? 0, idleRssBytes: idleRss.get(id) ?? 0 },
      };
    });
    // Every proxy goes before the profile and the control plane, which want the cores to themselves.
    for (const r of runnables) for (const m of r.processes) await sup.stop(m);

    if (skipped === undefined) say('bench: profiling Weft under saturation');
    const profile = skipped ?? await profileWeft(sup, cfg, launcher, meshCa.identity, originPort, runnables.filter((r) => r.result.kind === 'weft').map((r) => r.result.id)).catch((e: Error): Unavailable => ({ ok: false, reason: e.message }));
    await sup.stop(origin);

    let compile: ControlPlaneResult['compile'] | undefined = skipped;
    let editToAck: ControlPlaneResult['editToAck'] | undefined = skipped;
    let editToAckWhole: ControlPlaneResult['editToAck'] | undefined = skipped;
    if (skipped === undefined) {
      say(`bench: control plane: compiling a mesh of ${cfg.mesh.services} services, ${cfg.mesh.virtualServices} VirtualServices, ${cfg.mesh.policies} AuthorizationPolicies for ${cfg.mesh.proxies} proxies`);
      compile = await runCompileMesh(sup, cfg.root, cfg.node, cfg.mesh, cfg.cores.proxy);
      const e = cfg.editToAck;
      say(`bench: control plane: edit-to-ACK, ${e.proxies} simulated proxies, mesh of ${e.services} services${cfg.editToAck.services < ISSUE_MESH.services ? ' (BENCH_CONTROL_PLANE=full for the issue\'s 2,000; it takes minutes)' : ''}`);
      editToAck = await runEditToAck(sup, cfg.root, cfg.node, cfg.editToAck, cfg.cores.proxy, cfg.cores.load, 'on-demand');
      say('bench: control plane: edit-to-ACK again, every proxy holding every virtual host (the worst case: a host all of them call)');
      editToAckWhole = await runEditToAck(sup, cfg.root, cfg.node, cfg.editToAck, cfg.cores.proxy, cfg.cores.load, 'whole');
    }

    const report: BenchReport = {
      command: cfg.command,
      machine: machine(loadBefore),
      tools,
      settings: st,
      systems,
      profile,
      controlPlane: { compile: compile ?? { ok: false, reason: 'not run' }, editToAck: editToAck ?? { ok: false, reason: 'not run' }, ...(editToAckWhole !== undefined ? { editToAckWhole } : {}) },
      latencyScheduling: realtime,
      http2,
      wallSeconds: (performance.now() - t0) / 1000,
      notes: notesFor(systems, originCapacity, cfg.cores, noise),
    };
    return report;
  } finally {
    await sup.stopAll();
    await closeMeshCa?.();
    removeCleanup();
  }
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (process.argv[2] === '--render') {
    // Render a saved report again (after changing the Markdown, say) without measuring.
    const from = process.argv[3];
    if (from === undefined) throw new Error('usage: node test/bench/main.ts --render REPORT.json [OUT.md]');
    const out = process.argv[4] ?? join(root, 'test/bench/RESULTS.md');
    writeFileSync(out, renderResults(JSON.parse(readFileSync(from, 'utf8')) as BenchReport));
    say(`wrote ${relative(root, out)} from ${from}`);
    return 0;
  }
  const cfg = configFrom(process.env, root);
  const report = await runBench(cfg);
  // The raw report, so the Markdown can be rendered again without measuring (--render FILE).
  writeFileSync(join(cfg.runDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  mkdirSync(dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, renderResults(report));
  say('');
  say(renderTable(report));
  say('');
  for (const n of report.notes) say(`note: ${n}`);
  const cp = report.controlPlane;
  say(cp.compile.ok ? `control plane: full compile ${Math.round(cp.compile.indexMs + cp.compile.proxiesMs)} ms (+ analysis ${Math.round(cp.compile.analysisMs)} ms), peak RSS ${Math.round(cp.compile.maxRssBytes / 2 ** 20)} MB` : `control plane: compile n/a: ${cp.compile.reason}`);
  say(cp.editToAck.ok ? `control plane: edit-to-ACK (${cp.editToAck.proxies} proxies, ${cp.editToAck.mesh.services} services) p50 ${Math.round(cp.editToAck.p50Ms)} ms, p99 ${Math.round(cp.editToAck.p99Ms)} ms, ${(cp.editToAck.bytesPerEdit / 2 ** 20).toFixed(0)} MiB per edit, RSS ${Math.round(cp.editToAck.memoryBytes / 2 ** 20)} MB` : `control plane: edit-to-ACK n/a: ${cp.editToAck.reason}`);
  say(report.profile.ok ? `profile: ${report.profile.file}` : `profile: n/a: ${report.profile.reason}`);
  say(`\nwrote ${relative(root, cfg.out)} (${Math.round(report.wallSeconds)} s)`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

