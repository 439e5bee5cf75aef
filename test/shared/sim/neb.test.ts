/**
 * The nudged elastic band against ASE 3.22's NEB(method='improvedtangent') on a vacancy hop in fcc Cu
 * with EMT (test/fixtures/sim/neb.json, scripts/sim/neb_fixture.py): the same band, step for step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { Atoms, EmtCalculator } from '../../../src-shared/sim';
import { minimumImage } from '../../../src-shared/chem/lattice';
import { readStructures } from '../../../src-shared/chem';
import { supercell, vacancyHop } from '../../../src-shared/chem/build';
import { bandFit, nudgedElasticBand } from '../../../src-shared/sim/neb';
import { fcc, maxAbsDiff, rattle } from './helpers';

interface Case {
  images: number;
  climb: boolean;
  optimizer: 'fire' | 'lbfgs';
  held: number[];
  end: number[];
  steps: number;
  energies: number[];
  inner: number[][];
  fit: { barrier: number; path: number[]; energies: number[] };
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/sim/neb.json', import.meta.url), 'utf8')) as {
  numbers: number[];
  cell: Mat3;
  hopper: number;
  start: number[];
  end: number[];
  cases: Record<'climb' | 'springs', Case>;
  resumed: { after: number; given: number[][]; steps: number; energies: number[]; inner: number[][] };
  unrelaxed: { hopper: number; start: number[]; end: number[]; endSteps: [number, number]; steps: number; energies: number[] };
  rotation: { numbers: number[]; hydrogens: number[]; start: number[]; end: number[]; images: number; idpp: number[][] };
};

const startAtoms = (held: number[] = []) => {
  const a = new Atoms({ numbers: Int32Array.from(fixture.numbers), cart: Float64Array.from(fixture.start), lattice: fixture.cell, pbc: [true, true, true] });
  if (!held.length) return a;
  const fixed = new Uint8Array(a.length);
  for (const i of held) fixed[i] = 1;
  return new Atoms({ ...a, fixed });
};

describe('nudged elastic band', () => {
  for (const name of ['climb', 'springs'] as const) {
    const c = fixture.cases[name];
    it(`${name}: ${c.images} images, ${c.climb ? 'climbing image' : 'springs only'}, ${c.optimizer}${c.held.length ? ', held atoms' : ''}: ASE's band, step for step`, async () => {
      const steps: number[] = [];
      const r = await nudgedElasticBand(startAtoms(c.held), Float64Array.from(c.end), new EmtCalculator(), {
        images: c.images,
        climb: c.climb,
        optimizer: c.optimizer,
        spring: 0.1,
        fmax: 0.05,
        onStep: (s) => void steps.push(s.step),
      });
      expect(r.status).toBe('converged');
      expect(r.fmax).toBeLessThanOrEqual(0.05);
      expect(r.step).toBe(c.steps);
      expect(steps).toEqual(Array.from({ length: c.steps + 1 }, (_, k) => k));
      expect(r.energies).toHaveLength(c.images + 2);
      expect(maxAbsDiff(Float64Array.from(r.energies), Float64Array.from(c.energies))).toBeLessThan(1e-6);
      for (let k = 1; k <= c.images; k++) expect(maxAbsDiff(r.positions[k], Float64Array.from(c.inner[k - 1]))).toBeLessThan(1e-5);
      const highest = c.energies.indexOf(Math.max(...c.energies.slice(1, -1)));
      expect(r.highest).toBe(highest);
      // held atoms never moved
      for (const i of c.held) for (const p of r.positions) expect(maxAbsDiff(p.subarray(3 * i, 3 * i + 3), Float64Array.from(fixture.start.slice(3 * i, 3 * i + 3)))).toBe(0);
      // the path's length: the hop of one atom (about a/√2 = 2.55 Å) and the small moves of its neighbours
      expect(r.distances[0]).toBe(0);
      expect(r.distances.at(-1)!).toBeGreaterThan(2.4);
      expect(r.distances.at(-1)!).toBeLessThan(3.2);
      expect(r.endForces[0]).toBeLessThan(0.01);
      // NEBTools' curve through the band and its fitted barrier
      const fit = bandFit(r.energies, r.forces, r.positions, r.distances);
      expect(fit.distances).toHaveLength(c.fit.path.length);
      expect(maxAbsDiff(Float64Array.from(fit.distances), Float64Array.from(c.fit.path))).toBeLessThan(1e-5);
      expect(maxAbsDiff(Float64Array.from(fit.energies), Float64Array.from(c.fit.energies))).toBeLessThan(1e-5);
      expect(Math.abs(fit.barrier - c.fit.barrier)).toBeLessThan(1e-5);
    });
  }

  it('the climbing image sits at the saddle: the force along the path vanishes there, and the barrier is above every image of the band without it', async () => {
    const c = fixture.cases.climb;
    const r = await nudgedElasticBand(startAtoms(), Float64Array.from(fixture.end), new EmtCalculator(), { images: 3, climb: true, fmax: 0.01, maxSteps: 1000 });
    expect(r.status).toBe('converged');
    const k = r.highest;
    const tangent = r.positions[k + 1].map((x, j) => x - r.positions[k - 1][j]);
    const along = r.forces[k].reduce((s, f, j) => s + f * tangent[j], 0) / Math.hypot(...tangent);
    expect(Math.abs(along)).toBeLessThan(0.02);
    // an even number of images has none at the saddle of this symmetric hop
    const plain = await nudgedElasticBand(startAtoms(), Float64Array.from(fixture.end), new EmtCalculator(), { images: 4, climb: false, fmax: 0.01, maxSteps: 1000 });
    expect(Math.max(...plain.energies)).toBeLessThan(Math.max(...r.energies));
    expect(Math.abs(Math.max(...r.energies) - Math.max(...c.energies))).toBeLessThan(0.01);
  });

  it('starts each atom on its shortest way: the hopping atom crosses the boundary instead of the cell', async () => {
    const r = await nudgedElasticBand(startAtoms(), Float64Array.from(fixture.end), new EmtCalculator(), { images: 3, maxSteps: 0 });
    const h = fixture.hopper;
    const first = r.positions[1].subarray(3 * h, 3 * h + 3);
    const from = fixture.start.slice(3 * h, 3 * h + 3);
    // a quarter of the way along the short hop: 0.64 Å from the start, not a quarter of the cell across
    expect(Math.hypot(first[0] - from[0], first[1] - from[1], first[2] - from[2])).toBeCloseTo(Math.hypot(...minimumImage(Float64Array.from(fixture.end.slice(3 * h, 3 * h + 3).map((x, k) => x - from[k])), fixture.cell, [true, true, true])) / 4, 9);
    expect(r.status).toBe('not-converged');
    expect(r.message).toMatch(/^did not converge in 0 steps: fmax /);
  });

  it("IDPP's starting path: ASE's, on ethane turning a methyl group by 120° (the straight line shrinks its C–H bonds to 0.65 Å)", async () => {
    const r = fixture.rotation;
    const ethane = new Atoms({ numbers: Int32Array.from(r.numbers), cart: Float64Array.from(r.start), lattice: null, pbc: [false, false, false] });
    // no step of the band itself: the images as the IDPP left them
    const band = await nudgedElasticBand(ethane, Float64Array.from(r.end), new EmtCalculator(), { images: r.images, path: 'idpp', maxSteps: 0 });
    expect([band.status, band.path]).toEqual(['not-converged', 'idpp']);
    for (let k = 1; k <= r.images; k++) expect(maxAbsDiff(band.positions[k], Float64Array.from(r.idpp[k - 1]))).toBeLessThan(1e-8);
    // the C–H bonds of the turning group stay near their length, as they do not on the straight line
    const bond = (cart: Float64Array, h: number) => Math.hypot(...[0, 1, 2].map((c) => cart[3 * h + c] - cart[3 + c]));
    const line = await nudgedElasticBand(ethane, Float64Array.from(r.end), new EmtCalculator(), { images: r.images, maxSteps: 0 });
    expect(Math.min(...r.hydrogens.map((h) => bond(band.positions[3], h)))).toBeGreaterThan(1.0);
    expect(Math.max(...r.hydrogens.map((h) => bond(line.positions[3], h)))).toBeLessThan(0.7);
  });

  it("a starting path IDPP flies apart is not taken: two neighbours trading places pass close on the line, and the images start on it, as the message says", async () => {
    const cell = fcc(3.6, 2);
    rattle(cell, 0.05, 31);
    const numbers = Int32Array.from(cell.numbers, (z, i) => (i === 0 ? 79 : z));
    const start = new Atoms({ numbers, cart: cell.cart, lattice: cell.lattice, pbc: [true, true, true] });
    // atom 1 is a nearest neighbour of atom 0 in this cell (½a along x and y)
    const end = Float64Array.from(start.cart);
    end.set(start.cart.subarray(3, 6), 0);
    end.set(start.cart.subarray(0, 3), 3);
    const idpp = await nudgedElasticBand(start, end, new EmtCalculator(), { images: 4, path: 'idpp', maxSteps: 0 });
    const line = await nudgedElasticBand(start, end, new EmtCalculator(), { images: 4, maxSteps: 0 });
    expect([idpp.path, line.path]).toEqual(['linear', 'linear']);
    expect(idpp.message).toMatch(/; the starting path \(IDPP\) (moved atom \d+ of image \d \d+\.\d\d Å off the straight line, farther than any atom travels between the ends \(2\.\d\d Å\)|did not converge in 100 steps .*), so the images started on the straight line$/);
    for (let k = 0; k < 6; k++) expect(maxAbsDiff(idpp.positions[k], line.positions[k])).toBe(0);
  });

  it("goes on from given images: the straight line's images give ASE's band step for step, wrapped into the cell too; ASE's band stopped short and written wrapped goes on as ASE's does", async () => {
    const c = fixture.cases.climb;
    const line = await nudgedElasticBand(startAtoms(), Float64Array.from(c.end), new EmtCalculator(), { images: c.images, maxSteps: 0 });
    // the hopping atom wrapped back into the cell in every image, and the end given as the file has it
    const [a, b, cc] = fixture.cell;
    const wrapped = line.positions.slice(1, -1).map((p) => {
      const q = Float64Array.from(p);
      for (let j = 0; j < 3; j++) q[3 * fixture.hopper + j] += a[j] - b[j] + 2 * cc[j];
      return q;
    });
    for (const given of [line.positions.slice(1, -1), wrapped]) {
      const r = await nudgedElasticBand(startAtoms(), Float64Array.from(c.end), new EmtCalculator(), { path: 'given', startImages: given, climb: true, fmax: 0.05 });
      expect([r.status, r.step, r.path]).toEqual(['converged', c.steps, 'given']);
      expect(maxAbsDiff(Float64Array.from(r.energies), Float64Array.from(c.energies))).toBeLessThan(1e-6);
      for (let k = 1; k <= c.images; k++) expect(maxAbsDiff(r.positions[k], Float64Array.from(c.inner[k - 1]))).toBeLessThan(1e-5);
    }
    // ASE's band stopped after 6 steps, its images wrapped into the cell as a file holds them, and a new FIRE
    // on them: ASE's steps, energies, and positions (up to lattice vectors: ASE keeps the wrapped atoms there)
    const resumed = fixture.resumed;
    const on = await nudgedElasticBand(startAtoms(), Float64Array.from(c.end), new EmtCalculator(), { path: 'given', startImages: resumed.given.map((p) => Float64Array.from(p)) });
    expect([on.status, on.step]).toEqual(['converged', resumed.steps]);
    expect(maxAbsDiff(Float64Array.from(on.energies), Float64Array.from(resumed.energies))).toBeLessThan(1e-6);
    for (let k = 1; k <= c.images; k++) {
      const apart = minimumImage(on.positions[k].map((x, j) => x - resumed.inner[k - 1][j]), fixture.cell, [true, true, true]);
      expect(maxAbsDiff(apart, new Float64Array(apart.length))).toBeLessThan(1e-5);
    }
    // the hopping atom went across the boundary from the start, not across the cell
    const h = fixture.hopper;
    expect(Math.hypot(...[0, 1, 2].map((j) => on.positions[2][3 * h + j] - fixture.start[3 * h + j]))).toBeLessThan(2);
    // what cannot start a band
    const calc = new EmtCalculator();
    await expect(nudgedElasticBand(startAtoms(), Float64Array.from(c.end), calc, { path: 'given', startImages: [] })).rejects.toThrow(/^a band from given images needs at least one image between the ends$/);
    await expect(nudgedElasticBand(startAtoms(), Float64Array.from(c.end), calc, { path: 'given', startImages: [line.positions[1].subarray(3)] })).rejects.toThrow(/^image 1 of the band has 30 atoms, the start 31/);
    // the springs case holds atoms at the same place at both ends
    const springs = fixture.cases.springs;
    const held = springs.held[0];
    const moved = springs.inner.map((p) => Float64Array.from(p));
    moved[1][3 * held] += 0.2;
    await expect(nudgedElasticBand(startAtoms(springs.held), Float64Array.from(springs.end), calc, { path: 'given', startImages: moved })).rejects.toThrow(new RegExp(`^atom ${held} is held, but image 2 has it 0\\.2000 Å from the start$`));
  });

  it("relaxes the ends first: a vacancy hop built on the perfect lattice (chem/build.ts) gives ASE's ends, their relaxations and the band, step for step", async () => {
    const u = fixture.unrelaxed;
    // ASE's bulk('Cu', 'fcc', a=3.6, cubic=True) * (2, 2, 2), site 0 removed, site hopper + 1 hopping into it
    const cu = readStructures('Cu.vasp', 'Cu\n3.6\n1 0 0\n0 1 0\n0 0 1\nCu\n4\nCartesian\n0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n').structures[0];
    const hop = vacancyHop(supercell(cu, [2, 2, 2]), 0, u.hopper + 1);
    expect(maxAbsDiff(hop.start.cart, Float64Array.from(u.start))).toBeLessThan(1e-12);
    expect(maxAbsDiff(hop.end.cart, Float64Array.from(u.end))).toBeLessThan(1e-12);
    const endSteps: string[] = [];
    const r = await nudgedElasticBand(Atoms.fromStructure(hop.start), hop.end.cart, new EmtCalculator(), { images: 3, onEndStep: (end, step) => void endSteps.push(`${end} ${step}`) });
    expect([r.status, r.step, r.relaxedEnds]).toEqual(['converged', u.steps, { steps: u.endSteps, converged: [true, true] }]);
    // each step of the ends' relaxations told (step 0 is each end as given)
    expect(endSteps).toEqual((['start', 'end'] as const).flatMap((end, k) => Array.from({ length: u.endSteps[k] + 1 }, (_, step) => `${end} ${step}`)));
    expect(maxAbsDiff(Float64Array.from(r.energies), Float64Array.from(u.energies))).toBeLessThan(1e-6);
    expect(r.message).toMatch(new RegExp(`; the ends relaxed first \\(${u.endSteps[0]} and ${u.endSteps[1]} steps\\)$`));
    expect(Math.max(...r.endForces)).toBeLessThanOrEqual(0.05);
    // taken as given: the ends' forces are those of the perfect lattice with a vacancy
    const given = await nudgedElasticBand(Atoms.fromStructure(hop.start), hop.end.cart, new EmtCalculator(), { images: 3, relaxEnds: false, maxSteps: 0 });
    expect(given.relaxedEnds).toBeNull();
    expect(given.endForces[0]).toBeGreaterThan(0.05);
  });

  it('minimum image: the shortest of the equivalent vectors, also in a skewed cell, and none without periodicity', () => {
    const skew: Mat3 = [
      [4, 0, 0],
      [3.9, 1, 0],
      [0, 0, 5],
    ];
    const d = Float64Array.of(0.2, 0.9, 0, 4.1, 0, 0);
    const m = minimumImage(d, skew, [true, true, true]);
    // (0.2, 0.9) − b + a = (0.3, −0.1): shorter than what rounding the fractions alone finds
    expect(maxAbsDiff(m.subarray(0, 3), Float64Array.of(0.3, -0.1, 0))).toBeLessThan(1e-12);
    expect(maxAbsDiff(m.subarray(3), Float64Array.of(0.1, 0, 0))).toBeLessThan(1e-12);
    expect(maxAbsDiff(minimumImage(d, skew, [false, false, true]), d)).toBeLessThan(1e-12);
    expect(maxAbsDiff(minimumImage(d, null, [false, false, false]), d)).toBe(0);
  });

  it('refuses a band it cannot make, saying why', async () => {
    const calc = new EmtCalculator();
    await expect(nudgedElasticBand(startAtoms(), Float64Array.from(fixture.end).subarray(3), calc)).rejects.toThrow(/the end state has 30 atoms, the start 31/);
    await expect(nudgedElasticBand(startAtoms([fixture.hopper]), Float64Array.from(fixture.end), calc)).rejects.toThrow(new RegExp(`atom ${fixture.hopper} is held, but it is 2\\.\\d{4} Å apart at the two ends`));
    await expect(nudgedElasticBand(startAtoms(), Float64Array.from(fixture.end), calc, { images: 0 })).rejects.toThrow(/at least one image/);
    await expect(nudgedElasticBand(startAtoms(), Float64Array.from(fixture.end), calc, { spring: 0 })).rejects.toThrow(/spring constant must be positive/);
  });
});
