import { test } from 'node:test';
import { expectClean, expectError, expectNothingAt, expectWarning, ts } from '../fixtures/validate/build.ts';

const split = (...backends: Array<[string, number]>) => ts({ service: 'ratings', backends: backends.map(([service, weight]) => ({ service, weight })) });

test('a canary split has no problems', () => {
  expectClean(split(['ratings-v1', 90], ['ratings-v2', 10]));
  expectClean(ts({ service: 'ratings.shop.svc.cluster.local', backends: [{ service: 'ratings-v1.shop', weight: 1 }, { service: 'ratings-v2', weight: 1 }], matches: [{ kind: 'HTTPRouteGroup', name: 'firefox-users' }] }));
});

test('all-zero backend weights are an error', () => {
  expectError(split(['ratings-v1', 0], ['ratings-v2', 0]), 'spec.backends', 'all backend weights are 0');
});

test('negative and non-integer weights are errors', () => {
  expectError(split(['ratings-v1', -5], ['ratings-v2', 10]), 'spec.backends[0].weight', 'weight must be a non-negative integer (got -5)');
  expectError(split(['ratings-v1', 0.5], ['ratings-v2', 10]), 'spec.backends[0].weight', 'non-negative integer (got 0.5)');
});

test('missing root service and empty backends are errors', () => {
  expectError(ts({ backends: [{ service: 'ratings-v1', weight: 1 }] }), 'spec.service', 'required field is missing', 'root Service');
  expectError(ts({ service: 'ratings', backends: [] }), 'spec.backends', 'must list at least one backend');
  expectError(ts({ service: 'ratings', backends: [{ weight: 1 }] }), 'spec.backends[0].service', 'required field is missing');
});

test('backends must be Services in the same namespace', () => {
  expectError(split(['ratings-v1.other', 1], ['ratings-v2', 1]), 'spec.backends[0].service', 'backends are Services in this namespace (shop)');
  expectNothingAt(split(['ratings-v1.shop.svc.cluster.local', 1], ['ratings-v2', 1]), 'spec.backends[0]');
});

test('warning: every weight on one backend, a backend listed twice, the root as a backend', () => {
  expectWarning(split(['ratings-v1', 100], ['ratings-v2', 0]), 'spec.backends', 'all traffic goes to spec.backends[0] (ratings-v1)');
  expectWarning(split(['ratings-v1', 1], ['ratings-v1', 1]), 'spec.backends[1].service', 'already a backend at spec.backends[0]');
  expectWarning(split(['ratings', 1], ['ratings-v2', 1]), 'spec.backends[0].service', 'the root service "ratings" is also a backend');
});

test('matches refer to HTTPRouteGroups by name', () => {
  expectError(ts({ service: 'ratings', backends: [{ service: 'ratings-v1', weight: 1 }], matches: [{ kind: 'HTTPRoute', name: 'x' }] }), 'spec.matches[0].kind', 'must be one of HTTPRouteGroup (got "HTTPRoute")');
});
