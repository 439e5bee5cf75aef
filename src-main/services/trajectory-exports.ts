/**
 * A stored run's trajectory exported in parts (`simulations.exportTrajectory`): the file is written a
 * frame at a time, its frames read from the store a few at a time, and given out in parts of at most
 * `maxBytes` (files/trajectory-file.ts `TrajectoryParts`; 8 MiB unless fewer are asked for: a part goes as one
 * message, a `.traj`'s as base64, a third more), one per call, so that no process holds the
 * file as one string and no message carries more than a part, whatever the run's length. An export
 * is open between its first part and its last: its writer (an XDATCAR's cell, a `.traj`'s offset table)
 * lives here until then, or until it is cancelled or left unasked for `EXPORT_IDLE_MS`. `simulations.export`
 * takes a trajectory whole as one part of `wholeBytes` (`WHOLE_TRAJECTORY_BYTES`), refused when it needs more.
 */
import { randomUUID } from 'node:crypto';
import { WHOLE_TRAJECTORY_BYTES, type SimulationExportFile, type SimulationExportPart, type SimulationFrameView } from '../../src-shared/ipc/services/simulations';
import type { TrajectoryAtoms } from '../../src-shared/sim';
import { plural } from '../../src-shared/text';
import { UserError } from '../ipc/errors';
import { formatBytes } from '../files/path-guard';
import { readFrames } from '../store/simulations';
import type { Database } from '../store/database';
import { TrajectoryParts, type TrajectoryFileFormat, type TrajectoryPart } from '../files/trajectory-file';

/** Exports open at once (each holds up to a part, and the frames read for the next). */
export const MAX_OPEN_EXPORTS = 8;
/** An export not asked for its next part for this long is dropped (a page closed in the middle). */
export const EXPORT_IDLE_MS = 5 * 60_000;
/** Frames' numbers read from the store at once: positions, forces, velocities of every atom, 8 bytes each. */
const READ_BYTES = 4 * 1024 * 1024;

export interface TrajectoryExportStart {
  id: number;
  format: TrajectoryFileFormat;
  fileName: string;
  note: string | null;
  atoms: TrajectoryAtoms;
  /** The run's frames as the export starts: the file holds frames 0 to frames - 1. */
  frames: number;
  maxBytes: number;
}

interface OpenExport extends TrajectoryExportStart {
  parts: TrajectoryParts;
  /** Frames in the parts given out. */
  written: number;
  /** The next frame to write; frames read from the store, the next to write at `read[next - readFrom]`. */
  next: number;
  read: SimulationFrameView[];
  readFrom: number;
  busy: boolean;
  idle: ReturnType<typeof setTimeout> | null;
}

/** Exports of the runs of store `db`; `wholeBytes`: the largest trajectory `whole` gives (tests ask for less, so as not to write 64 MiB). */
export function trajectoryExports(db: Database, wholeBytes = WHOLE_TRAJECTORY_BYTES) {
  const open = new Map<string, OpenExport>();

  const drop = (exportId: string) => {
    const e = open.get(exportId);
    if (e?.idle) clearTimeout(e.idle);
    return open.delete(exportId);
  };

  /** The next part of export `exportId`: frames written until the part is full or the file ends. */
  const nextPart = async (exportId: string, e: OpenExport): Promise<SimulationExportPart> => {
    if (e.busy) throw new UserError(`export ${exportId} is writing its previous part: ask for the next once it has come`);
    e.busy = true;
    if (e.idle) clearTimeout(e.idle);
    try {
      const perFrame = Math.max(1, e.atoms.numbers.length * 9 * 8);
      let part: TrajectoryPart | null = null;
      while (!part && e.next < e.frames) {
        if (e.next - e.readFrom >= e.read.length) {
          e.read = await readFrames(db, e.id, e.next, Math.min(e.frames, e.next + Math.max(1, Math.floor(READ_BYTES / perFrame))));
          e.readFrom = e.next;
          if (e.read.length === 0) throw new UserError(`simulation ${e.id}: frame ${e.next} is gone (the run was deleted during the export)`);
        }
        part = e.parts.add(e.read[e.next - e.readFrom]);
        e.next++;
      }
      const done = e.next === e.frames && !part;
      part ??= e.parts.end();
      e.written += part.frames;
      if (done) drop(exportId);
      else (e.idle = setTimeout(() => drop(exportId), EXPORT_IDLE_MS)).unref?.();
      const bytes = Buffer.from(part.bytes.buffer, part.bytes.byteOffset, part.bytes.byteLength);
      return {
        exportId,
        fileName: e.fileName,
        ...(e.note ? { note: e.note } : {}),
        ...(e.format === 'traj' ? { base64: bytes.toString('base64') } : { text: bytes.toString('utf8') }),
        ...(part.patches.length ? { patches: part.patches.map((p) => ({ at: p.at, base64: Buffer.from(p.bytes).toString('base64') })) } : {}),
        written: e.written,
        frames: e.frames,
        done,
      };
    } catch (err) {
      drop(exportId);
      throw err;
    } finally {
      e.busy = false;
    }
  };

  /** Opens an export and gives its first part. */
  const start = (s: TrajectoryExportStart): Promise<SimulationExportPart> => {
    if (open.size >= MAX_OPEN_EXPORTS) throw new UserError(`${MAX_OPEN_EXPORTS} trajectory exports are under way: let one finish, or cancel one, first`);
    const exportId = randomUUID();
    const e: OpenExport = { ...s, parts: new TrajectoryParts(s.format, s.atoms, s.maxBytes), written: 0, next: 0, read: [], readFrom: 0, busy: false, idle: null };
    open.set(exportId, e);
    return nextPart(exportId, e);
  };

  return {
    start,
    /** The whole file as one message (`simulations.export`): the export in parts as one part of `wholeBytes`, refused when the file needs more. */
    async whole(s: Omit<TrajectoryExportStart, 'maxBytes'>): Promise<SimulationExportFile> {
      const part = await start({ ...s, maxBytes: wholeBytes });
      if (!part.done) {
        drop(part.exportId);
        throw new UserError(
          `simulation ${s.id}'s trajectory (${plural(s.frames, 'frame')}) as ${s.format} is larger than ${formatBytes(wholeBytes)}, more than one message carries: export it in parts (simulations.exportTrajectory), as the app does`,
        );
      }
      const { fileName, note } = part;
      return { ...('base64' in part ? { fileName, base64: part.base64 } : { fileName, text: part.text }), ...(note ? { note } : {}) };
    },
    /** The next part of an open export of run `id`. */
    next(exportId: string, id: number): Promise<SimulationExportPart> {
      const e = open.get(exportId);
      if (!e || e.id !== id) throw new UserError(`there is no trajectory export ${exportId} of simulation ${id} under way (it ended, was cancelled, or was left unasked for ${EXPORT_IDLE_MS / 60_000} minutes): export again`);
      return nextPart(exportId, e);
    },
    /** Ends an export before its last part; whether it was open. */
    cancel(exportId: string): boolean {
      return drop(exportId);
    },
  };
}
