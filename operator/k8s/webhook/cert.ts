// The webhook's serving certificate, issued by the mesh CA. The API server
// reaches a service-backed webhook as https://SERVICE.NAMESPACE.svc:PORT and
// checks that name against the certificate; the same CA's trust bundle goes
// into the webhook configurations' caBundle (cabundle.ts).

import { issueServerCert, trustBundlePem, type IssuedServerCert, type MeshCa } from '../../ca/authority.ts';
import type { WebhookTls } from './server.ts';

/** The Service config/webhook defines in front of the operator's webhook port. */
export const WEBHOOK_SERVICE = { name: 'weft-webhook', namespace: 'weft-system' } as const;

export interface WebhookCertRequest {
  readonly now: Date;
  readonly service?: { readonly name: string; readonly namespace: string };
  /** The cluster's DNS domain, for the fully qualified name too. Default cluster.local. */
  readonly clusterDomain?: string;
  /** Extra IP SANs, e.g. 127.0.0.1 when the API server calls the webhook by URL (tests, local runs). */
  readonly ipAddresses?: readonly string[];
  readonly lifetimeMs?: number;
}

/** The DNS names the API server may use for the webhook Service. */
export function webhookDnsNames(service: { readonly name: string; readonly namespace: string }, clusterDomain = 'cluster.local'): string[] {
  const { name, namespace } = service;
  return [`${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
}

export interface WebhookCert {
  readonly tls: WebhookTls;
  /** What the webhook configurations' caBundle must hold. */
  readonly caBundlePem: string;
  readonly issued: IssuedServerCert;
}

export async function issueWebhookCert(ca: MeshCa, req: WebhookCertRequest): Promise<WebhookCert> {
  const issued = await issueServerCert(ca, {
    dnsNames: webhookDnsNames(req.service ?? WEBHOOK_SERVICE, req.clusterDomain),
    ipAddresses: req.ipAddresses ?? [],
    now: req.now,
    ...(req.lifetimeMs === undefined ? {} : { lifetimeMs: req.lifetimeMs }),
  });
  return {
    tls: { certPem: issued.certPem, keyPem: issued.keyPem, chainPem: issued.chainPem },
    caBundlePem: trustBundlePem(ca),
    issued,
  };
}
