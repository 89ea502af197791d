// Loads crds/schema/*.schema.json, the single source of truth for the
// kinds, and checks what every generator relies on: each kind's schema is a
// draft-07 object with `definitions`, and a definition (or inline titled
// subschema) that appears in several schemas is the same everywhere, so it can
// be emitted once.

import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';

/** A JSON Schema node as it appears in the files: plain JSON. */
export type SchemaNode = { [keyword: string]: Json };
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type KindName = 'VirtualService' | 'AuthorizationPolicy' | 'TrafficSplit' | 'WorkloadEntry' | 'RequestAuthentication';

export interface KindSchema {
  readonly kind: KindName;
  /** Lower-case singular, also the schema file's stem: virtualservice. */
  readonly singular: string;
  readonly plural: string;
  readonly shortName: string;
  /** Path relative to the repository root: crds/schema/virtualservice.schema.json. */
  readonly file: string;
  readonly schema: SchemaNode;
}

export const GROUP = 'weft.dev';
export const VERSION = 'v1alpha1';

export const KINDS: readonly { kind: KindName; singular: string; plural: string; shortName: string }[] = [
  { kind: 'VirtualService', singular: 'virtualservice', plural: 'virtualservices', shortName: 'vs' },
  { kind: 'AuthorizationPolicy', singular: 'authorizationpolicy', plural: 'authorizationpolicies', shortName: 'ap' },
  { kind: 'TrafficSplit', singular: 'trafficsplit', plural: 'trafficsplits', shortName: 'ts' },
  { kind: 'WorkloadEntry', singular: 'workloadentry', plural: 'workloadentries', shortName: 'we' },
  { kind: 'RequestAuthentication', singular: 'requestauthentication', plural: 'requestauthentications', shortName: 'ra' },
];

export const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export async function loadSchemas(root: string): Promise<KindSchema[]> {
  const out: KindSchema[] = [];
  for (const k of KINDS) {
    const file = `crds/schema/${k.singular}.schema.json`;
    const text = await readFile(path.join(root, file), 'utf8');
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch (cause) {
      throw new Error(`${file}: not valid JSON`, { cause });
    }
    if (!isObject(parsed)) throw new Error(`${file}: the schema must be a JSON object`);
    if (parsed['title'] !== k.kind) throw new Error(`${file}: title must be "${k.kind}", found ${JSON.stringify(parsed['title'])}`);
    if (typeof parsed['$id'] !== 'string') throw new Error(`${file}: needs an "$id" (the validators refer to it)`);
    if (!isObject(parsed['definitions'])) throw new Error(`${file}: needs "definitions"`);
    out.push({ ...k, file, schema: parsed });
  }
  return out;
}

/** Walks every subschema position of a JSON Schema node, depth first. */
export function* subschemas(node: SchemaNode): Generator<SchemaNode> {
  for (const key of ['properties', 'definitions', 'patternProperties']) {
    const m = node[key];
    if (isObject(m)) for (const v of Object.values(m)) if (isObject(v)) yield v;
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']) {
    const v = node[key];
    if (isObject(v)) yield v;
  }
  for (const key of ['allOf', 'anyOf', 'oneOf', 'items']) {
    const v = node[key];
    if (Array.isArray(v)) for (const s of v) if (isObject(s)) yield s;
  }
}

/**
 * One schema holding every kind and every named type once: each kind becomes
 * `definitions[Kind]`, each titled subschema (inline or in `definitions`) is
 * hoisted to `definitions[title]` and referenced from where it was. Throws when
 * two schemas disagree about a type of the same title, since emitting either
 * would silently mistype the other kind.
 */
export function mergeSchemas(kinds: readonly KindSchema[]): { definitions: Record<string, SchemaNode>; kindRefs: string[] } {
  const definitions: Record<string, SchemaNode> = {};
  const origin: Record<string, string> = {};

  const hoist = (node: SchemaNode, file: string, where: string): SchemaNode => {
    const copy: SchemaNode = {};
    for (const [key, value] of Object.entries(node)) copy[key] = value;
    for (const key of ['properties', 'definitions', 'patternProperties']) {
      const m = copy[key];
      if (!isObject(m)) continue;
      const next: { [k: string]: Json } = {};
      for (const [name, sub] of Object.entries(m)) next[name] = isObject(sub) ? visit(sub, file, `${where}/${key}/${name}`) : sub;
      copy[key] = next;
    }
    for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']) {
      const v = copy[key];
      if (isObject(v)) copy[key] = visit(v, file, `${where}/${key}`);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf', 'items']) {
      const v = copy[key];
      if (Array.isArray(v)) copy[key] = v.map((s, i) => (isObject(s) ? visit(s, file, `${where}/${key}/${i}`) : s));
    }
    return copy;
  };

  const visit = (node: SchemaNode, file: string, where: string): SchemaNode => {
    const title = node['title'];
    if (typeof title !== 'string') return hoist(node, file, where);
    const hoisted = hoist(node, file, where);
    const seen = definitions[title];
    if (seen === undefined) {
      definitions[title] = hoisted;
      origin[title] = `${file}#${where}`;
    } else if (!isDeepStrictEqual(seen, hoisted)) {
      throw new Error(
        `"${title}" differs between ${origin[title] ?? '?'} and ${file}#${where}: a shared type must be identical in every schema (or get another title)`,
      );
    }
    return { $ref: `#/definitions/${title}` };
  };

  const kindRefs: string[] = [];
  for (const k of kinds) {
    const root: SchemaNode = {};
    for (const [key, value] of Object.entries(k.schema)) {
      if (key === '$schema' || key === '$id' || key === 'definitions') continue;
      root[key] = value;
    }
    // Definitions first, so a definition keeps its own place as the origin.
    const defs = k.schema['definitions'];
    if (isObject(defs)) {
      for (const [name, sub] of Object.entries(defs)) {
        if (!isObject(sub)) continue;
        if (sub['title'] !== name) throw new Error(`${k.file}: definitions/${name} needs "title": "${name}" (it names the TypeScript type)`);
        visit(sub, k.file, `/definitions/${name}`);
      }
    }
    kindRefs.push(`#/definitions/${k.kind}`);
    visit(root, k.file, '');
  }
  return { definitions, kindRefs };
}
