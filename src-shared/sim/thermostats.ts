/**
 * Constant-temperature (and, with a barostat, constant-pressure) molecular dynamics: Langevin,
 * Berendsen and Nosé–Hoover chain thermostats around velocity Verlet, and the Berendsen barostat.
 * Temperatures in K, times in fs (see `units.ts`).
 */
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
 * (1992)), integrated by the Trotter splitting NHC(Δt/2) · velocity Verlet(Δt) · NHC(Δt/2) of
 * Martyna, Tuckerman, Tobias and Klein, Mol. Phys. 87, 1117 (1996). Masses Q₁ = g k_B T τ²,
 * Q_k = k_B T τ² (g the degrees of freedom, τ the period of the thermostat's oscillation, fs).
 * Conserved: E_total + Σ ½ Q_k ξ_k² + g k_B T η₁ + k_B T Σ_{k>1} η_k.
 */
export class NoseHooverChain extends MolecularDynamics {
  readonly temperature: number;
  readonly tau: number;
  private readonly q: Float64Array;
  /** Thermostat velocities ξ_k (1/fs) and positions η_k (dimensionless). */
  private readonly xi: Float64Array;
  private readonly eta: Float64Array;

  constructor(atoms: Atoms, calculator: Calculator, dt: number, options: { temperature: number; tau?: number; chain?: number; barostat?: Barostat | null }) {
    super(atoms, calculator, dt, options.barostat ?? null);
    this.temperature = checkTemperature(options.temperature);
    if (!(this.temperature > 0)) throw new Error('a Nosé–Hoover thermostat needs a target temperature above 0 K');
    this.tau = checkTime('the thermostat time constant', options.tau ?? 100);
    const m = options.chain ?? 3;
    if (!(Number.isInteger(m) && m >= 1 && m <= 10)) throw new Error(`the chain length must be an integer from 1 to 10, got ${m}`);
    const kT = KB * this.temperature;
    this.q = new Float64Array(m).fill(kT * this.tau ** 2);
    this.q[0] *= atoms.degreesOfFreedom();
    this.xi = new Float64Array(m);
    this.eta = new Float64Array(m);
  }

  protected override extendedEnergy(): number {
    const kT = KB * this.temperature;
    let e = 0;
    for (let k = 0; k < this.q.length; k++) e += 0.5 * this.q[k] * this.xi[k] ** 2 + (k === 0 ? this.atoms.degreesOfFreedom() : 1) * kT * this.eta[k];
    return e;
  }

  /** Advances the chain by h = Δt/2 and scales the velocities. */
  private chain(h: number): void {
    const { q, xi, eta } = this;
    const m = q.length;
    const kT = KB * this.temperature;
    const g = this.atoms.degreesOfFreedom();
    let ke2 = 2 * this.atoms.kineticEnergy();
    const force = (k: number) => (k === 0 ? (ke2 - g * kT) / q[0] : (q[k - 1] * xi[k - 1] ** 2 - kT) / q[k]);
    const h2 = h / 2;
    const h4 = h / 4;
    xi[m - 1] += h2 * force(m - 1);
    for (let k = m - 2; k >= 0; k--) {
      const s = Math.exp(-h4 * xi[k + 1]);
      xi[k] = (xi[k] * s + h2 * force(k)) * s;
    }
    const scale = Math.exp(-h * xi[0]);
    const v = this.atoms.velocities;
    for (let k = 0; k < v.length; k++) v[k] *= scale;
    ke2 *= scale * scale;
    for (let k = 0; k < m; k++) eta[k] += h * xi[k];
    for (let k = 0; k < m - 1; k++) {
      const s = Math.exp(-h4 * xi[k + 1]);
      xi[k] = (xi[k] * s + h2 * force(k)) * s;
    }
    xi[m - 1] += h2 * force(m - 1);
  }

  async step(): Promise<void> {
    this.chain(0.5 * this.dt);
    await this.verletStep();
    this.chain(0.5 * this.dt);
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
