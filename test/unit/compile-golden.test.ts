// Golden files: what whole proxies receive for representative meshes, as
// `weft compile` prints it. A change in compiled output fails here until the
// files are regenerated on purpose: UPDATE_GOLDEN=1 node --test test/unit/compile-golden.test.ts

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { render } from '../../operator/cli/compile.ts';
import { allResources, compileProxy } from '../../operator/compile/proxy.ts';
import { decodeResource, encodeResource } from '../../xds/codec.ts';
import type { MeshSnapshot, ProxyIdentity } from '../../operator/compile/snapshot.ts';
import { BATCH, CLIENT, featureMesh, shopMesh, strictMesh } from '../golden/meshes.ts';

const cases: { file: string; mesh: () => MeshSnapshot; proxy: ProxyIdentity }[] = [
  { file: 'shop-productpage.json', mesh: shopMesh, proxy: { namespace: 'shop', workload: 'productpage' } },
  { file: 'shop-postgres.json', mesh: shopMesh, proxy: { namespace: 'data', workload: 'postgres' } },
  { file: 'features-client.json', mesh: featureMesh, proxy: CLIENT },
  { file: 'strict-batch.json', mesh: strictMesh, proxy: BATCH },
];

const update = process.env['UPDATE_GOLDEN'] === '1';

describe('golden proxy configs', () => {
  for (const c of cases) {
    it(`${c.file} is unchanged`, () => {
      const path = new URL(`../golden/${c.file}`, import.meta.url);
      const actual = render(compileProxy(c.mesh(), c.proxy), undefined);
      if (update) writeFileSync(path, actual);
      let expected: string;
      try {
        expected = readFileSync(path, 'utf8');
      } catch {
        assert.fail(`test/golden/${c.file} is missing: run UPDATE_GOLDEN=1 node --test test/unit/compile-golden.test.ts`);
      }
      assert.equal(actual, expected, `compiled output drifted from test/golden/${c.file}; if intended, regenerate with UPDATE_GOLDEN=1`);
    });

    it(`${c.file}: every resource encodes through the Envoy protos and decodes back equal`, () => {
      for (const r of allResources(compileProxy(c.mesh(), c.proxy))) {
        assert.deepEqual(decodeResource(r.typeUrl, encodeResource(r.typeUrl, r.resource)), r.resource, r.name);
      }
    });
  }
});
