// Where the mesh CA keeps its keys and certificates between runs, so `weft up`
// (and later the operator, through a Kubernetes Secret) signs with the same
// CA after a restart and proxies keep trusting it.
//
// A store only moves PEM text; authority.ts checks that what it loads fits
// together (keys match certificates, the intermediate chains to the root) and
// names the store's file or key in any error.

import { mkdir, open, readFile, rename, rm, chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** A CA certificate and its private key, as PEM. */
export interface CertKeyPem {
  readonly certPem: string;
  /** PKCS#8 ("PRIVATE KEY"); SEC1 and PKCS#1 are accepted when reading. */
  readonly keyPem: string;
}

/** Everything the CA persists. */
export interface CaMaterial {
  /** The root that signs the intermediate. */
  readonly root: CertKeyPem;
  /** The intermediate that signs workload and server certificates. */
  readonly intermediate: CertKeyPem;
  /** Every trusted root, including `root` (and `nextRoot` during a rotation). */
  readonly trustBundlePem: string;
  /** A root added for rotation: trusted, not yet signing. */
  readonly nextRoot?: CertKeyPem;
}

export type CaPart = 'root' | 'rootKey' | 'intermediate' | 'intermediateKey' | 'trustBundle' | 'nextRoot' | 'nextRootKey';

export interface CaStore {
  /** The stored material, or undefined when the store is empty (a new CA is created). */
  load(): Promise<CaMaterial | undefined>;
  save(material: CaMaterial): Promise<void>;
  /** Where a part lives, for error messages: a file path, or Secret ns/name key. */
  location(part: CaPart): string;
}

export const CA_FILES: Readonly<Record<CaPart, string>> = {
  root: 'root.pem',
  rootKey: 'root-key.pem',
  intermediate: 'ca.pem',
  intermediateKey: 'ca-key.pem',
  trustBundle: 'trust-bundle.pem',
  nextRoot: 'next-root.pem',
  nextRootKey: 'next-root-key.pem',
};

const isKey = (part: CaPart): boolean => part.endsWith('Key');

/**
 * A directory holding one file per part. Keys are written 0600 and the
 * directory 0700; each file is replaced atomically (written aside, then
 * renamed), and authority.ts refuses a set of files that does not fit
 * together, so a crash between two files is reported instead of used.
 * trust-bundle.pem may be absent (then the bundle is root.pem), so a directory
 * prepared by hand with the four files root.pem, root-key.pem, ca.pem and
 * ca-key.pem is a complete CA.
 */
export class FileCaStore implements CaStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  location(part: CaPart): string {
    return join(this.dir, CA_FILES[part]);
  }

  private async read(part: CaPart): Promise<string | undefined> {
    try {
      return await readFile(this.location(part), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`${this.location(part)}: cannot read: ${(e as Error).message}`, { cause: e });
    }
  }

  async load(): Promise<CaMaterial | undefined> {
    const parts = ['root', 'rootKey', 'intermediate', 'intermediateKey', 'trustBundle', 'nextRoot', 'nextRootKey'] as const;
    const text = Object.fromEntries(await Promise.all(parts.map(async (p) => [p, await this.read(p)] as const))) as Record<CaPart, string | undefined>;
    const required = ['root', 'rootKey', 'intermediate', 'intermediateKey'] as const;
    const missing = required.filter((p) => text[p] === undefined);
    if (missing.length === required.length) {
      if (text.trustBundle !== undefined || text.nextRoot !== undefined || text.nextRootKey !== undefined) {
        throw new Error(`${this.dir}: has ${CA_FILES.trustBundle} or ${CA_FILES.nextRoot} but no CA; restore ${required.map((p) => CA_FILES[p]).join(', ')} or empty the directory to create a new CA`);
      }
      return undefined;
    }
    const { root, rootKey, intermediate, intermediateKey, trustBundle, nextRoot, nextRootKey } = text;
    if (root === undefined || rootKey === undefined || intermediate === undefined || intermediateKey === undefined) {
      throw new Error(`${this.dir}: ${missing.map((p) => CA_FILES[p]).join(', ')} missing; restore it, or empty the directory to create a new CA (every proxy then needs new certificates)`);
    }
    if ((nextRoot === undefined) !== (nextRootKey === undefined)) {
      throw new Error(`${this.dir}: ${nextRoot === undefined ? CA_FILES.nextRoot : CA_FILES.nextRootKey} is missing while ${nextRoot === undefined ? CA_FILES.nextRootKey : CA_FILES.nextRoot} exists; restore it or remove both`);
    }
    return {
      root: { certPem: root, keyPem: rootKey },
      intermediate: { certPem: intermediate, keyPem: intermediateKey },
      trustBundlePem: trustBundle ?? root,
      ...(nextRoot !== undefined && nextRootKey !== undefined ? { nextRoot: { certPem: nextRoot, keyPem: nextRootKey } } : {}),
    };
  }

  async save(m: CaMaterial): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const files: [CaPart, string | undefined][] = [
      ['nextRootKey', m.nextRoot?.keyPem],
      ['nextRoot', m.nextRoot?.certPem],
      ['rootKey', m.root.keyPem],
      ['root', m.root.certPem],
      ['intermediateKey', m.intermediate.keyPem],
      ['intermediate', m.intermediate.certPem],
      ['trustBundle', m.trustBundlePem],
    ];
    for (const [part, content] of files) {
      if (content === undefined) await rm(this.location(part), { force: true });
      else await this.writeAtomically(part, content);
    }
  }

  private async writeAtomically(part: CaPart, content: string): Promise<void> {
    const target = this.location(part);
    const temp = join(this.dir, `.${CA_FILES[part]}.${randomBytes(6).toString('hex')}.tmp`);
    const mode = isKey(part) ? 0o600 : 0o644;
    const fh = await open(temp, 'wx', mode);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(temp, mode); // open() applies the umask; the mode must be exact
    await rename(temp, target);
  }
}
