// Who this proxy is, for the metrics' source_* (outbound) or destination_*
// (inbound) labels. Read once from the bootstrap's node metadata, with the
// keys Istio's sidecars carry:
//
//   NAMESPACE        the workload's namespace
//   WORKLOAD_NAME    the workload (Deployment…) name
//   SERVICE_ACCOUNT  the service account (with the trust domain: the principal)
//   LABELS           the pod's labels (a map): app / app.kubernetes.io/name,
//                    version / app.kubernetes.io/version,
//                    service.istio.io/canonical-name and -revision
//   CLUSTER_ID       the Kubernetes cluster (source_cluster / destination_cluster)
//   TRUST_DOMAIN     the SPIFFE trust domain (default cluster.local)
//
// Anything absent is "unknown", as Istio reports it.

import type { NodeIdentity } from '../config/sink.ts';

export const UNKNOWN = 'unknown';

export interface WorkloadIdentity {
  readonly namespace: string;
  readonly workload: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly cluster: string;
  /** spiffe://TRUST_DOMAIN/ns/NS/sa/SA, or "unknown". */
  readonly principal: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function workloadIdentity(node: NodeIdentity): WorkloadIdentity {
  const m = node.metadata;
  const rawLabels = m['LABELS'];
  const labels: Readonly<Record<string, unknown>> = typeof rawLabels === 'object' && rawLabels !== null && !Array.isArray(rawLabels) ? (rawLabels as Record<string, unknown>) : {};
  const namespace = text(m['NAMESPACE']) ?? UNKNOWN;
  const workload = text(m['WORKLOAD_NAME']) ?? UNKNOWN;
  const app = text(labels['app']) ?? text(labels['app.kubernetes.io/name']) ?? UNKNOWN;
  const version = text(labels['version']) ?? text(labels['app.kubernetes.io/version']) ?? UNKNOWN;
  const sa = text(m['SERVICE_ACCOUNT']);
  const trustDomain = text(m['TRUST_DOMAIN']) ?? 'cluster.local';
  return Object.freeze({
    namespace,
    workload,
    app,
    version,
    // Istio's defaults when the canonical labels are absent: the app (else the workload) and "latest".
    canonicalService: text(labels['service.istio.io/canonical-name']) ?? (app !== UNKNOWN ? app : workload),
    canonicalRevision: text(labels['service.istio.io/canonical-revision']) ?? (version !== UNKNOWN ? version : 'latest'),
    cluster: text(m['CLUSTER_ID']) ?? UNKNOWN,
    principal: sa !== undefined && namespace !== UNKNOWN ? `spiffe://${trustDomain}/ns/${namespace}/sa/${sa}` : UNKNOWN,
  });
}

/** The namespace in a SPIFFE principal (spiffe://td/ns/NS/sa/SA), else "unknown". */
export function principalNamespace(principal: string): string {
  const i = principal.indexOf('/ns/');
  if (i < 0) return UNKNOWN;
  const end = principal.indexOf('/', i + 4);
  const ns = principal.slice(i + 4, end < 0 ? undefined : end);
  return ns === '' ? UNKNOWN : ns;
}

/** The destination service of a cluster named Istio's way: `outbound|PORT|SUBSET|FQDN` → FQDN; otherwise undefined. */
export function clusterService(cluster: string): { readonly host: string; readonly name: string; readonly namespace: string } | undefined {
  if (!cluster.startsWith('outbound|')) return undefined;
  const host = cluster.slice(cluster.lastIndexOf('|') + 1);
  if (host === '') return undefined;
  return { host, ...serviceParts(host) };
}

/** `name.namespace.svc[.<domain>]` → name and namespace; any other host (an external one) is its own name, namespace unknown. */
export function serviceParts(host: string): { readonly name: string; readonly namespace: string } {
  const parts = host.split('.');
  if (parts.length >= 3 && parts[2] === 'svc') return { name: parts[0] ?? host, namespace: parts[1] ?? UNKNOWN };
  return { name: host, namespace: UNKNOWN };
}
