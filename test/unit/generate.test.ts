// Generated files match crds/schema/, and the generated validators enforce it.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { generateAll, REPO_ROOT, TYPES_FILE, VALIDATORS_FILE } from '../../operator/api/generate/generate.ts';
import { loadSchemas, mergeSchemas, isObject, type KindSchema, type SchemaNode } from '../../operator/api/generate/schemas.ts';
import { schemaValidate, type ErrorObject } from '../../operator/api/validators.ts';

const generated = await generateAll();

describe('make generate', () => {
  test('every generated file is up to date with crds/schema/', async () => {
    assert.ok(generated.size >= 5, `expected types, validators and 3 CRDs, got ${[...generated.keys()].join(', ')}`);
    for (const [file, want] of generated) {
      const have = await readFile(path.join(REPO_ROOT, file), 'utf8').catch(() => undefined);
      assert.ok(have !== undefined, `${file} is missing: run make generate`);
      assert.ok(have === want, `${file} is stale: run make generate`);
    }
  });

  test('no CRD in crds/ is left over from a kind that no longer exists', async () => {
    const onDisk = (await readdir(path.join(REPO_ROOT, 'crds'))).filter((f) => /^weft\.dev_.*\.yaml$/.test(f));
    for (const f of onDisk) assert.ok(generated.has(`crds/${f}`), `crds/${f} is not generated from any schema: delete it or add its schema`);
  });

  test('output is deterministic', async () => {
    const again = await generateAll();
    assert.deepEqual([...again.keys()], [...generated.keys()]);
    for (const [file, text] of again) assert.equal(text, generated.get(file), `${file} differs between two runs`);
  });

  test('generated files carry the do-not-edit banner', () => {
    for (const [file, text] of generated) {
      const head = text.split('\n').slice(0, 4).join('\n');
      assert.match(head, /DO NOT EDIT/, `${file} has no banner`);
      assert.match(head, /make generate/, `${file} banner does not say how to regenerate`);
    }
    assert.match(generated.get(VALIDATORS_FILE) ?? '', /^\/\/ @ts-nocheck\n/);
  });
});

describe('types.gen.ts', () => {
  const source = generated.get(TYPES_FILE) ?? '';
  const declared = [...source.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1] ?? '');

  test('every titled schema becomes exactly one exported type of that name', async () => {
    const titles = new Set<string>();
    const collect = (node: SchemaNode): void => {
      if (typeof node['title'] === 'string') titles.add(node['title']);
      for (const v of Object.values(node)) {
        if (Array.isArray(v)) for (const x of v) if (isObject(x)) collect(x);
        if (isObject(v)) collect(v);
      }
    };
    for (const k of await loadSchemas(REPO_ROOT)) collect(k.schema);
    for (const want of ['VirtualService', 'AuthorizationPolicy', 'TrafficSplit', 'Condition', 'ResourceStatus', 'ObjectMeta', 'HTTPRoute', 'Duration', 'Percent']) {
      assert.ok(titles.has(want), `schemas lost the title ${want}`);
    }
    for (const t of titles) assert.equal(declared.filter((d) => d === t).length, 1, `${t} should be exported exactly once`);
    const numbered = declared.filter((d) => /\d$/.test(d) && titles.has(d.replace(/\d+$/, '')));
    assert.deepEqual(numbered, [], 'shared definitions must not be duplicated as Name1, Name2');
  });

  test('the kinds have literal apiVersion and kind, and required fields are not optional', () => {
    assert.match(source, /export interface VirtualService \{\n\s+apiVersion: 'weft\.dev\/v1alpha1';\n\s+kind: 'VirtualService';\n\s+metadata: ObjectMeta;\n\s+spec: VirtualServiceSpec;\n\s+status\?: ResourceStatus;/);
    assert.match(source, /export interface TrafficSplitBackend \{[^}]*\n\s+weight: number;/);
    assert.match(source, /status: 'True' \| 'False' \| 'Unknown';/);
  });
});

describe('mergeSchemas', () => {
  test('refuses two schemas that define a shared type differently', async () => {
    const kinds = await loadSchemas(REPO_ROOT);
    const [first, ...rest] = kinds;
    assert.ok(first);
    const defs = first.schema['definitions'];
    assert.ok(isObject(defs) && isObject(defs['Condition']));
    const changed: KindSchema = {
      ...first,
      schema: { ...first.schema, definitions: { ...defs, Condition: { ...defs['Condition'], description: 'different' } } },
    };
    assert.throws(() => mergeSchemas([changed, ...rest]), /"Condition" differs between .*\.schema\.json.* and .*\.schema\.json/);
    assert.doesNotThrow(() => mergeSchemas(kinds));
  });
});

// Valid resources, one per kind, exercising most fields.
const goodVirtualService = () => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop', labels: { app: 'reviews' }, uid: 'extra metadata is allowed' },
  spec: {
    hosts: ['reviews'],
    http: [
      {
        name: 'v2-for-jason',
        match: [{ headers: { 'end-user': { exact: 'jason' } }, uri: { prefix: '/api' } }],
        route: [
          { destination: { host: 'reviews-v2', port: { number: 9080 } }, weight: 90 },
          { destination: { host: 'reviews-v3' }, weight: 10 },
        ],
        timeout: '1m30s',
        retries: { attempts: 3, perTryTimeout: '250ms', retryOn: '5xx,reset' },
        fault: { abort: { httpStatus: 503, percentage: { value: 12.5 } }, delay: { fixedDelay: '1.5s' } },
      },
      { redirect: { uri: '/new', redirectCode: 301 } },
    ],
  },
  status: {
    observedGeneration: 3,
    conditions: [{ type: 'Ready', status: 'True', reason: 'Programmed', lastTransitionTime: '2024-05-01T10:00:00Z' }],
  },
});

const goodAuthorizationPolicy = () => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'AuthorizationPolicy',
  metadata: { name: 'allow-frontend', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'reviews' } },
    action: 'ALLOW',
    rules: [
      {
        from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }],
        to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }],
        when: [{ key: 'request.headers[x-user]', values: ['a'] }],
      },
    ],
  },
});

const goodTrafficSplit = () => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'TrafficSplit',
  metadata: { name: 'reviews-canary', namespace: 'shop' },
  spec: { service: 'reviews', backends: [{ service: 'reviews-v1', weight: 900 }, { service: 'reviews-v2', weight: 100 }] },
});

const summary = (errors: readonly ErrorObject[]): string[] => errors.map((e) => `${e.instancePath} ${e.keyword}`);

describe('schemaValidate', () => {
  test('accepts a good resource of each kind', () => {
    assert.deepEqual(summary(schemaValidate('VirtualService', goodVirtualService())), []);
    assert.deepEqual(summary(schemaValidate('AuthorizationPolicy', goodAuthorizationPolicy())), []);
    assert.deepEqual(summary(schemaValidate('TrafficSplit', goodTrafficSplit())), []);
    // Istio's edge cases: an empty spec (deny all) and an empty rule (allow all) are valid.
    assert.deepEqual(summary(schemaValidate('AuthorizationPolicy', { ...goodAuthorizationPolicy(), spec: {} })), []);
    assert.deepEqual(summary(schemaValidate('AuthorizationPolicy', { ...goodAuthorizationPolicy(), spec: { rules: [{}] } })), []);
  });

  test('an unknown field is an additionalProperties error on its parent, naming the field', () => {
    const vs = goodVirtualService();
    const spec: Record<string, unknown> = { ...vs.spec, routes: [] };
    const errors = schemaValidate('VirtualService', { ...vs, spec });
    assert.equal(errors.length, 1, JSON.stringify(summary(errors)));
    const [e] = errors;
    assert.equal(e?.keyword, 'additionalProperties');
    assert.equal(e?.instancePath, '/spec');
    assert.deepEqual(e?.params, { additionalProperty: 'routes' });
    // verbose: the offending object and the schema it broke travel with the error.
    assert.deepEqual(e?.data, spec);
    assert.equal((e?.parentSchema as { title?: string } | undefined)?.title, 'VirtualServiceSpec');
  });

  test('reports every problem at its instancePath in one pass', () => {
    const vs = goodVirtualService();
    const rule = vs.spec.http[0];
    assert.ok(rule?.route?.[0] && rule.fault);
    rule.route[0].weight = -1;
    rule.fault.abort.percentage.value = 150;
    rule.fault.abort.httpStatus = 700;
    const errors = schemaValidate('VirtualService', vs);
    assert.deepEqual(summary(errors).sort(), [
      '/spec/http/0/fault/abort/httpStatus maximum',
      '/spec/http/0/fault/abort/percentage/value maximum',
      '/spec/http/0/route/0/weight minimum',
    ]);
    const weight = errors.find((e) => e.instancePath.endsWith('/weight'));
    assert.deepEqual(weight?.params, { comparison: '>=', limit: 0 });
    assert.equal(weight?.data, -1);
  });

  test('durations, date-times, enums and the kind itself are checked', () => {
    const vs = goodVirtualService();
    const rule = vs.spec.http[0];
    assert.ok(rule?.retries && vs.status.conditions[0]);
    rule.timeout = '5 seconds';
    rule.retries.perTryTimeout = '100';
    vs.status.conditions[0].lastTransitionTime = 'yesterday';
    const second = vs.spec.http[1];
    assert.ok(second?.redirect);
    second.redirect.redirectCode = 300;
    assert.deepEqual(summary(schemaValidate('VirtualService', { ...vs, kind: 'TrafficSplit' })).sort(), [
      '/kind const',
      '/spec/http/0/retries/perTryTimeout pattern',
      '/spec/http/0/timeout pattern',
      '/spec/http/1/redirect/redirectCode enum',
      '/status/conditions/0/lastTransitionTime format',
    ]);
  });

  test('required fields, weights and enums in the other kinds', () => {
    const ap = goodAuthorizationPolicy();
    assert.deepEqual(summary(schemaValidate('AuthorizationPolicy', { ...ap, spec: { ...ap.spec, action: 'REJECT' } })), ['/spec/action enum']);
    const ts = goodTrafficSplit();
    assert.deepEqual(
      summary(schemaValidate('TrafficSplit', { ...ts, spec: { service: 'reviews', backends: [{ service: 'a', weight: -5 }, { weight: 1 }] } })).sort(),
      ['/spec/backends/0/weight minimum', '/spec/backends/1 required'],
    );
    assert.deepEqual(summary(schemaValidate('TrafficSplit', { ...ts, metadata: {} })), ['/metadata required']);
    assert.deepEqual(summary(schemaValidate('TrafficSplit', 'not an object')), [' type']);
  });

  test('string lengths count characters, through ajv\'s runtime helper loaded as ESM', () => {
    const ts = goodTrafficSplit();
    const at = (service: string) => summary(schemaValidate('TrafficSplit', { ...ts, spec: { ...ts.spec, service } }));
    assert.deepEqual(at('µ'.repeat(253)), []);
    assert.deepEqual(at('a'.repeat(254)), ['/spec/service maxLength']);
    assert.deepEqual(at(''), ['/spec/service minLength']);
  });

  test('results are not overwritten by the next call', () => {
    const bad = schemaValidate('TrafficSplit', { ...goodTrafficSplit(), spec: {} });
    const before = summary(bad);
    assert.ok(before.length > 0);
    schemaValidate('TrafficSplit', { ...goodTrafficSplit(), extra: true });
    assert.deepEqual(summary(bad), before);
  });
});
