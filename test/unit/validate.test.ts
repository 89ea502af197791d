// validateResource as a whole: results, refs, normalization, ordering, echoes,
// the CEL rules of the schemas, and robustness on random input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateResource, isMeshObject } from '../../operator/api/validate.ts';
import { pointerToPath } from '../../operator/api/schema-errors.ts';
import { Rng, generate, mutate, type FuzzKind } from '../support/manifest-fuzz.ts';
import { ap, expectError, problemsOf, ra, ts, vs, vsRule, vsRules } from '../fixtures/validate/build.ts';

test('a valid resource comes back normalized, with its ref and no problems', () => {
  const input = { ...vsRule(), metadata: { name: 'reviews', generation: 7 } };
  const r = validateResource(input, { defaultNamespace: 'shop' });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.ref, { group: 'weft.dev', kind: 'VirtualService', namespace: 'shop', name: 'reviews', generation: 7 });
  assert.equal(r.resource.metadata.namespace, 'shop');
  assert.equal(r.resource.kind, 'VirtualService');
  assert.equal((input.metadata as { namespace?: string }).namespace, undefined, 'the input is not modified');
  assert.deepEqual(r.problems, []);
});

test('namespace defaults to "default" like kubectl', () => {
  const r = validateResource({ ...vsRule(), metadata: { name: 'reviews' } });
  assert.equal(r.ok && r.resource.metadata.namespace, 'default');
});

test('warnings do not make a resource invalid', () => {
  const r = validateResource(vsRules({ route: [{ destination: { host: 'a' }, weight: 100 }, { destination: { host: 'b' }, weight: 0 }] }));
  assert.equal(r.ok, true);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]?.severity, 'warning');
});

test('every problem is returned, in document order, not only the first', () => {
  const obj = vs({
    hosts: ['reviews'],
    http: [
      { route: [{ destination: { host: 'reviews-v1' }, weight: -1 }], timeout: '10' },
      { match: [{ uri: { regex: '(a)\\1' } }], route: [{ destination: {} }] },
    ],
  });
  const paths = problemsOf(obj).filter((p) => p.severity === 'error').map((p) => p.path);
  assert.deepEqual(paths, [
    'spec.http[0].route[0].weight',
    'spec.http[0].timeout',
    'spec.http[1].match[0].uri.regex',
    'spec.http[1].route[0].destination.host',
  ]);
});

test('no result without an object; no ref without a name', () => {
  const r = validateResource('not a resource');
  assert.equal(r.ok, false);
  assert.equal(r.ref, undefined);
  assert.match(r.problems[0]?.message ?? '', /must be a mapping with apiVersion, kind, metadata and spec \(got "not a resource"\)/);
  const unnamed = validateResource({ ...vsRule(), metadata: {} });
  assert.equal(unnamed.ok, false);
  assert.equal(unnamed.ref, undefined);
  expectError({ ...vsRule(), metadata: {} }, 'metadata.name', 'every resource needs a name');
});

test('a self-referencing object is an error, not an endless walk', () => {
  const spec: Record<string, unknown> = { hosts: ['a'] };
  spec['http'] = [spec];
  const r = validateResource({ ...vsRule(), spec });
  assert.equal(r.ok, false);
  assert.match(r.problems[0]?.message ?? '', /refers to itself/);
});

test('kinds and versions: did you mean, and what weft.dev has', () => {
  expectError({ ...vsRule(), kind: 'VirtualServce' }, 'kind', 'unknown kind "VirtualServce"; did you mean "VirtualService"?', 'VirtualService, AuthorizationPolicy, TrafficSplit');
  expectError({ ...vsRule(), apiVersion: 'weft.dev/v1' }, 'apiVersion', 'must be "weft.dev/v1alpha1" (got "weft.dev/v1")');
  assert.equal(isMeshObject(vsRule()), true);
  assert.equal(isMeshObject({ apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit' }), true);
  assert.equal(isMeshObject({ apiVersion: 'v1', kind: 'Service' }), false);
  assert.equal(isMeshObject({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' }), false);
  // A Weft kind without apiVersion is judged (and told), not skipped.
  assert.equal(isMeshObject({ kind: 'TrafficSplit', metadata: { name: 'x' } }), true);
  expectError({ kind: 'TrafficSplit', metadata: { name: 'x' }, spec: { service: 'a', backends: [{ service: 'b', weight: 1 }] } }, 'apiVersion', 'required field is missing: write apiVersion: weft.dev/v1alpha1');
});

test('paths: map keys in brackets, fields with dots, indexes for lists', () => {
  assert.equal(pointerToPath('VirtualService', '/spec/http/0/match/0/headers/x-user/exact'), 'spec.http[0].match[0].headers[x-user].exact');
  assert.equal(pointerToPath('VirtualService', '/spec/http/2/headers/request/set/x-a~1b'), 'spec.http[2].headers.request.set[x-a/b]');
  assert.equal(pointerToPath('VirtualService', '/metadata/labels/app.kubernetes.io~1name'), 'metadata.labels[app.kubernetes.io/name]');
  assert.equal(pointerToPath('AuthorizationPolicy', '/spec/selector/matchLabels/app'), 'spec.selector.matchLabels[app]');
  assert.equal(pointerToPath('TrafficSplit', '/spec/backends/1/weight'), 'spec.backends[1].weight');
});

test('a wrong type at a field is one problem, not one per keyword', () => {
  const obj = ap({ action: 5, rules: [{}] });
  const here = problemsOf(obj).filter((p) => p.path === 'spec.action');
  assert.equal(here.length, 1, JSON.stringify(here));
  assert.match(here[0]?.message ?? '', /must be a string \(got the number 5\)/);
});

test('SMI TrafficSplits are converted and validated with the same paths', () => {
  const r = validateResource({ apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { name: 'canary', namespace: 'shop' }, spec: { service: 'ratings', backends: [{ service: 'ratings-v1', weight: 0 }, { service: 'ratings-v2', weight: 0 }] } });
  assert.equal(r.ok, false);
  assert.deepEqual(r.ref, { group: 'split.smi-spec.io', kind: 'TrafficSplit', namespace: 'shop', name: 'canary' });
  assert.deepEqual(r.problems.map((p) => [p.path, p.message.slice(0, 28)]), [['spec.backends', 'all backend weights are 0: n']]);
});

// --- CEL rules: offline validation must equal admission ----------------------------------------

/** A resource violating each CEL rule, keyed by the rule's message. */
const CEL_VIOLATIONS: Readonly<Record<string, Record<string, unknown>>> = {
  'a rule may not have both route and redirect': vsRule({ redirect: { uri: '/x' } }),
  'a rule may not have both route and directResponse': vsRule({ directResponse: { status: 503 } }),
  'a rule may not have both redirect and directResponse': vsRules({ redirect: { uri: '/x' }, directResponse: { status: 503 } }),
  'a rule needs one of route, redirect or directResponse': vsRules({ timeout: '1s' }),
  'set only one of mirror or mirrors': vsRule({ mirror: { host: 'a' }, mirrors: [{ destination: { host: 'b' } }] }),
  'set only one of exact, prefix or regex': vsRules({ match: [{ uri: { exact: '/a', regex: '/b' } }], route: [{ destination: { host: 'a' } }] }),
  'set only one of port or derivePort': vsRules({ redirect: { port: 8080, derivePort: 'FROM_PROTOCOL_DEFAULT' } }),
  'set only one of uri or uriRegexRewrite': vsRule({ rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } }),
  'set exactly one of httpStatus or grpcStatus': vsRule({ fault: { abort: { percentage: { value: 10 } } } }),
  'set only one of jwks or jwksUri': ra({ jwtRules: [{ issuer: 'https://a.example.com', jwksUri: 'https://a.example.com/k', jwks: '{"keys": []}' }] }),
};

function celMessages(): string[] {
  const dir = fileURLToPath(new URL('../../crds/schema/', import.meta.url));
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'x-kubernetes-validations' && Array.isArray(x)) {
          for (const rule of x) if (typeof rule === 'object' && rule !== null && 'message' in rule) out.push(String(rule.message));
        } else walk(x);
      }
    }
  };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.schema.json'))) walk(JSON.parse(readFileSync(dir + f, 'utf8')));
  return out;
}

test('every CEL rule in crds/schema is enforced by the validator', () => {
  const messages = celMessages();
  assert.ok(messages.length >= 8, `found ${messages.length} CEL rules`);
  for (const message of messages) {
    const violating = CEL_VIOLATIONS[message];
    assert.ok(violating !== undefined, `no violating example for the CEL rule "${message}": add one to CEL_VIOLATIONS`);
    const found = problemsOf(violating).filter((p) => p.severity === 'error' && p.message.includes(message));
    assert.equal(found.length, 1, `the validator does not report "${message}": ${JSON.stringify(problemsOf(violating))}`);
  }
  // Rules kept here after leaving the CRD (for the API server's cost budget) are still enforced.
  for (const [message, violating] of Object.entries(CEL_VIOLATIONS)) {
    assert.ok(problemsOf(violating).some((p) => p.message.includes(message)), message);
  }
});

// --- robustness ------------------------------------------------------------------------------------

test('random and mutated manifests never crash the validator, and every problem is well formed', () => {
  const rng = new Rng(20260101);
  const kinds: FuzzKind[] = ['VirtualService', 'AuthorizationPolicy', 'TrafficSplit', 'RequestAuthentication'];
  let valid = 0;
  for (let i = 0; i < 600; i++) {
    const doc = generate(rng.pick(kinds), rng);
    const mutations = rng.int(0, 3);
    for (let m = 0; m < mutations; m++) mutate(doc, rng);
    const r = validateResource(doc);
    for (const p of r.problems) {
      assert.ok(p.message.length > 0 && !p.message.includes('undefined') && !p.message.includes('[object Object]'), `${p.path}: ${p.message}`);
      assert.ok(!p.path.includes('/'), `path in pointer form: ${p.path}`);
    }
    if (r.ok) {
      valid++;
      assert.ok(r.problems.every((p) => p.severity === 'warning'));
      // A resource accepted once is accepted again unchanged: normalization is stable.
      assert.equal(validateResource(r.resource).ok, true);
    } else {
      assert.ok(r.problems.some((p) => p.severity === 'error'));
    }
  }
  assert.ok(valid > 20, `only ${valid} valid documents: the generator no longer exercises the accepting path`);
});

test('TrafficSplit and AuthorizationPolicy samples of the schema are accepted', () => {
  assert.equal(validateResource(ts({ service: 'ratings', backends: [{ service: 'ratings-v1', weight: 1 }] })).ok, true);
  assert.equal(validateResource(ap({ rules: [{}] })).ok, true);
});
