// The proxy: configuration in (the config sink, one call per xDS type),
// listeners, clusters and route tables out. A config is parsed whole before
// anything changes; if any resource cannot be applied the call is refused
// with the resource and field path (that message becomes the NACK's
// error_detail) and the last good config stays. An accepted config replaces
// frozen structures by reference, so requests in flight finish on the
// objects they started with while new ones see the new config.

import { checkResource, ResourceShapeError } from '../xds/codec.ts';
import { TypeUrl, resourceNameOf } from '../xds/types.ts';
import { ConfigError } from './config/read.ts';
import type { ConfigSink, ApplyResult, SinkResource, OnDemandHosts } from './config/sink.ts';
import { parseListener, type ListenerConfig } from './listener/listener-config.ts';
import { ListenerRuntime, type ListenerHost, type OriginalDstResolver } from './listener/listener.ts';
import type { TcpMetrics } from './listener/tcp-proxy.ts';
import { parseRouteConfiguration, type RouteTable } from './http/router/route-config.ts';
import { parseCluster, parseClusterLoadAssignment, type ClusterConfig, type EndpointConfig } from './upstream/cluster-config.ts';
import { Cluster } from './upstream/cluster.ts';
import { parseHcm, type HcmConfig } from './http/hcm-config.ts';
import type { Exchange, ExchangeContext } from './http/exchange.ts';
import { Watchdog } from './http1/watchdog.ts';
import { parseSecret, TlsSecrets, type SecretMaterial } from './tls/secrets.ts';

export interface ProxyCoreOptions {
  /** The port to bind for a listener, given its name and configured port (tests bind 0). */
  readonly bindPort?: (listener: string, port: number) => number;
  /** The address to bind for a listener (tests bind 127.0.0.1). */
  readonly bindAddress?: (listener: string, address: string) => string;
  readonly originalDst?: OriginalDstResolver;
  readonly plaintextForTls?: boolean;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Largest request body kept for retries and mirrors (bytes). */
  readonly retryBufferLimit?: number;
  /** Request header timeout when a connection manager sets none. */
  readonly defaultRequestHeadersTimeoutMs?: number;
  /** Before routing, once per request (trace context, x-request-id: proxy/telemetry). */
  readonly onRequest?: (x: Exchange) => void;
  readonly onFinished?: (x: Exchange) => void;
  /** Istio's TCP metrics for connections tcp_proxy carries (proxy/telemetry). */
  readonly tcpMetrics?: TcpMetrics;
  readonly log?: (event: Readonly<Record<string, unknown>>) => void;
}

type Kind = 'listener' | 'route' | 'cluster' | 'endpoint' | 'secret';
const KIND_OF: Readonly<Record<string, Kind>> = {
  [TypeUrl.Listener]: 'listener',
  [TypeUrl.RouteConfiguration]: 'route',
  [TypeUrl.Cluster]: 'cluster',
  [TypeUrl.ClusterLoadAssignment]: 'endpoint',
  [TypeUrl.Secret]: 'secret',
};
const KIND_NAME: Readonly<Record<Kind, string>> = { listener: 'Listener', route: 'RouteConfiguration', cluster: 'Cluster', endpoint: 'ClusterLoadAssignment', secret: 'Secret' };

interface Entry<T> {
  readonly raw: unknown;
  readonly json: string;
  readonly parsed: T;
  readonly isStatic: boolean;
}

export interface TypeState<T> {
  version: number;
  lastUpdated: string;
  entries: Map<string, Entry<T>>;
}

export class ProxyCore implements ConfigSink, ListenerHost, ExchangeContext {
  readonly opts: ProxyCoreOptions;
  readonly watchdog = new Watchdog();
  readonly random: () => number;
  readonly now: () => number;
  readonly retryBufferLimit: number;
  readonly defaultHcm: HcmConfig;
  readonly originalDst: OriginalDstResolver | undefined;
  readonly plaintextForTls: boolean;
  readonly onRequest: ((x: Exchange) => void) | undefined;
  readonly onFinished: ((x: Exchange) => void) | undefined;
  readonly tcpMetrics: TcpMetrics | undefined;
  readonly onInternalError: (err: unknown) => void;
  draining = false;
  configVersion = 0;
  readonly listenersState: TypeState<ListenerConfig> = { version: 0, lastUpdated: '', entries: new Map() };
  readonly routesState: TypeState<RouteTable> = { version: 0, lastUpdated: '', entries: new Map() };
  readonly clustersState: TypeState<ClusterConfig> = { version: 0, lastUpdated: '', entries: new Map() };
  readonly endpointsState: TypeState<readonly EndpointConfig[]> = { version: 0, lastUpdated: '', entries: new Map() };
  readonly secretsState: TypeState<SecretMaterial> = { version: 0, lastUpdated: '', entries: new Map() };
  /** The SDS Secrets TLS listeners and clusters name, looked up per connection. */
  readonly tlsSecrets = new TlsSecrets();
  readonly listeners = new Map<string, ListenerRuntime>();
  readonly clusters = new Map<string, Cluster>();
  #routes = new Map<string, RouteTable>();
  /** The ADS client's alias map, for route configurations routed on demand. */
  onDemand: OnDemandHosts | undefined = undefined;
  #portListeners = new Map<number, ListenerConfig>();
  #binds: Promise<unknown>[] = [];
  /** The last refusal, for /config_dump and logs. */
  lastError: { readonly typeUrl: string; readonly error: string; readonly at: string } | undefined;

  constructor(opts: ProxyCoreOptions = {}) {
    this.opts = opts;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.retryBufferLimit = opts.retryBufferLimit ?? 64 * 1024;
    this.originalDst = opts.originalDst;
    this.plaintextForTls = opts.plaintextForTls ?? false;
    this.onRequest = opts.onRequest;
    this.onFinished = opts.onFinished;
    this.tcpMetrics = opts.tcpMetrics;
    this.onInternalError = (err) => opts.log?.({ msg: 'internal error on a request path', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    this.defaultHcm = parseHcm(
      {
        route_config: { name: 'defaults' },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
      },
      '',
      { defaultRequestHeadersTimeoutMs: opts.defaultRequestHeadersTimeoutMs ?? 10_000 },
    );
  }

  // ---- ExchangeContext / ListenerHost ----------------------------------------------

  get ctx(): ExchangeContext {
    return this;
  }

  cluster(name: string): Cluster | undefined {
    return this.clusters.get(name);
  }

  routeTable(name: string): RouteTable | undefined {
    return this.#routes.get(name);
  }

  attachOnDemand(hosts: OnDemandHosts): void {
    this.onDemand = hosts;
  }

  portListener(port: number): ListenerConfig | undefined {
    return this.#portListeners.get(port);
  }

  get log(): ((event: Readonly<Record<string, unknown>>) => void) | undefined {
    return this.opts.log;
  }

  // ---- the config sink ---------------------------------------------------------------

  /**
   * Applies resources of one xDS type. Without `removed` the list is the whole
   * set for that type (state of the world); with it, an incremental update.
   * Static (bootstrap) resources are never replaced or removed by xDS.
   */
  apply(typeUrl: string, resources: readonly SinkResource[], removed?: readonly string[]): ApplyResult {
    const kind = KIND_OF[typeUrl];
    if (kind === undefined) {
      return this.#refuse(typeUrl, `resource type ${typeUrl} is not supported by this proxy (Listener, RouteConfiguration, Cluster, ClusterLoadAssignment, Secret)`);
    }
    try {
      switch (kind) {
        case 'listener':
          this.#applyType(this.listenersState, typeUrl, resources, removed, false, (r, p) => parseListener(r, p, this.#listenerOpts()));
          break;
        case 'route':
          // `vhds` reaches the sink only in a delta ADS client's on-demand form (withVirtualHosts); elsewhere it is refused as before.
          this.#applyType(this.routesState, typeUrl, resources, removed, false, (r, p) => parseRouteConfiguration(r, p, { vhds: this.onDemand !== undefined }));
          break;
        case 'cluster':
          this.#applyType(this.clustersState, typeUrl, resources, removed, false, (r, p) => parseCluster(r, p, { plaintextForTls: this.plaintextForTls }));
          break;
        case 'endpoint':
          this.#applyType(this.endpointsState, typeUrl, resources, removed, false, (r, p) => parseClusterLoadAssignment(r, p).endpoints);
          break;
        case 'secret':
          // Secrets have two sources (the identity agent: `default`, ROOTCA; ADS: ROOTCA), so a list
          // never implies removals: only names in `removed` go.
          this.#applyType(this.secretsState, typeUrl, resources, removed ?? [], false, (r, p) => parseSecret(r, p));
          break;
      }
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ResourceShapeError || e instanceof ApplyError) return this.#refuse(typeUrl, e.message);
      throw e;
    }
    return { ok: true };
  }

  /** Static resources from a bootstrap: same parsing, and xDS cannot change them. */
  applyStatic(typeUrl: string, resources: readonly SinkResource[]): ApplyResult {
    const kind = KIND_OF[typeUrl];
    try {
      if (kind === 'listener') this.#applyType(this.listenersState, typeUrl, resources, [], true, (r, p) => parseListener(r, p, this.#listenerOpts()));
      else if (kind === 'cluster') this.#applyType(this.clustersState, typeUrl, resources, [], true, (r, p) => parseCluster(r, p, { plaintextForTls: this.plaintextForTls }));
      else return { ok: false, error: `static ${typeUrl} is not supported` };
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ResourceShapeError || e instanceof ApplyError) return { ok: false, error: e.message };
      throw e;
    }
    return { ok: true };
  }

  #listenerOpts(): { plaintextForTls: boolean; defaultRequestHeadersTimeoutMs: number } {
    return { plaintextForTls: this.plaintextForTls, defaultRequestHeadersTimeoutMs: this.defaultHcm.requestHeadersTimeoutMs };
  }

  #refuse(typeUrl: string, error: string): ApplyResult {
    this.lastError = { typeUrl, error, at: new Date(this.now()).toISOString() };
    this.opts.log?.({ msg: 'config refused', typeUrl, error });
    return { ok: false, error };
  }

  #applyType<T>(
    state: TypeState<T>,
    typeUrl: string,
    resources: readonly SinkResource[],
    removed: readonly string[] | undefined,
    isStatic: boolean,
    parse: (raw: unknown, path: string) => T,
  ): void {
    const kind = KIND_OF[typeUrl] as Kind;
    const what = KIND_NAME[kind];
    const next = new Map<string, Entry<T>>();
    if (removed === undefined) {
      for (const [n, e] of state.entries) if (e.isStatic) next.set(n, e);
    } else {
      for (const [n, e] of state.entries) next.set(n, e);
      for (const n of removed) {
        const e = next.get(n);
        if (e !== undefined && !e.isStatic) next.delete(n);
      }
    }
    const seen = new Set<string>();
    for (const { name, resource } of resources) {
      const label = `${what} ${JSON.stringify(name)}`;
      if (seen.has(name)) throw new ApplyError(`${label}: sent twice in one update`);
      seen.add(name);
      const own = typeof resource === 'object' && resource !== null ? resourceNameOf(typeUrl, resource as Record<string, unknown>) : undefined;
      if (own !== name) throw new ApplyError(`${label}: the resource's own name is ${JSON.stringify(own)}`);
      const prev = next.get(name) ?? state.entries.get(name);
      if (prev?.isStatic === true && !isStatic) throw new ApplyError(`${label}: a static (bootstrap) resource of that name exists and xDS cannot replace it`);
      const json = JSON.stringify(resource);
      if (prev !== undefined && prev.json === json) {
        next.set(name, prev);
        continue;
      }
      try {
        checkResource(typeUrl, resource);
        next.set(name, { raw: resource, json, parsed: parse(resource, ''), isStatic });
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceShapeError) throw new ApplyError(`${label}: ${e.message}`, { cause: e });
        throw e;
      }
    }
    if (kind === 'listener') this.#checkListeners(next as unknown as Map<string, Entry<ListenerConfig>>);
    // Everything parsed and checked: commit.
    const before = state.entries;
    state.entries = next;
    state.version++;
    state.lastUpdated = new Date(this.now()).toISOString();
    this.configVersion++;
    switch (kind) {
      case 'listener':
        this.#commitListeners(before as unknown as Map<string, Entry<ListenerConfig>>);
        break;
      case 'route':
        this.#commitRoutes();
        break;
      case 'cluster':
        this.#commitClusters();
        break;
      case 'endpoint':
        this.#commitEndpoints(before as unknown as Map<string, Entry<readonly EndpointConfig[]>>);
        break;
      case 'secret': {
        const m = new Map<string, SecretMaterial>();
        for (const [n, e] of this.secretsState.entries) m.set(n, e.parsed);
        this.tlsSecrets.replace(m);
        break;
      }
    }
  }

  #checkListeners(next: Map<string, Entry<ListenerConfig>>): void {
    const bound = new Map<string, string>();
    for (const [name, e] of next) {
      const l = e.parsed;
      if (!l.bindToPort) continue;
      const key = `${this.#bindAddress(l)}:${this.#bindPort(l)}`;
      if (this.#bindPort(l) === 0) continue;
      const other = bound.get(key);
      if (other !== undefined) throw new ApplyError(`Listener ${JSON.stringify(name)}: address ${key} is already used by listener ${JSON.stringify(other)}`);
      bound.set(key, name);
    }
  }

  #bindPort(l: ListenerConfig): number {
    return this.opts.bindPort?.(l.name, l.port) ?? l.port;
  }

  #bindAddress(l: ListenerConfig): string {
    return this.opts.bindAddress?.(l.name, l.address) ?? l.address;
  }

  #commitListeners(before: Map<string, Entry<ListenerConfig>>): void {
    const entries = this.listenersState.entries;
    const ports = new Map<number, ListenerConfig>();
    for (const e of entries.values()) if (!e.parsed.bindToPort && !ports.has(e.parsed.port)) ports.set(e.parsed.port, e.parsed);
    this.#portListeners = ports;
    for (const [name, rt] of this.listeners) {
      if (!entries.has(name)) {
        rt.drain();
        this.listeners.delete(name);
      }
    }
    for (const [name, e] of entries) {
      const l = e.parsed;
      const rt = this.listeners.get(name);
      const old = before.get(name)?.parsed;
      if (rt !== undefined && old !== undefined && old.address === l.address && old.port === l.port && old.bindToPort === l.bindToPort) {
        rt.update(l);
        continue;
      }
      if (rt !== undefined) rt.drain();
      const fresh = new ListenerRuntime(this, l);
      this.listeners.set(name, fresh);
      if (l.bindToPort) {
        const p = fresh.listen(this.#bindPort(l), this.#bindAddress(l)).catch((err: unknown) => {
          this.opts.log?.({ msg: 'listener bind failed', listener: name, error: err instanceof Error ? err.message : String(err) });
          throw err;
        });
        p.catch(() => {});
        this.#binds.push(p);
      }
    }
  }

  /** Resolves when every listener bind started so far has finished; rejects with the first bind error. */
  async settled(): Promise<void> {
    const binds = this.#binds;
    this.#binds = [];
    await Promise.all(binds);
  }

  #commitRoutes(): void {
    const m = new Map<string, RouteTable>();
    for (const [n, e] of this.routesState.entries) m.set(n, e.parsed);
    this.#routes = m;
  }

  #commitClusters(): void {
    const entries = this.clustersState.entries;
    for (const [name, c] of this.clusters) {
      if (!entries.has(name)) {
        c.close();
        this.clusters.delete(name);
      }
    }
    for (const [name, e] of entries) {
      const cfg = e.parsed;
      let c = this.clusters.get(name);
      if (c === undefined) {
        c = new Cluster(cfg, this.random, this.now, { secrets: this.tlsSecrets, log: this.opts.log });
        this.clusters.set(name, c);
      } else if (c.config !== cfg) c.setConfig(cfg);
      if (cfg.type === 'EDS' && cfg.edsName !== undefined) {
        const cla = this.endpointsState.entries.get(cfg.edsName);
        if (cla !== undefined && c.endpoints.length === 0) c.setEndpoints(cla.parsed);
        else if (cla === undefined && c.endpoints.length > 0) c.setEndpoints([]);
      }
    }
  }

  #commitEndpoints(before: Map<string, Entry<readonly EndpointConfig[]>>): void {
    const entries = this.endpointsState.entries;
    for (const c of this.clusters.values()) {
      const n = c.config.edsName;
      if (c.config.type !== 'EDS' || n === undefined) continue;
      const now = entries.get(n);
      const was = before.get(n);
      if (now === was) continue;
      c.setEndpoints(now?.parsed ?? []);
    }
  }

  // ---- lifecycle ------------------------------------------------------------------

  /** Stops accepting everywhere; connections finish their request and close. */
  drain(): void {
    this.draining = true;
    for (const l of this.listeners.values()) l.drain();
    for (const c of this.clusters.values()) c.closeIdle();
  }

  /** Open downstream connections across all listeners. */
  get connections(): number {
    let n = 0;
    for (const l of this.listeners.values()) n += l.connections;
    return n;
  }

  destroy(): void {
    this.draining = true;
    for (const l of this.listeners.values()) l.destroy();
    for (const c of this.clusters.values()) c.close();
  }
}

export class ApplyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApplyError';
  }
}
