// A delta response the server writes in wire form (encodeDeltaResponse) must be what protobufjs
// would write for the same message: byte for byte when every field is set, and the same message
// when decoded (including resources with multi-byte names and values past one varint byte).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adsServiceDefinition, encodeDeltaResponse, EncodedDeltaResponse, type DeltaResource } from '../../xds/ads.ts';
import { envoyRoot } from '../../xds/protos.ts';
import { encodeResource } from '../../xds/codec.ts';
import { TypeUrl } from '../../xds/types.ts';

const Response = envoyRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
const protobufjsBytes = (m: object): Buffer => Buffer.from(Response.encode(Response.fromObject(m)).finish());
const decoded = (b: Uint8Array): unknown => Response.toObject(Response.decode(b), { longs: String, bytes: String, defaults: true });

const vhost = (name: string, routes: number): DeltaResource => {
  const value = encodeResource(TypeUrl.VirtualHost, { name, domains: [name, `${name}:80`], routes: Array.from({ length: routes }, (_, i) => ({ name: `r${i}`, match: { prefix: `/p${i}` }, route: { cluster: `outbound|80||${name}` } })) });
  return { name: `80/${name}`, version: `v-${name}`, resource: { type_url: TypeUrl.VirtualHost, value } };
};

test('a delta response in wire form is byte-identical to protobufjs when every field is set, and decodes to the same message', () => {
  const resources = [vhost('a.shop.svc.cluster.local', 1), vhost('bé.shop.svc.cluster.local', 40), vhost('c', 800)];
  assert.ok((resources[2]?.resource.value?.length ?? 0) > 16_384, `a value whose length takes three varint bytes (${resources[2]?.resource.value?.length})`);
  const message = { system_version_info: 'abc123', resources, type_url: TypeUrl.VirtualHost, removed_resources: ['80/gone', '80/ünïcode'], nonce: '42', control_plane: { identifier: 'weft' } };
  const ours = encodeDeltaResponse({ ...message, control_plane_identifier: 'weft' });
  assert.ok(ours instanceof EncodedDeltaResponse);
  assert.equal(ours.type_url, TypeUrl.VirtualHost);
  assert.deepEqual(ours.bytes, protobufjsBytes(message));
  assert.deepEqual(decoded(ours.bytes), decoded(protobufjsBytes(message)));
  // Empty strings and lists are left out; a proto3 decoder reads the same message.
  const sparse = { system_version_info: '', resources: [], type_url: TypeUrl.Cluster, removed_resources: [], nonce: '1', control_plane: { identifier: '' } };
  assert.deepEqual(decoded(encodeDeltaResponse({ ...sparse, control_plane_identifier: '' }).bytes), decoded(protobufjsBytes(sparse)));
  // The service's serializer passes it through as is; plain objects still go through protobufjs.
  const method = adsServiceDefinition()['DeltaAggregatedResources'];
  assert.ok(method !== undefined);
  assert.equal(method.responseSerialize(ours), ours.bytes);
  assert.deepEqual(method.responseSerialize(message), protobufjsBytes(message));
});

test('on-demand VHDS: a resource with aliases, and "nothing there" (aliases, no resource), are what protobufjs writes', () => {
  const Resource = envoyRoot().lookupType('envoy.service.discovery.v3.Resource');
  assert.equal(Resource.fields['aliases']?.id, 4, 'Resource.aliases is field 4');
  const one = vhost('reviews.shop.svc.cluster.local:9080', 3);
  const resources = [
    { ...one, aliases: ['80/reviews:9080', '80/reviews.shop', '80/révïews'] },
    { name: '80/nowhere.example', version: '', aliases: ['80/nowhere.example'] },
  ];
  const message = { system_version_info: 'v9', resources, type_url: TypeUrl.VirtualHost, removed_resources: ['80/allow_any'], nonce: '7', control_plane: { identifier: 'weft' } };
  const ours = encodeDeltaResponse({ ...message, control_plane_identifier: 'weft' });
  // protobufjs writes a present empty string; ours leaves it out (the same message to a proto3 decoder).
  const absentVersion = { ...message, resources: [resources[0], { name: '80/nowhere.example', aliases: ['80/nowhere.example'] }] };
  assert.deepEqual(ours.bytes, protobufjsBytes(absentVersion));
  const back = Response.toObject(Response.decode(ours.bytes), { longs: String, defaults: false }) as { resources: { name: string; version?: string; aliases?: string[]; resource?: { value: Uint8Array } }[] };
  assert.deepEqual(back.resources[0]?.aliases, ['80/reviews:9080', '80/reviews.shop', '80/révïews']);
  assert.equal(back.resources[0]?.name, '80/reviews.shop.svc.cluster.local:9080');
  assert.deepEqual(Buffer.from(back.resources[0]?.resource?.value ?? []), Buffer.from(one.resource.value ?? []));
  assert.deepEqual(back.resources[1], { name: '80/nowhere.example', aliases: ['80/nowhere.example'] }, 'no resource, no version');
});
