/**
 * A simulation's trajectory as a file, for the command line (`md --out`) and the
 * app's export alike: extended XYZ or XDATCAR text (src-shared/sim/trajectory.ts), or ASE's binary
 * `.traj`, which ASE reads and appends to (files/ase-traj.ts).
 */
import { labelledFrame, trajectoryText, type TrajectoryAtoms, type TrajectoryFrame } from '../../src-shared/sim';
import { indexList } from '../../src-shared/sim/constraints';
import { writeAseTrajectory } from './ase-traj';

export type TrajectoryFileFormat = 'extxyz' | 'xdatcar' | 'traj';

export function writeTrajectoryFile(format: TrajectoryFileFormat, atoms: TrajectoryAtoms, frames: readonly TrajectoryFrame[]): string | Uint8Array {
  return format === 'traj' ? writeAseTrajectory(frames.map((f) => labelledFrame(atoms, f))) : trajectoryText(format, atoms, frames);
}

/**
 * What a trajectory written as `format` leaves out, in a sentence, or null: an XDATCAR has no place for the
 * atoms the run held (VASP writes none), so they are named (`atoms` in `indexList`'s spelling, for the
 * command line's `--fixed`); extended XYZ and `.traj` flag them on every frame.
 */
export function heldNotWritten(format: TrajectoryFileFormat, atoms: TrajectoryAtoms): { atoms: string; note: string } | null {
  if (format !== 'xdatcar' || !atoms.held) return null;
  const held = [...new Set([...atoms.held.fixed, ...atoms.held.axisConstraints.map((c) => c.atom)])].sort((a, b) => a - b);
  if (!held.length) return null;
  const list = indexList(held);
  const one = held.length === 1;
  return { atoms: list, note: `an XDATCAR has no place for held atoms: the ${one ? 'atom' : `${held.length} atoms`} this run held (${list}) ${one ? 'is' : 'are'} not marked in it; .extxyz and .traj keep them` };
}
