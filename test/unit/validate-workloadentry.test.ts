// WorkloadEntry through the one validator (schema, then semantic rules): what
// `weft validate`, the admission webhook and `weft up` all report.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../operator/api/validate.ts';
import { expectClean, expectError, expectNothingAt, expectWarning, problemsOf, we } from '../fixtures/validate/build.ts';

const good = { address: '10.0.3.7', labels: { app: 'ratings', version: 'vm' }, serviceAccount: 'ratings', ports: { http: 9080, 'grpc-api': 9090 } };
const entry = (change: Record<string, unknown>) => we({ ...good, ...change });

test('a VM entry with an IPv4 or IPv6 address, ports, labels, identity, locality and weight has no problems', () => {
  expectClean(we(good));
  expectClean(entry({ address: 'fd00::7', locality: 'us-east1/us-east1-b/rack-4', weight: 3 }));
  expectClean(entry({ serviceAccount: undefined, ports: undefined }));
  const r = validateResource(we(good));
  assert.ok(r.ok);
  assert.equal(r.resource.kind, 'WorkloadEntry');
  assert.equal(r.ref.kind, 'WorkloadEntry');
  assert.equal(r.resource.metadata.namespace, 'shop');
});

test('address: required, an IP address or lower-case host name, without port, scheme, brackets, CIDR or wildcard', () => {
  expectError(we({ labels: good.labels }), 'spec.address', 'required field is missing');
  expectError(entry({ address: '' }), 'spec.address');
  expectError(entry({ address: '10.0.3.7:9080' }), 'spec.address', 'must not include a port', 'write "10.0.3.7"', '{http: 9080}');
  expectError(entry({ address: 'http://ratings.vm.example.com:9080/' }), 'spec.address', 'not a URL', 'write "ratings.vm.example.com"');
  expectError(entry({ address: 'unix:///var/run/ratings.sock' }), 'spec.address', 'Unix domain socket addresses are not supported');
  expectError(entry({ address: '[fd00::7]:9080' }), 'spec.address', 'without brackets or port', '"fd00::7"');
  expectError(entry({ address: '10.0.3.0/24' }), 'spec.address', 'is a CIDR block', '"10.0.3.0"');
  expectError(entry({ address: '*.vm.example.com' }), 'spec.address', 'wildcards are not allowed');
  expectError(entry({ address: 'Ratings.VM.example.com' }), 'spec.address', 'host names are lower case', '"ratings.vm.example.com"');
  expectError(entry({ address: 'ratings_vm' }), 'spec.address', 'is not an IP address or host name');
  expectError(entry({ address: '10.0.3.256' }), 'spec.address', 'is not an IP address or host name');
  expectError(entry({ address: '0.0.0.0' }), 'spec.address', 'unspecified address');
  expectError(entry({ address: 42 }), 'spec.address', 'must be a string');
});

test('address: a host name is accepted, with a warning that Envoy sidecars need an IP', () => {
  const w = expectWarning(entry({ address: 'ratings-1.vm.example.com' }), 'spec.address', 'is a host name', 'Envoy');
  assert.match(w.message, /Weft's proxies resolve it/);
  expectNothingAt(entry({ address: 'ratings-1.vm.example.com' }), 'spec.labels');
});

test('ports: keys are Service port names, values port numbers from 1 to 65535', () => {
  expectError(entry({ ports: { http: 0 } }), 'spec.ports[http]', '1');
  expectError(entry({ ports: { http: 65536 } }), 'spec.ports[http]', '65535');
  expectError(entry({ ports: { http: 9080.5 } }), 'spec.ports[http]', 'whole number');
  expectError(entry({ ports: { http: '9080' } }), 'spec.ports[http]');
  expectError(entry({ ports: { HTTP: 9080 } }), 'spec.ports[HTTP]', 'not a Service port name', 'port names are lower case: "http"');
  expectError(entry({ ports: { http_web: 9080 } }), 'spec.ports[http_web]', 'not a Service port name');
  expectWarning(entry({ ports: { '9080': 9080 } }), 'spec.ports[9080]', 'is a number', 'names of Service ports');
  expectError(entry({ ports: [{ name: 'http', port: 9080 }] }), 'spec.ports', 'mapping');
});

test('labels: Kubernetes label keys and values; none at all is a warning (no Service can select it)', () => {
  expectError(entry({ labels: { 'app!': 'ratings' } }), 'spec.labels[app!]', 'not a valid label key');
  expectError(entry({ labels: { app: 'ratings vm' } }), 'spec.labels[app]', 'not a valid label value');
  expectError(entry({ labels: { app: 'x'.repeat(64) } }), 'spec.labels[app]', 'at most 63 characters long');
  expectError(entry({ labels: { 'Example.com/app': 'ratings' } }), 'spec.labels[Example.com/app]', 'not a valid label key');
  expectNothingAt(entry({ labels: { 'example.com/app': 'ratings', tier: '' } }), 'spec.labels');
  expectWarning(entry({ labels: undefined }), 'spec.labels', 'no Service can select this workload');
  expectWarning(entry({ labels: {} }), 'spec.labels', 'no Service can select this workload');
});

test('serviceAccount: a DNS-1123 label, as in the SPIFFE identity', () => {
  expectError(entry({ serviceAccount: 'Ratings' }), 'spec.serviceAccount', 'not a service account name', 'lower case: "ratings"');
  expectError(entry({ serviceAccount: 'ratings.vm' }), 'spec.serviceAccount', 'not a service account name');
  expectError(entry({ serviceAccount: '' }), 'spec.serviceAccount', 'must not be empty');
  expectError(entry({ serviceAccount: 'a'.repeat(64) }), 'spec.serviceAccount', 'at most 63 characters long');
});

test('weight from 0 to 65535; locality region/zone/subzone; network warns (one network)', () => {
  expectNothingAt(entry({ weight: 0 }), 'spec.weight');
  expectNothingAt(entry({ weight: 65535 }), 'spec.weight');
  expectError(entry({ weight: 65536 }), 'spec.weight', 'must be from 0 to 65535 (got 65536)');
  expectError(entry({ weight: -1 }), 'spec.weight');
  expectError(entry({ weight: 1.5 }), 'spec.weight', 'non-negative integer (got 1.5)');
  expectError(entry({ locality: 'us-east1//b' }), 'spec.locality', 'is not a locality');
  expectError(entry({ locality: 'a/b/c/d' }), 'spec.locality', 'region/zone/subzone');
  expectWarning(entry({ network: 'vpc-2' }), 'spec.network', 'single network');
});

test('misspelled fields get a did-you-mean, and every problem is reported in one pass', () => {
  expectError(we({ ...good, adress: '10.0.3.8' }), 'spec.adress', 'did you mean "address"');
  expectError(we({ ...good, serviceaccount: 'ratings' }), 'spec.serviceaccount', 'did you mean "serviceAccount"');
  expectError(we({ ...good, port: { http: 9080 } }), 'spec.port', 'did you mean "ports"');
  // The misspelled address explains the missing one: no echo.
  const ps = problemsOf(we({ adress: '10.0.3.8', labels: good.labels }));
  assert.deepEqual(ps.filter((p) => p.severity === 'error').map((p) => p.path), ['spec.adress']);
  const many = problemsOf(entry({ address: '10.0.3.7:80', ports: { HTTP: 0 }, serviceAccount: 'A', weight: 1e6 }));
  assert.deepEqual([...new Set(many.filter((p) => p.severity === 'error').map((p) => p.path))].sort(), ['spec.address', 'spec.ports[HTTP]', 'spec.serviceAccount', 'spec.weight']);
});

test('a misspelled kind is suggested WorkloadEntry; a wrong apiVersion is an error', () => {
  expectError({ ...we(good), kind: 'WorkloadEntri' }, 'kind', 'did you mean "WorkloadEntry"');
  expectError({ ...we(good), apiVersion: 'networking.istio.io/v1' }, 'apiVersion');
});
