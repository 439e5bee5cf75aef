/**
 * The potential branch of `latticework predict`: for every structure (every frame of a
 * multi-frame file) the energy (eV), energy per atom, forces (eV/Å, one [x, y, z] per atom) and
 * stress (Voigt xx, yy, zz, yz, xz, xy in eV/Å³, ASE's sign; null without a periodic cell), and
 * for ensembles the member spread. The files (folders expanded) are screened like a property
 * model's (cli/screen.ts: this thread and the compute workers take shares, entries in file order,
 * progress on stderr, Ctrl-C keeps the lines printed); each entry is built by engine/potential/entry.ts.
 *
 * JSON (an array, one entry per frame, then one per file or frame that failed):
 *   {"file", "frame", "model", "energy", "energyPerAtom", "forces": [[...]], "stress": [6] | null,
 *    "std"?: {"energy", "energyPerAtom", "forces": [[...]], "forceNorm": [...], "stress": [6] | null},
 *    "warnings"?: [...] (a trained potential: where the structure or its energy lies outside its training
 *    structures, src-shared/model/potential-domain; [] inside)}
 *   {"file", "frame"?, "error": {"name", "message", "line"}}
 */
import type { ScreenFailure, ScreenTaskOutput } from '../../workers/screen';
import type { CommandContext } from '../command';
import { screenWithProgress, type ScreeningRun } from '../screen';
import type { PotentialEntry } from '../../engine/potential/entry';

export async function runPotentialPredict(ctx: CommandContext, run: ScreeningRun): Promise<number> {
  const { io } = ctx;
  const h = run.header;
  const json = run.output === 'json';
  const entries: PotentialEntry[] = [];
  const failed: ScreenFailure[] = [];
  let status = 0;
  const fail = (f: ScreenFailure) => {
    status = 1;
    failed.push(f);
    if (!json) io.err(`latticework predict: ${f.error.message.startsWith(f.file) ? '' : `${f.file}${f.frame !== undefined ? `#${f.frame}` : ''}: `}${f.error.message}`);
  };
  if (!json) io.err(`model ${h.name} (${h.config.architecture} potential, ${h.members} member${h.members > 1 ? 's' : ''}); backend ${run.backendText}`);
  run.missing.forEach(fail);
  const onShare = (share: ScreenTaskOutput) => {
    for (const e of share.entries) {
      if ('failed' in e) {
        fail(e.failed);
        continue;
      }
      if (!('potential' in e)) throw new Error('a screening worker gave a property row for a potential');
      const p = e.potential;
      if (json) {
        entries.push(p);
        continue;
      }
      const fmax = p.forces ? Math.max(0, ...p.forces.map((v) => Math.hypot(v[0], v[1], v[2]))) : NaN;
      const std = p.std ? ` ± ${p.std.energy.toFixed(4)}` : '';
      io.out(`${p.file}${e.frames > 1 ? `#${p.frame}` : ''}  ${p.model}  E ${p.energy.toFixed(4)}${std} eV (${p.energyPerAtom.toFixed(4)} eV/atom)  max |F| ${fmax.toFixed(4)} eV/Å${p.stress ? `  σ ${p.stress.map((x) => x.toExponential(3)).join(' ')} eV/Å³` : ''}`);
      for (const w of p.warnings ?? []) io.out(`    warning: ${w}`);
    }
  };
  const code = await screenWithProgress(ctx, run, onShare);
  if (json) io.out(JSON.stringify([...entries, ...failed]));
  return code || status;
}
