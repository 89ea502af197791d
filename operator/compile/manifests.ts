// A mesh snapshot from a folder's worth of manifests (what `weft compile` and
// `weft up` read): the mesh resources through the one validator, the registry
// from Kubernetes objects.
//
// Registry rules:
// - Service (v1): ports with protocol TCP (UDP/SCTP ports are not meshed).
//   Protocol from appProtocol, else the port name as Istio reads it (`http`,
//   `http-*`, `http2`, `grpc`, `grpc-*`, `tcp`, `tcp-*`, …); a port with
//   neither is TCP, with a warning. A named targetPort is looked up in the
//   container ports of the workloads the selector picks. ExternalName
//   Services are skipped. Visibility from the annotation `weft.dev/exportTo`
//   (or `networking.istio.io/exportTo`), comma-separated; absent means all.
// - Workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet (pod template
//   labels and serviceAccountName, one instance per replica), Pod
//   (status.podIP, Ready condition; the workload is its owner's name), and
//   weft.dev WorkloadEntry (a VM or any process outside Kubernetes, judged by
//   the same validator as the mesh resources: spec.address, labels,
//   serviceAccount, ports, weight; an invalid one is left out and reported).
//   Services select WorkloadEntries by their labels exactly as they select
//   Pods, and their addresses become endpoints. Manifests carry no Pod addresses, so
//   template-based instances are not ready (no endpoints) unless the caller
//   assigns addresses (`addressOf`), as `weft up` does.

import type { Manifest } from '../api/load.ts';
import type { AuthorizationPolicy, RequestAuthentication, TrafficSplit, VirtualService, WorkloadEntry } from '../api/model.ts';
import type { Problem } from '../api/problem.ts';
import { isMeshObject, validateResource } from '../api/validate.ts';
import { byString } from './names.ts';
import type { MeshSettings, MeshSnapshot, Protocol, Registry, Service, ServicePort, WorkloadInstance } from './snapshot.ts';

export const EXPORT_TO_ANNOTATION = 'weft.dev/exportTo';
export const ISTIO_EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** A problem in one manifest, located for printing like `weft validate`. */
export interface ManifestProblem extends Problem {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface BuildOptions {
  /** The address of replica `replica` of a template-based workload; undefined leaves it unaddressed (not ready). */
  readonly addressOf?: (workload: { namespace: string; workload: string; kind: string }, replica: number) => string | undefined;
}

export interface SnapshotBuild {
  readonly snapshot: MeshSnapshot;
  readonly problems: readonly ManifestProblem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const k of Object.keys(v).sort(byString)) if (typeof v[k] === 'string') out[k] = v[k] as string;
  return out;
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** Protocol of a Service port, as Istio derives it. */
export function portProtocol(name: string | undefined, appProtocol: string | undefined): Protocol | undefined {
  const pick = (p: string): Protocol | undefined => {
    const v = p.toLowerCase();
    if (v === 'http' || v === 'kubernetes.io/http') return 'http';
    if (v === 'http2' || v === 'kubernetes.io/h2c') return 'http2';
    if (v === 'grpc') return 'grpc';
    // gRPC-Web is HTTP/1.1 framing (Istio's GRPCWeb is not HTTP/2); as a port name prefix only `grpc` counts.
    if (v === 'grpc-web') return 'http';
    if (['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis'].includes(v)) return 'tcp';
    return undefined;
  };
  if (appProtocol !== undefined) {
    const p = pick(appProtocol);
    if (p !== undefined) return p;
  }
  if (name !== undefined) return pick(name.split('-')[0] ?? '');
  return undefined;
}

interface Located {
  readonly manifest: Manifest;
  readonly object: Obj;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

interface Template {
  readonly located: Located;
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
  readonly containerPorts: Record<string, number>;
}

export function snapshotFromManifests(manifests: readonly Manifest[], settings: MeshSettings, options: BuildOptions = {}): SnapshotBuild {
  const problems: ManifestProblem[] = [];
  const virtualServices: VirtualService[] = [];
  const authorizationPolicies: AuthorizationPolicy[] = [];
  const trafficSplits: TrafficSplit[] = [];
  const requestAuthentications: RequestAuthentication[] = [];
  const smiTrafficSplits: string[] = [];
  const services: Located[] = [];
  const instances: WorkloadInstance[] = [];
  const templates: Template[] = [];

  const problem = (l: Located, severity: Problem['severity'], path: string, message: string): void => {
    problems.push({ file: l.manifest.file, line: path === '' ? l.manifest.line : l.manifest.lineOf(path), kind: l.kind, namespace: l.namespace, name: l.name, severity, path, message });
  };

  for (const manifest of manifests) {
    const object = manifest.object;
    if (!isObj(object)) continue;
    const meta = isObj(object['metadata']) ? object['metadata'] : {};
    const located: Located = {
      manifest,
      object,
      kind: str(object['kind']) ?? '',
      namespace: str(meta['namespace']) ?? 'default',
      name: str(meta['name']) ?? '',
    };
    const apiVersion = str(object['apiVersion']) ?? '';
    if (isMeshObject(object)) {
      const result = validateResource(object);
      for (const p of result.problems) problem(located, p.severity, p.path, p.message);
      if (!result.ok) continue;
      const r = result.resource;
      if (r.kind === 'VirtualService') virtualServices.push(r);
      else if (r.kind === 'AuthorizationPolicy') authorizationPolicies.push(r);
      else if (r.kind === 'TrafficSplit') {
        trafficSplits.push(r);
        if (result.ref.group === 'split.smi-spec.io') smiTrafficSplits.push(`${result.ref.namespace}/${result.ref.name}`);
      } else if (r.kind === 'RequestAuthentication') requestAuthentications.push(r);
      else instances.push(workloadEntryInstance(r, result.ref.namespace));
      continue;
    }
    if (apiVersion === 'v1' && located.kind === 'Service') services.push(located);
    else if (apiVersion === 'v1' && located.kind === 'Pod') {
      const inst = pod(located);
      if (inst !== undefined) instances.push(inst.instance), templates.push(inst.template);
    } else if (apiVersion.startsWith('apps/') && WORKLOAD_KINDS.has(located.kind)) {
      const t = template(located);
      if (t === undefined) {
        problem(located, 'warning', 'spec.template', 'has no pod template labels: not a mesh workload');
        continue;
      }
      templates.push(t);
      const spec = isObj(object['spec']) ? object['spec'] : {};
      const replicas = located.kind === 'DaemonSet' ? 1 : typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
      for (let i = 0; i < replicas; i++) {
        const address = options.addressOf?.({ namespace: located.namespace, workload: located.name, kind: located.kind }, i);
        instances.push({
          namespace: located.namespace,
          workload: located.name,
          address: address ?? '',
          labels: t.labels,
          serviceAccount: t.serviceAccount,
          ready: address !== undefined,
        });
      }
    }
  }

  const registry: Registry = {
    services: services.map((s) => service(s, templates, (sev, path, message) => problem(s, sev, path, message))).filter((s): s is Service => s !== undefined),
    instances,
  };
  problems.sort((a, b) => byString(a.file, b.file) || a.line - b.line);
  return {
    snapshot: { virtualServices, authorizationPolicies, trafficSplits, ...(requestAuthentications.length > 0 ? { requestAuthentications } : {}), registry, settings, smiTrafficSplits },
    problems,
  };
}

function template(l: Located): Template | undefined {
  const spec = isObj(l.object['spec']) ? l.object['spec'] : {};
  const tpl = isObj(spec['template']) ? spec['template'] : {};
  const meta = isObj(tpl['metadata']) ? tpl['metadata'] : {};
  const labels = strMap(meta['labels']);
  if (Object.keys(labels).length === 0) return undefined;
  const podSpec = isObj(tpl['spec']) ? tpl['spec'] : {};
  return { located: l, labels, serviceAccount: str(podSpec['serviceAccountName']) ?? 'default', containerPorts: containerPorts(podSpec) };
}

function containerPorts(podSpec: Obj): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of Array.isArray(podSpec['containers']) ? podSpec['containers'] : []) {
    if (!isObj(c) || !Array.isArray(c['ports'])) continue;
    for (const p of c['ports']) if (isObj(p) && typeof p['name'] === 'string' && typeof p['containerPort'] === 'number') out[p['name']] = p['containerPort'];
  }
  return out;
}

function pod(l: Located): { instance: WorkloadInstance; template: Template } | undefined {
  const meta = isObj(l.object['metadata']) ? l.object['metadata'] : {};
  const spec = isObj(l.object['spec']) ? l.object['spec'] : {};
  const status = isObj(l.object['status']) ? l.object['status'] : {};
  const labels = strMap(meta['labels']);
  const owners = Array.isArray(meta['ownerReferences']) ? meta['ownerReferences'].filter(isObj) : [];
  const owner = owners.find((o) => o['controller'] === true) ?? owners[0];
  let workload = l.name;
  if (owner !== undefined && typeof owner['name'] === 'string') {
    // A ReplicaSet is named <deployment>-<pod-template-hash>: the Deployment is the workload.
    workload = owner['kind'] === 'ReplicaSet' ? owner['name'].replace(/-[a-z0-9]{5,10}$/, '') : owner['name'];
  }
  const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter(isObj) : [];
  const ready = conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True');
  const address = str(status['podIP']) ?? '';
  const serviceAccount = str(spec['serviceAccountName']) ?? 'default';
  return {
    instance: { namespace: l.namespace, workload, address, labels, serviceAccount, ready: ready && address !== '' },
    template: { located: l, labels, serviceAccount, containerPorts: containerPorts(spec) },
  };
}

/** A validated WorkloadEntry as a registry instance: always ready, at its own address. */
function workloadEntryInstance(entry: WorkloadEntry, namespace: string): WorkloadInstance {
  const { address, labels, serviceAccount, ports, weight } = entry.spec;
  return {
    namespace,
    workload: entry.metadata.name,
    address,
    labels: strMap(labels),
    serviceAccount: serviceAccount ?? 'default',
    ready: true,
    ...(ports !== undefined && Object.keys(ports).length > 0 ? { ports: { ...ports } } : {}),
    // 0 or unset means 1, as in Istio.
    ...(weight !== undefined && weight > 1 ? { weight } : {}),
  };
}

function service(l: Located, templates: readonly Template[], report: (s: Problem['severity'], path: string, message: string) => void): Service | undefined {
  const spec = isObj(l.object['spec']) ? l.object['spec'] : {};
  if (spec['type'] === 'ExternalName') return undefined;
  const meta = isObj(l.object['metadata']) ? l.object['metadata'] : {};
  const annotations = strMap(meta['annotations']);
  const exportAnnotation = annotations[EXPORT_TO_ANNOTATION] ?? annotations[ISTIO_EXPORT_TO_ANNOTATION];
  const selector = isObj(spec['selector']) ? strMap(spec['selector']) : undefined;
  const selected = selector === undefined ? [] : templates.filter((t) => t.located.namespace === l.namespace && Object.entries(selector).every(([k, v]) => t.labels[k] === v));
  const ports: ServicePort[] = [];
  (Array.isArray(spec['ports']) ? spec['ports'] : []).forEach((p: unknown, i: number) => {
    if (!isObj(p) || typeof p['port'] !== 'number') return;
    if (p['protocol'] !== undefined && p['protocol'] !== 'TCP') return;
    const name = str(p['name']);
    const path = `spec.ports[${i}]`;
    let protocol = portProtocol(name, str(p['appProtocol']));
    if (protocol === undefined) {
      report('warning', path, `port ${p['port']} has no protocol Weft recognises (name it http-…, grpc-…, tcp-… or set appProtocol): treated as TCP, without HTTP routing`);
      protocol = 'tcp';
    }
    let targetPort = p['port'];
    const tp = p['targetPort'];
    if (typeof tp === 'number') targetPort = tp;
    else if (typeof tp === 'string' && /^[0-9]+$/.test(tp)) targetPort = Number(tp);
    else if (typeof tp === 'string') {
      const found = selected.map((t) => t.containerPorts[tp]).find((n) => n !== undefined);
      if (found === undefined) report('warning', `${path}.targetPort`, `no selected workload has a container port named ${tp}: using port ${p['port']}`);
      else targetPort = found;
    }
    ports.push({ ...(name !== undefined ? { name } : {}), port: p['port'], targetPort, protocol });
  });
  const clusterIP = str(spec['clusterIP']);
  return {
    namespace: l.namespace,
    name: l.name,
    ports,
    ...(clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None' ? { clusterIP } : {}),
    ...(selector !== undefined ? { selector } : {}),
    ...(exportAnnotation !== undefined ? { exportTo: exportAnnotation.split(',').map((s) => s.trim()).filter((s) => s !== '') } : {}),
  };
}
