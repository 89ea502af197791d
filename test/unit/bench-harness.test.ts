// The benchmark harness's own parts, without the root-installed peers: the
// fixed-rate load generator (built with gcc) against Node origins, the
// process supervisor and its clean-up on Ctrl-C, the wrk and loadgen parsers,
// the CPU-profile summary on a real profile, the Weft bootstraps through the
// Envoy protos, the feature probes against a proxy that ignores its features,
// and the table and RESULTS.md rendering.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { summarizeProfile } from '../bench/cpuprofile.ts';
import { buildLoadgen, loadgenArgs, parseLoadgen, parseWrk, type LoadgenResult } from '../bench/measure.ts';
import { freePort, nginxProxyConf, ORIGIN_BODY } from '../bench/peers.ts';
import { parseH2load } from '../bench/http2.ts';
import { renderHttp2 } from '../bench/report.ts';
import { processTree, Supervisor, waitForPort } from '../bench/procs.ts';
import {
  DATA_PLANE_HEADER,
  markdownTable,
  renderResults,
  renderTable,
  stallNotes,
  targetChecks,
  type BenchReport,
  type Measured,
  type SystemResult,
} from '../bench/report.ts';
import { planVariant, probeVariant, ROUTED_PATH, WEFT_VARIANTS } from '../bench/weft.ts';
import { checkResource, encodeResource } from '../../xds/codec.ts';
import { edsNameOfCluster } from '../bench/edit-to-ack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'weft-bench-test-'));
const LOADGEN = join(work, 'loadgen');
test.after(() => rmSync(work, { recursive: true, force: true }));

async function origin(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

// Asynchronous: the origins live in this process's event loop.
function loadgenAsync(port: number, over: Partial<Parameters<typeof loadgenArgs>[0]> = {}): Promise<LoadgenResult> {
  const args = loadgenArgs({ port, rate: 200, seconds: 1, warmupSeconds: 0.2, connections: 4, request: { path: '/', authority: 'bench.local', headers: [] }, ...over });
  return new Promise((resolve, reject) => {
    const child = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(parseLoadgen(out)) : reject(new Error(`loadgen exited ${code}: ${err}`))));
  });
}

test('the load generator builds with gcc (the harness needs gcc: test/bench/install-tools.sh installs it)', () => {
  const version = buildLoadgen(LOADGEN);
  assert.ok(existsSync(LOADGEN));
  assert.match(version, /^loadgen\.c #[0-9a-f]{8}$/);
  // A second call finds it fresh and does not rebuild.
  const built = statSync(LOADGEN).mtimeMs;
  assert.equal(buildLoadgen(LOADGEN), version);
  assert.equal(statSync(LOADGEN).mtimeMs, built);
});

test('loadgen holds the rate against a Node origin, counts every answer and orders its percentiles', async () => {
  buildLoadgen(LOADGEN);
  let seen = 0;
  const hosts = new Set<string>();
  const { server, port } = await origin((req, res) => {
    seen++;
    hosts.add(req.headers.host ?? '');
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(ORIGIN_BODY.length) });
    res.end(ORIGIN_BODY);
  });
  try {
    const r = await loadgenAsync(port, { rate: 400, seconds: 1, warmupSeconds: 0.25 });
    assert.equal(r.errors, 0);
    assert.equal(r.non2xx, 0);
    assert.equal(r.unfinished, 0);
    assert.equal(r.completed, r.scheduled);
    assert.equal(seen, r.completed);
    // 400/s for 1.25 s, give or take the one in flight at the edges
    assert.ok(Math.abs(r.scheduled - 500) <= 2, `scheduled ${r.scheduled}`);
    assert.ok(Math.abs(r.recorded_scheduled - 400) <= 2, `recorded ${r.recorded_scheduled}`);
    assert.deepEqual([...hosts], ['bench.local']);
    const lat = r.latency_us;
    assert.ok(lat !== null);
    assert.equal(lat.count, r.recorded_scheduled);
    assert.ok(lat.min > 0 && lat.min <= lat.p50 && lat.p50 <= lat.p90 && lat.p90 <= lat.p99 && lat.p99 <= lat.p999 && lat.p999 <= lat.max, JSON.stringify(lat));
    // From the scheduled time is never shorter than from the write.
    assert.ok(r.service_us !== null && r.service_us.p50 <= lat.p50 + 1);
    assert.ok(r.timer_lag_us !== null && r.timer_lag_us.count > 0);
  } finally {
    await close(server);
  }
});

test('loadgen measures from the scheduled time: one stall shows in every request queued behind it (no coordinated omission)', async () => {
  buildLoadgen(LOADGEN);
  let n = 0;
  const { server, port } = await origin((_req, res) => {
    n++;
    const answer = (): void => {
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    };
    // The 100th request (in the recorded part) stalls for 300 ms.
    if (n === 100) setTimeout(answer, 300);
    else answer();
  });
  try {
    // One connection: every request scheduled during the stall waits for it.
    const r = await loadgenAsync(port, { rate: 200, seconds: 1.5, warmupSeconds: 0.1, connections: 1 });
    assert.equal(r.errors, 0);
    const lat = r.latency_us;
    const svc = r.service_us;
    assert.ok(lat !== null && svc !== null);
    // 300 ms at 200/s queues about 60 requests behind the stalled one: well over 1% of 300 samples.
    assert.ok(lat.p90 >= 50_000, `p90 from the schedule should carry the stall: ${lat.p90} us`);
    assert.ok(lat.max >= 290_000, `max ${lat.max} us`);
    // Measured from the write, only the stalled request itself is slow.
    assert.ok(svc.p90 < 50_000, `service p90 ${svc.p90} us`);
  } finally {
    await close(server);
  }
});

test('loadgen reads chunked bodies and Connection: close, and counts a reset connection as an error without stopping', async () => {
  buildLoadgen(LOADGEN);
  let n = 0;
  const { server, port } = await origin((req, res) => {
    n++;
    if (n % 50 === 0) {
      req.socket.destroy(); // a reset mid-request
      return;
    }
    if (n % 3 === 0) res.setHeader('connection', 'close');
    // No content-length: Node sends a chunked body in two chunks.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('hello ');
    res.end('world');
  });
  try {
    const r = await loadgenAsync(port, { rate: 300, seconds: 1, warmupSeconds: 0 });
    const resets = Math.floor(n / 50);
    assert.ok(resets >= 5, `the origin reset ${resets} connections`);
    assert.equal(r.errors, resets);
    assert.equal(r.completed + r.errors + r.unfinished, r.scheduled);
    assert.equal(r.non2xx, 0);
    assert.ok(r.connects > 4 + resets, `reconnected after close and resets: ${r.connects}`);
  } finally {
    await close(server);
  }
});

test('loadgen refuses a bad command line and reports an origin that is not there', () => {
  buildLoadgen(LOADGEN);
  assert.throws(() => execFileSync(LOADGEN, ['--rate', '10'], { stdio: 'pipe' }), (e: { status?: number }) => e.status === 2);
  assert.throws(
    () => execFileSync(LOADGEN, ['--port', '1', '--duration', '0.1', '--connections', '1'], { stdio: 'pipe' }),
    (e: { status?: number; stderr?: Buffer }) => e.status === 1 && /could not connect/.test(e.stderr?.toString() ?? ''),
  );
});

test('parseWrk reads wrk 4.1 summaries, with and without errors, and names what is missing', () => {
  const ok = `Running 5s test @ http://127.0.0.1:18081/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   197.21us   51.11us   1.74ms   78.03%
    Req/Sec    59.57k     7.41k   68.63k    49.02%
  302069 requests in 5.10s, 47.82MB read
Requests/sec:  59231.35
Transfer/sec:      9.38MB
`;
  assert.deepEqual(parseWrk(ok), { requests: 302069, seconds: 5.1, rps: 59231.35, non2xx: 0, socketErrors: 0 });
  const bad = `Running 2s test @ http://127.0.0.1:1/
  1 threads and 4 connections
  1200 requests in 2.00s, 100.00KB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 17
Requests/sec:    600.00
Transfer/sec:     50.00KB
`;
  assert.deepEqual(parseWrk(bad), { requests: 1200, seconds: 2, rps: 600, non2xx: 17, socketErrors: 6 });
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'), /no "Requests\/sec" summary.*Connection refused/s);
});

test('parseLoadgen names the field that is missing', () => {
  assert.throws(() => parseLoadgen('{"rate":1}'), /scheduled is missing/);
  assert.throws(() => parseLoadgen('not json'), /one JSON object/);
});

test('the supervisor stops a whole process group, and run() returns stdout or says which command failed', async () => {
  const sup = new Supervisor(work);
  // A shell with two children: stopping the shell's group ends them too.
  const m = sup.start('group', 'sh', ['-c', 'sleep 60 & sleep 60 & wait']);
  await sleep(200);
  const tree = processTree(m.pid);
  assert.equal(tree.length, 3, `sh and two sleeps: ${tree.join(' ')}`);
  await sup.stop(m, 500);
  await sleep(100);
  for (const pid of tree) assert.equal(existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), false, `pid ${pid} still running`);
  assert.equal(await sup.run('echo', 'sh', ['-c', 'echo out; echo err >&2']), 'out\n');
  await assert.rejects(sup.run('fails', 'sh', ['-c', 'echo broken >&2; exit 3']), /fails: sh -c .* exited with 3:\nbroken/);
  await assert.rejects(sup.run('slow', 'sleep', ['5'], { timeoutMs: 200 }), /ended by SIGKILL \(time limit 200 ms\)/);
  assert.deepEqual(sup.pids(), []);
});

test('waitForPort says when the process died before listening, with its output', async () => {
  const sup = new Supervisor(work);
  const m = sup.start('dies', 'sh', ['-c', 'echo "config error: no such directive" >&2; exit 1']);
  await assert.rejects(waitForPort(1, 'a proxy', 5000, m), /a proxy exited before listening on 127\.0\.0\.1:1:\nconfig error: no such directive/);
  await sup.stopAll();
});

test('Ctrl-C on the harness ends every process it started', async () => {
  const procs = new URL('../bench/procs.ts', import.meta.url).href;
  const script = `
    import { Supervisor, installCleanup } from ${JSON.stringify(procs)};
    const sup = new Supervisor(${JSON.stringify(work)});
    installCleanup(sup, (l) => process.stderr.write(l + '\\n'));
    const a = sup.start('a', 'sleep', ['60']);
    const b = sup.start('b', 'sh', ['-c', 'sleep 60 & wait']);
    process.stdout.write(JSON.stringify([a.pid, b.pid]) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pids = await new Promise<number[]>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as number[]));
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  await sleep(200);
  const all = pids.flatMap((p) => processTree(p));
  assert.equal(all.length, 3, `sleep, sh and its sleep: ${all.join(' ')}`);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 130);
  assert.match(stderr, /SIGINT: stopping every process/);
  await sleep(100);
  for (const pid of all) assert.ok(!existsSync(`/proc/${pid}`) || /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), `pid ${pid} survived Ctrl-C`);
});

test('the CPU-profile summary finds the hot function of a real --cpu-prof profile, and keeps a window of it', async () => {
  const dir = mkdtempSync(join(work, 'prof-'));
  // Idles, then burns, then idles, printing (on the process.hrtime clock) when the burn ran.
  const script = `
    function burnCpuForBenchTest(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
    function otherWorkBeforeTheWindow(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.cbrt(x + 2); return x; }
    otherWorkBeforeTheWindow(200);
    await new Promise((r) => setTimeout(r, 50));
    const from = process.hrtime.bigint() / 1000n;
    burnCpuForBenchTest(300);
    const to = process.hrtime.bigint() / 1000n;
    await new Promise((r) => setTimeout(r, 100));
    process.stdout.write(JSON.stringify({ from: Number(from), to: Number(to) }));
  `;
  const out = execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--input-type=module', '-e', script], { encoding: 'utf8' });
  const { from, to } = JSON.parse(out) as { from: number; to: number };
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  assert.equal(files.length, 1);
  const text = readFileSync(join(dir, files[0] ?? ''), 'utf8');
  const whole = summarizeProfile(text, ROOT);
  const burner = whole.functions.find((f) => f.fn === 'burnCpuForBenchTest');
  const before = whole.functions.find((f) => f.fn === 'otherWorkBeforeTheWindow');
  assert.ok(burner !== undefined && before !== undefined, `functions: ${whole.functions.slice(0, 5).map((f) => f.fn).join(', ')}`);
  // Date.now may be sampled as a frame of its own; the burner owns its total. Shares move with the
  // machine's load (sampling follows the wall clock), so compare the two burns rather than fix a level.
  assert.ok(burner.totalShare > 0.2 && burner.totalShare > before.totalShare && burner.totalShare >= burner.selfShare,
    `burner total ${burner.totalShare}, the earlier work ${before.totalShare}`);
  assert.ok(whole.busyMs >= 400 && whole.idleMs >= 100, `busy ${whole.busyMs} idle ${whole.idleMs}`);
  assert.ok(Math.abs(whole.categories.reduce((a, c) => a + c.share, 0) - 1) < 1e-9);

  // The window is on the same clock: only the burn is inside it.
  const windowed = summarizeProfile(text, ROOT, 'p', { fromUs: from, toUs: to });
  assert.ok(windowed.samples > 50 && windowed.samples < whole.samples, `${windowed.samples} of ${whole.samples} samples`);
  assert.equal(windowed.functions.find((f) => f.fn === 'otherWorkBeforeTheWindow'), undefined);
  assert.ok((windowed.functions.find((f) => f.fn === 'burnCpuForBenchTest')?.totalShare ?? 0) > 0.9);
  assert.throws(() => summarizeProfile('{"nodes":[]}', ROOT, 'x.cpuprofile'), /x\.cpuprofile: not a V8 CPU profile/);
});


test("every variant's bootstrap is Envoy v3: listeners and clusters encode through the real protos", async () => {
  let next = 20000;
  for (const variant of WEFT_VARIANTS) {
    const plan = await planVariant(variant, { origin: 19999, next: async () => next++ });
    assert.equal(plan.proxies.length, variant.features.includes('mtls') ? 2 : 1, variant.id);
    for (const p of plan.proxies) {
      const sr = p.bootstrap['static_resources'] as { listeners: unknown[]; clusters: unknown[] };
      for (const l of sr.listeners) checkResource('type.googleapis.com/envoy.config.listener.v3.Listener', l);
      for (const c of sr.clusters) checkResource('type.googleapis.com/envoy.config.cluster.v3.Cluster', c);
      // Each proxy has an admin port of its own: the default 15000 would collide between variants.
      assert.deepEqual(p.bootstrap['admin'], { address: { socket_address: { address: '127.0.0.1', port_value: p.adminPort } } });
      const text = JSON.stringify(p.bootstrap);
      assert.equal(text.includes('envoy.filters.http.rbac'), variant.features.includes('authz') && (p.role === 'server' || plan.proxies.length === 1), `${variant.id} ${p.role}: RBAC where authz applies`);
      assert.equal(text.includes('tls.v3.'), variant.features.includes('mtls'), `${variant.id} ${p.role}: TLS only with mtls`);
      assert.equal(p.mtls, variant.features.includes('mtls'));
      // Certificates by SDS name, filled by the identity agent from the mesh CA: never inline files.
      if (p.mtls) assert.match(text, /"tls_certificate_sds_secret_configs":\[\{"name":"default","sds_config":\{"ads":\{\}\}\}\]/);
      assert.doesNotMatch(text, /"filename"/);
    }
    assert.equal(plan.request.path, variant.features.includes('routing') ? ROUTED_PATH : '/');
  }
  // With mTLS and authz, the server's ALLOW policy names the client's identity.
  const all = await planVariant(WEFT_VARIANTS.find((v) => v.id === 'weft+all+mtls') ?? assert.fail('no all+mtls'), { origin: 19999, next: async () => next++ });
  assert.match(JSON.stringify(all.proxies[1]?.bootstrap), /spiffe:\/\/cluster\.local\/ns\/bench\/sa\/client|cluster\.local\/ns\/bench\/sa\/client/);
});

test('the probes refuse to measure a proxy whose features do nothing', async () => {
  // Stands where a proxy would: answers every request with the origin's body
  // and ignores route tables, policies and admin paths.
  const { server, port } = await origin((_req, res) => {
    res.writeHead(200, { 'content-length': String(ORIGIN_BODY.length) });
    res.end(ORIGIN_BODY);
  });
  try {
    const ports = { origin: 1, next: async () => port };
    const plan = async (id: string): ReturnType<typeof planVariant> => planVariant(WEFT_VARIANTS.find((v) => v.id === id) ?? assert.fail(id), ports);
    assert.equal(await probeVariant(await plan('weft'), ORIGIN_BODY), undefined, 'a plain pass-through is what the plain variant needs');
    assert.match((await probeVariant(await plan('weft+routing'), ORIGIN_BODY)) ?? '', /^routing: the matched route's response header/);
    assert.match((await probeVariant(await plan('weft+authz'), ORIGIN_BODY)) ?? '', /^authz: the DENY policy should answer 403 to GET \/admin\/users, got 200/);
    assert.match((await probeVariant(await plan('weft+metrics'), ORIGIN_BODY)) ?? '', /^metrics: .*istio_requests_total/);
    assert.match((await probeVariant(await plan('weft+mtls'), ORIGIN_BODY)) ?? '', /^mtls: the server proxy answered a plaintext request with 200/);
    assert.match((await probeVariant(await plan('weft'), 'another body\n')) ?? '', /answered 200 "hello from origin\\n", not the origin's 200/);
  } finally {
    await close(server);
  }
  // Nothing listening: the load's own request fails, and the reason says so.
  const dead = await planVariant(WEFT_VARIANTS[0] ?? assert.fail('no variants'), { origin: 1, next: async () => 1 });
  assert.match((await probeVariant(dead, ORIGIN_BODY)) ?? '', /^the load's request failed: connect ECONNREFUSED/);
});

// ---- the table and RESULTS.md ---------------------------------------------------

function measured(rps: readonly number[], p50: number, p99: number, rssMiB: number, proxyCores = 1): Measured {
  return {
    ok: true,
    saturation: rps.map((r) => ({ rps: r, proxyCores, loadCoreBusy: 0.7, loadCoreForeign: 0.01, proxyCoreForeign: 0.01, non2xx: 0, socketErrors: 0 })),
    fixedRate: [{ p50, p99, p999: p99 * 2, max: p99 * 3, achievedRps: 1000, errors: 0, non2xx: 0, generatorLagP99: 5, proxyCores: 0.1, proxyCoreForeign: 0.01, loadCoreForeign: 0.01 }],
    rssBytes: rssMiB * 2 ** 20,
    idleRssBytes: rssMiB * 2 ** 19,
  };
}

function report(systems: SystemResult[]): BenchReport {
  return {
    command: 'make bench',
    machine: { date: '2026-01-02T03:04:05Z', nproc: 2, cpuModel: 'Test CPU', kernel: '6.1.0', memoryGiB: 24, loadAverageBefore: [0.5, 0.4, 0.3], loadAverageAfter: [1, 0.9, 0.8] },
    tools: { nginx: '1.22.1', haproxy: '2.6.12', wrk: '4.1.0', loadgen: 'loadgen.c #00000000' },
    settings: { quick: false, saturationSeconds: 5, saturationRuns: 3, wrkConnections: 16, fixedRate: 1000, fixedSeconds: 5, fixedRuns: 3, loadgenConnections: 16, warmupSeconds: 1, originBodyBytes: 18, cores: { load: '0', proxy: '1' } },
    systems,
    profile: { ok: false, reason: 'no Weft variant could be measured' },
    latencyScheduling: { ok: true },
    controlPlane: { compile: { ok: false, reason: 'not run' }, editToAck: { ok: false, reason: 'needs the xDS server' } },
    wallSeconds: 400,
    notes: ['a note about noise'],
  };
}

const peers: SystemResult[] = [
  { id: 'direct', label: 'direct (no proxy)', kind: 'direct', hops: 0, comparedWith: 'nginx', outcome: measured([60000, 62000, 61000], 60, 120, 0) },
  { id: 'nginx', label: 'nginx (1 worker)', kind: 'peer', hops: 1, comparedWith: 'nginx', outcome: measured([30000, 20000, 32000], 160, 400, 12) },
  { id: 'haproxy', label: 'HAProxy (1 thread)', kind: 'peer', hops: 1, comparedWith: 'nginx', outcome: measured([24000], 150, 350, 20) },
];

test('with Weft not available, the table still has every peer and says "weft: not available" with the reason', () => {
  const r = report([...peers, { id: 'weft', label: 'weft (listener → cluster)', kind: 'weft', hops: 1, comparedWith: 'nginx', outcome: { ok: false, reason: 'weft: not available (`weft proxy` is not a command in this checkout yet)' } }]);
  const table = renderTable(r);
  const lines = table.split('\n');
  assert.equal(lines.length, 2 + 4);
  // Well-formed: every line has the header's number of cells.
  const cells = (l: string): number => l.split(/(?<!\\)\|/).length - 2;
  for (const l of lines) assert.equal(cells(l), DATA_PLANE_HEADER.length, l);
  assert.match(lines[3] ?? '', /^\| nginx \(1 worker\) \| 30,000 \| 20,000–32,000 \| 1\.00× \| 0\.49× \| 100% \| 30,000 \| 1\.00× \| proxy core \| 0\.160 \| 0\.400 \| \+0\.100 ms \| \+0\.280 ms \| 12\.0 \| 0 \|$/);
  assert.match(lines[4] ?? '', /^\| HAProxy \(1 thread\) \| 24,000 \| 24,000–24,000 \| 0\.80× \| 0\.39× \|/);
  assert.match(lines[5] ?? '', /^\| weft \(listener → cluster\) \| n\/a: weft: not available \(`weft proxy` is not a command in this checkout yet\) \|/);
  const md = renderResults(r);
  assert.match(md, /Reproduce with `make bench`/);
  assert.match(md, /- date: 2026-01-02T03:04:05Z/);
  assert.match(md, /- machine: 2 CPUs, Test CPU, 24 GiB, Linux 6\.1\.0/);
  assert.match(md, /- tools: nginx 1\.22\.1, haproxy 2\.6\.12, wrk 4\.1\.0, loadgen loadgen\.c #00000000/);
  assert.match(md, /Weft: not available \(weft: not available .*\)\. Targets: ≥ 0\.5× nginx requests\/s on one core; ≤ \+0\.3 ms p50 and ≤ \+1 ms p99 at 1,000 rps; ≤ 60 MB resident\./);
  assert.match(md, /edit → every affected proxy's ACK, every proxy holding every virtual host \(a host all of them call\) \| p99 < 100 ms \| n\/a: needs the xDS server/);
  assert.match(md, /- a note about noise/);
  assert.doesNotMatch(md, /NaN|undefined/);
  // Every template placeholder is filled in (a '${…}' inside a plain string literal is not).
  assert.doesNotMatch(md, /\$\{/);
  assert.match(md, /the origin and the generator \(core 0\) have real-time priority/);
  assert.doesNotMatch(md, /had a stall/);
  // A run whose slowest response took 300 ms is called out.
  const stalled = measured([20000], 300, 1500, 70);
  const withStall = report([...peers, { id: 'weft', label: 'weft', kind: 'weft', hops: 1, comparedWith: 'nginx', outcome: { ...stalled, fixedRate: [...stalled.fixedRate, { ...(stalled.fixedRate[0] ?? assert.fail('no run')), max: 300_000 }] } }]);
  assert.match(renderResults(withStall), /- weft: 1 of 2 fixed-rate runs had a stall \(slowest response 300\.000 ms in run 2\)/);
});

test('Weft rows get ratios against nginx (or the nginx mTLS pair), added latency against direct, and the targets marked', () => {
  const weft: SystemResult = { id: 'weft', label: 'weft', kind: 'weft', hops: 1, comparedWith: 'nginx', outcome: measured([15000, 16000, 17000], 300, 1500, 70) };
  const pair: SystemResult = { id: 'nginx-mtls', label: 'nginx pair', kind: 'peer', hops: 2, comparedWith: 'nginx-mtls', outcome: measured([10000], 200, 500, 15) };
  const weftMtls: SystemResult = { id: 'weft+mtls', label: 'weft pair', kind: 'weft', hops: 2, comparedWith: 'nginx-mtls', outcome: measured([6000], 400, 900, 50) };
  const r = report([...peers, weft, pair, weftMtls]);
  const checks = targetChecks(r.systems, weft);
  assert.deepEqual(
    checks.map((c) => [c.what, c.measured, c.met]),
    [
      ['requests/s vs nginx', '0.53× (per core used: 0.53×)', true],
      ['added p50 at 1,000 rps', '+0.240 ms', true],
      ['added p99 at 1,000 rps', '+1.380 ms', false],
      ['resident memory per proxy (RSS)', '70.0 MB', false],
    ],
  );
  // With the proxy's private memory measured, and the floor (Node forwarding bytes) in the same run: both memory rows, the floor beside each.
  const floor: SystemResult = { id: 'node-floor', label: 'floor', kind: 'peer', hops: 1, comparedWith: 'nginx', outcome: { ...measured([40000], 100, 300, 62), anonRssBytes: 14 * 2 ** 20 } };
  const weftOwn: SystemResult = { ...weft, outcome: { ...measured([15000, 16000, 17000], 300, 1500, 95), anonRssBytes: 45.5 * 2 ** 20 } };
  assert.deepEqual(
    targetChecks([...peers, floor, weftOwn], weftOwn).slice(3).map((c) => [c.what.split(' (')[0], c.measured, c.met]),
    [
      ['resident memory per proxy', '95.0 MB (the floor, Node forwarding bytes with the same flags, measured alike: 62.0 MB)', false],
      ["the proxy's own memory", "45.5 MB (the floor's: 14.0 MB)", true],
    ],
  );
  assert.deepEqual(targetChecks(r.systems, weftMtls)[0], { what: 'requests/s vs nginx-mtls', target: '≥ 0.5×', measured: '0.60× (per core used: 0.60×)', met: true });
  // nginx held back by the load side (80% of its core): per core it does 37,500, and 16,000 is short of half of that.
  const loadBound = report([{ ...peers[1], outcome: measured([30000, 20000, 32000], 160, 400, 12, 0.8) } as SystemResult, weft]);
  assert.deepEqual(targetChecks(loadBound.systems, weft)[0], { what: 'requests/s vs nginx', target: '≥ 0.5×', measured: '0.53× (per core used: 0.43×)', met: false });
  const table = renderTable(r);
  assert.match(table, /\| weft pair \| 6,000 \| 6,000–6,000 \| 0\.60× \(of nginx-mtls\) \|/);
  assert.match(table, /\| 50\.0 \(max of 2\) \|/);
  const md = renderResults(r);
  assert.match(md, /\| weft \| added p99 at 1,000 rps \| ≤ \+1 ms \| \+1\.380 ms \| MISSED \|/);
  assert.match(md, /\| weft \| requests\/s vs nginx \| ≥ 0\.5× \| 0\.53× \(per core used: 0\.53×\) \| met \|/);
});

test('freePort picks listenable ports below the ephemeral range, where no outgoing connection can take them', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    assert.ok(port >= 20000 && port < low, `port ${port}`);
    const { server } = await new Promise<{ server: Server }>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve({ server: srv }));
    });
    await close(server);
  }
});

test('stallNotes is quiet without stalls', () => {
  assert.deepEqual(stallNotes(peers), []);
});

test('markdownTable escapes pipes and refuses ragged rows', () => {
  assert.equal(markdownTable(['a', 'b'], [['x|y', 'z']]), '| a | b |\n| --- | --- |\n| x\\|y | z |');
  assert.throws(() => markdownTable(['a', 'b'], [['only one']]), /1 cells, header has 2/);
});

test('the simulated proxies read the endpoint name of an EDS cluster from its bytes, as the full decoder would', () => {
  const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
  const eds = encodeResource(CLUSTER, { name: 'outbound|80||a.ns.svc.cluster.local', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: 'endpoints-of-a' }, connect_timeout: '1s' });
  assert.equal(edsNameOfCluster(eds), 'endpoints-of-a');
  const unnamed = encodeResource(CLUSTER, { name: 'outbound|80||b.ns.svc.cluster.local', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: '1s' });
  assert.equal(edsNameOfCluster(unnamed), 'outbound|80||b.ns.svc.cluster.local');
  const fixed = encodeResource(CLUSTER, { name: 'inbound|8080||', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'inbound|8080||' } });
  assert.equal(edsNameOfCluster(fixed), undefined);
  // A name with multi-byte characters and a long body: lengths are bytes, not characters.
  const long = encodeResource(CLUSTER, { name: `é${'x'.repeat(300)}`, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: '1s' });
  assert.equal(edsNameOfCluster(long), `é${'x'.repeat(300)}`);
});

test('the control-plane section shows the edit-to-ACK scale, its parts and the targets', () => {
  const r: BenchReport = {
    ...report([...peers]),
    controlPlane: {
      compile: { ok: true, mesh: { services: 2000, virtualServices: 10000, trafficSplits: 200, authorizationPolicies: 5000, proxies: 1000 }, indexMs: 150, proxiesMs: 1200, analysisMs: 600, totalMs: 1950, maxRssBytes: 300 * 2 ** 20, heapUsedBytes: 150 * 2 ** 20, sampleProxy: { resources: 4817, encodeMs: 400, encodedBytes: 3.5 * 2 ** 20 } },
      editToAck: { ok: true, mesh: { services: 200, virtualServices: 1000, authorizationPolicies: 500 }, mode: 'delta', vhds: 'on-demand', affected: [7, 5], unreached: [993, 995], proxies: 1000, workloads: 200, edits: 2, p50Ms: 30, p99Ms: 62, maxMs: 62, sentP50Ms: 20, sentP99Ms: 40, buildMs: 90, firstBuildMs: 12, debounceMs: 100, bytesPerEdit: 0.01 * 2 ** 20, memoryBytes: 600 * 2 ** 20, initialSyncMs: 50000 },
      editToAckWhole: { ok: true, mesh: { services: 200, virtualServices: 1000, authorizationPolicies: 500 }, mode: 'delta', vhds: 'whole', affected: [1000, 1000], unreached: [0, 0], proxies: 1000, workloads: 200, edits: 2, p50Ms: 4900, p99Ms: 6250, maxMs: 6300, sentP50Ms: 2900, sentP99Ms: 3700, buildMs: 2000, firstBuildMs: 2000, debounceMs: 100, bytesPerEdit: 220 * 2 ** 20, memoryBytes: 500 * 2 ** 20, initialSyncMs: 19000 },
    },
  };
  const md = renderResults(r);
  assert.match(md, /\| full compile \(index \+ every proxy\) \| < 2000 ms \| 1,350 ms \(index 150 \+ proxies 1,200\) \| met \|/);
  assert.match(md, /\| edit-to-ACK setup \|  \| 1,000 simulated proxies \(200 workloads\) in a child process on the other core, delta ADS, virtual hosts on demand \(each app calls 10 Services\), mesh of 200 services, 1,000 VirtualServices, 500 AuthorizationPolicies \|  \|/);
  assert.match(md, /one VirtualService edit → every affected proxy's ACK \(2 edits, the first after start-up included\) \| p99 < 100 ms \| p50 30 ms, p99 62 ms, max 62 ms \(the 100 ms debounce excluded\); each edit sent to 7, 5 proxies, the other 993, 995 in sync without a response \| met \|/);
  assert.match(md, /\| … of which compile and snapshot build \|  \| 12 ms for the proxies holding the edited host, pushed first; 90 ms for all \|  \|/);
  assert.match(md, /\| edit-to-ACK, worst case \|  \| 1,000 simulated proxies \(200 workloads\) in a child process on the other core, delta ADS, every proxy holding every virtual host \(a host all of them call\)/);
  assert.match(md, /one VirtualService edit → every affected proxy's ACK \(2 edits, the first after start-up included\) \| p99 < 100 ms \| p50 4,900 ms, p99 6,250 ms, max 6,300 ms \(the 100 ms debounce excluded\); each edit sent to 1000, 1000 proxies \| MISSED \|/);
  assert.match(md, /\| bytes sent per edit \(all proxies\) \|  \| 220\.00 MiB \(225\.3 KiB per proxy\) \|  \|/);
  assert.match(md, /\| control-plane memory with every proxy synced \(RSS\) \| < 1024 MB \| 500 MB \| met \|/);
});

test('h2load summaries parse, and the HTTP/2 section renders its rows against nginx', () => {
  const out = `finished in 4.01s, 6275.75 req/s, 296.42KB/s
requests: 25103 total, 25153 started, 25103 done, 25100 succeeded, 2 failed, 1 errored, 0 timeout
status codes: 25100 2xx, 0 3xx, 0 4xx, 0 5xx`;
  assert.deepEqual(parseH2load(out), { rps: 6275.75, succeeded: 25100, failed: 3 });
  assert.throws(() => parseH2load('connect error'), /no summary/);
  const md = renderHttp2({
    connections: 16,
    streams: 1,
    seconds: 4,
    rows: [
      { id: 'nginx-h2', label: 'nginx, http2', outcome: { ok: true, runs: [{ rps: 20_000, proxyCores: 1, failed: 0 }] } },
      { id: 'weft-h2', label: 'weft, h2c', outcome: { ok: true, runs: [{ rps: 5_000, proxyCores: 0.5, failed: 0 }] } },
      { id: 'x', label: 'broken', outcome: { ok: false, reason: 'did not start' } },
    ],
  });
  assert.match(md, /\| weft, h2c \| 5,000 \| 0\.25 \| 0\.50 \| 10,000 \| 0\.50 \| 0 \|/);
  assert.match(md, /\| broken \| n\/a: did not start/);
  assert.equal(renderHttp2(undefined), 'Not measured in this run.');
  // nginx's h2c server for the HTTP/2 rows is a second server block of the same worker.
  assert.match(nginxProxyConf('/tmp/x', 1000, 2000, 3000), /listen 127\.0\.0\.1:3000 http2/);
  assert.doesNotMatch(nginxProxyConf('/tmp/x', 1000, 2000), /http2/);
});

test('BENCH_SYSTEMS picks rows (direct always), writes outside the committed results, and refuses an unknown id naming the known ones', async () => {
  const { configFrom } = await import('../bench/main.ts');
  const root = '/checkout';
  const all = configFrom({}, root);
  assert.equal(all.systems, undefined);
  assert.equal(all.out, '/checkout/test/bench/RESULTS.md');
  const some = configFrom({ BENCH_SYSTEMS: 'weft+all, nginx-mtls', BENCH_CONTROL_PLANE: 'full' }, root);
  assert.deepEqual([...(some.systems ?? [])], ['direct', 'weft+all', 'nginx-mtls']);
  assert.equal(some.out, '/checkout/.cache/bench/systems-run/RESULTS.md');
  assert.equal(some.command, 'BENCH_SYSTEMS=weft+all,nginx-mtls make bench');
  assert.throws(() => configFrom({ BENCH_SYSTEMS: 'weft+al' }, root), /BENCH_SYSTEMS: no system weft\+al; the systems are direct, nginx, haproxy, node-floor, nginx-mtls, node-floor-mtls, weft,/);
});
