// Byte classes of RFC 9110/9112, as 256-entry tables so the parser's inner
// loops are one array load per byte.

const table = (pred: (c: number) => boolean): Uint8Array => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
};

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** tchar (RFC 9110 §5.6.2): header names, methods, transfer codings. */
export const TCHAR = table((c) => isAlnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** field-vchar / obs-text / SP / HTAB (RFC 9110 §5.5): what a field value may contain. NUL, CR, LF and other controls are refused. */
export const FIELD_VALUE = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** Characters of a request-target: visible ASCII (no SP, no controls, no obs-text, RFC 9112 §3.2). */
export const TARGET = table((c) => c > 0x20 && c < 0x7f);

/** Uppercase ASCII letters, to know when a header name needs lower-casing. */
export const UPPER = table((c) => c >= 0x41 && c <= 0x5a);

/** Hex digit values, -1 for anything else. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) {
  if (c >= 0x30 && c <= 0x39) HEX[c] = c - 0x30;
  else if (c >= 0x41 && c <= 0x46) HEX[c] = c - 0x41 + 10;
  else if (c >= 0x61 && c <= 0x66) HEX[c] = c - 0x61 + 10;
}

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
