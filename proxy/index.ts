// The proxy as a library: `startProxy(options)` gives a running proxy whose
// `applyConfig` is the config sink the ADS client (or a test, or `weft up`)
// feeds. Many proxies can run in one process; nothing here reads the
// environment or installs signal handlers (the `weft proxy` command does).

import type http from 'node:http';
import { TypeUrl } from '../xds/types.ts';
import { ProxyCore, type ProxyCoreOptions } from './proxy.ts';
import { loadBootstrap, type Bootstrap } from './bootstrap/bootstrap.ts';
import { startAdmin } from './admin/admin.ts';
import { Telemetry, type TelemetryOptions } from './telemetry/index.ts';
import { startPrometheus } from './telemetry/prometheus-server.ts';
import type { AdsClient, AdsClientFactory, ApplyResult, ConfigSink, NodeIdentity, SinkResource } from './config/sink.ts';
import { IdentityAgent, type IdentityAgentOptions } from './identity/agent.ts';

export type { ConfigSink, ApplyResult, SinkResource, AdsClientFactory, NodeIdentity } from './config/sink.ts';
export type { OriginalDstResolver } from './listener/listener.ts';
export type { Exchange } from './http/exchange.ts';
export { flagsString, Flag } from './http/flags.ts';

export interface StartOptions extends ProxyCoreOptions {
  /** A parsed bootstrap or the path of one (YAML or JSON). */
  readonly bootstrap?: Bootstrap | string;
  /** Admin endpoint: `false` for none; default the bootstrap's admin address, else 127.0.0.1:15000. */
  readonly admin?: { readonly address: string; readonly port: number } | false;
  /** Starts the ADS client when the bootstrap has dynamic_resources (proxy/xds provides it). */
  readonly ads?: AdsClientFactory;
  /** Called when /quitquitquit asks the proxy to stop. */
  readonly onQuit?: () => void;
  /** Metrics, access log, tracing (proxy/telemetry); default: metrics and trace propagation on, no access log. `false`: none. */
  readonly telemetry?: Omit<TelemetryOptions, 'node'> | false;
  /** Prometheus listener serving /stats/prometheus (by convention 0.0.0.0:15090); default none (the admin port serves it too). */
  readonly prometheus?: { readonly address: string; readonly port: number } | false;
  /**
   * The workload's identity for mTLS: an IdentityAgent (proxy/identity) asks the mesh CA
   * (`source`, e.g. a CaClient) for certificates and publishes the `default` and `ROOTCA`
   * Secrets into this proxy, renewing them; stopped with the proxy. Without it, TLS
   * listeners and clusters wait for Secrets from elsewhere (applyConfig, SDS over ADS).
   */
  readonly identity?: Omit<IdentityAgentOptions, 'sink'>;
}

export interface ProxyHandle {
  readonly core: ProxyCore;
  readonly node: NodeIdentity;
  /** The config sink: apply resources of one xDS type. */
  applyConfig(typeUrl: string, resources: readonly SinkResource[], removed?: readonly string[]): ApplyResult;
  readonly sink: ConfigSink;
  /** The bound port of a listener, by name. */
  port(listener: string): number | undefined;
  readonly ports: ReadonlyMap<string, number>;
  readonly adminPort: number | undefined;
  readonly prometheusPort: number | undefined;
  readonly telemetry: Telemetry | undefined;
  /** The identity agent, when started with `identity` (status(), ready(), renewNow()). */
  readonly identity: IdentityAgent | undefined;
  /** Resolves when listeners bound by earlier applyConfig calls are up (rejects on a bind failure). */
  settled(): Promise<void>;
  /** Stops accepting, waits for connections to finish (at most `timeoutMs`), then closes. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(options: StartOptions = {}): Promise<ProxyHandle> {
  const bootstrap = typeof options.bootstrap === 'string' ? loadBootstrap(options.bootstrap) : options.bootstrap;
  const node: NodeIdentity = bootstrap?.node ?? { id: '', cluster: '', metadata: {} };
  const telemetry = options.telemetry === false ? undefined : new Telemetry({ node, random: options.random, ...options.telemetry });
  const userFinished = options.onFinished;
  const core = new ProxyCore(
    telemetry === undefined
      ? options
      : {
          ...options,
          onRequest: telemetry.onRequest,
          onFinished: userFinished === undefined ? telemetry.onFinished : (x) => (telemetry.onFinished(x), userFinished(x)),
          ...(telemetry.metrics !== undefined ? { tcpMetrics: telemetry.metrics } : {}),
        },
  );
  if (bootstrap !== undefined) {
    const toResources = (list: readonly unknown[], kind: string): SinkResource[] =>
      list.map((r, i) => {
        const name = typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string' ? (r as { name: string }).name : '';
        if (name === '') throw new Error(`bootstrap: static_resources.${kind}[${i}]: a name is required`);
        return { name, resource: r };
      });
    // Secrets first: the static TLS contexts reference them by name (as SDS Secrets), and a
    // cluster or listener whose Secret is present serves mTLS from the first connection.
    if (bootstrap.secrets !== undefined && bootstrap.secrets.length > 0) {
      const s = core.apply(TypeUrl.Secret, toResources(bootstrap.secrets, 'secrets'), []);
      if (!s.ok) throw new Error(`bootstrap: static_resources.secrets: ${s.error}`);
    }
    const c = core.applyStatic(TypeUrl.Cluster, toResources(bootstrap.clusters, 'clusters'));
    if (!c.ok) throw new Error(`bootstrap: static_resources.clusters: ${c.error}`);
    const l = core.applyStatic(TypeUrl.Listener, toResources(bootstrap.listeners, 'listeners'));
    if (!l.ok) throw new Error(`bootstrap: static_resources.listeners: ${l.error}`);
  }
  try {
    await core.settled();
  } catch (e) {
    core.destroy();
    throw e;
  }
  let ads: AdsClient | undefined;
  if (bootstrap?.ads !== undefined) {
    if (options.ads === undefined) {
      core.destroy();
      throw new Error(
        'bootstrap: dynamic_resources.ads_config asks for ADS, but this build has no ADS client (proxy/xds); run with static_resources only, or with the ADS client once it is available',
      );
    }
    ads = options.ads(bootstrap.ads, node, core);
  }
  const identity = options.identity === undefined ? undefined : new IdentityAgent({ ...options.identity, sink: core });
  identity?.start();
  let adminServer: http.Server | undefined;
  let promServer: http.Server | undefined;
  const adminCfg = options.admin === false ? undefined : (options.admin ?? bootstrap?.admin ?? { address: '127.0.0.1', port: 15000 });
  let closed = false;
  const handle: ProxyHandle = {
    core,
    node,
    applyConfig: (t, r, rm) => core.apply(t, r, rm),
    sink: core,
    port: (name) => core.listeners.get(name)?.boundPort,
    get ports() {
      const m = new Map<string, number>();
      for (const [n, l] of core.listeners) if (l.server !== undefined) m.set(n, l.boundPort);
      return m;
    },
    get adminPort() {
      const a = adminServer?.address();
      return typeof a === 'object' && a !== null ? a.port : undefined;
    },
    get prometheusPort() {
      const a = promServer?.address();
      return typeof a === 'object' && a !== null ? a.port : undefined;
    },
    telemetry,
    identity,
    settled: () => core.settled(),
    async drain(timeoutMs = 5_000) {
      core.drain();
      const deadline = Date.now() + timeoutMs;
      while (core.connections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await handle.close();
    },
    async close() {
      if (closed) return;
      closed = true;
      identity?.stop();
      await ads?.close();
      core.destroy();
      await new Promise<void>((r) => (adminServer === undefined ? r() : adminServer.close(() => r())));
      adminServer?.closeAllConnections();
      promServer?.closeAllConnections();
      await new Promise<void>((r) => (promServer === undefined ? r() : promServer.close(() => r())));
      await telemetry?.accessLog?.flush();
    },
  };
  if (adminCfg !== undefined) {
    try {
      adminServer = await startAdmin(
        {
          core,
          node,
          ready: () => !core.draining,
          quit: () => (options.onQuit ?? (() => void handle.close()))(),
          drain: () => core.drain(),
          telemetry,
        },
        adminCfg.address,
        adminCfg.port,
      );
    } catch (e) {
      await handle.close();
      throw new Error(`admin ${adminCfg.address}:${adminCfg.port}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  if (telemetry?.metrics !== undefined && options.prometheus !== undefined && options.prometheus !== false) {
    const pc = options.prometheus;
    try {
      promServer = await startPrometheus(telemetry, pc.address, pc.port);
    } catch (e) {
      await handle.close();
      throw new Error(`prometheus ${pc.address}:${pc.port}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return handle;
}
