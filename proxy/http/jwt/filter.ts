// envoy.filters.http.jwt_authn: finds the requirement for the request (the
// route's PerRouteConfig, else the first matching rule), extracts tokens,
// verifies them (cheap checks first, then the signature with jose), and
// either answers 401/403 as Envoy does or lets the request go on with the
// verified payloads in dynamic metadata: `istio_authn` (what the RBAC filter
// reads for requestPrincipals and request.auth.* — rbac/authn-metadata.ts)
// and `envoy.filters.http.jwt_authn` under each provider's payload_in_metadata.
//
// A request with no token where none is needed is decided synchronously; a
// signature check is asynchronous (WebCrypto), so the filter stops the chain
// and resumes it when the verdict is in.

import { jose } from './jose.ts';
import { CONTINUE, STOP, type FilterStatus, type HttpFilter } from '../filter.ts';
import type { Exchange } from '../exchange.ts';
import { routeMatches } from '../router/select.ts';
import { authnMetadata, AuthnKey, ISTIO_AUTHN_FILTER } from '../rbac/authn-metadata.ts';
import type { MetadataStruct, MetadataValue } from '../rbac/request.ts';
import { JWT_ALGORITHMS, type JwtAuthnConfig, type JwtProvider, type JwtRequirement } from './config.ts';
import { keySet, RemoteJwks, type FetchContext, type KeySet } from './jwks.ts';
import { checkClaims, extractTokens, JwtStatus, parseJwt, removeToken, type FoundToken, type JwtStatusText, type ParsedJwt } from './token.ts';
import { JWT_AUTHN_FILTER } from './per-route.ts';

const OK = 'OK';
type Verdict = typeof OK | JwtStatusText;
type Pending = Verdict | Promise<Verdict>;

/** Envoy caps the realm URI of WWW-Authenticate at 256 characters. */
const MAX_REALM = 256;

export class JwtAuthnFilter implements HttpFilter {
  readonly name: string;
  readonly config: JwtAuthnConfig;
  readonly #local = new Map<string, KeySet>();
  readonly #remote = new Map<string, RemoteJwks>();
  /** Header names a client must not set itself: the filter writes them from verified tokens only. */
  readonly #sanitise: readonly string[];
  #prefetched = false;
  /** Verified tokens per provider (LRU by Map order), with the key set that verified them: new keys, new verification. */
  readonly #verified = new Map<string, Map<string, Verified>>();
  allowed = 0;
  denied = 0;

  constructor(name: string, config: JwtAuthnConfig) {
    this.name = name;
    this.config = config;
    const sanitise = new Set<string>();
    for (const p of config.providers.values()) {
      if (p.jwks.kind === 'local') this.#local.set(p.name, keySet(p.jwks.jwks));
      else this.#remote.set(p.name, new RemoteJwks(p.name, p.jwks));
      if (p.forwardPayloadHeader !== '') sanitise.add(p.forwardPayloadHeader);
      for (const c of p.claimToHeaders) sanitise.add(c.header);
    }
    this.#sanitise = Object.freeze([...sanitise]);
  }

  /** Envoy's jwt_authn counters for /stats. */
  counters(): { allowed: number; denied: number; jwksFetchSuccess: number; jwksFetchFailed: number } {
    let ok = 0;
    let failed = 0;
    for (const r of this.#remote.values()) {
      ok += r.fetches - r.failures;
      failed += r.failures;
    }
    return { allowed: this.allowed, denied: this.denied, jwksFetchSuccess: ok, jwksFetchFailed: failed };
  }

  /** The remote key set of a provider (tests and admin read its fetch counters). */
  remoteJwks(provider: string): RemoteJwks | undefined {
    return this.#remote.get(provider);
  }

  onRequest(x: Exchange): FilterStatus {
    const cfg = this.config;
    const req = x.request;
    if (!this.#prefetched) this.#prefetch(x);
    if (this.#sanitise.length > 0) stripHeaders(req.headers, this.#sanitise);
    if (cfg.bypassCorsPreflight && req.method === 'OPTIONS' && req.header('origin') !== undefined && req.header('access-control-request-method') !== undefined) return CONTINUE;
    let requirement: JwtRequirement | undefined;
    const perRoute = x.route?.jwt;
    if (perRoute !== undefined) {
      if (perRoute.kind === 'disabled') return CONTINUE;
      requirement = cfg.requirementMap.get(perRoute.name);
      if (requirement === undefined) {
        const msg = `Wrong requirement_name: ${perRoute.name}. It should be one of [${[...cfg.requirementMap.keys()].join(',')}]`;
        this.denied++;
        x.details = rcDetails(msg);
        x.localReply(403, cfg.stripFailureResponse ? '' : `Failed JWT authentication: ${msg}`);
        return STOP;
      }
    } else {
      for (const rule of cfg.rules) {
        if (routeMatches(rule.match, req, x.ctx.random)) {
          requirement = rule.requirement;
          break;
        }
      }
    }
    if (requirement === undefined || requirement.kind === 'none') return CONTINUE;
    const v = new Verification(this, x);
    let verdict: Pending;
    try {
      verdict = v.requirement(requirement);
    } catch (err) {
      x.ctx.onInternalError?.(err);
      verdict = JwtStatus.verificationFails;
    }
    if (typeof verdict === 'string') return v.finish(verdict) ? CONTINUE : STOP;
    verdict.then(
      (s) => {
        if (x.done) return;
        if (v.finish(s)) x.continueRequest();
      },
      (err: unknown) => {
        x.ctx.onInternalError?.(err);
        if (!x.done) v.finish(JwtStatus.verificationFails);
      },
    );
    return STOP;
  }

  onResponse(): void {}

  #prefetch(x: Exchange): void {
    this.#prefetched = true;
    const ctx = fetchContext(x);
    for (const r of this.#remote.values()) if (r.source.asyncFetch) r.prefetch(ctx);
  }

  /** The keys to verify a provider's tokens with (undefined: none available). */
  keys(p: JwtProvider, ctx: FetchContext): KeySet | Promise<KeySet | undefined> | undefined {
    return this.#local.get(p.name) ?? this.#remote.get(p.name)?.keys(ctx);
  }

  refetchForKid(p: JwtProvider, ctx: FetchContext): Promise<KeySet | undefined> | undefined {
    return this.#remote.get(p.name)?.refetchForKid(ctx);
  }

  /** A token whose signature was verified before (the caller checks the keys are still the provider's, and the claims). */
  verified(p: JwtProvider, token: string): Verified | undefined {
    const cache = this.#verified.get(p.name);
    const v = cache?.get(token);
    if (cache === undefined || v === undefined) return undefined;
    cache.delete(token);
    cache.set(token, v);
    return v;
  }

  forget(p: JwtProvider, token: string): void {
    this.#verified.get(p.name)?.delete(token);
  }

  rememberVerified(p: JwtProvider, token: string, keys: KeySet, jwt: ParsedJwt): void {
    let cache = this.#verified.get(p.name);
    if (cache === undefined) {
      cache = new Map();
      this.#verified.set(p.name, cache);
    }
    cache.set(token, { keys, jwt, meta: undefined });
    if (cache.size > p.jwtCacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
  }
}

function stripHeaders(h: string[], names: readonly string[]): void {
  for (let i = h.length - 2; i >= 0; i -= 2) if (names.includes(h[i] as string)) h.splice(i, 2);
}

function fetchContext(x: Exchange): FetchContext {
  const ctx = x.ctx;
  return { cluster: (n) => ctx.cluster(n), now: () => (ctx.now !== undefined ? ctx.now() : Date.now()), log: ctx.log };
}

const rcDetails = (msg: string): string => `jwt_authn_access_denied{${msg.replace(/\s/g, '_')}}`;

/** A token verified before: the keys that verified it, its parsed form and (once made) its istio_authn struct. */
interface Verified {
  readonly keys: KeySet;
  readonly jwt: ParsedJwt;
  meta: MetadataStruct | undefined;
}

interface Good {
  readonly provider: JwtProvider;
  readonly found: FoundToken;
  readonly jwt: ParsedJwt;
  readonly verified?: Verified | undefined;
}

/** One request's verification: tokens verified once each, the good ones remembered for the effects. */
class Verification {
  readonly #filter: JwtAuthnFilter;
  readonly #x: Exchange;
  readonly #ctx: FetchContext;
  readonly #nowMs: number;
  readonly #memo = new Map<string, Pending>();
  readonly #parsed = new Map<string, ParsedJwt | JwtStatusText>();
  readonly #good: Good[] = [];

  constructor(filter: JwtAuthnFilter, x: Exchange) {
    this.#filter = filter;
    this.#x = x;
    this.#ctx = fetchContext(x);
    this.#nowMs = this.#ctx.now();
  }

  requirement(r: JwtRequirement): Pending {
    switch (r.kind) {
      case 'none':
        return OK;
      case 'provider': {
        const found: FoundToken[] = [];
        extractTokens(this.#x.request, r.provider.locations, found);
        if (found.length === 0) return JwtStatus.missing;
        // Every token found must verify: a good token next to a bad one must not carry the bad one through.
        return this.#each(found, 0, (t) => this.#verify(r.provider, t), false);
      }
      case 'allow_missing':
      case 'allow_missing_or_failed': {
        const found: FoundToken[] = [];
        for (const p of r.providers) extractTokens(this.#x.request, p.locations, found);
        if (found.length === 0) return OK;
        const failedOk = r.kind === 'allow_missing_or_failed';
        return this.#each(found, 0, (t) => this.#verifyByIssuer(r.providers, t), failedOk);
      }
      case 'any':
        return this.#any(r.requirements, 0, JwtStatus.missing);
      case 'all':
        return this.#all(r.requirements, 0);
    }
  }

  /** OK when any child is; else the last child's status (Envoy's AnyVerifier). */
  #any(list: readonly JwtRequirement[], i: number, last: Verdict): Pending {
    for (; i < list.length; i++) {
      const s = this.requirement(list[i] as JwtRequirement);
      if (typeof s !== 'string') {
        const next = i + 1;
        return s.then((v) => (v === OK ? OK : this.#any(list, next, v)));
      }
      if (s === OK) return OK;
      last = s;
    }
    return last;
  }

  /** The first failure, else OK. */
  #all(list: readonly JwtRequirement[], i: number): Pending {
    for (; i < list.length; i++) {
      const s = this.requirement(list[i] as JwtRequirement);
      if (typeof s !== 'string') {
        const next = i + 1;
        return s.then((v) => (v === OK ? this.#all(list, next) : v));
      }
      if (s !== OK) return s;
    }
    return OK;
  }

  /** Verifies tokens in turn; stops at the first failure unless failures are allowed. */
  #each(found: readonly FoundToken[], i: number, verify: (t: FoundToken) => Pending, failedOk: boolean): Pending {
    for (; i < found.length; i++) {
      const s = verify(found[i] as FoundToken);
      if (typeof s !== 'string') {
        const next = i + 1;
        return s.then((v) => (v !== OK && !failedOk ? v : this.#each(found, next, verify, failedOk)));
      }
      if (s !== OK && !failedOk) return s;
    }
    return OK;
  }

  #parse(token: string): ParsedJwt | JwtStatusText {
    let p = this.#parsed.get(token);
    if (p === undefined) {
      p = parseJwt(token);
      this.#parsed.set(token, p);
    }
    return p;
  }

  /** allow_missing: the provider is the first whose issuer is the token's, else the first without an issuer. */
  #verifyByIssuer(providers: readonly JwtProvider[], t: FoundToken): Pending {
    const jwt = this.#parse(t.token);
    if (typeof jwt === 'string') return jwt;
    const p = providers.find((q) => q.issuer !== '' && q.issuer === jwt.iss) ?? providers.find((q) => q.issuer === '');
    if (p === undefined) return JwtStatus.unknownIssuer;
    return this.#verify(p, t);
  }

  #verify(p: JwtProvider, t: FoundToken): Pending {
    const key = `${p.name}\0${t.token}`;
    let v = this.#memo.get(key);
    if (v === undefined) {
      v = this.#verifyOnce(p, t);
      this.#memo.set(key, v);
    }
    return v;
  }

  #verifyOnce(p: JwtProvider, t: FoundToken): Pending {
    // A token seen before: its signature held with keys that are still the provider's; its claims are checked again (time passes).
    const seen = this.#filter.verified(p, t.token);
    if (seen !== undefined) {
      const claims = checkClaims(seen.jwt, p, Math.floor(this.#nowMs / 1000));
      if (claims !== undefined) return claims;
      if (this.#filter.keys(p, this.#ctx) === seen.keys) {
        this.#good.push({ provider: p, found: t, jwt: seen.jwt, verified: seen });
        return OK;
      }
      this.#filter.forget(p, t.token);
    }
    const jwt = this.#parse(t.token);
    if (typeof jwt === 'string') return jwt;
    const claims = checkClaims(jwt, p, Math.floor(this.#nowMs / 1000));
    if (claims !== undefined) return claims;
    const keys = this.#filter.keys(p, this.#ctx);
    if (keys === undefined) return JwtStatus.fetchFailed;
    if (keys instanceof Promise) return keys.then((k) => (k === undefined ? JwtStatus.fetchFailed : this.#signature(p, t, jwt, k, true)));
    return this.#signature(p, t, jwt, keys, true);
  }

  async #signature(p: JwtProvider, t: FoundToken, jwt: ParsedJwt, keys: KeySet, mayRefetch: boolean): Promise<Verdict> {
    if (mayRefetch && jwt.kid !== undefined && !keys.kids.has(jwt.kid)) {
      // A kid we do not know: the issuer may have rotated its keys since we fetched them.
      const fresh = this.#filter.refetchForKid(p, this.#ctx);
      if (fresh !== undefined) {
        const k = await fresh;
        if (k !== undefined) return this.#signature(p, t, jwt, k, false);
      }
      return JwtStatus.kidAlgMismatch;
    }
    try {
      await jose().jwtVerify(jwt.token, keys.getKey, {
        algorithms: JWT_ALGORITHMS as string[],
        clockTolerance: p.clockSkewS,
        currentDate: new Date(this.#nowMs),
      });
    } catch (err) {
      return joseStatus(err);
    }
    this.#filter.rememberVerified(p, t.token, keys, jwt);
    this.#good.push({ provider: p, found: t, jwt });
    return OK;
  }

  /** Applies the verdict: true when the request goes on. */
  finish(verdict: Verdict): boolean {
    const x = this.#x;
    const f = this.#filter;
    if (verdict === OK) {
      f.allowed++;
      this.#effects();
      return true;
    }
    f.denied++;
    x.details = rcDetails(verdict);
    const status = verdict === JwtStatus.audienceNotAllowed ? 403 : 401;
    if (f.config.stripFailureResponse) {
      x.localReply(status, '');
      return false;
    }
    let challenge = `Bearer realm="${realm(x)}"`;
    if (verdict !== JwtStatus.missing) challenge += ', error="invalid_token"';
    x.localReply(status, verdict, ['www-authenticate', challenge]);
    return false;
  }

  #effects(): void {
    const x = this.#x;
    const req = x.request;
    let istio: MetadataStruct | undefined;
    let payloads: Record<string, MetadataValue> | undefined;
    const seen = new Set<string>();
    for (const g of this.#good) {
      const k = `${g.provider.name}\0${g.found.token}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const p = g.provider;
      let meta = g.verified?.meta;
      if (meta === undefined) {
        meta = authnMetadata(g.jwt.payload);
        if (g.verified !== undefined) g.verified.meta = meta;
      }
      istio ??= meta;
      if (p.payloadInMetadata !== '') {
        payloads ??= {};
        payloads[p.payloadInMetadata] = meta[AuthnKey.claims] ?? Object.freeze({});
      }
      if (p.forwardPayloadHeader !== '') {
        let b64 = g.jwt.payloadB64;
        if (p.padForwardPayloadHeader) b64 += '='.repeat((4 - (b64.length % 4)) % 4);
        req.headers.push(p.forwardPayloadHeader, b64);
      }
      for (const c of p.claimToHeaders) {
        const v = claimValue(g.jwt.payload, c.claim);
        if (v !== undefined) req.headers.push(c.header, v);
      }
      if (!p.forward) removeToken(req, g.found);
    }
    if (istio === undefined && payloads === undefined) return;
    const next: Record<string, MetadataStruct | undefined> = { ...x.metadata };
    if (istio !== undefined) next[ISTIO_AUTHN_FILTER] = istio;
    if (payloads !== undefined) next[JWT_AUTHN_FILTER] = Object.freeze(payloads);
    x.metadata = Object.freeze(next);
  }
}

/** Envoy's claim_to_headers value: a string, a number as an integer when it is one, or a boolean; "a.b" walks nested claims. */
function claimValue(payload: Readonly<Record<string, unknown>>, claim: string): string | undefined {
  let cur: unknown = payload;
  for (const part of claim.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  let s: string | undefined;
  if (typeof cur === 'string') s = cur;
  else if (typeof cur === 'number' && Number.isFinite(cur)) s = Number.isInteger(cur) && cur >= 0 ? String(cur) : cur.toFixed(6);
  else if (typeof cur === 'boolean') s = cur ? 'true' : 'false';
  // A header value never carries CR, LF or NUL, whatever the issuer put in the claim.
  return s === undefined || s === '' || /[\r\n\0]/.test(s) ? undefined : s;
}

/** The request's URI for the WWW-Authenticate realm: scheme://authority/path, no query, at most 256 characters. */
function realm(x: Exchange): string {
  const r = x.request;
  const uri = `${r.scheme}://${r.authority}${r.pathOnly()}`.replace(/["\\]/g, '');
  return uri.length > MAX_REALM ? uri.slice(0, MAX_REALM) : uri;
}

function joseStatus(err: unknown): JwtStatusText {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const claim = typeof err === 'object' && err !== null ? (err as { claim?: unknown }).claim : undefined;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return JwtStatus.expired;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') return JwtStatus.notYetValid;
      if (claim === 'iss') return JwtStatus.unknownIssuer;
      if (claim === 'aud') return JwtStatus.audienceNotAllowed;
      return JwtStatus.verificationFails;
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return JwtStatus.kidAlgMismatch;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return JwtStatus.headerAlgNotSupported;
    default:
      return JwtStatus.verificationFails;
  }
}
