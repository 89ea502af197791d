// Checks shared by the kinds: durations, percentages, string matches, header
// names and operations, hosts, labels, IP addresses and ports.

import { isIPv4, isIPv6 } from 'node:net';
import { parseDuration } from '../duration.ts';
import { checkRe2, literalOfRegex, literalPrefixOfRegex } from '../re2.ts';
import { type Obj, type RuleContext, at, field, has, isObj, numAt, objAt, strAt } from './context.ts';
import { show } from './show.ts';

// --- durations and percentages ----------------------------------------------

/** The duration at o[key], in ms when valid; reports why when it is not. */
export function checkDuration(ctx: RuleContext, o: Obj, key: string, path: string): number | undefined {
  const v = o[key];
  if (typeof v !== 'string') return undefined; // absent, or the schema reports the type
  const d = parseDuration(v);
  if (!d.ok) {
    ctx.error(field(path, key), d.reason);
    return undefined;
  }
  return d.ms;
}

/** A Percent ({value}) at o[key]; returns the value when it is a number. */
export function checkPercent(ctx: RuleContext, o: Obj, key: string, path: string): number | undefined {
  const pct = objAt(o, key);
  if (pct === undefined) return undefined;
  const value = numAt(pct, 'value');
  if (value === undefined) return undefined;
  // Envoy's FractionalPercent keeps four decimals (millionths): anything finer is silently 0.
  if (value > 0 && value < 0.0001) {
    ctx.error(field(field(path, key), 'value'), `must be 0 or at least 0.0001, the finest percentage Envoy can apply (got ${value})`);
  }
  return value;
}

// --- string matches -------------------------------------------------------------

export const MATCH_KINDS = ['exact', 'prefix', 'regex'] as const;
export const ONE_OF_MATCH = 'set only one of exact, prefix or regex';
export const oneOfMatchMessage = (set: readonly string[]): string =>
  `${ONE_OF_MATCH} (got ${set.join(' and ')}); a request must satisfy one condition, so use a regex to combine them`;

export interface StringMatchOptions {
  /** An empty match `{}` means "present" (headers, withoutHeaders, queryParams). */
  readonly emptyMeansPresent: boolean;
  /** Suggest `prefix` for `regex: /x/.*` (uri, authority). */
  readonly suggestPrefix: boolean;
}

export function checkStringMatch(ctx: RuleContext, sm: unknown, path: string, opts: StringMatchOptions): void {
  if (!isObj(sm)) return;
  const set = MATCH_KINDS.filter((k) => has(sm, k));
  if (set.length > 1) {
    ctx.error(path, oneOfMatchMessage(set));
  }
  if (set.length === 0 && !opts.emptyMeansPresent && Object.keys(sm).length === 0) {
    ctx.error(path, 'set one of exact, prefix or regex (an empty match is allowed only under headers, withoutHeaders and queryParams, where it means "present"); to match everything, leave the field out', { at: path, fields: [...MATCH_KINDS] });
  }
  const prefix = strAt(sm, 'prefix');
  if (prefix === '') ctx.error(field(path, 'prefix'), 'must not be empty; to match everything, leave this condition out');
  const regex = strAt(sm, 'regex');
  if (regex !== undefined) checkRegex(ctx, regex, field(path, 'regex'), opts.suggestPrefix);
}

export function checkRegex(ctx: RuleContext, regex: string, path: string, suggestPrefix: boolean): number | undefined {
  if (regex === '') {
    ctx.error(path, 'must not be empty; RE2 regexes match the whole value, so an empty one only matches an empty value');
    return undefined;
  }
  const re = checkRe2(regex);
  if (!re.ok) {
    ctx.error(path, re.reason);
    return undefined;
  }
  if (regex === '.*' || regex === '^.*$') {
    ctx.warn(path, `${show(regex)} matches every value; leave the condition out instead`);
  } else {
    const literalPrefix = suggestPrefix ? literalPrefixOfRegex(regex) : undefined;
    const literal = literalOfRegex(regex);
    if (literalPrefix !== undefined) {
      ctx.warn(path, `use prefix: ${show(literalPrefix)} instead of a regex: it matches the same requests and is cheaper`);
    } else if (literal !== undefined) {
      ctx.warn(path, `use exact: ${show(literal)} instead of a regex: RE2 matches the whole value, so this regex only matches that literal`);
    }
  }
  return re.groups;
}

// --- HTTP header names and operations ------------------------------------------

/** RFC 9110 token characters: what a header name may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const isHeaderName = (name: string): boolean => TOKEN.test(name);

/** Header names in matches: lower case tokens (HTTP/2 sends them lower case and the proxy compares them so). */
export function checkMatchHeaderName(ctx: RuleContext, name: string, path: string): void {
  if (name === '') {
    ctx.error(path, 'header name must not be empty');
  } else if (name.startsWith(':')) {
    const use = { ':method': 'method', ':path': 'uri', ':authority': 'authority', ':scheme': 'scheme' }[name];
    ctx.error(path, `pseudo-header ${show(name)} cannot be matched as a header${use !== undefined ? `; use the match's ${use} field` : ''}`);
  } else if (!isHeaderName(name)) {
    ctx.error(path, `${show(name)} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`);
  } else if (name !== name.toLowerCase()) {
    ctx.error(path, `header names in matches must be lower case: write ${show(name.toLowerCase())} (got ${show(name)})`);
  }
}

type Direction = 'request' | 'response';

/**
 * Header operations. Envoy refuses to modify `:`-prefixed pseudo-headers and
 * Host (":-prefixed or host headers may not be modified"); on requests, set
 * and add of Host/:authority are allowed and rewrite the authority, as Istio does.
 */
export function checkHeaderOperations(ctx: RuleContext, headers: Obj, path: string): void {
  for (const direction of ['request', 'response'] as const) {
    const ops = objAt(headers, direction);
    if (ops === undefined) continue;
    const base = field(path, direction);
    for (const op of ['set', 'add'] as const) {
      const values = objAt(ops, op);
      if (values === undefined) continue;
      for (const [name, value] of Object.entries(values)) {
        const p = at(field(base, op), name);
        checkOperationName(ctx, name, p, direction, op);
        if (typeof value === 'string') checkHeaderValue(ctx, value, p);
      }
    }
    const remove = ops['remove'];
    if (Array.isArray(remove)) {
      remove.forEach((name, i) => {
        if (typeof name === 'string') checkOperationName(ctx, name, at(field(base, 'remove'), i), direction, 'remove');
      });
    }
  }
}

const isAuthority = (name: string): boolean => name.toLowerCase() === 'host' || name.toLowerCase() === ':authority';

function checkOperationName(ctx: RuleContext, name: string, path: string, direction: Direction, op: 'set' | 'add' | 'remove'): void {
  if (name === '') {
    ctx.error(path, 'header name must not be empty');
    return;
  }
  if (direction === 'request' && op !== 'remove' && isAuthority(name)) return;
  if (name.startsWith(':')) {
    ctx.error(path, `cannot ${op} pseudo-header ${show(name)}: Envoy does not modify :-prefixed headers${direction === 'request' ? ' (only :authority may be set, to rewrite the authority)' : ''}`);
    return;
  }
  if (name.toLowerCase() === 'host') {
    ctx.error(path, direction === 'request'
      ? 'cannot remove the Host header: every request needs one; set it (or rewrite.authority) to change it'
      : `cannot ${op} Host on a response: Envoy does not modify it`);
    return;
  }
  if (!isHeaderName(name)) {
    ctx.error(path, `${show(name)} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`);
  }
}

/** Header values may hold Envoy's %VARIABLE% substitutions; a literal % is written %%. */
function checkHeaderValue(ctx: RuleContext, value: string, path: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    ctx.error(path, 'header values may not contain control characters or line breaks');
    return;
  }
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '%') {
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      i += 2;
      continue;
    }
    const end = value.indexOf('%', i + 1);
    const inner = end === -1 ? '' : value.slice(i + 1, end);
    if (end === -1 || !/^[A-Z][A-Z0-9_]*(\(.*\))?(:[0-9]+)?$/.test(inner)) {
      ctx.error(path, `a literal % must be written %% (Envoy reads %NAME% as a variable) (got ${show(value)})`);
      return;
    }
    i = end + 1;
  }
}

// --- hosts, names and labels ---------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const isDnsLabel = (s: string): boolean => s.length <= 63 && DNS_LABEL.test(s);

/** Why `host` is not a Service host (short name, name.namespace, FQDN), or undefined when it is. */
export function hostProblem(host: string, allowWildcard: boolean): string | undefined {
  if (host === '') return 'must not be empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) return `is a host name, not a URL: write ${show(host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[/:].*$/, ''))} (got ${show(host)})`;
  if (/:[0-9]+$/.test(host)) return `must not include a port (got ${show(host)}); ports go in port.number`;
  if (host === '*') return allowWildcard ? undefined : 'must name a Service, not "*"';
  if (isIPv4(host) || isIPv6(host)) return undefined;
  let name = host;
  if (name.startsWith('*.')) {
    if (!allowWildcard) return `must name a Service; wildcards are not allowed here (got ${show(host)})`;
    name = name.slice(2);
  }
  if (name !== name.toLowerCase()) return `host names are lower case: write ${show(host.toLowerCase())} (got ${show(host)})`;
  if (name.length > 253) return 'must be at most 253 characters';
  const labels = name.split('.');
  if (labels.some((l) => !isDnsLabel(l))) {
    return `is not a valid host name (got ${show(host)}): use a Service name such as reviews, reviews.shop or reviews.shop.svc.cluster.local`;
  }
  return undefined;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes label keys and values, as the API server checks them. */
export function checkLabels(ctx: RuleContext, labels: Obj, path: string, allowWildcard: boolean): void {
  for (const [key, value] of Object.entries(labels)) {
    const p = at(path, key);
    const slash = key.indexOf('/');
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const name = slash === -1 ? key : key.slice(slash + 1);
    if (!allowWildcard && (key.includes('*') || (typeof value === 'string' && value.includes('*')))) {
      ctx.error(p, 'wildcards are not supported in label selectors: list the exact label value');
      continue;
    }
    if ((prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
      ctx.error(p, `${show(key)} is not a valid label key (name of up to 63 letters, digits, -, _ and ., optionally prefixed by a DNS domain and /)`);
    }
    if (typeof value === 'string' && value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
      ctx.error(p, `${show(value)} is not a valid label value (up to 63 letters, digits, -, _ and ., starting and ending with a letter or digit)`);
    }
  }
}

// --- addresses and ports --------------------------------------------------------

export type IpCheck = { readonly ok: true; readonly hostBitsSet?: string } | { readonly ok: false; readonly reason: string };

/** An IP address or CIDR block as Envoy's CidrRange takes it. */
export function checkIpOrCidr(value: string): IpCheck {
  const slash = value.indexOf('/');
  const addr = slash === -1 ? value : value.slice(0, slash);
  const v4 = isIPv4(addr);
  const v6 = !v4 && isIPv6(addr);
  if (!v4 && !v6) {
    return { ok: false, reason: `${show(value)} is not an IP address or CIDR block (such as 10.0.0.1, 10.0.0.0/16 or fd00::/8)` };
  }
  if (slash === -1) return { ok: true };
  const bitsText = value.slice(slash + 1);
  const max = v4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(bitsText) || Number(bitsText) > max) {
    return { ok: false, reason: `${show(value)} has an invalid prefix length: must be 0 to ${max}` };
  }
  const bits = Number(bitsText);
  const network = v4 ? v4Network(addr, bits) : v6Network(addr, bits);
  return network === undefined ? { ok: true } : { ok: true, hostBitsSet: `${network}/${bits}` };
}

/** The network address when `addr` has bits set beyond the prefix, else undefined. */
function v4Network(addr: string, bits: number): string | undefined {
  const octets = addr.split('.').map(Number);
  let n = 0n;
  for (const o of octets) n = (n << 8n) | BigInt(o);
  const mask = bits === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - bits)) - 1n);
  const net = n & mask;
  if (net === n) return undefined;
  return [24n, 16n, 8n, 0n].map((s) => String((net >> s) & 255n)).join('.');
}

function v6Network(addr: string, bits: number): string | undefined {
  const groups = expandV6(addr);
  if (groups === undefined) return undefined;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  const all = (1n << 128n) - 1n;
  const mask = bits === 0 ? 0n : all ^ ((1n << BigInt(128 - bits)) - 1n);
  const net = n & mask;
  if (net === n) return undefined;
  const out: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) out.push(((net >> s) & 0xffffn).toString(16));
  return out.join(':');
}

function expandV6(addr: string): number[] | undefined {
  // Embedded IPv4 tails (::ffff:10.0.0.1) are rare in policies: no host-bit check for them.
  if (addr.includes('.')) return undefined;
  const [head = '', rest] = addr.split('::');
  const h = head === '' ? [] : head.split(':').map((x) => parseInt(x, 16));
  const r = rest === undefined || rest === '' ? [] : rest.split(':').map((x) => parseInt(x, 16));
  const missing = 8 - h.length - r.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined;
  return [...h, ...new Array<number>(missing).fill(0), ...r];
}

/** A port written as a string (AuthorizationPolicy ports, destination.port values). */
export function portStringProblem(value: string): string | undefined {
  if (/^[0-9]+-[0-9]+$/.test(value)) return `port ranges are not supported (got ${show(value)}): list each port`;
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    return `must be a port number from 1 to 65535 (got ${show(value)})`;
  }
  return undefined;
}

// --- HTTP methods ------------------------------------------------------------------

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'] as const;
export const isHttpMethod = (m: string): boolean => (HTTP_METHODS as readonly string[]).includes(m);

// --- destinations ------------------------------------------------------------------

export function checkDestination(ctx: RuleContext, dest: unknown, path: string): void {
  if (!isObj(dest)) return;
  const host = strAt(dest, 'host');
  if (host !== undefined && host !== '') {
    const why = hostProblem(host, false);
    if (why !== undefined) ctx.error(field(path, 'host'), why);
  }
}

export const describeRule = (rule: Obj, path: string): string => {
  const name = strAt(rule, 'name');
  return name === undefined || name === '' ? path : `${path} (${show(name)})`;
};

/** A workload selector (spec.selector of AuthorizationPolicy and RequestAuthentication): labels checked, an empty one called out. */
export function checkSelector(ctx: RuleContext, spec: Obj): void {
  const selector = objAt(spec, 'selector');
  if (selector === undefined) return;
  const labels = objAt(selector, 'matchLabels');
  if (labels === undefined || Object.keys(labels).length === 0) {
    ctx.warn('spec.selector', 'a selector without matchLabels selects every workload in the namespace; remove selector to say that plainly');
  } else {
    checkLabels(ctx, labels, 'spec.selector.matchLabels', false);
  }
}
