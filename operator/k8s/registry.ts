// The service registry from live cluster objects, by the same rules as from
// manifests (operator/compile/manifests.ts: ports and protocols, named target
// ports, exportTo, a Pod's workload from its owner): Services and Pods go
// through that code unchanged. What a live cluster adds is EndpointSlices:
// where an EndpointSlice lists a Pod, its address and readiness are the ones
// the endpoint controller published (it knows about terminating Pods,
// readiness gates and publishNotReadyAddresses), so each Pod is read with its
// status replaced by its endpoint's. Pods no slice lists keep their own
// status.podIP and Ready condition.
//
// WorkloadEntries (VMs and other workloads outside Kubernetes) go through
// the same code as in manifests: each is judged by the validator (the
// admission webhook refuses invalid ones; one stored before the webhook ran
// is left out and reported), and a Service selecting one by its labels gets
// its address as an endpoint, as in Istio.
//
// Namespaces carry the mTLS mode: the label `weft.dev/mtls` = STRICT or
// PERMISSIVE overrides the mesh default for the namespace's workloads.

import type { Manifest } from '../api/load.ts';
import { snapshotFromManifests, type ManifestProblem } from '../compile/manifests.ts';
import type { MeshSettings, MtlsMode, Registry } from '../compile/snapshot.ts';
import { isObj, metaOf, str, type Obj } from './objects.ts';

export const MTLS_LABEL = 'weft.dev/mtls';

export interface ClusterObjects {
  readonly services: readonly Obj[];
  readonly pods: readonly Obj[];
  readonly endpointSlices: readonly Obj[];
  readonly workloadEntries: readonly Obj[];
}

export interface RegistryBuild {
  readonly registry: Registry;
  /** Warnings about Services (ports without a protocol, unknown named target ports), and invalid WorkloadEntries. */
  readonly problems: readonly ManifestProblem[];
}

/** Namespaces whose `weft.dev/mtls` label sets a mode; other values are ignored (and reported). */
export function namespaceMtls(namespaces: readonly Obj[]): { readonly modes: Record<string, MtlsMode>; readonly invalid: readonly string[] } {
  const modes: Record<string, MtlsMode> = {};
  const invalid: string[] = [];
  for (const ns of namespaces) {
    const m = metaOf(ns);
    const v = m.labels[MTLS_LABEL];
    if (v === undefined) continue;
    if (v === 'STRICT' || v === 'PERMISSIVE') modes[m.name] = v;
    else invalid.push(`${m.name}: ${MTLS_LABEL}=${v} (use STRICT or PERMISSIVE)`);
  }
  return { modes, invalid };
}

interface EndpointView {
  readonly address: string;
  readonly ready: boolean;
}

/** Pod `namespace/name` → its endpoint, from every slice that lists it (ready if any says so). */
export function endpointsByPod(slices: readonly Obj[]): Map<string, EndpointView> {
  const out = new Map<string, EndpointView>();
  // IPv4 slices first: a dual-stack Pod is addressed by its IPv4 endpoint.
  const ordered = [...slices].sort((a, b) => Number(a['addressType'] !== 'IPv4') - Number(b['addressType'] !== 'IPv4'));
  for (const slice of ordered) {
    if (slice['addressType'] === 'FQDN') continue;
    const namespace = metaOf(slice).namespace;
    for (const ep of Array.isArray(slice['endpoints']) ? slice['endpoints'] : []) {
      if (!isObj(ep)) continue;
      const ref = isObj(ep['targetRef']) ? ep['targetRef'] : undefined;
      const address = Array.isArray(ep['addresses']) ? str(ep['addresses'][0]) : undefined;
      if (ref === undefined || ref['kind'] !== 'Pod' || address === undefined) continue;
      const key = `${str(ref['namespace']) ?? namespace}/${str(ref['name']) ?? ''}`;
      const conditions = isObj(ep['conditions']) ? ep['conditions'] : {};
      // EndpointSlice semantics: an absent ready condition means ready.
      const ready = conditions['ready'] !== false;
      const seen = out.get(key);
      if (seen === undefined) out.set(key, { address, ready });
      else if (!seen.ready && ready) out.set(key, { address: seen.address, ready });
    }
  }
  return out;
}

/** A Pod as the registry reads it: its status replaced by its endpoint's, when a slice lists it. */
function podView(pod: Obj, endpoint: EndpointView | undefined): Obj | undefined {
  const status = isObj(pod['status']) ? pod['status'] : {};
  if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return undefined;
  const terminating = metaOf(pod).deletionTimestamp !== undefined;
  if (endpoint === undefined && !terminating) return pod;
  const address = endpoint?.address ?? str(status['podIP']) ?? '';
  const ready = endpoint !== undefined ? endpoint.ready && !terminating : false;
  return {
    ...pod,
    status: { ...status, podIP: address, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

export function registryFromCluster(objects: ClusterObjects, settings: MeshSettings): RegistryBuild {
  const endpoints = endpointsByPod(objects.endpointSlices);
  const manifests: Manifest[] = [];
  const add = (object: Obj): void => {
    const m = metaOf(object);
    manifests.push({ file: `${String(object['kind'])} ${m.namespace}/${m.name}`, line: 0, index: manifests.length, object, lineOf: () => 0 });
  };
  for (const s of objects.services) add({ apiVersion: 'v1', kind: 'Service', ...s });
  for (const p of objects.pods) {
    const m = metaOf(p);
    const view = podView(p, endpoints.get(`${m.namespace}/${m.name}`));
    if (view !== undefined) add({ apiVersion: 'v1', kind: 'Pod', ...view });
  }
  for (const w of objects.workloadEntries) add({ ...w, apiVersion: 'weft.dev/v1alpha1', kind: 'WorkloadEntry' });
  const build = snapshotFromManifests(manifests, settings);
  return { registry: build.snapshot.registry, problems: build.problems };
}
