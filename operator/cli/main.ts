// The `weft` command. Each subcommand lives in its own file exporting
// `run(argv): Promise<number>` (the exit code) and `usage`; adding one is one
// entry in COMMANDS. Modules load lazily, so `weft validate` does not pay for
// the proxy or the xDS server.

import { readFileSync } from 'node:fs';
import { closest } from '../api/rules/context.ts';

export interface CommandModule {
  run(argv: readonly string[]): Promise<number>;
  readonly usage: string;
}

interface Command {
  readonly summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  validate: { summary: 'check manifests offline, exactly as admission would', load: () => import('./validate.ts') },
  compile: { summary: "print the Envoy xDS resources a workload's proxy would receive", load: () => import('./compile.ts') },
  proxy: { summary: 'run the data-plane proxy from an Envoy v3 bootstrap', load: () => import('./proxy.ts') },
  'proxy-init': { summary: "redirect a Pod's traffic through its sidecar with iptables (the injected init container)", load: () => import('./proxy-init.ts') },
  operator: { summary: 'run the control plane against a Kubernetes cluster', load: () => import('./operator.ts') },
  up: { summary: 'run the whole mesh on this machine from a folder of manifests', load: () => import('./up.ts') },
  status: { summary: 'show the proxies and resources of the running `weft up`', load: () => import('./status.ts') },
};

/** Exit codes: 0 success, 1 the command found problems, 2 the command line is wrong. */
export const EXIT_USAGE = 2;

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: weft <command> [arguments]',
    '',
    'Weft is a service mesh. Commands:',
    ...lines,
    '',
    '`weft help <command>` (or `weft <command> --help`) shows a command\'s usage.',
    '',
  ].join('\n');
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(usage());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    io.out(usage());
    return 0;
  }
  if (first === '--version' || first === 'version') {
    io.out(`weft ${version()}\n`);
    return 0;
  }
  if (first === 'help') {
    const name = rest[0] ?? '';
    const command = COMMANDS[name];
    if (command === undefined) return unknown(name, io);
    io.out((await command.load()).usage);
    return 0;
  }
  const command = COMMANDS[first];
  if (command === undefined) return unknown(first, io);
  return (await command.load()).run(rest);
}

function unknown(name: string, io: Io): number {
  const guess = closest(name, Object.keys(COMMANDS));
  io.err(`weft: unknown command ${JSON.stringify(name)}${guess !== undefined ? `; did you mean "${guess}"?` : ''}\n\n${usage()}`);
  return EXIT_USAGE;
}

function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
  } catch {
    return 'unknown';
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`weft: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70; // EX_SOFTWARE: a bug, not bad input
    },
  );
}
