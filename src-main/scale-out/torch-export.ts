/**
 * `latticework export … --to torch DIR`: a run (or a config) and its data as a folder that trains
 * with PyTorch alone — `python train.py`, `torchrun --nproc_per_node G train.py`, or Slurm with
 * `train.sbatch` — and comes back with `latticework import-run DIR` (./import-run.ts).
 *
 * The folder (docs/scale-out.md):
 *   export.json           what was exported: format, Latticework's version, the run it came from, dataset, targets and units, counts
 *   config.json           the model config (architecture, graph settings, training)
 *   split.json            indices (into the dataset's order) and ids of the train / val / test structures
 *   initial.lwm           the initial weights (the run's seed), with the atom table and the normaliser
 *   data/graphs.bin       Latticework's graphs of every structure: atomic numbers, edge ends, float64
 *                         distances, targets (the Python side computes the features from them, as
 *                         Latticework does); so PyTorch trains on exactly the graphs Latticework would
 *   data/dataset.extxyz   the structures with their targets (energies, forces, stresses where present)
 *   data/cgcnn/           CGCNN's own layout (id_prop.csv, <id>.cif, atom_init.json) for CGCNN-family models
 *   latticework_torch.py, train.py, train.sbatch, README.md   (from resources/torch)
 *
 * What can be exported: EXPORTABLE below; everything else is refused with the reason.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFramesExtxyz } from '../../src-shared/chem';
import type { TorchExportResult } from '../../src-shared/ipc/contract';
import { elementSymbol } from '../../src-shared/chem/elements';
import type { LabelledFrame } from '../../src-shared/chem/frames';
import { writeCif } from '../../src-shared/chem/cif';
import { structureFromJSON } from '../../src-shared/chem/serialize';
import type { Structure } from '../../src-shared/chem/structure';
import { writeExtxyz } from '../../src-shared/chem/xyz';
import { atomInitRecord, type AtomInitTable } from '../../src-shared/graph/features';
import { resolvedLoss, type ModelConfig } from '../../src-shared/model/config';
import { isPotentialConfig, type PotentialConfig } from '../../src-shared/model/potential';
import { trainingDomain } from '../../src-shared/model/domain';
import { potentialTrainingDomain } from '../../src-shared/model/potential-domain';
import { trainValTestSplit, type Split } from '../../src-shared/model/split';
import { resourcePath } from '../app/resources';
import { checkExportFolderEmpty } from './export-folder';
import { VERSION } from '../app/version';
import type { LabelledStructures } from '../datasets/types';
import { buildModel } from '../engine/layers/model';
import { encodeModelFile, type ModelFileData, type Provenance, type TargetInfo } from '../engine/models/format';
import { potentialModelFile } from '../engine/potential/file';
import { potentialGraph, type PotentialGraph } from '../engine/potential/frames';
import { PotentialModel } from '../engine/potential/model';
import { fitEnergyStatistics } from '../engine/potential/statistics';
import { fitNormalizer, identityNormalizer, type TargetNormalizer } from '../engine/train/normalizer';
import type { TrainingSample } from '../engine/train/trainer';
import { sameNumbers } from '../../src-shared/numbers';
import { csvText } from '../../src-shared/text';

export const TORCH_EXPORT_FORMAT = 'latticework-torch-export';
export const TORCH_EXPORT_VERSION = 1;

/** The files copied from resources/torch into every export. */
const SCRIPTS = ['latticework_torch.py', 'train.py', 'train.sbatch'];

/** Architectures with a PyTorch twin in resources/torch/latticework_torch.py (LAYERS there). */
export const EXPORTABLE = ['cgcnn', 'schnet', 'gcn', 'gat', 'mpnn-edge'] as const;

export interface TorchExportInput {
  /** The config, its head already fitted to the data's targets (`fitConfigToData`). */
  config: ModelConfig;
  data: LabelledStructures;
  /** The graphs and targets of `data`'s items (`trainingSamples`), in the same order. */
  samples: TrainingSample[];
  atomInit: AtomInitTable;
  /** The model's outputs: their names and units (recorded in the model file, so that the model PyTorch trains predicts with them). */
  targets: TargetInfo[];
  /** The run's split (indices into the data); null: the config's seeded split. */
  split: Split | null;
  /** The run the export was made from. */
  exportedFrom: { runId: number; database: string } | null;
  /** The target normaliser that run fitted on its training structures: the data's must be the same (else it is not the run's data); null: not checked. */
  trainedNormalizer?: TargetNormalizer | null;
  /** Name of the model PyTorch will write (its header's name). */
  name: string;
}

/** What `latticework export --json` prints (the contract's export result without its next steps). */
export type TorchExportSummary = Omit<TorchExportResult, 'next'>;

/** Why a config cannot be trained by the exported PyTorch code, or null when it can. */
export function exportProblem(config: ModelConfig): string | null {
  const m = config.model;
  if (!(EXPORTABLE as readonly string[]).includes(config.architecture)) return `architecture "${config.architecture}" has no PyTorch twin yet (exportable: ${EXPORTABLE.join(', ')})`;
  if (!['mean', 'sum', 'max'].includes(m.readout)) return `readout "${m.readout}" is not exported (mean, sum and max are)`;
  if (m.head.kind === 'classification' || resolvedLoss(config) === 'cross-entropy') return 'classification models are not exported yet (regression and per-atom targets are)';
  if (config.training.kFold) return 'k-fold runs are not exported (export a single split: kFold null)';
  return null;
}

/**
 * Writes one file of an export folder (`writeFileSync`; a test gives one that fails, as a full disk does). An export
 * written by exportForTorch appears whole or not at all (export-folder.ts `writeExportFolder`).
 */
export type ExportFileWriter = (path: string, content: string | Uint8Array) => void;

/** Writes the export folder `out` (created; must be empty or absent) of a property model. */
export function exportTorchRun(input: TorchExportInput, out: string, writeFile: ExportFileWriter = writeFileSync): TorchExportSummary {
  const { config, data, samples, atomInit } = input;
  const problem = exportProblem(config);
  if (problem) throw new Error(`cannot export: ${problem}`);
  if (samples.length !== data.items.length) throw new Error('export: graphs and dataset items differ in number');
  const split = checkedSplit(input.split ?? trainValTestSplit(samples.length, config.training.split, config.training.seed), samples.length);

  // the initial weights (the seed's, as trainModel draws them) with what a model file carries
  const perAtom = config.model.head.kind === 'per-atom';
  const targetNames = input.targets.map((t) => t.name);
  const width = targetNames.length;
  const trainTargets: number[] = [];
  for (const i of split.train) for (let k = 0; k < samples[i].target.length; k++) trainTargets.push(samples[i].target[k]);
  const normalizer = config.training.normalizeTargets ? fitNormalizer(trainTargets, width) : identityNormalizer(width);
  const trained = input.trainedNormalizer;
  if (trained && !sameNormalizer(trained, normalizer)) {
    const stats = (n: TargetNormalizer) => `mean ${n.mean.map((x) => x.toPrecision(6)).join(', ')}, std ${n.std.map((x) => x.toPrecision(6)).join(', ')}`;
    throw new Error(`the data is not what run ${input.exportedFrom?.runId ?? ''} trained on: the targets of its training structures have ${stats(normalizer)}, the run's had ${stats(trained)} (give the run's own dataset with --data, its --target and --limit)`);
  }
  const w = new ExportWriter(out, writeFile);
  const model = buildModel(config, { seed: config.training.seed });
  const weights = model.getWeights();
  const shapes = model.namedVariables().map((v) => ({ name: v.name, shape: v.variable.shape.slice(), member: 0 }));
  const parameters = model.countParameters();
  model.dispose();
  const file: ModelFileData = {
    header: {
      format: 'latticework-model',
      version: 1,
      name: input.name,
      config,
      task: config.model.head.kind,
      targets: input.targets,
      normalizer,
      atomInit: config.model.atomInput.kind === 'cgcnn' ? atomInitRecord(atomInit) : null,
      members: 1,
      provenance: initialProvenance(data.source),
      // the training split's domain, as a run trained here records it; train.py copies this header into the models it writes
      domain: trainingDomain(
        split.train.map((i) => structureFromJSON(data.items[i].parsed.structure)),
        config.model.head.kind === 'regression' ? split.train.map((i) => samples[i].target) : null,
      ),
      weights: shapes,
    },
    members: [weights],
  };
  const ids = samples.map((s, i) => s.id ?? data.items[i].name);
  w.common(file, config, split, ids);
  w.file(join('data', 'graphs.bin'), encodeGraphs(samples, ids, width, perAtom));

  // the structures, with their targets as properties, as extended XYZ and (CGCNN-family) CGCNN's layout
  const structures = data.items.map((it, i) => labelled(structureFromJSON(it.parsed.structure), perAtom ? {} : targetsOf(targetNames, samples[i].target), ids[i]));
  w.file(join('data', 'dataset.extxyz'), writeExtxyz(structures));
  const cgcnnLayout = config.model.atomInput.kind === 'cgcnn' && !perAtom && structures.every((s) => s.lattice !== null);
  if (cgcnnLayout) {
    const names = cgcnnFileNames(ids);
    const rows = structures.map((s, i) => {
      w.file(join('data', 'cgcnn', `${names[i]}.cif`), writeCif(s), false);
      return [names[i], ...Array.from(samples[i].target)];
    });
    w.file(join('data', 'cgcnn', 'id_prop.csv'), csvText(rows));
    w.file(join('data', 'cgcnn', 'atom_init.json'), JSON.stringify(atomInitRecord(atomInit)) + '\n');
    w.files.push(join('data', 'cgcnn', '<id>.cif'));
  }
  const dataset = { source: data.source, kind: data.kind, target: data.targetKey, targetNames, perAtom, structures: samples.length };
  return w.finish({ name: input.name, config, exportedFrom: input.exportedFrom, dataset, split, parameters, cgcnnLayout, elements: {} });
}

export interface TorchPotentialExportInput {
  config: PotentialConfig;
  /** The labelled frames (energies, forces, stresses where present), in order. */
  frames: readonly LabelledFrame[];
  /** Where they were read from. */
  source: string;
  split: Split | null;
  exportedFrom: { runId: number; database: string } | null;
  name: string;
}

/**
 * Writes the export folder of an interatomic potential: the frames' neighbour lists (every pair
 * within the cutoff, with image shifts) and labels, the initial weights with the energy
 * statistics (E_ref per element, scale, shift) fitted on the training split as
 * `latticework train` fits them (they are not trained).
 */
export function exportTorchPotential(input: TorchPotentialExportInput, out: string, writeFile: ExportFileWriter = writeFileSync): TorchExportSummary {
  const { config, frames } = input;
  if (!(EXPORTABLE_POTENTIALS as readonly string[]).includes(config.architecture)) throw new Error(`cannot export: the ${config.architecture} potential has no PyTorch twin yet (exportable: ${EXPORTABLE_POTENTIALS.join(', ')})`);
  if (frames.length === 0) throw new Error('no frames to export');
  const split = checkedSplit(input.split ?? trainValTestSplit(frames.length, config.training.split, config.training.seed), frames.length);
  const w = new ExportWriter(out, writeFile);
  const statistics = fitEnergyStatistics(
    split.train.map((i) => frames[i]),
    config.model.maxZ,
  );
  const model = new PotentialModel(config, config.training.seed);
  model.setEnergyStatistics(statistics.reference, statistics.scale, statistics.shift);
  const weights = model.getWeights();
  const parameters = model.trainableVariables().reduce((n, v) => n + v.size, 0);
  model.dispose();
  // the training split's domain travels with the weights: train.py copies this header into the models it writes
  const domain = potentialTrainingDomain(
    split.train.map((i) => frames[i]),
    statistics.reference,
    config.radial.cutoff,
  );
  const initial = potentialModelFile({ name: input.name, config, members: [weights], provenance: initialProvenance(input.source), domain });
  const ids = frames.map((f, i) => String(f.structure.properties.id ?? f.structure.name ?? `frame-${i}`));
  w.common(initial, config, split, ids);
  const graphs = frames.map((f) => potentialGraph(f.structure, config.radial.cutoff));
  w.file(join('data', 'potentials.bin'), encodePotentialFrames(frames, graphs, ids));
  w.file(join('data', 'dataset.extxyz'), writeFramesExtxyz(frames));
  const elements = Object.fromEntries([...new Set(frames.flatMap((f) => Array.from(f.structure.numbers)))].sort((a, b) => a - b).map((z) => [String(z), elementSymbol(z)]));
  const dataset = { source: input.source, kind: 'frames', target: 'energy, forces, stress', targetNames: ['energy', 'forces', 'stress'], perAtom: false, structures: frames.length };
  return w.finish({ name: input.name, config, exportedFrom: input.exportedFrom, dataset, split, parameters, cgcnnLayout: false, elements });
}

/** Potential architectures with a PyTorch twin (PotentialModel in latticework_torch.py: POTENTIALS there). */
export const EXPORTABLE_POTENTIALS = ['schnet', 'painn'] as const;

function initialProvenance(dataset: string): Provenance {
  return { source: 'training', dataset, createdAt: new Date().toISOString(), software: `latticework ${VERSION} (export, initial weights)` };
}

/** Two normalisers alike to float32 precision (the run's is read back from JSON or a checkpoint). */
function sameNormalizer(a: TargetNormalizer, b: TargetNormalizer): boolean {
  return sameNumbers(a.mean, b.mean) && sameNumbers(a.std, b.std);
}

function checkedSplit(split: Split, n: number): Split {
  const bad = [...split.train, ...split.val, ...split.test].find((i) => !(Number.isInteger(i) && i >= 0 && i < n));
  if (bad !== undefined) throw new Error(`the run's split names structure ${bad}, but the data has ${n}: give the run's own dataset with --data`);
  const covered = split.train.length + split.val.length + split.test.length;
  if (covered !== n) throw new Error(`the run's split covers ${covered} structures, but the data has ${n}: give the run's own dataset with --data (and the --limit it trained with)`);
  if (split.train.length === 0) throw new Error('the training split is empty');
  return split;
}

/**
 * The files train.py reads, whose size and SHA-256 export.json records (`files`): train.py compares them before reading, so
 * that a folder cut short by an interrupted copy is refused naming the file, not met by a traceback mid-read.
 */
const CHECKED_FILES = new Set(['initial.lwm', 'split.json', 'data/graphs.bin', 'data/potentials.bin']);

/** Writes one export folder: the files every export has, then the manifest and README last. */
class ExportWriter {
  readonly folder: string;
  readonly files: string[] = [];
  /** CHECKED_FILES as written: their size in bytes and SHA-256 (hex). */
  private readonly checked: Record<string, { bytes: number; sha256: string }> = {};
  /** initial.lwm's targets with their units, which the manifest records. */
  private targets: TargetInfo[] = [];

  constructor(
    out: string,
    private readonly writeFile: ExportFileWriter,
  ) {
    this.folder = resolve(out);
    checkExportFolderEmpty(this.folder);
    mkdirSync(join(this.folder, 'data'), { recursive: true });
  }

  file(name: string, content: string | Uint8Array, list = true): void {
    mkdirSync(dirname(join(this.folder, name)), { recursive: true });
    try {
      this.writeFile(join(this.folder, name), content);
    } catch (e) {
      throw new Error(`cannot write ${name}: ${(e as Error).message}`, { cause: e });
    }
    if (CHECKED_FILES.has(name)) {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      this.checked[name] = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
    if (list) this.files.push(name);
  }

  /** initial.lwm, config.json, split.json (indices and ids), and the Python files. */
  common(initial: ModelFileData, config: ModelConfig | PotentialConfig, split: Split, ids: string[]): void {
    this.file('initial.lwm', encodeModelFile(initial));
    this.targets = initial.header.targets;
    this.file('config.json', JSON.stringify(config, null, 2) + '\n');
    const idsOf = (idx: number[]) => idx.map((i) => ids[i]);
    this.file('split.json', JSON.stringify({ train: split.train, val: split.val, test: split.test, ids: { train: idsOf(split.train), val: idsOf(split.val), test: idsOf(split.test) } }) + '\n');
    for (const s of SCRIPTS) this.file(s, readFileSync(resourcePath('torch', s)));
  }

  finish(m: {
    name: string;
    config: ModelConfig | PotentialConfig;
    exportedFrom: TorchExportInput['exportedFrom'];
    dataset: { source: string; kind: string; target: string; targetNames: string[]; perAtom: boolean; structures: number };
    split: Split;
    parameters: number;
    cgcnnLayout: boolean;
    elements: Record<string, string>;
  }): TorchExportSummary {
    const summary: TorchExportSummary = {
      folder: this.folder,
      architecture: m.config.architecture,
      structures: m.dataset.structures,
      split: { train: m.split.train.length, val: m.split.val.length, test: m.split.test.length },
      parameters: m.parameters,
      files: [...this.files, 'README.md', 'export.json'],
      cgcnnLayout: m.cgcnnLayout,
    };
    this.file('README.md', readme(m.name, m.config, m.dataset, m.exportedFrom, summary));
    const manifest = {
      format: TORCH_EXPORT_FORMAT,
      version: TORCH_EXPORT_VERSION,
      createdAt: new Date().toISOString(),
      latticework: VERSION,
      name: m.name,
      kind: isPotentialConfig(m.config) ? 'potential' : 'property',
      architecture: m.config.architecture,
      preset: m.config.preset ?? null,
      exportedFrom: m.exportedFrom,
      dataset: m.dataset,
      targets: this.targets,
      split: summary.split,
      parameters: m.parameters,
      elements: m.elements,
      files: this.checked,
    };
    this.file('export.json', JSON.stringify(manifest, null, 2) + '\n');
    return summary;
  }
}

function targetsOf(names: string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, k) => (out[n] = values[k]));
  return out;
}

function labelled(s: Structure, targets: Record<string, number>, id: string): Structure {
  return { ...s, properties: { ...s.properties, id, ...targets } };
}

/**
 * File names for CGCNN's layout: the ids where they are safe and distinct, else made so. None begins
 * with '.' (a hidden file) or '-' (an option to a shell command; and a formula to a spreadsheet,
 * which csvField would quote in id_prop.csv, where CGCNN reads the id as the name of its CIF).
 */
function cgcnnFileNames(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id, i) => {
    let name = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.-]+/, '') || `structure-${i}`;
    if (seen.has(name)) name = `${name}-${i}`;
    seen.add(name);
    return name;
  });
}

/**
 * data/graphs.bin: magic "LWGRAPH\0", uint32 header length, JSON header ({ids, targetWidth,
 * perAtom, sections: {name: {dtype, offset, count}}}), then the sections, each 8-byte aligned:
 * nodeOffsets, edgeOffsets (int64, structures + 1), numbers (int32, atoms), center, neighbor
 * (int32, per structure's own atoms), distance (float64, Å), targets (float64, rows × targetWidth;
 * rows = structures, or atoms for a per-atom target).
 */
export function encodeGraphs(samples: TrainingSample[], ids: string[], targetWidth: number, perAtom: boolean): Uint8Array {
  const G = samples.length;
  const nodes = samples.reduce((s, x) => s + x.graph.nNodes, 0);
  const edges = samples.reduce((s, x) => s + x.graph.nEdges, 0);
  const { nodeOffsets, edgeOffsets } = offsets(samples.map((x) => [x.graph.nNodes, x.graph.nEdges]));
  const numbers = new Int32Array(nodes);
  const center = new Int32Array(edges);
  const neighbor = new Int32Array(edges);
  const distance = new Float64Array(edges);
  const targets = new Float64Array(samples.reduce((s, x) => s + x.target.length, 0));
  let t = 0;
  samples.forEach((s, g) => {
    const gr = s.graph;
    const n = Number(nodeOffsets[g]);
    const e = Number(edgeOffsets[g]);
    numbers.set(gr.numbers, n);
    center.set(gr.center, e);
    neighbor.set(gr.neighbor, e);
    distance.set(gr.distance, e);
    for (let k = 0; k < s.target.length; k++) targets[t + k] = s.target[k];
    t += s.target.length;
  });
  if (t !== (perAtom ? nodes : G) * targetWidth) throw new Error(`export: ${t} target values for ${perAtom ? `${nodes} atoms` : `${G} structures`} × ${targetWidth}`);
  return encodeSections({ ids, targetWidth, perAtom }, { nodeOffsets, edgeOffsets, numbers, center, neighbor, distance, targets });
}

/**
 * data/potentials.bin, the same container: nodeOffsets, edgeOffsets (int64), numbers (int32),
 * positions (float64, 3 per atom, Å), center, neighbor (int32), shift (float64, 3 per edge: the
 * Cartesian image shift, Å), volume (float64 per frame, NaN without one), energy (eV), forces
 * (eV/Å, 3 per atom), stress (eV/Å³, Voigt xx yy zz yz xz xy, ASE's sign): NaN where a frame has none
 * (a stress of a frame without a volume is left out).
 */
export function encodePotentialFrames(frames: readonly LabelledFrame[], graphs: readonly PotentialGraph[], ids: string[]): Uint8Array {
  const { nodeOffsets, edgeOffsets } = offsets(graphs.map((g) => [g.numbers.length, g.center.length]));
  const N = Number(nodeOffsets[graphs.length]);
  const E = Number(edgeOffsets[graphs.length]);
  const numbers = new Int32Array(N);
  const positions = new Float64Array(3 * N);
  const center = new Int32Array(E);
  const neighbor = new Int32Array(E);
  const shift = new Float64Array(3 * E);
  const volume = new Float64Array(graphs.length).fill(NaN);
  const energy = new Float64Array(graphs.length).fill(NaN);
  const forces = new Float64Array(3 * N).fill(NaN);
  const stress = new Float64Array(6 * graphs.length).fill(NaN);
  graphs.forEach((g, k) => {
    const n = Number(nodeOffsets[k]);
    const e = Number(edgeOffsets[k]);
    numbers.set(g.numbers, n);
    positions.set(g.positions, 3 * n);
    center.set(g.center, e);
    neighbor.set(g.neighbor, e);
    shift.set(g.shift, 3 * e);
    if (g.volume !== null) volume[k] = g.volume;
    const f = frames[k];
    if (f.energy !== null) energy[k] = f.energy;
    if (f.forces) forces.set(f.forces, 3 * n);
    // a stress needs a volume (Latticework's loss leaves it out without one: batchTargets)
    if (f.stress && g.volume !== null) stress.set(f.stress, 6 * k);
  });
  return encodeSections({ ids }, { nodeOffsets, edgeOffsets, numbers, positions, center, neighbor, shift, volume, energy, forces, stress });
}

/** Cumulative atom and edge offsets (int64, count + 1) of [atoms, edges] per structure. */
function offsets(sizes: [number, number][]): { nodeOffsets: BigInt64Array; edgeOffsets: BigInt64Array } {
  const nodeOffsets = new BigInt64Array(sizes.length + 1);
  const edgeOffsets = new BigInt64Array(sizes.length + 1);
  sizes.forEach(([n, e], g) => {
    nodeOffsets[g + 1] = nodeOffsets[g] + BigInt(n);
    edgeOffsets[g + 1] = edgeOffsets[g] + BigInt(e);
  });
  return { nodeOffsets, edgeOffsets };
}

type Section = BigInt64Array | Int32Array | Float64Array;
const DTYPES = new Map<unknown, string>([
  [BigInt64Array, 'int64'],
  [Int32Array, 'int32'],
  [Float64Array, 'float64'],
]);

/**
 * The container of data/graphs.bin and data/potentials.bin: magic "LWGRAPH\0", uint32 header
 * length, the JSON header (`meta` and `sections: {name: {dtype, offset, count}}`, offsets from the
 * file's start), then each section 8-byte aligned, little-endian.
 */
export function encodeSections(meta: Record<string, unknown>, arrays: Record<string, Section>): Uint8Array {
  const enc = new TextEncoder();
  const entries = Object.entries(arrays);
  const align = (x: number) => Math.ceil(x / 8) * 8;
  const layout = (start: number) => {
    const sections: Record<string, { dtype: string; offset: number; count: number }> = {};
    let at = start;
    for (const [name, a] of entries) {
      sections[name] = { dtype: DTYPES.get(a.constructor)!, offset: at, count: a.length };
      at = align(at + a.byteLength);
    }
    return { sections, end: at };
  };
  // the header's length depends on the offsets it holds: lay out after the longest it can be
  const longest = enc.encode(JSON.stringify({ ...meta, sections: layout(1e15).sections })).length;
  const { sections, end } = layout(align(12 + longest));
  const json = enc.encode(JSON.stringify({ ...meta, sections }));
  const out = new Uint8Array(end);
  out.set(enc.encode('LWGRAPH\0'), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  // the typed arrays in the machine's byte order: every platform Latticework runs on is little-endian
  for (const [name, a] of entries) out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), sections[name].offset);
  return out;
}

function readme(name: string, c: ModelConfig | PotentialConfig, dataset: { source: string; targetNames: string[] }, exportedFrom: TorchExportInput['exportedFrom'], s: TorchExportSummary): string {
  const what = isPotentialConfig(c) ? `${c.architecture} interatomic potential (energy, forces, stress)` : c.architecture;
  return `# ${name}: a Latticework run for PyTorch

Exported by Latticework ${VERSION} on ${new Date().toISOString().slice(0, 10)}${exportedFrom ? ` from run ${exportedFrom.runId} of ${exportedFrom.database}` : ''}.
Model: ${what}${c.preset ? ` (preset ${c.preset})` : ''}, ${s.parameters.toLocaleString('en-US')} parameters.
Data: ${s.structures} structures from ${dataset.source} (target ${dataset.targetNames.join(', ')}); split ${s.split.train} train / ${s.split.val} val / ${s.split.test} test.

## What to install

PyTorch (1.13 or newer), and nothing else: no other Python package is used.

## How to run

    python train.py                                  # one process: CPU, or the first GPU
    torchrun --nproc_per_node G train.py             # G processes on one node: one per GPU (NCCL), or CPU processes (gloo)
                                                     # (Debian 12's torch 1.13: add --redirects 1 --tee 1)
    sbatch train.sbatch                              # Slurm: edit its #SBATCH lines first (nodes, GPUs, time)

Options: \`--epochs N\` (override the config's ${c.training.epochs}; a whole number ≥ 1), \`--device cpu|cuda\`, \`--out DIR\` (default \`run/\`),
\`--overwrite\` (replace the run \`--out\` already holds).
Ctrl-C, or SIGTERM (Slurm's time limit, \`scancel\`), stops the run after the step under way: it ends
cancelled (exit status 130) with its best epoch's model in \`run/best.lwm\`.

A run already in \`run/\` (its \`status.json\`) is never replaced silently: train.py refuses to start
(exit status 2, nothing written), so a second \`sbatch\`, a retyped torchrun line or a Slurm requeue of the
job keeps a finished run. Bring it back first (\`latticework import-run\`), move \`run/\` away, train into
another folder (\`--out DIR\`), or start again over it with \`--overwrite\` (there is no resume: the run
in \`run/\` is then lost).

\`config.json\` is there to read: the config trained is the one inside \`initial.lwm\` (its initial weights are
drawn for it). train.py refuses to start when \`config.json\` was edited (exit status 2): change the config
in Latticework and export again.

The global batch (${c.training.batchSize} structures) and its order per epoch are Latticework's (same seed, same shuffle);
with P processes each takes a contiguous part of every batch and DistributedDataParallel averages the
gradients, so the update is the batch's. Batch-norm statistics (CGCNN's) are computed per process, over each
process's part of the batch (PyTorch's default; Latticework's own workers share them), so with P > 1 a run
can differ a lot from a one-process run when those parts are small. Measured on 60 EMT structures,
CGCNN, batch 16 (8 per process): the first batch's loss, before any update, 1.4646 with 2 processes
against 1.4376 with one (and in Latticework); validation MAE after 3 epochs 0.118 against 0.061. With
batch norm, keep each process's part large (raise the batch size with the process count, and expect to
retune the learning rate), or train on one process when the run must follow Latticework's.

## What it writes (run/)

- \`metrics.jsonl\`: one line per epoch with Latticework's metric keys (train_loss, val_loss, val_mae, lr, …)
- \`batches.jsonl\`: batch_loss and batch_lr of every batch
- \`status.json\`: how the run ended, the hosts, processes, devices and distributed backend, the SHA-256 of the export's files and of \`best.lwm\` (so that only this run's model comes back)
- \`last.lwm\`, \`best.lwm\`: Latticework model files (the last epoch's and the best epoch's weights)
- \`predictions.jsonl\`: predictions of the best model for every structure of every split

## Bring it back

Copy this folder back (at least \`export.json\`, \`split.json\`, \`initial.lwm\` and \`run/\`) and run

    latticework import-run THIS_FOLDER

The run appears in Latticework's runs table, marked external, with its curves; its model predicts there.

## Files

- \`config.json\` (the config, to read: the one trained is \`initial.lwm\`'s), \`split.json\`, \`initial.lwm\` (initial weights and config), \`export.json\`
- \`data/${isPotentialConfig(c) ? 'potentials.bin' : 'graphs.bin'}\`: Latticework's graphs (neighbour lists${isPotentialConfig(c) ? ' with image shifts, positions' : ' and distances'}) and the labels
- \`data/dataset.extxyz\`: the structures with their targets${s.cgcnnLayout ? '\n- `data/cgcnn/`: the same in CGCNN\'s layout (id_prop.csv, <id>.cif, atom_init.json)' : ''}
- \`latticework_torch.py\` (the model and the training loop), \`train.py\`, \`train.sbatch\`
`;
}
