// The file-based source of local mode: a folder of manifests → a mesh
// snapshot, rebuilt on every change, where a bad edit never reaches the mesh.
//
// What admission does on a cluster, this does per reload:
// - a file that no longer parses keeps its last good manifests;
// - a mesh resource (VirtualService, AuthorizationPolicy, TrafficSplit) that
//   fails validation keeps its last valid version in the snapshot, so traffic
//   goes on as before; its problems are reported with the validator's lines;
// - everything else (Services, WorkloadEntries, Deployments) is taken as it is.
// Files carry no metadata.generation: the source assigns one per mesh
// resource, bumped when its content changes, so status can say "generation G
// programmed on N of M proxies".

import { createHash } from 'node:crypto';
import { loadManifests, type LoadProblem, type Manifest } from '../api/load.ts';
import { refKey } from '../api/model.ts';
import { WEFT_KINDS, isMeshObject, validateResource } from '../api/validate.ts';
import { snapshotFromManifests, type BuildOptions, type ManifestProblem } from '../compile/manifests.ts';
import type { MeshSettings, MeshSnapshot } from '../compile/snapshot.ts';
import type { Report } from '../cli/validate.ts';
import { MTLS_LABEL, namespaceMtls } from '../k8s/registry.ts';

export interface InvalidResource {
  /** refKey of the resource. */
  readonly key: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The validator's problems with the edit, located. */
  readonly reports: readonly Report[];
  /** Generation still served (the last valid one); undefined when it never was valid. */
  readonly servedGeneration: number | undefined;
}

export interface SourceBuild {
  readonly snapshot: MeshSnapshot;
  /** Every problem found, as `weft validate` reports it (errors and warnings), sorted by file and line. */
  readonly reports: readonly Report[];
  /** Mesh resources whose current text is invalid. */
  readonly invalid: readonly InvalidResource[];
  /** Files whose last edit could not be read or parsed, served from their last good text. */
  readonly staleFiles: readonly string[];
  /** refKey → generation assigned to the resource's current valid content. */
  readonly generations: ReadonlyMap<string, number>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function withManifestObject(m: Manifest, object: unknown): Manifest {
  return { file: m.file, line: m.line, index: m.index, object, lineOf: (p) => m.lineOf(p) };
}

function withGeneration(object: Obj, generation: number): Obj {
  const meta = isObj(object['metadata']) ? object['metadata'] : {};
  return { ...object, metadata: { ...meta, generation } };
}

/** Content identity of a mesh resource: what a change of generation means on a cluster (spec, plus metadata users edit). */
function contentHash(object: Obj): string {
  const meta = isObj(object['metadata']) ? object['metadata'] : {};
  return createHash('sha256').update(JSON.stringify([object['apiVersion'], object['spec'], meta['labels'], meta['annotations']])).digest('hex');
}

const fromLoad = (p: LoadProblem): Report => ({
  file: p.file,
  line: p.line,
  path: '',
  severity: p.severity,
  message: p.message,
  ...(p.resource !== undefined ? { kind: p.resource.kind, name: p.resource.name, ...(p.resource.namespace !== undefined ? { namespace: p.resource.namespace } : {}) } : {}),
});

const fromManifest = (p: ManifestProblem): Report => ({ file: p.file, line: p.line, kind: p.kind, namespace: p.namespace, name: p.name, path: p.path, severity: p.severity, message: p.message });

/** Reads a folder again and again, remembering what was last good. */
export class FileSource {
  readonly dir: string;
  readonly #settings: MeshSettings;
  readonly #build: BuildOptions;
  readonly #lastGoodFile = new Map<string, readonly Manifest[]>();
  readonly #lastGoodResource = new Map<string, Obj>();
  readonly #generation = new Map<string, { hash: string; generation: number }>();

  constructor(dir: string, settings: MeshSettings, build: BuildOptions = {}) {
    this.dir = dir;
    this.#settings = settings;
    this.#build = build;
  }

  async load(): Promise<SourceBuild> {
    const loaded = await loadManifests([this.dir]);
    const reports: Report[] = loaded.problems.map(fromLoad);
    // A file with a syntax (or read) error keeps its last good manifests.
    const broken = new Set(loaded.problems.filter((p) => p.severity === 'error' && p.resource === undefined).map((p) => p.file));
    const byFile = new Map<string, Manifest[]>();
    for (const m of loaded.manifests) {
      let list = byFile.get(m.file);
      if (list === undefined) byFile.set(m.file, (list = []));
      list.push(m);
    }
    const staleFiles: string[] = [];
    const manifests: Manifest[] = [];
    for (const file of loaded.files) {
      if (broken.has(file)) {
        const before = this.#lastGoodFile.get(file);
        if (before !== undefined) {
          staleFiles.push(file);
          manifests.push(...before);
        }
        continue;
      }
      const current = byFile.get(file) ?? [];
      this.#lastGoodFile.set(file, current);
      manifests.push(...current);
    }
    for (const f of [...this.#lastGoodFile.keys()]) if (!loaded.files.includes(f)) this.#lastGoodFile.delete(f);

    // Mesh resources: validate; an invalid edit is replaced by the last valid version.
    const invalid: InvalidResource[] = [];
    const generations = new Map<string, number>();
    const present = new Set<string>();
    const accepted: Manifest[] = [];
    for (const m of manifests) {
      if (!isMeshObject(m.object) || !isObj(m.object)) {
        accepted.push(m);
        continue;
      }
      const result = validateResource(m.object);
      if (result.ref === undefined) {
        for (const p of result.problems) reports.push({ file: m.file, line: m.lineOf(p.path), path: p.path, severity: p.severity, message: p.message });
        continue;
      }
      const key = refKey(result.ref);
      present.add(key);
      const label = { kind: result.ref.kind, namespace: result.ref.namespace, name: result.ref.name };
      const located = result.problems.map((p): Report => ({ file: m.file, line: m.lineOf(p.path), ...label, path: p.path, severity: p.severity, message: p.message }));
      reports.push(...located);
      if (!result.ok) {
        const good = this.#lastGoodResource.get(key);
        const served = this.#generation.get(key)?.generation;
        invalid.push({ key, ...label, reports: located.filter((r) => r.severity === 'error'), servedGeneration: good === undefined ? undefined : served });
        if (good !== undefined && served !== undefined) {
          generations.set(key, served);
          accepted.push(withManifestObject(m, good));
        }
        continue;
      }
      const hash = contentHash(m.object);
      const prev = this.#generation.get(key);
      const generation = prev === undefined ? 1 : prev.hash === hash ? prev.generation : prev.generation + 1;
      this.#generation.set(key, { hash, generation });
      const object = withGeneration(m.object, generation);
      this.#lastGoodResource.set(key, object);
      generations.set(key, generation);
      accepted.push(withManifestObject(m, object));
    }
    // A deleted resource starts again at generation 1 if it comes back, as on a cluster.
    for (const k of [...this.#lastGoodResource.keys()]) {
      if (!present.has(k)) {
        this.#lastGoodResource.delete(k);
        this.#generation.delete(k);
      }
    }

    // Namespaces in the folder carry the mTLS mode as on a cluster: the label weft.dev/mtls.
    const namespaces = accepted.filter((m) => isObj(m.object) && m.object['kind'] === 'Namespace' && m.object['apiVersion'] === 'v1');
    const mtls = namespaceMtls(namespaces.map((m) => m.object as Record<string, unknown>));
    for (const bad of mtls.invalid) {
      const name = bad.slice(0, bad.indexOf(':'));
      const m = namespaces.find((x) => isObj(x.object) && isObj(x.object['metadata']) && x.object['metadata']['name'] === name);
      const path = `metadata.labels[${MTLS_LABEL}]`;
      if (m !== undefined) reports.push({ file: m.file, line: m.lineOf(path), kind: 'Namespace', name, path, severity: 'error', message: `${bad.slice(bad.indexOf(':') + 2)}; the namespace keeps the mesh default` });
    }
    const settings: MeshSettings = Object.keys(mtls.modes).length === 0 ? this.#settings : { ...this.#settings, namespaceMtls: { ...this.#settings.namespaceMtls, ...mtls.modes } };
    const built = snapshotFromManifests(accepted, settings, this.#build);
    // Mesh resource problems were reported above from the text as written; the rest come from the registry build.
    for (const p of built.problems) if (!isValidatedKind(p.kind)) reports.push(fromManifest(p));
    reports.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
    return { snapshot: built.snapshot, reports, invalid, staleFiles, generations };
  }
}

const isValidatedKind = (kind: string): boolean => (WEFT_KINDS as readonly string[]).includes(kind);
