// envoy.filters.http.cors: answers preflights for allowed origins and adds
// the CORS response headers, as the route's (or virtual host's) CorsPolicy says.

import { CONTINUE, STOP, type FilterStatus, type HttpFilter } from '../filter.ts';
import type { Exchange } from '../exchange.ts';
import { originAllowed } from './config.ts';

export class CorsFilter implements HttpFilter {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }

  onRequest(x: Exchange): FilterStatus {
    const p = x.route?.cors;
    if (p === undefined) return CONTINUE;
    const origin = x.request.header('origin');
    if (origin === undefined || origin === '') return CONTINUE;
    const allowed = originAllowed(p, origin);
    const preflight = x.request.method === 'OPTIONS' && x.request.header('access-control-request-method') !== undefined;
    if (!preflight) {
      if (allowed) x.corsOrigin = origin;
      return CONTINUE;
    }
    if (!allowed) {
      if (p.forwardNotMatchingPreflights) return CONTINUE;
      x.details = 'cors_response';
      x.localReply(200, '', []);
      return STOP;
    }
    const h: string[] = ['access-control-allow-origin', origin];
    if (p.allowCredentials) h.push('access-control-allow-credentials', 'true');
    if (p.allowMethods !== '') h.push('access-control-allow-methods', p.allowMethods);
    if (p.allowHeaders !== '') h.push('access-control-allow-headers', p.allowHeaders);
    if (p.maxAge !== '') h.push('access-control-max-age', p.maxAge);
    x.details = 'cors_response';
    x.localReply(200, '', h);
    return STOP;
  }

  onResponse(x: Exchange, _status: number, headers: string[]): void {
    const origin = x.corsOrigin;
    const p = x.route?.cors;
    if (origin === undefined || p === undefined) return;
    headers.push('access-control-allow-origin', origin);
    if (p.allowCredentials) headers.push('access-control-allow-credentials', 'true');
    if (p.exposeHeaders !== '') headers.push('access-control-expose-headers', p.exposeHeaders);
  }
}
