// envoy.filters.http.jwt_authn through a real proxy over real sockets: inline
// and remote JWKS (served by a test server behind a cluster), Envoy's 401/403
// answers and WWW-Authenticate, forward/forward_payload_header/claim_to_headers,
// per-route config, token locations, and RBAC deciding on the verified
// principal and claims with the policies the compiler emits for
// AuthorizationPolicy requestPrincipals and request.auth.claims.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ProxyHandle } from '../../proxy/index.ts';
import type { AuthorizationPolicy } from '../../operator/api/model.ts';
import { compileAuthz } from '../../operator/compile/authz.ts';
import { cluster, configure, httpListener, request, ROUTER, startUpstream, testProxy, type Upstream } from './proxy-helpers.ts';

const JWT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';
const ISSUER = 'https://issuer.example';

interface Key {
  readonly kid: string;
  readonly alg: string;
  readonly priv: CryptoKey;
  readonly jwk: JWK;
}

async function key(kid: string, alg: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { kid, alg, priv: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** The proxy's clock (seconds and milliseconds derive from it); tests move it to expire caches. */
let clock = Date.now();
const nowS = (): number => Math.floor(clock / 1000);

async function sign(k: Key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'api', iat: nowS(), exp: nowS() + 600, ...claims })
    .setProtectedHeader({ alg: k.alg, kid: k.kid, ...header })
    .sign(k.priv);
}

const jwks = (...keys: Key[]): string => JSON.stringify({ keys: keys.map((k) => k.jwk) });

let rsa: Key;
let ec: Key;
let ed: Key;
let rotated: Key;
let impostor: Key;
let app: Upstream;
let proxy: ProxyHandle;
let port = 0;
/** The JWKS server behind the `jwks` cluster: what it serves, how often it was asked. */
let served = '';
let jwksStatus = 200;
let jwksRequests = 0;
let jwksServer: http.Server;

function provider(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: ISSUER,
    audiences: ['api'],
    local_jwks: { inline_string: jwks(rsa, ec, ed) },
    forward_payload_header: 'x-jwt-payload',
    claim_to_headers: [{ header_name: 'x-jwt-sub', claim_name: 'sub' }, { header_name: 'x-jwt-tier', claim_name: 'plan.tier' }],
    ...extra,
  };
}

function jwtFilter(cfg: Record<string, unknown>): Record<string, unknown> {
  return { name: 'envoy.filters.http.jwt_authn', typed_config: { '@type': JWT_TYPE, ...cfg } };
}

const routeTo = (prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ match: { prefix }, route: { cluster: 'app' }, ...extra });

before(async () => {
  [rsa, ec, ed, rotated, impostor] = await Promise.all([key('rsa-1', 'RS256'), key('ec-1', 'ES256'), key('ed-1', 'EdDSA'), key('rsa-2', 'PS256'), key('rsa-1', 'RS256')]);
  app = await startUpstream('app', undefined, true);
  jwksServer = http.createServer((req, res) => {
    jwksRequests++;
    res.writeHead(jwksStatus, { 'content-type': 'application/json' });
    res.end(jwksStatus === 200 ? served : 'unavailable');
  });
  jwksServer.listen(0, '127.0.0.1');
  await once(jwksServer, 'listening');
  const jwksPort = (jwksServer.address() as net.AddressInfo).port;
  served = jwks(rsa);

  const authz: AuthorizationPolicy = {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'jwt-users', namespace: 'shop' },
    spec: {
      action: 'ALLOW',
      rules: [
        { from: [{ source: { requestPrincipals: [`${ISSUER}/alice`] } }], to: [{ operation: { paths: ['/rbac/*'] } }] },
        { to: [{ operation: { paths: ['/rbac/admin'] } }], when: [{ key: 'request.auth.claims[groups]', values: ['admins'] }] },
        { to: [{ operation: { notPaths: ['/rbac/*'] } }] },
      ],
    },
  } as AuthorizationPolicy;
  const rbac = compileAuthz([authz], { namespace: 'shop', labels: {} }, { rootNamespace: 'weft-system', trustDomain: 'cluster.local' }).httpFilters;

  const filter = jwtFilter({
    providers: {
      inline: provider(),
      params: { issuer: ISSUER, local_jwks: { inline_string: jwks(rsa) }, from_params: ['token'], from_cookies: ['session'], forward: true },
      remote: {
        issuer: ISSUER,
        remote_jwks: { http_uri: { uri: 'http://jwks.example/keys.json', cluster: 'jwks', timeout: '1s' }, cache_duration: '60s' },
        payload_in_metadata: 'remote-payload',
      },
    },
    rules: [
      { match: { prefix: '/params' }, requires: { provider_name: 'params' } },
      { match: { prefix: '/remote' }, requires: { provider_name: 'remote' } },
      // What Istio compiles a RequestAuthentication to: a token is optional, but an invalid one is refused.
      { match: { prefix: '/rbac' }, requires: { requires_any: { requirements: [{ provider_name: 'inline' }, { allow_missing: {} }] } } },
      { match: { prefix: '/optional' }, requires: { allow_missing_or_failed: {} } },
      { match: { prefix: '/open' } },
      { match: { prefix: '/both' }, requires: { requires_all: { requirements: [{ provider_name: 'inline' }, { provider_name: 'params' }] } } },
      { match: { prefix: '/' }, requires: { provider_name: 'inline' } },
    ],
    requirement_map: { remote: { provider_name: 'remote' } },
  });
  clock = Date.now();
  proxy = await testProxy({ now: () => clock });
  await configure(proxy, {
    clusters: [cluster('app', [app.port]), cluster('jwks', [jwksPort])],
    listeners: [
      httpListener('in', 0, {
        route_config: {
          name: 'r',
          virtual_hosts: [
            {
              name: 'all',
              domains: ['*'],
              routes: [
                routeTo('/public', { typed_per_filter_config: { 'envoy.filters.http.jwt_authn': { '@type': PER_ROUTE_TYPE, disabled: true } } }),
                routeTo('/by-name', { typed_per_filter_config: { 'envoy.filters.http.jwt_authn': { '@type': PER_ROUTE_TYPE, requirement_name: 'remote' } } }),
                routeTo('/bad-name', { typed_per_filter_config: { 'envoy.filters.http.jwt_authn': { '@type': PER_ROUTE_TYPE, requirement_name: 'nope' } } }),
                routeTo('/'),
              ],
            },
          ],
        },
        http_filters: [filter, ...rbac, ROUTER],
      }),
    ],
  });
  port = proxy.port('in') ?? assert.fail('listener in is not bound');
});

after(async () => {
  await proxy.close();
  await app.close();
  jwksServer.closeAllConnections();
  await new Promise<void>((r) => jwksServer.close(() => r()));
});

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
const lastSeen = (): (typeof app.seen)[number] => app.seen[app.seen.length - 1] as (typeof app.seen)[number];

test('a missing token is 401 "Jwt is missing" with a challenge naming the realm and no error', async () => {
  const r = await request(port, { path: '/api/x?q=1' });
  assert.equal(r.status, 401);
  assert.equal(r.body, 'Jwt is missing');
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="http://example.com/api/x"');
});

test('a valid RS256 token passes; the token is stripped (forward: false), payload and claims are forwarded', async () => {
  const t = await sign(rsa, { plan: { tier: 'gold' } });
  const r = await request(port, { path: '/api/ok', headers: { ...bearer(t), 'x-jwt-sub': 'forged', 'x-jwt-payload': 'forged' } });
  assert.equal(r.status, 200, r.body);
  const seen = lastSeen();
  assert.equal(seen.headers['authorization'], undefined);
  assert.equal(seen.headers['x-jwt-sub'], 'alice', 'the client cannot set the claim header itself');
  assert.equal(seen.headers['x-jwt-tier'], 'gold');
  assert.equal(seen.headers['x-jwt-payload'], t.split('.')[1]);
  assert.equal(JSON.parse(Buffer.from(String(seen.headers['x-jwt-payload']), 'base64url').toString()).sub, 'alice');
});

test('ES256 and EdDSA (Ed25519) tokens verify against the same JWKS', async () => {
  for (const k of [ec, ed]) {
    const r = await request(port, { path: '/api/alg', headers: bearer(await sign(k)) });
    assert.equal(r.status, 200, `${k.alg}: ${r.body}`);
  }
});

test('bad tokens: Envoy status strings, 401 with error="invalid_token" (403 for the audience)', async () => {
  const good = await sign(rsa);
  const [h, p, s] = good.split('.') as [string, string, string];
  const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  const cases: [string, string, number, string][] = [
    ['expired', await sign(rsa, { exp: nowS() - 120 }), 401, 'Jwt is expired'],
    ['within clock skew', await sign(rsa, { exp: nowS() - 30 }), 200, ''],
    ['not yet valid', await sign(rsa, { nbf: nowS() + 300 }), 401, 'Jwt not yet valid'],
    ['wrong issuer', await sign(rsa, { iss: 'https://evil.example' }), 401, 'Jwt issuer is not configured'],
    ['wrong audience', await sign(rsa, { aud: ['other'] }), 403, 'Audiences in Jwt are not allowed'],
    ['flipped signature', flipped, 401, 'Jwt verification fails'],
    ['signed by another key with the same kid', await sign(impostor), 401, 'Jwt verification fails'],
    ['unknown kid (local set)', await sign(rotated), 401, "Jwks doesn't have key to match kid or alg from Jwt"],
    ['two segments', `${h}.${p}`, 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
  ];
  for (const [what, token, status, body] of cases) {
    const r = await request(port, { path: '/api/bad', headers: bearer(token) });
    assert.equal(r.status, status, `${what}: ${r.body}`);
    if (status === 200) continue;
    assert.equal(r.body, body, what);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="http://example.com/api/bad", error="invalid_token"', what);
  }
});

test('alg none and HS256 (the public key used as an HMAC secret) are refused before any key is used', async () => {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = enc({ iss: ISSUER, sub: 'alice', aud: 'api', exp: nowS() + 600 });
  const none = `${enc({ alg: 'none', kid: 'rsa-1' })}.${payload}.`;
  const secret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
  const hs = await new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'api', exp: nowS() + 600 }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(secret);
  for (const t of [none, hs]) {
    const r = await request(port, { path: '/api/confused', headers: bearer(t) });
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Jwt header [alg] is not supported');
  }
});

test('per-route: disabled skips the filter; requirement_name picks from requirement_map; an unknown name is 403', async () => {
  assert.equal((await request(port, { path: '/public/x' })).status, 200);
  const r = await request(port, { path: '/by-name' });
  assert.equal(r.status, 401);
  assert.equal(r.body, 'Jwt is missing');
  const bad = await request(port, { path: '/bad-name', headers: bearer(await sign(rsa)) });
  assert.equal(bad.status, 403);
  assert.match(bad.body, /^Failed JWT authentication: Wrong requirement_name: nope/);
});

test('rules: a rule without requires lets the request through; allow_missing_or_failed passes bad tokens', async () => {
  assert.equal((await request(port, { path: '/open' })).status, 200);
  assert.equal((await request(port, { path: '/optional', headers: bearer('garbage') })).status, 200);
  assert.equal((await request(port, { path: '/optional', headers: bearer(await sign(rsa, { exp: 5 })) })).status, 200);
});

test('from_params and from_cookies; forward: true keeps the token', async () => {
  const t = await sign(rsa);
  const q = await request(port, { path: `/params?token=${t}` });
  assert.equal(q.status, 200, q.body);
  const c = await request(port, { path: '/params/c', headers: { cookie: `theme=dark; session=${t}` } });
  assert.equal(c.status, 200, c.body);
  assert.match(String(lastSeen().headers['cookie']), /session=/);
  // The provider lists its own locations, so the default Authorization header is not one of them.
  const h = await request(port, { path: '/params/h', headers: bearer(t) });
  assert.equal(h.status, 401);
  assert.equal(h.body, 'Jwt is missing');
  const bad = await request(port, { path: `/params?token=${t}x` });
  assert.equal(bad.status, 401);
});

test('RBAC after JWT: requestPrincipals and request.auth.claims decide on the verified token', async () => {
  const alice = await sign(rsa);
  const bob = await sign(rsa, { sub: 'bob' });
  const admin = await sign(rsa, { sub: 'carol', groups: ['staff', 'admins'] });
  const cases: [string, Record<string, string>, number, string][] = [
    ['/rbac/data', {}, 403, 'no token: no principal, the ALLOW rule does not match'],
    ['/rbac/data', bearer(alice), 200, 'alice is the allowed requestPrincipal'],
    ['/rbac/data', bearer(bob), 403, 'bob is not'],
    ['/rbac/admin', bearer(admin), 200, 'a groups claim list containing admins'],
    ['/rbac/data', bearer(admin), 403, 'carol is not alice, and /rbac/data needs alice'],
    ['/rbac/admin', bearer(await sign(rsa, { sub: 'eve', groups: 'admins', exp: nowS() - 3600 })), 401, 'an expired token is refused before RBAC'],
    ['/elsewhere', bearer(bob), 200, 'paths outside /rbac are open to any valid token'],
  ];
  for (const [path, headers, status, why] of cases) {
    const r = await request(port, { path, headers });
    assert.equal(r.status, status, `${why}: ${r.body}`);
    if (status === 403) assert.equal(r.body, 'RBAC: access denied', why);
  }
});

test('remote JWKS through a cluster: fetched once and cached, refetched for a new kid (rate-limited), after expiry, and after a failure', async () => {
  const start = jwksRequests;
  const t = await sign(rsa);
  assert.equal((await request(port, { path: '/remote/1', headers: bearer(t) })).status, 200);
  assert.equal((await request(port, { path: '/by-name', headers: bearer(t) })).status, 200);
  assert.equal((await request(port, { path: '/remote/2', headers: bearer(await sign(rsa, { sub: 'bob' })) })).status, 200);
  assert.equal(jwksRequests - start, 1, 'the second and third requests use the cached keys');

  // The issuer rotates: the new kid is not in the cache, so one refetch finds it.
  // Beside the new key, an HMAC secret and an encryption key: left out of the fetched set, not a failed fetch.
  served = JSON.stringify({ keys: [rsa.jwk, rotated.jwk, { kty: 'oct', k: Buffer.from('secret').toString('base64url'), kid: 'hmac' }, { ...ec.jwk, kid: 'enc-1', use: 'enc' }] });
  clock += 6_000;
  const r = await request(port, { path: '/remote/rotated', headers: bearer(await sign(rotated)) });
  assert.equal(r.status, 200, r.body);
  assert.equal(jwksRequests - start, 2);
  const hmac = await new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'api', exp: nowS() + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'hmac' }).sign(new TextEncoder().encode('secret'));
  assert.equal((await request(port, { path: '/remote/hmac', headers: bearer(hmac) })).status, 401);
  // A made-up kid right after: no second refetch within the interval.
  const fake = await request(port, { path: '/remote/fake', headers: bearer(await sign({ ...rsa, kid: 'made-up' })) });
  assert.equal(fake.status, 401);
  assert.equal(fake.body, "Jwks doesn't have key to match kid or alg from Jwt");
  assert.equal(jwksRequests - start, 2);

  // cache_duration (60 s) passes and the server fails: 401 "Jwks remote fetch is failed", then retried after failed_refetch (1 s).
  jwksStatus = 503;
  clock += 61_000;
  const failed = await request(port, { path: '/remote/down', headers: bearer(t) });
  assert.equal(failed.status, 401);
  assert.equal(failed.body, 'Jwks remote fetch is failed');
  assert.equal(jwksRequests - start, 3);
  jwksStatus = 200;
  const soon = await request(port, { path: '/remote/down', headers: bearer(t) });
  assert.equal(soon.status, 401, 'within failed_refetch_duration no new fetch is made');
  assert.equal(jwksRequests - start, 3);
  clock += 1_500;
  const back = await request(port, { path: '/remote/back', headers: bearer(await sign(rsa)) });
  assert.equal(back.status, 200, back.body);
  assert.equal(jwksRequests - start, 4);
});

test('concurrent requests share one JWKS fetch', async () => {
  served = jwks(rsa);
  clock += 120_000;
  const start = jwksRequests;
  const t = await sign(rsa);
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => request(port, { path: `/remote/c${i}`, headers: bearer(t), agent: false })));
  assert.deepEqual(rs.map((r) => r.status), Array(8).fill(200));
  assert.equal(jwksRequests - start, 1);
});

test('config outside the subset is refused naming the field', async () => {
  const p = await testProxy();
  try {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ providers: { a: { ...provider(), subjects: { prefix: 'x' } } } }, /providers\["a"\]\.subjects: JWT provider field subjects is not supported/],
      [{ providers: { a: provider() }, filter_state_rules: { name: 'x' } }, /filter_state_rules: JwtAuthentication field filter_state_rules is not supported/],
      [{ providers: { a: { issuer: ISSUER, local_jwks: { filename: '/etc/jwks.json' } } } }, /local_jwks: local_jwks needs inline_string or inline_bytes|local_jwks\.filename/],
      [{ providers: { a: { issuer: ISSUER, local_jwks: { inline_string: JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }) } } } }, /symmetric \(oct\) keys are refused/],
      [{ providers: { a: { issuer: ISSUER, local_jwks: { inline_string: '{"keys": "no"}' } } } }, /Jwks does not have \[keys\] field/],
      [{ providers: { a: provider() }, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'b' } }] }, /rules\[0\]\.requires\.provider_name: Required provider \['b'\] is not configured/],
      [{ providers: { a: provider() }, rules: [{ match: { prefix: '/' }, requires: { provider_and_audiences: { provider_name: 'a' } } }] }, /provider_and_audiences: JWT requirement field provider_and_audiences is not supported/],
      [{ providers: { a: { issuer: ISSUER, remote_jwks: { http_uri: { uri: 'ftp://x/keys', cluster: 'c', timeout: '1s' } } } } }, /http_uri\.uri: must be an http or https URL/],
    ];
    for (const [cfg, re] of cases) {
      const res = p.applyConfig('type.googleapis.com/envoy.config.listener.v3.Listener', [
        { name: 'l', resource: httpListener('l', 0, { route_config: { name: 'r', virtual_hosts: [] }, http_filters: [jwtFilter(cfg), ROUTER] }) },
      ]);
      assert.equal(res.ok, false, JSON.stringify(cfg));
      if (!res.ok) assert.match(res.error, re);
    }
  } finally {
    await p.close();
  }
});

test('a remembered token is still checked for expiry on every request', async () => {
  const t = await sign(rsa, { exp: nowS() + 10 });
  assert.equal((await request(port, { path: '/api/cached', headers: bearer(t) })).status, 200);
  assert.equal((await request(port, { path: '/api/cached', headers: bearer(t) })).status, 200);
  clock += 75_000;
  const r = await request(port, { path: '/api/cached', headers: bearer(t) });
  assert.equal(r.status, 401);
  assert.equal(r.body, 'Jwt is expired');
});

test('/stats counts jwt_authn decisions and JWKS fetches per connection manager', () => {
  const stats = proxy.telemetry?.stats(proxy.core) ?? assert.fail('telemetry is on by default');
  const value = (name: string): number => Number(new RegExp(`^http\\.in\\.jwt_authn\\.${name}: (\\d+)$`, 'm').exec(stats)?.[1] ?? -1);
  assert.ok(value('allowed') > 10, stats);
  assert.ok(value('denied') > 10, stats);
  assert.ok(value('jwks_fetch_success') >= 4, stats);
  assert.equal(value('jwks_fetch_failed'), 1);
});

test('requires_all: both providers must find and verify a token', async () => {
  const t = await sign(rsa);
  assert.equal((await request(port, { path: `/both?token=${t}`, headers: bearer(t) })).status, 200);
  const onlyHeader = await request(port, { path: '/both', headers: bearer(t) });
  assert.equal(onlyHeader.status, 401);
  assert.equal(onlyHeader.body, 'Jwt is missing');
});

test('a request body waits, whole, while the signature is checked', async () => {
  const body = Buffer.alloc(256 * 1024, 'x').toString();
  const t = await sign(rsa, { jti: 'body-test' });
  const r = await request(port, { method: 'POST', path: '/api/upload', headers: { ...bearer(t), 'content-type': 'text/plain' }, body });
  assert.equal(r.status, 200, r.body);
  assert.equal(lastSeen().body.length, body.length);
  assert.equal(lastSeen().body, body);
});
