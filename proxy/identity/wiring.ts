// `weft proxy --ca-address … --ca-token-file …`: the identity agent's options
// from flags and the bootstrap's node metadata (NAMESPACE, SERVICE_ACCOUNT,
// as the injector and `weft up` write them). The token file is read on each
// certificate request, so a rotated projected token is picked up.

import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { identityProblem, trustDomainProblem } from '../../operator/ca/spiffe.ts';
import type { NodeIdentity } from '../config/sink.ts';
import type { AgentLogger, IdentityAgentOptions } from './agent.ts';
import { CaClient } from './client.ts';

export interface IdentityFlags {
  readonly caAddress: string;
  readonly tokenFile: string;
  /** PEM roots for the CA's serving certificate; undefined: plaintext gRPC (local mode). */
  readonly bundleFile: string | undefined;
  readonly trustDomain: string;
}

export type IdentityWiring = { readonly ok: true; readonly identity: Omit<IdentityAgentOptions, 'sink'> } | { readonly ok: false; readonly error: string };

export function identityFromFlags(flags: IdentityFlags, node: NodeIdentity, source: string, logger?: AgentLogger): IdentityWiring {
  const ns = node.metadata['NAMESPACE'];
  const sa = node.metadata['SERVICE_ACCOUNT'];
  if (typeof ns !== 'string' || ns === '') return { ok: false, error: `${source}: node.metadata.NAMESPACE: the workload's namespace is needed to request its certificate` };
  if (typeof sa !== 'string' || sa === '') return { ok: false, error: `${source}: node.metadata.SERVICE_ACCOUNT: the workload's service account is needed to request its certificate` };
  const tdProblem = trustDomainProblem(flags.trustDomain);
  if (tdProblem !== undefined) return { ok: false, error: `--trust-domain: ${tdProblem}` };
  const idProblem = identityProblem({ namespace: ns, serviceAccount: sa });
  if (idProblem !== undefined) return { ok: false, error: `${source}: node.metadata: ${idProblem}` };
  let credentials = grpc.credentials.createInsecure();
  if (flags.bundleFile !== undefined) {
    try {
      credentials = grpc.credentials.createSsl(readFileSync(flags.bundleFile));
    } catch (e) {
      return { ok: false, error: `--ca-bundle-file ${flags.bundleFile}: ${(e as Error).message}` };
    }
  }
  try {
    readFileSync(flags.tokenFile, 'utf8');
  } catch (e) {
    return { ok: false, error: `--ca-token-file ${flags.tokenFile}: ${(e as Error).message}` };
  }
  const tokenFile = flags.tokenFile;
  const client = new CaClient({ target: flags.caAddress, credentials, token: () => readFileSync(tokenFile, 'utf8').trim() });
  return { ok: true, identity: { trustDomain: flags.trustDomain, namespace: ns, serviceAccount: sa, source: client, ...(logger !== undefined ? { logger } : {}) } };
}
