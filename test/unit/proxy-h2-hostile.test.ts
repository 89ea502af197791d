// Hostile HTTP/2 clients over real sockets, with frames written by hand:
// stream floods past max_concurrent_streams, rapid reset (CVE-2023-44487),
// oversized header lists, SETTINGS floods, idle and preface timeouts, GOAWAY
// on drain, and a generated corpus of mutated frames. The proxy must not
// crash, must bound the work each connection costs, and must keep serving
// other clients.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { HCM, ROUTER, cluster, configure, sleep, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';
import { h2request } from './proxy-h2-helpers.ts';
import type { ProxyHandle } from '../../proxy/index.ts';

let proxy: ProxyHandle;
let port: number;
let slow: Upstream;
let active = 0;
let peak = 0;
let logSink: (e: Record<string, unknown>) => void = () => {};

before(async () => {
  // Answers after 200 ms; tracks how many requests it holds at once.
  slow = await startUpstream('slow', (_req, res) => {
    active++;
    peak = Math.max(peak, active);
    setTimeout(() => {
      active--;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('slow');
    }, 200);
  });
  proxy = await testProxy({ telemetry: false, log: (e) => logSink(e as Record<string, unknown>) });
  await configure(proxy, {
    clusters: [cluster('slow', [slow.port])],
    listeners: [
      {
        name: 'h2',
        address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': HCM,
                  stat_prefix: 'h2',
                  http2_protocol_options: { max_concurrent_streams: 10 },
                  request_headers_timeout: '1s',
                  common_http_protocol_options: { idle_timeout: '1s' },
                  max_request_headers_kb: 16,
                  http_filters: [ROUTER],
                  route_config: { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'slow', timeout: '5s' } }] }] },
                },
              },
            ],
          },
        ],
      },
    ],
  });
  port = proxy.port('h2') ?? 0;
});

after(async () => {
  await proxy.close();
  await slow.close();
});

// ---- frames by hand ---------------------------------------------------------------

const PREFACE: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frame = (type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
};
const SETTINGS = (): Buffer => frame(4, 0, 0);
/** GET / with :authority x: HPACK static-table indexes and one literal. */
const GET_BLOCK = Buffer.from([0x82, 0x86, 0x84, 0x41, 0x01, 0x78]);
const HEADERS = (stream: number, endStream = true): Buffer => frame(1, endStream ? 0x5 : 0x4, stream, GET_BLOCK);
const RST = (stream: number, code = 8): Buffer => {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(3, 0, stream, p);
};

interface Seen {
  /** The first GOAWAY's error code. */
  readonly goaway: number | undefined;
  readonly refused: number;
  readonly headers: number;
  readonly closed: boolean;
  readonly bytes: number;
}

/** Writes bytes on a raw connection and reads the frames that come back for `waitMs` (or until close). */
function rawH2(bytes: Uint8Array | Uint8Array[], waitMs: number, gapMs = 0): Promise<Seen> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let goaway: number | undefined;
    let refused = 0;
    let headers = 0;
    let closed = false;
    let total = 0;
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve({ goaway, refused, headers, closed, bytes: total });
    };
    const t = setTimeout(done, waitMs);
    s.on('data', (c: Buffer) => {
      total += c.length;
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3];
        const payload = buf.subarray(9, 9 + len);
        if (type === 7 && payload.length >= 8 && goaway === undefined) goaway = payload.readUInt32BE(4);
        if (type === 3 && payload.readUInt32BE(0) === 7) refused++;
        if (type === 1) headers++;
        buf = buf.subarray(9 + len);
      }
    });
    s.on('close', () => {
      closed = true;
      done();
    });
    s.on('error', () => {});
    s.on('connect', async () => {
      for (const b of Array.isArray(bytes) ? bytes : [bytes]) {
        if (s.destroyed) return;
        s.write(b);
        if (gapMs > 0) await sleep(gapMs);
      }
    });
  });
}

async function healthy(): Promise<void> {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const r = await h2request(s, { ':path': '/ok' });
    assert.equal(r.status, 200, 'another client is served');
  } finally {
    s.close();
  }
}

// ---- tests -----------------------------------------------------------------------

test('a flood of streams past max_concurrent_streams: the excess is refused, the upstream never holds more than the limit', async () => {
  peak = 0;
  const frames = [PREFACE, SETTINGS()];
  for (let i = 0; i < 300; i++) frames.push(HEADERS(1 + 2 * i));
  const seen = await rawH2(Buffer.concat(frames), 1500);
  assert.ok(peak <= 10, `the upstream held ${peak} requests at once`);
  assert.ok(seen.refused > 0 || seen.goaway !== undefined, `the excess streams were refused (${seen.refused}) or the session closed`);
  await healthy();
});

test('rapid reset (CVE-2023-44487): streams opened and reset in a loop cost bounded work, and the session is closed', async () => {
  const logged: Record<string, unknown>[] = [];
  logSink = (e) => logged.push(e);
  try {
    // A burst: 20 000 streams opened and reset at once. nghttp2's own reset rate limit or ours ends the session.
    const before = slow.requests;
    const frames = [PREFACE, SETTINGS()];
    for (let i = 0; i < 20_000; i++) frames.push(HEADERS(1 + 2 * i), RST(1 + 2 * i));
    const t0 = performance.now();
    const seen = await rawH2(Buffer.concat(frames), 5000);
    assert.ok(seen.closed, 'the proxy closed the connection');
    assert.ok(seen.goaway === 11 || seen.goaway === 2, `GOAWAY ENHANCE_YOUR_CALM (ours) or INTERNAL_ERROR (nghttp2's limit): ${String(seen.goaway)}`);
    assert.ok(performance.now() - t0 < 4000);
    await sleep(300);
    const reached = slow.requests - before;
    assert.ok(reached < 300, `${reached} of 20000 reset streams reached the upstream`);
    // Below nghttp2's burst: 150 streams each reset before its answer. Ours closes at the 100th (half or more reset early).
    const before2 = slow.requests;
    const frames2 = [PREFACE, SETTINGS()];
    for (let i = 0; i < 150; i++) frames2.push(HEADERS(1 + 2 * i), RST(1 + 2 * i));
    const seen2 = await rawH2(Buffer.concat(frames2), 3000);
    assert.equal(seen2.goaway, 11, 'GOAWAY ENHANCE_YOUR_CALM');
    assert.ok(seen2.closed);
    assert.ok(logged.some((e) => e['msg'] === 'HTTP/2 session closed' && String(e['reason']).includes('rapid reset')));
    await sleep(300);
    assert.ok(slow.requests - before2 <= 150);
  } finally {
    logSink = () => {};
  }
  await healthy();
});

test('an oversized header list is refused (RST or 431), the session and others go on', async () => {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  s.on('error', () => {});
  try {
    const outcome = await new Promise<string>((resolve) => {
      const r = s.request({ ':path': '/big', 'x-big': 'a'.repeat(40 * 1024) });
      r.on('response', (h) => resolve(`status ${String(h[':status'])}`));
      r.on('error', (e: Error) => resolve(`error ${e.message}`));
      r.on('close', () => resolve(`closed ${r.rstCode}`));
      r.end();
    });
    assert.match(outcome, /status 431|error|closed (11|1|2)/, outcome);
  } finally {
    s.destroy();
  }
  await healthy();
});

test('a SETTINGS flood ends the session; the proxy keeps serving', async () => {
  const frames: Buffer[] = [PREFACE];
  for (let i = 0; i < 50_000; i++) frames.push(SETTINGS());
  const seen = await rawH2(Buffer.concat(frames), 4000);
  assert.ok(seen.closed, `the session was closed (goaway ${String(seen.goaway)}, ${seen.bytes} bytes answered)`);
  await healthy();
});

test('idle and preface timeouts: a session without streams and a half-sent preface are closed', async () => {
  const t0 = performance.now();
  const idle = await rawH2(Buffer.concat([PREFACE, SETTINGS()]), 4000);
  const idleMs = performance.now() - t0;
  assert.ok(idle.closed, 'the idle session is closed');
  assert.equal(idle.goaway, 0, 'with GOAWAY NO_ERROR');
  assert.ok(idleMs >= 700 && idleMs < 3000, `closed after ${idleMs} ms (idle timeout 1 s)`);
  const t1 = performance.now();
  const half = await rawH2(PREFACE.subarray(0, 10), 4000);
  assert.ok(half.closed);
  assert.ok(performance.now() - t1 < 3000, 'a half-sent preface is cut at the header timeout');
});

test('drain sends GOAWAY: the request in flight completes, new streams are refused', async () => {
  const p = await testProxy({ telemetry: false, log: () => {} });
  try {
    await configure(p, {
      clusters: [cluster('slow', [slow.port])],
      listeners: [
        {
          name: 'd',
          address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'd', http_filters: [ROUTER], route_config: { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'slow' } }] }] } } }] }],
        },
      ],
    });
    const s = http2.connect(`http://127.0.0.1:${p.port('d') ?? 0}`);
    s.on('error', () => {});
    const goaway = new Promise<number>((r) => s.once('goaway', (code: number) => r(code)));
    const inflight = h2request(s, { ':path': '/inflight' });
    await sleep(50);
    void p.drain();
    assert.equal(await goaway, 0);
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow');
    s.destroy();
  } finally {
    await p.close();
  }
});

/** A deterministic generator of mutated frame sequences. */
function corpus(n: number, seed: number): Buffer[] {
  let st = seed >>> 0;
  const rnd = (k: number): number => {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    return st % k;
  };
  const data = (stream: number, text: string, flags = 1) => frame(0, flags, stream, Buffer.from(text));
  const post = Buffer.from([0x83, 0x86, 0x84, 0x41, 0x01, 0x78]);
  const pieces = [
    () => SETTINGS(),
    () => frame(4, 1, 0),
    () => HEADERS(1 + 2 * rnd(4)),
    () => HEADERS(1 + 2 * rnd(4), false),
    () => frame(1, 0x4, 1, post),
    () => data(1, 'hello'),
    () => data(3, 'x'.repeat(rnd(100))),
    () => RST(1 + 2 * rnd(4), rnd(14)),
    () => frame(6, 0, 0, Buffer.alloc(8)),
    () => frame(7, 0, 0, Buffer.alloc(8)),
    () => frame(8, 0, rnd(5), Buffer.from([0, 0, 0x10, 0])),
    () => frame(9, 0x4, 1, GET_BLOCK),
    () => frame(2, 0, 1, Buffer.alloc(5)),
    () => frame(rnd(256), rnd(256), rnd(8), Buffer.alloc(rnd(20))),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const parts: Buffer[] = [rnd(10) === 0 ? Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n') : PREFACE];
    const count = 1 + rnd(8);
    for (let k = 0; k < count; k++) parts.push((pieces[rnd(pieces.length)] as () => Buffer)());
    const b = Buffer.concat(parts);
    // Mutations: flipped bytes, a truncation, a bogus length.
    const edits = rnd(4);
    for (let e = 0; e < edits; e++) {
      const at = PREFACE.length + rnd(Math.max(1, b.length - PREFACE.length));
      if (at < b.length) b[at] = rnd(256);
    }
    out.push(rnd(5) === 0 ? Buffer.from(b.subarray(0, PREFACE.length + rnd(Math.max(1, b.length - PREFACE.length)))) : b);
  }
  return out;
}

test('a generated corpus of mutated frames: no crash, other clients served, every connection closed', async () => {
  const inputs = corpus(600, 7);
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < inputs.length; i += 50) {
    await Promise.all(inputs.slice(i, i + 50).map((b) => rawH2(b, 300)));
    if (i % 200 === 0) await healthy();
  }
  await healthy();
  await sleep(1500);
  assert.equal(proxy.core.connections, 0, 'every hostile connection is gone');
  const grew = (process.memoryUsage().rss - rssBefore) / 1048576;
  assert.ok(grew < 80, `rss grew by ${grew.toFixed(1)} MiB`);
});
