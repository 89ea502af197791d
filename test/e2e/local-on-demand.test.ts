// weft up end to end, on-demand virtual hosts: the demo's sidecars take each
// outbound virtual host the first time their app calls its authority, and
// hold nothing else. What a proxy holds is read from its admin /config_dump.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMesh } from '../../operator/local/mesh.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// Away from the demo's 127.0.1.x and the other e2e meshes.
const FIRST = '127.0.78.1';

let dir = '';
let mesh: LocalMesh;
const apps: http.Server[] = [];
let loadgen = { outbound: '', admin: '' };

function app(address: string, port: number, name: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, host: req.headers.host }));
  });
  return new Promise((ok, fail) => {
    s.once('error', fail);
    s.listen(port, address, () => ok(s));
  });
}

function get(hostPort: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Through loadgen's sidecar as an HTTP proxy (absolute-form), as the demo's apps call. */
const call = (url: string) => get(loadgen.outbound, url, { host: new URL(url).host });

/** The virtual hosts loadgen's proxy holds for a route configuration, and whether it routes it on demand. */
async function held(rc: string): Promise<{ onDemand: boolean; vhosts: string[] }> {
  const dump = JSON.parse((await get(loadgen.admin, '/config_dump')).body) as { configs: { '@type': string; dynamic_route_configs?: { route_config: { name: string; vhds?: unknown; virtual_hosts?: { name: string }[] } }[] }[] };
  const routes = dump.configs.find((c) => c['@type'].endsWith('RoutesConfigDump'))?.dynamic_route_configs ?? [];
  const r = routes.find((x) => x.route_config.name === rc)?.route_config;
  assert.ok(r !== undefined, `route configuration ${rc} held`);
  return { onDemand: r.vhds !== undefined, vhosts: (r.virtual_hosts ?? []).map((v) => v.name).sort() };
}

async function eventually<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-up-on-demand-'));
  cpSync(join(ROOT, 'demo', 'mesh'), dir, { recursive: true, filter: (src) => !src.includes('.weft') });
  mesh = new LocalMesh({ dir, xdsPort: 0, caPort: 0, adminPort: 0, firstAddress: FIRST, watchQuietMs: 50, log: () => {} });
  await mesh.start();
  const byName = new Map(mesh.workloads().map((w) => [w.workload, w]));
  for (const [name, port] of [['frontend', 8080], ['reviews-v1', 9080], ['reviews-v2', 9080], ['ratings', 9080]] as const) {
    const w = byName.get(name);
    assert.ok(w !== undefined, `workload ${name}`);
    apps.push(await app(w.address, port, name));
  }
  const lg = byName.get('loadgen');
  assert.ok(lg !== undefined);
  loadgen = { outbound: lg.outbound, admin: lg.admin };
  await eventually('every proxy in sync', 10_000, async () => {
    const s = mesh.status();
    return s.proxies.length === 5 && s.proxies.every((p) => p.inSync) ? true : undefined;
  });
});

after(async () => {
  for (const s of apps) {
    s.close();
    s.closeAllConnections();
  }
  await mesh?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('a sidecar holds no outbound virtual host until its app calls one, then only the ones it called', async () => {
  const before = await held('9080');
  assert.equal(before.onDemand, true, 'the outbound route configuration is routed on demand');
  assert.deepEqual(before.vhosts, []);

  const r = await call('http://reviews.shop.svc.cluster.local:9080/reviews/1');
  assert.equal(r.status, 200, r.body);
  assert.match((JSON.parse(r.body) as { name: string }).name, /^reviews-v[12]$/);
  assert.deepEqual((await held('9080')).vhosts, ['reviews.shop.svc.cluster.local:9080']);

  // The short name is another alias of the same virtual host: nothing more is held.
  assert.equal((await call('http://reviews:9080/reviews/2')).status, 200);
  assert.deepEqual((await held('9080')).vhosts, ['reviews.shop.svc.cluster.local:9080']);

  // The demo aborts 10 % of ratings' requests (503, fault filter): routed either way; the first 200 shows where.
  const ratings = await eventually('a ratings answer', 5_000, async () => {
    const x = await call('http://ratings.shop.svc.cluster.local:9080/ratings/1');
    return x.status === 200 ? x : undefined;
  });
  assert.equal((JSON.parse(ratings.body) as { name: string }).name, 'ratings');
  assert.deepEqual((await held('9080')).vhosts, ['ratings.shop.svc.cluster.local:9080', 'reviews.shop.svc.cluster.local:9080']);
  // Still in sync: the control plane counts what the proxy asked for as acknowledged.
  await eventually('in sync', 5_000, async () => (mesh.status().proxies.every((p) => p.inSync) ? true : undefined));
});
