// The conntrack original-destination lookup (proxy/listener/original-dst.ts)
// against tables in the kernel's /proc/net/nf_conntrack format. The
// network-namespace end-to-end test runs it on the real table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { conntrackResolver, lookupOriginalDst } from '../../proxy/listener/original-dst.ts';

const TABLE = [
  // An app's call to a Service VIP, redirected by OUTPUT to the outbound port (the kernel maps it to 127.0.0.1).
  'ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.0.11 dst=10.96.0.20 sport=41000 dport=9080 src=127.0.0.1 dst=10.244.0.11 sport=15001 dport=41000 [ASSURED] mark=0 zone=0 use=2',
  // A peer's call to this pod, redirected by PREROUTING to the inbound port.
  'ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.0.14 dst=10.244.0.12 sport=52000 dport=9080 src=10.244.0.12 dst=10.244.0.14 sport=15006 dport=52000 [ASSURED] mark=0 zone=0 use=2',
  // Not translated: a direct connection to the proxy's port.
  'ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=43000 dport=15001 src=127.0.0.1 dst=127.0.0.1 sport=15001 dport=43000 [ASSURED] mark=0 zone=0 use=2',
  // UDP with the same numbers: never a match for a TCP socket.
  'ipv4     2 udp      17 20 src=10.244.0.15 dst=10.96.0.30 sport=44000 dport=53 src=127.0.0.1 dst=10.244.0.15 sport=15001 dport=44000 mark=0 zone=0 use=2',
  // IPv6 as the kernel prints it (%pI6: eight zero-padded groups).
  'ipv6     10 tcp      6 117 SYN_RECV src=fd00:0000:0000:0000:0000:0000:0000:000b dst=fd00:0000:0000:0000:0000:0000:0096:0020 sport=45000 dport=9080 src=0000:0000:0000:0000:0000:0000:0000:0001 dst=fd00:0000:0000:0000:0000:0000:0000:000b sport=15001 dport=45000 mark=0 zone=0 use=2',
].join('\n') + '\n';

test('an outbound redirect gives the VIP the app dialled', () => {
  assert.deepEqual(lookupOriginalDst(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '10.244.0.11', port: 41000 }), { address: '10.96.0.20', port: 9080 });
  assert.deepEqual(lookupOriginalDst(TABLE, { address: '::ffff:127.0.0.1', port: 15001 }, { address: '::ffff:10.244.0.11', port: 41000 }), { address: '10.96.0.20', port: 9080 });
});

test('an inbound redirect gives the pod address and port the peer dialled', () => {
  assert.deepEqual(lookupOriginalDst(TABLE, { address: '10.244.0.12', port: 15006 }, { address: '10.244.0.14', port: 52000 }), { address: '10.244.0.12', port: 9080 });
});

test('untranslated, unknown, other protocols and wrong ports give nothing', () => {
  assert.equal(lookupOriginalDst(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '127.0.0.1', port: 43000 }), undefined);
  assert.equal(lookupOriginalDst(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '10.244.0.11', port: 41001 }), undefined);
  assert.equal(lookupOriginalDst(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '10.244.0.15', port: 44000 }), undefined);
  assert.equal(lookupOriginalDst(TABLE, { address: '127.0.0.1', port: 15006 }, { address: '10.244.0.11', port: 41000 }), undefined);
  // The original tuple of one line is never taken for a reply tuple.
  assert.equal(lookupOriginalDst(TABLE, { address: '10.244.0.11', port: 41000 }, { address: '10.96.0.20', port: 9080 }), undefined);
});

test('IPv6 addresses are matched in the kernel\'s form and returned compressed', () => {
  assert.deepEqual(lookupOriginalDst(TABLE, { address: '::1', port: 15001 }, { address: 'fd00::b', port: 45000 }), { address: 'fd00::96:20', port: 9080 });
});

test('the resolver reads the table once for a burst, again for a connection newer than its read, and says why it cannot read', () => {
  let reads = 0;
  let table = TABLE;
  let clock = 0;
  const c = conntrackResolver({ path: '/test/table', read: () => (reads++, table), now: () => clock });
  assert.ok(c.ok);
  const sock = (local: string, lport: number, remote: string, rport: number): net.Socket =>
    ({ localAddress: local, localPort: lport, remoteAddress: remote, remotePort: rport }) as net.Socket;
  reads = 0;
  assert.deepEqual(c.resolver(sock('127.0.0.1', 15001, '10.244.0.11', 41000)), { address: '10.96.0.20', port: 9080 });
  assert.deepEqual(c.resolver(sock('10.244.0.12', 15006, '10.244.0.14', 52000)), { address: '10.244.0.12', port: 9080 });
  assert.equal(reads, 1, 'the second connection was in the first read');
  table += 'ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.0.11 dst=10.96.0.30 sport=41002 dport=9080 src=127.0.0.1 dst=10.244.0.11 sport=15001 dport=41002 [ASSURED] mark=0 zone=0 use=2\n';
  assert.deepEqual(c.resolver(sock('127.0.0.1', 15001, '10.244.0.11', 41002)), { address: '10.96.0.30', port: 9080 });
  assert.equal(reads, 2, 'a connection newer than the read reads again');
  clock += 1000;
  c.resolver(sock('127.0.0.1', 15001, '10.244.0.11', 41000));
  assert.equal(reads, 3, 'an old read is not trusted');

  const denied = conntrackResolver({ path: '/x', read: () => { throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }); } });
  assert.equal(denied.ok, false);
  assert.match(denied.ok ? '' : denied.reason, /supplementalGroups: \[0\]/);
  const missing = conntrackResolver({ path: '/x', read: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); } });
  assert.match(missing.ok ? '' : missing.reason, /CONFIG_NF_CONNTRACK_PROCFS/);
});
