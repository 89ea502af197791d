// frontend: the shop's page. GET /product/ID asks reviews for the product's
// reviews; DELETE /reviews/ID passes a deletion on to reviews (which the mesh
// forbids). It answers with what each hop reported.

import { appEnv, hopTransport, json, parse, serve, viaProxy } from './mesh-http.ts';

const env = appEnv(process.env, 8080);
const REVIEWS = 'http://reviews.shop.svc.cluster.local:9080';

serve('frontend', env, (req, res) => {
  const url = req.url ?? '/';
  const hop = hopTransport(req);
  const product = /^\/product\/(\d+)$/.exec(url);
  if (req.method === 'GET' && product !== null) {
    void viaProxy(env.proxy, 'GET', `${REVIEWS}/reviews/${product[1]}`).then((r) => {
      json(res, r.status === 200 ? 200 : 502, { service: 'frontend', hop, product: Number(product[1]), reviews: r.status === 200 ? parse(r.body) : { status: r.status, error: r.body } });
    });
    return;
  }
  const del = /^\/reviews\/(\d+)$/.exec(url);
  if (req.method === 'DELETE' && del !== null) {
    void viaProxy(env.proxy, 'DELETE', `${REVIEWS}/reviews/${del[1]}`).then((r) => {
      json(res, r.status, { service: 'frontend', hop, reviews: { status: r.status, body: r.body.trim() } });
    });
    return;
  }
  json(res, 404, { service: 'frontend', error: `no route for ${req.method} ${url}` });
});
