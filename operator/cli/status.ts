// `weft status`: asks a running `weft up` (its status endpoint on
// 127.0.0.1:15014) for every proxy and mesh resource, and prints them.

import { LOCAL_PORTS } from '../local/mesh.ts';
import { renderStatus, type LocalStatus } from '../local/status.ts';

export const usage = `usage: weft status [--port N] [-o text|json]

Shows the mesh run by \`weft up\` on this machine, like istioctl proxy-status:
each proxy (connected since, what it acknowledged per xDS type, any
rejection with the proxy's error, its identity and transport), then each mesh
resource's conditions (Accepted, ResolvedRefs, Programmed N of M, Ready), the
same conditions the operator writes on a cluster.

  --port N          the status endpoint of \`weft up\` (default ${LOCAL_PORTS.admin})
  -o, --output FMT  text (default) or json

Exit status: 0 every proxy in sync and every resource Ready, 1 otherwise or
when no \`weft up\` answers, 2 usage.
`;

export async function run(argv: readonly string[]): Promise<number> {
  let port: number = LOCAL_PORTS.admin;
  let output = 'text';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      return 0;
    }
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = inline ?? argv[++i];
    if (flag === '--port') {
      port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535) return usageError('--port needs a port number');
    } else if (flag === '-o' || flag === '--output') {
      if (value !== 'text' && value !== 'json') return usageError('-o takes text or json');
      output = value;
    } else return usageError(`unknown argument ${JSON.stringify(a)}`);
  }
  let status: LocalStatus;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    status = (await res.json()) as LocalStatus;
  } catch (e) {
    const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    process.stderr.write(`weft status: no \`weft up\` answers on 127.0.0.1:${port} (${why}); start one with \`weft up DIR\`\n`);
    return 1;
  }
  process.stdout.write(output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
  const healthy = status.proxies.every((p) => p.connected && p.inSync && p.rejection === undefined) && status.resources.every((r) => r.conditions.find((c) => c.type === 'Ready')?.status === 'True');
  return healthy ? 0 : 1;
}

function usageError(message: string): number {
  process.stderr.write(`weft status: ${message}\n\n${usage}`);
  return 2;
}
