/**
 * A dataset of labelled frames: any of the files the structure readers know (READABLE_FILES:
 * vasprun.xml, OUTCAR, XDATCAR, extended XYZ, ASE databases and trajectories, POSCAR/CONTCAR, CIF;
 * gzip, bzip2 or xz compressed), or a folder of them, one structure per frame with its energy,
 * forces and stress. Per file a frame selection (all, the last, every k-th), then de-duplication of
 * identical frames (same species, cell and positions, bit for bit: the first is kept), frames
 * without energy, with labels that are not numbers or with two atoms at the same position left out
 * and named, and the units and sign check. A file that cannot be read (truncated,
 * corrupted) is reported and the others are kept.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { checkLabels, frameOfStructure, isVaspOutput, LABEL_KEYS, labelsOfStructure, type FrameLabels, type LabelledFrame, type StructureFormat } from '../../src-shared/chem';
import { detectFormat, READABLE_FILES } from '../../src-shared/chem/detect';
import { withoutCompression } from '../../src-shared/chem/naming';
import { structureFromJSON } from '../../src-shared/chem/serialize';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import type { FileFailure, FrameSelection, FramesImportReport } from '../../src-shared/ipc/contract';
import type { FramesFile, FramesReadOptions, FramesSource } from '../files/frames-source';
import type { ParsedFileStructure } from '../workers/tasks';
import { clipMessage, numericSiteKeys } from './files';
import { noDatasetFile, type DatasetSource } from './source';
import type { DatasetFormat, LabelledItem, LabelledStructures } from './types';
import { labelMagnitudeProblem, sameNumbers } from '../../src-shared/numbers';
import { atomsAtSamePosition, samePositionText } from '../../src-shared/sim/pairs';
import { plural } from '../../src-shared/text';
import { describeEnergyOutliers, energyOutliers, ENERGY_OUTLIER_FLOOR, ENERGY_OUTLIER_SPREADS } from '../engine/potential/statistics';

/**
 * Names a folder import reads frames from: the files the structure readers know by their name
 * (READABLE_FILES, compressed or not); POTCAR, INCAR, KPOINTS, ... are not frame files.
 */
export function isFrameFileName(name: string): boolean {
  const base = withoutCompression(name.split(/[\\/]/).pop() ?? name);
  return !base.startsWith('.') && detectFormat(base, '') !== null;
}

/** The indices of the frames a selection keeps, of n. */
export function selectFrames(n: number, selection: FrameSelection): number[] {
  if (n === 0) return [];
  if (selection.mode === 'last') return [n - 1];
  const k = selection.mode === 'every' ? selection.every : 1;
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  return out;
}

/** What makes two frames the same structure: species, cell, periodicity and positions, exactly. */
export function frameIdentity(s: StructureJSON): string {
  return createHash('sha256').update(JSON.stringify([s.numbers, s.lattice, s.pbc, s.cart])).digest('hex');
}

const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * The labels of a frame (under ASE's names) that hold values that are not numbers: NaN where VASP
 * printed `****` or NaN, or what an ASE database or trajectory holds. Trained on, they would make the
 * loss NaN; such a frame is left out, not trained on.
 */
function labelsNotNumbers(s: StructureJSON): string[] {
  const bad: string[] = [];
  const forces = s.siteProperties[LABEL_KEYS.forces];
  if (forces && !forces.values.every(isNumber)) bad.push('forces');
  const stress = s.properties[LABEL_KEYS.stress];
  if (Array.isArray(stress) && !stress.every(isNumber)) bad.push('stress');
  return bad;
}

export interface FramesImport {
  /** Frame name (`file` or `file:frame`) → the labelled structure to store. */
  byName: Map<string, ParsedFileStructure>;
  /** Rows in file order: name, the key into byName, target = energy (eV). */
  rows: { name: string; file: string; target: number }[];
  failed: FileFailure[];
  formats: Map<string, StructureFormat>;
  report: FramesImportReport;
  /** One sentence per frame left out because a label holds values that are not numbers (`frame K of FILE: …`). */
  notNumbers: string[];
  /** One sentence per frame left out because two of its atoms are at the same position (`frame K of FILE: atoms 0 and 1 are at the same position`). */
  samePosition: string[];
  /** Per file, how many of its selected frames have no energy (left out). */
  withoutEnergy: Map<string, number>;
  /** One sentence per frame the reader left out of its file (`step 3 of OUTCAR (frame 2, counting from 0) left out: line …`). */
  readerLeftOut: string[];
}

/**
 * Reads every source (in the compute pool, through `read`), selects, de-duplicates and checks the
 * frames. `read` runs one source and reports progress in frames; it throws when cancelled.
 */
export async function importFrames(
  sources: FramesSource[],
  selection: FrameSelection,
  read: (src: FramesSource) => Promise<FramesFile>,
  calculator: string | null = null,
): Promise<FramesImport> {
  const results: FramesFile[] = new Array(sources.length);
  let next = 0;
  const lane = async () => {
    while (next < sources.length) {
      const k = next++;
      results[k] = await read(sources[k]);
    }
  };
  await Promise.all([lane(), lane()]);

  const byName = new Map<string, ParsedFileStructure>();
  const rows: FramesImport['rows'] = [];
  const failed: FileFailure[] = [];
  const formats = new Map<string, StructureFormat>();
  const notes: string[] = [];
  const seen = new Map<string, string>();
  const conflicts: string[] = [];
  let readCount = 0;
  let unlabelled = 0;
  let selected = 0;
  let duplicates = 0;
  const withoutEnergy = new Map<string, number>();
  const notNumbers: string[] = [];
  const samePosition: string[] = [];
  const readerLeftOut: string[] = [];
  const many = sources.length > 1;
  for (const r of results) {
    if (!r.ok) {
      failed.push({ file: r.file, error: { name: r.error.name, message: r.error.message, line: r.error.line } });
      readCount += r.read ?? 0;
      unlabelled += r.read ?? 0;
      continue;
    }
    formats.set(r.file, r.format as StructureFormat);
    // a frame the reader left out is said with what was left out, not among the notes
    for (const n of [...r.labelSources, ...r.fileWarnings.filter((w) => !r.leftOut.includes(w))]) notes.push(`${r.file}: ${n}`);
    readerLeftOut.push(...r.leftOut);
    readCount += r.frames.length;
    const keep = selectFrames(r.frames.length, selection);
    selected += keep.length;
    for (const n of frameNotes(r, keep)) notes.push(`${r.file}: ${n}`);
    const vasp = isVaspOutput(r.format);
    for (const i of keep) {
      const p = r.frames[i];
      const id = frameIdentity(p.structure);
      const block = p.block ?? i;
      const name = r.frames.length > 1 ? `${r.file}:${block}` : r.file;
      const first = seen.get(id);
      if (first !== undefined) {
        duplicates++;
        const differ = labelDifferences(labelsOfStructure(structureFromJSON(p.structure)), labelsOfStructure(structureFromJSON(byName.get(first)!.structure)));
        if (differ) conflicts.push(`${name} is the structure of ${first} with other labels (${differ}): left out, ${first} kept`);
        continue;
      }
      const energy = p.structure.properties.energy;
      if (typeof energy !== 'number' || !Number.isFinite(energy)) {
        withoutEnergy.set(r.file, (withoutEnergy.get(r.file) ?? 0) + 1);
        continue;
      }
      const huge = labelMagnitudeProblem(energy);
      if (huge) {
        notNumbers.push(`frame ${i} of ${r.file}: its energy is ${energy}, ${huge}`);
        continue;
      }
      const bad = labelsNotNumbers(p.structure);
      if (bad.length) {
        notNumbers.push(`frame ${i} of ${r.file}: its ${bad.join(' and ')} hold values that are not numbers`);
        continue;
      }
      // the check a calculator makes (no direction between them: a potential's energy, forces and loss would be NaN)
      const same = atomsAtSamePosition(structureFromJSON(p.structure));
      if (same) {
        samePosition.push(`frame ${i} of ${r.file}: ${samePositionText(same)}`);
        continue;
      }
      seen.set(id, name);
      // stored with the frame as `--frames` counts it (from 0), as the Structures list shows a file opened there;
      // the item's name keeps VASP's step
      byName.set(name, vasp ? { ...p, block: i } : p);
      rows.push({ name, file: name, target: energy });
    }
  }
  const frames = [...byName.values()].map((p) => frameOfStructure(structureFromJSON(p.structure)));
  const check = checkLabels(frames);
  const outliers = energyOutliers(frames);
  const names = [...byName.keys()];
  const outlierWarnings = outliers.frames.length
    ? [
        `energy far out of line with the other frames' in ${plural(outliers.frames.length, 'frame')}: ${describeEnergyOutliers(outliers, frames, (k) => names[k])}; ` +
          `more than ${outliers.limit.toPrecision(3)} eV/atom from the median after per-element reference energies (${ENERGY_OUTLIER_SPREADS} robust spreads, at least ${ENERGY_OUTLIER_FLOOR} eV/atom). ` +
          (outliers.frames.length === 1
            ? 'A label in other units, of another structure or corrupted? Kept as it is: training fits its reference energies to it'
            : 'Labels in other units, of other structures or corrupted? Kept as they are: training fits its reference energies to them'),
      ]
    : [];
  const count = (k: 'energy' | 'freeEnergy' | 'forces' | 'stress') => frames.filter((f) => f[k] !== null).length;
  const report: FramesImportReport = {
    files: sources.length,
    read: readCount,
    ...(calculator ? { labelling: { calculator, labelled: readCount - unlabelled, unlabelled } } : {}),
    selection,
    selected,
    duplicates,
    withoutEnergy: [...withoutEnergy.values()].reduce((a, b) => a + b, 0),
    labelsNotNumbers: notNumbers.length,
    atomsAtSamePosition: samePosition.length,
    leftOutByReader: readerLeftOut.length,
    labels: { energy: count('energy'), freeEnergy: count('freeEnergy'), forces: count('forces'), stress: count('stress') },
    units: { energy: 'eV (whole cell)', forces: 'eV/Å', stress: 'eV/Å³, Voigt xx yy zz yz xz xy, positive = tensile (ASE; VASP kB converted × −0.1 GPa)' },
    notes: many ? notes : notes.map((n) => n.slice(n.indexOf(': ') + 2)),
    findings: [...conflicts, ...check.findings, ...outlierWarnings],
    warnings: [...conflicts, ...check.warnings, ...outlierWarnings],
  };
  return { byName, rows, failed, formats, report, notNumbers, samePosition, withoutEnergy, readerLeftOut };
}

/** Frame warnings said per file, at most: the others are counted. */
const FRAME_NOTES = 20;

/**
 * What the reader noticed in the selected frames (`step 2: line 106: the stress is not 6 numbers
 * (…): left out`), each named by its frame: a label left out is said, not only counted.
 */
function frameNotes(r: Extract<FramesFile, { ok: true }>, keep: number[]): string[] {
  const vasp = isVaspOutput(r.format);
  const all = keep.flatMap((i) => {
    const p = r.frames[i];
    const where = typeof p.block === 'string' ? p.block : vasp ? p.structure.name : `frame ${p.block ?? i}`;
    return p.warnings.map((w) => (w.startsWith(`${where}: `) ? w : `${where}: ${w}`));
  });
  if (all.length <= FRAME_NOTES) return all;
  return [...all.slice(0, FRAME_NOTES), `${plural(all.length - FRAME_NOTES, 'more frame warning')} (${plural(all.length, 'warning')} in all)`];
}

/** How two frames' labels differ ("energy +1.000 eV, forces"), or null when they are the same numbers (`sameNumbers`). */
function labelDifferences(a: FrameLabels, b: FrameLabels): string | null {
  const same = (x: ArrayLike<number> | null, y: ArrayLike<number> | null) => (x === null || y === null ? x === y : sameNumbers(x, y));
  const out: string[] = [];
  if (!same(a.energy === null ? null : [a.energy], b.energy === null ? null : [b.energy]))
    out.push(a.energy !== null && b.energy !== null ? `energy ${a.energy - b.energy >= 0 ? '+' : '−'}${Math.abs(a.energy - b.energy).toPrecision(4)} eV` : 'energy');
  if (!same(a.freeEnergy === null ? null : [a.freeEnergy], b.freeEnergy === null ? null : [b.freeEnergy])) out.push('free energy');
  if (!same(a.forces, b.forces)) out.push('forces');
  if (!same(a.stress, b.stress)) out.push('stress');
  return out.length ? out.join(', ') : null;
}

/** The labelled frames of a dataset of kind 'frames' (each item's structure carries its labels under ASE's names). */
export function datasetFrames(read: Pick<LabelledStructures, 'items'>): LabelledFrame[] {
  return read.items.map((it) => frameOfStructure(structureFromJSON(it.parsed.structure)));
}

/** A companion of VASP frame files (its species), read with them rather than for frames of its own. */
const isCompanion = (name: string) => /POTCAR/i.test(name);

/**
 * The frame files of a source: the file the user named, else every frame file of the folder or the
 * drop; `notRead`: the dropped files that are neither (a folder's other files are not listed).
 */
async function frameSources(src: DatasetSource): Promise<{ sources: FramesSource[]; notRead: string[] }> {
  const names = src.file !== null ? [src.file] : src.shownNames.filter(isFrameFileName);
  if (names.length === 0) throw noDatasetFile(src, `file to read frames from (${READABLE_FILES})`, isFrameFileName);
  if (src.dir !== null) return { sources: names.map((n) => ({ name: n, path: join(src.dir!, n) })), notRead: [] };
  // dropped files: the bytes, with the other dropped files as companions (POTCAR/OUTCAR for VASP 4 species)
  const dropped = await Promise.all(src.shownNames.map(async (n) => ({ name: n, data: (await src.bytes(n))! })));
  const companions = dropped.filter((c) => !isFrameFileName(c.name) || /POTCAR|OUTCAR/i.test(c.name));
  return {
    sources: dropped.filter((f) => names.includes(f.name)).map((f) => ({ ...f, companions })),
    notRead: src.shownNames.filter((n) => !names.includes(n) && !isCompanion(n)),
  };
}

/** Labelled frames as a dataset format: one structure per selected, distinct frame with an energy; the target is the energy (eV, whole cell). */
export const labelledFrames: DatasetFormat = {
  kind: 'frames',
  description: `labelled frames (energies, forces, stresses) of ${READABLE_FILES}, or a folder of them`,
  detect: (src) => (src.file !== null ? isFrameFileName(src.file) : src.names.some(isFrameFileName)),
  async read(src, options, io) {
    const { sources, notRead } = await frameSources(src);
    const readOptions: FramesReadOptions = { energyKey: options.energyKey, forcesKey: options.forcesKey, stressKey: options.stressKey, ...(options.label ? { label: options.label } : {}) };
    const got = await importFrames(sources, options.selection ?? { mode: 'all' }, io.framesReader(sources, readOptions), options.label ? options.label.toUpperCase() : null);
    const rows = options.limit !== undefined ? got.rows.slice(0, options.limit) : got.rows;
    const items: LabelledItem[] = rows.map((r) => ({
      name: r.name,
      file: r.file,
      sourceFile: r.file.replace(/:[^:/\\]*$/, ''),
      format: got.formats.get(r.file.replace(/:[^:/\\]*$/, '')) ?? 'frames',
      parsed: got.byName.get(r.file)!,
      targets: [r.target],
    }));
    return {
      kind: 'frames',
      source: src.label,
      items,
      targetKey: 'energy',
      targetNames: ['energy'],
      perAtomTarget: null,
      perAtomKeys: numericSiteKeys(items.map((i) => i.parsed)),
      atomInit: null,
      failed: got.failed.map((f) => ({ ...f, error: { ...f.error, message: clipMessage(f.error.message) } })),
      unlabelled: [
        ...[...got.withoutEnergy].map(([file, n]) => `${file} (${plural(n, 'frame')} without an energy)`),
        ...got.readerLeftOut,
        ...got.notNumbers,
        ...got.samePosition,
        ...notRead.map((n) => `${n} (not read: not a file frames are read from: ${READABLE_FILES})`),
      ],
      unlabelledCount: got.report.withoutEnergy + got.readerLeftOut.length + got.notNumbers.length + got.samePosition.length + notRead.length,
      frames: got.report,
    };
  },
};
