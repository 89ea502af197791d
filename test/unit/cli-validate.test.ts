// `weft validate` and the `weft` command table, run as real subprocesses of
// bin/weft on the fixture files: the exact lines a CI log would show.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const F = 'test/fixtures/validate/cli';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function weft(args: readonly string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bin/weft', args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

test('weft validate: one line per problem, FILE:LINE: Kind ns/name: path: message, exit 1', async () => {
  const r = await weft(['validate', `${F}/bad.yaml`]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    `${F}/bad.yaml:13: VirtualService shop/reviews: spec.http[0].match[0].headers[End-User]: header names in matches must be lower case: write "end-user" (got "End-User")`,
    `${F}/bad.yaml:15: VirtualService shop/reviews: spec.http[0].routes: unknown field "routes"; did you mean "route"? (allowed: name, match, route, redirect, directResponse, rewrite, timeout, retries, fault, mirror, mirrorPercentage, mirrors, corsPolicy, headers)`,
    `${F}/bad.yaml:19: VirtualService shop/reviews: spec.http[1].route[0].weight: weight must be a non-negative integer (got -1)`,
    `${F}/bad.yaml:20: VirtualService shop/reviews: spec.http[1].route[1].destination.subset: subsets are not supported (Weft has no DestinationRule): route to a Service per version instead, e.g. host: reviews-v2, or split with weights across such Services`,
    `${F}/bad.yaml:21: VirtualService shop/reviews: spec.http[1].timeout: must be a duration such as 250ms, 1.5s or 1m (got "10"; add a unit, e.g. "10s")`,
    `${F}/bad.yaml:41: AuthorizationPolicy shop/readers: spec.rules[0].to[0].operation.paths[0]: only exact values, prefix*, *suffix and * are supported (got "/api/*/reviews"); a * in the middle is not a wildcard`,
    `${F}/bad.yaml:42: AuthorizationPolicy shop/readers: spec.rules[0].to[0].operation.ports[0]: must be a port number from 1 to 65535 (got "0")`,
    `${F}/bad.yaml:44: AuthorizationPolicy shop/readers: spec.rules[0].when[0].key: unknown condition key "source.ipp"; did you mean "source.ip"? (allowed: source.ip, remote.ip, source.namespace, source.principal, request.auth.principal, request.auth.audiences, request.auth.presenter, destination.ip, destination.port, connection.sni, request.headers[NAME], request.auth.claims[NAME])`,
    `${F}/bad.yaml:56: TrafficSplit test/podinfo: spec.backends[0].weight: must be a quantity such as 50, 500m or 1k (got "50%")`,
  ]);
  assert.equal(r.stderr, 'weft validate: 3 resources checked in 1 file (1 of other kinds skipped): 9 errors, 0 warnings\n');
});

test('weft validate: warnings are marked and exit 0; --strict makes them fail', async () => {
  const line = `${F}/warn.yaml:7: TrafficSplit default/ratings: spec.backends: warning: all traffic goes to spec.backends[0] (ratings-v1); the others have weight 0 (fine before or after a rollout, noted in case it is not intended)`;
  const r = await weft(['validate', `${F}/warn.yaml`]);
  assert.equal(r.code, 0);
  assert.deepEqual(lines(r.stdout), [line]);
  const strict = await weft(['validate', '--strict', `${F}/warn.yaml`]);
  assert.equal(strict.code, 1);
  assert.deepEqual(lines(strict.stdout), [line]);
  assert.match(strict.stderr, /0 errors, 1 warning \(--strict: warnings fail\)/);
});

test('weft validate: clean folders exit 0 and print nothing on stdout (the samples too)', async () => {
  const r = await weft(['validate', `${F}/good`]);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'weft validate: 2 resources checked in 2 files (1 of other kinds skipped): 0 errors, 0 warnings\n');
  const samples = await weft(['validate', 'config/samples']);
  assert.equal(samples.code, 0, samples.stdout);
  assert.equal(samples.stdout, '');
});

test('weft validate: syntax errors and duplicates across files, sorted by file then line', async () => {
  const r = await weft(['validate', `${F}/syntax.yaml`, `${F}/good`, `${F}/dup`]);
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.stdout), [
    `${F}/syntax.yaml:7: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    `${F}/dup/b.yaml:1: TrafficSplit shop/ratings: defined twice: first in ${F}/dup/a.yaml:1, again in ${F}/dup/b.yaml:1; only one would be applied`,
  ]);
});

test('weft validate -o json: the same problems for machines', async () => {
  const r = await weft(['validate', '-o', 'json', `${F}/warn.yaml`, `${F}/bad.yaml`]);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { problems: Array<Record<string, unknown>>; summary: Record<string, number> };
  assert.deepEqual(out.summary, { files: 2, checked: 4, skipped: 1, errors: 9, warnings: 1 });
  assert.deepEqual(out.problems[0], {
    file: `${F}/warn.yaml`, line: 7, kind: 'TrafficSplit', namespace: 'default', name: 'ratings', path: 'spec.backends', severity: 'warning',
    message: 'all traffic goes to spec.backends[0] (ratings-v1); the others have weight 0 (fine before or after a rollout, noted in case it is not intended)',
  });
  assert.equal(out.problems.length, 10);
});

test('weft validate -: reads standard input; -n sets the default namespace', async () => {
  const r = await weft(['validate', '-n', 'prod', '-'], 'apiVersion: weft.dev/v1alpha1\nkind: TrafficSplit\nmetadata: {name: s}\nspec:\n  service: a\n  backends: [{service: b, weight: 0}]\n');
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.stdout), ['<stdin>:6: TrafficSplit prod/s: spec.backends: all backend weights are 0: no backend would receive traffic; give at least one backend a positive weight']);
});

test('weft validate: a missing path or no path is a usage error (exit 2)', async () => {
  const missing = await weft(['validate', `${F}/nope.yaml`]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, `weft validate: ${F}/nope.yaml: no such file or directory\n`);
  const none = await weft(['validate']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no PATH given/);
  const badFlag = await weft(['validate', '--frobnicate', F]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option "--frobnicate"/);
});

test('weft: --help, help validate, unknown commands', async () => {
  const help = await weft(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: weft <command>/);
  assert.match(help.stdout, /\n {2}validate +check manifests offline/);
  const cmdHelp = await weft(['help', 'validate']);
  assert.equal(cmdHelp.code, 0);
  assert.match(cmdHelp.stdout, /^usage: weft validate \[--strict\]/);
  const flagHelp = await weft(['validate', '--help']);
  assert.equal(flagHelp.stdout, cmdHelp.stdout);
  const unknown = await weft(['valdate', 'x']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^weft: unknown command "valdate"; did you mean "validate"\?\n\nusage: weft <command>/);
  const nothing = await weft([]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /^usage: weft <command>/);
});

test('weft validate: WorkloadEntries are checked like the mesh kinds, with did-you-mean', async () => {
  const r = await weft(['validate', `${F}/workloadentry.yaml`]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    `${F}/workloadentry.yaml:15: WorkloadEntry shop/ratings-vm-2: spec.address: must not include a port (got "10.0.3.8:9080"): write "10.0.3.8" and give the port in spec.ports, such as {http: 9080}`,
    `${F}/workloadentry.yaml:16: WorkloadEntry shop/ratings-vm-2: spec.labels[version!]: "version!" is not a valid label key (name of up to 63 letters, digits, -, _ and ., optionally prefixed by a DNS domain and /)`,
    `${F}/workloadentry.yaml:17: WorkloadEntry shop/ratings-vm-2: spec.serviceAcount: unknown field "serviceAcount"; did you mean "serviceAccount"? (allowed: address, ports, labels, serviceAccount, network, locality, weight)`,
    `${F}/workloadentry.yaml:19: WorkloadEntry shop/ratings-vm-2: spec.ports[HTTP]: must be from 1 to 65535 (got 70000)`,
    `${F}/workloadentry.yaml:19: WorkloadEntry shop/ratings-vm-2: spec.ports[HTTP]: "HTTP" is not a Service port name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); port names are lower case: "http"`,
    `${F}/workloadentry.yaml:20: WorkloadEntry shop/ratings-vm-2: spec.weight: must be from 0 to 65535 (got 100000)`,
  ]);
  assert.equal(r.stderr, 'weft validate: 2 resources checked in 1 file: 6 errors, 0 warnings\n');
});

test('weft validate: RequestAuthentications are checked like the mesh kinds: key-set URLs, inline keys, Istio fields Weft lacks, did-you-mean', async () => {
  const f = `${F}/requestauthentication.yaml`;
  const r = await weft(['validate', f]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    `${f}:15: RequestAuthentication shop/shop-jwt: spec.targetRef: targetRef is not supported: Weft programs sidecars, not gateways; choose workloads with selector.matchLabels`,
    `${f}:18: RequestAuthentication shop/shop-jwt: spec.jwtRules[0].jwksUri: must be https (got "http://a.example.com/jwks.json"): keys fetched over plain http could be replaced on the way; http is allowed only to a loopback address, for tests`,
    `${f}:20: RequestAuthentication shop/shop-jwt: spec.jwtRules[1].jwks: keys[0] is a symmetric (oct) key: HMAC secrets cannot be published; only RSA, EC and OKP public keys verify tokens here`,
    `${f}:21: RequestAuthentication shop/shop-jwt: spec.jwtRules[1].forwardOrginalToken: unknown field "forwardOrginalToken"; did you mean "forwardOriginalToken"? (allowed: issuer, audiences, jwksUri, jwks, fromHeaders, fromParams, fromCookies, outputPayloadToHeader, outputClaimToHeaders, forwardOriginalToken, timeout)`,
    `${f}:23: RequestAuthentication shop/shop-jwt: spec.jwtRules[2].jwksUri: warning: plain http is accepted only because 127.0.0.1 is a loopback address (tests, weft up); an issuer elsewhere must be reached over https`,
    `${f}:24: RequestAuthentication shop/shop-jwt: spec.jwtRules[2].fromHeaders[0].name: "x token" is not a header name (letters, digits and !#$%&'*+-.^_\`|~)`,
  ]);
  assert.equal(r.stderr, 'weft validate: 2 resources checked in 1 file: 5 errors, 1 warning\n');
});
