// Resident memory after each of the proxy's top-level imports, one at a time,
// then after starting the proxy from a bootstrap: what each module costs a
// started process (RSS, V8 heap used, external).
//
//   NODE_COMPILE_CACHE=.cache/node-compile-cache node --expose-gc --max-semi-space-size=4 \
//     test/bench/memory-imports.ts [BOOTSTRAP]
//
// Later steps include what earlier ones loaded; the deltas are what each adds.

import { readFileSync } from 'node:fs';

const gc = (globalThis as { gc?: () => void }).gc;
const steps: [string, () => Promise<unknown>][] = [
  ['yaml', () => import('yaml')],
  ['pino', () => import('pino')],
  ['prom-client', () => import('prom-client')],
  ['re2js', () => import('re2js')],
  ['jose', () => import('jose')],
  ['protobufjs', () => import('protobufjs')],
  ['@grpc/grpc-js', () => import('@grpc/grpc-js')],
  ['xds/protos.ts (module)', () => import('../../xds/protos.ts')],
  ['Envoy protos parsed (envoyRoot())', async () => ((await import('../../xds/protos.ts')) as { envoyRoot: () => unknown }).envoyRoot()],
  ['proxy/index.ts', () => import('../../proxy/index.ts')],
  ['operator/cli/proxy.ts', () => import('../../operator/cli/proxy.ts')],
];

function line(what: string, prev: { rss: number; heap: number; ext: number }): { rss: number; heap: number; ext: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0') / 1024;
  const now = { rss, heap: m.heapUsed / 2 ** 20, ext: m.external / 2 ** 20 };
  const d = (a: number, b: number): string => `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(1)}`;
  process.stdout.write(`${what.padEnd(40)} rss ${now.rss.toFixed(1).padStart(6)} (${d(now.rss, prev.rss).padStart(6)})  heap ${now.heap.toFixed(1).padStart(5)} (${d(now.heap, prev.heap).padStart(5)})  external ${now.ext.toFixed(1)}${(process as unknown as { moduleLoadList: string[] }).moduleLoadList.some((m) => m.includes('undici')) ? '  (undici loaded)' : ''}\n`);
  return now;
}

let prev = line('start', { rss: 0, heap: 0, ext: 0 });
for (const [what, load] of steps) {
  await load();
  prev = line(what, prev);
}
const bootstrap = process.argv[2];
if (bootstrap !== undefined) {
  const { startProxy } = await import('../../proxy/index.ts');
  const h = await startProxy({ bootstrap });
  await new Promise((r) => setTimeout(r, 1000));
  prev = line(`startProxy(${bootstrap.split('/').pop() ?? ''})`, prev);
  (await import('../../xds/protos.ts')).releaseEnvoyRoot();
  prev = line('releaseEnvoyRoot()', prev);
  const t0 = performance.now();
  (gc as unknown as (o: object) => void)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  prev = line(`gc last-resort (${(performance.now() - t0).toFixed(0)} ms)`, prev);
  await new Promise((r) => setTimeout(r, 1000));
  prev = line('1 s later', prev);
  await h.drain(100);
  process.exit(0);
}
