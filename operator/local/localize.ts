// How a proxy of local mode reads the compiled config. On a cluster each Pod
// has its own network namespace: iptables sends the Pod's inbound traffic to
// the proxy's 15006 (the original port is kept by the kernel), and
// 127.0.0.1 is the Pod's own loopback, where the app listens. On one machine
// without iptables, each workload instance has its own loopback address
// (127.0.1.x) instead, and two rewrites at the proxy's config sink stand for
// what the Pod's network does:
//
// - endpoints (ClusterLoadAssignment): every endpoint's port becomes 15006,
//   the destination proxy's inbound listener on the endpoint's own address.
//   The port the workload serves is not lost: the request's authority
//   carries the Service port, and the inbound listener picks its filter chain
//   by it (or takes the only HTTP port the workload serves);
// - inbound clusters (`inbound|<port>||`, 127.0.0.1:<port>): the address
//   becomes the instance's own, where its app listens.
//
// The control plane sends exactly what `weft compile` prints (what ACKs and
// status refer to); only the proxy's reading of addresses differs.

import type { ConfigSink, OnDemandHosts, SinkResource } from '../../proxy/config/sink.ts';

/** A sink that may take the ADS client's alias map (on-demand virtual hosts), as the proxy does. */
export type OnDemandSink = ConfigSink & { attachOnDemand?(hosts: OnDemandHosts): void };
import { TypeUrl } from '../../xds/types.ts';
import { INBOUND_PORT } from '../compile/names.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Maps every socket_address inside lb_endpoints of a load assignment. */
function mapEndpoints(assignment: unknown, f: (sa: Obj) => Obj): unknown {
  if (!isObj(assignment) || !Array.isArray(assignment['endpoints'])) return assignment;
  return {
    ...assignment,
    endpoints: assignment['endpoints'].map((locality: unknown) => {
      if (!isObj(locality) || !Array.isArray(locality['lb_endpoints'])) return locality;
      return {
        ...locality,
        lb_endpoints: locality['lb_endpoints'].map((lb: unknown) => {
          if (!isObj(lb) || !isObj(lb['endpoint']) || !isObj(lb['endpoint']['address']) || !isObj(lb['endpoint']['address']['socket_address'])) return lb;
          const endpoint = lb['endpoint'];
          const address = endpoint['address'] as Obj;
          return { ...lb, endpoint: { ...endpoint, address: { ...address, socket_address: f(address['socket_address'] as Obj) } } };
        }),
      };
    }),
  };
}

/** An endpoint is the destination's proxy inbound (its address, port 15006). */
export function localizeEndpoints(cla: unknown, inboundPort = INBOUND_PORT): unknown {
  return mapEndpoints(cla, (sa) => ({ ...sa, port_value: inboundPort }));
}

/** An inbound cluster reaches the app on the instance's own address instead of 127.0.0.1. */
export function localizeInboundCluster(cluster: unknown, address: string): unknown {
  if (!isObj(cluster) || typeof cluster['name'] !== 'string' || !cluster['name'].startsWith('inbound|')) return cluster;
  return { ...cluster, load_assignment: mapEndpoints(cluster['load_assignment'], (sa) => (sa['address'] === '127.0.0.1' ? { ...sa, address } : sa)) };
}

/** A config sink that reads resources the local way before handing them to the proxy. */
export function localizingSink(inner: OnDemandSink, address: string): OnDemandSink {
  const map = (typeUrl: string, r: SinkResource): SinkResource => {
    if (typeUrl === TypeUrl.ClusterLoadAssignment) return { name: r.name, resource: localizeEndpoints(r.resource) };
    if (typeUrl === TypeUrl.Cluster) return { name: r.name, resource: localizeInboundCluster(r.resource, address) };
    return r;
  };
  return {
    apply: (typeUrl, resources, removed) => inner.apply(typeUrl, resources.map((r) => map(typeUrl, r)), removed),
    // The ADS client hands the proxy its alias map through the sink: without it, on-demand route configurations answer 503.
    attachOnDemand: (hosts) => inner.attachOnDemand?.(hosts),
  };
}
