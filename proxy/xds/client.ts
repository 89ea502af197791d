// The proxy's ADS client: one gRPC stream to the control plane (state of the
// world or incremental, as the bootstrap's api_type says), subscribing to
// clusters and listeners (wildcard), then to the endpoints, route
// configurations and SDS Secrets (the trust bundle, ROOTCA) the applied
// clusters and listeners name. The workload certificate (`default`) comes
// from the local identity agent; one a server sends anyway is applied.
//
// Each response is decoded through the Envoy protos (xds/codec.ts) and handed
// whole to the ConfigSink. The sink applies it or refuses it; the client ACKs
// what was applied and NACKs what was refused with the sink's error (keeping
// the last good config is the sink's job; the client never ACKs a version the
// sink refused). Subscriptions to endpoints and routes follow the applied
// config, and are sent before the ACK that made them necessary, so the
// control plane knows what the proxy takes before it counts the push as
// acknowledged.
//
// When the control plane goes away the sink keeps what it has; the client
// reconnects with exponential backoff and jitter (clock and randomness
// injected), telling the server what versions it holds so an unchanged
// config is not sent again.
//
// On-demand virtual hosts (delta only): a route configuration that says
// `vhds`, named only by connection managers with the on_demand filter, is not
// subscribed on VHDS by its name. The data path asks for each authority
// instead (resolve/lookup, the OnDemandHosts the sink is given): the client
// subscribes the alias `<route configuration>/<authority>` once however many
// requests wait, maps each alias the server answers to the virtual host it
// names (or to nothing), and keeps at most `maxAuthorities` per route
// configuration, unsubscribing the least recently used (proxy/xds/aliases.ts).
// Aliases are subscribed again on every new stream; the held mapping keeps
// serving while the control plane is away.

import * as grpc from '@grpc/grpc-js';
import {
  adsClientConstructor,
  metadataStruct,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type WireAny,
  type WireNode,
} from '../../xds/ads.ts';
import { DEFAULT_BACKOFF, type Backoff } from './backoff.ts';
import { decodeResource, type JsonObject } from '../../xds/codec.ts';
import { ExtensionTypeUrl, TypeUrl, resourceNameOf, vhdsRouteConfigOf, type ResourceTypeUrl } from '../../xds/types.ts';
import { SECRET_CERT } from '../../xds/secrets.ts';
import type { AdsNode } from './bootstrap.ts';
import { systemClock, type Clock, type TimerHandle } from '../../xds/clock.ts';
import type { HostResolution, OnDemandHosts, UnavailableReason } from '../config/sink.ts';
import { AliasTable, type AliasEntry } from './aliases.ts';

export interface XdsResource {
  readonly name: string;
  readonly resource: JsonObject;
}

export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Where decoded configuration goes (the proxy's listener/router/upstream
 * layers). One call per response: `resources` are the type's resources in the
 * response (all of them on a state-of-the-world stream for listeners and
 * clusters; the changed ones on an incremental stream); `removed` names
 * resources the proxy should drop. A refusal keeps the previous config.
 */
export interface ConfigSink {
  apply(typeUrl: ResourceTypeUrl, resources: XdsResource[], removed?: string[]): ApplyResult;
  /** Given once, at construction: where the data path resolves authorities of route configurations routed on demand. */
  attachOnDemand?(hosts: OnDemandHosts): void;
}

export interface ClientLogger {
  info(fields: Readonly<Record<string, unknown>>, msg: string): void;
  warn(fields: Readonly<Record<string, unknown>>, msg: string): void;
  error(fields: Readonly<Record<string, unknown>>, msg: string): void;
}

const silent: ClientLogger = { info() {}, warn() {}, error() {} };

export { DEFAULT_BACKOFF, type Backoff } from './backoff.ts';

export interface AdsClientOptions {
  readonly host: string;
  readonly port: number;
  readonly node: AdsNode;
  readonly sink: ConfigSink;
  readonly mode?: 'sotw' | 'delta';
  /** Default insecure (the local-mode plaintext port). */
  readonly credentials?: grpc.ChannelCredentials;
  readonly clock?: Clock;
  /** [0, 1), for jitter. */
  readonly random?: () => number;
  readonly backoff?: Partial<Backoff>;
  readonly logger?: ClientLogger;
  /** Largest response accepted. Default 256 MiB. */
  readonly maxResponseBytes?: number;
  /** Extra gRPC channel options (keepalive, a connection of its own…). */
  readonly channelOptions?: grpc.ChannelOptions;
  /** Called on every state change (for tests and the admin endpoint). */
  readonly onEvent?: (event: ClientEvent) => void;
  readonly onDemand?: OnDemandOptions;
}

export interface OnDemandOptions {
  /** Authorities held per route configuration routed on demand (least recently used evicted). Default 4,096. */
  readonly maxAuthorities?: number;
  /** How long a request waits for its authority's first answer. Default 5 s. */
  readonly waitMs?: number;
}

export const DEFAULT_MAX_AUTHORITIES = 4096;
export const DEFAULT_ON_DEMAND_WAIT_MS = 5000;

export type ClientEvent =
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected'; readonly error: string; readonly retryInMs: number }
  | { readonly kind: 'applied'; readonly typeUrl: ResourceTypeUrl; readonly version: string; readonly nonce: string; readonly count: number; readonly removed: number }
  | { readonly kind: 'rejected'; readonly typeUrl: ResourceTypeUrl; readonly version: string; readonly nonce: string; readonly error: string };

export interface TypeState {
  readonly typeUrl: ResourceTypeUrl;
  /** Version of the last applied response. */
  readonly ackedVersion?: string;
  readonly ackedAt?: number;
  /** Resources held. */
  readonly resources: number;
  /** Names subscribed, or 'wildcard'. */
  readonly subscription: 'wildcard' | readonly string[];
  readonly lastNack?: { readonly version: string; readonly nonce: string; readonly error: string; readonly at: number };
}

export interface AdsClientStatus {
  readonly state: 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';
  readonly server: string;
  readonly mode: 'sotw' | 'delta';
  /** When the current stream received its first response. */
  readonly connectedSince?: number;
  readonly lastError?: string;
  readonly reconnects: number;
  readonly types: readonly TypeState[];
  /** Route configurations routed on demand: authorities held, of which pending, and virtual hosts they point to. */
  readonly onDemand: readonly { readonly routeConfig: string; readonly authorities: number; readonly pending: number; readonly virtualHosts: number }[];
}

/** The order the client subscribes in: clusters before listeners, as Envoy does. */
const WILDCARD: readonly ResourceTypeUrl[] = [TypeUrl.Cluster, TypeUrl.Listener];
/** Types subscribed by name, as the clusters and listeners need them. */
const DEPENDENT = [TypeUrl.Secret, TypeUrl.ClusterLoadAssignment, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost] as const;
const KNOWN = new Set<string>([TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost, TypeUrl.Secret]);
const INVALID_ARGUMENT = 3;

interface Held {
  subscription: 'wildcard' | Set<string>;
  /** Subscribed at all (a request was sent). */
  requested: boolean;
  resources: Map<string, { resource: JsonObject; version: string }>;
  ackedVersion?: string;
  ackedAt?: number;
  lastNonce: string;
  lastNack?: { version: string; nonce: string; error: string; at: number };
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ClusterLoadAssignment names a set of clusters needs. */
export function endpointNamesOf(clusters: Iterable<JsonObject>): Set<string> {
  const out = new Set<string>();
  for (const c of clusters) {
    if (c['type'] !== 'EDS') continue;
    const eds = c['eds_cluster_config'];
    const service = isObj(eds) && typeof eds['service_name'] === 'string' && eds['service_name'] !== '' ? eds['service_name'] : c['name'];
    if (typeof service === 'string') out.add(service);
  }
  return out;
}

/**
 * The SDS Secret names a set of clusters and listeners references (their TLS
 * contexts' `sds_config` entries), except `default`: the workload's own
 * certificate comes from the local identity agent, never over ADS.
 */
export function secretNamesOf(resources: Iterable<JsonObject>): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (!isObj(v)) return;
    if (isObj(v['sds_config']) && typeof v['name'] === 'string' && v['name'] !== '' && v['name'] !== SECRET_CERT) out.add(v['name']);
    for (const k in v) if (k !== 'sds_config') walk(v[k], depth + 1);
  };
  for (const r of resources) walk(r, 0);
  return out;
}

/** Each RDS connection manager of a set of listeners: its route configuration name and its config. */
function forEachRdsHcm(listeners: Iterable<JsonObject>, fn: (routeConfig: string, hcm: Obj) => void): void {
  const hcm = (tc: unknown): void => {
    if (!isObj(tc) || tc['@type'] !== ExtensionTypeUrl.HttpConnectionManager) return;
    const rds = tc['rds'];
    if (isObj(rds) && typeof rds['route_config_name'] === 'string') fn(rds['route_config_name'], tc);
  };
  const chain = (fc: unknown): void => {
    if (!isObj(fc) || !Array.isArray(fc['filters'])) return;
    for (const f of fc['filters']) if (isObj(f)) hcm(f['typed_config']);
  };
  for (const l of listeners) {
    if (Array.isArray(l['filter_chains'])) for (const fc of l['filter_chains']) chain(fc);
    chain(l['default_filter_chain']);
    const api = l['api_listener'];
    if (isObj(api)) hcm(api['api_listener']);
  }
}

/** The RouteConfiguration names a set of listeners needs (RDS in their HTTP connection managers). */
export function routeNamesOf(listeners: Iterable<JsonObject>): Set<string> {
  const out = new Set<string>();
  forEachRdsHcm(listeners, (rc) => out.add(rc));
  return out;
}

/**
 * The route configurations every connection manager naming them has the
 * on_demand filter in: those may be routed on demand (when they say `vhds`).
 * One named by a manager without the filter takes all its virtual hosts.
 */
export function onDemandRouteNamesOf(listeners: Iterable<JsonObject>): Set<string> {
  const yes = new Set<string>();
  const no = new Set<string>();
  forEachRdsHcm(listeners, (rc, hcm) => {
    const filters = hcm['http_filters'];
    const od = Array.isArray(filters) && filters.some((f) => isObj(f) && isObj(f['typed_config']) && f['typed_config']['@type'] === ExtensionTypeUrl.OnDemand);
    (od ? yes : no).add(rc);
  });
  for (const n of no) yes.delete(n);
  return yes;
}

/** An authority that can be an alias: what the HTTP servers accept as one, lower-cased, bounded. */
const ALIASABLE = /^[a-z0-9\-._~%!$&'()*+,;=:@[\]]{1,255}$/;

const NOTHING_THERE: HostResolution = Object.freeze({ kind: 'none' });
const unavailable = (reason: UnavailableReason, message: string): HostResolution => Object.freeze({ kind: 'unavailable', reason, message });

/**
 * A route configuration as the sink takes it: one that says `vhds` gets the
 * virtual hosts received over VHDS for it (after any inline ones, by
 * resource name), so the router sees one whole route table. Routed on demand
 * it keeps `vhds`, which tells the sink to route it by the alias map.
 */
export function withVirtualHosts(rc: JsonObject, vhosts: ReadonlyMap<string, JsonObject> | undefined, onDemand = false): JsonObject {
  if (!('vhds' in rc)) return rc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rc)) if (k !== 'vhds' || onDemand) out[k] = v;
  const inline = Array.isArray(rc['virtual_hosts']) ? rc['virtual_hosts'] : [];
  const names = [...(vhosts?.keys() ?? [])].sort();
  out['virtual_hosts'] = [...inline, ...names.map((n) => vhosts?.get(n))];
  return out as JsonObject;
}

type AnyStream = grpc.ClientDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse>;

export class AdsClient implements OnDemandHosts {
  readonly #o: AdsClientOptions;
  readonly #mode: 'sotw' | 'delta';
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #log: ClientLogger;
  readonly #client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  readonly #held = new Map<ResourceTypeUrl, Held>();
  readonly #node: WireNode;
  #stream: AnyStream | undefined;
  #state: AdsClientStatus['state'] = 'idle';
  #connectedSince: number | undefined;
  #lastError: string | undefined;
  #attempt = 0;
  #reconnects = 0;
  #timer: TimerHandle | undefined;
  #sentNode = false;
  /** VHDS virtual hosts by route configuration, then by resource name. */
  readonly #vhosts = new Map<string, Map<string, JsonObject>>();
  /** Route configurations routed on demand, with their alias maps. */
  readonly #tables = new Map<string, AliasTable>();
  /** Every alias held, by alias name. */
  readonly #aliases = new Map<string, AliasEntry>();
  /** Aliases whose first answer the proxy refused, until their virtual host comes in a form it takes. */
  readonly #refused = new Set<AliasEntry>();
  /** Route configurations only on_demand connection managers name (onDemandRouteNamesOf). */
  #candidates = new Set<string>();
  /** Route configurations whose virtual hosts are subscribed whole, by route configuration name. */
  #fullVhds = new Set<string>();
  /** Route configurations last given to the sink in the on-demand form. */
  readonly #appliedOnDemand = new Set<string>();
  readonly #maxAuthorities: number;
  readonly #waitMs: number;

  constructor(options: AdsClientOptions) {
    this.#o = options;
    this.#mode = options.mode ?? 'sotw';
    this.#clock = options.clock ?? systemClock();
    this.#random = options.random ?? Math.random;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#log = options.logger ?? silent;
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    const Ctor = adsClientConstructor();
    this.#client = new Ctor(`${host}:${options.port}`, options.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': options.maxResponseBytes ?? 256 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5_000,
      ...options.channelOptions,
    }) as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
    const md: Record<string, string> = { ...options.node.metadata };
    this.#node = {
      id: options.node.id,
      ...(options.node.cluster !== undefined ? { cluster: options.node.cluster } : {}),
      metadata: metadataStruct(md),
      user_agent_name: 'weft-proxy',
    };
    for (const t of WILDCARD) this.#held.set(t, { subscription: 'wildcard', requested: false, resources: new Map(), lastNonce: '' });
    for (const t of DEPENDENT) this.#held.set(t, { subscription: new Set(), requested: false, resources: new Map(), lastNonce: '' });
    this.#maxAuthorities = options.onDemand?.maxAuthorities ?? DEFAULT_MAX_AUTHORITIES;
    if (!Number.isInteger(this.#maxAuthorities) || this.#maxAuthorities < 1) throw new RangeError(`onDemand.maxAuthorities must be a positive integer, not ${this.#maxAuthorities}`);
    this.#waitMs = options.onDemand?.waitMs ?? DEFAULT_ON_DEMAND_WAIT_MS;
    // On demand is a delta-only protocol: a state-of-the-world client gives the sink nothing to route by.
    if (this.#mode === 'delta') options.sink.attachOnDemand?.(this);
  }

  /** Opens the stream (and keeps reopening it until stop). */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  /** Closes the stream and the channel; the sink keeps what it has. */
  stop(): void {
    this.#state = 'stopped';
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const s = this.#stream;
    this.#stream = undefined;
    s?.cancel();
    this.#client.close();
    for (const e of this.#aliases.values()) if (e.waiters !== undefined) e.settle(unavailable('disconnected', `the ADS client stopped before the control plane answered ${e.alias}`));
  }

  status(): AdsClientStatus {
    const types: TypeState[] = [];
    for (const [typeUrl, h] of this.#held) {
      types.push(
        Object.freeze({
          typeUrl,
          resources: h.resources.size,
          subscription: h.subscription === 'wildcard' ? 'wildcard' : [...h.subscription].sort(),
          ...(h.ackedVersion !== undefined ? { ackedVersion: h.ackedVersion } : {}),
          ...(h.ackedAt !== undefined ? { ackedAt: h.ackedAt } : {}),
          ...(h.lastNack !== undefined ? { lastNack: { ...h.lastNack } } : {}),
        }),
      );
    }
    return Object.freeze({
      state: this.#state,
      server: `${this.#o.host}:${this.#o.port}`,
      mode: this.#mode,
      ...(this.#connectedSince !== undefined ? { connectedSince: this.#connectedSince } : {}),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
      reconnects: this.#reconnects,
      types: Object.freeze(types),
      onDemand: Object.freeze(
        [...this.#tables.values()].map((t) => {
          let pending = 0;
          for (const e of t.entries.values()) if (e.resolution === undefined) pending++;
          return Object.freeze({ routeConfig: t.routeConfig, authorities: t.size, pending, virtualHosts: t.refs.size });
        }),
      ),
    });
  }

  // ---- on-demand virtual hosts: the data path's side ----------------------------

  /** The held answer for an authority (lower-cased, as route matching sees it), or undefined. The hot path: two Map lookups. */
  lookup(routeConfig: string, authority: string): HostResolution | undefined {
    const t = this.#tables.get(routeConfig);
    if (t === undefined) return undefined;
    const e = t.entries.get(authority);
    if (e === undefined) return undefined;
    e.used = true;
    return e.resolution;
  }

  /**
   * An authority's answer: held already, or asked for (subscribing its alias
   * once, however many wait) and settled with the server's answer, or
   * `unavailable` after `waitMs`, when the control plane is not connected, or
   * when the authority is evicted while pending.
   */
  resolve(routeConfig: string, authority: string): Promise<HostResolution> {
    const t = this.#tables.get(routeConfig);
    if (t === undefined) return Promise.resolve(unavailable('not_on_demand', `route configuration ${JSON.stringify(routeConfig)} is not routed on demand by this proxy`));
    const host = authority.toLowerCase();
    let e = t.entries.get(host);
    if (e !== undefined) {
      e.used = true;
      const r = e.resolution;
      if (r !== undefined) {
        // A refused first answer may have been refused for another virtual host of the same response, and the
        // server does not resend a version the proxy refused: after the wait bound a request asks again (and is
        // answered 503 itself), so an answer the proxy can take heals the authority.
        if (r.kind === 'unavailable' && r.reason === 'rejected' && this.#state === 'connected' && this.#clock.now() - e.refusedAt >= this.#waitMs) {
          e.refusedAt = this.#clock.now();
          this.#send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: [e.alias] });
        }
        return Promise.resolve(r);
      }
    }
    if (this.#state !== 'connected' || this.#stream === undefined) {
      return Promise.resolve(unavailable('disconnected', `the control plane is not connected, and ${host} of route configuration ${routeConfig} is not known yet`));
    }
    if (e === undefined) {
      // Nothing the server could match: answered here without a subscription.
      if (!ALIASABLE.test(host)) return Promise.resolve(NOTHING_THERE);
      e = this.#addAlias(t, host);
    }
    return this.#wait(e);
  }

  #wait(e: AliasEntry): Promise<HostResolution> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const waiter = (r: HostResolution): void => {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        timer = undefined;
        e.waiters?.delete(waiter);
        resolve(r);
      };
      timer = this.#clock.setTimeout(() => {
        timer = undefined;
        waiter(unavailable('timeout', `no answer from the control plane for ${e.alias} within ${this.#waitMs} ms`));
      }, this.#waitMs);
      (e.waiters ??= new Set()).add(waiter);
    });
  }

  /** A new pending alias, subscribed; the least recently used one unsubscribed when the map is full. */
  #addAlias(t: AliasTable, authority: string): AliasEntry {
    const { entry, evicted, orphan } = t.add(authority);
    this.#aliases.set(entry.alias, entry);
    const h = this.#held.get(TypeUrl.VirtualHost);
    if (h === undefined || h.subscription === 'wildcard') return entry;
    const unsubscribe: string[] = [];
    if (evicted !== undefined) {
      this.#aliases.delete(evicted.alias);
      this.#refused.delete(evicted);
      h.subscription.delete(evicted.alias);
      unsubscribe.push(evicted.alias);
      evicted.settle(unavailable('evicted', `${evicted.alias} was evicted from the alias map (at most ${t.capacity} authorities) before its answer came`));
    }
    h.subscription.add(entry.alias);
    if (!h.requested) this.#subscribe(TypeUrl.VirtualHost);
    else this.#send({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: [entry.alias], resource_names_unsubscribe: unsubscribe });
    // The server stops sending a virtual host no alias points to: it is dropped here too.
    if (orphan !== undefined) this.#dropVirtualHosts([orphan]);
    return entry;
  }

  /** Held virtual hosts no alias needs any more: out of the route configuration they belong to. */
  #dropVirtualHosts(names: readonly string[]): void {
    const h = this.#held.get(TypeUrl.VirtualHost);
    if (h === undefined) return;
    const gone = names.filter((n) => h.resources.has(n));
    if (gone.length === 0) return;
    const r = this.#applyVirtualHosts([], gone);
    if (r.ok) for (const n of gone) h.resources.delete(n);
  }

  #connect(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'connecting';
    this.#connectedSince = undefined;
    this.#sentNode = false;
    const method = this.#mode === 'sotw' ? 'StreamAggregatedResources' : 'DeltaAggregatedResources';
    const open = this.#client[method];
    if (open === undefined) throw new Error(`the ADS client has no method ${method}`);
    const stream = open.call(this.#client) as AnyStream;
    this.#stream = stream;
    let ended = false;
    const end = (why: string): void => {
      if (ended) return;
      ended = true;
      if (this.#stream === stream) this.#stream = undefined;
      this.#disconnected(why);
    };
    const connected = (): void => {
      if (this.#stream !== stream || this.#connectedSince !== undefined) return;
      this.#connectedSince = this.#clock.now();
      this.#state = 'connected';
      this.#o.onEvent?.({ kind: 'connected' });
      this.#log.info({ server: `${this.#o.host}:${this.#o.port}` }, 'connected to the control plane');
    };
    // The server sends headers once it accepts the node; a response also proves it.
    stream.on('metadata', connected);
    stream.on('data', (res: DiscoveryResponse | DeltaDiscoveryResponse) => {
      if (this.#stream !== stream) return;
      connected();
      // Backoff starts over only once the control plane has sent config (headers alone may precede a refusal).
      this.#attempt = 0;
      try {
        if (this.#mode === 'sotw') this.#onSotw(res as DiscoveryResponse);
        else this.#onDelta(res as DeltaDiscoveryResponse);
      } catch (cause) {
        // A bug in handling must not kill the proxy: drop the stream and reconnect.
        const message = cause instanceof Error ? cause.message : String(cause);
        this.#log.error({ err: message }, 'handling an xDS response failed');
        stream.cancel();
        end(`handling a response failed: ${message}`);
      }
    });
    stream.on('error', (e: Error & { code?: number; details?: string }) => end(e.details ?? e.message));
    stream.on('end', () => end('the control plane ended the stream'));
    stream.on('close', () => end('the stream closed'));
    for (const t of WILDCARD) this.#subscribe(t);
    for (const t of DEPENDENT) {
      const h = this.#held.get(t);
      if (h !== undefined && h.subscription !== 'wildcard' && h.subscription.size > 0) this.#subscribe(t);
    }
  }

  #disconnected(why: string): void {
    if (this.#state === 'stopped') return;
    this.#lastError = why;
    this.#connectedSince = undefined;
    for (const h of this.#held.values()) {
      h.requested = false;
      h.lastNonce = '';
    }
    // Requests waiting for a first answer are told now; the aliases stay and are subscribed again on the next stream.
    for (const e of this.#aliases.values()) {
      if (e.waiters !== undefined) e.settle(unavailable('disconnected', `lost the control plane before it answered ${e.alias}`));
    }
    const b = this.#backoff;
    const base = Math.min(b.maxMs, b.initialMs * b.multiplier ** this.#attempt);
    const delay = Math.max(0, Math.round(base * (1 + b.jitter * (2 * this.#random() - 1))));
    this.#attempt++;
    this.#reconnects++;
    this.#state = 'backoff';
    this.#log.warn({ err: why, retryInMs: delay }, 'lost the control plane; keeping the last good config');
    this.#o.onEvent?.({ kind: 'disconnected', error: why, retryInMs: delay });
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, delay);
  }

  #send(req: DiscoveryRequest | DeltaDiscoveryRequest): void {
    const s = this.#stream;
    if (s === undefined) return;
    if (!this.#sentNode) {
      req.node = this.#node;
      this.#sentNode = true;
    }
    s.write(req);
  }

  /** The first request of a type on this stream (and a SotW subscription change). */
  #subscribe(typeUrl: ResourceTypeUrl): void {
    const h = this.#held.get(typeUrl);
    if (h === undefined) return;
    const names = h.subscription === 'wildcard' ? [] : [...h.subscription].sort();
    if (this.#mode === 'sotw') {
      this.#send({ type_url: typeUrl, version_info: h.ackedVersion ?? '', resource_names: names, response_nonce: h.lastNonce });
    } else {
      const initial: Record<string, string> = {};
      for (const [n, r] of h.resources) initial[n] = r.version;
      this.#send({ type_url: typeUrl, resource_names_subscribe: names, initial_resource_versions: initial });
    }
    h.requested = true;
  }

  #decode(typeUrl: string, any: WireAny | undefined, where: string, givenName?: string): XdsResource {
    if (any === undefined || any === null) throw new Error(`${where}: missing resource`);
    if (any.type_url !== typeUrl) throw new Error(`${where}: type_url ${JSON.stringify(any.type_url)} in a ${typeUrl} response`);
    let resource: JsonObject;
    try {
      const decoded = decodeResource(typeUrl, any.value ?? new Uint8Array());
      if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw new Error('not a message');
      resource = decoded as JsonObject;
    } catch (cause) {
      throw new Error(`${where}: cannot decode: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const name = givenName ?? resourceNameOf(typeUrl, resource);
    if (name === undefined || name === '') throw new Error(`${where}: resource has no name`);
    return { name, resource };
  }

  #apply(typeUrl: ResourceTypeUrl, resources: XdsResource[], removed: string[]): ApplyResult {
    try {
      // Always the explicit list, even empty: the sink reads a missing list as "this is the whole set"
      // and would drop everything else, which is wrong for a delta update and for named SotW types.
      const r = this.#o.sink.apply(typeUrl, resources, removed);
      return r.ok ? r : { ok: false, error: r.error === '' ? 'rejected' : r.error };
    } catch (cause) {
      return { ok: false, error: `the proxy failed applying it: ${cause instanceof Error ? cause.message : String(cause)}` };
    }
  }

  #onSotw(res: DiscoveryResponse): void {
    const typeUrl = res.type_url;
    const nonce = res.nonce ?? '';
    const version = res.version_info ?? '';
    if (!KNOWN.has(typeUrl) || !this.#held.has(typeUrl as ResourceTypeUrl)) {
      this.#send({ type_url: typeUrl, response_nonce: nonce, error_detail: { code: INVALID_ARGUMENT, message: `type ${typeUrl} was not requested` } });
      return;
    }
    const t = typeUrl as ResourceTypeUrl;
    const h = this.#held.get(t);
    if (h === undefined) return;
    h.lastNonce = nonce;
    let decoded: XdsResource[];
    try {
      decoded = (res.resources ?? []).map((a, i) => this.#decode(typeUrl, a, `resources[${i}]`));
      const seen = new Set<string>();
      for (const r of decoded) {
        if (seen.has(r.name)) throw new Error(`resource ${JSON.stringify(r.name)} appears twice`);
        seen.add(r.name);
      }
    } catch (cause) {
      this.#nack(t, h, version, nonce, cause instanceof Error ? cause.message : String(cause));
      return;
    }
    // State of the world: for clusters and listeners the response is the whole set.
    const removed = h.subscription === 'wildcard' ? [...h.resources.keys()].filter((n) => !decoded.some((r) => r.name === n)) : [];
    const result = this.#apply(t, decoded, removed);
    if (!result.ok) {
      this.#nack(t, h, version, nonce, result.error);
      return;
    }
    if (h.subscription === 'wildcard') h.resources.clear();
    for (const r of decoded) h.resources.set(r.name, { resource: r.resource, version });
    this.#follow(t);
    h.ackedVersion = version;
    h.ackedAt = this.#clock.now();
    delete h.lastNack;
    this.#send({ type_url: t, version_info: version, response_nonce: nonce, resource_names: h.subscription === 'wildcard' ? [] : [...h.subscription].sort() });
    this.#o.onEvent?.({ kind: 'applied', typeUrl: t, version, nonce, count: decoded.length, removed: removed.length });
  }

  #onDelta(res: DeltaDiscoveryResponse): void {
    const typeUrl = res.type_url;
    const nonce = res.nonce ?? '';
    const version = res.system_version_info ?? '';
    if (!KNOWN.has(typeUrl) || !this.#held.has(typeUrl as ResourceTypeUrl)) {
      this.#send({ type_url: typeUrl, response_nonce: nonce, error_detail: { code: INVALID_ARGUMENT, message: `type ${typeUrl} was not requested` } });
      return;
    }
    const t = typeUrl as ResourceTypeUrl;
    const h = this.#held.get(t);
    if (h === undefined) return;
    h.lastNonce = nonce;
    if (t === TypeUrl.VirtualHost) {
      this.#onVirtualHosts(res, h, version, nonce);
      return;
    }
    let decoded: (XdsResource & { version: string })[];
    try {
      decoded = (res.resources ?? []).map((r, i) => {
        const d = this.#decode(typeUrl, r.resource, `resources[${i}]`);
        if (typeof r.name === 'string' && r.name !== '' && r.name !== d.name) throw new Error(`resources[${i}]: named ${JSON.stringify(r.name)} but the resource is ${JSON.stringify(d.name)}`);
        return { ...d, version: r.version ?? '' };
      });
    } catch (cause) {
      this.#nack(t, h, version, nonce, cause instanceof Error ? cause.message : String(cause));
      return;
    }
    const removed = (res.removed_resources ?? []).filter((n) => h.resources.has(n));
    const result = this.#apply(t, decoded.map(({ name, resource }) => ({ name, resource: t === TypeUrl.RouteConfiguration ? this.#routeForm(name, resource) : resource })), removed);
    if (!result.ok) {
      this.#nack(t, h, version, nonce, result.error);
      return;
    }
    for (const r of decoded) h.resources.set(r.name, { resource: r.resource, version: r.version });
    for (const n of removed) h.resources.delete(n);
    if (t === TypeUrl.RouteConfiguration) {
      for (const r of decoded) {
        if (this.#wantsOnDemand(r.name, r.resource)) this.#appliedOnDemand.add(r.name);
        else this.#appliedOnDemand.delete(r.name);
      }
      for (const n of removed) this.#appliedOnDemand.delete(n);
    }
    this.#follow(t);
    h.ackedVersion = version;
    h.ackedAt = this.#clock.now();
    delete h.lastNack;
    this.#send({ type_url: t, response_nonce: nonce });
    this.#o.onEvent?.({ kind: 'applied', typeUrl: t, version, nonce, count: decoded.length, removed: removed.length });
  }

  /**
   * VHDS: virtual hosts changed. The route configurations they belong to
   * (held, taking VHDS) go to the sink again with the new set; a refusal
   * keeps the previous virtual hosts. Virtual hosts of a route configuration
   * not held yet wait for it.
   */
  #applyVirtualHosts(changed: readonly XdsResource[], removed: readonly string[]): ApplyResult {
    const next = new Map<string, Map<string, JsonObject>>();
    const touch = (name: string): Map<string, JsonObject> | undefined => {
      const rc = vhdsRouteConfigOf(name);
      if (rc === undefined) return undefined;
      let m = next.get(rc);
      if (m === undefined) next.set(rc, (m = new Map(this.#vhosts.get(rc) ?? [])));
      return m;
    };
    for (const r of changed) touch(r.name)?.set(r.name, r.resource);
    for (const n of removed) touch(n)?.delete(n);
    const routes = this.#held.get(TypeUrl.RouteConfiguration)?.resources;
    const affected: XdsResource[] = [];
    for (const [rc, hosts] of next) {
      const held = routes?.get(rc)?.resource;
      if (held !== undefined && 'vhds' in held) affected.push({ name: rc, resource: this.#routeForm(rc, held, hosts) });
    }
    if (affected.length > 0) {
      const r = this.#apply(TypeUrl.RouteConfiguration, affected, []);
      if (!r.ok) return r;
    }
    for (const [rc, hosts] of next) {
      if (hosts.size === 0) this.#vhosts.delete(rc);
      else this.#vhosts.set(rc, hosts);
    }
    return { ok: true };
  }

  #nack(typeUrl: ResourceTypeUrl, h: Held, version: string, nonce: string, error: string): void {
    h.lastNack = { version, nonce, error, at: this.#clock.now() };
    this.#log.warn({ type: typeUrl, version, nonce, err: error }, 'rejected an xDS update; keeping the last good config');
    if (this.#mode === 'sotw') {
      this.#send({ type_url: typeUrl, version_info: h.ackedVersion ?? '', response_nonce: nonce, resource_names: h.subscription === 'wildcard' ? [] : [...h.subscription].sort(), error_detail: { code: INVALID_ARGUMENT, message: error } });
    } else {
      this.#send({ type_url: typeUrl, response_nonce: nonce, error_detail: { code: INVALID_ARGUMENT, message: error } });
    }
    this.#o.onEvent?.({ kind: 'rejected', typeUrl, version, nonce, error });
  }

  /** After clusters or listeners change: subscribe to the Secrets, endpoints and routes they name, drop the rest. */
  #follow(typeUrl: ResourceTypeUrl): void {
    const held = (t: ResourceTypeUrl): JsonObject[] => [...(this.#held.get(t)?.resources.values() ?? [])].map((r) => r.resource);
    if (typeUrl === TypeUrl.Cluster) {
      this.#secretsFollow(held);
      this.#followNames(TypeUrl.ClusterLoadAssignment, endpointNamesOf(held(typeUrl)));
    } else if (typeUrl === TypeUrl.Listener) {
      this.#secretsFollow(held);
      const listeners = held(typeUrl);
      const routes = routeNamesOf(listeners);
      // VHDS (delta only): the virtual hosts of the same route configurations, subscribed by route configuration
      // name as Envoy's first VHDS request does, and before them, so the hosts arrive first; except those only
      // on_demand connection managers name, whose virtual hosts are asked for per authority.
      if (this.#mode === 'delta') {
        this.#candidates = onDemandRouteNamesOf(listeners);
        this.#fullVhds = new Set([...routes].filter((n) => !this.#candidates.has(n)));
        this.#syncModes();
        this.#followVirtualHosts();
      }
      this.#followNames(TypeUrl.RouteConfiguration, routes);
    } else if (typeUrl === TypeUrl.RouteConfiguration && this.#mode === 'delta') {
      if (this.#syncModes()) this.#followVirtualHosts();
    }
  }

  // ---- on-demand virtual hosts: the protocol's side ------------------------------

  /** Routed on demand: delta, named only by on_demand connection managers, and taking its virtual hosts over VHDS. */
  #wantsOnDemand(name: string, raw: JsonObject): boolean {
    return this.#mode === 'delta' && this.#candidates.has(name) && 'vhds' in raw;
  }

  /** A held route configuration as the sink takes it: whole, or in the on-demand form with the virtual hosts held for its aliases. */
  #routeForm(name: string, raw: JsonObject, hosts: ReadonlyMap<string, JsonObject> | undefined = this.#vhosts.get(name)): JsonObject {
    if (this.#wantsOnDemand(name, raw)) return withVirtualHosts(raw, this.#tables.has(name) ? hosts : undefined, true);
    return withVirtualHosts(raw, hosts);
  }

  /**
   * After listeners or route configurations change: route configurations
   * enter or leave on-demand routing (an alias map made or dropped, the
   * virtual hosts held the other way forgotten, the sink given the new form).
   * True when the VHDS subscription may have to change.
   */
  #syncModes(): boolean {
    const routes = this.#held.get(TypeUrl.RouteConfiguration)?.resources;
    if (routes === undefined) return false;
    let changed = false;
    const reapply: XdsResource[] = [];
    for (const name of [...this.#tables.keys()]) {
      const held = routes.get(name)?.resource;
      if (held === undefined || !this.#wantsOnDemand(name, held)) {
        this.#dropTable(name, `route configuration ${JSON.stringify(name)} is no longer routed on demand`);
        changed = true;
      }
    }
    for (const [name, { resource }] of routes) {
      const want = this.#wantsOnDemand(name, resource);
      if (want && !this.#tables.has(name)) {
        this.#forgetVirtualHostsOf(name);
        this.#tables.set(name, new AliasTable(name, this.#maxAuthorities));
        changed = true;
      }
      if (want !== this.#appliedOnDemand.has(name)) reapply.push({ name, resource: this.#routeForm(name, resource) });
    }
    if (reapply.length > 0) {
      const r = this.#apply(TypeUrl.RouteConfiguration, reapply, []);
      if (r.ok) {
        for (const { name } of reapply) {
          if (this.#appliedOnDemand.has(name)) this.#appliedOnDemand.delete(name);
          else this.#appliedOnDemand.add(name);
        }
      } else this.#log.error({ err: r.error }, 'the proxy refused a route configuration in its new form (on demand or whole); keeping the previous one');
    }
    return changed;
  }

  /** A route configuration no longer routed on demand: its aliases forgotten (their waiters told), its virtual hosts with them. */
  #dropTable(name: string, why: string): void {
    const t = this.#tables.get(name);
    if (t === undefined) return;
    this.#tables.delete(name);
    for (const e of t.entries.values()) {
      this.#aliases.delete(e.alias);
      this.#refused.delete(e);
      e.settle(unavailable('not_on_demand', why));
    }
    this.#forgetVirtualHostsOf(name);
  }

  /** Virtual hosts held for a route configuration, forgotten without telling the sink (the caller gives it the route configuration anew). */
  #forgetVirtualHostsOf(rc: string): void {
    this.#vhosts.delete(rc);
    const h = this.#held.get(TypeUrl.VirtualHost);
    if (h === undefined) return;
    for (const n of [...h.resources.keys()]) if (vhdsRouteConfigOf(n) === rc) h.resources.delete(n);
  }

  /**
   * A refused VHDS response: aliases it answered for the first time get 503
   * at once (not a wait for an answer that will not be resent) until their
   * virtual host comes again in a form the proxy takes; aliases answered
   * before keep their last good answer.
   */
  #refuseAnswers(res: DeltaDiscoveryResponse, error: string): void {
    for (const r of res.resources ?? []) {
      if (!Array.isArray(r.aliases)) continue;
      const hasBody = r.resource !== undefined && r.resource !== null;
      for (const a of r.aliases) {
        const e = typeof a === 'string' ? this.#aliases.get(a) : undefined;
        if (e === undefined || (e.resolution !== undefined && e.resolution.kind !== 'unavailable')) continue;
        const refused = unavailable('rejected', `the proxy refused the control plane's answer for ${e.alias}: ${error.length > 300 ? `${error.slice(0, 300)}…` : error}`);
        e.table.resolve(e, refused);
        e.refusedTarget = hasBody && typeof r.name === 'string' ? r.name : undefined;
        e.refusedAt = this.#clock.now();
        this.#refused.add(e);
        e.settle(refused);
      }
    }
  }

  /** The VHDS subscription: whole route configurations by name, plus every alias held. */
  #followVirtualHosts(): void {
    const names = new Set(this.#fullVhds);
    for (const a of this.#aliases.keys()) names.add(a);
    this.#followNames(TypeUrl.VirtualHost, names);
  }

  /**
   * A VHDS response: virtual hosts (whole route configurations' and those
   * aliases point to), alias answers (`aliases` on a resource; without a
   * resource body: nothing there), removals. The sink takes the virtual hosts first; the alias map
   * changes only once it has, so a NACKed response changes nothing.
   */
  #onVirtualHosts(res: DeltaDiscoveryResponse, h: Held, version: string, nonce: string): void {
    const t = TypeUrl.VirtualHost;
    const changed: (XdsResource & { version: string })[] = [];
    const changedNames = new Set<string>();
    const answers: { readonly entry: AliasEntry; readonly resource: string | undefined }[] = [];
    const removing = new Set(res.removed_resources ?? []);
    try {
      (res.resources ?? []).forEach((r, i) => {
        const where = `resources[${i}]`;
        const name = r.name;
        if (typeof name !== 'string' || name === '') throw new Error(`${where}: resource has no name`);
        const rc = vhdsRouteConfigOf(name);
        const aliases: unknown[] = Array.isArray(r.aliases) ? r.aliases : [];
        let target: string | undefined;
        if (r.resource !== undefined && r.resource !== null) {
          // A VHDS resource's name (`<route configuration>/<host>`) travels beside it, not inside it.
          const d = this.#decode(t, r.resource, where, name);
          if (rc === undefined) throw new Error(`${where}: ${JSON.stringify(name)} is not a virtual host name (<route configuration>/<host>)`);
          if (this.#tables.has(rc)) {
            const own = d.resource['name'];
            const expected = name.slice(rc.length + 1);
            if (own !== expected) {
              throw new Error(`${where}: virtual host ${JSON.stringify(name)} is named ${JSON.stringify(own)} inside; routed on demand, a virtual host's resource name must be <route configuration>/<its name>`);
            }
          }
          if (changedNames.has(name)) throw new Error(`${where}: virtual host ${JSON.stringify(name)} appears twice`);
          changedNames.add(name);
          changed.push({ ...d, version: r.version ?? '' });
          target = name;
        } else if (aliases.length === 0) {
          throw new Error(`${where}: ${JSON.stringify(name)} has neither a resource nor aliases`);
        } else {
          // Envoy's protocol: a Resource without a body answers its aliases "resolved, nothing there" (its name is
          // the alias itself), never "unchanged": an alias may be spelt like a held virtual host (`80/reviews:9080`).
          target = undefined;
        }
        aliases.forEach((a, j) => {
          if (typeof a !== 'string') throw new Error(`${where}.aliases[${j}]: not a string`);
          const e = this.#aliases.get(a);
          if (e === undefined) return; // unsubscribed meanwhile
          if (target !== undefined && vhdsRouteConfigOf(target) !== e.table.routeConfig) {
            throw new Error(`${where}.aliases[${j}]: alias ${JSON.stringify(a)} answered with ${JSON.stringify(target)}, a virtual host of another route configuration`);
          }
          answers.push({ entry: e, resource: target });
        });
      });
    } catch (cause) {
      const error = cause instanceof Error ? cause.message : String(cause);
      this.#refuseAnswers(res, error);
      this.#nack(t, h, version, nonce, error);
      return;
    }
    const removed = [...removing].filter((n) => h.resources.has(n) && !changedNames.has(n));
    const result = this.#applyVirtualHosts(changed, removed);
    if (!result.ok) {
      this.#refuseAnswers(res, result.error);
      this.#nack(t, h, version, nonce, result.error);
      return;
    }
    for (const r of changed) h.resources.set(r.name, { resource: r.resource, version: r.version });
    for (const n of removed) h.resources.delete(n);
    // A virtual host refused before, taken now: the aliases it was the answer for route by it.
    for (const e of this.#refused) {
      const target = e.refusedTarget;
      if (target !== undefined && changedNames.has(target)) answers.push({ entry: e, resource: target });
    }
    // Alias answers. A virtual host no alias points to any more is the server's to remove (removed_resources).
    for (const { entry, resource } of answers) {
      if (this.#aliases.get(entry.alias) !== entry) continue;
      const r: HostResolution = resource === undefined ? NOTHING_THERE : Object.freeze({ kind: 'vhost', vhost: resource.slice(entry.table.routeConfig.length + 1), resource });
      entry.table.resolve(entry, r);
      entry.refusedTarget = undefined;
      this.#refused.delete(entry);
      entry.settle(r);
    }
    // A virtual host of a route configuration routed on demand that no alias points to (sent after its alias was
    // unsubscribed) is not kept: the map's bound is what bounds the virtual hosts held.
    const stale: string[] = [];
    for (const r of changed) {
      const rc = vhdsRouteConfigOf(r.name);
      const table = rc === undefined ? undefined : this.#tables.get(rc);
      if (table !== undefined && !table.refs.has(r.name)) stale.push(r.name);
    }
    if (stale.length > 0) this.#dropVirtualHosts(stale);
    // Aliases whose virtual host went away without a new answer ask again. (removed_resources names virtual hosts
    // only: an alias may be spelt like one, `80/reviews:9080`, so a removal never drops an alias.)
    const again: string[] = [];
    if (removed.length > 0 && this.#aliases.size > 0) {
      const gone = new Set(removed);
      for (const e of this.#aliases.values()) {
        const target = e.target;
        if (target !== undefined && gone.has(target)) {
          e.table.unresolve(e);
          again.push(e.alias);
        }
      }
    }
    h.ackedVersion = version;
    h.ackedAt = this.#clock.now();
    delete h.lastNack;
    this.#send({ type_url: t, response_nonce: nonce });
    if (again.length > 0) this.#send({ type_url: t, resource_names_subscribe: again });
    this.#o.onEvent?.({ kind: 'applied', typeUrl: t, version, nonce, count: changed.length, removed: removed.length });
  }


  #secretsFollow(held: (t: ResourceTypeUrl) => JsonObject[]): void {
    this.#followNames(TypeUrl.Secret, secretNamesOf([...held(TypeUrl.Cluster), ...held(TypeUrl.Listener)]));
  }

  #followNames(dependent: ResourceTypeUrl, names: Set<string>): void {
    const d = this.#held.get(dependent);
    if (d === undefined || d.subscription === 'wildcard') return;
    const before = d.subscription;
    const added = [...names].filter((n) => !before.has(n)).sort();
    const dropped = [...before].filter((n) => !names.has(n)).sort();
    if (added.length === 0 && dropped.length === 0 && (d.requested || names.size === 0)) return;
    d.subscription = names;
    if (dependent === TypeUrl.VirtualHost) {
      // Virtual hosts of route configurations no longer taken: forgotten with them (the route configurations' removal told the sink).
      for (const n of [...d.resources.keys()]) {
        const rc = vhdsRouteConfigOf(n);
        if (rc === undefined || !(names.has(rc) || this.#tables.has(rc))) d.resources.delete(n);
      }
      for (const rc of [...this.#vhosts.keys()]) if (!names.has(rc) && !this.#tables.has(rc)) this.#vhosts.delete(rc);
    }
    // Secrets are not withdrawn here: the identity agent also provides ROOTCA, and an unused Secret is harmless.
    const gone = dependent === TypeUrl.Secret || dependent === TypeUrl.VirtualHost ? [] : dropped.filter((n) => d.resources.has(n));
    if (gone.length > 0) {
      // Endpoints and routes nothing names any more: the sink drops them (it cannot refuse a removal that follows an applied change).
      this.#apply(dependent, [], gone);
      for (const n of gone) d.resources.delete(n);
    }
    if (this.#mode === 'sotw' || !d.requested) {
      this.#subscribe(dependent);
    } else {
      this.#send({ type_url: dependent, resource_names_subscribe: added, resource_names_unsubscribe: dropped });
    }
  }
}
