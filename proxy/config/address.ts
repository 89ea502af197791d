// Host and port helpers shared by the router and the listeners.

/** "host:port" → "host"; "[::1]:80" → "[::1]"; a bare host is returned as is. */
export function stripPort(host: string): string {
  if (host.charCodeAt(0) === 91 /* [ */) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** The port in an authority, or `dflt` when it has none or it is not a number. */
export function portOf(authority: string, dflt: number): number {
  const end = authority.charCodeAt(0) === 91 ? authority.indexOf(']') : -1;
  const colon = authority.lastIndexOf(':');
  if (colon < 0 || colon < end) return dflt;
  const p = Number(authority.slice(colon + 1));
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : dflt;
}

/** The host of an authority without brackets, for connecting. */
export function hostOf(authority: string): string {
  const h = stripPort(authority);
  return h.charCodeAt(0) === 91 ? h.slice(1, -1) : h;
}
