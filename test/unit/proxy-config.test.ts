// Configuration in and lifecycle out: the compiler's own output carries
// traffic, refused configs leave traffic untouched, configs change under load
// without a failed request, the admin endpoint, and `weft proxy` as a process
// (bootstrap refusals with field paths, SIGTERM drain).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { TypeUrl } from '../../xds/types.ts';
import { startProxy, type ProxyHandle } from '../../proxy/index.ts';
import tls from 'node:tls';
import { createCa, caConfig } from '../../operator/ca/authority.ts';
import { identity, spiffe } from './proxy-tls-helpers.ts';
import { ROUTER, cla, cluster, configure, edsCluster, httpListener, rdsHcm, request, routeConfig, sleep, startUpstream, testProxy, vhost, type Upstream } from './proxy-helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});
const track = <T extends { close(): Promise<void> }>(x: T): T => {
  cleanup.push(() => x.close());
  return x;
};

const named = (list: readonly Record<string, unknown>[], key = 'name'): { name: string; resource: unknown }[] => list.map((r) => ({ name: String(r[key]), resource: r }));
const json = (body: string): { upstream: string; url: string; headers: Record<string, string> } => JSON.parse(body) as { upstream: string; url: string; headers: Record<string, string> };

test('the compiler’s output for a workload carries its traffic: virtual outbound by Host, per-port routes, EDS endpoints', async () => {
  const golden = JSON.parse(readFileSync(new URL('../golden/features-client.json', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>[]>;
  const api = track(await startUpstream('api'));
  const v2 = track(await startUpstream('api-v2'));
  const web = track(await startUpstream('web'));
  const byCluster: Record<string, number> = {
    'outbound|80||api.shop.svc.cluster.local': api.port,
    'outbound|80||api-v2.shop.svc.cluster.local': v2.port,
    'outbound|80||web.shop.svc.cluster.local': web.port,
  };
  const p = track(await testProxy({ plaintextForTls: true }));
  const endpoints = (golden['endpoints'] ?? []).map((e) => {
    const port = byCluster[String(e['cluster_name'])];
    return port === undefined ? e : cla(String(e['cluster_name']), [port]);
  });
  for (const [t, list, key] of [
    [TypeUrl.Cluster, golden['clusters'] ?? [], 'name'],
    [TypeUrl.ClusterLoadAssignment, endpoints, 'cluster_name'],
    [TypeUrl.Listener, golden['listeners'] ?? [], 'name'],
    [TypeUrl.RouteConfiguration, golden['routes'] ?? [], 'name'],
  ] as const) {
    const r = p.applyConfig(t, named(list, key));
    assert.deepEqual(r, { ok: true }, `${t}`);
  }
  await p.settled();
  const outbound = p.port('virtualOutbound') ?? 0;
  assert.ok(outbound > 0);
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await request(outbound, { host: 'api.shop.svc.cluster.local', path: '/' });
    assert.equal(r.status, 200, r.body);
    seen.add(json(r.body).upstream);
  }
  assert.ok(seen.has('api') || seen.has('api-v2'));
  // The short name and the :port form are domains of the same virtual host.
  assert.equal((await request(outbound, { host: 'web:80', path: '/anything' })).status, 200);
  // The legacy path redirects, as compiled from the VirtualService.
  const legacy = await request(outbound, { host: 'api.shop.svc.cluster.local', path: '/v0' });
  assert.equal(legacy.status, 308);
  // An unknown host on port 80 goes to PassthroughCluster: its authority is the destination.
  const passthrough = await request(outbound, { host: `127.0.0.1:${web.port}`, path: '/direct' });
  assert.equal(json(passthrough.body).upstream, 'web');
  // Without --plaintext-for-tls the same clusters are accepted as mTLS clusters (test/unit/proxy-tls.test.ts carries traffic on them).
  const strict = track(await testProxy());
  assert.deepEqual(strict.applyConfig(TypeUrl.Cluster, named(golden['clusters'] ?? [])), { ok: true });
  assert.equal(strict.core.clusters.get('outbound|80||api-v2.shop.svc.cluster.local')?.config.transport.kind, 'tls');
});

test('every golden proxy config is accepted (with plaintext standing in for TLS)', async () => {
  for (const f of ['shop-productpage.json', 'strict-batch.json', 'shop-postgres.json', 'features-client.json']) {
    const golden = JSON.parse(readFileSync(new URL(`../golden/${f}`, import.meta.url), 'utf8')) as Record<string, Record<string, unknown>[]>;
    const p = track(await testProxy({ plaintextForTls: true }));
    for (const [t, list, key] of [
      [TypeUrl.Cluster, golden['clusters'] ?? [], 'name'],
      [TypeUrl.ClusterLoadAssignment, golden['endpoints'] ?? [], 'cluster_name'],
      [TypeUrl.Listener, golden['listeners'] ?? [], 'name'],
      [TypeUrl.RouteConfiguration, golden['routes'] ?? [], 'name'],
    ] as const) {
      assert.deepEqual(p.applyConfig(t, named(list, key)), { ok: true }, `${f}: ${t}`);
    }
    await p.settled();
  }
});

test('a refused config names the resource and field, and traffic keeps the last good config', async () => {
  const a = track(await startUpstream('a'));
  const b = track(await startUpstream('b'));
  const p = track(await testProxy());
  const good = routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'a', timeout: '0s' } }])]);
  await configure(p, { clusters: [cluster('a', [a.port]), cluster('b', [b.port])], listeners: [httpListener('l', 0, rdsHcm('r'))], routes: [good] });
  const port = p.port('l') ?? 0;
  assert.equal(json((await request(port)).body).upstream, 'a');
  const cases: [string, unknown, RegExp][] = [
    ['an unsupported action', routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster_header: 'x-cluster' } }])]), /RouteConfiguration "r": virtual_hosts\[0\]\.routes\[0\]\.route\.cluster_header: route action field cluster_header is not supported/],
    ['an invalid RE2 regex', routeConfig('r', [vhost('v', ['*'], [{ match: { safe_regex: { regex: '(unclosed' } }, route: { cluster: 'b' } }])]), /virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: invalid RE2 regex/],
    ['a backreference (not RE2)', routeConfig('r', [vhost('v', ['*'], [{ match: { safe_regex: { regex: '(a)\\1' } }, route: { cluster: 'b' } }])]), /invalid RE2 regex/],
    ['a wrong type', routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: 7 }, route: { cluster: 'b' } }])]), /RouteConfiguration "r": virtual_hosts\[0\]\.routes\[0\]\.match\.prefix/],
    ['a prefix rewrite that would inject a line', routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'b', prefix_rewrite: '/x HTTP/1.1\r\nX-Injected: 1\r\n' } }])]), /route\.prefix_rewrite: /],
    ['a control character in a header value', routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'b' }, request_headers_to_add: [{ header: { key: 'x-a', value: 'a\u0001b' } }] }])]), /request_headers_to_add\[0\]\.header\.value: header values may contain only Latin-1 text/],
    ['duplicate domains', routeConfig('r', [vhost('v', ['*'], []), vhost('w', ['*'], [])]), /domain "\*" appears in more than one virtual host/],
  ];
  for (const [what, resource, message] of cases) {
    const r = p.applyConfig(TypeUrl.RouteConfiguration, [{ name: 'r', resource }]);
    assert.equal(r.ok, false, what);
    assert.match(r.ok ? '' : r.error, message, what);
    assert.equal(json((await request(port)).body).upstream, 'a', `${what}: traffic still on the last good route`);
  }
  const badCluster = p.applyConfig(TypeUrl.Cluster, named([cluster('a', [a.port]), { ...cluster('b', [b.port]), lb_policy: 'MAGLEV' }]));
  assert.match(badCluster.ok ? '' : badCluster.error, /Cluster "b": lb_policy: load balancing policy MAGLEV is not supported/);
  assert.equal(p.core.clusters.size, 2, 'a refused CDS update changes no cluster');
  const secret = p.applyConfig(TypeUrl.Secret, [{ name: 'default', resource: { name: 'default' } }]);
  assert.match(secret.ok ? '' : secret.error, /Secret "default": a Secret needs tls_certificate or validation_context/);
  assert.equal(json((await request(port)).body).upstream, 'a');
});

test('config changes under load: route swaps, endpoint changes and cluster additions fail no request', async () => {
  const ups: Upstream[] = [];
  for (const n of ['u0', 'u1', 'u2', 'u3']) ups.push(track(await startUpstream(n)));
  const port0 = ups[0]?.port ?? 0;
  const p = track(await testProxy());
  const routesTo = (c: string): Record<string, unknown> => routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: c, timeout: '5s' } }])]);
  await configure(p, { clusters: [edsCluster('blue'), edsCluster('green')], endpoints: [cla('blue', [port0]), cla('green', [ups[1]?.port ?? 0])], listeners: [httpListener('l', 0, rdsHcm('r'))], routes: [routesTo('blue')] });
  const port = p.port('l') ?? 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const seen = new Set<string>();
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const r = await request(port, { agent });
        if (r.status === 200) {
          ok++;
          seen.add(json(r.body).upstream);
        } else failures.push(`${r.status} ${r.body}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  for (let i = 0; i < 40; i++) {
    await sleep(15);
    const target = i % 2 === 0 ? 'green' : 'blue';
    assert.deepEqual(p.applyConfig(TypeUrl.RouteConfiguration, [{ name: 'r', resource: routesTo(target) }]), { ok: true });
    const endpoints = [ups[i % 4]?.port ?? 0, ups[(i + 1) % 4]?.port ?? 0];
    assert.deepEqual(p.applyConfig(TypeUrl.ClusterLoadAssignment, named([cla('blue', endpoints), cla('green', endpoints.slice().reverse())], 'cluster_name')), { ok: true });
    if (i % 10 === 5) {
      assert.deepEqual(p.applyConfig(TypeUrl.Cluster, named([edsCluster('blue'), edsCluster('green'), edsCluster(`extra-${i}`)])), { ok: true });
    }
    // A refused update in the middle changes nothing.
    assert.equal(p.applyConfig(TypeUrl.RouteConfiguration, [{ name: 'r', resource: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'blue', timeout: 'soon' } }] }] } }]).ok, false);
  }
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  assert.deepEqual(failures, []);
  assert.ok(ok > 200, `${ok} requests carried`);
  assert.ok(seen.size >= 3, `traffic followed the endpoint changes: ${[...seen].join(',')}`);
});

test('admin: ready, config_dump, clusters with ejections, drain_listeners', async () => {
  const a = track(await startUpstream('a'));
  const p = track(await startProxy({ admin: { address: '127.0.0.1', port: 0 }, bindPort: () => 0, bindAddress: () => '127.0.0.1' }));
  await configure(p, {
    clusters: [cluster('a', [a.port], { outlier_detection: { consecutive_5xx: 1 } })],
    listeners: [httpListener('l', 0, rdsHcm('r'))],
    routes: [routeConfig('r', [vhost('v', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'a', timeout: '0s' } }])])],
  });
  const admin = p.adminPort ?? 0;
  const ready = await request(admin, { path: '/ready', agent: false });
  assert.equal(ready.status, 200);
  assert.equal(ready.body, 'LIVE\n');
  const dump = JSON.parse((await request(admin, { path: '/config_dump', agent: false })).body) as { configs: Record<string, unknown>[] };
  const listeners = dump.configs.find((c) => String(c['@type']).endsWith('ListenersConfigDump')) as { dynamic_listeners: { name: string; listener: { name: string } }[] };
  assert.equal(listeners.dynamic_listeners[0]?.listener.name, 'l');
  const routes = dump.configs.find((c) => String(c['@type']).endsWith('RoutesConfigDump')) as { dynamic_route_configs: { route_config: { name: string } }[] };
  assert.equal(routes.dynamic_route_configs[0]?.route_config.name, 'r');
  const clusters = JSON.parse((await request(admin, { path: '/clusters?format=json', agent: false })).body) as { cluster_statuses: { name: string; host_statuses: { address: { socket_address: { port_value: number } } }[] }[] };
  assert.equal(clusters.cluster_statuses[0]?.host_statuses[0]?.address.socket_address.port_value, a.port);
  const text = (await request(admin, { path: '/clusters', agent: false })).body;
  assert.match(text, new RegExp(`a::127\\.0\\.0\\.1:${a.port}::health_flags::healthy`));
  const port = p.port('l') ?? 0;
  assert.equal((await request(port, { agent: false })).status, 200);
  assert.equal((await request(admin, { method: 'POST', path: '/drain_listeners', agent: false })).status, 200);
  assert.equal((await request(admin, { path: '/ready', agent: false })).status, 503);
  await assert.rejects(request(port, { agent: false }), /ECONNREFUSED/);
});

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const weft = new URL('../../bin/weft', import.meta.url).pathname;

function runWeft(args: string[]): { proc: ReturnType<typeof spawn>; out: () => string; exit: Promise<number> } {
  const proc = spawn(weft, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? -1)));
  return { proc, out: () => out, exit };
}

test('weft proxy: a bootstrap outside the supported subset is refused with its field path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    `static_resources:\n  clusters:\n  - name: c\n    type: STATIC\n    lb_policy: MAGLEV\n    load_assignment: {cluster_name: c, endpoints: []}\n`,
  );
  const r = runWeft(['proxy', '--config', file, '--no-admin']);
  assert.equal(await r.exit, 1);
  assert.match(r.out(), /Cluster "c": lb_policy: load balancing policy MAGLEV is not supported/);
  writeFileSync(file, 'static_resources:\n  listeners: []\nwatchdog: {}\n');
  const unknown = runWeft(['proxy', '--config', file, '--no-admin']);
  assert.equal(await unknown.exit, 1);
  assert.match(unknown.out(), /watchdog: bootstrap field watchdog is not supported/);
});

test('weft proxy: serves a static bootstrap, and SIGTERM lets the request in flight finish', async () => {
  const slow = track(
    await startUpstream('slow', (_q, res) => {
      setTimeout(() => {
        res.writeHead(200);
        res.end('finished');
      }, 600);
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const [listen, admin] = [await freePort(), await freePort()];
  const file = join(dir, 'bootstrap.yaml');
  writeFileSync(
    file,
    `node: {id: test, cluster: test}
admin: {address: {socket_address: {address: 127.0.0.1, port_value: ${admin}}}}
static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: ${listen}}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: l
          route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: slow, timeout: 5s}}]}]}
          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
  clusters:
  - name: slow
    type: STATIC
    connect_timeout: 1s
    load_assignment: {cluster_name: slow, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${slow.port}}}}}]}]}
`,
  );
  const r = runWeft(['proxy', '--config', file]);
  for (let i = 0; i < 100 && !r.out().includes('"started"'); i++) await sleep(50);
  assert.match(r.out(), /"started"/);
  assert.equal((await request(admin, { path: '/ready', agent: false })).status, 200);
  const inFlight = request(listen, { agent: false });
  await sleep(150);
  r.proc.kill('SIGTERM');
  const answer = await inFlight;
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'finished');
  assert.equal(await r.exit, 0);
  assert.match(r.out(), /"draining"/);
});

test('weft proxy: audited requests reach stdout by default, POST /quitquitquit drains and exits 0', async () => {
  const app = track(await startUpstream('orders'));
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const [listen, admin] = [await freePort(), await freePort()];
  const file = join(dir, 'bootstrap.yaml');
  writeFileSync(
    file,
    `node: {id: audit, cluster: audit}
admin: {address: {socket_address: {address: 127.0.0.1, port_value: ${admin}}}}
static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: ${listen}}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: l
          route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: app}}]}]}
          http_filters:
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
              rules: {action: LOG, policies: {audit-delete: {permissions: [{header: {name: ":method", string_match: {exact: DELETE}}}], principals: [{any: true}]}}}
          - {name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}
  clusters:
  - name: app
    type: STATIC
    connect_timeout: 1s
    load_assignment: {cluster_name: app, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${app.port}}}}}]}]}
`,
  );
  const proc = spawn(weft, ['proxy', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? -1)));
  cleanup.push(async () => void proc.kill('SIGKILL'));
  for (let i = 0; i < 100 && !stderr.includes('"started"'); i++) await sleep(50);
  assert.match(stderr, /"started"/);
  for (let i = 0; i < 3; i++) assert.equal((await request(listen, { path: `/orders/${i}`, agent: false })).status, 200);
  assert.equal((await request(listen, { method: 'DELETE', path: '/orders/9', agent: false })).status, 200);
  assert.equal((await request(admin, { path: '/quitquitquit', agent: false })).status, 405, 'quitquitquit takes POST only');
  const quit = await request(admin, { method: 'POST', path: '/quitquitquit', agent: false });
  assert.equal(quit.status, 200);
  assert.equal(await exit, 0, stderr);
  assert.match(stderr, /"draining".*"reason":"\/quitquitquit"/);
  const lines = stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => [l['method'], l['path'], l['response_code'], l['audit_policy']]), [['DELETE', '/orders/9', 200, 'audit-delete']]);
  await assert.rejects(request(listen, { agent: false }), /ECONNREFUSED/);
});

test('weft proxy: a static bootstrap serves and originates mTLS with certificates from files (static_resources.secrets)', async () => {
  const app = track(await startUpstream('tls-app'));
  const ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now: new Date() });
  const server = await identity(ca, 'b', 'b');
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'cert.pem'), server.cert);
  writeFileSync(join(dir, 'key.pem'), server.key);
  writeFileSync(join(dir, 'roots.pem'), server.ca);
  const [out, inb, admin] = [await freePort(), await freePort(), await freePort()];
  const hcm = (cluster: string) => `
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ${cluster}
          route_config: {name: ${cluster}, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: ${cluster}}}]}]}
          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]`;
  const bootstrap = (keyFile: string) => `node: {id: files, cluster: files}
admin: {address: {socket_address: {address: 127.0.0.1, port_value: ${admin}}}}
static_resources:
  secrets:
  - name: default
    tls_certificate: {certificate_chain: {filename: cert.pem}, private_key: {filename: ${keyFile}}}
  - name: ROOTCA
    validation_context: {trusted_ca: {filename: ${join(dir, 'roots.pem')}}}
  listeners:
  - name: out
    address: {socket_address: {address: 127.0.0.1, port_value: ${out}}}
    filter_chains:
    - filters:${hcm('to-in')}
  - name: in
    address: {socket_address: {address: 127.0.0.1, port_value: ${inb}}}
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            tls_certificate_sds_secret_configs: [{name: default}]
            validation_context_sds_secret_config: {name: ROOTCA}
      filters:${hcm('app')}
  clusters:
  - name: app
    type: STATIC
    load_assignment: {cluster_name: app, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${app.port}}}}}]}]}
  - name: to-in
    type: STATIC
    load_assignment: {cluster_name: to-in, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${inb}}}}}]}]}
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          tls_certificate_sds_secret_configs: [{name: default}]
          combined_validation_context:
            default_validation_context: {match_typed_subject_alt_names: [{san_type: URI, matcher: {exact: "${spiffe('b', 'b')}"}}]}
            validation_context_sds_secret_config: {name: ROOTCA}
`;
  // A key file that is not there: refused at start-up, naming the field and the file.
  writeFileSync(join(dir, 'missing.yaml'), bootstrap('nope.pem'));
  const bad = runWeft(['proxy', '--config', join(dir, 'missing.yaml'), '--no-admin']);
  assert.equal(await bad.exit, 1);
  assert.match(bad.out(), /static_resources\.secrets\[0\]\.tls_certificate\.private_key\.filename: nope\.pem: no such file/);

  writeFileSync(join(dir, 'bootstrap.yaml'), bootstrap('key.pem'));
  const r = runWeft(['proxy', '--config', join(dir, 'bootstrap.yaml')]);
  cleanup.push(async () => void r.proc.kill('SIGKILL'));
  for (let i = 0; i < 100 && !r.out().includes('"started"'); i++) await sleep(50);
  assert.match(r.out(), /"started"/);
  // Plaintext in, mTLS from the file certificates out to the mTLS listener, then the app.
  const via = await request(out, { path: '/via-mtls', agent: false });
  assert.equal(via.status, 200, via.body);
  assert.equal((JSON.parse(via.body) as { url: string }).url, '/via-mtls');
  // The mTLS listener: a client with a mesh certificate gets through, and sees the server's SPIFFE ID.
  const client = await identity(ca, 'a', 'a');
  const peer = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: inb, key: client.key, cert: client.cert, ca: client.ca, checkServerIdentity: () => undefined }, () => {
      const san = s.getPeerX509Certificate()?.subjectAltName ?? '';
      s.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      let answer = '';
      s.on('data', (d: Buffer) => (answer += d.toString()));
      s.on('end', () => resolve(`${san} ${answer.split('\r\n')[0] ?? ''}`));
    });
    s.once('error', reject);
  });
  assert.match(peer, /URI:spiffe:\/\/cluster\.local\/ns\/b\/sa\/b HTTP\/1\.1 200/);
  // Without a client certificate: refused.
  const refused = await new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: inb, ca: client.ca, checkServerIdentity: () => undefined }, () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.on('error', (e) => resolve(`error ${e.message}`));
    s.on('close', () => resolve(answer === '' ? 'closed' : answer));
  });
  assert.doesNotMatch(refused, /HTTP\/1\.1 200/);
  r.proc.kill('SIGTERM');
  assert.equal(await r.exit, 0);
});

function compileFor(proxy: string): Promise<Record<string, Record<string, unknown>[]>> {
  return new Promise((resolve, reject) => {
    const p = spawn(weft, ['compile', new URL('../../config/samples', import.meta.url).pathname, '--proxy', proxy], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, Record<string, unknown>[]>) : reject(new Error(`weft compile exited ${code}`))));
  });
}

test('inbound: the compiled virtualInbound chooses the chain by destination port and enforces the workload’s AuthorizationPolicy', async () => {
  const app = track(await startUpstream('reviews-app'));
  const compiled = await compileFor('shop/reviews-v1');
  // The inbound cluster points at the app's port on 127.0.0.1; here the test app stands in for it.
  const clusters = (compiled['clusters'] ?? []).map((c) => (String(c['name']).startsWith('inbound|') ? cluster(String(c['name']), [app.port]) : c));
  const apply = async (p: ProxyHandle): Promise<void> => {
    for (const [t, list, key] of [
      [TypeUrl.Cluster, clusters, 'name'],
      [TypeUrl.ClusterLoadAssignment, compiled['endpoints'] ?? [], 'cluster_name'],
      [TypeUrl.Listener, compiled['listeners'] ?? [], 'name'],
      [TypeUrl.RouteConfiguration, compiled['routes'] ?? [], 'name'],
    ] as const) {
      assert.deepEqual(p.applyConfig(t, named(list, key)), { ok: true }, t);
    }
    await p.settled();
  };
  // Without an original destination the Host's port picks the chain.
  const sniffing = track(await testProxy({ plaintextForTls: true }));
  await apply(sniffing);
  const inbound = sniffing.port('virtualInbound') ?? 0;
  const denied = await request(inbound, { host: 'reviews.shop.svc.cluster.local:9080', path: '/reviews/1' });
  assert.equal(denied.status, 403, 'plaintext callers have no principal: the ALLOW policy for the frontend denies them');
  assert.equal(denied.body, 'RBAC: access denied');
  assert.equal(app.requests, 0);
  // With an original destination resolver (the conntrack plan), the destination port decides even without a port in Host.
  let asked = 0;
  const resolved = track(
    await testProxy({
      plaintextForTls: true,
      originalDst: () => {
        asked++;
        return { address: '127.0.0.1', port: 9080 };
      },
    }),
  );
  await apply(resolved);
  const r = await request(resolved.port('virtualInbound') ?? 0, { host: 'reviews', path: '/reviews/1' });
  assert.equal(r.status, 403);
  assert.ok(asked > 0);
  // The same config without the policy's filter lets the request through to the app.
  const open = track(await testProxy({ plaintextForTls: true }));
  const withoutRbac = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.filter((x) => !(typeof x === 'object' && x !== null && (x as Record<string, unknown>)['name'] === 'envoy.filters.http.rbac')).map(withoutRbac);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutRbac(x)]));
    return v;
  };
  const listeners = withoutRbac(compiled['listeners'] ?? []) as Record<string, unknown>[];
  assert.ok(!JSON.stringify(listeners).includes('envoy.filters.http.rbac'), 'the RBAC filters are taken out');
  compiled['listeners'] = listeners;
  await apply(open);
  const ok = await request(open.port('virtualInbound') ?? 0, { host: 'reviews.shop.svc.cluster.local:9080', path: '/reviews/1' });
  assert.equal(ok.status, 200);
  assert.equal(json(ok.body).upstream, 'reviews-app');
});
