// The Envoy v3 protos: loaded once from the .proto files that
// @grpc/grpc-js-xds ships, with @grpc/proto-loader's conventions (the same
// include directories, `keepCase: true` so field names stay snake_case as in
// Envoy's config_dump). The control plane's ADS service and the codec in
// codec.ts share these definitions, so what the compiler emits is checked
// against exactly the schema the proxies speak.
//
// Loading parses ~90 files (about 0.2 s); the Root is built on first use and
// cached for the life of the process.

import { createRequire } from 'node:module';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/** Where @grpc/grpc-js-xds keeps the Envoy, xDS, googleapis and validate protos. */
const depsDir = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** Include directories, in proto-loader's order of lookup. */
export const PROTO_INCLUDE_DIRS: readonly string[] = Object.freeze(
  ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(depsDir, d)),
);

/**
 * Options for @grpc/proto-loader's `loadSync` (the ADS service). `keepCase`
 * keeps Envoy's snake_case field names; longs and enums as in proto3 JSON.
 */
export const PROTO_LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
  includeDirs: [...PROTO_INCLUDE_DIRS],
});

/**
 * Every message the mesh sends or receives, by file. Adding a filter or
 * extension type to the compiler means adding its file here.
 */
export const PROTO_FILES: readonly string[] = Object.freeze([
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/on_demand/v3/on_demand.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
]);

let cached: protobuf.Root | undefined;
let loadMillis = 0;

/** The loaded, resolved Root with every file in PROTO_FILES. Built once. */
export function envoyRoot(): protobuf.Root {
  if (cached !== undefined) return cached;
  const started = performance.now();
  // udpa/xds annotations import descriptor.proto, which protobufjs does not
  // bundle by default (proto-loader registers it the same way).
  const descriptor = require('protobufjs/google/protobuf/descriptor.json') as {
    nested: { google: { nested: { protobuf: { nested: Record<string, unknown> } } } };
  };
  protobuf.common('descriptor', descriptor.nested.google.nested.protobuf.nested);
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (path.isAbsolute(target)) return target;
    for (const dir of PROTO_INCLUDE_DIRS) {
      const candidate = path.join(dir, target);
      try {
        accessSync(candidate, constants.R_OK);
        return candidate;
      } catch {
        continue;
      }
    }
    throw new Error(`${target}: not found in the Envoy proto include directories ${PROTO_INCLUDE_DIRS.join(', ')}`);
  };
  try {
    root.loadSync([...PROTO_FILES], { keepCase: true });
    root.resolveAll();
  } catch (cause) {
    throw new Error('loading the Envoy v3 protos from @grpc/grpc-js-xds failed', { cause });
  }
  cached = root;
  loadMillis = performance.now() - started;
  return root;
}

/**
 * Forgets the Root, so the garbage collector can take it (~5 MB of heap,
 * ~10 MB resident with what the parse left behind). For a process that will
 * not check or decode another resource for a long while: a proxy on a static
 * bootstrap. The next envoyRoot() parses the files again.
 */
export function releaseEnvoyRoot(): void {
  cached = undefined;
}

/** How long the one load took, in milliseconds (0 before the first load). */
export const protoLoadMillis = (): number => loadMillis;
