// The large synthetic mesh the control-plane benchmarks use: Services in 50
// namespaces (one in ten TCP, one in five with a gRPC port too, two ready
// instances each), VirtualServices claiming each host five times (one in four
// with a caller-conditioned match), 200 TrafficSplits, AuthorizationPolicies
// with principals. Deterministic: the same size gives the same mesh.

import { defaultMeshSettings, type MeshSnapshot, type Service, type WorkloadInstance } from '../../operator/compile/snapshot.ts';
import type { AuthorizationPolicy, TrafficSplit, VirtualService } from '../../operator/api/model.ts';

export interface LargeMeshSize {
  readonly services: number;
  readonly virtualServices: number;
  readonly policies: number;
}

export const NAMESPACES = 50;

export function largeMesh(size: LargeMeshSize): MeshSnapshot {
  const { services, virtualServices, policies: policyCount } = size;
  const svcs: Service[] = [];
  const instances: WorkloadInstance[] = [];
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % NAMESPACES}`;
    svcs.push({
      namespace: ns,
      name: `svc${i}`,
      clusterIP: `10.${(i >> 8) & 255}.${i & 255}.1`,
      selector: { app: `app${i}` },
      ports: i % 10 === 9 ? [{ name: 'tcp', port: 5000 + (i % 7), targetPort: 5000, protocol: 'tcp' }] : [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }, ...(i % 5 === 0 ? [{ name: 'grpc', port: 9090, targetPort: 9090, protocol: 'grpc' as const }] : [])],
    });
    for (let r = 0; r < 2; r++) instances.push({ namespace: ns, workload: `app${i}`, address: `10.200.${i & 255}.${r + (i >> 8) * 2}`, labels: { app: `app${i}`, tier: i % 3 === 0 ? 'front' : 'back' }, serviceAccount: `sa${i}`, ready: true });
  }
  const vss: VirtualService[] = [];
  for (let v = 0; v < virtualServices; v++) {
    const i = v % services;
    const ns = `ns${i % NAMESPACES}`;
    const other = `svc${(i + NAMESPACES) % services}`;
    vss.push({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'VirtualService',
      metadata: { name: `vs${v}`, namespace: ns, creationTimestamp: `2024-01-01T00:00:${String(v % 60).padStart(2, '0')}Z` },
      spec: {
        hosts: [`svc${i}`],
        http: [
          ...(v % 4 === 0 ? [{ match: [{ sourceLabels: { tier: 'front' } }], route: [{ destination: { host: other } }] }] : []),
          { match: [{ uri: { prefix: '/api' }, headers: { 'x-v': { exact: '2' } } }], route: [{ destination: { host: `svc${i}` }, weight: 90 }, { destination: { host: other }, weight: 10 }], timeout: '2s', retries: { attempts: 3 } },
          { route: [{ destination: { host: `svc${i}` } }], fault: { delay: { fixedDelay: '10ms', percentage: { value: 1 } } } },
        ],
      },
    });
  }
  const splits: TrafficSplit[] = [];
  for (let s = 0; s < 200; s++) {
    const i = s * 7 % services;
    splits.push({ apiVersion: 'weft.dev/v1alpha1', kind: 'TrafficSplit', metadata: { name: `ts${s}`, namespace: `ns${i % NAMESPACES}` }, spec: { service: `svc${i}`, backends: [{ service: `svc${i}`, weight: 90 }, { service: `svc${(i + NAMESPACES) % services}`, weight: 10 }] } });
  }
  const policies: AuthorizationPolicy[] = [];
  for (let p = 0; p < policyCount; p++) {
    policies.push({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: `ap${p}`, namespace: `ns${p % NAMESPACES}` }, spec: { selector: { matchLabels: { app: `app${p * 3 % services}` } }, rules: [{ from: [{ source: { principals: [`cluster.local/ns/ns${p % NAMESPACES}/sa/sa${p}`] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }] }] } });
  }
  return { settings: defaultMeshSettings, registry: { services: svcs, instances }, virtualServices: vss, trafficSplits: splits, authorizationPolicies: policies };
}
