// "Pods" on this machine as Linux network namespaces, for the end-to-end tests
// of transparent interception. One namespace plays the node: it holds a
// bridge (10.244.0.1/24 by default) and, like kube-proxy, DNATs Service VIPs
// to pod addresses. Each pod is a namespace with eth0 (a veth whose peer is
// on the bridge), lo, a default route to the bridge, and its own /etc/hosts
// (ip netns bind-mounts /etc/netns/<name>/hosts).
//
// Everything stays inside namespaces this lab creates: nothing is added to
// the root namespace (no interface, route or NAT rule there), so no packet can
// reach a real network. Names carry the creating process's pid, so a lab left
// behind by a killed run is recognised (its pid is gone) and swept by the next
// one; `close()` removes everything, and runs on process exit too.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'weft-e2e-';
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether this process can build namespaces and use iptables in them; the reason when not. */
export function netnsAvailable(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: `network namespaces and iptables need root (running as uid ${process.getuid?.() ?? '?'}); run the end-to-end tests as root, as CI does` };
  for (const tool of ['ip', 'iptables', 'iptables-restore', 'setpriv']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: SBIN_PATH } });
    if (r.status !== 0) {
      const pkg = tool === 'ip' ? 'iproute2' : tool === 'setpriv' ? 'util-linux' : 'iptables';
      return { ok: false, reason: `${tool} is not installed: apt-get install -y ${pkg}` };
    }
  }
  const probe = `${PREFIX}probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8', env: { PATH: SBIN_PATH } });
  if (add.status !== 0) return { ok: false, reason: `ip netns add is not permitted here: ${add.stderr.trim() || `exit ${add.status}`}` };
  const ipt = spawnSync('ip', ['netns', 'exec', probe, 'iptables', '-t', 'nat', '-S'], { encoding: 'utf8', env: { PATH: SBIN_PATH } });
  spawnSync('ip', ['netns', 'del', probe], { env: { PATH: SBIN_PATH } });
  if (ipt.status !== 0) return { ok: false, reason: `iptables cannot use the nat table in a network namespace: ${ipt.stderr.trim()}` };
  return { ok: true };
}

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  /** Run as this uid/gid (setpriv), e.g. the proxy's 1337. */
  readonly uid?: number;
  readonly gid?: number;
  /** Supplementary groups (none unless given: setpriv --clear-groups). */
  readonly groups?: readonly number[];
  readonly env?: Readonly<Record<string, string>>;
  /** A line on stdout that says the process is ready. */
  readonly readyLine?: string;
  readonly readyTimeoutMs?: number;
}

export interface Pod {
  readonly name: string;
  /** The namespace's name (`ip netns exec <ns>`). */
  readonly ns: string;
  readonly ip: string;
}

interface Tracked {
  readonly label: string;
  readonly child: ChildProcess;
  output: string;
}

export class NetnsLab {
  readonly id: string;
  readonly node: string;
  readonly gateway: string;
  readonly dir: string;
  readonly pods: Pod[] = [];
  readonly #children: Tracked[] = [];
  readonly #namespaces: string[] = [];
  #closed = false;
  readonly #onExit = (): void => this.closeSync();

  private constructor(id: string, gateway: string) {
    this.id = id;
    this.node = `${PREFIX}${id}-node`;
    this.gateway = gateway;
    this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${id}-`));
    process.once('exit', this.#onExit);
  }

  /** The node namespace with its bridge at `gateway`/24. */
  static create(options: { readonly gateway?: string } = {}): NetnsLab {
    sweepStale();
    const lab = new NetnsLab(String(process.pid), options.gateway ?? '10.244.0.1');
    try {
      lab.#addNamespace(lab.node);
      lab.ipIn(lab.node, 'link', 'set', 'lo', 'up');
      lab.ipIn(lab.node, 'link', 'add', 'br0', 'type', 'bridge');
      lab.ipIn(lab.node, 'addr', 'add', `${lab.gateway}/24`, 'dev', 'br0');
      lab.ipIn(lab.node, 'link', 'set', 'br0', 'up');
      // Routing between pods and VIPs happens here, inside the node namespace only.
      lab.mustExec(lab.node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    } catch (e) {
      lab.closeSync();
      throw e;
    }
    return lab;
  }

  /** A pod: its namespace, eth0 on the bridge at `ip`/24, lo, default route via the bridge, its hosts file. */
  addPod(name: string, ip: string, hosts: Readonly<Record<string, string>> = {}): Pod {
    const ns = `${PREFIX}${this.id}-${name}`;
    this.#addNamespace(ns);
    const host = `v${this.pods.length}`; // the bridge side, inside the node namespace
    this.ipIn(this.node, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    this.ipIn(this.node, 'link', 'set', host, 'master', 'br0', 'up');
    this.ipIn(ns, 'link', 'set', 'lo', 'up');
    this.ipIn(ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    this.ipIn(ns, 'link', 'set', 'eth0', 'up');
    this.ipIn(ns, 'route', 'add', 'default', 'via', this.gateway);
    this.writeHosts(ns, hosts);
    const pod = { name, ns, ip };
    this.pods.push(pod);
    return pod;
  }

  /** /etc/netns/<ns>/hosts, which `ip netns exec` shows as /etc/hosts. */
  writeHosts(ns: string, hosts: Readonly<Record<string, string>>): void {
    mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    const lines = ['127.0.0.1 localhost', ...Object.entries(hosts).map(([name, ip]) => `${ip} ${name}`)];
    writeFileSync(`/etc/netns/${ns}/hosts`, `${lines.join('\n')}\n`);
  }

  /** kube-proxy's part, in the node namespace: VIP:port → pod:port, masqueraded so replies come back through here. */
  addServiceVip(vip: string, port: number, podIp: string, targetPort: number = port): void {
    this.mustExec(this.node, ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', `${vip}/32`, '-p', 'tcp', '--dport', String(port), '-j', 'DNAT', '--to-destination', `${podIp}:${targetPort}`]);
    const masq = ['-t', 'nat', '-C', 'POSTROUTING', '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE'];
    if (this.exec(this.node, ['iptables', ...masq]).status !== 0) this.mustExec(this.node, ['iptables', ...masq.map((a) => (a === '-C' ? '-A' : a))]);
  }

  ipIn(ns: string, ...args: string[]): void {
    this.mustExec(undefined, ['ip', '-n', ns, ...args]);
  }

  /** Runs a command in a namespace (or the root one for `undefined`) and waits. */
  exec(ns: string | undefined, argv: readonly string[], options: { readonly env?: Readonly<Record<string, string>>; readonly uid?: number; readonly gid?: number; readonly groups?: readonly number[] } = {}): ExecResult {
    const full = this.#argv(ns, argv, options);
    const r = spawnSync(full[0] ?? 'ip', full.slice(1), { encoding: 'utf8', env: { PATH: SBIN_PATH, ...options.env }, timeout: 30_000 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.error !== undefined ? r.error.message : (r.stderr ?? '') };
  }

  mustExec(ns: string | undefined, argv: readonly string[], options: { readonly env?: Readonly<Record<string, string>> } = {}): ExecResult {
    const r = this.exec(ns, argv, options);
    if (r.status !== 0) throw new Error(`${ns === undefined ? '' : `[${ns}] `}${argv.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
    return r;
  }

  /** Starts a long-running process in a namespace; stopped by close(). Resolves once it prints `readyLine` (if given). */
  async spawn(label: string, ns: string, argv: readonly string[], options: SpawnOptions = {}): Promise<ChildProcess> {
    const full = this.#argv(ns, argv, options);
    const child = spawn(full[0] ?? 'ip', full.slice(1), { env: { PATH: SBIN_PATH, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tracked: Tracked = { label, child, output: '' };
    this.#children.push(tracked);
    const keep = (c: Buffer): void => {
      tracked.output = (tracked.output + c.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (options.readyLine === undefined) return child;
    const line = options.readyLine;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${label}: not ready within ${options.readyTimeoutMs ?? 15_000} ms; output:\n${tracked.output}`)), options.readyTimeoutMs ?? 15_000);
      const onData = (): void => {
        if (tracked.output.includes(line)) done();
      };
      const onExit = (code: number | null): void => done(new Error(`${label} exited (${code}) before it was ready; output:\n${tracked.output}`));
      const done = (err?: Error): void => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        if (err === undefined) resolve();
        else reject(err);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
      onData();
    });
    return child;
  }

  /** What a started process printed (the last 20 kB), for failure messages. */
  output(label: string): string {
    return this.#children.find((t) => t.label === label)?.output ?? '';
  }

  /** Stops every process (by pid) and removes namespaces, hosts files and the scratch folder. */
  async close(): Promise<void> {
    const running = this.#children.filter((t) => t.child.exitCode === null && t.child.signalCode === null);
    for (const t of running) t.child.kill('SIGTERM');
    await Promise.all(
      running.map(
        (t) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              t.child.kill('SIGKILL');
              resolve();
            }, 3000);
            t.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    this.closeSync();
  }

  closeSync(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.off('exit', this.#onExit);
    for (const t of this.#children) if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill('SIGKILL');
    for (const ns of [...this.#namespaces].reverse()) removeNamespace(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #addNamespace(ns: string): void {
    removeNamespace(ns);
    this.mustExec(undefined, ['ip', 'netns', 'add', ns]);
    this.#namespaces.push(ns);
  }

  #argv(ns: string | undefined, argv: readonly string[], o: { readonly uid?: number; readonly gid?: number; readonly groups?: readonly number[] }): string[] {
    const as: string[] = [];
    if (o.uid !== undefined) {
      as.push('setpriv', `--reuid=${o.uid}`, `--regid=${o.gid ?? o.uid}`);
      as.push(o.groups !== undefined && o.groups.length > 0 ? `--groups=${o.groups.join(',')}` : '--clear-groups');
    }
    return ns === undefined ? [...as, ...argv] : ['ip', 'netns', 'exec', ns, ...as, ...argv];
  }
}

function removeNamespace(ns: string): void {
  // Processes left in it would keep it alive: kill them by the pids the kernel lists for it.
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', env: { PATH: SBIN_PATH } });
  for (const p of (pids.stdout ?? '').split(/\s+/).filter((s) => /^[0-9]+$/.test(s))) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  if (existsSync(`/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns], { env: { PATH: SBIN_PATH } });
  rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}

/** Namespaces of labs whose process is gone (a run that was killed). */
function sweepStale(): void {
  if (!existsSync('/run/netns')) return;
  for (const name of readdirSync('/run/netns')) {
    const m = /^weft-e2e-([0-9]+)-/.exec(name);
    if (m === null || Number(m[1]) === process.pid) continue;
    if (existsSync(`/proc/${m[1]}`)) continue;
    removeNamespace(name);
  }
}
