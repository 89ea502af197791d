// ajv validators as standalone ESM code, compiled once here instead of at
// every start of the operator, the webhook and `weft validate`.

import { Ajv, type Options } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import type { KindSchema } from './schemas.ts';

export const VALIDATORS_BANNER = [
  '// @ts-nocheck',
  '// Code generated from crds/schema/*.schema.json. DO NOT EDIT.',
  '// Regenerate with `make generate`.',
  '/* eslint-disable */',
].join('\n');

/** RFC 3339 date-time, as Kubernetes writes metav1.Time (lastTransitionTime). */
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export const AJV_OPTIONS: Options = {
  // Every problem in one pass, not the first one only.
  allErrors: true,
  // Errors carry parentSchema and data: the messages quote limits and values.
  verbose: true,
  strict: true,
  code: { source: true, esm: true, lines: true },
};

/** The options and vocabulary the generated code was compiled with; also used by tests that compile the schemas directly. */
export function newAjv(): Ajv {
  const ajv = new Ajv(AJV_OPTIONS);
  // A Kubernetes annotation: the API server evaluates these CEL rules, the
  // semantic validator re-checks them offline; ajv has nothing to do.
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array' });
  // Duration values are checked by the schema's `pattern`; the format is
  // kept for Kubernetes and OpenAPI readers.
  ajv.addFormat('duration', true);
  ajv.addFormat('date-time', DATE_TIME);
  return ajv;
}

export const exportName = (kind: string): string => `validate${kind}`;

// ajv's runtime helpers are CommonJS files without an `exports` map: under
// ESM they need the `.js` extension, and their function is the `default`
// property of module.exports, not the default import.
// ajv's esm mode still writes `const f = require("ajv/dist/runtime/x").default`.
const CJS_REQUIRE = /^const (\w+) = require\("(ajv\/dist\/runtime\/[\w-]+)"\)\.default;$/gm;

export function generateValidators(kinds: readonly KindSchema[]): string {
  const ajv = newAjv();
  const exports: Record<string, string> = {};
  for (const k of kinds) {
    ajv.addSchema(k.schema, String(k.schema['$id']));
    exports[exportName(k.kind)] = String(k.schema['$id']);
  }
  // A CommonJS module: its function is `default` of module.exports.
  let code = standalone.default(ajv, exports);
  code = code.replace(CJS_REQUIRE, (_m: string, name: string, spec: string) => `import ${name}__cjs from "${spec}.js";\nconst ${name} = ${name}__cjs.default;`);
  if (/require\(/.test(code)) throw new Error('generated validators still call require(); they must be pure ESM');
  return `${VALIDATORS_BANNER}\n${code}\n`;
}
