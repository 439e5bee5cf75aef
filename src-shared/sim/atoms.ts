/**
 * The state a simulation moves: positions, cell, velocities, masses and its constraints: atoms held
 * fixed (ASE's `FixAtoms`) and atoms held along some axes only (ASE's `FixScaled` and
 * `FixCartesian`, `AxisConstraint`). Struct-of-arrays on typed arrays; units in `units.ts`.
 *
 * The constraints act as ASE 3.22's do, so that a constrained relaxation takes ASE's steps one for
 * one: forces are projected (`constrainVectors`, ASE's `adjust_forces`), moves are cut back
 * (`moveTo`, ASE's `adjust_positions`), and molecular dynamics projects the velocities at the end of
 * a step (ASE's `adjust_momenta`).
 */
import { elementInfo, elementSymbol } from '../chem/elements';
import { cartToFrac, cellVolume, invert, mulRows } from '../chem/lattice';
import type { Mat3, SiteProperty, Structure } from '../chem/structure';
import { KB, MASS_VELOCITY2, momentaToVelocities, velocitiesToMomenta } from './units';
import type { Symmetry } from './symmetry';

/**
 * What a calculator needs to know about a structure: a `Structure` is one, and so is `Atoms`.
 * Positions are Cartesian (Å), the lattice vectors are rows (Å), pbc per lattice vector.
 */
export interface AtomicConfiguration {
  readonly numbers: Int32Array;
  readonly cart: Float64Array;
  readonly lattice: Mat3 | null;
  readonly pbc: readonly boolean[];
}

/** A structure that cannot be simulated (disorder, dummy atoms, a periodic direction without a cell). */
export class SimulationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationInputError';
  }
}

/**
 * An atom held along some of its axes. In the `lattice` frame the axes are its fractional coordinates
 * along the three lattice vectors (ASE's `FixScaled`, VASP's selective dynamics); in the `cartesian`
 * frame they are x, y and z (ASE's `FixCartesian`, an extended XYZ's three-column `move_mask`).
 * `held[k]` is true for an axis the atom keeps.
 */
export interface AxisConstraint {
  /** 0-based atom index. */
  atom: number;
  held: [boolean, boolean, boolean];
  frame: 'lattice' | 'cartesian';
}

/** Why a symmetry is not kept together with held atoms. */
export const SYMMETRY_AND_HELD = 'a relaxation keeps the symmetry or holds atoms, not both: held atoms are rarely a symmetric set, and the two would fight';

export function copyLattice(l: Mat3): Mat3 {
  return [[...l[0]], [...l[1]], [...l[2]]];
}

/**
 * A structure a potential can take (a simulation, or a prediction of its energy and forces): atoms, a
 * real element on every site, every site fully occupied; else a `SimulationInputError` says what is not.
 */
export function checkOrderedAtoms(s: Structure): void {
  const n = s.numbers.length;
  if (n === 0) throw new SimulationInputError('the structure has no atoms');
  for (let i = 0; i < n; i++) {
    if (s.numbers[i] <= 0) throw new SimulationInputError(`site ${i} (${s.species[i] ?? '?'}) has no element: a simulation needs a real atom on every site`);
    if (Math.abs(s.occupancy[i] - 1) > 1e-6) {
      throw new SimulationInputError(`site ${i} (${s.species[i]}) is partially occupied (${s.occupancy[i]}): a simulation needs an ordered structure`);
    }
  }
}

/** The mutable state of a simulated structure. */
export class Atoms implements AtomicConfiguration {
  readonly numbers: Int32Array;
  /** Cartesian positions, Å, 3 per atom (never wrapped into the cell by the simulation). */
  cart: Float64Array;
  lattice: Mat3 | null;
  readonly pbc: [boolean, boolean, boolean];
  /** Masses, u. */
  readonly masses: Float64Array;
  /** Velocities, Å/fs, 3 per atom (zeros until set). */
  velocities: Float64Array;
  /** 1 for an atom held fixed (it never moves and its velocity stays zero); null when none is. */
  readonly fixed: Uint8Array | null;
  /** Atoms held along some axes only (none of them in `fixed`, each held along one or two axes). */
  readonly axisConstraints: readonly AxisConstraint[];
  /** A space group kept through a relaxation (ASE's `FixSymmetry`): forces and steps averaged over it; null when none is. */
  readonly symmetry: Symmetry | null;

  constructor(init: {
    numbers: Int32Array;
    cart: Float64Array;
    lattice: Mat3 | null;
    pbc: readonly boolean[];
    masses?: Float64Array;
    velocities?: Float64Array;
    fixed?: Uint8Array | null;
    axisConstraints?: readonly AxisConstraint[];
    symmetry?: Symmetry | null;
  }) {
    const n = init.numbers.length;
    if (init.cart.length !== 3 * n) throw new SimulationInputError(`positions: expected ${3 * n} numbers for ${n} atoms, got ${init.cart.length}`);
    this.numbers = Int32Array.from(init.numbers);
    this.cart = Float64Array.from(init.cart);
    this.lattice = init.lattice ? copyLattice(init.lattice) : null;
    this.pbc = [!!init.pbc[0], !!init.pbc[1], !!init.pbc[2]];
    if (this.pbc.some((p) => p) && !this.lattice) throw new SimulationInputError('a periodic structure needs a lattice');
    this.masses = init.masses ? Float64Array.from(init.masses) : massesOf(this.numbers);
    this.velocities = init.velocities ? Float64Array.from(init.velocities) : new Float64Array(3 * n);
    const fixed = init.fixed && init.fixed.some((f) => f !== 0) ? Uint8Array.from(init.fixed) : null;
    if (fixed && fixed.length !== n) throw new SimulationInputError(`fixed atoms: expected a flag for each of ${n} atoms, got ${fixed.length}`);
    this.fixed = fixed;
    this.axisConstraints = checkAxisConstraints(init.axisConstraints ?? [], n, fixed, this.lattice);
    this.symmetry = init.symmetry ?? null;
    if (this.symmetry && (fixed || this.axisConstraints.length)) throw new SimulationInputError(SYMMETRY_AND_HELD);
    if (this.symmetry && !this.lattice) throw new SimulationInputError('keeping a symmetry needs a lattice');
    this.constrainVectors(this.velocities);
  }

  /**
   * The atoms of an ordered structure; `fixed` lists atom indices (0-based) to hold in place,
   * `axisConstraints` the atoms to hold along some axes only; with `velocities` the atoms start with
   * the structure's own (its `momenta`, `structureVelocities`), an error when it has none; `symmetry`
   * keeps a space group (sim/symmetry.ts).
   * Partially occupied sites and dummy atoms are errors (`checkOrderedAtoms`): a simulation needs one element per site.
   */
  static fromStructure(
    s: Structure,
    options: { fixed?: readonly number[]; axisConstraints?: readonly AxisConstraint[]; velocities?: boolean; symmetry?: Symmetry } = {},
  ): Atoms {
    checkOrderedAtoms(s);
    const n = s.numbers.length;
    let fixed: Uint8Array | null = null;
    if (options.fixed && options.fixed.length > 0) {
      fixed = new Uint8Array(n);
      for (const i of options.fixed) {
        if (!Number.isInteger(i) || i < 0 || i >= n) throw new SimulationInputError(`fixed atom index ${i} is not an atom of this ${n}-atom structure (indices start at 0)`);
        fixed[i] = 1;
      }
    }
    let velocities: Float64Array | undefined;
    if (options.velocities) {
      const v = structureVelocities(s);
      if (!v) throw new SimulationInputError("the structure carries no velocities (an extended XYZ's momenta, as ASE writes them, a CONTCAR's velocity block, or a frame of a molecular dynamics run): start from Maxwell–Boltzmann velocities");
      velocities = v;
    }
    return new Atoms({ numbers: s.numbers, cart: s.cart, lattice: s.lattice, pbc: s.pbc, fixed, axisConstraints: options.axisConstraints, velocities, symmetry: options.symmetry });
  }

  get length(): number {
    return this.numbers.length;
  }

  /** True when an atom is held fixed, or along some axes (the total momentum is then not conserved). */
  get constrained(): boolean {
    return this.fixed !== null || this.axisConstraints.length > 0;
  }

  /**
   * Projects vectors of the atoms (forces, velocities; 3 per atom) in place as the constraints do
   * (ASE's `adjust_forces`): averaged over the space group kept (`symmetry`); zero for a fixed atom;
   * for an atom held along some axes, Cartesian components along them removed, or in the lattice
   * frame, as ASE's `FixScaled` does, f ← ((f·A) ⊙ free)·A⁻¹ with A the lattice (rows).
   *
   * `'displacements'` projects orthogonally onto the moves the constraints allow instead: in the
   * lattice frame the components along the reciprocal vectors of the held axes are removed, so the
   * held fractional coordinates stay (`moveTo`). The two agree but in the lattice frame of a skewed
   * cell, where ASE's force projection is oblique; a curvature (a Hessian over the allowed moves)
   * needs the orthogonal one.
   */
  constrainVectors(v: Float64Array, kind: 'forces' | 'displacements' = 'forces'): Float64Array {
    if (this.symmetry) return this.symmetry.vectors(v, this.lattice!);
    const fixed = this.fixed;
    if (fixed) for (let i = 0; i < fixed.length; i++) if (fixed[i]) v.fill(0, 3 * i, 3 * i + 3);
    if (this.axisConstraints.length === 0) return v;
    const lattice = this.lattice;
    const inverse = lattice ? invert(lattice) : null;
    for (const c of this.axisConstraints) {
      const row = v.subarray(3 * c.atom, 3 * c.atom + 3);
      if (c.frame === 'lattice' && kind === 'displacements') {
        // the reciprocal vectors of the held axes (columns of A⁻¹), orthonormalised, taken out
        const basis: number[][] = [];
        for (let k = 0; k < 3; k++) {
          if (!c.held[k]) continue;
          const b = [inverse![0][k], inverse![1][k], inverse![2][k]];
          for (const e of basis) {
            const d = b[0] * e[0] + b[1] * e[1] + b[2] * e[2];
            for (let m = 0; m < 3; m++) b[m] -= d * e[m];
          }
          const n = Math.hypot(b[0], b[1], b[2]);
          basis.push(b.map((x) => x / n));
        }
        for (const e of basis) {
          const d = row[0] * e[0] + row[1] * e[1] + row[2] * e[2];
          for (let m = 0; m < 3; m++) row[m] -= d * e[m];
        }
        continue;
      }
      if (c.frame === 'lattice') mulRows(row, lattice!, row);
      for (let k = 0; k < 3; k++) if (c.held[k]) row[k] = 0;
      if (c.frame === 'lattice') mulRows(row, inverse!, row);
    }
    return v;
  }

  /**
   * Moves the atoms to `next` (Cartesian, 3 per atom) as far as the constraints let them (ASE's
   * `adjust_positions`): with a symmetry kept, by the step averaged over the group; a fixed atom
   * stays; an atom held along some axes keeps its coordinates along them (in the lattice frame, its
   * fractional coordinates in the current cell).
   */
  moveTo(next: Float64Array): void {
    const cart = this.cart;
    if (this.symmetry) {
      // the step, averaged over the group (ASE's FixSymmetry.adjust_positions)
      const step = next.map((x, k) => x - cart[k]);
      this.symmetry.vectors(step, this.lattice!);
      for (let k = 0; k < cart.length; k++) cart[k] += step[k];
      return;
    }
    // where the atoms held along some axes were
    const held = this.axisConstraints.map((c) => cart.slice(3 * c.atom, 3 * c.atom + 3));
    const fixed = this.fixed;
    for (let i = 0; i < this.length; i++) {
      if (fixed?.[i]) continue;
      cart[3 * i] = next[3 * i];
      cart[3 * i + 1] = next[3 * i + 1];
      cart[3 * i + 2] = next[3 * i + 2];
    }
    if (held.length === 0) return;
    const lattice = this.lattice;
    const inverse = lattice ? invert(lattice) : null;
    for (const [j, c] of this.axisConstraints.entries()) {
      const before = held[j];
      const after = cart.subarray(3 * c.atom, 3 * c.atom + 3);
      if (c.frame === 'lattice') {
        mulRows(before, inverse!, before);
        mulRows(after, inverse!, after);
      }
      for (let k = 0; k < 3; k++) if (c.held[k]) after[k] = before[k];
      if (c.frame === 'lattice') mulRows(after, lattice!, after);
    }
  }

  /** Number of atoms that move. */
  get freeCount(): number {
    if (!this.fixed) return this.length;
    let c = 0;
    for (let i = 0; i < this.fixed.length; i++) if (!this.fixed[i]) c++;
    return c;
  }

  /** Cell volume, Å³; null without a lattice. */
  volume(): number | null {
    return this.lattice ? cellVolume(this.lattice) : null;
  }

  /** True when the structure is periodic in all three directions (stress and pressure are defined). */
  get bulk(): boolean {
    return this.lattice !== null && this.pbc[0] && this.pbc[1] && this.pbc[2];
  }

  /** Kinetic energy Σ ½ m v², eV. */
  kineticEnergy(): number {
    const v = this.velocities;
    const m = this.masses;
    let s = 0;
    for (let i = 0; i < m.length; i++) s += m[i] * (v[3 * i] ** 2 + v[3 * i + 1] ** 2 + v[3 * i + 2] ** 2);
    return 0.5 * MASS_VELOCITY2 * s;
  }

  /**
   * Degrees of freedom of the kinetic energy: 3 per moving atom, less each axis an atom is held along,
   * less the 3 of the centre of mass when nothing is held (every integrator here keeps the total
   * momentum at zero then).
   */
  degreesOfFreedom(): number {
    return Math.max(this.freedom, 1);
  }

  /** `degreesOfFreedom` before it is kept at 1 or more (so a temperature divides by it): 0 when nothing can move, or a single free atom. */
  get freedom(): number {
    let held = 0;
    for (const c of this.axisConstraints) held += c.held.filter((h) => h).length;
    const dof = 3 * this.freeCount - held;
    return this.constrained ? dof : dof - 3;
  }

  /** Instantaneous temperature 2·E_kin / (k_B · dof), K. */
  temperature(): number {
    return (2 * this.kineticEnergy()) / (KB * this.degreesOfFreedom());
  }

  /**
   * Kinetic (ideal-gas) part of the stress, −(1/V) Σ m v⊗v as a Voigt 6-vector in eV/Å³ (ASE's
   * sign: the moving atoms push outwards, a negative stress, a positive pressure).
   */
  kineticStress(): Float64Array {
    const out = new Float64Array(6);
    const V = this.volume();
    if (V === null) return out;
    const v = this.velocities;
    const m = this.masses;
    for (let i = 0; i < m.length; i++) {
      const x = v[3 * i];
      const y = v[3 * i + 1];
      const z = v[3 * i + 2];
      out[0] += m[i] * x * x;
      out[1] += m[i] * y * y;
      out[2] += m[i] * z * z;
      out[3] += m[i] * y * z;
      out[4] += m[i] * x * z;
      out[5] += m[i] * x * y;
    }
    const f = -MASS_VELOCITY2 / V;
    for (let k = 0; k < 6; k++) out[k] *= f;
    return out;
  }

  /** Σ m·v, u·Å/fs. */
  momentum(): [number, number, number] {
    const p: [number, number, number] = [0, 0, 0];
    for (let i = 0; i < this.masses.length; i++) for (let k = 0; k < 3; k++) p[k] += this.masses[i] * this.velocities[3 * i + k];
    return p;
  }

  /** Removes the centre-of-mass velocity of the moving atoms (ASE's `Stationary`). */
  zeroMomentum(): void {
    const n = this.length;
    const p = [0, 0, 0];
    let mass = 0;
    for (let i = 0; i < n; i++) {
      if (this.fixed?.[i]) continue;
      mass += this.masses[i];
      for (let k = 0; k < 3; k++) p[k] += this.masses[i] * this.velocities[3 * i + k];
    }
    if (mass === 0) return;
    for (let i = 0; i < n; i++) {
      if (this.fixed?.[i]) continue;
      for (let k = 0; k < 3; k++) this.velocities[3 * i + k] -= p[k] / mass;
    }
  }

  /** Changes the lattice; with `scaleAtoms` the atoms keep their fractional coordinates. */
  setLattice(lattice: Mat3, scaleAtoms: boolean): void {
    if (!this.lattice) throw new SimulationInputError('a structure without a lattice has no cell to change');
    if (scaleAtoms) {
      const frac = cartToFrac(this.cart, this.lattice);
      const [a, b, c] = lattice;
      for (let i = 0; i < this.length; i++) {
        const f0 = frac[3 * i];
        const f1 = frac[3 * i + 1];
        const f2 = frac[3 * i + 2];
        for (let k = 0; k < 3; k++) this.cart[3 * i + k] = f0 * a[k] + f1 * b[k] + f2 * c[k];
      }
    }
    this.lattice = copyLattice(lattice);
  }

  clone(): Atoms {
    return new Atoms(this);
  }

  /**
   * A `Structure` of the current state (a snapshot: nothing is shared). Positions are as simulated,
   * not wrapped into the cell; with `momenta`, the velocities go with it as ASE's `momenta`.
   */
  toStructure(name: string, options: { momenta?: boolean } = {}): Structure {
    const n = this.length;
    return {
      name,
      lattice: this.lattice ? copyLattice(this.lattice) : null,
      pbc: [...this.pbc],
      numbers: Int32Array.from(this.numbers),
      species: Array.from(this.numbers, (z) => elementSymbol(z)),
      cart: Float64Array.from(this.cart),
      frac: this.lattice ? cartToFrac(this.cart, this.lattice) : null,
      occupancy: new Float64Array(n).fill(1),
      siteProperties: options.momenta ? { momenta: momentaProperty(this.numbers, this.velocities) } : {},
      properties: {},
    };
  }
}

/**
 * A structure's own velocities, Å/fs, from its `momenta` site property (u·Å per ASE time unit, as ASE's
 * extended XYZ holds them) and the standard atomic masses; null without one. A file that sets masses
 * of its own (a `masses` column that differs from the standard ones) is an error: simulations use the
 * standard masses, so its momenta would give other velocities than the ones it meant.
 */
export function structureVelocities(s: Pick<Structure, 'numbers' | 'siteProperties'>): Float64Array | null {
  const p = s.siteProperties.momenta;
  if (!p) return null;
  if (p.kind !== 'vector' || p.width !== 3) throw new SimulationInputError('the momenta must be three numbers per atom');
  const masses = massesOf(Int32Array.from(s.numbers));
  const own = s.siteProperties.masses;
  if (own?.kind === 'number') {
    const i = masses.findIndex((m, k) => Math.abs(own.values[k] - m) > 1e-6 * m);
    if (i >= 0) throw new SimulationInputError(`atom ${i} has a mass of its own (${own.values[i]} u, not ${masses[i]}): simulations use the standard atomic masses, so its momenta cannot be taken as velocities`);
  }
  const v = momentaToVelocities(masses, p.values);
  const bad = v.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new SimulationInputError(`atom ${Math.floor(bad / 3)} has a momentum that is not a finite number`);
  return v;
}

/** Velocities (Å/fs) of atoms with these elements as ASE's `momenta` (u·Å per ASE time unit), the site property ASE reads back. */
export function momentaProperty(numbers: ArrayLike<number>, velocities: ArrayLike<number>): SiteProperty {
  const masses = massesOf(Int32Array.from(numbers));
  return { kind: 'vector', width: 3, values: velocitiesToMomenta(masses, velocities) };
}

/** The constraints checked: atoms that exist, each once (a fixed atom's dropped); a lattice for the lattice frame; one or two axes held; one frame. */
function checkAxisConstraints(list: readonly AxisConstraint[], n: number, fixed: Uint8Array | null, lattice: Mat3 | null): AxisConstraint[] {
  const seen = new Set<number>();
  const out: AxisConstraint[] = [];
  for (const c of list) {
    const i = c.atom;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new SimulationInputError(`atom ${i}, held along some axes, is not an atom of this ${n}-atom structure (indices start at 0)`);
    if (seen.has(i)) throw new SimulationInputError(`atom ${i} is held along some axes twice`);
    seen.add(i);
    if (fixed?.[i]) continue; // held whole already
    if (c.frame === 'lattice' && !lattice) throw new SimulationInputError(`atom ${i} is held along lattice vectors, but the structure has no lattice`);
    const count = c.held.filter((h) => h).length;
    if (count === 0) continue;
    if (count === 3) throw new SimulationInputError(`atom ${i} is held along all three axes: list it among the fixed atoms`);
    out.push({ atom: i, held: [c.held[0], c.held[1], c.held[2]], frame: c.frame });
  }
  if (new Set(out.map((c) => c.frame)).size > 1) throw new SimulationInputError('atoms are held along lattice vectors and along Cartesian axes at once: hold them along one kind');
  return out;
}

function massesOf(numbers: Int32Array): Float64Array {
  return Float64Array.from(numbers, (z) => {
    const m = elementInfo(z)?.mass;
    if (!(m && m > 0)) throw new SimulationInputError(`no atomic mass known for Z = ${z}`);
    return m;
  });
}
