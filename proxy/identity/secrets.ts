// The workload's identity as the data path receives it: Envoy SDS Secrets
// (envoy.extensions.transport_sockets.tls.v3.Secret, config_dump shape), the
// same kind of input the ADS client delivers, with the names the compiler's
// clusters and listeners reference:
//
//   default  tls_certificate { certificate_chain, private_key }  own certificate
//   ROOTCA   validation_context { trusted_ca }                   the mesh roots
//
// (shapes in xds/secrets.ts). And the small pieces that turn them into node:tls options and check a
// peer's SPIFFE identity once node:tls has verified its chain.

import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { spiffeIdOfCert } from '../../operator/ca/verify.ts';
import type { SpiffeId } from '../../operator/ca/spiffe.ts';
import type { JsonObject } from '../../xds/codec.ts';
import { SECRET_CERT, SECRET_ROOT, certificateSecret as certificateSecretResource, trustBundleSecret as trustBundleSecretResource } from '../../xds/secrets.ts';
import type { XdsResource } from '../xds/client.ts';

export { SECRET_CERT, SECRET_ROOT };

/** The `default` Secret as the ConfigSink takes it. */
export const certificateSecret = (certChainPem: string, keyPem: string): XdsResource => ({ name: SECRET_CERT, resource: certificateSecretResource(certChainPem, keyPem) });

/** The `ROOTCA` Secret as the ConfigSink takes it. */
export const trustBundleSecret = (bundlePem: string): XdsResource => ({ name: SECRET_ROOT, resource: trustBundleSecretResource(bundlePem) });

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Thrown when a Secret is not usable: which Secret, which field, what is wrong. */
export class SecretShapeError extends Error {
  override readonly name = 'SecretShapeError';
}

/**
 * The text of an envoy.config.core.v3.DataSource: inline_string, or
 * inline_bytes (base64 in config_dump shape). Files and environment variables
 * are refused: a mesh Secret always carries its data.
 */
function dataSourceText(ds: unknown, where: string): string {
  if (!isObj(ds)) throw new SecretShapeError(`${where}: missing`);
  const s = ds['inline_string'];
  if (typeof s === 'string' && s !== '') return s;
  const b = ds['inline_bytes'];
  if (typeof b === 'string' && b !== '') return Buffer.from(b, 'base64').toString('utf8');
  if (b instanceof Uint8Array && b.length > 0) return Buffer.from(b).toString('utf8');
  const other = ['filename', 'environment_variable'].find((k) => k in ds);
  throw new SecretShapeError(`${where}: ${other === undefined ? 'has no inline_string or inline_bytes' : `${other} is not supported; the mesh delivers certificates inline`}`);
}

/** The Secret message itself, given either as the sink receives it ({name, resource}) or bare. */
function secretObj(s: XdsResource | JsonObject): Obj {
  const inner: unknown = (s as Obj)['resource'];
  return isObj(inner) ? inner : (s as Obj);
}

export interface TlsMaterial {
  /** PEM private key. */
  readonly key: string;
  /** PEM chain: leaf, then intermediates. */
  readonly cert: string;
  /** PEM trust bundle. */
  readonly ca: string;
}

/**
 * node:tls options (`key`, `cert`, `ca`) from the `default` and `ROOTCA`
 * Secrets; throws SecretShapeError naming the field when one does not fit.
 */
export function secretToTlsOptions(defaultSecret: XdsResource | JsonObject, rootSecret: XdsResource | JsonObject): TlsMaterial {
  const d = secretObj(defaultSecret);
  const r = secretObj(rootSecret);
  const dn = `Secret ${JSON.stringify(d['name'] ?? SECRET_CERT)}`;
  const rn = `Secret ${JSON.stringify(r['name'] ?? SECRET_ROOT)}`;
  const tc = d['tls_certificate'];
  if (!isObj(tc)) throw new SecretShapeError(`${dn}: tls_certificate: missing (is this the certificate Secret?)`);
  const vc = r['validation_context'];
  if (!isObj(vc)) throw new SecretShapeError(`${rn}: validation_context: missing (is this the trust bundle Secret?)`);
  return {
    cert: dataSourceText(tc['certificate_chain'], `${dn}: tls_certificate.certificate_chain`),
    key: dataSourceText(tc['private_key'], `${dn}: tls_certificate.private_key`),
    ca: dataSourceText(vc['trusted_ca'], `${rn}: validation_context.trusted_ca`),
  };
}

export type PeerCheck = { readonly ok: true; readonly id: SpiffeId } | { readonly ok: false; readonly reason: string };

/**
 * The SPIFFE identity of a peer whose chain node:tls has verified against the
 * bundle (`ca` set, `rejectUnauthorized: true`), in `trustDomain`, and, when
 * `allowed` is given, one of those SPIFFE IDs.
 */
export function checkPeerCertificate(cert: X509Certificate, trustDomain: string, allowed?: readonly string[]): PeerCheck {
  const r = spiffeIdOfCert(cert, trustDomain);
  if (!r.ok) return { ok: false, reason: r.message };
  if (allowed !== undefined && !allowed.includes(r.id.uri)) {
    return { ok: false, reason: `peer ${r.id.uri} is not one of the expected identities (${allowed.join(', ') || 'none'})` };
  }
  return { ok: true, id: r.id };
}

/** checkPeerCertificate for an established connection; refuses an unverified one. */
export function peerIdentity(socket: TLSSocket, trustDomain: string, allowed?: readonly string[]): PeerCheck {
  if (!socket.authorized) {
    // node:tls sets authorizationError to the OpenSSL code (CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY…), typed as an Error.
    const why: unknown = socket.authorizationError;
    const text = why instanceof Error ? why.message : typeof why === 'string' ? why : 'no certificate';
    return { ok: false, reason: `the peer's certificate was not verified: ${text}` };
  }
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return { ok: false, reason: 'the peer presented no certificate' };
  return checkPeerCertificate(cert, trustDomain, allowed);
}

/**
 * node:tls `checkServerIdentity` for a client dialing a workload: workload
 * certificates carry a SPIFFE ID, not DNS names, so the hostname check is
 * replaced by the SPIFFE check (as Envoy's match_subject_alt_names does).
 */
export function spiffeServerCheck(trustDomain: string, allowed?: readonly string[]): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    let x: X509Certificate;
    try {
      x = new X509Certificate(cert.raw);
    } catch (e) {
      return new Error(`the server's certificate cannot be read: ${(e as Error).message}`, { cause: e });
    }
    const r = checkPeerCertificate(x, trustDomain, allowed);
    return r.ok ? undefined : new Error(r.reason);
  };
}
