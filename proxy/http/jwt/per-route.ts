// jwt_authn's per-route config (PerRouteConfig in a route's or virtual
// host's typed_per_filter_config): turn the filter off for the route, or pick
// a requirement from the filter's requirement_map by name. Parsed with the
// route table; the name is looked up per request (the route configuration
// and the listener's filter config are separate resources).

import { fail, fields, str } from '../../config/read.ts';

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
export const JWT_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';

export type JwtPerRoute = { readonly kind: 'disabled' } | { readonly kind: 'requirement'; readonly name: string };

export function parseJwtPerRoute(value: unknown, path: string): JwtPerRoute {
  const f = fields(value, path, { what: 'jwt_authn PerRouteConfig', known: ['disabled', 'requirement_name'] });
  if (f['disabled'] !== undefined && f['requirement_name'] !== undefined) return fail(path, 'set disabled or requirement_name, not both');
  if (f['disabled'] !== undefined) {
    if (f['disabled'] !== true) return fail(`${path}.disabled`, 'must be true when set');
    return Object.freeze({ kind: 'disabled' });
  }
  const name = str(f['requirement_name'], `${path}.requirement_name`);
  if (name === '') return fail(`${path}.requirement_name`, 'must not be empty');
  return Object.freeze({ kind: 'requirement', name });
}
