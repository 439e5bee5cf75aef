/**
 * Constant-temperature (and, with a barostat, constant-pressure) molecular dynamics: Langevin,
 * Berendsen and Nosé–Hoover chain thermostats around velocity Verlet, and the Berendsen barostat.
 * Temperatures in K, times in fs (see `units.ts`).
 */
import type { Mat3 } from '../chem/structure';
import type { Rng } from '../model/rng';
import type { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { MolecularDynamics, type Barostat } from './dynamics';
import { ACCELERATION, KB, fromGPa, toGPa } from './units';

function checkTemperature(t: number): number {
  if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`the target temperature must be a non-negative number of K, got ${t}`);
  return t;
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

/**
 * Isothermal–isobaric dynamics of Martyna, Tobias and Klein (J. Chem. Phys. 101, 4177 (1994)):
 * the cell breathes isotropically with a barostat velocity v_ε = V̇/(3V) of mass
 * W = (g + 3) k_B T τ_P², the atoms and the barostat each thermostatted by a Nosé–Hoover chain
 * (periods τ and τ_P), integrated by the measure-preserving Trotter splitting of Tuckerman, Alejandre,
 * López-Rendón, Jochim and Martyna (J. Phys. A 39, 5629 (2006)): chains ½, v_ε ½, velocities ½, positions
 * and cell, forces, velocities ½, v_ε ½, chains ½, with the exact exponential solutions of each part.
 * The barostat's force is G = (1 + 3/g)·2K + 3V(P_conf − P₀), P_conf the configurational pressure.
 * Unlike Berendsen's barostat it samples the NPT ensemble: the volume fluctuates as
 * ⟨δV²⟩ = k_B T V κ_T. Conserved: E_total + ½ W v_ε² + P₀ V + both chains' energies.
 * Every atom moves with the cell, so no atom may be held.
 */
export class MtkNpt extends MolecularDynamics {
  readonly temperature: number;
  readonly pressure: number;
  /** Barostat mass, eV·fs². */
  private readonly w: number;
  /** 1 + 3/g. */
  private readonly alpha: number;
  private readonly atomChain: ThermostatChain;
  private readonly cellChain: ThermostatChain;
  /** Barostat velocity v_ε, 1/fs. */
  private vEps = 0;

  constructor(
    atoms: Atoms,
    calculator: Calculator,
    dt: number,
    options: { temperature: number; pressure: number; tau?: number; barostatTau?: number; chain?: number },
  ) {
    super(atoms, calculator, dt);
    if (!atoms.bulk) throw new Error('a barostat needs a structure periodic in all three directions');
    if (atoms.constrained) throw new Error('the MTK barostat moves every atom with the cell: it cannot hold atoms');
    this.temperature = checkTemperature(options.temperature);
    if (!(this.temperature > 0)) throw new Error('the MTK barostat needs a target temperature above 0 K');
    if (!Number.isFinite(options.pressure)) throw new Error(`the target pressure must be a number, got ${options.pressure}`);
    this.pressure = options.pressure;
    const kT = KB * this.temperature;
    const g = atoms.degreesOfFreedom();
    const tauP = checkTime('the barostat time constant', options.barostatTau ?? 1000);
    this.w = (g + 3) * kT * tauP ** 2;
    this.alpha = 1 + 3 / g;
    const chain = options.chain ?? 3;
    this.atomChain = new ThermostatChain(g, kT, checkTime('the thermostat time constant', options.tau ?? 100), chain);
    this.cellChain = new ThermostatChain(1, kT, tauP, chain);
  }

  override get conserves(): boolean {
    return true;
  }

  protected override extendedEnergy(): number {
    return 0.5 * this.w * this.vEps ** 2 + this.pressure * this.atoms.volume()! + this.atomChain.energy() + this.cellChain.energy();
  }

  private chains(h: number): void {
    this.vEps *= this.cellChain.advance(h, this.w * this.vEps ** 2);
    scaleVelocities(this.atoms, this.atomChain.advance(h, 2 * this.atoms.kineticEnergy()));
  }

  /** v_ε += h·G/W. */
  private pushCell(h: number, stress: Float64Array | null): void {
    if (!stress) throw new Error(`the calculator ${this.calculator.name} gave no stress: a barostat needs one`);
    const conf = -(stress[0] + stress[1] + stress[2]) / 3;
    const g = this.alpha * 2 * this.atoms.kineticEnergy() + 3 * this.atoms.volume()! * (conf - this.pressure);
    this.vEps += (h * g) / this.w;
  }

  /** The exact solution of v̇ = F/m − (1 + 3/g) v_ε v over h. */
  private kickScaled(h: number, forces: Float64Array): void {
    const x = this.alpha * this.vEps * h;
    const decay = Math.exp(-x);
    const gain = h * Math.exp(-x / 2) * sinhc(x / 2) * ACCELERATION;
    const { velocities: v, masses: m } = this.atoms;
    for (let i = 0; i < m.length; i++) {
      const c = gain / m[i];
      for (let k = 3 * i; k < 3 * i + 3; k++) v[k] = v[k] * decay + c * forces[k];
    }
  }

  /** The exact solution of ṙ = v + v_ε r over Δt, the cell scaled by e^{v_ε Δt}. */
  private driftScaled(): void {
    const dt = this.dt;
    const x = this.vEps * dt;
    const grow = Math.exp(x);
    const move = dt * Math.exp(x / 2) * sinhc(x / 2);
    const { cart, velocities: v } = this.atoms;
    for (let k = 0; k < cart.length; k++) cart[k] = cart[k] * grow + move * v[k];
    this.atoms.setLattice(this.atoms.lattice!.map((row) => row.map((c) => c * grow)) as Mat3, false);
  }

  async step(): Promise<void> {
    const h = 0.5 * this.dt;
    this.chains(h);
    const start = await this.current();
    this.pushCell(h, start.stress);
    this.kickScaled(h, start.forces);
    this.driftScaled();
    const end = await this.newForces();
    this.kickScaled(h, end.forces);
    this.pushCell(h, end.stress);
    this.chains(h);
    this.steps++;
  }
}

/**
 * Berendsen's isotropic barostat (as ASE's `NPTBerendsen`): every step the cell and the atoms'
 * positions are scaled by μ = [1 − (β Δt/τ_P)(P₀ − P)]^{1/3}, P including the kinetic part. It
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
    if (!Number.isFinite(pressure)) throw new Error(`the target pressure must be a number, got ${pressure}`);
    const tau = checkTime('the barostat time constant', options.tau ?? 1000);
    const beta = options.compressibility ?? 0.01;
    if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`the compressibility must be a positive number of 1/GPa, got ${beta}`);
    this.rate = beta / fromGPa(1) / tau;
  }

  apply(atoms: Atoms, dt: number, stress: Float64Array): void {
    const p = -(stress[0] + stress[1] + stress[2]) / 3;
    const mu3 = 1 - this.rate * dt * (this.pressure - p);
    if (!(mu3 > 0.9 && mu3 < 1.1)) {
      throw new Error(`the barostat would change the volume by ${((mu3 - 1) * 100).toFixed(1)} % in one step (pressure ${toGPa(p).toFixed(1)} GPa): lower the time step or the compressibility, or raise the time constant`);
    }
    const mu = Math.cbrt(mu3);
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
