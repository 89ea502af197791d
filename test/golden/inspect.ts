// Small readers for compiled resources in tests.

import type { JsonObject, JsonValue } from '../../xds/codec.ts';
import type { ProxyConfig } from '../../operator/compile/types.ts';

/** The value at a path such as `virtual_hosts[0].routes[1].route.cluster`, or undefined. */
export function at(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = value;
  for (const seg of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === null || typeof cur !== 'object' || cur === undefined) return undefined;
    cur = Array.isArray(cur) ? (cur as readonly JsonValue[])[Number(seg)] : (cur as JsonObject)[seg];
  }
  return cur;
}

export const list = (value: JsonValue | undefined): readonly JsonValue[] => (Array.isArray(value) ? value : []);

export function resource(config: ProxyConfig, group: 'listeners' | 'routes' | 'clusters' | 'endpoints', name: string): JsonObject {
  const found = config[group].find((r) => r.name === name);
  if (found === undefined) throw new Error(`${group} has no ${name}; it has ${config[group].map((r) => r.name).join(', ')}`);
  return found.resource;
}

/** The virtual host of a Service port in the route configuration of that port. */
export function vhost(config: ProxyConfig, port: number, fqdn: string): JsonObject {
  const rc = resource(config, 'routes', String(port));
  const v = list(rc['virtual_hosts']).find((h) => at(h, 'name') === `${fqdn}:${port}`);
  if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`route configuration ${port} has no virtual host ${fqdn}:${port}`);
  return v as JsonObject;
}

export const routesOf = (config: ProxyConfig, port: number, fqdn: string): readonly JsonValue[] => list(vhost(config, port, fqdn)['routes']);
