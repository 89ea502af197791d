// Semantic rules for RequestAuthentication (Istio's security/v1 shape): which
// JSON Web Tokens the selected workloads accept. The schema checks types and
// bounds; these check what the API server cannot: one rule per issuer, an
// inline JWKS that holds usable public keys (the proxies would refuse the
// config otherwise), a key-set URL the control plane may fetch (https; plain
// http only to a loopback address), header and cookie names the proxy can
// use, and a fetch timeout it can keep.

import crypto from 'node:crypto';
import { isIP } from 'node:net';
import { type Obj, type RuleContext, at, field, isObj, listAt, objAt, strAt, stringsAt } from './context.ts';
import { checkDuration, checkSelector } from './common.ts';
import { show } from './show.ts';

/** RFC 9110 token characters: what a header (and a cookie) name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether a host (as URL.hostname gives it) is a loopback address or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Why the control plane may not fetch keys from this URL, or undefined when
 * it may: https anywhere, plain http only to a loopback address (a test
 * issuer, `weft up`), since keys fetched in the clear can be replaced on the way.
 */
export function keySetUrlProblem(text: string): { readonly severity: 'error' | 'warning'; readonly message: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { severity: 'error', message: `${show(text)} is not a URL; write https://issuer.example.com/.well-known/jwks.json` };
  }
  if (url.username !== '' || url.password !== '') return { severity: 'error', message: 'must not carry credentials (user:password@): key sets are public' };
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) {
      return { severity: 'warning', message: `plain http is accepted only because ${url.hostname} is a loopback address (tests, weft up); an issuer elsewhere must be reached over https` };
    }
    return { severity: 'error', message: `must be https (got ${show(text)}): keys fetched over plain http could be replaced on the way; http is allowed only to a loopback address, for tests` };
  }
  return { severity: 'error', message: `must be an https URL (got the scheme ${show(url.protocol.slice(0, -1))})` };
}

/**
 * Why an inline JWKS cannot verify tokens, or undefined when every key in
 * it is a public signing key node can import: the same judgement the proxy's
 * jwt_authn filter makes, so a set that passes here is never refused there.
 */
export function inlineJwksProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${e instanceof Error ? e.message : String(e)}); write the key set as a JSON document: {"keys": [...]}`;
  }
  if (!isObj(doc)) return 'must be a JSON object with a "keys" list (a JSON Web Key Set)';
  const keys = doc['keys'];
  if (!Array.isArray(keys)) return 'has no "keys" list: a JSON Web Key Set is {"keys": [{"kty": "RSA", ...}]}';
  if (keys.length === 0) return 'has no keys: no token could verify';
  for (let i = 0; i < keys.length; i++) {
    const k: unknown = keys[i];
    const where = `keys[${i}]`;
    if (!isObj(k)) return `${where} is not a key object`;
    if (k['kty'] === 'oct') return `${where} is a symmetric (oct) key: HMAC secrets cannot be published; only RSA, EC and OKP public keys verify tokens here`;
    if ('d' in k) return `${where} is a private key: publish the public key only (remove "d" and the other private members)`;
    if (k['use'] !== undefined && k['use'] !== 'sig') return `${where} is for use ${show(k['use'])}, not signatures ("sig")`;
    try {
      crypto.createPublicKey({ key: k as crypto.JsonWebKey, format: 'jwk' });
    } catch (e) {
      return `${where} is not a usable public key (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return undefined;
}

export function requestAuthenticationRules(policy: Obj, ctx: RuleContext): void {
  const spec = objAt(policy, 'spec');
  if (spec === undefined) return;
  checkSelector(ctx, spec);
  const rules = listAt(spec, 'jwtRules');
  if (rules === undefined || rules.length === 0) {
    ctx.warn('spec.jwtRules', 'no jwtRules: this policy accepts no token and changes nothing; add a rule with the issuer and its keys');
    return;
  }
  const issuers = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const path = at('spec.jwtRules', i);
    const issuer = strAt(rule, 'issuer');
    if (issuer !== undefined && issuer !== '') {
      const first = issuers.get(issuer);
      if (first !== undefined) ctx.error(field(path, 'issuer'), `${show(issuer)} is already the issuer of spec.jwtRules[${first}]: write one rule per issuer`);
      else issuers.set(issuer, i);
      if (issuer.trim() !== issuer) ctx.error(field(path, 'issuer'), 'has leading or trailing spaces, which no token\'s iss claim has');
    }
    checkRule(ctx, rule, path, issuer);
  });
}

function checkRule(ctx: RuleContext, rule: Obj, path: string, issuer: string | undefined): void {
  const jwks = strAt(rule, 'jwks');
  const jwksUri = strAt(rule, 'jwksUri');
  if (jwks !== undefined && jwksUri !== undefined) ctx.error(path, 'set only one of jwks or jwksUri');
  if (jwks !== undefined && jwks !== '') {
    const why = inlineJwksProblem(jwks);
    if (why !== undefined) ctx.error(field(path, 'jwks'), why);
  }
  if (jwksUri !== undefined && jwksUri !== '') {
    const p = keySetUrlProblem(jwksUri);
    if (p !== undefined) (p.severity === 'error' ? ctx.error : ctx.warn)(field(path, 'jwksUri'), p.message);
  }
  if (jwks === undefined && jwksUri === undefined && issuer !== undefined && issuer !== '') {
    // OpenID Connect discovery: the keys are at the jwks_uri of ISSUER/.well-known/openid-configuration.
    const p = /^[a-z][a-z0-9+.-]*:\/\//i.test(issuer) ? keySetUrlProblem(issuer) : { severity: 'error' as const, message: 'is not a URL' };
    if (p !== undefined && p.severity === 'error') {
      ctx.error(field(path, 'issuer'), `without jwksUri or jwks the keys are found by OpenID Connect discovery from the issuer, which ${p.message.startsWith('must') ? p.message.replace(/^must/, 'must then') : p.message}; set jwksUri (or jwks)`);
    } else if (p !== undefined) ctx.warn(field(path, 'issuer'), `the keys are found by OpenID Connect discovery from the issuer: ${p.message}`);
  }
  (listAt(rule, 'audiences') ?? []).forEach((a, j) => {
    if (a === '') ctx.error(at(field(path, 'audiences'), j), 'must not be empty: leave audiences out to accept any audience');
  });
  (listAt(rule, 'fromHeaders') ?? []).forEach((h, j) => {
    if (!isObj(h)) return;
    const hp = at(field(path, 'fromHeaders'), j);
    const name = strAt(h, 'name');
    if (name !== undefined && name !== '') checkHeaderName(ctx, field(hp, 'name'), name);
    const prefix = strAt(h, 'prefix');
    if (prefix !== undefined && /[\r\n\0]/.test(prefix)) ctx.error(field(hp, 'prefix'), 'must not contain CR, LF or NUL');
  });
  for (const [c, j] of stringsAt(rule, 'fromCookies')) {
    if (c !== '' && !TOKEN.test(c)) ctx.error(at(field(path, 'fromCookies'), j), `${show(c)} is not a cookie name (letters, digits and !#$%&'*+-.^_\`|~)`);
  }
  for (const [q, j] of stringsAt(rule, 'fromParams')) {
    if (/[&=#\s]/.test(q)) ctx.error(at(field(path, 'fromParams'), j), `${show(q)} is not a query parameter name (no &, =, # or spaces)`);
  }
  const out = strAt(rule, 'outputPayloadToHeader');
  if (out !== undefined && out !== '') checkHeaderName(ctx, field(path, 'outputPayloadToHeader'), out);
  (listAt(rule, 'outputClaimToHeaders') ?? []).forEach((c, j) => {
    if (!isObj(c)) return;
    const header = strAt(c, 'header');
    if (header !== undefined && header !== '') checkHeaderName(ctx, field(at(field(path, 'outputClaimToHeaders'), j), 'header'), header);
  });
  const timeoutMs = checkDuration(ctx, rule, 'timeout', path);
  if (timeoutMs !== undefined) {
    if (jwksUri === undefined && jwks !== undefined) ctx.warn(field(path, 'timeout'), 'applies to fetching jwksUri; with an inline jwks nothing is fetched');
    else if (timeoutMs > 60_000) ctx.warn(field(path, 'timeout'), `${show(strAt(rule, 'timeout'))} is long: key-set fetches give up after 60s at most`);
  }
}

function checkHeaderName(ctx: RuleContext, path: string, name: string): void {
  if (name.startsWith(':')) ctx.error(path, `${show(name)} is a pseudo-header; name an ordinary header`);
  else if (!TOKEN.test(name)) ctx.error(path, `${show(name)} is not a header name (letters, digits and !#$%&'*+-.^_\`|~)`);
}
