// The mesh certificate authority: a root, an intermediate under it that signs
// every workload and control-plane certificate, and the trust bundle proxies
// verify peers with. A library: the gRPC CSR service and SDS delivery wrap
// `issueWorkloadCert` and `trustBundlePem`; `weft up` calls `openCa` with a
// FileCaStore.
//
// A MeshCa is an immutable value. Operations that change the CA (rotation,
// intermediate renewal) return a new MeshCa; the caller swaps it in and saves
// `caMaterial(ca)` to its store. Time is always passed in (`now`), never read.
//
// Keys: ECDSA P-256 for everything the CA generates. A root supplied by the
// user (e.g. a cert-manager CA Secret's tls.crt/tls.key) may be ECDSA P-256 or
// P-384, or RSA of at least 2048 bits, since cert-manager defaults to RSA.
// Workload CSRs may carry ECDSA P-256/P-384 or RSA 2048–8192 keys (RSA leaves
// get keyEncipherment too); the mesh's own proxies use P-256. Anything else
// (Ed25519, P-521, DSA, RSA-PSS keys) is refused: Envoy and BoringSSL peers do
// not all accept them.
//
// Root rotation, without a moment where two proxies distrust each other:
//   1. addRoot(ca, {now}) → the new root joins the trust bundle (old + new)
//      while the old intermediate keeps signing. Save; push the bundle to
//      every proxy (SDS) and to webhook caBundles, and wait until all have it.
//   2. activateNextRoot(ca, {now}) → a new intermediate under the new root
//      signs from now on; the bundle still holds both roots, so leaves from
//      either root verify everywhere. Save; wait until every leaf signed under
//      the old root has been renewed or expired (its lifetime, 24 h by default).
//   3. retireRoot(ca, oldRootFingerprint) → the old root leaves the bundle;
//      a leaf it anchored is refused from then on. Save and push the bundle.
// The intermediate is renewed under the same root by renewIntermediate (openCa
// does it when intermediateDue says so); peers need nothing new for that.

import { createPrivateKey, createPublicKey, randomBytes, X509Certificate, type KeyObject, type webcrypto as wc } from 'node:crypto';
import { isIP } from 'node:net';
import { x509, webcrypto } from './x509.ts';
import { certFields, KEY_USAGE, OID, bytesEqual } from './der.ts';
import { parsePem, toPem, certificatesToPem } from './pem.ts';
import { spiffeUri, trustDomainProblem, identityProblem, parseSpiffeId, type SpiffeId, type WorkloadIdentity } from './spiffe.ts';
import type { CaMaterial, CaPart, CaStore, CertKeyPem } from './store.ts';
import { nameText } from './verify.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export type CaErrorCode =
  /** CaConfig values that do not fit together. */
  | 'invalid-config'
  /** The authenticated identity is not a valid namespace/service account. */
  | 'invalid-identity'
  /** Not a PKCS#10 request (bad PEM, bad DER). */
  | 'csr-malformed'
  /** The CSR's self-signature does not verify: the caller does not hold the key. */
  | 'csr-signature'
  /** The CSR's public key is of a kind or size the mesh does not accept. */
  | 'csr-key'
  /** The CSR asks for a SPIFFE ID other than the one the caller proved. */
  | 'csr-identity'
  /** The CSR asks for DNS, IP, email or other names a workload certificate never carries. */
  | 'csr-san'
  /** A request parameter is out of range (lifetime, DNS name, IP address). */
  | 'invalid-request'
  /** A supplied root certificate or key cannot serve as the mesh root. */
  | 'invalid-root'
  /** The CA's own certificates have expired: nothing can be issued. */
  | 'ca-expired'
  /** Stored material is unreadable or does not fit together. */
  | 'store-invalid'
  /** A rotation step out of order. */
  | 'rotation';

export class CaError extends Error {
  override readonly name = 'CaError';
  readonly code: CaErrorCode;
  constructor(code: CaErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

// ---------------------------------------------------------------- config

export interface CaConfig {
  /** SPIFFE trust domain, e.g. cluster.local. */
  readonly trustDomain: string;
  /** Subject O of the CA certificates. */
  readonly organization: string;
  readonly rootLifetimeMs: number;
  readonly intermediateLifetimeMs: number;
  /** Lifetime of a workload certificate when the request names none. */
  readonly workloadLifetimeMs: number;
  /** The longest lifetime a workload request may ask for. */
  readonly maxWorkloadLifetimeMs: number;
  /** Lifetime of control-plane serving certificates. */
  readonly serverLifetimeMs: number;
  /** notBefore is set this far in the past, so peers with slow clocks accept a fresh certificate. */
  readonly clockSkewMs: number;
}

export type CaConfigInput = Pick<CaConfig, 'trustDomain'> & Partial<Omit<CaConfig, 'trustDomain'>>;

export const CA_DEFAULTS: Omit<CaConfig, 'trustDomain'> = {
  organization: 'weft',
  rootLifetimeMs: 3650 * DAY_MS,
  intermediateLifetimeMs: 365 * DAY_MS,
  workloadLifetimeMs: 24 * HOUR_MS,
  maxWorkloadLifetimeMs: 7 * DAY_MS,
  serverLifetimeMs: 30 * DAY_MS,
  clockSkewMs: 5 * MINUTE_MS,
};

/** A complete CaConfig from the given values and the defaults; throws CaError('invalid-config') naming the field. */
export function caConfig(input: CaConfigInput): CaConfig {
  // Unset lifetimes default to at most their parent's, so shortening one lifetime is enough.
  const given = { ...CA_DEFAULTS, ...input };
  const intermediateLifetimeMs = input.intermediateLifetimeMs ?? Math.min(CA_DEFAULTS.intermediateLifetimeMs, given.rootLifetimeMs);
  const maxWorkloadLifetimeMs = input.maxWorkloadLifetimeMs ?? Math.min(CA_DEFAULTS.maxWorkloadLifetimeMs, intermediateLifetimeMs);
  const c: CaConfig = {
    ...given,
    intermediateLifetimeMs,
    maxWorkloadLifetimeMs,
    workloadLifetimeMs: input.workloadLifetimeMs ?? Math.min(CA_DEFAULTS.workloadLifetimeMs, maxWorkloadLifetimeMs),
    serverLifetimeMs: input.serverLifetimeMs ?? Math.min(CA_DEFAULTS.serverLifetimeMs, intermediateLifetimeMs),
  };
  const bad = (field: string, why: string): never => {
    throw new CaError('invalid-config', `CA config ${field}: ${why}`);
  };
  const td = trustDomainProblem(c.trustDomain);
  if (td !== undefined) bad('trustDomain', td);
  if (c.organization.length === 0 || c.organization.length > 64) bad('organization', 'must be 1 to 64 characters');
  for (const f of ['rootLifetimeMs', 'intermediateLifetimeMs', 'workloadLifetimeMs', 'maxWorkloadLifetimeMs', 'serverLifetimeMs'] as const) {
    if (!Number.isSafeInteger(c[f]) || c[f] < MINUTE_MS) bad(f, `must be a whole number of milliseconds, at least one minute (got ${c[f]})`);
  }
  if (!Number.isSafeInteger(c.clockSkewMs) || c.clockSkewMs < 0) bad('clockSkewMs', `must be a whole number of milliseconds ≥ 0 (got ${c.clockSkewMs})`);
  if (c.intermediateLifetimeMs > c.rootLifetimeMs) bad('intermediateLifetimeMs', 'must not exceed rootLifetimeMs');
  if (c.maxWorkloadLifetimeMs > c.intermediateLifetimeMs) bad('maxWorkloadLifetimeMs', 'must not exceed intermediateLifetimeMs');
  if (c.workloadLifetimeMs > c.maxWorkloadLifetimeMs) bad('workloadLifetimeMs', 'must not exceed maxWorkloadLifetimeMs');
  if (c.serverLifetimeMs > c.intermediateLifetimeMs) bad('serverLifetimeMs', 'must not exceed intermediateLifetimeMs');
  if (c.clockSkewMs >= c.workloadLifetimeMs) bad('clockSkewMs', 'must be shorter than workloadLifetimeMs');
  return c;
}

// ---------------------------------------------------------------- keys

type KeyKind =
  | { readonly type: 'ec'; readonly curve: 'P-256' | 'P-384' }
  | { readonly type: 'rsa'; readonly bits: number };

const CURVES: Readonly<Record<string, 'P-256' | 'P-384'>> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/** The kind of an accepted key, or why the key is not accepted. */
function keyKindOf(k: KeyObject, maxRsaBits: number): KeyKind | string {
  const details = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    return curve === undefined ? `ECDSA curve ${details.namedCurve ?? '(unknown)'} is not accepted; use P-256` : { type: 'ec', curve };
  }
  if (k.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048) return `an RSA key of ${bits} bits is too short; use P-256, or RSA of at least 2048 bits`;
    if (bits > maxRsaBits) return `an RSA key of ${bits} bits is longer than the ${maxRsaBits} accepted`;
    return { type: 'rsa', bits };
  }
  return `${k.asymmetricKeyType ?? 'unknown'} keys are not accepted; use ECDSA P-256`;
}

/** A private key ready to sign certificates. */
interface Signer {
  readonly key: wc.CryptoKey;
  readonly kind: KeyKind;
  readonly signingAlgorithm: wc.Algorithm | wc.EcdsaParams;
  readonly keyPem: string;
  /** SubjectPublicKeyInfo DER, to match the key with its certificate. */
  readonly spki: Buffer;
}

function signingAlgorithmOf(kind: KeyKind): wc.Algorithm | wc.EcdsaParams {
  if (kind.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5' };
  return { name: 'ECDSA', hash: kind.curve === 'P-384' ? 'SHA-384' : 'SHA-256' } as wc.EcdsaParams;
}

const P256: wc.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

async function generateSigner(): Promise<Signer & { readonly publicKey: wc.CryptoKey }> {
  const pair = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const keyPem = toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', pair.publicKey));
  const kind: KeyKind = { type: 'ec', curve: 'P-256' };
  return { key: pair.privateKey, publicKey: pair.publicKey, kind, signingAlgorithm: signingAlgorithmOf(kind), keyPem, spki };
}

/** Reads a private key (PKCS#8, SEC1 or PKCS#1 PEM); throws CaError(code) naming `where`. */
function importSigner(keyPem: string, where: string, code: CaErrorCode): Signer {
  let blocks;
  try {
    blocks = parsePem(keyPem);
  } catch (e) {
    throw new CaError(code, `${where}: ${(e as Error).message}`, { cause: e });
  }
  const [block, ...more] = blocks;
  if (block === undefined) throw new CaError(code, `${where}: no PEM private key found`);
  if (more.length > 0) throw new CaError(code, `${where}: holds ${blocks.length} PEM blocks; expected one private key`);
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(keyPem)) {
    throw new CaError(code, `${where}: the private key is encrypted; supply it decrypted (protect the file or Secret instead)`);
  }
  if (!['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'].includes(block.label)) {
    throw new CaError(code, `${where}: a "${block.label}" block is not a private key`);
  }
  let ko: KeyObject;
  try {
    ko = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch (e) {
    throw new CaError(code, `${where}: not a readable private key: ${(e as Error).message}`, { cause: e });
  }
  const kind = keyKindOf(ko, 8192);
  if (typeof kind === 'string') throw new CaError(code, `${where}: ${kind}`);
  const algorithm = kind.type === 'ec' ? { name: 'ECDSA', namedCurve: kind.curve } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pkcs8 = ko.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    key: ko.toCryptoKey(algorithm, false, ['sign']),
    kind,
    signingAlgorithm: signingAlgorithmOf(kind),
    keyPem: pkcs8,
    spki: createPublicKey(ko).export({ type: 'spki', format: 'der' }),
  };
}

// ---------------------------------------------------------------- CA certificates

/** A CA certificate with the key that signs under it. */
export interface CaCert {
  readonly certPem: string;
  /** node:crypto's view, for fingerprints, dates and verification. */
  readonly cert: X509Certificate;
  /** @peculiar/x509's view, for the issuer Name of what it signs. */
  readonly x509: x509.X509Certificate;
  readonly signer: Signer;
  /** Its subjectKeyIdentifier as hex, the authorityKeyIdentifier of what it signs; undefined when absent. */
  readonly keyId: string | undefined;
}

function certFromPem(certPem: string, where: string, code: CaErrorCode): { cert: X509Certificate; x: x509.X509Certificate; pem: string } {
  let blocks;
  try {
    blocks = parsePem(certPem);
  } catch (e) {
    throw new CaError(code, `${where}: ${(e as Error).message}`, { cause: e });
  }
  const [block, ...more] = blocks;
  if (block === undefined || block.label !== 'CERTIFICATE') throw new CaError(code, `${where}: no PEM certificate found`);
  if (more.length > 0) {
    throw new CaError(code, `${where}: holds ${blocks.length} PEM blocks; expected only the CA certificate (put other roots in the trust bundle)`);
  }
  try {
    return { cert: new X509Certificate(block.der), x: new x509.X509Certificate(block.der), pem: toPem('CERTIFICATE', block.der) };
  } catch (e) {
    throw new CaError(code, `${where}: not a valid X.509 certificate: ${(e as Error).message}`, { cause: e });
  }
}

function caCertFrom(pair: CertKeyPem, where: { cert: string; key: string }, code: CaErrorCode): CaCert {
  const { cert, x, pem } = certFromPem(pair.certPem, where.cert, code);
  const signer = importSigner(pair.keyPem, where.key, code);
  const certSpki = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(signer.spki)) {
    throw new CaError(code, `${where.key}: this private key does not belong to the certificate in ${where.cert}`);
  }
  const f = certFields(new Uint8Array(cert.raw));
  if (f.basicConstraints?.ca !== true) throw new CaError(code, `${where.cert}: not a CA certificate (basicConstraints cA is not set)`);
  if (f.keyUsage !== undefined && !f.keyUsage.has(KEY_USAGE.keyCertSign)) {
    throw new CaError(code, `${where.cert}: its keyUsage does not allow signing certificates (keyCertSign)`);
  }
  const keyId = f.subjectKeyId === undefined ? undefined : Buffer.from(f.subjectKeyId).toString('hex');
  return { certPem: pem, cert, x509: x, signer, keyId };
}

/** A positive 128-bit serial number as hex (first byte non-zero, so it stays 16 bytes long). */
function serialNumber(): string {
  for (;;) {
    const b = randomBytes(16);
    if (b[0] !== 0) return b.toString('hex');
  }
}

const laterOf = (a: Date, b: Date): Date => (a > b ? a : b);
const earlierOf = (a: Date, b: Date): Date => (a < b ? a : b);

async function keyIdExtensions(publicKey: wc.CryptoKey | x509.PublicKey, issuer: CaCert | undefined): Promise<{ exts: x509.Extension[]; keyId: string }> {
  const ski = await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webcrypto);
  const exts: x509.Extension[] = [ski];
  if (issuer?.keyId !== undefined) exts.push(new x509.AuthorityKeyIdentifierExtension(issuer.keyId, false));
  return { exts, keyId: ski.keyId };
}

function caName(config: CaConfig, role: 'root' | 'intermediate', keyId: string): x509.JsonName {
  // The key id in the CN tells successive roots apart in `openssl x509 -text` and in messages.
  return [{ O: [config.organization] }, { CN: [`${config.organization} ${role} CA ${keyId.slice(0, 8)}`] }];
}

async function generateRoot(config: CaConfig, now: Date): Promise<CaCert> {
  const s = await generateSigner();
  const { exts, keyId } = await keyIdExtensions(s.publicKey, undefined);
  const name = caName(config, 'root', keyId);
  const x = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: name,
      issuer: name,
      notBefore: new Date(now.getTime() - config.clockSkewMs),
      notAfter: new Date(now.getTime() + config.rootLifetimeMs),
      publicKey: s.publicKey,
      signingKey: s.key,
      signingAlgorithm: s.signingAlgorithm,
      extensions: [
        // pathLen 1: one intermediate below the root, leaves below that.
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ...exts,
      ],
    },
    webcrypto,
  );
  const certPem = x.toString('pem') + '\n';
  return { certPem, cert: new X509Certificate(certPem), x509: x, signer: s, keyId };
}

async function signIntermediate(root: CaCert, config: CaConfig, now: Date): Promise<CaCert> {
  if (root.cert.validToDate <= now) {
    throw new CaError('ca-expired', `the root CA (${nameText(root.cert.subject)}) expired at ${root.cert.validToDate.toISOString()}; rotate to a new root`);
  }
  const s = await generateSigner();
  const { exts, keyId } = await keyIdExtensions(s.publicKey, root);
  const x = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: caName(config, 'intermediate', keyId),
      issuer: root.x509.subjectName,
      notBefore: laterOf(new Date(now.getTime() - config.clockSkewMs), root.cert.validFromDate),
      notAfter: earlierOf(new Date(now.getTime() + config.intermediateLifetimeMs), root.cert.validToDate),
      publicKey: s.publicKey,
      signingKey: root.signer.key,
      signingAlgorithm: root.signer.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ...exts,
      ],
    },
    webcrypto,
  );
  const certPem = x.toString('pem') + '\n';
  return { certPem, cert: new X509Certificate(certPem), x509: x, signer: s, keyId };
}

/** Checks a user-supplied root: self-signed CA with room for an intermediate, valid now. */
function suppliedRoot(pair: CertKeyPem, now: Date, where: { cert: string; key: string }): CaCert {
  const root = caCertFrom(pair, where, 'invalid-root');
  const f = certFields(new Uint8Array(root.cert.raw));
  if (!bytesEqual(f.issuer, f.subject) || !root.cert.verify(root.cert.publicKey)) {
    throw new CaError('invalid-root', `${where.cert}: not self-signed (issued by ${nameText(root.cert.issuer)}); supply the root of that PKI`);
  }
  if (f.basicConstraints?.pathLen === 0) {
    throw new CaError('invalid-root', `${where.cert}: pathLen 0 forbids the intermediate the mesh CA signs with; issue the root with pathLen ≥ 1 or none`);
  }
  if (now < root.cert.validFromDate || now >= root.cert.validToDate) {
    throw new CaError('invalid-root', `${where.cert}: not valid now (${now.toISOString()}); it is valid from ${root.cert.validFromDate.toISOString()} to ${root.cert.validToDate.toISOString()}`);
  }
  return root;
}

// ---------------------------------------------------------------- the CA value

export interface MeshCa {
  readonly config: CaConfig;
  /** The root the signing intermediate chains to. */
  readonly root: CaCert;
  /** Signs workload and server certificates. */
  readonly intermediate: CaCert;
  /** A root added for rotation: trusted, not yet signing. */
  readonly nextRoot?: CaCert;
  /** Every root peers trust, in the order they were added; includes root and nextRoot. */
  readonly trustedRoots: readonly X509Certificate[];
}

export interface RootInfo {
  readonly fingerprint256: string;
  readonly subject: string;
  readonly notAfter: Date;
  /** signing: anchors the current intermediate; next: added, not yet signing; previous: still trusted, to be retired. */
  readonly role: 'signing' | 'next' | 'previous';
}

export interface CreateOptions {
  readonly now: Date;
  /** A root to use instead of generating one (cert-manager's tls.crt and tls.key). */
  readonly root?: CertKeyPem;
}

const SUPPLIED = { cert: 'supplied root certificate', key: 'supplied root key' };

/** A new CA: the supplied or a generated root, and a fresh intermediate under it. */
export async function createCa(config: CaConfig, options: CreateOptions): Promise<MeshCa> {
  const root = options.root === undefined ? await generateRoot(config, options.now) : suppliedRoot(options.root, options.now, SUPPLIED);
  const intermediate = await signIntermediate(root, config, options.now);
  return { config, root, intermediate, trustedRoots: [root.cert] };
}

/** A CA from stored material, checked to fit together; errors name the store location of the bad part. */
export function loadCa(material: CaMaterial, config: CaConfig, location: (part: CaPart) => string = (p) => p): MeshCa {
  const at = (cert: CaPart, key: CaPart) => ({ cert: location(cert), key: location(key) });
  const root = caCertFrom(material.root, at('root', 'rootKey'), 'store-invalid');
  const intermediate = caCertFrom(material.intermediate, at('intermediate', 'intermediateKey'), 'store-invalid');
  const nextRoot = material.nextRoot === undefined ? undefined : caCertFrom(material.nextRoot, at('nextRoot', 'nextRootKey'), 'store-invalid');
  if (!intermediate.cert.checkIssued(root.cert) || !intermediate.cert.verify(root.cert.publicKey)) {
    throw new CaError('store-invalid', `${location('intermediate')}: not signed by the root in ${location('root')}; restore the matching pair`);
  }
  let trustedRoots: X509Certificate[];
  try {
    trustedRoots = parsePem(material.trustBundlePem).map((b) => new X509Certificate(b.der));
  } catch (e) {
    throw new CaError('store-invalid', `${location('trustBundle')}: ${(e as Error).message}`, { cause: e });
  }
  for (const [c, part] of [[root, 'root'], [nextRoot, 'nextRoot']] as const) {
    if (c !== undefined && !trustedRoots.some((t) => t.raw.equals(c.cert.raw))) {
      throw new CaError('store-invalid', `${location('trustBundle')}: does not contain the root in ${location(part)}; add it back`);
    }
  }
  return { config, root, intermediate, ...(nextRoot === undefined ? {} : { nextRoot }), trustedRoots };
}

/** What a store saves for `ca`. */
export function caMaterial(ca: MeshCa): CaMaterial {
  return {
    root: { certPem: ca.root.certPem, keyPem: ca.root.signer.keyPem },
    intermediate: { certPem: ca.intermediate.certPem, keyPem: ca.intermediate.signer.keyPem },
    trustBundlePem: trustBundlePem(ca),
    ...(ca.nextRoot === undefined ? {} : { nextRoot: { certPem: ca.nextRoot.certPem, keyPem: ca.nextRoot.signer.keyPem } }),
  };
}

/**
 * The CA kept in `store`: loaded when present (its intermediate renewed and
 * saved when due), created and saved when the store is empty.
 */
export async function openCa(store: CaStore, config: CaConfig, options: CreateOptions): Promise<MeshCa> {
  let material: CaMaterial | undefined;
  try {
    material = await store.load();
  } catch (e) {
    throw new CaError('store-invalid', (e as Error).message, { cause: e });
  }
  if (material === undefined) {
    const ca = await createCa(config, options);
    await store.save(caMaterial(ca));
    return ca;
  }
  let ca = loadCa(material, config, (p) => store.location(p));
  if (options.root !== undefined) {
    const supplied = certFromPem(options.root.certPem, SUPPLIED.cert, 'invalid-root').cert;
    if (!supplied.raw.equals(ca.root.cert.raw) && !(ca.nextRoot?.cert.raw.equals(supplied.raw) ?? false)) {
      throw new CaError('invalid-root', `the supplied root (SHA-256 ${supplied.fingerprint256}) is not the root kept in ${store.location('root')} (SHA-256 ${ca.root.cert.fingerprint256}); rotate to it with addRoot, or empty the store`);
    }
  }
  if (intermediateDue(ca, options.now)) {
    ca = await renewIntermediate(ca, options.now);
    await store.save(caMaterial(ca));
  }
  return ca;
}

/** The trust bundle: every trusted root as PEM. */
export const trustBundlePem = (ca: MeshCa): string => certificatesToPem(ca.trustedRoots.map((c) => c.raw));

/** The chain a leaf is served with after the leaf itself: the intermediate. */
export const chainPem = (ca: MeshCa): string => ca.intermediate.certPem;

export function trustedRootsInfo(ca: MeshCa): RootInfo[] {
  return ca.trustedRoots.map((c) => ({
    fingerprint256: c.fingerprint256,
    subject: nameText(c.subject),
    notAfter: c.validToDate,
    role: c.raw.equals(ca.root.cert.raw) ? 'signing' : ca.nextRoot !== undefined && c.raw.equals(ca.nextRoot.cert.raw) ? 'next' : 'previous',
  }));
}

/**
 * Whether the intermediate should be replaced: past 2/3 of its lifetime, or
 * too close to its end to give a workload certificate its longest lifetime.
 */
export function intermediateDue(ca: MeshCa, now: Date): boolean {
  const from = ca.intermediate.cert.validFromDate.getTime();
  const to = ca.intermediate.cert.validToDate.getTime();
  return now.getTime() >= from + ((to - from) * 2) / 3 || to - now.getTime() < 2 * ca.config.maxWorkloadLifetimeMs;
}

/** A fresh intermediate under the current root; leaves already issued stay valid (same root). */
export async function renewIntermediate(ca: MeshCa, now: Date): Promise<MeshCa> {
  return { ...ca, intermediate: await signIntermediate(ca.root, ca.config, now) };
}

// ---------------------------------------------------------------- rotation

/** Rotation step 1: a new root (generated, or supplied) joins the trust bundle; signing is unchanged. */
export async function addRoot(ca: MeshCa, options: CreateOptions): Promise<MeshCa> {
  if (ca.nextRoot !== undefined) {
    throw new CaError('rotation', `a new root (SHA-256 ${ca.nextRoot.cert.fingerprint256}) is already added and not yet signing; activate it before adding another`);
  }
  const next = options.root === undefined ? await generateRoot(ca.config, options.now) : suppliedRoot(options.root, options.now, SUPPLIED);
  if (ca.trustedRoots.some((c) => c.raw.equals(next.cert.raw))) {
    throw new CaError('rotation', `the root (SHA-256 ${next.cert.fingerprint256}) is already trusted`);
  }
  return { ...ca, nextRoot: next, trustedRoots: [...ca.trustedRoots, next.cert] };
}

/** Rotation step 2: a new intermediate under the added root signs from now on; both roots stay trusted. */
export async function activateNextRoot(ca: MeshCa, now: Date): Promise<MeshCa> {
  const next = ca.nextRoot;
  if (next === undefined) throw new CaError('rotation', 'no new root has been added; call addRoot first and wait until every proxy trusts it');
  const intermediate = await signIntermediate(next, ca.config, now);
  return { config: ca.config, root: next, intermediate, trustedRoots: ca.trustedRoots };
}

/** Rotation step 3: the root with this SHA-256 fingerprint (as node:crypto prints it) is no longer trusted. */
export function retireRoot(ca: MeshCa, fingerprint256: string): MeshCa {
  const wanted = fingerprint256.toUpperCase();
  const found = ca.trustedRoots.find((c) => c.fingerprint256 === wanted);
  if (found === undefined) {
    const known = ca.trustedRoots.map((c) => c.fingerprint256).join(', ');
    throw new CaError('rotation', `no trusted root has SHA-256 fingerprint ${fingerprint256}; trusted: ${known}`);
  }
  if (found.raw.equals(ca.root.cert.raw)) {
    throw new CaError('rotation', `root ${fingerprint256} anchors the signing intermediate; add and activate a new root before retiring it`);
  }
  if (ca.nextRoot !== undefined && found.raw.equals(ca.nextRoot.cert.raw)) {
    throw new CaError('rotation', `root ${fingerprint256} was added for rotation and is not yet signing; it cannot be retired`);
  }
  return { ...ca, trustedRoots: ca.trustedRoots.filter((c) => c !== found) };
}

// ---------------------------------------------------------------- issuing

export interface IssuedCert {
  /** The leaf certificate. */
  readonly certPem: string;
  /** What to serve after the leaf: the intermediate. */
  readonly chainPem: string;
  /** The roots peers verify with. */
  readonly trustBundlePem: string;
  /** Hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface IssuedWorkloadCert extends IssuedCert {
  readonly spiffeId: SpiffeId;
}

export interface IssuedServerCert extends IssuedCert {
  /** The serving key, generated here (PKCS#8 PEM). */
  readonly keyPem: string;
}

export interface WorkloadCertRequest {
  /** PKCS#10, as PEM text or DER bytes. */
  readonly csr: string | Uint8Array;
  /**
   * Who the caller proved to be (a verified ServiceAccount token, or the
   * caller's own mTLS certificate): the only identity the certificate names.
   */
  readonly identity: WorkloadIdentity;
  readonly now: Date;
  /** Defaults to config.workloadLifetimeMs; at most config.maxWorkloadLifetimeMs. */
  readonly lifetimeMs?: number;
}

function parseCsr(csr: string | Uint8Array): x509.Pkcs10CertificateRequest {
  let der: Uint8Array;
  if (typeof csr === 'string') {
    let blocks;
    try {
      blocks = parsePem(csr);
    } catch (e) {
      throw new CaError('csr-malformed', `CSR: ${(e as Error).message}`, { cause: e });
    }
    const [block, ...more] = blocks;
    if (block === undefined) throw new CaError('csr-malformed', 'CSR: no "-----BEGIN CERTIFICATE REQUEST-----" block found');
    if (more.length > 0) throw new CaError('csr-malformed', `CSR: holds ${blocks.length} PEM blocks; send exactly one certificate request`);
    if (block.label !== 'CERTIFICATE REQUEST' && block.label !== 'NEW CERTIFICATE REQUEST') {
      throw new CaError('csr-malformed', `CSR: a "${block.label}" block is not a certificate request`);
    }
    der = block.der;
  } else {
    der = csr;
  }
  try {
    const parsed = new x509.Pkcs10CertificateRequest(der);
    void parsed.extensions; // parse the extension request now, so a malformed one is reported as such
    return parsed;
  } catch (e) {
    throw new CaError('csr-malformed', `CSR: not a PKCS#10 certificate request: ${(e as Error).message}`, { cause: e });
  }
}

/** Checks the CSR's names against the proven SPIFFE ID: only that URI, or no names at all. */
function checkRequestedNames(csr: x509.Pkcs10CertificateRequest, expected: string): void {
  for (const ext of csr.getExtensions(OID.subjectAltName)) {
    const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
    for (const name of san.names.items) {
      if (name.type === 'url') {
        if (name.value !== expected) {
          const parsed = parseSpiffeId(name.value);
          const what = parsed.ok ? `SPIFFE ID ${name.value}` : `URI ${name.value}`;
          throw new CaError('csr-identity', `CSR asks for ${what}, but the caller authenticated as ${expected}; a workload is issued only its own identity`);
        }
        continue;
      }
      const label = { dns: 'DNS name', ip: 'IP address', email: 'email address' }[name.type as string] ?? `${name.type} name`;
      throw new CaError('csr-san', `CSR asks for ${label} "${name.value}"; workload certificates carry only the SPIFFE ID ${expected} (use issueServerCert for DNS names)`);
    }
  }
}

/**
 * Signs a workload certificate from a CSR for the identity the caller proved.
 * The certificate names only that SPIFFE ID: the CSR's subject and other
 * extension requests are ignored, and a CSR that asks for another SPIFFE ID
 * or any DNS, IP or other name is refused. The CSR's signature must verify
 * (the caller holds the key) and its key must be of an accepted kind.
 */
export async function issueWorkloadCert(ca: MeshCa, req: WorkloadCertRequest): Promise<IssuedWorkloadCert> {
  const problem = identityProblem(req.identity);
  if (problem !== undefined) throw new CaError('invalid-identity', `authenticated identity: ${problem}`);
  const uri = spiffeUri(ca.config.trustDomain, req.identity);
  const lifetimeMs = req.lifetimeMs ?? ca.config.workloadLifetimeMs;
  if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs < MINUTE_MS || lifetimeMs > ca.config.maxWorkloadLifetimeMs) {
    throw new CaError('invalid-request', `requested lifetime ${lifetimeMs} ms is outside 1 minute to ${ca.config.maxWorkloadLifetimeMs} ms (maxWorkloadLifetimeMs)`);
  }

  const csr = parseCsr(req.csr);
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CaError('csr-key', `CSR: its public key cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const kind = keyKindOf(keyObject, 8192);
  if (typeof kind === 'string') throw new CaError('csr-key', `CSR: ${kind}`);
  let signatureOk: boolean;
  try {
    signatureOk = await csr.verify(webcrypto);
  } catch (e) {
    throw new CaError('csr-signature', `CSR: its signature cannot be checked: ${(e as Error).message}`, { cause: e });
  }
  if (!signatureOk) throw new CaError('csr-signature', 'CSR: its signature does not verify with its own public key; the request was altered or the caller does not hold the key');
  checkRequestedNames(csr, uri);

  const { notBefore, notAfter } = leafValidity(ca, req.now, lifetimeMs);
  const { exts } = await keyIdExtensions(csr.publicKey, ca.intermediate);
  const usage = x509.KeyUsageFlags.digitalSignature | (kind.type === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0);
  const serial = serialNumber();
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial,
      // Empty subject, so the SAN carries the identity and is critical (RFC 5280 4.2.1.6), as X.509-SVIDs do.
      issuer: ca.intermediate.x509.subjectName,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: ca.intermediate.signer.key,
      signingAlgorithm: ca.intermediate.signer.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(usage, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: uri }], true),
        ...exts,
      ],
    },
    webcrypto,
  );
  const parsed = parseSpiffeId(uri);
  if (!parsed.ok) throw new CaError('invalid-identity', parsed.reason); // unreachable: spiffeUri built it from checked parts
  return {
    certPem: leaf.toString('pem') + '\n',
    chainPem: chainPem(ca),
    trustBundlePem: trustBundlePem(ca),
    serialNumber: serial,
    notBefore,
    notAfter,
    spiffeId: parsed.id,
  };
}

function leafValidity(ca: MeshCa, now: Date, lifetimeMs: number): { notBefore: Date; notAfter: Date } {
  const issuer = ca.intermediate.cert;
  if (issuer.validToDate <= now) {
    throw new CaError('ca-expired', `the signing intermediate expired at ${issuer.validToDate.toISOString()} (now ${now.toISOString()}); renew it (renewIntermediate)`);
  }
  return {
    // Never before the intermediate: a chain must be valid wherever the leaf is.
    notBefore: laterOf(new Date(now.getTime() - ca.config.clockSkewMs), issuer.validFromDate),
    // Never past the intermediate; openCa renews it long before that would shorten a leaf.
    notAfter: earlierOf(new Date(now.getTime() + lifetimeMs), issuer.validToDate),
  };
}

export interface ServerCertRequest {
  /** DNS names the server answers to, e.g. weft.weft-system.svc; the first is also the subject CN. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Also name this workload identity (a URI SAN), so proxies can check the control plane's SPIFFE ID. */
  readonly identity?: WorkloadIdentity;
  readonly now: Date;
  /** Defaults to config.serverLifetimeMs. */
  readonly lifetimeMs?: number;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/**
 * A serving certificate (and a new P-256 key) for the control plane itself:
 * the admission webhook and the xDS/CA TLS port. serverAuth only, so it can
 * never pass as a workload's client identity. A separate, explicit call:
 * workload certificates never carry DNS names.
 */
export async function issueServerCert(ca: MeshCa, req: ServerCertRequest): Promise<IssuedServerCert> {
  if (req.dnsNames.length === 0 && (req.ipAddresses ?? []).length === 0) {
    throw new CaError('invalid-request', 'a server certificate needs at least one DNS name or IP address');
  }
  for (const [i, d] of req.dnsNames.entries()) {
    if (!DNS_NAME.test(d)) throw new CaError('invalid-request', `dnsNames[${i}]: "${d}" is not a lowercase DNS name (wildcards are not issued)`);
  }
  for (const [i, ip] of (req.ipAddresses ?? []).entries()) {
    if (isIP(ip) === 0) throw new CaError('invalid-request', `ipAddresses[${i}]: "${ip}" is not an IPv4 or IPv6 address`);
  }
  const lifetimeMs = req.lifetimeMs ?? ca.config.serverLifetimeMs;
  if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs < MINUTE_MS || lifetimeMs > ca.config.intermediateLifetimeMs) {
    throw new CaError('invalid-request', `requested lifetime ${lifetimeMs} ms is outside 1 minute to the intermediate's lifetime`);
  }
  if (req.identity !== undefined) {
    const problem = identityProblem(req.identity);
    if (problem !== undefined) throw new CaError('invalid-identity', `identity: ${problem}`);
  }
  const names: x509.JsonGeneralNames = [
    ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(req.identity === undefined ? [] : [{ type: 'url' as const, value: spiffeUri(ca.config.trustDomain, req.identity) }]),
  ];
  const s = await generateSigner();
  const { notBefore, notAfter } = leafValidity(ca, req.now, lifetimeMs);
  const { exts } = await keyIdExtensions(s.publicKey, ca.intermediate);
  const serial = serialNumber();
  const [first] = req.dnsNames;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial,
      ...(first === undefined ? {} : { subject: [{ O: [ca.config.organization] }, { CN: [first] }] }),
      issuer: ca.intermediate.x509.subjectName,
      notBefore,
      notAfter,
      publicKey: s.publicKey,
      signingKey: ca.intermediate.signer.key,
      signingAlgorithm: ca.intermediate.signer.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(names, first === undefined),
        ...exts,
      ],
    },
    webcrypto,
  );
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem: s.keyPem,
    chainPem: chainPem(ca),
    trustBundlePem: trustBundlePem(ca),
    serialNumber: serial,
    notBefore,
    notAfter,
  };
}

