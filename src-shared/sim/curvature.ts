/**
 * Is a relaxed structure a minimum, or a saddle point where the optimiser stopped because the forces
 * vanish there too? The lowest curvature of the energy over what the relaxation moved (the lowest
 * eigenvalue of the Hessian, eV/Å²: over the atoms' displacements at the Γ point of the cell, or, for
 * a cell relaxation, over displacements and strain together, of the enthalpy) answers it: negative at
 * a saddle point, where a small push along its eigenvector (the mode) lowers the energy.
 *
 * Lanczos iteration on Hessian-vector products from central differences of the (generalised) forces,
 * H·v ≈ −(F(x + h·v) − F(x − h·v)) / 2h for a unit v (h = 0.01 Å, as ASE's `Vibrations`): two force
 * calls per product, about 20–40 in all, instead of 6N for the whole Hessian. Displacements are kept
 * within the atoms' constraints (held atoms and axes, a kept symmetry: `Atoms.constrainVectors`; a
 * strain only as the cell relaxation lets it change; projected orthogonally onto the allowed moves),
 * and the motions that cost no energy are taken out: the rigid translations the constraints leave, and
 * rigid rotations too for a molecule (no periodic direction) when nothing is held.
 */
import { invert } from '../chem/lattice';
import type { Mat3 } from '../chem/structure';
import { Rng } from '../model/rng';
import type { Atoms } from './atoms';
import type { Calculation, Calculator } from './calculator';
import { CellFilter, type Evaluation } from './filters';
import { dot, symmetricEigen } from './matrix';

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
  /** Its mode: a unit displacement in the space's coordinates (3 per atom, then 9 of the strain with the cell). */
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

function normalise(v: Float64Array): number {
  const n = Math.sqrt(dot(v, v));
  if (n > 0) for (let k = 0; k < v.length; k++) v[k] /= n;
  return n;
}

/** Gram–Schmidt of 3-vectors, in order; the ones that depend on those before are dropped. */
function orthonormal(vectors: number[][]): number[][] {
  const basis: number[][] = [];
  for (const v of vectors) {
    const w = [...v];
    for (const b of basis) {
      const c = w[0] * b[0] + w[1] * b[1] + w[2] * b[2];
      for (let m = 0; m < 3; m++) w[m] -= c * b[m];
    }
    const norm = Math.hypot(w[0], w[1], w[2]);
    if (norm > 1e-8 * Math.max(1, Math.hypot(v[0], v[1], v[2]))) basis.push(w.map((x) => x / norm));
  }
  return basis;
}

/**
 * Orthonormal rigid motions that cost no energy (`rows` rows of 3 in all): the translations the
 * constraints leave (none with a fixed atom; with atoms held along some axes, those perpendicular to
 * every held direction: x, y, z, or a held lattice vector's reciprocal vector), and the rotations of a
 * molecule when nothing is held.
 */
function zeroModes(atoms: Atoms, rows: number): Float64Array[] {
  if (atoms.symmetry || atoms.fixed?.some((f) => f)) return [];
  const n = atoms.length;
  const inverse = atoms.lattice ? invert(atoms.lattice) : null;
  const held: number[][] = [];
  for (const c of atoms.axisConstraints) {
    for (let k = 0; k < 3; k++) {
      if (c.held[k]) held.push(c.frame === 'lattice' ? [inverse![0][k], inverse![1][k], inverse![2][k]] : [0, 1, 2].map((m) => (m === k ? 1 : 0)));
    }
  }
  // the directions along which every atom may move: the complement of the held ones
  const spanned = orthonormal(held);
  const free = orthonormal([...spanned, [1, 0, 0], [0, 1, 0], [0, 0, 1]]).slice(spanned.length);
  const modes: Float64Array[] = [];
  for (const u of free) {
    const t = new Float64Array(3 * rows);
    for (let i = 0; i < n; i++) t.set(u, 3 * i);
    modes.push(t);
  }
  if (!atoms.constrained && !atoms.pbc.some((p) => p)) {
    const centre = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) centre[k] += atoms.cart[3 * i + k] / n;
    for (let k = 0; k < 3; k++) {
      const r = new Float64Array(3 * rows);
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

/** The atoms' degrees of freedom: 3N less the held components (an upper bound with a symmetry kept). */
function atomFreedom(atoms: Atoms): number {
  let free = 3 * atoms.length;
  if (atoms.fixed) free -= 3 * atoms.fixed.reduce((s, f) => s + f, 0);
  for (const c of atoms.axisConstraints) free -= c.held.filter((h) => h).length;
  return free;
}

/**
 * Where the curvature is measured: the coordinates the relaxation moved (the atoms' positions, or
 * positions and cell together), the generalised forces there, and how a displacement is kept within
 * the constraints.
 */
export interface CurvatureSpace {
  /** Coordinates, 3 per row. */
  readonly dim: number;
  /** The rigid motions that cost nothing, orthonormal. */
  readonly zero: Float64Array[];
  /** Degrees of freedom left (after the constraints and the zero modes; an upper bound with a symmetry kept). */
  readonly freedom: number;
  /** Force calls made so far. */
  readonly forceCalls: number;
  /** Projects a displacement in place so that it stays within the constraints. */
  constrain(v: Float64Array): Float64Array;
  /** Generalised forces −∂E/∂x (−∂(E + PV)/∂x with the cell) at the structure moved by d; it is put back. */
  forcesAt(d: Float64Array): Promise<Float64Array>;
  /** The energy (enthalpy with the cell) at the structure moved by d; it is put back. */
  objectiveAt(d: Float64Array): Promise<number>;
  /** How far d moves the structure: the largest move of an atom, or of a bond of the mean atomic spacing in the strain, Å. */
  reach(d: Float64Array): number;
  /** Moves the structure by d, for good. */
  move(d: Float64Array): void;
  /**
   * What d does to the atoms, to first order: their Cartesian displacements (3 per atom; a strain's
   * measured from the atoms' centroid) and, with the cell, the strain (3×3, row-major; else null).
   */
  displacements(d: Float64Array): { cart: Float64Array; strain: Float64Array | null };
}

/** The atoms' Cartesian positions, the cell held (Å; the curvature in eV/Å²). */
export function atomSpace(atoms: Atoms, calculator: Calculator): CurvatureSpace {
  const start = Float64Array.from(atoms.cart);
  const dim = start.length;
  const zero = zeroModes(atoms, atoms.length);
  let forceCalls = 0;
  const at = async <T>(d: Float64Array, read: (r: Calculation) => T): Promise<T> => {
    atoms.cart = start.map((x, k) => x + d[k]);
    forceCalls++;
    try {
      return read(await calculator.calculate(atoms, { stress: false }));
    } finally {
      atoms.cart = Float64Array.from(start);
    }
  };
  return {
    dim,
    zero,
    freedom: Math.max(0, atomFreedom(atoms) - zero.length),
    get forceCalls() {
      return forceCalls;
    },
    constrain: (v) => atoms.constrainVectors(v, 'displacements'),
    forcesAt: (d) => at(d, (r) => r.forces),
    objectiveAt: (d) => at(d, (r) => r.energy),
    reach: (d) => largestRow(d, atoms.length),
    move: (d) => atoms.moveTo(start.map((x, k) => x + d[k])),
    displacements: (d) => ({ cart: Float64Array.from(d), strain: null }),
  };
}

/**
 * Positions and cell together, as a cell relaxation moves them (the strain filter of filters.ts, from
 * the current cell): the energy is the enthalpy E + P·V, and the cell's coordinates are its logarithmic
 * strain ε (a symmetric 3×3, as a 9-vector) times c = √N·a, a = (V/N)^⅓ the mean atomic spacing. With
 * that scale a strain of unit norm changes a bond of length a by 1/√N Å, as a unit displacement of the
 * atoms moves each of N atoms by 1/√N Å: the curvature is eV/Å² for both, and an elastic instability
 * (a bcc cell of an fcc metal along the Bain path) compares with a soft phonon.
 */
export function cellSpace(atoms: Atoms, calculator: Calculator, options: { pressure: number; hydrostatic: boolean }): CurvatureSpace {
  const n = atoms.length;
  const spacing = Math.cbrt(atoms.volume()! / n);
  const factor = Math.sqrt(n) * spacing;
  const filter = new CellFilter(atoms, calculator, { ...options, cellFactor: factor });
  const start = filter.getPositions();
  const [cart, lattice] = [Float64Array.from(atoms.cart), atoms.lattice!];
  const reference = lattice.map((row) => [...row]) as Mat3;
  const zero = zeroModes(atoms, n + 3);
  let forceCalls = 0;
  const at = async <T>(d: Float64Array, read: (e: Evaluation) => T): Promise<T> => {
    filter.setPositions(start.map((x, k) => x + d[k]));
    forceCalls++;
    try {
      return read(await filter.evaluate());
    } finally {
      atoms.setLattice(reference, false);
      atoms.cart = Float64Array.from(cart);
    }
  };
  return {
    dim: start.length,
    zero,
    freedom: Math.max(0, atomFreedom(atoms) + (options.hydrostatic ? 1 : 6) - zero.length),
    get forceCalls() {
      return forceCalls;
    },
    constrain: (v) => {
      atoms.constrainVectors(v.subarray(0, 3 * n), 'displacements');
      // a strain as the filter takes it (symmetric, averaged over a kept symmetry's group), isotropic when only the volume relaxes
      const x = filter.constrainStrain(v.subarray(3 * n));
      if (options.hydrostatic) {
        const t = (x[0] + x[4] + x[8]) / 3;
        x.set([t, 0, 0, 0, t, 0, 0, 0, t]);
      }
      return v;
    },
    // the generalised forces from the atoms' own (Fᵀ·f, not projected as ASE projects forces) and the strain's
    forcesAt: (d) =>
      at(d, (e) => {
        const f = filter.deformation();
        const g = Float64Array.from(e.forces);
        const raw = e.atomForces;
        for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) g[3 * i + k] = f[k] * raw[3 * i] + f[3 + k] * raw[3 * i + 1] + f[6 + k] * raw[3 * i + 2];
        return g;
      }),
    objectiveAt: (d) => at(d, (e) => e.objective),
    reach: (d) => Math.max(largestRow(d, n), Math.sqrt(dot(d.subarray(3 * n), d.subarray(3 * n)) / n)),
    move: (d) => filter.setPositions(start.map((x, k) => x + d[k])),
    displacements: (d) => {
      // r = F·s with F = exp(X/c): δr_i = δs_i + ε·(s_i − centroid), ε = δX/c
      const strain = d.slice(3 * n).map((x) => x / factor);
      const centre = [0, 0, 0];
      for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) centre[k] += start[3 * i + k] / n;
      const out = d.slice(0, 3 * n);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 3; k++) {
          for (let m = 0; m < 3; m++) out[3 * i + k] += strain[3 * k + m] * (start[3 * i + m] - centre[m]);
        }
      }
      return { cart: out, strain };
    },
  };
}

function largestRow(d: Float64Array, rows: number): number {
  let largest = 0;
  for (let i = 0; i < rows; i++) largest = Math.max(largest, Math.hypot(d[3 * i], d[3 * i + 1], d[3 * i + 2]));
  return largest;
}

/** The lowest curvature of the energy (enthalpy) over `space`, at the structure as it is (it is put back). */
export async function lowestCurvature(space: CurvatureSpace, options: CurvatureOptions = {}): Promise<Curvature> {
  const h = options.step ?? 0.01;
  const tolerance = options.tolerance ?? 1e-3;
  const { dim, zero } = space;
  const maxIterations = Math.min(options.iterations ?? 30, space.freedom);
  const calls = space.forceCalls;
  /** Within the constraints, without the zero modes. */
  const project = (v: Float64Array) => {
    space.constrain(v);
    for (const z of zero) {
      const c = dot(v, z);
      for (let k = 0; k < dim; k++) v[k] -= c * z[k];
    }
    return v;
  };
  const product = async (v: Float64Array) => {
    const plus = await space.forcesAt(v.map((x) => h * x));
    const minus = await space.forcesAt(v.map((x) => -h * x));
    const hv = new Float64Array(dim);
    for (let k = 0; k < dim; k++) hv[k] = -(plus[k] - minus[k]) / (2 * h);
    return project(hv);
  };
  const forceCalls = () => space.forceCalls - calls;

  if (maxIterations === 0) return { lowest: 0, mode: new Float64Array(dim), forceCalls: forceCalls() };
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
  return { lowest, mode, forceCalls: forceCalls() };
}
