// WorkloadEntries in the registry built from manifests (`weft up`, `weft
// compile`): each passes the same validator as the mesh resources; a Service
// selecting WorkloadEntries by their labels gets their addresses as
// endpoints, at the port named like the Service port and with their weight;
// an invalid entry is reported where it is written and left out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../operator/api/load.ts';
import { snapshotFromManifests } from '../../operator/compile/manifests.ts';
import { compileProxy } from '../../operator/compile/proxy.ts';
import { defaultMeshSettings } from '../../operator/compile/snapshot.ts';

const YAML = `apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: shop}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080, targetPort: 8080}, {name: grpc-api, port: 9090}]
---
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: ratings-vm-1, namespace: shop}
spec:
  address: 10.0.3.7
  labels: {app: ratings, version: vm}
  serviceAccount: ratings-vm
  ports: {http: 7070}
---
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: ratings-vm-2, namespace: shop}
spec:
  address: 10.0.3.8
  labels: {app: ratings}
  weight: 3
---
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: ratings-vm-3, namespace: shop}
spec:
  address: 10.0.3.9:9080
  labels: {app: ratings}
---
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: ratings-elsewhere, namespace: other}
spec:
  address: 10.0.4.1
  labels: {app: ratings}
---
apiVersion: weft.dev/v1alpha1
kind: WorkloadEntry
metadata: {name: billing-vm, namespace: shop}
spec:
  address: 10.0.5.1
  labels: {app: billing}
`;

type Cla = { cluster_name: string; endpoints?: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } }; load_balancing_weight?: number }[] }[] };

test('a Service selecting WorkloadEntries gets their addresses, ports by name and weights; an invalid entry is reported and left out', () => {
  const parsed = parseManifests(YAML, 'vms.yaml');
  assert.deepEqual(parsed.problems, []);
  const build = snapshotFromManifests(parsed.manifests, defaultMeshSettings);

  // The invalid entry: reported where it is written, with the validator's path and message, and not in the registry.
  assert.deepEqual(
    build.problems.map((p) => [p.file, p.line, p.kind, `${p.namespace}/${p.name}`, p.severity, p.path]),
    [['vms.yaml', 29, 'WorkloadEntry', 'shop/ratings-vm-3', 'error', 'spec.address']],
  );
  assert.match(build.problems[0]?.message ?? '', /must not include a port .*write "10\.0\.3\.9"/);
  const instances = build.snapshot.registry.instances;
  assert.deepEqual(instances.map((i) => `${i.namespace}/${i.workload}`), ['shop/ratings-vm-1', 'shop/ratings-vm-2', 'other/ratings-elsewhere', 'shop/billing-vm']);
  assert.deepEqual(instances[0], {
    namespace: 'shop', workload: 'ratings-vm-1', address: '10.0.3.7', labels: { app: 'ratings', version: 'vm' }, serviceAccount: 'ratings-vm', ready: true, ports: { http: 7070 },
  });
  assert.equal(instances[1]?.serviceAccount, 'default');
  assert.equal(instances[1]?.weight, 3);

  const config = compileProxy(build.snapshot, { namespace: 'shop', workload: 'billing-vm' });
  const cla = (name: string) => config.endpoints.find((e) => e.name === name)?.resource as Cla | undefined;
  const endpoints = (name: string) =>
    cla(name)?.endpoints?.[0]?.lb_endpoints.map((e) => [e.endpoint.address.socket_address.address, e.endpoint.address.socket_address.port_value, e.load_balancing_weight ?? 1]);
  // Port http: vm-1 listens on its own port (7070) for it, vm-2 on the Service's targetPort. Same namespace only.
  assert.deepEqual(endpoints('outbound|9080||ratings.shop.svc.cluster.local'), [['10.0.3.7', 7070, 1], ['10.0.3.8', 8080, 3]]);
  assert.deepEqual(endpoints('outbound|9090||ratings.shop.svc.cluster.local'), [['10.0.3.7', 9090, 1], ['10.0.3.8', 9090, 3]]);
  // The weight is written only where it is not the default.
  assert.equal(cla('outbound|9080||ratings.shop.svc.cluster.local')?.endpoints?.[0]?.lb_endpoints[0]?.load_balancing_weight, undefined);
});

test('an entry fixed in place comes back into the registry', () => {
  const fixed = YAML.replace('10.0.3.9:9080', '10.0.3.9');
  const build = snapshotFromManifests(parseManifests(fixed, 'vms.yaml').manifests, defaultMeshSettings);
  assert.deepEqual(build.problems, []);
  assert.ok(build.snapshot.registry.instances.some((i) => i.workload === 'ratings-vm-3' && i.address === '10.0.3.9'));
});
