// IP addresses and CIDR ranges for the RBAC matchers, without allocation on
// the request path: an address is parsed into a shared scratch buffer of four
// 32-bit words (IPv4 uses the first), compared against ranges precomputed at
// config time.

export type IpVersion = 4 | 6;

/** A CIDR range with its host bits cleared (Envoy masks them the same way). */
export interface CidrRange {
  readonly version: IpVersion;
  /** Four 32-bit words, network order; IPv4 uses words[0]. */
  readonly words: Uint32Array;
  readonly prefixLen: number;
}

// Scratch space for the address being matched. Evaluation is synchronous and
// single-threaded, so one buffer is enough.
const scratch = new Uint32Array(4);
const groups = new Uint16Array(8);

/** Parses dotted-quad IPv4 from s[start, end) into a 32-bit number, or -1. */
function parseIpv4(s: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // No leading zeros beyond a lone "0": "01.2.3.4" is ambiguous (octal in some parsers).
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** Parses IPv6 (with `::` and an embedded IPv4 tail; a `%zone` is ignored) into `groups`. */
function parseIpv6(s: string, end: number): boolean {
  const zone = s.indexOf('%');
  if (zone >= 0 && zone < end) end = zone;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
    if (end === 2) {
      groups.fill(0);
      return true;
    }
  } else if (end >= 1 && s.charCodeAt(0) === 58) {
    return false;
  }
  while (i < end) {
    if (count === 8) return false;
    // Find the end of this group.
    let j = i;
    let value = 0;
    let hasDot = false;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === 58) break;
      if (c === 46) hasDot = true;
      j++;
    }
    if (hasDot) {
      // An IPv4 tail must be last and fill two groups.
      if (j !== end || count > 6) return false;
      const v4 = parseIpv4(s, i, end);
      if (v4 < 0) return false;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = end;
      break;
    }
    const len = j - i;
    if (len === 0 || len > 4) return false;
    for (let k = i; k < j; k++) {
      const c = s.charCodeAt(k);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return false;
      value = value * 16 + d;
    }
    groups[count++] = value;
    if (j === end) {
      i = end;
      break;
    }
    // j is at a ':'; "::" marks the gap.
    if (j + 1 < end && s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i = j + 2;
      if (i === end) break;
    } else {
      i = j + 1;
      if (i === end) return false; // trailing single ':'
    }
  }
  if (gap < 0) return count === 8;
  if (count === 8) return false;
  // Move the groups after the gap to the end and zero the gap.
  const tail = count - gap;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k] ?? 0;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/**
 * Parses an address into the scratch words. Returns its version, or 0 when it
 * is not an IP address. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, which
 * Node reports on dual-stack sockets) is reported as the IPv4 address.
 */
function parseInto(s: string): IpVersion | 0 {
  if (s.indexOf(':') < 0) {
    const v4 = parseIpv4(s, 0, s.length);
    if (v4 < 0) return 0;
    scratch[0] = v4;
    return 4;
  }
  if (!parseIpv6(s, s.length)) return 0;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    scratch[0] = ((groups[6] ?? 0) * 65536 + (groups[7] ?? 0)) >>> 0;
    return 4;
  }
  for (let w = 0; w < 4; w++) scratch[w] = (((groups[2 * w] ?? 0) << 16) | (groups[2 * w + 1] ?? 0)) >>> 0;
  return 6;
}

/** The version of an address, or 0 when it is not one. */
export function ipVersionOf(s: string): IpVersion | 0 {
  return parseInto(s);
}

const maskWord = (word: number, bits: number): number => (bits >= 32 ? word : bits <= 0 ? 0 : (word & (0xffffffff << (32 - bits))) >>> 0);

/**
 * A range from an address and prefix length, host bits cleared. Returns an
 * error message instead when the address or length is invalid.
 */
export function cidrRange(address: string, prefixLen: number): CidrRange | string {
  const version = parseInto(address);
  if (version === 0) return `${JSON.stringify(address)} is not an IPv4 or IPv6 address`;
  // An IPv4-mapped IPv6 prefix is kept as IPv6 so its length stays meaningful.
  const isV6Text = address.indexOf(':') >= 0;
  const max = isV6Text ? 128 : 32;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) {
    return `prefix length ${prefixLen} is out of range for ${JSON.stringify(address)} (0..${max})`;
  }
  const words = new Uint32Array(4);
  if (isV6Text) {
    if (!parseIpv6(address, address.length)) return `${JSON.stringify(address)} is not an IPv4 or IPv6 address`;
    for (let w = 0; w < 4; w++) {
      const word = (((groups[2 * w] ?? 0) << 16) | (groups[2 * w + 1] ?? 0)) >>> 0;
      words[w] = maskWord(word, prefixLen - 32 * w);
    }
    return Object.freeze({ version: 6, words, prefixLen });
  }
  words[0] = maskWord(scratch[0] ?? 0, prefixLen);
  return Object.freeze({ version: 4, words, prefixLen });
}

/** Whether an address lies in a range. Addresses of the other version never do (as in Envoy). */
export function inRange(range: CidrRange, address: string): boolean {
  let version = parseInto(address);
  if (version === 0) return false;
  if (range.version === 6 && version === 4 && address.indexOf(':') >= 0) {
    // A v4-mapped address against a v6 range: compare in its v6 form.
    parseIpv6(address, address.length);
    for (let w = 0; w < 4; w++) scratch[w] = (((groups[2 * w] ?? 0) << 16) | (groups[2 * w + 1] ?? 0)) >>> 0;
    version = 6;
  }
  if (version !== range.version) return false;
  const words = range.words;
  const words4 = version === 4 ? 1 : 4;
  for (let w = 0; w < words4; w++) {
    if (maskWord(scratch[w] ?? 0, range.prefixLen - 32 * w) !== words[w]) return false;
  }
  return true;
}
