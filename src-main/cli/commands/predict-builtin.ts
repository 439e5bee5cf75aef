/**
 * `latticework predict --model emt|lj|morse FILE...`: the built-in calculators predict like any
 * potential, with the same JSON entry per structure (per frame of a multi-frame file; see
 * engine/potential/entry.ts), and never load tfjs. A structure the calculator cannot describe (EMT and
 * an element outside its table) is an error entry `{"file", "frame", "error"}`.
 */
import { resolve } from 'node:path';
import { structureErrorData } from '../../../src-shared/chem';
import type { Structure } from '../../../src-shared/chem/structure';
import { readStructuresFile } from '../../files/structure-file';
import { openBuiltin, type BuiltinCalculatorName } from '../calculator';
import type { CommandContext } from '../command';
import { potentialEntry, type PotentialEntry } from '../../engine/potential/entry';

export async function runBuiltinPredict(ctx: CommandContext, name: BuiltinCalculatorName, params: readonly string[], files: readonly string[], json: boolean): Promise<number> {
  const { calculator } = openBuiltin(name, params);
  let status = 0;
  const entries: PotentialEntry[] = [];
  const failed: Record<string, unknown>[] = [];
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
    for (const [k, s] of structures.entries()) {
      try {
        const c = await calculator.calculate(s);
        const e = potentialEntry(f, k, name, s, { energy: c.energy, forces: c.forces, stress: c.stress, atomEnergies: c.energies ?? new Float64Array(0), std: null });
        entries.push(e);
        if (!json) {
          let fmax = 0;
          for (let i = 0; i < c.forces.length; i += 3) fmax = Math.max(fmax, Math.hypot(c.forces[i], c.forces[i + 1], c.forces[i + 2]));
          ctx.io.out(
            `${f}${structures.length > 1 ? `#${k}` : ''}  ${name}  E ${c.energy.toFixed(6)} eV (${(c.energy / s.numbers.length).toFixed(6)} eV/atom)  max |F| ${fmax.toFixed(4)} eV/Å${c.stress ? `  σ ${Array.from(c.stress, (x) => x.toExponential(4)).join(' ')} eV/Å³` : ''}`,
          );
        }
      } catch (e) {
        failed.push({ file: f, frame: k, error: { name: (e as Error).name, message: (e as Error).message, line: null } });
        if (!json) ctx.io.err(`latticework predict: ${f}${structures.length > 1 ? `#${k}` : ''}: ${(e as Error).message}`);
        status = 1;
      }
    }
  }
  if (json) ctx.io.out(JSON.stringify([...entries, ...failed]));
  return status;
}
