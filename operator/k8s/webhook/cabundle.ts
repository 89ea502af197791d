// Keeps the webhook configurations' caBundle equal to the mesh CA's trust
// bundle, so the API server trusts the webhook's serving certificate across
// CA rotation. config/webhook ships the configurations without a caBundle
// (re-applying the base must never overwrite the live one); the operator
// calls ensureCaBundle at start, whenever the trust bundle changes, and
// periodically, which also repairs a bundle someone else overwrote.
//
// A JSON patch per webhook whose bundle differs, guarded by a `test` of that
// webhook's name at its index, so a concurrent reorder or removal makes the
// patch fail cleanly (then it is re-read and retried) instead of writing the
// bundle into the wrong entry. Other fields are left alone; the field manager
// is the operator's own.

import { AdmissionregistrationV1Api, ApiException, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

export const FIELD_MANAGER = 'weft-operator';

export type WebhookConfigurationKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration';

export interface EnsureCaBundleOptions {
  readonly kind?: WebhookConfigurationKind;
  readonly fieldManager?: string;
  /** Attempts when the configuration changes between read and patch. Default 3. */
  readonly attempts?: number;
}

export interface EnsureCaBundleResult {
  /** Names of the webhooks whose caBundle was replaced; empty when all were current. */
  readonly updated: readonly string[];
}

export class CaBundleError extends Error {
  override readonly name = 'CaBundleError';
}

interface WebhookEntry {
  readonly name: string;
  readonly clientConfig: { readonly caBundle?: string };
}

type JsonPatchOp =
  | { readonly op: 'test'; readonly path: string; readonly value: string }
  | { readonly op: 'add'; readonly path: string; readonly value: string };

/** The caBundle value (base64 of the PEM text) for a trust bundle. */
export const caBundleValue = (caPem: string): string => Buffer.from(`${caPem.trim()}\n`).toString('base64');

/** The patch that brings every webhook's caBundle to `want`; empty when nothing differs. */
export function caBundlePatch(webhooks: readonly WebhookEntry[], want: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  webhooks.forEach((w, i) => {
    if (w.clientConfig.caBundle === want) return;
    // JSON Pointer escaping (RFC 6901) is not needed: indexes and fixed names only.
    ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: w.name });
    // `add` sets an object member whether or not it exists.
    ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want });
  });
  return ops;
}

/**
 * Sets clientConfig.caBundle of every webhook in the named configuration to
 * `caPem` (the mesh CA's trust bundle) where it differs. No write when all are
 * current. Throws CaBundleError naming the configuration on failure.
 */
export async function ensureCaBundle(kubeClient: KubeConfig, name: string, caPem: string, options: EnsureCaBundleOptions = {}): Promise<EnsureCaBundleResult> {
  const kind = options.kind ?? 'ValidatingWebhookConfiguration';
  const fieldManager = options.fieldManager ?? FIELD_MANAGER;
  const attempts = options.attempts ?? 3;
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CaBundleError(`${kind} "${name}": the CA bundle is not PEM certificates`);
  }
  const want = caBundleValue(caPem);
  const api = kubeClient.makeApiClient(AdmissionregistrationV1Api);
  const what = `${kind} "${name}"`;
  for (let attempt = 1; ; attempt++) {
    let webhooks: readonly WebhookEntry[];
    try {
      const current = kind === 'ValidatingWebhookConfiguration'
        ? await api.readValidatingWebhookConfiguration({ name })
        : await api.readMutatingWebhookConfiguration({ name });
      webhooks = current.webhooks ?? [];
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) {
        throw new CaBundleError(`${what} does not exist: install config/webhook (kubectl apply -k config/default)`, { cause: e });
      }
      throw new CaBundleError(`${what}: cannot read it: ${errorText(e)}`, { cause: e });
    }
    const ops = caBundlePatch(webhooks, want);
    if (ops.length === 0) return { updated: [] };
    const updated = webhooks.filter((w) => w.clientConfig.caBundle !== want).map((w) => w.name);
    try {
      const request = { name, body: ops, fieldManager };
      const contentType = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
      if (kind === 'ValidatingWebhookConfiguration') await api.patchValidatingWebhookConfiguration(request, contentType);
      else await api.patchMutatingWebhookConfiguration(request, contentType);
      return { updated };
    } catch (e) {
      // A failed `test` (the webhooks moved) is 422; a conflict 409. Re-read and try again.
      const retryable = e instanceof ApiException && (e.code === 422 || e.code === 409);
      if (!retryable || attempt >= attempts) {
        throw new CaBundleError(`${what}: cannot set caBundle of ${updated.join(', ')}: ${errorText(e)}`, { cause: e });
      }
    }
  }
}

function errorText(e: unknown): string {
  if (e instanceof ApiException) {
    const body: unknown = e.body;
    const message = typeof body === 'string' ? safeStatusMessage(body) : undefined;
    return `HTTP ${e.code}${message === undefined ? '' : `: ${message}`}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The message of a metav1.Status body, when the body is one. */
function safeStatusMessage(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.slice(0, 300);
}
