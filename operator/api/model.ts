// The validated resource model the compiler reads. The generated types mirror
// crds/schema/*.schema.json; everything here has passed the validator, has
// metadata.namespace set, and SMI TrafficSplits have been converted to the
// weft.dev shape (operator/api/smi.ts).

import type { VirtualService, AuthorizationPolicy, TrafficSplit, WorkloadEntry, RequestAuthentication } from './types.gen.ts';

export type { VirtualService, AuthorizationPolicy, TrafficSplit, WorkloadEntry, RequestAuthentication };
export type * from './types.gen.ts';

/** The routing and policy kinds: compiled into proxy config, with status conditions. */
export type MeshKind = 'VirtualService' | 'AuthorizationPolicy' | 'TrafficSplit' | 'RequestAuthentication';
export type MeshResource = VirtualService | AuthorizationPolicy | TrafficSplit | RequestAuthentication;
/** Every weft.dev kind the validator judges: the mesh kinds and the registry's WorkloadEntry. */
export type WeftKind = MeshKind | 'WorkloadEntry';
export type ValidResource = MeshResource | WorkloadEntry;

/** Identifies one resource for status and conflict reporting. */
export interface ResourceRef {
  /** weft.dev, or split.smi-spec.io for an SMI TrafficSplit converted to the weft.dev shape. */
  readonly group: 'weft.dev' | 'split.smi-spec.io';
  readonly kind: WeftKind;
  readonly namespace: string;
  readonly name: string;
  readonly generation?: number;
}

export const refKey = (r: ResourceRef): string => `${r.kind}.${r.group}/${r.namespace}/${r.name}`;
