// Trace context propagation, as Envoy's tracers do it per hop: W3C
// `traceparent` (with `tracestate` forwarded untouched) and B3, multi-header
// (`x-b3-traceid`, `x-b3-spanid`, `x-b3-parentspanid`, `x-b3-sampled`,
// `x-b3-flags`) and single-header (`b3`). The trace id is kept; this proxy's
// hop gets a span id of its own and the incoming span becomes its parent. A
// request with no context starts a trace, sampled at the configured rate,
// and gets W3C and B3 headers both. `x-request-id` is added when absent.
//
// Ids come from a pooled buffer refilled by crypto.randomFillSync, one
// system call per ~100 requests rather than one per id.

import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

// Buffer's own hex encoder without toString's argument handling (as the
// HTTP/1.1 parser does for latin1): three ids per new trace, on every request.
const hexSlice = (Buffer.prototype as unknown as { hexSlice(this: Buffer, start: number, end: number): string }).hexSlice;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string }).latin1Slice;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Random ids from a pooled buffer. */
export class IdSource {
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #pos = POOL_BYTES;

  #take(n: number): number {
    if (this.#pos + n > POOL_BYTES) {
      randomFillSync(this.#pool);
      this.#pos = 0;
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** `bytes` random bytes as lower-case hex, never all zero (an all-zero id is invalid in W3C and B3). */
  hex(bytes: number): string {
    const p = this.#pool;
    for (;;) {
      const at = this.#take(bytes);
      for (let i = at; i < at + bytes; i++) if (p[i] !== 0) return hexSlice.call(p, at, at + bytes);
    }
  }

  readonly #text = Buffer.allocUnsafe(36);

  /**
   * A random (version 4) UUID, its 36 characters written into a scratch
   * buffer and read out as one string (one per request: x-request-id), where
   * hex then five slices and the dashes made six strings and a rope.
   */
  uuid(): string {
    const at = this.#take(16);
    const p = this.#pool;
    p[at + 6] = ((p[at + 6] as number) & 0x0f) | 0x40;
    p[at + 8] = ((p[at + 8] as number) & 0x3f) | 0x80;
    const t = this.#text;
    let o = 0;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) t[o++] = 0x2d; // -
      const b = p[at + i] as number;
      t[o++] = HEX_DIGITS[b >> 4] as number;
      t[o++] = HEX_DIGITS[b & 15] as number;
    }
    return latin1Slice.call(t, 0, 36);
  }
}

const ZERO = /^0+$/;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX16_32 = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** Where the propagated context is recorded (the exchange). */
export interface TraceTarget {
  traceId: string;
  spanId: string;
  requestId: string;
}

export interface TraceOptions {
  /** Share of new traces that are sampled, 0..1 (incoming decisions are kept). */
  readonly samplingRate: number;
  readonly random: () => number;
}

/**
 * Rewrites the trace headers of one request for the next hop (in place, on
 * the flat [name, value, …] array with lower-case names) and records the
 * trace id, this hop's span id and the request id on `out`.
 */
export function propagate(headers: string[], ids: IdSource, opts: TraceOptions, out: TraceTarget): void {
  let tp = -1;
  let b3 = -1;
  let bTrace = -1;
  let bSpan = -1;
  let bParent = -1;
  let bSampled = -1;
  let bFlags = -1;
  let rid = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i] as string;
    if (n.length === 11 && n === 'traceparent') tp = i + 1;
    else if (n.length === 2 && n === 'b3') b3 = i + 1;
    else if (n.length === 12 && n === 'x-request-id') rid = i + 1;
    else if (n.length >= 10 && n.charCodeAt(0) === 120 /* x */ && n.startsWith('x-b3-')) {
      if (n === 'x-b3-traceid') bTrace = i + 1;
      else if (n === 'x-b3-spanid') bSpan = i + 1;
      else if (n === 'x-b3-parentspanid') bParent = i + 1;
      else if (n === 'x-b3-sampled') bSampled = i + 1;
      else if (n === 'x-b3-flags') bFlags = i + 1;
    }
  }

  if (rid < 0 || headers[rid] === '') {
    const id = ids.uuid();
    if (rid < 0) headers.push('x-request-id', id);
    else headers[rid] = id;
    out.requestId = id;
  } else out.requestId = headers[rid] as string;

  // The incoming context: W3C first, then single-header B3, then multi-header B3.
  let traceId = '';
  let parent = '';
  let sampled: boolean | undefined;
  if (tp >= 0) {
    const m = TRACEPARENT.exec((headers[tp] as string).toLowerCase());
    if (m !== null && m[1] !== 'ff' && !ZERO.test(m[2] as string) && !ZERO.test(m[3] as string)) {
      traceId = m[2] as string;
      parent = m[3] as string;
      sampled = (parseInt(m[4] as string, 16) & 1) === 1;
    } else tp = -1; // invalid: restarted below, as W3C says
  }
  if (traceId === '' && b3 >= 0) {
    const parts = (headers[b3] as string).toLowerCase().split('-');
    if (parts.length >= 2 && HEX16_32.test(parts[0] as string) && HEX16.test(parts[1] as string)) {
      traceId = parts[0] as string;
      parent = parts[1] as string;
      sampled = b3Sampled(parts[2]);
    } else if (parts.length === 1) sampled = b3Sampled(parts[0]); // a sampling decision alone
  }
  if (traceId === '' && bTrace >= 0 && bSpan >= 0) {
    const t = (headers[bTrace] as string).toLowerCase();
    const s = (headers[bSpan] as string).toLowerCase();
    if (HEX16_32.test(t) && HEX16.test(s)) {
      traceId = t;
      parent = s;
    }
  }
  if (sampled === undefined && bFlags >= 0 && headers[bFlags] === '1') sampled = true;
  if (sampled === undefined && bSampled >= 0) sampled = b3Sampled(headers[bSampled]);
  const fresh = traceId === '';
  if (fresh) traceId = ids.hex(16);
  if (sampled === undefined) sampled = opts.samplingRate >= 1 || (opts.samplingRate > 0 && opts.random() < opts.samplingRate);
  const span = ids.hex(8);
  out.traceId = traceId;
  out.spanId = span;

  const w3cTrace = traceId.length === 32 ? traceId : `0000000000000000${traceId}`;
  const traceparent = `00-${w3cTrace}-${span}-${sampled ? '01' : '00'}`;
  const bit = sampled ? '1' : '0';
  if (fresh) {
    if (tp >= 0) headers[tp] = traceparent;
    else headers.push('traceparent', traceparent);
    if (b3 >= 0) headers[b3] = `${traceId}-${span}-${bit}`;
    setHeader(headers, bTrace, 'x-b3-traceid', traceId);
    setHeader(headers, bSpan, 'x-b3-spanid', span);
    setHeader(headers, bSampled, 'x-b3-sampled', bit);
    if (bParent >= 0) removeAt(headers, bParent);
    return;
  }
  // Continue the formats that came in, each with this hop's span.
  if (tp >= 0) headers[tp] = traceparent;
  if (b3 >= 0) headers[b3] = `${traceId}-${span}-${bit}-${parent}`;
  if (bTrace >= 0) {
    // Index order matters for pushes; set values first, then append the missing fields.
    if (bSpan >= 0) headers[bSpan] = span;
    if (bParent >= 0) headers[bParent] = parent;
    if (bSampled >= 0) headers[bSampled] = bit;
    if (bSpan < 0) headers.push('x-b3-spanid', span);
    if (bParent < 0) headers.push('x-b3-parentspanid', parent);
    if (bSampled < 0) headers.push('x-b3-sampled', bit);
  }
}

function b3Sampled(v: string | undefined): boolean | undefined {
  if (v === '1' || v === 'd' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

function setHeader(headers: string[], valueIndex: number, name: string, value: string): void {
  if (valueIndex >= 0) headers[valueIndex] = value;
  else headers.push(name, value);
}

function removeAt(headers: string[], valueIndex: number): void {
  headers.splice(valueIndex - 1, 2);
}
