// What `weft status` shows about a running `weft up`: each proxy (connected
// since, what it acknowledged per type, any rejection) and each mesh
// resource's conditions, derived by the operator's own pure function
// (operator/k8s/conditions.ts) from the validator's verdict, the analysis and
// the ACK tracker. The JSON comes from GET 127.0.0.1:15014/status;
// renderStatus turns it into the table people read.

import type { ResourceRef } from '../api/model.ts';
import { refKey } from '../api/model.ts';
import type { AffectedProxies, MeshAnalysis } from '../compile/analyze.ts';
import { deriveConditions, type DesiredCondition, type Observation } from '../k8s/conditions.ts';
import type { ProgrammedReport } from '../k8s/programmed.ts';
import { TYPE_SHORT } from '../xds/snapshot.ts';
import type { ProxyStatus } from '../xds/tracker.ts';
import type { IdentityAgentStatus } from '../../proxy/identity/agent.ts';
import type { SourceBuild } from './source.ts';
import { formatReport } from '../cli/validate.ts';

export interface WorkloadInfo {
  readonly namespace: string;
  readonly workload: string;
  readonly address: string;
  readonly nodeId: string;
  readonly serviceAccount: string;
  readonly outbound: string;
  readonly inbound: string;
  readonly admin: string;
  readonly identity: IdentityAgentStatus;
  readonly transport: 'plaintext' | 'mtls';
}

export interface ProxyTypeStatus {
  readonly type: string;
  readonly acked?: string;
  readonly sent?: string;
  readonly nack?: { readonly version: string; readonly message: string };
}

export interface ProxyReport {
  readonly id: string;
  readonly namespace: string;
  readonly workload: string;
  readonly address?: string;
  readonly connected: boolean;
  readonly connectedSince?: string;
  readonly inSync: boolean;
  readonly ackedMeshVersion?: string;
  readonly types: readonly ProxyTypeStatus[];
  readonly rejection?: { readonly type: string; readonly version: string; readonly message: string };
  readonly identity?: { readonly spiffeId: string; readonly state: string; readonly notAfter?: string };
  readonly transport?: string;
}

export interface ResourceReport {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The generation being served (the last valid one). */
  readonly generation: number | undefined;
  readonly conditions: readonly DesiredCondition[];
  /** When the file holds an invalid edit: its conditions (Accepted False) while the last good generation is served. */
  readonly pendingEdit?: readonly DesiredCondition[];
}

export interface LocalStatus {
  readonly dir: string;
  readonly startedAt: string;
  readonly meshVersion: number;
  readonly proxies: readonly ProxyReport[];
  readonly resources: readonly ResourceReport[];
  readonly problems: readonly string[];
}

export interface StatusInput {
  readonly dir: string;
  readonly startedAt: number;
  readonly meshVersion: number;
  readonly build: SourceBuild | undefined;
  readonly analysis: MeshAnalysis | undefined;
  readonly proxies: readonly ProxyStatus[];
  readonly workloads: readonly WorkloadInfo[];
  readonly programmed: (ref: ResourceRef, generation: number, reach: AffectedProxies) => ProgrammedReport | undefined;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function buildStatus(input: StatusInput): LocalStatus {
  const byId = new Map(input.proxies.map((p) => [p.node.id, p]));
  const proxies: ProxyReport[] = [];
  const seen = new Set<string>();
  const proxyReport = (p: ProxyStatus | undefined, w: WorkloadInfo | undefined): ProxyReport => {
    const types = (p?.types ?? []).filter((t) => t.subscribed || t.sentVersion !== undefined).map((t): ProxyTypeStatus => ({
      type: TYPE_SHORT[t.typeUrl],
      ...(t.ackedVersion !== undefined ? { acked: t.ackedVersion } : {}),
      ...(t.sentVersion !== undefined ? { sent: t.sentVersion } : {}),
      ...(t.nack !== undefined ? { nack: { version: t.nack.version, message: t.nack.message } } : {}),
    }));
    return {
      id: p?.node.id ?? w?.nodeId ?? '',
      namespace: p?.node.namespace ?? w?.namespace ?? '',
      workload: p?.node.workload ?? w?.workload ?? '',
      ...(w !== undefined ? { address: w.address } : {}),
      connected: p !== undefined,
      ...(p !== undefined ? { connectedSince: iso(p.connectedSince) } : {}),
      inSync: p?.inSync ?? false,
      ...(p?.ackedMeshVersion !== undefined ? { ackedMeshVersion: p.ackedMeshVersion } : {}),
      types,
      ...(p?.rejection !== undefined ? { rejection: { type: TYPE_SHORT[p.rejection.typeUrl], version: p.rejection.version, message: p.rejection.message } } : {}),
      ...(w !== undefined
        ? { identity: { spiffeId: w.identity.spiffeId, state: w.identity.state, ...(w.identity.notAfter !== undefined ? { notAfter: new Date(w.identity.notAfter).toISOString() } : {}) }, transport: w.transport }
        : {}),
    };
  };
  for (const w of input.workloads) {
    seen.add(w.nodeId);
    proxies.push(proxyReport(byId.get(w.nodeId), w));
  }
  // Proxies started elsewhere (a `weft proxy` pointed at this control plane) are shown too.
  for (const p of input.proxies) if (!seen.has(p.node.id)) proxies.push(proxyReport(p, undefined));

  const resources: ResourceReport[] = [];
  const build = input.build;
  const analysis = input.analysis;
  if (build !== undefined && analysis !== undefined) {
    const invalid = new Map(build.invalid.map((i) => [i.key, i]));
    for (const r of analysis.resources) {
      const key = refKey(r.ref);
      const generation = build.generations.get(key) ?? r.ref.generation ?? 0;
      const warnings = build.reports
        .filter((x) => x.severity === 'warning' && x.kind === r.ref.kind && x.namespace === r.ref.namespace && x.name === r.ref.name)
        .map((x) => ({ severity: x.severity, path: x.path, message: x.message }));
      const report = input.programmed(r.ref, generation, r.proxies);
      const observation: Observation = {
        kind: 'valid',
        generation,
        warnings,
        analysis: r,
        programmed: report === undefined ? { kind: 'no-source' } : { kind: 'report', report },
      };
      const inv = invalid.get(key);
      resources.push({
        kind: r.ref.kind,
        namespace: r.ref.namespace,
        name: r.ref.name,
        generation,
        conditions: deriveConditions(observation),
        ...(inv !== undefined ? { pendingEdit: invalidConditions(inv.reports, generation + 1) } : {}),
      });
    }
    // Invalid and never valid: nothing is served, only the verdict.
    for (const inv of build.invalid) {
      if (analysis.byKey.has(inv.key)) continue;
      resources.push({ kind: inv.kind, namespace: inv.namespace, name: inv.name, generation: undefined, conditions: invalidConditions(inv.reports, 1) });
    }
  }
  return {
    dir: input.dir,
    startedAt: new Date(input.startedAt).toISOString(),
    meshVersion: input.meshVersion,
    proxies,
    resources,
    problems: (build?.reports ?? []).map(formatReport),
  };
}

function invalidConditions(reports: readonly { path: string; message: string; severity: 'error' | 'warning' }[], generation: number): readonly DesiredCondition[] {
  return deriveConditions({ kind: 'invalid', generation, problems: reports.map((r) => ({ severity: r.severity, path: r.path, message: r.message })) });
}

// ---------------------------------------------------------------- text

const ago = (since: string | undefined, now: number): string => {
  if (since === undefined) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
};

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

const short = (v: string | undefined): string => (v === undefined ? '-' : v.length > 10 ? v.slice(0, 8) : v);

/** The human view: proxies like `istioctl proxy-status`, then resources with their conditions. */
export function renderStatus(s: LocalStatus, now = Date.now()): string {
  const out: string[] = [];
  out.push(`weft up ${s.dir} · mesh version ${s.meshVersion} · up ${ago(s.startedAt, now)}`);
  out.push('');
  const header = ['PROXY', 'ADDRESS', 'CONNECTED', 'CDS', 'EDS', 'LDS', 'RDS', 'SDS', 'SYNC', 'IDENTITY', 'TRANSPORT'];
  const rows: string[][] = [header];
  for (const p of s.proxies) {
    const t = (name: string): string => {
      const x = p.types.find((y) => y.type === name);
      if (x === undefined) return '-';
      if (x.nack !== undefined) return `NACK ${short(x.nack.version)}`;
      if (x.acked === undefined) return 'pending';
      return x.acked === x.sent || x.sent === undefined ? `ACK ${short(x.acked)}` : `ACK ${short(x.acked)}→${short(x.sent)}`;
    };
    const identity = p.identity === undefined ? '-' : p.identity.state === 'valid' ? `${p.identity.spiffeId}` : `${p.identity.state}`;
    rows.push([
      `${p.namespace}/${p.workload}`,
      p.address ?? '-',
      p.connected ? ago(p.connectedSince, now) : 'no',
      t('CDS'),
      t('EDS'),
      t('LDS'),
      t('RDS'),
      t('SDS'),
      !p.connected ? 'DISCONNECTED' : p.rejection !== undefined ? 'REJECTED' : p.inSync ? 'SYNCED' : 'STALE',
      identity,
      p.transport ?? '-',
    ]);
  }
  out.push(table(rows));
  for (const p of s.proxies) if (p.rejection !== undefined) out.push(`  ${p.namespace}/${p.workload} rejected ${p.rejection.type} ${short(p.rejection.version)}: ${p.rejection.message}`);
  out.push('');
  const rrows: string[][] = [['RESOURCE', 'GEN', 'ACCEPTED', 'RESOLVEDREFS', 'PROGRAMMED', 'READY', 'MESSAGE']];
  for (const r of s.resources) {
    const c = (type: string): DesiredCondition | undefined => r.conditions.find((x) => x.type === type);
    const cell = (type: string): string => {
      const x = c(type);
      return x === undefined ? '-' : x.status === 'True' ? 'True' : `${x.status}(${x.reason})`;
    };
    const prog = c('Programmed');
    const n = prog !== undefined && /(\d+) of (\d+)/.exec(prog.message);
    const ready = c('Ready');
    rrows.push([
      `${r.kind} ${r.namespace}/${r.name}`,
      r.generation === undefined ? '-' : String(r.generation),
      cell('Accepted'),
      cell('ResolvedRefs'),
      `${cell('Programmed')}${n ? ` ${n[1]}/${n[2]}` : ''}`,
      cell('Ready'),
      ready?.status === 'True' ? '' : (ready?.message ?? ''),
    ]);
  }
  out.push(table(rrows));
  for (const r of s.resources) {
    if (r.pendingEdit === undefined) continue;
    const acc = r.pendingEdit.find((x) => x.type === 'Accepted');
    out.push(`  ${r.kind} ${r.namespace}/${r.name}: the edit in the file is refused (${acc?.message ?? 'invalid'}); generation ${r.generation ?? '-'} is still served`);
  }
  const errors = s.problems.filter((p) => !p.includes(': warning: '));
  if (errors.length > 0) {
    out.push('');
    out.push('problems in the manifests:');
    for (const p of s.problems) out.push(`  ${p}`);
  }
  return `${out.join('\n')}\n`;
}
