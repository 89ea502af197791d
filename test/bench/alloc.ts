// Where the proxy allocates per request: V8's sampling heap profiler (every
// allocation sampled, the ones scavenged since included) over a fixed-rate
// run of one of the bench's single-proxy variants. The proxy runs in this
// process (startProxy, pinned to core 1), the origin nginx and the load on
// core 0. Prints the top allocation sites by bytes per request.
//
//   taskset -c 1 node test/bench/alloc.ts [--variant weft+all] [--seconds 5] [--top 30]

import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { buildLoadgen, runLoadgen, runWrk } from './measure.ts';
import { freePort, startOrigin } from './peers.ts';
import { installCleanup, Supervisor } from './procs.ts';
import { planVariant, writeBootstrap, WEFT_VARIANTS } from './weft.ts';
import { startProxy } from '../../proxy/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const say = (l: string): void => void process.stderr.write(`${l}\n`);

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const variantId = arg('--variant', 'weft+all');
const seconds = Number(arg('--seconds', '5'));
const top = Number(arg('--top', '30'));

interface Node {
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly selfSize: number;
  readonly children: readonly Node[];
}

const runDir = join(root, '.cache/bench/alloc-run');
mkdirSync(runDir, { recursive: true });
const loadgen = join(root, '.cache/bench/loadgen');
buildLoadgen(loadgen);
const sup = new Supervisor(runDir);
const removeCleanup = installCleanup(sup, say);
try {
  const { port: originPort } = await startOrigin(sup, join(runDir, 'origin'), '0');
  const variant = WEFT_VARIANTS.find((v) => v.id === variantId);
  if (variant === undefined || variant.features.includes('mtls')) throw new Error(`--variant: one of ${WEFT_VARIANTS.filter((v) => !v.features.includes('mtls')).map((v) => v.id).join(', ')}`);
  const plan = await planVariant(variant, { origin: originPort, next: freePort });
  const p = plan.proxies[0];
  if (p === undefined) throw new Error('no proxy in the plan');
  const handle = await startProxy({ bootstrap: writeBootstrap(runDir, 'alloc', p.bootstrap) });
  const port = p.listenPort;
  // Warm: JIT, pools.
  await runWrk(sup, 'wrk-warm', { port, seconds: 3, connections: 16, request: plan.request, cpus: '0' });
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const g = await runLoadgen(sup, loadgen, 'loadgen', { port, rate: 1000, seconds, warmupSeconds: 0, connections: 16, request: plan.request, cpus: '0' });
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
  session.disconnect();
  const requests = g.latency_us?.count ?? seconds * 1000;
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (n: Node, stack: string[]): void => {
    const f = n.callFrame;
    const here = `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\/.*?\/(proxy|node_modules|xds|operator)\//, '$1/').replace(/^node:/, 'node:')}:${f.lineNumber + 1}`;
    if (n.selfSize > 0) {
      // Attribute to the innermost frame of ours (or a library's) when the allocating frame is Node's or V8's.
      const ours = [here, ...stack].find((s) => /(^| )(proxy|xds|operator|node_modules)\//.test(s)) ?? here;
      const key = ours === here ? here : `${here}  ← ${ours}`;
      sites.set(key, (sites.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, [here, ...stack]);
  };
  walk(profile.head, []);
  say(`${variant.label}: ${requests} requests at 1,000 req/s; sampled allocation ${(total / requests / 1024).toFixed(2)} KB per request`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, top)) say(`${(bytes / requests).toFixed(0).padStart(6)} B/req  ${site}`);
  await handle.drain(1000).catch(() => undefined);
} finally {
  await sup.stopAll();
  removeCleanup();
}
process.exit(0);
