// The mesh CA's gRPC service (xds/ca.proto) as both ends use it: the service
// definition loaded once with @grpc/proto-loader, and the message shapes it
// produces (snake_case fields, int64 as a decimal string, unset fields absent).

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

export const CA_SERVICE = 'weft.ca.v1.CertificateService';
export const CREATE_CERTIFICATE_METHOD = `/${CA_SERVICE}/CreateCertificate`;

/** The audience a Kubernetes ServiceAccount token must carry to be accepted by the CA. */
export const CA_TOKEN_AUDIENCE = 'weft-ca';

export interface CreateCertificateRequest {
  csr?: string;
  /** Seconds; int64 arrives as a decimal string. */
  validity_duration?: string | number;
}

export interface CreateCertificateResponse {
  cert_chain: string[];
  trust_bundle: string[];
}

const PROTO_FILE = fileURLToPath(new URL('./ca.proto', import.meta.url));

let cached: grpc.ServiceDefinition | undefined;

/** The CertificateService definition, loaded once per process. */
export function caServiceDefinition(): grpc.ServiceDefinition {
  if (cached !== undefined) return cached;
  const pkg = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: String, enums: String, defaults: false, oneofs: false });
  const service = pkg[CA_SERVICE];
  if (service === undefined || !('CreateCertificate' in service)) throw new Error(`${CA_SERVICE} is missing from ${PROTO_FILE}`);
  cached = service as unknown as grpc.ServiceDefinition;
  return cached;
}

/** A client constructor for the CertificateService. */
export function caClientConstructor(): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(caServiceDefinition() as grpc.ServiceDefinition<grpc.UntypedServiceImplementation>, 'CertificateService');
}
