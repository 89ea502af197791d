// The resource types the operator watches, and what of each it keeps in its
// caches: only the fields something reads, so a cluster of many Pods costs
// their labels and addresses, not their whole specs.

import type { MeshKind } from '../api/model.ts';
import { apiVersionOf, type ResourceType } from './kube.ts';
import { isObj, type Obj } from './objects.ts';
import type { MeshGroup } from './mesh.ts';

export interface MeshType extends ResourceType {
  readonly kind: MeshKind;
  readonly meshGroup: MeshGroup;
  /** Whether the type has the status subresource (SMI's CRDs may not). */
  readonly statusSubresource: boolean;
}

const weft = (kind: MeshKind, resource: string): MeshType => ({
  group: 'weft.dev', version: 'v1alpha1', resource, kind, namespaced: true, meshGroup: 'weft.dev', statusSubresource: true,
});

export const VIRTUAL_SERVICES = weft('VirtualService', 'virtualservices');
export const AUTHORIZATION_POLICIES = weft('AuthorizationPolicy', 'authorizationpolicies');
export const TRAFFIC_SPLITS = weft('TrafficSplit', 'trafficsplits');
export const REQUEST_AUTHENTICATIONS = weft('RequestAuthentication', 'requestauthentications');
export const WEFT_TYPES: readonly MeshType[] = [VIRTUAL_SERVICES, AUTHORIZATION_POLICIES, TRAFFIC_SPLITS, REQUEST_AUTHENTICATIONS];

export const smiTrafficSplits = (version: string, statusSubresource: boolean): MeshType => ({
  group: 'split.smi-spec.io', version, resource: 'trafficsplits', kind: 'TrafficSplit', namespaced: true, meshGroup: 'split.smi-spec.io', statusSubresource,
});

export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true };
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true };
export const NAMESPACES: ResourceType = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false };
export const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
/** Registry data (workloads outside Kubernetes), not a mesh kind: no status of its own. */
export const WORKLOAD_ENTRIES: ResourceType = { group: 'weft.dev', version: 'v1alpha1', resource: 'workloadentries', kind: 'WorkloadEntry', namespaced: true };

const pick = (o: unknown, keys: readonly string[]): Obj => {
  const out: Obj = {};
  if (!isObj(o)) return out;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};

const META = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations', 'ownerReferences'];

/** Every cached object: apiVersion and kind set (list items may lack them), managedFields dropped. */
function base(type: ResourceType, obj: Obj): Obj {
  const { managedFields: _dropped, ...meta } = isObj(obj['metadata']) ? obj['metadata'] : {};
  return { ...obj, apiVersion: apiVersionOf(type), kind: type.kind, metadata: meta };
}

export function transformFor(type: ResourceType): (obj: Obj) => Obj {
  if (type === PODS) {
    return (obj) => {
      const spec = isObj(obj['spec']) ? obj['spec'] : {};
      const status = isObj(obj['status']) ? obj['status'] : {};
      const containers = Array.isArray(spec['containers']) ? spec['containers'].map((c) => pick(c, ['name', 'ports'])) : [];
      const ready = Array.isArray(status['conditions']) ? status['conditions'].filter((c) => isObj(c) && c['type'] === 'Ready').map((c) => pick(c, ['type', 'status'])) : [];
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: pick(obj['metadata'], META),
        spec: { ...pick(spec, ['serviceAccountName']), containers },
        status: { ...pick(status, ['phase', 'podIP']), conditions: ready },
      };
    };
  }
  if (type === SERVICES) {
    return (obj) => ({ apiVersion: 'v1', kind: 'Service', metadata: pick(obj['metadata'], META), spec: pick(obj['spec'], ['type', 'ports', 'clusterIP', 'selector']) });
  }
  if (type === ENDPOINT_SLICES) {
    return (obj) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: pick(obj['metadata'], META),
      addressType: obj['addressType'],
      endpoints: Array.isArray(obj['endpoints']) ? obj['endpoints'].map((e) => pick(e, ['addresses', 'conditions', 'targetRef'])) : [],
      ...(obj['ports'] !== undefined ? { ports: obj['ports'] } : {}),
    });
  }
  if (type === NAMESPACES) return (obj) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: pick(obj['metadata'], META) });
  if (type === WORKLOAD_ENTRIES) return (obj) => ({ apiVersion: apiVersionOf(type), kind: type.kind, metadata: pick(obj['metadata'], META), spec: obj['spec'] });
  if (type.group === 'split.smi-spec.io' && type.version !== 'v1alpha1') return (obj) => relabelSmiV1alpha1(base(type, obj));
  return (obj) => base(type, obj);
}

/**
 * SMI's CRDs convert nothing (strategy None): a split written as v1alpha1
 * (Argo Rollouts' default) and read through a later version keeps its
 * Quantity weights ("10", "500m") under the later apiVersion. Later versions'
 * schemas allow only numbers, so a string weight means the split was written
 * as v1alpha1 (which also has no matches): it is read as what it is.
 */
function relabelSmiV1alpha1(obj: Obj): Obj {
  const spec = obj['spec'];
  const backends = isObj(spec) ? spec['backends'] : undefined;
  const quantities = Array.isArray(backends) && backends.some((b) => isObj(b) && typeof b['weight'] === 'string');
  return quantities ? { ...obj, apiVersion: 'split.smi-spec.io/v1alpha1' } : obj;
}

/**
 * The object without what changes on every write (resourceVersion, and for
 * mesh resources their status, which the operator itself writes): equal
 * content means nothing the mesh reads changed.
 */
export function contentOf(obj: Obj, withStatus: boolean): string {
  const { resourceVersion: _rv, ...meta } = isObj(obj['metadata']) ? obj['metadata'] : {};
  const { status, ...rest } = obj;
  return JSON.stringify(withStatus ? { ...rest, metadata: meta, status } : { ...rest, metadata: meta });
}
