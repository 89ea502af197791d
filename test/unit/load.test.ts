import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, parseManifests } from '../../operator/api/load.ts';

interface Doc {
  readonly metadata: { readonly name?: string; readonly namespace?: string };
}
/** The loaded objects, read as Kubernetes objects (each test writes only such). */
const objects = (ms: ReadonlyArray<{ object: unknown }>): Doc[] => ms.map((m) => m.object as Doc);

test('multi-document YAML: each document with its starting line; empty documents skipped', () => {
  const text = [
    '# leading comment',
    'apiVersion: v1',            // line 2
    'kind: Service',
    'metadata: {name: a, namespace: shop}',
    '---',
    '---',                       // an empty document
    '# only a comment',
    '---',
    'apiVersion: weft.dev/v1alpha1', // line 9
    'kind: VirtualService',
    'metadata:',
    '  name: reviews',
    'spec:',
    '  hosts: [reviews]',
    '  http:',
    '  - route:',
    '    - destination: {host: reviews-v1}',
    '      weight: 5',           // line 18
    '',
  ].join('\n');
  const { manifests, problems } = parseManifests(text, 'm.yaml');
  assert.deepEqual(problems, []);
  assert.deepEqual(manifests.map((m) => [m.file, m.line, m.index]), [['m.yaml', 2, 0], ['m.yaml', 9, 1]]);
  const vs = manifests[1];
  assert.ok(vs);
  assert.equal(vs.lineOf('spec.http[0].route[0].weight'), 18);
  assert.equal(vs.lineOf('spec.http[0]'), 16);
  assert.equal(vs.lineOf('spec.hosts'), 14);
  // A missing field points at the nearest enclosing one.
  assert.equal(vs.lineOf('spec.http[0].route[0].destination.port'), 17);
  assert.equal(vs.lineOf(''), 9);
});

test('metadata.namespace defaults to "default" (or the given one), not for cluster-scoped kinds', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: shop}\n';
  assert.deepEqual(objects(parseManifests(text, 'x').manifests).map((o) => o.metadata.namespace), ['default', undefined, 'shop']);
  assert.deepEqual(objects(parseManifests(text, 'x', { defaultNamespace: 'dev' }).manifests).map((o) => o.metadata.namespace), ['dev', undefined, 'shop']);
});

test('YAML syntax errors are problems with file and line, never exceptions; other documents still load', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: 1\n  a: 2\n';
  const { manifests, problems } = parseManifests(text, 'bad.yaml');
  assert.deepEqual(objects(manifests).map((o) => o.metadata.name), ['ok']);
  assert.equal(problems.length, 2, JSON.stringify(problems));
  assert.deepEqual(problems.map((p) => [p.file, p.severity]), [['bad.yaml', 'error'], ['bad.yaml', 'error']]);
  assert.ok(problems[0] && problems[0].line >= 8 && problems[0].line <= 9, `line ${problems[0]?.line}`);
  assert.match(problems[0]?.message ?? '', /^YAML: /);
  assert.equal(problems[1]?.line, 15);
  assert.match(problems[1]?.message ?? '', /Map keys must be unique/);
});

test('kind: List items are expanded, each with its own line', () => {
  const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n';
  const { manifests } = parseManifests(text, 'list.yaml');
  assert.deepEqual(manifests.map((m, i) => [objects(manifests)[i]?.metadata.name, m.line]), [['a', 4], ['b', 7]]);
  assert.equal(manifests[1]?.lineOf('metadata.name'), 9);
});

test('JSON files load the same way', () => {
  const { manifests } = parseManifests('{"apiVersion":"v1","kind":"Service","metadata":{"name":"j"}}', 'x.json');
  assert.deepEqual(objects(manifests).map((o) => o.metadata), [{ name: 'j', namespace: 'default' }]);
});

test('a document that is not a mapping is skipped with a warning', () => {
  const { manifests, problems } = parseManifests('- just\n- a list\n', 'l.yaml');
  assert.equal(manifests.length, 0);
  assert.deepEqual(problems.map((p) => [p.line, p.severity]), [[1, 'warning']]);
});

test('folders load recursively (yaml, yml, json; hidden folders skipped), in name order; duplicates name both files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-load-'));
  try {
    await mkdir(join(dir, 'b', 'deeper'), { recursive: true });
    await mkdir(join(dir, '.git'));
    const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: shop}\n`;
    await writeFile(join(dir, 'a.yaml'), svc('one'));
    await writeFile(join(dir, 'b', 'c.yml'), svc('two'));
    await writeFile(join(dir, 'b', 'deeper', 'd.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'three', namespace: 'shop' } }));
    await writeFile(join(dir, 'b', 'notes.txt'), 'not a manifest: {{');
    await writeFile(join(dir, '.git', 'e.yaml'), svc('hidden'));
    await writeFile(join(dir, 'z.yaml'), `# again\n${svc('one')}`);
    const r = await loadManifests([dir]);
    assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)), ['a.yaml', 'b/c.yml', 'b/deeper/d.json', 'z.yaml']);
    assert.deepEqual(objects(r.manifests).map((o) => o.metadata.name), ['one', 'two', 'three', 'one']);
    assert.equal(r.problems.length, 1);
    const dup = r.problems[0];
    assert.equal(dup?.file, join(dir, 'z.yaml'));
    assert.equal(dup?.line, 2);
    assert.deepEqual(dup?.resource, { kind: 'Service', namespace: 'shop', name: 'one' });
    assert.ok(dup?.message.includes(`${join(dir, 'a.yaml')}:1`) && dup.message.includes(`${join(dir, 'z.yaml')}:2`), dup?.message);
    // The same names in different namespaces or groups are different objects.
    const other = await loadManifests([join(dir, 'a.yaml')]);
    assert.equal(other.problems.length, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing path is a problem, not an exception', async () => {
  const r = await loadManifests(['/nonexistent/weft/manifests']);
  assert.deepEqual(r.problems.map((p) => [p.file, p.message]), [['/nonexistent/weft/manifests', 'no such file or directory']]);
  assert.equal(r.manifests.length, 0);
});

test('a document that refers to itself through an alias is an error, not an endless walk', () => {
  const { manifests, problems } = parseManifests('apiVersion: weft.dev/v1alpha1\nkind: VirtualService\nmetadata: {name: a}\nspec: &s\n  hosts: [a]\n  http: [*s]\n', 'loop.yaml');
  assert.equal(manifests.length, 0);
  assert.deepEqual(problems.map((p) => [p.line, p.severity]), [[1, 'error']]);
  assert.match(problems[0]?.message ?? '', /refers to itself/);
  // Aliases that do not loop are fine (and common for shared label blocks).
  const shared = parseManifests('apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: &l {app: a}}\nspec: {selector: *l}\n', 'ok.yaml');
  assert.deepEqual(shared.problems, []);
  assert.equal(shared.manifests.length, 1);
});
