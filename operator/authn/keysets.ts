// The control plane's JWKS fetcher: the I/O beside the pure compiler. For the
// key sets RequestAuthentications name by jwksUri (or leave to OpenID Connect
// discovery from the issuer) it fetches each once, keeps it, refreshes it
// every 20 minutes (istiod's default), and hands the compiler the public
// signing keys as JWKS text (MeshSnapshot.keySets), which it inlines into the
// proxies' jwt_authn providers: proxies need no route to the issuer.
//
// Network input is hostile: only https (plain http to a loopback address, for
// tests and `weft up`), a timeout per fetch, a size cap on every body,
// redirects followed only a few times and only to URLs that pass the same
// check, keys that are not public signing keys left out, and a set without
// one usable key is a failure. A set that cannot be fetched is `failed` (the
// compiler then gives its issuer a key nobody holds: tokens are refused);
// a refresh that fails keeps the last good keys.

import crypto from 'node:crypto';
import { keySetUrlProblem } from '../api/rules/requestauthentication.ts';
import type { KeySetFetch } from '../compile/authn.ts';
import type { KeySet } from '../compile/snapshot.ts';

/** Refresh interval of a fetched set (istiod's default). */
export const KEY_SET_REFRESH_MS = 20 * 60_000;
/** After a failed first fetch, the next attempt. */
export const KEY_SET_RETRY_MS = 30_000;
/** Largest discovery document or key set read. */
export const KEY_SET_MAX_BYTES = 512 * 1024;
/** No fetch waits longer than this, whatever the rule's timeout says. */
export const KEY_SET_MAX_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 3;

export type KeySetLog = (level: 'info' | 'warn', message: string) => void;

export interface KeySetResolverOptions {
  /** Called (not re-entrantly) whenever a wanted set's state changes: rebuild the snapshot. */
  readonly onChange: () => void;
  readonly refreshMs?: number;
  readonly retryMs?: number;
  readonly maxBytes?: number;
  readonly log?: KeySetLog;
}

class FetchError extends Error {}

interface Entry {
  fetch: KeySetFetch;
  state: KeySet;
  timer: NodeJS.Timeout | undefined;
  inFlight: AbortController | undefined;
}

/** Reads a response body up to `max` bytes; more is an error. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > max) throw new FetchError(`the response is ${declared} bytes, over the ${max}-byte limit`);
  if (res.body === null) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new FetchError(`the response is over the ${max}-byte limit`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GET a URL that passes keySetUrlProblem, following at most a few redirects that pass it too. */
async function getText(url: string, signal: AbortSignal, maxBytes: number): Promise<string> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const problem = keySetUrlProblem(current);
    if (problem !== undefined && problem.severity === 'error') throw new FetchError(`${current}: ${problem.message}`);
    let res: Response;
    try {
      res = await fetch(current, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
    } catch (e) {
      if (signal.aborted) throw new FetchError(`${current}: no answer within the timeout`);
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
      throw new FetchError(`${current}: ${e instanceof Error ? e.message : String(e)}${cause}`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location') !== null) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new FetchError(`${url}: more than ${MAX_REDIRECTS} redirects`);
      current = new URL(res.headers.get('location') ?? '', current).toString();
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new FetchError(`${current}: HTTP ${res.status}`);
    }
    try {
      return await readCapped(res, maxBytes);
    } catch (e) {
      if (e instanceof FetchError) throw new FetchError(`${current}: ${e.message}`);
      if (signal.aborted) throw new FetchError(`${current}: no answer within the timeout`);
      throw new FetchError(`${current}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/**
 * The usable keys of a fetched JWKS as canonical text: public RSA, EC and OKP
 * keys for signatures that node can import. Identity providers publish
 * encryption keys beside signing ones, so other keys are left out; a set
 * with none left is an error.
 */
export function usableJwks(text: string, where: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FetchError(`${where}: not JSON`);
  }
  const keys = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>)['keys'] : undefined;
  if (!Array.isArray(keys)) throw new FetchError(`${where}: not a JSON Web Key Set (no "keys" list)`);
  const kept: Record<string, unknown>[] = [];
  for (const k of keys as unknown[]) {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) continue;
    const key = k as Record<string, unknown>;
    if (key['kty'] === 'oct' || 'd' in key || (key['use'] !== undefined && key['use'] !== 'sig')) continue;
    try {
      crypto.createPublicKey({ key: key as crypto.JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    kept.push(key);
  }
  if (kept.length === 0) throw new FetchError(`${where}: no usable public signing key in the set`);
  return JSON.stringify({ keys: kept });
}

/** Fetches one key set: the JWKS at the URL, or the one the discovery document's jwks_uri names. */
export async function fetchKeySet(f: KeySetFetch, signal: AbortSignal, maxBytes = KEY_SET_MAX_BYTES): Promise<string> {
  let jwksUrl = f.url;
  if (f.discovery) {
    const text = await getText(f.url, signal, maxBytes);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new FetchError(`${f.url}: the OpenID Connect discovery document is not JSON`);
    }
    const uri = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['jwks_uri'] : undefined;
    if (typeof uri !== 'string' || uri === '') throw new FetchError(`${f.url}: the discovery document has no jwks_uri`);
    jwksUrl = uri;
  }
  return usableJwks(await getText(jwksUrl, signal, maxBytes), jwksUrl);
}

const sameState = (a: KeySet, b: KeySet): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Keeps the key sets the mesh's RequestAuthentications need, fetched and fresh. */
export class KeySetResolver {
  readonly #o: KeySetResolverOptions;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(options: KeySetResolverOptions) {
    this.#o = options;
  }

  /**
   * The sets these fetches need, as known now (new ones `pending`, their
   * fetch started); sets no longer wanted are dropped. Call with every
   * snapshot's keySetFetches().
   */
  want(fetches: readonly KeySetFetch[]): Readonly<Record<string, KeySet>> {
    const wanted = new Set(fetches.map((f) => f.key));
    for (const [key, e] of this.#entries) {
      if (wanted.has(key)) continue;
      this.#stop(e);
      this.#entries.delete(key);
    }
    const out: Record<string, KeySet> = {};
    for (const f of fetches) {
      let e = this.#entries.get(f.key);
      if (e === undefined) {
        e = { fetch: f, state: { state: 'pending' }, timer: undefined, inFlight: undefined };
        this.#entries.set(f.key, e);
        if (!this.#closed) void this.#run(e);
      } else e.fetch = f;
      out[f.key] = e.state;
    }
    return out;
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) this.#stop(e);
    this.#entries.clear();
  }

  #stop(e: Entry): void {
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
    e.inFlight?.abort();
    e.inFlight = undefined;
  }

  async #run(e: Entry): Promise<void> {
    const controller = new AbortController();
    e.inFlight = controller;
    const timeout = setTimeout(() => controller.abort(), Math.min(e.fetch.timeoutMs, KEY_SET_MAX_TIMEOUT_MS));
    let next: KeySet;
    try {
      next = { state: 'ready', jwks: await fetchKeySet(e.fetch, controller.signal, this.#o.maxBytes ?? KEY_SET_MAX_BYTES) };
    } catch (err) {
      next = { state: 'failed', reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timeout);
    }
    // Dropped (or closed) while in flight: nobody wants the answer.
    if (e.inFlight !== controller || this.#closed || this.#entries.get(e.fetch.key) !== e) return;
    e.inFlight = undefined;
    const before = e.state;
    if (next.state === 'failed' && before.state === 'ready') {
      // A refresh that fails keeps the keys that worked; the next refresh tries again.
      this.#o.log?.('warn', `key set ${e.fetch.url}: refresh failed (${next.reason}); keeping the keys fetched before`);
      next = before;
    } else if (next.state === 'failed') this.#o.log?.('warn', `key set ${e.fetch.url}: ${next.reason}; tokens of its issuer are refused until it can be fetched`);
    else if (before.state !== 'ready') this.#o.log?.('info', `key set ${e.fetch.url} fetched`);
    e.state = next;
    const delay = next.state === 'ready' ? (this.#o.refreshMs ?? KEY_SET_REFRESH_MS) : (this.#o.retryMs ?? KEY_SET_RETRY_MS);
    e.timer = setTimeout(() => {
      e.timer = undefined;
      void this.#run(e);
    }, delay);
    e.timer.unref();
    if (!sameState(before, next)) this.#o.onChange();
  }
}
