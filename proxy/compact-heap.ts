// One compacting garbage collection, for when a proxy has finished starting.
// Parsing the bootstrap and the Envoy protos leaves the V8 heap grown and
// fragmented: live objects scattered over pages the collector keeps, so the
// process stays ~15 MB larger than what it holds. A "last resort" full GC
// compacts and returns those pages. It runs once, before traffic, and takes
// tens of milliseconds; the young generation and JIT warm up again with the
// first requests.
//
// The gc function is only reachable with --expose-gc: the flag is turned on
// for the moment it takes to fetch it (Node's documented way, v8.setFlagsFromString)
// and off again, so V8's flag hash, which keys Node's compile cache, is what
// it was: modules loaded later still find their cached compilations.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function compactHeap(): void {
  setFlagsFromString('--expose-gc');
  let gc: unknown;
  try {
    gc = runInNewContext('gc');
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  if (typeof gc === 'function') (gc as Gc)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
