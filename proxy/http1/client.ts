// The upstream side of HTTP/1.1: one kept-alive connection to an endpoint,
// carrying one request at a time for whichever exchange holds it. Events go
// to an UpstreamHandler (undici's handler shape): no per-request closures,
// the socket listeners are bound once per connection.

import type net from 'node:net';
import { dialUpstream, type UpstreamTlsOptions } from '../tls/client.ts';
import { Http1Parser, type MessageHead, type ParseFailure, type ParserHandler, type ParserLimits, DEFAULT_LIMITS } from './parser.ts';

export type UpstreamErrorKind =
  /** The TCP connection could not be made (refused, unreachable, DNS). */
  | 'connect-failure'
  /** connect_timeout elapsed. */
  | 'connect-timeout'
  /** The connection closed or errored before the response completed. */
  | 'reset'
  /** HTTP/2: the peer refused the stream (REFUSED_STREAM, or past its GOAWAY): nothing was processed. */
  | 'refused'
  /** The upstream sent something that is not valid HTTP/1.1. */
  | 'protocol';

export interface UpstreamHandler {
  onUpstreamInformational(head: MessageHead): void;
  onUpstreamHead(head: MessageHead): void;
  onUpstreamBody(chunk: Buffer): void;
  onUpstreamTrailers(trailers: string[]): void;
  onUpstreamComplete(): void;
  /**
   * The request failed. `beforeResponse`: no response byte had arrived;
   * `reused`: the connection had carried an earlier request (a reset then
   * usually means the server closed an idle connection as we wrote).
   */
  onUpstreamError(kind: UpstreamErrorKind, detail: string, beforeResponse: boolean, reused: boolean): void;
  /** The request body may flow again (the socket drained). */
  onUpstreamDrain(): void;
  /** A 101 response: the socket is now a raw tunnel, handed over with any bytes already read. */
  onUpstreamUpgrade(head: MessageHead, socket: net.Socket, rest: Buffer | null): void;
}

/**
 * A request head as the upstream codecs need it: built once per request and
 * reused by every attempt; each codec serialises it once (`http1` caches the
 * HTTP/1.1 text). Fields are end-to-end only (no Host, no framing).
 */
export class OutgoingHead {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: readonly string[];
  /** A Content-Length, -1 for a streamed body, -2 for none. */
  readonly length: number;
  readonly upgrade: string;
  http1 = '';
  constructor(method: string, path: string, authority: string, scheme: string, headers: readonly string[], length: number, upgrade: string) {
    this.method = method;
    this.path = path;
    this.authority = authority;
    this.scheme = scheme;
    this.headers = headers;
    this.length = length;
    this.upgrade = upgrade;
  }
}

/**
 * One request's place on an upstream connection: a whole HTTP/1.1
 * connection, or one stream of a multiplexed HTTP/2 session
 * (proxy/http2/client.ts). The exchange sees only this.
 */
export interface UpstreamStream {
  /** Sends the head. `bodyDone`: the request has no body at all. Returns false under backpressure. */
  dispatch(handler: UpstreamHandler, head: OutgoingHead, noResponseBody: boolean, bodyDone: boolean): boolean;
  writeBody(chunk: Buffer): boolean;
  /** The request body is complete (with trailers, where the protocol carries them). */
  endRequest(trailers: string[] | null): void;
  /** Backpressure from the downstream side: stop reading the response until resume(). */
  pause(): void;
  resume(): void;
  /** Abandons the request (timeout, retry, client gone). */
  destroy(): void;
  /** Never dispatched: give it back to the pool. */
  release(): void;
}

/** What a connection tells its pool. */
export interface ConnectionOwner {
  onConnected(conn: Http1ClientConnection): void;
  onConnectFailed(conn: Http1ClientConnection, kind: UpstreamErrorKind, detail: string): void;
  /** The response completed and the connection can carry another request. */
  onReusable(conn: Http1ClientConnection): void;
  onClosed(conn: Http1ClientConnection): void;
}

export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly limits?: ParserLimits;
  /** Dial TLS (mTLS to a mesh endpoint); the connection is usable after the handshake and the server's identity check. */
  readonly tls?: UpstreamTlsOptions | undefined;
}

const State = { CONNECTING: 0, IDLE: 1, BUSY: 2, CLOSED: 3 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Upstream connections, plain TCP or TLS, read into slabs of their own (net's
 * `onread`) instead of through the socket's Readable: no Buffer and backing
 * store made by Node per read, no Readable bookkeeping, no 'data' event and
 * no nextTick per read; at saturation that was a few percent of the proxy's
 * time for every response. Each read gets the unread rest of the connection's
 * slab, and what it filled is never handed out again, so a chunk passed on
 * (a body written downstream, input kept while the parser waits) stays valid
 * for as long as anything holds it; a slab with less than READ_MIN left is
 * replaced. A slab is 32 KiB (a new ArrayBuffer is slow enough to show in
 * a profile when made every ~70 small responses, as 16 KiB slabs were), read
 * at least 4 KiB at a time (Node's own reads take up to 64 KiB: a large body
 * takes more reads here).
 */
const READ_SLAB = 32 * 1024;
const READ_MIN = 4 * 1024;
const NO_SLAB = Buffer.alloc(0);

/** Connections whose socket reads through onread, by socket (the tunnel after a 101 needs them). */
const userReads = new WeakMap<net.Socket, Http1ClientConnection>();

/**
 * After a 101 the upstream socket is a tunnel. A socket that reads through
 * onread emits no 'data', so it cannot be piped: its reads are written to
 * `to` here, with backpressure, and its end ends `to`. False for any other
 * socket (pipe it).
 */
export function forwardReads(from: net.Socket, to: net.Socket): boolean {
  const c = userReads.get(from);
  if (c === undefined) return false;
  c.forwardTo(to);
  return true;
}

export class Http1ClientConnection implements ParserHandler, UpstreamStream {
  readonly socket: net.Socket;
  readonly owner: ConnectionOwner;
  readonly parser: Http1Parser;
  handler: UpstreamHandler | null = null;
  #state: State = State.CONNECTING;
  /** Requests this connection has completed. */
  served = 0;
  #responseStarted = false;
  #requestDone = false;
  #chunked = false;
  #responseDone = false;
  #keepAlive = true;
  #timer: NodeJS.Timeout;
  readonly #idleTimeoutMs: number;
  /** Free slot for the pool (index in its idle stack, the endpoint it belongs to). */
  tag: unknown = undefined;
  #tls = false;
  #tcpUp = false;

  constructor(owner: ConnectionOwner, opts: ClientOptions) {
    this.owner = owner;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
    this.parser = new Http1Parser('response', this, opts.limits ?? DEFAULT_LIMITS);
    const t = opts.tls;
    this.socket = dialUpstream(opts.host, opts.port, t, { onread: { buffer: this.#readBuffer, callback: this.#onRead } });
    userReads.set(this.socket, this);
    if (t === undefined) {
      this.socket.on('connect', this.#onConnect);
    } else {
      this.#tls = true;
      this.socket.once('connect', this.#onTcpConnect);
      this.socket.on('secureConnect', this.#onConnect);
    }
    this.socket.on('drain', this.#onDrain);
    this.socket.on('error', this.#onError);
    this.socket.on('close', this.#onClose);
    this.socket.on('end', this.#onEnd);
    this.#timer = setTimeout(this.#onTimer, opts.connectTimeoutMs > 0 ? opts.connectTimeoutMs : 2_147_483_647);
    this.#timer.unref();
  }

  get idle(): boolean {
    return this.#state === State.IDLE;
  }

  get closed(): boolean {
    return this.#state === State.CLOSED;
  }

  #onTcpConnect = (): void => {
    this.#tcpUp = true;
  };

  #onConnect = (): void => {
    if (this.#state !== State.CONNECTING) return;
    this.#state = State.IDLE;
    this.#armIdle();
    this.owner.onConnected(this);
  };

  /**
   * The idle timer: made once, then `refresh()`ed at each release, so a
   * request costs no timer object. It is not stopped while the connection is
   * busy; firing then does nothing, and the next release re-arms it.
   */
  #idleTimer: NodeJS.Timeout | undefined;

  #armIdle(): void {
    clearTimeout(this.#timer);
    if (this.#idleTimeoutMs <= 0) return;
    if (this.#idleTimer === undefined) {
      this.#idleTimer = setTimeout(this.#onTimer, this.#idleTimeoutMs);
      this.#idleTimer.unref();
    } else this.#idleTimer.refresh();
  }

  #onTimer = (): void => {
    if (this.#state === State.CONNECTING) {
      this.#fail('connect-timeout', 'connect timeout');
    } else if (this.#state === State.IDLE) {
      this.destroy();
    }
  };

  /**
   * Sends a request head (and the first body bytes, if any) on an idle
   * connection. `head` is the serialised request head.
   */
  dispatch(handler: UpstreamHandler, head: OutgoingHead, noResponseBody: boolean, bodyDone: boolean): boolean {
    this.handler = handler;
    this.#chunked = head.length === -1;
    this.resume();
    this.#state = State.BUSY;
    this.#responseStarted = false;
    this.#requestDone = bodyDone;
    this.#responseDone = false;
    this.parser.reset();
    this.parser.noBody = noResponseBody;
    if (head.http1 === '') head.http1 = requestHead(head.method, head.path, head.authority, head.headers, head.length, head.upgrade);
    return this.socket.write(head.http1, 'latin1');
  }

  writeBody(chunk: Buffer): boolean {
    if (!this.#chunked) return this.socket.write(chunk);
    this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    return this.socket.write('\r\n', 'latin1');
  }

  endRequest(trailers: string[] | null): void {
    if (this.#chunked) this.socket.write(trailerBlock(trailers), 'latin1');
    this.requestDone();
  }

  release(): void {
    this.owner.onReusable(this);
  }

  /** The request body is complete (for keep-alive accounting). */
  requestDone(): void {
    this.#requestDone = true;
    if (this.#responseDone) this.#release();
  }

  #paused = false;

  /** Backpressure from the downstream side: stop reading the response until resume(). */
  pause(): void {
    this.#paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.socket.resume();
  }

  /** Drops the connection (the exchange gave up on it: timeout, retry, client gone). */
  destroy(): void {
    if (this.#state === State.CLOSED) return;
    this.#state = State.CLOSED;
    this.handler = null;
    clearTimeout(this.#timer);
    clearTimeout(this.#idleTimer);
    this.socket.destroy();
  }

  // ---- socket events --------------------------------------------------------------

  #slab: Buffer = NO_SLAB;
  #slabUsed = 0;
  /** After a 101: where reads go (forwardTo), and what was read before that was set. */
  #tunnel: net.Socket | null = null;
  #upgraded = false;
  #early: Buffer[] | null = null;

  /** The next read's buffer: the rest of the slab, or a new slab. */
  #readBuffer = (): Buffer => {
    if (this.#slab.length - this.#slabUsed < READ_MIN) {
      this.#slab = Buffer.allocUnsafeSlow(READ_SLAB);
      this.#slabUsed = 0;
    }
    return this.#slab.subarray(this.#slabUsed);
  };

  #onRead = (n: number, buf: Buffer): boolean => {
    this.#slabUsed += n;
    const chunk = buf.subarray(0, n);
    if (this.#tunnel !== null) this.#forward(chunk);
    else if (this.#upgraded) (this.#early ??= []).push(chunk);
    else this.#onData(chunk);
    return true;
  };

  /** The tunnel after a 101 (forwardReads). */
  forwardTo(to: net.Socket): void {
    this.#tunnel = to;
    this.socket.on('end', () => to.end());
    to.on('drain', () => this.socket.resume());
    const early = this.#early;
    this.#early = null;
    if (early !== null) for (const c of early) this.#forward(c);
  }

  #forward(chunk: Buffer): void {
    if (!(this.#tunnel as net.Socket).write(chunk)) this.socket.pause();
  }

  #onData = (chunk: Buffer): void => {
    if (this.#state !== State.BUSY) {
      // Bytes from an idle server are a protocol violation (or a late body): do not reuse.
      this.destroy();
      return;
    }
    this.#responseStarted = true;
    try {
      this.parser.execute(chunk);
    } catch (err) {
      // A bug must cost one request, never the process.
      this.#fail('protocol', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  #onDrain = (): void => {
    this.handler?.onUpstreamDrain();
  };

  #onError = (err: Error): void => {
    // A failure after TCP connected and before the handshake finished is the TLS handshake's (certificate, identity, alert).
    const detail = this.#tls && this.#tcpUp && this.#state === State.CONNECTING ? `TLS error: ${err.message}` : err.message;
    this.#fail(this.#state === State.CONNECTING ? 'connect-failure' : 'reset', detail);
  };

  #onEnd = (): void => {
    if (this.#state === State.BUSY) {
      const f = this.parser.finish();
      if (this.#state === State.BUSY && !this.#responseDone) this.#fail('reset', f?.reason ?? 'upstream closed the connection');
    }
    this.destroy();
  };

  #onClose = (): void => {
    if (this.#state === State.BUSY || this.#state === State.CONNECTING) {
      this.#fail(this.#state === State.CONNECTING ? 'connect-failure' : 'reset', this.#tls && this.#tcpUp && this.#state === State.CONNECTING ? 'TLS error: the server closed the connection during the handshake' : 'upstream connection closed');
    }
    this.#state = State.CLOSED;
    clearTimeout(this.#timer);
    clearTimeout(this.#idleTimer);
    this.owner.onClosed(this);
  };

  #fail(kind: UpstreamErrorKind, detail: string): void {
    const was = this.#state;
    if (was === State.CLOSED) return;
    const handler = this.handler;
    const beforeResponse = !this.#responseStarted;
    this.destroy();
    if (was === State.CONNECTING) this.owner.onConnectFailed(this, kind, detail);
    else if (handler !== null && !this.#responseDone) handler.onUpstreamError(kind, detail, beforeResponse, this.served > 0);
  }

  // ---- parser events --------------------------------------------------------------

  onHead(head: MessageHead): void {
    if (head.close) this.#keepAlive = false;
    if (head.status === 101) {
      const h = this.handler;
      this.parser.pause();
      this.#upgraded = true;
      this.#state = State.CLOSED; // the socket leaves the pool for good
      clearTimeout(this.#timer);
      clearTimeout(this.#idleTimer);
      this.socket.removeListener('data', this.#onData);
      this.socket.removeListener('drain', this.#onDrain);
      this.socket.removeListener('error', this.#onError);
      this.socket.removeListener('close', this.#onClose);
      this.socket.removeListener('end', this.#onEnd);
      this.owner.onClosed(this);
      this.handler = null;
      // onComplete fires right after onHead for a 101; the parser is paused so the tunnel bytes stay pending.
      queueMicrotask(() => h?.onUpstreamUpgrade(head, this.socket, this.parser.takePending()));
      return;
    }
    this.handler?.onUpstreamHead(head);
  }

  onInformational(head: MessageHead): void {
    this.handler?.onUpstreamInformational(head);
  }

  onBody(chunk: Buffer): void {
    this.handler?.onUpstreamBody(chunk);
  }

  onTrailers(trailers: string[]): void {
    this.handler?.onUpstreamTrailers(trailers);
  }

  onComplete(): void {
    if (this.#state !== State.BUSY) return;
    this.#responseDone = true;
    this.parser.pause();
    const h = this.handler;
    if (this.#requestDone) this.#release();
    h?.onUpstreamComplete();
  }

  #release(): void {
    if (this.#state !== State.BUSY) return;
    this.served++;
    this.handler = null;
    // Leftover bytes after a complete response mean the server is out of step: do not reuse.
    if (!this.#keepAlive || this.parser.hasPending || this.parser.failed) {
      this.destroy();
      return;
    }
    this.parser.resume();
    // The last response may have left the socket paused for a slow client; a pooled connection must read again.
    this.resume();
    this.#state = State.IDLE;
    this.#armIdle();
    this.owner.onReusable(this);
  }

  onParseError(f: ParseFailure): void {
    this.#fail('protocol', f.reason);
  }
}

function trailerBlock(trailers: string[] | null): string {
  if (trailers === null || trailers.length === 0) return '0\r\n\r\n';
  let s = '0\r\n';
  for (let i = 0; i < trailers.length; i += 2) s += `${trailers[i] as string}: ${trailers[i + 1] as string}\r\n`;
  return s + '\r\n';
}

/** Serialises a request head for the upstream. `framing`: a length, or -1 for chunked, or -2 for none. */
export function requestHead(method: string, path: string, authority: string, headers: readonly string[], length: number, upgrade: string): string {
  let s = `${method} ${path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  for (let i = 0; i < headers.length; i += 2) s += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
  if (length >= 0) s += `content-length: ${length}\r\n`;
  else if (length === -1) s += 'transfer-encoding: chunked\r\n';
  if (upgrade !== '') s += `connection: upgrade\r\nupgrade: ${upgrade}\r\n`;
  return s + '\r\n';
}
