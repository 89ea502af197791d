// The waypoint's rendering and the reading of its Deployment's state: pure
// functions, tested without a cluster (the cluster tests are
// test/integration/managed-proxy.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SIDECAR } from '../../operator/k8s/webhook/inject.ts';
import { canonical, renderWaypoint, waypointContainer, waypointState } from '../../operator/k8s/proxies/waypoint.ts';

const ns = { name: 'shop', uid: 'uid-1' };

test('the config hash follows the image and every setting, and nothing else', () => {
  const a = renderWaypoint(ns, DEFAULT_SIDECAR);
  assert.equal(renderWaypoint(ns, { ...DEFAULT_SIDECAR }).hash, a.hash, 'same settings, same hash');
  assert.equal(renderWaypoint({ name: 'other', uid: 'uid-2' }, DEFAULT_SIDECAR).hash, a.hash, 'the namespace is not part of the pod template');
  const changes = [
    { ...DEFAULT_SIDECAR, image: 'weft:v2' },
    { ...DEFAULT_SIDECAR, xdsAddress: 'weft.mesh.svc:15012' },
    { ...DEFAULT_SIDECAR, trustDomain: 'example.org' },
    { ...DEFAULT_SIDECAR, proxyResources: { ...DEFAULT_SIDECAR.proxyResources, limits: { memory: '1Gi' } } },
    { ...DEFAULT_SIDECAR, ports: { ...DEFAULT_SIDECAR.ports, inbound: 16006 } },
  ];
  const hashes = new Set([a.hash, ...changes.map((c) => renderWaypoint(ns, c).hash)]);
  assert.equal(hashes.size, changes.length + 1, 'every change of setting is a new hash');
});

test('canonical JSON does not depend on key order', () => {
  assert.equal(canonical({ b: 1, a: [{ y: 2, x: 1 }] }), canonical({ a: [{ x: 1, y: 2 }], b: 1 }));
  assert.notEqual(canonical({ a: [1, 2] }), canonical({ a: [2, 1] }));
});

const deployment = (status: Record<string, unknown>, extra: { generation?: number; replicas?: number; hash?: string } = {}) => ({
  metadata: { generation: extra.generation ?? 2, annotations: { 'weft.dev/proxy-config-hash': extra.hash ?? 'h1' } },
  spec: { ...(extra.replicas === undefined ? {} : { replicas: extra.replicas }), template: { spec: { containers: [{ image: 'weft:v2' }] } } },
  status,
});

test('the state is read as kubectl rollout status reads it', () => {
  assert.deepEqual(waypointState(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, { replicas: 2 }), 'h1'), { status: 'True', reason: 'Available', message: '2 of 2 replicas available (weft:v2)' });
  assert.equal(waypointState(deployment({ observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1 }), 'h1').reason, 'Pending', 'an older generation observed');
  assert.equal(waypointState(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), 'h2').reason, 'Pending', 'not the current config yet');
  assert.equal(waypointState(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }), 'h1').reason, 'Progressing', 'old replicas still running');
  assert.equal(waypointState(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }), 'h1').reason, 'Unavailable');
  assert.equal(waypointState(deployment({ observedGeneration: 2 }, { replicas: 0 }), 'h1').reason, 'Unavailable', 'scaled to zero');
  const stuck = waypointState(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] }), 'h1');
  assert.deepEqual([stuck.status, stuck.reason], ['False', 'RolloutFailed']);
});

test('a waypoint proxy registers as the weft-waypoint workload with its labels', () => {
  const env = waypointContainer(DEFAULT_SIDECAR).env ?? [];
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  assert.equal(value('WEFT_WORKLOAD_NAME'), 'weft-waypoint');
  assert.equal(JSON.parse(value('WEFT_LABELS') ?? '{}')['app.kubernetes.io/name'], 'weft-waypoint');
});
