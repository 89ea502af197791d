// Semantic rules for VirtualService: what the schema cannot say (the CEL
// rules, RE2, durations, header operations, weights, Istio's route/redirect
// combinations) and warnings for valid but suspicious routing.

import {
  type Obj, type RuleContext, at, deepEqual, field, has, isObj, listAt, numAt, objAt, strAt, stringsAt,
} from './context.ts';
import {
  HTTP_METHODS, checkDestination, checkDuration, checkHeaderOperations, checkLabels, checkMatchHeaderName,
  checkPercent, checkRegex, checkStringMatch, describeRule, hostProblem, isDnsLabel, isHeaderName, isHttpMethod,
} from './common.ts';
import { show } from './show.ts';

export function virtualServiceRules(vs: Obj, ctx: RuleContext): void {
  const spec = objAt(vs, 'spec');
  if (spec === undefined) return;
  checkHosts(ctx, spec);
  checkGateways(ctx, spec);
  checkExportTo(ctx, spec);
  const http = listAt(spec, 'http');
  if (http === undefined || http.length === 0) {
    if (spec['http'] === undefined || Array.isArray(spec['http'])) {
      ctx.error('spec.http', 'a VirtualService needs at least one rule under http (Weft routes HTTP only)', { at: 'spec', fields: ['http'] });
    }
    return;
  }
  http.forEach((rule, i) => {
    if (isObj(rule)) checkRule(ctx, rule, at('spec.http', i));
  });
  checkReachability(ctx, http);
  checkRuleNames(ctx, http);
}

// --- spec-level ------------------------------------------------------------------

function checkHosts(ctx: RuleContext, spec: Obj): void {
  const seen = new Map<string, number>();
  for (const [host, i] of stringsAt(spec, 'hosts')) {
    const p = at('spec.hosts', i);
    if (host === '') continue; // the schema says it must not be empty
    if (host === '*') {
      ctx.warn(p, '"*" captures every host the sidecars call, including external ones; name the Services this routing is for');
      continue;
    }
    const why = hostProblem(host, true);
    if (why !== undefined) ctx.error(p, why);
    const before = seen.get(host);
    if (before !== undefined) ctx.error(p, `duplicate host ${show(host)}: already listed at spec.hosts[${before}]`);
    else seen.set(host, i);
  }
}

function checkGateways(ctx: RuleContext, spec: Obj): void {
  for (const [gw, i] of stringsAt(spec, 'gateways')) {
    if (gw !== 'mesh') {
      ctx.warn(at('spec.gateways', i), `Weft programs sidecars only (the "mesh" gateway): gateway ${show(gw)} is ignored and these rules apply to the sidecars; remove gateways or list only "mesh"`);
    }
  }
}

function checkExportTo(ctx: RuleContext, spec: Obj): void {
  const entries = stringsAt(spec, 'exportTo');
  if (entries.length === 0) return;
  const values = entries.map(([v]) => v);
  for (const [ns, i] of entries) {
    const p = at('spec.exportTo', i);
    if (ns === '.' || ns === '*' || ns.length > 63) continue; // too long: the schema says so
    if (ns === '~') {
      ctx.error(p, '"~" (export to no namespace) is not supported for a VirtualService: use "." for this namespace only');
    } else if (ns === '') {
      ctx.error(p, 'must not be empty: use ".", "*" or a namespace name');
    } else if (!isDnsLabel(ns)) {
      const hint = ns.toLowerCase() !== ns && isDnsLabel(ns.toLowerCase()) ? `; namespaces are lower case: ${show(ns.toLowerCase())}` : '';
      ctx.error(p, `${show(ns)} is not a namespace name (use ".", "*" or a namespace such as "shop")${hint}`);
    } else if (ns === ctx.namespace) {
      ctx.warn(p, `this is the VirtualService's own namespace: "." says the same and survives a move to another namespace`);
    }
  }
  if (values.includes('*') && values.length > 1) {
    ctx.error('spec.exportTo', '"*" already exports to every namespace: it cannot be combined with other entries');
  } else if (!values.includes('*') && !values.includes('.') && !values.includes(ctx.namespace)) {
    ctx.warn('spec.exportTo', `does not include this namespace (${ctx.namespace}): workloads in it will not use these rules; add "." if they should`);
  }
}

// --- one rule ----------------------------------------------------------------------

function checkRule(ctx: RuleContext, rule: Obj, p: string): void {
  const route = has(rule, 'route');
  const redirect = has(rule, 'redirect');
  const direct = has(rule, 'directResponse');
  if (route && redirect) ctx.error(p, 'a rule may not have both route and redirect: a redirect answers the client without calling a destination; keep one');
  if (route && direct) ctx.error(p, 'a rule may not have both route and directResponse: a direct response answers the client without calling a destination; keep one');
  if (redirect && direct) ctx.error(p, 'a rule may not have both redirect and directResponse: both answer the client; keep one');
  if (!route && !redirect && !direct) {
    ctx.error(p, 'a rule needs one of route, redirect or directResponse: say where matching requests go', { at: p, fields: ['route', 'redirect', 'directResponse'] });
  }
  if (has(rule, 'mirror') && has(rule, 'mirrors')) ctx.error(p, 'set only one of mirror or mirrors: mirrors is the list form; put every mirror there');

  // Istio's combinations: a redirect never reaches a destination, so nothing can be rewritten or faulted on the way.
  if (redirect && has(rule, 'rewrite')) ctx.error(field(p, 'rewrite'), 'a rule with redirect may not have rewrite: the redirect is answered by the proxy; put the new path or authority in redirect.uri / redirect.authority');
  if (redirect && has(rule, 'fault')) ctx.error(field(p, 'fault'), 'a rule with redirect may not have fault: faults apply to requests forwarded to a destination');
  if (direct && has(rule, 'rewrite')) ctx.error(field(p, 'rewrite'), 'a rule with directResponse may not have rewrite: nothing is forwarded, so there is nothing to rewrite');
  if (!route && (redirect || direct)) {
    const answeredBy = redirect ? 'redirect' : 'directResponse';
    for (const ignored of ['timeout', 'retries', 'mirror', 'mirrors', 'mirrorPercentage'] as const) {
      if (has(rule, ignored)) ctx.warn(field(p, ignored), `is ignored: with ${answeredBy} the proxy answers itself and forwards nothing`);
    }
  }
  if (has(rule, 'mirrorPercentage') && !has(rule, 'mirror')) {
    ctx.error(field(p, 'mirrorPercentage'), has(rule, 'mirrors')
      ? 'mirrorPercentage goes with mirror; with mirrors, set percentage on each entry'
      : 'mirrorPercentage without mirror does nothing: add mirror: {host: ...} or remove it', { at: p, fields: ['mirror'] });
  }

  const matches = listAt(rule, 'match');
  matches?.forEach((m, i) => {
    if (isObj(m)) checkMatch(ctx, m, at(field(p, 'match'), i));
  });
  const routes = listAt(rule, 'route');
  if (routes !== undefined) checkRouteDestinations(ctx, routes, field(p, 'route'));

  const timeoutMs = checkDuration(ctx, rule, 'timeout', p);
  const retries = objAt(rule, 'retries');
  if (retries !== undefined) checkRetries(ctx, retries, field(p, 'retries'), timeoutMs);
  const fault = objAt(rule, 'fault');
  if (fault !== undefined) checkFault(ctx, fault, field(p, 'fault'), timeoutMs);

  checkDestination(ctx, rule['mirror'], field(p, 'mirror'));
  checkPercent(ctx, rule, 'mirrorPercentage', p);
  listAt(rule, 'mirrors')?.forEach((m, i) => {
    if (!isObj(m)) return;
    const mp = at(field(p, 'mirrors'), i);
    checkDestination(ctx, m['destination'], field(mp, 'destination'));
    checkPercent(ctx, m, 'percentage', mp);
  });

  const cors = objAt(rule, 'corsPolicy');
  if (cors !== undefined) checkCors(ctx, cors, field(p, 'corsPolicy'));
  const headers = objAt(rule, 'headers');
  if (headers !== undefined) checkHeaderOperations(ctx, headers, field(p, 'headers'));
  const rewrite = objAt(rule, 'rewrite');
  if (rewrite !== undefined) checkRewrite(ctx, rewrite, field(p, 'rewrite'), rule);
  const redirectObj = objAt(rule, 'redirect');
  if (redirectObj !== undefined) checkRedirect(ctx, redirectObj, field(p, 'redirect'));
  const directObj = objAt(rule, 'directResponse');
  if (directObj !== undefined) checkDirectResponse(ctx, directObj, field(p, 'directResponse'));
}

function checkMatch(ctx: RuleContext, m: Obj, p: string): void {
  checkStringMatch(ctx, m['uri'], field(p, 'uri'), { emptyMeansPresent: false, suggestPrefix: true });
  checkStringMatch(ctx, m['scheme'], field(p, 'scheme'), { emptyMeansPresent: false, suggestPrefix: false });
  checkStringMatch(ctx, m['authority'], field(p, 'authority'), { emptyMeansPresent: false, suggestPrefix: true });
  checkStringMatch(ctx, m['method'], field(p, 'method'), { emptyMeansPresent: false, suggestPrefix: false });
  const method = objAt(m, 'method');
  if (method !== undefined) {
    for (const kind of ['exact', 'prefix'] as const) {
      const value = strAt(method, kind);
      if (value === undefined || value === '') continue;
      const upper = value.toUpperCase();
      const known = kind === 'exact' ? isHttpMethod(value) : HTTP_METHODS.some((x) => x.startsWith(value));
      if (!known) {
        const fix = kind === 'exact' && isHttpMethod(upper) ? `: methods are case-sensitive, write ${show(upper)}` : ` (methods are ${HTTP_METHODS.join(', ')})`;
        ctx.warn(field(field(p, 'method'), kind), `no request has method ${show(value)}${fix}`);
      }
    }
  }
  const uri = objAt(m, 'uri');
  if (m['ignoreUriCase'] === true && uri !== undefined && has(uri, 'regex')) {
    ctx.warn(field(p, 'ignoreUriCase'), 'applies to exact and prefix only; for a regex, start it with (?i)');
  }
  for (const key of ['headers', 'withoutHeaders'] as const) {
    const map = objAt(m, key);
    if (map === undefined) continue;
    for (const [name, sm] of Object.entries(map)) {
      const hp = at(field(p, key), name);
      checkMatchHeaderName(ctx, name, hp);
      checkStringMatch(ctx, sm, hp, { emptyMeansPresent: true, suggestPrefix: false });
    }
  }
  const query = objAt(m, 'queryParams');
  if (query !== undefined) {
    for (const [name, sm] of Object.entries(query)) {
      const qp = at(field(p, 'queryParams'), name);
      if (name === '') ctx.error(qp, 'query parameter name must not be empty');
      checkStringMatch(ctx, sm, qp, { emptyMeansPresent: true, suggestPrefix: false });
    }
  }
  const labels = objAt(m, 'sourceLabels');
  if (labels !== undefined) checkLabels(ctx, labels, field(p, 'sourceLabels'), false);
  const sourceNamespace = strAt(m, 'sourceNamespace');
  if (sourceNamespace !== undefined && !isDnsLabel(sourceNamespace)) {
    ctx.error(field(p, 'sourceNamespace'), `${show(sourceNamespace)} is not a namespace name (lower case letters, digits and -)`);
  }
}

// --- destinations and weights -----------------------------------------------------

const MAX_TOTAL_WEIGHT = 4_294_967_295; // Envoy sums weights in a uint32
const MAX_WEIGHT = 2_147_483_647; // the schema's limit for one weight

function checkRouteDestinations(ctx: RuleContext, routes: readonly unknown[], p: string): void {
  if (routes.length === 0) {
    ctx.error(p, 'must list at least one destination; to answer without a destination, use directResponse or redirect');
    return;
  }
  const entries = routes.map((r, i) => ({ r: isObj(r) ? r : undefined, i }));
  const seen = new Map<string, number>();
  for (const { r, i } of entries) {
    if (r === undefined) continue;
    const dp = at(p, i);
    checkDestination(ctx, r['destination'], field(dp, 'destination'));
    const headers = objAt(r, 'headers');
    if (headers !== undefined) checkHeaderOperations(ctx, headers, field(dp, 'headers'));
    const dest = objAt(r, 'destination');
    if (dest !== undefined && typeof dest['host'] === 'string') {
      const key = JSON.stringify([dest['host'], objAt(dest, 'port')?.['number'] ?? null]);
      const first = seen.get(key);
      if (first !== undefined) ctx.warn(field(dp, 'destination'), `same destination as ${at(p, first)}: their weights add up; list it once`);
      else seen.set(key, i);
    }
  }
  const weights = entries.map(({ r }) => (r === undefined ? undefined : r['weight']));
  // Only a list of well-typed weights says anything about the split; the schema reports the rest.
  if (weights.some((w) => w !== undefined && (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > MAX_WEIGHT))) return;
  const given = weights.filter((w): w is number => typeof w === 'number');
  if (given.length === 0) return; // no weights: equal shares
  const total = given.reduce((a, b) => a + b, 0);
  if (total === 0) {
    ctx.error(p, `all weights are 0: no destination would receive traffic; give at least one destination a positive weight`);
    return;
  }
  if (total > MAX_TOTAL_WEIGHT) {
    ctx.error(p, `weights add up to ${total}, more than Envoy's limit of ${MAX_TOTAL_WEIGHT}; use smaller numbers in the same proportions`);
  }
  if (given.length < weights.length) {
    const missing = weights.findIndex((w) => w === undefined);
    ctx.warn(at(p, missing), 'has no weight while other destinations do: it gets 0% of the traffic; give every destination a weight');
    return;
  }
  const positive = weights.filter((w) => typeof w === 'number' && w > 0).length;
  if (weights.length > 1 && positive === 1) {
    const winner = weights.findIndex((w) => typeof w === 'number' && w > 0);
    const host = objAt(entries[winner]?.r ?? {}, 'destination')?.['host'];
    ctx.warn(p, `all traffic goes to ${at(p, winner)}${typeof host === 'string' ? ` (${host})` : ''}; the others have weight 0 (fine for a canary at 0%, noted in case it is not intended)`);
  }
}

// --- retries, faults, CORS, rewrite, redirect, direct response ----------------------

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies (router filter docs), as Istio accepts them. */
export const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
] as const;

function checkRetries(ctx: RuleContext, retries: Obj, p: string, timeoutMs: number | undefined): void {
  const perTryMs = checkDuration(ctx, retries, 'perTryTimeout', p);
  const attempts = numAt(retries, 'attempts');
  if (attempts === 0) {
    const extra = ['perTryTimeout', 'retryOn', 'retryRemoteLocalities'].filter((k) => has(retries, k));
    if (extra.length > 0) ctx.warn(field(p, 'attempts'), `0 disables retries, so ${extra.join(' and ')} ${extra.length > 1 ? 'are' : 'is'} ignored`);
  }
  if (perTryMs !== undefined && timeoutMs !== undefined && perTryMs >= timeoutMs && attempts !== 0) {
    ctx.warn(field(p, 'perTryTimeout'), `is not shorter than the rule's timeout (${perTryMs}ms >= ${timeoutMs}ms): the first try uses up the whole timeout and no retry can happen`);
  }
  const retryOn = strAt(retries, 'retryOn');
  if (retryOn !== undefined) {
    const parts = retryOn.split(',').map((s) => s.trim());
    const bad: string[] = [];
    for (const part of parts) {
      if (part === '') {
        bad.push('""');
        continue;
      }
      if (/^[0-9]+$/.test(part) && Number(part) >= 100 && Number(part) <= 599) continue;
      if ((RETRY_ON as readonly string[]).includes(part)) continue;
      bad.push(show(part));
    }
    if (bad.length > 0) {
      ctx.error(field(p, 'retryOn'), `${bad.join(', ')} ${bad.length > 1 ? 'are not retry conditions' : 'is not a retry condition'}; use a comma-separated list of ${RETRY_ON.join(', ')}, or HTTP status codes such as 503`);
    }
  }
}

const GRPC_STATUS = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
] as const;

function checkFault(ctx: RuleContext, fault: Obj, p: string, timeoutMs: number | undefined): void {
  const delay = objAt(fault, 'delay');
  const abort = objAt(fault, 'abort');
  if (!has(fault, 'delay') && !has(fault, 'abort')) {
    ctx.error(p, 'a fault needs a delay, an abort or both', { at: p, fields: ['delay', 'abort'] });
  }
  if (delay !== undefined) {
    const dp = field(p, 'delay');
    const delayMs = checkDuration(ctx, delay, 'fixedDelay', dp);
    checkPercent(ctx, delay, 'percentage', dp);
    if (delayMs !== undefined && timeoutMs !== undefined && delayMs >= timeoutMs) {
      ctx.warn(field(dp, 'fixedDelay'), `is not shorter than the rule's timeout (${delayMs}ms >= ${timeoutMs}ms): every delayed request times out`);
    }
  }
  if (abort !== undefined) {
    const ap = field(p, 'abort');
    if (has(abort, 'httpStatus') === has(abort, 'grpcStatus')) {
      ctx.error(ap, has(abort, 'httpStatus')
        ? 'set exactly one of httpStatus or grpcStatus (got both)'
        : 'set exactly one of httpStatus or grpcStatus: the status the aborted requests get', { at: ap, fields: ['httpStatus', 'grpcStatus'] });
    }
    const grpc = strAt(abort, 'grpcStatus');
    if (grpc !== undefined && !(GRPC_STATUS as readonly string[]).includes(grpc)) {
      const upper = grpc.toUpperCase().replace(/[ -]/g, '_');
      const hint = (GRPC_STATUS as readonly string[]).includes(upper) ? `; write ${show(upper)}` : ` (one of ${GRPC_STATUS.join(', ')})`;
      ctx.error(field(ap, 'grpcStatus'), `${show(grpc)} is not a gRPC status name${hint}`);
    }
    const pct = checkPercent(ctx, abort, 'percentage', ap);
    if ((pct === undefined && !has(abort, 'percentage')) || (pct !== undefined && pct >= 100)) {
      const http = numAt(abort, 'httpStatus');
      const status = http !== undefined ? `HTTP ${http}` : grpc !== undefined ? `gRPC ${grpc}` : 'the abort status';
      ctx.warn(ap, `aborts 100% of requests: every request matching this rule fails with ${status}${has(abort, 'percentage') ? '' : ' (no percentage means all of them)'}; set percentage: {value: N} for a partial fault`);
    }
  }
}

function checkCors(ctx: RuleContext, cors: Obj, p: string): void {
  listAt(cors, 'allowOrigins')?.forEach((sm, i) => {
    const op = at(field(p, 'allowOrigins'), i);
    if (isObj(sm) && Object.keys(sm).length === 0) ctx.error(op, 'set one of exact, prefix or regex', { at: op, fields: ['exact', 'prefix', 'regex'] });
    else checkStringMatch(ctx, sm, op, { emptyMeansPresent: false, suggestPrefix: false });
    if (isObj(sm) && sm['exact'] === '*' && cors['allowCredentials'] === true) {
      ctx.warn(op, 'browsers refuse credentials with the wildcard origin "*": list the origins that may send credentials');
    }
  });
  for (const [method, i] of stringsAt(cors, 'allowMethods')) {
    if (!isHttpMethod(method) && method !== '*') {
      const upper = method.toUpperCase();
      ctx.error(at(field(p, 'allowMethods'), i), `${show(method)} is not an HTTP method${isHttpMethod(upper) ? `; methods are case-sensitive: write ${show(upper)}` : ` (use ${HTTP_METHODS.join(', ')})`}`);
    }
  }
  for (const key of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const [name, i] of stringsAt(cors, key)) {
      if (name !== '*' && !isHeaderName(name)) {
        ctx.error(at(field(p, key), i), name === '' ? 'header name must not be empty' : `${show(name)} is not a valid HTTP header name`);
      }
    }
  }
  const maxAge = checkDuration(ctx, cors, 'maxAge', p);
  if (maxAge !== undefined && maxAge % 1000 !== 0) {
    ctx.error(field(p, 'maxAge'), `must be whole seconds: Access-Control-Max-Age counts seconds (got ${show(cors['maxAge'])})`);
  }
}

function checkRewrite(ctx: RuleContext, rewrite: Obj, p: string, rule: Obj): void {
  if (has(rewrite, 'uri') && has(rewrite, 'uriRegexRewrite')) {
    ctx.error(p, 'set only one of uri or uriRegexRewrite: both replace the path');
  }
  if (!has(rewrite, 'uri') && !has(rewrite, 'uriRegexRewrite') && !has(rewrite, 'authority')) {
    ctx.error(p, 'a rewrite needs uri, uriRegexRewrite or authority', { at: p, fields: ['uri', 'uriRegexRewrite', 'authority'] });
  }
  const rr = objAt(rewrite, 'uriRegexRewrite');
  if (rr !== undefined) {
    const rp = field(p, 'uriRegexRewrite');
    const match = strAt(rr, 'match');
    const groups = match === undefined ? undefined : checkRegex(ctx, match, field(rp, 'match'), false);
    const replacement = strAt(rr, 'rewrite');
    if (groups !== undefined && replacement !== undefined) {
      for (const ref of replacement.matchAll(/\\([0-9]+)/g)) {
        const n = Number(ref[1]);
        if (n > groups) {
          ctx.error(field(rp, 'rewrite'), `refers to group \\${n}, but the match has ${groups === 0 ? 'no groups' : `only ${groups} group${groups > 1 ? 's' : ''}`}`);
          break;
        }
      }
    }
  }
  const uri = strAt(rewrite, 'uri');
  if (uri !== undefined && uri !== '' && !uri.startsWith('/')) {
    ctx.warn(field(p, 'uri'), `paths start with "/" (got ${show(uri)}): the matched prefix is replaced by this value as written`);
  }
  const authority = strAt(rewrite, 'authority');
  const headerAuthority = Object.keys(objAt(objAt(objAt(rule, 'headers') ?? {}, 'request') ?? {}, 'set') ?? {})
    .concat(Object.keys(objAt(objAt(objAt(rule, 'headers') ?? {}, 'request') ?? {}, 'add') ?? {}))
    .find((h) => h.toLowerCase() === 'host' || h.toLowerCase() === ':authority');
  if (authority !== undefined && headerAuthority !== undefined) {
    ctx.error(field(p, 'authority'), `the authority is also set by headers.request (${headerAuthority}): set it in one place`);
  }
}

function checkRedirect(ctx: RuleContext, redirect: Obj, p: string): void {
  if (has(redirect, 'port') && has(redirect, 'derivePort')) {
    ctx.error(p, 'set only one of port or derivePort: a fixed port, or one taken from the request');
  }
  if (!['uri', 'authority', 'port', 'derivePort', 'scheme'].some((k) => has(redirect, k))) {
    ctx.error(p, 'a redirect needs at least one of uri, authority, port, derivePort or scheme: say where the client goes', { at: p, fields: ['uri', 'authority', 'port', 'derivePort', 'scheme'] });
  }
  const uri = strAt(redirect, 'uri');
  if (uri !== undefined && uri !== '' && !uri.startsWith('/')) {
    ctx.warn(field(p, 'uri'), `replaces the path and should start with "/" (got ${show(uri)}); to send clients to another host, use authority`);
  }
  const authority = strAt(redirect, 'authority');
  if (authority !== undefined) {
    const [hostPart = '', port] = authority.split(/:(?=[0-9]+$)/);
    const why = hostProblem(hostPart, false);
    if (why !== undefined) ctx.error(field(p, 'authority'), why);
    else if (port !== undefined) ctx.warn(field(p, 'authority'), 'put the port in redirect.port, not in authority');
  }
}

function checkDirectResponse(ctx: RuleContext, direct: Obj, p: string): void {
  const body = objAt(direct, 'body');
  const status = numAt(direct, 'status');
  if (body !== undefined) {
    const bytes = strAt(body, 'bytes');
    if (bytes !== undefined && !/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(bytes.replace(/\s+/g, ''))) {
      ctx.error(field(field(p, 'body'), 'bytes'), 'must be base64 (for text, use body.string)');
    }
    if (status === 204 || status === 304) ctx.warn(field(p, 'body'), `HTTP ${status} responses have no body: this one is dropped`);
  }
}

// --- rule order ------------------------------------------------------------------------

/** Whether a match has no condition at all (or only ones every request meets). */
function matchesEverything(m: Obj): boolean {
  const keys = Object.keys(m).filter((k) => m[k] !== undefined && k !== 'name' && k !== 'ignoreUriCase');
  if (keys.length === 0) return true;
  if (keys.length !== 1 || keys[0] !== 'uri') return false;
  const uri = objAt(m, 'uri');
  return uri !== undefined && (uri['prefix'] === '/' || uri['regex'] === '.*' || uri['regex'] === '/.*');
}

/** Whether every request `b` matches is also matched by `a` (a sound but simple check: prefixes and equal conditions). */
function stringMatchCovers(a: unknown, b: unknown): boolean {
  if (!isObj(a) || !isObj(b)) return deepEqual(a, b);
  const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
  if (keysA.length === 0) return true; // presence: any condition on the same header implies presence
  if (deepEqual(a, b)) return true;
  const prefix = strAt(a, 'prefix');
  if (prefix === undefined) return false;
  const bValue = strAt(b, 'prefix') ?? strAt(b, 'exact');
  return bValue !== undefined && bValue.startsWith(prefix);
}

const MAP_CONDITIONS = new Set(['headers', 'withoutHeaders', 'queryParams', 'sourceLabels']);
const STRING_MATCH_CONDITIONS = new Set(['uri', 'scheme', 'method', 'authority']);

function matchCovers(a: Obj, b: Obj): boolean {
  if ((a['ignoreUriCase'] === true) !== (b['ignoreUriCase'] === true) && has(a, 'uri')) return false;
  for (const key of Object.keys(a)) {
    const av = a[key];
    if (av === undefined || key === 'name' || key === 'ignoreUriCase') continue;
    const bv = b[key];
    if (bv === undefined) return false; // a has a condition b does not: b matches requests a does not
    if (MAP_CONDITIONS.has(key)) {
      if (!isObj(av) || !isObj(bv)) return false;
      for (const [k, v] of Object.entries(av)) {
        if (!(k in bv)) return false;
        if (key === 'sourceLabels' ? !deepEqual(v, bv[k]) : !stringMatchCovers(v, bv[k])) return false;
      }
    } else if (STRING_MATCH_CONDITIONS.has(key)) {
      if (!stringMatchCovers(av, bv)) return false;
    } else if (!deepEqual(av, bv)) {
      return false;
    }
  }
  return true;
}

function checkReachability(ctx: RuleContext, http: readonly unknown[]): void {
  let catchAll: string | undefined;
  const earlier: Array<{ readonly m: Obj; readonly path: string }> = [];
  http.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const p = at('spec.http', i);
    if (catchAll !== undefined) {
      ctx.warn(p, `is never used: ${catchAll} before it matches every request; move catch-all rules to the end`);
      return;
    }
    const matches = listAt(rule, 'match');
    const objs = (matches ?? []).map((m, k) => ({ m: isObj(m) ? m : undefined, path: at(field(p, 'match'), k) }));
    if (matches === undefined || matches.length === 0 || objs.some(({ m }) => m !== undefined && matchesEverything(m))) {
      catchAll = `${describeRule(rule, p)}`;
      return;
    }
    const covered: Array<{ readonly path: string; readonly by: string }> = [];
    for (const { m, path } of objs) {
      if (m === undefined) continue;
      const by = earlier.find((e) => matchCovers(e.m, m));
      if (by !== undefined) covered.push({ path, by: by.path });
    }
    if (covered.length === objs.length && covered.length > 0) {
      ctx.warn(p, `is never used: every request it matches is taken by an earlier rule (${[...new Set(covered.map((c) => c.by))].join(', ')})`);
    } else {
      for (const c of covered) ctx.warn(c.path, `is never used: ${c.by} in an earlier rule already matches these requests`);
    }
    for (const { m, path } of objs) if (m !== undefined) earlier.push({ m, path });
  });
}

function checkRuleNames(ctx: RuleContext, http: readonly unknown[]): void {
  const seen = new Map<string, number>();
  http.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const name = strAt(rule, 'name');
    if (name === undefined || name === '') return;
    const first = seen.get(name);
    if (first !== undefined) ctx.warn(field(at('spec.http', i), 'name'), `${show(name)} is also the name of spec.http[${first}]: metrics and status cannot tell the rules apart`);
    else seen.set(name, i);
  });
}
