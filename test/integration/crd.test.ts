// The generated CustomResourceDefinitions on a real kube-apiserver, driven
// through kubectl as a user would: installed, established, listed by short
// name and category, and enforcing their schemas and CEL rules at admission.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, REPO_ROOT, type Cluster } from '../cluster/cluster.ts';

let cluster: Cluster;

function kubectl(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], {
    input, encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function ok(args: string[], input?: string): string {
  const r = kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

before(async () => {
  cluster = await startCluster();
  ok(['apply', '-f', join(REPO_ROOT, 'crds')]);
  ok(['wait', '--for=condition=Established', '--timeout=60s',
    'crd/virtualservices.weft.dev', 'crd/authorizationpolicies.weft.dev', 'crd/trafficsplits.weft.dev', 'crd/workloadentries.weft.dev', 'crd/requestauthentications.weft.dev']);
});

after(async () => {
  await cluster?.stop();
});

test('the CRDs install and the samples apply with kubectl apply -k', () => {
  ok(['apply', '-k', join(REPO_ROOT, 'config', 'samples')]);
  const all = ok(['get', 'weft', '-n', 'shop', '-o', 'name']);
  assert.match(all, /virtualservice\.weft\.dev\/reviews/);
  assert.match(all, /authorizationpolicy\.weft\.dev\//);
  assert.match(all, /trafficsplit\.weft\.dev\//);
  assert.match(all, /workloadentry\.weft\.dev\/ratings-vm/);
  assert.match(all, /requestauthentication\.weft\.dev\/ratings-jwt/);
  for (const short of ['vs', 'ap', 'ts', 'we', 'ra']) {
    assert.notEqual(ok(['get', short, '-n', 'shop', '-o', 'name']).trim(), '', `kubectl get ${short} lists nothing`);
  }
});

test('printer columns show what matters', () => {
  const vs = ok(['get', 'vs', '-n', 'shop']);
  assert.match(vs.split('\n')[0] ?? '', /^NAME\s+HOSTS\s+READY\s+REASON\s+AGE/);
  const ap = ok(['get', 'ap', '-n', 'shop']);
  assert.match(ap.split('\n')[0] ?? '', /^NAME\s+ACTION\s+READY\s+REASON\s+AGE/);
  const ts = ok(['get', 'ts', '-n', 'shop']);
  assert.match(ts.split('\n')[0] ?? '', /^NAME\s+SERVICE\s+READY\s+REASON\s+AGE/);
  const we = ok(['get', 'we', '-n', 'shop']).split('\n');
  assert.match(we[0] ?? '', /^NAME\s+ADDRESS\s+AGE/);
  assert.match(we[1] ?? '', /^ratings-vm\s+10\.128\.0\.17\s+/);
  assert.match(ok(['get', 'we', '-n', 'shop', '-o', 'wide']).split('\n')[1] ?? '', /^ratings-vm\s+10\.128\.0\.17\s+ratings\s+/);
  const ra = ok(['get', 'ra', '-n', 'shop']).split('\n');
  assert.match(ra[0] ?? '', /^NAME\s+ISSUERS\s+READY\s+REASON\s+AGE/);
  assert.match(ra[1] ?? '', /^ratings-jwt\s+https:\/\/accounts\.example\.com\s+/);
});

const ra = (spec: string): string => `
apiVersion: weft.dev/v1alpha1
kind: RequestAuthentication
metadata: {name: jwt, namespace: default}
spec: ${spec}
`;

test('RequestAuthentication: the API server enforces its schema (required issuer, one of jwks or jwksUri by CEL, durations, no unknown fields)', () => {
  ok(['apply', '-f', '-'], ra('{selector: {matchLabels: {app: web}}, jwtRules: [{issuer: "https://a.example.com", jwksUri: "https://a.example.com/jwks", timeout: 2s, fromHeaders: [{name: x-token, prefix: "Bearer "}], outputClaimToHeaders: [{header: x-sub, claim: sub}]}]}'));
  assert.equal(ok(['get', 'ra', 'jwt', '-n', 'default', '-o', 'jsonpath={.spec.jwtRules[0].fromHeaders[0].name}']), 'x-token');
  const cases: Array<[string, RegExp]> = [
    ['{jwtRules: [{jwksUri: "https://a.example.com/jwks"}]}', /spec\.jwtRules\[0\]\.issuer: Required value/],
    ['{jwtRules: [{issuer: "https://a.example.com", jwksUri: "https://a.example.com/jwks", jwks: "{}"}]}', /set only one of jwks or jwksUri/],
    ['{jwtRules: [{issuer: "https://a.example.com", timeout: soon}]}', /spec\.jwtRules\[0\]\.timeout in body should match/],
    ['{jwtRules: [{issuer: ""}]}', /spec\.jwtRules\[0\]\.issuer in body should be at least 1 chars long/],
  ];
  for (const [spec, want] of cases) {
    const r = kubectl(['apply', '-f', '-'], ra(spec));
    assert.notEqual(r.code, 0, `accepted: ${spec}`);
    assert.match(r.err, want, `for ${spec}`);
  }
  const unknown = kubectl(['apply', '-f', '-'], ra('{jwtRules: [{issuer: "https://a.example.com", jwks_uri: "https://a.example.com/jwks"}]}'));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.err, /unknown field "spec\.jwtRules\[0\]\.jwks_uri"/);
});

const we = (spec: string): string => `
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: vm, namespace: default}
spec: ${spec}
`;

test('WorkloadEntry: the API server enforces its schema (required address, port and weight bounds, no unknown fields)', () => {
  ok(['apply', '-f', '-'], we('{address: 10.0.3.7, labels: {app: ratings}, ports: {http: 9080}, weight: 2, serviceAccount: ratings}'));
  assert.equal(ok(['get', 'we', 'vm', '-n', 'default', '-o', 'jsonpath={.spec.ports.http}']), '9080');
  const cases: Array<[string, RegExp]> = [
    ['{labels: {app: ratings}}', /spec\.address: Required value/],
    ['{address: 10.0.3.7, ports: {http: 70000}}', /spec\.ports\.http: Invalid value: 70000: spec\.ports\.http in body should be less than or equal to 65535/],
    ['{address: 10.0.3.7, ports: {http: 0}}', /spec\.ports\.http in body should be greater than or equal to 1/],
    ['{address: 10.0.3.7, weight: 70000}', /spec\.weight in body should be less than or equal to 65535/],
    ['{address: ""}', /spec\.address in body should be at least 1 chars long/],
  ];
  for (const [spec, want] of cases) {
    const r = kubectl(['apply', '-f', '-'], we(spec));
    assert.notEqual(r.code, 0, `accepted: ${spec}`);
    assert.match(r.err, want, `for ${spec}`);
  }
  const unknown = kubectl(['apply', '-f', '-'], we('{address: 10.0.3.7, serviceAcount: ratings}'));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.err, /unknown field "spec\.serviceAcount"/);
});

const vs = (httpRule: string): string => `
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: bad, namespace: default}
spec:
  hosts: [reviews]
  http:
  - ${httpRule}
`;

test('the API server rejects what the schema forbids, naming the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['route: [{destination: {host: reviews}, weight: -1}]', /spec\.http\[0\]\.route\[0\]\.weight: Invalid value: -1: spec\.http\[0\]\.route\[0\]\.weight in body should be greater than or equal to 0/],
    ['{route: [{destination: {host: reviews}}], timeout: "10"}', /spec\.http\[0\]\.timeout in body should match/],
    ['{directResponse: {status: 700}}', /spec\.http\[0\]\.directResponse\.status/],
    ['{route: [{destination: {host: reviews}}], fault: {abort: {httpStatus: 503, percentage: {value: 150}}}}', /percentage\.value/],
    ['{route: [{destination: {}}]}', /spec\.http\[0\]\.route\[0\]\.destination\.host: Required value/],
  ];
  for (const [rule, want] of cases) {
    const r = kubectl(['apply', '-f', '-'], vs(rule));
    assert.notEqual(r.code, 0, `accepted: ${rule}`);
    assert.match(r.err, want, `for ${rule}`);
  }
});

test('the API server runs the CEL rules', () => {
  const cases: Array<[string, RegExp]> = [
    ['{route: [{destination: {host: reviews}}], redirect: {uri: /x}}', /a rule may not have both route and redirect/],
    ['{name: empty}', /a rule needs one of route, redirect or directResponse/],
    ['{route: [{destination: {host: reviews}}], fault: {abort: {percentage: {value: 5}}}}', /set exactly one of httpStatus or grpcStatus/],
  ];
  for (const [rule, want] of cases) {
    const r = kubectl(['apply', '-f', '-'], vs(rule));
    assert.notEqual(r.code, 0, `accepted: ${rule}`);
    assert.match(r.err, want, `for ${rule}`);
  }
});

test('kubectl refuses unknown fields (strict field validation)', () => {
  const r = kubectl(['apply', '-f', '-'], vs('{routes: [{destination: {host: reviews}}]}'));
  assert.notEqual(r.code, 0);
  assert.match(r.err, /unknown field "spec\.http\[0\]\.routes"/);
});

test('status is a subresource: a spec update does not touch it', () => {
  ok(['apply', '-f', '-'], vs('{route: [{destination: {host: reviews}}]}'));
  const status = JSON.stringify({ status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Programmed', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
  ok(['patch', 'vs', 'bad', '-n', 'default', '--subresource=status', '--type=merge', '-p', status]);
  const ready = ok(['get', 'vs', 'bad', '-n', 'default', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  assert.equal(ready, 'True');
  ok(['wait', '--for=condition=Ready', '--timeout=5s', 'vs/bad', '-n', 'default']);
  const cols = ok(['get', 'vs', 'bad', '-n', 'default', '--no-headers']);
  assert.match(cols, /\bTrue\s+Programmed\b/);
});

test('the test API server runs the installed kubectl\'s minor version', () => {
  const v = JSON.parse(ok(['version', '-o', 'json'])) as {
    clientVersion: { major: string; minor: string };
    serverVersion: { major: string; minor: string };
  };
  const minor = (m: string) => m.replace(/\D+$/, '');
  assert.equal(`${v.serverVersion.major}.${minor(v.serverVersion.minor)}`, `${v.clientVersion.major}.${minor(v.clientVersion.minor)}`,
    'kube-apiserver and kubectl differ: change k8s.io/kubernetes (and the replaces) in test/cluster/apiserver/go.mod');
});
