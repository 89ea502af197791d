// The admin endpoint (Envoy's, port 15000 by convention): readiness, the
// applied configuration, cluster membership with health and ejections, and
// the controls to drain or stop the proxy. Not on the hot path: node:http.

import type { Server } from 'node:http';
import { createHttpServer } from '../node-http.ts';
import { TypeUrl } from '../../xds/types.ts';
import type { ProxyCore, TypeState } from '../proxy.ts';
import type { NodeIdentity } from '../config/sink.ts';
import type { Telemetry } from '../telemetry/index.ts';

export interface AdminControls {
  readonly core: ProxyCore;
  readonly node: NodeIdentity;
  /** Whether the proxy has its initial config and listeners (for /ready). */
  ready(): boolean;
  /** /quitquitquit: stop the proxy (the command exits the process). */
  quit(): void;
  /** /drain_listeners: stop accepting, let connections finish. */
  drain(): void;
  /** /stats and /stats/prometheus (absent: 404). */
  readonly telemetry?: Telemetry;
}

export function configDump(core: ProxyCore, node: NodeIdentity): unknown {
  const dyn = <T>(s: TypeState<T>, key: string, isStatic: boolean): unknown[] =>
    [...s.entries.entries()]
      .filter(([, e]) => e.isStatic === isStatic)
      .map(([name, e]) => ({ name, version_info: String(s.version), last_updated: s.lastUpdated, [key]: e.raw }));
  const listenerErrors = [...core.listeners.values()].filter((l) => l.error !== undefined).map((l) => ({ name: l.name, error: l.error }));
  return {
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: { node: { id: node.id, cluster: node.cluster } } },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: String(core.clustersState.version),
        static_clusters: dyn(core.clustersState, 'cluster', true),
        dynamic_active_clusters: dyn(core.clustersState, 'cluster', false),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        version_info: String(core.listenersState.version),
        static_listeners: dyn(core.listenersState, 'listener', true),
        dynamic_listeners: dyn(core.listenersState, 'listener', false),
        errors: listenerErrors,
      },
      { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamic_route_configs: dyn(core.routesState, 'route_config', false) },
      { '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump', dynamic_endpoint_configs: dyn(core.endpointsState, 'endpoint_config', false) },
    ],
    last_rejection: core.lastError ?? null,
    type_urls: [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration],
  };
}

export function clustersJson(core: ProxyCore): unknown {
  const now = core.now();
  return {
    cluster_statuses: [...core.clusters.values()].map((c) => ({
      name: c.name,
      type: c.config.type,
      lb_policy: c.config.lbPolicy,
      active_requests: c.activeRequests,
      pending_requests: c.pending,
      connections: c.connections,
      active_retries: c.activeRetries,
      overflows: c.overflows,
      ejections_total: c.ejectionsTotal,
      host_statuses: c.endpoints.map((e) => ({
        address: { socket_address: { address: e.address, port_value: e.port } },
        health_status: {
          eds_health_status: e.config.health === 'healthy' ? 'HEALTHY' : e.config.health === 'degraded' ? 'DEGRADED' : 'UNHEALTHY',
          failed_outlier_check: e.ejected,
        },
        ejected_for_ms: e.ejected ? Math.max(0, e.ejectedUntil - now) : 0,
        ejections: e.ejections,
        active_requests: e.active,
        connections: e.connections,
        idle_connections: e.idle.length,
        requests: e.requests,
        failures: e.failures,
        priority: e.config.priority,
      })),
    })),
  };
}

function clustersText(core: ProxyCore): string {
  let out = '';
  for (const c of core.clusters.values()) {
    out += `${c.name}::default_priority::max_connections::${c.config.circuitBreakers.maxConnections}\n`;
    out += `${c.name}::default_priority::max_pending_requests::${c.config.circuitBreakers.maxPendingRequests}\n`;
    out += `${c.name}::default_priority::max_requests::${c.config.circuitBreakers.maxRequests}\n`;
    for (const e of c.endpoints) {
      const flags = [e.config.health === 'unhealthy' ? '/eds_unhealthy' : '', e.config.health === 'degraded' ? '/degraded' : '', e.ejected ? '/failed_outlier_check' : '']
        .filter((s) => s !== '')
        .join('');
      out += `${c.name}::${e.key}::cx_active::${e.connections}\n`;
      out += `${c.name}::${e.key}::rq_active::${e.active}\n`;
      out += `${c.name}::${e.key}::rq_total::${e.requests}\n`;
      out += `${c.name}::${e.key}::health_flags::${flags === '' ? 'healthy' : flags}\n`;
    }
  }
  return out;
}

export function startAdmin(controls: AdminControls, address: string, port: number): Promise<Server> {
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const send = (status: number, body: string, type = 'text/plain'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
      res.end(body);
    };
    const json = (v: unknown): void => send(200, JSON.stringify(v, null, 2) + '\n', 'application/json');
    switch (url.pathname) {
      case '/ready':
        if (controls.core.draining) return send(503, 'DRAINING\n');
        return controls.ready() ? send(200, 'LIVE\n') : send(503, 'PRE_INITIALIZING\n');
      case '/config_dump':
        return json(configDump(controls.core, controls.node));
      case '/clusters':
        return url.searchParams.get('format') === 'json' ? json(clustersJson(controls.core)) : send(200, clustersText(controls.core));
      case '/stats/prometheus': {
        const t = controls.telemetry;
        if (t === undefined) return send(404, 'telemetry is off\n');
        t.prometheus().then(
          (body) => send(200, body, t.contentType),
          (err: unknown) => send(500, `metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
        );
        return;
      }
      case '/stats':
        if (controls.telemetry === undefined) return send(404, 'telemetry is off\n');
        return send(200, controls.telemetry.stats(controls.core));
      case '/quitquitquit':
        if (req.method !== 'POST') return send(405, 'use POST\n');
        send(200, 'OK\n');
        setImmediate(() => controls.quit());
        return;
      case '/drain_listeners':
        if (req.method !== 'POST') return send(405, 'use POST\n');
        controls.drain();
        return send(200, 'OK\n');
      case '/':
        return send(200, 'weft proxy admin: /ready /config_dump /clusters /stats /stats/prometheus /drain_listeners (POST) /quitquitquit (POST)\n');
      default:
        return send(404, 'not found\n');
    }
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}
