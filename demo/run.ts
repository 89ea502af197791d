// `make demo`: the shop inside the local mesh. Starts `weft up demo/mesh`,
// then the apps (frontend, reviews v1 and v2, ratings), each on the address
// weft up gave its workload and calling through its own proxy, then the
// traffic generator (loadgen, through its proxy), and prints a summary every
// few seconds. Ctrl-C stops everything; with DEMO_DURATION (e.g. `20s`) it
// stops by itself and exits 0 only when the split, the 403s and the faults
// were all seen.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { Traffic, configured, renderFrame } from './traffic.ts';
import { hopCounts, hopDelta, scrapeInbound, type HopCounts } from './hops.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MESH = join(ROOT, 'demo', 'mesh');
const STATUS = process.env['WEFT_STATUS_URL'] ?? 'http://127.0.0.1:15014';
const NODE_ARGS = ['--disable-warning=ExperimentalWarning'];

interface Workload {
  readonly namespace: string;
  readonly workload: string;
  readonly address: string;
  readonly outbound: string;
  readonly admin: string;
  readonly identity: { readonly state: string };
  readonly transport: string;
}

const APPS: Record<string, { file: string; port: number; env?: Record<string, string> }> = {
  frontend: { file: 'frontend.ts', port: 8080 },
  'reviews-v1': { file: 'reviews.ts', port: 9080, env: { VERSION: 'v1' } },
  'reviews-v2': { file: 'reviews.ts', port: 9080, env: { VERSION: 'v2' } },
  ratings: { file: 'ratings.ts', port: 9080 },
};

function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new Error(`DEMO_DURATION=${text}: use a duration such as 20s, 90s or 2m`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

const children: ChildProcess[] = [];
const say = (line: string): void => void process.stdout.write(`${line}\n`);

function start(name: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'pipe'] });
  children.push(child);
  child.stderr?.setEncoding('utf8');
  let buffered = '';
  child.stderr?.on('data', (chunk: string) => {
    buffered += chunk;
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      process.stderr.write(`  [${name}] ${buffered.slice(0, i)}\n`);
      buffered = buffered.slice(i + 1);
    }
  });
  return child;
}

async function getJson<T>(path: string): Promise<T | undefined> {
  try {
    const r = await fetch(`${STATUS}${path}`, { signal: AbortSignal.timeout(2000) });
    return r.ok ? ((await r.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, alive: () => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (!alive()) throw new Error(`${what}: a process it needs has exited`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => c.kill('SIGKILL'), 5000);
          c.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
}

async function main(): Promise<number> {
  const durationMs = parseDuration(process.env['DEMO_DURATION']);
  const rate = Number(process.env['DEMO_RATE'] ?? 20);
  const everyMs = Number(process.env['DEMO_EVERY_MS'] ?? 3000);
  let interrupted = false;
  let wake: () => void = () => {};
  let onInterrupt: () => void = () => {};
  const onSignal = (): void => {
    interrupted = true;
    onInterrupt();
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say(`starting the mesh: weft up ${relative(ROOT, MESH)}`);
  const up = start('weft up', ['operator/cli/main.ts', 'up', MESH]);
  const alive = (): boolean => up.exitCode === null && up.signalCode === null && !interrupted;
  const workloads = await until(
    'the mesh and its proxies',
    30_000,
    async () => {
      const ws = await getJson<Workload[]>('/workloads');
      const st = await getJson<{ proxies: { inSync: boolean }[] }>('/status');
      if (ws === undefined || st === undefined || ws.length < 5 || !st.proxies.every((p) => p.inSync)) return undefined;
      return ws;
    },
    alive,
  );
  const byName = new Map(workloads.map((w) => [w.workload, w]));
  for (const [name, app] of Object.entries(APPS)) {
    const w = byName.get(name);
    if (w === undefined) throw new Error(`demo/mesh has no workload ${name}`);
    start(name, [join('demo', 'apps', app.file)], { ADDRESS: w.address, PORT: String(app.port), PROXY: w.outbound, ...app.env });
  }
  const loadgen = byName.get('loadgen');
  if (loadgen === undefined) throw new Error('demo/mesh has no workload loadgen');
  // The apps are up when a request through the mesh gets an answer from frontend with reviews.
  const traffic = new Traffic({ proxy: loadgen.outbound, ratePerSecond: rate, deleteEvery: 10 });
  await until(
    'the apps',
    20_000,
    async () => {
      const { viaProxy } = await import('./apps/mesh-http.ts');
      const r = await viaProxy(loadgen.outbound, 'GET', 'http://frontend.shop.svc.cluster.local:8080/product/1', 2000);
      return r.status === 200 ? true : undefined;
    },
    () => alive() && children.every((c) => c.exitCode === null),
  );
  const hint = `edit ${relative(process.cwd(), join(MESH, 'reviews-canary.yaml'))} (the weights) and save: the split follows within a second; ${relative(process.cwd(), join(MESH, 'ratings-fault.yaml'))} sets the fault.${durationMs === undefined ? ' Ctrl-C stops.' : ''}`;
  say(`mesh and apps up: loadgen ${loadgen.address} → frontend ${byName.get('frontend')?.address} → reviews v1 ${byName.get('reviews-v1')?.address} / v2 ${byName.get('reviews-v2')?.address} → ratings ${byName.get('ratings')?.address}`);
  say(hint);
  // Hops between proxies as the receiving proxies counted them (reviews-v1 and -v2 are both `reviews`).
  const proxyHops = async (ws: readonly Workload[]): Promise<HopCounts> => {
    const scraped = await Promise.all(ws.map((x) => scrapeInbound(x.admin)));
    return hopCounts(scraped.flatMap((c) => c ?? []), (w) => w.replace(/-v\d+$/, ''), (sa) => sa);
  };
  let hopsBefore = await proxyHops(workloads);
  let hopsOverall: HopCounts = new Map();
  onInterrupt = () => traffic.interrupt();
  traffic.start();
  const frame = async (): Promise<string> => {
    const w = traffic.cut();
    const ws = (await getJson<Workload[]>('/workloads')) ?? workloads;
    const now = await proxyHops(ws);
    const window = hopDelta(now, hopsBefore);
    hopsBefore = now;
    hopsOverall = hopDelta(now, new Map());
    return renderFrame({
      elapsedS: (Date.now() - traffic.startedAt) / 1000,
      rate,
      window: w,
      total: traffic.total,
      configured: configured(MESH),
      mesh: { identities: ws.filter((x) => x.identity.state === 'valid').length, proxies: ws.length },
      proxyHops: { window, total: hopsOverall },
      editHint: hint,
    });
  };
  const endAt = durationMs === undefined ? Infinity : Date.now() + durationMs;
  while (!interrupted && Date.now() < endAt && alive()) {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, Math.min(everyMs, Math.max(0, endAt - Date.now())));
    });
    if (interrupted) break;
    say('');
    say(await frame());
  }
  await traffic.stop();
  traffic.cut();
  const t = traffic.total;
  // After Ctrl-C the proxies may already be gone (the whole group got SIGINT):
  // the counters only grow, so keep the larger of the last frame's and a final scrape.
  const last = hopsOverall;
  const final = await proxyHops((await getJson<Workload[]>('/workloads')) ?? workloads);
  hopsOverall = new Map();
  for (const k of new Set([...last.keys(), ...final.keys()])) {
    const a = last.get(k) ?? { mtls: 0, plaintext: 0 };
    const b = final.get(k) ?? { mtls: 0, plaintext: 0 };
    hopsOverall.set(k, { mtls: Math.max(a.mtls, b.mtls), plaintext: Math.max(a.plaintext, b.plaintext) });
  }
  const hopNames = ['loadgen→frontend', 'frontend→reviews', 'reviews→ratings'];
  const hopLine = hopNames.map((h) => `${h} mTLS ${hopsOverall.get(h)?.mtls ?? 0}, plaintext ${hopsOverall.get(h)?.plaintext ?? 0}`).join('; ');
  say('');
  say(`stopping (${interrupted ? 'interrupted' : durationMs !== undefined ? 'DEMO_DURATION reached' : 'the mesh stopped'}): ${t.requests} requests; reviews v1 ${t.v1}, v2 ${t.v2}; denied by policy ${t.denied}/${t.deletes}; ratings faults ${t.faults}/${t.ratingsCalls}; other errors ${t.errors}`);
  say(`between proxies (counted by the receiving proxies): ${hopLine}`);
  const upExited = !alive() && !interrupted;
  await stopAll();
  if (upExited) return 1;
  if (durationMs === undefined) return 0;
  const checks: Array<[string, boolean]> = [
    ['both reviews versions answered', t.v1 > 0 && t.v2 > 0],
    ['DELETE denied with 403', t.denied > 0 && t.denied === t.deletes],
    ['ratings faults injected', t.faults > 0],
    ['every hop between proxies mTLS', hopNames.every((h) => (hopsOverall.get(h)?.mtls ?? 0) > 0 && hopsOverall.get(h)?.plaintext === 0)],
  ];
  for (const [what, ok] of checks) say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  return checks.every(([, ok]) => ok) ? 0 : 1;
}

process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
    await stopAll();
    process.exitCode = 1;
  },
);
