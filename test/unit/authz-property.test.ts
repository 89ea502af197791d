// Property: for random AuthorizationPolicies and random requests, the Envoy
// RBAC filters compileAuthz emits — encoded to protobuf bytes through the real
// Envoy protos, decoded, parsed by the proxy's RBAC engine — decide every
// request exactly as the reference reading of Istio's semantics does
// (test/support/istio-authz-reference.ts): the same allow/deny, the same
// deciding rule, the same AUDIT mark and the same dry-run results. Each
// request is checked twice: as HTTP (the HTTP filters) and as the TCP
// connection it arrived on (the network filters, where HTTP-only fields
// cannot apply).
//
// AUTHZ_PROPERTY_SEED=<n> replays or varies the run; AUTHZ_PROPERTY_CASES=<n>
// sets how many policy sets are drawn (each checked against REQUESTS_PER_CASE
// requests). A failure prints the seed, the case, and a shrunk counterexample.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationPolicy } from '../../operator/api/model.ts';
import { compileAuthz } from '../../operator/compile/authz.ts';
import { evaluateChain, rbacFilterFromHttpFilter, rbacFilterFromNetworkFilter, type RbacFilter } from '../../proxy/http/rbac/index.ts';
import { decodeResource, encodeResource } from '../../xds/codec.ts';
import { applies, referenceDecide, type MeshRequest, type ReferenceSettings, type ReferenceWorkload } from '../support/istio-authz-reference.ts';
import { Rng, ROOT_NAMESPACE, randomPolicies, randomRequest, randomWorkload, toRbacRequest } from '../support/authz-generators.ts';

const DEFAULT_SEED = 20240611;
const DEFAULT_CASES = 2000;
const REQUESTS_PER_CASE = 20;
const TRUST_DOMAINS = ['cluster.local', 'other.domain'];

type Protocol = 'http' | 'tcp';

/** The filter as the proxy receives it: through protobuf bytes and back. */
function overTheWire(filter: { readonly name: string; readonly typed_config: { readonly '@type': string } }): unknown {
  const { '@type': typeUrl, ...body } = filter.typed_config;
  const decoded = decodeResource(typeUrl, encodeResource(typeUrl, body));
  return { name: filter.name, typed_config: { '@type': typeUrl, ...decoded } };
}

interface Compiled {
  readonly filters: Readonly<Record<Protocol, readonly RbacFilter[]>>;
  readonly applied: readonly string[];
}

function compile(policies: readonly AuthorizationPolicy[], workload: ReferenceWorkload, settings: ReferenceSettings): Compiled {
  const out = compileAuthz(policies, workload, settings);
  return {
    filters: {
      http: out.httpFilters.map((f, i) => rbacFilterFromHttpFilter(overTheWire(f), `http_filters[${i}]`)),
      tcp: out.networkFilters.map((f, i) => rbacFilterFromNetworkFilter(overTheWire(f), `filters[${i}]`)),
    },
    applied: out.applied.map((r) => `${r.namespace}/${r.name}`),
  };
}

type Action = 'ALLOW' | 'DENY' | 'AUDIT';
const ORDER: readonly Action[] = ['AUDIT', 'DENY', 'ALLOW'];
const envoyAction = (a: Action): string => (a === 'AUDIT' ? 'LOG' : a);

/** Why the engine and the reference disagree on this request, or undefined when they agree. */
function disagreement(
  policies: readonly AuthorizationPolicy[],
  workload: ReferenceWorkload,
  settings: ReferenceSettings,
  request: MeshRequest,
  protocol: Protocol,
  compiled: Compiled = compile(policies, workload, settings),
): string | undefined {
  const ref = referenceDecide(policies, workload, settings, request, protocol);
  const filters = compiled.filters[protocol];
  const expectedApplied = policies.filter((p) => applies(p, workload, settings.rootNamespace)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
  if (JSON.stringify([...compiled.applied].sort()) !== JSON.stringify(expectedApplied)) {
    return `applied: engine ${JSON.stringify(compiled.applied)}, reference ${JSON.stringify(expectedApplied)}`;
  }
  const expectedActions = ORDER.filter((a) => ref.present[a] || ref.dryRunPresent[a]).map(envoyAction);
  const actions = filters.map((f) => (f.rules ?? f.shadowRules)?.action);
  if (JSON.stringify(actions) !== JSON.stringify(expectedActions)) {
    return `filter actions: engine ${JSON.stringify(actions)}, reference ${JSON.stringify(expectedActions)}`;
  }

  const d = evaluateChain(filters, toRbacRequest(request, protocol));
  if (d.allowed !== ref.allowed) return `allowed: engine ${d.allowed}, reference ${ref.allowed} (reference matched ${JSON.stringify(ref.matched)})`;
  let expectedPolicy: string | undefined;
  if (ref.matched.DENY.length > 0) expectedPolicy = ref.matched.DENY[0];
  else if (ref.present.ALLOW) expectedPolicy = ref.matched.ALLOW[0];
  if (d.matchedPolicy !== expectedPolicy) return `matched policy: engine ${d.matchedPolicy}, reference ${expectedPolicy}`;
  if (d.auditPolicy !== ref.matched.AUDIT[0]) return `audit: engine ${d.auditPolicy}, reference ${ref.matched.AUDIT[0]}`;

  // Dry-run results of the filters the request reached (a DENY stops the chain before ALLOW).
  const deniedByDeny = ref.matched.DENY.length > 0;
  const expectedShadow = ORDER.filter((a) => ref.dryRunPresent[a] && !(a === 'ALLOW' && deniedByDeny)).map((a) => ({
    action: envoyAction(a),
    allowed: a === 'ALLOW' ? ref.dryRunMatched.ALLOW.length > 0 : a === 'DENY' ? ref.dryRunMatched.DENY.length === 0 : true,
    matchedPolicy: ref.dryRunMatched[a][0],
  }));
  const shadow = d.shadow.map((s) => ({ action: s.action, allowed: s.allowed, matchedPolicy: s.matchedPolicy }));
  if (JSON.stringify(shadow) !== JSON.stringify(expectedShadow)) {
    return `dry run: engine ${JSON.stringify(shadow)}, reference ${JSON.stringify(expectedShadow)}`;
  }
  return undefined;
}

// ---- shrinking ---------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = readonly (string | number)[];

/** Every path to an array element or object member that may be removed. */
function removablePaths(value: Json, keep: (path: Path) => boolean, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const p = [...prefix, i];
      if (!keep(p)) out.push(p);
      out.push(...removablePaths(item, keep, p));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, item] of Object.entries(value)) {
      const p = [...prefix, k];
      if (!keep(p)) out.push(p);
      out.push(...removablePaths(item, keep, p));
    }
  }
  return out;
}

function without(value: Json, path: Path): Json {
  const copy = structuredClone(value);
  let cur: Json = copy;
  for (const step of path.slice(0, -1)) cur = (cur as Record<string | number, Json>)[step] as Json;
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(cur)) cur.splice(last as number, 1);
  else delete (cur as Record<string, Json>)[last as string];
  return copy;
}

/** Greedy: remove any one piece that keeps the failure, until none can go. */
function shrink(value: Json, keep: (path: Path) => boolean, fails: (candidate: Json) => boolean): Json {
  let current = value;
  for (let progress = true; progress; ) {
    progress = false;
    for (const path of removablePaths(current, keep)) {
      const candidate = without(current, path);
      if (fails(candidate)) {
        current = candidate;
        progress = true;
        break;
      }
    }
  }
  return current;
}

const REQUIRED_POLICY_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'name', 'namespace', 'key']);
const keepPolicyPath = (path: Path): boolean => {
  const last = path[path.length - 1];
  // Policies themselves (depth 1) may go; so may any optional member below.
  return typeof last === 'string' && REQUIRED_POLICY_KEYS.has(last) && (path.length === 2 || last === 'name' || last === 'namespace' || last === 'key');
};
const REQUIRED_REQUEST_KEYS = new Set(['sourceIp', 'remoteIp', 'destinationIp', 'destinationPort', 'method', 'path', 'headers']);
const keepRequestPath = (path: Path): boolean => path.length === 1 && REQUIRED_REQUEST_KEYS.has(path[0] as string);

function counterexample(
  policies: AuthorizationPolicy[],
  workload: ReferenceWorkload,
  settings: ReferenceSettings,
  request: MeshRequest,
  protocol: Protocol,
): string {
  const safeDisagreement = (p: AuthorizationPolicy[], r: MeshRequest): string | undefined => {
    try {
      return disagreement(p, workload, settings, r, protocol);
    } catch (e) {
      return `threw ${e instanceof Error ? e.message : String(e)}`;
    }
  };
  const smallPolicies = shrink(policies as unknown as Json, keepPolicyPath, (c) =>
    safeDisagreement(c as unknown as AuthorizationPolicy[], request) !== undefined,
  ) as unknown as AuthorizationPolicy[];
  const smallRequest = shrink(request as unknown as Json, keepRequestPath, (c) =>
    safeDisagreement(smallPolicies, c as unknown as MeshRequest) !== undefined,
  ) as unknown as MeshRequest;
  let envoy = '';
  try {
    const out = compileAuthz(smallPolicies, workload, settings);
    envoy = JSON.stringify(protocol === 'http' ? out.httpFilters : out.networkFilters, null, 1);
  } catch (e) {
    envoy = `(compile threw: ${String(e)})`;
  }
  return [
    `disagreement (${protocol}): ${safeDisagreement(smallPolicies, smallRequest)}`,
    `settings: ${JSON.stringify(settings)}`,
    `workload: ${JSON.stringify(workload)}`,
    `policies: ${JSON.stringify(smallPolicies, null, 1)}`,
    `request: ${JSON.stringify(smallRequest, null, 1)}`,
    `envoy ${protocol === 'http' ? 'http' : 'network'} filters: ${envoy}`,
  ].join('\n');
}

function readIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`);
  return n;
}

test('compiled RBAC, over the wire and through the proxy engine, decides like Istio', () => {
  const seed = readIntEnv('AUTHZ_PROPERTY_SEED', DEFAULT_SEED);
  const cases = readIntEnv('AUTHZ_PROPERTY_CASES', DEFAULT_CASES);
  const started = performance.now();
  let requests = 0;
  let allowed = 0;
  let policiesSeen = 0;
  let rulesSeen = 0;
  for (let c = 0; c < cases; c++) {
    // One generator per case, so a case replays alone from (seed, case).
    const rng = new Rng((seed ^ Math.imul(c + 1, 0x9e3779b1)) >>> 0);
    const settings: ReferenceSettings = { rootNamespace: ROOT_NAMESPACE, trustDomain: rng.pick(TRUST_DOMAINS) };
    const workload = randomWorkload(rng);
    const policies = randomPolicies(rng, workload);
    policiesSeen += policies.length;
    rulesSeen += policies.reduce((n, p) => n + (p.spec.rules?.length ?? 0), 0);
    let compiled: Compiled;
    try {
      compiled = compile(policies, workload, settings);
    } catch (e) {
      assert.fail(`seed ${seed} case ${c}: compile/encode/parse threw: ${e instanceof Error ? e.stack : String(e)}\npolicies: ${JSON.stringify(policies, null, 1)}`);
    }
    for (let i = 0; i < REQUESTS_PER_CASE; i++) {
      const request = randomRequest(rng);
      requests++;
      for (const protocol of ['http', 'tcp'] as const) {
        const why = disagreement(policies, workload, settings, request, protocol, compiled);
        if (why !== undefined) {
          assert.fail(
            `seed ${seed} case ${c} request ${i} (replay: AUTHZ_PROPERTY_SEED=${seed})\n${counterexample(policies, workload, settings, request, protocol)}`,
          );
        }
      }
      if (referenceDecide(policies, workload, settings, request).allowed) allowed++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  // Both outcomes must be well represented, or the property says little.
  assert.ok(allowed > requests * 0.2 && allowed < requests * 0.9, `allowed ${allowed} of ${requests}: the generators are lopsided`);
  console.log(
    `authz property: seed ${seed}, ${cases} policy sets (${policiesSeen} policies, ${rulesSeen} rules), ${requests} requests each as HTTP and as TCP, ${allowed} allowed over HTTP, ${seconds.toFixed(1)} s`,
  );
});
