// node:http2, loaded with the first HTTP/2 session (a client's h2c preface or
// ALPN h2, or a cluster speaking HTTP/2), not when the proxy starts: a proxy
// that only sees HTTP/1.1 does not map nghttp2's code (~4 MB resident).
// require() is synchronous, so the first session starts as the others do.

import { createRequire } from 'node:module';

type Http2 = typeof import('node:http2');

let loaded: Http2 | undefined;

export function nodeHttp2(): Http2 {
  return (loaded ??= createRequire(import.meta.url)('node:http2') as Http2);
}

// The HTTP/2 error codes (RFC 9113 §7) and the END_STREAM flag (§6.1) the
// proxy sends or reads; fixed by the protocol, so known without node:http2.
export const NGHTTP2_NO_ERROR = 0x0;
export const NGHTTP2_INTERNAL_ERROR = 0x2;
export const NGHTTP2_REFUSED_STREAM = 0x7;
export const NGHTTP2_CANCEL = 0x8;
export const NGHTTP2_ENHANCE_YOUR_CALM = 0xb;
export const NGHTTP2_FLAG_END_STREAM = 0x1;
