// Status conditions derived from what the operator observed: live-shaped
// objects go through the real validator, registry and analysis (buildMesh),
// and the pure condition functions turn that into the four conditions.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMeshSettings, type KeySet } from '../../operator/compile/snapshot.ts';
import {
  deriveConditions,
  readStatus,
  statusChanged,
  transitions,
  withTransitions,
  type DesiredCondition,
  type Observation,
  type ProgrammedObservation,
} from '../../operator/k8s/conditions.ts';
import { ValidationMemo, buildMesh, meshKey, type MeshObject } from '../../operator/k8s/mesh.ts';
import type { Obj } from '../../operator/k8s/objects.ts';

const { namespaceMtls: _unused, ...base } = defaultMeshSettings;

const service = (ns: string, name: string, ports: number[] = [80]): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: ns, name, uid: `svc-${name}` },
  spec: { selector: { app: name }, ports: ports.map((p) => ({ name: `http-${p}`, port: p })) },
});

let seq = 0;
const vs = (ns: string, name: string, spec: Obj, created = '2025-01-01T00:00:00Z', generation = 1): MeshObject => {
  const object: Obj = {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'VirtualService',
    metadata: { namespace: ns, name, uid: `uid-${name}-${++seq}`, generation, creationTimestamp: created },
    spec,
  };
  return { key: meshKey('VirtualService', 'weft.dev', object), kind: 'VirtualService', group: 'weft.dev', object };
};

const pod = (ns: string, name: string, app: string, ip: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels: { app } },
  spec: { containers: [] },
  status: { podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
});

function observe(objects: readonly MeshObject[], services: readonly Obj[], target: MeshObject, programmed: ProgrammedObservation = { kind: 'no-source' }): Observation {
  const build = buildMesh({ meshObjects: objects, services, pods: [pod('shop', 'web-1', 'web', '10.0.0.1')], endpointSlices: [], workloadEntries: [], namespaces: [] }, base, new ValidationMemo());
  const verdict = build.verdicts.get(target.key);
  assert.ok(verdict !== undefined, `no verdict for ${target.key}`);
  if (!verdict.validation.ok) return { kind: 'invalid', generation: verdict.generation, problems: verdict.validation.problems };
  const analysis = build.analysis.byKey.get(target.key);
  assert.ok(analysis !== undefined);
  return { kind: 'valid', generation: verdict.generation, warnings: verdict.validation.problems, analysis, programmed };
}

const byType = (cs: readonly DesiredCondition[]): Record<string, DesiredCondition> => Object.fromEntries(cs.map((c) => [c.type, c]));
const summary = (c: DesiredCondition | undefined): string => (c === undefined ? 'missing' : `${c.status}/${c.reason}`);

const good = vs('shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });

describe('deriveConditions', () => {
  it('a valid resource whose Services exist, with no xDS server: Accepted and ResolvedRefs True, Programmed and Ready Unknown/Pending', () => {
    const c = byType(deriveConditions(observe([good], [service('shop', 'reviews')], good)));
    assert.deepEqual([c['Accepted'], c['ResolvedRefs'], c['Programmed'], c['Ready']].map(summary), ['True/Accepted', 'True/ResolvedRefs', 'Unknown/Pending', 'Unknown/Pending']);
    assert.match(c['Programmed']?.message ?? '', /no proxy is connected/);
    assert.match(c['Programmed']?.message ?? '', /generation 1/);
  });

  it('acknowledged by every proxy in reach: Programmed and Ready True, with the count', () => {
    const c = byType(deriveConditions(observe([good], [service('shop', 'reviews')], good, { kind: 'report', report: { acked: 3, total: 3, rejections: [] } })));
    assert.equal(summary(c['Programmed']), 'True/Programmed');
    assert.equal(c['Programmed']?.message, 'acknowledged by 3 of 3 proxies (generation 1)');
    assert.equal(summary(c['Ready']), 'True/Ready');
  });

  it('some proxies still behind: Pending, saying how many', () => {
    const c = byType(deriveConditions(observe([good], [service('shop', 'reviews')], good, { kind: 'report', report: { acked: 1, total: 2, rejections: [] } })));
    assert.equal(summary(c['Programmed']), 'Unknown/Pending');
    assert.match(c['Programmed']?.message ?? '', /acknowledged by 1 of 2 proxies .*waiting for 1/);
    assert.equal(summary(c['Ready']), 'Unknown/Pending');
  });

  it('the source has no answer yet: Pending', () => {
    const c = byType(deriveConditions(observe([good], [service('shop', 'reviews')], good, { kind: 'waiting' })));
    assert.equal(summary(c['Programmed']), 'Unknown/Pending');
    assert.match(c['Programmed']?.message ?? '', /waiting for the proxies/);
  });

  it('reaching no connected proxy is nothing left to acknowledge: Programmed True', () => {
    const c = byType(deriveConditions(observe([good], [service('shop', 'reviews')], good, { kind: 'report', report: { acked: 0, total: 0, rejections: [] } })));
    assert.equal(summary(c['Programmed']), 'True/Programmed');
    assert.match(c['Programmed']?.message ?? '', /^no proxy in reach is connected \(0 of 0\): nothing to program yet \(generation 1\)$/);
    assert.equal(summary(c['Ready']), 'True/Ready');
  });

  it('a proxy rejects it: Programmed and Ready False, with the proxy and its error', () => {
    const report = { acked: 1, total: 2, rejections: [{ proxy: 'shop/web', error: 'route: duplicate domain reviews' }] };
    const c = byType(deriveConditions(observe([good], [service('shop', 'reviews')], good, { kind: 'report', report })));
    assert.equal(summary(c['Programmed']), 'False/Rejected');
    assert.match(c['Programmed']?.message ?? '', /rejected by 1 of 2 proxies: shop\/web: route: duplicate domain reviews; acknowledged by 1/);
    assert.equal(summary(c['Ready']), 'False/Rejected');
  });

  it('an invalid resource: Accepted False with every problem at its path; nothing else checked', () => {
    const bad = vs('shop', 'bad', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight: 0 }], timeout: 'soon' }] });
    const c = byType(deriveConditions(observe([bad], [service('shop', 'reviews')], bad)));
    assert.equal(summary(c['Accepted']), 'False/Invalid');
    assert.match(c['Accepted']?.message ?? '', /spec\.http\[0\]\.timeout: /);
    assert.deepEqual([c['ResolvedRefs'], c['Programmed'], c['Ready']].map(summary), ['Unknown/Invalid', 'False/Invalid', 'False/Invalid']);
    assert.equal(c['Ready']?.message, c['Accepted']?.message);
  });

  it('a missing Service: ResolvedRefs False ServiceNotFound, naming the host and the field', () => {
    const missing = vs('shop', 'ratings', { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }] }] });
    const c = byType(deriveConditions(observe([missing], [service('shop', 'reviews')], missing)));
    assert.equal(summary(c['ResolvedRefs']), 'False/ServiceNotFound');
    assert.match(c['ResolvedRefs']?.message ?? '', /^spec\.hosts\[0\]: ratings \(ratings\.shop\.svc\.cluster\.local\) is not a Service/);
    assert.match(c['ResolvedRefs']?.message ?? '', /spec\.http\[0\]\.route\[0\]\.destination\.host: ratings/);
    assert.equal(summary(c['Ready']), 'False/ServiceNotFound');
  });

  it('a missing port: PortNotFound', () => {
    const wrongPort = vs('shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', port: { number: 9999 } } }] }] });
    const c = byType(deriveConditions(observe([wrongPort], [service('shop', 'reviews', [80, 8080])], wrongPort)));
    assert.equal(summary(c['ResolvedRefs']), 'False/PortNotFound');
    assert.match(c['ResolvedRefs']?.message ?? '', /has no port 9999 \(it has 80, 8080\)/);
  });

  it('two VirtualServices on one host: the newer is Conflicted and names the older; the older is Ready and says whom it beat', () => {
    const older = vs('shop', 'first', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }, '2025-01-01T00:00:00Z');
    const newer = vs('shop', 'second', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }, '2025-02-01T00:00:00Z');
    const acked: ProgrammedObservation = { kind: 'report', report: { acked: 1, total: 1, rejections: [] } };
    const loser = byType(deriveConditions(observe([older, newer], [service('shop', 'reviews')], newer, acked)));
    assert.equal(summary(loser['Accepted']), 'True/Accepted');
    assert.equal(summary(loser['Ready']), 'False/Conflicted');
    assert.match(loser['Ready']?.message ?? '', /spec\.hosts\[0\]: host reviews\.shop\.svc\.cluster\.local is also claimed by the older VirtualService shop\/first/);
    const winner = byType(deriveConditions(observe([older, newer], [service('shop', 'reviews')], older, acked)));
    assert.equal(summary(winner['Ready']), 'True/Ready');
    assert.match(winner['Ready']?.message ?? '', /also claimed by VirtualService shop\/second; this one is older/);
  });

  it('bounds long messages: eight problems shown, then a count', () => {
    const many = vs('shop', 'many', { hosts: ['reviews'], http: Array.from({ length: 12 }, (_, i) => ({ route: [{ destination: { host: `missing-${i}` } }] })) });
    const c = byType(deriveConditions(observe([many], [service('shop', 'reviews')], many)));
    assert.match(c['ResolvedRefs']?.message ?? '', /; and 4 more$/);
    assert.equal((c['ResolvedRefs']?.message.match(/is not a Service/g) ?? []).length, 8);
  });
});

describe('withTransitions', () => {
  const desired = (accepted: 'True' | 'False', message = 'm'): DesiredCondition[] => [
    { type: 'Accepted', status: accepted, reason: accepted === 'True' ? 'Accepted' : 'Invalid', message },
    { type: 'Ready', status: 'Unknown', reason: 'Pending', message },
  ];

  it('sets lastTransitionTime when a condition first appears or its status changes, and keeps it otherwise', () => {
    const first = withTransitions(desired('True'), [], 1, '2025-01-01T00:00:00Z');
    assert.deepEqual(first.conditions.map((c) => c.lastTransitionTime), ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z']);
    // A new message (and a new generation) without a new status is no transition.
    const second = withTransitions(desired('True', 'other words'), first.conditions, 2, '2025-01-02T00:00:00Z');
    assert.deepEqual(second.conditions.map((c) => c.lastTransitionTime), ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z']);
    assert.deepEqual(second.conditions.map((c) => c.observedGeneration), [2, 2]);
    assert.equal(second.observedGeneration, 2);
    const third = withTransitions(desired('False'), second.conditions, 3, '2025-01-03T00:00:00Z');
    assert.deepEqual(third.conditions.map((c) => c.lastTransitionTime), ['2025-01-03T00:00:00Z', '2025-01-01T00:00:00Z']);
  });

  it('writes nothing when re-deriving from the same observation (a restarted operator)', () => {
    const written = withTransitions(desired('True'), [], 4, '2025-01-01T00:00:00Z');
    const asStored = readStatus({ status: JSON.parse(JSON.stringify(written)) as unknown });
    const again = withTransitions(desired('True'), asStored.conditions, 4, '2026-06-01T00:00:00Z');
    assert.equal(statusChanged(asStored, again), false);
    assert.equal(statusChanged(asStored, withTransitions(desired('True'), asStored.conditions, 5, '2026-06-01T00:00:00Z')), true);
  });

  it('reads only its own condition types from status, in a fixed order', () => {
    const s = readStatus({
      status: {
        observedGeneration: 3,
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Ready', message: '', observedGeneration: 3, lastTransitionTime: 't' },
          { type: 'SomeoneElses', status: 'True' },
          { type: 'Accepted', status: 'Maybe' },
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', observedGeneration: 3, lastTransitionTime: 't' },
        ],
      },
    });
    assert.equal(s.observedGeneration, 3);
    assert.deepEqual(s.conditions.map((c) => c.type), ['Accepted', 'Ready']);
  });

  it('announces changes of status or reason, not of message alone', () => {
    const before = withTransitions(desired('True'), [], 1, 't1').conditions;
    assert.deepEqual(transitions(before, withTransitions(desired('True', 'new words'), before, 1, 't2')), []);
    const t = transitions(before, withTransitions(desired('False'), before, 2, 't2'));
    assert.deepEqual(t.map((x) => [x.condition.type, x.from?.status, x.condition.status]), [['Accepted', 'True', 'False']]);
  });
});

describe('RequestAuthentication conditions: key sets are its references', () => {
  const ra = (jwksUri: string): MeshObject => {
    const object: Obj = {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'RequestAuthentication',
      metadata: { namespace: 'shop', name: 'jwt', uid: 'uid-jwt', generation: 2, creationTimestamp: '2025-01-01T00:00:00Z' },
      spec: { selector: { matchLabels: { app: 'web' } }, jwtRules: [{ issuer: 'https://id.example.com', jwksUri }] },
    };
    return { key: meshKey('RequestAuthentication', 'weft.dev', object), kind: 'RequestAuthentication', group: 'weft.dev', object };
  };
  const conditionsWith = (target: MeshObject, sets: Readonly<Record<string, KeySet>>): Record<string, DesiredCondition> => {
    const asked: string[] = [];
    const build = buildMesh({ meshObjects: [target], services: [service('shop', 'web')], pods: [pod('shop', 'web-1', 'web', '10.0.0.1')], endpointSlices: [], workloadEntries: [], namespaces: [] }, base, new ValidationMemo(), (fetches) => {
      asked.push(...fetches.map((f) => f.url));
      return sets;
    });
    assert.deepEqual(asked, ['https://id.example.com/jwks.json']);
    assert.deepEqual(build.snapshot.keySets, sets);
    const verdict = build.verdicts.get(target.key);
    const analysis = build.analysis.byKey.get(target.key);
    assert.ok(verdict !== undefined && analysis !== undefined);
    assert.deepEqual(analysis.proxies, { kind: 'workloads', workloads: [{ namespace: 'shop', workload: 'web-1' }] });
    return byType(deriveConditions({ kind: 'valid', generation: verdict.generation, warnings: verdict.validation.problems, analysis, programmed: { kind: 'report', report: { acked: 1, total: 1, rejections: [] } } }));
  };
  const target = ra('https://id.example.com/jwks.json');

  it('a fetched key set: ResolvedRefs True, Ready once acknowledged', () => {
    const c = conditionsWith(target, { 'https://id.example.com/jwks.json': { state: 'ready', jwks: '{"keys":[]}' } });
    assert.deepEqual([c['Accepted'], c['ResolvedRefs'], c['Programmed'], c['Ready']].map(summary), ['True/Accepted', 'True/ResolvedRefs', 'True/Programmed', 'True/Ready']);
    assert.match(c['ResolvedRefs']?.message ?? '', /every key set is at hand/);
  });

  it('a key set that cannot be fetched: ResolvedRefs False naming the rule and why; Ready False', () => {
    const c = conditionsWith(target, { 'https://id.example.com/jwks.json': { state: 'failed', reason: 'https://id.example.com/jwks.json: HTTP 503' } });
    assert.equal(summary(c['ResolvedRefs']), 'False/KeySetNotFetched');
    assert.match(c['ResolvedRefs']?.message ?? '', /spec\.jwtRules\[0\]\.jwksUri/);
    assert.match(c['ResolvedRefs']?.message ?? '', /HTTP 503/);
    assert.match(c['ResolvedRefs']?.message ?? '', /refused \(401\)/);
    assert.equal(summary(c['Ready']), 'False/KeySetNotFetched');
  });

  it('not fetched yet: ResolvedRefs False until it is', () => {
    const c = conditionsWith(target, { 'https://id.example.com/jwks.json': { state: 'pending' } });
    assert.equal(c['ResolvedRefs']?.status, 'False');
    assert.match(c['ResolvedRefs']?.message ?? '', /not fetched yet/);
  });
});
