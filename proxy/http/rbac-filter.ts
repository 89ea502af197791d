// The inbound RBAC filters (proxy/http/rbac) in the filter chain: adjacent
// envoy.filters.http.rbac entries run as one chain (Istio's AUDIT, DENY,
// ALLOW order is their order in the list); a denial answers 403.

import { evaluateChain, HeaderFields, rbacDenialDetails, type RbacFilter, type RbacRequest } from './rbac/index.ts';
import { CONTINUE, STOP, type FilterStatus, type HttpFilter } from './filter.ts';
import type { Exchange } from './exchange.ts';
import { Flag } from './flags.ts';

export class RbacChainFilter implements HttpFilter {
  readonly name = 'envoy.filters.http.rbac';
  readonly filters: readonly RbacFilter[];

  constructor(filters: readonly RbacFilter[]) {
    this.filters = filters;
  }

  onRequest(x: Exchange): FilterStatus {
    const d = evaluateChain(this.filters, rbacRequest(x));
    if (d.auditPolicy !== undefined) x.auditPolicy = d.auditPolicy;
    if (d.allowed) return CONTINUE;
    x.flags |= Flag.RBAC;
    x.details = rbacDenialDetails(d);
    x.localReply(403, 'RBAC: access denied');
    return STOP;
  }

  onResponse(): void {}
}

function rbacRequest(x: Exchange): RbacRequest {
  const req = x.request;
  const d = x.downstream;
  return {
    tls: d.peer,
    directRemoteIp: d.remoteAddress,
    remoteIp: d.remoteAddress,
    destinationIp: d.localAddress,
    destinationPort: d.destinationPort,
    sni: d.sni,
    method: req.method,
    path: req.path,
    authority: req.authority === '' ? undefined : req.authority,
    // Read in place: policies look at a few names, so no record is built per request.
    headers: new HeaderFields(req.headers),
    metadata: x.metadata,
  };
}
