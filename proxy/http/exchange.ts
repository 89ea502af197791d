// One request through the proxy: route, filters, then the router (upstream
// attempts with retries, timeouts, mirrors) and the response back. The
// exchange is the only per-request object on the hot path: it is the
// upstream connection's handler, the pool's waiter and the timers' target,
// so no closures are made per request.
//
// The downstream side is an interface (Downstream) so HTTP/2 can sit behind
// it later; so is the upstream side (the pool hands out connections that call
// the UpstreamHandler methods).

import type net from 'node:net';
import { OutgoingHead, type UpstreamErrorKind, type UpstreamHandler, type UpstreamStream } from '../http1/client.ts';
import type { Cluster, Endpoint, PoolWaiter } from '../upstream/cluster.ts';
import { LOCAL_ORIGIN_FAILURE } from '../upstream/cluster.ts';
import { hash32 } from '../upstream/balance.ts';
import { BODY_CHUNKED, type ProxyRequest } from './request.ts';
import { GrpcStatus, grpcMessage, grpcStatusOf, grpcTimeoutMs, httpToGrpcStatus, isGrpc } from './grpc.ts';
import { CONTINUE, type HttpFilter } from './filter.ts';
import { Flag } from './flags.ts';
import type { HcmConfig } from './hcm-config.ts';
import { RetryOn, type ForwardAction, type Route, type RouteTable, type WeightedCluster } from './router/route-config.ts';
import { redirectLocation, rewritePath, selectRoute, selectRouteIn } from './router/select.ts';
import type { HostResolution, OnDemandHosts } from '../config/sink.ts';
import { applyMutations, headerValue, isEmptyMutation, type HeaderContext } from './router/headers.ts';
import type { FaultFilter } from './fault/filter.ts';
import { portOf, stripPort } from '../config/address.ts';
import type { DynamicMetadata, PeerCertificate } from './rbac/request.ts';
import { dialTunnel, type TunnelOwner } from './connect.ts';
import { deadlineList, type DeadlineEntry, type DeadlineList } from './deadlines.ts';
import { MessageHead } from '../http1/parser.ts';

/**
 * How the downstream connection was secured, set once per connection by the
 * listener: mutual TLS with the peer's SPIFFE principal (the URI SAN of its
 * certificate, "" when it has none), or none (plaintext, or TLS without a
 * client certificate). Metrics read it for connection_security_policy and
 * the source_principal of inbound requests.
 */
export type ConnectionSecurity = { readonly kind: 'mutual_tls'; readonly peerPrincipal: string } | { readonly kind: 'none' };

/** The downstream stream an exchange answers on (HTTP/1.1 today). */
export interface Downstream extends HeaderContext {
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** The port the connection was meant for (the original destination, else the listener's). */
  readonly destinationPort: number;
  /** The client spoke HTTP/1.0 (no chunked responses). */
  readonly http10: boolean;
  /** The verified client certificate on a TLS connection (empty SANs without one); null for plaintext. */
  readonly peer: PeerCertificate | null;
  /** TLS SNI; empty for plaintext or when none was sent. */
  readonly sni: string;
  /** Absent: a plaintext connection. */
  readonly security?: ConnectionSecurity;
  /** `length`: a Content-Length, -1 for a streamed body, -2 for no body. */
  writeHead(status: number, reason: string, headers: string[], length: number): void;
  writeInformational(status: number, reason: string, headers: string[]): void;
  writeBody(chunk: Buffer): boolean;
  end(trailers: string[] | null): void;
  pauseRequest(): void;
  resumeRequest(): void;
  /** After a 101: splice the client's socket with the upstream's. */
  tunnel(upstream: net.Socket, upstreamRest: Buffer | null, head: MessageHead): void;
  /** Abandons the stream mid-response (HTTP/1: closes the connection). */
  reset(): void;
}

/** What an exchange needs from the proxy around it. */
export interface ExchangeContext {
  cluster(name: string): Cluster | undefined;
  routeTable(name: string): RouteTable | undefined;
  /** The ADS client's alias map, for route tables routed on demand (absent: none is, e.g. a static bootstrap). */
  readonly onDemand?: OnDemandHosts | undefined;
  readonly random: () => number;
  /** Requests whose body is larger than this are not retried (their body is not kept). */
  readonly retryBufferLimit: number;
  /** Called once per request before routing: trace context and x-request-id (proxy/telemetry). */
  onRequest?(x: Exchange): void;
  /** Called once per finished exchange: the seam for access logs and metrics. */
  onFinished?(x: Exchange): void;
  /** A bug caught on a request path (the connection is answered 500 or dropped; the process goes on). */
  onInternalError?(err: unknown): void;
  /** Wall clock in milliseconds (token lifetimes, cache ages); Date.now when absent. */
  readonly now?: () => number;
  readonly log?: ((event: Readonly<Record<string, unknown>>) => void) | undefined;
}

const NO_METADATA: DynamicMetadata = Object.freeze({});

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Payload Too Large',
  426: 'Upgrade Required', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};
export const reasonPhrase = (status: number): string => STATUS_TEXT[status] ?? 'Unknown';

const Phase = { ROUTING: 0, FILTERS: 1, UPSTREAM: 2, RESPONDING: 3, DONE: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class Exchange implements UpstreamHandler, PoolWaiter, TunnelOwner, DeadlineEntry {
  readonly request: ProxyRequest;
  readonly downstream: Downstream;
  readonly hcm: HcmConfig;
  readonly ctx: ExchangeContext;
  route: Route | undefined = undefined;
  flags = 0;
  /** Envoy's %RESPONSE_CODE_DETAILS%: via_upstream, or why the proxy answered itself (route_not_found, rbac_access_denied…); a constant per cause. */
  details = '';
  status = 0;
  /** CORS: the allowed origin to echo on the response. */
  corsOrigin: string | undefined = undefined;
  /** AUDIT policy that matched (access log must record the request). */
  auditPolicy: string | undefined = undefined;
  /** Dynamic metadata set by filters for the ones after them (jwt_authn → istio_authn for RBAC). */
  metadata: DynamicMetadata = NO_METADATA;
  faultFilter: FaultFilter | undefined = undefined;
  readonly startedAt = performance.now();
  /** Name of the cluster the request went to. */
  clusterName = '';
  /** Upstream endpoint of the last attempt ("host:port"), for logs. */
  upstreamHost = '';
  attempts = 0;
  bytesReceived = 0;
  bytesSent = 0;
  /** performance.now() when the upstream's response head arrived (0: none), for upstream_service_time. */
  upstreamHeadAt = 0;
  /** Set by ctx.onRequest (proxy/telemetry/trace.ts): the trace id, this hop's span id, x-request-id. */
  traceId = '';
  spanId = '';
  requestId = '';
  /** The response's grpc-status (headers or trailers, or the local reply's); -1: none. */
  grpcStatus = -1;
  /** A gRPC request (content-type application/grpc…): local replies are gRPC statuses. Read once, for telemetry too. */
  readonly grpc: boolean;
  /** The route timeout's place in its DeadlineList (proxy/http/deadlines.ts). */
  deadlineAt = 0;
  deadlinePrev: DeadlineEntry | null = null;
  deadlineNext: DeadlineEntry | null = null;
  deadlineList: DeadlineList | null = null;

  #phase: Phase = Phase.ROUTING;
  #filterIndex = 0;
  #action: ForwardAction | undefined = undefined;
  #weighted: WeightedCluster | undefined = undefined;
  #cluster: Cluster | undefined = undefined;
  #endpoint: Endpoint | undefined = undefined;
  #waitingOn: Endpoint | undefined = undefined;
  #conn: UpstreamStream | null = null;
  #head: OutgoingHead | null = null;
  #noResponseBody = false;
  // request body
  #requestDone = false;
  #body: Buffer[] | null = null;
  #bodyBytes = 0;
  #replayable = true;
  #downstreamPaused = false;
  // retries
  #retriesLeft = 0;
  #tried: Endpoint[] | null = null;
  #isRetry = false;
  #retrying = false;
  #retryTimer: NodeJS.Timeout | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  #perTryTimer: NodeJS.Timeout | undefined = undefined;
  #delayTimer: NodeJS.Timeout | undefined = undefined;
  #abortAfterDelay = false;
  #responseStarted = false;
  #countedActive = false;

  constructor(ctx: ExchangeContext, hcm: HcmConfig, downstream: Downstream, request: ProxyRequest) {
    this.ctx = ctx;
    this.hcm = hcm;
    this.downstream = downstream;
    this.request = request;
    this.#requestDone = !request.hasBody;
    this.grpc = isGrpc(request.headers);
  }

  random(): number {
    return this.ctx.random();
  }

  get done(): boolean {
    return this.#phase === Phase.DONE;
  }

  get responseStarted(): boolean {
    return this.#responseStarted;
  }

  // ---- start: route and filters ---------------------------------------------------

  start(): void {
    this.ctx.onRequest?.(this);
    const src = this.hcm.routes;
    const table = src.kind === 'inline' ? src.table : this.ctx.routeTable(src.name);
    if (table !== undefined) {
      if (table.onDemand) {
        if (!this.#routeOnDemand(table, src.kind === 'rds' ? src.name : table.name)) return;
      } else this.route = this.#selectLocal(table);
    }
    this.#routed();
  }

  /** Route selection by the table's own domains (everything but on-demand tables). */
  #selectLocal(table: RouteTable): Route | undefined {
    const req = this.request;
    if (this.hcm.stripAnyHostPort || (this.hcm.stripMatchingHostPort && portOf(req.authority, -1) === this.downstream.downstreamLocalPort)) {
      const original = req.authority;
      req.authority = stripPort(original);
      const route = selectRoute(table, req, this.ctx.random);
      req.authority = original;
      return route;
    }
    return selectRoute(table, req, this.ctx.random);
  }

  // ---- on-demand virtual hosts ------------------------------------------------------

  /**
   * Routes through the alias map: a held answer routes at once (true); else
   * the request waits, downstream paused, for the control plane's answer
   * (false; #onHostResolved goes on). Never by the table's domains: a held
   * `*` catch-all would swallow hosts not asked for yet.
   */
  #routeOnDemand(table: RouteTable, rc: string): boolean {
    const od = this.ctx.onDemand;
    const host = this.#hostKey(table);
    if (od === undefined) {
      this.#hostUnavailable({ kind: 'unavailable', reason: 'not_on_demand', message: 'this proxy has no ADS client to ask for virtual hosts' });
      return false;
    }
    const r = od.lookup(rc, host);
    if (r !== undefined && r.kind !== 'unavailable') {
      this.route = this.#selectResolved(table, r);
      return true;
    }
    this.#pauseDownstream();
    od.resolve(rc, host).then(
      (res) => this.#onHostResolved(rc, res),
      (err: unknown) => this.#onHostFailed(err),
    );
    return false;
  }

  /** The authority as route matching sees it: lower-cased, port stripped as the connection manager or route configuration says. */
  #hostKey(table: RouteTable): string {
    const a = this.request.authority;
    const strip = this.hcm.stripAnyHostPort || table.ignorePortInHostMatching || (this.hcm.stripMatchingHostPort && portOf(a, -1) === this.downstream.downstreamLocalPort);
    return (strip ? stripPort(a) : a).toLowerCase();
  }

  #selectResolved(table: RouteTable, r: HostResolution): Route | undefined {
    if (r.kind !== 'vhost') return undefined;
    const vh = table.byName.get(r.vhost);
    return vh === undefined ? undefined : selectRouteIn(vh, this.request, this.ctx.random);
  }

  #onHostResolved(rc: string, r: HostResolution): void {
    if (this.#phase !== Phase.ROUTING) return; // the client went away meanwhile
    try {
      this.#resumeDownstream();
      if (r.kind === 'unavailable') {
        this.#hostUnavailable(r);
        return;
      }
      // The table as it is now: the answer's virtual host came with it.
      const table = this.ctx.routeTable(rc);
      if (table !== undefined) this.route = table.onDemand ? this.#selectResolved(table, r) : this.#selectLocal(table);
      this.#routed();
    } catch (err) {
      this.#onHostFailed(err);
    }
  }

  #onHostFailed(err: unknown): void {
    this.ctx.onInternalError?.(err);
    if (this.#phase === Phase.DONE) return;
    if (!this.#responseStarted) this.localReply(500, 'internal error');
    else this.downstream.reset();
  }

  /** No answer to route by: 503, flag NR (there is no route for the request yet), details saying why. */
  #hostUnavailable(r: HostResolution & { kind: 'unavailable' }): void {
    this.flags |= Flag.NR;
    this.details = r.reason === 'timeout' ? 'on_demand_vhds_timeout' : 'on_demand_vhds_unavailable';
    this.localReply(503, `no virtual host yet for ${this.request.authority}: ${r.message}`);
  }

  /** The route is chosen (or there is none): filters, then the router. */
  #routed(): void {
    const req = this.request;
    this.#phase = Phase.FILTERS;
    // Envoy refuses CONNECT before any filter unless the connection manager enables it (upgrade_failed).
    if (req.method === 'CONNECT' && !this.hcm.connect) {
      this.details = 'upgrade_failed';
      this.localReply(403, '');
      return;
    }
    this.#runFilters();
  }

  #runFilters(): void {
    const filters = this.hcm.filters;
    while (this.#filterIndex < filters.length) {
      const f = filters[this.#filterIndex++] as HttpFilter;
      if (f.onRequest(this) !== CONTINUE) return;
      if (this.#phase !== Phase.FILTERS) return;
    }
    this.#router();
  }

  /** A filter that returned STOP resumes the chain. */
  continueRequest(): void {
    if (this.#phase !== Phase.FILTERS) return;
    this.#runFilters();
  }

  /** Fault delay: resume (or abort) after `ms`. */
  delay(ms: number, thenAbort: boolean): void {
    this.#abortAfterDelay = thenAbort;
    this.#delayTimer = setTimeout(Exchange.#delayed, ms, this);
  }

  // Timer callbacks are static and take the exchange as the timer's argument:
  // an arrow-function field would be a closure made for every request.
  static #delayed(x: Exchange): void {
    x.#delayTimer = undefined;
    if (x.#phase !== Phase.FILTERS) return;
    if (x.#abortAfterDelay && x.faultFilter !== undefined) x.faultFilter.abort(x);
    else x.continueRequest();
  }

  // ---- router ---------------------------------------------------------------------

  #router(): void {
    const route = this.route;
    if (route === undefined) {
      this.flags |= Flag.NR;
      this.details = 'route_not_found';
      this.localReply(404, '');
      return;
    }
    const action = route.action;
    if (action.kind === 'direct') {
      this.#directReply(action.status, action.body);
      return;
    }
    if (action.kind === 'redirect') {
      // Envoy's redirect is a direct response entry too.
      this.details = 'direct_response';
      this.localReply(action.status, '', ['location', redirectLocation(route, action, this.request)]);
      return;
    }
    this.#forward(route, action);
  }

  #forward(route: Route, action: ForwardAction): void {
    const req = this.request;
    if (req.upgrade !== '' && !(this.hcm.websocket && action.upgrades && req.upgrade.toLowerCase() === 'websocket')) {
      this.details = 'upgrade_failed';
      this.localReply(403, 'upgrade not allowed');
      return;
    }
    this.#action = action;
    let wc = action.clusters[0] as WeightedCluster;
    if (action.clusters.length > 1) {
      let r = (this.ctx.random() * action.totalWeight) | 0;
      for (const c of action.clusters) {
        if (r < c.weight) {
          wc = c;
          break;
        }
        r -= c.weight;
      }
    }
    this.#weighted = wc;
    this.clusterName = wc.name;
    const cluster = this.ctx.cluster(wc.name);
    if (cluster === undefined) {
      this.flags |= Flag.NC;
      this.details = 'cluster_not_found';
      this.localReply(503, 'cluster not found');
      return;
    }
    if (cluster.activeRequests >= cluster.config.circuitBreakers.maxRequests) {
      this.flags |= Flag.UO;
      cluster.overflows++;
      this.details = 'upstream_reset_before_response_started{overflow}';
      this.localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
      return;
    }
    this.#cluster = cluster;
    cluster.activeRequests++;
    this.#countedActive = true;
    if (req.method === 'CONNECT') {
      this.#connect(cluster, action);
      return;
    }
    // The upstream head is built once and reused by every attempt.
    const headers = req.headers;
    if (!isEmptyMutation(route.requestMutations)) applyMutations(route.requestMutations, headers, this.downstream);
    if (!isEmptyMutation(wc.requestMutations)) applyMutations(wc.requestMutations, headers, this.downstream);
    if (headerValue(headers, 'x-forwarded-proto') === undefined) headers.push('x-forwarded-proto', req.scheme);
    const path = rewritePath(route, action, req.path) ?? req.path;
    const authority = action.hostRewrite ?? req.authority;
    this.#head = new OutgoingHead(req.method, path, authority, req.scheme, headers, req.contentLength, req.upgrade);
    this.#noResponseBody = req.method === 'HEAD';
    const retry = action.retry;
    this.#retriesLeft = retry === undefined ? 0 : retry.numRetries;
    if (retry !== undefined && retry.avoidPreviousHosts) this.#tried = [];
    const timeoutMs = action.grpcTimeoutMaxMs < 0 || !this.grpc ? action.timeoutMs : grpcTimeout(action, headers);
    if (timeoutMs > 0) {
      // The route's own timeout shares a list with every request on it; a
      // grpc-timeout from the request is the client's number, so a timer of its own.
      if (timeoutMs === action.timeoutMs) deadlineList(timeoutMs).add(this);
      else this.#timer = setTimeout(Exchange.#timedOut, timeoutMs, this);
    }
    this.#phase = Phase.UPSTREAM;
    if (action.mirrors.length > 0 && this.#requestDone) this.#mirror(authority, path);
    this.#attempt();
  }

  /** Whether this request goes upstream over HTTP/2 (the cluster's protocol options; upgrades always take HTTP/1.1). */
  #http2(cluster: Cluster): boolean {
    const p = cluster.config.upstreamProtocol;
    if (p === 'http1' || this.request.upgrade !== '') return false;
    return p === 'http2' || this.downstream.protocol === 'HTTP/2';
  }

  #hash(): number {
    const policies = this.#action?.hashPolicies;
    if (policies === undefined || policies.length === 0) return -1;
    let h = -1;
    for (const p of policies) {
      let v: string | undefined;
      if (p.kind === 'header') v = this.request.header(p.name);
      else if (p.kind === 'source_ip') v = this.downstream.remoteAddress;
      else v = this.request.queryParam(p.name);
      if (v === undefined) continue;
      const k = hash32(v);
      h = h < 0 ? k : (((h << 1) | (h >>> 31)) ^ k) >>> 0;
      if (p.terminal) break;
    }
    return h;
  }

  #attempt(): void {
    const cluster = this.#cluster as Cluster;
    let ep: Endpoint | undefined;
    if (cluster.config.type === 'ORIGINAL_DST') {
      // Without SO_ORIGINAL_DST (Node has none) the destination of a passthrough request is its authority.
      const authority = this.request.authority;
      const host = stripPort(authority).replace(/^\[|\]$/g, '');
      if (host === '') {
        this.flags |= Flag.UH;
        this.details = 'no_healthy_upstream';
        this.localReply(503, 'no healthy upstream');
        return;
      }
      ep = cluster.originalDestination(host, portOf(authority, this.request.scheme === 'https' ? 443 : 80));
    } else {
      const retry = this.#action?.retry;
      ep = cluster.pick(this.#hash(), this.#tried, retry?.hostSelectionMaxAttempts ?? 1);
    }
    if (ep === undefined) {
      this.flags |= Flag.UH;
      this.details = 'no_healthy_upstream';
      this.localReply(503, 'no healthy upstream');
      return;
    }
    this.attempts++;
    this.#endpoint = ep;
    this.upstreamHost = ep.key;
    ep.active++;
    ep.requests++;
    if (this.#tried !== null) this.#tried.push(ep);
    const perTry = this.#action?.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0) this.#perTryTimer = setTimeout(Exchange.#perTryTimedOut, perTry, this);
    const got = ep.acquire(this, this.#http2(cluster));
    if (got === 'queued') {
      this.#waitingOn = ep;
      return;
    }
    if (got === 'overflow') {
      this.#endAttempt();
      this.flags |= Flag.UO;
      cluster.overflows++;
      this.details = 'upstream_reset_before_response_started{overflow}';
      this.localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
      return;
    }
    this.#send(got);
  }

  onPoolReady(conn: UpstreamStream): void {
    this.#waitingOn = undefined;
    if (this.#phase !== Phase.UPSTREAM) {
      conn.release();
      return;
    }
    this.#send(conn);
  }

  onPoolFailure(kind: UpstreamErrorKind, detail: string): void {
    this.#waitingOn = undefined;
    if (this.#phase !== Phase.UPSTREAM) return;
    this.#upstreamFailed(kind, detail, true);
  }

  #send(conn: UpstreamStream): void {
    this.#conn = conn;
    const hasBody = this.request.hasBody;
    let ok = conn.dispatch(this, this.#head as OutgoingHead, this.#noResponseBody, !hasBody);
    const body = this.#body;
    if (body !== null) {
      for (let i = 0; i < body.length; i++) ok = conn.writeBody(body[i] as Buffer);
      if (!this.#replayable) {
        this.#body = null;
        this.#bodyBytes = 0;
      }
    }
    if (this.#requestDone && hasBody) conn.endRequest(this.#trailers);
    if (!ok) this.#pauseDownstream();
    else if (this.#downstreamPaused) this.#resumeDownstream();
  }

  #pauseDownstream(): void {
    if (!this.#downstreamPaused) {
      this.#downstreamPaused = true;
      this.downstream.pauseRequest();
    }
  }

  #resumeDownstream(): void {
    if (this.#downstreamPaused) {
      this.#downstreamPaused = false;
      this.downstream.resumeRequest();
    }
  }

  // ---- request body from downstream ---------------------------------------------

  onRequestBody(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    const conn = this.#conn;
    const keep = this.#replayable && this.#bodyBytes + chunk.length <= this.ctx.retryBufferLimit;
    if (this.#replayable && !keep) this.#replayable = false;
    if (keep || conn === null) {
      (this.#body ??= []).push(chunk);
      this.#bodyBytes += chunk.length;
    }
    if (conn !== null) {
      if (!conn.writeBody(chunk)) this.#pauseDownstream();
    } else if (this.#bodyBytes > this.ctx.retryBufferLimit) {
      // Nowhere to send it yet: stop reading until an upstream connection takes it.
      this.#pauseDownstream();
    }
  }

  onRequestTrailers(trailers: string[]): void {
    // Forwarded with the terminating chunk.
    this.#trailers = trailers;
  }
  #trailers: string[] | null = null;

  onRequestEnd(): void {
    this.#requestDone = true;
    const conn = this.#conn;
    if (conn !== null && this.request.hasBody) conn.endRequest(this.#trailers);
    const action = this.#action;
    if (action !== undefined && action.mirrors.length > 0 && this.request.hasBody && this.#replayable && this.#phase === Phase.UPSTREAM) {
      this.#mirror(action.hostRewrite ?? this.request.authority, rewritePath(this.route as Route, action, this.request.path) ?? this.request.path);
    }
  }

  onDownstreamDrain(): void {
    this.#conn?.resume();
  }

  /** The client went away. */
  onDownstreamReset(): void {
    if (this.#phase === Phase.DONE) return;
    this.flags |= Flag.DC;
    if (this.details === '') this.details = 'downstream_remote_disconnect';
    if (this.#conn !== null) {
      this.#conn.destroy();
      this.#conn = null;
    }
    this.#finish();
  }

  // ---- upstream events -----------------------------------------------------------

  onUpstreamInformational(head: MessageHead): void {
    if (this.#phase !== Phase.UPSTREAM) return;
    if (head.status === 100 || head.status === 103) this.downstream.writeInformational(head.status, head.reason, head.headers);
  }

  onUpstreamHead(head: MessageHead): void {
    if (this.#phase !== Phase.UPSTREAM) return;
    this.upstreamHeadAt = performance.now();
    const status = head.status;
    (this.#cluster as Cluster).record(this.#endpoint as Endpoint, status);
    const grpc = this.grpc ? grpcStatusOf(head.headers) : -1;
    if (grpc >= 0) this.grpcStatus = grpc;
    if ((status >= 400 || grpc > 0) && this.#retriableStatus(status, head.headers, grpc) && this.#canRetry()) {
      this.grpcStatus = -1;
      this.#abandonAttempt();
      this.#scheduleRetry();
      return;
    }
    this.#clearPerTry();
    this.#respond(head);
  }

  #respond(head: MessageHead): void {
    this.#phase = Phase.RESPONDING;
    this.details = 'via_upstream';
    this.#responseStarted = true;
    this.status = head.status;
    const headers = head.headers;
    const route = this.route as Route;
    if (!isEmptyMutation(route.responseMutations)) applyMutations(route.responseMutations, headers, this.downstream);
    const wc = this.#weighted;
    if (wc !== undefined && !isEmptyMutation(wc.responseMutations)) applyMutations(wc.responseMutations, headers, this.downstream);
    const filters = this.hcm.filters;
    for (let i = filters.length - 1; i >= 0; i--) (filters[i] as HttpFilter).onResponse(this, head.status, headers);
    const length = this.#noResponseBody || head.status === 204 || head.status === 304 ? (head.contentLength >= 0 ? head.contentLength : -2) : head.contentLength >= 0 ? head.contentLength : -1;
    if (this.#noResponseBody) this.#headResponse = true;
    this.downstream.writeHead(head.status, head.reason, headers, length);
  }
  #headResponse = false;

  onUpstreamBody(chunk: Buffer): void {
    if (this.#phase !== Phase.RESPONDING) return;
    this.bytesSent += chunk.length;
    if (!this.downstream.writeBody(chunk)) this.#conn?.pause();
  }

  onUpstreamTrailers(trailers: string[]): void {
    this.#responseTrailers = trailers;
    if (this.grpc) {
      const grpc = grpcStatusOf(trailers);
      if (grpc >= 0) this.grpcStatus = grpc;
    }
  }
  #responseTrailers: string[] | null = null;

  onUpstreamComplete(): void {
    if (this.#phase !== Phase.RESPONDING) return;
    const conn = this.#conn;
    this.#conn = null;
    // A response that completes before the request body does: the upstream connection cannot be reused.
    if (!this.#requestDone && conn !== null) conn.destroy();
    this.#endAttempt();
    this.downstream.end(this.#responseTrailers);
    this.#finish();
  }

  onUpstreamDrain(): void {
    this.#resumeDownstream();
  }

  onUpstreamUpgrade(head: MessageHead, socket: net.Socket, rest: Buffer | null): void {
    if (this.#phase !== Phase.UPSTREAM) {
      socket.destroy();
      return;
    }
    this.#conn = null;
    this.#clearPerTry();
    this.#endAttempt();
    this.status = 101;
    this.#responseStarted = true;
    this.#clearTimeout();
    this.downstream.tunnel(socket, rest, head);
    this.#finish();
  }

  onUpstreamError(kind: UpstreamErrorKind, detail: string, beforeResponse: boolean, reused: boolean): void {
    if (this.#phase === Phase.RESPONDING) {
      // Part of the response is already downstream: all we can do is cut it too.
      this.#conn = null;
      this.flags |= Flag.UR;
      this.details = kind === 'protocol' ? 'upstream_reset_after_response_started{protocol_error}' : 'upstream_reset_after_response_started{connection_termination}';
      (this.#cluster as Cluster).record(this.#endpoint as Endpoint, LOCAL_ORIGIN_FAILURE);
      this.#endAttempt();
      this.downstream.reset();
      this.#finish();
      return;
    }
    if (this.#phase !== Phase.UPSTREAM) return;
    this.#conn = null;
    // A kept-alive connection the server closed as we wrote: try again on a fresh one, once, without counting a retry.
    if (beforeResponse && reused && (kind === 'reset' || kind === 'refused') && this.#replayable && !this.#isRetry && this.#requestComplete()) {
      this.#isRetry = true;
      this.#endAttempt();
      this.#attempt();
      return;
    }
    this.#upstreamFailed(kind, detail, beforeResponse);
  }

  #requestComplete(): boolean {
    return this.#requestDone || !this.request.hasBody;
  }

  #upstreamFailed(kind: UpstreamErrorKind, detail: string, _beforeResponse: boolean): void {
    (this.#cluster as Cluster).record(this.#endpoint as Endpoint, LOCAL_ORIGIN_FAILURE);
    const retry = this.#action?.retry;
    const on = retry?.on ?? 0;
    const connectFailure = kind === 'connect-failure' || kind === 'connect-timeout';
    const retriable = connectFailure
      ? (on & (RetryOn.CONNECT_FAILURE | RetryOn.FIVE_XX | RetryOn.GATEWAY_ERROR | RetryOn.RESET_BEFORE_REQUEST)) !== 0
      : kind === 'reset'
        ? (on & (RetryOn.RESET | RetryOn.FIVE_XX | RetryOn.GATEWAY_ERROR)) !== 0
        : kind === 'refused'
          ? (on & (RetryOn.REFUSED_STREAM | RetryOn.RESET | RetryOn.FIVE_XX | RetryOn.GATEWAY_ERROR)) !== 0
        : (on & RetryOn.FIVE_XX) !== 0;
    this.#endAttempt();
    if (retriable && this.#canRetry()) {
      this.#scheduleRetry();
      return;
    }
    if (connectFailure) {
      this.flags |= Flag.UF;
      const reason = kind === 'connect-timeout' ? 'connection_timeout' : 'connection_failure';
      this.details = detail.startsWith('TLS error') ? `upstream_reset_before_response_started{${reason},${detail.replace(/ /g, '_')}}` : `upstream_reset_before_response_started{${reason}}`;
      // Envoy's wording; a TLS failure names its reason (certificate, identity) as Envoy's "transport failure reason" does.
      this.localReply(503, `upstream connect error or disconnect/reset before headers. reset reason: connection ${kind === 'connect-timeout' ? 'timeout' : 'failure'}${detail.startsWith('TLS error') ? `, transport failure reason: ${detail}` : ''}`);
    } else if (kind === 'protocol') {
      this.flags |= Flag.UPE;
      this.details = 'upstream_reset_before_response_started{protocol_error}';
      this.localReply(502, `upstream protocol error: ${detail}`);
    } else {
      this.flags |= Flag.UC;
      this.details = kind === 'refused' ? 'upstream_reset_before_response_started{remote_refused_stream_reset}' : 'upstream_reset_before_response_started{connection_termination}';
      this.localReply(503, `upstream connect error or disconnect/reset before headers. reset reason: ${kind === 'refused' ? 'remote refused stream reset' : 'connection termination'}`);
    }
  }

  #retriableStatus(status: number, headers: readonly string[], grpc: number): boolean {
    const retry = this.#action?.retry;
    if (retry === undefined) return false;
    const on = retry.on;
    // gRPC conditions read the status of a trailers-only response (Envoy's retry on gRPC status from headers).
    if (grpc > 0 && (on & GRPC_RETRY_ON) !== 0) {
      if (grpc === GrpcStatus.CANCELLED && (on & RetryOn.GRPC_CANCELLED) !== 0) return true;
      if (grpc === GrpcStatus.DEADLINE_EXCEEDED && (on & RetryOn.GRPC_DEADLINE_EXCEEDED) !== 0) return true;
      if (grpc === GrpcStatus.INTERNAL && (on & RetryOn.GRPC_INTERNAL) !== 0) return true;
      if (grpc === GrpcStatus.RESOURCE_EXHAUSTED && (on & RetryOn.GRPC_RESOURCE_EXHAUSTED) !== 0) return true;
      if (grpc === GrpcStatus.UNAVAILABLE && (on & RetryOn.GRPC_UNAVAILABLE) !== 0) return true;
    }
    if (status < 400) return false;
    if ((on & RetryOn.FIVE_XX) !== 0 && status >= 500) return true;
    if ((on & RetryOn.GATEWAY_ERROR) !== 0 && (status === 502 || status === 503 || status === 504)) return true;
    if ((on & RetryOn.RETRIABLE_4XX) !== 0 && status === 409) return true;
    if ((on & RetryOn.RETRIABLE_STATUS_CODES) !== 0 && retry.statusCodes.includes(status)) return true;
    if ((on & RetryOn.ENVOY_RATELIMITED) !== 0 && status === 429 && headerValue(headers, 'x-envoy-ratelimited') !== undefined) return true;
    return false;
  }

  #canRetry(): boolean {
    if (this.#retriesLeft <= 0) {
      if (this.#action?.retry !== undefined && this.#action.retry.numRetries > 0) this.flags |= Flag.URX;
      return false;
    }
    if (!this.#replayable || !this.#requestComplete()) return false;
    const cluster = this.#cluster as Cluster;
    if (!this.#retrying && !cluster.retryAllowed()) {
      this.flags |= Flag.UO;
      return false;
    }
    return true;
  }

  #scheduleRetry(): void {
    const retry = this.#action?.retry;
    if (retry === undefined) return;
    const n = (retry.numRetries - this.#retriesLeft) as number;
    this.#retriesLeft--;
    this.#isRetry = true;
    const cluster = this.#cluster as Cluster;
    // A request counts as one retry in flight from its first retry until it finishes (Envoy's retry budget).
    if (!this.#retrying) {
      this.#retrying = true;
      cluster.activeRetries++;
    }
    // Fully jittered exponential back-off: uniform in [0, min(base·2^n, max)).
    const ceiling = Math.min(retry.baseIntervalMs * 2 ** n, retry.maxIntervalMs);
    this.#retryTimer = setTimeout(Exchange.#retryNow, (this.ctx.random() * ceiling) | 0, this);
  }

  static #retryNow(x: Exchange): void {
    x.#retryTimer = undefined;
    if (x.#phase !== Phase.UPSTREAM) return;
    x.#attempt();
  }

  /** Gives up the current attempt's connection (retry, per-try timeout). */
  #abandonAttempt(): void {
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) conn.destroy();
    this.#endAttempt();
  }

  #endAttempt(): void {
    this.#clearPerTry();
    if (this.#waitingOn !== undefined) {
      this.#waitingOn.cancel(this);
      this.#waitingOn = undefined;
    }
    const ep = this.#endpoint;
    if (ep !== undefined) {
      ep.active--;
      this.#endpoint = undefined;
    }
  }

  #clearPerTry(): void {
    if (this.#perTryTimer !== undefined) {
      clearTimeout(this.#perTryTimer);
      this.#perTryTimer = undefined;
    }
  }

  static #perTryTimedOut(x: Exchange): void {
    x.#onPerTryTimeout();
  }

  #onPerTryTimeout(): void {
    this.#perTryTimer = undefined;
    if (this.#phase !== Phase.UPSTREAM) return;
    const ep = this.#endpoint;
    if (ep !== undefined) (this.#cluster as Cluster).record(ep, 504);
    this.#abandonAttempt();
    if (this.#canRetry()) {
      this.#scheduleRetry();
      return;
    }
    this.flags |= Flag.UT;
    this.details = 'upstream_per_try_timeout';
    this.localReply(504, 'upstream request timeout');
  }

  static #timedOut(x: Exchange): void {
    x.#timer = undefined;
    x.#onTimeout();
  }

  /** The route timeout, from its DeadlineList. */
  onDeadline(): void {
    this.#onTimeout();
  }

  #onTimeout(): void {
    if (this.#phase === Phase.UPSTREAM) {
      this.flags |= Flag.UT;
      const ep = this.#endpoint;
      if (ep !== undefined) (this.#cluster as Cluster).record(ep, 504);
      this.#abandonAttempt();
      this.details = 'upstream_response_timeout';
      this.localReply(504, 'upstream request timeout');
    } else if (this.#phase === Phase.RESPONDING) {
      this.flags |= Flag.UT;
      this.details = 'upstream_response_timeout';
      this.#abandonAttempt();
      this.downstream.reset();
      this.#finish();
    }
  }

  /** Stops the route timeout, whichever way it was armed. */
  #clearTimeout(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const l = this.deadlineList;
    if (l !== null) l.remove(this);
  }

  // ---- CONNECT (terminated: the tunnel is a TCP connection to the cluster) ------------

  #connect(cluster: Cluster, action: ForwardAction): void {
    const authority = this.request.authority;
    const ep = cluster.config.type === 'ORIGINAL_DST' ? cluster.originalDestination(stripPort(authority).replace(/^\[|\]$/g, ''), portOf(authority, 443)) : cluster.pick(this.#hash(), null, 1);
    if (ep === undefined) {
      this.flags |= Flag.UH;
      this.details = 'no_healthy_upstream';
      this.localReply(503, 'no healthy upstream');
      return;
    }
    if (cluster.connections >= cluster.config.circuitBreakers.maxConnections) {
      this.flags |= Flag.UO;
      cluster.overflows++;
      this.details = 'upstream_reset_before_response_started{overflow}';
      this.localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
      return;
    }
    this.attempts = 1;
    this.upstreamHost = ep.key;
    ep.requests++;
    if (action.timeoutMs > 0) this.#timer = setTimeout(Exchange.#timedOut, action.timeoutMs, this);
    this.#phase = Phase.UPSTREAM;
    dialTunnel(cluster, ep, this.hcm.streamIdleTimeoutMs, this);
  }

  onTunnelConnected(socket: net.Socket): void {
    if (this.#phase !== Phase.UPSTREAM) {
      socket.destroy();
      return;
    }
    // The route timeout bounds reaching the upstream, not the tunnel's life.
    this.#clearTimeout();
    this.#phase = Phase.RESPONDING;
    this.#responseStarted = true;
    this.status = 200;
    this.details = 'via_upstream';
    this.upstreamHeadAt = performance.now();
    const head = new MessageHead();
    head.status = 200;
    head.reason = 'OK';
    this.downstream.tunnel(socket, null, head);
  }

  onTunnelFailed(detail: string, _timeout: boolean): void {
    if (this.#phase !== Phase.UPSTREAM) return;
    this.flags |= Flag.UF;
    // "connection failure, transport failure reason: TLS error: …" → {connection_failure,TLS_error:_…}, as Envoy writes it.
    this.details = `upstream_reset_before_response_started{${detail.replace(', transport failure reason: ', ',').replace(/ /g, '_')}}`;
    this.localReply(503, `upstream connect error or disconnect/reset before headers. reset reason: ${detail}`);
  }

  /** The access log and metrics see a tunnel when it closes, with its duration and bytes. */
  onTunnelClosed(toUpstream: number, fromUpstream: number): void {
    this.bytesReceived += toUpstream;
    this.bytesSent += fromUpstream;
    this.#finish();
  }

  // ---- mirrors --------------------------------------------------------------------

  #mirror(authority: string, path: string): void {
    const action = this.#action;
    if (action === undefined) return;
    for (const m of action.mirrors) {
      if (m.probability < 1 && this.ctx.random() >= m.probability) continue;
      const cluster = this.ctx.cluster(m.cluster);
      if (cluster === undefined) continue;
      const host = m.appendShadowSuffix ? shadowHost(authority) : authority;
      const length = this.request.contentLength === BODY_CHUNKED ? this.#bodyBytes : this.request.contentLength;
      const head = new OutgoingHead(this.request.method, path, host, this.request.scheme, this.request.headers, length, '');
      new Mirror(cluster, head, this.#body, this.request.method === 'HEAD', this.#http2(cluster)).start();
    }
  }

  // ---- local replies ---------------------------------------------------------------

  /**
   * Answers the request from the proxy (errors, redirects, filter replies).
   * A gRPC request gets a trailers-only response instead (Envoy's local reply
   * for gRPC): status 200, grpc-status mapped from `status` unless given,
   * grpc-message from the body.
   */
  localReply(status: number, body: string, extraHeaders: string[] = [], grpcStatus = -1): void {
    if (this.#phase === Phase.DONE || this.#phase === Phase.RESPONDING) return;
    this.#abandonAttempt();
    this.#phase = Phase.RESPONDING;
    this.#responseStarted = true;
    if (grpcStatus >= 0 || this.grpc) {
      const code = grpcStatus >= 0 ? grpcStatus : httpToGrpcStatus(status);
      this.status = 200;
      this.grpcStatus = code;
      extraHeaders.push('content-type', 'application/grpc', 'grpc-status', String(code));
      if (body !== '') extraHeaders.push('grpc-message', grpcMessage(body));
      this.#finishLocal(200, extraHeaders, 0, null);
      return;
    }
    this.status = status;
    const headers = extraHeaders;
    const bytes = body === '' ? 0 : Buffer.byteLength(body);
    if (bytes > 0) headers.push('content-type', 'text/plain');
    this.#finishLocal(status, headers, bytes, body === '' ? null : body);
  }

  #directReply(status: number, body: Buffer | undefined): void {
    this.details = 'direct_response';
    // Envoy answers a direct response through its local reply path: a gRPC client gets a gRPC status.
    if (this.grpc) return this.localReply(status, body === undefined ? '' : body.toString());
    this.#phase = Phase.RESPONDING;
    this.#responseStarted = true;
    this.status = status;
    const headers: string[] = body !== undefined && body.length > 0 ? ['content-type', 'text/plain'] : [];
    this.#finishLocal(status, headers, body?.length ?? 0, body ?? null);
  }

  #finishLocal(status: number, headers: string[], length: number, body: string | Buffer | null): void {
    const route = this.route;
    if (route !== undefined && status < 500 && !isEmptyMutation(route.responseMutations)) applyMutations(route.responseMutations, headers, this.downstream);
    const filters = this.hcm.filters;
    for (let i = filters.length - 1; i >= 0; i--) (filters[i] as HttpFilter).onResponse(this, status, headers);
    const noBody = this.request.method === 'HEAD' || status === 204 || status === 304;
    this.downstream.writeHead(status, reasonPhrase(status), headers, length);
    if (body !== null && !noBody) {
      const b = typeof body === 'string' ? Buffer.from(body) : body;
      this.bytesSent += b.length;
      this.downstream.writeBody(b);
    }
    this.downstream.end(null);
    this.#finish();
  }

  /** A gRPC status as a trailers-only answer (fault abort with grpc_status). */
  grpcReply(grpcStatus: number, message: string): void {
    this.localReply(200, message, [], grpcStatus);
  }

  #finish(): void {
    if (this.#phase === Phase.DONE) return;
    this.#phase = Phase.DONE;
    this.#clearTimeout();
    if (this.#delayTimer !== undefined) clearTimeout(this.#delayTimer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#retrying) (this.#cluster as Cluster).activeRetries--;
    this.#clearPerTry();
    if (this.#waitingOn !== undefined) {
      this.#waitingOn.cancel(this);
      this.#waitingOn = undefined;
    }
    if (this.#endpoint !== undefined) {
      this.#endpoint.active--;
      this.#endpoint = undefined;
    }
    if (this.#countedActive) (this.#cluster as Cluster).activeRequests--;
    if (this.faultFilter !== undefined) this.faultFilter.active--;
    this.#body = null;
    if (this.#downstreamPaused) this.#resumeDownstream();
    this.ctx.onFinished?.(this);
  }
}

const GRPC_RETRY_ON = RetryOn.GRPC_CANCELLED | RetryOn.GRPC_DEADLINE_EXCEEDED | RetryOn.GRPC_INTERNAL | RetryOn.GRPC_RESOURCE_EXHAUSTED | RetryOn.GRPC_UNAVAILABLE;

/** The route timeout, or the request's grpc-timeout when the route honours it (max_stream_duration.grpc_timeout_header_max). */
function grpcTimeout(action: ForwardAction, headers: readonly string[]): number {
  let t = grpcTimeoutMs(headers);
  if (t < 0) return action.timeoutMs;
  if (action.grpcTimeoutMaxMs > 0 && t > action.grpcTimeoutMaxMs) t = action.grpcTimeoutMaxMs;
  t -= action.grpcTimeoutOffsetMs;
  // grpc-timeout 0 means no deadline was given: Envoy then has no timeout at all.
  return t > 0 ? t : action.grpcTimeoutOffsetMs > 0 ? 1 : 0;
}

/** Envoy's shadow authority: `host-shadow[:port]`. */
function shadowHost(authority: string): string {
  const host = stripPort(authority);
  return host.length === authority.length ? `${host}-shadow` : `${host}-shadow${authority.slice(host.length)}`;
}

/** At most this many mirrored requests in flight per process: mirrors are best effort. */
const MAX_MIRRORS_IN_FLIGHT = 256;
let mirrorsInFlight = 0;
const MIRROR_TIMEOUT_MS = 10_000;

/** A fire-and-forget copy of a request: its response is read and dropped, its failures ignored. */
class Mirror implements UpstreamHandler, PoolWaiter {
  readonly #cluster: Cluster;
  readonly #head: OutgoingHead;
  readonly #body: Buffer[] | null;
  readonly #noBody: boolean;
  readonly #h2: boolean;
  #endpoint: Endpoint | undefined;
  #conn: UpstreamStream | null = null;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(cluster: Cluster, head: OutgoingHead, body: Buffer[] | null, noBody: boolean, h2: boolean) {
    this.#cluster = cluster;
    this.#head = head;
    this.#body = body;
    this.#noBody = noBody;
    this.#h2 = h2;
  }

  start(): void {
    const cl = this.#cluster;
    if (mirrorsInFlight >= MAX_MIRRORS_IN_FLIGHT || cl.activeRequests >= cl.config.circuitBreakers.maxRequests) return;
    const ep = cl.pick(-1, null, 1);
    if (ep === undefined) return;
    mirrorsInFlight++;
    cl.activeRequests++;
    ep.active++;
    this.#endpoint = ep;
    this.#timer = setTimeout(this.#onTimeout, MIRROR_TIMEOUT_MS);
    this.#timer.unref();
    const got = ep.acquire(this, this.#h2);
    if (got === 'overflow') this.#end();
    else if (got !== 'queued') this.onPoolReady(got);
  }

  onPoolReady(conn: UpstreamStream): void {
    if (this.#done) {
      conn.release();
      return;
    }
    this.#conn = conn;
    const body = this.#body;
    const hasBody = body !== null && this.#head.length > 0;
    conn.dispatch(this, this.#head, this.#noBody, !hasBody);
    if (hasBody) {
      for (const b of body) conn.writeBody(b);
      conn.endRequest(null);
    }
  }

  onPoolFailure(): void {
    this.#end();
  }
  onUpstreamInformational(): void {}
  onUpstreamHead(head: MessageHead): void {
    if (this.#endpoint !== undefined) this.#cluster.record(this.#endpoint, head.status);
  }
  onUpstreamBody(): void {}
  onUpstreamTrailers(): void {}
  onUpstreamComplete(): void {
    this.#conn = null;
    this.#end();
  }
  onUpstreamError(): void {
    this.#conn = null;
    this.#end();
  }
  onUpstreamDrain(): void {}
  onUpstreamUpgrade(_h: MessageHead, socket: net.Socket): void {
    socket.destroy();
    this.#end();
  }

  #onTimeout = (): void => {
    this.#conn?.destroy();
    this.#conn = null;
    this.#end();
  };

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#endpoint !== undefined) {
      this.#endpoint.cancel(this);
      this.#endpoint.active--;
    }
    this.#cluster.activeRequests--;
    mirrorsInFlight--;
  }
}

