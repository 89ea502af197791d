// `weft validate PATH...`: the admission webhook's judgement, offline, for CI
// in GitOps repositories. One line per problem:
//
//   FILE:LINE: Kind namespace/name: field.path: message
//   FILE:LINE: Kind namespace/name: field.path: warning: message
//
// LINE is the line of the field in the file. Other kinds are read (duplicates
// are still reported) but not judged. Exit 1 on any error (or warning, with
// --strict), 2 for a wrong command line.

import { stat } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';
import { type LoadProblem, type LoadResult, type Manifest, loadManifests, parseManifests, findDuplicates } from '../api/load.ts';
import { isMeshObject, validateResource } from '../api/validate.ts';
import type { Severity } from '../api/problem.ts';
import { isObj } from '../api/rules/context.ts';

export const usage = `usage: weft validate [--strict] [-o text|json] [-n NAMESPACE] PATH...

Checks Weft resources (VirtualService, AuthorizationPolicy, TrafficSplit in
weft.dev, and SMI split.smi-spec.io TrafficSplits) in YAML or JSON files and
folders (recursively: *.yaml, *.yml, *.json; "-" reads standard input), with
the same schema and rules as the admission webhook. Other kinds are skipped.

Prints one line per problem, by file and position:
  FILE:LINE: Kind namespace/name: field.path: message
Warnings say "warning:" before the message. A summary goes to standard error.

  --strict          fail on warnings too
  -o, --output FMT  text (default) or json
  -n, --namespace   namespace for resources without one (default: default)

Exit status: 0 no errors, 1 errors (or warnings with --strict), 2 usage.
`;

interface Options {
  readonly strict: boolean;
  readonly output: 'text' | 'json';
  readonly namespace: string;
  readonly paths: readonly string[];
}

type Parsed = { readonly ok: true; readonly options: Options } | { readonly ok: false; readonly help: boolean; readonly message?: string };

export function parseArgs(argv: readonly string[]): Parsed {
  let strict = false;
  let output: Options['output'] = 'text';
  let namespace = 'default';
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = (flag: string): string | undefined => {
      if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
      const v = argv[i + 1];
      i++;
      return v;
    };
    if (a === '--') {
      paths.push(...argv.slice(i + 1));
      break;
    } else if (a === '-h' || a === '--help') {
      return { ok: false, help: true };
    } else if (a === '--strict') {
      strict = true;
    } else if (a === '-o' || a === '--output' || a.startsWith('--output=') || a.startsWith('-o=')) {
      const v = value(a.startsWith('-o') ? '-o' : '--output');
      if (v !== 'text' && v !== 'json') return { ok: false, help: false, message: `-o takes text or json (got ${JSON.stringify(v ?? '')})` };
      output = v;
    } else if (a === '-n' || a === '--namespace' || a.startsWith('--namespace=') || a.startsWith('-n=')) {
      const v = value(a.startsWith('-n') ? '-n' : '--namespace');
      if (v === undefined || v === '') return { ok: false, help: false, message: '-n takes a namespace name' };
      namespace = v;
    } else if (a.startsWith('-') && a !== '-') {
      return { ok: false, help: false, message: `unknown option ${JSON.stringify(a)}` };
    } else {
      paths.push(a);
    }
  }
  if (paths.length === 0) return { ok: false, help: false, message: 'no PATH given: name the manifest files or folders to check' };
  return { ok: true, options: { strict, output, namespace, paths } };
}

/** One reported problem, flattened for printing. */
export interface Report {
  readonly file: string;
  readonly line: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path: string;
  readonly severity: Severity;
  readonly message: string;
}

export interface Outcome {
  readonly reports: readonly Report[];
  readonly files: number;
  readonly checked: number;
  readonly skipped: number;
}

/** Validates loaded manifests; reports come out sorted by file, then position in it. */
export function judge(loaded: LoadResult): Outcome {
  const fileOrder = new Map(loaded.files.map((f, i) => [f, i]));
  const entries: Array<{ readonly r: Report; readonly seq: number }> = [];
  const push = (r: Report): void => {
    entries.push({ r, seq: entries.length });
  };
  for (const p of loaded.problems) push(fromLoadProblem(p));
  let checked = 0;
  let skipped = 0;
  for (const m of loaded.manifests) {
    if (!isMeshObject(m.object)) {
      skipped++;
      continue;
    }
    checked++;
    const result = validateResource(m.object);
    const label = labelOf(m, result.ref);
    for (const problem of result.problems) {
      push({ file: m.file, line: m.lineOf(problem.path), ...label, path: problem.path, severity: problem.severity, message: problem.message });
    }
  }
  entries.sort((a, b) => (fileOrder.get(a.r.file) ?? -1) - (fileOrder.get(b.r.file) ?? -1) || a.r.line - b.r.line || a.seq - b.seq);
  return { reports: entries.map((e) => e.r), files: loaded.files.length, checked, skipped };
}

function fromLoadProblem(p: LoadProblem): Report {
  const base = { file: p.file, line: p.line, path: '', severity: p.severity, message: p.message };
  if (p.resource === undefined) return base;
  return p.resource.namespace === undefined
    ? { ...base, kind: p.resource.kind, name: p.resource.name }
    : { ...base, kind: p.resource.kind, namespace: p.resource.namespace, name: p.resource.name };
}

function labelOf(m: Manifest, ref: { readonly kind: string; readonly namespace: string; readonly name: string } | undefined): { kind?: string; namespace?: string; name?: string } {
  if (ref !== undefined) return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
  const o = m.object;
  const kind = isObj(o) && typeof o['kind'] === 'string' && o['kind'] !== '' ? o['kind'] : undefined;
  return kind === undefined ? {} : { kind };
}

export function formatReport(r: Report): string {
  const where = r.line > 0 ? `${r.file}:${r.line}` : r.file;
  const resource = r.kind === undefined ? '' : r.name === undefined ? `${r.kind} (unnamed): ` : `${r.kind} ${r.namespace === undefined ? '' : `${r.namespace}/`}${r.name}: `;
  const path = r.path === '' ? '' : `${r.path}: `;
  return `${where}: ${resource}${path}${r.severity === 'warning' ? 'warning: ' : ''}${r.message}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(usage);
      return 0;
    }
    process.stderr.write(`weft validate: ${parsed.message ?? ''}\n\n${usage}`);
    return 2;
  }
  const { options } = parsed;
  for (const p of options.paths) {
    if (p === '-') continue;
    try {
      await stat(p);
    } catch {
      process.stderr.write(`weft validate: ${p}: no such file or directory\n`);
      return 2;
    }
  }
  const loaded = await load(options);
  const outcome = judge(loaded);
  const errors = outcome.reports.filter((r) => r.severity === 'error').length;
  const warnings = outcome.reports.length - errors;
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify({ problems: outcome.reports, summary: { files: outcome.files, checked: outcome.checked, skipped: outcome.skipped, errors, warnings } }, null, 2)}\n`);
  } else {
    const text = outcome.reports.map(formatReport).join('\n');
    if (text !== '') process.stdout.write(`${text}\n`);
  }
  const failed = errors > 0 || (options.strict && warnings > 0);
  process.stderr.write(`weft validate: ${plural(outcome.checked, 'resource')} checked in ${plural(outcome.files, 'file')}${outcome.skipped > 0 ? ` (${outcome.skipped} of other kinds skipped)` : ''}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${options.strict && warnings > 0 && errors === 0 ? ' (--strict: warnings fail)' : ''}\n`);
  return failed ? 1 : 0;
}

/** Files and folders, with "-" standing for standard input. */
async function load(options: Options): Promise<LoadResult> {
  const loadOptions = { defaultNamespace: options.namespace };
  if (!options.paths.includes('-')) return loadManifests(options.paths, loadOptions);
  const parts: LoadResult[] = [];
  for (const p of options.paths) {
    if (p === '-') {
      const parsed = parseManifests(await readStream(process.stdin), '<stdin>', loadOptions);
      parts.push({ manifests: parsed.manifests, problems: parsed.problems, files: ['<stdin>'] });
    } else {
      // Duplicates are found across everything below.
      parts.push(await loadManifests([p], { ...loadOptions, checkDuplicates: false }));
    }
  }
  const manifests = parts.flatMap((p) => p.manifests);
  return { manifests, problems: [...parts.flatMap((p) => p.problems), ...findDuplicates(manifests)], files: parts.flatMap((p) => p.files) };
}
