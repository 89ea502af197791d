// Local mode gives every workload instance its own loopback address, as a
// cluster gives every Pod an IP: 127.0.1.1, 127.0.1.2, … (127.0.0.x is left
// to WorkloadEntries written by hand). Allocations are kept in the state
// folder so a restart gives each workload the address it had.

import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'addresses.json';

const toIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const toNum = (ip: string): number | undefined => {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0] ?? 0) << 24) >>> 0) + ((parts[1] ?? 0) << 16) + ((parts[2] ?? 0) << 8) + (parts[3] ?? 0);
};

export class AddressBook {
  readonly #file: string | undefined;
  readonly #byKey = new Map<string, string>();
  readonly #used = new Set<number>();
  readonly #first: number;
  #dirty = false;

  /** `stateDir` undefined: nothing is remembered between runs. `first`: the first address to give (default 127.0.1.1). */
  constructor(stateDir: string | undefined, first = '127.0.1.1') {
    this.#file = stateDir === undefined ? undefined : join(stateDir, FILE);
    const f = toNum(first);
    if (f === undefined || f >>> 24 !== 127) throw new Error(`${first}: the first workload address must be a loopback address (127.x.y.z)`);
    this.#first = f;
    if (this.#file === undefined) return;
    try {
      const raw: unknown = JSON.parse(readFileSync(this.#file, 'utf8'));
      if (typeof raw === 'object' && raw !== null) {
        for (const [k, v] of Object.entries(raw)) {
          const n = typeof v === 'string' ? toNum(v) : undefined;
          if (n === undefined || this.#used.has(n)) continue;
          this.#byKey.set(k, v as string);
          this.#used.add(n);
        }
      }
    } catch {
      // No file yet (or an unreadable one): start afresh.
    }
  }

  /** The address of replica `replica` of namespace/workload, allocated on first use. */
  addressOf(namespace: string, workload: string, replica: number): string {
    const key = `${namespace}/${workload}/${replica}`;
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    let n = this.#first;
    while (this.#used.has(n) || (n & 255) === 0 || (n & 255) === 255) n++;
    const ip = toIp(n);
    this.#used.add(n);
    this.#byKey.set(key, ip);
    this.#dirty = true;
    return ip;
  }

  /** Writes new allocations (atomically). */
  save(): void {
    if (this.#file === undefined || !this.#dirty) return;
    mkdirSync(join(this.#file, '..'), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(Object.fromEntries([...this.#byKey].sort()), null, 2)}\n`);
    renameSync(tmp, this.#file);
    this.#dirty = false;
  }
}
