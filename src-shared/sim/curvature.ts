/**
 * Is a relaxed structure a minimum, or a saddle point where the optimiser stopped because the forces
 * vanish there too? The lowest curvature of the energy over the atoms' displacements (the lowest
 * eigenvalue of the Hessian ∂²E/∂r∂r, eV/Å², at the Γ point of the cell, the cell held) answers it:
 * negative at a saddle point, where a small push along its eigenvector (the mode) lowers the energy.
 *
 * Lanczos iteration on Hessian-vector products from central differences of the forces,
 * H·v ≈ −(F(r + h·v) − F(r − h·v)) / 2h for a unit v (h = 0.01 Å, as ASE's `Vibrations`): two force
 * calls per product, about 20–40 in all, instead of 6N for the whole Hessian. Displacements are kept
 * within the atoms' constraints (held atoms and axes, a kept symmetry: `Atoms.constrainVectors`), and
 * the motions that cost no energy are taken out: rigid translations when nothing is held, and rigid
 * rotations too for a molecule (no periodic direction).
 */
import { Rng } from '../model/rng';
import type { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { symmetricEigen } from './matrix';

export interface CurvatureOptions {
  /** Finite-difference step, Å (default 0.01). */
  step?: number;
  /** Most Lanczos iterations (default 30; never more than the degrees of freedom). */
  iterations?: number;
  /** Stop when the lowest Ritz value's residual ‖H·x − λx‖ is below this, eV/Å² (default 1e-3). */
  tolerance?: number;
  /** Seed of the start vector (default 1): the same atoms give the same answer. */
  seed?: number;
  signal?: { readonly aborted: boolean };
}

export interface Curvature {
  /** The lowest curvature, eV/Å² (0 when nothing can move). */
  lowest: number;
  /** Its mode: a unit displacement, 3 per atom (Å per unit of the mode's amplitude). */
  mode: Float64Array;
  /** Force calls made. */
  forceCalls: number;
}

/**
 * A curvature below this (eV/Å²) is a saddle point; above it, numerical noise of a minimum's zero
 * modes. A Lanczos estimate is never below the true lowest curvature (Ritz values bound it from
 * above), so a saddle point found is one; one missed would need the iterations to run out first.
 */
export const SADDLE_CURVATURE = -0.01;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};

function normalise(v: Float64Array): number {
  const n = Math.sqrt(dot(v, v));
  if (n > 0) for (let k = 0; k < v.length; k++) v[k] /= n;
  return n;
}

/** Orthonormal rigid motions that cost no energy: translations when nothing is held, rotations of a molecule. */
function zeroModes(atoms: Atoms): Float64Array[] {
  if (atoms.constrained || atoms.symmetry) return [];
  const n = atoms.length;
  const modes: Float64Array[] = [];
  for (let k = 0; k < 3; k++) {
    const t = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) t[3 * i + k] = 1;
    modes.push(t);
  }
  if (!atoms.pbc.some((p) => p)) {
    const centre = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) centre[k] += atoms.cart[3 * i + k] / n;
    for (let k = 0; k < 3; k++) {
      const r = new Float64Array(3 * n);
      const [a, b] = [(k + 1) % 3, (k + 2) % 3];
      for (let i = 0; i < n; i++) {
        r[3 * i + a] = -(atoms.cart[3 * i + b] - centre[b]);
        r[3 * i + b] = atoms.cart[3 * i + a] - centre[a];
      }
      modes.push(r);
    }
  }
  // Gram–Schmidt: a linear molecule has only two rotations (the third comes out zero and is dropped)
  const basis: Float64Array[] = [];
  for (const m of modes) {
    for (const b of basis) {
      const c = dot(m, b);
      for (let k = 0; k < m.length; k++) m[k] -= c * b[k];
    }
    if (normalise(m) > 1e-8) basis.push(m);
  }
  return basis;
}

/** The degrees of freedom left: 3N less the held components and the zero modes (an upper bound with a symmetry kept). */
function freedom(atoms: Atoms, zero: number): number {
  let free = 3 * atoms.length;
  if (atoms.fixed) free -= 3 * atoms.fixed.reduce((s, f) => s + f, 0);
  for (const c of atoms.axisConstraints) free -= c.held.filter((h) => h).length;
  return Math.max(0, free - zero);
}

/** The lowest curvature of the energy at the atoms' current positions (they are put back as they were). */
export async function lowestCurvature(atoms: Atoms, calculator: Calculator, options: CurvatureOptions = {}): Promise<Curvature> {
  const h = options.step ?? 0.01;
  const tolerance = options.tolerance ?? 1e-3;
  const dim = 3 * atoms.length;
  const zero = zeroModes(atoms);
  const maxIterations = Math.min(options.iterations ?? 30, freedom(atoms, zero.length));
  const start = Float64Array.from(atoms.cart);
  let forceCalls = 0;
  /** Within the constraints, without the zero modes. */
  const project = (v: Float64Array) => {
    atoms.constrainVectors(v);
    for (const z of zero) {
      const c = dot(v, z);
      for (let k = 0; k < dim; k++) v[k] -= c * z[k];
    }
    return v;
  };
  const forcesAt = async (v: Float64Array, sign: number) => {
    const moved = new Float64Array(dim);
    for (let k = 0; k < dim; k++) moved[k] = start[k] + sign * h * v[k];
    atoms.cart = moved;
    forceCalls++;
    return (await calculator.calculate(atoms, { stress: false })).forces;
  };
  const product = async (v: Float64Array) => {
    try {
      const plus = await forcesAt(v, 1);
      const minus = await forcesAt(v, -1);
      const hv = new Float64Array(dim);
      for (let k = 0; k < dim; k++) hv[k] = -(plus[k] - minus[k]) / (2 * h);
      return project(hv);
    } finally {
      atoms.cart = Float64Array.from(start);
    }
  };

  if (maxIterations === 0) return { lowest: 0, mode: new Float64Array(dim), forceCalls };
  const rng = new Rng(options.seed ?? 1);
  const q = project(Float64Array.from({ length: dim }, () => rng.normal()));
  normalise(q);
  const basis: Float64Array[] = [q];
  const alpha: number[] = [];
  const beta: number[] = [];
  let lowest = 0;
  let ritz = new Float64Array(1);
  for (let j = 0; j < maxIterations; j++) {
    if (options.signal?.aborted) break;
    const w = await product(basis[j]);
    alpha.push(dot(w, basis[j]));
    // full reorthogonalisation: a few dozen vectors, and no ghost eigenvalues
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        const c = dot(w, b);
        for (let k = 0; k < dim; k++) w[k] -= c * b[k];
      }
    }
    const m = alpha.length;
    const t = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      t[i * m + i] = alpha[i];
      if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = beta[i];
    }
    const eig = symmetricEigen(t, m);
    lowest = eig.values[0];
    ritz = Float64Array.from({ length: m }, (_, i) => eig.vectors[i * m]);
    const next = normalise(project(w));
    // the residual of the lowest Ritz pair is ‖w‖ times the last component of its vector
    if (next * Math.abs(ritz[m - 1]) < tolerance || next < 1e-12 || j + 1 === maxIterations) break;
    beta.push(next);
    basis.push(w);
  }
  const mode = new Float64Array(dim);
  ritz.forEach((c, i) => {
    for (let k = 0; k < dim; k++) mode[k] += c * basis[i][k];
  });
  normalise(mode);
  return { lowest, mode, forceCalls };
}
