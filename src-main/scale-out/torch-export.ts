/**
 * `latticework export … --to torch DIR`: a run (or a config) and its data as a folder that trains
 * with PyTorch alone — `python train.py`, `torchrun --nproc_per_node G train.py`, or Slurm with
 * `train.sbatch` — and comes back with `latticework import-run DIR` (./import-run.ts).
 *
 * The folder (docs/scale-out.md):
 *   export.json           what was exported: format, Latticework's version, the run it came from, dataset, counts
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
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeCif } from '../../src-shared/chem/cif';
import { structureFromJSON } from '../../src-shared/chem/serialize';
import type { Structure } from '../../src-shared/chem/structure';
import { writeExtxyz } from '../../src-shared/chem/xyz';
import { atomInitRecord, type AtomInitTable } from '../../src-shared/graph/features';
import { resolvedLoss, type ModelConfig } from '../../src-shared/model/config';
import { trainValTestSplit, type Split } from '../../src-shared/model/split';
import { resourcePath } from '../app/resources';
import { VERSION } from '../app/version';
import type { DatasetRead } from '../datasets/types';
import { buildModel } from '../engine/layers/model';
import { encodeModelFile, type ModelFileData } from '../engine/models/format';
import { fitNormalizer, identityNormalizer } from '../engine/train/normalizer';
import type { TrainingSample } from '../engine/train/trainer';

export const TORCH_EXPORT_FORMAT = 'latticework-torch-export';
export const TORCH_EXPORT_VERSION = 1;

/** The files copied from resources/torch into every export. */
const SCRIPTS = ['latticework_torch.py', 'train.py', 'train.sbatch'];

/** Architectures with a PyTorch twin in resources/torch/latticework_torch.py (MODELS there). */
export const EXPORTABLE = ['cgcnn'] as const;

export interface TorchExportInput {
  /** The config, its head already fitted to the data's targets (`fitConfigToData`). */
  config: ModelConfig;
  data: DatasetRead;
  /** The graphs and targets of `data`'s items (`trainingSamples`), in the same order. */
  samples: TrainingSample[];
  atomInit: AtomInitTable;
  /** Target names of the model's outputs. */
  targetNames: string[];
  /** The run's split (indices into the data); null: the config's seeded split. */
  split: Split | null;
  /** The run the export was made from. */
  exportedFrom: { runId: number; database: string } | null;
  /** Name of the model PyTorch will write (its header's name). */
  name: string;
}

/** What `latticework export --json` prints. */
export interface TorchExportSummary {
  folder: string;
  architecture: string;
  structures: number;
  split: { train: number; val: number; test: number };
  parameters: number;
  files: string[];
  cgcnnLayout: boolean;
}

/** Why a config cannot be trained by the exported PyTorch code, or null when it can. */
export function exportProblem(config: ModelConfig): string | null {
  const m = config.model;
  if (!(EXPORTABLE as readonly string[]).includes(config.architecture)) return `architecture "${config.architecture}" has no PyTorch twin yet (exportable: ${EXPORTABLE.join(', ')})`;
  if (!['mean', 'sum', 'max'].includes(m.readout)) return `readout "${m.readout}" is not exported (mean, sum and max are)`;
  if (m.head.kind === 'classification' || resolvedLoss(config) === 'cross-entropy') return 'classification models are not exported yet (regression and per-atom targets are)';
  if (config.training.kFold) return 'k-fold runs are not exported (export a single split: kFold null)';
  return null;
}

/** Writes the export folder `out` (created; must be empty or absent). */
export function exportTorchRun(input: TorchExportInput, out: string): TorchExportSummary {
  const { config, data, samples, atomInit } = input;
  const problem = exportProblem(config);
  if (problem) throw new Error(`cannot export: ${problem}`);
  if (samples.length !== data.items.length) throw new Error('export: graphs and dataset items differ in number');
  const folder = resolve(out);
  if (existsSync(folder) && readdirSync(folder).length > 0) throw new Error(`${folder} is not empty: export into a new folder`);
  const split = input.split ?? trainValTestSplit(samples.length, config.training.split, config.training.seed);
  const bad = [...split.train, ...split.val, ...split.test].find((i) => !(Number.isInteger(i) && i >= 0 && i < samples.length));
  if (bad !== undefined) throw new Error(`the run's split names structure ${bad}, but the data has ${samples.length}: give the run's own dataset with --data`);
  if (split.train.length === 0) throw new Error('the training split is empty');
  mkdirSync(join(folder, 'data'), { recursive: true });
  const files: string[] = [];
  const write = (name: string, content: string | Uint8Array) => {
    writeFileSync(join(folder, name), content);
    files.push(name);
  };

  // the initial weights (the seed's, as trainModel draws them) with what a model file carries
  const perAtom = config.model.head.kind === 'per-atom';
  const width = input.targetNames.length;
  const trainTargets: number[] = [];
  for (const i of split.train) for (let k = 0; k < samples[i].target.length; k++) trainTargets.push(samples[i].target[k]);
  const normalizer = config.training.normalizeTargets ? fitNormalizer(trainTargets, width) : identityNormalizer(width);
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
      targets: input.targetNames.map((name) => ({ name, unit: '' })),
      normalizer,
      atomInit: config.model.atomInput.kind === 'cgcnn' ? atomInitRecord(atomInit) : null,
      members: 1,
      provenance: { source: 'training', dataset: data.source, createdAt: new Date().toISOString(), software: `latticework ${VERSION} (export, initial weights)` },
      weights: shapes,
    },
    members: [weights],
  };
  write('initial.lwm', encodeModelFile(file));
  write('config.json', JSON.stringify(config, null, 2) + '\n');
  const ids = samples.map((s, i) => s.id ?? data.items[i].name);
  const idsOf = (idx: number[]) => idx.map((i) => ids[i]);
  write('split.json', JSON.stringify({ train: split.train, val: split.val, test: split.test, ids: { train: idsOf(split.train), val: idsOf(split.val), test: idsOf(split.test) } }) + '\n');
  write(join('data', 'graphs.bin'), encodeGraphs(samples, ids, width, perAtom));

  // the structures, with their targets as properties, as extended XYZ and (CGCNN-family) CGCNN's layout
  const structures = data.items.map((it, i) => labelled(structureFromJSON(it.parsed.structure), perAtom ? {} : targetsOf(input.targetNames, samples[i].target), ids[i]));
  write(join('data', 'dataset.extxyz'), writeExtxyz(structures));
  const cgcnnLayout = config.model.atomInput.kind === 'cgcnn' && !perAtom && structures.every((s) => s.lattice !== null);
  if (cgcnnLayout) {
    mkdirSync(join(folder, 'data', 'cgcnn'));
    const names = cgcnnFileNames(ids);
    const rows: string[] = [];
    structures.forEach((s, i) => {
      writeFileSync(join(folder, 'data', 'cgcnn', `${names[i]}.cif`), writeCif(s));
      rows.push([names[i], ...Array.from(samples[i].target, (v) => String(v))].join(','));
    });
    writeFileSync(join(folder, 'data', 'cgcnn', 'id_prop.csv'), rows.join('\n') + '\n');
    writeFileSync(join(folder, 'data', 'cgcnn', 'atom_init.json'), JSON.stringify(atomInitRecord(atomInit)) + '\n');
    files.push(join('data', 'cgcnn', 'id_prop.csv'), join('data', 'cgcnn', 'atom_init.json'), join('data', 'cgcnn', '<id>.cif'));
  }

  for (const s of SCRIPTS) {
    copyFileSync(resourcePath('torch', s), join(folder, s));
    files.push(s);
  }
  const summary: TorchExportSummary = {
    folder,
    architecture: config.architecture,
    structures: samples.length,
    split: { train: split.train.length, val: split.val.length, test: split.test.length },
    parameters,
    files: [...files, 'README.md', 'export.json'],
    cgcnnLayout,
  };
  write('README.md', readme(input, summary));
  write(
    'export.json',
    JSON.stringify(
      {
        format: TORCH_EXPORT_FORMAT,
        version: TORCH_EXPORT_VERSION,
        createdAt: new Date().toISOString(),
        latticework: VERSION,
        name: input.name,
        architecture: config.architecture,
        preset: config.preset ?? null,
        exportedFrom: input.exportedFrom,
        dataset: { source: data.source, kind: data.kind, target: data.targetKey, targetNames: input.targetNames, perAtom, structures: samples.length },
        split: summary.split,
        parameters,
      },
      null,
      2,
    ) + '\n',
  );
  return summary;
}

function targetsOf(names: string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, k) => (out[n] = values[k]));
  return out;
}

function labelled(s: Structure, targets: Record<string, number>, id: string): Structure {
  return { ...s, properties: { ...s.properties, id, ...targets } };
}

/** File names for CGCNN's layout: the ids where they are safe and distinct, else made so. */
function cgcnnFileNames(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id, i) => {
    let name = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || `structure-${i}`;
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
  const nodeOffsets = new BigInt64Array(G + 1);
  const edgeOffsets = new BigInt64Array(G + 1);
  const numbers = new Int32Array(nodes);
  const center = new Int32Array(edges);
  const neighbor = new Int32Array(edges);
  const distance = new Float64Array(edges);
  const targets = new Float64Array(samples.reduce((s, x) => s + x.target.length, 0));
  let n = 0;
  let e = 0;
  let t = 0;
  samples.forEach((s, g) => {
    const gr = s.graph;
    numbers.set(gr.numbers, n);
    center.set(gr.center, e);
    neighbor.set(gr.neighbor, e);
    distance.set(gr.distance, e);
    for (let k = 0; k < s.target.length; k++) targets[t + k] = s.target[k];
    n += gr.nNodes;
    e += gr.nEdges;
    t += s.target.length;
    nodeOffsets[g + 1] = BigInt(n);
    edgeOffsets[g + 1] = BigInt(e);
  });
  if (t !== (perAtom ? nodes : G) * targetWidth) throw new Error(`export: ${t} target values for ${perAtom ? `${nodes} atoms` : `${G} structures`} × ${targetWidth}`);
  const arrays: [string, string, ArrayBufferView & { length: number }][] = [
    ['nodeOffsets', 'int64', nodeOffsets],
    ['edgeOffsets', 'int64', edgeOffsets],
    ['numbers', 'int32', numbers],
    ['center', 'int32', center],
    ['neighbor', 'int32', neighbor],
    ['distance', 'float64', distance],
    ['targets', 'float64', targets],
  ];
  // offsets are absolute; the header's length depends on them, so lay the data out after a fixed-size guess
  const sizeOf = (sections: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({ ids, targetWidth, perAtom, sections })).length;
  let headerBytes = sizeOf(Object.fromEntries(arrays.map(([name, dtype, a]) => [name, { dtype, offset: 1e15, count: a.length }])));
  const align = (x: number) => Math.ceil(x / 8) * 8;
  const sections: Record<string, { dtype: string; offset: number; count: number }> = {};
  let at = align(12 + headerBytes);
  for (const [name, dtype, a] of arrays) {
    sections[name] = { dtype, offset: at, count: a.length };
    at = align(at + a.byteLength);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ids, targetWidth, perAtom, sections }));
  headerBytes = json.length;
  const out = new Uint8Array(at);
  out.set(new TextEncoder().encode('LWGRAPH\0'), 0);
  new DataView(out.buffer).setUint32(8, headerBytes, true);
  out.set(json, 12);
  if (12 + headerBytes > sections.nodeOffsets.offset) throw new Error('export: graph header overflow');
  // the typed arrays in the machine's byte order: every platform Latticework runs on is little-endian
  for (const [name, , a] of arrays) out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), sections[name].offset);
  return out;
}

function readme(input: TorchExportInput, s: TorchExportSummary): string {
  const c = input.config;
  return `# ${input.name}: a Latticework run for PyTorch

Exported by Latticework ${VERSION} on ${new Date().toISOString().slice(0, 10)}${input.exportedFrom ? ` from run ${input.exportedFrom.runId} of ${input.exportedFrom.database}` : ''}.
Model: ${c.architecture}${c.preset ? ` (preset ${c.preset})` : ''}, ${s.parameters.toLocaleString('en-US')} parameters.
Data: ${s.structures} structures from ${input.data.source} (target ${input.targetNames.join(', ')}); split ${s.split.train} train / ${s.split.val} val / ${s.split.test} test.

## What to install

PyTorch (1.13 or newer), and nothing else: no other Python package is used.

## How to run

    python train.py                                  # one process: CPU, or the first GPU
    torchrun --nproc_per_node G train.py             # G processes on one node: one per GPU (NCCL), or CPU processes (gloo)
                                                     # (Debian 12's torch 1.13: add --redirects 1 --tee 1)
    sbatch train.sbatch                              # Slurm: edit its #SBATCH lines first (nodes, GPUs, time)

Options: \`--epochs N\` (override the config's ${c.training.epochs}), \`--device cpu|cuda\`, \`--out DIR\` (default \`run/\`).

The global batch (${c.training.batchSize} structures) and its order per epoch are Latticework's (same seed, same shuffle);
with P processes each takes a contiguous part of every batch and DistributedDataParallel averages the
gradients, so the update is the batch's. Batch-norm statistics are computed per process (PyTorch's default),
so runs with P > 1 differ slightly from a one-process run.

## What it writes (run/)

- \`metrics.jsonl\`: one line per epoch with Latticework's metric keys (train_loss, val_loss, val_mae, lr, …)
- \`batches.jsonl\`: batch_loss and batch_lr of every batch
- \`status.json\`: how the run ended, the hosts, processes, devices and distributed backend
- \`last.lwm\`, \`best.lwm\`: Latticework model files (the last epoch's and the best epoch's weights)
- \`predictions.jsonl\`: predictions of the best model for every structure of every split

## Bring it back

Copy this folder back (at least \`export.json\`, \`split.json\`, \`initial.lwm\` and \`run/\`) and run

    latticework import-run THIS_FOLDER

The run appears in Latticework's runs table, marked external, with its curves; its model predicts there.

## Files

- \`config.json\`, \`split.json\`, \`initial.lwm\` (initial weights), \`export.json\`
- \`data/graphs.bin\`: Latticework's crystal graphs (neighbour lists and distances) and targets
- \`data/dataset.extxyz\`: the structures with their targets${s.cgcnnLayout ? '\n- `data/cgcnn/`: the same in CGCNN\'s layout (id_prop.csv, <id>.cif, atom_init.json)' : ''}
- \`latticework_torch.py\` (the model and the training loop), \`train.py\`, \`train.sbatch\`
`;
}
