/**
 * Converts CGCNN's eight published models (txie-93/cgcnn `pre-trained/*.pth.tar`, MIT) into
 * Latticework model files shipped in `resources/models/*.lwm`, registered at startup as the
 * built-in models. Uses the engine's own legacy-torch reader and CGCNN importer.
 *
 *   npx tsx scripts/models/build-builtin-models.ts [SOURCE_DIR] [OUT_DIR]
 *
 * SOURCE_DIR defaults to ../shared/data/cgcnn-pretrained (as laid out on the build machines),
 * OUT_DIR to resources/models. The output is deterministic for the same input (fixed
 * creation date), so re-running it changes nothing unless the importer changes.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CGCNN_PUBLISHED, baseName, importCgcnnCheckpoint } from '../../src-main/engine/import/cgcnn';
import { encodeModelFile } from '../../src-main/engine/models/format';

const root = resolve(import.meta.dirname, '..', '..');
const source = resolve(process.argv[2] ?? join(root, '..', 'shared', 'data', 'cgcnn-pretrained'));
const out = resolve(process.argv[3] ?? join(root, 'resources', 'models'));

/** Readable names (units from the data's README and MODELS.tsv; see CGCNN_PUBLISHED for the target units). */
const NAMES: Record<string, string> = {
  'formation-energy-per-atom': 'CGCNN formation energy per atom',
  'final-energy-per-atom': 'CGCNN final energy per atom',
  'band-gap': 'CGCNN band gap',
  efermi: 'CGCNN Fermi energy',
  'bulk-moduli': 'CGCNN bulk modulus',
  'shear-moduli': 'CGCNN shear modulus',
  'poisson-ratio': 'CGCNN Poisson ratio',
  'semi-metal-classification': 'CGCNN metal/semiconductor',
};

mkdirSync(out, { recursive: true });
let total = 0;
for (const file of readdirSync(source).filter((f) => f.endsWith('.pth.tar')).sort()) {
  const stem = baseName(file);
  if (!CGCNN_PUBLISHED[stem]) throw new Error(`${file} is not one of CGCNN's published models`);
  const data = importCgcnnCheckpoint(readFileSync(join(source, file)), { fileName: file, name: NAMES[stem] ?? stem, software: 'latticework (scripts/models/build-builtin-models.ts)' });
  data.header.provenance.createdAt = '2018-04-06T00:00:00.000Z'; // the paper's publication date: stable output
  const bytes = encodeModelFile(data);
  writeFileSync(join(out, `${stem}.lwm`), bytes);
  total += bytes.length;
  console.log(`${stem}.lwm  ${(bytes.length / 1024).toFixed(0)} KiB  ${data.header.name} [${data.header.targets[0].unit}]`);
}
console.log(`${(total / 1024 / 1024).toFixed(2)} MiB in ${out}`);
