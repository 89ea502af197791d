// The upstream side over real sockets: timeouts, retries (and their budget),
// load balancing, circuit breaking, outlier detection, connect failures, an
// endpoint killed mid-load, mirrors, streamed bodies with backpressure,
// keep-alive pooling and WebSocket upgrades.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { ProxyHandle, Exchange } from '../../proxy/index.ts';
import { flagsString } from '../../proxy/index.ts';
import { Http1ClientConnection, OutgoingHead } from '../../proxy/http1/client.ts';
import { ROUTER, cla, cluster, configure, edsCluster, httpListener, rdsHcm, request, routeConfig, sleep, startUpstream, testProxy, vhost, type Upstream } from './proxy-helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function up(name: string, handler?: Parameters<typeof startUpstream>[1]): Promise<Upstream> {
  const u = await startUpstream(name, handler);
  cleanup.push(() => u.close());
  return u;
}

/** A proxy with one listener whose single route goes to cluster `c` with the given route action fields. */
async function proxyTo(clusters: unknown[], action: Record<string, unknown>, endpoints: unknown[] = [], finished?: Exchange[], random?: () => number): Promise<{ p: ProxyHandle; port: number }> {
  const p = await testProxy({ ...(finished !== undefined ? { onFinished: (x: Exchange) => finished.push(x) } : {}), ...(random !== undefined ? { random } : {}) });
  cleanup.push(() => p.close());
  await configure(p, {
    clusters,
    endpoints,
    listeners: [httpListener('l', 0, rdsHcm('r', [ROUTER]))],
    routes: [routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'c', timeout: '0s', ...action } }])])],
  });
  return { p, port: p.port('l') ?? 0 };
}

const statusHandler = (status: number, delayMs = 0): Parameters<typeof startUpstream>[1] => (_req, res, _b, u) => {
  setTimeout(() => {
    res.writeHead(status, { 'x-upstream': u.name });
    res.end(u.name);
  }, delayMs);
};

const closedPort = async (): Promise<number> => {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
};

test('route timeout answers 504 UT; a per-try timeout moves to another endpoint', async () => {
  const slow = await up('slow', statusHandler(200, 1500));
  const fast = await up('fast', statusHandler(200));
  const finished: Exchange[] = [];
  const { port } = await proxyTo([cluster('c', [slow.port], { lb_policy: 'ROUND_ROBIN' })], { timeout: '0.200s' }, [], finished);
  const t0 = performance.now();
  const r = await request(port, { agent: false });
  assert.equal(r.status, 504);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(flagsString(finished[0]?.flags ?? 0), 'UT');

  const both = await proxyTo([cluster('c', [slow.port, fast.port], { lb_policy: 'ROUND_ROBIN' })], { timeout: '3s', retry_policy: { retry_on: '5xx', num_retries: 2, per_try_timeout: '0.150s' } });
  for (let i = 0; i < 4; i++) {
    const x = await request(both.port, { agent: false });
    assert.equal(x.status, 200);
    assert.equal(x.body, 'fast');
  }
});

test('retries on a retriable status go to another host and stop at num_retries (URX)', async () => {
  const bad = await up('bad', statusHandler(503));
  const good = await up('good', statusHandler(200));
  const { port } = await proxyTo([cluster('c', [bad.port, good.port], { lb_policy: 'ROUND_ROBIN' })], {
    retry_policy: { retry_on: 'retriable-status-codes', retriable_status_codes: [503], num_retries: 2, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }], host_selection_retry_max_attempts: 5 },
  });
  for (let i = 0; i < 10; i++) {
    const r = await request(port);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'good');
  }
  const onlyBad = await up('bad2', statusHandler(503));
  const finished: Exchange[] = [];
  const single = await proxyTo([cluster('c', [onlyBad.port])], { retry_policy: { retry_on: '5xx', num_retries: 3 } }, [], finished);
  const before = onlyBad.requests;
  const r = await request(single.port);
  assert.equal(r.status, 503);
  assert.equal(onlyBad.requests - before, 4, 'one try and three retries');
  assert.equal(flagsString(finished[0]?.flags ?? 0), 'URX');
});

test('the retry budget keeps retries from multiplying an outage', async () => {
  const down = await up('down', statusHandler(503, 50));
  const { port } = await proxyTo(
    [cluster('c', [down.port], { circuit_breakers: { thresholds: [{ retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 2 } }] } })],
    { retry_policy: { retry_on: '5xx', num_retries: 5, retry_back_off: { base_interval: '0.001s', max_interval: '0.002s' } } },
  );
  const before = down.requests;
  await Promise.all(Array.from({ length: 40 }, () => request(port, { agent: false })));
  const sent = down.requests - before;
  // Without a budget 40 requests × 6 tries = 240 upstream requests; the budget holds retries in flight to 20 % of active requests.
  assert.ok(sent < 120, `upstream saw ${sent} requests for 40 client requests`);
  assert.ok(sent >= 40);
});

test('connection failures: UF after retries, UH when there is no endpoint, UO on overflow', async () => {
  const dead = await closedPort();
  const finished: Exchange[] = [];
  const { port } = await proxyTo([cluster('c', [dead])], { retry_policy: { retry_on: 'connect-failure', num_retries: 1 } }, [], finished);
  const r = await request(port);
  assert.equal(r.status, 503);
  assert.match(r.body, /connection failure/);
  assert.match(flagsString(finished[0]?.flags ?? 0), /UF/);

  const none = await proxyTo([edsCluster('c')], {}, [cla('c', [])], finished);
  const n = await request(none.port);
  assert.equal(n.status, 503);
  assert.equal(n.body, 'no healthy upstream');
  assert.equal(flagsString(finished[finished.length - 1]?.flags ?? 0), 'UH');

  const slow = await up('slow-cb', statusHandler(200, 300));
  const cb = await proxyTo([cluster('c', [slow.port], { circuit_breakers: { thresholds: [{ max_requests: 2, max_pending_requests: 1, max_connections: 1 }] } })], {}, [], finished);
  const results = await Promise.all(Array.from({ length: 6 }, () => request(cb.port, { agent: false })));
  const codes = results.map((x) => x.status).sort();
  assert.ok(codes.filter((c) => c === 503).length >= 3, `overflow answered 503: ${codes.join(',')}`);
  assert.ok(codes.includes(200));
  assert.ok(finished.some((x) => flagsString(x.flags) === 'UO'));
});

test('load balancing: round robin alternates, least request avoids the busy host, ring hash is sticky', async () => {
  const ups = await Promise.all(['r0', 'r1', 'r2'].map((n) => up(n, statusHandler(200))));
  const rr = await proxyTo([cluster('c', ups.map((u) => u.port), { lb_policy: 'ROUND_ROBIN' })], {});
  const seq: string[] = [];
  for (let i = 0; i < 6; i++) seq.push((await request(rr.port)).body);
  assert.deepEqual(seq.slice(0, 3).sort(), ['r0', 'r1', 'r2']);
  assert.deepEqual(seq.slice(3), seq.slice(0, 3));

  // The busy host holds its first requests until released; the idle one answers at once.
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  let held = 0;
  const busy = await up('busy', (_q, res, _b, u) => {
    const answer = (): void => {
      res.writeHead(200);
      res.end(u.name);
    };
    if (held++ < 4) void released.then(answer);
    else answer();
  });
  const idle = await up('idle', statusHandler(200));
  const measure = async (extra: Record<string, unknown>, probes: number): Promise<{ busy: number; idle: number }> => {
    held = 0;
    const lr = await proxyTo([cluster('c', [busy.port, idle.port], extra)], {});
    // Four requests stuck on the busy host: as many as it takes for all four to land there.
    const stuck: Promise<unknown>[] = [];
    while (held < 4) {
      stuck.push(request(lr.port, { agent: false }));
      await sleep(5);
    }
    const counts = { busy: 0, idle: 0 };
    for (let i = 0; i < probes; i++) counts[(await request(lr.port, { agent: false })).body as 'busy' | 'idle']++;
    return counts;
  };
  const p2c = await measure({}, 40);
  const p5c = await measure({ least_request_lb_config: { choice_count: 5 } }, 20);
  release();
  // Power of two choices picks the busy host only when both draws are it (1 in 4); of five choices, 1 in 32.
  assert.ok(p2c.busy <= 18, `least request (2 choices) prefers the idle host: ${JSON.stringify(p2c)}`);
  assert.ok(p5c.idle >= 16, `least request (5 choices) prefers the idle host: ${JSON.stringify(p5c)}`);

  const rh = await proxyTo([cluster('c', ups.map((u) => u.port), { lb_policy: 'RING_HASH' })], { hash_policy: [{ header: { header_name: 'x-user' } }] });
  const owner = new Map<string, string>();
  for (let round = 0; round < 3; round++) {
    for (let u = 0; u < 12; u++) {
      const got = (await request(rh.port, { headers: { 'x-user': `user-${u}` } })).body;
      if (round === 0) owner.set(`user-${u}`, got);
      else assert.equal(got, owner.get(`user-${u}`));
    }
  }
  assert.ok(new Set(owner.values()).size >= 2, 'keys spread over hosts');
});

test('RANDOM picks hosts by the random source: a fixed draw always picks the same host, a spread one reaches all', async () => {
  const ups = await Promise.all(['x0', 'x1', 'x2'].map((n) => up(n, statusHandler(200))));
  const fixed = await proxyTo([cluster('c', ups.map((u) => u.port), { lb_policy: 'RANDOM' })], {}, [], undefined, () => 0.99);
  const picked = new Set<string>();
  for (let i = 0; i < 9; i++) picked.add((await request(fixed.port)).body);
  assert.deepEqual([...picked], ['x2'], 'round robin would have moved on');
  const spread = await proxyTo([cluster('c', ups.map((u) => u.port), { lb_policy: 'RANDOM' })], {});
  const seen = new Set<string>();
  for (let i = 0; i < 60 && seen.size < 3; i++) seen.add((await request(spread.port)).body);
  assert.equal(seen.size, 3);
});

test('retry back-off is exponential, capped by max_interval, and jittered by the random source', async () => {
  const arrivals: number[] = [];
  const failing = await up('failing', (_q, res) => {
    arrivals.push(performance.now());
    res.writeHead(503);
    res.end();
  });
  const policy = { retry_policy: { retry_on: '5xx', num_retries: 4, retry_back_off: { base_interval: '0.060s', max_interval: '0.200s' } } };
  // Draws near 1: each wait is close to its ceiling, 60, 120, 200 (capped), 200 ms.
  const high = await proxyTo([cluster('c', [failing.port])], policy, [], undefined, () => 0.999);
  assert.equal((await request(high.port)).status, 503);
  const gaps = arrivals.slice(1).map((t, i) => t - (arrivals[i] as number));
  assert.equal(gaps.length, 4);
  for (const [i, ceiling] of [60, 120, 200, 200].entries()) {
    const g = gaps[i] as number;
    assert.ok(g >= ceiling * 0.9 && g < ceiling + 150, `retry ${i + 1} waited ${g.toFixed(0)} ms, ceiling ${ceiling}: ${gaps.map((x) => x.toFixed(0)).join(', ')}`);
  }
  // Draws near 0: the same policy retries almost at once (full jitter, not a fixed delay).
  arrivals.length = 0;
  const low = await proxyTo([cluster('c', [failing.port])], policy, [], undefined, () => 0.001);
  const t0 = performance.now();
  assert.equal((await request(low.port)).status, 503);
  assert.equal(arrivals.length, 5);
  assert.ok(performance.now() - t0 < 300, `four retries with near-zero draws took ${(performance.now() - t0).toFixed(0)} ms`);
});

test('outlier detection ejects a failing host, for longer each time, within max_ejection_percent', async () => {
  const flaky = await up('flaky', statusHandler(500));
  const ok1 = await up('ok1', statusHandler(200));
  const ok2 = await up('ok2', statusHandler(200));
  const { p, port } = await proxyTo(
    [cluster('c', [flaky.port, ok1.port, ok2.port], { lb_policy: 'ROUND_ROBIN', outlier_detection: { consecutive_5xx: 3, interval: '1s', base_ejection_time: '0.300s', max_ejection_percent: 50 } })],
    {},
  );
  let failures = 0;
  for (let i = 0; i < 30; i++) if ((await request(port)).status === 500) failures++;
  assert.equal(failures, 3, 'three consecutive 5xx, then ejected');
  const c = p.core.clusters.get('c');
  const host = c?.endpoints.find((e) => e.port === flaky.port);
  assert.equal(host?.ejected, true);
  assert.equal(host?.ejections, 1);
  await sleep(500);
  for (let i = 0; i < 12; i++) await request(port);
  assert.equal(host?.ejections, 2, 'back after base_ejection_time, failing again, ejected again');
  assert.ok((host?.ejectedUntil ?? 0) - Date.now() > 350, 'the second ejection lasts longer');
});

test('outlier detection: when every host fails, max_ejection_percent caps the ejected share and the rest keep serving', async () => {
  const hosts = await Promise.all(['f0', 'f1', 'f2', 'f3'].map((n) => up(n, statusHandler(500))));
  const { p, port } = await proxyTo(
    [cluster('c', hosts.map((h) => h.port), { lb_policy: 'ROUND_ROBIN', outlier_detection: { consecutive_5xx: 2, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 } })],
    {},
  );
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await request(port);
    assert.equal(r.status, 500, 'the hosts still answer: a full outage is not turned into "no healthy upstream"');
    if (i >= 20) seen.add(r.body);
  }
  const eps = p.core.clusters.get('c')?.endpoints ?? [];
  assert.equal(eps.filter((e) => e.ejected).length, 2, 'half of four hosts ejected, no more');
  assert.equal(seen.size, 2, `the two hosts left in rotation carry the traffic: ${[...seen].join(',')}`);
});

test('an endpoint killed mid-load: retries carry requests to the others and it is ejected', async () => {
  const victim = await startUpstream('victim', statusHandler(200));
  const s1 = await up('s1', statusHandler(200));
  const s2 = await up('s2', statusHandler(200));
  const { p, port } = await proxyTo(
    [cluster('c', [victim.port, s1.port, s2.port], { lb_policy: 'ROUND_ROBIN', outlier_detection: { consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100, consecutive_5xx: 2, interval: '1s', base_ejection_time: '5s', max_ejection_percent: 34 } })],
    { retry_policy: { retry_on: 'connect-failure,reset,5xx', num_retries: 2, retry_back_off: { base_interval: '0.002s' } } },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let ok = 0;
  let failed = 0;
  let killed = false;
  const worker = async (): Promise<void> => {
    for (let i = 0; i < 60; i++) {
      const r = await request(port, { agent }).catch(() => ({ status: 0 }));
      if (r.status === 200) ok++;
      else failed++;
      if (!killed && ok > 100) {
        killed = true;
        victim.server.closeAllConnections();
        victim.server.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  assert.equal(failed, 0, `${failed} requests failed across the kill`);
  assert.equal(ok, 480);
  const host = p.core.clusters.get('c')?.endpoints.find((e) => e.port === victim.port);
  assert.equal(host?.ejected, true, 'the dead endpoint is ejected');
});

test('mirrors get a copy (host -shadow) without slowing the main request', async () => {
  const main = await up('main', statusHandler(200));
  const shadow = await startUpstream('shadow', statusHandler(200, 500), true);
  cleanup.push(() => shadow.close());
  const { port } = await proxyTo([cluster('c', [main.port]), cluster('m', [shadow.port])], { request_mirror_policies: [{ cluster: 'm' }] });
  const t0 = performance.now();
  const r = await request(port, { method: 'POST', host: 'svc.example:80', path: '/m', body: 'payload' });
  assert.equal(r.status, 200);
  assert.ok(performance.now() - t0 < 300, 'the slow mirror does not delay the answer');
  await sleep(700);
  assert.equal(shadow.seen.length, 1);
  assert.equal(shadow.seen[0]?.headers.host, 'svc.example-shadow:80');
  assert.equal(shadow.seen[0]?.body, 'payload');
});

test('large bodies stream both ways with backpressure, byte for byte', async () => {
  const sink = await up('sink', (req, res, body) => {
    res.writeHead(200);
    res.end(createHash('sha256').update(body).digest('hex'));
    void req;
  });
  const source = await up('source', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const block = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = (): void => {
      while (sent < 8 * 1024 * 1024) {
        sent += block.length;
        if (!res.write(block)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const { port } = await proxyTo([cluster('c', [sink.port])], {});
  const payload = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const r = await request(port, { method: 'POST', body: payload });
  assert.equal(r.body, createHash('sha256').update(payload).digest('hex'));
  // Chunked upload of unknown length.
  const chunked = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/', headers: { host: 'x', 'transfer-encoding': 'chunked' } }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    for (let i = 0; i < 64; i++) req.write(payload.subarray(i * 1024, (i + 1) * 1024));
    req.end();
  });
  assert.equal(chunked, createHash('sha256').update(payload.subarray(0, 64 * 1024)).digest('hex'));
  const down = await proxyTo([cluster('c', [source.port])], {});
  const hash = createHash('sha256');
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: down.port, path: '/', headers: { host: 'x' } }, (res) => {
      // A slow reader: the proxy must pause the upstream rather than buffer 8 MB.
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
        res.pause();
        setTimeout(() => res.resume(), 1);
      });
      res.on('end', resolve);
    }).on('error', reject);
  });
  assert.equal(bytes, 8 * 1024 * 1024);
  assert.equal(hash.digest('hex'), createHash('sha256').update(Buffer.alloc(8 * 1024 * 1024, 7)).digest('hex'));
});

test('keep-alive: many requests share few upstream connections', async () => {
  let connections = 0;
  const u = await up('ka', statusHandler(200));
  u.server.on('connection', () => connections++);
  const { port } = await proxyTo([cluster('c', [u.port])], {});
  for (let i = 0; i < 50; i++) assert.equal((await request(port)).status, 200);
  assert.ok(connections <= 2, `${connections} upstream connections for 50 sequential requests`);
});

test('WebSocket upgrade passes through as a tunnel', async () => {
  const ws = http.createServer((_q, s) => s.end());
  ws.on('upgrade', (req, socket: net.Socket, head) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.on('data', (d: Buffer) => socket.write(Buffer.from(d.toString().toUpperCase())));
  });
  ws.listen(0, '127.0.0.1');
  await once(ws, 'listening');
  cleanup.push(() => new Promise((r) => ws.close(() => r())));
  ws.on('connection', (s: net.Socket) => cleanup.push(async () => void s.destroy()));
  const { port } = await proxyTo([cluster('c', [(ws.address() as net.AddressInfo).port])], {});
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.write('GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  await sleep(200);
  assert.match(text, /^HTTP\/1\.1 101/);
  assert.match(text, /x-path: \/chat/i);
  s.write('hello tunnel');
  await sleep(200);
  assert.ok(text.endsWith('HELLO TUNNEL'), JSON.stringify(text));
  s.destroy();
});

test('tcp_proxy: a non-HTTP filter chain splices bytes to the cluster, both ways', async () => {
  const echo = net.createServer((s) => s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('echo:'), d]))));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  cleanup.push(() => new Promise((r) => {
    echo.close(() => r());
  }));
  const p = await testProxy();
  cleanup.push(() => p.close());
  await configure(p, {
    clusters: [cluster('tcp', [(echo.address() as net.AddressInfo).port])],
    listeners: [
      {
        name: 'db',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'db', cluster: 'tcp' } }] }],
      },
    ],
  });
  const s = net.connect(p.port('db') ?? 0, '127.0.0.1');
  await once(s, 'connect');
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString()));
  s.write('\x00\x01binary handshake');
  await sleep(150);
  assert.equal(got, 'echo:\x00\x01binary handshake');
  s.destroy();
});

test('EDS priorities and health: the lowest healthy priority serves; unhealthy hosts are left out; failover when it empties', async () => {
  const primary = await up('primary', statusHandler(200));
  const sick = await up('sick', statusHandler(200));
  const backup = await up('backup', statusHandler(200));
  const ep = (port: number, health: string) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, health_status: health });
  const assignment = (primaryHealth: string) => ({
    cluster_name: 'c',
    endpoints: [
      { priority: 0, lb_endpoints: [ep(primary.port, primaryHealth), ep(sick.port, 'UNHEALTHY')] },
      { priority: 1, lb_endpoints: [ep(backup.port, 'HEALTHY')] },
    ],
  });
  const { p, port } = await proxyTo([edsCluster('c', { common_lb_config: { healthy_panic_threshold: { value: 0 } } })], {}, [assignment('HEALTHY')]);
  for (let i = 0; i < 10; i++) assert.equal((await request(port)).body, 'primary');
  assert.deepEqual(p.applyConfig('type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', [{ name: 'c', resource: assignment('DRAINING') }]), { ok: true });
  for (let i = 0; i < 5; i++) assert.equal((await request(port)).body, 'backup');
});

test('a kept-alive connection the upstream closes as a request arrives: the request is resent on a fresh one', async () => {
  // Each connection answers its first request and then closes without answering the next, as a server
  // whose keep-alive timeout fires just as the proxy writes.
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    let served = 0;
    s.on('data', () => {
      if (served++ === 0) s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      else s.destroy();
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(() => r())));
  const { port } = await proxyTo([cluster('c', [(server.address() as net.AddressInfo).port])], {});
  for (let i = 0; i < 10; i++) {
    const r = await request(port);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
  }
  assert.ok(connections >= 10, `${connections} upstream connections`);
});

test('a pooled connection paused for a slow client reads again when it carries the next request', async () => {
  // The whole response arrives while the downstream side has asked the connection to pause.
  const server = net.createServer((s) => {
    s.on('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello'));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(() => r())));
  const events: string[] = [];
  let reusable: Http1ClientConnection | undefined;
  const owner = {
    onConnected: () => void events.push('connected'),
    onConnectFailed: () => void events.push('connect-failed'),
    onReusable: (c: Http1ClientConnection) => {
      events.push('reusable');
      reusable = c;
    },
    onClosed: () => void events.push('closed'),
  };
  const conn = new Http1ClientConnection(owner, { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, connectTimeoutMs: 1000, idleTimeoutMs: 5000 });
  cleanup.push(async () => conn.destroy());
  await new Promise<void>((r) => {
    const t = setInterval(() => events.includes('connected') && (clearInterval(t), r()), 5);
  });
  const bodies: string[] = [];
  let done = 0;
  const handler = {
    onUpstreamInformational() {},
    onUpstreamHead() {},
    onUpstreamBody(c: Buffer) {
      bodies.push(c.toString());
      // The slow client: downstream write returned false.
      conn.pause();
    },
    onUpstreamTrailers() {},
    onUpstreamComplete() {
      done++;
    },
    onUpstreamError(kind: string) {
      events.push(`error ${kind}`);
    },
    onUpstreamDrain() {},
    onUpstreamUpgrade() {},
  };
  conn.dispatch(handler, new OutgoingHead('GET', '/', 'x', 'http', [], -2, ''), false, true);
  await sleep(100);
  assert.equal(done, 1);
  assert.equal(reusable, conn);
  assert.equal(conn.socket.isPaused(), false, 'back in the pool, the connection reads again');
  conn.dispatch(handler, new OutgoingHead('GET', '/', 'x', 'http', [], -2, ''), false, true);
  await sleep(100);
  assert.equal(done, 2, 'the next request on it gets its response');
  assert.deepEqual(bodies, ['hello', 'hello']);
});

test('a pooled connection closes after its idle timeout, counted from its last response, however often it was reused', async () => {
  const server = net.createServer((s) => {
    s.on('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(() => r())));
  let closedAt = 0;
  let connected = false;
  const owner = {
    onConnected: () => void (connected = true),
    onConnectFailed: () => {},
    onReusable: () => {},
    onClosed: () => void (closedAt = performance.now()),
  };
  const conn = new Http1ClientConnection(owner, { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, connectTimeoutMs: 1000, idleTimeoutMs: 150 });
  cleanup.push(async () => conn.destroy());
  while (!connected) await sleep(5);
  let done = 0;
  const handler = {
    onUpstreamInformational() {},
    onUpstreamHead() {},
    onUpstreamBody() {},
    onUpstreamTrailers() {},
    onUpstreamComplete() {
      done++;
    },
    onUpstreamError() {},
    onUpstreamDrain() {},
    onUpstreamUpgrade() {},
  };
  // Busy past the idle timeout in all (six requests 60 ms apart): still open, since it was never idle that long.
  let lastDone = 0;
  for (let i = 1; i <= 6; i++) {
    conn.dispatch(handler, new OutgoingHead('GET', '/', 'x', 'http', [], -2, ''), false, true);
    while (done < i) await sleep(2);
    lastDone = performance.now();
    assert.equal(closedAt, 0, `closed while in use, after request ${i}`);
    await sleep(60);
  }
  while (closedAt === 0) await sleep(10);
  const idleFor = closedAt - lastDone;
  assert.ok(idleFor >= 140 && idleFor < 1000, `closed ${idleFor.toFixed(0)} ms after the last response, want about 150`);
});
