// Wires the ADS client (proxy/xds) to the proxy's config sink from a raw
// bootstrap: the control plane's address and the node identity as the client
// reads them, the sink being the proxy itself. Used by `weft proxy` and by
// anything that runs proxies in-process against a control plane.

import { AdsClient, type ClientEvent } from './xds/client.ts';
import { adsTargetFromBootstrap } from './xds/bootstrap.ts';
import type { AdsClientFactory } from './config/sink.ts';

export type AdsWiring = { readonly ok: true; readonly factory: AdsClientFactory } | { readonly ok: false; readonly errors: readonly string[] };

export interface AdsWiringOptions {
  readonly log?: (fields: Readonly<Record<string, unknown>>) => void;
  readonly onEvent?: (e: ClientEvent) => void;
}

export function adsFromBootstrap(raw: unknown, source: string, opts: AdsWiringOptions = {}): AdsWiring {
  const target = adsTargetFromBootstrap(raw, source);
  if (!target.ok) return { ok: false, errors: target.errors };
  const t = target.target;
  if (t.tls) {
    return { ok: false, errors: [`${source}: the ADS cluster ${t.clusterName} asks for TLS, which this proxy does not originate yet; use the control plane's plaintext port (local mode)`] };
  }
  const log = opts.log;
  const factory: AdsClientFactory = (_ads, _node, sink) => {
    const client = new AdsClient({
      host: t.host,
      port: t.port,
      node: t.node,
      sink,
      mode: t.mode,
      ...(opts.onEvent !== undefined ? { onEvent: opts.onEvent } : {}),
      ...(log !== undefined
        ? { logger: { info: (f, msg) => log({ level: 'info', msg, ...f }), warn: (f, msg) => log({ level: 'warn', msg, ...f }), error: (f, msg) => log({ level: 'error', msg, ...f }) } }
        : {}),
    });
    client.start();
    return { close: () => client.stop() };
  };
  return { ok: true, factory };
}
