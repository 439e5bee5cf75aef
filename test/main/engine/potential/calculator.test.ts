/**
 * A potential model file as the simulator's Calculator, and ensembles: the calculator gives the
 * model's energy, forces and stress (stress only when asked and periodic), refuses elements outside
 * the embedding and two atoms at the same position, drives a relaxation; an ensemble predicts the member mean with the per-atom force
 * spread; PaiNN's vector-norm ε, read from the file, decides whether the energy has a cusp at a
 * symmetric site.
 */
import { expect, it } from 'vitest';
import { Atoms } from '../../../../src-shared/sim/atoms';
import { CalculatorError } from '../../../../src-shared/sim/calculator';
import { forceConstants } from '../../../../src-shared/sim/phonons';
import { relax } from '../../../../src-shared/sim/relax';
import { PotentialCalculator } from '../../../../src-main/engine/potential/calculator';
import { LoadedPotential, potentialModelFile } from '../../../../src-main/engine/potential/file';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { describeEachBackend } from '../helpers';
import { evaluateStructures, rattledAlloy, seededWeights, tinyConfig } from './helpers';

const weightsOf = (seed: number) => seededWeights(tinyConfig('painn'), seed, { 29: -3.5, 79: -3.1 }, 20);

const provenance = { source: 'training' as const, createdAt: '2026-12-01T00:00:00Z', software: 'latticework' };

describeEachBackend('potential calculator and ensembles', () => {
  it('the calculator returns the model’s energy, forces and stress, and relaxes a structure', async () => {
    const config = tinyConfig('painn');
    const w = weightsOf(1);
    const potential = new LoadedPotential(potentialModelFile({ name: 'tiny', config, members: [w], provenance }));
    const calc = new PotentialCalculator(potential);
    const s = rattledAlloy(40);
    const model = new PotentialModel(config, 0);
    model.setWeights(w);
    const direct = evaluateStructures(model, [s]);
    model.dispose();
    const c = await calc.calculate(s);
    expect(c.energy).toBeCloseTo(direct.energy[0], 4);
    expect(Array.from(c.forces).map((x, k) => Math.abs(x - direct.forces![k])).every((d) => d < 1e-5)).toBe(true);
    expect(Array.from(c.stress!).map((x, k) => Math.abs(x - direct.stress![k])).every((d) => d < 1e-6)).toBe(true);
    expect(c.energies!.reduce((a, b) => a + b, 0)).toBeCloseTo(c.energy, 4);
    expect((await calc.calculate(s, { stress: false })).stress).toBeNull();
    await expect(calc.calculate({ ...s, numbers: Int32Array.from([29, 79, 92, 29]) })).rejects.toThrow(CalculatorError);
    // two atoms at the same position, as EMT refuses them: in a run (the calculator) and in predict (the potential); the model's numbers were NaN
    const met = { ...s, cart: Float64Array.from(s.cart, (x, k) => (k >= 3 && k < 6 ? s.cart[k - 3] : x)) };
    await expect(calc.calculate(met)).rejects.toThrow(new CalculatorError('tiny: atoms 0 and 1 are at the same position'));
    expect(() => potential.predict([s, met])).toThrow(new CalculatorError('tiny: atoms 0 and 1 are at the same position'));

    const atoms = Atoms.fromStructure(s);
    const r = await relax(atoms, calc, { optimizer: 'fire', fmax: 1e-3, maxSteps: 8 });
    expect(r.steps).toBeGreaterThan(0);
    expect(r.energy).toBeLessThan(c.energy);
    calc.dispose();
  });

  it("PaiNN's energy at a symmetric site: a cusp c·|u| with the paper's ε 1e-8, smooth with ε 0.01 (the on-site force constant from ±u)", async () => {
    // every site of fcc is an inversion centre: V v⃗ vanishes there and turns on linearly with a displacement u,
    // so √(‖V v⃗‖² + ε) is |u|-like unless ε is large beside ‖V v⃗‖² (docs/simulation.md, "Phonons")
    const a = 3.6;
    const fcc = new Atoms({
      numbers: Int32Array.from([29, 29, 29, 29]),
      cart: Float64Array.from([0, 0, 0, 0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0.5].map((x) => x * a)),
      lattice: [
        [a, 0, 0],
        [0, a, 0],
        [0, 0, a],
      ],
      pbc: [true, true, true],
    });
    const stiffness = async (vectorNormEpsilon: number) => {
      const config = tinyConfig('painn', { model: { vectorNormEpsilon } });
      const calc = new PotentialCalculator(new LoadedPotential(potentialModelFile({ name: 'eps', config, members: [seededWeights(config, 7, { 29: -3.5 }, 0.8)], provenance })));
      const out: number[] = [];
      for (const u of [0.001, 0.03]) out.push((await forceConstants(fcc, calc, { supercell: [2, 2, 2], delta: u }))!.linearity.stiffness);
      calc.dispose();
      return out;
    };
    // Φ_xx(u) = k + c/u with a cusp: from 0.001 and 0.03 Å they differ by far more than the 1 % a smooth energy allows
    const [cuspSmall, cuspLarge] = await stiffness(1e-8);
    expect(Math.abs(cuspSmall - cuspLarge)).toBeGreaterThan(0.5 * Math.abs(cuspLarge));
    const [small, large] = await stiffness(0.01);
    expect(Math.abs(large)).toBeGreaterThan(0.01);
    expect(Math.abs(small - large)).toBeLessThan(0.01 * Math.abs(large));
  });

  it('an ensemble predicts the member mean with the spread of the energy and of each atom’s force', () => {
    const config = tinyConfig('painn');
    const members = [weightsOf(1), weightsOf(2), weightsOf(3)];
    const singles = members.map((m) => {
      const p = new LoadedPotential(potentialModelFile({ name: 'one', config, members: [m], provenance }));
      const out = p.predict([rattledAlloy(41)])[0];
      p.dispose();
      return out;
    });
    const ens = new LoadedPotential(potentialModelFile({ name: 'ens', config, members, provenance }));
    const [p] = ens.predict([rattledAlloy(41)]);
    ens.dispose();
    const mean = singles.reduce((a, q) => a + q.energy, 0) / 3;
    const std = Math.sqrt(singles.reduce((a, q) => a + (q.energy - mean) ** 2, 0) / 3);
    expect(p.energy).toBeCloseTo(mean, 4);
    expect(p.std!.energy).toBeCloseTo(std, 4);
    expect(p.std!.energy).toBeGreaterThan(1e-3);
    expect(p.std!.forceNorm).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      const comps = [0, 1, 2].map((c) => {
        const v = singles.map((q) => q.forces![3 * i + c]);
        const m = v.reduce((a, b) => a + b, 0) / 3;
        return v.reduce((a, b) => a + (b - m) ** 2, 0) / 3;
      });
      expect(p.std!.forceNorm![i]).toBeCloseTo(Math.sqrt(comps[0] + comps[1] + comps[2]), 4);
    }
    expect(singles[0].forces).not.toBeNull();
  });

  it('as a calculator, an ensemble reports how far its members disagree on the forces; a single model does not', async () => {
    const config = tinyConfig('painn');
    const s = rattledAlloy(42);
    const ens = new LoadedPotential(potentialModelFile({ name: 'ens', config, members: [weightsOf(1), weightsOf(2)], provenance }));
    const [p] = ens.predict([s]);
    const c = await new PotentialCalculator(ens).calculate(s);
    // the same as predict's largest per-atom spread (the calculator's pair list orders edges its own way: float32 sums)
    expect(c.forceSpread).toBeCloseTo(Math.max(...p.std!.forceNorm!), 5);
    expect(c.forceSpread).toBeGreaterThan(1e-4);
    ens.dispose();
    const one = new PotentialCalculator(new LoadedPotential(potentialModelFile({ name: 'one', config, members: [weightsOf(1)], provenance })));
    expect(await one.calculate(s)).not.toHaveProperty('forceSpread');
    one.dispose();
  });
});
