// Latticework's SIMD kernels, in AssemblyScript (compiled to WebAssembly with 128-bit SIMD by
// scripts/build-kernels.mjs; the bytes are embedded in ../kernels-wasm.ts). Not TypeScript:
// f32, i32, usize, v128 and load/store are AssemblyScript built-ins.
//
// Every function works on raw pointers into the module's memory (shared between the calling
// thread and its helper threads, see ../index.ts), laid out by the caller; nothing here
// allocates. Matrices are row-major float32, indices int32. Each kernel does the rows r0..r1-1
// of its work, so the caller can give each thread a block of rows; reductions write float64
// partial sums that the caller adds up in thread order. Functions that take indices return -1
// when all are in range, else the position of the first bad one.

import { expNonPositive, sigmoidFrom, softplusFrom } from "./vector";

// ---- rows whose nonzeros lie in a window ---------------------------------------------------

// The nonzero window [lo, hi) of the row of k floats at xr, as (lo << 32) | hi; lo = k, hi = 0
// when the row is all zeros (so it widens no union of windows). Gaussian-expanded distances are
// such rows: with CGCNN's centres 0.2 Å apart and width 0.2 Å, ~14 of 41 features are above 1e-20
// and the rest are stored as 0.
@inline
function rowWindow(xr: usize, k: i32): u64 {
  let lo = 0;
  while (lo < k && load<f32>(xr + (<usize>lo << 2)) == 0) lo++;
  if (lo == k) return <u64>k << 32;
  let hi = k;
  while (load<f32>(xr + (<usize>(hi - 1) << 2)) == 0) hi--;
  return (<u64>lo << 32) | <u64>hi;
}

// o[0:cb bytes] += Σ_{lo ≤ t < hi} x[t]·w[t, :], x the row at xr, w's rows rowBytes apart, summed in
// order of t onto o's values. Columns in blocks of 32 (eight accumulators), then 4, then 1.
@inline
function addWindowProduct(o: usize, xr: usize, lo: i32, hi: i32, w: usize, rowBytes: usize, cb: usize): void {
  let q: usize = 0;
  for (; q + 128 <= cb; q += 128) {
    const oq = o + q;
    let s0 = v128.load(oq), s1 = v128.load(oq + 16), s2 = v128.load(oq + 32), s3 = v128.load(oq + 48);
    let s4 = v128.load(oq + 64), s5 = v128.load(oq + 80), s6 = v128.load(oq + 96), s7 = v128.load(oq + 112);
    for (let t = lo; t < hi; t++) {
      const v = f32x4.splat(load<f32>(xr + (<usize>t << 2)));
      const wr = w + <usize>t * rowBytes + q;
      s0 = f32x4.add(s0, f32x4.mul(v, v128.load(wr)));
      s1 = f32x4.add(s1, f32x4.mul(v, v128.load(wr + 16)));
      s2 = f32x4.add(s2, f32x4.mul(v, v128.load(wr + 32)));
      s3 = f32x4.add(s3, f32x4.mul(v, v128.load(wr + 48)));
      s4 = f32x4.add(s4, f32x4.mul(v, v128.load(wr + 64)));
      s5 = f32x4.add(s5, f32x4.mul(v, v128.load(wr + 80)));
      s6 = f32x4.add(s6, f32x4.mul(v, v128.load(wr + 96)));
      s7 = f32x4.add(s7, f32x4.mul(v, v128.load(wr + 112)));
    }
    v128.store(oq, s0);
    v128.store(oq + 16, s1);
    v128.store(oq + 32, s2);
    v128.store(oq + 48, s3);
    v128.store(oq + 64, s4);
    v128.store(oq + 80, s5);
    v128.store(oq + 96, s6);
    v128.store(oq + 112, s7);
  }
  for (; q + 16 <= cb; q += 16) {
    let s0 = v128.load(o + q);
    for (let t = lo; t < hi; t++) s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(xr + (<usize>t << 2))), v128.load(w + <usize>t * rowBytes + q)));
    v128.store(o + q, s0);
  }
  for (; q < cb; q += 4) {
    let s0 = load<f32>(o + q);
    for (let t = lo; t < hi; t++) s0 += load<f32>(xr + (<usize>t << 2)) * load<f32>(w + <usize>t * rowBytes + q);
    store<f32>(o + q, s0);
  }
}

// ---- rows: gather, scatter, edge messages -------------------------------------------------

/** out[k, :] = x[idx[k], :] for k0 ≤ k < k1; rows of f 4-byte values; x has n rows. */
export function gatherRows(x: usize, idx: usize, out: usize, k0: i32, k1: i32, f: i32, n: i32): i32 {
  const bytes = <usize>f << 2;
  for (let k = k0; k < k1; k++) {
    const r = load<i32>(idx + (<usize>k << 2));
    if (r < 0 || r >= n) return k;
    memory.copy(out + <usize>k * bytes, x + <usize>r * bytes, bytes);
  }
  return -1;
}

/** out[idx[k], :] += x[k, :] for k0 ≤ k < k1 into out [n, f], which this call zeroes first (one out per thread). */
export function scatterSum(x: usize, idx: usize, out: usize, k0: i32, k1: i32, f: i32, n: i32): i32 {
  const bytes = <usize>f << 2;
  memory.fill(out, 0, <usize>n * bytes);
  for (let k = k0; k < k1; k++) {
    const r = load<i32>(idx + (<usize>k << 2));
    if (r < 0 || r >= n) return k;
    addRow(out + <usize>r * bytes, x + <usize>k * bytes, f);
  }
  return -1;
}

// dst[0:f] += src[0:f] (float32 rows).
@inline
function addRow(dst: usize, src: usize, f: i32): void {
  const f4 = f & ~3;
  let j = 0;
  for (; j < f4; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; j < f; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * The gradient of edgeMessage's node rows: out[center[k], 0:c] += g[k] and out[neighbor[k], c:2c] += g[k]
 * for k0 ≤ k < k1, g [·, c], into out [n, 2c], which this call zeroes first (one out per thread).
 */
export function edgePairScatter(g: usize, center: usize, neighbor: usize, out: usize, k0: i32, k1: i32, c: i32, n: i32): i32 {
  const cb = <usize>c << 2;
  memory.fill(out, 0, <usize>n * cb * 2);
  for (let k = k0; k < k1; k++) {
    const i = load<i32>(center + (<usize>k << 2));
    const j = load<i32>(neighbor + (<usize>k << 2));
    if (i < 0 || i >= n || j < 0 || j >= n) return k;
    const gk = g + <usize>k * cb;
    addRow(out + <usize>i * cb * 2, gk, c);
    addRow(out + <usize>j * cb * 2 + cb, gk, c);
  }
  return -1;
}

/** dst[i] += src[i] for i0 ≤ i < i1 (float32). */
export function addInto(dst: usize, src: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * CGCNN's message pre-activation on an edge list: out[k] = self[center[k]] + nbr[neighbor[k]] + bias +
 * x[k]·w for k0 ≤ k < k1, rows of c floats; nodes [n, 2c] holds self | nbr per node; x [·, kx] are
 * the edge features (Gaussian-expanded distances), w [kx + 1, c] their block of the layer's weights
 * with the bias as its last row, summed over each edge's nonzero window only (see rowWindow). Columns in blocks of 32, then 4, then 1. Also
 * the float64 column sums and sums of squares of these rows into sums [2, c] (zeroed here): batch
 * norm's statistics, taken while each row is in cache; sums = 0 skips them (inference: batch norm
 * uses its running statistics).
 */
export function edgeMessage(nodes: usize, x: usize, w: usize, center: usize, neighbor: usize, out: usize, k0: i32, k1: i32, c: i32, n: i32, kx: i32, sums: usize): i32 {
  const cb = <usize>c << 2;
  const xb = <usize>kx << 2;
  const bias = w + <usize>kx * cb;
  if (sums) memory.fill(sums, 0, cb << 2);
  for (let k = k0; k < k1; k++) {
    const i = load<i32>(center + (<usize>k << 2));
    const j = load<i32>(neighbor + (<usize>k << 2));
    if (i < 0 || i >= n || j < 0 || j >= n) return k;
    const a = nodes + <usize>i * cb * 2;
    const b = nodes + <usize>j * cb * 2 + cb;
    const xr = x + <usize>k * xb;
    const o = out + <usize>k * cb;
    let q: usize = 0;
    for (; q + 16 <= cb; q += 16) v128.store(o + q, f32x4.add(f32x4.add(v128.load(a + q), v128.load(b + q)), v128.load(bias + q)));
    for (; q < cb; q += 4) store<f32>(o + q, load<f32>(a + q) + load<f32>(b + q) + load<f32>(bias + q));
    const win = rowWindow(xr, kx);
    addWindowProduct(o, xr, <i32>(win >>> 32), <i32>win, w, cb, cb);
    if (sums) addRowToSums(o, c, sums);
  }
  return -1;
}

// ---- column sums ---------------------------------------------------------------------------

// Adds the four lanes of v into two float64x2 accumulators at acc.
@inline
function accumulate64(acc: usize, v: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
  v128.store(acc + 16, f64x2.add(v128.load(acc + 16), f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1))));
}

// Adds the squares of the four lanes of v, squared in float64, into two float64x2 accumulators at acc.
@inline
function accumulateSquares64(acc: usize, v: v128): void {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.mul(lo, lo)));
  v128.store(acc + 16, f64x2.add(v128.load(acc + 16), f64x2.mul(hi, hi)));
}

/**
 * Float64 column sums of x [·, cols] over rows r0..r1-1 into sums [2, cols] (zeroed here): row 0
 * the sums, row 1 the sums of squares (squared in float64).
 */
export function colSums(x: usize, r0: i32, r1: i32, cols: i32, sums: usize): void {
  const rowBytes = <usize>cols << 2;
  memory.fill(sums, 0, <usize>cols << 4);
  for (let r = r0; r < r1; r++) addRowToSums(x + <usize>r * rowBytes, cols, sums);
}

// Adds the row of cols floats at row into sums [2, cols] (float64 sums | sums of squares).
@inline
function addRowToSums(row: usize, cols: i32, sums: usize): void {
  const squares = sums + (<usize>cols << 3);
  const c4 = cols & ~3;
  let c = 0;
  for (; c < c4; c += 4) {
    const v = v128.load(row + (<usize>c << 2));
    accumulate64(sums + (<usize>c << 3), v);
    accumulateSquares64(squares + (<usize>c << 3), v);
  }
  for (; c < cols; c++) {
    const v = <f64>load<f32>(row + (<usize>c << 2));
    store<f64>(sums + (<usize>c << 3), load<f64>(sums + (<usize>c << 3)) + v);
    store<f64>(squares + (<usize>c << 3), load<f64>(squares + (<usize>c << 3)) + v * v);
  }
}

// ---- CGCNN gate ----------------------------------------------------------------------------

/**
 * m = σ(y_f) ⊙ softplus(y_c) with y = a ⊙ z + b per column (batch norm folded into a, b [2F]),
 * z [rows, 2F] → m [rows, F] and deriv [rows, 2F] = ∂m/∂y_f | ∂m/∂y_c, rows r0..r1-1.
 * f a multiple of 4. deriv = 0: m alone (inference: no backward pass will need deriv), same m.
 */
export function bnGateForward(z: usize, a: usize, b: usize, r0: i32, r1: i32, f: i32, m: usize, deriv: usize): void {
  const c2 = f << 1;
  const fb = <usize>f << 2;
  for (let r = r0; r < r1; r++) {
    const zr = z + ((<usize>r * c2) << 2);
    const mrow = m + ((<usize>r * f) << 2);
    const drow = deriv + ((<usize>r * c2) << 2);
    for (let j = 0; j < f; j += 4) {
      const o = <usize>j << 2;
      const yf = f32x4.add(f32x4.mul(v128.load(zr + o), v128.load(a + o)), v128.load(b + o));
      const yc = f32x4.add(f32x4.mul(v128.load(zr + fb + o), v128.load(a + fb + o)), v128.load(b + fb + o));
      const ef = expNonPositive(f32x4.neg(f32x4.abs(yf)));
      const sf = sigmoidFrom(yf, ef);
      const ec = expNonPositive(f32x4.neg(f32x4.abs(yc)));
      const sp = softplusFrom(yc, ec);
      v128.store(mrow + o, f32x4.mul(sf, sp));
      if (!deriv) continue;
      // σ'(y) = e/(1+e)² with e = exp(−|y|): exact where σ(1−σ) would round 1−σ to 0
      const invf = f32x4.div(f32x4.splat(1.0), f32x4.add(ef, f32x4.splat(1.0)));
      const dsf = f32x4.mul(ef, f32x4.mul(invf, invf));
      const sc = sigmoidFrom(yc, ec);
      v128.store(drow + o, f32x4.mul(sp, dsf));
      v128.store(drow + fb + o, f32x4.mul(sf, sc));
    }
  }
}

/**
 * Backward of bnGateForward, first pass (rows r0..r1-1): dy = dm ⊙ deriv into dz [rows, 2F], and
 * float64 partial sums of dy (sums[0..2F)) and of dy ⊙ x̂ (sums[2F..4F)), x̂ = (z − mean) ⊙ rstd.
 */
export function bnGateBackwardSums(dm: usize, z: usize, deriv: usize, mean: usize, rstd: usize, r0: i32, r1: i32, f: i32, dz: usize, sums: usize): void {
  const c2 = f << 1;
  const fb = <usize>f << 2;
  const sumDy = sums;
  const sumDyXhat = sums + (<usize>c2 << 3);
  memory.fill(sums, 0, <usize>c2 << 4);
  for (let r = r0; r < r1; r++) {
    const g = dm + ((<usize>r * f) << 2);
    const p = deriv + ((<usize>r * c2) << 2);
    const zr = z + ((<usize>r * c2) << 2);
    const dr = dz + ((<usize>r * c2) << 2);
    for (let j = 0; j < f; j += 4) {
      const o = <usize>j << 2;
      const gv = v128.load(g + o);
      const dyf = f32x4.mul(gv, v128.load(p + o));
      const dyc = f32x4.mul(gv, v128.load(p + fb + o));
      v128.store(dr + o, dyf);
      v128.store(dr + fb + o, dyc);
      const xf = f32x4.mul(f32x4.sub(v128.load(zr + o), v128.load(mean + o)), v128.load(rstd + o));
      const xc = f32x4.mul(f32x4.sub(v128.load(zr + fb + o), v128.load(mean + fb + o)), v128.load(rstd + fb + o));
      accumulate64(sumDy + (<usize>j << 3), dyf);
      accumulate64(sumDy + (<usize>(f + j) << 3), dyc);
      accumulate64(sumDyXhat + (<usize>j << 3), f32x4.mul(dyf, xf));
      accumulate64(sumDyXhat + (<usize>(f + j) << 3), f32x4.mul(dyc, xc));
    }
  }
}

/**
 * Backward of bnGateForward, second pass (rows r0..r1-1), dz holding dy from the first:
 * dz = a ⊙ (dy − meanDy − x̂ ⊙ meanDyXhat) through the batch statistics (batchStats ≠ 0),
 * else a ⊙ dy; a = γ ⊙ rstd, meanDy and meanDyXhat [2F] float32.
 */
export function bnGateBackwardApply(z: usize, mean: usize, rstd: usize, a: usize, meanDy: usize, meanDyXhat: usize, r0: i32, r1: i32, f: i32, batchStats: i32, dz: usize): void {
  const c2 = f << 1;
  for (let r = r0; r < r1; r++) {
    const zr = z + ((<usize>r * c2) << 2);
    const dr = dz + ((<usize>r * c2) << 2);
    for (let c = 0; c < c2; c += 4) {
      const o = <usize>c << 2;
      const dy = v128.load(dr + o);
      if (batchStats) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(zr + o), v128.load(mean + o)), v128.load(rstd + o));
        const t = f32x4.sub(f32x4.sub(dy, v128.load(meanDy + o)), f32x4.mul(xhat, v128.load(meanDyXhat + o)));
        v128.store(dr + o, f32x4.mul(v128.load(a + o), t));
      } else {
        v128.store(dr + o, f32x4.mul(v128.load(a + o), dy));
      }
    }
  }
}

// ---- tall-skinny products ------------------------------------------------------------------

/**
 * out[r, :] = Σ_{i in the row's nonzero window} x[r, i]·w[i, :] for rows r0..r1-1, x [·, K],
 * w [K, N] (N a multiple of 4), summed in order of i: x·w without visiting the zeros outside each
 * row's window.
 */
export function windowedProduct(x: usize, w: usize, r0: i32, r1: i32, k: i32, n: i32, out: usize): void {
  const kb = <usize>k << 2;
  const nb = <usize>n << 2;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * kb;
    const orow = out + <usize>r * nb;
    memory.fill(orow, 0, nb);
    const win = rowWindow(xr, k);
    addWindowProduct(orow, xr, <i32>(win >>> 32), <i32>win, w, nb, nb);
  }
}

/**
 * Float64 partial sums out64 [K, N] of xᵀ·g over rows r0..r1-1, x [·, K], g [·, N] (N a multiple
 * of 4): the weight gradient of a linear layer applied to many rows. Four rows at a time into a
 * float32 block acc [K, N] (scratch), flushed into out64 every 256 rows. Only the columns of x
 * inside the four rows' nonzero window (see rowWindow) are visited: exact, as the others add 0.
 * With sumsRow ≠ 0, out64 and acc have a row K more: the column sums of g (a bias's gradient,
 * as if x had a last column of ones).
 */
export function transposedProduct(x: usize, g: usize, r0: i32, r1: i32, k: i32, n: i32, out64: usize, acc: usize, sumsRow: i32): void {
  const kn = (sumsRow ? k + 1 : k) * n;
  const nb = <usize>n << 2;
  const kb = <usize>k << 2;
  memory.fill(out64, 0, <usize>kn << 3);
  let r = r0;
  while (r < r1) {
    const end = min(r1, r + 256);
    memory.fill(acc, 0, <usize>kn << 2);
    for (; r + 4 <= end; r += 4) {
      const x0 = x + <usize>r * kb;
      const g0 = g + <usize>r * nb;
      // the union of the four rows' windows (empty when all four rows are zero)
      let lo = k;
      let hi = 0;
      for (let q = 0; q < 4; q++) {
        const w = rowWindow(x0 + kb * <usize>q, k);
        lo = min(lo, <i32>(w >>> 32));
        hi = max(hi, <i32>w);
      }
      for (let i = lo; i < hi; i++) {
        const ib = <usize>i << 2;
        const a0 = f32x4.splat(load<f32>(x0 + ib));
        const a1 = f32x4.splat(load<f32>(x0 + kb + ib));
        const a2 = f32x4.splat(load<f32>(x0 + kb + kb + ib));
        const a3 = f32x4.splat(load<f32>(x0 + kb * 3 + ib));
        const row = acc + <usize>i * nb;
        for (let j = 0; j < n; j += 4) {
          const o = <usize>j << 2;
          let s = f32x4.mul(a0, v128.load(g0 + o));
          s = f32x4.add(s, f32x4.mul(a1, v128.load(g0 + nb + o)));
          s = f32x4.add(s, f32x4.mul(a2, v128.load(g0 + nb + nb + o)));
          s = f32x4.add(s, f32x4.mul(a3, v128.load(g0 + nb * 3 + o)));
          v128.store(row + o, f32x4.add(v128.load(row + o), s));
        }
      }
      if (sumsRow) {
        const row = acc + <usize>k * nb;
        for (let j = 0; j < n; j += 4) {
          const o = <usize>j << 2;
          const s = f32x4.add(f32x4.add(v128.load(g0 + o), v128.load(g0 + nb + o)), f32x4.add(v128.load(g0 + nb + nb + o), v128.load(g0 + nb * 3 + o)));
          v128.store(row + o, f32x4.add(v128.load(row + o), s));
        }
      }
    }
    for (; r < end; r++) {
      const x0 = x + <usize>r * kb;
      const g0 = g + <usize>r * nb;
      const w = rowWindow(x0, k);
      for (let i = <i32>(w >>> 32); i < <i32>w; i++) {
        const a0 = f32x4.splat(load<f32>(x0 + (<usize>i << 2)));
        const row = acc + <usize>i * nb;
        for (let j = 0; j < n; j += 4) {
          const o = <usize>j << 2;
          v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(a0, v128.load(g0 + o))));
        }
      }
      if (sumsRow) addRow(acc + <usize>k * nb, g0, n);
    }
    for (let q = 0; q < kn; q += 4) accumulate64(out64 + (<usize>q << 3), v128.load(acc + (<usize>q << 2)));
  }
}

// ---- radial messages of the potentials (./radial.ts) ----------------------------------------

export * from "./radial";
export * from "./painn";
