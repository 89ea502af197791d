// TLS origination for a cluster with an UpstreamTlsContext: the workload's
// certificate from the `default` Secret, the server verified against the
// trust bundle, and its identity checked against the cluster's SANs (the
// destination's SPIFFE IDs) instead of a host name: mesh certificates carry
// no DNS names, and the SNI (`outbound_.<port>_._.<fqdn>`) names a service,
// not the server's identity.

import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import { checkSans, type UpstreamTlsConfig } from './config.ts';
import { sansOf, type TlsSecrets } from './secrets.ts';

/** What an upstream connection needs to dial TLS. */
export interface UpstreamTlsOptions {
  readonly secureContext: tls.SecureContext;
  /** Empty: no SNI. */
  readonly servername: string;
  readonly alpn: readonly string[];
  readonly checkServerIdentity: (host: string, cert: tls.PeerCertificate) => Error | undefined;
}

export type UpstreamTlsResult = { readonly ok: true; readonly options: UpstreamTlsOptions } | { readonly ok: false; readonly reason: string };

/**
 * ALPN protocols the HTTP/1.1 upstream can honour. `h2` is left out until the
 * HTTP/2 upstream exists: offering it would let a server pick a protocol the
 * connection cannot speak. (The seam: the pool reads `socket.alpnProtocol`
 * after `secureConnect` and picks the codec.)
 */
export const speakableAlpn = (alpn: readonly string[]): readonly string[] => alpn.filter((a) => a !== 'h2');

const checks = new WeakMap<UpstreamTlsConfig, UpstreamTlsOptions['checkServerIdentity']>();

function serverCheck(cfg: UpstreamTlsConfig): UpstreamTlsOptions['checkServerIdentity'] {
  let c = checks.get(cfg);
  if (c === undefined) {
    c = (_host, cert) => {
      let x: X509Certificate;
      try {
        x = new X509Certificate(cert.raw);
      } catch (e) {
        return new Error(`the server's certificate cannot be read: ${(e as Error).message}`);
      }
      const names = sansOf(x);
      const r = checkSans(cfg.sans, names.uriSans, names.dnsSans);
      return r.ok ? undefined : new Error(`server identity refused: ${r.reason}`);
    };
    checks.set(cfg, c);
  }
  return c;
}

/** The options for the next connection, with the Secrets as they are now. */
export function upstreamTls(secrets: TlsSecrets, cfg: UpstreamTlsConfig): UpstreamTlsResult {
  const ctx = secrets.context(cfg.certificateSecret, cfg.validationSecret);
  if (!ctx.ok) return ctx;
  return { ok: true, options: { secureContext: ctx.context, servername: cfg.sni, alpn: speakableAlpn(cfg.alpn), checkServerIdentity: serverCheck(cfg) } };
}
