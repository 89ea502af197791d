// node:http without Node's bundled undici. An ES module `import` of a builtin
// reads every one of its exports, and node:http's WebSocket, CloseEvent and
// MessageEvent are lazy getters that load undici: ~13 MB resident for the
// life of the proxy, which never uses them. require() leaves getters alone.
// The proxy's admin and health endpoints get node:http from here.

import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** http.createServer with a request listener. */
export function createHttpServer(listener: (req: IncomingMessage, res: ServerResponse) => void): Server {
  return http.createServer(listener);
}
