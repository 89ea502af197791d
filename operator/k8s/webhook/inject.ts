// Sidecar injection: the mutating webhook's answer for a Pod being created in
// a namespace labelled weft.dev/inject=enabled (the MutatingWebhookConfiguration
// selects those namespaces; this code decides per Pod). Pure: no I/O, no clock.
//
// What a Pod gets, as init containers in this order, before its own:
//   weft-init   redirects the Pod's traffic through the proxy with iptables
//               (root with NET_ADMIN/NET_RAW only, then exits);
//   weft-proxy  the proxy as a native sidecar (restartPolicy: Always): the
//               kubelet starts the application only after the proxy's
//               startupProbe passes, and on shutdown stops the application
//               first and the proxy last, so no request is sent or received
//               without it. The Pod's own init containers already run in the
//               mesh. Needs Kubernetes 1.29 or later (SidecarContainers).
// With the default `originalDst: 'conntrack'` the proxy reads each redirected
// connection's original destination from /proc/net/nf_conntrack (root:root
// 0440), so the proxy container alone runs with group 0 as its primary group
// (runAsGroup 0; still uid 1337, no capabilities). The Pod's other containers
// are not in group 0: supplementalGroups, the other way, is Pod-wide
// (docs/interception.md).
// Also a projected volume with a ServiceAccount token for the mesh CA (its own
// audience, so the token is useless to anything but the CA, which checks it
// with a TokenReview) and the CA's root certificate (ConfigMap
// weft-ca-root-cert, kept in each namespace by the operator).
//
// Not injected: Pods annotated weft.dev/inject: "false", hostNetwork Pods
// (the iptables rules would rewrite the node's own traffic), and Pods that
// already have the containers (a reinvocation, or an injection by hand).

import type { V1Container, V1EnvVar, V1Probe, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { AdmissionRequest, AdmissionResponse } from './admission.ts';
import { invalidStatus } from './admission.ts';
import type { Problem } from '../../api/problem.ts';

export const INJECT_LABEL = 'weft.dev/inject';
/** Pod annotation; "false" opts a Pod out. */
export const INJECT_ANNOTATION = 'weft.dev/inject';
/** Set on injected Pods: what was injected, for `kubectl get pod -o yaml` and for idempotence. */
export const STATUS_ANNOTATION = 'weft.dev/injected';
/** Pod annotations: comma-separated ports the iptables rules leave alone. */
export const EXCLUDE_INBOUND_ANNOTATION = 'weft.dev/exclude-inbound-ports';
export const EXCLUDE_OUTBOUND_ANNOTATION = 'weft.dev/exclude-outbound-ports';

export const PROXY_CONTAINER = 'weft-proxy';
export const INIT_CONTAINER = 'weft-init';
export const IDENTITY_VOLUME = 'weft-identity';
export const TMP_VOLUME = 'weft-tmp';
export const IDENTITY_DIR = '/var/run/weft/identity';

/** Everything about the injected containers that a cluster may set differently. */
export interface SidecarConfig {
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** The proxy runs as this uid; the iptables rules exempt its own traffic by it. */
  readonly proxyUid: number;
  readonly ports: {
    readonly outbound: number;
    readonly inbound: number;
    readonly admin: number;
    readonly metrics: number;
    /** Serves /healthz/ready on the Pod IP for the kubelet's probes. */
    readonly health: number;
  };
  /** The control plane's xDS/CA address (TLS), host:port. */
  readonly xdsAddress: string;
  readonly trustDomain: string;
  /** Audience of the projected ServiceAccount token; the CA's TokenReview demands it. */
  readonly tokenAudience: string;
  readonly tokenExpirationSeconds: number;
  /** ConfigMap with the mesh CA's root certificate (key root-cert.pem) in every injected namespace. */
  readonly caRootConfigMap: string;
  /**
   * How the proxy learns a redirected connection's original destination:
   * `conntrack` (`--original-dst conntrack`, the proxy container runs with
   * group 0 to read /proc/net/nf_conntrack) or `authority` (HTTP routed by
   * Host, group 1337; TCP to a Service port is then not routed).
   */
  readonly originalDst: 'conntrack' | 'authority';
  /** Arguments to the image's entrypoint (`weft`) for each container (the proxy's --original-dst is added from originalDst). */
  readonly proxyArgs: readonly string[];
  readonly initArgs: readonly string[];
  readonly proxyResources: Resources;
  readonly initResources: Resources;
}

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** Memory only: a CPU limit throttles the proxy under load and adds latency to every request. */
  readonly limits: { readonly memory: string };
}

export const DEFAULT_SIDECAR: SidecarConfig = {
  image: 'weft:latest',
  imagePullPolicy: 'IfNotPresent',
  proxyUid: 1337,
  ports: { outbound: 15001, inbound: 15006, admin: 15000, metrics: 15090, health: 15021 },
  xdsAddress: 'weft.weft-system.svc:15012',
  trustDomain: 'cluster.local',
  tokenAudience: 'weft-ca',
  tokenExpirationSeconds: 43_200,
  caRootConfigMap: 'weft-ca-root-cert',
  originalDst: 'conntrack',
  proxyArgs: ['proxy'],
  initArgs: ['proxy-init'],
  proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  initResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
};

type Obj = Readonly<Record<string, unknown>>;

export type JsonPatchOp = { readonly op: 'add'; readonly path: string; readonly value: unknown };

export type InjectionDecision =
  | { readonly inject: true; readonly patch: readonly JsonPatchOp[]; readonly warnings: readonly string[] }
  | { readonly inject: false; readonly reason: string }
  | { readonly inject: 'invalid'; readonly problems: readonly Problem[] };

const POD_KIND = { group: '', version: 'v1', kind: 'Pod' };

/** The mutating webhook's answer for a Pod CREATE; anything else is allowed untouched. */
export function injectAdmission(request: AdmissionRequest, config: SidecarConfig = DEFAULT_SIDECAR): AdmissionResponse {
  const allow: AdmissionResponse = { uid: request.uid, allowed: true };
  if (request.operation !== 'CREATE' || request.subResource !== '') return allow;
  if (request.kind.group !== '' || request.kind.kind !== 'Pod' || request.object === undefined) return allow;
  const decision = decideInjection(request.object, config);
  switch (decision.inject) {
    case false:
      return allow;
    case 'invalid': {
      const name = podName(request.object, request.name);
      return { uid: request.uid, allowed: false, status: invalidStatus(POD_KIND, name, decision.problems) };
    }
    case true:
      return {
        ...allow,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(decision.patch)).toString('base64'),
        ...(decision.warnings.length === 0 ? {} : { warnings: decision.warnings }),
      };
  }
}

/** Whether and how to inject a Pod: the JSON patch, or why not. */
export function decideInjection(pod: Obj, config: SidecarConfig = DEFAULT_SIDECAR): InjectionDecision {
  const meta = obj(pod['metadata']);
  const annotations = obj(meta['annotations']);
  const spec = obj(pod['spec']);
  const optOut = annotations[INJECT_ANNOTATION];
  if (optOut === 'false' || optOut === 'disabled') return { inject: false, reason: `annotation ${INJECT_ANNOTATION}: ${String(optOut)}` };
  if (spec['hostNetwork'] === true) return { inject: false, reason: 'hostNetwork Pod: iptables rules would redirect the node\'s traffic' };
  const initContainers = list(spec['initContainers']);
  const containers = list(spec['containers']);
  const names = new Set([...initContainers, ...containers].map((c) => obj(c)['name']));
  if (names.has(PROXY_CONTAINER) || names.has(INIT_CONTAINER)) return { inject: false, reason: 'already injected' };

  const problems: Problem[] = [];
  const excludeInbound = portsAnnotation(annotations, EXCLUDE_INBOUND_ANNOTATION, problems);
  const excludeOutbound = portsAnnotation(annotations, EXCLUDE_OUTBOUND_ANNOTATION, problems);
  if (problems.length > 0) return { inject: 'invalid', problems };

  const warnings: string[] = [];
  containers.forEach((c, i) => {
    const uid = obj(obj(c)['securityContext'])['runAsUser'] ?? obj(spec['securityContext'])['runAsUser'];
    if (uid === config.proxyUid) {
      warnings.push(`spec.containers[${i}].securityContext.runAsUser: ${config.proxyUid} is the proxy's uid: this container's traffic bypasses the proxy (no mTLS, no policy); run it as another user`);
    }
  });

  const volumes = list(spec['volumes']);
  const taken = new Set(volumes.map((v) => obj(v)['name']));
  for (const v of [IDENTITY_VOLUME, TMP_VOLUME]) {
    if (taken.has(v)) return { inject: 'invalid', problems: [{ severity: 'error', path: `spec.volumes[${v}]`, message: `the name ${v} is reserved for the Weft sidecar; rename the volume or opt out with the annotation ${INJECT_ANNOTATION}: "false"` }] };
  }

  const patch: JsonPatchOp[] = [
    // `add` on an existing member replaces it: the whole list, in the order the kubelet must run it.
    { op: 'add', path: '/spec/initContainers', value: [initContainer(config, excludeInbound, excludeOutbound), proxyContainer(config, podFacts(meta)), ...initContainers] },
    volumes.length === 0
      ? { op: 'add', path: '/spec/volumes', value: sidecarVolumes(config) }
      : { op: 'add', path: '/spec/volumes/-', value: sidecarVolumes(config)[0] },
  ];
  if (volumes.length !== 0) patch.push({ op: 'add', path: '/spec/volumes/-', value: sidecarVolumes(config)[1] });
  // A projected token needs a named ServiceAccount. The API server's
  // ServiceAccount admission plugin names "default" before webhooks run; where
  // it is disabled the Pod would be refused, so name it as that plugin would.
  if (typeof spec['serviceAccountName'] !== 'string' || spec['serviceAccountName'] === '') {
    const legacy = spec['serviceAccount'];
    patch.push({ op: 'add', path: '/spec/serviceAccountName', value: typeof legacy === 'string' && legacy !== '' ? legacy : 'default' });
  }
  const status = `${INIT_CONTAINER},${PROXY_CONTAINER}`;
  patch.push(meta['annotations'] === undefined || meta['annotations'] === null
    ? { op: 'add', path: '/metadata/annotations', value: { [STATUS_ANNOTATION]: status } }
    : { op: 'add', path: `/metadata/annotations/${pointerEscape(STATUS_ANNOTATION)}`, value: status });
  return { inject: true, patch, warnings };
}

export function initContainer(config: SidecarConfig, excludeInbound: readonly number[] = [], excludeOutbound: readonly number[] = []): V1Container {
  // The proxy's own listeners for the kubelet and Prometheus stay reachable without redirection.
  const inboundExempt = [...new Set([config.ports.health, config.ports.metrics, ...excludeInbound])];
  const env: V1EnvVar[] = [
    { name: 'WEFT_PROXY_UID', value: String(config.proxyUid) },
    { name: 'WEFT_INBOUND_PORT', value: String(config.ports.inbound) },
    { name: 'WEFT_OUTBOUND_PORT', value: String(config.ports.outbound) },
    { name: 'WEFT_EXCLUDE_INBOUND_PORTS', value: inboundExempt.join(',') },
    { name: 'WEFT_EXCLUDE_OUTBOUND_PORTS', value: excludeOutbound.join(',') },
  ];
  return {
    name: INIT_CONTAINER,
    image: config.image,
    imagePullPolicy: config.imagePullPolicy,
    args: [...config.initArgs],
    env,
    resources: resources(config.initResources),
    securityContext: {
      // iptables needs root and these two capabilities, nothing else.
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * What the proxy must tell the control plane about its Pod that the downward
 * API cannot give as a variable: the workload it belongs to and its labels.
 */
export interface PodFacts {
  /** Undefined: the Pod has no controller, so it is its own workload (the proxy uses POD_NAME). */
  readonly workload?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The workload by the rule the operator's registry uses
 * (operator/compile/manifests.ts): the controlling owner, a ReplicaSet
 * standing for its Deployment (the name without the pod-template-hash), so
 * the proxy's node metadata and the operator's view of the Pod agree.
 */
export function podFacts(meta: Obj): PodFacts {
  const owners = list(meta['ownerReferences']).map(obj);
  const owner = owners.find((o) => o['controller'] === true) ?? owners[0];
  const name = owner?.['name'];
  const workload = typeof name === 'string' && name !== '' ? (owner?.['kind'] === 'ReplicaSet' ? name.replace(/-[a-z0-9]{5,10}$/, '') : name) : undefined;
  const raw = obj(meta['labels']);
  const labels = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { ...(workload !== undefined ? { workload } : {}), ...(Object.keys(labels).length > 0 ? { labels } : {}) };
}

export function proxyContainer(config: SidecarConfig, pod: PodFacts = {}): V1Container {
  const field = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
  const ready = (periodSeconds: number, failureThreshold: number): V1Probe => ({
    httpGet: { path: '/healthz/ready', port: config.ports.health, scheme: 'HTTP' },
    periodSeconds, failureThreshold, timeoutSeconds: 1, successThreshold: 1,
  });
  const mounts: V1VolumeMount[] = [
    { name: IDENTITY_VOLUME, mountPath: IDENTITY_DIR, readOnly: true },
    { name: TMP_VOLUME, mountPath: '/tmp' },
  ];
  return {
    name: PROXY_CONTAINER,
    image: config.image,
    imagePullPolicy: config.imagePullPolicy,
    args: config.originalDst === 'conntrack' ? [...config.proxyArgs, '--original-dst', 'conntrack'] : [...config.proxyArgs],
    // A native sidecar: started before the app containers, stopped after them.
    restartPolicy: 'Always',
    env: [
      field('POD_NAME', 'metadata.name'),
      field('POD_NAMESPACE', 'metadata.namespace'),
      field('POD_IP', 'status.podIP'),
      field('NODE_NAME', 'spec.nodeName'),
      field('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      ...(pod.workload !== undefined ? [{ name: 'WEFT_WORKLOAD_NAME', value: pod.workload }] : []),
      ...(pod.labels !== undefined ? [{ name: 'WEFT_LABELS', value: JSON.stringify(pod.labels) }] : []),
      { name: 'WEFT_XDS_ADDRESS', value: config.xdsAddress },
      { name: 'WEFT_TRUST_DOMAIN', value: config.trustDomain },
      { name: 'WEFT_TOKEN_FILE', value: `${IDENTITY_DIR}/token` },
      { name: 'WEFT_CA_ROOT_FILE', value: `${IDENTITY_DIR}/root-cert.pem` },
      { name: 'WEFT_ADMIN_PORT', value: String(config.ports.admin) },
      { name: 'WEFT_HEALTH_PORT', value: String(config.ports.health) },
      { name: 'WEFT_METRICS_PORT', value: String(config.ports.metrics) },
      { name: 'WEFT_INBOUND_PORT', value: String(config.ports.inbound) },
      { name: 'WEFT_OUTBOUND_PORT', value: String(config.ports.outbound) },
    ],
    ports: [
      { name: 'weft-metrics', containerPort: config.ports.metrics, protocol: 'TCP' },
      { name: 'weft-health', containerPort: config.ports.health, protocol: 'TCP' },
    ],
    // The app starts once this passes (native sidecar): up to 10 minutes for a first config.
    startupProbe: ready(1, 600),
    readinessProbe: ready(5, 3),
    resources: resources(config.proxyResources),
    securityContext: {
      runAsUser: config.proxyUid,
      // Group 0 reads /proc/net/nf_conntrack (root:root 0440); the iptables exemptions match the uid, not the group.
      runAsGroup: config.originalDst === 'conntrack' ? CONNTRACK_GROUP : config.proxyUid,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

export function sidecarVolumes(config: SidecarConfig): [V1Volume, V1Volume] {
  return [
    {
      name: IDENTITY_VOLUME,
      projected: {
        sources: [
          { serviceAccountToken: { audience: config.tokenAudience, expirationSeconds: config.tokenExpirationSeconds, path: 'token' } },
          // Not optional: a Pod without the root cannot reach the control plane, and waiting
          // (kubectl describe says for what) is clearer than a proxy that never becomes ready.
          { configMap: { name: config.caRootConfigMap, items: [{ key: 'root-cert.pem', path: 'root-cert.pem' }] } },
        ],
      },
    },
    { name: TMP_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
  ];
}

// --- helpers -------------------------------------------------------------------------

/** The group owning /proc/net/nf_conntrack (root:root 0440). */
const CONNTRACK_GROUP = 0;

function resources(r: Resources): { requests: Record<string, string>; limits: Record<string, string> } {
  return { requests: { cpu: r.requests.cpu, memory: r.requests.memory }, limits: { memory: r.limits.memory } };
}

function portsAnnotation(annotations: Obj, key: string, problems: Problem[]): number[] {
  const raw = annotations[key];
  if (raw === undefined) return [];
  const path = `metadata.annotations[${key}]`;
  if (typeof raw !== 'string') {
    problems.push({ severity: 'error', path, message: 'must be a comma-separated list of ports' });
    return [];
  }
  const ports: number[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const n = /^[0-9]{1,5}$/.test(part) ? Number(part) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      problems.push({ severity: 'error', path, message: `${JSON.stringify(part)} is not a port (1 to 65535); write a comma-separated list such as "8080,9090"` });
      continue;
    }
    ports.push(n);
  }
  return ports;
}

function podName(pod: Obj, requestName: string): string {
  const meta = obj(pod['metadata']);
  if (typeof meta['name'] === 'string' && meta['name'] !== '') return meta['name'];
  if (requestName !== '') return requestName;
  return typeof meta['generateName'] === 'string' ? meta['generateName'] : '';
}

/** RFC 6901: `~` and `/` in a key. */
const pointerEscape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}
