// The control plane's scale numbers: a full compile of the large mesh
// (test/bench/compile-mesh.ts, in its own process so its memory is its own),
// and the slot for edit-to-ACK with 1,000 simulated proxies over the xDS
// server, filled by edit-to-ack.ts when operator/xds offers startXdsServer.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Supervisor } from './procs.ts';
import type { ControlPlaneResult } from './report.ts';

export interface MeshSize {
  readonly services: number;
  readonly virtualServices: number;
  readonly proxies: number;
  readonly policies: number;
}

/** The issue's mesh: 2,000 services, 10,000 VirtualServices, 5,000 AuthorizationPolicies, 1,000 proxies. */
export const ISSUE_MESH: MeshSize = { services: 2000, virtualServices: 10_000, proxies: 1000, policies: 5000 };

type CompileResult = ControlPlaneResult['compile'];

function parseCompile(text: string): CompileResult {
  const line = text.trim().split('\n').pop() ?? '';
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, reason: `compile-mesh.ts printed no JSON: ${line.slice(0, 200)}` };
  }
  const o = v as Record<string, unknown>;
  const nums = ['indexMs', 'proxiesMs', 'analysisMs', 'totalMs', 'maxRssBytes', 'heapUsedBytes'];
  for (const k of nums) if (typeof o[k] !== 'number') return { ok: false, reason: `compile-mesh.ts --json: ${k} missing` };
  return { ok: true, ...(v as Omit<Extract<CompileResult, { ok: true }>, 'ok'>) };
}

export async function runCompileMesh(supervisor: Supervisor, root: string, node: string, size: MeshSize, cpus: string): Promise<CompileResult> {
  try {
    const out = await supervisor.run(
      'compile-mesh',
      node,
      ['--disable-warning=ExperimentalWarning', join(root, 'test/bench/compile-mesh.ts'), String(size.services), String(size.virtualServices), String(size.proxies), String(size.policies), '--json'],
      { cpus, timeoutMs: 300_000, cwd: root },
    );
    return parseCompile(out);
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}

type EditToAck = ControlPlaneResult['editToAck'];

/**
 * Edit-to-ACK with simulated proxies. Runs test/bench/edit-to-ack.ts when
 * both it and the xDS server exist; until then says what is missing.
 */
export async function runEditToAck(supervisor: Supervisor, root: string, node: string, size: MeshSize, cpus: string): Promise<EditToAck> {
  const server = join(root, 'operator/xds/server.ts');
  const bench = join(root, 'test/bench/edit-to-ack.ts');
  if (!existsSync(server)) return { ok: false, reason: 'needs the xDS server (operator/xds/server.ts, startXdsServer): not in this checkout yet' };
  if (!existsSync(bench)) return { ok: false, reason: 'slot reserved: test/bench/edit-to-ack.ts (1,000 simulated ADS clients against startXdsServer) is not written yet' };
  try {
    const out = await supervisor.run(
      'edit-to-ack',
      node,
      ['--disable-warning=ExperimentalWarning', bench, '--json', String(size.services), String(size.virtualServices), String(size.proxies), String(size.policies)],
      { cpus, timeoutMs: 300_000, cwd: root },
    );
    const v = JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    if (v['ok'] === false && typeof v['reason'] === 'string') return { ok: false, reason: v['reason'] };
    for (const k of ['proxies', 'edits', 'p50Ms', 'p99Ms', 'debounceMs', 'bytesPerEdit', 'memoryBytes']) {
      if (typeof v[k] !== 'number') return { ok: false, reason: `edit-to-ack.ts --json: ${k} missing` };
    }
    return { ok: true, ...(v as Omit<Extract<EditToAck, { ok: true }>, 'ok'>) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}
