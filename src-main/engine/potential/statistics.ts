/**
 * Energy statistics a potential is fitted with before training, on the training split only
 * (as MACE and NequIP do):
 *
 *   E_ref   per-element reference energies, least squares  min Σ_s (E_s − Σ_Z n_sZ E_ref[Z])²
 *           (normal equations with a 10⁻¹⁰·trace ridge so that elements that always appear
 *           together still give a unique answer)
 *   shift   mean over structures of the per-atom residual (E_s − Σ_Z n_sZ E_ref[Z]) / n_s
 *   scale   RMS of the force components when forces are known (the scale of what the network's
 *           output must resolve), else the standard deviation of the per-atom residuals; 1 if
 *           that is zero
 *
 * The network then predicts e_i = scale · y_i + shift + E_ref[Z_i] with y = O(1).
 */
import type { LabelledFrame } from '../../../src-shared/chem/frames';
import { cholesky } from '../../../src-shared/sim/matrix';

export interface EnergyStatistics {
  /** E_ref by atomic number (0 for elements not in the data), eV. */
  reference: number[];
  /** The elements the fit saw. */
  elements: number[];
  scale: number;
  shift: number;
}

/** Solves A x = b (A symmetric positive definite, n×n row-major) by Cholesky; throws if singular. */
function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = cholesky(A, n);
  if (!L) throw new Error('reference energies: the element counts are linearly dependent');
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Least squares per-element energies of the frames with an energy (ridge as above), and each such
 * frame's residual per atom (E − Σ_Z n_Z E_ref[Z]) / n; `judged` (default all) are the frames the fit uses.
 */
function fitReference(frames: readonly LabelledFrame[], judged?: ReadonlySet<number>): { elements: number[]; x: Float64Array; residual: (f: LabelledFrame) => number | null } {
  const used = frames.filter((f, k) => f.energy !== null && (!judged || judged.has(k)));
  const present = new Set<number>();
  for (const f of used) for (const z of f.structure.numbers) present.add(z);
  const elements = [...present].sort((a, b) => a - b);
  const col = new Map(elements.map((z, k) => [z, k]));
  const n = elements.length;
  const A = new Float64Array(n * n);
  const b = new Float64Array(n);
  for (const f of used) {
    const c = new Float64Array(n);
    for (const z of f.structure.numbers) c[col.get(z)!]++;
    for (let i = 0; i < n; i++) {
      b[i] += c[i] * f.energy!;
      for (let j = 0; j < n; j++) A[i * n + j] += c[i] * c[j];
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += A[i * n + i];
  for (let i = 0; i < n; i++) A[i * n + i] += 1e-10 * trace;
  const x = solveSpd(A, b, n);
  const residual = (f: LabelledFrame): number | null => {
    if (f.energy === null || !f.structure.numbers.every((z) => col.has(z))) return null;
    const c = new Float64Array(n);
    for (const z of f.structure.numbers) c[col.get(z)!]++;
    let e = f.energy;
    let atoms = 0;
    for (let i = 0; i < n; i++) {
      e -= c[i] * x[i];
      atoms += c[i];
    }
    return e / atoms;
  };
  return { elements, x, residual };
}

/** Fits E_ref, shift and scale on the frames given (the training split). */
export function fitEnergyStatistics(frames: readonly LabelledFrame[], maxZ: number): EnergyStatistics {
  const withEnergy = frames.filter((f) => f.energy !== null);
  if (withEnergy.length === 0) throw new Error('reference energies: no training structure has an energy');
  for (const f of withEnergy) for (const z of f.structure.numbers) if (z < 0 || z > maxZ) throw new Error(`element Z = ${z} is outside the model's embedding (0..${maxZ})`);
  const { elements, x, residual } = fitReference(withEnergy);
  const reference = new Array<number>(maxZ + 1).fill(0);
  elements.forEach((z, k) => (reference[z] = x[k]));
  const residuals = withEnergy.map((f) => residual(f)!);
  const shift = residuals.reduce((s, r) => s + r, 0) / residuals.length;
  let sq = 0;
  let comps = 0;
  for (const f of frames)
    if (f.forces)
      for (const v of f.forces) {
        sq += v * v;
        comps++;
      }
  let scale = comps > 0 ? Math.sqrt(sq / comps) : Math.sqrt(residuals.reduce((s, r) => s + (r - shift) ** 2, 0) / Math.max(1, residuals.length - 1));
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  return { reference, elements, scale, shift };
}

/** An energy label's distance from the others may be this many robust standard deviations (1.4826 · median absolute deviation)… */
export const ENERGY_OUTLIER_SPREADS = 20;
/** …and at least this many eV/atom: an isolated atom among bulk frames (a cohesive energy, up to ~9 eV/atom) is no outlier. */
export const ENERGY_OUTLIER_FLOOR = 10;

export interface EnergyOutliers {
  /** Indices into the frames, with how far (eV/atom) each one's residual lies from the others' median. */
  frames: { index: number; deviation: number }[];
  /** The distance beyond which a frame is one (eV/atom). */
  limit: number;
}

/** The median of numbers (the mean of the middle two of an even count). */
export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Frames whose energy is wildly out of line with the others' (a label in other units, of another
 * structure, corrupted): the residual per atom after per-element reference energies (as fitted above)
 * lies more than max(ENERGY_OUTLIER_SPREADS robust standard deviations, ENERGY_OUTLIER_FLOOR eV/atom)
 * from the median residual. Robust: the first fit uses the frames whose E/n lies in the middle half,
 * every next one the frames not found so far, until the outliers no longer change (at most 10 fits).
 * Fewer than 5 frames with an energy are not judged; a frame with an element the fit did not see is not either.
 */
export function energyOutliers(frames: readonly LabelledFrame[]): EnergyOutliers {
  const labelled = frames.flatMap((f, k) => (f.energy !== null ? [k] : []));
  if (labelled.length < 5) return { frames: [], limit: Infinity };
  const perAtom = (k: number) => frames[k].energy! / frames[k].structure.numbers.length;
  const sorted = labelled.map(perAtom).sort((a, b) => a - b);
  const lo = sorted[Math.floor((sorted.length - 1) / 4)];
  const hi = sorted[Math.ceil((3 * (sorted.length - 1)) / 4)];
  let judged = new Set(labelled.filter((k) => perAtom(k) >= lo && perAtom(k) <= hi));
  let found: EnergyOutliers = { frames: [], limit: Infinity };
  for (let fit = 0; fit < 10; fit++) {
    const { residual } = fitReference(frames, judged);
    const r = new Map(labelled.map((k) => [k, residual(frames[k])]));
    const base = [...judged].map((k) => r.get(k)).filter((x): x is number => x !== null && x !== undefined);
    const middle = median(base);
    const limit = Math.max(ENERGY_OUTLIER_SPREADS * 1.4826 * median(base.map((x) => Math.abs(x - middle))), ENERGY_OUTLIER_FLOOR);
    found = {
      frames: labelled.flatMap((k) => {
        const x = r.get(k);
        return x !== null && x !== undefined && Math.abs(x - middle) > limit ? [{ index: k, deviation: x - middle }] : [];
      }),
      limit,
    };
    const out = new Set(found.frames.map((o) => o.index));
    const next = new Set(labelled.filter((k) => !out.has(k)));
    if (next.size === judged.size && [...next].every((k) => judged.has(k))) break;
    judged = next;
  }
  return found;
}

/** The outliers as "name (E eV, n atoms: +d eV/atom from the others)", the first five and how many more. */
export function describeEnergyOutliers(found: EnergyOutliers, frames: readonly LabelledFrame[], name: (index: number) => string): string {
  const one = ({ index, deviation }: { index: number; deviation: number }) =>
    `${name(index)} (${frames[index].energy} eV, ${frames[index].structure.numbers.length} atoms: ${deviation > 0 ? '+' : '−'}${Math.abs(deviation).toPrecision(3)} eV/atom from the others)`;
  const more = found.frames.length - 5;
  return found.frames.slice(0, 5).map(one).join(', ') + (more > 0 ? ` and ${more} more` : '');
}
