/**
 * Settings several presets share (each preset lives with its architecture). Presets are a
 * product surface: ids are stable (CLI `--preset`, saved runs); add an id, never rename one.
 */

/** What every preset's model shares: 3 layers of 64 atom features, one hidden layer, one regression target. */
export const baseModel = {
  atomFeatures: 64,
  numLayers: 3,
  numHidden: 1,
  head: { kind: 'regression', numTargets: 1 },
} as const;

/** CGCNN's atom features (92 per element) into 128-wide hidden layers with softplus: cgcnn-paper, gcn, gat. */
export const cgcnnModel = {
  ...baseModel,
  atomInput: { kind: 'cgcnn', length: 92 },
  hiddenFeatures: 128,
  activation: 'softplus',
} as const;

/** A learned element embedding (Z = 0..118) into 64-wide hidden layers: schnet, mpnn-edge. */
export const embeddingModel = {
  ...baseModel,
  atomInput: { kind: 'embedding', numSpecies: 119 },
  hiddenFeatures: 64,
} as const;

/** CGCNN's graph: 8 Å, 12 neighbours. */
export const cgcnnGraph = { cutoff: 8, maxNeighbors: 12 } as const;

/** Adam 1e-3 with a cosine schedule to 1e-5, batch 64, 100 epochs, MSE: gcn and gat as they are, schnet with its own lr, warm-up and batch. */
export const adamCosineTraining = {
  optimizer: { kind: 'adam', lr: 1e-3 },
  schedule: { kind: 'cosine', minLr: 1e-5 },
  batchSize: 64,
  epochs: 100,
  loss: 'mse',
} as const;
