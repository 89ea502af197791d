// Everything `weft operator` runs beside the reconciler: the mesh CA, the
// xDS server (plaintext and TLS), and the admission webhook server, wired to
// the operator through its two seams (programmed.ts):
//
//   Operator ──SnapshotSink──▶ MeshDistributor ──▶ xDS servers (15010, 15012) ──▶ proxies
//   Operator ◀─ProgrammedSource── the servers' AckTrackers ◀── ACK / NACK
//
//   mesh CA (Secret weft-ca) ──▶ serving certificates: xDS TLS, webhook (renewed before expiry)
//                            ──▶ workload certificates: the CSR service on the TLS xDS port,
//                                callers authenticated by TokenReview (audience weft-ca)
//                            ──▶ trust bundle: ConfigMap weft-ca-root-cert (injected namespaces),
//                                webhook configurations' caBundle
//
// Every replica serves xDS and the webhook and reads the CA; only the leader
// creates the CA Secret and writes the ConfigMaps and caBundles.

import * as grpc from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { refKey } from '../api/model.ts';
import { caConfig, loadCa, openCa, issueServerCert, trustBundlePem, type MeshCa } from '../ca/authority.ts';
import { renewAt } from '../ca/renew.ts';
import { CA_SECRET_NAME, SecretCaStore } from '../ca/secret-store.ts';
import type { CertKeyPem } from '../ca/store.ts';
import { addCaService, type CaServiceLogger } from '../ca/service.ts';
import { tokenReview } from '../ca/token.ts';
import type { MeshAnalysis } from '../compile/analyze.ts';
import type { MeshSnapshot } from '../compile/snapshot.ts';
import { MeshDistributor, type SnapshotTarget } from '../xds/distributor.ts';
import type { ProxyNode } from '../xds/node.ts';
import { startXdsServer, type RunningXdsServer } from '../xds/server.ts';
import type { XdsSnapshot } from '../xds/snapshot.ts';
import { TYPE_SHORT } from '../xds/snapshot.ts';
import { reachOf, type AckTracker } from '../xds/tracker.ts';
import { KubeClient, isNotFound } from './kube.ts';
import { errorMessage, isObj, str } from './objects.ts';
import type { ProgrammedQuery, ProgrammedReport, ProgrammedSource, ProxyRejection, SnapshotSink } from './programmed.ts';
import { ensureCaBundle } from './webhook/cabundle.ts';
import { issueWebhookCert } from './webhook/cert.ts';
import { DEFAULT_SIDECAR } from './webhook/inject.ts';
import { startWebhookServer, type WebhookServer } from './webhook/server.ts';
import { ProxyManager } from './proxies/manager.ts';
import { SharedAcks, type SharedAcksTiming } from './acks/shared.ts';
import { WAYPOINT_LABEL } from './proxies/waypoint.ts';

export const ROOT_CERT_CONFIGMAP = 'weft-ca-root-cert';
export const ROOT_CERT_KEY = 'root-cert.pem';
export const INJECT_LABEL = 'weft.dev/inject';
export const VALIDATING_WEBHOOK = 'weft-validating-webhook';
export const MUTATING_WEBHOOK = 'weft-sidecar-injector';
const FIELD_MANAGER = 'weft-operator';

/** Node's timers hold at most 2^31-1 ms (24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Listen {
  /** Default: all interfaces. */
  readonly address?: string;
  /** 0: an ephemeral port. */
  readonly port: number;
}

export interface ControlPlaneOptions {
  readonly kubeConfig: KubeConfig;
  /** The operator's namespace: the CA Secret, the Services weft and weft-webhook. */
  readonly namespace: string;
  readonly identity: string;
  readonly log: Logger;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  /**
   * The user's root CA (e.g. cert-manager's tls.crt and tls.key): the leader
   * signs the mesh intermediate with it when it creates the CA Secret; after
   * that it must be the stored root (rotation goes through addRoot).
   */
  readonly caRoot?: CertKeyPem;
  /** ADS without TLS (local runs and tests); false: not served. */
  readonly xdsPlaintext: Listen | false;
  /** ADS with a serving certificate from the mesh CA for weft.<namespace>.svc; false: not served. */
  readonly xdsTls: Listen | false;
  /** The admission webhooks (validate and inject); false: not served. */
  readonly webhook:
    | false
    | (Listen & {
        /** Extra IP SANs on the webhook's certificate (the API server calling it by URL, in tests). */
        readonly ipAddresses?: readonly string[];
        /** The injected proxy's image. */
        readonly proxyImage?: string;
      });
  /** The image of every proxy the mesh runs: injected sidecars and waypoints. Default weft:latest. */
  readonly proxyImage?: string;
  /** Waypoints for namespaces labelled weft.dev/waypoint=enabled (docs/managed-proxies.md). Default on. */
  readonly managedProxies?: boolean;
  /** Whether this replica leads (creates the CA, writes ConfigMaps and caBundles). */
  readonly isLeader: () => boolean;
  /** How often the leader re-publishes the trust bundle (ConfigMaps, caBundles), repairing what others changed. Default 60 s. */
  readonly publishIntervalMs?: number;
  /** How often the ACK trackers are looked at for changes. Default 200 ms. */
  readonly ackPollMs?: number;
  /**
   * Acknowledgements shared between replicas through ConfigMaps weft-acks-<identity>
   * (acks/shared.ts), so the leader counts every replica's proxies; false: this
   * replica's own proxies only (one replica, no ConfigMap written). Default on.
   */
  readonly sharedAcks?: SharedAcksTiming | false;
  /** Debounce of pushes to proxies. */
  readonly quietMs?: number;
  readonly maxDelayMs?: number;
  /** Lifetime of the serving certificates (xDS TLS, webhook); renewed at 50–67 % of it. Default: the CA's (30 days). */
  readonly servingCertLifetimeMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The CSR service's log lines, on the operator's logger. */
const caLogger = (log: Logger): CaServiceLogger => {
  const child = log.child({ component: 'ca' });
  return { info: (f, msg) => child.info(f, msg), warn: (f, msg) => child.warn(f, msg), error: (f, msg) => child.error(f, msg) };
};

/** The operator's SnapshotSink: each mesh snapshot goes to the distributor, which debounces and pushes. */
class DistributorSink implements SnapshotSink {
  private readonly distributor: MeshDistributor;
  private readonly acks: SharedAcks | undefined;
  constructor(distributor: MeshDistributor, acks?: SharedAcks) {
    this.distributor = distributor;
    this.acks = acks;
  }
  publish(version: number, snapshot: MeshSnapshot, analysis: MeshAnalysis): void {
    this.acks?.observe(version, analysis);
    this.distributor.meshChanged(snapshot, String(version));
  }
}

/** One SnapshotTarget over every running xDS server (a proxy is connected to one of them). */
class FanOutTarget implements SnapshotTarget {
  private readonly servers: () => readonly RunningXdsServer[];
  constructor(servers: () => readonly RunningXdsServer[]) {
    this.servers = servers;
  }
  setSnapshot(key: string, snapshot: XdsSnapshot): boolean {
    let changed = false;
    for (const s of this.servers()) changed = s.setSnapshot(key, snapshot) || changed;
    return changed;
  }
  connectedNodes(): readonly ProxyNode[] {
    return this.servers().flatMap((s) => s.server.connectedNodes());
  }
  keys(): readonly string[] {
    return [...new Set(this.servers().flatMap((s) => s.server.keys()))];
  }
  clearSnapshot(key: string): void {
    for (const s of this.servers()) s.server.clearSnapshot(key);
  }
}

/**
 * The operator's ProgrammedSource from the servers' ACK trackers. A proxy
 * has programmed a resource when the snapshot it acknowledged in full carries
 * the resource's generation and was built from the operator's snapshot
 * `query.version` or later (so a change of what the resource means without a
 * new generation, such as its Service appearing, is waited for too).
 */
export class TrackerProgrammedSource implements ProgrammedSource {
  private readonly trackers: () => readonly AckTracker[];
  private readonly pollMs: number;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private digest = '';

  constructor(trackers: () => readonly AckTracker[], pollMs = 200) {
    this.trackers = trackers;
    this.pollMs = pollMs;
  }

  programmed(q: ProgrammedQuery): ProgrammedReport {
    const key = refKey(q.ref);
    const reaches = reachOf(q.reach);
    let acked = 0;
    let total = 0;
    const rejections: ProxyRejection[] = [];
    for (const tracker of this.trackers()) {
      const r = tracker.programmed(key, q.generation, reaches);
      total += r.total;
      for (const p of r.programmed) {
        const meshVersion = Number(tracker.proxy(p.id)?.ackedMeshVersion ?? '');
        if (Number.isFinite(meshVersion) && meshVersion >= q.version) acked++;
      }
      for (const x of r.rejected) rejections.push({ proxy: `${x.namespace}/${x.workload} (${x.id})`, error: `${TYPE_SHORT[x.typeUrl]} ${x.message}` });
    }
    return { acked, total, rejections };
  }

  /**
   * Listeners are called when a proxy connects, disconnects, acknowledges or
   * rejects. The trackers have no callback, so they are looked at every
   * pollMs; the look is cheap (a few fields per connected proxy).
   */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.check(), this.pollMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private check(): void {
    const parts: string[] = [];
    for (const t of this.trackers()) {
      for (const p of t.proxies()) parts.push(`${p.node.id}|${p.ackedSnapshotVersion ?? ''}|${p.ackedMeshVersion ?? ''}|${p.rejection?.nonce ?? ''}`);
    }
    const digest = parts.join('\n');
    if (digest === this.digest) return;
    this.digest = digest;
    for (const l of this.listeners) l();
  }
}

/** A grpc-js certificate provider whose identity certificate can be replaced while the server runs. */
class RotatingIdentity {
  private latest: { certificate: Buffer; privateKey: Buffer } | null = null;
  private readonly listeners = new Set<(u: { certificate: Buffer; privateKey: Buffer } | null) => void>();
  set(certPem: string, keyPem: string): void {
    this.latest = { certificate: Buffer.from(certPem), privateKey: Buffer.from(keyPem) };
    for (const l of this.listeners) l(this.latest);
  }
  /**
   * grpc-js registers the listener before the server's watcher of the
   * credentials, so the first update reaches no server: send it again once
   * the server listens.
   */
  republish(): void {
    if (this.latest !== null) for (const l of this.listeners) l(this.latest);
  }
  addCaCertificateListener(): void {}
  removeCaCertificateListener(): void {}
  addIdentityCertificateListener(l: (u: { certificate: Buffer; privateKey: Buffer } | null) => void): void {
    this.listeners.add(l);
    if (this.latest !== null) l(this.latest);
  }
  removeIdentityCertificateListener(l: (u: { certificate: Buffer; privateKey: Buffer } | null) => void): void {
    this.listeners.delete(l);
  }
}

export interface ControlPlaneStatus {
  readonly ca: boolean;
  readonly xds: readonly { readonly tls: boolean; readonly port: number }[];
  readonly webhook: number | undefined;
}

export class ControlPlane {
  readonly distributor: MeshDistributor;
  readonly sink: SnapshotSink;
  readonly programmed: ProgrammedSource;
  /** The summaries shared with the other replicas; undefined when sharedAcks is false. */
  readonly acks: SharedAcks | undefined;
  private readonly options: ControlPlaneOptions;
  private readonly log: Logger;
  private readonly client: KubeClient;
  private readonly store: SecretCaStore;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly servers: { readonly tls: boolean; readonly running: RunningXdsServer }[] = [];
  private readonly xdsIdentity = new RotatingIdentity();
  private webhookServer: WebhookServer | undefined;
  /** The waypoints (leader writes); undefined when turned off. */
  readonly proxies: ProxyManager | undefined;
  private ca_: MeshCa | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private readonly renewals = new Map<string, NodeJS.Timeout>();
  private publishing: Promise<void> | undefined;
  private stopping = false;
  private started = false;
  private publishedBundle: string | undefined;

  constructor(options: ControlPlaneOptions) {
    this.options = options;
    this.log = options.log.child({ component: 'control-plane' });
    this.client = new KubeClient(options.kubeConfig, { userAgent: `weft-operator/${options.identity}` });
    this.store = new SecretCaStore(this.client, options.namespace, CA_SECRET_NAME);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.distributor = new MeshDistributor({
      logger: this.log,
      ...(options.quietMs === undefined ? {} : { quietMs: options.quietMs }),
      ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
    });
    this.distributor.bind(new FanOutTarget(() => this.servers.map((s) => s.running)));
    const trackers = () => this.servers.map((s) => s.running.tracker);
    this.acks = options.sharedAcks === false
      ? undefined
      : new SharedAcks({ client: this.client, namespace: options.namespace, identity: options.identity, log: this.log, trackers, isLeader: options.isLeader, ...(options.ackPollMs === undefined ? {} : { pollMs: options.ackPollMs }), ...options.sharedAcks, ...(options.now === undefined ? {} : { now: options.now }) });
    this.sink = new DistributorSink(this.distributor, this.acks);
    this.programmed = this.acks ?? new TrackerProgrammedSource(trackers, options.ackPollMs);
    this.proxies = options.managedProxies === false
      ? undefined
      : new ProxyManager({ client: this.client, log: this.log, identity: options.identity, settings: this.sidecar(), isLeader: options.isLeader, ...(options.now === undefined ? {} : { now: options.now }) });
  }

  /** What every proxy the operator configures runs with: injected sidecars and waypoints alike. */
  private sidecar(): typeof DEFAULT_SIDECAR {
    const o = this.options;
    const image = (o.webhook === false ? undefined : o.webhook.proxyImage) ?? o.proxyImage ?? DEFAULT_SIDECAR.image;
    const xdsPort = o.xdsTls === false || o.xdsTls.port === 0 ? 15012 : o.xdsTls.port;
    return { ...DEFAULT_SIDECAR, image, trustDomain: o.trustDomain, xdsAddress: `weft.${o.namespace}.svc:${xdsPort}` };
  }

  /** Every part listening, the CA loaded: what readiness waits for. */
  get ready(): boolean {
    return this.started && !this.stopping;
  }

  get ca(): MeshCa | undefined {
    return this.ca_;
  }

  status(): ControlPlaneStatus {
    return { ca: this.ca_ !== undefined, xds: this.servers.map((s) => ({ tls: s.tls, port: s.running.port })), webhook: this.webhookServer?.port };
  }

  /** The ports actually bound (useful when 0 was asked for). */
  get ports(): { readonly xdsPlaintext?: number; readonly xdsTls?: number; readonly webhook?: number } {
    const plain = this.servers.find((s) => !s.tls)?.running.port;
    const tls = this.servers.find((s) => s.tls)?.running.port;
    return { ...(plain === undefined ? {} : { xdsPlaintext: plain }), ...(tls === undefined ? {} : { xdsTls: tls }), ...(this.webhookServer === undefined ? {} : { webhook: this.webhookServer.port }) };
  }

  /**
   * Starts serving plaintext xDS at once (it needs no CA), then waits for the
   * CA (created by the leader, read by everyone), then serves xDS over TLS and
   * the webhook, and publishes the trust bundle (leader). Rejects when a part
   * cannot start (a port taken, a broken CA Secret).
   */
  async start(): Promise<void> {
    const snapshotFor = (node: ProxyNode) => this.distributor.snapshotFor(node);
    const o = this.options;
    // Waypoints need no CA to be applied (their Pods wait for the root ConfigMap the leader publishes).
    this.proxies?.start().catch((e: unknown) => this.log.error({ err: errorMessage(e) }, 'managed proxies cannot start'));
    if (o.xdsPlaintext !== false) {
      const running = await startXdsServer({ address: o.xdsPlaintext.address ?? '0.0.0.0', port: o.xdsPlaintext.port, snapshotFor, logger: this.log, controlPlaneId: o.identity });
      this.servers.push({ tls: false, running });
      this.log.info({ port: running.port }, 'serving xDS (plaintext)');
    }
    if (o.xdsTls !== false || o.webhook !== false) {
      this.ca_ = await this.openCa();
      if (this.stopping) return;
    }
    const ca = this.ca_;
    if (ca !== undefined && o.xdsTls !== false) {
      await this.renewXdsCert(ca);
      const credentials = grpc.experimental.createCertificateProviderServerCredentials(this.xdsIdentity, null, false);
      // The CSR service shares the TLS port: a sidecar reaches one address for config and certificate,
      // and proves its identity with its projected ServiceAccount token (audience weft-ca), checked by TokenReview.
      const services = (server: grpc.Server): void => addCaService(server, {
        ca: () => this.ca_ ?? ca,
        authenticator: tokenReview({ kube: this.client, audience: DEFAULT_SIDECAR.tokenAudience }),
        logger: caLogger(this.log),
      });
      const running = await startXdsServer({ address: o.xdsTls.address ?? '0.0.0.0', port: o.xdsTls.port, credentials, snapshotFor, logger: this.log, controlPlaneId: o.identity, services });
      this.xdsIdentity.republish();
      this.servers.push({ tls: true, running });
      this.log.info({ port: running.port, names: this.xdsDnsNames() }, 'serving xDS (TLS)');
    }
    if (ca !== undefined && o.webhook !== false) {
      const wc = await this.issueWebhook(ca);
      this.webhookServer = await startWebhookServer({
        port: o.webhook.port,
        ...(o.webhook.address === undefined ? {} : { host: o.webhook.address }),
        tls: wc.tls,
        inject: this.sidecar(),
        log: this.log,
      });
      this.scheduleRenewal('webhook', wc.issued.notBefore, wc.issued.notAfter, () => this.renewWebhook());
      this.log.info({ port: this.webhookServer.port }, 'serving admission webhooks');
    }
    this.acks?.start();
    this.started = true;
    if (ca !== undefined) {
      this.publishSoon();
      const every = o.publishIntervalMs ?? 60_000;
      const t = setInterval(() => this.publishSoon(), every);
      t.unref();
      this.timers.add(t);
      // A replica that becomes leader publishes at once, not at the next period.
      let leading = this.options.isLeader();
      const l = setInterval(() => {
        const now = this.options.isLeader();
        if (now && !leading) this.publishSoon();
        leading = now;
      }, 1000);
      l.unref();
      this.timers.add(l);
    }
  }

  /** Stops pushing, closes the servers (streams end; proxies reconnect to another replica). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    this.distributor.stop();
    await this.proxies?.stop();
    await this.publishing?.catch(() => undefined);
    await Promise.all([
      this.acks?.stop(),
      ...this.servers.map((s) => s.running.close(1000)),
      this.webhookServer?.close(),
    ]);
    this.log.info('control plane stopped');
  }

  /** Trust bundle changes are published right away; otherwise on the timer. */
  publishSoon(): void {
    if (this.stopping || this.publishing !== undefined) return;
    this.publishing = this.publish()
      .catch((e: unknown) => this.log.warn({ err: errorMessage(e) }, 'could not publish the mesh CA trust bundle; will try again'))
      .finally(() => (this.publishing = undefined));
  }

  // --- CA -------------------------------------------------------------------------

  /**
   * The leader creates the CA Secret when there is none; other replicas wait
   * for it. Two leaders racing (a lease handover) cannot both create it: the
   * create is a POST, and the loser loads the winner's CA.
   */
  private async openCa(): Promise<MeshCa> {
    const config = caConfig({ trustDomain: this.options.trustDomain });
    let waitingSince: number | undefined;
    for (;;) {
      if (this.stopping) throw new Error('stopping');
      const existing = await this.store.load();
      if (existing !== undefined || this.options.isLeader()) {
        try {
          const ca = await openCa(this.store, config, { now: new Date(this.now()), ...(this.options.caRoot !== undefined ? { root: this.options.caRoot } : {}) });
          this.log.info({ secret: `${this.options.namespace}/${CA_SECRET_NAME}`, created: existing === undefined, root: ca.root.cert.fingerprint256 }, 'mesh CA ready');
          return ca;
        } catch (e) {
          if (e instanceof Error && e.name === 'CaSecretConflictError') continue;
          throw e;
        }
      }
      waitingSince ??= this.now();
      if (this.now() - waitingSince > 10_000) {
        this.log.info({ secret: `${this.options.namespace}/${CA_SECRET_NAME}` }, 'waiting for the leader to create the mesh CA');
        waitingSince = this.now();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private xdsDnsNames(): string[] {
    const { namespace, clusterDomain } = this.options;
    return [`weft.${namespace}.svc`, `weft.${namespace}.svc.${clusterDomain}`];
  }

  private async renewXdsCert(ca: MeshCa): Promise<void> {
    const issue = async () => {
      const current = this.ca_ ?? ca;
      const issued = await issueServerCert(current, {
        dnsNames: this.xdsDnsNames(),
        now: new Date(this.now()),
        ...(this.options.servingCertLifetimeMs === undefined ? {} : { lifetimeMs: this.options.servingCertLifetimeMs }),
      });
      this.xdsIdentity.set(issued.certPem + issued.chainPem, issued.keyPem);
      return issued;
    };
    const first = await issue();
    this.scheduleRenewal('xds', first.notBefore, first.notAfter, issue);
  }

  private async renewWebhook(): Promise<{ notBefore: Date; notAfter: Date } | undefined> {
    const current = this.ca_;
    if (current === undefined) return undefined;
    const next = await this.issueWebhook(current);
    this.webhookServer?.setTls(next.tls);
    return next.issued;
  }

  private issueWebhook(ca: MeshCa) {
    const o = this.options;
    const w = o.webhook === false ? undefined : o.webhook;
    return issueWebhookCert(ca, {
      now: new Date(this.now()),
      service: { name: 'weft-webhook', namespace: o.namespace },
      clusterDomain: o.clusterDomain,
      ipAddresses: w?.ipAddresses ?? [],
      ...(o.servingCertLifetimeMs === undefined ? {} : { lifetimeMs: o.servingCertLifetimeMs }),
    });
  }

  /** Renews a serving certificate at 50–67 % of its life (jittered); a failure is retried in a minute. */
  private scheduleRenewal(what: string, notBefore: Date, notAfter: Date, renew: () => Promise<{ notBefore: Date; notAfter: Date } | undefined>): void {
    if (this.stopping) return;
    const at = renewAt({ notBefore, notAfter }, this.random).getTime();
    const delay = Math.min(MAX_TIMER_MS, Math.max(1000, at - this.now()));
    // One renewal chain per certificate: a CA change reissues and reschedules it.
    const previous = this.renewals.get(what);
    if (previous !== undefined) {
      clearTimeout(previous);
      this.timers.delete(previous);
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.renewals.delete(what);
      if (at > this.now() + 1000) return this.scheduleRenewal(what, notBefore, notAfter, renew); // a long wait in steps
      renew()
        .then((next) => {
          if (next === undefined) return;
          this.log.info({ certificate: what, notAfter: next.notAfter.toISOString() }, 'serving certificate renewed');
          this.scheduleRenewal(what, next.notBefore, next.notAfter, renew);
        })
        .catch((e: unknown) => {
          this.log.warn({ certificate: what, err: errorMessage(e) }, 'could not renew the serving certificate; will try again in a minute');
          const n = this.now();
          this.scheduleRenewal(what, new Date(n - 1), new Date(n + 60_000 * 2), renew);
        });
    }, delay);
    t.unref();
    this.timers.add(t);
    this.renewals.set(what, t);
  }

  // --- the trust bundle, where clients find it ------------------------------------------------

  /**
   * Periodic: every replica re-reads the CA Secret (the leader may have
   * renewed or rotated it) and renews its serving certificates when it
   * changed; the leader then writes the trust bundle to ConfigMap
   * weft-ca-root-cert in its own namespace and every namespace labelled for
   * injection, and to both webhook configurations' caBundle.
   */
  private async publish(): Promise<void> {
    if (this.stopping) return;
    let ca = this.ca_;
    if (ca === undefined) return;
    const leader = this.options.isLeader();
    try {
      // The leader may renew the intermediate (openCa saves it); the others only follow what the Secret holds.
      let latest: MeshCa | undefined;
      if (leader) latest = await openCa(this.store, ca.config, { now: new Date(this.now()) });
      else {
        const material = await this.store.load();
        latest = material === undefined ? undefined : loadCa(material, ca.config, (part) => this.store.location(part));
      }
      if (latest === undefined) return;
      if (trustBundlePem(latest) !== trustBundlePem(ca) || latest.intermediate.certPem !== ca.intermediate.certPem) {
        this.ca_ = ca = latest;
        this.log.info({ root: latest.root.cert.fingerprint256 }, 'the mesh CA changed; serving certificates are renewed');
        if (this.options.xdsTls !== false) await this.renewXdsCert(latest);
        if (this.webhookServer !== undefined) {
          const wc = await this.issueWebhook(latest);
          this.webhookServer.setTls(wc.tls);
          this.scheduleRenewal('webhook', wc.issued.notBefore, wc.issued.notAfter, () => this.renewWebhook());
        }
      }
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'could not re-read the mesh CA Secret; keeping the CA loaded');
    }
    if (!leader) return;
    const bundle = trustBundlePem(ca);
    const namespaces = new Set([this.options.namespace, ...(await this.injectedNamespaces())]);
    const failures: string[] = [];
    for (const ns of [...namespaces].sort()) {
      if (this.stopping || !this.options.isLeader()) return;
      try {
        await this.applyRootCert(ns, bundle);
      } catch (e) {
        failures.push(`ConfigMap ${ns}/${ROOT_CERT_CONFIGMAP}: ${errorMessage(e)}`);
      }
    }
    if (this.options.webhook !== false) {
      for (const [name, kind] of [[VALIDATING_WEBHOOK, 'ValidatingWebhookConfiguration'], [MUTATING_WEBHOOK, 'MutatingWebhookConfiguration']] as const) {
        if (this.stopping || !this.options.isLeader()) return;
        try {
          const r = await ensureCaBundle(this.options.kubeConfig, name, bundle, { kind });
          if (r.updated.length > 0) this.log.info({ configuration: `${kind}/${name}`, webhooks: r.updated }, 'webhook caBundle updated');
        } catch (e) {
          failures.push(errorMessage(e));
        }
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
    if (this.publishedBundle !== bundle) this.log.info({ namespaces: [...namespaces].sort() }, 'mesh CA trust bundle published');
    this.publishedBundle = bundle;
  }

  /** Namespaces with injected sidecars or a waypoint: their proxies mount the root ConfigMap. */
  private async injectedNamespaces(): Promise<string[]> {
    const names: string[] = [];
    for (const label of [INJECT_LABEL, WAYPOINT_LABEL]) {
      const list = await this.client.request('GET', '/api/v1/namespaces', { query: { labelSelector: `${label}=enabled` } });
      const items = Array.isArray(list['items']) ? list['items'] : [];
      names.push(...items.flatMap((n) => (isObj(n) && isObj(n['metadata']) ? [str(n['metadata']['name']) ?? ''] : [])).filter((n) => n !== ''));
    }
    return names;
  }

  /** Server-side apply: creates the ConfigMap or brings its one key back to the bundle, leaving other fields alone. */
  private async applyRootCert(namespace: string, bundle: string): Promise<void> {
    try {
      await this.client.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${ROOT_CERT_CONFIGMAP}`, {
        query: { fieldManager: FIELD_MANAGER, force: true },
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CERT_CONFIGMAP, namespace, labels: { 'app.kubernetes.io/name': 'weft', 'app.kubernetes.io/component': 'ca' } },
          data: { [ROOT_CERT_KEY]: bundle },
        },
      });
    } catch (e) {
      // A namespace deleted since it was listed.
      if (isNotFound(e)) return;
      throw e;
    }
  }
}
