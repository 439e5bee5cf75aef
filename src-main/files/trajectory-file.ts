/**
 * A simulation's trajectory as a file, for the command line (`md --out`, `neb --out`) and the app's
 * export alike: extended XYZ or XDATCAR text (src-shared/sim/trajectory.ts), or ASE's binary `.traj`,
 * which ASE reads and appends to (files/ase-traj.ts). Each format is written a frame at a time
 * (`frameWriter`): appended to a file as a run makes them (`TrajectoryFile`), or given out in parts of
 * bounded size (`TrajectoryParts`, the app's export of a stored run, however long); the whole file in
 * memory is the same frames one after the other.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { labelledFrame, trajectoryFrameText, type TrajectoryAtoms, type TrajectoryFrame } from '../../src-shared/sim';
import { indexList } from '../../src-shared/sim/constraints';
import { AseTrajectoryWriter, type ByteSink } from './ase-traj';

export type TrajectoryFileFormat = 'extxyz' | 'xdatcar' | 'traj';

/**
 * Writes frames as `format` into the sink `sink()` gives (asked for at the first frame, so that a file is
 * created only once there is something to write): text appended a frame at a time; a `.traj` appended
 * and its header count and offset table written again in place (`AseTrajectoryWriter`).
 */
function frameWriter(format: TrajectoryFileFormat, atoms: TrajectoryAtoms, sink: () => ByteSink): (frame: TrajectoryFrame) => void {
  if (format !== 'traj') {
    const text = trajectoryFrameText(format, atoms);
    return (frame) => sink().append(Buffer.from(text(frame)));
  }
  let traj: AseTrajectoryWriter | null = null;
  return (frame) => (traj ??= new AseTrajectoryWriter(sink())).write(labelledFrame(atoms, frame));
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
  private readonly write_: (frame: TrajectoryFrame) => void;
  /** Frames written. */
  count = 0;

  constructor(
    readonly path: string,
    readonly format: TrajectoryFileFormat,
    atoms: TrajectoryAtoms,
  ) {
    this.write_ = frameWriter(format, atoms, () => this.sink());
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
    this.write_(frame);
    this.count++;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A part of a trajectory file: its next `bytes`, and `patches`, bytes of the parts before it to write
 * over (a `.traj`'s frame count in its header and the offsets in its table, written again as frames
 * are added). The parts one after the other, each patch written over them in the order given, are
 * the file, byte for byte.
 */
export interface TrajectoryPart {
  bytes: Uint8Array;
  /** Frames whose bytes it holds. */
  frames: number;
  patches: { at: number; bytes: Uint8Array }[];
}

/**
 * A trajectory file given out in parts of at most `maxBytes` (a part holds whole frames: a single
 * frame larger than that is a part of its own), so that a run of any length leaves the process in
 * messages of bounded size and neither end holds it as one string. Frames are added in order; `add`
 * gives a part once the bytes not yet given out would pass the bound with the frame just added (which
 * then begins the next part), `end` the rest.
 */
export class TrajectoryParts {
  private readonly write: (frame: TrajectoryFrame) => void;
  /** The file's bytes from `given` on (written, not yet given out): `held` of them. */
  private buffer = new Uint8Array(1 << 16);
  private held = 0;
  private given = 0;
  /** Frames written into the bytes held. */
  private frames = 0;
  /** Bytes before `given` written again since the last part, by position (a writer writes a place again with as many bytes). */
  private patches = new Map<number, Uint8Array>();

  constructor(
    format: TrajectoryFileFormat,
    atoms: TrajectoryAtoms,
    readonly maxBytes: number,
  ) {
    const sink: ByteSink = {
      append: (bytes) => {
        if (this.held + bytes.length > this.buffer.length) {
          const grown = new Uint8Array(Math.max(2 * this.buffer.length, this.held + bytes.length));
          grown.set(this.buffer.subarray(0, this.held));
          this.buffer = grown;
        }
        this.buffer.set(bytes, this.held);
        this.held += bytes.length;
      },
      writeAt: (position, bytes) => {
        const before = Math.max(0, Math.min(bytes.length, this.given - position));
        if (before > 0) this.patches.set(position, bytes.slice(0, before));
        if (before < bytes.length) this.buffer.set(bytes.subarray(before), position + before - this.given);
      },
    };
    this.write = frameWriter(format, atoms, () => sink);
  }

  /** Adds the next frame; a part when the bytes held would pass the bound with it, else null. */
  add(frame: TrajectoryFrame): TrajectoryPart | null {
    // a frame held that passes the bound by itself is a part alone
    const alone = this.held > this.maxBytes ? this.part(this.held, this.frames) : null;
    const mark = this.held;
    this.write(frame);
    this.frames++;
    if (alone || this.held <= this.maxBytes) return alone;
    // the frames before this one (which begins the next part); this one alone is cut at the next frame or the end
    return mark > 0 ? this.part(mark, this.frames - 1) : null;
  }

  /** The rest of the file (after the last frame). */
  end(): TrajectoryPart {
    return this.part(this.held, this.frames);
  }

  private part(length: number, frames: number): TrajectoryPart {
    this.frames -= frames;
    const bytes = this.buffer.slice(0, length);
    this.buffer.copyWithin(0, length, this.held);
    this.held -= length;
    this.given += length;
    const patches = [...this.patches].sort(([a], [b]) => a - b).map(([at, b]) => ({ at, bytes: b }));
    this.patches.clear();
    return { bytes, frames, patches: mergeAdjacent(patches) };
  }
}

/** Patches that follow one another (a table's offsets entered frame by frame) as one. */
function mergeAdjacent(patches: TrajectoryPart['patches']): TrajectoryPart['patches'] {
  const merged: TrajectoryPart['patches'] = [];
  for (const p of patches) {
    const last = merged.at(-1);
    if (last && last.at + last.bytes.length > p.at) throw new Error(`trajectory parts: bytes ${p.at} written again over a different range (from ${last.at})`);
    if (last && last.at + last.bytes.length === p.at) {
      const bytes = new Uint8Array(last.bytes.length + p.bytes.length);
      bytes.set(last.bytes);
      bytes.set(p.bytes, last.bytes.length);
      last.bytes = bytes;
    } else merged.push({ ...p });
  }
  return merged;
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
