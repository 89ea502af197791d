// Resident memory of one Weft proxy at the bench's fixed rate, next to the
// floor (a few lines of node:net forwarding bytes, same Node, same flags), with
// the bench's own pieces: the origin nginx and loadgen on core 0, the proxy on
// core 1, VmRSS sampled every 100 ms, and where the pages are (smaps).
//
//   node test/bench/memory.ts                       weft + routing, metrics, authz, and the floor
//   node test/bench/memory.ts --variant weft        another of the bench's variants
//   node test/bench/memory.ts --saturate 4          wrk for 4 s before the fixed-rate run (as the bench does)
//   node test/bench/memory.ts --h2load 4           h2load (HTTP/2) for 4 s before it (the bench's h2c rows)
//   node test/bench/memory.ts --throughput 3        also saturation req/s: nginx, weft, the floor, in rotation
//   node test/bench/memory.ts --env MALLOC_ARENA_MAX=2 --node-options=--v8-pool-size=1
//                                                   the proxy (and the floor) with extra environment
//   node test/bench/memory.ts --flags '--max-semi-space-size=4 --single-threaded-gc'
//                                                   the proxy on these Node flags instead of bin/weft's
//   node test/bench/memory.ts --weft /work/main --weft .   two checkouts side by side (before/after)
//   node test/bench/memory.ts --ads                 the sidecar's case: ADS (delta) from a control plane
//                                                   started here (xDS server, distributor, test/golden's
//                                                   shop mesh), productpage's proxy, load to reviews
//   node test/bench/memory.ts --ads --mesh-services 2000 [--vhds on-demand|whole|inline]
//                                                   the same in a mesh grown by the scale bench's
//                                                   Services (large-mesh.ts); virtual hosts on demand
//                                                   (the sidecar's default), all over VHDS (no
//                                                   on_demand filter), or inline in the routes
//   node test/bench/memory.ts --bootstrap FILE      a bootstrap of your own (e.g. ADS); --no-load for idle only
//
// Prints one block per system: idle RSS (3 s after the first request), peak
// RSS during 1,000 req/s, and the smaps split at the peak.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildLoadgen, runLoadgen, runWrk, waitForQuiet, PLAIN_REQUEST, type LoadRequest } from './measure.ts';
import { FLOOR_SOURCE, freePort, startOrigin, nginxProxyConf, weftProxyNodeFlags } from './peers.ts';
import { cpuTicks, installCleanup, processTree, Supervisor, USER_HZ, waitForPort, type Managed } from './procs.ts';
import { fetchOnce, planVariant, writeBootstrap, WEFT_VARIANTS } from './weft.ts';
import { allResources } from '../../operator/compile/proxy.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { MeshDistributor, sidecarResources } from '../../operator/xds/distributor.ts';
import type { ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer } from '../../operator/xds/server.ts';
import { TypeUrl } from '../../xds/types.ts';
import { shopMesh } from '../golden/meshes.ts';
import { largeMesh } from './large-mesh.ts';
import { deltaAdsBootstrap } from '../../operator/local/bootstrap.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const say = (line: string): void => void process.stderr.write(`${line}\n`);

interface Options {
  variant: string;
  bootstrap?: string;
  /** The ADS sidecar: a control plane here (the shop mesh), the proxy on an ADS bootstrap. */
  ads: boolean;
  /** Services of large-mesh.ts added to the shop mesh (with five VirtualServices each). */
  meshServices: number;
  /** How the sidecar takes virtual hosts. */
  vhds: 'on-demand' | 'whole' | 'inline';
  seconds: number;
  saturate: number;
  /** Seconds of h2load (HTTP/2, as the bench's h2c rows) before the fixed-rate run. */
  h2load: number;
  throughput: number;
  floor: boolean;
  load: boolean;
  env: Record<string, string>;
  /** Node flags to run the proxy with instead of bin/weft's (node operator/cli/main.ts proxy). */
  flags?: string[];
  /** Checkouts whose bin/weft to measure (default this one); more than one: each is a system. */
  weft: string[];
}

function options(argv: readonly string[]): Options {
  const o: Options = { variant: 'weft+all', seconds: 8, saturate: 0, h2load: 0, weft: [], ads: false, meshServices: 0, vhds: 'on-demand', throughput: 0, floor: true, load: true, env: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--variant') o.variant = next();
    else if (a === '--bootstrap') o.bootstrap = next();
    else if (a === '--ads') o.ads = true;
    else if (a === '--mesh-services') o.meshServices = Number(next());
    else if (a === '--vhds') {
      const v = next();
      if (v !== 'on-demand' && v !== 'whole' && v !== 'inline') throw new Error(`--vhds: ${v}: on-demand, whole or inline`);
      o.vhds = v;
    }
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--saturate') o.saturate = Number(next());
    else if (a === '--h2load') o.h2load = Number(next());
    else if (a === '--throughput') o.throughput = Number(next());
    else if (a === '--no-floor') o.floor = false;
    else if (a === '--weft') o.weft.push(resolve(next()));
    else if (a === '--flags') o.flags = next().split(/\s+/).filter((f) => f !== '');
    else if (a === '--no-load') o.load = false;
    else if (a === '--env') {
      const kv = next();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`--env wants NAME=VALUE, got ${kv}`);
      o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a.startsWith('--node-options=')) o.env['NODE_OPTIONS'] = `${o.env['NODE_OPTIONS'] ?? ''} ${a.slice('--node-options='.length)}`.trim();
    else throw new Error(`unknown argument ${a} (see the header of test/bench/memory.ts)`);
  }
  return o;
}

/** VmRSS and thread count from /proc/PID/status; the smaps_rollup split. */
export interface MemorySample {
  readonly rss: number;
  readonly threads: number;
  readonly anon: number;
  readonly file: number;
}

export function sample(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (re: RegExp, text: string): number => Number(re.exec(text)?.[1] ?? '0') * 1024;
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return { rss: kb(/^VmRSS:\s+(\d+) kB/m, status), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? '0'), anon: kb(/^Anonymous:\s+(\d+) kB/m, rollup), file: kb(/^Rss:\s+(\d+) kB/m, rollup) - kb(/^Anonymous:\s+(\d+) kB/m, rollup) };
}

/** Resident bytes per mapping kind from /proc/PID/smaps: the node binary, other files, [heap] (brk malloc), [stack], anonymous mappings. */
export function smapsSplit(pid: number): Map<string, number> {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const out = new Map<string, number>();
  let kind = 'anon';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      const name = head[1] ?? '';
      kind = name === '' ? 'anonymous' : name === '[heap]' ? 'malloc [heap]' : name.startsWith('[') ? name : name.endsWith('/node') ? 'node binary' : name.includes('.so') ? 'shared libraries' : `file ${name.split('/').pop() ?? name}`;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) out.set(kind, (out.get(kind) ?? 0) + Number(rss[1]) * 1024);
  }
  return out;
}

const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : v.length % 2 === 1 ? (v[(v.length - 1) / 2] ?? 0) : ((v[v.length / 2 - 1] ?? 0) + (v[v.length / 2] ?? 0)) / 2;
};

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);

/**
 * A control plane in this process (the xDS server and distributor on the
 * shop mesh of test/golden) and an ADS bootstrap for productpage's sidecar,
 * as `weft up` writes them (delta ADS). Only two things differ from what the
 * compiler sends: the two bound listeners move to free loopback ports, and
 * every endpoint is the local origin, so the load never leaves the machine.
 */
async function adsSidecar(dir: string, originPort: number, meshServices: number, vhds: Options['vhds']): Promise<{ bootstrap: string; outboundPort: number; inSync: () => boolean; close: () => Promise<void> }> {
  const outboundPort = await freePort();
  const inboundPort = await freePort();
  const id = 'sidecar~127.0.0.1~productpage-1.shop~shop.svc.cluster.local';
  const local = (r: ResourceInput): ResourceInput => {
    if (r.typeUrl === TypeUrl.Listener && (r.name === 'virtualOutbound' || r.name === 'virtualInbound')) {
      return { ...r, resource: { ...r.resource, address: { socket_address: { address: '127.0.0.1', port_value: r.name === 'virtualOutbound' ? outboundPort : inboundPort } } } };
    }
    if (r.typeUrl === TypeUrl.ClusterLoadAssignment) {
      return { ...r, resource: { cluster_name: r.name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: originPort } } } }] }] } };
    }
    return r;
  };
  // Without on-demand, the sidecar's connection managers lose the on_demand filter (it then takes every virtual host).
  const strip = (r: ResourceInput): ResourceInput => (vhds === 'on-demand' || r.typeUrl !== TypeUrl.Listener ? r : { ...r, resource: JSON.parse(JSON.stringify(r.resource).replace(/\{"name":"envoy\.filters\.http\.on_demand","typed_config":\{[^}]*\}\},?/g, '')) as ResourceInput['resource'] });
  const dist = new MeshDistributor({
    resourcesFor: (m, who, compiler) =>
      vhds === 'inline'
        ? [...allResources(compiler.compileProxy({ namespace: who.namespace, workload: who.workload }))].map(local)
        : { parts: sidecarResources(compiler, { ...who, kind: 'sidecar' }).parts.map((p) => p.map((r) => strip(local(r)))), vhds: true },
  });
  const server = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  dist.bind(server.server);
  const shop = shopMesh();
  const big = meshServices > 0 ? largeMesh({ services: meshServices, virtualServices: 5 * meshServices, policies: 0 }) : undefined;
  const mesh: MeshSnapshot = big === undefined ? shop : { ...shop, registry: { services: [...shop.registry.services, ...big.registry.services], instances: [...shop.registry.instances, ...big.registry.instances] }, virtualServices: [...shop.virtualServices, ...big.virtualServices] };
  dist.meshChanged(mesh, 'v1');
  dist.flush();
  const bootstrap = join(dir, 'ads-sidecar.yaml');
  writeFileSync(
    bootstrap,
    `# productpage's sidecar on delta ADS: generated by test/bench/memory.ts
${JSON.stringify(deltaAdsBootstrap({ id, cluster: 'productpage.shop', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage', SERVICE_ACCOUNT: 'productpage', INSTANCE_IPS: '127.0.0.1' } }, server.port))}
`,
  );
  return { bootstrap, outboundPort, inSync: () => server.tracker.proxy(id)?.inSync === true, close: () => server.close(100) };
}

interface System {
  readonly id: string;
  readonly port: number;
  readonly request: LoadRequest;
  readonly process: Managed;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const runDir = join(root, '.cache/bench/memory-run');
  mkdirSync(runDir, { recursive: true });
  const loadgen = join(root, '.cache/bench/loadgen');
  buildLoadgen(loadgen);
  const sup = new Supervisor(runDir);
  const removeCleanup = installCleanup(sup, say);
  let stopControlPlane = async (): Promise<void> => undefined;
  try {
    const { port: originPort } = await startOrigin(sup, join(runDir, 'origin'), '0');

    const systems: System[] = [];
    const env = { NODE_ENV: 'production', ...o.env };
    if (o.ads) {
      const ads = await adsSidecar(runDir, originPort, o.meshServices, o.vhds);
      stopControlPlane = ads.close;
      const checkout = o.weft[0] ?? root;
      const cache = checkout === root ? join(root, '.cache/node-compile-cache') : join(runDir, `compile-cache-${checkout.replace(/[^a-z0-9]+/gi, '_')}`);
      const m = sup.start('weft-ads', join(checkout, 'bin/weft'), ['proxy', '--config', ads.bootstrap, '--plaintext-for-tls', '--admin-port', String(await freePort())], { cpus: '1', env: { NODE_COMPILE_CACHE: cache, ...env } });
      await waitForPort(ads.outboundPort, 'weft proxy (ADS)', 20_000, m);
      const deadline = Date.now() + 20_000;
      while (!ads.inSync() && Date.now() < deadline) await sleep(100);
      if (!ads.inSync()) throw new Error('the ADS proxy did not acknowledge its config within 20 s');
      systems.push({ id: `weft sidecar on ADS (shop mesh${o.meshServices > 0 ? ` + ${o.meshServices} Services` : ''}, productpage, virtual hosts ${o.vhds})`, port: ads.outboundPort, request: { path: '/', authority: 'reviews.shop.svc.cluster.local:9080', headers: [] }, process: m });
    } else if (o.bootstrap !== undefined) {
      const m = sup.start('weft-custom', join(root, 'bin/weft'), ['proxy', '--config', o.bootstrap], { cpus: '1', env });
      const port = Number(process.env['MEMORY_LISTEN_PORT'] ?? '0');
      if (port > 0) await waitForPort(port, 'weft proxy', 20_000, m);
      else await sleep(5000);
      systems.push({ id: 'weft (own bootstrap)', port, request: PLAIN_REQUEST, process: m });
    } else {
      const variant = WEFT_VARIANTS.find((v) => v.id === o.variant);
      if (variant === undefined) throw new Error(`no variant ${o.variant}: one of ${WEFT_VARIANTS.map((v) => v.id).join(', ')}`);
      const plan = await planVariant(variant, { origin: originPort, next: freePort });
      const p = plan.proxies[0];
      if (p === undefined || plan.proxies.length > 1) throw new Error(`${o.variant}: only single-proxy variants here`);
      const file = writeBootstrap(runDir, o.variant.replace(/[^a-z0-9.-]+/gi, '_'), p.bootstrap);
      for (const checkout of o.weft.length > 0 ? o.weft : [root]) {
        const [command, args] = o.flags === undefined ? [join(checkout, 'bin/weft'), ['proxy', '--config', file]] : [process.execPath, [...o.flags, join(checkout, 'operator/cli/main.ts'), 'proxy', '--config', file]];
        // Each its own ports: the bench's plan with this copy's listener and admin ports.
        const q = checkout === root && o.weft.length <= 1 ? p : (await planVariant(variant, { origin: originPort, next: freePort })).proxies[0];
        if (q === undefined) throw new Error('no proxy in the plan');
        const f = q === p ? file : writeBootstrap(runDir, `${o.variant.replace(/[^a-z0-9.-]+/gi, '_')}-${systems.length}`, q.bootstrap);
        const argv = args.map((a) => (a === file ? f : a));
        const m = sup.start(`weft-${systems.length}`, command, argv, { cpus: '1', env: { NODE_COMPILE_CACHE: checkout === root ? join(root, '.cache/node-compile-cache') : join(runDir, `compile-cache-${checkout.replace(/[^a-z0-9]+/gi, '_')}`), ...env } });
        await waitForPort(q.listenPort, 'weft proxy', 20_000, m);
        systems.push({ id: o.weft.length > 1 ? `${variant.label} [${checkout}]` : variant.label, port: q.listenPort, request: plan.request, process: m });
      }
    }
    if (o.floor) {
      const file = join(runDir, 'floor.mjs');
      writeFileSync(file, FLOOR_SOURCE);
      const port = await freePort();
      const m = sup.start('floor', process.execPath, [...weftProxyNodeFlags(root), file, String(port), String(originPort)], { cpus: '1', env });
      await waitForPort(port, 'floor forwarder', 10_000, m);
      systems.push({ id: `floor: node:net forwarder (${weftProxyNodeFlags(root).join(' ')})`, port, request: PLAIN_REQUEST, process: m });
    }
    let nginxPort = 0;
    let nginxPid = 0;
    if (o.throughput > 0) {
      const dir = join(runDir, 'nginx');
      mkdirSync(dir, { recursive: true });
      nginxPort = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxProxyConf(dir, nginxPort, originPort));
      const m = sup.start('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { cpus: '1' });
      await waitForPort(nginxPort, 'nginx', 10_000, m);
      nginxPid = m.pid;
    }

    for (const s of systems) {
      if (s.port > 0) {
        const headers = Object.fromEntries(s.request.headers.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]));
        const r = await fetchOnce(s.port, s.request.path, { authority: s.request.authority, headers });
        if (r.status !== 200) throw new Error(`${s.id}: the load's request answered ${r.status}`);
      }
    }
    await sleep(3000);
    const idle = new Map(systems.map((s) => [s.id, sample(s.process.pid)]));

    const rps = new Map<string, number[]>();
    const perCore = new Map<string, number[]>();
    if (o.throughput > 0) {
      const rot: { id: string; port: number; request: LoadRequest }[] = [{ id: 'nginx', port: nginxPort, request: PLAIN_REQUEST }, ...systems];
      for (const r of rot) await runWrk(sup, `wrk-warm`, { port: r.port, seconds: 2, connections: 16, request: r.request, cpus: '0' });
      // Each run waits for a quiet moment (the machine is shared) and also
      // counts the proxy's CPU time, so req/s per CPU-second of the proxy can
      // be compared when others took some of its core anyway.
      const procOf = new Map<string, number>(systems.map((s) => [s.id, s.process.pid]));
      procOf.set('nginx', nginxPid);
      for (let round = 0; round < o.throughput; round++) {
        for (const r of rot) {
          await waitForQuiet(() => [process.pid, ...sup.pids()], 0.25, 8000);
          const tree = processTree(procOf.get(r.id) ?? 0);
          const t0 = cpuTicks(tree);
          const w = await runWrk(sup, `wrk`, { port: r.port, seconds: 4, connections: 16, request: r.request, cpus: '0' });
          const cpu = (cpuTicks(tree) - t0) / USER_HZ / w.seconds;
          rps.set(r.id, [...(rps.get(r.id) ?? []), w.rps]);
          perCore.set(r.id, [...(perCore.get(r.id) ?? []), w.rps / Math.max(cpu, 0.01)]);
        }
      }
    }

    const peak = new Map<string, MemorySample>();
    const split = new Map<string, Map<string, number>>();
    for (const s of systems) {
      if (!o.load || s.port === 0) continue;
      if (o.saturate > 0) await runWrk(sup, 'wrk-saturate', { port: s.port, seconds: o.saturate, connections: 16, request: s.request, cpus: '0' });
      if (o.h2load > 0) {
        const args = ['-c', '16', '-m', '1', '-D', String(o.h2load), '-H', `:authority: ${s.request.authority}`, ...s.request.headers.flatMap((h) => ['-H', h]), `http://127.0.0.1:${s.port}${s.request.path}`];
        await sup.run('h2load', 'h2load', args, { cpus: '0', timeoutMs: (o.h2load + 30) * 1000 });
        say(`${s.id}: RSS after ${o.h2load} s of h2load ${mb(sample(s.process.pid).rss)} MB`);
      }
      let max = sample(s.process.pid);
      const timer = setInterval(() => {
        const x = sample(s.process.pid);
        if (x.rss > max.rss) max = x;
      }, 100);
      const g = await runLoadgen(sup, loadgen, 'loadgen', { port: s.port, rate: 1000, seconds: o.seconds, warmupSeconds: 1, connections: 16, request: s.request, cpus: '0' });
      clearInterval(timer);
      peak.set(s.id, max);
      split.set(s.id, smapsSplit(s.process.pid));
      say(`${s.id}: ${g.achieved_rps.toFixed(0)} req/s achieved, p50 ${((g.latency_us?.p50 ?? NaN) / 1000).toFixed(3)} ms, p99 ${((g.latency_us?.p99 ?? NaN) / 1000).toFixed(3)} ms, errors ${g.errors + g.non2xx + g.unfinished}`);
    }

    const lines: string[] = [];
    for (const s of systems) {
      const i = idle.get(s.id);
      const p = peak.get(s.id);
      lines.push(`${s.id}`);
      if (i !== undefined) lines.push(`  idle RSS ${mb(i.rss)} MB (anon ${mb(i.anon)}, file ${mb(i.file)}), ${i.threads} threads`);
      if (p !== undefined) lines.push(`  peak RSS at 1,000 req/s ${mb(p.rss)} MB (anon ${mb(p.anon)}, file ${mb(p.file)}), ${p.threads} threads`);
      const sp = split.get(s.id);
      if (sp !== undefined) lines.push(`  after the load: ${[...sp].filter(([, b]) => b >= 256 * 1024).sort((a, b) => b[1] - a[1]).map(([k, b]) => `${k} ${mb(b)}`).join(', ')}`);
      const r = rps.get(s.id);
      if (r !== undefined) lines.push(`  saturation req/s ${r.map((x) => Math.round(x)).join(', ')} (median ${Math.round(median(r))}); per CPU-second ${(perCore.get(s.id) ?? []).map((x) => Math.round(x)).join(', ')} (median ${Math.round(median(perCore.get(s.id) ?? []))})`);
    }
    const n = rps.get('nginx');
    if (n !== undefined) lines.push(`nginx (1 worker) saturation req/s ${n.map((x) => Math.round(x)).join(', ')} (median ${Math.round(median(n))}); per CPU-second ${(perCore.get('nginx') ?? []).map((x) => Math.round(x)).join(', ')} (median ${Math.round(median(perCore.get('nginx') ?? []))})`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sup.stopAll();
    await stopControlPlane();
    removeCleanup();
  }
}

await main();
