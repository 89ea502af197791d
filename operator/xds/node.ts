// Who is asking: the proxy's identity from the xDS Node it sends in its first
// request. The format follows Istio's:
//
//   node.id                    unique per proxy instance, e.g.
//                              sidecar~10.1.0.7~frontend-6d4f9.shop~shop.svc.cluster.local
//                              (1–256 characters of [A-Za-z0-9._~:@/+=-]); ACKs and NACKs are
//                              recorded under it
//   node.metadata.NAMESPACE     the workload's namespace (a DNS-1123 label)
//   node.metadata.WORKLOAD_NAME the workload (Deployment, StatefulSet, WorkloadEntry… name;
//                              a DNS-1123 subdomain)
//   node.metadata.GENERATOR     optional: "grpc" for a proxyless gRPC client (Istio's
//                              convention), absent or "envoy" for a sidecar
//
// Everything here is input from the network: it is checked, never trusted, and
// every refusal says which field is wrong and what it should be.

import type { WireNode } from '../../xds/ads.ts';
import { metadataString } from '../../xds/ads.ts';

export type ProxyKind = 'sidecar' | 'proxyless';

export interface ProxyNode {
  /** node.id: one proxy instance. */
  readonly id: string;
  readonly namespace: string;
  readonly workload: string;
  readonly kind: ProxyKind;
  /** node.user_agent_name, for logs (truncated). */
  readonly userAgent: string;
}

export type NodeResult = { readonly ok: true; readonly node: ProxyNode } | { readonly ok: false; readonly error: string };

const NODE_ID = /^[A-Za-z0-9._~:@/+=-]{1,256}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const show = (s: string): string => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** Reads and checks a proxy's identity from its Node. */
export function parseNode(node: WireNode | undefined): NodeResult {
  if (node === undefined || node === null) {
    return { ok: false, error: 'the first request on a stream must carry node (node.id and node.metadata NAMESPACE, WORKLOAD_NAME)' };
  }
  const id = typeof node.id === 'string' ? node.id : '';
  if (!NODE_ID.test(id)) {
    return {
      ok: false,
      error: id === '' ? 'node.id is empty: set it to a name unique to this proxy instance' : `node.id ${show(id)} must be 1–256 characters of A-Z a-z 0-9 . _ ~ : @ / + = -`,
    };
  }
  const namespace = metadataString(node, 'NAMESPACE');
  if (namespace === undefined || namespace === '') return { ok: false, error: `node ${show(id)}: node.metadata.NAMESPACE is missing: set it to the workload's namespace` };
  if (!DNS_LABEL.test(namespace)) return { ok: false, error: `node ${show(id)}: node.metadata.NAMESPACE ${show(namespace)} is not a namespace name (a DNS-1123 label)` };
  const workload = metadataString(node, 'WORKLOAD_NAME');
  if (workload === undefined || workload === '') return { ok: false, error: `node ${show(id)}: node.metadata.WORKLOAD_NAME is missing: set it to the workload's name` };
  if (workload.length > 253 || !DNS_SUBDOMAIN.test(workload)) {
    return { ok: false, error: `node ${show(id)}: node.metadata.WORKLOAD_NAME ${show(workload)} is not a workload name (a DNS-1123 subdomain)` };
  }
  const generator = metadataString(node, 'GENERATOR');
  let kind: ProxyKind;
  if (generator === undefined || generator === '' || generator === 'envoy') kind = 'sidecar';
  else if (generator === 'grpc') kind = 'proxyless';
  else return { ok: false, error: `node ${show(id)}: node.metadata.GENERATOR ${show(generator)} is not known: use "grpc" for a proxyless gRPC client, or leave it out` };
  const ua = typeof node.user_agent_name === 'string' ? node.user_agent_name.slice(0, 64) : '';
  return { ok: true, node: Object.freeze({ id, namespace, workload, kind, userAgent: ua }) };
}

/** The snapshot key a node's config is stored under: proxies of one workload and kind share a config. */
export const configKeyOf = (node: Pick<ProxyNode, 'namespace' | 'workload' | 'kind'>): string =>
  node.kind === 'proxyless' ? `${node.namespace}/${node.workload}~grpc` : `${node.namespace}/${node.workload}`;
