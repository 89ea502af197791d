// The proxy's identity agent: holds the workload's certificate and keeps it
// fresh. It makes a new P-256 key and CSR for the workload's SPIFFE ID, asks
// the CA (CertificateSource) with the workload's token, checks what comes
// back, and publishes it to the data path as SDS Secrets (`default` and
// `ROOTCA`) through the same ConfigSink the ADS client uses, so the data path
// has one kind of input.
//
// Schedule: renew at renewAt (50–67 % of the lifetime, jittered by the
// injected random source). When the CA's clock and ours disagree so much
// that a fresh certificate's renewal time has already passed, renew halfway
// through what is left of its life instead (never a tight loop). A failed
// request is retried with exponential backoff and jitter; the current
// certificate stays published until it expires, and then `default` is
// withdrawn (a peer would refuse it anyway) until a new one arrives.
//
// The ROOTCA the agent publishes is the bundle that came with its
// certificate; the ADS server also serves ROOTCA, so a root rotation reaches
// the proxy between renewals. Both come from the CA's current bundle.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { renewAt } from '../../operator/ca/renew.ts';
import { spiffeUri, type SpiffeId } from '../../operator/ca/spiffe.ts';
import { verifyWorkloadCert } from '../../operator/ca/verify.ts';
import { TypeUrl } from '../../xds/types.ts';
import { DEFAULT_BACKOFF, type Backoff } from '../xds/backoff.ts';
import type { ConfigSink } from '../xds/client.ts';
import { systemClock, type Clock, type TimerHandle } from '../../xds/clock.ts';
import { certificateSecret, trustBundleSecret, SECRET_CERT } from './secrets.ts';
import type { CertificateSource } from './client.ts';

export interface WorkloadCertificate {
  readonly spiffeId: SpiffeId;
  /** PEM: leaf, then intermediates (the root is in the bundle). */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** PEM: every trusted root. */
  readonly trustBundlePem: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface AgentLogger {
  info(fields: Readonly<Record<string, unknown>>, msg: string): void;
  warn(fields: Readonly<Record<string, unknown>>, msg: string): void;
  error(fields: Readonly<Record<string, unknown>>, msg: string): void;
}

const silent: AgentLogger = { info() {}, warn() {}, error() {} };

export interface IdentityAgentOptions {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly source: CertificateSource;
  readonly sink: ConfigSink;
  /** Lifetime to ask for in seconds; 0 (default) lets the CA choose (24 h). */
  readonly lifetimeSeconds?: number;
  readonly clock?: Clock;
  /** Uniform in [0, 1): renewal jitter and backoff jitter. */
  readonly random?: () => number;
  /** Retry delays after a failed request; default 1 s doubling to 60 s, ±20 %. */
  readonly backoff?: Partial<Backoff>;
  readonly logger?: AgentLogger;
}

export interface IdentityAgentStatus {
  readonly state: 'idle' | 'requesting' | 'valid' | 'expired' | 'stopped';
  readonly spiffeId: string;
  readonly serialNumber?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** When the next request is due (renewal or retry). */
  readonly nextAttemptAt?: Date;
  readonly issued: number;
  readonly failures: number;
  readonly lastError?: string;
}

const AGENT_BACKOFF: Backoff = Object.freeze({ ...DEFAULT_BACKOFF, initialMs: 1000, maxMs: 60_000 });

export class IdentityAgent {
  readonly spiffeId: string;
  readonly #o: IdentityAgentOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #log: AgentLogger;
  #current: WorkloadCertificate | undefined;
  #state: IdentityAgentStatus['state'] = 'idle';
  #timer: TimerHandle | undefined;
  #nextAt: number | undefined;
  #expiryTimer: TimerHandle | undefined;
  #attempt = 0;
  #issued = 0;
  #failures = 0;
  #lastError: string | undefined;
  #inFlight: Promise<void> | undefined;
  #waiters: Array<{ resolve: (c: WorkloadCertificate) => void; reject: (e: Error) => void }> = [];

  constructor(options: IdentityAgentOptions) {
    this.spiffeId = spiffeUri(options.trustDomain, { namespace: options.namespace, serviceAccount: options.serviceAccount });
    const lifetime = options.lifetimeSeconds ?? 0;
    if (!Number.isSafeInteger(lifetime) || lifetime < 0) throw new RangeError(`lifetimeSeconds: ${lifetime} is not a whole number ≥ 0`);
    this.#o = options;
    this.#clock = options.clock ?? systemClock();
    this.#random = options.random ?? Math.random;
    this.#backoff = { ...AGENT_BACKOFF, ...options.backoff };
    this.#log = options.logger ?? silent;
  }

  /** Requests the first certificate now; later ones follow the schedule. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#run();
  }

  /** The certificate held now (undefined before the first, or after expiry). */
  current(): WorkloadCertificate | undefined {
    return this.#state === 'expired' ? undefined : this.#current;
  }

  /** Resolves with the next certificate issued from now on (the first one, after start). */
  nextCertificate(): Promise<WorkloadCertificate> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Resolves with the current certificate, or the first one. */
  ready(): Promise<WorkloadCertificate> {
    const c = this.current();
    return c !== undefined ? Promise.resolve(c) : this.nextCertificate();
  }

  /** Renews now, outside the schedule (e.g. after a root rotation is activated). */
  async renewNow(): Promise<WorkloadCertificate> {
    const next = this.nextCertificate();
    if (this.#inFlight === undefined) this.#run();
    return next;
  }

  status(): IdentityAgentStatus {
    const c = this.#current;
    return {
      state: this.#state,
      spiffeId: this.spiffeId,
      ...(c !== undefined ? { serialNumber: c.serialNumber, notBefore: c.notBefore, notAfter: c.notAfter } : {}),
      ...(this.#nextAt !== undefined ? { nextAttemptAt: new Date(this.#nextAt) } : {}),
      issued: this.#issued,
      failures: this.#failures,
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  /** Stops renewing; what was published stays with the sink. */
  stop(): void {
    this.#state = 'stopped';
    this.#cancel();
    if (this.#expiryTimer !== undefined) this.#clock.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    for (const w of this.#waiters.splice(0)) w.reject(new Error(`identity agent for ${this.spiffeId} stopped`));
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAt = undefined;
  }

  #schedule(at: number): void {
    this.#cancel();
    this.#nextAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, Math.max(0, at - this.#clock.now()));
  }

  #run(): void {
    if (this.#state === 'stopped' || this.#inFlight !== undefined) return;
    this.#cancel();
    if (this.#current === undefined) this.#state = 'requesting';
    // Cleared before the outcome is handled, so a schedule set by #accept or #fail can always run.
    this.#inFlight = this.#request().then(
      (cert) => {
        this.#inFlight = undefined;
        this.#accept(cert);
      },
      (e: unknown) => {
        this.#inFlight = undefined;
        this.#fail(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  async #request(): Promise<WorkloadCertificate> {
    const { keyPem, csrPem } = await createWorkloadCsr(this.spiffeId);
    const issued = await this.#o.source.createCertificate(csrPem, this.#o.lifetimeSeconds ?? 0);
    return this.#check(issued.certChain, issued.trustBundle, keyPem);
  }

  /** A response is used only if it is a valid chain for our identity and our key, under its own bundle. */
  #check(chain: readonly string[], bundle: readonly string[], keyPem: string): WorkloadCertificate {
    const [leafPem] = chain;
    if (leafPem === undefined) throw new Error('the CA returned an empty certificate chain');
    if (bundle.length === 0) throw new Error('the CA returned no trust bundle');
    const bundlePem = bundle.map((p) => p.trim() + '\n').join('');
    // Leaf and intermediates; a root at the end of the chain is in the bundle already.
    const bundleSet = new Set(bundle.map((p) => new X509Certificate(p).fingerprint256));
    const served = chain.filter((p, i) => i === 0 || !bundleSet.has(new X509Certificate(p).fingerprint256));
    const chainPem = served.map((p) => p.trim() + '\n').join('');
    const now = new Date(this.#clock.now());
    const v = verifyWorkloadCert(chainPem, bundlePem, now, { trustDomain: this.#o.trustDomain });
    if (!v.ok) throw new Error(`the CA returned a certificate that does not verify (${v.reason}): ${v.message}`);
    if (v.id.uri !== this.spiffeId) throw new Error(`the CA returned a certificate for ${v.id.uri}, not ${this.spiffeId}`);
    if (!v.leaf.checkPrivateKey(createPrivateKey(keyPem))) throw new Error('the CA returned a certificate for a different key than the CSR\'s');
    return Object.freeze({
      spiffeId: v.id,
      certChainPem: chainPem,
      keyPem,
      trustBundlePem: bundlePem,
      serialNumber: v.leaf.serialNumber,
      notBefore: v.leaf.validFromDate,
      notAfter: v.leaf.validToDate,
    });
  }

  #accept(cert: WorkloadCertificate): void {
    if (this.#state === 'stopped') return;
    const applied = this.#o.sink.apply(TypeUrl.Secret, [certificateSecret(cert.certChainPem, cert.keyPem), trustBundleSecret(cert.trustBundlePem)]);
    if (!applied.ok) {
      this.#fail(new Error(`the data path refused the new certificate: ${applied.error}`));
      return;
    }
    this.#current = cert;
    this.#state = 'valid';
    this.#attempt = 0;
    this.#issued++;
    this.#lastError = undefined;
    const now = this.#clock.now();
    let at = renewAt(cert, this.#random).getTime();
    if (at <= now) at = now + (cert.notAfter.getTime() - now) / 2;
    this.#schedule(at);
    if (this.#expiryTimer !== undefined) this.#clock.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, cert.notAfter.getTime() - now));
    this.#log.info({ spiffeId: this.spiffeId, serial: cert.serialNumber, notAfter: cert.notAfter.toISOString(), renewAt: new Date(at).toISOString() }, 'workload certificate installed');
    for (const w of this.#waiters.splice(0)) w.resolve(cert);
  }

  #fail(e: Error): void {
    if (this.#state === 'stopped') return;
    this.#failures++;
    this.#lastError = e.message;
    const { initialMs, maxMs, multiplier, jitter } = this.#backoff;
    const base = Math.min(maxMs, initialMs * multiplier ** this.#attempt);
    this.#attempt++;
    const delay = base * (1 - jitter + 2 * jitter * this.#random());
    const held = this.#current;
    this.#log.warn({ spiffeId: this.spiffeId, err: e.message, retryInMs: Math.round(delay), holding: held?.serialNumber }, 'certificate request failed');
    this.#schedule(this.#clock.now() + delay);
  }

  #expire(): void {
    this.#expiryTimer = undefined;
    if (this.#state === 'stopped') return;
    this.#state = 'expired';
    this.#o.sink.apply(TypeUrl.Secret, [], [SECRET_CERT]);
    this.#log.error({ spiffeId: this.spiffeId, serial: this.#current?.serialNumber, lastError: this.#lastError }, 'workload certificate expired; no identity until the CA answers');
  }
}
