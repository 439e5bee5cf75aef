/**
 * The potential branch of `latticework predict`: for every structure (every frame of a
 * multi-frame file) the energy (eV), energy per atom, forces (eV/Å, one [x, y, z] per atom) and
 * stress (Voigt xx, yy, zz, yz, xz, xy in eV/Å³, ASE's sign; null without a periodic cell), and
 * for ensembles the member spread.
 *
 * JSON (an array, one entry per frame, then one per file that failed):
 *   {"file", "frame", "model", "energy", "energyPerAtom", "forces": [[...]], "stress": [6] | null,
 *    "std"?: {"energy", "energyPerAtom", "forces": [[...]], "forceNorm": [...], "stress": [6] | null}}
 */
import { resolve } from 'node:path';
import { structureErrorData } from '../../../src-shared/chem';
import type { Structure } from '../../../src-shared/chem/structure';
import type { ModelFileData } from '../../engine/models/format';
import { readStructuresFile } from '../../files/structure-file';
import { LoadedPotential } from '../../engine/potential/file';
import { potentialEntry, rows3 } from './potential-entry';
import { describeBackend, type BackendChoice } from '../../engine/tf/backend';
import type { CommandContext } from '../command';

export async function runPotentialPredict(ctx: CommandContext, data: ModelFileData, files: string[], json: boolean, backend: BackendChoice): Promise<number> {
  let status = 0;
  const model = new LoadedPotential(data);
  try {
    const entries: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    if (!json) ctx.io.err(`model ${model.name} (${model.config.architecture} potential, ${data.header.members} member${data.header.members > 1 ? 's' : ''}); backend ${describeBackend(backend)}`);
    for (const f of files) {
      let structures: Structure[];
      try {
        structures = (await readStructuresFile(resolve(ctx.cwd, f), f)).structures;
      } catch (e) {
        const d = structureErrorData(e, f);
        failed.push({ file: f, error: { name: d.name, message: d.message, line: d.line } });
        if (!json) ctx.io.err(`latticework predict: ${f}: ${d.message}`);
        status = 1;
        continue;
      }
      const preds = model.predict(structures);
      preds.forEach((p, k) => {
        const e = potentialEntry(f, k, model.name, structures[k], p);
        entries.push(e);
        if (!json) {
          const fmax = p.forces ? Math.max(0, ...rows3(p.forces).map((v) => Math.hypot(v[0], v[1], v[2]))) : NaN;
          const std = p.std ? ` ± ${p.std.energy.toFixed(4)}` : '';
          ctx.io.out(`${f}${structures.length > 1 ? `#${k}` : ''}  ${model.name}  E ${p.energy.toFixed(4)}${std} eV (${(p.energy / structures[k].numbers.length).toFixed(4)} eV/atom)  max |F| ${fmax.toFixed(4)} eV/Å${p.stress ? `  σ ${Array.from(p.stress, (x) => x.toExponential(3)).join(' ')} eV/Å³` : ''}`);
        }
      });
    }
    if (json) ctx.io.out(JSON.stringify([...entries, ...failed]));
  } finally {
    model.dispose();
  }
  return status;
}
