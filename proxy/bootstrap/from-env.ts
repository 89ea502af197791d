// `weft proxy` as an injected sidecar: no bootstrap file, everything from the
// environment the injector (operator/k8s/webhook/inject.ts) gives the
// weft-proxy container.
//
//   POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, SERVICE_ACCOUNT  downward API
//   WEFT_WORKLOAD_NAME   the Pod's workload, as the operator derives it from the
//                        Pod's controller (default POD_NAME)
//   WEFT_LABELS          the Pod's labels as a JSON object of strings (optional)
//   WEFT_XDS_ADDRESS     HOST:PORT of the control plane's TLS port (15012): ADS
//                        and the CSR service
//   WEFT_XDS_SERVER_NAME the name the control plane's certificate must carry
//                        (default: HOST of WEFT_XDS_ADDRESS; set it when dialling
//                        an IP address)
//   WEFT_CA_ROOT_FILE    PEM roots that verify the control plane (ConfigMap weft-ca-root-cert)
//   WEFT_TOKEN_FILE      projected ServiceAccount token (audience weft-ca), re-read per request
//   WEFT_TRUST_DOMAIN    default cluster.local
//   WEFT_ADMIN_PORT, WEFT_HEALTH_PORT, WEFT_METRICS_PORT, WEFT_INBOUND_PORT, WEFT_OUTBOUND_PORT
//   WEFT_BIND_ADDRESS    where listeners, health and metrics bind (default: the
//                        config's address, 0.0.0.0); the admin endpoint is on
//                        127.0.0.1 unless this is set
//   WEFT_CLUSTER_DOMAIN  for the node id only (default cluster.local)
//
// `sidecarSettingsFromEnv` is pure (it reads only the object it is given);
// `startSidecar` opens files and sockets. /healthz/ready on the health port
// answers 200 once the proxy holds clusters and listeners acknowledged over
// ADS and a workload certificate; otherwise 503 with what it waits for (a CA
// refusal, for one), so the kubelet holds the application back instead of
// the proxy crashing in a loop.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createHttpServer } from '../node-http.ts';
import * as grpc from '@grpc/grpc-js';
import { identityProblem, trustDomainProblem } from '../../operator/ca/spiffe.ts';
import { TypeUrl } from '../../xds/types.ts';
import { OUTBOUND_PORT, INBOUND_PORT } from '../../operator/compile/names.ts';
import { startProxy, type ProxyHandle } from '../index.ts';
import type { TelemetryOptions } from '../telemetry/index.ts';
import type { AdsClientFactory, NodeIdentity } from '../config/sink.ts';
import { AdsClient, type ClientLogger } from '../xds/client.ts';
import { CaClient } from '../identity/client.ts';
import type { OriginalDstResolver } from '../listener/listener.ts';
import type { Bootstrap } from './bootstrap.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface SidecarSettings {
  readonly node: NodeIdentity & { readonly metadata: Readonly<Record<string, string>> };
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly xds: { readonly host: string; readonly port: number; readonly address: string; readonly serverName: string };
  readonly rootFile: string;
  readonly tokenFile: string;
  readonly trustDomain: string;
  readonly ports: { readonly admin: number; readonly health: number; readonly metrics: number; readonly inbound: number; readonly outbound: number };
  readonly bindAddress: string | undefined;
}

export type SettingsResult = { readonly ok: true; readonly settings: SidecarSettings } | { readonly ok: false; readonly errors: readonly string[] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The sidecar's settings from its environment; every problem names the variable and what to set. */
export function sidecarSettingsFromEnv(env: Env): SettingsResult {
  const errors: string[] = [];
  const need = (name: string, what: string): string => {
    const v = env[name];
    if (v === undefined || v === '') {
      errors.push(`${name} is not set: ${what}`);
      return '';
    }
    return v;
  };
  const port = (name: string): number => {
    const v = env[name];
    if (v === undefined || v === '') {
      errors.push(`${name} is not set: the port to serve on (the injector sets it)`);
      return 0;
    }
    const n = /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
    if (!(n >= 1 && n <= 65535)) errors.push(`${name}=${JSON.stringify(v)} is not a port (1 to 65535)`);
    return n;
  };

  const podName = need('POD_NAME', 'the Pod name (downward API metadata.name)');
  const namespace = need('POD_NAMESPACE', 'the Pod namespace (downward API metadata.namespace)');
  if (namespace !== '' && !DNS_LABEL.test(namespace)) errors.push(`POD_NAMESPACE=${JSON.stringify(namespace)} is not a namespace name`);
  const serviceAccount = need('SERVICE_ACCOUNT', "the Pod's ServiceAccount (downward API spec.serviceAccountName): the identity its certificate names");
  const workload = env['WEFT_WORKLOAD_NAME'] !== undefined && env['WEFT_WORKLOAD_NAME'] !== '' ? env['WEFT_WORKLOAD_NAME'] : podName;
  if (workload !== '' && (workload.length > 253 || !DNS_SUBDOMAIN.test(workload))) errors.push(`WEFT_WORKLOAD_NAME=${JSON.stringify(workload)} is not a workload name (a DNS-1123 subdomain)`);
  const trustDomain = env['WEFT_TRUST_DOMAIN'] !== undefined && env['WEFT_TRUST_DOMAIN'] !== '' ? env['WEFT_TRUST_DOMAIN'] : 'cluster.local';
  const tdProblem = trustDomainProblem(trustDomain);
  if (tdProblem !== undefined) errors.push(`WEFT_TRUST_DOMAIN: ${tdProblem}`);
  if (namespace !== '' && serviceAccount !== '') {
    const idProblem = identityProblem({ namespace, serviceAccount });
    if (idProblem !== undefined) errors.push(`POD_NAMESPACE, SERVICE_ACCOUNT: ${idProblem}`);
  }

  let labels: string | undefined;
  const rawLabels = env['WEFT_LABELS'];
  if (rawLabels !== undefined && rawLabels !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawLabels);
    } catch (e) {
      errors.push(`WEFT_LABELS is not JSON: ${(e as Error).message}`);
    }
    if (parsed !== undefined) {
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
        errors.push('WEFT_LABELS must be a JSON object of label to string value');
      } else labels = JSON.stringify(parsed);
    }
  }

  const address = need('WEFT_XDS_ADDRESS', "the control plane's HOST:PORT (ADS and the CA, e.g. weft.weft-system.svc:15012)");
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(address);
  let host = '';
  let xdsPort = 0;
  if (address !== '') {
    const p = m === null ? NaN : Number(m[2]);
    if (m === null || m[1] === undefined || !(p >= 1 && p <= 65535)) errors.push(`WEFT_XDS_ADDRESS=${JSON.stringify(address)} must be HOST:PORT`);
    else {
      host = m[1].replace(/^\[|\]$/g, '');
      xdsPort = p;
    }
  }
  const serverName = env['WEFT_XDS_SERVER_NAME'] !== undefined && env['WEFT_XDS_SERVER_NAME'] !== '' ? env['WEFT_XDS_SERVER_NAME'] : host;
  const rootFile = need('WEFT_CA_ROOT_FILE', "the mesh CA's root certificates (PEM), to verify the control plane");
  const tokenFile = need('WEFT_TOKEN_FILE', 'the projected ServiceAccount token (audience weft-ca) that proves the identity');
  const ports = {
    admin: port('WEFT_ADMIN_PORT'),
    health: port('WEFT_HEALTH_PORT'),
    metrics: port('WEFT_METRICS_PORT'),
    inbound: port('WEFT_INBOUND_PORT'),
    outbound: port('WEFT_OUTBOUND_PORT'),
  };
  const bindAddress = env['WEFT_BIND_ADDRESS'] !== undefined && env['WEFT_BIND_ADDRESS'] !== '' ? env['WEFT_BIND_ADDRESS'] : undefined;
  const clusterDomain = env['WEFT_CLUSTER_DOMAIN'] !== undefined && env['WEFT_CLUSTER_DOMAIN'] !== '' ? env['WEFT_CLUSTER_DOMAIN'] : 'cluster.local';
  if (errors.length > 0) return { ok: false, errors };

  const ip = env['POD_IP'] ?? '';
  const metadata: Record<string, string> = { NAMESPACE: namespace, WORKLOAD_NAME: workload, SERVICE_ACCOUNT: serviceAccount, POD_NAME: podName };
  if (ip !== '') metadata['INSTANCE_IPS'] = ip;
  if (env['NODE_NAME'] !== undefined && env['NODE_NAME'] !== '') metadata['NODE_NAME'] = env['NODE_NAME'];
  if (labels !== undefined) metadata['LABELS'] = labels;
  // Istio's form: unique per Pod (the name) and readable in `weft status`.
  const id = `sidecar~${ip}~${podName}.${namespace}~${namespace}.svc.${clusterDomain}`;
  return {
    ok: true,
    settings: Object.freeze({
      node: Object.freeze({ id, cluster: `${workload}.${namespace}`, metadata: Object.freeze(metadata) }),
      namespace,
      serviceAccount,
      xds: Object.freeze({ host, port: xdsPort, address, serverName }),
      rootFile,
      tokenFile,
      trustDomain,
      ports: Object.freeze(ports),
      bindAddress,
    }),
  };
}

export interface SidecarRunOptions {
  readonly originalDst?: OriginalDstResolver;
  readonly plaintextForTls?: boolean;
  readonly defaultRequestHeadersTimeoutMs?: number;
  readonly onQuit?: () => void;
  /** Access log settings (proxy/telemetry); default: metrics and tracing only. */
  readonly telemetry?: Pick<TelemetryOptions, 'accessLog' | 'accessLogFilter'>;
  readonly log: (fields: Readonly<Record<string, unknown>>) => void;
}

export interface Readiness {
  readonly ready: boolean;
  /** What the proxy still waits for, one line each (empty when ready). */
  readonly waiting: readonly string[];
  /** What it holds: the certificate (SPIFFE ID, serial, expiry) and config versions. */
  readonly holding: readonly string[];
}

export interface RunningSidecar {
  readonly handle: ProxyHandle;
  readonly healthPort: number;
  readiness(): Readiness;
  /** Stops the health endpoint (the proxy is drained by its handle). */
  closeHealth(): Promise<void>;
}

export type SidecarStart = { readonly ok: true; readonly sidecar: RunningSidecar } | { readonly ok: false; readonly error: string };

/** Starts the proxy, its ADS client (TLS), identity agent and health endpoint from settings. */
export async function startSidecar(s: SidecarSettings, o: SidecarRunOptions): Promise<SidecarStart> {
  let roots: Buffer;
  try {
    roots = readFileSync(s.rootFile);
  } catch (e) {
    return { ok: false, error: `WEFT_CA_ROOT_FILE ${s.rootFile}: ${(e as Error).message}` };
  }
  try {
    readFileSync(s.tokenFile, 'utf8');
  } catch (e) {
    return { ok: false, error: `WEFT_TOKEN_FILE ${s.tokenFile}: ${(e as Error).message}` };
  }
  // The control plane's certificate names its Service (weft.<ns>.svc); the
  // override lets a caller dial an IP address and still check that name.
  const channelOptions: grpc.ChannelOptions = s.xds.serverName === s.xds.host ? {} : { 'grpc.ssl_target_name_override': s.xds.serverName, 'grpc.default_authority': s.xds.serverName };
  const logger = (component: string): ClientLogger => ({
    info: (f, msg) => o.log({ level: 'info', component, msg, ...f }),
    warn: (f, msg) => o.log({ level: 'warn', component, msg, ...f }),
    error: (f, msg) => o.log({ level: 'error', component, msg, ...f }),
  });
  let adsClient: AdsClient | undefined;
  const ads: AdsClientFactory = (adsConfig, _node, sink) => {
    const client = new AdsClient({
      host: s.xds.host,
      port: s.xds.port,
      node: { id: s.node.id, cluster: s.node.cluster, metadata: s.node.metadata },
      sink,
      // The bootstrap below says DELTA_GRPC: VHDS, and virtual hosts on demand.
      mode: adsConfig.apiType === 'DELTA_GRPC' ? 'delta' : 'sotw',
      credentials: grpc.credentials.createSsl(roots),
      channelOptions,
      logger: logger('ads'),
    });
    adsClient = client;
    client.start();
    return { close: () => client.stop() };
  };
  const tokenFile = s.tokenFile;
  const source = new CaClient({
    target: s.xds.address,
    credentials: grpc.credentials.createSsl(roots),
    channelOptions,
    token: () => readFileSync(tokenFile, 'utf8').trim(),
  });
  const bootstrap: Bootstrap = Object.freeze({
    node: s.node,
    listeners: [],
    clusters: [],
    // Incremental, so an edit sends the virtual hosts it changed (VHDS), not whole route configurations.
    ads: Object.freeze({ apiType: 'DELTA_GRPC' as const, clusterName: 'xds-grpc', address: { host: s.xds.host, port: s.xds.port }, types: [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration] }),
    admin: undefined,
  });
  // The compiled virtual listeners carry the conventional ports; this Pod's may differ.
  const portFor = new Map<number, number>([[OUTBOUND_PORT, s.ports.outbound], [INBOUND_PORT, s.ports.inbound]]);
  const bind = s.bindAddress;
  let handle: ProxyHandle;
  try {
    handle = await startProxy({
      bootstrap,
      ads,
      identity: { trustDomain: s.trustDomain, namespace: s.namespace, serviceAccount: s.serviceAccount, source, logger: logger('identity') },
      admin: { address: bind ?? '127.0.0.1', port: s.ports.admin },
      prometheus: { address: bind ?? '0.0.0.0', port: s.ports.metrics },
      bindPort: (_name, p) => portFor.get(p) ?? p,
      ...(bind !== undefined ? { bindAddress: () => bind } : {}),
      ...(o.originalDst !== undefined ? { originalDst: o.originalDst } : {}),
      ...(o.plaintextForTls !== undefined ? { plaintextForTls: o.plaintextForTls } : {}),
      ...(o.defaultRequestHeadersTimeoutMs !== undefined ? { defaultRequestHeadersTimeoutMs: o.defaultRequestHeadersTimeoutMs } : {}),
      ...(o.onQuit !== undefined ? { onQuit: o.onQuit } : {}),
      ...(o.telemetry !== undefined ? { telemetry: o.telemetry } : {}),
      log: (e) => o.log({ level: 'warn', ...e }),
    });
  } catch (e) {
    source.close();
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const readiness = (): Readiness => sidecarReadiness(handle, adsClient);
  const health = createHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || (path !== '/healthz/ready' && path !== '/ready')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /healthz/ready\n');
      return;
    }
    const r = readiness();
    const lines = (title: string, l: readonly string[]): string => (l.length === 0 ? '' : `${title}:\n${l.map((w) => `  ${w}\n`).join('')}`);
    res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.ready ? 'ready' : 'not ready'}\n${lines('waiting for', r.waiting)}${lines('holding', r.holding)}`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      health.once('error', reject);
      health.listen(s.ports.health, bind ?? '0.0.0.0', () => resolve());
    });
  } catch (e) {
    source.close();
    await handle.close();
    return { ok: false, error: `health ${bind ?? '0.0.0.0'}:${s.ports.health}: ${(e as Error).message}` };
  }
  const addr = health.address();
  return {
    ok: true,
    sidecar: {
      handle,
      healthPort: typeof addr === 'object' && addr !== null ? addr.port : s.ports.health,
      readiness,
      closeHealth: () => {
        source.close();
        health.closeAllConnections();
        return new Promise<void>((r) => health.close(() => r()));
      },
    },
  };
}

/** Ready: clusters and listeners acknowledged over ADS, a valid workload certificate, not draining. */
export function sidecarReadiness(handle: ProxyHandle, ads: AdsClient | undefined): Readiness {
  const waiting: string[] = [];
  const holding: string[] = [];
  if (handle.core.draining) waiting.push('draining');
  const st = ads?.status();
  const acked = (t: string): boolean => st?.types.some((x) => x.typeUrl === t && x.ackedVersion !== undefined) === true;
  if (st === undefined) waiting.push('config: the ADS client has not started');
  else if (!acked(TypeUrl.Cluster) || !acked(TypeUrl.Listener)) {
    const why = st.lastError !== undefined ? `: ${st.lastError}` : '';
    const nack = st.types.find((x) => x.lastNack !== undefined)?.lastNack;
    waiting.push(`config: no clusters and listeners from ${st.server} yet (${st.state}${why}${nack !== undefined ? `; refused version ${nack.version}: ${nack.error}` : ''})`);
  } else {
    for (const t of st.types) if (t.ackedVersion !== undefined) holding.push(`config: ${t.typeUrl.replace(/^.*\./, '')} version ${t.ackedVersion} (${t.resources})`);
  }
  const id = handle.identity?.status();
  if (id === undefined) waiting.push('certificate: no identity agent');
  else if (id.state !== 'valid') {
    waiting.push(`certificate: ${id.spiffeId} ${id.state}${id.lastError !== undefined ? `: ${id.lastError}` : ''}`);
  } else {
    holding.push(`certificate: ${id.spiffeId} serial ${id.serialNumber ?? '?'} until ${id.notAfter?.toISOString() ?? '?'}`);
  }
  return { ready: waiting.length === 0, waiting, holding };
}
