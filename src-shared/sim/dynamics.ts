/**
 * Molecular dynamics integrators as small objects (ASE's `ase/md/`): each holds the atoms, the
 * calculator and the time step, and `step()` advances the state by one time step. Units: fs, Å/fs,
 * u, eV (see `units.ts`). Fixed atoms keep zero velocity and never move; atoms held along some axes
 * move along the others (`Atoms.axisConstraints`).
 *
 * Every integrator keeps a `heat` account: the energy its thermostat has put into the atoms so far
 * (eV). E_total − heat (plus a Nosé–Hoover chain's own energy) is conserved by the exact dynamics,
 * so its drift measures the integration error of thermostatted runs as E_total's does for NVE.
 */
import type { Rng } from '../model/rng';
import type { Atoms } from './atoms';
import { pressureOf, type Calculation, type Calculator } from './calculator';
import { ACCELERATION, KB } from './units';

/** What is logged at every step. */
export interface MdObservation {
  potential: number;
  kinetic: number;
  total: number;
  temperature: number;
  /** Pressure including the kinetic part, eV/Å³; null without a 3D-periodic cell. */
  pressure: number | null;
  /** Stress including the kinetic part (Voigt, eV/Å³); null without a 3D-periodic cell. */
  stress: Float64Array | null;
  /** The quantity the exact dynamics conserves (eV): E_total for NVE, less the thermostat's heat otherwise. */
  conserved: number;
}

/** A barostat rescales positions and cell once per step, at its start (after a Berendsen or Nosé–Hoover thermostat's scaling). */
export interface Barostat {
  /**
   * Rescales `atoms` (positions and cell) over a time step `dt` (fs) from the current stress
   * (Voigt, eV/Å³, kinetic part included).
   */
  apply(atoms: Atoms, dt: number, stress: Float64Array): void;
}

export abstract class MolecularDynamics {
  /** Steps taken. */
  steps = 0;
  /** Energy put into the atoms by the thermostat so far, eV. */
  heat = 0;
  protected calc: Calculation | null = null;

  constructor(
    readonly atoms: Atoms,
    readonly calculator: Calculator,
    /** Time step, fs. */
    readonly dt: number,
    readonly barostat: Barostat | null = null,
  ) {
    if (!(dt > 0) || !Number.isFinite(dt)) throw new Error(`the time step must be a positive number of fs, got ${dt}`);
    if (barostat && !atoms.bulk) throw new Error('a barostat needs a structure periodic in all three directions');
  }

  /** The calculation at the current positions (computed on first use). */
  async current(): Promise<Calculation> {
    if (!this.calc) this.calc = await this.evaluate();
    return this.calc;
  }

  /** Advances by one time step. */
  abstract step(): Promise<void>;

  /** Whether the exact dynamics conserve `MdObservation.conserved` (not under Berendsen's barostat). */
  get conserves(): boolean {
    return this.barostat === null;
  }

  /** Energies, temperature and pressure of the current state. */
  async observe(): Promise<MdObservation> {
    const c = await this.current();
    const kinetic = this.atoms.kineticEnergy();
    const total = c.energy + kinetic;
    let stress: Float64Array | null = null;
    if (c.stress) {
      const ks = this.atoms.kineticStress();
      stress = c.stress.map((s, k) => s + ks[k]);
    }
    return {
      potential: c.energy,
      kinetic,
      total,
      temperature: this.atoms.temperature(),
      pressure: stress ? pressureOf(stress) : null,
      stress,
      conserved: total - this.heat + this.extendedEnergy(),
    };
  }

  /** Energy of extra dynamical variables (a Nosé–Hoover chain's), eV. */
  protected extendedEnergy(): number {
    return 0;
  }

  protected async evaluate(): Promise<Calculation> {
    const c = await this.calculator.calculate(this.atoms, { stress: this.atoms.bulk });
    if (!Number.isFinite(c.energy)) throw new Error(`the energy became non-finite at step ${this.steps} (atoms too close?)`);
    return c;
  }

  /** v += (dt·a) for the free atoms, with a = F/m (Å/fs²). */
  protected kick(dt: number, forces: Float64Array): void {
    const { velocities: v, masses: m, fixed } = this.atoms;
    for (let i = 0; i < m.length; i++) {
      if (fixed?.[i]) continue;
      const c = (dt * ACCELERATION) / m[i];
      v[3 * i] += c * forces[3 * i];
      v[3 * i + 1] += c * forces[3 * i + 1];
      v[3 * i + 2] += c * forces[3 * i + 2];
    }
  }

  /**
   * r += dt·v (fixed atoms have v = 0). An atom held along some axes moves as far as they let it, and
   * its velocity becomes the move over dt (the first half of RATTLE, as ASE's `VelocityVerlet`).
   */
  protected drift(dt: number): void {
    const atoms = this.atoms;
    const { cart, velocities: v } = atoms;
    if (atoms.axisConstraints.length === 0) {
      for (let k = 0; k < cart.length; k++) cart[k] += dt * v[k];
      return;
    }
    const before = atoms.axisConstraints.map(({ atom }) => cart.slice(3 * atom, 3 * atom + 3));
    atoms.moveTo(cart.map((x, k) => x + dt * v[k]));
    for (const [j, { atom }] of atoms.axisConstraints.entries()) for (let k = 0; k < 3; k++) v[3 * atom + k] = (cart[3 * atom + k] - before[j][k]) / dt;
  }

  /** The forces (and energy, stress) at the atoms' new positions. */
  protected async newForces(): Promise<Calculation> {
    this.calc = await this.evaluate();
    return this.calc;
  }

  /**
   * The barostat's rescaling, as ASE's `NPTBerendsen` does it at the start of a step: from the stress at
   * the current positions with the current velocities' kinetic part, then the forces at the rescaled
   * positions (a second force call per step, as ASE's).
   */
  protected async couplePressure(): Promise<void> {
    if (!this.barostat) return;
    const start = await this.current();
    if (!start.stress) throw new Error(`the calculator ${this.calculator.name} gave no stress: a barostat needs one`);
    const ks = this.atoms.kineticStress();
    this.barostat.apply(this.atoms, this.dt, start.stress.map((s, k) => s + ks[k]));
    await this.newForces();
  }

  /**
   * The barostat's rescaling, then velocity Verlet around an arbitrary middle: kick ½, drift, forces,
   * kick ½, and the velocities projected as the constraints (the second half of RATTLE, ASE's `adjust_momenta`).
   */
  protected async verletStep(): Promise<void> {
    await this.couplePressure();
    const f0 = (await this.current()).forces;
    this.kick(0.5 * this.dt, f0);
    this.drift(this.dt);
    const f1 = (await this.newForces()).forces;
    this.kick(0.5 * this.dt, f1);
    this.atoms.constrainVectors(this.atoms.velocities);
  }
}

/** Velocity Verlet (NVE; Swope, Andersen, Berens and Wilson, J. Chem. Phys. 76, 637 (1982)). */
export class VelocityVerlet extends MolecularDynamics {
  async step(): Promise<void> {
    await this.verletStep();
    this.steps++;
  }
}

/**
 * Maxwell–Boltzmann velocities at `temperature` (K) from a seeded generator, with the centre-of-mass
 * momentum removed (ASE's `MaxwellBoltzmannDistribution` then `Stationary`); with `exact` (default)
 * they are then scaled so the instantaneous temperature is exactly `temperature` (as LAMMPS's
 * `velocity create` does), so that a run starts where it was asked to.
 */
export function maxwellBoltzmann(atoms: Atoms, temperature: number, rng: Rng, options: { exact?: boolean } = {}): void {
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new Error(`the temperature must be a non-negative number of K, got ${temperature}`);
  const { velocities: v, masses: m, fixed } = atoms;
  const kT = KB * temperature;
  for (let i = 0; i < m.length; i++) {
    const s = fixed?.[i] ? 0 : Math.sqrt((kT * ACCELERATION) / m[i]);
    v[3 * i] = s * rng.normal();
    v[3 * i + 1] = s * rng.normal();
    v[3 * i + 2] = s * rng.normal();
  }
  atoms.constrainVectors(v);
  if (!atoms.constrained) atoms.zeroMomentum();
  if ((options.exact ?? true) && temperature > 0) {
    const t = atoms.temperature();
    if (t > 0) {
      const scale = Math.sqrt(temperature / t);
      for (let k = 0; k < v.length; k++) v[k] *= scale;
    }
  }
}
