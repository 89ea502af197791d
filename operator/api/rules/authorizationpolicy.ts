// Semantic rules for AuthorizationPolicy, following Istio's validation
// (istio.io security/v1 AuthorizationPolicy) plus warnings for policies that
// are valid but cannot do what they look like they do.

import { type Obj, type RuleContext, at, closest, field, has, isObj, listAt, objAt, strAt, stringsAt } from './context.ts';
import { checkIpOrCidr, checkSelector, isDnsLabel, isHttpMethod, portStringProblem } from './common.ts';
import { show } from './show.ts';

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
] as const;
/** Source fields that only an mTLS peer identity can satisfy. */
const IDENTITY_FIELDS = ['principals', 'namespaces'] as const;
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
/** Attributes a TCP connection has (Istio: a DENY rule using only others cannot apply to TCP ports). */
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];

export function authorizationPolicyRules(policy: Obj, ctx: RuleContext): void {
  const spec = objAt(policy, 'spec');
  if (spec === undefined) return;
  const action = strAt(spec, 'action') ?? 'ALLOW';
  checkSelector(ctx, spec);
  const rules = listAt(spec, 'rules');
  if (!has(spec, 'rules')) {
    if (action === 'ALLOW') {
      ctx.warn('spec', 'an ALLOW policy without rules matches nothing, so it denies every request to the selected workloads (Istio\'s deny-all); to allow everything instead, write rules: [{}]');
    } else if (action === 'DENY') {
      ctx.error('spec.rules', 'a DENY policy without rules never applies; to deny every request write rules: [{}]', { at: 'spec', fields: ['rules'] });
    } else if (action === 'AUDIT') {
      ctx.warn('spec', 'an AUDIT policy without rules audits nothing; to audit every request write rules: [{}]');
    }
  } else if (rules !== undefined && rules.length === 0 && action === 'ALLOW') {
    ctx.warn('spec.rules', 'an empty rule list matches nothing, so this ALLOW policy denies every request to the selected workloads; to allow everything, write rules: [{}]');
  }
  rules?.forEach((rule, i) => {
    if (isObj(rule)) checkRule(ctx, rule, at('spec.rules', i), action);
  });
}

function checkRule(ctx: RuleContext, rule: Obj, p: string, action: string): void {
  let fromExists = false;
  let toExists = false;
  let tcpInFrom = false;
  let tcpInTo = false;
  const from = listAt(rule, 'from');
  if (from !== undefined && from.length === 0) ctx.error(field(p, 'from'), 'must not be empty: leave from out to match any source');
  from?.forEach((entry, i) => {
    const ep = at(field(p, 'from'), i);
    if (!isObj(entry)) return;
    const source = objAt(entry, 'source');
    if (source === undefined) {
      if (!has(entry, 'source')) ctx.error(field(ep, 'source'), 'each from entry needs a source', { at: ep, fields: ['source'] });
      return;
    }
    fromExists = true;
    const sp = field(ep, 'source');
    if (!SOURCE_FIELDS.some((k) => (listAt(source, k)?.length ?? 0) > 0)) {
      ctx.error(sp, `must not be empty: set at least one of ${SOURCE_FIELDS.join(', ')} (or leave from out to match any source)`, { at: sp, fields: [...SOURCE_FIELDS] });
    }
    if (TCP_SOURCE_FIELDS.some((k) => has(source, k))) tcpInFrom = true;
    checkSource(ctx, source, sp);
  });
  const to = listAt(rule, 'to');
  if (to !== undefined && to.length === 0) ctx.error(field(p, 'to'), 'must not be empty: leave to out to match any operation');
  to?.forEach((entry, i) => {
    const ep = at(field(p, 'to'), i);
    if (!isObj(entry)) return;
    const operation = objAt(entry, 'operation');
    if (operation === undefined) {
      if (!has(entry, 'operation')) ctx.error(field(ep, 'operation'), 'each to entry needs an operation', { at: ep, fields: ['operation'] });
      return;
    }
    toExists = true;
    const op = field(ep, 'operation');
    if (!OPERATION_FIELDS.some((k) => (listAt(operation, k)?.length ?? 0) > 0)) {
      ctx.error(op, `must not be empty: set at least one of ${OPERATION_FIELDS.join(', ')} (or leave to out to match any operation)`, { at: op, fields: [...OPERATION_FIELDS] });
    }
    if (has(operation, 'ports') || has(operation, 'notPorts')) tcpInTo = true;
    checkOperation(ctx, operation, op);
  });
  listAt(rule, 'when')?.forEach((cond, i) => {
    if (isObj(cond)) checkCondition(ctx, cond, at(field(p, 'when'), i));
  });
  if (ctx.mtlsMode === 'PERMISSIVE') {
    const identity = (from ?? []).flatMap((e, i) => {
      const source = isObj(e) ? objAt(e, 'source') : undefined;
      return source === undefined ? [] : IDENTITY_FIELDS.filter((k) => (listAt(source, k)?.length ?? 0) > 0).map((k) => `${field(at(field(p, 'from'), i), 'source')}.${k}`);
    });
    const keys = (listAt(rule, 'when') ?? []).flatMap((c, i) => (isObj(c) && (c['key'] === 'source.principal' || c['key'] === 'source.namespace') && (listAt(c, 'values')?.length ?? 0) > 0 ? [`${at(field(p, 'when'), i)}`] : []));
    const where = [...identity, ...keys];
    if (where.length > 0 && (action === 'ALLOW' || action === 'DENY')) {
      ctx.warn(p, `${where[0] ?? ''} needs the caller's mTLS identity, but ${ctx.namespace} accepts plaintext (PERMISSIVE): plaintext requests have no identity, so ${action === 'ALLOW' ? 'this rule never allows them' : 'they bypass this DENY rule'}; use STRICT mTLS${action === 'DENY' ? ', or deny notPrincipals: ["*"] to refuse plaintext' : ''}`);
    }
  }
  if (action === 'DENY' && ((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo))) {
    ctx.warn(p, 'uses only HTTP attributes in a DENY rule: on TCP ports, where they cannot be evaluated, this rule denies every connection; add ports to the operation to limit it');
  }
}

// --- values ------------------------------------------------------------------------------

/** Istio's string matching in policies: exact, prefix*, *suffix, or * alone. */
function wildcardProblem(value: string): string | undefined {
  const stars = value.split('*').length - 1;
  if (stars === 0 || value === '*') return undefined;
  if (stars === 1 && (value.startsWith('*') || value.endsWith('*'))) return undefined;
  return `only exact values, prefix*, *suffix and * are supported (got ${show(value)}); a * in the middle is not a wildcard`;
}

function checkValues(ctx: RuleContext, o: Obj, key: string, p: string, each?: (value: string, path: string) => void): void {
  for (const [value, i] of stringsAt(o, key)) {
    const vp = at(field(p, key), i);
    if (value === '') {
      ctx.error(vp, 'must not be empty');
      continue;
    }
    each?.(value, vp);
  }
}

function checkSource(ctx: RuleContext, source: Obj, p: string): void {
  for (const key of ['principals', 'notPrincipals'] as const) {
    checkValues(ctx, source, key, p, (v, vp) => checkPrincipal(ctx, v, vp, 'principal'));
  }
  for (const key of ['requestPrincipals', 'notRequestPrincipals'] as const) {
    checkValues(ctx, source, key, p, (v, vp) => {
      const why = wildcardProblem(v);
      if (why !== undefined) ctx.error(vp, why);
      else if (v !== '*' && !v.includes('/') && !v.includes('*')) {
        ctx.warn(vp, `never matches: request principals are ISSUER/SUBJECT from a validated JWT, e.g. "https://issuer.example.com/user-1" (got ${show(v)})`);
      }
    });
  }
  for (const key of ['namespaces', 'notNamespaces'] as const) {
    checkValues(ctx, source, key, p, (v, vp) => {
      const why = wildcardProblem(v);
      if (why !== undefined) ctx.error(vp, why);
      else if (!v.includes('*') && !isDnsLabel(v)) ctx.warn(vp, `never matches: ${show(v)} is not a namespace name (lower case letters, digits and -)`);
    });
  }
  for (const key of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
    checkValues(ctx, source, key, p, (v, vp) => checkIp(ctx, v, vp));
  }
  for (const [pos, neg] of [['principals', 'notPrincipals'], ['namespaces', 'notNamespaces'], ['ipBlocks', 'notIpBlocks'], ['remoteIpBlocks', 'notRemoteIpBlocks'], ['requestPrincipals', 'notRequestPrincipals']] as const) {
    contradictions(ctx, source, pos, neg, p);
  }
}

function checkPrincipal(ctx: RuleContext, v: string, vp: string, what: string): void {
  const why = wildcardProblem(v);
  if (why !== undefined) {
    ctx.error(vp, why);
  } else if (v.startsWith('spiffe://')) {
    ctx.warn(vp, `never matches: ${what}s are written without spiffe://, e.g. ${show(v.slice('spiffe://'.length))}`);
  } else if (!v.includes('*') && !/^[^/]+\/ns\/[^/]+\/sa\/[^/]+$/.test(v)) {
    ctx.warn(vp, `never matches: ${what}s look like cluster.local/ns/NAMESPACE/sa/SERVICEACCOUNT (got ${show(v)}); they come from mTLS peer certificates`);
  }
}

function checkIp(ctx: RuleContext, v: string, vp: string): void {
  const ip = checkIpOrCidr(v);
  if (!ip.ok) ctx.error(vp, ip.reason);
  else if (ip.hostBitsSet !== undefined) ctx.warn(vp, `${show(v)} has bits set after the prefix: it means ${ip.hostBitsSet}; write that`);
}

function checkOperation(ctx: RuleContext, op: Obj, p: string): void {
  for (const key of ['hosts', 'notHosts'] as const) {
    checkValues(ctx, op, key, p, (v, vp) => {
      const why = wildcardProblem(v);
      if (why !== undefined) ctx.error(vp, why);
    });
  }
  for (const key of ['ports', 'notPorts'] as const) {
    checkValues(ctx, op, key, p, (v, vp) => {
      const why = portStringProblem(v);
      if (why !== undefined) ctx.error(vp, why);
    });
  }
  for (const key of ['methods', 'notMethods'] as const) {
    checkValues(ctx, op, key, p, (v, vp) => {
      const why = wildcardProblem(v);
      if (why !== undefined) ctx.error(vp, why);
      else if (!v.includes('*') && !isHttpMethod(v)) {
        const upper = v.toUpperCase();
        ctx.warn(vp, isHttpMethod(upper)
          ? `never matches: methods are case-sensitive, write ${show(upper)} (got ${show(v)})`
          : `${show(v)} is not a standard HTTP method; gRPC calls are POST (got ${show(v)})`);
      }
    });
  }
  for (const key of ['paths', 'notPaths'] as const) {
    checkValues(ctx, op, key, p, (v, vp) => {
      const why = wildcardProblem(v);
      if (why !== undefined) {
        ctx.error(vp, why);
      } else if (!v.startsWith('/') && !v.startsWith('*')) {
        ctx.warn(vp, `never matches: request paths start with "/" (got ${show(v)})`);
      } else if (v.includes('?')) {
        ctx.warn(vp, 'paths are matched without the query string: this value never matches');
      }
    });
  }
  for (const [pos, neg] of [['hosts', 'notHosts'], ['ports', 'notPorts'], ['methods', 'notMethods'], ['paths', 'notPaths']] as const) {
    contradictions(ctx, op, pos, neg, p);
  }
}

/** The same value both required and excluded: that entry can never match. */
function contradictions(ctx: RuleContext, o: Obj, pos: string, neg: string, p: string): void {
  const excluded = new Set(stringsAt(o, neg).map(([v]) => v));
  for (const [v, i] of stringsAt(o, pos)) {
    if (excluded.has(v)) ctx.warn(at(field(p, pos), i), `never matches: ${show(v)} is also listed in ${neg}`);
  }
}

// --- when ----------------------------------------------------------------------------------

const PLAIN_KEYS = [
  'source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences',
  'request.auth.presenter', 'destination.ip', 'destination.port', 'connection.sni',
] as const;
const KEY_FORMS = [...PLAIN_KEYS, 'request.headers[NAME]', 'request.auth.claims[NAME]'];

type KeyKind = 'ip' | 'port' | 'principal' | 'namespace' | 'header' | 'other';

/** The kind of value a `when` key takes, or why the key is not one Istio (and Weft) knows. */
function parseKey(key: string): { readonly ok: true; readonly kind: KeyKind } | { readonly ok: false; readonly reason: string } {
  if ((PLAIN_KEYS as readonly string[]).includes(key)) {
    if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') return { ok: true, kind: 'ip' };
    if (key === 'destination.port') return { ok: true, kind: 'port' };
    if (key === 'source.principal') return { ok: true, kind: 'principal' };
    if (key === 'source.namespace') return { ok: true, kind: 'namespace' };
    return { ok: true, kind: 'other' };
  }
  if (key.startsWith('request.headers')) {
    if (/^request\.headers\[[^\][]+\]$/.test(key)) return { ok: true, kind: 'header' };
    return { ok: false, reason: `needs one header name in brackets, e.g. request.headers[x-user] (got ${show(key)})` };
  }
  if (key.startsWith('request.auth.claims')) {
    if (/^request\.auth\.claims(\[[^\][]+\])+$/.test(key)) return { ok: true, kind: 'other' };
    return { ok: false, reason: `needs a claim name in brackets, e.g. request.auth.claims[groups] or nested request.auth.claims[a][b] (got ${show(key)})` };
  }
  if (key.startsWith('destination.labels')) return { ok: false, reason: 'destination.labels is not a condition: choose workloads with spec.selector.matchLabels' };
  if (key === 'destination.namespace') return { ok: false, reason: 'destination.namespace is not a condition: a policy applies to its own namespace, so create it there' };
  if (key === 'destination.name' || key === 'destination.user') return { ok: false, reason: `${key} was removed from Istio's AuthorizationPolicy; match the workload with spec.selector` };
  if (key.startsWith('experimental.envoy.filters.')) return { ok: false, reason: 'experimental.envoy.filters.* conditions are not supported by Weft' };
  const base = key.replace(/\[.*$/, '');
  const suggestion = closest(base, [...PLAIN_KEYS, 'request.headers', 'request.auth.claims']);
  const did = suggestion !== undefined ? `did you mean ${show(suggestion === 'request.headers' || suggestion === 'request.auth.claims' ? `${suggestion}[...]` : suggestion)}? ` : '';
  return { ok: false, reason: `unknown condition key ${show(key)}; ${did}(allowed: ${KEY_FORMS.join(', ')})` };
}

function checkCondition(ctx: RuleContext, cond: Obj, p: string): void {
  const key = strAt(cond, 'key');
  if (key === undefined) return; // required: the schema reports it
  const kp = field(p, 'key');
  const parsed = parseKey(key);
  if (!parsed.ok) ctx.error(kp, parsed.reason);
  if ((listAt(cond, 'values')?.length ?? 0) === 0 && (listAt(cond, 'notValues')?.length ?? 0) === 0) {
    ctx.error(p, `set values or notValues: a condition on ${key === '' ? 'a key' : key} needs something to compare with`, { at: p, fields: ['values', 'notValues'] });
  }
  const kind: KeyKind = parsed.ok ? parsed.kind : 'other';
  for (const list of ['values', 'notValues'] as const) {
    checkValues(ctx, cond, list, p, (v, vp) => {
      if (kind === 'ip') checkIp(ctx, v, vp);
      else if (kind === 'port') {
        const why = portStringProblem(v);
        if (why !== undefined) ctx.error(vp, why);
      } else if (kind === 'principal') checkPrincipal(ctx, v, vp, 'principal');
      else if (kind === 'namespace' && !v.includes('*') && !isDnsLabel(v)) ctx.warn(vp, `never matches: ${show(v)} is not a namespace name`);
      else {
        const why = wildcardProblem(v);
        if (why !== undefined) ctx.error(vp, why);
      }
    });
  }
  contradictions(ctx, cond, 'values', 'notValues', p);
}
