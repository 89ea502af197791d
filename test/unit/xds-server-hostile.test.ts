// Hostile and broken clients against the ADS server over real gRPC: each
// misbehaviour ends that client's stream with a clear status, and a
// well-behaved proxy on its own connection still gets its config.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { adsClientConstructor, type DiscoveryRequest, type DiscoveryResponse } from '../../xds/ads.ts';
import { TypeUrl } from '../../xds/types.ts';
import { XdsSnapshot, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { MemoryLogger } from '../../operator/xds/log.ts';
import { SotwWire, node, sleep } from '../support/ads-wire.ts';

const ads = { ads: {}, resource_api_version: 'V3' };

/** `n` EDS clusters with endpoints; `salt` changes every endpoint's port so each call gives new content. */
function bigSnapshot(n: number, salt: number): XdsSnapshot {
  const resources: ResourceInput[] = [];
  for (let i = 0; i < n; i++) {
    const name = `outbound|80||svc-${i}.shop.svc.cluster.local`;
    resources.push({ name, typeUrl: TypeUrl.Cluster, resource: { name, type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: name }, connect_timeout: `${1 + (salt % 50)}s` } });
    resources.push({
      name,
      typeUrl: TypeUrl.ClusterLoadAssignment,
      resource: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 1000 + salt } } } }] }] },
    });
  }
  return XdsSnapshot.build({ resources, meshVersion: `m${salt}` });
}

const servers: RunningXdsServer[] = [];
const closers: (() => void)[] = [];
after(async () => {
  for (const c of closers) c();
  for (const s of servers) await s.close(100);
});

async function start(limits: Parameters<typeof startXdsServer>[0] = {}): Promise<RunningXdsServer> {
  const s = await startXdsServer(limits);
  servers.push(s);
  return s;
}

function wire(port: number, read = true, connection = ''): SotwWire {
  const w = new SotwWire(port, read, connection);
  closers.push(() => w.close());
  return w;
}

/** A proxy that behaves: connects on its own connection and must receive CDS within `ms`. */
async function wellBehaved(port: number, id: string, ms = 2000): Promise<number> {
  const started = performance.now();
  const w = wire(port, true, `good-${id}`);
  w.send({ node: node(id, 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  const [c] = await w.waitFor(1, ms);
  assert.ok(c !== undefined && c.type_url === TypeUrl.Cluster);
  w.ack(c);
  return performance.now() - started;
}

test('a garbage type URL ends that stream with INVALID_ARGUMENT naming what is served; others are unaffected', async () => {
  const log = new MemoryLogger();
  const s = await start({ logger: log });
  s.setSnapshot('shop/frontend', bigSnapshot(3, 1));
  const bad = wire(s.port, true, 'garbage');
  bad.send({ node: node('bad', 'shop', 'frontend'), type_url: 'type.googleapis.com/evil.Payload\u0000' });
  const end = await bad.waitEnd();
  assert.equal(end.code, grpc.status.INVALID_ARGUMENT);
  assert.match(end.details, /type_url "type.googleapis.com\/evil.Payload\\u0000" is not served; this server serves SDS .*CDS \(type.googleapis.com\/envoy.config.cluster.v3.Cluster\)/);
  const bad2 = wire(s.port, true, 'garbage2');
  bad2.send({ node: node('bad2', 'shop', 'frontend') } as DiscoveryRequest);
  assert.equal((await bad2.waitEnd()).code, grpc.status.INVALID_ARGUMENT);
  await wellBehaved(s.port, 'good-1');
  assert.ok(log.records.some((r) => r.level === 'warn' && r.msg === 'xDS stream dropped'));
});

test('a client that never reads (never answers) is dropped after the response timeout; a well-behaved proxy keeps getting pushes', async () => {
  const s = await start({ limits: { responseTimeoutMs: 300 } });
  s.setSnapshot('shop/frontend', bigSnapshot(400, 0));
  const lazy = wire(s.port, false, 'lazy');
  lazy.send({ node: node('lazy', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  lazy.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: Array.from({ length: 400 }, (_, i) => `outbound|80||svc-${i}.shop.svc.cluster.local`) });
  const good = wire(s.port, true, 'good-lazy');
  good.autoAck();
  good.send({ node: node('good', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  await good.waitFor(1);
  for (let salt = 1; salt <= 40 && s.server.stats.streamsDropped === 0; salt++) {
    s.setSnapshot('shop/frontend', bigSnapshot(400, salt));
    await sleep(40);
  }
  await sleep(500);
  assert.equal(s.server.stats.streamsDropped, 1, 'the reader that never reads is dropped');
  assert.equal(s.tracker.proxy('lazy'), undefined);
  assert.ok(s.tracker.proxy('good') !== undefined);
  // The good proxy got the latest config.
  const before = good.responses.length;
  s.setSnapshot('shop/frontend', bigSnapshot(400, 99));
  await good.waitFor(before + 1);
  assert.equal(good.responses.at(-1)?.version_info, s.server.snapshot('shop/frontend')?.versionOf(TypeUrl.Cluster));
});

test('1,000 streams from one client: the connection is capped, the server survives, a proxy on another connection gets its config', async () => {
  const s = await start({ limits: { maxStreamsPerConnection: 50, maxStreams: 500 } });
  s.setSnapshot('shop/frontend', bigSnapshot(20, 1));
  const Ctor = adsClientConstructor();
  const hostile = new Ctor(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure(), { 'grpc.primary_user_agent': 'hostile-1000' }) as grpc.Client &
    Record<string, () => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>>;
  closers.push(() => hostile.close());
  const streams: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>[] = [];
  const refused: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const open = hostile['StreamAggregatedResources'];
    if (open === undefined) throw new Error('no method');
    const st = open.call(hostile);
    st.on('error', (e: Error & { details?: string }) => refused.push(e.details ?? e.message));
    st.on('data', () => {});
    st.write({ node: node(`h-${i}`, 'shop', 'frontend'), type_url: TypeUrl.Cluster });
    streams.push(st);
  }
  closers.push(() => {
    for (const st of streams) st.cancel();
  });
  await sleep(300);
  const took = await wellBehaved(s.port, 'good-1000', 3000);
  assert.ok(s.server.streamCount <= 51, `streams held: ${s.server.streamCount}`);
  assert.ok(s.server.stats.streamsRefused + (1000 - s.server.stats.streamsOpened) >= 900, 'the rest are refused or never admitted');
  assert.ok(refused.some((d) => /too many xDS streams on one connection \(50\)/.test(d)) || s.server.stats.streamsOpened <= 51);
  assert.ok(took < 3000);
});

test('a request flood or NACK storm ends that stream with RESOURCE_EXHAUSTED', async () => {
  const s = await start({ limits: { requestsPerSecond: 20, requestBurst: 50 } });
  s.setSnapshot('shop/frontend', bigSnapshot(2, 1));
  const storm = wire(s.port, true, 'storm');
  storm.send({ node: node('storm', 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  const [c] = await storm.waitFor(1);
  assert.ok(c !== undefined);
  for (let i = 0; i < 200; i++) storm.nack(c, `nope ${i}`);
  const end = await storm.waitEnd();
  assert.equal(end.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(end.details, /more than 20 xDS requests per second on one stream/);
  await wellBehaved(s.port, 'good-storm');
});

test('a stream that never sends its first request is dropped', async () => {
  const s = await start({ limits: { firstRequestTimeoutMs: 150 } });
  const idle = wire(s.port, true, 'idle');
  // grpc-js sends the request headers when the call starts: the server holds a stream with no request.
  await sleep(50);
  assert.equal(s.server.streamCount, 1);
  const end = await idle.waitEnd(2000);
  assert.equal(end.code, grpc.status.DEADLINE_EXCEEDED);
  assert.match(end.details, /no xDS request within 150 ms/);
  assert.equal(s.server.streamCount, 0);
});
