// Helpers for the proxy tests: test upstream servers, config builders in
// Envoy's config_dump shape, a proxy on ephemeral ports, and clients (node:http
// for ordinary requests, raw sockets for hostile ones).

import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { startProxy, type ProxyHandle } from '../../proxy/index.ts';
import { TypeUrl } from '../../xds/types.ts';

export const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
export const FAULT = { name: 'envoy.filters.http.fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' } };
export const CORS = { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } };

export interface Upstream {
  readonly port: number;
  readonly name: string;
  readonly server: http.Server;
  requests: number;
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, up: Upstream) => void;

/** An upstream that echoes what it received as JSON, unless given a handler. */
export async function startUpstream(name: string, handler?: UpstreamHandler, keep = false): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const up: { -readonly [K in keyof Upstream]: Upstream[K] } = { port: 0, name, server: undefined as unknown as http.Server, requests: 0, seen, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      up.requests++;
      const body = Buffer.concat(chunks);
      if (keep) seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString() });
      if (handler !== undefined) return handler(req, res, body, up as Upstream);
      const out = JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers, body: body.toString() });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  up.server = server;
  up.port = (server.address() as net.AddressInfo).port;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up as Upstream;
}

export const cluster = (name: string, ports: readonly number[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  type: 'STATIC',
  connect_timeout: '1s',
  load_assignment: {
    cluster_name: name,
    endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
  },
  ...extra,
});

export const edsCluster = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
  connect_timeout: '1s',
  ...extra,
});

export const cla = (name: string, ports: readonly number[]): Record<string, unknown> => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
});

export const httpListener = (name: string, port: number, hcm: Record<string, unknown>): Record<string, unknown> => ({
  name,
  address: { socket_address: { address: '127.0.0.1', port_value: port } },
  filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: name, ...hcm } }] }],
});

export const rdsHcm = (routeName: string, filters: unknown[] = [ROUTER], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: routeName },
  http_filters: filters,
  ...extra,
});

export const routeConfig = (name: string, vhosts: unknown[]): Record<string, unknown> => ({ name, virtual_hosts: vhosts });
export const vhost = (name: string, domains: string[], routes: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, domains, routes, ...extra });

/** A proxy with no admin endpoint, every listener on an ephemeral 127.0.0.1 port. */
export async function testProxy(options: Parameters<typeof startProxy>[0] = {}): Promise<ProxyHandle> {
  return startProxy({ admin: false, bindPort: () => 0, bindAddress: () => '127.0.0.1', ...options });
}

/** Applies resources in Envoy's order (clusters, endpoints, listeners, routes), failing loudly on refusal. */
export async function configure(
  p: ProxyHandle,
  r: { clusters?: unknown[]; endpoints?: unknown[]; listeners?: unknown[]; routes?: unknown[] },
): Promise<void> {
  const named = (list: unknown[] | undefined, key = 'name') => (list ?? []).map((x) => ({ name: String((x as Record<string, unknown>)[key]), resource: x }));
  const steps: [string, { name: string; resource: unknown }[]][] = [
    [TypeUrl.Cluster, named(r.clusters)],
    [TypeUrl.ClusterLoadAssignment, named(r.endpoints, 'cluster_name')],
    [TypeUrl.Listener, named(r.listeners)],
    [TypeUrl.RouteConfiguration, named(r.routes)],
  ];
  for (const [t, list] of steps) {
    if (list.length === 0 && !(t === TypeUrl.RouteConfiguration && r.routes !== undefined)) continue;
    const res = p.applyConfig(t, list);
    if (!res.ok) throw new Error(`config refused: ${res.error}`);
  }
  await p.settled();
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function request(port: number, opts: { method?: string; path?: string; host?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: http.Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { host: opts.host ?? 'example.com', ...opts.headers },
        agent: opts.agent ?? agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes and collects everything the proxy answers until it closes (or `waitMs` passes). */
export function raw(port: number, bytes: string | Buffer | (string | Buffer)[], waitMs = 2000, gapMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const t = setTimeout(done, waitMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', done);
    s.on('error', done);
    s.on('connect', async () => {
      const parts = Array.isArray(bytes) ? bytes : [bytes];
      for (const p of parts) {
        if (s.destroyed) return;
        s.write(p);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** The status codes of every response in a raw reply. */
export const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
