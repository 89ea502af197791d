// On-demand virtual hosts (VHDS aliases): a proxy subscribes to
// `<route configuration>/<authority>` the first time its app calls that
// authority, and the server answers with the virtual host Envoy's domain
// matching picks for it (exact domain, then the longest `*.suffix`, then the
// longest `prefix*`, then `*`), under the virtual host's own name with the
// alias in the Resource's `aliases`; or `{name: alias, aliases: [alias]}`
// without a resource when nothing matches.
//
// Resolving is cheap and shared: each VHDS group (a chunk of up to 128
// virtual hosts, an immutable object every snapshot holding it shares) gets a
// domain index the first time an alias is resolved against it, and a type's
// chain of groups gets the list of indexes per route configuration. A
// thousand streams resolving against the same groups use the same indexes;
// an edit that replaces one chunk costs one chunk's index, and only if an
// alias is resolved against it afterwards.
//
// Whether a stream's aliases need resolving again after a new snapshot is
// decided by `domainsMoved`: the route configurations where a virtual host was
// added or removed or its domains changed between two groups (computed once
// per pair of groups, like the server's diff). A rules-only edit moves no
// domains, so it resolves nothing.

import { TypeUrl, vhdsRouteConfigOf } from '../../xds/types.ts';
import type { PartResources, SnapshotResource, TypeResources } from './snapshot.ts';

/** One route configuration's virtual hosts of one group, by domain (lower-cased), as Envoy matches them. */
interface DomainIndex {
  readonly exact: Map<string, string>;
  /** `*.suffix` / `-suffix` wildcards without the star, longest first. */
  readonly suffixes: [string, string][];
  /** `prefix*` wildcards without the star, longest first. */
  readonly prefixes: [string, string][];
  star: string | undefined;
}

const groupIndexes = new WeakMap<PartResources, ReadonlyMap<string, DomainIndex>>();

const domainsOf = (r: SnapshotResource): readonly unknown[] => {
  const d = r.resource['domains'];
  return Array.isArray(d) ? d : [];
};

/** A group's domain index per route configuration, built once per group object. */
function groupIndex(part: PartResources): ReadonlyMap<string, DomainIndex> {
  let out = groupIndexes.get(part);
  if (out !== undefined) return out;
  const m = new Map<string, DomainIndex>();
  for (const r of part.resources.values()) {
    const rc = vhdsRouteConfigOf(r.name);
    if (rc === undefined) continue;
    let ix = m.get(rc);
    if (ix === undefined) m.set(rc, (ix = { exact: new Map(), suffixes: [], prefixes: [], star: undefined }));
    for (const d of domainsOf(r)) {
      if (typeof d !== 'string' || d === '') continue;
      const domain = d.toLowerCase();
      // A domain in two virtual hosts is refused by proxies; the first one wins here, as in a proxy's table.
      if (domain === '*') ix.star ??= r.name;
      else if (domain.startsWith('*')) ix.suffixes.push([domain.slice(1), r.name]);
      else if (domain.endsWith('*')) ix.prefixes.push([domain.slice(0, -1), r.name]);
      else if (!ix.exact.has(domain)) ix.exact.set(domain, r.name);
    }
  }
  for (const ix of m.values()) {
    ix.suffixes.sort((a, b) => b[0].length - a[0].length);
    ix.prefixes.sort((a, b) => b[0].length - a[0].length);
  }
  groupIndexes.set(part, m);
  out = m;
  return out;
}

const typeIndexes = new WeakMap<TypeResources, ReadonlyMap<string, readonly DomainIndex[]>>();

/** Per route configuration, the domain indexes of the groups holding its virtual hosts (once per chain of groups). */
function rcIndexes(vhosts: TypeResources): ReadonlyMap<string, readonly DomainIndex[]> {
  let out = typeIndexes.get(vhosts);
  if (out === undefined) {
    const m = new Map<string, DomainIndex[]>();
    for (const p of vhosts.parts) {
      for (const [rc, ix] of groupIndex(p)) {
        let l = m.get(rc);
        if (l === undefined) m.set(rc, (l = []));
        l.push(ix);
      }
    }
    typeIndexes.set(vhosts, m);
    out = m;
  }
  return out;
}

/** The host without its port (`[v6]:port` too), for `ignore_port_in_host_matching`. */
function stripPort(host: string): string {
  if (host.charCodeAt(0) === 91 /* [ */) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** Envoy's domain matching over several groups' indexes: exact, longest suffix, longest prefix, `*`. */
function match(indexes: readonly DomainIndex[], host: string): string | undefined {
  for (const ix of indexes) {
    const e = ix.exact.get(host);
    if (e !== undefined) return e;
  }
  // A wildcard must match at least one character.
  let best: string | undefined;
  let bestLen = -1;
  for (const ix of indexes) {
    for (const [s, name] of ix.suffixes) {
      if (s.length <= bestLen) break;
      if (host.length > s.length && host.endsWith(s)) {
        best = name;
        bestLen = s.length;
        break;
      }
    }
  }
  if (best !== undefined) return best;
  for (const ix of indexes) {
    for (const [p, name] of ix.prefixes) {
      if (p.length <= bestLen) break;
      if (host.length > p.length && host.startsWith(p)) {
        best = name;
        bestLen = p.length;
        break;
      }
    }
  }
  if (best !== undefined) return best;
  for (const ix of indexes) if (ix.star !== undefined) return ix.star;
  return undefined;
}

/**
 * What an alias resolves to against a snapshot's delta VirtualHost and
 * RouteConfiguration types: a virtual host's resource name, or undefined
 * ("nothing there": no match, or a route configuration the proxy does not
 * hold). A name that is a virtual host's own resource name is itself.
 */
export function resolveAlias(alias: string, vhosts: TypeResources | undefined, routes: TypeResources | undefined): string | undefined {
  if (vhosts?.resources.has(alias) === true) return alias;
  const rc = vhdsRouteConfigOf(alias);
  if (rc === undefined || vhosts === undefined) return undefined;
  const head = routes?.resources.get(rc);
  if (head === undefined) return undefined;
  const indexes = rcIndexes(vhosts).get(rc);
  if (indexes === undefined) return undefined;
  let host = alias.slice(rc.length + 1).toLowerCase();
  if (head.resource['ignore_port_in_host_matching'] === true) host = stripPort(host);
  return match(indexes, host);
}

// ---- when the mapping can change -------------------------------------------------

const sameDomains = (a: readonly unknown[], b: readonly unknown[]): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

const rcOf = (name: string): string => vhdsRouteConfigOf(name) ?? name;

/**
 * The route configurations whose domain → virtual host mapping may differ
 * between a VirtualHost group and the one replacing it: a name added or
 * gone, or a virtual host whose domains changed. `changed` are the new
 * group's resources that are other objects than the old one's, `removed`
 * the old names the new group lacks (the server's diff of the pair).
 */
export function domainsMoved(before: PartResources, changed: readonly SnapshotResource[], removed: readonly string[]): ReadonlySet<string> {
  let out: Set<string> | undefined;
  for (const r of changed) {
    if (r.typeUrl !== TypeUrl.VirtualHost) return EMPTY;
    const old = before.resources.get(r.name);
    if (old === undefined || !sameDomains(domainsOf(old), domainsOf(r))) (out ??= new Set()).add(rcOf(r.name));
  }
  for (const n of removed) (out ??= new Set()).add(rcOf(n));
  return out ?? EMPTY;
}

/** The route configurations of a whole group (one added or dropped). */
export function routeConfigsOf(part: PartResources): ReadonlySet<string> {
  const first = part.resources.values().next();
  if (first.done === true || first.value.typeUrl !== TypeUrl.VirtualHost) return EMPTY;
  return new Set(groupIndex(part).keys());
}

const EMPTY: ReadonlySet<string> = new Set();

// ---- a stream's aliases --------------------------------------------------------------

/** One alias's state on a stream: undefined until answered; '' resolved to nothing. */
type Target = string | undefined;

/** What resolving a stream's aliases produced: virtual hosts to send with their aliases, and aliases with nothing there. */
export interface Resolved {
  /** Virtual hosts an alias newly resolves to (or was answered with for the first time). */
  readonly answered: ReadonlySet<string>;
  /** Aliases now resolving to nothing. */
  readonly nothing: readonly string[];
}

/**
 * A delta stream's VHDS aliases: what each resolves to as last answered, the
 * reverse (which aliases point at a virtual host, so its new versions reach
 * the stream), and by route configuration (to resolve again only those whose
 * mapping moved).
 */
export class AliasTable {
  readonly #to = new Map<string, Target>();
  readonly #from = new Map<string, Set<string>>();
  readonly #byRc = new Map<string, Set<string>>();
  /** Subscribed and not answered yet. */
  readonly fresh = new Set<string>();
  /** Virtual hosts no alias points at any more: the proxy is told to drop them (unless it takes them otherwise). */
  readonly orphans = new Set<string>();
  /** The RouteConfiguration type the aliases were last resolved against (a route configuration added or gone moves them). */
  routes: TypeResources | undefined;

  get size(): number {
    return this.#to.size;
  }

  has(alias: string): boolean {
    return this.#to.has(alias);
  }

  /** Subscribes an alias; false when it was already. */
  add(alias: string): boolean {
    if (this.#to.has(alias)) return false;
    this.#to.set(alias, undefined);
    this.fresh.add(alias);
    const rc = rcOf(alias);
    let s = this.#byRc.get(rc);
    if (s === undefined) this.#byRc.set(rc, (s = new Set()));
    s.add(alias);
    return true;
  }

  /** Unsubscribes an alias; returns the virtual host it pointed at when no other alias points there now. */
  delete(alias: string): string | undefined {
    if (!this.#to.has(alias)) return undefined;
    const t = this.#to.get(alias);
    this.#to.delete(alias);
    this.fresh.delete(alias);
    const rc = rcOf(alias);
    const s = this.#byRc.get(rc);
    s?.delete(alias);
    if (s !== undefined && s.size === 0) this.#byRc.delete(rc);
    return t !== undefined && t !== '' && this.#unlink(t, alias) ? t : undefined;
  }

  /** Whether an alias of the stream resolves to this virtual host. */
  pointsAt(name: string): boolean {
    return this.#from.has(name);
  }

  /** The aliases resolving to a virtual host. */
  aliasesOf(name: string): readonly string[] | undefined {
    const s = this.#from.get(name);
    return s === undefined ? undefined : [...s];
  }

  /** The virtual hosts the aliases resolve to. */
  targets(): Iterable<string> {
    return this.#from.keys();
  }

  /** The aliases to resolve after a snapshot change: the fresh ones and those of the route configurations given ('all': every one). */
  due(moved: ReadonlySet<string> | 'all'): Iterable<string> {
    if (moved === 'all') return [...this.#to.keys()];
    if (moved.size === 0) return this.fresh;
    const out = new Set(this.fresh);
    for (const rc of moved) for (const a of this.#byRc.get(rc) ?? []) out.add(a);
    return out;
  }

  /** Resolves `aliases` with `resolve`; records the new mapping and the orphaned virtual hosts. */
  resolve(aliases: Iterable<string>, resolve: (alias: string) => string | undefined): Resolved {
    const answered = new Set<string>();
    const nothing: string[] = [];
    for (const a of [...aliases]) {
      if (!this.#to.has(a)) continue;
      const t = resolve(a) ?? '';
      const o = this.#to.get(a);
      const first = this.fresh.delete(a);
      if (!first && o === t) continue;
      this.#to.set(a, t);
      if (o !== undefined && o !== '' && o !== t && this.#unlink(o, a)) this.orphans.add(o);
      if (t === '') nothing.push(a);
      else {
        let s = this.#from.get(t);
        if (s === undefined) this.#from.set(t, (s = new Set()));
        s.add(a);
        this.orphans.delete(t);
        answered.add(t);
      }
    }
    return { answered, nothing };
  }

  /** Takes an alias off a virtual host; true when none is left on it. */
  #unlink(name: string, alias: string): boolean {
    const s = this.#from.get(name);
    if (s === undefined) return false;
    s.delete(alias);
    if (s.size > 0) return false;
    this.#from.delete(name);
    return true;
  }
}
