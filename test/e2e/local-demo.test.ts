// `make demo` in its non-interactive form: DEMO_DURATION makes demo/run.ts
// stop by itself and exit 0 only when the canary split, the policy's 403s
// and the injected faults were seen. Uses the demo's fixed ports
// (127.0.0.1:15010/15011/15014, 127.0.1.x), so not while a demo runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

test('the demo runs, shows the split, the 403s, the faults and mTLS on every hop between proxies, and stops cleanly', async () => {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'demo/run.ts'], {
    cwd: ROOT,
    env: { ...process.env, DEMO_DURATION: '9s', DEMO_EVERY_MS: '3000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, `${out}\n${err}`);
  const frames = out.split('── weft demo').slice(1);
  assert.ok(frames.length >= 2, out);
  const last = frames.at(-1) ?? '';
  const canary = /canary\s+reviews v1\s+(\d+)%.* v2\s+(\d+)%/.exec(last);
  assert.ok(canary !== null, last);
  assert.equal(Number(canary[1]) + Number(canary[2]), 100);
  assert.match(last, /policy\s+DELETE \/reviews → 403 ×\d+ of \d+/);
  assert.match(last, /fault\s+ratings 503 injected on \d+% of calls/);
  // mTLS per hop as the receiving proxies counted it (istio_requests_total, connection_security_policy).
  assert.match(last, /mTLS\s+loadgen→frontend mTLS ×\d+ · frontend→reviews mTLS ×\d+ · reviews→ratings mTLS ×\d+/);
  assert.match(last, /overall mTLS [1-9]\d*, plaintext 0;/);
  const hops = /between proxies \(counted by the receiving proxies\): loadgen→frontend mTLS (\d+), plaintext (\d+); frontend→reviews mTLS (\d+), plaintext (\d+); reviews→ratings mTLS (\d+), plaintext (\d+)/.exec(out);
  assert.ok(hops !== null, out);
  const [, lfM, lfP, frM, frP, rrM, rrP] = hops.map(Number);
  assert.deepEqual([lfP, frP, rrP], [0, 0, 0], 'no plaintext between proxies');
  assert.ok((lfM ?? 0) > 100 && (frM ?? 0) > 100 && (rrM ?? 0) > 50, hops[0]);
  assert.match(out, /ok {3}every hop between proxies mTLS/);
  assert.match(out, /edit .*reviews-canary\.yaml/);
  const summary = /stopping \(DEMO_DURATION reached\): (\d+) requests; reviews v1 (\d+), v2 (\d+); denied by policy (\d+)\/(\d+); ratings faults (\d+)\/(\d+); other errors (\d+)/.exec(out);
  assert.ok(summary !== null, out);
  const [, total, v1, v2, denied, deletes, faults, calls, errors] = summary.map(Number);
  assert.ok((total ?? 0) > 100, `requests ${total}`);
  assert.ok((v2 ?? 0) / ((v1 ?? 0) + (v2 ?? 0)) > 0.08 && (v2 ?? 0) / ((v1 ?? 0) + (v2 ?? 0)) < 0.35, `v1 ${v1} v2 ${v2}`);
  assert.equal(denied, deletes);
  assert.ok((faults ?? 0) > 0 && (faults ?? 0) / (calls ?? 1) < 0.25, `faults ${faults}/${calls}`);
  assert.equal(errors, 0);
  assert.match(out, /ok {3}DELETE denied with 403/);
  // Everything it started is gone: the control plane's ports and the proxies' are free.
  for (const [host, port] of [['127.0.0.1', 15010], ['127.0.0.1', 15014], ['127.0.1.1', 15001], ['127.0.1.2', 15006]] as const) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    assert.ok(refused, `${host}:${port} still listening`);
  }
});

test('make demo ends cleanly on Ctrl-C: SIGINT to the whole foreground group, as a terminal sends it', async () => {
  // detached: a process group of its own, like a shell's foreground job; the
  // signal then goes to make, demo/run.ts, weft up and the apps at once.
  const child = spawn('make', ['--no-print-directory', 'demo'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid ?? 0;
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const deadline = Date.now() + 60_000;
    while ((out.match(/── weft demo/g) ?? []).length < 2) {
      assert.ok(Date.now() < deadline, `no demo frames within 60 s:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    process.kill(-pgid, 'SIGINT');
    const { code, signal } = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running 15 s after Ctrl-C:\n${out}\n${err}`)), 15_000))]);
    // make passes Ctrl-C on by ending the same way (its own SIGINT); the demo itself exits 0.
    assert.ok(code === 0 || signal === 'SIGINT', `make ended with code ${code}, signal ${signal}\n${err}`);
    // The summary counts what the mesh did up to Ctrl-C: no error from the shutdown itself, every hop mTLS.
    assert.match(out, /stopping \(interrupted\): \d+ requests; .* other errors 0/);
    assert.match(out, /between proxies \(counted by the receiving proxies\): loadgen→frontend mTLS [1-9]\d*, plaintext 0; frontend→reviews mTLS [1-9]\d*, plaintext 0; reviews→ratings mTLS [1-9]\d*, plaintext 0/);
    assert.match(err, /\[weft up\] .*stopped/);
    assert.doesNotMatch(err, /Error|\n\s+at |Unhandled|ECONNRESET|EPIPE/, `no errors or stack traces on the way out:\n${err}`);
    // Nothing of the group is left, and every port it held is free.
    await new Promise((r) => setTimeout(r, 300));
    assert.throws(() => process.kill(-pgid, 0), /ESRCH/, 'a process of the demo outlived Ctrl-C');
    for (const [host, port] of [['127.0.0.1', 15010], ['127.0.0.1', 15014], ['127.0.1.1', 15001], ['127.0.1.3', 9080]] as const) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host, port });
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      assert.ok(refused, `${host}:${port} still listening`);
    }
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
