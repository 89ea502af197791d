// The mesh as the caches hold it, at one moment: every mesh resource through
// the one validator, the registry from Services, Pods, EndpointSlices and
// WorkloadEntries, the
// immutable snapshot the compiler reads, and its analysis. Deterministic for
// the same objects (no clock, no I/O); validation is memoised per cached
// object, since an unchanged object is the same object in the cache.

import { refKey, type AuthorizationPolicy, type MeshKind, type RequestAuthentication, type ResourceRef, type TrafficSplit, type VirtualService } from '../api/model.ts';
import { validateResource, type ValidationResult } from '../api/validate.ts';
import { analyzeMesh, type MeshAnalysis } from '../compile/analyze.ts';
import type { ManifestProblem } from '../compile/manifests.ts';
import type { KeySet, MeshSettings, MeshSnapshot } from '../compile/snapshot.ts';
import { keySetFetches, type KeySetFetch } from '../compile/authn.ts';
import { metaOf, type Obj } from './objects.ts';
import { namespaceMtls, registryFromCluster } from './registry.ts';

export type MeshGroup = ResourceRef['group'];

/** The queue key of a mesh resource: refKey's format, `Kind.group/namespace/name`. */
export const meshKey = (kind: MeshKind, group: MeshGroup, obj: Obj): string => {
  const m = metaOf(obj);
  return refKey({ group, kind, namespace: m.namespace, name: m.name });
};

export interface MeshObject {
  readonly key: string;
  readonly kind: MeshKind;
  readonly group: MeshGroup;
  readonly object: Obj;
}

export interface MeshInputs {
  readonly meshObjects: readonly MeshObject[];
  readonly services: readonly Obj[];
  readonly pods: readonly Obj[];
  readonly endpointSlices: readonly Obj[];
  readonly workloadEntries: readonly Obj[];
  readonly namespaces: readonly Obj[];
}

export interface Verdict {
  readonly uid: string;
  readonly generation: number;
  readonly validation: ValidationResult;
}

export interface MeshBuild {
  readonly snapshot: MeshSnapshot;
  readonly analysis: MeshAnalysis;
  /** By meshKey. */
  readonly verdicts: ReadonlyMap<string, Verdict>;
  readonly registryProblems: readonly ManifestProblem[];
  /** Namespace labels that set no valid mTLS mode. */
  readonly settingsProblems: readonly string[];
}

/** Memoises validation per cached object (and the mTLS mode it was judged under). */
export class ValidationMemo {
  private memo = new WeakMap<Obj, { readonly mode: string; readonly result: ValidationResult }>();
  validate(obj: Obj, mtls: 'STRICT' | 'PERMISSIVE'): ValidationResult {
    const hit = this.memo.get(obj);
    if (hit !== undefined && hit.mode === mtls) return hit.result;
    const result = validateResource(obj, { mtlsMode: () => mtls });
    this.memo.set(obj, { mode: mtls, result });
    return result;
  }
}

/**
 * The key sets the RequestAuthentications need, as the control plane's
 * fetcher knows them now (operator/authn/keysets.ts: it starts fetching what
 * is new and drops what is no longer asked for).
 */
export type KeySetSource = (fetches: readonly KeySetFetch[]) => Readonly<Record<string, KeySet>>;

export function buildMesh(inputs: MeshInputs, base: Omit<MeshSettings, 'namespaceMtls'>, memo: ValidationMemo, keySets?: KeySetSource): MeshBuild {
  const mtls = namespaceMtls(inputs.namespaces);
  const settings: MeshSettings = { ...base, namespaceMtls: mtls.modes };
  const verdicts = new Map<string, Verdict>();
  const virtualServices: VirtualService[] = [];
  const authorizationPolicies: AuthorizationPolicy[] = [];
  const trafficSplits: TrafficSplit[] = [];
  const requestAuthentications: RequestAuthentication[] = [];
  const smiTrafficSplits: string[] = [];
  const sorted = [...inputs.meshObjects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const m of sorted) {
    const meta = metaOf(m.object);
    const validation = memo.validate(m.object, settings.namespaceMtls[meta.namespace] ?? settings.defaultMtls);
    verdicts.set(m.key, { uid: meta.uid, generation: meta.generation, validation });
    if (!validation.ok) continue;
    const r = validation.resource;
    if (r.kind === 'VirtualService') virtualServices.push(r);
    else if (r.kind === 'AuthorizationPolicy') authorizationPolicies.push(r);
    else if (r.kind === 'TrafficSplit') {
      trafficSplits.push(r);
      if (m.group === 'split.smi-spec.io') smiTrafficSplits.push(`${meta.namespace}/${meta.name}`);
    } else if (r.kind === 'RequestAuthentication') requestAuthentications.push(r);
  }
  const fetches = keySetFetches(requestAuthentications);
  // Asked even when empty, so the fetcher drops sets no policy names any more.
  const sets = keySets?.(fetches);
  const registry = registryFromCluster(inputs, settings);
  const snapshot: MeshSnapshot = Object.freeze({
    virtualServices,
    authorizationPolicies,
    trafficSplits,
    ...(requestAuthentications.length > 0 ? { requestAuthentications } : {}),
    ...(sets !== undefined && fetches.length > 0 ? { keySets: sets } : {}),
    registry: registry.registry,
    settings,
    smiTrafficSplits,
  });
  return { snapshot, analysis: analyzeMesh(snapshot), verdicts, registryProblems: registry.problems, settingsProblems: mtls.invalid };
}
