// Status conditions of a mesh resource, derived by pure functions from what
// was observed: the validator's verdict, the mesh analysis, and what the
// proxies acknowledged. No clock here: the caller passes `now`, and
// lastTransitionTime moves only when a condition's status changes, so a
// restarted operator that observes the same world writes nothing.
//
// | type         | status  | reason           | when                                                     |
// |--------------|---------|------------------|----------------------------------------------------------|
// | Accepted     | True    | Accepted         | the validator found no error (warnings are in the message) |
// |              | False   | Invalid          | the validator's errors, one `path: message` each         |
// | ResolvedRefs | True    | ResolvedRefs     | every referenced Service (and port) exists               |
// |              | False   | ServiceNotFound  | a host, destination, mirror or backend names no Service  |
// |              | False   | PortNotFound     | the Service exists without the port named                |
// |              | False   | UnsupportedMatch | a TrafficSplit's matches (HTTPRouteGroups) are not supported |
// |              | False   | KeySetNotFetched | a RequestAuthentication's key set is not fetched (yet): why |
// |              | Unknown | Invalid          | not checked: the resource is invalid                     |
// | Programmed   | True    | Programmed       | acknowledged by every proxy it reaches (or it reaches none) |
// |              | False   | Rejected         | a proxy rejected it: the proxy and its error             |
// |              | False   | Invalid          | not compiled: the resource is invalid                    |
// |              | Unknown | Pending          | some proxies have not acknowledged yet, or there is no xDS server |
// | Ready        | True    | Ready            | all of the above True, and it lost no host               |
// |              | False   | Invalid, Conflicted, ServiceNotFound, PortNotFound, UnsupportedMatch, KeySetNotFetched, Rejected | the first that applies, in that order |
// |              | Unknown | Pending          | waiting for proxies                                      |

import type { Problem } from '../api/problem.ts';
import type { Conflict, Finding, ResourceAnalysis } from '../compile/analyze.ts';
import { isObj, int, str, type Obj } from './objects.ts';
import type { ProgrammedReport } from './programmed.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export const CONDITION_TYPES = ['Accepted', 'ResolvedRefs', 'Programmed', 'Ready'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export type AcceptedReason = 'Accepted' | 'Invalid';
export type ResolvedRefsReason = 'ResolvedRefs' | 'ServiceNotFound' | 'PortNotFound' | 'UnsupportedMatch' | 'KeySetNotFetched' | 'Invalid';
export type ProgrammedReason = 'Programmed' | 'Rejected' | 'Invalid' | 'Pending';
export type ReadyReason = 'Ready' | 'Invalid' | 'Conflicted' | 'ServiceNotFound' | 'PortNotFound' | 'UnsupportedMatch' | 'KeySetNotFetched' | 'Rejected' | 'Pending';

/** A condition as derived, before it gets its times. */
export interface DesiredCondition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** A condition as written in status (metav1.Condition). */
export interface Condition extends DesiredCondition {
  readonly observedGeneration: number;
  /** RFC 3339, seconds. */
  readonly lastTransitionTime: string;
}

export interface MeshStatus {
  readonly observedGeneration: number;
  /** Our four types, in CONDITION_TYPES order. */
  readonly conditions: readonly Condition[];
}

/** What the proxies said, as far as the operator can tell. */
export type ProgrammedObservation =
  /** The operator runs without an xDS server: no proxy can be connected to it. */
  | { readonly kind: 'no-source' }
  /** The xDS server has no answer for this generation yet. */
  | { readonly kind: 'waiting' }
  | { readonly kind: 'report'; readonly report: ProgrammedReport };

export type Observation =
  | { readonly kind: 'invalid'; readonly generation: number; readonly problems: readonly Problem[] }
  | {
      readonly kind: 'valid';
      readonly generation: number;
      /** The validator's warnings. */
      readonly warnings: readonly Problem[];
      readonly analysis: ResourceAnalysis;
      readonly programmed: ProgrammedObservation;
    };

/** Messages stay readable (and far below the CRD's 32 KiB limit) however many problems there are. */
const MAX_ITEMS = 8;

function list(items: readonly string[]): string {
  const shown = items.slice(0, MAX_ITEMS).join('; ');
  return items.length > MAX_ITEMS ? `${shown}; and ${items.length - MAX_ITEMS} more` : shown;
}

const at = (f: { readonly path: string; readonly message: string }): string => (f.path === '' ? f.message : `${f.path}: ${f.message}`);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function refsReason(f: Finding): Exclude<ResolvedRefsReason, 'ResolvedRefs' | 'Invalid'> {
  if (f.path.startsWith('spec.matches[')) return 'UnsupportedMatch';
  // A RequestAuthentication's references are the key sets the control plane fetches.
  if (f.path.startsWith('spec.jwtRules[')) return 'KeySetNotFetched';
  if (f.path.endsWith('.port.number') || /has no port/.test(f.message)) return 'PortNotFound';
  return 'ServiceNotFound';
}

const REFS_ORDER = ['ServiceNotFound', 'PortNotFound', 'UnsupportedMatch', 'KeySetNotFetched'] as const;

function accepted(o: Observation): DesiredCondition {
  if (o.kind === 'invalid') {
    const errors = o.problems.filter((p) => p.severity === 'error');
    return { type: 'Accepted', status: 'False', reason: 'Invalid', message: `${plural(errors.length, 'problem')}: ${list(errors.map(at))}` };
  }
  return o.warnings.length === 0
    ? { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'the resource is valid' }
    : { type: 'Accepted', status: 'True', reason: 'Accepted', message: `the resource is valid, with ${plural(o.warnings.length, 'warning')}: ${list(o.warnings.map(at))}` };
}

function resolvedRefs(o: Observation): DesiredCondition {
  if (o.kind === 'invalid') return { type: 'ResolvedRefs', status: 'Unknown', reason: 'Invalid', message: 'references are not checked until the resource is valid' };
  const unresolved = o.analysis.unresolved;
  if (unresolved.length === 0) {
    const message = o.analysis.ref.kind === 'RequestAuthentication' ? 'every key set is at hand (inline, or fetched by the control plane)' : 'every referenced Service exists';
    return { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message };
  }
  const reasons = new Set(unresolved.map(refsReason));
  const reason = REFS_ORDER.find((r) => reasons.has(r)) ?? 'ServiceNotFound';
  return { type: 'ResolvedRefs', status: 'False', reason, message: list(unresolved.map(at)) };
}

function programmed(o: Observation): DesiredCondition {
  if (o.kind === 'invalid') return { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'not compiled: the resource is invalid' };
  const p = o.programmed;
  const g = o.generation;
  if (p.kind === 'no-source') {
    return { type: 'Programmed', status: 'Unknown', reason: 'Pending', message: `no proxy is connected: this operator runs without an xDS server, so nothing has acknowledged generation ${g}` };
  }
  if (p.kind === 'waiting') return { type: 'Programmed', status: 'Unknown', reason: 'Pending', message: `waiting for the proxies to acknowledge generation ${g}` };
  const { acked, total, rejections } = p.report;
  if (rejections.length > 0) {
    return {
      type: 'Programmed',
      status: 'False',
      reason: 'Rejected',
      message: `rejected by ${rejections.length} of ${plural(total, 'proxy', 'proxies')}: ${list(rejections.map((r) => `${r.proxy}: ${r.error}`))}; acknowledged by ${acked}`,
    };
  }
  // Nothing needs it yet, so there is nothing to program: Ready, as Istio and
  // Linkerd treat config no proxy uses. A proxy that connects later gets it
  // with its first config, and its ACK (or NACK) updates this condition.
  if (total === 0) return { type: 'Programmed', status: 'True', reason: 'Programmed', message: `no proxy in reach is connected (0 of 0): nothing to program yet (generation ${g})` };
  if (acked < total) {
    return { type: 'Programmed', status: 'Unknown', reason: 'Pending', message: `acknowledged by ${acked} of ${plural(total, 'proxy', 'proxies')} (generation ${g}); waiting for ${total - acked}` };
  }
  return { type: 'Programmed', status: 'True', reason: 'Programmed', message: `acknowledged by ${acked} of ${plural(total, 'proxy', 'proxies')} (generation ${g})` };
}

const lost = (o: Observation): readonly Conflict[] => (o.kind === 'valid' ? o.analysis.conflicts.filter((c) => c.role === 'lost') : []);

function ready(o: Observation, acc: DesiredCondition, refs: DesiredCondition, prog: DesiredCondition): DesiredCondition {
  if (acc.status !== 'True') return { type: 'Ready', status: 'False', reason: 'Invalid', message: acc.message };
  const losses = lost(o);
  if (losses.length > 0) return { type: 'Ready', status: 'False', reason: 'Conflicted', message: list(losses.map((c) => `${c.path}: ${c.message}`)) };
  if (refs.status !== 'True') return { type: 'Ready', status: 'False', reason: refs.reason, message: refs.message };
  if (prog.status === 'False') return { type: 'Ready', status: 'False', reason: prog.reason, message: prog.message };
  if (prog.status === 'Unknown') return { type: 'Ready', status: 'Unknown', reason: 'Pending', message: prog.message };
  const extra = o.kind === 'valid' ? [...o.analysis.conflicts.map((c) => `${c.path}: ${c.message}`), ...o.analysis.notes.map(at)] : [];
  return { type: 'Ready', status: 'True', reason: 'Ready', message: extra.length === 0 ? prog.message : `${prog.message}; ${list(extra)}` };
}

/** The four conditions for what was observed. Pure. */
export function deriveConditions(o: Observation): readonly DesiredCondition[] {
  const acc = accepted(o);
  const refs = resolvedRefs(o);
  const prog = programmed(o);
  return [acc, refs, prog, ready(o, acc, refs, prog)];
}

/**
 * The status to write: each condition keeps its previous lastTransitionTime
 * unless its status changed (a new reason or message alone is no transition).
 */
export function withTransitions(desired: readonly DesiredCondition[], previous: readonly Condition[], generation: number, now: string): MeshStatus {
  const conditions = desired.map((d): Condition => {
    const before = previous.find((p) => p.type === d.type);
    const lastTransitionTime = before !== undefined && before.status === d.status ? before.lastTransitionTime : now;
    return { type: d.type, status: d.status, reason: d.reason, message: d.message, observedGeneration: generation, lastTransitionTime };
  });
  return { observedGeneration: generation, conditions };
}

/** RFC 3339 with seconds, as metav1.Time is written. */
export const conditionTime = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Our conditions (and observedGeneration) as a resource's status has them now; other condition types are ignored. */
export function readStatus(obj: Obj): { readonly observedGeneration: number | undefined; readonly conditions: readonly Condition[] } {
  const status = isObj(obj['status']) ? obj['status'] : {};
  const conditions: Condition[] = [];
  for (const c of Array.isArray(status['conditions']) ? status['conditions'] : []) {
    if (!isObj(c)) continue;
    const type = str(c['type']);
    const s = str(c['status']);
    if (!(CONDITION_TYPES as readonly string[]).includes(type ?? '') || (s !== 'True' && s !== 'False' && s !== 'Unknown')) continue;
    conditions.push({
      type: type as ConditionType,
      status: s,
      reason: str(c['reason']) ?? '',
      message: str(c['message']) ?? '',
      observedGeneration: int(c['observedGeneration']) ?? 0,
      lastTransitionTime: str(c['lastTransitionTime']) ?? '',
    });
  }
  conditions.sort((a, b) => CONDITION_TYPES.indexOf(a.type) - CONDITION_TYPES.indexOf(b.type));
  return { observedGeneration: int(status['observedGeneration']), conditions };
}

/** Whether writing `next` would change what the resource's status says. */
export function statusChanged(current: { readonly observedGeneration: number | undefined; readonly conditions: readonly Condition[] }, next: MeshStatus): boolean {
  if (current.observedGeneration !== next.observedGeneration) return true;
  if (current.conditions.length !== next.conditions.length) return true;
  return next.conditions.some((n, i) => {
    const c = current.conditions[i];
    return (
      c === undefined ||
      c.type !== n.type ||
      c.status !== n.status ||
      c.reason !== n.reason ||
      c.message !== n.message ||
      c.observedGeneration !== n.observedGeneration ||
      c.lastTransitionTime !== n.lastTransitionTime
    );
  });
}

/** A condition that changed status or reason between two statuses: what Events announce. */
export interface Transition {
  readonly condition: Condition;
  readonly from: { readonly status: ConditionStatus; readonly reason: string } | undefined;
}

export function transitions(previous: readonly Condition[], next: MeshStatus): readonly Transition[] {
  const out: Transition[] = [];
  for (const n of next.conditions) {
    const p = previous.find((c) => c.type === n.type);
    if (p !== undefined && p.status === n.status && p.reason === n.reason) continue;
    out.push({ condition: n, from: p === undefined ? undefined : { status: p.status, reason: p.reason } });
  }
  return out;
}
