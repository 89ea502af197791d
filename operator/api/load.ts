// Manifests from files and folders, as kubectl and Argo CD read them:
// multi-document YAML (or JSON), `kind: List` expanded, metadata.namespace
// defaulted like kubectl. Every document keeps its file and line, and every
// field its line, so problems point into the file. Nothing here throws on bad
// input: syntax errors, unreadable files and duplicates are problems.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Node as YamlNode } from 'yaml';
import type { Severity } from './problem.ts';
import { isObj, isTree, splitPath } from './rules/context.ts';

export interface Manifest {
  readonly file: string;
  /** 1-based line where the document (or the List item) starts. */
  readonly line: number;
  /** Order in the file: documents, and List items within them, in order. */
  readonly index: number;
  /** The parsed object; metadata.namespace is set for namespaced kinds. */
  readonly object: unknown;
  /** 1-based line of a field (Kubernetes-form path), or of the nearest enclosing one that exists. */
  lineOf(path: string): number;
}

export interface LoadProblem {
  readonly file: string;
  readonly line: number;
  readonly severity: Severity;
  readonly message: string;
  /** The resource concerned, when there is one (duplicates). */
  readonly resource?: { readonly kind: string; readonly namespace?: string; readonly name: string };
}

export interface LoadResult {
  readonly manifests: readonly Manifest[];
  readonly problems: readonly LoadProblem[];
  /** Every file read, in order. */
  readonly files: readonly string[];
}

export interface LoadOptions {
  /** Namespace for namespaced objects without one (kubectl's default: "default"). */
  readonly defaultNamespace?: string;
  /** Report objects defined twice (default true); off when the caller merges several loads itself. */
  readonly checkDuplicates?: boolean;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Kinds without a namespace: kubectl does not give them one, nor do we. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'APIService', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode',
  'VolumeAttachment', 'CertificateSigningRequest', 'ClusterIssuer', 'FlowSchema', 'PriorityLevelConfiguration',
]);

// --- parsing one text ----------------------------------------------------------------

/** Parses one file's text into manifests and problems. */
export function parseManifests(text: string, file: string, options: LoadOptions = {}): { manifests: Manifest[]; problems: LoadProblem[] } {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const manifests: Manifest[] = [];
  const problems: LoadProblem[] = [];
  const lines = new LineCounter();
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        problems.push({ file, line: e.linePos?.[0].line ?? lineAt(e.pos[0]), severity: 'error', message: `YAML: ${e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').replace(/\s+$/, '')}` });
      }
      continue;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue; // empty document
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      problems.push({ file, line: lineAt(contents.range[0]), severity: 'error', message: `YAML: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const add = (object: unknown, node: YamlNode): void => {
      manifests.push({
        file,
        line: lineAt(node.range?.[0] ?? 0),
        index: manifests.length,
        object: withNamespace(object, defaultNamespace),
        lineOf: (path) => lineAt(locate(node, path)),
      });
    };
    if (!isObj(value)) {
      problems.push({ file, line: lineAt(contents.range[0]), severity: 'warning', message: 'not a Kubernetes object (a mapping with apiVersion and kind): skipped' });
      continue;
    }
    if (!isTree(value)) {
      problems.push({ file, line: lineAt(contents.range[0]), severity: 'error', message: 'YAML: an alias is used inside its own anchor, so the document refers to itself; Kubernetes objects cannot be recursive' });
      continue;
    }
    if (value['kind'] === 'List' && Array.isArray(value['items']) && isMap(contents)) {
      const itemsNode = contents.get('items', true);
      value['items'].forEach((item, i) => {
        const node = isSeq(itemsNode) ? itemsNode.items[i] : undefined;
        add(item, isNode(node) ? node : contents);
      });
      continue;
    }
    add(value, contents);
  }
  return { manifests, problems };
}

const isNode = (n: unknown): n is YamlNode => isMap(n) || isSeq(n) || isScalar(n);

function withNamespace(object: unknown, namespace: string): unknown {
  if (!isObj(object)) return object;
  const meta = object['metadata'];
  if (!isObj(meta) || (typeof meta['namespace'] === 'string' && meta['namespace'] !== '')) return object;
  if (typeof object['kind'] === 'string' && CLUSTER_SCOPED.has(object['kind'])) return object;
  return { ...object, metadata: { ...meta, namespace } };
}

/** The offset of the deepest node along `path` (a key's own position for fields, the item's for list entries). */
function locate(root: YamlNode, path: string): number {
  let node: unknown = root;
  let offset = root.range?.[0] ?? 0;
  for (const seg of splitPath(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined) break;
      const key = pair.key;
      if (isScalar(key) && key.range) offset = key.range[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (!/^[0-9]+$/.test(seg) || item === undefined) break;
      if (isNode(item) && item.range) offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

// --- files and folders ---------------------------------------------------------------

/** Reads every file and folder (recursively: *.yaml, *.yml, *.json) in `paths`. */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const files: string[] = [];
  const problems: LoadProblem[] = [];
  for (const p of paths) await collect(p, true, files, problems);
  const manifests: Manifest[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      problems.push({ file, line: 0, severity: 'error', message: `cannot read: ${describeFsError(e)}` });
      continue;
    }
    const parsed = parseManifests(text, file, options);
    manifests.push(...parsed.manifests);
    problems.push(...parsed.problems);
  }
  if (options.checkDuplicates !== false) problems.push(...findDuplicates(manifests));
  return { manifests, problems, files };
}

async function collect(path: string, explicit: boolean, files: string[], problems: LoadProblem[]): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    problems.push({ file: path, line: 0, severity: 'error', message: describeFsError(e) });
    return;
  }
  if (info.isDirectory()) {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (e) {
      problems.push({ file: path, line: 0, severity: 'error', message: `cannot read folder: ${describeFsError(e)}` });
      return;
    }
    const names = entries.map((e) => e.name).filter((n) => !n.startsWith('.') && n !== 'node_modules').sort();
    for (const name of names) await collect(join(path, name), false, files, problems);
  } else if (explicit || MANIFEST_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext))) {
    files.push(path);
  }
}

function describeFsError(e: unknown): string {
  const code = isObj(e) ? e['code'] : undefined;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

// --- duplicates ------------------------------------------------------------------------

/** The same object (group, kind, namespace, name) twice: kubectl and Argo CD would keep only one. */
export function findDuplicates(manifests: readonly Manifest[]): LoadProblem[] {
  const first = new Map<string, Manifest>();
  const out: LoadProblem[] = [];
  for (const m of manifests) {
    const o = m.object;
    if (!isObj(o) || typeof o['kind'] !== 'string' || typeof o['apiVersion'] !== 'string') continue;
    const meta = o['metadata'];
    if (!isObj(meta) || typeof meta['name'] !== 'string') continue;
    const group = o['apiVersion'].includes('/') ? o['apiVersion'].slice(0, o['apiVersion'].indexOf('/')) : '';
    const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
    const key = `${group}/${o['kind']}/${namespace ?? ''}/${meta['name']}`;
    const before = first.get(key);
    if (before === undefined) {
      first.set(key, m);
      continue;
    }
    const resource = namespace === undefined ? { kind: o['kind'], name: meta['name'] } : { kind: o['kind'], namespace, name: meta['name'] };
    out.push({
      file: m.file,
      line: m.line,
      severity: 'error',
      message: `defined twice: first in ${before.file}:${before.line}, again in ${m.file}:${m.line}; only one would be applied`,
      resource,
    });
  }
  return out;
}
