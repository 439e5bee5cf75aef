/**
 * Physics of the model zoo: graph-level outputs are invariant to atom permutation and
 * to rigid motions (graphs rebuilt from the moved structure); per-atom outputs permute
 * with the atoms; intensive readouts (mean, max, attention, set2set) give the same
 * prediction for a supercell, the sum readout doubles.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import type { Structure } from '../../../../src-shared/chem/structure';
import type { ModelConfig, ModelConfigInput } from '../../../../src-shared/model/config';
import { architectures } from '../../../../src-main/engine/architectures/registry';
import { buildModel, type GraphModel } from '../../../../src-main/engine/layers/model';
import { disposeBatchTensors } from '../../../../src-main/engine/train/data';
import { batchOf, maxAbsDiff, permuteAtoms, rocksalt, rotateTranslate, rotation, smallConfig, supercell, triclinic, useCpu } from './helpers';

beforeAll(useCpu);

function predict(model: GraphModel, config: ModelConfig, structures: Structure[]): Float32Array {
  const b = batchOf(config, structures);
  const y = model.apply(b, false);
  const out = y.dataSync() as Float32Array;
  y.dispose();
  disposeBatchTensors(b);
  return out;
}

const archs = architectures().map((a) => a.id);
const readouts = ['sum', 'mean', 'max', 'attention', 'set2set'] as const;

describe('permutation invariance', () => {
  it.each(archs)('%s: graph outputs unchanged under random atom permutations (property)', (architecture) => {
    const config = smallConfig({ architecture, model: { readout: 'set2set', aggregation: 'mean' } });
    const model = buildModel(config);
    const s = supercell(triclinic(), [2, 1, 1]);
    const ref = predict(model, config, [s]);
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }), (perm) => {
        expect(maxAbsDiff(predict(model, config, [permuteAtoms(s, perm)]), ref)).toBeLessThan(1e-5);
      }),
      { seed: 1, numRuns: 5 },
    );
    model.dispose();
  });

  it('per-atom outputs permute with the atoms', () => {
    const config = smallConfig({ architecture: 'mpnn-edge', model: { head: { kind: 'per-atom', numTargets: 2 } } });
    const model = buildModel(config);
    const s = rocksalt();
    const perm = [5, 2, 7, 0, 1, 6, 3, 4];
    const a = predict(model, config, [s]);
    const b = predict(model, config, [permuteAtoms(s, perm)]);
    perm.forEach((old, k) => {
      expect(Math.abs(b[2 * k] - a[2 * old])).toBeLessThan(1e-5);
      expect(Math.abs(b[2 * k + 1] - a[2 * old + 1])).toBeLessThan(1e-5);
    });
    model.dispose();
  });
});

describe('rigid motions', () => {
  it.each(archs)('%s: rotation + translation of the structure leaves the prediction unchanged', (architecture) => {
    const config = smallConfig({ architecture, model: { readout: 'attention' } });
    const model = buildModel(config);
    const s = triclinic();
    const ref = predict(model, config, [s]);
    const moved = rotateTranslate(s, rotation(0.3, -1.1, 2.0), [1.5, -7, 0.25]);
    expect(maxAbsDiff(predict(model, config, [moved]), ref)).toBeLessThan(1e-4);
    model.dispose();
  });
});

describe('supercells', () => {
  const cases: Array<[string, (typeof readouts)[number]]> = [];
  for (const a of archs) for (const r of readouts) cases.push([a, r]);
  it.each(cases)('%s with %s readout', (architecture, readout) => {
    const input: ModelConfigInput = { architecture, model: { readout, aggregation: 'mean' }, graph: { maxNeighbors: 0 } };
    const config = smallConfig(input);
    const model = buildModel(config);
    const s = triclinic();
    const big = supercell(s, [2, 1, 2]);
    if (readout === 'sum') {
      // the pooled vector is extensive: 4 × the unit cell's
      const pooled = (x: Structure) => {
        const b = batchOf(config, [x]);
        const p = tf.tidy(() => model.readout!.call(model.nodeStates(b, false), b, false));
        const v = p.dataSync();
        p.dispose();
        disposeBatchTensors(b);
        return Array.from(v);
      };
      const a = pooled(s);
      expect(maxAbsDiff(pooled(big), a.map((x) => 4 * x))).toBeLessThan(1e-4 * Math.max(1, ...a.map(Math.abs)));
    } else {
      expect(maxAbsDiff(predict(model, config, [big]), predict(model, config, [s]))).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});

describe('batching', () => {
  it('a graph predicts the same alone and inside a batch', () => {
    for (const architecture of archs) {
      const config = smallConfig({ architecture, model: { readout: 'set2set' } });
      const model = buildModel(config);
      const both = predict(model, config, [triclinic(), rocksalt()]);
      const a = predict(model, config, [triclinic()]);
      const b = predict(model, config, [rocksalt()]);
      expect(maxAbsDiff(both, [...a, ...b])).toBeLessThan(1e-5);
      model.dispose();
    }
  });
});
