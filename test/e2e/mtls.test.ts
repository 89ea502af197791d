// The whole mTLS path with the real control plane in this process: the xDS
// server serving the compiled config for three workloads plus the trust
// bundle (withTrustBundle), the mesh CA's CertificateService over TLS with
// bootstrap tokens, and three proxies wired the way `weft proxy --ca-address
// --ca-token-file --ca-bundle-file` wires them (identityFromFlags, ADS from
// the bootstrap). Each proxy's identity agent gets its certificate from the
// CA; ADS delivers ROOTCA; b is STRICT and an AuthorizationPolicy on b allows only
// a's principal: a reaches app b over mTLS, c is denied 403, plaintext to b
// is refused.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, caConfig, trustBundlePem } from '../../operator/ca/authority.ts';
import { caServingCredentials, startCaServer } from '../../operator/ca/service.ts';
import { bootstrapTokens, newBootstrapToken } from '../../operator/ca/token.ts';
import { allResources, meshCompiler } from '../../operator/compile/proxy.ts';
import { ManualClock } from '../../xds/clock.ts';
import { MeshDistributor } from '../../operator/xds/distributor.ts';
import { startXdsServer } from '../../operator/xds/server.ts';
import { withTrustBundle } from '../../operator/xds/trust.ts';
import type { MeshSnapshot } from '../../operator/compile/snapshot.ts';
import { adsFromBootstrap } from '../../proxy/ads.ts';
import { parseBootstrap } from '../../proxy/bootstrap/bootstrap.ts';
import { identityFromFlags } from '../../proxy/identity/wiring.ts';
import { startProxy, flagsString, type Exchange, type ProxyHandle } from '../../proxy/index.ts';
import { TypeUrl } from '../../xds/types.ts';
import { parseArgs } from '../../operator/cli/proxy.ts';
import { httpService, pod, policy, settings } from '../golden/meshes.ts';
import { cla, request, sleep, startUpstream } from '../unit/proxy-helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const WORKLOADS = [
  { ns: 'a', name: 'a', ip: '10.2.0.1' },
  { ns: 'b', name: 'b', ip: '10.2.0.2' },
  { ns: 'c', name: 'c', ip: '10.2.0.3' },
] as const;

function mesh(): MeshSnapshot {
  return {
    settings: { ...settings, defaultMtls: 'STRICT' },
    registry: {
      services: [httpService('b', 'b', '10.0.2.2', 'b', 8080, 8080)],
      instances: WORKLOADS.map((w) => pod(w.ns, w.name, w.ip, { app: w.name })),
    },
    virtualServices: [],
    trafficSplits: [],
    authorizationPolicies: [policy('b', 'only-a', { selector: { matchLabels: { app: 'b' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/a/sa/a'] } }] }] })],
  };
}

const bootstrap = (w: (typeof WORKLOADS)[number], xdsPort: number): Record<string, unknown> => ({
  node: { id: `sidecar~${w.ip}~${w.name}-1.${w.ns}~${w.ns}.svc.cluster.local`, cluster: `${w.name}.${w.ns}`, metadata: { NAMESPACE: w.ns, WORKLOAD_NAME: w.name, SERVICE_ACCOUNT: w.name } },
  dynamic_resources: {
    ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
    lds_config: { ads: {} },
    cds_config: { ads: {} },
  },
  static_resources: {
    clusters: [
      {
        name: 'xds-grpc',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
      },
    ],
  },
});

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('weft proxy wiring with ADS and the identity agent: in sync, certificates from the CA, mTLS a → b, c denied by policy, plaintext refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-mtls-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now: new Date() });
  const bundle = trustBundlePem(ca);

  // The CA service over TLS, one bootstrap token per workload.
  const tokens = WORKLOADS.map((w) => ({ w, token: newBootstrapToken() }));
  const serving = await caServingCredentials(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, new Date());
  const caServer = await startCaServer({
    ca: () => ca,
    authenticator: bootstrapTokens(tokens.map(({ w, token }) => [token, { namespace: w.ns, serviceAccount: w.name }])),
    credentials: serving.credentials,
  });
  cleanup.push(() => caServer.close(100));
  const bundleFile = join(dir, 'ca-bundle.pem');
  writeFileSync(bundleFile, bundle);

  // xDS: the compiled config per workload plus ROOTCA.
  const dist = new MeshDistributor({
    clock: new ManualClock(),
    resourcesFor: (m, who) => withTrustBundle(allResources(meshCompiler(m).compileProxy({ namespace: who.namespace, workload: who.workload })), bundle),
  });
  const xds = await startXdsServer({ snapshotFor: (n) => dist.snapshotFor(n) });
  cleanup.push(() => xds.close(100));
  dist.bind(xds.server);
  dist.meshChanged(mesh(), 'v1');
  dist.flush();

  const appB = await startUpstream('app-b', undefined, true);
  cleanup.push(() => appB.close());

  const proxies = new Map<string, { p: ProxyHandle; id: string; finished: Exchange[]; events: Record<string, unknown>[] }>();
  for (const { w, token } of tokens) {
    const tokenFile = join(dir, `${w.name}.token`);
    writeFileSync(tokenFile, `${token}\n`);
    const raw = bootstrap(w, xds.port);
    const bootstrapFile = join(dir, `${w.name}.json`);
    writeFileSync(bootstrapFile, JSON.stringify(raw));
    // The command line `weft proxy` would get.
    const args = parseArgs(['--config', bootstrapFile, '--ca-address', `127.0.0.1:${caServer.port}`, '--ca-token-file', tokenFile, '--ca-bundle-file', bundleFile]);
    assert.ok(args.ok);
    const idFlags = args.options.identity;
    assert.ok(idFlags !== undefined);
    const parsed = parseBootstrap(raw);
    const identity = identityFromFlags(idFlags, parsed.node, bootstrapFile);
    assert.ok(identity.ok, identity.ok ? '' : identity.error);
    const wiring = adsFromBootstrap(raw, bootstrapFile);
    assert.ok(wiring.ok);
    const finished: Exchange[] = [];
    const events: Record<string, unknown>[] = [];
    const p = await startProxy({
      bootstrap: parsed,
      ads: wiring.factory,
      identity: identity.identity,
      admin: false,
      telemetry: false,
      bindPort: () => 0,
      bindAddress: () => '127.0.0.1',
      onFinished: (x) => finished.push(x),
      log: (e) => events.push({ ...e }),
    });
    cleanup.push(() => p.close());
    cleanup.push(() => (identity.identity.source as { close?: () => void }).close?.());
    proxies.set(w.name, { p, id: parsed.node.id, finished, events });
  }

  for (const [name, { p, id }] of proxies) {
    await until(`${name} in sync`, () => xds.tracker.proxy(id)?.inSync === true);
    const cert = await p.identity?.ready();
    assert.equal(cert?.spiffeId.uri, `spiffe://cluster.local/ns/${name}/sa/${name}`);
    await until(`${name} holds ROOTCA and default`, () => p.core.secretsState.entries.has('ROOTCA') && p.core.secretsState.entries.has('default'));
    await p.settled();
  }
  const subscribed = xds.tracker.proxy(proxies.get('a')?.id ?? '')?.types.find((t) => t.typeUrl === TypeUrl.Secret);
  assert.ok(subscribed !== undefined, 'the ADS client subscribed to Secrets');

  // The mesh addresses are pod IPs that exist nowhere here: b's endpoints become proxy b's inbound
  // listener, and b's inbound cluster its local app (incremental upserts through the same sink).
  const b = proxies.get('b')?.p;
  assert.ok(b !== undefined);
  const inboundPort = b.port('virtualInbound') ?? 0;
  const bService = 'outbound|8080||b.b.svc.cluster.local';
  for (const name of ['a', 'c']) {
    const p = proxies.get(name)?.p;
    assert.deepEqual(p?.applyConfig(TypeUrl.ClusterLoadAssignment, [{ name: bService, resource: cla(bService, [inboundPort]) }], []), { ok: true });
  }
  const inboundCluster = b.core.clustersState.entries.get('inbound|8080||')?.raw as Record<string, unknown> | undefined;
  assert.ok(inboundCluster !== undefined, 'the compiled inbound cluster');
  assert.deepEqual(
    b.applyConfig(TypeUrl.Cluster, [{ name: 'inbound|8080||', resource: { ...inboundCluster, load_assignment: cla('inbound|8080||', [appB.port]) } }], []),
    { ok: true },
  );

  const via = (name: string, path: string) => request(proxies.get(name)?.p.port('virtualOutbound') ?? 0, { host: 'b.b.svc.cluster.local:8080', path, agent: false });
  const before = appB.requests;
  for (let i = 0; i < 5; i++) {
    const r = await via('a', `/a/${i}`);
    assert.equal(r.status, 200, r.body);
  }
  assert.equal(appB.requests - before, 5);
  const bFinished = proxies.get('b')?.finished ?? [];
  assert.deepEqual(bFinished.at(-1)?.downstream.peer?.uriSans, ['spiffe://cluster.local/ns/a/sa/a']);

  const denied = await via('c', '/c');
  assert.equal(denied.status, 403, denied.body);
  assert.equal(flagsString(bFinished.at(-1)?.flags ?? 0), 'RBAC');
  assert.equal(appB.requests - before, 5, 'c never reached app b');

  // Plaintext straight to b's inbound port: STRICT refuses it.
  await assert.rejects(request(inboundPort, { host: 'b.b.svc.cluster.local:8080', agent: false }), /socket hang up|ECONNRESET/);
  assert.equal(b.core.listeners.get('virtualInbound')?.plaintextRefused, 1);

  // A renewal outside the schedule: new handshakes use the new certificate, traffic goes on.
  const a = proxies.get('a')?.p;
  const serialBefore = a?.identity?.status().serialNumber;
  await a?.identity?.renewNow();
  assert.notEqual(a?.identity?.status().serialNumber, serialBefore);
  a?.core.clusters.get(bService)?.closeIdle();
  assert.equal((await via('a', '/after-renewal')).status, 200);
});
