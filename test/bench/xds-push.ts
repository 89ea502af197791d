// Push latency of the ADS server to many proxies on loopback: N proxies (each
// a real AdsClient on its own gRPC connection, state of the world or delta)
// sync a mesh of S Services; then one Service's endpoints change and the time
// is measured from the change to every proxy having applied and ACKed it, and
// again for a change visible to one namespace only. A measurement to run by
// hand, not a test:
//   node test/bench/xds-push.ts [proxies=100] [services=200] [sotw|delta]

import { MeshDistributor, type PushReport } from '../../operator/xds/distributor.ts';
import { startXdsServer } from '../../operator/xds/server.ts';
import { AdsClient } from '../../proxy/xds/client.ts';
import { defaultMeshSettings, type MeshSnapshot, type Service, type WorkloadInstance } from '../../operator/compile/snapshot.ts';

const [proxies = 100, services = 200] = process.argv.slice(2, 4).map(Number);
const mode = process.argv[4] === 'delta' ? 'delta' : 'sotw';
const NAMESPACES = 10;

function mesh(epoch: number, onlyNs?: string): MeshSnapshot {
  const svcs: Service[] = [];
  const instances: WorkloadInstance[] = [];
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % NAMESPACES}`;
    // svc1 is visible in its own namespace only.
    const restricted = onlyNs !== undefined && i === 1;
    svcs.push({ namespace: ns, name: `svc${i}`, clusterIP: `10.0.${i >> 8}.${i & 255}`, selector: { app: `app${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }], ...(i === 1 ? { exportTo: ['.'] } : {}) });
    for (let r = 0; r < 2; r++) {
      // svc0's first instance moves with each epoch (a change every proxy sees); svc1's with the restricted epoch.
      const moved = (i === 0 && r === 0) || (restricted && r === 0) ? epoch : 0;
      instances.push({ namespace: ns, workload: `app${i}`, address: `10.${100 + r}.${(i >> 8) + moved}.${i & 255}`, labels: { app: `app${i}` }, serviceAccount: `sa${i}`, ready: true });
    }
  }
  return { settings: defaultMeshSettings, virtualServices: [], trafficSplits: [], authorizationPolicies: [], registry: { services: svcs, instances } };
}

const reports: PushReport[] = [];
const dist = new MeshDistributor({ quietMs: 0, maxDelayMs: 0, onPush: (r) => reports.push(r) });
const server = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n), limits: { maxStreams: 100_000 } });
dist.bind(server.server);
dist.meshChanged(mesh(0), 'm0');
dist.flush();

const clients: AdsClient[] = [];
const t0 = performance.now();
for (let p = 0; p < proxies; p++) {
  const c = new AdsClient({
    host: '127.0.0.1',
    port: server.port,
    mode,
    node: { id: `proxy-${p}`, metadata: { NAMESPACE: `ns${p % NAMESPACES}`, WORKLOAD_NAME: `app${p % services}` } },
    sink: { apply: () => ({ ok: true }) },
    channelOptions: { 'grpc.primary_user_agent': `proxy-${p}` },
  });
  c.start();
  clients.push(c);
}

async function allInSync(label: string, meshVersion: string, started: number): Promise<number> {
  for (;;) {
    const ps = server.tracker.proxies();
    if (ps.length === proxies && ps.every((p) => p.inSync && p.ackedMeshVersion === meshVersion)) break;
    if (performance.now() - started > 120_000) throw new Error(`${label}: not in sync after 120 s`);
    await new Promise((r) => setTimeout(r, 1));
  }
  const ms = performance.now() - started;
  console.log(`${label}: ${ms.toFixed(1)} ms`);
  return ms;
}

console.log(`${proxies} proxies (${mode}), ${services} Services in ${NAMESPACES} namespaces`);
await allInSync('initial sync of every proxy (connect, compile, CDS/EDS/LDS/RDS, ACKs)', 'm0', t0);
const snap = server.server.snapshot('ns0/app0');
console.log(`  per proxy: ${snap?.size} resources`);

for (let round = 1; round <= 3; round++) {
  const t1 = performance.now();
  dist.meshChanged(mesh(round), `m${round}`);
  dist.flush();
  const r = reports.at(-1);
  await allInSync(`endpoint change seen by all, round ${round}: change → every proxy ACKed (compile+build ${r?.buildMs} ms, ${r?.changed.length} keys changed)`, `m${round}`, t1);
}
const t2 = performance.now();
dist.meshChanged(mesh(3, 'ns1'), 'm-ns1');
dist.flush();
const r = reports.at(-1);
await allInSync(`change visible in ns1 only: change → every proxy in sync (${r?.changed.length} of ${r?.compiled} keys pushed)`, 'm-ns1', t2);
console.log(`responses sent: ${server.server.stats.responses}, ACKs: ${server.server.stats.acks}`);
for (const c of clients) c.stop();
await server.close(200);
