/**
 * Constant-temperature (and, with a barostat, constant-pressure) molecular dynamics: Langevin,
 * Berendsen and Nosé–Hoover chain thermostats around velocity Verlet, and the Berendsen barostat.
 * Temperatures in K, times in fs (see `units.ts`).
 */
import { matrixFromVoigt, type Voigt6 } from '../chem/frames';
import type { Mat3 } from '../chem/structure';
import type { Rng } from '../model/rng';
import type { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { MolecularDynamics, type Barostat } from './dynamics';
import { symmetricEigen } from './matrix';
import { ACCELERATION, KB, fromGPa, toGPa } from './units';

function checkTemperature(t: number): number {
  if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`the target temperature must be a non-negative number of K, got ${t}`);
  return t;
}

/** A barostat's target pressure, eV/Å³. */
function checkPressure(p: number): number {
  if (!Number.isFinite(p)) throw new Error(`the target pressure must be a number, got ${p}`);
  return p;
}

function checkTime(name: string, t: number): number {
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`${name} must be a positive number of fs, got ${t}`);
  return t;
}

/**
 * Langevin dynamics by the BAOAB splitting (Leimkuhler and Matthews, Appl. Math. Res. Express
 * 2013, 34): half kick, half drift, the exact Ornstein–Uhlenbeck update of the velocities
 * v ← e^{−γΔt} v + √((1 − e^{−2γΔt}) k_B T / m) ξ, half drift, forces, half kick. Its configurations
 * sample the canonical distribution with an error of order Δt² that is small even at large steps.
 * The centre-of-mass velocity is removed after each random kick (as ASE's `fixcm`) when no atom is
 * held, so the temperature counts 3N − 3 degrees of freedom; held atoms' kicks are projected as their
 * constraints. `friction` γ is in 1/fs.
 */
export class Langevin extends MolecularDynamics {
  readonly temperature: number;
  readonly friction: number;

  constructor(
    atoms: Atoms,
    calculator: Calculator,
    dt: number,
    options: { temperature: number; friction?: number; rng: Rng; barostat?: Barostat | null },
  ) {
    super(atoms, calculator, dt, options.barostat ?? null);
    this.temperature = checkTemperature(options.temperature);
    this.friction = options.friction ?? 0.01;
    if (!(this.friction > 0) || !Number.isFinite(this.friction)) throw new Error(`the friction must be a positive number of 1/fs, got ${this.friction}`);
    this.rng = options.rng;
  }

  private readonly rng: Rng;

  async step(): Promise<void> {
    const dt = this.dt;
    const atoms = this.atoms;
    await this.couplePressure();
    this.kick(0.5 * dt, (await this.current()).forces);
    this.drift(0.5 * dt);
    const before = atoms.kineticEnergy();
    const c1 = Math.exp(-this.friction * dt);
    const kT = KB * this.temperature;
    const { velocities: v, masses: m, fixed } = atoms;
    for (let i = 0; i < m.length; i++) {
      if (fixed?.[i]) continue;
      const s = Math.sqrt(((1 - c1 * c1) * kT * ACCELERATION) / m[i]);
      v[3 * i] = c1 * v[3 * i] + s * this.rng.normal();
      v[3 * i + 1] = c1 * v[3 * i + 1] + s * this.rng.normal();
      v[3 * i + 2] = c1 * v[3 * i + 2] + s * this.rng.normal();
    }
    atoms.constrainVectors(v);
    if (!atoms.constrained) atoms.zeroMomentum();
    this.heat += atoms.kineticEnergy() - before;
    this.drift(0.5 * dt);
    this.kick(0.5 * dt, (await this.newForces()).forces);
    atoms.constrainVectors(v);
    this.steps++;
  }
}

/**
 * Berendsen's weak coupling to a heat bath (Berendsen et al., J. Chem. Phys. 81, 3684 (1984)), as
 * ASE's `NVTBerendsen`: before each velocity-Verlet step the velocities are scaled by
 * λ = √(1 + (Δt/τ)(T₀/T − 1)), limited to [0.9, 1.1]. It relaxes the temperature to T₀ with time
 * constant τ but suppresses its fluctuations: use it to equilibrate, not to sample.
 */
export class BerendsenThermostat extends MolecularDynamics {
  readonly temperature: number;
  readonly tau: number;

  constructor(atoms: Atoms, calculator: Calculator, dt: number, options: { temperature: number; tau?: number; barostat?: Barostat | null }) {
    super(atoms, calculator, dt, options.barostat ?? null);
    this.temperature = checkTemperature(options.temperature);
    this.tau = checkTime('the thermostat time constant', options.tau ?? 100);
  }

  async step(): Promise<void> {
    const t = this.atoms.temperature();
    if (t > 0) {
      const lambda = Math.min(1.1, Math.max(0.9, Math.sqrt(1 + (this.dt / this.tau) * (this.temperature / t - 1))));
      const before = this.atoms.kineticEnergy();
      const v = this.atoms.velocities;
      for (let k = 0; k < v.length; k++) v[k] *= lambda;
      this.heat += this.atoms.kineticEnergy() - before;
    }
    await this.verletStep();
    this.steps++;
  }
}

/**
 * A Nosé–Hoover chain of M thermostats (Martyna, Klein and Tuckerman, J. Chem. Phys. 97, 2635
 * (1992)) acting on velocities with g degrees of freedom: masses Q₁ = g k_B T τ², Q_k = k_B T τ²
 * (τ the period of the thermostat's oscillation, fs). `advance` is the chain's part of the Trotter
 * splitting of Martyna, Tuckerman, Tobias and Klein, Mol. Phys. 87, 1117 (1996).
 */
class ThermostatChain {
  private readonly q: Float64Array;
  /** Thermostat velocities ξ_k (1/fs) and positions η_k (dimensionless). */
  private readonly xi: Float64Array;
  private readonly eta: Float64Array;

  constructor(
    private readonly g: number,
    private readonly kT: number,
    tau: number,
    length: number,
  ) {
    if (!(Number.isInteger(length) && length >= 1 && length <= 10)) throw new Error(`the chain length must be an integer from 1 to 10, got ${length}`);
    this.q = new Float64Array(length).fill(kT * tau ** 2);
    this.q[0] *= g;
    this.xi = new Float64Array(length);
    this.eta = new Float64Array(length);
  }

  /** The chain's own energy Σ ½ Q_k ξ_k² + g k_B T η₁ + k_B T Σ_{k>1} η_k, eV. */
  energy(): number {
    let e = 0;
    for (let k = 0; k < this.q.length; k++) e += 0.5 * this.q[k] * this.xi[k] ** 2 + (k === 0 ? this.g : 1) * this.kT * this.eta[k];
    return e;
  }

  /**
   * Advances the chain by h, driven by `ke2` (twice the kinetic energy of the velocities it acts on,
   * eV), and returns the factor those velocities are to be scaled by.
   */
  advance(h: number, ke2: number): number {
    const { q, xi, eta, kT, g } = this;
    const m = q.length;
    const force = (k: number) => (k === 0 ? (ke2 - g * kT) / q[0] : (q[k - 1] * xi[k - 1] ** 2 - kT) / q[k]);
    const h2 = h / 2;
    const h4 = h / 4;
    xi[m - 1] += h2 * force(m - 1);
    for (let k = m - 2; k >= 0; k--) {
      const s = Math.exp(-h4 * xi[k + 1]);
      xi[k] = (xi[k] * s + h2 * force(k)) * s;
    }
    const scale = Math.exp(-h * xi[0]);
    ke2 *= scale * scale;
    for (let k = 0; k < m; k++) eta[k] += h * xi[k];
    for (let k = 0; k < m - 1; k++) {
      const s = Math.exp(-h4 * xi[k + 1]);
      xi[k] = (xi[k] * s + h2 * force(k)) * s;
    }
    xi[m - 1] += h2 * force(m - 1);
    return scale;
  }
}

function scaleVelocities(atoms: Atoms, factor: number): void {
  const v = atoms.velocities;
  for (let k = 0; k < v.length; k++) v[k] *= factor;
}

/**
 * Nosé–Hoover chain dynamics, integrated by the Trotter splitting NHC(Δt/2) · velocity Verlet(Δt) ·
 * NHC(Δt/2) (Martyna, Tuckerman, Tobias and Klein 1996) with the chain of `ThermostatChain` on the
 * atoms' g degrees of freedom. Conserved: E_total + the chain's energy.
 */
export class NoseHooverChain extends MolecularDynamics {
  readonly temperature: number;
  readonly tau: number;
  private readonly thermostat: ThermostatChain;

  constructor(atoms: Atoms, calculator: Calculator, dt: number, options: { temperature: number; tau?: number; chain?: number; barostat?: Barostat | null }) {
    super(atoms, calculator, dt, options.barostat ?? null);
    this.temperature = checkTemperature(options.temperature);
    if (!(this.temperature > 0)) throw new Error('a Nosé–Hoover thermostat needs a target temperature above 0 K');
    this.tau = checkTime('the thermostat time constant', options.tau ?? 100);
    this.thermostat = new ThermostatChain(atoms.degreesOfFreedom(), KB * this.temperature, this.tau, options.chain ?? 3);
  }

  protected override extendedEnergy(): number {
    return this.thermostat.energy();
  }

  private chain(h: number): void {
    scaleVelocities(this.atoms, this.thermostat.advance(h, 2 * this.atoms.kineticEnergy()));
  }

  async step(): Promise<void> {
    this.chain(0.5 * this.dt);
    await this.verletStep();
    this.chain(0.5 * this.dt);
    this.steps++;
  }
}

/** sinh(x)/x, by its series near 0. */
function sinhc(x: number): number {
  const x2 = x * x;
  return Math.abs(x) < 1e-3 ? 1 + (x2 / 6) * (1 + x2 / 20) : Math.sinh(x) / x;
}

/** The cell velocity's eigenvectors and eigenvalues, in which each part of the MTK splitting is solved. */
interface CellModes {
  /** Row-major eigenvectors of v_g, eigenvector α in column α. */
  o: Float64Array;
  /** Its eigenvalues, 1/fs. */
  lambda: Float64Array;
}

/** How the cell moves under a barostat: its shape kept ('isotropic') or free ('flexible'). */
export type CellMotion = 'isotropic' | 'flexible';

/**
 * Isothermal–isobaric dynamics of Martyna, Tobias and Klein (J. Chem. Phys. 101, 4177 (1994)): the
 * cell h moves as ḣ = v_g·h with v_g a symmetric 3×3 velocity (no rotation), a multiple of the identity
 * when the motion is 'isotropic' (v_g = v_ε·I, V̇ = 3v_ε V), of mass W_g = (g + 3) k_B T τ_P² / 3;
 * atoms and cell are each thermostatted by a Nosé–Hoover chain (periods τ and τ_P). Integrated by the
 * measure-preserving Trotter splitting of Tuckerman, Alejandre, López-Rendón, Jochim and Martyna
 * (J. Phys. A 39, 5629 (2006)): chains ½, v_g ½, velocities ½, positions and cell, forces, velocities ½,
 * v_g ½, chains ½, each part solved exactly in the eigenvectors of v_g. The cell's force is
 * G = V(P_int − P₀·I) + (2K/g)·I with P_int the pressure tensor (kinetic part included), its trace/3
 * times I for isotropic motion; the atoms feel −(v_g + tr(v_g)/g)·v. Unlike Berendsen's barostat it
 * samples the NPT ensemble: the volume fluctuates as ⟨δV²⟩ = k_B T V κ_T. Conserved: E_total +
 * ½ W_g tr(v_g²) + P₀V + both chains' energies. Every atom moves with the cell, so no atom may be held.
 */
export class MtkNpt extends MolecularDynamics {
  readonly temperature: number;
  readonly pressure: number;
  readonly cellMotion: CellMotion;
  /** Barostat mass W_g, eV·fs². */
  private readonly w: number;
  /** The atoms' degrees of freedom. */
  private readonly g: number;
  private readonly atomChain: ThermostatChain;
  private readonly cellChain: ThermostatChain;
  /** The cell's velocity v_g, symmetric, row-major 3×3, 1/fs. */
  private readonly vg = new Float64Array(9);

  constructor(
    atoms: Atoms,
    calculator: Calculator,
    dt: number,
    options: { temperature: number; pressure: number; tau?: number; barostatTau?: number; chain?: number; cellMotion?: CellMotion },
  ) {
    super(atoms, calculator, dt);
    if (!atoms.bulk) throw new Error('a barostat needs a structure periodic in all three directions');
    if (atoms.constrained) throw new Error('the MTK barostat moves every atom with the cell: it cannot hold atoms');
    this.temperature = checkTemperature(options.temperature);
    if (!(this.temperature > 0)) throw new Error('the MTK barostat needs a target temperature above 0 K');
    this.pressure = checkPressure(options.pressure);
    this.cellMotion = options.cellMotion ?? 'isotropic';
    if (this.cellMotion !== 'isotropic' && this.cellMotion !== 'flexible') throw new Error(`unknown cell motion '${String(this.cellMotion)}': use isotropic or flexible`);
    const kT = KB * this.temperature;
    this.g = atoms.degreesOfFreedom();
    const tauP = checkTime('the barostat time constant', options.barostatTau ?? 1000);
    this.w = ((this.g + 3) * kT * tauP ** 2) / 3;
    const chain = options.chain ?? 3;
    this.atomChain = new ThermostatChain(this.g, kT, checkTime('the thermostat time constant', options.tau ?? 100), chain);
    // the cell's degrees of freedom: v_ε, or the six of a symmetric v_g
    this.cellChain = new ThermostatChain(this.cellMotion === 'isotropic' ? 1 : 6, kT, tauP, chain);
  }

  override get conserves(): boolean {
    return true;
  }

  /** tr(v_g²), 1/fs². */
  private cellVelocity2(): number {
    let s = 0;
    for (const x of this.vg) s += x * x;
    return s;
  }

  protected override extendedEnergy(): number {
    return 0.5 * this.w * this.cellVelocity2() + this.pressure * this.atoms.volume()! + this.atomChain.energy() + this.cellChain.energy();
  }

  private chains(h: number): void {
    const scale = this.cellChain.advance(h, this.w * this.cellVelocity2());
    for (let k = 0; k < 9; k++) this.vg[k] *= scale;
    scaleVelocities(this.atoms, this.atomChain.advance(h, 2 * this.atoms.kineticEnergy()));
  }

  /** v_g += h·G/W_g. */
  private pushCell(h: number, stress: Float64Array | null): void {
    if (!stress) throw new Error(`the calculator ${this.calculator.name} gave no stress: a barostat needs one`);
    const atoms = this.atoms;
    const volume = atoms.volume()!;
    const kinetic = atoms.kineticStress();
    // V·P_int, the pressure tensor (P = −σ, kinetic part included) as a row-major 3×3
    const p = matrixFromVoigt(Array.from(stress, (s, k) => -volume * (s + kinetic[k])) as Voigt6);
    const diagonal = (2 * atoms.kineticEnergy()) / this.g - volume * this.pressure;
    const force = new Float64Array(9);
    if (this.cellMotion === 'isotropic') {
      const mean = (p[0] + p[4] + p[8]) / 3 + diagonal;
      force[0] = force[4] = force[8] = mean;
    } else {
      for (let k = 0; k < 9; k++) force[k] = p[k] + (k % 4 === 0 ? diagonal : 0);
    }
    for (let k = 0; k < 9; k++) this.vg[k] += (h * force[k]) / this.w;
  }

  /**
   * Row-major eigenvectors O (column α: eigenvector α) and eigenvalues λ of v_g; the vector x in that
   * basis is Oᵀx. Isotropic motion needs none: O = I.
   */
  private cellModes(): CellModes {
    if (this.cellMotion === 'isotropic') return { o: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), lambda: Float64Array.of(this.vg[0], this.vg[4], this.vg[8]) };
    const { values, vectors } = symmetricEigen(this.vg, 3);
    return { o: vectors, lambda: values };
  }

  /** The exact solution of v̇ = F/m − (v_g + tr(v_g)/g)·v over h, v_g's eigenvectors and values given. */
  private kickScaled(h: number, forces: Float64Array, { o, lambda }: CellModes): void {
    const kappa = (lambda[0] + lambda[1] + lambda[2]) / this.g;
    const decay = lambda.map((l) => Math.exp(-(l + kappa) * h));
    const gain = lambda.map((l) => h * Math.exp(-(l + kappa) * h * 0.5) * sinhc((l + kappa) * h * 0.5) * ACCELERATION);
    const { velocities: v, masses: m } = this.atoms;
    for (let i = 0; i < m.length; i++) {
      inBasis(o, v, forces, 3 * i, (vt, ft, a) => vt * decay[a] + (gain[a] / m[i]) * ft);
    }
  }

  /** The exact solution of ṙ = v + v_g·r over Δt, the cell h ← exp(v_g Δt)·h, v_g's eigenvectors and values given. */
  private driftScaled({ o, lambda }: CellModes): void {
    const dt = this.dt;
    const grow = lambda.map((l) => Math.exp(l * dt));
    const move = lambda.map((l) => dt * Math.exp(l * dt * 0.5) * sinhc(l * dt * 0.5));
    const { cart, velocities: v } = this.atoms;
    for (let i = 0; 3 * i < cart.length; i++) inBasis(o, cart, v, 3 * i, (rt, vt, a) => rt * grow[a] + move[a] * vt);
    const lattice = Float64Array.from(this.atoms.lattice!.flat());
    const none = new Float64Array(9);
    for (let row = 0; row < 3; row++) inBasis(o, lattice, none, 3 * row, (at, _, a) => at * grow[a]);
    this.atoms.setLattice(
      [0, 1, 2].map((row) => [lattice[3 * row], lattice[3 * row + 1], lattice[3 * row + 2]]) as Mat3,
      false,
    );
  }

  async step(): Promise<void> {
    const h = 0.5 * this.dt;
    this.chains(h);
    const start = await this.current();
    this.pushCell(h, start.stress);
    // v_g stays as it is from here until the cell's second push
    const modes = this.cellModes();
    this.kickScaled(h, start.forces, modes);
    this.driftScaled(modes);
    const end = await this.newForces();
    this.kickScaled(h, end.forces, modes);
    this.pushCell(h, end.stress);
    this.chains(h);
    this.steps++;
  }
}

/**
 * x[at…at+3] ← O·f(Oᵀx, Oᵀy) component by component: an update that is independent along each
 * eigenvector α of the cell's velocity (O row-major, eigenvector α in column α).
 */
function inBasis(o: Float64Array, x: Float64Array, y: Float64Array, at: number, f: (xt: number, yt: number, alpha: number) => number): void {
  const out = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    let xt = 0;
    let yt = 0;
    for (let k = 0; k < 3; k++) {
      xt += o[3 * k + a] * x[at + k];
      yt += o[3 * k + a] * y[at + k];
    }
    out[a] = f(xt, yt, a);
  }
  for (let k = 0; k < 3; k++) x[at + k] = o[3 * k] * out[0] + o[3 * k + 1] * out[1] + o[3 * k + 2] * out[2];
}

/**
 * Berendsen's isotropic barostat, as ASE's `NPTBerendsen`: at the start of every step the cell and the
 * atoms' positions are scaled by μ = 1 − (β Δt/3τ_P)(P₀ − P), P including the kinetic part. It
 * drives the pressure to P₀ with time constant τ_P but does not give the NPT ensemble's volume
 * fluctuations. β is the compressibility (1/GPa; only β/τ_P matters); P₀ in eV/Å³.
 */
export class BerendsenBarostat implements Barostat {
  /** Compressibility over time constant, in Å³/(eV·fs). */
  private readonly rate: number;

  constructor(
    readonly pressure: number,
    options: { tau?: number; compressibility?: number } = {},
  ) {
    checkPressure(pressure);
    const tau = checkTime('the barostat time constant', options.tau ?? 1000);
    const beta = options.compressibility ?? 0.01;
    if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`the compressibility must be a positive number of 1/GPa, got ${beta}`);
    this.rate = beta / fromGPa(1) / tau;
  }

  apply(atoms: Atoms, dt: number, stress: Float64Array): void {
    const p = -(stress[0] + stress[1] + stress[2]) / 3;
    const mu = 1 - (this.rate * dt * (this.pressure - p)) / 3;
    if (!(mu ** 3 > 0.9 && mu ** 3 < 1.1)) {
      throw new Error(`the barostat would change the volume by ${((mu ** 3 - 1) * 100).toFixed(1)} % in one step (pressure ${toGPa(p).toFixed(1)} GPa): lower the time step or the compressibility, or raise the time constant`);
    }
    const l = atoms.lattice!;
    atoms.setLattice(
      [
        [l[0][0] * mu, l[0][1] * mu, l[0][2] * mu],
        [l[1][0] * mu, l[1][1] * mu, l[1][2] * mu],
        [l[2][0] * mu, l[2][1] * mu, l[2][2] * mu],
      ],
      true,
    );
  }
}
