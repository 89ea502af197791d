// RequestAuthentication through the one validator (schema, then semantic
// rules): what `weft validate`, the admission webhook and `weft up` report.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { validateResource } from '../../operator/api/validate.ts';
import { expectClean, expectError, expectWarning, problemsOf, ra } from '../fixtures/validate/build.ts';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' };
const JWKS = JSON.stringify({ keys: [PUBLIC] });
const rule = (change: Record<string, unknown>) => ra({ jwtRules: [{ issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/jwks.json', ...change }] });

test('an Istio RequestAuthentication with every supported field has no problems', () => {
  expectClean(ra({
    selector: { matchLabels: { app: 'reviews' } },
    jwtRules: [
      {
        issuer: 'https://accounts.example.com',
        audiences: ['shop'],
        jwksUri: 'https://accounts.example.com/.well-known/jwks.json',
        fromHeaders: [{ name: 'x-jwt-assertion', prefix: 'Bearer ' }, { name: 'x-token' }],
        fromParams: ['token'],
        fromCookies: ['session'],
        outputPayloadToHeader: 'x-jwt-payload',
        outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }, { header: 'x-team', claim: 'org.team' }],
        forwardOriginalToken: true,
        timeout: '3s',
      },
      { issuer: 'https://other.example.com', jwks: JWKS },
      // No jwksUri or jwks: OpenID Connect discovery from an https issuer.
      { issuer: 'https://discovered.example.com' },
    ],
  }));
  const r = validateResource(rule({}));
  assert.ok(r.ok);
  assert.equal(r.resource.kind, 'RequestAuthentication');
  assert.equal(r.ref.kind, 'RequestAuthentication');
});

test('issuer is required, once per policy', () => {
  expectError(ra({ jwtRules: [{ jwksUri: 'https://a.example.com/k' }] }), 'spec.jwtRules[0].issuer', 'required field is missing');
  expectError(ra({ jwtRules: [{ issuer: 'https://a.example.com', jwks: JWKS }, { issuer: 'https://a.example.com', jwks: JWKS }] }), 'spec.jwtRules[1].issuer', 'already the issuer of spec.jwtRules[0]');
  expectWarning(ra({}), 'spec.jwtRules', 'accepts no token');
});

test('jwksUri: https; plain http only to loopback (with a warning that says so); no other scheme, no credentials', () => {
  expectError(rule({ jwksUri: 'http://issuer.example.com/jwks.json' }), 'spec.jwtRules[0].jwksUri', 'must be https', 'loopback');
  expectWarning(rule({ jwksUri: 'http://127.0.0.1:8080/jwks.json' }), 'spec.jwtRules[0].jwksUri', 'loopback address', 'tests, weft up');
  expectWarning(rule({ jwksUri: 'http://[::1]:8080/jwks.json' }), 'spec.jwtRules[0].jwksUri', 'loopback address');
  expectError(rule({ jwksUri: 'file:///etc/jwks.json' }), 'spec.jwtRules[0].jwksUri', 'must be an https URL', '"file"');
  expectError(rule({ jwksUri: 'issuer.example.com/jwks.json' }), 'spec.jwtRules[0].jwksUri', 'is not a URL');
  expectError(rule({ jwksUri: 'https://u:p@issuer.example.com/jwks.json' }), 'spec.jwtRules[0].jwksUri', 'credentials');
  // Discovery needs a fetchable issuer.
  expectError(ra({ jwtRules: [{ issuer: 'issuer-foo' }] }), 'spec.jwtRules[0].issuer', 'OpenID Connect discovery', 'set jwksUri');
  expectError(ra({ jwtRules: [{ issuer: 'http://issuer.example.com' }] }), 'spec.jwtRules[0].issuer', 'OpenID Connect discovery', 'must then be https');
});

test('jwks: a JSON Web Key Set of public signing keys, not with jwksUri', () => {
  expectError(rule({ jwks: JWKS }), 'spec.jwtRules[0]', 'set only one of jwks or jwksUri');
  const inline = (jwks: string) => ra({ jwtRules: [{ issuer: 'https://a.example.com', jwks }] });
  expectError(inline('{"keys": ['), 'spec.jwtRules[0].jwks', 'is not JSON');
  expectError(inline('{"key": []}'), 'spec.jwtRules[0].jwks', 'has no "keys" list');
  expectError(inline('{"keys": []}'), 'spec.jwtRules[0].jwks', 'has no keys');
  expectError(inline(JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })), 'spec.jwtRules[0].jwks', 'keys[0] is a symmetric (oct) key');
  expectError(inline(JSON.stringify({ keys: [PUBLIC, privateKey.export({ format: 'jwk' })] })), 'spec.jwtRules[0].jwks', 'keys[1] is a private key');
  expectError(inline(JSON.stringify({ keys: [{ ...PUBLIC, use: 'enc' }] })), 'spec.jwtRules[0].jwks', 'not signatures');
  expectError(inline(JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB' }] })), 'spec.jwtRules[0].jwks', 'keys[0] is not a usable public key');
});

test('header, cookie and parameter names; the timeout is a duration', () => {
  expectError(rule({ fromHeaders: [{ name: 'x token' }] }), 'spec.jwtRules[0].fromHeaders[0].name', 'is not a header name');
  expectError(rule({ fromHeaders: [{ name: ':authority' }] }), 'spec.jwtRules[0].fromHeaders[0].name', 'pseudo-header');
  expectError(rule({ fromHeaders: [{ prefix: 'Bearer ' }] }), 'spec.jwtRules[0].fromHeaders[0].name', 'required field is missing');
  expectError(rule({ fromHeaders: ['x-token'] }), 'spec.jwtRules[0].fromHeaders[0]', 'must be a mapping');
  expectError(rule({ fromCookies: ['a;b'] }), 'spec.jwtRules[0].fromCookies[0]', 'is not a cookie name');
  expectError(rule({ fromParams: ['a=b'] }), 'spec.jwtRules[0].fromParams[0]', 'is not a query parameter name');
  expectError(rule({ outputPayloadToHeader: 'x payload' }), 'spec.jwtRules[0].outputPayloadToHeader', 'is not a header name');
  expectError(rule({ outputClaimToHeaders: [{ header: 'x-sub' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].claim', 'required field is missing');
  expectError(rule({ timeout: '5' }), 'spec.jwtRules[0].timeout', 'must be a duration', 'add a unit');
  expectError(rule({ timeout: '0s' }), 'spec.jwtRules[0].timeout', 'at least 1ms');
  expectWarning(rule({ timeout: '5m' }), 'spec.jwtRules[0].timeout', 'is long');
  expectError(rule({ audiences: [''] }), 'spec.jwtRules[0].audiences[0]', 'must not be empty');
});

test('Istio fields Weft does not support say so; misspellings get a suggestion', () => {
  expectError(ra({ targetRef: { kind: 'Gateway', name: 'gw' }, jwtRules: [{ issuer: 'https://a.example.com', jwks: JWKS }] }), 'spec.targetRef', 'not gateways', 'selector.matchLabels');
  expectError(ra({ targetRefs: [{ kind: 'Gateway', name: 'gw' }], jwtRules: [{ issuer: 'https://a.example.com', jwks: JWKS }] }), 'spec.targetRefs', 'not supported');
  expectError(rule({ jwks_uri: 'https://a.example.com/k' }), 'spec.jwtRules[0].jwks_uri', 'write jwksUri');
  expectError(rule({ spaceDelimitedClaims: ['scope'] }), 'spec.jwtRules[0].spaceDelimitedClaims', 'not supported');
  expectError(rule({ forwardOrginalToken: true }), 'spec.jwtRules[0].forwardOrginalToken', 'did you mean "forwardOriginalToken"?');
  expectError(ra({ jwtRule: [] }), 'spec.jwtRule', 'did you mean "jwtRules"?');
  expectError(ra({ selector: { matchLabels: { 'app!': 'x' } }, jwtRules: [{ issuer: 'https://a.example.com', jwks: JWKS }] }), 'spec.selector.matchLabels[app!]');
  assert.ok(problemsOf(ra({ selector: {}, jwtRules: [{ issuer: 'https://a.example.com', jwks: JWKS }] })).some((p) => p.path === 'spec.selector' && p.severity === 'warning'));
});
