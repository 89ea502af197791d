// SDS Secrets in the proxy (envoy.extensions.transport_sockets.tls.v3.Secret,
// config_dump shape): `default` (tls_certificate) and `ROOTCA`
// (validation_context.trusted_ca) as the identity agent and the control plane
// deliver them. Secrets are checked when applied (PEM parses, the key belongs
// to the certificate), so a bad one is refused (NACK) rather than failing
// handshakes later. Listeners and clusters name Secrets; the material is
// looked up per connection through `TlsSecrets`, whose version changes on
// every applied Secret, so a rotation reaches the next handshake while
// connections already open keep the context they were made with.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { at, fail, fields } from '../config/read.ts';

export type SecretMaterial =
  | { readonly kind: 'certificate'; readonly certChain: string; readonly key: string; readonly leaf: X509Certificate }
  | { readonly kind: 'validation'; readonly ca: string; readonly roots: number };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

function dataSource(value: unknown, path: string): string {
  const f = fields(value, path, { what: 'data source', known: ['inline_string', 'inline_bytes', 'filename', 'environment_variable'] });
  if (typeof f['inline_string'] === 'string' && f['inline_string'] !== '') return f['inline_string'];
  const b = f['inline_bytes'];
  if (typeof b === 'string' && b !== '') return Buffer.from(b, 'base64').toString('utf8');
  if (b instanceof Uint8Array && b.length > 0) return Buffer.from(b).toString('utf8');
  if (f['filename'] !== undefined) return fail(at(path, 'filename'), 'certificate files are not read by this proxy; the mesh delivers certificates inline (SDS from the identity agent or the control plane)');
  if (f['environment_variable'] !== undefined) return fail(at(path, 'environment_variable'), 'environment variables are not read by this proxy; deliver the data inline');
  return fail(path, 'needs inline_string or inline_bytes');
}

function certificates(pem: string, path: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) fail(path, 'no PEM certificate found');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      return fail(path, `certificate ${i} cannot be read: ${(e as Error).message}`);
    }
  });
}

/** A Secret resource → its checked material; throws ConfigError naming the field. */
export function parseSecret(value: unknown, path: string): SecretMaterial {
  const f = fields(value, path, { what: 'Secret', known: ['name', 'tls_certificate', 'validation_context'] });
  if (f['tls_certificate'] !== undefined && f['validation_context'] !== undefined) fail(path, 'a Secret carries a tls_certificate or a validation_context, not both');
  if (f['tls_certificate'] !== undefined) {
    const tp = at(path, 'tls_certificate');
    const t = fields(f['tls_certificate'], tp, { what: 'TLS certificate', known: ['certificate_chain', 'private_key'] });
    const certChain = dataSource(t['certificate_chain'], at(tp, 'certificate_chain'));
    const key = dataSource(t['private_key'], at(tp, 'private_key'));
    const chain = certificates(certChain, at(tp, 'certificate_chain'));
    let pk;
    try {
      pk = createPrivateKey(key);
    } catch (e) {
      return fail(at(tp, 'private_key'), `cannot be read: ${(e as Error).message}`);
    }
    const leaf = chain[0] as X509Certificate;
    if (!leaf.checkPrivateKey(pk)) fail(at(tp, 'private_key'), 'does not belong to the first certificate of certificate_chain');
    return Object.freeze({ kind: 'certificate', certChain, key, leaf });
  }
  if (f['validation_context'] !== undefined) {
    const vp = at(path, 'validation_context');
    const v = fields(f['validation_context'], vp, { what: 'validation context', known: ['trusted_ca'], ignored: ['match_typed_subject_alt_names'] });
    const ca = dataSource(v['trusted_ca'], at(vp, 'trusted_ca'));
    return Object.freeze({ kind: 'validation', ca, roots: certificates(ca, at(vp, 'trusted_ca')).length });
  }
  return fail(path, 'a Secret needs tls_certificate or validation_context');
}

export type ContextResult = { readonly ok: true; readonly context: tls.SecureContext; readonly version: number } | { readonly ok: false; readonly reason: string };

/**
 * The applied Secrets and the node:tls contexts made from them. A context is
 * built once per (certificate, bundle) pair and Secrets version, on first use.
 */
export class TlsSecrets {
  #secrets: ReadonlyMap<string, SecretMaterial> = new Map();
  #contexts = new Map<string, ContextResult>();
  /** Bumped whenever the set of Secrets changes. */
  version = 0;

  /** Replaces the whole set (after the sink has parsed everything). */
  replace(secrets: ReadonlyMap<string, SecretMaterial>): void {
    this.#secrets = secrets;
    this.#contexts = new Map();
    this.version++;
  }

  get(name: string): SecretMaterial | undefined {
    return this.#secrets.get(name);
  }

  /** Key, chain and bundle for node:tls; or why they are not there (the Secret has not arrived, or is of the other kind). */
  material(certName: string, caName: string | undefined): { readonly ok: true; readonly key: string; readonly cert: string; readonly ca: string | undefined } | { readonly ok: false; readonly reason: string } {
    const c = this.#secrets.get(certName);
    if (c === undefined) return { ok: false, reason: `the certificate Secret ${JSON.stringify(certName)} has not arrived (identity agent or SDS)` };
    if (c.kind !== 'certificate') return { ok: false, reason: `Secret ${JSON.stringify(certName)} is a validation context, not a certificate` };
    let ca: string | undefined;
    if (caName !== undefined) {
      const v = this.#secrets.get(caName);
      if (v === undefined) return { ok: false, reason: `the trust bundle Secret ${JSON.stringify(caName)} has not arrived (SDS)` };
      if (v.kind !== 'validation') return { ok: false, reason: `Secret ${JSON.stringify(caName)} is a certificate, not a validation context` };
      ca = v.ca;
    }
    return { ok: true, key: c.key, cert: c.certChain, ca };
  }

  /** A secure context for these Secrets at the current version. */
  context(certName: string, caName: string | undefined): ContextResult {
    const k = `${certName}\u0000${caName ?? ''}`;
    let r = this.#contexts.get(k);
    if (r !== undefined) return r;
    const m = this.material(certName, caName);
    if (!m.ok) r = m;
    else {
      try {
        r = { ok: true, context: tls.createSecureContext({ key: m.key, cert: m.cert, ...(m.ca !== undefined ? { ca: m.ca } : {}) }), version: this.version };
      } catch (e) {
        r = { ok: false, reason: `Secrets ${certName}/${caName ?? '-'} do not make a TLS context: ${(e as Error).message}` };
      }
    }
    this.#contexts.set(k, r);
    return r;
  }

  /** For /config_dump: what is held, never the key. */
  dump(): { name: string; kind: SecretMaterial['kind']; notAfter?: string; subjectAltName?: string; roots?: number }[] {
    return [...this.#secrets].map(([name, s]) =>
      s.kind === 'certificate' ? { name, kind: s.kind, notAfter: s.leaf.validToDate.toISOString(), subjectAltName: s.leaf.subjectAltName ?? '' } : { name, kind: s.kind, roots: s.roots },
    );
  }
}

/** The SANs and subject of a verified peer certificate, in the shape RBAC reads. */
export function sansOf(cert: X509Certificate): { readonly uriSans: readonly string[]; readonly dnsSans: readonly string[]; readonly subject: string } {
  const uriSans: string[] = [];
  const dnsSans: string[] = [];
  // node prints "URI:spiffe://…, DNS:…"; values with commas are JSON-quoted, which SPIFFE IDs never are.
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('URI:')) uriSans.push(part.slice(4));
    else if (part.startsWith('DNS:')) dnsSans.push(part.slice(4));
  }
  return { uriSans, dnsSans, subject: (cert.subject ?? '').replace(/\n/g, ',') };
}

