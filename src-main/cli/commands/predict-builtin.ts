/**
 * `latticework predict --model emt|lj|morse FILE_OR_FOLDER...`: the built-in calculators predict like
 * any potential, with the same entries and outputs (predict-potential.ts: text, CSV, JSON; per frame of
 * a multi-frame file; with --contributions each atom's energy), folders expanded as for a model
 * (cli/screen.ts), and never load tfjs. A structure the calculator cannot describe (not ordered,
 * EMT and an element outside its table) is an error entry `{"file", "frame", "error"}`.
 */
import { structureErrorData } from '../../../src-shared/chem';
import type { Structure } from '../../../src-shared/chem/structure';
import { checkOrderedAtoms } from '../../../src-shared/sim/atoms';
import { readStructuresFile } from '../../files/structure-file';
import { openBuiltin, type BuiltinCalculatorName } from '../calculator';
import type { CommandContext } from '../command';
import { potentialEntry } from '../../engine/potential/entry';
import { screeningFiles, type ScreenOutput } from '../screen';
import { potentialOutput } from './predict-potential';

export async function runBuiltinPredict(ctx: CommandContext, name: BuiltinCalculatorName, params: readonly string[], args: readonly string[], output: ScreenOutput, contributions: boolean): Promise<number> {
  const { calculator } = openBuiltin(name, params);
  const out = potentialOutput(ctx, output, name, false);
  for (const f of await screeningFiles(args, ctx.cwd)) {
    if (f.problem) {
      out.fail({ file: f.shown, error: f.problem });
      continue;
    }
    let structures: Structure[];
    try {
      structures = (await readStructuresFile(f.path, f.shown)).structures;
    } catch (e) {
      const d = structureErrorData(e, f.shown);
      out.fail({ file: f.shown, error: { name: d.name, message: d.message, line: d.line } });
      continue;
    }
    for (const [k, s] of structures.entries()) {
      try {
        // what a simulation takes, as relax and md check it (a disordered CIF's sites are not atoms)
        checkOrderedAtoms(s);
        const c = await calculator.calculate(s);
        const entry = potentialEntry(f.shown, k, name, s, { energy: c.energy, forces: c.forces, stress: c.stress, atomEnergies: c.energies ?? new Float64Array(0), std: null }, undefined, contributions);
        out.entry(entry, structures.length, s.species);
      } catch (e) {
        out.fail({ file: f.shown, frame: k, error: { name: (e as Error).name, message: (e as Error).message, line: null } });
      }
    }
  }
  return out.end();
}
