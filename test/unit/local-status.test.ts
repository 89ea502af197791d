// `weft status` as people read it (renderStatus, a pure function of the
// JSON that weft up serves): per proxy, connected since, what it acknowledged
// per type, a rejection with the proxy's own error, identity; per resource its
// conditions, and an edit refused while the last good generation serves.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderStatus, type LocalStatus } from '../../operator/local/status.ts';
import type { ConditionStatus, ConditionType, DesiredCondition } from '../../operator/k8s/conditions.ts';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const at = (secondsAgo: number): string => new Date(NOW - secondsAgo * 1000).toISOString();
const cond = (type: ConditionType, status: ConditionStatus, reason: string, message = ''): DesiredCondition => ({ type, status, reason, message });

const status: LocalStatus = {
  dir: '/mesh',
  startedAt: at(600),
  meshVersion: 7,
  proxies: [
    {
      id: 'sidecar~127.0.1.1~frontend',
      namespace: 'shop',
      workload: 'frontend',
      address: '127.0.1.1',
      connected: true,
      connectedSince: at(90),
      inSync: true,
      types: [
        { type: 'CDS', acked: 'c0ffee12', sent: 'c0ffee12' },
        { type: 'LDS', acked: 'abcdef1234567890', sent: 'fedcba0987654321' },
      ],
      identity: { spiffeId: 'spiffe://cluster.local/ns/shop/sa/frontend', state: 'valid' },
      transport: 'mtls',
    },
    {
      id: 'sidecar~127.0.1.2~reviews',
      namespace: 'shop',
      workload: 'reviews',
      address: '127.0.1.2',
      connected: true,
      connectedSince: at(3 * 3600),
      inSync: false,
      types: [{ type: 'RDS', acked: 'r1', sent: 'r2', nack: { version: 'r2', message: 'RouteConfiguration "9080": virtual_hosts[0].routes[0].route.cluster: unknown' } }],
      rejection: { type: 'RDS', version: 'r2', message: 'RouteConfiguration "9080": virtual_hosts[0].routes[0].route.cluster: unknown' },
      identity: { spiffeId: 'spiffe://cluster.local/ns/shop/sa/reviews', state: 'renewing' },
    },
    { id: 'sidecar~127.0.1.3~ratings', namespace: 'shop', workload: 'ratings', connected: false, inSync: false, types: [] },
  ],
  resources: [
    { kind: 'TrafficSplit', namespace: 'shop', name: 'reviews-canary', generation: 2, conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs'), cond('Programmed', 'True', 'Programmed', 'programmed on 2 of 3 proxies'), cond('Ready', 'True', 'Ready')], pendingEdit: [cond('Accepted', 'False', 'Invalid', 'spec.backends[0].weight: must be >= 0')] },
    { kind: 'VirtualService', namespace: 'shop', name: 'reviews', generation: 1, conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs'), cond('Programmed', 'False', 'Rejected', 'rejected by proxy shop/reviews: unknown cluster'), cond('Ready', 'False', 'Rejected', 'rejected by proxy shop/reviews: unknown cluster')] },
  ],
  problems: [],
};

test('proxies: connected since, ACKs per type (and what is still on its way), sync state, identity', () => {
  const text = renderStatus(status, NOW);
  const row = (w: string): string => text.split('\n').find((l) => l.startsWith(`shop/${w} `)) ?? '';
  assert.match(text, /^weft up \/mesh · mesh version 7 · up 10m$/m);
  assert.match(row('frontend'), /127\.0\.1\.1\s+90s\s+ACK c0ffee12\s+-\s+ACK abcdef12→fedcba09\s+-\s+-\s+SYNCED\s+spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend\s+mtls/);
  assert.match(row('reviews'), /\s3h\s.*NACK r2\s.*REJECTED\s+renewing/);
  assert.match(row('ratings'), /\sno\s.*DISCONNECTED/);
});

test("a rejection is spelled out with the proxy's own error, and the resources say who rejected them", () => {
  const text = renderStatus(status, NOW);
  assert.match(text, /^ {2}shop\/reviews rejected RDS r2: RouteConfiguration "9080": virtual_hosts\[0\]\.routes\[0\]\.route\.cluster: unknown$/m);
  assert.match(text, /^VirtualService shop\/reviews\s+1\s+True\s+True\s+False\(Rejected\)\s+False\(Rejected\)\s+rejected by proxy shop\/reviews: unknown cluster$/m);
  assert.match(text, /^TrafficSplit shop\/reviews-canary\s+2\s+True\s+True\s+True 2\/3\s+True\s*$/m);
  assert.match(text, /TrafficSplit shop\/reviews-canary: the edit in the file is refused \(spec\.backends\[0\]\.weight: must be >= 0\); generation 2 is still served/);
});

test('weft status over its status endpoint: exit 0 when all is in sync and Ready, 1 with a rejection, 1 naming the port when nothing answers', async () => {
  const { execFile } = await import('node:child_process');
  const http = await import('node:http');
  const { join } = await import('node:path');
  const weft = join(import.meta.dirname, '..', '..', 'bin', 'weft');
  const run = (port: number): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(weft, ['status', '--port', String(port)], (e, stdout, stderr) => resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, stdout, stderr }));
    });
  let served: LocalStatus = status;
  const server = http.createServer((req, res) => {
    if (req.url !== '/status') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const rejected = await run(port);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stdout, /shop\/reviews rejected RDS r2: RouteConfiguration "9080"/);

    const frontend = status.proxies[0];
    const ts = status.resources[0];
    assert.ok(frontend !== undefined && ts !== undefined);
    served = { ...status, proxies: [frontend], resources: [{ ...ts, pendingEdit: undefined }] };
    const healthy = await run(port);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(healthy.stdout, /shop\/frontend .* SYNCED/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  const nobody = await run(port);
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, new RegExp(`no \`weft up\` answers on 127\\.0\\.0\\.1:${port}.*start one with \`weft up DIR\``));
});
