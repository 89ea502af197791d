// The processes the network-namespace end-to-end test runs inside its "pods".
// Nothing here knows about the mesh: the app serves plain HTTP and calls plain
// URLs; the interception and the proxies do the rest.
//
//   netns-app.ts serve NAME CONTROL_SOCKET PORT...   an app: answers every request on PORT... with
//                                                    what it saw (JSON); takes "make these calls"
//                                                    orders on a Unix socket (the test's remote control)
//   netns-app.ts call URL [N] [HEADER:VALUE]...      one-shot client: N GETs, prints the results (JSON)
//   netns-app.ts forward HOST PORT UNIX_SOCKET       TCP on HOST:PORT → the Unix socket (the control
//                                                    plane's xDS port, carried into the namespaces)

import http from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';

export interface Seen {
  readonly app: string;
  readonly port: number;
  /** The peer as the app saw it: a sidecar's inbound hop comes from 127.0.0.1. */
  readonly remote: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** The app's report, when the answer came from one of these apps. */
  readonly seen: Seen | undefined;
  readonly error?: string;
}

export interface CallOrder {
  readonly url: string;
  readonly n?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** GETs `url` `n` times, one after the other, each on a fresh connection. */
export async function calls(order: CallOrder): Promise<CallResult[]> {
  const out: CallResult[] = [];
  for (let i = 0; i < (order.n ?? 1); i++) out.push(await call(order.url, order.headers ?? {}));
  return out;
}

function call(url: string, headers: Readonly<Record<string, string>>): Promise<CallResult> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let seen: Seen | undefined;
        try {
          const parsed: unknown = JSON.parse(body);
          if (typeof parsed === 'object' && parsed !== null && 'app' in parsed) seen = parsed as Seen;
        } catch {
          seen = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, seen });
      });
      res.on('error', (e) => resolve({ status: 0, headers: {}, body: '', seen: undefined, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', seen: undefined, error: e.message }));
  });
}

function serve(name: string, control: string, ports: readonly number[]): void {
  for (const port of ports) {
    http
      .createServer((req, res) => {
        const seen: Seen = { app: name, port, remote: req.socket.remoteAddress ?? '', method: req.method ?? '', url: req.url ?? '', headers: req.headers };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(seen));
      })
      .listen(port, '0.0.0.0');
  }
  rmSync(control, { force: true });
  http
    .createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let order: CallOrder;
        try {
          order = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CallOrder;
        } catch (e) {
          res.statusCode = 400;
          res.end(e instanceof Error ? e.message : String(e));
          return;
        }
        void calls(order).then((r) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(r));
        });
      });
    })
    .listen(control, () => process.stdout.write('ready\n'));
}

function forward(host: string, port: number, path: string): void {
  net
    .createServer((client) => {
      const upstream = net.connect(path);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    })
    .listen(port, host, () => process.stdout.write('ready\n'));
}

if (import.meta.main) {
  const [mode, ...args] = process.argv.slice(2);
  process.on('SIGTERM', () => process.exit(0));
  if (mode === 'serve' && args.length >= 3) {
    serve(args[0] ?? '', args[1] ?? '', args.slice(2).map(Number));
  } else if (mode === 'call' && args.length >= 1) {
    const headers: Record<string, string> = {};
    for (const h of args.slice(2)) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i)] = h.slice(i + 1);
    }
    void calls({ url: args[0] ?? '', n: Number(args[1] ?? 1), headers }).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
  } else if (mode === 'forward' && args.length === 3) {
    forward(args[0] ?? '', Number(args[1]), args[2] ?? '');
  } else {
    process.stderr.write('usage: netns-app.ts serve NAME CONTROL_SOCKET PORT... | call URL [N] [H:V]... | forward HOST PORT UNIX_SOCKET\n');
    process.exit(2);
  }
}
