import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFrames, writeXdatcar, xdatcarFrames } from '../../../src-shared/chem';
import { Atoms, checkSimulationInput, elasticNotes, EmtCalculator, MAX_PRESSURE_GPA, mdNotes, MIN_VOLUME_PER_ATOM, NVE_DRIFT_LIMIT, phononsText, runSimulation, SIMULATION_DEFAULTS, SimulationInputError, storedForceConstants, storedSummary, trajectoryText, type Calculator, type SimulationFrame, type StepValues } from '../../../src-shared/sim';
import { TrajectoryDomainWatch } from '../../../src-shared/model/potential-domain';
import type { TrainingDomain } from '../../../src-shared/model/domain';
import { fcc, rattle } from './helpers';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { cellVolume } from '../../../src-shared/chem/lattice';
import { bandEnd } from '../../../src-shared/sim/neb';

function copper(rep: number, seed = 0) {
  const a = fcc(3.6, rep);
  if (seed) rattle(a, 0.1, seed);
  return a.toStructure(`Cu${a.length}`);
}

/** EMT plus a cusp 0.01·|x| on each atom's x at copper(1)'s sites (as PaiNN's vector norm makes at a symmetric site with the paper's ε). */
const cusp: Calculator = {
  name: 'emt with a cusp',
  async calculate(config, options) {
    const c = await new EmtCalculator().calculate(config, options);
    const forces = Float64Array.from(c.forces);
    const start = copper(1);
    for (let i = 0; i < config.numbers.length; i++) {
      const x = config.cart[3 * i] - start.cart[3 * (i % 4)];
      const wrapped = x - 3.6 * Math.round(x / 3.6);
      forces[3 * i] -= 0.01 * Math.sign(Math.abs(wrapped) < 1e-9 ? 0 : wrapped);
    }
    return { ...c, forces };
  },
};

describe('simulation jobs', () => {
  it('a relaxation writes a frame every k steps and always the last one, and reports the summary', async () => {
    const frames: SimulationFrame[] = [];
    const steps: number[] = [];
    const out = await runSimulation(copper(2, 4), new EmtCalculator(), { ...SIMULATION_DEFAULTS.relax, every: 4, fmax: 0.01 }, { onFrame: (f) => void frames.push(f), onStep: (s) => void steps.push(s) });
    expect(out.status).toBe('finished');
    if (out.summary?.task !== 'relax') throw new Error('no summary');
    const n = out.summary.steps;
    expect(n % 4).not.toBe(0); // so that the last frame is an extra one
    expect(steps).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
    expect(frames.map((f) => f.step)).toEqual([...Array.from({ length: Math.floor(n / 4) + 1 }, (_, i) => 4 * i), n]);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    expect(frames.at(-1)!.energy).toBe(out.summary.energy);
    expect(out.final!.name).toMatch(/relaxed/);
    expect(Array.from(out.final!.cart)).toEqual(Array.from(frames.at(-1)!.cart));
  });

  it('a relaxation or an MD run whose potential fails ends at its last good step: the last frame, the final structure and the steps agree', async () => {
    /** EMT that fails on its `n`th call: NaN energy, or an error. */
    const failingOn = (n: number, how: 'nan' | 'throw'): Calculator => {
      let calls = 0;
      const emt = new EmtCalculator();
      return {
        name: 'failing',
        async calculate(a, o) {
          if (++calls !== n) return emt.calculate(a, o);
          if (how === 'throw') throw new Error('the potential failed');
          return { energy: NaN, forces: new Float64Array(a.cart.length), stress: null };
        },
      };
    };
    for (const how of ['nan', 'throw'] as const) {
      // relax: one call a step; the 8th is step 7's
      const frames: SimulationFrame[] = [];
      const steps: number[] = [];
      const relaxed = await runSimulation(copper(2, 4), failingOn(8, how), { ...SIMULATION_DEFAULTS.relax, every: 5, fmax: 1e-4 }, { onFrame: (f) => void frames.push(f), onStep: (s) => void steps.push(s) });
      expect(relaxed.status).toBe('failed');
      expect(relaxed.message).toMatch(how === 'nan' ? /non-finite at step 7 .*; the structure is the one of step 6$/ : /^the calculation failed at step 7: the potential failed; the structure is the one of step 6$/);
      if (relaxed.summary?.task !== 'relax') throw new Error('no summary');
      expect(relaxed.summary.steps).toBe(6);
      expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(frames.map((f) => f.step)).toEqual([0, 5, 6]);
      expect(Array.from(relaxed.final!.cart)).toEqual(Array.from(frames.at(-1)!.cart));
      expect(frames.at(-1)!.energy).toBe(relaxed.summary.energy);
      // md: the start and one call a step; the 8th is step 7's
      const mdFrames: SimulationFrame[] = [];
      const values: StepValues[] = [];
      const md = await runSimulation(copper(2), failingOn(8, how), { ...SIMULATION_DEFAULTS.md, ensemble: 'nve', temperature: 300, steps: 50, every: 5 }, { onFrame: (f) => void mdFrames.push(f), onStep: (_, v) => void values.push(v) });
      expect(md.status).toBe('failed');
      if (md.summary?.task !== 'md') throw new Error('no summary');
      expect([md.summary.steps, values.length, mdFrames.map((f) => f.step)]).toEqual([6, 7, [0, 5, 6]]);
      expect(md.message).toMatch(/^failed after 6 steps: /);
      expect(md.final!.name).toMatch(/after 6 MD steps/);
      expect(Array.from(md.final!.cart)).toEqual(Array.from(mdFrames.at(-1)!.cart));
      expect(mdFrames.at(-1)!.values).toEqual({ ...values[6], fmax: expect.any(Number) });
    }
  });

  it('a cell crushed by its pressure stops the run where it collapses, in a second, instead of a force call that grows without bound', { timeout: 30_000 }, async () => {
    // EMT's energy falls without bound as Cu atoms pile up: at 10,000 GPa fcc Cu collapses (pressure in
    // pascals typed for GPa did so with every neighbour list larger than the last, gigabytes, and no Ctrl-C)
    const relaxed = await runSimulation(copper(1), new EmtCalculator(), { ...SIMULATION_DEFAULTS.relax, cell: true, pressure: MAX_PRESSURE_GPA });
    expect(relaxed.status).toBe('failed');
    expect(relaxed.message).toMatch(/^the calculation failed at step (\d+): the cell has collapsed to 0\.\d+ Å³ per atom \(a calculation needs at least 0\.25\).*; the structure is the one of step \d+$/);
    const { final } = relaxed;
    expect(Math.abs(cellVolume(final!.lattice!)) / 4).toBeGreaterThanOrEqual(MIN_VOLUME_PER_ATOM);
    // NPT molecular dynamics the same (MTK; Berendsen's barostat refuses a step that large before)
    const npt = await runSimulation(copper(1), new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'npt', thermostat: 'nose-hoover', barostat: 'mtk', steps: 500, pressure: MAX_PRESSURE_GPA });
    expect(npt.status).toBe('failed');
    expect(npt.message).toMatch(/^failed after \d+ steps: the cell has collapsed to 0\.\d+ Å³ per atom/);
    // a start that is already so dense (a cell in nm read as Å) is refused at its first force call
    const nm = fcc(0.36, 1).toStructure('Cu4 in nm');
    const phonons = await runSimulation(nm, new EmtCalculator(), { ...SIMULATION_DEFAULTS.phonons, supercell: [1, 1, 1], mesh: [1, 1, 1] });
    expect(phonons).toMatchObject({ status: 'failed', message: expect.stringMatching(/^the cell has collapsed to 0\.0117 Å³ per atom/) });
  });

  it('an MD run of atoms that have no degrees of freedom (one free atom, or every atom held) is refused, in the app as on the command line', () => {
    const one = new Atoms({ numbers: Int32Array.of(29), cart: new Float64Array(3), lattice: [[0, 1.8, 1.8], [1.8, 0, 1.8], [1.8, 1.8, 0]], pbc: [true, true, true] }).toStructure('Cu');
    const nvt = { ...SIMULATION_DEFAULTS.md, ensemble: 'nvt' as const, temperature: 300 };
    expect(() => checkSimulationInput(one, { kind: 'emt' }, nvt)).toThrow(/^a single atom has no degrees of freedom once the total momentum is held at zero \(3N − 3 = 0\)/);
    expect(() => checkSimulationInput(copper(1), { kind: 'emt' }, { ...nvt, fixed: [0, 1, 2, 3] })).toThrow(/^every atom is held: nothing can move/);
    // two free atoms, or one free atom beside a held one, have some
    expect(() => checkSimulationInput(copper(1), { kind: 'emt' }, { ...nvt, fixed: [0, 1, 2] })).not.toThrow();
  });

  it('an MD run reports its drift, mean temperature and pressure; an EOS its fit', async () => {
    const md = await runSimulation(copper(2), new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'nve', steps: 50, every: 10, temperature: 200 });
    expect(md.status).toBe('finished');
    if (md.summary?.task !== 'md') throw new Error('no summary');
    expect(Math.abs(md.summary.drift!)).toBeLessThan(1e-4);
    // from a perfect lattice, kinetic energy flows into potential energy: the second half is cooler
    expect(md.summary.meanTemperature).toBeGreaterThan(20);
    expect(md.summary.meanTemperature).toBeLessThan(200);
    expect(md.summary.meanPressure).not.toBeNull();
    const eos = await runSimulation(copper(1), new EmtCalculator(), SIMULATION_DEFAULTS.eos);
    if (eos.summary?.task !== 'eos') throw new Error('no summary');
    expect(eos.summary.b0GPa).toBeCloseTo(134.4, 0);
    expect(eos.final!.lattice![0][0] ** 3).toBeCloseTo(eos.summary.v0, 8);
  });

  it('with stopWhenExtrapolating, a run stops at the first frame its potential\'s training structures do not cover', async () => {
    // the watch judges frames, whatever computes them: EMT here, with the domain of a potential whose
    // Cu–Cu pairs came no closer than 2.3 Å; 32 Cu atoms at 1500 K first bring a pair closer at step 20
    const domain = (shortest: number | null): TrainingDomain => ({
      basis: 'training-split',
      elements: ['Cu'],
      structures: 'periodic',
      atoms: { min: 1, max: 64 },
      targets: null,
      ...(shortest === null ? {} : { potential: { cutoff: 5, shortestDistances: { 'Cu-Cu': shortest }, referenceEnergies: { Cu: -3.5 }, energyAboveReference: null } }),
    });
    const cu = copper(2);
    const params = { ...SIMULATION_DEFAULTS.md, ensemble: 'nve' as const, steps: 200, every: 5, temperature: 1500, seed: 1 };
    const run = async (stopWhenExtrapolating: boolean, watch = new TrajectoryDomainWatch(domain(2.3), cu), signal?: { aborted: boolean }) => {
      const frames: SimulationFrame[] = [];
      const out = await runSimulation(cu, new EmtCalculator(), { ...params, stopWhenExtrapolating }, { domain: watch, onFrame: (f) => void frames.push(f), signal });
      return { out, frames, watch };
    };
    const through = await run(false);
    expect(through.out.stoppedAt).toBeUndefined();
    expect(through.frames.at(-1)!.step).toBe(200);
    expect(through.watch.warnings).toEqual([expect.stringMatching(/^step 20: Cu–Cu at 2\.299 Å \(atoms \d+ and \d+\) is closer than any Cu–Cu pair in the training structures \(2\.300 Å\)$/)]);
    const stopped = await run(true);
    expect(stopped.out.status).toBe('finished');
    expect(stopped.out.stoppedAt).toBe(20);
    expect(stopped.out.message).toMatch(/^stopped at step 20, outside the potential's training structures: Cu–Cu at 2\.299 Å/);
    expect(stopped.frames.map((f) => f.step)).toEqual([0, 5, 10, 15, 20]);
    expect(Array.from(stopped.frames[4].cart)).toEqual(Array.from(through.frames[4].cart));
    if (stopped.out.summary?.task !== 'md') throw new Error('no summary');
    expect(stopped.out.summary.steps).toBe(20);
    // the user's cancel stays a cancel
    const cancelled = await run(true, undefined, { aborted: true });
    expect(cancelled.out.status).toBe('cancelled');
    expect(cancelled.out.stoppedAt).toBeUndefined();
    // nothing to stop outside of: a built-in alone, or a model file that records no distances
    await expect(runSimulation(cu, new EmtCalculator(), { ...params, stopWhenExtrapolating: true })).rejects.toThrow(/needs a trained potential: a built-in calculator has no training structures/);
    await expect(run(true, new TrajectoryDomainWatch(domain(null), cu))).rejects.toThrow(SimulationInputError);
  });

  it("an ensemble's force spread is recorded with the step and the frame it belongs to", async () => {
    // EMT, with a made-up spread that tells positions apart: atom 0's x coordinate
    const emt = new EmtCalculator();
    const spreading: Calculator = { name: 'spreading', calculate: async (a, o) => ({ ...(await emt.calculate(a, o)), forceSpread: a.cart[0] }) };
    for (const params of [
      { ...SIMULATION_DEFAULTS.relax, every: 3 },
      { ...SIMULATION_DEFAULTS.md, ensemble: 'nve' as const, steps: 30, every: 5, temperature: 300 },
    ]) {
      const frames: SimulationFrame[] = [];
      const steps: StepValues[] = [];
      await runSimulation(copper(2, 5), spreading, params, { onFrame: (f) => void frames.push(f), onStep: (_, v) => void steps.push(v) });
      expect(frames.length).toBeGreaterThan(3);
      for (const f of frames) {
        expect(f.values.forceSpread).toBe(f.cart[0]);
        expect(steps[f.step].forceSpread).toBe(f.cart[0]);
      }
    }
    // a calculator without a spread records none
    const plain = await runSimulation(copper(1), emt, SIMULATION_DEFAULTS.relax, { onFrame: (f) => expect(f.values).not.toHaveProperty('forceSpread') });
    expect(plain.status).toBe('finished');
  });

  it("elastic constants as a run: 24 strained cells as frames, a step's component, strain and stress, the summary in GPa", async () => {
    const frames: SimulationFrame[] = [];
    const steps: StepValues[] = [];
    const r = await runSimulation(copper(1), new EmtCalculator(), { ...SIMULATION_DEFAULTS.elastic, relax: false }, { onFrame: (f) => void frames.push(f), onStep: (_, v) => void steps.push(v) });
    expect(r.status).toBe('finished');
    expect(frames).toHaveLength(24);
    expect(steps.map((v) => v.component)).toEqual([1, 2, 3, 4, 5, 6].flatMap((c) => [c, c, c, c]));
    expect(steps.slice(0, 4).map((v) => v.strain)).toEqual([-0.01, -0.005, 0.005, 0.01]);
    const s = r.summary?.task === 'elastic' ? r.summary : null;
    expect(s).not.toBeNull();
    // the strained cell's own stress component rises with its strain: C11 > 0
    expect(Math.abs((steps[3].stress! - steps[0].stress!) / (0.02 * s!.cGPa[0][0]) - 1)).toBeLessThan(1e-3);
    expect(frames[3].lattice![0][0]).toBeCloseTo(1.01 * copper(1).lattice![0][0], 12);
    expect(s!.stable).toBe(true);
    // 3.6 Å is not EMT's lattice constant: the message says the start is under stress
    expect(r.message).toMatch(/^bulk modulus \d+\.\d GPa, shear modulus \d+\.\d GPa \(Hill\); mechanically stable; the start is under stress/);
    expect(elasticNotes(s!)).toHaveLength(1);
    expect(s!.startFmax).toBeLessThan(1e-12);
  });

  it("elastic constants from a start whose atoms are out of place: the note names the forces before the stress they cause", async () => {
    const r = await runSimulation(copper(1, 3), new EmtCalculator(), { ...SIMULATION_DEFAULTS.elastic, relax: false }, {});
    const s = r.summary?.task === 'elastic' ? r.summary : null;
    expect(s!.startFmax).toBeGreaterThan(0.05);
    expect(elasticNotes(s!)).toEqual([`the start is not at rest: its atoms are not relaxed (largest force ${s!.startFmax!.toFixed(3)} eV/Å) and it is under stress (up to ${Math.max(...s!.residualStressGPa.map(Math.abs)).toFixed(2)} GPa): relax it (with its cell) first`]);
    // a run stored before the start's forces were kept: the stress note alone, as then
    const { startFmax: _, ...stored } = s!;
    expect(elasticNotes(stored)).toEqual([`the start is under stress (up to ${Math.max(...s!.residualStressGPa.map(Math.abs)).toFixed(2)} GPa): relax it with its cell first`]);
  });

  it('phonons as a run: the structure as its one frame, a step per force call and as many for the wave vectors, the bands, density of states and thermal properties in the summary', async () => {
    const frames: SimulationFrame[] = [];
    const steps: number[] = [];
    // the conventional fcc cell, simple cubic to the path; 3×3×3 by default (3.6 Å a side, at least 10 Å wide)
    const every = { ...SIMULATION_DEFAULTS.phonons, symmetry: false };
    const r = await runSimulation(copper(1), new EmtCalculator(), every, { onFrame: (f) => void frames.push(f), onStep: (step) => void steps.push(step) });
    expect(r.status).toBe('finished');
    expect(frames).toHaveLength(1);
    // 24 force calls, then 24 more steps as the wave vectors are done
    expect(steps).toEqual(Array.from({ length: 48 }, (_, k) => k + 1));
    const s = r.summary?.task === 'phonons' ? r.summary : null;
    expect(s).not.toBeNull();
    expect([s!.supercell, s!.lattice, s!.mesh]).toEqual([[3, 3, 3], 'simple cubic', [11, 11, 11]]);
    expect(s!.bands.ticks.map((t) => t.label).join(' ')).toBe('Γ X M Γ R X|M R');
    expect(s!.bands.frequencies.every((f) => f.length === 12)).toBe(true);
    expect(s!.thermal.temperature).toHaveLength(101);
    expect(s!.dos.states.length).toBe(s!.dos.frequencies.length);
    // 3.6 Å is a little beyond EMT's 3.59: no imaginary mode
    expect(s!.lowest).toBeGreaterThan(0);
    expect(r.message).toMatch(/^phonons of 4 atom\(s\) from a 3×3×3 supercell \(26 force calls\): highest \d\.\d\d THz; no imaginary modes; free energy at 300 K -?\d+\.\d{3} kJ\/mol$/);
    // a potential whose energy has a cusp at the sites: the force constants depend on the displacement, and the run says so
    // with symmetry (here the cell's four centring translations alone): one atom displaced, the same 48 steps of progress
    const translations = { rotations: Array(4).fill([1, 0, 0, 0, 1, 0, 0, 0, 1]), translations: [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]], symbol: 'P1', number: 1, symprec: 1e-5 };
    const bySteps: number[] = [];
    const reduced = await runSimulation(copper(1), new EmtCalculator(), SIMULATION_DEFAULTS.phonons, { symmetry: translations, onStep: (step) => void bySteps.push(step) });
    expect(bySteps).toEqual(steps);
    expect(reduced.message).toMatch(/^phonons of 4 atom\(s\) from a 3×3×3 supercell \(8 force calls; by symmetry 1 of 4 atoms displaced\)/);
    const rs = reduced.summary?.task === 'phonons' ? reduced.summary : null;
    expect(rs!.symmetry).toEqual({ operations: 4, displaced: 1 });
    expect(Math.max(...rs!.bands.frequencies.flat().map((f, k) => Math.abs(f - s!.bands.frequencies.flat()[k])))).toBeLessThan(1e-6);
    await expect(runSimulation(copper(1), new EmtCalculator(), SIMULATION_DEFAULTS.phonons)).rejects.toThrow(/phonons with the symmetry need the space group's operations/);
    const bent = await runSimulation(copper(1), cusp, every);
    const b = bent.summary?.task === 'phonons' ? bent.summary : null;
    // Φ = k + c/δ: 0.01/0.01 = 1 eV/Å² more from ±0.01 Å, 2 more from ±0.005 Å
    expect(b!.linearity.halfStiffness - b!.linearity.stiffness).toBeCloseTo(1, 2);
    expect(bent.message).toMatch(/; the forces are not linear at this displacement \(atom 0's force constant along x is \d+\.\d\d eV\/Å² from ±0\.01 Å and \d+\.\d\d from ±0\.005 Å\), so the frequencies depend on it: compare another displacement \(an energy with a cusp at the sites, as a PaiNN potential with the paper's vector-norm ε 1e-8 has, gives force constants that grow as the displacement shrinks\)$/);
    // without hooks too (the library's own use)
    expect((await runSimulation(copper(1), new EmtCalculator(), { ...every, mesh: [2, 2, 2] })).status).toBe('finished');
    // a molecule has no phonons; a cancelled run stops
    const molecule = { ...copper(1), lattice: null, pbc: [false, false, false] as [boolean, boolean, boolean], frac: null };
    expect(() => checkSimulationInput(molecule, { kind: 'emt' }, SIMULATION_DEFAULTS.phonons)).toThrow(/phonons needs a structure periodic in all three directions/);
    const signal = { aborted: false };
    const stopped = await runSimulation(copper(1), new EmtCalculator(), every, { signal, onStep: (step) => void (signal.aborted = step >= 2) });
    expect([stopped.status, stopped.summary]).toEqual(['cancelled', null]);
    // also while the wave vectors are done
    const later = { aborted: false };
    const stoppedLater = await runSimulation(copper(1), new EmtCalculator(), every, { signal: later, onStep: (step) => void (later.aborted = step >= 30) });
    expect([stoppedLater.status, stoppedLater.summary]).toEqual(['cancelled', null]);
    // a cell the band path does not know is named as such
    expect(phononsText(s!)).not.toMatch(/none of the standard cells/);
    expect(phononsText({ ...s!, lattice: null })).toMatch(/; the cell is none of the standard cells whose band path is known, so the bands run Γ–X\|Γ–Y\|Γ–Z/);
    // the force constants are kept: 4 × 108 pairs of 3×3, up to 200,000 numbers; the modes come from them on the final structure
    expect(s!.forceConstants).toHaveLength(4 * 108 * 9);
    expect(storedSummary(s)).toBe(s);
    expect(storedSummary({ ...s!, forceConstants: new Array(200_001).fill(0) })).toMatchObject({ forceConstants: null });
    const fc = storedForceConstants(r.final!, s!)!;
    expect(Array.from(fc.values)).toEqual(s!.forceConstants);
    expect(storedForceConstants(r.final!, { ...s!, forceConstants: null })).toBeNull();
    // one element: no projections; Cu₃Au (L1₂, Au at the corner): each element's share of the states, summing to the total
    expect(s!.dos.elements).toBeUndefined();
    const cu3au = { ...copper(1), numbers: Int32Array.of(79, 29, 29, 29), species: ['Au', 'Cu', 'Cu', 'Cu'] };
    const alloy = await runSimulation(cu3au, new EmtCalculator(), { ...SIMULATION_DEFAULTS.phonons, symmetry: false, supercell: [2, 2, 2], mesh: [4, 4, 4] });
    const d = alloy.summary?.task === 'phonons' ? alloy.summary.dos : null;
    expect(d!.elements!.map((e) => e.element)).toEqual(['Au', 'Cu']);
    const [au, cu] = d!.elements!.map((e) => e.states);
    d!.states.forEach((total, k) => expect(au[k] + cu[k]).toBeCloseTo(total, 9));
    // 3 of the 12 modes are the gold atom's, 9 the copper atoms' (0.1 THz of smearing integrated over its grid)
    const step = d!.frequencies[1] - d!.frequencies[0];
    expect(au.reduce((x, y) => x + y, 0) * step).toBeCloseTo(3, 1);
    expect(cu.reduce((x, y) => x + y, 0) * step).toBeCloseTo(9, 1);
    // the heavy gold atom carries most of the lowest modes
    const low = d!.frequencies.findIndex((f) => f > 1.5);
    expect(au.slice(0, low).reduce((x, y) => x + y, 0)).toBeGreaterThan(cu.slice(0, low).reduce((x, y) => x + y, 0));
  });

  it('vibrations as a run: the first vibrating atom moved by ±δ/2 too, and the message says when the forces are not linear at the displacement', async () => {
    const smooth = await runSimulation(copper(1), new EmtCalculator(), SIMULATION_DEFAULTS.vibrations);
    const v = smooth.summary?.task === 'vibrations' ? smooth.summary : null;
    expect(v!.linearity!.delta).toBe(0.01);
    expect(Math.abs(v!.linearity!.halfStiffness - v!.linearity!.stiffness)).toBeLessThan(1e-3 * v!.linearity!.stiffness);
    expect(smooth.message).toMatch(/^12 modes of 4 vibrating atoms: zero-point energy \d\.\d{4} eV(; \d imaginary \(the structure is not at a minimum, or these are its rigid motions\))?$/);
    const bent = await runSimulation(copper(1), cusp, SIMULATION_DEFAULTS.vibrations);
    const b = bent.summary?.task === 'vibrations' ? bent.summary : null;
    // Φ = k + c/δ: 1 eV/Å² more from ±0.01 Å, 2 more from ±0.005 Å
    expect(b!.linearity!.halfStiffness - b!.linearity!.stiffness).toBeCloseTo(1, 2);
    expect(bent.message).toMatch(/; the forces are not linear at this displacement \(atom 0's force constant along x is \d+\.\d\d eV\/Å² from ±0\.01 Å and \d+\.\d\d from ±0\.005 Å\), so the mode energies depend on it: compare another displacement \(.*\)$/);
  });

  it('a band as a run: its images as frames from the start to the end, written again every few steps, a step per optimiser step, the barrier both ways, the highest image as its final structure', async () => {
    const band = JSON.parse(readFileSync(new URL('../../fixtures/sim/neb.json', import.meta.url), 'utf8')) as { numbers: number[]; cell: Mat3; start: number[]; end: number[]; cases: { climb: { steps: number; energies: number[] } } };
    const structure = (cart: number[], name: string) => new Atoms({ numbers: Int32Array.from(band.numbers), cart: Float64Array.from(cart), lattice: band.cell, pbc: [true, true, true] }).toStructure(name);
    const start = structure(band.start, 'Cu31 start');
    const end = structure(band.end, 'Cu31 end');
    const frames: SimulationFrame[] = [];
    const steps: [number, StepValues][] = [];
    const params = { ...SIMULATION_DEFAULTS.neb, end: bandEnd(start, end), endName: end.name, images: 3 };
    const out = await runSimulation(start, new EmtCalculator(), params, { onFrame: (f) => void frames.push(f), onStep: (k, v) => void steps.push([k, v]) });
    expect(out.status).toBe('finished');
    if (out.summary?.task !== 'neb') throw new Error('no band summary');
    const s = out.summary;
    // ASE's band (test/shared/sim/neb.test.ts), as a run
    expect(s.steps).toBe(band.cases.climb.steps);
    expect(s.converged).toBe(true);
    // its ends are minima already: relaxed first, they take no step
    expect(s.relaxedEnds).toEqual({ steps: [0, 0], converged: [true, true] });
    expect(steps.map(([k]) => k)).toEqual(Array.from({ length: s.steps + 1 }, (_, k) => k));
    expect(steps.at(-1)![1].fmax).toBeLessThanOrEqual(0.05);
    expect(steps.at(-1)![1].barrier).toBeCloseTo(s.barrier, 12);
    // the band at steps 0, 10, 20 and 30 (every 10), then as it ended, each time its 5 images in place of the ones before
    expect(frames.map((f) => [f.step, f.index])).toEqual([0, 10, 20, 30, 32].flatMap((step) => [0, 1, 2, 3, 4].map((k) => [step, k])));
    const last = frames.slice(-5);
    expect(last.map((f) => f.energy)).toEqual(s.energies);
    expect(last.map((f) => f.values.distance)).toEqual(s.distances);
    expect(Array.from(last[0].cart)).toEqual(band.start);
    // a written band is the band at that step: its highest image is the barrier logged there
    const at10 = frames.filter((f) => f.step === 10);
    expect(Math.max(...at10.slice(1, -1).map((f) => f.energy)) - at10[0].energy).toBeCloseTo(steps[10][1].barrier!, 12);
    expect(s.energies.map((e, k) => Math.abs(e - band.cases.climb.energies[k])).every((d) => d < 1e-6)).toBe(true);
    expect(s.barrier).toBeCloseTo(s.energies[s.highest] - s.energies[0], 12);
    expect(s.reverseBarrier).toBeCloseTo(s.energies[s.highest] - s.energies[4], 12);
    expect(s.barrier).toBeGreaterThan(0.5);
    expect(out.message).toMatch(/^converged in \d+ steps: fmax 0\.0\d+ eV\/Å \(tolerance 0\.05\); barrier 0\.\d{3} eV \(image 2 of 3, climbing\), reverse 0\.\d{3} eV, reaction energy -?0\.000 eV$/);
    expect(out.final!.name).toBe('Cu31 start, image 2 of the band (saddle point)');
    expect(Array.from(out.final!.cart)).toEqual(Array.from(last[2].cart));
    // written every 16 steps: at 0, 16 and as it ended (32, just written: not again)
    const sparse: SimulationFrame[] = [];
    await runSimulation(start, new EmtCalculator(), { ...params, every: 16 }, { onFrame: (f) => void sparse.push(f) });
    expect([...new Set(sparse.map((f) => f.step))]).toEqual([0, 16, 32]);
    expect(sparse).toHaveLength(15);
    // on from the band as it stood at step 10: the same band, converged
    const on = await runSimulation(start, new EmtCalculator(), { ...params, path: 'given', startImages: at10.slice(1, -1).map((f) => Array.from(f.cart)) });
    if (on.summary?.task !== 'neb') throw new Error('no band summary');
    expect([on.summary.converged, on.summary.path, on.summary.steps < s.steps]).toEqual([true, 'given', true]);
    expect(Math.abs(on.summary.barrier - s.barrier)).toBeLessThan(2e-3);
    expect(() => checkSimulationInput(start, { kind: 'emt' }, { ...params, path: 'given', startImages: [] })).toThrow(/^a band from given images needs its 3 image\(s\) between the ends, got 0$/);
    expect(() => checkSimulationInput(start, { kind: 'emt' }, { ...params, every: 0 })).toThrow(/^the band is written every whole number of steps from 1, got 0$/);
    // no image at the saddle point (4 images, none climbing): the curve through them peaks above the highest
    const even = await runSimulation(start, new EmtCalculator(), { ...params, images: 4, climb: false });
    if (even.summary?.task !== 'neb') throw new Error('no band summary');
    expect(even.summary.fittedBarrier).toBeGreaterThan(even.summary.barrier + 0.01);
    expect(even.message).toMatch(/; barrier 0\.\d{3} eV \(image [23] of 4, 0\.\d{3} eV on the curve through the images\), /);
    // an end that is not a minimum, and no climbing: said
    const moved = [...band.end];
    moved[0] += 0.1;
    const loose = await runSimulation(start, new EmtCalculator(), { ...params, end: moved, climb: false, maxSteps: 3, relaxEnds: false });
    expect(loose.summary?.task === 'neb' && [loose.summary.converged, loose.summary.relaxedEnds]).toEqual([false, null]);
    expect(loose.message).toMatch(/^did not converge in 3 steps: .*; the end is not relaxed \(largest force \d\.\d{3} eV\/Å, above fmax 0\.05\): relax it first, .*; no image climbed: the barrier is the highest image, at most the saddle point$/);
    // what cannot be a band's end
    expect(() => bandEnd(start, copper(2))).toThrow(/^the end state has 32 atoms, the start 31: a band joins two states of the same atoms$/);
    const silver = { ...end, numbers: Int32Array.from(end.numbers, (z, i) => (i === 5 ? 47 : z)) };
    expect(() => bandEnd(start, silver)).toThrow(/^site 5 is Cu at the start and Ag in the end state: a band joins two states of the same atoms in the same order$/);
    const wider = { ...end, lattice: end.lattice!.map((r) => r.map((x) => x * 1.01)) as Mat3 };
    expect(() => bandEnd(start, wider)).toThrow(/^the cells of the start and the end state differ by up to 0\.0720 Å: a band keeps its cell$/);
    expect(() => checkSimulationInput(start, { kind: 'emt' }, SIMULATION_DEFAULTS.neb)).toThrow(/^a band needs its end state/);
  });

  it('checks its input before it starts, in sentences', () => {
    const cu = copper(1);
    const molecule = { ...cu, lattice: null, pbc: [false, false, false] as [boolean, boolean, boolean], frac: null };
    expect(() => checkSimulationInput(molecule, { kind: 'emt' }, SIMULATION_DEFAULTS.eos)).toThrow(/an equation of state needs a structure periodic in all three directions/);
    expect(() => checkSimulationInput(molecule, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.md, ensemble: 'npt' })).toThrow(/NPT molecular dynamics needs/);
    expect(() => checkSimulationInput(cu, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.md, ensemble: 'npt', barostat: 'mtk' })).toThrow(/the MTK barostat comes with Nosé–Hoover chains: choose the nose-hoover thermostat, not langevin/);
    expect(() => checkSimulationInput(cu, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.md, ensemble: 'npt', barostat: 'mtk', thermostat: 'nose-hoover' })).not.toThrow();
    expect(() => checkSimulationInput(cu, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.md, ensemble: 'npt', cellMotion: 'flexible' })).toThrow(/a flexible cell needs the MTK barostat/);
    expect(() => checkSimulationInput(cu, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.relax, fixed: [7] })).toThrow(/fixed atom index 7 is not an atom of this 4-atom structure/);
    const iron = { ...cu, numbers: Int32Array.of(26, 26, 29, 29) };
    expect(() => checkSimulationInput(iron, { kind: 'emt' }, SIMULATION_DEFAULTS.relax)).toThrow(SimulationInputError);
    expect(() => checkSimulationInput(iron, { kind: 'lj' }, SIMULATION_DEFAULTS.relax)).not.toThrow();
    const disordered = { ...cu, occupancy: Float64Array.of(1, 0.5, 1, 1) };
    expect(() => checkSimulationInput(disordered, { kind: 'lj' }, SIMULATION_DEFAULTS.relax)).toThrow(/site 1 \(Cu\) is partially occupied/);
    // a supercell of one atom has no force constants: every frequency was 0.00 THz, "no imaginary modes"
    const single = { ...cu, numbers: Int32Array.of(29), cart: Float64Array.of(0, 0, 0), frac: null, lattice: [[0, 1.8, 1.8], [1.8, 0, 1.8], [1.8, 1.8, 0]] as Mat3 };
    expect(() => checkSimulationInput(single, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.phonons, supercell: [1, 1, 1] })).toThrow(/^a supercell of one atom: displaced, the atom moves with all its images and feels no force/);
    expect(() => checkSimulationInput(single, { kind: 'emt' }, { ...SIMULATION_DEFAULTS.phonons, supercell: [2, 1, 1] })).not.toThrow();
    // two atoms at one place, named before anything else (phonons' symmetry search blamed its tolerance), whatever the calculator
    const cart = Float64Array.from(cu.cart);
    cart.set(cu.cart.subarray(3, 6), 9);
    const coincident = { ...cu, cart, frac: null };
    for (const params of [SIMULATION_DEFAULTS.phonons, { ...SIMULATION_DEFAULTS.relax, symmetry: true }, SIMULATION_DEFAULTS.md]) {
      expect(() => checkSimulationInput(coincident, null, params)).toThrow(new SimulationInputError('atoms 1 and 3 are at the same position'));
    }
  });
});

describe('trajectory files', () => {
  it('extended XYZ keeps positions, energies, forces, stress and step values; XDATCAR the wrapped positions and every cell', async () => {
    const frames: SimulationFrame[] = [];
    await runSimulation(copper(1), new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'npt', steps: 30, every: 10, temperature: 600, barostatTau: 50 }, { onFrame: (f) => void frames.push(f) });
    expect(frames).toHaveLength(4);
    const atoms = { numbers: [29, 29, 29, 29], pbc: [true, true, true], name: 'Cu4 npt' };
    const xyz = readFrames('t.extxyz', trajectoryText('extxyz', atoms, frames)).frames;
    expect(xyz).toHaveLength(4);
    xyz.forEach((f, k) => {
      expect(f.energy).toBe(frames[k].energy);
      expect(Array.from(f.forces!)).toEqual(Array.from(frames[k].forces));
      expect(Array.from(f.structure.cart)).toEqual(Array.from(frames[k].cart));
      expect(f.stress).toEqual(Array.from(frames[k].stress!));
      expect(f.structure.properties.temperature).toBe(frames[k].values.temperature);
      expect(f.structure.properties.step).toBe(frames[k].step);
    });
    // the barostat changed the cell: the XDATCAR repeats its header before every frame
    const text = trajectoryText('xdatcar', atoms, frames);
    expect(text.match(/Direct configuration=/g)).toHaveLength(4);
    const back = readFrames('XDATCAR', text).frames;
    back.forEach((f, k) => {
      const l = frames[k].lattice!;
      f.structure.lattice!.forEach((row, a) => row.forEach((x, b) => expect(x).toBe(l[a][b])));
      // positions come back wrapped into the cell: compare modulo a lattice vector (cubic cell here)
      for (let i = 0; i < 12; i++) {
        const L = l[i % 3][i % 3];
        const d = f.structure.cart[i] - frames[k].cart[i];
        expect(Math.abs(d - L * Math.round(d / L))).toBeLessThan(1e-9);
      }
    });
  });

  it('XDATCAR refuses frames with other atoms, and structures without a cell', () => {
    const a = copper(1);
    const b = { ...a, numbers: Int32Array.of(29, 29, 29, 79) };
    expect(() => writeXdatcar([a, b])).toThrow(/frame 1 has other atoms than frame 0/);
    expect(() => writeXdatcar([{ ...a, lattice: null }])).toThrow(/no lattice/);
    expect(writeXdatcar([a, a]).match(/Direct configuration=/g)).toHaveLength(2);
    expect(writeXdatcar([a, a]).match(/^1\.0$/gm)).toHaveLength(1);
    // written a frame at a time (a run's --out), a header where the cell changes, and the frames read back each with its cell
    const strained = { ...a, lattice: a.lattice!.map((r) => r.map((x) => x * 1.01)) as typeof a.lattice };
    const frame = xdatcarFrames();
    const text = [a, a, strained, strained, a].map((s) => frame(s)).join('');
    expect(text).toBe(writeXdatcar([a, a, strained, strained, a]));
    expect(text.match(/^1\.0$/gm)).toHaveLength(3);
    expect(readFrames('XDATCAR', text).frames.map((f) => f.structure.lattice![0][0])).toEqual([a, a, strained, strained, a].map((s) => s.lattice![0][0]));
  });
});

describe("an NVE run that did not keep its energy (mdNotes)", () => {
  const md = (drift: number | null) => ({ task: 'md' as const, steps: 50, drift, meanTemperature: 300, meanPressure: null });
  it(`is said past ${NVE_DRIFT_LIMIT} eV/atom either way, for NVE only`, () => {
    expect(NVE_DRIFT_LIMIT).toBe(0.01);
    expect(mdNotes(md(-57.5), 'nve')).toEqual([
      "the total energy of this NVE run drifted by -5.75e+1 eV/atom, more than 0.01 eV/atom: it did not conserve energy, so its trajectory and temperatures are not the dynamics of the structure. The time step is too long (lower it), or atoms are too close (check the structure's shortest distances)",
    ]);
    expect(mdNotes(md(0.0101), 'nve')).toHaveLength(1);
    expect(mdNotes(md(-0.0099), 'nve')).toEqual([]);
    expect(mdNotes(md(6e-6), 'nve')).toEqual([]);
    // a thermostat's or barostat's run exchanges energy: not judged here
    expect(mdNotes(md(-57.5), 'nvt')).toEqual([]);
    expect(mdNotes(md(null), 'npt')).toEqual([]);
  });
});
