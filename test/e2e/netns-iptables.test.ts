// `weft proxy-init` (proxy/init/iptables.sh) in scratch network namespaces,
// on both iptables backends: the rules it loads, that re-running replaces
// rather than duplicates them, that the dry run prints what is loaded, clean
// removes everything, and the errors when iptables is missing or not
// permitted. Root only; fails with the reason otherwise (CI is root).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetnsLab, netnsAvailable } from '../support/netns.ts';
import { DEFAULT_SIDECAR, initContainer } from '../../operator/k8s/webhook/inject.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEFT = [process.execPath, '--disable-warning=ExperimentalWarning', join(ROOT, 'operator/cli/main.ts')];
const ENV = Object.fromEntries((initContainer(DEFAULT_SIDECAR, [9999], [5432]).env ?? []).map((e) => [e.name, e.value ?? '']));

let lab: NetnsLab | undefined;
const mustLab = (): NetnsLab => {
  if (lab === undefined) throw new Error('the lab was not built');
  return lab;
};

before(() => {
  const available = netnsAvailable();
  if (!available.ok) throw new Error(`the iptables end-to-end test cannot run: ${available.reason}`);
  lab = NetnsLab.create({ gateway: '10.244.1.1' });
});
after(async () => {
  await lab?.close();
});

/** The nat table as iptables-save prints it, without comments and counters. */
function natRules(ns: string, backend: string): string[] {
  const r = mustLab().mustExec(ns, [`${backend}-save`, '-t', 'nat']);
  return r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('*') && l !== 'COMMIT').map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}

for (const [i, backend] of ['iptables-nft', 'iptables-legacy'].entries()) {
  test(`${backend}: apply is idempotent, the dry run is what is loaded, clean removes it all`, () => {
    const l = mustLab();
    const ns = l.addPod(`ipt${i}`, `10.244.1.${10 + i}`).ns;
    const init = (...args: string[]) => l.exec(ns, [...WEFT, 'proxy-init', '--iptables', backend, ...args], { env: ENV });

    const first = init();
    assert.equal(first.status, 0, first.stderr);
    const once = natRules(ns, backend);
    const second = init();
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(natRules(ns, backend), once, 're-running replaces the rules, never appends');

    const jumps = once.filter((r) => r.startsWith('-A PREROUTING') || r.startsWith('-A OUTPUT'));
    assert.deepEqual(jumps, ['-A PREROUTING -p tcp -j WEFT_INBOUND', '-A OUTPUT -p tcp -j WEFT_OUTPUT']);
    for (const rule of [
      '-A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
      '-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
      // The injector's exclusions: health and metrics ports, then the Pod's annotation.
      '-A WEFT_INBOUND -p tcp -m tcp --dport 15021 -j RETURN',
      '-A WEFT_INBOUND -p tcp -m tcp --dport 15090 -j RETURN',
      '-A WEFT_INBOUND -p tcp -m tcp --dport 9999 -j RETURN',
      '-A WEFT_OUTPUT -p tcp -m tcp --dport 5432 -j RETURN',
      '-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN',
      '-A WEFT_OUTPUT -m owner --gid-owner 1337 -j RETURN',
      '-A WEFT_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --uid-owner 1337 -j WEFT_IN_REDIRECT',
      '-A WEFT_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN',
      '-A WEFT_OUTPUT -d 127.0.0.1/32 -j RETURN',
      '-A WEFT_OUTPUT -j WEFT_REDIRECT',
    ]) {
      assert.ok(once.includes(rule), `${rule}\nnot in:\n${once.join('\n')}`);
    }
    // The exclusions come before the redirect in their chain.
    assert.ok(once.indexOf('-A WEFT_INBOUND -p tcp -m tcp --dport 9999 -j RETURN') < once.indexOf('-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT'));

    const dry = init('--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    const printed = dry.stdout.split('\n').filter((x) => x.startsWith('-A '));
    const loaded = once.filter((r) => r.startsWith('-A WEFT_'));
    assert.deepEqual([...printed].sort(), [...loaded].sort(), 'the dry run prints exactly the chains it loads');

    const clean = init('--clean');
    assert.equal(clean.status, 0, clean.stderr);
    assert.deepEqual(natRules(ns, backend).filter((r) => r.includes('WEFT')), []);
    assert.equal(init('--clean').status, 0, 'cleaning twice is fine');
  });
}

test('errors: bad settings name the variable, a missing iptables and a missing privilege say what to do', () => {
  const l = mustLab();
  const ns = l.addPod('ipterr', '10.244.1.20').ns;
  const bad = l.exec(ns, [...WEFT, 'proxy-init'], { env: { ...ENV, WEFT_EXCLUDE_INBOUND_PORTS: '80,http' } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /WEFT_EXCLUDE_INBOUND_PORTS: "http" is not a port/);
  const missing = l.exec(ns, [...WEFT, 'proxy-init', '--iptables', 'iptables-none'], { env: ENV });
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /iptables-none not found: install iptables/);
  const unprivileged = l.exec(ns, [...WEFT, 'proxy-init'], { env: ENV, uid: 1000 });
  assert.equal(unprivileged.status, 4, unprivileged.stderr);
  assert.match(unprivileged.stderr, /needs root with the NET_ADMIN and NET_RAW capabilities/);
});
