import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gatherRows, scatterMax, scatterMean, scatterSum, segmentSoftmax, sliceColumns, splitColumns, windowedProduct } from '../../../../src-main/engine/nn/segment';
import { gaussianExpand } from '../../../../src-shared/graph/features';
import { GATHER_ROWS, SCATTER_SUM, rawKernels } from '../../../../src-main/engine/tf/kernels';
import { describeEachBackend, expectClose, expectNoLeak, finiteDifference, seededRandom } from '../helpers';

function randomGraph(seed: number, n: number, e: number, f: number) {
  const r = seededRandom(seed);
  const neighbor = Int32Array.from({ length: e }, () => Math.floor(r(0, n)));
  const center = Int32Array.from({ length: e }, () => Math.floor(r(0, n - 1))); // node n-1 gets no edges
  const x = Float32Array.from({ length: n * f }, () => r(-1, 1));
  const m = Float32Array.from({ length: e * f }, () => r(-1, 1));
  return { neighbor, center, x, m };
}

describeEachBackend('segment ops', () => {
  const n = 7;
  const e = 23;
  const f = 3;
  const g = randomGraph(42, n, e, f);

  it('gatherRows copies rows', () => {
    const y = tf.tidy(() => gatherRows(tf.tensor2d(g.x, [n, f]), tf.tensor1d(g.neighbor, 'int32')).dataSync());
    const want = new Float32Array(e * f);
    for (let k = 0; k < e; k++) for (let j = 0; j < f; j++) want[k * f + j] = g.x[g.neighbor[k] * f + j];
    expectClose(y, want, 0);
  });

  it('scatterSum / mean / max match a naive loop (empty segment gives 0)', () => {
    const [s, mean, mx] = tf.tidy(() => {
      const m = tf.tensor2d(g.m, [e, f]);
      const center = tf.tensor1d(g.center, 'int32');
      return [scatterSum(m, center, n).dataSync(), scatterMean(m, center, n).dataSync(), scatterMax(m, center, n).dataSync()];
    });
    const ws = new Float64Array(n * f);
    const wc = new Float64Array(n);
    const wm = new Float64Array(n * f).fill(-Infinity);
    for (let k = 0; k < e; k++) {
      wc[g.center[k]]++;
      for (let j = 0; j < f; j++) {
        ws[g.center[k] * f + j] += g.m[k * f + j];
        wm[g.center[k] * f + j] = Math.max(wm[g.center[k] * f + j], g.m[k * f + j]);
      }
    }
    const wmean = ws.map((v, i) => (wc[Math.floor(i / f)] ? v / wc[Math.floor(i / f)] : 0));
    expectClose(s, ws, 1e-5);
    expectClose(mean, wmean, 1e-5);
    expectClose(mx, wm.map((v) => (v === -Infinity ? 0 : v)), 0);
    expect(Array.from(s.slice((n - 1) * f))).toEqual([0, 0, 0]);
  });

  it('works on 1-D tensors (one value per edge)', () => {
    const y = tf.tidy(() => scatterSum(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([0, 2, 0, 2], 'int32'), 3).dataSync());
    expectClose(y, [4, 0, 6], 0);
  });

  it('rejects out-of-range indices', () => {
    expect(() => tf.tidy(() => scatterSum(tf.ones([2, 2]), tf.tensor1d([0, 5], 'int32'), 3))).toThrow(/out of range/);
  });

  it('gradients of gather → scatterSum / scatterMean agree with finite differences', () => {
    const r = seededRandom(7);
    const w = tf.tensor2d(Float32Array.from({ length: n * f }, () => r(-1, 1)), [n, f]);
    const neighbor = tf.tensor1d(g.neighbor, 'int32');
    const center = tf.tensor1d(g.center, 'int32');
    const x = tf.tensor2d(g.x, [n, f]);
    for (const agg of [scatterSum, scatterMean]) {
      const fn = (v: tf.Tensor) => tf.sum(tf.mul(w, tf.square(agg(gatherRows(v as tf.Tensor2D, neighbor), center, n)))) as tf.Scalar;
      const analytic = tf.tidy(() => tf.grad(fn)(x).dataSync());
      expectClose(analytic, finiteDifference(fn, x), 2e-3, 2e-2);
    }
    tf.dispose([w, neighbor, center, x]);
  });

  it('gradient of scatterMax goes to the arg-max and matches finite differences', () => {
    const r = seededRandom(9);
    const w = tf.tensor2d(Float32Array.from({ length: n * f }, () => r(-1, 1)), [n, f]);
    const center = tf.tensor1d(g.center, 'int32');
    const m = tf.tensor2d(g.m, [e, f]);
    const fn = (v: tf.Tensor) => tf.sum(tf.mul(w, scatterMax(v as tf.Tensor2D, center, n))) as tf.Scalar;
    const analytic = tf.tidy(() => tf.grad(fn)(m).dataSync());
    expectClose(analytic, finiteDifference(fn, m, 1e-3), 2e-3, 2e-2);
    tf.dispose([w, center, m]);
  });

  it('segmentSoftmax sums to one per destination and has finite-difference gradients', () => {
    const center = tf.tensor1d(g.center, 'int32');
    const s = tf.tensor2d(g.m, [e, f]);
    const sums = tf.tidy(() => scatterSum(segmentSoftmax(s, center, n), center, n).dataSync());
    for (let i = 0; i < n - 1; i++) for (let j = 0; j < f; j++) if (g.center.includes(i)) expect(sums[i * f + j]).toBeCloseTo(1, 5);
    const r = seededRandom(3);
    const w = tf.tensor2d(Float32Array.from({ length: e * f }, () => r(-1, 1)), [e, f]);
    const fn = (v: tf.Tensor) => tf.sum(tf.mul(w, segmentSoftmax(v as tf.Tensor2D, center, n))) as tf.Scalar;
    const analytic = tf.tidy(() => tf.grad(fn)(s).dataSync());
    expectClose(analytic, finiteDifference(fn, s, 1e-2), 2e-3, 3e-2);
    tf.dispose([center, s, w]);
  });

  it('splitColumns equals tf.split and its gradient matches finite differences', () => {
    const x = tf.tensor2d(g.m, [e, f]);
    const [a, b] = splitColumns(x, [1, 2]);
    const [ra, rb] = tf.split(x, [1, 2], 1);
    expectClose(a.dataSync(), ra.dataSync(), 0);
    expectClose(b.dataSync(), rb.dataSync(), 0);
    tf.dispose([a, b, ra, rb]);
    expect(() => splitColumns(x, [1, 1])).toThrow(/add up/);
    const r = seededRandom(4);
    const w = tf.tensor2d(Float32Array.from({ length: e * 2 }, () => r(-1, 1)), [e, 2]);
    const fn = (v: tf.Tensor) => tf.sum(tf.mul(w, tf.square(sliceColumns(v as tf.Tensor2D, 1, 2)))) as tf.Scalar;
    expectClose(tf.tidy(() => tf.grad(fn)(x).dataSync()), finiteDifference(fn, x), 2e-3, 2e-2);
    tf.dispose([x, w]);
  });

  it('does not leak tensors (forward and backward)', () => {
    const x = tf.tensor2d(g.x, [n, f]);
    const neighbor = tf.tensor1d(g.neighbor, 'int32');
    const center = tf.tensor1d(g.center, 'int32');
    expectNoLeak(() => {
      tf.tidy(() => {
        const fn = (v: tf.Tensor) => {
          const msg = gatherRows(v as tf.Tensor2D, neighbor);
          return tf.add(tf.sum(scatterSum(msg, center, n)), tf.add(tf.sum(scatterMax(msg, center, n)), tf.sum(scatterMean(msg, center, n)))) as tf.Scalar;
        };
        tf.grad(fn)(x).dataSync();
      });
      const msg = gatherRows(x, neighbor);
      const y = scatterSum(msg, center, n);
      tf.dispose([msg, y]);
    });
    tf.dispose([x, neighbor, center]);
  });

  it('stays on the O(E·F) kernels forward and backward, never tfjs\'s per-segment or scatterND ones', async () => {
    // Speed itself is measured in bench/engine (BENCHMARKS.md); here: which kernels the step runs.
    const N = 200;
    const E = 2400;
    const F = 16;
    const r = seededRandom(1);
    const x = tf.randomNormal([N, F], 0, 1, 'float32', 1) as tf.Tensor2D;
    const neighbor = tf.tensor1d(Int32Array.from({ length: E }, () => Math.floor(r(0, N))), 'int32');
    const center = tf.tensor1d(Int32Array.from({ length: E }, (_, k) => Math.floor(k / 12)), 'int32');
    const info = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.sum(scatterSum(gatherRows(v as tf.Tensor2D, neighbor), center, N)))(x));
    expect(info.kernelNames).toEqual(expect.arrayContaining([GATHER_ROWS, SCATTER_SUM]));
    for (const slow of ['UnsortedSegmentSum', 'ScatterNd', 'GatherV2', 'SparseToDense']) expect(info.kernelNames).not.toContain(slow);
    tf.dispose([x, neighbor, center]);
  });
});

describeEachBackend('CGCNN edge message kernel', () => {
  // widths 6 (4-column block and scalar tail; gradients by the composite fallback), 40 (a 32-column
  // block and 4-column ones), 136 (four 32-column blocks and more, 2,600 edges: two threads' blocks);
  // edge features: 41 Gaussian features, one edge all zeros
  for (const [c, e] of [
    [6, 31],
    [40, 31],
    [136, 2600],
  ]) {
    it(`z = self[center] + nbr[neighbor] + bias + x·w, its gradients and its column moments equal the composite (width ${c}, ${e} edges)`, () => {
      const n = 9;
      const kx = 41;
      const r = seededRandom(c);
      const g = randomGraph(c, n, e, c);
      const vals = (len: number) => Float32Array.from({ length: len }, () => r(-1, 1));
      const gaussians = gaussianExpand(Float64Array.from({ length: e }, () => r(0, 9)));
      gaussians.fill(0, 4 * kx, 5 * kx);
      const self = tf.tensor2d(vals(n * c), [n, c]);
      const nbr = tf.tensor2d(vals(n * c), [n, c]);
      const x = tf.tensor2d(gaussians, [e, kx]);
      const w = tf.tensor2d(vals(kx * c), [kx, c]);
      const bias = tf.tensor1d(vals(c));
      const weights = tf.tensor2d(vals(e * c), [e, c]);
      const center = tf.tensor1d(g.center, 'int32');
      const neighbor = tf.tensor1d(g.neighbor, 'int32');
      type Fn = (a: tf.Tensor, b: tf.Tensor, xs: tf.Tensor, ws: tf.Tensor, y: tf.Tensor) => tf.Tensor;
      // the kernel's inputs: nodes = self | nbr [n, 2c], the bias appended to w as its last row
      const edgeMessage = (a: tf.Tensor, b: tf.Tensor, xs: tf.Tensor, ws: tf.Tensor, y: tf.Tensor, d = center) =>
        rawKernels.edgeMessage(tf.concat([a, b], 1), xs, tf.concat([ws, tf.reshape(y, [1, -1])], 0), d, neighbor);
      const fused: Fn = (a, b, xs, ws, y) => edgeMessage(a, b, xs, ws, y)[0];
      const composite: Fn = (a, b, xs, ws, y) => tf.add(tf.addN([gatherRows(a, center), gatherRows(b, neighbor), tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D)]), y);
      const run = (fn: Fn) =>
        tf.tidy(() => {
          const value = fn(self, nbr, x, w, bias).dataSync();
          const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, xs: tf.Tensor, ws: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(weights, fn(a, b, xs, ws, y))))([self, nbr, x, w, bias]);
          return [value, ...grads.map((t) => t.dataSync())];
        });
      const got = run(fused);
      const want = run(composite);
      // the composite sums in float32 (XNNPACK on wasm), over 2,600 edges only to ~1e-5 relative
      const tolerance = e > 1000 ? 1e-4 : 1e-5;
      got.forEach((v, i) => expectClose(v, want[i], tolerance, tolerance));
      // its second output: the column mean and biased variance of z (batch norm's statistics)
      const [moments, reference] = tf.tidy(() => {
        const { mean, variance } = tf.moments(composite(self, nbr, x, w, bias), 0);
        return [edgeMessage(self, nbr, x, w, bias)[1].dataSync(), tf.concat([mean, variance]).dataSync()];
      });
      expectClose(moments, reference, 1e-5, 1e-4);
      // inference asks for z alone (no statistics): one output, the same bits
      const [alone, withMoments] = tf.tidy(() => {
        const nodes = tf.concat([self, nbr], 1);
        const wb = tf.concat([w, tf.reshape(bias, [1, -1])], 0);
        const outs = rawKernels.edgeMessage(nodes, x, wb, center, neighbor, false);
        expect(outs).toHaveLength(1);
        return [outs[0].dataSync(), rawKernels.edgeMessage(nodes, x, wb, center, neighbor)[0].dataSync()];
      });
      expect(alone).toEqual(withMoments);
      // inference's edge message and gate in one call: the same bits as the gate of z (widths 40, 136)
      if (c % 8 === 0) {
        const gamma = tf.tensor1d(vals(c).map((v) => 1 + 0.5 * v));
        const beta = tf.tensor1d(vals(c));
        const running = tf.tensor2d([...vals(c), ...vals(c).map((v) => 1.5 + v)], [2, c]);
        const [together, apart] = tf.tidy(() => {
          const nodes = tf.concat([self, nbr], 1);
          const wb = tf.concat([w, tf.reshape(bias, [1, -1])], 0);
          const z = rawKernels.edgeMessage(nodes, x, wb, center, neighbor, false)[0];
          return [rawKernels.edgeGate(nodes, x, wb, center, neighbor, gamma, beta, running, 1e-5).dataSync(), rawKernels.bnGateFwd(z, gamma, beta, running, 1e-5, false)[0].dataSync()];
        });
        expect(together).toEqual(apart);
        expect(together.length).toBe((e * c) / 2);
        expectNoLeak(() => tf.tidy(() => void rawKernels.edgeGate(tf.concat([self, nbr], 1), x, tf.concat([w, tf.reshape(bias, [1, -1])], 0), center, neighbor, gamma, beta, running, 1e-5).dataSync()));
        tf.dispose([gamma, beta, running]);
      }
      expectNoLeak(() => tf.tidy(() => void rawKernels.edgeMessage(tf.concat([self, nbr], 1), x, tf.concat([w, tf.reshape(bias, [1, -1])], 0), center, neighbor, false)[0].dataSync()));
      expectNoLeak(() => tf.tidy(() => void tf.grads((a: tf.Tensor, ws: tf.Tensor) => tf.sum(fused(a, nbr, x, ws, bias)))([self, w]).forEach((t) => t.dataSync())));
      const badDst = tf.tensor1d(Int32Array.from(g.center, (v, k) => (k === 3 ? n : v)), 'int32');
      expect(() => tf.tidy(() => edgeMessage(self, nbr, x, w, bias, badDst))).toThrow(/LwEdgeMessage: edge 3 .*out of range \[0, 9\)/);
      expect(() => tf.tidy(() => edgeMessage(self, nbr, x, tf.zeros([kx - 1, c]), bias))).toThrow(/LwEdgeMessage: shapes do not match/);
      expect(() => tf.tidy(() => rawKernels.scatterSum(tf.zeros([e, c]), badDst, n))).toThrow(/out of range/);
      tf.dispose([self, nbr, x, w, bias, weights, center, neighbor, badDst]);
    });
  }
});

describeEachBackend('windowed product (rows of Gaussian-expanded distances)', () => {
  // CGCNN's 41 Gaussian features of distances 0..9 Å (zeros outside each row's window), plus rows
  // that are all zero, all nonzero, or zero inside their window; 2,103 rows: two threads' blocks,
  // and a last block of four rows that is not full.
  const rows = 2103;
  const k = 41;
  const r = seededRandom(11);
  const x = gaussianExpand(Float64Array.from({ length: rows }, () => r(0, 9)));
  x.fill(0, 5 * k, 9 * k); // rows 5..8: an all-zero block of four
  x.fill(0, 13 * k, 14 * k);
  for (let i = 0; i < k; i++) x[20 * k + i] = r(-1, 1); // dense
  x[30 * k + 20] = 0.5;
  x[30 * k + 25] = -0.25; // a window with zeros inside
  const zeros = x.filter((v) => v === 0).length / x.length;

  // widths 12 (4-column blocks only), 36 (a 32-column block and a 4-column one), 128 (CGCNN's 2F)
  for (const n of [12, 36, 128]) {
    it(`equals x·w in float64, and its gradients equal tf.matMul's (width ${n})`, () => {
      expect(zeros).toBeGreaterThan(0.5);
      const w = Float32Array.from({ length: k * n }, () => r(-1, 1));
      const c = Float32Array.from({ length: rows * n }, () => r(-1, 1));
      const xt = tf.tensor2d(x, [rows, k]);
      const wt = tf.tensor2d(w, [k, n]);
      const ct = tf.tensor2d(c, [rows, n]);
      const got = tf.tidy(() => rawKernels.windowedProduct(xt, wt).dataSync());
      const want = new Float64Array(rows * n);
      for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) want[i * n + j] += x[i * k + q] * w[q * n + j];
      expectClose(got, want, 1e-5, 1e-5);
      expect(got.subarray(5 * n, 9 * n).every((v) => v === 0)).toBe(true);
      const grads = (product: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) =>
        tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ct, product(a as tf.Tensor2D, b as tf.Tensor2D))))([xt, wt]).map((t) => t.dataSync()));
      const [dx, dw] = grads(windowedProduct);
      const [dxRef, dwRef] = grads((a, b) => tf.matMul(a, b));
      expectClose(dx, dxRef, 1e-5, 1e-5);
      expectClose(dw, dwRef, 1e-4, 1e-5);
      expectNoLeak(() => tf.tidy(() => void tf.grad((b: tf.Tensor) => tf.sum(windowedProduct(xt, b as tf.Tensor2D)))(wt).dataSync()));
      tf.dispose([xt, wt, ct]);
    });
  }

  it('rejects mismatched shapes and widths that are not a multiple of 4', () => {
    const xt = tf.zeros([3, 5]);
    expect(() => tf.tidy(() => rawKernels.windowedProduct(xt, tf.zeros([4, 8])))).toThrow(/LwWindowedProduct: shapes \[3, 5\] and \[4, 8\] do not match/);
    expect(() => tf.tidy(() => rawKernels.windowedProduct(xt, tf.zeros([5, 6])))).toThrow(/LwWindowedProduct: 6 columns is not a multiple of 4/);
    // the layer-facing function falls back to tf.matMul for such widths
    expect(tf.tidy(() => windowedProduct(tf.ones([3, 5]), tf.ones([5, 6])).dataSync()[0])).toBe(5);
    xt.dispose();
  });
});
