// The one validator. The admission webhook, the operator and `weft validate`
// all call validateResource, so a resource is judged the same way everywhere:
// the generated schema check first, then the semantic rules (operator/api/
// rules/), every problem reported at once, in document order, without echoes.

import type { Problem } from './problem.ts';
import type { MeshKind, ResourceRef, ValidResource, WeftKind } from './model.ts';
import { schemaValidate } from './validators.ts';
import { schemaFindings } from './schema-errors.ts';
import { RULES } from './rules/index.ts';
import { type Finding, type Obj, closest, collectingContext, isObj, isTree, splitPath } from './rules/context.ts';
import { shapeOf, show } from './rules/show.ts';
import { SMI_GROUP, convertSmiTrafficSplit } from './smi.ts';

export type { Problem };

export const WEFT_GROUP = 'weft.dev';
export const WEFT_API_VERSION = 'weft.dev/v1alpha1';
export const MESH_KINDS: readonly MeshKind[] = ['VirtualService', 'AuthorizationPolicy', 'TrafficSplit', 'RequestAuthentication'];
/** Every kind the validator judges: the mesh kinds and WorkloadEntry (the registry's workloads outside Kubernetes). */
export const WEFT_KINDS: readonly WeftKind[] = [...MESH_KINDS, 'WorkloadEntry'];

export interface ValidateOptions {
  /** Namespace for a resource without metadata.namespace (kubectl's default is "default"). */
  readonly defaultNamespace?: string;
  /**
   * The mTLS mode of the resource's namespace, when the caller knows it (the
   * operator does, from its mesh settings). Under PERMISSIVE, plaintext
   * requests carry no peer identity, which some AuthorizationPolicies miss.
   */
  readonly mtlsMode?: (namespace: string) => 'STRICT' | 'PERMISSIVE' | undefined;
}

export type ValidationResult =
  | {
      readonly ok: true;
      readonly ref: ResourceRef;
      /** The resource as the compiler reads it: namespace set, SMI converted to weft.dev. */
      readonly resource: ValidResource;
      /** Warnings only. */
      readonly problems: readonly Problem[];
    }
  | {
      readonly ok: false;
      /** Absent when the object does not say what it is (no kind, no name). */
      readonly ref?: ResourceRef;
      /** At least one error. */
      readonly problems: readonly Problem[];
    };

/**
 * Whether an object is one the validator judges: any kind in weft.dev, an SMI
 * TrafficSplit, or a Weft kind that forgot its apiVersion (kubectl would
 * reject it; skipping it silently would hide the mistake).
 */
export function isMeshObject(obj: unknown): boolean {
  if (!isObj(obj)) return false;
  const apiVersion = obj['apiVersion'];
  const group = groupOf(apiVersion);
  if (apiVersion === undefined) return typeof obj['kind'] === 'string' && (WEFT_KINDS as readonly string[]).includes(obj['kind']);
  return group === WEFT_GROUP || (group === SMI_GROUP && obj['kind'] === 'TrafficSplit');
}

/** Validates one object as a Weft resource, and returns the normalized resource when it has no error. */
export function validateResource(obj: unknown, options: ValidateOptions = {}): ValidationResult {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  if (!isObj(obj)) {
    return fail(undefined, [{ severity: 'error', path: '', message: `a resource must be a mapping with apiVersion, kind, metadata and spec (got ${show(obj)})` }]);
  }
  if (!isTree(obj)) {
    return fail(undefined, [{ severity: 'error', path: '', message: 'the resource refers to itself (a YAML alias inside its own anchor): Kubernetes objects cannot be recursive' }]);
  }
  const apiVersion = obj['apiVersion'];
  const kindValue = obj['kind'];
  const group = groupOf(apiVersion);
  const meta = isObj(obj['metadata']) ? obj['metadata'] : undefined;
  const namespace = typeof meta?.['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : defaultNamespace;

  if (typeof kindValue !== 'string' || !(WEFT_KINDS as readonly string[]).includes(kindValue)) {
    const guess = typeof kindValue === 'string' ? closest(kindValue, WEFT_KINDS) : undefined;
    const message = kindValue === undefined
      ? `required field is missing (one of ${WEFT_KINDS.join(', ')})`
      : typeof kindValue !== 'string'
        ? `must be one of ${WEFT_KINDS.join(', ')} (got ${shapeOf(kindValue)})`
        : `unknown kind ${show(kindValue)}${guess !== undefined ? `; did you mean ${show(guess)}?` : ''} (${WEFT_GROUP} has ${WEFT_KINDS.join(', ')})`;
    return fail(undefined, [{ severity: 'error', path: 'kind', message }]);
  }
  const kind = kindValue as WeftKind;
  const smi = group === SMI_GROUP && kind === 'TrafficSplit';
  const ref = refOf(kind, smi ? SMI_GROUP : WEFT_GROUP, meta, namespace);

  let subject: Obj = obj;
  const findings: Finding[] = [];
  if (smi) {
    const conversion = convertSmiTrafficSplit(obj);
    if (!conversion.ok) return fail(ref, finish(obj, [...conversion.findings]));
    subject = conversion.converted;
  }
  findings.push(...schemaFindings(kind, schemaValidate(kind, subject)));
  findings.push(...metadataFindings(meta));
  RULES[kind](subject, collectingContext(namespace, findings, options.mtlsMode?.(namespace)));
  const problems = finish(subject, findings);
  if (ref === undefined || problems.some((p) => p.severity === 'error')) return fail(ref, problems);
  return { ok: true, ref, resource: normalize(subject, namespace), problems };
}

// --- helpers -------------------------------------------------------------------------

// What the API server demands of a custom resource's name and namespace.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function metadataFindings(meta: Obj | undefined): Finding[] {
  const out: Finding[] = [];
  const name = meta?.['name'];
  if (name === '') out.push({ severity: 'error', path: 'metadata.name', message: 'every resource needs a name (got an empty string)' });
  else if (typeof name === 'string' && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    out.push({ severity: 'error', path: 'metadata.name', message: `${show(name)} is not a valid name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters` });
  }
  const ns = meta?.['namespace'];
  if (typeof ns === 'string' && ns !== '' && (ns.length > 63 || !DNS_LABEL.test(ns))) {
    out.push({ severity: 'error', path: 'metadata.namespace', message: `${show(ns)} is not a valid namespace: use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters` });
  }
  return out;
}

function fail(ref: ResourceRef | undefined, problems: readonly Problem[]): ValidationResult {
  return ref === undefined ? { ok: false, problems } : { ok: false, ref, problems };
}

function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

function refOf(kind: WeftKind, group: ResourceRef['group'], meta: Obj | undefined, namespace: string): ResourceRef | undefined {
  const name = meta?.['name'];
  if (typeof name !== 'string' || name === '') return undefined;
  const generation = meta?.['generation'];
  return typeof generation === 'number' && Number.isInteger(generation)
    ? { group, kind, namespace, name, generation }
    : { group, kind, namespace, name };
}

/** The validated object with metadata.namespace set; the input is not modified. */
function normalize(obj: Obj, namespace: string): ValidResource {
  const meta = isObj(obj['metadata']) ? obj['metadata'] : {};
  // The schema check passed: the object has the generated type's shape.
  return { ...obj, metadata: { ...meta, namespace } } as unknown as ValidResource;
}

/** Removes echoes, orders by position in the document, and strips the bookkeeping. */
function finish(doc: Obj, findings: readonly Finding[]): Problem[] {
  // A missing field next to a misspelled one that means it: the misspelling says it all.
  const suggested = new Set<string>();
  for (const f of findings) if (f.unknown?.suggestion !== undefined) suggested.add(`${f.unknown.at}\u0000${f.unknown.suggestion}`);
  const seen = new Set<string>();
  const kept: Array<{ readonly p: Problem; readonly order: number; readonly seq: number }> = [];
  const order = documentOrder(doc);
  findings.forEach((f, seq) => {
    if (f.missing !== undefined && f.missing.fields.some((m) => suggested.has(`${f.missing?.at}\u0000${m}`))) return;
    const key = `${f.severity}\u0000${f.path}\u0000${f.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    kept.push({ p: { severity: f.severity, path: f.path, message: f.message }, order: positionOf(order, f.path), seq });
  });
  kept.sort((a, b) => a.order - b.order || a.seq - b.seq);
  return kept.map((k) => k.p);
}

/** Pre-order position of every path in the document, so problems read top to bottom. */
function documentOrder(doc: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const walk = (v: unknown, path: string): void => {
    order.set(path, order.size);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, path === '' ? k : isPlainField(k) && !inMap(path) ? `${path}.${k}` : `${path}[${k}]`);
    }
  };
  walk(doc, '');
  return order;
}

/** Maps (header names, labels...) are written with brackets; their parents are these fields. */
const MAP_FIELDS = new Set(['headers', 'withoutHeaders', 'queryParams', 'sourceLabels', 'labels', 'annotations', 'matchLabels', 'set', 'add', 'ports']);
const inMap = (path: string): boolean => {
  const segs = splitPath(path);
  const last = segs[segs.length - 1];
  if (last === undefined || !MAP_FIELDS.has(last)) return false;
  // `headers` is a map under a match, an object (request/response) under a rule or destination.
  return last !== 'headers' || /match\[[0-9]+\]$/.test(path.slice(0, -'.headers'.length));
};
const isPlainField = (k: string): boolean => /^[A-Za-z_$][\w$-]*$/.test(k);

function positionOf(order: Map<string, number>, path: string): number {
  let p = path;
  for (;;) {
    const hit = order.get(p);
    if (hit !== undefined) return hit + (p === path ? 0 : 0.5);
    if (p === '') return 0;
    const cut = p.endsWith(']') ? p.lastIndexOf('[') : p.lastIndexOf('.');
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}
