// SDS Secrets as the mesh uses them (envoy.extensions.transport_sockets.tls.v3.Secret,
// config_dump shape), shared by the control plane, which serves ROOTCA over
// ADS, and the proxy's identity agent, which publishes both locally. The
// names are the ones the compiler's clusters and listeners reference
// (operator/compile/names.ts SDS_CERT, SDS_ROOT).

import type { JsonObject } from './codec.ts';

/** The workload's own certificate and key. */
export const SECRET_CERT = 'default';
/** The mesh trust bundle. */
export const SECRET_ROOT = 'ROOTCA';

/** `default`: tls_certificate with the chain (leaf first, no root) and its private key, PEM inline. */
export const certificateSecret = (certChainPem: string, keyPem: string): JsonObject => ({
  name: SECRET_CERT,
  tls_certificate: { certificate_chain: { inline_string: certChainPem }, private_key: { inline_string: keyPem } },
});

/** `ROOTCA`: validation_context with every trusted root, PEM inline (both roots during a rotation). */
export const trustBundleSecret = (bundlePem: string): JsonObject => ({
  name: SECRET_ROOT,
  validation_context: { trusted_ca: { inline_string: bundlePem } },
});
