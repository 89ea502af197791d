// TLS origination for a cluster with an UpstreamTlsContext: the workload's
// certificate from the `default` Secret, the server verified against the
// trust bundle, and its identity checked against the cluster's SANs (the
// destination's SPIFFE IDs) instead of a host name: mesh certificates carry
// no DNS names, and the SNI (`outbound_.<port>_._.<fqdn>`) names a service,
// not the server's identity.

import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
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
 * ALPN protocols offered for a connection: an HTTP/2 session offers `h2`
 * (first) and never `http/1.1`; an HTTP/1.1 connection never offers `h2`, so
 * a server cannot pick a protocol the connection will not speak. Other
 * tokens (istio, istio-peer-exchange) pass as configured.
 */
export function offeredAlpn(alpn: readonly string[], http2: boolean): readonly string[] {
  if (!http2) return alpn.includes('h2') ? alpn.filter((a) => a !== 'h2') : alpn;
  return ['h2', ...alpn.filter((a) => a !== 'h2' && a !== 'http/1.1')];
}

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
export function upstreamTls(secrets: TlsSecrets, cfg: UpstreamTlsConfig, http2 = false): UpstreamTlsResult {
  const ctx = secrets.context(cfg.certificateSecret, cfg.validationSecret);
  if (!ctx.ok) return ctx;
  return { ok: true, options: { secureContext: ctx.context, servername: cfg.sni, alpn: offeredAlpn(cfg.alpn, http2), checkServerIdentity: serverCheck(cfg) } };
}

/**
 * A connection to an upstream endpoint, with Nagle off: plain TCP without
 * origination options, else TLS with them (`alpn` overrides what is offered).
 * `allowHalfOpen` applies to plain TCP, where a tunnel carries half-close.
 * `onread` reads into the caller's buffers instead of emitting 'data' (with
 * TLS, the decrypted bytes).
 */
export function dialUpstream(
  host: string,
  port: number,
  t: UpstreamTlsOptions | undefined,
  opts: { readonly alpn?: readonly string[]; readonly allowHalfOpen?: boolean; readonly onread?: net.OnReadOpts } = {},
): net.Socket {
  if (t === undefined) return net.connect({ host, port, noDelay: true, ...(opts.allowHalfOpen === true ? { allowHalfOpen: true } : {}), ...(opts.onread !== undefined ? { onread: opts.onread } : {}) });
  const alpn = opts.alpn ?? t.alpn;
  const s = tls.connect({
    host,
    port,
    secureContext: t.secureContext,
    ...(t.servername !== '' ? { servername: t.servername } : {}),
    ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
    rejectUnauthorized: true,
    checkServerIdentity: t.checkServerIdentity,
    ...(opts.onread !== undefined ? { onread: opts.onread } : {}),
  });
  s.setNoDelay(true);
  return s;
}
