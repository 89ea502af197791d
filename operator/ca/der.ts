// Just enough DER to read what node:crypto's X509Certificate does not expose:
// the raw issuer/subject names, keyUsage bits, basicConstraints (cA, pathLen),
// SAN entries by type, extKeyUsage OIDs and each extension's critical flag.
// Strict DER (definite lengths, no trailing bytes inside a value); anything
// else throws a DerError. No dependencies: the proxy imports this.

export class DerError extends Error {
  override readonly name = 'DerError';
}

interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly pos: number;
  /** Offset of the first value byte. */
  readonly start: number;
  /** Offset just past the value. */
  readonly end: number;
}

function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError(`truncated at byte ${pos}`);
  const tag = buf[pos] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at byte ${pos} is not used in certificates`);
  let len = buf[pos + 1] ?? 0;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at byte ${pos} is not DER`);
    if (n > 4) throw new DerError(`length of ${n} bytes at byte ${pos} is too large`);
    if (start + n > limit) throw new DerError(`truncated length at byte ${pos}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerError(`value at byte ${pos} runs past its container`);
  return { tag, pos, start, end };
}

/** The TLVs directly inside a constructed value. */
function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined || t.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found ${t === undefined ? 'nothing' : `0x${t.tag.toString(16)}`}`);
  }
  return t;
}

/** The single TLV that makes up all of `v` (an extension's value). */
function whole(v: Uint8Array, tag: number, what: string): Tlv {
  const t = expectTag(readTlv(v, 0, v.length), tag, what);
  if (t.end !== v.length) throw new DerError(`${what}: trailing bytes`);
  return t;
}

function decodeOid(buf: Uint8Array, t: Tlv): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = t.start; i < t.end; i++) {
    const b = buf[i] ?? 0;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** RFC 5280 keyUsage bits, numbered as in the standard. */
export const KEY_USAGE = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export interface CertExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's content. */
  readonly value: Uint8Array;
}

export interface SanEntry {
  readonly type: 'dns' | 'uri' | 'ip' | 'email' | 'other';
  /** Text for dns/uri/email; dotted or colon form for ip; empty for other. */
  readonly value: string;
}

export interface CertFields {
  /** DER of the issuer and subject Names, for exact issuer matching. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly extensions: readonly CertExtension[];
  /** Undefined when the certificate has no basicConstraints extension. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number };
  /** The set bit numbers (KEY_USAGE); undefined without the extension. */
  readonly keyUsage?: ReadonlySet<number>;
  readonly extKeyUsage?: readonly string[];
  readonly subjectAltNames: readonly SanEntry[];
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
    return words.join(':');
  }
  return Buffer.from(b).toString('hex');
}

const latin1 = (buf: Uint8Array, t: Tlv): string => Buffer.from(buf.subarray(t.start, t.end)).toString('latin1');

function parseSan(v: Uint8Array): SanEntry[] {
  const seq = whole(v, 0x30, 'subjectAltName');
  return children(v, seq).map((n): SanEntry => {
    switch (n.tag) {
      case 0x82: return { type: 'dns', value: latin1(v, n) };
      case 0x86: return { type: 'uri', value: latin1(v, n) };
      case 0x81: return { type: 'email', value: latin1(v, n) };
      case 0x87: return { type: 'ip', value: ipText(v.subarray(n.start, n.end)) };
      default: return { type: 'other', value: '' };
    }
  });
}

function parseKeyUsage(v: Uint8Array): Set<number> {
  const bits = whole(v, 0x03, 'keyUsage');
  const set = new Set<number>();
  for (let i = bits.start + 1; i < bits.end; i++) {
    const byte = v[i] ?? 0;
    for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) set.add((i - bits.start - 1) * 8 + b);
  }
  return set;
}

function parseBasicConstraints(v: Uint8Array): { ca: boolean; pathLen?: number } {
  const seq = whole(v, 0x30, 'basicConstraints');
  let ca = false;
  let pathLen: number | undefined;
  for (const c of children(v, seq)) {
    if (c.tag === 0x01) ca = (v[c.start] ?? 0) !== 0;
    else if (c.tag === 0x02) {
      pathLen = 0;
      for (let i = c.start; i < c.end; i++) pathLen = pathLen * 256 + (v[i] ?? 0);
    }
  }
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

function parseEku(v: Uint8Array): string[] {
  const seq = whole(v, 0x30, 'extKeyUsage');
  return children(v, seq).map((c) => decodeOid(v, expectTag(c, 0x06, 'extKeyUsage')));
}

function parseAki(v: Uint8Array): Uint8Array | undefined {
  const seq = whole(v, 0x30, 'authorityKeyIdentifier');
  const keyId = children(v, seq).find((c) => c.tag === 0x80);
  return keyId === undefined ? undefined : v.slice(keyId.start, keyId.end);
}

/** Reads the fields above from a certificate's DER; throws DerError on malformed input. */
export function certFields(der: Uint8Array): CertFields {
  const cert = whole(der, 0x30, 'Certificate');
  const tbs = expectTag(children(der, cert)[0], 0x30, 'tbsCertificate');
  const parts = children(der, tbs);
  let i = parts[0]?.tag === 0xa0 ? 1 : 0; // explicit version
  i += 2; // serialNumber, signature algorithm
  const issuer = expectTag(parts[i], 0x30, 'issuer');
  const subject = expectTag(parts[i + 2], 0x30, 'subject');
  const extWrapper = parts.slice(i + 4).find((p) => p.tag === 0xa3);
  const extensions: CertExtension[] = [];
  if (extWrapper !== undefined) {
    const seq = expectTag(children(der, extWrapper)[0], 0x30, 'extensions');
    for (const e of children(der, seq)) {
      const [oid, second, third] = children(der, e);
      const critical = second?.tag === 0x01 && (der[second.start] ?? 0) !== 0;
      const value = expectTag(second?.tag === 0x01 ? third : second, 0x04, 'extension value');
      extensions.push({ oid: decodeOid(der, expectTag(oid, 0x06, 'extension id')), critical, value: der.slice(value.start, value.end) });
    }
  }
  const ext = (oid: string): Uint8Array | undefined => extensions.find((e) => e.oid === oid)?.value;
  const bc = ext(OID.basicConstraints);
  const ku = ext(OID.keyUsage);
  const eku = ext(OID.extKeyUsage);
  const san = ext(OID.subjectAltName);
  const ski = ext(OID.subjectKeyIdentifier);
  const aki = ext(OID.authorityKeyIdentifier);
  const skiValue = ski === undefined ? undefined : (() => {
    const t = whole(ski, 0x04, 'subjectKeyIdentifier');
    return ski.slice(t.start, t.end);
  })();
  const akiValue = aki === undefined ? undefined : parseAki(aki);
  return {
    issuer: der.slice(issuer.pos, issuer.end),
    subject: der.slice(subject.pos, subject.end),
    extensions,
    ...(bc === undefined ? {} : { basicConstraints: parseBasicConstraints(bc) }),
    ...(ku === undefined ? {} : { keyUsage: parseKeyUsage(ku) }),
    ...(eku === undefined ? {} : { extKeyUsage: parseEku(eku) }),
    subjectAltNames: san === undefined ? [] : parseSan(san),
    ...(skiValue === undefined ? {} : { subjectKeyId: skiValue }),
    ...(akiValue === undefined ? {} : { authorityKeyId: akiValue }),
  };
}

export const bytesEqual = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
