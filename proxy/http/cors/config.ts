// envoy.filters.http.cors per-route configuration (CorsPolicy), parsed once.

import { at, bool, fields, list, idx, str } from '../../config/read.ts';
import { stringMatcher, type StringPredicate } from '../../config/matchers.ts';

export const CORS_FILTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

export interface CorsPolicy {
  readonly origins: readonly StringPredicate[];
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly allowCredentials: boolean;
  /** A preflight whose origin is not allowed goes upstream (true, Envoy's default) or is answered here without CORS headers. */
  readonly forwardNotMatchingPreflights: boolean;
}

export function parseCorsPolicy(value: unknown, path: string): CorsPolicy {
  const f = fields(value, path, {
    what: 'CorsPolicy',
    known: ['allow_origin_string_match', 'allow_methods', 'allow_headers', 'expose_headers', 'max_age', 'allow_credentials', 'forward_not_matching_preflights'],
  });
  const origins = list(f['allow_origin_string_match'], at(path, 'allow_origin_string_match')).map((m, i) =>
    stringMatcher(m, idx(at(path, 'allow_origin_string_match'), i)),
  );
  return Object.freeze({
    origins: Object.freeze(origins),
    allowMethods: str(f['allow_methods'], at(path, 'allow_methods'), ''),
    allowHeaders: str(f['allow_headers'], at(path, 'allow_headers'), ''),
    exposeHeaders: str(f['expose_headers'], at(path, 'expose_headers'), ''),
    maxAge: str(f['max_age'], at(path, 'max_age'), ''),
    allowCredentials: bool(f['allow_credentials'], at(path, 'allow_credentials')),
    forwardNotMatchingPreflights: bool(f['forward_not_matching_preflights'], at(path, 'forward_not_matching_preflights'), true),
  });
}

export const originAllowed = (p: CorsPolicy, origin: string): boolean => {
  for (let i = 0; i < p.origins.length; i++) if ((p.origins[i] as StringPredicate)(origin)) return true;
  return false;
};
