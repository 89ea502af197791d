// ratings: the backend reviews depends on. GET /ratings/ID → stars.

import { appEnv, hopTransport, json, serve } from './mesh-http.ts';

const env = appEnv(process.env, 9080);

serve('ratings', env, (req, res) => {
  const m = /^\/ratings\/(\d+)$/.exec(req.url ?? '/');
  if (req.method !== 'GET' || m === null) return json(res, 404, { service: 'ratings', error: `no route for ${req.method} ${req.url}` });
  json(res, 200, { service: 'ratings', hop: hopTransport(req), product: Number(m[1]), stars: 1 + (Number(m[1]) % 5) });
});
