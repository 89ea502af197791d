// The holder's side of issuance: a fresh ECDSA P-256 key and a PKCS#10
// request naming the holder's SPIFFE ID, which is what a proxy sends to the
// CA. The key never leaves the holder; the CA signs only the public half.
//
// The request is encoded here (RFC 2986, a few fixed DER structures) and
// signed with node:crypto, not built with @peculiar/x509: every proxy makes
// one, and that library with its ASN.1 schemas and dependency injection
// costs a proxy about 15 MB resident for this one call. The CA, which parses
// arbitrary requests, keeps using it.

import { generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { toPem } from './pem.ts';
import { parseSpiffeId } from './spiffe.ts';

export interface KeyAndCsr {
  /** PKCS#8 PEM; stays with the holder. */
  readonly keyPem: string;
  readonly csrPem: string;
}

const generateEcKeyPair = promisify(generateKeyPair) as (type: 'ec', options: { namedCurve: string }) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

/** A new P-256 key and a CSR asking for `spiffeId` (spiffe://td/ns/NS/sa/SA) as its only name. */
export async function createWorkloadCsr(spiffeId: string): Promise<KeyAndCsr> {
  const parsed = parseSpiffeId(spiffeId);
  if (!parsed.ok) throw new Error(`cannot request a certificate for ${parsed.reason}`);
  const { publicKey, privateKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
  const der = workloadCsrDer(spiffeId, publicKey.export({ type: 'spki', format: 'der' }), (info) => sign('sha256', info, privateKey));
  return {
    keyPem: toPem('PRIVATE KEY', privateKey.export({ type: 'pkcs8', format: 'der' })),
    csrPem: toPem('CERTIFICATE REQUEST', der),
  };
}

// ---- DER ---------------------------------------------------------------------

/** A tag, a definite length, the value. */
function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
/** GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String. */
const GENERAL_NAME_URI = 0x86;
/** CertificationRequestInfo.attributes: [0] IMPLICIT SET OF Attribute. */
const ATTRIBUTES = 0xa0;

const VERSION_1 = Buffer.from([0x02, 0x01, 0x00]);
const EMPTY_NAME = Buffer.from([0x30, 0x00]);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
/** 1.2.840.113549.1.9.14 pkcs-9-at-extensionRequest */
const OID_EXTENSION_REQUEST = Buffer.from('06092a864886f70d01090e', 'hex');
/** 2.5.29.17 id-ce-subjectAltName */
const OID_SUBJECT_ALT_NAME = Buffer.from('0603551d11', 'hex');
/** 1.2.840.10045.4.3.2 ecdsa-with-SHA256, parameters absent (RFC 5758). */
const ECDSA_WITH_SHA256 = tlv(SEQUENCE, Buffer.from('06082a8648ce3d040302', 'hex'));

/**
 * A PKCS#10 request with an empty subject and one critical subjectAltName
 * (the URI), signed by `signInfo` (ECDSA with SHA-256, DER signature).
 * Exported for tests.
 */
export function workloadCsrDer(uri: string, spki: Uint8Array, signInfo: (info: Buffer) => Uint8Array): Buffer {
  const san = tlv(SEQUENCE, OID_SUBJECT_ALT_NAME, TRUE, tlv(OCTET_STRING, tlv(SEQUENCE, tlv(GENERAL_NAME_URI, Buffer.from(uri, 'ascii')))));
  const extensionRequest = tlv(SEQUENCE, OID_EXTENSION_REQUEST, tlv(SET, tlv(SEQUENCE, san)));
  const info = tlv(SEQUENCE, VERSION_1, EMPTY_NAME, spki, tlv(ATTRIBUTES, extensionRequest));
  return tlv(SEQUENCE, info, ECDSA_WITH_SHA256, tlv(BIT_STRING, Buffer.from([0]), signInfo(info)));
}
