// jose, loaded the first time a key set is built (a jwt_authn filter in the
// config), not when the proxy starts: a proxy whose config has no jwt_authn
// never pays for it (~3 MB resident). require() of an ES module is
// synchronous in Node 24, so the config stays synchronous; by the time a
// request is verified the module is loaded.

import { createRequire } from 'node:module';

type Jose = typeof import('jose');

let loaded: Jose | undefined;

export function jose(): Jose {
  return (loaded ??= createRequire(import.meta.url)('jose') as Jose);
}
