/**
 * Structures built from a crystal file for a simulation (src-shared/chem/build.ts), as the Structures
 * view builds them:
 * - `latticework structure supercell FILE --repeat N1xN2xN3 --out FILE [--json]`: the cell repeated, atoms
 *   in ASE's `Atoms.repeat` order;
 * - `latticework structure vacancy-hop FILE [--repeat N1xN2xN3] [--vacancy I] [--hopper J] --start FILE
 *   --end FILE [--json]`: the two ends of a vacancy's hop, the band `latticework neb START END` relaxes;
 * - `latticework structure cell FILE --to primitive|conventional|niggli --out FILE [--json]`: the standard
 *   primitive or conventional cell (spglib's conventions) or the Niggli-reduced cell.
 * Each takes the file's last structure (a trajectory's last frame), as relax and md do.
 */
import { resolve } from 'node:path';
import { readerWarnings, summarizeStructure, type ReadOptions, type Structure } from '../../../src-shared/chem';
import { nearestLikeSite, supercell, SupercellLimitError, vacancyHop } from '../../../src-shared/chem/build';
import { frameOfStructure } from '../../../src-shared/chem/frames';
import { niggliStructure } from '../../../src-shared/chem/niggli';
import { DEFAULT_SYMPREC, findSpaceGroup, SpaceGroupSearchSkipped, standardCell } from '../../chem/spacegroup';
import { writeFrames } from '../../files/frames-file';
import { readStructuresInPlace } from '../../files/structure-file';
import { outputFormat, UsageProblem } from '../command';
import type { OutputFiles } from '../signals';
import { errorRecord, type ErrorRecord } from './file-records';

type Repeat = [number, number, number];

/** `structure supercell --json`: the supercell written. */
export type SupercellRecord = { file: string; repeat: Repeat; out: string; nSites: number; cellFormula: string; spaceGroup: { number: number; symbol: string } | null } | ErrorRecord;

/** The cells `structure cell --to` makes. */
export const OTHER_CELLS = ['primitive', 'conventional', 'niggli'] as const;
export type OtherCell = (typeof OTHER_CELLS)[number];

/** `structure cell --json`: the cell written. */
export type CellRecord = { file: string; to: OtherCell; out: string; nSites: number; cellFormula: string; spaceGroup: { number: number; symbol: string } | null } | ErrorRecord;

/** `structure vacancy-hop --json`: the two ends written. */
export type VacancyHopRecord =
  | {
      file: string;
      repeat: Repeat;
      /** The site removed and the atom that hops into it, 0-based in the (repeated) crystal. */
      vacancy: { site: number; element: string };
      hopper: { site: number; element: string };
      /** How far the atom hops, Å (the shortest way). */
      distance: number;
      /** Atoms in each end. */
      nSites: number;
      start: string;
      end: string;
    }
  | ErrorRecord;

/** Parses --repeat N1xN2xN3 (or one N for all three); throws a sentence naming it. */
export function parseRepeat(text: string | undefined): Repeat {
  if (text === undefined) return [1, 1, 1];
  const parts = text.trim().split(/[x×,]/);
  const n = (parts.length === 1 ? [parts[0], parts[0], parts[0]] : parts).map(Number);
  if (n.length !== 3 || !n.every((k) => Number.isInteger(k) && k >= 1)) throw new Error(`--repeat ${text}: expected three whole numbers from 1, e.g. 3x3x3 (or one for all three)`);
  return n as Repeat;
}

/**
 * The file's last structure (`crystal`), the cell `repeat` makes of it (`repeated`) and what the reader said of the
 * file and of that structure (`read`); a repeat over the supercell limit is a UsageProblem (a refused --repeat, not a
 * failed file).
 */
async function readCrystal(file: string, cwd: string, options: ReadOptions, repeat: Repeat): Promise<{ crystal: Structure; repeated: Structure; read: string[] }> {
  const r = await readStructuresInPlace(resolve(cwd, file), file, options);
  const last = r.structures.length - 1;
  const crystal = r.structures[last];
  const read = readerWarnings(r, [last]);
  try {
    return { crystal, repeated: repeat.every((k) => k === 1) ? crystal : supercell(crystal, repeat), read };
  } catch (e) {
    if (e instanceof SupercellLimitError) throw new UsageProblem(`--repeat ${repeat.join('x')}: ${file}: ${e.message}`);
    throw e;
  }
}

/** Writes one structure to the partial file of `path` (placed by the command at its end); returns the warnings of the writer. */
function writeOne(path: string, cwd: string, s: Structure, outputs: OutputFiles): Promise<string[]> {
  return writeFrames(outputs.partial(resolve(cwd, path)), outputFormat(path)!, [frameOfStructure(s)]);
}

/**
 * Writes `s` to `out`; what a record of a written cell says about it. Its space group is `crystal`'s: `s` itself,
 * or the structure `s` repeats (the same atoms, so the same group, found in its own few sites: docs/structures.md,
 * "Supercells").
 */
async function written(
  s: Structure,
  out: string,
  cwd: string,
  symprec: number | undefined,
  outputs: OutputFiles,
  crystal: Structure = s,
): Promise<{ fields: { out: string; nSites: number; cellFormula: string; spaceGroup: { number: number; symbol: string } | null }; warnings: string[] }> {
  const warnings = await writeOne(out, cwd, s, outputs);
  let group = null;
  try {
    group = await findSpaceGroup(crystal, symprec);
  } catch (e) {
    if (!(e instanceof SpaceGroupSearchSkipped)) throw e;
    warnings.push(e.message);
  }
  const summary = summarizeStructure(s);
  return { fields: { out, nSites: summary.nSites, cellFormula: summary.cellFormula, spaceGroup: group && { number: group.number, symbol: group.symbol } }, warnings };
}

/**
 * What a structure built from FILE gives: its record, the writers' warnings (`warnings`) and what the reader said of
 * FILE and of the structure taken (`read`: also when the build then failed, which it may explain).
 */
export interface Built<R> {
  record: R;
  warnings: string[];
  read: string[];
}

export async function structureSupercell(file: string, cwd: string, options: ReadOptions, repeat: Repeat, out: string, outputs: OutputFiles): Promise<Built<SupercellRecord>> {
  let read: string[] = [];
  try {
    const c = await readCrystal(file, cwd, options, repeat);
    read = c.read;
    const { fields, warnings } = await written(c.repeated, out, cwd, options.symprec, outputs, c.crystal);
    return { record: { file, repeat, ...fields }, warnings, read };
  } catch (e) {
    if (e instanceof UsageProblem) throw e;
    return { record: errorRecord(e, file), warnings: [], read };
  }
}

export async function structureCell(file: string, cwd: string, options: ReadOptions, to: OtherCell, out: string, outputs: OutputFiles): Promise<Built<CellRecord>> {
  let read: string[] = [];
  try {
    const c = await readCrystal(file, cwd, options, [1, 1, 1]);
    read = c.read;
    const s = c.crystal;
    const cell = to === 'niggli' ? niggliStructure(s) : await standardCell(s, to, options.symprec ?? DEFAULT_SYMPREC);
    const { fields, warnings } = await written(cell, out, cwd, options.symprec, outputs);
    return { record: { file, to, ...fields }, warnings, read };
  } catch (e) {
    return { record: errorRecord(e, file), warnings: [], read };
  }
}

/** The two ends of the hop written; a file that fails gives its error record; throws a `UsageProblem` for a --vacancy or --hopper beyond its sites. */
export async function structureVacancyHop(
  file: string,
  cwd: string,
  options: ReadOptions,
  request: { repeat: Repeat; vacancy: number; hopper: number | null; start: string; end: string },
  outputs: OutputFiles,
): Promise<Built<VacancyHopRecord>> {
  let read: string[] = [];
  try {
    const c = await readCrystal(file, cwd, options, request.repeat);
    read = c.read;
    const s = c.repeated;
    for (const [option, site] of [['vacancy', request.vacancy], ['hopper', request.hopper]] as const) {
      if (site !== null && site >= s.numbers.length) throw new UsageProblem(`--${option} ${site}: ${file}${request.repeat.every((k) => k === 1) ? '' : ` repeated ${request.repeat.join('×')}`} has sites 0 to ${s.numbers.length - 1}`);
    }
    const hopper = request.hopper ?? nearestLikeSite(s, request.vacancy);
    if (hopper === null) throw new Error(`no other ${s.species[request.vacancy] ?? 'atom'} to hop into the vacancy at site ${request.vacancy}: name one with --hopper`);
    const ends = vacancyHop(s, request.vacancy, hopper);
    const warnings = [...(await writeOne(request.start, cwd, ends.start, outputs)), ...(await writeOne(request.end, cwd, ends.end, outputs))];
    const site = (i: number) => ({ site: i, element: s.species[i] });
    const record = { file, repeat: request.repeat, vacancy: site(request.vacancy), hopper: site(hopper), distance: ends.distance, nSites: ends.start.numbers.length, start: request.start, end: request.end };
    return { record, warnings, read };
  } catch (e) {
    if (e instanceof UsageProblem) throw e;
    return { record: errorRecord(e, file), warnings: [], read };
  }
}

export function describeSupercell(r: Extract<SupercellRecord, { out: string }>): string {
  const group = r.spaceGroup ? `, ${r.spaceGroup.symbol} (${r.spaceGroup.number})` : '';
  return `${r.file}: ${r.repeat.join('×')} supercell, ${r.cellFormula}, ${r.nSites} sites${group}, written to ${r.out}`;
}

export function describeCell(r: Extract<CellRecord, { out: string }>): string {
  const group = r.spaceGroup ? `, ${r.spaceGroup.symbol} (${r.spaceGroup.number})` : '';
  return `${r.file}: the ${r.to === 'niggli' ? 'Niggli-reduced' : `standard ${r.to}`} cell, ${r.cellFormula}, ${r.nSites} sites${group}, written to ${r.out}`;
}

export function describeVacancyHop(r: Extract<VacancyHopRecord, { start: string }>): string {
  const cell = r.repeat.every((k) => k === 1) ? '' : ` of the ${r.repeat.join('×')} supercell`;
  return `${r.file}: ${r.hopper.element} at site ${r.hopper.site} hops ${r.distance.toFixed(4)} Å into the vacancy at site ${r.vacancy.site} (${r.vacancy.element})${cell}; ${r.nSites} atoms; start ${r.start}, end ${r.end} (latticework neb ${r.start} ${r.end} --model NAME)`;
}
