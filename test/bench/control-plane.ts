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

/**
 * The environment bin/weft gives every weft process (the control plane
 * included); the bench starts these scripts with node directly, so it sets
 * the same: glibc's mmap threshold fixed, so freed large buffers go back to
 * the system.
 */
const WEFT_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: process.env['MALLOC_MMAP_THRESHOLD_'] ?? '131072' };

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
      { cpus, timeoutMs: 300_000, cwd: root, env: WEFT_ENV },
    );
    return parseCompile(out);
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}

type EditToAck = ControlPlaneResult['editToAck'];

export interface EditToAckSize extends MeshSize {
  readonly edits: number;
}

/**
 * Edit-to-ACK with simulated proxies (test/bench/edit-to-ack.ts): the xDS
 * server on `cpus`, the proxies' process on `proxyCpus`.
 */
export async function runEditToAck(supervisor: Supervisor, root: string, node: string, size: EditToAckSize, cpus: string, proxyCpus: string, vhds: 'on-demand' | 'whole' = 'on-demand'): Promise<EditToAck> {
  if (!existsSync(join(root, 'operator/xds/server.ts'))) return { ok: false, reason: 'needs the xDS server (operator/xds/server.ts, startXdsServer): not in this checkout' };
  try {
    const out = await supervisor.run(
      `edit-to-ack (${vhds})`,
      node,
      ['--expose-gc', '--disable-warning=ExperimentalWarning', join(root, 'test/bench/edit-to-ack.ts'), '--json', '--vhds', vhds, String(size.services), String(size.virtualServices), String(size.proxies), String(size.policies), String(size.edits)],
      { cpus, timeoutMs: 1_200_000, cwd: root, env: { ...WEFT_ENV, WEFT_BENCH_PROXY_CPUS: proxyCpus } },
    );
    const v = JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    if (v['ok'] === false) return { ok: false, reason: typeof v['reason'] === 'string' ? v['reason'] : 'edit-to-ack.ts failed' };
    for (const k of ['proxies', 'workloads', 'edits', 'p50Ms', 'p99Ms', 'maxMs', 'sentP50Ms', 'sentP99Ms', 'buildMs', 'firstBuildMs', 'debounceMs', 'bytesPerEdit', 'memoryBytes', 'initialSyncMs']) {
      if (typeof v[k] !== 'number') return { ok: false, reason: `edit-to-ack.ts --json: ${k} missing` };
    }
    const r = v as unknown as Omit<Extract<EditToAck, { ok: true }>, 'ok' | 'mesh'>;
    return { ...r, ok: true, mesh: { services: size.services, virtualServices: size.virtualServices, authorizationPolicies: size.policies } };
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}
