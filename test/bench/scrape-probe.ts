// How long /stats/prometheus scrapes hold the proxy's event loop: the proxy
// in this process (weft+all unless --variant), wrk warms it, then the loop's
// gaps over 0.5 ms are recorded, split into those during a scrape and the
// rest, while scrapes go out every --every ms (200), idle and at 1,000 req/s,
// --seconds (4) each; then the render alone, timed.
//   taskset -c 1 node --min-semi-space-size=4 --max-semi-space-size=4 test/bench/scrape-probe.ts [--every 2000 --seconds 12]
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLoadgen, runLoadgen, runWrk } from './measure.ts';
import { freePort, startOrigin } from './peers.ts';
import { installCleanup, Supervisor } from './procs.ts';
import { fetchOnce, planVariant, writeBootstrap, WEFT_VARIANTS } from './weft.ts';
import { startProxy } from '../../proxy/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const say = (l: string): void => void process.stderr.write(`${l}\n`);
const i = process.argv.indexOf('--variant');
const variantId = i >= 0 ? (process.argv[i + 1] ?? 'weft+all') : 'weft+all';
const e = process.argv.indexOf('--every');
const every = e >= 0 ? Number(process.argv[e + 1] ?? '200') : 200;
const s = process.argv.indexOf('--seconds');
const seconds = s >= 0 ? Number(process.argv[s + 1] ?? '4') : 4;
const runDir = join(root, '.cache/bench/scrape-run');
mkdirSync(runDir, { recursive: true });
const loadgen = join(root, '.cache/bench/loadgen');
buildLoadgen(loadgen);
const sup = new Supervisor(runDir);
const removeCleanup = installCleanup(sup, say);
try {
  const { port: originPort } = await startOrigin(sup, join(runDir, 'origin'), '0');
  const variant = WEFT_VARIANTS.find((v) => v.id === variantId);
  if (variant === undefined) throw new Error(`no variant ${variantId}`);
  const plan = await planVariant(variant, { origin: originPort, next: freePort });
  const p = plan.proxies[0];
  if (p === undefined) throw new Error('no proxy');
  const handle = await startProxy({ bootstrap: writeBootstrap(runDir, 'scrape', p.bootstrap) });
  await runWrk(sup, 'wrk-warm', { port: p.listenPort, seconds: 3, connections: 16, request: plan.request, cpus: '0' });
  for (const loaded of [false, true]) {
    const gaps: { at: number; ms: number }[] = [];
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      if (now - last > 1.5) gaps.push({ at: last, ms: now - last - 1 });
      last = now;
    }, 1);
    let bytes = 0;
    const scrapes: { at: number; ms: number }[] = [];
    const scr = setInterval(() => {
      const t0 = performance.now();
      void fetchOnce(p.adminPort, '/stats/prometheus')
        .then((r) => {
          bytes = r.body.length;
          scrapes.push({ at: t0, ms: performance.now() - t0 });
        })
        .catch(() => undefined);
    }, every);
    if (loaded) await runLoadgen(sup, loadgen, 'loadgen', { port: p.listenPort, rate: 1000, seconds, warmupSeconds: 0, connections: 16, request: plan.request, cpus: '0' });
    else await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(tick);
    clearInterval(scr);
    // Gaps that begin while a scrape is in flight, and the others.
    const during = gaps.filter((g) => scrapes.some((x) => g.at >= x.at - 1 && g.at <= x.at + x.ms));
    const sum = (l: { ms: number }[]): string => `${l.length}, ${l.reduce((a, g) => a + g.ms, 0).toFixed(1)} ms in all, largest ${[...l].sort((a, b) => b.ms - a.ms).slice(0, 5).map((g) => g.ms.toFixed(2)).join(', ')} ms`;
    say(`${loaded ? 'at 1,000 req/s' : 'idle'}: ${scrapes.length} scrapes of ${bytes} bytes every ${every} ms, round trips ${scrapes.map((x) => x.ms.toFixed(1)).join(' ')} ms; loop gaps over 0.5 ms during a scrape: ${sum(during)}; outside: ${sum(gaps.filter((g) => !during.includes(g)))}`);
  }
  const t = handle.telemetry;
  if (t !== undefined) {
    const times: number[] = [];
    for (let k = 0; k < 30; k++) {
      const t0 = performance.now();
      await t.prometheus();
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    times.sort((a, b) => a - b);
    say(`render alone (registry.metrics()), 30 times: median ${times[15]?.toFixed(2)} ms, max ${times[29]?.toFixed(2)} ms`);
  }
  await handle.drain(500).catch(() => undefined);
} finally {
  await sup.stopAll();
  removeCleanup();
}
process.exit(0);
