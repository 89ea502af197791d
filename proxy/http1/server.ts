// The downstream side of HTTP/1.1: one object per client connection, parsing
// requests one at a time (pipelined requests wait in the parser), handing
// each to an Exchange, and writing the response with the framing the client
// understands. Timeouts for slow clients (head not complete in time, idle
// keep-alive connections) are coarse deadlines on the shared watchdog.

import type net from 'node:net';
import { Http1Parser, type MessageHead, type ParseFailure, type ParserHandler } from './parser.ts';
import { forwardReads } from './client.ts';
import type { Watchdog, Watched } from './watchdog.ts';
import { Exchange, reasonPhrase, type ConnectionSecurity, type Downstream, type ExchangeContext } from '../http/exchange.ts';
import { BODY_CHUNKED, NO_BODY, ProxyRequest } from '../http/request.ts';
import type { HcmConfig } from '../http/hcm-config.ts';
import { Flag } from '../http/flags.ts';
import type { PeerCertificate } from '../http/rbac/request.ts';

/**
 * The connection manager config for a request, and the destination port the
 * request was routed by: the connection's (original destination or listener
 * port), or, when that is unknown, the port the listener chose from the
 * authority (RBAC's `destination_port` and AuthorizationPolicy `ports` see it).
 */
export interface RoutedHcm {
  readonly hcm: HcmConfig;
  readonly destinationPort: number;
}

/** What a resolver reads of the connection a request came on (HTTP/1.1 connection or HTTP/2 session). */
export interface ConnectionFacts {
  /** The port the connection was meant for; 0 when unknown until a request names it. */
  readonly connectionPort: number;
  readonly localAddress: string;
}

/** Resolves, per request, the connection manager config that applies (it may change between requests). */
export interface HcmResolver {
  /** The config for this request, or undefined when the listener has none for it (then 404 NR... or close). */
  hcmFor(conn: ConnectionFacts, req: ProxyRequest): RoutedHcm | undefined;
  readonly ctx: ExchangeContext;
  readonly watchdog: Watchdog;
  /** Connection-level defaults before any request is read (limits, timeouts). */
  readonly defaults: HcmConfig;
  /** The proxy is draining: finish the current request, then close. */
  readonly draining: boolean;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string }).latin1Slice;
/** Bodies up to this size leave with their head as one string (writeBody). */
const SMALL_BODY = 1024;

const AUTHORITY_OK = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]*$/;
const CONNECT_TARGET = /^(?:[A-Za-z0-9\-._~%]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/;

export class Http1ServerConnection implements ParserHandler, Downstream, Watched {
  readonly socket: net.Socket;
  readonly parser: Http1Parser;
  readonly resolver: HcmResolver;
  exchange: Exchange | null = null;
  deadline = 0;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The port the connection was meant for (original destination or listener port); 0 when unknown until a request names it. */
  readonly connectionPort: number;
  /** The current request's destination port (RoutedHcm.destinationPort). */
  destinationPort: number;
  readonly peer: PeerCertificate | null;
  readonly sni: string;
  readonly security: ConnectionSecurity | undefined;
  http10 = false;
  #closeAfter = false;
  #requestComplete = false;
  #responseComplete = false;
  #chunkedOut = false;
  #headerTimeoutMs: number;
  #idleTimeoutMs: number;
  #closed = false;
  #tunnelled = false;
  readonly #defaults: HcmConfig;
  requests = 0;

  get downstreamRemoteAddress(): string {
    return this.remoteAddress;
  }
  get downstreamRemotePort(): number {
    return this.remotePort;
  }
  get downstreamLocalAddress(): string {
    return this.localAddress;
  }
  get downstreamLocalPort(): number {
    return this.localPort;
  }
  get protocol(): string {
    return this.http10 ? 'HTTP/1.0' : 'HTTP/1.1';
  }

  constructor(
    socket: net.Socket,
    resolver: HcmResolver,
    destinationPort: number,
    initial: Buffer | null,
    defaults: HcmConfig = resolver.defaults,
    tls: { readonly peer: PeerCertificate; readonly mutual: boolean; readonly sni: string } | null = null,
  ) {
    this.socket = socket;
    this.peer = tls === null ? null : tls.peer;
    this.sni = tls === null ? '' : tls.sni;
    this.security = tls === null ? undefined : tls.mutual ? { kind: 'mutual_tls', peerPrincipal: tls.peer.uriSans[0] ?? '' } : { kind: 'none' };
    this.resolver = resolver;
    this.remoteAddress = stripV4Mapped(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = stripV4Mapped(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    this.connectionPort = destinationPort;
    this.destinationPort = destinationPort;
    const d = defaults;
    this.#defaults = defaults;
    this.parser = new Http1Parser('request', this, d.limits);
    this.#headerTimeoutMs = d.requestHeadersTimeoutMs;
    this.#idleTimeoutMs = d.idleTimeoutMs;
    socket.setNoDelay(true);
    skipReadMore(socket);
    socket.on('data', this.#onData);
    socket.on('drain', this.#onDrain);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('end', this.#onEnd);
    resolver.watchdog.add(this);
    this.deadline = resolver.watchdog.after(this.#idleTimeoutMs);
    if (initial !== null && initial.length > 0) this.#onData(initial);
    // A socket handed over after sniffing arrives paused.
    if (!this.#closed && this.exchange === null) socket.resume();
    else if (!this.#closed) queueMicrotask(() => {
      if (!this.#closed && this.exchange !== null) socket.resume();
    });
  }

  // ---- socket -------------------------------------------------------------------

  #onData = (chunk: Buffer): void => {
    if (this.exchange === null && this.parser.idle && this.#headerTimeoutMs > 0) {
      // The first byte of a head starts the header timeout.
      this.deadline = this.resolver.watchdog.after(this.#headerTimeoutMs);
    }
    this.socket.cork();
    try {
      this.parser.execute(chunk);
    } catch (err) {
      // A bug must cost one connection, never the process.
      this.#internalError(err);
    }
    this.socket.uncork();
    // Pipelined requests wait in the parser; past a bound, stop reading until the current one is answered.
    if (this.parser.pendingBytes > this.#defaults.limits.maxHeadBytes && !this.#readPaused) {
      this.#readPaused = true;
      this.socket.pause();
    }
  };
  #readPaused = false;

  #onDrain = (): void => {
    this.exchange?.onDownstreamDrain();
  };

  #onError = (): void => {
    this.#teardown();
  };

  #onEnd = (): void => {
    // Half-close from the client: finish the request in flight, then close.
    if (this.exchange === null) {
      const f = this.parser.finish();
      if (f !== null && !this.#closed) this.#refuse(f);
      else this.socket.end();
    } else {
      this.#closeAfter = true;
      if (!this.#requestComplete) this.#teardown();
    }
  };

  #onClose = (): void => {
    this.#teardown();
  };

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.resolver.watchdog.delete(this);
    const x = this.exchange;
    this.exchange = null;
    if (x !== null && !x.done) x.onDownstreamReset();
    if (!this.#tunnelled) this.socket.destroy();
  }

  onDeadline(): void {
    if (this.#closed) return;
    if (this.exchange === null) {
      if (this.parser.inHead) {
        this.#refuse({ status: 408, reason: 'request headers timeout' });
      } else this.socket.destroy();
    }
  }

  // ---- parser -------------------------------------------------------------------

  onHead(head: MessageHead): void {
    this.requests++;
    this.http10 = head.minor === 0;
    this.#requestComplete = false;
    this.#responseComplete = false;
    this.#closeAfter = head.close || this.resolver.draining;
    this.deadline = 0;
    const target = head.target;
    let scheme = 'http';
    let authority = head.host ?? '';
    let path = target;
    if (head.method === 'CONNECT') {
      // authority-form only (RFC 9110 §9.3.6): host:port, which is also the request's authority. No path.
      if (!CONNECT_TARGET.test(target)) return this.#refuseHead(400, 'CONNECT needs an authority-form target (host:port)');
      authority = target;
      path = '';
      // After a refused CONNECT the client's next bytes are tunnel payload, not a request: close instead of parsing them.
      this.#closeAfter = true;
    } else if (target.charCodeAt(0) !== 47 /* / */) {
      if (target === '*') {
        if (head.method !== 'OPTIONS') return this.#refuseHead(400, 'asterisk-form is only for OPTIONS');
      } else {
        // absolute-form (the client uses the proxy as HTTP_PROXY): its authority overrides Host.
        const m = /^(https?):\/\/([^/?#]*)([^#]*)/i.exec(target);
        if (m === null) return this.#refuseHead(400, 'invalid request target');
        scheme = (m[1] as string).toLowerCase();
        authority = m[2] as string;
        path = m[3] === '' ? '/' : (m[3] as string);
        if (path.charCodeAt(0) !== 47) path = `/${path}`;
      }
    }
    if (!AUTHORITY_OK.test(authority)) return this.#refuseHead(400, 'invalid authority');
    const d = this.#defaults;
    if (this.http10 && !d.acceptHttp10) return this.#refuseHead(426, 'HTTP/1.0 is not accepted');
    const req = new ProxyRequest(
      head.method,
      scheme,
      authority,
      path,
      head.headers,
      head.chunked ? BODY_CHUNKED : head.contentLength >= 0 ? head.contentLength : NO_BODY,
      head.upgrade,
      this.http10,
    );
    const routed = this.resolver.hcmFor(this, req);
    if (routed === undefined) return this.#refuseHead(404, 'no listener configuration for this request', Flag.NR);
    this.destinationPort = routed.destinationPort;
    const x = new Exchange(this.resolver.ctx, routed.hcm, this, req);
    this.exchange = x;
    try {
      x.start();
    } catch (err) {
      this.#internalError(err);
    }
  }

  #internalError(err: unknown): void {
    this.resolver.ctx.onInternalError?.(err);
    const x = this.exchange;
    if (x !== null && !x.done && !x.responseStarted) {
      try {
        x.localReply(500, 'internal error');
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.#teardown();
  }

  onInformational(): void {}

  onBody(chunk: Buffer): void {
    const x = this.exchange;
    if (x !== null && !x.done) x.onRequestBody(chunk);
  }

  onTrailers(trailers: string[]): void {
    this.exchange?.onRequestTrailers(trailers);
  }

  onComplete(): void {
    // One request at a time: pipelined requests wait in the parser until this response is done.
    this.parser.pause();
    this.#requestComplete = true;
    const x = this.exchange;
    if (x !== null && !x.done) x.onRequestEnd();
    if (this.#responseComplete) this.#next();
  }

  onParseError(f: ParseFailure): void {
    const x = this.exchange;
    if (x !== null && !x.done) {
      // A body gone bad mid-request: the exchange cannot complete.
      x.flags |= Flag.DPE;
      if (!x.responseStarted) {
        this.exchange = null;
        x.onDownstreamReset();
        this.#refuse(f);
      } else this.#teardown();
      return;
    }
    this.#refuse(f);
  }

  /** Answers a request the proxy will not carry, then closes. */
  #refuse(f: ParseFailure): void {
    if (this.#closed) return;
    const status = f.status === 502 ? 400 : f.status;
    const body = `${f.reason}\n`;
    this.socket.end(`HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${body}`);
    this.#closed = true;
    this.resolver.watchdog.delete(this);
    this.parser.pause();
    // Give the answer a moment to leave, then make sure the socket is gone.
    setTimeout(destroyLater, 1000, this.socket).unref();
  }

  #refuseHead(status: 400 | 404 | 426 | 501, reason: string, _flag = 0): void {
    this.#refuse({ status: status as ParseFailure['status'], reason });
  }

  // ---- Downstream (what the exchange writes) -------------------------------------

  writeInformational(status: number, reason: string, headers: string[]): void {
    if (this.http10) return;
    let s = `HTTP/1.1 ${status} ${reason === '' ? reasonPhrase(status) : reason}\r\n`;
    for (let i = 0; i < headers.length; i += 2) s += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
    this.socket.write(s + '\r\n', 'latin1');
  }

  /** The response head waits here until the first body bytes (or the end), so both leave in one write. */
  #pendingHead: string | null = null;

  #flushHead(): void {
    const h = this.#pendingHead;
    if (h !== null) {
      this.#pendingHead = null;
      this.socket.write(h, 'latin1');
    }
  }

  writeHead(status: number, reason: string, headers: string[], length: number): void {
    let s = `HTTP/1.1 ${status} ${reason === '' ? reasonPhrase(status) : reason}\r\n`;
    for (let i = 0; i < headers.length; i += 2) s += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
    this.#chunkedOut = false;
    if (length >= 0) s += `content-length: ${length}\r\n`;
    else if (length === -1) {
      if (this.http10) this.#closeAfter = true; // HTTP/1.0 has no chunking: the body ends at close
      else {
        s += 'transfer-encoding: chunked\r\n';
        this.#chunkedOut = true;
      }
    }
    if (!this.#requestComplete && this.exchange !== null) this.#closeAfter = true; // answered before the body arrived
    if (this.#closeAfter) s += 'connection: close\r\n';
    else if (this.http10) s += 'connection: keep-alive\r\n';
    this.#pendingHead = s + '\r\n';
  }

  writeBody(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    const socket = this.socket;
    if (this.#chunkedOut) {
      socket.cork();
      this.#flushHead();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      const ok = socket.write('\r\n', 'latin1');
      socket.uncork();
      return ok;
    }
    const head = this.#pendingHead;
    if (head !== null) {
      this.#pendingHead = null;
      if (chunk.length <= SMALL_BODY) {
        // Head and a small body as one latin1 string (latin1 maps bytes 0–255
        // to themselves, so the body is unchanged): the socket writes a short
        // string from stack memory, where a combined Buffer costs an
        // allocation from Buffer's pool, whose refills are most of that cost.
        return socket.write(head + latin1Slice.call(chunk, 0, chunk.length), 'latin1');
      }
      if (chunk.length <= 16 * 1024) {
        // Head and a small body in one buffer: one plain write instead of a writev of two.
        const n = head.length;
        const out = Buffer.allocUnsafe(n + chunk.length);
        out.write(head, 0, n, 'latin1');
        chunk.copy(out, n);
        return socket.write(out);
      }
      socket.cork();
      socket.write(head, 'latin1');
      const ok = socket.write(chunk);
      socket.uncork();
      return ok;
    }
    return socket.write(chunk);
  }

  end(trailers: string[] | null): void {
    if (this.#chunkedOut) {
      let s = this.#pendingHead ?? '';
      this.#pendingHead = null;
      s += '0\r\n';
      if (trailers !== null) for (let i = 0; i < trailers.length; i += 2) s += `${trailers[i] as string}: ${trailers[i + 1] as string}\r\n`;
      this.socket.write(s + '\r\n', 'latin1');
    } else this.#flushHead();
    this.#responseComplete = true;
    if (this.#closeAfter || !this.#requestComplete) {
      this.exchange = null;
      this.#closed = true;
      this.resolver.watchdog.delete(this);
      this.socket.end();
      return;
    }
    if (this.#requestComplete) this.#next();
  }

  /** Ready for the next request on this connection. */
  #next(): void {
    this.exchange = null;
    if (this.#closed) return;
    if (this.resolver.draining) {
      this.#closed = true;
      this.resolver.watchdog.delete(this);
      this.socket.end();
      return;
    }
    this.deadline = this.resolver.watchdog.after(this.#idleTimeoutMs);
    this.parser.reset();
    if (this.#readPaused) {
      this.#readPaused = false;
      this.socket.resume();
    }
    if (this.parser.hasPending) {
      this.deadline = this.resolver.watchdog.after(this.#headerTimeoutMs || this.#idleTimeoutMs);
      queueMicrotask(this.#resumeParser);
    } else this.parser.resume();
  }

  #resumeParser = (): void => {
    if (this.#closed) return;
    this.socket.cork();
    try {
      this.parser.resume();
    } catch (err) {
      this.#internalError(err);
    }
    this.socket.uncork();
  };

  pauseRequest(): void {
    this.socket.pause();
  }

  resumeRequest(): void {
    if (!this.#closed) this.socket.resume();
  }

  tunnel(upstream: net.Socket, upstreamRest: Buffer | null, head: MessageHead): void {
    // 101 after an Upgrade; 2xx for a CONNECT the proxy terminated (no framing: the tunnel starts after the head).
    const upgrade = head.status === 101;
    let s = `HTTP/1.1 ${head.status} ${head.reason !== '' ? head.reason : upgrade ? 'Switching Protocols' : reasonPhrase(head.status)}\r\n`;
    const h = head.headers;
    for (let i = 0; i < h.length; i += 2) s += `${h[i] as string}: ${h[i + 1] as string}\r\n`;
    s += upgrade ? `connection: upgrade\r\nupgrade: ${head.upgrade === '' ? 'websocket' : head.upgrade}\r\n\r\n` : '\r\n';
    // A half-closed tunnel keeps carrying the other direction.
    if (!upgrade) this.socket.allowHalfOpen = true;
    this.#tunnelled = true;
    this.#closed = true;
    this.exchange = null;
    this.resolver.watchdog.delete(this);
    const down = this.socket;
    down.removeListener('data', this.#onData);
    down.removeListener('drain', this.#onDrain);
    down.removeListener('end', this.#onEnd);
    down.removeListener('close', this.#onClose);
    down.write(s, 'latin1');
    if (upstreamRest !== null && upstreamRest.length > 0) down.write(upstreamRest);
    const pending = this.parser.takePending();
    if (pending !== null && pending.length > 0) upstream.write(pending);
    splice(down, upstream);
    down.resume();
    upstream.resume();
  }

  reset(): void {
    this.exchange = null;
    this.#teardown();
  }

  /** Closes the connection when it is between requests (listener drain). */
  closeIfIdle(): boolean {
    if (this.exchange === null && this.parser.idle && !this.#closed) {
      this.#closed = true;
      this.resolver.watchdog.delete(this);
      this.socket.end();
      return true;
    }
    return false;
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/**
 * Readable schedules a nextTick after every read to "read more" up to its
 * high-water mark (maybeReadMore), which a flowing socket whose handle keeps
 * reading never needs: a tick, its queue entry and a read(0) per request.
 * Marking that tick as already scheduled skips it. Pausing and resuming do
 * not depend on it (resume reads again by itself). `readingMore` is
 * ReadableState's flag for exactly this; absent state (never on net.Socket)
 * leaves the socket as it is.
 */
function skipReadMore(socket: net.Socket): void {
  const state = (socket as unknown as { _readableState?: { readingMore: boolean } })._readableState;
  if (state !== undefined) state.readingMore = true;
}

function destroyLater(socket: net.Socket): void {
  socket.destroy();
}

const stripV4Mapped = (a: string): string => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

/** Two sockets as one tunnel, with backpressure both ways. */
export function splice(a: net.Socket, b: net.Socket): void {
  // An upstream connection that reads through onread emits no 'data': it forwards its reads itself.
  if (!forwardReads(a, b)) a.pipe(b);
  if (!forwardReads(b, a)) b.pipe(a);
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close);
  b.on('error', close);
  a.on('close', close);
  b.on('close', close);
}
