// reviews: VERSION v1 or v2 (two Deployments of one service, the canary).
// GET /reviews/ID asks ratings for stars; when ratings fails it still
// answers, without stars (graceful degradation). DELETE would delete, if the
// mesh let it through.

import { appEnv, hopTransport, json, parse, serve, viaProxy } from './mesh-http.ts';

const env = appEnv(process.env, 9080);
const version = process.env['VERSION'] ?? 'v1';
const RATINGS = 'http://ratings.shop.svc.cluster.local:9080';

serve(`reviews-${version}`, env, (req, res) => {
  const url = req.url ?? '/';
  const hop = hopTransport(req);
  const m = /^\/reviews\/(\d+)$/.exec(url);
  if (m === null) return json(res, 404, { service: 'reviews', version, error: `no route for ${url}` });
  if (req.method === 'DELETE') return json(res, 200, { service: 'reviews', version, deleted: Number(m[1]) });
  void viaProxy(env.proxy, 'GET', `${RATINGS}/ratings/${m[1]}`).then((r) => {
    json(res, 200, {
      service: 'reviews',
      version,
      hop,
      text: version === 'v1' ? 'A fine product.' : 'A fine product, now with colour.',
      ratings: r.status === 200 ? parse(r.body) : { status: r.status, error: r.body.trim() },
    });
  });
});
