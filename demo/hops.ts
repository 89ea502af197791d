// How each hop between proxies was carried, read from the destination
// proxies' own metrics: `istio_requests_total{reporter="destination"}` on
// each proxy's admin /stats/prometheus, by `source_principal` (the peer's
// SPIFFE ID, known only when the connection was mTLS) and
// `connection_security_policy` (`mutual_tls` or `none`). Nothing assumed:
// a hop the proxies carried in plaintext shows as `plaintext`.

export interface InboundCount {
  /** The destination proxy's workload (its `destination_workload`). */
  readonly destination: string;
  /** The caller's service account from its SPIFFE ID, or `unknown` (no mTLS, no peer identity). */
  readonly source: string;
  readonly security: string;
  readonly count: number;
}

const SERIES = /^istio_requests_total\{(.*)\}\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** The inbound request counts in one Prometheus text exposition. */
export function inboundCounts(text: string): InboundCount[] {
  const out: InboundCount[] = [];
  for (const line of text.split('\n')) {
    const m = SERIES.exec(line);
    if (m === null) continue;
    const labels = new Map<string, string>();
    for (const l of (m[1] ?? '').matchAll(LABEL)) labels.set(l[1] ?? '', l[2] ?? '');
    if (labels.get('reporter') !== 'destination') continue;
    const principal = labels.get('source_principal') ?? 'unknown';
    const sa = /\/sa\/([^/]+)$/.exec(principal);
    out.push({
      destination: labels.get('destination_workload') ?? 'unknown',
      source: sa === null ? 'unknown' : (sa[1] ?? 'unknown'),
      security: labels.get('connection_security_policy') ?? 'unknown',
      count: Number(m[2]),
    });
  }
  return out;
}

/** GET http://ADMIN/stats/prometheus; undefined when the proxy does not answer. */
export async function scrapeInbound(admin: string, timeoutMs = 2000): Promise<InboundCount[] | undefined> {
  try {
    const r = await fetch(`http://${admin}/stats/prometheus`, { signal: AbortSignal.timeout(timeoutMs) });
    return r.ok ? inboundCounts(await r.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** Per hop `source→destination`: requests carried with mTLS and without. */
export type HopCounts = Map<string, { mtls: number; plaintext: number }>;

/**
 * Sums counts into hops. `workloadOfAccount` maps a service account to the
 * caller's workload name (several workloads may share one: `reviews`).
 */
export function hopCounts(counts: readonly InboundCount[], destinationName: (workload: string) => string, sourceName: (account: string) => string): HopCounts {
  const hops: HopCounts = new Map();
  for (const c of counts) {
    const key = `${c.source === 'unknown' ? '?' : sourceName(c.source)}→${destinationName(c.destination)}`;
    const h = hops.get(key) ?? { mtls: 0, plaintext: 0 };
    if (c.security === 'mutual_tls') h.mtls += c.count;
    else h.plaintext += c.count;
    hops.set(key, h);
  }
  return hops;
}

/** `now - before`, per hop (counters only grow; a restarted proxy starts again from 0). */
export function hopDelta(now: HopCounts, before: HopCounts): HopCounts {
  const out: HopCounts = new Map();
  for (const [k, v] of now) {
    const b = before.get(k) ?? { mtls: 0, plaintext: 0 };
    out.set(k, { mtls: Math.max(0, v.mtls - b.mtls), plaintext: Math.max(0, v.plaintext - b.plaintext) });
  }
  return out;
}

/** `mTLS ×N`, `plaintext ×N`, both, or `?` (no requests seen on this hop). */
export function describeHop(h: { mtls: number; plaintext: number } | undefined): string {
  if (h === undefined || h.mtls + h.plaintext === 0) return '?';
  if (h.plaintext === 0) return `mTLS ×${h.mtls}`;
  if (h.mtls === 0) return `plaintext ×${h.plaintext}`;
  return `mTLS ×${h.mtls} + plaintext ×${h.plaintext}`;
}
