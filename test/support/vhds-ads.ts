// A small delta ADS server for tests of on-demand virtual hosts: real gRPC,
// the real Envoy protos, and the alias protocol of the on-demand contract
// (an alias `<route configuration>/<authority>` is answered with the virtual
// host Envoy's domain matching picks, under its own name with the alias in
// `aliases`, or, when nothing matches, with the alias itself and no body).
// It serves a fixed set of listeners, clusters and route configurations,
// holds the virtual hosts a test edits, and records every VHDS request.

import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, type DeltaDiscoveryRequest } from '../../xds/ads.ts';
import { encodeResource } from '../../xds/codec.ts';
import { TypeUrl, resourceNameOf } from '../../xds/types.ts';

type Obj = Record<string, unknown>;

export interface VhdsRequest {
  readonly stream: number;
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
  readonly initial: Readonly<Record<string, string>>;
  readonly nonce: string;
  readonly error: string | undefined;
}

interface WireResource {
  name: string;
  version: string;
  resource?: { type_url: string; value: Uint8Array };
  aliases?: string[];
}

class Stream {
  readonly id: number;
  readonly call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, object>;
  /** Alias → the virtual host resource it resolves to (undefined: nothing there). */
  readonly aliases = new Map<string, string | undefined>();
  /** Virtual hosts the proxy holds, with their versions. */
  readonly held = new Map<string, string>();
  nonce = 0;
  constructor(id: number, call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, object>) {
    this.id = id;
    this.call = call;
  }
}

/** Envoy's domain matching: exact, then the longest `*suffix`, then the longest `prefix*`, then `*`. */
export function matchDomain(hosts: ReadonlyMap<string, Obj>, authority: string): string | undefined {
  let best: { name: string; rank: number; len: number } | undefined;
  for (const [name, vh] of hosts) {
    for (const d0 of (vh['domains'] as string[] | undefined) ?? []) {
      const d = d0.toLowerCase();
      let rank = -1;
      let len = 0;
      if (d === authority) (rank = 4), (len = d.length);
      else if (d === '*') (rank = 1), (len = 0);
      else if (d.startsWith('*') && authority.length > d.length - 1 && authority.endsWith(d.slice(1))) (rank = 3), (len = d.length);
      else if (d.endsWith('*') && authority.length > d.length - 1 && authority.startsWith(d.slice(0, -1))) (rank = 2), (len = d.length);
      if (rank < 0) continue;
      if (best === undefined || rank > best.rank || (rank === best.rank && len > best.len)) best = { name, rank, len };
    }
  }
  return best?.name;
}

export class VhdsAdsServer {
  readonly server = new grpc.Server();
  port = 0;
  readonly listeners: Obj[];
  readonly clusters: Obj[];
  readonly routes: Obj[];
  /** Virtual hosts by VHDS resource name (`<route configuration>/<name>`). */
  readonly vhosts = new Map<string, Obj>();
  readonly requests: VhdsRequest[] = [];
  readonly streams: Stream[] = [];
  /** While true, alias subscriptions are recorded but not answered. */
  hold = false;
  /** Answers alias subscriptions this long after they arrive. */
  delayMs = 0;
  #nextStream = 0;
  readonly #live = new Set<Stream>();

  constructor(config: { listeners: Obj[]; clusters: Obj[]; routes: Obj[]; vhosts: Obj[] }) {
    this.listeners = config.listeners;
    this.clusters = config.clusters;
    this.routes = config.routes;
    for (const vh of config.vhosts) this.vhosts.set(String(vh['name']), vh);
  }

  async start(port = 0): Promise<number> {
    this.server.addService(adsServiceDefinition(), {
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, object>) => this.#serve(call),
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<object, object>) => call.end(),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err !== null ? reject(err) : resolve(p))),
    );
    return this.port;
  }

  /** Ends every stream and stops listening at once (the proxy sees the control plane go away). */
  stop(): void {
    for (const s of this.#live) s.call.destroy(new Error('control plane stopped'));
    this.#live.clear();
    this.server.forceShutdown();
  }

  /** The live stream's aliases (the proxy's subscription as the server holds it). */
  liveAliases(): string[] {
    const out: string[] = [];
    for (const s of this.#live) out.push(...s.aliases.keys());
    return out.sort();
  }

  /** How many times an alias was subscribed, over every stream. */
  subscriptions(alias: string): number {
    return this.requests.filter((r) => r.subscribe.includes(alias)).length;
  }

  #rcOf(alias: string): string | undefined {
    for (const r of this.routes) {
      const n = String(r['name']);
      if (alias.startsWith(`${n}/`) && alias.length > n.length + 1) return n;
    }
    return undefined;
  }

  #resolve(alias: string): string | undefined {
    const rc = this.#rcOf(alias);
    if (rc === undefined) return undefined;
    const hosts = new Map<string, Obj>();
    for (const [n, vh] of this.vhosts) if (n.startsWith(`${rc}/`)) hosts.set(n, vh);
    return matchDomain(hosts, alias.slice(rc.length + 1));
  }

  #send(s: Stream, typeUrl: string, resources: WireResource[], removed: string[] = []): void {
    s.call.write({ system_version_info: 'v', type_url: typeUrl, resources, removed_resources: removed, nonce: String(++s.nonce) });
  }

  #wire(typeUrl: string, name: string, resource: Obj): WireResource {
    return { name, version: versionOf(resource), resource: { type_url: typeUrl, value: encodeResource(typeUrl, resource) } };
  }

  #serve(call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, object>): void {
    const s = new Stream(this.#nextStream++, call);
    this.streams.push(s);
    this.#live.add(s);
    const sent = new Set<string>();
    call.on('data', (req: DeltaDiscoveryRequest) => {
      const t = req.type_url ?? '';
      const subscribe = req.resource_names_subscribe ?? [];
      const unsubscribe = req.resource_names_unsubscribe ?? [];
      if (t === TypeUrl.VirtualHost) {
        this.requests.push({ stream: s.id, subscribe, unsubscribe, initial: req.initial_resource_versions ?? {}, nonce: req.response_nonce ?? '', error: req.error_detail?.message });
        for (const [n, v] of Object.entries(req.initial_resource_versions ?? {})) s.held.set(n, v);
        for (const a of unsubscribe) this.#unsubscribe(s, a);
        // A route configuration's own name: all its virtual hosts (VHDS without on_demand).
        const whole = subscribe.filter((n) => this.routes.some((r) => r['name'] === n));
        const all = [...this.vhosts].filter(([n]) => whole.some((rc) => n.startsWith(`${rc}/`)));
        if (all.length > 0) this.#send(s, TypeUrl.VirtualHost, all.map(([n, vh]) => this.#wire(TypeUrl.VirtualHost, n, vh)));
        const fresh = subscribe.filter((a) => this.#rcOf(a) !== undefined);
        if (fresh.length > 0 && !this.hold) {
          if (this.delayMs > 0) setTimeout(() => this.#answer(s, fresh), this.delayMs);
          else this.#answer(s, fresh);
        } else for (const a of fresh) s.aliases.set(a, undefined);
        return;
      }
      if (sent.has(t) || (req.response_nonce ?? '') !== '') return;
      sent.add(t);
      const list = t === TypeUrl.Listener ? this.listeners : t === TypeUrl.Cluster ? this.clusters : t === TypeUrl.RouteConfiguration ? this.routes : [];
      const wanted = t === TypeUrl.RouteConfiguration ? new Set(subscribe) : undefined;
      const resources = list.filter((r) => wanted === undefined || wanted.has(String(resourceNameOf(t, r)))).map((r) => this.#wire(t, String(resourceNameOf(t, r)), r));
      this.#send(s, t, resources);
    });
    const gone = (): void => {
      this.#live.delete(s);
    };
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('error', gone);
    call.on('close', gone);
  }

  /** Sends virtual hosts as they are, with no alias bookkeeping (a misbehaving or racing server). */
  pushRaw(resources: { name: string; vh: Obj; aliases?: string[] }[]): void {
    for (const s of this.#live) this.#send(s, TypeUrl.VirtualHost, resources.map((r) => ({ ...this.#wire(TypeUrl.VirtualHost, r.name, r.vh), ...(r.aliases !== undefined ? { aliases: r.aliases } : {}) })));
  }

  /** Answers held aliases now (after `hold`). */
  release(): void {
    this.hold = false;
    for (const s of this.#live) this.#answer(s, [...s.aliases.keys()]);
  }

  #unsubscribe(s: Stream, alias: string): void {
    const target = s.aliases.get(alias);
    s.aliases.delete(alias);
    if (target !== undefined && ![...s.aliases.values()].includes(target)) s.held.delete(target);
  }

  /** Each alias answered: its virtual host (with the body when the proxy does not hold that version), or nothing there. */
  #answer(s: Stream, aliases: readonly string[]): void {
    if (!this.#live.has(s)) return;
    const byTarget = new Map<string, string[]>();
    const none: WireResource[] = [];
    for (const a of aliases) {
      const target = this.#resolve(a);
      s.aliases.set(a, target);
      if (target === undefined) none.push({ name: a, version: '', aliases: [a] });
      else byTarget.set(target, [...(byTarget.get(target) ?? []), a]);
    }
    const resources: WireResource[] = [...none];
    for (const [target, as] of byTarget) resources.push({ ...this.#body(s, target), aliases: as });
    if (resources.length > 0) this.#send(s, TypeUrl.VirtualHost, resources);
  }

  /** A virtual host for a stream, always with its body (a Resource without one means nothing there). */
  #body(s: Stream, name: string): WireResource {
    const vh = this.vhosts.get(name) as Obj;
    s.held.set(name, versionOf(vh));
    return this.#wire(TypeUrl.VirtualHost, name, vh);
  }

  /**
   * An edit: sets (or deletes) a virtual host, then tells each stream what
   * changed for it: new versions of what its aliases point to, aliases that
   * resolve elsewhere now, and virtual hosts no alias points to any more.
   */
  setVirtualHost(name: string, vh: Obj | undefined): void {
    if (vh === undefined) this.vhosts.delete(name);
    else this.vhosts.set(name, vh);
    for (const s of this.#live) {
      const resources = new Map<string, WireResource>();
      for (const [a, before] of s.aliases) {
        const after = this.#resolve(a);
        if (after === before) continue;
        s.aliases.set(a, after);
        if (after === undefined) resources.set(a, { name: a, version: '', aliases: [a] });
        else {
          const r = resources.get(after) ?? this.#body(s, after);
          resources.set(after, { ...r, aliases: [...(r.aliases ?? []), a] });
        }
      }
      const pointed = new Set([...s.aliases.values()].filter((v) => v !== undefined));
      if (vh !== undefined && pointed.has(name) && !resources.has(name) && s.held.get(name) !== versionOf(vh)) resources.set(name, this.#body(s, name));
      const removed: string[] = [];
      for (const n of [...s.held.keys()]) {
        if (!pointed.has(n)) {
          s.held.delete(n);
          removed.push(n);
        }
      }
      if (resources.size > 0 || removed.length > 0) this.#send(s, TypeUrl.VirtualHost, [...resources.values()], removed);
    }
  }

  async close(): Promise<void> {
    this.stop();
  }
}

function versionOf(r: Obj): string {
  let h = 0;
  for (const c of JSON.stringify(r)) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return (h >>> 0).toString(16);
}
