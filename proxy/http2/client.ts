// The upstream side of HTTP/2: one multiplexed session per connection to an
// endpoint (node:http2 on a socket we dial: plaintext with prior knowledge, or
// the mesh's mTLS with ALPN h2). Each request is a stream implementing the
// same UpstreamStream seam as an HTTP/1.1 connection, so the exchange does
// not know which it has. The pool (upstream/cluster.ts) puts streams on a
// session until its concurrency limit (ours, or the peer's
// SETTINGS_MAX_CONCURRENT_STREAMS, whichever is lower), then opens another.

import type http2 from 'node:http2';
import { nodeHttp2, NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } from './node-http2.ts';
import type net from 'node:net';
import { MessageHead } from '../http1/parser.ts';
import type { OutgoingHead, UpstreamErrorKind, UpstreamHandler, UpstreamStream } from '../http1/client.ts';
import { dialUpstream, type UpstreamTlsOptions } from '../tls/client.ts';
import type { Http2Options } from './options.ts';
import { fromH2Object, toH2 } from './headers.ts';

/** What a session tells its pool. */
export interface SessionOwner {
  onSessionConnected(s: Http2ClientSession): void;
  onSessionConnectFailed(s: Http2ClientSession, kind: UpstreamErrorKind, detail: string): void;
  /** A stream slot may have opened (a stream ended, or the peer raised its limit). */
  onSessionCapacity(s: Http2ClientSession): void;
  onSessionClosed(s: Http2ClientSession): void;
}

export interface SessionOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly http2: Http2Options;
  readonly tls?: UpstreamTlsOptions | undefined;
}

const State = { CONNECTING: 0, READY: 1, DRAINING: 2, CLOSED: 3 } as const;
type State = (typeof State)[keyof typeof State];

export class Http2ClientSession {
  readonly owner: SessionOwner;
  readonly session: http2.ClientHttp2Session;
  readonly #socket: net.Socket;
  #state: State = State.CONNECTING;
  /** Streams open (or reserved by the pool) on this session. */
  active = 0;
  /** Streams completed. */
  served = 0;
  readonly #limit: number;
  readonly #idleTimeoutMs: number;
  #timer: NodeJS.Timeout;
  #tls = false;
  #tcpUp = false;
  /** Pool bookkeeping (the endpoint's session list). */
  tag: unknown = undefined;

  constructor(owner: SessionOwner, opts: SessionOptions) {
    this.owner = owner;
    this.#limit = opts.http2.maxConcurrentStreams;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
    const t = opts.tls;
    this.#tls = t !== undefined;
    this.#socket = dialUpstream(opts.host, opts.port, t);
    this.#socket.once('connect', this.#onTcpConnect);
    const socket = this.#socket;
    this.session = nodeHttp2().connect(`${t === undefined ? 'http' : 'https'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`, {
      createConnection: () => socket,
      settings: { enablePush: false, initialWindowSize: opts.http2.initialStreamWindow, headerTableSize: opts.http2.hpackTableSize },
      // Headers we accept in a response: as many as a downstream request may carry.
      maxHeaderListPairs: 2000,
    });
    this.session.on('connect', this.#onConnect);
    this.session.on('error', this.#onError);
    this.session.on('close', this.#onClose);
    this.session.on('goaway', this.#onGoaway);
    this.session.on('remoteSettings', this.#onRemoteSettings);
    this.#timer = setTimeout(this.#onTimer, opts.connectTimeoutMs > 0 ? opts.connectTimeoutMs : 2_147_483_647);
    this.#timer.unref();
    this.#windowSize = opts.http2.initialConnectionWindow;
  }
  readonly #windowSize: number;

  get connecting(): boolean {
    return this.#state === State.CONNECTING;
  }

  get closed(): boolean {
    return this.#state === State.CLOSED;
  }

  /** A new stream fits: the session is up, not going away, and under both limits. */
  get hasCapacity(): boolean {
    if (this.#state !== State.READY) return false;
    const peer = this.session.remoteSettings.maxConcurrentStreams ?? 2 ** 31 - 1;
    return this.active < Math.min(this.#limit, peer);
  }

  /** Reserves a stream slot (the pool checked hasCapacity). */
  newStream(): Http2ClientStream {
    this.active++;
    clearTimeout(this.#timer);
    return new Http2ClientStream(this);
  }

  /** A stream slot is free again. */
  streamDone(completed: boolean): void {
    this.active--;
    if (completed) this.served++;
    if (this.active === 0) {
      if (this.#state === State.DRAINING) {
        this.close();
        return;
      }
      this.#armIdle();
    }
    if (this.#state === State.READY) this.owner.onSessionCapacity(this);
  }

  #armIdle(): void {
    clearTimeout(this.#timer);
    if (this.#idleTimeoutMs > 0 && this.#state === State.READY) {
      this.#timer = setTimeout(this.#onTimer, this.#idleTimeoutMs);
      this.#timer.unref();
    }
  }

  #onTcpConnect = (): void => {
    this.#tcpUp = true;
  };

  #onConnect = (): void => {
    if (this.#state !== State.CONNECTING) return;
    this.#state = State.READY;
    try {
      this.session.setLocalWindowSize(this.#windowSize);
    } catch {
      // A window the session refuses leaves the default: correct, only slower.
    }
    this.#armIdle();
    this.owner.onSessionConnected(this);
  };

  #onTimer = (): void => {
    if (this.#state === State.CONNECTING) this.#fail('connect-timeout', 'connect timeout');
    else if (this.active === 0) this.close();
  };

  #onError = (err: Error): void => {
    if (this.#state === State.CONNECTING) {
      const detail = this.#tls && this.#tcpUp ? `TLS error: ${err.message}` : err.message;
      this.#fail('connect-failure', detail);
    }
    // Later errors reach each stream as a reset; the session's close follows.
  };

  #fail(kind: UpstreamErrorKind, detail: string): void {
    if (this.#state !== State.CONNECTING) return;
    this.#state = State.CLOSED;
    clearTimeout(this.#timer);
    this.session.destroy();
    this.#socket.destroy();
    this.owner.onSessionConnectFailed(this, kind, detail);
  }

  #onGoaway = (): void => {
    // No new streams; the ones the peer accepted finish (those it refused close with REFUSED_STREAM).
    if (this.#state === State.READY) this.#state = State.DRAINING;
    if (this.active === 0) this.close();
  };

  #onRemoteSettings = (): void => {
    if (this.#state === State.READY) this.owner.onSessionCapacity(this);
  };

  #onClose = (): void => {
    const was = this.#state;
    this.#state = State.CLOSED;
    clearTimeout(this.#timer);
    if (was === State.CONNECTING) {
      this.owner.onSessionConnectFailed(this, 'connect-failure', this.#tls && this.#tcpUp ? 'TLS error: the server closed the connection during the handshake' : 'upstream connection closed');
    }
    this.owner.onSessionClosed(this);
  };

  /** Graceful: no new streams, then close once the open ones end. */
  close(): void {
    if (this.#state === State.CLOSED) return;
    if (this.active > 0) {
      this.#state = State.DRAINING;
      return;
    }
    this.#state = State.CLOSED;
    clearTimeout(this.#timer);
    this.session.close();
    // A peer that never answers the GOAWAY must not keep the socket.
    setTimeout(destroySession, 1000, this.session).unref();
  }

  destroy(): void {
    this.#state = State.CLOSED;
    clearTimeout(this.#timer);
    this.session.destroy();
  }
}

function destroySession(s: http2.ClientHttp2Session): void {
  if (!s.destroyed) s.destroy();
}

const StreamState = { RESERVED: 0, OPEN: 1, DONE: 2 } as const;
type StreamState = (typeof StreamState)[keyof typeof StreamState];

/** One request on a session: the UpstreamStream the exchange drives. */
export class Http2ClientStream implements UpstreamStream {
  readonly #session: Http2ClientSession;
  #stream: http2.ClientHttp2Stream | null = null;
  #handler: UpstreamHandler | null = null;
  #state: StreamState = StreamState.RESERVED;
  #responseStarted = false;
  #trailers: string[] | null = null;

  constructor(session: Http2ClientSession) {
    this.#session = session;
  }

  dispatch(handler: UpstreamHandler, head: OutgoingHead, _noResponseBody: boolean, bodyDone: boolean): boolean {
    this.#handler = handler;
    this.#state = StreamState.OPEN;
    const h: http2.OutgoingHttpHeaders = { ':method': head.method, ':path': head.path, ':authority': head.authority, ':scheme': head.scheme };
    toH2(h, head.headers);
    if (head.length >= 0) h['content-length'] = String(head.length);
    let s: http2.ClientHttp2Stream;
    try {
      s = this.#session.session.request(h, { endStream: bodyDone, waitForTrailers: !bodyDone });
    } catch (err) {
      // A session that went away between the pool's choice and now, or a field HTTP/2 cannot carry.
      const gone = this.#session.closed || this.#session.session.closed || this.#session.session.destroyed;
      queueMicrotask(() => this.#error(gone ? 'reset' : 'protocol', (err as Error).message, true, gone));
      return true;
    }
    this.#stream = s;
    s.on('response', this.#onResponse);
    s.on('headers', this.#onInformational);
    s.on('data', this.#onData);
    s.on('trailers', this.#onTrailers);
    s.on('end', this.#onEnd);
    s.on('close', this.#onClose);
    s.on('error', noop);
    s.on('drain', this.#onDrain);
    if (!bodyDone) s.on('wantTrailers', this.#onWantTrailers);
    return true;
  }

  writeBody(chunk: Buffer): boolean {
    const s = this.#stream;
    if (s === null || s.destroyed) return true;
    return s.write(chunk);
  }

  endRequest(trailers: string[] | null): void {
    this.#trailers = trailers;
    const s = this.#stream;
    if (s !== null && !s.destroyed && !s.writableEnded) s.end();
  }

  pause(): void {
    this.#stream?.pause();
  }

  resume(): void {
    this.#stream?.resume();
  }

  destroy(): void {
    this.#handler = null;
    // Also after a complete response whose request was still streaming: the rest of the request is not wanted.
    const s = this.#stream;
    if (s !== null && !s.destroyed && !s.closed) s.close(NGHTTP2_CANCEL);
    this.#done(false);
  }

  release(): void {
    if (this.#state === StreamState.RESERVED) this.#done(false);
  }

  #done(completed: boolean): void {
    if (this.#state === StreamState.DONE) return;
    this.#state = StreamState.DONE;
    this.#session.streamDone(completed);
  }

  #onResponse = (headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void => {
    this.#responseStarted = true;
    const head = new MessageHead();
    head.status = Number(headers[':status'] ?? 0);
    head.headers = fromH2Object(headers);
    const cl = headers['content-length'];
    // A response that ended with its headers (a gRPC trailers-only answer) has no body: say so, so it stays one frame downstream.
    head.contentLength = (flags & NGHTTP2_FLAG_END_STREAM) !== 0 ? 0 : cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : -1;
    if (cl !== undefined) {
      for (let i = 0; i < head.headers.length; i += 2) {
        if (head.headers[i] === 'content-length') {
          head.headers.splice(i, 2);
          break;
        }
      }
    }
    this.#handler?.onUpstreamHead(head);
  };

  #onInformational = (headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void => {
    const status = Number(headers[':status'] ?? 0);
    if (status < 100 || status >= 200) return;
    const head = new MessageHead();
    head.status = status;
    head.headers = fromH2Object(headers);
    this.#handler?.onUpstreamInformational(head);
  };

  #onData = (chunk: Buffer): void => {
    this.#handler?.onUpstreamBody(chunk);
  };

  #onTrailers = (trailers: http2.IncomingHttpHeaders): void => {
    this.#handler?.onUpstreamTrailers(fromH2Object(trailers));
  };

  #onEnd = (): void => {
    const h = this.#handler;
    if (h === null || this.#state !== StreamState.OPEN) return;
    this.#done(true);
    this.#handler = null;
    h.onUpstreamComplete();
  };

  #onClose = (): void => {
    if (this.#state !== StreamState.OPEN) return;
    const s = this.#stream;
    const code = s?.rstCode ?? NGHTTP2_NO_ERROR;
    // REFUSED_STREAM (a GOAWAY past our stream, or the peer's stream limit) guarantees nothing was processed: safe to resend.
    if (code === NGHTTP2_REFUSED_STREAM) this.#error('refused', 'refused stream', true, true);
    else this.#error('reset', code === NGHTTP2_NO_ERROR ? 'upstream connection closed' : `upstream reset the stream (HTTP/2 error ${code})`, !this.#responseStarted, false);
  };

  #onDrain = (): void => {
    this.#handler?.onUpstreamDrain();
  };

  #onWantTrailers = (): void => {
    const s = this.#stream;
    if (s === null || s.destroyed) return;
    const t = this.#trailers;
    s.sendTrailers(t === null || t.length === 0 ? {} : toH2({}, t));
  };

  #error(kind: UpstreamErrorKind, detail: string, beforeResponse: boolean, reused: boolean): void {
    const h = this.#handler;
    this.#handler = null;
    this.#done(false);
    h?.onUpstreamError(kind, detail, beforeResponse, reused);
  }
}

function noop(): void {}
