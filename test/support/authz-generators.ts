// Random AuthorizationPolicies and requests for the property test, drawn
// from small vocabularies so that policies and requests actually meet:
// principals in a handful of namespaces (including the awkward `ns` and
// `sa`), IPs inside and outside the blocks, paths with queries, hosts with
// and without ports, JWTs with list, string, nested and non-string claims.

import type { AuthorizationPolicy, AuthorizationCondition, Operation, Rule, Source } from '../../operator/api/model.ts';
import type { MeshRequest, ReferenceWorkload } from './istio-authz-reference.ts';
import type { RbacRequest } from '../../proxy/http/rbac/index.ts';
import { authnMetadata, ISTIO_AUTHN_FILTER } from '../../proxy/http/rbac/index.ts';

/** mulberry32: small, seedable, good enough to spread test cases. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  some<T>(min: number, max: number, make: () => T): T[] {
    const n = min + this.int(max - min + 1);
    return Array.from({ length: n }, make);
  }
}

export const ROOT_NAMESPACE = 'weft-system';
const NAMESPACES = ['shop', 'pay', 'ops', 'ns', 'sa', 'a'];
const SERVICE_ACCOUNTS = ['web', 'api', 'ns', 'default'];
const TRUST_DOMAINS = ['cluster.local', 'cluster.local', 'cluster.local', 'other.domain'];
const IPV4 = ['10.0.0.1', '10.0.0.7', '10.0.1.5', '10.1.2.3', '192.168.1.10', '172.16.5.4', '8.8.8.8'];
const IPV6 = ['2001:db8::1', '2001:db8:0:1::5', 'fd00::7', '::1'];
const PATHS = ['/', '/api', '/api/v1/users', '/api/v1/users?id=3', '/admin', '/admin/', '/healthz', '/api/v1/users#top', '/static/app.js', '/Admin'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'];
const HOSTS = ['shop.example.com', 'shop.example.com:8080', 'SHOP.Example.com', 'api.internal', 'api.internal:443', 'pay.example.com'];
const PORTS = [80, 443, 8080, 9090];
const HEADER_NAMES = ['x-user', 'x-tenant', 'x-debug'];
const HEADER_VALUES = ['alice', 'bob', 'admin-alice', '', 'team-a'];
const ISSUERS = ['https://issuer.example', 'https://other.example/idp'];
const SUBJECTS = ['alice', 'bob', 'svc-1'];
const AUDIENCES = ['shop', 'pay', 'web'];
const GROUPS = ['admin', 'dev', 'ops'];
const SNIS = ['shop.example.com', 'outbound_.8080_._.shop.svc.cluster.local'];
const LABELS: Record<string, readonly string[]> = { app: ['web', 'api'], version: ['v1', 'v2'] };

const principalOf = (rng: Rng): string => `${rng.pick(TRUST_DOMAINS)}/ns/${rng.pick(NAMESPACES)}/sa/${rng.pick(SERVICE_ACCOUNTS)}`;

/** A pattern for a value: `*`, exact, `prefix*` or `*suffix` cut from a sample. */
function patternFor(rng: Rng, sample: string): string {
  const r = rng.next();
  if (r < 0.1) return '*';
  if (r < 0.5 || sample.length < 2) return sample;
  const cut = 1 + rng.int(sample.length - 1);
  return r < 0.75 ? `${sample.slice(0, cut)}*` : `*${sample.slice(cut)}`;
}

function cidrFor(rng: Rng): string {
  if (rng.chance(0.7)) {
    const ip = rng.pick(IPV4);
    if (rng.chance(0.4)) return ip;
    return `${ip}/${rng.pick([0, 8, 16, 24, 30, 32])}`;
  }
  const ip = rng.pick(IPV6);
  if (rng.chance(0.4)) return ip;
  return `${ip}/${rng.pick([0, 16, 32, 48, 64, 120, 128])}`;
}

const values = (rng: Rng, make: () => string): string[] => rng.some(1, 3, make);
const maybe = (rng: Rng, p: number, make: () => string): string[] | undefined => (rng.chance(p) ? values(rng, make) : undefined);

function randomSource(rng: Rng): Source {
  const p = 0.25;
  const s: Source = {};
  const set = (k: keyof Source, v: string[] | undefined): void => {
    if (v !== undefined) (s as Record<string, string[]>)[k] = v;
  };
  set('principals', maybe(rng, p, () => patternFor(rng, principalOf(rng))));
  set('notPrincipals', maybe(rng, p, () => patternFor(rng, principalOf(rng))));
  set('requestPrincipals', maybe(rng, p, () => patternFor(rng, `${rng.pick(ISSUERS)}/${rng.pick(SUBJECTS)}`)));
  set('notRequestPrincipals', maybe(rng, p, () => patternFor(rng, `${rng.pick(ISSUERS)}/${rng.pick(SUBJECTS)}`)));
  set('namespaces', maybe(rng, p, () => patternFor(rng, rng.pick(NAMESPACES))));
  set('notNamespaces', maybe(rng, p, () => patternFor(rng, rng.pick(NAMESPACES))));
  set('ipBlocks', maybe(rng, p, () => cidrFor(rng)));
  set('notIpBlocks', maybe(rng, p, () => cidrFor(rng)));
  set('remoteIpBlocks', maybe(rng, p, () => cidrFor(rng)));
  set('notRemoteIpBlocks', maybe(rng, p, () => cidrFor(rng)));
  return s;
}

const hostPattern = (rng: Rng): string => {
  const r = rng.next();
  if (r < 0.15) return `${rng.pick(['shop.example.com', 'api.internal'])}:*`;
  if (r < 0.3) return rng.pick(['*.example.com', '*.internal', 'api.*', '*.EXAMPLE.com']);
  return patternFor(rng, rng.pick(HOSTS));
};

function randomOperation(rng: Rng): Operation {
  const p = 0.3;
  const o: Operation = {};
  const set = (k: keyof Operation, v: string[] | undefined): void => {
    if (v !== undefined) (o as Record<string, string[]>)[k] = v;
  };
  set('hosts', maybe(rng, p, () => hostPattern(rng)));
  set('notHosts', maybe(rng, p, () => hostPattern(rng)));
  set('methods', maybe(rng, p, () => patternFor(rng, rng.pick(METHODS))));
  set('notMethods', maybe(rng, p, () => patternFor(rng, rng.pick(METHODS))));
  set('paths', maybe(rng, p, () => patternFor(rng, rng.pick(PATHS).split(/[?#]/)[0] as string)));
  set('notPaths', maybe(rng, p, () => patternFor(rng, rng.pick(PATHS).split(/[?#]/)[0] as string)));
  set('ports', maybe(rng, p, () => String(rng.pick(PORTS))));
  set('notPorts', maybe(rng, p, () => String(rng.pick(PORTS))));
  return o;
}

/** Condition keys with a generator of plausible values for each. */
const CONDITIONS: readonly [string, (rng: Rng) => string][] = [
  ['request.headers[X-User]', (rng) => patternFor(rng, rng.pick(HEADER_VALUES.filter((v) => v !== '')))],
  ['request.headers[x-tenant]', (rng) => patternFor(rng, rng.pick(['team-a', 'team-b']))],
  ['request.headers[Host]', hostPattern],
  ['request.headers[:method]', (rng) => patternFor(rng, rng.pick(METHODS))],
  ['source.ip', cidrFor],
  ['remote.ip', cidrFor],
  ['destination.ip', cidrFor],
  ['destination.port', (rng) => String(rng.pick(PORTS))],
  ['source.namespace', (rng) => patternFor(rng, rng.pick(NAMESPACES))],
  ['source.principal', (rng) => patternFor(rng, principalOf(rng))],
  ['connection.sni', (rng) => patternFor(rng, rng.pick(SNIS))],
  ['request.auth.principal', (rng) => patternFor(rng, `${rng.pick(ISSUERS)}/${rng.pick(SUBJECTS)}`)],
  ['request.auth.audiences', (rng) => patternFor(rng, rng.pick(AUDIENCES))],
  ['request.auth.presenter', (rng) => patternFor(rng, rng.pick(['spa', 'cli']))],
  ['request.auth.claims[groups]', (rng) => patternFor(rng, rng.pick(GROUPS))],
  ['request.auth.claims[org][team]', (rng) => patternFor(rng, rng.pick(['blue', 'red']))],
  ['request.auth.claims[level]', (rng) => rng.pick(['3', '*'])],
  ['request.auth.claims[iss]', (rng) => patternFor(rng, rng.pick(ISSUERS))],
];

function randomCondition(rng: Rng): AuthorizationCondition {
  const [key, make] = rng.pick(CONDITIONS);
  const c: AuthorizationCondition = { key };
  const r = rng.next();
  if (r < 0.45) c.values = values(rng, () => make(rng));
  else if (r < 0.8) c.notValues = values(rng, () => make(rng));
  else if (r < 0.97) {
    c.values = values(rng, () => make(rng));
    c.notValues = values(rng, () => make(rng));
  }
  // else: neither (constrains nothing)
  return c;
}

function randomRule(rng: Rng): Rule {
  const rule: Rule = {};
  if (rng.chance(0.6)) rule.from = rng.some(1, 2, () => (rng.chance(0.1) ? {} : { source: randomSource(rng) }));
  if (rng.chance(0.6)) rule.to = rng.some(1, 2, () => (rng.chance(0.1) ? {} : { operation: randomOperation(rng) }));
  if (rng.chance(0.4)) rule.when = rng.some(1, 2, () => randomCondition(rng));
  return rule;
}

function randomSelector(rng: Rng): { matchLabels: Record<string, string> } | undefined {
  if (rng.chance(0.5)) return undefined;
  const matchLabels: Record<string, string> = {};
  for (const [k, vs] of Object.entries(LABELS)) if (rng.chance(0.5)) matchLabels[k] = rng.pick(vs);
  return { matchLabels };
}

export function randomWorkload(rng: Rng): ReferenceWorkload {
  const labels: Record<string, string> = {};
  for (const [k, vs] of Object.entries(LABELS)) if (rng.chance(0.8)) labels[k] = rng.pick(vs);
  return { namespace: rng.pick(NAMESPACES.slice(0, 3)), labels };
}

export function randomPolicies(rng: Rng, workload: ReferenceWorkload): AuthorizationPolicy[] {
  const count = rng.int(6);
  return Array.from({ length: count }, (_, i): AuthorizationPolicy => {
    const namespace = rng.pick([workload.namespace, workload.namespace, ROOT_NAMESPACE, 'elsewhere']);
    const spec: AuthorizationPolicy['spec'] = {};
    const action = rng.pick(['ALLOW', 'ALLOW', 'DENY', 'AUDIT', undefined] as const);
    if (action !== undefined) spec.action = action;
    const selector = randomSelector(rng);
    if (selector !== undefined) spec.selector = selector;
    const shape = rng.next();
    if (shape < 0.08) {
      // spec: {} (or with only action/selector): no rules
    } else if (shape < 0.12) spec.rules = [];
    else if (shape < 0.2) spec.rules = [{}];
    else spec.rules = rng.some(1, 3, () => randomRule(rng));
    const metadata: AuthorizationPolicy['metadata'] = { name: `p${i}`, namespace };
    if (rng.chance(0.1)) metadata.annotations = { 'weft.dev/dry-run': 'true' };
    return { apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata, spec };
  });
}

function randomJwt(rng: Rng): Record<string, unknown> {
  const jwt: Record<string, unknown> = {};
  if (rng.chance(0.95)) jwt['iss'] = rng.pick(ISSUERS);
  if (rng.chance(0.95)) jwt['sub'] = rng.pick(SUBJECTS);
  const aud = rng.next();
  if (aud < 0.4) jwt['aud'] = rng.pick(AUDIENCES);
  else if (aud < 0.8) jwt['aud'] = rng.some(1, 2, () => rng.pick(AUDIENCES));
  if (rng.chance(0.5)) jwt['azp'] = rng.pick(['spa', 'cli']);
  const groups = rng.next();
  if (groups < 0.4) jwt['groups'] = rng.some(0, 3, () => rng.pick(GROUPS));
  else if (groups < 0.7) jwt['groups'] = rng.pick(GROUPS);
  else if (groups < 0.8) jwt['groups'] = 7;
  if (rng.chance(0.5)) jwt['org'] = rng.chance(0.8) ? { team: rng.pick(['blue', 'red']) } : ['blue'];
  if (rng.chance(0.5)) jwt['level'] = rng.chance(0.5) ? 3 : '3';
  return jwt;
}

export function randomRequest(rng: Rng): MeshRequest {
  const v6 = rng.chance(0.2);
  const ip = (): string => (v6 ? rng.pick(IPV6) : rng.pick(IPV4));
  const sourceIp = ip();
  const headers: Record<string, string> = {};
  for (const h of HEADER_NAMES) if (rng.chance(0.4)) headers[h] = rng.pick(HEADER_VALUES);
  const plaintext = rng.chance(0.25);
  const r: {
    -readonly [K in keyof MeshRequest]: MeshRequest[K];
  } = {
    sourceIp,
    remoteIp: rng.chance(0.6) ? sourceIp : ip(),
    destinationIp: ip(),
    destinationPort: rng.pick(PORTS),
    method: rng.pick(METHODS),
    path: rng.pick(PATHS),
    headers,
  };
  if (!plaintext) r.principal = principalOf(rng);
  else if (rng.chance(0.3)) r.tlsWithoutClientCert = true;
  if (rng.chance(0.6)) r.sni = rng.pick(SNIS);
  if (rng.chance(0.92)) r.host = rng.pick(HOSTS);
  if (rng.chance(0.6)) r.jwt = randomJwt(rng);
  return r;
}

/**
 * What the proxy sees for a MeshRequest: SPIFFE URI SAN, `istio_authn`
 * metadata from the JWT filter. On TCP only the connection is known.
 */
export function toRbacRequest(r: MeshRequest, protocol: 'http' | 'tcp' = 'http'): RbacRequest {
  const connection = {
    tls:
      r.principal !== undefined
        ? { uriSans: [`spiffe://${r.principal}`], dnsSans: [], subject: '' }
        : r.tlsWithoutClientCert === true
          ? { uriSans: [], dnsSans: [], subject: '' }
          : null,
    directRemoteIp: r.sourceIp,
    remoteIp: r.remoteIp,
    destinationIp: r.destinationIp,
    destinationPort: r.destinationPort,
    sni: r.sni ?? '',
  };
  if (protocol === 'tcp') return { ...connection, method: undefined, path: undefined, authority: undefined, headers: {}, metadata: {} };
  return {
    ...connection,
    method: r.method,
    path: r.path,
    authority: r.host,
    headers: r.headers,
    metadata: r.jwt === undefined ? {} : { [ISTIO_AUTHN_FILTER]: authnMetadata(r.jwt) },
  };
}
