// A root CA the user brings, in the shape cert-manager writes it: a folder
// with `tls.crt` (the CA certificate) and `tls.key` (its key, PKCS#1, SEC1 or
// PKCS#8), as a mounted Secret or `kubectl get secret` extracted to files
// gives. `ca.crt`, when present, is the issuer's certificate and is not used:
// the mesh trusts the root it signs its intermediate with. authority.ts checks
// that the pair fits and is a CA; this file only reads and names the files.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertKeyPem } from './store.ts';

export const SUPPLIED_ROOT_FILES = Object.freeze({ cert: 'tls.crt', key: 'tls.key' });

export type SuppliedRoot = { readonly ok: true; readonly root: CertKeyPem; readonly files: { readonly cert: string; readonly key: string } } | { readonly ok: false; readonly message: string };

export async function readSuppliedRoot(dir: string): Promise<SuppliedRoot> {
  const files = { cert: join(dir, SUPPLIED_ROOT_FILES.cert), key: join(dir, SUPPLIED_ROOT_FILES.key) };
  const read = async (path: string, what: string): Promise<string | { message: string }> => {
    try {
      const text = await readFile(path, 'utf8');
      return text.includes('-----BEGIN ') ? text : { message: `${path}: no PEM block; it should hold ${what}` };
    } catch (e) {
      const code = e instanceof Error && 'code' in e ? e.code : undefined;
      return { message: `${path}: ${code === 'ENOENT' ? `missing; the folder should hold ${SUPPLIED_ROOT_FILES.cert} and ${SUPPLIED_ROOT_FILES.key}, as a cert-manager CA Secret does` : e instanceof Error ? e.message : String(e)}` };
    }
  };
  const cert = await read(files.cert, 'the CA certificate');
  if (typeof cert !== 'string') return { ok: false, message: cert.message };
  const key = await read(files.key, "the CA certificate's private key");
  if (typeof key !== 'string') return { ok: false, message: key.message };
  return { ok: true, root: { certPem: cert, keyPem: key }, files };
}
