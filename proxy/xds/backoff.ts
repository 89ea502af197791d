// Reconnect backoff shared by the ADS client and the identity agent. A module
// of its own so the identity agent (loaded by every proxy) does not load the
// ADS client and gRPC with it.

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** 0.2 spreads each delay uniformly over ±20%. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = Object.freeze({ initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 });
