// The committed CustomResourceDefinitions (crds/weft.dev_*.yaml) are what
// `kubectl apply -f crds/` and Argo CD send to the API server: structural,
// named as the API contract says, and bounded so CEL rules pass the API
// server's cost estimate. These checks read the files as they are on disk.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../operator/api/generate/generate.ts';
import { KINDS, loadSchemas, isObject, type Json, type KindSchema, type SchemaNode } from '../../operator/api/generate/schemas.ts';
import { crdFile, generateCrds } from '../../operator/api/generate/crd.ts';

const crds = new Map<string, SchemaNode>();
for (const k of KINDS) {
  const text = await readFile(path.join(REPO_ROOT, crdFile(k)), 'utf8');
  const doc = parse(text) as Json;
  assert.ok(isObject(doc), `${crdFile(k)} is not a YAML mapping`);
  crds.set(k.kind, doc);
}

/** Follows a path of keys and array indices; fails the test when something on the way is missing. */
function at(node: Json | undefined, ...keys: (string | number)[]): Json {
  let cur: Json | undefined = node;
  for (const key of keys) {
    if (typeof key === 'number' && Array.isArray(cur)) cur = cur[key];
    else if (typeof key === 'string' && isObject(cur)) cur = cur[key];
    else cur = undefined;
    assert.ok(cur !== undefined, `missing ${keys.join('.')}`);
  }
  assert.ok(cur !== undefined);
  return cur;
}

const rootSchema = (kind: string): SchemaNode => {
  const s = at(crds.get(kind), 'spec', 'versions', 0, 'schema', 'openAPIV3Schema');
  assert.ok(isObject(s));
  return s;
};

interface Visit {
  readonly node: SchemaNode;
  /** Kubernetes-style path: spec.http[*].match[*].headers{*}. */
  readonly path: string;
  /** Product of the maxItems/maxProperties above this node: how many times it can occur in one object. */
  readonly cardinality: number;
  /** Whether a CEL rule on this node or an ancestor can see this node. */
  readonly underCel: boolean;
}

function* walk(node: SchemaNode, p = '', cardinality = 1, underCel = false): Generator<Visit> {
  const cel = underCel || Array.isArray(node['x-kubernetes-validations']);
  yield { node, path: p, cardinality, underCel: cel };
  const props = node['properties'];
  if (isObject(props)) {
    for (const [name, sub] of Object.entries(props)) if (isObject(sub)) yield* walk(sub, p ? `${p}.${name}` : name, cardinality, cel);
  }
  const items = node['items'];
  if (isObject(items)) yield* walk(items, `${p}[*]`, cardinality * Number(node['maxItems'] ?? Infinity), cel);
  const values = node['additionalProperties'];
  if (isObject(values)) yield* walk(values, `${p}{*}`, cardinality * Number(node['maxProperties'] ?? Infinity), cel);
}

const STRUCTURAL_TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

describe('CRDs are structural', () => {
  for (const k of KINDS) {
    test(k.kind, () => {
      const problems: string[] = [];
      for (const { node, path: p } of walk(rootSchema(k.kind))) {
        const where = p || '<root>';
        const typed = typeof node['type'] === 'string' && STRUCTURAL_TYPES.has(node['type']);
        if (!typed && node['x-kubernetes-int-or-string'] !== true && node['x-kubernetes-preserve-unknown-fields'] !== true) {
          problems.push(`${where}: no type`);
        }
        for (const banned of ['$ref', '$schema', '$id', 'definitions', 'const', 'uniqueItems', 'exclusiveMinimum', 'exclusiveMaximum']) {
          if (banned in node) problems.push(`${where}: has ${banned}`);
        }
        if ('additionalProperties' in node && 'properties' in node) problems.push(`${where}: additionalProperties beside properties`);
        if ('additionalProperties' in node && !isObject(node['additionalProperties'])) problems.push(`${where}: additionalProperties is not a schema`);
      }
      assert.deepEqual(problems, []);
      // The API server owns ObjectMeta; a CRD may not describe it beyond its type.
      assert.deepEqual(at(rootSchema(k.kind), 'properties', 'metadata'), { type: 'object' });
      assert.deepEqual(at(rootSchema(k.kind), 'properties', 'apiVersion', 'type'), 'string');
      assert.deepEqual(at(rootSchema(k.kind), 'properties', 'kind', 'type'), 'string');
    });
  }
});

describe('CRD names and presentation', () => {
  const expected = {
    VirtualService: { plural: 'virtualservices', short: 'vs', column: ['Hosts', '.spec.hosts'] },
    AuthorizationPolicy: { plural: 'authorizationpolicies', short: 'ap', column: ['Action', '.spec.action'] },
    TrafficSplit: { plural: 'trafficsplits', short: 'ts', column: ['Service', '.spec.service'] },
    WorkloadEntry: { plural: 'workloadentries', short: 'we', column: ['Address', '.spec.address'] },
    RequestAuthentication: { plural: 'requestauthentications', short: 'ra', column: ['Issuers', '.spec.jwtRules[*].issuer'] },
  } as const;
  // A WorkloadEntry is registry data: no Ready condition of its own, its address and identity instead.
  const readyColumns = (kind: string): (string | number)[][] =>
    kind === 'WorkloadEntry'
      ? [['Service Account', '.spec.serviceAccount', 'string', 1]]
      : [
          ['Ready', '.status.conditions[?(@.type=="Ready")].status', 'string', 0],
          ['Reason', '.status.conditions[?(@.type=="Ready")].reason', 'string', 0],
        ];
  for (const [kind, want] of Object.entries(expected)) {
    test(kind, () => {
      const crd = crds.get(kind);
      assert.equal(at(crd, 'apiVersion'), 'apiextensions.k8s.io/v1');
      assert.equal(at(crd, 'kind'), 'CustomResourceDefinition');
      assert.equal(at(crd, 'metadata', 'name'), `${want.plural}.weft.dev`);
      assert.equal(at(crd, 'spec', 'group'), 'weft.dev');
      assert.equal(at(crd, 'spec', 'scope'), 'Namespaced');
      assert.deepEqual(at(crd, 'spec', 'names'), {
        kind,
        listKind: `${kind}List`,
        plural: want.plural,
        singular: kind.toLowerCase(),
        shortNames: [want.short],
        categories: ['weft'],
      });
      const versions = at(crd, 'spec', 'versions');
      assert.ok(Array.isArray(versions) && versions.length === 1);
      const v = at(versions, 0);
      assert.equal(at(v, 'name'), 'v1alpha1');
      assert.equal(at(v, 'served'), true);
      assert.equal(at(v, 'storage'), true);
      assert.deepEqual(at(v, 'subresources'), { status: {} });
      const columns = at(v, 'additionalPrinterColumns');
      assert.ok(Array.isArray(columns));
      assert.deepEqual(
        columns.map((c) => [at(c, 'name'), at(c, 'jsonPath'), at(c, 'type'), isObject(c) && typeof c['priority'] === 'number' ? c['priority'] : 0]),
        [
          [want.column[0], want.column[1], 'string', 0],
          ...readyColumns(kind),
          ['Age', '.metadata.creationTimestamp', 'date', 0],
        ],
      );
      const conditions = at(rootSchema(kind), 'properties', 'status', 'properties', 'conditions');
      assert.equal(at(conditions, 'x-kubernetes-list-type'), 'map');
      assert.deepEqual(at(conditions, 'x-kubernetes-list-map-keys'), ['type']);
      assert.ok((at(conditions, 'items', 'required') as Json[]).includes('type'), 'a list-map key must be required');
    });
  }

  test('each file names its source schema and says DO NOT EDIT', async () => {
    for (const k of KINDS) {
      const text = await readFile(path.join(REPO_ROOT, crdFile(k)), 'utf8');
      assert.match(text.split('\n')[0] ?? '', new RegExp(`^# .*crds/schema/${k.singular}\\.schema\\.json.*DO NOT EDIT`));
    }
  });
});

describe('CRD bounds for the API server (CEL cost estimation, object size)', () => {
  for (const k of KINDS) {
    test(k.kind, () => {
      const problems: string[] = [];
      for (const { node, path: p, underCel } of walk(rootSchema(k.kind))) {
        if (p.startsWith('spec') && node['type'] === 'array' && typeof node['maxItems'] !== 'number') problems.push(`${p}: array without maxItems`);
        if (underCel && node['type'] === 'string' && typeof node['maxLength'] !== 'number' && node['enum'] === undefined) {
          problems.push(`${p}: string under a CEL rule without maxLength`);
        }
        if (underCel && isObject(node['additionalProperties']) && typeof node['maxProperties'] !== 'number') {
          problems.push(`${p}: map under a CEL rule without maxProperties`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  // The API server rejects a CRD whose rule's estimated cost times the number
  // of places it can apply (cardinality) exceeds 10,000,000, or whose rules
  // add up to more than 100,000,000. Our rules are has() checks costing well
  // under 100 each; this keeps a rule from landing inside a large
  // multiply-nested list or map, where even a cheap rule fails.
  test('no CEL rule sits where it could apply more than 100,000 times per object', () => {
    const PER_RULE_CEILING = 100;
    let total = 0;
    const problems: string[] = [];
    for (const k of KINDS) {
      for (const { node, path: p, cardinality } of walk(rootSchema(k.kind))) {
        const rules = node['x-kubernetes-validations'];
        if (!Array.isArray(rules)) continue;
        if (cardinality * PER_RULE_CEILING > 10_000_000) problems.push(`${k.kind} ${p}: cardinality ${cardinality}`);
        total += rules.length * cardinality * PER_RULE_CEILING;
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(total <= 100_000_000, `estimated total CEL cost ${total} is over the API server's 100,000,000`);
  });

  test('every CEL rule has a message and every CRD stays under the client-side apply annotation limit', async () => {
    for (const k of KINDS) {
      for (const { node, path: p } of walk(rootSchema(k.kind))) {
        const rules = node['x-kubernetes-validations'];
        if (!Array.isArray(rules)) continue;
        for (const r of rules) {
          assert.ok(isObject(r) && typeof r['rule'] === 'string' && typeof r['message'] === 'string', `${k.kind} ${p}: rule without message`);
        }
      }
      // kubectl apply (client-side) stores the object in an annotation capped at 256 KiB.
      const text = await readFile(path.join(REPO_ROOT, crdFile(k)), 'utf8');
      assert.ok(JSON.stringify(parse(text)).length < 200_000, `${crdFile(k)} is too large for kubectl apply`);
    }
  });
});

/** Every field path a JSON Schema allows, references resolved: the fields users can write. */
function jsonSchemaFields(k: KindSchema): Set<string> {
  const defs = k.schema['definitions'];
  const out = new Set<string>();
  const visit = (node: SchemaNode, p: string): void => {
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      const target = isObject(defs) ? defs[ref.replace('#/definitions/', '')] : undefined;
      assert.ok(isObject(target), `${k.file}: ${ref} does not resolve`);
      visit(target, p);
      return;
    }
    const props = node['properties'];
    if (isObject(props)) {
      for (const [name, sub] of Object.entries(props)) {
        const q = p ? `${p}.${name}` : name;
        out.add(q);
        if (isObject(sub) && q !== 'metadata') visit(sub, q);
      }
    }
    if (isObject(node['items'])) visit(node['items'], `${p}[*]`);
    if (isObject(node['additionalProperties'])) visit(node['additionalProperties'], `${p}{*}`);
  };
  visit(k.schema, '');
  return out;
}

describe('CRD schema and JSON Schema agree', () => {
  test('every field of the JSON Schema is in the CRD and nothing else', async () => {
    for (const k of await loadSchemas(REPO_ROOT)) {
      const crdFields = new Set<string>();
      for (const { path: p } of walk(rootSchema(k.kind))) if (p && !p.endsWith('[*]') && !p.endsWith('{*}')) crdFields.add(p);
      assert.deepEqual([...crdFields].sort(), [...jsonSchemaFields(k)].sort(), `${k.kind}: fields differ`);
    }
  });

  test('limits, enums and patterns carry over', async () => {
    const vs = rootSchema('VirtualService');
    const route = at(vs, 'properties', 'spec', 'properties', 'http', 'items', 'properties', 'route');
    assert.equal(at(route, 'maxItems'), 64);
    assert.equal(at(route, 'items', 'properties', 'weight', 'minimum'), 0);
    assert.equal(at(route, 'items', 'properties', 'destination', 'properties', 'host', 'maxLength'), 253);
    const timeout = at(vs, 'properties', 'spec', 'properties', 'http', 'items', 'properties', 'timeout');
    assert.equal(at(timeout, 'format'), 'duration');
    assert.equal(typeof at(timeout, 'pattern'), 'string');
    const rules = at(vs, 'properties', 'spec', 'properties', 'http', 'items', 'x-kubernetes-validations');
    assert.ok(Array.isArray(rules) && rules.length >= 4);
    assert.deepEqual(at(rootSchema('AuthorizationPolicy'), 'properties', 'spec', 'properties', 'action', 'enum'), ['ALLOW', 'DENY', 'AUDIT']);
  });
});

describe('CRD generator refuses what a structural schema cannot hold', () => {
  const base = async (): Promise<KindSchema> => {
    const [ts] = await loadSchemas(REPO_ROOT).then((all) => all.filter((k) => k.kind === 'TrafficSplit'));
    assert.ok(ts);
    return ts;
  };
  const withSpec = (k: KindSchema, spec: SchemaNode, definitions: SchemaNode = {}): KindSchema => ({
    ...k,
    schema: {
      ...k.schema,
      properties: { ...(k.schema['properties'] as SchemaNode), spec },
      definitions: { ...(k.schema['definitions'] as SchemaNode), ...definitions },
    },
  });
  const cases: [string, SchemaNode, SchemaNode, RegExp][] = [
    ['recursion', { $ref: '#/definitions/Loop' }, { Loop: { title: 'Loop', type: 'object', properties: { next: { $ref: '#/definitions/Loop' } } } }, /refers to itself/],
    ['a missing definition', { $ref: '#/definitions/Nope' }, {}, /does not exist/],
    ['an untyped node', { type: 'object', properties: { x: { description: 'anything' } } }, {}, /properties\/x: needs a "type"/],
    ['uniqueItems', { type: 'array', uniqueItems: true, items: { type: 'string' } }, {}, /"uniqueItems"/],
    ['an unknown keyword', { type: 'object', oneOf: [] }, {}, /"oneOf" has no equivalent/],
    ['a map with properties', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, {}, /cannot also have properties/],
  ];
  for (const [name, spec, defs, error] of cases) {
    test(name, async () => {
      const k = withSpec(await base(), spec, defs);
      assert.throws(() => generateCrds([k]), (e: unknown) => e instanceof Error && error.test(e.message) && e.message.includes('trafficsplit.schema.json'));
    });
  }
});
