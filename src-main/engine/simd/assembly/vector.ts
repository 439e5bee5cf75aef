// Vector maths shared by the SIMD kernels (./kernels.ts, ./painn.ts), in AssemblyScript.

// exp(t) for t ≤ 0 (Cephes expf: range reduction t = n·ln2 + r, degree-6 polynomial, 2ⁿ by
// exponent bits), clamped below at -87 (exp = 1.6e-38 there, where float32 runs out anyway).
// Pseudo-maximum (a < b ? b : a, one maxps) where the maximum's NaN and ±0 rules (eight
// instructions on x64) change nothing: pmax(t, -87) is max(t, -87) for every t and keeps a NaN.
// 2ⁿ's exponent bits from n + 1.5·2²³, whose low bits hold the integer n ∈ [-126, 0] exactly
// (the same bits as i32x4.trunc_sat(n), without its saturation's instructions).
@inline
export function expNonPositive(t: v128): v128 {
  const x = f32x4.pmax(t, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(f32x4.add(n, f32x4.splat(12582912.0)), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// log1p(u) for 0 ≤ u ≤ 1 as 2·atanh(u / (2 + u)) (no 1 + u rounding for small u), series to s⁶.
@inline
export function log1pUnit(u: v128): v128 {
  const t = f32x4.div(u, f32x4.add(u, f32x4.splat(2.0)));
  const s = f32x4.mul(t, t);
  let p = f32x4.splat(1.0 / 13.0);
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.0 / 11.0));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.0 / 9.0));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.0 / 7.0));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.0 / 5.0));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.0));
  return f32x4.mul(f32x4.mul(t, p), f32x4.splat(2.0));
}

// softplus(y) = max(y, 0) + log1p(exp(-|y|)), exact form (no threshold), from e = exp(-|y|);
// pmax(0, y) is max(y, 0) for every y but NaN (whose e is NaN).
@inline
export function softplusFrom(y: v128, e: v128): v128 {
  return f32x4.add(f32x4.pmax(f32x4.splat(0.0), y), log1pUnit(e));
}

// σ(y) from e = exp(-|y|): 1/(1+e) for y ≥ 0, e/(1+e) otherwise.
@inline
export function sigmoidFrom(y: v128, e: v128): v128 {
  const inv = f32x4.div(f32x4.splat(1.0), f32x4.add(e, f32x4.splat(1.0)));
  return v128.bitselect(inv, f32x4.mul(e, inv), f32x4.ge(y, f32x4.splat(0.0)));
}
