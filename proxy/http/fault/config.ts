// envoy.filters.http.fault configuration (HTTPFault): a fixed delay and an
// abort, each on a share of requests. Parsed once; the filter only draws.

import { at, durationMs, fail, fields, fraction, int, isObject, uint } from '../../config/read.ts';

export const FAULT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

export type FaultAbort =
  | { readonly kind: 'http'; readonly status: number; readonly probability: number }
  | { readonly kind: 'grpc'; readonly grpcStatus: number; readonly probability: number };

export interface FaultPolicy {
  readonly delayMs: number;
  /** 0 when there is no delay. */
  readonly delayProbability: number;
  readonly abort: FaultAbort | undefined;
  /** At most this many requests are delayed or aborted at once (Envoy's max_active_faults); Infinity when unset. */
  readonly maxActiveFaults: number;
}

export function parseFault(value: unknown, path: string): FaultPolicy {
  const f = fields(value, path, {
    what: 'HTTPFault',
    known: ['delay', 'abort', 'max_active_faults'],
    // Runtime keys name Envoy runtime overrides; this proxy has no runtime layer, so the configured values are used as is.
    ignored: ['delay_percent_runtime', 'abort_percent_runtime', 'delay_duration_runtime', 'abort_http_status_runtime', 'max_active_faults_runtime', 'abort_grpc_status_runtime'],
  });
  let delayMs = 0;
  let delayProbability = 0;
  if (f['delay'] !== undefined) {
    const p = at(path, 'delay');
    const d = fields(f['delay'], p, { what: 'fault delay', known: ['fixed_delay', 'percentage'] });
    if (d['fixed_delay'] === undefined) fail(p, 'a delay needs fixed_delay (header-controlled delays are not supported)');
    delayMs = durationMs(d['fixed_delay'], at(p, 'fixed_delay'), 0);
    delayProbability = fraction(d['percentage'], at(p, 'percentage'), 0);
  }
  let abort: FaultAbort | undefined;
  if (f['abort'] !== undefined) {
    const p = at(path, 'abort');
    const a = fields(f['abort'], p, { what: 'fault abort', known: ['http_status', 'grpc_status', 'percentage'] });
    const probability = fraction(a['percentage'], at(p, 'percentage'), 0);
    if (a['http_status'] !== undefined) abort = { kind: 'http', status: int(a['http_status'], at(p, 'http_status'), 0, 200, 599), probability };
    else if (a['grpc_status'] !== undefined) abort = { kind: 'grpc', grpcStatus: uint(a['grpc_status'], at(p, 'grpc_status'), 0), probability };
    else fail(p, 'an abort needs http_status or grpc_status (header-controlled aborts are not supported)');
  }
  const maxActiveFaults = isObject(f) && f['max_active_faults'] !== undefined ? uint(f['max_active_faults'], at(path, 'max_active_faults'), 0) : Infinity;
  return Object.freeze({ delayMs, delayProbability, abort: abort === undefined ? undefined : Object.freeze(abort), maxActiveFaults });
}

/** True when the policy can never act (an empty HTTPFault in the listener's filter list). */
export const faultIsInert = (p: FaultPolicy): boolean => p.delayProbability === 0 && (p.abort === undefined || p.abort.probability === 0);
