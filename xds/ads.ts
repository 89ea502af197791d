// The Aggregated Discovery Service as both ends speak it: the gRPC service
// definition (loaded once with @grpc/proto-loader from the same Envoy protos
// as the codec) and the message shapes proto-loader produces with
// PROTO_LOADER_OPTIONS (snake_case fields, bytes as Buffer, no defaults: an
// unset field is absent).

import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import { PROTO_LOADER_OPTIONS } from './protos.ts';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const SOTW_METHOD = `/${ADS_SERVICE}/StreamAggregatedResources`;
export const DELTA_METHOD = `/${ADS_SERVICE}/DeltaAggregatedResources`;

/** google.protobuf.Any on the wire. */
export interface WireAny {
  type_url?: string;
  value?: Uint8Array;
}

/**
 * google.protobuf.Value as proto-loader decodes it: protobufjs bundles the
 * well-known types with camelCase field names whatever keepCase says.
 */
export interface WireValue {
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: WireStruct;
  listValue?: { values?: WireValue[] };
}
export interface WireStruct {
  fields?: Record<string, WireValue>;
}

/** envoy.config.core.v3.Node, the fields the mesh reads. */
export interface WireNode {
  id?: string;
  cluster?: string;
  metadata?: WireStruct;
  user_agent_name?: string;
}

/** google.rpc.Status: a NACK's reason. */
export interface WireStatus {
  code?: number;
  message?: string;
}

export interface DiscoveryRequest {
  version_info?: string;
  node?: WireNode;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: WireStatus;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: WireAny[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

export interface DeltaDiscoveryRequest {
  node?: WireNode;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: WireStatus;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: WireAny;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane?: { identifier: string };
}

let cached: grpc.ServiceDefinition | undefined;

/** The ADS service definition (both methods), loaded once per process. */
export function adsServiceDefinition(): grpc.ServiceDefinition {
  if (cached !== undefined) return cached;
  const packageDefinition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [...PROTO_LOADER_OPTIONS.includeDirs] });
  const service = packageDefinition[ADS_SERVICE];
  if (service === undefined || !('StreamAggregatedResources' in service)) {
    throw new Error(`${ADS_SERVICE} is missing from envoy/service/discovery/v3/ads.proto`);
  }
  cached = service as unknown as grpc.ServiceDefinition;
  return cached;
}

/** A client constructor for the ADS service. */
export function adsClientConstructor(): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(adsServiceDefinition() as grpc.ServiceDefinition<grpc.UntypedServiceImplementation>, 'AggregatedDiscoveryService');
}

/** Reads a string from a node's metadata Struct; undefined when absent or not a string. */
export function metadataString(node: WireNode | undefined, key: string): string | undefined {
  const v = node?.metadata?.fields?.[key];
  return typeof v?.stringValue === 'string' ? v.stringValue : undefined;
}

/** Builds a node metadata Struct from string values. */
export function metadataStruct(values: Readonly<Record<string, string>>): WireStruct {
  const fields: Record<string, WireValue> = {};
  for (const k of Object.keys(values)) fields[k] = { stringValue: values[k] ?? '' };
  return { fields };
}
