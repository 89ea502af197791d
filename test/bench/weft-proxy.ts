// Weft's proxy from a bootstrap file through the library (`startProxy`),
// for `make bench` when this checkout's `weft` has no `proxy` command yet:
//   node test/bench/weft-proxy.ts --config bootstrap.yaml
// Like the command would: SIGTERM and SIGINT drain and exit, so
// `--cpu-prof` can write its profile.

const at = process.argv.indexOf('--config');
const file = at >= 0 ? process.argv[at + 1] : undefined;
if (file === undefined) {
  process.stderr.write('usage: node test/bench/weft-proxy.ts --config BOOTSTRAP\n');
  process.exit(2);
}

// Loaded here, not at the top, so a checkout without proxy/ says so plainly.
const { startProxy } = await import('../../proxy/index.ts').catch((e: unknown) => {
  process.stderr.write(`error: cannot load proxy/index.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

let stopping = false;
const handle = await startProxy({ bootstrap: file, onQuit: () => void stop() }).catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
process.stderr.write(`weft proxy (library) from ${file}: listening on ${[...handle.ports].map(([n, p]) => `${n}=${p}`).join(', ')}${handle.adminPort !== undefined ? `, admin ${handle.adminPort}` : ''}\n`);

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await handle.drain(5_000).catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
