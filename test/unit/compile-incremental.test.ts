// The compiler carried over from the mesh before an edit (new MeshCompiler(mesh, previous))
// must give exactly what a compile from scratch gives: random edits of every kind are applied
// one after another, each compiled incrementally and from scratch, and every proxy's
// resources are compared byte for byte (and as xDS snapshots, both stream views).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationPolicy, RequestAuthentication, VirtualService } from '../../operator/api/model.ts';
import { UNUSABLE_JWKS } from '../../operator/compile/authn.ts';
import { refKey } from '../../operator/api/model.ts';
import { affects, analyzeMesh } from '../../operator/compile/analyze.ts';
import { MeshCompiler, allResources, meshCompiler } from '../../operator/compile/proxy.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { MeshDistributor, type SnapshotTarget } from '../../operator/xds/distributor.ts';
import type { ProxyNode } from '../../operator/xds/node.ts';
import { XdsSnapshot } from '../../operator/xds/snapshot.ts';
import { ManualClock } from '../../xds/clock.ts';
import { encodeResource } from '../../xds/codec.ts';
import { TypeUrl } from '../../xds/types.ts';
import { largeMesh } from '../bench/large-mesh.ts';

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Edit = (mesh: MeshSnapshot, rnd: () => number) => { mesh: MeshSnapshot; what: string };

const pick = <T>(list: readonly T[], rnd: () => number): T => {
  const x = list[Math.floor(rnd() * list.length)];
  if (x === undefined) throw new Error('empty list');
  return x;
};

const bump = <T extends { metadata: { generation?: number } }>(r: T): T => ({ ...r, metadata: { ...r.metadata, generation: (r.metadata.generation ?? 1) + 1 } });

const replaceVs = (mesh: MeshSnapshot, name: string, f: (vs: VirtualService) => VirtualService | undefined): MeshSnapshot => ({
  ...mesh,
  virtualServices: mesh.virtualServices.flatMap((vs) => {
    if (vs.metadata.name !== name) return [vs];
    const out = f(vs);
    return out === undefined ? [] : [out];
  }),
});

const EDITS: readonly Edit[] = [
  (mesh, rnd) => {
    const vs = pick(mesh.virtualServices, rnd);
    const t = `${1 + Math.floor(rnd() * 9)}s`;
    return { what: `timeout of ${vs.metadata.name} → ${t}`, mesh: replaceVs(mesh, vs.metadata.name ?? '', (v) => bump({ ...v, spec: { ...v.spec, http: (v.spec.http ?? []).map((h) => ({ ...h, timeout: t })) } })) };
  },
  (mesh, rnd) => {
    const vs = pick(mesh.virtualServices, rnd);
    const w = 1 + Math.floor(rnd() * 98);
    return {
      what: `weights of ${vs.metadata.name} → ${w}/${100 - w}`,
      mesh: replaceVs(mesh, vs.metadata.name ?? '', (v) =>
        bump({ ...v, spec: { ...v.spec, http: (v.spec.http ?? []).map((h) => (h.route !== undefined && h.route.length === 2 ? { ...h, route: h.route.map((r, i) => ({ ...r, weight: i === 0 ? w : 100 - w })) } : h)) } }),
      ),
    };
  },
  (mesh, rnd) => {
    // A caller-conditioned rule appears or goes: the namespace's variants change.
    const vs = pick(mesh.virtualServices, rnd);
    return {
      what: `sourceLabels rule toggled on ${vs.metadata.name}`,
      mesh: replaceVs(mesh, vs.metadata.name ?? '', (v) => {
        const http = v.spec.http ?? [];
        const has = http.some((h) => h.match?.some((m) => m.sourceLabels !== undefined) === true);
        const dest = http.at(-1)?.route?.[0]?.destination ?? { host: v.spec.hosts?.[0] ?? '' };
        return bump({ ...v, spec: { ...v.spec, http: has ? http.filter((h) => !(h.match?.some((m) => m.sourceLabels !== undefined) === true)) : [{ match: [{ sourceLabels: { tier: 'back' } }], route: [{ destination: dest }] }, ...http] } });
      }),
    };
  },
  (mesh, rnd) => {
    const vs = pick(mesh.virtualServices, rnd);
    return { what: `${vs.metadata.name} deleted`, mesh: replaceVs(mesh, vs.metadata.name ?? '', () => undefined) };
  },
  (mesh, rnd) => {
    const base = pick(mesh.virtualServices, rnd);
    const name = `added${Math.floor(rnd() * 1e6)}`;
    return { what: `${name} added (copy of ${base.metadata.name})`, mesh: { ...mesh, virtualServices: [...mesh.virtualServices, { ...base, metadata: { name, namespace: base.metadata.namespace, creationTimestamp: '2023-06-01T00:00:00Z', generation: 1 } }] } };
  },
  (mesh, rnd) => {
    const i = Math.floor(rnd() * mesh.trafficSplits.length);
    const w = 1 + Math.floor(rnd() * 50);
    return { what: `TrafficSplit ${i} weights`, mesh: { ...mesh, trafficSplits: mesh.trafficSplits.map((s, j) => (j === i ? bump({ ...s, spec: { ...s.spec, backends: s.spec.backends.map((b, k) => ({ ...b, weight: k === 0 ? w : b.weight })) } }) : s)) } };
  },
  (mesh, rnd) => {
    const p = pick(mesh.authorizationPolicies, rnd);
    const changed: AuthorizationPolicy = bump({ ...p, spec: { ...p.spec, action: p.spec.action === 'DENY' ? 'ALLOW' : 'DENY' } });
    return { what: `policy ${p.metadata.name} action flipped`, mesh: { ...mesh, authorizationPolicies: mesh.authorizationPolicies.map((x) => (x === p ? changed : x)) } };
  },
  (mesh, rnd) => {
    const i = Math.floor(rnd() * mesh.registry.instances.length);
    return {
      what: `instance ${i} readiness flipped`,
      mesh: { ...mesh, registry: { ...mesh.registry, instances: mesh.registry.instances.map((x, j) => (j === i ? { ...x, ready: !x.ready } : x)) } },
    };
  },
  (mesh, rnd) => {
    // A RequestAuthentication appears or goes: mesh-wide (root namespace) or for one namespace; the inbound listeners it selects change.
    const existing = mesh.requestAuthentications ?? [];
    if (existing.length > 0 && rnd() < 0.5) return { what: `RequestAuthentication ${existing[0]?.metadata.name} deleted`, mesh: { ...mesh, requestAuthentications: existing.slice(1) } };
    const inst = pick(mesh.registry.instances, rnd);
    const rootWide = rnd() < 0.5;
    const ra: RequestAuthentication = {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'RequestAuthentication',
      metadata: { name: `jwt${Math.floor(rnd() * 1e6)}`, namespace: rootWide ? mesh.settings.rootNamespace : inst.namespace, generation: 1 },
      spec: {
        ...(rootWide ? {} : { selector: { matchLabels: { ...inst.labels } } }),
        jwtRules: [
          { issuer: 'https://inline.test', jwks: UNUSABLE_JWKS, audiences: ['shop'] },
          { issuer: 'https://fetched.test', jwksUri: 'https://fetched.test/jwks.json', fromHeaders: [{ name: 'x-token' }], outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] },
        ],
      },
    };
    return { what: `RequestAuthentication ${ra.metadata.name} added`, mesh: { ...mesh, requestAuthentications: [...existing, ra] } };
  },
  (mesh, rnd) => {
    // The control plane fetched (or failed to fetch) a key set: the providers that inline it change.
    const ready = rnd() < 0.5;
    const keySets = { 'https://fetched.test/jwks.json': ready ? { state: 'ready' as const, jwks: JSON.stringify({ keys: [{ kty: 'RSA', kid: String(Math.floor(rnd() * 1e6)), n: 'AQAB', e: 'AQAB' }] }) } : { state: 'failed' as const, reason: 'HTTP 503' } };
    return { what: `RequestAuthentication key set ${ready ? 'fetched' : 'failed'}`, mesh: { ...mesh, keySets } };
  },
  (mesh) => ({ what: 'nothing changed (a new snapshot object)', mesh: { ...mesh, registry: { ...mesh.registry } } }),
];

function encodedConfig(compiler: MeshCompiler, proxy: { namespace: string; workload: string }): string[] {
  return allResources(compiler.compileProxy(proxy)).map((r) => `${r.typeUrl} ${r.name} ${Buffer.from(encodeResource(r.typeUrl, r.resource)).toString('base64')}`);
}

test('random edits compiled incrementally give byte-identical config to compiles from scratch', () => {
  const rnd = prng(20261122);
  let mesh = largeMesh({ services: 80, virtualServices: 320, policies: 60 });
  let incremental = new MeshCompiler(mesh);
  const proxies = incremental.index.workloads.map((w) => ({ namespace: w.identity.namespace, workload: w.identity.workload }));
  const sample = proxies.filter((_, i) => i % 4 === 0);
  // The first compiler compiles only part of the mesh: what is carried must not depend on what was asked.
  for (const p of sample.slice(0, 10)) incremental.compileProxy(p);
  const kinds = new Set<string>();
  let rulesOnly = 0;
  // Each proxy's previous snapshot, to build the next one from (only the types whose groups changed are reassembled).
  const last = new Map<string, XdsSnapshot>();
  let reassembled = 0;
  for (let step = 0; step < 22; step++) {
    const edit = EDITS[step < EDITS.length ? step : Math.floor(rnd() * EDITS.length)];
    assert.ok(edit !== undefined);
    const { mesh: next, what } = edit(mesh, rnd);
    kinds.add(what.split(' ')[0] ?? '');
    const previousMesh = mesh;
    const previous = incremental;
    mesh = next;
    incremental = new MeshCompiler(mesh, incremental);
    // The compiler handed over its caches; asked again, it still compiles its own mesh right.
    for (const p of sample.slice(0, 2)) assert.deepEqual(encodedConfig(previous, p), encodedConfig(new MeshCompiler(previousMesh), p), `step ${step} (${what}): the previous compiler after the hand-over`);
    if (incremental.rulesOnlyEdit !== undefined) rulesOnly++;
    const scratch = new MeshCompiler(mesh);
    for (const p of sample) {
      const a = encodedConfig(incremental, p);
      const b = encodedConfig(scratch, p);
      assert.deepEqual(a, b, `step ${step} (${what}): ${p.namespace}/${p.workload} differs`);
      const sa = XdsSnapshot.build({ parts: incremental.partsOf(p), vhds: true });
      const sb = XdsSnapshot.build({ parts: scratch.partsOf(p), vhds: true });
      const key = `${p.namespace}/${p.workload}`;
      const before = last.get(key);
      const sc = XdsSnapshot.build({ parts: incremental.partsOf(p), vhds: true, ...(before !== undefined ? { previous: before } : {}) });
      last.set(key, sc);
      assert.equal(sa.version, sb.version, `step ${step} (${what}): snapshot version of ${p.namespace}/${p.workload}`);
      assert.equal(sc.version, sb.version, `step ${step} (${what}): snapshot of ${p.namespace}/${p.workload} built from its previous one`);
      assert.equal(sc.size, sb.size);
      let kept = 0;
      let remade = 0;
      for (const view of ['sotw', 'delta'] as const) {
        for (const t of [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost]) {
          assert.equal(sa.versionOf(t, view), sb.versionOf(t, view), `step ${step} (${what}): ${view} ${t}`);
          assert.equal(sc.versionOf(t, view), sb.versionOf(t, view), `step ${step} (${what}): ${view} ${t} built from the previous snapshot`);
          // Every resource the same bytes under the same name, in the same order.
          const names = (s: XdsSnapshot): string[] => [...(s.type(t, view)?.resources.values() ?? [])].map((r) => `${r.name} ${r.version} ${Buffer.from(r.bytes).toString('base64')}`);
          assert.deepEqual(names(sc), names(sb), `step ${step} (${what}): ${view} ${t} resources built from the previous snapshot`);
          if (before !== undefined && sc.type(t, view) !== undefined) {
            if (sc.type(t, view) === before.type(t, view)) kept++;
            else remade++;
          }
        }
      }
      if (kept > 0 && remade > 0) reassembled++;
    }
  }
  assert.ok(kinds.size >= 8, 'every kind of edit was applied');
  assert.ok(rulesOnly >= 2, `rules-only edits patched the previous templates (${rulesOnly})`);
  assert.ok(reassembled > 0, 'some snapshots were built from their previous one, keeping the types the edit left alone');
});

test('a VirtualService edit keeps every other object: clusters, virtual hosts and unaffected groups are the same objects', () => {
  const mesh0 = largeMesh({ services: 100, virtualServices: 300, policies: 50 });
  const c0 = new MeshCompiler(mesh0);
  const proxies = c0.index.workloads.map((w) => ({ namespace: w.identity.namespace, workload: w.identity.workload }));
  const before = new Map(proxies.map((p) => [`${p.namespace}/${p.workload}`, c0.partsOf(p)]));
  // vs7's host is svc7; it wins for its host (the oldest claimant), so its routes change.
  const mesh1 = replaceVs(mesh0, 'vs7', (v) => bump({ ...v, spec: { ...v.spec, http: (v.spec.http ?? []).map((h) => ({ ...h, timeout: '9s' })) } }));
  const c1 = new MeshCompiler(mesh1, c0);
  let sameClusters = 0;
  let changedRoutes = 0;
  let sameInbound = 0;
  for (const p of proxies) {
    const [specials0, inbound0, listeners0, clusters0, endpoints0, heads0, ...chunks0] = before.get(`${p.namespace}/${p.workload}`) ?? [];
    const [specials1, inbound1, listeners1, clusters1, endpoints1, heads1, ...chunks1] = c1.partsOf(p);
    assert.equal(specials1, specials0);
    assert.equal(listeners1, listeners0, 'listeners do not change with routes');
    assert.equal(heads1, heads0, 'route configurations take their virtual hosts over VHDS and do not change');
    if (clusters1 === clusters0 && endpoints1 === endpoints0) sameClusters++;
    if (inbound1 === inbound0) sameInbound++;
    assert.equal(chunks1.length, chunks0.length);
    const replaced = chunks1.filter((c, i) => c !== chunks0[i]);
    if (replaced.length > 0) {
      changedRoutes++;
      // Only the chunk holding the edited host is a new group, and in it only that host is a new object.
      const vhosts = (chunks: readonly (readonly { resource: unknown }[])[]): unknown[] => chunks.flatMap((c) => c.map((r) => r.resource));
      const old = new Set(vhosts(chunks0));
      const fresh = vhosts(chunks1).filter((h) => !old.has(h)) as { name?: string }[];
      assert.ok(fresh.length >= 1 && fresh.every((h) => h.name?.startsWith('svc7.')), `new virtual hosts: ${fresh.map((h) => h.name).join(', ')}`);
      assert.ok(replaced.length <= fresh.length, `${replaced.length} chunks replaced for ${fresh.length} new virtual hosts`);
    }
  }
  assert.equal(sameClusters, proxies.length);
  assert.equal(sameInbound, proxies.length);
  assert.ok(changedRoutes > 0, 'the edit reached some proxies');
});

test('the distributor keeps generations right across edits, patching them after rules-only edits', () => {
  let mesh = largeMesh({ services: 60, virtualServices: 180, policies: 30 });
  const proxies = new MeshCompiler(mesh).index.workloads.slice(0, 12).map((w, i): ProxyNode => ({ id: `p${i}`, namespace: w.identity.namespace, workload: w.identity.workload, kind: 'sidecar', userAgent: '' }));
  const held = new Map<string, XdsSnapshot>();
  const target: SnapshotTarget = {
    setSnapshot: (key, snap) => {
      const changed = held.get(key)?.version !== snap.version;
      held.set(key, snap);
      return changed;
    },
    connectedNodes: () => proxies,
    keys: () => [...held.keys()],
    clearSnapshot: (key) => void held.delete(key),
  };
  const dist = new MeshDistributor({ clock: new ManualClock(), quietMs: 0, maxDelayMs: 0 });
  dist.bind(target);
  const rnd = prng(7);
  let patched = 0;
  for (let step = 0; step < 10; step++) {
    if (step > 0) {
      const edit = EDITS[step % 3 === 2 ? 2 : step % 2] ?? EDITS[0];
      assert.ok(edit !== undefined);
      mesh = edit(mesh, rnd).mesh;
    }
    dist.meshChanged(mesh, `v${step}`);
    dist.flush();
    if (meshCompiler(mesh).rulesOnlyEdit !== undefined) patched++;
    // Every snapshot carries each resource that reaches its proxy at the generation a fresh analysis gives.
    const analysis = analyzeMesh(mesh);
    for (const p of proxies) {
      const snap = held.get(`${p.namespace}/${p.workload}`);
      assert.ok(snap !== undefined);
      for (const r of analysis.resources) {
        if (!affects(r.proxies, p)) continue;
        assert.equal(snap.generationOf(refKey(r.ref)), r.ref.generation ?? 0, `step ${step}: ${refKey(r.ref)} on ${p.namespace}/${p.workload}`);
      }
    }
  }
  assert.ok(patched >= 3, `rules-only edits took the patch path (${patched})`);
});
