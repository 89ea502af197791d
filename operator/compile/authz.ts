// AuthorizationPolicy → Envoy RBAC filters for one workload's inbound
// listener, with Istio's semantics (pilot/pkg/security/authz: model/model.go,
// model/generator.go, matcher/*.go, builder/builder.go):
//
// - Selection: policies in the workload's namespace and in the root namespace
//   apply when their selector is absent or its matchLabels are a subset of
//   the workload's labels.
// - Filters in Istio's order, one per action present: AUDIT (RBAC action
//   LOG), DENY, ALLOW. No ALLOW policy means no ALLOW filter (allow by
//   default); an ALLOW filter denies whatever none of its policies match.
// - One Envoy policy per rule, keyed `ns[NS]-policy[NAME]-rule[i]`. A policy
//   without rules becomes one policy that never matches (so `spec: {}` denies
//   all); `rules: [{}]` becomes permissions [any] and principals [any].
// - Within a rule: `from` entries are OR'd principals, `to` entries OR'd
//   permissions; each `when` condition is AND'd into every one of them. In an
//   entry each field is an AND of (OR of values) and NOT (OR of notValues).
// - Trust domain: in principals, `cluster.local/...` names the mesh's own
//   trust domain (settings.trustDomain), as Istio's trust domain bundle does.
// - Dry run: the annotation `weft.dev/dry-run: "true"` (Istio's
//   `istio.io/dry-run`) puts the policy into shadow_rules: evaluated and
//   reported, never enforced.
//
// Where we differ from Istio, on purpose (each only tightens a matcher to what
// Istio documents):
// - Namespaces: Istio's regex `.*/ns/NS/.*` lets `.*` cross `/`, so
//   `namespaces: ["*a"]` matches every identity (through the literal `sa/`)
//   and `namespaces: ["sa"]` matches a peer in namespace `ns`. We anchor it
//   to the namespace segment of the SPIFFE ID: `spiffe://[^/]+/ns/NS/.*`.
// - Principals `*suffix`: Istio splices the suffix into a regex unescaped;
//   we escape it so the suffix is literal.
//
// The request.auth.* matchers read dynamic metadata that the JWT filter sets
// under `istio_authn`; the keys and shapes are the contract documented in
// proxy/http/rbac/authn-metadata.ts.
//
// The function is pure and its output deterministic: policies sorted by
// namespace and name, Envoy policy maps built in key order.

import { isIP } from 'node:net';
import type {
  AuthorizationPolicy,
  AuthorizationCondition,
  Operation,
  ResourceRef,
  Rule,
  Source,
} from '../api/model.ts';
import type { MeshSettings } from './snapshot.ts';

// ---- Envoy config_dump shapes (snake_case proto field names) ---------------------------

export type StringMatcherJson =
  | { readonly exact: string; readonly ignore_case?: true }
  | { readonly prefix: string; readonly ignore_case?: true }
  | { readonly suffix: string; readonly ignore_case?: true }
  | { readonly safe_regex: { readonly regex: string } };

export interface CidrRangeJson {
  readonly address_prefix: string;
  readonly prefix_len: number;
}

export type HeaderMatcherJson =
  | { readonly name: string; readonly present_match: true }
  | { readonly name: string; readonly string_match: StringMatcherJson };

export type ValueMatcherJson =
  | { readonly string_match: StringMatcherJson }
  | { readonly list_match: { readonly one_of: ValueMatcherJson } }
  | { readonly or_match: { readonly value_matchers: readonly ValueMatcherJson[] } };

export interface MetadataMatcherJson {
  readonly filter: string;
  readonly path: readonly { readonly key: string }[];
  readonly value: ValueMatcherJson;
}

export type PermissionJson =
  | { readonly and_rules: { readonly rules: readonly PermissionJson[] } }
  | { readonly or_rules: { readonly rules: readonly PermissionJson[] } }
  | { readonly not_rule: PermissionJson }
  | { readonly any: true }
  | { readonly header: HeaderMatcherJson }
  | { readonly url_path: { readonly path: StringMatcherJson } }
  | { readonly destination_ip: CidrRangeJson }
  | { readonly destination_port: number }
  | { readonly requested_server_name: StringMatcherJson };

export type PrincipalJson =
  | { readonly and_ids: { readonly ids: readonly PrincipalJson[] } }
  | { readonly or_ids: { readonly ids: readonly PrincipalJson[] } }
  | { readonly not_id: PrincipalJson }
  | { readonly any: true }
  | { readonly authenticated: { readonly principal_name: StringMatcherJson } }
  | { readonly direct_remote_ip: CidrRangeJson }
  | { readonly remote_ip: CidrRangeJson }
  | { readonly header: HeaderMatcherJson }
  | { readonly metadata: MetadataMatcherJson };

export interface RbacPolicyJson {
  readonly permissions: readonly PermissionJson[];
  readonly principals: readonly PrincipalJson[];
}

export type RbacActionJson = 'ALLOW' | 'DENY' | 'LOG';

export interface RbacRulesJson {
  readonly action: RbacActionJson;
  readonly policies: Readonly<Record<string, RbacPolicyJson>>;
}

export const RBAC_HTTP_FILTER = 'envoy.filters.http.rbac';
export const RBAC_HTTP_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const RBAC_NETWORK_FILTER = 'envoy.filters.network.rbac';
export const RBAC_NETWORK_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

export interface RbacHttpFilterJson {
  readonly name: typeof RBAC_HTTP_FILTER;
  readonly typed_config: {
    readonly '@type': typeof RBAC_HTTP_TYPE;
    readonly rules?: RbacRulesJson;
    readonly shadow_rules?: RbacRulesJson;
    readonly shadow_rules_stat_prefix?: string;
  };
}

export interface RbacNetworkFilterJson {
  readonly name: typeof RBAC_NETWORK_FILTER;
  readonly typed_config: {
    readonly '@type': typeof RBAC_NETWORK_TYPE;
    readonly stat_prefix: string;
    readonly rules?: RbacRulesJson;
    readonly shadow_rules?: RbacRulesJson;
    readonly shadow_rules_stat_prefix?: string;
  };
}

/** The HTTP filter type the compiler's HTTP connection managers carry. */
export type EnvoyHttpFilter = RbacHttpFilterJson;

export interface AuthzWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AuthzResult {
  /** For each inbound HTTP connection manager, before the router, in this order. */
  readonly httpFilters: readonly RbacHttpFilterJson[];
  /**
   * For each inbound TCP (non-HTTP) filter chain, before tcp_proxy. HTTP-only
   * fields cannot be checked there: an ALLOW rule that uses one is dropped
   * (it allows less), a DENY or AUDIT rule loses that field (it matches more),
   * as Istio does.
   */
  readonly networkFilters: readonly RbacNetworkFilterJson[];
  /** Every policy that applies to the workload, for status and `weft compile`. */
  readonly applied: readonly ResourceRef[];
}

/** Annotation that makes a policy dry-run (shadow rules), like Istio's istio.io/dry-run. */
export const DRY_RUN_ANNOTATION = 'weft.dev/dry-run';

/** Filter namespace and keys of the JWT filter's dynamic metadata (proxy/http/rbac/authn-metadata.ts). */
export const ISTIO_AUTHN_FILTER = 'istio_authn';
const AUTHN_PRINCIPAL = 'request.auth.principal';
const AUTHN_AUDIENCES = 'request.auth.audiences';
const AUTHN_PRESENTER = 'request.auth.presenter';
const AUTHN_CLAIMS = 'request.auth.claims';

const SPIFFE_PREFIX = 'spiffe://';

// ---- selection ----------------------------------------------------------------------------

/** Policies in a stable order: namespace, then name. */
export const byNamespaceAndName = (a: { readonly metadata: { readonly namespace?: string | undefined; readonly name: string } }, b: typeof a): number => {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
};

/** What a workload-selecting policy (AuthorizationPolicy, RequestAuthentication) is matched by. */
export interface SelectingPolicy {
  readonly metadata: { readonly namespace?: string | undefined };
  readonly spec: { readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> | undefined } | undefined };
}

/**
 * Whether a policy applies to the workload: in its namespace or the root
 * namespace (mesh-wide), and its selector's labels all on the workload. A
 * policy without metadata.namespace applies nowhere (the validator
 * guarantees one).
 */
export function policyApplies(policy: SelectingPolicy, workload: AuthzWorkload, rootNamespace: string): boolean {
  const ns = policy.metadata.namespace;
  if (ns === undefined) return false;
  if (ns !== workload.namespace && ns !== rootNamespace) return false;
  const match = policy.spec.selector?.matchLabels;
  if (match === undefined) return true;
  for (const [k, v] of Object.entries(match)) {
    if (!Object.hasOwn(workload.labels, k) || workload.labels[k] !== v) return false;
  }
  return true;
}

// ---- value → matcher (Istio's matcher package) ----------------------------------------

/** RE2 escaping of a literal. */
const quoteRegex = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

const regex = (r: string): StringMatcherJson => ({ safe_regex: { regex: r } });

/** Istio's StringMatcherWithPrefix: `*` = non-empty, `*x` = suffix, `x*` = prefix, else exact. */
function stringMatcher(v: string, prefix = ''): StringMatcherJson {
  if (v === '*') return regex('.+');
  if (v.startsWith('*')) return prefix === '' ? { suffix: v.slice(1) } : regex(quoteRegex(prefix) + '.*' + quoteRegex(v.slice(1)));
  if (v.endsWith('*')) return { prefix: prefix + v.slice(0, -1) };
  return { exact: prefix + v };
}

/** Istio's HeaderMatcher: `*` = header present. */
function headerMatcher(name: string, v: string): HeaderMatcherJson {
  if (v === '*') return { name, present_match: true };
  return { name, string_match: stringMatcher(v) };
}

/** Istio's HostMatcher: like a header, compared case-insensitively (RFC 4343). */
function hostMatcher(v: string): HeaderMatcherJson {
  const name = ':authority';
  if (v === '*') return { name, present_match: true };
  if (v.startsWith('*')) return { name, string_match: { suffix: v.slice(1), ignore_case: true } };
  if (v.endsWith('*')) return { name, string_match: { prefix: v.slice(0, -1), ignore_case: true } };
  return { name, string_match: { exact: v, ignore_case: true } };
}

/** The namespace segment of the peer's SPIFFE ID, as a glob: `*` stays within the segment. */
function namespaceMatcher(v: string): StringMatcherJson {
  const segment = v === '*' ? '[^/]+' : v.split('*').map(quoteRegex).join('[^/]*');
  return regex(`spiffe://[^/]+/ns/${segment}/.*`);
}

/** A claim (or audience) may be a string or a list of strings: match either, as Istio does. */
function listOrStringMatcher(m: StringMatcherJson): ValueMatcherJson {
  return { or_match: { value_matchers: [{ list_match: { one_of: { string_match: m } } }, { string_match: m }] } };
}

const metadata = (path: readonly string[], value: ValueMatcherJson): PrincipalJson => ({
  metadata: { filter: ISTIO_AUTHN_FILTER, path: path.map((key) => ({ key })), value },
});

/** Istio's AddrStrToCidrRange: a bare address is /32 or /128. Undefined when invalid. */
function cidr(v: string): CidrRangeJson | undefined {
  const slash = v.indexOf('/');
  const address = slash < 0 ? v : v.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (slash < 0) return { address_prefix: address, prefix_len: max };
  const lenText = v.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  return len <= max ? { address_prefix: address, prefix_len: len } : undefined;
}

/** Istio's convertToPort. */
function port(v: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 65535 ? n : undefined;
}

/** `[a][b]` → ['a', 'b'] (Istio's extractNameInNestedBrackets); undefined when malformed. */
function bracketNames(s: string): string[] | undefined {
  const m = /^(\[[^[\]]+\])+$/.exec(s);
  if (m === null) return undefined;
  return [...s.matchAll(/\[([^[\]]+)\]/g)].map((x) => x[1] as string);
}

// ---- attributes ----------------------------------------------------------------------------

type Side = 'principal' | 'permission';

/** One attribute: which side of the Envoy policy it lands on, whether it needs HTTP, and how a value becomes a matcher. */
type Attribute =
  | { readonly side: 'principal'; readonly httpOnly: boolean; readonly make: (v: string) => PrincipalJson | undefined }
  | { readonly side: 'permission'; readonly httpOnly: boolean; readonly make: (v: string) => PermissionJson | undefined };

const principalAttr = (httpOnly: boolean, make: (v: string) => PrincipalJson | undefined): Attribute => ({ side: 'principal', httpOnly, make });
const permissionAttr = (httpOnly: boolean, make: (v: string) => PermissionJson | undefined): Attribute => ({
  side: 'permission',
  httpOnly,
  make,
});

const SOURCE_IP = principalAttr(false, (v) => {
  const c = cidr(v);
  return c && { direct_remote_ip: c };
});
const REMOTE_IP = principalAttr(false, (v) => {
  const c = cidr(v);
  return c && { remote_ip: c };
});
const SOURCE_NAMESPACE = principalAttr(false, (v) => ({ authenticated: { principal_name: namespaceMatcher(v) } }));
const SOURCE_PRINCIPAL = principalAttr(false, (v) => ({ authenticated: { principal_name: stringMatcher(v, SPIFFE_PREFIX) } }));
const REQUEST_PRINCIPAL = principalAttr(true, (v) => metadata([AUTHN_PRINCIPAL], { string_match: stringMatcher(v) }));
const REQUEST_AUDIENCES = principalAttr(true, (v) => metadata([AUTHN_AUDIENCES], listOrStringMatcher(stringMatcher(v))));
const REQUEST_PRESENTER = principalAttr(true, (v) => metadata([AUTHN_PRESENTER], { string_match: stringMatcher(v) }));
const DESTINATION_IP = permissionAttr(false, (v) => {
  const c = cidr(v);
  return c && { destination_ip: c };
});
const DESTINATION_PORT = permissionAttr(false, (v) => {
  const p = port(v);
  return p === undefined ? undefined : { destination_port: p };
});
const SNI = permissionAttr(false, (v) => ({ requested_server_name: stringMatcher(v) }));
const HOST = permissionAttr(true, (v) => ({ header: hostMatcher(v) }));
const METHOD = permissionAttr(true, (v) => ({ header: headerMatcher(':method', v) }));
const PATH = permissionAttr(true, (v) => ({ url_path: { path: stringMatcher(v) } }));

/** The attribute a `when` key names, or undefined for an unknown key. */
function conditionAttribute(key: string): Attribute | undefined {
  switch (key) {
    case 'source.ip':
      return SOURCE_IP;
    case 'remote.ip':
      return REMOTE_IP;
    case 'source.namespace':
      return SOURCE_NAMESPACE;
    case 'source.principal':
      return SOURCE_PRINCIPAL;
    case 'request.auth.principal':
      return REQUEST_PRINCIPAL;
    case 'request.auth.audiences':
      return REQUEST_AUDIENCES;
    case 'request.auth.presenter':
      return REQUEST_PRESENTER;
    case 'destination.ip':
      return DESTINATION_IP;
    case 'destination.port':
      return DESTINATION_PORT;
    case 'connection.sni':
      return SNI;
  }
  if (key.startsWith('request.headers')) {
    const names = bracketNames(key.slice('request.headers'.length));
    if (names === undefined || names.length !== 1) return undefined;
    const name = names[0] as string;
    return principalAttr(true, (v) => ({ header: headerMatcher(name, v) }));
  }
  if (key.startsWith('request.auth.claims')) {
    const names = bracketNames(key.slice('request.auth.claims'.length));
    if (names === undefined) return undefined;
    return principalAttr(true, (v) => metadata([AUTHN_CLAIMS, ...names], listOrStringMatcher(stringMatcher(v))));
  }
  return undefined;
}

// ---- rule → Envoy policy (Istio's model.New and Generate) ----------------------------------

interface Constraint {
  readonly attribute: Attribute | undefined;
  readonly values: readonly string[];
  readonly notValues: readonly string[];
}

type Enforcement = 'ALLOW' | 'DENY' | 'AUDIT';

/** A value that cannot be checked: ALLOW drops the rule; DENY and AUDIT drop the value (Istio's checkError). */
class Unusable extends Error {}

function constraint(attribute: Attribute | undefined, values: readonly string[] | undefined, notValues: readonly string[] | undefined): Constraint | undefined {
  if ((values === undefined || values.length === 0) && (notValues === undefined || notValues.length === 0)) return undefined;
  return { attribute, values: values ?? [], notValues: notValues ?? [] };
}

/** The matchers of one constraint: [OR(values)] and [NOT(OR(notValues))], each only when non-empty. */
function constraintMatchers<T>(
  c: Constraint,
  side: Side,
  action: Enforcement,
  forTcp: boolean,
  or: (items: T[]) => T,
  not: (item: T) => T,
): T[] {
  const make = (v: string): T | undefined => {
    const a = c.attribute;
    const made = a === undefined || a.side !== side || (forTcp && a.httpOnly) ? undefined : (a.make(v) as T | undefined);
    if (made === undefined && action === 'ALLOW') throw new Unusable();
    return made;
  };
  const out: T[] = [];
  const yes = c.values.map(make).filter((m): m is T => m !== undefined);
  if (yes.length > 0) out.push(or(yes));
  const no = c.notValues.map(make).filter((m): m is T => m !== undefined);
  if (no.length > 0) out.push(not(or(no)));
  return out;
}

const permissionOr = (rules: PermissionJson[]): PermissionJson => ({ or_rules: { rules } });
const permissionNot = (rule: PermissionJson): PermissionJson => ({ not_rule: rule });
const principalOr = (ids: PrincipalJson[]): PrincipalJson => ({ or_ids: { ids } });
const principalNot = (id: PrincipalJson): PrincipalJson => ({ not_id: id });

/**
 * Istio's trust domain handling (trustdomain.Bundle.ReplaceTrustDomainAliases):
 * in a policy, `cluster.local` names the mesh's own trust domain, so
 * `cluster.local/ns/a/sa/b` matches `spiffe://<trustDomain>/ns/a/sa/b`.
 * Principals that start with `*` do not pin a trust domain and stay as written.
 */
function localPrincipals(values: readonly string[] | undefined, trustDomain: string): readonly string[] | undefined {
  return values?.map((v) => {
    if (v.startsWith('*')) return v;
    const slash = v.indexOf('/');
    if (slash < 0) return v;
    const td = v.slice(0, slash);
    return td === DEFAULT_TRUST_DOMAIN || td === trustDomain ? trustDomain + v.slice(slash) : v;
  });
}

const DEFAULT_TRUST_DOMAIN = 'cluster.local';

function sourceConstraints(s: Source | undefined, trustDomain: string): Constraint[] {
  if (s === undefined) return [];
  // Istio's field order (model.New inserts each at the front).
  return [
    constraint(SOURCE_PRINCIPAL, localPrincipals(s.principals, trustDomain), localPrincipals(s.notPrincipals, trustDomain)),
    constraint(REQUEST_PRINCIPAL, s.requestPrincipals, s.notRequestPrincipals),
    constraint(SOURCE_NAMESPACE, s.namespaces, s.notNamespaces),
    constraint(REMOTE_IP, s.remoteIpBlocks, s.notRemoteIpBlocks),
    constraint(SOURCE_IP, s.ipBlocks, s.notIpBlocks),
  ].filter((c): c is Constraint => c !== undefined);
}

function operationConstraints(o: Operation | undefined): Constraint[] {
  if (o === undefined) return [];
  return [
    constraint(HOST, o.hosts, o.notHosts),
    constraint(METHOD, o.methods, o.notMethods),
    constraint(PATH, o.paths, o.notPaths),
    constraint(DESTINATION_PORT, o.ports, o.notPorts),
  ].filter((c): c is Constraint => c !== undefined);
}

/** Splits `when` into principal-side and permission-side constraints, as Istio does. */
function conditionConstraints(
  when: readonly AuthorizationCondition[] | undefined,
  trustDomain: string,
): { principal: Constraint[]; permission: Constraint[]; unknown: Constraint[] } {
  const principal: Constraint[] = [];
  const permission: Constraint[] = [];
  const unknown: Constraint[] = [];
  for (const w of when ?? []) {
    const attribute = conditionAttribute(w.key);
    const c =
      attribute === SOURCE_PRINCIPAL
        ? constraint(attribute, localPrincipals(w.values, trustDomain), localPrincipals(w.notValues, trustDomain))
        : constraint(attribute, w.values, w.notValues);
    if (c === undefined) continue;
    if (attribute === undefined) unknown.push(c);
    else if (attribute.side === 'principal') principal.push(c);
    else permission.push(c);
  }
  return { principal, permission, unknown };
}

/** One rule as an Envoy policy, or undefined when an ALLOW rule cannot be checked here. */
function rulePolicy(rule: Rule, action: Enforcement, forTcp: boolean, trustDomain: string): RbacPolicyJson | undefined {
  const when = conditionConstraints(rule.when, trustDomain);
  // An unknown condition key (the validator rejects these) makes an ALLOW rule match nothing
  // and is left out of a DENY or AUDIT rule: failing closed either way.
  if (when.unknown.length > 0 && action === 'ALLOW') return undefined;
  try {
    const froms = rule.from === undefined || rule.from.length === 0 ? [undefined] : rule.from.map((f) => f.source ?? ({} as Source));
    const principals = froms.map((source): PrincipalJson => {
      const ids = [...sourceConstraints(source, trustDomain), ...when.principal].flatMap((c) =>
        constraintMatchers<PrincipalJson>(c, 'principal', action, forTcp, principalOr, principalNot),
      );
      return { and_ids: { ids: ids.length > 0 ? ids : [{ any: true }] } };
    });
    const tos = rule.to === undefined || rule.to.length === 0 ? [undefined] : rule.to.map((t) => t.operation ?? ({} as Operation));
    const permissions = tos.map((operation): PermissionJson => {
      const rules = [...operationConstraints(operation), ...when.permission].flatMap((c) =>
        constraintMatchers<PermissionJson>(c, 'permission', action, forTcp, permissionOr, permissionNot),
      );
      return { and_rules: { rules: rules.length > 0 ? rules : [{ any: true }] } };
    });
    return { permissions, principals };
  } catch (e) {
    if (e instanceof Unusable) return undefined;
    throw e;
  }
}

/** Istio's rbacPolicyMatchNever, for a policy with no rules. */
const MATCH_NEVER: RbacPolicyJson = {
  permissions: [{ not_rule: { any: true } }],
  principals: [{ not_id: { any: true } }],
};

export const policyKey = (namespace: string, name: string, rule: number): string => `ns[${namespace}]-policy[${name}]-rule[${rule}]`;

const isDryRun = (p: AuthorizationPolicy): boolean => p.metadata.annotations?.[DRY_RUN_ANNOTATION]?.toLowerCase() === 'true';

interface BuiltRules {
  readonly rules?: RbacRulesJson;
  readonly shadow_rules?: RbacRulesJson;
  readonly shadow_rules_stat_prefix?: string;
}

/** The rules of one filter (one action), or undefined when no policy has that action. */
function buildRules(policies: readonly AuthorizationPolicy[], action: Enforcement, forTcp: boolean, trustDomain: string): BuiltRules | undefined {
  if (policies.length === 0) return undefined;
  const envoyAction: RbacActionJson = action === 'AUDIT' ? 'LOG' : action;
  const enforced: [string, RbacPolicyJson][] = [];
  const shadow: [string, RbacPolicyJson][] = [];
  let hasEnforced = false;
  let hasShadow = false;
  for (const p of policies) {
    const ns = p.metadata.namespace ?? '';
    const target = isDryRun(p) ? shadow : enforced;
    if (isDryRun(p)) hasShadow = true;
    else hasEnforced = true;
    const rules = p.spec.rules ?? [];
    if (rules.length === 0) {
      target.push([policyKey(ns, p.metadata.name, 0), MATCH_NEVER]);
      continue;
    }
    rules.forEach((rule, i) => {
      const built = rulePolicy(rule, action, forTcp, trustDomain);
      if (built !== undefined) target.push([policyKey(ns, p.metadata.name, i), built]);
    });
  }
  const sorted = (entries: [string, RbacPolicyJson][]): Record<string, RbacPolicyJson> =>
    Object.fromEntries(entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const out: { rules?: RbacRulesJson; shadow_rules?: RbacRulesJson; shadow_rules_stat_prefix?: string } = {};
  if (hasEnforced) out.rules = { action: envoyAction, policies: sorted(enforced) };
  if (hasShadow) {
    out.shadow_rules = { action: envoyAction, policies: sorted(shadow) };
    // Istio's stat prefixes for dry-run results; AUDIT has none.
    if (action !== 'AUDIT') out.shadow_rules_stat_prefix = action === 'ALLOW' ? 'istio_dry_run_allow_' : 'istio_dry_run_deny_';
  }
  return out;
}

const ACTION_ORDER: readonly Enforcement[] = ['AUDIT', 'DENY', 'ALLOW'];

/**
 * The RBAC filters for one workload's inbound listener. Pure: the same
 * inputs give the same, deterministically ordered output.
 */
export function compileAuthz(
  policies: readonly AuthorizationPolicy[],
  workload: AuthzWorkload,
  settings: Pick<MeshSettings, 'rootNamespace' | 'trustDomain'>,
): AuthzResult {
  const applicable = policies.filter((p) => policyApplies(p, workload, settings.rootNamespace)).sort(byNamespaceAndName);
  const byAction = (a: Enforcement): AuthorizationPolicy[] => applicable.filter((p) => (p.spec.action ?? 'ALLOW') === a);

  const httpFilters: RbacHttpFilterJson[] = [];
  const networkFilters: RbacNetworkFilterJson[] = [];
  for (const action of ACTION_ORDER) {
    const selected = byAction(action);
    const http = buildRules(selected, action, false, settings.trustDomain);
    if (http !== undefined) httpFilters.push({ name: RBAC_HTTP_FILTER, typed_config: { '@type': RBAC_HTTP_TYPE, ...http } });
    const tcp = buildRules(selected, action, true, settings.trustDomain);
    if (tcp !== undefined) {
      networkFilters.push({ name: RBAC_NETWORK_FILTER, typed_config: { '@type': RBAC_NETWORK_TYPE, stat_prefix: 'tcp.', ...tcp } });
    }
  }
  const applied: ResourceRef[] = applicable.map((p) => ({
    group: 'weft.dev',
    kind: 'AuthorizationPolicy',
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name,
    ...(p.metadata.generation === undefined ? {} : { generation: p.metadata.generation }),
  }));
  return { httpFilters, networkFilters, applied };
}
