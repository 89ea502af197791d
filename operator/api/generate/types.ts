// TypeScript types from the merged schema: one declaration per title, so a
// type shared by the kinds (Condition, ResourceStatus, ObjectMeta) exists once.

import { compile } from 'json-schema-to-typescript';
import { mergeSchemas, type KindSchema } from './schemas.ts';

export const TYPES_BANNER = [
  '// Code generated from crds/schema/*.schema.json. DO NOT EDIT.',
  '// Regenerate with `make generate`.',
].join('\n');

export async function generateTypes(kinds: readonly KindSchema[]): Promise<string> {
  const { definitions, kindRefs } = mergeSchemas(kinds);
  const root = {
    title: 'WeftResource',
    description: 'Any resource of the weft.dev/v1alpha1 API.',
    anyOf: kindRefs.map(($ref) => ({ $ref })),
    definitions,
  };
  const source = await compile(root as Parameters<typeof compile>[0], 'WeftResource', {
    bannerComment: TYPES_BANNER,
    additionalProperties: false,
    // Arrays stay arrays: bounded tuples for maxItems would be unusable.
    ignoreMinAndMaxItems: true,
    unreachableDefinitions: true,
    unknownAny: true,
    strictIndexSignatures: false,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
    $refOptions: { resolve: { external: false } },
  });
  return source;
}
