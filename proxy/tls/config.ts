// TLS transport sockets → frozen TLS context configs. The mesh delivers key
// material by SDS name (`default`, `ROOTCA`), never inline in a listener or
// cluster, so a context names the Secrets it uses and the material is looked
// up when a connection is made (proxy/tls/secrets.ts): a rotated certificate
// applies to the next handshake without touching listeners or clusters.

import { at, bool, fail, fields, idx, isObject, list, str } from '../config/read.ts';
import { stringMatcher, type StringPredicate } from '../config/matchers.ts';

export const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/** A subject alternative name the peer's certificate must carry (Envoy's match_typed_subject_alt_names). */
export interface SanMatcher {
  readonly type: 'URI' | 'DNS';
  readonly match: StringPredicate;
  /** The matcher as configured, for messages (`exact spiffe://…`). */
  readonly text: string;
}

interface CommonTls {
  /** SDS name of the own certificate (tls_certificate Secret). */
  readonly certificateSecret: string;
  /** SDS name of the trust bundle (validation_context Secret). */
  readonly validationSecret: string | undefined;
  /** Acceptable peer SANs; empty: any certificate the bundle verifies. */
  readonly sans: readonly SanMatcher[];
  /** ALPN protocols offered (client) or accepted (server), in preference order. */
  readonly alpn: readonly string[];
}

export interface DownstreamTlsConfig extends CommonTls {
  readonly side: 'downstream';
  readonly requireClientCertificate: boolean;
}

export interface UpstreamTlsConfig extends CommonTls {
  readonly side: 'upstream';
  /** Server name indication sent in the ClientHello; empty: none. */
  readonly sni: string;
}

const SDS_CONFIG = { what: 'SDS secret config', known: ['name', 'sds_config'] };

function sdsName(value: unknown, path: string): string {
  const f = fields(value, path, SDS_CONFIG);
  const name = str(f['name'], at(path, 'name'));
  if (name === '') fail(at(path, 'name'), 'an SDS secret name is required');
  return name;
}

function sanMatchers(value: unknown, path: string): SanMatcher[] {
  return list(value, path).map((m, i) => {
    const p = idx(path, i);
    const f = fields(m, p, { what: 'SAN matcher', known: ['san_type', 'matcher'], ignored: ['oid'] });
    const t = str(f['san_type'], at(p, 'san_type'));
    if (t !== 'URI' && t !== 'DNS') fail(at(p, 'san_type'), `SAN type ${t} is not supported (URI, DNS)`);
    const mf = isObject(f['matcher']) ? f['matcher'] : {};
    const kind = Object.keys(mf).find((k) => k !== 'ignore_case') ?? 'matcher';
    return Object.freeze({ type: t as 'URI' | 'DNS', match: stringMatcher(f['matcher'], at(p, 'matcher')), text: `${kind} ${String(mf[kind])}` });
  });
}

function parseCommon(value: unknown, path: string): CommonTls {
  const f = fields(value, path, {
    what: 'common TLS context',
    known: ['tls_certificate_sds_secret_configs', 'validation_context_sds_secret_config', 'combined_validation_context', 'alpn_protocols', 'tls_certificates', 'validation_context'],
    // Protocol versions and cipher suites are node:tls defaults (TLS 1.2–1.3, OpenSSL's secure set).
    ignored: ['tls_params'],
  });
  if (f['tls_certificates'] !== undefined) fail(at(path, 'tls_certificates'), 'inline certificates are not supported; reference an SDS Secret (tls_certificate_sds_secret_configs), which the identity agent or the control plane provides');
  if (f['validation_context'] !== undefined) fail(at(path, 'validation_context'), 'an inline validation context is not supported; reference the trust bundle by SDS (validation_context_sds_secret_config or combined_validation_context)');
  const certs = list(f['tls_certificate_sds_secret_configs'], at(path, 'tls_certificate_sds_secret_configs'));
  if (certs.length !== 1) fail(at(path, 'tls_certificate_sds_secret_configs'), `exactly one certificate Secret is supported (got ${certs.length})`);
  const certificateSecret = sdsName(certs[0], idx(at(path, 'tls_certificate_sds_secret_configs'), 0));
  let validationSecret: string | undefined;
  let sans: SanMatcher[] = [];
  if (f['validation_context_sds_secret_config'] !== undefined) validationSecret = sdsName(f['validation_context_sds_secret_config'], at(path, 'validation_context_sds_secret_config'));
  if (f['combined_validation_context'] !== undefined) {
    const cp = at(path, 'combined_validation_context');
    const c = fields(f['combined_validation_context'], cp, { what: 'combined validation context', known: ['default_validation_context', 'validation_context_sds_secret_config'] });
    if (validationSecret !== undefined) fail(cp, 'give the trust bundle once: validation_context_sds_secret_config or combined_validation_context, not both');
    validationSecret = sdsName(c['validation_context_sds_secret_config'], at(cp, 'validation_context_sds_secret_config'));
    if (c['default_validation_context'] !== undefined) {
      const dp = at(cp, 'default_validation_context');
      const d = fields(c['default_validation_context'], dp, { what: 'validation context', known: ['match_typed_subject_alt_names', 'match_subject_alt_names'] });
      sans = sanMatchers(d['match_typed_subject_alt_names'], at(dp, 'match_typed_subject_alt_names'));
      // The untyped form matches URI and DNS names alike, as Envoy does.
      for (const m of sanMatchers(
        list(d['match_subject_alt_names'], at(dp, 'match_subject_alt_names')).map((matcher) => ({ san_type: 'URI', matcher })),
        at(dp, 'match_subject_alt_names'),
      )) sans.push(m, { ...m, type: 'DNS' });
    }
  }
  const alpn = list(f['alpn_protocols'], at(path, 'alpn_protocols')).map((a, i) => str(a, idx(at(path, 'alpn_protocols'), i)));
  // Any protocol ID is accepted, as Envoy does: the proxy speaks h2 and http/1.1; others (istio, istio-peer-exchange) only take part in the negotiation.
  for (const [i, a] of alpn.entries()) if (a.length === 0 || Buffer.byteLength(a) > 255 || !/^[\x21-\x7e]+$/.test(a)) fail(idx(at(path, 'alpn_protocols'), i), `"${a}" is not an ALPN protocol ID (1 to 255 visible ASCII characters)`);
  return { certificateSecret, validationSecret, sans: Object.freeze(sans), alpn: Object.freeze(alpn) };
}

export function parseDownstreamTls(value: unknown, path: string): DownstreamTlsConfig {
  const f = fields(value, path, {
    what: 'downstream TLS context',
    known: ['common_tls_context', 'require_client_certificate'],
    ignored: ['session_timeout', 'disable_stateless_session_resumption', 'require_sni', 'full_scan_certs_on_sni_mismatch', 'ocsp_staple_policy'],
  });
  const common = parseCommon(f['common_tls_context'], at(path, 'common_tls_context'));
  const requireClientCertificate = bool(f['require_client_certificate'], at(path, 'require_client_certificate'));
  if (requireClientCertificate && common.validationSecret === undefined) fail(at(path, 'require_client_certificate'), 'client certificates are required but no trust bundle (validation context) verifies them');
  return Object.freeze({ side: 'downstream', ...common, requireClientCertificate });
}

export function parseUpstreamTls(value: unknown, path: string): UpstreamTlsConfig {
  const f = fields(value, path, {
    what: 'upstream TLS context',
    known: ['common_tls_context', 'sni'],
    ignored: ['allow_renegotiation', 'max_session_keys', 'auto_host_sni', 'auto_sni_san_validation'],
  });
  const common = parseCommon(f['common_tls_context'], at(path, 'common_tls_context'));
  // A client that verifies nothing would hand the workload's identity to whoever answers.
  if (common.validationSecret === undefined) fail(at(path, 'common_tls_context'), 'an upstream TLS context needs a trust bundle (validation_context_sds_secret_config or combined_validation_context): this proxy never connects without verifying the server');
  return Object.freeze({ side: 'upstream', ...common, sni: str(f['sni'], at(path, 'sni'), '') });
}

/** The SAN the peer's certificate satisfies, or why none does. */
export function checkSans(sans: readonly SanMatcher[], uris: readonly string[], dns: readonly string[]): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  if (sans.length === 0) return { ok: true };
  for (const m of sans) {
    const names = m.type === 'URI' ? uris : dns;
    for (const n of names) if (m.match(n)) return { ok: true };
  }
  const have = [...uris.map((u) => `URI:${u}`), ...dns.map((d) => `DNS:${d}`)].join(', ') || 'no SAN';
  return { ok: false, reason: `the peer's certificate (${have}) matches none of the expected SANs (${sans.map((s) => `${s.type} ${s.text}`).join('; ')})` };
}
