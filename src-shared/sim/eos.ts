/**
 * Equation of state: energies over a range of volumes (the cell scaled isotropically, atoms at fixed
 * fractional coordinates or relaxed at each volume) fitted with the third-order Birch–Murnaghan form
 * (Birch, Phys. Rev. 71, 809 (1947)):
 *
 *   E(V) = E₀ + (9 V₀ B₀ / 16) { [(V₀/V)^{2/3} − 1]³ B₀′ + [(V₀/V)^{2/3} − 1]² [6 − 4 (V₀/V)^{2/3}] }
 *
 * This is a cubic polynomial in x = V^{−2/3}, and (E₀, V₀, B₀, B₀′) ↔ its four coefficients is a
 * change of parameters, so the linear least-squares cubic in x is exactly the least-squares
 * Birch–Murnaghan fit (what ASE's `EquationOfState(eos='birchmurnaghan')` reaches iteratively).
 * From the cubic: V₀ at its minimum, B₀ = V ∂²E/∂V², B₀′ = ∂B/∂P = −1 − V E‴/E″ at V₀.
 */
import { cellVolume } from '../chem/lattice';
import type { Mat3 } from '../chem/structure';
import type { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { relax, type RelaxOptions } from './relax';

export interface BirchMurnaghanFit {
  /** Equilibrium volume, Å³ (of the cell given). */
  v0: number;
  /** Energy at V₀, eV. */
  e0: number;
  /** Bulk modulus at V₀, eV/Å³. */
  b0: number;
  /** Its pressure derivative (dimensionless). */
  b0prime: number;
  /** Root-mean-square residual of the fit, eV. */
  rms: number;
}

/** Least squares min ‖A c − y‖ for a tall m×n matrix (row-major) by Householder QR. */
function leastSquares(a: Float64Array, y: Float64Array, m: number, n: number): Float64Array {
  const A = Float64Array.from(a);
  const b = Float64Array.from(y);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += A[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new Error('equation of state: the volumes do not determine a cubic (too few distinct volumes)');
    const alpha = A[k * n + k] > 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = A[i * n + k];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i] ** 2;
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i] * A[i * n + j];
      s = (2 * s) / vv;
      for (let i = k; i < m; i++) A[i * n + j] -= s * v[i];
    }
    let s = 0;
    for (let i = k; i < m; i++) s += v[i] * b[i];
    s = (2 * s) / vv;
    for (let i = k; i < m; i++) b[i] -= s * v[i];
  }
  const c = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < n; j++) s -= A[k * n + j] * c[j];
    c[k] = s / A[k * n + k];
  }
  return c;
}

/**
 * What the controls that widen an equation of state's volumes and relax a structure with its cell are
 * called where the run is made: the fit's advice names them (`EOS_CONTROLS`).
 */
export interface EosControls {
  range: string;
  relaxCell: string;
}

export const EOS_CONTROLS = {
  commandLine: { range: '--range', relaxCell: 'relax --cell' },
  /** The Simulate panel's fields (src-renderer/components/simulation/SimulationSetup.vue shows these captions). */
  panel: { range: 'range ±', relaxCell: 'relax the cell' },
} as const satisfies Record<string, EosControls>;

/** Why the volumes give no V₀ of the crystal's, and what to change, naming the `controls` of where the run is made. */
export function notBracketedText(v0: number, vMin: number, vMax: number, controls: EosControls): string {
  return (
    `equation of state: the fitted V₀ = ${v0.toFixed(4)} Å³ lies outside the volumes sampled (${vMin.toFixed(4)}–${vMax.toFixed(4)} Å³), so V₀, E₀ and B₀ would be extrapolated: ` +
    `the volumes do not bracket the minimum. Widen the range of volumes (${controls.range}), or start from the structure relaxed with its cell (${controls.relaxCell}) so that they are centred on V₀`
  );
}

/** Fits (V, E) points with the Birch–Murnaghan equation of state (see the module comment); a minimum outside the volumes is refused, naming the `controls` to change. */
export function fitBirchMurnaghan(volumes: readonly number[], energies: readonly number[], controls: EosControls = EOS_CONTROLS.commandLine): BirchMurnaghanFit {
  const m = volumes.length;
  if (m !== energies.length) throw new Error('equation of state: as many energies as volumes are needed');
  if (m < 5) throw new Error(`equation of state: at least 5 points are needed for a Birch–Murnaghan fit, got ${m}`);
  for (let i = 0; i < m; i++) {
    if (!(volumes[i] > 0) || !Number.isFinite(energies[i])) throw new Error(`equation of state: point ${i + 1} (V = ${volumes[i]}, E = ${energies[i]}) is not valid`);
  }
  const xs = volumes.map((v) => v ** (-2 / 3));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const mid = 0.5 * (lo + hi);
  const half = 0.5 * (hi - lo);
  if (!(half > 0)) throw new Error('equation of state: the volumes are all the same');
  // E = c0 + c1 t + c2 t² + c3 t³ with t = (x − mid)/half ∈ [−1, 1]: well conditioned
  const A = new Float64Array(m * 4);
  for (let i = 0; i < m; i++) {
    const t = (xs[i] - mid) / half;
    A[i * 4] = 1;
    A[i * 4 + 1] = t;
    A[i * 4 + 2] = t * t;
    A[i * 4 + 3] = t * t * t;
  }
  const [c0, c1, c2, c3] = leastSquares(A, Float64Array.from(energies), m, 4);
  // E′(t) = c1 + 2 c2 t + 3 c3 t² = 0 with E″(t) = 2 c2 + 6 c3 t > 0
  const roots: number[] = [];
  if (Math.abs(c3) < 1e-14 * (Math.abs(c2) + Math.abs(c1))) {
    if (c2 !== 0) roots.push(-c1 / (2 * c2));
  } else {
    const disc = 4 * c2 * c2 - 12 * c3 * c1;
    if (disc >= 0) {
      const sq = Math.sqrt(disc);
      roots.push((-2 * c2 + sq) / (6 * c3), (-2 * c2 - sq) / (6 * c3));
    }
  }
  const minima = roots.filter((t) => 2 * c2 + 6 * c3 * t > 0).filter((t) => (mid + half * t) > 0);
  if (minima.length === 0) throw new Error('equation of state: the fitted curve has no minimum — the volumes do not bracket the equilibrium volume');
  const t0 = minima.reduce((a, b) => (Math.abs(a) <= Math.abs(b) ? a : b));
  const x0 = mid + half * t0;
  const v0 = x0 ** -1.5;
  // a minimum outside the volumes is the cubic extrapolated, not the crystal's (ASE warns "The minimum volume of your fit is not in your volumes")
  const vMin = Math.min(...volumes);
  const vMax = Math.max(...volumes);
  if (v0 < vMin || v0 > vMax) throw new Error(notBracketedText(v0, vMin, vMax, controls));
  const e0 = c0 + c1 * t0 + c2 * t0 ** 2 + c3 * t0 ** 3;
  const exx = (2 * c2 + 6 * c3 * t0) / half ** 2;
  const exxx = (6 * c3) / half ** 3;
  const xv = (-2 / 3) * v0 ** (-5 / 3);
  const xvv = (10 / 9) * v0 ** (-8 / 3);
  const evv = exx * xv * xv;
  const evvv = exxx * xv ** 3 + 3 * exx * xv * xvv;
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const t = (xs[i] - mid) / half;
    ss += (c0 + c1 * t + c2 * t * t + c3 * t ** 3 - energies[i]) ** 2;
  }
  return { v0, e0, b0: v0 * evv, b0prime: -1 - (v0 * evvv) / evv, rms: Math.sqrt(ss / m) };
}

/** Birch–Murnaghan energy at volume V (for drawing the fit). */
export function birchMurnaghanEnergy(fit: Pick<BirchMurnaghanFit, 'v0' | 'e0' | 'b0' | 'b0prime'>, v: number): number {
  const eta = (fit.v0 / v) ** (2 / 3) - 1;
  return fit.e0 + ((9 * fit.v0 * fit.b0) / 16) * (eta ** 3 * fit.b0prime + eta ** 2 * (6 - 4 * (eta + 1)));
}

export interface EosOptions {
  /** Number of volumes (default 11). */
  points?: number;
  /** Volumes from (1 − range)·V to (1 + range)·V (default 0.08). */
  range?: number;
  /** Relax the atoms at each volume (default false): FIRE to `relaxOptions.fmax`. */
  relax?: boolean;
  relaxOptions?: Pick<RelaxOptions, 'fmax' | 'maxSteps' | 'optimizer'>;
  /** Called after each volume. */
  onPoint?: (index: number, volume: number, energy: number, atoms: Atoms) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
  /** What the fit's advice calls the controls (default the command line's options). */
  controls?: EosControls;
}

export const EOS_DEFAULTS = Object.freeze({ points: 11, range: 0.08 });

export interface EosResult {
  /** [V (Å³), E (eV)] per volume, ascending. */
  points: [number, number][];
  fit: BirchMurnaghanFit;
  /** Volumes where the relaxation of the atoms did not converge (empty without `relax`). */
  unconverged: number[];
}

export class EosCancelled extends Error {
  /** `done`: the volumes computed before it was cancelled (each given to `onPoint`). */
  constructor(readonly done: number) {
    super('equation of state cancelled');
    this.name = 'EosCancelled';
  }
}

function scaled(l: Mat3, f: number): Mat3 {
  return l.map((r) => r.map((x) => x * f)) as Mat3;
}

/** Energies of `atoms` over a range of volumes and their Birch–Murnaghan fit; `atoms` is left unchanged. */
export async function equationOfState(atoms: Atoms, calculator: Calculator, options: EosOptions = {}): Promise<EosResult> {
  if (!atoms.bulk) throw new Error('an equation of state needs a structure periodic in all three directions');
  const n = options.points ?? EOS_DEFAULTS.points;
  const range = options.range ?? EOS_DEFAULTS.range;
  if (!(Number.isInteger(n) && n >= 5)) throw new Error(`an equation of state needs at least 5 volumes, got ${n}`);
  if (!(range > 0 && range < 0.5)) throw new Error(`the volume range must be between 0 and 0.5 (a fraction of the volume), got ${range}`);
  const l0 = atoms.lattice!;
  const v = cellVolume(l0);
  const points: [number, number][] = [];
  const unconverged: number[] = [];
  for (let k = 0; k < n; k++) {
    if (options.signal?.aborted) throw new EosCancelled(points.length);
    const vk = v * (1 - range + (2 * range * k) / (n - 1));
    const a = atoms.clone();
    a.setLattice(scaled(l0, Math.cbrt(vk / v)), true);
    let energy: number;
    if (options.relax) {
      const r = await relax(a, calculator, { ...options.relaxOptions, cell: false, signal: options.signal });
      if (r.status === 'cancelled') throw new EosCancelled(points.length);
      if (r.status === 'failed') throw new Error(`equation of state: the relaxation at V = ${vk.toFixed(4)} Å³ failed: ${r.message}`);
      if (!r.converged) unconverged.push(vk);
      energy = r.energy;
    } else {
      energy = (await calculator.calculate(a, { stress: false })).energy;
    }
    points.push([vk, energy]);
    await options.onPoint?.(k, vk, energy, a);
  }
  return {
    points,
    fit: fitBirchMurnaghan(
      points.map((p) => p[0]),
      points.map((p) => p[1]),
      options.controls,
    ),
    unconverged,
  };
}
