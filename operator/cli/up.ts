// `weft up [DIR]`: the whole mesh on this machine from a folder of manifests
// (operator/local/mesh.ts), until SIGINT or SIGTERM.

import { stat } from 'node:fs/promises';
import { LOCAL_PORTS, LocalMesh, type LogLevel } from '../local/mesh.ts';
import { readSuppliedRoot } from '../ca/supplied.ts';
import type { CertKeyPem } from '../ca/store.ts';

export const usage = `usage: weft up [DIR] [options]

Runs the mesh on this machine from the manifests in DIR (default: the current
folder): Services, Deployments (each replica gets its own loopback address,
127.0.1.x, as a Pod gets an IP), weft.dev WorkloadEntries, and the mesh
resources (VirtualService, AuthorizationPolicy, TrafficSplit). Starts the
control plane (xDS on 127.0.0.1:${LOCAL_PORTS.xds}, the mesh CA on 127.0.0.1:${LOCAL_PORTS.ca}, status on
127.0.0.1:${LOCAL_PORTS.admin}) and one proxy per workload instance on its address
(outbound :${LOCAL_PORTS.outbound}, inbound :${LOCAL_PORTS.inbound}, admin :${LOCAL_PORTS.proxyAdmin}). Edits to DIR apply live; an
invalid edit is reported and the last good version keeps serving.
Apps reach the mesh through their proxy as HTTP proxy (docs/local.md).

  --state DIR      the CA and address allocations (default DIR/.weft)
  --ca-root DIR    sign the mesh with your own root CA: DIR holds tls.crt and
                   tls.key, as a cert-manager CA Secret does (ECDSA P-256/P-384
                   or RSA >= 2048); used when the state has no CA yet
  --xds-port N     default ${LOCAL_PORTS.xds}
  --ca-port N      default ${LOCAL_PORTS.ca}
  --status-port N  default ${LOCAL_PORTS.admin} (what \`weft status\` reads)

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM. Exit status: 0 stopped, 1 could not start, 2 usage.
`;

interface Options {
  readonly dir: string;
  readonly stateDir: string | undefined;
  readonly caRootDir: string | undefined;
  readonly xdsPort: number;
  readonly caPort: number;
  readonly adminPort: number;
}

type Parsed = { readonly ok: true; readonly options: Options } | { readonly ok: false; readonly help: boolean; readonly message?: string };

export function parseArgs(argv: readonly string[]): Parsed {
  let dir: string | undefined;
  let stateDir: string | undefined;
  let caRootDir: string | undefined;
  const ports: { xdsPort: number; caPort: number; adminPort: number } = { xdsPort: LOCAL_PORTS.xds, caPort: LOCAL_PORTS.ca, adminPort: LOCAL_PORTS.admin };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i]);
    const port = (name: keyof typeof ports): string | undefined => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0 || v > 65535) return `${flag} needs a port number`;
      ports[name] = v;
      return undefined;
    };
    let err: string | undefined;
    switch (flag) {
      case '-h':
      case '--help':
        return { ok: false, help: true };
      case '--state':
        stateDir = value();
        if (stateDir === undefined) err = '--state needs a folder';
        break;
      case '--ca-root':
        caRootDir = value();
        if (caRootDir === undefined || caRootDir === '') err = '--ca-root needs a folder holding tls.crt and tls.key';
        break;
      case '--xds-port':
        err = port('xdsPort');
        break;
      case '--ca-port':
        err = port('caPort');
        break;
      case '--status-port':
        err = port('adminPort');
        break;
      default:
        if (a.startsWith('-')) err = `unknown option ${JSON.stringify(a)}`;
        else if (dir !== undefined) err = `one folder only (got ${JSON.stringify(dir)} and ${JSON.stringify(a)})`;
        else dir = a;
    }
    if (err !== undefined) return { ok: false, help: false, message: err };
  }
  return { ok: true, options: { dir: dir ?? '.', stateDir, caRootDir, ...ports } };
}

const stamp = (): string => new Date().toISOString().slice(11, 19);
const TAG: Record<LogLevel, string> = { info: '', warn: 'warning: ', error: 'error: ' };

export async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(usage);
      return 0;
    }
    process.stderr.write(`weft up: ${parsed.message ?? ''}\n\n${usage}`);
    return 2;
  }
  const o = parsed.options;
  try {
    if (!(await stat(o.dir)).isDirectory()) throw new Error('not a folder');
  } catch (e) {
    process.stderr.write(`weft up: ${o.dir}: ${e instanceof Error && 'code' in e && e.code === 'ENOENT' ? 'no such folder' : e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let caRoot: CertKeyPem | undefined;
  if (o.caRootDir !== undefined) {
    const r = await readSuppliedRoot(o.caRootDir);
    if (!r.ok) {
      process.stderr.write(`weft up: --ca-root: ${r.message}\n`);
      return 1;
    }
    caRoot = r.root;
  }
  const mesh = new LocalMesh({
    dir: o.dir,
    ...(caRoot !== undefined ? { caRoot } : {}),
    ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
    xdsPort: o.xdsPort,
    caPort: o.caPort,
    adminPort: o.adminPort,
    log: (level, msg) => process.stderr.write(`${stamp()} ${TAG[level]}${msg}\n`),
  });
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      process.stderr.write(`${stamp()} stopping (${why})\n`);
      await mesh.stop();
      process.stderr.write(`${stamp()} stopped\n`);
    })();
    return stopping;
  };
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
  });
  try {
    await mesh.start();
  } catch (e) {
    process.stderr.write(`weft up: ${e instanceof Error ? e.message : String(e)}\n`);
    await mesh.stop().catch(() => undefined);
    return 1;
  }
  process.stderr.write(`${stamp()} mesh running from ${mesh.dir}; edit its files to change it live; \`weft status\` shows the proxies; Ctrl-C stops\n`);
  await signalled;
  return 0;
}
