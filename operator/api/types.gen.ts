// Code generated from crds/schema/*.schema.json. DO NOT EDIT.
// Regenerate with `make generate`.

/**
 * Any resource of the weft.dev/v1alpha1 API.
 */
export type WeftResource = VirtualService | AuthorizationPolicy | TrafficSplit | WorkloadEntry | RequestAuthentication;
/**
 * A duration such as 250ms, 1.5s or 1m30s (units ns, us, ms, s, m, h).
 */
export type Duration = string;

/**
 * L7 routing for one or more hosts: ordered HTTP rules with matches and weighted destinations (the HTTP subset of Istio's VirtualService).
 */
export interface VirtualService {
  apiVersion: 'weft.dev/v1alpha1';
  kind: 'VirtualService';
  metadata: ObjectMeta;
  spec: VirtualServiceSpec;
  status?: ResourceStatus;
}
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: {
    [k: string]: string;
  };
  annotations?: {
    [k: string]: string;
  };
  generation?: number;
  [k: string]: unknown;
}
export interface VirtualServiceSpec {
  /**
   * Hosts this routing applies to: Service short names, name.namespace, or FQDNs.
   *
   * @minItems 1
   * @maxItems 64
   */
  hosts: string[];
  /**
   * Only "mesh" (the sidecars) is supported.
   *
   * @maxItems 16
   */
  gateways?: string[];
  /**
   * Namespaces that see this routing: "." for this one, "*" for all (the default).
   *
   * @maxItems 64
   */
  exportTo?: string[];
  /**
   * Rules, tried in order; the first that matches wins.
   *
   * @maxItems 512
   */
  http?: HTTPRoute[];
}
export interface HTTPRoute {
  name?: string;
  /**
   * Any one match selects the rule; none means every request.
   *
   * @maxItems 64
   */
  match?: HTTPMatchRequest[];
  /**
   * @maxItems 64
   */
  route?: HTTPRouteDestination[];
  redirect?: HTTPRedirect;
  directResponse?: HTTPDirectResponse;
  rewrite?: HTTPRewrite;
  timeout?: Duration;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  mirror?: Destination;
  mirrorPercentage?: Percent;
  /**
   * @maxItems 16
   */
  mirrors?: HTTPMirrorPolicy[];
  corsPolicy?: CorsPolicy;
  headers?: Headers;
}
export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  /**
   * Header name (lower case) to match.
   */
  headers?: {
    [k: string]: StringMatch;
  };
  /**
   * Headers that must not match.
   */
  withoutHeaders?: {
    [k: string]: StringMatch;
  };
  queryParams?: {
    [k: string]: StringMatch;
  };
  port?: number;
  /**
   * Only callers whose workload has these labels.
   */
  sourceLabels?: {
    [k: string]: string;
  };
  sourceNamespace?: string;
  ignoreUriCase?: boolean;
}
/**
 * Exactly one of exact, prefix or regex (RE2 syntax). An empty object in headers matches presence.
 */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  /**
   * An RE2 regular expression matched against the whole value.
   */
  regex?: string;
}
export interface HTTPRouteDestination {
  destination: Destination;
  /**
   * Relative weight; destinations without weights share equally.
   */
  weight?: number;
  headers?: Headers;
}
export interface Destination {
  /**
   * A Service: short name (reviews), name.namespace, or FQDN (reviews.default.svc.cluster.local).
   */
  host: string;
  port?: PortSelector;
}
export interface PortSelector {
  number?: number;
}
export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}
export interface HeaderOperations {
  set?: {
    [k: string]: string;
  };
  add?: {
    [k: string]: string;
  };
  /**
   * @maxItems 64
   */
  remove?: string[];
}
export interface HTTPRedirect {
  uri?: string;
  authority?: string;
  port?: number;
  derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  scheme?: 'http' | 'https';
  redirectCode?: 301 | 302 | 303 | 307 | 308;
}
export interface HTTPDirectResponse {
  status: number;
  body?: HTTPBody;
}
export interface HTTPBody {
  string?: string;
  /**
   * Base64-encoded body.
   */
  bytes?: string;
}
export interface HTTPRewrite {
  uri?: string;
  authority?: string;
  uriRegexRewrite?: RegexRewrite;
}
export interface RegexRewrite {
  /**
   * An RE2 regular expression.
   */
  match: string;
  /**
   * Replacement; \\1 refers to the first group.
   */
  rewrite: string;
}
export interface HTTPRetry {
  /**
   * Retries allowed after the first try.
   */
  attempts?: number;
  perTryTimeout?: Duration;
  /**
   * Comma-separated conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, or status codes such as 503.
   */
  retryOn?: string;
  retryRemoteLocalities?: boolean;
}
export interface HTTPFaultInjection {
  delay?: FaultDelay;
  abort?: FaultAbort;
}
export interface FaultDelay {
  fixedDelay: Duration;
  percentage?: Percent;
}
export interface Percent {
  /**
   * A percentage from 0 to 100.
   */
  value: number;
}
export interface FaultAbort {
  httpStatus?: number;
  /**
   * A gRPC status name such as UNAVAILABLE.
   */
  grpcStatus?: string;
  percentage?: Percent;
}
export interface HTTPMirrorPolicy {
  destination: Destination;
  percentage?: Percent;
}
export interface CorsPolicy {
  /**
   * @maxItems 64
   */
  allowOrigins?: StringMatch[];
  /**
   * @maxItems 32
   */
  allowMethods?: string[];
  /**
   * @maxItems 64
   */
  allowHeaders?: string[];
  /**
   * @maxItems 64
   */
  exposeHeaders?: string[];
  maxAge?: Duration;
  allowCredentials?: boolean;
  unmatchedPreflights?: 'FORWARD' | 'IGNORE';
}
export interface ResourceStatus {
  observedGeneration?: number;
  /**
   * @maxItems 16
   */
  conditions?: Condition[];
}
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}
/**
 * Who may call which workloads (Istio's AuthorizationPolicy semantics: DENY before ALLOW, no ALLOW policy means allow).
 */
export interface AuthorizationPolicy {
  apiVersion: 'weft.dev/v1alpha1';
  kind: 'AuthorizationPolicy';
  metadata: ObjectMeta;
  spec: AuthorizationPolicySpec;
  status?: ResourceStatus;
}
export interface AuthorizationPolicySpec {
  selector?: WorkloadSelector;
  /**
   * ALLOW (default), DENY or AUDIT.
   */
  action?: 'ALLOW' | 'DENY' | 'AUDIT';
  /**
   * Any one rule matches. Absent: an ALLOW policy matches nothing (denies all).
   *
   * @maxItems 256
   */
  rules?: Rule[];
}
/**
 * Workloads in this namespace the policy applies to; absent means all of them (every namespace when in the root namespace).
 */
export interface WorkloadSelector {
  matchLabels?: {
    [k: string]: string;
  };
}
export interface Rule {
  /**
   * Any one entry matches; absent means any source.
   *
   * @maxItems 64
   */
  from?: RuleFrom[];
  /**
   * Any one entry matches; absent means any operation.
   *
   * @maxItems 64
   */
  to?: RuleTo[];
  /**
   * Every condition must match.
   *
   * @maxItems 64
   */
  when?: AuthorizationCondition[];
}
export interface RuleFrom {
  source?: Source;
}
export interface Source {
  /**
   * Peer identities from mTLS, as cluster.local/ns/NS/sa/SA; * and prefix* /*suffix allowed.
   *
   * @maxItems 256
   */
  principals?: string[];
  /**
   * Peer identities that must not match.
   *
   * @maxItems 256
   */
  notPrincipals?: string[];
  /**
   * JWT identities, as ISSUER/SUBJECT.
   *
   * @maxItems 256
   */
  requestPrincipals?: string[];
  /**
   * JWT identities that must not match.
   *
   * @maxItems 256
   */
  notRequestPrincipals?: string[];
  /**
   * Namespaces of the peer identity.
   *
   * @maxItems 256
   */
  namespaces?: string[];
  /**
   * Namespaces that must not match.
   *
   * @maxItems 256
   */
  notNamespaces?: string[];
  /**
   * Source IPs or CIDRs of the connection.
   *
   * @maxItems 256
   */
  ipBlocks?: string[];
  /**
   * Source IPs or CIDRs that must not match.
   *
   * @maxItems 256
   */
  notIpBlocks?: string[];
  /**
   * Original client IPs or CIDRs (X-Forwarded-For).
   *
   * @maxItems 256
   */
  remoteIpBlocks?: string[];
  /**
   * Original client IPs that must not match.
   *
   * @maxItems 256
   */
  notRemoteIpBlocks?: string[];
}
export interface RuleTo {
  operation?: Operation;
}
export interface Operation {
  /**
   * Host header values.
   *
   * @maxItems 256
   */
  hosts?: string[];
  /**
   * Host header values that must not match.
   *
   * @maxItems 256
   */
  notHosts?: string[];
  /**
   * Destination ports, as strings.
   *
   * @maxItems 256
   */
  ports?: string[];
  /**
   * Destination ports that must not match.
   *
   * @maxItems 256
   */
  notPorts?: string[];
  /**
   * HTTP methods.
   *
   * @maxItems 256
   */
  methods?: string[];
  /**
   * HTTP methods that must not match.
   *
   * @maxItems 256
   */
  notMethods?: string[];
  /**
   * Request paths: exact, prefix*, *suffix or *.
   *
   * @maxItems 256
   */
  paths?: string[];
  /**
   * Paths that must not match.
   *
   * @maxItems 256
   */
  notPaths?: string[];
}
export interface AuthorizationCondition {
  /**
   * An attribute such as request.headers[x-user], source.ip, request.auth.claims[groups].
   */
  key: string;
  /**
   * Any of these values matches.
   *
   * @maxItems 256
   */
  values?: string[];
  /**
   * None of these values may match.
   *
   * @maxItems 256
   */
  notValues?: string[];
}
/**
 * A weighted split of traffic for a root Service across backend Services (the SMI TrafficSplit shape).
 */
export interface TrafficSplit {
  apiVersion: 'weft.dev/v1alpha1';
  kind: 'TrafficSplit';
  metadata: ObjectMeta;
  spec: TrafficSplitSpec;
  status?: ResourceStatus;
}
export interface TrafficSplitSpec {
  /**
   * The root Service clients call: short name or FQDN.
   */
  service: string;
  /**
   * Where the root Service's traffic goes.
   *
   * @minItems 1
   * @maxItems 64
   */
  backends: TrafficSplitBackend[];
  /**
   * Optional HTTPRouteGroup references; the split applies only to matching requests.
   *
   * @maxItems 16
   */
  matches?: TrafficSplitMatch[];
}
export interface TrafficSplitBackend {
  /**
   * A backend Service in the same namespace.
   */
  service: string;
  /**
   * Relative weight.
   */
  weight: number;
}
export interface TrafficSplitMatch {
  kind: 'HTTPRouteGroup';
  name: string;
  apiGroup?: string;
}
/**
 * A workload outside Kubernetes (a VM, a bare-metal host, a process) in the mesh: Services select it by its labels like a Pod, and its address becomes one of their endpoints (Istio's WorkloadEntry shape).
 */
export interface WorkloadEntry {
  apiVersion: 'weft.dev/v1alpha1';
  kind: 'WorkloadEntry';
  metadata: ObjectMeta;
  spec: WorkloadEntrySpec;
  status?: ResourceStatus;
}
export interface WorkloadEntrySpec {
  /**
   * Where the workload is reached: an IPv4 or IPv6 address, or a DNS name (resolved by the proxies).
   */
  address: string;
  /**
   * Port name → the port the workload listens on, for the Service port of the same name (instead of its targetPort).
   */
  ports?: {
    [k: string]: number;
  };
  /**
   * The workload's labels: Services whose selector matches them include it, as they would a Pod.
   */
  labels?: {
    [k: string]: string;
  };
  /**
   * The Kubernetes service account the workload runs as, in the entry's namespace: its identity is spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>. Default: default.
   */
  serviceAccount?: string;
  /**
   * The network the address belongs to, when the mesh spans several (accepted for compatibility; Weft meshes one network).
   */
  network?: string;
  /**
   * region/zone/subzone of the workload, as a Kubernetes node's topology labels give them.
   */
  locality?: string;
  /**
   * Load-balancing weight relative to the other endpoints of the Services that select it (1 to 65535; 0 or unset means 1).
   */
  weight?: number;
}
/**
 * Which JSON Web Tokens the selected workloads accept (Istio's RequestAuthentication shape): a request with a token that does not verify for its issuer is refused (401); a request without one passes, unauthenticated, and AuthorizationPolicy decides (requestPrincipals, request.auth.* conditions).
 */
export interface RequestAuthentication {
  apiVersion: 'weft.dev/v1alpha1';
  kind: 'RequestAuthentication';
  metadata: ObjectMeta;
  spec: RequestAuthenticationSpec;
  status?: ResourceStatus;
}
export interface RequestAuthenticationSpec {
  selector?: WorkloadSelector;
  /**
   * The issuers whose tokens the workloads accept; a token from any one of them makes the request's principal (iss/sub).
   *
   * @maxItems 64
   */
  jwtRules?: JWTRule[];
}
export interface JWTRule {
  /**
   * The token's iss claim must be this; a token from another issuer is refused.
   */
  issuer: string;
  /**
   * A token must carry one of these in aud; absent: any audience.
   *
   * @maxItems 64
   */
  audiences?: string[];
  /**
   * Where the issuer publishes its public keys (https). The control plane fetches the set, refreshes it every 20 minutes and sends it to the proxies inline. Absent (and no jwks): found by OpenID Connect discovery from the issuer.
   */
  jwksUri?: string;
  /**
   * The issuer's public keys as a JSON Web Key Set document (a JSON string), instead of jwksUri.
   */
  jwks?: string;
  /**
   * Headers the token is taken from. Default (with fromParams and fromCookies absent): Authorization with the prefix "Bearer ", then the access_token parameter.
   *
   * @maxItems 16
   */
  fromHeaders?: JWTHeader[];
  /**
   * Query parameters the token is taken from.
   *
   * @maxItems 16
   */
  fromParams?: string[];
  /**
   * Cookies the token is taken from.
   *
   * @maxItems 16
   */
  fromCookies?: string[];
  /**
   * A header the verified payload is sent upstream in (base64url of its JSON).
   */
  outputPayloadToHeader?: string;
  /**
   * Claims of a verified token copied into request headers.
   *
   * @maxItems 32
   */
  outputClaimToHeaders?: ClaimToHeader[];
  /**
   * Keep the token's header on the request to the workload (default: removed after verification).
   */
  forwardOriginalToken?: boolean;
  timeout?: Duration;
}
export interface JWTHeader {
  /**
   * The header name.
   */
  name: string;
  /**
   * Text before the token in the header's value, removed (such as "Bearer ").
   */
  prefix?: string;
}
export interface ClaimToHeader {
  /**
   * The header to set.
   */
  header: string;
  /**
   * The claim to copy (a.b for a nested one); strings, numbers and booleans.
   */
  claim: string;
}
