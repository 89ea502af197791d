// `weft proxy-init`: what the injected init container (weft-init) runs. It
// checks the settings the injector put in its environment and runs
// proxy/init/iptables.sh, the one script that installs the traffic
// redirection (the network-namespace end-to-end test runs the same script
// through this command). The rules are described in docs/interception.md.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const usage = `usage: weft proxy-init [--dry-run | --clean] [--iptables CMD]

Redirects the Pod's TCP traffic through the Weft sidecar with iptables (nat
table chains WEFT_INBOUND, WEFT_IN_REDIRECT, WEFT_OUTPUT, WEFT_REDIRECT), in
the current network namespace. Run by the injected init container as root with
NET_ADMIN and NET_RAW. Re-running replaces the rules; it never duplicates them.

Settings come from the environment, as the injector sets them:
  WEFT_PROXY_UID               the proxy's uid, whose traffic is never redirected (required)
  WEFT_PROXY_GID               the proxy's gid, exempted too (default: the uid)
  WEFT_INBOUND_PORT            the proxy's inbound port (required; 15006)
  WEFT_OUTBOUND_PORT           the proxy's outbound port (required; 15001)
  WEFT_EXCLUDE_INBOUND_PORTS   comma-separated ports reached without the proxy
  WEFT_EXCLUDE_OUTBOUND_PORTS  comma-separated destination ports the app reaches directly
  WEFT_IPTABLES                the iptables command (default: iptables; nft or legacy backend)

  --dry-run        print the rules, change nothing (needs no privileges)
  --clean          remove the rules and chains
  --iptables CMD   the iptables command (overrides WEFT_IPTABLES): iptables-nft, iptables-legacy

Exit status: 0 done, 2 bad settings or usage, 3 iptables not installed,
4 not permitted, 5 iptables refused the rules.
`;

/** The script both the init container and the tests run. */
export const IPTABLES_SCRIPT = fileURLToPath(new URL('../../proxy/init/iptables.sh', import.meta.url));

export type Mode = 'apply' | 'clean' | 'dry-run';

export interface InitSettings {
  readonly proxyUid: number;
  readonly proxyGid: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly excludeInboundPorts: readonly number[];
  readonly excludeOutboundPorts: readonly number[];
  readonly iptables: string;
}

type Env = Readonly<Record<string, string | undefined>>;
export type SettingsResult = { readonly ok: true; readonly settings: InitSettings } | { readonly ok: false; readonly errors: readonly string[] };

/** Reads and checks the init container's environment; every error names its variable. */
export function settingsFromEnv(env: Env, iptablesOverride?: string): SettingsResult {
  const errors: string[] = [];
  const id = (name: string, fallback?: number): number => {
    const raw = env[name];
    if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
    if (raw === undefined || raw === '') {
      errors.push(`${name} is not set; the injector sets it (the proxy's uid, 1337 by default)`);
      return -1;
    }
    if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) > 0xffff_fffe) {
      errors.push(`${name}: ${JSON.stringify(raw)} is not a numeric id`);
      return -1;
    }
    return Number(raw);
  };
  const port = (name: string, conventional: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      errors.push(`${name} is not set; the injector sets it (${conventional} by convention)`);
      return -1;
    }
    const n = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      errors.push(`${name}: ${JSON.stringify(raw)} is not a port (1 to 65535)`);
      return -1;
    }
    return n;
  };
  const ports = (name: string): number[] => {
    const out: number[] = [];
    for (const part of (env[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const n = /^[0-9]{1,5}$/.test(part) ? Number(part) : NaN;
      if (n >= 1 && n <= 65535) out.push(n);
      else errors.push(`${name}: ${JSON.stringify(part)} is not a port (1 to 65535); write a comma-separated list such as "8080,9090"`);
    }
    return [...new Set(out)];
  };
  const proxyUid = id('WEFT_PROXY_UID');
  const proxyGid = id('WEFT_PROXY_GID', proxyUid);
  const inboundPort = port('WEFT_INBOUND_PORT', 15006);
  const outboundPort = port('WEFT_OUTBOUND_PORT', 15001);
  if (inboundPort > 0 && inboundPort === outboundPort) errors.push(`WEFT_INBOUND_PORT and WEFT_OUTBOUND_PORT are both ${inboundPort}: they must differ`);
  const excludeInboundPorts = ports('WEFT_EXCLUDE_INBOUND_PORTS');
  const excludeOutboundPorts = ports('WEFT_EXCLUDE_OUTBOUND_PORTS');
  for (const p of [inboundPort, outboundPort]) {
    if (excludeInboundPorts.includes(p)) errors.push(`WEFT_EXCLUDE_INBOUND_PORTS: ${p} is the proxy's own port; excluding it would change nothing but confuse readers`);
  }
  const iptables = iptablesOverride ?? (env['WEFT_IPTABLES'] !== undefined && env['WEFT_IPTABLES'] !== '' ? env['WEFT_IPTABLES'] : 'iptables');
  if (!/^[A-Za-z0-9_./-]+$/.test(iptables)) errors.push(`WEFT_IPTABLES: ${JSON.stringify(iptables)} is not a command name`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: { proxyUid, proxyGid, inboundPort, outboundPort, excludeInboundPorts, excludeOutboundPorts, iptables } };
}

/** The environment the script reads, from checked settings. */
export function scriptEnv(s: InitSettings, base: Env = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    WEFT_PROXY_UID: String(s.proxyUid),
    WEFT_PROXY_GID: String(s.proxyGid),
    WEFT_INBOUND_PORT: String(s.inboundPort),
    WEFT_OUTBOUND_PORT: String(s.outboundPort),
    WEFT_EXCLUDE_INBOUND_PORTS: s.excludeInboundPorts.join(','),
    WEFT_EXCLUDE_OUTBOUND_PORTS: s.excludeOutboundPorts.join(','),
    WEFT_IPTABLES: s.iptables,
  });
  env['PATH'] = withSbin(env['PATH']);
  return env;
}

/** iptables lives in sbin, which a non-login PATH may lack. */
function withSbin(path: string | undefined): string {
  const p = path ?? '/usr/local/bin:/usr/bin:/bin';
  return p.split(':').includes('/usr/sbin') ? p : `${p}:/usr/local/sbin:/usr/sbin:/sbin`;
}

type Parsed = { readonly ok: true; readonly mode: Mode; readonly iptables: string | undefined } | { readonly ok: false; readonly help: boolean; readonly message?: string };

export function parseArgs(argv: readonly string[]): Parsed {
  let mode: Mode = 'apply';
  let iptables: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    switch (a) {
      case '-h':
      case '--help':
        return { ok: false, help: true };
      case '--dry-run':
      case '--clean': {
        const m: Mode = a === '--dry-run' ? 'dry-run' : 'clean';
        if (mode !== 'apply' && mode !== m) return { ok: false, help: false, message: '--dry-run and --clean exclude each other' };
        mode = m;
        break;
      }
      case '--iptables':
        iptables = argv[++i];
        if (iptables === undefined || iptables === '') return { ok: false, help: false, message: '--iptables needs a command, such as iptables-legacy' };
        break;
      default:
        if (a.startsWith('--iptables=')) {
          iptables = a.slice('--iptables='.length);
          break;
        }
        return { ok: false, help: false, message: `unknown argument ${JSON.stringify(a)}` };
    }
  }
  return { ok: true, mode, iptables };
}

export interface RunOptions {
  readonly env?: Env;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((t: string) => void process.stdout.write(t));
  const err = options.err ?? ((t: string) => void process.stderr.write(t));
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      out(usage);
      return 0;
    }
    err(`weft proxy-init: ${parsed.message ?? ''}\n\n${usage}`);
    return 2;
  }
  let childEnv: Record<string, string>;
  if (parsed.mode === 'clean') {
    // Cleaning needs no ports: only which iptables.
    childEnv = { ...definedOnly(env), WEFT_IPTABLES: parsed.iptables ?? env['WEFT_IPTABLES'] ?? 'iptables', PATH: withSbin(env['PATH']) };
  } else {
    const s = settingsFromEnv(env, parsed.iptables);
    if (!s.ok) {
      for (const e of s.errors) err(`weft proxy-init: ${e}\n`);
      return 2;
    }
    childEnv = scriptEnv(s.settings, env);
  }
  const r = spawnSync('/bin/sh', [IPTABLES_SCRIPT, parsed.mode], { env: childEnv, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.error !== undefined) {
    err(`weft proxy-init: cannot run ${IPTABLES_SCRIPT}: ${r.error.message}\n`);
    return 1;
  }
  if (r.stdout !== '') out(r.stdout);
  if (r.stderr !== '') err(r.stderr);
  return r.status ?? 1;
}

function definedOnly(env: Env): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) o[k] = v;
  return o;
}
