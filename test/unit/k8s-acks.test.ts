import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refKey } from '../../operator/api/model.ts';
import type { MeshAnalysis, ResourceAnalysis } from '../../operator/compile/analyze.ts';
import { aggregate, decodeSummary, encodeSummary, MeaningIndex, meaningOf, PLAIN_LIMIT, SUMMARY_FORMAT, type ReplicaSummary } from '../../operator/k8s/acks/summary.ts';
import { acksConfigMapName } from '../../operator/k8s/acks/shared.ts';

const resource = (name: string, generation: number, namespaces: string[], unresolved: string[] = []): ResourceAnalysis => ({
  ref: { group: 'weft.dev', kind: 'VirtualService', namespace: 'shop', name, generation },
  conflicts: [],
  unresolved: unresolved.map((m) => ({ path: 'spec.http[0].route[0].destination.host', message: m })),
  notes: [],
  hosts: [`${name}.shop.svc.cluster.local`],
  proxies: { kind: 'namespaces', namespaces },
});
const mesh = (...rs: ResourceAnalysis[]): MeshAnalysis => ({ resources: rs, byKey: new Map() });
const query = (r: ResourceAnalysis) => ({ ref: r.ref, generation: r.ref.generation ?? 0, reach: r.proxies, version: 1 });

test('a meaning changes with the generation and with the analysis, not with the build that carried it', () => {
  const a = resource('reviews', 1, ['shop']);
  assert.equal(meaningOf(a), meaningOf(resource('reviews', 1, ['shop'])));
  assert.notEqual(meaningOf(a), meaningOf(resource('reviews', 2, ['shop'])));
  assert.notEqual(meaningOf(a), meaningOf(resource('reviews', 1, ['shop', 'web'])));
  assert.notEqual(meaningOf(a), meaningOf(resource('reviews', 1, ['shop'], ['reviews-v2 is not a Service'])));
  const index = new MeaningIndex();
  index.observe(3, mesh(a));
  index.observe(4, mesh(resource('reviews', 1, ['shop'])));
  assert.equal(index.get(refKey(a.ref))?.hash, meaningOf(a));
  const only = [...index.values()];
  assert.equal(only.length, 1);
  assert.equal(only[0]?.since, 3, 'the same meaning in a later build keeps its first version');
  index.observe(5, mesh(resource('reviews', 2, ['shop'])));
  assert.equal([...index.values()][0]?.since, 5);
});

test('aggregate: the union of replicas, a proxy counted once where it connected last, rejections named, reach applied', () => {
  const r = resource('reviews', 2, ['shop']);
  const index = new MeaningIndex();
  index.observe(9, mesh(r));
  const m = meaningOf(r);
  const old = meaningOf(resource('reviews', 1, ['shop']));
  const a: ReplicaSummary = {
    format: SUMMARY_FORMAT, replica: 'a', sets: [[m], [old]],
    proxies: [
      { id: 'p1', namespace: 'shop', workload: 'productpage', since: 100, acked: 0 },
      // p2 was here before it reconnected to b: b's entry is newer and wins.
      { id: 'p2', namespace: 'shop', workload: 'ratings', since: 100, acked: 0 },
      { id: 'p9', namespace: 'web', workload: 'frontend', since: 100, acked: 1 },
    ],
  };
  const b: ReplicaSummary = {
    format: SUMMARY_FORMAT, replica: 'b', sets: [[old], [m]],
    proxies: [
      { id: 'p2', namespace: 'shop', workload: 'ratings', since: 200, acked: 0, nack: { type: 'RDS', error: 'weight 30 refused', version: 'abc', set: 1 } },
      { id: 'p3', namespace: 'shop', workload: 'details', since: 150, acked: 0 },
    ],
  };
  assert.deepEqual(aggregate([a, b], index, query(r)), { acked: 1, total: 3, rejections: [{ proxy: 'shop/ratings (p2)', error: 'RDS weight 30 refused' }] });
  // Without b: p2 as a last saw it.
  assert.deepEqual(aggregate([a], index, query(r)), { acked: 2, total: 2, rejections: [] });
  // A generation this replica has not built yet: no answer rather than a wrong one.
  assert.equal(aggregate([a, b], index, { ...query(r), generation: 3 }), undefined);
});

test('a summary round-trips through a ConfigMap, gzipped past the plain limit, and a malformed one is named', () => {
  const small: ReplicaSummary = { format: SUMMARY_FORMAT, replica: 'a', sets: [['x']], proxies: [{ id: 'p', namespace: 'shop', workload: 'w', since: 1, acked: 0 }] };
  const e1 = encodeSummary(small);
  assert.equal(e1.kind, 'plain');
  assert.deepEqual(e1.kind === 'plain' ? decodeSummary(e1.data, undefined) : undefined, { ok: true, summary: small });
  const proxies = Array.from({ length: 12_000 }, (_, i) => ({ id: `sidecar~10.0.${i >> 8}.${i & 255}~pod-${i}.shop~shop.svc.cluster.local`, namespace: 'shop', workload: `w${i % 50}`, since: 1_700_000_000_000 + i, acked: i % 3 }));
  const big: ReplicaSummary = { format: SUMMARY_FORMAT, replica: 'a', sets: [['x'], ['y'], ['z']], proxies };
  assert.ok(JSON.stringify(big).length > PLAIN_LIMIT);
  const e2 = encodeSummary(big);
  assert.equal(e2.kind, 'gzip');
  assert.deepEqual(e2.kind === 'gzip' ? decodeSummary(undefined, e2.binaryData) : undefined, { ok: true, summary: big });
  assert.deepEqual(decodeSummary({ 'summary.json': '{"format":1,"replica":"a","sets":[],"proxies":[{"id":3}]}' }, undefined), { ok: false, error: 'summary.json: proxies[0] is malformed' });
  assert.deepEqual(decodeSummary({}, undefined), { ok: false, error: 'neither data.summary.json nor binaryData.summary.json.gz is set' });
});

test('ConfigMap names: a Pod name as is, anything else made to fit and kept distinct', () => {
  assert.equal(acksConfigMapName('weft-operator-7d9f-abc12'), 'weft-acks-weft-operator-7d9f-abc12');
  const odd = acksConfigMapName('Host_1');
  assert.match(odd, /^weft-acks-host-1-[0-9a-f]{10}$/);
  assert.notEqual(odd, acksConfigMapName('host_1'));
});
