// admission.k8s.io/v1 AdmissionReview for the mesh kinds and WorkloadEntry: the request read
// strictly from untrusted bytes, judged by the one validator
// (operator/api/validate.ts), and answered so that kubectl prints
//
//   The VirtualService "x" is invalid:
//   * spec.http[0].route: all weights are 0: ...
//
// Pure: no I/O, no clock. server.ts carries the bytes.
//
// Why the response has this shape: the API server prefixes a webhook's
// status.message with `admission webhook "NAME" denied the request: ` but
// passes status.code, reason and details through unchanged. kubectl, for a
// 422 with reason Invalid and details.causes, prints `The KIND "NAME" is
// invalid:` and then `FIELD: MESSAGE` per cause (one cause on the same line,
// several as a `*` list), ignoring the message. So the user sees the same
// lines as for the CRD's own schema errors; clients that print only the
// message (Argo CD, client libraries) get the apiserver's Invalid format.

import { validateResource, type ValidateOptions } from '../../api/validate.ts';
import type { Problem } from '../../api/problem.ts';
import { SMI_GROUP } from '../../api/smi.ts';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** Kinds the validating webhook judges, by API group. All versions of each. */
export const JUDGED_KINDS: Readonly<Record<string, readonly string[]>> = {
  'weft.dev': ['VirtualService', 'AuthorizationPolicy', 'TrafficSplit', 'WorkloadEntry', 'RequestAuthentication'],
  [SMI_GROUP]: ['TrafficSplit'],
};

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** The parts of an AdmissionRequest the webhooks read; everything else is ignored. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly operation: Operation;
  /** Empty for cluster-scoped resources; may be empty on CREATE with generateName. */
  readonly name: string;
  readonly namespace: string;
  readonly subResource: string;
  /** The object after the operation: present for CREATE and UPDATE. */
  readonly object: Readonly<Record<string, unknown>> | undefined;
  /** The object before an UPDATE or DELETE. */
  readonly oldObject: Readonly<Record<string, unknown>> | undefined;
  readonly dryRun: boolean;
}

/** metav1.StatusCause; `reason` is the cause type. */
export interface StatusCause {
  readonly reason: CauseType;
  readonly message: string;
  readonly field: string;
}

export type CauseType = 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueDuplicate';

/** metav1.Status as a webhook returns it for a denial. */
export interface DenialStatus {
  readonly code: 422;
  readonly reason: 'Invalid';
  readonly message: string;
  readonly details: {
    readonly name: string;
    readonly group: string;
    readonly kind: string;
    readonly causes: readonly StatusCause[];
  };
}

export type AdmissionResponse =
  | {
      readonly uid: string;
      readonly allowed: true;
      readonly warnings?: readonly string[];
      /** A mutating webhook's change: base64 of a JSON Patch (RFC 6902). */
      readonly patchType?: 'JSONPatch';
      readonly patch?: string;
    }
  | { readonly uid: string; readonly allowed: false; readonly status: DenialStatus; readonly warnings?: readonly string[] };

export interface AdmissionReviewResponse {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

export type ParsedReview =
  | { readonly ok: true; readonly request: AdmissionRequest }
  /** Not an AdmissionReview this webhook can answer: HTTP 400 with this message. */
  | { readonly ok: false; readonly message: string };

/**
 * Deeper than any object the API server stores for these kinds (their schemas
 * nest about a dozen levels; managedFields mirror that). A cap keeps a hostile
 * body from driving the validator's recursion into a stack overflow.
 */
export const MAX_NESTING = 512;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads an AdmissionReview from the request body: UTF-8, JSON (RFC 8259, nothing lenient), the v1 shape. */
export function parseAdmissionReview(body: Uint8Array): ParsedReview {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return bad('the body is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return bad(`the body is not JSON: ${(e as Error).message}`);
  }
  if (nestingExceeds(doc, MAX_NESTING)) return bad(`the body nests deeper than ${MAX_NESTING} levels`);
  if (!isRecord(doc)) return bad('the body must be a JSON object (an AdmissionReview)');
  if (doc['apiVersion'] !== ADMISSION_API_VERSION) {
    return bad(`apiVersion must be ${ADMISSION_API_VERSION} (got ${describe(doc['apiVersion'])}); set admissionReviewVersions: [v1] in the webhook configuration`);
  }
  if (doc['kind'] !== 'AdmissionReview') return bad(`kind must be AdmissionReview (got ${describe(doc['kind'])})`);
  const req = doc['request'];
  if (!isRecord(req)) return bad('request is missing or not an object');
  const uid = req['uid'];
  if (typeof uid !== 'string' || uid === '') return bad('request.uid must be a non-empty string');
  const kind = req['kind'];
  if (!isRecord(kind) || typeof kind['group'] !== 'string' || typeof kind['version'] !== 'string' || typeof kind['kind'] !== 'string') {
    return bad('request.kind must be an object with string group, version and kind');
  }
  const operation = req['operation'];
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) {
    return bad(`request.operation must be one of ${OPERATIONS.join(', ')} (got ${describe(operation)})`);
  }
  const op = operation as Operation;
  const object = req['object'];
  const oldObject = req['oldObject'];
  for (const [field, value] of [['object', object], ['oldObject', oldObject]] as const) {
    if (value !== undefined && value !== null && !isRecord(value)) return bad(`request.${field} must be an object or null (got ${describe(value)})`);
  }
  if ((op === 'CREATE' || op === 'UPDATE') && !isRecord(object)) return bad(`request.object is required for ${op}`);
  if (op === 'UPDATE' && !isRecord(oldObject)) return bad('request.oldObject is required for UPDATE');
  for (const field of ['name', 'namespace', 'subResource'] as const) {
    const v = req[field];
    if (v !== undefined && typeof v !== 'string') return bad(`request.${field} must be a string (got ${describe(v)})`);
  }
  const dryRun = req['dryRun'];
  if (dryRun !== undefined && typeof dryRun !== 'boolean') return bad(`request.dryRun must be a boolean (got ${describe(dryRun)})`);
  return {
    ok: true,
    request: {
      uid,
      kind: { group: kind['group'], version: kind['version'], kind: kind['kind'] },
      operation: op,
      name: stringOr(req['name']),
      namespace: stringOr(req['namespace']),
      subResource: stringOr(req['subResource']),
      object: isRecord(object) ? object : undefined,
      oldObject: isRecord(oldObject) ? oldObject : undefined,
      dryRun: dryRun === true,
    },
  };
}

export interface ValidateAdmissionOptions {
  /** Passed to the validator: the mTLS mode of a namespace, when the operator knows it. */
  readonly mtlsMode?: ValidateOptions['mtlsMode'];
}

/**
 * The validating webhook's answer. Creates and updates of the judged kinds
 * are validated; everything else is allowed (deletes, subresources, kinds a
 * misconfigured rule sends here): the webhook must never block what it does
 * not judge.
 */
export function validateAdmission(request: AdmissionRequest, options: ValidateAdmissionOptions = {}): AdmissionResponse {
  const allow: AdmissionResponse = { uid: request.uid, allowed: true };
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow;
  if (request.subResource !== '') return allow;
  if (!(JUDGED_KINDS[request.kind.group] ?? []).includes(request.kind.kind)) return allow;
  const object = request.object;
  if (object === undefined) return allow; // parseAdmissionReview guarantees it for CREATE/UPDATE
  // An update that leaves the spec alone (labels, annotations, finalizers) is
  // allowed even when the stored spec is invalid (stored before the webhook
  // was installed, or before a stricter release): otherwise a finalizer could
  // never be removed from it. Its status already says what is wrong.
  if (request.operation === 'UPDATE' && request.oldObject !== undefined && deepEqual(request.oldObject['spec'], object['spec'])) return allow;

  const result = validateResource(object, {
    defaultNamespace: request.namespace === '' ? 'default' : request.namespace,
    ...(options.mtlsMode === undefined ? {} : { mtlsMode: options.mtlsMode }),
  });
  const warnings = result.problems.filter((p) => p.severity === 'warning').map(warningText);
  const withWarnings = warnings.length === 0 ? {} : { warnings };
  if (result.ok) return { ...allow, ...withWarnings };
  const errors = result.problems.filter((p) => p.severity === 'error');
  const name = result.ref?.name ?? (request.name !== '' ? request.name : generateNameOf(object));
  return { uid: request.uid, allowed: false, status: invalidStatus(request.kind, name, errors), ...withWarnings };
}

/** A 422 Invalid status with one cause per error, as the API server builds for its own validation. */
export function invalidStatus(gvk: GroupVersionKind, name: string, errors: readonly Problem[]): DenialStatus {
  const causes = errors.map((p): StatusCause => ({ reason: causeType(p.message), message: p.message, field: fieldOf(p) }));
  const lines = causes.map((c) => `${c.field}: ${c.message}`);
  // The API server's own wording (apierrors.NewInvalid), for clients that print only the message.
  const qualified = gvk.group === '' ? gvk.kind : `${gvk.kind}.${gvk.group}`;
  const message = `${qualified} "${name}" is invalid: ${lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`}`;
  return { code: 422, reason: 'Invalid', message, details: { name, group: gvk.group, kind: gvk.kind, causes } };
}

/** kubectl prints each as `Warning: FIELD: MESSAGE`, the same line `weft validate` prints. */
export const warningText = (p: Problem): string => `${fieldOf(p)}: ${p.message}`;

export function reviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

/**
 * The cause type for a problem, from the validator's fixed phrasings: the
 * machine-readable reason beside the message a person reads.
 */
export function causeType(message: string): CauseType {
  if (message.startsWith('required field is missing')) return 'FieldValueRequired';
  if (message.startsWith('must be one of')) return 'FieldValueNotSupported';
  if (message.startsWith('duplicate ')) return 'FieldValueDuplicate';
  return 'FieldValueInvalid';
}

// --- helpers -------------------------------------------------------------------------

/** A problem about the whole object has no path; kubectl would print a bare `: message`. */
const fieldOf = (p: Problem): string => (p.path === '' ? '<object>' : p.path);

const bad = (message: string): ParsedReview => ({ ok: false, message: `malformed AdmissionReview: ${message}` });

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const stringOr = (v: unknown): string => (typeof v === 'string' ? v : '');

function generateNameOf(object: Readonly<Record<string, unknown>>): string {
  const meta = object['metadata'];
  return isRecord(meta) && typeof meta['generateName'] === 'string' ? meta['generateName'] : '';
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : String(v);
}

/** Whether any path in a parsed JSON value is deeper than `max`; iterative, so depth itself cannot overflow the stack. */
export function nestingExceeds(root: unknown, max: number): boolean {
  const stack: Array<{ readonly v: unknown; readonly d: number }> = [{ v: root, d: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { v, d } = item;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, d: d + 1 });
    }
  }
  return false;
}

/** Structural equality of parsed JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const rb = b as Readonly<Record<string, unknown>>;
  const ra = a as Readonly<Record<string, unknown>>;
  return ka.length === Object.keys(rb).length && ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}
