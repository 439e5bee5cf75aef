/**
 * Whether two lists of numbers are the same numbers, each pair equal to `rel` of the larger
 * (absolute below 1): labels or normalisers written once and read back through JSON, float32 or
 * another file agree to this, and anything further apart is a different number.
 */
export function sameNumbers(x: ArrayLike<number>, y: ArrayLike<number>, rel = 1e-6): boolean {
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) if (!(Math.abs(x[k] - y[k]) <= rel * Math.max(1, Math.abs(x[k]), Math.abs(y[k])))) return false;
  return true;
}

/**
 * The largest magnitude a dataset's target (or a frame's energy) may have: 1e150. Its square, 1e300,
 * is finite in double precision, so the statistics taken over up to 10⁸ such values stay finite: the
 * dataset report's mean and standard deviation, the normaliser's σ, a run's RMSE and R². A larger one
 * (1e300: a typo, or a sentinel for "missing") made them Infinity; the reader leaves its row or frame out
 * as it leaves out `inf` and `NaN`, naming it and the value (docs/datasets.md).
 */
export const LABEL_MAGNITUDE_MAX = 1e150;

/** Why the finite number `value` cannot be a label ("beyond ±1e150, …"), or null. */
export function labelMagnitudeProblem(value: number): string | null {
  return Math.abs(value) > LABEL_MAGNITUDE_MAX ? 'beyond ±1e150, where the statistics of the targets overflow' : null;
}
