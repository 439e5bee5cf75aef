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
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('reference energies: the element counts are linearly dependent');
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
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

/** Fits E_ref, shift and scale on the frames given (the training split). */
export function fitEnergyStatistics(frames: readonly LabelledFrame[], maxZ: number): EnergyStatistics {
  const withEnergy = frames.filter((f) => f.energy !== null);
  if (withEnergy.length === 0) throw new Error('reference energies: no training structure has an energy');
  const present = new Set<number>();
  for (const f of withEnergy) for (const z of f.structure.numbers) present.add(z);
  const elements = [...present].sort((a, b) => a - b);
  for (const z of elements) if (z < 0 || z > maxZ) throw new Error(`element Z = ${z} is outside the model's embedding (0..${maxZ})`);
  const col = new Map(elements.map((z, k) => [z, k]));
  const n = elements.length;
  const A = new Float64Array(n * n);
  const b = new Float64Array(n);
  const counts = withEnergy.map((f) => {
    const c = new Float64Array(n);
    for (const z of f.structure.numbers) c[col.get(z)!]++;
    return c;
  });
  counts.forEach((c, s) => {
    for (let i = 0; i < n; i++) {
      b[i] += c[i] * withEnergy[s].energy!;
      for (let j = 0; j < n; j++) A[i * n + j] += c[i] * c[j];
    }
  });
  let trace = 0;
  for (let i = 0; i < n; i++) trace += A[i * n + i];
  for (let i = 0; i < n; i++) A[i * n + i] += 1e-10 * trace;
  const x = solveSpd(A, b, n);
  const reference = new Array<number>(maxZ + 1).fill(0);
  elements.forEach((z, k) => (reference[z] = x[k]));
  const residuals = counts.map((c, s) => {
    let e = withEnergy[s].energy!;
    let atoms = 0;
    for (let i = 0; i < n; i++) {
      e -= c[i] * x[i];
      atoms += c[i];
    }
    return e / atoms;
  });
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
