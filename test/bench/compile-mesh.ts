// How long the compiler takes on a large synthetic mesh: 2,000 Services in 50
// namespaces, 10,000 VirtualServices (five claims per host, some with
// caller-conditioned matches), 200 TrafficSplits, 500 AuthorizationPolicies,
// 1,000 proxies. A measurement to run by hand, not a test:
//   node test/bench/compile-mesh.ts [services] [virtualServices] [proxies] [policies] [--json]
// --json prints one JSON object instead of the lines (what `make bench` reads).

import { analyzeMesh } from '../../operator/compile/analyze.ts';
import { allResources, MeshCompiler } from '../../operator/compile/proxy.ts';
import { defaultMeshSettings, type MeshSnapshot, type Service, type WorkloadInstance } from '../../operator/compile/snapshot.ts';
import type { AuthorizationPolicy, TrafficSplit, VirtualService } from '../../operator/api/model.ts';
import { encodeResource } from '../../xds/codec.ts';
import { envoyRoot } from '../../xds/protos.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const [services = 2000, virtualServices = 10_000, proxies = 1000, policyCount = 500] = args.filter((a) => a !== '--json').map(Number);
const NAMESPACES = 50;

function mesh(): MeshSnapshot {
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

const elapsed = (t0: number): number => performance.now() - t0;
const ms = (t: number): string => `${t.toFixed(0)} ms`;
envoyRoot(); // the proto load is a one-time process cost, not the compiler's
const snapshot = mesh();
const t0 = performance.now();
const compiler = new MeshCompiler(snapshot);
const indexMs = elapsed(t0);
const t1 = performance.now();
let resources = 0;
const workloads = compiler.index.workloads.slice(0, proxies);
let sample = undefined as ReturnType<MeshCompiler['compileProxy']> | undefined;
for (const w of workloads) {
  const config = compiler.compileProxy(w.identity);
  resources += config.listeners.length + config.routes.length + config.clusters.length + config.endpoints.length;
  sample ??= config;
}
const proxiesMs = elapsed(t1);
const t2 = performance.now();
const analysis = analyzeMesh(snapshot);
const analysisMs = elapsed(t2);
const totalMs = elapsed(t0);
const losers = analysis.resources.filter((r) => r.conflicts.some((c) => c.role === 'lost')).length;
const heapUsedBytes = process.memoryUsage().heapUsed;
let encodeMs = 0;
let encodedBytes = 0;
let sampleResources = 0;
if (sample !== undefined) {
  const t3 = performance.now();
  for (const r of allResources(sample)) encodedBytes += encodeResource(r.typeUrl, r.resource).length;
  encodeMs = elapsed(t3);
  sampleResources = allResources(sample).length;
}
const mesh_ = { services, virtualServices, trafficSplits: snapshot.trafficSplits.length, authorizationPolicies: snapshot.authorizationPolicies.length, proxies: workloads.length };
if (json) {
  console.log(JSON.stringify({
    mesh: mesh_,
    indexMs, proxiesMs, analysisMs, totalMs, resourceReferences: resources, losers,
    heapUsedBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    sampleProxy: { resources: sampleResources, encodeMs, encodedBytes },
  }));
} else {
  console.log(`mesh: ${services} services, ${virtualServices} VirtualServices, ${mesh_.trafficSplits} TrafficSplits, ${mesh_.authorizationPolicies} AuthorizationPolicies, ${workloads.length} proxies`);
  console.log(`index ${ms(indexMs)}; ${workloads.length} proxies ${ms(proxiesMs)} (${resources} resource references); analyzeMesh ${ms(analysisMs)} (${losers} losers); total ${ms(totalMs)}`);
  console.log(`heap used ${(heapUsedBytes / 2 ** 20).toFixed(0)} MiB`);
  if (sample !== undefined) console.log(`encoding one proxy's ${sampleResources} resources: ${ms(encodeMs)}, ${(encodedBytes / 1024).toFixed(0)} KiB`);
}
