// Telemetry over real sockets: Istio's metrics with their exact label sets
// (parsed from /stats/prometheus), response flags in them, the access log
// line, W3C and B3 propagation with this hop's span id, x-request-id.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTER, cluster, configure, httpListener, request, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';
import { LABEL_NAMES, BUCKETS } from '../../proxy/telemetry/index.ts';
import type { ProxyHandle } from '../../proxy/index.ts';

const SVC = 'reviews.shop.svc.cluster.local';
const OUT_CLUSTER = `outbound|9080||${SVC}`;
const IN_CLUSTER = 'inbound|9080||';
const dir = mkdtempSync(join(tmpdir(), 'weft-telemetry-'));
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const node = {
  id: 'sidecar~10.0.0.7~productpage-v1-abc.shop~shop.svc.cluster.local',
  cluster: 'productpage.shop',
  metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage-v1', SERVICE_ACCOUNT: 'bookinfo-productpage', LABELS: { app: 'productpage', version: 'v1' }, CLUSTER_ID: 'Kubernetes' },
};

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text format → samples (comments skipped, label values unescaped). */
function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    for (const lm of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(port: number, path = '/stats/prometheus'): Promise<{ status: number; type: string; samples: Sample[]; text: string }> {
  const r = await request(port, { path, agent: false });
  return { status: r.status, type: String(r.headers['content-type']), samples: r.status === 200 ? parseProm(r.body) : [], text: r.body };
}

const find = (samples: Sample[], name: string, where: Record<string, string>): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));

async function proxyWith(
  clusterName: string,
  statPrefix: string,
  up: Upstream,
  opts: { route?: Record<string, unknown>; clusterExtra?: Record<string, unknown>; telemetry?: Parameters<typeof testProxy>[0] } = {},
): Promise<{ p: ProxyHandle; port: number; admin: number }> {
  const p = await testProxy({ bootstrap: { node, listeners: [], clusters: [], ads: undefined, admin: undefined }, admin: { address: '127.0.0.1', port: 0 }, ...opts.telemetry });
  closers.push(() => p.close());
  await configure(p, {
    clusters: [cluster(clusterName, [up.port], opts.clusterExtra)],
    listeners: [
      httpListener('l', 0, {
        stat_prefix: statPrefix,
        route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'the-route', match: { prefix: '/' }, route: { cluster: clusterName, ...opts.route } }] }] },
        http_filters: [ROUTER],
      }),
    ],
  });
  return { p, port: p.port('l') as number, admin: p.adminPort as number };
}

test('outbound: istio_requests_total has the exact Istio label set, histograms count bytes and duration', async () => {
  const up = await startUpstream('reviews', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('twelve bytes');
  });
  closers.push(() => up.close());
  const { port, admin } = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', up);
  for (let i = 0; i < 3; i++) {
    const r = await request(port, { method: 'POST', path: '/reviews/1', host: `${SVC}:9080`, body: 'hello' });
    assert.equal(r.status, 200);
  }
  const { status, type, samples } = await scrape(admin);
  assert.equal(status, 200);
  assert.match(type, /^text\/plain; version=0\.0\.4/);
  const total = find(samples, 'istio_requests_total', {});
  assert.equal(total.length, 1, 'one series');
  const s = total[0] as Sample;
  assert.deepEqual(Object.keys(s.labels).sort(), [...LABEL_NAMES].sort());
  assert.deepEqual(s.labels, {
    reporter: 'source',
    source_workload: 'productpage-v1',
    source_workload_namespace: 'shop',
    source_principal: 'unknown',
    source_app: 'productpage',
    source_version: 'v1',
    source_canonical_service: 'productpage',
    source_canonical_revision: 'v1',
    source_cluster: 'Kubernetes',
    destination_workload: 'unknown',
    destination_workload_namespace: 'unknown',
    destination_principal: 'unknown',
    destination_app: 'unknown',
    destination_version: 'unknown',
    destination_service: SVC,
    destination_service_name: 'reviews',
    destination_service_namespace: 'shop',
    destination_canonical_service: 'unknown',
    destination_canonical_revision: 'unknown',
    destination_cluster: 'unknown',
    request_protocol: 'http',
    response_code: '200',
    grpc_response_status: '',
    response_flags: '-',
    connection_security_policy: 'unknown',
  });
  assert.equal(s.value, 3);
  const sel = { reporter: 'source', response_code: '200' };
  assert.equal(find(samples, 'istio_request_bytes_count', sel)[0]?.value, 3);
  assert.equal(find(samples, 'istio_request_bytes_sum', sel)[0]?.value, 15);
  assert.equal(find(samples, 'istio_response_bytes_sum', sel)[0]?.value, 36);
  // 12-byte responses: none at or under 10, all at or under 25.
  assert.equal(find(samples, 'istio_response_bytes_bucket', { ...sel, le: '10' })[0]?.value, 0);
  assert.equal(find(samples, 'istio_response_bytes_bucket', { ...sel, le: '25' })[0]?.value, 3);
  const buckets = find(samples, 'istio_request_duration_milliseconds_bucket', sel);
  assert.deepEqual(buckets.map((b) => b.labels['le']), [...BUCKETS.map(String), '+Inf']);
  assert.equal(buckets.at(-1)?.value, 3);
  const durSum = find(samples, 'istio_request_duration_milliseconds_sum', sel)[0]?.value ?? -1;
  assert.ok(durSum > 0 && durSum < 3000, `duration sum ${durSum} ms`);
});

test('inbound: reporter destination, this workload as destination, connection_security_policy none on plaintext', async () => {
  const up = await startUpstream('app');
  closers.push(() => up.close());
  const { port, admin } = await proxyWith(IN_CLUSTER, 'inbound_0.0.0.0_9080', up);
  assert.equal((await request(port, { host: 'productpage:9080' })).status, 200);
  const s = find((await scrape(admin)).samples, 'istio_requests_total', {})[0];
  assert.ok(s !== undefined);
  assert.equal(s.labels['reporter'], 'destination');
  assert.equal(s.labels['destination_workload'], 'productpage-v1');
  assert.equal(s.labels['destination_workload_namespace'], 'shop');
  assert.equal(s.labels['destination_app'], 'productpage');
  assert.equal(s.labels['destination_service'], 'productpage');
  assert.equal(s.labels['destination_service_namespace'], 'shop');
  assert.equal(s.labels['destination_principal'], 'unknown', 'no mTLS: the proxy does not vouch for its identity');
  assert.equal(s.labels['source_workload'], 'unknown');
  assert.equal(s.labels['source_principal'], 'unknown');
  assert.equal(s.labels['connection_security_policy'], 'none');
});

test('503 UO (circuit breaker) and 504 UT (route timeout) show in response_flags and the access log; /stats counts them', async () => {
  const slow = await startUpstream('slow', (_q, res) => setTimeout(() => res.end('late'), 400));
  closers.push(() => slow.close());
  const logFile = join(dir, 'flags.log');
  const { p, port, admin } = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', slow, {
    route: { timeout: '0.1s' },
    clusterExtra: { circuit_breakers: { thresholds: [{ max_requests: 1 }] } },
    telemetry: { telemetry: { accessLog: { kind: 'file', path: logFile } } },
  });
  // One request holds the only slot until its timeout; the second overflows.
  const first = request(port, { host: SVC, agent: false });
  await new Promise((r) => setTimeout(r, 30));
  const second = await request(port, { host: SVC, agent: false });
  assert.equal(second.status, 503);
  assert.equal((await first).status, 504);
  const { samples } = await scrape(admin);
  assert.equal(find(samples, 'istio_requests_total', { response_code: '503', response_flags: 'UO' })[0]?.value, 1);
  assert.equal(find(samples, 'istio_requests_total', { response_code: '504', response_flags: 'UT' })[0]?.value, 1);
  await p.telemetry?.accessLog?.flush();
  const logged = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(logged.map((l) => [l['response_code'], l['response_flags']]).sort(), [[503, 'UO'], [504, 'UT']]);
  const stats = (await request(admin, { path: '/stats', agent: false })).body;
  assert.match(stats, /^http\.outbound_0\.0\.0\.0_9080\.downstream_rq_5xx: 2$/m);
  assert.match(stats, /^http\.outbound_0\.0\.0\.0_9080\.downstream_rq_total: 2$/m);
  assert.match(stats, new RegExp(`^cluster\\.${OUT_CLUSTER.replace(/\|/g, '\\|').replace(/\./g, '\\.')}\\.upstream_rq_pending_overflow: 1$`, 'm'));
  assert.match(stats, /membership_total: 1$/m);
  assert.match(stats, new RegExp(`^cluster_manager\\.cds\\.version: ${p.core.clustersState.version}$`, 'm'));
  assert.ok(p.core.clustersState.version > 0);
});

test('access log: one JSON line per request with Envoy fields and the trace id', async () => {
  const file = join(dir, 'access.log');
  const up = await startUpstream('reviews');
  closers.push(() => up.close());
  const { p, port } = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', up, { telemetry: { telemetry: { accessLog: { kind: 'file', path: file } } } });
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await request(port, { method: 'POST', path: '/a?b=1', host: SVC, headers: { 'user-agent': 'telemetry-test', 'x-forwarded-for': '10.9.9.9', traceparent: tp, 'x-request-id': 'rid-1' }, body: 'abc' });
  await request(port, { path: '/missing', host: SVC, agent: false });
  await p.telemetry?.accessLog?.flush();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  const l = lines[0] as Record<string, unknown>;
  for (const k of ['start_time', 'method', 'path', 'protocol', 'response_code', 'response_flags', 'bytes_received', 'bytes_sent', 'duration', 'upstream_service_time', 'x_forwarded_for', 'user_agent', 'request_id', 'authority', 'upstream_host', 'upstream_cluster', 'route_name', 'downstream_remote_address', 'trace_id'])
    assert.ok(k in l, `field ${k}`);
  assert.equal(l['log_type'], 'access');
  assert.equal(l['method'], 'POST');
  assert.equal(l['path'], '/a?b=1');
  assert.equal(l['protocol'], 'HTTP/1.1');
  assert.equal(l['response_code'], 200);
  assert.equal(l['response_flags'], '-');
  assert.equal(l['bytes_received'], 3);
  assert.ok(typeof l['bytes_sent'] === 'number' && l['bytes_sent'] > 0);
  assert.equal(l['user_agent'], 'telemetry-test');
  assert.equal(l['x_forwarded_for'], '10.9.9.9');
  assert.equal(l['request_id'], 'rid-1');
  assert.equal(l['authority'], SVC);
  assert.equal(l['upstream_host'], `127.0.0.1:${up.port}`);
  assert.equal(l['upstream_cluster'], OUT_CLUSTER);
  assert.equal(l['route_name'], 'the-route');
  assert.equal(l['trace_id'], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.match(String(l['downstream_remote_address']), /^127\.0\.0\.1:\d+$/);
  assert.ok(!Number.isNaN(Date.parse(String(l['start_time']))));
  assert.ok(typeof l['upstream_service_time'] === 'number' && typeof l['duration'] === 'number' && l['upstream_service_time'] <= l['duration']);
});

test('W3C traceparent: same trace id, a new span id whose parent is the incoming span; tracestate untouched', async () => {
  const up = await startUpstream('reviews', undefined, true);
  closers.push(() => up.close());
  const { port } = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', up);
  await request(port, { host: SVC, headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=x' } });
  const h = up.seen[0]?.headers ?? {};
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(h['traceparent']));
  assert.ok(m !== null, String(h['traceparent']));
  assert.equal(m[1], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.notEqual(m[2], '00f067aa0ba902b7');
  assert.equal(h['tracestate'], 'vendor=x');
  assert.match(String(h['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('B3 multi and single header: same trace id, new span id, incoming span as parent, sampling kept', async () => {
  const up = await startUpstream('reviews', undefined, true);
  closers.push(() => up.close());
  const { port } = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', up);
  await request(port, { host: SVC, headers: { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '0' } });
  await request(port, { host: SVC, headers: { b3: '463ac35c9f6413ad-a2fb4a1d1a96d312-1' } });
  const multi = up.seen[0]?.headers ?? {};
  assert.equal(multi['x-b3-traceid'], '80f198ee56343ba864fe8b2a57d3eff7');
  assert.equal(multi['x-b3-parentspanid'], 'e457b5a2e4d86bd1');
  assert.match(String(multi['x-b3-spanid']), /^[0-9a-f]{16}$/);
  assert.notEqual(multi['x-b3-spanid'], 'e457b5a2e4d86bd1');
  assert.equal(multi['x-b3-sampled'], '0');
  const single = String(up.seen[1]?.headers['b3']).split('-');
  assert.equal(single[0], '463ac35c9f6413ad');
  assert.match(single[1] ?? '', /^[0-9a-f]{16}$/);
  assert.notEqual(single[1], 'a2fb4a1d1a96d312');
  assert.equal(single[2], '1');
  assert.equal(single[3], 'a2fb4a1d1a96d312');
});

test('no trace headers: a new trace (W3C and B3), sampled by the rate, and an x-request-id', async () => {
  const up = await startUpstream('reviews', undefined, true);
  closers.push(() => up.close());
  const sampled = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', up, { telemetry: { telemetry: { tracing: { samplingRate: 1 } } } });
  await request(sampled.port, { host: SVC });
  await request(sampled.port, { host: SVC });
  const unsampled = await proxyWith(OUT_CLUSTER, 'outbound_0.0.0.0_9080', up, { telemetry: { telemetry: { tracing: { samplingRate: 0 } } } });
  await request(unsampled.port, { host: SVC });
  const [a, b, c] = up.seen.map((s) => s.headers);
  const ta = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(a?.['traceparent']));
  assert.ok(ta !== null, String(a?.['traceparent']));
  assert.equal(a?.['x-b3-traceid'], ta[1]);
  assert.equal(a?.['x-b3-spanid'], ta[2]);
  assert.equal(a?.['x-b3-sampled'], '1');
  assert.equal(a?.['x-b3-parentspanid'], undefined);
  assert.notEqual(String(b?.['traceparent']).slice(3, 35), ta[1], 'each request its own trace');
  assert.match(String(a?.['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.notEqual(a?.['x-request-id'], b?.['x-request-id']);
  assert.match(String(c?.['traceparent']), /-00$/);
  assert.equal(c?.['x-b3-sampled'], '0');
});

test('the Prometheus listener serves the same text as the admin port', async () => {
  const up = await startUpstream('reviews');
  closers.push(() => up.close());
  const p = await testProxy({ bootstrap: { node, listeners: [], clusters: [], ads: undefined, admin: undefined }, admin: { address: '127.0.0.1', port: 0 }, prometheus: { address: '127.0.0.1', port: 0 } });
  closers.push(() => p.close());
  await configure(p, {
    clusters: [cluster(OUT_CLUSTER, [up.port])],
    listeners: [httpListener('l', 0, { stat_prefix: 'o', route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: OUT_CLUSTER } }] }] }, http_filters: [ROUTER] })],
  });
  await request(p.port('l') as number, { host: SVC });
  const viaProm = await scrape(p.prometheusPort as number);
  const viaAdmin = await scrape(p.adminPort as number);
  assert.equal(viaProm.status, 200);
  assert.equal(viaProm.text, viaAdmin.text);
  assert.equal(find(viaProm.samples, 'istio_requests_total', { destination_service: SVC })[0]?.value, 1);
  assert.equal((await request(p.prometheusPort as number, { path: '/config_dump', agent: false })).status, 404);
});

/** An inbound listener with an AUDIT (Envoy LOG) RBAC filter on POST /orders, then a DENY on /admin. */
async function auditedProxy(telemetry: Parameters<typeof testProxy>[0], up: Upstream): Promise<{ p: ProxyHandle; port: number }> {
  const rbac = (action: string, policy: string, permission: Record<string, unknown>) => ({
    name: 'envoy.filters.http.rbac',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', rules: { action, policies: { [policy]: { permissions: [permission], principals: [{ any: true }] } } } },
  });
  const p = await testProxy({ bootstrap: { node, listeners: [], clusters: [], ads: undefined, admin: undefined }, ...telemetry });
  closers.push(() => p.close());
  await configure(p, {
    clusters: [cluster(IN_CLUSTER, [up.port])],
    listeners: [
      httpListener('in', 0, {
        stat_prefix: 'inbound_0.0.0.0_9080',
        route_config: { name: 'inbound', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: IN_CLUSTER } }] }] },
        http_filters: [
          rbac('LOG', 'ns[shop]-policy[audit-orders]-rule[0]', { and_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'POST' } } }, { url_path: { path: { prefix: '/orders' } } }] } }),
          rbac('DENY', 'ns[shop]-policy[deny-admin]-rule[0]', { or_rules: { rules: [{ url_path: { path: { prefix: '/admin' } } }, { url_path: { path: { prefix: '/orders/secret' } } }] } }),
          ROUTER,
        ],
      }),
    ],
  });
  return { p, port: p.port('in') as number };
}

test('AUDIT: a request an AUDIT policy matches is logged with the policy, whether it is allowed or denied', async () => {
  const file = join(dir, 'audit-all.log');
  const up = await startUpstream('orders');
  closers.push(() => up.close());
  const { p, port } = await auditedProxy({ telemetry: { accessLog: { kind: 'file', path: file } } }, up);
  assert.equal((await request(port, { method: 'POST', path: '/orders/1', body: 'x' })).status, 200);
  assert.equal((await request(port, { method: 'GET', path: '/orders/1' })).status, 200);
  await p.telemetry?.accessLog?.flush();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l['method'], l['audit_policy']]),
    [['POST', 'ns[shop]-policy[audit-orders]-rule[0]'], ['GET', null]],
  );
});

test('AUDIT with accessLogFilter audited: only the audited requests are written, allowed or denied, never the rest', async () => {
  const file = join(dir, 'audit-only.log');
  const up = await startUpstream('orders-2');
  closers.push(() => up.close());
  const { p, port } = await auditedProxy({ telemetry: { accessLog: { kind: 'file', path: file }, accessLogFilter: 'audited' } }, up);
  for (let i = 0; i < 5; i++) assert.equal((await request(port, { path: `/orders/${i}` })).status, 200);
  assert.equal((await request(port, { method: 'POST', path: '/orders/7', body: 'x' })).status, 200);
  assert.equal((await request(port, { method: 'GET', path: '/admin' })).status, 403);
  // Audited and denied: AUDIT runs before DENY, as in Istio, so the refusal is in the audit trail.
  assert.equal((await request(port, { method: 'POST', path: '/orders/secret' })).status, 403);
  await p.telemetry?.accessLog?.flush();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l['method'], l['path'], l['response_code'], l['audit_policy']]),
    [
      ['POST', '/orders/7', 200, 'ns[shop]-policy[audit-orders]-rule[0]'],
      ['POST', '/orders/secret', 403, 'ns[shop]-policy[audit-orders]-rule[0]'],
    ],
  );
});
