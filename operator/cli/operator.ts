// `weft operator`: the control plane against a cluster. Watches the mesh
// resources and the registry, builds mesh snapshots and serves them over xDS
// (every replica), runs the mesh CA (kept in Secret weft-ca) and the
// admission webhooks, and (as the elected leader) writes each resource's
// status and Events, creates the CA, and publishes its trust bundle. Serves
// /healthz and /readyz for the Deployment's probes. SIGTERM or SIGINT stop it
// cleanly: the lease is released so another replica takes over at once.

import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino, type Level, type Logger } from 'pino';
import { parseDuration } from '../api/duration.ts';
import { Operator } from '../k8s/operator.ts';
import { ControlPlane, type Listen } from '../k8s/controlplane.ts';
import { defaultLeaderTimings } from '../k8s/leader.ts';
import type { MtlsMode } from '../compile/snapshot.ts';
import { errorMessage } from '../k8s/objects.ts';
import { readSuppliedRoot } from '../ca/supplied.ts';
import type { CertKeyPem } from '../ca/store.ts';

export const usage = `usage: weft operator [options]

Runs the Weft control plane against a Kubernetes cluster: watches
VirtualServices, AuthorizationPolicies and TrafficSplits (weft.dev, and
split.smi-spec.io when served), Services, EndpointSlices, Pods and
Namespaces; serves each proxy its config over xDS (ADS); runs the mesh CA
(Secret weft-ca in --namespace) and the admission webhooks (validation and
sidecar injection); writes each mesh resource's status conditions (Accepted,
ResolvedRefs, Programmed: acknowledged by N of M proxies, Ready) and Events.
Several replicas may run: all serve xDS and the webhooks; one, elected
through a Lease, writes status, creates the CA and publishes its trust bundle
(ConfigMap weft-ca-root-cert, the webhook configurations' caBundle).

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
  --xds-addr ADDR          plaintext xDS on [HOST]:PORT (default: 127.0.0.1:15010,
                           this Pod only, for port-forwards and local runs; "0" off)
  --xds-tls-addr ADDR      xDS over TLS, certificate for weft.NS.svc from the mesh CA
                           (default: :15012; "0" off)
  --webhook-addr ADDR      admission webhooks over TLS, certificate for
                           weft-webhook.NS.svc (default: :9443; "0" off)
  --webhook-ip IP          also name this IP in the webhook's certificate (when the
                           API server calls it by URL); repeatable
  --proxy-image IMAGE      the image injected sidecars run (default: weft:latest)
  --trust-domain TD        SPIFFE trust domain (default: cluster.local)
  --ca-root DIR            sign the mesh intermediate with your own root CA:
                           DIR holds tls.crt and tls.key (a cert-manager CA
                           Secret mounted as a volume); used when the weft-ca
                           Secret does not exist yet, and must match it after
  --cluster-domain D       Kubernetes DNS domain (default: cluster.local)
  --mtls MODE              mesh-wide mTLS mode: PERMISSIVE (default) or STRICT;
                           a namespace's label weft.dev/mtls overrides it
  --log-level LEVEL        trace, debug, info (default), warn, error

Logs are JSON lines (pino) on standard output. Exit status: 0 after a clean
stop, 1 when it cannot start, 2 usage.
`;

export interface Options {
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
  readonly xdsAddr: string;
  readonly xdsTlsAddr: string;
  readonly webhookAddr: string;
  readonly webhookIps: readonly string[];
  readonly proxyImage: string | undefined;
  /** A folder with the user's root CA (tls.crt, tls.key: a mounted cert-manager Secret); undefined: a generated root. */
  readonly caRootDir: string | undefined;
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
    caRootDir: undefined as string | undefined,
    mtls: 'PERMISSIVE' as MtlsMode,
    logLevel: 'info' as Level,
    xdsAddr: '127.0.0.1:15010',
    xdsTlsAddr: ':15012',
    webhookAddr: ':9443',
    webhookIps: [] as string[],
    proxyImage: undefined as string | undefined,
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
      case '--xds-addr': r = text('[HOST]:PORT or 0'); if (typeof r === 'string') o.xdsAddr = r; break;
      case '--xds-tls-addr': r = text('[HOST]:PORT or 0'); if (typeof r === 'string') o.xdsTlsAddr = r; break;
      case '--webhook-addr': r = text('[HOST]:PORT or 0'); if (typeof r === 'string') o.webhookAddr = r; break;
      case '--webhook-ip': {
        const v = value() ?? '';
        if (isIP(v) === 0) return { ok: false, help: false, message: `--webhook-ip takes an IPv4 or IPv6 address (got ${JSON.stringify(v)})` };
        o.webhookIps.push(v);
        break;
      }
      case '--proxy-image': r = text('an image reference'); if (typeof r === 'string') o.proxyImage = r; break;
      case '--trust-domain': r = text('a domain such as cluster.local'); if (typeof r === 'string') o.trustDomain = r; break;
      case '--ca-root': r = text('a folder holding tls.crt and tls.key'); if (typeof r === 'string') o.caRootDir = r; break;
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
  for (const [flag, v] of [['--health-addr', o.healthAddr], ['--xds-addr', o.xdsAddr], ['--xds-tls-addr', o.xdsTlsAddr], ['--webhook-addr', o.webhookAddr]] as const) {
    if (v !== '0' && parseAddr(v) === undefined) return { ok: false, help: false, message: `${flag} takes [HOST]:PORT or 0 (got ${JSON.stringify(v)})` };
  }
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
  let fatal: (() => void) | undefined;
  let failed = false;
  let running: RunningOperator;
  try {
    running = await startOperator(o, {
      kubeConfig,
      identity,
      log,
      onFatal: () => {
        failed = true;
        fatal?.();
      },
    });
  } catch (e) {
    log.error({ err: errorMessage(e) }, 'cannot start');
    return 1;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      running.stop().finally(resolve);
    };
    fatal = () => stop('fatal');
    if (failed) stop('fatal');
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return failed ? 1 : 0;
}

export interface RunningOperator {
  readonly operator: Operator;
  readonly controlPlane: ControlPlane;
  /** Bound health port, when served. */
  readonly healthPort: number | undefined;
  /** Caches synced, a snapshot built, the CA loaded and every server listening. */
  readonly ready: boolean;
  /** Stops writing (hands back the Lease), then closes the servers. */
  stop(): Promise<void>;
}

const listenOf = (addr: string): Listen | false => {
  if (addr === '0') return false;
  const a = parseAddr(addr);
  return a === undefined ? false : { port: a.port, ...(a.host === undefined ? {} : { address: a.host }) };
};

/**
 * Everything `weft operator` runs, in this process: the reconciler, the
 * control plane (CA, xDS, webhooks) and the health server. Resolves once every
 * server listens; the informers sync and the CA loads in the background
 * (readiness says when). Tests start it here with ephemeral ports.
 */
export async function startOperator(
  o: Options,
  deps: {
    readonly kubeConfig: KubeConfig;
    readonly identity: string;
    readonly log: Logger;
    /** A part could not start (a port taken, a broken CA Secret): the caller should stop. */
    readonly onFatal?: (error: unknown) => void;
  },
): Promise<RunningOperator> {
  const { kubeConfig, identity, log } = deps;
  let caRoot: CertKeyPem | undefined;
  if (o.caRootDir !== undefined) {
    const r = await readSuppliedRoot(o.caRootDir);
    if (!r.ok) throw new Error(`--ca-root: ${r.message}`);
    caRoot = r.root;
  }
  let operator: Operator | undefined;
  const webhook = listenOf(o.webhookAddr);
  const controlPlane = new ControlPlane({
    kubeConfig,
    ...(caRoot !== undefined ? { caRoot } : {}),
    namespace: o.namespace,
    identity,
    log,
    trustDomain: o.trustDomain,
    clusterDomain: o.clusterDomain,
    xdsPlaintext: listenOf(o.xdsAddr),
    xdsTls: listenOf(o.xdsTlsAddr),
    webhook: webhook === false ? false : { ...webhook, ipAddresses: o.webhookIps, ...(o.proxyImage === undefined ? {} : { proxyImage: o.proxyImage }) },
    ...(o.proxyImage === undefined ? {} : { proxyImage: o.proxyImage }),
    isLeader: () => operator?.isLeader() ?? false,
  });
  operator = new Operator({
    kubeConfig,
    namespace: o.namespace,
    identity,
    log,
    leaderElection: o.leaderElection ? { leaseName: o.leaseName, leaseDurationMs: o.leaseDurationMs, renewDeadlineMs: o.renewDeadlineMs, retryPeriodMs: o.retryPeriodMs } : false,
    settings: { trustDomain: o.trustDomain, clusterDomain: o.clusterDomain, defaultMtls: o.mtls, rootNamespace: o.namespace },
    sink: controlPlane.sink,
    programmed: controlPlane.programmed,
  });
  const op = operator;
  const ready = (): boolean => op.ready && controlPlane.ready;

  let health: Server | undefined;
  const addr = o.healthAddr === '0' ? undefined : parseAddr(o.healthAddr);
  if (addr !== undefined) {
    health = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      if (path === '/readyz') {
        if (ready()) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok (leader: ${op.leader ?? 'none'})\n`);
        const waiting = [...(op.ready ? [] : ['caches not synced']), ...(controlPlane.ready ? [] : ['control plane starting (mesh CA, xDS, webhooks)'])];
        return void res.writeHead(503, { 'content-type': 'text/plain' }).end(`${waiting.join('; ')}\n`);
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
  const healthAddress = health?.address();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await op.stop().catch((e: unknown) => log.error({ err: errorMessage(e) }, 'stopping the reconciler failed'));
      await controlPlane.stop().catch((e: unknown) => log.error({ err: errorMessage(e) }, 'stopping the control plane failed'));
      await new Promise<void>((resolve) => (health === undefined ? resolve() : health.close(() => resolve())));
    })());
  op.start().catch((e: unknown) => log.error({ err: errorMessage(e) }, 'start failed'));
  // The CA waits for a leader, so the control plane starts beside the reconciler; a part that cannot start stops the process.
  controlPlane.start().catch((e: unknown) => {
    log.error({ err: errorMessage(e) }, 'the control plane cannot start; stopping');
    deps.onFatal?.(e);
  });
  return {
    operator: op,
    controlPlane,
    healthPort: typeof healthAddress === 'object' && healthAddress !== null ? healthAddress.port : undefined,
    get ready() {
      return ready();
    },
    stop,
  };
}
