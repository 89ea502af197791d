// Kubernetes objects as the API server sends them: plain JSON, read through a
// few accessors so nothing downstream trusts a shape it has not checked.

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

/** The fields of metadata the operator reads. */
export interface Meta {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly generation: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
}

export function metaOf(obj: Obj): Meta {
  const m = isObj(obj['metadata']) ? obj['metadata'] : {};
  const labels: Record<string, string> = {};
  if (isObj(m['labels'])) for (const [k, v] of Object.entries(m['labels'])) if (typeof v === 'string') labels[k] = v;
  const deletion = str(m['deletionTimestamp']);
  return {
    name: str(m['name']) ?? '',
    namespace: str(m['namespace']) ?? '',
    uid: str(m['uid']) ?? '',
    resourceVersion: str(m['resourceVersion']) ?? '',
    generation: int(m['generation']) ?? 0,
    labels,
    ...(deletion !== undefined ? { deletionTimestamp: deletion } : {}),
  };
}

/** `namespace/name`, or `name` for cluster-scoped objects: the key of every cache. */
export function objectKey(obj: Obj): string {
  const m = metaOf(obj);
  return m.namespace === '' ? m.name : `${m.namespace}/${m.name}`;
}

/** Errors keep their message and cause; `JSON.stringify(err)` would print `{}`. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
  return String(e);
}
