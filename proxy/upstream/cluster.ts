// Clusters at run time: endpoints with their keep-alive connection pools,
// load balancing, circuit breakers, a retry budget and outlier detection.
// A Cluster object lives as long as its name is configured: a new config
// version swaps its frozen ClusterConfig and endpoint list but keeps pools,
// counters and ejections, so config changes never drop connections that are
// still wanted.

import { Http1ClientConnection, type ConnectionOwner, type UpstreamErrorKind, type UpstreamStream } from '../http1/client.ts';
import { Http2ClientSession, type SessionOwner } from '../http2/client.ts';
import { makeBalancer, type Balancer } from './balance.ts';
import type { ClusterConfig, EndpointConfig } from './cluster-config.ts';
import { upstreamTls, type UpstreamTlsResult } from '../tls/client.ts';
import type { TlsSecrets } from '../tls/secrets.ts';

/** What a cluster needs for mTLS: the Secrets its TLS context names, and where to say why a handshake failed. */
export interface ClusterTls {
  readonly secrets: TlsSecrets;
  readonly log?: ((event: Readonly<Record<string, unknown>>) => void) | undefined;
}

/** An exchange waiting for a connection. */
export interface PoolWaiter {
  onPoolReady(conn: UpstreamStream): void;
  onPoolFailure(kind: UpstreamErrorKind, detail: string): void;
}

export type Acquired = UpstreamStream | 'queued' | 'overflow';

export class Endpoint implements ConnectionOwner, SessionOwner {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly cluster: Cluster;
  config: EndpointConfig;
  /** Requests in flight. */
  active = 0;
  readonly idle: Http1ClientConnection[] = [];
  /** Open and opening connections. */
  connections = 0;
  connecting = 0;
  readonly waiters: PoolWaiter[] = [];
  /** HTTP/2: sessions open or opening (each carries many streams), and the requests waiting for a stream. */
  readonly sessions: Http2ClientSession[] = [];
  readonly h2Waiters: PoolWaiter[] = [];
  // outlier detection
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  ejected = false;
  ejectedUntil = 0;
  ejections = 0;
  /** No longer in the cluster's membership: its pool drains. */
  removed = false;
  // counters for /clusters
  requests = 0;
  failures = 0;

  constructor(cluster: Cluster, config: EndpointConfig) {
    this.cluster = cluster;
    this.config = config;
    this.address = config.address;
    this.port = config.port;
    this.key = endpointKey(config.address, config.port);
  }

  /** An idle connection (or HTTP/2 stream), or a place in the queue for one, or overflow (circuit breaker). */
  acquire(waiter: PoolWaiter, http2 = false): Acquired {
    if (http2) return this.#acquireStream(waiter);
    const idle = this.idle;
    while (idle.length > 0) {
      const c = idle.pop() as Http1ClientConnection;
      if (c.idle) return c;
    }
    const cl = this.cluster;
    if (cl.pending >= cl.config.circuitBreakers.maxPendingRequests) return 'overflow';
    this.waiters.push(waiter);
    cl.pending++;
    if (this.connecting < this.waiters.length) {
      if (cl.connections < cl.config.circuitBreakers.maxConnections) this.#open();
      else if (this.connections === 0 && this.connecting === 0) {
        // Every connection of the cluster is elsewhere: take an idle one from another endpoint's pool to make room.
        if (!cl.closeOneIdle()) {
          this.waiters.pop();
          cl.pending--;
          return 'overflow';
        }
        this.#open();
      }
    }
    return 'queued';
  }

  cancel(waiter: PoolWaiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) {
      this.waiters.splice(i, 1);
      this.cluster.pending--;
      return;
    }
    const j = this.h2Waiters.indexOf(waiter);
    if (j >= 0) {
      this.h2Waiters.splice(j, 1);
      this.cluster.pending--;
    }
  }

  // ---- HTTP/2: streams on shared sessions ----------------------------------------

  #acquireStream(waiter: PoolWaiter): Acquired {
    for (const s of this.sessions) if (s.hasCapacity) return s.newStream();
    const cl = this.cluster;
    if (cl.pending >= cl.config.circuitBreakers.maxPendingRequests) return 'overflow';
    this.h2Waiters.push(waiter);
    cl.pending++;
    // One session on its way serves many waiters: open another only when none is connecting.
    if (!this.sessions.some((s) => s.connecting)) {
      if (cl.connections < cl.config.circuitBreakers.maxConnections) this.#openSession();
      else if (!cl.closeOneIdle()) {
        // Every connection is busy and the cluster may open no more: wait for a stream to free up.
        if (this.sessions.length === 0) {
          this.h2Waiters.pop();
          cl.pending--;
          return 'overflow';
        }
      } else this.#openSession();
    }
    return 'queued';
  }

  #openSession(): void {
    const cl = this.cluster;
    const t = cl.transportTls(true);
    if (t !== undefined && !t.ok) {
      cl.tlsFailures++;
      const reason = `TLS error: ${t.reason}`;
      queueMicrotask(() => {
        const fail = this.h2Waiters.splice(0);
        this.cluster.pending -= fail.length;
        for (const w of fail) w.onPoolFailure('connect-failure', reason);
      });
      return;
    }
    this.connections++;
    cl.connections++;
    this.sessions.push(
      new Http2ClientSession(this, {
        host: this.address,
        port: this.port,
        connectTimeoutMs: cl.config.connectTimeoutMs,
        idleTimeoutMs: cl.config.idleTimeoutMs,
        http2: cl.config.http2,
        tls: t?.options,
      }),
    );
  }

  #serveStreams(s: Http2ClientSession): void {
    const waiters = this.h2Waiters;
    while (waiters.length > 0 && s.hasCapacity) {
      const w = waiters.shift() as PoolWaiter;
      this.cluster.pending--;
      w.onPoolReady(s.newStream());
    }
    // More waiters than this session takes: another session.
    if (waiters.length > 0 && !this.removed && !this.sessions.some((x) => x.connecting) && this.cluster.connections < this.cluster.config.circuitBreakers.maxConnections) this.#openSession();
  }

  onSessionConnected(s: Http2ClientSession): void {
    if (this.removed && this.h2Waiters.length === 0) {
      s.close();
      return;
    }
    this.#serveStreams(s);
  }

  onSessionConnectFailed(s: Http2ClientSession, kind: UpstreamErrorKind, detail: string): void {
    if (detail.startsWith('TLS error')) {
      this.cluster.tlsFailures++;
      this.cluster.tls?.log?.({ msg: 'upstream TLS handshake failed', cluster: this.cluster.name, endpoint: this.key, reason: detail });
    }
    this.#dropSession(s);
    const fail = this.h2Waiters.splice(0);
    this.cluster.pending -= fail.length;
    for (const w of fail) w.onPoolFailure(kind, detail);
  }

  onSessionCapacity(s: Http2ClientSession): void {
    if (this.h2Waiters.length > 0) this.#serveStreams(s);
    else if (this.removed && s.active === 0) s.close();
  }

  onSessionClosed(s: Http2ClientSession): void {
    this.#dropSession(s);
    if (this.h2Waiters.length > 0 && !this.removed && !this.sessions.some((x) => x.connecting) && this.cluster.connections < this.cluster.config.circuitBreakers.maxConnections) this.#openSession();
  }

  #dropSession(s: Http2ClientSession): void {
    const i = this.sessions.indexOf(s);
    if (i < 0) return;
    this.sessions.splice(i, 1);
    this.connections--;
    this.cluster.connections--;
  }

  #open(): void {
    const cl = this.cluster;
    const t = cl.transportTls();
    if (t !== undefined && !t.ok) {
      // No certificate yet (or no bundle): fail fast with UF rather than wait for the Secret.
      cl.tlsFailures++;
      const reason = `TLS error: ${t.reason}`;
      queueMicrotask(() => {
        const fail = this.waiters.splice(this.connecting);
        this.cluster.pending -= fail.length;
        for (const w of fail) w.onPoolFailure('connect-failure', reason);
      });
      return;
    }
    this.connections++;
    this.connecting++;
    cl.connections++;
    new Http1ClientConnection(this, {
      host: this.address,
      port: this.port,
      connectTimeoutMs: cl.config.connectTimeoutMs,
      idleTimeoutMs: cl.config.idleTimeoutMs,
      tls: t?.options,
    });
  }

  #serve(conn: Http1ClientConnection): void {
    const w = this.waiters.shift();
    if (w !== undefined) {
      this.cluster.pending--;
      w.onPoolReady(conn);
      return;
    }
    if (this.removed) conn.destroy();
    else this.idle.push(conn);
  }

  onConnected(conn: Http1ClientConnection): void {
    this.connecting--;
    this.#serve(conn);
  }

  onConnectFailed(_conn: Http1ClientConnection, kind: UpstreamErrorKind, detail: string): void {
    this.connecting--;
    if (detail.startsWith('TLS error')) {
      this.cluster.tlsFailures++;
      this.cluster.tls?.log?.({ msg: 'upstream TLS handshake failed', cluster: this.cluster.name, endpoint: this.key, reason: detail });
    }
    // The request that caused this connection fails; when nothing else is on its way, so do the rest.
    const fail = this.connecting === 0 ? this.waiters.splice(0) : this.waiters.splice(0, 1);
    this.cluster.pending -= fail.length;
    for (const w of fail) w.onPoolFailure(kind, detail);
  }

  onReusable(conn: Http1ClientConnection): void {
    this.#serve(conn);
  }

  onClosed(conn: Http1ClientConnection): void {
    this.connections--;
    this.cluster.connections--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    // Waiters left without a connection on its way get one, capacity permitting.
    if (this.waiters.length > this.connecting && !this.removed && this.cluster.connections < this.cluster.config.circuitBreakers.maxConnections) this.#open();
  }

  closeIdle(): void {
    for (const c of this.idle.splice(0)) c.destroy();
    for (const s of this.sessions) if (s.active === 0) s.close();
  }
}

export const endpointKey = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** Locally generated failures (connect failure, reset, timeout) count as 503 for outlier detection, as Envoy does without split_external_local_origin_errors. */
export const LOCAL_ORIGIN_FAILURE = 503;

export class Cluster {
  readonly name: string;
  config: ClusterConfig;
  endpoints: Endpoint[] = [];
  /** What the load balancer chooses from: healthy, not ejected, lowest priority (or everything in panic). */
  available: readonly Endpoint[] = [];
  #lb: Balancer<Endpoint>;
  activeRequests = 0;
  pending = 0;
  connections = 0;
  activeRetries = 0;
  #outlierTimer: NodeJS.Timeout | undefined;
  /** When the next ejection ends (0: none), so a pick can bring the host back without waiting for the interval. */
  #nextUneject = 0;
  #random: () => number;
  readonly #now: () => number;
  /** ORIGINAL_DST endpoints by address, made on demand. */
  readonly #dynamic = new Map<string, Endpoint>();
  /** Counters for the admin page and tests. */
  overflows = 0;
  ejectionsTotal = 0;
  /** Connections that could not be made for TLS reasons (Secrets missing, handshake or identity refused). */
  tlsFailures = 0;
  readonly tls: ClusterTls | undefined;

  constructor(config: ClusterConfig, random: () => number, now: () => number, tls?: ClusterTls) {
    this.name = config.name;
    this.tls = tls;
    this.config = config;
    this.#random = random;
    this.#now = now;
    this.#lb = makeBalancer<Endpoint>(config.lbPolicy, config.choiceCount, config.ringSize);
    if (config.staticEndpoints !== undefined) this.setEndpoints(config.staticEndpoints);
    this.#armOutlier();
  }

  /** TLS options for the next connection (undefined: plaintext), read from the Secrets as they are now. */
  transportTls(http2 = false): UpstreamTlsResult | undefined {
    const t = this.config.transport;
    if (t.kind !== 'tls') return undefined;
    if (this.tls === undefined) return { ok: false, reason: 'this proxy was started without TLS Secrets' };
    return upstreamTls(this.tls.secrets, t.tls, http2);
  }

  /** A new config version of this cluster. */
  setConfig(config: ClusterConfig): void {
    const old = this.config;
    this.config = config;
    if (old.lbPolicy !== config.lbPolicy || old.choiceCount !== config.choiceCount || old.ringSize !== config.ringSize) {
      this.#lb = makeBalancer<Endpoint>(config.lbPolicy, config.choiceCount, config.ringSize);
    }
    if (config.staticEndpoints !== undefined) this.setEndpoints(config.staticEndpoints);
    else if (old.type !== config.type || old.edsName !== config.edsName) this.setEndpoints([]);
    this.#armOutlier();
    this.rebuild();
  }

  /** New membership (EDS or static). Endpoints that stay keep their pools and outlier state. */
  setEndpoints(list: readonly EndpointConfig[]): void {
    const byKey = new Map<string, Endpoint>();
    for (const e of this.endpoints) byKey.set(e.key, e);
    const next: Endpoint[] = [];
    const seen = new Set<string>();
    for (const c of list) {
      const key = endpointKey(c.address, c.port);
      if (seen.has(key)) continue;
      seen.add(key);
      const existing = byKey.get(key);
      if (existing !== undefined) {
        existing.config = c;
        next.push(existing);
      } else next.push(new Endpoint(this, c));
    }
    for (const e of this.endpoints) {
      if (!seen.has(e.key)) {
        e.removed = true;
        e.closeIdle();
      }
    }
    this.endpoints = next;
    this.rebuild();
  }

  /** Recomputes `available` (Envoy's priority selection and panic threshold). */
  rebuild(): void {
    const now = this.#now();
    let lowest = Infinity;
    let nextUneject = 0;
    for (const e of this.endpoints) {
      if (e.ejected && now >= e.ejectedUntil) this.#uneject(e);
      if (e.ejected && (nextUneject === 0 || e.ejectedUntil < nextUneject)) nextUneject = e.ejectedUntil;
      if (e.config.health === 'healthy' && !e.ejected && e.config.priority < lowest) lowest = e.config.priority;
    }
    this.#nextUneject = nextUneject;
    if (lowest === Infinity) {
      // Nothing healthy anywhere: degraded hosts, else panic over the lowest priority.
      const degraded = this.endpoints.filter((e) => e.config.health === 'degraded' && !e.ejected);
      if (degraded.length > 0) {
        this.available = Object.freeze(degraded);
        return;
      }
      const minP = Math.min(...this.endpoints.map((e) => e.config.priority));
      this.available = Object.freeze(this.endpoints.filter((e) => e.config.priority === minP && e.config.health !== 'unhealthy'));
      return;
    }
    const inPriority = this.endpoints.filter((e) => e.config.priority === lowest);
    const healthy = inPriority.filter((e) => e.config.health === 'healthy' && !e.ejected);
    // Panic: too few healthy hosts, so spread over all of them rather than overload the few.
    this.available = Object.freeze(healthy.length < this.config.panicThreshold * inPriority.length ? inPriority : healthy);
  }

  /** Chooses an endpoint; `avoid` holds hosts already tried (previous_hosts). */
  pick(hash: number, avoid: readonly Endpoint[] | null, attempts: number): Endpoint | undefined {
    if (this.#nextUneject !== 0 && this.#now() >= this.#nextUneject) this.rebuild();
    const hosts = this.available;
    let e = this.#lb.pick(hosts, hash, this.#random);
    if (avoid === null || e === undefined) return e;
    for (let i = 1; i < attempts && avoid.includes(e as Endpoint); i++) {
      e = this.#lb.pick(hosts, hash < 0 ? -1 : (hash + i * 0x9e3779b9) >>> 0, this.#random);
    }
    return e;
  }

  /** An endpoint for a connection's original destination (ORIGINAL_DST clusters). */
  originalDestination(address: string, port: number): Endpoint {
    const key = endpointKey(address, port);
    let e = this.#dynamic.get(key);
    if (e === undefined) {
      if (this.#dynamic.size >= 1024) {
        for (const [k, d] of this.#dynamic) {
          if (d.active === 0) {
            d.closeIdle();
            this.#dynamic.delete(k);
          }
          if (this.#dynamic.size < 768) break;
        }
      }
      e = new Endpoint(this, { address, port, health: 'healthy', weight: 1, priority: 0 });
      this.#dynamic.set(key, e);
    }
    return e;
  }

  closeOneIdle(): boolean {
    for (const e of this.endpoints) {
      const c = e.idle.pop();
      if (c !== undefined) {
        c.destroy();
        return true;
      }
      for (const s of e.sessions) {
        if (s.active === 0 && !s.connecting) {
          s.destroy();
          return true;
        }
      }
    }
    return false;
  }

  /** Whether one more retry fits the budget (Envoy's retry_budget, else max_retries). */
  retryAllowed(): boolean {
    const cb = this.config.circuitBreakers;
    if (cb.retryBudgetPercent <= 0) return this.activeRetries < cb.maxRetries;
    return this.activeRetries < Math.max(cb.minRetryConcurrency, (cb.retryBudgetPercent / 100) * (this.activeRequests + this.pending));
  }

  // ---- outlier detection ---------------------------------------------------------

  /** One response (its status) or local failure (LOCAL_ORIGIN_FAILURE) from an endpoint. */
  record(e: Endpoint, status: number): void {
    const od = this.config.outlier;
    if (status >= 500) e.failures++;
    if (od === undefined) return;
    if (status >= 500) {
      e.consecutive5xx++;
      if (status === 502 || status === 503 || status === 504) e.consecutiveGatewayFailure++;
      else e.consecutiveGatewayFailure = 0;
      if (e.ejected) return;
      if (od.consecutiveGatewayFailure > 0 && e.consecutiveGatewayFailure >= od.consecutiveGatewayFailure && this.#random() * 100 < od.enforcingGatewayFailure) {
        this.#eject(e);
      } else if (od.consecutive5xx > 0 && e.consecutive5xx >= od.consecutive5xx && this.#random() * 100 < od.enforcing5xx) {
        this.#eject(e);
      }
    } else {
      e.consecutive5xx = 0;
      e.consecutiveGatewayFailure = 0;
    }
  }

  #eject(e: Endpoint): void {
    const od = this.config.outlier;
    if (od === undefined) return;
    const ejected = this.endpoints.reduce((n, x) => n + (x.ejected ? 1 : 0), 0);
    // The ejected share stays within max_ejection_percent, but one host may always be ejected.
    if (ejected > 0 && ((ejected + 1) * 100) / this.endpoints.length > od.maxEjectionPercent) return;
    e.ejected = true;
    e.ejections++;
    this.ejectionsTotal++;
    e.ejectedUntil = this.#now() + Math.min(od.baseEjectionMs * e.ejections, Math.max(od.maxEjectionMs, od.baseEjectionMs));
    e.consecutive5xx = 0;
    e.consecutiveGatewayFailure = 0;
    e.closeIdle();
    this.rebuild();
  }

  #uneject(e: Endpoint): void {
    e.ejected = false;
    e.ejectedUntil = 0;
  }

  #armOutlier(): void {
    const od = this.config.outlier;
    if (this.#outlierTimer !== undefined) clearInterval(this.#outlierTimer);
    this.#outlierTimer = undefined;
    if (od === undefined) return;
    this.#outlierTimer = setInterval(this.#tick, od.intervalMs);
    this.#outlierTimer.unref();
  }

  #tick = (): void => {
    const now = this.#now();
    let changed = false;
    for (const e of this.endpoints) {
      if (e.ejected) {
        if (now >= e.ejectedUntil) {
          this.#uneject(e);
          changed = true;
        }
      } else if (e.ejections > 0) {
        // Hosts that stay healthy earn back a shorter next ejection (Envoy decrements per interval).
        e.ejections--;
      }
    }
    if (changed) this.rebuild();
  };

  /** The cluster left the configuration: stop timers, let pools drain. */
  close(): void {
    if (this.#outlierTimer !== undefined) clearInterval(this.#outlierTimer);
    for (const e of this.endpoints) {
      e.removed = true;
      e.closeIdle();
    }
    for (const e of this.#dynamic.values()) {
      e.removed = true;
      e.closeIdle();
    }
  }

  /** Closes every idle connection (used when the process drains). */
  closeIdle(): void {
    for (const e of this.endpoints) e.closeIdle();
    for (const e of this.#dynamic.values()) e.closeIdle();
  }
}
