// A VHDS response the proxy refuses carries, besides the virtual host it
// cannot take, the first answers of other authorities asked at the same time
// (the server batches aliases subscribed while a response waits for its ACK).
// Those are not resent (a NACKed version is not), so the proxy asks again for
// such an authority when a request meets it after the wait bound: the real
// xDS server answers it again, and an answer the proxy can take heals it.
// Real gRPC and protobuf on loopback.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionTypeUrl, FilterName, TypeUrl } from '../../xds/types.ts';
import { XdsSnapshot, type ResourceInput } from '../../operator/xds/snapshot.ts';
import { startXdsServer, type RunningXdsServer } from '../../operator/xds/server.ts';
import { AdsClient } from '../../proxy/xds/client.ts';
import type { ApplyResult, ConfigSink, SinkResource } from '../../proxy/config/sink.ts';
import type { HostResolution } from '../../proxy/config/sink.ts';
import { sleep } from '../support/ads-wire.ts';

const servers: RunningXdsServer[] = [];
const clients: AdsClient[] = [];
after(async () => {
  for (const c of clients) c.stop();
  for (const s of servers) await s.close(100);
});

const ads = { ads: {}, resource_api_version: 'V3' };
const cluster: ResourceInput = { name: 'c', typeUrl: TypeUrl.Cluster, resource: { name: 'c', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9 } } } }] }] } } };
const listener: ResourceInput = {
  name: 'outbound',
  typeUrl: TypeUrl.Listener,
  resource: {
    name: 'outbound',
    address: { socket_address: { address: '127.0.0.1', port_value: 15001 } },
    filter_chains: [
      {
        filters: [
          {
            name: FilterName.HttpConnectionManager,
            typed_config: {
              '@type': ExtensionTypeUrl.HttpConnectionManager,
              stat_prefix: 'outbound',
              rds: { config_source: ads, route_config_name: '80' },
              http_filters: [
                { name: 'envoy.filters.http.on_demand', typed_config: { '@type': ExtensionTypeUrl.OnDemand } },
                { name: FilterName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } },
              ],
            },
          },
        ],
      },
    ],
  },
};
const head: ResourceInput = { name: '80', typeUrl: TypeUrl.RouteConfiguration, resource: { name: '80', vhds: { config_source: ads } } };
const vh = (name: string): ResourceInput => ({ name: `80/${name}`, typeUrl: TypeUrl.VirtualHost, resource: { name, domains: [name], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] } });

/** Takes everything but a route configuration holding the virtual host `bad`. */
class Sink implements ConfigSink {
  apply(typeUrl: string, resources: readonly SinkResource[]): ApplyResult {
    if (typeUrl !== TypeUrl.RouteConfiguration) return { ok: true };
    for (const r of resources) {
      const hosts = typeof r.resource === 'object' && r.resource !== null ? (r.resource as Record<string, unknown>)['virtual_hosts'] : undefined;
      if (Array.isArray(hosts) && hosts.some((h) => (h as { name?: unknown }).name === 'bad')) return { ok: false, error: `${r.name}: virtual host "bad" is not taken` };
    }
    return { ok: true };
  }
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('authorities first answered in a refused response are asked again after the wait bound and heal; the refused one stays refused', async () => {
  const s = await startXdsServer({});
  servers.push(s);
  s.setSnapshot('shop/app', XdsSnapshot.build({ parts: [[cluster, listener, head], [vh('reviews'), vh('ratings'), vh('bad')]], vhds: true, meshVersion: 'm1' }));
  const waitMs = 300;
  const client = new AdsClient({ host: '127.0.0.1', port: s.port, node: { id: 'p', metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'app' } }, sink: new Sink(), mode: 'delta', onDemand: { waitMs } });
  clients.push(client);
  client.start();
  await until('the route configuration routed on demand', () => client.status().onDemand.length === 1 && client.status().state === 'connected');
  // Asked in one go: `bad` is answered with at least one of the others in the response the proxy refuses.
  const asked = ['ratings', 'bad', 'reviews'].map((h) => client.resolve('80', h));
  const answers = await Promise.all(asked);
  const kinds = answers.map((a) => (a.kind === 'unavailable' ? a.reason : a.kind));
  assert.equal(kinds[1], 'rejected');
  const innocent = ['ratings', 'reviews'].filter((_, i) => kinds[i * 2] === 'rejected');
  assert.ok(innocent.length > 0, `a good answer shared the refused response (${kinds.join(', ')})`);
  // Within the bound they stay refused without asking.
  for (const h of innocent) assert.equal((await client.resolve('80', h)).kind, 'unavailable');
  await sleep(waitMs + 50);
  // A request after the bound asks again (it is answered 503 itself); the answer heals the authority.
  for (const h of innocent) assert.equal((await client.resolve('80', h)).kind, 'unavailable');
  await until('the innocent authorities routed', () => innocent.every((h) => client.lookup('80', h)?.kind === 'vhost'));
  for (const h of innocent) assert.deepEqual(client.lookup('80', h), { kind: 'vhost', vhost: h, resource: `80/${h}` } satisfies HostResolution);
  // The refused one, asked again, is refused again.
  await client.resolve('80', 'bad');
  await sleep(200);
  assert.equal(client.lookup('80', 'bad')?.kind, 'unavailable');
});
