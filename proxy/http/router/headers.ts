// Header mutations (Envoy's HeaderValueOption lists and *_headers_to_remove),
// compiled once and applied to flat [name, value, ...] arrays.

import { at, bool, fail, fields, idx, list, str } from '../../config/read.ts';

/** Envoy's HeaderValueOption.HeaderAppendAction. */
export const Append = { APPEND_IF_EXISTS_OR_ADD: 0, ADD_IF_ABSENT: 1, OVERWRITE_IF_EXISTS_OR_ADD: 2, OVERWRITE_IF_EXISTS: 3 } as const;
type AppendAction = (typeof Append)[keyof typeof Append];

/** Per-request values a header value may refer to (%DOWNSTREAM_REMOTE_ADDRESS% and friends). */
export interface HeaderContext {
  readonly downstreamRemoteAddress: string;
  readonly downstreamRemotePort: number;
  readonly downstreamLocalAddress: string;
  readonly downstreamLocalPort: number;
  readonly protocol: string;
}

type ValuePart = string | ((c: HeaderContext) => string);

export interface HeaderEdit {
  readonly name: string;
  readonly action: AppendAction;
  /** The literal value, or undefined when it has substitutions (then `parts`). */
  readonly literal: string | undefined;
  readonly parts: readonly ValuePart[];
  readonly keepEmpty: boolean;
}

export interface HeaderMutations {
  readonly remove: readonly string[];
  readonly add: readonly HeaderEdit[];
}

export const NO_MUTATIONS: HeaderMutations = Object.freeze({ remove: Object.freeze([]), add: Object.freeze([]) });

export const isEmptyMutation = (m: HeaderMutations): boolean => m.remove.length === 0 && m.add.length === 0 && (m as { steps?: unknown }).steps === undefined;

const COMMANDS: Readonly<Record<string, (c: HeaderContext) => string>> = {
  DOWNSTREAM_REMOTE_ADDRESS: (c) => (c.downstreamRemoteAddress.includes(':') ? `[${c.downstreamRemoteAddress}]:${c.downstreamRemotePort}` : `${c.downstreamRemoteAddress}:${c.downstreamRemotePort}`),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (c) => c.downstreamRemoteAddress,
  DOWNSTREAM_LOCAL_ADDRESS: (c) => (c.downstreamLocalAddress.includes(':') ? `[${c.downstreamLocalAddress}]:${c.downstreamLocalPort}` : `${c.downstreamLocalAddress}:${c.downstreamLocalPort}`),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (c) => c.downstreamLocalAddress,
  DOWNSTREAM_LOCAL_PORT: (c) => String(c.downstreamLocalPort),
  PROTOCOL: (c) => c.protocol,
};

function parseValue(value: string, path: string): ValuePart[] {
  const parts: ValuePart[] = [];
  let lit = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch !== '%') {
      lit += ch;
      continue;
    }
    if (value[i + 1] === '%') {
      lit += '%';
      i++;
      continue;
    }
    const end = value.indexOf('%', i + 1);
    if (end < 0) return fail(path, `unterminated %…% in header value ${JSON.stringify(value)} (write %% for a literal %)`);
    const name = value.slice(i + 1, end);
    const cmd = COMMANDS[name];
    if (cmd === undefined) return fail(path, `header value command %${name}% is not supported (supported: ${Object.keys(COMMANDS).join(', ')})`);
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(cmd);
    i = end;
  }
  if (lit !== '' || parts.length === 0) parts.push(lit);
  return parts;
}

const validName = (n: string): boolean => /^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(n);

export function parseMutations(addValue: unknown, removeValue: unknown, path: string, addKey: string, removeKey: string): HeaderMutations {
  const add: HeaderEdit[] = [];
  list(addValue, at(path, addKey)).forEach((opt, i) => {
    const p = idx(at(path, addKey), i);
    const f = fields(opt, p, { what: 'header value option', known: ['header', 'append_action', 'keep_empty_value'] });
    const h = fields(f['header'], at(p, 'header'), { what: 'header', known: ['key', 'value'] });
    const name = str(h['key'], at(p, 'header.key')).toLowerCase();
    if (!validName(name)) fail(at(p, 'header.key'), `${JSON.stringify(name)} is not a header name this proxy may set (pseudo-headers and invalid names are refused)`);
    if (name === 'host' || name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'upgrade') {
      fail(at(p, 'header.key'), `${name} is managed by the proxy and cannot be set by a route (use host_rewrite_literal for the authority)`);
    }
    const value = str(h['value'], at(p, 'header.value'), '');
    if (/[\r\n\0]/.test(value)) fail(at(p, 'header.value'), 'header values may not contain CR, LF or NUL');
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) fail(at(p, 'header.value'), 'header values may contain only Latin-1 text (no control characters)');
    const actionName = str(f['append_action'], at(p, 'append_action'), 'APPEND_IF_EXISTS_OR_ADD');
    const action = (Append as Record<string, AppendAction>)[actionName];
    if (action === undefined) fail(at(p, 'append_action'), `unknown append_action ${actionName}`);
    const parts = parseValue(value, at(p, 'header.value'));
    const literal = parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined;
    add.push(Object.freeze({ name, action: action as AppendAction, literal, parts: Object.freeze(parts), keepEmpty: bool(f['keep_empty_value'], at(p, 'keep_empty_value')) }));
  });
  const remove = list(removeValue, at(path, removeKey)).map((n, i) => {
    const name = str(n, idx(at(path, removeKey), i)).toLowerCase();
    if (name.startsWith(':') || name === 'host') fail(idx(at(path, removeKey), i), `${name} cannot be removed`);
    return name;
  });
  if (add.length === 0 && remove.length === 0) return NO_MUTATIONS;
  return Object.freeze({ remove: Object.freeze(remove), add: Object.freeze(add) });
}

/** Several levels applied in order (Envoy: route, then virtual host, then route configuration, so the wider level wins). */
export function combine(...levels: HeaderMutations[]): HeaderMutations {
  const nonEmpty = levels.filter((l) => !isEmptyMutation(l));
  if (nonEmpty.length === 0) return NO_MUTATIONS;
  if (nonEmpty.length === 1) return nonEmpty[0] as HeaderMutations;
  // Removals of one level must not erase additions of an earlier one, so levels stay separate steps.
  return Object.freeze({ remove: Object.freeze([]), add: Object.freeze([]), steps: Object.freeze(nonEmpty) } as HeaderMutations & { steps: readonly HeaderMutations[] });
}

function removeAll(headers: string[], name: string): void {
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    if (headers[r] === name) continue;
    if (w !== r) {
      headers[w] = headers[r] as string;
      headers[w + 1] = headers[r + 1] as string;
    }
    w += 2;
  }
  headers.length = w;
}

function has(headers: readonly string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return true;
  return false;
}

/** Applies the mutations in place. */
export function applyMutations(m: HeaderMutations, headers: string[], ctx: HeaderContext): void {
  const steps = (m as HeaderMutations & { steps?: readonly HeaderMutations[] }).steps;
  if (steps !== undefined) {
    for (const s of steps) applyMutations(s, headers, ctx);
    return;
  }
  for (let i = 0; i < m.remove.length; i++) removeAll(headers, m.remove[i] as string);
  for (let i = 0; i < m.add.length; i++) {
    const e = m.add[i] as HeaderEdit;
    let value = e.literal;
    if (value === undefined) {
      value = '';
      for (const p of e.parts) value += typeof p === 'string' ? p : p(ctx);
    }
    if (value === '' && !e.keepEmpty) continue;
    switch (e.action) {
      case Append.APPEND_IF_EXISTS_OR_ADD:
        headers.push(e.name, value);
        break;
      case Append.ADD_IF_ABSENT:
        if (!has(headers, e.name)) headers.push(e.name, value);
        break;
      case Append.OVERWRITE_IF_EXISTS_OR_ADD:
        removeAll(headers, e.name);
        headers.push(e.name, value);
        break;
      case Append.OVERWRITE_IF_EXISTS:
        if (has(headers, e.name)) {
          removeAll(headers, e.name);
          headers.push(e.name, value);
        }
        break;
    }
  }
}

/** The values of a header joined with "," (Envoy's getAllOfHeaderAsString); undefined when absent. */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) out = out === undefined ? (headers[i + 1] as string) : `${out},${headers[i + 1] as string}`;
  }
  return out;
}

export { removeAll as removeHeader };
