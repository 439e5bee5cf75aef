/**
 * Minimum or saddle point: the lowest curvature of a relaxed structure (sim/curvature.ts) against
 * the whole Hessian that ASE's EMT gives at the same positions (central differences of 0.01 Å, its
 * eigenvalues by numpy: Debian's python3-ase, run here), and a relaxation that leaves a saddle point.
 * The two rattled cells (test/fixtures/sim/saddles.extxyz, from scripts/data/make_emt_set.py) are
 * ones where FIRE, ASE's as ours, stops at a saddle point (docs/simulation.md, "Minimum or saddle point").
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFrames } from '../../../src-shared/chem';
import { Atoms, atomSpace, cellSpace, EmtCalculator, lowestCurvature, relax, SADDLE_CURVATURE, type Calculator } from '../../../src-shared/sim';
import { hermitianEigen, hermitianEigenvalues, identity, matmul, symmetricEigen, symmetricEigenvalues, transpose } from '../../../src-shared/sim/matrix';
import { invert } from '../../../src-shared/chem/lattice';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { Rng } from '../../../src-shared/model/rng';
import { realForm } from '../../helpers/hermitian';
import { python } from '../../helpers/python';
import { fcc } from './helpers';

const SADDLES = fileURLToPath(new URL('../../fixtures/sim/saddles.extxyz', import.meta.url));
const emt = new EmtCalculator();

function saddleCells(): Atoms[] {
  return readFrames('saddles.extxyz', readFileSync(SADDLES, 'utf8')).frames.map((f) => Atoms.fromStructure(f.structure));
}

/** ASE's Hessian eigenvalues (ascending) at these atoms' positions, with rigid motions left in (they are the ~0 ones). */
function aseEigenvalues(atoms: Atoms, fixed: number[] = []): number[] {
  const script = `
import json, sys, numpy as np
from ase import Atoms
from ase.calculators.emt import EMT
d = json.loads(sys.argv[1])
a = Atoms(numbers=d['numbers'], positions=np.array(d['cart']).reshape(-1, 3), cell=d['cell'], pbc=d['pbc'])
a.calc = EMT()
x0 = a.positions.copy()
free = [k for k in range(3 * len(a)) if k // 3 not in d['fixed']]
H = np.zeros((len(free), len(free)))
for r, k in enumerate(free):
    a.positions = x0.copy(); a.positions.flat[k] += 0.01; fp = a.get_forces().flatten()[free]
    a.positions = x0.copy(); a.positions.flat[k] -= 0.01; fm = a.get_forces().flatten()[free]
    H[r] = -(fp - fm) / 0.02
print(json.dumps(np.linalg.eigvalsh((H + H.T) / 2).tolist()))
`;
  const arg = JSON.stringify({ numbers: Array.from(atoms.numbers), cart: Array.from(atoms.cart), cell: atoms.lattice ?? [[0, 0, 0], [0, 0, 0], [0, 0, 0]], pbc: atoms.pbc, fixed });
  return JSON.parse(python(['-c', script, arg])) as number[];
}

/**
 * ASE's Hessian of the energy over positions and strain, in the coordinates of `cellSpace` (atoms at
 * F·s, the cell A₀·Fᵀ, F = exp(X/c), c = √N·(V/N)^⅓; X over an orthonormal basis of symmetric
 * matrices), from second differences of EMT's energies (h = 0.01); eigenvalues with the three
 * translations left out.
 */
function aseCellEigenvalues(atoms: Atoms): number[] {
  const script = `
import json, sys, numpy as np
from scipy.linalg import expm
from ase import Atoms
from ase.calculators.emt import EMT
d = json.loads(sys.argv[1])
a0 = np.array(d['cell']); s0 = np.array(d['cart']).reshape(-1, 3); n = len(s0)
c = np.sqrt(n) * (abs(np.linalg.det(a0)) / n) ** (1 / 3)
strain = []
for i in range(3):
    for j in range(i, 3):
        m = np.zeros((3, 3)); m[i, j] = m[j, i] = 1.0
        strain.append(m / np.linalg.norm(m))
dim = 3 * n + 6
a = Atoms(numbers=d['numbers'], positions=s0, cell=a0, pbc=True)
a.calc = EMT()
def energy(y):
    f = expm(sum(y[3 * n + k] * strain[k] for k in range(6)) / c)
    a.set_cell(a0 @ f.T, scale_atoms=False)
    a.positions = (s0 + y[:3 * n].reshape(-1, 3)) @ f.T
    return a.get_potential_energy()
h = 0.01
e0 = energy(np.zeros(dim))
unit = np.eye(dim) * h
H = np.zeros((dim, dim))
for p in range(dim):
    H[p, p] = (energy(unit[p]) + energy(-unit[p]) - 2 * e0) / h ** 2
    for q in range(p):
        H[p, q] = H[q, p] = (energy(unit[p] + unit[q]) - energy(unit[p] - unit[q]) - energy(unit[q] - unit[p]) + energy(-unit[p] - unit[q])) / (4 * h ** 2)
t = np.zeros((dim, 3))
for k in range(3): t[k:3 * n:3, k] = 1 / np.sqrt(n)
q = np.linalg.svd(np.eye(dim) - t @ t.T)[0][:, :dim - 3]
print(json.dumps(np.linalg.eigvalsh(q.T @ H @ q).tolist()))
`;
  const arg = JSON.stringify({ numbers: Array.from(atoms.numbers), cart: Array.from(atoms.cart), cell: atoms.lattice });
  return JSON.parse(python(['-c', script, arg])) as number[];
}

/**
 * ASE's Hessian (EMT, central differences of 0.01 Å) over the moves that atoms held along lattice
 * vectors allow (their fractional coordinates there kept: moves perpendicular to those axes'
 * reciprocal vectors), less the rigid translations every atom may still make; its eigenvalues.
 */
function aseHeldEigenvalues(atoms: Atoms): number[] {
  const script = `
import json, sys, numpy as np
from scipy.linalg import null_space
from ase import Atoms
from ase.calculators.emt import EMT
d = json.loads(sys.argv[1])
a = Atoms(numbers=d['numbers'], positions=np.array(d['cart']).reshape(-1, 3), cell=d['cell'], pbc=True)
a.calc = EMT()
n = len(a); x0 = a.positions.copy()
H = np.zeros((3 * n, 3 * n))
for k in range(3 * n):
    a.positions = x0.copy(); a.positions.flat[k] += 0.01; fp = a.get_forces().flatten()
    a.positions = x0.copy(); a.positions.flat[k] -= 0.01; fm = a.get_forces().flatten()
    H[k] = -(fp - fm) / 0.02
H = (H + H.T) / 2
recip = np.linalg.inv(np.array(d['cell']))  # columns: reciprocal vectors (without 2 pi)
blocks, everyone = [], np.eye(3)
for i in range(n):
    held = [recip[:, k] for k in range(3) if d['held'][i][k]]
    allowed = null_space(np.array(held)) if held else np.eye(3)
    everyone = null_space(np.vstack([np.array(held), null_space(everyone.T).T])) if held else everyone
    blocks.append(allowed)
q = np.zeros((3 * n, sum(b.shape[1] for b in blocks)))
col = 0
for i, b in enumerate(blocks):
    q[3 * i:3 * i + 3, col:col + b.shape[1]] = b; col += b.shape[1]
t = np.vstack([np.tile(u, n) / np.sqrt(n) for u in everyone.T]).T if everyone.size else np.zeros((3 * n, 0))
q = q - t @ (t.T @ q)
q = np.linalg.svd(q, full_matrices=False)[0][:, :q.shape[1] - t.shape[1]]
print(json.dumps(np.linalg.eigvalsh(q.T @ H @ q).tolist()))
`;
  const held = Array.from({ length: atoms.length }, (_, i) => atoms.axisConstraints.find((c) => c.atom === i)?.held ?? [false, false, false]);
  const arg = JSON.stringify({ numbers: Array.from(atoms.numbers), cart: Array.from(atoms.cart), cell: atoms.lattice, held });
  return JSON.parse(python(['-c', script, arg])) as number[];
}

/** A body-centred cubic cell (2 atoms) of element z with lattice constant a. */
function bcc(a: number, z: number): Atoms {
  return new Atoms({ numbers: Int32Array.of(z, z), cart: Float64Array.of(0, 0, 0, a / 2, a / 2, a / 2), lattice: [[a, 0, 0], [0, a, 0], [0, 0, a]], pbc: [true, true, true] });
}

describe('symmetric eigenproblem (Householder, then QR steps), with and without the eigenvectors', () => {
  /** Checks A·v = λ·v, orthonormal vectors and ascending values, to rounding errors of A's size. */
  function checkEigen(a: Float64Array, n: number): Float64Array {
    const { values, vectors } = symmetricEigen(a, n);
    let norm = 0;
    for (const x of a) norm += x * x;
    const tol = 1e-13 * Math.max(1, Math.sqrt(norm)) * Math.max(1, Math.sqrt(n));
    for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
    let residual = 0;
    let orthogonality = 0;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        residual = Math.max(residual, Math.abs(av - values[k] * vectors[i * n + k]));
      }
      for (let m = k; m < n; m++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += vectors[i * n + k] * vectors[i * n + m];
        orthogonality = Math.max(orthogonality, Math.abs(d - (k === m ? 1 : 0)));
      }
    }
    expect(residual).toBeLessThan(tol);
    expect(orthogonality).toBeLessThan(1e-13 * Math.max(1, n));
    // the eigenvalues alone are the same numbers: the rotations never feed back into them
    expect(Array.from(symmetricEigenvalues(a, n))).toEqual(Array.from(values));
    return values;
  }

  /** Q·diag(λ)·Qᵀ with Q a product of random reflections. */
  function withEigenvalues(lambda: number[], rng: Rng): Float64Array {
    const n = lambda.length;
    let q = identity(n);
    for (let r = 0; r < 3; r++) {
      const v = Float64Array.from({ length: n }, () => rng.normal());
      const vv = v.reduce((s, x) => s + x * x, 0);
      const h = identity(n).map((x, k) => x - (2 * v[Math.floor(k / n)] * v[k % n]) / vv);
      q = matmul(q, h, n);
    }
    const ql = q.map((x, k) => x * lambda[k % n]);
    return matmul(ql, transpose(q, n), n);
  }

  it('gives A·v = λ·v with orthonormal vectors, in ascending order', () => {
    const rng = new Rng(3);
    for (const n of [1, 2, 3, 5, 12, 40, 150]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
      checkEigen(a, n);
    }
  });

  it('finds known eigenvalues, repeated ones, zero ones and ones of very different sizes', () => {
    const rng = new Rng(11);
    const cases = [
      [0, 0, 0, 0, 0, 0, 2.5, 2.5, 2.5, 7], // a Hessian's zero modes and a degenerate triplet
      [-3, 1e-9, 1, 1, 1, 1, 1, 1],
      [1e-6, 1, 1e3, 1e6],
      Array.from({ length: 30 }, (_, k) => (k % 3 === 0 ? -k : k)),
    ];
    for (const lambda of cases) {
      const values = checkEigen(withEigenvalues(lambda, rng), lambda.length);
      const sorted = [...lambda].sort((x, y) => x - y);
      const scale = Math.max(...lambda.map(Math.abs));
      sorted.forEach((l, k) => expect(Math.abs(values[k] - l)).toBeLessThan(1e-12 * scale * lambda.length));
    }
    // already diagonal, with an empty row, and all zero: nothing to do, and no division by zero
    const diagonal = Float64Array.of(3, 0, 0, 0, 0, 0, 0, 0, -1);
    expect(Array.from(checkEigen(diagonal, 3))).toEqual([-1, 0, 3]);
    expect(Array.from(checkEigen(new Float64Array(16), 4))).toEqual([0, 0, 0, 0]);
  });

  it("a Hermitian matrix's eigenvalues, without its real form: the real form's, each once, and known ones", () => {
    const rng = new Rng(17);
    for (const n of [1, 2, 3, 7, 30, 96]) {
      const re = new Float64Array(n * n);
      const im = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        re[i * n + i] = rng.normal();
        for (let j = 0; j < i; j++) {
          re[i * n + j] = re[j * n + i] = rng.normal();
          im[i * n + j] = rng.normal();
          im[j * n + i] = -im[i * n + j];
        }
      }
      const twice = symmetricEigenvalues(realForm(re, im, n), 2 * n);
      const values = hermitianEigenvalues(re, im, n);
      expect(values.length).toBe(n);
      values.forEach((v, k) => expect(Math.abs(v - twice[2 * k])).toBeLessThan(1e-12 * n));
      checkHermitian(re, im, n);
    }
    // known ones, degenerate among them: D·S·D† with S real symmetric and D a diagonal of phases
    const lambda = [0, 0, 0, 2.5, 2.5, 2.5, 7, -1, 1e-6, 40];
    const n = lambda.length;
    const s = withEigenvalues(lambda, rng);
    const phase = Array.from({ length: n }, () => rng.uniform(0, 2 * Math.PI));
    const re = s.map((x, k) => x * Math.cos(phase[Math.floor(k / n)] - phase[k % n]));
    const im = s.map((x, k) => x * Math.sin(phase[Math.floor(k / n)] - phase[k % n]));
    expect(Math.max(...im.map(Math.abs))).toBeGreaterThan(0.1);
    const sorted = [...lambda].sort((x, y) => x - y);
    hermitianEigenvalues(re, im, n).forEach((v, k) => expect(Math.abs(v - sorted[k])).toBeLessThan(1e-12 * 40 * n));
    checkHermitian(re, im, n);
    // real (no imaginary part), all zero, and already diagonal
    checkHermitian(s, new Float64Array(n * n), n);
    expect(Array.from(checkHermitian(new Float64Array(9), new Float64Array(9), 3))).toEqual([0, 0, 0]);
    expect(hermitianEigen(new Float64Array(0), new Float64Array(0), 0).values.length).toBe(0);
    expect(Array.from(checkHermitian(Float64Array.of(3, 0, 0, 0, -1, 0, 0, 0, 0), new Float64Array(9), 3))).toEqual([-1, 0, 3]);
  });

  /** Checks H·v = λ·v with orthonormal complex vectors, and the values as `hermitianEigenvalues` gives them. */
  function checkHermitian(re: Float64Array, im: Float64Array, n: number): Float64Array {
    const { values, re: vr, im: vi } = hermitianEigen(re, im, n);
    expect(Array.from(values)).toEqual(Array.from(hermitianEigenvalues(re, im, n)));
    const scale = Math.max(1, ...Array.from(values, Math.abs));
    let residual = 0;
    let orthogonality = 0;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let hr = 0;
        let hi = 0;
        for (let j = 0; j < n; j++) {
          hr += re[i * n + j] * vr[j * n + k] - im[i * n + j] * vi[j * n + k];
          hi += re[i * n + j] * vi[j * n + k] + im[i * n + j] * vr[j * n + k];
        }
        residual = Math.max(residual, Math.hypot(hr - values[k] * vr[i * n + k], hi - values[k] * vi[i * n + k]));
      }
      for (let m = k; m < n; m++) {
        let pr = 0;
        let pi = 0;
        for (let i = 0; i < n; i++) {
          pr += vr[i * n + k] * vr[i * n + m] + vi[i * n + k] * vi[i * n + m];
          pi += vr[i * n + k] * vi[i * n + m] - vi[i * n + k] * vr[i * n + m];
        }
        orthogonality = Math.max(orthogonality, Math.hypot(pr - (k === m ? 1 : 0), pi));
      }
    }
    expect(residual).toBeLessThan(1e-12 * scale * Math.max(1, Math.sqrt(n)));
    expect(orthogonality).toBeLessThan(1e-13 * Math.max(1, n));
    return values;
  }
});

describe('lowest curvature', () => {
  it("finds the saddle points where FIRE stops in two rattled cells, with ASE's Hessian's lowest eigenvalue", async () => {
    for (const atoms of saddleCells()) {
      await relax(atoms, emt, { fmax: 0.01, maxSteps: 1000 });
      const at = Float64Array.from(atoms.cart);
      const c = await lowestCurvature(atomSpace(atoms, emt));
      expect(Array.from(atoms.cart)).toEqual(Array.from(at)); // put back
      const ase = aseEigenvalues(atoms);
      expect(ase[0]).toBeLessThan(SADDLE_CURVATURE);
      expect(Math.abs(c.lowest - ase[0])).toBeLessThan(2e-3);
      expect(c.forceCalls).toBeLessThan(2 * 3 * atoms.length); // fewer than the whole Hessian takes
      // the mode is a unit vector with no rigid translation in it
      expect(Math.hypot(...c.mode)).toBeCloseTo(1, 12);
      for (let k = 0; k < 3; k++) expect(Math.abs(c.mode.reduce((s, x, i) => (i % 3 === k ? s + x : s), 0))).toBeLessThan(1e-9);
    }
  });

  it("is positive at a minimum, ASE's lowest eigenvalue once the three translations are left out", async () => {
    const atoms = fcc(3.6, 2);
    const rng = new Rng(5);
    atoms.cart = atoms.cart.map((x) => x + 0.05 * rng.normal());
    await relax(atoms, emt, { fmax: 0.005 });
    const c = await lowestCurvature(atomSpace(atoms, emt));
    const ase = aseEigenvalues(atoms);
    expect(ase.slice(0, 3).every((w) => Math.abs(w) < 1e-3)).toBe(true);
    expect(ase[3]).toBeGreaterThan(0.1);
    expect(Math.abs(c.lowest - ase[3])).toBeLessThan(2e-3);
  });

  it("with atoms held along the lattice vectors of a skewed cell: ASE's Hessian over the moves they allow, the translations they leave taken out", async () => {
    // a rhombohedral (60°) cell of fcc Cu, 8 atoms, three of them held along its first lattice vector (VASP's F T T)
    const a = 3.6;
    const prim: Mat3 = [
      [0, a / 2, a / 2],
      [a / 2, 0, a / 2],
      [a / 2, a / 2, 0],
    ];
    const cart: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) for (let m = 0; m < 3; m++) cart.push(i * prim[0][m] + j * prim[1][m] + k * prim[2][m]);
    const lattice = prim.map((v) => v.map((x) => 2 * x)) as Mat3;
    const held = [0, 1, 2].map((atom) => ({ atom, held: [true, false, false] as [boolean, boolean, boolean], frame: 'lattice' as const }));
    const atoms = new Atoms({ numbers: new Int32Array(8).fill(29), cart: Float64Array.from(cart), lattice, pbc: [true, true, true], axisConstraints: held });
    const rng = new Rng(11);
    atoms.moveTo(atoms.cart.map((x) => x + 0.08 * rng.normal()));
    expect((await relax(atoms, emt, { fmax: 0.001, maxSteps: 2000 })).converged).toBe(true);
    const c = await lowestCurvature(atomSpace(atoms, emt));
    const ase = aseHeldEigenvalues(atoms);
    expect(Math.abs(c.lowest - ase[0])).toBeLessThan(2e-3);
    // the mode keeps every held fractional coordinate
    const inverse = invert(lattice)!;
    for (const { atom } of held) expect(Math.abs(c.mode[3 * atom] * inverse[0][0] + c.mode[3 * atom + 1] * inverse[1][0] + c.mode[3 * atom + 2] * inverse[2][0])).toBeLessThan(1e-9);
  });

  it('leaves out the rotations of a molecule, and moves no held atom', async () => {
    // a Cu₆ cluster in no cell: six rigid motions cost nothing
    const cluster = new Atoms({ numbers: new Int32Array(6).fill(29), cart: Float64Array.from([0, 0, 0, 2.5, 0, 0, 0, 2.5, 0, 0, 0, 2.5, 2.5, 2.5, 0.3, 1.2, 1.3, 2.4]), lattice: null, pbc: [false, false, false] });
    await relax(cluster, emt, { fmax: 0.001, maxSteps: 2000 });
    const ase = aseEigenvalues(cluster);
    expect(ase.slice(0, 6).every((w) => Math.abs(w) < 5e-3)).toBe(true);
    const free = await lowestCurvature(atomSpace(cluster, emt));
    expect(Math.abs(free.lowest - ase[6])).toBeLessThan(2e-3);
    // two atoms held: no rigid motion is free any more, and the held atoms do not move in the mode
    const held = new Atoms({ numbers: cluster.numbers, cart: cluster.cart, lattice: null, pbc: cluster.pbc, fixed: Uint8Array.from([1, 0, 0, 0, 0, 1]) });
    const c = await lowestCurvature(atomSpace(held, emt));
    expect(Math.abs(c.lowest - aseEigenvalues(held, [0, 5])[0])).toBeLessThan(2e-3);
    expect([...c.mode.subarray(0, 3), ...c.mode.subarray(15, 18)]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('the lowest curvature of a cell relaxation: positions and strain together', () => {
  it("finds bcc Cu's Bain instability, a saddle point that the atoms alone do not show, with ASE's Hessian's lowest eigenvalue", async () => {
    // by symmetry a bcc cell relaxes with its cell to the bcc volume and stays cubic; EMT's bcc Cu is unstable to a tetragonal strain
    const atoms = bcc(2.9, 29);
    const r = await relax(atoms, emt, { cell: true, fmax: 0.001 });
    expect(r.converged).toBe(true);
    expect(atoms.lattice![0][0]).toBeCloseTo(atoms.lattice![2][2], 10);
    const lattice = atoms.lattice!.map((row) => [...row]);
    const cart = Float64Array.from(atoms.cart);
    const c = await lowestCurvature(cellSpace(atoms, emt, { pressure: 0, hydrostatic: false }));
    expect(atoms.lattice).toEqual(lattice); // put back
    expect(Array.from(atoms.cart)).toEqual(Array.from(cart));
    const ase = aseCellEigenvalues(atoms);
    expect(ase[0]).toBeLessThan(SADDLE_CURVATURE);
    expect(Math.abs(c.lowest - ase[0])).toBeLessThan(2e-3);
    // the mode is a strain that keeps the volume (a tetragonal one): no atom moves against another
    const x = c.mode.subarray(6);
    expect(Math.abs(x[0] + x[4] + x[8])).toBeLessThan(1e-3);
    expect(Math.hypot(...x)).toBeCloseTo(1, 3);
    // with the cell held there is no saddle point: the atoms alone are at a minimum
    expect((await lowestCurvature(atomSpace(atoms, emt))).lowest).toBeGreaterThan(0.1);
    // with only the volume free, no shape change: a minimum
    expect((await lowestCurvature(cellSpace(atoms, emt, { pressure: 0, hydrostatic: true }))).lowest).toBeGreaterThan(0);
  });

  it("agrees with ASE's Hessian where atoms and strain couple: a rattled, strained CuAu cell relaxed with its cell", async () => {
    const atoms = new Atoms({
      numbers: Int32Array.of(29, 79, 29, 79),
      cart: Float64Array.of(0.03, -0.02, 0.01, 1.9, 1.95, 0.02, 1.93, -0.04, 1.88, 0.05, 1.9, 1.97),
      lattice: [
        [3.85, 0.05, 0],
        [0, 3.8, 0.04],
        [0.03, 0, 3.75],
      ],
      pbc: [true, true, true],
    });
    expect((await relax(atoms, emt, { cell: true, fmax: 0.001, maxSteps: 2000 })).converged).toBe(true);
    const c = await lowestCurvature(cellSpace(atoms, emt, { pressure: 0, hydrostatic: false }));
    expect(Math.abs(c.lowest - aseCellEigenvalues(atoms)[0])).toBeLessThan(2e-3);
  });

  it("'escape' follows bcc Cu's Bain path to fcc Cu, at ASE's energy; bcc Al, stable in EMT, is a minimum", async () => {
    const cu = bcc(2.9, 29);
    const checked = await relax(cu.clone(), emt, { cell: true, fmax: 0.001, minimum: 'check' });
    expect(checked.minimum).toMatchObject({ saddle: true, escapes: 0 });
    // the mode is the Bain strain: volume-keeping, tetragonal (two equal principal strains), no shear left out of it
    const e = checked.minimum!.strain!;
    expect(Math.abs(e[0] + e[4] + e[8])).toBeLessThan(1e-3 * Math.hypot(...e));
    expect(checked.minimum!.mode).toHaveLength(6);
    const escaped = await relax(cu, emt, { cell: true, fmax: 0.001, smax: 1e-6, maxSteps: 2000, minimum: 'escape' });
    expect(escaped.converged).toBe(true);
    expect(escaped.minimum).toMatchObject({ saddle: false, escapes: 1 });
    // fcc Cu with EMT (ASE 3.22, ExpCellFilter + BFGS to 1e-5): −0.0070365 eV/atom; bcc: +0.0256 eV/atom
    expect(Math.abs(escaped.energy / 2 - -0.0070365)).toBeLessThan(1e-5);
    // an fcc cell: the volume per atom of fcc Cu (a = 3.589826 Å), tetragonal with c/a = √2 in this bcc setting
    const [a, b, c] = cu.lattice!.map((v) => Math.hypot(...v)).sort((p, q) => p - q);
    expect(cu.volume()! / 2).toBeCloseTo(3.589826 ** 3 / 4, 2);
    expect(Math.abs(b - a)).toBeLessThan(1e-3);
    expect(c / a).toBeCloseTo(Math.SQRT2, 3);
    const al = await relax(bcc(3.1, 13), emt, { cell: true, fmax: 0.001, minimum: 'check' });
    expect(al.minimum!.saddle).toBe(false);
    expect(al.minimum!.lowest).toBeGreaterThan(0.01);
  });
});

describe("a relaxation's end: minimum or saddle point", () => {
  it("'check' reports the saddle point; 'escape' leaves it along its mode and ends lower, at a minimum", async () => {
    const [checked, escaped] = [saddleCells()[0], saddleCells()[0]];
    const frames: number[] = [];
    const a = await relax(checked, emt, { fmax: 0.01, maxSteps: 1000, minimum: 'check' });
    expect(a.converged).toBe(true);
    expect(a.minimum).toMatchObject({ saddle: true, escapes: 0 });
    expect(a.minimum!.lowest).toBeLessThan(SADDLE_CURVATURE);
    expect(a.message).toMatch(/lowest curvature -0\.\d+ eV\/Å²: a saddle point, not a minimum$/);
    // the mode, as displacements with the atom moving most moving 1 Å: the energy curves down along it
    const mode = a.minimum!.mode;
    expect(mode).toHaveLength(3 * checked.length);
    expect(Math.max(...Array.from({ length: checked.length }, (_, i) => Math.hypot(mode[3 * i], mode[3 * i + 1], mode[3 * i + 2])))).toBeCloseTo(1, 12);
    expect(a.minimum!.strain).toBeNull();
    const at = async (t: number) => (await emt.calculate({ ...checked, cart: checked.cart.map((x, k) => x + t * mode[k]) })).energy;
    expect((await at(0.05)) + (await at(-0.05)) - 2 * a.energy).toBeLessThan(0);
    const b = await relax(escaped, emt, { fmax: 0.01, maxSteps: 1000, minimum: 'escape', onStep: (f) => void frames.push(f.step) });
    expect(b.converged).toBe(true);
    expect(b.minimum!.saddle).toBe(false);
    expect(b.minimum!.escapes).toBeGreaterThanOrEqual(1);
    expect(b.message).toMatch(/; left (a saddle point|\d saddle points) along (its|their) modes?; lowest curvature \d\.\d+ eV\/Å²: a minimum$/);
    expect(b.energy).toBeLessThan(a.energy - 0.001);
    // every step is a frame, numbered on through the pushes
    expect(frames).toEqual(frames.map((_, i) => i));
    expect(b.steps).toBe(frames.at(-1));
    // ASE agrees it is a minimum (three translations, then positive)
    expect(aseEigenvalues(escaped)[3]).toBeGreaterThan(0);
    // without `minimum`, nothing is measured
    expect((await relax(saddleCells()[0], emt, { fmax: 0.01, maxSteps: 1000 })).minimum).toBeNull();
  });

  it('cancelled while it measures: the converged relaxation stands, unjudged', async () => {
    const signal = { aborted: false };
    let calls = 0;
    const steps = (await relax(saddleCells()[0], emt, { fmax: 0.01, maxSteps: 1000 })).steps;
    // the relaxation makes steps + 1 force calls; the next ones are the curvature's
    const counting: Calculator = { name: 'emt', calculate: (a, o) => ((signal.aborted = ++calls > steps + 4), emt.calculate(a, o)) };
    const r = await relax(saddleCells()[0], counting, { fmax: 0.01, maxSteps: 1000, minimum: 'escape', signal });
    expect(r.converged).toBe(true);
    expect(r.steps).toBe(steps);
    expect(r.minimum).toBeNull();
    expect(r.message).toMatch(/; the curvature check was cancelled$/);
    expect(calls).toBeLessThan(steps + 8);
  });
});
