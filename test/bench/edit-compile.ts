// The compile side of one VirtualService edit at scale, without the xDS server: the compiler
// carried over from the previous mesh, every proxy's groups (partsOf) and its snapshot built
// from the previous one, as the distributor does. Median of several edits, per step.
//   node --expose-gc test/bench/edit-compile.ts [services] [virtualServices] [proxies] [policies] [edits]
//   (WEFT_BENCH_EDIT_PROFILE=file.cpuprofile: a CPU profile of the edits alone)

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { VirtualService } from '../../operator/api/model.ts';
import { MeshCompiler, meshCompiler } from '../../operator/compile/proxy.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { XdsSnapshot } from '../../operator/xds/snapshot.ts';
import { largeMesh } from './large-mesh.ts';

const [services = 2000, virtualServices = 10_000, proxies = 1000, policies = 5000, edits = 6] = process.argv.slice(2).map(Number);
let mesh: MeshSnapshot = largeMesh({ services, virtualServices, policies });
let compiler = meshCompiler(mesh);
const ids = compiler.index.workloads.slice(0, proxies).map((w) => ({ namespace: w.identity.namespace, workload: w.identity.workload }));
const last = new Map<string, XdsSnapshot>();
for (const id of ids) last.set(`${id.namespace}/${id.workload}`, XdsSnapshot.build({ parts: compiler.partsOf(id), vhds: true }));
const steps: Record<string, number[]> = { compiler: [], parts: [], snapshots: [], total: [], 'total CPU': [] };
const profilePath = process.env['WEFT_BENCH_EDIT_PROFILE'];
const session = profilePath !== undefined && profilePath !== '' ? new Session() : undefined;
if (session !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
for (let k = 0; k < edits; k++) {
  const target = `vs${k}`;
  const virtualServices = mesh.virtualServices.map((vs): VirtualService => {
    if (vs.metadata.name !== target) return vs;
    const http = (vs.spec.http ?? []).map((h) => (h.route !== undefined && h.route.length === 2 ? { ...h, timeout: `${3 + k}s` } : h));
    return { ...vs, metadata: { ...vs.metadata, generation: (vs.metadata.generation ?? 1) + 1 }, spec: { ...vs.spec, http } };
  });
  mesh = { ...mesh, virtualServices };
  (globalThis as { gc?: () => void }).gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  compiler = meshCompiler(mesh, compiler);
  const t1 = performance.now();
  const parts = ids.map((id) => compiler.partsOf(id));
  const t2 = performance.now();
  ids.forEach((id, i) => {
    const key = `${id.namespace}/${id.workload}`;
    const p = parts[i];
    if (p === undefined) return;
    last.set(key, XdsSnapshot.build({ parts: p, vhds: true, ...(last.has(key) ? { previous: last.get(key) as XdsSnapshot } : {}) }));
  });
  const t3 = performance.now();
  steps['compiler']?.push(t1 - t0);
  steps['parts']?.push(t2 - t1);
  steps['snapshots']?.push(t3 - t2);
  steps['total']?.push(t3 - t0);
  const cpu = process.cpuUsage(cpu0);
  steps['total CPU']?.push((cpu.user + cpu.system) / 1000);
}
if (session !== undefined && profilePath !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profilePath, JSON.stringify(profile));
  session.disconnect();
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
process.stdout.write(`${ids.length} proxies, ${edits} edits: ${Object.entries(steps).map(([k, v]) => `${k} ${median(v).toFixed(1)} ms (first ${v[0]?.toFixed(1)})`).join(', ')}\n`);
void MeshCompiler;
