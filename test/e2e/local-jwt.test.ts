// RequestAuthentication end to end through `weft up`: real proxies on their
// own loopback addresses, tokens signed by jose, one issuer's keys inline
// and another's at a jwksUri served by a loopback HTTP server that the
// control plane fetches (never the proxies), a third whose key set cannot be
// fetched. `open` has a RequestAuthentication only; `api` also has an
// AuthorizationPolicy that admits named request principals.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { LocalMesh } from '../../operator/local/mesh.ts';

// Away from the demo's 127.0.1.x and local.test.ts's 127.0.77.x.
const FIRST = '127.0.78.1';
const ISSUER_A = 'https://issuer-a.test';
const ISSUER_B = 'https://issuer-b.test';
const ISSUER_C = 'https://issuer-c.test';

let dir = '';
let mesh: LocalMesh;
const logs: string[] = [];
const apps: http.Server[] = [];
let jwksServer: http.Server;
let jwksFetches = 0;
let client = '';
let keyA: CryptoKey;
let keyB: CryptoKey;
let forger: CryptoKey;

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function app(address: string, port: number, name: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, authorization: req.headers.authorization ?? null, sub: req.headers['x-jwt-sub'] ?? null }));
  });
  return new Promise((ok, fail) => {
    s.once('error', fail);
    s.listen(port, address, () => ok(s));
  });
}

function call(url: string, token?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const [host, port] = client.split(':');
  const headers: Record<string, string> = { host: new URL(url).host };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method: 'GET', path: url, headers, agent, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function eventually<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Claims {
  readonly iss: string;
  readonly sub: string;
  readonly aud?: string;
  readonly exp?: number;
}

async function token(key: CryptoKey, kid: string, c: Claims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ aud: c.aud ?? 'shop' }).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(c.iss).setSubject(c.sub).setIssuedAt(now - 10);
  return jwt.setExpirationTime(c.exp ?? now + 600).sign(key);
}

const OPEN = 'http://open.shop.svc.cluster.local:8080/hello';
const API = 'http://api.shop.svc.cluster.local:8080/orders';

before(async () => {
  const a = await generateKeyPair('ES256');
  const b = await generateKeyPair('ES256');
  const f = await generateKeyPair('ES256');
  keyA = a.privateKey;
  keyB = b.privateKey;
  forger = f.privateKey;
  const jwkA: JWK = { ...(await exportJWK(a.publicKey)), kid: 'a1', alg: 'ES256', use: 'sig' };
  const jwkB: JWK = { ...(await exportJWK(b.publicKey)), kid: 'b1', alg: 'ES256', use: 'sig' };

  jwksServer = http.createServer((req, res) => {
    if (req.url === '/jwks.json') {
      jwksFetches++;
      // An encryption key beside the signing one, as identity providers publish: left out, not fatal.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...jwkB, kid: 'enc', use: 'enc' }, jwkB] }));
      return;
    }
    res.writeHead(404).end('no such key set');
  });
  await new Promise<void>((ok) => jwksServer.listen(0, '127.0.0.1', ok));
  const jwksPort = (jwksServer.address() as { port: number }).port;

  dir = mkdtempSync(join(tmpdir(), 'weft-jwt-'));
  const deployment = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      serviceAccountName: ${name}
      containers: [{name: ${name}, image: x, ports: [{name: http, containerPort: 8080}]}]
`;
  const service = (name: string): string => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080, targetPort: 8080}]
`;
  writeFileSync(join(dir, 'shop.yaml'), [service('open'), service('api'), deployment('open'), deployment('api'), deployment('client')].join('---\n'));
  writeFileSync(join(dir, 'authn.yaml'), `apiVersion: weft.dev/v1alpha1
kind: RequestAuthentication
metadata: {name: shop-tokens, namespace: shop}
spec:
  jwtRules:
    - issuer: ${ISSUER_A}
      audiences: [shop]
      jwks: '${JSON.stringify({ keys: [jwkA] })}'
      outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
    - issuer: ${ISSUER_B}
      jwksUri: http://127.0.0.1:${jwksPort}/jwks.json
      timeout: 2s
    - issuer: ${ISSUER_C}
      jwksUri: http://127.0.0.1:${jwksPort}/missing.json
      timeout: 2s
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: api-needs-a-principal, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  rules:
    - from:
        - source:
            requestPrincipals: ["${ISSUER_A}/alice", "${ISSUER_B}/*"]
`);
  mesh = new LocalMesh({ dir, xdsPort: 0, caPort: 0, adminPort: 0, firstAddress: FIRST, watchQuietMs: 50, log: (level, m) => logs.push(`${level} ${m}`) });
  await mesh.start();
  const byName = new Map(mesh.workloads().map((w) => [w.workload, w]));
  for (const name of ['open', 'api']) {
    const w = byName.get(name);
    assert.ok(w !== undefined, `workload ${name}`);
    apps.push(await app(w.address, 8080, name));
  }
  client = byName.get('client')?.outbound ?? '';
  await eventually('every proxy in sync', 10_000, async () => {
    const s = mesh.status();
    return s.proxies.length === 3 && s.proxies.every((p) => p.inSync) ? true : undefined;
  });
});

after(async () => {
  agent.destroy();
  for (const s of apps) {
    s.close();
    s.closeAllConnections();
  }
  await mesh?.stop();
  jwksServer?.close();
  jwksServer?.closeAllConnections();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('no token passes jwt_authn: the open workload answers, unauthenticated', async () => {
  const r = await call(OPEN);
  assert.equal(r.status, 200, r.body);
  assert.equal((JSON.parse(r.body) as { sub: unknown }).sub, null);
});

test('a valid token passes; its claims reach the workload and the token header is removed', async () => {
  const r = await call(OPEN, await token(keyA, 'a1', { iss: ISSUER_A, sub: 'alice' }));
  assert.equal(r.status, 200, r.body);
  const body = JSON.parse(r.body) as { sub: unknown; authorization: unknown };
  assert.equal(body.sub, 'alice');
  // forwardOriginalToken is not set: Envoy removes the token's header after verification.
  assert.equal(body.authorization, null);
});

test('forged, expired and foreign-issuer tokens are 401; a wrong audience is 403 (Envoy\'s answer)', async () => {
  const forged = await call(OPEN, await token(forger, 'a1', { iss: ISSUER_A, sub: 'alice' }));
  assert.equal(forged.status, 401, forged.body);
  assert.match(forged.body, /Jwt verification fails/);
  assert.match(String(forged.headers['www-authenticate']), /error="invalid_token"/);
  const past = Math.floor(Date.now() / 1000) - 3600;
  const expired = await call(OPEN, await token(keyA, 'a1', { iss: ISSUER_A, sub: 'alice', exp: past }));
  assert.equal(expired.status, 401, expired.body);
  assert.match(expired.body, /Jwt is expired/);
  const unknown = await call(OPEN, await token(keyA, 'a1', { iss: 'https://someone-else.test', sub: 'alice' }));
  assert.equal(unknown.status, 401, unknown.body);
  const aud = await call(OPEN, await token(keyA, 'a1', { iss: ISSUER_A, sub: 'alice', aud: 'billing' }));
  assert.equal(aud.status, 403, aud.body);
  assert.match(aud.body, /Audiences in Jwt are not allowed/);
});

test('AuthorizationPolicy requestPrincipals: no token is 403, the named principal passes, another is 403', async () => {
  const none = await call(API);
  assert.equal(none.status, 403, none.body);
  assert.match(none.body, /RBAC: access denied/);
  const alice = await call(API, await token(keyA, 'a1', { iss: ISSUER_A, sub: 'alice' }));
  assert.equal(alice.status, 200, alice.body);
  const bob = await call(API, await token(keyA, 'a1', { iss: ISSUER_A, sub: 'bob' }));
  assert.equal(bob.status, 403, bob.body);
});

test('a jwksUri key set is fetched by the control plane and inlined: its tokens pass', async () => {
  const t = await token(keyB, 'b1', { iss: ISSUER_B, sub: 'carol' });
  const r = await eventually('issuer B accepted', 10_000, async () => {
    const x = await call(API, t);
    return x.status === 200 ? x : undefined;
  });
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'api');
  assert.ok(jwksFetches >= 1, 'the control plane fetched the key set');
  // A forged token for issuer B still fails.
  assert.equal((await call(API, await token(forger, 'b1', { iss: ISSUER_B, sub: 'carol' }))).status, 401);
});

test('a key set that cannot be fetched refuses its issuer\'s tokens (401) and says so in status', async () => {
  const t = await token(keyB, 'b1', { iss: ISSUER_C, sub: 'dave' });
  const r = await call(OPEN, t);
  assert.equal(r.status, 401, r.body);
  const cond = await eventually('ResolvedRefs False', 10_000, async () => {
    const res = mesh.status().resources.find((x) => x.kind === 'RequestAuthentication' && x.name === 'shop-tokens');
    const c = res?.conditions.find((x) => x.type === 'ResolvedRefs');
    return c !== undefined && c.status === 'False' && /cannot be fetched/.test(c.message) ? c : undefined;
  });
  assert.match(cond.message, /issuer-c\.test/);
  assert.match(cond.message, /HTTP 404/);
  assert.ok(logs.some((l) => /missing\.json/.test(l)), 'the failure is logged');
});

test('edits apply live: a rule removed refuses its issuer; the policy deleted lets any token through unverified', async () => {
  const alice = await token(keyA, 'a1', { iss: ISSUER_A, sub: 'alice' });
  const forged = await token(forger, 'a1', { iss: ISSUER_A, sub: 'alice' });
  assert.equal((await call(OPEN, alice)).status, 200);
  const file = join(dir, 'authn.yaml');
  const text = readFileSync(file, 'utf8');
  // Drop issuer A's rule: its issuer line and the indented fields under it.
  const edited = text.replace(/    - issuer: https:\/\/issuer-a\.test\n(?: {6}.*\n)+/, '');
  assert.notEqual(edited, text);
  writeFileSync(file, edited);
  const refused = await eventually('issuer A no longer configured', 10_000, async () => {
    const r = await call(OPEN, alice);
    return r.status === 401 ? r : undefined;
  });
  assert.match(refused.body, /Jwt issuer is not configured/);
  // The file gone (the RequestAuthentication and api's policy): no jwt_authn at open, so even a forged token reaches the app, with no principal.
  rmSync(file);
  const through = await eventually('no RequestAuthentication any more', 10_000, async () => {
    const r = await call(OPEN, forged);
    return r.status === 200 ? r : undefined;
  });
  assert.equal((JSON.parse(through.body) as { sub: unknown }).sub, null);
  assert.ok(!mesh.status().resources.some((x) => x.kind === 'RequestAuthentication'));
});
