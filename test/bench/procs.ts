// Every process the benchmark starts goes through a Supervisor: each runs in a
// process group of its own (so nginx's workers and a shell's children go with
// it), its output goes to a log file, and stopAll() ends every group still
// alive. installCleanup() makes that happen on Ctrl-C, SIGTERM, an uncaught
// error and plain exit, so a failed run leaves nothing listening.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StartOptions {
  /** CPUs to pin the process to with taskset (e.g. "1"); unpinned when absent. */
  readonly cpus?: string;
  /** Run under SCHED_FIFO at this priority (chrt -f), so other tenants of the machine cannot delay it. */
  readonly fifoPriority?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface Managed {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** The log's last lines, to explain a failure. */
  tail(lines?: number): string;
}

interface Entry {
  readonly managed: Managed;
}

export class Supervisor {
  readonly #logDir: string;
  readonly #entries = new Map<number, Entry>();

  constructor(logDir: string) {
    this.#logDir = logDir;
  }

  /** Starts a long-running process; its output goes to LOGDIR/NAME.log. */
  start(name: string, command: string, args: readonly string[], options: StartOptions = {}): Managed {
    return this.#spawn(name, command, args, options, false).managed;
  }

  #spawn(name: string, command: string, args: readonly string[], options: StartOptions, captureStdout: boolean): { managed: Managed; child: ChildProcess } {
    let [file, argv] = [command, [...args]];
    if (options.fifoPriority !== undefined) [file, argv] = ['chrt', ['-f', String(options.fifoPriority), file, ...argv]];
    if (options.cpus !== undefined) [file, argv] = ['taskset', ['-c', options.cpus, file, ...argv]];
    const logFile = join(this.#logDir, `${name}.log`);
    // The child writes its log itself: nothing of its output passes through
    // this process, which shares a core with the load generator.
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, argv, {
        detached: true, // its own process group: stopped as a whole
        stdio: ['ignore', captureStdout ? 'pipe' : fd, fd],
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
      });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${name}: could not start ${file} (is it installed and on PATH?)`);
    let running = true;
    const exited = new Promise<number | string>((resolve) => {
      child.on('error', () => {
        running = false;
        resolve('spawn error');
      });
      child.on('exit', (code, signal) => {
        running = false;
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const managed: Managed = {
      name,
      pid,
      logFile,
      exited,
      alive: () => running,
      tail: (lines = 20) => {
        try {
          return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
          return '';
        }
      },
    };
    this.#entries.set(pid, { managed });
    return { managed, child };
  }

  /** Runs a process to completion and returns its stdout; throws with its output when it fails. */
  async run(name: string, command: string, args: readonly string[], options: StartOptions & { timeoutMs?: number } = {}): Promise<string> {
    const { managed, child } = this.#spawn(name, command, args, options, true);
    const out: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    const timer = options.timeoutMs !== undefined ? setTimeout(() => killGroup(managed.pid, 'SIGKILL'), options.timeoutMs) : undefined;
    const result = await managed.exited;
    // stdout may still be draining after exit
    await new Promise<void>((resolve) => (child.stdout === null || child.stdout.readableEnded ? resolve() : child.stdout.once('close', () => resolve())));
    if (timer !== undefined) clearTimeout(timer);
    await this.stop(managed);
    const stdout = Buffer.concat(out).toString('utf8');
    if (result !== 0) {
      const why = typeof result === 'string' ? `ended by ${result}${options.timeoutMs !== undefined ? ` (time limit ${options.timeoutMs} ms)` : ''}` : `exited with ${result}`;
      throw new Error(`${name}: ${command} ${args.join(' ')} ${why}:\n${managed.tail() || stdout.trim()}`);
    }
    return stdout;
  }

  /** Ends one process's group: SIGTERM, then SIGKILL after graceMs. */
  async stop(managed: Managed, graceMs = 3000): Promise<void> {
    const entry = this.#entries.get(managed.pid);
    if (entry === undefined) return;
    if (managed.alive()) {
      killGroup(managed.pid, 'SIGTERM');
      const done = await Promise.race([managed.exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) killGroup(managed.pid, 'SIGKILL');
    }
    // Whatever the leader left in its group goes too.
    killGroup(managed.pid, 'SIGKILL');
    await Promise.race([managed.exited, sleep(1000)]);
    this.#entries.delete(managed.pid);
  }

  async stopAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => this.stop(e.managed, graceMs)));
  }

  /** Synchronous last resort, for process exit: SIGKILL to every group still known. */
  killAllNow(): void {
    for (const pid of this.#entries.keys()) killGroup(pid, 'SIGKILL');
    this.#entries.clear();
  }

  /** Pids of every running process this supervisor started (group leaders). */
  pids(): number[] {
    return [...this.#entries.keys()];
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Ends every supervised process when this process is interrupted, terminated
 * or fails, then exits with the conventional code. Returns a function that
 * removes the handlers.
 */
export function installCleanup(supervisor: Supervisor, say: (line: string) => void): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    say(`bench: ${signal}: stopping every process the benchmark started`);
    void supervisor.stopAll(1000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const onExit = (): void => supervisor.killAllNow();
  const onFatal = (error: unknown): void => {
    say(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    supervisor.killAllNow();
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', onExit);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('exit', onExit);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}

/** Waits until something accepts TCP connections on 127.0.0.1:port, or throws naming what did not come up. */
export async function waitForPort(port: number, what: string, timeoutMs = 10_000, managed?: Managed): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (managed !== undefined && !managed.alive()) {
      throw new Error(`${what} exited before listening on 127.0.0.1:${port}:\n${managed.tail()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} is not listening on 127.0.0.1:${port} after ${timeoutMs} ms${managed !== undefined ? `:\n${managed.tail()}` : ''}`);
    }
    await sleep(50);
  }
}

// ---- /proc -----------------------------------------------------------------

/** The pid and every descendant of it (nginx's workers, a shell's children). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (pid === undefined) break;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

interface Stat {
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { ppid, cpuTicks: utime + stime };
}

/**
 * Sets the scheduling policy of the processes: SCHED_FIFO at `priority`, or
 * back to normal; of every thread, or of the main thread only. Returns the
 * first error, or undefined. Needs root (CAP_SYS_NICE).
 */
export function setScheduling(pids: readonly number[], priority: number | 'normal', threads: 'all' | 'main' = 'all'): string | undefined {
  for (const pid of pids) {
    const which = threads === 'all' ? ['-a'] : [];
    const args = priority === 'normal' ? [...which, '-o', '-p', '0', String(pid)] : [...which, '-f', '-p', String(priority), String(pid)];
    try {
      execFileSync('chrt', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      if (!existsSync(`/proc/${pid}`)) continue; // exited meanwhile
      const err = e as { stderr?: Buffer; message: string };
      return `chrt ${args.join(' ')}: ${err.stderr?.toString().trim() || err.message}`;
    }
  }
  return undefined;
}

/**
 * Sets the nice value of every thread of the processes (nice is per thread
 * on Linux, so each task is set). Returns the first error, or undefined.
 * Below 0 needs root (CAP_SYS_NICE).
 */
export function setNice(pids: readonly number[], nice: number): string | undefined {
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    try {
      execFileSync('renice', ['-n', String(nice), '-p', ...tids], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      if (!existsSync(`/proc/${pid}`)) continue;
      const err = e as { stderr?: Buffer; message: string };
      return `renice -n ${nice} -p ${tids.join(' ')}: ${err.stderr?.toString().trim() || err.message}`;
    }
  }
  return undefined;
}

/** Resident memory of the processes, in bytes (VmRSS from /proc/PID/status). */
export function rssBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^VmRSS:\s+([0-9]+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m?.[1] !== undefined) total += Number(m[1]) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/**
 * Of the resident memory, the part that is the processes' own (RssAnon:
 * heap, stacks, buffers), in bytes. The rest (RssFile) is mostly the pages
 * of the program's binary it has touched, shared with every process running
 * the same binary on the host.
 */
export function anonRssBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^RssAnon:\s+([0-9]+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m?.[1] !== undefined) total += Number(m[1]) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** CPU time used so far by the processes, in clock ticks (USER_HZ, 100 on Linux). */
export function cpuTicks(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += readStat(pid)?.cpuTicks ?? 0;
  return total;
}

/** Busy and total ticks per CPU from /proc/stat. */
export function cpuTimes(): Map<number, { busy: number; total: number }> {
  const out = new Map<number, { busy: number; total: number }>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu([0-9]+) (.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // without guest time, already in user
    out.set(Number(m[1]), { busy: total - idle, total });
  }
  return out;
}

export const USER_HZ = 100;
