// Where a provider's keys come from. Local JWKS: parsed once with the config.
// Remote JWKS: fetched with a GET through the provider's cluster (the proxy's
// own cluster: its endpoints, balancing, circuit breakers, TLS — so a JWKS
// server inside the mesh is reached the way any other upstream is), cached
// for cache_duration, refetched when a token names a kid the cached set does
// not have (at most once per KID_REFETCH_INTERVAL_MS, so tokens with made-up
// kids cannot turn into a flood of fetches), and after a failure not fetched
// again before failed_refetch_duration: requests needing the keys meanwhile
// fail with "Jwks remote fetch is failed".

import type { JWTVerifyGetKey } from 'jose';
import { jose } from './jose.ts';
import { OutgoingHead, type UpstreamHandler, type UpstreamStream } from '../../http1/client.ts';
import type { MessageHead } from '../../http1/parser.ts';
import type net from 'node:net';
import type { Cluster, Endpoint, PoolWaiter } from '../../upstream/cluster.ts';
import { LOCAL_ORIGIN_FAILURE } from '../../upstream/cluster.ts';
import { parseJwks, type JsonWebKeySet, type JwksSource } from './config.ts';

/** A usable key set: jose's key selector and the kids it holds. */
export interface KeySet {
  readonly getKey: JWTVerifyGetKey;
  readonly kids: ReadonlySet<string>;
}

export function keySet(jwks: JsonWebKeySet): KeySet {
  const kids = new Set<string>();
  for (const k of jwks.keys) if (typeof k['kid'] === 'string') kids.add(k['kid']);
  return Object.freeze({ getKey: jose().createLocalJWKSet({ keys: jwks.keys as never }), kids });
}

/** A token naming a kid we do not hold triggers at most one refetch in this interval. */
export const KID_REFETCH_INTERVAL_MS = 5_000;
/** A JWKS document larger than this is refused (a JWKS server is trusted, not unbounded). */
const MAX_JWKS_BYTES = 512 * 1024;

/** What fetching needs from the proxy. */
export interface FetchContext {
  cluster(name: string): Cluster | undefined;
  /** Wall clock, milliseconds. */
  now(): number;
  log?: ((event: Readonly<Record<string, unknown>>) => void) | undefined;
}

type Remote = Extract<JwksSource, { kind: 'remote' }>;

/** The cached keys of one remote JWKS. One per provider per config version. */
export class RemoteJwks {
  readonly source: Remote;
  readonly provider: string;
  #keys: KeySet | undefined = undefined;
  #fetchedAt = -Infinity;
  #failedAt = -Infinity;
  #lastError = '';
  #inFlight: Promise<KeySet | undefined> | undefined = undefined;
  #kidRefetchAt = -Infinity;
  fetches = 0;
  failures = 0;

  constructor(provider: string, source: Remote) {
    this.provider = provider;
    this.source = source;
  }

  get lastError(): string {
    return this.#lastError;
  }

  /**
   * The keys to verify with: the cached set while fresh, else a fetch (which
   * requests share). undefined: no keys (the fetch failed, or failed recently).
   */
  keys(ctx: FetchContext): KeySet | Promise<KeySet | undefined> | undefined {
    const now = ctx.now();
    const fresh = this.#keys !== undefined && now - this.#fetchedAt < this.source.cacheMs;
    if (fresh) return this.#keys;
    if (this.#inFlight !== undefined) {
      // async_fetch: a refresh in the background while the expired set keeps serving.
      return this.source.asyncFetch && this.#keys !== undefined ? this.#keys : this.#inFlight;
    }
    if (now - this.#failedAt < this.source.failedRefetchMs) return this.source.asyncFetch ? this.#keys : undefined;
    const p = this.#fetch(ctx);
    return this.source.asyncFetch && this.#keys !== undefined ? this.#keys : p;
  }

  /** A token's kid is not in the cached set: fetch again, unless that was done moments ago. */
  refetchForKid(ctx: FetchContext): Promise<KeySet | undefined> | undefined {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const now = ctx.now();
    if (now - this.#kidRefetchAt < KID_REFETCH_INTERVAL_MS || now - this.#failedAt < this.source.failedRefetchMs) return undefined;
    this.#kidRefetchAt = now;
    return this.#fetch(ctx);
  }

  /** Starts a fetch now (async_fetch: when the config is applied, before any request). */
  prefetch(ctx: FetchContext): void {
    if (this.#inFlight === undefined && this.#keys === undefined) void this.#fetch(ctx);
  }

  #fetch(ctx: FetchContext): Promise<KeySet | undefined> {
    this.fetches++;
    const p = this.#attempt(ctx, this.source.retries).then(
      (ks) => {
        this.#keys = ks;
        this.#fetchedAt = ctx.now();
        this.#inFlight = undefined;
        return ks;
      },
      (err: unknown) => {
        this.failures++;
        this.#failedAt = ctx.now();
        this.#inFlight = undefined;
        this.#lastError = err instanceof Error ? err.message : String(err);
        ctx.log?.({ msg: 'JWKS fetch failed', provider: this.provider, uri: this.source.uri, cluster: this.source.cluster, error: this.#lastError });
        // An expired set is better than none while the issuer is unreachable only when async_fetch keeps it; Envoy drops it otherwise.
        return this.source.asyncFetch ? this.#keys : undefined;
      },
    );
    this.#inFlight = p;
    return p;
  }

  async #attempt(ctx: FetchContext, retriesLeft: number): Promise<KeySet> {
    try {
      const body = await fetchThroughCluster(ctx, this.source);
      return keySet(parseJwks(body, `JWKS from ${this.source.uri}`, true));
    } catch (err) {
      if (retriesLeft > 0) return this.#attempt(ctx, retriesLeft - 1);
      throw err;
    }
  }
}

/** GET the JWKS through its cluster; resolves with the body of a 200. */
export function fetchThroughCluster(ctx: FetchContext, src: Remote): Promise<string> {
  return new Promise((resolve, reject) => {
    const cluster = ctx.cluster(src.cluster);
    if (cluster === undefined) {
      reject(new Error(`cluster ${src.cluster} is not configured`));
      return;
    }
    new JwksFetch(cluster, src, resolve, reject).start();
  });
}

/** One GET on a pooled upstream connection (the exchange's upstream protocol, without the exchange). */
class JwksFetch implements UpstreamHandler, PoolWaiter {
  readonly #cluster: Cluster;
  readonly #src: Remote;
  readonly #resolve: (body: string) => void;
  readonly #reject: (err: Error) => void;
  #endpoint: Endpoint | undefined = undefined;
  #conn: UpstreamStream | null = null;
  #timer: NodeJS.Timeout | undefined = undefined;
  #status = 0;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #done = false;

  constructor(cluster: Cluster, src: Remote, resolve: (body: string) => void, reject: (err: Error) => void) {
    this.#cluster = cluster;
    this.#src = src;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(): void {
    const cl = this.#cluster;
    if (cl.activeRequests >= cl.config.circuitBreakers.maxRequests) return this.#fail(`cluster ${cl.name}: circuit breaker open (max_requests)`);
    const ep = cl.pick(-1, null, 1);
    if (ep === undefined) return this.#fail(`cluster ${cl.name} has no healthy endpoint`);
    this.#endpoint = ep;
    cl.activeRequests++;
    ep.active++;
    this.#timer = setTimeout(this.#onTimeout, this.#src.timeoutMs);
    const got = ep.acquire(this, cl.config.upstreamProtocol === 'http2');
    if (got === 'overflow') this.#fail(`cluster ${cl.name}: circuit breaker open (pending requests)`);
    else if (got !== 'queued') this.onPoolReady(got);
  }

  onPoolReady(conn: UpstreamStream): void {
    if (this.#done) {
      conn.release();
      return;
    }
    this.#conn = conn;
    conn.dispatch(this, new OutgoingHead('GET', this.#src.path, this.#src.authority, 'http', ['accept', 'application/json'], -2, ''), false, true);
  }

  onPoolFailure(_kind: string, detail: string): void {
    this.#record();
    this.#fail(`connect to ${this.#endpoint?.key ?? '?'} failed: ${detail}`);
  }

  onUpstreamInformational(): void {}

  onUpstreamHead(head: MessageHead): void {
    this.#status = head.status;
    if (this.#endpoint !== undefined) this.#cluster.record(this.#endpoint, head.status);
  }

  onUpstreamBody(chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#bytes > MAX_JWKS_BYTES) {
      this.#conn?.destroy();
      this.#conn = null;
      this.#fail(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`);
      return;
    }
    this.#chunks.push(chunk);
  }

  onUpstreamTrailers(): void {}

  onUpstreamComplete(): void {
    this.#conn = null;
    if (this.#status !== 200) return this.#fail(`HTTP ${this.#status} from ${this.#endpoint?.key ?? '?'}`);
    this.#finish();
    this.#resolve(Buffer.concat(this.#chunks).toString('utf8'));
  }

  onUpstreamError(kind: string, detail: string): void {
    this.#conn = null;
    this.#record();
    this.#fail(`${kind}: ${detail}`);
  }

  onUpstreamDrain(): void {}

  onUpstreamUpgrade(_head: MessageHead, socket: net.Socket): void {
    socket.destroy();
    this.#fail('unexpected protocol upgrade');
  }

  #onTimeout = (): void => {
    this.#timer = undefined;
    this.#conn?.destroy();
    this.#conn = null;
    this.#record();
    this.#fail(`timed out after ${this.#src.timeoutMs} ms`);
  };

  #record(): void {
    if (this.#endpoint !== undefined && !this.#done) this.#cluster.record(this.#endpoint, LOCAL_ORIGIN_FAILURE);
  }

  #fail(reason: string): void {
    if (this.#done) return;
    this.#finish();
    this.#reject(new Error(`JWKS fetch from ${this.#src.uri} through cluster ${this.#src.cluster}: ${reason}`));
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const ep = this.#endpoint;
    if (ep !== undefined) {
      ep.cancel(this);
      ep.active--;
      this.#cluster.activeRequests--;
    }
  }
}
