// Tokens from a request, and the cheap checks Envoy makes before any
// cryptography: shape, base64url, JSON, claim types, issuer, time window and
// audience, each failure with jwt_verify_lib's status string (the 401 body).
// Network input is hostile: a token is bounded in size and its JSON in
// nesting depth before anything walks it, so a crafted token costs at most a
// linear scan of a few kilobytes.

import type { ProxyRequest } from '../request.ts';
import { JWT_ALGORITHMS, type JwtProvider, type TokenLocation } from './config.ts';

/** jwt_verify_lib's status strings (Envoy answers them as the 401/403 body). */
export const JwtStatus = {
  missing: 'Jwt is missing',
  expired: 'Jwt is expired',
  notYetValid: 'Jwt not yet valid',
  badFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  headerBadBase64: 'Jwt header is an invalid Base64url encoded',
  headerBadJson: 'Jwt header is an invalid JSON',
  headerBadAlg: 'Jwt header [alg] field is required and must be a string',
  headerAlgNotSupported: 'Jwt header [alg] is not supported',
  headerBadKid: 'Jwt header [kid] field is not a string',
  payloadBadBase64: 'Jwt payload is an invalid Base64url encoded',
  payloadBadJson: 'Jwt payload is an invalid JSON',
  issNotString: 'Jwt payload [iss] field is not a string',
  subNotString: 'Jwt payload [sub] field is not a string',
  iatNotInteger: 'Jwt payload [iat] field is not an integer',
  nbfNotInteger: 'Jwt payload [nbf] field is not an integer',
  expNotInteger: 'Jwt payload [exp] field is not an integer',
  audNotString: 'Jwt payload [aud] field is not a string or string list',
  signatureBadBase64: 'Jwt signature is an invalid Base64url encoded',
  unknownIssuer: 'Jwt issuer is not configured',
  audienceNotAllowed: 'Audiences in Jwt are not allowed',
  verificationFails: 'Jwt verification fails',
  kidAlgMismatch: "Jwks doesn't have key to match kid or alg from Jwt",
  fetchFailed: 'Jwks remote fetch is failed',
} as const;
export type JwtStatusText = (typeof JwtStatus)[keyof typeof JwtStatus];

/** Tokens longer than this are refused unread (real tokens are 1–4 KiB; Envoy bounds them by its header limit only). */
export const MAX_TOKEN_BYTES = 16 * 1024;
/** JSON nested deeper than this is refused before parsing (no claim set needs it; a nesting bomb would). */
export const MAX_JSON_DEPTH = 32;

export interface FoundToken {
  readonly token: string;
  readonly location: TokenLocation;
}

function cookieValue(req: ProxyRequest, name: string): string | undefined {
  const h = req.headers;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== 'cookie') continue;
    for (const part of (h[i + 1] as string).split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() !== name) continue;
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v;
    }
  }
  return undefined;
}

/** Adds the tokens found at `locations` to `out` (each token once). */
export function extractTokens(req: ProxyRequest, locations: readonly TokenLocation[], out: FoundToken[]): void {
  for (const loc of locations) {
    let token: string | undefined;
    if (loc.kind === 'header') {
      const h = req.headers;
      for (let i = 0; i < h.length; i += 2) {
        if (h[i] !== loc.name) continue;
        const v = (h[i + 1] as string).trim();
        if (loc.prefix === '') token = v;
        // The scheme is case-insensitive (RFC 7235), so "bearer x" works as "Bearer x".
        else if (v.length > loc.prefix.length && v.slice(0, loc.prefix.length).toLowerCase() === loc.prefix.toLowerCase()) token = v.slice(loc.prefix.length).trim();
        if (token !== undefined) break;
      }
    } else if (loc.kind === 'param') token = req.queryParam(loc.name);
    else token = cookieValue(req, loc.name);
    if (token === undefined || token === '') continue;
    if (!out.some((t) => t.token === token)) out.push({ token, location: loc });
  }
}

/** Removes a verified token from where it was found (forward: false): its header. Query parameters and cookies stay, as in Envoy. */
export function removeToken(req: ProxyRequest, found: FoundToken): void {
  if (found.location.kind !== 'header') return;
  const h = req.headers;
  const name = found.location.name;
  for (let i = h.length - 2; i >= 0; i -= 2) if (h[i] === name) h.splice(i, 2);
}

export interface ParsedJwt {
  readonly token: string;
  readonly alg: string;
  readonly kid: string | undefined;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The payload segment as sent (base64url), for forward_payload_header. */
  readonly payloadB64: string;
  readonly iss: string | undefined;
  readonly audiences: readonly string[];
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** The deepest nesting of objects and arrays in a JSON text (strings skipped); stops counting past `limit`. */
function jsonDepth(s: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

function decodeSegment(seg: string): Readonly<Record<string, unknown>> | 'base64' | 'json' {
  if (!B64URL.test(seg) || seg.length % 4 === 1) return 'base64';
  const text = Buffer.from(seg, 'base64url').toString('utf8');
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return 'json';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'json';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'json';
  return v as Record<string, unknown>;
}

const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Shape and claim types, without keys. */
export function parseJwt(token: string): ParsedJwt | JwtStatusText {
  if (token.length > MAX_TOKEN_BYTES) return JwtStatus.badFormat;
  const d1 = token.indexOf('.');
  const d2 = d1 < 0 ? -1 : token.indexOf('.', d1 + 1);
  if (d1 < 0 || d2 < 0 || token.indexOf('.', d2 + 1) >= 0) return JwtStatus.badFormat;
  const header = decodeSegment(token.slice(0, d1));
  if (header === 'base64') return JwtStatus.headerBadBase64;
  if (header === 'json') return JwtStatus.headerBadJson;
  const alg = header['alg'];
  if (typeof alg !== 'string') return JwtStatus.headerBadAlg;
  if (!JWT_ALGORITHMS.includes(alg)) return JwtStatus.headerAlgNotSupported;
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') return JwtStatus.headerBadKid;
  // No JWS extension is understood here, so a token that marks one critical is refused (RFC 7515 §4.1.11).
  if (header['crit'] !== undefined) return JwtStatus.verificationFails;
  const payloadB64 = token.slice(d1 + 1, d2);
  const payload = decodeSegment(payloadB64);
  if (payload === 'base64') return JwtStatus.payloadBadBase64;
  if (payload === 'json') return JwtStatus.payloadBadJson;
  const sig = token.slice(d2 + 1);
  if (sig === '' || !B64URL.test(sig) || sig.length % 4 === 1) return JwtStatus.signatureBadBase64;
  // Canonical encoding only: a last character that differs in its unused bits decodes to the same
  // signature, and one token must have one spelling (the signing input covers header and payload, not this).
  if (Buffer.from(sig, 'base64url').toString('base64url') !== sig) return JwtStatus.signatureBadBase64;
  const iss = payload['iss'];
  if (iss !== undefined && typeof iss !== 'string') return JwtStatus.issNotString;
  if (payload['sub'] !== undefined && typeof payload['sub'] !== 'string') return JwtStatus.subNotString;
  if (payload['iat'] !== undefined && !isTime(payload['iat'])) return JwtStatus.iatNotInteger;
  if (payload['nbf'] !== undefined && !isTime(payload['nbf'])) return JwtStatus.nbfNotInteger;
  if (payload['exp'] !== undefined && !isTime(payload['exp'])) return JwtStatus.expNotInteger;
  const aud = payload['aud'];
  let audiences: readonly string[] = [];
  if (typeof aud === 'string') audiences = [aud];
  else if (Array.isArray(aud)) {
    if (!aud.every((a) => typeof a === 'string')) return JwtStatus.audNotString;
    audiences = aud as string[];
  } else if (aud !== undefined) return JwtStatus.audNotString;
  return {
    token,
    alg,
    kid: kid as string | undefined,
    payload,
    payloadB64,
    iss: iss as string | undefined,
    audiences,
    exp: payload['exp'] as number | undefined,
    nbf: payload['nbf'] as number | undefined,
  };
}

/** Envoy's audience comparison ignores an http(s) scheme and a trailing slash. */
const normaliseAudience = (a: string): string => a.replace(/^https?:\/\//, '').replace(/\/$/, '');

/** The provider's checks before the signature: issuer, time window (with clock skew), audience. 403 only for the audience. */
export function checkClaims(jwt: ParsedJwt, p: JwtProvider, nowS: number): JwtStatusText | undefined {
  if (p.issuer !== '' && jwt.iss !== p.issuer) return JwtStatus.unknownIssuer;
  if (jwt.nbf !== undefined && nowS + p.clockSkewS < jwt.nbf) return JwtStatus.notYetValid;
  if (jwt.exp !== undefined && nowS > jwt.exp + p.clockSkewS) return JwtStatus.expired;
  if (p.requireExpiration && jwt.exp === undefined) return JwtStatus.expired;
  if (p.maxLifetimeS > 0 && (jwt.exp === undefined || jwt.exp - nowS > p.maxLifetimeS)) return JwtStatus.expired;
  if (p.audiences.length > 0) {
    const allowed = p.audiences.map(normaliseAudience);
    if (!jwt.audiences.some((a) => allowed.includes(normaliseAudience(a)))) return JwtStatus.audienceNotAllowed;
  }
  return undefined;
}
