// %RESPONSE_CODE_DETAILS% in the access log, over real sockets: via_upstream
// for an upstream's answer, and Envoy's detail for each reply the proxy makes
// itself (route, cluster, connect failure, timeouts, RBAC, fault abort).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT, ROUTER, cluster, configure, httpListener, request, startUpstream, testProxy } from './proxy-helpers.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const faultAbort = (status: number) => ({
  'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort: { http_status: status, percentage: { numerator: 100, denominator: 'HUNDRED' } } },
});

test('the access log names why each reply was made, as Envoy does', async () => {
  const up = await startUpstream('app', (q, res) => {
    if (q.url?.startsWith('/slow') === true) return void setTimeout(() => res.writeHead(200).end('late'), 1_000);
    res.writeHead(200).end('ok');
  });
  closers.push(() => up.close());
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));

  const file = join(mkdtempSync(join(tmpdir(), 'weft-details-')), 'access.log');
  const p = await testProxy({ telemetry: { accessLog: { kind: 'file', path: file } } });
  closers.push(() => p.close());
  const rbac = {
    name: 'envoy.filters.http.rbac',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: { action: 'DENY', policies: { 'ns[shop]-policy[no-admin]-rule[0]': { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] } } },
    },
  };
  await configure(p, {
    clusters: [cluster('app', [up.port]), cluster('dead', [deadPort])],
    listeners: [
      httpListener('l', 0, {
        stat_prefix: 'outbound_0.0.0.0_80',
        route_config: {
          name: 'r',
          virtual_hosts: [
            {
              name: 'v',
              domains: ['*'],
              routes: [
                { match: { prefix: '/ok' }, route: { cluster: 'app' } },
                { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'hi' } } },
                { match: { prefix: '/moved' }, redirect: { path_redirect: '/ok' } },
                { match: { prefix: '/missing' }, route: { cluster: 'no-such-cluster' } },
                { match: { prefix: '/dead' }, route: { cluster: 'dead' } },
                { match: { prefix: '/slow-try' }, route: { cluster: 'app', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 1, per_try_timeout: '0.1s' } } },
                { match: { prefix: '/slow' }, route: { cluster: 'app', timeout: '0.1s' } },
                { match: { prefix: '/abort' }, route: { cluster: 'app' }, typed_per_filter_config: faultAbort(418) },
                { match: { prefix: '/admin' }, route: { cluster: 'app' } },
              ],
            },
          ],
        },
        http_filters: [rbac, FAULT, ROUTER],
      }),
    ],
  });
  const port = p.port('l') as number;
  const cases: [string, number, string][] = [
    ['/ok', 200, 'via_upstream'],
    ['/direct', 200, 'direct_response'],
    ['/moved', 301, 'direct_response'],
    ['/nowhere', 404, 'route_not_found'],
    ['/missing', 503, 'cluster_not_found'],
    ['/dead', 503, 'upstream_reset_before_response_started{connection_failure}'],
    ['/slow-try', 504, 'upstream_per_try_timeout'],
    ['/slow', 504, 'upstream_response_timeout'],
    ['/abort', 418, 'fault_filter_abort'],
    ['/admin', 403, 'rbac_access_denied_matched_policy[ns[shop]-policy[no-admin]-rule[0]]'],
  ];
  for (const [path, status] of cases) assert.equal((await request(port, { path, agent: false })).status, status, path);
  await p.telemetry?.accessLog?.flush();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l['path'], l['response_code'], l['response_code_details']]),
    cases,
  );
  const flags = new Map(lines.map((l) => [l['path'], l['response_flags']]));
  assert.equal(flags.get('/slow-try'), 'URX,UT');
  assert.equal(flags.get('/dead'), 'UF');
});
