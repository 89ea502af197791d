// `weft operator`: the control plane against a cluster. Watches the mesh
// resources and the registry, builds mesh snapshots, and (as the elected
// leader) writes each resource's status and Events. Serves /healthz and
// /readyz for the Deployment's probes. SIGTERM or SIGINT stop it cleanly:
// the lease is released so another replica takes over at once.

import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { pino, type Level } from 'pino';
import { parseDuration } from '../api/duration.ts';
import { Operator } from '../k8s/operator.ts';
import { defaultLeaderTimings } from '../k8s/leader.ts';
import type { MtlsMode } from '../compile/snapshot.ts';
import { errorMessage } from '../k8s/objects.ts';

export const usage = `usage: weft operator [options]

Runs the Weft control plane against a Kubernetes cluster: watches
VirtualServices, AuthorizationPolicies and TrafficSplits (weft.dev, and
split.smi-spec.io when served), Services, EndpointSlices, Pods and
Namespaces; writes each mesh resource's status conditions (Accepted,
ResolvedRefs, Programmed, Ready) and Events. Several replicas may run: one,
elected through a Lease, writes.

  --kubeconfig PATH        kubeconfig to use (default: in-cluster config when
                           running in a Pod, else $KUBECONFIG or ~/.kube/config)
  --context NAME           kubeconfig context (default: its current context)
  --namespace NS           the operator's namespace: its Lease lives here, and
                           AuthorizationPolicies here apply mesh-wide
                           (default: weft-system)
  --identity NAME          this replica's name in the Lease and Events
                           (default: host name and a random suffix)
  --lease-name NAME        (default: weft-operator)
  --lease-duration D       how long an unrenewed lease keeps others away (default: 15s)
  --renew-deadline D       how long the leader tries to renew before it stops
                           leading (default: 10s)
  --retry-period D         how often to try to acquire or renew (default: 2s)
  --no-leader-election     write status without electing a leader (one replica only)
  --health-addr ADDR       serve /healthz and /readyz on [HOST]:PORT (default: :8081;
                           "0" turns it off)
  --trust-domain TD        SPIFFE trust domain (default: cluster.local)
  --cluster-domain D       Kubernetes DNS domain (default: cluster.local)
  --mtls MODE              mesh-wide mTLS mode: PERMISSIVE (default) or STRICT;
                           a namespace's label weft.dev/mtls overrides it
  --log-level LEVEL        trace, debug, info (default), warn, error

Logs are JSON lines (pino) on standard output. Exit status: 0 after a clean
stop, 1 when it cannot start, 2 usage.
`;

interface Options {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly namespace: string;
  readonly identity: string | undefined;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly leaderElection: boolean;
  readonly healthAddr: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly mtls: MtlsMode;
  readonly logLevel: Level;
}

type Parsed = { readonly ok: true; readonly options: Options } | { readonly ok: false; readonly help: boolean; readonly message?: string };

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function parseArgs(argv: readonly string[]): Parsed {
  const o = {
    kubeconfig: undefined as string | undefined,
    context: undefined as string | undefined,
    namespace: 'weft-system',
    identity: undefined as string | undefined,
    leaseName: 'weft-operator',
    leaseDurationMs: defaultLeaderTimings.leaseDurationMs as number,
    renewDeadlineMs: defaultLeaderTimings.renewDeadlineMs as number,
    retryPeriodMs: defaultLeaderTimings.retryPeriodMs as number,
    leaderElection: true,
    healthAddr: ':8081',
    trustDomain: 'cluster.local',
    clusterDomain: 'cluster.local',
    mtls: 'PERMISSIVE' as MtlsMode,
    logLevel: 'info' as Level,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i]);
    const text = (what: string): string | { error: string } => {
      const v = value();
      return v === undefined || v === '' ? { error: `${flag} takes ${what}` } : v;
    };
    const duration = (): number | { error: string } => {
      const v = value() ?? '';
      const d = parseDuration(v);
      return d.ok && d.ms > 0 ? d.ms : { error: `${flag} takes a duration such as 15s or 500ms (got ${JSON.stringify(v)})` };
    };
    let r: string | number | { error: string } | undefined;
    switch (flag) {
      case '-h':
      case '--help':
        return { ok: false, help: true };
      case '--kubeconfig': r = text('a file path'); if (typeof r === 'string') o.kubeconfig = r; break;
      case '--context': r = text('a context name'); if (typeof r === 'string') o.context = r; break;
      case '--namespace':
      case '-n': r = text('a namespace name'); if (typeof r === 'string') o.namespace = r; break;
      case '--identity': r = text('a name'); if (typeof r === 'string') o.identity = r; break;
      case '--lease-name': r = text('a Lease name'); if (typeof r === 'string') o.leaseName = r; break;
      case '--lease-duration': r = duration(); if (typeof r === 'number') o.leaseDurationMs = r; break;
      case '--renew-deadline': r = duration(); if (typeof r === 'number') o.renewDeadlineMs = r; break;
      case '--retry-period': r = duration(); if (typeof r === 'number') o.retryPeriodMs = r; break;
      case '--no-leader-election': o.leaderElection = false; break;
      case '--health-addr': r = text('[HOST]:PORT or 0'); if (typeof r === 'string') o.healthAddr = r; break;
      case '--trust-domain': r = text('a domain such as cluster.local'); if (typeof r === 'string') o.trustDomain = r; break;
      case '--cluster-domain': r = text('a domain such as cluster.local'); if (typeof r === 'string') o.clusterDomain = r; break;
      case '--mtls': {
        const v = value()?.toUpperCase();
        if (v !== 'STRICT' && v !== 'PERMISSIVE') return { ok: false, help: false, message: `--mtls takes STRICT or PERMISSIVE (got ${JSON.stringify(v ?? '')})` };
        o.mtls = v;
        break;
      }
      case '--log-level': {
        const v = value() ?? '';
        if (!(LEVELS as readonly string[]).includes(v)) return { ok: false, help: false, message: `--log-level takes one of ${LEVELS.join(', ')} (got ${JSON.stringify(v)})` };
        o.logLevel = v as Level;
        break;
      }
      default:
        return { ok: false, help: false, message: `unknown ${a.startsWith('-') ? 'option' : 'argument'} ${JSON.stringify(a)}` };
    }
    if (typeof r === 'object') return { ok: false, help: false, message: r.error };
  }
  if (o.leaderElection) {
    if (!(o.renewDeadlineMs < o.leaseDurationMs)) return { ok: false, help: false, message: '--renew-deadline must be shorter than --lease-duration' };
    if (!(o.retryPeriodMs < o.renewDeadlineMs)) return { ok: false, help: false, message: '--retry-period must be shorter than --renew-deadline' };
  }
  if (o.healthAddr !== '0' && parseAddr(o.healthAddr) === undefined) return { ok: false, help: false, message: `--health-addr takes [HOST]:PORT or 0 (got ${JSON.stringify(o.healthAddr)})` };
  return { ok: true, options: o };
}

function parseAddr(addr: string): { host: string | undefined; port: number } | undefined {
  const m = /^(.*):([0-9]{1,5})$/.exec(addr);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? undefined : host, port };
}

/** The kubeconfig: the file named, else in-cluster when in a Pod, else the usual defaults. */
export function loadKubeConfig(file: string | undefined, context: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (file !== undefined) kc.loadFromFile(file);
  else if (env['KUBERNETES_SERVICE_HOST'] !== undefined && env['KUBERNETES_SERVICE_PORT'] !== undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (context !== undefined) kc.setCurrentContext(context);
  if (kc.getCurrentCluster() === null) throw new Error(file !== undefined ? `${file}: no current cluster (set current-context or pass --context)` : 'no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or run in a Pod');
  return kc;
}

export async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(usage);
      return 0;
    }
    process.stderr.write(`weft operator: ${parsed.message ?? 'bad arguments'}\n\n${usage}`);
    return 2;
  }
  const o = parsed.options;
  const log = pino({ level: o.logLevel, base: { component: 'weft-operator' } });
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = loadKubeConfig(o.kubeconfig, o.context, process.env);
  } catch (e) {
    process.stderr.write(`weft operator: ${errorMessage(e)}\n`);
    return 1;
  }
  const identity = o.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const operator = new Operator({
    kubeConfig,
    namespace: o.namespace,
    identity,
    log,
    leaderElection: o.leaderElection ? { leaseName: o.leaseName, leaseDurationMs: o.leaseDurationMs, renewDeadlineMs: o.renewDeadlineMs, retryPeriodMs: o.retryPeriodMs } : false,
    settings: { trustDomain: o.trustDomain, clusterDomain: o.clusterDomain, defaultMtls: o.mtls, rootNamespace: o.namespace },
  });

  let health: Server | undefined;
  const addr = o.healthAddr === '0' ? undefined : parseAddr(o.healthAddr);
  if (addr !== undefined) {
    health = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      if (path === '/readyz') {
        return void (operator.ready
          ? res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok (leader: ${operator.leader ?? 'none'})\n`)
          : res.writeHead(503, { 'content-type': 'text/plain' }).end('caches not synced\n'));
      }
      res.writeHead(404).end();
    });
    const server = health;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => resolve());
    }).catch((e: unknown) => {
      log.error({ err: errorMessage(e), addr: o.healthAddr }, 'cannot serve health probes');
      throw e;
    });
  }

  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      operator
        .stop()
        .catch((e: unknown) => log.error({ err: errorMessage(e) }, 'stop failed'))
        .finally(() => health?.close(() => resolve()) ?? resolve());
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  operator.start().catch((e: unknown) => log.error({ err: errorMessage(e) }, 'start failed'));
  await stopped;
  return 0;
}
