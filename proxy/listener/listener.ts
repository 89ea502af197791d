// Listeners at run time: a bound socket (or none, for bind_to_port: false),
// the filter chain each connection gets, and the hand-off to the HTTP/1.1
// codec or the TCP proxy.
//
// Original destination. Envoy reads it with SO_ORIGINAL_DST after iptables
// REDIRECT; Node has no such socket option. An OriginalDstResolver can be
// injected (the plan: look the connection up in the kernel's conntrack
// table, /proc/net/nf_conntrack, keyed by the client's address and port);
// without one, HTTP connections are routed by the request's authority (Host
// or absolute-form target): its port picks the per-port listener's route
// table on the outbound side, and the filter chain on the inbound side.
//
// TLS (mTLS). When chains match on transport_protocol (what Envoy's
// tls_inspector feeds), the first bytes choose: a TLS record header
// (0x16 0x03) is TLS, anything else plaintext. A chain with a
// DownstreamTlsContext terminates TLS (proxy/tls/server.ts) before its
// filters run; the verified client certificate travels with the connection
// to network and HTTP RBAC. Plaintext meeting only TLS chains (STRICT) is
// closed and counted in `plaintextRefused`.

import net from 'node:net';
import { Http1ServerConnection, type ConnectionFacts, type HcmResolver, type RoutedHcm } from '../http1/server.ts';
import { Http2ServerSession, sniffPreface } from '../http2/server.ts';
import type { Watchdog, Watched } from '../http1/watchdog.ts';
import type { ConnectionSecurity, ExchangeContext } from '../http/exchange.ts';
import { parseHcm, type HcmConfig } from '../http/hcm-config.ts';
import type { ProxyRequest } from '../http/request.ts';
import { evaluateChain } from '../http/rbac/index.ts';
import type { Cluster } from '../upstream/cluster.ts';
import { portOf } from '../config/address.ts';
import { acceptsTransport, selectChain, type FilterChainConfig, type ListenerConfig, type Transport } from './listener-config.ts';
import { tcpProxy, type TcpMetrics } from './tcp-proxy.ts';
import type { PeerCertificate } from '../http/rbac/request.ts';
import type { DownstreamTlsConfig } from '../tls/config.ts';
import type { TlsSecrets } from '../tls/secrets.ts';
import { TlsTerminator } from '../tls/server.ts';

export interface OriginalDst {
  readonly address: string;
  readonly port: number;
}

/** The destination a redirected connection was originally for, when the platform can tell. */
export type OriginalDstResolver = (socket: net.Socket) => OriginalDst | undefined;

/** What listeners need from the proxy around them. */
export interface ListenerHost {
  readonly ctx: ExchangeContext;
  readonly watchdog: Watchdog;
  readonly defaultHcm: HcmConfig;
  readonly originalDst: OriginalDstResolver | undefined;
  readonly plaintextForTls: boolean;
  readonly draining: boolean;
  cluster(name: string): Cluster | undefined;
  /** A listener with bind_to_port: false for this port (the virtual outbound listener hands connections to it). */
  portListener(port: number): ListenerConfig | undefined;
  /** Bumped on every applied config, so per-listener caches know when to forget. */
  readonly configVersion: number;
  /** The SDS Secrets TLS chains name. */
  readonly tlsSecrets: TlsSecrets;
  readonly log?: ((event: Readonly<Record<string, unknown>>) => void) | undefined;
  /** Istio's TCP metrics for tcp_proxy connections, when telemetry is on. */
  readonly tcpMetrics?: TcpMetrics | undefined;
}

/** What a terminated TLS connection carries to the filters. */
interface TlsInfo {
  readonly peer: PeerCertificate;
  /** The client presented a certificate (verified). */
  readonly mutual: boolean;
  readonly sni: string;
  /** The protocol ALPN chose ('' when none was negotiated). */
  readonly alpn: string;
}

const SNIFF_BYTES = 24;
const SNIFF_TIMEOUT_MS = 5_000;
const HTTP_METHOD = /^[A-Z]{3,12} /;
/** A TLS handshake record: content type 22, major version 3 (SSL 3.0 to TLS 1.3 all say 3). */
const isTlsRecord = (b: Buffer): boolean => b[0] === 0x16 && (b.length < 2 || b[1] === 0x03);

const UNCACHED: unique symbol = Symbol('uncached');

/** What both resolvers share: the listener's context, and a per-port cache dropped when the config version moves. */
class ListenerResolver {
  protected readonly listener: ListenerRuntime;
  protected readonly transport: Transport;
  #cache = new Map<number, RoutedHcm | undefined>();
  #version = -1;
  constructor(listener: ListenerRuntime, transport: Transport) {
    this.listener = listener;
    this.transport = transport;
  }
  get ctx(): ExchangeContext {
    return this.listener.host.ctx;
  }
  get watchdog(): Watchdog {
    return this.listener.host.watchdog;
  }
  get defaults(): HcmConfig {
    return this.listener.host.defaultHcm;
  }
  get draining(): boolean {
    return this.listener.host.draining || this.listener.draining;
  }
  /** The cached HCM for `port` under the current config version, or UNCACHED (no closure per request). */
  protected cached(port: number): RoutedHcm | undefined | typeof UNCACHED {
    const version = this.listener.host.configVersion;
    if (this.#version !== version) {
      this.#cache = new Map();
      this.#version = version;
    }
    return this.#cache.has(port) ? this.#cache.get(port) : UNCACHED;
  }
  protected remember(port: number, routed: RoutedHcm | undefined): RoutedHcm | undefined {
    this.#cache.set(port, routed);
    return routed;
  }
}

/** The HTTP side of a connection whose chain is known: the HCM of the chain for its destination port, re-read per request so config updates apply. */
class ChainResolver extends ListenerResolver implements HcmResolver {
  hcmFor(conn: ConnectionFacts, _req: ProxyRequest): RoutedHcm | undefined {
    const l = this.listener;
    const port = conn.connectionPort;
    // Prefix-range chains depend on the local address too: not cacheable by port alone.
    if (l.config.hasPrefixRanges) return routedBy(l.httpChainFor(port, conn.localAddress, this.transport), port);
    const hit = this.cached(port);
    if (hit !== UNCACHED) return hit;
    return this.remember(port, routedBy(l.httpChainFor(port, conn.localAddress, this.transport), port));
  }
}

/** HTTP on a connection whose destination is unknown: the request's authority port chooses (Node has no SO_ORIGINAL_DST). */
class AuthorityResolver extends ListenerResolver implements HcmResolver {
  hcmFor(_conn: ConnectionFacts, req: ProxyRequest): RoutedHcm | undefined {
    const port = portOf(req.authority, req.scheme === 'https' ? 443 : 80);
    const hit = this.cached(port);
    if (hit !== UNCACHED) return hit;
    return this.remember(port, this.listener.httpByAuthorityPort(port, this.transport));
  }
}

const routedBy = (hcm: HcmConfig | undefined, destinationPort: number): RoutedHcm | undefined => (hcm === undefined ? undefined : { hcm, destinationPort });

const passthroughHcms = new Map<string, HcmConfig>();

/** An HCM that sends every request to one cluster (the HTTP face of a tcp_proxy catch-all such as PassthroughCluster). */
function passthroughHcm(cluster: string, defaults: HcmConfig): HcmConfig {
  let h = passthroughHcms.get(cluster);
  if (h === undefined) {
    h = parseHcm(
      {
        stat_prefix: cluster,
        route_config: { name: cluster, virtual_hosts: [{ name: cluster, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: '0s' } }] }] },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
      },
      '',
      { defaultRequestHeadersTimeoutMs: defaults.requestHeadersTimeoutMs },
    );
    passthroughHcms.set(cluster, h);
  }
  return h;
}

export class ListenerRuntime {
  readonly name: string;
  readonly host: ListenerHost;
  config: ListenerConfig;
  server: net.Server | undefined;
  /** The port actually bound (differs from the config when overridden, e.g. 0 in tests). */
  boundPort = 0;
  draining = false;
  error: string | undefined;
  readonly #sockets = new Set<net.Socket>();
  readonly #http = new Set<Http1ServerConnection>();
  readonly #h2 = new Set<Http2ServerSession>();
  readonly #chainResolver: ChainResolver;
  readonly #authorityResolver: AuthorityResolver;
  readonly #tlsChainResolver: ChainResolver;
  readonly #tlsAuthorityResolver: AuthorityResolver;
  /** One TLS server per distinct TLS context (by its Secrets and checks), kept across config versions. */
  readonly #terminators = new Map<string, TlsTerminator>();
  /** Plaintext connections refused because only TLS is accepted (STRICT). */
  plaintextRefused = 0;
  /** TLS handshakes refused (no certificate, unverified, wrong SAN, Secrets missing, handshake error). */
  tlsRefused = 0;

  constructor(host: ListenerHost, config: ListenerConfig) {
    this.host = host;
    this.name = config.name;
    this.config = config;
    this.#chainResolver = new ChainResolver(this, 'raw_buffer');
    this.#authorityResolver = new AuthorityResolver(this, 'raw_buffer');
    this.#tlsChainResolver = new ChainResolver(this, 'tls');
    this.#tlsAuthorityResolver = new AuthorityResolver(this, 'tls');
  }

  /** TLS handshakes completed on this listener. */
  get tlsHandshakes(): number {
    let n = 0;
    for (const t of this.#terminators.values()) n += t.handshakes;
    return n;
  }

  /** Binds the socket. Resolves with the bound port; rejects with the bind error. */
  listen(port: number, address: string): Promise<number> {
    const server = net.createServer({ noDelay: true, pauseOnConnect: false }, this.#onConnection);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e) => {
        this.error = `bind ${address}:${port}: ${e.message}`;
        this.server = undefined;
        reject(new Error(`listener ${this.name}: ${this.error}`, { cause: e }));
      });
      server.listen({ port, host: address === '0.0.0.0' || address === '::' ? address : address, backlog: 1024 }, () => {
        const a = server.address();
        this.boundPort = typeof a === 'object' && a !== null ? a.port : port;
        server.on('error', () => {});
        resolve(this.boundPort);
      });
    });
  }

  update(config: ListenerConfig): void {
    this.config = config;
    const keep = new Set<string>();
    for (const c of [...config.chains, config.defaultChain]) if (c?.tls !== undefined) keep.add(`${tlsKey(c.tls)}|${allowsHttp2(c) ? 'h2' : 'h1'}`);
    for (const [k, t] of this.#terminators) {
      if (!keep.has(k)) {
        t.close();
        this.#terminators.delete(k);
      }
    }
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Stops accepting; connections finish their current request and close. */
  drain(): void {
    this.draining = true;
    this.server?.close();
    for (const c of this.#http) c.closeIfIdle();
    // HTTP/2: GOAWAY now; streams in flight finish, then each session closes.
    for (const s of this.#h2) s.goaway();
  }

  /** HTTP/2 sessions open on this listener. */
  get http2Sessions(): number {
    return this.#h2.size;
  }

  /** Closes everything now. */
  destroy(): void {
    this.draining = true;
    this.server?.close();
    for (const s of this.#sockets) s.destroy();
    for (const t of this.#terminators.values()) t.close();
    this.#terminators.clear();
  }

  #onConnection = (socket: net.Socket): void => {
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', noop);
    const dst = this.host.originalDst?.(socket);
    const cfg = this.config;
    if (dst !== undefined) {
      // Known destination: the listener for its port (virtual outbound) or this one's chain for it.
      const target = cfg.useOriginalDst ? (this.host.portListener(dst.port) ?? cfg) : cfg;
      this.#inspect(socket, target, (initial, transport) => this.#dispatch(socket, target, dst.port, dst.address, initial, dst, transport));
      return;
    }
    const needsDestination = cfg.useOriginalDst || cfg.chains.some((c) => c.destinationPort !== undefined && c.destinationPort !== cfg.port);
    if (!needsDestination) {
      this.#inspect(socket, cfg, (initial, transport) => this.#dispatch(socket, cfg, cfg.port, stripV4(socket.localAddress ?? ''), initial, undefined, transport));
      return;
    }
    this.#sniff(socket);
  };

  /** tls_inspector: when chains match on the transport, read the first bytes to tell TLS from plaintext. */
  #inspect(socket: net.Socket, cfg: ListenerConfig, then: (initial: Buffer | null, transport: Transport) => void): void {
    if (!cfg.inspectsTransport) {
      then(null, 'raw_buffer');
      return;
    }
    let done = false;
    const finish = (initial: Buffer | null): void => {
      if (done) return;
      done = true;
      socket.removeListener('data', onData);
      socket.setTimeout(0);
      socket.pause();
      then(initial, initial !== null && isTlsRecord(initial) ? 'tls' : 'raw_buffer');
    };
    const onData = (chunk: Buffer): void => finish(chunk);
    socket.on('data', onData);
    // A client that waits for the server to speak first (server-first protocols) is plaintext.
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => finish(null));
  }

  #sniff(socket: net.Socket): void {
    let buffered: Buffer | null = null;
    const onData = (chunk: Buffer): void => {
      buffered = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
      if (isTlsRecord(buffered) && this.config.inspectsTransport) {
        finishTls();
        return;
      }
      const head = buffered.toString('latin1', 0, Math.min(buffered.length, SNIFF_BYTES));
      if (buffered.length < SNIFF_BYTES && !head.includes(' ') && /^[A-Z]*$/.test(head)) return;
      finish(HTTP_METHOD.test(head));
    };
    const stop = (): void => {
      socket.removeListener('data', onData);
      socket.setTimeout(0);
      socket.pause();
    };
    const finishTls = (): void => {
      stop();
      // The destination port is unknown until the request's authority: any TLS chain's context
      // terminates (a compiled virtualInbound has one for all its ports), then HTTP picks the chain by authority.
      const chain = this.config.chains.find((c) => c.tls !== undefined && acceptsTransport(c, 'tls', false));
      if (chain?.tls === undefined) {
        socket.destroy();
        return;
      }
      this.#terminate(socket, buffered, chain.tls, allowsHttp2(chain), (s, info) => this.#serveHttp(s, this.#tlsAuthorityResolver, 0, null, undefined, info));
    };
    const finish = (http: boolean): void => {
      stop();
      const initial = buffered;
      if (this.config.tlsOnly) {
        this.#refusePlaintext(socket);
        return;
      }
      if (http) {
        this.#serveHttp(socket, this.#authorityResolver, 0, initial, undefined, null);
        return;
      }
      // Not HTTP and no original destination: the listener's catch-all chain, which can only work for clusters that need no destination.
      const chain = selectChain(this.config, this.config.port, '', 'raw_buffer', this.host.plaintextForTls);
      if (chain === undefined || chain.action.kind !== 'tcp') {
        socket.destroy();
        return;
      }
      socket.resume();
      tcpProxy(socket, initial, chain.action.tcp, this.host.cluster(chain.action.tcp.cluster), { originalDst: undefined, metrics: this.host.tcpMetrics });
    };
    socket.on('data', onData);
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => finish(false));
  }

  #dispatch(socket: net.Socket, cfg: ListenerConfig, port: number, ip: string, initial: Buffer | null, dst: OriginalDst | undefined, transport: Transport): void {
    const chain = selectChain(cfg, port, ip, transport, this.host.plaintextForTls);
    if (transport === 'raw_buffer' && (chain === undefined || chain === cfg.defaultChain) && cfg.chains.some((c) => c.tls !== undefined && (c.destinationPort === undefined || c.destinationPort === port))) {
      // Only TLS chains serve this port (STRICT): plaintext is refused, not sent to the catch-all.
      this.#refusePlaintext(socket);
      return;
    }
    if (chain === undefined) {
      socket.destroy();
      return;
    }
    if (chain.tls !== undefined) {
      this.#terminate(socket, initial, chain.tls, allowsHttp2(chain), (s, info) => this.#serve(s, cfg, chain, port, null, dst, info, 'tls'));
      return;
    }
    this.#serve(socket, cfg, chain, port, initial, dst, null, 'raw_buffer');
  }

  #serve(socket: net.Socket, cfg: ListenerConfig, chain: FilterChainConfig, port: number, initial: Buffer | null, dst: OriginalDst | undefined, tls: TlsInfo | null, transport: Transport): void {
    if (chain.networkRbac.length > 0 && !this.#networkAllowed(socket, chain, port, tls)) {
      socket.destroy();
      return;
    }
    if (chain.action.kind === 'http') {
      const resolver = cfg === this.config ? (transport === 'tls' ? this.#tlsChainResolver : this.#chainResolver) : transport === 'tls' ? this.#tlsAuthorityResolver : this.#authorityResolver;
      this.#serveHttp(socket, resolver, port, initial, chain.action.hcm, tls);
      return;
    }
    const security: ConnectionSecurity | undefined = tls === null ? undefined : tls.mutual ? { kind: 'mutual_tls', peerPrincipal: tls.peer.uriSans[0] ?? '' } : { kind: 'none' };
    tcpProxy(socket, initial, chain.action.tcp, this.host.cluster(chain.action.tcp.cluster), { originalDst: dst, security, metrics: this.host.tcpMetrics });
  }

  #refusePlaintext(socket: net.Socket): void {
    this.plaintextRefused++;
    this.host.log?.({ msg: 'plaintext connection refused: this port requires mTLS', listener: this.name, remote: `${stripV4(socket.remoteAddress ?? '')}:${socket.remotePort ?? 0}` });
    socket.destroy();
  }

  /** Runs the TLS handshake for a chain; on success `then` gets the TLS socket and the verified peer. */
  #terminate(socket: net.Socket, initial: Buffer | null, cfg: DownstreamTlsConfig, http2: boolean, then: (s: net.Socket, info: TlsInfo) => void): void {
    const key = `${tlsKey(cfg)}|${http2 ? 'h2' : 'h1'}`;
    let t = this.#terminators.get(key);
    if (t === undefined) {
      t = new TlsTerminator(this.host.tlsSecrets, cfg, http2);
      this.#terminators.set(key, t);
    }
    const remote = `${stripV4(socket.remoteAddress ?? '')}:${socket.remotePort ?? 0}`;
    t.accept(socket, initial, (r) => {
      if (!r.ok) {
        this.tlsRefused++;
        this.host.log?.({ msg: 'TLS connection refused', listener: this.name, remote, reason: r.reason });
        return;
      }
      if (this.draining) {
        r.socket.destroy();
        return;
      }
      r.socket.on('error', noop);
      then(r.socket, { peer: r.peer, mutual: r.mutual, sni: r.sni, alpn: r.alpn });
    });
  }

  #networkAllowed(socket: net.Socket, chain: FilterChainConfig, port: number, tls: TlsInfo | null): boolean {
    const remote = stripV4(socket.remoteAddress ?? '');
    return evaluateChain(chain.networkRbac, {
      tls: tls === null ? null : tls.peer,
      directRemoteIp: remote,
      remoteIp: remote,
      destinationIp: stripV4(socket.localAddress ?? ''),
      destinationPort: port,
      sni: tls === null ? '' : tls.sni,
      method: undefined,
      path: undefined,
      authority: undefined,
      headers: {},
      metadata: {},
    }).allowed;
  }

  #track(conn: Http1ServerConnection): void {
    this.#http.add(conn);
    conn.socket.once('close', () => this.#http.delete(conn));
  }

  /**
   * The HTTP codec for a connection: ALPN decides on TLS; else the
   * connection manager's codec_type, and for AUTO the first bytes (the
   * HTTP/2 preface, as Envoy's AUTO does on plaintext).
   */
  #serveHttp(socket: net.Socket, resolver: HcmResolver, port: number, initial: Buffer | null, hcm: HcmConfig | undefined, tls: TlsInfo | null): void {
    const defaults = hcm ?? resolver.defaults;
    const alpn = tls === null ? '' : tls.alpn;
    const h2 = alpn === 'h2' ? true : alpn === 'http/1.1' || defaults.codec === 'HTTP1' ? false : defaults.codec === 'HTTP2' ? true : initial === null ? undefined : sniffPreface(initial);
    if (h2 !== undefined) {
      this.codec(h2, socket, resolver, port, initial, defaults, hcm, tls);
      return;
    }
    new PrefaceWait(this, socket, resolver, port, initial, defaults, hcm, tls);
  }

  codec(h2: boolean, socket: net.Socket, resolver: HcmResolver, port: number, initial: Buffer | null, defaults: HcmConfig, hcm: HcmConfig | undefined, tls: TlsInfo | null): void {
    if (!h2) {
      this.#track(new Http1ServerConnection(socket, resolver, port, initial, hcm, tls));
      return;
    }
    const s = new Http2ServerSession(socket, resolver, port, initial, defaults, tls, this.host.log);
    if (s.closed) return;
    this.#h2.add(s);
    s.onClose = this.#h2Closed;
  }

  #h2Closed = (s: Http2ServerSession): void => {
    this.#h2.delete(s);
  };

  /** The HCM of this listener's chain for a destination port (HTTP chains only). */
  httpChainFor(port: number, ip: string, transport: Transport): HcmConfig | undefined {
    const chain = selectChain(this.config, port, ip, transport, this.host.plaintextForTls);
    if (chain === undefined) return undefined;
    if (chain.action.kind === 'http') return chain.action.hcm;
    return passthroughHcm(chain.action.tcp.cluster, this.host.defaultHcm);
  }

  /**
   * HTTP without an original destination: the authority's port picks. The
   * destination port returned is the one the request was routed by: the
   * authority's, or the workload port whose chain took it.
   */
  httpByAuthorityPort(port: number, transport: Transport): RoutedHcm | undefined {
    const cfg = this.config;
    const ptf = this.host.plaintextForTls;
    if (cfg.useOriginalDst) {
      const target = this.host.portListener(port);
      if (target !== undefined) {
        const c = selectChain(target, port, '', transport, ptf);
        if (c !== undefined && c.action.kind === 'http') return { hcm: c.action.hcm, destinationPort: port };
      }
      const own = selectChain(cfg, port, '', transport, ptf);
      if (own === undefined) return undefined;
      return { hcm: own.action.kind === 'http' ? own.action.hcm : passthroughHcm(own.action.tcp.cluster, this.host.defaultHcm), destinationPort: port };
    }
    // Inbound: the chain for that port; else, when the workload serves one HTTP port, that one.
    const byPort = cfg.chains.find((c) => c.destinationPort === port && c.action.kind === 'http' && acceptsTransport(c, transport, ptf));
    if (byPort !== undefined && byPort.action.kind === 'http') return { hcm: byPort.action.hcm, destinationPort: port };
    const httpPorts = new Set(cfg.chains.filter((c) => c.action.kind === 'http' && acceptsTransport(c, transport, ptf)).map((c) => c.destinationPort));
    if (httpPorts.size === 1) {
      const onlyPort = [...httpPorts][0] ?? port;
      const only = selectChain(cfg, onlyPort, '', transport, ptf);
      if (only !== undefined && only.action.kind === 'http') return { hcm: only.action.hcm, destinationPort: onlyPort };
    }
    return routedBy(this.httpChainFor(port, '', transport), port);
  }
}

function noop(): void {}

/**
 * codec_type AUTO before any byte has told: the connection waits for the
 * first bytes (or the rest of a preface) under the same deadlines an HTTP/1
 * connection has: idle while nothing came, the header timeout once bytes did.
 */
class PrefaceWait implements Watched {
  deadline = 0;
  readonly #listener: ListenerRuntime;
  readonly #socket: net.Socket;
  readonly #resolver: HcmResolver;
  readonly #port: number;
  readonly #defaults: HcmConfig;
  readonly #hcm: HcmConfig | undefined;
  readonly #tls: TlsInfo | null;
  #buffered: Buffer | null;

  constructor(listener: ListenerRuntime, socket: net.Socket, resolver: HcmResolver, port: number, initial: Buffer | null, defaults: HcmConfig, hcm: HcmConfig | undefined, tls: TlsInfo | null) {
    this.#listener = listener;
    this.#socket = socket;
    this.#resolver = resolver;
    this.#port = port;
    this.#defaults = defaults;
    this.#hcm = hcm;
    this.#tls = tls;
    this.#buffered = initial;
    const w = resolver.watchdog;
    w.add(this);
    this.deadline = w.after(initial === null ? defaults.idleTimeoutMs : defaults.requestHeadersTimeoutMs || defaults.idleTimeoutMs);
    socket.on('data', this.#onData);
    socket.once('close', this.#onClose);
    socket.resume();
  }

  #onData = (chunk: Buffer): void => {
    const first = this.#buffered === null;
    const b = (this.#buffered = this.#buffered === null ? chunk : Buffer.concat([this.#buffered, chunk]));
    const v = sniffPreface(b);
    if (v === undefined) {
      if (first) this.deadline = this.#resolver.watchdog.after(this.#defaults.requestHeadersTimeoutMs || this.#defaults.idleTimeoutMs);
      return;
    }
    this.#stop();
    this.#socket.pause();
    this.#listener.codec(v, this.#socket, this.#resolver, this.#port, b, this.#defaults, this.#hcm, this.#tls);
  };

  #onClose = (): void => {
    this.#stop();
  };

  #stop(): void {
    this.#socket.removeListener('data', this.#onData);
    this.#socket.removeListener('close', this.#onClose);
    this.#resolver.watchdog.delete(this);
  }

  onDeadline(): void {
    this.#stop();
    this.#socket.destroy();
  }
}
/** A chain whose connection manager may speak HTTP/2 (so its TLS context may offer h2 by ALPN). */
const allowsHttp2 = (c: FilterChainConfig): boolean => c.action.kind === 'http' && c.action.hcm.codec !== 'HTTP1';
const tlsKey = (t: DownstreamTlsConfig): string => JSON.stringify([t.certificateSecret, t.validationSecret, t.requireClientCertificate, t.alpn, t.sans.map((s) => `${s.type} ${s.text}`)]);
const stripV4 = (a: string): string => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);
