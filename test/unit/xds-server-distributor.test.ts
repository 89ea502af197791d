// The MeshDistributor: debouncing on an injected clock, pushes only to the
// proxies whose compiled config changed (over real gRPC), generations for the
// status API, and refusal of inconsistent snapshots.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../xds/clock.ts';
import { MeshDistributor, type PushReport, type SnapshotTarget } from '../../operator/xds/distributor.ts';
import { MemoryLogger } from '../../operator/xds/log.ts';
import type { ProxyNode } from '../../operator/xds/node.ts';
import { XdsSnapshot, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { reachOf } from '../../operator/xds/tracker.ts';
import { analyzeMesh } from '../../operator/compile/analyze.ts';
import { refKey } from '../../operator/api/model.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { TypeUrl } from '../../xds/types.ts';
import { shopMesh, vs } from '../golden/meshes.ts';
import { SotwWire, node, sleep } from '../support/ads-wire.ts';

/** A target that records pushes, with fixed connected nodes. */
class RecordingTarget implements SnapshotTarget {
  readonly sets: { key: string; version: string }[] = [];
  readonly held = new Map<string, XdsSnapshot>();
  readonly nodes: ProxyNode[];
  constructor(nodes: ProxyNode[]) {
    this.nodes = nodes;
  }
  setSnapshot(key: string, snapshot: XdsSnapshot): boolean {
    const old = this.held.get(key);
    this.held.set(key, snapshot);
    this.sets.push({ key, version: snapshot.version });
    return old?.version !== snapshot.version;
  }
  connectedNodes(): readonly ProxyNode[] {
    return this.nodes;
  }
  keys(): readonly string[] {
    return [...this.held.keys()];
  }
  clearSnapshot(key: string): void {
    this.held.delete(key);
  }
}

const frontend: ProxyNode = { id: 'f1', namespace: 'shop', workload: 'frontend', kind: 'sidecar', userAgent: '' };
const postgres: ProxyNode = { id: 'pg1', namespace: 'data', workload: 'postgres', kind: 'sidecar', userAgent: '' };

/** shopMesh with one more VirtualService, visible in `shop` only, whose timeout is `timeout`. */
function withShopOnlyRule(timeout: string, generation: number): MeshSnapshot {
  const m = shopMesh();
  const extra = vs('shop', 'ratings-timeout', { hosts: ['ratings'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'ratings' } }], timeout }] });
  return { ...m, virtualServices: [...m.virtualServices, { ...extra, metadata: { ...extra.metadata, generation } }] };
}

test('a burst of 50 changes is one push after the quiet period', () => {
  const clock = new ManualClock(1000);
  const reports: PushReport[] = [];
  const d = new MeshDistributor({ clock, onPush: (r) => reports.push(r) });
  const target = new RecordingTarget([frontend]);
  d.bind(target);
  for (let i = 0; i < 50; i++) {
    d.meshChanged(withShopOnlyRule(`${i + 1}s`, i + 1), `v${i}`);
    clock.advance(5);
  }
  assert.equal(reports.length, 0, 'nothing while changes keep coming within the quiet period');
  clock.advance(99 - 5);
  assert.equal(reports.length, 0);
  clock.advance(1);
  assert.equal(reports.length, 1);
  const [r] = reports;
  assert.ok(r !== undefined);
  assert.equal(r.meshVersion, 'v49', 'the latest mesh');
  assert.equal(r.delayMs, 49 * 5 + 100);
  assert.deepEqual(r.changed, ['shop/frontend']);
  assert.equal(target.sets.length, 1);
  assert.equal(clock.pending, 0);
});

test('the maximum delay bounds starvation under a steady stream of changes', () => {
  const clock = new ManualClock(0);
  const reports: PushReport[] = [];
  const d = new MeshDistributor({ clock, quietMs: 100, maxDelayMs: 1000, onPush: (r) => reports.push(r) });
  d.bind(new RecordingTarget([frontend]));
  const pushedAt: number[] = [];
  for (let t = 0; t < 3500; t += 50) {
    d.meshChanged(withShopOnlyRule(`${t + 1}ms`, t + 1), `v${t}`);
    const before = reports.length;
    clock.advance(50);
    if (reports.length > before) pushedAt.push(clock.now());
  }
  clock.advance(200);
  assert.deepEqual(pushedAt, [1000, 2000, 3000]);
  for (const r of reports.slice(0, 3)) assert.ok(r.delayMs <= 1000, `delay ${r.delayMs}`);
  assert.equal(reports.length, 4, 'and the tail after the changes stop');
});

test('only proxies whose compiled config changed get a push; generations reach the status API', async () => {
  const log = new MemoryLogger();
  const d = new MeshDistributor({ logger: log, quietMs: 10, maxDelayMs: 50 });
  let s: RunningXdsServer | undefined;
  after(async () => {
    await s?.close(100);
  });
  s = await startXdsServer({ snapshotFor: (n) => d.snapshotFor(n) });
  d.bind(s.server);
  d.meshChanged(withShopOnlyRule('1s', 1), 'v1');
  d.flush();
  const connect = async (id: string, ns: string, wl: string): Promise<SotwWire> => {
    const w = new SotwWire(s?.port ?? 0);
    after(() => w.close());
    w.autoAck((r) => (r.type_url === TypeUrl.RouteConfiguration ? ['80', '9080', '9090'] : r.type_url === TypeUrl.ClusterLoadAssignment ? [] : []));
    w.send({ node: node(id, ns, wl), type_url: TypeUrl.Cluster });
    w.send({ type_url: TypeUrl.Listener });
    w.send({ type_url: TypeUrl.RouteConfiguration, resource_names: ['80', '9080', '9090'] });
    await w.waitFor(3);
    return w;
  };
  const front = await connect('f1', 'shop', 'frontend');
  const pg = await connect('pg1', 'data', 'postgres');
  await sleep(50);
  const frontBefore = front.responses.length;
  const pgBefore = pg.responses.length;

  // Generation 2 changes a rule visible only in `shop`.
  const mesh2 = withShopOnlyRule('2s', 2);
  d.meshChanged(mesh2, 'v2');
  const report = d.flush();
  assert.deepEqual(report?.changed, ['shop/frontend']);
  await front.waitFor(frontBefore + 1);
  await sleep(100);
  assert.deepEqual(front.responses.slice(frontBefore).map((r) => r.type_url), [TypeUrl.RouteConfiguration], 'only the route changed');
  assert.equal(pg.responses.length, pgBefore, 'the data namespace proxy got nothing');

  const analysis = analyzeMesh(mesh2).resources.find((r) => r.ref.name === 'ratings-timeout');
  assert.ok(analysis !== undefined);
  const status = s.tracker.programmed(refKey(analysis.ref), 2, reachOf(analysis.proxies));
  assert.equal(status.message, 'programmed on 1 of 1 proxy');
  assert.equal(s.tracker.proxy('pg1')?.inSync, true);
  assert.equal(s.tracker.proxy('pg1')?.ackedMeshVersion, 'v2', 'an unchanged proxy is in sync with the new mesh version without a push');
});

test('an inconsistent snapshot is refused loudly; the proxy keeps its config', () => {
  const log = new MemoryLogger();
  const clock = new ManualClock();
  let broken = false;
  const d = new MeshDistributor({
    clock,
    logger: log,
    resourcesFor: (): ResourceInput[] => [
      { name: 'r', typeUrl: TypeUrl.RouteConfiguration, resource: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: broken ? 'gone' : 'c' } }] }] } },
      { name: 'c', typeUrl: TypeUrl.Cluster, resource: { name: 'c', type: 'STATIC', connect_timeout: '1s' } },
    ],
  });
  const target = new RecordingTarget([frontend]);
  d.bind(target);
  d.meshChanged(shopMesh(), 'v1');
  assert.deepEqual(d.flush()?.failed, []);
  const good = target.held.get('shop/frontend');
  broken = true;
  d.meshChanged(shopMesh(), 'v2');
  const r = d.flush();
  assert.equal(r?.failed.length, 1);
  assert.match(r?.failed[0]?.error ?? '', /inconsistent xDS snapshot for shop\/frontend: RDS "r": virtual_hosts\[0\]\.routes\[0\]\.route\.cluster names cluster "gone"/);
  assert.equal(target.held.get('shop/frontend'), good);
  assert.ok(log.records.some((x) => x.level === 'error' && x.msg === 'refused to push an xDS snapshot'));
});

test('proxyless gRPC clients get API listeners named <fqdn>:<port>', () => {
  const d = new MeshDistributor({ clock: new ManualClock() });
  const target = new RecordingTarget([{ id: 'g1', namespace: 'shop', workload: 'frontend', kind: 'proxyless', userAgent: '' }]);
  d.bind(target);
  d.meshChanged(shopMesh(), 'v1');
  d.flush();
  const snap = target.held.get('shop/frontend~grpc');
  assert.ok(snap !== undefined);
  const listeners = [...(snap.type(TypeUrl.Listener)?.resources.keys() ?? [])];
  assert.ok(listeners.includes('ratings.shop.svc.cluster.local:9090'), listeners.join(' '));
  assert.ok(!listeners.includes('virtualOutbound'));
  const cluster = snap.type(TypeUrl.Cluster)?.resources.get('outbound|9090||ratings.shop.svc.cluster.local')?.resource;
  assert.ok(cluster !== undefined && !('transport_socket' in cluster), 'plaintext');
  const cla = snap.type(TypeUrl.ClusterLoadAssignment)?.resources.get('outbound|9090||ratings.shop.svc.cluster.local')?.resource as { endpoints?: { locality?: object; load_balancing_weight?: number }[] };
  assert.deepEqual(cla.endpoints?.map((e) => [e.locality, e.load_balancing_weight]), [[{}, 1]]);
});

test('over the wire with real timers: a burst of edits is one RDS push after the quiet period; steady edits are pushed at least every maxDelayMs', async () => {
  const reports: PushReport[] = [];
  const d = new MeshDistributor({ quietMs: 120, maxDelayMs: 500, onPush: (r) => reports.push(r) });
  const s = await startXdsServer({ snapshotFor: (n) => d.snapshotFor(n) });
  after(async () => {
    await s.close(100);
  });
  d.bind(s.server);
  d.meshChanged(withShopOnlyRule('1s', 1), 'v1');
  d.flush();
  const w = new SotwWire(s.port);
  after(() => w.close());
  w.autoAck((r) => (r.type_url === TypeUrl.RouteConfiguration ? ['80', '9080', '9090'] : []));
  w.send({ node: node('f-wire', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  w.send({ type_url: TypeUrl.RouteConfiguration, resource_names: ['80', '9080', '9090'] });
  await w.waitFor(3);
  await sleep(100);
  const rds = (): number => w.responses.filter((r) => r.type_url === TypeUrl.RouteConfiguration).length;

  // 20 edits 10 ms apart: nothing while they keep coming, then one push carrying the last.
  const burstStart = rds();
  const pushesBefore = reports.length;
  for (let i = 0; i < 20; i++) {
    d.meshChanged(withShopOnlyRule(`${i + 2}s`, i + 2), `burst-${i}`);
    await sleep(10);
  }
  assert.equal(rds(), burstStart, 'no push inside the burst');
  await sleep(450);
  assert.equal(rds() - burstStart, 1, 'one RDS push for the burst');
  assert.equal(reports.length - pushesBefore, 1);
  assert.equal(reports.at(-1)?.meshVersion, 'burst-19');
  const last = w.responses.filter((r) => r.type_url === TypeUrl.RouteConfiguration).at(-1);
  assert.equal(last?.version_info, s.server.snapshot('shop/frontend')?.versionOf(TypeUrl.RouteConfiguration), 'the push carries the snapshot of the last edit');

  // An edit every 40 ms for 1.7 s never goes quiet: pushes still come, each within maxDelayMs of its first edit.
  const steadyReports = reports.length;
  const steadyStart = rds();
  const t0 = Date.now();
  for (let i = 0; Date.now() - t0 < 1700; i++) {
    d.meshChanged(withShopOnlyRule(`${100 + i}s`, 100 + i), `steady-${i}`);
    await sleep(40);
  }
  const during = reports.slice(steadyReports);
  assert.ok(during.length >= 2 && during.length <= 4, `${during.length} pushes in 1.7 s of edits`);
  for (const r of during) assert.ok(r.delayMs <= 500 + 150, `a push ${r.delayMs} ms after its first edit`);
  assert.ok(rds() - steadyStart >= 2, 'the proxy received them');
});
