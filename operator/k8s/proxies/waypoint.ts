// The per-namespace waypoint: what the operator runs for a namespace labelled
// weft.dev/waypoint=enabled (Istio ambient's waypoint, by name and role: one
// L7 proxy Deployment serving that namespace's services). Pure: rendering the
// objects and reading a Deployment's state take no clock and do no I/O.
//
// Ownership, for garbage collection in a real cluster (see
// docs/managed-proxies.md):
//   Namespace ──owns──▶ Deployment weft-waypoint ──owns──▶ Service, ServiceAccount weft-waypoint
// A namespaced object may name a cluster-scoped owner; the Namespace's uid
// ties the Deployment to this incarnation of the namespace. The Deployment
// is the controller of the other two, so deleting it (what the operator does
// when the label goes) lets the garbage collector remove the rest.

import { createHash } from 'node:crypto';
import type { V1Container, V1Deployment, V1OwnerReference, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import { proxyContainer, sidecarVolumes, INJECT_ANNOTATION, type SidecarConfig } from '../webhook/inject.ts';
import { int, isObj, str, type Obj } from '../objects.ts';

export const WAYPOINT_LABEL = 'weft.dev/waypoint';
export const WAYPOINT_NAME = 'weft-waypoint';
/** On every object the operator runs for a waypoint; the Deployment informer selects on it. */
export const PROXY_ROLE_LABEL = 'weft.dev/proxy';
export const PROXY_ROLE = 'waypoint';
export const MANAGED_SELECTOR = `${PROXY_ROLE_LABEL}=${PROXY_ROLE}`;
/**
 * A hash of the rendered pod template (image and every setting). On the
 * Deployment, so an unchanged config is recognised without a write; on the
 * pod template, so each Pod says which config it runs.
 */
export const CONFIG_HASH_ANNOTATION = 'weft.dev/proxy-config-hash';
/** The mesh port a waypoint receives traffic on (the proxy's inbound listener). */
export const WAYPOINT_MESH_PORT_NAME = 'mesh';

/** Everything that shapes a waypoint: the injected sidecar's settings (one image, one set of ports). */
export type WaypointSettings = SidecarConfig;

export interface NamespaceRef {
  readonly name: string;
  readonly uid: string;
}

export interface RenderedWaypoint {
  readonly hash: string;
  readonly deployment: V1Deployment;
  /** Without the Deployment's uid: the owner reference is added once the Deployment exists. */
  readonly service: (deploymentUid: string) => V1Service;
  readonly serviceAccount: (deploymentUid: string) => V1ServiceAccount;
}

const labels = (): Record<string, string> => ({
  'app.kubernetes.io/name': WAYPOINT_NAME,
  'app.kubernetes.io/component': 'waypoint',
  'app.kubernetes.io/managed-by': 'weft-operator',
  [PROXY_ROLE_LABEL]: PROXY_ROLE,
});

/** The selector is immutable on a Deployment: never derived from anything that may change. */
const selectorLabels = (): Record<string, string> => ({ 'app.kubernetes.io/name': WAYPOINT_NAME, [PROXY_ROLE_LABEL]: PROXY_ROLE });

export function namespaceOwner(ns: NamespaceRef): V1OwnerReference {
  // blockOwnerDeletion is left unset: setting it needs `update` on the owner's finalizers
  // where OwnerReferencesPermissionEnforcement is on, and nothing here must outlive the namespace's deletion order.
  return { apiVersion: 'v1', kind: 'Namespace', name: ns.name, uid: ns.uid, controller: true };
}

export function deploymentOwner(uid: string): V1OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: WAYPOINT_NAME, uid, controller: true };
}

/** The waypoint's proxy container: the injected sidecar's, as a plain container (not a native sidecar). */
export function waypointContainer(settings: WaypointSettings): V1Container {
  // Connections reach a waypoint directly (no iptables REDIRECT): no original destination to read from conntrack.
  const { restartPolicy: _sidecarOnly, startupProbe: _appGate, ...container } = proxyContainer(
    { ...settings, originalDst: 'authority' },
    // Its Pods belong to the Deployment: the proxy must register as that workload, as the operator's registry sees it.
    { workload: WAYPOINT_NAME, labels: labels() },
  );
  return {
    ...container,
    ports: [
      { name: WAYPOINT_MESH_PORT_NAME, containerPort: settings.ports.inbound, protocol: 'TCP' },
      ...(container.ports ?? []),
    ],
  };
}

/** The Deployment, Service and ServiceAccount for one namespace's waypoint, and the hash of the pod template. */
export function renderWaypoint(ns: NamespaceRef, settings: WaypointSettings): RenderedWaypoint {
  const [identity, tmp] = sidecarVolumes(settings);
  const podSpec = {
    serviceAccountName: WAYPOINT_NAME,
    // The proxy is the Pod: it never gets a sidecar of its own.
    containers: [waypointContainer(settings)],
    volumes: [identity, tmp],
    // The proxy drains in-flight requests on SIGTERM (weft proxy --drain-timeout, 5 s).
    terminationGracePeriodSeconds: 30,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  };
  const hash = createHash('sha256').update(canonical(podSpec)).digest('hex').slice(0, 16);
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: WAYPOINT_NAME,
      namespace: ns.name,
      labels: labels(),
      annotations: { [CONFIG_HASH_ANNOTATION]: hash },
      ownerReferences: [namespaceOwner(ns)],
    },
    // No replicas: left to the API server's default (1), `kubectl scale` or an HPA, which server-side apply then does not fight.
    spec: {
      selector: { matchLabels: selectorLabels() },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(),
          annotations: { [CONFIG_HASH_ANNOTATION]: hash, [INJECT_ANNOTATION]: 'false' },
        },
        spec: podSpec,
      },
    },
  };
  const service = (uid: string): V1Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: WAYPOINT_NAME, namespace: ns.name, labels: labels(), ownerReferences: [deploymentOwner(uid)] },
    spec: {
      selector: selectorLabels(),
      ports: [
        { name: WAYPOINT_MESH_PORT_NAME, port: settings.ports.inbound, targetPort: WAYPOINT_MESH_PORT_NAME, protocol: 'TCP' },
        { name: 'http-metrics', port: settings.ports.metrics, targetPort: 'weft-metrics', protocol: 'TCP' },
      ],
    },
  });
  const serviceAccount = (uid: string): V1ServiceAccount => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: WAYPOINT_NAME, namespace: ns.name, labels: labels(), ownerReferences: [deploymentOwner(uid)] },
  });
  return { hash, deployment, service, serviceAccount };
}

/** JSON with sorted keys: the same template hashes the same whatever order it was built in. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

// --- what the live Deployment says ---------------------------------------------------------

export type WaypointState =
  | { readonly status: 'True'; readonly reason: 'Available'; readonly message: string }
  | { readonly status: 'False'; readonly reason: 'Progressing' | 'Unavailable' | 'RolloutFailed'; readonly message: string }
  | { readonly status: 'Unknown'; readonly reason: 'Pending'; readonly message: string };

/**
 * The waypoint's readiness from its Deployment, as `kubectl rollout status`
 * judges it: the deployment controller has seen this generation, every
 * replica runs the current template and is available. A rollout past its
 * progress deadline says so.
 */
export function waypointState(deployment: Obj, wantHash: string): WaypointState {
  const meta = isObj(deployment['metadata']) ? deployment['metadata'] : {};
  const spec = isObj(deployment['spec']) ? deployment['spec'] : {};
  const status = isObj(deployment['status']) ? deployment['status'] : {};
  const generation = int(meta['generation']) ?? 0;
  const observed = int(status['observedGeneration']) ?? 0;
  const desired = int(spec['replicas']) ?? 1;
  const updated = int(status['updatedReplicas']) ?? 0;
  const available = int(status['availableReplicas']) ?? 0;
  const total = int(status['replicas']) ?? 0;
  const annotations = isObj(meta['annotations']) ? meta['annotations'] : {};
  const image = imageOf(deployment) ?? 'no image';
  if (str(annotations[CONFIG_HASH_ANNOTATION]) !== wantHash) {
    return { status: 'Unknown', reason: 'Pending', message: `the Deployment does not carry the current proxy config (${wantHash}) yet` };
  }
  if (observed < generation) {
    return { status: 'Unknown', reason: 'Pending', message: `waiting for the deployment controller to observe generation ${generation} (${image})` };
  }
  const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter(isObj) : [];
  const progressing = conditions.find((c) => c['type'] === 'Progressing');
  if (progressing !== undefined && progressing['reason'] === 'ProgressDeadlineExceeded') {
    return { status: 'False', reason: 'RolloutFailed', message: `rollout of ${image} exceeded its progress deadline: ${str(progressing['message']) ?? ''}`.trim() };
  }
  if (desired === 0) return { status: 'False', reason: 'Unavailable', message: 'scaled to 0 replicas: the namespace has no waypoint running' };
  if (updated < desired || total > updated) {
    return { status: 'False', reason: 'Progressing', message: `rolling out ${image}: ${updated} of ${desired} replicas updated, ${available} available` };
  }
  if (available < desired) {
    return { status: 'False', reason: 'Unavailable', message: `${available} of ${desired} replicas available (${image})` };
  }
  return { status: 'True', reason: 'Available', message: `${available} of ${desired} replicas available (${image})` };
}

function imageOf(deployment: Obj): string | undefined {
  const spec = isObj(deployment['spec']) ? deployment['spec'] : {};
  const template = isObj(spec['template']) ? spec['template'] : {};
  const podSpec = isObj(template['spec']) ? template['spec'] : {};
  const containers = Array.isArray(podSpec['containers']) ? podSpec['containers'] : [];
  const first: unknown = containers[0];
  return isObj(first) ? str(first['image']) : undefined;
}
