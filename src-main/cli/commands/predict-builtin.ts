/**
 * `latticework predict --model emt|lj|morse FILE_OR_FOLDER...`: the built-in calculators predict like
 * any potential, with the same entries and outputs (predict-potential.ts: text, CSV, JSON; per frame of
 * a multi-frame file; with --contributions each atom's energy), folders expanded as for a model
 * (cli/screen.ts), and never load tfjs. A structure the calculator cannot describe (not ordered,
 * EMT and an element outside its table) is an error entry `{"file", "frame", "error"}`; a CIF data block
 * that cannot be read while the file's other blocks are, `{"file", "block", "error"}`.
 */
import { structureErrorData, type SkippedBlock } from '../../../src-shared/chem';
import type { ReadLimits } from '../../../src-shared/chem/options';
import type { Structure } from '../../../src-shared/chem/structure';
import { checkOrderedAtoms } from '../../../src-shared/sim/atoms';
import { readStructuresFile } from '../../files/structure-file';
import { openBuiltin, type BuiltinCalculatorName } from '../calculator';
import type { CommandContext } from '../command';
import { potentialEntry } from '../../engine/potential/entry';
import { reportScreening, screeningFiles, type ScreeningProgress, type ScreenOutput } from '../screen';
import { errorRecord } from './file-records';
import { potentialOutput } from './predict-potential';

export async function runBuiltinPredict(ctx: CommandContext, name: BuiltinCalculatorName, params: readonly string[], args: readonly string[], output: ScreenOutput, contributions: boolean, readLimits: ReadLimits): Promise<number> {
  const { calculator } = openBuiltin(name, params);
  const out = potentialOutput(ctx, output, name, false);
  const files = await screeningFiles(args, ctx.cwd);
  // progress, the summary and a stop as a trained model's screening reports them (one thread: the calculators are plain loops)
  const code = await reportScreening(ctx, files.length, 1, async (signal, onProgress) => {
    const done: ScreeningProgress = { files: 0, structures: 0, failedFiles: 0 };
    /** A file that gives no structure fails in its place (command-line order). */
    const fileFails = (file: string, error: { name: string; message: string; line: number | null }) => {
      out.fail({ file, error });
      done.files++;
      done.failedFiles++;
      onProgress(done);
    };
    for (const f of files) {
      if (signal.aborted) return;
      if (f.problem) {
        fileFails(f.shown, f.problem);
        continue;
      }
      let structures: Structure[];
      let skipped: SkippedBlock[];
      let said: string[];
      let read: string[][];
      try {
        ({ structures, skipped, fileWarnings: said, structureWarnings: read } = await readStructuresFile(f.path, f.shown, readLimits));
      } catch (e) {
        const d = structureErrorData(e, f.shown);
        fileFails(f.shown, { name: d.name, message: d.message, line: d.line });
        continue;
      }
      if (said.length) out.file(f.shown, said);
      let fileFailed = false;
      for (const [k, s] of structures.entries()) {
        try {
          // what a simulation takes, as relax and md check it (a disordered CIF's sites are not atoms)
          checkOrderedAtoms(s);
          const c = await calculator.calculate(s);
          // what the reader said of the structure (a 2D cell given a vector normal to it): its entry's only warnings
          const warnings = read[k].length ? read[k] : undefined;
          const entry = potentialEntry(f.shown, k, name, s, { energy: c.energy, forces: c.forces, stress: c.stress, atomEnergies: c.energies ?? new Float64Array(0), std: null }, warnings, contributions);
          out.entry(entry, structures.length, s.species);
          done.structures++;
        } catch (e) {
          out.fail({ file: f.shown, frame: k, error: { name: (e as Error).name, message: (e as Error).message, line: null } });
          fileFailed = true;
        }
      }
      // a CIF's data block that could not be read while the others were: reported after them, as structure info does
      for (const b of skipped) {
        out.fail(errorRecord(b.error, f.shown, b.block));
        fileFailed = true;
      }
      done.files++;
      if (fileFailed) done.failedFiles++;
      onProgress(done);
    }
  });
  const status = out.end();
  return code || status;
}
