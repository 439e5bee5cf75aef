/**
 * Reading the frames of one file for an import, in a compute worker: a path on the core's machine
 * (through the path guard, with its POTCAR/OUTCAR companions) or the bytes of a dropped file.
 * Extended XYZ is parsed in chunks of frames, so that a large file reports progress and stops
 * between chunks when cancelled; an error keeps the line it has in the whole file. With
 * `label: 'emt'` every frame's labels are computed with EMT instead (a structure EMT cannot describe
 * fails the file with the frame and the reason).
 */
import {
  readFrames,
  splitXyzFrames,
  structureErrorData,
  StructureParseError,
  structureWithLabels,
  summarizeStructure,
  xyzFlatCells,
  type ReadOptions,
  type StructureErrorData,
} from '../../src-shared/chem';
import { structureToJSON } from '../../src-shared/chem/serialize';
import { EmtCalculator } from '../../src-shared/sim/emt';
import { emtLabelledFrame, type LabellingCalculator } from '../../src-shared/sim/label';
import { bytesToText, decompress } from './compressed';
import { isSqlite } from './ase-db';
import { batchCompanions, framesFromBytes, readFileBytes, readFramesFile, type FileFrames } from './structure-file';
import type { ParsedFileStructure } from '../workers/tasks';

/** A file to read: on disk (`path`), or dropped (`data`, with the other dropped files as companions). */
export type FramesSource = { name: string; path: string } | { name: string; data: Uint8Array; companions?: { name: string; data: Uint8Array }[] };

export type FramesFile =
  | {
      file: string;
      ok: true;
      format: string;
      /** Each frame as a structure carrying its labels under ASE's names (`structureWithLabels`). */
      frames: ParsedFileStructure[];
      fileWarnings: string[];
      /** Those of `fileWarnings` that say a frame was left out by the reader (one sentence per frame). */
      leftOut: string[];
      labelSources: string[];
    }
  /** `read`: the frames read before the file failed, when reading succeeded and labelling them did not. */
  | { file: string; ok: false; error: StructureErrorData; read?: number };

/** How frames are read: the reader's options (label keys…), and labels computed instead of read. */
export interface FramesReadOptions extends ReadOptions {
  /** Compute every frame's energy, forces and stress with this calculator; labels in the file are ignored. */
  label?: LabellingCalculator;
}

export interface FramesProgress {
  signal: AbortSignal;
  /** Frames read so far in this file, of a total when known. */
  progress(done: number, total: number | null): void;
}

const XYZ_CHUNK = 250;

function isXyzName(name: string): boolean {
  return /\.(ext)?xyz(\.(gz|bz2|xz))?$/i.test(name);
}

/**
 * Extended XYZ parsed chunk by chunk (progress, cancellation), as one `readFrames` would read it: the frames
 * given one flat cell share the cell made for the whole file (`xyzFlatCells`, a pass before the first chunk).
 */
function xyzInChunks(name: string, text: string, options: ReadOptions, p: FramesProgress): FileFrames {
  const pieces = splitXyzFrames(text);
  // nothing but white space: the readers' own "the file is empty" (readFrames throws it)
  if (pieces.length === 0) readFrames(name, text, { ...options, format: 'xyz' });
  const flatCells = xyzFlatCells(pieces.map((x) => x.text), options);
  const out: FileFrames = { format: 'xyz', frames: [], blocks: [], frameWarnings: [], warnings: [], fileWarnings: [], leftOut: [], labelSources: [], compression: null };
  const sources = new Set<string>();
  for (let i = 0; i < pieces.length; i += XYZ_CHUNK) {
    if (p.signal.aborted) throw Object.assign(new Error('the import was cancelled'), { name: 'CancelledError' });
    const part = pieces.slice(i, i + XYZ_CHUNK);
    const firstLine = part[0].line;
    let r;
    try {
      r = readFrames(name, part.map((x) => x.text).join('\n'), { ...options, format: 'xyz', flatCells: Object.assign({}, ...flatCells.slice(i, i + XYZ_CHUNK)) });
    } catch (e) {
      if (e instanceof StructureParseError && e.line !== null) {
        // frame k of the chunk is frame i + k of the file; lines shift by where the chunk starts
        throw new (e.constructor as typeof StructureParseError)(name, e.line + firstLine - 1, e.reason.replace(/^frame (\d+)/, (_, k) => `frame ${i + Number(k)}`), e.column);
      }
      throw e;
    }
    r.frames.forEach((f, k) => {
      out.frames.push(f);
      out.blocks.push(i + k);
      out.frameWarnings.push(r.frameWarnings[k]);
    });
    out.warnings.push(...r.warnings);
    for (const s of r.labelSources) sources.add(s.replace(/ \(\d+ frames\)/g, ''));
    p.progress(out.frames.length, pieces.length);
  }
  out.labelSources = [...sources];
  return out;
}

/** Every frame of one source, as labelled structures; a failure is data, never a throw (except cancellation). */
export async function readFramesSource(src: FramesSource, options: FramesReadOptions, p: FramesProgress): Promise<FramesFile> {
  try {
    let r: FileFrames;
    if ('path' in src) {
      if (isXyzName(src.name)) {
        const bytes = await readFileBytes(src.path, src.name, Infinity);
        r = await plainXyz(src.name, bytes, options, p);
      } else r = await readFramesFile(src.path, src.name, options);
    } else if (isXyzName(src.name) && !isSqlite(src.data)) {
      r = await plainXyz(src.name, src.data, options, p);
    } else {
      r = await framesFromBytes(src.name, src.data, options, batchCompanions(src.name, (src.companions ?? []).map((c) => ({ name: c.name, bytes: c.data }))));
    }
    p.progress(r.frames.length, r.frames.length);
    let frames = r.frames;
    let labelSources = r.labelSources;
    if (options.label === 'emt') {
      const emt = new EmtCalculator();
      try {
        frames = r.frames.map((f, k) => {
          if (k % 100 === 0 && p.signal.aborted) throw Object.assign(new Error('the import was cancelled'), { name: 'CancelledError' });
          try {
            return emtLabelledFrame(f.structure, emt);
          } catch (e) {
            throw new Error(`frame ${k}: ${(e as Error).message} (labelling with EMT)`);
          }
        });
      } catch (e) {
        if ((e as Error)?.name === 'CancelledError') throw e;
        // read, but not labelled: the report counts its frames as read
        return { file: src.name, ok: false, error: structureErrorData(e, src.name), read: r.frames.length };
      }
      labelSources = [`energy, forces${frames.some((f) => f.stress) ? ' and stress' : ''} computed with EMT (ASE's parameters); labels in the file, if any, ignored`];
    }
    return {
      file: src.name,
      ok: true,
      format: r.format,
      frames: frames.map((f, k) => {
        const s = structureWithLabels(f);
        return { structure: structureToJSON(s), block: r.blocks[k], warnings: r.frameWarnings[k], summary: summarizeStructure(s) };
      }),
      fileWarnings: r.fileWarnings,
      leftOut: r.leftOut,
      labelSources,
    };
  } catch (e) {
    if ((e as Error)?.name === 'CancelledError') throw e;
    return { file: src.name, ok: false, error: structureErrorData(e, src.name) };
  }
}

async function plainXyz(name: string, bytes: Uint8Array, options: ReadOptions, p: FramesProgress): Promise<FileFrames> {
  let d;
  try {
    d = await decompress(name, bytes, options.maxBytes ?? 512 * 1024 * 1024);
  } catch (e) {
    throw new StructureParseError(name, null, (e as Error).message);
  }
  const r = xyzInChunks(name, bytesToText(d.bytes), options, p);
  return { ...r, compression: d.compression };
}
