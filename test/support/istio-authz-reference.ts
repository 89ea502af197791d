// A direct reading of Istio's AuthorizationPolicy semantics, working on the
// policies themselves (no Envoy config), to check operator/compile/authz.ts +
// proxy/http/rbac against. It is meant to be obviously right, not fast.
//
// Sources (istio.io reference "Authorization Policy", security bulletin
// ISTIO-SECURITY-2021-004, and istio/istio pilot/pkg/security/authz):
// - Evaluation: a matching DENY policy denies; with no ALLOW policy the
//   request is allowed; with ALLOW policies it is allowed only if one
//   matches. AUDIT never changes the decision. (reference docs, "evaluated
//   first", and builder.go's AUDIT/DENY/ALLOW filters.)
// - Selection: policies in the workload's namespace and in the root
//   namespace, whose selector is absent or a subset of the workload labels
//   (model/authorization.go ListAuthorizationPolicies).
// - A policy without rules matches nothing (builder.go rbacPolicyMatchNever),
//   so `spec: {}` (an ALLOW policy) denies everything; an empty rule `{}`
//   matches everything.
// - Rule: any `from` AND any `to` AND every `when`; absent from/to match
//   anything. Within a source or operation every field that is set must hold;
//   a field holds when one of its values matches and none of its notValues
//   does (model.go: insertFront/appendLast, permission()/principal()).
// - Absent attributes: a field on an attribute the request does not have
//   (no peer principal on plaintext, no JWT, no SNI, no Host) never matches
//   its values, so its notValues always hold: a plaintext request satisfies
//   `notPrincipals` and `notNamespaces` (ISTIO-SECURITY-2021-004: "These
//   mTLS-only fields will never match when the traffic is plain text ... The
//   mTLS-only field notNamespaces will be compared to an empty value").
// - Values (matcher/string.go StringMatcherWithPrefix): `*` matches any
//   non-empty value, `*x` a suffix, `x*` a prefix, anything else exactly.
//   For header-based attributes (request.headers, methods, hosts) `*` means
//   "the header is present" (matcher/header.go: present_match).
// - hosts compare case-insensitively (GHSA-7774-7vr3-cc8j) and literally: the
//   port is part of the value, so `example.com` does not match
//   `example.com:8080`; write `example.com:*` for that (Istio's 1.9 security
//   update, "exact match ... only matches the exact string").
// - paths compare against the path without query string or fragment (Envoy's
//   url_path, which Istio's path matcher uses).
// - namespaces compare against the namespace of the peer's SPIFFE identity
//   `<td>/ns/<ns>/sa/<sa>`, `*` standing for any characters within it.
// - request.auth.principal is `<iss>/<sub>`; audiences and claims match when
//   the claim is a string that matches or a list with a string element that
//   matches (generator.go, MetadataListValueMatcherForJWTClaims).
// - A `when` condition with neither values nor notValues constrains nothing
//   (model.go appendLast).
// - TCP (a non-HTTP port) has no HTTP attributes: an ALLOW rule that uses an
//   HTTP-only field (requestPrincipals, hosts, methods, paths, request.*
//   conditions) is ignored, so it allows nothing; a DENY or AUDIT rule is
//   applied without those fields, so it matches more (reference docs on
//   HTTP-only fields for TCP; model.go checkError).
// - In a policy's principals (and source.principal), the trust domain
//   `cluster.local` stands for the mesh's own trust domain; a principal that
//   starts with `*` pins none (trustdomain/bundle.go ReplaceTrustDomainAliases).

import { BlockList, isIP } from 'node:net';
import type { AuthorizationPolicy, Operation, Rule, Source, AuthorizationCondition } from '../../operator/api/model.ts';

/** A request as Istio's attributes describe it. */
export interface MeshRequest {
  /** source.principal from the peer certificate, `<td>/ns/<ns>/sa/<sa>`; undefined for plaintext. */
  readonly principal?: string;
  /** For a request without principal: TLS without a client certificate rather than plaintext. */
  readonly tlsWithoutClientCert?: boolean;
  readonly sourceIp: string;
  readonly remoteIp: string;
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** connection.sni; undefined when none was sent. */
  readonly sni?: string;
  readonly method: string;
  /** As received, possibly with ?query or #fragment. */
  readonly path: string;
  /** Host / :authority; undefined when the request had none. */
  readonly host?: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The validated JWT payload, when the request carried one. */
  readonly jwt?: Readonly<Record<string, unknown>>;
}

export interface ReferenceWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ReferenceDecision {
  readonly allowed: boolean;
  /** Rule keys `ns[NS]-policy[NAME]-rule[i]` that matched, per enforced action, sorted. */
  readonly matched: { readonly ALLOW: readonly string[]; readonly DENY: readonly string[]; readonly AUDIT: readonly string[] };
  /** The same for dry-run policies. */
  readonly dryRunMatched: { readonly ALLOW: readonly string[]; readonly DENY: readonly string[]; readonly AUDIT: readonly string[] };
  /** Which actions have enforced / dry-run policies at all. */
  readonly present: { readonly ALLOW: boolean; readonly DENY: boolean; readonly AUDIT: boolean };
  readonly dryRunPresent: { readonly ALLOW: boolean; readonly DENY: boolean; readonly AUDIT: boolean };
}

// ---- values ---------------------------------------------------------------------

/** Istio's value rule: `*` non-empty, `*x` suffix, `x*` prefix, else exact. */
function valueMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

/** For header-based attributes, `*` only asks for presence. */
function headerValueMatches(pattern: string, value: string): boolean {
  return pattern === '*' ? true : valueMatches(pattern, value);
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern === '*' ? true : valueMatches(pattern.toLowerCase(), host.toLowerCase());
}

/** A glob over one path segment: each `*` stands for any characters; a lone `*` for at least one. */
function namespaceMatches(pattern: string, namespace: string): boolean {
  if (pattern === '*') return namespace !== '';
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === namespace;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!namespace.startsWith(first) || namespace.length < first.length + last.length || !namespace.endsWith(last)) return false;
  let pos = first.length;
  const end = namespace.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = namespace.indexOf(middle, pos);
    if (found < 0 || found + middle.length > end) return false;
    pos = found + middle.length;
  }
  return true;
}

function ipInBlock(block: string, ip: string): boolean {
  const list = new BlockList();
  const slash = block.indexOf('/');
  const address = slash < 0 ? block : block.slice(0, slash);
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(address) === 0) return false;
  if (slash < 0) list.addAddress(address, family);
  else list.addSubnet(address, Number(block.slice(slash + 1)), family);
  const ipFamily = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (ipFamily !== family) return false;
  return list.check(ip, ipFamily);
}

// ---- attributes --------------------------------------------------------------------

/** The namespace of an identity `<td>/ns/<ns>/sa/<sa>`, if it has that shape. */
function namespaceOf(principal: string): string | undefined {
  const parts = principal.split('/');
  return parts.length === 5 && parts[1] === 'ns' && parts[3] === 'sa' ? parts[2] : undefined;
}

function requestPrincipalOf(r: MeshRequest): string | undefined {
  const iss = r.jwt?.['iss'];
  const sub = r.jwt?.['sub'];
  return typeof iss === 'string' && typeof sub === 'string' ? `${iss}/${sub}` : undefined;
}

/** String values of a claim: a string, or the string elements of a list. */
function claimStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function claimAt(jwt: Readonly<Record<string, unknown>> | undefined, path: readonly string[]): unknown {
  let cur: unknown = jwt;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const pathOnly = (p: string): string => p.split(/[?#]/)[0] as string;

/**
 * A field: set when values or notValues is non-empty. `candidates` are the
 * request's values for the attribute (empty when it has none); a value
 * matches when it matches any candidate.
 */
function fieldHolds(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  candidates: readonly string[],
  match: (pattern: string, value: string) => boolean,
): boolean {
  const hit = (p: string): boolean => candidates.some((c) => match(p, c));
  const positive = values === undefined || values.length === 0 || values.some(hit);
  const negative = notValues === undefined || notValues.length === 0 || !notValues.some(hit);
  return positive && negative;
}

const some = (v: string | undefined): string[] => (v === undefined ? [] : [v]);

/** A policy principal as it applies in a mesh whose trust domain is `td`. */
function localPrincipal(pattern: string, td: string): string {
  if (pattern.startsWith('*') || !pattern.includes('/')) return pattern;
  const [first, ...rest] = pattern.split('/');
  return first === 'cluster.local' || first === td ? [td, ...rest].join('/') : pattern;
}

function principalMatches(td: string): (pattern: string, value: string) => boolean {
  return (pattern, value) => valueMatches(localPrincipal(pattern, td), value);
}

function sourceMatches(s: Source, r: MeshRequest, td: string): boolean {
  const ns = r.principal === undefined ? undefined : namespaceOf(r.principal);
  return (
    fieldHolds(s.principals, s.notPrincipals, some(r.principal), principalMatches(td)) &&
    fieldHolds(s.requestPrincipals, s.notRequestPrincipals, some(requestPrincipalOf(r)), valueMatches) &&
    fieldHolds(s.namespaces, s.notNamespaces, some(ns), namespaceMatches) &&
    fieldHolds(s.ipBlocks, s.notIpBlocks, [r.sourceIp], ipInBlock) &&
    fieldHolds(s.remoteIpBlocks, s.notRemoteIpBlocks, [r.remoteIp], ipInBlock)
  );
}

function operationMatches(o: Operation, r: MeshRequest): boolean {
  return (
    fieldHolds(o.hosts, o.notHosts, some(r.host), hostMatches) &&
    fieldHolds(o.methods, o.notMethods, [r.method], headerValueMatches) &&
    fieldHolds(o.paths, o.notPaths, [pathOnly(r.path)], valueMatches) &&
    fieldHolds(o.ports, o.notPorts, [String(r.destinationPort)], (p, v) => Number(p) === Number(v))
  );
}

/** `[a][b]` after a prefix → ['a', 'b']. */
function brackets(s: string): string[] | undefined {
  if (!/^(\[[^[\]]+\])+$/.test(s)) return undefined;
  return s.slice(1, -1).split('][');
}

function conditionHolds(c: AuthorizationCondition, r: MeshRequest, td: string): boolean {
  const k = c.key;
  const hold = (candidates: readonly string[], match: (p: string, v: string) => boolean): boolean =>
    fieldHolds(c.values, c.notValues, candidates, match);
  switch (k) {
    case 'source.ip':
      return hold([r.sourceIp], ipInBlock);
    case 'remote.ip':
      return hold([r.remoteIp], ipInBlock);
    case 'destination.ip':
      return hold([r.destinationIp], ipInBlock);
    case 'destination.port':
      return hold([String(r.destinationPort)], (p, v) => Number(p) === Number(v));
    case 'connection.sni':
      return hold(some(r.sni === '' ? undefined : r.sni), valueMatches);
    case 'source.principal':
      return hold(some(r.principal), principalMatches(td));
    case 'source.namespace':
      return hold(some(r.principal === undefined ? undefined : namespaceOf(r.principal)), namespaceMatches);
    case 'request.auth.principal':
      return hold(some(requestPrincipalOf(r)), valueMatches);
    case 'request.auth.audiences':
      return hold(claimStrings(r.jwt?.['aud']), valueMatches);
    case 'request.auth.presenter':
      return hold(typeof r.jwt?.['azp'] === 'string' ? [r.jwt['azp'] as string] : [], valueMatches);
  }
  if (k.startsWith('request.headers[')) {
    const name = brackets(k.slice('request.headers'.length));
    if (name === undefined || name.length !== 1) throw new Error(`reference: bad key ${k}`);
    const header = (name[0] as string).toLowerCase();
    // The request line's pseudo-headers; Host is :authority (HTTP/2's name for it).
    const v =
      header === ':authority' || header === 'host'
        ? r.host
        : header === ':method'
          ? r.method
          : header === ':path'
            ? r.path
            : r.headers[header];
    return hold(some(v), headerValueMatches);
  }
  if (k.startsWith('request.auth.claims[')) {
    const path = brackets(k.slice('request.auth.claims'.length));
    if (path === undefined) throw new Error(`reference: bad key ${k}`);
    return hold(claimStrings(claimAt(r.jwt, path)), valueMatches);
  }
  throw new Error(`reference: unsupported condition key ${k}`);
}

export function ruleMatches(rule: Rule, r: MeshRequest, trustDomain: string): boolean {
  const from = rule.from ?? [];
  const to = rule.to ?? [];
  const fromOk = from.length === 0 || from.some((f) => sourceMatches(f.source ?? {}, r, trustDomain));
  const toOk = to.length === 0 || to.some((t) => operationMatches(t.operation ?? {}, r));
  const whenOk = (rule.when ?? []).every((c) => conditionHolds(c, r, trustDomain));
  return fromOk && toOk && whenOk;
}

// ---- policies ------------------------------------------------------------------------

export function applies(p: AuthorizationPolicy, w: ReferenceWorkload, rootNamespace: string): boolean {
  const ns = p.metadata.namespace;
  if (ns !== w.namespace && ns !== rootNamespace) return false;
  const labels = p.spec.selector?.matchLabels ?? {};
  return Object.entries(labels).every(([k, v]) => w.labels[k] === v);
}

const isDryRun = (p: AuthorizationPolicy): boolean => p.metadata.annotations?.['weft.dev/dry-run']?.toLowerCase() === 'true';

type Protocol = 'http' | 'tcp';

const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'] as const;
const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
const isHttpOnlyCondition = (c: AuthorizationCondition): boolean =>
  c.key.startsWith('request.') && ((c.values?.length ?? 0) > 0 || (c.notValues?.length ?? 0) > 0);
const nonEmpty = (v: readonly string[] | undefined): boolean => v !== undefined && v.length > 0;

/** Whether a rule says anything only HTTP can answer. */
function usesHttpOnly(rule: Rule): boolean {
  return (
    (rule.from ?? []).some((f) => HTTP_ONLY_SOURCE.some((k) => nonEmpty(f.source?.[k]))) ||
    (rule.to ?? []).some((t) => HTTP_ONLY_OPERATION.some((k) => nonEmpty(t.operation?.[k]))) ||
    (rule.when ?? []).some(isHttpOnlyCondition)
  );
}

/** The rule with its HTTP-only fields removed. */
function withoutHttpOnly(rule: Rule): Rule {
  const out: Rule = {};
  if (rule.from !== undefined) {
    out.from = rule.from.map((f) => {
      if (f.source === undefined) return f;
      const source = { ...f.source };
      for (const k of HTTP_ONLY_SOURCE) delete source[k];
      return { source };
    });
  }
  if (rule.to !== undefined) {
    out.to = rule.to.map((t) => {
      if (t.operation === undefined) return t;
      const operation = { ...t.operation };
      for (const k of HTTP_ONLY_OPERATION) delete operation[k];
      return { operation };
    });
  }
  if (rule.when !== undefined) out.when = rule.when.filter((c) => !isHttpOnlyCondition(c));
  return out;
}

export interface ReferenceSettings {
  readonly rootNamespace: string;
  readonly trustDomain: string;
}

export function referenceDecide(
  policies: readonly AuthorizationPolicy[],
  workload: ReferenceWorkload,
  settings: ReferenceSettings,
  r: MeshRequest,
  protocol: Protocol = 'http',
): ReferenceDecision {
  const matched = { ALLOW: [] as string[], DENY: [] as string[], AUDIT: [] as string[] };
  const dryRunMatched = { ALLOW: [] as string[], DENY: [] as string[], AUDIT: [] as string[] };
  const present = { ALLOW: false, DENY: false, AUDIT: false };
  const dryRunPresent = { ALLOW: false, DENY: false, AUDIT: false };
  for (const p of policies) {
    if (!applies(p, workload, settings.rootNamespace)) continue;
    const action = p.spec.action ?? 'ALLOW';
    const dry = isDryRun(p);
    (dry ? dryRunPresent : present)[action] = true;
    (p.spec.rules ?? []).forEach((rule, i) => {
      if (protocol === 'tcp' && action === 'ALLOW' && usesHttpOnly(rule)) return;
      if (ruleMatches(protocol === 'tcp' ? withoutHttpOnly(rule) : rule, r, settings.trustDomain)) (dry ? dryRunMatched : matched)[action].push(`ns[${p.metadata.namespace}]-policy[${p.metadata.name}]-rule[${i}]`);
    });
  }
  for (const m of [matched, dryRunMatched]) for (const a of ['ALLOW', 'DENY', 'AUDIT'] as const) m[a].sort();
  const denied = matched.DENY.length > 0;
  const allowed = !denied && (!present.ALLOW || matched.ALLOW.length > 0);
  return { allowed, matched, dryRunMatched, present, dryRunPresent };
}
