// Typed access to the generated ajv validators (validators.gen.ts): the JSON
// Schema check of one resource, before the semantic rules. An empty result
// means the object has the schema's shape.

import type { ErrorObject } from 'ajv';
import type { WeftKind } from './model.ts';
import { validateVirtualService, validateAuthorizationPolicy, validateTrafficSplit, validateWorkloadEntry, validateRequestAuthentication } from './validators.gen.ts';

export type { ErrorObject };

/** A generated ajv validator: returns whether data is valid and leaves the errors on itself. */
interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const VALIDATORS: Readonly<Record<WeftKind, GeneratedValidator>> = {
  VirtualService: validateVirtualService as GeneratedValidator,
  AuthorizationPolicy: validateAuthorizationPolicy as GeneratedValidator,
  TrafficSplit: validateTrafficSplit as GeneratedValidator,
  WorkloadEntry: validateWorkloadEntry as GeneratedValidator,
  RequestAuthentication: validateRequestAuthentication as GeneratedValidator,
};

/**
 * Every schema violation of `data` as a `kind` resource (all of them: the
 * validators run with allErrors). Errors carry `instancePath` as a JSON
 * Pointer (`/spec/http/0/route/1/weight`), and, being compiled verbose, the
 * offending `data`, the keyword's `schema` value and its `parentSchema`.
 */
export function schemaValidate(kind: WeftKind, data: unknown): readonly ErrorObject[] {
  const validate = VALIDATORS[kind];
  if (validate(data)) return [];
  // Copy: the validator reuses its errors array on the next call.
  return [...(validate.errors ?? [])];
}
