// `weft compile PATH... --proxy NS/WORKLOAD`: the Envoy resources that
// workload's proxy would receive, from manifests alone (mesh resources plus
// Services, Deployments/StatefulSets/DaemonSets/Pods and WorkloadEntries for
// the registry), as JSON grouped by type, in Envoy's config_dump shape.
// Manifests with errors are reported like `weft validate` and nothing is
// compiled. Conflicts and unresolved references that reach the proxy are
// printed to standard error as warnings.

import { stat } from 'node:fs/promises';
import { loadManifests } from '../api/load.ts';
import { analyzeMesh, affects } from '../compile/analyze.ts';
import { snapshotFromManifests } from '../compile/manifests.ts';
import { MeshCompiler } from '../compile/proxy.ts';
import { defaultMeshSettings, type MeshSettings, type MtlsMode } from '../compile/snapshot.ts';
import type { CompiledResource, ProxyConfig } from '../compile/types.ts';
import { formatReport } from './validate.ts';

export const usage = `usage: weft compile PATH... --proxy NAMESPACE/WORKLOAD [options]

Prints the Envoy xDS resources the proxy of one workload would receive, from
manifests in YAML or JSON files and folders: Weft resources (VirtualService,
AuthorizationPolicy, TrafficSplit), Kubernetes Services and workloads
(Deployment, StatefulSet, DaemonSet, Pod) and weft.dev WorkloadEntries.

  --proxy NS/WORKLOAD   the workload whose proxy to compile for (required)
  --type TYPE           only listeners, routes, clusters or endpoints
  -o, --output json     output format (json, the default and only one)
  -n, --namespace NS    namespace for manifests without one (default: default)
  --mtls MODE           mesh-wide mTLS mode: PERMISSIVE (default) or STRICT
  --trust-domain TD     SPIFFE trust domain (default: cluster.local)
  --root-namespace NS   namespace whose AuthorizationPolicies apply mesh-wide (default: weft-system)

Exit status: 0 compiled, 1 manifest errors or unknown proxy, 2 usage.
`;

const TYPES = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
type ResourceGroup = (typeof TYPES)[number];

interface Options {
  readonly proxy: { namespace: string; workload: string };
  readonly type: ResourceGroup | undefined;
  readonly namespace: string;
  readonly settings: MeshSettings;
  readonly paths: readonly string[];
}

type Parsed = { readonly ok: true; readonly options: Options } | { readonly ok: false; readonly help: boolean; readonly message?: string };

export function parseArgs(argv: readonly string[]): Parsed {
  let proxy: string | undefined;
  let type: ResourceGroup | undefined;
  let namespace = 'default';
  let mtls: MtlsMode = defaultMeshSettings.defaultMtls;
  let trustDomain = defaultMeshSettings.trustDomain;
  let rootNamespace = defaultMeshSettings.rootNamespace;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.indexOf('=');
    const flag = a.startsWith('-') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 && a.startsWith('-') ? a.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '-h':
      case '--help':
        return { ok: false, help: true };
      case '--proxy':
        proxy = value();
        break;
      case '--type': {
        const v = value();
        if (!(TYPES as readonly string[]).includes(v ?? '')) return { ok: false, help: false, message: `--type takes one of ${TYPES.join(', ')} (got ${JSON.stringify(v ?? '')})` };
        type = v as ResourceGroup;
        break;
      }
      case '-o':
      case '--output': {
        const v = value();
        if (v !== 'json') return { ok: false, help: false, message: `-o takes json (got ${JSON.stringify(v ?? '')})` };
        break;
      }
      case '-n':
      case '--namespace': {
        const v = value();
        if (v === undefined || v === '') return { ok: false, help: false, message: '-n takes a namespace name' };
        namespace = v;
        break;
      }
      case '--mtls': {
        const v = value()?.toUpperCase();
        if (v !== 'STRICT' && v !== 'PERMISSIVE') return { ok: false, help: false, message: `--mtls takes STRICT or PERMISSIVE (got ${JSON.stringify(v ?? '')})` };
        mtls = v;
        break;
      }
      case '--trust-domain': {
        const v = value();
        if (v === undefined || v === '') return { ok: false, help: false, message: '--trust-domain takes a domain such as cluster.local' };
        trustDomain = v;
        break;
      }
      case '--root-namespace': {
        const v = value();
        if (v === undefined || v === '') return { ok: false, help: false, message: '--root-namespace takes a namespace name' };
        rootNamespace = v;
        break;
      }
      default:
        if (a.startsWith('-')) return { ok: false, help: false, message: `unknown option ${JSON.stringify(a)}` };
        paths.push(a);
    }
  }
  if (paths.length === 0) return { ok: false, help: false, message: 'no PATH given: name the manifest files or folders' };
  if (proxy === undefined) return { ok: false, help: false, message: '--proxy NAMESPACE/WORKLOAD is required' };
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(proxy);
  if (m === null) return { ok: false, help: false, message: `--proxy takes NAMESPACE/WORKLOAD, such as shop/frontend (got ${JSON.stringify(proxy)})` };
  return {
    ok: true,
    options: {
      proxy: { namespace: m[1] ?? '', workload: m[2] ?? '' },
      type,
      namespace,
      settings: { ...defaultMeshSettings, defaultMtls: mtls, trustDomain, rootNamespace },
      paths,
    },
  };
}

/** The printed document: resources by type, each list in xDS name order. */
export function render(config: ProxyConfig, type: ResourceGroup | undefined): string {
  const pick = (rs: readonly CompiledResource[]): unknown[] => rs.map((r) => r.resource);
  const groups: Record<ResourceGroup, readonly CompiledResource[]> = {
    listeners: config.listeners,
    routes: config.routes,
    clusters: config.clusters,
    endpoints: config.endpoints,
  };
  const doc: Record<string, unknown> = { proxy: `${config.proxy.namespace}/${config.proxy.workload}` };
  for (const t of TYPES) if (type === undefined || type === t) doc[t] = pick(groups[t]);
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      io.out(usage);
      return 0;
    }
    io.err(`weft compile: ${parsed.message ?? ''}\n\n${usage}`);
    return 2;
  }
  const { options } = parsed;
  for (const p of options.paths) {
    try {
      await stat(p);
    } catch {
      io.err(`weft compile: ${p}: no such file or directory\n`);
      return 2;
    }
  }
  const loaded = await loadManifests(options.paths, { defaultNamespace: options.namespace });
  const build = snapshotFromManifests(loaded.manifests, options.settings);
  const reports = [
    ...loaded.problems.map((p) => ({ file: p.file, line: p.line, path: '', severity: p.severity, message: p.message, ...(p.resource ?? {}) })),
    ...build.problems,
  ];
  const errors = reports.filter((r) => r.severity === 'error');
  if (errors.length > 0) {
    io.err(`${reports.map(formatReport).join('\n')}\nweft compile: ${errors.length} error${errors.length === 1 ? '' : 's'} in the manifests: nothing compiled\n`);
    return 1;
  }
  for (const r of reports) io.err(`${formatReport(r)}\n`);

  const compiler = new MeshCompiler(build.snapshot);
  const known = compiler.index.workloads.map((w) => w.key);
  if (!known.includes(`${options.proxy.namespace}/${options.proxy.workload}`)) {
    io.err(
      `weft compile: no workload ${options.proxy.namespace}/${options.proxy.workload} in the manifests; ` +
        (known.length === 0 ? 'they define none (Deployment, StatefulSet, DaemonSet, Pod or WorkloadEntry)\n' : `workloads: ${known.join(', ')}\n`),
    );
    return 1;
  }
  const config = compiler.compileProxy(options.proxy);
  for (const a of analyzeMesh(build.snapshot).resources) {
    if (!affects(a.proxies, options.proxy)) continue;
    const name = `${a.ref.kind} ${a.ref.namespace}/${a.ref.name}`;
    for (const c of a.conflicts) if (c.role === 'lost') io.err(`${name}: ${c.path}: warning: ${c.message}\n`);
    for (const u of a.unresolved) io.err(`${name}: ${u.path}: warning: ${u.message}\n`);
  }
  io.out(render(config, options.type));
  return 0;
}
