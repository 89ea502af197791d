// The whole path a manifest takes, under random and mutated input: the
// validator never throws and always says where and what; whatever it accepts
// compiles for every proxy, and every compiled resource encodes and decodes
// through the real Envoy protos. Seeded: WEFT_FUZZ_SEED and WEFT_FUZZ_CASES
// replay or widen a run; a failure prints the seed, the case and the input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { generate, mutate, Rng, SERVICES, NAMESPACES, type FuzzKind, type Json } from '../support/manifest-fuzz.ts';
import { validateResource } from '../../operator/api/validate.ts';
import { parseManifests } from '../../operator/api/load.ts';
import { snapshotFromManifests } from '../../operator/compile/manifests.ts';
import { defaultMeshSettings } from '../../operator/compile/snapshot.ts';
import { meshCompiler, allResources } from '../../operator/compile/proxy.ts';
import { analyzeMesh } from '../../operator/compile/analyze.ts';
import { encodeResource, decodeResource } from '../../xds/codec.ts';

const SEED = Number(process.env['WEFT_FUZZ_SEED'] ?? 20261122);
const CASES = Number(process.env['WEFT_FUZZ_CASES'] ?? 400);
const KINDS: readonly FuzzKind[] = ['VirtualService', 'AuthorizationPolicy', 'TrafficSplit', 'RequestAuthentication'];

// Kubernetes field paths: name(.name | [index] | [key])*, names as the user wrote them.
const K8S_PATH = /^$|^[^.[\]]+(\.[^.[\]]+|\[[^\]]*\])*$/;

/** A registry in which the generated names mostly resolve: every service in every namespace, each with a ready pod. */
function registryYaml(): string {
  const docs: unknown[] = [];
  let ip = 10;
  for (const ns of NAMESPACES) {
    for (const svc of SERVICES) {
      docs.push({
        apiVersion: 'v1', kind: 'Service', metadata: { name: svc, namespace: ns },
        spec: { selector: { app: svc }, ports: [{ name: 'http', port: 9080, targetPort: 9080 }, { name: 'tcp-db', port: 5432, targetPort: 5432 }] },
      });
      docs.push({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `${svc}-0`, namespace: ns, labels: { app: svc, version: 'v1' } },
        spec: { serviceAccountName: svc, containers: [{ name: 'app', image: 'app', ports: [{ containerPort: 9080 }] }] },
        status: { podIP: `10.1.0.${ip++}`, conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

test(`random and mutated manifests: validator → compiler → Envoy protos (seed ${SEED}, ${CASES} cases)`, () => {
  const rng = new Rng(SEED);
  const registry = registryYaml();
  const stats = { docs: 0, valid: 0, invalid: 0, warnings: 0, compiledProxies: 0, resources: 0 };
  const proxies = NAMESPACES.flatMap((namespace) => SERVICES.map((workload) => ({ namespace, workload })));

  for (let c = 0; c < CASES; c++) {
    const docs: Array<{ [k: string]: Json }> = [];
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) {
      const doc = generate(rng.pick(KINDS), rng);
      (doc['metadata'] as { name: string }).name = `r${c}-${i}`;
      // Half stay as generated (many valid); half get one to three mutations.
      if (rng.chance(0.5)) for (let m = rng.int(1, 3); m > 0; m--) mutate(doc, rng);
      docs.push(doc);
    }
    const where = () => `seed ${SEED}, case ${c}:\n${stringify(docs)}`;

    // 1. The validator: total (never throws), and every problem is located and said.
    const accepted: Array<{ [k: string]: Json }> = [];
    for (const doc of docs) {
      stats.docs++;
      let result;
      try {
        result = validateResource(structuredClone(doc));
      } catch (err) {
        assert.fail(`validator threw ${(err as Error).stack}\n${where()}`);
      }
      for (const p of result.problems) {
        assert.match(p.path, K8S_PATH, `malformed path ${JSON.stringify(p.path)}\n${where()}`);
        assert.ok(p.message.length > 10 && !p.message.includes('undefined') && !p.message.includes('[object Object]'),
          `unhelpful message ${JSON.stringify(p.message)} at ${p.path}\n${where()}`);
        if (p.severity === 'warning') stats.warnings++;
      }
      if (result.ok) {
        stats.valid++;
        assert.ok(result.problems.every((p) => p.severity === 'warning'), `ok with errors\n${where()}`);
        accepted.push(doc);
      } else {
        stats.invalid++;
        assert.ok(result.problems.some((p) => p.severity === 'error'), `rejected without an error: ${JSON.stringify(result)} for ${JSON.stringify(doc)}`);
      }
    }
    if (accepted.length === 0) continue;

    // 2. Whatever validates compiles, for every proxy, and analysis runs.
    const text = registry + '---\n' + accepted.map((d) => stringify(d)).join('---\n');
    const parsed = parseManifests(text, `case-${c}.yaml`);
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), [], where());
    let build;
    try {
      build = snapshotFromManifests(parsed.manifests, defaultMeshSettings);
      analyzeMesh(build.snapshot);
    } catch (err) {
      assert.fail(`snapshot or analysis threw ${(err as Error).stack}\n${where()}`);
    }
    assert.deepEqual(build.problems.filter((p) => p.severity === 'error'), [], `accepted resources failed in the snapshot\n${where()}`);
    const compiler = meshCompiler(build.snapshot);
    // Three proxies a case keeps the run short; over the cases every one is compiled many times.
    for (let k = 0; k < 3; k++) {
      const proxy = rng.pick(proxies);
      let config;
      try {
        config = compiler.compileProxy(proxy);
      } catch (err) {
        assert.fail(`compile for ${proxy.namespace}/${proxy.workload} threw ${(err as Error).stack}\n${where()}`);
      }
      stats.compiledProxies++;
      // 3. Every resource is a real Envoy message: it encodes, decodes, and encodes to the same bytes.
      for (const r of allResources(config)) {
        stats.resources++;
        let bytes: Uint8Array;
        try {
          bytes = encodeResource(r.typeUrl, r.resource);
        } catch (err) {
          assert.fail(`${r.typeUrl} ${r.name} does not encode: ${(err as Error).message}\n${where()}`);
        }
        const again = encodeResource(r.typeUrl, decodeResource(r.typeUrl, bytes));
        assert.deepEqual(Buffer.from(again), Buffer.from(bytes), `${r.name} does not round-trip\n${where()}`);
      }
    }
  }
  console.log(`fuzz: ${JSON.stringify(stats)}`);
  // The generator must keep reaching the compiler, or this test proves little.
  assert.ok(stats.valid >= stats.docs * 0.1, `only ${stats.valid} of ${stats.docs} generated documents were valid`);
  assert.ok(stats.invalid >= stats.docs * 0.2, `only ${stats.invalid} of ${stats.docs} generated documents were invalid`);
});
