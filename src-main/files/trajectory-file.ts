/**
 * A simulation's trajectory as a file, for the command line (`md --out`) and the
 * app's export alike: extended XYZ or XDATCAR text (src-shared/sim/trajectory.ts), or ASE's binary
 * `.traj`, which ASE reads and appends to (files/ase-traj.ts).
 */
import { labelledFrame, trajectoryText, type TrajectoryAtoms, type TrajectoryFrame } from '../../src-shared/sim';
import { writeAseTrajectory } from './ase-traj';

export type TrajectoryFileFormat = 'extxyz' | 'xdatcar' | 'traj';

export function writeTrajectoryFile(format: TrajectoryFileFormat, atoms: TrajectoryAtoms, frames: readonly TrajectoryFrame[]): string | Uint8Array {
  return format === 'traj' ? writeAseTrajectory(frames.map((f) => labelledFrame(atoms, f))) : trajectoryText(format, atoms, frames);
}
