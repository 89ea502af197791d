// The compiler's input: an immutable picture of the mesh at one moment.
// Sources (Kubernetes informers, a folder of YAML) build it; the compiler only
// reads it. Every resource in it has already passed the validator.

import type { VirtualService, AuthorizationPolicy, TrafficSplit, RequestAuthentication } from '../api/model.ts';

/** A fetched JSON Web Key Set: its public signing keys (as a JWKS JSON document), not fetched yet, or why it could not be. */
export type KeySet =
  | { readonly state: 'ready'; readonly jwks: string }
  | { readonly state: 'pending' }
  | { readonly state: 'failed'; readonly reason: string };

export type Protocol = 'http' | 'http2' | 'grpc' | 'tcp';

export interface ServicePort {
  readonly name?: string;
  /** The port clients call on the Service. */
  readonly port: number;
  /** The port the workload listens on. */
  readonly targetPort: number;
  /** From appProtocol or the port name prefix (http-, grpc-, tcp-), as Istio derives it. */
  readonly protocol: Protocol;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly ServicePort[];
  /** Virtual IP (Kubernetes ClusterIP); absent for headless services. */
  readonly clusterIP?: string;
  /** Label selector choosing the workloads behind this Service. */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * Namespaces whose proxies see this Service: "*" (all, the default), "."
   * (its own), or namespace names. From the annotation `weft.dev/exportTo`
   * (or Istio's `networking.istio.io/exportTo`), comma-separated.
   */
  readonly exportTo?: readonly string[];
}

/** One running instance (a Pod, or a WorkloadEntry for a VM). */
export interface WorkloadInstance {
  readonly namespace: string;
  /** The workload it belongs to (Deployment name for a Pod, the WorkloadEntry's name). */
  readonly workload: string;
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly ready: boolean;
  /**
   * Port name → the port this instance listens on, overriding the Service
   * port's targetPort for the Service port of that name (WorkloadEntry.ports).
   */
  readonly ports?: Readonly<Record<string, number>>;
  /** Load-balancing weight among the Service's endpoints (WorkloadEntry.weight); absent means 1. */
  readonly weight?: number;
}

export interface Registry {
  readonly services: readonly Service[];
  readonly instances: readonly WorkloadInstance[];
}

export type MtlsMode = 'STRICT' | 'PERMISSIVE';

/**
 * What a proxy does with traffic to a host the registry does not know:
 * pass it through to the original destination (Istio's default), or refuse it.
 */
export type OutboundTrafficPolicy = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export interface MeshSettings {
  readonly trustDomain: string;          // cluster.local
  readonly clusterDomain: string;        // svc.cluster.local suffix: "cluster.local"
  readonly rootNamespace: string;        // AuthorizationPolicies here apply mesh-wide
  readonly defaultMtls: MtlsMode;
  readonly namespaceMtls: Readonly<Record<string, MtlsMode>>;
  /** Absent means ALLOW_ANY. */
  readonly outboundTrafficPolicy?: OutboundTrafficPolicy;
}

export const defaultMeshSettings: MeshSettings = Object.freeze({
  trustDomain: 'cluster.local',
  clusterDomain: 'cluster.local',
  rootNamespace: 'weft-system',
  defaultMtls: 'PERMISSIVE',
  namespaceMtls: Object.freeze({}),
  outboundTrafficPolicy: 'ALLOW_ANY',
});

export interface MeshSnapshot {
  readonly virtualServices: readonly VirtualService[];
  readonly authorizationPolicies: readonly AuthorizationPolicy[];
  readonly trafficSplits: readonly TrafficSplit[];
  /** Absent means none. */
  readonly requestAuthentications?: readonly RequestAuthentication[];
  /**
   * The key sets of RequestAuthentication rules that name no inline jwks,
   * as the control plane fetched them, by keySetKey (operator/compile/authn.ts).
   * A rule whose key set is missing here, pending or failed gets keys no
   * token verifies with: its issuer's tokens are refused, never let through.
   */
  readonly keySets?: Readonly<Record<string, KeySet>>;
  readonly registry: Registry;
  readonly settings: MeshSettings;
  /**
   * `namespace/name` of the TrafficSplits that came from SMI's
   * split.smi-spec.io (converted to the weft.dev shape), so status and
   * analysis name them by their real group.
   */
  readonly smiTrafficSplits?: readonly string[];
}

/** Which proxy is asking: a workload in a namespace. */
export interface ProxyIdentity {
  readonly namespace: string;
  readonly workload: string;
}
