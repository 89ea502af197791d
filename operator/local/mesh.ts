// `weft up`: the whole mesh on one machine, from a folder of manifests.
//
//   DIR ──fs.watch (debounced)──▶ FileSource ──snapshot──▶ MeshDistributor ──▶ ADS 127.0.0.1:15010
//                                     │                                            │
//                                     └─ workloads ──▶ one proxy per instance ◀────┘ (in this process,
//                                                      on the instance's 127.0.1.x:15001/15006/15000)
//   mesh CA (.weft/ca) ──CSR gRPC 127.0.0.1:15011 (bootstrap token per workload)──▶ each proxy's identity agent
//   (its `default` certificate); the CA's roots ride every snapshot as ROOTCA: proxies talk mTLS
//   status: GET 127.0.0.1:15014/status (what `weft status` prints)
//
// A bad edit is reported and changes nothing that runs (FileSource keeps the
// last good version); a proxy that cannot bind is reported and the rest runs.

import { mkdirSync } from 'node:fs';
import { watch, type FSWatcher } from 'node:fs';
import http from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { refKey } from '../api/model.ts';
import { caConfig, openCa, trustBundlePem, type MeshCa } from '../ca/authority.ts';
import { startCaServer, type RunningCaServer } from '../ca/service.ts';
import { FileCaStore, type CertKeyPem } from '../ca/store.ts';
import { bootstrapTokens, newBootstrapToken, type Authenticator } from '../ca/token.ts';
import { analyzeMesh, type MeshAnalysis } from '../compile/analyze.ts';
import { defaultMeshSettings, type MeshSettings, type MeshSnapshot } from '../compile/snapshot.ts';
import { MeshDistributor, sidecarResources } from '../xds/distributor.ts';
import { trustBundlePart } from '../xds/trust.ts';
import type { XdsLogger } from '../xds/log.ts';
import { startXdsServer, type RunningXdsServer } from '../xds/server.ts';
import { TrackerProgrammedSource } from '../k8s/controlplane.ts';
import { startProxy, type ProxyHandle } from '../../proxy/index.ts';
import { adsFromBootstrap } from '../../proxy/ads.ts';
import { parseBootstrap } from '../../proxy/bootstrap/bootstrap.ts';
import type { IdentityAgent } from '../../proxy/identity/agent.ts';
import { CaClient } from '../../proxy/identity/client.ts';
import { AddressBook } from './addresses.ts';
import { localizingSink } from './localize.ts';
import { FileSource, type SourceBuild } from './source.ts';
import { buildStatus, type LocalStatus, type WorkloadInfo } from './status.ts';
import { formatReport } from '../cli/validate.ts';
import { KeySetResolver } from '../authn/keysets.ts';
import { keySetFetches } from '../compile/authn.ts';
import { deltaAdsBootstrap } from './bootstrap.ts';

export const LOCAL_PORTS = Object.freeze({ xds: 15010, ca: 15011, admin: 15014, outbound: 15001, inbound: 15006, proxyAdmin: 15000 });

export type LogLevel = 'info' | 'warn' | 'error';
export type LocalLog = (level: LogLevel, message: string) => void;

export interface LocalMeshOptions {
  readonly dir: string;
  /** Where the CA and address allocations are kept; default DIR/.weft. */
  readonly stateDir?: string;
  /**
   * A root the user supplies (e.g. cert-manager's tls.crt and tls.key) to sign
   * the mesh intermediate with, instead of a generated one. Used when the
   * state folder has no CA yet; after that it must be the stored root.
   */
  readonly caRoot?: CertKeyPem;
  /** Control-plane ports on 127.0.0.1; 0 for ephemeral (tests). */
  readonly xdsPort?: number;
  readonly caPort?: number;
  readonly adminPort?: number;
  readonly settings?: MeshSettings;
  /** The first address given to a workload instance (default 127.0.1.1; .0 and .255 are skipped). */
  readonly firstAddress?: string;
  /** Debounce of file changes. Default 150 ms. */
  readonly watchQuietMs?: number;
  readonly log?: LocalLog;
}

interface RunningProxy {
  readonly key: string;
  readonly namespace: string;
  readonly workload: string;
  readonly serviceAccount: string;
  readonly address: string;
  readonly nodeId: string;
  readonly handle: ProxyHandle;
  readonly agent: IdentityAgent;
  readonly caClient: CaClient;
}

const silentLog: LocalLog = () => {};

export class LocalMesh {
  readonly dir: string;
  readonly stateDir: string;
  readonly #o: LocalMeshOptions;
  readonly #log: LocalLog;
  readonly #settings: MeshSettings;
  readonly #book: AddressBook;
  readonly #source: FileSource;
  readonly #distributor: MeshDistributor;
  /** Fetches the key sets RequestAuthentications name by URL; a change rebuilds the snapshot. */
  readonly #keySets: KeySetResolver;
  readonly #proxies = new Map<string, RunningProxy>();
  readonly #tokens = new Map<string, { token: string; namespace: string; serviceAccount: string }>();
  #authenticator: Authenticator = bootstrapTokens([]);
  #xds: RunningXdsServer | undefined;
  #caServer: RunningCaServer | undefined;
  #ca: MeshCa | undefined;
  #admin: http.Server | undefined;
  #watcher: FSWatcher | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #programmed: TrackerProgrammedSource | undefined;
  #version = 0;
  #build: SourceBuild | undefined;
  #analysis: MeshAnalysis | undefined;
  /** refKey → [signature of generation+analysis, first mesh version carrying it]. */
  readonly #firstVersion = new Map<string, { signature: string; version: number }>();
  #reloading: Promise<void> = Promise.resolve();
  #reloadAgain = false;
  #stopped = false;
  readonly startedAt = Date.now();

  constructor(options: LocalMeshOptions) {
    this.#o = options;
    this.dir = resolve(options.dir);
    this.stateDir = resolve(options.stateDir ?? join(this.dir, '.weft'));
    this.#log = options.log ?? silentLog;
    this.#settings = options.settings ?? defaultMeshSettings;
    this.#book = new AddressBook(this.stateDir, options.firstAddress);
    this.#source = new FileSource(this.dir, this.#settings, {
      addressOf: (w, replica) => this.#book.addressOf(w.namespace, w.workload, replica),
    });
    this.#keySets = new KeySetResolver({ onChange: () => void this.reload(), log: (level, message) => this.#log(level, message) });
    const logger: XdsLogger = {
      info: () => {},
      warn: (f, msg) => this.#log('warn', `xds: ${msg} ${compact(f)}`),
      error: (f, msg) => this.#log('error', `xds: ${msg} ${compact(f)}`),
      debug: () => {},
    } as XdsLogger;
    this.#distributor = new MeshDistributor({
      logger,
      // The compiled config plus the CA's roots (ROOTCA), which the proxies' TLS contexts name.
      resourcesFor: (_mesh, id, compiler) => {
        const own = sidecarResources(compiler, id);
        return this.#ca === undefined ? own : { parts: [...own.parts, trustBundlePart(trustBundlePem(this.#ca))], vhds: own.vhds };
      },
    });
  }

  get ports(): { xds: number; ca: number; admin: number } {
    return { xds: this.#xds?.port ?? 0, ca: this.#caServer?.port ?? 0, admin: addressPort(this.#admin) };
  }

  async start(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    this.#ca = await openCa(new FileCaStore(join(this.stateDir, 'ca')), caConfig({ trustDomain: this.#settings.trustDomain }), {
      now: new Date(),
      ...(this.#o.caRoot !== undefined ? { root: this.#o.caRoot } : {}),
    });
    this.#log('info', `mesh CA ready (${join(relative(process.cwd(), this.stateDir) || '.', 'ca')}, root SHA-256 ${this.#ca.root.cert.fingerprint256.slice(0, 23)}…)`);
    const ca = this.#ca;
    this.#caServer = await startCaServer({
      address: '127.0.0.1',
      port: this.#o.caPort ?? LOCAL_PORTS.ca,
      credentials: grpc.ServerCredentials.createInsecure(),
      ca: () => ca,
      authenticator: { authenticate: (t) => this.#authenticator.authenticate(t) },
    });
    this.#xds = await startXdsServer({
      address: '127.0.0.1',
      port: this.#o.xdsPort ?? LOCAL_PORTS.xds,
      snapshotFor: (node) => this.#distributor.snapshotFor(node),
      logger: { info() {}, warn: (f, m) => this.#log('warn', `xds: ${m} ${compact(f)}`), error: (f, m) => this.#log('error', `xds: ${m} ${compact(f)}`) } as XdsLogger,
      controlPlaneId: 'weft-up',
    });
    const xds = this.#xds;
    this.#distributor.bind(xds.server);
    this.#programmed = new TrackerProgrammedSource(() => [xds.tracker]);
    this.#admin = await this.#startAdmin(this.#o.adminPort ?? LOCAL_PORTS.admin);
    this.#log('info', `control plane: xDS 127.0.0.1:${xds.port} (plaintext), CA 127.0.0.1:${this.#caServer.port}, status http://127.0.0.1:${addressPort(this.#admin)}/status`);
    await this.reload();
    this.#watch();
  }

  /** Reads DIR again and applies what changed; concurrent calls coalesce. */
  reload(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#reloadAgain = true;
    this.#reloading = this.#reloading.then(async () => {
      while (this.#reloadAgain && !this.#stopped) {
        this.#reloadAgain = false;
        await this.#reloadOnce();
      }
    });
    return this.#reloading;
  }

  async #reloadOnce(): Promise<void> {
    const before = this.#build;
    let build: SourceBuild;
    try {
      build = await this.#source.load();
    } catch (e) {
      this.#log('error', `could not read ${this.dir}: ${errorText(e)}; keeping what runs`);
      return;
    }
    this.#book.save();
    const fetches = keySetFetches(build.snapshot.requestAuthentications ?? []);
    if (fetches.length > 0 || before?.snapshot.keySets !== undefined) {
      build = { ...build, snapshot: { ...build.snapshot, keySets: this.#keySets.want(fetches) } };
    }
    // Report what is new (the same problem is not repeated on every reload).
    const seen = new Set(before?.reports.map(formatReport) ?? []);
    for (const r of build.reports) {
      const line = formatReport(r);
      if (!seen.has(line)) this.#log(r.severity === 'error' ? 'error' : 'warn', rel(line, this.dir));
    }
    for (const inv of build.invalid) {
      const was = before?.invalid.find((i) => i.key === inv.key);
      if (was !== undefined && JSON.stringify(was.reports) === JSON.stringify(inv.reports)) continue;
      this.#log('warn', inv.servedGeneration === undefined
        ? `${inv.kind} ${inv.namespace}/${inv.name} is invalid and not applied`
        : `${inv.kind} ${inv.namespace}/${inv.name}: edit refused; still serving generation ${inv.servedGeneration}`);
    }
    for (const f of build.staleFiles) if (!(before?.staleFiles.includes(f) ?? false)) this.#log('warn', `${rel(f, this.dir)}: cannot be read as YAML; serving its last good version`);
    const changed = before === undefined || JSON.stringify(before.snapshot) !== JSON.stringify(build.snapshot);
    this.#build = build;
    if (!changed) return;
    this.#version++;
    this.#analysis = analyzeMesh(build.snapshot);
    this.#trackVersions(build, this.#analysis);
    this.#distributor.meshChanged(build.snapshot, String(this.#version));
    if (before !== undefined) this.#logMeshChange(before.snapshot, build);
    await this.#reconcileProxies(build.snapshot);
  }

  #trackVersions(build: SourceBuild, analysis: MeshAnalysis): void {
    for (const r of analysis.resources) {
      const key = refKey(r.ref);
      const signature = JSON.stringify([build.generations.get(key), r]);
      const prev = this.#firstVersion.get(key);
      if (prev === undefined || prev.signature !== signature) this.#firstVersion.set(key, { signature, version: this.#version });
    }
    for (const k of [...this.#firstVersion.keys()]) if (!analysis.byKey.has(k)) this.#firstVersion.delete(k);
  }

  #logMeshChange(before: MeshSnapshot, build: SourceBuild): void {
    const describe = (s: MeshSnapshot): Map<string, string> => {
      const m = new Map<string, string>();
      for (const r of [...s.virtualServices, ...s.authorizationPolicies, ...s.trafficSplits, ...(s.requestAuthentications ?? [])]) m.set(`${r.kind} ${r.metadata.namespace ?? 'default'}/${r.metadata.name}`, JSON.stringify(r.spec));
      return m;
    };
    const a = describe(before);
    const b = describe(build.snapshot);
    for (const [k, v] of b) {
      if (!a.has(k)) this.#log('info', `${k} created`);
      else if (a.get(k) !== v) this.#log('info', `${k} changed`);
    }
    for (const k of a.keys()) if (!b.has(k)) this.#log('info', `${k} deleted`);
    if (JSON.stringify(before.registry) !== JSON.stringify(build.snapshot.registry)) this.#log('info', 'services or workloads changed');
  }

  async #reconcileProxies(snapshot: MeshSnapshot): Promise<void> {
    const wanted = new Map<string, { namespace: string; workload: string; address: string; serviceAccount: string }>();
    for (const inst of snapshot.registry.instances) {
      if (!inst.ready || inst.address === '') continue;
      wanted.set(`${inst.namespace}/${inst.workload}@${inst.address}`, { namespace: inst.namespace, workload: inst.workload, address: inst.address, serviceAccount: inst.serviceAccount });
    }
    for (const [key, p] of this.#proxies) {
      const w = wanted.get(key);
      if (w !== undefined && w.serviceAccount === p.serviceAccount) continue;
      this.#proxies.delete(key);
      await this.#stopProxy(p);
      this.#log('info', `proxy ${p.namespace}/${p.workload} on ${p.address} stopped`);
    }
    for (const [key, w] of wanted) {
      if (this.#proxies.has(key) || this.#stopped) continue;
      try {
        const p = await this.#startProxy(key, w);
        this.#proxies.set(key, p);
        this.#log('info', `proxy ${w.namespace}/${w.workload} on ${w.address} (outbound :${LOCAL_PORTS.outbound}, inbound :${LOCAL_PORTS.inbound}, admin :${LOCAL_PORTS.proxyAdmin}, identity ${p.agent.spiffeId})`);
      } catch (e) {
        this.#log('error', `proxy ${w.namespace}/${w.workload} on ${w.address} could not start: ${errorText(e)}`);
      }
    }
    this.#refreshTokens();
  }

  #refreshTokens(): void {
    const entries: Array<[string, { namespace: string; serviceAccount: string }]> = [];
    for (const p of this.#proxies.values()) {
      const t = this.#tokens.get(p.key);
      if (t !== undefined) entries.push([t.token, { namespace: t.namespace, serviceAccount: t.serviceAccount }]);
    }
    this.#authenticator = bootstrapTokens(entries, 'local bootstrap tokens');
  }

  async #startProxy(key: string, w: { namespace: string; workload: string; address: string; serviceAccount: string }): Promise<RunningProxy> {
    const nodeId = `sidecar~${w.address}~${w.workload}.${w.namespace}~${w.namespace}.svc.${this.#settings.clusterDomain}`;
    const raw = {
      ...deltaAdsBootstrap(
        { id: nodeId, cluster: `${w.workload}.${w.namespace}`, metadata: { NAMESPACE: w.namespace, WORKLOAD_NAME: w.workload, SERVICE_ACCOUNT: w.serviceAccount, INSTANCE_IPS: w.address } },
        this.#xds?.port ?? LOCAL_PORTS.xds,
      ),
      admin: { address: { socket_address: { address: w.address, port_value: LOCAL_PORTS.proxyAdmin } } },
    };
    const where = `proxy ${w.namespace}/${w.workload}`;
    const wiring = adsFromBootstrap(raw, where, {
      log: (f) => {
        if (f['level'] === 'warn' || f['level'] === 'error') this.#log(f['level'], `${where}: ${String(f['msg'] ?? '')} ${compact(f, ['level', 'msg'])}`);
      },
    });
    if (!wiring.ok) throw new Error(wiring.errors.join('; '));
    const address = w.address;
    // The token is known to the CA before the proxy's identity agent first asks.
    const token = newBootstrapToken();
    this.#tokens.set(key, { token, namespace: w.namespace, serviceAccount: w.serviceAccount });
    this.#refreshTokens();
    const caClient = new CaClient({ target: `127.0.0.1:${this.#caServer?.port ?? LOCAL_PORTS.ca}`, credentials: grpc.credentials.createInsecure(), token: () => token });
    let handle: ProxyHandle;
    try {
      handle = await startProxy({
        bootstrap: parseBootstrap(raw),
        ads: (ads, node, sink) => wiring.factory(ads, node, localizingSink(sink, address)),
        bindAddress: () => address,
        // The agent publishes `default` (and ROOTCA) into the proxy; ADS brings ROOTCA on rotation.
        identity: {
          trustDomain: this.#settings.trustDomain,
          namespace: w.namespace,
          serviceAccount: w.serviceAccount,
          source: caClient,
          logger: { info() {}, warn: (f, m) => this.#log('warn', `${where}: identity: ${m} ${compact(f)}`), error: (f, m) => this.#log('error', `${where}: identity: ${m} ${compact(f)}`) },
        },
        // Requests an AUDIT policy marks are logged, as `weft proxy` does, into the mesh's own log.
        telemetry: {
          accessLog: { kind: 'stream', stream: { write: (line: string) => this.#log('info', `${where}: audit ${line.trim()}`) } },
          accessLogFilter: 'audited',
        },
        log: (e) => this.#log('warn', `${where}: ${compact(e as Record<string, unknown>)}`),
      });
    } catch (e) {
      caClient.close();
      this.#tokens.delete(key);
      this.#refreshTokens();
      throw e;
    }
    const agent = handle.identity;
    if (agent === undefined) {
      await handle.close();
      caClient.close();
      throw new Error(`${where}: started without its identity agent`);
    }
    return { key, namespace: w.namespace, workload: w.workload, serviceAccount: w.serviceAccount, address, nodeId, handle, agent, caClient };
  }

  async #stopProxy(p: RunningProxy): Promise<void> {
    this.#tokens.delete(p.key);
    // Closing the proxy stops its identity agent.
    await p.handle.drain(1000).catch(() => undefined);
    p.caClient.close();
  }

  #watch(): void {
    const quiet = this.#o.watchQuietMs ?? 150;
    const state = relative(this.dir, this.stateDir);
    try {
      this.#watcher = watch(this.dir, { recursive: true }, (_event, name) => {
        const file = name === null ? '' : String(name);
        if (file !== '' && (file.split(sep).some((s) => s.startsWith('.')) || (state !== '' && !state.startsWith('..') && file.startsWith(state)))) return;
        if (this.#watchTimer !== undefined) clearTimeout(this.#watchTimer);
        this.#watchTimer = setTimeout(() => {
          this.#watchTimer = undefined;
          void this.reload();
        }, quiet);
      });
      this.#watcher.on('error', (e) => this.#log('error', `watching ${this.dir}: ${errorText(e)}`));
    } catch (e) {
      this.#log('error', `cannot watch ${this.dir}: ${errorText(e)}; edits will not be applied until restart`);
    }
  }

  workloads(): WorkloadInfo[] {
    return [...this.#proxies.values()]
      .map((p) => ({
        namespace: p.namespace,
        workload: p.workload,
        address: p.address,
        nodeId: p.nodeId,
        serviceAccount: p.serviceAccount,
        outbound: `${p.address}:${p.handle.port('virtualOutbound') ?? LOCAL_PORTS.outbound}`,
        inbound: `${p.address}:${p.handle.port('virtualInbound') ?? LOCAL_PORTS.inbound}`,
        admin: `${p.address}:${p.handle.adminPort ?? LOCAL_PORTS.proxyAdmin}`,
        identity: p.agent.status(),
        // Between proxies, the compiled clusters and inbound chains are mTLS with these certificates.
        transport: 'mtls' as const,
      }))
      .sort((a, b) => (a.namespace + a.workload < b.namespace + b.workload ? -1 : 1));
  }

  status(): LocalStatus {
    return buildStatus({
      dir: this.dir,
      startedAt: this.startedAt,
      meshVersion: this.#version,
      build: this.#build,
      analysis: this.#analysis,
      proxies: this.#xds?.tracker.proxies() ?? [],
      workloads: this.workloads(),
      programmed: (ref, generation, reach) => this.#programmed?.programmed({ ref, generation, reach, version: this.#firstVersion.get(refKey(ref))?.version ?? this.#version }),
    });
  }

  async #startAdmin(port: number): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const send = (code: number, body: unknown): void => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(body, null, 1)}\n`);
      };
      if (req.method !== 'GET') return send(405, { error: 'GET only' });
      if (url.pathname === '/status') return send(200, this.status());
      if (url.pathname === '/workloads') return send(200, this.workloads());
      if (url.pathname === '/ready') return send(this.#build === undefined ? 503 : 200, { ready: this.#build !== undefined });
      send(404, { error: 'try /status, /workloads or /ready' });
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', (e) => fail(new Error(`status endpoint 127.0.0.1:${port}: ${errorText(e)}`)));
      server.listen(port, '127.0.0.1', () => ok());
    });
    return server;
  }

  /** Stops everything: the watcher, the proxies (draining up to 1 s), the servers. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#keySets.close();
    this.#watcher?.close();
    if (this.#watchTimer !== undefined) clearTimeout(this.#watchTimer);
    await this.#reloading.catch(() => undefined);
    this.#distributor.stop();
    await Promise.all([...this.#proxies.values()].map((p) => this.#stopProxy(p)));
    this.#proxies.clear();
    await Promise.all([
      this.#xds?.close(500),
      this.#caServer?.close(500),
      new Promise<void>((r) => {
        if (this.#admin === undefined) return r();
        this.#admin.close(() => r());
        this.#admin.closeAllConnections();
      }),
    ]);
  }
}

function addressPort(s: http.Server | undefined): number {
  const a = s?.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function rel(line: string, dir: string): string {
  return line.startsWith(dir + sep) ? line.slice(dir.length + 1) : line;
}

/** Fields as `k=v`, for one-line logs. */
function compact(fields: Readonly<Record<string, unknown>>, skip: readonly string[] = []): string {
  return Object.entries(fields)
    .filter(([k, v]) => !skip.includes(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
