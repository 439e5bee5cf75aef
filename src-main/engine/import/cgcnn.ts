/**
 * CGCNN checkpoint (`.pth.tar`, legacy torch.save) → Latticework model file.
 *
 * - `args` → model config: atom_fea_len → atomFeatures, n_conv → numLayers, h_fea_len →
 *   hiddenFeatures, n_h → numHidden, task → head; graph settings are CGCNN's CIFData
 *   defaults, which the checkpoint does not record and `predict.py` always uses
 *   (radius 8 Å, 12 neighbours with padding, Gaussian 0..8 Å by 0.2 Å, width 0.2);
 *   the Gaussian count is checked against fc_full's input width.
 * - `state_dict` → weights: Linear weights transposed to [in, out]; names kept for the
 *   convolutions and the embedding; conv_to_fc → head.hidden.0, fcs.k → head.hidden.(k+1),
 *   fc_out → head.out.
 * - `normalizer` {mean, std} → de-normalisation of regression outputs (classification
 *   models are not normalised: predict.py ignores the stored 0/1).
 * - The atom embedding (atom_init.json) is not in the checkpoint: CGCNN reads it from the
 *   data folder. The published models used CGCNN's standard table, bundled here
 *   (`cgcnn-atom-init.json`, from txie-93/cgcnn, MIT); pass another with `atomInit`.
 */
import { createHash } from 'node:crypto';
import type { ModelConfig } from '../../../src-shared/model/config';
import type { TrainingDomain } from '../../../src-shared/model/domain';
import { parseModelConfig } from '../architectures/registry';
import { transposeOI } from '../nn/dense';
import { MODEL_FILE_VERSION, type ModelFileData, type TargetInfo } from '../models/format';
import defaultAtomInit from './cgcnn-atom-init.json';
import { isTorchTensor, NotTorchFileError, readLegacyTorch, toPlain, type TorchTensor } from './torch-legacy';

export interface CgcnnImportOptions {
  /** Model name (default: file name without `.pth.tar`). */
  name?: string;
  /** Original file name, for provenance. */
  fileName?: string;
  /** atom_init.json's table (element number → features); default: CGCNN's standard table. */
  atomInit?: Record<string, number[]>;
  /** Override target name / unit (default: known for the eight published models). */
  target?: TargetInfo;
  software?: string;
}

/**
 * The domain of a CGCNN checkpoint, as far as it is known: CGCNN trains on periodic crystals
 * (its published models on Materials Project's); the checkpoint records neither the elements,
 * nor the structure sizes, nor the target range, so those are not checked.
 */
const CGCNN_DOMAIN: TrainingDomain = {
  basis: 'stated',
  note: "CGCNN checkpoint: periodic crystals (the published models: Materials Project's); elements, sizes and target range are not recorded in the checkpoint",
  elements: null,
  structures: 'periodic',
  atoms: null,
  targets: null,
};

/** Names and units of CGCNN's published models (pre-trained/README.md). */
export const CGCNN_PUBLISHED: Record<string, TargetInfo & { classes?: string[] }> = {
  'formation-energy-per-atom': { name: 'formation_energy_per_atom', unit: 'eV/atom', description: 'Formation energy per atom (Materials Project)' },
  'final-energy-per-atom': { name: 'final_energy_per_atom', unit: 'eV/atom', description: 'Absolute energy per atom (Materials Project)' },
  'band-gap': { name: 'band_gap', unit: 'eV', description: 'Band gap (Materials Project)' },
  efermi: { name: 'efermi', unit: 'eV', description: 'Fermi energy (Materials Project)' },
  'bulk-moduli': { name: 'bulk_modulus', unit: 'log(GPa)', description: 'Bulk modulus K_VRH, log of GPa (Materials Project)' },
  'shear-moduli': { name: 'shear_modulus', unit: 'log(GPa)', description: 'Shear modulus G_VRH, log of GPa (Materials Project)' },
  'poisson-ratio': { name: 'poisson_ratio', unit: '', description: 'Poisson ratio (Materials Project)' },
  'semi-metal-classification': { name: 'metal', unit: 'probability', description: 'P(metal) vs semiconductor (Materials Project)', classes: ['semiconductor', 'metal'] },
};

const REFERENCES = [
  'T. Xie and J. C. Grossman, Phys. Rev. Lett. 120, 145301 (2018) — model',
  'A. Jain et al., APL Materials 1, 011002 (2013) — Materials Project data',
];

function tensor(sd: Record<string, unknown>, key: string): TorchTensor {
  const t = sd[key];
  if (!isTorchTensor(t)) throw new Error(`CGCNN checkpoint: state_dict has no tensor "${key}"`);
  return t;
}

function f32(t: TorchTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

function num(v: unknown, what: string, fallback?: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (fallback !== undefined && v === undefined) return fallback;
  throw new Error(`CGCNN checkpoint: ${what} missing or not a number`);
}

export function baseName(fileName: string): string {
  const b = fileName.split(/[\\/]/).pop() ?? fileName;
  return b.replace(/\.pth\.tar$/i, '').replace(/\.(pth|pt|tar)$/i, '');
}

/** A file given as a model that is neither a Latticework model nor a CGCNN checkpoint (its message names the file and what to choose). */
export class NotAModelFileError extends Error {
  override name = 'NotAModelFileError';
}

/** Converts a CGCNN checkpoint's bytes to a model file (in memory). */
export function importCgcnnCheckpoint(bytes: Uint8Array, opts: CgcnnImportOptions = {}): ModelFileData {
  const fileName = opts.fileName ?? 'model.pth.tar';
  const shown = fileName.split(/[\\/]/).pop();
  let ck: Record<string, unknown>;
  try {
    ck = toPlain(readLegacyTorch(bytes).object) as Record<string, unknown>;
  } catch (e) {
    const choose = "Choose model_best.pth.tar from a CGCNN run, one of CGCNN's pre-trained models, or a .lwm file exported from Latticework.";
    // bytes that are no torch file at all: the reader's own words ("stack underflow") describe its parser, not the file
    if (e instanceof NotTorchFileError) throw new NotAModelFileError(`${shown} is not a model file: it is neither a Latticework model (.lwm) nor a CGCNN checkpoint (.pth.tar written by CGCNN's main.py). ${choose}`);
    // a torch file that cannot be read (cut short, damaged, a newer format): what stopped it is about the file
    throw new NotAModelFileError(`${shown} is a PyTorch file that cannot be read as a CGCNN checkpoint: ${(e as Error).message}. ${choose}`);
  }
  const sd = ck.state_dict as Record<string, unknown> | undefined;
  if (!sd || typeof sd !== 'object') throw new Error(`${shown} is a PyTorch file but not a CGCNN checkpoint: it has no state_dict (CGCNN saves {state_dict, normalizer, args, …}).`);
  const args = (ck.args ?? {}) as Record<string, unknown>;
  const stem = baseName(fileName);

  // Sizes from the weights themselves (args must agree when present).
  const emb = tensor(sd, 'embedding.weight');
  const [F, A] = emb.shape;
  let nConv = 0;
  while (isTorchTensor(sd[`convs.${nConv}.fc_full.weight`])) nConv++;
  if (nConv === 0) throw new Error('CGCNN checkpoint: no convolution layers (convs.0.fc_full.weight)');
  const fcFull = tensor(sd, 'convs.0.fc_full.weight');
  const Fe = fcFull.shape[1] - 2 * F;
  const H = tensor(sd, 'conv_to_fc.weight').shape[0];
  let nFcs = 0;
  while (isTorchTensor(sd[`fcs.${nFcs}.weight`])) nFcs++;
  const out = tensor(sd, 'fc_out.weight');
  const nOut = out.shape[0];
  const classification = args.task === 'classification' || (args.task === undefined && nOut === 2);
  for (const [k, v] of [['atom_fea_len', F], ['n_conv', nConv], ['h_fea_len', H], ['n_h', nFcs + 1]] as const) {
    if (args[k] !== undefined && args[k] !== v) throw new Error(`CGCNN checkpoint: args.${k} = ${String(args[k])} but the weights say ${v}`);
  }

  const config: ModelConfig = parseModelConfig({
    architecture: 'cgcnn',
    preset: 'cgcnn-paper',
    model: {
      atomInput: { kind: 'cgcnn', length: A },
      atomFeatures: F,
      numLayers: nConv,
      hiddenFeatures: H,
      numHidden: nFcs + 1,
      readout: 'mean',
      activation: 'softplus',
      dropout: classification ? 0.5 : 0,
      head: classification ? { kind: 'classification', numClasses: nOut } : { kind: 'regression', numTargets: nOut },
    },
    graph: { cutoff: 8, maxNeighbors: 12, cgcnnPadding: true, envelope: false, gaussian: { dmin: 0, step: 0.2, width: 0.2 } },
    training: {
      optimizer: args.optim === 'Adam' ? { kind: 'adam', lr: num(args.lr, 'lr', 0.01) } : { kind: 'sgd', lr: num(args.lr, 'lr', 0.01), momentum: num(args.momentum, 'momentum', 0.9) },
      weightDecay: num(args.weight_decay, 'weight_decay', 0),
      batchSize: num(args.batch_size, 'batch_size', 256),
      epochs: num(args.epochs, 'epochs', 30),
      schedule: { kind: 'step', milestones: Array.isArray(args.lr_milestones) ? (args.lr_milestones as number[]) : [100], gamma: 0.1 },
    },
  });
  // 41 Gaussians for (0, 8, 0.2): the only expansion consistent with fc_full's width.
  const expectFe = Math.ceil((8 + 0.2 - 0) / 0.2 - 1e-9);
  if (Fe !== expectFe) throw new Error(`CGCNN checkpoint: fc_full expects ${Fe} edge features, CGCNN's default Gaussian expansion gives ${expectFe}; non-default radius/step are not recorded in checkpoints — cannot import safely`);

  // Weights: our names and layout.
  const w: Record<string, Float32Array> = {};
  const shapes: Array<{ name: string; shape: number[] }> = [];
  const linear = (torchName: string, ours: string) => {
    const wt = tensor(sd, `${torchName}.weight`);
    const [o, i] = wt.shape;
    w[`${ours}.weight`] = transposeOI(f32(wt), o, i);
    shapes.push({ name: `${ours}.weight`, shape: [i, o] });
    const b = tensor(sd, `${torchName}.bias`);
    w[`${ours}.bias`] = f32(b).slice();
    shapes.push({ name: `${ours}.bias`, shape: [o] });
  };
  const plain = (name: string) => {
    const t = tensor(sd, name);
    w[name] = f32(t).slice();
    shapes.push({ name, shape: t.shape.slice() });
  };
  linear('embedding', 'embedding');
  for (let t = 0; t < nConv; t++) {
    linear(`convs.${t}.fc_full`, `convs.${t}.fc_full`);
    for (const bn of ['bn1', 'bn2']) for (const k of ['weight', 'bias', 'running_mean', 'running_var']) plain(`convs.${t}.${bn}.${k}`);
  }
  linear('conv_to_fc', 'head.hidden.0');
  for (let k = 0; k < nFcs; k++) linear(`fcs.${k}`, `head.hidden.${k + 1}`);
  linear('fc_out', 'head.out');

  const normalizer = ck.normalizer as Record<string, unknown> | undefined;
  const mean = normalizer ? num(normalizer.mean, 'normalizer.mean') : 0;
  const std = normalizer ? num(normalizer.std, 'normalizer.std') : 1;
  const known = CGCNN_PUBLISHED[stem];
  const target: TargetInfo = opts.target ?? (known ? { name: known.name, unit: known.unit, description: known.description } : { name: stem, unit: '' });
  const atomInit = opts.atomInit ?? (defaultAtomInit as Record<string, number[]>);
  const firstRow = Object.values(atomInit)[0];
  if (!firstRow || firstRow.length !== A) throw new Error(`atom_init rows have ${firstRow?.length ?? 0} features but the embedding expects ${A}`);
  const details: Record<string, unknown> = { epoch: ck.epoch, best_metric: ck.best_mae_error, args };
  return {
    header: {
      format: 'latticework-model',
      version: MODEL_FILE_VERSION,
      name: opts.name ?? stem,
      config,
      task: classification ? 'classification' : 'regression',
      targets: [target],
      ...(classification ? { classes: known?.classes ?? Array.from({ length: nOut }, (_, k) => `class ${k}`), positiveClass: 1 } : {}),
      normalizer: classification ? null : { mean: Array(nOut).fill(mean), std: Array(nOut).fill(std) },
      atomInit,
      members: 1,
      provenance: {
        source: 'cgcnn-import',
        file: fileName.split(/[\\/]/).pop(),
        sha256: createHash('sha256').update(bytes).digest('hex'),
        createdAt: new Date().toISOString(),
        software: opts.software ?? 'latticework',
        details: JSON.parse(JSON.stringify(details, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>,
        references: REFERENCES,
        ...(typeof args.dataset === 'string' ? { dataset: args.dataset } : {}),
      },
      domain: CGCNN_DOMAIN,
      weights: shapes.map((s) => ({ ...s, member: 0 })),
    },
    members: [w],
  };
}
