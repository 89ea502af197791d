// Leader election on a coordination.k8s.io/v1 Lease, with client-go's
// semantics. Every replica tries to acquire or renew every retry period.
// A lease held by another replica counts as expired only when this replica
// has seen its renewTime unchanged for leaseDuration by its own clock (no
// clock comparison between machines). The leader that fails to renew within
// renewDeadline stops leading; and isLeader() is false as soon as the last
// successful renewal is older than renewDeadline, before the loop notices,
// so a partitioned leader stops writing before anyone else can acquire
// (renewDeadline < leaseDuration). Stopping releases the lease (holder
// emptied), so a successor takes over at its next retry instead of waiting
// out the lease.

import type { Logger } from 'pino';
import { isConflict, isNotFound, type KubeClient } from './kube.ts';
import { errorMessage, int, isObj, str, type Obj } from './objects.ts';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly leaseName: string;
  readonly identity: string;
  /** How long a lease not renewed keeps others away. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up leading. */
  readonly renewDeadlineMs: number;
  /** How often to try to acquire or renew. */
  readonly retryPeriodMs: number;
}

export const defaultLeaderTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

export interface LeaderCallbacks {
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  /** Another identity is the leader now (observed, not necessarily right away). */
  readonly onNewLeader?: (identity: string) => void;
}

interface Observed {
  readonly holder: string;
  readonly renewTime: string;
  readonly leaseDurationSeconds: number;
  /** Local time when the record last changed. */
  readonly seenAtMs: number;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private readonly options: LeaderElectionOptions;
  private readonly client: KubeClient;
  private readonly callbacks: LeaderCallbacks;
  private readonly log: Logger;
  private readonly now: () => number;
  private leading = false;
  private lastRenewMs = 0;
  private observed: Observed | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(client: KubeClient, options: LeaderElectionOptions, callbacks: LeaderCallbacks, log: Logger, now: () => number = Date.now) {
    if (!(options.renewDeadlineMs < options.leaseDurationMs)) throw new Error(`leader election: renewDeadline (${options.renewDeadlineMs} ms) must be shorter than leaseDuration (${options.leaseDurationMs} ms)`);
    if (!(options.retryPeriodMs < options.renewDeadlineMs)) throw new Error(`leader election: retryPeriod (${options.retryPeriodMs} ms) must be shorter than renewDeadline (${options.renewDeadlineMs} ms)`);
    this.client = client;
    this.options = options;
    this.callbacks = callbacks;
    this.log = log.child({ lease: `${options.namespace}/${options.leaseName}`, identity: options.identity });
    this.now = now;
  }

  /** True only while this replica holds a lease renewed within renewDeadline, and has not seen another holder since. */
  isLeader(): boolean {
    return (
      this.leading &&
      this.now() - this.lastRenewMs < this.options.renewDeadlineMs &&
      (this.observed === undefined || this.observed.holder === this.options.identity)
    );
  }

  /** The holder last seen (this replica's identity when it leads). */
  get leader(): string | undefined {
    return this.leading ? this.options.identity : this.observed?.holder || undefined;
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Stops trying; when leading, stops leading and (unless `release` is false) hands the lease back. */
  async stop(release = true): Promise<void> {
    this.abort?.abort();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    if (this.leading) {
      this.setLeading(false);
      if (release) await this.release();
    }
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew().catch((e: unknown) => {
        this.log.warn({ err: errorMessage(e) }, 'lease request failed');
        return false;
      });
      if (signal.aborted) break;
      if (ok) {
        this.lastRenewMs = this.now();
        if (!this.leading) {
          this.setLeading(true);
        }
      } else if (this.leading && this.observed !== undefined && this.observed.holder !== '' && this.observed.holder !== this.options.identity) {
        this.log.warn({ holder: this.observed.holder }, 'the lease is held by another replica; no longer leading');
        this.setLeading(false);
      } else if (this.leading && this.now() - this.lastRenewMs >= this.options.renewDeadlineMs) {
        this.log.warn({ renewDeadlineMs: this.options.renewDeadlineMs }, 'could not renew the lease in time; no longer leading');
        this.setLeading(false);
      }
      // Followers add jitter so replicas do not retry in lockstep.
      const wait = this.leading ? this.options.retryPeriodMs : this.options.retryPeriodMs * (1 + Math.random() * 0.2);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) {
      this.log.info('became the leader');
      this.callbacks.onStartedLeading();
    } else {
      this.log.info('stopped leading');
      this.callbacks.onStoppedLeading();
    }
  }

  private record(now: number, acquireTime: string, transitions: number): Obj {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000)),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    };
  }

  /** One round: true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    let lease: Obj;
    try {
      lease = await this.client.request('GET', this.path(this.options.leaseName), { timeoutMs: this.options.retryPeriodMs * 2 });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.client.request('POST', this.path(), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.options.leaseName, namespace: this.options.namespace },
            spec: this.record(now, microTime(now), 0),
          },
          timeoutMs: this.options.retryPeriodMs * 2,
        });
        this.observed = { holder: this.options.identity, renewTime: microTime(now), leaseDurationSeconds: 0, seenAtMs: now };
        return true;
      } catch (err) {
        if (isConflict(err)) return false; // someone else created it first
        throw err;
      }
    }
    const spec = isObj(lease['spec']) ? lease['spec'] : {};
    const holder = str(spec['holderIdentity']) ?? '';
    const renewTime = str(spec['renewTime']) ?? '';
    const durationSeconds = int(spec['leaseDurationSeconds']) ?? Math.ceil(this.options.leaseDurationMs / 1000);
    const prev = this.observed;
    if (prev === undefined || prev.holder !== holder || prev.renewTime !== renewTime) {
      this.observed = { holder, renewTime, leaseDurationSeconds: durationSeconds, seenAtMs: now };
      if (holder !== '' && holder !== this.options.identity && prev?.holder !== holder) this.callbacks.onNewLeader?.(holder);
    }
    const observed = this.observed;
    const mine = holder === this.options.identity;
    if (!mine && holder !== '' && observed !== undefined && observed.seenAtMs + observed.leaseDurationSeconds * 1000 > now) {
      return false; // held, and not expired by our clock
    }
    const metadata = isObj(lease['metadata']) ? lease['metadata'] : {};
    const transitions = int(spec['leaseTransitions']) ?? 0;
    const updated = {
      ...lease,
      spec: mine
        ? this.record(now, str(spec['acquireTime']) ?? microTime(now), transitions)
        : this.record(now, microTime(now), transitions + 1),
    };
    try {
      // resourceVersion in the body makes this a compare-and-swap: two replicas cannot both win.
      await this.client.request('PUT', this.path(this.options.leaseName), { body: { ...updated, metadata }, timeoutMs: this.options.retryPeriodMs * 2 });
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
    if (!mine) this.log.info({ previous: holder || undefined, transitions: transitions + 1 }, 'acquired the lease');
    this.observed = { holder: this.options.identity, renewTime: microTime(now), leaseDurationSeconds: durationSeconds, seenAtMs: now };
    return true;
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.client.request('GET', this.path(this.options.leaseName), { timeoutMs: 5000 });
      const spec = isObj(lease['spec']) ? lease['spec'] : {};
      if (str(spec['holderIdentity']) !== this.options.identity) return;
      const now = this.now();
      await this.client.request('PUT', this.path(this.options.leaseName), {
        body: { ...lease, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now), acquireTime: microTime(now) } },
        timeoutMs: 5000,
      });
      this.log.info('released the lease');
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'could not release the lease; others take over when it expires');
    }
  }
}
