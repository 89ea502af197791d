// The HTTP filter protocol (Envoy's, made small): each filter sees the
// request once its route is known and answers CONTINUE or STOP. A filter that
// stops either answers the request itself (exchange.localReply) or resumes
// the chain later (exchange.continueRequest). On the way back a filter may
// edit the response head. Filters are built once per config version from the
// connection manager's http_filters; per-request state lives on the exchange.
//
// The chain of a connection manager is fixed by its config (inbound: rbac →
// fault → cors → router; outbound: fault → cors → router). New filters
// (stats) implement this interface and are added in hcm-config.ts; jwt_authn
// (jwt/) runs before RBAC and hands it the verified token as dynamic metadata
// (Exchange.metadata).

import type { Exchange } from './exchange.ts';

export const CONTINUE = 0;
export const STOP = 1;
export type FilterStatus = typeof CONTINUE | typeof STOP;

export interface HttpFilter {
  readonly name: string;
  onRequest(x: Exchange): FilterStatus;
  /** The response head is about to go downstream; `headers` may be edited in place. */
  onResponse(x: Exchange, status: number, headers: string[]): void;
}
