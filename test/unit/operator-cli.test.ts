// `weft operator`'s command line: defaults, durations, and refusals that say
// what is wrong.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, loadKubeConfig } from '../../operator/cli/operator.ts';
import { main } from '../../operator/cli/main.ts';

describe('weft operator arguments', () => {
  it('has defaults for a Deployment in weft-system', () => {
    const p = parseArgs([]);
    assert.ok(p.ok);
    assert.deepEqual(
      [p.options.namespace, p.options.leaseName, p.options.leaseDurationMs, p.options.renewDeadlineMs, p.options.retryPeriodMs, p.options.healthAddr, p.options.leaderElection, p.options.kubeconfig],
      ['weft-system', 'weft-operator', 15_000, 10_000, 2_000, ':8081', true, undefined],
    );
  });

  it('reads flags with = or a separate value, and durations as Go writes them', () => {
    const p = parseArgs(['--kubeconfig', '/k', '--namespace=mesh', '--lease-duration=1m', '--renew-deadline', '45s', '--retry-period=1500ms', '--mtls', 'strict', '--log-level=debug']);
    assert.ok(p.ok);
    assert.deepEqual([p.options.kubeconfig, p.options.namespace, p.options.leaseDurationMs, p.options.renewDeadlineMs, p.options.retryPeriodMs, p.options.mtls, p.options.logLevel], ['/k', 'mesh', 60_000, 45_000, 1_500, 'STRICT', 'debug']);
  });

  it('refuses what cannot work, saying why', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--lease-duration=5s', '--renew-deadline=10s'], /--renew-deadline must be shorter than --lease-duration/],
      [['--retry-period=20s'], /--retry-period must be shorter than --renew-deadline/],
      [['--lease-duration=15'], /--lease-duration takes a duration such as 15s or 500ms \(got "15"\)/],
      [['--health-addr=8081'], /--health-addr takes \[HOST\]:PORT or 0/],
      [['--mtls=maybe'], /--mtls takes STRICT or PERMISSIVE/],
      [['--namespace'], /--namespace takes a namespace name/],
      [['--leader'], /unknown option "--leader"/],
      [['extra'], /unknown argument "extra"/],
    ];
    for (const [argv, want] of cases) {
      const p = parseArgs(argv);
      assert.ok(!p.ok && !p.help, argv.join(' '));
      assert.match(p.message ?? '', want);
    }
    const off = parseArgs(['--no-leader-election', '--lease-duration=1s', '--renew-deadline=2s']);
    assert.ok(off.ok, 'timings do not matter without leader election');
  });

  it('is in the weft command table, with its usage', async () => {
    let out = '';
    const code = await main(['help', 'operator'], { out: (t) => (out += t), err: () => undefined });
    assert.equal(code, 0);
    assert.match(out, /^usage: weft operator \[options\]/);
  });

  it('names the kubeconfig problem instead of failing later', () => {
    assert.throws(() => loadKubeConfig('/nonexistent/kubeconfig', undefined, {}), /ENOENT|no such file/);
  });
});
