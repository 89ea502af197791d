// Weft's proxy in the benchmark: an Envoy v3 bootstrap per variant (a static
// listener → cluster to the origin, plus whatever the variant's features add)
// and a probe per feature that shows the feature really acts before any number
// is taken. A variant whose proxy refuses the bootstrap, or whose probe finds
// the feature inert, is reported "n/a" with that reason: as features land in
// proxy/, their rows fill in without touching this file.
//
// Features are data: FEATURES below says what each adds to which proxy, what
// the load then sends, and how to tell that it works.

import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuthorizationPolicy } from '../../operator/api/model.ts';
import { caConfig, createCa, issueWorkloadCert, trustBundlePem, type MeshCa } from '../../operator/ca/authority.ts';
import { createWorkloadCsr } from '../../operator/ca/csr.ts';
import { compileAuthz } from '../../operator/compile/authz.ts';
import { routeMatch, retryPolicy } from '../../operator/compile/routes.ts';
import type { JsonObject, JsonValue } from '../../xds/codec.ts';
import type { LoadRequest } from './measure.ts';
import type { TlsFiles } from './peers.ts';

export type Feature = 'routing' | 'metrics' | 'authz' | 'mtls';

export interface WeftVariant {
  readonly id: string;
  readonly label: string;
  readonly features: readonly Feature[];
}

/** The Weft rows of the table, in order. "all" is the configuration the issue's targets speak of. */
export const WEFT_VARIANTS: readonly WeftVariant[] = [
  { id: 'weft', label: 'weft (listener → cluster)', features: [] },
  { id: 'weft+routing', label: 'weft + routing', features: ['routing'] },
  { id: 'weft+metrics', label: 'weft + metrics', features: ['metrics'] },
  { id: 'weft+authz', label: 'weft + authz', features: ['authz'] },
  { id: 'weft+all', label: 'weft + routing, metrics, authz', features: ['routing', 'metrics', 'authz'] },
  { id: 'weft+mtls', label: 'weft → mTLS → weft', features: ['mtls'] },
  { id: 'weft+all+mtls', label: 'weft → mTLS → weft, all features', features: ['routing', 'metrics', 'authz', 'mtls'] },
];

export const TRUST_DOMAIN = 'cluster.local';
export const BENCH_NAMESPACE = 'bench';
export const CLIENT_SA = 'client';
export const SERVER_SA = 'server';

// ---- routing: a VirtualService-like table ---------------------------------------

/** The host the load addresses when routing is on; other virtual hosts are there to be skipped. */
export const ROUTED_HOST = 'users.bench.svc.cluster.local';
/** The load's path: it falls through four routes (two with regexes) before it matches. */
export const ROUTED_PATH = '/api/v2/users/42';
export const ROUTE_HEADER = 'x-weft-bench-route';

const ORIGIN_CLUSTER = 'outbound|80||origin.bench.svc.cluster.local';
const CANARY_CLUSTER = 'outbound|80|canary|origin.bench.svc.cluster.local';

/**
 * A route table in the shape the compiler gives a VirtualService: matches
 * built by the compiler's own routeMatch from VirtualService match clauses,
 * weighted clusters, retries, a timeout, header edits, a direct response.
 */
function routedConfig(): JsonObject {
  const route = (name: string, match: Parameters<typeof routeMatch>[0], action: JsonObject): JsonObject => ({ name, match: routeMatch(match), ...action });
  const toCluster = (cluster: string): JsonObject => ({ route: { cluster, timeout: '5s' } });
  const otherHosts: JsonObject[] = [];
  for (let i = 0; i < 8; i++) {
    const host = `svc${i}.bench.svc.cluster.local`;
    otherHosts.push({ name: `${host}:80`, domains: [host, `${host}:80`, `svc${i}`, `svc${i}.bench`], routes: [route('default', undefined, toCluster(ORIGIN_CLUSTER))] });
  }
  return {
    name: '80',
    virtual_hosts: [
      ...otherHosts,
      {
        name: `${ROUTED_HOST}:80`,
        domains: [ROUTED_HOST, `${ROUTED_HOST}:80`, 'users', 'users.bench'],
        routes: [
          route('admin-canary', { uri: { prefix: '/admin' }, headers: { 'x-canary': { exact: '1' } } }, toCluster(CANARY_CLUSTER)),
          route('health', { uri: { exact: '/healthz' } }, { direct_response: { status: 200, body: { inline_string: 'ok\n' } } }),
          route('static', { uri: { regex: '/static/.*\\.(css|js|png)' } }, toCluster(ORIGIN_CLUSTER)),
          route('beta-users', { headers: { 'x-user': { regex: '(alice|bob|carol)' } } }, toCluster(CANARY_CLUSTER)),
          route('users', { uri: { regex: '/api/v[0-9]+/users/[0-9]+' }, method: { exact: 'GET' } }, {
            route: {
              weighted_clusters: { clusters: [{ name: ORIGIN_CLUSTER, weight: 90 }, { name: CANARY_CLUSTER, weight: 10 }] },
              timeout: '5s',
              retry_policy: retryPolicy({ attempts: 2 }) ?? {},
            },
            response_headers_to_add: [{ header: { key: ROUTE_HEADER, value: 'users' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
            request_headers_to_remove: ['x-internal'],
          }),
          route('default', undefined, toCluster(ORIGIN_CLUSTER)),
        ],
      },
    ],
  };
}

function plainConfig(cluster: string): JsonObject {
  return { name: 'bench', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '5s' } }] }] };
}

// ---- authz: AuthorizationPolicies through the compiler ----------------------------

/**
 * A DENY and an ALLOW policy for the server workload, compiled by the mesh's
 * own compileAuthz. With mTLS, ALLOW also names the client's identity, so a
 * request passes only when the proxy saw the peer's certificate.
 */
export function benchPolicies(withPeerIdentity: boolean): AuthorizationPolicy[] {
  const meta = (name: string): AuthorizationPolicy['metadata'] => ({ name, namespace: BENCH_NAMESPACE });
  return [
    {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: meta('deny-admin'),
      spec: {
        selector: { matchLabels: { app: 'server' } },
        action: 'DENY',
        rules: [{ to: [{ operation: { paths: ['/admin', '/admin/*'] } }] }, { when: [{ key: 'request.headers[x-evil]', values: ['*'] }] }],
      },
    },
    {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: meta('allow-reads'),
      spec: {
        selector: { matchLabels: { app: 'server' } },
        action: 'ALLOW',
        rules: [
          {
            ...(withPeerIdentity ? { from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/${BENCH_NAMESPACE}/sa/${CLIENT_SA}`] } }] } : {}),
            to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/', '/api/*', '/static/*', '/healthz', '/admin/*'] } }],
          },
        ],
      },
    },
  ];
}

function authzFilters(withPeerIdentity: boolean): JsonObject[] {
  const result = compileAuthz(benchPolicies(withPeerIdentity), { namespace: BENCH_NAMESPACE, labels: { app: 'server' } }, { rootNamespace: 'weft-system', trustDomain: TRUST_DOMAIN });
  return result.httpFilters as unknown as JsonObject[];
}

// ---- bootstraps -------------------------------------------------------------------

const ROUTER: JsonObject = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

const socketAddress = (port: number): JsonObject => ({ socket_address: { address: '127.0.0.1', port_value: port } });

function staticCluster(name: string, port: number, transportSocket?: JsonObject): JsonObject {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(port) } }] }] },
    ...(transportSocket !== undefined ? { transport_socket: transportSocket } : {}),
  };
}

function hcmListener(name: string, port: number, routeConfig: JsonObject, httpFilters: readonly JsonObject[], transportSocket?: JsonObject): JsonObject {
  return {
    name,
    address: socketAddress(port),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: name,
              route_config: routeConfig,
              http_filters: [...httpFilters, ROUTER],
            },
          },
        ],
        ...(transportSocket !== undefined ? { transport_socket: transportSocket } : {}),
      },
    ],
  };
}

const spiffe = (sa: string): string => `spiffe://${TRUST_DOMAIN}/ns/${BENCH_NAMESPACE}/sa/${sa}`;

// TLS contexts as the compiler writes them: the certificate and the trust
// bundle by SDS name ("default", "ROOTCA"), which the proxy's identity agent
// fills from the mesh CA; the peer checked by its SPIFFE ID.
const sds = (name: string): JsonObject => ({ name, sds_config: { ads: {} } });

function upstreamTls(serverSpiffeId: string): JsonObject {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds('default')],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: serverSpiffeId } }] },
          validation_context_sds_secret_config: sds('ROOTCA'),
        },
      },
      sni: 'outbound_.80_._.server.bench.svc.cluster.local',
    },
  };
}

function downstreamTls(): JsonObject {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds('default')],
        combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sds('ROOTCA') },
      },
      require_client_certificate: true,
    },
  };
}

/** One proxy process of a variant. */
export interface ProxyPlan {
  /** client: the one the load talks to; server: behind it, across mTLS. */
  readonly role: 'client' | 'server';
  readonly listenPort: number;
  /** Admin listener (/stats/prometheus, /ready). */
  readonly adminPort: number;
  /** The service account of its node; with mTLS the proxy gets that identity's certificate from the mesh CA. */
  readonly serviceAccount: string;
  readonly mtls: boolean;
  readonly bootstrap: JsonObject;
}

export interface VariantPlan {
  readonly variant: WeftVariant;
  readonly proxies: readonly ProxyPlan[];
  /** What the load sends to proxies[0]. */
  readonly request: LoadRequest;
}

export interface Ports {
  readonly origin: number;
  /** Free ports for the variant's listeners and admin endpoints. */
  next(): Promise<number>;
}

/** The bootstraps of one variant. With mTLS: routing and metrics on the client's side, authz and metrics on the server's, as in a mesh. */
export async function planVariant(variant: WeftVariant, ports: Ports): Promise<VariantPlan> {
  const has = (f: Feature): boolean => variant.features.includes(f);
  const routing = has('routing');
  const authz = has('authz');
  const mtls = has('mtls');
  const request: LoadRequest = routing ? { path: ROUTED_PATH, authority: ROUTED_HOST, headers: ['x-user: dave'] } : { path: '/', authority: 'bench.local', headers: [] };
  const node = (workload: string, sa: string): JsonObject => ({
    id: `sidecar~127.0.0.1~${workload}.${BENCH_NAMESPACE}~${BENCH_NAMESPACE}.svc.cluster.local`,
    cluster: `${workload}.${BENCH_NAMESPACE}`,
    metadata: { NAMESPACE: BENCH_NAMESPACE, WORKLOAD_NAME: workload, SERVICE_ACCOUNT: sa, LABELS_APP: workload },
  });
  // Every proxy gets an admin port of its own (the default, 15000, would
  // collide between the variants running side by side); only the metrics
  // variants are scraped.
  const admin = async (): Promise<{ port: number; json: JsonObject }> => {
    const port = await ports.next();
    return { port, json: { address: socketAddress(port) } };
  };
  const bootstrap = (nodeJson: JsonObject, adminJson: JsonObject, listeners: JsonObject[], clusters: JsonObject[]): JsonObject => ({
    node: nodeJson,
    admin: adminJson,
    static_resources: { listeners, clusters },
  });
  const routeClusters = (port: number, socket?: JsonObject): JsonObject[] =>
    routing ? [staticCluster(ORIGIN_CLUSTER, port, socket), staticCluster(CANARY_CLUSTER, port, socket)] : [staticCluster(ORIGIN_CLUSTER, port, socket)];

  if (!mtls) {
    const port = await ports.next();
    const a = await admin();
    const filters = authz ? authzFilters(false) : [];
    const config = routing ? routedConfig() : plainConfig(ORIGIN_CLUSTER);
    return {
      variant,
      request,
      proxies: [{ role: 'client', listenPort: port, adminPort: a.port, serviceAccount: SERVER_SA, mtls: false, bootstrap: bootstrap(node('server', SERVER_SA), a.json, [hcmListener('bench_http', port, config, filters)], routeClusters(ports.origin)) }],
    };
  }
  const clientPort = await ports.next();
  const serverPort = await ports.next();
  const clientAdmin = await admin();
  const serverAdmin = await admin();
  // The client's clusters all lead across mTLS to the server proxy.
  const clientConfig = routing ? routedConfig() : plainConfig(ORIGIN_CLUSTER);
  const client = bootstrap(node('client', CLIENT_SA), clientAdmin.json, [hcmListener('outbound_http', clientPort, clientConfig, [])], routeClusters(serverPort, upstreamTls(spiffe(SERVER_SA))));
  const server = bootstrap(
    node('server', SERVER_SA),
    serverAdmin.json,
    [hcmListener('inbound_http', serverPort, plainConfig(ORIGIN_CLUSTER), authz ? authzFilters(true) : [], downstreamTls())],
    [staticCluster(ORIGIN_CLUSTER, ports.origin)],
  );
  return {
    variant,
    request,
    proxies: [
      { role: 'client', listenPort: clientPort, adminPort: clientAdmin.port, serviceAccount: CLIENT_SA, mtls: true, bootstrap: client },
      { role: 'server', listenPort: serverPort, adminPort: serverAdmin.port, serviceAccount: SERVER_SA, mtls: true, bootstrap: server },
    ],
  };
}

/** Writes a bootstrap as YAML (what `weft proxy --config` reads) and returns its path. */
export function writeBootstrap(dir: string, name: string, bootstrap: JsonObject): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `# ${name}: generated by test/bench/weft.ts\n${stringify(bootstrap as JsonValue)}`);
  return file;
}

/**
 * The mesh's own CA (ECDSA P-256, SPIFFE URI SANs) and, for the nginx pair,
 * certificates from it as PEM files (leaf + intermediate chains) under dir.
 * Weft's proxies get theirs from the same CA over its gRPC service.
 */
export async function issueBenchCerts(dir: string, now: Date): Promise<{ ca: MeshCa; files: TlsFiles }> {
  const ca = await createCa(caConfig({ trustDomain: TRUST_DOMAIN }), { now });
  const issue = async (sa: string): Promise<{ cert: string; key: string; spiffeId: string }> => {
    const id = spiffe(sa);
    const { keyPem, csrPem } = await createWorkloadCsr(id);
    const issued = await issueWorkloadCert(ca, { csr: csrPem, identity: { namespace: BENCH_NAMESPACE, serviceAccount: sa }, now });
    const cert = join(dir, `${sa}.pem`);
    const key = join(dir, `${sa}-key.pem`);
    writeFileSync(cert, `${issued.certPem.trimEnd()}\n${issued.chainPem.trimEnd()}\n`);
    writeFileSync(key, keyPem, { mode: 0o600 });
    return { cert, key, spiffeId: id };
  };
  const trustBundle = join(dir, 'trust-bundle.pem');
  writeFileSync(trustBundle, trustBundlePem(ca));
  return { ca, files: { trustBundle, client: await issue(CLIENT_SA), server: await issue(SERVER_SA) } };
}

// ---- probes: does the feature act? ---------------------------------------------

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** One HTTP/1.1 request on a fresh connection; rejects on a socket error or after 3 s. */
export function fetchOnce(port: number, path: string, options: { method?: string; authority?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.authority ?? 'bench.local', ...options.headers }, agent: false, timeout: 3000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from 127.0.0.1:${port}${path} within 3 s`)));
    req.on('error', reject);
    req.end();
  });
}

const describe = (r: Reply): string => `${r.status} ${JSON.stringify(r.body.slice(0, 80))}`;

/**
 * Checks that the variant's proxies carry the load's request to the origin
 * and that each feature acts. Returns undefined when all is well, otherwise
 * why the variant cannot be measured.
 */
export async function probeVariant(plan: VariantPlan, originBody: string): Promise<string | undefined> {
  const front = plan.proxies[0];
  if (front === undefined) return 'no proxy in the plan';
  const r = plan.request;
  const headers = Object.fromEntries(r.headers.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]));
  const has = (f: Feature): boolean => plan.variant.features.includes(f);
  // With mTLS the proxies ask the mesh CA for their certificates after they
  // start listening; until those arrive the hop fails fast (UF), so give them time.
  const deadline = Date.now() + (has('mtls') ? 15_000 : 0);
  let base: Reply;
  for (;;) {
    try {
      base = await fetchOnce(front.listenPort, r.path, { authority: r.authority, headers });
    } catch (e) {
      return `the load's request failed: ${(e as Error).message}`;
    }
    if (base.status === 200 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (base.status !== 200 || base.body !== originBody) return `the load's request GET ${r.path} answered ${describe(base)}, not the origin's 200`;

  if (has('routing')) {
    if (base.headers[ROUTE_HEADER] !== 'users') return `routing: the matched route's response header ${ROUTE_HEADER} is missing (got ${JSON.stringify(base.headers[ROUTE_HEADER])})`;
    const health = await fetchOnce(front.listenPort, '/healthz', { authority: ROUTED_HOST }).catch((e: Error) => e);
    if (health instanceof Error || health.status !== 200 || health.body !== 'ok\n') return `routing: the direct response for /healthz was not served (got ${health instanceof Error ? health.message : describe(health)})`;
    const unknown = await fetchOnce(front.listenPort, '/', { authority: 'nobody.example' }).catch((e: Error) => e);
    if (unknown instanceof Error || unknown.status !== 404) return `routing: a host no virtual host matches should get 404, got ${unknown instanceof Error ? unknown.message : describe(unknown)}`;
  }
  if (has('authz')) {
    const authority = has('routing') ? ROUTED_HOST : 'bench.local';
    const denied = await fetchOnce(front.listenPort, '/admin/users', { authority }).catch((e: Error) => e);
    if (denied instanceof Error || denied.status !== 403) return `authz: the DENY policy should answer 403 to GET /admin/users, got ${denied instanceof Error ? denied.message : describe(denied)}`;
    const notAllowed = await fetchOnce(front.listenPort, r.path, { method: 'DELETE', authority, headers }).catch((e: Error) => e);
    if (notAllowed instanceof Error || notAllowed.status !== 403) return `authz: the ALLOW policy admits GET and HEAD only, yet DELETE got ${notAllowed instanceof Error ? notAllowed.message : describe(notAllowed)}`;
  }
  if (has('metrics')) {
    for (const p of plan.proxies) {
      const stats = await fetchOnce(p.adminPort, '/stats/prometheus').catch((e: Error) => e);
      if (stats instanceof Error || stats.status !== 200) return `metrics: the ${p.role} proxy's /stats/prometheus answered ${stats instanceof Error ? stats.message : describe(stats)}`;
      if (!/^istio_requests_total\{/m.test(stats.body)) return `metrics: the ${p.role} proxy's /stats/prometheus has no istio_requests_total sample after a request`;
    }
  }
  if (has('mtls')) {
    const server = plan.proxies.find((p) => p.role === 'server');
    if (server === undefined) return 'mtls: no server proxy in the plan';
    const plaintext = await fetchOnce(server.listenPort, r.path, { authority: r.authority, headers }).catch((e: Error) => e);
    if (!(plaintext instanceof Error) && plaintext.status === 200) return 'mtls: the server proxy answered a plaintext request with 200; it must require TLS';
    const noCert = await tlsWithoutClientCert(server.listenPort);
    if (noCert === 'served') return 'mtls: the server proxy served a TLS client that showed no certificate; it must require one';
  }
  return undefined;
}

/** A TLS client with no certificate asks for /: 'refused' when the handshake or request fails, 'served' when it gets 200. */
function tlsWithoutClientCert(port: number): Promise<'refused' | 'served'> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'server.bench.svc.cluster.local' });
    let data = '';
    const done = (v: 'refused' | 'served'): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(3000, () => done('refused'));
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: bench.local\r\nConnection: close\r\n\r\n'));
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (/^HTTP\/1\.1 200/.test(data)) done('served');
    });
    socket.on('error', () => done('refused'));
    socket.on('close', () => done('refused'));
  });
}
