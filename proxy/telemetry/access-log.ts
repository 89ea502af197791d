// The access log: one JSON line per request with Envoy's fields (the names
// of Istio's JSON access log format), written by pino to an asynchronous
// destination (sonic-boom, buffered), so a slow disk or pipe never blocks
// the event loop. Off unless configured. pino is loaded with the first line:
// by default only requests an AUDIT policy marks are logged, so most proxies
// never write one and never pay for pino (~4 MB resident).

import { createRequire } from 'node:module';
import type pino from 'pino';

export type AccessLogTarget =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string }
  /** Any pino destination (tests, or a caller's own stream). */
  | { readonly kind: 'stream'; readonly stream: pino.DestinationStream };

/** One line, Envoy's fields. */
export interface AccessLogEntry {
  readonly start_time: string;
  readonly method: string;
  readonly path: string;
  readonly protocol: string;
  readonly response_code: number;
  readonly response_flags: string;
  readonly response_code_details: string | null;
  readonly bytes_received: number;
  readonly bytes_sent: number;
  /** Milliseconds from the request head to the end of the response. */
  readonly duration: number;
  /** Milliseconds from the request head to the upstream's response head; null without one. */
  readonly upstream_service_time: number | null;
  readonly x_forwarded_for: string | null;
  readonly user_agent: string | null;
  readonly request_id: string | null;
  readonly authority: string | null;
  readonly upstream_host: string | null;
  readonly upstream_cluster: string | null;
  readonly route_name: string | null;
  readonly downstream_remote_address: string;
  readonly downstream_local_address: string;
  readonly trace_id: string | null;
  /** The RBAC policy whose AUDIT (Envoy LOG) rule matched this request; null when none did. */
  readonly audit_policy: string | null;
}

export class AccessLog {
  readonly #target: AccessLogTarget;
  #logger: pino.Logger | undefined;

  constructor(target: AccessLogTarget) {
    this.#target = target;
  }

  #open(): pino.Logger {
    const target = this.#target;
    const p = createRequire(import.meta.url)('pino') as typeof pino;
    const dest =
      target.kind === 'stream'
        ? target.stream
        : p.destination({ dest: target.kind === 'file' ? target.path : 1, sync: false, minLength: 4096, mkdir: target.kind === 'file' });
    // No time, pid or hostname: the line is the entry (start_time is in it). pino's level stays,
    // named so it cannot be taken for a field of Envoy's (an empty level formatter leaves a stray comma).
    return p({ base: null, timestamp: false, formatters: { level: () => ({ log_type: 'access' }) } }, dest);
  }

  write(entry: AccessLogEntry): void {
    (this.#logger ??= this.#open()).info(entry);
  }

  /** Writes out what is buffered (before exit, and in tests). */
  flush(): Promise<void> {
    const logger = this.#logger;
    if (logger === undefined) return Promise.resolve();
    return new Promise((resolve) => logger.flush(() => resolve()));
  }
}
