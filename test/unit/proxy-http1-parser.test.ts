// The HTTP/1.1 parser on its own: valid messages in every split, and the
// refusals that keep request smuggling and header injection out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Http1Parser, type MessageHead, type ParseFailure, type ParserHandler } from '../../proxy/http1/parser.ts';

interface Parsed {
  heads: MessageHead[];
  bodies: string[];
  trailers: string[][];
  complete: number;
  failure: ParseFailure | null;
  interim: number[];
}

function collect(kind: 'request' | 'response', chunks: Buffer[], opts: { noBody?: boolean; limits?: { maxHeadBytes: number; maxHeaders: number } } = {}): Parsed {
  const out: Parsed = { heads: [], bodies: [], trailers: [], complete: 0, failure: null, interim: [] };
  let body = '';
  const handler: ParserHandler = {
    onHead: (h) => out.heads.push(h),
    onInformational: (h) => out.interim.push(h.status),
    onBody: (c) => {
      body += c.toString('latin1');
    },
    onTrailers: (t) => out.trailers.push(t),
    onComplete: () => {
      out.complete++;
      out.bodies.push(body);
      body = '';
      parser.reset();
      if (opts.noBody === true) parser.noBody = true;
    },
    onParseError: (f) => {
      out.failure = f;
    },
  };
  const parser = new Http1Parser(kind, handler, opts.limits);
  if (opts.noBody === true) parser.noBody = true;
  for (const c of chunks) {
    parser.execute(c);
    // A complete message pauses the parser when more input follows (pipelining): carry on.
    while (parser.paused && !parser.failed) parser.resume();
  }
  return out;
}

const whole = (s: string): Buffer[] => [Buffer.from(s, 'latin1')];
const bytewise = (s: string): Buffer[] => [...Buffer.from(s, 'latin1')].map((b) => Buffer.from([b]));
const splitAt = (s: string, i: number): Buffer[] => [Buffer.from(s.slice(0, i), 'latin1'), Buffer.from(s.slice(i), 'latin1')];

const CHUNKED_REQUEST =
  'POST /upload?x=1 HTTP/1.1\r\nHost: a.example:8080\r\nTransfer-Encoding: chunked\r\nX-Multi: one\r\nx-multi: two\r\n\r\n' +
  '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n';

test('a chunked request parses the same whole, byte by byte, and split at every offset', () => {
  const splits = [whole(CHUNKED_REQUEST), bytewise(CHUNKED_REQUEST), ...Array.from({ length: CHUNKED_REQUEST.length - 1 }, (_, i) => splitAt(CHUNKED_REQUEST, i + 1))];
  for (const chunks of splits) {
    const r = collect('request', chunks);
    assert.equal(r.failure, null);
    assert.equal(r.complete, 1);
    const h = r.heads[0] as MessageHead;
    assert.equal(h.method, 'POST');
    assert.equal(h.target, '/upload?x=1');
    assert.equal(h.host, 'a.example:8080');
    assert.equal(h.chunked, true);
    assert.deepEqual(h.headers, ['x-multi', 'one', 'x-multi', 'two']);
    assert.equal(r.bodies[0], 'hello world');
    assert.deepEqual(r.trailers[0], ['x-checksum', 'abc']);
  }
});

test('pipelined requests come out one after another with their bodies', () => {
  const two = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  for (const chunks of [whole(two), bytewise(two)]) {
    const r = collect('request', chunks);
    assert.equal(r.failure, null);
    assert.deepEqual(
      r.heads.map((h) => h.target),
      ['/a', '/b', '/c'],
    );
    assert.deepEqual(r.bodies, ['', 'abc', '']);
    assert.equal(r.heads[2]?.close, true);
    assert.equal(r.heads[0]?.close, false);
  }
});

test('responses: content-length, chunked, until close, no body for HEAD and 204/304, interim 100', () => {
  let r = collect('response', whole('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  assert.deepEqual(r.interim, [100]);
  assert.equal(r.heads[0]?.status, 200);
  assert.equal(r.bodies[0], 'ok');
  r = collect('response', whole('HTTP/1.1 204 No Content\r\n\r\n'));
  assert.equal(r.complete, 1);
  r = collect('response', whole('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'), { noBody: true });
  assert.equal(r.complete, 1, 'a HEAD response ends after its head');
  r = collect('response', whole('HTTP/1.0 200 OK\r\n\r\nstream until close'));
  assert.equal(r.heads[0]?.untilClose, true);
  assert.equal(r.complete, 0);
  r = collect('response', whole('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
  assert.equal(r.bodies[0], 'abc');
});

const refused: [string, string, number][] = [
  ['CL and TE together (CL.TE)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['TE and CL together (TE.CL)', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n', 400],
  ['differing Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd', 400],
  ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\nabcd', 400],
  ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd', 400],
  ['an unknown transfer coding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
  ['chunked not last', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
  ['chunked twice', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501],
  ['TE with a vertical tab', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0bchunked\r\n\r\n', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n', 400],
  ['space before colon', 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n', 400],
  ['bare LF line ending', 'GET / HTTP/1.1\nHost: x\n\n\r\n\r\n', 400],
  ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
  ['NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400],
  ['invalid header name', 'GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n', 400],
  ['empty header name', 'GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n', 400],
  ['two Hosts', 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', 400],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', 400],
  ['HTTP/2 preface as HTTP/1', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505],
  ['lower-case version', 'GET / http/1.1\r\nHost: x\r\n\r\n', 400],
  ['space in target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['invalid chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400],
  ['negative chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n', 400],
  ['overflowing chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', 400],
  ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n', 400],
  ['chunk size line with bare LF', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', 400],
  ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
];

for (const [name, text, status] of refused) {
  test(`refuses ${name} with ${status}, whole and byte by byte`, () => {
    for (const chunks of [whole(text), bytewise(text)]) {
      const r = collect('request', chunks);
      assert.equal(r.failure?.status, status, `${name}: ${JSON.stringify(r.failure)} heads=${r.heads.length}`);
    }
  });
}

test('heads over the size limit are 431, and so are too many fields', () => {
  const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`;
  assert.equal(collect('request', whole(big)).failure?.status, 431);
  // Dribbled in small pieces the same limit holds, without waiting for the end.
  const pieces = Array.from({ length: 80 }, (_, i) => Buffer.from(i === 0 ? 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' : 'a'.repeat(1000)));
  assert.equal(collect('request', pieces).failure?.status, 431);
  const many = `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 120 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`;
  assert.equal(collect('request', whole(many)).failure?.status, 431);
  const small = { maxHeadBytes: 64, maxHeaders: 100 };
  assert.equal(collect('request', whole(`GET / HTTP/1.1\r\nHost: x\r\nX-A: ${'b'.repeat(60)}\r\n\r\n`), { limits: small }).failure?.status, 431);
});

test('identical duplicate Content-Lengths are one length; names are lower-cased; values are trimmed', () => {
  const r = collect('request', whole('POST / HTTP/1.1\r\nHOST: x\r\nContent-Length: 3\r\ncontent-length: 3\r\nX-Trim: \t spaced \t\r\n\r\nabc'));
  assert.equal(r.failure, null);
  assert.equal(r.heads[0]?.contentLength, 3);
  assert.deepEqual(r.heads[0]?.headers, ['x-trim', 'spaced']);
  assert.equal(r.bodies[0], 'abc');
});

test('hop-by-hop fields and fields named in Connection are not end-to-end', () => {
  const r = collect('request', whole('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret, Upgrade\r\nUpgrade: websocket\r\nX-Secret: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nX-Kept: 2\r\n\r\n'));
  assert.deepEqual(r.heads[0]?.headers, ['x-kept', '2']);
  assert.equal(r.heads[0]?.upgrade, 'websocket');
  assert.equal(r.heads[0]?.teTrailers, true);
});

test('responses with bad framing are upstream protocol errors (502)', () => {
  assert.equal(collect('response', whole('HTTP/1.1 2000 OK\r\n\r\n')).failure?.status, 502);
  assert.equal(collect('response', whole('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n')).failure?.status, 502);
  assert.equal(collect('response', whole('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnope\r\n')).failure?.status, 502);
  assert.equal(collect('response', whole('SSH-2.0-OpenSSH\r\n\r\n')).failure?.status, 502);
});

test('random bytes never throw: every input ends in a head, a failure, or waiting for more', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const alphabet = 'GETPOST /HTTP1.0\r\n:;,-_ aZ\t\0\x7f\xff0123456789chunkedContent-LengthTransfer-Encoding';
  for (let i = 0; i < 3000; i++) {
    const n = 1 + ((rnd() * 300) | 0);
    let s = '';
    for (let j = 0; j < n; j++) s += alphabet[(rnd() * alphabet.length) | 0];
    if (rnd() < 0.5) s = `GET / HTTP/1.1\r\nHost: x\r\n${s}`;
    assert.doesNotThrow(() => collect('request', rnd() < 0.5 ? whole(s) : bytewise(s)));
  }
});

test('well-known names in any case become the same lower-case names; unknown ones are lower-cased too', () => {
  const raw = 'GET / HTTP/1.1\r\nHOST: a\r\nAccept-Encoding: gzip\r\nX-B3-TraceId: 1\r\nuSeR-aGeNt: t\r\nX-Custom-Thing: v\r\nContent-Type: text/plain\r\nAccept-Encodinh: near-miss\r\n\r\n';
  const r = collect('request', [Buffer.from(raw, 'latin1')]);
  assert.equal(r.failure, null);
  const h = r.heads[0];
  assert.equal(h?.host, 'a');
  assert.deepEqual(h?.headers, ['accept-encoding', 'gzip', 'x-b3-traceid', '1', 'user-agent', 't', 'x-custom-thing', 'v', 'content-type', 'text/plain', 'accept-encodinh', 'near-miss']);
});

test('methods are exact: standard ones as sent, a lower-case or unknown one kept as sent', () => {
  for (const m of ['GET', 'POST', 'PUT', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'get', 'PROPFIND', 'GETS']) {
    const r = collect('request', [Buffer.from(`${m} / HTTP/1.1\r\nHost: a\r\n\r\n`, 'latin1')]);
    assert.equal(r.heads[0]?.method, m);
  }
});

test('Content-Length read from the bytes (OWS trimmed), and Connection tokens in any case', () => {
  const ok = collect('response', [Buffer.from('HTTP/1.1 200 OK\r\nContent-Length:  3 \r\nConnection: Keep-Alive\r\n\r\nabc', 'latin1')]);
  assert.equal(ok.heads[0]?.contentLength, 3);
  assert.equal(ok.heads[0]?.close, false);
  assert.deepEqual(ok.bodies, ['abc']);
  const close = collect('response', [Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: CLOSE\r\n\r\n', 'latin1')]);
  assert.equal(close.heads[0]?.close, true);
  const http10 = collect('request', [Buffer.from('GET / HTTP/1.0\r\nConnection: KEEP-ALIVE\r\n\r\n', 'latin1')]);
  assert.equal(http10.heads[0]?.close, false);
  const http10close = collect('request', [Buffer.from('GET / HTTP/1.0\r\nConnection: keep-alivf\r\n\r\n', 'latin1')]);
  assert.equal(http10close.heads[0]?.close, true, 'a near-miss token is not keep-alive');
  for (const bad of ['1x', '', '-1', '1 2', '9999999999999999']) {
    const r = collect('request', [Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${bad}\r\n\r\n`, 'latin1')]);
    assert.equal(r.failure?.status, 400, `Content-Length ${JSON.stringify(bad)}`);
  }
});
