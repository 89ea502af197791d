import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectClean, expectError, expectNothingAt, expectWarning, problemsOf, vs, vsRule, vsRules,
} from '../fixtures/validate/build.ts';

const to = (host: string, weight?: number) => (weight === undefined ? { destination: { host } } : { destination: { host }, weight });

test('a plain VirtualService has no problems', () => {
  expectClean(vsRule({ timeout: '2s', retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,connect-failure,503' } }));
});

// --- durations ---------------------------------------------------------------------------

test('durations: a number without unit says what is allowed and how to fix it', () => {
  expectError(vsRule({ timeout: '10' }), 'spec.http[0].timeout', 'must be a duration such as 250ms, 1.5s or 1m (got "10"', 'add a unit, e.g. "10s"');
  expectError(vsRule({ timeout: 10 }), 'spec.http[0].timeout', 'must be a duration such as 250ms, 1.5s or 1m (got 10');
  expectNothingAt(vsRule({ timeout: '1m30s' }), 'spec.http[0].timeout');
});

test('durations: below 1ms and sub-millisecond precision are errors', () => {
  expectError(vsRule({ timeout: '0s' }), 'spec.http[0].timeout', 'must be at least 1ms (got "0s")');
  expectError(vsRule({ retries: { attempts: 2, perTryTimeout: '500us' } }), 'spec.http[0].retries.perTryTimeout', 'at least 1ms');
  expectError(vsRule({ timeout: '1.5ms' }), 'spec.http[0].timeout', 'whole number of milliseconds');
  expectError(vsRule({ fault: { delay: { fixedDelay: '5 s', percentage: { value: 1 } } } }), 'spec.http[0].fault.delay.fixedDelay', 'without a space');
});

test('durations: one message per bad value, not one per schema keyword', () => {
  const ps = problemsOf(vsRule({ timeout: '10' })).filter((p) => p.path === 'spec.http[0].timeout');
  assert.equal(ps.length, 1);
});

// --- regexes -----------------------------------------------------------------------------

test('regexes must be RE2: syntax errors name the problem', () => {
  expectError(vsRules({ match: [{ uri: { regex: '/api/[a-' } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].uri.regex', 'not a valid RE2 regular expression', 'missing closing ]');
});

test('regexes: backreferences and lookarounds are rejected because RE2 runs in linear time', () => {
  const cases: Array<[string, string]> = [['(a)\\1', 'backreferences'], ['foo(?=bar)', 'lookahead'], ['foo(?!bar)', 'lookahead'], ['(?<=a)b', 'lookbehind'], ['(?<!a)b', 'lookbehind']];
  for (const [regex, what] of cases) {
    expectError(vsRules({ match: [{ headers: { 'x-user': { regex } } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].headers[x-user].regex', what, 'RE2 cannot run them in linear time');
  }
  expectError(vsRule({ rewrite: { uriRegexRewrite: { match: '(a)\\1', rewrite: '/x' } } }), 'spec.http[0].rewrite.uriRegexRewrite.match', 'linear time');
  expectNothingAt(vsRules({ match: [{ uri: { regex: '/api/v[0-9]+/(users|orders)' } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0]');
});

test('regexes: a literal followed by .* warns to use prefix', () => {
  expectWarning(vsRules({ match: [{ uri: { regex: '/api/.*' } }], route: [to('reviews-v1')] }, { route: [to('reviews-v1')] }), 'spec.http[0].match[0].uri.regex', 'use prefix: "/api/"');
  expectWarning(vsRules({ match: [{ headers: { 'x-user': { regex: '.*' } } }], route: [to('reviews-v1')] }, { route: [to('reviews-v1')] }), 'spec.http[0].match[0].headers[x-user].regex', 'matches every value');
});

test('uriRegexRewrite may not refer to groups the match does not have', () => {
  expectError(vsRule({ rewrite: { uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/v2/\\2' } } }), 'spec.http[0].rewrite.uriRegexRewrite.rewrite', 'refers to group \\2', 'only 1 group');
  expectNothingAt(vsRule({ rewrite: { uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/v2/\\1' } } }), 'spec.http[0].rewrite');
});

// --- percentages, statuses, weights ----------------------------------------------------------

test('percentages outside 0-100 are errors; finer than 0.0001 too', () => {
  expectError(vsRule({ mirror: { host: 'reviews-v2' }, mirrorPercentage: { value: 150 } }), 'spec.http[0].mirrorPercentage.value', 'must be a percentage from 0 to 100 (got 150)');
  expectError(vsRule({ fault: { delay: { fixedDelay: '1s', percentage: { value: -1 } } } }), 'spec.http[0].fault.delay.percentage.value', 'from 0 to 100 (got -1)');
  expectError(vsRule({ fault: { delay: { fixedDelay: '1s', percentage: { value: 0.00001 } } } }), 'spec.http[0].fault.delay.percentage.value', 'at least 0.0001');
  expectNothingAt(vsRule({ mirror: { host: 'reviews-v2' }, mirrorPercentage: { value: 12.5 } }), 'spec.http[0].mirrorPercentage');
});

test('HTTP statuses outside 200-599 are errors', () => {
  expectError(vsRule({ fault: { abort: { httpStatus: 600, percentage: { value: 1 } } } }), 'spec.http[0].fault.abort.httpStatus', 'must be an HTTP status from 200 to 599 (got 600)');
  expectError(vsRules({ directResponse: { status: 199 } }), 'spec.http[0].directResponse.status', 'from 200 to 599 (got 199)');
  expectNothingAt(vsRules({ directResponse: { status: 503, body: { string: 'down' } } }), 'spec.http[0]');
});

test('negative weights are errors', () => {
  expectError(vsRules({ route: [to('reviews-v1', -1), to('reviews-v2', 1)] }), 'spec.http[0].route[0].weight', 'weight must be a non-negative integer (got -1)');
  expectError(vsRules({ route: [to('reviews-v1', 1.5), to('reviews-v2', 1)] }), 'spec.http[0].route[0].weight', 'non-negative integer (got 1.5)');
  const ps = problemsOf(vsRules({ route: [to('reviews-v1', -1), to('reviews-v2', 1)] })).filter((p) => p.path.startsWith('spec.http[0].route'));
  assert.equal(ps.length, 1, 'one problem for one bad weight');
});

test('all-zero weights in a route list are an error', () => {
  expectError(vsRules({ route: [to('reviews-v1', 0), to('reviews-v2', 0)] }), 'spec.http[0].route', 'all weights are 0');
  expectNothingAt(vsRules({ route: [to('reviews-v1', 0), to('reviews-v2', 5)] }), 'spec.http[0].route[0]');
});

test('weights whose sum overflows Envoy\'s uint32 are an error', () => {
  expectError(vsRules({ route: [to('reviews-v1', 2147483647), to('reviews-v2', 2147483647), to('reviews', 2)] }), 'spec.http[0].route', 'more than Envoy\'s limit');
});

test('warning: every weight on one destination while others have 0', () => {
  expectWarning(vsRules({ route: [to('reviews-v1', 100), to('reviews-v2', 0)] }), 'spec.http[0].route', 'all traffic goes to spec.http[0].route[0] (reviews-v1)');
});

test('warning: some destinations weighted, others not', () => {
  expectWarning(vsRules({ route: [to('reviews-v1', 90), to('reviews-v2')] }), 'spec.http[0].route[1]', 'has no weight while other destinations do');
});

// --- destinations and hosts ------------------------------------------------------------------------

test('missing destination hosts are errors', () => {
  expectError(vsRules({ route: [{ destination: {} }] }), 'spec.http[0].route[0].destination.host', 'required field is missing');
  expectError(vsRules({ route: [{ weight: 1 }] }), 'spec.http[0].route[0].destination', 'required field is missing');
  expectError(vsRules({ route: [{ destination: { host: '' } }] }), 'spec.http[0].route[0].destination.host', 'must not be empty');
});

test('destination hosts must be Service names, not URLs or host:port', () => {
  expectError(vsRules({ route: [to('http://reviews')] }), 'spec.http[0].route[0].destination.host', 'not a URL', 'write "reviews"');
  expectError(vsRules({ route: [to('reviews:9080')] }), 'spec.http[0].route[0].destination.host', 'must not include a port');
  expectError(vsRules({ route: [to('Reviews')] }), 'spec.http[0].route[0].destination.host', 'lower case');
});

test('empty host lists are errors; hosts "*" warns', () => {
  expectError(vs({ hosts: [], http: [{ route: [to('reviews-v1')] }] }), 'spec.hosts', 'must list at least one host');
  expectError(vs({ http: [{ route: [to('reviews-v1')] }] }), 'spec.hosts', 'required field is missing');
  expectWarning(vs({ hosts: ['*'], http: [{ route: [to('reviews-v1')] }] }), 'spec.hosts[0]', 'captures every host');
  expectError(vs({ hosts: ['reviews', 'reviews'], http: [{ route: [to('reviews-v1')] }] }), 'spec.hosts[1]', 'duplicate host');
});

test('a VirtualService without http rules is an error', () => {
  expectError(vs({ hosts: ['reviews'] }), 'spec.http', 'at least one rule');
});

// --- route / redirect / directResponse ---------------------------------------------------------------

test('a rule may combine at most one of route, redirect and directResponse, and needs one', () => {
  expectError(vsRule({ redirect: { uri: '/new' } }), 'spec.http[0]', 'a rule may not have both route and redirect');
  expectError(vsRule({ directResponse: { status: 503 } }), 'spec.http[0]', 'a rule may not have both route and directResponse');
  expectError(vsRules({ redirect: { uri: '/new' }, directResponse: { status: 503 } }), 'spec.http[0]', 'a rule may not have both redirect and directResponse');
  expectError(vsRules({ name: 'nothing' }), 'spec.http[0]', 'a rule needs one of route, redirect or directResponse');
  expectNothingAt(vsRules({ redirect: { uri: '/new', redirectCode: 301 } }), 'spec.http[0]');
});

test('redirect with rewrite or fault, and directResponse with rewrite, are rejected as Istio does', () => {
  expectError(vsRules({ redirect: { uri: '/new' }, rewrite: { uri: '/x' } }), 'spec.http[0].rewrite', 'a rule with redirect may not have rewrite');
  expectError(vsRules({ redirect: { uri: '/new' }, fault: { abort: { httpStatus: 500, percentage: { value: 1 } } } }), 'spec.http[0].fault', 'a rule with redirect may not have fault');
  expectError(vsRules({ directResponse: { status: 200 }, rewrite: { uri: '/x' } }), 'spec.http[0].rewrite', 'directResponse may not have rewrite');
  expectError(vsRules({ redirect: {} }), 'spec.http[0].redirect', 'at least one of uri, authority, port, derivePort or scheme');
  expectError(vsRules({ redirect: { port: 8443, derivePort: 'FROM_REQUEST_PORT' } }), 'spec.http[0].redirect', 'set only one of port or derivePort');
  expectError(vsRule({ rewrite: {} }), 'spec.http[0].rewrite', 'needs uri, uriRegexRewrite or authority');
  expectError(vsRule({ rewrite: { uri: '/a', uriRegexRewrite: { match: 'x', rewrite: 'y' } } }), 'spec.http[0].rewrite', 'set only one of uri or uriRegexRewrite');
  expectWarning(vsRules({ redirect: { uri: '/new' }, timeout: '1s' }), 'spec.http[0].timeout', 'is ignored');
});

test('rewrite.authority and a Host header set in the same rule conflict', () => {
  expectError(vsRule({ rewrite: { authority: 'a.example' }, headers: { request: { set: { host: 'b.example' } } } }), 'spec.http[0].rewrite.authority', 'set it in one place');
});

test('mirrorPercentage without mirror is an error; mirror and mirrors together too', () => {
  expectError(vsRule({ mirrorPercentage: { value: 10 } }), 'spec.http[0].mirrorPercentage', 'without mirror');
  expectError(vsRule({ mirror: { host: 'a' }, mirrors: [{ destination: { host: 'b' } }] }), 'spec.http[0]', 'set only one of mirror or mirrors');
});

// --- matches ------------------------------------------------------------------------------------------

test('a StringMatch may set only one of exact, prefix and regex', () => {
  const obj = vsRules({ match: [{ uri: { exact: '/a', prefix: '/b' } }], route: [to('reviews-v1')] });
  expectError(obj, 'spec.http[0].match[0].uri', 'set only one of exact, prefix or regex (got exact and prefix)');
  assert.equal(problemsOf(obj).filter((p) => p.path === 'spec.http[0].match[0].uri').length, 1, 'the schema\'s maxProperties and the rule say it once');
});

test('empty prefixes and empty uri matches are errors', () => {
  expectError(vsRules({ match: [{ uri: { prefix: '' } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].uri.prefix', 'must not be empty');
  expectError(vsRules({ match: [{ uri: {} }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].uri', 'set one of exact, prefix or regex');
  expectNothingAt(vsRules({ match: [{ headers: { 'x-debug': {} } }], route: [to('reviews-v1')] }, { route: [to('reviews-v1')] }), 'spec.http[0].match');
});

test('header names in matches must be lower case (headers and withoutHeaders)', () => {
  expectError(vsRules({ match: [{ headers: { 'X-User': { exact: 'bob' } } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].headers[X-User]', 'must be lower case: write "x-user"');
  expectError(vsRules({ match: [{ withoutHeaders: { 'X-Debug': {} } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].withoutHeaders[X-Debug]', 'lower case');
  expectError(vsRules({ match: [{ headers: { ':method': { exact: 'GET' } } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].headers[:method]', "use the match's method field");
  expectError(vsRules({ match: [{ headers: { 'x user': { exact: 'bob' } } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].headers[x user]', 'not a valid HTTP header name');
});

test('warning: a lower-case method never matches', () => {
  expectWarning(vsRules({ match: [{ method: { exact: 'get' } }], route: [to('reviews-v1')] }, { route: [to('reviews-v1')] }), 'spec.http[0].match[0].method.exact', 'write "GET"');
});

test('sourceLabels and sourceNamespace must be valid Kubernetes names', () => {
  expectError(vsRules({ match: [{ sourceLabels: { app: 'front end' } }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].sourceLabels[app]', 'not a valid label value');
  expectError(vsRules({ match: [{ sourceNamespace: 'Shop' }], route: [to('reviews-v1')] }), 'spec.http[0].match[0].sourceNamespace', 'not a namespace name');
});

// --- header operations -------------------------------------------------------------------------------

test('header operations may not touch pseudo-headers or Host where Envoy forbids it', () => {
  expectError(vsRule({ headers: { request: { set: { ':path': '/x' } } } }), 'spec.http[0].headers.request.set[:path]', 'cannot set pseudo-header ":path"');
  expectError(vsRule({ headers: { request: { remove: ['host'] } } }), 'spec.http[0].headers.request.remove[0]', 'cannot remove the Host header');
  expectError(vsRule({ headers: { response: { set: { Host: 'x' } } } }), 'spec.http[0].headers.response.set[Host]', 'cannot set Host on a response');
  expectError(vsRules({ route: [{ destination: { host: 'reviews-v1' }, headers: { response: { add: { ':status': '200' } } } }] }), 'spec.http[0].route[0].headers.response.add[:status]', 'pseudo-header');
  // Istio allows setting the authority through the request's Host header.
  expectNothingAt(vsRule({ headers: { request: { set: { host: 'reviews.example' } } } }), 'spec.http[0].headers');
});

test('header names in operations must be valid tokens; values may not hold a lone %', () => {
  expectError(vsRule({ headers: { request: { set: { 'x user': 'a' } } } }), 'spec.http[0].headers.request.set[x user]', 'not a valid HTTP header name');
  expectError(vsRule({ headers: { request: { set: { 'x-discount': '10%' } } } }), 'spec.http[0].headers.request.set[x-discount]', 'a literal % must be written %%');
  expectNothingAt(vsRule({ headers: { request: { set: { 'x-discount': '10%%', 'x-host': '%HOSTNAME%' } } } }), 'spec.http[0].headers');
});

// --- retries, faults, CORS -------------------------------------------------------------------------------

test('retryOn values must be Envoy retry conditions or status codes', () => {
  expectError(vsRule({ retries: { attempts: 3, retryOn: '5xx,timeout' } }), 'spec.http[0].retries.retryOn', '"timeout" is not a retry condition', 'gateway-error');
  expectError(vsRule({ retries: { attempts: 3, retryOn: '5xx,,reset' } }), 'spec.http[0].retries.retryOn', '""');
  expectNothingAt(vsRule({ retries: { attempts: 3, retryOn: 'gateway-error,connect-failure,refused-stream,503,unavailable' } }), 'spec.http[0].retries');
});

test('warning: perTryTimeout not shorter than timeout', () => {
  expectWarning(vsRule({ timeout: '1s', retries: { attempts: 2, perTryTimeout: '1s' } }), 'spec.http[0].retries.perTryTimeout', 'no retry can happen');
  expectNothingAt(vsRule({ timeout: '2s', retries: { attempts: 2, perTryTimeout: '500ms' } }), 'spec.http[0].retries');
});

test('warning: a fault abort at 100% (explicit, or by leaving percentage out)', () => {
  expectWarning(vsRule({ fault: { abort: { httpStatus: 503, percentage: { value: 100 } } } }), 'spec.http[0].fault.abort', 'aborts 100% of requests', 'HTTP 503');
  expectWarning(vsRule({ fault: { abort: { grpcStatus: 'UNAVAILABLE' } } }), 'spec.http[0].fault.abort', 'no percentage means all of them');
  expectNothingAt(vsRule({ fault: { abort: { httpStatus: 503, percentage: { value: 5 } } } }), 'spec.http[0].fault');
});

test('fault aborts need exactly one status; gRPC statuses are names', () => {
  expectError(vsRule({ fault: { abort: { percentage: { value: 1 } } } }), 'spec.http[0].fault.abort', 'set exactly one of httpStatus or grpcStatus');
  expectError(vsRule({ fault: { abort: { httpStatus: 503, grpcStatus: 'UNAVAILABLE', percentage: { value: 1 } } } }), 'spec.http[0].fault.abort', 'set exactly one of httpStatus or grpcStatus');
  expectError(vsRule({ fault: { abort: { grpcStatus: 'unavailable', percentage: { value: 1 } } } }), 'spec.http[0].fault.abort.grpcStatus', 'write "UNAVAILABLE"');
  expectError(vsRule({ fault: {} }), 'spec.http[0].fault', 'a delay, an abort or both');
});

test('CORS: methods, header names and whole-second maxAge', () => {
  expectError(vsRule({ corsPolicy: { allowMethods: ['get'] } }), 'spec.http[0].corsPolicy.allowMethods[0]', 'write "GET"');
  expectError(vsRule({ corsPolicy: { allowHeaders: ['x user'] } }), 'spec.http[0].corsPolicy.allowHeaders[0]', 'not a valid HTTP header name');
  expectError(vsRule({ corsPolicy: { maxAge: '1500ms' } }), 'spec.http[0].corsPolicy.maxAge', 'whole seconds');
  expectNothingAt(vsRule({ corsPolicy: { allowOrigins: [{ exact: 'https://shop.example' }], allowMethods: ['GET', 'POST'], allowHeaders: ['*'], maxAge: '24h' } }), 'spec.http[0].corsPolicy');
});

// --- reachability -----------------------------------------------------------------------------------------

test('warning: rules after a catch-all rule (no match) are unreachable', () => {
  const obj = vsRules({ name: 'default', route: [to('reviews-v1')] }, { match: [{ uri: { prefix: '/api' } }], route: [to('reviews-v2')] });
  expectWarning(obj, 'spec.http[1]', 'is never used: spec.http[0] ("default") before it matches every request');
});

test('warning: rules after a match-all match (prefix "/") are unreachable', () => {
  const obj = vsRules({ match: [{ uri: { prefix: '/' } }], route: [to('reviews-v1')] }, { match: [{ uri: { prefix: '/api' } }], route: [to('reviews-v2')] });
  expectWarning(obj, 'spec.http[1]', 'matches every request');
});

test('warning: a match covered by an earlier prefix match is never used', () => {
  const obj = vsRules(
    { match: [{ uri: { prefix: '/api' } }], route: [to('reviews-v1')] },
    { match: [{ uri: { prefix: '/api/v2' } }], route: [to('reviews-v2')] },
    { route: [to('reviews')] },
  );
  expectWarning(obj, 'spec.http[1]', 'is never used', 'spec.http[0].match[0]');
  const partial = vsRules(
    { match: [{ uri: { exact: '/login' } }], route: [to('reviews-v1')] },
    { match: [{ uri: { exact: '/login' } }, { uri: { prefix: '/account' } }], route: [to('reviews-v2')] },
    { route: [to('reviews')] },
  );
  expectWarning(partial, 'spec.http[1].match[0]', 'is never used: spec.http[0].match[0]');
  // A narrower earlier match (extra header condition) does not cover a later, broader one.
  const narrower = vsRules(
    { match: [{ uri: { prefix: '/api' }, headers: { 'end-user': { exact: 'jason' } } }], route: [to('reviews-v2')] },
    { match: [{ uri: { prefix: '/api' } }], route: [to('reviews-v1')] },
    { route: [to('reviews')] },
  );
  expectNothingAt(narrower, 'spec.http[1]');
});

// --- spec-level warnings ------------------------------------------------------------------------------------

test('warning: gateways other than mesh are ignored', () => {
  expectWarning(vs({ hosts: ['reviews'], gateways: ['istio-system/public'], http: [{ route: [to('reviews-v1')] }] }), 'spec.gateways[0]', 'Weft programs sidecars only');
  expectNothingAt(vs({ hosts: ['reviews'], gateways: ['mesh'], http: [{ route: [to('reviews-v1')] }] }), 'spec.gateways');
});

test('exportTo: invalid names are errors, suspicious ones warn', () => {
  const withExport = (exportTo: string[]) => vs({ hosts: ['reviews'], exportTo, http: [{ route: [to('reviews-v1')] }] });
  expectError(withExport(['Shop']), 'spec.exportTo[0]', 'namespaces are lower case: "shop"');
  expectError(withExport(['*', 'shop']), 'spec.exportTo', 'cannot be combined');
  expectWarning(withExport(['frontend']), 'spec.exportTo', 'does not include this namespace (shop)');
  expectWarning(withExport(['shop']), 'spec.exportTo[0]', '"." says the same');
  expectNothingAt(withExport(['.', 'frontend']), 'spec.exportTo');
});

// --- unknown and unsupported fields ---------------------------------------------------------------------------

test('unknown fields: did you mean, and the allowed list; no echo about what is then missing', () => {
  const obj = vsRules({ routes: [to('reviews-v1')] });
  expectError(obj, 'spec.http[0].routes', 'unknown field "routes"; did you mean "route"? (allowed: name, match, route, redirect, directResponse');
  assert.equal(problemsOf(obj).filter((p) => p.severity === 'error').length, 1, 'the missing route is explained by the misspelling');
  expectError(vsRule({ retries: { attempts: 3, per_try_timeout: '1s' } }), 'spec.http[0].retries.per_try_timeout', 'did you mean "perTryTimeout"?');
});

test('Istio fields Weft does not support get a specific message', () => {
  expectError(vs({ hosts: ['reviews'], tcp: [{ route: [to('reviews-v1')] }], http: [{ route: [to('reviews-v1')] }] }), 'spec.tcp', 'TCP routes are not supported');
  expectError(vs({ hosts: ['reviews'], tls: [], http: [{ route: [to('reviews-v1')] }] }), 'spec.tls', 'TLS (SNI) routes are not supported');
  expectError(vsRules({ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }), 'spec.http[0].route[0].destination.subset', 'subsets are not supported', 'host: reviews-v2');
  expectError(vsRules({ delegate: { name: 'x' } }), 'spec.http[0].delegate', 'delegation is not supported');
  expectError(vsRule({ mirror: { host: 'reviews-v2' }, mirror_percent: 5 }), 'spec.http[0].mirror_percent', 'use mirrorPercentage');
});

test('wrong types say what was expected, what was there, and how to write it', () => {
  expectError(vs({ hosts: 'reviews', http: [{ route: [to('reviews-v1')] }] }), 'spec.hosts', 'must be a list (got the string "reviews"); write ["reviews"]');
  expectError(vsRules({ route: { destination: { host: 'reviews-v1' } } }), 'spec.http[0].route', 'must be a list (got a mapping); start each entry with "- "');
  expectError(vsRule({ retries: { attempts: '3' } }), 'spec.http[0].retries.attempts', 'must be a whole number (got the string "3"); write 3 without quotes');
  expectError(vsRules({ route: [{ destination: 'reviews-v1' }] }), 'spec.http[0].route[0].destination', 'write destination: {host: reviews-v1}');
  expectError(vsRules({ route: [{ destination: { host: 'reviews-v1', port: 9080 } }] }), 'spec.http[0].route[0].destination.port', 'write port: {number: 9080}');
  expectError(vsRules({ route: [to('reviews-v1', '50' as unknown as number)] }), 'spec.http[0].route[0].weight', 'weight must be a non-negative integer (got "50")');
});
