// Small frozen xDS resources for snapshot tests: snapshots share groups by
// reference and require frozen inputs, as the compiler hands them over.

import type { ResourceInput } from '../../operator/xds/snapshot.ts';
import { TypeUrl } from '../../xds/types.ts';

export const ads = { ads: {}, resource_api_version: 'V3' };

/** Freezes `x` and everything in it. */
export const frozen = <T>(x: T): T => {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) frozen(v);
  }
  return x;
};

/** An EDS cluster named `name`, its endpoints under the same name. */
export const cluster = (name: string): ResourceInput => frozen({ name, typeUrl: TypeUrl.Cluster, resource: { name, type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: name }, connect_timeout: '1s' } });

/** One endpoint, 10.0.0.1:80, for cluster `name`. */
export const cla = (name: string): ResourceInput => frozen({ name, typeUrl: TypeUrl.ClusterLoadAssignment, resource: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } }] }] } });
