// The Aggregated Discovery Service as both ends speak it: the gRPC service
// definition, built from the codec's own Root (xds/protos.ts) the way
// @grpc/proto-loader builds one, and the message shapes it produces with
// PROTO_LOADER_OPTIONS (snake_case fields, bytes as Buffer, no defaults: an
// unset field is absent). Reusing the Root instead of a second proto-loader
// parse of ads.proto saves every proxy ~3 MB and 60–130 ms at start.

import protobuf from 'protobufjs';
import * as grpc from '@grpc/grpc-js';
import { envoyRoot, PROTO_LOADER_OPTIONS } from './protos.ts';

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
  /** VHDS on demand: the aliases (`<route configuration>/<authority>`) that resolve to this resource. */
  aliases?: string[];
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane?: { identifier: string };
}

/**
 * A resource as the server writes it into a delta response: `resource`
 * absent with `aliases` is on-demand VHDS's "resolved, nothing there".
 */
export interface EncodableDeltaResource {
  readonly name: string;
  readonly version: string;
  readonly resource?: WireAny;
  /** The subscribed aliases this resource answers (envoy.service.discovery.v3.Resource field 4). */
  readonly aliases?: readonly string[];
}

/**
 * A DeltaDiscoveryResponse already in its wire form (encodeDeltaResponse),
 * which the service's serializer passes through.
 */
export class EncodedDeltaResponse {
  readonly bytes: Buffer;
  readonly type_url: string;
  constructor(bytes: Buffer, typeUrl: string) {
    this.bytes = bytes;
    this.type_url = typeUrl;
  }
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
const varintLength = (n: number): number => {
  let len = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
};

/** Writes a varint at `at`; returns where it ends. */
function putVarint(buf: Buffer, at: number, n: number): number {
  while (n > 0x7f) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/** Length-delimited field `tag` (already shifted, wire type 2) holding a string. */
function putString(buf: Buffer, at: number, tag: number, s: string, len: number): number {
  buf[at++] = tag;
  at = putVarint(buf, at, len);
  return at + buf.write(s, at, 'utf8');
}

const stringField = (len: number): number => 1 + varintLength(len) + len;

/**
 * The lengths of envoy.service.discovery.v3.Resource {version = 1, resource
 * = 2 (Any {type_url = 1, value = 2}), name = 3, aliases = 4}.
 */
interface EntryLengths {
  readonly version: number;
  readonly typeUrl: number;
  readonly name: number;
  readonly aliases: readonly number[] | undefined;
  /** The Any's length; -1 when the resource is absent. */
  readonly any: number;
  readonly resource: number;
}

function entryLengths(r: EncodableDeltaResource): EntryLengths {
  const version = utf8Length(r.version);
  const name = utf8Length(r.name);
  const aliases = r.aliases !== undefined && r.aliases.length > 0 ? r.aliases.map(utf8Length) : undefined;
  let resource = (version > 0 ? stringField(version) : 0) + (name > 0 ? stringField(name) : 0);
  if (aliases !== undefined) for (const l of aliases) resource += stringField(l);
  const a = r.resource;
  if (a === undefined) return { version, typeUrl: 0, name, aliases, any: -1, resource };
  const typeUrl = utf8Length(a.type_url ?? '');
  const valueLen = a.value?.length ?? 0;
  const any = (typeUrl > 0 ? stringField(typeUrl) : 0) + (valueLen > 0 ? 1 + varintLength(valueLen) + valueLen : 0);
  resource += 1 + varintLength(any) + any;
  return { version, typeUrl, name, aliases, any, resource };
}

/**
 * A DeltaDiscoveryResponse in its wire form, written straight into one
 * buffer (the resources' encoded bytes copied in, nothing converted):
 * system_version_info = 1, resources = 2 (with their aliases), type_url = 4, nonce = 5,
 * removed_resources = 6, control_plane = 7 {identifier = 1}, in field order
 * as protobufjs writes them (empty strings left out: proto3 decoders read
 * them the same). The service's serializer passes it through, so a push to
 * a thousand streams skips protobufjs' conversion of every message.
 */
export function encodeDeltaResponse(m: { readonly system_version_info: string; readonly resources: readonly EncodableDeltaResource[]; readonly type_url: string; readonly removed_resources: readonly string[]; readonly nonce: string; readonly control_plane_identifier: string }): EncodedDeltaResponse {
  const versionLen = utf8Length(m.system_version_info);
  const typeLen = utf8Length(m.type_url);
  const nonceLen = utf8Length(m.nonce);
  const idLen = utf8Length(m.control_plane_identifier);
  const removedLens = m.removed_resources.map(utf8Length);
  const entries = m.resources.map(entryLengths);
  let total = (versionLen > 0 ? stringField(versionLen) : 0) + (typeLen > 0 ? stringField(typeLen) : 0) + (nonceLen > 0 ? stringField(nonceLen) : 0);
  for (const e of entries) total += 1 + varintLength(e.resource) + e.resource;
  for (const l of removedLens) total += stringField(l);
  const cpLen = idLen > 0 ? stringField(idLen) : 0;
  total += 1 + varintLength(cpLen) + cpLen;
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  if (versionLen > 0) at = putString(buf, at, 0x0a, m.system_version_info, versionLen);
  m.resources.forEach((r, i) => {
    const e = entries[i];
    if (e === undefined) return;
    buf[at++] = 0x12;
    at = putVarint(buf, at, e.resource);
    if (e.version > 0) at = putString(buf, at, 0x0a, r.version, e.version);
    const a = r.resource;
    if (a !== undefined) {
      buf[at++] = 0x12;
      at = putVarint(buf, at, e.any);
      if (e.typeUrl > 0) at = putString(buf, at, 0x0a, a.type_url ?? '', e.typeUrl);
      const value = a.value;
      if (value !== undefined && value.length > 0) {
        buf[at++] = 0x12;
        at = putVarint(buf, at, value.length);
        buf.set(value, at);
        at += value.length;
      }
    }
    if (e.name > 0) at = putString(buf, at, 0x1a, r.name, e.name);
    if (e.aliases !== undefined) e.aliases.forEach((l, j) => (at = putString(buf, at, 0x22, r.aliases?.[j] ?? '', l)));
  });
  if (typeLen > 0) at = putString(buf, at, 0x22, m.type_url, typeLen);
  if (nonceLen > 0) at = putString(buf, at, 0x2a, m.nonce, nonceLen);
  m.removed_resources.forEach((n, i) => {
    at = putString(buf, at, 0x32, n, removedLens[i] ?? 0);
  });
  buf[at++] = 0x3a;
  at = putVarint(buf, at, cpLen);
  if (idLen > 0) at = putString(buf, at, 0x0a, m.control_plane_identifier, idLen);
  if (at !== total) throw new Error(`DeltaDiscoveryResponse: encoded ${at} bytes, expected ${total}`);
  return new EncodedDeltaResponse(buf, m.type_url);
}

let cached: grpc.ServiceDefinition | undefined;

/** proto-loader's conversion options: what `toObject` gives each side. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: PROTO_LOADER_OPTIONS.longs, enums: PROTO_LOADER_OPTIONS.enums, defaults: PROTO_LOADER_OPTIONS.defaults, oneofs: PROTO_LOADER_OPTIONS.oneofs };

/** One method as proto-loader defines it: `fromObject` then `encode` out, `decode` then `toObject` in. */
function methodDefinition(method: protobuf.Method): grpc.MethodDefinition<object, object> {
  method.resolve();
  const req = method.resolvedRequestType;
  const res = method.resolvedResponseType;
  if (req === null || res === null) throw new Error(`${ADS_SERVICE}.${method.name}: unresolved message types`);
  const serialize = (type: protobuf.Type) => (value: object): Buffer => {
    // Already encoded by the server (encodeDeltaResponse).
    if (value instanceof EncodedDeltaResponse) return value.bytes;
    if (Array.isArray(value)) throw new Error(`${ADS_SERVICE}.${method.name}: a message must be an object, not an array`);
    const out = type.encode(type.fromObject(value)).finish();
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  };
  const deserialize = (type: protobuf.Type) => (bytes: Buffer): object => type.toObject(type.decode(bytes), TO_OBJECT);
  return {
    path: `/${ADS_SERVICE}/${method.name}`,
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
    requestSerialize: serialize(req),
    requestDeserialize: deserialize(req),
    responseSerialize: serialize(res),
    responseDeserialize: deserialize(res),
    originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
  };
}

/** The ADS service definition (both methods), built once per process. */
export function adsServiceDefinition(): grpc.ServiceDefinition {
  if (cached !== undefined) return cached;
  const service = envoyRoot().lookup(ADS_SERVICE);
  if (!(service instanceof protobuf.Service) || service.methods['StreamAggregatedResources'] === undefined || service.methods['DeltaAggregatedResources'] === undefined) {
    throw new Error(`${ADS_SERVICE} is missing from the Envoy protos (xds/protos.ts PROTO_FILES)`);
  }
  const def: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const m of service.methodsArray) def[m.name] = methodDefinition(m);
  cached = def as grpc.ServiceDefinition;
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
