// The Prometheus listener (port 15090 by convention): /stats/prometheus only,
// on its own port so scrapes never need the admin endpoint. Not on the hot
// path: node:http.

import type { Server } from 'node:http';
import { createHttpServer } from '../node-http.ts';
import type { Telemetry } from './index.ts';

export function startPrometheus(telemetry: Telemetry, address: string, port: number): Promise<Server> {
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/stats/prometheus' && path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: scrape /stats/prometheus\n');
      return;
    }
    telemetry.prometheus().then(
      (body) => {
        res.writeHead(200, { 'content-type': telemetry.contentType, 'cache-control': 'no-cache' });
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}
