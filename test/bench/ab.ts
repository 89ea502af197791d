// Before/after for the proxy's hot path: nginx and several checkouts' `weft
// proxy` (one variant of the bench) measured in rotation in the same minutes,
// with the bench's own pieces (origin nginx and the load on core 0, proxies on
// core 1). On a shared machine only ratios taken in the same run mean much.
//
//   node test/bench/ab.ts --weft OLD_CHECKOUT --weft . --sat 7 --fixed 4
//   node test/bench/ab.ts --weft . --profile 5            a --cpu-prof of the first checkout at saturation
//   options: --variant weft+all (default) | --out DIR (default /tmp/weft-ab) | --sat-seconds 4 | --fixed-seconds 4
//            --no-scrape (metrics variants are scraped every 2 s, as the bench does) | QUIET_WAIT=ms (15000)
//
// Saturation: wrk, 16 connections; per run the proxy's requests per
// CPU-second over nginx's in the same round (×nginx/core; a run where the
// proxy or nginx got under 85% of its core is marked), and the proxy's user
// and system CPU per request (from /proc/PID/stat). Fixed rate: loadgen at
// 1,000 req/s with the origin and generator SCHED_FIFO and the proxies nice
// −20 (as the bench), p50/p99 added over direct, and CPU per request.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildLoadgen, runLoadgen, runWrk, waitForQuiet, PLAIN_REQUEST, type LoadRequest } from './measure.ts';
import { freePort, startOrigin, nginxProxyConf } from './peers.ts';
import { cpuTicks, installCleanup, processTree, setNice, setScheduling, Supervisor, USER_HZ, waitForPort } from './procs.ts';
import { fetchOnce, planVariant, writeBootstrap, WEFT_VARIANTS } from './weft.ts';
import { summarizeProfile } from './cpuprofile.ts';

const say = (l: string): void => void process.stderr.write(`${l}\n`);

interface Options {
  wefts: string[];
  variant: string;
  sat: number;
  fixed: number;
  profile: number;
  satSeconds: number;
  fixedSeconds: number;
  out: string;
  scrape: boolean;
}

function options(argv: readonly string[]): Options {
  const o: Options = { wefts: [], variant: 'weft+all', sat: 0, fixed: 0, profile: 0, satSeconds: 4, fixedSeconds: 4, out: '/tmp/weft-ab', scrape: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--weft') o.wefts.push(resolve(v()));
    else if (a === '--variant') o.variant = v();
    else if (a === '--sat') o.sat = Number(v());
    else if (a === '--fixed') o.fixed = Number(v());
    else if (a === '--profile') o.profile = Number(v());
    else if (a === '--sat-seconds') o.satSeconds = Number(v());
    else if (a === '--fixed-seconds') o.fixedSeconds = Number(v());
    else if (a === '--out') o.out = resolve(v());
    else if (a === '--no-scrape') o.scrape = false;
    else throw new Error(`unknown argument ${a} (see the header of test/bench/ab.ts)`);
  }
  if (o.wefts.length === 0) throw new Error('name at least one checkout with --weft DIR');
  return o;
}

const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  return v.length % 2 === 1 ? (v[(v.length - 1) / 2] ?? 0) : ((v[v.length / 2 - 1] ?? 0) + (v[v.length / 2] ?? 0)) / 2;
};

/** User and system ticks of these processes. */
function ticks(pids: readonly number[]): [number, number] {
  let u = 0;
  let k = 0;
  for (const p of pids) {
    try {
      const f = (readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
      u += Number(f[11]);
      k += Number(f[12]);
    } catch {
      // gone
    }
  }
  return [u, k];
}

interface System {
  readonly id: string;
  readonly port: number;
  readonly request: LoadRequest;
  readonly pid: number;
  /** Admin port to scrape like Prometheus while measuring; 0: none. */
  readonly admin: number;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const variant = WEFT_VARIANTS.find((v) => v.id === o.variant);
  if (variant === undefined) throw new Error(`no variant ${o.variant}: one of ${WEFT_VARIANTS.map((v) => v.id).join(', ')}`);
  if (variant.features.includes('mtls')) throw new Error('single-proxy variants only');
  mkdirSync(o.out, { recursive: true });
  const loadgen = join(o.out, 'loadgen');
  buildLoadgen(loadgen);
  const sup = new Supervisor(o.out);
  const removeCleanup = installCleanup(sup, say);
  const quiet = async (): Promise<void> => {
    const q = await waitForQuiet(() => [process.pid, ...sup.pids()], 0.25, Number(process.env['QUIET_WAIT'] ?? '15000'));
    if (!q.quiet) say(`  (not quiet: others used ${q.foreignCores.toFixed(2)} cores)`);
  };
  try {
    const { port: originPort, process: origin } = await startOrigin(sup, join(o.out, 'origin'), '0');
    const nd = join(o.out, 'nginx');
    mkdirSync(nd, { recursive: true });
    const nginxPort = await freePort();
    writeFileSync(join(nd, 'nginx.conf'), nginxProxyConf(nd, nginxPort, originPort));
    const ng = sup.start('nginx', 'nginx', ['-p', nd, '-e', join(nd, 'error.log'), '-c', join(nd, 'nginx.conf')], { cpus: '1' });
    await waitForPort(nginxPort, 'nginx', 10_000, ng);

    const systems: System[] = [{ id: 'nginx', port: nginxPort, request: PLAIN_REQUEST, pid: ng.pid, admin: 0 }];
    const profDir = join(o.out, 'profile');
    for (const [k, w] of o.wefts.entries()) {
      const plan = await planVariant(variant, { origin: originPort, next: freePort });
      const p = plan.proxies[0];
      if (p === undefined) throw new Error('no proxy in the plan');
      const file = writeBootstrap(o.out, `bootstrap-${k}`, p.bootstrap);
      const env: Record<string, string> = { NODE_ENV: 'production', NODE_COMPILE_CACHE: join(o.out, `compile-cache-${k}`) };
      if (o.profile > 0 && k === 0) {
        rmSync(profDir, { recursive: true, force: true });
        mkdirSync(profDir, { recursive: true });
        env['NODE_OPTIONS'] = `--cpu-prof --cpu-prof-dir=${profDir}`;
      }
      const m = sup.start(`weft-${k}`, join(w, 'bin/weft'), ['proxy', '--config', file], { cpus: '1', env });
      await waitForPort(p.listenPort, `weft proxy (${w})`, 20_000, m);
      const headers = Object.fromEntries(plan.request.headers.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]));
      const r = await fetchOnce(p.listenPort, plan.request.path, { authority: plan.request.authority, headers });
      if (r.status !== 200) throw new Error(`${w}: the load's request answered ${r.status}`);
      systems.push({ id: `${k}:${w}`, port: p.listenPort, request: plan.request, pid: m.pid, admin: variant.features.includes('metrics') && o.scrape ? p.adminPort : 0 });
    }
    const scraping = async <T>(port: number, work: () => Promise<T>): Promise<T> => {
      if (port === 0) return work();
      const t = setInterval(() => void fetchOnce(port, '/stats/prometheus').catch(() => undefined), 2000);
      try {
        return await work();
      } finally {
        clearInterval(t);
      }
    };
    for (const s of systems) await runWrk(sup, 'wrk-warm', { port: s.port, seconds: 2, connections: 16, request: s.request, cpus: '0' });

    const first = systems[1];
    if (o.profile > 0 && first !== undefined) {
      const from = Number(process.hrtime.bigint() / 1000n);
      const w = await runWrk(sup, 'wrk-profile', { port: first.port, seconds: o.profile, connections: 16, request: first.request, cpus: '0' });
      const to = Number(process.hrtime.bigint() / 1000n);
      process.kill(first.pid, 'SIGTERM');
      await sleep(3000);
      const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f));
      const file = files.sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0];
      if (file === undefined) throw new Error('the profiled proxy wrote no .cpuprofile');
      const sum = summarizeProfile(readFileSync(file, 'utf8'), o.wefts[0] ?? '.', file, { fromUs: from, toUs: to });
      say(`profile of ${first.id} at ${Math.round(w.rps)} req/s (profiler on): ${file}`);
      say(sum.categories.map((c) => `${c.name} ${(c.share * 100).toFixed(1)}%`).join(', '));
      for (const f of sum.functions.slice(0, 30)) say(`${(f.selfShare * 100).toFixed(1).padStart(5)}% self ${(f.totalShare * 100).toFixed(1).padStart(5)}% total  ${f.fn} ${f.where}`);
      return;
    }

    const perCore = new Map<string, number[]>();
    const vsNginx = new Map<string, number[]>();
    const user = new Map<string, number[]>();
    const sys = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number): void => void m.set(k, [...(m.get(k) ?? []), v]);
    for (let round = 0; round < o.sat; round++) {
      let nginx = 0;
      let nginxFull = false;
      for (const s of systems) {
        await quiet();
        const tree = processTree(s.pid);
        const t0 = cpuTicks(tree);
        const u0 = ticks(tree);
        const w = await scraping(s.admin, () => runWrk(sup, 'wrk', { port: s.port, seconds: o.satSeconds, connections: 16, request: s.request, cpus: '0' }));
        const cpu = (cpuTicks(tree) - t0) / USER_HZ / w.seconds;
        const u1 = ticks(tree);
        const pc = w.rps / Math.max(cpu, 0.01);
        const us = (t: number): number => (t / USER_HZ) * 1e6 / Math.max(1, w.requests);
        if (s.id === 'nginx') {
          nginx = pc;
          nginxFull = cpu >= 0.85;
        }
        push(perCore, s.id, pc);
        push(vsNginx, s.id, pc / nginx);
        push(user, s.id, us(u1[0] - u0[0]));
        push(sys, s.id, us(u1[1] - u0[1]));
        const full = cpu >= 0.85 && nginxFull ? '' : '  (under 85% of a core: others took it)';
        say(`saturation ${round}: ${s.id.padEnd(36)} ${Math.round(w.rps).toString().padStart(6)} req/s, cpu ${(cpu * 100).toFixed(0)}%, ${Math.round(pc)} per CPU-second, ×nginx ${(pc / nginx).toFixed(3)}, user ${us(u1[0] - u0[0]).toFixed(1)} µs + sys ${us(u1[1] - u0[1]).toFixed(1)} µs per request${w.non2xx + w.socketErrors > 0 ? `, errors ${w.non2xx + w.socketErrors}` : ''}${full}`);
      }
    }

    const direct: System = { id: 'direct', port: originPort, request: PLAIN_REQUEST, pid: 0, admin: 0 };
    const p50 = new Map<string, number[]>();
    const p99 = new Map<string, number[]>();
    const cpuAt1k = new Map<string, number[]>();
    if (o.fixed > 0) {
      const rt = processTree(origin.pid);
      const proxies = systems.flatMap((s) => processTree(s.pid));
      const problem = setScheduling(rt, 60) ?? setNice(proxies, -20);
      if (problem !== undefined) say(`fixed rate without priority: ${problem}`);
      try {
        for (let round = 0; round < o.fixed; round++) {
          for (const s of [direct, ...systems]) {
            await quiet();
            const tree = s.pid > 0 ? processTree(s.pid) : [];
            const c0 = ticks(tree);
            const g = await scraping(s.admin, () =>
              runLoadgen(sup, loadgen, 'loadgen', { port: s.port, rate: 1000, seconds: o.fixedSeconds, warmupSeconds: 1, connections: 16, request: s.request, cpus: '0', ...(problem === undefined ? { fifoPriority: 50 } : {}) }),
            );
            const c1 = ticks(tree);
            const cpuUs = ((c1[0] - c0[0] + (c1[1] - c0[1])) / USER_HZ) * 1e6 / Math.max(1, g.completed);
            push(p50, s.id, (g.latency_us?.p50 ?? Number.NaN) / 1000);
            push(p99, s.id, (g.latency_us?.p99 ?? Number.NaN) / 1000);
            if (s.pid > 0) push(cpuAt1k, s.id, cpuUs);
            say(`1,000 req/s ${round}: ${s.id.padEnd(36)} p50 ${((g.latency_us?.p50 ?? Number.NaN) / 1000).toFixed(3)} ms, p99 ${((g.latency_us?.p99 ?? Number.NaN) / 1000).toFixed(3)} ms${s.pid > 0 ? `, ${cpuUs.toFixed(0)} µs CPU per request` : ''}${g.errors + g.non2xx + g.unfinished > 0 ? `, errors ${g.errors + g.non2xx + g.unfinished}` : ''}`);
          }
        }
      } finally {
        if (problem === undefined) {
          setScheduling(rt, 'normal');
          setNice(proxies, 0);
        }
      }
    }

    const lines: string[] = [];
    for (const s of systems) {
      const r = vsNginx.get(s.id);
      if (r !== undefined) lines.push(`${s.id}: saturation ×nginx per CPU-second ${r.map((x) => x.toFixed(3)).join(' ')} (median ${median(r).toFixed(3)}); user ${median(user.get(s.id) ?? []).toFixed(1)} µs + sys ${median(sys.get(s.id) ?? []).toFixed(1)} µs per request (medians)`);
    }
    const d50 = median(p50.get('direct') ?? []);
    const d99 = median(p99.get('direct') ?? []);
    for (const s of [direct, ...systems]) {
      const a = p50.get(s.id);
      const b = p99.get(s.id);
      if (a === undefined || b === undefined) continue;
      const c = cpuAt1k.get(s.id);
      lines.push(`${s.id}: 1,000 req/s p50 ${a.map((x) => x.toFixed(3)).join(' ')} (added ${(median(a) - d50).toFixed(3)} ms), p99 ${b.map((x) => x.toFixed(3)).join(' ')} (added ${(median(b) - d99).toFixed(3)} ms)${c !== undefined ? `, CPU ${median(c).toFixed(0)} µs per request` : ''}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sup.stopAll();
    removeCleanup();
  }
}

await main();
