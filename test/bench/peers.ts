// Configuration of the origin and of the peer proxies, each a reverse proxy
// to the origin with keep-alive upstream connections and one worker, so every
// proxy in the comparison has one core and the same job.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitForPort, type Managed, type Supervisor } from './procs.ts';

/**
 * A port nothing listens on right now, below the kernel's ephemeral range:
 * a port from that range can be taken as the source port of some outgoing
 * connection (ours, or another tenant's) between this check and the bind.
 */
export async function freePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: the kernel's choice below
  }
  const floor = 20000;
  for (let attempt = 0; attempt < 50 && low - floor > 100; attempt++) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    if (await canListen(port)) return port;
  }
  return listenAndClose(0);
}

function canListen(port: number): Promise<boolean> {
  return listenAndClose(port).then(
    () => true,
    () => false,
  );
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port from listen'));
      });
    });
  });
}

/** The body the origin answers every request with: small and fixed. */
/**
 * The floor: a Node program that accepts, dials the origin and pipes both
 * ways, with no HTTP in it. Run on the same Node with the same flags as
 * `bin/weft proxy`, it is what any Node proxy costs before its own work.
 * Arguments: the port to listen on, the origin's port.
 */
export const FLOOR_SOURCE = `import { createServer, connect } from 'node:net';
const [port, origin] = process.argv.slice(2).map(Number);
createServer((c) => {
  const u = connect(origin, '127.0.0.1');
  c.pipe(u).pipe(c);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
}).listen(port, '127.0.0.1');
`;

/**
 * The floor of the mTLS pair: two Node processes, like Weft's two proxies.
 * `front PORT BACK_PORT CERT KEY CA` accepts plaintext and pipes to the back
 * over mutual TLS (the server's chain checked; like nginx's pair, not its URI
 * SAN); `back PORT ORIGIN_PORT CERT KEY CA` terminates mutual TLS (a client
 * certificate required) and pipes to the origin. No HTTP, no pooling: one TLS
 * connection per downstream connection, which keep-alive load holds open.
 */
export const FLOOR_TLS_SOURCE = `import { createServer, connect } from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
const [mode, port, next, cert, key, ca] = process.argv.slice(2);
const creds = { cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca) };
const pipe = (a, b) => {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
};
if (mode === 'front') {
  createServer((c) => {
    c.setNoDelay(true);
    const u = tls.connect({ host: '127.0.0.1', port: Number(next), ...creds, checkServerIdentity: () => undefined });
    u.setNoDelay(true);
    pipe(c, u);
  }).listen(Number(port), '127.0.0.1');
} else {
  tls.createServer({ ...creds, requestCert: true, rejectUnauthorized: true }, (c) => {
    c.setNoDelay(true);
    const u = connect(Number(next), '127.0.0.1');
    u.setNoDelay(true);
    pipe(c, u);
  }).listen(Number(port), '127.0.0.1');
}
`;

/** The Node flags `bin/weft proxy` runs with, read from the script so the floor always matches. */
export function weftProxyNodeFlags(root: string): string[] {
  const text = readFileSync(join(root, 'bin/weft'), 'utf8');
  const m = /proxy\)\s*set --((?:\s+--[^\s"]+)*)/.exec(text);
  return (m?.[1] ?? '').trim().split(/\s+/).filter((f) => f !== '');
}

export const ORIGIN_BODY = 'hello from origin\n';

/**
 * nginx's common top: foreground, one worker, every path it writes under
 * `prefix` so it runs as any user and beside other instances.
 */
function nginxTop(prefix: string): string {
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, d), { recursive: true });
  return `daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 8192; }
`;
}

function nginxHttpTop(prefix: string): string {
  return `  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
`;
}

/** The origin: nginx answering every request with ORIGIN_BODY from memory. */
export function nginxOriginConf(prefix: string, port: number): string {
  return `${nginxTop(prefix)}http {
${nginxHttpTop(prefix)}  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type text/plain;
      return 200 ${JSON.stringify(ORIGIN_BODY)};
    }
  }
}
`;
}

/** The origin: nginx answering ORIGIN_BODY from memory on a free port, its files under `dir`, on `cpus`. */
export async function startOrigin(sup: Supervisor, dir: string, cpus: string): Promise<{ port: number; process: Managed }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nginx.conf'), nginxOriginConf(dir, port));
  const m = sup.start('origin', 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { cpus });
  await waitForPort(port, 'origin (nginx)', 10_000, m);
  return { port, process: m };
}

const proxyLocation = (upstream: string): string => `    location / {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering on;
    }
`;

/** nginx as a reverse proxy with a pool of keep-alive connections to the origin. */
/** `h2Port`: a second server on the same worker taking h2c with prior knowledge (the HTTP/2 rows), to the same origin. */
export function nginxProxyConf(prefix: string, port: number, originPort: number, h2Port?: number): string {
  return `${nginxTop(prefix)}http {
${nginxHttpTop(prefix)}  upstream origin {
    server 127.0.0.1:${originPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
${proxyLocation('http://origin')}  }
${h2Port === undefined ? '' : `  server {
    listen 127.0.0.1:${h2Port} http2 backlog=4096;
    http2_max_requests 1000000;
${proxyLocation('http://origin')}  }
`}}
`;
}

export interface TlsFiles {
  readonly trustBundle: string;
  readonly client: { readonly cert: string; readonly key: string; readonly spiffeId: string };
  readonly server: { readonly cert: string; readonly key: string; readonly spiffeId: string };
}

/**
 * Two nginx hops in one nginx process (one worker, so one core, as the two
 * Weft proxies of the mTLS variant share one core): a plaintext front that
 * originates mutual TLS with keep-alive to a TLS back that requires a client
 * certificate, then plaintext to the origin. nginx checks the client chain
 * but, having no SPIFFE matcher, not the server's URI SAN (proxy_ssl_verify
 * checks DNS names only): with keep-alive that is a handshake-time cost only.
 */
export function nginxMtlsPairConf(prefix: string, port: number, innerPort: number, originPort: number, tls: TlsFiles): string {
  return `${nginxTop(prefix)}http {
${nginxHttpTop(prefix)}  upstream inner {
    server 127.0.0.1:${innerPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  upstream origin {
    server 127.0.0.1:${originPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    proxy_ssl_certificate ${tls.client.cert};
    proxy_ssl_certificate_key ${tls.client.key};
    proxy_ssl_session_reuse on;
    proxy_ssl_protocols TLSv1.3;
${proxyLocation('https://inner')}  }
  server {
    listen 127.0.0.1:${innerPort} ssl backlog=4096;
    ssl_protocols TLSv1.3;
    ssl_certificate ${tls.server.cert};
    ssl_certificate_key ${tls.server.key};
    ssl_client_certificate ${tls.trustBundle};
    ssl_verify_client on;
    ssl_verify_depth 3;
${proxyLocation('http://origin')}  }
}
`;
}

/** HAProxy in HTTP mode, one thread, reusing idle server connections across clients. */
export function haproxyConf(port: number, originPort: number): string {
  return `global
  nbthread 1
  maxconn 4096
  tune.bufsize 16384

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 300s
  timeout http-request 10s

frontend bench
  bind 127.0.0.1:${port}
  default_backend origin

backend origin
  server origin 127.0.0.1:${originPort} pool-max-conn 64 pool-low-conn 16
`;
}

/** Versions of the tools, for the report. Missing tools say so instead of failing. */
export function toolVersions(loadgenVersion: string): Record<string, string> {
  // Some print their version on stderr (nginx -v), some exit non-zero (wrk -v): read both streams, whatever the status.
  const first = (cmd: string, args: string[], pattern: RegExp): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error !== undefined) return 'not installed';
    return pattern.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
  };
  return {
    node: process.version,
    nginx: first('nginx', ['-v'], /nginx\/([^\s]+)/),
    haproxy: first('haproxy', ['-v'], /version ([^\s]+)/),
    wrk: first('wrk', ['-v'], /wrk ([^\s]+)/),
    gcc: first('gcc', ['--version'], /^gcc [^\n]* ([0-9][^\s]*)$/m),
    openssl: first('openssl', ['version'], /OpenSSL ([^\s]+)/),
    loadgen: loadgenVersion,
  };
}
