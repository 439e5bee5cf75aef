/**
 * The potential branch of `latticework predict`: for every structure (every frame of a
 * multi-frame file) the energy (eV), energy per atom, forces (eV/Å, one [x, y, z] per atom) and
 * stress (Voigt xx, yy, zz, yz, xz, xy in eV/Å³, ASE's sign; null without a periodic cell), and
 * for ensembles the member spread. The files (folders expanded) are screened like a property
 * model's (cli/screen.ts: this thread and the compute workers take shares, entries in file order,
 * progress on stderr, Ctrl-C keeps the lines printed); each entry is built by engine/potential/entry.ts.
 * The built-in calculators (predict-builtin.ts) print their entries with the same output.
 *
 * JSON (an array, one entry per frame or per file or frame that failed, in the order of the files):
 *   {"file", "frame", "model", "energy", "energyPerAtom", "forces": [[...]], "stress": [6] | null,
 *    "std"?: {"energy", "energyPerAtom", "forces": [[...]], "forceNorm": [...], "stress": [6] | null},
 *    "warnings": [...] (what the reader said of the file as a whole, e.g. an incomplete run, then of the
 *    structure, e.g. a 2D cell given a vector normal to it, then, for a trained potential, where the
 *    structure or its energy lies outside its training structures, src-shared/model/potential-domain;
 *    [] when none: on every entry, a built-in calculator's too),
 *    "contributions"?: [eV per atom] (with --contributions; they add up to "energy")}
 *   {"file", "frame"?, "block"?, "error": {"name", "message", "line"}} ("block": a CIF data block that could not be
 *    read while the file's others were, after them)
 * CSV (a row per frame, as it comes; a failure's row has its values empty and the message in "error"):
 *   file,frame,model,energy (eV),energy per atom (eV/atom),max force (eV/Å),stress xx … xy (eV/Å³, empty
 *   without a periodic cell),energy std (eV) (ensembles only),error,warnings ("; " between them)
 */
import type { ScreenFailure, ScreenTaskOutput } from '../../workers/screen';
import type { CommandContext } from '../command';
import { csvRow } from '../../../src-shared/text';
import { fileWarnings, screenWithProgress, type ScreenOutput, type ScreeningRun } from '../screen';
import type { PotentialEntry } from '../../engine/potential/entry';

const VOIGT = ['xx', 'yy', 'zz', 'yz', 'xz', 'xy'];

/** The columns of a potential's CSV (an ensemble's with the energy's spread). */
function csvHeader(ensemble: boolean): string[] {
  return ['file', 'frame', 'model', 'energy (eV)', 'energy per atom (eV/atom)', 'max force (eV/Å)', ...VOIGT.map((c) => `stress ${c} (eV/Å³)`), ...(ensemble ? ['energy std (eV)'] : []), 'error', 'warnings'];
}

/** What a potential's predictions print to: entries and failures as they come, in file order; `end` prints the JSON and gives the status. */
export interface PotentialOutput {
  /** What the reader said of a file as a whole, before its entries (`fileWarnings` in cli/screen.ts). */
  file(file: string, warnings: readonly string[]): void;
  entry(e: PotentialEntry, frames: number, species?: readonly string[]): void;
  fail(f: ScreenFailure): void;
  /** Prints the JSON array (--json); 1 when some file or frame failed, else 0. */
  end(): number;
}

/** One output for the potentials, trained or built in: text lines, CSV rows or one JSON array. */
export function potentialOutput(ctx: CommandContext, output: ScreenOutput, model: string, ensemble: boolean): PotentialOutput {
  const { io } = ctx;
  // entries and failures in the order of the files, as the text and the CSV print them
  const entries: (PotentialEntry | ScreenFailure)[] = [];
  let failed = 0;
  const columns = csvHeader(ensemble).length;
  if (output === 'csv') io.out(csvRow(csvHeader(ensemble)));
  const said = fileWarnings(io, output);
  return {
    file: said.file,
    entry(given, frames, species) {
      // "warnings" on every entry, [] when none (a built-in calculator has no training domain: only what the reader said)
      const p = { ...given, warnings: said.with(given.file, given.warnings ?? []) };
      if (output === 'json') {
        entries.push(p);
        return;
      }
      // a loop, not Math.max(...): a spread of 100,000 atoms' forces overflows the call's arguments
      const fmax = p.forces ? p.forces.reduce((m, v) => Math.max(m, Math.hypot(v[0], v[1], v[2])), 0) : null;
      if (output === 'csv') {
        const stress = p.stress ?? VOIGT.map(() => '');
        io.out(csvRow([p.file, p.frame, p.model, p.energy, p.energyPerAtom, fmax ?? '', ...stress, ...(ensemble ? [p.std?.energy ?? ''] : []), '', (p.warnings ?? []).join('; ')]));
        return;
      }
      const std = p.std ? ` ± ${p.std.energy.toFixed(4)}` : '';
      const force = fmax === null ? '' : `  max |F| ${fmax.toFixed(4)} eV/Å`;
      io.out(`${p.file}${frames > 1 ? `#${p.frame}` : ''}  ${p.model}  E ${p.energy.toFixed(6)}${std} eV (${p.energyPerAtom.toFixed(6)} eV/atom)${force}${p.stress ? `  σ ${p.stress.map((x) => x.toExponential(4)).join(' ')} eV/Å³` : ''}`);
      for (const w of p.warnings ?? []) io.out(`    warning: ${w}`);
      p.contributions?.forEach((c, i) => io.out(`    atom ${i} ${species?.[i] ?? ''}: ${c.toFixed(6)} eV`));
    },
    fail(f) {
      failed++;
      if (output === 'json') {
        entries.push(f);
        return;
      }
      io.err(`latticework predict: ${f.error.message.startsWith(f.file) ? '' : `${f.file}${f.frame !== undefined ? `#${f.frame}` : ''}: `}${f.error.message}`);
      if (output === 'csv') io.out(csvRow([f.file, f.frame ?? '', model, ...Array<string>(columns - 5).fill(''), f.error.message, '']));
    },
    end() {
      if (output === 'json') io.out(JSON.stringify(entries));
      return failed ? 1 : 0;
    },
  };
}

export async function runPotentialPredict(ctx: CommandContext, run: ScreeningRun): Promise<number> {
  const h = run.header;
  if (run.output === 'text') ctx.io.err(`model ${h.name} (${h.config.architecture} potential, ${h.members} member${h.members > 1 ? 's' : ''}); backend ${run.backendText}`);
  const out = potentialOutput(ctx, run.output, h.name, h.members > 1);
  const onShare = (share: ScreenTaskOutput) => {
    for (const e of share.entries) {
      if ('failed' in e) out.fail(e.failed);
      else if ('fileWarnings' in e) out.file(e.fileWarnings.file, e.fileWarnings.warnings);
      else if ('potential' in e) out.entry(e.potential, e.frames, e.species);
      else throw new Error('a screening worker gave a property row for a potential');
    }
  };
  const code = await screenWithProgress(ctx, run, onShare);
  const status = out.end();
  return code || status;
}
