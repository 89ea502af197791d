// The downstream side of HTTP/2: one session per client connection (h2c with
// prior knowledge, or h2 chosen by ALPN), driven by node:http2 on the socket
// the listener already owns (a server that never listens is handed the
// socket with `emit('connection')`). Each stream is one Exchange behind the
// Downstream seam, exactly as an HTTP/1.1 request is.
//
// Hostile clients: the concurrent streams are bounded (SETTINGS), header
// lists too (a stream over the limit is reset by the codec), nghttp2 closes
// sessions that flood SETTINGS, PING or invalid frames, and streams the
// client resets before their response completes are counted: a session
// whose streams are mostly reset this way (CVE-2023-44487, rapid reset), or
// that resets too many per second, gets GOAWAY ENHANCE_YOUR_CALM and is
// closed. Header and idle timeouts are coarse deadlines on the watchdog.

import type http2 from 'node:http2';
import { nodeHttp2, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_REFUSED_STREAM } from './node-http2.ts';
import type net from 'node:net';
import type tls from 'node:tls';
import { Exchange, type ConnectionSecurity, type Downstream } from '../http/exchange.ts';
import type { HcmConfig } from '../http/hcm-config.ts';
import type { HcmResolver } from '../http1/server.ts';
import type { MessageHead } from '../http1/parser.ts';
import type { Watched } from '../http1/watchdog.ts';
import { BODY_CHUNKED, NO_BODY, ProxyRequest } from '../http/request.ts';
import type { PeerCertificate } from '../http/rbac/request.ts';
import type { Http2Options } from './options.ts';
import { fromH2Object, fromH2Raw, toH2 } from './headers.ts';

/** The client's connection preface (RFC 9113 §3.4); its first 14 bytes tell HTTP/2 from HTTP/1 (Envoy's codec_type AUTO). */
export const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const PREFACE_SNIFF = Buffer.from('PRI * HTTP/2.0');

/** HTTP/2 (true), HTTP/1 (false), or undecided (more bytes needed): the bytes so far against the preface. */
export function sniffPreface(b: Buffer): boolean | undefined {
  const n = Math.min(b.length, PREFACE_SNIFF.length);
  for (let i = 0; i < n; i++) if (b[i] !== PREFACE_SNIFF[i]) return false;
  return n === PREFACE_SNIFF.length ? true : undefined;
}

/** Streams reset by the client before their response completed, over all streams, above which a session is closed… */
const PREMATURE_RESET_SHARE = 0.5;
/** …once it has had this many streams (Envoy's premature reset check counts the same way). */
const PREMATURE_RESET_MIN_STREAMS = 100;
/** Client resets per second that close a session regardless of the share. */
const MAX_RESETS_PER_SECOND = 200;

const servers = new Map<string, http2.Http2Server>();
/** The session object `emit('connection')` is creating (node emits 'session' synchronously within it). */
let attaching: Http2ServerSession | null = null;

function serverFor(o: Http2Options, maxHeaderBytes: number, maxHeaders: number): http2.Http2Server {
  const key = `${o.maxConcurrentStreams}|${o.initialStreamWindow}|${o.hpackTableSize}|${maxHeaderBytes}|${maxHeaders}`;
  let s = servers.get(key);
  if (s === undefined) {
    s = nodeHttp2().createServer({
      settings: { maxConcurrentStreams: o.maxConcurrentStreams, initialWindowSize: o.initialStreamWindow, headerTableSize: o.hpackTableSize, maxHeaderListSize: maxHeaderBytes },
      // Header fields per stream, pseudo-headers included (node counts them); more resets the stream.
      maxHeaderListPairs: maxHeaders + 8,
      // Streams refused for exceeding the limit, and invalid frames, before the session is closed (nghttp2 enforces).
      maxSessionRejectedStreams: 100,
      maxSessionInvalidFrames: 100,
      maxSettings: 32,
      maxOutstandingPings: 10,
      maxSessionMemory: 10,
    });
    s.on('session', (session: http2.ServerHttp2Session) => {
      const owner = attaching;
      attaching = null;
      if (owner === null) session.destroy();
      else owner.attach(session);
    });
    s.on('sessionError', noop);
    s.on('unknownProtocol', (socket: net.Socket) => socket.destroy());
    servers.set(key, s);
  }
  return s;
}

type TlsFacts = { readonly peer: PeerCertificate; readonly mutual: boolean; readonly sni: string };

export class Http2ServerSession implements Watched {
  readonly socket: net.Socket;
  readonly resolver: HcmResolver;
  session: http2.ServerHttp2Session | null = null;
  deadline = 0;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly connectionPort: number;
  readonly peer: PeerCertificate | null;
  readonly sni: string;
  readonly security: ConnectionSecurity | undefined;
  readonly #idleTimeoutMs: number;
  /** Streams with an exchange in progress. */
  active = 0;
  /** Streams opened, and those the client reset before their response completed. */
  streams = 0;
  prematureResets = 0;
  #resetWindowStart = 0;
  #resetsInWindow = 0;
  #closed = false;
  /** Called once when the session ends (the listener's bookkeeping). */
  onClose: ((s: Http2ServerSession) => void) | undefined = undefined;
  readonly #log: ((event: Readonly<Record<string, unknown>>) => void) | undefined;

  constructor(socket: net.Socket, resolver: HcmResolver, destinationPort: number, initial: Buffer | null, defaults: HcmConfig, tlsFacts: TlsFacts | null, log?: (event: Readonly<Record<string, unknown>>) => void) {
    this.socket = socket;
    this.resolver = resolver;
    this.#log = log;
    this.peer = tlsFacts === null ? null : tlsFacts.peer;
    this.sni = tlsFacts === null ? '' : tlsFacts.sni;
    this.security = tlsFacts === null ? undefined : tlsFacts.mutual ? { kind: 'mutual_tls', peerPrincipal: tlsFacts.peer.uriSans[0] ?? '' } : { kind: 'none' };
    this.remoteAddress = stripV4Mapped(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = stripV4Mapped(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    this.connectionPort = destinationPort;
    this.#idleTimeoutMs = defaults.idleTimeoutMs;
    const server = serverFor(defaults.http2, defaults.limits.maxHeadBytes, defaults.limits.maxHeaders);
    resolver.watchdog.add(this);
    // The preface and the first request must arrive within the header timeout (else the idle one).
    this.deadline = resolver.watchdog.after(defaults.requestHeadersTimeoutMs || this.#idleTimeoutMs);
    // TLS without ALPN reaches here by the preface: node's server would call that "unknown protocol".
    const t = socket as tls.TLSSocket;
    if (t.encrypted === true && t.alpnProtocol === false) t.alpnProtocol = 'h2';
    if (initial !== null && initial.length > 0) socket.unshift(initial);
    attaching = this;
    try {
      server.emit('connection', socket);
    } catch (err) {
      // A socket that went away under us (node throws on a destroyed handle): this connection only.
      log?.({ msg: 'HTTP/2 session could not start', reason: err instanceof Error ? err.message : String(err) });
    } finally {
      attaching = null;
    }
    // node:http2 reads the socket's handle itself (bytes already read were unshifted): no resume here.
    if (this.session === null) this.#teardown();
  }

  attach(session: http2.ServerHttp2Session): void {
    this.session = session;
    session.on('stream', this.#onStream);
    session.on('error', noop);
    session.on('close', this.#teardown);
    session.on('goaway', this.#onGoaway);
  }

  get draining(): boolean {
    return this.resolver.draining;
  }

  #onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, raw: string[]): void => {
    this.streams++;
    this.active++;
    this.deadline = 0;
    const ds = new Http2Downstream(this, stream);
    stream.on('close', ds.onClose);
    stream.on('error', noop);
    if (stream.closed || stream.destroyed) return;
    const method = headers[':method'] ?? '';
    if (method === 'CONNECT') return ds.refuse(501);
    const authority = headers[':authority'] ?? headers['host'] ?? '';
    if (!AUTHORITY_OK.test(authority)) return ds.refuse(400);
    const cl = headers['content-length'];
    const length = stream.endAfterHeaders ? NO_BODY : cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : BODY_CHUNKED;
    const fields = fromH2Raw(raw);
    if (cl !== undefined) removeField(fields, 'content-length');
    const req = new ProxyRequest(method, headers[':scheme'] ?? 'http', authority, headers[':path'] ?? '/', fields, length, '', false);
    const routed = this.resolver.hcmFor(this, req);
    if (routed === undefined) return ds.refuse(404);
    ds.destinationPort = routed.destinationPort;
    const x = new Exchange(this.resolver.ctx, routed.hcm, ds, req);
    ds.exchange = x;
    stream.on('data', ds.onData);
    stream.on('trailers', ds.onTrailers);
    stream.on('end', ds.onEnd);
    stream.on('drain', ds.onDrain);
    stream.on('wantTrailers', ds.onWantTrailers);
    try {
      x.start();
    } catch (err) {
      ds.internalError(err);
    }
  };

  /** A stream ended; `premature`: the client reset it before its response completed. */
  streamClosed(premature: boolean): void {
    this.active--;
    if (premature) {
      this.prematureResets++;
      const now = this.resolver.watchdog.now;
      if (now - this.#resetWindowStart >= 1000) {
        this.#resetWindowStart = now;
        this.#resetsInWindow = 0;
      }
      this.#resetsInWindow++;
      if (this.#resetsInWindow > MAX_RESETS_PER_SECOND || (this.streams >= PREMATURE_RESET_MIN_STREAMS && this.prematureResets >= this.streams * PREMATURE_RESET_SHARE)) {
        this.#calm('too many streams reset by the client (rapid reset)');
        return;
      }
    }
    if (this.active === 0 && !this.#closed) {
      if (this.resolver.draining) this.goaway();
      else this.deadline = this.resolver.watchdog.after(this.#idleTimeoutMs);
    }
  }

  /** GOAWAY ENHANCE_YOUR_CALM and close: the client abuses the protocol. */
  #calm(reason: string): void {
    const s = this.session;
    if (s === null || this.#closed) return;
    this.#log?.({ msg: 'HTTP/2 session closed', reason, remote: `${this.remoteAddress}:${this.remotePort}`, streams: this.streams, resets: this.prematureResets });
    // destroy's code is the final GOAWAY's (a separate goaway() would be followed by a NO_ERROR one).
    s.destroy(new Error(reason), NGHTTP2_ENHANCE_YOUR_CALM);
    this.#teardown();
  }

  onDeadline(): void {
    if (this.#closed || this.active > 0) return;
    // Idle, or the preface / first request never came.
    this.goaway();
  }

  /** Graceful close (drain, idle): GOAWAY, streams in flight finish, then the connection closes. */
  goaway(): void {
    const s = this.session;
    if (s === null || this.#closed) return;
    if (!s.closed) s.close();
    // A client that never finishes its streams or never closes its side does not keep the socket.
    setTimeout(destroyLater, this.active > 0 ? 30_000 : 1000, s).unref();
  }

  #onGoaway = (): void => {
    // The client is leaving: nothing to add; streams in flight finish.
  };

  #teardown = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.resolver.watchdog.delete(this);
    this.socket.destroy();
    this.onClose?.(this);
  };

  get closed(): boolean {
    return this.#closed;
  }
}

const AUTHORITY_OK = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]*$/;

/** One stream as the exchange sees it: the Downstream seam over node:http2. */
class Http2Downstream implements Downstream {
  readonly #s: Http2ServerSession;
  readonly stream: http2.ServerHttp2Stream;
  exchange: Exchange | null = null;
  destinationPort: number;
  #trailers: string[] | null = null;
  #ended = false;
  #responded = false;

  constructor(s: Http2ServerSession, stream: http2.ServerHttp2Stream) {
    this.#s = s;
    this.stream = stream;
    this.destinationPort = s.connectionPort;
  }

  get remoteAddress(): string {
    return this.#s.remoteAddress;
  }
  get localAddress(): string {
    return this.#s.localAddress;
  }
  get downstreamRemoteAddress(): string {
    return this.#s.remoteAddress;
  }
  get downstreamRemotePort(): number {
    return this.#s.remotePort;
  }
  get downstreamLocalAddress(): string {
    return this.#s.localAddress;
  }
  get downstreamLocalPort(): number {
    return this.#s.localPort;
  }
  get protocol(): string {
    return 'HTTP/2';
  }
  get http10(): boolean {
    return false;
  }
  get peer(): PeerCertificate | null {
    return this.#s.peer;
  }
  get sni(): string {
    return this.#s.sni;
  }
  get security(): ConnectionSecurity | undefined {
    return this.#s.security;
  }

  /** Answers without an exchange (no route configuration, CONNECT, bad authority). */
  refuse(status: number): void {
    if (this.stream.closed) return;
    this.#responded = true;
    this.#ended = true;
    try {
      this.stream.respond({ ':status': status }, { endStream: true });
    } catch {
      this.stream.close(NGHTTP2_INTERNAL_ERROR);
    }
  }

  internalError(err: unknown): void {
    this.#s.resolver.ctx.onInternalError?.(err);
    const x = this.exchange;
    if (x !== null && !x.done && !x.responseStarted) {
      try {
        x.localReply(500, 'internal error');
        return;
      } catch {
        // fall through: reset the stream
      }
    }
    this.reset();
  }

  // ---- stream events ----------------------------------------------------------

  onData = (chunk: Buffer): void => {
    const x = this.exchange;
    if (x !== null && !x.done) x.onRequestBody(chunk);
  };

  onTrailers = (trailers: http2.IncomingHttpHeaders): void => {
    this.exchange?.onRequestTrailers(fromH2Object(trailers));
  };

  onEnd = (): void => {
    const x = this.exchange;
    if (x !== null && !x.done) x.onRequestEnd();
  };

  onDrain = (): void => {
    this.exchange?.onDownstreamDrain();
  };

  onWantTrailers = (): void => {
    const t = this.#trailers;
    try {
      this.stream.sendTrailers(t === null || t.length === 0 ? {} : toH2({}, t));
    } catch {
      this.stream.close(NGHTTP2_INTERNAL_ERROR);
    }
  };

  onClose = (): void => {
    const x = this.exchange;
    this.exchange = null;
    // Reset by the client (or lost with its connection) before the response completed.
    const premature = !this.#ended;
    if (x !== null && !x.done) x.onDownstreamReset();
    this.#s.streamClosed(premature && this.stream.rstCode !== NGHTTP2_REFUSED_STREAM);
  };

  // ---- Downstream -----------------------------------------------------------------

  writeHead(status: number, _reason: string, headers: string[], length: number): void {
    if (this.stream.closed || this.#responded) return;
    this.#responded = true;
    const h = toH2({ ':status': status }, headers);
    const noBody = length === 0 || length === -2 || status === 204 || status === 304 || this.exchange?.request.method === 'HEAD';
    if (length >= 0 && status !== 204 && status !== 304) h['content-length'] = String(length);
    try {
      // Trailers follow a streamed body (HTTP/1.1 chunked, HTTP/2 without content-length): only then wait for them, which
      // saves a frame and an event-loop turn per response (measured: ~20 % more requests per CPU-second). Trailers an
      // HTTP/2 upstream sends after a declared length are dropped.
      this.stream.respond(h, noBody ? { endStream: true } : length === -1 ? { waitForTrailers: true } : undefined);
      if (noBody) this.#ended = true;
    } catch (err) {
      // A field HTTP/2 cannot carry (the upstream's): the stream cannot be answered faithfully.
      this.#s.resolver.ctx.onInternalError?.(err);
      this.stream.close(NGHTTP2_INTERNAL_ERROR);
    }
  }

  writeInformational(status: number, _reason: string, headers: string[]): void {
    if (this.stream.closed || this.#responded) return;
    try {
      this.stream.additionalHeaders(toH2({ ':status': status }, headers));
    } catch {
      // An informational response is advisory: dropping it is safe.
    }
  }

  writeBody(chunk: Buffer): boolean {
    if (this.#ended || this.stream.closed || this.stream.destroyed) return true;
    return this.stream.write(chunk);
  }

  end(trailers: string[] | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#trailers = trailers;
    if (!this.stream.closed && !this.stream.destroyed) this.stream.end();
  }

  pauseRequest(): void {
    this.stream.pause();
  }

  resumeRequest(): void {
    if (!this.stream.destroyed) this.stream.resume();
  }

  /** HTTP/2 requests never upgrade (no Upgrade in HTTP/2; extended CONNECT is not offered). */
  tunnel(upstream: net.Socket, _rest: Buffer | null, _head: MessageHead): void {
    upstream.destroy();
    this.reset();
  }

  reset(): void {
    this.exchange = null;
    this.#ended = true;
    if (!this.stream.closed && !this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR);
  }
}

function removeField(fields: string[], name: string): void {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === name) {
      fields.splice(i, 2);
      i -= 2;
    }
  }
}

function destroyLater(s: http2.ServerHttp2Session): void {
  if (!s.destroyed) s.destroy();
}

function noop(): void {}

const stripV4Mapped = (a: string): string => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);
