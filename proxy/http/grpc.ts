// gRPC over the proxy: which requests are gRPC (for local replies and
// telemetry), how an HTTP status becomes a gRPC status (Envoy's
// Grpc::Utility::httpToGrpcStatus, from gRPC's http-grpc-status-mapping),
// and the grpc-timeout header.

import { headerValue } from './router/headers.ts';

/** gRPC status codes the proxy itself produces or retries on. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC request: content-type application/grpc, or application/grpc+proto, application/grpc;… (not grpc-web). */
export function isGrpc(headers: readonly string[]): boolean {
  const ct = headerValue(headers, 'content-type');
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  if (ct.length === 16) return true;
  const c = ct.charCodeAt(16);
  return c === 43 /* + */ || c === 59 /* ; */;
}

/** Envoy's Grpc::Utility::httpToGrpcStatus. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** grpc-message is percent-encoded (gRPC's spec: everything outside 0x20–0x7E, and '%'). */
export function grpcMessage(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  let out = '';
  for (const b of Buffer.from(text)) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** A grpc-status value as a number, -1 when absent or malformed. */
export function grpcStatusOf(headers: readonly string[]): number {
  const v = headerValue(headers, 'grpc-status');
  if (v === undefined || v === '' || v.length > 2) return -1;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The grpc-timeout header (`1S`, `250m`, at most 8 digits and a unit) in milliseconds; -1 when absent or malformed. */
export function grpcTimeoutMs(headers: readonly string[]): number {
  const v = headerValue(headers, 'grpc-timeout');
  if (v === undefined || v.length < 2 || v.length > 9) return -1;
  const unit = UNIT_MS[v.charAt(v.length - 1)];
  const digits = v.slice(0, -1);
  if (unit === undefined || !/^\d+$/.test(digits)) return -1;
  return Math.ceil(Number(digits) * unit);
}
