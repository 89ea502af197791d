// The dependency-free half of the CA that the proxy imports: SPIFFE ID
// parsing, PEM handling, the renewal schedule, and the rule that verify.ts
// never loads the issuing library.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { parseSpiffeId, spiffeUri, principalOf } from '../../operator/ca/spiffe.ts';
import { parsePem, pemBlocksOf, toPem } from '../../operator/ca/pem.ts';
import { renewAt, RENEW_FROM, RENEW_TO } from '../../operator/ca/renew.ts';
import { validityOf } from '../../operator/ca/verify.ts';
import { caConfig, createCa, issueWorkloadCert } from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CA_DIR = resolve(HERE, '../../operator/ca');

describe('SPIFFE IDs', () => {
  test('a mesh workload ID parses into its parts', () => {
    const r = parseSpiffeId('spiffe://cluster.local/ns/shop/sa/frontend');
    assert.ok(r.ok);
    assert.deepEqual({ ...r.id }, { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'frontend', uri: 'spiffe://cluster.local/ns/shop/sa/frontend' });
    assert.equal(principalOf(r.id), 'cluster.local/ns/shop/sa/frontend');
    assert.equal(spiffeUri('cluster.local', { namespace: 'shop', serviceAccount: 'my.sa' }), 'spiffe://cluster.local/ns/shop/sa/my.sa');
  });

  const refused: [string, RegExp][] = [
    ['https://cluster.local/ns/shop/sa/frontend', /scheme must be "spiffe:\/\/"/],
    ['SPIFFE://cluster.local/ns/shop/sa/frontend', /scheme/],
    ['spiffe://Cluster.local/ns/shop/sa/frontend', /lowercase/],
    ['spiffe://cluster.local:8443/ns/shop/sa/frontend', /trust domain/],
    ['spiffe://user@cluster.local/ns/shop/sa/frontend', /trust domain/],
    ['spiffe:///ns/shop/sa/frontend', /trust domain is empty/],
    ['spiffe://cluster.local/ns/shop/sa/frontend/', /trailing/],
    ['spiffe://cluster.local/ns//sa/frontend', /empty segment/],
    ['spiffe://cluster.local/ns/../sa/frontend', /"\." or "\.\."/],
    ['spiffe://cluster.local/ns/shop/sa/frontend?x=1', /query or fragment/],
    ['spiffe://cluster.local/ns/shop/sa/front%20end', /path segment/],
    ['spiffe://cluster.local/workload/frontend', /\/ns\/<namespace>\/sa\/<serviceaccount>/],
    ['spiffe://cluster.local/ns/shop/sa/frontend/extra', /\/ns\/<namespace>\/sa\/<serviceaccount>/],
    ['spiffe://cluster.local/ns/Shop/sa/frontend', /namespace "Shop"/],
    ['spiffe://cluster.local/ns/shop/sa/-frontend', /service account "-frontend"/],
  ];
  for (const [uri, why] of refused) {
    test(`refused: ${uri}`, () => {
      const r = parseSpiffeId(uri);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, why);
    });
  }
});

describe('PEM', () => {
  test('round trip, several blocks, text around them ignored', () => {
    const a = new Uint8Array([1, 2, 3, 250]);
    const b = new Uint8Array(200).map((_, i) => i);
    const text = `subject=CN=x\n${toPem('CERTIFICATE', a)}comment\n${toPem('CERTIFICATE', b)}`;
    const blocks = parsePem(text);
    assert.deepEqual(blocks.map((x) => x.label), ['CERTIFICATE', 'CERTIFICATE']);
    assert.deepEqual(blocks[1]?.der, b);
    assert.ok(toPem('CERTIFICATE', b).split('\n').every((l) => l.length <= 64));
  });

  test('mismatched labels, bad base64 and wrong kinds are reported', () => {
    assert.throws(() => parsePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n'), /PEM block 1 \(CERTIFICATE\): ends with "END PRIVATE KEY"/);
    assert.throws(() => parsePem('-----BEGIN CERTIFICATE-----\nAA*A\n-----END CERTIFICATE-----\n'), /not valid base64/);
    assert.throws(() => pemBlocksOf(toPem('PRIVATE KEY', new Uint8Array([1])), 'CERTIFICATE'), /expected only CERTIFICATE blocks, found a PRIVATE KEY block/);
    assert.throws(() => pemBlocksOf('nothing here', 'CERTIFICATE'), /no "-----BEGIN CERTIFICATE-----" block/);
  });
});

describe('renewAt', () => {
  const cert = { notBefore: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2026-03-02T00:00:00Z') };
  const day = 24 * 3600 * 1000;

  test('lands between 50% and 2/3 of the lifetime, placed by the injected rng', () => {
    assert.equal(renewAt(cert, () => 0).getTime(), cert.notBefore.getTime() + day * RENEW_FROM);
    const top = renewAt(cert, () => 0.999999).getTime();
    assert.ok(top < cert.notBefore.getTime() + day * RENEW_TO && top > cert.notBefore.getTime() + day * 0.66);
    assert.equal(renewAt(cert, () => 0.5).toISOString(), '2026-03-01T14:00:00.000Z');
  });

  test('pure: the same rng sequence gives the same times; jitter spreads a fleet', () => {
    const seq = (seed: number) => () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const a = Array.from({ length: 50 }, ((r) => () => renewAt(cert, r).getTime())(seq(7)));
    const b = Array.from({ length: 50 }, ((r) => () => renewAt(cert, r).getTime())(seq(7)));
    assert.deepEqual(a, b);
    assert.ok(new Set(a).size > 40, 'different moments for different draws');
  });

  test('bad rng output or empty validity throws', () => {
    assert.throws(() => renewAt(cert, () => 1), /rng returned 1/);
    assert.throws(() => renewAt(cert, () => Number.NaN), /rng returned NaN/);
    assert.throws(() => renewAt({ notBefore: cert.notAfter, notAfter: cert.notBefore }, () => 0), /validity is empty/);
  });

  test('on a real certificate: about 12–16 h into a 24 h leaf', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const ca = await createCa(caConfig({ trustDomain: 'cluster.local' }), { now });
    const { csrPem } = await createWorkloadCsr('spiffe://cluster.local/ns/shop/sa/frontend');
    const issued = await issueWorkloadCert(ca, { csr: csrPem, identity: { namespace: 'shop', serviceAccount: 'frontend' }, now });
    const at = renewAt(validityOf(new X509Certificate(issued.certPem)), () => 0.25);
    const hours = (at.getTime() - now.getTime()) / 3_600_000;
    assert.ok(hours > 11.9 && hours < 16, `renews ${hours} h after issuance`);
  });
});

describe('module boundaries', () => {
  /** Every operator/ca module verify.ts loads, following relative imports. */
  async function importsOf(file: string, seen = new Set<string>()): Promise<{ files: Set<string>; packages: Set<string> }> {
    const packages = new Set<string>();
    const visit = async (f: string): Promise<void> => {
      if (seen.has(f)) return;
      seen.add(f);
      const src = await readFile(f, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? '';
        const typeOnly = /^\s*(?:import|export)\s+type\s/.test(m[0]);
        if (typeOnly) continue; // erased at run time
        if (spec.startsWith('.')) await visit(join(dirname(f), spec));
        else packages.add(spec);
      }
    };
    await visit(file);
    return { files: seen, packages };
  }

  test('verify.ts loads only node built-ins and dependency-free CA modules (the proxy imports it)', async () => {
    const { files, packages } = await importsOf(join(CA_DIR, 'verify.ts'));
    assert.ok([...packages].every((p) => p.startsWith('node:')), `verify.ts pulls in ${[...packages].join(', ')}`);
    const names = [...files].map((f) => f.slice(CA_DIR.length + 1)).sort();
    assert.ok(!names.includes('x509.ts') && !names.includes('authority.ts'), names.join(', '));
    assert.ok(names.includes('der.ts') && names.includes('spiffe.ts'), 'the scan follows imports');
  });

  test('the scan would notice the issuing library', async () => {
    const { packages } = await importsOf(join(CA_DIR, 'authority.ts'));
    assert.ok(packages.has('@peculiar/x509'));
  });
});
