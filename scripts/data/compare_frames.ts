/**
 * Our frames against ASE 3.22's on any set of files: frame count, energies and free energies
 * (1e-6 eV), the last frame's forces (1e-6 eV/Å), stress (1e-7 eV/Å³), species and positions.
 *
 * Usage:
 *   /usr/bin/python3 scripts/data/ase_frames.py FILE... > ase.json     (run in the files' folder)
 *   npx tsx scripts/data/compare_frames.ts ase.json [ROOT]              (ROOT: where the paths start)
 * Prints one line per file that is not a plain agreement, then the counts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readFramesFile } from '../../src-main/files/structure-file';

interface Golden {
  file: string;
  error?: string;
  frames: number;
  energy: (number | null)[];
  freeEnergy: (number | null)[];
  species: string[];
  positions: number[][];
  forces: number[][] | null;
  stress: number[] | null;
}

const [goldenPath, root = '.'] = process.argv.slice(2);
const raw = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden[] | { files: Golden[] };
const golden = Array.isArray(raw) ? raw : raw.files;
const counts = { agree: 0, differ: 0, weFail: 0, aseFails: 0, bothFail: 0 };
const close = (a: number | null, b: number | null, tol: number) => (a === null && b === null) || (a !== null && b !== null && Math.abs(a - b) <= tol);

for (const g of golden) {
  let r;
  try {
    r = await readFramesFile(resolve(root, g.file), g.file);
  } catch (e) {
    if (g.error) counts.bothFail++;
    else {
      counts.weFail++;
      console.log(`we fail: ${g.file}: ${(e as Error).message}`);
    }
    continue;
  }
  if (g.error) {
    counts.aseFails++;
    console.log(`ASE fails, we read ${r.frames.length} frames: ${g.file} (ASE: ${g.error.slice(0, 100)})`);
    continue;
  }
  const p: string[] = [];
  if (r.frames.length !== g.frames) p.push(`${r.frames.length} frames, ASE ${g.frames}`);
  else {
    r.frames.forEach((f, i) => {
      if (!close(f.energy, g.energy[i], 1e-6)) p.push(`energy ${i + 1}: ${f.energy} vs ${g.energy[i]}`);
      if (!close(f.freeEnergy, g.freeEnergy[i], 1e-6)) p.push(`free energy ${i + 1}: ${f.freeEnergy} vs ${g.freeEnergy[i]}`);
    });
    const last = r.frames[r.frames.length - 1];
    if ((last.forces === null) !== (g.forces === null)) p.push('forces present in one only');
    else if (last.forces && g.forces!.flat().some((v, k) => Math.abs(v - last.forces![k]) > 1e-6)) p.push('forces differ');
    if ((last.stress === null) !== (g.stress === null)) p.push('stress present in one only');
    else if (last.stress && g.stress!.some((v, k) => Math.abs(v - last.stress![k]) > 1e-7)) p.push('stress differs');
    if (last.structure.species.join() !== g.species.join()) p.push('species differ');
    if (g.positions.flat().some((v, k) => Math.abs(v - last.structure.cart[k]) > 1e-6)) p.push('positions differ');
  }
  if (p.length) {
    counts.differ++;
    console.log(`differ: ${g.file}: ${p.slice(0, 5).join('; ')}`);
  } else counts.agree++;
}
console.log(JSON.stringify(counts));
