// Helpers for the HTTP/2 and gRPC proxy tests: a real gRPC service (grpc-js,
// messages encoded with protobufjs) with all four streaming kinds, a client
// for it, node:http2 requests with prior knowledge, and cluster options that
// make a cluster speak HTTP/2 upstream.

import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const root = protobuf.parse(`
syntax = "proto3";
package test;
message Msg { string text = 1; int32 n = 2; }
`).root;
const Msg = root.lookupType('test.Msg');

export interface M {
  text: string;
  n: number;
}

const ser = (m: M): Buffer => Buffer.from(Msg.encode(Msg.fromObject(m)).finish());
const de = (b: Buffer): M => {
  const o = Msg.toObject(Msg.decode(b), { defaults: true }) as { text: string; n: number };
  return { text: o.text, n: o.n };
};

const method = (name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<M, M> => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: ser,
  requestDeserialize: de,
  responseSerialize: ser,
  responseDeserialize: de,
});

export const ECHO = {
  Unary: method('Unary', false, false),
  Fail: method('Fail', false, false),
  Flaky: method('Flaky', false, false),
  Slow: method('Slow', false, false),
  ServerStream: method('ServerStream', false, true),
  ClientStream: method('ClientStream', true, false),
  Bidi: method('Bidi', true, true),
} satisfies grpc.ServiceDefinition;

export interface EchoServer {
  readonly port: number;
  readonly server: grpc.Server;
  /** Calls per method. */
  readonly calls: Map<string, number>;
  readonly metadata: grpc.Metadata[];
  close(): Promise<void>;
}

/**
 * The echo service. Unary echoes with a trailing `x-trailer`; Fail answers
 * the status in `n` with trailing metadata; Flaky fails UNAVAILABLE on its
 * first `n` calls; ServerStream sends `n` messages (1 ms apart); ClientStream
 * sums `n`; Bidi echoes each message.
 */
export async function startEcho(name = 'echo'): Promise<EchoServer> {
  const server = new grpc.Server();
  const calls = new Map<string, number>();
  const metadata: grpc.Metadata[] = [];
  const count = (m: string): number => {
    const n = (calls.get(m) ?? 0) + 1;
    calls.set(m, n);
    return n;
  };
  server.addService(ECHO, {
    Unary: (call: grpc.ServerUnaryCall<M, M>, cb: grpc.sendUnaryData<M>) => {
      count('Unary');
      metadata.push(call.metadata);
      const t = new grpc.Metadata();
      t.set('x-trailer', `${name}:${call.request.text}`);
      cb(null, { text: `${name}:${call.request.text}`, n: call.request.n }, t);
    },
    Fail: (call: grpc.ServerUnaryCall<M, M>, cb: grpc.sendUnaryData<M>) => {
      count('Fail');
      const t = new grpc.Metadata();
      t.set('x-why', 'asked');
      cb({ code: call.request.n, details: call.request.text, metadata: t });
    },
    Flaky: (call: grpc.ServerUnaryCall<M, M>, cb: grpc.sendUnaryData<M>) => {
      const k = count('Flaky');
      if (k <= call.request.n) cb({ code: grpc.status.UNAVAILABLE, details: `flaky ${k}` });
      else cb(null, { text: `ok after ${k - 1}`, n: k });
    },
    Slow: (call: grpc.ServerUnaryCall<M, M>, cb: grpc.sendUnaryData<M>) => {
      count('Slow');
      setTimeout(() => cb(null, { text: 'slow', n: 0 }), call.request.n);
    },
    ServerStream: (call: grpc.ServerWritableStream<M, M>) => {
      count('ServerStream');
      let i = 0;
      const t = setInterval(() => {
        if (call.cancelled) return clearInterval(t);
        if (i >= call.request.n) {
          clearInterval(t);
          call.end();
          return;
        }
        call.write({ text: `${name}:${i}`, n: i });
        i++;
      }, 1);
    },
    ClientStream: (call: grpc.ServerReadableStream<M, M>, cb: grpc.sendUnaryData<M>) => {
      count('ClientStream');
      let sum = 0;
      let k = 0;
      call.on('data', (m: M) => {
        sum += m.n;
        k++;
      });
      call.on('end', () => cb(null, { text: `${k} messages`, n: sum }));
    },
    Bidi: (call: grpc.ServerDuplexStream<M, M>) => {
      count('Bidi');
      call.on('data', (m: M) => call.write({ text: `${name}:${m.text}`, n: m.n * 2 }));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    port,
    server,
    calls,
    metadata,
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
}

export function echoClient(port: number, creds = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, creds, options);
}

export interface UnaryResult {
  readonly err: grpc.ServiceError | null;
  readonly res: M | undefined;
  readonly trailers: grpc.Metadata | undefined;
}

/** One unary call; resolves with the error or the answer, and the trailing metadata. */
export function unary(c: grpc.Client, m: keyof typeof ECHO, req: M, opts: { deadlineMs?: number; metadata?: grpc.Metadata } = {}): Promise<UnaryResult> {
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const def = ECHO[m];
    const call = c.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, opts.metadata ?? new grpc.Metadata(), opts.deadlineMs !== undefined ? { deadline: Date.now() + opts.deadlineMs } : {}, (err, res) =>
      // The status event (with the trailers) follows the callback.
      setImmediate(() => resolve({ err: err ?? null, res, trailers })),
    );
    call.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
    });
  });
}

/** Cluster options that make the cluster speak HTTP/2 to its endpoints. */
export const h2Options = (h2: Record<string, unknown> = {}): Record<string, unknown> => ({
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: { http2_protocol_options: h2 },
    },
  },
});

export interface H2Reply {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
  readonly body: string;
}

/** One request on a node:http2 session (prior knowledge, or ALPN when the session is TLS). */
export function h2request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string | Buffer): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const s = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let h: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    s.on('response', (r) => {
      h = r;
      status = Number(r[':status']);
    });
    s.on('trailers', (t) => {
      trailers = t;
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve({ status, headers: h, trailers, body: Buffer.concat(chunks).toString() }));
    s.on('error', reject);
    if (body !== undefined) s.end(body);
  });
}
