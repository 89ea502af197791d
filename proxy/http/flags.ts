// Envoy's response flags: why a request ended the way it did, in two or
// three letters, for the access log and metrics. Kept as bits on the exchange.

export const Flag = {
  /** No route configured for the request. */
  NR: 1 << 0,
  /** No healthy upstream host. */
  UH: 1 << 1,
  /** Upstream connection failure. */
  UF: 1 << 2,
  /** Upstream overflow (circuit breaking). */
  UO: 1 << 3,
  /** Upstream retry limit exceeded. */
  URX: 1 << 4,
  /** Upstream request timeout. */
  UT: 1 << 5,
  /** Delay injected by the fault filter. */
  DI: 1 << 6,
  /** Aborted by the fault filter. */
  FI: 1 << 7,
  /** Upstream connection termination. */
  UC: 1 << 8,
  /** Upstream remote reset. */
  UR: 1 << 9,
  /** Downstream connection termination. */
  DC: 1 << 10,
  /** Upstream protocol error. */
  UPE: 1 << 11,
  /** Cluster not found. */
  NC: 1 << 12,
  /** Denied by RBAC. */
  RBAC: 1 << 13,
  /** Downstream protocol error. */
  DPE: 1 << 14,
  /** Stream idle timeout. */
  SI: 1 << 15,
  /** Local reset (the proxy reset the stream). */
  LR: 1 << 16,
} as const;

const NAMES = Object.keys(Flag) as (keyof typeof Flag)[];

/** "UF,URX", or "-" when none, as Envoy's %RESPONSE_FLAGS%. */
export function flagsString(bits: number): string {
  if (bits === 0) return '-';
  let out = '';
  for (const n of NAMES) if ((bits & Flag[n]) !== 0) out = out === '' ? n : `${out},${n}`;
  return out;
}
