/**
 * Presets: named starting configs with stable ids. Ids are a product surface
 * (CLI `--preset`, saved runs): never rename one, add a new id instead.
 */
import { mergeConfig, parseModelConfig, type ModelConfig, type ModelConfigInput } from './config';

export interface PresetInfo {
  id: string;
  title: string;
  description: string;
  input: ModelConfigInput;
}

type ModelInput = NonNullable<ModelConfigInput['model']>;
type GraphInput = NonNullable<ModelConfigInput['graph']>;
type TrainingInput = NonNullable<ModelConfigInput['training']>;

/** What every preset's model shares: 3 layers of 64 atom features, one hidden layer, one regression target. */
const baseModel = {
  atomFeatures: 64,
  numLayers: 3,
  numHidden: 1,
  head: { kind: 'regression', numTargets: 1 },
} satisfies ModelInput;

/** CGCNN's atom features (92 per element) into 128-wide hidden layers with softplus: cgcnn-paper, gcn, gat. */
const cgcnnModel = {
  ...baseModel,
  atomInput: { kind: 'cgcnn', length: 92 },
  hiddenFeatures: 128,
  activation: 'softplus',
} satisfies ModelInput;

/** A learned element embedding (Z = 0..118) into 64-wide hidden layers: schnet, mpnn-edge. */
const embeddingModel = {
  ...baseModel,
  atomInput: { kind: 'embedding', numSpecies: 119 },
  hiddenFeatures: 64,
} satisfies ModelInput;

/** CGCNN's graph: 8 Å, 12 neighbours. */
const cgcnnGraph = { cutoff: 8, maxNeighbors: 12 } satisfies GraphInput;

/** Adam 1e-3 with a cosine schedule to 1e-5, batch 64, 100 epochs, MSE: gcn and gat as they are, schnet with its own lr, warm-up and batch. */
const adamCosineTraining = {
  optimizer: { kind: 'adam', lr: 1e-3 },
  schedule: { kind: 'cosine', minLr: 1e-5 },
  batchSize: 64,
  epochs: 100,
  loss: 'mse',
} satisfies TrainingInput;

/**
 * CGCNN with the defaults of txie-93/cgcnn `main.py` (argparse) and `cgcnn/data.py`
 * (CIFData), commit f42ab23: n_conv 3, atom_fea_len 64, h_fea_len 128, n_h 1, SGD
 * lr 0.01 momentum 0.9 weight decay 0, MultiStepLR milestones [100] gamma 0.1, batch 256,
 * 30 epochs, val 0.1 / test 0.1 (train = the rest), radius 8, max_num_nbr 12, Gaussian
 * dmin 0 step 0.2 (41 centres, var = step), mean pooling, MSE loss (classification:
 * log-softmax + NLL with dropout 0.5 before the output layer), data shuffled with
 * random seed 123. Nuances: CGCNN pads atoms with fewer than 12 neighbours with fake
 * edges (index 0, distance radius + 1) and normalises targets with the mean/std of
 * a random sample of 500 structures (we use the whole training split).
 */
const cgcnnPaper: ModelConfigInput = {
  architecture: 'cgcnn',
  model: { ...cgcnnModel, aggregation: 'sum', readout: 'mean', dropout: 0 },
  graph: { ...cgcnnGraph, gaussian: { dmin: 0, step: 0.2, width: 0.2 }, cgcnnPadding: true, envelope: false },
  training: {
    optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false },
    weightDecay: 0,
    schedule: { kind: 'step', milestones: [100], gamma: 0.1 },
    warmupEpochs: 0,
    gradClipNorm: null,
    loss: 'mse',
    batchSize: 256,
    epochs: 30,
    earlyStoppingPatience: null,
    normalizeTargets: true,
    split: { val: 0.1, test: 0.1 },
    kFold: null,
    seed: 123,
  },
};

/** SchNet-style continuous-filter convolutions (Schütt et al. 2018) on a 5 Å graph. */
const schnet: ModelConfigInput = {
  architecture: 'schnet',
  model: {
    ...embeddingModel,
    filterFeatures: 64,
    aggregation: 'sum',
    readout: 'mean',
    activation: 'shifted-softplus',
  },
  graph: { cutoff: 5, maxNeighbors: 0, gaussian: { dmin: 0, step: 0.1, width: 0.1 }, envelope: false },
  training: { ...adamCosineTraining, optimizer: { kind: 'adam', lr: 5e-4 }, warmupEpochs: 1, batchSize: 32 },
};

/** Kipf & Welling graph convolutions (symmetric normalisation with self loops) on CGCNN's graph. */
const gcn: ModelConfigInput = {
  architecture: 'gcn',
  model: { ...cgcnnModel, readout: 'mean' },
  graph: cgcnnGraph,
  training: adamCosineTraining,
};

/** Message passing with edge updates (MEGNet-like, without the global state). */
const mpnnEdge: ModelConfigInput = {
  architecture: 'mpnn-edge',
  model: {
    ...embeddingModel,
    edgeFeatures: 32,
    aggregation: 'mean',
    readout: 'set2set',
    set2setSteps: 3,
    activation: 'softplus',
  },
  graph: { cutoff: 6, maxNeighbors: 12, gaussian: { dmin: 0, step: 0.2, width: 0.2 } },
  training: {
    optimizer: { kind: 'adamw', lr: 1e-3 },
    weightDecay: 1e-4,
    schedule: { kind: 'plateau', factor: 0.5, patience: 10 },
    gradClipNorm: 10,
    batchSize: 64,
    epochs: 100,
    earlyStoppingPatience: 30,
    loss: 'mse',
  },
};

/** Graph attention (GAT-style softmax over incoming edges, edge-aware scores). */
const gat: ModelConfigInput = {
  architecture: 'gat',
  model: { ...cgcnnModel, attentionHeads: 4, readout: 'attention' },
  graph: cgcnnGraph,
  training: adamCosineTraining,
};

export const PRESETS: readonly PresetInfo[] = [
  { id: 'cgcnn-paper', title: 'CGCNN (paper defaults)', description: 'Xie & Grossman 2018 with the reference implementation\'s defaults: 3 convolutions, 64/128 features, SGD 0.01, batch 256, 8 Å / 12 neighbours.', input: cgcnnPaper },
  { id: 'schnet', title: 'SchNet', description: 'Continuous-filter convolutions on Gaussian-expanded distances with a cosine cutoff, learned element embedding, Adam + cosine.', input: schnet },
  { id: 'gcn', title: 'GCN', description: 'Kipf & Welling graph convolution (normalised adjacency with self loops); ignores distances beyond the graph itself.', input: gcn },
  { id: 'mpnn-edge', title: 'MPNN with edge updates', description: 'MEGNet-like blocks updating edges from both atoms and nodes from aggregated edges; set2set readout, AdamW.', input: mpnnEdge },
  { id: 'gat', title: 'Graph attention', description: 'GAT-style attention aggregation (softmax over incoming edges, 4 heads); attention readout.', input: gat },
];

export const PRESET_IDS = PRESETS.map((p) => p.id);

export function presetInfo(id: string): PresetInfo | undefined {
  return PRESETS.find((p) => p.id === id);
}

/** A validated config from a preset id, optionally with overrides (deep-merged). */
export function presetConfig(id: string, overrides?: ModelConfigInput | Record<string, unknown>): ModelConfig {
  const p = presetInfo(id);
  if (!p) throw new Error(`unknown preset "${id}" (known: ${PRESET_IDS.join(', ')})`);
  return parseModelConfig({ ...mergeConfig(JSON.parse(JSON.stringify(p.input)) as Record<string, unknown>, overrides ?? {}), preset: id });
}
