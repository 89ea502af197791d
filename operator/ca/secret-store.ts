// The mesh CA kept in a Kubernetes Secret (`weft-ca` in the operator's
// namespace), so every operator replica signs with the same CA and a restart
// keeps it. One key per part, named as FileCaStore names its files
// (root.pem, root-key.pem, ca.pem, ca-key.pem, trust-bundle.pem,
// next-root*.pem).
//
// Writes are optimistic: the first save creates the Secret (POST, so two
// replicas racing to create it cannot both win: the loser gets 409 and must
// load what the winner wrote), later saves replace it at the resourceVersion
// last read (PUT, 409 when someone else wrote in between). Only get, create
// and update of this one Secret are needed: no list, no watch.

import type { KubeClient } from '../k8s/kube.ts';
import { KubeApiError } from '../k8s/kube.ts';
import { CA_FILES, type CaMaterial, type CaPart, type CaStore } from './store.ts';

export const CA_SECRET_NAME = 'weft-ca';

export class CaSecretConflictError extends Error {
  override readonly name = 'CaSecretConflictError';
}

/** The part of KubeClient the store uses. */
export type SecretClient = Pick<KubeClient, 'request'>;

const PARTS = ['root', 'rootKey', 'intermediate', 'intermediateKey', 'trustBundle', 'nextRoot', 'nextRootKey'] as const satisfies readonly CaPart[];

export class SecretCaStore implements CaStore {
  readonly namespace: string;
  readonly name: string;
  private readonly client: SecretClient;
  /** The Secret's resourceVersion at the last load or save; undefined: not seen (a save creates it). */
  private resourceVersion: string | undefined;

  constructor(client: SecretClient, namespace: string, name = CA_SECRET_NAME) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  location(part: CaPart): string {
    return `Secret ${this.namespace}/${this.name} key ${CA_FILES[part]}`;
  }

  private get path(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/secrets/${encodeURIComponent(this.name)}`;
  }

  async load(): Promise<CaMaterial | undefined> {
    let secret;
    try {
      secret = await this.client.request('GET', this.path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) {
        this.resourceVersion = undefined;
        return undefined;
      }
      throw new Error(`Secret ${this.namespace}/${this.name}: cannot read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const meta = secret['metadata'];
    this.resourceVersion = typeof meta === 'object' && meta !== null && 'resourceVersion' in meta && typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined;
    const data = secret['data'];
    const text: Partial<Record<CaPart, string>> = {};
    if (typeof data === 'object' && data !== null) {
      for (const part of PARTS) {
        const v = (data as Record<string, unknown>)[CA_FILES[part]];
        if (typeof v === 'string') text[part] = Buffer.from(v, 'base64').toString('utf8');
      }
    }
    const required = ['root', 'rootKey', 'intermediate', 'intermediateKey'] as const;
    const missing = required.filter((p) => text[p] === undefined);
    if (missing.length === required.length) {
      throw new Error(`Secret ${this.namespace}/${this.name} exists but holds no CA (keys ${required.map((p) => CA_FILES[p]).join(', ')}); delete it to have the operator create a new CA (every proxy then needs new certificates), or restore it`);
    }
    const { root, rootKey, intermediate, intermediateKey, trustBundle, nextRoot, nextRootKey } = text;
    if (root === undefined || rootKey === undefined || intermediate === undefined || intermediateKey === undefined) {
      throw new Error(`Secret ${this.namespace}/${this.name}: key ${missing.map((p) => CA_FILES[p]).join(', ')} missing; restore it, or delete the Secret to create a new CA`);
    }
    if ((nextRoot === undefined) !== (nextRootKey === undefined)) {
      throw new Error(`Secret ${this.namespace}/${this.name}: key ${nextRoot === undefined ? CA_FILES.nextRoot : CA_FILES.nextRootKey} is missing while the other next-root key exists; restore it or remove both`);
    }
    return {
      root: { certPem: root, keyPem: rootKey },
      intermediate: { certPem: intermediate, keyPem: intermediateKey },
      trustBundlePem: trustBundle ?? root,
      ...(nextRoot !== undefined && nextRootKey !== undefined ? { nextRoot: { certPem: nextRoot, keyPem: nextRootKey } } : {}),
    };
  }

  async save(m: CaMaterial): Promise<void> {
    const data: Record<string, string> = {};
    const put = (part: CaPart, pem: string | undefined): void => {
      if (pem !== undefined) data[CA_FILES[part]] = Buffer.from(pem, 'utf8').toString('base64');
    };
    put('root', m.root.certPem);
    put('rootKey', m.root.keyPem);
    put('intermediate', m.intermediate.certPem);
    put('intermediateKey', m.intermediate.keyPem);
    put('trustBundle', m.trustBundlePem);
    put('nextRoot', m.nextRoot?.certPem);
    put('nextRootKey', m.nextRoot?.keyPem);
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/name': 'weft', 'app.kubernetes.io/component': 'ca' },
        ...(this.resourceVersion === undefined ? {} : { resourceVersion: this.resourceVersion }),
      },
      data,
    };
    try {
      const written =
        this.resourceVersion === undefined
          ? await this.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/secrets`, { body })
          : await this.client.request('PUT', this.path, { body });
      const meta = written['metadata'];
      this.resourceVersion = typeof meta === 'object' && meta !== null && 'resourceVersion' in meta && typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409) {
        throw new CaSecretConflictError(`Secret ${this.namespace}/${this.name} was ${this.resourceVersion === undefined ? 'created' : 'changed'} by someone else; load it again`, { cause: e });
      }
      throw new Error(`Secret ${this.namespace}/${this.name}: cannot write: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}
