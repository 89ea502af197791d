// The holder's side of issuance: a fresh ECDSA P-256 key and a PKCS#10
// request naming the holder's SPIFFE ID, which is what a proxy sends to the
// CA. The key never leaves the holder; the CA signs only the public half.

import { x509, webcrypto } from './x509.ts';
import { toPem } from './pem.ts';
import { parseSpiffeId } from './spiffe.ts';

export interface KeyAndCsr {
  /** PKCS#8 PEM; stays with the holder. */
  readonly keyPem: string;
  readonly csrPem: string;
}

/** A new P-256 key and a CSR asking for `spiffeId` (spiffe://td/ns/NS/sa/SA) as its only name. */
export async function createWorkloadCsr(spiffeId: string): Promise<KeyAndCsr> {
  const parsed = parseSpiffeId(spiffeId);
  if (!parsed.ok) throw new Error(`cannot request a certificate for ${parsed.reason}`);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      keys,
      signingAlgorithm: alg,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true)],
    },
    webcrypto,
  );
  return {
    keyPem: toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    csrPem: csr.toString('pem') + '\n',
  };
}
