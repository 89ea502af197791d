// envoy.filters.http.fault: delays and aborts a share of requests, as the
// route's per-filter config says (else the filter's own config).

import { CONTINUE, STOP, type FilterStatus, type HttpFilter } from '../filter.ts';
import type { Exchange } from '../exchange.ts';
import { Flag } from '../flags.ts';
import { faultIsInert, type FaultPolicy } from './config.ts';

export class FaultFilter implements HttpFilter {
  readonly name: string;
  readonly #defaults: FaultPolicy | undefined;
  /** Faults in progress across this filter's requests (max_active_faults). */
  active = 0;

  constructor(name: string, defaults: FaultPolicy | undefined) {
    this.name = name;
    this.#defaults = defaults !== undefined && !faultIsInert(defaults) ? defaults : undefined;
  }

  onRequest(x: Exchange): FilterStatus {
    const p = x.route?.fault ?? this.#defaults;
    if (p === undefined || this.active >= p.maxActiveFaults) return CONTINUE;
    const delay = p.delayProbability > 0 && x.random() < p.delayProbability;
    const abort = p.abort !== undefined && p.abort.probability > 0 && x.random() < p.abort.probability;
    if (!delay && !abort) return CONTINUE;
    this.active++;
    x.faultFilter = this;
    if (delay) {
      x.flags |= Flag.DI;
      x.delay(p.delayMs, abort);
      return STOP;
    }
    this.abort(x);
    return STOP;
  }

  /** Answers with the configured abort (also after a delay). */
  abort(x: Exchange): void {
    const p = x.route?.fault ?? this.#defaults;
    const a = p?.abort;
    x.flags |= Flag.FI;
    if (a === undefined) return;
    x.details = 'fault_filter_abort';
    if (a.kind === 'http') x.localReply(a.status, 'fault filter abort');
    else x.grpcReply(a.grpcStatus, 'fault filter abort');
  }

  onResponse(): void {}
}
