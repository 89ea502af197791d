// The CA survives restarts through a FileCaStore: real files in a temporary
// directory, keys 0600, and a damaged directory reported by file name.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caConfig, openCa, createCa, caMaterial, issueWorkloadCert, addRoot, activateNextRoot, retireRoot, intermediateDue,
  trustBundlePem, CaError, DAY_MS,
} from '../../operator/ca/authority.ts';
import { FileCaStore, CA_FILES } from '../../operator/ca/store.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { verifyWorkloadCert } from '../../operator/ca/verify.ts';

const T0 = new Date('2026-03-01T12:00:00Z');
const TD = 'cluster.local';
const config = caConfig({ trustDomain: TD });
const frontend = { namespace: 'shop', serviceAccount: 'frontend' };
const { csrPem } = await createWorkloadCsr(`spiffe://${TD}/ns/shop/sa/frontend`);

const base = await mkdtemp(join(tmpdir(), 'weft-ca-'));
after(() => rm(base, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(base, `ca-${n++}`);

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('FileCaStore', () => {
  test('an empty directory gets a new CA; keys are 0600, the directory 0700', async () => {
    const dir = freshDir();
    const ca = await openCa(new FileCaStore(dir), config, { now: T0 });
    assert.deepEqual((await readdir(dir)).sort(), ['ca-key.pem', 'ca.pem', 'root-key.pem', 'root.pem', 'trust-bundle.pem']);
    assert.equal(await mode(dir), 0o700);
    assert.equal(await mode(join(dir, 'root-key.pem')), 0o600);
    assert.equal(await mode(join(dir, 'ca-key.pem')), 0o600);
    assert.equal(await mode(join(dir, 'root.pem')), 0o644);
    assert.equal(await readFile(join(dir, 'root.pem'), 'utf8'), ca.root.certPem);
    assert.match(await readFile(join(dir, 'ca-key.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  });

  test('a restart keeps the CA: same root and intermediate, old leaves still verify, new leaves chain to the same root', async () => {
    const dir = freshDir();
    const first = await openCa(new FileCaStore(dir), config, { now: T0 });
    const before = await issueWorkloadCert(first, { csr: csrPem, identity: frontend, now: T0 });
    const later = new Date(T0.getTime() + DAY_MS);
    const second = await openCa(new FileCaStore(dir), config, { now: later });
    assert.equal(second.root.cert.fingerprint256, first.root.cert.fingerprint256);
    assert.equal(second.intermediate.cert.fingerprint256, first.intermediate.cert.fingerprint256);
    const afterRestart = await issueWorkloadCert(second, { csr: csrPem, identity: frontend, now: later });
    for (const leaf of [before, afterRestart]) {
      const v = verifyWorkloadCert(leaf.certPem + leaf.chainPem, trustBundlePem(second), later, { trustDomain: TD });
      assert.ok(v.ok, v.ok ? '' : v.message);
    }
  });

  test('a due intermediate is renewed under the same root and saved', async () => {
    const dir = freshDir();
    const first = await openCa(new FileCaStore(dir), config, { now: T0 });
    const old = await issueWorkloadCert(first, { csr: csrPem, identity: frontend, now: T0 });
    const day250 = new Date(T0.getTime() + 250 * DAY_MS); // past 2/3 of a 365-day intermediate
    assert.equal(intermediateDue(first, new Date(T0.getTime() + 200 * DAY_MS)), false);
    assert.equal(intermediateDue(first, day250), true);
    const second = await openCa(new FileCaStore(dir), config, { now: day250 });
    assert.equal(second.root.cert.fingerprint256, first.root.cert.fingerprint256);
    assert.notEqual(second.intermediate.cert.fingerprint256, first.intermediate.cert.fingerprint256);
    assert.equal(await readFile(join(dir, 'ca.pem'), 'utf8'), second.intermediate.certPem);
    // A leaf of the old intermediate still verifies: the bundle (roots) did not change.
    assert.ok(verifyWorkloadCert(old.certPem + old.chainPem, trustBundlePem(second), T0, { trustDomain: TD }).ok);
    const third = await openCa(new FileCaStore(dir), config, { now: day250 });
    assert.equal(third.intermediate.cert.fingerprint256, second.intermediate.cert.fingerprint256, 'not renewed again');
  });

  test('rotation state persists: next root while pending, removed once active, old root gone after retirement', async () => {
    const dir = freshDir();
    const store = new FileCaStore(dir);
    const ca = await openCa(store, config, { now: T0 });
    const added = await addRoot(ca, { now: T0 });
    await store.save(caMaterial(added));
    assert.ok((await readdir(dir)).includes('next-root-key.pem'));
    assert.equal(await mode(join(dir, 'next-root-key.pem')), 0o600);
    const reopened = await openCa(store, config, { now: T0 });
    assert.equal(reopened.nextRoot?.cert.fingerprint256, added.nextRoot?.cert.fingerprint256);
    assert.equal(reopened.trustedRoots.length, 2);

    const active = await activateNextRoot(reopened, T0);
    await store.save(caMaterial(active));
    assert.ok(!(await readdir(dir)).includes('next-root.pem'));
    const retired = retireRoot(await openCa(store, config, { now: T0 }), ca.root.cert.fingerprint256);
    await store.save(caMaterial(retired));
    const final = await openCa(store, config, { now: T0 });
    assert.deepEqual(final.trustedRoots.map((r) => r.fingerprint256), [added.nextRoot?.cert.fingerprint256]);
    assert.equal(final.root.cert.fingerprint256, added.nextRoot?.cert.fingerprint256);
  });

  test('four files prepared by hand (no trust-bundle.pem) are a complete CA', async () => {
    const made = await createCa(config, { now: T0 });
    const dir = freshDir();
    const m = caMaterial(made);
    await new FileCaStore(dir).save(m);
    await unlink(join(dir, 'trust-bundle.pem'));
    const ca = await openCa(new FileCaStore(dir), config, { now: T0 });
    assert.deepEqual(ca.trustedRoots.map((r) => r.fingerprint256), [made.root.cert.fingerprint256]);
  });

  test('a damaged directory is reported by file, not silently replaced', async () => {
    const dir = freshDir();
    const store = new FileCaStore(dir);
    const ca = await openCa(store, config, { now: T0 });
    const reject = (code: string, re: RegExp) => (e: unknown) => {
      assert.ok(e instanceof CaError, String(e));
      assert.equal(e.code, code);
      assert.match(e.message, re);
      return true;
    };

    await unlink(join(dir, 'ca-key.pem'));
    await assert.rejects(openCa(store, config, { now: T0 }), reject('store-invalid', /ca-key\.pem missing; restore it/));

    await writeFile(join(dir, 'ca-key.pem'), caMaterial(ca).root.keyPem);
    await assert.rejects(openCa(store, config, { now: T0 }), reject('store-invalid', new RegExp(`${join(dir, 'ca-key.pem').replace(/[.]/g, '\\.')}: this private key does not belong to the certificate in .*ca\\.pem`)));

    await writeFile(join(dir, 'ca-key.pem'), caMaterial(ca).intermediate.keyPem);
    const stranger = await createCa(config, { now: T0 });
    await writeFile(join(dir, 'root.pem'), stranger.root.certPem);
    await writeFile(join(dir, 'root-key.pem'), stranger.root.signer.keyPem);
    await assert.rejects(openCa(store, config, { now: T0 }), reject('store-invalid', /ca\.pem: not signed by the root in .*root\.pem/));

    await writeFile(join(dir, 'root.pem'), ca.root.certPem.slice(0, 200));
    await assert.rejects(openCa(store, config, { now: T0 }), reject('store-invalid', /root\.pem: no PEM certificate found/));
  });

  test('a supplied root that differs from the stored one is refused', async () => {
    const dir = freshDir();
    await openCa(new FileCaStore(dir), config, { now: T0 });
    const other = caMaterial(await createCa(config, { now: T0 })).root;
    await assert.rejects(openCa(new FileCaStore(dir), config, { now: T0, root: other }), /is not the root kept in .*root\.pem.*rotate to it with addRoot/);
  });

  test('file names are the documented layout', () => {
    assert.deepEqual(
      [CA_FILES.root, CA_FILES.rootKey, CA_FILES.intermediate, CA_FILES.intermediateKey],
      ['root.pem', 'root-key.pem', 'ca.pem', 'ca-key.pem'],
    );
  });
});
