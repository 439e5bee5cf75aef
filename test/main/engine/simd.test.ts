import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as simd from '../../../src-main/engine/simd';
import { seededRandom } from './helpers';

describe('SIMD kernels (WebAssembly)', () => {
  it('the embedded module is what the AssemblyScript source compiles to', () => {
    const out = execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  }, 60_000);

  it('the gate’s σ and softplus match float64 to float32 precision from −100 to 100', () => {
    const r = seededRandom(3);
    const F = 4;
    const values = [...Array.from({ length: 4000 }, () => r(-100, 100)), 0, -0, 1e-30, -1e-30, 20, 88, 89, -87, -88, 1000, -1000, 3, -3, 0.5, 1, -1];
    const rows = values.length / F;
    // z rows: filter half and core half take the same values (pairs shifted by one to mix signs)
    const z = new Float32Array(rows * 2 * F);
    for (let i = 0; i < values.length; i++) {
      const row = Math.floor(i / F);
      const j = i % F;
      z[row * 2 * F + j] = values[i];
      z[row * 2 * F + F + j] = values[(i + 1) % values.length];
    }
    const m = new Float32Array(rows * F);
    const deriv = new Float32Array(rows * 2 * F);
    simd.bnGateForward(z, new Float32Array(2 * F).fill(1), new Float32Array(2 * F), { m, deriv }, rows, F);
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    for (let row = 0; row < rows; row++)
      for (let j = 0; j < F; j++) {
        const yf = z[row * 2 * F + j];
        const yc = z[row * 2 * F + F + j];
        const want = [sigmoid(yf) * softplus(yc), softplus(yc) * sigmoid(yf) * sigmoid(-yf), sigmoid(yf) * sigmoid(yc)];
        const got = [m[row * F + j], deriv[row * 2 * F + j], deriv[row * 2 * F + F + j]];
        // relative; absolute 1e-30 for values that small (exp is clamped at e^-87 ≈ 1.6e-38)
        got.forEach((g, k) => expect(Math.abs(g - want[k])).toBeLessThanOrEqual(Math.max(1e-6 * Math.abs(want[k]), 1e-30)));
      }
  });

  it('the gate without ∂m/∂z (inference) gives the same m, bit for bit', () => {
    const r = seededRandom(4);
    const [rows, F] = [1029, 12];
    const z = Float32Array.from({ length: rows * 2 * F }, () => r(-30, 30));
    const a = Float32Array.from({ length: 2 * F }, () => r(0.2, 2));
    const b = Float32Array.from({ length: 2 * F }, () => r(-1, 1));
    const full = { m: new Float32Array(rows * F), deriv: new Float32Array(rows * 2 * F) };
    const alone = { m: new Float32Array(rows * F), deriv: null };
    simd.bnGateForward(z, a, b, full, rows, F);
    simd.bnGateForward(z, a, b, alone, rows, F);
    expect(alone.m).toEqual(full.m);
    expect(full.m.some((v) => v !== 0)).toBe(true);
  });

  it('xᵀ·g equals the float64 product for rows not a multiple of 4 or of the 256-row block', () => {
    const r = seededRandom(5);
    const [R, K, N] = [3037, 7, 12];
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
