/**
 * `latticework structure info FILE... [--json]`: read structure files and describe what is in them;
 * `latticework structure frames FILE... [--json]`: every frame of a trajectory or labelled file with
 * its energy, free energy, forces and stress;
 * `latticework structure rdf|msd FILE... [--json]`: the radial distribution function, the mean
 * squared displacement and diffusion coefficient (structure-analysis.ts);
 * `latticework structure supercell|vacancy-hop|cell FILE ...`: a supercell, the two ends of a vacancy hop,
 * the standard or Niggli-reduced cell (structure-build.ts).
 */
import { isAbsolute, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import {
  forcesToJSON,
  maxForce,
  MULTI_FRAME_FORMATS,
  readerWarnings,
  summarizeStructure,
  type DisorderPolicy,
  type LatticeParameters,
  type ReadOptions,
  type LabelledFrame,
  type StructureFormat,
  type Voigt6,
} from '../../../src-shared/chem';
import { displaySymbol } from '../../../src-shared/chem/spacegroup';
import { READABLE_FILES } from '../../../src-shared/chem/detect';
import type { SpaceGroupSummary } from '../../../src-shared/chem/spacegroup';
import { plural } from '../../../src-shared/text';
import { DEFAULT_SYMPREC, findSpaceGroup, SPACE_GROUP_SEARCH_MAX_SITES } from '../../chem/spacegroup';
import { writeFrames } from '../../files/frames-file';
import { readFramesFile, readStructuresFile } from '../../files/structure-file';
import { RDF_DEFAULTS } from '../../../src-shared/sim/rdf';
import { MAX_NEIGHBOR_PAIRS } from '../../../src-shared/graph/neighbors';
import { describeFileConstraints, fileConstraints, type FileConstraints } from '../../../src-shared/sim/constraints';
import { Atoms } from '../../../src-shared/sim/atoms';
import { atomsAtSamePosition, samePositionText } from '../../../src-shared/sim/pairs';
import { cellFormatProblem, LABEL_KEY_OPTIONS, labelKeys, labelKeysUsage, outputFileProblem, outputFormat, parseCommandArgs, READ_LIMIT_OPTIONS, readLimits, readLimitsUsage, usageDescription, usageError, UsageProblem, valueOptions, type Command, type CommandContext } from '../command';
import { errorRecord, printRecords, type ErrorRecord } from './file-records';
import { errorDocument, OutputFiles, signalName, stoppedStatus } from '../signals';
import { describeCell, describeSupercell, describeVacancyHop, OTHER_CELLS, parseRepeat, structureCell, structureSupercell, structureVacancyHop } from './structure-build';
import { describeMsd, describeRdf, frameSlice, msdRequest, rdfRequest, sliceRange, structureMsd, structureRdf, type FrameSlice, type MsdRequest, type RdfRequest } from './structure-analysis';

const usage = `Usage: latticework structure info FILE... [--json] [options]
       latticework structure frames FILE... [--frames A:B] [--out FILE] [--json] [options]
       latticework structure rdf FILE... [--rmax R] [--bins N] [--pair A-B] [--frames A:B] [--json] [options]
       latticework structure msd FILE... --timestep FS [--frames A:B] [--fixed I,J-K] [--json] [options]
       latticework structure supercell FILE --repeat N1xN2xN3 --out FILE [--json] [options]
       latticework structure vacancy-hop FILE [--repeat N1xN2xN3] [--vacancy I] [--hopper J]
                                         --start FILE --end FILE [--json] [options]
       latticework structure cell FILE --to primitive|conventional|niggli --out FILE [--json] [options]

${usageDescription(
  `info: reads ${READABLE_FILES} files and prints, per structure, its formula, space group, number of
sites, cell and warnings; a multi-frame file (a trajectory, a multi-frame XYZ) is described by its
last frame, with the number of frames.`,
  0,
)}
frames: prints every frame of each file (or those --frames picks) with its energy and free
energy (eV), forces (eV/Å) and stress (Voigt xx yy zz yz xz xy, eV/Å³, positive = tensile as
in ASE); with --out, also writes them to one new file (molecules: a CIF keeps them with
Cartesian sites and no cell; a POSCAR or an XDATCAR needs a cell, refused as bad usage).
rdf: the radial distribution function g(r) of each file's structure, the mean over its frames
for a trajectory (ASE's definition and normalisation; every periodic image within R counts, so
a cell smaller than 2R has one too; docs/simulation.md).
  --rmax R             rdf: the largest distance, Å (default ${RDF_DEFAULTS.rmax}); refused (bad usage) where a frame
                       would have more than ${MAX_NEIGHBOR_PAIRS.toLocaleString('en')} pairs of atoms within it (its
                       atoms × their density × 4/3·π·R³)
  --bins N             rdf: number of bins (default ${RDF_DEFAULTS.bins})
  --pair A-B           rdf: partial g_AB, A atoms at the centre, B atoms around (e.g. Cu-Pt)
msd: the mean squared displacement of each file's frames from the first one (the drift of the
whole taken off; positions wrapped into the cell, as an XDATCAR's, unwrapped; the atoms the file
holds fixed left out, as md leaves them out; in a changing cell measured from where the cell's
deformation carried the start) and the diffusion coefficient D fitted to the second half
(MSD = 6·D·t), per element too: md's own numbers from md's own trajectory.
  --timestep FS        msd: fs between two frames of the file (an XDATCAR: POTIM × its interval)
  --fixed I,J-K,...    msd: the atoms the run held, left out (as md's --fixed: indices, ranges, z<Z;
                       none: no atom), in place of what the file holds (an XDATCAR holds none)
supercell: the file's last structure repeated N1, N2, N3 times along a, b, c (atoms in ASE's
Atoms.repeat order; what describes the sites, as selective dynamics, repeated; energies and
forces not), written to --out.
vacancy-hop: the two ends of a vacancy's hop in the file's last structure (repeated first with
--repeat): the start without site I, the end with atom J moved onto site I's place, same atoms
in the same order; \`latticework neb START END --model NAME\` relaxes both and gives the barrier.
  --repeat N1xN2xN3    supercell, vacancy-hop: repeats along a, b, c (one N: all three)
  --vacancy I          vacancy-hop: the site removed, 0-based (default 0)
  --hopper J           vacancy-hop: the atom that hops into it, 0-based, before the removal
                       (default: the nearest atom of the vacancy's element, said on stderr)
  --start FILE, --end FILE
                       vacancy-hop: where to write the two ends (new files: .cif, .vasp/POSCAR,
                       .extxyz/.xyz, .db, .traj)
cell: the file's last structure as its standard primitive or conventional cell (spglib's
standardize_cell cells, at --symprec) or its Niggli-reduced cell, written to --out.
  --to C               cell: primitive, conventional or niggli
  --frames A:B         frames, rdf, msd: frames A to B − 1 of each file (0-based; N, A:, :B;
                       negative from the end: --frames=-100: is the last 100, --frames=-1 the
                       last); default all
  --out FILE           supercell, cell: the file to write (a new .cif, .vasp/POSCAR, .extxyz/.xyz, .db
                       or .traj). frames: write the frames of every file read, in order, to FILE: an
                       extended XYZ (*.extxyz, *.xyz; labels under ASE's names, exact in
                       float64), an ASE database (*.db) or trajectory (*.traj), as ASE 3.22
                       writes them, an XDATCAR
                       (frames with the same atoms), a CIF (a data block per frame) or a POSCAR
                       (*.vasp, a name with POSCAR or CONTCAR: one frame, with its velocities
                       when it has them, as VASP writes a CONTCAR). The last three keep no
                       energies, forces or stresses (said on stderr). FILE must not exist yet.
  --json               info: one JSON array, per structure {file, block, frames, formula,
                       cellFormula, composition, nSites, spaceGroup: {number, symbol,
                       crystalSystem, symprec} (null for a molecule), lattice, volume,
                       warnings, held? (when the file holds atoms, as relax and md take them:
                       {fixed: [atom indices], partial: [{atom, held: [3 booleans], frame:
                       "lattice" | "cartesian"}]}), velocities? (when it carries velocities,
                       an extended XYZ's momenta or a CONTCAR's velocity block: {temperature:
                       K})}; frames: per file {file, format, frames:
                       [{species, energy, freeEnergy, forces, stress}]}; rdf: per file {file, frames, first, last,
                       rmax, bins, pair, r: [Å], g: [...]}; msd: per file {file, frames, first,
                       last, timestep, fixed: [atoms left out], time: [fs], msd: [Å²], msdByElement, diffusion (cm²/s),
                       diffusionByElement, diffusionVerdict, diffusionVerdictByElement
                       ("resolved", "short", "vibration" or "bending": as md's; null, with
                       diffusion null, for fewer than 4 frames: too few to fit)}; supercell:
                       [{file, repeat, out, nSites, cellFormula, spaceGroup: {number, symbol} |
                       null}]; vacancy-hop: [{file, repeat, vacancy: {site, element}, hopper:
                       {site, element}, distance (Å), nSites (each end), start, end}]; cell: [{file,
                       to, out, nSites, cellFormula, spaceGroup: {number, symbol} | null}]; per failed
                       file {file, error}
  --format F           cif | poscar | xyz (or extxyz) | vasprun | outcar | xdatcar (default: from the
                       file name, else the content)
${labelKeysUsage(23)}
  --species A,B,...    element symbols for VASP 4 files without a species line (default: from
                       a POTCAR or OUTCAR beside the file)
  --disorder P         keep (default) | most-probable | reject: partially occupied CIF sites
  --symprec X          symmetry tolerance, Å (default ${DEFAULT_SYMPREC}, as spglib): the space group is
                       found with it (every operation passing spglib's test at X; a pattern of
                       displaced atoms moyo fits better than spglib loses symmetry up to 1.2 X
                       sooner: docs/structures.md), and CIF symmetry images closer than X are merged
  --symmetry-max-sites N  info: search the space group of cells of up to N sites once their pure
                       translations are taken out (default ${SPACE_GROUP_SEARCH_MAX_SITES}: the search grows as the
                       square of the sites, an MD snapshot of 16,384 atoms takes ~36 s; over it the
                       group is null and a warning says so)
${readLimitsUsage(23)}
Exit status: 0 when every file was read, 1 when any failed, 2 on a usage error.`;

/** One element of `structure info --json`. */
export type StructureInfoRecord =
  | {
      file: string;
      block: string | number | null;
      /** Frames in the file: a multi-frame file is described by its last frame. */
      frames: number;
      /** Reduced formula by electronegativity (crystals), Hill formula (molecules). */
      formula: string;
      /** The whole cell's formula. */
      cellFormula: string;
      composition: Record<string, number>;
      nSites: number;
      /** Found by moyo (spglib's authors) at `symprec`; null for a molecule. */
      spaceGroup: SpaceGroupSummary | null;
      lattice: LatticeParameters | null;
      volume: number | null;
      warnings: string[];
      /** Present when the file holds atoms (selective dynamics, move_mask, an ASE database's constraints): as relax and md take them. */
      held?: FileConstraints;
      /** Present when the structure carries velocities (an extended XYZ's momenta, a CONTCAR's velocity block): the temperature they give, K, as `md --velocities file` starts. */
      velocities?: { temperature: number };
    }
  | ErrorRecord;

/** One element of `structure frames --json` (the shape issue 12 fixes). */
export type StructureFramesRecord =
  | {
      file: string;
      format: StructureFormat;
      /** With --frames: the indices (0-based) in the file of the first and the last frame given. */
      first?: number;
      last?: number;
      frames: { species: string[]; energy: number | null; freeEnergy: number | null; forces: [number, number, number][] | null; stress: Voigt6 | null }[];
    }
  | ErrorRecord;

function round(x: number, digits: number): string {
  return String(Number(x.toFixed(digits)));
}

function describe(r: Extract<StructureInfoRecord, { nSites: number }>): string {
  const formula = r.cellFormula === r.formula ? r.formula : `${r.formula} (cell ${r.cellFormula})`;
  const where = r.block === null ? r.file : `${r.file} [${r.block}]`;
  let cell = 'molecule (no cell)';
  if (r.lattice) {
    const l = r.lattice;
    cell =
      `a=${round(l.a, 4)} b=${round(l.b, 4)} c=${round(l.c, 4)} Å, ` +
      `α=${round(l.alpha, 3)} β=${round(l.beta, 3)} γ=${round(l.gamma, 3)}°, V=${round(r.volume ?? 0, 3)} Å³`;
  }
  const sg = r.spaceGroup ? `, ${displaySymbol(r.spaceGroup.symbol)} (${r.spaceGroup.number}, ${r.spaceGroup.crystalSystem})` : '';
  const frames = r.frames > 1 ? ` (last of ${r.frames} frames)` : '';
  const lines = [`${where}: ${formula}${sg}, ${plural(r.nSites, 'site')}, ${cell}${frames}`];
  if (r.held) lines.push(`  held: ${describeFileConstraints(r.held) || 'every atom free'}`);
  if (r.velocities) lines.push(`  velocities: ${round(r.velocities.temperature, 1)} K (md --velocities file starts from them)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/**
 * V8's tiering budget for WebAssembly (roughly bytes of code executed before a function is
 * recompiled by the optimising compiler; V8's default is 1.8 M). moyo's symmetry search runs a few
 * large functions (one is 110 kB of code) that pass the default budget within the first structure:
 * optimising them then costs ~0.4 s of CPU on compiler threads, and the process waits for it at
 * exit, more than the whole command (read, search, print) takes without it. With this budget a few
 * structures run on the baseline code only and a long list still gets its hot functions optimised
 * (measured: one CIF 0.45 → 0.15 s of CPU; 400 and 2,000 CIFs the same or less than at the default).
 */
const SYMMETRY_TIERING_BUDGET = 1_000_000_000;

export async function structureInfo(files: string[], cwd: string, options: ReadOptions, symmetryMaxSites = SPACE_GROUP_SEARCH_MAX_SITES): Promise<StructureInfoRecord[]> {
  const out: StructureInfoRecord[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      const r = await readStructuresFile(path, file, options);
      const n = r.structures.length;
      // A multi-frame file is one item: its last frame, with the number of frames.
      const shown = MULTI_FRAME_FORMATS.has(r.format) && n > 1 ? [n - 1] : r.structures.map((_, i) => i);
      for (const i of shown) {
        const s = r.structures[i];
        const sum = summarizeStructure(s);
        const warnings = readerWarnings(r, [i]);
        const held = fileConstraints(s);
        let velocities: { temperature: number } | undefined;
        if (s.siteProperties.momenta) {
          try {
            velocities = { temperature: Atoms.fromStructure(s, { fixed: held?.fixed, axisConstraints: held?.partial, velocities: true }).temperature() };
          } catch (e) {
            warnings.push(`velocities: ${(e as Error).message}`);
          }
        }
        // as a calculator would refuse them (sites a disordered file shares between species aside)
        const partial = (i: number) => Math.abs(s.occupancy[i] - 1) > 1e-6;
        const same = atomsAtSamePosition(s, (i, j) => !(partial(i) && partial(j)));
        if (same) warnings.push(samePositionText(same));
        let spaceGroup: SpaceGroupSummary | null = null;
        try {
          spaceGroup = await findSpaceGroup(s, options.symprec ?? DEFAULT_SYMPREC, symmetryMaxSites);
        } catch (e) {
          warnings.push((e as Error).message);
        }
        out.push({
          file,
          block: r.blocks[i],
          frames: shown.length === 1 ? n : 1,
          formula: sum.formula,
          cellFormula: sum.cellFormula,
          composition: sum.composition,
          nSites: sum.nSites,
          spaceGroup,
          lattice: sum.lattice,
          volume: sum.volume,
          warnings,
          ...(held ? { held } : {}),
          ...(velocities ? { velocities } : {}),
        });
      }
      for (const b of r.skipped) out.push(errorRecord(b.error, file, b.block));
    } catch (e) {
      out.push(errorRecord(e, file));
    }
  }
  return out;
}

/** Every frame of each file, or those `slice` picks (--frames); a file that fails gives its error record. */
export async function structureFrames(
  files: string[],
  cwd: string,
  options: ReadOptions,
  slice: FrameSlice = null,
): Promise<{ records: StructureFramesRecord[]; warnings: string[]; frames: LabelledFrame[] }> {
  const records: StructureFramesRecord[] = [];
  const warnings: string[] = [];
  const frames: LabelledFrame[] = [];
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      const r = await readFramesFile(path, file, options);
      const range = slice ? sliceRange(r.frames.length, slice) : null;
      if (slice && !range) throw new Error(`--frames picks no frame of the ${r.frames.length} in the file`);
      const picked = range ? r.frames.slice(range[0], range[1] + 1) : r.frames;
      records.push({
        file,
        format: r.format,
        ...(range ? { first: range[0], last: range[1] } : {}),
        frames: picked.map((f) => ({
          species: [...f.structure.species],
          energy: f.energy,
          freeEnergy: f.freeEnergy,
          forces: forcesToJSON(f.forces),
          stress: f.stress ? ([...f.stress] as Voigt6) : null,
        })),
      });
      for (const w of [...r.labelSources, ...r.warnings]) warnings.push(`${file}: ${w}`);
      frames.push(...picked);
    } catch (e) {
      records.push(errorRecord(e, file));
    }
  }
  return { records, warnings, frames };
}

function describeFrames(r: Extract<StructureFramesRecord, { format: StructureFormat }>): string {
  const n = r.frames.length;
  const count = (k: 'energy' | 'forces' | 'stress') => r.frames.filter((f) => f[k] !== null).length;
  const lines = [`${r.file}: ${r.format}, ${n} frame${n === 1 ? '' : 's'}; energy ${count('energy')}, forces ${count('forces')}, stress ${count('stress')}`];
  const shown = n <= 12 ? r.frames.map((_, i) => i) : [0, 1, 2, -1, n - 3, n - 2, n - 1];
  for (const i of shown) {
    if (i < 0) {
      lines.push('  …');
      continue;
    }
    const f = r.frames[i];
    const fm = maxForce(f.forces ? Float64Array.from(f.forces.flat()) : null);
    // the frame's index in the file, as --frames and the JSON's first and last give it
    const first = r.first ?? 0;
    const parts = [`  ${String(first + i).padStart(String(first + n - 1).length)}: ${f.species.length} atoms`];
    if (f.energy !== null) parts.push(`E = ${f.energy.toFixed(6)} eV`);
    if (f.freeEnergy !== null) parts.push(`F = ${f.freeEnergy.toFixed(6)} eV`);
    if (fm !== null) parts.push(`max |f| = ${fm.toFixed(4)} eV/Å`);
    if (f.stress) parts.push(`p = ${(-(f.stress[0] + f.stress[1] + f.stress[2]) / 3 / 0.006241509125883258).toFixed(3)} GPa`);
    lines.push(parts.join(', '));
  }
  return lines.join('\n');
}

/** The options of the analyses and of the structures built, with the subcommands that take them. */
const SUBCOMMAND_OPTIONS: Record<'symmetry-max-sites' | 'rmax' | 'bins' | 'pair' | 'timestep' | 'fixed' | 'frames' | 'out' | 'to' | 'repeat' | 'vacancy' | 'hopper' | 'start' | 'end', readonly string[]> = {
  'symmetry-max-sites': ['info'],
  rmax: ['rdf'],
  bins: ['rdf'],
  pair: ['rdf'],
  timestep: ['msd'],
  fixed: ['msd'],
  frames: ['frames', 'rdf', 'msd'],
  out: ['frames', 'supercell', 'cell'],
  to: ['cell'],
  repeat: ['supercell', 'vacancy-hop'],
  vacancy: ['vacancy-hop'],
  hopper: ['vacancy-hop'],
  start: ['vacancy-hop'],
  end: ['vacancy-hop'],
};
const SUBCOMMANDS = ['info', 'frames', 'rdf', 'msd', 'supercell', 'vacancy-hop', 'cell'];

export const structureCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    // a space-group search (info, supercell, cell) cannot stop at a step: Ctrl-C ends the command at once, saying so, its files unwritten
    const sub = SUBCOMMANDS.find((s) => s === ctx.argv[0]);
    // with --json, the error document naming the signal, as every command stopped so prints it (cli/index.ts)
    const json = ctx.argv.includes('--json');
    const outputs = new OutputFiles((signal, writes) => {
      const message = `stopped by ${signalName(signal)} before it finished${writes ? '; nothing written' : ''}`;
      ctx.io.err(`latticework structure${sub ? ` ${sub}` : ''}: ${message}`);
      if (json) ctx.io.out(errorDocument(message, stoppedStatus(), signal));
    });
    try {
      return await runStructure(ctx, outputs);
    } finally {
      outputs.close();
    }
  },
};

/** The command; the files it writes are `outputs`' partial files until it places them, its last step before it says what it wrote. */
async function runStructure(ctx: CommandContext, outputs: OutputFiles): Promise<number> {
  const { io } = ctx;
  const parsed = parseCommandArgs(ctx, 'structure', usage, {
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      ...READ_LIMIT_OPTIONS,
      ...LABEL_KEY_OPTIONS,
      ...valueOptions('format', 'species', 'disorder', 'symprec', 'symmetry-max-sites', 'out', 'rmax', 'bins', 'pair', 'frames', 'timestep', 'fixed', 'repeat', 'vacancy', 'hopper', 'start', 'end', 'to'),
    },
  });
  if (!parsed) return 2;
  const [sub, ...files] = parsed.positionals;
  if (sub === undefined) {
    io.err(usage);
    return 2;
  }
  if (!SUBCOMMANDS.includes(sub)) return usageError(io, 'structure', `unknown subcommand "${sub}"`, usage);
  if (files.length === 0) return usageError(io, `structure ${sub}`, 'give at least one FILE', usage);
  const v = parsed.values;
  const options: ReadOptions = {};
  const bad = (msg: string) => usageError(io, `structure ${sub}`, msg);
  /** What the reader said of FILE and of the structure a build took from it, on stderr (as `structure frames` says its files'). */
  const sayRead = (file: string, read: readonly string[]) => {
    for (const w of read) io.err(`warning: ${file}: ${w}`);
  };
  if (v.format !== undefined) {
    const formats: StructureFormat[] = ['cif', 'poscar', 'xyz', 'vasprun', 'outcar', 'xdatcar'];
    // extended XYZ is read by the XYZ reader: both names are taken
    const format = v.format === 'extxyz' ? 'xyz' : v.format;
    if (!formats.includes(format as StructureFormat)) return bad(`--format must be one of ${formats.join(', ')} (or extxyz), not "${v.format}"`);
    options.format = format as StructureFormat;
  }
  try {
    Object.assign(options, labelKeys(v));
  } catch (e) {
    return bad((e as Error).message);
  }
  if (v.species !== undefined) options.species = v.species.split(/[,\s]+/).filter(Boolean);
  if (v.disorder !== undefined) {
    if (!['keep', 'most-probable', 'reject'].includes(v.disorder)) return bad(`--disorder must be keep, most-probable or reject, not "${v.disorder}"`);
    options.disorder = v.disorder as DisorderPolicy;
  }
  const positive = (name: string, raw: string | undefined, integer: boolean): number | undefined | null => {
    if (raw === undefined) return undefined;
    const x = Number(raw);
    if (!Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) return null;
    return x;
  };
  const symprec = positive('symprec', v.symprec, false);
  if (symprec === null) return bad('--symprec must be a positive number (Å)');
  const symmetryMaxSites = positive('symmetry-max-sites', v['symmetry-max-sites'], true);
  if (symmetryMaxSites === null) return bad('--symmetry-max-sites must be a positive integer');
  try {
    Object.assign(options, readLimits(v));
  } catch (e) {
    return bad((e as Error).message);
  }
  if (symprec !== undefined) options.symprec = symprec;

  // each option of a subcommand belongs to the subcommands named here; the others refuse it
  for (const [k, subs] of Object.entries(SUBCOMMAND_OPTIONS)) {
    if (v[k as keyof typeof SUBCOMMAND_OPTIONS] !== undefined && !subs.includes(sub)) {
      const names = subs.map((a) => `structure ${a}`);
      return bad(`--${k} is an option of ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]}`);
    }
  }
  // a file written must be new and named for a format
  for (const k of ['out', 'start', 'end'] as const) {
    const name = v[k];
    if (name === undefined) continue;
    const path = isAbsolute(name) ? name : resolve(ctx.cwd, name);
    const formats = sub === 'frames' ? 'an extended XYZ (.extxyz, .xyz), an ASE database (.db) or trajectory (.traj), an XDATCAR, a POSCAR (.vasp, POSCAR, CONTCAR) or a CIF (.cif)' : 'a CIF (.cif), a POSCAR (.vasp, POSCAR, CONTCAR), an extended XYZ (.extxyz, .xyz), an ASE database (.db) or trajectory (.traj)';
    const format = outputFormat(path);
    if (!format || (sub !== 'frames' && format === 'xdatcar')) return bad(`--${k} must name ${formats}, not "${name}"`);
    const problem = outputFileProblem(ctx.cwd, k, name);
    if (problem) return bad(problem);
    outputs.partial(path);
  }
  if (sub === 'cell') {
    if (files.length !== 1) return bad('give one FILE');
    if (v.to === undefined || v.out === undefined) return bad('--to and --out are required');
    const to = OTHER_CELLS.find((c) => c === v.to);
    if (!to) return bad(`--to must be ${OTHER_CELLS.join(', ')}, not "${v.to}"`);
    const { record, warnings, read } = await structureCell(files[0], ctx.cwd, options, to, v.out, outputs);
    if (!('error' in record)) await outputs.place();
    sayRead(files[0], read);
    for (const w of warnings) io.err(`warning: ${v.out}: ${w}`);
    return printRecords(io, [record], v.json, describeCell);
  }
  if (sub === 'supercell' || sub === 'vacancy-hop') {
    if (files.length !== 1) return bad('give one FILE');
    let repeat: [number, number, number];
    try {
      repeat = parseRepeat(v.repeat);
    } catch (e) {
      return bad((e as Error).message);
    }
    if (sub === 'supercell') {
      if (v.repeat === undefined || v.out === undefined) return bad('--repeat and --out are required');
      let made;
      try {
        made = await structureSupercell(files[0], ctx.cwd, options, repeat, v.out, outputs);
      } catch (e) {
        if (e instanceof UsageProblem) return bad(e.message);
        throw e;
      }
      const { record, warnings, read } = made;
      if (!('error' in record)) await outputs.place();
      sayRead(files[0], read);
      for (const w of warnings) io.err(`warning: ${v.out}: ${w}`);
      return printRecords(io, [record], v.json, describeSupercell);
    }
    if (v.start === undefined || v.end === undefined) return bad('--start and --end are required: the files to write the two ends to');
    if (resolve(ctx.cwd, v.start) === resolve(ctx.cwd, v.end)) return bad('--start and --end name the same file');
    const index = (k: 'vacancy' | 'hopper') => {
      const x = Number(v[k]);
      if (!(Number.isInteger(x) && x >= 0)) throw new Error(`--${k} ${v[k]}: expected a site index from 0`);
      return x;
    };
    let vacancy: number, hopper: number | null;
    try {
      vacancy = v.vacancy === undefined ? 0 : index('vacancy');
      hopper = v.hopper === undefined ? null : index('hopper');
    } catch (e) {
      return bad((e as Error).message);
    }
    if (hopper === vacancy) return bad(`--hopper ${hopper}: the hopping atom is the one removed (--vacancy ${vacancy}): choose another`);
    let hop: Awaited<ReturnType<typeof structureVacancyHop>>;
    try {
      hop = await structureVacancyHop(files[0], ctx.cwd, options, { repeat, vacancy, hopper, start: v.start, end: v.end }, outputs);
    } catch (e) {
      if (e instanceof UsageProblem) return bad(e.message);
      throw e;
    }
    const { record, warnings, read } = hop;
    if (!('error' in record)) await outputs.place();
    sayRead(files[0], read);
    if (v.vacancy === undefined) io.err('note: the vacancy is at site 0 (--vacancy picks another)');
    if (hopper === null && 'hopper' in record) io.err(`note: the hopping atom is site ${record.hopper.site}, the nearest ${record.hopper.element} (--hopper picks another)`);
    for (const w of warnings) io.err(`warning: ${w}`);
    return printRecords(io, [record], v.json, describeVacancyHop);
  }
  if (sub === 'rdf' || sub === 'msd') {
    let request: RdfRequest | MsdRequest;
    try {
      request = sub === 'rdf' ? rdfRequest(v) : msdRequest(v);
    } catch (e) {
      return bad((e as Error).message);
    }
    /** What the reader said of the files and the frames analysed, on stderr, then the records. */
    const analysed = <R extends { file: string }>(r: { records: (R | ErrorRecord)[]; warnings: string[] }, describe: (r: R) => string) => {
      for (const w of r.warnings) io.err(`warning: ${w}`);
      return printRecords(io, r.records, v.json, describe);
    };
    if ('timestep' in request) {
      try {
        return analysed(await structureMsd(files, ctx.cwd, options, request), describeMsd);
      } catch (e) {
        if (e instanceof UsageProblem) return bad(e.message);
        throw e;
      }
    }
    try {
      return analysed(await structureRdf(files, ctx.cwd, options, request), describeRdf);
    } catch (e) {
      if (e instanceof UsageProblem) return bad(`--rmax ${request.rmax}: ${e.message}`);
      throw e;
    }
  }

  if (sub === 'frames') {
    let slice: FrameSlice;
    try {
      slice = frameSlice(v.frames);
    } catch (e) {
      return bad((e as Error).message);
    }
    const { records, warnings, frames } = await structureFrames(files, ctx.cwd, options, slice);
    for (const w of warnings) io.err(`warning: ${w}`);
    if (v.out !== undefined) {
      const out = resolve(ctx.cwd, v.out);
      // a molecule into a POSCAR or an XDATCAR: refused before writing, as relax and md refuse it
      const cellless = cellFormatProblem('out', v.out, frames.every((f) => f.structure.lattice !== null));
      if (cellless) return bad(cellless);
      if (frames.length === 0) io.err(`latticework structure frames: no frame was read: ${v.out} not written`);
      else {
        try {
          const warnings = await writeFrames(outputs.partial(out), outputFormat(out)!, frames);
          await outputs.place();
          for (const w of warnings) io.err(`warning: ${v.out}: ${w}`);
          io.err(`${plural(frames.length, 'frame')} written to ${v.out}`);
        } catch (e) {
          io.err(`latticework structure frames: cannot write ${v.out}: ${(e as Error).message}`);
          return 1;
        }
      }
    }
    return printRecords(io, records, v.json, describeFrames);
  }
  // before moyo is compiled (on the first structure): V8 reads the budget when it instantiates a module
  setFlagsFromString(`--wasm-tiering-budget=${SYMMETRY_TIERING_BUDGET}`);
  const records = await structureInfo(files, ctx.cwd, options, symmetryMaxSites ?? SPACE_GROUP_SEARCH_MAX_SITES);
  const failed = records.filter((r) => 'error' in r).length;
  if (v.json) {
    io.out(JSON.stringify(records, null, 2));
  } else {
    for (const r of records) {
      if ('error' in r) io.err(`${r.file}: error: ${r.error.message}`);
      else io.out(describe(r));
    }
    if (files.length > 1) {
      io.out(`${plural(records.length - failed, 'structure')} read; ${failed} of ${plural(files.length, 'file')} failed`);
    }
  }
  return failed > 0 ? 1 : 0;
}
