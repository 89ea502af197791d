// Mesh analysis: conflicts with a deterministic winner that both sides know,
// unresolved references, and whom each resource affects.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMesh, affects, type ResourceAnalysis } from '../../operator/compile/analyze.ts';
import { compileProxy } from '../../operator/compile/proxy.ts';
import { refKey, type ResourceRef } from '../../operator/api/model.ts';
import { BATCH, CLIENT, policy, routingMesh, shopMesh, split, vs } from '../golden/meshes.ts';
import { at, routesOf } from '../golden/inspect.ts';

const ref = (kind: ResourceRef['kind'], namespace: string, name: string): ResourceRef => ({ group: 'weft.dev', kind, namespace, name });

function analysisOf(resources: readonly ResourceAnalysis[], r: ResourceRef): ResourceAnalysis {
  const found = resources.find((a) => refKey(a.ref) === refKey(r));
  if (found === undefined) throw new Error(`no analysis for ${refKey(r)}`);
  return found;
}

describe('conflicts', () => {
  const older = vs('shop', 'zz-old', { hosts: ['api'], http: [{ route: [{ destination: { host: 'api-v2' } }] }] }, '2024-01-01T00:00:00Z');
  const newer = vs('shop', 'aa-new', { hosts: ['api.shop.svc.cluster.local'], http: [{ route: [{ destination: { host: 'web' } }] }] }, '2024-06-01T00:00:00Z');

  it('lets the oldest VirtualService program a contested host; the loser knows who won', () => {
    const mesh = routingMesh([newer, older]);
    const { resources } = analyzeMesh(mesh);
    const loser = analysisOf(resources, ref('VirtualService', 'shop', 'aa-new'));
    assert.deepEqual(loser.conflicts.map((c) => [c.role, c.host, c.other.name, c.path]), [['lost', 'api.shop.svc.cluster.local', 'zz-old', 'spec.hosts[0]']]);
    assert.deepEqual(loser.hosts, []);
    assert.deepEqual(loser.proxies, { kind: 'namespaces', namespaces: [] });
    const winner = analysisOf(resources, ref('VirtualService', 'shop', 'zz-old'));
    assert.deepEqual(winner.conflicts.map((c) => [c.role, c.other.name]), [['won', 'aa-new']]);
    assert.deepEqual(winner.hosts, ['api.shop.svc.cluster.local']);
    assert.deepEqual(winner.proxies, { kind: 'namespaces', namespaces: ['jobs', 'shop'] });
    // And the compiled routes follow the winner.
    assert.equal(at(routesOf(compileProxy(mesh, CLIENT), 80, 'api.shop.svc.cluster.local')[0], 'route.cluster'), 'outbound|80||api-v2.shop.svc.cluster.local');
  });

  it('breaks timestamp ties by namespace, then name', () => {
    const a = vs('shop', 'b-second', { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] });
    const b = vs('shop', 'a-first', { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] });
    const loser = analysisOf(analyzeMesh(routingMesh([a, b])).resources, ref('VirtualService', 'shop', 'b-second'));
    assert.equal(loser.conflicts[0]?.other.name, 'a-first');
    assert.equal(loser.conflicts[0]?.role, 'lost');
  });

  it('does not call it a conflict when the two are never visible to the same namespace', () => {
    const onlyShop = vs('shop', 'mine', { hosts: ['api'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'api' } }] }] }, '2024-01-01T00:00:00Z');
    const onlyJobs = vs('shop', 'theirs', { hosts: ['api'], exportTo: ['jobs'], http: [{ route: [{ destination: { host: 'api-v2' } }] }] }, '2024-02-01T00:00:00Z');
    const mesh = routingMesh([onlyShop, onlyJobs]);
    const { resources } = analyzeMesh(mesh);
    assert.deepEqual(analysisOf(resources, ref('VirtualService', 'shop', 'theirs')).conflicts, []);
    assert.deepEqual(analysisOf(resources, ref('VirtualService', 'shop', 'theirs')).proxies, { kind: 'namespaces', namespaces: ['jobs'] });
    assert.equal(at(routesOf(compileProxy(mesh, BATCH), 80, 'api.shop.svc.cluster.local')[0], 'route.cluster'), 'outbound|80||api-v2.shop.svc.cluster.local');
  });

  it('applies the oldest of two TrafficSplits on one root and reports the other', () => {
    const first = split('shop', 'first', 'api', [{ service: 'api-v2', weight: 1 }], '2024-01-01T00:00:00Z');
    const second = split('shop', 'second', 'api', [{ service: 'web', weight: 1 }], '2024-03-01T00:00:00Z');
    const mesh = routingMesh([], { trafficSplits: [second, first] });
    const { resources } = analyzeMesh(mesh);
    assert.deepEqual(analysisOf(resources, ref('TrafficSplit', 'shop', 'second')).conflicts.map((c) => [c.role, c.other.name]), [['lost', 'first']]);
    assert.deepEqual(analysisOf(resources, ref('TrafficSplit', 'shop', 'first')).conflicts.map((c) => [c.role, c.other.name]), [['won', 'second']]);
    assert.equal(at(routesOf(compileProxy(mesh, CLIENT), 80, 'api.shop.svc.cluster.local')[0], 'route.cluster'), 'outbound|80||api-v2.shop.svc.cluster.local');
  });
});

describe('unresolved references', () => {
  it('reports hosts, destinations, mirrors and ports that do not resolve, with their paths', () => {
    const mesh = routingMesh([
      vs('shop', 'broken', {
        hosts: ['api', 'ghost'],
        http: [
          {
            route: [{ destination: { host: 'api' }, weight: 1 }, { destination: { host: 'nowhere.elsewhere' }, weight: 1 }],
            mirror: { host: 'shadow' },
          },
          { route: [{ destination: { host: 'web', port: { number: 81 } } }], mirrors: [{ destination: { host: 'gone' } }] },
        ],
      }),
    ]);
    const a = analysisOf(analyzeMesh(mesh).resources, ref('VirtualService', 'shop', 'broken'));
    assert.deepEqual(a.unresolved.map((u) => u.path), [
      'spec.hosts[1]',
      'spec.http[0].route[1].destination.host',
      'spec.http[0].mirror.host',
      'spec.http[1].route[0].destination.port.number',
      'spec.http[1].mirrors[0].destination.host',
    ]);
    assert.match(a.unresolved[1]?.message ?? '', /nowhere\.elsewhere\.svc\.cluster\.local/);
    assert.match(a.unresolved[3]?.message ?? '', /has no port 81 \(it has 80\)/);
  });

  it('reports TrafficSplit roots and backends that do not resolve, and HTTPRouteGroup matches', () => {
    const ts = split('shop', 'canary', 'missing-root', [{ service: 'api', weight: 1 }, { service: 'missing-backend', weight: 1 }]);
    const withMatches = { ...split('shop', 'ab', 'api', [{ service: 'api-v2', weight: 1 }]), spec: { service: 'api', backends: [{ service: 'api-v2', weight: 1 }], matches: [{ kind: 'HTTPRouteGroup' as const, name: 'ab-test' }] } };
    const { resources } = analyzeMesh(routingMesh([], { trafficSplits: [ts, withMatches] }));
    assert.deepEqual(analysisOf(resources, ref('TrafficSplit', 'shop', 'canary')).unresolved.map((u) => u.path), ['spec.service', 'spec.backends[1].service']);
    assert.deepEqual(analysisOf(resources, ref('TrafficSplit', 'shop', 'ab')).unresolved.map((u) => u.path), ['spec.matches[0]']);
  });
});

describe('reach', () => {
  it('names the workloads an AuthorizationPolicy applies to, and their hosts', () => {
    const { resources } = analyzeMesh(shopMesh());
    const p = analysisOf(resources, ref('AuthorizationPolicy', 'shop', 'reviews-from-productpage'));
    assert.deepEqual(p.proxies, {
      kind: 'workloads',
      workloads: [
        { namespace: 'shop', workload: 'reviews-v1' },
        { namespace: 'shop', workload: 'reviews-v2' },
      ],
    });
    assert.deepEqual(p.hosts, ['reviews-v1.shop.svc.cluster.local', 'reviews-v2.shop.svc.cluster.local', 'reviews.shop.svc.cluster.local']);
    assert.equal(affects(p.proxies, { namespace: 'shop', workload: 'reviews-v1' }), true);
    assert.equal(affects(p.proxies, { namespace: 'shop', workload: 'productpage' }), false);
    const none = analysisOf(analyzeMesh({ ...shopMesh(), authorizationPolicies: [policy('shop', 'nobody', { selector: { matchLabels: { app: 'none' } } })] }).resources, ref('AuthorizationPolicy', 'shop', 'nobody'));
    assert.deepEqual(none.notes.map((n) => n.path), ['spec.selector']);
  });

  it('is sorted and deterministic', () => {
    const keys = analyzeMesh(shopMesh()).resources.map((r) => refKey(r.ref));
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(analyzeMesh(shopMesh()), analyzeMesh(shopMesh()));
  });
});
