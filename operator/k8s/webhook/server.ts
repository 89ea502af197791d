// The admission webhook's HTTPS server. The API server calls it for every
// create and update of a mesh resource, so it answers fast, never crashes on
// what it is sent, and never holds a connection forever:
// - the body is capped (Content-Length checked first, then counted while it
//   streams) and must be application/json;
// - a request must arrive whole within requestTimeoutMs (slow senders are cut);
// - anything that is not a well-formed admission.k8s.io/v1 AdmissionReview
//   gets a 400 with the reason, and the API server applies the webhook's
//   failurePolicy;
// - idle keep-alive connections are kept longer than the API server's own
//   idle timeout (90 s), so the server never closes a connection the API
//   server is about to reuse (a POST on such a connection fails, and with
//   failurePolicy Fail the user's request would be refused for nothing).
//
// Routes: POST /validate (admission.ts), POST /inject (inject.ts), GET /healthz. The serving
// certificate comes from the mesh CA (cert.ts) and can be replaced while
// running (setTls), since it is renewed well before it expires.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAdmissionReview, reviewResponse, validateAdmission, type AdmissionRequest, type AdmissionResponse, type ValidateAdmissionOptions } from './admission.ts';
import { injectAdmission, DEFAULT_SIDECAR, type SidecarConfig } from './inject.ts';

export interface WebhookTls {
  /** The serving certificate (the leaf). */
  readonly certPem: string;
  readonly keyPem: string;
  /** Intermediates sent after the leaf, so clients that trust only the root can verify. */
  readonly chainPem?: string;
}

/** Pino's call shape; pass a pino logger, or nothing for silence. */
export interface WebhookLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface WebhookServerOptions {
  /** 0 picks a free port (tests); the convention in a cluster is 9443. */
  readonly port: number;
  /** Defaults to all interfaces. */
  readonly host?: string;
  readonly tls: WebhookTls;
  /**
   * Largest accepted body. An UPDATE review carries the object twice; etcd
   * stores objects of up to 1.5 MiB. Default 6 MiB.
   */
  readonly maxBodyBytes?: number;
  /** Time for the whole request (headers and body) to arrive. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed. Default 120 s, longer than the API server's 90 s. */
  readonly keepAliveTimeoutMs?: number;
  readonly validate?: ValidateAdmissionOptions;
  /** What sidecar injection adds to Pods (POST /inject). */
  readonly inject?: SidecarConfig;
  readonly log?: WebhookLogger;
}

export interface WebhookServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Replaces the serving certificate for new connections. */
  setTls(tls: WebhookTls): void;
  /** Stops listening and closes every connection, idle or not. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 120_000;

type Handler = (request: AdmissionRequest) => AdmissionResponse;

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const log = options.log ?? SILENT;
  const validateOptions = options.validate ?? {};
  const sidecar = options.inject ?? DEFAULT_SIDECAR;
  const routes: ReadonlyMap<string, Handler> = new Map([
    ['/validate', (r: AdmissionRequest) => validateAdmission(r, validateOptions)],
    ['/inject', (r: AdmissionRequest) => injectAdmission(r, sidecar)],
  ]);

  const server: Server = createServer({
    ...secureContextOptions(options.tls),
    minVersion: 'TLSv1.2',
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 5_000),
    keepAliveTimeout: keepAliveTimeoutMs,
    // A socket with nothing in flight and no keep-alive use is dropped after this.
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, routes, maxBodyBytes, log).catch((err: unknown) => {
      // handle() answers every error itself; this is the last line of defence.
      log.warn({ err, path: req.url }, 'webhook request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });
  // TLS handshakes that fail (scanners, wrong CA) are the client's problem, not ours.
  server.on('tlsClientError', (err: Error) => log.info({ err: err.message }, 'webhook TLS handshake failed'));
  // Requests node refuses before they reach a handler: a request that did not
  // arrive within requestTimeoutMs, oversized headers, broken HTTP.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host ?? '*' }, 'admission webhook listening');
  return {
    port,
    setTls: (tls) => server.setSecureContext(secureContextOptions(tls)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
};

const SILENT: WebhookLogger = { info: () => {}, warn: () => {} };

function secureContextOptions(tls: WebhookTls): { cert: string; key: string } {
  const chain = tls.chainPem === undefined || tls.chainPem === '' ? '' : `${tls.certPem.trimEnd()}\n${tls.chainPem}`;
  return { cert: chain === '' ? tls.certPem : chain, key: tls.keyPem };
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: ReadonlyMap<string, Handler>, maxBodyBytes: number, log: WebhookLogger): Promise<void> {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path === '/healthz') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, 'use GET', { allow: 'GET, HEAD' });
    return send(res, 200, 'text/plain', 'ok\n');
  }
  const handler = routes.get(path);
  if (handler === undefined) return refuse(req, res, 404, `no webhook at ${JSON.stringify(path.slice(0, 100))}; the webhooks are ${[...routes.keys()].join(', ')}`);
  if (req.method !== 'POST') return refuse(req, res, 405, 'an AdmissionReview is sent with POST', { allow: 'POST' });
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return refuse(req, res, 415, `Content-Type must be application/json (got ${JSON.stringify(req.headers['content-type'] ?? '')})`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    return refuse(req, res, 413, `the body (${declared} bytes) is larger than the limit of ${maxBodyBytes} bytes`);
  }

  const body = await readBody(req, maxBodyBytes);
  if (body === 'too-large') return refuse(req, res, 413, `the body is larger than the limit of ${maxBodyBytes} bytes`);
  if (body === 'aborted') return; // the client went away or the request timed out; node answered or closed it
  const parsed = parseAdmissionReview(body);
  if (!parsed.ok) {
    log.warn({ path, error: parsed.message }, 'malformed AdmissionReview');
    return send(res, 400, 'text/plain', `${parsed.message}\n`);
  }
  const started = performance.now();
  const response = handler(parsed.request);
  const r = parsed.request;
  log.info({
    path, uid: r.uid, operation: r.operation, kind: `${r.kind.kind}.${r.kind.group}`, namespace: r.namespace, name: r.name,
    allowed: response.allowed, warnings: response.warnings?.length ?? 0, ms: Math.round((performance.now() - started) * 10) / 10,
  }, response.allowed ? 'admitted' : 'denied');
  send(res, 200, 'application/json', JSON.stringify(reviewResponse(response)));
}

/** The body, up to `max` bytes; stops reading (and says so) past that. */
function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Uint8Array | 'too-large' | 'aborted'): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(v);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(Buffer.concat(chunks, size)));
    req.once('error', () => finish('aborted'));
    req.once('close', () => finish('aborted'));
  });
}

/** An error answer; the connection is closed when the request body was not read to its end. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  if (!req.complete) res.setHeader('connection', 'close');
  send(res, status, 'text/plain', `${message}\n`, headers);
  if (!req.complete) res.once('finish', () => req.socket.destroySoon());
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { 'content-type': `${contentType}; charset=utf-8`, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
