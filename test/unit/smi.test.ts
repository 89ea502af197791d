import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertSmiTrafficSplit, parseQuantity, relativeWeights } from '../../operator/api/smi.ts';
import { validateResource } from '../../operator/api/validate.ts';
import type { TrafficSplit } from '../../operator/api/model.ts';

const smi = (version: string, spec: Record<string, unknown>) => ({
  apiVersion: `split.smi-spec.io/${version}`,
  kind: 'TrafficSplit',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec,
});

function accepted(obj: unknown): TrafficSplit {
  const r = validateResource(obj);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  if (!r.ok) throw new Error('unreachable');
  assert.equal(r.ref.group, 'split.smi-spec.io');
  assert.equal(r.ref.kind, 'TrafficSplit');
  assert.equal(r.resource.apiVersion, 'weft.dev/v1alpha1');
  assert.equal(r.resource.kind, 'TrafficSplit');
  return r.resource as TrafficSplit;
}

test('Quantities parse exactly into thousandths', () => {
  const cases: Array<[unknown, bigint]> = [
    ['500m', 500n], ['1', 1000n], [1, 1000n], ['1k', 1_000_000n], ['1.5', 1500n], [0.5, 500n], ['0.1', 100n],
    ['1Ki', 1_024_000n], ['2Mi', 2_097_152_000n], ['1e3', 1_000_000n], ['1E-3', 1n], ['.5', 500n], ['+2', 2000n],
    ['1000u', 1n], ['1000000n', 1n], ['0', 0n], ['0m', 0n], ['100M', 100_000_000_000n],
  ];
  for (const [input, milli] of cases) {
    const q = parseQuantity(input);
    assert.deepEqual(q, { ok: true, milli }, `${String(input)}`);
  }
  // No float drift: 0.1 + 0.2 and 500m + 500m are exact.
  const sum = (xs: string[]) => xs.reduce((acc, x) => {
    const q = parseQuantity(x);
    assert.ok(q.ok);
    return acc + q.milli;
  }, 0n);
  assert.equal(sum(['500m', '500m']), sum(['1']));
  assert.equal(sum(['0.1', '0.2']), sum(['300m']));
});

test('bad Quantities say what a Quantity looks like', () => {
  for (const bad of ['fifty', '50%', '1..5', 'm', '', '1x', true, null]) {
    const q = parseQuantity(bad);
    assert.equal(q.ok, false, String(bad));
    if (!q.ok) assert.match(q.reason, /quantity such as 50, 500m or 1k/);
  }
  const negative = parseQuantity('-1');
  assert.ok(!negative.ok && /must not be negative/.test(negative.reason));
  const fine = parseQuantity('1u');
  assert.ok(!fine.ok && /finer than a thousandth/.test(fine.reason));
});

test('relative weights keep proportions exactly and stay small', () => {
  assert.deepEqual(relativeWeights([500n, 500n]), [1n, 1n]);
  assert.deepEqual(relativeWeights([1000n, 500n]), [2n, 1n]);
  assert.deepEqual(relativeWeights([900_000n, 100_000n, 0n]), [9n, 1n, 0n]);
  assert.deepEqual(relativeWeights([0n, 0n]), [0n, 0n]);
});

test('v1alpha1: Quantity weights become integer relative weights', () => {
  const ts = accepted(smi('v1alpha1', { service: 'podinfo', backends: [{ service: 'podinfo-primary', weight: '900m' }, { service: 'podinfo-canary', weight: '100m' }] }));
  assert.deepEqual(ts.spec.backends, [{ service: 'podinfo-primary', weight: 9 }, { service: 'podinfo-canary', weight: 1 }]);
  assert.equal(ts.spec.service, 'podinfo');
  assert.equal(ts.metadata.namespace, 'test');
  // Mixed forms: 1 and 500m are 2:1.
  const mixed = accepted(smi('v1alpha1', { service: 'podinfo', backends: [{ service: 'a', weight: 1 }, { service: 'b', weight: '500m' }] }));
  assert.deepEqual(mixed.spec.backends.map((b) => b.weight), [2, 1]);
});

test('v1alpha1: a bad Quantity is reported at its path', () => {
  const r = validateResource(smi('v1alpha1', { service: 'podinfo', backends: [{ service: 'a', weight: '50%' }, { service: 'b', weight: '1' }] }));
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems.map((p) => p.path), ['spec.backends[0].weight']);
  assert.match(r.problems[0]?.message ?? '', /must be a quantity such as 50, 500m or 1k \(got "50%"\)/);
});

test('v1alpha2: integer weights, same shape', () => {
  const ts = accepted(smi('v1alpha2', { service: 'podinfo', backends: [{ service: 'podinfo-primary', weight: 80 }, { service: 'podinfo-canary', weight: 20 }] }));
  assert.deepEqual(ts.spec.backends, [{ service: 'podinfo-primary', weight: 80 }, { service: 'podinfo-canary', weight: 20 }]);
  const r = validateResource(smi('v1alpha2', { service: 'podinfo', backends: [{ service: 'a', weight: '500m' }] }));
  assert.equal(r.ok, false);
  assert.equal(r.problems[0]?.path, 'spec.backends[0].weight');
  assert.match(r.problems[0]?.message ?? '', /weight must be a non-negative integer \(got "500m"\)/);
});

test('v1alpha3 and v1alpha4: matches carry over; v1alpha1/2 have none', () => {
  for (const version of ['v1alpha3', 'v1alpha4']) {
    const ts = accepted(smi(version, { service: 'podinfo', matches: [{ kind: 'HTTPRouteGroup', name: 'ab-test' }], backends: [{ service: 'podinfo-v2', weight: 100 }, { service: 'podinfo-v1', weight: 0 }] }));
    assert.deepEqual(ts.spec.matches, [{ kind: 'HTTPRouteGroup', name: 'ab-test' }]);
  }
  const r = validateResource(smi('v1alpha2', { service: 'podinfo', matches: [{ kind: 'HTTPRouteGroup', name: 'ab' }], backends: [{ service: 'a', weight: 1 }] }));
  assert.equal(r.ok, false);
  assert.equal(r.problems[0]?.path, 'spec.matches');
  assert.match(r.problems[0]?.message ?? '', /matches needs split.smi-spec.io\/v1alpha3 or later/);
});

test('unknown SMI versions and fields are errors with the allowed list', () => {
  const r = validateResource(smi('v1beta1', { service: 'a', backends: [] }));
  assert.equal(r.ok, false);
  assert.equal(r.problems[0]?.path, 'apiVersion');
  assert.match(r.problems[0]?.message ?? '', /split.smi-spec.io\/v1alpha1, split.smi-spec.io\/v1alpha2/);
  const c = convertSmiTrafficSplit(smi('v1alpha4', { service: 'a', backends: [{ service: 'b', wieght: 1 }] }));
  assert.equal(c.ok, false);
  if (!c.ok) {
    assert.equal(c.findings[0]?.path, 'spec.backends[0].wieght');
    assert.match(c.findings[0]?.message ?? '', /unknown field "wieght"; did you mean "weight"\? \(allowed: service, weight\)/);
  }
});

test('converted SMI splits get the weft.dev rules: all-zero weights', () => {
  const r = validateResource(smi('v1alpha1', { service: 'podinfo', backends: [{ service: 'a', weight: '0' }, { service: 'b', weight: '0m' }] }));
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems.map((p) => p.path), ['spec.backends']);
  assert.match(r.problems[0]?.message ?? '', /all backend weights are 0/);
});
