/**
 * Atoms held along some axes only (ASE's FixScaled along lattice vectors, FixCartesian along x, y,
 * z), beside fixed atoms, in a sheared cell where the two differ: relaxations take ASE 3.22's steps
 * one for one, velocity Verlet follows ASE's trajectory, and a cell relaxation ends where ASE's does.
 * Golden numbers: scripts/sim/ase_golden.py (`axes`).
 */
import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { cartToFrac } from '../../../src-shared/chem/lattice';
import { Rng } from '../../../src-shared/model/rng';
import { Atoms, checkSimulationInput, EmtCalculator, Langevin, maxwellBoltzmann, NoseHooverChain, SIMULATION_DEFAULTS, SimulationInputError, VelocityVerlet, relax, type AxisConstraint } from '../../../src-shared/sim';
import { golden, maxAbsDiff, type GoldenAxes } from './helpers';

function start(g: GoldenAxes, velocities?: number[][]): Atoms {
  const fixed = new Uint8Array(g.numbers.length);
  for (const i of g.fixed) fixed[i] = 1;
  const axisConstraints: AxisConstraint[] = g.held.map((h) => ({ ...h, frame: g.frame }));
  return new Atoms({
    numbers: Int32Array.from(g.numbers),
    cart: Float64Array.from(g.positions.flat()),
    lattice: g.cell as Mat3,
    pbc: g.pbc,
    fixed,
    axisConstraints,
    velocities: velocities ? Float64Array.from(velocities.flat()) : undefined,
  });
}

/** The coordinates an atom keeps along its held axes: fractional (lattice) or Cartesian. */
function heldCoordinates(atoms: Atoms, g: GoldenAxes): number[] {
  const coords = g.frame === 'lattice' ? cartToFrac(atoms.cart, atoms.lattice!) : atoms.cart;
  return g.held.flatMap((h) => [0, 1, 2].filter((k) => h.held[k]).map((k) => coords[3 * h.atom + k]));
}

describe('atoms held along some axes, as ASE 3.22 holds them', () => {
  for (const g of golden.axes) {
    for (const optimizer of ['fire', 'lbfgs'] as const) {
      it(`${optimizer}, held along ${g.frame === 'lattice' ? 'lattice vectors (FixScaled)' : 'x, y, z (FixCartesian)'}: ASE's steps, energy and positions`, async () => {
        const atoms = start(g);
        const before = heldCoordinates(atoms, g);
        const fixedBefore = g.fixed.map((i) => Array.from(atoms.cart.subarray(3 * i, 3 * i + 3)));
        const r = await relax(atoms, new EmtCalculator(), { optimizer, fmax: g[optimizer].fmax, maxSteps: 2000 });
        expect(r.status).toBe('converged');
        expect(r.steps).toBe(g[optimizer].steps);
        expect(Math.abs(r.energy - g[optimizer].energy)).toBeLessThan(1e-8);
        expect(maxAbsDiff(atoms.cart, Float64Array.from(g[optimizer].positions.flat()))).toBeLessThan(1e-6);
        // the held coordinates did not move at all, nor did the fixed atoms
        expect(maxAbsDiff(Float64Array.from(heldCoordinates(atoms, g)), Float64Array.from(before))).toBeLessThan(1e-12);
        g.fixed.forEach((i, k) => expect(Array.from(atoms.cart.subarray(3 * i, 3 * i + 3))).toEqual(fixedBefore[k]));
        // and the atoms held along some axes moved along the others
        for (const h of g.held) expect(maxAbsDiff(atoms.cart.subarray(3 * h.atom, 3 * h.atom + 3), Float64Array.from(g.positions[h.atom]))).toBeGreaterThan(1e-3);
      });
    }

    it(`velocity Verlet, held along ${g.frame} axes: ASE's energies, positions and velocities, and its degrees of freedom`, async () => {
      const atoms = start(g, g.md.velocities);
      const md = new VelocityVerlet(atoms, new EmtCalculator(), g.md.timestep);
      const before = heldCoordinates(atoms, g);
      const total: number[] = [(await md.observe()).total];
      for (let s = 0; s < g.md.steps; s++) {
        await md.step();
        total.push((await md.observe()).total);
      }
      expect(maxAbsDiff(Float64Array.from(total), Float64Array.from(g.md.total))).toBeLessThan(1e-9);
      expect(maxAbsDiff(atoms.cart, Float64Array.from(g.md.positions.flat()))).toBeLessThan(1e-9);
      expect(maxAbsDiff(atoms.velocities, Float64Array.from(g.md.finalVelocities.flat()))).toBeLessThan(1e-11);
      expect(atoms.temperature()).toBeCloseTo(g.md.temperature, 6);
      expect(maxAbsDiff(Float64Array.from(heldCoordinates(atoms, g)), Float64Array.from(before))).toBeLessThan(1e-12);
    });

    if (!g.cellRelax) {
      it('cell relaxation, held along x, y, z: refused (the cell carries them along, so where they end depends on the path)', async () => {
        const atoms = start(g);
        await expect(relax(atoms, new EmtCalculator(), { cell: true })).rejects.toThrow(/a cell relaxation cannot hold atoms along x, y or z/);
        const params = { ...SIMULATION_DEFAULTS.relax, cell: true, fixed: g.fixed, axisConstraints: g.held.map((h) => ({ ...h, frame: g.frame })) };
        const structure = atoms.toStructure('sheared Cu');
        expect(() => checkSimulationInput(structure, { kind: 'emt' }, params)).toThrow(SimulationInputError);
        expect(() => checkSimulationInput(structure, { kind: 'emt' }, { ...params, cell: false })).not.toThrow();
      });
      continue;
    }
    const cellRelax = g.cellRelax;
    it(`cell relaxation, held along lattice vectors: ends where ASE's ExpCellFilter ends`, async () => {
      const atoms = start(g);
      const r = await relax(atoms, new EmtCalculator(), { cell: true, fmax: 1e-5, smax: 1e-8, maxSteps: 3000 });
      expect(r.status).toBe('converged');
      expect(Math.abs(r.energy - cellRelax.energy) / g.numbers.length).toBeLessThan(1e-8);
      expect(Math.abs(atoms.volume()! - cellRelax.volume) / cellRelax.volume).toBeLessThan(1e-5);
      // fixed atoms keep their fractional coordinates as the cell changes, as in ASE
      const frac0 = cartToFrac(Float64Array.from(g.positions.flat()), g.cell as Mat3);
      const frac = cartToFrac(atoms.cart, atoms.lattice!);
      for (const i of g.fixed) expect(maxAbsDiff(frac.subarray(3 * i, 3 * i + 3), frac0.subarray(3 * i, 3 * i + 3))).toBeLessThan(1e-12);
    });
  }
});

describe('thermostats keep what is held', () => {
  for (const g of golden.axes) {
    it(`Langevin and Nosé–Hoover, held along ${g.frame} axes: the held coordinates never move, the others do`, async () => {
      for (const make of [
        (a: Atoms) => new Langevin(a, new EmtCalculator(), 2, { temperature: 600, friction: 0.02, rng: new Rng(5) }),
        (a: Atoms) => new NoseHooverChain(a, new EmtCalculator(), 2, { temperature: 600, tau: 50 }),
      ]) {
        const atoms = start(g);
        maxwellBoltzmann(atoms, 600, new Rng(4));
        // velocities start projected: along held Cartesian axes they are zero
        if (g.frame === 'cartesian') for (const h of g.held) for (let k = 0; k < 3; k++) if (h.held[k]) expect(atoms.velocities[3 * h.atom + k]).toBe(0);
        const before = heldCoordinates(atoms, g);
        const startCart = Float64Array.from(atoms.cart);
        const md = make(atoms);
        for (let s = 0; s < 40; s++) await md.step();
        expect(maxAbsDiff(Float64Array.from(heldCoordinates(atoms, g)), Float64Array.from(before))).toBeLessThan(1e-12);
        for (const i of g.fixed) expect(maxAbsDiff(atoms.cart.subarray(3 * i, 3 * i + 3), startCart.subarray(3 * i, 3 * i + 3))).toBe(0);
        for (const h of g.held) expect(maxAbsDiff(atoms.cart.subarray(3 * h.atom, 3 * h.atom + 3), startCart.subarray(3 * h.atom, 3 * h.atom + 3))).toBeGreaterThan(1e-3);
        // and a step ends with the velocities projected (none along a held Cartesian axis), so the temperature counts what moves
        if (g.frame === 'cartesian') for (const h of g.held) for (let k = 0; k < 3; k++) if (h.held[k]) expect(atoms.velocities[3 * h.atom + k]).toBe(0);
      }
    });
  }
});

describe('what a simulation is told to hold', () => {
  const base = { numbers: Int32Array.of(29, 29), cart: Float64Array.of(0, 0, 0, 1.8, 1.8, 0), lattice: [[3.6, 0, 0], [0, 3.6, 0], [0, 0, 3.6]] as Mat3, pbc: [true, true, true] };
  it('names what it cannot hold', () => {
    expect(() => new Atoms({ ...base, axisConstraints: [{ atom: 2, held: [true, false, false], frame: 'cartesian' }] })).toThrow(/atom 2, held along some axes, is not an atom of this 2-atom structure/);
    expect(() => new Atoms({ ...base, axisConstraints: [{ atom: 0, held: [true, true, true], frame: 'cartesian' }] })).toThrow(/all three axes: list it among the fixed atoms/);
    expect(() => new Atoms({ ...base, lattice: null, pbc: [false, false, false], axisConstraints: [{ atom: 0, held: [true, false, false], frame: 'lattice' }] })).toThrow(/no lattice/);
    expect(
      () =>
        new Atoms({
          ...base,
          axisConstraints: [
            { atom: 0, held: [true, false, false], frame: 'lattice' },
            { atom: 1, held: [true, false, false], frame: 'cartesian' },
          ],
        }),
    ).toThrow(/lattice vectors and along Cartesian axes at once/);
  });

  it('counts the held axes out of the degrees of freedom, and keeps the total momentum only when nothing is held', () => {
    expect(new Atoms(base).degreesOfFreedom()).toBe(3);
    const held = new Atoms({ ...base, axisConstraints: [{ atom: 1, held: [false, false, true], frame: 'cartesian' }], velocities: Float64Array.of(0.01, 0, 0.02, 0, 0.01, 0.03) });
    expect(held.degreesOfFreedom()).toBe(5);
    expect(held.constrained).toBe(true);
    // velocities along a held axis are removed as the atoms are made
    expect(Array.from(held.velocities)).toEqual([0.01, 0, 0.02, 0, 0.01, 0]);
  });
});
