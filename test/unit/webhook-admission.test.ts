// AdmissionReview handling for the validating webhook: what is accepted as a
// review, and the exact answers for bad, suspicious, good and unjudged input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAdmissionReview, validateAdmission, causeType, nestingExceeds, deepEqual, MAX_NESTING,
  type AdmissionRequest, type ParsedReview,
} from '../../operator/k8s/webhook/admission.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const review = (request: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });

const vs = (name: string, http: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'weft.dev/v1alpha1', kind: 'VirtualService', metadata: { name, namespace: 'shop' }, spec: { hosts: ['reviews'], http, ...extra },
});

const VS_KIND = { group: 'weft.dev', version: 'v1alpha1', kind: 'VirtualService' };

function request(over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'uid-1', kind: VS_KIND, operation: 'CREATE', name: 'x', namespace: 'shop', subResource: '',
    object: undefined, oldObject: undefined, dryRun: false, ...over,
  };
}

function parseOk(doc: unknown): AdmissionRequest {
  const r = parseAdmissionReview(enc(JSON.stringify(doc)));
  assert.ok(r.ok, `refused: ${r.ok ? '' : r.message}`);
  return r.request;
}

function parseBad(body: Uint8Array | string): string {
  const r: ParsedReview = parseAdmissionReview(typeof body === 'string' ? enc(body) : body);
  assert.equal(r.ok, false, 'accepted a malformed review');
  return r.ok ? '' : r.message;
}

test('a well-formed review is read with the fields the webhook uses', () => {
  const r = parseOk(review({
    uid: 'abc', kind: VS_KIND, resource: { group: 'weft.dev', version: 'v1alpha1', resource: 'virtualservices' },
    operation: 'UPDATE', name: 'x', namespace: 'shop', object: vs('x', []), oldObject: vs('x', []), dryRun: true,
    userInfo: { username: 'alice' },
  }));
  assert.equal(r.uid, 'abc');
  assert.equal(r.operation, 'UPDATE');
  assert.deepEqual(r.kind, VS_KIND);
  assert.equal(r.dryRun, true);
  assert.equal(r.subResource, '');
  assert.deepEqual(r.object, vs('x', []));
});

test('malformed bodies are refused with the reason', () => {
  assert.equal(parseBad(new Uint8Array([0x7b, 0xff, 0x7d])), 'malformed AdmissionReview: the body is not valid UTF-8');
  assert.match(parseBad('{"apiVersion": "admission.k8s.io/v1",}'), /^malformed AdmissionReview: the body is not JSON: /);
  assert.match(parseBad("{'a': 1}"), /not JSON/);
  assert.match(parseBad('NaN'), /not JSON/);
  assert.match(parseBad(''), /not JSON/);
  assert.equal(parseBad('[]'), 'malformed AdmissionReview: the body must be a JSON object (an AdmissionReview)');
  assert.equal(parseBad('null'), 'malformed AdmissionReview: the body must be a JSON object (an AdmissionReview)');
  assert.equal(
    parseBad(JSON.stringify({ ...review({ uid: 'a' }), apiVersion: 'admission.k8s.io/v1beta1' })),
    'malformed AdmissionReview: apiVersion must be admission.k8s.io/v1 (got "admission.k8s.io/v1beta1"); set admissionReviewVersions: [v1] in the webhook configuration',
  );
  assert.equal(parseBad(JSON.stringify({ ...review({}), kind: 'Review' })), 'malformed AdmissionReview: kind must be AdmissionReview (got "Review")');
  assert.equal(parseBad(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })), 'malformed AdmissionReview: request is missing or not an object');
  const base = { uid: 'u', kind: VS_KIND, operation: 'CREATE', object: vs('x', []) };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...base, uid: '' }, 'request.uid must be a non-empty string'],
    [{ ...base, uid: 7 }, 'request.uid must be a non-empty string'],
    [{ ...base, kind: 'VirtualService' }, 'request.kind must be an object with string group, version and kind'],
    [{ ...base, kind: { group: 'weft.dev', kind: 'VirtualService' } }, 'request.kind must be an object with string group, version and kind'],
    [{ ...base, operation: 'PATCH' }, 'request.operation must be one of CREATE, UPDATE, DELETE, CONNECT (got "PATCH")'],
    [{ ...base, object: [1] }, 'request.object must be an object or null (got a list)'],
    [{ ...base, object: 'x' }, 'request.object must be an object or null (got "x")'],
    [{ ...base, object: null }, 'request.object is required for CREATE'],
    [{ ...base, operation: 'UPDATE' }, 'request.oldObject is required for UPDATE'],
    [{ ...base, name: 3 }, 'request.name must be a string (got 3)'],
    [{ ...base, dryRun: 'true' }, 'request.dryRun must be a boolean (got "true")'],
  ];
  for (const [req, want] of cases) assert.equal(parseBad(JSON.stringify(review(req))), `malformed AdmissionReview: ${want}`, JSON.stringify(req));
});

test('a DELETE review needs no object', () => {
  const r = parseOk(review({ uid: 'u', kind: VS_KIND, operation: 'DELETE', object: null, oldObject: vs('x', []) }));
  assert.equal(r.object, undefined);
  assert.deepEqual(validateAdmission(r), { uid: 'u', allowed: true });
});

test('bodies nested deeper than the cap are refused before anything walks them', () => {
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  // 100 000 levels: JSON.parse copes, a recursive walker would not.
  assert.equal(parseBad(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","x":${deep(100_000)}}}`), `malformed AdmissionReview: the body nests deeper than ${MAX_NESTING} levels`);
  assert.equal(nestingExceeds(JSON.parse(deep(MAX_NESTING)), MAX_NESTING), false);
  assert.equal(nestingExceeds(JSON.parse(deep(MAX_NESTING + 1)), MAX_NESTING), true);
  assert.equal(nestingExceeds({ a: { b: [{ c: 1 }] } }, 3), true);
  assert.equal(nestingExceeds({ a: { b: [{ c: 1 }] } }, 4), false);
  assert.equal(nestingExceeds('scalar', 0), false);
});

test('a bad VirtualService is denied with 422 Invalid and one cause per field path', () => {
  const object = vs('reviews', [
    { match: [{ uri: { regex: '(a)\\1' } }], route: [{ destination: { host: 'reviews' }, weight: 0 }] },
  ]);
  const res = validateAdmission(request({ object, name: 'reviews' }));
  assert.deepEqual(res, {
    uid: 'uid-1',
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message: 'VirtualService.weft.dev "reviews" is invalid: [spec.http[0].match[0].uri.regex: backreferences such as \\1 are not supported: RE2 cannot run them in linear time, spec.http[0].route: all weights are 0: no destination would receive traffic; give at least one destination a positive weight]',
      details: {
        name: 'reviews',
        group: 'weft.dev',
        kind: 'VirtualService',
        causes: [
          { reason: 'FieldValueInvalid', field: 'spec.http[0].match[0].uri.regex', message: 'backreferences such as \\1 are not supported: RE2 cannot run them in linear time' },
          { reason: 'FieldValueInvalid', field: 'spec.http[0].route', message: 'all weights are 0: no destination would receive traffic; give at least one destination a positive weight' },
        ],
      },
    },
  });
});

test('one error: the message is the API server\'s single-error form', () => {
  const res = validateAdmission(request({ object: vs('r', [{ route: [{ destination: { host: 'reviews' } }], timeout: '0s' }]) }));
  assert.equal(res.allowed, false);
  assert.equal(res.allowed ? '' : res.status.message, 'VirtualService.weft.dev "r" is invalid: spec.http[0].timeout: must be at least 1ms (got "0s"); durations are kept to the millisecond');
});

test('cause types follow the validator\'s phrasing', () => {
  assert.equal(causeType('required field is missing: write hosts'), 'FieldValueRequired');
  assert.equal(causeType('must be one of ALLOW, DENY, AUDIT (got "FOO")'), 'FieldValueNotSupported');
  assert.equal(causeType('duplicate host "a": already listed at spec.hosts[0]'), 'FieldValueDuplicate');
  assert.equal(causeType('header names in matches must be lower case'), 'FieldValueInvalid');
  // End to end, from real validator output.
  const dup = validateAdmission(request({ object: { ...vs('d', [{ route: [{ destination: { host: 'reviews' } }] }]), spec: { hosts: ['reviews', 'reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] } } }));
  assert.deepEqual(dup.allowed ? [] : dup.status.details.causes.map((c) => [c.field, c.reason]), [['spec.hosts[1]', 'FieldValueDuplicate']]);
  const ap = validateAdmission(request({
    kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'AuthorizationPolicy' },
    object: { apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: { action: 'PERMIT' } },
  }));
  assert.deepEqual(ap.allowed ? [] : ap.status.details.causes.map((c) => [c.field, c.reason]), [['spec.action', 'FieldValueNotSupported']]);
  const missing = validateAdmission(request({ object: { apiVersion: 'weft.dev/v1alpha1', kind: 'VirtualService', metadata: { name: 'm', namespace: 'shop' }, spec: { http: [{ route: [{ destination: { host: 'a' } }] }] } } }));
  assert.deepEqual(missing.allowed ? [] : missing.status.details.causes.map((c) => [c.field, c.reason]), [['spec.hosts', 'FieldValueRequired']]);
});

test('a suspicious but valid resource is allowed with a warning per field path', () => {
  const res = validateAdmission(request({ object: vs('w', [
    { match: [{ uri: { regex: '.*' } }], route: [{ destination: { host: 'reviews' } }] },
    { route: [{ destination: { host: 'ratings' } }] },
  ]) }));
  assert.deepEqual(res, {
    uid: 'uid-1',
    allowed: true,
    warnings: [
      'spec.http[0].match[0].uri.regex: ".*" matches every value; leave the condition out instead',
      'spec.http[1]: is never used: spec.http[0] before it matches every request; move catch-all rules to the end',
    ],
  });
});

test('a good resource is allowed with nothing else', () => {
  assert.deepEqual(validateAdmission(request({ object: vs('g', [{ route: [{ destination: { host: 'reviews' } }] }]) })), { uid: 'uid-1', allowed: true });
});

test('what the webhook does not judge is allowed: other kinds, deletes, subresources', () => {
  const junk = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not Valid!' }, data: { a: 1 } };
  assert.deepEqual(validateAdmission(request({ kind: { group: '', version: 'v1', kind: 'ConfigMap' }, object: junk })), { uid: 'uid-1', allowed: true });
  assert.deepEqual(validateAdmission(request({ kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'Gateway' }, object: junk })), { uid: 'uid-1', allowed: true });
  assert.deepEqual(validateAdmission(request({ kind: { group: 'split.smi-spec.io', version: 'v1alpha1', kind: 'HTTPRouteGroup' }, object: junk })), { uid: 'uid-1', allowed: true });
  const bad = vs('b', [{ route: [{ destination: { host: 'reviews' }, weight: 0 }] }]);
  assert.deepEqual(validateAdmission(request({ operation: 'DELETE', oldObject: bad })), { uid: 'uid-1', allowed: true });
  assert.deepEqual(validateAdmission(request({ operation: 'CONNECT', object: bad })), { uid: 'uid-1', allowed: true });
  assert.deepEqual(validateAdmission(request({ operation: 'UPDATE', subResource: 'status', object: bad, oldObject: bad })), { uid: 'uid-1', allowed: true });
});

test('an update that keeps an invalid spec is allowed (finalizers can be removed); one that changes it is judged', () => {
  const bad = vs('b', [{ route: [{ destination: { host: 'reviews' }, weight: 0 }] }]);
  const relabelled = { ...bad, metadata: { name: 'b', namespace: 'shop', labels: { team: 'x' } } };
  assert.deepEqual(validateAdmission(request({ operation: 'UPDATE', object: relabelled, oldObject: bad })), { uid: 'uid-1', allowed: true });
  const stillBad = vs('b', [{ route: [{ destination: { host: 'ratings' }, weight: 0 }] }]);
  assert.equal(validateAdmission(request({ operation: 'UPDATE', object: stillBad, oldObject: bad })).allowed, false);
  const fixed = vs('b', [{ route: [{ destination: { host: 'reviews' }, weight: 1 }] }]);
  assert.equal(validateAdmission(request({ operation: 'UPDATE', object: fixed, oldObject: bad })).allowed, true);
});

test('SMI TrafficSplits of every version are judged, v1alpha1 Quantities included', () => {
  const smi = (version: string, weights: unknown[]): AdmissionRequest => request({
    kind: { group: 'split.smi-spec.io', version, kind: 'TrafficSplit' },
    object: {
      apiVersion: `split.smi-spec.io/${version}`, kind: 'TrafficSplit', metadata: { name: 's', namespace: 'shop' },
      spec: { service: 'reviews', backends: weights.map((weight, i) => ({ service: `reviews-${i}`, weight })) },
    },
  });
  assert.deepEqual(validateAdmission(smi('v1alpha1', ['900m', '100m'])), { uid: 'uid-1', allowed: true });
  for (const v of ['v1alpha2', 'v1alpha3', 'v1alpha4']) assert.deepEqual(validateAdmission(smi(v, [90, 10])), { uid: 'uid-1', allowed: true }, v);
  const zero = validateAdmission(smi('v1alpha2', [0, 0]));
  assert.equal(zero.allowed, false);
  assert.deepEqual(zero.allowed ? undefined : { group: zero.status.details.group, kind: zero.status.details.kind, fields: zero.status.details.causes.map((c) => c.field) }, {
    group: 'split.smi-spec.io', kind: 'TrafficSplit', fields: ['spec.backends'],
  });
  const quantity = validateAdmission(smi('v1alpha1', ['lots', '100m']));
  assert.equal(quantity.allowed, false);
  assert.deepEqual(quantity.allowed ? [] : quantity.status.details.causes.map((c) => c.field), ['spec.backends[0].weight']);
});

test('the namespace comes from the request when the object has none; the name from generateName when it has none', () => {
  const object = { apiVersion: 'weft.dev/v1alpha1', kind: 'TrafficSplit', metadata: { generateName: 'split-' }, spec: { service: 'reviews', backends: [{ service: 'a', weight: 0 }] } };
  const res = validateAdmission(request({ kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'TrafficSplit' }, name: '', namespace: 'shop', object }));
  assert.equal(res.allowed, false);
  assert.equal(res.allowed ? '' : res.status.details.name, 'split-');
});

test('the injected mTLS mode reaches the validator', () => {
  const object = {
    apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' },
    spec: { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }] }] },
  };
  const kind = { group: 'weft.dev', version: 'v1alpha1', kind: 'AuthorizationPolicy' };
  const strict = validateAdmission(request({ kind, object }), { mtlsMode: () => 'STRICT' });
  const permissive = validateAdmission(request({ kind, object }), { mtlsMode: (ns) => (ns === 'shop' ? 'PERMISSIVE' : undefined) });
  assert.equal(strict.warnings, undefined);
  assert.equal(permissive.allowed, true);
  assert.match(permissive.warnings?.[0] ?? '', /^spec\.rules\[0\]: .*PERMISSIVE/);
});

test('deepEqual compares parsed JSON structurally', () => {
  assert.ok(deepEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
  assert.ok(!deepEqual({ a: [1] }, { a: [1, 2] }));
  assert.ok(!deepEqual({ a: 1 }, { b: 1 }));
  assert.ok(!deepEqual({ a: undefined }, { b: undefined }));
  assert.ok(!deepEqual([], {}));
  assert.ok(deepEqual(undefined, undefined));
  assert.ok(!deepEqual(undefined, {}));
});
