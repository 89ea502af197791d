// SPIFFE IDs of mesh workloads: spiffe://<trust-domain>/ns/<namespace>/sa/<serviceaccount>.
// Parsing follows the SPIFFE ID spec (lowercase trust domain, no empty, "." or
// ".." path segments, no query, fragment, port or userinfo) and then the mesh's
// own shape. No dependencies: the proxy imports this through verify.ts.

/** Who a workload is: what a proxy proves to the CA and to its peers. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface SpiffeId extends WorkloadIdentity {
  readonly trustDomain: string;
  /** The URI as it appears in the certificate: spiffe://td/ns/NS/sa/SA. */
  readonly uri: string;
}

export type SpiffeParse =
  | { readonly ok: true; readonly id: SpiffeId }
  | { readonly ok: false; readonly reason: string };

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;
/** Kubernetes namespace names are DNS-1123 labels. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** ServiceAccount names are DNS-1123 subdomains. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_URI_BYTES = 2048;

/** Why `td` is not a trust domain, or undefined when it is one. */
export function trustDomainProblem(td: string): string | undefined {
  if (td.length === 0) return 'the trust domain is empty';
  if (td.length > 255) return `the trust domain is ${td.length} characters; at most 255 are allowed`;
  if (!TRUST_DOMAIN.test(td)) {
    return `trust domain "${td}" may contain only lowercase letters, digits, ".", "-" and "_"`;
  }
  return undefined;
}

/** Why `id` is not a workload identity, or undefined when it is one. */
export function identityProblem(id: WorkloadIdentity): string | undefined {
  if (id.namespace.length > 63 || !DNS_LABEL.test(id.namespace)) {
    return `namespace "${id.namespace}" is not a Kubernetes namespace name (a DNS-1123 label: lowercase letters, digits and "-", at most 63)`;
  }
  if (id.serviceAccount.length > 253 || !DNS_SUBDOMAIN.test(id.serviceAccount)) {
    return `service account "${id.serviceAccount}" is not a Kubernetes name (a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253)`;
  }
  return undefined;
}

/** The SPIFFE URI for a workload; throws when the parts are not valid names. */
export function spiffeUri(trustDomain: string, id: WorkloadIdentity): string {
  const problem = trustDomainProblem(trustDomain) ?? identityProblem(id);
  if (problem !== undefined) throw new Error(problem);
  return `spiffe://${trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** Parses a mesh workload SPIFFE ID; any other URI (or SPIFFE ID of another shape) is refused with the reason. */
export function parseSpiffeId(uri: string): SpiffeParse {
  const fail = (reason: string): SpiffeParse => ({ ok: false, reason: `"${uri}": ${reason}` });
  if (Buffer.byteLength(uri) > MAX_URI_BYTES) return fail(`longer than ${MAX_URI_BYTES} bytes`);
  if (!uri.startsWith('spiffe://')) return fail('not a SPIFFE ID (the scheme must be "spiffe://", lowercase)');
  const rest = uri.slice('spiffe://'.length);
  if (/[?#]/.test(rest)) return fail('a SPIFFE ID has no query or fragment');
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const tdProblem = trustDomainProblem(trustDomain);
  if (tdProblem !== undefined) return fail(tdProblem);
  const path = slash === -1 ? '' : rest.slice(slash);
  const segments = path.split('/').slice(1);
  for (const s of segments) {
    if (s === '') return fail('the path has an empty segment or a trailing "/"');
    if (s === '.' || s === '..') return fail('the path has a "." or ".." segment');
    if (!PATH_SEGMENT.test(s)) return fail(`path segment "${s}" may contain only letters, digits, ".", "-" and "_"`);
  }
  const [ns, namespace, sa, serviceAccount, ...extra] = segments;
  if (ns !== 'ns' || sa !== 'sa' || namespace === undefined || serviceAccount === undefined || extra.length > 0) {
    return fail('a mesh workload ID has the path /ns/<namespace>/sa/<serviceaccount>');
  }
  const idProblem = identityProblem({ namespace, serviceAccount });
  if (idProblem !== undefined) return fail(idProblem);
  return { ok: true, id: { trustDomain, namespace, serviceAccount, uri } };
}

/** The principal AuthorizationPolicy rules name: `cluster.local/ns/NS/sa/SA`. */
export const principalOf = (id: SpiffeId): string => id.uri.slice('spiffe://'.length);
