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

import net from 'node:net';
import { Http1ServerConnection, type HcmResolver } from '../http1/server.ts';
import type { Watchdog } from '../http1/watchdog.ts';
import type { ExchangeContext } from '../http/exchange.ts';
import { parseHcm, type HcmConfig } from '../http/hcm-config.ts';
import type { ProxyRequest } from '../http/request.ts';
import { evaluateChain } from '../http/rbac/index.ts';
import type { Cluster } from '../upstream/cluster.ts';
import { portOf } from '../config/address.ts';
import { selectChain, type FilterChainConfig, type ListenerConfig } from './listener-config.ts';
import { tcpProxy } from './tcp-proxy.ts';

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
}

const SNIFF_BYTES = 24;
const SNIFF_TIMEOUT_MS = 5_000;
const HTTP_METHOD = /^[A-Z]{3,12} /;

/** The HTTP side of a connection whose chain is known: the HCM of the chain for its destination port, re-read per request so config updates apply. */
class ChainResolver implements HcmResolver {
  readonly #listener: ListenerRuntime;
  #cache = new Map<number, HcmConfig | undefined>();
  #version = -1;
  constructor(listener: ListenerRuntime) {
    this.#listener = listener;
  }
  get ctx(): ExchangeContext {
    return this.#listener.host.ctx;
  }
  get watchdog(): Watchdog {
    return this.#listener.host.watchdog;
  }
  get defaults(): HcmConfig {
    return this.#listener.host.defaultHcm;
  }
  get draining(): boolean {
    return this.#listener.host.draining || this.#listener.draining;
  }
  hcmFor(conn: Http1ServerConnection, _req: ProxyRequest): HcmConfig | undefined {
    const l = this.#listener;
    if (this.#version !== l.host.configVersion) {
      this.#cache = new Map();
      this.#version = l.host.configVersion;
    }
    const port = conn.destinationPort;
    if (!l.config.hasPrefixRanges) {
      if (this.#cache.has(port)) return this.#cache.get(port);
      const hcm = l.httpChainFor(port, conn.localAddress);
      this.#cache.set(port, hcm);
      return hcm;
    }
    return l.httpChainFor(port, conn.localAddress);
  }
}

/** HTTP on a connection whose destination is unknown: the request's authority port chooses (Node has no SO_ORIGINAL_DST). */
class AuthorityResolver implements HcmResolver {
  readonly #listener: ListenerRuntime;
  #cache = new Map<number, HcmConfig | undefined>();
  #version = -1;
  constructor(listener: ListenerRuntime) {
    this.#listener = listener;
  }
  get ctx(): ExchangeContext {
    return this.#listener.host.ctx;
  }
  get watchdog(): Watchdog {
    return this.#listener.host.watchdog;
  }
  get defaults(): HcmConfig {
    return this.#listener.host.defaultHcm;
  }
  get draining(): boolean {
    return this.#listener.host.draining || this.#listener.draining;
  }
  hcmFor(_conn: Http1ServerConnection, req: ProxyRequest): HcmConfig | undefined {
    const l = this.#listener;
    if (this.#version !== l.host.configVersion) {
      this.#cache = new Map();
      this.#version = l.host.configVersion;
    }
    const port = portOf(req.authority, req.scheme === 'https' ? 443 : 80);
    if (this.#cache.has(port)) return this.#cache.get(port);
    const hcm = l.httpByAuthorityPort(port);
    this.#cache.set(port, hcm);
    return hcm;
  }
}

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
  readonly #chainResolver: ChainResolver;
  readonly #authorityResolver: AuthorityResolver;

  constructor(host: ListenerHost, config: ListenerConfig) {
    this.host = host;
    this.name = config.name;
    this.config = config;
    this.#chainResolver = new ChainResolver(this);
    this.#authorityResolver = new AuthorityResolver(this);
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
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Stops accepting; connections finish their current request and close. */
  drain(): void {
    this.draining = true;
    this.server?.close();
    for (const c of this.#http) c.closeIfIdle();
  }

  /** Closes everything now. */
  destroy(): void {
    this.draining = true;
    this.server?.close();
    for (const s of this.#sockets) s.destroy();
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
      this.#dispatch(socket, target, dst.port, dst.address, null, dst);
      return;
    }
    const needsDestination = cfg.useOriginalDst || cfg.chains.some((c) => c.destinationPort !== undefined && c.destinationPort !== cfg.port);
    if (!needsDestination) {
      this.#dispatch(socket, cfg, cfg.port, stripV4(socket.localAddress ?? ''), null, undefined);
      return;
    }
    this.#sniff(socket);
  };

  #sniff(socket: net.Socket): void {
    let buffered: Buffer | null = null;
    const onData = (chunk: Buffer): void => {
      buffered = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
      const head = buffered.toString('latin1', 0, Math.min(buffered.length, SNIFF_BYTES));
      if (buffered.length < SNIFF_BYTES && !head.includes(' ') && /^[A-Z]*$/.test(head)) return;
      finish(HTTP_METHOD.test(head));
    };
    const finish = (http: boolean): void => {
      socket.removeListener('data', onData);
      socket.setTimeout(0);
      socket.pause();
      const initial = buffered;
      if (http) {
        this.#track(new Http1ServerConnection(socket, this.#authorityResolver, 0, initial));
        return;
      }
      // Not HTTP and no original destination: the listener's catch-all chain, which can only work for clusters that need no destination.
      const chain = selectChain(this.config, this.config.port, '', 'raw_buffer', this.host.plaintextForTls);
      if (chain === undefined || chain.action.kind !== 'tcp') {
        socket.destroy();
        return;
      }
      socket.resume();
      tcpProxy(socket, initial, chain.action.tcp, this.host.cluster(chain.action.tcp.cluster), { originalDst: undefined });
    };
    socket.on('data', onData);
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => finish(false));
  }

  #dispatch(socket: net.Socket, cfg: ListenerConfig, port: number, ip: string, initial: Buffer | null, dst: OriginalDst | undefined): void {
    const chain = selectChain(cfg, port, ip, 'raw_buffer', this.host.plaintextForTls);
    if (chain === undefined) {
      socket.destroy();
      return;
    }
    if (chain.networkRbac.length > 0 && !this.#networkAllowed(socket, chain, port)) {
      socket.destroy();
      return;
    }
    if (chain.action.kind === 'http') {
      this.#track(new Http1ServerConnection(socket, cfg === this.config ? this.#chainResolver : this.#authorityResolver, port, initial, chain.action.hcm));
      return;
    }
    tcpProxy(socket, initial, chain.action.tcp, this.host.cluster(chain.action.tcp.cluster), { originalDst: dst });
  }

  #networkAllowed(socket: net.Socket, chain: FilterChainConfig, port: number): boolean {
    const remote = stripV4(socket.remoteAddress ?? '');
    return evaluateChain(chain.networkRbac, {
      tls: null,
      directRemoteIp: remote,
      remoteIp: remote,
      destinationIp: stripV4(socket.localAddress ?? ''),
      destinationPort: port,
      sni: '',
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

  /** The HCM of this listener's chain for a destination port (HTTP chains only). */
  httpChainFor(port: number, ip: string): HcmConfig | undefined {
    const chain = selectChain(this.config, port, ip, 'raw_buffer', this.host.plaintextForTls);
    if (chain === undefined) return undefined;
    if (chain.action.kind === 'http') return chain.action.hcm;
    return passthroughHcm(chain.action.tcp.cluster, this.host.defaultHcm);
  }

  /** HTTP without an original destination: the authority's port picks. */
  httpByAuthorityPort(port: number): HcmConfig | undefined {
    const cfg = this.config;
    if (cfg.useOriginalDst) {
      const target = this.host.portListener(port);
      if (target !== undefined) {
        const c = selectChain(target, port, '', 'raw_buffer', this.host.plaintextForTls);
        if (c !== undefined && c.action.kind === 'http') return c.action.hcm;
      }
      const own = selectChain(cfg, port, '', 'raw_buffer', this.host.plaintextForTls);
      if (own === undefined) return undefined;
      return own.action.kind === 'http' ? own.action.hcm : passthroughHcm(own.action.tcp.cluster, this.host.defaultHcm);
    }
    // Inbound: the chain for that port; else, when the workload serves one HTTP port, that one.
    const byPort = cfg.chains.find((c) => c.destinationPort === port && c.action.kind === 'http');
    if (byPort !== undefined && byPort.action.kind === 'http') return byPort.action.hcm;
    const httpPorts = new Set(cfg.chains.filter((c) => c.action.kind === 'http').map((c) => c.destinationPort));
    if (httpPorts.size === 1) {
      const only = selectChain(cfg, [...httpPorts][0] ?? port, '', 'raw_buffer', this.host.plaintextForTls);
      if (only !== undefined && only.action.kind === 'http') return only.action.hcm;
    }
    return this.httpChainFor(port, '');
  }
}

function noop(): void {}
const stripV4 = (a: string): string => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);
