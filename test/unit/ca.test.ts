// The mesh CA issues what it should and refuses what it should, with real
// keys and signatures throughout: CSRs made by @peculiar/x509 and node's
// WebCrypto, certificates read back by node:crypto and operator/ca/der.ts.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, createPrivateKey, createPublicKey, type webcrypto as wc } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  caConfig, createCa, issueWorkloadCert, issueServerCert, addRoot, activateNextRoot, retireRoot,
  trustBundlePem, trustedRootsInfo, CaError, HOUR_MS, DAY_MS, MINUTE_MS, type MeshCa, type CaErrorCode,
} from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { verifyWorkloadCert, parseCertificates, validityOf, type VerifyFailure } from '../../operator/ca/verify.ts';
import { certFields, KEY_USAGE, OID } from '../../operator/ca/der.ts';
import { pemBlocksOf, toPem } from '../../operator/ca/pem.ts';
import { x509, webcrypto } from '../../operator/ca/x509.ts';

const T0 = new Date('2026-03-01T12:00:00Z');
const TD = 'cluster.local';
const config = caConfig({ trustDomain: TD });
const frontend = { namespace: 'shop', serviceAccount: 'frontend' };
const frontendId = `spiffe://${TD}/ns/shop/sa/frontend`;

const ca = await createCa(config, { now: T0 });
const otherCa = await createCa(config, { now: T0 });

const EC256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A CSR with any names, key and (mis)signing, the way a hostile or broken caller could send it. */
async function csrWith(opts: {
  uris?: string[];
  dns?: string[];
  ips?: string[];
  subject?: string;
  keyAlg?: wc.RsaHashedKeyGenParams | wc.EcKeyGenParams;
  signWithOtherKey?: boolean;
} = {}): Promise<string> {
  const alg = opts.keyAlg ?? EC256;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as wc.CryptoKeyPair;
  const signing = opts.signWithOtherKey === true ? ((await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as wc.CryptoKeyPair) : keys;
  const names: x509.JsonGeneralNames = [
    ...(opts.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      ...(opts.subject === undefined ? {} : { name: opts.subject }),
      keys: { publicKey: keys.publicKey, privateKey: signing.privateKey },
      signingAlgorithm: { ...alg, hash: 'SHA-256' },
      extensions: names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names, false)],
    },
    webcrypto,
  );
  return csr.toString('pem');
}

async function refused(p: Promise<unknown>, code: CaErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CaError, `expected a CaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

function expectFailure(result: ReturnType<typeof verifyWorkloadCert>, reason: VerifyFailure, message?: RegExp): void {
  assert.equal(result.ok, false, 'expected verification to fail');
  if (result.ok) return;
  assert.equal(result.reason, reason, result.message);
  if (message !== undefined) assert.match(result.message, message);
}

/** A certificate signed by `issuer`'s intermediate key with whatever extensions a test needs. */
async function craft(issuer: MeshCa, extensions: x509.Extension[], notAfter = new Date(T0.getTime() + DAY_MS)): Promise<{ certPem: string; keys: wc.CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(EC256, true, ['sign', 'verify'])) as wc.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(15))).toString('hex'),
      issuer: issuer.intermediate.x509.subjectName,
      notBefore: new Date(T0.getTime() - MINUTE_MS),
      notAfter,
      publicKey: keys.publicKey,
      signingKey: issuer.intermediate.signer.key,
      signingAlgorithm: issuer.intermediate.signer.signingAlgorithm,
      extensions,
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem') + '\n', keys };
}

const svidExtensions = (uris: string[]): x509.Extension[] => [
  new x509.BasicConstraintsExtension(false, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url' as const, value })), true),
];

describe('the CA certificates', () => {
  test('root: self-signed P-256 CA, pathLen 1, keyCertSign and cRLSign, 10 years', () => {
    const root = ca.root.cert;
    const f = certFields(new Uint8Array(root.raw));
    assert.ok(root.verify(root.publicKey), 'self-signature verifies');
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.deepEqual(f.basicConstraints, { ca: true, pathLen: 1 });
    assert.deepEqual([...(f.keyUsage ?? [])].sort(), [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]);
    assert.ok(f.extensions.find((e) => e.oid === OID.basicConstraints)?.critical);
    assert.ok(f.subjectKeyId !== undefined);
    assert.equal(root.validToDate.getTime(), T0.getTime() + 3650 * DAY_MS);
  });

  test('intermediate: signed by the root, pathLen 0, AKI = root SKI, 1 year', () => {
    const int = ca.intermediate.cert;
    const f = certFields(new Uint8Array(int.raw));
    assert.ok(int.checkIssued(ca.root.cert) && int.verify(ca.root.cert.publicKey));
    assert.deepEqual(f.basicConstraints, { ca: true, pathLen: 0 });
    assert.ok(f.keyUsage?.has(KEY_USAGE.keyCertSign));
    assert.deepEqual(f.authorityKeyId, certFields(new Uint8Array(ca.root.cert.raw)).subjectKeyId);
    assert.equal(int.validToDate.getTime(), T0.getTime() + 365 * DAY_MS);
  });

  test('lifetimes are configurable and must nest', async () => {
    const short = await createCa(caConfig({ trustDomain: TD, rootLifetimeMs: 30 * DAY_MS, intermediateLifetimeMs: 10 * DAY_MS }), { now: T0 });
    assert.equal(short.root.cert.validToDate.getTime(), T0.getTime() + 30 * DAY_MS);
    assert.equal(short.intermediate.cert.validToDate.getTime(), T0.getTime() + 10 * DAY_MS);
    assert.equal(short.config.serverLifetimeMs, 10 * DAY_MS, 'unset child lifetimes shrink to fit');
    assert.equal(short.config.maxWorkloadLifetimeMs, 7 * DAY_MS);
    assert.throws(() => caConfig({ trustDomain: TD, intermediateLifetimeMs: 20 * 365 * DAY_MS }), /intermediateLifetimeMs: must not exceed rootLifetimeMs/);
    assert.throws(() => caConfig({ trustDomain: 'Cluster.Local' }), /trustDomain/);
    assert.throws(() => caConfig({ trustDomain: TD, workloadLifetimeMs: 0 }), /workloadLifetimeMs/);
  });
});

describe('issuing a workload certificate from a CSR', () => {
  test('PEM CSR → leaf with only the proven SPIFFE ID, verified by node:crypto and verifyWorkloadCert', async () => {
    const { csrPem } = await createWorkloadCsr(frontendId);
    const issued = await issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: T0 });
    const leaf = new X509Certificate(issued.certPem);
    const [intermediate] = parseCertificates(issued.chainPem);
    assert.ok(intermediate !== undefined);
    assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey), 'signed by the intermediate');
    assert.ok(intermediate.verify(ca.root.cert.publicKey), 'chain reaches the root');
    assert.equal(leaf.subjectAltName, `URI:${frontendId}`);
    assert.equal(leaf.subject, undefined, 'empty subject: the SAN carries the identity');
    assert.equal(issued.spiffeId.uri, frontendId);

    const f = certFields(new Uint8Array(leaf.raw));
    assert.deepEqual(f.subjectAltNames, [{ type: 'uri', value: frontendId }]);
    assert.ok(f.extensions.find((e) => e.oid === OID.subjectAltName)?.critical, 'SAN critical with an empty subject');
    assert.deepEqual([...(f.keyUsage ?? [])], [KEY_USAGE.digitalSignature], 'EC key: digitalSignature only');
    assert.deepEqual(f.extKeyUsage, [OID.serverAuth, OID.clientAuth]);
    assert.deepEqual(f.basicConstraints, { ca: false });
    assert.equal(leaf.validFromDate.getTime(), T0.getTime() - 5 * MINUTE_MS, 'backdated for clock skew');
    assert.equal(leaf.validToDate.getTime(), T0.getTime() + 24 * HOUR_MS);
    assert.deepEqual(validityOf(leaf), { notBefore: issued.notBefore, notAfter: issued.notAfter });

    const v = verifyWorkloadCert(issued.certPem + issued.chainPem, issued.trustBundlePem, T0, { trustDomain: TD, purpose: 'clientAuth' });
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.deepEqual({ ...v.id }, { trustDomain: TD, namespace: 'shop', serviceAccount: 'frontend', uri: frontendId });
    assert.equal(v.path.length, 3);
  });

  test('serial numbers are random, positive and 128 bits', async () => {
    const { csrPem } = await createWorkloadCsr(frontendId);
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const issued = await issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: T0 });
      assert.match(issued.serialNumber, /^[0-9a-f]{32}$/);
      assert.notEqual(issued.serialNumber.slice(0, 2), '00');
      // node:crypto prints the DER INTEGER; a leading 00 pad (high bit set) keeps it positive.
      const printed = new X509Certificate(issued.certPem).serialNumber.toLowerCase();
      assert.ok(printed === issued.serialNumber || printed === `00${issued.serialNumber}`, `${printed} vs ${issued.serialNumber}`);
      serials.add(issued.serialNumber);
    }
    assert.equal(serials.size, 20);
  });

  test('DER CSR accepted; CSR without SANs gets the proven identity; CSR subject is never copied', async () => {
    const pem = await csrWith({ subject: 'CN=admin.example.com, O=attacker' });
    const [der] = pemBlocksOf(pem, 'CERTIFICATE REQUEST');
    assert.ok(der !== undefined);
    const issued = await issueWorkloadCert(ca, { csr: der, identity: frontend, now: T0 });
    const leaf = new X509Certificate(issued.certPem);
    assert.equal(leaf.subject, undefined);
    assert.equal(leaf.subjectAltName, `URI:${frontendId}`);
  });

  test('RSA 2048 CSR key accepted with keyEncipherment; requested lifetime honoured', async () => {
    const csr = await csrWith({ keyAlg: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } });
    const issued = await issueWorkloadCert(ca, { csr, identity: frontend, now: T0, lifetimeMs: HOUR_MS });
    const f = certFields(new Uint8Array(new X509Certificate(issued.certPem).raw));
    assert.deepEqual([...(f.keyUsage ?? [])].sort(), [KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]);
    assert.equal(issued.notAfter.getTime(), T0.getTime() + HOUR_MS);
  });

  test('lifetime is clamped to the intermediate, never past it', async () => {
    const late = new Date(ca.intermediate.cert.validToDate.getTime() - HOUR_MS);
    const { csrPem } = await createWorkloadCsr(frontendId);
    const issued = await issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: late });
    assert.equal(issued.notAfter.getTime(), ca.intermediate.cert.validToDate.getTime());
    await refused(
      issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: new Date(ca.intermediate.cert.validToDate.getTime() + 1000) }),
      'ca-expired',
      /intermediate expired/,
    );
  });
});

describe('refusing what the caller did not prove', () => {
  test('a CSR asking for another SPIFFE ID', async () => {
    const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/payments`);
    await refused(
      issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: T0 }),
      'csr-identity',
      /asks for SPIFFE ID spiffe:\/\/cluster\.local\/ns\/shop\/sa\/payments, but the caller authenticated as spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend/,
    );
  });

  test('a CSR asking for the right identity in another trust domain, or a non-SPIFFE URI', async () => {
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ uris: ['spiffe://evil.org/ns/shop/sa/frontend'] }), identity: frontend, now: T0 }), 'csr-identity', /evil\.org/);
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ uris: ['https://shop.example/'] }), identity: frontend, now: T0 }), 'csr-identity', /URI https:\/\/shop\.example\//);
  });

  test('a CSR asking for a DNS name or IP address besides its own SPIFFE ID', async () => {
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ uris: [frontendId], dns: ['api.example.com'] }), identity: frontend, now: T0 }), 'csr-san', /DNS name "api\.example\.com".*issueServerCert/);
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ ips: ['10.0.0.1'] }), identity: frontend, now: T0 }), 'csr-san', /IP address "10\.0\.0\.1"/);
  });

  test('a CSR whose signature does not verify (the caller does not hold the key)', async () => {
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ uris: [frontendId], signWithOtherKey: true }), identity: frontend, now: T0 }), 'csr-signature', /does not verify/);
  });

  test('a CSR with a key the mesh does not accept', async () => {
    const rsa1024 = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ keyAlg: rsa1024 }), identity: frontend, now: T0 }), 'csr-key', /RSA key of 1024 bits is too short/);
    const p521 = { name: 'ECDSA', namedCurve: 'P-521' };
    await refused(issueWorkloadCert(ca, { csr: await csrWith({ keyAlg: p521 }), identity: frontend, now: T0 }), 'csr-key', /curve secp521r1 is not accepted/);
  });

  test('input that is not a CSR', async () => {
    await refused(issueWorkloadCert(ca, { csr: 'hello', identity: frontend, now: T0 }), 'csr-malformed', /no "-----BEGIN CERTIFICATE REQUEST-----"/);
    await refused(issueWorkloadCert(ca, { csr: ca.root.certPem, identity: frontend, now: T0 }), 'csr-malformed', /"CERTIFICATE" block is not a certificate request/);
    await refused(issueWorkloadCert(ca, { csr: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), identity: frontend, now: T0 }), 'csr-malformed', /not a PKCS#10/);
    const pem = await csrWith();
    await refused(issueWorkloadCert(ca, { csr: pem.replace(/\n[A-Za-z0-9+/]{10}/, '\n'), identity: frontend, now: T0 }), 'csr-malformed', /CSR/);
  });

  test('an invalid authenticated identity or lifetime', async () => {
    const { csrPem } = await createWorkloadCsr(frontendId);
    await refused(issueWorkloadCert(ca, { csr: csrPem, identity: { namespace: 'Shop', serviceAccount: 'frontend' }, now: T0 }), 'invalid-identity', /namespace "Shop"/);
    await refused(issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: T0, lifetimeMs: 30 * DAY_MS }), 'invalid-request', /maxWorkloadLifetimeMs/);
  });
});

describe('server certificates for the control plane', () => {
  test('DNS and IP SANs, serverAuth only, key generated and matching', async () => {
    const issued = await issueServerCert(ca, { dnsNames: ['weft.weft-system.svc', 'weft.weft-system.svc.cluster.local'], ipAddresses: ['127.0.0.1'], now: T0 });
    const cert = new X509Certificate(issued.certPem);
    assert.equal(cert.subjectAltName, 'DNS:weft.weft-system.svc, DNS:weft.weft-system.svc.cluster.local, IP Address:127.0.0.1');
    assert.ok(cert.checkHost('weft.weft-system.svc') !== undefined);
    assert.ok(cert.checkPrivateKey(createPrivateKey(issued.keyPem)));
    const f = certFields(new Uint8Array(cert.raw));
    assert.deepEqual(f.extKeyUsage, [OID.serverAuth]);
    assert.equal(cert.validToDate.getTime(), T0.getTime() + 30 * DAY_MS);
    // Not a workload identity: no SPIFFE ID, and never a client.
    expectFailure(verifyWorkloadCert(issued.certPem + issued.chainPem, issued.trustBundlePem, T0, { trustDomain: TD, purpose: 'serverAuth' }), 'no-spiffe-id');
    expectFailure(verifyWorkloadCert(issued.certPem + issued.chainPem, issued.trustBundlePem, T0, { trustDomain: TD, purpose: 'clientAuth' }), 'wrong-key-usage', /does not allow clientAuth/);
  });

  test('optional SPIFFE ID for the control plane; bad names refused', async () => {
    const issued = await issueServerCert(ca, { dnsNames: ['weft.weft-system.svc'], identity: { namespace: 'weft-system', serviceAccount: 'weft' }, now: T0 });
    const v = verifyWorkloadCert(issued.certPem + issued.chainPem, issued.trustBundlePem, T0, { trustDomain: TD, purpose: 'serverAuth' });
    assert.ok(v.ok && v.id.uri === `spiffe://${TD}/ns/weft-system/sa/weft`);
    await refused(issueServerCert(ca, { dnsNames: ['*.weft-system.svc'], now: T0 }), 'invalid-request', /dnsNames\[0\].*wildcards/);
    await refused(issueServerCert(ca, { dnsNames: ['ok.svc'], ipAddresses: ['300.1.1.1'], now: T0 }), 'invalid-request', /ipAddresses\[0\]/);
    await refused(issueServerCert(ca, { dnsNames: [], now: T0 }), 'invalid-request', /at least one/);
  });
});

const { csrPem: goodCsrPem } = await createWorkloadCsr(frontendId);
const good = await issueWorkloadCert(ca, { csr: goodCsrPem, identity: frontend, now: T0 });

describe('verifyWorkloadCert refusals', () => {
  const goodChain = good.certPem + good.chainPem;
  const bundle = trustBundlePem(ca);
  const opts = { trustDomain: TD };

  test('expired and not yet valid (injected clock)', async () => {
    const past = new Date(T0.getTime() - 2 * DAY_MS);
    const oldCa = await createCa(config, { now: past });
    const old = await issueWorkloadCert(oldCa, { csr: goodCsrPem, identity: frontend, now: past });
    expectFailure(verifyWorkloadCert(old.certPem + old.chainPem, old.trustBundlePem, T0, opts), 'expired', /leaf certificate \(serial [0-9A-F]+\) expired at 2026-02-28T12:00:00.000Z/);
    expectFailure(verifyWorkloadCert(goodChain, bundle, new Date(T0.getTime() - HOUR_MS), opts), 'not-yet-valid', /not valid before 2026-03-01T11:55:00.000Z/);
  });

  test('a leaf from another CA: unknown issuer; with that CA\'s root attached: untrusted root', async () => {
    const foreign = await issueWorkloadCert(otherCa, { csr: goodCsrPem, identity: frontend, now: T0 });
    expectFailure(verifyWorkloadCert(foreign.certPem + foreign.chainPem, bundle, T0, opts), 'unknown-issuer', /chain certificate 2 .* was issued by O=weft, CN=weft root CA/);
    expectFailure(verifyWorkloadCert(foreign.certPem + foreign.chainPem + foreign.trustBundlePem, bundle, T0, opts), 'untrusted-root', /self-signed root that is not in the trust bundle/);
    expectFailure(verifyWorkloadCert(good.certPem, bundle, T0, opts), 'unknown-issuer', /leaf certificate .* neither in the chain nor in the trust bundle/);
  });

  test('a leaf whose SPIFFE ID was edited after signing: bad signature', () => {
    const der = Buffer.from(new X509Certificate(good.certPem).raw);
    const at = der.indexOf(Buffer.from('/sa/frontend'));
    assert.ok(at > 0);
    der.write('/sa/frontenX', at, 'latin1');
    expectFailure(verifyWorkloadCert(toPem('CERTIFICATE', der) + good.chainPem, bundle, T0, opts), 'bad-signature', /signature does not verify with the key of O=weft, CN=weft intermediate CA/);
  });

  test('a workload that signs a certificate with its own key: not a CA', async () => {
    const { keyPem, csrPem: csr2 } = await createWorkloadCsr(frontendId);
    const issued = await issueWorkloadCert(ca, { csr: csr2, identity: frontend, now: T0 });
    const leafKey = await webcrypto.subtle.importKey('pkcs8', pemBlocksOf(keyPem, 'PRIVATE KEY')[0] ?? new Uint8Array(), EC256, false, ['sign']);
    const keys = (await webcrypto.subtle.generateKey(EC256, true, ['sign', 'verify'])) as wc.CryptoKeyPair;
    const forged = await x509.X509CertificateGenerator.create({
      issuer: [], notBefore: T0, notAfter: new Date(T0.getTime() + HOUR_MS), publicKey: keys.publicKey, signingKey: leafKey,
      signingAlgorithm: EC256, extensions: svidExtensions([`spiffe://${TD}/ns/kube-system/sa/admin`]),
    }, webcrypto);
    // The forged leaf names an empty issuer, which is exactly the workload leaf's (empty) subject.
    expectFailure(verifyWorkloadCert(forged.toString('pem') + '\n' + issued.certPem + issued.chainPem, bundle, T0, opts), 'not-a-ca', /signs certificates but is not a CA/);
  });

  test('SPIFFE ID problems: none, several, not a workload path, other trust domain', async () => {
    const two = await craft(ca, svidExtensions([frontendId, `spiffe://${TD}/ns/shop/sa/admin`]));
    expectFailure(verifyWorkloadCert(two.certPem + good.chainPem, bundle, T0, opts), 'multiple-spiffe-ids', /2 URI SANs/);
    const odd = await craft(ca, svidExtensions([`spiffe://${TD}/workload/frontend`]));
    expectFailure(verifyWorkloadCert(odd.certPem + good.chainPem, bundle, T0, opts), 'bad-spiffe-id', /\/ns\/<namespace>\/sa\/<serviceaccount>/);
    const none = await craft(ca, svidExtensions([]).slice(0, 2));
    expectFailure(verifyWorkloadCert(none.certPem + good.chainPem, bundle, T0, opts), 'no-spiffe-id');
    expectFailure(verifyWorkloadCert(goodChain, bundle, T0, { trustDomain: 'example.org' }), 'bad-trust-domain', /trust domain "cluster\.local", expected "example\.org"/);
  });

  test('wrong key usage on the leaf; unknown critical extension', async () => {
    const signer = await craft(ca, [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: frontendId }], true),
    ]);
    expectFailure(verifyWorkloadCert(signer.certPem + good.chainPem, bundle, T0, opts), 'wrong-key-usage', /allows signing certificates/);
    const noKu = await craft(ca, [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: frontendId }], true)]);
    expectFailure(verifyWorkloadCert(noKu.certPem + good.chainPem, bundle, T0, opts), 'wrong-key-usage', /must include digitalSignature/);
    expectFailure(verifyWorkloadCert(good.chainPem, bundle, T0, opts), 'wrong-key-usage', /is a CA certificate/);
    const critical = await craft(ca, [...svidExtensions([frontendId]), new x509.Extension('1.2.3.4.5', true, new Uint8Array([0x05, 0x00]))]);
    expectFailure(verifyWorkloadCert(critical.certPem + good.chainPem, bundle, T0, opts), 'unsupported-critical-extension', /1\.2\.3\.4\.5/);
  });

  test('unreadable input', () => {
    expectFailure(verifyWorkloadCert('not pem', bundle, T0, opts), 'malformed', /chain: no "-----BEGIN CERTIFICATE-----"/);
    expectFailure(verifyWorkloadCert(goodChain, '', T0, opts), 'malformed', /trust bundle/);
    expectFailure(verifyWorkloadCert(toPem('CERTIFICATE', new Uint8Array([0x30, 0x00])), bundle, T0, opts), 'malformed', /certificate 1: not a valid X\.509/);
  });
});

describe('root rotation', () => {
  test('overlap: leaves from the old and the new root both verify; after retirement the old one is refused', async () => {
    const { csrPem } = await createWorkloadCsr(frontendId);
    const fromOld = await issueWorkloadCert(ca, { csr: csrPem, identity: frontend, now: T0 });

    const step1 = await addRoot(ca, { now: T0 });
    assert.equal(step1.trustedRoots.length, 2);
    assert.equal(step1.intermediate, ca.intermediate, 'signing unchanged until activation');
    assert.deepEqual(trustedRootsInfo(step1).map((r) => r.role), ['signing', 'next']);

    const t1 = new Date(T0.getTime() + HOUR_MS);
    const step2 = await activateNextRoot(step1, t1);
    assert.deepEqual(trustedRootsInfo(step2).map((r) => r.role), ['previous', 'signing']);
    const fromNew = await issueWorkloadCert(step2, { csr: csrPem, identity: frontend, now: t1 });
    assert.ok(new X509Certificate(fromNew.chainPem).verify(step1.nextRoot?.cert.publicKey ?? ca.root.cert.publicKey));

    const overlap = trustBundlePem(step2);
    for (const leaf of [fromOld, fromNew]) {
      const v = verifyWorkloadCert(leaf.certPem + leaf.chainPem, overlap, t1, { trustDomain: TD });
      assert.ok(v.ok, v.ok ? '' : v.message);
    }

    const step3 = retireRoot(step2, ca.root.cert.fingerprint256);
    assert.equal(step3.trustedRoots.length, 1);
    const after = trustBundlePem(step3);
    expectFailure(verifyWorkloadCert(fromOld.certPem + fromOld.chainPem, after, t1, { trustDomain: TD }), 'unknown-issuer');
    assert.ok(verifyWorkloadCert(fromNew.certPem + fromNew.chainPem, after, t1, { trustDomain: TD }).ok);
  });

  test('steps out of order are refused', async () => {
    await refused(activateNextRoot(ca, T0), 'rotation', /call addRoot first/);
    assert.throws(() => retireRoot(ca, ca.root.cert.fingerprint256), /anchors the signing intermediate/);
    const added = await addRoot(ca, { now: T0 });
    await refused(addRoot(added, { now: T0 }), 'rotation', /already added/);
    assert.throws(() => retireRoot(added, added.nextRoot?.cert.fingerprint256 ?? ''), /not yet signing/);
    assert.throws(() => retireRoot(added, 'AB:CD'), /no trusted root has SHA-256 fingerprint AB:CD/);
  });

  test('a supplied RSA root (as cert-manager makes by default) signs a P-256 intermediate', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaKey = privateKey.toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    const pub = createPublicKey(privateKey).toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
    const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=example-issuer', notBefore: new Date(T0.getTime() - DAY_MS), notAfter: new Date(T0.getTime() + 3 * 365 * DAY_MS),
      keys: { privateKey: rsaKey, publicKey: pub }, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as wc.Algorithm,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), await x509.SubjectKeyIdentifierExtension.create(pub, false, webcrypto)],
    }, webcrypto);
    const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(); // "RSA PRIVATE KEY", as cert-manager writes it
    const supplied = await createCa(config, { now: T0, root: { certPem: rootCert.toString('pem'), keyPem } });
    assert.equal(supplied.intermediate.cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const { csrPem } = await createWorkloadCsr(frontendId);
    const issued = await issueWorkloadCert(supplied, { csr: csrPem, identity: frontend, now: T0 });
    const v = verifyWorkloadCert(issued.certPem + issued.chainPem, issued.trustBundlePem, T0, { trustDomain: TD });
    assert.ok(v.ok, v.ok ? '' : v.message);

    // The wrong key, a non-CA certificate and a root that forbids intermediates are refused.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await refused(createCa(config, { now: T0, root: { certPem: rootCert.toString('pem'), keyPem: other } }), 'invalid-root', /does not belong to the certificate/);
    const leafKey = (await createWorkloadCsr(frontendId)).keyPem;
    await refused(createCa(config, { now: T0, root: { certPem: issued.certPem, keyPem: leafKey } }), 'invalid-root', /does not belong|not a CA/);
    await refused(createCa(config, { now: T0, root: { certPem: ca.intermediate.certPem, keyPem: ca.intermediate.signer.keyPem } }), 'invalid-root', /pathLen 0|not self-signed/);
  });
});

describe('cost', () => {
  test('issuing one workload certificate (CSR parse + signature check + sign)', async (t) => {
    const csrs = await Promise.all(Array.from({ length: 10 }, () => createWorkloadCsr(frontendId)));
    await issueWorkloadCert(ca, { csr: csrs[0]?.csrPem ?? '', identity: frontend, now: T0 }); // warm up
    const n = 200;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      await issueWorkloadCert(ca, { csr: csrs[i % csrs.length]?.csrPem ?? '', identity: frontend, now: T0 });
    }
    const perCert = (performance.now() - start) / n;
    const verifyStart = performance.now();
    const issued = await issueWorkloadCert(ca, { csr: csrs[0]?.csrPem ?? '', identity: frontend, now: T0 });
    for (let i = 0; i < n; i++) verifyWorkloadCert(issued.certPem + issued.chainPem, issued.trustBundlePem, T0, { trustDomain: TD });
    const perVerify = (performance.now() - verifyStart) / n;
    t.diagnostic(`issue: ${perCert.toFixed(2)} ms per workload certificate; verifyWorkloadCert: ${perVerify.toFixed(2)} ms (${n} each)`);
    // Generous bound for a shared 2-core machine; a regression to seconds still fails.
    assert.ok(perCert < 50, `issuing took ${perCert.toFixed(1)} ms per certificate`);
  });
});

describe('createWorkloadCsr (encoded by hand, read by the CA\'s PKCS#10 parser)', () => {
  test('a P-256 key and a request for exactly the SPIFFE ID: empty subject, one critical URI SAN, a valid ECDSA-SHA256 signature', async () => {
    const id = 'spiffe://cluster.local/ns/shop/sa/frontend';
    const { keyPem, csrPem } = await createWorkloadCsr(id);
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    assert.equal(csr.subject, '');
    assert.deepEqual(JSON.parse(JSON.stringify(csr.signatureAlgorithm)), { name: 'ECDSA', hash: { name: 'SHA-256' } });
    assert.equal(await csr.verify(webcrypto), true);
    const sans = csr.getExtensions(OID.subjectAltName);
    assert.equal(sans.length, 1);
    const san = sans[0] as x509.SubjectAlternativeNameExtension;
    assert.equal(san.critical, true);
    assert.deepEqual(san.names.toJSON(), [{ type: 'url', value: id }]);
    // The request carries the public half of the returned key.
    const key = createPrivateKey(keyPem);
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    assert.deepEqual(Buffer.from(csr.publicKey.rawData), fromKey);
  });

  test('a long SPIFFE ID still encodes (multi-byte DER lengths) and a bad one is refused before any key is made', async () => {
    const id = `spiffe://cluster.local/ns/${'n'.repeat(63)}/sa/${'s'.repeat(200)}`;
    const csr = new x509.Pkcs10CertificateRequest((await createWorkloadCsr(id)).csrPem);
    assert.equal(await csr.verify(webcrypto), true);
    assert.deepEqual((csr.getExtensions(OID.subjectAltName)[0] as x509.SubjectAlternativeNameExtension).names.toJSON(), [{ type: 'url', value: id }]);
    await assert.rejects(createWorkloadCsr('https://not-spiffe'), /cannot request a certificate for/);
  });
});
