// Sidecar injection decisions and patches, applied to Pod objects the way the
// API server applies a JSON Patch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideInjection, injectAdmission, DEFAULT_SIDECAR, type JsonPatchOp } from '../../operator/k8s/webhook/inject.ts';
import type { AdmissionRequest } from '../../operator/k8s/webhook/admission.ts';

type Json = Record<string, unknown>;

/** RFC 6902 `add`, as the API server applies it: `-` appends, an existing member is replaced. */
function applyPatch(doc: Json, ops: readonly JsonPatchOp[]): Json {
  const out = structuredClone(doc);
  for (const op of ops) {
    const segs = op.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = segs.pop();
    let at: unknown = out;
    for (const s of segs) at = (at as Json)[s];
    if (at === undefined || last === undefined) throw new Error(`path ${op.path} does not exist`);
    if (Array.isArray(at)) {
      if (last === '-') at.push(op.value);
      else at.splice(Number(last), 0, op.value);
    } else {
      (at as Json)[last] = op.value;
    }
  }
  return out;
}

const pod = (spec: Json = {}, metadata: Json = {}): Json => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'mesh', ...metadata },
  spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec },
});

function injected(p: Json): Json {
  const d = decideInjection(p);
  assert.equal(d.inject, true, `not injected: ${JSON.stringify(d)}`);
  return d.inject === true ? applyPatch(p, d.patch) : p;
}

const initNames = (p: Json): unknown => ((p['spec'] as Json)['initContainers'] as Json[] | undefined)?.map((c) => c['name']);

test('a bare Pod gets both containers, its volumes, a ServiceAccount and the status annotation', () => {
  const p = injected(pod());
  const spec = p['spec'] as Json;
  assert.deepEqual(initNames(p), ['weft-init', 'weft-proxy']);
  assert.deepEqual((spec['volumes'] as Json[]).map((v) => v['name']), ['weft-identity', 'weft-tmp']);
  assert.equal(spec['serviceAccountName'], 'default');
  assert.deepEqual((p['metadata'] as Json)['annotations'], { 'weft.dev/injected': 'weft-init,weft-proxy' });
  assert.deepEqual(spec['containers'], [{ name: 'app', image: 'app:1' }]);
});

const proxyOf = (p: Json): Json => (((p['spec'] as Json)['initContainers'] as Json[]).find((c) => c['name'] === 'weft-proxy') ?? {});

test('the proxy reads original destinations from conntrack with group 0 as its own primary group; the Pod and its other containers get no group 0', () => {
  const bare = injected(pod());
  assert.deepEqual(proxyOf(bare)['args'], ['proxy', '--original-dst', 'conntrack']);
  assert.equal((bare['spec'] as Json)['securityContext'], undefined, 'no Pod-wide supplementalGroups');
  // uid 1337 (what the iptables exemptions match), group 0 to read /proc/net/nf_conntrack (root:root 0440), no capabilities.
  assert.deepEqual(proxyOf(bare)['securityContext'], {
    runAsUser: 1337, runAsGroup: 0, runAsNonRoot: true, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
  });
  // The iptables step still exempts the proxy by its uid.
  const init = ((bare['spec'] as Json)['initContainers'] as Json[]).find((c) => c['name'] === 'weft-init') ?? {};
  assert.ok((init['env'] as Json[]).some((e) => e['name'] === 'WEFT_PROXY_UID' && e['value'] === '1337'));
  // The Pod's own securityContext and groups are kept as they are, an odd one included (the API server judges it).
  const withContext = injected(pod({ securityContext: { runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [3000, 4000] } }));
  assert.deepEqual((withContext['spec'] as Json)['securityContext'], { runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [3000, 4000] });
  const odd = decideInjection(pod({ securityContext: { supplementalGroups: '0' } }));
  assert.ok(odd.inject === true && !odd.patch.some((op) => op.path.startsWith('/spec/securityContext')));
  // The app containers are untouched: no group 0 for them.
  assert.deepEqual((bare['spec'] as Json)['containers'], [{ name: 'app', image: 'app:1' }]);
});

test('without conntrack (originalDst: authority) the proxy routes by Host and runs with group 1337', () => {
  const d = decideInjection(pod({ securityContext: { runAsNonRoot: true } }), { ...DEFAULT_SIDECAR, originalDst: 'authority' });
  assert.equal(d.inject, true);
  const p = d.inject === true ? applyPatch(pod({ securityContext: { runAsNonRoot: true } }), d.patch) : pod();
  assert.deepEqual(proxyOf(p)['args'], ['proxy']);
  assert.equal((proxyOf(p)['securityContext'] as Json)['runAsGroup'], 1337);
  assert.deepEqual((p['spec'] as Json)['securityContext'], { runAsNonRoot: true });
});

test('existing init containers, volumes, annotations and ServiceAccount are kept, ours first', () => {
  const p = injected(pod(
    { initContainers: [{ name: 'migrate' }], volumes: [{ name: 'data', emptyDir: {} }], serviceAccountName: 'reviews' },
    { annotations: { team: 'shop' } },
  ));
  const spec = p['spec'] as Json;
  assert.deepEqual(initNames(p), ['weft-init', 'weft-proxy', 'migrate']);
  assert.deepEqual((spec['volumes'] as Json[]).map((v) => v['name']), ['data', 'weft-identity', 'weft-tmp']);
  assert.equal(spec['serviceAccountName'], 'reviews');
  assert.deepEqual((p['metadata'] as Json)['annotations'], { team: 'shop', 'weft.dev/injected': 'weft-init,weft-proxy' });
  // The deprecated spec.serviceAccount names the account when serviceAccountName does not.
  assert.equal((injected(pod({ serviceAccount: 'legacy' }))['spec'] as Json)['serviceAccountName'], 'legacy');
});

test('injection is idempotent: an injected Pod is left alone (reinvocation)', () => {
  const once = injected(pod());
  assert.deepEqual(decideInjection(once), { inject: false, reason: 'already injected' });
  assert.deepEqual(decideInjection(pod({ containers: [{ name: 'weft-proxy' }] })), { inject: false, reason: 'already injected' });
});

test('opt-out annotation and hostNetwork Pods are not injected', () => {
  assert.deepEqual(decideInjection(pod({}, { annotations: { 'weft.dev/inject': 'false' } })), { inject: false, reason: 'annotation weft.dev/inject: false' });
  assert.equal(decideInjection(pod({}, { annotations: { 'weft.dev/inject': 'disabled' } })).inject, false);
  assert.equal(decideInjection(pod({}, { annotations: { 'weft.dev/inject': 'true' } })).inject, true);
  assert.equal(decideInjection(pod({ hostNetwork: true })).inject, false);
});

test('port annotations are checked and reach the init container', () => {
  const bad = decideInjection(pod({}, { annotations: { 'weft.dev/exclude-inbound-ports': '0,80', 'weft.dev/exclude-outbound-ports': '99999' } }));
  assert.deepEqual(bad, {
    inject: 'invalid',
    problems: [
      { severity: 'error', path: 'metadata.annotations[weft.dev/exclude-inbound-ports]', message: '"0" is not a port (1 to 65535); write a comma-separated list such as "8080,9090"' },
      { severity: 'error', path: 'metadata.annotations[weft.dev/exclude-outbound-ports]', message: '"99999" is not a port (1 to 65535); write a comma-separated list such as "8080,9090"' },
    ],
  });
  const p = injected(pod({}, { annotations: { 'weft.dev/exclude-outbound-ports': '5432, 6379,' } }));
  const init = ((p['spec'] as Json)['initContainers'] as Json[])[0] as Json;
  const env = Object.fromEntries((init['env'] as Json[]).map((e) => [e['name'], e['value']]));
  assert.equal(env['WEFT_EXCLUDE_OUTBOUND_PORTS'], '5432,6379');
  assert.equal(env['WEFT_EXCLUDE_INBOUND_PORTS'], '15021,15090');
});

test('a volume named like ours is refused rather than shadowed', () => {
  const d = decideInjection(pod({ volumes: [{ name: 'weft-identity', emptyDir: {} }] }));
  assert.equal(d.inject, 'invalid');
});

test('containers running as the proxy uid (container or Pod level) draw a warning', () => {
  const own = decideInjection(pod({ containers: [{ name: 'a', securityContext: { runAsUser: 1337 } }, { name: 'b' }] }));
  assert.deepEqual(own.inject === true ? own.warnings : [], [
    'spec.containers[0].securityContext.runAsUser: 1337 is the proxy\'s uid: this container\'s traffic bypasses the proxy (no mTLS, no policy); run it as another user',
  ]);
  const podLevel = decideInjection(pod({ securityContext: { runAsUser: 1337 }, containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsUser: 1000 } }] }));
  assert.equal(podLevel.inject === true ? podLevel.warnings.length : -1, 1);
});

test('the sidecar config is honoured', () => {
  const d = decideInjection(pod(), { ...DEFAULT_SIDECAR, image: 'example/weft:9', proxyUid: 2000, tokenAudience: 'mesh-ca' });
  const p = d.inject === true ? applyPatch(pod(), d.patch) : pod();
  const [init, proxy] = (p['spec'] as Json)['initContainers'] as Json[];
  assert.equal(proxy?.['image'], 'example/weft:9');
  assert.equal((proxy?.['securityContext'] as Json)['runAsUser'], 2000);
  assert.ok((init?.['env'] as Json[]).some((e) => e['name'] === 'WEFT_PROXY_UID' && e['value'] === '2000'));
  const identity = ((p['spec'] as Json)['volumes'] as Json[])[0] as { projected: { sources: Json[] } };
  assert.deepEqual(identity.projected.sources[0], { serviceAccountToken: { audience: 'mesh-ca', expirationSeconds: 43200, path: 'token' } });
});

const request = (over: Partial<AdmissionRequest>): AdmissionRequest => ({
  uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', name: '', namespace: 'mesh', subResource: '',
  object: pod(), oldObject: undefined, dryRun: false, ...over,
});

test('the admission response carries the patch as base64 JSON Patch', () => {
  const res = injectAdmission(request({}));
  assert.equal(res.allowed, true);
  assert.equal(res.allowed ? res.patchType : undefined, 'JSONPatch');
  const ops = JSON.parse(Buffer.from(res.allowed ? res.patch ?? '' : '', 'base64').toString('utf8')) as JsonPatchOp[];
  assert.deepEqual(initNames(applyPatch(pod(), ops)), ['weft-init', 'weft-proxy']);
});

test('only Pod CREATEs are mutated; a refusal names the Pod', () => {
  assert.deepEqual(injectAdmission(request({ operation: 'UPDATE', oldObject: pod() })), { uid: 'u', allowed: true });
  assert.deepEqual(injectAdmission(request({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' } })), { uid: 'u', allowed: true });
  assert.deepEqual(injectAdmission(request({ subResource: 'ephemeralcontainers' })), { uid: 'u', allowed: true });
  const refused = injectAdmission(request({ object: pod({}, { name: undefined, generateName: 'reviews-7d9f-', annotations: { 'weft.dev/exclude-inbound-ports': 'x' } }) }));
  assert.equal(refused.allowed, false);
  assert.deepEqual(refused.allowed ? undefined : [refused.status.details.kind, refused.status.details.group, refused.status.details.name], ['Pod', '', 'reviews-7d9f-']);
  assert.equal(refused.allowed ? '' : refused.status.message, 'Pod "reviews-7d9f-" is invalid: metadata.annotations[weft.dev/exclude-inbound-ports]: "x" is not a port (1 to 65535); write a comma-separated list such as "8080,9090"');
});

const envOf = (p: Json): Record<string, unknown> => Object.fromEntries((proxyOf(p)['env'] as Json[]).map((e) => [e['name'], e['value'] ?? e['valueFrom']]));

test('the proxy is told its workload as the operator derives it from the Pod\'s controller, and its labels', () => {
  const owned = (kind: string, name: string): Json => ({
    generateName: `${name}-`, name: undefined,
    labels: { app: 'reviews', 'pod-template-hash': '7d9f8c6b5' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'not-the-controller', uid: 'u0' }, { apiVersion: 'apps/v1', kind, name, uid: 'u1', controller: true }],
  });
  const fromRs = envOf(injected(pod({}, owned('ReplicaSet', 'reviews-v1-7d9f8c6b5'))));
  assert.equal(fromRs['WEFT_WORKLOAD_NAME'], 'reviews-v1', 'a ReplicaSet stands for its Deployment');
  assert.deepEqual(JSON.parse(String(fromRs['WEFT_LABELS'])), { app: 'reviews', 'pod-template-hash': '7d9f8c6b5' });
  assert.equal(envOf(injected(pod({}, owned('StatefulSet', 'db'))))['WEFT_WORKLOAD_NAME'], 'db');
  // No controller: the Pod is its own workload, which the proxy reads from POD_NAME (downward API).
  const bare = envOf(injected(pod()));
  assert.equal(bare['WEFT_WORKLOAD_NAME'], undefined);
  assert.equal(bare['WEFT_LABELS'], undefined);
  assert.deepEqual(bare['POD_NAME'], { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
});
