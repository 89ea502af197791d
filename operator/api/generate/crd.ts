// CustomResourceDefinitions from the kinds' JSON Schemas. The API server only
// accepts *structural* schemas: every node has a type, no $ref, no
// additionalProperties beside properties, metadata at the root unrestricted.
// Everything else that validates (patterns, bounds, enums, CEL rules) is kept,
// and so are the size limits the API server's CEL cost estimate relies on.

import { stringify } from 'yaml';
import { GROUP, VERSION, isObject, type Json, type KindSchema, type SchemaNode } from './schemas.ts';

/** Keywords a structural CRD schema may carry, in the order they are written. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'default',
  'nullable',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
] as const;
const KEPT = new Set<string>(KEY_ORDER);
/** JSON Schema keywords with no place in a CRD: references are inlined, names are TypeScript's business. */
const DROPPED = new Set(['$schema', '$id', '$comment', 'definitions', 'title', 'examples']);

const ROOT_DESCRIPTIONS: Record<string, string> = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
  kind: 'Kind is a string value representing the REST resource this object represents. In CamelCase.',
};

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

const READY_COLUMNS: readonly PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Whether the resource is accepted, resolved and acknowledged by its proxies.',
  },
  {
    name: 'Reason',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    description: 'Why it is or is not ready.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
];

export const PRINTER_COLUMNS: Readonly<Record<KindSchema['kind'], readonly PrinterColumn[]>> = {
  VirtualService: [
    { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The hosts this routing applies to.' },
    ...READY_COLUMNS,
  ],
  AuthorizationPolicy: [
    { name: 'Action', type: 'string', jsonPath: '.spec.action', description: 'ALLOW (the default), DENY or AUDIT.' },
    ...READY_COLUMNS,
  ],
  TrafficSplit: [
    { name: 'Service', type: 'string', jsonPath: '.spec.service', description: 'The root Service being split.' },
    ...READY_COLUMNS,
  ],
  // Registry data, not routing config: nothing compiles to a Ready condition of its own.
  WorkloadEntry: [
    { name: 'Address', type: 'string', jsonPath: '.spec.address', description: 'Where the workload is reached.' },
    { name: 'Service Account', type: 'string', jsonPath: '.spec.serviceAccount', description: 'The identity it runs as.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
  ],
  RequestAuthentication: [
    { name: 'Issuers', type: 'string', jsonPath: '.spec.jwtRules[*].issuer', description: 'The issuers whose tokens are accepted.' },
    ...READY_COLUMNS,
  ],
};

export const CATEGORIES = ['weft'] as const;

export const crdFile = (k: Pick<KindSchema, 'plural'>): string => `crds/${GROUP}_${k.plural}.yaml`;

/** Inlines every `$ref` and keeps only what a structural schema allows; throws, naming the schema path, on anything else. */
function toStructural(node: SchemaNode, k: KindSchema, where: string, refs: readonly string[]): SchemaNode {
  const ref = node['$ref'];
  if (ref !== undefined) {
    if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) {
      throw new Error(`${k.file}#${where}: only local "#/definitions/..." references can be inlined, found ${JSON.stringify(ref)}`);
    }
    const name = ref.slice('#/definitions/'.length);
    if (refs.includes(name)) throw new Error(`${k.file}#${where}: "${name}" refers to itself; a CRD schema cannot be recursive`);
    const defs = k.schema['definitions'];
    const target = isObject(defs) ? defs[name] : undefined;
    if (!isObject(target)) throw new Error(`${k.file}#${where}: ${ref} does not exist`);
    const inlined = toStructural(target, k, `/definitions/${name}`, [...refs, name]);
    // Siblings of $ref (a description where the type is used) win over the definition's own.
    const siblings: SchemaNode = {};
    for (const [key, v] of Object.entries(node)) {
      if (key === '$ref' || DROPPED.has(key)) continue;
      if (key !== 'description') throw new Error(`${k.file}#${where}: only a description may stand beside $ref, found "${key}"`);
      siblings[key] = v;
    }
    return order({ ...inlined, ...siblings });
  }

  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (key === 'const') {
      out['enum'] = [value];
      continue;
    }
    if (key === 'properties') {
      if (!isObject(value)) throw new Error(`${k.file}#${where}: properties must be an object`);
      const props: { [name: string]: Json } = {};
      for (const [name, sub] of Object.entries(value)) {
        if (!isObject(sub)) throw new Error(`${k.file}#${where}/properties/${name}: must be a schema object`);
        props[name] = toStructural(sub, k, `${where}/properties/${name}`, refs);
      }
      out[key] = props;
      continue;
    }
    if (key === 'items') {
      if (!isObject(value)) throw new Error(`${k.file}#${where}/items: tuple schemas are not structural; use one schema for all items`);
      out[key] = toStructural(value, k, `${where}/items`, refs);
      continue;
    }
    if (key === 'additionalProperties') {
      // false: the API server prunes unknown fields (and kubectl's strict field
      // validation rejects them), and structural schemas forbid it anyway.
      if (value === false) continue;
      if (value === true) {
        out['x-kubernetes-preserve-unknown-fields'] = true;
        continue;
      }
      if (!isObject(value)) throw new Error(`${k.file}#${where}/additionalProperties: must be a boolean or a schema`);
      if (isObject(node['properties'])) {
        throw new Error(`${k.file}#${where}: a map schema (additionalProperties) cannot also have properties in a structural schema`);
      }
      out[key] = toStructural(value, k, `${where}/additionalProperties`, refs);
      continue;
    }
    if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum' || key === 'uniqueItems') {
      throw new Error(`${k.file}#${where}: "${key}" means something else (or is forbidden) in a CRD schema; use minimum/maximum or a CEL rule`);
    }
    if (!KEPT.has(key)) throw new Error(`${k.file}#${where}: "${key}" has no equivalent in a structural CRD schema`);
    out[key] = value;
  }
  if (out['type'] === undefined && out['x-kubernetes-int-or-string'] !== true && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${k.file}#${where}: needs a "type" (structural schemas type every node)`);
  }
  return order(out);
}

/** Keys in KEY_ORDER, so regenerated YAML is stable and reads the same way everywhere. */
function order(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const key of KEY_ORDER) if (node[key] !== undefined) out[key] = node[key];
  for (const key of Object.keys(node).sort()) if (!(key in out)) out[key] = node[key] ?? null;
  return out;
}

/** The openAPIV3Schema for one kind. */
export function openAPIV3Schema(k: KindSchema): SchemaNode {
  const props = k.schema['properties'];
  if (!isObject(props)) throw new Error(`${k.file}: the root needs properties`);
  const properties: { [name: string]: Json } = {};
  for (const [name, sub] of Object.entries(props)) {
    if (!isObject(sub)) throw new Error(`${k.file}#/properties/${name}: must be a schema object`);
    if (name === 'apiVersion' || name === 'kind') {
      properties[name] = { description: ROOT_DESCRIPTIONS[name] ?? name, type: 'string' };
    } else if (name === 'metadata') {
      // The API server owns ObjectMeta's schema; a CRD may not restrict it.
      properties[name] = { type: 'object' };
    } else {
      properties[name] = toStructural(sub, k, `/properties/${name}`, []);
    }
  }
  const status = properties['status'];
  if (isObject(status)) properties['status'] = withConditionsListMap(status, k);
  const required = Array.isArray(k.schema['required'])
    ? k.schema['required'].filter((r) => typeof r === 'string' && !['apiVersion', 'kind', 'metadata'].includes(r))
    : [];
  const description = k.schema['description'];
  return order({
    ...(typeof description === 'string' ? { description } : {}),
    type: 'object',
    ...(required.length > 0 ? { required } : {}),
    properties,
  });
}

/** Conditions are a map keyed by type, so server-side apply merges them per condition. */
function withConditionsListMap(status: SchemaNode, k: KindSchema): SchemaNode {
  const props = status['properties'];
  const conditions = isObject(props) ? props['conditions'] : undefined;
  if (!isObject(props) || !isObject(conditions)) throw new Error(`${k.file}: status needs a conditions array`);
  const items = conditions['items'];
  if (!isObject(items) || !Array.isArray(items['required']) || !items['required'].includes('type')) {
    throw new Error(`${k.file}: status.conditions items must require "type" (it is the list's map key)`);
  }
  return {
    ...status,
    properties: {
      ...props,
      conditions: order({ ...conditions, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    },
  };
}

/** The CustomResourceDefinition object for one kind. */
export function buildCrd(k: KindSchema): SchemaNode {
  const columns: Json[] = PRINTER_COLUMNS[k.kind].map((c) => ({
    name: c.name,
    type: c.type,
    jsonPath: c.jsonPath,
    description: c.description,
    ...(c.priority !== undefined ? { priority: c.priority } : {}),
  }));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.singular,
        shortNames: [k.shortName],
        categories: [...CATEGORIES],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: openAPIV3Schema(k) },
        },
      ],
    },
  };
}

export function crdYaml(k: KindSchema): string {
  const banner = [
    `# Code generated from ${k.file} by \`make generate\`. DO NOT EDIT.`,
    `# The ${k.kind} CustomResourceDefinition: kubectl apply -f crds/`,
  ].join('\n');
  return `${banner}\n${stringify(buildCrd(k), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

export function generateCrds(kinds: readonly KindSchema[]): Map<string, string> {
  return new Map(kinds.map((k) => [crdFile(k), crdYaml(k)]));
}
