// Radial message kernels of the interatomic potentials (SchNet, PaiNN), in AssemblyScript; part of
// the module compiled from ./kernels.ts (same conventions: raw pointers into the shared memory,
// row-major float32, int32 indices, rows k0..k1-1 of the edge list per call, per-thread outputs
// zeroed here and added up by the caller, the position of the first bad index returned, else -1).
//
// One edge e joins centre i = center[e] to neighbour j = nbr[e] along r_e [3] (Å); d = |r_e|,
// u = r_e / d. The filters of the edge are a tabulated function of d: a table [g, 3·ct] holds per
// node n (distance n·h) the filter values V_n [ct], their derivatives D_n [ct] and the differences
// ΔV_n = V_{n+1} − V_n [ct] (computed without cancellation by the caller), and
//
//   W(d)  = V_n + a₁ D_n + a₂ ΔV_n + a₃ D_{n+1}        (cubic Hermite, t = d/h − n)
//   W′(d) =       b₁ D_n + b₂ ΔV_n + b₃ D_{n+1}        (its exact derivative)
//
// with a₁ = h(t³ − 2t² + t), a₂ = 3t² − 2t³, a₃ = h(t³ − t²) and b = da/dd. Written with ΔV rather
// than V_{n+1}, W′ has no (V_{n+1} − V_n)/h cancellation of float32 values (which cost ~10⁻⁵
// relative at h = 0.005 Å). W = W′ = 0 from the last node on (the cutoff). Atom features: x [n, ct] = (x^s [fs] | x^r [fv] |
// x^v [fv]) and, with fv > 0 (PaiNN; SchNet has fv = 0), vectors v [n, 3·fv] (x | y | z blocks).
// The filter columns follow x's: (W^s | W^r | W^v). The message (forward):
//
//   Δs_i    += x^s_j ∘ W^s
//   Δv_i[c] += (x^r_j ∘ W^r) u[c] + (x^v_j ∘ W^v) ∘ v_j[c]
//
// fs and fv are multiples of 4 (the caller pads). Derivations of the gradients: docs/potentials.md.
//
// Pair mode of radialMessage (`pairs` ≠ 0): rows k0..k1-1 are pairs of edges e = pairs[2k] and
// f = pairs[2k + 1] of the same length d (bit for bit: the kernel checks; in a full neighbour list
// an edge i → j and its reverse j → i). Their filters W(d) are evaluated once, from one load of
// the table row, for both; everything else of each edge (its centre, neighbour and direction) is
// its own, so each edge's term has edge mode's bits; only the order in which a row's terms are
// summed differs.

// The edge of the last radialEdge call (globals are per instance, so per thread).
let edgeD: f32 = 0;
let ux: f32 = 0;
let uy: f32 = 0;
let uz: f32 = 0;
let a1: f32 = 0;
let a2: f32 = 0;
let a3: f32 = 0;
let b1: f32 = 0;
let b2: f32 = 0;
let b3: f32 = 0;

// Geometry and Hermite weights of edge k; returns the table interval n, or -1 when d is at or
// beyond the last node (or not a number): the filters are zero there.
@inline
function radialEdge(r: usize, k: i32, h: f32, g: i32): i32 {
  const p = r + <usize>k * 12;
  const x = load<f32>(p);
  const y = load<f32>(p, 4);
  const z = load<f32>(p, 8);
  const d = Mathf.sqrt(x * x + y * y + z * z);
  edgeD = d;
  ux = x / d;
  uy = y / d;
  uz = z / d;
  const s = d / h;
  if (!(s < <f32>(g - 1))) return -1;
  const n = <i32>Mathf.floor(s);
  const t = s - <f32>n;
  const t2 = t * t;
  const t3 = t2 * t;
  a1 = h * (t3 - 2 * t2 + t);
  a2 = 3 * t2 - 2 * t3;
  a3 = h * (t3 - t2);
  b1 = 3 * t2 - 4 * t + 1;
  b2 = (6 * t - 6 * t2) / h;
  b3 = 3 * t2 - 2 * t;
  return n;
}

// Four filter columns at offset q of the edge's node row p = table + n·rowb (V_n at p, D_n at p + ctb,
// ΔV_n at p + 2·ctb, D_{n+1} at p + rowb + ctb; rowb = 3·ctb).
@inline
function hermite(p: usize, ctb: usize, rowb: usize, w1: v128, w2: v128, w3: v128): v128 {
  return hermiteOf(v128.load(p), v128.load(p + ctb), v128.load(p + ctb * 2), v128.load(p + rowb + ctb), w1, w2, w3);
}

// Their derivative with respect to d.
@inline
function hermiteSlope(p: usize, ctb: usize, rowb: usize, e1: v128, e2: v128, e3: v128): v128 {
  return slopeOf(v128.load(p + ctb), v128.load(p + ctb * 2), v128.load(p + rowb + ctb), e1, e2, e3);
}

// hermite and hermiteSlope from values already loaded (V_n, D_n, ΔV_n, D_{n+1}): kernels that need
// both load the table once (a store in between would make the engine load it again).
@inline
function hermiteOf(v0: v128, d0: v128, dv: v128, d1: v128, w1: v128, w2: v128, w3: v128): v128 {
  return f32x4.add(f32x4.add(v0, f32x4.mul(w1, d0)), f32x4.add(f32x4.mul(w2, dv), f32x4.mul(w3, d1)));
}

@inline
function slopeOf(d0: v128, dv: v128, d1: v128, e1: v128, e2: v128, e3: v128): v128 {
  return f32x4.add(f32x4.mul(e1, d0), f32x4.add(f32x4.mul(e2, dv), f32x4.mul(e3, d1)));
}

// The adjoint of hermite (cotangent dw on W) and hermiteSlope (de on W′), added into a gradient table's rows at p.
@inline
function hermiteAdjoint(p: usize, ctb: usize, rowb: usize, dw: v128, de: v128, w1: v128, w2: v128, w3: v128, e1: v128, e2: v128, e3: v128): void {
  v128.store(p, f32x4.add(v128.load(p), dw));
  v128.store(p + ctb, f32x4.add(v128.load(p + ctb), f32x4.add(f32x4.mul(w1, dw), f32x4.mul(e1, de))));
  v128.store(p + ctb * 2, f32x4.add(v128.load(p + ctb * 2), f32x4.add(f32x4.mul(w2, dw), f32x4.mul(e2, de))));
  v128.store(p + rowb + ctb, f32x4.add(v128.load(p + rowb + ctb), f32x4.add(f32x4.mul(w3, dw), f32x4.mul(e3, de))));
}

@inline
function addTo(p: usize, x: v128): void {
  v128.store(p, f32x4.add(v128.load(p), x));
}

@inline
function hsum(x: v128): f32 {
  return f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) + f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3);
}

@inline
function edgeIndex(center: usize, nbr: usize, k: i32, n: i32): u64 {
  const i = load<i32>(center + (<usize>k << 2));
  const j = load<i32>(nbr + (<usize>k << 2));
  if (i < 0 || i >= n || j < 0 || j >= n) return <u64>-1;
  return (<u64>i << 32) | <u64>j;
}

// The partner f of the edge of the last radialEdge call: its direction (fx, fy, fz), or false when
// its length is not that edge's (bit for bit).
let fx: f32 = 0;
let fy: f32 = 0;
let fz: f32 = 0;

@inline
function partnerEdge(r: usize, f: i32): bool {
  const p = r + <usize>f * 12;
  const x = load<f32>(p);
  const y = load<f32>(p, 4);
  const z = load<f32>(p, 8);
  const d = Mathf.sqrt(x * x + y * y + z * z);
  fx = x / d;
  fy = y / d;
  fz = z / d;
  return reinterpret<u32>(d) == reinterpret<u32>(edgeD);
}

/**
 * The message: ds [n, fs] and dv [n, 3·fv] (this thread's, zeroed here) summed over edges k0..k1-1.
 * vz ≠ 0: the caller's v is zero (PaiNN's first block), so the x^v ∘ W^v ∘ v_j term, 0, is skipped.
 * pairs ≠ 0: pair mode (above); returns the first bad edge, else -1.
 */
export function radialMessage(x: usize, v: usize, r: usize, center: usize, nbr: usize, table: usize, k0: i32, k1: i32, fs: i32, fv: i32, n: i32, g: i32, hBits: i32, ds: usize, dv: usize, vz: i32, pairs: usize): i32 {
  const h = reinterpret<f32>(hBits);
  const fsb = <usize>fs << 2;
  const fvb = <usize>fv << 2;
  const ctb = fsb + fvb * 2;
  const vb = fvb * 3;
  const rowb = ctb * 3;
  const paired = pairs != 0;
  memory.fill(ds, 0, <usize>n * fsb);
  memory.fill(dv, 0, <usize>n * vb);
  for (let k = k0; k < k1; k++) {
    const e = paired ? load<i32>(pairs + (<usize>k << 3)) : k;
    const ij = edgeIndex(center, nbr, e, n);
    if (ij == <u64>-1) return e;
    const i = <usize>(ij >>> 32);
    const j = <usize>(ij & 0xffffffff);
    const node = radialEdge(r, e, h, g);
    // pair mode: the pair's other edge, centre i2 and neighbour j2, direction (fx, fy, fz)
    let i2: usize = 0;
    let j2: usize = 0;
    if (paired) {
      const f = load<i32>(pairs + (<usize>k << 3), 4);
      const kl = edgeIndex(center, nbr, f, n);
      if (kl == <u64>-1) return f;
      i2 = <usize>(kl >>> 32);
      j2 = <usize>(kl & 0xffffffff);
      if (!partnerEdge(r, f)) return e;
    }
    if (node < 0) continue;
    const t = table + <usize>node * rowb;
    const w1 = f32x4.splat(a1);
    const w2 = f32x4.splat(a2);
    const w3 = f32x4.splat(a3);
    const xj = x + j * ctb;
    const dsi = ds + i * fsb;
    const xj2 = x + j2 * ctb;
    const dsi2 = ds + i2 * fsb;
    for (let q: usize = 0; q < fsb; q += 16) {
      const w = hermite(t + q, ctb, rowb, w1, w2, w3);
      addTo(dsi + q, f32x4.mul(v128.load(xj + q), w));
      if (paired) addTo(dsi2 + q, f32x4.mul(v128.load(xj2 + q), w));
    }
    if (fv == 0) continue;
    const u0 = f32x4.splat(ux);
    const u1 = f32x4.splat(uy);
    const u2 = f32x4.splat(uz);
    const vj = v + j * vb;
    const dvi = dv + i * vb;
    const vj2 = v + j2 * vb;
    const dvi2 = dv + i2 * vb;
    if (vz) {
      for (let q: usize = 0; q < fvb; q += 16) {
        const wr = hermite(t + fsb + q, ctb, rowb, w1, w2, w3);
        const mr = f32x4.mul(v128.load(xj + fsb + q), wr);
        addTo(dvi + q, f32x4.mul(mr, u0));
        addTo(dvi + fvb + q, f32x4.mul(mr, u1));
        addTo(dvi + fvb * 2 + q, f32x4.mul(mr, u2));
        if (paired) {
          const mr2 = f32x4.mul(v128.load(xj2 + fsb + q), wr);
          addTo(dvi2 + q, f32x4.mul(mr2, f32x4.splat(fx)));
          addTo(dvi2 + fvb + q, f32x4.mul(mr2, f32x4.splat(fy)));
          addTo(dvi2 + fvb * 2 + q, f32x4.mul(mr2, f32x4.splat(fz)));
        }
      }
      continue;
    }
    for (let q: usize = 0; q < fvb; q += 16) {
      const wr = hermite(t + fsb + q, ctb, rowb, w1, w2, w3);
      const wv = hermite(t + fsb + fvb + q, ctb, rowb, w1, w2, w3);
      const mr = f32x4.mul(v128.load(xj + fsb + q), wr);
      const mv = f32x4.mul(v128.load(xj + fsb + fvb + q), wv);
      addTo(dvi + q, f32x4.add(f32x4.mul(mr, u0), f32x4.mul(mv, v128.load(vj + q))));
      addTo(dvi + fvb + q, f32x4.add(f32x4.mul(mr, u1), f32x4.mul(mv, v128.load(vj + fvb + q))));
      addTo(dvi + fvb * 2 + q, f32x4.add(f32x4.mul(mr, u2), f32x4.mul(mv, v128.load(vj + fvb * 2 + q))));
      if (paired) {
        const mr2 = f32x4.mul(v128.load(xj2 + fsb + q), wr);
        const mv2 = f32x4.mul(v128.load(xj2 + fsb + fvb + q), wv);
        addTo(dvi2 + q, f32x4.add(f32x4.mul(mr2, f32x4.splat(fx)), f32x4.mul(mv2, v128.load(vj2 + q))));
        addTo(dvi2 + fvb + q, f32x4.add(f32x4.mul(mr2, f32x4.splat(fy)), f32x4.mul(mv2, v128.load(vj2 + fvb + q))));
        addTo(dvi2 + fvb * 2 + q, f32x4.add(f32x4.mul(mr2, f32x4.splat(fz)), f32x4.mul(mv2, v128.load(vj2 + fvb * 2 + q))));
      }
    }
  }
  return -1;
}

/**
 * The message's gradient for cotangents gs [n, fs] (on ds) and gv [n, 3·fv] (on dv): gx [n, ct] and
 * gvo [n, 3·fv] (this thread's, zeroed here), and gr [E, 3] for rows k0..k1-1:
 *
 *   P = Σ_c gv_i[c] u[c],  Q = Σ_c gv_i[c] ∘ v_j[c]
 *   gx^s_j += gs_i ∘ W^s,  gx^r_j += W^r ∘ P,  gx^v_j += W^v ∘ Q,  gvo_j[c] += gv_i[c] ∘ x^v_j ∘ W^v
 *   a = Σ_f gs_i x^s_j W^s′ + x^r_j P W^r′ + x^v_j Q W^v′,   b[c] = Σ_f gv_i[c] x^r_j W^r
 *   gr = a u + (b − (b·u) u) / d                  (∂d/∂r = u, ∂u/∂r = (I − u uᵀ)/d)
 *
 * mode 1: gr alone (energy and forces when x and v are constants of the positions: PaiNN's first
 * block), gx and gvo untouched; mode 3: that with v = 0 (Q = 0: the x^v terms vanish). The same
 * sums in every mode, so gr has the same bits.
 */
export function radialMessageGrad(gs: usize, gv: usize, x: usize, v: usize, r: usize, center: usize, nbr: usize, table: usize, k0: i32, k1: i32, fs: i32, fv: i32, n: i32, g: i32, hBits: i32, gx: usize, gvo: usize, gr: usize, mode: i32): i32 {
  const h = reinterpret<f32>(hBits);
  const fsb = <usize>fs << 2;
  const fvb = <usize>fv << 2;
  const ctb = fsb + fvb * 2;
  const vb = fvb * 3;
  const rowb = ctb * 3;
  const full = mode == 0;
  const vz = mode == 3;
  if (full) {
    memory.fill(gx, 0, <usize>n * ctb);
    memory.fill(gvo, 0, <usize>n * vb);
  }
  const zero = f32x4.splat(0);
  for (let k = k0; k < k1; k++) {
    const ij = edgeIndex(center, nbr, k, n);
    if (ij == <u64>-1) return k;
    const i = <usize>(ij >>> 32);
    const j = <usize>(ij & 0xffffffff);
    const node = radialEdge(r, k, h, g);
    const grk = gr + <usize>k * 12;
    if (node < 0) {
      memory.fill(grk, 0, 12);
      continue;
    }
    const t = table + <usize>node * rowb;
    const w1 = f32x4.splat(a1);
    const w2 = f32x4.splat(a2);
    const w3 = f32x4.splat(a3);
    const e1 = f32x4.splat(b1);
    const e2 = f32x4.splat(b2);
    const e3 = f32x4.splat(b3);
    const xj = x + j * ctb;
    const gxj = gx + j * ctb;
    const gsi = gs + i * fsb;
    let acc = zero;
    for (let q: usize = 0; q < fsb; q += 16) {
      const p = t + q;
      const d0 = v128.load(p + ctb);
      const dd = v128.load(p + ctb * 2);
      const d1 = v128.load(p + rowb + ctb);
      const gq = v128.load(gsi + q);
      acc = f32x4.add(acc, f32x4.mul(f32x4.mul(gq, v128.load(xj + q)), slopeOf(d0, dd, d1, e1, e2, e3)));
      if (full) addTo(gxj + q, f32x4.mul(gq, hermiteOf(v128.load(p), d0, dd, d1, w1, w2, w3)));
    }
    let bx = zero;
    let by = zero;
    let bz = zero;
    if (fv > 0) {
      const u0 = f32x4.splat(ux);
      const u1 = f32x4.splat(uy);
      const u2 = f32x4.splat(uz);
      const gvi = gv + i * vb;
      const vj = v + j * vb;
      const gvoj = gvo + j * vb;
      for (let q: usize = 0; q < fvb; q += 16) {
        const pr = t + fsb + q;
        const rd0 = v128.load(pr + ctb);
        const rdd = v128.load(pr + ctb * 2);
        const rd1 = v128.load(pr + rowb + ctb);
        const wr = hermiteOf(v128.load(pr), rd0, rdd, rd1, w1, w2, w3);
        const g0 = v128.load(gvi + q);
        const g1 = v128.load(gvi + fvb + q);
        const g2 = v128.load(gvi + fvb * 2 + q);
        const xr = v128.load(xj + fsb + q);
        const P = f32x4.add(f32x4.add(f32x4.mul(g0, u0), f32x4.mul(g1, u1)), f32x4.mul(g2, u2));
        let term = f32x4.mul(f32x4.mul(xr, P), slopeOf(rd0, rdd, rd1, e1, e2, e3));
        if (!vz) {
          const pv = t + fsb + fvb + q;
          const vd0 = v128.load(pv + ctb);
          const vdd = v128.load(pv + ctb * 2);
          const vd1 = v128.load(pv + rowb + ctb);
          const xv = v128.load(xj + fsb + fvb + q);
          const Q = f32x4.add(f32x4.add(f32x4.mul(g0, v128.load(vj + q)), f32x4.mul(g1, v128.load(vj + fvb + q))), f32x4.mul(g2, v128.load(vj + fvb * 2 + q)));
          term = f32x4.add(term, f32x4.mul(f32x4.mul(xv, Q), slopeOf(vd0, vdd, vd1, e1, e2, e3)));
          if (full) {
            const wv = hermiteOf(v128.load(pv), vd0, vdd, vd1, w1, w2, w3);
            addTo(gxj + fsb + q, f32x4.mul(wr, P));
            addTo(gxj + fsb + fvb + q, f32x4.mul(wv, Q));
            const tv = f32x4.mul(xv, wv);
            addTo(gvoj + q, f32x4.mul(g0, tv));
            addTo(gvoj + fvb + q, f32x4.mul(g1, tv));
            addTo(gvoj + fvb * 2 + q, f32x4.mul(g2, tv));
          }
        }
        acc = f32x4.add(acc, term);
        const m = f32x4.mul(xr, wr);
        bx = f32x4.add(bx, f32x4.mul(g0, m));
        by = f32x4.add(by, f32x4.mul(g1, m));
        bz = f32x4.add(bz, f32x4.mul(g2, m));
      }
    }
    const a = hsum(acc);
    const sx = hsum(bx);
    const sy = hsum(by);
    const sz = hsum(bz);
    const bu = sx * ux + sy * uy + sz * uz;
    const inv = <f32>1 / edgeD;
    store<f32>(grk, a * ux + (sx - bu * ux) * inv);
    store<f32>(grk, a * uy + (sy - bu * uy) * inv, 4);
    store<f32>(grk, a * uz + (sz - bu * uz) * inv, 8);
  }
  return -1;
}

/**
 * The message's gradient with respect to the table, gt [g, 3·ct] (this thread's, zeroed here), for
 * cotangents gs, gv: ∂W^s = gs_i ∘ x^s_j, ∂W^r = x^r_j ∘ P, ∂W^v = x^v_j ∘ Q (P, Q as in
 * radialMessageGrad), spread onto the edge's two nodes with the Hermite weights.
 */
export function radialMessageTableGrad(gs: usize, gv: usize, x: usize, v: usize, r: usize, center: usize, nbr: usize, k0: i32, k1: i32, fs: i32, fv: i32, n: i32, g: i32, hBits: i32, gt: usize): i32 {
  const h = reinterpret<f32>(hBits);
  const fsb = <usize>fs << 2;
  const fvb = <usize>fv << 2;
  const ctb = fsb + fvb * 2;
  const vb = fvb * 3;
  const rowb = ctb * 3;
  memory.fill(gt, 0, <usize>g * rowb);
  const zero = f32x4.splat(0);
  for (let k = k0; k < k1; k++) {
    const ij = edgeIndex(center, nbr, k, n);
    if (ij == <u64>-1) return k;
    const i = <usize>(ij >>> 32);
    const j = <usize>(ij & 0xffffffff);
    const node = radialEdge(r, k, h, g);
    if (node < 0) continue;
    const p = gt + <usize>node * rowb;
    const w1 = f32x4.splat(a1);
    const w2 = f32x4.splat(a2);
    const w3 = f32x4.splat(a3);
    const xj = x + j * ctb;
    const gsi = gs + i * fsb;
    for (let q: usize = 0; q < fsb; q += 16) hermiteAdjoint(p + q, ctb, rowb, f32x4.mul(v128.load(gsi + q), v128.load(xj + q)), zero, w1, w2, w3, zero, zero, zero);
    if (fv == 0) continue;
    const u0 = f32x4.splat(ux);
    const u1 = f32x4.splat(uy);
    const u2 = f32x4.splat(uz);
    const gvi = gv + i * vb;
    const vj = v + j * vb;
    for (let q: usize = 0; q < fvb; q += 16) {
      const g0 = v128.load(gvi + q);
      const g1 = v128.load(gvi + fvb + q);
      const g2 = v128.load(gvi + fvb * 2 + q);
      const P = f32x4.add(f32x4.add(f32x4.mul(g0, u0), f32x4.mul(g1, u1)), f32x4.mul(g2, u2));
      const Q = f32x4.add(f32x4.add(f32x4.mul(g0, v128.load(vj + q)), f32x4.mul(g1, v128.load(vj + fvb + q))), f32x4.mul(g2, v128.load(vj + fvb * 2 + q)));
      hermiteAdjoint(p + fsb + q, ctb, rowb, f32x4.mul(v128.load(xj + fsb + q), P), zero, w1, w2, w3, zero, zero, zero);
      hermiteAdjoint(p + fsb + fvb + q, ctb, rowb, f32x4.mul(v128.load(xj + fsb + fvb + q), Q), zero, w1, w2, w3, zero, zero, zero);
    }
  }
  return -1;
}

/**
 * The gradient of radialMessageGrad (force training differentiates forces): for cotangents ca
 * [n, ct] (on gx), cb [n, 3·fv] (on gvo) and cc [E, 3] (on gr), writes (this thread's, zeroed here)
 * ggs [n, fs], ggv [n, 3·fv] (on gs, gv), gx [n, ct], gvo [n, 3·fv] (on x, v) and gt [g, 3·ct] (on
 * the tables). With κ = C·u, λ[c] = (C[c] − κ u[c]) / d, P, Q as above, Λ = Σ_c gv_i[c] λ[c],
 * β = Σ_c B_j[c] ∘ gv_i[c]:
 *
 *   ggs_i    += A^s_j W^s + κ x^s_j W^s′
 *   ggv_i[c] += u[c] (A^r_j W^r + κ x^r_j W^r′) + λ[c] x^r_j W^r + v_j[c] (A^v_j W^v + κ x^v_j W^v′) + B_j[c] x^v_j W^v
 *   gx^s_j   += κ gs_i W^s′,   gx^r_j += κ P W^r′ + Λ W^r,   gx^v_j += β W^v + κ Q W^v′
 *   gvo_j[c] += gv_i[c] (A^v_j W^v + κ x^v_j W^v′)
 *   ∂W^s = A^s_j gs_i, ∂W^s′ = κ gs_i x^s_j;  ∂W^r = A^r_j P + x^r_j Λ, ∂W^r′ = κ x^r_j P;
 *   ∂W^v = A^v_j Q + x^v_j β, ∂W^v′ = κ x^v_j Q   → the tables through the Hermite weights.
 */
export function radialMessageGradGrad(
  ca: usize, cb: usize, cc: usize, gs: usize, gv: usize, x: usize, v: usize, r: usize, center: usize, nbr: usize, table: usize,
  k0: i32, k1: i32, fs: i32, fv: i32, n: i32, g: i32, hBits: i32,
  ggs: usize, ggv: usize, gx: usize, gvo: usize, gt: usize,
): i32 {
  const h = reinterpret<f32>(hBits);
  const fsb = <usize>fs << 2;
  const fvb = <usize>fv << 2;
  const ctb = fsb + fvb * 2;
  const vb = fvb * 3;
  const rowb = ctb * 3;
  memory.fill(ggs, 0, <usize>n * fsb);
  memory.fill(ggv, 0, <usize>n * vb);
  memory.fill(gx, 0, <usize>n * ctb);
  memory.fill(gvo, 0, <usize>n * vb);
  memory.fill(gt, 0, <usize>g * rowb);
  for (let k = k0; k < k1; k++) {
    const ij = edgeIndex(center, nbr, k, n);
    if (ij == <u64>-1) return k;
    const i = <usize>(ij >>> 32);
    const j = <usize>(ij & 0xffffffff);
    const node = radialEdge(r, k, h, g);
    if (node < 0) continue;
    const ck = cc + <usize>k * 12;
    const cx = load<f32>(ck);
    const cy = load<f32>(ck, 4);
    const cz = load<f32>(ck, 8);
    const kap = cx * ux + cy * uy + cz * uz;
    const inv = <f32>1 / edgeD;
    const kappa = f32x4.splat(kap);
    const t = table + <usize>node * rowb;
    const p = gt + <usize>node * rowb;
    const w1 = f32x4.splat(a1);
    const w2 = f32x4.splat(a2);
    const w3 = f32x4.splat(a3);
    const e1 = f32x4.splat(b1);
    const e2 = f32x4.splat(b2);
    const e3 = f32x4.splat(b3);
    const xj = x + j * ctb;
    const gxj = gx + j * ctb;
    const caj = ca + j * ctb;
    const gsi = gs + i * fsb;
    const ggsi = ggs + i * fsb;
    for (let q: usize = 0; q < fsb; q += 16) {
      const ws = hermite(t + q, ctb, rowb, w1, w2, w3);
      const wsd = hermiteSlope(t + q, ctb, rowb, e1, e2, e3);
      const as = v128.load(caj + q);
      const gq = v128.load(gsi + q);
      const xs = v128.load(xj + q);
      addTo(ggsi + q, f32x4.add(f32x4.mul(as, ws), f32x4.mul(kappa, f32x4.mul(xs, wsd))));
      addTo(gxj + q, f32x4.mul(kappa, f32x4.mul(gq, wsd)));
      hermiteAdjoint(p + q, ctb, rowb, f32x4.mul(as, gq), f32x4.mul(kappa, f32x4.mul(gq, xs)), w1, w2, w3, e1, e2, e3);
    }
    if (fv == 0) continue;
    const u0 = f32x4.splat(ux);
    const u1 = f32x4.splat(uy);
    const u2 = f32x4.splat(uz);
    const l0 = f32x4.splat((cx - kap * ux) * inv);
    const l1 = f32x4.splat((cy - kap * uy) * inv);
    const l2 = f32x4.splat((cz - kap * uz) * inv);
    const gvi = gv + i * vb;
    const ggvi = ggv + i * vb;
    const vj = v + j * vb;
    const gvoj = gvo + j * vb;
    const cbj = cb + j * vb;
    for (let q: usize = 0; q < fvb; q += 16) {
      const or = fsb + q;
      const ov = fsb + fvb + q;
      const wr = hermite(t + or, ctb, rowb, w1, w2, w3);
      const wrd = hermiteSlope(t + or, ctb, rowb, e1, e2, e3);
      const wv = hermite(t + ov, ctb, rowb, w1, w2, w3);
      const wvd = hermiteSlope(t + ov, ctb, rowb, e1, e2, e3);
      const ar = v128.load(caj + fsb + q);
      const av = v128.load(caj + fsb + fvb + q);
      const B0 = v128.load(cbj + q);
      const B1 = v128.load(cbj + fvb + q);
      const B2 = v128.load(cbj + fvb * 2 + q);
      const g0 = v128.load(gvi + q);
      const g1 = v128.load(gvi + fvb + q);
      const g2 = v128.load(gvi + fvb * 2 + q);
      const v0 = v128.load(vj + q);
      const v1 = v128.load(vj + fvb + q);
      const v2 = v128.load(vj + fvb * 2 + q);
      const xr = v128.load(xj + fsb + q);
      const xv = v128.load(xj + fsb + fvb + q);
      const P = f32x4.add(f32x4.add(f32x4.mul(g0, u0), f32x4.mul(g1, u1)), f32x4.mul(g2, u2));
      const Q = f32x4.add(f32x4.add(f32x4.mul(g0, v0), f32x4.mul(g1, v1)), f32x4.mul(g2, v2));
      const L = f32x4.add(f32x4.add(f32x4.mul(g0, l0), f32x4.mul(g1, l1)), f32x4.mul(g2, l2));
      const BG = f32x4.add(f32x4.add(f32x4.mul(B0, g0), f32x4.mul(B1, g1)), f32x4.mul(B2, g2));
      const alpha = f32x4.add(f32x4.mul(ar, wr), f32x4.mul(kappa, f32x4.mul(xr, wrd)));
      const beta = f32x4.add(f32x4.mul(av, wv), f32x4.mul(kappa, f32x4.mul(xv, wvd)));
      const gamma = f32x4.mul(xr, wr);
      const delta = f32x4.mul(xv, wv);
      addTo(ggvi + q, f32x4.add(f32x4.add(f32x4.mul(u0, alpha), f32x4.mul(l0, gamma)), f32x4.add(f32x4.mul(v0, beta), f32x4.mul(B0, delta))));
      addTo(ggvi + fvb + q, f32x4.add(f32x4.add(f32x4.mul(u1, alpha), f32x4.mul(l1, gamma)), f32x4.add(f32x4.mul(v1, beta), f32x4.mul(B1, delta))));
      addTo(ggvi + fvb * 2 + q, f32x4.add(f32x4.add(f32x4.mul(u2, alpha), f32x4.mul(l2, gamma)), f32x4.add(f32x4.mul(v2, beta), f32x4.mul(B2, delta))));
      addTo(gxj + fsb + q, f32x4.add(f32x4.mul(kappa, f32x4.mul(P, wrd)), f32x4.mul(L, wr)));
      addTo(gxj + fsb + fvb + q, f32x4.add(f32x4.mul(BG, wv), f32x4.mul(kappa, f32x4.mul(Q, wvd))));
      addTo(gvoj + q, f32x4.mul(g0, beta));
      addTo(gvoj + fvb + q, f32x4.mul(g1, beta));
      addTo(gvoj + fvb * 2 + q, f32x4.mul(g2, beta));
      hermiteAdjoint(p + fsb + q, ctb, rowb, f32x4.add(f32x4.mul(ar, P), f32x4.mul(xr, L)), f32x4.mul(kappa, f32x4.mul(xr, P)), w1, w2, w3, e1, e2, e3);
      hermiteAdjoint(p + fsb + fvb + q, ctb, rowb, f32x4.add(f32x4.mul(av, Q), f32x4.mul(xv, BG)), f32x4.mul(kappa, f32x4.mul(xv, Q)), w1, w2, w3, e1, e2, e3);
    }
  }
  return -1;
}
