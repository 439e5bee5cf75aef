/**
 * Target normalisation: y_n = (y − μ) / σ per target column, fitted on the training
 * split. σ is the sample standard deviation (ddof = 1, like CGCNN's `torch.std`);
 * a column with σ = 0 (or a single sample) gets σ = 1. Serialisable; travels with
 * the model file so that predictions come back in the target's units.
 */
export interface TargetNormalizer {
  mean: number[];
  std: number[];
}

/** Identity normaliser for `width` columns (classification, or normalisation off). */
export function identityNormalizer(width: number): TargetNormalizer {
  return { mean: new Array(width).fill(0), std: new Array(width).fill(1) };
}

/** Fits μ, σ on row-major targets [n, width]. */
export function fitNormalizer(values: ArrayLike<number>, width: number): TargetNormalizer {
  const n = Math.floor(values.length / width);
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(1);
  if (n === 0) return { mean, std };
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j] += values[i * width + j];
  for (let j = 0; j < width; j++) mean[j] /= n;
  if (n > 1) {
    for (let j = 0; j < width; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (values[i * width + j] - mean[j]) ** 2;
      const sd = Math.sqrt(s / (n - 1));
      std[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
    }
  }
  return { mean, std };
}

export function normalize(norm: TargetNormalizer, values: ArrayLike<number>): Float32Array {
  const w = norm.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - norm.mean[i % w]) / norm.std[i % w];
  return out;
}

export function denormalize(norm: TargetNormalizer, values: ArrayLike<number>): Float64Array {
  const w = norm.mean.length;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * norm.std[i % w] + norm.mean[i % w];
  return out;
}
