// The request as every layer after the codec sees it, whatever the protocol:
// pseudo-header fields (method, scheme, authority, path) and the regular
// fields as a flat [name, value, ...] array with lower-case names. HTTP/1 and
// (later) HTTP/2 codecs both produce this.

import type { HeaderSource, QuerySource } from '../config/matchers.ts';
import { headerValue } from './router/headers.ts';

/** contentLength of a chunked body. */
export const BODY_CHUNKED = -1;
/** contentLength of a request that declares no body. */
export const NO_BODY = -2;

export class ProxyRequest implements HeaderSource, QuerySource {
  method: string;
  scheme: string;
  /** Host[:port] as the client sent it (absolute-form target, else Host). Empty when absent (HTTP/1.0). */
  authority: string;
  /** Path with the query string. */
  path: string;
  headers: string[];
  /** Body length when declared (0 included); BODY_CHUNKED when streamed without length; NO_BODY when the request declares none. */
  contentLength: number;
  /** The Upgrade protocol requested (websocket…); '' when none. */
  upgrade: string;
  /** The client spoke HTTP/1.0. */
  http10: boolean;
  #query: Map<string, string> | undefined = undefined;

  constructor(method: string, scheme: string, authority: string, path: string, headers: string[], contentLength: number, upgrade: string, http10: boolean) {
    this.method = method;
    this.scheme = scheme;
    this.authority = authority;
    this.path = path;
    this.headers = headers;
    this.contentLength = contentLength;
    this.upgrade = upgrade;
    this.http10 = http10;
  }

  get hasBody(): boolean {
    return this.contentLength > 0 || this.contentLength === BODY_CHUNKED;
  }

  /** The path without its query string. */
  pathOnly(): string {
    const q = this.path.indexOf('?');
    return q < 0 ? this.path : this.path.slice(0, q);
  }

  header(name: string): string | undefined {
    if (name.charCodeAt(0) === 58 /* : */) {
      switch (name) {
        case ':method':
          return this.method;
        case ':path':
          return this.path;
        case ':authority':
          return this.authority;
        case ':scheme':
          return this.scheme;
        default:
          return undefined;
      }
    }
    if (name === 'host') return this.authority === '' ? undefined : this.authority;
    return headerValue(this.headers, name);
  }

  queryParam(name: string): string | undefined {
    let q = this.#query;
    if (q === undefined) {
      q = new Map();
      const i = this.path.indexOf('?');
      if (i >= 0) {
        const end = this.path.indexOf('#', i);
        for (const pair of this.path.slice(i + 1, end < 0 ? undefined : end).split('&')) {
          if (pair === '') continue;
          const eq = pair.indexOf('=');
          const k = decode(eq < 0 ? pair : pair.slice(0, eq));
          if (!q.has(k)) q.set(k, eq < 0 ? '' : decode(pair.slice(eq + 1)));
        }
      }
      this.#query = q;
    }
    return q.get(name);
  }
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
