// Envoy RBAC for the data-plane proxy: parse the filter configs the control
// plane sends (parse.ts), evaluate them per request (engine.ts) against the
// attributes in request.ts. authn-metadata.ts is the contract with the JWT filter.

export type { RbacRequest, PeerCertificate, RequestHeaders, DynamicMetadata, MetadataStruct, MetadataValue } from './request.ts';
export { HeaderFields } from './request.ts';
export {
  RbacConfigError,
  parseRbacFilterConfig,
  parseRbacHttpFilter,
  parseRbacNetworkFilterConfig,
  parseRbacNetworkFilter,
  RBAC_HTTP_FILTER_NAME,
  RBAC_HTTP_TYPE_URL,
  RBAC_NETWORK_FILTER_NAME,
  RBAC_NETWORK_TYPE_URL,
  type RbacAction,
  type ParsedRbacFilter,
} from './parse.ts';
export {
  RbacEngine,
  RbacFilter,
  rbacFilterFromConfig,
  rbacFilterFromHttpFilter,
  rbacFilterFromNetworkFilter,
  evaluateChain,
  rbacDenialDetails,
  type RbacDecision,
  type RbacChainDecision,
  type RbacShadowResult,
} from './engine.ts';
export { ISTIO_AUTHN_FILTER, AuthnKey, authnMetadata, type JwtPayload } from './authn-metadata.ts';
