// `weft proxy --config bootstrap.yaml`: the data-plane proxy as a process.
// Reads an Envoy v3 bootstrap (static listeners and clusters, and/or ADS),
// serves until SIGTERM/SIGINT or /quitquitquit, then drains: stops accepting,
// lets requests in flight finish (up to --drain-timeout), exits.

import { readFileSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { dirname, resolve } from 'node:path';
import { startProxy, type ProxyHandle } from '../../proxy/index.ts';
import type { TelemetryOptions } from '../../proxy/telemetry/index.ts';
import { parseBootstrap, readSecretFiles, BootstrapError } from '../../proxy/bootstrap/bootstrap.ts';
import { ConfigError } from '../../proxy/config/read.ts';
import type { AdsClientFactory } from '../../proxy/config/sink.ts';
import type { IdentityFlags } from '../../proxy/identity/wiring.ts';
import { conntrackResolver } from '../../proxy/listener/original-dst.ts';
import type { OriginalDstResolver } from '../../proxy/listener/listener.ts';
import type { Env } from '../../proxy/bootstrap/from-env.ts';
import { releaseEnvoyRoot } from '../../xds/protos.ts';
import { compactHeap } from '../../proxy/compact-heap.ts';

export const usage = `usage: weft proxy --config BOOTSTRAP [options]
       weft proxy [options]    (an injected sidecar: settings from WEFT_* variables)

Runs the data-plane proxy from an Envoy v3 bootstrap (YAML or JSON):
static_resources (listeners, clusters) and/or dynamic_resources with an ADS
gRPC source, node identity, admin address. The supported subset is in
docs/proxy.md; anything outside it is refused at start-up with the field path.

  --config FILE          the bootstrap (required unless WEFT_XDS_ADDRESS is set)
  --admin-port N         admin port (default: the bootstrap's admin address, else 15000)
  --no-admin             no admin endpoint
  --drain-timeout S      seconds to let requests finish on SIGTERM (default 5)
  --plaintext-for-tls    accept TLS transport sockets and carry that traffic in
                         plaintext (local development without certificates)
  --header-timeout S     request header timeout when the config sets none (default 10)
  --access-log DEST       one JSON line per request to DEST (stdout or a file);
                         without it, only requests an AUDIT policy marks are
                         logged, to stdout
  --no-access-log        no access log at all, audited requests included
  --original-dst conntrack
                         read redirected connections' destinations from
                         /proc/net/nf_conntrack (iptables interception; needs
                         group 0, see docs/interception.md); default: by Host

Workload identity (mTLS): with --ca-address the proxy requests its SPIFFE
certificate from the mesh CA for node.metadata NAMESPACE and SERVICE_ACCOUNT,
renews it, and serves its TLS listeners and clusters with it.
  --ca-address HOST:PORT the mesh CA (CertificateService, e.g. 127.0.0.1:15012)
  --ca-token-file FILE   the token proving the identity (re-read on each request)
  --ca-bundle-file FILE  PEM roots that verify the CA's serving certificate;
                         without it the CA is dialled in plaintext (local mode only)
  --trust-domain TD      the mesh trust domain (default cluster.local)

Without --config and with WEFT_XDS_ADDRESS set, the proxy is an injected
sidecar: node identity, ADS over TLS, the CA (same address), its token and
roots, and its ports come from the environment the injector sets (docs/proxy.md,
"Injected sidecar"); /healthz/ready on WEFT_HEALTH_PORT turns 200 once it has
its config and certificate.

Exit status: 0 stopped cleanly, 1 the bootstrap was refused, 2 usage.
`;

interface Options {
  /** Undefined: the injected sidecar's environment (WEFT_XDS_ADDRESS…). */
  readonly config: string | undefined;
  readonly adminPort: number | undefined;
  readonly noAdmin: boolean;
  readonly drainTimeoutMs: number;
  readonly plaintextForTls: boolean;
  readonly headerTimeoutMs: number;
  readonly originalDst: 'conntrack' | undefined;
  readonly identity: IdentityFlags | undefined;
  /** Where access log lines go, and which requests get one. */
  readonly accessLog: { readonly dest: 'stdout' | { readonly file: string }; readonly filter: 'all' | 'audited' } | 'off';
}

type Parsed = { readonly ok: true; readonly options: Options } | { readonly ok: false; readonly help: boolean; readonly message?: string };

export function parseArgs(argv: readonly string[], env: Env = {}): Parsed {
  let config: string | undefined;
  let adminPort: number | undefined;
  let noAdmin = false;
  let drainTimeoutMs = 5000;
  let plaintextForTls = false;
  let headerTimeoutMs = 10_000;
  let originalDst: 'conntrack' | undefined;
  let caAddress: string | undefined;
  let caTokenFile: string | undefined;
  let caBundleFile: string | undefined;
  let trustDomain = 'cluster.local';
  let accessLog: Options['accessLog'] = { dest: 'stdout', filter: 'audited' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i]);
    const seconds = (name: string): number | string => {
      const v = Number(value());
      return Number.isFinite(v) && v >= 0 ? v * 1000 : `${name} needs a number of seconds`;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return { ok: false, help: true };
      case '-c':
      case '--config':
        config = value();
        break;
      case '--admin-port': {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 0 || v > 65535) return { ok: false, help: false, message: '--admin-port needs a port number' };
        adminPort = v;
        break;
      }
      case '--no-admin':
        noAdmin = true;
        break;
      case '--access-log': {
        const v = value();
        if (v === undefined || v === '') return { ok: false, help: false, message: '--access-log needs stdout or a file' };
        accessLog = { dest: v === 'stdout' || v === '-' ? 'stdout' : { file: v }, filter: 'all' };
        break;
      }
      case '--no-access-log':
        accessLog = 'off';
        break;
      case '--drain-timeout': {
        const v = seconds('--drain-timeout');
        if (typeof v === 'string') return { ok: false, help: false, message: v };
        drainTimeoutMs = v;
        break;
      }
      case '--header-timeout': {
        const v = seconds('--header-timeout');
        if (typeof v === 'string') return { ok: false, help: false, message: v };
        headerTimeoutMs = v;
        break;
      }
      case '--plaintext-for-tls':
        plaintextForTls = true;
        break;
      case '--ca-address':
        caAddress = value();
        if (caAddress === undefined || !/^.+:\d{1,5}$/.test(caAddress)) return { ok: false, help: false, message: '--ca-address needs HOST:PORT' };
        break;
      case '--ca-token-file':
        caTokenFile = value();
        if (caTokenFile === undefined || caTokenFile === '') return { ok: false, help: false, message: '--ca-token-file needs a file' };
        break;
      case '--ca-bundle-file':
        caBundleFile = value();
        if (caBundleFile === undefined || caBundleFile === '') return { ok: false, help: false, message: '--ca-bundle-file needs a file' };
        break;
      case '--trust-domain':
        trustDomain = value() ?? '';
        if (trustDomain === '') return { ok: false, help: false, message: '--trust-domain needs a trust domain' };
        break;
      case '--original-dst': {
        const v = value();
        if (v !== 'conntrack') return { ok: false, help: false, message: '--original-dst takes conntrack' };
        originalDst = v;
        break;
      }
      default:
        return { ok: false, help: false, message: `unknown argument ${JSON.stringify(a)}` };
    }
  }
  const fromEnv = env['WEFT_XDS_ADDRESS'] !== undefined && env['WEFT_XDS_ADDRESS'] !== '';
  if ((config === undefined || config === '') && !fromEnv) return { ok: false, help: false, message: '--config FILE is required (or the injected sidecar\'s environment, WEFT_XDS_ADDRESS and the rest)' };
  if (config === undefined && caAddress !== undefined) return { ok: false, help: false, message: '--ca-address needs --config: the injected sidecar takes its CA from WEFT_XDS_ADDRESS' };
  if (caAddress === undefined && (caTokenFile !== undefined || caBundleFile !== undefined)) return { ok: false, help: false, message: '--ca-token-file and --ca-bundle-file need --ca-address' };
  if (caAddress !== undefined && caTokenFile === undefined) return { ok: false, help: false, message: '--ca-address needs --ca-token-file (the token that proves the workload identity)' };
  const identity = caAddress !== undefined && caTokenFile !== undefined ? { caAddress, tokenFile: caTokenFile, bundleFile: caBundleFile, trustDomain } : undefined;
  return { ok: true, options: { config, adminPort, noAdmin, drainTimeoutMs, plaintextForTls, headerTimeoutMs, originalDst, identity, accessLog } };
}

/** The access log flags as telemetry options. */
function accessLogTelemetry(a: Options['accessLog']): Pick<TelemetryOptions, 'accessLog' | 'accessLogFilter'> {
  if (a === 'off') return {};
  return { accessLog: a.dest === 'stdout' ? { kind: 'stdout' } : { kind: 'file', path: a.dest.file }, accessLogFilter: a.filter };
}

const log = (fields: Readonly<Record<string, unknown>>): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'proxy', ...fields })}\n`);
};

export async function run(argv: readonly string[], env: Env = process.env): Promise<number> {
  const parsed = parseArgs(argv, env);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(usage);
      return 0;
    }
    process.stderr.write(`weft proxy: ${parsed.message ?? ''}\n\n${usage}`);
    return 2;
  }
  const o = parsed.options;
  if (o.config === undefined) return runSidecar(o, env);
  const config = o.config;
  let raw: unknown;
  try {
    const text = readFileSync(config, 'utf8');
    raw = /\.json$/i.test(config) ? JSON.parse(text) : (await import('yaml')).parse(text, { maxAliasCount: 100 });
  } catch (e) {
    process.stderr.write(`weft proxy: ${config}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let bootstrap;
  try {
    bootstrap = parseBootstrap(raw);
    if (bootstrap.secrets !== undefined && bootstrap.secrets.length > 0) {
      const base = dirname(resolve(config));
      bootstrap = { ...bootstrap, secrets: readSecretFiles(bootstrap.secrets, (f) => readFileSync(resolve(base, f), 'utf8')) };
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof BootstrapError) {
      process.stderr.write(`weft proxy: ${config}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  let ads: AdsClientFactory | undefined;
  if (bootstrap.ads !== undefined) {
    const { adsFromBootstrap } = await import('../../proxy/ads.ts');
    // Once the first config has settled (a second without another update), compact the
    // heap the decoding left fragmented (proxy/compact-heap.ts); later updates do not.
    let settle: NodeJS.Timeout | undefined;
    let compacted = false;
    const onEvent = (e: { readonly kind: string }): void => {
      if (e.kind !== 'applied' || compacted) return;
      clearTimeout(settle);
      settle = setTimeout(() => {
        compacted = true;
        compactHeap();
      }, 1000).unref();
    };
    const wiring = adsFromBootstrap(raw, config, { log, onEvent });
    if (!wiring.ok) {
      process.stderr.write(`weft proxy: ${wiring.errors.join('\n')}\n`);
      return 1;
    }
    ads = wiring.factory;
  }
  let originalDst: OriginalDstResolver | undefined;
  if (o.originalDst === 'conntrack') {
    const c = conntrackResolver();
    if (!c.ok) {
      process.stderr.write(`weft proxy: --original-dst conntrack: ${c.reason}\n`);
      return 1;
    }
    originalDst = c.resolver;
  }
  let identity;
  if (o.identity !== undefined) {
    const { identityFromFlags } = await import('../../proxy/identity/wiring.ts');
    const w = identityFromFlags(o.identity, bootstrap.node, config, {
      info: (f, msg) => log({ level: 'info', component: 'identity', msg, ...f }),
      warn: (f, msg) => log({ level: 'warn', component: 'identity', msg, ...f }),
      error: (f, msg) => log({ level: 'error', component: 'identity', msg, ...f }),
    });
    if (!w.ok) {
      process.stderr.write(`weft proxy: ${w.error}\n`);
      return 1;
    }
    identity = w.identity;
  }
  let handle: ProxyHandle;
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log({ level: 'info', msg: 'draining', reason });
      await handle.drain(o.drainTimeoutMs);
      log({ level: 'info', msg: 'stopped' });
    })();
    return stopping;
  };
  try {
    handle = await startProxy({
      bootstrap,
      admin: o.noAdmin ? false : o.adminPort !== undefined ? { address: bootstrap.admin?.address ?? '127.0.0.1', port: o.adminPort } : undefined,
      plaintextForTls: o.plaintextForTls,
      defaultRequestHeadersTimeoutMs: o.headerTimeoutMs,
      ...(ads !== undefined ? { ads } : {}),
      ...(identity !== undefined ? { identity } : {}),
      ...(originalDst !== undefined ? { originalDst } : {}),
      onQuit: () => void stop('/quitquitquit'),
      telemetry: accessLogTelemetry(o.accessLog),
      log: (e) => log({ level: 'warn', ...e }),
    });
  } catch (e) {
    process.stderr.write(`weft proxy: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  // Without ADS the config is checked once, here: the Envoy protos are not
  // needed again until the identity agent installs a certificate (it parses
  // them again then, ~0.2 s). A sidecar on ADS keeps them for every update.
  if (ads === undefined) releaseEnvoyRoot();
  compactHeap();
  // Each certificate the identity agent installs is checked as a Secret, which parses the
  // protos again: without ADS, forget them again each time, and compact after the first
  // one (it arrives before mTLS traffic can flow; renewals reuse the space freed). A
  // certificate installed before this point was covered by the compaction above. The
  // chain ends when the agent stops (its waiters are rejected then, and only then).
  const agent = handle.identity;
  if (ads === undefined && agent !== undefined) {
    let first = agent.current() === undefined;
    const installed = (): void => {
      releaseEnvoyRoot();
      if (first) {
        first = false;
        compactHeap();
      }
      void agent.nextCertificate().then(installed, () => undefined);
    };
    void agent.nextCertificate().then(installed, () => undefined);
  }
  log({
    level: 'info',
    msg: 'started',
    node: bootstrap.node.id,
    listeners: Object.fromEntries(handle.ports),
    admin: handle.adminPort ?? null,
    ads: bootstrap.ads !== undefined,
    originalDst: o.originalDst ?? 'by authority',
  });
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string): void => {
      void stop(sig).then(resolve);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
    const poll = setInterval(() => {
      if (stopping !== undefined) void stopping.then(() => {
        clearInterval(poll);
        resolve();
      });
    }, 100);
  });
  return 0;
}

/** The injected sidecar: settings from the environment, ADS and the CA over TLS, /healthz/ready on the health port. */
async function runSidecar(o: Options, env: Env): Promise<number> {
  const { sidecarSettingsFromEnv, startSidecar } = await import('../../proxy/bootstrap/from-env.ts');
  const settings = sidecarSettingsFromEnv(env);
  if (!settings.ok) {
    process.stderr.write(`weft proxy: the sidecar's environment:\n${settings.errors.map((e) => `  ${e}\n`).join('')}`);
    return 1;
  }
  let originalDst: OriginalDstResolver | undefined;
  if (o.originalDst === 'conntrack') {
    const c = conntrackResolver();
    if (!c.ok) {
      process.stderr.write(`weft proxy: --original-dst conntrack: ${c.reason}\n`);
      return 1;
    }
    originalDst = c.resolver;
  }
  let stopping: Promise<void> | undefined;
  let stop: (reason: string) => Promise<void> = () => Promise.resolve();
  const started = await startSidecar(settings.settings, {
    log,
    plaintextForTls: o.plaintextForTls,
    defaultRequestHeadersTimeoutMs: o.headerTimeoutMs,
    onQuit: () => void stop('/quitquitquit'),
    telemetry: accessLogTelemetry(o.accessLog),
    ...(originalDst !== undefined ? { originalDst } : {}),
  });
  if (!started.ok) {
    process.stderr.write(`weft proxy: ${started.error}\n`);
    return 1;
  }
  const sidecar = started.sidecar;
  flushCompileCache();
  stop = (reason) => {
    stopping ??= (async () => {
      log({ level: 'info', msg: 'draining', reason });
      await sidecar.closeHealth();
      await sidecar.handle.drain(o.drainTimeoutMs);
      log({ level: 'info', msg: 'stopped' });
    })();
    return stopping;
  };
  const s = settings.settings;
  log({
    level: 'info',
    msg: 'started',
    node: s.node.id,
    workload: `${s.namespace}/${s.node.metadata['WORKLOAD_NAME'] ?? ''}`,
    xds: s.xds.address,
    serverName: s.xds.serverName,
    health: sidecar.healthPort,
    admin: sidecar.handle.adminPort ?? null,
    metrics: sidecar.handle.prometheusPort ?? null,
    originalDst: o.originalDst ?? 'by authority',
  });
  // Readiness changes are logged, with what is missing, so `kubectl logs` says why a Pod is not ready.
  let last = '';
  let compacted = false;
  const watch = setInterval(() => {
    const r = sidecar.readiness();
    const now = r.ready ? 'ready' : r.waiting.join('; ');
    if (now !== last) log({ level: r.ready ? 'info' : 'warn', msg: r.ready ? 'ready' : 'not ready', waiting: r.waiting });
    // Ready the first time: config and certificate are in, traffic has not started. The
    // decoding left the heap fragmented; one compaction returns it (proxy/compact-heap.ts).
    if (r.ready && !compacted) {
      compacted = true;
      compactHeap();
    }
    last = now;
  }, 500);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
    const poll = setInterval(() => {
      if (stopping !== undefined) void stopping.then(() => {
        clearInterval(poll);
        resolve();
      });
    }, 100);
  });
  clearInterval(watch);
  return 0;
}
