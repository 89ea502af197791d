// `make generate`: writes every file generateAll() produces.

import { mkdir, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { generateAll, REPO_ROOT } from './generate.ts';

const files = await generateAll(REPO_ROOT);
for (const [file, text] of files) {
  const target = path.join(REPO_ROOT, file);
  const before = await readFile(target, 'utf8').catch(() => undefined);
  if (before === text) {
    console.log(`unchanged ${file}`);
    continue;
  }
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text);
  console.log(`wrote     ${file}`);
}
