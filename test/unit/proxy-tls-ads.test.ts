// The trust bundle over ADS and the upstream's ALPN: the ADS client subscribes
// to the Secret names the compiled TLS contexts reference (ROOTCA, never
// `default`), the control plane's ROOTCA (withTrustBundle) lands in the
// proxy, and a rotation of the bundle reaches it; an mTLS cluster offers the
// ALPN protocols it configures (h2 only when the cluster speaks HTTP/2, then first
// and without http/1.1).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import type net from 'node:net';
import { createCa, caConfig, trustBundlePem, addRoot } from '../../operator/ca/authority.ts';
import { allResources, meshCompiler } from '../../operator/compile/proxy.ts';
import { ManualClock } from '../../xds/clock.ts';
import { MeshDistributor } from '../../operator/xds/distributor.ts';
import { startXdsServer } from '../../operator/xds/server.ts';
import { withTrustBundle } from '../../operator/xds/trust.ts';
import { adsFromBootstrap } from '../../proxy/ads.ts';
import { parseBootstrap } from '../../proxy/bootstrap/bootstrap.ts';
import { secretNamesOf } from '../../proxy/xds/client.ts';
import { parseSecret } from '../../proxy/tls/secrets.ts';
import { TypeUrl } from '../../xds/types.ts';
import { shopMesh } from '../golden/meshes.ts';
import { sleep, testProxy, request } from './proxy-helpers.ts';
import { identity, outboundListener, spiffe, staticCluster, TD, upstreamTls } from './proxy-tls-helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('the ADS client subscribes to ROOTCA (not default) and the control plane’s bundle, and its rotation, reach the proxy', async () => {
  let ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  let bundle = trustBundlePem(ca);
  const dist = new MeshDistributor({
    clock: new ManualClock(),
    resourcesFor: (m, who) => withTrustBundle(allResources(meshCompiler(m).compileProxy({ namespace: who.namespace, workload: who.workload })), bundle),
  });
  const xds = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  cleanup.push(() => xds.close(100));
  dist.bind(xds.server);
  dist.meshChanged(shopMesh(), 'v1');
  dist.flush();
  const id = 'sidecar~10.1.0.2~productpage-9.shop~shop.svc.cluster.local';
  const raw = {
    node: { id, cluster: 'productpage.shop', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage' } },
    dynamic_resources: { ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] }, lds_config: { ads: {} }, cds_config: { ads: {} } },
    static_resources: {
      clusters: [{ name: 'xds-grpc', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xds.port } } } }] }] } }],
    },
  };
  const wiring = adsFromBootstrap(raw, 'bootstrap');
  assert.ok(wiring.ok);
  const p = await testProxy({ bootstrap: parseBootstrap(raw), ads: wiring.factory });
  cleanup.push(() => p.close());
  await until('in sync', () => xds.tracker.proxy(id)?.inSync === true);
  // The compiled config is accepted without --plaintext-for-tls, and ROOTCA arrived over ADS (no identity agent here).
  assert.ok([...p.core.clusters.values()].some((c) => c.config.transport.kind === 'tls'));
  const root = p.core.secretsState.entries.get('ROOTCA');
  assert.ok(root !== undefined);
  assert.deepEqual([...p.core.secretsState.entries.keys()], ['ROOTCA'], '`default` is never asked of the control plane');
  assert.equal(root.parsed.kind === 'validation' ? root.parsed.roots : 0, 1);
  const clusters = [...p.core.clustersState.entries.values()].map((e) => e.raw as Record<string, never>);
  assert.deepEqual([...secretNamesOf(clusters)], ['ROOTCA']);

  // A root rotation: the bundle grows to two roots and is pushed.
  ca = await addRoot(ca, { now: new Date() });
  bundle = trustBundlePem(ca);
  dist.meshChanged(shopMesh(), 'v2');
  dist.flush();
  await until('two roots', () => {
    const r = p.core.secretsState.entries.get('ROOTCA');
    return r !== undefined && r.parsed.kind === 'validation' && r.parsed.roots === 2;
  });
  assert.equal(parseSecret(p.core.secretsState.entries.get('ROOTCA')?.raw, '').kind, 'validation');
});

test('an mTLS cluster offers its ALPN protocols (h2 only for an HTTP/2 cluster) and its SNI', async () => {
  const ca = await createCa(caConfig({ trustDomain: TD }), { now: new Date() });
  const server = await identity(ca, 'b', 'b');
  const client = await identity(ca, 'a', 'a');
  const seen: { alpn: string | false | null; sni: string | false; offered: string[] }[] = [];
  const srv = tls.createServer({
    key: server.key,
    cert: server.cert,
    ca: server.ca,
    requestCert: true,
    ALPNCallback: ({ protocols }) => {
      seen.push({ alpn: false, sni: false, offered: [...protocols] });
      return protocols.includes('istio') ? 'istio' : undefined;
    },
  });
  srv.on('secureConnection', (s) => {
    const last = seen.at(-1);
    if (last !== undefined) {
      last.alpn = s.alpnProtocol;
      last.sni = (s as tls.TLSSocket & { servername: string | false }).servername;
    }
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => srv.close(() => r())));
  const port = (srv.address() as net.AddressInfo).port;
  const p = await testProxy();
  cleanup.push(() => p.close());
  p.applyConfig(TypeUrl.Secret, client.secrets);
  assert.deepEqual(p.applyConfig(TypeUrl.Cluster, [{ name: 'b', resource: staticCluster('b', [port], upstreamTls([spiffe('b', 'b')], 'outbound_.80_._.b.b.svc.cluster.local', ['h2', 'istio', 'http/1.1'])) }]), { ok: true });
  p.applyConfig(TypeUrl.Listener, [{ name: 'out', resource: outboundListener('out', 'b') }]);
  await p.settled();
  const r = await request(p.port('out') ?? 0, { agent: false });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(seen, [{ alpn: 'istio', sni: 'outbound_.80_._.b.b.svc.cluster.local', offered: ['istio', 'http/1.1'] }]);
  // The same context on an HTTP/2 cluster: h2 first, http/1.1 left out (the session will speak HTTP/2 whatever is picked).
  seen.length = 0;
  const h2 = { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } } };
  assert.deepEqual(p.applyConfig(TypeUrl.Cluster, [{ name: 'b', resource: { ...staticCluster('b', [port], upstreamTls([spiffe('b', 'b')], 'outbound_.80_._.b.b.svc.cluster.local', ['h2', 'istio', 'http/1.1'])), ...h2 } }]), { ok: true });
  // This server answers HTTP/1.1 bytes to an HTTP/2 preface: the request fails, the offer is what matters here.
  await request(p.port('out') ?? 0, { agent: false }).catch(() => undefined);
  assert.deepEqual(seen[0]?.offered, ['h2', 'istio']);
});
