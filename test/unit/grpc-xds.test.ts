// Interop with a real third-party xDS client: @grpc/grpc-js-xds resolves
// `xds:///<fqdn>:<port>` against our ADS server, which serves it the
// proxyless config compiled from a mesh, and calls real gRPC echo servers on
// loopback: a unary call goes through, a weighted split sends calls to both
// backends in about the right ratio, a header match routes, a mesh change is
// pushed live, grpc-js-xds's own NACK of a resource it cannot use is
// recorded by the server, and a VirtualService's retries are carried out by
// the client itself.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { MeshDistributor } from '../../operator/xds/distributor.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { proxylessResources } from '../../operator/xds/proxyless.ts';
import { meshCompiler } from '../../operator/compile/proxy.ts';
import { defaultMeshSettings, type MeshSnapshot } from '../../operator/compile/snapshot.ts';
import type { VirtualServiceSpec } from '../../operator/api/model.ts';
import { TypeUrl } from '../../xds/types.ts';
import { pod, vs } from '../golden/meshes.ts';
import { sleep } from '../support/ads-wire.ts';

xds.register();

const pass = (b: Buffer): Buffer => b;
const ECHO = '/weft.test.Echo/Echo';
const echoService = {
  Echo: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass, originalName: 'Echo' },
} as unknown as grpc.ServiceDefinition;

async function echoServer(name: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(echoService, { Echo: (_call: unknown, cb: (e: null, r: Buffer) => void) => cb(null, Buffer.from(name)) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e !== null ? reject(e) : resolve(p))),
  );
  return { server, port };
}

const TARGET = 'echo.default.svc.cluster.local:50051';

function mesh(v1: number, v2: number, spec?: VirtualServiceSpec): MeshSnapshot {
  const svc = (name: string, selector: Record<string, string>, targetPort: number, ip: string) => ({
    namespace: 'default',
    name,
    clusterIP: ip,
    selector,
    ports: [{ name: 'grpc', port: 50051, targetPort, protocol: 'grpc' as const }],
  });
  return {
    settings: defaultMeshSettings,
    authorizationPolicies: [],
    trafficSplits: [],
    registry: {
      services: [svc('echo', { app: 'echo' }, 50051, '10.0.0.1'), svc('echo-v1', { app: 'echo', version: 'v1' }, v1, '10.0.0.2'), svc('echo-v2', { app: 'echo', version: 'v2' }, v2, '10.0.0.3')],
      instances: [pod('default', 'echo-v1', '127.0.0.1', { app: 'echo', version: 'v1' }), pod('default', 'echo-v2', '127.0.0.1', { app: 'echo', version: 'v2' })],
    },
    virtualServices: [
      vs(
        'default',
        'echo',
        spec ?? {
          hosts: ['echo'],
          http: [
            { match: [{ headers: { 'x-canary': { exact: 'yes' } } }], route: [{ destination: { host: 'echo-v2' } }] },
            { route: [{ destination: { host: 'echo-v1' }, weight: 75 }, { destination: { host: 'echo-v2' }, weight: 25 }] },
          ],
        },
      ),
    ],
  };
}

test('the proxyless config keeps what grpc-js-xds needs to apply a fault: the filter in the HCM, router last, overrides keyed by filter name', () => {
  const spec: VirtualServiceSpec = {
    hosts: ['echo'],
    http: [
      { fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 100 } } }, route: [{ destination: { host: 'echo-v1' }, weight: 1 }, { destination: { host: 'echo-v2' }, weight: 1 }] },
    ],
  };
  const out = proxylessResources(meshCompiler(mesh(1, 2, spec)).compileProxy({ namespace: 'default', workload: 'echo-client' }));
  const listener = out.find((r) => r.typeUrl === TypeUrl.Listener && r.name === TARGET)?.resource as
    | { api_listener: { api_listener: { http_filters: { name: string; typed_config: { '@type': string } }[] } } }
    | undefined;
  assert.ok(listener !== undefined);
  const filters = listener.api_listener.api_listener.http_filters;
  // grpc-js-xds NACKs a listener whose router filter is not last, and applies a route's override only to a filter the HCM lists.
  assert.deepEqual(
    filters.map((f) => [f.name, f.typed_config['@type']]),
    [
      ['envoy.filters.http.fault', 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault'],
      ['envoy.filters.http.router', 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'],
    ],
  );
  const rc = out.find((r) => r.typeUrl === TypeUrl.RouteConfiguration && r.name === TARGET)?.resource as
    | { virtual_hosts: { routes: { typed_per_filter_config?: Record<string, { '@type': string; abort?: unknown }> }[] }[] }
    | undefined;
  const route = rc?.virtual_hosts[0]?.routes[0];
  assert.deepEqual(Object.keys(route?.typed_per_filter_config ?? {}), ['envoy.filters.http.fault'], 'keyed by the HCM filter name, not the type URL');
  assert.deepEqual(route?.typed_per_filter_config?.['envoy.filters.http.fault']?.abort, { grpc_status: 14, percentage: { numerator: 1_000_000, denominator: 'MILLION' } });
});

let v1: { server: grpc.Server; port: number };
let v2: { server: grpc.Server; port: number };
const clients: grpc.Client[] = [];
const servers: RunningXdsServer[] = [];

before(async () => {
  v1 = await echoServer('v1');
  v2 = await echoServer('v2');
});
after(async () => {
  // grpc-js-xds keeps a 15 s resource timer that is not unref'd: the file's process lingers up to that long after its tests.
  for (const c of clients) c.close();
  for (const s of servers) await s.close(100);
  v1.server.forceShutdown();
  v2.server.forceShutdown();
});

function xdsClient(port: number, id: string): grpc.Client {
  const bootstrap = {
    xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id, locality: {}, metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'echo-client', GENERATOR: 'grpc' } },
  };
  const c = new grpc.Client(`xds:///${TARGET}`, grpc.credentials.createInsecure(), { 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap) });
  clients.push(c);
  return c;
}

function call(client: grpc.Client, metadata: Record<string, string> = {}): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(ECHO, pass, pass, Buffer.from('ping'), md, { deadline: Date.now() + 5000 }, (e, r) => (e !== null || r === undefined ? reject(e) : resolve(r.toString()))),
  );
}

async function tally(client: grpc.Client, n: number, metadata: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await call(client, metadata);
    counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

test('grpc-js-xds resolves xds:/// against our server: call, weighted split, header match, live change', async () => {
  const dist = new MeshDistributor({ quietMs: 10, maxDelayMs: 50 });
  const s = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  servers.push(s);
  dist.bind(s.server);
  dist.meshChanged(mesh(v1.port, v2.port), 'v1');
  dist.flush();
  const client = xdsClient(s.port, 'grpc-client-1');

  assert.match(await call(client), /^v[12]$/);
  const p = s.tracker.proxy('grpc-client-1');
  assert.ok(p !== undefined);
  assert.equal(p.node.kind, 'proxyless');
  assert.equal(p.inSync, true, 'grpc-js-xds ACKed every type');
  assert.deepEqual(p.types.map((t) => t.subscribed), [true, true, true, true]);

  const split = await tally(client, 200);
  assert.equal((split['v1'] ?? 0) + (split['v2'] ?? 0), 200);
  assert.ok((split['v1'] ?? 0) >= 120 && (split['v1'] ?? 0) <= 180, `75/25 split gave ${JSON.stringify(split)}`);
  assert.ok((split['v2'] ?? 0) >= 20, `v2 got ${split['v2']}`);

  assert.deepEqual(await tally(client, 20, { 'x-canary': 'yes' }), { v2: 20 });

  // A mesh change: everything to v2. Pushed live to the running client.
  dist.meshChanged(mesh(v1.port, v2.port, { hosts: ['echo'], http: [{ route: [{ destination: { host: 'echo-v2' } }] }] }), 'v2');
  dist.flush();
  const deadline = Date.now() + 3000;
  while (s.tracker.proxy('grpc-client-1')?.ackedMeshVersion !== 'v2' && Date.now() < deadline) await sleep(10);
  assert.equal(s.tracker.proxy('grpc-client-1')?.ackedMeshVersion, 'v2');
  assert.deepEqual(await tally(client, 20), { v2: 20 });
});

test("grpc-js-xds's own NACK is recorded by the server with its message", async () => {
  // A cluster with a load-balancing policy gRPC does not implement (until the mesh is fixed).
  let broken = true;
  const dist = new MeshDistributor({
    quietMs: 10,
    maxDelayMs: 50,
    resourcesFor: (m, id) =>
      proxylessResources(meshCompiler(m).compileProxy(id)).map((r) =>
        broken && r.typeUrl === TypeUrl.Cluster && r.name.includes('echo-v1') ? { ...r, resource: { ...r.resource, lb_policy: 'MAGLEV' } } : r,
      ),
  });
  const s = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  servers.push(s);
  dist.bind(s.server);
  dist.meshChanged(mesh(v1.port, v2.port), 'v1');
  dist.flush();
  const client = xdsClient(s.port, 'grpc-client-nack');
  // The call may fail or go to v2 only: what matters is the rejection on the server.
  await call(client, { 'x-canary': 'yes' }).catch(() => undefined);
  const deadline = Date.now() + 3000;
  while (s.tracker.proxy('grpc-client-nack')?.rejection === undefined && Date.now() < deadline) await sleep(10);
  const p = s.tracker.proxy('grpc-client-nack');
  assert.ok(p?.rejection !== undefined);
  assert.equal(p.rejection.typeUrl, TypeUrl.Cluster);
  assert.match(p.rejection.message, /unsupported lb_policy: MAGLEV/);
  const report = s.tracker.programmed('VirtualService.weft.dev/default/echo', 0, () => true);
  assert.match(report.message, /^rejected by proxy default\/echo-client \(grpc-client-nack\): CDS .*MAGLEV/);
  assert.equal(p.inSync, false);

  // Fixed: the client takes the next version and calls reach v1 again.
  broken = false;
  dist.meshChanged(mesh(v1.port, v2.port), 'v2');
  dist.flush();
  const fixed = Date.now() + 3000;
  while (s.tracker.proxy('grpc-client-nack')?.inSync !== true && Date.now() < fixed) await sleep(10);
  assert.equal(s.tracker.proxy('grpc-client-nack')?.rejection, undefined);
  assert.equal(s.tracker.programmed('VirtualService.weft.dev/default/echo', 0, () => true).message, 'programmed on 1 of 1 proxy');
  assert.ok(((await tally(client, 40))['v1'] ?? 0) > 0);
});

/** An echo backend that counts the calls it sees and fails the first `failFirst` of them with UNAVAILABLE. */
async function countingServer(): Promise<{ server: grpc.Server; port: number; calls: number; failFirst: number; delayMs: number }> {
  const state = { server: new grpc.Server(), port: 0, calls: 0, failFirst: 0, delayMs: 0 };
  state.server.addService(echoService, {
    Echo: (_call: unknown, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => {
      state.calls++;
      if (state.calls <= state.failFirst) cb({ name: 'Error', message: `attempt ${state.calls} refused`, code: grpc.status.UNAVAILABLE, details: 'refused', metadata: new grpc.Metadata() });
      else if (state.delayMs > 0) setTimeout(() => cb(null, Buffer.from('counted')), state.delayMs);
      else cb(null, Buffer.from('counted'));
    },
  });
  state.port = await new Promise<number>((resolve, reject) =>
    state.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e !== null ? reject(e) : resolve(p))),
  );
  return state;
}

function statusOf(p: Promise<string>): Promise<grpc.status> {
  return p.then(
    () => grpc.status.OK,
    (e: unknown) => (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'number' ? (e.code as grpc.status) : grpc.status.UNKNOWN),
  );
}

/** A rule's fields; its route is the backend (as echo-v1) unless given. */
type Rule = NonNullable<VirtualServiceSpec['http']>[number];

/**
 * An xDS server whose mesh sends every call to `backend` (as echo-v1) under one rule, and a grpc-js-xds client of it.
 * `apply(rule)` pushes a new rule and waits until the client has ACKed it, then resets the backend's counters.
 */
async function drivenClient(t: { after: (fn: () => Promise<void>) => void }, backend: Awaited<ReturnType<typeof countingServer>>, id: string, first: Rule) {
  const dist = new MeshDistributor({ quietMs: 10, maxDelayMs: 50 });
  const s = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  dist.bind(s.server);
  let version = 0;
  const push = (rule: Rule): string => {
    const v = `r${++version}`;
    dist.meshChanged(mesh(backend.port, v2.port, { hosts: ['echo'], http: [{ route: [{ destination: { host: 'echo-v1' } }], ...rule }] }), v);
    dist.flush();
    return v;
  };
  push(first);
  const client = xdsClient(s.port, id);
  t.after(async () => {
    client.close();
    backend.server.forceShutdown();
    await s.close(100);
  });
  const apply = async (rule: Rule): Promise<void> => {
    const v = push(rule);
    const deadline = Date.now() + 3000;
    while (s.tracker.proxy(id)?.ackedMeshVersion !== v && Date.now() < deadline) await sleep(10);
    assert.equal(s.tracker.proxy(id)?.ackedMeshVersion, v, `client ACKed mesh version ${v}`);
    // The ACK is sent once the resources are parsed; the channel takes the new config selector just after.
    await sleep(100);
    backend.calls = 0;
    backend.failFirst = 0;
  };
  return { client, apply };
}

test('grpc-js-xds carries out VirtualService retries', async (t) => {
  const backend = await countingServer();
  const { client, apply } = await drivenClient(t, backend, 'grpc-client-retry', {});
  assert.equal(await call(client), 'counted');

  // Retries: 3 retries on unavailable. The backend refuses 3 attempts (one more than the default policy's 2 retries
  // would survive): the 4th attempt succeeds and the backend saw 4.
  await apply({ retries: { attempts: 3, retryOn: 'unavailable' } });
  backend.failFirst = 3;
  assert.equal(await call(client), 'counted');
  assert.equal(backend.calls, 4, 'first try plus 3 retries');
  // Refusing 4 attempts exhausts the policy: the call fails with the backend's status after exactly 4 attempts.
  backend.calls = 0;
  backend.failFirst = 4;
  assert.equal(await statusOf(call(client)), grpc.status.UNAVAILABLE);
  assert.equal(backend.calls, 4, 'no attempt beyond the first try plus 3 retries');
  // A status not in retryOn is not retried.
  await apply({ retries: { attempts: 3, retryOn: 'resource-exhausted' } });
  backend.failFirst = 1;
  assert.equal(await statusOf(call(client)), grpc.status.UNAVAILABLE);
  assert.equal(backend.calls, 1, 'UNAVAILABLE is not retried when retryOn names only resource-exhausted');
});

test('grpc-js-xds applies the VirtualService timeout as the call deadline, and no timeout leaves the caller\'s deadline', async (t) => {
  const backend = await countingServer();
  const { client, apply } = await drivenClient(t, backend, 'grpc-client-timeout', { timeout: '150ms' });
  backend.delayMs = 600;
  const cut = await timed(client);
  assert.equal(cut.code, grpc.status.DEADLINE_EXCEEDED, `a 600 ms backend under a 150ms timeout: ${cut.details}`);
  assert.ok(cut.ms >= 140 && cut.ms < 550, `the 150ms timeout ended the call after ${cut.ms.toFixed(1)} ms`);

  // Without a timeout the caller's own deadline (5 s) is the only one: the slow call succeeds.
  await apply({});
  backend.delayMs = 600;
  const slow = await timed(client);
  assert.equal(slow.code, grpc.status.OK, slow.details);
  assert.ok(slow.ms >= 590, `the call waited for the backend: ${slow.ms.toFixed(1)} ms`);

  // A longer timeout lets the slow call through.
  await apply({ timeout: '3s' });
  backend.delayMs = 600;
  assert.equal((await timed(client)).code, grpc.status.OK);
});

/** The call's status and details, and how long it took (ms). */
async function timed(client: grpc.Client): Promise<{ code: grpc.status; details: string; ms: number }> {
  const start = performance.now();
  const out = await call(client).then(
    () => ({ code: grpc.status.OK, details: '' }),
    (e: unknown) => ({
      code: typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'number' ? (e.code as grpc.status) : grpc.status.UNKNOWN,
      details: typeof e === 'object' && e !== null && 'details' in e && typeof e.details === 'string' ? e.details : String(e),
    }),
  );
  return { ...out, ms: performance.now() - start };
}

test('grpc-js-xds carries out VirtualService fault injection: abort by gRPC and HTTP status, percentages, delay, live removal', async (t) => {
  const backend = await countingServer();
  // The client starts with a 100% abort: its very first call already fails.
  const { client, apply } = await drivenClient(t, backend, 'grpc-client-fault', { fault: { abort: { grpcStatus: 'PERMISSION_DENIED', percentage: { value: 100 } } } });
  for (let i = 0; i < 10; i++) assert.deepEqual(await statusOf(call(client)), grpc.status.PERMISSION_DENIED);
  const aborted = await timed(client);
  assert.equal(aborted.code, grpc.status.PERMISSION_DENIED);
  assert.equal(aborted.details, 'Fault injected', 'failed by the fault filter, not by the backend');
  assert.equal(backend.calls, 0, 'an aborted call never reaches the backend');

  // grpcStatus by number, as Istio allows.
  await apply({ fault: { abort: { grpcStatus: '8', percentage: { value: 100 } } } });
  assert.equal(await statusOf(call(client)), grpc.status.RESOURCE_EXHAUSTED);

  // httpStatus is mapped to a gRPC status the way gRPC maps HTTP statuses (404 → UNIMPLEMENTED, 401 → UNAUTHENTICATED).
  await apply({ fault: { abort: { httpStatus: 404, percentage: { value: 100 } } } });
  assert.equal(await statusOf(call(client)), grpc.status.UNIMPLEMENTED);
  await apply({ fault: { abort: { httpStatus: 401 } } });
  assert.equal(await statusOf(call(client)), grpc.status.UNAUTHENTICATED, 'no percentage means every call, as in Istio');
  assert.equal(backend.calls, 0);

  // 0%: every call passes and reaches the backend.
  await apply({ fault: { abort: { httpStatus: 503, percentage: { value: 0 } } } });
  assert.deepEqual(await tally(client, 20), { counted: 20 });
  assert.equal(backend.calls, 20);

  // 50%: about half of 200 calls fail, the others reach the backend.
  await apply({ fault: { abort: { grpcStatus: 'ABORTED', percentage: { value: 50 } } } });
  const codes = new Map<grpc.status, number>();
  for (let i = 0; i < 200; i++) {
    const c = await statusOf(call(client));
    codes.set(c, (codes.get(c) ?? 0) + 1);
  }
  assert.deepEqual([...codes.keys()].sort(), [grpc.status.OK, grpc.status.ABORTED]);
  const failed = codes.get(grpc.status.ABORTED) ?? 0;
  assert.ok(failed >= 60 && failed <= 140, `50% abort failed ${failed} of 200`);
  assert.equal(backend.calls, 200 - failed);

  // A fixed delay slows every call by at least that much; the calls still succeed.
  await apply({ fault: { delay: { fixedDelay: '300ms', percentage: { value: 100 } } } });
  for (let i = 0; i < 3; i++) {
    const r = await timed(client);
    assert.equal(r.code, grpc.status.OK);
    assert.ok(r.ms >= 299, `a 300ms delay, call took ${r.ms.toFixed(1)} ms`);
  }
  assert.equal(backend.calls, 3);

  // Delay and abort together: the call waits, then fails.
  await apply({ fault: { delay: { fixedDelay: '200ms' }, abort: { grpcStatus: 'UNAVAILABLE' } } });
  const both = await timed(client);
  assert.equal(both.code, grpc.status.UNAVAILABLE);
  assert.equal(both.details, 'Fault injected');
  assert.ok(both.ms >= 199, `delayed abort took ${both.ms.toFixed(1)} ms`);
  assert.equal(backend.calls, 0);

  // On a weighted route the fault applies to every call, whichever backend it would have gone to.
  await apply({ fault: { abort: { grpcStatus: 'DATA_LOSS' } }, route: [{ destination: { host: 'echo-v1' }, weight: 50 }, { destination: { host: 'echo-v2' }, weight: 50 }] });
  for (let i = 0; i < 20; i++) assert.equal(await statusOf(call(client)), grpc.status.DATA_LOSS);
  assert.equal(backend.calls, 0);
  await apply({ route: [{ destination: { host: 'echo-v1' }, weight: 50 }, { destination: { host: 'echo-v2' }, weight: 50 }] });
  const both50 = await tally(client, 40);
  assert.ok((both50['counted'] ?? 0) > 0 && (both50['v2'] ?? 0) > 0, `a 50/50 split without the fault reaches both: ${JSON.stringify(both50)}`);

  // A live edit removing the fault: calls pass again, without the delay.
  await apply({});
  const healed = await timed(client);
  assert.equal(healed.code, grpc.status.OK);
  assert.ok(healed.ms < 200, `without the fault a call took ${healed.ms.toFixed(1)} ms`);
  assert.deepEqual(await tally(client, 10), { counted: 10 });
});
