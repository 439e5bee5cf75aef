import { describe, expect, it } from 'vitest';
import { Atoms, CellFilter, EmtCalculator, fromGPa, relax, toGPa, pressureOf, type Calculator } from '../../../src-shared/sim';
import { atomsFromGolden, fcc, golden, maxAbsDiff } from './helpers';

describe('relaxation from rattled starts ends where ASE 3.22 ends', () => {
  for (const [name, cases] of [
    ['fire', golden.fire],
    ['lbfgs', golden.lbfgs],
  ] as const) {
    for (const g of cases) {
      it(`${name}: ${g.name} (${g.numbers.length} atoms, fmax ${g.fmax}) ends within 1e-4 eV/atom of ASE's ${name.toUpperCase()}`, async () => {
        const atoms = atomsFromGolden(g, g.fixed);
        const start = Float64Array.from(atoms.cart);
        const calc = new EmtCalculator();
        expect(Math.abs((await calc.calculate(atoms)).energy - g.startEnergy)).toBeLessThan(1e-9);
        const r = await relax(atoms, calc, { optimizer: name, fmax: g.fmax, maxSteps: 2000 });
        expect(r.status).toBe('converged');
        expect(r.fmax).toBeLessThanOrEqual(g.fmax);
        expect(Math.abs(r.energy - g.energy) / g.numbers.length).toBeLessThan(1e-4);
        expect(r.energy).toBeLessThan(g.startEnergy);
        for (const i of g.fixed) expect(maxAbsDiff(atoms.cart.subarray(3 * i, 3 * i + 3), start.subarray(3 * i, 3 * i + 3))).toBe(0);
        // the same algorithm with the same parameters: it takes ASE's steps one for one
        expect(r.steps).toBe(g.steps);
        expect(Math.abs(r.energy - g.energy)).toBeLessThan(1e-8);
      });
    }
  }
});

describe('cell relaxation through the strain filter', () => {
  it("fcc Cu's lattice constant within 0.1 % of ASE's (ExpCellFilter + BFGS), with both optimisers", async () => {
    for (const optimizer of ['fire', 'lbfgs'] as const) {
      const atoms = new Atoms({
        numbers: Int32Array.of(29),
        cart: new Float64Array(3),
        lattice: [
          [0, golden.cell.start / 2, golden.cell.start / 2],
          [golden.cell.start / 2, 0, golden.cell.start / 2],
          [golden.cell.start / 2, golden.cell.start / 2, 0],
        ],
        pbc: [true, true, true],
      });
      const r = await relax(atoms, new EmtCalculator(), { optimizer, cell: true, fmax: 1e-4, smax: fromGPa(1e-4), maxSteps: 1000 });
      expect(r.status).toBe('converged');
      const a = Math.cbrt(4 * atoms.volume()!);
      expect(Math.abs(a - golden.cell.latticeConstant) / golden.cell.latticeConstant).toBeLessThan(1e-3);
      // in fact it is the same minimum to many digits
      expect(Math.abs(a - golden.cell.latticeConstant)).toBeLessThan(1e-6);
    }
  });

  it('relaxes to a target pressure: the final pressure is the target and the cell is smaller', async () => {
    const atoms = fcc(3.59, 1);
    atoms.lattice![0][1] = 0.05; // break the symmetry a little
    const r = await relax(atoms, new EmtCalculator(), { cell: true, pressure: fromGPa(5), fmax: 1e-4, smax: fromGPa(1e-3), maxSteps: 1000 });
    expect(r.status).toBe('converged');
    expect(toGPa(pressureOf(r.stress!))).toBeCloseTo(5, 2);
    const shear = Math.max(...[3, 4, 5].map((k) => Math.abs(r.stress![k])));
    expect(toGPa(shear)).toBeLessThan(1e-3);
    expect(Math.cbrt(atoms.volume()!)).toBeLessThan(3.5898);
  });

  it('hydrostatic relaxation changes only the volume', async () => {
    const atoms = fcc(3.5, 1);
    atoms.lattice![2][2] = 3.6; // tetragonal start
    const ratio = atoms.lattice![2][2] / atoms.lattice![0][0];
    const r = await relax(atoms, new EmtCalculator(), { cell: true, hydrostatic: true, fmax: 1e-4, smax: fromGPa(1e-4), maxSteps: 1000 });
    expect(r.status).toBe('converged');
    expect(atoms.lattice![2][2] / atoms.lattice![0][0]).toBeCloseTo(ratio, 12);
    expect(Math.abs(toGPa(pressureOf(r.stress!)))).toBeLessThan(1e-4);
    expect(Math.abs(toGPa(r.stress![2] - r.stress![0]))).toBeGreaterThan(0.1); // c/a is not relaxed
  });

  it('its cell forces are −∂H/∂X: a step along them lowers the enthalpy by |f|²·h to first order', async () => {
    const atoms = fcc(3.7, 1);
    atoms.lattice![0][1] = 0.2;
    atoms.cart[4] += 0.1;
    const calc = new EmtCalculator();
    const filter = new CellFilter(atoms, calc, { pressure: fromGPa(2) });
    const x = filter.getPositions();
    const ev = await filter.evaluate();
    const h = 1e-6;
    for (const k of [3 * atoms.length, 3 * atoms.length + 1, 3 * atoms.length + 4, 3 * atoms.length + 8, 4]) {
      const objective = async (d: number) => {
        const y = Float64Array.from(x);
        y[k] += d;
        if (k >= 3 * atoms.length) {
          // X is symmetric: move the mirrored entry with it and compare with the sum of both forces
          const r = Math.floor((k - 3 * atoms.length) / 3);
          const c = (k - 3 * atoms.length) % 3;
          if (r !== c) y[3 * atoms.length + 3 * c + r] += d;
        }
        filter.setPositions(y);
        return (await filter.evaluate()).objective;
      };
      const fd = -((await objective(h)) - (await objective(-h))) / (2 * h);
      const r = Math.floor((k - 3 * atoms.length) / 3);
      const c = (k - 3 * atoms.length) % 3;
      const analytic = k >= 3 * atoms.length && r !== c ? 2 * ev.forces[k] : ev.forces[k];
      expect(Math.abs(fd - analytic)).toBeLessThan(1e-6 * Math.max(1, Math.abs(analytic)));
    }
  });
});

describe('relaxation reports', () => {
  it('says it did not converge, and by how much, when the steps run out', async () => {
    const atoms = fcc(3.6, 2);
    atoms.cart[0] += 0.3;
    const r = await relax(atoms, new EmtCalculator(), { fmax: 1e-3, maxSteps: 3 });
    expect(r.status).toBe('not-converged');
    expect(r.converged).toBe(false);
    expect(r.steps).toBe(3);
    expect(r.message).toMatch(/did not converge in 3 steps: fmax [0-9.e-]+ eV\/Å \(tolerance 0.001\)/);
  });

  it('stops when cancelled, and reports every step to the caller', async () => {
    const atoms = fcc(3.6, 2);
    atoms.cart[0] += 0.3;
    const signal = { aborted: false };
    const seen: number[] = [];
    const r = await relax(atoms, new EmtCalculator(), {
      fmax: 1e-6,
      onStep: (f) => {
        seen.push(f.step);
        if (f.step === 4) signal.aborted = true;
      },
      signal,
    });
    expect(r.status).toBe('cancelled');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(r.steps).toBe(4);
  });

  it('fails clearly when the calculator returns non-finite numbers', async () => {
    const broken: Calculator = { name: 'broken', calculate: async (a) => ({ energy: NaN, forces: new Float64Array(a.cart.length), stress: null }) };
    const r = await relax(fcc(3.6, 1), broken);
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/non-finite at step 0/);
  });
});
