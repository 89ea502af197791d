// Header fields between HTTP/2 (node:http2 objects) and the proxy's flat
// [name, value, …] arrays. HTTP/2 forbids connection-specific fields
// (RFC 9113 §8.2.2), so they never cross into a frame.

import type http2 from 'node:http2';

/** Connection-specific fields, dropped on the way into HTTP/2 (te is kept only as `trailers`). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/** Adds flat fields to an HTTP/2 header object; a repeated name becomes an array (set-cookie), as node:http2 sends it. */
export function toH2(out: http2.OutgoingHttpHeaders, headers: readonly string[]): http2.OutgoingHttpHeaders {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (CONNECTION_SPECIFIC.has(name) || name.charCodeAt(0) === 58 /* : */) continue;
    if (name === 'te' && value.toLowerCase() !== 'trailers') continue;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [String(prev), value];
  }
  return out;
}

/**
 * node:http2's raw header list ([name, value, …], pseudo-headers first) as
 * flat end-to-end fields: pseudo-headers left out, cookie crumbs joined with
 * "; " (RFC 9113 §8.2.3, so an HTTP/1.1 upstream sees one field).
 */
export function fromH2Raw(raw: readonly string[]): string[] {
  const out: string[] = [];
  let cookie: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.charCodeAt(0) === 58) continue;
    const value = raw[i + 1] as string;
    if (name === 'cookie') cookie = cookie === undefined ? value : `${cookie}; ${value}`;
    else out.push(name, value);
  }
  if (cookie !== undefined) out.push('cookie', cookie);
  return out;
}

/** A node:http2 header object (responses, trailers) as flat fields without pseudo-headers. */
export function fromH2Object(h: http2.IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name of Object.keys(h)) {
    if (name.charCodeAt(0) === 58) continue;
    const v = h[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push(name, x);
    else out.push(name, v);
  }
  return out;
}
