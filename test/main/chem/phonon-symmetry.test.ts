/**
 * Phonons with the space group (src-shared/sim/phonon-symmetry.ts, operations found by moyo at phonopy's
 * tolerance): fewer force calls, the same force constants as displacing every atom along x, y and z —
 * to rounding where the operations map the axes onto axes (cubic), to δ²'s anharmonic terms where they
 * do not (hexagonal).
 */
import { describe, expect, it } from 'vitest';
import { symmetryOperations } from '../../../src-main/chem/spacegroup';
import { fracToCart } from '../../../src-shared/chem/lattice';
import type { Mat3, Structure } from '../../../src-shared/chem';
import { elementSymbol } from '../../../src-shared/chem';
import { Atoms, EmtCalculator } from '../../../src-shared/sim';
import { defaultBandPath, forceConstants, frequenciesAt, PHONON_DEFAULTS, samplePath } from '../../../src-shared/sim/phonons';
import { CUBIC, FCC_SITES } from '../../shared/chem/helpers';

const emt = new EmtCalculator();

function crystal(lattice: Mat3, numbers: number[], frac: number[]): Structure {
  const f = Float64Array.from(frac);
  return {
    name: 'crystal',
    lattice,
    pbc: [true, true, true],
    numbers: Int32Array.from(numbers),
    species: numbers.map(elementSymbol),
    frac: f,
    cart: fracToCart(f, lattice),
    occupancy: new Float64Array(numbers.length).fill(1),
    siteProperties: {},
    properties: {},
  };
}

const cubic = CUBIC;
const FCC = FCC_SITES;

async function both(s: Structure, supercell: [number, number, number]) {
  const atoms = Atoms.fromStructure(s);
  const symmetry = await symmetryOperations(s, PHONON_DEFAULTS.symprec);
  const reduced = (await forceConstants(atoms, emt, { supercell, symmetry }))!;
  const every = (await forceConstants(atoms, emt, { supercell }))!;
  const largest = Math.max(...every.values.map((x, k) => Math.abs(x - reduced.values[k])));
  return { reduced, every, largest };
}

describe('phonons with the space group', () => {
  it('a conventional fcc cell: one atom displaced along x, the others by symmetry, the constants of all four to rounding', async () => {
    const { reduced, every, largest } = await both(crystal(cubic, [29, 29, 29, 29], FCC), [2, 2, 2]);
    expect([reduced.forceCalls, every.forceCalls]).toEqual([2 + 2, 24 + 2]);
    expect(reduced.symmetry).toEqual({ operations: 192, displaced: 1 });
    expect(every.symmetry).toEqual({ operations: 1, displaced: 4 });
    expect(largest).toBeLessThan(1e-9);
    expect(reduced.linearity).toEqual(every.linearity);
  });

  it('a supercell that keeps only some of the operations (2×2×1 of a cubic cell), and an ordered alloy (L1₂ Cu₃Au): two orbits', async () => {
    const flat = await both(crystal(cubic, [29, 29, 29, 29], FCC), [2, 2, 1]);
    expect(flat.reduced.symmetry.operations).toBe(64);
    expect(flat.largest).toBeLessThan(1e-9);
    const alloy = await both(crystal(cubic, [79, 29, 29, 29], FCC), [2, 2, 2]);
    // Au at the corner (cubic site: x alone), the three Cu on the faces (4/mmm: x and one more axis)
    expect(alloy.reduced.symmetry).toEqual({ operations: 48, displaced: 2 });
    expect(alloy.reduced.forceCalls).toBe(2 * (1 + 2) + 2);
    expect(alloy.largest).toBeLessThan(1e-9);
  });

  it('hcp: the second atom by a 6₃ screw and the first along x and z only; the constants to δ²’s terms, the frequencies to 1e-3 THz', async () => {
    const a = 2.55;
    const c = a * Math.sqrt(8 / 3);
    const hexagonal: Mat3 = [
      [a, 0, 0],
      [-a / 2, (a * Math.sqrt(3)) / 2, 0],
      [0, 0, c],
    ];
    const s = crystal(hexagonal, [29, 29], [1 / 3, 2 / 3, 0.25, 2 / 3, 1 / 3, 0.75]);
    const { reduced, every, largest } = await both(s, [3, 3, 2]);
    expect([reduced.forceCalls, every.forceCalls]).toEqual([2 * 2 + 2, 12 + 2]);
    expect(reduced.symmetry.displaced).toBe(1);
    expect(largest).toBeLessThan(2e-3);
    expect(largest).toBeGreaterThan(0);
    const path = samplePath(hexagonal, defaultBandPath(hexagonal), 11);
    let worst = 0;
    for (const q of path.qpoints) {
      const x = frequenciesAt(reduced, q);
      const y = frequenciesAt(every, q);
      worst = Math.max(worst, ...x.map((f, k) => Math.abs(f - y[k])));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('a structure without symmetry at phonopy’s tolerance displaces every atom, as before', async () => {
    const s = crystal(cubic, [29, 29, 29, 29], [0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0.001]);
    const { reduced, largest } = await both(s, [1, 1, 2]);
    expect(reduced.symmetry.displaced).toBeGreaterThan(1);
    expect(largest).toBeLessThan(1e-9);
  });
});
