/**
 * PaiNN's hand-written inference pass (src-main/engine/potential/painn-inference.ts) against tfjs
 * autodiff (PotentialModel.evaluate, the path training records): energies, atom energies, forces
 * and stress on crystals, a cell whose atoms see their own images and a molecule, batched, with and
 * without the pair list's edge pairs, for padded widths and both activations; it runs no tfjs
 * kernel once the weights are read, reads them again after they change, and leaks no tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { Structure } from '../../../../src-shared/chem/structure';
import type { PotentialConfig } from '../../../../src-shared/model/potential';
import { PairList } from '../../../../src-shared/sim/pairs';
import { potentialPresetConfig } from '../../../../src-main/engine/architectures/registry';
import { batchPotentialGraphs, potentialGraph, potentialGraphOfPairs, type PotentialGraph } from '../../../../src-main/engine/potential/frames';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { predictGraphs } from '../../../../src-main/engine/potential/train';
import { describeEachBackend } from '../helpers';
import { rocksalt } from '../layers/helpers';
import { evaluateBatch, rattledAlloy, seededWeights, tinyConfig } from './helpers';

const molecule: Structure = { ...rattledAlloy(3), lattice: null, pbc: [false, false, false], frac: null, cart: Float64Array.from([0.1, 0.2, 0.3, 1.4, 1.9, 1.1, -0.9, 1.2, 0.4, 0.8, -1.1, 1.6]) };

/** An atom with no neighbour (no edges). */
const lone: Structure = { ...molecule, numbers: Int32Array.from([29]), cart: Float64Array.from([0, 0, 0]) };

function graphsOf(config: PotentialConfig, withPairs: boolean): PotentialGraph[] {
  const rc = config.radial.cutoff;
  return [rocksalt(), rattledAlloy(5), molecule, lone, rattledAlloy(8, 3.5)].map((s) => {
    if (!withPairs) return potentialGraph(s, rc);
    const pl = new PairList(rc, 0.5);
    pl.update(s);
    return potentialGraphOfPairs(s, pl, rc);
  });
}

/** The hand-written pass (predictGraphs) against autodiff on the same batch: largest differences. */
function compare(model: PotentialModel, graphs: PotentialGraph[]): { energy: number; atom: number; forces: number; stress: number; largestForce: number } {
  const hand = predictGraphs(model, graphs, { forces: true, stress: true });
  const ref = evaluateBatch(model, batchPotentialGraphs(graphs), { forces: true, stress: true });
  let a0 = 0;
  const d = { energy: 0, atom: 0, forces: 0, stress: 0, largestForce: 0 };
  hand.forEach((p, k) => {
    const n = graphs[k].numbers.length;
    d.energy = Math.max(d.energy, Math.abs(p.energy - ref.energy[k]) / Math.max(1, Math.abs(ref.energy[k])));
    p.atomEnergies.forEach((e, i) => (d.atom = Math.max(d.atom, Math.abs(e - ref.atomEnergies[a0 + i]))));
    p.forces!.forEach((f, i) => {
      d.forces = Math.max(d.forces, Math.abs(f - ref.forces![3 * a0 + i]));
      d.largestForce = Math.max(d.largestForce, Math.abs(f));
    });
    if (graphs[k].volume === null) expect(p.stress).toBeNull();
    else p.stress!.forEach((x, c) => (d.stress = Math.max(d.stress, Math.abs(x - ref.stress![6 * k + c]))));
    a0 += n;
  });
  return d;
}

describeEachBackend('PaiNN inference pass', () => {
  const cases: Array<[string, PotentialConfig]> = [
    ['F = 8, silu', tinyConfig('painn')],
    ['F = 6 (padded), 3 blocks, shifted softplus, head 6', tinyConfig('painn', { model: { features: 6, numLayers: 3, headHidden: 6, activation: 'shifted-softplus' } })],
    ['the painn-potential preset (F = 64, 2 blocks, 6 Å)', potentialPresetConfig('painn-potential')],
    ['F = 8, vector-norm ε 0.01 (the kernel reads the model\'s ε)', tinyConfig('painn', { model: { vectorNormEpsilon: 0.01 } })],
  ];
  for (const [name, config] of cases) {
    it(`${name}: energy, atom energies, forces and stress equal autodiff's (crystal, a cell whose atoms see their own images, molecule, a lone atom; edge mode and pair mode), no tfjs kernel once the weights are read, no leaks`, async () => {
      const before = tf.memory().numTensors;
      const model = new PotentialModel(config);
      model.setWeights(seededWeights(config, 7, { 11: -1.2, 17: -0.7, 29: -3.5, 79: -3.1 }, 0.8));
      for (const withPairs of [false, true]) {
        const d = compare(model, graphsOf(config, withPairs));
        expect(d.largestForce).toBeGreaterThan(1e-3);
        expect(d.energy).toBeLessThan(1e-5);
        expect(d.atom).toBeLessThan(1e-5);
        expect(d.forces).toBeLessThan(1e-5);
        expect(d.stress).toBeLessThan(1e-6);
      }
      // weights read: the pass runs no tfjs kernel (no tape, no tensors)
      const graphs = graphsOf(config, true);
      const profile = await tf.profile(() => void predictGraphs(model, graphs));
      expect(profile.kernelNames).toEqual([]);
      // new weights are read again
      const first = predictGraphs(model, graphs)[1].energy;
      model.setWeights(seededWeights(config, 8, { 11: -1.2, 17: -0.7, 29: -3.5, 79: -3.1 }, 0.8));
      expect(predictGraphs(model, graphs)[1].energy).not.toBeCloseTo(first, 3);
      const d = compare(model, graphs);
      expect(d.forces).toBeLessThan(1e-5);
      expect(d.stress).toBeLessThan(1e-6);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
