/**
 * Effective medium theory (EMT): K. W. Jacobsen, P. Stoltze and J. K. Nørskov, "A semi-empirical
 * effective medium theory for metals and alloys", Surf. Sci. 366, 394 (1996), with the parameter
 * set and conventions of ASE's `ase.calculators.emt.EMT` (Al, Cu, Ag, Au, Ni, Pd, Pt, and ASE's
 * rough H, C, N, O extension), so that energies, forces and stresses equal ASE's.
 *
 * Energies are relative to each element's fcc crystal at its equilibrium lattice constant (about
 * zero there), the reference EMT is built on.
 *
 * For atom i of element a with neighbours j (element b) at distance r (parameters in Å units):
 *
 *   θ(r)   = 1 / (1 + exp(c·(r − r_c)))                      smooth cutoff (Fermi function)
 *   σ_i    = Σ_j χ_ab · exp(−η₂_b (r − β s₀_b)) · θ(r) / γ₁_a    neighbour density, χ_ab = n₀_b / n₀_a
 *   s_i    = −ln(σ_i / 12) / (β η₂_a)                          neighbour-sphere radius
 *   E_c,i  = E₀_a [(1 + λ_a s_i) e^{−λ_a s_i} − 1]              cohesive function
 *   E_AS,i = 6 V₀_a e^{−κ_a s_i} − ½ Σ_j V₀_a χ_ab exp(−κ_b (r/β − s₀_b)) θ(r) / γ₂_a   atomic-sphere correction
 *   E      = Σ_i (E_c,i + E_AS,i)
 *
 * β = 1.809 (ASE keeps this rounding of (16π/3)^{1/3}/√2). γ₁, γ₂ normalise σ and the pair sum to
 * 12 and 12·V₀… on the first three fcc shells (12, 6, 24 neighbours at β s₀ √k) so that the perfect
 * fcc crystal at s = s₀ gives zero. The cutoff is global, from the largest s₀ in the table (as ASE
 * with `asap_cutoff=False`): r_c = β s₀,max (√3 + √4)/2 (between the third and fourth fcc shells),
 * c = ln(9999)/(β s₀,max √4 − r_c), and pairs are counted up to r_c + 0.5 Å (strictly closer).
 * An atom with no neighbour has E = −E₀ (the free atom).
 *
 * Forces and the stress are the exact derivatives: every pair (i, j) contributes a scalar dE/dr,
 * F_i += (dE/dr) d/r, F_j −= (dE/dr) d/r, σ += (dE/dr) d⊗d / (r V), with d = r_j − r_i.
 */
import { atomicNumber, elementSymbol } from '../chem/elements';
import type { AtomicConfiguration } from './atoms';
import { CalculatorError, type CalculateOptions, type Calculation, type Calculator, type Reach } from './calculator';
import { addPairForce, PairList, samePositionText, virialStress } from './pairs';
import { BOHR } from './units';

/** E₀ (eV), s₀ (bohr), V₀ (eV), η₂ (1/bohr), κ (1/bohr), λ (1/bohr), n₀ (1/bohr³): ASE's table. */
const EMT_PARAMETERS: Readonly<Record<string, readonly [number, number, number, number, number, number, number]>> = {
  Al: [-3.28, 3.0, 1.493, 1.24, 2.0, 1.169, 0.007],
  Cu: [-3.51, 2.67, 2.476, 1.652, 2.74, 1.906, 0.0091],
  Ag: [-2.96, 3.01, 2.132, 1.652, 2.79, 1.892, 0.00547],
  Au: [-3.8, 3.0, 2.321, 1.674, 2.873, 2.182, 0.00703],
  Ni: [-4.44, 2.6, 3.673, 1.669, 2.757, 1.948, 0.0103],
  Pd: [-3.9, 2.87, 2.773, 1.818, 3.107, 2.155, 0.00688],
  Pt: [-5.85, 2.9, 4.067, 1.812, 3.145, 2.192, 0.00802],
  // ASE's extension ("NOT well described by EMT ... not for any serious use"):
  H: [-3.21, 1.31, 0.132, 2.652, 2.79, 3.892, 0.00547],
  C: [-3.5, 1.81, 0.332, 1.652, 2.79, 1.892, 0.01322],
  N: [-5.1, 1.88, 0.132, 1.652, 2.79, 1.892, 0.01222],
  O: [-4.6, 1.95, 0.332, 1.652, 2.79, 1.892, 0.0085],
};

/** Elements EMT has parameters for, in the table's order. */
export const EMT_ELEMENTS: readonly string[] = Object.keys(EMT_PARAMETERS);

const BETA = 1.809;

/** One element's parameters in Å and eV, with its normalisation constants. */
interface EmtElement {
  e0: number;
  s0: number;
  v0: number;
  eta2: number;
  kappa: number;
  lambda: number;
  n0: number;
  gamma1: number;
  gamma2: number;
}

const S0_MAX = Math.max(...Object.values(EMT_PARAMETERS).map((p) => p[1])) * BOHR;
/** Cutoff radius of the Fermi function (Å). */
const RC = BETA * S0_MAX * 0.5 * (Math.sqrt(3) + Math.sqrt(4));
/** Steepness of the Fermi function (1/Å): θ falls from 1/2 at r_c to 1/10000 at the fourth fcc shell. */
const ACUT = Math.log(9999) / (BETA * S0_MAX * Math.sqrt(4) - RC);
/** Pairs are counted when closer than this (Å). */
export const EMT_CUTOFF = RC + 0.5;

function theta(r: number): number {
  return 1 / (1 + Math.exp(ACUT * (r - RC)));
}

function emtElement(p: readonly number[]): EmtElement {
  const [e0, s0b, v0, eta2b, kappab, lambdab, n0b] = p;
  const s0 = s0b * BOHR;
  const eta2 = eta2b / BOHR;
  const kappa = kappab / BOHR;
  let gamma1 = 0;
  let gamma2 = 0;
  const shells = [12, 6, 24];
  for (let k = 0; k < 3; k++) {
    const r = BETA * s0 * Math.sqrt(k + 1);
    const w = (shells[k] / 12) * theta(r);
    gamma1 += w * Math.exp(-eta2 * (r - BETA * s0));
    gamma2 += w * Math.exp((-kappa / BETA) * (r - BETA * s0));
  }
  return { e0, s0, v0, eta2, kappa, lambda: lambdab / BOHR, n0: n0b / BOHR ** 3, gamma1, gamma2 };
}

const ELEMENTS_BY_Z = new Map<number, EmtElement>(Object.entries(EMT_PARAMETERS).map(([sym, p]) => [atomicNumber(sym), emtElement(p)]));

/** Per-species tables for one configuration's elements (k = species index, kl = k·ns + l). */
class SpeciesTables {
  readonly ns: number;
  readonly index = new Map<number, number>();
  readonly el: EmtElement[] = [];
  /** Per species: η₂, β s₀, κ/β. */
  readonly eta2: Float64Array;
  readonly bs0: Float64Array;
  readonly kob: Float64Array;
  /** Per ordered pair (centre a, neighbour b): χ_ab/γ₁_a and ½ V₀_a χ_ab/γ₂_a. */
  readonly dens: Float64Array;
  readonly pair: Float64Array;

  constructor(numbers: Int32Array) {
    for (const z of numbers) {
      if (this.index.has(z)) continue;
      const e = ELEMENTS_BY_Z.get(z);
      if (!e) throw new CalculatorError(`EMT has no parameters for ${elementSymbol(z)} (Z = ${z}); it describes ${EMT_ELEMENTS.join(', ')}`);
      this.index.set(z, this.el.length);
      this.el.push(e);
    }
    const ns = (this.ns = this.el.length);
    this.eta2 = Float64Array.from(this.el, (e) => e.eta2);
    this.bs0 = Float64Array.from(this.el, (e) => BETA * e.s0);
    this.kob = Float64Array.from(this.el, (e) => e.kappa / BETA);
    this.dens = new Float64Array(ns * ns);
    this.pair = new Float64Array(ns * ns);
    for (let a = 0; a < ns; a++) {
      for (let b = 0; b < ns; b++) {
        const chi = this.el[b].n0 / this.el[a].n0;
        this.dens[a * ns + b] = chi / this.el[a].gamma1;
        this.pair[a * ns + b] = (0.5 * this.el[a].v0 * chi) / this.el[a].gamma2;
      }
    }
  }
}

export interface EmtOptions {
  /**
   * Extra search distance (Å) so the pair list survives small moves between steps (a Verlet list).
   * Default 0.5 Å; it changes only speed, never the numbers.
   */
  skin?: number;
}

/** The built-in EMT calculator. Keeps its pair list between calls on the same moving structure. */
export class EmtCalculator implements Calculator {
  readonly name = 'emt';
  readonly reach: Reach = { distance: EMT_CUTOFF, what: 'its cutoff' };
  private readonly pairs: PairList;
  private tables: SpeciesTables | null = null;
  private tablesFor: Int32Array | null = null;
  // per-pair scratch of the first pass, reused by the second
  private gij = new Float64Array(0);
  private gji = new Float64Array(0);
  private dPdr = new Float64Array(0);
  private cut = new Float64Array(0);

  constructor(options: EmtOptions = {}) {
    this.pairs = new PairList(EMT_CUTOFF, options.skin ?? 0.5);
  }

  async calculate(atoms: AtomicConfiguration, options: CalculateOptions = {}): Promise<Calculation> {
    return this.compute(atoms, options.stress ?? true);
  }

  /** How many times the pair list has been built (it is kept while atoms move less than the skin allows). */
  get pairListBuilds(): number {
    return this.pairs.builds;
  }

  /** The same as `calculate`, synchronously. */
  compute(atoms: AtomicConfiguration, wantStress = true): Calculation {
    const { numbers } = atoms;
    const n = numbers.length;
    const t = this.speciesTables(numbers);
    const { ns, eta2, bs0, kob, dens, pair } = t;
    const species = new Int32Array(n);
    for (let i = 0; i < n; i++) species[i] = t.index.get(numbers[i])!;

    const pl = this.pairs;
    pl.update(atoms);
    const same = pl.samePosition();
    if (same) throw new CalculatorError(`EMT: ${samePositionText(same)}`);
    const np = pl.nPairs;
    if (this.gij.length < np) {
      const cap = Math.ceil(np * 1.2) + 16;
      this.gij = new Float64Array(cap);
      this.gji = new Float64Array(cap);
      this.dPdr = new Float64Array(cap);
      this.cut = new Float64Array(cap);
    }
    const { gij, gji, dPdr, cut } = this;
    const { first, second, distance } = pl;

    const energies = new Float64Array(n);
    const sigma = new Float64Array(n);
    let energy = 0;

    // First pass: neighbour densities and the pair sum of the atomic-sphere correction.
    for (let p = 0; p < np; p++) {
      const r = distance[p];
      if (!(r < EMT_CUTOFF)) {
        continue;
      }
      const i = first[p];
      const j = second[p];
      const a = species[i];
      const b = species[j];
      const x = Math.exp(ACUT * (r - RC));
      const th = 1 / (1 + x);
      const y1 = pair[a * ns + b] * Math.exp(-kob[b] * (r - bs0[b])) * th;
      const y2 = pair[b * ns + a] * Math.exp(-kob[a] * (r - bs0[a])) * th;
      const e = y1 + y2;
      energy -= e;
      energies[i] -= 0.5 * e;
      energies[j] -= 0.5 * e;
      const c = ACUT * x * th;
      cut[p] = c;
      dPdr[p] = y1 * kob[b] + y2 * kob[a] + e * c;
      const g1 = dens[a * ns + b] * Math.exp(-eta2[b] * (r - bs0[b])) * th;
      const g2 = dens[b * ns + a] * Math.exp(-eta2[a] * (r - bs0[a])) * th;
      gij[p] = g1;
      gji[p] = g2;
      sigma[i] += g1;
      sigma[j] += g2;
    }

    // Per atom: the cohesive function and dE/dσ_i.
    const dEdSigma = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const el = t.el[species[i]];
      if (!(sigma[i] > 0)) {
        energy -= el.e0;
        energies[i] -= el.e0;
        continue;
      }
      const s = -Math.log(sigma[i] / 12) / (BETA * el.eta2);
      const x = el.lambda * s;
      const y = Math.exp(-x);
      const z = 6 * el.v0 * Math.exp(-el.kappa * s);
      dEdSigma[i] = (x * y * el.e0 * el.lambda + el.kappa * z) / (sigma[i] * BETA * el.eta2);
      const e = el.e0 * ((1 + x) * y - 1) + z;
      energy += e;
      energies[i] += e;
    }

    // Second pass: dE/dr of each pair, forces and the virial.
    const forces = new Float64Array(3 * n);
    const virial = new Float64Array(6);
    for (let p = 0; p < np; p++) {
      const r = distance[p];
      if (!(r < EMT_CUTOFF)) continue;
      const c = cut[p];
      const i = first[p];
      const j = second[p];
      const dEdr = dPdr[p] - dEdSigma[i] * gij[p] * (eta2[species[j]] + c) - dEdSigma[j] * gji[p] * (eta2[species[i]] + c);
      addPairForce(pl, p, dEdr / r, forces, virial);
    }
    const stress = virialStress(atoms, virial, wantStress);
    return { energy, forces, stress, energies };
  }

  private speciesTables(numbers: Int32Array): SpeciesTables {
    if (this.tables && this.tablesFor && sameNumbers(this.tablesFor, numbers)) return this.tables;
    this.tables = new SpeciesTables(numbers);
    this.tablesFor = Int32Array.from(numbers);
    return this.tables;
  }
}

function sameNumbers(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
