// When a holder renews its certificate. Pure: the random source is injected,
// so a test (or a replay) gets the same answer for the same input.
//
// Renewal lands between 50% and 2/3 of the lifetime: early enough that a CA
// outage of a third of the lifetime (8 h for the 24 h default) does not let
// certificates expire, late enough not to churn; the jitter keeps a fleet of
// proxies started together from renewing in the same second.

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** A uniform random number in [0, 1). */
export type Rng = () => number;

export const RENEW_FROM = 0.5;
export const RENEW_TO = 2 / 3;

/** The moment to renew `cert`: notBefore + lifetime × (0.5 … 0.667), placed by `rng`. */
export function renewAt(cert: Validity, rng: Rng): Date {
  const from = cert.notBefore.getTime();
  const lifetime = cert.notAfter.getTime() - from;
  if (!Number.isFinite(lifetime) || lifetime <= 0) {
    throw new RangeError(`certificate validity is empty: notBefore ${cert.notBefore.toISOString()} is not before notAfter ${cert.notAfter.toISOString()}`);
  }
  const r = rng();
  if (!(r >= 0 && r < 1)) throw new RangeError(`rng returned ${r}; it must return a number in [0, 1)`);
  return new Date(from + Math.round(lifetime * (RENEW_FROM + r * (RENEW_TO - RENEW_FROM))));
}
