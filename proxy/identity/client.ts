// The proxy's side of xds/ca.proto: one CreateCertificate call per CSR, with
// the workload's token as `authorization: Bearer`. The token is read per call
// (a projected ServiceAccount token file is rotated by the kubelet).

import * as grpc from '@grpc/grpc-js';
import { caClientConstructor, type CreateCertificateRequest, type CreateCertificateResponse } from '../../xds/ca.ts';

export interface IssuedChain {
  /** PEM certificates: leaf, intermediates, root last. */
  readonly certChain: readonly string[];
  /** Every root the mesh trusts now, PEM each. */
  readonly trustBundle: readonly string[];
}

/** What the identity agent needs from the CA; the gRPC client is one implementation. */
export interface CertificateSource {
  createCertificate(csrPem: string, validitySeconds: number): Promise<IssuedChain>;
}

/** A refused or failed call, with the gRPC status code (grpc.status). */
export class CertificateRequestError extends Error {
  override readonly name = 'CertificateRequestError';
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export interface CaClientOptions {
  /** host:port of the CA (the control plane's 15012, or 15010 in local mode). */
  readonly target: string;
  /** TLS with the mesh trust bundle (grpc.credentials.createSsl(bundle)); insecure only for local mode's plaintext port. */
  readonly credentials: grpc.ChannelCredentials;
  /** The bearer token, read per call. */
  readonly token: () => string | Promise<string>;
  /** Per call; default 10 s. */
  readonly timeoutMs?: number;
  readonly channelOptions?: grpc.ChannelOptions;
}

type Client = grpc.Client & {
  CreateCertificate(req: CreateCertificateRequest, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: CreateCertificateResponse) => void): void;
};

export class CaClient implements CertificateSource {
  readonly #client: Client;
  readonly #o: CaClientOptions;
  constructor(options: CaClientOptions) {
    const Ctor = caClientConstructor();
    this.#client = new Ctor(options.target, options.credentials, options.channelOptions ?? {}) as unknown as Client;
    this.#o = options;
  }

  async createCertificate(csrPem: string, validitySeconds: number): Promise<IssuedChain> {
    const token = await this.#o.token();
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token.trim()}`);
    const deadline = Date.now() + (this.#o.timeoutMs ?? 10_000);
    const res = await new Promise<CreateCertificateResponse>((resolve, reject) => {
      this.#client.CreateCertificate({ csr: csrPem, validity_duration: String(validitySeconds) }, md, { deadline }, (err, r) => {
        if (err !== null) reject(new CertificateRequestError(err.code, `CA ${this.#o.target}: ${grpc.status[err.code] ?? err.code}: ${err.details}`, { cause: err }));
        else if (r === undefined) reject(new CertificateRequestError(grpc.status.INTERNAL, `CA ${this.#o.target}: empty response`));
        else resolve(r);
      });
    });
    return { certChain: res.cert_chain ?? [], trustBundle: res.trust_bundle ?? [] };
  }

  close(): void {
    this.#client.close();
  }
}
