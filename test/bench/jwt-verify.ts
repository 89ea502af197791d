// The cost of jwt_authn per request with a cached key, as ratios against a
// peer measured in the same run (the machine is shared; absolute numbers
// drift):
//   node test/bench/jwt-verify.ts [rounds]
// 1. In process: the filter's verification path (shape/claim checks, then
//    jose's jwtVerify with the provider's key set) for RS256, ES256 and
//    EdDSA, against the cheap checks alone.
// 2. Over sockets: sequential keep-alive requests through one proxy to one
//    upstream, on a listener with jwt_authn (RS256) and on one without it,
//    interleaved in rounds; the difference per request is the filter's cost.

import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { parseJwks, parseJwtAuthn } from '../../proxy/http/jwt/config.ts';
import { keySet } from '../../proxy/http/jwt/jwks.ts';
import { checkClaims, parseJwt } from '../../proxy/http/jwt/token.ts';
import { jwtVerify } from 'jose';
import { cluster, configure, httpListener, ROUTER, startUpstream, testProxy } from '../unit/proxy-helpers.ts';

const rounds = Number(process.argv[2] ?? 5);
const ISSUER = 'https://issuer.example';
const now = Math.floor(Date.now() / 1000);

async function setup(alg: string, count = 1): Promise<{ token: string; tokens: string[]; jwks: string }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-1`, alg };
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(
      await new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'api', iat: now, exp: now + 3600, groups: ['a', 'b'], jti: String(i) })
        .setProtectedHeader({ alg, kid: `${alg}-1` })
        .sign(privateKey),
    );
  }
  return { token: tokens[0] as string, tokens, jwks: JSON.stringify({ keys: [jwk] }) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

async function inProcess(): Promise<void> {
  console.log('in process (µs per token, median of rounds):');
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const { token, jwks } = await setup(alg);
    const provider = parseJwtAuthn({ providers: { p: { issuer: ISSUER, audiences: ['api'], local_jwks: { inline_string: jwks } } } }, 'bench').providers.get('p');
    if (provider === undefined) throw new Error('no provider');
    const ks = keySet(parseJwks(jwks, 'bench'));
    const n = 2000;
    const cheap: number[] = [];
    const full: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const j = parseJwt(token);
        if (typeof j === 'string' || checkClaims(j, provider, now) !== undefined) throw new Error('bench token refused');
      }
      cheap.push(((performance.now() - t0) * 1000) / n);
      t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const j = parseJwt(token);
        if (typeof j === 'string' || checkClaims(j, provider, now) !== undefined) throw new Error('bench token refused');
        await jwtVerify(token, ks.getKey, { algorithms: [alg], clockTolerance: 60 });
      }
      full.push(((performance.now() - t0) * 1000) / n);
    }
    console.log(`  ${alg.padEnd(6)} checks only ${median(cheap).toFixed(1)} µs, checks + signature ${median(full).toFixed(1)} µs (${(median(full) / median(cheap)).toFixed(0)}×)`);
  }
}

async function overSockets(): Promise<void> {
  const n = 1000;
  // Distinct tokens cycle through the verified-token cache (100 entries), so each one is a miss: the signature is checked.
  const { token, tokens, jwks } = await setup('RS256', n);
  const app = await startUpstream('app', (_req, res) => res.end('ok'));
  const proxy = await testProxy({ telemetry: false });
  const routes = { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }] }] };
  const jwt = {
    name: 'envoy.filters.http.jwt_authn',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
      providers: { p: { issuer: ISSUER, audiences: ['api'], local_jwks: { inline_string: jwks }, forward: true } },
      rules: [{ match: { prefix: '/' }, requires: { provider_name: 'p' } }],
    },
  };
  await configure(proxy, {
    clusters: [cluster('app', [app.port])],
    listeners: [httpListener('plain', 0, { route_config: routes, http_filters: [ROUTER] }), httpListener('jwt', 0, { route_config: routes, http_filters: [jwt, ROUTER] })],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (port: number, t = token): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent, headers: { authorization: `Bearer ${t}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  const per: Record<string, number[]> = { plain: [], repeated: [], fresh: [] };
  for (let r = 0; r < rounds; r++) {
    for (const variant of ['plain', 'repeated', 'fresh'] as const) {
      const port = proxy.port(variant === 'plain' ? 'plain' : 'jwt') as number;
      for (let i = 0; i < 50; i++) await get(port);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await get(port, variant === 'fresh' ? tokens[i] : token);
      (per[variant] as number[]).push(((performance.now() - t0) * 1000) / n);
    }
  }
  const plain = median(per['plain'] as number[]);
  console.log('over sockets (client, proxy and upstream in one process; µs per sequential keep-alive request, median of rounds):');
  console.log(`  without jwt_authn ${plain.toFixed(0)} µs`);
  for (const [variant, what] of [['repeated', 'the same token (verified-token cache hit)'], ['fresh', 'a new token each request (signature checked, key cached)']] as const) {
    const v = median(per[variant] as number[]);
    console.log(`  jwt_authn RS256, ${what}: ${v.toFixed(0)} µs, ${(v / plain).toFixed(2)}×, +${(v - plain).toFixed(0)} µs per request`);
  }
  agent.destroy();
  await proxy.close();
  await app.close();
}

await inProcess();
await overSockets();
