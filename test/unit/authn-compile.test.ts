// RequestAuthentication → jwt_authn in the selected workloads' inbound HTTP
// connection managers: which workloads, what the providers say, where the
// filter sits, how key sets are inlined (and refused while unknown), and that
// the proxy's own parser accepts what the compiler emits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAuthentication } from '../../operator/api/model.ts';
import { UNUSABLE_JWKS, compileAuthn, keySetFetch, keySetFetches } from '../../operator/compile/authn.ts';
import { compileProxy } from '../../operator/compile/proxy.ts';
import type { KeySet, MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { parseJwtAuthn } from '../../proxy/http/jwt/config.ts';
import { shopMesh, settings, policy } from '../golden/meshes.ts';

const JWKS = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] });

const ra = (namespace: string, name: string, spec: RequestAuthentication['spec']): RequestAuthentication => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'RequestAuthentication',
  metadata: { name, namespace },
  spec,
});

type Filter = { name: string; typed_config: Record<string, unknown> };

function inboundFilters(mesh: MeshSnapshot, workload: string, namespace = 'shop'): Filter[][] {
  const cfg = compileProxy(mesh, { namespace, workload });
  const inbound = cfg.listeners.find((l) => l.name === 'virtualInbound');
  assert.ok(inbound !== undefined);
  const chains = (inbound.resource['filter_chains'] ?? []) as { filters: { name: string; typed_config: { http_filters?: Filter[] } }[] }[];
  return chains.flatMap((c) => c.filters.filter((f) => f.name === 'envoy.filters.network.http_connection_manager').map((f) => f.typed_config.http_filters ?? []));
}

test('a policy with a selector gives its workloads jwt_authn before RBAC; others get nothing', () => {
  const mesh: MeshSnapshot = {
    ...shopMesh(),
    requestAuthentications: [ra('shop', 'reviews-jwt', { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: 'https://a.test', jwks: JWKS }] })],
    authorizationPolicies: [policy('shop', 'need-jwt', { selector: { matchLabels: { app: 'reviews' } }, rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] })],
  };
  const chains = inboundFilters(mesh, 'reviews-v1');
  assert.ok(chains.length > 0);
  for (const filters of chains) {
    assert.deepEqual(filters.map((f) => f.name), ['envoy.filters.http.jwt_authn', 'envoy.filters.http.rbac', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
  }
  for (const filters of inboundFilters(mesh, 'ratings')) assert.ok(!filters.some((f) => f.name === 'envoy.filters.http.jwt_authn'));
});

test('the filter is Istio\'s: one provider per rule, any one or none, CORS preflight bypassed, and the proxy parses it', () => {
  const policies = [
    ra('shop', 'b', { jwtRules: [{ issuer: 'https://b.test', jwksUri: 'https://b.test/keys', fromHeaders: [{ name: 'x-token', prefix: 'Token ' }], fromParams: ['tok'], fromCookies: ['session'], forwardOriginalToken: true, outputPayloadToHeader: 'x-payload', outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] }] }),
    ra('shop', 'a', { jwtRules: [{ issuer: 'https://a.test', audiences: ['shop', 'web'], jwks: JWKS }] }),
  ];
  const keySets = { 'https://b.test/keys': { state: 'ready' as const, jwks: JWKS } };
  const r = compileAuthn(policies, { namespace: 'shop', labels: { app: 'x' } }, settings, keySets);
  assert.deepEqual(r.applied.map((x) => x.name), ['a', 'b']);
  assert.ok(r.filter !== undefined);
  const cfg = r.filter.typed_config as Record<string, unknown>;
  assert.deepEqual(cfg, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
    providers: {
      'origins-0': { issuer: 'https://a.test', audiences: ['shop', 'web'], local_jwks: { inline_string: JWKS }, payload_in_metadata: 'https://a.test' },
      'origins-1': {
        issuer: 'https://b.test',
        local_jwks: { inline_string: JWKS },
        forward: true,
        from_headers: [{ name: 'x-token', value_prefix: 'Token ' }],
        from_params: ['tok'],
        from_cookies: ['session'],
        forward_payload_header: 'x-payload',
        payload_in_metadata: 'https://b.test',
        claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }],
      },
    },
    rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { allow_missing: {} }] } } }],
    bypass_cors_preflight: true,
  });
  const parsed = parseJwtAuthn(cfg, 'jwt_authn');
  assert.equal(parsed.providers.size, 2);
  assert.equal(parsed.bypassCorsPreflight, true);
  const req = parsed.rules[0]?.requirement;
  assert.equal(req?.kind, 'any');
});

test('a key set not fetched, pending or failed gives the provider a key nobody holds', () => {
  const policies = [ra('shop', 'p', { jwtRules: [{ issuer: 'https://b.test', jwksUri: 'https://b.test/keys' }] })];
  const cases: Readonly<Record<string, KeySet>>[] = [{}, { 'https://b.test/keys': { state: 'pending' } }, { 'https://b.test/keys': { state: 'failed', reason: 'HTTP 500' } }];
  for (const keySets of cases) {
    const r = compileAuthn(policies, { namespace: 'shop', labels: {} }, settings, keySets);
    const providers = (r.filter?.typed_config as { providers: Record<string, { local_jwks: { inline_string: string } }> }).providers;
    assert.equal(providers['origins-0']?.local_jwks.inline_string, UNUSABLE_JWKS);
  }
  // The unusable set is still a valid public key, so the proxy accepts the config (and refuses the tokens).
  const r = compileAuthn(policies, { namespace: 'shop', labels: {} }, settings, {});
  assert.doesNotThrow(() => parseJwtAuthn(r.filter?.typed_config, 'jwt_authn'));
});

test('selection: the namespace\'s policies and the root namespace\'s (mesh-wide); not another namespace\'s', () => {
  const policies = [
    ra('weft-system', 'mesh-wide', { jwtRules: [{ issuer: 'https://root.test', jwks: JWKS }] }),
    ra('other', 'elsewhere', { jwtRules: [{ issuer: 'https://other.test', jwks: JWKS }] }),
    ra('shop', 'selected', { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: 'https://shop.test', jwks: JWKS }] }),
    ra('shop', 'not-selected', { selector: { matchLabels: { app: 'ratings' } }, jwtRules: [{ issuer: 'https://nope.test', jwks: JWKS }] }),
  ];
  const r = compileAuthn(policies, { namespace: 'shop', labels: { app: 'reviews', version: 'v1' } }, settings, {});
  assert.deepEqual(r.applied.map((x) => `${x.namespace}/${x.name}`), ['shop/selected', 'weft-system/mesh-wide']);
  const providers = (r.filter?.typed_config as { providers: Record<string, { issuer: string }> }).providers;
  assert.deepEqual(Object.values(providers).map((p) => p.issuer), ['https://shop.test', 'https://root.test']);
  // A policy without rules applies but emits nothing.
  const empty = compileAuthn([ra('shop', 'empty', {})], { namespace: 'shop', labels: {} }, settings, {});
  assert.equal(empty.filter, undefined);
  assert.equal(empty.applied.length, 1);
});

test('key sets to fetch: jwksUri, or OpenID Connect discovery from the issuer; inline jwks fetches nothing; one fetch per URL', () => {
  assert.equal(keySetFetch({ issuer: 'https://a.test', jwks: JWKS }), undefined);
  assert.deepEqual(keySetFetch({ issuer: 'https://a.test', jwksUri: 'https://a.test/k', timeout: '2s' }), { key: 'https://a.test/k', url: 'https://a.test/k', discovery: false, timeoutMs: 2000 });
  assert.deepEqual(keySetFetch({ issuer: 'https://a.test/' }), { key: 'oidc:https://a.test/.well-known/openid-configuration', url: 'https://a.test/.well-known/openid-configuration', discovery: true, timeoutMs: 5000 });
  const f = keySetFetches([
    ra('x', 'one', { jwtRules: [{ issuer: 'https://a.test', jwksUri: 'https://k.test/jwks', timeout: '1s' }] }),
    ra('y', 'two', { jwtRules: [{ issuer: 'https://b.test', jwksUri: 'https://k.test/jwks', timeout: '3s' }, { issuer: 'https://c.test', jwks: JWKS }] }),
  ]);
  assert.deepEqual(f, [{ key: 'https://k.test/jwks', url: 'https://k.test/jwks', discovery: false, timeoutMs: 3000 }]);
});

test('the output is deterministic: policy order in the snapshot does not matter', () => {
  const a = ra('shop', 'a', { jwtRules: [{ issuer: 'https://a.test', jwks: JWKS }] });
  const b = ra('shop', 'b', { jwtRules: [{ issuer: 'https://b.test', jwks: JWKS }] });
  const one = JSON.stringify(inboundFilters({ ...shopMesh(), requestAuthentications: [a, b] }, 'frontend'));
  const two = JSON.stringify(inboundFilters({ ...shopMesh(), requestAuthentications: [b, a] }, 'frontend'));
  assert.equal(one, two);
  assert.match(one, /origins-1/);
});
