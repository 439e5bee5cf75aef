import { describe, expect, it } from 'vitest';
import { birchMurnaghanEnergy, EmtCalculator, EosCancelled, equationOfState, fitBirchMurnaghan, toGPa } from '../../../src-shared/sim';
import { fcc, golden } from './helpers';

describe('Birch–Murnaghan equation of state', () => {
  it("fits ASE's points of fcc Cu to ASE's EquationOfState(eos='birchmurnaghan') numbers", () => {
    const g = golden.eos;
    const fit = fitBirchMurnaghan(g.volumes, g.energies);
    expect(Math.abs(toGPa(fit.b0) - g.b0GPa) / g.b0GPa).toBeLessThan(0.01);
    // the least-squares optimum is one point: ASE's iterative fit reaches it to its own tolerance
    expect(Math.abs(fit.b0 - g.b0) / g.b0).toBeLessThan(1e-5);
    expect(Math.abs(fit.v0 - g.v0) / g.v0).toBeLessThan(1e-7);
    expect(Math.abs(fit.e0 - g.e0)).toBeLessThan(1e-8);
    expect(Math.abs(fit.b0prime - g.b0prime) / g.b0prime).toBeLessThan(1e-4);
  });

  it("gives fcc Cu's B₀ within 1 % of ASE's from our own EMT energies on the same volumes", async () => {
    const g = golden.eos;
    const atoms = fcc(g.latticeConstant, 1);
    const r = await equationOfState(atoms, new EmtCalculator(), { points: g.volumes.length, range: 0.06 });
    r.points.forEach(([v, e], k) => {
      expect(Math.abs(v - g.volumes[k]) / v).toBeLessThan(1e-12);
      expect(Math.abs(e - g.energies[k])).toBeLessThan(1e-9);
    });
    expect(Math.abs(toGPa(r.fit.b0) - g.b0GPa) / g.b0GPa).toBeLessThan(0.01);
    expect(Math.abs(r.fit.v0 - g.v0) / g.v0).toBeLessThan(1e-6);
    expect(atoms.lattice![0][0]).toBe(g.latticeConstant); // the input is left as it was
  });

  it('recovers the parameters of an exact Birch–Murnaghan curve, and draws it', () => {
    const truth = { v0: 16.5, e0: -3.7, b0: 0.9, b0prime: 4.6 };
    const volumes = Array.from({ length: 9 }, (_, k) => 14 + k * 0.6);
    const energies = volumes.map((v) => birchMurnaghanEnergy(truth, v));
    const fit = fitBirchMurnaghan(volumes, energies);
    expect(fit.v0).toBeCloseTo(truth.v0, 9);
    expect(fit.e0).toBeCloseTo(truth.e0, 10);
    expect(fit.b0).toBeCloseTo(truth.b0, 8);
    expect(fit.b0prime).toBeCloseTo(truth.b0prime, 6);
    expect(fit.rms).toBeLessThan(1e-12);
    expect(birchMurnaghanEnergy(fit, truth.v0)).toBeCloseTo(truth.e0, 10);
  });

  it('says so when the volumes do not bracket the minimum, or are too few', () => {
    const truth = { v0: 16.5, e0: -3.7, b0: 0.9, b0prime: 4.6 };
    const far = [20, 21, 22, 23, 24, 25];
    expect(() =>
      fitBirchMurnaghan(
        far,
        far.map((v) => -v),
      ),
    ).toThrow(/no minimum/);
    expect(() => fitBirchMurnaghan([15, 16, 17], [1, 0, 1])).toThrow(/at least 5 points/);
    expect(() => fitBirchMurnaghan([15, 16, 17, 18, 19], [0, 0, NaN, 0, 0])).toThrow(/point 3/);
    expect(fitBirchMurnaghan([15, 16, 17, 18, 19], [15, 16, 17, 18, 19].map((v) => birchMurnaghanEnergy(truth, v))).v0).toBeCloseTo(16.5, 8);
  });

  it("refuses a minimum outside the volumes sampled (a strained start): tester's compressed and expanded Cu, where ASE fails or warns", async () => {
    // fcc Cu's EMT minimum is at a = 3.59 Å; 0.95 a and 1.05 a sampled within ±2 % (and ±5 %) lie on one side of it
    for (const [a, range] of [
      [3.42, 0.02],
      [3.78, 0.02],
      [3.78, 0.05],
    ]) {
      await expect(equationOfState(fcc(a, 1), new EmtCalculator(), { range })).rejects.toThrow(/the fitted V₀ = [\d.]+ Å³ lies outside the volumes sampled \([\d.]+–[\d.]+ Å³\).*--range.*relax --cell/);
    }
    // the compressed cell: its cubic's minimum (47.7 Å³ for 4 atoms) lies beyond 4 × 10.2004
    await expect(equationOfState(fcc(3.42, 1), new EmtCalculator(), { range: 0.02 })).rejects.toThrow(/V₀ = 47\.6\d+ Å³ .*\(39\.2\d+–40\.8\d+ Å³\)/);
    // the same cell sampled widely enough brackets it
    expect((await equationOfState(fcc(3.42, 1), new EmtCalculator(), { range: 0.25 })).fit.v0).toBeGreaterThan(4 * 11.5);
  });

  it('relaxes the atoms at each volume when asked (a rattled cell then lies lower than without)', async () => {
    const atoms = fcc(3.6, 2);
    atoms.cart[3] += 0.15;
    atoms.cart[10] -= 0.1;
    const fixedAtoms = await equationOfState(atoms, new EmtCalculator(), { points: 5, range: 0.05 });
    const relaxed = await equationOfState(atoms, new EmtCalculator(), { points: 5, range: 0.05, relax: true, relaxOptions: { fmax: 0.005 } });
    expect(relaxed.unconverged).toEqual([]);
    relaxed.points.forEach(([, e], k) => expect(e).toBeLessThan(fixedAtoms.points[k][1] - 0.01));
    expect(Math.abs(toGPa(relaxed.fit.b0) - golden.eos.b0GPa) / golden.eos.b0GPa).toBeLessThan(0.03);
  });

  it('can be cancelled', async () => {
    const signal = { aborted: false };
    await expect(
      equationOfState(fcc(3.6, 1), new EmtCalculator(), {
        signal,
        onPoint: (k) => {
          if (k === 2) signal.aborted = true;
        },
      }),
    ).rejects.toBeInstanceOf(EosCancelled);
  });
});
