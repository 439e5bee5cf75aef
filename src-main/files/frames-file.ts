/**
 * Frames written to a new file by its format, for the command line's `structure frames --out` and
 * `vibrations --out`: extended XYZ, ASE database or trajectory, XDATCAR, CIF or POSCAR.
 */
import { writeFileSync } from 'node:fs';
import { writeFramesExtxyz, writeStructures, writeXdatcar, type LabelledFrame } from '../../src-shared/chem';
import { plural } from '../../src-shared/text';
import type { OutputFormat } from '../cli/command';
import { writeAseTrajectory } from './ase-traj';

const FORMAT_NAMES: Record<OutputFormat, string> = { cif: 'a CIF', xyz: 'an extended XYZ', poscar: 'a POSCAR', xdatcar: 'an XDATCAR', db: 'an ASE database', traj: 'an ASE trajectory' };

/**
 * Writes frames to a new file in `format` (an existing file is never overwritten); returns warnings. Extended XYZ, ASE databases and ASE
 * trajectories keep every frame with its labels; an XDATCAR keeps the positions of frames with the same atoms; CIF keeps each
 * frame as a data block; a POSCAR holds one frame (with its velocities, as a CONTCAR). Formats without
 * labels say so when the frames have some.
 */
export async function writeFrames(path: string, format: OutputFormat, frames: readonly LabelledFrame[]): Promise<string[]> {
  const flag = 'wx';
  if (format !== 'cif' && format !== 'xyz') {
    // a site shared by several species (a disordered crystal) would be written as atoms on top of each other
    frames.forEach(({ structure: s }, k) => {
      const i = s.occupancy.findIndex((o) => o < 1);
      if (i >= 0) throw new Error(`${frames.length > 1 ? `frame ${k}: ` : ''}site ${i} holds ${s.species[i]} with occupancy ${s.occupancy[i]}: ${FORMAT_NAMES[format]} holds whole atoms only (a CIF or an extended XYZ keeps partial occupancies)`);
    });
  }
  if (format === 'db') {
    // SQLite is loaded only here: reading files must not load it (quick start-up)
    const { writeAseDb } = await import('./ase-db');
    return (await writeAseDb(path, frames)).warnings;
  }
  if (format === 'xyz' || format === 'traj') {
    writeFileSync(path, format === 'xyz' ? writeFramesExtxyz(frames) : writeAseTrajectory(frames), { flag });
    return [];
  }
  if (format === 'poscar' && frames.length !== 1) {
    throw new Error(`a POSCAR holds one structure, and ${plural(frames.length, 'frame')} were read: pick one with --frames (--frames=-1 is the last)`);
  }
  const structures = frames.map((f) => f.structure);
  writeFileSync(path, format === 'xdatcar' ? writeXdatcar(structures) : writeStructures(format, structures), { flag });
  const labelled = frames.some((f) => f.energy !== null || f.forces !== null || f.stress !== null);
  return labelled ? [`${FORMAT_NAMES[format]} holds no energies, forces or stresses: the frames' labels are not written (an extended XYZ or an ASE database keeps them)`] : [];
}
