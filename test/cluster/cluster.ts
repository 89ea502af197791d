// A real Kubernetes control plane for tests: etcd and kube-apiserver on
// loopback with random ports, as controller-runtime's envtest runs them. No
// kubelet, scheduler or controller-manager: tests create EndpointSlices and
// the like themselves, where a real cluster's controllers would.
//
// The binaries are built from Go modules (test/cluster/apiserver and
// test/cluster/etcd) by `make kube-bin` into .cache/bin.

import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN_DIR = join(REPO_ROOT, '.cache', 'bin');

export interface ClusterOptions {
  /** Where state, certificates and logs go; a fresh temp dir when absent. */
  readonly dir?: string;
  /** Leave the processes running after this process exits (make kube-up). */
  readonly detached?: boolean;
  /** How long to wait for the API server to become ready. */
  readonly readyTimeoutMs?: number;
}

export interface Cluster {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly token: string;
  /** PEM of the API server's serving CA, for clients that verify it. */
  readonly caPem: string;
  readonly pids: { readonly etcd: number; readonly apiserver: number };
  stop(): Promise<void>;
  /** Stops kube-apiserver only (etcd keeps the data), as an API-server restart or outage does. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port, etcd, certificates and tokens; resolves when ready. */
  startApiServer(): Promise<void>;
  /**
   * Stops kube-apiserver and starts it again. With `writeWhileDown`, a key outside
   * the API server's prefix is written to etcd in between, as another API server
   * replica serving writes during the outage would: etcd's revision moves past
   * every resource version a client holds, so the new API server's watch cache
   * starts after them and a watch resumed from one is 410 Gone.
   */
  restartApiServer(opts?: { writeWhileDown?: boolean }): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function binary(name: string): string {
  const p = join(BIN_DIR, name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run \`make kube-bin\` (builds it from the Go module in test/cluster/)`);
  return p;
}

function startProcess(bin: string, args: string[], logFile: string, detached: boolean): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  if (detached) child.unref();
  return child;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, logFile: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready; log: ${logFile}\n${tail(logFile)}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms; log: ${logFile}\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function httpsGet(url: string, token: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, ca, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const etcdBin = binary('etcd');
  const apiBin = binary('kube-apiserver');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'weft-kube-'));
  mkdirSync(dir, { recursive: true });
  const detached = opts.detached ?? false;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;

  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdLog = join(dir, 'etcd.log');
  const etcd = startProcess(etcdBin, [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ], etcdLog, detached);
  const stopAll: ChildProcess[] = [etcd];
  try {
    await waitFor('etcd', readyTimeoutMs, async () => {
      const res = await fetch(`http://127.0.0.1:${etcdClient}/health`);
      return res.ok;
    }, etcdLog, etcd);

    // Service-account tokens are signed with this key; the mesh CA checks them through TokenReview.
    const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const saKey = join(dir, 'sa.key');
    const saPub = join(dir, 'sa.pub');
    writeFileSync(saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
    const token = randomBytes(24).toString('hex');
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    const certDir = join(dir, 'certs');

    const apiLog = join(dir, 'kube-apiserver.log');
    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--etcd-prefix=/weft-${randomBytes(4).toString('hex')}`,
      `--cert-dir=${certDir}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokens}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      // No controller-manager runs to create each namespace's default ServiceAccount.
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
      '--v=1',
    ];
    let api = startProcess(apiBin, apiArgs, apiLog, detached);
    stopAll.push(api);
    const server = `https://127.0.0.1:${apiPort}`;
    let caPem = '';
    const apiReady = (child: ChildProcess): Promise<void> => waitFor('kube-apiserver', readyTimeoutMs, async () => {
      const crt = join(certDir, 'apiserver.crt');
      if (!existsSync(crt)) return false;
      caPem = readFileSync(crt, 'utf8');
      const res = await httpsGet(`${server}/readyz`, token, caPem);
      return res.status === 200;
    }, apiLog, child);
    await apiReady(api);

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: weft-test',
      '  cluster:',
      `    server: ${server}`,
      `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: weft-test',
      '  context: {cluster: weft-test, user: admin}',
      'current-context: weft-test',
      '',
    ].join('\n'), { mode: 0o600 });
    const pids = { etcd: etcd.pid ?? 0, apiserver: api.pid ?? 0 };
    writeFileSync(join(dir, 'pids.json'), JSON.stringify(pids));
    const stopApiServer = (): Promise<void> => stopProcesses([api]);
    const startApiServer = async (): Promise<void> => {
      if (api.exitCode === null && api.signalCode === null) return;
      api = startProcess(apiBin, apiArgs, apiLog, detached);
      pids.apiserver = api.pid ?? 0;
      writeFileSync(join(dir, 'pids.json'), JSON.stringify(pids));
      await apiReady(api);
    };
    return {
      dir, kubeconfig, server, token, caPem, pids,
      stop: async () => {
        await stopProcesses([api, etcd]);
        if (!opts.dir) rmSync(dir, { recursive: true, force: true });
      },
      stopApiServer,
      startApiServer,
      restartApiServer: async (o) => {
        await stopApiServer();
        if (o?.writeWhileDown === true) await etcdPut(etcdClient, '/weft-test/outage', new Date().toISOString());
        await startApiServer();
      },
    };
  } catch (err) {
    await stopProcesses(stopAll.reverse());
    throw err;
  }
}

/** One put through etcd's JSON gateway (keys and values are base64 there). */
async function etcdPut(port: number, key: string, value: string): Promise<void> {
  const b64 = (v: string): string => Buffer.from(v).toString('base64');
  const res = await fetch(`http://127.0.0.1:${port}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64(value) }) });
  if (!res.ok) throw new Error(`etcd put ${key}: HTTP ${res.status}: ${await res.text()}`);
}

async function stopProcesses(children: ChildProcess[]): Promise<void> {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) continue;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Stops processes recorded by a detached start (make kube-down). */
export async function stopRecorded(dir: string): Promise<boolean> {
  const file = join(dir, 'pids.json');
  if (!existsSync(file)) return false;
  const pids = JSON.parse(readFileSync(file, 'utf8')) as { etcd: number; apiserver: number };
  for (const pid of [pids.apiserver, pids.etcd]) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue; // already gone
    }
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return true;
}
