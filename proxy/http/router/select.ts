// Route selection with Envoy's semantics: the virtual host by authority
// (exact, then the longest *.suffix, then the longest prefix.*, then *), then
// the first route of that host whose match holds.

import type { ProxyRequest } from '../request.ts';
import type { ForwardAction, PathMatch, RedirectAction, Route, RouteMatch, RouteTable, VirtualHost } from './route-config.ts';
import { stripPort } from '../../config/address.ts';

export function selectVirtualHost(table: RouteTable, authority: string): VirtualHost | undefined {
  let host = authority.toLowerCase();
  if (table.ignorePortInHostMatching) host = stripPort(host);
  const exact = table.exact.get(host);
  if (exact !== undefined) return exact;
  // A wildcard must match at least one character.
  for (let i = 0; i < table.suffixes.length; i++) {
    const s = table.suffixes[i] as readonly [string, VirtualHost];
    if (host.length > s[0].length && host.endsWith(s[0])) return s[1];
  }
  for (let i = 0; i < table.prefixes.length; i++) {
    const p = table.prefixes[i] as readonly [string, VirtualHost];
    if (host.length > p[0].length && host.startsWith(p[0])) return p[1];
  }
  return table.fallback;
}

function pathMatches(m: PathMatch, req: ProxyRequest): boolean {
  // A CONNECT request has no path: only connect_matcher takes it, and connect_matcher takes nothing else.
  if (req.method === 'CONNECT') return m.kind === 'connect';
  switch (m.kind) {
    case 'connect':
      return false;
    case 'prefix': {
      // Envoy matches a prefix against :path including the query string.
      const p = req.path;
      if (m.caseSensitive) return p.startsWith(m.value);
      return p.length >= m.value.length && p.slice(0, m.value.length).toLowerCase() === m.value;
    }
    case 'path': {
      const p = req.pathOnly();
      return m.caseSensitive ? p === m.value : p.toLowerCase() === m.value;
    }
    case 'separated': {
      const p0 = req.pathOnly();
      const p = m.caseSensitive ? p0 : p0.toLowerCase();
      return p.startsWith(m.value) && (p.length === m.value.length || p.charCodeAt(m.value.length) === 47 /* / */);
    }
    case 'regex':
      return m.test(req.pathOnly());
  }
}

export function routeMatches(r: RouteMatch, req: ProxyRequest, draw: () => number): boolean {
  if (!pathMatches(r.path, req)) return false;
  for (let i = 0; i < r.headers.length; i++) if (!r.headers[i]?.matches(req)) return false;
  for (let i = 0; i < r.query.length; i++) if (!r.query[i]?.matches(req)) return false;
  if (r.grpcOnly && !(req.header('content-type') ?? '').startsWith('application/grpc')) return false;
  if (r.fraction < 1 && draw() >= r.fraction) return false;
  return true;
}

export function selectRoute(table: RouteTable, req: ProxyRequest, draw: () => number = Math.random): Route | undefined {
  const vh = selectVirtualHost(table, req.authority);
  if (vh === undefined) return undefined;
  return selectRouteIn(vh, req, draw);
}

/** The first route of a virtual host whose match holds. */
export function selectRouteIn(vh: VirtualHost, req: ProxyRequest, draw: () => number = Math.random): Route | undefined {
  const routes = vh.routes;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i] as Route;
    if (routeMatches(r, req, draw)) return r;
  }
  return undefined;
}

/** The path after prefix_rewrite / regex_rewrite, or undefined when the route rewrites nothing. */
export function rewritePath(route: Route, action: ForwardAction, path: string): string | undefined {
  if (action.prefixRewrite !== undefined) {
    const m = route.path;
    if (m.kind === 'prefix' || m.kind === 'separated') return action.prefixRewrite + path.slice(m.value.length);
    if (m.kind === 'path') {
      const q = path.indexOf('?');
      return action.prefixRewrite + (q < 0 ? '' : path.slice(q));
    }
    return undefined;
  }
  const rr = action.regexRewrite;
  if (rr !== undefined) {
    const q = path.indexOf('?');
    const p = q < 0 ? path : path.slice(0, q);
    const out = rr.re.matcher(p).replaceAll((...args: unknown[]) => {
      let s = '';
      for (const part of rr.substitution) s += typeof part === 'string' ? part : String(args[part] ?? '');
      return s;
    });
    return q < 0 ? out : out + path.slice(q);
  }
  return undefined;
}

/** The Location of a redirect (Envoy's RedirectAction). */
export function redirectLocation(route: Route, r: RedirectAction, req: ProxyRequest): string {
  const scheme = r.scheme ?? req.scheme;
  let host = r.host ?? req.authority;
  if (r.port !== undefined) host = `${stripPort(host)}:${r.port}`;
  else if (r.scheme !== undefined && r.host === undefined) {
    // A scheme change drops a port that only made sense for the old scheme (Envoy strips the default port).
    host = stripPort(host);
  }
  if ((scheme === 'http' && host.endsWith(':80')) || (scheme === 'https' && host.endsWith(':443'))) host = stripPort(host);
  let path = req.path;
  const q = path.indexOf('?');
  const query = q < 0 ? '' : path.slice(q);
  if (r.path !== undefined) {
    path = r.path.includes('?') ? r.path : r.path + (r.stripQuery ? '' : query);
  } else if (r.prefixRewrite !== undefined && (route.path.kind === 'prefix' || route.path.kind === 'separated')) {
    path = r.prefixRewrite + req.path.slice(route.path.value.length);
    if (r.stripQuery) path = path.split('?')[0] ?? path;
  } else if (r.stripQuery) path = q < 0 ? path : path.slice(0, q);
  return `${scheme}://${host}${path}`;
}
