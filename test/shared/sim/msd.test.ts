/**
 * Mean squared displacement and the diffusion coefficient: the definition on moves worked out by
 * hand, and the physics on free particles under a Langevin thermostat, whose diffusion coefficient
 * is known exactly (Einstein–Smoluchowski: D = k_B·T / (m·γ)).
 */
import { describe, expect, it } from 'vitest';
import { Atoms } from '../../../src-shared/sim/atoms';
import type { Calculator } from '../../../src-shared/sim/calculator';
import { EmtCalculator } from '../../../src-shared/sim/emt';
import { runSimulation, SIMULATION_DEFAULTS, type StepValues } from '../../../src-shared/sim/job';
import { diffusionText, Displacements, fitDiffusion, trajectoryDiffusion } from '../../../src-shared/sim/msd';
import type { FrameGeometry } from '../../../src-shared/sim/rdf';
import { maxAbsDiff } from './helpers';
import { ACCELERATION, KB } from '../../../src-shared/sim/units';
import type { Structure } from '../../../src-shared/chem/structure';

function cell(numbers: number[], L: number): Atoms {
  const cart = Float64Array.from(numbers.flatMap((_, i) => [(i % 5) * 2, Math.floor(i / 5) * 2, 1]));
  return new Atoms({ numbers: Int32Array.from(numbers), cart, lattice: [[L, 0, 0], [0, L, 0], [0, 0, L]], pbc: [true, true, true] });
}

describe('mean squared displacement', () => {
  it('removes the drift of the whole, leaves out fixed atoms, and splits by element', () => {
    const a = cell([29, 29, 29, 29], 10);
    const d = new Displacements(a);
    for (let i = 0; i < 4; i++) a.cart[3 * i] += 0.7; // everything moves together: no diffusion
    expect(d.measure().all).toBeCloseTo(0, 12);
    a.cart[1] += 2; // atom 0 moves 2 Å along y: its own move less the mean, and the others' −mean
    expect(d.measure().all).toBeCloseTo((1.5 ** 2 + 3 * 0.5 ** 2) / 4, 12);
    expect(d.measure().byElement).toBeNull();
    // Cu and Pt of different masses: the centre of mass is mass-weighted
    const b = cell([29, 78], 10);
    const e = new Displacements(b);
    b.cart[0] += 1;
    const [mCu, mPt] = [b.masses[0], b.masses[1]];
    const cm = mCu / (mCu + mPt);
    expect(e.measure().byElement).toEqual({ Cu: expect.closeTo((1 - cm) ** 2, 12), Pt: expect.closeTo(cm ** 2, 12) });
    // a fixed atom neither counts nor moves the centre
    const c = new Atoms({ numbers: Int32Array.of(29, 29, 29), cart: new Float64Array(9), lattice: null, pbc: [false, false, false], fixed: Uint8Array.of(1, 0, 0) });
    const f = new Displacements(c);
    c.cart[3] += 1;
    expect(f.measure().all).toBeCloseTo(0.25, 12);
  });

  it("in a changing cell, measures from where the cell's deformation carried the start: the origin and the start's image do not matter", () => {
    // two Cu atoms, one just below the origin (fractional −0.007) or its image inside the cell (0.993)
    for (const x of [-0.07, 9.93]) {
      const a = new Atoms({ numbers: Int32Array.of(29, 29), cart: Float64Array.of(x, 0, 0, 5, 5, 5), lattice: [[10, 0, 0], [0, 10, 0], [0, 0, 10]], pbc: [true, true, true] });
      const d = new Displacements(a);
      // the cell stretches by 10 % along x and shears, carrying the atoms: no one moved
      a.setLattice([[11, 0, 0], [0, 10, 0], [1, 0, 10]], true);
      expect(d.measure().all).toBeCloseTo(0, 12);
      // atom 1 moves 0.1 of the cell along a (1.1 Å now): 0.55 Å each from the centre
      a.cart[3] += 1.1;
      expect(d.measure().all).toBeCloseTo(0.55 ** 2, 12);
    }
    // a trajectory given with the start's image or the other: the same MSD
    const frames = (x: number): FrameGeometry[] =>
      [10, 10.5, 11].map((L, k) => ({ numbers: Int32Array.of(29, 29), cart: Float64Array.of((x / 10) * L, 0, 0, 0.5 * L + 0.2 * k, 5, 5), lattice: [[L, 0, 0], [0, 10, 0], [0, 0, 10]], pbc: [true, true, true] }));
    expect(trajectoryDiffusion(frames(-0.07), 10).msd).toEqual([0, 0.01, 0.04].map((m) => expect.closeTo(m, 12)));
    expect(trajectoryDiffusion(frames(9.93), 10).msd).toEqual([0, 0.01, 0.04].map((m) => expect.closeTo(m, 12)));
  });

  it('fits D over the second half of the points, in cm²/s, and says whether it is diffusion', () => {
    // ballistic start, then 0.5 Å² of vibration plus 6·D·t with D = 0.002 Å²/fs = 2e-4 cm²/s, over 2 ps
    const t = Array.from({ length: 21 }, (_, k) => 100 * k);
    const msd = t.map((x) => (x < 100 ? 5e-5 * x * x : 0.5 + 6 * 0.002 * x));
    expect(fitDiffusion(t, msd)).toEqual({ value: expect.closeTo(2e-4, 12), verdict: 'resolved' });
    expect(fitDiffusion([0, 1], [0, 1])).toBeNull();
    // the same slope over a fitted half under 1 ps: too short to tell from a vibration's rise
    expect(fitDiffusion(t.map((x) => x / 2), msd)?.verdict).toBe('short');
    // a vibrating solid: a 0.5 Å² plateau that wanders up by 0.2 Å² over the second half (or down). The
    // line fitted there meets t = 0 at 0.4 Å², more than the rise: not diffusion
    const solid = t.map((x) => 0.5 + (x >= 1000 ? 2e-4 * (x - 1000) : 0));
    expect(fitDiffusion(t, solid)).toEqual({ value: expect.closeTo((2e-4 / 6) * 0.1, 12), verdict: 'vibration' });
    expect(fitDiffusion(t, t.map((x) => 0.5 - 1e-5 * x))?.verdict).toBe('vibration');
    // a rise of 0.4 Å² over the second half, whose line meets t = 0 at 0.3 Å²: resolved
    expect(fitDiffusion(t, t.map((x) => 0.5 + (x >= 1000 ? 4e-4 * (x - 1000) : 0)))?.verdict).toBe('resolved');
    // ballistic all along: MSD ∝ t² still bends up
    expect(fitDiffusion(t, t.map((x) => 1e-6 * x * x))?.verdict).toBe('bending');
    // in words, as the command line and the Simulate view print it
    expect(diffusionText({ diffusion: 1.234e-5, diffusionByElement: { Cu: 1.1e-5, Pt: null } })).toBe('D 1.23e-5 cm²/s (Cu 1.10e-5, Pt —)');
    expect(diffusionText({ diffusion: 2e-4, diffusionByElement: null, diffusionVerdict: 'resolved' })).toBe('D 2.00e-4 cm²/s');
    expect(diffusionText({ diffusion: -8.54e-9, diffusionByElement: null, diffusionVerdict: 'vibration' })).toBe('D not resolved (fitted -8.54e-9 cm²/s; the MSD rose less than the atoms vibrate)');
    expect(diffusionText({ diffusion: 3e-6, diffusionByElement: { Fe: 1e-9, Li: 1.2e-5 }, diffusionVerdict: 'resolved', diffusionVerdictByElement: { Fe: 'vibration', Li: 'resolved' } })).toBe(
      'D 3.00e-6 cm²/s (Fe not resolved, Li 1.20e-5)',
    );
    expect(diffusionText({ diffusion: 3e-6, diffusionVerdict: 'short' })).toBe('D not resolved (fitted 3.00e-6 cm²/s; the fitted half is under 1 ps)');
    expect(diffusionText({})).toBe('');
  });

  it('judges no diffusion in a crystal whose fitted D wanders from zero, and resolves it in the liquid', { timeout: 120_000 }, async () => {
    // 108 atoms of fcc Cu under Langevin, 2 ps: at 300 K and superheated at 2,200 K (fixed volume) the
    // fitted D have either sign (seeds 4 and 6: −6.9e-8 and +5.8e-7 cm²/s, up to 4 times the spread
    // between atoms); at 4,000 K the cell melts and D is resolved
    const fcc = (): Structure => {
      const a = 3.61;
      const basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
      const cart: number[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) for (const b of basis) cart.push((i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a);
      return new Atoms({ numbers: Int32Array.from({ length: 108 }, () => 29), cart: Float64Array.from(cart), lattice: [[3 * a, 0, 0], [0, 3 * a, 0], [0, 0, 3 * a]], pbc: [true, true, true] }).toStructure('Cu108');
    };
    const run = async (temperature: number, seed: number, steps = 1000) => {
      const out = await runSimulation(fcc(), new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'nvt', thermostat: 'langevin', temperature, friction: 0.01, timestep: 2, steps, every: steps, seed });
      if (out.summary?.task !== 'md') throw new Error('no summary');
      return out.summary;
    };
    for (const [temperature, seed] of [[300, 4], [300, 2], [2200, 6], [2200, 4]]) {
      const s = await run(temperature, seed);
      expect(Math.abs(s.diffusion!), `${temperature} K, seed ${seed}`).toBeGreaterThan(1e-8);
      expect(s.diffusionVerdict, `${temperature} K, seed ${seed}`).toBe('vibration');
    }
    const liquid = await run(4000, 1, 2000);
    expect(liquid.diffusionVerdict).toBe('resolved');
    expect(liquid.diffusion).toBeGreaterThan(3e-5);
    // the default run (1,000 steps of 1 fs) is too short to judge
    const short = await runSimulation(fcc(), new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'nvt', temperature: 300, steps: 100, every: 100 });
    expect(short.summary?.task === 'md' && short.summary.diffusionVerdict).toBe('short');
  });

  it('an MD run of an alloy logs the MSD of every element, which make up the whole', async () => {
    const alloy = cell([29, 78, 29, 78, 29, 29, 78, 29], 4.5);
    for (let i = 0; i < 8; i++) alloy.cart.set([(i % 2) * 2.25, (Math.floor(i / 2) % 2) * 2.25, Math.floor(i / 4) * 2.25], 3 * i);
    const values: StepValues[] = [];
    const out = await runSimulation(alloy.toStructure('CuPt'), new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'nve', temperature: 600, steps: 20 }, { onStep: (_, v) => void values.push(v) });
    if (out.summary?.task !== 'md') throw new Error('no summary');
    expect(Object.keys(out.summary.diffusionByElement!)).toEqual(['Cu', 'Pt']);
    expect(out.summary.diffusionVerdictByElement).toEqual({ Cu: 'short', Pt: 'short' });
    expect(values).toHaveLength(21);
    for (const v of values) expect(v.msd).toBeCloseTo((5 * v['msd:Cu']! + 3 * v['msd:Pt']!) / 8, 12);
    expect(values[20].msd).toBeGreaterThan(0);
  });

  it('gives free particles under a Langevin thermostat D = k_B·T / (m·γ)', async () => {
    // 1,000 argon atoms that do not interact, 300 K, friction 0.02/fs, 10 ps (200 relaxation times)
    const n = 1000;
    const L = 100;
    const free: Calculator = { name: 'free', calculate: async (a) => ({ energy: 0, forces: new Float64Array(a.cart.length), stress: null }) };
    const structure: Structure = { ...cell(Array.from({ length: n }, () => 18), L).toStructure('Ar gas') };
    let gamma = 0.02;
    const values: StepValues[] = [];
    const out = await runSimulation(structure, free, { ...SIMULATION_DEFAULTS.md, ensemble: 'nvt', thermostat: 'langevin', temperature: 300, friction: gamma, timestep: 2, steps: 5000, every: 1000, seed: 11 }, { onStep: (_, v) => void values.push(v) });
    expect(out.status).toBe('finished');
    if (out.summary?.task !== 'md') throw new Error('no summary');
    const mass = 39.948;
    const expected = ((KB * 300 * ACCELERATION) / (mass * gamma)) * 0.1; // Å²/fs → cm²/s
    expect(out.summary.diffusion! / expected).toBeGreaterThan(0.9);
    expect(out.summary.diffusion! / expected).toBeLessThan(1.1);
    expect(out.summary.diffusionVerdict).toBe('resolved');
    expect(values).toHaveLength(5001);
    expect(values[0].msd).toBe(0);
    // 6·D·t at 10 ps: about 19 Å²
    expect(values[5000].msd! / (6 * (expected / 0.1) * 10_000)).toBeCloseTo(1, 0);
    // twice the friction, half the diffusion
    gamma = 0.04;
    const slower = await runSimulation(structure, free, { ...SIMULATION_DEFAULTS.md, ensemble: 'nvt', thermostat: 'langevin', temperature: 300, friction: gamma, timestep: 2, steps: 5000, every: 1000, seed: 11 });
    if (slower.summary?.task !== 'md') throw new Error('no summary');
    expect(slower.summary.diffusion! / (expected / 2)).toBeGreaterThan(0.9);
    expect(slower.summary.diffusion! / (expected / 2)).toBeLessThan(1.1);
    expect(slower.summary.diffusionByElement).toBeNull();
  });

  it('unwraps a trajectory written wrapped into its cell, as an XDATCAR is, before measuring', async () => {
    // 64 free argon atoms in a 10 Å box at 900 K, 4 ps: they cross the cell's faces many times
    const free: Calculator = { name: 'free', calculate: async (a) => ({ energy: 0, forces: new Float64Array(a.cart.length), stress: null }) };
    const gas = cell(Array.from({ length: 64 }, (_, i) => (i % 4 ? 18 : 10)), 10);
    const frames: FrameGeometry[] = [];
    await runSimulation(gas.toStructure('ArNe'), free, { ...SIMULATION_DEFAULTS.md, ensemble: 'nvt', temperature: 900, friction: 0.01, timestep: 2, steps: 2000, every: 10, seed: 5 }, {
      onFrame: (f) => void frames.push({ numbers: gas.numbers, cart: f.cart, lattice: f.lattice, pbc: [true, true, true] }),
    });
    const wrapped = frames.map((f) => ({ ...f, cart: Float64Array.from(f.cart, (x) => x - 10 * Math.floor(x / 10)) }));
    expect(wrapped.some((f, k) => f.cart.some((x, i) => Math.abs(x - frames[k].cart[i]) > 5))).toBe(true);
    const asRun = trajectoryDiffusion(frames, 20);
    const fromFile = trajectoryDiffusion(wrapped, 20);
    expect(fromFile.time).toEqual(asRun.time);
    expect(maxAbsDiff(fromFile.msd, asRun.msd)).toBeLessThan(1e-9);
    expect(asRun.msd.at(-1)).toBeGreaterThan(25); // farther than the cell is wide
    expect(Object.keys(fromFile.msdByElement!)).toEqual(['Ar', 'Ne']);
    expect(fromFile.diffusionByElement!.Ne! / fromFile.diffusionByElement!.Ar!).toBeGreaterThan(1); // the lighter diffuses faster
    expect(fromFile.diffusion).toBeCloseTo(asRun.diffusion!, 12);
    expect(fromFile.diffusionVerdict).toBe('resolved');
    expect(() => trajectoryDiffusion([wrapped[0], { ...wrapped[1], numbers: Int32Array.of(18) }], 20)).toThrow(/frame 1 holds other atoms than frame 0 \(1 atom against 64\)/);
    expect(() => trajectoryDiffusion(wrapped, 0)).toThrow(/positive number of fs/);
  });
});
