/**
 * The radial distribution function against ASE's `get_rdf` (Debian's python3-ase, run here): the same
 * numbers for random alloys in triclinic and slab cells; a cell too small for ASE equals ASE's RDF of
 * its supercell; partial RDFs are ASE's rescaled to the textbook normalisation.
 */
import { describe, expect, it } from 'vitest';
import { python } from '../../helpers/python';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { radialDistribution, type FrameGeometry } from '../../../src-shared/sim/rdf';
import { maxAbsDiff } from './helpers';

interface AseCase {
  numbers: number[];
  positions: number[][];
  cell: Mat3;
  pbc: [boolean, boolean, boolean];
  g: number[];
  r: number[];
  partial: number[];
  supercell?: number[];
}

const SCRIPT = `
import json, sys
import numpy as np
from ase import Atoms
from ase.ga.utilities import get_rdf
rng = np.random.default_rng(7)
cases = []
for k in range(6):
    n = int(rng.integers(24, 40))
    cell = np.diag(rng.uniform(12.5, 14.0, 3)) + rng.uniform(-1.5, 1.5, (3, 3)) * (k % 2)
    pbc = [True, True, k < 4]
    numbers = rng.choice([13, 29, 78], size=n)
    numbers[:2] = [29, 78]
    a = Atoms(numbers=numbers, scaled_positions=rng.uniform(0, 1, (n, 3)), cell=cell, pbc=pbc)
    g, r = get_rdf(a, 6.0, 60)
    partial = get_rdf(a, 6.0, 60, elements=[29, 78], no_dists=True)
    cases.append(dict(numbers=a.numbers.tolist(), positions=a.positions.tolist(), cell=a.cell.tolist(), pbc=pbc, g=g.tolist(), r=r.tolist(), partial=partial.tolist()))
# a 4-atom fcc Cu cell: too small for ASE, whose RDF of the 4x4x4 supercell stands for it
from ase.build import bulk
# (a = 3.61: an atom's own images at exactly a bin edge, 3.6 Å, would fall either side of it by rounding)
cu = bulk('Cu', 'fcc', a=3.61, cubic=True)
cu.rattle(0.05, seed=3)
big = cu.repeat((4, 4, 4))
g, r = get_rdf(big, 6.0, 60)
cases.append(dict(numbers=cu.numbers.tolist(), positions=cu.positions.tolist(), cell=cu.cell.tolist(), pbc=[True, True, True], g=g.tolist(), r=r.tolist(), partial=[], supercell=[4, 4, 4]))
print(json.dumps(cases))
`;

function aseCases(): AseCase[] {
  return JSON.parse(python(['-c', SCRIPT])) as AseCase[];
}

const frameOf = (c: AseCase): FrameGeometry => ({ numbers: Int32Array.from(c.numbers), cart: Float64Array.from(c.positions.flat()), lattice: c.cell, pbc: c.pbc });

describe('radial distribution function', () => {
  const cases = aseCases();

  it("equals ASE's get_rdf, total and (rescaled) partial, in triclinic and slab cells", () => {
    for (const c of cases.filter((x) => !x.supercell)) {
      const ours = radialDistribution([frameOf(c)], { rmax: 6, bins: 60 });
      expect(maxAbsDiff(ours.r, c.r)).toBeLessThan(1e-12);
      expect(maxAbsDiff(ours.g, c.g)).toBeLessThan(1e-9);
      expect(Math.max(...ours.g)).toBeGreaterThan(0.5); // random atoms: a flat g that is not all zeros
      // ASE's partial divides by all the atoms; the textbook g_AB by the B atoms (Pt here)
      const partial = radialDistribution([frameOf(c)], { rmax: 6, bins: 60, pair: [29, 78] });
      expect(partial.pair).toBe('Cu-Pt');
      const scale = c.numbers.length / c.numbers.filter((z) => z === 78).length;
      expect(maxAbsDiff(partial.g, c.partial.map((x) => x * scale))).toBeLessThan(1e-9);
    }
  });

  it("counts every periodic image, so a cell smaller than 2·rmax has the RDF ASE gives its supercell", () => {
    const c = cases.find((x) => x.supercell)!;
    const ours = radialDistribution([frameOf(c)], { rmax: 6, bins: 60 });
    expect(maxAbsDiff(ours.g, c.g)).toBeLessThan(1e-9);
    // the first shell of fcc Cu (2.55 Å) is the highest peak
    expect(ours.r[ours.g.indexOf(Math.max(...ours.g))]).toBeCloseTo(2.55, 1);
  });

  it('averages over frames, each with its own volume, and says what it cannot do', () => {
    const [a, b] = cases;
    const mean = radialDistribution([frameOf(a), frameOf(b)], { rmax: 6, bins: 60 });
    const ga = radialDistribution([frameOf(a)], { rmax: 6, bins: 60 }).g;
    const gb = radialDistribution([frameOf(b)], { rmax: 6, bins: 60 }).g;
    expect(mean.frames).toBe(2);
    expect(maxAbsDiff(mean.g, ga.map((x, k) => (x + gb[k]) / 2))).toBeLessThan(1e-12);
    const molecule = { ...frameOf(a), lattice: null, pbc: [false, false, false] as [boolean, boolean, boolean] };
    expect(() => radialDistribution([frameOf(a), molecule], { rmax: 6, bins: 60 })).toThrow(/an RDF needs a cell: the structure \(frame 1\) is a molecule/);
    expect(() => radialDistribution([frameOf(a)], { rmax: 6, bins: 60, pair: [29, 47] })).toThrow(/the partial RDF Cu-Ag needs Ag atoms: the structure has none/);
    expect(() => radialDistribution([frameOf(a)], { rmax: -1, bins: 60 })).toThrow(/positive number of Å/);
    expect(() => radialDistribution([frameOf(a)], { rmax: 6, bins: 2.5 })).toThrow(/whole number of bins/);
  });
});
