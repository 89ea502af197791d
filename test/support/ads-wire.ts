// A raw ADS client for tests: opens a real gRPC stream to the server, sends
// exactly the requests a test writes, and records every response in arrival
// order, so tests can assert what went over the wire.

import * as grpc from '@grpc/grpc-js';
import {
  adsClientConstructor,
  metadataStruct,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type WireNode,
} from '../../xds/ads.ts';
import { decodeResource, type JsonObject } from '../../xds/codec.ts';
import { TypeUrl, type ResourceTypeUrl } from '../../xds/types.ts';

export const node = (id: string, namespace: string, workload: string, extra: Record<string, string> = {}): WireNode => ({
  id,
  metadata: metadataStruct({ NAMESPACE: namespace, WORKLOAD_NAME: workload, ...extra }),
});

export const short = (t: string): string =>
  ({ [TypeUrl.Cluster]: 'CDS', [TypeUrl.ClusterLoadAssignment]: 'EDS', [TypeUrl.Listener]: 'LDS', [TypeUrl.RouteConfiguration]: 'RDS', [TypeUrl.VirtualHost]: 'VHDS', [TypeUrl.Secret]: 'SDS' })[t] ?? t;

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export interface StreamEnd {
  readonly code: number;
  readonly details: string;
}

abstract class WireStream<Req, Res> {
  readonly client: Client;
  readonly responses: Res[] = [];
  ended: StreamEnd | undefined;
  readonly #waiters: (() => void)[] = [];
  protected readonly stream: grpc.ClientDuplexStream<Req, Res>;

  /** `connection` names a connection of its own (grpc-js shares one per target and options otherwise). */
  constructor(port: number, method: string, read = true, connection = '') {
    const Ctor = adsClientConstructor();
    const options: grpc.ChannelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
    if (connection !== '') options['grpc.primary_user_agent'] = connection;
    this.client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options) as Client;
    const open = this.client[method];
    if (open === undefined) throw new Error(method);
    this.stream = open.call(this.client) as grpc.ClientDuplexStream<Req, Res>;
    if (read) {
      this.stream.on('data', (r: Res) => {
        this.responses.push(r);
        this.#wake();
      });
    }
    this.stream.on('error', (e: Error & { code?: number; details?: string }) => {
      this.ended ??= { code: e.code ?? -1, details: e.details ?? e.message };
      this.#wake();
    });
    this.stream.on('end', () => {
      this.ended ??= { code: 0, details: 'end' };
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(req: Req): void {
    this.stream.write(req);
  }

  /** Waits until `count` responses have arrived in total (or the stream ended); fails after `ms`. */
  async waitFor(count: number, ms = 3000): Promise<Res[]> {
    const deadline = Date.now() + ms;
    while (this.responses.length < count && this.ended === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} responses, got ${this.responses.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.responses.slice(0, count);
  }

  async waitEnd(ms = 3000): Promise<StreamEnd> {
    const deadline = Date.now() + ms;
    while (this.ended === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('stream did not end');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.ended;
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}

export class SotwWire extends WireStream<DiscoveryRequest, DiscoveryResponse> {
  constructor(port: number, read = true, connection = '') {
    super(port, 'StreamAggregatedResources', read, connection);
  }
  /** ACKs every response from now on, as a healthy proxy does. */
  autoAck(names: (res: DiscoveryResponse) => string[] = () => []): void {
    this.stream.on('data', (r: DiscoveryResponse) => this.ack(r, names(r)));
  }
  /** ACKs a response. */
  ack(res: DiscoveryResponse, names: string[] = []): void {
    this.send({ type_url: res.type_url, version_info: res.version_info, response_nonce: res.nonce, resource_names: names });
  }
  nack(res: DiscoveryResponse, message: string, previousVersion = '', names: string[] = []): void {
    this.send({ type_url: res.type_url, version_info: previousVersion, response_nonce: res.nonce, resource_names: names, error_detail: { code: 3, message } });
  }
}

export class DeltaWire extends WireStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor(port: number, read = true) {
    super(port, 'DeltaAggregatedResources', read);
  }
  ack(res: DeltaDiscoveryResponse): void {
    this.send({ type_url: res.type_url, response_nonce: res.nonce });
  }
}

/**
 * A proxy (frontend.shop) on a delta stream with clusters and listeners
 * taken and ACKed, so the server's tracker can call it in sync. The wire goes
 * into `opened` first, for the caller to close.
 */
export async function syncedDeltaWire(port: number, id: string, opened: DeltaWire[]): Promise<DeltaWire> {
  const w = new DeltaWire(port);
  opened.push(w);
  w.send({ node: node(id, 'shop', 'frontend'), type_url: TypeUrl.Cluster });
  w.send({ type_url: TypeUrl.Listener });
  const [c, l] = await w.waitFor(2);
  if (c === undefined || l === undefined) throw new Error(`${id}: no cluster and listener responses`);
  w.ack(c);
  w.ack(l);
  return w;
}

/** Resource names in a SotW response. */
export function namesOf(res: DiscoveryResponse): string[] {
  return (res.resources ?? []).map((a) => {
    const r = decodeResource(res.type_url, a.value ?? new Uint8Array()) as JsonObject;
    return String(res.type_url === TypeUrl.ClusterLoadAssignment ? r['cluster_name'] : r['name']);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type { ResourceTypeUrl };
