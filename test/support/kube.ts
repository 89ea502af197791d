// kubectl and polling for integration tests that run the operator in the
// test process: kubectl must run asynchronously there, since a synchronous
// spawn would block the operator's event loop while kubectl waits on it.

import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../cluster/cluster.ts';

export interface KubectlResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function kubectlAsync(kubeconfig: string, args: readonly string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
    child.stdin.end(input ?? '');
  });
}

/** kubectl that must succeed: its stdout, or a failed assertion with its stderr. */
export async function kubectlOk(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  const r = await kubectlAsync(kubeconfig, args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

/** Polls `probe` until it returns something other than undefined; errors count as not yet. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
