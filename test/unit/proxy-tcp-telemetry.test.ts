// Istio's TCP metrics over real sockets: app → proxy A (tcp_proxy to an mTLS
// cluster) → mTLS → proxy B (tcp_proxy to the app). Each side reports the
// connection on /stats/prometheus with Istio's labels (reporter, workloads,
// destination_service, connection_security_policy, request_protocol "tcp",
// response_flags) and the bytes that crossed it; a refused connection is
// counted with its flag.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createCa, caConfig, type MeshCa } from '../../operator/ca/authority.ts';
import { TypeUrl } from '../../xds/types.ts';
import type { ProxyHandle } from '../../proxy/index.ts';
import { TCP_LABEL_NAMES } from '../../proxy/telemetry/metrics.ts';
import { request, testProxy } from './proxy-helpers.ts';
import { downstreamTls, identity, spiffe, staticCluster, TD, upstreamTls, type Identity } from './proxy-tls-helpers.ts';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const DB = 'db.b.svc.cluster.local';
const DB_CLUSTER = `outbound|5432||${DB}`;
const DB_SNI = 'outbound_.5432_._.db.b.svc.cluster.local';
const IN_CLUSTER = `inbound|5432||${DB}`;

let ca: MeshCa;
let echoPort = 0;
const cleanup: (() => Promise<void> | void)[] = [];

before(async () => {
  ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const echo = net.createServer((s) => {
    s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
    s.on('error', () => {});
  });
  echo.listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  echoPort = (echo.address() as net.AddressInfo).port;
  cleanup.push(() => new Promise<void>((r) => echo.close(() => r())));
});

after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const nodeFor = (ns: string, workload: string, app: string) => ({
  id: `sidecar~127.0.0.1~${workload}-abc.${ns}~${ns}.svc.cluster.local`,
  cluster: `${app}.${ns}`,
  metadata: { NAMESPACE: ns, WORKLOAD_NAME: workload, SERVICE_ACCOUNT: app, LABELS: { app, version: 'v1' }, CLUSTER_ID: 'Kubernetes' },
});

async function proxy(id: Identity, node: ReturnType<typeof nodeFor>, clusters: unknown[], listeners: unknown[]): Promise<ProxyHandle> {
  const p = await testProxy({ bootstrap: { node, listeners: [], clusters: [], ads: undefined, admin: undefined }, admin: { address: '127.0.0.1', port: 0 } });
  cleanup.push(() => p.close());
  const named = (l: unknown[]) => l.map((r) => ({ name: String((r as { name: string }).name), resource: r }));
  assert.deepEqual(p.applyConfig(TypeUrl.Secret, id.secrets), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Cluster, named(clusters)), { ok: true });
  assert.deepEqual(p.applyConfig(TypeUrl.Listener, named(listeners)), { ok: true });
  await p.settled();
  return p;
}

const tcpProxy = (cluster: string) => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: cluster, cluster } });

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

async function scrape(admin: number): Promise<Sample[]> {
  const r = await request(admin, { path: '/stats/prometheus', agent: false });
  assert.equal(r.status, 200);
  const out: Sample[] = [];
  for (const line of r.body.split('\n')) {
    const m = /^(istio_tcp_[a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] as string).matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1] as string] = lm[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

const one = (samples: Sample[], name: string, where: Record<string, string>): Sample => {
  const hits = samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
  assert.equal(hits.length, 1, `${name} ${JSON.stringify(where)}: ${hits.length} series`);
  return hits[0] as Sample;
};

/** Sends `bytes`, waits for `expect` to come back, then closes and waits for the close. */
function roundTrip(port: number, bytes: string, expect: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.length >= expect.length) s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('A and B both report the connection with Istio TCP labels, counts and bytes', async () => {
  const bListener = {
    name: 'virtualInbound',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
    filter_chains: [{ name: 'inbound|5432|mtls', filter_chain_match: { transport_protocol: 'tls' }, transport_socket: downstreamTls, filters: [tcpProxy(IN_CLUSTER)] }],
  };
  const b = await proxy(await identity(ca, 'b', 'db'), nodeFor('b', 'db-v1', 'db'), [staticCluster(IN_CLUSTER, [echoPort])], [bListener]);
  const aListener = { name: 'db', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [tcpProxy(DB_CLUSTER)] }] };
  const a = await proxy(await identity(ca, 'a', 'a'), nodeFor('a', 'a-v1', 'a'), [staticCluster(DB_CLUSTER, [b.port('virtualInbound') ?? 0], upstreamTls([spiffe('b', 'db')], DB_SNI))], [aListener]);

  const sent = 'select 1;'; // 9 bytes up, 14 back
  assert.equal(await roundTrip(a.port('db') ?? 0, sent, `echo:${sent}`), `echo:${sent}`);
  assert.equal(await roundTrip(a.port('db') ?? 0, sent + sent, `echo:${sent}${sent}`), `echo:${sent}${sent}`);

  const aAdmin = a.adminPort as number;
  const bAdmin = b.adminPort as number;
  await until(async () => (await scrape(bAdmin)).some((s) => s.name === 'istio_tcp_connections_closed_total' && s.value === 2));
  const src = await scrape(aAdmin);
  const dst = await scrape(bAdmin);

  // Exactly Istio's label set: the HTTP one without response_code and grpc_response_status.
  const s = one(src, 'istio_tcp_connections_opened_total', { reporter: 'source' });
  assert.deepEqual(Object.keys(s.labels).sort(), [...TCP_LABEL_NAMES].sort());
  assert.equal(s.value, 2);
  assert.equal(s.labels['request_protocol'], 'tcp');
  assert.equal(s.labels['response_flags'], '-');
  assert.equal(s.labels['source_workload'], 'a-v1');
  assert.equal(s.labels['source_workload_namespace'], 'a');
  assert.equal(s.labels['destination_service'], DB);
  assert.equal(s.labels['destination_service_name'], 'db');
  assert.equal(s.labels['destination_service_namespace'], 'b');
  assert.equal(s.labels['connection_security_policy'], 'unknown');
  assert.equal(one(src, 'istio_tcp_connections_closed_total', { reporter: 'source' }).value, 2);
  assert.equal(one(src, 'istio_tcp_received_bytes_total', { reporter: 'source' }).value, 27);
  assert.equal(one(src, 'istio_tcp_sent_bytes_total', { reporter: 'source' }).value, 37);

  const d = one(dst, 'istio_tcp_connections_opened_total', { reporter: 'destination' });
  assert.equal(d.value, 2);
  assert.equal(d.labels['connection_security_policy'], 'mutual_tls');
  assert.equal(d.labels['source_principal'], spiffe('a', 'a'));
  assert.equal(d.labels['source_workload_namespace'], 'a');
  assert.equal(d.labels['destination_workload'], 'db-v1');
  assert.equal(d.labels['destination_workload_namespace'], 'b');
  assert.equal(d.labels['destination_principal'], spiffe('b', 'db'));
  assert.equal(d.labels['destination_service'], DB);
  assert.equal(d.labels['request_protocol'], 'tcp');
  // B saw the decrypted stream: the same byte counts as A.
  assert.equal(one(dst, 'istio_tcp_received_bytes_total', { reporter: 'destination' }).value, 27);
  assert.equal(one(dst, 'istio_tcp_sent_bytes_total', { reporter: 'destination' }).value, 37);
  assert.equal(one(dst, 'istio_tcp_connections_closed_total', { reporter: 'destination' }).value, 2);
});

test('a connection the upstream refuses is counted opened and closed with UF, no bytes', async () => {
  const dead = net.createServer();
  dead.listen(0, '127.0.0.1');
  await new Promise((r) => dead.once('listening', r));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const listener = { name: 'db', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [tcpProxy(DB_CLUSTER)] }] };
  const a = await proxy(await identity(ca, 'a', 'a'), nodeFor('a', 'a-v1', 'a'), [staticCluster(DB_CLUSTER, [deadPort])], [listener]);
  assert.equal(await roundTrip(a.port('db') ?? 0, 'hello', 'x'), '');
  const admin = a.adminPort as number;
  await until(async () => (await scrape(admin)).some((s) => s.name === 'istio_tcp_connections_closed_total'));
  const samples = await scrape(admin);
  assert.equal(one(samples, 'istio_tcp_connections_opened_total', { response_flags: 'UF' }).value, 1);
  assert.equal(one(samples, 'istio_tcp_connections_closed_total', { response_flags: 'UF' }).value, 1);
  assert.equal(one(samples, 'istio_tcp_sent_bytes_total', { response_flags: 'UF' }).value, 0);
  assert.equal(samples.filter((s) => s.labels['response_flags'] === '-').length, 0);
});
