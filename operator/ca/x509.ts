// The one place @peculiar/x509 is loaded. It finds its algorithm providers
// through tsyringe, which needs the Reflect metadata API before the library's
// first line runs: ES modules evaluate imports in order, so reflect-metadata
// comes first. Only the issuing side imports this; verify.ts must not.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { webcrypto as wc } from 'node:crypto';

export { x509 };

/** Node's WebCrypto, passed explicitly to every @peculiar/x509 call instead of set globally. */
export const webcrypto: wc.Crypto = globalThis.crypto;
