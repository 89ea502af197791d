// The control plane's Aggregated Discovery Service: Envoy's
// StreamAggregatedResources (state of the world) and DeltaAggregatedResources
// (incremental) over @grpc/grpc-js.
//
// Shaped like go-control-plane: the server ends in setSnapshot(key, snapshot)
// (key: configKeyOf(node), one per workload and kind), snapshots are built and
// checked by XdsSnapshot.build, and a stream answers a type only when the
// version differs from what the proxy has (what it last ACKed or said it has),
// or when it subscribed to names it was not sent yet. A version a proxy
// rejected is not sent to it again.
//
// Make-before-break: per push, types go out as secrets, clusters, endpoints,
// listeners, routes; removals last. On a state-of-the-world stream, when a
// push drops clusters the proxy holds, the first CDS response keeps them
// (the new clusters plus the dropped ones) and a final CDS response after the
// routes drops them. On a delta stream, additions and changes of every type
// go first, then removals in reverse order (routes … clusters).
//
// Flow control is xDS's own, as in go-control-plane: a stream has at most one
// unanswered response per type; a later push of that type waits for the ACK
// or NACK and coalesces into the latest state, so a slow proxy gets the
// newest config, never a backlog, and memory per stream is bounded. (HTTP/2
// write callbacks do not show a peer that stopped reading: the data sits in
// the session's queue.)
//
// Hostile or broken clients cannot starve others: streams are capped in
// total and per connection; each stream has a request rate limit (a NACK
// storm or garbage flood ends that stream, not the server); a response left
// unanswered for responseTimeoutMs (a client that never reads) drops the
// stream; a first request must arrive within firstRequestTimeoutMs.
// Keepalive pings find dead connections.

import * as grpc from '@grpc/grpc-js';
import { constants as http2constants } from 'node:http2';
import {
  adsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  encodeDeltaResponse,
  type EncodableDeltaResource,
  type EncodedDeltaResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type WireNode,
} from '../../xds/ads.ts';
import { TypeUrl, vhdsRouteConfigOf, type ResourceTypeUrl } from '../../xds/types.ts';
import { systemClock, type Clock, type TimerHandle } from '../../xds/clock.ts';
import { silentLogger, type XdsLogger } from './log.ts';
import { configKeyOf, parseNode, type ProxyNode } from './node.ts';
import { SEND_ORDER, TYPE_SHORT, WILDCARD_TYPES, XdsSnapshot, isServedType, type PartResources, type SnapshotResource } from './snapshot.ts';
import { AckTracker, type StreamKind } from './tracker.ts';
import { AliasTable, domainsMoved, resolveAlias, routeConfigsOf } from './aliases.ts';
import { createHash } from 'node:crypto';

/** What to do with a node the cache has no snapshot for. */
export type SnapshotDecision = XdsSnapshot | undefined | { readonly reject: string };

export interface XdsLimits {
  /** Streams open at once, all connections. */
  readonly maxStreams: number;
  /** Streams open at once on one connection (also HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly maxStreamsPerConnection: number;
  /** Requests a stream may send per second, sustained… */
  readonly requestsPerSecond: number;
  /** …and in a burst. */
  readonly requestBurst: number;
  /**
   * A stream whose response has been neither ACKed nor NACKed for this long
   * (or whose writes have not drained) is dropped: a proxy that does not read.
   */
  readonly responseTimeoutMs: number;
  /** Bytes a stream may have written and not yet drained before it is dropped. */
  readonly maxBufferedBytes: number;
  /**
   * Bytes of responses written and not yet ACKed or NACKed, all streams: a
   * stream that holds none waits to start sending while this is exceeded, so
   * proxies joining at once sync a few at a time instead of each holding
   * megabytes of encoded responses in the server's buffers together. A
   * stream already sending carries on (it releases what it holds).
   */
  readonly maxUnansweredBytes: number;
  /** A stream that sends no request within this is dropped. */
  readonly firstRequestTimeoutMs: number;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Largest request accepted. */
  readonly maxReceiveMessageBytes: number;
  /**
   * On-demand VHDS aliases a stream may hold subscribed: more are ignored
   * (not answered; logged once per stream), so a proxy fed random Host
   * headers cannot grow the server's memory without bound.
   */
  readonly maxAliasesPerStream: number;
  /**
   * New on-demand aliases a stream may have resolved in a burst (a token
   * bucket per stream)… Subscriptions over it are deferred, not refused: they
   * are answered in order as the bucket refills. Unsubscribing, and
   * subscribing again to an alias the stream holds, cost nothing.
   */
  readonly aliasBurst: number;
  /** …and per second, sustained. */
  readonly aliasesPerSecond: number;
  /**
   * New aliases the first VirtualHost request of a stream may subscribe
   * outside the bucket: a proxy reconnecting re-subscribes everything it held
   * in that request, and must not wait for it.
   */
  readonly aliasFirstRequestAllowance: number;
}

export const DEFAULT_LIMITS: XdsLimits = Object.freeze({
  maxStreams: 10_000,
  maxStreamsPerConnection: 100,
  requestsPerSecond: 50,
  requestBurst: 500,
  responseTimeoutMs: 30_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxUnansweredBytes: 64 * 1024 * 1024,
  firstRequestTimeoutMs: 30_000,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  // A sidecar keeps up to 4,096 authorities per route configuration routed on demand (proxy/xds/client.ts):
  // room for eight such route configurations (ports) at their caps.
  maxAliasesPerStream: 32_768,
  // A sidecar meets authorities one at a time as its app calls them (tens, a few hundred for a gateway-like app);
  // 4,096 at once is a whole route configuration's worth of the proxy's cap, and 1,024 a second keeps a hostile
  // stream churning new aliases to ~0.7 ms of resolving (plus its answers' encoding) per second.
  aliasBurst: 4_096,
  aliasesPerSecond: 1_024,
  // A reconnect re-subscribes what the proxy held in its first request: 8,192 of them (two ports at the proxy's
  // cap) plus the burst are answered at once; a stream gets this once, ~6 ms of resolving.
  aliasFirstRequestAllowance: 8_192,
});

export interface XdsServerOptions {
  /** Default 127.0.0.1. */
  readonly address?: string;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** Default insecure (local mode only; the mesh serves TLS on 15012). */
  readonly credentials?: grpc.ServerCredentials;
  /** Called when a node connects and the cache has no snapshot for its key: compile one, wait (undefined), or refuse. */
  readonly snapshotFor?: (node: ProxyNode) => SnapshotDecision;
  readonly logger?: XdsLogger;
  readonly clock?: Clock;
  readonly limits?: Partial<XdsLimits>;
  /** control_plane.identifier in responses. */
  readonly controlPlaneId?: string;
  /** Adds other gRPC services to this server, so they share its port and credentials (the mesh CA on 15012). */
  readonly services?: (server: grpc.Server) => void;
}

export interface RunningXdsServer {
  readonly port: number;
  readonly address: string;
  readonly server: XdsServer;
  readonly tracker: AckTracker;
  setSnapshot(key: string, snapshot: XdsSnapshot): boolean;
  close(graceMs?: number): Promise<void>;
}

/** Starts an ADS server; resolves when it listens. */
export async function startXdsServer(options: XdsServerOptions = {}): Promise<RunningXdsServer> {
  const server = new XdsServer(options);
  const port = await server.listen(options.address ?? '127.0.0.1', options.port ?? 0, options.credentials ?? grpc.ServerCredentials.createInsecure());
  return {
    port,
    address: options.address ?? '127.0.0.1',
    server,
    tracker: server.tracker,
    setSnapshot: (key, snapshot) => server.setSnapshot(key, snapshot),
    close: (graceMs) => server.close(graceMs),
  };
}

type Status = { code: grpc.status; details: string };

export class XdsServer {
  readonly tracker: AckTracker;
  readonly limits: XdsLimits;
  readonly #grpc: grpc.Server;
  readonly #snapshots = new Map<string, XdsSnapshot>();
  readonly #watchers = new Map<string, Set<AdsStream>>();
  readonly #streams = new Set<AdsStream>();
  readonly #perConnection = new Map<string, number>();
  readonly #options: XdsServerOptions;
  readonly log: XdsLogger;
  readonly clock: Clock;
  readonly controlPlaneId: string;
  #nextStreamId = 1;
  #closed = false;
  /** Counters for tests and the admin endpoint. */
  readonly stats = { streamsOpened: 0, streamsRefused: 0, streamsDropped: 0, responses: 0, acks: 0, nacks: 0, staleRequests: 0, budgetWaits: 0, aliasesRefused: 0, aliasesDeferred: 0, aliasesResolved: 0 };
  /** Bytes written and not yet answered, all streams (limits.maxUnansweredBytes). */
  unansweredBytes = 0;
  /** Streams waiting for the budget to start sending, in arrival order. */
  readonly #waiting = new Set<AdsStream>();

  /** Whether a stream holding nothing unanswered may start sending now; if not, it is woken when the budget frees. */
  mayStart(stream: AdsStream): boolean {
    if (this.unansweredBytes < this.limits.maxUnansweredBytes) return true;
    if (!this.#waiting.has(stream)) this.stats.budgetWaits++;
    this.#waiting.add(stream);
    return false;
  }

  /** Unanswered bytes were answered (or their stream ended): wake waiting streams while there is room. */
  release(bytes: number, stream: AdsStream): void {
    this.unansweredBytes = Math.max(0, this.unansweredBytes - bytes);
    this.#waiting.delete(stream);
    if (this.unansweredBytes >= this.limits.maxUnansweredBytes) return;
    // Each re-checks when it flushes: the first ones take the room, the others wait again.
    const woken = [...this.#waiting];
    this.#waiting.clear();
    for (const w of woken) w.wake();
  }

  constructor(options: XdsServerOptions = {}) {
    this.#options = options;
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock();
    this.controlPlaneId = options.controlPlaneId ?? 'weft';
    this.tracker = new AckTracker(() => this.clock.now());
    this.#grpc = new grpc.Server({
      'grpc.max_concurrent_streams': this.limits.maxStreamsPerConnection,
      'grpc.keepalive_time_ms': this.limits.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': this.limits.keepaliveTimeoutMs,
      'grpc.max_receive_message_length': this.limits.maxReceiveMessageBytes,
      'grpc.max_send_message_length': -1,
    });
    this.#grpc.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => this.#open(call, 'sotw'),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => this.#open(call, 'delta'),
    });
    options.services?.(this.#grpc);
  }

  listen(address: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
    const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
    return new Promise((resolve, reject) => {
      this.#grpc.bindAsync(`${host}:${port}`, credentials, (err, bound) => {
        if (err !== null) reject(new Error(`xDS server: cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
        else {
          this.log.info({ address, port: bound }, 'xDS server listening');
          resolve(bound);
        }
      });
    });
  }

  /** Ends every stream (UNAVAILABLE, so proxies reconnect elsewhere) and stops listening. */
  async close(graceMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#streams]) s.fail({ code: grpc.status.UNAVAILABLE, details: 'xDS server shutting down' }, false);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#grpc.forceShutdown();
        resolve();
      }, graceMs);
      this.#grpc.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /**
   * Holds `snapshot` for every proxy whose config key is `key`, and pushes
   * what changed to those connected. Returns false when the snapshot has the
   * same version as the one held (nothing to push).
   */
  setSnapshot(key: string, snapshot: XdsSnapshot): boolean {
    if (!(snapshot instanceof XdsSnapshot)) {
      throw new TypeError(`setSnapshot(${JSON.stringify(key)}): not an XdsSnapshot; build one with XdsSnapshot.build, which checks consistency`);
    }
    const old = this.#snapshots.get(key);
    this.#snapshots.set(key, snapshot);
    const watchers = this.#watchers.get(key);
    const same = old !== undefined && old.sameContent(snapshot);
    if (same && old.meshVersion === snapshot.meshVersion) return false;
    for (const s of watchers ?? []) s.assign(snapshot);
    return !same;
  }

  snapshot(key: string): XdsSnapshot | undefined {
    return this.#snapshots.get(key);
  }

  /**
   * Config keys with a connected proxy that takes a virtual host `pick`
   * chooses (by VHDS resource name, `<route configuration>/<virtual host>`):
   * the proxies an edit of those virtual hosts must reach, which the
   * distributor pushes to before the others. A proxy without VHDS (state of
   * the world, proxyless) or subscribed to whole route configurations takes
   * every virtual host.
   */
  keysTakingVirtualHosts(pick: (name: string) => boolean): Set<string> {
    const out = new Set<string>();
    // Streams of proxies calling the same Services ask about the same virtual hosts: each name is picked once.
    const picked = new Map<string, boolean>();
    const once = (name: string): boolean => {
      let v = picked.get(name);
      if (v === undefined) picked.set(name, (v = pick(name)));
      return v;
    };
    for (const [key, streams] of this.#watchers) {
      for (const s of streams) {
        if (s.takesVirtualHost(once)) {
          out.add(key);
          break;
        }
      }
    }
    return out;
  }

  /** Forgets a key's snapshot (its proxies keep what they have). */
  clearSnapshot(key: string): void {
    this.#snapshots.delete(key);
  }

  /** Keys of the snapshots held. */
  keys(): string[] {
    return [...this.#snapshots.keys()];
  }

  /** The nodes with an open stream. */
  connectedNodes(): ProxyNode[] {
    const out: ProxyNode[] = [];
    for (const s of this.#streams) if (s.node !== undefined) out.push(s.node);
    return out;
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  #open(call: grpc.ServerDuplexStream<unknown, unknown>, kind: StreamKind): void {
    const peer = call.getPeer();
    if (this.#closed || this.#streams.size >= this.limits.maxStreams || (this.#perConnection.get(peer) ?? 0) >= this.limits.maxStreamsPerConnection) {
      this.stats.streamsRefused++;
      const details = this.#closed
        ? 'xDS server shutting down'
        : this.#streams.size >= this.limits.maxStreams
          ? `too many xDS streams (${this.limits.maxStreams}); try another control plane replica`
          : `too many xDS streams on one connection (${this.limits.maxStreamsPerConnection}); a proxy needs one`;
      this.log.warn({ peer, stream: kind }, `refused xDS stream: ${details}`);
      call.emit('error', { code: this.#closed ? grpc.status.UNAVAILABLE : grpc.status.RESOURCE_EXHAUSTED, details });
      return;
    }
    const id = this.#nextStreamId++;
    const stream = kind === 'sotw' ? new SotwStream(this, id, call as grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>, peer) : new DeltaStream(this, id, call as grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>, peer);
    this.#streams.add(stream);
    this.#perConnection.set(peer, (this.#perConnection.get(peer) ?? 0) + 1);
    this.stats.streamsOpened++;
    stream.start();
  }

  /** A stream learned its node: find its snapshot. Returns a status to end the stream with, or undefined. */
  attach(stream: AdsStream, node: ProxyNode): Status | undefined {
    const key = configKeyOf(node);
    let snapshot = this.#snapshots.get(key);
    if (snapshot === undefined && this.#options.snapshotFor !== undefined) {
      let decision: SnapshotDecision;
      try {
        decision = this.#options.snapshotFor(node);
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause);
        this.log.error({ node: node.id, namespace: node.namespace, workload: node.workload, err: message }, 'compiling a snapshot for a new proxy failed');
        return { code: grpc.status.UNAVAILABLE, details: `no configuration for ${node.namespace}/${node.workload} yet: ${message}` };
      }
      if (decision instanceof XdsSnapshot) {
        snapshot = decision;
        this.#snapshots.set(key, snapshot);
      } else if (decision !== undefined) {
        return { code: grpc.status.NOT_FOUND, details: `node ${node.id} (${node.namespace}/${node.workload}) refused: ${decision.reject}` };
      }
    }
    let set = this.#watchers.get(key);
    if (set === undefined) this.#watchers.set(key, (set = new Set()));
    set.add(stream);
    this.tracker.connected(stream.id, node, stream.kind, stream.peer);
    this.log.info({ node: node.id, namespace: node.namespace, workload: node.workload, kind: node.kind, stream: stream.kind, peer: stream.peer }, 'proxy connected');
    if (snapshot !== undefined) stream.assign(snapshot);
    return undefined;
  }

  /** A stream ended. */
  detach(stream: AdsStream, dropped: boolean): void {
    if (!this.#streams.delete(stream)) return;
    stream.released();
    const n = (this.#perConnection.get(stream.peer) ?? 1) - 1;
    if (n <= 0) this.#perConnection.delete(stream.peer);
    else this.#perConnection.set(stream.peer, n);
    if (dropped) this.stats.streamsDropped++;
    const node = stream.node;
    if (node !== undefined) {
      const key = configKeyOf(node);
      const set = this.#watchers.get(key);
      set?.delete(stream);
      if (set !== undefined && set.size === 0) this.#watchers.delete(key);
      this.tracker.disconnected(stream.id, node.id);
      this.log.info({ node: node.id, namespace: node.namespace, workload: node.workload, stream: stream.kind }, 'proxy disconnected');
    }
  }
}

const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The HTTP/2 stream under a grpc-js server call, to reset a stream whose reader is gone (grpc-js has no server-side cancel). */
function http2StreamOf(call: unknown): { close(code: number): void } | undefined {
  let cur: unknown = call;
  for (let depth = 0; depth < 6 && typeof cur === 'object' && cur !== null; depth++) {
    const stream = (cur as { stream?: unknown }).stream;
    if (typeof stream === 'object' && stream !== null && typeof (stream as { close?: unknown }).close === 'function' && 'rstCode' in stream) {
      return stream as unknown as { close(code: number): void };
    }
    cur = (cur as { call?: unknown; nextCall?: unknown }).nextCall ?? (cur as { call?: unknown }).call;
  }
  return undefined;
}

/** What a stream has in common, whichever protocol variant it speaks. */
abstract class AdsStream {
  readonly server: XdsServer;
  readonly id: number;
  readonly peer: string;
  abstract readonly kind: StreamKind;
  node: ProxyNode | undefined;
  snapshot: XdsSnapshot | undefined;
  protected readonly call: grpc.ServerDuplexStream<unknown, unknown>;
  protected closed = false;
  #nonce = 0;
  #tokens: number;
  #tokensAt: number;
  #inflight = 0;
  #inflightBytes = 0;
  #drainTimer: TimerHandle | undefined;
  /** When #inflight last went from none to some. */
  #busySince = 0;
  #firstTimer: TimerHandle | undefined;
  /** Types with a response not yet ACKed or NACKed → when it was sent. */
  readonly #awaiting = new Map<ResourceTypeUrl, number>();
  /** Bytes written per type and not yet answered (counted in the server's budget). */
  readonly #unanswered = new Map<string, number>();
  #unansweredTotal = 0;
  #answerTimer: TimerHandle | undefined;
  #flushQueued = false;
  /** Types to look at on the next flush. */
  protected readonly dirty = new Set<ResourceTypeUrl>();

  constructor(server: XdsServer, id: number, call: grpc.ServerDuplexStream<unknown, unknown>, peer: string) {
    this.server = server;
    this.id = id;
    this.call = call;
    this.peer = peer;
    this.#tokens = server.limits.requestBurst;
    this.#tokensAt = server.clock.now();
  }

  start(): void {
    this.#firstTimer = this.server.clock.setTimeout(() => {
      if (this.node === undefined) this.fail({ code: grpc.status.DEADLINE_EXCEEDED, details: `no xDS request within ${this.server.limits.firstRequestTimeoutMs} ms of opening the stream` }, true);
    }, this.server.limits.firstRequestTimeoutMs);
    this.call.on('data', (req: unknown) => {
      if (this.closed) return;
      try {
        this.#request(req);
      } catch (cause) {
        // A bug here must end this stream only, never the process.
        const message = cause instanceof Error ? cause.message : String(cause);
        this.server.log.error({ node: this.node?.id, peer: this.peer, err: message }, 'xDS stream failed');
        this.fail({ code: grpc.status.INTERNAL, details: `xDS server error: ${message}` }, true);
      }
    });
    this.call.on('end', () => {
      if (!this.closed) this.#finish();
    });
    this.call.on('error', () => this.#finish());
    this.call.on('cancelled', () => this.#finish());
    this.call.on('close', () => this.#finish());
  }

  #finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.#clearTimers();
    this.server.detach(this, false);
    try {
      this.call.end();
    } catch {
      // already ended
    }
  }

  #clearTimers(): void {
    if (this.#drainTimer !== undefined) this.server.clock.clearTimeout(this.#drainTimer);
    if (this.#firstTimer !== undefined) this.server.clock.clearTimeout(this.#firstTimer);
    if (this.#answerTimer !== undefined) this.server.clock.clearTimeout(this.#answerTimer);
    this.#drainTimer = undefined;
    this.#firstTimer = undefined;
    this.#answerTimer = undefined;
    this.clearOwnTimers();
  }

  /** A subclass's timers, cleared when the stream ends. */
  protected clearOwnTimers(): void {}

  /** A response of the type went out: no other of that type until it is answered. */
  protected awaitAnswer(typeUrl: ResourceTypeUrl): void {
    this.#awaiting.set(typeUrl, this.server.clock.now());
    if (this.#answerTimer === undefined) this.#armAnswerTimer(this.server.limits.responseTimeoutMs);
  }

  #armAnswerTimer(ms: number): void {
    this.#answerTimer = this.server.clock.setTimeout(() => {
      this.#answerTimer = undefined;
      if (this.closed || this.#awaiting.size === 0) return;
      const now = this.server.clock.now();
      const oldest = Math.min(...this.#awaiting.values());
      const limit = this.server.limits.responseTimeoutMs;
      if (now - oldest >= limit) {
        this.fail({ code: grpc.status.DEADLINE_EXCEEDED, details: `the proxy has not answered an xDS response for ${limit} ms (no ACK or NACK)` }, true);
      } else this.#armAnswerTimer(oldest + limit - now);
    }, ms);
  }

  /** The proxy answered the latest response of the type. */
  protected answered(typeUrl: ResourceTypeUrl): void {
    this.#awaiting.delete(typeUrl);
    this.#releaseBytes(typeUrl);
    this.dirty.add(typeUrl);
    // The answer timer stays armed: when it fires with nothing awaited it simply lapses (one timer per
    // stream and timeout period, not one per response: a push to a thousand proxies arms none).
  }

  #releaseBytes(typeUrl: string | undefined): void {
    const types = typeUrl === undefined ? [...this.#unanswered.keys()] : [typeUrl];
    let bytes = 0;
    for (const t of types) {
      bytes += this.#unanswered.get(t) ?? 0;
      this.#unanswered.delete(t);
    }
    this.#unansweredTotal -= bytes;
    if (bytes > 0 || typeUrl === undefined) this.server.release(bytes, this);
  }

  /** The server's budget has room again. */
  wake(): void {
    if (this.dirty.size > 0) this.scheduleFlush();
  }

  /** The stream ended: what it held unanswered goes back to the budget. */
  released(): void {
    this.#releaseBytes(undefined);
  }

  /** Ends the stream with a status. `dropped` counts it as a misbehaving client. */
  fail(status: Status, dropped: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.#clearTimers();
    this.server.detach(this, dropped);
    if (dropped) this.server.log.warn({ node: this.node?.id, peer: this.peer, code: grpc.status[status.code], details: status.details }, 'xDS stream dropped');
    const stuck = this.#inflight > 0;
    this.call.emit('error', status);
    // Writes that never drain would hold the status back forever: reset the HTTP/2 stream.
    if (stuck) http2StreamOf(this.call)?.close(http2constants.NGHTTP2_CANCEL);
  }

  #rateLimited(): boolean {
    const now = this.server.clock.now();
    const limits = this.server.limits;
    this.#tokens = Math.min(limits.requestBurst, this.#tokens + ((now - this.#tokensAt) / 1000) * limits.requestsPerSecond);
    this.#tokensAt = now;
    if (this.#tokens < 1) return true;
    this.#tokens -= 1;
    return false;
  }

  #request(req: unknown): void {
    if (this.#rateLimited()) {
      this.fail({ code: grpc.status.RESOURCE_EXHAUSTED, details: `more than ${this.server.limits.requestsPerSecond} xDS requests per second on one stream` }, true);
      return;
    }
    const r = req as { node?: WireNode; type_url?: unknown };
    if (this.node === undefined) {
      const parsed = parseNode(r.node);
      if (!parsed.ok) {
        this.fail({ code: grpc.status.INVALID_ARGUMENT, details: parsed.error }, true);
        return;
      }
      this.node = parsed.node;
      if (this.#firstTimer !== undefined) this.server.clock.clearTimeout(this.#firstTimer);
      this.#firstTimer = undefined;
      const refused = this.server.attach(this, parsed.node);
      if (refused !== undefined) {
        this.fail(refused, false);
        return;
      }
      // Headers now, so a proxy that is sent nothing (it holds the current versions) knows it is connected.
      this.call.sendMetadata(new grpc.Metadata());
    } else if (r.node !== undefined && r.node !== null && typeof r.node.id === 'string' && r.node.id !== '' && r.node.id !== this.node.id) {
      this.fail({ code: grpc.status.INVALID_ARGUMENT, details: `node.id changed on one stream (${this.node.id} → ${r.node.id.slice(0, 64)})` }, true);
      return;
    }
    const typeUrl = typeof r.type_url === 'string' ? r.type_url : '';
    if (!isServedType(typeUrl)) {
      const served = SEND_ORDER.map((t) => `${TYPE_SHORT[t]} (${t})`).join(', ');
      this.fail({ code: grpc.status.INVALID_ARGUMENT, details: `type_url ${JSON.stringify(typeUrl.slice(0, 200))} is not served; this server serves ${served}` }, true);
      return;
    }
    this.handle(typeUrl, req);
    this.scheduleFlush();
  }

  /** Handles one request of a served type (ACK/NACK bookkeeping, subscriptions); marks types dirty. */
  protected abstract handle(typeUrl: ResourceTypeUrl, req: unknown): void;
  /** Writes what the dirty types need. */
  protected abstract flushTypes(types: ReadonlySet<ResourceTypeUrl>): void;

  /** Whether the proxy takes a virtual host `pick` chooses (see XdsServer.keysTakingVirtualHosts); state of the world takes them all, inline. */
  takesVirtualHost(_pick: (name: string) => boolean): boolean {
    return true;
  }

  /** The server holds a new snapshot for this stream's proxy. */
  assign(snapshot: XdsSnapshot): void {
    if (this.closed || this.node === undefined) return;
    const old = this.snapshot;
    this.snapshot = snapshot;
    this.server.tracker.assigned(this.id, this.node.id, snapshot);
    // Only the types that are other objects than in the snapshot the stream had can need anything sent
    // (a type object is immutable content; a snapshot built from the previous one keeps those it did not touch).
    for (const t of SEND_ORDER) {
      if (old === undefined || old.type(t, this.kind) !== snapshot.type(t, this.kind)) this.dirty.add(t);
    }
    if (this.dirty.size > 0) this.scheduleFlush();
  }

  protected scheduleFlush(): void {
    if (this.#flushQueued || this.closed) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    // One batch at a time: while a batch is unwritten, later pushes wait and coalesce into the latest state.
    if (this.closed || this.#inflight > 0 || this.dirty.size === 0 || this.snapshot === undefined) return;
    // Starting from nothing unanswered while the server's budget is spent: wait to be woken.
    if (this.#unansweredTotal === 0 && !this.server.mayStart(this)) return;
    // A type with an unanswered response stays dirty until the answer comes.
    const types = new Set<ResourceTypeUrl>();
    for (const t of this.dirty) if (!this.#awaiting.has(t)) types.add(t);
    if (types.size === 0) return;
    for (const t of types) this.dirty.delete(t);
    this.flushTypes(types);
  }

  protected nextNonce(): string {
    this.#nonce++;
    return String(this.#nonce);
  }

  protected write(message: DiscoveryResponse | EncodedDeltaResponse, bytes: number): void {
    if (this.closed) return;
    if (this.#inflightBytes + bytes > this.server.limits.maxBufferedBytes && this.#inflight > 0) {
      this.fail({ code: grpc.status.RESOURCE_EXHAUSTED, details: `the proxy is not reading: ${this.#inflightBytes} bytes of xDS responses unread` }, true);
      return;
    }
    this.#inflight++;
    this.#inflightBytes += bytes;
    const typeUrl = message.type_url;
    this.#unanswered.set(typeUrl, (this.#unanswered.get(typeUrl) ?? 0) + bytes);
    this.#unansweredTotal += bytes;
    this.server.unansweredBytes += bytes;
    if (this.#inflight === 1) this.#busySince = this.server.clock.now();
    if (this.#drainTimer === undefined) this.#armDrainTimer(this.server.limits.responseTimeoutMs);
    this.server.stats.responses++;
    this.call.write(message, () => {
      this.#inflight--;
      this.#inflightBytes -= bytes;
      // The drain timer stays armed and lapses if everything has drained when it fires.
      if (this.#inflight === 0) {
        if (this.dirty.size > 0) this.scheduleFlush();
      }
    });
  }

  /** Drops the stream when writes have stayed undrained for responseTimeoutMs since the stream last had none pending. */
  #armDrainTimer(ms: number): void {
    this.#drainTimer = this.server.clock.setTimeout(() => {
      this.#drainTimer = undefined;
      if (this.closed || this.#inflight === 0) return;
      const limit = this.server.limits.responseTimeoutMs;
      const waited = this.server.clock.now() - this.#busySince;
      if (waited >= limit) this.fail({ code: grpc.status.RESOURCE_EXHAUSTED, details: `the proxy has not read its xDS responses for ${limit} ms` }, true);
      else this.#armDrainTimer(limit - waited);
    }, ms);
  }

  protected logFields(typeUrl: ResourceTypeUrl): Record<string, unknown> {
    return { node: this.node?.id, namespace: this.node?.namespace, workload: this.node?.workload, type: TYPE_SHORT[typeUrl] };
  }
}

// ---- state of the world --------------------------------------------------------

interface SotwType {
  /** 'wildcard', or the names subscribed. */
  names: 'wildcard' | Set<string>;
  /** The version the proxy has: what it last ACKed, or what it said it had on connecting. */
  version?: string;
  /** The version the proxy holds once it has read every response: the last one sent, or after a NACK the one it kept. */
  sentVersion?: string;
  sentNonce?: string;
  /** Whether the latest nonce has been answered (ACK or NACK). */
  answered: boolean;
  /** A version the proxy rejected: not sent to it again. */
  rejectedVersion?: string;
  /** Names subscribed since the last response. */
  newNames: boolean;
  /** Last CDS response's resources, for make-before-break. */
  held?: ReadonlyMap<string, SnapshotResource>;
  /** The last CDS response kept dropped clusters on the way to this version: the next one drops them. */
  keepFor?: string;
}

class SotwStream extends AdsStream {
  readonly kind = 'sotw' as const;
  readonly #types = new Map<ResourceTypeUrl, SotwType>();

  constructor(server: XdsServer, id: number, call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>, peer: string) {
    super(server, id, call as grpc.ServerDuplexStream<unknown, unknown>, peer);
  }

  protected handle(typeUrl: ResourceTypeUrl, raw: unknown): void {
    const req = raw as DiscoveryRequest;
    const node = this.node;
    if (node === undefined) return;
    let st = this.#types.get(typeUrl);
    const nonce = typeof req.response_nonce === 'string' ? req.response_nonce : '';
    const version = typeof req.version_info === 'string' ? req.version_info : '';
    if (st === undefined) {
      st = { names: WILDCARD_TYPES.has(typeUrl) ? 'wildcard' : new Set(), answered: true, newNames: false };
      this.#types.set(typeUrl, st);
      this.server.tracker.subscribed(this.id, node.id, typeUrl);
      // A proxy that reconnects says which version it has: equal content is not sent again.
      if (nonce === '' && version !== '') {
        st.version = version;
        st.sentVersion = version;
        // What it holds at that version covers the names it asks for now.
        if (!WILDCARD_TYPES.has(typeUrl) && Array.isArray(req.resource_names)) st.names = new Set(req.resource_names.filter((n): n is string => typeof n === 'string'));
        this.server.tracker.acked(this.id, node.id, typeUrl, version);
      }
    } else if (nonce !== '') {
      if (nonce !== st.sentNonce) {
        // Envoy's rule: a request answering an older response is stale; the answer to the latest will follow.
        this.server.stats.staleRequests++;
        return;
      }
      if (!st.answered) {
        st.answered = true;
        this.answered(typeUrl);
        const sent = st.sentVersion ?? '';
        const error = req.error_detail;
        if (error !== undefined && error !== null && (typeof error.message === 'string' || typeof error.code === 'number')) {
          const message = typeof error.message === 'string' && error.message !== '' ? error.message : `error code ${String(error.code)}`;
          st.rejectedVersion = sent;
          // The proxy kept what it had.
          if (st.version !== undefined) st.sentVersion = st.version;
          else delete st.sentVersion;
          this.server.stats.nacks++;
          this.server.tracker.nacked(this.id, node.id, typeUrl, sent, nonce, message);
          this.server.log.warn({ ...this.logFields(typeUrl), version: sent, nonce, error: message.slice(0, 500) }, 'proxy rejected xDS update');
        } else {
          st.version = sent;
          this.server.stats.acks++;
          this.server.tracker.acked(this.id, node.id, typeUrl, sent);
        }
      }
    }
    const requested = Array.isArray(req.resource_names) ? req.resource_names.filter((n): n is string => typeof n === 'string') : [];
    const wildcard = WILDCARD_TYPES.has(typeUrl) ? requested.length === 0 || requested.includes('*') : requested.includes('*');
    if (wildcard) {
      if (st.names !== 'wildcard') st.newNames = true;
      st.names = 'wildcard';
    } else {
      const names = new Set(requested);
      const before = st.names;
      for (const n of names) if (before === 'wildcard' || !before.has(n)) st.newNames = true;
      st.names = names;
    }
    this.dirty.add(typeUrl);
  }

  protected flushTypes(types: ReadonlySet<ResourceTypeUrl>): void {
    const snapshot = this.snapshot;
    if (snapshot === undefined) return;
    for (const typeUrl of SEND_ORDER) {
      const st = this.#types.get(typeUrl);
      if (!types.has(typeUrl) || st === undefined) continue;
      const version = snapshot.versionOf(typeUrl);
      const changed = version !== st.sentVersion && version !== st.rejectedVersion;
      if (!changed && !st.newNames) continue;
      const all = snapshot.type(typeUrl)?.resources ?? new Map<string, SnapshotResource>();
      const chosen: SnapshotResource[] = [];
      if (st.names === 'wildcard') chosen.push(...all.values());
      else for (const n of st.names) {
        const r = all.get(n);
        if (r !== undefined) chosen.push(r);
      }
      st.newNames = false;
      if (typeUrl === TypeUrl.Cluster && st.held !== undefined && st.names === 'wildcard' && st.keepFor !== version) {
        const dropped = [...st.held.values()].filter((r) => !all.has(r.name));
        if (dropped.length > 0) {
          // Keep the dropped clusters until the listeners and routes that used them are replaced (they go
          // out in this same flush); the CDS response after this one is answered drops them.
          this.#send(typeUrl, st, `${version}+keep-${shortHash(dropped.map((r) => r.name).join(','))}`, [...chosen, ...dropped], snapshot);
          st.keepFor = version;
          this.dirty.add(typeUrl);
          continue;
        }
      }
      if (typeUrl === TypeUrl.Cluster) delete st.keepFor;
      this.#send(typeUrl, st, version, chosen, snapshot);
    }
  }

  #send(typeUrl: ResourceTypeUrl, st: SotwType, version: string, resources: readonly SnapshotResource[], snapshot: XdsSnapshot): void {
    const node = this.node;
    if (node === undefined) return;
    const nonce = this.nextNonce();
    st.sentVersion = version;
    st.sentNonce = nonce;
    st.answered = false;
    if (typeUrl === TypeUrl.Cluster) st.held = new Map(resources.map((r) => [r.name, r]));
    let bytes = 64;
    for (const r of resources) bytes += r.bytes.length + 64;
    this.server.tracker.sent(this.id, node.id, typeUrl, version, nonce, snapshot);
    this.awaitAnswer(typeUrl);
    this.write({ version_info: version, resources: resources.map((r) => r.any), type_url: typeUrl, nonce, control_plane: { identifier: this.server.controlPlaneId } }, bytes);
  }
}

// ---- incremental ---------------------------------------------------------------

/**
 * What a delta stream's proxy holds, name → version (what it said on
 * connecting, then what was sent): the groups it holds whole, by reference,
 * and the names where it differs from them. A thousand proxies holding the
 * same groups share them instead of a copy each.
 */
class KnownVersions {
  #base: readonly PartResources[] = [];
  /** Differences from the base: a version, or null for a base name the proxy does not hold. */
  readonly #overlay = new Map<string, string | null>();

  #baseVersion(name: string): string | undefined {
    for (const p of this.#base) {
      const r = p.resources.get(name);
      if (r !== undefined) return r.version;
    }
    return undefined;
  }

  get(name: string): string | undefined {
    const o = this.#overlay.get(name);
    if (o !== undefined) return o ?? undefined;
    return this.#baseVersion(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, version: string): void {
    if (this.#baseVersion(name) === version) this.#overlay.delete(name);
    else this.#overlay.set(name, version);
  }

  delete(name: string): void {
    if (this.#baseVersion(name) !== undefined) this.#overlay.set(name, null);
    else this.#overlay.delete(name);
  }

  *keys(): Generator<string> {
    for (const p of this.#base) for (const n of p.resources.keys()) if (this.#overlay.get(n) !== null) yield n;
    for (const [n, v] of this.#overlay) if (v !== null && this.#baseVersion(n) === undefined) yield n;
  }

  /** The proxy now holds exactly these groups' versions of every name it takes. */
  rebase(parts: readonly PartResources[]): void {
    this.#base = parts;
    this.#overlay.clear();
  }
}

interface DeltaType {
  wildcard: boolean;
  names: Set<string>;
  known: KnownVersions;
  /** Resources the proxy rejected, name → version: not sent again until they change. */
  rejected: Map<string, string>;
  /** Names the proxy said it holds when the stream opened (initial_resource_versions). */
  initialNames: ReadonlySet<string>;
  sentNonce?: string;
  sentVersion?: string;
  /** The resources of the latest response until it is answered, for a NACK. */
  sentResources: readonly SnapshotResource[];
  answered: boolean;
  /**
   * The groups the proxy holds in full (every resource of them it takes, at
   * their versions): in the next snapshot, a group it already holds (the
   * same object) needs no comparison. Undefined: compare everything.
   */
  held?: readonly PartResources[];
  /** VHDS aliases (`<route configuration>/<authority>`) the proxy subscribed to, on-demand. */
  aliases?: AliasTable;
}

interface PartDiff {
  /** Resources of the new group that are not the same objects as in the old one. */
  readonly changed: readonly SnapshotResource[];
  /** Names of the old group the new one does not have. */
  readonly removed: readonly string[];
  /** VirtualHost groups: the route configurations whose domain → virtual host mapping may differ (aliases to resolve again). */
  readonly moved: ReadonlySet<string>;
}

const partDiffs = new WeakMap<PartResources, WeakMap<PartResources, PartDiff>>();

/**
 * What changed between a group and the one replacing it, by resource object
 * identity (the snapshot layer encodes each object once, so an unchanged
 * resource is the same object): computed once per pair, however many streams
 * held the old group.
 */
function partDiff(before: PartResources, now: PartResources, vhosts: boolean): PartDiff {
  let m = partDiffs.get(before);
  if (m === undefined) partDiffs.set(before, (m = new WeakMap()));
  let d = m.get(now);
  if (d === undefined) {
    const changed: SnapshotResource[] = [];
    for (const [n, r] of now.resources) if (before.resources.get(n) !== r) changed.push(r);
    const removed: string[] = [];
    for (const n of before.resources.keys()) if (!now.resources.has(n)) removed.push(n);
    d = { changed, removed, moved: vhosts ? domainsMoved(before, changed, removed) : NONE_MOVED };
    m.set(now, d);
  }
  return d;
}

const NONE_MOVED: ReadonlySet<string> = new Set();

const groupsDiffs = new WeakMap<readonly PartResources[], WeakMap<readonly PartResources[], PartDiff>>();

/**
 * The resources of `parts` that are not the same objects in `held`, and the
 * names of `held` that `all` (the resources of `parts`) no longer has:
 * groups held are skipped by identity, a group in the place of one it
 * replaces is compared with it alone. Memoised per pair of group lists, so a
 * push to every proxy of a variant compares once.
 */
function groupsDiff(held: readonly PartResources[], parts: readonly PartResources[], all: ReadonlyMap<string, SnapshotResource>, typeUrl: ResourceTypeUrl): PartDiff {
  let m = groupsDiffs.get(held);
  if (m === undefined) groupsDiffs.set(held, (m = new WeakMap()));
  let d = m.get(parts);
  if (d !== undefined) return d;
  const vhosts = typeUrl === TypeUrl.VirtualHost;
  const now = new Set(parts);
  const before = new Set(held);
  const paired = new Set<PartResources>();
  const changed: SnapshotResource[] = [];
  const removed: string[] = [];
  let moved: Set<string> | undefined;
  const move = (rcs: ReadonlySet<string>): void => {
    if (rcs.size > 0) for (const rc of rcs) (moved ??= new Set()).add(rc);
  };
  parts.forEach((p, i) => {
    if (before.has(p)) return;
    // The group in the same place it replaces: compare only what differs between the two.
    const old = held.length === parts.length ? held[i] : undefined;
    if (old !== undefined && !now.has(old)) {
      paired.add(old);
      const pd = partDiff(old, p, vhosts);
      changed.push(...pd.changed);
      for (const n of pd.removed) if (!all.has(n)) removed.push(n);
      move(pd.moved);
      return;
    }
    changed.push(...p.resources.values());
    if (vhosts) move(routeConfigsOf(p));
  });
  for (const p of held) {
    if (now.has(p) || paired.has(p)) continue;
    for (const n of p.resources.keys()) if (!all.has(n)) removed.push(n);
    if (vhosts) move(routeConfigsOf(p));
  }
  d = { changed, removed, moved: moved ?? NONE_MOVED };
  m.set(parts, d);
  return d;
}

/**
 * VHDS: a virtual host `<route configuration>/<host>` is wanted when it, or
 * its whole route configuration (Envoy's first VHDS subscription), is
 * subscribed, or an alias of the stream resolves to it.
 */
const wantedBy = (typeUrl: ResourceTypeUrl, st: DeltaType, name: string): boolean => {
  if (st.wildcard || st.names.has(name)) return true;
  if (typeUrl !== TypeUrl.VirtualHost) return false;
  if (st.aliases?.pointsAt(name) === true) return true;
  if (st.names.size === 0) return false;
  const rc = vhdsRouteConfigOf(name);
  return rc !== undefined && st.names.has(rc);
};

/** Longest alias taken: an authority is a host name (≤ 253 characters) and a port; anything longer is not one. */
const MAX_ALIAS_LENGTH = 1024;

class DeltaStream extends AdsStream {
  readonly kind = 'delta' as const;
  readonly #types = new Map<ResourceTypeUrl, DeltaType>();
  /** The budget for resolving new aliases (limits.aliasBurst, aliasesPerSecond): a token bucket. */
  #aliasTokens: number;
  #aliasTokensAt: number;
  /** New aliases the request being handled may still subscribe outside the bucket (its first VirtualHost request). */
  #aliasExempt = 0;
  /** Wakes the stream when the bucket has refilled enough to answer deferred aliases. */
  #aliasTimer: TimerHandle | undefined;
  #aliasBudgetLogged = false;

  constructor(server: XdsServer, id: number, call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>, peer: string) {
    super(server, id, call as grpc.ServerDuplexStream<unknown, unknown>, peer);
    this.#aliasTokens = server.limits.aliasBurst;
    this.#aliasTokensAt = server.clock.now();
  }

  protected override clearOwnTimers(): void {
    if (this.#aliasTimer !== undefined) this.server.clock.clearTimeout(this.#aliasTimer);
    this.#aliasTimer = undefined;
  }

  #refillAliasTokens(): void {
    const now = this.server.clock.now();
    const { aliasBurst, aliasesPerSecond } = this.server.limits;
    this.#aliasTokens = Math.min(aliasBurst, this.#aliasTokens + (Math.max(0, now - this.#aliasTokensAt) / 1000) * aliasesPerSecond);
    this.#aliasTokensAt = now;
  }

  /** Takes deferred aliases into the table as far as the budget allows, oldest first; wakes the stream later for the rest. */
  #admitDeferred(table: AliasTable): void {
    this.#refillAliasTokens();
    const n = Math.min(table.deferred.size, Math.floor(this.#aliasTokens));
    if (n > 0) this.#aliasTokens -= table.admit(n);
    if (table.deferred.size > 0) this.#armAliasTimer(table);
  }

  #armAliasTimer(table: AliasTable): void {
    const rate = this.server.limits.aliasesPerSecond;
    if (this.#aliasTimer !== undefined || this.closed || rate <= 0) return;
    // Answered in batches of a tenth of a second's refill, not one response per token.
    const need = Math.min(table.deferred.size, this.server.limits.aliasBurst, Math.max(1, Math.ceil(rate / 10)));
    const ms = Math.max(1, Math.ceil(((need - this.#aliasTokens) / rate) * 1000));
    this.#aliasTimer = this.server.clock.setTimeout(() => {
      this.#aliasTimer = undefined;
      if (this.closed) return;
      this.dirty.add(TypeUrl.VirtualHost);
      this.scheduleFlush();
    }, ms);
  }

  override takesVirtualHost(pick: (name: string) => boolean): boolean {
    // No VHDS in its snapshot: route configurations come whole.
    if (this.snapshot === undefined || this.snapshot.type(TypeUrl.VirtualHost, 'delta') === undefined) return true;
    const st = this.#types.get(TypeUrl.VirtualHost);
    // None taken yet: it gets the snapshot the server holds when it subscribes.
    if (st === undefined) return false;
    if (st.wildcard) return true;
    // A route configuration's name takes all of its virtual hosts.
    for (const n of st.names) if (vhdsRouteConfigOf(n) === undefined || pick(n)) return true;
    // On demand: the virtual hosts its aliases resolve to. An alias not answered yet (its stream waiting for an ACK)
    // may resolve to an edited one and is answered from the snapshot the stream holds then: first, to be the new one.
    if (st.aliases !== undefined) {
      if (st.aliases.fresh.size > 0 || st.aliases.deferred.size > 0 || st.aliases.again.size > 0) return true;
      for (const t of st.aliases.targets()) if (pick(t)) return true;
    }
    return false;
  }

  protected handle(typeUrl: ResourceTypeUrl, raw: unknown): void {
    const req = raw as DeltaDiscoveryRequest;
    const node = this.node;
    if (node === undefined) return;
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : []);
    const subscribe = strings(req.resource_names_subscribe);
    const unsubscribe = strings(req.resource_names_unsubscribe);
    let st = this.#types.get(typeUrl);
    // Only the first request of the type may re-subscribe outside the budget (a reconnect).
    this.#aliasExempt = 0;
    if (st === undefined) {
      if (typeUrl === TypeUrl.VirtualHost) this.#aliasExempt = this.server.limits.aliasFirstRequestAllowance;
      st = {
        wildcard: WILDCARD_TYPES.has(typeUrl) ? subscribe.length === 0 || subscribe.includes('*') : subscribe.includes('*'),
        names: new Set(),
        known: new KnownVersions(),
        initialNames: new Set(),
        rejected: new Map(),
        sentResources: [],
        answered: true,
      };
      this.#types.set(typeUrl, st);
      this.server.tracker.subscribed(this.id, node.id, typeUrl);
      const initial = req.initial_resource_versions;
      if (typeof initial === 'object' && initial !== null) {
        const names = new Set<string>();
        for (const [name, v] of Object.entries(initial)) {
          if (typeof v !== 'string') continue;
          st.known.set(name, v);
          names.add(name);
        }
        st.initialNames = names;
      }
    } else {
      const nonce = typeof req.response_nonce === 'string' ? req.response_nonce : '';
      if (nonce !== '' && nonce === st.sentNonce && !st.answered) {
        st.answered = true;
        this.answered(typeUrl);
        const error = req.error_detail;
        const sent = st.sentVersion ?? '';
        if (error !== undefined && error !== null && (typeof error.message === 'string' || typeof error.code === 'number')) {
          const message = typeof error.message === 'string' && error.message !== '' ? error.message : `error code ${String(error.code)}`;
          for (const r of st.sentResources) st.rejected.set(r.name, r.version);
          this.server.stats.nacks++;
          this.server.tracker.nacked(this.id, node.id, typeUrl, sent, nonce, message);
          this.server.log.warn({ ...this.logFields(typeUrl), version: sent, nonce, error: message.slice(0, 500) }, 'proxy rejected xDS update');
        } else {
          if (st.rejected.size > 0) for (const r of st.sentResources) st.rejected.delete(r.name);
          this.server.stats.acks++;
          this.server.tracker.acked(this.id, node.id, typeUrl, sent);
        }
        st.sentResources = [];
      } else if (nonce !== '' && nonce !== st.sentNonce) {
        this.server.stats.staleRequests++;
      }
    }
    const vhds = typeUrl === TypeUrl.VirtualHost;
    // A proxy evicting an authority unsubscribes its alias in the request that subscribes the new one: the room
    // it frees is counted before the new one meets the cap.
    if (vhds && st.aliases !== undefined) for (const n of unsubscribe) if (st.aliases.has(n) || st.aliases.deferred.has(n)) this.#unsubscribeAlias(st, n);
    if (vhds && subscribe.length > 0) this.#refillAliasTokens();
    // Alias subscriptions come and go as a proxy meets authorities: they leave the groups held alone.
    let namesChanged = false;
    for (const n of subscribe) {
      if (vhds && this.#isAlias(n)) {
        this.#subscribeAlias(st, n);
        continue;
      }
      namesChanged = true;
      if (n === '*') {
        st.wildcard = true;
        continue;
      }
      if (!st.wildcard && !st.names.has(n)) {
        // Newly taken: the groups the proxy holds may have it, but the proxy never took it.
        if (typeUrl === TypeUrl.VirtualHost) {
          for (const k of [...st.known.keys()]) if (vhdsRouteConfigOf(k) === n && !st.names.has(k)) st.known.delete(k);
        } else if (!st.initialNames.has(n)) st.known.delete(n);
      }
      // The snapshot's own string where it has the name: a thousand proxies subscribing to the same
      // thousands of names hold one copy of each, not one per proxy.
      st.names.add(this.snapshot?.type(typeUrl, 'delta')?.resources.get(n)?.name ?? n);
    }
    // Only the stream's first request reports what the proxy holds. An on-demand proxy's virtual hosts that no
    // alias points at once its aliases are answered (they moved while it was away) are its to drop.
    if (st.initialNames.size > 0) {
      if (vhds && st.aliases !== undefined) for (const n of st.initialNames) if (vhdsRouteConfigOf(n) !== undefined) st.aliases.orphans.add(n);
      st.initialNames = new Set();
    }
    for (const n of unsubscribe) {
      if (vhds && (st.aliases?.has(n) === true || st.aliases?.deferred.has(n) === true || this.#isAlias(n))) {
        this.#unsubscribeAlias(st, n);
        continue;
      }
      namesChanged = true;
      if (n === '*') st.wildcard = false;
      else {
        st.names.delete(n);
        // The proxy drops what it unsubscribes from; a later subscription gets it afresh.
        if (!st.wildcard) {
          st.known.delete(n);
          st.rejected.delete(n);
          if (typeUrl === TypeUrl.VirtualHost) {
            for (const k of [...st.known.keys()]) if (!wantedBy(typeUrl, st, k)) st.known.delete(k);
            for (const k of [...st.rejected.keys()]) if (!wantedBy(typeUrl, st, k)) st.rejected.delete(k);
          }
        }
      }
    }
    this.#aliasExempt = 0;
    if (vhds && st.aliases !== undefined && st.aliases.deferred.size > 0) this.#armAliasTimer(st.aliases);
    // What the proxy takes changed: compare everything once.
    if (namesChanged) delete st.held;
    this.dirty.add(typeUrl);
  }

  /** Whether a VHDS name is an alias (or a single virtual host): `<route configuration>/<authority>`, not a route configuration's own name. */
  #isAlias(name: string): boolean {
    return name.includes('/') && this.snapshot?.type(TypeUrl.RouteConfiguration, 'delta')?.resources.has(name) !== true;
  }

  #aliasCapLogged = false;

  #subscribeAlias(st: DeltaType, alias: string): void {
    const table = (st.aliases ??= new AliasTable());
    if (table.has(alias)) {
      // Subscribed again on the same stream: the proxy lost its mapping (a removal under it) and waits for an answer,
      // the one held (no budget spent, nothing resolved).
      table.subscribeAgain(alias);
      return;
    }
    // Deferred already: it keeps its place.
    if (table.deferred.has(alias)) return;
    const limit = this.server.limits.maxAliasesPerStream;
    if (table.size + table.deferred.size >= limit || alias.length > MAX_ALIAS_LENGTH) {
      // Not answered: the proxy's request for that authority times out as when the control plane is away.
      this.server.stats.aliasesRefused++;
      if (!this.#aliasCapLogged) {
        this.#aliasCapLogged = true;
        const why = alias.length > MAX_ALIAS_LENGTH ? `an alias of ${alias.length} characters (at most ${MAX_ALIAS_LENGTH})` : `more than ${limit} aliases on one stream`;
        this.server.log.warn({ ...this.logFields(TypeUrl.VirtualHost), alias: alias.slice(0, 200) }, `ignoring on-demand virtual host subscriptions: ${why}; further ones on this stream are ignored without a log line`);
      }
      return;
    }
    if (this.#aliasExempt > 0) {
      this.#aliasExempt--;
      table.add(alias);
      return;
    }
    // Behind deferred ones, a new alias waits its turn even when the bucket has refilled since.
    if (table.deferred.size === 0 && this.#aliasTokens >= 1) {
      this.#aliasTokens--;
      table.add(alias);
      return;
    }
    // Over budget: answered in order as the bucket refills (an error or silence would make the proxy ask again).
    table.deferred.add(alias);
    this.server.stats.aliasesDeferred++;
    if (!this.#aliasBudgetLogged) {
      this.#aliasBudgetLogged = true;
      const { aliasBurst, aliasesPerSecond } = this.server.limits;
      this.server.log.warn(
        { ...this.logFields(TypeUrl.VirtualHost), alias: alias.slice(0, 200) },
        `deferring on-demand virtual host subscriptions: more than ${aliasBurst} new aliases at once or ${aliasesPerSecond} a second on one stream; they are answered as the budget refills, further ones without a log line`,
      );
    }
  }

  #unsubscribeAlias(st: DeltaType, alias: string): void {
    const dropped = st.aliases?.delete(alias);
    // The proxy drops what it unsubscribes from: no removal is sent, and a later subscription gets it afresh.
    if (dropped !== undefined && !wantedBy(TypeUrl.VirtualHost, st, dropped)) {
      st.known.delete(dropped);
      st.rejected.delete(dropped);
    }
  }

  override assign(snapshot: XdsSnapshot): void {
    const before = this.snapshot?.type(TypeUrl.RouteConfiguration, 'delta');
    super.assign(snapshot);
    // A route configuration added or gone changes what aliases resolve to even when no virtual host moved.
    const table = this.#types.get(TypeUrl.VirtualHost)?.aliases;
    if (table !== undefined && table.size > 0 && before !== snapshot.type(TypeUrl.RouteConfiguration, 'delta') && !this.closed) {
      this.dirty.add(TypeUrl.VirtualHost);
      this.scheduleFlush();
    }
  }

  protected flushTypes(types: ReadonlySet<ResourceTypeUrl>): void {
    const snapshot = this.snapshot;
    const node = this.node;
    if (snapshot === undefined || node === undefined) return;
    const removals: (() => void)[] = [];
    for (const typeUrl of SEND_ORDER) {
      const st = this.#types.get(typeUrl);
      if (!types.has(typeUrl) || st === undefined) continue;
      const version = snapshot.versionOf(typeUrl, 'delta');
      const tr = snapshot.type(typeUrl, 'delta');
      const all = tr?.resources ?? new Map<string, SnapshotResource>();
      const parts = tr?.parts ?? [];
      const aliases = st.aliases;
      if (aliases !== undefined && aliases.deferred.size > 0) this.#admitDeferred(aliases);
      const routes = aliases === undefined ? undefined : snapshot.type(TypeUrl.RouteConfiguration, 'delta');
      const aliasWork = aliases !== undefined && (aliases.fresh.size > 0 || aliases.again.size > 0 || aliases.orphans.size > 0 || (aliases.size > 0 && aliases.routes !== routes));
      // The very groups the proxy already holds whole (an edit that left this type alone), nothing rejected,
      // nothing unanswered: there is nothing to compare or send.
      if (parts.length > 0 && st.held === parts && st.rejected.size === 0 && st.answered && !aliasWork) continue;
      const wanted = (name: string): boolean => wantedBy(typeUrl, st, name);
      // Groups the proxy already holds are skipped by identity: an edit compares only the groups it replaced.
      const held = st.rejected.size === 0 ? st.held : undefined;
      // What differs between the groups held and the new ones is the same for every stream holding them: found once.
      const d = held === undefined ? undefined : groupsDiff(held, parts, all, typeUrl);
      // Aliases first, since what they resolve to decides what the stream takes. Only the new ones and those
      // of route configurations whose domains moved since they were last resolved are resolved again: a
      // rules-only edit resolves nothing. (Diffed against the groups last resolved against, not the groups
      // held, which a rejection or a removal still to send leaves unknown.)
      let nothing: readonly string[] = [];
      let answered: ReadonlySet<string> | undefined;
      if (aliases !== undefined && aliases.size > 0) {
        const since = aliases.resolvedAt;
        const moved =
          since === undefined || aliases.routes !== routes ? 'all' : since === parts ? NONE_MOVED : (held === since && d !== undefined ? d : groupsDiff(since, parts, all, typeUrl)).moved;
        aliases.routes = routes;
        aliases.resolvedAt = parts;
        if (moved === 'all' || moved.size > 0 || aliases.fresh.size > 0 || aliases.again.size > 0) {
          const r = aliases.resolve(aliases.due(moved), (a) => {
            this.server.stats.aliasesResolved++;
            return resolveAlias(a, tr, routes);
          });
          if (aliases.again.size > 0) aliases.answerAgain(r);
          nothing = r.nothing;
          answered = r.answered;
        }
      }
      const changed: SnapshotResource[] = [];
      const removed: string[] = [];
      if (d !== undefined) {
        for (const r of d.changed) if (wanted(r.name) && st.known.get(r.name) !== r.version) changed.push(r);
        for (const n of d.removed) if (st.known.has(n) && wanted(n)) removed.push(n);
      } else {
        let candidates: Iterable<SnapshotResource>;
        if (st.wildcard || (typeUrl === TypeUrl.VirtualHost && st.names.size > 0)) candidates = all.values();
        else {
          const names = aliases === undefined ? st.names : [...st.names, ...aliases.targets()];
          candidates = [...names].map((n) => all.get(n)).filter((r): r is SnapshotResource => r !== undefined);
        }
        for (const r of candidates) {
          if (!wanted(r.name) || st.known.get(r.name) === r.version || st.rejected.get(r.name) === r.version) continue;
          changed.push(r);
        }
        for (const n of st.known.keys()) if (wanted(n) && !all.has(n)) removed.push(n);
      }
      if (answered !== undefined && answered.size > 0) {
        // An alias's answer carries its virtual host, whatever version the proxy holds (it learns the mapping).
        const have = new Set(changed.map((r) => r.name));
        for (const t of answered) {
          const r = have.has(t) ? undefined : all.get(t);
          if (r !== undefined) changed.push(r);
        }
      }
      if (aliases !== undefined && aliases.orphans.size > 0) {
        // Virtual hosts no alias points at any more: dropped, unless the proxy takes them otherwise or never had them.
        for (const o of [...aliases.orphans]) {
          if (wanted(o) || !st.known.has(o)) aliases.orphans.delete(o);
          else if (!removed.includes(o)) removed.push(o);
        }
      }
      const sending = changed.length > 0 || nothing.length > 0;
      if (sending) {
        this.#send(typeUrl, st, version, changed, [], snapshot, nothing);
        // Its removals follow once this response is answered.
        if (removed.length > 0) this.dirty.add(typeUrl);
      } else if (removed.length > 0) {
        if (aliases !== undefined) for (const n of removed) aliases.orphans.delete(n);
        removals.unshift(() => this.#send(typeUrl, st, version, [], removed, snapshot, []));
      }
      // Once this flush's responses are out, the proxy holds these groups whole (unless removals wait for the next flush).
      if (sending && removed.length > 0) delete st.held;
      else {
        st.held = parts;
        // Nothing rejected: what it holds is exactly the groups' versions of what it takes.
        if (st.rejected.size === 0) st.known.rebase(parts);
      }
      if (!sending && removed.length === 0 && st.answered && (st.rejected.size === 0 || [...st.rejected.keys()].every((n) => !all.has(n) || all.get(n)?.version !== st.rejected.get(n)))) {
        // Nothing to send: the proxy already holds this version of what it takes.
        this.server.tracker.acked(this.id, node.id, typeUrl, version);
      }
    }
    // Removals after every addition, routes first, clusters last.
    for (const send of removals) send();
  }

  /** `nothing`: aliases answered "resolved, nothing there" (their name, no resource). */
  #send(typeUrl: ResourceTypeUrl, st: DeltaType, version: string, resources: readonly SnapshotResource[], removed: readonly string[], snapshot: XdsSnapshot, nothing: readonly string[]): void {
    const node = this.node;
    if (node === undefined) return;
    const nonce = this.nextNonce();
    st.sentNonce = nonce;
    st.sentVersion = version;
    st.answered = false;
    st.sentResources = resources;
    for (const r of resources) st.known.set(r.name, r.version);
    for (const n of removed) st.known.delete(n);
    let bytes = 64;
    const out: EncodableDeltaResource[] = [];
    const table = st.aliases;
    for (const r of resources) {
      bytes += r.bytes.length + 96;
      // Every alias of the stream resolving to it rides along, so the proxy's map heals with any version it receives.
      const aliases = table?.aliasesOf(r.name);
      if (aliases === undefined) out.push({ name: r.name, version: r.version, resource: r.any });
      else {
        for (const a of aliases) bytes += a.length + 4;
        out.push({ name: r.name, version: r.version, resource: r.any, aliases });
      }
    }
    for (const a of nothing) {
      bytes += 2 * a.length + 16;
      out.push({ name: a, version: '', aliases: [a] });
    }
    for (const n of removed) bytes += n.length + 8;
    this.server.tracker.sent(this.id, node.id, typeUrl, version, nonce, snapshot);
    this.awaitAnswer(typeUrl);
    this.write(
      encodeDeltaResponse({ system_version_info: version, resources: out, type_url: typeUrl, removed_resources: removed, nonce, control_plane_identifier: this.server.controlPlaneId }),
      bytes,
    );
  }
}
