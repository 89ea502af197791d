// The webhook's HTTPS server on loopback with a serving certificate from the
// mesh CA: what a client that trusts only the CA's bundle sees, and how it
// copes with hostile or broken requests (and keeps serving afterwards).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { caConfig, createCa, type MeshCa } from '../../operator/ca/authority.ts';
import { issueWebhookCert, webhookDnsNames, type WebhookCert } from '../../operator/k8s/webhook/cert.ts';
import { startWebhookServer, type WebhookServer } from '../../operator/k8s/webhook/server.ts';

let ca: MeshCa;
let cert: WebhookCert;
let server: WebhookServer;
const now = new Date();

before(async () => {
  ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now });
  cert = await issueWebhookCert(ca, { now, ipAddresses: ['127.0.0.1'] });
  server = await startWebhookServer({ port: 0, host: '127.0.0.1', tls: cert.tls, maxBodyBytes: 64 * 1024, requestTimeoutMs: 500 });
});

after(async () => {
  await server.close();
});

interface Reply { readonly status: number; readonly headers: Readonly<Record<string, string | string[] | undefined>>; readonly body: string }

function call(path: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; servername?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions = {
      host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'POST', ca: cert.caBundlePem, agent: false,
      headers: { 'content-type': 'application/json', ...opts.headers },
      ...(opts.servername === undefined ? {} : { servername: opts.servername }),
    };
    const req = httpsRequest(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const goodReview = (uid: string): string => JSON.stringify({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: {
    uid, kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'VirtualService' }, operation: 'CREATE', name: 'r', namespace: 'shop',
    object: { apiVersion: 'weft.dev/v1alpha1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'shop' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight: 0 }] }] } },
  },
});

test('answers an AdmissionReview over TLS that verifies against the CA bundle, by IP and by Service name', async () => {
  for (const servername of [undefined, ...webhookDnsNames({ name: 'weft-webhook', namespace: 'weft-system' })]) {
    const r = await call('/validate', { body: goodReview('u-1'), ...(servername === undefined ? {} : { servername }) });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const doc = JSON.parse(r.body) as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; status: { code: number; details: { causes: Array<{ field: string }> } } } };
    assert.equal(doc.apiVersion, 'admission.k8s.io/v1');
    assert.equal(doc.kind, 'AdmissionReview');
    assert.equal(doc.response.uid, 'u-1');
    assert.equal(doc.response.allowed, false);
    assert.equal(doc.response.status.code, 422);
    assert.deepEqual(doc.response.status.details.causes.map((c) => c.field), ['spec.http[0].route']);
  }
});

test('the certificate chain is leaf then intermediate, and names the Service and 127.0.0.1', async () => {
  const socket: TLSSocket = await new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: server.port, ca: cert.caBundlePem, servername: 'weft-webhook.weft-system.svc' }, () => resolve(s));
    s.on('error', reject);
  });
  const peer = socket.getPeerCertificate(true);
  socket.destroy();
  const leaf = new X509Certificate(cert.tls.certPem);
  const intermediate = new X509Certificate(cert.tls.chainPem ?? '');
  assert.equal(peer.fingerprint256, leaf.fingerprint256);
  assert.equal(peer.subjectaltname, 'DNS:weft-webhook.weft-system.svc, DNS:weft-webhook.weft-system.svc.cluster.local, IP Address:127.0.0.1');
  // The intermediate is sent, so a client holding only the root (the caBundle) can build the chain.
  assert.equal(peer.issuerCertificate.fingerprint256, intermediate.fingerprint256);
});

test('a client that does not trust the mesh CA cannot talk to it', async () => {
  const other = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now });
  const otherCert = await issueWebhookCert(other, { now, ipAddresses: ['127.0.0.1'] });
  await assert.rejects(new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: server.port, path: '/validate', method: 'POST', ca: otherCert.caBundlePem, agent: false }, resolve);
    req.on('error', reject);
    req.end();
  }), /certificate/);
});

test('malformed reviews get a 400 with the reason, and the server keeps serving', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{"apiVersion":', /^malformed AdmissionReview: the body is not JSON/],
    ['{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}', /^malformed AdmissionReview: request\.kind must be/],
    ['{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}', /^malformed AdmissionReview: apiVersion must be admission\.k8s\.io\/v1/],
    [`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${'['.repeat(5000)}${']'.repeat(5000)}}`, /nests deeper than 512 levels/],
  ];
  for (const [body, want] of cases) {
    const r = await call('/validate', { body });
    assert.equal(r.status, 400, body.slice(0, 80));
    assert.match(r.body, want);
  }
  const invalidUtf8 = await call('/validate', { body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) });
  assert.equal(invalidUtf8.status, 400);
  assert.equal(invalidUtf8.body, 'malformed AdmissionReview: the body is not valid UTF-8\n');
  assert.equal((await call('/validate', { body: goodReview('after') })).status, 200);
});

test('wrong method, path and content type are refused', async () => {
  const get = await call('/validate', { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers['allow'], 'POST');
  const nowhere = await call('/mutate-everything', { body: goodReview('x') });
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.body, 'no webhook at "/mutate-everything"; the webhooks are /validate, /inject\n');
  const yaml = await call('/validate', { body: 'apiVersion: admission.k8s.io/v1', headers: { 'content-type': 'application/yaml' } });
  assert.equal(yaml.status, 415);
  assert.equal(yaml.body, 'Content-Type must be application/json (got "application/yaml")\n');
  const health = await call('/healthz', { method: 'GET' });
  assert.deepEqual([health.status, health.body], [200, 'ok\n']);
  // A query string (the API server adds ?timeout=5s) does not change the route.
  assert.equal((await call('/validate?timeout=5s', { body: goodReview('q') })).status, 200);
});

test('bodies over the limit are refused, whether declared or streamed', async () => {
  const big = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', pad: 'x'.repeat(70 * 1024) } });
  const declared = await call('/validate', { body: big });
  assert.equal(declared.status, 413);
  assert.equal(declared.body, `the body (${Buffer.byteLength(big)} bytes) is larger than the limit of 65536 bytes\n`);
  // Chunked: no Content-Length, so the limit is enforced while reading.
  const streamed: Reply = await new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: server.port, path: '/validate', method: 'POST', ca: cert.caBundlePem, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('x'.repeat(8 * 1024));
    req.end();
  });
  assert.equal(streamed.status, 413);
  assert.equal(streamed.body, 'the body is larger than the limit of 65536 bytes\n');
  assert.equal((await call('/validate', { body: goodReview('after-big') })).status, 200);
});

test('a request whose body never finishes is cut off after the request timeout', async () => {
  const started = Date.now();
  const outcome = await new Promise<string>((resolve) => {
    const req = httpsRequest({
      host: '127.0.0.1', port: server.port, path: '/validate', method: 'POST', ca: cert.caBundlePem, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': '1000' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
    });
    req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.write('{"apiVersion":');
    // ...and nothing more.
  });
  const elapsed = Date.now() - started;
  assert.equal(outcome, 'status 408');
  assert.ok(elapsed >= 400 && elapsed < 5000, `cut off after ${elapsed} ms`);
  assert.equal((await call('/validate', { body: goodReview('after-slow') })).status, 200);
});

test('setTls replaces the serving certificate for new connections', async () => {
  const renewed = await issueWebhookCert(ca, { now, ipAddresses: ['127.0.0.1'] });
  const serialSeen = (): Promise<string> => new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: server.port, ca: cert.caBundlePem, servername: 'weft-webhook.weft-system.svc' }, () => {
      resolve(s.getPeerX509Certificate()?.serialNumber ?? '');
      s.destroy();
    });
    s.on('error', reject);
  });
  assert.equal((await serialSeen()).toLowerCase(), cert.issued.serialNumber.toLowerCase());
  server.setTls(renewed.tls);
  assert.equal((await serialSeen()).toLowerCase(), renewed.issued.serialNumber.toLowerCase());
  server.setTls(cert.tls);
});

test('close() ends idle keep-alive connections instead of waiting for them', async () => {
  const own = await startWebhookServer({ port: 0, host: '127.0.0.1', tls: cert.tls });
  const { Agent } = await import('node:https');
  const agent = new Agent({ keepAlive: true, ca: cert.caBundlePem });
  await new Promise<void>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: own.port, path: '/healthz', method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
  const started = Date.now();
  await own.close();
  agent.destroy();
  assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
});

test('a port already in use is an error, not a crash', async () => {
  await assert.rejects(startWebhookServer({ port: server.port, host: '127.0.0.1', tls: cert.tls }), { code: 'EADDRINUSE' });
});
