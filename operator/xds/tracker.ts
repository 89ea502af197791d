// What each connected proxy has been sent, has acknowledged and has rejected,
// per type; and from that, for the status layer, whether a mesh resource at a
// generation is programmed: "programmed on N of M proxies" or "rejected by
// proxy P: <error>".
//
// A proxy has fully acknowledged snapshot S when, for every type it
// subscribes to (and for LDS and CDS, which every proxy takes whole), the
// version it last ACKed is S's version of that type. A proxy has programmed
// mesh resource R at generation G when the snapshot it has fully acknowledged
// carries R at G or newer; it has rejected R@G when it NACKed a response from
// a snapshot that carries R@G or newer and has not fully acknowledged one
// since.

import { affects, type AffectedProxies } from '../compile/analyze.ts';
import type { ResourceTypeUrl } from '../../xds/types.ts';
import type { ProxyNode } from './node.ts';
import { SEND_ORDER, TYPE_SHORT, WILDCARD_TYPES, type XdsSnapshot } from './snapshot.ts';

export interface Nack {
  /** The version the proxy rejected. */
  readonly version: string;
  readonly nonce: string;
  /** error_detail.message, as the proxy wrote it (truncated to 2,000 characters). */
  readonly message: string;
  readonly at: number;
}

export interface TypeStatus {
  readonly typeUrl: ResourceTypeUrl;
  readonly subscribed: boolean;
  readonly sentVersion?: string;
  readonly sentNonce?: string;
  readonly sentAt?: number;
  readonly ackedVersion?: string;
  readonly ackedAt?: number;
  /** The last rejection of this type, kept until the type is ACKed again. */
  readonly nack?: Nack;
}

export type StreamKind = 'sotw' | 'delta';

export interface ProxyStatus {
  readonly node: ProxyNode;
  readonly stream: StreamKind;
  readonly peer: string;
  readonly connectedSince: number;
  /** Version of the snapshot the server holds for the proxy now. */
  readonly snapshotVersion?: string;
  /** Version (and mesh version) of the newest snapshot the proxy has acknowledged in full. */
  readonly ackedSnapshotVersion?: string;
  readonly ackedMeshVersion?: string;
  /** Whether the proxy has fully acknowledged the snapshot the server holds for it. */
  readonly inSync: boolean;
  readonly types: readonly TypeStatus[];
  /** The latest rejection, with the type it concerns. */
  readonly rejection?: Nack & { readonly typeUrl: ResourceTypeUrl };
}

export interface ProgrammedProxy {
  readonly id: string;
  readonly namespace: string;
  readonly workload: string;
}

export interface Rejection extends ProgrammedProxy {
  readonly typeUrl: ResourceTypeUrl;
  readonly version: string;
  readonly message: string;
}

/** Where one mesh resource at one generation stands on the proxies it reaches. */
export interface ProgrammedReport {
  /** Connected proxies the resource reaches. */
  readonly total: number;
  readonly programmed: readonly ProgrammedProxy[];
  readonly pending: readonly ProgrammedProxy[];
  readonly rejected: readonly Rejection[];
  /** "programmed on 3 of 4 proxies", or "rejected by proxy shop/frontend (id): <error>". */
  readonly message: string;
}

interface MutableType {
  subscribed: boolean;
  sentVersion?: string;
  sentNonce?: string;
  sentAt?: number;
  sentSnapshot?: XdsSnapshot;
  ackedVersion?: string;
  ackedAt?: number;
  nack?: Nack;
  nackSnapshot?: XdsSnapshot;
}

interface Entry {
  readonly streamId: number;
  readonly node: ProxyNode;
  readonly stream: StreamKind;
  readonly peer: string;
  readonly connectedSince: number;
  readonly types: Map<ResourceTypeUrl, MutableType>;
  current?: XdsSnapshot;
  acked?: XdsSnapshot;
  rejection?: { nack: Nack; typeUrl: ResourceTypeUrl; snapshot: XdsSnapshot };
}

const MAX_MESSAGE = 2000;

export class AckTracker {
  readonly #proxies = new Map<string, Entry>();
  readonly #now: () => number;
  /**
   * Called when a proxy has fully acknowledged a snapshot, at the ACK that
   * completed it (`at`, the server's clock): for event-driven status and for
   * measuring edit → ACK without polling the tracker. `lastSentAt`: when
   * the server wrote the proxy's latest response.
   */
  onSynced: ((node: ProxyNode, snapshot: XdsSnapshot, at: number, lastSentAt: number) => void) | undefined;

  constructor(now: () => number) {
    this.#now = now;
  }

  connected(streamId: number, node: ProxyNode, stream: StreamKind, peer: string): void {
    this.#proxies.set(node.id, { streamId, node, stream, peer, connectedSince: this.#now(), types: new Map() });
  }

  /** A stream ended; a newer stream of the same proxy is left alone. */
  disconnected(streamId: number, nodeId: string): void {
    const e = this.#proxies.get(nodeId);
    if (e !== undefined && e.streamId === streamId) this.#proxies.delete(nodeId);
  }

  #entry(streamId: number, nodeId: string): Entry | undefined {
    const e = this.#proxies.get(nodeId);
    return e !== undefined && e.streamId === streamId ? e : undefined;
  }

  #type(e: Entry, typeUrl: ResourceTypeUrl): MutableType {
    let t = e.types.get(typeUrl);
    if (t === undefined) e.types.set(typeUrl, (t = { subscribed: false }));
    return t;
  }

  subscribed(streamId: number, nodeId: string, typeUrl: ResourceTypeUrl): void {
    const e = this.#entry(streamId, nodeId);
    if (e === undefined) return;
    this.#type(e, typeUrl).subscribed = true;
    this.#settle(e);
  }

  /** The server now holds `snapshot` for the proxy. */
  assigned(streamId: number, nodeId: string, snapshot: XdsSnapshot): void {
    const e = this.#entry(streamId, nodeId);
    if (e === undefined) return;
    e.current = snapshot;
    this.#settle(e);
  }

  sent(streamId: number, nodeId: string, typeUrl: ResourceTypeUrl, version: string, nonce: string, snapshot: XdsSnapshot): void {
    const e = this.#entry(streamId, nodeId);
    if (e === undefined) return;
    const t = this.#type(e, typeUrl);
    t.sentVersion = version;
    t.sentNonce = nonce;
    t.sentAt = this.#now();
    t.sentSnapshot = snapshot;
  }

  /** The proxy holds `version` of the type (an ACK, or the version it said it has when it reconnected). */
  acked(streamId: number, nodeId: string, typeUrl: ResourceTypeUrl, version: string): void {
    const e = this.#entry(streamId, nodeId);
    if (e === undefined) return;
    const t = this.#type(e, typeUrl);
    t.ackedVersion = version;
    t.ackedAt = this.#now();
    delete t.nack;
    delete t.nackSnapshot;
    if (e.rejection?.typeUrl === typeUrl) delete e.rejection;
    this.#settle(e);
  }

  nacked(streamId: number, nodeId: string, typeUrl: ResourceTypeUrl, version: string, nonce: string, message: string): void {
    const e = this.#entry(streamId, nodeId);
    if (e === undefined) return;
    const t = this.#type(e, typeUrl);
    const nack: Nack = Object.freeze({ version, nonce, message: message.slice(0, MAX_MESSAGE), at: this.#now() });
    t.nack = nack;
    if (t.ackedVersion === version) {
      // It took this version for fewer names, then refused it for more: it does not hold the version whole.
      delete t.ackedVersion;
      if (e.acked !== undefined && e.acked.versionOf(typeUrl, e.stream) === version) delete e.acked;
    }
    if (t.sentSnapshot !== undefined) {
      t.nackSnapshot = t.sentSnapshot;
      e.rejection = { nack, typeUrl, snapshot: t.sentSnapshot };
    }
  }

  /** Moves the fully-acknowledged snapshot forward when every type the proxy takes is at the current snapshot's version. */
  #settle(e: Entry): void {
    const s = e.current;
    if (s === undefined || e.acked === s) return;
    for (const typeUrl of SEND_ORDER) {
      const t = e.types.get(typeUrl);
      const required = t?.subscribed === true || (WILDCARD_TYPES.has(typeUrl) && s.type(typeUrl, e.stream) !== undefined);
      if (!required) continue;
      if (t?.ackedVersion !== s.versionOf(typeUrl, e.stream)) return;
    }
    e.acked = s;
    if (e.rejection !== undefined && e.rejection.snapshot !== s) delete e.rejection;
    if (this.onSynced !== undefined) {
      let sent = 0;
      for (const t of e.types.values()) sent = Math.max(sent, t.sentAt ?? 0);
      this.onSynced(e.node, s, this.#now(), sent);
    }
  }

  /** Every connected proxy, sorted by node id. */
  proxies(): ProxyStatus[] {
    return [...this.#proxies.values()].sort((a, b) => (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0)).map((e) => this.#status(e));
  }

  proxy(nodeId: string): ProxyStatus | undefined {
    const e = this.#proxies.get(nodeId);
    return e === undefined ? undefined : this.#status(e);
  }

  #status(e: Entry): ProxyStatus {
    const types: TypeStatus[] = [];
    for (const typeUrl of SEND_ORDER) {
      const t = e.types.get(typeUrl);
      if (t === undefined) continue;
      types.push(
        Object.freeze({
          typeUrl,
          subscribed: t.subscribed,
          ...(t.sentVersion !== undefined ? { sentVersion: t.sentVersion } : {}),
          ...(t.sentNonce !== undefined ? { sentNonce: t.sentNonce } : {}),
          ...(t.sentAt !== undefined ? { sentAt: t.sentAt } : {}),
          ...(t.ackedVersion !== undefined ? { ackedVersion: t.ackedVersion } : {}),
          ...(t.ackedAt !== undefined ? { ackedAt: t.ackedAt } : {}),
          ...(t.nack !== undefined ? { nack: t.nack } : {}),
        }),
      );
    }
    return Object.freeze({
      node: e.node,
      stream: e.stream,
      peer: e.peer,
      connectedSince: e.connectedSince,
      ...(e.current !== undefined ? { snapshotVersion: e.current.version } : {}),
      ...(e.acked !== undefined ? { ackedSnapshotVersion: e.acked.version, ackedMeshVersion: e.acked.meshVersion } : {}),
      inSync: e.current !== undefined && e.acked === e.current,
      types: Object.freeze(types),
      ...(e.rejection !== undefined ? { rejection: Object.freeze({ ...e.rejection.nack, typeUrl: e.rejection.typeUrl }) } : {}),
    });
  }

  /**
   * Where mesh resource `key` (refKey) at `generation` stands on the
   * connected proxies `reaches` selects (see reachOf for analyzeMesh's
   * AffectedProxies).
   */
  programmed(key: string, generation: number, reaches: (node: ProxyNode) => boolean): ProgrammedReport {
    const programmed: ProgrammedProxy[] = [];
    const pending: ProgrammedProxy[] = [];
    const rejected: Rejection[] = [];
    const entries = [...this.#proxies.values()].filter((e) => reaches(e.node)).sort((a, b) => (a.node.id < b.node.id ? -1 : 1));
    for (const e of entries) {
      const who: ProgrammedProxy = { id: e.node.id, namespace: e.node.namespace, workload: e.node.workload };
      if (e.acked?.carries(key, generation) === true) programmed.push(who);
      else if (e.rejection !== undefined && e.rejection.snapshot.carries(key, generation)) {
        rejected.push({ ...who, typeUrl: e.rejection.typeUrl, version: e.rejection.nack.version, message: e.rejection.nack.message });
      } else pending.push(who);
    }
    const total = entries.length;
    const first = rejected[0];
    const message =
      first !== undefined
        ? `rejected by proxy ${first.namespace}/${first.workload} (${first.id}): ${TYPE_SHORT[first.typeUrl]} ${first.message}${rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : ''}`
        : `programmed on ${programmed.length} of ${total} ${total === 1 ? 'proxy' : 'proxies'}`;
    return Object.freeze({ total, programmed, pending, rejected, message });
  }
}

/** The predicate for AckTracker.programmed from analyzeMesh's reach of a resource. */
export const reachOf =
  (proxies: AffectedProxies) =>
  (node: ProxyNode): boolean =>
    affects(proxies, { namespace: node.namespace, workload: node.workload });
