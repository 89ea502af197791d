import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../operator/api/validate.ts';
import { ap, apRule, expectClean, expectError, expectNothingAt, expectWarning } from '../fixtures/validate/build.ts';

const frontend = { from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }] };
const op = (operation: Record<string, unknown>) => ({ ...frontend, to: [{ operation }] });
const when = (...conditions: Array<Record<string, unknown>>) => ({ ...frontend, when: conditions });

test('a realistic policy has no problems', () => {
  expectClean(apRule({
    ...frontend,
    to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/reviews', '/reviews/*', '*.json', '*'], ports: ['9080'] } }],
    when: [
      { key: 'request.headers[x-tenant]', values: ['acme'] },
      { key: 'source.ip', values: ['10.0.0.0/8', '192.168.1.1', 'fd00::/8'] },
      { key: 'request.auth.claims[groups]', values: ['admins'] },
      { key: 'request.auth.claims[realm_access][roles]', values: ['reader'] },
      { key: 'destination.port', values: ['9080'] },
      { key: 'connection.sni', values: ['reviews.shop.svc.cluster.local'] },
      { key: 'remote.ip', notValues: ['203.0.113.0/24'] },
    ],
  }));
});

test('paths support exact, prefix*, *suffix and * only', () => {
  expectError(apRule(op({ paths: ['/api/*/users'] })), 'spec.rules[0].to[0].operation.paths[0]', 'only exact values, prefix*, *suffix and * are supported (got "/api/*/users")');
  expectError(apRule(op({ notPaths: ['/a*b*'] })), 'spec.rules[0].to[0].operation.notPaths[0]', 'only exact values, prefix*, *suffix and *');
  expectNothingAt(apRule(op({ paths: ['/exact', '/prefix/*', '*/suffix', '*'] })), 'spec.rules[0].to[0]');
});

test('warning: paths without a leading slash never match', () => {
  expectWarning(apRule(op({ paths: ['reviews'] })), 'spec.rules[0].to[0].operation.paths[0]', 'never matches: request paths start with "/"');
});

test('unknown when keys are errors, with did you mean and the allowed list', () => {
  expectError(apRule(when({ key: 'source.ipp', values: ['10.0.0.1'] })), 'spec.rules[0].when[0].key', 'unknown condition key "source.ipp"; did you mean "source.ip"?', 'request.headers[NAME]');
  expectError(apRule(when({ key: 'request.headers', values: ['x'] })), 'spec.rules[0].when[0].key', 'needs one header name in brackets');
  expectError(apRule(when({ key: 'request.auth.claims[]', values: ['x'] })), 'spec.rules[0].when[0].key', 'needs a claim name in brackets');
  expectError(apRule(when({ key: 'destination.labels[app]', values: ['x'] })), 'spec.rules[0].when[0].key', 'spec.selector.matchLabels');
  expectError(apRule(when({ key: 'destination.namespace', values: ['x'] })), 'spec.rules[0].when[0].key', 'applies to its own namespace');
});

test('typed when values: IPs and CIDRs, ports', () => {
  expectError(apRule(when({ key: 'source.ip', values: ['10.0.0.300'] })), 'spec.rules[0].when[0].values[0]', 'not an IP address or CIDR block');
  expectError(apRule(when({ key: 'destination.ip', notValues: ['10.0.0.0/33'] })), 'spec.rules[0].when[0].notValues[0]', 'invalid prefix length: must be 0 to 32');
  expectError(apRule(when({ key: 'destination.port', values: ['70000'] })), 'spec.rules[0].when[0].values[0]', 'must be a port number from 1 to 65535 (got "70000")');
  expectError(apRule(when({ key: 'source.namespace' })), 'spec.rules[0].when[0]', 'set values or notValues');
});

test('invalid CIDRs in ipBlocks, remoteIpBlocks and notIpBlocks are errors; host bits warn', () => {
  const src = (source: Record<string, unknown>) => apRule({ from: [{ source }] });
  expectError(src({ ipBlocks: ['10.0.0/8'] }), 'spec.rules[0].from[0].source.ipBlocks[0]', 'not an IP address or CIDR block');
  expectError(src({ remoteIpBlocks: ['fd00::/129'] }), 'spec.rules[0].from[0].source.remoteIpBlocks[0]', 'must be 0 to 128');
  expectError(src({ notIpBlocks: ['localhost'] }), 'spec.rules[0].from[0].source.notIpBlocks[0]', 'not an IP address');
  expectWarning(src({ ipBlocks: ['10.1.2.3/8'] }), 'spec.rules[0].from[0].source.ipBlocks[0]', 'it means 10.0.0.0/8');
  expectNothingAt(src({ ipBlocks: ['10.0.0.0/8', '::1', '2001:db8::/32'] }), 'spec.rules[0].from');
});

test('operation ports must be 1-65535, as strings', () => {
  expectError(apRule(op({ ports: ['0'] })), 'spec.rules[0].to[0].operation.ports[0]', 'from 1 to 65535 (got "0")');
  expectError(apRule(op({ ports: ['65536'] })), 'spec.rules[0].to[0].operation.ports[0]', 'from 1 to 65535');
  expectError(apRule(op({ notPorts: ['8000-9000'] })), 'spec.rules[0].to[0].operation.notPorts[0]', 'port ranges are not supported');
  expectError(apRule(op({ ports: [8080] })), 'spec.rules[0].to[0].operation.ports[0]', 'must be a string (got the number 8080); quote it: "8080"');
});

test('CUSTOM, provider and targetRef get messages saying what to use instead', () => {
  expectError(ap({ action: 'CUSTOM', rules: [{}] }), 'spec.action', 'action CUSTOM (external authorization) is not supported: use ALLOW, DENY or AUDIT');
  expectError(ap({ action: 'DENY', provider: { name: 'ext-authz' }, rules: [{}] }), 'spec.provider', 'CUSTOM (external) authorization is not supported');
  expectError(ap({ targetRef: { kind: 'Service', name: 'reviews' }, rules: [{}] }), 'spec.targetRef', 'selector.matchLabels');
  expectError(ap({ action: 'allow', rules: [{}] }), 'spec.action', 'must be one of ALLOW, DENY, AUDIT (got "allow"); did you mean "ALLOW"?');
});

test('warning: ALLOW without rules denies every request; DENY without rules is an error', () => {
  expectWarning(ap({ selector: { matchLabels: { app: 'reviews' } } }), 'spec', 'denies every request to the selected workloads');
  expectWarning(ap({}), 'spec', 'rules: [{}]');
  expectError(ap({ action: 'DENY' }), 'spec.rules', 'a DENY policy without rules never applies');
  expectNothingAt(ap({ action: 'ALLOW', rules: [{}] }), 'spec');
});

test('empty from/to entries and empty sources or operations are errors', () => {
  expectError(apRule({ from: [] }), 'spec.rules[0].from', 'must not be empty');
  expectError(apRule({ from: [{ source: {} }] }), 'spec.rules[0].from[0].source', 'must not be empty');
  expectError(apRule({ to: [{}] }), 'spec.rules[0].to[0].operation', 'each to entry needs an operation');
  expectError(apRule(op({ methods: [''] })), 'spec.rules[0].to[0].operation.methods[0]', 'must not be empty');
});

test('warning: sources that can never match (principal format, spiffe:// prefix, contradictions)', () => {
  expectWarning(apRule({ from: [{ source: { principals: ['spiffe://cluster.local/ns/shop/sa/frontend'] } }] }), 'spec.rules[0].from[0].source.principals[0]', 'without spiffe://', '"cluster.local/ns/shop/sa/frontend"');
  expectWarning(apRule({ from: [{ source: { principals: ['frontend'] } }] }), 'spec.rules[0].from[0].source.principals[0]', 'cluster.local/ns/NAMESPACE/sa/SERVICEACCOUNT');
  expectWarning(apRule({ from: [{ source: { namespaces: ['shop'], notNamespaces: ['shop'] } }] }), 'spec.rules[0].from[0].source.namespaces[0]', 'also listed in notNamespaces');
  expectWarning(apRule(when({ key: 'request.headers[x-env]', values: ['prod'], notValues: ['prod'] })), 'spec.rules[0].when[0].values[0]', 'also listed in notValues');
  expectWarning(apRule(op({ methods: ['get'] })), 'spec.rules[0].to[0].operation.methods[0]', 'write "GET"');
});

test('warning: a DENY rule with only HTTP attributes denies TCP connections entirely', () => {
  expectWarning(ap({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }), 'spec.rules[0]', 'TCP ports');
  expectNothingAt(ap({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'], ports: ['9080'] } }] }] }), 'spec.rules[0]');
});

test('selectors: labels must be valid and without wildcards; an empty selector warns', () => {
  expectError(ap({ selector: { matchLabels: { app: 'reviews-*' } }, rules: [{}] }), 'spec.selector.matchLabels[app]', 'wildcards are not supported');
  expectError(ap({ selector: { matchLabels: { 'app name': 'x' } }, rules: [{}] }), 'spec.selector.matchLabels[app name]', 'not a valid label key');
  expectWarning(ap({ selector: {}, rules: [{}] }), 'spec.selector', 'selects every workload in the namespace');
});

test('warning: under PERMISSIVE mTLS, identity rules miss plaintext requests (when the caller knows the mode)', () => {
  const allow = apRule(frontend);
  const permissive = validateResource(allow, { mtlsMode: (ns) => (ns === 'shop' ? 'PERMISSIVE' : 'STRICT') });
  const w = permissive.problems.find((p) => p.path === 'spec.rules[0]');
  assert.ok(w && w.severity === 'warning', JSON.stringify(permissive.problems));
  assert.match(w.message, /spec\.rules\[0\]\.from\[0\]\.source\.principals needs the caller's mTLS identity, but shop accepts plaintext \(PERMISSIVE\).*never allows them/);
  const deny = validateResource(ap({ action: 'DENY', rules: [{ from: [{ source: { namespaces: ['legacy'] } }], to: [{ operation: { ports: ['9080'] } }] }] }), { mtlsMode: () => 'PERMISSIVE' });
  assert.match(deny.problems.find((p) => p.path === 'spec.rules[0]')?.message ?? '', /they bypass this DENY rule/);
  // STRICT, or unknown (files alone): nothing to say.
  assert.deepEqual(validateResource(allow, { mtlsMode: () => 'STRICT' }).problems, []);
  assert.deepEqual(validateResource(allow).problems, []);
});
