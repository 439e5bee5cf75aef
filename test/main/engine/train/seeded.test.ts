/**
 * Seeded runs keep their numbers: every preset of the registry, trained with one seed on the cpu
 * backend, gives the per-epoch losses, validation metrics and test metrics recorded in
 * test/fixtures/engine/seeded-losses.json, to the last digit. A refactoring of the engine (the
 * registry, the message-passing base, a kernel) that changes a number fails here.
 *
 * The numbers were recorded after scripts/engine/seeded-runs.sh showed the command line's seeded
 * runs of every preset unchanged against the tree before issue 11 (see docs/engine.md). To record
 * them again after an intended change of numbers: `LW_WRITE_GOLDEN=1 npx vitest run
 * test/main/engine/train/seeded.test.ts` (writes the file and fails, so that a run that writes is
 * never a pass), then say why in the commit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../../../src-shared/graph/graph';
import { graphOptionsFromConfig } from '../../../../src-shared/model/graph-options';
import type { ModelConfig } from '../../../../src-shared/model/config';
import { architectures, presetConfig, presets } from '../../../../src-main/engine/architectures/registry';
import { trainModel, type TrainingSample } from '../../../../src-main/engine/train/trainer';
import { rocksalt, useCpu } from '../layers/helpers';

const GOLDEN = new URL('../../../fixtures/engine/seeded-losses.json', import.meta.url);

beforeAll(useCpu);

interface Numbers {
  trainLoss: number[];
  valMae: number[];
  bestEpoch: number;
  test: Record<string, number>;
}

/** The preset with small sizes (one-hot atoms, 6 features, 2 layers, 4 Å), its optimiser, readout and aggregation kept. */
function small(id: string): ModelConfig {
  return presetConfig(id, {
    model: { atomInput: { kind: 'onehot' }, atomFeatures: 6, hiddenFeatures: 5, numLayers: 2, filterFeatures: 4, edgeFeatures: 3, attentionHeads: 2, set2setSteps: 2 },
    graph: { cutoff: 4, maxNeighbors: 6 },
    training: { epochs: 3, batchSize: 6, seed: 11, split: { val: 0.25, test: 0.125 } },
  });
}

/** 24 rock-salt cells, lattice constant 5…7 Å and three species pairs; target = a + 0.3·pair. */
function dataset(config: ModelConfig): TrainingSample[] {
  const pairs = [[11, 17], [19, 17], [11, 35]];
  const opts = graphOptionsFromConfig(config);
  return Array.from({ length: 24 }, (_, i) => {
    const a = 5 + (2 * ((i * 7) % 24)) / 24;
    const s = rocksalt(a);
    s.numbers = Int32Array.from(s.numbers, (z) => (z === 11 ? pairs[i % 3][0] : pairs[i % 3][1]));
    return { id: `s${i}`, graph: buildGraph(s, opts), target: [a + 0.3 * (i % 3)] };
  });
}

async function run(id: string): Promise<Numbers> {
  const config = small(id);
  const r = await trainModel(config, dataset(config));
  expect(r.status).toBe('finished');
  return { trainLoss: r.history.map((h) => h.trainLoss), valMae: r.history.map((h) => h.valMetrics.mae), bestEpoch: r.bestEpoch, test: r.test!.metrics };
}

// property presets (architectures of the registry); potential presets are checked in test/main/engine/potential
const ids = presets()
  .filter((p) => architectures().some((a) => a.id === p.architecture))
  .map((p) => p.id);

describe('seeded runs keep their numbers', { timeout: 300_000 }, () => {
  if (process.env.LW_WRITE_GOLDEN) {
    it('records the numbers (LW_WRITE_GOLDEN is set: writes the file, then fails on purpose)', async () => {
      const out: Record<string, Numbers> = {};
      for (const id of ids) out[id] = await run(id);
      writeFileSync(GOLDEN, `${JSON.stringify(out, null, 1)}\n`);
      expect.fail(`wrote ${GOLDEN.pathname}: run again without LW_WRITE_GOLDEN`);
    });
    return;
  }
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Numbers>;

  it('has numbers for every preset of the registry', () => {
    expect(Object.keys(golden).sort()).toEqual([...ids].sort());
  });

  it.each(ids)('%s: the same losses and metrics to the last digit', async (id) => {
    const numbers = await run(id);
    expect(numbers.trainLoss.every(Number.isFinite)).toBe(true);
    expect(numbers).toEqual(golden[id]);
  });
});
