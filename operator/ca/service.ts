// The mesh CA on the network: xds/ca.proto's CertificateService over gRPC.
// A caller sends a CSR with a bearer token; the token proves an identity
// (token.ts); the CA signs a certificate naming only that identity
// (issueWorkloadCert refuses a CSR asking for another).
//
// Order of checks, cheapest and least revealing first: a token is present →
// the CSR fits the size bound → the token authenticates → the identity is
// within its rate → the CA signs. Errors map to gRPC status codes:
//
//   no token, token refused                UNAUTHENTICATED
//   token reviewer unreachable             UNAVAILABLE (retry)
//   csr-identity, invalid-identity         PERMISSION_DENIED
//   csr-malformed, csr-signature, csr-key,
//   csr-san, invalid-request, too large    INVALID_ARGUMENT
//   over the identity's rate               RESOURCE_EXHAUSTED
//   ca-expired                             UNAVAILABLE
//   anything else                          INTERNAL (logged; details generic)
//
// The service is added to a grpc.Server (`addCaService`), so it can share the
// control plane's TLS port (15012) with ADS, or run alone (`startCaServer`).
// Serving credentials come from the CA itself (`caServingCredentials`) and can
// be replaced without a restart; clients verify them with the trust bundle,
// which they receive out of band (a file, a ConfigMap), never from this port.

import * as grpc from '@grpc/grpc-js';
import { caServiceDefinition, type CreateCertificateRequest, type CreateCertificateResponse } from '../../xds/ca.ts';
import { CaError, issueServerCert, issueWorkloadCert, type CaErrorCode, type MeshCa } from './authority.ts';
import type { Authenticator } from './token.ts';
import { MAX_TOKEN_BYTES } from './token.ts';
import type { WorkloadIdentity } from './spiffe.ts';

export interface CaServiceLogger {
  info(fields: Readonly<Record<string, unknown>>, msg: string): void;
  warn(fields: Readonly<Record<string, unknown>>, msg: string): void;
  error(fields: Readonly<Record<string, unknown>>, msg: string): void;
}

const silent: CaServiceLogger = { info() {}, warn() {}, error() {} };

/**
 * Per identity, a token bucket. Replicas of one Deployment share an identity,
 * so the default allows a fleet restarting at once (burst 200) while still
 * bounding a single stolen token's signing rate (20/s sustained).
 */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze({ burst: 200, perSecond: 20 });

/** The largest CSR accepted (an RSA-8192 CSR is ~2.5 KiB as PEM). */
export const DEFAULT_MAX_CSR_BYTES = 16 * 1024;
/** gRPC's receive limit for a server that serves only the CA. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface CaServiceOptions {
  /** The CA as it is now; read per request, so a rotation (a new MeshCa) takes effect at once. */
  readonly ca: () => MeshCa;
  readonly authenticator: Authenticator;
  /** Injected clock; default Date.now. */
  readonly now?: () => number;
  readonly rateLimit?: RateLimit;
  readonly maxCsrBytes?: number;
  readonly logger?: CaServiceLogger;
}

/** The code each CaError maps to. */
export const CA_ERROR_STATUS: Readonly<Record<CaErrorCode, grpc.status>> = Object.freeze({
  'csr-identity': grpc.status.PERMISSION_DENIED,
  'invalid-identity': grpc.status.PERMISSION_DENIED,
  'csr-malformed': grpc.status.INVALID_ARGUMENT,
  'csr-signature': grpc.status.INVALID_ARGUMENT,
  'csr-key': grpc.status.INVALID_ARGUMENT,
  'csr-san': grpc.status.INVALID_ARGUMENT,
  'invalid-request': grpc.status.INVALID_ARGUMENT,
  'ca-expired': grpc.status.UNAVAILABLE,
  'invalid-config': grpc.status.INTERNAL,
  'invalid-root': grpc.status.INTERNAL,
  'store-invalid': grpc.status.INTERNAL,
  rotation: grpc.status.INTERNAL,
});

class Refusal extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

/** The bearer token of a call; throws Refusal(UNAUTHENTICATED). */
function bearerToken(metadata: grpc.Metadata): string {
  const values = metadata.get('authorization');
  if (values.length === 0) throw new Refusal(grpc.status.UNAUTHENTICATED, 'no credentials: send "authorization: Bearer <token>" metadata (a ServiceAccount token with audience weft-ca, or the workload\'s bootstrap token)');
  if (values.length > 1) throw new Refusal(grpc.status.UNAUTHENTICATED, 'more than one authorization metadata entry');
  const [v] = values;
  const text = typeof v === 'string' ? v : (v?.toString('utf8') ?? '');
  const m = /^Bearer\s+(\S+)$/i.exec(text.trim());
  if (m === null || m[1] === undefined) throw new Refusal(grpc.status.UNAUTHENTICATED, 'the authorization metadata is not "Bearer <token>"');
  if (Buffer.byteLength(m[1]) > MAX_TOKEN_BYTES) throw new Refusal(grpc.status.UNAUTHENTICATED, `the token is longer than ${MAX_TOKEN_BYTES} bytes`);
  return m[1];
}

/** Requested lifetime in ms (undefined: the CA's default); throws Refusal(INVALID_ARGUMENT). */
function lifetimeOf(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const seconds = Number(v);
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Refusal(grpc.status.INVALID_ARGUMENT, `validity_duration: ${String(v)} is not a whole number of seconds ≥ 0`);
  return seconds === 0 ? undefined : seconds * 1000;
}

class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(limit: RateLimit) {
    if (!(limit.burst >= 1) || !(limit.perSecond > 0)) throw new RangeError(`rate limit: burst must be ≥ 1 and perSecond > 0 (got ${limit.burst}, ${limit.perSecond})`);
    this.#limit = limit;
  }
  /** Takes one token for `key`; false when none is left. */
  take(key: string, now: number): boolean {
    const { burst, perSecond } = this.#limit;
    const b = this.#buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (this.#buckets.size > 100_000) this.#sweep(now);
    this.#buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
  /** Drops buckets that have refilled: they hold nothing a new bucket would not. */
  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.#limit.perSecond >= this.#limit.burst) this.#buckets.delete(k);
    }
  }
}

const idText = (id: WorkloadIdentity): string => `${id.namespace}/${id.serviceAccount}`;

/** The CreateCertificate handler; exported for servers that assemble their own service map. */
export function caServiceImplementation(options: CaServiceOptions): grpc.UntypedServiceImplementation {
  const now = options.now ?? Date.now;
  const log = options.logger ?? silent;
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const maxCsr = options.maxCsrBytes ?? DEFAULT_MAX_CSR_BYTES;

  const handle = async (call: grpc.ServerUnaryCall<CreateCertificateRequest, CreateCertificateResponse>): Promise<CreateCertificateResponse> => {
    const token = bearerToken(call.metadata);
    const csr = call.request.csr ?? '';
    if (Buffer.byteLength(csr) > maxCsr) throw new Refusal(grpc.status.INVALID_ARGUMENT, `csr: ${Buffer.byteLength(csr)} bytes is more than the ${maxCsr} accepted`);
    const lifetimeMs = lifetimeOf(call.request.validity_duration);
    const auth = await options.authenticator.authenticate(token);
    if (!auth.ok) {
      throw new Refusal(auth.kind === 'unavailable' ? grpc.status.UNAVAILABLE : grpc.status.UNAUTHENTICATED, auth.reason);
    }
    const who = idText(auth.identity);
    if (!limiter.take(who, now())) {
      throw new Refusal(grpc.status.RESOURCE_EXHAUSTED, `identity ${who} asked for certificates too often; retry later`);
    }
    const ca = options.ca();
    const issued = await issueWorkloadCert(ca, {
      csr,
      identity: auth.identity,
      now: new Date(now()),
      ...(lifetimeMs !== undefined ? { lifetimeMs } : {}),
    });
    log.info({ identity: who, spiffeId: issued.spiffeId.uri, serial: issued.serialNumber, notAfter: issued.notAfter.toISOString(), via: auth.via, peer: call.getPeer() }, 'workload certificate issued');
    return {
      cert_chain: [issued.certPem, issued.chainPem, ca.root.certPem],
      trust_bundle: ca.trustedRoots.map((c) => c.toString()),
    };
  };

  return {
    CreateCertificate: (call: grpc.ServerUnaryCall<CreateCertificateRequest, CreateCertificateResponse>, callback: grpc.sendUnaryData<CreateCertificateResponse>) => {
      handle(call).then(
        (res) => callback(null, res),
        (e: unknown) => {
          if (e instanceof Refusal) {
            log.warn({ code: grpc.status[e.code], peer: call.getPeer(), reason: e.message }, 'certificate request refused');
            callback({ code: e.code, details: e.message });
          } else if (e instanceof CaError) {
            const code = CA_ERROR_STATUS[e.code];
            const internal = code === grpc.status.INTERNAL;
            (internal ? log.error : log.warn)({ code: grpc.status[code], caError: e.code, peer: call.getPeer(), err: e.message }, 'certificate request refused');
            callback({ code, details: internal ? 'the CA cannot sign now' : e.message });
          } else {
            log.error({ peer: call.getPeer(), err: (e as Error).message, stack: (e as Error).stack }, 'certificate request failed');
            callback({ code: grpc.status.INTERNAL, details: 'internal error in the CA' });
          }
        },
      );
    },
  };
}

/** Adds the CertificateService to a server (e.g. the control plane's 15012 server that also serves ADS). */
export function addCaService(server: grpc.Server, options: CaServiceOptions): void {
  server.addService(caServiceDefinition(), caServiceImplementation(options));
}

export interface CaServerOptions extends CaServiceOptions {
  /** Default 127.0.0.1. */
  readonly address?: string;
  /** Default 0 (ephemeral). */
  readonly port?: number;
  /** TLS from caServingCredentials; insecure only for local mode's plaintext port. */
  readonly credentials: grpc.ServerCredentials;
}

export interface RunningCaServer {
  readonly port: number;
  close(graceMs?: number): Promise<void>;
}

/** A gRPC server serving only the CertificateService. */
export async function startCaServer(options: CaServerOptions): Promise<RunningCaServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_concurrent_streams': 100,
    'grpc.keepalive_time_ms': 30_000,
  });
  addCaService(server, options);
  const address = options.address ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, options.credentials, (err, p) => (err === null ? resolve(p) : reject(new Error(`CA server: cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err }))));
  });
  return {
    port,
    close: (graceMs = 1000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

// ---------------------------------------------------------------- serving credentials

export interface ServingIdentity {
  /** DNS names clients dial, e.g. weft.weft-system.svc, localhost. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
}

export interface ServingCredentials {
  readonly credentials: grpc.ServerCredentials;
  /** The current serving certificate's notAfter, to schedule the next `refresh`. */
  readonly notAfter: () => Date;
  /** Issues a new serving certificate from `ca` (after a rotation, or before notAfter); new handshakes use it. */
  refresh(ca: MeshCa, now: Date): Promise<void>;
}

/** A certificate provider whose certificate the owner replaces. */
class SwappableProvider implements grpc.experimental.CertificateProvider {
  #identity: { certificate: Buffer; privateKey: Buffer } | null = null;
  readonly #listeners = new Set<grpc.experimental.IdentityCertificateUpdateListener>();
  set(certificate: Buffer, privateKey: Buffer): void {
    this.#identity = { certificate, privateKey };
    for (const l of this.#listeners) l(this.#identity);
  }
  addCaCertificateListener(_l: grpc.experimental.CaCertificateUpdateListener): void {}
  removeCaCertificateListener(_l: grpc.experimental.CaCertificateUpdateListener): void {}
  addIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.#listeners.add(l);
    // Delivered on the next tick: grpc-js registers its server's watcher only
    // after adding this listener, and a synchronous update would reach nobody.
    queueMicrotask(() => {
      if (this.#identity !== null && this.#listeners.has(l)) l(this.#identity);
    });
  }
  removeIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.#listeners.delete(l);
  }
}

/**
 * TLS server credentials with a serving certificate the CA issues to itself
 * (serverAuth only: it can never pass as a workload). Clients do not present
 * certificates here: the bearer token is the credential.
 */
export async function caServingCredentials(ca: MeshCa, serving: ServingIdentity, now: Date): Promise<ServingCredentials> {
  const provider = new SwappableProvider();
  let notAfter = new Date(0);
  const refresh = async (current: MeshCa, at: Date): Promise<void> => {
    const s = await issueServerCert(current, { dnsNames: serving.dnsNames, ...(serving.ipAddresses !== undefined ? { ipAddresses: serving.ipAddresses } : {}), now: at });
    notAfter = s.notAfter;
    provider.set(Buffer.from(s.certPem + s.chainPem), Buffer.from(s.keyPem));
  };
  await refresh(ca, now);
  return {
    // grpc-js passes its first two arguments to the constructor as (identity, ca), whatever their names say.
    credentials: grpc.experimental.createCertificateProviderServerCredentials(provider, null, false),
    notAfter: () => notAfter,
    refresh,
  };
}
