import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../operator/api/validate.ts';

const vs = (metadata: Record<string, unknown>) => ({
  apiVersion: 'weft.dev/v1alpha1', kind: 'VirtualService', metadata,
  spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] },
});

test('names and namespaces must be what the API server accepts', () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ name: '' }, 'metadata.name', /needs a name/],
    [{ name: 'Reviews' }, 'metadata.name', /not a valid name.*lower-case/],
    [{ name: 'a_b' }, 'metadata.name', /not a valid name/],
    [{ name: 'x'.repeat(254) }, 'metadata.name', /at most 253/],
    [{ name: 'ok', namespace: 'Shop' }, 'metadata.namespace', /not a valid namespace/],
    [{ name: 'ok', namespace: 'a.b' }, 'metadata.namespace', /not a valid namespace/],
  ];
  for (const [meta, path, message] of cases) {
    const r = validateResource(vs(meta));
    assert.equal(r.ok, false, JSON.stringify(meta));
    const p = r.problems.find((x) => x.path === path);
    assert.ok(p, `no problem at ${path} for ${JSON.stringify(meta)}: ${JSON.stringify(r.problems)}`);
    assert.equal(p.severity, 'error');
    assert.match(p.message, message);
  }
  for (const meta of [{ name: 'reviews' }, { name: 'reviews.v2-canary', namespace: 'shop-1' }]) {
    assert.equal(validateResource(vs(meta)).ok, true, JSON.stringify(meta));
  }
});
