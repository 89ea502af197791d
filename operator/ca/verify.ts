// Checking a workload's certificate chain against a trust bundle and reading
// its SPIFFE identity, with node:crypto only: the proxy imports this module for
// mTLS peer checks, so it must not pull in the issuing code (@peculiar/x509).
//
// What is checked, in order, and the reason each failure reports:
//   1. the chain and bundle parse                           malformed
//   2. a path leaf → intermediates → a root in the bundle: each issuer found by
//      name (and key id when both sides carry one), each signature verified
//                                  unknown-issuer, bad-signature, untrusted-root
//   3. every certificate on the path is valid at `now`     expired, not-yet-valid
//   4. issuers are CAs allowed to sign certificates, within pathLen
//                                             not-a-ca, wrong-key-usage, path-too-long
//   5. no certificate carries a critical extension we do not understand
//                                                 unsupported-critical-extension
//   6. the leaf is an X.509-SVID: not a CA, keyUsage digitalSignature without
//      certificate signing, extKeyUsage allowing the purpose   wrong-key-usage
//   7. exactly one URI SAN, a mesh SPIFFE ID, in the expected trust domain
//                     no-spiffe-id, multiple-spiffe-ids, bad-spiffe-id, bad-trust-domain

import { X509Certificate } from 'node:crypto';
import { certFields, bytesEqual, DerError, KEY_USAGE, OID, type CertFields } from './der.ts';
import { pemBlocksOf } from './pem.ts';
import { parseSpiffeId, type SpiffeId } from './spiffe.ts';
import type { Validity } from './renew.ts';

export type VerifyFailure =
  | 'malformed'
  | 'unknown-issuer'
  | 'bad-signature'
  | 'untrusted-root'
  | 'expired'
  | 'not-yet-valid'
  | 'not-a-ca'
  | 'path-too-long'
  | 'wrong-key-usage'
  | 'unsupported-critical-extension'
  | 'no-spiffe-id'
  | 'multiple-spiffe-ids'
  | 'bad-spiffe-id'
  | 'bad-trust-domain';

export type VerifyResult =
  | {
      readonly ok: true;
      readonly id: SpiffeId;
      readonly leaf: X509Certificate;
      /** Leaf first, ending with the trusted root that anchors it. */
      readonly path: readonly X509Certificate[];
    }
  | { readonly ok: false; readonly reason: VerifyFailure; readonly message: string };

export interface VerifyOptions {
  /** The trust domain the peer must belong to (the bundle is this domain's). */
  readonly trustDomain: string;
  /**
   * What the leaf is being used for. A server checking a client asks for
   * clientAuth, a client checking a server for serverAuth. Unset: either.
   */
  readonly purpose?: 'serverAuth' | 'clientAuth';
}

/** Deepest path accepted (leaf, intermediates, root); the mesh CA issues depth 3. */
const MAX_PATH = 6;

/** Extensions whose semantics this module enforces, so they may be critical. */
const UNDERSTOOD = new Set<string>([OID.keyUsage, OID.basicConstraints, OID.subjectAltName, OID.extKeyUsage]);

const fieldCache = new WeakMap<X509Certificate, CertFields>();
function fields(c: X509Certificate): CertFields {
  let f = fieldCache.get(c);
  if (f === undefined) {
    f = certFields(new Uint8Array(c.raw));
    fieldCache.set(c, f);
  }
  return f;
}

/** Certificates from PEM text; throws naming what is wrong. */
export function parseCertificates(pem: string): X509Certificate[] {
  return pemBlocksOf(pem, 'CERTIFICATE').map((der, i) => {
    try {
      const c = new X509Certificate(der);
      fields(c); // fail here, not halfway through verification
      return c;
    } catch (e) {
      throw new Error(`certificate ${i + 1}: not a valid X.509 certificate: ${(e as Error).message}`, { cause: e });
    }
  });
}

export const validityOf = (c: X509Certificate): Validity => ({ notBefore: c.validFromDate, notAfter: c.validToDate });

const fail = (reason: VerifyFailure, message: string): VerifyResult => ({ ok: false, reason, message });

/** How a certificate is named in messages. */
const describe = (c: X509Certificate, role: string): string => {
  // node:crypto reports an empty subject (as X.509-SVIDs have) as undefined.
  const subject = nameText(c.subject);
  return `${role} (${subject === '' ? `serial ${c.serialNumber}` : subject})`;
};

/** A distinguished name as one line; empty for an empty name. */
export const nameText = (name: string | undefined): string => (name ?? '').replace(/\n/g, ', ');

const roleOf = (i: number, pathLength: number): string =>
  i === 0 ? 'the leaf certificate' : i === pathLength - 1 ? 'the root certificate' : 'the intermediate certificate';

/**
 * Is `issuer` a candidate issuer of `c`? Its subject matches c's issuer name
 * byte for byte (the mesh CA copies the encoded name) and the key ids agree
 * when both are present; or, for issuers that re-encode names, the key ids
 * match. Only a candidate whose key verifies c's signature is used.
 */
function namesIssuer(c: X509Certificate, issuer: X509Certificate): boolean {
  const cf = fields(c);
  const issf = fields(issuer);
  const keyIdsPresent = cf.authorityKeyId !== undefined && issf.subjectKeyId !== undefined;
  if (!bytesEqual(cf.issuer, issf.subject)) return keyIdsPresent && bytesEqual(cf.authorityKeyId, issf.subjectKeyId);
  return !keyIdsPresent || bytesEqual(cf.authorityKeyId, issf.subjectKeyId);
}

type PathResult = { readonly ok: true; readonly path: X509Certificate[] } | { readonly ok: false; readonly result: VerifyResult };

function buildPath(leaf: X509Certificate, intermediates: readonly X509Certificate[], roots: readonly X509Certificate[]): PathResult {
  const path = [leaf];
  const unused = new Set(intermediates);
  let current = leaf;
  for (;;) {
    if (path.length > MAX_PATH) {
      return { ok: false, result: fail('path-too-long', `the chain is longer than ${MAX_PATH} certificates`) };
    }
    const rootCandidates = roots.filter((r) => namesIssuer(current, r));
    const root = rootCandidates.find((r) => current.verify(r.publicKey));
    if (root !== undefined) {
      // A chain that also carries the root is fine: the bundle's copy is the anchor.
      path.push(root);
      return { ok: true, path };
    }
    const chainCandidates = [...unused].filter((c) => namesIssuer(current, c));
    const next = chainCandidates.find((c) => current.verify(c.publicKey));
    const who = describe(current, path.length === 1 ? 'the leaf certificate' : `chain certificate ${path.length}`);
    if (next !== undefined) {
      unused.delete(next);
      path.push(next);
      current = next;
      continue;
    }
    if (rootCandidates.length + chainCandidates.length > 0) {
      return {
        ok: false,
        result: fail('bad-signature', `${who}: its signature does not verify with the key of ${nameText(current.issuer)}, the issuer it names`),
      };
    }
    const selfIssued = bytesEqual(fields(current).issuer, fields(current).subject) && current.verify(current.publicKey);
    if (selfIssued && path.length > 1) {
      return {
        ok: false,
        result: fail('untrusted-root', `${who} is a self-signed root that is not in the trust bundle (SHA-256 ${current.fingerprint256})`),
      };
    }
    return {
      ok: false,
      result: fail(
        'unknown-issuer',
        `${who} was issued by ${nameText(current.issuer) || 'an empty name'}, which is neither in the chain nor in the trust bundle`,
      ),
    };
  }
}

/**
 * Verifies a workload chain (leaf first, then intermediates) against the trust
 * bundle (the roots) at `now`, and returns the leaf's SPIFFE identity or the
 * precise reason it is refused.
 */
export function verifyWorkloadCert(chainPem: string, bundlePem: string, now: Date, options: VerifyOptions): VerifyResult {
  let chain: X509Certificate[];
  let roots: X509Certificate[];
  try {
    chain = parseCertificates(chainPem);
  } catch (e) {
    return fail('malformed', `chain: ${(e as Error).message}`);
  }
  try {
    roots = parseCertificates(bundlePem);
  } catch (e) {
    return fail('malformed', `trust bundle: ${(e as Error).message}`);
  }
  return verifyWorkloadChain(chain, roots, now, options);
}

/** verifyWorkloadCert on parsed certificates, for callers that keep the bundle parsed. */
export function verifyWorkloadChain(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now: Date,
  options: VerifyOptions,
): VerifyResult {
  const [leaf, ...intermediates] = chain;
  if (leaf === undefined) return fail('malformed', 'the chain is empty');
  if (roots.length === 0) return fail('malformed', 'the trust bundle is empty');
  try {
    const built = buildPath(leaf, intermediates, roots);
    if (!built.ok) return built.result;
    const path = built.path;

    for (const [i, c] of path.entries()) {
      const who = describe(c, roleOf(i, path.length));
      if (now < c.validFromDate) {
        return fail('not-yet-valid', `${who} is not valid before ${c.validFromDate.toISOString()} (now ${now.toISOString()})`);
      }
      if (now > c.validToDate) {
        return fail('expired', `${who} expired at ${c.validToDate.toISOString()} (now ${now.toISOString()})`);
      }
    }

    for (let i = 1; i < path.length; i++) {
      const c = path[i];
      if (c === undefined) continue;
      const f = fields(c);
      const who = describe(c, roleOf(i, path.length));
      if (f.basicConstraints?.ca !== true) return fail('not-a-ca', `${who} signs certificates but is not a CA (basicConstraints cA is not set)`);
      if (f.keyUsage !== undefined && !f.keyUsage.has(KEY_USAGE.keyCertSign)) {
        return fail('wrong-key-usage', `${who} signs certificates but its keyUsage lacks keyCertSign`);
      }
      const below = i - 1; // CA certificates between this one and the leaf
      const pathLen = f.basicConstraints.pathLen;
      if (pathLen !== undefined && below > pathLen) {
        return fail('path-too-long', `${who} allows ${pathLen} intermediate CA(s) below it (pathLen), the chain has ${below}`);
      }
    }

    for (const [i, c] of path.entries()) {
      const unknown = fields(c).extensions.find((e) => e.critical && !UNDERSTOOD.has(e.oid));
      if (unknown !== undefined) {
        return fail('unsupported-critical-extension', `${describe(c, roleOf(i, path.length))} has critical extension ${unknown.oid}, which this verifier does not enforce`);
      }
    }

    const lf = fields(leaf);
    const leafWho = describe(leaf, 'the leaf certificate');
    if (lf.basicConstraints?.ca === true) return fail('wrong-key-usage', `${leafWho} is a CA certificate; a workload certificate must not be`);
    if (lf.keyUsage === undefined || !lf.keyUsage.has(KEY_USAGE.digitalSignature)) {
      return fail('wrong-key-usage', `${leafWho}: keyUsage must include digitalSignature`);
    }
    if (lf.keyUsage.has(KEY_USAGE.keyCertSign) || lf.keyUsage.has(KEY_USAGE.cRLSign)) {
      return fail('wrong-key-usage', `${leafWho}: keyUsage allows signing certificates or CRLs; a workload certificate must not`);
    }
    if (lf.extKeyUsage !== undefined) {
      const wanted = options.purpose === undefined ? [OID.serverAuth, OID.clientAuth] : [OID[options.purpose]];
      if (!wanted.some((w) => lf.extKeyUsage?.includes(w))) {
        return fail('wrong-key-usage', `${leafWho}: extKeyUsage does not allow ${options.purpose ?? 'serverAuth or clientAuth'}`);
      }
    }

    const id = spiffeIdOfFields(lf, leafWho);
    if (!id.ok) return id.result;
    if (id.id.trustDomain !== options.trustDomain) {
      return fail('bad-trust-domain', `${leafWho}: ${id.id.uri} is in trust domain "${id.id.trustDomain}", expected "${options.trustDomain}"`);
    }
    return { ok: true, id: id.id, leaf, path };
  } catch (e) {
    if (e instanceof DerError) return fail('malformed', `a certificate could not be read: ${e.message}`);
    throw e;
  }
}

type IdResult = { readonly ok: true; readonly id: SpiffeId } | { readonly ok: false; readonly result: VerifyResult };

function spiffeIdOfFields(f: CertFields, who: string): IdResult {
  const uris = f.subjectAltNames.filter((s) => s.type === 'uri');
  const [only] = uris;
  if (only === undefined) return { ok: false, result: fail('no-spiffe-id', `${who} has no URI SAN, so no SPIFFE ID`) };
  if (uris.length > 1) {
    return { ok: false, result: fail('multiple-spiffe-ids', `${who} has ${uris.length} URI SANs (${uris.map((u) => u.value).join(', ')}); an X.509-SVID has exactly one`) };
  }
  const parsed = parseSpiffeId(only.value);
  if (!parsed.ok) return { ok: false, result: fail('bad-spiffe-id', `${who}: ${parsed.reason}`) };
  return { ok: true, id: parsed.id };
}

/**
 * The SPIFFE identity of a certificate whose chain something else (node:tls
 * with the bundle as `ca`) has already verified: the proxy's peer check.
 */
export function spiffeIdOfCert(cert: X509Certificate, trustDomain: string): VerifyResult {
  try {
    const who = describe(cert, 'the peer certificate');
    const id = spiffeIdOfFields(fields(cert), who);
    if (!id.ok) return id.result;
    if (id.id.trustDomain !== trustDomain) {
      return fail('bad-trust-domain', `${who}: ${id.id.uri} is in trust domain "${id.id.trustDomain}", expected "${trustDomain}"`);
    }
    return { ok: true, id: id.id, leaf: cert, path: [cert] };
  } catch (e) {
    if (e instanceof DerError) return fail('malformed', `the certificate could not be read: ${e.message}`);
    throw e;
  }
}
