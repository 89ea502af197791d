// A strict, incremental HTTP/1.1 message parser (RFC 9112) for both sides of
// the proxy: requests from downstream, responses from upstream.
//
// Strict where leniency enables request smuggling or header injection:
// Content-Length and Transfer-Encoding together, differing Content-Lengths,
// a Transfer-Encoding other than chunked on a request, obs-fold, bare CR or
// LF line endings, whitespace before a colon, control characters in values,
// malformed chunk sizes or chunk framing. Every refusal carries the status a
// server should answer (400, 431, 501, 505) and a short reason.
//
// Hot-path shape: one parser per connection, reused for every message; the
// head is parsed straight out of the socket's Buffer when it arrives whole
// (the common case), else accumulated in a growing scratch buffer (so a
// client dribbling bytes costs O(n), not O(n²)); bodies are handed on as
// Buffer views, never copied. Header names are lower-cased (as Envoy does for
// HTTP/1) into a flat [name, value, name, value, ...] array.

import { CR, COLON, FIELD_VALUE, HEX, HTAB, LF, SP, TARGET, TCHAR, UPPER } from './chars.ts';

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string }).latin1Slice;
const text = (buf: Buffer, start: number, end: number): string => latin1Slice.call(buf, start, end);

/** The parsed head of a request or a response. One object per message: it outlives parsing. */
export class MessageHead {
  /** Request: method token as sent (case-sensitive). */
  method = '';
  /** Request: the request-target as sent (origin-, absolute-, authority- or asterisk-form). */
  target = '';
  /** Response: status code. */
  status = 0;
  reason = '';
  /** HTTP/1.x minor version: 0 or 1. */
  minor = 1;
  /**
   * End-to-end fields, flat [name, value, ...], names lower-cased. Framing and
   * hop-by-hop fields (content-length, transfer-encoding, connection,
   * keep-alive, proxy-connection, upgrade, te, host) are not here: they are the
   * properties below.
   */
  headers: string[] = [];
  /** Request: the Host field value; undefined when absent. */
  host: string | undefined = undefined;
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** Connection: close, or HTTP/1.0 without keep-alive. */
  close = false;
  /** Connection lists `upgrade` and an Upgrade field is present: its value. */
  upgrade = '';
  /** Request: `te: trailers` was sent. */
  teTrailers = false;
  /** Response: the body runs until the connection closes (no length, not chunked). */
  untilClose = false;
}

/** Why a message was refused, and what to answer when it is a request. */
export interface ParseFailure {
  readonly status: 400 | 408 | 413 | 431 | 501 | 505 | 502;
  readonly reason: string;
}

export interface ParserHandler {
  /** A complete head. For a request that ends here (no body), onComplete follows at once. */
  onHead(head: MessageHead): void;
  /** A 1xx response other than 101 (the final response follows). */
  onInformational(head: MessageHead): void;
  /** A piece of body: a view of the socket's buffer, valid for as long as the caller keeps it. */
  onBody(chunk: Buffer): void;
  /** Trailer fields of a chunked body (flat array), before onComplete. */
  onTrailers(trailers: string[]): void;
  onComplete(): void;
  onParseError(failure: ParseFailure): void;
}

export interface ParserLimits {
  /** Largest head (start line and fields) in bytes: larger is 431. */
  readonly maxHeadBytes: number;
  /** Most header fields: more is 431. */
  readonly maxHeaders: number;
}

export const DEFAULT_LIMITS: ParserLimits = Object.freeze({ maxHeadBytes: 60 * 1024, maxHeaders: 100 });

const State = {
  HEAD: 0,
  BODY_LENGTH: 1,
  CHUNK_SIZE: 2,
  CHUNK_EXT: 3,
  CHUNK_SIZE_LF: 4,
  CHUNK_DATA: 5,
  CHUNK_DATA_CR: 6,
  CHUNK_DATA_LF: 7,
  TRAILERS: 8,
  UNTIL_CLOSE: 9,
  DONE: 10,
  FAILED: 11,
} as const;
type State = (typeof State)[keyof typeof State];

const MAX_CHUNK_LINE = 4096;
const MAX_CHUNK_SIZE_DIGITS = 12;
const MAX_LEADING_EMPTY_LINES = 8;
/** The end of a head, as bytes: a string needle is converted to bytes on every indexOf call. */
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** Fields a trailer section may not carry (RFC 9110 §6.5.1): framing, routing, auth. Dropped. */
const FORBIDDEN_TRAILERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'authorization', 'content-type', 'content-encoding', 'cache-control', 'expect', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * Field names most messages carry, as constant strings: a name found here
 * costs a few byte compares instead of a string made from the buffer and,
 * when it was sent capitalised (`Content-Type`), another lower-cased copy.
 * The constants are internalised, so later comparisons against literals are
 * pointer compares. Only well-known names: anything else is sliced as before.
 */
const KNOWN_NAMES = [
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'proxy-connection',
  'accept', 'accept-encoding', 'accept-language', 'accept-ranges', 'user-agent', 'authorization', 'cookie', 'set-cookie',
  'content-type', 'content-encoding', 'cache-control', 'date', 'server', 'etag', 'last-modified', 'expires', 'vary',
  'location', 'origin', 'referer', 'pragma', 'if-none-match', 'if-modified-since', 'x-forwarded-for', 'x-forwarded-proto',
  'x-request-id', 'traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled',
  'x-b3-flags', 'grpc-status', 'grpc-message', 'grpc-timeout', 'x-envoy-upstream-service-time', 'x-envoy-decorator-operation',
];
/** The known names by length, each with its bytes. */
const KNOWN_BY_LENGTH: (readonly { readonly bytes: Buffer; readonly name: string }[] | undefined)[] = [];
for (const name of KNOWN_NAMES) {
  const list = (KNOWN_BY_LENGTH[name.length] ?? []) as { bytes: Buffer; name: string }[];
  list.push({ bytes: Buffer.from(name, 'latin1'), name });
  KNOWN_BY_LENGTH[name.length] = list;
}

/**
 * The constant for buf[start, end) when it is a known name in any case.
 * The bytes were checked as tchar already, and the known names are lower-case
 * letters, digits and '-': for those, `byte | 0x20` equals the name's byte
 * only for the same letter in either case or the same digit or '-'.
 */
function knownName(buf: Buffer, start: number, end: number): string | undefined {
  const list = KNOWN_BY_LENGTH[end - start];
  if (list === undefined) return undefined;
  const first = (buf[start] as number) | 0x20;
  for (let k = 0; k < list.length; k++) {
    const known = list[k] as { readonly bytes: Buffer; readonly name: string };
    const b = known.bytes;
    if (b[0] !== first) continue;
    let j = 1;
    for (; j < b.length; j++) if (((buf[start + j] as number) | 0x20) !== b[j]) break;
    if (j === b.length) return known.name;
  }
  return undefined;
}

const METHODS = ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT'].map((m) => ({ name: m, bytes: Buffer.from(m, 'latin1') }));

/** The constant for a standard method (methods are case-sensitive: exact bytes only). */
function knownMethod(buf: Buffer, start: number, end: number): string | undefined {
  const n = end - start;
  for (let k = 0; k < METHODS.length; k++) {
    const m = METHODS[k] as { readonly name: string; readonly bytes: Buffer };
    const b = m.bytes;
    if (b.length !== n || b[0] !== buf[start]) continue;
    let j = 1;
    for (; j < n; j++) if (buf[start + j] !== b[j]) break;
    if (j === n) return m.name;
  }
  return undefined;
}

const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');

/** 'keep-alive' or 'close' (as constants) when buf[start, end) is one of them in any case; else undefined. */
function connectionToken(buf: Buffer, start: number, end: number): string | undefined {
  const n = end - start;
  const t = n === 10 ? KEEP_ALIVE : n === 5 ? CLOSE : undefined;
  if (t === undefined) return undefined;
  // Letters and '-' only: `| 0x20` folds case and leaves '-' alone (the value's bytes are field-vchars).
  for (let j = 0; j < n; j++) if (((buf[start + j] as number) | 0x20) !== t[j]) return undefined;
  return n === 10 ? 'keep-alive' : 'close';
}

/** #parseHead's answers other than the end of a head. */
const HEAD_INCOMPLETE = -1;
const HEAD_INVALID = -2;

const failure = (status: ParseFailure['status'], reason: string): ParseFailure => Object.freeze({ status, reason });

export class Http1Parser {
  readonly kind: 'request' | 'response';
  readonly handler: ParserHandler;
  limits: ParserLimits;
  #state: State = State.HEAD;
  #remaining = 0;
  #chunkLine = 0;
  #chunkDigits = 0;
  #scratch: Buffer | null = null;
  #scratchLen = 0;
  #paused = false;
  #pending: Buffer | null = null;
  #pendingOffset = 0;
  #failure: ParseFailure | null = null;
  /** Response parsing: the request was HEAD (or otherwise must have no body). */
  noBody = false;
  /** Bytes of the message being parsed (head and body framing), for accounting. */
  messageBytes = 0;

  constructor(kind: 'request' | 'response', handler: ParserHandler, limits: ParserLimits = DEFAULT_LIMITS) {
    this.kind = kind;
    this.handler = handler;
    this.limits = limits;
  }

  get failed(): boolean {
    return this.#state === State.FAILED;
  }

  /** Between messages, with nothing buffered: a close here loses nothing. */
  get idle(): boolean {
    return this.#state === State.HEAD && this.#scratchLen === 0 && this.#pending === null;
  }

  /** Part of a head has arrived but not all of it. */
  get inHead(): boolean {
    return this.#state === State.HEAD && this.#scratchLen > 0;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stops after the current callback; input not yet parsed is kept for resume() or takePending(). */
  pause(): void {
    this.#paused = true;
  }

  /** Parses what was kept when paused. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const p = this.#pending;
    if (p !== null) {
      const off = this.#pendingOffset;
      this.#pending = null;
      this.#pendingOffset = 0;
      this.execute(p, off);
    }
  }

  /** Input kept while paused (the first bytes of a tunnel after an upgrade), handed over and forgotten. */
  takePending(): Buffer | null {
    const p = this.#pending;
    if (p === null) return null;
    this.#pending = null;
    return this.#pendingOffset === 0 ? p : p.subarray(this.#pendingOffset);
  }

  /** Input arriving while paused is appended to what is already kept (pipelined requests may span reads). */
  #keep(chunk: Buffer, pos: number): void {
    const p = this.#pending;
    if (p === null) {
      this.#pending = chunk;
      this.#pendingOffset = pos;
      return;
    }
    this.#pending = Buffer.concat([p.subarray(this.#pendingOffset), chunk.subarray(pos)]);
    this.#pendingOffset = 0;
  }

  /** Bytes kept while paused. */
  get pendingBytes(): number {
    return this.#pending === null ? 0 : this.#pending.length - this.#pendingOffset;
  }

  get hasPending(): boolean {
    return this.#pending !== null;
  }

  /** Ready for the next message (the handler calls this after onComplete when it wants more). */
  reset(): void {
    if (this.#state === State.FAILED) return;
    this.#state = State.HEAD;
    this.noBody = false;
    this.messageBytes = 0;
  }

  /**
   * The peer closed its side. For a response read until close, this completes
   * it. Returns a failure when a message was cut short.
   */
  finish(): ParseFailure | null {
    switch (this.#state) {
      case State.UNTIL_CLOSE:
        this.#state = State.DONE;
        this.handler.onComplete();
        return null;
      case State.HEAD:
        return this.#scratchLen > 0 ? failure(400, 'connection closed in the middle of a head') : null;
      case State.DONE:
      case State.FAILED:
        return null;
      default:
        return failure(400, 'connection closed in the middle of a body');
    }
  }

  execute(chunk: Buffer, start = 0): void {
    let pos = start;
    const len = chunk.length;
    while (pos < len) {
      if (this.#paused) {
        this.#keep(chunk, pos);
        return;
      }
      switch (this.#state) {
        case State.HEAD:
          pos = this.#head(chunk, pos);
          break;
        case State.BODY_LENGTH: {
          const n = Math.min(this.#remaining, len - pos);
          this.#remaining -= n;
          this.messageBytes += n;
          const piece = pos === 0 && n === len ? chunk : chunk.subarray(pos, pos + n);
          pos += n;
          if (this.#remaining === 0) this.#state = State.DONE;
          this.handler.onBody(piece);
          if (this.#state === State.DONE) this.handler.onComplete();
          break;
        }
        case State.CHUNK_DATA: {
          const n = Math.min(this.#remaining, len - pos);
          this.#remaining -= n;
          this.messageBytes += n;
          const piece = chunk.subarray(pos, pos + n);
          pos += n;
          if (this.#remaining === 0) this.#state = State.CHUNK_DATA_CR;
          this.handler.onBody(piece);
          break;
        }
        case State.UNTIL_CLOSE: {
          const piece = pos === 0 ? chunk : chunk.subarray(pos);
          this.messageBytes += len - pos;
          pos = len;
          this.handler.onBody(piece);
          break;
        }
        case State.TRAILERS:
          pos = this.#trailers(chunk, pos);
          break;
        case State.DONE:
          // A complete message and more input: the handler did not pause, so
          // the next message starts here (pipelining, or a response parser
          // that was reset).
          this.#keep(chunk, pos);
          this.#paused = true;
          return;
        case State.FAILED:
          return;
        default:
          pos = this.#chunkFraming(chunk, pos);
      }
    }
  }

  #fail(status: ParseFailure['status'], reason: string): number {
    this.#state = State.FAILED;
    this.#scratch = null;
    this.#scratchLen = 0;
    this.#pending = null;
    const f = failure(status, reason);
    this.#failure = f;
    this.handler.onParseError(f);
    return Number.MAX_SAFE_INTEGER;
  }

  get failure(): ParseFailure | null {
    return this.#failure;
  }

  // ---- head -----------------------------------------------------------------

  #head(chunk: Buffer, pos: number): number {
    const max = this.limits.maxHeadBytes;
    if (this.#scratchLen === 0) {
      // Empty lines before a request line are ignored (RFC 9112 §2.2), a few at most.
      let skipped = 0;
      while (pos + 1 < chunk.length && chunk[pos] === CR && chunk[pos + 1] === LF) {
        pos += 2;
        if (++skipped > MAX_LEADING_EMPTY_LINES) return this.#fail(400, 'too many empty lines before the request line');
      }
      if (pos >= chunk.length) return pos;
      // The whole head is nearly always in this read: parse it in one pass
      // straight from here, finding its end on the way (no search for the
      // blank line first, no search per line).
      const r = this.#parseHead(chunk, pos, chunk.length, true);
      if (r >= 0) {
        if (r - pos > max) return this.#fail(431, `head larger than ${max} bytes`);
        this.messageBytes += r - pos;
        this.#afterHead(this.#parsed as MessageHead);
        return r;
      }
      // Not all here, or refused: as for any head, where it ends decides
      // (wait for more, 431, or parse it whole and report what is wrong).
      const end = chunk.indexOf(HEAD_END, pos);
      if (end >= 0) {
        if (end + 4 - pos > max) return this.#fail(431, `head larger than ${max} bytes`);
        this.messageBytes += end + 4 - pos;
        if (this.#parseHead(chunk, pos, end + 4, false) < 0) return Number.MAX_SAFE_INTEGER;
        this.#afterHead(this.#parsed as MessageHead);
        return end + 4;
      }
      const n = chunk.length - pos;
      if (n > max) return this.#fail(431, `head larger than ${max} bytes`);
      this.#append(chunk, pos, n);
      return chunk.length;
    }
    // A head split over reads: continue in the scratch buffer.
    const before = this.#scratchLen;
    const n = Math.min(chunk.length - pos, max + 4 - before);
    this.#append(chunk, pos, n);
    const scratch = this.#scratch as Buffer;
    const end = scratch.indexOf(HEAD_END, Math.max(0, before - 3));
    if (end < 0 || end + 4 > this.#scratchLen) {
      if (this.#scratchLen > max) return this.#fail(431, `head larger than ${max} bytes`);
      if (n < chunk.length - pos) return this.#fail(431, `head larger than ${max} bytes`);
      return chunk.length;
    }
    if (end + 4 > max) return this.#fail(431, `head larger than ${max} bytes`);
    this.messageBytes += end + 4;
    this.#scratchLen = 0;
    if (this.#parseHead(scratch, 0, end + 4, false) < 0) return Number.MAX_SAFE_INTEGER;
    this.#afterHead(this.#parsed as MessageHead);
    if ((this.#scratch?.length ?? 0) > 16 * 1024) this.#scratch = null; // do not keep a big buffer per idle connection
    return pos + (end + 4 - before);
  }

  #append(chunk: Buffer, pos: number, n: number): void {
    let s = this.#scratch;
    const need = this.#scratchLen + n;
    if (s === null || s.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, Math.min(this.limits.maxHeadBytes + 4, Math.max(1024, (s?.length ?? 0) * 2))));
      if (s !== null) s.copy(grown, 0, 0, this.#scratchLen);
      this.#scratch = s = grown;
    }
    chunk.copy(s, this.#scratchLen, pos, pos + n);
    this.#scratchLen = need;
  }

  /** The head #parseHead parsed last (handed to #afterHead by the caller, after its size check). */
  #parsed: MessageHead | null = null;
  /** #parseHead is reading a head that may not be complete: failures are not reported (#bad). */
  #tentative = false;

  /** A refusal found while parsing a head: reported unless the parse is tentative. Returns HEAD_INVALID. */
  #bad(status: ParseFailure['status'], reason: string): number {
    if (!this.#tentative) this.#fail(status, reason);
    return HEAD_INVALID;
  }

  /** The bytes ran out before the head's end. */
  #short(): number {
    return this.#tentative ? HEAD_INCOMPLETE : this.#bad(400, 'header line does not end in CRLF');
  }

  /**
   * Parses the head at buf[start], reading no further than `limit`, in one
   * pass: each field line's name and value are checked byte by byte up to its
   * CRLF, and the empty line ends the head. Returns the position after that
   * empty line (the head is in #parsed), HEAD_INCOMPLETE when `limit` comes
   * first, or HEAD_INVALID. `tentative`: the head may not all be here (it is
   * parsed straight from a read), so a refusal is not reported: the caller
   * finds where the head ends and, once it is whole, parses it again with
   * `tentative` false, which reports it (so a head is refused only when
   * complete, and a too-large one is 431 first, as before).
   */
  #parseHead(buf: Buffer, start: number, limit: number, tentative: boolean): number {
    this.#tentative = tentative;
    const head = new MessageHead();
    let lineEnd = buf.indexOf(LF, start);
    if (lineEnd < 0 || lineEnd >= limit) return this.#short();
    if (buf[lineEnd - 1] !== CR) return this.#bad(400, 'start line does not end in CRLF');
    const ok = this.kind === 'request' ? this.#requestLine(buf, start, lineEnd - 1, head) : this.#statusLine(buf, start, lineEnd - 1, head);
    if (!ok) return HEAD_INVALID;
    let pos = lineEnd + 1;
    const headers = head.headers;
    const maxHeaders = this.limits.maxHeaders;
    let count = 0;
    let connection = '';
    let transferEncoding = '';
    let upgrade = '';
    let hostSeen = false;
    for (;;) {
      if (pos >= limit) return this.#short();
      const first = buf[pos] as number;
      if (first === CR) {
        // The empty line: the end of the head.
        if (pos + 1 >= limit) return this.#short();
        if (buf[pos + 1] !== LF) return this.#bad(400, 'empty or invalid header name');
        lineEnd = pos + 1;
        break;
      }
      if (first === LF) return this.#bad(400, 'bare LF in head');
      if (++count > maxHeaders) {
        // One field too many: refused as a whole line would be (a bare LF in it first, then the count).
        const lf = buf.indexOf(LF, pos);
        if (lf < 0 || lf >= limit) return this.#short();
        return buf[lf - 1] !== CR ? this.#bad(400, 'bare LF in head') : this.#bad(431, `more than ${maxHeaders} header fields`);
      }
      if (first === SP || first === HTAB) return this.#bad(400, 'obsolete line folding');
      // Name: tchar+ then ':' directly (no whitespace before the colon).
      let i = pos;
      let upper = false;
      for (; i < limit; i++) {
        const c = buf[i] as number;
        if (TCHAR[c] === 0) break;
        if (UPPER[c] === 1) upper = true;
      }
      if (i >= limit) return this.#short();
      if (i === pos) return this.#bad(400, 'empty or invalid header name');
      const sep = buf[i] as number;
      if (sep !== COLON) return this.#bad(400, sep === SP || sep === HTAB ? 'whitespace before colon' : sep === LF ? 'bare LF in head' : 'invalid character in header name');
      let name = knownName(buf, pos, i);
      if (name === undefined) {
        name = text(buf, pos, i);
        if (upper) name = name.toLowerCase();
      }
      // Value: field-vchar / obs-text / SP / HTAB up to CRLF, OWS trimmed.
      let vs = i + 1;
      while (vs < limit && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
      let j = vs;
      while (j < limit && FIELD_VALUE[buf[j] as number] === 1) j++;
      if (j >= limit) return this.#short();
      if (buf[j] !== CR) return this.#bad(400, buf[j] === LF ? 'bare LF in head' : `invalid character in the value of ${name}`);
      if (j + 1 >= limit) return this.#short();
      if (buf[j + 1] !== LF) return this.#bad(400, `invalid character in the value of ${name}`);
      let ve = j;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
      pos = j + 2;
      // Content-Length is read from the bytes, and the usual Connection values
      // are constants: neither needs a string made per message.
      if (name === 'content-length') {
        if (!this.#contentLength(head, buf, vs, ve)) return HEAD_INVALID;
        continue;
      }
      const value = name === 'connection' ? (connectionToken(buf, vs, ve) ?? text(buf, vs, ve)) : text(buf, vs, ve);
      switch (name.length) {
        case 4:
          if (name === 'host') {
            if (hostSeen) return this.#bad(400, 'more than one Host field');
            hostSeen = true;
            head.host = value;
            continue;
          }
          break;
        case 17:
          if (name === 'transfer-encoding') {
            transferEncoding = transferEncoding === '' ? value : `${transferEncoding},${value}`;
            continue;
          }
          break;
        case 10:
          if (name === 'connection') {
            connection = connection === '' ? value : `${connection},${value}`;
            continue;
          }
          if (name === 'keep-alive') continue;
          break;
        case 7:
          if (name === 'upgrade') {
            upgrade = value;
            continue;
          }
          break;
        case 2:
          if (name === 'te') {
            if (/(^|,)\s*trailers\s*(;|,|$)/i.test(value)) head.teTrailers = true;
            continue;
          }
          break;
        case 16:
          if (name === 'proxy-connection') continue;
          break;
      }
      headers.push(name, value);
    }
    if (connection !== '' && !this.#connection(head, connection, upgrade)) return HEAD_INVALID;
    if (head.minor === 0 && connection === '') head.close = true;
    if (transferEncoding !== '' && !this.#transferEncoding(head, transferEncoding)) return HEAD_INVALID;
    if (this.kind === 'request') {
      if (head.minor === 1 && !hostSeen) return this.#bad(400, 'HTTP/1.1 request without Host');
      if (head.method === 'CONNECT' && (head.chunked || head.contentLength > 0)) return this.#bad(400, 'CONNECT with a body');
    }
    this.#parsed = head;
    return lineEnd + 1;
  }

  #requestLine(buf: Buffer, start: number, end: number, head: MessageHead): boolean {
    let i = start;
    while (i < end && TCHAR[buf[i] as number] === 1) i++;
    if (i === start || buf[i] !== SP) return this.#bad(400, 'malformed request line (method)') === 0;
    head.method = knownMethod(buf, start, i) ?? text(buf, start, i);
    const ts = ++i;
    while (i < end && TARGET[buf[i] as number] === 1) i++;
    if (i === ts || buf[i] !== SP) return this.#bad(400, 'malformed request line (target)') === 0;
    head.target = text(buf, ts, i);
    i++;
    if (end - i !== 8 || buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f || buf[i + 6] !== 0x2e) {
      return this.#bad(400, 'malformed request line (version)') === 0;
    }
    const major = (buf[i + 5] as number) - 0x30;
    const minor = (buf[i + 7] as number) - 0x30;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) return this.#bad(400, 'malformed request line (version)') === 0;
    if (major !== 1) return this.#bad(505, `HTTP/${major}.${minor} is not supported`) === 0;
    head.minor = minor === 0 ? 0 : 1;
    return true;
  }

  #statusLine(buf: Buffer, start: number, end: number, head: MessageHead): boolean {
    const i = start;
    if (end - i < 12 || buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f || buf[i + 5] !== 0x31 || buf[i + 6] !== 0x2e || buf[i + 8] !== SP) {
      return this.#bad(502, 'malformed status line') === 0;
    }
    const minor = (buf[i + 7] as number) - 0x30;
    if (minor < 0 || minor > 9) return this.#bad(502, 'malformed status line') === 0;
    head.minor = minor === 0 ? 0 : 1;
    let status = 0;
    for (let j = i + 9; j < i + 12; j++) {
      const d = (buf[j] as number) - 0x30;
      if (d < 0 || d > 9) return this.#bad(502, 'malformed status code') === 0;
      status = status * 10 + d;
    }
    if (status < 100) return this.#bad(502, 'malformed status code') === 0;
    head.status = status;
    if (end > i + 12) {
      if (buf[i + 12] !== SP) return this.#bad(502, 'malformed status line') === 0;
      for (let j = i + 13; j < end; j++) if (FIELD_VALUE[buf[j] as number] === 0) return this.#bad(502, 'invalid character in reason phrase') === 0;
      head.reason = text(buf, i + 13, end);
    }
    return true;
  }

  /** Content-Length from buf[start, end). */
  #contentLength(head: MessageHead, buf: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (n === 0 || n > 15) return this.#bad(this.#bodyStatus(), 'invalid Content-Length') === 0;
    let v = 0;
    for (let k = start; k < end; k++) {
      const d = (buf[k] as number) - 0x30;
      if (d < 0 || d > 9) return this.#bad(this.#bodyStatus(), 'invalid Content-Length') === 0;
      v = v * 10 + d;
    }
    if (head.contentLength >= 0 && head.contentLength !== v) return this.#bad(this.#bodyStatus(), 'conflicting Content-Length fields') === 0;
    head.contentLength = v;
    return true;
  }

  #connection(head: MessageHead, value: string, upgrade: string): boolean {
    // The two values nearly every message carries, without splitting.
    if (value.length === 10 && value.toLowerCase() === 'keep-alive') {
      if (head.minor === 0) head.close = false;
      return true;
    }
    if (value.length === 5 && value.toLowerCase() === 'close') {
      head.close = true;
      return true;
    }
    let named: string[] | undefined;
    for (const raw of value.split(',')) {
      const token = raw.trim().toLowerCase();
      if (token === '') continue;
      if (token === 'close') head.close = true;
      else if (token === 'keep-alive') {
        if (head.minor === 0) head.close = false;
      } else if (token === 'upgrade') {
        if (upgrade !== '') head.upgrade = upgrade;
      } else (named ??= []).push(token);
    }
    if (head.minor === 0 && !/(^|,)\s*keep-alive\s*(,|$)/i.test(value)) head.close = true;
    if (named !== undefined) {
      // Fields the sender marked hop-by-hop by naming them in Connection.
      const h = head.headers;
      const kept: string[] = [];
      for (let k = 0; k < h.length; k += 2) if (!named.includes(h[k] as string)) kept.push(h[k] as string, h[k + 1] as string);
      head.headers = kept;
    }
    return true;
  }

  #transferEncoding(head: MessageHead, value: string): boolean {
    const codings = value.split(',').map((c) => c.trim().toLowerCase());
    const last = codings[codings.length - 1];
    if (this.kind === 'request') {
      if (head.minor === 0) return this.#bad(400, 'Transfer-Encoding in an HTTP/1.0 request') === 0;
      if (head.contentLength >= 0) return this.#bad(400, 'both Content-Length and Transfer-Encoding') === 0;
      if (codings.length !== 1 || last !== 'chunked') {
        if (codings.some((c) => c === '')) return this.#bad(400, 'invalid Transfer-Encoding') === 0;
        return codings.includes('chunked') && last !== 'chunked'
          ? this.#bad(400, 'chunked is not the final transfer coding') === 0
          : this.#bad(501, `transfer coding ${JSON.stringify(value)} is not supported`) === 0;
      }
      head.chunked = true;
      return true;
    }
    // A response: chunked last means chunked; otherwise the body runs to close. Either way Content-Length is ignored (RFC 9112 §6.3).
    if (codings.some((c) => c === '')) return this.#bad(502, 'invalid Transfer-Encoding') === 0;
    if (codings.filter((c) => c === 'chunked').length > 1 || (codings.includes('chunked') && last !== 'chunked')) return this.#bad(502, 'invalid Transfer-Encoding') === 0;
    if (codings.length !== 1 || last !== 'chunked') return this.#bad(502, `transfer coding ${JSON.stringify(value)} is not supported`) === 0;
    head.contentLength = -1;
    head.chunked = true;
    head.close = head.close || false;
    return true;
  }

  #afterHead(head: MessageHead): void {
    if (this.kind === 'request') {
      this.#state = head.chunked ? State.CHUNK_SIZE : head.contentLength > 0 ? State.BODY_LENGTH : State.DONE;
      this.#remaining = head.contentLength > 0 ? head.contentLength : 0;
      this.#chunkLine = 0;
      this.#chunkDigits = 0;
      this.handler.onHead(head);
      if (this.#state === State.DONE) this.handler.onComplete();
      return;
    }
    const s = head.status;
    if (s < 200 && s !== 101) {
      // Interim: the final response follows on the same parser.
      this.#state = State.HEAD;
      this.handler.onInformational(head);
      return;
    }
    if (this.noBody || s === 204 || s === 304 || s === 101) {
      this.#state = State.DONE;
    } else if (head.chunked) {
      this.#state = State.CHUNK_SIZE;
      this.#chunkLine = 0;
      this.#chunkDigits = 0;
    } else if (head.contentLength >= 0) {
      this.#state = head.contentLength > 0 ? State.BODY_LENGTH : State.DONE;
      this.#remaining = head.contentLength;
    } else {
      head.untilClose = true;
      head.close = true;
      this.#state = State.UNTIL_CLOSE;
    }
    this.handler.onHead(head);
    if (this.#state === State.DONE) this.handler.onComplete();
  }

  // ---- chunked framing ----------------------------------------------------------

  #chunkFraming(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    while (pos < len) {
      const c = chunk[pos] as number;
      switch (this.#state) {
        case State.CHUNK_SIZE: {
          const h = HEX[c] as number;
          if (h >= 0) {
            if (++this.#chunkDigits > MAX_CHUNK_SIZE_DIGITS) return this.#fail(this.#bodyStatus(), 'chunk size too large');
            this.#remaining = this.#remaining * 16 + h;
          } else if (this.#chunkDigits === 0) {
            return this.#fail(this.#bodyStatus(), 'invalid chunk size');
          } else if (c === CR) {
            this.#state = State.CHUNK_SIZE_LF;
          } else if (c === 0x3b /* ; */ || c === SP || c === HTAB) {
            this.#state = State.CHUNK_EXT;
          } else {
            return this.#fail(this.#bodyStatus(), 'invalid chunk size');
          }
          break;
        }
        case State.CHUNK_EXT:
          // Extensions are read and dropped; only their characters are checked.
          if (c === CR) this.#state = State.CHUNK_SIZE_LF;
          else if (c === LF || FIELD_VALUE[c] === 0) return this.#fail(this.#bodyStatus(), 'invalid chunk extension');
          break;
        case State.CHUNK_SIZE_LF:
          if (c !== LF) return this.#fail(this.#bodyStatus(), 'chunk size line does not end in CRLF');
          this.messageBytes += this.#chunkLine + 1;
          this.#chunkLine = 0;
          this.#chunkDigits = 0;
          if (this.#remaining === 0) {
            this.#state = State.TRAILERS;
            return pos + 1;
          }
          this.#state = State.CHUNK_DATA;
          return pos + 1;
        case State.CHUNK_DATA_CR:
          if (c !== CR) return this.#fail(this.#bodyStatus(), 'chunk data does not end in CRLF');
          this.#state = State.CHUNK_DATA_LF;
          break;
        case State.CHUNK_DATA_LF:
          if (c !== LF) return this.#fail(this.#bodyStatus(), 'chunk data does not end in CRLF');
          this.#state = State.CHUNK_SIZE;
          this.#remaining = 0;
          this.messageBytes += 2;
          return pos + 1;
        default:
          return pos;
      }
      pos++;
      if (++this.#chunkLine > MAX_CHUNK_LINE) return this.#fail(this.#bodyStatus(), 'chunk size line too long');
    }
    return pos;
  }

  #bodyStatus(): 400 | 502 {
    return this.kind === 'request' ? 400 : 502;
  }

  /** The trailer section: lines until an empty one, accumulated in the scratch buffer. */
  #trailers(chunk: Buffer, pos: number): number {
    // Fast path: no trailers, the section is just CRLF.
    if (this.#scratchLen === 0 && pos + 1 < chunk.length && chunk[pos] === CR && chunk[pos + 1] === LF) {
      this.messageBytes += 2;
      this.#state = State.DONE;
      this.handler.onComplete();
      return pos + 2;
    }
    const before = this.#scratchLen;
    const max = this.limits.maxHeadBytes;
    const n = Math.min(chunk.length - pos, max + 4 - before);
    this.#append(chunk, pos, n);
    const s = this.#scratch as Buffer;
    let end: number;
    if (s[0] === CR && this.#scratchLen >= 2) {
      if (s[1] !== LF) return this.#fail(this.#bodyStatus(), 'malformed trailer section');
      end = -2; // empty trailer section
    } else {
      end = s.indexOf(HEAD_END, Math.max(0, before - 3));
      if (end < 0 || end + 4 > this.#scratchLen) {
        if (this.#scratchLen > max) return this.#fail(this.kind === 'request' ? 431 : 502, 'trailer section too large');
        return chunk.length;
      }
    }
    const consumed = end + 4 - before;
    this.#scratchLen = 0;
    const trailers: string[] = [];
    let p = 0;
    while (p < end + 2) {
      const lf = s.indexOf(LF, p);
      if (lf < 0 || lf > end + 2 || s[lf - 1] !== CR) return this.#fail(this.#bodyStatus(), 'malformed trailer section');
      let i = p;
      while (i < lf - 1 && TCHAR[s[i] as number] === 1) i++;
      if (i === p || s[i] !== COLON) return this.#fail(this.#bodyStatus(), 'malformed trailer field');
      const name = text(s, p, i).toLowerCase();
      let vs = i + 1;
      let ve = lf - 1;
      while (vs < ve && (s[vs] === SP || s[vs] === HTAB)) vs++;
      while (ve > vs && (s[ve - 1] === SP || s[ve - 1] === HTAB)) ve--;
      for (let j = vs; j < ve; j++) if (FIELD_VALUE[s[j] as number] === 0) return this.#fail(this.#bodyStatus(), 'invalid character in a trailer');
      if (!FORBIDDEN_TRAILERS.has(name)) trailers.push(name, text(s, vs, ve));
      p = lf + 1;
    }
    this.messageBytes += end + 4;
    this.#state = State.DONE;
    if (trailers.length > 0) this.handler.onTrailers(trailers);
    this.handler.onComplete();
    return pos + consumed;
  }
}
