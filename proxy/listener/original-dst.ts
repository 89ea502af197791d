// The original destination of a redirected connection, from the kernel's
// connection tracking table. After iptables REDIRECT, Envoy asks the socket
// (getsockopt SO_ORIGINAL_DST); Node cannot. The NAT that REDIRECT did is in
// conntrack, though: the entry's reply tuple is the connection as the proxy
// sees it (source = the proxy's local address and port, destination = the
// client), and its original tuple holds the address the client dialled.
//
// /proc/net/nf_conntrack shows the table of the reading process's network
// namespace (the Pod's), is read synchronously at accept (a few entries in a
// Pod; measured in docs/interception.md), and is mode 0440 root:root: a proxy
// running as 1337 needs group 0 among its supplementary groups (Kubernetes:
// supplementalGroups: [0]), no capability. The netlink route (the conntrack
// tool) needs CAP_NET_ADMIN and costs a process per connection, so it is not
// used.

import { readFileSync } from 'node:fs';
import type net from 'node:net';
import type { OriginalDst, OriginalDstResolver } from './listener.ts';

export const CONNTRACK_PROC = '/proc/net/nf_conntrack';

export interface ConntrackOptions {
  /** The table to read (tests point it at a file). */
  readonly path?: string;
  /** Reads the table; defaults to a synchronous read of `path`. */
  readonly read?: (path: string) => string;
  /** Milliseconds, for the read cache. */
  readonly now?: () => number;
}

/** How long a read of the table answers for connections it holds (a port reused within it is the same connection's or newer). */
const CACHE_MS = 250;

export type ConntrackResolverResult =
  | { readonly ok: true; readonly resolver: OriginalDstResolver; readonly path: string }
  | { readonly ok: false; readonly reason: string };

/** A resolver reading the conntrack table, or why this process cannot read it. */
export function conntrackResolver(options: ConntrackOptions = {}): ConntrackResolverResult {
  const path = options.path ?? CONNTRACK_PROC;
  const read = options.read ?? ((p: string) => readFileSync(p, 'latin1'));
  try {
    read(path);
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    const why = code === 'ENOENT'
      ? `${path} does not exist: the kernel needs nf_conntrack with CONFIG_NF_CONNTRACK_PROCFS, and a NAT rule loaded in this network namespace`
      : code === 'EACCES'
        ? `${path} is readable by root and group 0 only: run the proxy with group 0 among its supplementary groups (Kubernetes: securityContext.supplementalGroups: [0])`
        : `${path}: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, reason: why };
  }
  const now = options.now ?? (() => performance.now());
  // A read costs about a millisecond however small the Pod's table is (the
  // kernel walks its whole hash table, shared by every namespace), so the
  // last read is kept briefly: connections accepted in one burst were all in
  // it. A connection missing from it (newer than the read) reads afresh.
  let cached = '';
  let cachedAt = -Infinity;
  const resolver: OriginalDstResolver = (socket: net.Socket) => {
    const local = socket.localAddress;
    const remote = socket.remoteAddress;
    const localPort = socket.localPort;
    const remotePort = socket.remotePort;
    if (local === undefined || remote === undefined || localPort === undefined || remotePort === undefined) return undefined;
    const l = { address: local, port: localPort };
    const r = { address: remote, port: remotePort };
    if (now() - cachedAt < CACHE_MS) {
      const hit = findOriginalDst(cached, l, r);
      if (hit !== 'absent') return hit;
    }
    try {
      cached = read(path);
      cachedAt = now();
    } catch {
      return undefined;
    }
    const found = findOriginalDst(cached, l, r);
    return found === 'absent' ? undefined : found;
  };
  return { ok: true, resolver, path };
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * The destination the client dialled, from a /proc/net/nf_conntrack dump, for
 * the TCP connection the proxy sees as `local` ← `remote`. Undefined when the
 * connection was not translated (dialled to the proxy directly) or is not in
 * the table. Pure.
 */
export function lookupOriginalDst(table: string, local: Endpoint, remote: Endpoint): OriginalDst | undefined {
  const r = findOriginalDst(table, local, remote);
  return r === 'absent' ? undefined : r;
}

/** As lookupOriginalDst, telling "not in the table" ('absent') from "in it, not translated" (undefined). */
function findOriginalDst(table: string, local: Endpoint, remote: Endpoint): OriginalDst | undefined | 'absent' {
  const l = procAddress(local.address);
  const r = procAddress(remote.address);
  // The reply tuple, as the kernel prints it: the proxy answering the client.
  const needle = `src=${l} dst=${r} sport=${local.port} dport=${remote.port} `;
  let from = 0;
  for (;;) {
    const at = table.indexOf(needle, from);
    if (at < 0) return 'absent';
    from = at + needle.length;
    const lineStart = table.lastIndexOf('\n', at) + 1;
    const head = table.slice(lineStart, at);
    // The reply tuple is the second one on a tcp line; the first is the original.
    if (!/\stcp\s/.test(head)) continue;
    const orig = /src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) /.exec(head);
    if (orig === null || head.indexOf('src=', orig.index + 4) >= 0) continue;
    const address = socketAddress(orig[2] ?? '');
    const port = Number(orig[4]);
    if (address === stripMapped(local.address) && port === local.port) return undefined;
    return { address, port };
  }
}

/** How /proc prints an address: IPv4 dotted, IPv6 as eight zero-padded groups (%pI6). */
function procAddress(a: string): string {
  const v4 = stripMapped(a);
  if (!v4.includes(':')) return v4;
  return expandV6(v4);
}

/** An address as sockets report it: IPv4 dotted, IPv6 compressed. */
function socketAddress(a: string): string {
  if (!a.includes(':')) return a;
  const groups = a.split(':').map((g) => g.replace(/^0+(?=.)/, ''));
  // Compress the longest run of zero groups, as the kernel and Node do.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function expandV6(a: string): string {
  const [head = '', tail] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0');
  return [...h, ...zeros, ...t].map((g) => g.toLowerCase().padStart(4, '0')).join(':');
}

const stripMapped = (a: string): string => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);
