// Certificates from the mesh CA in real TLS handshakes: a node:tls server and
// client on 127.0.0.1, each presenting a workload certificate, each requiring
// and verifying the other's against the CA bundle (OpenSSL does the chain
// check), and each reading the peer's SPIFFE ID the way the proxy will.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  caConfig, createCa, issueWorkloadCert, issueServerCert, addRoot, activateNextRoot, retireRoot, trustBundlePem,
  DAY_MS, HOUR_MS, type MeshCa,
} from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { spiffeIdOfCert } from '../../operator/ca/verify.ts';
import type { WorkloadIdentity } from '../../operator/ca/spiffe.ts';

const TD = 'cluster.local';
const config = caConfig({ trustDomain: TD });
// OpenSSL checks validity against the real clock, so the CA lives in the present.
const now = new Date();
const ca = await createCa(config, { now });
const otherCa = await createCa(config, { now });

const frontend = { namespace: 'shop', serviceAccount: 'frontend' };
const payments = { namespace: 'shop', serviceAccount: 'payments' };
const uriOf = (id: WorkloadIdentity): string => `spiffe://${TD}/ns/${id.namespace}/sa/${id.serviceAccount}`;

interface Party {
  readonly key: string;
  /** Leaf then intermediate, as a proxy serves it. */
  readonly cert: string;
  /** The trust bundle this party verifies its peer with. */
  readonly ca: string;
}

async function workload(issuer: MeshCa, id: WorkloadIdentity, at = now, bundle = trustBundlePem(issuer)): Promise<Party> {
  const { keyPem, csrPem } = await createWorkloadCsr(uriOf(id));
  const issued = await issueWorkloadCert(issuer, { csr: csrPem, identity: id, now: at });
  return { key: keyPem, cert: issued.certPem + issued.chainPem, ca: bundle };
}

type Outcome =
  | { readonly ok: true; readonly serverSaw: string; readonly clientSaw: string }
  | {
      readonly ok: false;
      /** What the server's socket reported, if anything. */
      readonly serverError: string | undefined;
      /** OpenSSL's verdict on the client's certificate, from whyServerRefuses. */
      readonly serverVerdict: string;
      readonly clientError: string | undefined;
    };

const servers: tls.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/**
 * One mutual-TLS exchange: the server answers with the SPIFFE ID it saw; the
 * client checks the server's SPIFFE ID in checkServerIdentity (there is no
 * DNS name to check in a workload certificate).
 */
async function mtls(server: Party, client: Party, expectServer?: string): Promise<Outcome> {
  let serverSaw: string | undefined;
  let serverError: string | undefined;
  const srv = tls.createServer({ key: server.key, cert: server.cert, ca: server.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (socket) => {
    const peer = socket.getPeerX509Certificate();
    const id = peer === undefined ? undefined : spiffeIdOfCert(peer, TD);
    serverSaw = id?.ok === true ? id.id.uri : `no identity: ${id?.ok === false ? id.message : 'no certificate'}`;
    socket.end(serverSaw);
  });
  srv.on('tlsClientError', (e: NodeJS.ErrnoException) => {
    serverError = e.code ?? e.message;
  });
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;

  let clientSaw: string | undefined;
  let clientError: string | undefined;
  const received = await new Promise<string>((resolve) => {
    let data = '';
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      key: client.key,
      cert: client.cert,
      ca: client.ca,
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_host, cert) => {
        const id = spiffeIdOfCert(new X509Certificate(cert.raw), TD);
        if (!id.ok) return new Error(id.message);
        if (expectServer !== undefined && id.id.uri !== expectServer) return new Error(`server is ${id.id.uri}, expected ${expectServer}`);
        clientSaw = id.id.uri;
        return undefined;
      },
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clientError ??= e.code ?? e.message;
    });
    socket.on('close', () => resolve(data));
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
  });
  srv.close();
  if (clientSaw !== undefined && serverSaw !== undefined && received === serverSaw && clientError === undefined) {
    return { ok: true, serverSaw, clientSaw };
  }
  return { ok: false, serverError, serverVerdict: await whyServerRefuses(server, client), clientError };
}

/**
 * With rejectUnauthorized a node:tls server drops a client whose chain fails
 * without saying why (the client just sees a reset). This probe repeats the
 * handshake with the check deferred and returns OpenSSL's verdict on the
 * client's certificate, so a test can tell "expired" from "unknown issuer".
 */
async function whyServerRefuses(server: Party, client: Party): Promise<string> {
  const srv = tls.createServer({ key: server.key, cert: server.cert, ca: server.ca, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  servers.push(srv);
  const verdict = new Promise<string>((resolve) => {
    setTimeout(() => resolve('no handshake within 5 s'), 5000).unref();
    srv.on('secureConnection', (socket) => {
      resolve(socket.authorized ? 'authorized' : String(socket.authorizationError));
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  const socket = tls.connect({ host: '127.0.0.1', port, key: client.key, cert: client.cert, ca: client.ca, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  socket.on('error', () => {});
  const result = await verdict;
  socket.destroy();
  srv.close();
  return result;
}

describe('mutual TLS with mesh certificates', () => {
  test('both sides verify the chain and see each other\'s SPIFFE ID', async () => {
    const out = await mtls(await workload(ca, payments), await workload(ca, frontend), uriOf(payments));
    assert.deepEqual(out, { ok: true, serverSaw: uriOf(frontend), clientSaw: uriOf(payments) });
  });

  test('a client certificate from another CA fails the handshake', async () => {
    const out = await mtls(await workload(ca, payments), await workload(otherCa, frontend, now, trustBundlePem(ca)));
    assert.equal(out.ok, false);
    if (!out.ok) assert.equal(out.serverVerdict, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  test('a server certificate from another CA fails the handshake', async () => {
    const out = await mtls(await workload(otherCa, payments, now, trustBundlePem(ca)), await workload(ca, frontend));
    assert.equal(out.ok, false);
    if (!out.ok) assert.equal(out.clientError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  test('an expired client certificate (issued through a clock two days back) fails the handshake', async () => {
    const past = new Date(now.getTime() - 2 * DAY_MS);
    const pastCa = await createCa(config, { now: past });
    const expired = await workload(pastCa, frontend, past);
    assert.ok(new X509Certificate(expired.cert).validToDate < now);
    const out = await mtls(await workload(pastCa, payments, now), expired);
    assert.equal(out.ok, false);
    if (!out.ok) assert.equal(out.serverVerdict, 'CERT_HAS_EXPIRED');
  });

  test('the client refuses a server with the wrong SPIFFE ID', async () => {
    const out = await mtls(await workload(ca, frontend), await workload(ca, frontend), uriOf(payments));
    assert.equal(out.ok, false);
    if (!out.ok) assert.match(out.clientError ?? '', /server is spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend, expected .*payments/);
  });
});

describe('root rotation in handshakes', () => {
  test('during the overlap old and new leaves talk both ways; after retirement the old leaf is refused', async () => {
    const added = await addRoot(ca, { now });
    const rotated = await activateNextRoot(added, now);
    const overlap = trustBundlePem(rotated);
    const oldLeaf = await workload(ca, frontend, now, overlap);
    const newLeaf = await workload(rotated, payments, now, overlap);
    assert.notEqual(new X509Certificate(oldLeaf.cert).issuer, new X509Certificate(newLeaf.cert).issuer);

    assert.ok((await mtls(newLeaf, oldLeaf)).ok, 'new server, old client');
    assert.ok((await mtls(oldLeaf, newLeaf)).ok, 'old server, new client');

    const retired = trustBundlePem(retireRoot(rotated, ca.root.cert.fingerprint256));
    const out = await mtls({ ...newLeaf, ca: retired }, oldLeaf);
    assert.equal(out.ok, false);
    if (!out.ok) assert.equal(out.serverVerdict, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    const renewed = await workload(rotated, frontend, now, retired);
    assert.ok((await mtls({ ...newLeaf, ca: retired }, renewed)).ok, 'a leaf renewed under the new root is accepted');
  });
});

describe('control-plane serving certificate', () => {
  test('a plain TLS client (like kube-apiserver calling the webhook) verifies the DNS name against the bundle', async () => {
    const issued = await issueServerCert(ca, { dnsNames: ['weft.weft-system.svc'], now, lifetimeMs: HOUR_MS });
    const srv = tls.createServer({ key: issued.keyPem, cert: issued.certPem + issued.chainPem }, (s) => s.end('ok'));
    servers.push(srv);
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as AddressInfo;
    const call = (servername: string) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port, servername, ca: issued.trustBundlePem }, () => s.setEncoding('utf8'));
        let data = '';
        s.on('data', (d: string) => (data += d));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
        s.on('end', () => resolve(data));
      });
    assert.equal(await call('weft.weft-system.svc'), 'ok');
    assert.equal(await call('other.weft-system.svc'), 'error ERR_TLS_CERT_ALTNAME_INVALID');
    srv.close();
  });
});
