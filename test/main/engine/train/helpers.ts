/** Shared by the training tests: small labelled datasets of rock-salt cells. */
import { buildGraph } from '../../../../src-shared/graph/graph';
import type { ModelConfig } from '../../../../src-shared/model/config';
import { graphOptionsFromConfig } from '../../../../src-shared/model/graph-options';
import type { TrainingSample } from '../../../../src-main/engine/train/trainer';
import { rocksalt } from '../layers/helpers';

const PAIRS = [[11, 17], [19, 17], [11, 35]];

/**
 * n rock-salt cells with lattice constant a and one of three species pairs; target = a + 0.3·pair + shift
 * (classification: pair 1 or not; per-atom: ±a on each site).
 */
export function rocksaltSamples(config: ModelConfig, n = 24, task: 'regression' | 'classification' | 'per-atom' = 'regression', shift = 0): TrainingSample[] {
  const opts = graphOptionsFromConfig(config);
  return Array.from({ length: n }, (_, i) => {
    const a = 5 + (1.5 * ((i * 7) % n)) / n;
    const pair = i % 3;
    const s = rocksalt(a);
    s.numbers = Int32Array.from(s.numbers, (z) => (z === 11 ? PAIRS[pair][0] : PAIRS[pair][1]));
    const graph = buildGraph(s, opts);
    const target = task === 'classification' ? [pair === 1 ? 1 : 0] : task === 'per-atom' ? Array.from(s.numbers, (z) => (z === 17 ? a : -a)) : [a + 0.3 * pair + shift];
    return { id: `s${i}`, graph, target };
  });
}
