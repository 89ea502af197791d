// RequestAuthentication → Envoy's envoy.filters.http.jwt_authn for one
// workload's inbound HTTP connection managers, as Istio compiles it:
//
// - every RequestAuthentication that selects the workload (its namespace's,
//   and the root namespace's, which apply mesh-wide) contributes its
//   jwtRules, ordered by namespace, name and position;
// - each rule becomes a provider `origins-N`: issuer, audiences, where the
//   token is (fromHeaders/fromParams/fromCookies, else Envoy's default
//   Authorization: Bearer then access_token), forward, forward_payload_header,
//   claim_to_headers, and the payload in metadata under the issuer;
// - one catch-all rule requires any one provider or none at all
//   (`allow_missing`): a request without a token passes unauthenticated
//   (AuthorizationPolicy decides, e.g. requestPrincipals: ["*"]), a token that
//   fails for its issuer is 401; CORS preflights pass (bypass_cors_preflight).
//   The proxy's filter puts the verified payload into the `istio_authn`
//   metadata the RBAC filters from AuthorizationPolicy read (authz.ts).
// - keys are always inline (local_jwks), as istiod does by default: an inline
//   jwks as written, a jwksUri (or the issuer's OpenID Connect discovery) as
//   the control plane fetched it (MeshSnapshot.keySets). Until a set is
//   fetched, or when it cannot be, the provider gets a key nobody holds, so
//   that issuer's tokens fail (401) instead of passing unverified.
//
// Pure: the key sets come in the snapshot; the same inputs give the same bytes.

import type { JsonObject, JsonValue } from '../../xds/codec.ts';
import { ExtensionTypeUrl, FilterName } from '../../xds/types.ts';
import type { JWTRule, RequestAuthentication, ResourceRef } from '../api/model.ts';
import { durationMs } from '../api/duration.ts';
import type { KeySet, MeshSettings } from './snapshot.ts';
import type { EnvoyFilter } from './types.ts';
import { byNamespaceAndName, policyApplies, type AuthzWorkload } from './authz.ts';

/** How long the control plane waits for a key set when the rule says nothing (Istio's default). */
export const DEFAULT_KEY_SET_TIMEOUT_MS = 5_000;

/**
 * An RSA public key whose private half was never kept: what a provider
 * verifies with while its real keys are unknown, so no token passes.
 */
export const UNUSABLE_JWKS = JSON.stringify({
  keys: [
    {
      kty: 'RSA',
      kid: 'weft-no-key-set',
      alg: 'RS256',
      use: 'sig',
      n: 'q5jb9OdREevT7uB29lRSvcOfvkgaRm1nwfLaZPJuAv_PEW3yUUUhLW8jEuyQuVQzQ5L_jz_C0oacY7Hu8cyW8Jskz4n0Qk4NKU5HhuQgl6PQ5mokpBZLT_tA3bXm3rh1bsYTeY6XAto75cgSenbdyIR7b-KsylOqLeqNsfdzXNeFg5XdIiq3UbgV40bVQZvont_dgWUPso3S1vKZLRzd5jkRJMPXPHXKC3_VF36KbchHGpoD1P8HohD8E1GDhml5CGyxuTd5-5SLcOfu_xeebrwYXpNnrcMAfzpEPSERkuJYy4N9HPOUP4yZfoV5hS2y0ae1LHXpBup60k6koo08DQ',
      e: 'AQAB',
    },
  ],
});

/** A key set the control plane fetches: from jwksUri, or found by OpenID Connect discovery from the issuer. */
export interface KeySetFetch {
  /** The key in MeshSnapshot.keySets. */
  readonly key: string;
  /** jwksUri, or the issuer's discovery document (ISSUER/.well-known/openid-configuration). */
  readonly url: string;
  readonly discovery: boolean;
  readonly timeoutMs: number;
}

/** Where a rule's keys are fetched from; undefined for an inline jwks. */
export function keySetFetch(rule: JWTRule): KeySetFetch | undefined {
  if (rule.jwks !== undefined) return undefined;
  const timeoutMs = rule.timeout !== undefined ? durationMs(rule.timeout) : DEFAULT_KEY_SET_TIMEOUT_MS;
  if (rule.jwksUri !== undefined) return { key: rule.jwksUri, url: rule.jwksUri, discovery: false, timeoutMs };
  const url = `${rule.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  return { key: `oidc:${url}`, url, discovery: true, timeoutMs };
}

/** Every key set the policies need fetched, once each (the longest timeout any rule gives it), sorted by key. */
export function keySetFetches(policies: readonly RequestAuthentication[]): KeySetFetch[] {
  const byKey = new Map<string, KeySetFetch>();
  for (const p of policies) {
    for (const rule of p.spec.jwtRules ?? []) {
      const f = keySetFetch(rule);
      if (f === undefined) continue;
      const was = byKey.get(f.key);
      if (was === undefined || was.timeoutMs < f.timeoutMs) byKey.set(f.key, f);
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface AuthnResult {
  /** The jwt_authn filter, or undefined when no policy with rules applies. */
  readonly filter: EnvoyFilter | undefined;
  /** Every policy that applies to the workload, for status and `weft compile`. */
  readonly applied: readonly ResourceRef[];
}

/** The inline JWKS a rule's provider verifies with. */
function jwksOf(rule: JWTRule, keySets: Readonly<Record<string, KeySet>>): string {
  if (rule.jwks !== undefined) return rule.jwks;
  const fetch = keySetFetch(rule);
  const set = fetch === undefined ? undefined : keySets[fetch.key];
  return set?.state === 'ready' ? set.jwks : UNUSABLE_JWKS;
}

function provider(rule: JWTRule, keySets: Readonly<Record<string, KeySet>>): JsonObject {
  const p: Record<string, JsonValue> = { issuer: rule.issuer };
  if (rule.audiences !== undefined && rule.audiences.length > 0) p['audiences'] = [...rule.audiences];
  p['local_jwks'] = { inline_string: jwksOf(rule, keySets) };
  if (rule.forwardOriginalToken === true) p['forward'] = true;
  if (rule.fromHeaders !== undefined && rule.fromHeaders.length > 0) {
    p['from_headers'] = rule.fromHeaders.map((h): JsonObject => (h.prefix !== undefined && h.prefix !== '' ? { name: h.name, value_prefix: h.prefix } : { name: h.name }));
  }
  if (rule.fromParams !== undefined && rule.fromParams.length > 0) p['from_params'] = [...rule.fromParams];
  if (rule.fromCookies !== undefined && rule.fromCookies.length > 0) p['from_cookies'] = [...rule.fromCookies];
  if (rule.outputPayloadToHeader !== undefined && rule.outputPayloadToHeader !== '') p['forward_payload_header'] = rule.outputPayloadToHeader;
  p['payload_in_metadata'] = rule.issuer;
  if (rule.outputClaimToHeaders !== undefined && rule.outputClaimToHeaders.length > 0) {
    p['claim_to_headers'] = rule.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  }
  return p;
}

/**
 * The jwt_authn filter for one workload's inbound HTTP connection managers,
 * placed before the RBAC filters. Pure and deterministic.
 */
export function compileAuthn(
  policies: readonly RequestAuthentication[],
  workload: AuthzWorkload,
  settings: Pick<MeshSettings, 'rootNamespace'>,
  keySets: Readonly<Record<string, KeySet>>,
): AuthnResult {
  const applicable = policies.filter((p) => policyApplies(p, workload, settings.rootNamespace)).sort(byNamespaceAndName);
  const applied: ResourceRef[] = applicable.map((p) => ({
    group: 'weft.dev',
    kind: 'RequestAuthentication',
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name,
    ...(p.metadata.generation === undefined ? {} : { generation: p.metadata.generation }),
  }));
  const providers: Record<string, JsonValue> = {};
  const names: string[] = [];
  for (const p of applicable) {
    for (const rule of p.spec.jwtRules ?? []) {
      const name = `origins-${names.length}`;
      names.push(name);
      providers[name] = provider(rule, keySets);
    }
  }
  if (names.length === 0) return { filter: undefined, applied };
  const requirements: JsonValue[] = [...names.map((n) => ({ provider_name: n })), { allow_missing: {} }];
  return {
    filter: {
      name: FilterName.JwtAuthn,
      typed_config: {
        '@type': ExtensionTypeUrl.JwtAuthn,
        providers,
        rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements } } }],
        bypass_cors_preflight: true,
      },
    },
    applied,
  };
}
