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
}

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

/** The RouteConfiguration names a set of listeners needs (RDS in their HTTP connection managers). */
export function routeNamesOf(listeners: Iterable<JsonObject>): Set<string> {
  const out = new Set<string>();
  const hcm = (tc: unknown): void => {
    if (!isObj(tc) || tc['@type'] !== ExtensionTypeUrl.HttpConnectionManager) return;
    const rds = tc['rds'];
    if (isObj(rds) && typeof rds['route_config_name'] === 'string') out.add(rds['route_config_name']);
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
  return out;
}

/**
 * A route configuration as the sink takes it: one that says `vhds` gets the
 * virtual hosts received over VHDS for it (after any inline ones, by
 * resource name), so the router sees one whole route table.
 */
export function withVirtualHosts(rc: JsonObject, vhosts: ReadonlyMap<string, JsonObject> | undefined): JsonObject {
  if (!('vhds' in rc)) return rc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rc)) if (k !== 'vhds') out[k] = v;
  const inline = Array.isArray(rc['virtual_hosts']) ? rc['virtual_hosts'] : [];
  const names = [...(vhosts?.keys() ?? [])].sort();
  out['virtual_hosts'] = [...inline, ...names.map((n) => vhosts?.get(n))];
  return out as JsonObject;
}

type AnyStream = grpc.ClientDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse>;

export class AdsClient {
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
    });
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
    let decoded: (XdsResource & { version: string })[];
    try {
      decoded = (res.resources ?? []).map((r, i) => {
        if (t === TypeUrl.VirtualHost) {
          // A VHDS resource's name (`<route configuration>/<host>`) travels beside it, not inside it.
          const d = this.#decode(typeUrl, r.resource, `resources[${i}]`, r.name);
          if (vhdsRouteConfigOf(d.name) === undefined) throw new Error(`resources[${i}]: ${JSON.stringify(d.name)} is not a virtual host name (<route configuration>/<host>)`);
          return { ...d, version: r.version ?? '' };
        }
        const d = this.#decode(typeUrl, r.resource, `resources[${i}]`);
        if (typeof r.name === 'string' && r.name !== '' && r.name !== d.name) throw new Error(`resources[${i}]: named ${JSON.stringify(r.name)} but the resource is ${JSON.stringify(d.name)}`);
        return { ...d, version: r.version ?? '' };
      });
    } catch (cause) {
      this.#nack(t, h, version, nonce, cause instanceof Error ? cause.message : String(cause));
      return;
    }
    const removed = (res.removed_resources ?? []).filter((n) => h.resources.has(n));
    const result = t === TypeUrl.VirtualHost ? this.#applyVirtualHosts(decoded, removed) : this.#apply(t, decoded.map(({ name, resource }) => ({ name, resource: t === TypeUrl.RouteConfiguration ? withVirtualHosts(resource, this.#vhosts.get(name)) : resource })), removed);
    if (!result.ok) {
      this.#nack(t, h, version, nonce, result.error);
      return;
    }
    for (const r of decoded) h.resources.set(r.name, { resource: r.resource, version: r.version });
    for (const n of removed) h.resources.delete(n);
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
      if (held !== undefined && 'vhds' in held) affected.push({ name: rc, resource: withVirtualHosts(held, hosts) });
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
      const routes = routeNamesOf(held(typeUrl));
      // VHDS (delta only): the virtual hosts of the same route configurations, subscribed by route configuration
      // name as Envoy's first VHDS request does, and before them, so the hosts arrive first.
      if (this.#mode === 'delta') this.#followNames(TypeUrl.VirtualHost, routes);
      this.#followNames(TypeUrl.RouteConfiguration, routes);
    }
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
        if (rc === undefined || !names.has(rc)) d.resources.delete(n);
      }
      for (const rc of [...this.#vhosts.keys()]) if (!names.has(rc)) this.#vhosts.delete(rc);
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
