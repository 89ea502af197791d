// Kubernetes Events (core v1, what `kubectl describe` lists under Events) on
// a resource's transitions and on errors. The same event again (same object,
// type, reason and message) increments the count of the one already written,
// as the client-go recorder does, instead of piling up copies.

import type { Logger } from 'pino';
import type { KubeClient } from './kube.ts';
import { isNotFound } from './kube.ts';
import { errorMessage, metaOf, str, type Obj } from './objects.ts';

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export const involved = (apiVersion: string, kind: string, obj: Obj): InvolvedObject => {
  const m = metaOf(obj);
  return { apiVersion, kind, namespace: m.namespace, name: m.name, uid: m.uid };
};

interface Recorded {
  readonly name: string;
  readonly namespace: string;
  count: number;
  lastMs: number;
}

export interface EventRecorderOptions {
  readonly client: KubeClient;
  readonly component: string;
  readonly instance: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Repeats within this window update the existing event. */
  readonly dedupWindowMs?: number;
  /** How many distinct events are remembered for dedup. */
  readonly maxRemembered?: number;
}

export class EventRecorder {
  private readonly options: EventRecorderOptions;
  private readonly recorded = new Map<string, Recorded>();
  private readonly now: () => number;
  private seq = 0;

  constructor(options: EventRecorderOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Writes the event; never throws (an event is worth a log line, not a failed reconcile). */
  async record(object: InvolvedObject, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${object.uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = this.now();
    const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const seen = this.recorded.get(key);
    const window = this.options.dedupWindowMs ?? 60 * 60_000;
    try {
      if (seen !== undefined && now - seen.lastMs < window) {
        seen.count++;
        seen.lastMs = now;
        try {
          await this.options.client.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`, {
            body: { count: seen.count, lastTimestamp: stamp },
            contentType: 'application/merge-patch+json',
          });
          this.touch(key, seen);
          return;
        } catch (e) {
          if (!isNotFound(e)) throw e;
          // The event expired (the API server's event TTL): write a new one.
        }
      }
      const name = `${object.name}.${now.toString(16)}${(this.seq++ & 0xffff).toString(16).padStart(4, '0')}`;
      const created = await this.options.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(object.namespace)}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: object.namespace },
          involvedObject: { ...object },
          type,
          reason,
          message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
          count: 1,
          firstTimestamp: stamp,
          lastTimestamp: stamp,
          source: { component: this.options.component },
          reportingComponent: this.options.component,
          reportingInstance: this.options.instance,
        },
      });
      this.touch(key, { name: str(metaOf(created).name) ?? name, namespace: object.namespace, count: 1, lastMs: now });
    } catch (e) {
      this.options.log.warn({ resource: `${object.kind} ${object.namespace}/${object.name}`, reason, err: errorMessage(e) }, 'could not record event');
    }
  }

  /** Forgets the events of an object that is gone. */
  forget(uid: string): void {
    for (const key of this.recorded.keys()) if (key.startsWith(`${uid}\u0000`)) this.recorded.delete(key);
  }

  get remembered(): number {
    return this.recorded.size;
  }

  private touch(key: string, r: Recorded): void {
    this.recorded.delete(key);
    this.recorded.set(key, r);
    const max = this.options.maxRemembered ?? 4096;
    while (this.recorded.size > max) {
      const oldest = this.recorded.keys().next();
      if (oldest.done === true) break;
      this.recorded.delete(oldest.value);
    }
  }
}
