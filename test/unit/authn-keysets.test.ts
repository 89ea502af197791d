// The control plane's key-set fetcher against a real loopback HTTP server:
// what it keeps, what it refuses (size, time, scheme, redirects, unusable
// keys), OpenID Connect discovery, refresh, and that a failed refresh keeps
// the keys that worked.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { KeySetResolver, fetchKeySet } from '../../operator/authn/keysets.ts';
import type { KeySetFetch } from '../../operator/compile/authn.ts';
import type { KeySet } from '../../operator/compile/snapshot.ts';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SIGNING = { ...publicKey.export({ format: 'jwk' }), kid: 'sig-1', use: 'sig' };
const ENCRYPTION = { ...SIGNING, kid: 'enc-1', use: 'enc' };
const PRIVATE = { ...privateKey.export({ format: 'jwk' }), kid: 'oops' };

let server: http.Server;
let base = '';
let served: Record<string, () => [number, string, Record<string, string>?]> = {};
const hits = new Map<string, number>();

before(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const answer = served[path];
    if (answer === undefined) return void res.writeHead(404).end();
    const [status, body, headers] = answer();
    if (status === 0) return; // never answers
    res.writeHead(status, { 'content-type': 'application/json', ...(headers ?? {}) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => {
  server.close();
  server.closeAllConnections();
});

const uri = (path: string, timeoutMs = 1000): KeySetFetch => ({ key: `${base}${path}`, url: `${base}${path}`, discovery: false, timeoutMs });
const fetchIt = (f: KeySetFetch, max?: number): Promise<string> => fetchKeySet(f, AbortSignal.timeout(f.timeoutMs), max);

test('keeps the public signing keys; encryption and private keys are left out; none usable is an error', async () => {
  served = { '/jwks.json': () => [200, JSON.stringify({ keys: [ENCRYPTION, SIGNING, PRIVATE, { kty: 'oct', k: 'c2VjcmV0' }] })] };
  const text = await fetchIt(uri('/jwks.json'));
  assert.deepEqual((JSON.parse(text) as { keys: { kid: string }[] }).keys.map((k) => k.kid), ['sig-1']);
  served = { '/jwks.json': () => [200, JSON.stringify({ keys: [ENCRYPTION, PRIVATE] })] };
  await assert.rejects(fetchIt(uri('/jwks.json')), /no usable public signing key/);
  served = { '/jwks.json': () => [200, '<html>'] };
  await assert.rejects(fetchIt(uri('/jwks.json')), /not JSON/);
  served = { '/jwks.json': () => [200, '{"keyz": []}'] };
  await assert.rejects(fetchIt(uri('/jwks.json')), /no "keys" list/);
  served = { '/jwks.json': () => [503, 'busy'] };
  await assert.rejects(fetchIt(uri('/jwks.json')), /HTTP 503/);
});

test('a body over the size cap, an answer that never comes, a redirect off loopback or to another scheme: refused', async () => {
  served = { '/big.json': () => [200, JSON.stringify({ keys: [SIGNING], pad: 'x'.repeat(4096) })] };
  await assert.rejects(fetchIt(uri('/big.json'), 1024), /over the 1024-byte limit/);
  served = { '/slow.json': () => [0, ''] };
  const t0 = Date.now();
  await assert.rejects(fetchIt(uri('/slow.json', 200)), /no answer within the timeout/);
  assert.ok(Date.now() - t0 < 2000);
  served = { '/moved': () => [302, '', { location: 'http://keys.example.com/jwks.json' }] };
  await assert.rejects(fetchIt(uri('/moved')), /must be https/);
  served = { '/moved': () => [302, '', { location: 'file:///etc/passwd' }] };
  await assert.rejects(fetchIt(uri('/moved')), /must be an https URL/);
  // A redirect that passes the check is followed.
  served = { '/moved': () => [301, '', { location: '/jwks.json' }], '/jwks.json': () => [200, JSON.stringify({ keys: [SIGNING] })] };
  assert.match(await fetchIt(uri('/moved')), /sig-1/);
  served = { '/loop': () => [302, '', { location: '/loop' }] };
  await assert.rejects(fetchIt(uri('/loop')), /more than 3 redirects/);
  await assert.rejects(fetchKeySet({ key: 'x', url: 'http://keys.example.com/jwks.json', discovery: false, timeoutMs: 100 }, AbortSignal.timeout(100)), /must be https/);
});

test('OpenID Connect discovery: the jwks_uri of the discovery document', async () => {
  served = {
    '/.well-known/openid-configuration': () => [200, JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` })],
    '/keys': () => [200, JSON.stringify({ keys: [SIGNING] })],
  };
  const f: KeySetFetch = { key: 'oidc', url: `${base}/.well-known/openid-configuration`, discovery: true, timeoutMs: 1000 };
  assert.match(await fetchIt(f), /sig-1/);
  served = { '/.well-known/openid-configuration': () => [200, JSON.stringify({ issuer: base })] };
  await assert.rejects(fetchIt(f), /has no jwks_uri/);
});

test('the resolver: pending, then ready; refreshes; a failed refresh keeps the good keys; unwanted sets are dropped', async () => {
  let version = 1;
  let fail = false;
  served = { '/r.json': () => (fail ? [500, 'down'] : [200, JSON.stringify({ keys: [{ ...SIGNING, kid: `v${version}` }] })]) };
  hits.clear();
  let changes = 0;
  const resolver = new KeySetResolver({ onChange: () => changes++, refreshMs: 100, retryMs: 100 });
  try {
    const f = uri('/r.json');
    assert.deepEqual(resolver.want([f]), { [f.key]: { state: 'pending' } });
    const until = async (what: string, ok: (s: KeySet | undefined) => boolean): Promise<KeySet | undefined> => {
      const t0 = Date.now();
      for (;;) {
        const s = resolver.want([f])[f.key];
        if (ok(s)) return s;
        if (Date.now() - t0 > 3000) assert.fail(`${what}: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until('first fetch', (s) => s?.state === 'ready' && s.jwks.includes('"v1"'));
    assert.ok(changes >= 1);
    version = 2;
    await until('refresh picks up the rotated key', (s) => s?.state === 'ready' && s.jwks.includes('"v2"'));
    fail = true;
    const before = hits.get('/r.json') ?? 0;
    await new Promise((r) => setTimeout(r, 350));
    assert.ok((hits.get('/r.json') ?? 0) > before, 'refreshes went on');
    const kept = resolver.want([f])[f.key];
    assert.ok(kept?.state === 'ready' && kept.jwks.includes('"v2"'), 'a failed refresh keeps the keys that worked');
    // No longer wanted: dropped, no more fetches.
    assert.deepEqual(resolver.want([]), {});
    const stopped = hits.get('/r.json') ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hits.get('/r.json') ?? 0, stopped);
    // A set that never worked is `failed`, with the reason.
    const g = uri('/never.json');
    resolver.want([g]);
    const t0 = Date.now();
    let s: KeySet | undefined;
    while ((s = resolver.want([g])[g.key])?.state !== 'failed' && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(s?.state === 'failed' && /HTTP 404/.test(s.reason), JSON.stringify(s));
  } finally {
    resolver.close();
  }
});
