// Bundle src-shared/chem (TypeScript) into one ESM file so dev scripts and benchmarks can run it
// with plain Node. Usage: `import { loadChem } from './bundle.mjs'; const chem = await loadChem();`
import { build } from 'rolldown';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function loadChem() {
  const out = join(mkdtempSync(join(tmpdir(), 'lw-chem-')), 'chem.mjs');
  await build({
    input: join(ROOT, 'src-shared/chem/index.ts'),
    output: { file: out, format: 'esm' },
    write: true,
    logLevel: 'silent',
  });
  return import(pathToFileURL(out).href);
}
