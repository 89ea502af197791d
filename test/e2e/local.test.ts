// weft up end to end: the demo's mesh from a temporary copy, real proxies on
// their own loopback addresses, real ADS and CA, apps as plain HTTP servers.
// Requests go through loadgen's proxy as an HTTP proxy, as the demo's apps do.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalMesh } from '../../operator/local/mesh.ts';
import type { LocalStatus } from '../../operator/local/status.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// Away from the demo's 127.0.1.x, so a running `make demo` does not collide.
const FIRST = '127.0.77.1';

let dir = '';
let mesh: LocalMesh;
const logs: string[] = [];
const apps: http.Server[] = [];
let loadgen = '';

function app(address: string, port: number, name: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, method: req.method, host: req.headers.host }));
  });
  return new Promise((ok, fail) => {
    s.once('error', fail);
    s.listen(port, address, () => ok(s));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function call(method: string, url: string): Promise<{ status: number; body: string }> {
  const [host, port] = loadgen.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path: url, headers: { host: new URL(url).host }, agent, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const REVIEWS = 'http://reviews.shop.svc.cluster.local:9080/reviews/1';

async function split(n: number): Promise<{ v1: number; v2: number; other: number }> {
  const out = { v1: 0, v2: 0, other: 0 };
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => call('GET', REVIEWS)));
    for (const r of batch) {
      const name = r.status === 200 ? (JSON.parse(r.body) as { name: string }).name : '';
      if (name === 'reviews-v1') out.v1++;
      else if (name === 'reviews-v2') out.v2++;
      else out.other++;
    }
  }
  return out;
}

async function eventually<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return { value: v, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const canary = (): string => join(dir, 'reviews-canary.yaml');
const setWeights = (v1: number | string, v2: number | string): void => {
  const text = readFileSync(canary(), 'utf8').replace(/(service: reviews-v1\n\s+weight: )\S+/, `$1${v1}`).replace(/(service: reviews-v2\n\s+weight: )\S+/, `$1${v2}`);
  writeFileSync(canary(), text);
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-up-'));
  cpSync(join(ROOT, 'demo', 'mesh'), dir, { recursive: true, filter: (src) => !src.includes('.weft') });
  mesh = new LocalMesh({ dir, xdsPort: 0, caPort: 0, adminPort: 0, firstAddress: FIRST, watchQuietMs: 50, log: (level, m) => logs.push(`${level} ${m}`) });
  await mesh.start();
  const byName = new Map(mesh.workloads().map((w) => [w.workload, w]));
  for (const [name, port] of [['frontend', 8080], ['reviews-v1', 9080], ['reviews-v2', 9080], ['ratings', 9080]] as const) {
    const w = byName.get(name);
    assert.ok(w !== undefined, `workload ${name}`);
    apps.push(await app(w.address, port, name));
  }
  loadgen = byName.get('loadgen')?.outbound ?? '';
  await eventually('every proxy in sync', 10_000, async () => {
    const s = mesh.status();
    return s.proxies.length === 5 && s.proxies.every((p) => p.inSync) ? true : undefined;
  });
});

after(async () => {
  agent.destroy();
  for (const s of apps) {
    s.close();
    s.closeAllConnections();
  }
  await mesh?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('each workload gets its own loopback address and proxy', () => {
  const ws = mesh.workloads();
  assert.deepEqual(ws.map((w) => w.workload).sort(), ['frontend', 'loadgen', 'ratings', 'reviews-v1', 'reviews-v2']);
  assert.equal(new Set(ws.map((w) => w.address)).size, 5);
  for (const w of ws) {
    assert.match(w.address, /^127\.0\.77\.\d+$/);
    assert.equal(w.outbound, `${w.address}:15001`);
    assert.equal(w.inbound, `${w.address}:15006`);
  }
});

test('requests through the proxies follow the 80/20 split', async () => {
  const s = await split(300);
  assert.equal(s.other, 0, JSON.stringify(s));
  const share = s.v2 / 300;
  // 20 % expected; binomial sd for n=300 is 2.3 %, so ±8 % is over 3 sd.
  assert.ok(share > 0.12 && share < 0.28, `v2 share ${share} (${JSON.stringify(s)})`);
});

test('the AuthorizationPolicy denies DELETE on reviews with 403, GET passes', async () => {
  const del = await call('DELETE', REVIEWS);
  assert.equal(del.status, 403);
  assert.match(del.body, /RBAC: access denied/);
  assert.equal((await call('GET', REVIEWS)).status, 200);
  // frontend has no policy: DELETE reaches it.
  const fe = await call('DELETE', 'http://frontend.shop.svc.cluster.local:8080/x');
  assert.equal(fe.status, 200);
});

/** istio_requests_total series of one proxy, as label maps with their value. */
async function requestSeries(admin: string): Promise<Array<{ labels: Map<string, string>; value: number }>> {
  const text = await (await fetch(`http://${admin}/stats/prometheus`)).text();
  const out: Array<{ labels: Map<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^istio_requests_total\{(.*)\}\s+(\S+)/.exec(line);
    if (m === null) continue;
    out.push({ labels: new Map([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1] ?? '', l[2] ?? ''])), value: Number(m[2]) });
  }
  return out;
}

test('hops between proxies are mTLS: the receiving proxies count mutual_tls with the caller\'s SPIFFE ID, never plaintext', async () => {
  const ws = new Map(mesh.workloads().map((w) => [w.workload, w]));
  for (const w of ws.values()) assert.equal(w.transport, 'mtls', w.workload);
  await call('GET', REVIEWS);
  await call('GET', 'http://frontend.shop.svc.cluster.local:8080/x');
  for (const dest of ['reviews-v1', 'reviews-v2', 'frontend']) {
    const admin = ws.get(dest)?.admin ?? '';
    const inbound = (await requestSeries(admin)).filter((s) => s.labels.get('reporter') === 'destination');
    const mtls = inbound.filter((s) => s.labels.get('connection_security_policy') === 'mutual_tls');
    const sum = (xs: typeof inbound): number => xs.reduce((a, s) => a + s.value, 0);
    assert.ok(sum(mtls) > 0, `${dest}: inbound over mTLS ${JSON.stringify(inbound.map((s) => Object.fromEntries(s.labels)))}`);
    assert.equal(sum(inbound), sum(mtls), `${dest}: every inbound request mTLS`);
    for (const s of mtls) {
      assert.equal(s.labels.get('source_principal'), 'spiffe://cluster.local/ns/shop/sa/loadgen', dest);
      assert.equal(s.labels.get('destination_principal'), `spiffe://cluster.local/ns/shop/sa/${dest.replace(/-v\d$/, '')}`, dest);
    }
  }
  // The caller's side: loadgen's proxy sent them (reporter source) and has no inbound traffic at all.
  const loadgenSeries = await requestSeries(ws.get('loadgen')?.admin ?? '');
  assert.ok(loadgenSeries.some((s) => s.labels.get('reporter') === 'source' && s.value > 0));
  assert.ok(!loadgenSeries.some((s) => s.labels.get('reporter') === 'destination'));
});

test('weft status shows every proxy connected and in sync, and every resource Ready', async () => {
  const run = promisify(execFile);
  const port = mesh.ports.admin;
  const text = await run(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'operator/cli/main.ts'), 'status', '--port', String(port)]);
  for (const w of ['frontend', 'loadgen', 'ratings', 'reviews-v1', 'reviews-v2']) assert.match(text.stdout, new RegExp(`shop/${w} .* SYNCED`));
  assert.match(text.stdout, /TrafficSplit shop\/reviews-canary\s+1\s+True\s+True\s+True 5\/5\s+True/);
  assert.match(text.stdout, /AuthorizationPolicy shop\/reviews-read-only\s+1\s+True\s+True\s+True 2\/2\s+True/);
  const json = JSON.parse((await run(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'operator/cli/main.ts'), 'status', '--port', String(port), '-o', 'json'])).stdout) as LocalStatus;
  assert.equal(json.proxies.length, 5);
  for (const p of json.proxies) {
    assert.ok(p.connected && p.inSync, `${p.workload} connected and in sync`);
    const types = p.types.map((t) => t.type);
    for (const t of ['CDS', 'EDS', 'LDS', 'RDS']) assert.ok(types.includes(t), `${p.workload} holds ${t} (has ${types.join(', ')})`);
    for (const t of p.types) assert.equal(t.acked, t.sent, `${p.workload} ${t.type} acked what was sent`);
    assert.equal(p.identity?.state, 'valid');
  }
});

test('editing the weight file changes the split live', async () => {
  setWeights(0, 100);
  const { ms } = await eventually('all traffic on v2', 5000, async () => ((await split(10)).v2 === 10 ? true : undefined));
  const s = await split(100);
  assert.deepEqual(s, { v1: 0, v2: 100, other: 0 });
  assert.ok(ms < 3000, `took ${ms} ms`);
  assert.ok(logs.some((l) => l.includes('TrafficSplit shop/reviews-canary changed')), logs.join('\n'));
  const ts = mesh.status().resources.find((r) => r.name === 'reviews-canary');
  assert.equal(ts?.generation, 2);
});

test('a bad edit is reported with the validator line and traffic stays on the last good config', async () => {
  const before = logs.length;
  setWeights(-5, 100);
  await eventually('the refusal logged', 5000, async () => (logs.slice(before).some((l) => l.includes('edit refused')) ? true : undefined));
  const reported = logs.slice(before).join('\n');
  assert.match(reported, /reviews-canary\.yaml:\d+: TrafficSplit shop\/reviews-canary: spec\.backends\[0\]\.weight: /);
  assert.match(reported, /still serving generation 2/);
  assert.deepEqual(await split(50), { v1: 0, v2: 50, other: 0 });
  const st = mesh.status().resources.find((r) => r.name === 'reviews-canary');
  assert.equal(st?.generation, 2);
  assert.equal(st?.pendingEdit?.find((c) => c.type === 'Accepted')?.status, 'False');
  assert.equal(st?.conditions.find((c) => c.type === 'Ready')?.status, 'True');

  // Broken YAML: the file keeps its last good version too.
  writeFileSync(canary(), 'spec: [unclosed\n');
  await eventually('the syntax error logged', 5000, async () => (logs.slice(before).some((l) => l.includes('serving its last good version')) ? true : undefined));
  assert.deepEqual(await split(30), { v1: 0, v2: 30, other: 0 });

  // Fixed: applied at once.
  cpSync(join(ROOT, 'demo', 'mesh', 'reviews-canary.yaml'), canary());
  setWeights(100, 0);
  await eventually('all traffic back on v1', 5000, async () => ((await split(10)).v1 === 10 ? true : undefined));
});

test('stopping leaves no listening ports', async () => {
  const ws = mesh.workloads();
  const ports = mesh.ports;
  for (const s of apps.splice(0)) {
    // The proxies keep pooled connections to the apps: close those too.
    const closed = new Promise((r) => s.close(r));
    s.closeAllConnections();
    await closed;
  }
  agent.destroy();
  await mesh.stop();
  const refused = (host: string, port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
  for (const w of ws) for (const port of [15001, 15006, 15000]) assert.ok(await refused(w.address, port), `${w.address}:${port} closed`);
  for (const port of [ports.xds, ports.ca, ports.admin]) assert.ok(await refused('127.0.0.1', port), `127.0.0.1:${port} closed`);
});
