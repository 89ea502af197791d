// The compiler's input: an immutable picture of the mesh at one moment.
// Sources (Kubernetes informers, a folder of YAML) build it; the compiler only
// reads it. Every resource in it has already passed the validator.

import type { VirtualService, AuthorizationPolicy, TrafficSplit } from '../api/model.ts';

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
}

export interface Registry {
  readonly services: readonly Service[];
  readonly instances: readonly WorkloadInstance[];
}

export type MtlsMode = 'STRICT' | 'PERMISSIVE';

export interface MeshSettings {
  readonly trustDomain: string;          // cluster.local
  readonly clusterDomain: string;        // svc.cluster.local suffix: "cluster.local"
  readonly rootNamespace: string;        // AuthorizationPolicies here apply mesh-wide
  readonly defaultMtls: MtlsMode;
  readonly namespaceMtls: Readonly<Record<string, MtlsMode>>;
}

export interface MeshSnapshot {
  readonly virtualServices: readonly VirtualService[];
  readonly authorizationPolicies: readonly AuthorizationPolicy[];
  readonly trafficSplits: readonly TrafficSplit[];
  readonly registry: Registry;
  readonly settings: MeshSettings;
}

/** Which proxy is asking: a workload in a namespace. */
export interface ProxyIdentity {
  readonly namespace: string;
  readonly workload: string;
}
