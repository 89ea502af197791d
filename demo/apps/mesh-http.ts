// What the demo apps share: listening on the workload's own address, and
// calling another service through the workload's proxy as an HTTP proxy
// (absolute-form request to 127.0.1.x:15001), which is how an app without
// iptables reaches the mesh in `weft up` (docs/local.md).

import http from 'node:http';

export interface AppEnv {
  /** The workload's address (its "pod IP"). */
  readonly address: string;
  readonly port: number;
  /** host:port of the workload's proxy outbound listener. */
  readonly proxy: string;
}

export function appEnv(env: NodeJS.ProcessEnv, defaultPort: number): AppEnv {
  const address = env['ADDRESS'];
  const proxy = env['PROXY'];
  if (address === undefined || proxy === undefined) throw new Error('ADDRESS (the workload address) and PROXY (its proxy, host:port) must be set; the demo runner sets them from `weft up`');
  return { address, port: Number(env['PORT'] ?? defaultPort), proxy };
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

const agents = new Map<string, http.Agent>();

/** `method url` through the proxy at `proxy` (host:port). Network errors become status 0. */
export function viaProxy(proxy: string, method: string, url: string, timeoutMs = 5000): Promise<Reply> {
  const [host, port] = proxy.split(':');
  let agent = agents.get(proxy);
  if (agent === undefined) agents.set(proxy, (agent = new http.Agent({ keepAlive: true, maxSockets: 32 })));
  const target = new URL(url);
  return new Promise((resolve) => {
    const req = http.request({ host, port: Number(port), method, path: url, headers: { host: target.host }, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: 0, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}

/** How the request reached this app: mTLS when the proxy says who the peer was (x-forwarded-client-cert), else plaintext. */
export function hopTransport(req: http.IncomingMessage): string {
  const xfcc = req.headers['x-forwarded-client-cert'];
  if (typeof xfcc === 'string') {
    const uri = /URI=([^;,]+)/.exec(xfcc);
    return `mtls${uri !== null ? ` ${uri[1]}` : ''}`;
  }
  return 'plaintext';
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Listens, and exits on SIGINT/SIGTERM after closing. */
export function serve(name: string, env: AppEnv, handler: http.RequestListener): void {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  server.listen(env.port, env.address, () => process.stderr.write(`${name} listening on ${env.address}:${env.port}, calling through ${env.proxy}\n`));
  server.on('error', (e) => {
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(1);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
