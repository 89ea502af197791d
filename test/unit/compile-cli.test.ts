// `weft compile` end to end on real files: the registry from Kubernetes
// objects and WorkloadEntries, the mesh resources through the validator.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../operator/cli/compile.ts';
import { loadManifests } from '../../operator/api/load.ts';
import { snapshotFromManifests, portProtocol } from '../../operator/compile/manifests.ts';
import { defaultMeshSettings } from '../../operator/compile/snapshot.ts';
import { at, list } from '../golden/inspect.ts';
import type { JsonObject, JsonValue } from '../../xds/codec.ts';

const APP = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  selector: {app: api}
  ports:
  - {name: http, port: 80, targetPort: web}
  - {name: metrics, port: 9102}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, version: v1}}
    spec:
      serviceAccountName: api-sa
      containers:
      - name: api
        image: api
        ports: [{name: web, containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
---
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: api-vm, namespace: shop}
spec:
  address: 192.0.2.10
  labels: {app: api}
  serviceAccount: api-sa
  ports: {http: 8081}
---
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
  - route: [{destination: {host: api}}]
    timeout: 3s
`;

const BROKEN = `
apiVersion: weft.dev/v1alpha1
kind: VirtualService
metadata: {name: bad, namespace: shop}
spec:
  hosts: [api]
  http:
  - route: [{destination: {host: api}, weight: -1}]
`;

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function weftCompile(...argv: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('weft compile', () => {
  let dir = '';
  let brokenDir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-compile-'));
    writeFileSync(join(dir, 'app.yaml'), APP);
    brokenDir = mkdtempSync(join(tmpdir(), 'weft-compile-broken-'));
    writeFileSync(join(brokenDir, 'app.yaml'), APP);
    writeFileSync(join(brokenDir, 'bad.yaml'), BROKEN);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(brokenDir, { recursive: true, force: true });
  });

  it('prints the proxy\'s resources grouped by type', async () => {
    const r = await weftCompile(dir, '--proxy', 'shop/client');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as JsonObject;
    assert.equal(doc['proxy'], 'shop/client');
    assert.deepEqual(Object.keys(doc), ['proxy', 'listeners', 'routes', 'clusters', 'endpoints']);
    const rc = list(doc['routes']).find((x) => at(x, 'name') === '80');
    const vh = list(at(rc, 'virtual_hosts')).find((v) => at(v, 'name') === 'api.shop.svc.cluster.local:80');
    assert.equal(at(vh, 'routes[0].route.timeout'), '3s');
    assert.ok(list(at(vh, 'domains')).includes('10.96.0.20:80'));
    // The metrics port has no protocol: TCP, with a warning naming the field.
    assert.match(r.err, /app\.yaml:\d+: Service shop\/api: spec\.ports\[1\]: warning: port 9102 has no protocol/);
    assert.ok(list(doc['listeners']).some((l) => at(l, 'name') === '0.0.0.0_9102'));
    // Deployments in manifests have no Pod addresses; the WorkloadEntry has one, on its own port.
    const cla = list(doc['endpoints']).find((e) => at(e, 'cluster_name') === 'outbound|80||api.shop.svc.cluster.local');
    assert.deepEqual(list(at(cla, 'endpoints[0].lb_endpoints')).map((e) => at(e, 'endpoint.address.socket_address')), [{ address: '192.0.2.10', port_value: 8081 }]);
  });

  it('serves the named targetPort inbound, and trusts the Service\'s accounts', async () => {
    const r = await weftCompile(dir, '--proxy', 'shop/api', '--type', 'clusters');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as JsonObject;
    assert.deepEqual(Object.keys(doc), ['proxy', 'clusters']);
    const names = list(doc['clusters']).map((c) => at(c, 'name'));
    assert.ok(names.includes('inbound|8080||'), `named port "web" resolves to 8080: ${names.join(', ')}`);
    const api = list(doc['clusters']).find((c) => at(c, 'name') === 'outbound|80||api.shop.svc.cluster.local');
    assert.deepEqual(
      at(api, 'transport_socket.typed_config.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher') as JsonValue,
      { exact: 'spiffe://cluster.local/ns/shop/sa/api-sa' },
    );
  });

  it('names the workloads that exist when the proxy is unknown', async () => {
    const r = await weftCompile(dir, '--proxy', 'shop/nope');
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /no workload shop\/nope in the manifests; workloads: shop\/api, shop\/api-vm, shop\/client/);
  });

  it('reports validation errors like weft validate and compiles nothing', async () => {
    const r = await weftCompile(brokenDir, '--proxy', 'shop/client');
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /bad\.yaml:\d+: VirtualService shop\/bad: spec\.http\[0\]\.route\[0\]\.weight: /);
    assert.match(r.err, /nothing compiled/);
  });

  it('rejects a malformed command line with exit 2', async () => {
    assert.equal((await weftCompile(dir)).code, 2);
    assert.equal((await weftCompile(dir, '--proxy', 'client')).code, 2);
    assert.equal((await weftCompile(dir, '--proxy', 'shop/client', '--type', 'secrets')).code, 2);
    assert.equal((await weftCompile('/no/such/dir', '--proxy', 'shop/client')).code, 2);
  });

  it('builds the registry reusable by weft up, with assigned addresses', async () => {
    const loaded = await loadManifests([dir]);
    const { snapshot } = snapshotFromManifests(loaded.manifests, defaultMeshSettings, {
      addressOf: (w, replica) => (w.workload === 'api' ? `127.0.0.${10 + replica}` : undefined),
    });
    const api = snapshot.registry.instances.filter((i) => i.workload === 'api');
    assert.deepEqual(api.map((i) => [i.address, i.ready, i.serviceAccount]), [
      ['127.0.0.10', true, 'api-sa'],
      ['127.0.0.11', true, 'api-sa'],
    ]);
    assert.deepEqual(snapshot.registry.services.find((s) => s.name === 'api')?.ports, [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'http' },
      { name: 'metrics', port: 9102, targetPort: 9102, protocol: 'tcp' },
    ]);
  });

  it('derives port protocols as Istio does', () => {
    assert.equal(portProtocol('http-web', undefined), 'http');
    assert.equal(portProtocol('grpc', undefined), 'grpc');
    assert.equal(portProtocol('web', 'kubernetes.io/h2c'), 'http2');
    assert.equal(portProtocol('tcp-db', undefined), 'tcp');
    // Istio's rules: a name prefix grpc (grpc-web included) is gRPC; appProtocol grpc-web is HTTP/1.1 framing, http2-* names and appProtocol http2 are HTTP/2.
    assert.equal(portProtocol('grpc-web', undefined), 'grpc');
    assert.equal(portProtocol('web', 'grpc-web'), 'http');
    assert.equal(portProtocol('http2-api', undefined), 'http2');
    assert.equal(portProtocol('api', 'http2'), 'http2');
    assert.equal(portProtocol('api', 'grpc'), 'grpc');
    assert.equal(portProtocol('metrics', undefined), undefined);
  });
});
