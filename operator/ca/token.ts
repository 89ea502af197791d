// Who is asking for a certificate: authenticators that turn a bearer token
// into the workload identity it proves. The CA signs only that identity.
//
//   bootstrapTokens   local mode: a shared secret per workload, issued with it
//                     (`weft up` writes one per WorkloadEntry). The table is
//                     keyed by the token's SHA-256, so lookups do not compare
//                     secrets character by character.
//   tokenReview       Kubernetes: a ServiceAccount token (audience weft-ca)
//                     checked by the API server's TokenReview; the user it
//                     names, system:serviceaccount:NS:SA, is the identity.
//                     Positive answers are cached briefly (a token is
//                     presented once per renewal, but a restarting fleet
//                     presents many at once).
//   firstOf           tries several in order (local workloads next to
//                     Kubernetes ones).
//
// An authenticator answers `unauthenticated` for a token it does not accept
// and `unavailable` when it cannot tell (the API server is unreachable), so
// the service can say "retry" instead of "go away".

import { createHash, randomBytes } from 'node:crypto';
import { identityProblem, type WorkloadIdentity } from './spiffe.ts';

export type AuthResult =
  | { readonly ok: true; readonly identity: WorkloadIdentity; readonly via: string }
  | { readonly ok: false; readonly kind: 'unauthenticated' | 'unavailable'; readonly reason: string };

export interface Authenticator {
  authenticate(token: string): Promise<AuthResult>;
}

/** The longest bearer token accepted (ServiceAccount JWTs are ~1 KiB). */
export const MAX_TOKEN_BYTES = 8192;

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const denied = (reason: string): AuthResult => ({ ok: false, kind: 'unauthenticated', reason });

/** A new random bootstrap token (256 bits, base64url). */
export const newBootstrapToken = (): string => randomBytes(32).toString('base64url');

/** Thrown when a bootstrap token table cannot be used: where and what. */
export class TokenTableError extends Error {
  override readonly name = 'TokenTableError';
}

/**
 * Local mode: each token proves one identity. Tokens shorter than 16
 * characters are refused when the table is built (a guessable shared secret
 * is no secret).
 */
export function bootstrapTokens(entries: Iterable<readonly [token: string, identity: WorkloadIdentity]>, where = 'bootstrap tokens'): Authenticator {
  const table = new Map<string, WorkloadIdentity>();
  let i = 0;
  for (const [token, identity] of entries) {
    const at = `${where}: entry ${i + 1} (${identity.namespace}/${identity.serviceAccount})`;
    if (token.length < 16) throw new TokenTableError(`${at}: the token is ${token.length} characters; use at least 16 random characters (newBootstrapToken)`);
    const problem = identityProblem(identity);
    if (problem !== undefined) throw new TokenTableError(`${at}: ${problem}`);
    const h = tokenHash(token);
    if (table.has(h)) throw new TokenTableError(`${at}: the same token is already given to another entry; each workload needs its own`);
    table.set(h, Object.freeze({ namespace: identity.namespace, serviceAccount: identity.serviceAccount }));
    i++;
  }
  return {
    authenticate: async (token) => {
      const identity = table.get(tokenHash(token));
      return identity === undefined ? denied('the bootstrap token is not known') : { ok: true, identity, via: 'bootstrap-token' };
    },
  };
}

/**
 * Reads a bootstrap token table: one `TOKEN NAMESPACE/SERVICEACCOUNT` per
 * line, `#` comments and blank lines ignored. Errors name the line.
 */
export function parseBootstrapTokens(text: string, where: string): Array<[string, WorkloadIdentity]> {
  const out: Array<[string, WorkloadIdentity]> = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+([^/\s]+)\/(\S+)$/.exec(line);
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
      throw new TokenTableError(`${where}:${i + 1}: expected "TOKEN NAMESPACE/SERVICEACCOUNT"`);
    }
    out.push([m[1], { namespace: m[2], serviceAccount: m[3] }]);
  }
  return out;
}

// ---------------------------------------------------------------- TokenReview

/** What the TokenReview authenticator needs from a Kubernetes client (operator/k8s/kube.ts KubeClient fits). */
export interface KubeRequester {
  request(method: string, path: string, init?: { readonly body?: unknown; readonly timeoutMs?: number }): Promise<Readonly<Record<string, unknown>>>;
}

export interface TokenReviewOptions {
  readonly kube: KubeRequester;
  /** The audience tokens must be issued for; default weft-ca. */
  readonly audience?: string;
  /** How long a positive answer is reused; default 10 s. 0 disables the cache. */
  readonly cacheTtlMs?: number;
  /** The most answers kept; the oldest go first. Default 10,000. */
  readonly cacheSize?: number;
  readonly timeoutMs?: number;
  /** Milliseconds since the epoch; injected for tests. */
  readonly now?: () => number;
}

const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;
type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Kubernetes: asks the API server whether the token is a valid
 * ServiceAccount token for `audience`. Refused: a token the API server does
 * not authenticate (expired, bad signature, its ServiceAccount or Pod
 * deleted), one not issued for the audience, or one for a user that is not a
 * ServiceAccount.
 */
export function tokenReview(options: TokenReviewOptions): Authenticator {
  const audience = options.audience ?? 'weft-ca';
  const ttl = options.cacheTtlMs ?? 10_000;
  const size = options.cacheSize ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { identity: WorkloadIdentity; until: number }>();
  return {
    authenticate: async (token) => {
      const key = tokenHash(token);
      const hit = cache.get(key);
      if (hit !== undefined) {
        if (hit.until > now()) return { ok: true, identity: hit.identity, via: 'tokenreview-cache' };
        cache.delete(key);
      }
      let review: Obj;
      try {
        review = await options.kube.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } },
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        });
      } catch (e) {
        return { ok: false, kind: 'unavailable', reason: `TokenReview failed: ${(e as Error).message}` };
      }
      const status = isObj(review['status']) ? review['status'] : {};
      if (status['authenticated'] !== true) {
        const error = typeof status['error'] === 'string' && status['error'] !== '' ? `: ${status['error']}` : '';
        return denied(`the API server did not authenticate the token${error}`);
      }
      const audiences = Array.isArray(status['audiences']) ? status['audiences'] : [];
      if (!audiences.includes(audience)) return denied(`the token is not issued for audience "${audience}"`);
      const user = isObj(status['user']) ? status['user'] : {};
      const username = typeof user['username'] === 'string' ? user['username'] : '';
      const m = SA_USER.exec(username);
      if (m === null || m[1] === undefined || m[2] === undefined) {
        return denied(`the token belongs to "${username}", not to a ServiceAccount (system:serviceaccount:NS:SA)`);
      }
      const identity: WorkloadIdentity = Object.freeze({ namespace: m[1], serviceAccount: m[2] });
      if (ttl > 0) {
        if (cache.size >= size) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
        cache.set(key, { identity, until: now() + ttl });
      }
      return { ok: true, identity, via: 'tokenreview' };
    },
  };
}

/**
 * Tries each authenticator in order; the first that accepts wins. When none
 * accepts, `unavailable` if any could not tell (so the caller retries),
 * otherwise `unauthenticated` with every reason.
 */
export function firstOf(authenticators: readonly Authenticator[]): Authenticator {
  return {
    authenticate: async (token) => {
      const reasons: string[] = [];
      let unavailable = false;
      for (const a of authenticators) {
        const r = await a.authenticate(token);
        if (r.ok) return r;
        reasons.push(r.reason);
        if (r.kind === 'unavailable') unavailable = true;
      }
      return { ok: false, kind: unavailable ? 'unavailable' : 'unauthenticated', reason: reasons.join('; ') || 'no authenticator is configured' };
    },
  };
}
