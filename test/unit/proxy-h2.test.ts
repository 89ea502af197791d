// HTTP/2 and gRPC through the proxy over real sockets: h2c with prior
// knowledge downstream (node:http2 and grpc-js clients), HTTP/2 upstream
// (grpc-js and node:http2 servers), all four gRPC streaming kinds, trailers,
// gRPC local replies, fault aborts, retries on gRPC status, grpc-timeout,
// an endpoint killed mid-stream, stream multiplexing per max_concurrent_streams,
// and the metrics and access log a gRPC request leaves.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { FAULT, HCM, ROUTER, cluster, configure, request, sleep, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';
import { ECHO, echoClient, h2Options, h2request, startEcho, unary, type EchoServer, type M } from './proxy-h2-helpers.ts';
import type { ProxyHandle } from '../../proxy/index.ts';
import { allowPrincipals, spiffe } from './proxy-tls-helpers.ts';

let proxy: ProxyHandle;
let port: number;
let echo: EchoServer;
let echo2: EchoServer;
let http1: Upstream;
let multi: { port: number; sessions: number; close(): Promise<void> };
const logLines: Record<string, unknown>[] = [];

const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

before(async () => {
  echo = await startEcho('a');
  echo2 = await startEcho('b');
  http1 = await startUpstream('h1');
  // An HTTP/2 upstream that counts its connections, answers after 100 ms.
  const h2srv = http2.createServer();
  let sessions = 0;
  h2srv.on('session', () => sessions++);
  h2srv.on('stream', (s) => setTimeout(() => (s.closed ? undefined : (s.respond({ ':status': 200 }), s.end('ok'))), 100));
  await new Promise<void>((r) => h2srv.listen(0, '127.0.0.1', r));
  multi = {
    port: (h2srv.address() as { port: number }).port,
    get sessions() {
      return sessions;
    },
    close: () => new Promise<void>((r) => h2srv.close(() => r())),
  };
  const log = new PassThrough();
  log.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  proxy = await testProxy({ telemetry: { accessLog: { kind: 'stream', stream: log }, tracing: false } });
  const route = (prefix: string, clusterName: string, extra: Record<string, unknown> = {}, action: Record<string, unknown> = {}) => ({
    match: { prefix },
    route: { cluster: clusterName, timeout: '5s', ...action },
    ...extra,
  });
  await configure(proxy, {
    clusters: [
      cluster('grpc', [echo.port], h2Options()),
      cluster('grpc-b', [echo2.port], h2Options()),
      cluster('dead', [1], h2Options()),
      cluster('h1', [http1.port]),
      cluster('multi', [multi.port], { ...h2Options({ max_concurrent_streams: 2 }), circuit_breakers: { thresholds: [{ max_requests: 100, max_connections: 10 }] } }),
      cluster('follow', [http1.port], {
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', use_downstream_protocol_config: {} },
        },
      }),
    ],
    listeners: [
      {
        name: 'front',
        address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': HCM,
                  stat_prefix: 'front',
                  codec_type: 'AUTO',
                  http_filters: [FAULT, ROUTER],
                  route_config: {
                    name: 'front',
                    virtual_hosts: [
                      {
                        name: 'all',
                        domains: ['*'],
                        routes: [
                          route('/test.Echo/Abort', 'grpc', { typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT_TYPE, abort: { grpc_status: 8, percentage: { numerator: 100 } } } } }),
                          route('/test.Echo/Flaky', 'grpc', {}, { retry_policy: { retry_on: 'unavailable', num_retries: 3, retry_back_off: { base_interval: '0.001s' } } }),
                          route('/test.Echo/Slow', 'grpc', {}, { max_stream_duration: { grpc_timeout_header_max: '0s' } }),
                          route('/b/', 'grpc-b', {}, { prefix_rewrite: '/' }),
                          route('/dead/', 'dead', {}, { prefix_rewrite: '/' }),
                          route('/direct', 'grpc', {}),
                          route('/test.Echo/', 'grpc'),
                          route('/h1/', 'h1'),
                          route('/follow/', 'follow'),
                          route('/multi/', 'multi'),
                        ],
                      },
                    ],
                  },
                },
              },
            ],
          },
        ],
      },
    ],
  });
  const p = proxy.port('front');
  assert.ok(p !== undefined);
  port = p;
});

after(async () => {
  await proxy.close();
  await echo.close();
  await echo2.close();
  await http1.close();
  await multi.close();
});

test('gRPC through the proxy: unary with trailing metadata, and status codes with their messages and metadata', async () => {
  const c = echoClient(port);
  try {
    const r = await unary(c, 'Unary', { text: 'hi', n: 7 });
    assert.equal(r.err, null);
    assert.deepEqual(r.res, { text: 'a:hi', n: 7 });
    assert.deepEqual(r.trailers?.get('x-trailer'), ['a:hi'], 'custom trailing metadata arrives');
    for (const code of [grpc.status.NOT_FOUND, grpc.status.PERMISSION_DENIED, grpc.status.INTERNAL, grpc.status.UNAVAILABLE]) {
      const f = await unary(c, 'Fail', { text: `no ${code}`, n: code });
      assert.equal(f.err?.code, code);
      assert.equal(f.err?.details, `no ${code}`);
      assert.deepEqual(f.err?.metadata.get('x-why'), ['asked']);
    }
  } finally {
    c.close();
  }
});

test('gRPC streaming all ways: server, client and bidirectional streams through the proxy', async () => {
  const c = echoClient(port);
  try {
    // Server streaming: 200 messages in order.
    const got: M[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = c.makeServerStreamRequest(ECHO.ServerStream.path, ECHO.ServerStream.requestSerialize, ECHO.ServerStream.responseDeserialize, { text: '', n: 200 });
      s.on('data', (m: M) => got.push(m));
      s.on('error', reject);
      s.on('end', () => resolve());
    });
    assert.equal(got.length, 200);
    assert.deepEqual(got.map((m) => m.n), [...Array(200).keys()]);
    // Client streaming: 500 messages summed.
    const sum = await new Promise<M>((resolve, reject) => {
      const s = c.makeClientStreamRequest(ECHO.ClientStream.path, ECHO.ClientStream.requestSerialize, ECHO.ClientStream.responseDeserialize, (e, r) => (e ? reject(e) : resolve(r as M)));
      for (let i = 1; i <= 500; i++) s.write({ text: 'x'.repeat(100), n: i });
      s.end();
    });
    assert.deepEqual(sum, { text: '500 messages', n: 125250 });
    // Bidi: each message answered before the next is sent (a real conversation, not a batch).
    const answers = await new Promise<M[]>((resolve, reject) => {
      const out: M[] = [];
      const s = c.makeBidiStreamRequest(ECHO.Bidi.path, ECHO.Bidi.requestSerialize, ECHO.Bidi.responseDeserialize);
      s.on('data', (m: M) => {
        out.push(m);
        if (out.length < 20) s.write({ text: `m${out.length}`, n: out.length });
        else s.end();
      });
      s.on('error', reject);
      s.on('end', () => resolve(out));
      s.write({ text: 'm0', n: 0 });
    });
    assert.equal(answers.length, 20);
    assert.deepEqual(answers[5], { text: 'a:m5', n: 10 });
  } finally {
    c.close();
  }
});

test('gRPC local replies are trailers-only with grpc-status mapped from the HTTP status (route not found, no endpoint, direct response)', async () => {
  const c = echoClient(port);
  const s = http2.connect(`http://127.0.0.1:${port}`);
  try {
    // A connection refused upstream: 503 UF → UNAVAILABLE.
    const noEndpoint = await h2request(s, { ':method': 'POST', ':path': '/dead/test.Echo/Unary', 'content-type': 'application/grpc', te: 'trailers' }, Buffer.alloc(5));
    assert.equal(noEndpoint.status, 200);
    assert.equal(noEndpoint.headers['grpc-status'], '14', 'UNAVAILABLE, in the headers frame: trailers-only');
    assert.match(String(noEndpoint.headers['grpc-message']), /upstream connect error/);
    assert.equal(noEndpoint.trailers, undefined);
    assert.equal(noEndpoint.body, '');
    // No route: 404 → UNIMPLEMENTED.
    const client2 = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const nr = await new Promise<grpc.ServiceError | null>((resolve) =>
      client2.makeUnaryRequest('/nowhere.Svc/M', ECHO.Unary.requestSerialize, ECHO.Unary.responseDeserialize, { text: '', n: 0 }, (e) => resolve(e)),
    );
    client2.close();
    assert.equal(nr?.code, grpc.status.UNIMPLEMENTED);
    // The same request over HTTP/1.1 without gRPC content-type gets the plain 404.
    assert.equal((await request(port, { path: '/nowhere' })).status, 404);
  } finally {
    c.close();
    s.close();
  }
});

test('a fault abort with grpc_status reaches the client as that status', async () => {
  const c = echoClient(port);
  try {
    const def = ECHO.Unary;
    const err = await new Promise<grpc.ServiceError | null>((resolve) => c.makeUnaryRequest('/test.Echo/Abort', def.requestSerialize, def.responseDeserialize, { text: '', n: 0 }, (e) => resolve(e)));
    assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(err?.details, 'fault filter abort');
  } finally {
    c.close();
  }
});

test('retry_on unavailable: a trailers-only UNAVAILABLE is retried until the call succeeds', async () => {
  const c = echoClient(port);
  try {
    const before = echo.calls.get('Flaky') ?? 0;
    const r = await unary(c, 'Flaky', { text: '', n: before + 2 });
    assert.equal(r.err, null, String(r.err?.details));
    assert.equal(r.res?.text, `ok after ${before + 2}`);
    assert.equal((echo.calls.get('Flaky') ?? 0) - before, 3, 'two failures retried, the third call answered');
  } finally {
    c.close();
  }
});

test('grpc-timeout is honoured when the route allows it (max_stream_duration.grpc_timeout_header_max): 504 → UNAVAILABLE, flag UT', async () => {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const msg = Buffer.from(ECHO.Slow.requestSerialize({ text: '', n: 1500 }));
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const t0 = performance.now();
    const r = await h2request(s, { ':method': 'POST', ':path': '/test.Echo/Slow', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '200m' }, frame);
    const took = performance.now() - t0;
    assert.equal(r.headers['grpc-status'], '14');
    assert.equal(r.headers['grpc-message'], 'upstream request timeout');
    assert.ok(took >= 180 && took < 1200, `answered after ${took} ms, near the 200 ms grpc-timeout (the route's is 5 s)`);
    // Without the header the route timeout applies and the call completes.
    const ok = await h2request(s, { ':method': 'POST', ':path': '/test.Echo/Slow', 'content-type': 'application/grpc', te: 'trailers' }, Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from(ECHO.Slow.requestSerialize({ text: '', n: 50 })).subarray(0, 2)]));
    assert.equal(ok.status, 200);
    assert.equal(ok.trailers?.['grpc-status'], '0');
  } finally {
    s.close();
  }
});

test('h2c with prior knowledge to an HTTP/1.1 upstream: method, path, authority, headers and body cross; cookies are joined', async () => {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const r = await h2request(s, { ':method': 'POST', ':path': '/h1/x?y=1', ':authority': 'svc.example', 'x-a': 'b', cookie: ['a=1', 'b=2'] }, 'body!');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-upstream'], 'h1');
    const seen = JSON.parse(r.body) as { method: string; url: string; headers: Record<string, string>; body: string };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/h1/x?y=1');
    assert.equal(seen.headers['host'], 'svc.example');
    assert.equal(seen.headers['x-a'], 'b');
    assert.equal(seen.headers['cookie'], 'a=1; b=2');
    assert.equal(seen.body, 'body!');
    // Many concurrent streams on the one connection.
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => h2request(s, { ':path': `/h1/${i}` })));
    assert.deepEqual(all.map((x) => (JSON.parse(x.body) as { url: string }).url), Array.from({ length: 50 }, (_, i) => `/h1/${i}`));
    // use_downstream_protocol_config: an HTTP/1.1 client to the same cluster still gets HTTP/1.1 upstream.
    assert.equal((await request(port, { path: '/follow/x' })).status, 200);
  } finally {
    s.close();
  }
});

test('upstream streams share a connection up to max_concurrent_streams, then another opens; the circuit breaker counts requests', async () => {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const before = multi.sessions;
    const all = await Promise.all(Array.from({ length: 6 }, (_, i) => h2request(s, { ':path': `/multi/${i}` })));
    assert.deepEqual(all.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    assert.equal(multi.sessions - before, 3, 'six concurrent streams at two per connection: three connections');
    // Sequential requests reuse them.
    for (let i = 0; i < 4; i++) assert.equal((await h2request(s, { ':path': '/multi/again' })).status, 200);
    assert.equal(multi.sessions - before, 3);
  } finally {
    s.close();
  }
});

test('an endpoint killed mid-stream: the client gets an error, the proxy keeps serving', async () => {
  const victim = await startEcho('victim');
  const res = proxy.applyConfig('type.googleapis.com/envoy.config.cluster.v3.Cluster', [
    { name: 'grpc', resource: cluster('grpc', [echo.port], h2Options()) },
    { name: 'grpc-b', resource: cluster('grpc-b', [victim.port], h2Options()) },
    { name: 'dead', resource: cluster('dead', [1], h2Options()) },
    { name: 'h1', resource: cluster('h1', [http1.port]) },
    { name: 'multi', resource: cluster('multi', [multi.port], { ...h2Options({ max_concurrent_streams: 2 }), circuit_breakers: { thresholds: [{ max_requests: 100, max_connections: 10 }] } }) },
    { name: 'follow', resource: cluster('follow', [http1.port]) },
  ]);
  assert.ok(res.ok, res.ok ? '' : res.error);
  const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const got: M[] = [];
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const s = c.makeServerStreamRequest('/b/test.Echo/ServerStream', ECHO.ServerStream.requestSerialize, ECHO.ServerStream.responseDeserialize, { text: '', n: 100_000 });
      s.on('data', (m: M) => {
        got.push(m);
        if (got.length === 20) victim.server.forceShutdown();
      });
      s.on('error', (e: grpc.ServiceError) => resolve(e));
      s.on('end', () => resolve({ code: grpc.status.OK } as grpc.ServiceError));
    });
    assert.ok(got.length >= 20);
    assert.ok([grpc.status.UNAVAILABLE, grpc.status.INTERNAL, grpc.status.CANCELLED].includes(err.code), `the stream failed (${err.code} ${err.details})`);
    // The proxy serves on, the same client included.
    const r = await unary(c, 'Unary', { text: 'still', n: 1 });
    assert.equal(r.err, null);
    assert.equal(r.res?.text, 'a:still');
  } finally {
    c.close();
  }
});

test('metrics and access log for gRPC: request_protocol grpc, grpc_response_status, protocol HTTP/2', async () => {
  const c = echoClient(port);
  try {
    await unary(c, 'Unary', { text: 'm', n: 1 });
    await unary(c, 'Fail', { text: 'denied', n: grpc.status.PERMISSION_DENIED });
  } finally {
    c.close();
  }
  await sleep(50);
  const series = proxy.telemetry?.metrics?.series ?? [];
  const grpcSeries = series.filter((s) => s.labels.request_protocol === 'grpc');
  assert.ok(grpcSeries.some((s) => s.labels.grpc_response_status === '0' && s.labels.response_code === '200'));
  assert.ok(grpcSeries.some((s) => s.labels.grpc_response_status === '7' && s.labels.response_code === '200'));
  assert.ok(grpcSeries.some((s) => s.labels.grpc_response_status === '14' && s.labels.response_flags === 'UF'), 'the local reply to a gRPC call is labelled with its mapped status');
  const h1 = series.filter((s) => s.labels.request_protocol === 'http');
  assert.ok(h1.length > 0 && h1.every((s) => s.labels.grpc_response_status === ''));
  const line = logLines.find((l) => l['path'] === '/test.Echo/Fail');
  assert.equal(line?.['protocol'], 'HTTP/2');
  assert.equal(line?.['response_code'], 200);
});

test('upstream GOAWAY and REFUSED_STREAM: the session is left for a new one, a refused stream is resent, every request succeeds', async () => {
  // Each upstream session refuses its first stream, answers two more, then sends GOAWAY (graceful close).
  const srv = http2.createServer();
  let sessions = 0;
  srv.on('session', (sess) => {
    sessions++;
    let n = 0;
    sess.on('stream', (s) => {
      n++;
      s.on('error', () => {});
      if (n === 1) return s.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      s.respond({ ':status': 200 });
      s.end(`session ${sessions} stream ${n}`);
      if (n === 3) sess.close();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const upPort = (srv.address() as { port: number }).port;
  const p = await testProxy({ telemetry: false });
  try {
    await configure(p, {
      clusters: [cluster('ga', [upPort], h2Options())],
      listeners: [
        {
          name: 'ga',
          address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'ga', http_filters: [ROUTER], route_config: { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'ga', retry_policy: { retry_on: 'refused-stream', num_retries: 2 } } }] }] } } }] }],
        },
      ],
    });
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await request(p.port('ga') ?? 0, { path: `/r${i}` });
      assert.equal(r.status, 200, r.body);
      bodies.push(r.body);
    }
    assert.ok(sessions >= 3, `${sessions} upstream sessions: a new one after each GOAWAY`);
    assert.ok(bodies.every((b) => !b.endsWith('stream 1')), 'no refused stream was answered');
  } finally {
    await p.close();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('RBAC denial and circuit-breaker overflow to a gRPC client: PERMISSION_DENIED and UNAVAILABLE, trailers-only', async () => {
  const p = await testProxy({ telemetry: false });
  try {
    await configure(p, {
      clusters: [cluster('grpc', [echo.port], { ...h2Options(), circuit_breakers: { thresholds: [{ max_requests: 1 }] } })],
      listeners: [
        {
          name: 'in',
          address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': HCM,
                    stat_prefix: 'inbound_0.0.0.0_8080',
                    http_filters: [allowPrincipals([spiffe('a', 'a')]), ROUTER],
                    route_config: { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'grpc' } }] }] },
                  },
                },
              ],
            },
          ],
        },
        {
          name: 'open',
          address: { socket_address: { address: '127.0.0.1', port_value: 15002 } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'open', http_filters: [ROUTER], route_config: { name: 'r2', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'grpc' } }] }] } } }] }],
        },
      ],
    });
    const denied = echoClient(p.port('in') ?? 0);
    const r = await unary(denied, 'Unary', { text: '', n: 0 });
    denied.close();
    assert.equal(r.err?.code, grpc.status.PERMISSION_DENIED);
    assert.equal(r.err?.details, 'RBAC: access denied');
    // max_requests 1: a second call while one is in flight overflows (UO).
    const c = echoClient(p.port('open') ?? 0);
    try {
      const slowCall = unary(c, 'Slow', { text: '', n: 300 });
      await sleep(50);
      const over = await unary(c, 'Unary', { text: '', n: 0 });
      assert.equal(over.err?.code, grpc.status.UNAVAILABLE);
      assert.match(String(over.err?.details), /overflow/);
      assert.equal((await slowCall).err, null);
    } finally {
      c.close();
    }
  } finally {
    await p.close();
  }
});

test('codec_type: HTTP2 takes every connection as HTTP/2; HTTP1 never does (a preface gets an HTTP/1.1 refusal)', async () => {
  const listener = (name: string, codec: string) => ({
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: name, codec_type: codec, http_filters: [ROUTER], route_config: { name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'h1' } }] }] } } }] }],
  });
  const p = await testProxy({ telemetry: false });
  try {
    await configure(p, { clusters: [cluster('h1', [http1.port])], listeners: [listener('only2', 'HTTP2'), listener('only1', 'HTTP1')] });
    const s = http2.connect(`http://127.0.0.1:${p.port('only2') ?? 0}`);
    try {
      assert.equal((await h2request(s, { ':path': '/h2' })).status, 200);
    } finally {
      s.close();
    }
    // HTTP/1.1 on the HTTP2-only listener is not understood (the session ends with a protocol error).
    const h1OnH2 = await request(p.port('only2') ?? 0, { path: '/', agent: false }).then((r) => r.status, (e: Error) => e.message);
    assert.notEqual(h1OnH2, 200);
    // The preface on the HTTP1-only listener: the HTTP/1.1 parser refuses it (PRI * HTTP/2.0 is no HTTP/1.x request).
    const c = http2.connect(`http://127.0.0.1:${p.port('only1') ?? 0}`);
    c.on('error', () => {});
    const outcome = await new Promise<string>((resolve) => {
      const r = c.request({ ':path': '/' });
      r.on('response', () => resolve('answered'));
      r.on('error', () => resolve('refused'));
      r.on('close', () => resolve('refused'));
      r.end();
    });
    c.destroy();
    assert.equal(outcome, 'refused');
    assert.equal((await request(p.port('only1') ?? 0, { path: '/' })).status, 200);
  } finally {
    await p.close();
  }
});

test('HTTP/2 options outside the subset are refused with their path', async () => {
  const p = await testProxy({ telemetry: false });
  try {
    const hcm = (extra: Record<string, unknown>) => ({
      name: 'x',
      address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'x', http_filters: [ROUTER], route_config: { name: 'x', virtual_hosts: [] }, ...extra } }] }],
    });
    const bad = p.applyConfig('type.googleapis.com/envoy.config.listener.v3.Listener', [{ name: 'x', resource: hcm({ http2_protocol_options: { max_concurrent_streams: 0 } }) }]);
    assert.ok(!bad.ok && /http2_protocol_options\.max_concurrent_streams: must be within 1\.\.2147483647/.test(bad.error), bad.ok ? '' : bad.error);
    const h3 = p.applyConfig('type.googleapis.com/envoy.config.listener.v3.Listener', [{ name: 'x', resource: hcm({ codec_type: 'HTTP3' }) }]);
    assert.ok(!h3.ok && /codec_type: codec HTTP3 is not supported/.test(h3.error), h3.ok ? '' : h3.error);
    const both = p.applyConfig('type.googleapis.com/envoy.config.cluster.v3.Cluster', [
      {
        name: 'c',
        resource: cluster('c', [1], {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
              use_downstream_protocol_config: {},
            },
          },
        }),
      },
    ]);
    assert.ok(!both.ok && /use_downstream_protocol_config: explicit_http_config is already set|not both/.test(both.error), both.ok ? '' : both.error);
  } finally {
    await p.close();
  }
});
