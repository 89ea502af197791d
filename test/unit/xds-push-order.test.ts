// A rules-only VirtualService edit goes first to the proxies that hold the
// edited virtual host, over real gRPC with the real distributor and compiler:
// their keys are built and pushed before any other, the others follow in
// slices, receive nothing (they hold nothing the edit touched) and are still
// reported in sync with the new mesh version.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualService } from '../../operator/api/model.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { MeshDistributor, type PushReport } from '../../operator/xds/distributor.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { TypeUrl } from '../../xds/types.ts';
import { largeMesh } from '../bench/large-mesh.ts';
import { DeltaWire, node, sleep } from '../support/ads-wire.ts';

const servers: RunningXdsServer[] = [];
const wires: DeltaWire[] = [];
after(async () => {
  for (const w of wires) w.close();
  for (const s of servers) await s.close(10);
});

/** A sidecar's delta stream taking clusters, listeners and the named virtual hosts, ACKing everything. */
function sidecar(port: number, id: string, namespace: string, workload: string, vhosts: readonly string[]): DeltaWire {
  const w = new DeltaWire(port);
  wires.push(w);
  w.send({ node: node(id, namespace, workload), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: [...vhosts] });
  const seen = new Set<DeltaWire['responses'][number]>();
  const ackAll = (): void => {
    for (const r of w.responses) {
      if (seen.has(r)) continue;
      seen.add(r);
      w.ack(r);
    }
  };
  setInterval(ackAll, 5).unref();
  return w;
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The mesh with the rules of the VirtualService that holds `svc<k>` changed (its timeouts). */
function editHost(mesh: MeshSnapshot, k: number, timeout: string): { mesh: MeshSnapshot; name: string } {
  const holders = mesh.virtualServices.filter((vs) => (vs.spec.hosts ?? []).includes(`svc${k}`));
  // The oldest claim wins (then namespace/name), as the compiler decides.
  holders.sort((a, b) => `${a.metadata.creationTimestamp}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.creationTimestamp}/${b.metadata.namespace}/${b.metadata.name}`));
  const target = holders[0]?.metadata.name;
  assert.ok(target !== undefined);
  const virtualServices = mesh.virtualServices.map((vs): VirtualService =>
    vs.metadata.name !== target ? vs : { ...vs, metadata: { ...vs.metadata, generation: (vs.metadata.generation ?? 1) + 1 }, spec: { ...vs.spec, http: (vs.spec.http ?? []).map((h) => ({ ...h, timeout })) } },
  );
  return { mesh: { ...mesh, virtualServices }, name: target };
}

/** Waits until every one of `proxies` has acknowledged mesh `version` whole. */
function inSync(s: RunningXdsServer, proxies: readonly { id: string }[], version: string): Promise<void> {
  return until(`every proxy in sync with ${version}`, () => proxies.every((p) => s.tracker.proxy(p.id)?.inSync === true && s.tracker.proxy(p.id)?.ackedMeshVersion === version));
}

/** The real distributor and xDS server with `mesh` pushed as v0; every push report collected. */
async function controlPlane(mesh: MeshSnapshot): Promise<{ s: RunningXdsServer; dist: MeshDistributor; reports: PushReport[] }> {
  const reports: PushReport[] = [];
  const dist = new MeshDistributor({ quietMs: 0, maxDelayMs: 0, onPush: (r) => reports.push(r) });
  const s = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  servers.push(s);
  dist.bind(s.server);
  dist.meshChanged(mesh, 'v0');
  dist.flush();
  return { s, dist, reports };
}

test('a rules edit is built and pushed first for the proxies holding the edited host; the others follow without a response and are in sync', async () => {
  let mesh = largeMesh({ services: 40, virtualServices: 80, policies: 10 });
  const { s, dist, reports } = await controlPlane(mesh);
  // Six workloads; only app0's and app1's proxies hold svc2's virtual host (HTTP port 80, namespace ns2).
  const held = '80/svc2.ns2.svc.cluster.local:80';
  const other = '80/svc3.ns3.svc.cluster.local:80';
  const proxies = [0, 1, 2, 3, 4, 5].map((i) => ({ id: `p${i}`, w: sidecar(s.port, `p${i}`, `ns${i}`, `app${i}`, i < 2 ? [held, other] : [other]) }));
  await inSync(s, proxies, 'v0');
  const before = proxies.map((p) => p.w.responses.length);

  mesh = editHost(mesh, 2, '7s').mesh;
  dist.meshChanged(mesh, 'v1');
  // The first keys go out at once; the rest in slices, so flush reports nothing yet.
  assert.equal(dist.flush(), undefined);
  await until('the push report', () => reports.some((r) => r.meshVersion === 'v1'));
  const report = reports.find((r) => r.meshVersion === 'v1');
  assert.ok(report !== undefined);
  assert.deepEqual(report.first?.keys, 2, 'the two keys holding the edited host went first');
  assert.deepEqual(report.failed, []);
  assert.equal(report.compiled, 6);
  await inSync(s, proxies, 'v1');
  await sleep(30);
  for (const [i, p] of proxies.entries()) {
    const got = p.w.responses.slice(before[i]);
    if (i < 2) {
      assert.deepEqual(got.map((r) => `${r.type_url === TypeUrl.VirtualHost ? 'VHDS' : r.type_url}:${(r.resources ?? []).map((x) => x.name).join(',')}`), [`VHDS:${held}`], `p${i} gets the edited virtual host alone`);
    } else assert.deepEqual(got, [], `p${i} holds nothing the edit touched`);
  }

  // An edit of a host every proxy holds reaches them all in one go (no first keys).
  mesh = editHost(mesh, 3, '9s').mesh;
  dist.meshChanged(mesh, 'v2');
  const all = dist.flush();
  assert.ok(all !== undefined, 'pushed in one go');
  assert.equal(all.first, undefined);
  await inSync(s, proxies, 'v2');

  // A newer edit while a push is still in slices overtakes it: the older one is reported with what it did, the newer one completes.
  mesh = editHost(mesh, 2, '11s').mesh;
  dist.meshChanged(mesh, 'v3');
  dist.flush();
  mesh = editHost(mesh, 2, '12s').mesh;
  dist.meshChanged(mesh, 'v4');
  dist.flush();
  await until('the v4 report', () => reports.some((r) => r.meshVersion === 'v4'));
  assert.ok(reports.some((r) => r.meshVersion === 'v3'), 'the overtaken push is reported too');
  await inSync(s, proxies, 'v4');
  dist.stop();
});

test('a proxy with an alias not answered yet is among the first keys when the edited host may be its answer', async () => {
  let mesh = largeMesh({ services: 40, virtualServices: 80, policies: 10 });
  const { s, dist, reports } = await controlPlane(mesh);
  const other = '80/svc3.ns3.svc.cluster.local:80';
  const proxies = [0, 1, 2, 3].map((i) => ({ id: `p${i}`, w: sidecar(s.port, `p${i}`, `ns${i}`, `app${i}`, [other]) }));
  await inSync(s, proxies, 'v0');
  // p9 takes svc3's virtual host and, before ACKing that answer, asks for svc2.ns2:80: its alias waits.
  const w = new DeltaWire(s.port);
  wires.push(w);
  w.send({ node: node('p9', 'ns9', 'app9'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  const [c, l] = await w.waitFor(2);
  assert.ok(c !== undefined && l !== undefined);
  w.ack(c);
  w.ack(l);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: [other] });
  const [, , r] = await w.waitFor(3);
  assert.ok(r !== undefined);
  w.send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80/svc2.ns2'] });
  await sleep(50);
  assert.equal(w.responses.length, 3, 'the alias is not answered while a response waits');

  mesh = editHost(mesh, 2, '7s').mesh;
  dist.meshChanged(mesh, 'v1');
  dist.flush();
  await until('the push report', () => reports.some((x) => x.meshVersion === 'v1'));
  const report = reports.find((x) => x.meshVersion === 'v1');
  assert.equal(report?.first?.keys, 1, 'the key of the proxy whose alias waits went first');
  // Answered now: with the edited virtual host.
  w.ack(r);
  const [, , , answer] = await w.waitFor(4);
  assert.ok(answer !== undefined);
  assert.deepEqual((answer.resources ?? []).map((x) => [x.name, x.aliases]), [['80/svc2.ns2.svc.cluster.local:80', ['80/svc2.ns2']]]);
  dist.stop();
});
