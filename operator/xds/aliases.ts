// On-demand virtual hosts (VHDS aliases): a proxy subscribes to
// `<route configuration>/<authority>` the first time its app calls that
// authority, and the server answers with the virtual host Envoy's domain
// matching picks for it (exact domain, then the longest `*.suffix`, then the
// longest `prefix*`, then `*`), under the virtual host's own name with the
// alias in the Resource's `aliases`; or `{name: alias, aliases: [alias]}`
// without a resource when nothing matches.
//
// Resolving is cheap and shared: exact domains are indexed once per virtual
// host object (shared by the namespace variants that see it, and by every
// snapshot holding it) in one process-wide map, held weakly; each VHDS group
// (a chunk of up to 128 virtual hosts) keeps its few wildcard domains, and a
// type's chain of groups the list of them per route configuration. A lookup
// takes the map's candidates the stream's snapshot holds. A thousand streams
// share all of it; an edit that replaces one chunk indexes that chunk's new
// virtual hosts, and only if an alias is resolved against it afterwards.
//
// Whether a stream's aliases need resolving again after a new snapshot is
// decided by `domainsMoved`: the route configurations where a virtual host was
// added or removed or its domains changed between two groups (computed once
// per pair of groups, like the server's diff). A rules-only edit moves no
// domains, so it resolves nothing.

import { TypeUrl, vhdsRouteConfigOf } from '../../xds/types.ts';
import type { PartResources, SnapshotResource, TypeResources } from './snapshot.ts';

/**
 * Exact domain (lower-cased) → the virtual host resources carrying it, held
 * weakly, across every snapshot: one entry per virtual host object, which
 * the compiler shares between the namespace variants that see it, so fifty
 * variants of a 2,000-Service mesh index ~2 distinct objects per Service,
 * not fifty copies of every domain. A lookup keeps the candidates the
 * stream's snapshot holds (the same object under that name).
 */
const byDomain = new Map<string, WeakRef<SnapshotResource>[]>();
const registered = new WeakSet<SnapshotResource>();
const forget = new FinalizationRegistry<{ readonly ref: WeakRef<SnapshotResource>; readonly domains: readonly string[] }>(({ ref, domains }) => {
  for (const d of domains) {
    const l = byDomain.get(d);
    if (l === undefined) continue;
    const i = l.indexOf(ref);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) byDomain.delete(d);
  }
});

/** One route configuration's wildcard domains in one group (rare: the `*` catch-all, and `*.suffix`/`prefix*` hosts). */
interface Wildcards {
  /** `*.suffix` / `-suffix` wildcards without the star, longest first. */
  readonly suffixes: [string, string][];
  /** `prefix*` wildcards without the star, longest first. */
  readonly prefixes: [string, string][];
  star: string | undefined;
}

const NO_WILDCARDS: ReadonlyMap<string, Wildcards> = new Map();
const groupWildcards = new WeakMap<PartResources, ReadonlyMap<string, Wildcards>>();

const domainsOf = (r: SnapshotResource): readonly unknown[] => {
  const d = r.resource['domains'];
  return Array.isArray(d) ? d : [];
};

/** Registers a group's virtual hosts' exact domains (once per virtual host object) and returns its wildcards per route configuration (once per group). */
function indexGroup(part: PartResources): ReadonlyMap<string, Wildcards> {
  let out = groupWildcards.get(part);
  if (out !== undefined) return out;
  let m: Map<string, Wildcards> | undefined;
  for (const r of part.resources.values()) {
    const rc = vhdsRouteConfigOf(r.name);
    if (rc === undefined) continue;
    const fresh = !registered.has(r);
    const exact: string[] = [];
    for (const d of domainsOf(r)) {
      if (typeof d !== 'string' || d === '') continue;
      const domain = d.toLowerCase();
      if (domain.startsWith('*') || domain.endsWith('*')) {
        let w = (m ??= new Map()).get(rc);
        if (w === undefined) m.set(rc, (w = { suffixes: [], prefixes: [], star: undefined }));
        // A domain in two virtual hosts is refused by proxies; the first one wins here, as in a proxy's table.
        if (domain === '*') w.star ??= r.name;
        else if (domain.startsWith('*')) w.suffixes.push([domain.slice(1), r.name]);
        else w.prefixes.push([domain.slice(0, -1), r.name]);
      } else if (fresh) exact.push(domain);
    }
    if (!fresh) continue;
    registered.add(r);
    if (exact.length === 0) continue;
    const ref = new WeakRef(r);
    for (const d of exact) {
      const l = byDomain.get(d);
      if (l === undefined) byDomain.set(d, [ref]);
      else l.push(ref);
    }
    forget.register(r, { ref, domains: exact });
  }
  if (m !== undefined) {
    for (const w of m.values()) {
      w.suffixes.sort((a, b) => b[0].length - a[0].length);
      w.prefixes.sort((a, b) => b[0].length - a[0].length);
    }
  }
  out = m ?? NO_WILDCARDS;
  groupWildcards.set(part, out);
  return out;
}

const typeWildcards = new WeakMap<TypeResources, ReadonlyMap<string, readonly Wildcards[]>>();

/** Per route configuration, the wildcards of a type's groups; registers every group's exact domains (once per chain of groups). */
function indexType(vhosts: TypeResources): ReadonlyMap<string, readonly Wildcards[]> {
  let out = typeWildcards.get(vhosts);
  if (out === undefined) {
    const m = new Map<string, Wildcards[]>();
    for (const p of vhosts.parts) {
      for (const [rc, w] of indexGroup(p)) {
        let l = m.get(rc);
        if (l === undefined) m.set(rc, (l = []));
        l.push(w);
      }
    }
    typeWildcards.set(vhosts, m);
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

/** Envoy's domain matching: exact, longest suffix, longest prefix, `*` (a wildcard matches at least one character). */
function match(vhosts: TypeResources, rc: string, wildcards: readonly Wildcards[] | undefined, host: string): string | undefined {
  const candidates = byDomain.get(host);
  if (candidates !== undefined) {
    for (const ref of candidates) {
      const c = ref.deref();
      // In this route configuration of this snapshot: the same object under its name.
      if (c !== undefined && c.name.lastIndexOf('/') === rc.length && c.name.startsWith(rc) && vhosts.resources.get(c.name) === c) return c.name;
    }
  }
  if (wildcards === undefined) return undefined;
  let best: string | undefined;
  let bestLen = -1;
  for (const w of wildcards) {
    for (const [s, name] of w.suffixes) {
      if (s.length <= bestLen) break;
      if (host.length > s.length && host.endsWith(s)) {
        best = name;
        bestLen = s.length;
        break;
      }
    }
  }
  if (best !== undefined) return best;
  for (const w of wildcards) {
    for (const [p, name] of w.prefixes) {
      if (p.length <= bestLen) break;
      if (host.length > p.length && host.startsWith(p)) {
        best = name;
        bestLen = p.length;
        break;
      }
    }
  }
  if (best !== undefined) return best;
  for (const w of wildcards) if (w.star !== undefined) return w.star;
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
  const wildcards = indexType(vhosts).get(rc);
  let host = alias.slice(rc.length + 1).toLowerCase();
  if (head.resource['ignore_port_in_host_matching'] === true) host = stripPort(host);
  return match(vhosts, rc, wildcards, host);
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
  const out = new Set<string>();
  for (const n of part.resources.keys()) out.add(rcOf(n));
  return out;
}

const EMPTY: ReadonlySet<string> = new Set();

// ---- a stream's aliases --------------------------------------------------------------

/** One alias's state on a stream: undefined until answered; '' resolved to nothing. */
type Target = string | undefined;

/** What resolving a stream's aliases produced: virtual hosts to send with their aliases, and aliases with nothing there. */
export interface Resolved {
  /** Virtual hosts an alias newly resolves to (or was answered with for the first time, or is subscribed again). */
  readonly answered: Set<string>;
  /** Aliases now resolving to nothing. */
  readonly nothing: string[];
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
  /**
   * Subscribed over the stream's budget for new aliases, in order: not held
   * yet (nothing resolved), taken into the table as the budget refills.
   */
  readonly deferred = new Set<string>();
  /**
   * Held, answered, and subscribed again (the proxy lost its mapping): answered
   * again from the mapping held, which is current once the aliases whose
   * domains moved are resolved again, so nothing is resolved for them.
   */
  readonly again = new Set<string>();
  /** Virtual hosts no alias points at any more: the proxy is told to drop them (unless it takes them otherwise). */
  readonly orphans = new Set<string>();
  /** The RouteConfiguration type the aliases were last resolved against (a route configuration added or gone moves them). */
  routes: TypeResources | undefined;
  /** The VirtualHost groups the aliases were last resolved against: what moved since is found by diffing them with the new ones. */
  resolvedAt: readonly PartResources[] | undefined;

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

  /** Subscribes again an alias held: answered again (with the next resolution if it is not answered yet). */
  subscribeAgain(alias: string): void {
    if (this.#to.get(alias) !== undefined) this.again.add(alias);
  }

  /** Unsubscribes an alias (a deferred one is forgotten); returns the virtual host it pointed at when no other alias points there now. */
  delete(alias: string): string | undefined {
    if (!this.#to.has(alias)) {
      this.deferred.delete(alias);
      return undefined;
    }
    this.again.delete(alias);
    const t = this.#to.get(alias);
    this.#to.delete(alias);
    this.fresh.delete(alias);
    const rc = rcOf(alias);
    const s = this.#byRc.get(rc);
    s?.delete(alias);
    if (s !== undefined && s.size === 0) this.#byRc.delete(rc);
    return t !== undefined && t !== '' && this.#unlink(t, alias) ? t : undefined;
  }

  /** Takes up to `n` deferred aliases into the table, oldest first; returns how many. */
  admit(n: number): number {
    let taken = 0;
    for (const a of this.deferred) {
      if (taken >= n) break;
      this.deferred.delete(a);
      this.add(a);
      taken++;
    }
    return taken;
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
      this.again.delete(a);
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

  /** Adds the answers of the aliases subscribed again (after `resolve`, so moved ones carry their new mapping). */
  answerAgain(into: Resolved): void {
    for (const a of this.again) {
      const t = this.#to.get(a);
      if (t === '') into.nothing.push(a);
      else if (t !== undefined) into.answered.add(t);
    }
    this.again.clear();
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
