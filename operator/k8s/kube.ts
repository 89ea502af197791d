// A small REST client for the Kubernetes API: requests, paginated lists and
// watch streams. Authentication and TLS come from @kubernetes/client-node's
// KubeConfig (kubeconfig files, in-cluster service-account tokens that rotate,
// exec plugins); the requests themselves are plain node:https, so every
// failure mode a controller must survive (410 Gone, a watch the server ends,
// a silent connection, an API server that goes away) is visible here and
// handled by the informer, not hidden in a library's retry loop.

import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { isObj, str, type Obj } from './objects.ts';

/** A resource type: group/version/resource and its kind. */
export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, as in the URL. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export const apiVersionOf = (t: Pick<ResourceType, 'group' | 'version'>): string => (t.group === '' ? t.version : `${t.group}/${t.version}`);

const prefix = (t: ResourceType): string => (t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`);

/** The collection URL: all namespaces when `namespace` is absent. */
export function collectionPath(t: ResourceType, namespace?: string): string {
  return t.namespaced && namespace !== undefined
    ? `${prefix(t)}/namespaces/${encodeURIComponent(namespace)}/${t.resource}`
    : `${prefix(t)}/${t.resource}`;
}

export function objectPath(t: ResourceType, namespace: string, name: string, subresource?: string): string {
  const base = `${collectionPath(t, t.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? base : `${base}/${subresource}`;
}

/** The API server said no: its HTTP status and its Status object's reason and message. */
export class KubeApiError extends Error {
  readonly status: number;
  /** metav1.StatusReason: NotFound, Conflict, Expired, Gone, Forbidden, ... */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, status: number, reason: string, message: string) {
    super(`${method} ${path}: ${status} ${reason}: ${message}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.path = path;
  }
}

/** The resource version a list or watch asked for is gone from the API server's history: list again. */
export const isGone = (e: unknown): boolean =>
  e instanceof KubeApiError && (e.status === 410 || e.reason === 'Expired' || e.reason === 'Gone');
export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: Obj;
}

export interface RequestInit {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** Defaults to application/json for bodies. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface WatchInit {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly signal?: AbortSignal;
  /**
   * The stream is presumed dead when nothing (not even a bookmark) arrives for
   * this long: a half-open TCP connection never ends by itself.
   */
  readonly inactivityMs: number;
}

export interface ListResult {
  readonly items: readonly Obj[];
  readonly resourceVersion: string;
}

export interface KubeClientOptions {
  /** Timeout of ordinary (non-watch) requests. */
  readonly requestTimeoutMs?: number;
  readonly userAgent?: string;
}

/** What the operator needs from the API; KubeClient is the one implementation. */
export class KubeClient {
  readonly server: string;
  private readonly config: KubeConfig;
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;

  constructor(config: KubeConfig, options: KubeClientOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster (set current-context)');
    this.server = cluster.server.replace(/\/+$/, '');
    this.config = config;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'weft-operator';
  }

  /** One request; resolves with the decoded JSON body, rejects with KubeApiError on a non-2xx status. */
  async request(method: string, path: string, init: RequestInit = {}): Promise<Obj> {
    const res = await this.open(method, path, init.query, init.body, init.contentType, init.signal, init.timeoutMs ?? this.requestTimeoutMs);
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    const body = parseJson(text);
    if (status < 200 || status > 299) throw apiError(method, path, status, body, text);
    return isObj(body) ? body : {};
  }

  /** A whole collection, page by page; the resourceVersion is the list's, to watch from. */
  async list(path: string, query: Readonly<Record<string, string | number | boolean | undefined>> = {}, signal?: AbortSignal, pageSize = 500): Promise<ListResult> {
    const items: Obj[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.request('GET', path, { query: { ...query, limit: pageSize, continue: cont }, ...(signal !== undefined ? { signal } : {}) });
      const meta = isObj(page['metadata']) ? page['metadata'] : {};
      if (Array.isArray(page['items'])) for (const it of page['items']) if (isObj(it)) items.push(it);
      resourceVersion = str(meta['resourceVersion']) ?? resourceVersion;
      cont = str(meta['continue']) || undefined;
    } while (cont !== undefined);
    return { items, resourceVersion };
  }

  /**
   * Streams watch events to `onEvent` until the server ends the stream
   * (resolves) or something fails (rejects: KubeApiError for an HTTP error or
   * an ERROR event, including 410 Gone; a plain Error for the connection or
   * inactivity). An exception thrown by `onEvent` ends the watch with it.
   */
  async watch(path: string, init: WatchInit, onEvent: (e: WatchEvent) => void): Promise<void> {
    const abort = new AbortController();
    const outer = init.signal;
    const onOuterAbort = (): void => abort.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      const res = await this.open('GET', path, { ...init.query, watch: true }, undefined, undefined, abort.signal, init.inactivityMs);
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const text = await readAll(res);
        throw apiError('GET', path, status, parseJson(text), text);
      }
      await new Promise<void>((resolve, reject) => {
        let buffered = '';
        let failed = false; // settled, one way or the other
        const fail = (e: unknown): void => {
          if (failed) return;
          failed = true;
          clearTimeout(timer);
          res.destroy();
          reject(e);
        };
        const timer = setTimeout(() => fail(new Error(`watch ${path}: nothing received for ${init.inactivityMs} ms`)), init.inactivityMs);
        abort.signal.addEventListener('abort', () => fail(abort.signal.reason ?? new Error('aborted')), { once: true });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          timer.refresh();
          buffered += chunk;
          let nl: number;
          while (!failed && (nl = buffered.indexOf('\n')) !== -1) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line === '') continue;
            try {
              const event = parseWatchLine('GET', path, line);
              onEvent(event);
            } catch (e) {
              fail(e);
            }
          }
        });
        res.on('end', () => {
          if (failed) return;
          failed = true;
          clearTimeout(timer);
          resolve();
        });
        res.on('error', fail);
        res.on('close', () => fail(new Error(`watch ${path}: connection closed`)));
      });
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      abort.abort();
    }
  }

  private async open(
    method: string,
    path: string,
    query: Readonly<Record<string, string | number | boolean | undefined>> | undefined,
    body: unknown,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string } = {
      method,
      headers: {},
    };
    // Credentials are applied per request: in-cluster tokens and exec plugins rotate.
    await this.config.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.userAgent,
      ...stringHeaders(opts.headers),
    };
    if (payload !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, { ...opts, method, headers, ...(signal !== undefined ? { signal } : {}) }, resolve);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: no response within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(new Error(`${method} ${url.pathname}${url.search}: ${e.message}`, { cause: e })));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function stringHeaders(h: RequestOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined || Array.isArray(h)) return out;
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function apiError(method: string, path: string, status: number, body: unknown, text: string): KubeApiError {
  if (isObj(body) && body['kind'] === 'Status') {
    return new KubeApiError(method, path, status, str(body['reason']) ?? '', str(body['message']) ?? text.slice(0, 500));
  }
  return new KubeApiError(method, path, status, '', text.slice(0, 500));
}

function parseWatchLine(method: string, path: string, line: string): WatchEvent {
  const e = parseJson(line);
  if (!isObj(e) || !isObj(e['object'])) throw new Error(`watch ${path}: not a watch event: ${line.slice(0, 200)}`);
  const type = e['type'];
  const object = e['object'];
  if (type === 'ERROR') {
    const code = typeof object['code'] === 'number' ? object['code'] : 500;
    throw new KubeApiError(method, path, code, str(object['reason']) ?? '', str(object['message']) ?? 'watch error');
  }
  if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK') return { type, object };
  throw new Error(`watch ${path}: unknown event type ${JSON.stringify(type)}`);
}
