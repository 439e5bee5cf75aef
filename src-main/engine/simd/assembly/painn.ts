// PaiNN's per-atom element-wise work for the hand-written inference pass
// (../../potential/painn-inference.ts), in AssemblyScript; part of the module compiled from
// ./kernels.ts (same conventions: raw pointers, row-major float32, rows r0..r1-1 per call).
// Widths are multiples of 4 (the caller pads features with zero columns, which stay zero).
//
// Per atom i, F features: s [n, F]; v⃗, ḡv [n, 3F] (x | y | z blocks); uv [3n, 2F] = [U v⃗ | V v⃗]
// per component (row 3i + c); a [n, 3F] = (a^vv | a^sv | a^ss) the update's context output;
// ‖V‖ and ⟨U, V⟩ [n, F]; cin [n, 2F] = [s | ‖V‖], the context network's input.

import { expNonPositive, sigmoidFrom, softplusFrom } from "./vector";

// y = a + b (b per column, 0: none) kept in a; sg = σ(y); h = silu(y) = y·σ(y) (kind 0) or the
// shifted softplus log(1 + eʸ) − log 2 (kind 1). cols a multiple of 4.
export function biasActivate(a: usize, b: usize, h: usize, sg: usize, r0: i32, r1: i32, cols: i32, kind: i32): void {
  const cb = <usize>cols << 2;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * cb;
    for (let j: usize = 0; j < cb; j += 16) {
      let y = v128.load(a + o + j);
      if (b) {
        y = f32x4.add(y, v128.load(b + j));
        v128.store(a + o + j, y);
      }
      const e = expNonPositive(f32x4.neg(f32x4.abs(y)));
      const s = sigmoidFrom(y, e);
      v128.store(sg + o + j, s);
      v128.store(h + o + j, kind == 0 ? f32x4.mul(y, s) : f32x4.sub(softplusFrom(y, e), f32x4.splat(0.6931471805599453)));
    }
  }
}

// g ← g ∘ σ′(a) from a and sg = σ(a): silu σ(1 + a(1 − σ)) (kind 0), shifted softplus σ (kind 1).
export function activateBackward(g: usize, a: usize, sg: usize, r0: i32, r1: i32, cols: i32, kind: i32): void {
  const cb = <usize>cols << 2;
  const one = f32x4.splat(1.0);
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * cb;
    for (let j: usize = 0; j < cb; j += 16) {
      const s = v128.load(sg + o + j);
      const d = kind == 0 ? f32x4.mul(s, f32x4.add(one, f32x4.mul(v128.load(a + o + j), f32x4.sub(one, s)))) : s;
      v128.store(g + o + j, f32x4.mul(v128.load(g + o + j), d));
    }
  }
}

// y += b per column.
export function addBias(y: usize, b: usize, r0: i32, r1: i32, cols: i32): void {
  const cb = <usize>cols << 2;
  for (let r = r0; r < r1; r++) {
    const o = y + <usize>r * cb;
    for (let j: usize = 0; j < cb; j += 16) v128.store(o + j, f32x4.add(v128.load(o + j), v128.load(b + j)));
  }
}

// ‖V‖ = √(Σ_c V_c² + ε) (ε from its float32 bits), ⟨U, V⟩ = Σ_c U_c V_c, cin = [s | ‖V‖].
export function painnNorms(uv: usize, s: usize, vn: usize, ip: usize, cin: usize, r0: i32, r1: i32, f: i32, epsilonBits: i32): void {
  const fb = <usize>f << 2;
  const tiny = f32x4.splat(reinterpret<f32>(epsilonBits));
  for (let i = r0; i < r1; i++) {
    const q = uv + <usize>i * 6 * fb;
    const so = <usize>i * fb;
    const co = cin + <usize>i * 2 * fb;
    for (let j: usize = 0; j < fb; j += 16) {
      const u0 = v128.load(q + j);
      const v0 = v128.load(q + fb + j);
      const u1 = v128.load(q + 2 * fb + j);
      const v1 = v128.load(q + 3 * fb + j);
      const u2 = v128.load(q + 4 * fb + j);
      const v2 = v128.load(q + 5 * fb + j);
      const sq = f32x4.add(f32x4.add(f32x4.mul(v0, v0), f32x4.mul(v1, v1)), f32x4.mul(v2, v2));
      const norm = f32x4.sqrt(f32x4.add(sq, tiny));
      v128.store(vn + so + j, norm);
      v128.store(ip + so + j, f32x4.add(f32x4.add(f32x4.mul(u0, v0), f32x4.mul(u1, v1)), f32x4.mul(u2, v2)));
      v128.store(co + j, v128.load(s + so + j));
      v128.store(co + fb + j, norm);
    }
  }
}

// s′ = s + (a^ss + a^sv ∘ ⟨U, V⟩), v⃗′_c = v⃗_c + a^vv ∘ U_c (v = 0: v⃗ all zeros, not read).
export function painnUpdate(s: usize, v: usize, a: usize, ip: usize, uv: usize, sOut: usize, vOut: usize, r0: i32, r1: i32, f: i32): void {
  const fb = <usize>f << 2;
  for (let i = r0; i < r1; i++) {
    const so = <usize>i * fb;
    const ao = a + <usize>i * 3 * fb;
    const vo = <usize>i * 3 * fb;
    const q = uv + <usize>i * 6 * fb;
    for (let j: usize = 0; j < fb; j += 16) {
      const avv = v128.load(ao + j);
      const ds = f32x4.add(v128.load(ao + 2 * fb + j), f32x4.mul(v128.load(ao + fb + j), v128.load(ip + so + j)));
      v128.store(sOut + so + j, f32x4.add(v128.load(s + so + j), ds));
      for (let c: usize = 0; c < 3; c++) {
        const dv = f32x4.mul(avv, v128.load(q + 2 * c * fb + j));
        v128.store(vOut + vo + c * fb + j, v ? f32x4.add(v128.load(v + vo + c * fb + j), dv) : dv);
      }
    }
  }
}

// The update's reverse up to its context network, from ḡs, ḡv (gv = 0: zeros, not read):
// ḡa = (⟨ḡv, U⟩ | ḡs ∘ ⟨U, V⟩ | ḡs) and ḡ[U | V] = [(ḡs ∘ a^sv) V + a^vv ḡv | (ḡs ∘ a^sv) U].
export function painnUpdateBackward(gs: usize, gv: usize, a: usize, ip: usize, uv: usize, ga: usize, guv: usize, r0: i32, r1: i32, f: i32): void {
  const fb = <usize>f << 2;
  for (let i = r0; i < r1; i++) {
    const so = <usize>i * fb;
    const ao = <usize>i * 3 * fb;
    const q = <usize>i * 6 * fb;
    for (let j: usize = 0; j < fb; j += 16) {
      const g = v128.load(gs + so + j);
      const avv = v128.load(a + ao + j);
      const gip = f32x4.mul(g, v128.load(a + ao + fb + j));
      let gavv = f32x4.splat(0.0);
      for (let c: usize = 0; c < 3; c++) {
        const u = v128.load(uv + q + 2 * c * fb + j);
        const w = v128.load(uv + q + (2 * c + 1) * fb + j);
        let gu = f32x4.mul(gip, w);
        if (gv) {
          const gvc = v128.load(gv + ao + c * fb + j);
          gavv = f32x4.add(gavv, f32x4.mul(gvc, u));
          gu = f32x4.add(gu, f32x4.mul(gvc, avv));
        }
        v128.store(guv + q + 2 * c * fb + j, gu);
        v128.store(guv + q + (2 * c + 1) * fb + j, f32x4.mul(gip, u));
      }
      v128.store(ga + ao + j, gavv);
      v128.store(ga + ao + fb + j, f32x4.mul(g, v128.load(ip + so + j)));
      v128.store(ga + ao + 2 * fb + j, g);
    }
  }
}

// ḡs′ = ḡs + ḡcin's s part; ḡV_c += (ḡcin's ‖V‖ part / ‖V‖) ∘ V_c.
export function painnNormBackward(gs: usize, gcin: usize, vn: usize, uv: usize, gsOut: usize, guv: usize, r0: i32, r1: i32, f: i32): void {
  const fb = <usize>f << 2;
  for (let i = r0; i < r1; i++) {
    const so = <usize>i * fb;
    const co = gcin + <usize>i * 2 * fb;
    const q = <usize>i * 6 * fb;
    for (let j: usize = 0; j < fb; j += 16) {
      v128.store(gsOut + so + j, f32x4.add(v128.load(gs + so + j), v128.load(co + j)));
      const gn = f32x4.div(v128.load(co + fb + j), v128.load(vn + so + j));
      for (let c: usize = 0; c < 3; c++) {
        const at = q + (2 * c + 1) * fb + j;
        v128.store(guv + at, f32x4.add(v128.load(guv + at), f32x4.mul(gn, v128.load(uv + at))));
      }
    }
  }
}
