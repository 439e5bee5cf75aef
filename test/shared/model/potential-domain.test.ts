import { describe, expect, it } from 'vitest';
import { trainingDomain } from '../../../src-shared/model/domain';
import {
  elementPairKey,
  energyAboveReference,
  potentialDomain,
  potentialDomainWarnings,
  potentialWarnings,
  PREDICTED_RANGE_MARGIN,
  readPotentialDomain,
  shortestPairDistances,
  TrajectoryDomainWatch,
  type AtomsGeometry,
} from '../../../src-shared/model/potential-domain';
import type { Mat3 } from '../../../src-shared/chem/structure';

const PBC: [boolean, boolean, boolean] = [true, true, true];

/** One-atom fcc cell (primitive) of lattice constant a: its nearest neighbours are a/√2 away. */
const fcc1 = (z: number, a: number): AtomsGeometry => ({
  numbers: [z],
  pbc: PBC,
  lattice: [
    [0, a / 2, a / 2],
    [a / 2, 0, a / 2],
    [a / 2, a / 2, 0],
  ],
  cart: Float64Array.from([0, 0, 0]),
});

/** A cubic cell of side L with the atoms given (Cartesian). */
const cubic = (L: number, numbers: number[], cart: number[]): AtomsGeometry => ({
  numbers,
  pbc: PBC,
  lattice: [
    [L, 0, 0],
    [0, L, 0],
    [0, 0, L],
  ],
  cart: Float64Array.from(cart),
});

/** The shortest distance between atoms of elements za and zb over images −3..3 (brute force). */
function bruteShortest(s: AtomsGeometry, za: number, zb: number): number {
  const L = s.lattice as Mat3;
  let best = Infinity;
  const n = s.numbers.length;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const pair = (s.numbers[i] === za && s.numbers[j] === zb) || (s.numbers[i] === zb && s.numbers[j] === za);
      if (!pair) continue;
      for (let a = -3; a <= 3; a++)
        for (let b = -3; b <= 3; b++)
          for (let c = -3; c <= 3; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const d = [0, 1, 2].map((k) => s.cart[3 * j + k] + a * L[0][k] + b * L[1][k] + c * L[2][k] - s.cart[3 * i + k]);
            best = Math.min(best, Math.hypot(d[0], d[1], d[2]));
          }
    }
  return best;
}

describe("a potential's training domain: shortest pair distances and energies", () => {
  it('finds the shortest distance of each element pair, periodic images included, as a brute-force search does', () => {
    expect(elementPairKey(78, 29)).toBe('Cu-Pt');
    expect(elementPairKey(29, 29)).toBe('Cu-Cu');
    const cu = shortestPairDistances(fcc1(29, 3.6), 6);
    expect([...cu.keys()]).toEqual(['Cu-Cu']);
    expect(cu.get('Cu-Cu')!.distance).toBeCloseTo(3.6 / Math.SQRT2, 10);
    expect(cu.get('Cu-Cu')!.atoms).toEqual([0, 0]);
    // a rattled two-element cell: every pair as the brute force gives it
    const s = cubic(4.1, [29, 78, 29, 78], [0.1, 0, 0.05, 2.0, 2.1, 0, 2.05, -0.1, 2.0, 0.1, 1.9, 2.2]);
    const found = shortestPairDistances(s, 6);
    expect([...found.keys()].sort()).toEqual(['Cu-Cu', 'Cu-Pt', 'Pt-Pt']);
    expect(found.get('Cu-Cu')!.distance).toBeCloseTo(bruteShortest(s, 29, 29), 10);
    expect(found.get('Cu-Pt')!.distance).toBeCloseTo(bruteShortest(s, 29, 78), 10);
    expect(found.get('Pt-Pt')!.distance).toBeCloseTo(bruteShortest(s, 78, 78), 10);
    // only pairs within the cutoff
    expect(shortestPairDistances(cubic(10, [29, 78], [0, 0, 0, 5, 5, 5]), 6).has('Cu-Pt')).toBe(false);
  });

  it('records the shortest distances over the training structures and the energy range above the reference energies', () => {
    const reference = new Float64Array(80);
    reference[29] = -3.5;
    reference[78] = -5.0;
    const structures = [fcc1(29, 3.6), fcc1(29, 3.4), cubic(4.1, [29, 78], [0, 0, 0, 2.05, 2.05, 0])];
    // energies: 0.1 and 0.5 eV/atom above Cu's reference; the CuPt cell 0.3 eV/atom above its own
    const d = potentialDomain(structures, [-3.4, -3.0, -3.5 - 5.0 + 0.6], reference, 6);
    expect(d.cutoff).toBe(6);
    expect(Object.keys(d.shortestDistances)).toEqual(['Cu-Cu', 'Cu-Pt', 'Pt-Pt']);
    expect(d.shortestDistances['Cu-Cu']).toBeCloseTo(3.4 / Math.SQRT2, 4);
    expect(d.shortestDistances['Cu-Pt']).toBeCloseTo(4.1 / Math.SQRT2, 4);
    expect(d.referenceEnergies).toEqual({ Cu: -3.5, Pt: -5 });
    expect(d.energyAboveReference!.min).toBeCloseTo(0.1, 10);
    expect(d.energyAboveReference!.max).toBeCloseTo(0.5, 10);
    // a structure without an energy counts for the distances only
    expect(potentialDomain([fcc1(29, 3.6)], [null], reference, 6).energyAboveReference).toBeNull();
    expect(energyAboveReference([29, 78], -8.0, d.referenceEnergies)).toBeCloseTo(0.25, 10);
    expect(energyAboveReference([47], -2.0, d.referenceEnergies)).toBeNull();
  });

  it('says nothing inside, and names the pair, the atoms and the distances, or the energy, outside', () => {
    const reference = new Float64Array(80);
    reference[29] = -3.5;
    reference[78] = -5.0;
    const d = potentialDomain([fcc1(29, 3.6), fcc1(78, 3.9)], [-3.4, -4.9], reference, 6);
    expect(potentialDomainWarnings(d, fcc1(29, 3.6), -3.4)).toEqual([]);
    expect(potentialDomainWarnings(d, fcc1(29, 3.6), -3.4004)).toEqual([]);
    expect(potentialDomainWarnings(d, fcc1(29, 3.6), -3.45)).toEqual([expect.stringMatching(/^energy 0.050 eV\/atom above/)]);
    // compressed: Cu–Cu closer than in training, and the energy above its range
    const w = potentialDomainWarnings(d, fcc1(29, 3.2), -2.9);
    expect(w).toHaveLength(2);
    expect(w[0]).toBe(`Cu–Cu at ${(3.2 / Math.SQRT2).toFixed(3)} Å (atoms 0 and 0) is closer than any Cu–Cu pair in the training structures (${(3.6 / Math.SQRT2).toFixed(3)} Å)`);
    expect(w[1]).toBe("energy 0.600 eV/atom above the reference energies lies outside the training structures' range (0.100 to 0.100 eV/atom)");
    // a pair of trained elements that never met within the cutoff in training
    const mixed = cubic(3.9, [29, 78], [0, 0, 0, 1.95, 1.95, 0]);
    expect(potentialDomainWarnings(d, mixed)).toEqual(['Cu–Pt at 2.758 Å (atoms 0 and 1): no Cu–Pt pair came within 6 Å in the training structures']);
    // an element it never trained on is the element check's to report
    expect(potentialDomainWarnings(d, cubic(3.9, [29, 47], [0, 0, 0, 1.95, 1.95, 0]))).toEqual([]);
  });

  it("the energy check's range includes the model's own energies of its training structures (widened by the margin) when recorded; without them the labels' range alone", () => {
    const reference = new Float64Array(80);
    reference[29] = -3.5;
    const structures = [fcc1(29, 3.6), fcc1(29, 3.5)];
    // labels 0.1 and 0.2 eV/atom above the reference; the model predicts 0.08 and 0.21
    const d = potentialDomain(structures, [-3.4, -3.3], reference, 6, [-3.42, -3.29]);
    expect(d.energyAboveReference!.min).toBeCloseTo(0.1, 10);
    expect(d.predictedEnergyAboveReference!.min).toBeCloseTo(0.08 - PREDICTED_RANGE_MARGIN, 10);
    expect(d.predictedEnergyAboveReference!.max).toBeCloseTo(0.21 + PREDICTED_RANGE_MARGIN, 10);
    // the training structures as the model predicts them: not flagged (the labels' range alone flagged the first)
    expect(potentialDomainWarnings(d, structures[0], -3.42)).toEqual([]);
    expect(potentialDomainWarnings(d, structures[1], -3.29)).toEqual([]);
    const { predictedEnergyAboveReference: _, ...before } = d;
    expect(potentialDomainWarnings(before, structures[0], -3.42)).toEqual([expect.stringMatching(/^energy 0.080 eV\/atom above .* \(0.100 to 0.200 eV\/atom\)$/)]);
    // outside the union: the union is the range the sentence gives
    expect(potentialDomainWarnings(d, structures[0], -3.2)).toEqual(["energy 0.300 eV/atom above the reference energies lies outside the training structures' range (0.079 to 0.211 eV/atom)"]);
    // a file's domain is read with the field, or without it (made before), and refused when it is broken
    expect(readPotentialDomain(JSON.parse(JSON.stringify(d)))).toEqual(d);
    expect(readPotentialDomain(JSON.parse(JSON.stringify(before)))).toEqual(before);
    expect(readPotentialDomain({ ...d, predictedEnergyAboveReference: { min: 'x' } })).toBeNull();
  });

  it('adds the domain check of elements (not of size: a potential is local), and says when a file records no potential part', () => {
    const reference = new Float64Array(80);
    reference[29] = -3.5;
    const structures = [fcc1(29, 3.6)];
    const domain = { ...trainingDomain(structures, null), potential: potentialDomain(structures, [-3.4], reference, 6) };
    expect(potentialWarnings(domain, fcc1(29, 3.6), -3.4)).toEqual([]);
    const w = potentialWarnings(domain, cubic(3.6, [29, 47], [0, 0, 0, 1.8, 1.8, 0]), null);
    expect(w).toEqual([expect.stringMatching(/^element Ag not in the training data/)]);
    // a supercell larger than every training structure, of the same environments: inside
    expect(domain.atoms).toEqual({ min: 1, max: 1 });
    const supercell = cubic(3.6, [29, 29, 29, 29], [0, 0, 0, 1.8, 1.8, 0, 1.8, 0, 1.8, 0, 1.8, 1.8]);
    expect(potentialWarnings(domain, supercell, -3.4 * 4)).toEqual([]);
    const older = trainingDomain(structures, null);
    expect(potentialWarnings(older, fcc1(29, 3.6), -3.4)).toEqual([expect.stringMatching(/records no shortest distances or energy range .* not checked/)]);
    // a malformed part (a file is read from disk) is not trusted
    expect(potentialWarnings({ ...older, potential: { cutoff: 'six' } as never }, fcc1(29, 3.6), -3.4)).toEqual([expect.stringMatching(/records no shortest distances/)]);
    expect(potentialWarnings(null, fcc1(29, 3.6), -3.4)).toEqual([expect.stringMatching(/records no training domain/)]);
  });

  it('watches a trajectory: each reason once, at the first frame that shows it', () => {
    const reference = new Float64Array(80);
    reference[29] = -3.5;
    const structures = [fcc1(29, 3.6)];
    const domain = { ...trainingDomain(structures, null), potential: potentialDomain(structures, [-3.4], reference, 6) };
    const watch = new TrajectoryDomainWatch(domain, { numbers: [29], pbc: PBC });
    const frame = (step: number, a: number, energy: number) => ({ step, energy, lattice: fcc1(29, a).lattice, cart: Float64Array.from([0, 0, 0]) });
    watch.see(frame(0, 3.6, -3.4));
    expect(watch.warnings).toEqual([]);
    watch.see(frame(10, 3.5, -3.4));
    watch.see(frame(20, 3.4, -3.0));
    watch.see(frame(30, 3.3, -2.9));
    expect(watch.warnings).toEqual([expect.stringMatching(/^step 10: Cu–Cu at 2\.475 Å .* closer than any Cu–Cu pair/), expect.stringMatching(/^step 20: energy 0\.500 eV\/atom above/)]);
    // a frame that cannot be checked (a run that blew up) is said, and does not stop the watch
    watch.see({ step: 40, energy: -3.4, lattice: fcc1(29, 3.6).lattice, cart: Float64Array.from([NaN, 0, 0]) });
    watch.see({ step: 50, energy: -3.4, lattice: fcc1(29, 3.6).lattice, cart: Float64Array.from([Infinity, 0, 0]) });
    expect(watch.warnings.slice(2)).toEqual(['step 40: the frame could not be checked against the training structures: its positions or cell are not finite']);
  });

  it("watches an equation of state by volume: each reason with every volume that shows it, both sides of the curve", () => {
    const reference = new Float64Array(80);
    reference[29] = -3.5;
    const structures = [fcc1(29, 3.6)];
    const domain = { ...trainingDomain(structures, null), potential: potentialDomain(structures, [-3.4], reference, 6) };
    const watch = new TrajectoryDomainWatch(domain, { numbers: [29], pbc: PBC }, 'volume');
    // the volumes of fcc1(a) are a³/4; energies above the training structure's on both sides
    const frame = (step: number, a: number, energy: number) => ({ step, energy, lattice: fcc1(29, a).lattice, cart: Float64Array.from([0, 0, 0]) });
    const volume = (a: number) => (a ** 3 / 4).toFixed(4);
    expect(watch.see(frame(0, 3.4, -3.0))).toHaveLength(2);
    expect(watch.see(frame(1, 3.5, -3.2))).toEqual([]);
    watch.see(frame(2, 3.6, -3.4));
    watch.see(frame(3, 3.7, -3.2));
    watch.see(frame(4, 3.8, -3.0));
    expect(watch.warnings).toEqual([
      expect.stringMatching(new RegExp(`^volumes ${volume(3.4)}, ${volume(3.5)} Å³: Cu–Cu at 2\\.404 Å .* closer than any Cu–Cu pair`)),
      `volumes ${volume(3.4)}, ${volume(3.5)}, ${volume(3.7)}, ${volume(3.8)} Å³: energy 0.500 eV/atom above the reference energies lies outside the training structures' range (0.100 to 0.100 eV/atom)`,
    ]);
  });
});
