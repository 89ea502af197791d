// The validating admission webhook on a real kube-apiserver, driven through
// kubectl as a user would. The webhook server runs in this process with a
// serving certificate from the mesh CA; the API server calls it by URL with
// the rules, selectors and policies of config/webhook (only clientConfig
// differs, since there is no Service to route to here).
//
// kubectl runs asynchronously: the webhook answers from this process's event
// loop, which a synchronous spawn would block.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';
import { caConfig, createCa, trustBundlePem } from '../../operator/ca/authority.ts';
import { issueWebhookCert, type WebhookCert } from '../../operator/k8s/webhook/cert.ts';
import { startWebhookServer, type WebhookServer } from '../../operator/k8s/webhook/server.ts';
import { ensureCaBundle, caBundleValue } from '../../operator/k8s/webhook/cabundle.ts';
import { kubectlAsync, kubectlOk, type KubectlResult } from '../support/kube.ts';

const CONFIG_NAME = 'weft-validating-webhook';

let cluster: Cluster;
let cert: WebhookCert;
let server: WebhookServer | undefined;
let port = 0;

type Run = KubectlResult;

const kubectl = (args: readonly string[], input?: string): Promise<Run> => kubectlAsync(cluster.kubeconfig, args, input);

const ok = (args: readonly string[], input?: string): Promise<string> => kubectlOk(cluster.kubeconfig, args, input);

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

const apply = (yaml: string): Promise<Run> => kubectl(['apply', '-f', '-'], yaml);

const virtualService = (name: string, namespace: string, http: string): string => `
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [reviews]
  http:
${http}`;

// Passes the CRD's schema and CEL rules; three semantic errors only the validator sees.
const BAD_HTTP = `
  - match:
    - uri: {regex: '^/api/(v[0-9])/\\1$'}
      headers: {X-User: {exact: jason}}
    route:
    - {destination: {host: reviews}, weight: 0}
    - {destination: {host: ratings}, weight: 0}
`;
const BAD_LINES = [
  'The VirtualService "bad" is invalid: ',
  // The API server hands the webhook JSON with keys sorted, so headers come before uri.
  '* spec.http[0].match[0].headers[X-User]: header names in matches must be lower case: write "x-user" (got "X-User")',
  '* spec.http[0].match[0].uri.regex: backreferences such as \\1 are not supported: RE2 cannot run them in linear time',
  '* spec.http[0].route: all weights are 0: no destination would receive traffic; give at least one destination a positive weight',
  '',
].join('\n');

const GOOD_HTTP = `
  - match: [{uri: {prefix: /api}}]
    route:
    - {destination: {host: reviews}, weight: 90}
    - {destination: {host: ratings}, weight: 10}
  - route: [{destination: {host: reviews}}]
`;

// Valid, but the first rule catches everything, so the second is dead.
const SUSPICIOUS_HTTP = `
  - match: [{uri: {regex: '.*'}}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: ratings}}]
`;
const SUSPICIOUS_WARNINGS = [
  'Warning: spec.http[0].match[0].uri.regex: ".*" matches every value; leave the condition out instead',
  'Warning: spec.http[1]: is never used: spec.http[0] before it matches every request; move catch-all rules to the end',
  '',
].join('\n');

// A minimal SMI TrafficSplit CRD, as the SMI project publishes it (served versions, free-form spec).
const SMI_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: trafficsplits.split.smi-spec.io}
spec:
  group: split.smi-spec.io
  scope: Namespaced
  names: {kind: TrafficSplit, plural: trafficsplits, singular: trafficsplit, listKind: TrafficSplitList}
  versions:
  - name: v1alpha1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}
  - name: v1alpha2
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}
`;

/** config/webhook's ValidatingWebhookConfiguration, pointed at this process by URL. */
function webhookConfiguration(caBundle: string): string {
  const doc = parse(readFileSync(join(REPO_ROOT, 'config', 'webhook', 'validating-webhook.yaml'), 'utf8')) as {
    webhooks: Array<{ clientConfig: unknown }>;
  };
  for (const w of doc.webhooks) w.clientConfig = { url: `https://127.0.0.1:${port}/validate`, caBundle };
  return stringify(doc);
}

async function startServer(): Promise<void> {
  server = await startWebhookServer({ port, host: '127.0.0.1', tls: cert.tls });
  port = server.port;
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return kc;
}

before(async () => {
  cluster = await startCluster();
  await ok(['apply', '-f', join(REPO_ROOT, 'crds')]);
  await ok(['apply', '-f', '-'], SMI_CRD);
  await ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd/virtualservices.weft.dev',
    'crd/authorizationpolicies.weft.dev', 'crd/trafficsplits.weft.dev', 'crd/trafficsplits.split.smi-spec.io']);
  for (const ns of ['shop', 'weft-system', 'legacy']) await ok(['create', 'namespace', ns]);
  // Stored before the webhook existed: valid for the schema, not for the validator.
  await ok(['apply', '-f', '-'], virtualService('stale', 'legacy', BAD_HTTP));

  const now = new Date();
  const ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now });
  cert = await issueWebhookCert(ca, { now, ipAddresses: ['127.0.0.1'] });
  await startServer();
  await ok(['apply', '-f', '-'], webhookConfiguration(caBundleValue(cert.caBundlePem)));
  // The API server picks up webhook configurations asynchronously.
  await eventually('the webhook is called', async () => {
    const r = await kubectl(['create', '--dry-run=server', '-f', '-'], virtualService('bad', 'shop', BAD_HTTP));
    return r.err.includes('is invalid');
  });
});

after(async () => {
  await server?.close();
  await cluster?.stop();
});

test('a semantically bad VirtualService is rejected: one line per field path', async () => {
  const r = await apply(virtualService('bad', 'shop', BAD_HTTP));
  assert.equal(r.code, 1);
  assert.equal(r.err, BAD_LINES);
  assert.equal(r.out, '');
  const get = await kubectl(['get', 'vs', 'bad', '-n', 'shop']);
  assert.notEqual(get.code, 0, 'the rejected VirtualService was stored');
});

test('a single problem is printed on the same line as the resource', async () => {
  const r = await apply(virtualService('zero', 'shop', '  - route: [{destination: {host: reviews}, weight: 0}]\n'));
  assert.equal(r.code, 1);
  assert.equal(r.err, 'The VirtualService "zero" is invalid: spec.http[0].route: all weights are 0: no destination would receive traffic; give at least one destination a positive weight\n');
});

test('a good VirtualService is accepted without warnings', async () => {
  const r = await apply(virtualService('reviews', 'shop', GOOD_HTTP));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'virtualservice.weft.dev/reviews created\n');
  assert.equal(r.err, '');
});

test('a suspicious VirtualService is accepted with a Warning per field path', async () => {
  const r = await apply(virtualService('catch-all', 'shop', SUSPICIOUS_HTTP));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'virtualservice.weft.dev/catch-all created\n');
  assert.equal(r.err, SUSPICIOUS_WARNINGS);
});

test('warnings accompany a rejection', async () => {
  const http = `
  - match: [{uri: {regex: '.*'}}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: ratings}}]
    timeout: 0s
`;
  const r = await apply(virtualService('mixed', 'shop', http));
  assert.equal(r.code, 1);
  assert.equal(r.err, [
    'Warning: spec.http[0].match[0].uri.regex: ".*" matches every value; leave the condition out instead',
    'Warning: spec.http[1]: is never used: spec.http[0] before it matches every request; move catch-all rules to the end',
    'The VirtualService "mixed" is invalid: spec.http[1].timeout: must be at least 1ms (got "0s"); durations are kept to the millisecond',
    '',
  ].join('\n'));
});

test('an AuthorizationPolicy with a bad path pattern is rejected', async () => {
  const r = await apply(`
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: api-only, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  rules:
  - to:
    - operation: {paths: [/api/*/items, /health]}
`);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'The AuthorizationPolicy "api-only" is invalid: spec.rules[0].to[0].operation.paths[0]: only exact values, prefix*, *suffix and * are supported (got "/api/*/items"); a * in the middle is not a wildcard\n');
});

test('a TrafficSplit whose weights are all zero is rejected', async () => {
  const r = await apply(`
apiVersion: weft.dev/v1alpha1
kind: TrafficSplit
metadata: {name: reviews, namespace: shop}
spec:
  service: reviews
  backends: [{service: reviews-v1, weight: 0}, {service: reviews-v2, weight: 0}]
`);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'The TrafficSplit "reviews" is invalid: spec.backends: all backend weights are 0: no backend would receive traffic; give at least one backend a positive weight\n');
});

test('an update is judged too: a bad edit is refused and the stored spec stays', async () => {
  const r = await apply(virtualService('reviews', 'shop', '  - route: [{destination: {host: reviews}, weight: 0}]\n'));
  assert.equal(r.code, 1);
  assert.equal(r.err, 'The VirtualService "reviews" is invalid: spec.http[0].route: all weights are 0: no destination would receive traffic; give at least one destination a positive weight\n');
  const weight = await ok(['get', 'vs', 'reviews', '-n', 'shop', '-o', 'jsonpath={.spec.http[0].route[0].weight}']);
  assert.equal(weight, '90');
  // A good edit goes through.
  const edit = await apply(virtualService('reviews', 'shop', GOOD_HTTP.replace('weight: 90', 'weight: 80').replace('weight: 10', 'weight: 20')));
  assert.equal(edit.code, 0, edit.err);
  assert.equal(edit.out, 'virtualservice.weft.dev/reviews configured\n');
});

test('an invalid object stored before the webhook can still be labelled and cleaned up, not edited', async () => {
  await ok(['label', 'vs', 'stale', '-n', 'legacy', 'team=shop']);
  await ok(['patch', 'vs', 'stale', '-n', 'legacy', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/cleanup"]}}']);
  await ok(['patch', 'vs', 'stale', '-n', 'legacy', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  const edit = await kubectl(['patch', 'vs', 'stale', '-n', 'legacy', '--type=json', '-p', '[{"op":"replace","path":"/spec/hosts","value":["ratings"]}]']);
  assert.equal(edit.code, 1);
  assert.match(edit.err, /^The VirtualService "stale" is invalid: \n\* spec\.http\[0\]\.match\[0\]\.headers\[X-User\]: /);
});

test('weft-system and kube-system are never judged (the operator cannot lock itself out)', async () => {
  for (const ns of ['weft-system', 'kube-system']) {
    const r = await apply(virtualService('bad', ns, BAD_HTTP));
    assert.equal(r.code, 0, `${ns}: ${r.err}`);
    assert.equal(r.out, 'virtualservice.weft.dev/bad created\n');
    assert.equal(r.err, '');
  }
});

test('SMI TrafficSplits are judged by their own webhook entry', async () => {
  const split = (name: string, weights: [string, string]): string => `
apiVersion: split.smi-spec.io/v1alpha1
kind: TrafficSplit
metadata: {name: ${name}, namespace: shop}
spec:
  service: reviews
  backends: [{service: reviews-primary, weight: ${weights[0]}}, {service: reviews-canary, weight: ${weights[1]}}]
`;
  const bad = await apply(split('reviews-smi', ['"0"', '0m']));
  assert.equal(bad.code, 1);
  assert.equal(bad.err, 'The TrafficSplit "reviews-smi" is invalid: spec.backends: all backend weights are 0: no backend would receive traffic; give at least one backend a positive weight\n');
  const good = await apply(split('reviews-smi', ['900m', '100m']));
  assert.equal(good.code, 0, good.err);
  assert.equal(good.out, 'trafficsplit.split.smi-spec.io/reviews-smi created\n');
});

test('while the webhook is down: mesh kinds are refused (failurePolicy Fail), other kinds, deletes and SMI splits go through', async () => {
  await server?.close();
  server = undefined;
  try {
    const r = await apply(virtualService('while-down', 'shop', GOOD_HTTP));
    assert.equal(r.code, 1);
    assert.match(r.err, /failed calling webhook "validate\.weft\.dev".*connection refused/);
    const cm = await kubectl(['create', 'configmap', 'settings', '-n', 'shop', '--from-literal=a=b']);
    assert.equal(cm.code, 0, cm.err);
    const del = await kubectl(['delete', 'vs', 'catch-all', '-n', 'shop']);
    assert.equal(del.code, 0, del.err);
    assert.equal(del.out, 'virtualservice.weft.dev "catch-all" deleted\n');
    // failurePolicy Ignore: canary controllers keep working while the operator restarts.
    const smi = await kubectl(['patch', 'trafficsplits.split.smi-spec.io', 'reviews-smi', '-n', 'shop', '--type=json',
      '-p', '[{"op":"replace","path":"/spec/backends/1/weight","value":"200m"}]']);
    assert.equal(smi.code, 0, smi.err);
  } finally {
    await startServer();
  }
  const back = await apply(virtualService('while-down', 'shop', GOOD_HTTP));
  assert.equal(back.code, 0, back.err);
});

test('caBundle upkeep: a wrong bundle breaks admission, ensureCaBundle repairs it, and a current bundle is left alone', async () => {
  const now = new Date();
  const otherCa = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now });
  const wrong = caBundleValue(trustBundlePem(otherCa));
  await ok(['patch', 'validatingwebhookconfiguration', CONFIG_NAME, '--type=json', '-p', JSON.stringify([
    { op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: wrong },
    { op: 'replace', path: '/webhooks/1/clientConfig/caBundle', value: wrong },
  ])]);
  // Probed with server-side dry runs: each one is a CREATE that reaches admission.
  const probe = (): Promise<Run> => kubectl(['create', '--dry-run=server', '-f', '-'], virtualService('rotated', 'shop', GOOD_HTTP));
  await eventually('the API server distrusts the webhook', async () => {
    const r = await probe();
    return r.code !== 0 && /x509|certificate/.test(r.err);
  });

  const kc = kubeConfig();
  const first = await ensureCaBundle(kc, CONFIG_NAME, cert.caBundlePem);
  assert.deepEqual(first.updated, ['validate.weft.dev', 'smi.validate.weft.dev']);
  const bundles = await ok(['get', 'validatingwebhookconfiguration', CONFIG_NAME, '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}']);
  assert.deepEqual(bundles.split(' '), [caBundleValue(cert.caBundlePem), caBundleValue(cert.caBundlePem)]);
  const managers = await ok(['get', 'validatingwebhookconfiguration', CONFIG_NAME, '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}']);
  assert.match(managers, /\bweft-operator\b/);
  await eventually('admission works again', async () => (await probe()).code === 0);
  assert.equal((await apply(virtualService('rotated', 'shop', GOOD_HTTP))).code, 0);

  const before = await ok(['get', 'validatingwebhookconfiguration', CONFIG_NAME, '-o', 'jsonpath={.metadata.resourceVersion}']);
  const second = await ensureCaBundle(kc, CONFIG_NAME, cert.caBundlePem);
  assert.deepEqual(second.updated, []);
  const after = await ok(['get', 'validatingwebhookconfiguration', CONFIG_NAME, '-o', 'jsonpath={.metadata.resourceVersion}']);
  assert.equal(after, before, 'a current bundle was written again');
});

test('ensureCaBundle names a missing configuration', async () => {
  await assert.rejects(ensureCaBundle(kubeConfig(), 'no-such-webhook', cert.caBundlePem), {
    name: 'CaBundleError',
    message: 'ValidatingWebhookConfiguration "no-such-webhook" does not exist: install config/webhook (kubectl apply -k config/default)',
  });
});

test('the config/webhook base applies, and re-applying it keeps the caBundles the operator set', async () => {
  // The base's validating configuration has the same name as the test's and
  // points at a Service with no endpoints here: this runs last and removes
  // what it applied.
  const configs = [
    { resource: 'validatingwebhookconfiguration', name: CONFIG_NAME, kind: 'ValidatingWebhookConfiguration' as const, policies: 'Fail Ignore' },
    { resource: 'mutatingwebhookconfiguration', name: 'weft-sidecar-injector', kind: 'MutatingWebhookConfiguration' as const, policies: 'Fail' },
  ];
  const want = caBundleValue(cert.caBundlePem);
  await ok(['delete', 'validatingwebhookconfiguration', CONFIG_NAME]);
  try {
    for (const mode of [[], ['--server-side']]) {
      await ok(['apply', ...mode, '-k', join(REPO_ROOT, 'config', 'webhook')]);
      for (const c of configs) {
        const r = await ensureCaBundle(kubeConfig(), c.name, cert.caBundlePem, { kind: c.kind });
        assert.ok(r.updated.length > 0, `${c.name}: nothing updated`);
      }
      await ok(['apply', ...mode, '-k', join(REPO_ROOT, 'config', 'webhook')]);
      for (const c of configs) {
        const got = await ok(['get', c.resource, c.name, '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}']);
        assert.deepEqual(got.split(' '), c.policies.split(' ').map(() => want), `${c.name} after kubectl apply ${mode.join(' ')}`);
        assert.equal(await ok(['get', c.resource, c.name, '-o', 'jsonpath={.webhooks[*].failurePolicy}']), c.policies);
        await ok(['delete', c.resource, c.name]);
      }
    }
  } finally {
    for (const c of configs) await kubectl(['delete', c.resource, c.name, '--ignore-not-found']);
  }
});
