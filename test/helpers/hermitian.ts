/** H = re + i·im (n × n, row-major) as the real symmetric [[re, −im], [im, re]], 2n × 2n, whose eigenvalues are H's, each twice. */
export function realForm(re: Float64Array, im: Float64Array, n: number): Float64Array {
  const big = new Float64Array(4 * n * n);
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      big[a * 2 * n + b] = big[(n + a) * 2 * n + n + b] = re[a * n + b];
      big[a * 2 * n + n + b] = -im[a * n + b];
      big[(n + a) * 2 * n + b] = im[a * n + b];
    }
  return big;
}
