/**
 * What an optimiser moves: generalised positions and forces (ASE's `Optimizable` and its filters).
 *
 * - `AtomPositions`: the Cartesian positions of the atoms, as their constraints let them move.
 * - `CellFilter`: positions and cell together through a logarithmic strain, as ASE's
 *   `FrechetCellFilter` (and `ExpCellFilter`): the cell is A = A₀·Fᵀ with the deformation gradient
 *   F = exp(X / c) of a symmetric 3×3 X, atoms sit at r_i = F·s_i with s_i their positions in the
 *   reference cell A₀, and the degrees of freedom are (s_1 … s_N, X) — N + 3 rows of 3. The optimiser
 *   minimises the enthalpy H = E + P·V at the target pressure P. Generalised forces are the exact
 *   −∂H/∂(s, X):
 *
 *     −∂H/∂s_i = Fᵀ·f_i
 *     −∂H/∂X   = −(1/c)·sym L(X/c, G),   G = ∂H/∂F = V·(σ + P·I)·F⁻ᵀ
 *
 *   with L(A, E) the Fréchet derivative of the matrix exponential and σ the stress in ASE's sign
 *   convention (so a cell under tension, σ > 0, shrinks). c (default: the number of atoms, as ASE)
 *   scales the cell rows so that a step moves them about as far as an atom. With `hydrostatic` only
 *   the volume changes (X ∝ I).
 */
import type { Mat3 } from '../chem/structure';
import { SimulationInputError, type Atoms } from './atoms';
import { maxForce } from '../chem/frames';
import type { Calculator } from './calculator';
import { inverse3 } from '../chem/lattice';
import { expm, expmFrechet3, matmul, transpose } from './matrix';

export interface Evaluation {
  /** Potential energy, eV. */
  energy: number;
  /** What the optimiser minimises: the energy, or the enthalpy E + P·V with a cell filter (eV). */
  objective: number;
  /** Generalised forces, 3 per row (projected as the atoms' constraints, `Atoms.constrainVectors`). */
  forces: Float64Array;
  /** Cartesian forces on the atoms, eV/Å. */
  atomForces: Float64Array;
  /** Stress (Voigt, eV/Å³) when the structure is periodic in three directions, else null. */
  stress: Float64Array | null;
  /** Largest force on an atom, projected as its constraints (ASE's `fmax`), eV/Å. */
  fmax: number;
  /** With a cell filter: the largest component of σ + P·I (eV/Å³) that the cell can still relax; else null. */
  smax: number | null;
}

export interface Optimizable {
  readonly atoms: Atoms;
  /** Rows of 3 generalised coordinates. */
  readonly rows: number;
  getPositions(): Float64Array;
  setPositions(x: Float64Array): void;
  /** Energy and generalised forces at the current positions. */
  evaluate(): Promise<Evaluation>;
}

/** The atoms' Cartesian positions; fixed atoms never move and feel no force, others as their constraints. */
export class AtomPositions implements Optimizable {
  constructor(
    readonly atoms: Atoms,
    private readonly calculator: Calculator,
  ) {}

  get rows(): number {
    return this.atoms.length;
  }

  getPositions(): Float64Array {
    return Float64Array.from(this.atoms.cart);
  }

  setPositions(x: Float64Array): void {
    this.atoms.moveTo(x);
  }

  async evaluate(): Promise<Evaluation> {
    const r = await this.calculator.calculate(this.atoms, { stress: this.atoms.bulk });
    const forces = this.atoms.constrainVectors(Float64Array.from(r.forces));
    const { symmetry, lattice } = this.atoms;
    const stress = symmetry && r.stress ? symmetry.stress(r.stress, lattice!) : r.stress;
    return { energy: r.energy, objective: r.energy, forces, atomForces: r.forces, stress, fmax: maxForce(forces), smax: null };
  }
}

/** Why a cell relaxation does not hold atoms along x, y or z. */
export const CARTESIAN_CELL =
  'a cell relaxation cannot hold atoms along x, y or z: the cell carries them along, so where they end would depend on the path; hold them along lattice vectors (selective dynamics), or relax the positions only';

export interface CellFilterOptions {
  /** Target pressure, eV/Å³ (default 0). */
  pressure?: number;
  /** Relax only the volume (default false). */
  hydrostatic?: boolean;
  /** c, the scale of the cell rows (default: the number of atoms). */
  cellFactor?: number;
}

/** Positions and cell relaxed together (see the module comment). */
export class CellFilter implements Optimizable {
  readonly pressure: number;
  readonly hydrostatic: boolean;
  readonly cellFactor: number;
  /** Reference lattice A₀ (rows). */
  private readonly a0: Mat3;
  /** X, the cell degrees of freedom (row-major, symmetric). */
  private x: Float64Array = new Float64Array(9);
  /** F = exp(X / c). */
  private f: Float64Array = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);

  constructor(
    readonly atoms: Atoms,
    private readonly calculator: Calculator,
    options: CellFilterOptions = {},
  ) {
    if (!atoms.bulk) throw new Error('a cell relaxation needs a structure periodic in all three directions');
    if (atoms.axisConstraints.some((c) => c.frame === 'cartesian')) throw new SimulationInputError(CARTESIAN_CELL);
    this.pressure = options.pressure ?? 0;
    this.hydrostatic = options.hydrostatic ?? false;
    this.cellFactor = options.cellFactor ?? atoms.length;
    if (!(this.cellFactor > 0)) throw new Error(`the cell factor must be positive, got ${this.cellFactor}`);
    const l = atoms.lattice!;
    this.a0 = [[...l[0]], [...l[1]], [...l[2]]];
  }

  get rows(): number {
    return this.atoms.length + 3;
  }

  /** The current deformation gradient F (row-major). */
  deformation(): Float64Array {
    return Float64Array.from(this.f);
  }

  getPositions(): Float64Array {
    const n = this.atoms.length;
    const out = new Float64Array(3 * (n + 3));
    const finv = inverse3(this.f)!; // F = exp(X/c) is never singular
    const cart = this.atoms.cart;
    for (let i = 0; i < n; i++) {
      const r0 = cart[3 * i];
      const r1 = cart[3 * i + 1];
      const r2 = cart[3 * i + 2];
      for (let k = 0; k < 3; k++) out[3 * i + k] = finv[3 * k] * r0 + finv[3 * k + 1] * r1 + finv[3 * k + 2] * r2;
    }
    out.set(this.x, 3 * n);
    return out;
  }

  /**
   * A strain X (3×3, row-major) as the cell may take it, in place: exactly symmetric, and with a
   * symmetry kept averaged over its group (ASE's FixSymmetry.adjust_cell).
   */
  constrainStrain(x: Float64Array): Float64Array {
    for (const [i, j] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      const m = 0.5 * (x[3 * i + j] + x[3 * j + i]);
      x[3 * i + j] = x[3 * j + i] = m;
    }
    if (this.atoms.symmetry) x.set(this.atoms.symmetry.tensor(x, this.a0));
    return x;
  }

  setPositions(pos: Float64Array): void {
    const n = this.atoms.length;
    this.x = this.constrainStrain(pos.slice(3 * n, 3 * n + 9));
    this.f = expm(this.x.map((v) => v / this.cellFactor), 3);
    const f = this.f;
    const a0 = this.a0;
    const lattice: Mat3 = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (let k = 0; k < 3; k++) for (let m = 0; m < 3; m++) lattice[k][m] = f[3 * m] * a0[k][0] + f[3 * m + 1] * a0[k][1] + f[3 * m + 2] * a0[k][2];
    // as ASE's filters: the cell changes with the atoms, then they move as their constraints let them
    // (a fixed atom keeps its fractional coordinates)
    this.atoms.setLattice(lattice, true);
    const next = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const s0 = pos[3 * i];
      const s1 = pos[3 * i + 1];
      const s2 = pos[3 * i + 2];
      for (let k = 0; k < 3; k++) next[3 * i + k] = f[3 * k] * s0 + f[3 * k + 1] * s1 + f[3 * k + 2] * s2;
    }
    this.atoms.moveTo(next);
  }

  async evaluate(): Promise<Evaluation> {
    const atoms = this.atoms;
    const n = atoms.length;
    const r = await this.calculator.calculate(atoms, { stress: true });
    if (!r.stress) throw new Error(`the calculator ${this.calculator.name} gave no stress: a cell relaxation needs one`);
    const V = atoms.volume()!;
    const f = this.f;
    const out = new Float64Array(3 * (n + 3));
    const forces = atoms.constrainVectors(Float64Array.from(r.forces));
    for (let i = 0; i < n; i++) {
      const f0 = forces[3 * i];
      const f1 = forces[3 * i + 1];
      const f2 = forces[3 * i + 2];
      // (Fᵀ f)_k = Σ_m F_mk f_m
      for (let k = 0; k < 3; k++) out[3 * i + k] = f[k] * f0 + f[3 + k] * f1 + f[6 + k] * f2;
    }
    // a symmetry kept: the stress averaged over the group (ASE's FixSymmetry.adjust_stress)
    const s = atoms.symmetry ? atoms.symmetry.stress(r.stress, atoms.lattice!) : r.stress;
    const P = this.pressure;
    // σ + P·I, full 3×3 from Voigt (xx, yy, zz, yz, xz, xy)
    const sp = Float64Array.of(s[0] + P, s[5], s[4], s[5], s[1] + P, s[3], s[4], s[3], s[2] + P);
    const G = matmul(sp.map((v) => v * V), transpose(inverse3(f)!, 3), 3);
    const c = this.cellFactor;
    const L = expmFrechet3(this.x.map((v) => v / c), G);
    const gx = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) gx[3 * i + j] = (-0.5 * (L[3 * i + j] + L[3 * j + i])) / c;
    let smax: number;
    if (this.hydrostatic) {
      const t = (gx[0] + gx[4] + gx[8]) / 3;
      gx.fill(0);
      gx[0] = gx[4] = gx[8] = t;
      smax = Math.abs((sp[0] + sp[4] + sp[8]) / 3);
    } else {
      smax = 0;
      for (const v of sp) smax = Math.max(smax, Math.abs(v));
    }
    out.set(gx, 3 * n);
    return { energy: r.energy, objective: r.energy + P * V, forces: out, atomForces: r.forces, stress: s, fmax: maxForce(forces), smax };
  }
}
