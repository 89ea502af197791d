// What one replica knows of the proxies connected to it, in a form any other
// replica can compare with its own view of the mesh. Snapshot versions are
// per process (each replica counts its own builds), so a summary never names
// them: a proxy's state is told as the *meanings* of the resources it has
// programmed (or rejected), a meaning being a hash of the resource's key,
// generation and analysis (reach, references, conflicts, hosts), which every
// replica computes alike from the same cluster. Pure: no clock, no I/O.

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { refKey } from '../../api/model.ts';
import { affects, type MeshAnalysis, type ResourceAnalysis } from '../../compile/analyze.ts';
import type { AckTracker } from '../../xds/tracker.ts';
import { TYPE_SHORT } from '../../xds/snapshot.ts';
import type { ProgrammedQuery, ProgrammedReport, ProxyRejection } from '../programmed.ts';

export const SUMMARY_FORMAT = 1;

export interface ProxySummary {
  readonly id: string;
  readonly namespace: string;
  readonly workload: string;
  /** When the stream was accepted, by the publishing replica's clock: a proxy seen on two replicas counts where it connected last. */
  readonly since: number;
  /** Index into `sets`: the meanings this proxy has programmed. */
  readonly acked: number;
  readonly nack?: {
    /** LDS, CDS, EDS, RDS, SDS. */
    readonly type: string;
    readonly error: string;
    /** The xDS version refused (a content hash: the same on every replica). */
    readonly version: string;
    /** Index into `sets`: the meanings the refused config carried. */
    readonly set: number;
  };
}

export interface ReplicaSummary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly replica: string;
  /** Meaning sets shared by the proxies of one workload in one state. */
  readonly sets: readonly (readonly string[])[];
  readonly proxies: readonly ProxySummary[];
}

/** A resource's meaning: equal on two replicas exactly when they see the same generation analysed the same way. */
export function meaningOf(r: ResourceAnalysis): string {
  const text = JSON.stringify([refKey(r.ref), r.ref.generation ?? 0, r.conflicts, r.unresolved, r.hosts, r.proxies]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

interface Meaning {
  readonly analysis: ResourceAnalysis;
  readonly hash: string;
  readonly generation: number;
  /** The first local snapshot version carrying this meaning. */
  readonly since: number;
}

/** Per resource, its current meaning and the first local snapshot version that carried it. */
export class MeaningIndex {
  #byKey = new Map<string, Meaning>();
  #version = 0;

  observe(version: number, analysis: MeshAnalysis): void {
    const next = new Map<string, Meaning>();
    for (const r of analysis.resources) {
      const key = refKey(r.ref);
      const hash = meaningOf(r);
      const prev = this.#byKey.get(key);
      next.set(key, prev !== undefined && prev.hash === hash ? { ...prev, analysis: r } : { analysis: r, hash, generation: r.ref.generation ?? 0, since: version });
    }
    this.#byKey = next;
    this.#version = version;
  }

  get version(): number {
    return this.#version;
  }

  get(key: string): Meaning | undefined {
    return this.#byKey.get(key);
  }

  values(): Iterable<Meaning> {
    return this.#byKey.values();
  }
}

/**
 * This replica's proxies, from its xDS servers' trackers: a proxy has
 * programmed a resource when the snapshot it acknowledged in full was built
 * from a local version at or after the one that first carried the resource's
 * current meaning, and the resource reaches it; it rejected one when the
 * tracker says so.
 */
export function summarize(replica: string, trackers: readonly AckTracker[], meanings: MeaningIndex): ReplicaSummary {
  const sets: string[][] = [];
  const setIndex = new Map<string, number>();
  const intern = (hashes: string[]): number => {
    hashes.sort();
    const k = hashes.join(',');
    let i = setIndex.get(k);
    if (i === undefined) {
      i = sets.length;
      sets.push(hashes);
      setIndex.set(k, i);
    }
    return i;
  };
  // Proxies of one workload at one acknowledged version share their set: computed once.
  const byGroup = new Map<string, number>();
  const proxies: ProxySummary[] = [];
  const all = [...meanings.values()];
  for (const tracker of trackers) {
    const statuses = tracker.proxies();
    const rejectedBy = new Map<string, string[]>();
    if (statuses.some((p) => p.rejection !== undefined)) {
      for (const m of all) {
        const r = tracker.programmed(refKey(m.analysis.ref), m.generation, (node) => affects(m.analysis.proxies, node));
        for (const x of r.rejected) {
          let l = rejectedBy.get(x.id);
          if (l === undefined) rejectedBy.set(x.id, (l = []));
          l.push(m.hash);
        }
      }
    }
    for (const p of statuses) {
      const acked = Number(p.ackedMeshVersion ?? 'NaN');
      const group = `${p.node.namespace}/${p.node.workload}|${Number.isFinite(acked) ? acked : ''}`;
      let set = byGroup.get(group);
      if (set === undefined) {
        const hashes = Number.isFinite(acked) ? all.filter((m) => acked >= m.since && affects(m.analysis.proxies, p.node)).map((m) => m.hash) : [];
        set = intern(hashes);
        byGroup.set(group, set);
      }
      const rejected = rejectedBy.get(p.node.id);
      const nack =
        p.rejection !== undefined && rejected !== undefined
          ? { type: TYPE_SHORT[p.rejection.typeUrl], error: p.rejection.message, version: p.rejection.version, set: intern(rejected) }
          : undefined;
      proxies.push({ id: p.node.id, namespace: p.node.namespace, workload: p.node.workload, since: p.connectedSince, acked: set, ...(nack === undefined ? {} : { nack }) });
    }
  }
  proxies.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : b.since - a.since));
  return { format: SUMMARY_FORMAT, replica, sets, proxies };
}

/**
 * "N of M" over every live replica's summary, answered from the meaning this
 * replica (the leader) sees for the resource. A proxy listed by two replicas
 * (it reconnected) counts once, where it connected last. Undefined when this
 * replica has not built the queried generation yet.
 */
export function aggregate(summaries: readonly ReplicaSummary[], meanings: MeaningIndex, q: ProgrammedQuery): ProgrammedReport | undefined {
  const m = meanings.get(refKey(q.ref));
  if (m === undefined || m.generation !== q.generation) return undefined;
  const latest = new Map<string, { p: ProxySummary; s: ReplicaSummary }>();
  for (const s of summaries) {
    for (const p of s.proxies) {
      const seen = latest.get(p.id);
      if (seen === undefined || p.since > seen.p.since) latest.set(p.id, { p, s });
    }
  }
  let acked = 0;
  let total = 0;
  const rejections: ProxyRejection[] = [];
  for (const { p, s } of [...latest.values()].sort((a, b) => (a.p.id < b.p.id ? -1 : 1))) {
    if (!affects(q.reach, p)) continue;
    total++;
    if (s.sets[p.acked]?.includes(m.hash) === true) acked++;
    else if (p.nack !== undefined && s.sets[p.nack.set]?.includes(m.hash) === true) {
      rejections.push({ proxy: `${p.namespace}/${p.workload} (${p.id})`, error: `${p.nack.type} ${p.nack.error}` });
    }
  }
  return { acked, total, rejections };
}

// --- the ConfigMap's data ---------------------------------------------------------

/** A ConfigMap holds at most 1 MiB; past this, the summary is stored gzipped. */
export const PLAIN_LIMIT = 900 * 1024;
export const SUMMARY_KEY = 'summary.json';
export const SUMMARY_GZ_KEY = 'summary.json.gz';

export type Encoded =
  | { readonly kind: 'plain'; readonly data: Record<string, string> }
  | { readonly kind: 'gzip'; readonly binaryData: Record<string, string> }
  | { readonly kind: 'too-large'; readonly bytes: number };

export function encodeSummary(s: ReplicaSummary): Encoded {
  const json = JSON.stringify(s);
  if (Buffer.byteLength(json) <= PLAIN_LIMIT) return { kind: 'plain', data: { [SUMMARY_KEY]: json } };
  const gz = gzipSync(json);
  // base64 grows by a third; the API server's limit is on the stored object.
  if (Math.ceil(gz.length / 3) * 4 <= PLAIN_LIMIT) return { kind: 'gzip', binaryData: { [SUMMARY_GZ_KEY]: gz.toString('base64') } };
  return { kind: 'too-large', bytes: gz.length };
}

export type Decoded = { readonly ok: true; readonly summary: ReplicaSummary } | { readonly ok: false; readonly error: string };

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a summary back from a ConfigMap's data or binaryData, checking its shape (another version of weft may have written it). */
export function decodeSummary(data: unknown, binaryData: unknown): Decoded {
  let text: string | undefined;
  try {
    if (isRec(data) && typeof data[SUMMARY_KEY] === 'string') text = data[SUMMARY_KEY];
    else if (isRec(binaryData) && typeof binaryData[SUMMARY_GZ_KEY] === 'string') text = gunzipSync(Buffer.from(binaryData[SUMMARY_GZ_KEY], 'base64')).toString('utf8');
  } catch (e) {
    return { ok: false, error: `${SUMMARY_GZ_KEY}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (text === undefined) return { ok: false, error: `neither data.${SUMMARY_KEY} nor binaryData.${SUMMARY_GZ_KEY} is set` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${SUMMARY_KEY}: not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!isRec(v) || v['format'] !== SUMMARY_FORMAT) return { ok: false, error: `${SUMMARY_KEY}: format is not ${SUMMARY_FORMAT}` };
  const sets = v['sets'];
  const proxies = v['proxies'];
  if (typeof v['replica'] !== 'string' || !Array.isArray(sets) || !Array.isArray(proxies)) return { ok: false, error: `${SUMMARY_KEY}: replica, sets and proxies are required` };
  if (!sets.every((s) => Array.isArray(s) && s.every((h) => typeof h === 'string'))) return { ok: false, error: `${SUMMARY_KEY}: sets must be lists of strings` };
  for (const [i, p] of proxies.entries()) {
    const ok =
      isRec(p) && typeof p['id'] === 'string' && typeof p['namespace'] === 'string' && typeof p['workload'] === 'string' && typeof p['since'] === 'number' && typeof p['acked'] === 'number' &&
      (p['nack'] === undefined || (isRec(p['nack']) && typeof p['nack']['type'] === 'string' && typeof p['nack']['error'] === 'string' && typeof p['nack']['version'] === 'string' && typeof p['nack']['set'] === 'number'));
    if (!ok) return { ok: false, error: `${SUMMARY_KEY}: proxies[${i}] is malformed` };
  }
  return { ok: true, summary: v as unknown as ReplicaSummary };
}
