// The seams between the operator's Kubernetes side and the xDS server, which
// knows nothing about Kubernetes: the operator publishes each mesh snapshot to
// a SnapshotSink, and asks a ProgrammedSource how the proxies took each
// resource, for the Programmed condition.

import type { ResourceRef } from '../api/model.ts';
import type { AffectedProxies, MeshAnalysis } from '../compile/analyze.ts';
import type { MeshSnapshot } from '../compile/snapshot.ts';

/** Receives every snapshot the operator builds (every replica builds them, leader or not). */
export interface SnapshotSink {
  /** `version` increases by one with each snapshot of this operator process. */
  publish(version: number, snapshot: MeshSnapshot, analysis: MeshAnalysis): void;
}

export interface ProgrammedQuery {
  readonly ref: ResourceRef;
  readonly generation: number;
  /** The proxies this resource reaches (from analyzeMesh). */
  readonly reach: AffectedProxies;
  /**
   * The first snapshot version that carries this generation of the resource as
   * it now analyses (its reach, references and conflicts): a proxy has this
   * resource once it has acknowledged this version or a later one.
   */
  readonly version: number;
}

export interface ProxyRejection {
  /** The proxy, as `namespace/workload` or its node id. */
  readonly proxy: string;
  /** Envoy's error_detail from the NACK, as the proxy sent it. */
  readonly error: string;
}

export interface ProgrammedReport {
  /** Proxies in reach, connected now, that acknowledged `version` or later. */
  readonly acked: number;
  /** Proxies in reach connected now. */
  readonly total: number;
  /** Proxies in reach that rejected `version` or later (and have not acknowledged since). */
  readonly rejections: readonly ProxyRejection[];
}

export interface ProgrammedSource {
  /** How the proxies took the resource; undefined when the source cannot tell yet. */
  programmed(query: ProgrammedQuery): ProgrammedReport | undefined;
  /** Calls `listener` whenever acknowledgements change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}
