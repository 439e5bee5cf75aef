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
