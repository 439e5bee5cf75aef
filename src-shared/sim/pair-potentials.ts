/**
 * Pair potentials with user parameters: Lennard-Jones and Morse, one pair function each on a shared
 * pair loop. Conventions follow ASE 3.22's `LennardJones` and `MorsePotential` so that the same
 * parameters give the same numbers:
 *
 *   E = Σ_pairs φ(r),   F_i = Σ_j φ'(r) d/r,   σ = (1/V) Σ_pairs φ'(r) d⊗d / r,   d = r_j − r_i.
 *
 * One parameter set for every pair of elements (as ASE's); the species do not enter.
 */
import type { AtomicConfiguration } from './atoms';
import { CalculatorError, type CalculateOptions, type Calculation, type Calculator, type Reach } from './calculator';
import { addPairForce, PairList, samePositionText, virialStress } from './pairs';

/** φ(r) and dφ/dr of one pair; written into `out[0]`, `out[1]`. */
type PairFunction = (r: number, out: Float64Array) => void;

class PairPotential implements Calculator {
  private readonly pairs: PairList;
  private readonly out = new Float64Array(2);

  constructor(
    readonly name: string,
    /** How messages name it: "Lennard-Jones", "Morse". */
    private readonly title: string,
    /** Pairs at or beyond this distance (Å) do not interact. */
    readonly cutoff: number,
    private readonly phi: PairFunction,
    skin = 0.3,
  ) {
    this.pairs = new PairList(cutoff, skin);
  }

  get reach(): Reach {
    return { distance: this.cutoff, what: 'its cutoff' };
  }

  async calculate(atoms: AtomicConfiguration, options: CalculateOptions = {}): Promise<Calculation> {
    return this.compute(atoms, options.stress ?? true);
  }

  compute(atoms: AtomicConfiguration, wantStress = true): Calculation {
    const n = atoms.numbers.length;
    const pl = this.pairs;
    pl.update(atoms);
    const same = pl.samePosition();
    if (same) throw new CalculatorError(`${this.title}: ${samePositionText(same)}`);
    const { first, second, distance } = pl;
    const out = this.out;
    const energies = new Float64Array(n);
    const forces = new Float64Array(3 * n);
    const virial = new Float64Array(6);
    let energy = 0;
    for (let p = 0; p < pl.nPairs; p++) {
      const r = distance[p];
      if (!(r < this.cutoff)) continue;
      const i = first[p];
      const j = second[p];
      this.phi(r, out);
      energy += out[0];
      energies[i] += 0.5 * out[0];
      energies[j] += 0.5 * out[0];
      addPairForce(pl, p, out[1] / r, forces, virial);
    }
    const stress = virialStress(atoms, virial, wantStress);
    return { energy, forces, stress, energies };
  }
}

function positive(name: string, what: string, x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new CalculatorError(`${name}: ${what} must be a positive number, got ${x}`);
  return x;
}

export interface LennardJonesParameters {
  /** Well depth ε, eV (default 1, as ASE). */
  epsilon?: number;
  /** σ, Å: φ = 0 at r = σ, the minimum is at 2^{1/6} σ (default 1, as ASE). */
  sigma?: number;
  /** Cutoff r_c, Å (default 3σ). */
  cutoff?: number;
  /**
   * 'shift' (default, ASE's `smooth=False`): φ − φ(r_c), so the energy is continuous at the cutoff
   * (the force is not). 'smooth' (ASE's `smooth=True`): φ·f_c with f_c going from 1 at `onset` to 0
   * at r_c, C¹ in r² (from JAX-MD), so energy and forces are continuous.
   */
  cutoffMode?: 'shift' | 'smooth';
  /** Where the smooth cutoff starts, Å (default 0.66 r_c, as ASE). */
  onset?: number;
}

/** Lennard-Jones: φ(r) = 4ε[(σ/r)¹² − (σ/r)⁶], cut off at r_c (shifted or smoothly switched off). */
export class LennardJonesCalculator extends PairPotential {
  readonly parameters: Required<LennardJonesParameters>;

  constructor(p: LennardJonesParameters = {}, options: { skin?: number } = {}) {
    const epsilon = positive('Lennard-Jones', 'epsilon', p.epsilon ?? 1);
    const sigma = positive('Lennard-Jones', 'sigma', p.sigma ?? 1);
    const rc = positive('Lennard-Jones', 'the cutoff', p.cutoff ?? 3 * sigma);
    const mode = p.cutoffMode ?? 'shift';
    if (mode !== 'shift' && mode !== 'smooth') throw new CalculatorError(`Lennard-Jones: cutoffMode must be 'shift' or 'smooth', got ${String(mode)}`);
    const ro = positive('Lennard-Jones', 'the onset', p.onset ?? 0.66 * rc);
    if (mode === 'smooth' && !(ro < rc)) throw new CalculatorError(`Lennard-Jones: the onset (${ro} Å) must be below the cutoff (${rc} Å)`);
    const s2 = sigma * sigma;
    const rc2 = rc * rc;
    const ro2 = ro * ro;
    const shift = 4 * epsilon * ((s2 / rc2) ** 6 - (s2 / rc2) ** 3);
    const phi: PairFunction = (r, out) => {
      const r2 = r * r;
      const c6 = (s2 / r2) ** 3;
      const c12 = c6 * c6;
      const u = 4 * epsilon * (c12 - c6);
      const du = (-24 * epsilon * (2 * c12 - c6)) / r; // dφ/dr
      if (mode === 'shift') {
        out[0] = u - shift;
        out[1] = du;
      } else if (r2 < ro2) {
        out[0] = u;
        out[1] = du;
      } else {
        // f_c(x) = (rc² − x)² (rc² + 2x − 3ro²) / (rc² − ro²)³ with x = r²
        const d3 = (rc2 - ro2) ** 3;
        const fc = ((rc2 - r2) ** 2 * (rc2 + 2 * r2 - 3 * ro2)) / d3;
        const dfc = ((6 * (rc2 - r2) * (ro2 - r2)) / d3) * 2 * r; // d f_c / dr
        out[0] = u * fc;
        out[1] = du * fc + u * dfc;
      }
    };
    super('lj', 'Lennard-Jones', rc, phi, options.skin);
    this.parameters = { epsilon, sigma, cutoff: rc, cutoffMode: mode, onset: ro };
  }
}

export interface MorseParameters {
  /** Well depth D, eV (default 1, as ASE). */
  epsilon?: number;
  /** Equilibrium distance r₀, Å (default 1, as ASE). */
  r0?: number;
  /** Steepness ρ₀ = a·r₀ (dimensionless; default 6, as ASE). */
  rho0?: number;
  /** The switch-off starts at this distance, Å (default 1.9 r₀, as ASE's rcut1). */
  onset?: number;
  /** Cutoff, Å (default 2.7 r₀, as ASE's rcut2). */
  cutoff?: number;
}

/**
 * Morse: φ(r) = D·e·(e − 2), e = exp(ρ₀(1 − r/r₀)), times a quintic switch f_c (C², from JuLIP as
 * in ASE) from 1 at `onset` to 0 at the cutoff.
 */
export class MorseCalculator extends PairPotential {
  readonly parameters: Required<MorseParameters>;

  constructor(p: MorseParameters = {}, options: { skin?: number } = {}) {
    const epsilon = positive('Morse', 'epsilon', p.epsilon ?? 1);
    const r0 = positive('Morse', 'r0', p.r0 ?? 1);
    const rho0 = positive('Morse', 'rho0', p.rho0 ?? 6);
    const r1 = positive('Morse', 'the onset', p.onset ?? 1.9 * r0);
    const r2 = positive('Morse', 'the cutoff', p.cutoff ?? 2.7 * r0);
    if (!(r1 < r2)) throw new CalculatorError(`Morse: the onset (${r1} Å) must be below the cutoff (${r2} Å)`);
    const phi: PairFunction = (r, out) => {
      const e = Math.exp(rho0 * (1 - r / r0));
      const u = epsilon * e * (e - 2);
      const du = ((-2 * epsilon * rho0) / r0) * e * (e - 1);
      if (r <= r1) {
        out[0] = u;
        out[1] = du;
        return;
      }
      const s = 1 - (r - r1) / (r2 - r1);
      const fc = s * s * s * (10 + s * (-15 + 6 * s));
      const dfc = -(30 * s * s * (1 + s * (-2 + s))) / (r2 - r1);
      out[0] = u * fc;
      out[1] = du * fc + u * dfc;
    };
    super('morse', 'Morse', r2, phi, options.skin);
    this.parameters = { epsilon, r0, rho0, onset: r1, cutoff: r2 };
  }
}
