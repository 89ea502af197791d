// The logger the xDS server writes to: pino's calling convention (structured
// fields first, then the message), so a pino logger can be passed as is.

export type LogFields = Readonly<Record<string, unknown>>;

export interface XdsLogger {
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
}

export const silentLogger: XdsLogger = Object.freeze({ info() {}, warn() {}, error() {} });

export interface LogRecord {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: LogFields;
  readonly msg: string;
}

/** Keeps the last `limit` records: for tests and for an admin endpoint's recent events. */
export class MemoryLogger implements XdsLogger {
  readonly records: LogRecord[] = [];
  readonly #limit: number;
  constructor(limit = 1000) {
    this.#limit = limit;
  }
  #push(level: LogRecord['level'], fields: LogFields, msg: string): void {
    this.records.push({ level, fields, msg });
    if (this.records.length > this.#limit) this.records.splice(0, this.records.length - this.#limit);
  }
  info(fields: LogFields, msg: string): void {
    this.#push('info', fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.#push('warn', fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.#push('error', fields, msg);
  }
}
