// compileAuthz on Istio's edge cases, each checked three ways: the shape of
// the Envoy config, what the proxy's RBAC engine decides with it after a trip
// through protobuf bytes, and what the reference reading of Istio decides.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationPolicy } from '../../operator/api/model.ts';
import { compileAuthz, policyKey, type AuthzResult, type RbacHttpFilterJson } from '../../operator/compile/authz.ts';
import { evaluateChain, rbacFilterFromHttpFilter, type RbacChainDecision } from '../../proxy/http/rbac/index.ts';
import { decodeResource, encodeResource } from '../../xds/codec.ts';
import { referenceDecide, type MeshRequest, type ReferenceWorkload } from '../support/istio-authz-reference.ts';
import { toRbacRequest } from '../support/authz-generators.ts';

const ROOT = 'weft-system';
const SETTINGS = { rootNamespace: ROOT, trustDomain: 'cluster.local' };
const WORKLOAD: ReferenceWorkload = { namespace: 'shop', labels: { app: 'web', version: 'v1' } };

let counter = 0;
function policy(spec: AuthorizationPolicy['spec'], meta: Partial<AuthorizationPolicy['metadata']> = {}): AuthorizationPolicy {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `policy-${counter++}`, namespace: 'shop', ...meta },
    spec,
  };
}

const mtls = (principal: string, over: Partial<MeshRequest> = {}): MeshRequest => ({
  principal,
  sourceIp: '10.0.0.5',
  remoteIp: '10.0.0.5',
  destinationIp: '10.0.1.1',
  destinationPort: 8080,
  method: 'GET',
  path: '/api/users',
  host: 'shop.example.com',
  headers: {},
  ...over,
});
const fromWeb = (over: Partial<MeshRequest> = {}): MeshRequest => mtls('cluster.local/ns/shop/sa/web', over);
const plaintext = (over: Partial<MeshRequest> = {}): MeshRequest => {
  const { principal: _none, ...rest } = fromWeb(over);
  return rest;
};

function wire(f: RbacHttpFilterJson): unknown {
  const { '@type': t, ...body } = f.typed_config;
  return { name: f.name, typed_config: { '@type': t, ...decodeResource(t, encodeResource(t, body)) } };
}

/** Compiles, sends over the wire, evaluates; asserts the reference agrees; returns the engine's decision. */
function decide(policies: readonly AuthorizationPolicy[], r: MeshRequest, workload = WORKLOAD): RbacChainDecision {
  const out = compileAuthz(policies, workload, SETTINGS);
  const filters = out.httpFilters.map((f) => rbacFilterFromHttpFilter(wire(f)));
  const d = evaluateChain(filters, toRbacRequest(r));
  const ref = referenceDecide(policies, workload, SETTINGS, r);
  assert.equal(d.allowed, ref.allowed, `engine and reference disagree on ${JSON.stringify(r)}`);
  return d;
}
const allowed = (policies: readonly AuthorizationPolicy[], r: MeshRequest, workload = WORKLOAD): boolean => decide(policies, r, workload).allowed;

const http = (out: AuthzResult) => out.httpFilters.map((f) => f.typed_config);

test('no policy: no filter, everything allowed', () => {
  const out = compileAuthz([], WORKLOAD, SETTINGS);
  assert.deepEqual(out, { httpFilters: [], networkFilters: [], applied: [] });
  assert.equal(allowed([], plaintext()), true);
});

test('spec: {} is an ALLOW policy that matches nothing: it denies every request', () => {
  const p = policy({});
  const out = compileAuthz([p], WORKLOAD, SETTINGS);
  assert.deepEqual(http(out), [
    {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: {
        action: 'ALLOW',
        policies: {
          [policyKey('shop', p.metadata.name, 0)]: {
            permissions: [{ not_rule: { any: true } }],
            principals: [{ not_id: { any: true } }],
          },
        },
      },
    },
  ]);
  assert.equal(allowed([p], fromWeb()), false);
  assert.equal(allowed([p], plaintext()), false);
  assert.equal(allowed([policy({ rules: [] })], fromWeb()), false, 'rules: [] is the same');
  assert.equal(allowed([policy({ action: 'DENY' })], fromWeb()), true, 'a DENY policy without rules denies nothing');
});

test('rules: [{}] allows everything', () => {
  const p = policy({ rules: [{}] });
  assert.deepEqual(http(compileAuthz([p], WORKLOAD, SETTINGS))[0]?.rules?.policies[policyKey('shop', p.metadata.name, 0)], {
    permissions: [{ and_rules: { rules: [{ any: true }] } }],
    principals: [{ and_ids: { ids: [{ any: true }] } }],
  });
  assert.equal(allowed([p], plaintext({ method: 'DELETE', path: '/admin' })), true);
  assert.equal(allowed([p, policy({})], plaintext()), true, 'one matching ALLOW policy is enough');
});

test('DENY is evaluated before ALLOW and wins', () => {
  const allowAll = policy({ rules: [{}] });
  const denyAdmin = policy({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] });
  const d = decide([allowAll, denyAdmin], fromWeb({ path: '/admin/users' }));
  assert.equal(d.allowed, false);
  assert.equal(d.matchedPolicy, policyKey('shop', denyAdmin.metadata.name, 0));
  assert.equal(allowed([allowAll, denyAdmin], fromWeb({ path: '/api' })), true);
  assert.equal(allowed([denyAdmin], fromWeb({ path: '/api' })), true, 'DENY alone: what it does not match is allowed');
});

test('AUDIT marks requests for the log and never changes the decision; filters come AUDIT, DENY, ALLOW', () => {
  const audit = policy({ action: 'AUDIT', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
  const deny = policy({ action: 'DENY', rules: [{ from: [{ source: { namespaces: ['ops'] } }] }] });
  const allow = policy({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/*'] } }] }] });
  const out = compileAuthz([allow, deny, audit], WORKLOAD, SETTINGS);
  assert.deepEqual(http(out).map((t) => t.rules?.action), ['LOG', 'DENY', 'ALLOW']);
  const d = decide([audit, deny, allow], fromWeb({ method: 'POST' }));
  assert.deepEqual([d.allowed, d.auditPolicy], [true, policyKey('shop', audit.metadata.name, 0)]);
  assert.equal(allowed([audit], plaintext({ method: 'POST' })), true, 'AUDIT alone allows everything');
  const denied = decide([audit, deny, allow], mtls('cluster.local/ns/ops/sa/x', { method: 'POST' }));
  assert.deepEqual([denied.allowed, denied.auditPolicy], [false, policyKey('shop', audit.metadata.name, 0)]);
});

test('root namespace policies apply mesh-wide; the selector still applies; other namespaces do not', () => {
  const rootDeny = policy({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/debug'] } }] }] }, { namespace: ROOT });
  const rootForApi = policy({ action: 'DENY', selector: { matchLabels: { app: 'api' } }, rules: [{}] }, { namespace: ROOT });
  const elsewhere = policy({ action: 'DENY', rules: [{}] }, { namespace: 'pay' });
  const out = compileAuthz([rootDeny, rootForApi, elsewhere], WORKLOAD, SETTINGS);
  assert.deepEqual(out.applied, [{ group: 'weft.dev', kind: 'AuthorizationPolicy', namespace: ROOT, name: rootDeny.metadata.name }]);
  assert.equal(allowed([rootDeny, rootForApi, elsewhere], fromWeb({ path: '/debug' })), false);
  assert.equal(allowed([rootDeny, rootForApi, elsewhere], fromWeb()), true);
  assert.equal(allowed([rootDeny, rootForApi, elsewhere], fromWeb(), { namespace: 'ops', labels: { app: 'api' } }), false);
});

test('selectors: matchLabels must be a subset of the workload labels; none or empty selects all', () => {
  const deny = (matchLabels?: Record<string, string>) =>
    policy({ action: 'DENY', rules: [{}], ...(matchLabels === undefined ? {} : { selector: { matchLabels } }) });
  assert.equal(allowed([deny()], fromWeb()), false);
  assert.equal(allowed([deny({})], fromWeb()), false);
  assert.equal(allowed([deny({ app: 'web' })], fromWeb()), false);
  assert.equal(allowed([deny({ app: 'web', version: 'v1' })], fromWeb()), false);
  assert.equal(allowed([deny({ app: 'web', version: 'v2' })], fromWeb()), true);
  assert.equal(allowed([deny({ tier: 'front' })], fromWeb()), true);
});

test('plaintext has no principal: principals never match, notPrincipals and notNamespaces always do', () => {
  const denyPlaintext = policy({ action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] });
  assert.equal(allowed([denyPlaintext], plaintext()), false, 'Istio\'s recipe for rejecting plaintext');
  assert.equal(allowed([denyPlaintext], fromWeb()), true);
  assert.equal(allowed([denyPlaintext], plaintext({ tlsWithoutClientCert: true })), false, 'TLS without a client certificate has no principal either');

  const allowNotOps = policy({ rules: [{ from: [{ source: { notNamespaces: ['ops'] } }] }] });
  assert.equal(allowed([allowNotOps], plaintext()), true, 'ISTIO-SECURITY-2021-004: plaintext satisfies notNamespaces');
  assert.equal(allowed([allowNotOps], mtls('cluster.local/ns/ops/sa/x')), false);

  const allowAnyPeer = policy({ rules: [{ from: [{ source: { principals: ['*'] } }] }] });
  assert.equal(allowed([allowAnyPeer], plaintext()), false);
  assert.equal(allowed([allowAnyPeer], fromWeb()), true);
  const denyShop = policy({ action: 'DENY', rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] });
  assert.equal(allowed([denyShop], plaintext()), true, 'a plaintext request from shop cannot be recognised as such');
});

test('principals: exact, prefix, suffix and * as SPIFFE URI matchers', () => {
  const p = policy({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web', 'cluster.local/ns/pay/*', '*/sa/api', '*'] } }] }] });
  const ids = http(compileAuthz([p], WORKLOAD, SETTINGS))[0]?.rules?.policies[policyKey('shop', p.metadata.name, 0)]?.principals;
  assert.deepEqual(ids, [
    {
      and_ids: {
        ids: [
          {
            or_ids: {
              ids: [
                { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/shop/sa/web' } } },
                { authenticated: { principal_name: { prefix: 'spiffe://cluster.local/ns/pay/' } } },
                { authenticated: { principal_name: { safe_regex: { regex: 'spiffe://.*/sa/api' } } } },
                { authenticated: { principal_name: { safe_regex: { regex: '.+' } } } },
              ],
            },
          },
        ],
      },
    },
  ]);
  const suffixOnly = policy({ rules: [{ from: [{ source: { principals: ['*.local/ns/shop/sa/web'] } }] }] });
  assert.equal(allowed([suffixOnly], fromWeb()), true);
  assert.equal(allowed([suffixOnly], mtls('clusterXlocal/ns/shop/sa/web')), false, 'the suffix is literal: "." is not a regex wildcard');
});

test('namespaces match the namespace segment of the identity only', () => {
  const ns = (pattern: string) => policy({ rules: [{ from: [{ source: { namespaces: [pattern] } }] }] });
  assert.equal(allowed([ns('shop')], fromWeb()), true);
  assert.equal(allowed([ns('sh*')], fromWeb()), true);
  assert.equal(allowed([ns('*op')], fromWeb()), true);
  assert.equal(allowed([ns('*')], fromWeb()), true);
  assert.equal(allowed([ns('pay')], fromWeb()), false);
  // Istio's unanchored regex would match both of these through the literal "/ns/…/sa/".
  assert.equal(allowed([ns('*a')], fromWeb()), false);
  assert.equal(allowed([ns('sa')], mtls('cluster.local/ns/ns/sa/web')), false);
});

test('paths ignore the query string and fragment', () => {
  const p = policy({ rules: [{ to: [{ operation: { paths: ['/api/users'] } }] }] });
  assert.equal(allowed([p], fromWeb({ path: '/api/users?id=1&x=/admin' })), true);
  assert.equal(allowed([p], fromWeb({ path: '/api/users#section' })), true);
  assert.equal(allowed([p], fromWeb({ path: '/api/users/1' })), false);
  const suffix = policy({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['*.php'] } }] }] });
  assert.equal(allowed([suffix], fromWeb({ path: '/index.php?debug=1' })), false);
  assert.equal(allowed([suffix], fromWeb({ path: '/index.html?f=a.php' })), true, 'a query cannot smuggle in a suffix');
});

test('hosts: case-insensitive, and the port is part of the value', () => {
  const hosts = (...h: string[]) => policy({ rules: [{ to: [{ operation: { hosts: h } }] }] });
  assert.equal(allowed([hosts('shop.example.com')], fromWeb({ host: 'Shop.Example.COM' })), true);
  assert.equal(allowed([hosts('shop.example.com')], fromWeb({ host: 'shop.example.com:8080' })), false);
  assert.equal(allowed([hosts('shop.example.com:*')], fromWeb({ host: 'shop.example.com:8080' })), true);
  assert.equal(allowed([hosts('shop.example.com', 'shop.example.com:*')], fromWeb({ host: 'shop.example.com' })), true);
  assert.equal(allowed([hosts('*.EXAMPLE.com')], fromWeb({ host: 'pay.example.com' })), true);
  assert.equal(allowed([hosts('*')], fromWeb({ host: undefined })), false, 'no Host header: hosts never match');
  const out = http(compileAuthz([hosts('shop.example.com')], WORKLOAD, SETTINGS))[0]?.rules?.policies;
  assert.deepEqual(Object.values(out ?? {})[0]?.permissions, [
    { and_rules: { rules: [{ or_rules: { rules: [{ header: { name: ':authority', string_match: { exact: 'shop.example.com', ignore_case: true } } }] } }] } },
  ]);
});

test('IP blocks: a bare address is /32 or /128; ipBlocks is the peer, remoteIpBlocks the original client', () => {
  const p = policy({ rules: [{ from: [{ source: { ipBlocks: ['10.0.0.5', '2001:db8::/32'], remoteIpBlocks: ['203.0.113.0/24'] } }] }] });
  const ids = http(compileAuthz([p], WORKLOAD, SETTINGS))[0]?.rules?.policies[policyKey('shop', p.metadata.name, 0)]?.principals;
  assert.deepEqual(ids, [
    {
      and_ids: {
        ids: [
          { or_ids: { ids: [{ remote_ip: { address_prefix: '203.0.113.0', prefix_len: 24 } }] } },
          {
            or_ids: {
              ids: [
                { direct_remote_ip: { address_prefix: '10.0.0.5', prefix_len: 32 } },
                { direct_remote_ip: { address_prefix: '2001:db8::', prefix_len: 32 } },
              ],
            },
          },
        ],
      },
    },
  ]);
  assert.equal(allowed([p], fromWeb({ remoteIp: '203.0.113.7' })), true);
  assert.equal(allowed([p], fromWeb({ remoteIp: '198.51.100.1' })), false);
  assert.equal(allowed([p], fromWeb({ sourceIp: '2001:db8:1::9', remoteIp: '203.0.113.7' })), true);
});

test('when conditions become the matching Envoy principals and permissions', () => {
  const p = policy({
    rules: [
      {
        when: [
          { key: 'request.headers[X-User]', values: ['alice'] },
          { key: 'source.ip', values: ['10.0.0.0/8'] },
          { key: 'remote.ip', notValues: ['192.0.2.1'] },
          { key: 'source.namespace', values: ['shop'] },
          { key: 'source.principal', values: ['cluster.local/ns/shop/sa/web'] },
          { key: 'destination.ip', values: ['10.0.1.1'] },
          { key: 'destination.port', values: ['8080'] },
          { key: 'connection.sni', values: ['*.example.com'] },
          { key: 'request.auth.principal', values: ['https://issuer/alice'] },
          { key: 'request.auth.audiences', values: ['shop'] },
          { key: 'request.auth.presenter', values: ['spa'] },
          { key: 'request.auth.claims[org][team]', values: ['blue'] },
        ],
      },
    ],
  });
  const built = http(compileAuthz([p], WORKLOAD, SETTINGS))[0]?.rules?.policies[policyKey('shop', p.metadata.name, 0)];
  const kinds = (xs: readonly object[]): string[] => xs.flatMap((x) => Object.keys(x));
  const principalIds = (built?.principals[0] as { and_ids: { ids: { or_ids?: { ids: object[] }; not_id?: { or_ids: { ids: object[] } } }[] } }).and_ids.ids;
  assert.deepEqual(
    principalIds.map((i) => kinds(i.or_ids?.ids ?? i.not_id?.or_ids.ids ?? [])[0]),
    ['header', 'direct_remote_ip', 'remote_ip', 'authenticated', 'authenticated', 'metadata', 'metadata', 'metadata', 'metadata'],
  );
  const permissionRules = (built?.permissions[0] as { and_rules: { rules: { or_rules: { rules: object[] } }[] } }).and_rules.rules;
  assert.deepEqual(permissionRules.map((r) => kinds(r.or_rules.rules)[0]), ['destination_ip', 'destination_port', 'requested_server_name']);
  const claim = principalIds[8]?.or_ids?.ids[0];
  assert.deepEqual(claim, {
    metadata: {
      filter: 'istio_authn',
      path: [{ key: 'request.auth.claims' }, { key: 'org' }, { key: 'team' }],
      value: {
        or_match: {
          value_matchers: [{ list_match: { one_of: { string_match: { exact: 'blue' } } } }, { string_match: { exact: 'blue' } }],
        },
      },
    },
  });

  const jwt = { iss: 'https://issuer', sub: 'alice', aud: ['pay', 'shop'], azp: 'spa', org: { team: 'blue' } };
  const ok = fromWeb({ headers: { 'x-user': 'alice' }, sni: 'shop.example.com', remoteIp: '198.51.100.1', jwt });
  assert.equal(allowed([p], ok), true);
  assert.equal(allowed([p], { ...ok, jwt: { ...jwt, org: { team: 'red' } } }), false);
  assert.equal(allowed([p], { ...ok, jwt: { ...jwt, aud: 'web' } }), false);
  assert.equal(allowed([p], { ...ok, remoteIp: '192.0.2.1' }), false);
  assert.equal(allowed([p], { ...ok, headers: {} }), false);
  assert.equal(allowed([p], { ...ok, sni: undefined }), false);
});

test('requestPrincipals and notRequestPrincipals: a request without a JWT satisfies only the latter', () => {
  const needJwt = policy({ rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] });
  const denyNoJwt = policy({ action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] });
  const jwt = { iss: 'https://issuer', sub: 'alice' };
  assert.equal(allowed([needJwt], fromWeb()), false);
  assert.equal(allowed([needJwt], fromWeb({ jwt })), true);
  assert.equal(allowed([denyNoJwt], fromWeb()), false);
  assert.equal(allowed([denyNoJwt], fromWeb({ jwt })), true);
  const issuer = policy({ rules: [{ from: [{ source: { requestPrincipals: ['https://issuer/*'] } }] }] });
  assert.equal(allowed([issuer], fromWeb({ jwt })), true);
  assert.equal(allowed([issuer], fromWeb({ jwt: { iss: 'https://other', sub: 'alice' } })), false);
});

test('from/to/when: OR across entries, AND across fields, values OR, notValues excluded', () => {
  const p = policy({
    rules: [
      {
        from: [{ source: { namespaces: ['pay'] } }, { source: { principals: ['cluster.local/ns/shop/*'], notPrincipals: ['*/sa/api'] } }],
        to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/api*'] } }, { operation: { methods: ['POST'], paths: ['/api/orders'] } }],
        when: [{ key: 'request.headers[x-tenant]', notValues: ['blocked'] }],
      },
    ],
  });
  assert.equal(allowed([p], fromWeb()), true);
  assert.equal(allowed([p], mtls('cluster.local/ns/shop/sa/api')), false);
  assert.equal(allowed([p], mtls('cluster.local/ns/pay/sa/api')), true);
  assert.equal(allowed([p], fromWeb({ method: 'POST' })), false);
  assert.equal(allowed([p], fromWeb({ method: 'POST', path: '/api/orders' })), true);
  assert.equal(allowed([p], fromWeb({ method: 'HEAD', path: '/web' })), false);
  assert.equal(allowed([p], fromWeb({ headers: { 'x-tenant': 'blocked' } })), false);
  assert.equal(allowed([p], fromWeb({ headers: { 'x-tenant': 'ok' } })), true);
});

test('dry-run policies go to shadow_rules: reported, never enforced', () => {
  const dryDeny = policy({ action: 'DENY', rules: [{}] }, { annotations: { 'weft.dev/dry-run': 'true' } });
  const out = compileAuthz([dryDeny], WORKLOAD, SETTINGS);
  assert.deepEqual(http(out), [
    {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      shadow_rules: {
        action: 'DENY',
        policies: { [policyKey('shop', dryDeny.metadata.name, 0)]: { permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ any: true }] } }] } },
      },
      shadow_rules_stat_prefix: 'istio_dry_run_deny_',
    },
  ]);
  const d = decide([dryDeny], fromWeb());
  assert.equal(d.allowed, true);
  assert.deepEqual(d.shadow.map((s) => [s.action, s.allowed, s.matchedPolicy]), [['DENY', false, policyKey('shop', dryDeny.metadata.name, 0)]]);
});

test('policy keys and order are deterministic, whatever the input order', () => {
  const a = policy({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/a'] } }] }, { to: [{ operation: { paths: ['/b'] } }] }] }, { name: 'zeta' });
  const b = policy({ action: 'DENY', rules: [{}] }, { name: 'alpha', namespace: ROOT });
  const c = policy({ rules: [{}] }, { name: 'mid' });
  const one = compileAuthz([a, b, c], WORKLOAD, SETTINGS);
  const two = compileAuthz([c, b, a], WORKLOAD, SETTINGS);
  assert.equal(JSON.stringify(one), JSON.stringify(two));
  assert.deepEqual(Object.keys(one.httpFilters[0]?.typed_config.rules?.policies ?? {}), [
    'ns[shop]-policy[zeta]-rule[0]',
    'ns[shop]-policy[zeta]-rule[1]',
    'ns[weft-system]-policy[alpha]-rule[0]',
  ]);
  assert.deepEqual(one.applied.map((r) => `${r.namespace}/${r.name}`), ['shop/mid', 'shop/zeta', 'weft-system/alpha']);
});

test('every emitted filter encodes as the Envoy message it claims to be', () => {
  const p = policy({
    rules: [
      {
        from: [{ source: { principals: ['*'], notNamespaces: ['a*'], ipBlocks: ['::1'], notRemoteIpBlocks: ['10.0.0.0/8'], requestPrincipals: ['x/*'] } }],
        to: [{ operation: { hosts: ['*'], notHosts: ['a.*'], methods: ['*'], notMethods: ['P*'], paths: ['*'], notPorts: ['9090'] } }],
        when: [{ key: 'request.headers[x]', values: ['*'] }, { key: 'request.auth.claims[groups]', notValues: ['*'] }],
      },
    ],
  });
  for (const f of compileAuthz([p, policy({}), policy({ action: 'AUDIT', rules: [{}] })], WORKLOAD, SETTINGS).httpFilters) {
    const { '@type': t, ...body } = f.typed_config;
    assert.deepEqual({ ...decodeResource(t, encodeResource(t, body)) }, JSON.parse(JSON.stringify(body, (k, v) => (k === 'action' && v === 'ALLOW' ? undefined : v))));
  }
});

test('TCP filter chains: HTTP-only fields drop an ALLOW rule and widen a DENY rule, as Istio does', () => {
  const allowGet = policy({ rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { methods: ['GET'] } }] }] });
  const allowPort = policy({ rules: [{ to: [{ operation: { ports: ['5432'] } }] }] });
  const denyPath = policy({ action: 'DENY', rules: [{ from: [{ source: { namespaces: ['ops'] } }], to: [{ operation: { paths: ['/admin'] } }] }] });
  const out = compileAuthz([allowGet, allowPort, denyPath], WORKLOAD, SETTINGS);
  assert.deepEqual(
    out.networkFilters.map((f) => [f.name, f.typed_config.stat_prefix, f.typed_config.rules?.action, Object.keys(f.typed_config.rules?.policies ?? {})]),
    [
      ['envoy.filters.network.rbac', 'tcp.', 'DENY', [policyKey('shop', denyPath.metadata.name, 0)]],
      ['envoy.filters.network.rbac', 'tcp.', 'ALLOW', [policyKey('shop', allowPort.metadata.name, 0)]],
    ],
  );
  assert.deepEqual(out.networkFilters[0]?.typed_config.rules?.policies[policyKey('shop', denyPath.metadata.name, 0)]?.permissions, [
    { and_rules: { rules: [{ any: true }] } },
  ]);
});

test('cluster.local in a policy principal names the mesh trust domain', () => {
  const p = policy({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web', '*/sa/api'] } }] }] });
  const out = compileAuthz([p], WORKLOAD, { rootNamespace: ROOT, trustDomain: 'example.org' });
  const ids = out.httpFilters[0]?.typed_config.rules?.policies[policyKey('shop', p.metadata.name, 0)]?.principals;
  assert.deepEqual(ids, [
    {
      and_ids: {
        ids: [
          {
            or_ids: {
              ids: [
                { authenticated: { principal_name: { exact: 'spiffe://example.org/ns/shop/sa/web' } } },
                { authenticated: { principal_name: { safe_regex: { regex: 'spiffe://.*/sa/api' } } } },
              ],
            },
          },
        ],
      },
    },
  ]);
  const settings = { rootNamespace: ROOT, trustDomain: 'example.org' };
  const filters = out.httpFilters.map((f) => rbacFilterFromHttpFilter(wire(f)));
  for (const [principal, expected] of [
    ['example.org/ns/shop/sa/web', true],
    ['cluster.local/ns/shop/sa/web', false],
    ['elsewhere/ns/pay/sa/api', true],
  ] as const) {
    const r = mtls(principal);
    assert.equal(evaluateChain(filters, toRbacRequest(r)).allowed, expected, principal);
    assert.equal(referenceDecide([p], WORKLOAD, settings, r).allowed, expected, principal);
  }
});
