import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as simd from '../../../src-main/compute/simd';
import { seededRandom } from './helpers';

describe('SIMD kernels (WebAssembly)', () => {
  it('the embedded module is what the AssemblyScript source compiles to', () => {
    const out = execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  }, 60_000);

  it('softplus matches float64 to float32 precision from −100 to 100, without overflow', () => {
    const r = seededRandom(3);
    const x = Float32Array.from([...Array.from({ length: 4001 }, () => r(-100, 100)), 0, -0, 1e-30, -1e-30, 20, 88, 89, -87, -88, 1000, -1000]);
    const out = new Float32Array(x.length);
    simd.softplus(x, out);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const ref = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
      // relative where the value is representable; below float32's normal range, absolute
      expect(Math.abs(out[i] - ref)).toBeLessThanOrEqual(Math.max(4e-7 * ref, 2e-38));
    }
  });

  it('xᵀ·g equals the float64 product for rows not a multiple of 4 or of the 256-row block', () => {
    const r = seededRandom(5);
    const [R, K, N] = [1037, 7, 12];
    const x = Float32Array.from({ length: R * K }, () => r(-1, 1));
    const g = Float32Array.from({ length: R * N }, () => r(-1, 1));
    const out = new Float32Array(K * N);
    simd.transposedProduct(x, g, out, R, K, N);
    for (let i = 0; i < K; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < R; k++) s += x[k * K + i] * g[k * N + j];
        expect(out[i * N + j]).toBeCloseTo(s, 4);
      }
  });

  it('column moments equal float64 mean and biased variance', () => {
    const r = seededRandom(7);
    const [R, C] = [301, 8];
    const x = Float32Array.from({ length: R * C }, (_, i) => 1000 + r(-1, 1) * (1 + (i % C)));
    const out = new Float32Array(2 * C);
    simd.colMoments(x, out, R, C);
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let k = 0; k < R; k++) m += x[k * C + c];
      m /= R;
      let v = 0;
      for (let k = 0; k < R; k++) v += (x[k * C + c] - m) ** 2;
      v /= R;
      expect(out[c]).toBeCloseTo(m, 3);
      expect(Math.abs(out[C + c] - v) / v).toBeLessThan(1e-4);
    }
  });

  it('gather and scatter-sum name the kernel and the bad index', () => {
    const x = new Float32Array(3 * 4);
    const idx = Int32Array.from([0, 2, 3]);
    expect(() => simd.gatherRows(x, idx, new Float32Array(12), 4, 3)).toThrow('LwGatherRows: index 3 out of range [0, 3)');
    expect(() => simd.scatterSum(x, Int32Array.from([0, -1, 1]), new Float32Array(12), 4, 3)).toThrow('LwScatterSum: index -1 out of range [0, 3)');
  });
});
