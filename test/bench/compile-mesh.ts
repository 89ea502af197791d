// How long the compiler takes on a large synthetic mesh: 2,000 Services in 50
// namespaces, 10,000 VirtualServices (five claims per host, some with
// caller-conditioned matches), 200 TrafficSplits, 500 AuthorizationPolicies,
// 1,000 proxies. A measurement to run by hand, not a test:
//   node test/bench/compile-mesh.ts [services] [virtualServices] [proxies] [policies] [--json]
// --json prints one JSON object instead of the lines (what `make bench` reads).

import { analyzeMesh } from '../../operator/compile/analyze.ts';
import { allResources, MeshCompiler } from '../../operator/compile/proxy.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { largeMesh } from './large-mesh.ts';
import { encodeResource } from '../../xds/codec.ts';
import { envoyRoot } from '../../xds/protos.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const [services = 2000, virtualServices = 10_000, proxies = 1000, policyCount = 500] = args.filter((a) => a !== '--json').map(Number);
const snapshotOf = (): MeshSnapshot => largeMesh({ services, virtualServices, policies: policyCount });

const elapsed = (t0: number): number => performance.now() - t0;
const ms = (t: number): string => `${t.toFixed(0)} ms`;
envoyRoot(); // the proto load is a one-time process cost, not the compiler's
const snapshot = snapshotOf();
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
