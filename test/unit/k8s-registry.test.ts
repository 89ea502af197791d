// The registry from live cluster objects: the manifest rules for Services and
// Pods, with EndpointSlices deciding a Pod's address and readiness, and
// Namespace labels deciding its mTLS mode.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMeshSettings } from '../../operator/compile/snapshot.ts';
import { endpointsByPod, namespaceMtls, registryFromCluster } from '../../operator/k8s/registry.ts';
import type { Obj } from '../../operator/k8s/objects.ts';

const pod = (name: string, opts: { ip?: string; ready?: boolean; phase?: string; terminating?: boolean; owner?: Obj; ports?: Obj[] } = {}): Obj => ({
  metadata: {
    namespace: 'shop',
    name,
    labels: { app: 'reviews' },
    ...(opts.owner !== undefined ? { ownerReferences: [opts.owner] } : {}),
    ...(opts.terminating === true ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
  },
  spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', ports: opts.ports ?? [] }] },
  status: {
    ...(opts.phase !== undefined ? { phase: opts.phase } : { phase: 'Running' }),
    ...(opts.ip !== undefined ? { podIP: opts.ip } : {}),
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
  },
});

const slice = (name: string, endpoints: Obj[], addressType = 'IPv4'): Obj => ({
  metadata: { namespace: 'shop', name, labels: { 'kubernetes.io/service-name': 'reviews' } },
  addressType,
  endpoints,
});
const endpoint = (podName: string, address: string, ready?: boolean): Obj => ({
  addresses: [address],
  ...(ready !== undefined ? { conditions: { ready } } : {}),
  targetRef: { kind: 'Pod', namespace: 'shop', name: podName },
});

const reviews: Obj = {
  metadata: { namespace: 'shop', name: 'reviews', annotations: { 'weft.dev/exportTo': '., jobs' } },
  spec: { clusterIP: '10.96.0.10', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 'web' }, { name: 'metrics', port: 9090, protocol: 'UDP' }] },
};

describe('registryFromCluster', () => {
  it('reads Services by the manifest rules: protocols, named target ports, exportTo, ClusterIP', () => {
    const { registry, problems } = registryFromCluster({ services: [reviews], pods: [pod('r-1', { ip: '10.0.0.1', ports: [{ name: 'web', containerPort: 8080 }] })], endpointSlices: [], workloadEntries: [] }, defaultMeshSettings);
    assert.deepEqual(registry.services, [{
      namespace: 'shop', name: 'reviews', clusterIP: '10.96.0.10', selector: { app: 'reviews' }, exportTo: ['.', 'jobs'],
      ports: [{ name: 'http', port: 9080, targetPort: 8080, protocol: 'http' }],
    }]);
    assert.deepEqual(problems, []);
  });

  it('takes a Pod\'s address and readiness from the EndpointSlice that lists it', () => {
    const pods = [pod('r-1', { ip: '10.0.0.1' }), pod('r-2', { ip: '10.0.0.2' }), pod('r-3', { ip: '10.0.0.3', ready: false })];
    const slices = [slice('reviews-abc', [endpoint('r-1', '10.0.0.1', true), endpoint('r-2', '10.0.0.2', false), endpoint('r-3', '10.0.0.3')])];
    const { registry } = registryFromCluster({ services: [reviews], pods, endpointSlices: slices, workloadEntries: [] }, defaultMeshSettings);
    const byAddress = Object.fromEntries(registry.instances.map((i) => [i.address, i.ready]));
    // r-2 is Ready by its own status but the endpoint says not; r-3 the other way round (no condition means ready).
    assert.deepEqual(byAddress, { '10.0.0.1': true, '10.0.0.2': false, '10.0.0.3': true });
    assert.deepEqual(registry.instances.map((i) => [i.workload, i.serviceAccount]), [['r-1', 'reviews'], ['r-2', 'reviews'], ['r-3', 'reviews']]);
  });

  it('keeps a Pod\'s own status when no slice lists it; terminating Pods are never ready; finished Pods are not instances', () => {
    const pods = [pod('own', { ip: '10.0.0.5' }), pod('gone', { ip: '10.0.0.6', terminating: true }), pod('done', { ip: '10.0.0.7', phase: 'Succeeded' })];
    const { registry } = registryFromCluster({ services: [], pods, endpointSlices: [slice('s', [endpoint('gone', '10.0.0.6', true)])], workloadEntries: [] }, defaultMeshSettings);
    assert.deepEqual(registry.instances.map((i) => [i.workload, i.address, i.ready]), [['own', '10.0.0.5', true], ['gone', '10.0.0.6', false]]);
  });

  it('names a Pod\'s workload after its Deployment (through the ReplicaSet)', () => {
    const p = pod('reviews-v1-7d4b9c8f6-x2x9z', { ip: '10.0.0.8', owner: { kind: 'ReplicaSet', name: 'reviews-v1-7d4b9c8f6', controller: true } });
    const { registry } = registryFromCluster({ services: [], pods: [p], endpointSlices: [], workloadEntries: [] }, defaultMeshSettings);
    assert.equal(registry.instances[0]?.workload, 'reviews-v1');
  });

  it('adds valid WorkloadEntries as ready instances a Service selects by labels; an invalid one is left out and reported', () => {
    const entry = (name: string, spec: Obj): Obj => ({ metadata: { namespace: 'shop', name, uid: `uid-${name}`, resourceVersion: '7', generation: 1 }, spec });
    const { registry, problems } = registryFromCluster(
      {
        services: [reviews],
        pods: [pod('r-1', { ip: '10.0.0.1', ports: [{ name: 'web', containerPort: 8080 }] })],
        endpointSlices: [],
        workloadEntries: [
          entry('reviews-vm', { address: '10.1.0.9', labels: { app: 'reviews' }, serviceAccount: 'reviews-vm', ports: { http: 7070 }, weight: 2 }),
          entry('broken-vm', { address: '10.1.0.10:80', labels: { app: 'reviews' } }),
        ],
      },
      defaultMeshSettings,
    );
    assert.deepEqual(registry.instances.map((i) => [i.workload, i.address, i.ready, i.serviceAccount, i.ports, i.weight]), [
      ['r-1', '10.0.0.1', true, 'reviews', undefined, undefined],
      ['reviews-vm', '10.1.0.9', true, 'reviews-vm', { http: 7070 }, 2],
    ]);
    assert.deepEqual(problems.map((p) => [p.kind, `${p.namespace}/${p.name}`, p.severity, p.path]), [['WorkloadEntry', 'shop/broken-vm', 'error', 'spec.address']]);
  });
});

describe('endpointsByPod', () => {
  it('prefers the IPv4 address of a dual-stack Pod and ignores FQDN slices and endpoints without a Pod', () => {
    const eps = endpointsByPod([
      slice('v6', [endpoint('r-1', 'fd00::1', true)], 'IPv6'),
      slice('v4', [endpoint('r-1', '10.0.0.1', true), { addresses: ['10.0.0.99'] }]),
      slice('dns', [endpoint('r-2', 'example.com', true)], 'FQDN'),
    ]);
    assert.deepEqual([...eps], [['shop/r-1', { address: '10.0.0.1', ready: true }]]);
  });
});

describe('namespaceMtls', () => {
  it('reads weft.dev/mtls and reports values it does not know', () => {
    const ns = (name: string, mode?: string): Obj => ({ metadata: { name, labels: mode === undefined ? {} : { 'weft.dev/mtls': mode } } });
    assert.deepEqual(namespaceMtls([ns('a', 'STRICT'), ns('b', 'PERMISSIVE'), ns('c'), ns('d', 'strict')]), {
      modes: { a: 'STRICT', b: 'PERMISSIVE' },
      invalid: ['d: weft.dev/mtls=strict (use STRICT or PERMISSIVE)'],
    });
  });
});
