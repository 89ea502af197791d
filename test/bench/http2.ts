// The HTTP/2 rows of `make bench`: h2load (Debian's nghttp2-client) with h2c
// prior knowledge against nginx (`listen … http2`) and Weft's proxy (its
// codec_type AUTO takes the preface), each on the proxy core, both to the
// same HTTP/1.1 origin. Saturation only (the fixed-rate generator speaks
// HTTP/1.1), in rotation, with the proxy's CPU watched like the HTTP/1.1 rows.

import { spawnSync } from 'node:child_process';
import { watched, type Cores, type LoadRequest } from './measure.ts';
import type { Supervisor } from './procs.ts';
import type { Http2Row, Http2Run, Http2Section, Unavailable } from './report.ts';

export interface H2loadResult {
  readonly rps: number;
  readonly succeeded: number;
  readonly failed: number;
}

export interface H2loadOptions {
  readonly port: number;
  readonly seconds: number;
  readonly connections: number;
  /** Concurrent streams per connection (h2load -m). */
  readonly streams: number;
  readonly request: LoadRequest;
  readonly cpus: string;
}

export function parseH2load(out: string): H2loadResult {
  const rps = /finished in [^,]+, ([0-9.]+) req\/s/.exec(out);
  const req = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  if (rps === null || req === null) throw new Error(`h2load printed no summary: ${out.slice(-300)}`);
  return { rps: Number(rps[1]), succeeded: Number(req[1]), failed: Number(req[2]) + Number(req[3]) };
}

export async function runH2load(sup: Supervisor, name: string, o: H2loadOptions): Promise<H2loadResult> {
  const args = ['-c', String(o.connections), '-m', String(o.streams), '-D', String(o.seconds), '-H', `:authority: ${o.request.authority}`];
  for (const h of o.request.headers) args.push('-H', h);
  args.push(`http://127.0.0.1:${o.port}${o.request.path}`);
  return parseH2load(await sup.run(name, 'h2load', args, { cpus: o.cpus, timeoutMs: (o.seconds + 30) * 1000 }));
}

export const h2loadVersion = (): string => {
  const r = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined) return 'not installed';
  return /nghttp2\/([^\s]+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
};

export interface Http2Target {
  readonly id: string;
  readonly label: string;
  readonly port: number;
  readonly request: LoadRequest;
  /** The proxy's processes, whose CPU is watched. */
  readonly roots: readonly number[];
}

export async function measureHttp2(
  sup: Supervisor,
  targets: readonly (Http2Target | { readonly id: string; readonly label: string; readonly reason: string })[],
  loadSide: () => readonly number[],
  cores: Cores,
  o: { readonly connections: number; readonly streams: number; readonly seconds: number; readonly runs: number; readonly warmupSeconds: number },
  say: (s: string) => void,
): Promise<Http2Section | Unavailable> {
  if (h2loadVersion() === 'not installed') return { ok: false, reason: 'h2load is not installed (Debian package nghttp2-client; test/bench/install-tools.sh installs it)' };
  const runs = new Map<string, Http2Run[]>();
  const failed = new Map<string, string>();
  const live = targets.filter((t): t is Http2Target => 'port' in t);
  for (const t of live) {
    runs.set(t.id, []);
    try {
      await runH2load(sup, `h2load-warmup-${t.id}`, { port: t.port, seconds: o.warmupSeconds, connections: o.connections, streams: o.streams, request: t.request, cpus: cores.load });
    } catch (e) {
      failed.set(t.id, (e as Error).message);
    }
  }
  for (let round = 1; round <= o.runs; round++) {
    say(`bench: HTTP/2 round ${round}/${o.runs}`);
    for (const t of live) {
      if (failed.has(t.id)) continue;
      try {
        const { result, watch } = await watched(t.roots, loadSide, cores, () =>
          runH2load(sup, `h2load-${t.id}`, { port: t.port, seconds: o.seconds, connections: o.connections, streams: o.streams, request: t.request, cpus: cores.load }),
        );
        runs.get(t.id)?.push({ rps: result.rps, proxyCores: watch.proxyCores, failed: result.failed });
        say(`  ${t.id.padEnd(14)} ${Math.round(result.rps).toString().padStart(7)} req/s  proxy cpu ${Math.round(watch.proxyCores * 100)}%${result.failed > 0 ? `  failed ${result.failed}` : ''}`);
      } catch (e) {
        failed.set(t.id, (e as Error).message);
      }
    }
  }
  const rows: Http2Row[] = targets.map((t) => {
    if (!('port' in t)) return { id: t.id, label: t.label, outcome: { ok: false, reason: t.reason } };
    const why = failed.get(t.id);
    return { id: t.id, label: t.label, outcome: why !== undefined ? { ok: false, reason: why } : { ok: true, runs: runs.get(t.id) ?? [] } };
  });
  return { connections: o.connections, streams: o.streams, seconds: o.seconds, rows };
}
