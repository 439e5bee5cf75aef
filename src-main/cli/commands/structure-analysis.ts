/**
 * Analyses of a structure or of the frames of a trajectory file:
 * - `latticework structure rdf FILE... [--rmax R] [--bins N] [--pair A-B] [--frames A:B] [--json]`: the
 *   radial distribution function, the mean over the frames (src-shared/sim/rdf.ts: ASE's
 *   definition, every periodic image counted);
 * - `latticework structure msd FILE... --timestep FS [--frames A:B] [--fixed I,J-K|none] [--json]`: the mean squared
 *   displacement from the first frame and the diffusion coefficient (src-shared/sim/msd.ts; wrapped
 *   positions, as an XDATCAR's, are unwrapped; the atoms the file holds fixed are left out, as md
 *   leaves them out).
 */
import { isAbsolute, resolve } from 'node:path';
import { atomicNumber, readerWarnings, type ReadOptions, type Structure } from '../../../src-shared/chem';
import { fileConstraints, indexList } from '../../../src-shared/sim/constraints';
import { plural } from '../../../src-shared/text';
import { trajectoryDiffusion, verdictText, type DiffusionVerdict, type TrajectoryDiffusion } from '../../../src-shared/sim/msd';
import { radialDistribution, RDF_DEFAULTS, type RadialDistribution } from '../../../src-shared/sim/rdf';
import { readStructuresInPlace } from '../../files/structure-file';
import { NeighborLimitError } from '../../../src-shared/graph/neighbors';
import { UsageProblem } from '../command';
import { errorRecord, type ErrorRecord } from './file-records';
import { pickedAtoms } from './picked-atoms';

/** Frames [from, to) of each file, Python-slice style (negative counts from the end); null: all. */
export type FrameSlice = { from: number | null; to: number | null } | null;

/** Where in its file the frames analysed are: indices of the first and the last. */
type Picked = { file: string; first: number; last: number };

/** One element of `structure rdf --json`. */
export type StructureRdfRecord = (Picked & RadialDistribution) | ErrorRecord;

/** One element of `structure msd --json`; `fixed`: the atoms held (0-based: --fixed's, or what the first frame holds), left out. */
export type StructureMsdRecord = (Picked & { frames: number; timestep: number; fixed: number[] } & TrajectoryDiffusion) | ErrorRecord;

export interface RdfRequest {
  rmax: number;
  bins: number;
  pair: [number, number] | null;
  frames: FrameSlice;
}

export interface MsdRequest {
  /** fs between two frames of the file. */
  timestep: number;
  frames: FrameSlice;
  /** --fixed: the atoms held (as md's --fixed takes them; 'none': no atom), in place of what each file holds; undefined: the file's. */
  fixed?: string;
}

/** Parses --frames (N, A:B, A:, :B); throws a sentence naming it. */
export function frameSlice(text: string | undefined): FrameSlice {
  if (text === undefined) return null;
  const t = text.trim();
  const range = /^(-?\d+)?:(-?\d+)?$/.exec(t);
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    return { from: n, to: n === -1 ? null : n + 1 };
  }
  if (range) return { from: range[1] === undefined ? null : Number(range[1]), to: range[2] === undefined ? null : Number(range[2]) };
  throw new Error(`--frames ${text}: expected N, A:B, A: or :B (0-based, negative from the end)`);
}

/** Parses --rmax, --bins, --pair, --frames; throws a sentence naming the option. */
export function rdfRequest(v: { rmax?: string; bins?: string; pair?: string; frames?: string }): RdfRequest {
  const rmax = v.rmax === undefined ? RDF_DEFAULTS.rmax : Number(v.rmax);
  if (!(rmax > 0) || !Number.isFinite(rmax)) throw new Error(`--rmax ${v.rmax}: expected a positive distance in Å`);
  const bins = v.bins === undefined ? RDF_DEFAULTS.bins : Number(v.bins);
  if (!Number.isInteger(bins) || bins < 1 || bins > 100_000) throw new Error(`--bins ${v.bins}: expected a whole number from 1 to 100000`);
  let pair: [number, number] | null = null;
  if (v.pair !== undefined) {
    const parts = v.pair.split('-');
    const zs = parts.map(atomicNumber);
    if (parts.length !== 2 || zs.some((z) => z === 0)) throw new Error(`--pair ${v.pair}: expected two element symbols, e.g. Cu-Pt`);
    pair = [zs[0], zs[1]];
  }
  return { rmax, bins, pair, frames: frameSlice(v.frames) };
}

/** Parses --timestep (required), --frames and --fixed; throws a sentence naming the option. */
export function msdRequest(v: { timestep?: string; frames?: string; fixed?: string }): MsdRequest {
  if (v.timestep === undefined) throw new Error('--timestep is required: the fs between two frames of the file (an XDATCAR: POTIM × its frame interval)');
  const timestep = Number(v.timestep);
  if (!(timestep > 0) || !Number.isFinite(timestep)) throw new Error(`--timestep ${v.timestep}: expected a positive time in fs`);
  return { timestep, frames: frameSlice(v.frames), ...(v.fixed !== undefined && { fixed: v.fixed }) };
}

/** The index range [first, last] a slice picks from n frames; null when it picks none. */
export function sliceRange(n: number, frames: FrameSlice): [number, number] | null {
  const at = (x: number | null, fallback: number) => (x === null ? fallback : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
  const from = at(frames?.from ?? null, 0);
  const to = at(frames?.to ?? null, n);
  return to > from ? [from, to - 1] : null;
}

/** The records of an analysis, and what the reader said of each file and of the frames analysed ("FILE: …", for stderr). */
export interface Analysed<T> {
  records: T[];
  warnings: string[];
}

/** Per file: the frames a slice picks, analysed; a file that fails gives its error record; throws a `UsageProblem` for a file the request asks too much of (the RDF's neighbour pairs). */
async function analyse<R extends object>(files: string[], cwd: string, options: ReadOptions, slice: FrameSlice, work: (frames: Structure[], first: number, file: string) => R): Promise<Analysed<(Picked & R) | ErrorRecord>> {
  const out: ((Picked & R) | ErrorRecord)[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      const read = await readStructuresInPlace(path, file, options);
      const { structures } = read;
      const range = sliceRange(structures.length, slice);
      if (!range) throw new Error(`--frames picks no frame of the ${structures.length} in the file`);
      const taken = structures.map((_, k) => k).slice(range[0], range[1] + 1);
      out.push({ file, first: range[0], last: range[1], ...work(taken.map((k) => structures[k]), range[0], file) });
      for (const w of readerWarnings(read, taken)) warnings.push(`${file}: ${w}`);
    } catch (e) {
      // a distance too far for the structure's neighbour pairs is the option's fault, not the file's; so are atoms it does not have
      if (e instanceof NeighborLimitError) throw new UsageProblem(`${file}: ${e.message}`);
      if (e instanceof UsageProblem) throw e;
      out.push(errorRecord(e, file));
    }
  }
  return { records: out, warnings };
}

export function structureRdf(files: string[], cwd: string, options: ReadOptions, request: RdfRequest): Promise<Analysed<StructureRdfRecord>> {
  return analyse(files, cwd, options, request.frames, (frames, first) => radialDistribution(frames, { ...request, firstFrame: first }));
}

export function structureMsd(files: string[], cwd: string, options: ReadOptions, request: MsdRequest): Promise<Analysed<StructureMsdRecord>> {
  return analyse(files, cwd, options, request.frames, (frames, first, file) => {
    // the atoms held neither count nor move the centre, as in the run that wrote the file: --fixed's
    // (an XDATCAR has no flags), else what the file holds
    const given = request.fixed;
    const fixed = given === undefined ? (fileConstraints(frames[0])?.fixed ?? []) : given === 'none' ? [] : pickedAtoms('fixed', given, frames[0], file);
    return { frames: frames.length, timestep: request.timestep, fixed, ...trajectoryDiffusion(frames, request.timestep, first, fixed) };
  });
}

/** A table of r and g(r), with the frames it averages. */
export function describeRdf(r: Extract<StructureRdfRecord, { g: number[] }>): string {
  const what = r.pair ? `partial RDF ${r.pair}` : 'RDF';
  const peak = r.g.indexOf(Math.max(...r.g));
  const frames = r.frames > 1 ? `, mean over frames ${r.first}–${r.last} (${r.frames})` : r.first > 0 ? `, frame ${r.first}` : '';
  const lines = [`${r.file}: ${what} to ${r.rmax} Å in ${r.bins} bins${frames}; highest peak at ${r.r[peak].toFixed(3)} Å (g = ${r.g[peak].toFixed(3)})`, '   r/Å      g(r)'];
  for (let k = 0; k < r.r.length; k++) lines.push(`${r.r[k].toFixed(4).padStart(8)}  ${r.g[k].toFixed(5).padStart(9)}`);
  return lines.join('\n');
}

/** D, per element when there are several, and the MSD at up to 21 times. */
export function describeMsd(r: Extract<StructureMsdRecord, { msd: number[] }>): string {
  const e = (x: number | null, v: DiffusionVerdict | null) => (x === null ? '— (fewer than 4 frames)' : `${x.toExponential(3)} cm²/s${v === 'resolved' || v === null ? '' : ` (not resolved: ${verdictText(v)})`}`);
  const elements = Object.keys(r.msdByElement ?? {});
  const lines = [`${r.file}: MSD over frames ${r.first}–${r.last} (${r.frames}, ${r.timestep} fs apart); D ${e(r.diffusion, r.diffusionVerdict)}`];
  if (r.fixed.length) lines.push(`  ${plural(r.fixed.length, 'atom')} held fixed (${indexList(r.fixed)}): left out, as md leaves them out`);
  for (const sym of elements) lines.push(`  ${sym}: D ${e(r.diffusionByElement?.[sym] ?? null, r.diffusionVerdictByElement?.[sym] ?? null)}`);
  lines.push(`    t/fs    MSD/Å²${elements.map((s) => s.padStart(10)).join('')}`);
  const stride = Math.max(1, Math.ceil((r.time.length - 1) / 20));
  for (let k = 0; k < r.time.length; k++) {
    if (k % stride !== 0 && k !== r.time.length - 1) continue;
    lines.push(`${r.time[k].toFixed(1).padStart(8)}  ${r.msd[k].toFixed(4).padStart(8)}${elements.map((s) => r.msdByElement![s][k].toFixed(4).padStart(10)).join('')}`);
  }
  return lines.join('\n');
}
