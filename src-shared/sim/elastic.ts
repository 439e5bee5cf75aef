/**
 * Elastic constants by the stress–strain method: the cell is strained by ±δ/2 and ±δ in each of the six
 * Voigt components in turn (x_k' = (I + ε)·x_k for every lattice vector and atom; a shear component γ
 * is ε_ij = ε_ji = γ/2), the atoms relaxed at each strained cell (the internal relaxation a crystal
 * with more than one atom per primitive cell needs), and C_ij is the least-squares slope of the stress
 * σ_i against the strain ε_j through the four points (its even-order terms cancel on the symmetric
 * points). The matrix is symmetrised, (C + Cᵀ)/2, and its asymmetry reported as a measure of the finite-
 * difference and relaxation error. Voigt order xx, yy, zz, yz, xz, xy (ASE's and pymatgen's); stress in
 * ASE's sign (tensile positive), so C_ij = ∂σ_i/∂ε_j. The start should be relaxed with its cell: a
 * residual stress σ₀ makes the slopes the stress–strain coefficients of a loaded crystal, which differ
 * from its elastic constants by terms of order σ₀ (reported, `residualStress`).
 *
 * From C: the Voigt, Reuss and Hill bulk and shear moduli, Young's modulus and Poisson's ratio from the
 * Hill averages (pymatgen's `ElasticTensor` `k_vrh`, `g_vrh`, `y_mod`, `homogeneous_poisson`), and Born's
 * mechanical stability: C positive definite (its lowest eigenvalue, in Kelvin form: `elasticEigenvalues`).
 */
import { maxForce } from '../chem/frames';
import type { Mat3 } from '../chem/structure';
import type { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { inverse, symmetricEigenvalues } from './matrix';
import { relax, type RelaxOptions } from './relax';

export interface ElasticOptions {
  /** The largest strain δ (default 0.01): strains ±δ/2 and ±δ. */
  strain?: number;
  /** Relax the atoms at each strained cell (default true). */
  relax?: boolean;
  /** Of those relaxations; fmax defaults to 0.001 eV/Å (the stress depends on where the atoms settle). */
  relaxOptions?: Pick<RelaxOptions, 'fmax' | 'maxSteps' | 'optimizer'>;
  /** Called after each strained cell (index from 0 of `ELASTIC_POINTS`) with its atoms (relaxed) and forces. */
  onPoint?: (index: number, point: StrainPoint, atoms: Atoms, forces: Float64Array) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
}

export const ELASTIC_DEFAULTS = Object.freeze({ strain: 0.01, fmax: 0.001 });

/** Strains per component, as fractions of δ. */
const FRACTIONS = [-1, -0.5, 0.5, 1] as const;
/** Strained cells of one calculation: 6 components × 4 strains. */
export const ELASTIC_POINTS = 6 * FRACTIONS.length;

export interface StrainPoint {
  /** Voigt component strained, 0–5. */
  component: number;
  /** Its strain (engineering strain for a shear). */
  strain: number;
  /** Stress of the strained, relaxed cell (Voigt, eV/Å³). */
  stress: number[];
  energy: number;
  /** Whether the atoms' relaxation converged (true without relaxation). */
  converged: boolean;
}

export interface ElasticModuli {
  /** Bulk and shear moduli, Voigt, Reuss and Hill averages, eV/Å³. */
  kVoigt: number;
  kReuss: number;
  kHill: number;
  gVoigt: number;
  gReuss: number;
  gHill: number;
  /** Young's modulus from the Hill averages, eV/Å³. */
  young: number;
  /** Poisson's ratio from the Hill averages. */
  poisson: number;
}

export interface ElasticResult {
  /** The 6×6 elastic constants (Voigt), symmetrised, eV/Å³. */
  c: number[][];
  /** The largest |C_ij − C_ji| / 2 before symmetrising, eV/Å³. */
  asymmetry: number;
  /** The start's stress (Voigt, eV/Å³): near zero when it was relaxed with its cell. */
  residualStress: number[];
  /** The largest force on an atom of the start, eV/Å: near zero when its atoms were relaxed. */
  startFmax: number;
  moduli: ElasticModuli;
  /** Eigenvalues of C in Kelvin (Mandel) form, ascending, eV/Å³ (`elasticEigenvalues`): all positive when the crystal is mechanically stable (Born). */
  eigenvalues: number[];
  stable: boolean;
  points: StrainPoint[];
  /** Strained cells whose relaxation did not converge. */
  unconverged: number;
}

export class ElasticCancelled extends Error {
  constructor() {
    super('elastic constants cancelled');
    this.name = 'ElasticCancelled';
  }
}

/** The symmetric strain tensor of Voigt component `component` at `strain` (a shear splits in two). */
function strainTensor(component: number, strain: number): number[][] {
  const e = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  if (component < 3) e[component][component] = strain;
  else {
    const [i, j] = [
      [1, 2],
      [0, 2],
      [0, 1],
    ][component - 3];
    e[i][j] = e[j][i] = strain / 2;
  }
  return e;
}

/** Rows x ← (I + ε)·x. */
function deformed(lattice: Mat3, e: number[][]): Mat3 {
  return lattice.map((x) => [0, 1, 2].map((i) => x[i] + e[i][0] * x[0] + e[i][1] * x[1] + e[i][2] * x[2])) as Mat3;
}

/**
 * The eigenvalues of C (Voigt, 6×6) as a property of the crystal, ascending: those of its Kelvin (Mandel)
 * form M = W C W, W = diag(1, 1, 1, √2, √2, √2), the stiffness tensor in an orthonormal basis of
 * symmetric strains. M turns with the crystal as R C Rᵀ with R orthogonal, so its eigenvalues are the same
 * however the crystal lies in the file; the Voigt matrix's are not (fcc Al: lowest 20.4 GPa in the cube's
 * axes, 11.2 GPa turned 30° about z and 20° about x). M is congruent to C, so both are positive definite
 * together (Born's criterion). A cubic crystal's: C11 − C12 (twice), 2 C44 (three times), C11 + 2 C12.
 */
export function elasticEigenvalues(c: readonly (readonly number[])[]): number[] {
  const w = [1, 1, 1, Math.SQRT2, Math.SQRT2, Math.SQRT2];
  const m = Float64Array.from({ length: 36 }, (_, k) => w[Math.floor(k / 6)] * c[Math.floor(k / 6)][k % 6] * w[k % 6]);
  return Array.from(symmetricEigenvalues(m, 6));
}

/**
 * Voigt, Reuss and Hill moduli from a 6×6 C (any unit; the moduli in the same unit): K_V = [C11 + C22 +
 * C33 + 2(C12 + C23 + C13)]/9, G_V = [C11 + C22 + C33 − (C12 + C23 + C13) + 3(C44 + C55 + C66)]/15, K_R and
 * G_R the same of the compliance S = C⁻¹ (1/K_R = S11 + S22 + S33 + 2(S12 + S23 + S13), 15/G_R = 4(S11 + S22
 * + S33) − 4(S12 + S23 + S13) + 3(S44 + S55 + S66)), Hill the means; E = 9KG/(3K + G) and
 * ν = (3K − 2G)/(6K + 2G) from the Hill moduli. A singular C has no Reuss (or Hill) moduli: NaN.
 */
export function elasticModuli(c: number[][]): ElasticModuli {
  const kVoigt = (c[0][0] + c[1][1] + c[2][2] + 2 * (c[0][1] + c[1][2] + c[0][2])) / 9;
  const gVoigt = (c[0][0] + c[1][1] + c[2][2] - (c[0][1] + c[1][2] + c[0][2]) + 3 * (c[3][3] + c[4][4] + c[5][5])) / 15;
  const flat = inverse(Float64Array.from(c.flat()), 6);
  const s = flat && Array.from({ length: 6 }, (_, i) => Array.from(flat.subarray(6 * i, 6 * i + 6)));
  const kReuss = s ? 1 / (s[0][0] + s[1][1] + s[2][2] + 2 * (s[0][1] + s[1][2] + s[0][2])) : NaN;
  const gReuss = s ? 15 / (4 * (s[0][0] + s[1][1] + s[2][2]) - 4 * (s[0][1] + s[1][2] + s[0][2]) + 3 * (s[3][3] + s[4][4] + s[5][5])) : NaN;
  const kHill = (kVoigt + kReuss) / 2;
  const gHill = (gVoigt + gReuss) / 2;
  return { kVoigt, kReuss, kHill, gVoigt, gReuss, gHill, young: (9 * kHill * gHill) / (3 * kHill + gHill), poisson: (3 * kHill - 2 * gHill) / (6 * kHill + 2 * gHill) };
}

/** The elastic constants of `atoms` with `calculator`; `atoms` is left unchanged. */
export async function elasticConstants(atoms: Atoms, calculator: Calculator, options: ElasticOptions = {}): Promise<ElasticResult> {
  if (!atoms.bulk) throw new Error('elastic constants need a structure periodic in all three directions');
  if (atoms.constrained) throw new Error('elastic constants need every atom free: a held atom cannot follow the strain');
  const delta = options.strain ?? ELASTIC_DEFAULTS.strain;
  if (!(delta > 0 && delta <= 0.05)) throw new Error(`the strain must be above 0 and at most 0.05, got ${delta}`);
  const relaxAtoms = options.relax ?? true;
  const start = await calculator.calculate(atoms, { stress: true });
  if (!start.stress) throw new Error(`the calculator ${calculator.name} gave no stress: elastic constants need one`);
  const points: StrainPoint[] = [];
  let unconverged = 0;
  for (let component = 0; component < 6; component++) {
    for (const fraction of FRACTIONS) {
      if (options.signal?.aborted) throw new ElasticCancelled();
      const strain = fraction * delta;
      const a = atoms.clone();
      a.setLattice(deformed(atoms.lattice!, strainTensor(component, strain)), true);
      let converged = true;
      if (relaxAtoms) {
        const r = await relax(a, calculator, { fmax: ELASTIC_DEFAULTS.fmax, ...options.relaxOptions, cell: false, signal: options.signal });
        if (r.status === 'cancelled') throw new ElasticCancelled();
        if (r.status === 'failed') throw new Error(`elastic constants: the relaxation at strain ${strain} of component ${component + 1} failed: ${r.message}`);
        converged = r.converged;
        if (!converged) unconverged++;
      }
      const calc = await calculator.calculate(a, { stress: true });
      const point: StrainPoint = { component, strain, stress: Array.from(calc.stress!), energy: calc.energy, converged };
      points.push(point);
      await options.onPoint?.(points.length - 1, point, a, calc.forces);
    }
  }
  // slope through the four points of each component (their strains sum to zero)
  const fitted = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
  const ss = FRACTIONS.reduce((s, f) => s + (f * delta) ** 2, 0);
  for (const p of points) for (let i = 0; i < 6; i++) fitted[i][p.component] += (p.strain * p.stress[i]) / ss;
  let asymmetry = 0;
  const c = fitted.map((row, i) =>
    row.map((x, j) => {
      asymmetry = Math.max(asymmetry, Math.abs(x - fitted[j][i]) / 2);
      return (x + fitted[j][i]) / 2;
    }),
  );
  const eigenvalues = elasticEigenvalues(c);
  return {
    c,
    asymmetry,
    residualStress: Array.from(start.stress),
    startFmax: maxForce(start.forces),
    moduli: elasticModuli(c),
    eigenvalues,
    stable: eigenvalues[0] > 0,
    points,
    unconverged,
  };
}
