// The RBAC filter at request time: Envoy's RoleBasedAccessControlEngine and
// the HTTP RBAC filter's decision, plus the chain the inbound HTTP path runs
// (Istio's order: AUDIT, then DENY, then ALLOW).
//
// Decisions are objects built when the config is parsed, one per policy, so
// evaluating a filter allocates nothing; a chain allocates its one result.

import type { RbacRequest } from './request.ts';
import {
  parseRbacFilterConfig,
  parseRbacHttpFilter,
  parseRbacNetworkFilter,
  type ParsedRbac,
  type ParsedRbacFilter,
  type RbacAction,
  type RequestPredicate,
} from './parse.ts';

export interface RbacDecision {
  /** Whether this filter lets the request through. */
  readonly allowed: boolean;
  /** The first policy (by name) that matched, if any. */
  readonly matchedPolicy: string | undefined;
  /** A LOG (AUDIT) policy matched: the access log must record this request (Envoy's access_log_hint). */
  readonly log: boolean;
}

/** Evaluates one set of rules (enforced or shadow). */
export class RbacEngine {
  readonly action: RbacAction;
  readonly policyNames: readonly string[];
  readonly #matchers: readonly RequestPredicate[];
  readonly #decisions: readonly RbacDecision[];
  readonly #noMatch: RbacDecision;

  constructor(parsed: ParsedRbac) {
    this.action = parsed.action;
    this.policyNames = Object.freeze(parsed.policies.map((p) => p.name));
    this.#matchers = Object.freeze(parsed.policies.map((p) => p.matches));
    this.#decisions = Object.freeze(parsed.policies.map((p) => decision(parsed.action, p.name)));
    this.#noMatch = decision(parsed.action, undefined);
    Object.freeze(this);
  }

  /** Index of the first matching policy in name order, or -1. */
  firstMatch(request: RbacRequest): number {
    const ms = this.#matchers;
    for (let i = 0; i < ms.length; i++) if ((ms[i] as RequestPredicate)(request)) return i;
    return -1;
  }

  evaluate(request: RbacRequest): RbacDecision {
    const i = this.firstMatch(request);
    return i < 0 ? this.#noMatch : (this.#decisions[i] as RbacDecision);
  }
}

function decision(action: RbacAction, matchedPolicy: string | undefined): RbacDecision {
  const matched = matchedPolicy !== undefined;
  switch (action) {
    case 'ALLOW':
      return Object.freeze({ allowed: matched, matchedPolicy, log: false });
    case 'DENY':
      return Object.freeze({ allowed: !matched, matchedPolicy, log: false });
    case 'LOG':
      return Object.freeze({ allowed: true, matchedPolicy, log: matched });
  }
}

const ENFORCES_NOTHING: RbacDecision = Object.freeze({ allowed: true, matchedPolicy: undefined, log: false });

/** One RBAC HTTP filter, parsed and frozen. */
export class RbacFilter {
  /** The filter instance name from the listener, for logs and stats. */
  readonly name: string;
  readonly rules: RbacEngine | undefined;
  readonly shadowRules: RbacEngine | undefined;
  readonly rulesStatPrefix: string;
  readonly shadowRulesStatPrefix: string;

  constructor(name: string, parsed: ParsedRbacFilter) {
    this.name = name;
    this.rules = parsed.rules === undefined ? undefined : new RbacEngine(parsed.rules);
    this.shadowRules = parsed.shadowRules === undefined ? undefined : new RbacEngine(parsed.shadowRules);
    this.rulesStatPrefix = parsed.rulesStatPrefix;
    this.shadowRulesStatPrefix = parsed.shadowRulesStatPrefix;
    Object.freeze(this);
  }

  /** The enforced decision. A filter without rules lets everything through, as Envoy does. */
  evaluate(request: RbacRequest): RbacDecision {
    return this.rules === undefined ? ENFORCES_NOTHING : this.rules.evaluate(request);
  }

  /** The dry-run decision, or undefined when the filter has no shadow rules. It never blocks. */
  evaluateShadow(request: RbacRequest): RbacDecision | undefined {
    return this.shadowRules === undefined ? undefined : this.shadowRules.evaluate(request);
  }
}

/** Builds a filter from its typed_config (envoy.extensions.filters.http.rbac.v3.RBAC). */
export function rbacFilterFromConfig(typedConfig: unknown, name = 'envoy.filters.http.rbac', path = 'typed_config'): RbacFilter {
  return new RbacFilter(name, parseRbacFilterConfig(typedConfig, path));
}

/** Builds a filter from an http_filters entry: `{ name, typed_config }`. */
export function rbacFilterFromHttpFilter(httpFilter: unknown, path = ''): RbacFilter {
  const parsed = parseRbacHttpFilter(httpFilter, path);
  const name = (httpFilter as { name: string }).name;
  return new RbacFilter(name, parsed);
}

/** Builds a TCP filter chain's RBAC filter from its filters entry: `{ name, typed_config }`. */
export function rbacFilterFromNetworkFilter(networkFilter: unknown, path = ''): RbacFilter {
  const parsed = parseRbacNetworkFilter(networkFilter, path);
  const name = (networkFilter as { name: string }).name;
  return new RbacFilter(name, parsed);
}

// ---- the chain ----------------------------------------------------------------------

export interface RbacShadowResult {
  /** Index of the filter in the chain. */
  readonly filter: number;
  readonly action: RbacAction;
  /** What the shadow rules would have decided (Envoy's shadow_engine_result). */
  readonly allowed: boolean;
  /** Envoy's shadow_effective_policy_id. */
  readonly matchedPolicy: string | undefined;
}

export interface RbacChainDecision {
  readonly allowed: boolean;
  /**
   * The policy that decided. Denied: the DENY policy that matched, or
   * undefined when no ALLOW policy matched. Allowed: the ALLOW policy that
   * matched, or undefined when no ALLOW filter enforces anything.
   */
  readonly matchedPolicy: string | undefined;
  /** The filter that denied (index in the chain); -1 when allowed. */
  readonly deniedBy: number;
  /** The first AUDIT (LOG) policy that matched: the access log must record this request. */
  readonly auditPolicy: string | undefined;
  /** Dry-run results of the filters evaluated, in order; empty when none has shadow rules. */
  readonly shadow: readonly RbacShadowResult[];
}

const NO_SHADOW: readonly RbacShadowResult[] = Object.freeze([]);

/**
 * Runs the RBAC filters in order, as Envoy's filter chain does: each filter
 * either continues or stops the request with 403. LOG filters never stop it;
 * they mark it for the access log.
 */
export function evaluateChain(filters: readonly RbacFilter[], request: RbacRequest): RbacChainDecision {
  let auditPolicy: string | undefined;
  let allowedBy: string | undefined;
  let shadow: RbacShadowResult[] | undefined;
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i] as RbacFilter;
    // Envoy records the shadow result before enforcing (dry-run policies see every request the filter sees).
    if (f.shadowRules !== undefined) {
      const s = f.shadowRules.evaluate(request);
      (shadow ??= []).push(Object.freeze({ filter: i, action: f.shadowRules.action, allowed: s.allowed, matchedPolicy: s.matchedPolicy }));
    }
    const d = f.evaluate(request);
    if (d.log && auditPolicy === undefined) auditPolicy = d.matchedPolicy;
    if (!d.allowed) {
      return { allowed: false, matchedPolicy: d.matchedPolicy, deniedBy: i, auditPolicy, shadow: shadow ?? NO_SHADOW };
    }
    if (f.rules !== undefined && f.rules.action === 'ALLOW') allowedBy = d.matchedPolicy;
  }
  return { allowed: true, matchedPolicy: allowedBy, deniedBy: -1, auditPolicy, shadow: shadow ?? NO_SHADOW };
}

/** Envoy's response code details for an RBAC denial: rbac_access_denied_matched_policy[NAME|none]. */
export const rbacDenialDetails = (d: RbacChainDecision): string => `rbac_access_denied_matched_policy[${d.matchedPolicy ?? 'none'}]`;
