// From one VirtualService edit to every affected proxy's ACK, with many
// simulated proxies on loopback (the control plane's scale benchmark).
//
// This process is the control plane: the large mesh (large-mesh.ts), a
// MeshDistributor and the xDS server (startXdsServer). A child process, on
// the other core, holds the simulated proxies: each its own gRPC connection
// and incremental (delta) ADS stream, subscribing as Envoy does (clusters and
// listeners, then the endpoints and routes they name, and virtual hosts over
// VHDS) and ACKing every response at once, without applying it. Virtual
// hosts, `--vhds`:
//   on-demand (default)  as a sidecar with the on_demand filter: each proxy
//                        asks for the hosts its app calls, `<route
//                        configuration>/<authority>`, and no others. The app
//                        of workload app<i> calls CALLS Services (callsOf);
//                        an edit reaches the proxies that call its host.
//   whole                every virtual host of every route configuration, as
//                        a proxy without on-demand does: every edit reaches
//                        every proxy that can see the host (the case of a
//                        host that every proxy calls). They are cheap on purpose, so that
// what is measured is the control plane: compile, snapshot, encode, send.
//
// Edit → ACK is, per affected proxy: from the edit submitted (meshChanged +
// flush, the debounce window set to zero and reported apart) to the server
// handling the ACK that completes that proxy's new snapshot (every type it
// takes acknowledged at the new version), on the server's clock, reported by
// the tracker as it happens (onSynced): nothing polls the server. p99 over
// the affected proxies of every edit; the edit's own time is its last
// proxy's. Bytes are what the proxies received per edit.
//
//   node test/bench/edit-to-ack.ts [--json] [--vhds on-demand|whole] [services] [virtualServices] [proxies] [policies] [edits]
//   (the child: node test/bench/edit-to-ack.ts --proxies PORT, identities on stdin, an IPC channel)

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as grpc from '@grpc/grpc-js';
import type { VirtualService } from '../../operator/api/model.ts';
import { MeshCompiler } from '../../operator/compile/proxy.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { MeshDistributor, type PushReport } from '../../operator/xds/distributor.ts';
import { startXdsServer } from '../../operator/xds/server.ts';
import { routeNamesOf } from '../../proxy/xds/client.ts';
import { adsClientConstructor, metadataStruct, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '../../xds/ads.ts';
import { decodeResource, type JsonObject } from '../../xds/codec.ts';
import { TypeUrl } from '../../xds/types.ts';
import { largeMesh, NAMESPACES, type LargeMeshSize } from './large-mesh.ts';

// ---- the simulated proxies (child process) ----------------------------------------

/** The field of a protobuf message with this number, as raw bytes (length-delimited) or a varint. */
function scanFields(buf: Uint8Array, visit: (field: number, wire: number, value: number, start: number, end: number) => void): void {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++] ?? 0;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0 || i >= buf.length) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) visit(field, wire, varint(), i, i);
    else if (wire === 2) {
      const len = varint();
      visit(field, wire, len, i, i + len);
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return; // groups: not in Envoy's protos
  }
}

const decoder = new TextDecoder();

/**
 * The endpoint name an EDS cluster asks for, read straight from the Cluster's
 * bytes (name = 1, type = 2, eds_cluster_config = 3 { service_name = 2 }):
 * decoding thousands of clusters per proxy through the full protos would make
 * the simulated proxies, not the control plane, the bottleneck.
 */
export function edsNameOfCluster(bytes: Uint8Array): string | undefined {
  let name = '';
  let eds = false;
  let serviceName = '';
  scanFields(bytes, (field, wire, value, start, end) => {
    if (field === 1 && wire === 2) name = decoder.decode(bytes.subarray(start, end));
    else if (field === 2 && wire === 0) eds = value === 3; // DiscoveryType EDS
    else if (field === 3 && wire === 2) {
      scanFields(bytes.subarray(start, end), (f, w, _v, s, e) => {
        if (f === 2 && w === 2) serviceName = decoder.decode(bytes.subarray(start + s, start + e));
      });
    }
  });
  return eds ? serviceName || name : undefined;
}

interface SimProxy {
  readonly index: number;
  bytes: number;
  responses: number;
}

/** What a simulated proxy is: its workload, and the authorities its app calls (on-demand mode) or none (whole). */
interface SimIdentity {
  readonly namespace: string;
  readonly workload: string;
  readonly calls: readonly string[] | undefined;
}

/** Services each app calls in on-demand mode. */
export const CALLS = 10;

/**
 * The Services workload app<i> calls: CALLS HTTP Services spread over the mesh
 * (i + 37j), by the authority an app would use (`svc<k>.ns<n>`, port 80 left
 * out). Every Service is called by about CALLS apps.
 */
export function callsOf(i: number, services: number): string[] {
  const out: string[] = [];
  for (let j = 1; out.length < CALLS && j < 4 * CALLS; j++) {
    const k = (i + 37 * j) % services;
    if (k % 10 === 9) continue; // TCP-only (large-mesh.ts)
    out.push(`svc${k}.ns${k % NAMESPACES}`);
  }
  return out;
}

function runProxies(port: number, identities: readonly SimIdentity[]): void {
  const Client = adsClientConstructor();
  const proxies: SimProxy[] = [];
  let connected = 0;
  const open = (index: number): void => {
    const id = identities[index];
    if (id === undefined) return;
    // A connection of its own, as separate pods have.
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    const stream = (client as unknown as { DeltaAggregatedResources(): grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> }).DeltaAggregatedResources();
    const sim: SimProxy = { index, bytes: 0, responses: 0 };
    proxies.push(sim);
    const eds = new Map<string, string>(); // cluster → endpoint name
    const routes = new Set<string>();
    let edsSubscribed = new Set<string>();
    let rdsSubscribed = new Set<string>();
    let vhdsSubscribed = new Set<string>();
    let edsRequested = false;
    let rdsRequested = false;
    let vhdsRequested = false;
    const listeners = new Map<string, JsonObject>();
    let sentNode = false;
    const send = (req: DeltaDiscoveryRequest): void => {
      if (!sentNode) {
        req.node = { id: `sim-${index}.${id.namespace}`, metadata: metadataStruct({ NAMESPACE: id.namespace, WORKLOAD_NAME: id.workload }) };
        sentNode = true;
      }
      stream.write(req);
    };
    const follow = (type: string, wanted: Set<string>, held: Set<string>, requested: boolean): Set<string> => {
      const added = [...wanted].filter((n) => !held.has(n)).sort();
      const dropped = [...held].filter((n) => !wanted.has(n)).sort();
      if (!requested || added.length > 0 || dropped.length > 0) send({ type_url: type, resource_names_subscribe: added, resource_names_unsubscribe: dropped });
      return new Set(wanted);
    };
    stream.on('data', (res: DeltaDiscoveryResponse) => {
      if (sim.responses === 0) connected++;
      sim.responses++;
      for (const r of res.resources ?? []) sim.bytes += (r.resource?.value?.length ?? 0) + r.name.length + r.version.length;
      const removed = res.removed_resources ?? [];
      if (res.type_url === TypeUrl.Cluster) {
        for (const r of res.resources ?? []) {
          const name = edsNameOfCluster(r.resource?.value ?? new Uint8Array());
          if (name !== undefined) eds.set(r.name, name);
          else eds.delete(r.name);
        }
        for (const n of removed) eds.delete(n);
        edsSubscribed = follow(TypeUrl.ClusterLoadAssignment, new Set(eds.values()), edsSubscribed, edsRequested);
        edsRequested = true;
      } else if (res.type_url === TypeUrl.Listener) {
        for (const r of res.resources ?? []) listeners.set(r.name, decodeResource(TypeUrl.Listener, r.resource?.value ?? new Uint8Array()));
        for (const n of removed) listeners.delete(n);
        routes.clear();
        for (const n of routeNamesOf(listeners.values())) routes.add(n);
        // VHDS, before the routes, as the proxy's own client does: on demand, the authorities the app calls
        // on the HTTP port's route configuration (`80`); otherwise every virtual host, by route configuration name.
        const hosts = id.calls === undefined ? routes : new Set(routes.has('80') ? id.calls.map((a) => `80/${a}`) : []);
        vhdsSubscribed = follow(TypeUrl.VirtualHost, hosts, vhdsSubscribed, vhdsRequested);
        vhdsRequested = true;
        rdsSubscribed = follow(TypeUrl.RouteConfiguration, routes, rdsSubscribed, rdsRequested);
        rdsRequested = true;
      }
      // Subscriptions first, then the ACK, as the proxy's own client does.
      send({ type_url: res.type_url, response_nonce: res.nonce });
    });
    stream.on('error', () => undefined);
    send({ type_url: TypeUrl.Cluster, resource_names_subscribe: [] });
    send({ type_url: TypeUrl.Listener, resource_names_subscribe: [] });
  };
  process.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && 'open' in m) {
      const n = Number((m as { open: unknown }).open);
      for (let k = 0; k < n; k++) open(proxies.length);
      process.send?.({ opened: proxies.length });
    }
    if (m === 'bytes') {
      const cpu = process.cpuUsage();
      process.send?.({ bytes: proxies.reduce((a, p) => a + p.bytes, 0), connected, rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---- the control plane (this process) -------------------------------------------

export interface EditToAckResult {
  readonly ok: true;
  readonly mode: 'delta';
  /** How the proxies take virtual hosts: the hosts their apps call, or every one. */
  readonly vhds: VhdsMode;
  /** Per edit: proxies whose snapshot changed but that held nothing the edit touched (in sync without a response). */
  readonly unreached: readonly number[];
  /** Per edit: from the edit to every proxy (reached or not) being in sync with it. */
  readonly allSyncedMs: readonly number[];
  readonly proxies: number;
  /** Distinct workloads among them (replicas share a config). */
  readonly workloads: number;
  readonly edits: number;
  /** Proxies each edit reached (affected), per edit. */
  readonly affected: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** From the edit to the server writing each affected proxy's last response (compile, build, encode; no transfer, no ACK). */
  readonly sentP50Ms: number;
  readonly sentP99Ms: number;
  /** Compile and snapshot build per edit (median), part of the above. */
  readonly buildMs: number;
  /** The distributor's default quiet period, not included above. */
  readonly debounceMs: number;
  readonly bytesPerEdit: number;
  /**
   * Each edit's own time (its last proxy's ACK), its compile and snapshot build, and the CPU time
   * the control plane and the proxies' process used from the edit to the last ACK, in order.
   */
  readonly perEdit: readonly { readonly lastAckMs: number; readonly buildMs: number; readonly firstBuildMs: number | undefined; readonly cpuMs: number; readonly proxiesCpuMs: number }[];
  /** Median build of the keys pushed first (those holding the edited virtual host; every key when the edit reached all). */
  readonly firstBuildMs: number;
  /** Resident memory of the control-plane process with every proxy connected and synced (after a full GC when --expose-gc). */
  readonly memoryBytes: number;
  /** Its V8 heap in use at the same moment, the heap V8 holds, and memory outside it (Buffers and the like). */
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly initialSyncMs: number;
}

/** Proxies connect this many at a time. */
const BATCH = 100;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;

/**
 * The VirtualService that holds host `svc<k>`: several name it, and the
 * oldest creationTimestamp wins, then namespace/name (the compiler's
 * precedence, operator/compile/mesh.ts). Editing a loser would change nothing.
 */
function winnerFor(mesh: MeshSnapshot, k: number): string {
  const host = `svc${k}`;
  let best: VirtualService | undefined;
  const key = (vs: VirtualService): [string, string, string] => [String(vs.metadata.creationTimestamp ?? '\uffff'), vs.metadata.namespace ?? 'default', vs.metadata.name];
  for (const vs of mesh.virtualServices) {
    if (!(vs.spec.hosts ?? []).includes(host)) continue;
    if (best === undefined) {
      best = vs;
      continue;
    }
    const [a, b] = [key(vs), key(best)];
    if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = vs;
  }
  if (best === undefined) throw new Error(`no VirtualService names ${host}`);
  return best.metadata.name;
}

/**
 * The mesh after the k-th edit: the timeout and weights of the VirtualService
 * that holds the k-th host with an HTTP port change (large-mesh.ts gives every
 * tenth Service a TCP port only, where HTTP rules compile to nothing).
 */
function edited(mesh: MeshSnapshot, k: number, host: number): MeshSnapshot {
  const target = winnerFor(mesh, host);
  const virtualServices = mesh.virtualServices.map((vs): VirtualService => {
    if (vs.metadata.name !== target) return vs;
    const http = (vs.spec.http ?? []).map((h) =>
      h.route !== undefined && h.route.length === 2 ? { ...h, timeout: `${3 + k}s`, route: h.route.map((r, i) => ({ ...r, weight: i === 0 ? 80 - k : 20 + k })) } : h,
    );
    return { ...vs, metadata: { ...vs.metadata, generation: (vs.metadata.generation ?? 1) + 1 }, spec: { ...vs.spec, http } };
  });
  return { ...mesh, virtualServices };
}

export type VhdsMode = 'on-demand' | 'whole';

async function controlPlane(size: LargeMeshSize, proxies: number, edits: number, vhds: VhdsMode): Promise<EditToAckResult> {
  // Not kept in a constant: the first mesh and its compiler (cached per mesh) must not outlive the first edit.
  let mesh: MeshSnapshot = largeMesh(size);
  // One proxy per workload; with more proxies than workloads, the rest are
  // replicas (pods of the same workload share one config, as in a cluster).
  const workloads = new MeshCompiler(mesh).index.workloads.map((w) => ({ namespace: w.identity.namespace, workload: w.identity.workload }));
  if (workloads.length === 0) throw new Error('the mesh has no workloads');
  const identities: SimIdentity[] = Array.from({ length: proxies }, (_, i) => {
    const w = workloads[i % workloads.length] as { namespace: string; workload: string };
    if (vhds === 'whole') return { ...w, calls: undefined };
    const calls = callsOf(Number(w.workload.replace(/^app/, '')), size.services);
    return { ...w, calls };
  });
  // The hosts edited, in order: svc0, svc1, … skipping TCP-only Services (every tenth), and on demand
  // the hosts no simulated proxy calls (an edit of those reaches nobody: nothing to measure).
  const called = new Set(identities.flatMap((i) => i.calls ?? []).map((a) => Number(/^svc(\d+)/.exec(a)?.[1])));
  const hosts: number[] = [];
  for (let h = 0; hosts.length < edits && h < size.services; h++) if (h % 10 !== 9 && (vhds === 'whole' || called.has(h))) hosts.push(h);
  const reports: PushReport[] = [];
  const DEFAULT_DEBOUNCE_MS = 100;
  let awaitReport: { version: string; resolve: (r: PushReport) => void } | undefined;
  const dist = new MeshDistributor({
    quietMs: 0,
    maxDelayMs: 0,
    onPush: (r) => {
      reports.push(r);
      if (awaitReport?.version === r.meshVersion) awaitReport.resolve(r);
    },
  });
  // The simulated proxies share one core, so they read far slower than as
  // many real proxies would: the response timeout that drops a proxy that
  // does not read is raised, or the bench would measure its own clients.
  const server = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n), limits: { maxStreams: 100_000, responseTimeoutMs: 600_000 } });
  dist.bind(server.server);
  dist.meshChanged(mesh, 'v0');
  dist.flush();

  // The proxies, on the other core when the caller pinned us (the harness passes the CPU list).
  const cpus = process.env['WEFT_BENCH_PROXY_CPUS'];
  const self = new URL(import.meta.url).pathname;
  const nodeArgs = ['--disable-warning=ExperimentalWarning', self, '--proxies', String(server.port)];
  const child = cpus !== undefined && cpus !== '' ? spawn('taskset', ['-c', cpus, process.execPath, ...nodeArgs], { stdio: ['pipe', 'inherit', 'inherit', 'ipc'] }) : spawn(process.execPath, nodeArgs, { stdio: ['pipe', 'inherit', 'inherit', 'ipc'] });
  child.stdin?.end(JSON.stringify(identities));
  const ask = (): Promise<{ bytes: number; connected: number; rss: number; cpuMs: number }> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m as { bytes: number; connected: number; rss: number; cpuMs: number }));
      child.send('bytes');
    });
  const openMore = (n: number): Promise<number> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve((m as { opened: number }).opened));
      child.send({ open: n });
    });
  try {
    // Event-driven: the tracker reports each proxy the moment the ACK that completes its snapshot is
    // handled (the server's clock, on its thread); nothing polls the server while it works.
    let waiter: { version: string; keys: ReadonlySet<string> | undefined; since: number; expected: number; acked: Map<string, number>; sent: Map<string, number>; done: () => void } | undefined;
    server.tracker.onSynced = (node, snapshot, at, lastSentAt) => {
      const w = waiter;
      if (w === undefined || snapshot.meshVersion !== w.version) return;
      if (w.keys !== undefined && !w.keys.has(`${node.namespace}/${node.workload}`)) return;
      w.acked.set(node.id, at - w.since);
      w.sent.set(node.id, lastSentAt - w.since);
      if (w.acked.size >= w.expected) w.done();
    };
    const inSync = async (version: string, keys: ReadonlySet<string> | undefined, since: number, limitMs: number, count = proxies, joining = false): Promise<{ acked: number[]; sent: number[] }> => {
      // Affected proxies: every one of these keys connected now (one look before the ACKs start arriving).
      // (From the server's list of connected nodes: the tracker's full status of every proxy would cost the control plane milliseconds inside the measured window.)
      const expected = keys === undefined ? count : server.server.connectedNodes().filter((n) => keys.has(`${n.namespace}/${n.workload}`)).length;
      const acked = new Map<string, number>();
      const sent = new Map<string, number>();
      // Those already in sync with this version (an initial batch's earlier proxies) count at once.
      // (Not after an edit: nothing is in sync yet, and the look would delay the pushes it measures.)
      if (keys === undefined && joining) {
        for (const p of server.tracker.proxies()) {
          if (p.ackedMeshVersion === version && p.inSync) {
            acked.set(p.node.id, Math.max(...p.types.map((t) => t.ackedAt ?? 0)) - since);
            sent.set(p.node.id, Math.max(...p.types.map((t) => t.sentAt ?? 0)) - since);
          }
        }
      }
      if (acked.size < expected) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${version}: ${acked.size} of ${expected} proxies acknowledged within ${limitMs / 1000} s; stats ${JSON.stringify(server.server.stats)}`)), limitMs);
          waiter = { version, keys, since, expected, acked, sent, done: () => { clearTimeout(timer); resolve(); } };
        }).finally(() => {
          waiter = undefined;
        });
      }
      return { acked: [...acked.values()], sent: [...sent.values()] };
    };
    // Proxies join in batches, as a rollout brings them: a thundering herd of
    // 1,000 initial syncs on one core is a different benchmark.
    const t0 = Date.now();
    for (let opened = 0; opened < proxies; ) {
      opened = await openMore(Math.min(BATCH, proxies - opened));
      await inSync('v0', undefined, t0, 600_000, opened, true);
    }
    const initialSyncMs = Date.now() - t0;
    (globalThis as { gc?: () => void }).gc?.();
    const { rss: memoryBytes, heapUsed: heapUsedBytes, heapTotal: heapTotalBytes, external: externalBytes } = process.memoryUsage();
    // WEFT_BENCH_EDIT_PROFILE=file.cpuprofile: a CPU profile of the control plane over the edits alone (not the initial sync).
    const profilePath = process.env['WEFT_BENCH_EDIT_PROFILE'];
    const session = profilePath !== undefined && profilePath !== '' ? new Session() : undefined;
    if (session !== undefined) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const latencies: number[] = [];
    const sentTimes: number[] = [];
    const affected: number[] = [];
    const unreached: number[] = [];
    const allSynced: number[] = [];
    const bytes: number[] = [];
    const builds: number[] = [];
    const firstBuilds: number[] = [];
    const perEdit: { lastAckMs: number; buildMs: number; firstBuildMs: number | undefined; cpuMs: number; proxiesCpuMs: number }[] = [];
    for (let k = 0; k < edits; k++) {
      await new Promise((r) => setTimeout(r, 200));
      const { bytes: before, cpuMs: childCpuBefore } = await ask();
      mesh = edited(mesh, k, hosts[k] ?? 0);
      const cpuBefore = process.cpuUsage();
      const version = `v${k + 1}`;
      const start = Date.now();
      const reported = new Promise<PushReport>((resolve) => (awaitReport = { version, resolve }));
      dist.meshChanged(mesh, version);
      dist.flush();
      // Every proxy takes the new mesh version (a snapshot of the same content is still assigned to its streams).
      const times = await inSync(version, undefined, start, 300_000);
      const report = await reported;
      builds.push(report.buildMs);
      if (report.changed.length === 0) throw new Error(`edit ${k + 1} (host svc${hosts[k]}) changed no proxy's config: nothing to measure`);
      firstBuilds.push(report.first?.ms ?? report.buildMs);
      // Affected: the proxies the edit was sent to. The others took the new snapshot without a response
      // (nothing they hold changed) and were in sync the moment the server handed it to their streams.
      const reached = times.acked.flatMap((a, i) => ((times.sent[i] ?? -1) >= 0 ? [a] : []));
      latencies.push(...reached);
      sentTimes.push(...times.sent.filter((t) => t >= 0));
      affected.push(reached.length);
      unreached.push(times.acked.length - reached.length);
      allSynced.push(Math.max(...times.acked));
      const cpu = process.cpuUsage(cpuBefore);
      const after = await ask();
      if (reached.length === 0) throw new Error(`edit ${k + 1} (host svc${hosts[k]}) was sent to no proxy: nothing to measure`);
      perEdit.push({ lastAckMs: Math.max(...reached), buildMs: report.buildMs, firstBuildMs: report.first?.ms, cpuMs: Math.round((cpu.user + cpu.system) / 1000), proxiesCpuMs: Math.round(after.cpuMs - childCpuBefore) });
      bytes.push(after.bytes - before);
    }
    if (session !== undefined && profilePath !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profilePath, JSON.stringify(profile));
      session.disconnect();
    }
    latencies.sort((a, b) => a - b);
    sentTimes.sort((a, b) => a - b);
    builds.sort((a, b) => a - b);
    return {
      ok: true,
      mode: 'delta',
      vhds,
      unreached,
      allSyncedMs: allSynced,
      proxies,
      workloads: Math.min(proxies, workloads.length),
      edits,
      affected,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      sentP50Ms: percentile(sentTimes, 0.5),
      sentP99Ms: percentile(sentTimes, 0.99),
      buildMs: percentile(builds, 0.5),
      firstBuildMs: percentile(firstBuilds.sort((a, b) => a - b), 0.5),
      debounceMs: DEFAULT_DEBOUNCE_MS,
      bytesPerEdit: bytes.reduce((a, b) => a + b, 0) / Math.max(1, bytes.length),
      perEdit,
      memoryBytes,
      heapUsedBytes,
      heapTotalBytes,
      externalBytes,
      initialSyncMs,
    };
  } finally {
    child.kill('SIGKILL');
    await server.close(100);
  }
}

// ---- command line -----------------------------------------------------------------

const argv = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  if (argv[0] === '--proxies') {
    const port = Number(argv[1]);
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => runProxies(port ?? 0, JSON.parse(Buffer.concat(chunks).toString()) as SimIdentity[]));
  } else {
    const json = argv.includes('--json');
    const m = argv.indexOf('--vhds');
    const vhds = m >= 0 ? argv[m + 1] : 'on-demand';
    if (vhds !== 'on-demand' && vhds !== 'whole') throw new Error(`--vhds: ${String(vhds)}: use on-demand or whole`);
    const [services = 2000, virtualServices = 10_000, proxies = 1000, policies = 5000, edits = 5] = argv.filter((a, i) => a !== '--json' && a !== '--vhds' && argv[i - 1] !== '--vhds').map(Number);
    controlPlane({ services, virtualServices, policies }, proxies, edits, vhds).then(
      (r) => {
        if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else {
          process.stdout.write(`${proxies} proxies (delta, virtual hosts ${r.vhds === 'whole' ? 'all' : `on demand, ${CALLS} called per app`}), mesh of ${services} services, ${virtualServices} VirtualServices, ${policies} AuthorizationPolicies\n`);
          process.stdout.write(`initial sync ${r.initialSyncMs} ms; control plane RSS ${(r.memoryBytes / 2 ** 20).toFixed(0)} MB, heap used ${(r.heapUsedBytes / 2 ** 20).toFixed(0)} of ${(r.heapTotalBytes / 2 ** 20).toFixed(0)} MB, external ${(r.externalBytes / 2 ** 20).toFixed(0)} MB\n`);
          process.stdout.write(`edit → ACK over ${r.edits} edits reaching ${r.affected.join(', ')} proxies (${r.unreached.join(', ')} in sync without a push; all in sync after ${r.allSyncedMs.join(', ')} ms): p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms (build ${r.buildMs} ms; last response written p50 ${r.sentP50Ms} ms, p99 ${r.sentP99Ms} ms; debounce ${r.debounceMs} ms not included); ${(r.bytesPerEdit / 2 ** 20).toFixed(1)} MiB sent per edit\n`);
          process.stdout.write(`each edit, last ACK (build; CPU control plane / proxies): ${r.perEdit.map((e) => `${e.lastAckMs} (${e.firstBuildMs === undefined ? '' : `${e.firstBuildMs} first, `}${e.buildMs}; ${e.cpuMs}/${e.proxiesCpuMs})`).join(', ')} ms\n`);
        }
        process.exit(0);
      },
      (e: unknown) => {
        if (json) process.stdout.write(`${JSON.stringify({ ok: false, reason: e instanceof Error ? e.message : String(e) })}\n`);
        else process.stderr.write(`edit-to-ack: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(json ? 0 : 1);
      },
    );
  }
}
