// The contract between the JWT filter and the RBAC filter, as Istio defines
// it: after validating a token, the JWT filter sets dynamic metadata under the
// filter namespace `istio_authn`, and the RBAC policies that the compiler
// emits for requestPrincipals and request.auth.* conditions read exactly these
// keys (operator/compile/authz.ts):
//
//   request.auth.principal  string  "<iss>/<sub>"; set only when both claims are strings
//   request.auth.audiences  list    the `aud` claim as a list of strings (a string aud becomes one item)
//   request.auth.presenter  string  the `azp` claim
//   request.auth.claims     struct  the whole validated payload: objects as structs, arrays as lists
//
// A request without a valid token has no `istio_authn` metadata at all, so
// every request.auth matcher fails and its negation holds (notRequestPrincipals
// matches an unauthenticated request, as in Istio). Claim matchers accept a
// string claim or any string element of a list claim.

import type { MetadataStruct, MetadataValue } from './request.ts';

export const ISTIO_AUTHN_FILTER = 'istio_authn';

export const AuthnKey = {
  principal: 'request.auth.principal',
  audiences: 'request.auth.audiences',
  presenter: 'request.auth.presenter',
  claims: 'request.auth.claims',
} as const;

/** A decoded, already validated JWT payload. */
export type JwtPayload = Readonly<Record<string, unknown>>;

/** JSON values from a token as metadata values; anything else (undefined, functions) is dropped. */
function toMetadata(v: unknown): MetadataValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v)) {
    const out: MetadataValue[] = [];
    for (const item of v) {
      const m = toMetadata(item);
      if (m !== undefined) out.push(m);
    }
    return Object.freeze(out);
  }
  if (typeof v === 'object') {
    const out: Record<string, MetadataValue> = {};
    for (const [k, item] of Object.entries(v)) {
      const m = toMetadata(item);
      if (m !== undefined) out[k] = m;
    }
    return Object.freeze(out);
  }
  return undefined;
}

/** The `istio_authn` metadata struct for a validated token's payload. */
export function authnMetadata(payload: JwtPayload): MetadataStruct {
  const out: Record<string, MetadataValue> = {};
  const iss = payload['iss'];
  const sub = payload['sub'];
  if (typeof iss === 'string' && typeof sub === 'string') out[AuthnKey.principal] = `${iss}/${sub}`;
  const aud = payload['aud'];
  if (typeof aud === 'string') out[AuthnKey.audiences] = Object.freeze([aud]);
  else if (Array.isArray(aud)) out[AuthnKey.audiences] = Object.freeze(aud.filter((a): a is string => typeof a === 'string'));
  const azp = payload['azp'];
  if (typeof azp === 'string') out[AuthnKey.presenter] = azp;
  const claims = toMetadata(payload);
  if (claims !== undefined) out[AuthnKey.claims] = claims;
  return Object.freeze(out);
}
