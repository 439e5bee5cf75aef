/**
 * A simulation's trajectory as a file, for the command line (`md --out`, `neb --out`) and the app's
 * export alike: extended XYZ or XDATCAR text (src-shared/sim/trajectory.ts), or ASE's binary `.traj`,
 * which ASE reads and appends to (files/ase-traj.ts). Each format is written a frame at a time
 * (`TrajectoryFile`, a run's frames appended as they are made); the whole file in memory is the same
 * frames one after the other.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { labelledFrame, trajectoryFrameText, trajectoryText, type TrajectoryAtoms, type TrajectoryFrame } from '../../src-shared/sim';
import { indexList } from '../../src-shared/sim/constraints';
import { AseTrajectoryWriter, writeAseTrajectory, type ByteSink } from './ase-traj';

export type TrajectoryFileFormat = 'extxyz' | 'xdatcar' | 'traj';

/** The whole file in memory (the app's export): text, or a `.traj`'s bytes. */
export function writeTrajectoryFile(format: TrajectoryFileFormat, atoms: TrajectoryAtoms, frames: readonly TrajectoryFrame[]): string | Uint8Array {
  return format === 'traj' ? writeAseTrajectory(frames.map((f) => labelledFrame(atoms, f))) : trajectoryText(format, atoms, frames);
}

/** Writes all of `bytes` at `position` (a write may take fewer bytes than it is given). */
function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/**
 * A trajectory file written as the run goes: created (a new file, never one that exists) at the first
 * frame, each frame appended whole in one write as it comes, so that the file holds every frame
 * written however the process ends (a second Ctrl-C, a batch system's SIGKILL, the memory exhausted)
 * and the run holds no frame in memory. Text formats: a file cut by a kill ends on a frame's end,
 * unless the kill fell inside the one write of the last frame (readers then take the frames before
 * it: Latticework's with a warning; ASE's `read(FILE, ':-1')`). A `.traj` counts a frame in its
 * header only once the frame is whole (ASE's own order), so it is a trajectory at every moment.
 */
export class TrajectoryFile {
  private fd: number | null = null;
  private length = 0;
  private readonly text: ((frame: TrajectoryFrame) => string) | null;
  private traj: AseTrajectoryWriter | null = null;
  /** Frames written. */
  count = 0;

  constructor(
    readonly path: string,
    readonly format: TrajectoryFileFormat,
    private readonly atoms: TrajectoryAtoms,
  ) {
    this.text = format === 'traj' ? null : trajectoryFrameText(format, atoms);
  }

  private sink(): ByteSink {
    const fd = (this.fd ??= openSync(this.path, 'wx'));
    return {
      append: (bytes) => {
        writeAll(fd, bytes, this.length);
        this.length += bytes.length;
      },
      writeAt: (position, bytes) => writeAll(fd, bytes, position),
    };
  }

  /** Appends a frame (the first creates the file). */
  write(frame: TrajectoryFrame): void {
    if (this.text) this.sink().append(Buffer.from(this.text(frame)));
    else (this.traj ??= new AseTrajectoryWriter(this.sink())).write(labelledFrame(this.atoms, frame));
    this.count++;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
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
