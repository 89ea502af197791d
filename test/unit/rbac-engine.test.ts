// The proxy's Envoy RBAC engine: each matcher kind against Envoy's own
// semantics (source/extensions/filters/common/rbac/matchers.cc,
// source/common/http/header_utility.cc), the filter actions, the chain, and
// the config errors a bad filter produces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RbacConfigError,
  authnMetadata,
  evaluateChain,
  rbacDenialDetails,
  rbacFilterFromConfig,
  rbacFilterFromHttpFilter,
  rbacFilterFromNetworkFilter,
  type RbacRequest,
} from '../../proxy/http/rbac/index.ts';

const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';

const base: RbacRequest = {
  tls: { uriSans: ['spiffe://cluster.local/ns/shop/sa/web'], dnsSans: [], subject: '' },
  directRemoteIp: '10.0.0.5',
  remoteIp: '203.0.113.9',
  destinationIp: '10.0.1.1',
  destinationPort: 8080,
  sni: 'shop.example.com',
  method: 'GET',
  path: '/api/users?id=7#top',
  authority: 'shop.example.com:8080',
  headers: { 'x-user': 'alice', 'x-multi': ['a', 'b'], 'x-empty': '', 'x-num': '42' },
  metadata: {},
};

const req = (over: Partial<RbacRequest> = {}): RbacRequest => ({ ...base, ...over });

/** A filter with one ALLOW policy: permission any, the given principal. */
const withPrincipal = (principal: unknown) =>
  rbacFilterFromConfig({ '@type': TYPE, rules: { action: 'ALLOW', policies: { p: { permissions: [{ any: true }], principals: [principal] } } } });

/** A filter with one ALLOW policy: the given permission, principal any. */
const withPermission = (permission: unknown) =>
  rbacFilterFromConfig({ '@type': TYPE, rules: { action: 'ALLOW', policies: { p: { permissions: [permission], principals: [{ any: true }] } } } });

const allows = (f: ReturnType<typeof withPrincipal>, r: RbacRequest): boolean => f.evaluate(r).allowed;

test('header matchers follow Envoy, including a missing header with invert_match', () => {
  const h = (m: Record<string, unknown>) => withPermission({ header: { name: 'X-User', ...m } });
  assert.equal(allows(h({ string_match: { exact: 'alice' } }), req()), true, 'header names are case-insensitive');
  assert.equal(allows(h({ string_match: { exact: 'bob' } }), req()), false);
  assert.equal(allows(h({ string_match: { prefix: 'ali' } }), req()), true);
  assert.equal(allows(h({ string_match: { suffix: 'ICE', ignore_case: true } }), req()), true);
  assert.equal(allows(h({ string_match: { suffix: 'ICE' } }), req()), false);
  assert.equal(allows(h({ string_match: { contains: 'lic' } }), req()), true);
  assert.equal(allows(h({ string_match: { safe_regex: { regex: 'a.*e' } } }), req()), true);
  assert.equal(allows(h({ string_match: { safe_regex: { regex: 'lic' } } }), req()), false, 'safe_regex must match the whole value');
  assert.equal(allows(h({ prefix_match: 'al' }), req()), true);
  assert.equal(allows(h({ suffix_match: 'ce' }), req()), true);
  assert.equal(allows(h({ contains_match: 'li' }), req()), true);
  assert.equal(allows(h({ exact_match: 'alice' }), req()), true);
  assert.equal(allows(h({ present_match: true }), req()), true);
  assert.equal(allows(h({ present_match: true, invert_match: true }), req()), false);
  assert.equal(allows(h({ string_match: { exact: 'bob' }, invert_match: true }), req()), true);

  const missing = req({ headers: {} });
  assert.equal(allows(h({ present_match: true }), missing), false);
  assert.equal(allows(h({ present_match: false }), missing), true, 'present_match false matches a missing header');
  assert.equal(allows(h({ present_match: true, invert_match: true }), missing), true);
  assert.equal(allows(h({ string_match: { exact: 'bob' }, invert_match: true }), missing), false, 'Envoy: an inverted value matcher never matches a missing header');
  assert.equal(allows(h({ string_match: { exact: '' }, treat_missing_header_as_empty: true }), missing), true);
  assert.equal(allows(h({ name: 'x-user' }), missing), false, 'no specifier means present');
  assert.equal(allows(h({}), req()), true);

  assert.equal(allows(withPermission({ header: { name: 'x-multi', string_match: { exact: 'a,b' } } }), req()), true, 'repeated values join with ","');
  assert.equal(allows(withPermission({ header: { name: 'x-empty', present_match: true } }), req()), true, 'an empty header is present');
  assert.equal(allows(withPermission({ header: { name: 'x-empty', exact_match: '' } }), req()), true);
  assert.equal(allows(withPermission({ header: { name: 'x-num', range_match: { start: 40, end: 43 } } }), req()), true);
  assert.equal(allows(withPermission({ header: { name: 'x-num', range_match: { start: '43', end: '50' } } }), req()), false);
  assert.equal(allows(withPermission({ header: { name: 'x-user', range_match: { start: 0, end: 9 } } }), req()), false, 'a non-number is outside every range');
});

test('pseudo-headers come from the request line; Host is :authority', () => {
  assert.equal(allows(withPermission({ header: { name: ':method', string_match: { exact: 'GET' } } }), req()), true);
  assert.equal(allows(withPermission({ header: { name: ':path', string_match: { exact: '/api/users?id=7#top' } } }), req()), true, ':path keeps the query');
  assert.equal(allows(withPermission({ header: { name: ':authority', string_match: { exact: 'SHOP.example.com:8080', ignore_case: true } } }), req()), true);
  assert.equal(allows(withPermission({ header: { name: 'host', string_match: { prefix: 'shop.' } } }), req()), true);
  assert.equal(allows(withPermission({ header: { name: ':authority', present_match: true } }), req({ authority: undefined })), false);
});

test('url_path compares the path without query string and fragment', () => {
  const p = (m: Record<string, unknown>) => withPermission({ url_path: { path: m } });
  assert.equal(allows(p({ exact: '/api/users' }), req()), true);
  assert.equal(allows(p({ exact: '/api/users' }), req({ path: '/api/users#frag' })), true);
  assert.equal(allows(p({ suffix: 'users' }), req()), true);
  assert.equal(allows(p({ suffix: '7' }), req()), false);
  assert.equal(allows(p({ exact: '/API/USERS', ignore_case: true }), req()), true);
  assert.equal(allows(p({ safe_regex: { regex: '/api/[a-z]+' } }), req()), true);
});

test('ports, addresses and SNI', () => {
  assert.equal(allows(withPermission({ destination_port: 8080 }), req()), true);
  assert.equal(allows(withPermission({ destination_port: 80 }), req()), false);
  assert.equal(allows(withPermission({ destination_port_range: { start: 8000, end: 8081 } }), req()), true);
  assert.equal(allows(withPermission({ destination_port_range: { start: 8000, end: 8080 } }), req()), false, 'the range end is exclusive');
  assert.equal(allows(withPermission({ destination_ip: { address_prefix: '10.0.1.0', prefix_len: 24 } }), req()), true);
  assert.equal(allows(withPermission({ destination_ip: { address_prefix: '10.0.1.77', prefix_len: 24 } }), req()), true, 'host bits are masked');
  assert.equal(allows(withPermission({ destination_ip: { address_prefix: '10.0.2.0', prefix_len: 24 } }), req()), false);
  assert.equal(allows(withPermission({ requested_server_name: { suffix: '.example.com' } }), req()), true);
  assert.equal(allows(withPermission({ requested_server_name: { safe_regex: { regex: '.+' } } }), req({ sni: '' })), false, 'no SNI is the empty string');

  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '10.0.0.5', prefix_len: 32 } }), req()), true);
  assert.equal(allows(withPrincipal({ source_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }), req()), true, 'source_ip is the deprecated direct_remote_ip');
  assert.equal(allows(withPrincipal({ remote_ip: { address_prefix: '10.0.0.5', prefix_len: 32 } }), req()), false, 'remote_ip is the XFF client, not the peer');
  assert.equal(allows(withPrincipal({ remote_ip: { address_prefix: '203.0.113.0', prefix_len: 24 } }), req()), true);
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '0.0.0.0', prefix_len: 0 } }), req()), true);
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '0.0.0.0' } }), req()), true, 'unset prefix_len is 0');

  const v6 = req({ directRemoteIp: '2001:db8::1:5' });
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '2001:db8::', prefix_len: 32 } }), v6), true);
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '2001:db9::', prefix_len: 32 } }), v6), false);
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '0.0.0.0', prefix_len: 0 } }), v6), false, 'an IPv4 range never holds an IPv6 address');
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '2001:db8::1:5', prefix_len: 128 } }), req({ directRemoteIp: '2001:0db8:0:0:0:0:1:5' })), true);
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }), req({ directRemoteIp: '::ffff:10.0.0.5' })), true, 'IPv4-mapped peers count as IPv4');
  assert.equal(allows(withPrincipal({ direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }), req({ directRemoteIp: 'not-an-ip' })), false);
});

test('authenticated: plaintext never matches; URI SANs, then DNS SANs, then subject', () => {
  const any = withPrincipal({ authenticated: {} });
  assert.equal(allows(any, req()), true);
  assert.equal(allows(any, req({ tls: null })), false);
  assert.equal(allows(any, req({ tls: { uriSans: [], dnsSans: [], subject: '' } })), true, 'TLS without a client certificate is authenticated without a name');
  const exact = withPrincipal({ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/shop/sa/web' } } });
  assert.equal(allows(exact, req()), true);
  assert.equal(allows(exact, req({ tls: null })), false);
  const dns = withPrincipal({ authenticated: { principal_name: { exact: 'web.shop' } } });
  assert.equal(allows(dns, req({ tls: { uriSans: ['spiffe://x'], dnsSans: ['other', 'web.shop'], subject: '' } })), true);
  const subject = withPrincipal({ authenticated: { principal_name: { exact: 'CN=web' } } });
  assert.equal(allows(subject, req({ tls: { uriSans: [], dnsSans: [], subject: 'CN=web' } })), true);
  // Negation on plaintext holds: what Istio's notPrincipals relies on.
  const notAny = withPrincipal({ not_id: { authenticated: { principal_name: { safe_regex: { regex: '.+' } } } } });
  assert.equal(allows(notAny, req({ tls: null })), true);
  assert.equal(allows(notAny, req()), false);
});

test('metadata matchers walk the path and match values by kind', () => {
  const md = {
    istio_authn: {
      'request.auth.principal': 'https://issuer/alice',
      'request.auth.claims': { groups: ['dev', 'admin'], org: { team: 'blue' }, level: 3, verified: true, gone: null },
    },
  };
  const r = req({ metadata: md });
  const m = (path: string[], value: unknown, extra: Record<string, unknown> = {}) =>
    withPrincipal({ metadata: { filter: 'istio_authn', path: path.map((key) => ({ key })), value, ...extra } });
  const claims = (k: string[]) => ['request.auth.claims', ...k];
  assert.equal(allows(m(['request.auth.principal'], { string_match: { suffix: '/alice' } }), r), true);
  assert.equal(allows(m(claims(['groups']), { list_match: { one_of: { string_match: { exact: 'admin' } } } }), r), true);
  assert.equal(allows(m(claims(['groups']), { string_match: { exact: 'admin' } }), r), false, 'a list is not a string');
  assert.equal(allows(m(claims(['org', 'team']), { string_match: { exact: 'blue' } }), r), true);
  assert.equal(allows(m(claims(['groups', 'x']), { present_match: true }), r), false, 'a path through a list finds nothing');
  assert.equal(allows(m(claims(['level']), { double_match: { exact: 3 } }), r), true);
  assert.equal(allows(m(claims(['level']), { double_match: { range: { start: 1, end: 3 } } }), r), false);
  assert.equal(allows(m(claims(['verified']), { bool_match: true }), r), true);
  assert.equal(allows(m(claims(['gone']), { null_match: {} }), r), true);
  assert.equal(allows(m(claims(['missing']), { present_match: true }), r), false);
  assert.equal(allows(m(claims(['level']), { present_match: true }), r), true);
  assert.equal(allows(m(claims(['missing']), { present_match: true }, { invert: true }), r), true);
  const either = { or_match: { value_matchers: [{ list_match: { one_of: { string_match: { exact: 'blue' } } } }, { string_match: { exact: 'blue' } }] } };
  assert.equal(allows(m(claims(['org', 'team']), either), r), true);
  assert.equal(allows(m(claims(['constructor']), { present_match: true }), r), false, 'inherited object properties are not metadata');
  assert.equal(allows(m(['request.auth.principal'], { string_match: { exact: 'x' } }), req()), false, 'no metadata at all');
});

test('and/or/not sets and any', () => {
  const user = { header: { name: 'x-user', string_match: { exact: 'alice' } } };
  const get = { header: { name: ':method', string_match: { exact: 'GET' } } };
  const post = { header: { name: ':method', string_match: { exact: 'POST' } } };
  assert.equal(allows(withPermission({ and_rules: { rules: [user, get] } }), req()), true);
  assert.equal(allows(withPermission({ and_rules: { rules: [user, post] } }), req()), false);
  assert.equal(allows(withPermission({ or_rules: { rules: [post, user] } }), req()), true);
  assert.equal(allows(withPermission({ not_rule: post }), req()), true);
  assert.equal(allows(withPrincipal({ and_ids: { ids: [{ any: true }, { not_id: { any: true } }] } }), req()), false);
  assert.equal(allows(withPrincipal({ or_ids: { ids: [{ not_id: { any: true } }, { any: true }] } }), req()), true);
});

test('ALLOW, DENY and LOG filters; the first matching policy by name is reported', () => {
  const policies = {
    'b-get': { permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }], principals: [{ any: true }] },
    'a-user': { permissions: [{ any: true }], principals: [{ header: { name: 'x-user', present_match: true } }] },
    'c-never': { permissions: [{ not_rule: { any: true } }], principals: [{ any: true }] },
  };
  const allow = rbacFilterFromConfig({ rules: { action: 'ALLOW', policies } });
  assert.deepEqual(allow.evaluate(req()), { allowed: true, matchedPolicy: 'a-user', log: false });
  assert.deepEqual(allow.evaluate(req({ method: 'PUT', headers: {} })), { allowed: false, matchedPolicy: undefined, log: false });
  const deny = rbacFilterFromConfig({ rules: { action: 'DENY', policies } });
  assert.deepEqual(deny.evaluate(req({ headers: {} })), { allowed: false, matchedPolicy: 'b-get', log: false });
  const log = rbacFilterFromConfig({ rules: { action: 'LOG', policies } });
  assert.deepEqual(log.evaluate(req()), { allowed: true, matchedPolicy: 'a-user', log: true });
  assert.deepEqual(log.evaluate(req({ method: 'PUT', headers: {} })), { allowed: true, matchedPolicy: undefined, log: false });

  assert.equal(rbacFilterFromConfig({ rules: {} }).evaluate(req()).allowed, false, 'ALLOW (the default action) with no policies denies');
  assert.equal(rbacFilterFromConfig({ rules: { action: 1 } }).evaluate(req()).allowed, true, 'enum by number: DENY with no policies');
  assert.equal(rbacFilterFromConfig({}).evaluate(req()).allowed, true, 'no rules: nothing enforced');
  const shadowOnly = rbacFilterFromConfig({ shadow_rules: { action: 'ALLOW', policies: {} } });
  assert.equal(shadowOnly.evaluate(req()).allowed, true);
  assert.deepEqual(shadowOnly.evaluateShadow(req()), { allowed: false, matchedPolicy: undefined, log: false });
  assert.ok(Object.isFrozen(allow) && Object.isFrozen(allow.rules) && Object.isFrozen(allow.rules?.policyNames));
});

test('the chain stops at the first denial, records AUDIT and dry-run results', () => {
  const policy = (permission: unknown) => ({ permissions: [permission], principals: [{ any: true }] });
  const audit = rbacFilterFromConfig({ rules: { action: 'LOG', policies: { audit: policy({ url_path: { path: { prefix: '/api' } } }) } } });
  const deny = rbacFilterFromConfig({
    rules: { action: 'DENY', policies: { 'deny-post': policy({ header: { name: ':method', string_match: { exact: 'POST' } } }) } },
    shadow_rules: { action: 'DENY', policies: { 'dry-deny-get': policy({ header: { name: ':method', string_match: { exact: 'GET' } } }) } },
  });
  const allow = rbacFilterFromConfig({ rules: { action: 'ALLOW', policies: { 'allow-alice': policy({ header: { name: 'x-user', string_match: { exact: 'alice' } } }) } } });
  const chain = [audit, deny, allow];

  const ok = evaluateChain(chain, req());
  assert.deepEqual(
    { ...ok, shadow: [...ok.shadow] },
    {
      allowed: true,
      matchedPolicy: 'allow-alice',
      deniedBy: -1,
      auditPolicy: 'audit',
      shadow: [{ filter: 1, action: 'DENY', allowed: false, matchedPolicy: 'dry-deny-get' }],
    },
  );
  const denied = evaluateChain(chain, req({ method: 'POST' }));
  assert.equal(denied.allowed, false);
  assert.equal(denied.matchedPolicy, 'deny-post');
  assert.equal(denied.deniedBy, 1);
  assert.equal(denied.auditPolicy, 'audit');
  assert.equal(rbacDenialDetails(denied), 'rbac_access_denied_matched_policy[deny-post]');
  const notAllowed = evaluateChain(chain, req({ headers: {}, path: '/other' }));
  assert.deepEqual([notAllowed.allowed, notAllowed.deniedBy, notAllowed.auditPolicy], [false, 2, undefined]);
  assert.equal(rbacDenialDetails(notAllowed), 'rbac_access_denied_matched_policy[none]');
  assert.deepEqual(evaluateChain([], req()).allowed, true);
});

test('regexes run in linear time (RE2), so a pathological pattern cannot stall a request', () => {
  const f = withPermission({ header: { name: 'x-user', string_match: { safe_regex: { regex: '(a+)+$' } } } });
  const started = performance.now();
  assert.equal(allows(f, req({ headers: { 'x-user': 'a'.repeat(5000) + '!' } })), false);
  assert.ok(performance.now() - started < 1000, 'a backtracking engine takes exponential time here');
});

test('bad configs are refused with the field path and what to do', () => {
  const refused = (config: unknown, path: RegExp, message: RegExp) => {
    assert.throws(
      () => rbacFilterFromConfig(config),
      (e: unknown) => e instanceof RbacConfigError && path.test(e.path) && message.test(e.message),
    );
  };
  const inPolicy = (permission: unknown, principal: unknown = { any: true }) => ({
    rules: { policies: { 'ns[a]-policy[b]-rule[0]': { permissions: [permission], principals: [principal] } } },
  });
  refused(inPolicy({ foo_match: {} }), /^typed_config\.rules\.policies\["ns\[a\]-policy\[b\]-rule\[0\]"\]\.permissions\[0\]\.foo_match$/, /unknown permission field "foo_match"; supported: and_rules/);
  refused(inPolicy({ uri_template: {} }), /permissions\[0\]\.uri_template$/, /not supported/);
  refused(inPolicy({ any: true }, { filter_state: {} }), /principals\[0\]\.filter_state$/, /not supported/);
  refused(inPolicy({ and_rules: { rules: [{ any: true }, { header: { name: 'x', string_match: { regexx: 'a' } } }] } }), /and_rules\.rules\[1\]\.header\.string_match\.regexx$/, /unknown string matcher field/);
  refused(inPolicy({ any: true, destination_port: 80 }), /destination_port$/, /only one of/);
  refused(inPolicy({}), /permissions\[0\]$/, /must set one of/);
  refused(inPolicy({ any: false }), /\.any$/, /any must be true/);
  refused(inPolicy({ destination_port: 70000 }), /destination_port$/, /out of range/);
  refused(inPolicy({ url_path: { path: { safe_regex: { regex: '(unclosed' } } } }), /safe_regex\.regex$/, /invalid RE2 regex/);
  refused(inPolicy({ url_path: { path: { safe_regex: { regex: '(?=lookahead)' } } } }), /safe_regex\.regex$/, /invalid RE2 regex/);
  refused(inPolicy({ url_path: { path: { prefix: '' } } }), /prefix$/, /must not be empty/);
  refused(inPolicy({ url_path: { path: { safe_regex: { regex: 'a' }, ignore_case: true } } }), /ignore_case$/, /\(\?i\)/);
  refused(inPolicy({ destination_ip: { address_prefix: '10.0.0.300', prefix_len: 8 } }), /destination_ip$/, /not an IPv4 or IPv6 address/);
  refused(inPolicy({ destination_ip: { address_prefix: '10.0.0.0', prefix_len: 33 } }), /destination_ip$/, /out of range/);
  refused(inPolicy({ and_rules: { rules: [] } }), /and_rules\.rules$/, /at least 1/);
  refused(inPolicy({ header: { name: 'x', prefixMatch: 'a', prefix_match: 'a' } }), /prefix_match$/, /given twice/);
  refused({ rules: { policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: {} } } } }, /\.condition$/, /CEL/);
  refused({ rules: { policies: { p: { permissions: [], principals: [{ any: true }] } } } }, /permissions$/, /at least 1/);
  refused({ rules: { action: 'MAYBE' } }, /rules\.action$/, /ALLOW, DENY or LOG/);
  refused({ matcher: {} }, /typed_config\.matcher$/, /use rules/);
  refused({ '@type': 'type.googleapis.com/other' }, /@type$/, /expected type\.googleapis\.com/);
  refused([], /^typed_config$/, /expected a RBAC filter config object, got a list/);
  assert.throws(() => rbacFilterFromHttpFilter({ name: 'rbac', typed_config: { rules: {} } }, 'http_filters[2]'), /http_filters\[2\]\.typed_config: "@type" must be set/);
});

test('proto3 JSON lowerCamelCase field names are accepted', () => {
  const f = rbacFilterFromConfig({
    '@type': TYPE,
    rules: {
      action: 'DENY',
      policies: {
        p: {
          permissions: [{ urlPath: { path: { safeRegex: { regex: '/api/.*' } } } }],
          principals: [{ directRemoteIp: { addressPrefix: '10.0.0.0', prefixLen: 8 } }],
        },
      },
    },
  });
  assert.equal(f.evaluate(req()).allowed, false);
  assert.equal(f.evaluate(req({ path: '/web' })).allowed, true);
});

test('the JWT filter contract: istio_authn metadata from a token payload', () => {
  const md = authnMetadata({ iss: 'https://issuer', sub: 'alice', aud: 'shop', azp: 'spa', groups: ['a', 1], nested: { x: 'y' }, fn: () => 1 });
  assert.deepEqual(md, {
    'request.auth.principal': 'https://issuer/alice',
    'request.auth.audiences': ['shop'],
    'request.auth.presenter': 'spa',
    'request.auth.claims': { iss: 'https://issuer', sub: 'alice', aud: 'shop', azp: 'spa', groups: ['a', 1], nested: { x: 'y' } },
  });
  assert.deepEqual(authnMetadata({ sub: 'alice', aud: ['a', 'b'] })['request.auth.audiences'], ['a', 'b']);
  assert.equal(authnMetadata({ sub: 'alice' })['request.auth.principal'], undefined, 'no principal without an issuer');
});

test('the .+ and .* shortcuts agree with RE2 on newlines and empty values', () => {
  for (const regex of ['.+', '.*', '(?:.+)', '(?:.*)']) {
    const f = withPermission({ header: { name: 'x-user', string_match: { safe_regex: { regex } } } });
    for (const value of ['', 'a', 'a\nb', '\n', 'é', '\u{1F600}']) {
      const expected = regex.includes('+') ? value.length > 0 && !value.includes('\n') : !value.includes('\n');
      assert.equal(allows(f, req({ headers: { 'x-user': value } })), expected, `${regex} on ${JSON.stringify(value)}`);
    }
  }
});

test('network RBAC: parsed from a filter chain entry, evaluated without HTTP attributes', () => {
  const f = rbacFilterFromNetworkFilter({
    name: 'envoy.filters.network.rbac',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
      stat_prefix: 'tcp.',
      rules: {
        action: 'DENY',
        policies: {
          path: { permissions: [{ url_path: { path: { safe_regex: { regex: '.*' } } } }], principals: [{ any: true }] },
          method: { permissions: [{ header: { name: ':method', present_match: true } }], principals: [{ any: true }] },
          port: { permissions: [{ destination_port: 5432 }], principals: [{ not_id: { authenticated: {} } }] },
        },
      },
    },
  });
  assert.equal(f.rulesStatPrefix, 'tcp.');
  const tcp = req({ method: undefined, path: undefined, authority: undefined, headers: {}, destinationPort: 5432 });
  assert.deepEqual(f.evaluate(tcp), { allowed: true, matchedPolicy: undefined, log: false }, 'no path, no :method on a TCP connection');
  assert.deepEqual(f.evaluate({ ...tcp, tls: null }), { allowed: false, matchedPolicy: 'port', log: false });
  assert.throws(
    () => rbacFilterFromNetworkFilter({ name: 'rbac', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC' } }, 'filters[0]'),
    /filters\[0\]\.typed_config\.stat_prefix: expected a string/,
  );
  assert.throws(
    () =>
      rbacFilterFromNetworkFilter({
        name: 'rbac',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC', stat_prefix: 'x', enforcement_type: 'CONTINUOUS' },
      }),
    /enforcement_type: only ONE_TIME_ON_FIRST_BYTE/,
  );
});
