/**
 * `latticework structure rdf FILE... [--rmax R] [--bins N] [--pair A-B] [--frames A:B] [--json]`:
 * the radial distribution function of each file's structure, or its mean over the frames of a
 * trajectory (src-shared/sim/rdf.ts: ASE's definition, every periodic image counted).
 */
import { isAbsolute, resolve } from 'node:path';
import { atomicNumber, type ReadOptions } from '../../../src-shared/chem';
import { radialDistribution, RDF_DEFAULTS, type RadialDistribution } from '../../../src-shared/sim/rdf';
import { readStructuresFile } from '../../files/structure-file';
import { errorRecord, type ErrorRecord } from './file-records';

/** One element of `structure rdf --json`. */
export type StructureRdfRecord = ({ file: string; first: number; last: number } & RadialDistribution) | ErrorRecord;

export interface RdfRequest {
  rmax: number;
  bins: number;
  pair: [number, number] | null;
  /** Frames [from, to) of each file, Python-slice style (negative counts from the end); null: all. */
  frames: { from: number | null; to: number | null } | null;
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
  let frames: RdfRequest['frames'] = null;
  if (v.frames !== undefined) {
    const t = v.frames.trim();
    const range = /^(-?\d+)?:(-?\d+)?$/.exec(t);
    if (/^-?\d+$/.test(t)) {
      const n = Number(t);
      frames = { from: n, to: n === -1 ? null : n + 1 };
    } else if (range) frames = { from: range[1] === undefined ? null : Number(range[1]), to: range[2] === undefined ? null : Number(range[2]) };
    else throw new Error(`--frames ${v.frames}: expected N, A:B, A: or :B (0-based, negative from the end)`);
  }
  return { rmax, bins, pair, frames };
}

/** The index range [first, last] a slice picks from n frames; null when it picks none. */
function sliceRange(n: number, frames: RdfRequest['frames']): [number, number] | null {
  const at = (x: number | null, fallback: number) => (x === null ? fallback : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
  const from = at(frames?.from ?? null, 0);
  const to = at(frames?.to ?? null, n);
  return to > from ? [from, to - 1] : null;
}

export async function structureRdf(files: string[], cwd: string, options: ReadOptions, request: RdfRequest): Promise<StructureRdfRecord[]> {
  const out: StructureRdfRecord[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      const { structures } = await readStructuresFile(path, file, options);
      const range = sliceRange(structures.length, request.frames);
      if (!range) throw new Error(`--frames picks no frame of the ${structures.length} in the file`);
      const rdf = radialDistribution(structures.slice(range[0], range[1] + 1), { ...request, firstFrame: range[0] });
      out.push({ file, first: range[0], last: range[1], ...rdf });
    } catch (e) {
      out.push(errorRecord(e, file));
    }
  }
  return out;
}

/** A table of r and g(r), with the frames it averages. */
export function describeRdf(r: Extract<StructureRdfRecord, { g: number[] }>): string {
  const what = r.pair ? `partial RDF ${r.pair}` : 'RDF';
  const frames = r.frames > 1 ? `, mean over frames ${r.first}–${r.last} (${r.frames})` : r.first > 0 ? `, frame ${r.first}` : '';
  const peak = r.g.indexOf(Math.max(...r.g));
  const lines = [`${r.file}: ${what} to ${r.rmax} Å in ${r.bins} bins${frames}; highest peak at ${r.r[peak].toFixed(3)} Å (g = ${r.g[peak].toFixed(3)})`, '   r/Å      g(r)'];
  for (let k = 0; k < r.r.length; k++) lines.push(`${r.r[k].toFixed(4).padStart(8)}  ${r.g[k].toFixed(5).padStart(9)}`);
  return lines.join('\n');
}
