/** Small data and a tiny model for the training tests. */
import { readFileSync } from 'node:fs';
import { SHARED_DATA } from '../../helpers/shared-data';

const EMT = `${SHARED_DATA}/emt-dev/emt_dataset.extxyz`;

/** The first n frames of the EMT extended XYZ. */
export function emtFrames(n: number): string {
  const lines = readFileSync(EMT, 'utf8').split('\n');
  let end = 0;
  for (let f = 0; f < n; f++) end += Number(lines[end]) + 2;
  return lines.slice(0, end).join('\n');
}

/** A tiny CGCNN: 1 convolution, 8 features, 4 Å / 6 neighbours, Adam, batch 8. */
export function tinyConfig(epochs: number, overrides: { seed?: number } = {}): Record<string, unknown> {
  return {
    architecture: 'cgcnn',
    model: { atomInput: { kind: 'cgcnn', length: 92 }, atomFeatures: 8, numLayers: 1, hiddenFeatures: 8, numHidden: 1 },
    graph: { cutoff: 4, maxNeighbors: 6, cgcnnPadding: true, gaussian: { dmin: 0, step: 0.5, width: 0.5 } },
    training: { optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 8, epochs, seed: overrides.seed ?? 7, split: { val: 0.2, test: 0.2 } },
  };
}
