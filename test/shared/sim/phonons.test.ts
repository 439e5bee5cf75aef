/**
 * Phonons by finite displacements (sim/phonons.ts) against phonopy 2.17 (Debian's python3-phonopy, run
 * here) with ASE's EMT forces on phonopy's supercells with our displacements (0.01 Å both ways along x,
 * y and z; phonopy's own are along the lattice vectors, which changes the force constants by δ²'s
 * anharmonic terms, ~1e-3 eV/Å² with EMT):
 * the force constants, frequencies along the band path, the density of states and the thermal
 * properties on a mesh; and the default band paths against ASE's `cell.bandpath()`.
 */
import { describe, expect, it } from 'vitest';
import { cartToFrac, cellWidths } from '../../../src-shared/chem/lattice';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { Atoms, EmtCalculator } from '../../../src-shared/sim';
import {
  defaultBandPath,
  defaultMesh,
  defaultSupercell,
  densityOfStates,
  forceConstants,
  frequenciesAt,
  frequenciesOver,
  meshPoints,
  modesAt,
  modeWeightsOver,
  projectedDensityOfStates,
  modulatedFrames,
  modulation,
  commensurateOnPath,
  commensurateSupercell,
  phonopyForceConstants,
  samplePath,
  thermalProperties,
  withVectors,
} from '../../../src-shared/sim/phonons';
import { nonlinearity } from '../../../src-shared/sim/linearity';
import { THZ } from '../../../src-shared/sim/units';
import { python } from '../../helpers/python';

const emt = new EmtCalculator();

interface PhonopyResult {
  /** Supercell positions (Cartesian), in phonopy's order, and Φ(s_i, k) for each unit-cell atom i. */
  superCart: number[][];
  fc: number[][][][];
  p2s: number[];
  frequencies: number[][];
  mesh: number[][];
  thermal: { temperatures: number[]; free_energy: number[]; entropy: number[]; heat_capacity: number[] };
  dos: { frequency_points: number[]; total_dos: number[] };
  /** The density of states projected on each atom of the unit cell, at the same points. */
  pdos: number[][];
}

interface Case {
  numbers: number[];
  cell: Mat3;
  cart: number[];
  masses: number[];
}

function phonopy(c: Case, supercell: number[], qpoints: number[][], mesh: number[], temperatures: number[], sigma: number): PhonopyResult {
  const script = `
import json, sys, numpy as np
from ase import Atoms
from ase.calculators.emt import EMT
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms
c = json.loads(sys.argv[1])
cell = np.array(c['cell']); cart = np.array(c['cart']).reshape(-1, 3)
unit = PhonopyAtoms(numbers=c['numbers'], cell=cell, positions=cart, masses=c['masses'])
ph = Phonopy(unit, supercell_matrix=np.diag(c['supercell']), primitive_matrix=None)
# our displacements: each atom of the unit cell by +0.01 and -0.01 Å along x, y and z
p2s = [int(i) for i in ph.primitive.p2s_map]
ph.dataset = {'natom': len(ph.supercell), 'first_atoms': [{'number': p2s[i], 'displacement': [s * 0.01 * (a == k) for k in range(3)]}
  for i in range(len(unit)) for a in range(3) for s in (1, -1)]}
forces = []
for s in ph.supercells_with_displacements:
    a = Atoms(numbers=s.numbers, cell=s.cell, scaled_positions=s.scaled_positions, pbc=True)
    a.calc = EMT()
    forces.append(a.get_forces())
ph.forces = forces
ph.produce_force_constants()
ph.run_qpoints(c['qpoints'])
freqs = ph.get_qpoints_dict()['frequencies']
ph.run_mesh(c['mesh'], is_mesh_symmetry=False, is_gamma_center=True, with_eigenvectors=True)
mesh = ph.get_mesh_dict()['frequencies']
ph.run_projected_dos(sigma=c['sigma'], freq_min=-1, freq_max=12, freq_pitch=0.1, use_tetrahedron_method=False)
pdos = ph.get_projected_dos_dict()['projected_dos']
# the translations at Γ left out, as ours are (their frequencies are ~1e-6 THz)
ph.run_thermal_properties(temperatures=c['temperatures'], cutoff_frequency=1e-3)
tp = ph.get_thermal_properties_dict()
ph.run_total_dos(sigma=c['sigma'], freq_min=-1, freq_max=12, freq_pitch=0.1)
dos = ph.get_total_dos_dict()
print(json.dumps({'superCart': ph.supercell.positions.tolist(), 'fc': ph.force_constants[p2s].tolist(), 'p2s': p2s,
  'frequencies': freqs.tolist(), 'mesh': mesh.tolist(),
  'thermal': {k: tp[k].tolist() for k in ('temperatures', 'free_energy', 'entropy', 'heat_capacity')},
  'dos': {k: dos[k].tolist() for k in ('frequency_points', 'total_dos')}, 'pdos': pdos.tolist()}))
`;
  return JSON.parse(python(['-c', script, JSON.stringify({ ...c, supercell, qpoints, mesh, temperatures, sigma })])) as PhonopyResult;
}

function atomsOf(c: Case): Atoms {
  return new Atoms({ numbers: Int32Array.from(c.numbers), cart: Float64Array.from(c.cart), lattice: c.cell, pbc: [true, true, true], masses: Float64Array.from(c.masses) });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, k) => Math.abs(x - b[k])));

async function compare(c: Case, supercell: [number, number, number], mesh: [number, number, number]) {
  const atoms = atomsOf(c);
  const fc = (await forceConstants(atoms, emt, { supercell }))!;
  // 6 per atom, and 2 for the linearity check at half the displacement
  expect(fc.forceCalls).toBe(6 * c.numbers.length + 2);
  expect(nonlinearity(fc.linearity)).toBeLessThan(1e-3);
  const path = defaultBandPath(c.cell);
  const b = samplePath(c.cell, path, 5);
  const onPath = (await frequenciesOver(fc, b.qpoints))!;
  const temperatures = [0, 100, 300, 1000];
  const ref = phonopy(c, supercell, b.qpoints, mesh, temperatures, 0.2);
  // the force constants, atom by atom (phonopy orders its supercell otherwise: matched by position)
  const n = c.numbers.length;
  const N = ref.superCart.length;
  expect(N).toBe(n * supercell[0] * supercell[1] * supercell[2]);
  const superLattice = c.cell.map((r, k) => r.map((x) => x * supercell[k])) as Mat3;
  const ours = (k: number) => {
    const cell = Math.floor(k / n);
    const j = k % n;
    const t = [Math.floor(cell / (supercell[1] * supercell[2])), Math.floor(cell / supercell[2]) % supercell[1], cell % supercell[2]];
    return [0, 1, 2].map((x) => c.cart[3 * j + x] + t[0] * c.cell[0][x] + t[1] * c.cell[1][x] + t[2] * c.cell[2][x]);
  };
  // the same site when their difference is a supercell lattice vector (whole fractional coordinates)
  const same = (a: number[], b: number[]) => Array.from(cartToFrac(Float64Array.from(a, (x, k) => x - b[k]), superLattice)).every((x) => Math.abs(x - Math.round(x)) < 1e-6);
  const phonopyIndex = Array.from({ length: N }, (_, k) => ref.superCart.findIndex((p) => same(p, ours(k))));
  expect(phonopyIndex.every((k) => k >= 0)).toBe(true);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    expect(same(ref.superCart[ref.p2s[i]], ours(i))).toBe(true);
    for (let k = 0; k < N; k++)
      for (let a = 0; a < 3; a++) for (let bb = 0; bb < 3; bb++) worst = Math.max(worst, Math.abs(fc.values[((i * N + k) * 3 + a) * 3 + bb] - ref.fc[i][phonopyIndex[k]][a][bb]));
  }
  expect(worst).toBeLessThan(1e-6); // eV/Å²
  // frequencies along the path, THz (the constants' units differ from phonopy's by 5e-7)
  onPath.forEach((f, k) => expect(maxDiff(f, ref.frequencies[k])).toBeLessThan(1e-4));
  const meshFreqs = (await frequenciesOver(fc, meshPoints(mesh)))!;
  expect(meshFreqs).toHaveLength(ref.mesh.length);
  meshFreqs.forEach((f, k) => expect(maxDiff(f, ref.mesh[k])).toBeLessThan(1e-4));
  // the density of states at phonopy's points, states/THz per cell, and its integral 3n
  const dos = densityOfStates(meshFreqs, 0.2, ref.dos.frequency_points);
  expect(maxDiff(dos, ref.dos.total_dos)).toBeLessThan(1e-4 * Math.max(...ref.dos.total_dos));
  expect(dos.reduce((s, x) => s + x * 0.1, 0)).toBeCloseTo(3 * n, 2);
  // projected on each atom (the modes' eigenvectors over the mesh), and the projections sum to the total
  const weighted = (await modeWeightsOver(fc, meshPoints(mesh)))!;
  weighted.forEach((w, k) => expect(maxDiff(w.frequencies, meshFreqs[k])).toBeLessThan(1e-5));
  const projected = projectedDensityOfStates(weighted, Array.from({ length: n }, (_, j) => [j]), 0.2, ref.dos.frequency_points);
  projected.forEach((p, j) => expect(maxDiff(p, ref.pdos[j])).toBeLessThan(1e-4 * Math.max(...ref.dos.total_dos)));
  // (to 1e-6 of the peak: the translations at Γ come out of the two eigensolvers 1e-6 THz apart)
  expect(maxDiff(projectedDensityOfStates(weighted, [Array.from({ length: n }, (_, j) => j)], 0.2, ref.dos.frequency_points)[0], dos)).toBeLessThan(1e-6 * Math.max(...dos));
  // thermal properties per mole of cells: kJ/mol, J/K/mol (phonopy's constants, older than CODATA 2014, differ by up to 1.4e-6)
  const thermal = thermalProperties(meshFreqs, temperatures);
  const close = (x: number, y: number) => expect(Math.abs(x - y)).toBeLessThan(1e-5 * Math.abs(y) + 1e-4);
  thermal.forEach((t, k) => {
    close(t.freeEnergy, ref.thermal.free_energy[k]);
    close(t.entropy, ref.thermal.entropy[k]);
    close(t.heatCapacity, ref.thermal.heat_capacity[k]);
  });
  return { fc, b, onPath, thermal, path };
}

/** A rattled hexagonal CuAu cell: no symmetry left, so no mode away from Γ is degenerate and each eigenvector is fixed up to its phase. */
function rattledCuAu(): Case {
  const a = 2.7;
  const c = 4.4;
  const cell: Mat3 = [
    [a / 2, (-a * Math.sqrt(3)) / 2, 0],
    [a / 2, (a * Math.sqrt(3)) / 2, 0],
    [0, 0, c],
  ];
  const frac = [
    [1 / 3, 2 / 3, 0.25],
    [2 / 3, 1 / 3, 0.75],
  ];
  const cart = frac.flatMap((f, i) => [0, 1, 2].map((x) => f[0] * cell[0][x] + f[1] * cell[1][x] + f[2] * cell[2][x] + [0.013, -0.021, 0.008][x] * (i === 0 ? 1 : -1)));
  return { numbers: [29, 79], cell, cart, masses: [63.546, 196.96657] };
}

describe('phonons, as phonopy', () => {
  it('fcc Cu (primitive cell, 5 × 5 × 5 supercell): force constants, bands along Γ–X–W–K–Γ–L–U–W–L–K|U–X, mesh, DOS and thermal properties', async () => {
    const a = 3.59;
    const cell: Mat3 = [
      [0, a / 2, a / 2],
      [a / 2, 0, a / 2],
      [a / 2, a / 2, 0],
    ];
    expect(defaultSupercell(cell)).toEqual([5, 5, 5]);
    const { fc, b, onPath, thermal, path } = await compare({ numbers: [29], cell, cart: [0, 0, 0], masses: [63.546] }, [5, 5, 5], [6, 6, 6]);
    expect(path.lattice).toBe('fcc');
    expect(b.ticks.map((t) => t.label).join(' ')).toBe('Γ X W K Γ L U W L K|U X');
    // the acoustic modes vanish at Γ; Cu's highest phonon with EMT is near 7 THz (experiment 7.2)
    expect(Math.max(...Array.from(frequenciesAt(fc, [0, 0, 0]), Math.abs))).toBeLessThan(1e-3);
    const top = Math.max(...onPath.flatMap((f) => Array.from(f)));
    expect(top).toBeGreaterThan(6);
    expect(top).toBeLessThan(8.5);
    // Dulong–Petit: 3R per mole of atoms at 1000 K
    expect(thermal[3].heatCapacity).toBeGreaterThan(0.98 * 3 * 8.314);
  });

  it('a rattled hexagonal CuAu cell (no symmetry left, images tied across the supercell): the same', async () => {
    const { path } = await compare(rattledCuAu(), [3, 3, 2], [4, 4, 3]);
    expect(path.lattice).toBe('hexagonal');
  });
});


interface PhonopyModes {
  frequencies: number[][];
  /** Per q, per band: the eigenvector as [re, im] pairs. */
  eigenvectors: [number, number][][][];
  /** The modulation's supercell (Cartesian, phonopy's order) and its complex displacements per atom, [re, im] pairs per component. */
  superCart: number[][];
  modulation: [number, number][][];
}

/** phonopy reading our FORCE_CONSTANTS file: frequencies and eigenvectors at `qpoints`, and one mode's modulation. */
function phonopyModes(c: Case, supercell: number[], text: string, qpoints: number[][], mode: { q: number[]; band: number; dimension: number[] }): PhonopyModes {
  const script = `
import json, os, sys, tempfile, numpy as np
from phonopy import Phonopy
from phonopy.file_IO import parse_FORCE_CONSTANTS
from phonopy.structure.atoms import PhonopyAtoms
c = json.loads(sys.argv[1])
unit = PhonopyAtoms(numbers=c['numbers'], cell=np.array(c['cell']), positions=np.array(c['cart']).reshape(-1, 3), masses=c['masses'])
ph = Phonopy(unit, supercell_matrix=np.diag(c['supercell']), primitive_matrix=None)
path = os.path.join(tempfile.mkdtemp(), 'FORCE_CONSTANTS')
open(path, 'w').write(c['text'])
ph.force_constants = parse_FORCE_CONSTANTS(filename=path, p2s_map=ph.primitive.p2s_map)
ph.run_qpoints(c['qpoints'], with_eigenvectors=True)
d = ph.get_qpoints_dict()
pair = lambda z: [[float(x.real), float(x.imag)] for x in z]
m = c['mode']
ph.set_modulations(m['dimension'], [[m['q'], m['band'], 1.0, 0.0]])
u, cell = ph.get_modulations_and_supercell()
print(json.dumps({'frequencies': d['frequencies'].tolist(), 'eigenvectors': [[pair(e[:, b]) for b in range(e.shape[1])] for e in d['eigenvectors']],
  'superCart': cell.positions.tolist(), 'modulation': [pair(x) for x in u[0]]}))
`;
  return JSON.parse(python(['-c', script, JSON.stringify({ ...c, supercell, text, qpoints, mode })])) as PhonopyModes;
}

/** |⟨a, b⟩| for complex vectors given as parts: 1 when they are the same unit vector up to a phase. */
function overlap(re: ArrayLike<number>, im: ArrayLike<number>, other: [number, number][]): number {
  let pr = 0;
  let pi = 0;
  other.forEach(([r, i], k) => {
    pr += re[k] * r + im[k] * i;
    pi += re[k] * i - im[k] * r;
  });
  return Math.hypot(pr, pi);
}

describe('phonon modes and force constants, as phonopy', () => {
  it('phonopy reads our FORCE_CONSTANTS to the same frequencies; eigenvectors and a modulation agree up to a phase', async () => {
    const c = rattledCuAu();
    const supercell: [number, number, number] = [3, 3, 2];
    const fc = (await forceConstants(atomsOf(c), emt, { supercell }))!;
    const text = phonopyForceConstants(fc);
    expect(text.split('\n')[0]).toBe('   2   36');
    const qpoints = [
      [0, 0, 0],
      [1 / 3, 0, 0.5],
      [0.21, -0.13, 0.37],
    ];
    const mode = { q: [1 / 3, 0, 0.5], band: 2, dimension: [3, 1, 2] };
    const ref = phonopyModes(c, supercell, text, qpoints, mode);
    qpoints.forEach((q, k) => {
      const modes = modesAt(fc, q);
      // the frequencies from the eigenvectors' solver are the eigenvalue solver's (frequenciesAt), and phonopy's from our file
      // (to 1e-5 THz: the translations at Γ are √ of an eigenvalue that is zero up to rounding, ~1e-6 THz; elsewhere to 1e-9)
      const near = k === 0 ? 1e-5 : 1e-9;
      expect(maxDiff(modes.map((m) => m.frequency), frequenciesAt(fc, q))).toBeLessThan(near);
      expect(maxDiff(modes.map((m) => m.frequency), ref.frequencies[k])).toBeLessThan(Math.max(near, 1e-6));
      // away from Γ (whose translations are degenerate) each eigenvector is phonopy's times a phase
      if (k > 0) modes.forEach((m, b) => expect(overlap(m.re, m.im, ref.eigenvectors[k][b])).toBeGreaterThan(1 - 1e-8));
      // unit length and orthogonal to each other, at Γ too
      for (let a = 0; a < modes.length; a++)
        for (let b = a; b < modes.length; b++) expect(overlap(modes[a].re, modes[a].im, Array.from(modes[b].re, (r, x) => [r, modes[b].im[x]]))).toBeCloseTo(a === b ? 1 : 0, 10);
    });
    // the modulation: the same supercell in the same order, and the same displacements up to a phase and phonopy's scale
    expect(commensurateSupercell(mode.q)).toEqual(mode.dimension);
    const m = modulation(fc, mode.q, modesAt(fc, mode.q)[mode.band], mode.dimension as [number, number, number], 0.2);
    expect(maxDiff(m.cart, ref.superCart.flat())).toBeLessThan(1e-9);
    const theirs = ref.modulation.flat();
    const norm = (re: ArrayLike<number>, im: ArrayLike<number>) => Math.sqrt(Array.from(re).reduce((s, r, k) => s + r * r + im[k] ** 2, 0));
    const ours = norm(m.re, m.im);
    const theirsNorm = norm(theirs.map((z) => z[0]), theirs.map((z) => z[1]));
    expect(overlap(m.re, m.im, theirs) / (ours * theirsNorm)).toBeGreaterThan(1 - 1e-8);
    // the atom moving most moves 0.2 Å; phonopy's phase: the largest component is real and positive
    const widths = Array.from({ length: m.numbers.length }, (_, s) => norm(m.re.subarray(3 * s, 3 * s + 3), m.im.subarray(3 * s, 3 * s + 3)));
    expect(Math.max(...widths)).toBeCloseTo(0.2, 12);
    const sizes = Array.from(m.re, (r, k) => Math.hypot(r, m.im[k]));
    const first = sizes.findIndex((v) => v >= Math.max(...sizes) * (1 - 1e-6));
    expect(m.im[first]).toBeCloseTo(0, 12);
    expect(m.re[first]).toBeGreaterThan(0);
    // turned by 90°: the same wave a quarter period on
    const turned = modulation(fc, mode.q, modesAt(fc, mode.q)[mode.band], mode.dimension as [number, number, number], 0.2, 90);
    expect(maxDiff(turned.re, Array.from(m.im, (x) => -x))).toBeLessThan(1e-12);
    expect(maxDiff(turned.im, m.re)).toBeLessThan(1e-12);
    // the animation: 30 frames, the first displaced by the real part, the one half a period on by minus it
    const frames = modulatedFrames(m);
    expect(frames).toHaveLength(30);
    expect(maxDiff(frames[0], Array.from(m.cart, (x, k) => x + m.re[k]))).toBeLessThan(1e-12);
    expect(maxDiff(frames[15], Array.from(m.cart, (x, k) => x - m.re[k]))).toBeLessThan(1e-12);
  });

  it('force constants rebuilt from their values and the cell (a stored run) give the same modes; a wave that repeats in no small supercell', async () => {
    const c = rattledCuAu();
    const fc = (await forceConstants(atomsOf(c), emt, { supercell: [3, 3, 2] }))!;
    const again = withVectors({ lattice: fc.lattice, numbers: fc.numbers, masses: fc.masses, frac: fc.frac, supercell: fc.supercell, values: Array.from(fc.values) as unknown as Float64Array });
    expect(maxDiff(frequenciesAt(again, [0.1, 0.2, 0.3]), frequenciesAt(fc, [0.1, 0.2, 0.3]))).toBe(0);
    expect(() => withVectors({ ...again, values: again.values.subarray(1) })).toThrow(/need 648 values, got 647/);
    expect(commensurateSupercell([0.5, 0, 0.25])).toEqual([2, 1, 4]);
    expect(commensurateSupercell([0.37, 0, 0])).toBeNull();
  });

  it('a click on the bands lands on the nearest wave vector of the path that repeats in at most 8 cells', () => {
    const a = 3.6;
    const cell: Mat3 = [
      [0, a / 2, a / 2],
      [a / 2, 0, a / 2],
      [a / 2, a / 2, 0],
    ];
    const path = defaultBandPath(cell);
    const sampled = samplePath(cell, path);
    // on a labelled point: that point (X, then K, which needs 8 cells)
    expect(commensurateOnPath(cell, path, sampled.ticks[1].distance)).toEqual([0.5, 0, 0.5]);
    expect(commensurateOnPath(cell, path, sampled.ticks[3].distance)).toEqual([0.375, 0.375, 0.75]);
    // 41 % of the way from Γ to X: 40 % of it, q = (0.2, 0, 0.2), repeats in 5 cells (3/7 of it would need 14)
    const x = sampled.ticks[1].distance;
    const q = commensurateOnPath(cell, path, 0.41 * x);
    expect(q.map((v) => +v.toFixed(12))).toEqual([0.2, 0, 0.2]);
    expect(commensurateSupercell(q)).toEqual([5, 1, 5]);
    // with at most 4 cells: half way, q = (0.25, 0, 0.25), is the nearest
    expect(commensurateOnPath(cell, path, 0.41 * x, 4)).toEqual([0.25, 0, 0.25]);
  });
});

describe('phonons, physics', () => {
  it("the conventional cubic cell's Γ point is the primitive cell's X points folded in: the same frequencies", async () => {
    const a = 3.59;
    const primitive = (await forceConstants(atomsOf({ numbers: [29], cell: [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], cart: [0, 0, 0], masses: [63.546] }), emt, { supercell: [5, 5, 5] }))!;
    const conventional = (await forceConstants(atomsOf({ numbers: [29, 29, 29, 29], cell: [[a, 0, 0], [0, a, 0], [0, 0, a]], cart: [0, 0, 0, 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0], masses: [63.546, 63.546, 63.546, 63.546] }), emt, { supercell: [3, 3, 3] }))!;
    const x = Array.from(frequenciesAt(primitive, [0.5, 0, 0.5]));
    const folded = Array.from(frequenciesAt(conventional, [0, 0, 0]));
    expect(maxDiff(folded.slice(0, 3), [0, 0, 0])).toBeLessThan(1e-3);
    // to 1e-3 THz, not to rounding: EMT's embedding reaches across two cutoffs, farther than half of either supercell (10.4 and
    // 10.8 Å wide), which cut off its farthest constants differently (1.5e-4 THz apart)
    expect(maxDiff(folded.slice(3), [x[0], x[0], x[0], x[1], x[1], x[1], x[2], x[2], x[2]])).toBeLessThan(1e-3);
    expect(x[2]).toBeGreaterThan(x[0] + 2); // the longitudinal mode above the two transverse ones
  });
  it("a mode's displacements in a supercell cost ½ω²Σm|u|² of EMT's energy (both ways, so the rattled start's forces cancel)", async () => {
    const c = rattledCuAu();
    const fc = (await forceConstants(atomsOf(c), emt, { supercell: [3, 3, 2] }))!;
    for (const [q, band] of [
      [[1 / 3, 0, 0.5], 2],
      [[0, 0, 0.5], 4],
      [[0, 0, 0], 5],
    ] as [number[], number][]) {
      const supercell = commensurateSupercell(q)!;
      const mode = modesAt(fc, q)[band];
      const m = modulation(fc, q, mode, supercell, 0.01);
      const energy = async (sign: number) => (await emt.calculate({ numbers: m.numbers, cart: Float64Array.from(m.cart, (x, k) => x + sign * m.re[k]), lattice: m.lattice, pbc: [true, true, true] })).energy;
      const [e0, plus, minus] = [await energy(0), await energy(1), await energy(-1)];
      const masses = Array.from(m.numbers, (z) => (z === 29 ? c.masses[0] : c.masses[1]));
      const lambda = Math.sign(mode.frequency) * (mode.frequency / THZ) ** 2; // eV/Å²/u
      const harmonic = 0.5 * lambda * masses.reduce((s, mass, k) => s + mass * (m.re[3 * k] ** 2 + m.re[3 * k + 1] ** 2 + m.re[3 * k + 2] ** 2), 0);
      // to 0.2 %: δ⁴'s terms at 0.01 Å are some 0.03 %; the phase without the atoms' own positions (R alone) is 0.5–1 % off
      expect(Math.abs((plus + minus) / 2 - e0 - harmonic)).toBeLessThan(2e-3 * Math.abs(harmonic));
    }
  });
});

describe('band paths, as ASE', () => {
  it("ASE's cell.bandpath(): the same path and special points for the standard cells of fcc, bcc, simple cubic, hexagonal, tetragonal and orthorhombic lattices", () => {
    const script = `
import json
from ase.lattice import FCC, BCC, CUB, HEX, TET, ORC
out = []
for lat in (FCC(3.6), BCC(2.9), CUB(2.5), HEX(2.5, 4.1), TET(3.0, 4.5), ORC(2.5, 3.3, 4.7)):
    cell = lat.tocell()
    bp = cell.bandpath(npoints=0)
    out.append({'cell': cell.array.tolist(), 'path': bp.path, 'points': {k: v.tolist() for k, v in bp.special_points.items()}})
print(json.dumps(out))
`;
    const cases = JSON.parse(python(['-c', script])) as { cell: Mat3; path: string; points: Record<string, number[]> }[];
    const names = ['fcc', 'bcc', 'simple cubic', 'hexagonal', 'tetragonal', 'orthorhombic'];
    cases.forEach((c, k) => {
      const path = defaultBandPath(c.cell);
      expect(path.lattice).toBe(names[k]);
      expect(path.runs.map((run) => run.map((p) => (p.label === 'Γ' ? 'G' : p.label)).join('')).join(',')).toBe(c.path);
      for (const run of path.runs) for (const p of run) expect(maxDiff(p.q, c.points[p.label === 'Γ' ? 'G' : p.label])).toBeLessThan(1e-12);
    });
  });

  it('any other cell: Γ to the centres of the reciprocal cell’s faces, no lattice named', () => {
    const path = defaultBandPath([
      [3, 0, 0],
      [0.4, 3.5, 0],
      [0.3, 0.2, 4],
    ]);
    expect(path.lattice).toBeNull();
    expect(path.runs.map((r) => r.map((p) => p.label).join('–')).join('|')).toBe('Γ–X|Γ–Y|Γ–Z');
  });
});

describe('phonon input', () => {
  it('refuses a molecule, a bad supercell or displacement, and stops when cancelled', async () => {
    const molecule = new Atoms({ numbers: Int32Array.of(29, 29), cart: Float64Array.of(0, 0, 0, 2.3, 0, 0), lattice: null, pbc: [false, false, false] });
    await expect(forceConstants(molecule, emt)).rejects.toThrow(/crystal periodic in three directions/);
    const cu = atomsOf({ numbers: [29], cell: [[0, 1.8, 1.8], [1.8, 0, 1.8], [1.8, 1.8, 0]], cart: [0, 0, 0], masses: [63.546] });
    await expect(forceConstants(cu, emt, { supercell: [2, 0, 2] })).rejects.toThrow(/three whole numbers from 1 to 50, got 2 × 0 × 2/);
    await expect(forceConstants(cu, emt, { delta: -1 })).rejects.toThrow(/positive/);
    const signal = { aborted: false };
    expect(await forceConstants(cu, emt, { supercell: [2, 2, 2], signal, onDisplacement: (done) => void (signal.aborted = done >= 2) })).toBeNull();
    // the wave vectors: each one reported, and a stop between two
    const fc = (await forceConstants(cu, emt, { supercell: [2, 2, 2] }))!;
    const seen: [number, number][] = [];
    expect(await frequenciesOver(fc, meshPoints([2, 2, 2]), { onPoint: (done, total) => void seen.push([done, total]) })).toHaveLength(8);
    expect(seen).toEqual(Array.from({ length: 8 }, (_, k) => [k + 1, 8]));
    const stop = { aborted: false };
    expect(await frequenciesOver(fc, meshPoints([2, 2, 2]), { signal: stop, onPoint: (done) => void (stop.aborted = done === 3) })).toBeNull();
    expect(() => meshPoints([2, 0, 2])).toThrow(/three whole numbers from 1 to 200, got 2 × 0 × 2/);
    expect(defaultMesh(cu.lattice!)).toEqual([19, 19, 19]);
    // the default supercell from the cell's widths: fcc's primitive cell is a/√3 wide between its faces
    expect(maxDiff(cellWidths(cu.lattice!), [3.6 / Math.sqrt(3), 3.6 / Math.sqrt(3), 3.6 / Math.sqrt(3)])).toBeLessThan(1e-12);
    // a skewed cell: V / |b × c|, V / |c × a|, V / |a × b| with V = 60 Å³
    expect(maxDiff(cellWidths([[3, 0, 0], [1, 4, 0], [0.5, 0.2, 5]]), [60 / Math.hypot(20, -5, -1.8), 60 / Math.hypot(0, 15, -0.6), 5])).toBeLessThan(1e-12);
    expect(defaultSupercell([[3, 0, 0], [1, 4, 0], [0.5, 0.2, 5]])).toEqual([4, 3, 2]);
  });
});
