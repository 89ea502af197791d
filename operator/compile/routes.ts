// VirtualService HTTP rules → Envoy routes for one Service port, as Istio
// translates them. Rules are tried in order; each match becomes one Envoy
// route (so a rule with three matches is three routes), and a rule without
// matches is one catch-all route. Matches on the caller (sourceLabels,
// sourceNamespace) and on the port are decided here, at compile time: the
// compiler knows which proxy asks and which port the route configuration is
// for, so a match that cannot apply is left out, and a rule all of whose
// matches are left out is dropped rather than widened to a catch-all.

import type { JsonObject, JsonValue } from '../../xds/codec.ts';
import { ExtensionTypeUrl, FilterName } from '../../xds/types.ts';
import type {
  CorsPolicy,
  Destination,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRetry,
  HTTPRoute,
  HeaderOperations,
  Headers,
  StringMatch,
} from '../api/model.ts';
import type { MeshIndex, ServiceEntry, SplitEntry, VsEntry } from './mesh.ts';
import {
  BLACKHOLE_CLUSTER,
  byString,
  durationSeconds,
  envoyDuration,
  labelsMatch,
  outboundCluster,
  resolveHost,
} from './names.ts';
import type { ServicePort } from './snapshot.ts';

/** The caller, for sourceLabels/sourceNamespace. */
export interface Caller {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface CompiledRoutes {
  readonly routes: readonly JsonObject[];
  /** Every cluster the routes name, for the proxy's cluster list. */
  readonly clusters: readonly string[];
}

/** Istio's retry policy when a rule says nothing about retries. */
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_RETRY_ATTEMPTS = 2;

const PREVIOUS_HOSTS = {
  name: FilterName.PreviousHosts,
  typed_config: { '@type': ExtensionTypeUrl.PreviousHostsPredicate },
} as const;

const GRPC_CODES: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** A resolved destination: the cluster, or why there is none. */
export type Resolved =
  | { readonly kind: 'cluster'; readonly cluster: string; readonly service: ServiceEntry; readonly port: number }
  | { readonly kind: 'unresolved'; readonly fqdn: string; readonly reason: string };

/**
 * A destination as written in a resource of `namespace`, for a route served
 * on `routePort`: its host resolved like Istio (short names relative to the
 * resource's namespace), its port the one named, else the Service's only
 * port, else the port of the route configuration when the Service has it.
 */
export function resolveDestination(index: MeshIndex, dest: Destination, namespace: string, routePort: number | undefined): Resolved {
  const fqdn = resolveHost(dest.host, namespace, index.settings);
  const service = index.servicesByFqdn.get(fqdn);
  if (service === undefined) return { kind: 'unresolved', fqdn, reason: `host ${dest.host} (${fqdn}) is not a Service in the registry` };
  const ports = service.service.ports;
  const wanted = dest.port?.number;
  let port: ServicePort | undefined;
  if (wanted !== undefined) port = ports.find((p) => p.port === wanted);
  else if (ports.length === 1) port = ports[0];
  else if (routePort !== undefined) port = ports.find((p) => p.port === routePort);
  if (port === undefined) {
    const reason =
      wanted !== undefined
        ? `Service ${fqdn} has no port ${wanted} (it has ${ports.map((p) => p.port).join(', ') || 'none'})`
        : `Service ${fqdn} has several ports (${ports.map((p) => p.port).join(', ')}); set destination.port.number`;
    return { kind: 'unresolved', fqdn, reason };
  }
  return { kind: 'cluster', cluster: outboundCluster(port.port, fqdn), service, port: port.port };
}

// ---- matches ------------------------------------------------------------------

function stringMatcher(m: StringMatch): JsonObject | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return m.prefix === '' ? undefined : { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

function headerMatcher(name: string, m: StringMatch, invert: boolean): JsonObject {
  const sm = stringMatcher(m);
  return {
    name,
    ...(sm === undefined ? { present_match: true } : { string_match: sm }),
    ...(invert ? { invert_match: true } : {}),
  };
}

const sortedKeys = (o: Readonly<Record<string, unknown>> | undefined): string[] => (o === undefined ? [] : Object.keys(o).sort(byString));

export function routeMatch(m: HTTPMatchRequest | undefined): JsonObject {
  const out: Record<string, JsonValue> = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out['path'] = uri.exact;
  else if (uri?.regex !== undefined) out['safe_regex'] = { regex: uri.regex };
  else out['prefix'] = uri?.prefix !== undefined && uri.prefix !== '' ? uri.prefix : '/';
  if (m?.ignoreUriCase === true) out['case_sensitive'] = false;
  const headers: JsonObject[] = [];
  if (m !== undefined) {
    for (const name of sortedKeys(m.headers)) {
      const sm = m.headers?.[name];
      if (sm !== undefined) headers.push(headerMatcher(name.toLowerCase(), sm, false));
    }
    for (const name of sortedKeys(m.withoutHeaders)) {
      const sm = m.withoutHeaders?.[name];
      if (sm !== undefined) headers.push(headerMatcher(name.toLowerCase(), sm, true));
    }
    if (m.method !== undefined) headers.push(headerMatcher(':method', m.method, false));
    if (m.authority !== undefined) headers.push(headerMatcher(':authority', m.authority, false));
    if (m.scheme !== undefined) headers.push(headerMatcher(':scheme', m.scheme, false));
  }
  if (headers.length > 0) out['headers'] = headers;
  const query: JsonObject[] = [];
  for (const name of sortedKeys(m?.queryParams)) {
    const sm = m?.queryParams?.[name];
    if (sm === undefined) continue;
    const matcher = stringMatcher(sm);
    query.push({ name, ...(matcher === undefined ? { present_match: true } : { string_match: matcher }) });
  }
  if (query.length > 0) out['query_parameters'] = query;
  return out;
}

// ---- header edits -------------------------------------------------------------

interface HeaderEdits {
  request_headers_to_add?: JsonObject[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: JsonObject[];
  response_headers_to_remove?: string[];
}

function headerOptions(ops: HeaderOperations | undefined): { add: JsonObject[]; remove: string[] } {
  const add: JsonObject[] = [];
  // set replaces, add appends; Istio applies set after add for the same name.
  for (const key of sortedKeys(ops?.add)) add.push({ header: { key, value: ops?.add?.[key] ?? '' } });
  for (const key of sortedKeys(ops?.set)) add.push({ header: { key, value: ops?.set?.[key] ?? '' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  return { add, remove: [...(ops?.remove ?? [])] };
}

/** Envoy header edits from one or more Headers blocks, applied in order. */
function headerEdits(...blocks: (Headers | undefined)[]): HeaderEdits {
  const out: HeaderEdits = {};
  for (const h of blocks) {
    if (h === undefined) continue;
    const req = headerOptions(h.request);
    const res = headerOptions(h.response);
    if (req.add.length > 0) out.request_headers_to_add = [...(out.request_headers_to_add ?? []), ...req.add];
    if (req.remove.length > 0) out.request_headers_to_remove = [...(out.request_headers_to_remove ?? []), ...req.remove];
    if (res.add.length > 0) out.response_headers_to_add = [...(out.response_headers_to_add ?? []), ...res.add];
    if (res.remove.length > 0) out.response_headers_to_remove = [...(out.response_headers_to_remove ?? []), ...res.remove];
  }
  return out;
}

// ---- policies -----------------------------------------------------------------

/** A 0–100 percentage as Envoy's FractionalPercent, in millionths as Istio writes it. */
export function fractionalPercent(value: number | undefined): JsonObject {
  const v = value === undefined ? 100 : Math.min(100, Math.max(0, value));
  return { numerator: Math.round(v * 10_000), denominator: 'MILLION' };
}

export function retryPolicy(retries: HTTPRetry | undefined): JsonObject | undefined {
  const attempts = retries?.attempts ?? DEFAULT_RETRY_ATTEMPTS;
  if (attempts === 0) return undefined;
  const conditions: string[] = [];
  const codes: number[] = [];
  const retryOn = retries?.retryOn;
  for (const raw of (retryOn === undefined || retryOn.trim() === '' ? DEFAULT_RETRY_ON : retryOn).split(',')) {
    const c = raw.trim();
    if (c === '') continue;
    if (/^[0-9]+$/.test(c)) codes.push(Number(c));
    else if (!conditions.includes(c)) conditions.push(c);
  }
  if (retryOn === undefined || retryOn.trim() === '') codes.push(503);
  if (codes.length > 0 && !conditions.includes('retriable-status-codes')) conditions.push('retriable-status-codes');
  const perTry = retries?.perTryTimeout !== undefined ? envoyDuration(retries.perTryTimeout) : undefined;
  return {
    retry_on: conditions.join(','),
    num_retries: attempts,
    ...(perTry !== undefined ? { per_try_timeout: perTry } : {}),
    retry_host_predicate: [PREVIOUS_HOSTS],
    host_selection_retry_max_attempts: 5,
    ...(codes.length > 0 ? { retriable_status_codes: [...new Set(codes)].sort((a, b) => a - b) } : {}),
  };
}

export function faultConfig(fault: HTTPFaultInjection): JsonObject | undefined {
  const out: Record<string, JsonValue> = { '@type': ExtensionTypeUrl.Fault };
  const delay = fault.delay;
  if (delay !== undefined) {
    const fixed = envoyDuration(delay.fixedDelay);
    if (fixed !== undefined) out['delay'] = { fixed_delay: fixed, percentage: fractionalPercent(delay.percentage?.value) };
  }
  const abort = fault.abort;
  if (abort !== undefined) {
    if (abort.httpStatus !== undefined) out['abort'] = { http_status: abort.httpStatus, percentage: fractionalPercent(abort.percentage?.value) };
    else if (abort.grpcStatus !== undefined) {
      const code = GRPC_CODES[abort.grpcStatus.toUpperCase()] ?? (/^[0-9]+$/.test(abort.grpcStatus) ? Number(abort.grpcStatus) : undefined);
      if (code !== undefined) out['abort'] = { grpc_status: code, percentage: fractionalPercent(abort.percentage?.value) };
    }
  }
  return 'delay' in out || 'abort' in out ? out : undefined;
}

export function corsConfig(cors: CorsPolicy): JsonObject {
  const out: Record<string, JsonValue> = { '@type': ExtensionTypeUrl.CorsPolicy };
  const origins = (cors.allowOrigins ?? []).map(stringMatcher).filter((m): m is JsonObject => m !== undefined);
  if (origins.length > 0) out['allow_origin_string_match'] = origins;
  if (cors.allowMethods !== undefined && cors.allowMethods.length > 0) out['allow_methods'] = cors.allowMethods.join(',');
  if (cors.allowHeaders !== undefined && cors.allowHeaders.length > 0) out['allow_headers'] = cors.allowHeaders.join(',');
  if (cors.exposeHeaders !== undefined && cors.exposeHeaders.length > 0) out['expose_headers'] = cors.exposeHeaders.join(',');
  if (cors.maxAge !== undefined) {
    const s = durationSeconds(cors.maxAge);
    if (s !== undefined) out['max_age'] = String(s);
  }
  if (cors.allowCredentials !== undefined) out['allow_credentials'] = cors.allowCredentials;
  if (cors.unmatchedPreflights !== undefined) out['forward_not_matching_preflights'] = cors.unmatchedPreflights === 'FORWARD';
  return out;
}

// ---- weights ------------------------------------------------------------------

interface WeightedDest {
  readonly cluster: string;
  readonly weight: number;
  readonly headers: Headers | undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Relative weights reduced by their common divisor and, if they would
 * overflow Envoy's uint32 sum, scaled down keeping every non-zero weight ≥ 1.
 */
export function normalizeWeights(weights: readonly number[]): number[] {
  const g = weights.reduce((acc, w) => gcd(acc, w), 0) || 1;
  let out = weights.map((w) => w / g);
  const total = out.reduce((a, b) => a + b, 0);
  const limit = 1_000_000;
  if (total > 0xffff_ffff || !out.every(Number.isSafeInteger)) {
    out = out.map((w) => (w === 0 ? 0 : Math.max(1, Math.round((w / total) * limit))));
  }
  return out;
}

/**
 * A TrafficSplit's rule: a destination naming the split's root Service is
 * replaced by the split's backends on the same port, each weighted by the
 * destination's weight times the backend's share; the other destinations
 * keep their share of the whole.
 */
export function applySplits(index: MeshIndex, dests: readonly (WeightedDest & { fqdn?: string; port?: number })[]): WeightedDest[] {
  const splitFor = (d: { fqdn?: string }): SplitEntry | undefined => (d.fqdn === undefined ? undefined : index.splitByRoot.get(d.fqdn));
  if (!dests.some((d) => splitFor(d) !== undefined)) return dests.map(({ cluster, weight, headers }) => ({ cluster, weight, headers }));
  const splitTotal = (s: SplitEntry): number => s.backends.reduce((a, b) => a + b.weight, 0);
  // Scale everything by the product of the split totals, so every share stays an integer.
  const totals = new Map<string, number>();
  for (const d of dests) {
    const s = splitFor(d);
    if (s !== undefined) totals.set(s.key, splitTotal(s));
  }
  const scale = [...totals.values()].reduce((a, b) => a * b, 1);
  const out: WeightedDest[] = [];
  for (const d of dests) {
    const split = splitFor(d);
    if (split === undefined || d.port === undefined) {
      out.push({ cluster: d.cluster, weight: d.weight * scale, headers: d.headers });
      continue;
    }
    const rest = scale / splitTotal(split);
    for (const b of split.backends) {
      if (b.weight === 0) continue;
      const ports = b.entry?.service.ports ?? [];
      const bport = ports.find((p) => p.port === d.port) ?? (ports.length === 1 ? ports[0] : undefined);
      const cluster = bport !== undefined ? outboundCluster(bport.port, b.fqdn) : BLACKHOLE_CLUSTER;
      out.push({ cluster, weight: d.weight * b.weight * rest, headers: d.headers });
    }
  }
  return out;
}

// ---- a rule's action ------------------------------------------------------------

interface Context {
  readonly index: MeshIndex;
  readonly vs: VsEntry | undefined;
  readonly target: ServiceEntry;
  readonly port: ServicePort;
  readonly clusters: Set<string>;
}

function routeAction(ctx: Context, rule: HTTPRoute, dests: readonly WeightedDest[]): { action: JsonObject; routeLevel: HeaderEdits } {
  const live = dests.filter((d) => d.weight > 0);
  const action: Record<string, JsonValue> = {};
  let routeLevel: HeaderEdits = headerEdits(rule.headers);
  if (live.length === 0) {
    action['cluster'] = BLACKHOLE_CLUSTER;
    ctx.clusters.add(BLACKHOLE_CLUSTER);
  } else if (live.length === 1 || live.every((d) => d.cluster === live[0]?.cluster && d.headers === live[0]?.headers)) {
    const only = live[0] as WeightedDest;
    action['cluster'] = only.cluster;
    ctx.clusters.add(only.cluster);
    routeLevel = headerEdits(rule.headers, only.headers);
  } else {
    const weights = normalizeWeights(live.map((d) => d.weight));
    action['weighted_clusters'] = {
      clusters: live.map((d, i) => {
        ctx.clusters.add(d.cluster);
        return { name: d.cluster, weight: weights[i] ?? 0, ...headerEdits(d.headers) } as JsonObject;
      }),
    };
  }
  const rw = rule.rewrite;
  if (rw?.uri !== undefined) action['prefix_rewrite'] = rw.uri;
  if (rw?.uriRegexRewrite !== undefined) action['regex_rewrite'] = { pattern: { regex: rw.uriRegexRewrite.match }, substitution: rw.uriRegexRewrite.rewrite };
  if (rw?.authority !== undefined) action['host_rewrite_literal'] = rw.authority;
  const timeout = rule.timeout !== undefined ? envoyDuration(rule.timeout) : undefined;
  action['timeout'] = timeout ?? '0s';
  // A gRPC caller's own deadline (grpc-timeout) is honoured, capped by the
  // rule's timeout, as Istio's routes do; 0s leaves it uncapped. Proxyless
  // gRPC clients take their per-call timeout from this field alone (gRFC A31).
  action['max_stream_duration'] = { grpc_timeout_header_max: timeout ?? '0s' };
  const retry = retryPolicy(rule.retries);
  if (retry !== undefined) action['retry_policy'] = retry;
  const mirrors: JsonObject[] = [];
  const mirrorList = rule.mirror !== undefined ? [{ destination: rule.mirror, percentage: rule.mirrorPercentage }] : (rule.mirrors ?? []);
  for (const m of mirrorList) {
    const r = resolveDestination(ctx.index, m.destination, ctx.vs?.namespace ?? ctx.target.service.namespace, ctx.port.port);
    if (r.kind !== 'cluster') continue; // reported by analyzeMesh; a mirror that goes nowhere is left out
    ctx.clusters.add(r.cluster);
    mirrors.push({ cluster: r.cluster, runtime_fraction: { default_value: fractionalPercent(m.percentage?.value) } });
  }
  if (mirrors.length > 0) action['request_mirror_policies'] = mirrors;
  return { action, routeLevel };
}

function perFilterConfig(rule: HTTPRoute): JsonObject | undefined {
  const out: Record<string, JsonValue> = {};
  // Map keys in sorted order, so encodings are byte-identical.
  if (rule.corsPolicy !== undefined) out[FilterName.Cors] = corsConfig(rule.corsPolicy);
  if (rule.fault !== undefined) {
    const f = faultConfig(rule.fault);
    if (f !== undefined) out[FilterName.Fault] = f;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function ruleDestinations(ctx: Context, rule: HTTPRoute): (WeightedDest & { fqdn?: string; port?: number })[] {
  const routes = rule.route ?? [];
  const anyWeight = routes.some((r) => r.weight !== undefined);
  return routes.map((r) => {
    const weight = anyWeight ? (r.weight ?? 0) : 1;
    const resolved = resolveDestination(ctx.index, r.destination, ctx.vs?.namespace ?? ctx.target.service.namespace, ctx.port.port);
    if (resolved.kind === 'unresolved') return { cluster: BLACKHOLE_CLUSTER, weight, headers: r.headers };
    return { cluster: resolved.cluster, weight, headers: r.headers, fqdn: resolved.service.fqdn, port: resolved.port };
  });
}

function compileRule(ctx: Context, rule: HTTPRoute, match: HTTPMatchRequest | undefined): JsonObject {
  const name = match?.name ?? rule.name;
  const route: Record<string, JsonValue> = {};
  if (name !== undefined && name !== '') route['name'] = match?.name !== undefined && rule.name !== undefined ? `${rule.name}.${match.name}` : name;
  route['match'] = routeMatch(match);
  let edits: HeaderEdits = headerEdits(rule.headers);
  if (rule.redirect !== undefined) {
    const rd = rule.redirect;
    const redirect: Record<string, JsonValue> = {};
    if (rd.scheme !== undefined) redirect['scheme_redirect'] = rd.scheme;
    if (rd.authority !== undefined) redirect['host_redirect'] = rd.authority;
    if (rd.port !== undefined) redirect['port_redirect'] = rd.port;
    else if (rd.derivePort === 'FROM_PROTOCOL_DEFAULT') redirect['port_redirect'] = rd.scheme === 'https' ? 443 : 80;
    if (rd.uri !== undefined) redirect['path_redirect'] = rd.uri;
    const code = rd.redirectCode !== undefined ? REDIRECT_CODES[rd.redirectCode] : undefined;
    if (code !== undefined) redirect['response_code'] = code;
    route['redirect'] = redirect;
  } else if (rule.directResponse !== undefined) {
    const dr = rule.directResponse;
    const body: JsonObject | undefined =
      dr.body?.string !== undefined ? { inline_string: dr.body.string } : dr.body?.bytes !== undefined ? { inline_bytes: dr.body.bytes } : undefined;
    route['direct_response'] = { status: dr.status, ...(body !== undefined ? { body } : {}) };
  } else {
    const { action, routeLevel } = routeAction(ctx, rule, applySplits(ctx.index, ruleDestinations(ctx, rule)));
    route['route'] = action;
    edits = routeLevel;
  }
  const pfc = perFilterConfig(rule);
  if (pfc !== undefined) route['typed_per_filter_config'] = pfc;
  Object.assign(route, edits);
  return route;
}

/** Whether a match applies to this caller on this port. */
function matchApplies(m: HTTPMatchRequest, caller: Caller, port: number): boolean {
  if (m.port !== undefined && m.port !== port) return false;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== caller.namespace) return false;
  if (m.sourceLabels !== undefined && !labelsMatch(m.sourceLabels, caller.labels)) return false;
  return true;
}

/** The routes of one Service port, for one kind of caller. */
export function compileServiceRoutes(index: MeshIndex, vs: VsEntry | undefined, target: ServiceEntry, port: ServicePort, caller: Caller): CompiledRoutes {
  const clusters = new Set<string>();
  const ctx: Context = { index, vs, target, port, clusters };
  const routes: JsonObject[] = [];
  if (vs === undefined) {
    // No VirtualService: everything to the Service itself (through its TrafficSplit, if any).
    const own = applySplits(index, [{ cluster: outboundCluster(port.port, target.fqdn), weight: 1, headers: undefined, fqdn: target.fqdn, port: port.port }]);
    const { action } = routeAction(ctx, {}, own);
    routes.push({ name: 'default', match: { prefix: '/' }, route: action });
  } else {
    for (const rule of vs.vs.spec.http ?? []) {
      const matches = rule.match ?? [];
      if (matches.length === 0) {
        routes.push(compileRule(ctx, rule, undefined));
        continue;
      }
      for (const m of matches) if (matchApplies(m, caller, port.port)) routes.push(compileRule(ctx, rule, m));
    }
  }
  return { routes, clusters: [...clusters].sort(byString) };
}

/** Which of a VirtualService's caller conditions hold for this caller: part of the cache key. */
export function callerVariant(vs: VsEntry | undefined, caller: Caller): string {
  if (vs === undefined || vs.sourceConditions.length === 0) return '';
  let bits = '';
  for (const c of vs.sourceConditions) {
    const ok =
      (c.sourceNamespace === undefined || c.sourceNamespace === caller.namespace) &&
      (c.sourceLabels === undefined || labelsMatch(c.sourceLabels, caller.labels));
    bits += ok ? '1' : '0';
  }
  return bits;
}
