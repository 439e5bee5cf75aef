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
  samplePath,
  thermalProperties,
} from '../../../src-shared/sim/phonons';
import { nonlinearity } from '../../../src-shared/sim/linearity';
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
ph.run_mesh(c['mesh'], is_mesh_symmetry=False, is_gamma_center=True)
mesh = ph.get_mesh_dict()['frequencies']
# the translations at Γ left out, as ours are (their frequencies are ~1e-6 THz)
ph.run_thermal_properties(temperatures=c['temperatures'], cutoff_frequency=1e-3)
tp = ph.get_thermal_properties_dict()
ph.run_total_dos(sigma=c['sigma'], freq_min=-1, freq_max=12, freq_pitch=0.1)
dos = ph.get_total_dos_dict()
print(json.dumps({'superCart': ph.supercell.positions.tolist(), 'fc': ph.force_constants[p2s].tolist(), 'p2s': p2s,
  'frequencies': freqs.tolist(), 'mesh': mesh.tolist(),
  'thermal': {k: tp[k].tolist() for k in ('temperatures', 'free_energy', 'entropy', 'heat_capacity')},
  'dos': {k: dos[k].tolist() for k in ('frequency_points', 'total_dos')}}))
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
    const { path } = await compare({ numbers: [29, 79], cell, cart, masses: [63.546, 196.96657] }, [3, 3, 2], [4, 4, 3]);
    expect(path.lattice).toBe('hexagonal');
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
