// Everything generated from crds/schema/: the TypeScript types, the ajv
// validators and the CustomResourceDefinitions. Pure apart from reading the
// schemas, so the staleness test compares its output with the committed files.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemas } from './schemas.ts';
import { generateTypes } from './types.ts';
import { generateValidators } from './validators.ts';
import { generateCrds } from './crd.ts';

/** The repository root, from this file's place in it (operator/api/generate/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const TYPES_FILE = 'operator/api/types.gen.ts';
export const VALIDATORS_FILE = 'operator/api/validators.gen.ts';

/** Generated file contents by path relative to the repository root, in a stable order. */
export async function generateAll(root: string = REPO_ROOT): Promise<Map<string, string>> {
  const kinds = await loadSchemas(root);
  const out = new Map<string, string>();
  out.set(TYPES_FILE, await generateTypes(kinds));
  out.set(VALIDATORS_FILE, generateValidators(kinds));
  for (const [file, text] of generateCrds(kinds)) out.set(file, text);
  return out;
}
