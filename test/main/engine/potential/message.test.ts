/**
 * The radial message kernels (engine/potential/message.ts, SIMD source simd/assembly/radial.ts)
 * against a float64 reference written from the definition: the message itself, its gradient
 * (∂ with respect to x, v, r and the table) by central differences of the float64 message, and the
 * gradient of that gradient (the double backward of force training) by nested central differences.
 * SchNet (scalar messages) and PaiNN (scalar and vector messages), feature widths that are and are
 * not a multiple of 4 (padded inside), edges beyond the table's last node, and more edges than one
 * thread takes (the thread team's per-thread sums).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { MESSAGE_KERNELS, painnMessage, schnetMessage, type EdgeList } from '../../../../src-main/engine/potential/message';
import { describeEachBackend, expectClose, seededRandom } from '../helpers';

interface Case {
  vectors: boolean;
  F: number;
  N: number;
  E: number;
  G: number;
  h: number;
  x: Float64Array;
  v: Float64Array;
  r: Float64Array;
  center: Int32Array;
  neighbor: Int32Array;
  table: Float64Array;
}

function makeCase(vectors: boolean, F: number, E: number, seed: number): Case {
  const rnd = seededRandom(seed);
  const N = 5;
  const G = 21;
  const h = 0.25; // nodes 0 … 5 Å
  const nx = vectors ? 3 : 1;
  const r = new Float64Array(3 * E);
  for (let e = 0; e < E; e++) {
    // directions at random, lengths 0.6 … 5.3 Å (a few beyond the last node: zero filters)
    const u = [rnd(-1, 1), rnd(-1, 1), rnd(-1, 1)];
    const n = Math.hypot(...u);
    const d = e % 17 === 5 ? 5.0 + rnd(0, 0.3) : rnd(0.6, 4.9);
    for (let c = 0; c < 3; c++) r[3 * e + c] = (u[c] / n) * d;
  }
  return {
    vectors,
    F,
    N,
    E,
    G,
    h,
    x: Float64Array.from({ length: N * nx * F }, () => rnd(-1, 1)),
    v: Float64Array.from({ length: vectors ? N * 3 * F : 0 }, () => rnd(-1, 1)),
    r,
    center: Int32Array.from({ length: E }, () => Math.floor(rnd(0, N))),
    neighbor: Int32Array.from({ length: E }, () => Math.floor(rnd(0, N))),
    table: Float64Array.from({ length: G * 3 * nx * F }, () => rnd(-1, 1)),
  };
}

/** The Hermite interpolant of column col and its derivative at d (0 from the last node on), float64. */
function filter64(c: Case, table: Float64Array, d: number, col: number): [number, number] {
  const ct = (c.vectors ? 3 : 1) * c.F;
  const s = d / c.h;
  if (!(s < c.G - 1)) return [0, 0];
  const n = Math.floor(s);
  const t = s - n;
  // per node: values V, derivatives D, differences ΔV to the next node
  const V0 = table[n * 3 * ct + col];
  const D0 = table[n * 3 * ct + ct + col];
  const dV = table[n * 3 * ct + 2 * ct + col];
  const D1 = table[(n + 1) * 3 * ct + ct + col];
  const V1 = V0 + dV;
  const w = [2 * t ** 3 - 3 * t ** 2 + 1, c.h * (t ** 3 - 2 * t ** 2 + t), 3 * t ** 2 - 2 * t ** 3, c.h * (t ** 3 - t ** 2)];
  const dw = [(6 * t ** 2 - 6 * t) / c.h, 3 * t ** 2 - 4 * t + 1, (6 * t - 6 * t ** 2) / c.h, 3 * t ** 2 - 2 * t];
  return [w[0] * V0 + w[1] * D0 + w[2] * V1 + w[3] * D1, dw[0] * V0 + dw[1] * D0 + dw[2] * V1 + dw[3] * D1];
}

/** The message in float64 from the definition: ds [N, F], dv [N, 3F]. */
function message64(c: Case, p: { x: Float64Array; v: Float64Array; r: Float64Array; table: Float64Array }): { ds: Float64Array; dv: Float64Array } {
  const { F, N } = c;
  const nx = c.vectors ? 3 : 1;
  const ds = new Float64Array(N * F);
  const dv = new Float64Array(c.vectors ? N * 3 * F : 0);
  for (let e = 0; e < c.E; e++) {
    const i = c.center[e];
    const j = c.neighbor[e];
    const r = [p.r[3 * e], p.r[3 * e + 1], p.r[3 * e + 2]];
    const d = Math.hypot(...r);
    for (let f = 0; f < F; f++) {
      ds[i * F + f] += p.x[j * nx * F + f] * filter64(c, p.table, d, f)[0];
      if (!c.vectors) continue;
      const mr = p.x[j * 3 * F + F + f] * filter64(c, p.table, d, F + f)[0];
      const mv = p.x[j * 3 * F + 2 * F + f] * filter64(c, p.table, d, 2 * F + f)[0];
      for (let k = 0; k < 3; k++) dv[i * 3 * F + k * F + f] += mr * (r[k] / d) + mv * p.v[j * 3 * F + k * F + f];
    }
  }
  return { ds, dv };
}

type Param = 'x' | 'v' | 'r' | 'table';

/** O = ⟨gs, ds⟩ + ⟨gv, dv⟩ in float64. */
function objective(c: Case, gs: Float64Array, gv: Float64Array, p: Record<Param, Float64Array>): number {
  const { ds, dv } = message64(c, p);
  let o = 0;
  ds.forEach((y, k) => (o += gs[k] * y));
  dv.forEach((y, k) => (o += gv[k] * y));
  return o;
}

function centralDifference(f: (delta: number) => number, eps: number): number {
  return (f(eps) - f(-eps)) / (2 * eps);
}

/** ∂O/∂param by central differences (float64). */
function gradient64(c: Case, gs: Float64Array, gv: Float64Array, base: Record<Param, Float64Array>, which: Param, eps = 1e-6): Float64Array {
  const out = new Float64Array(base[which].length);
  for (let k = 0; k < out.length; k++) {
    out[k] = centralDifference((delta) => {
      const moved = base[which].slice();
      moved[k] += delta;
      return objective(c, gs, gv, { ...base, [which]: moved });
    }, eps);
  }
  return out;
}

const f32 = (a: Float64Array) => Float32Array.from(a);

function tensors(c: Case) {
  const nx = c.vectors ? 3 : 1;
  return {
    x: tf.tensor2d(f32(c.x), [c.N, nx * c.F]),
    v: c.vectors ? tf.tensor2d(f32(c.v), [c.N, 3 * c.F]) : null,
    edges: { vectors: tf.tensor2d(f32(c.r), [c.E, 3]), center: tf.tensor1d(c.center, 'int32'), neighbor: tf.tensor1d(c.neighbor, 'int32') },
    table: tf.tensor2d(f32(c.table), [c.G, 3 * nx * c.F]),
  };
}

function run(c: Case, t: Omit<ReturnType<typeof tensors>, 'edges'> & { edges: EdgeList }): [tf.Tensor2D, tf.Tensor2D | null] {
  if (c.vectors) return painnMessage(t.x, t.v!, t.edges, t.table, c.h);
  return [schnetMessage(t.x, t.edges, t.table, c.h), null];
}

const CASES: Array<[string, boolean, number, number]> = [
  ['SchNet, F = 8', false, 8, 40],
  ['SchNet, F = 5 (padded)', false, 5, 40],
  ['PaiNN, F = 4', true, 4, 40],
  ['PaiNN, F = 6 (padded)', true, 6, 40],
];

describeEachBackend('radial message kernels', () => {
  for (const [title, vectors, F, E] of CASES) {
    it(`${title}: message equals the float64 definition`, () => {
      const c = makeCase(vectors, F, E, 11);
      const before = tf.memory().numTensors;
      const t = tensors(c);
      const [ds, dv] = run(c, t);
      const want = message64(c, c);
      expectClose(ds.dataSync(), want.ds, 1e-5, 1e-5);
      if (vectors) expectClose(dv!.dataSync(), want.dv, 1e-5, 1e-5);
      tf.dispose([ds, dv ?? [], t.x, t.v ?? [], t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`${title}: gradients with respect to x, v, r and the table equal central differences of the float64 message`, () => {
      const c = makeCase(vectors, F, E, 12);
      const rnd = seededRandom(99);
      const gs = Float64Array.from({ length: c.N * F }, () => rnd(-1, 1));
      const gv = Float64Array.from({ length: vectors ? c.N * 3 * F : 0 }, () => rnd(-1, 1));
      const before = tf.memory().numTensors;
      const t = tensors(c);
      const gsT = tf.tensor2d(f32(gs), [c.N, F]);
      const gvT = vectors ? tf.tensor2d(f32(gv), [c.N, 3 * F]) : null;
      const params = vectors ? [t.x, t.v!, t.edges.vectors, t.table] : [t.x, t.edges.vectors, t.table];
      const grads = tf.grads((...p: tf.Tensor[]) => {
        const [ds, dv] = vectors
          ? painnMessage(p[0] as tf.Tensor2D, p[1] as tf.Tensor2D, { ...t.edges, vectors: p[2] as tf.Tensor2D }, p[3] as tf.Tensor2D, c.h)
          : [schnetMessage(p[0] as tf.Tensor2D, { ...t.edges, vectors: p[1] as tf.Tensor2D }, p[2] as tf.Tensor2D, c.h), null];
        const o = tf.sum(tf.mul(ds, gsT));
        return (dv ? tf.add(o, tf.sum(tf.mul(dv, gvT!))) : o) as tf.Scalar;
      })(params);
      const names: Param[] = vectors ? ['x', 'v', 'r', 'table'] : ['x', 'r', 'table'];
      names.forEach((name, k) => expectClose(grads[k].dataSync(), gradient64(c, gs, gv, c, name), 2e-5, 2e-4));
      tf.dispose([...grads, gsT, gvT ?? [], t.x, t.v ?? [], t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`${title}: the gradient's gradient (force training) equals nested central differences`, () => {
      const c = makeCase(vectors, F, E, 13);
      const rnd = seededRandom(7);
      const nx = vectors ? 3 : 1;
      const gs = Float64Array.from({ length: c.N * F }, () => rnd(-1, 1));
      const gv = Float64Array.from({ length: vectors ? c.N * 3 * F : 0 }, () => rnd(-1, 1));
      // cotangents of the gradient's outputs: directions in (x, v, r)
      const ca = Float64Array.from({ length: c.N * nx * F }, () => rnd(-1, 1));
      const cb = Float64Array.from({ length: vectors ? c.N * 3 * F : 0 }, () => rnd(-1, 1));
      const cc = Float64Array.from({ length: 3 * c.E }, () => rnd(-1, 1));
      // S = ⟨ca, ∂O/∂x⟩ + ⟨cb, ∂O/∂v⟩ + ⟨cc, ∂O/∂r⟩ = d/dε O(x + ε ca, v + ε cb, r + ε cc) at 0
      const S = (g: { gs: Float64Array; gv: Float64Array; p: Record<Param, Float64Array> }) =>
        centralDifference((eps) => {
          const along = (a: Float64Array, dir: Float64Array) => a.map((y, k) => y + eps * dir[k]);
          return objective(c, g.gs, g.gv, { ...g.p, x: along(g.p.x, ca), v: vectors ? along(g.p.v, cb) : g.p.v, r: along(g.p.r, cc) });
        }, 1e-4);
      const base = { gs, gv, p: { x: c.x, v: c.v, r: c.r, table: c.table } };
      const nested = (which: 'gs' | 'gv' | Exclude<Param, 'r'>) => {
        const arr = which === 'gs' || which === 'gv' ? base[which] : base.p[which];
        return Float64Array.from(arr, (_, k) =>
          centralDifference((delta) => {
            const moved = arr.slice();
            moved[k] += delta;
            if (which === 'gs' || which === 'gv') return S({ ...base, [which]: moved });
            return S({ ...base, p: { ...base.p, [which]: moved } });
          }, 1e-4),
        );
      };
      const before = tf.memory().numTensors;
      const t = tensors(c);
      const gsT = tf.tensor2d(f32(gs), [c.N, F]);
      const gvT = vectors ? tf.tensor2d(f32(gv), [c.N, 3 * F]) : null;
      const caT = tf.tensor2d(f32(ca), [c.N, nx * F]);
      const cbT = vectors ? tf.tensor2d(f32(cb), [c.N, 3 * F]) : null;
      const ccT = tf.tensor2d(f32(cc), [c.E, 3]);
      // the outer function: S as tfjs computes it (first gradients taken inside, by the kernels)
      const outerParams = vectors ? [gsT, gvT!, t.x, t.v!, t.table] : [gsT, t.x, t.table];
      const grads = tf.grads((...p: tf.Tensor[]) => {
        const [g0, g1, x, v, table] = vectors ? p : [p[0], null, p[1], null, p[2]];
        const inner = tf.grads((...q: tf.Tensor[]) => {
          const [ds, dv] = vectors
            ? painnMessage(q[0] as tf.Tensor2D, q[1] as tf.Tensor2D, { ...t.edges, vectors: q[2] as tf.Tensor2D }, table as tf.Tensor2D, c.h)
            : [schnetMessage(q[0] as tf.Tensor2D, { ...t.edges, vectors: q[1] as tf.Tensor2D }, table as tf.Tensor2D, c.h), null];
          const o = tf.sum(tf.mul(ds, g0));
          return (dv ? tf.add(o, tf.sum(tf.mul(dv, g1!))) : o) as tf.Scalar;
        })(vectors ? [x, v!, t.edges.vectors] : [x, t.edges.vectors]);
        const terms = vectors
          ? [tf.sum(tf.mul(inner[0], caT)), tf.sum(tf.mul(inner[1], cbT!)), tf.sum(tf.mul(inner[2], ccT))]
          : [tf.sum(tf.mul(inner[0], caT)), tf.sum(tf.mul(inner[1], ccT))];
        return tf.addN(terms) as tf.Scalar;
      })(outerParams);
      const names = (vectors ? ['gs', 'gv', 'x', 'v', 'table'] : ['gs', 'x', 'table']) as Array<'gs' | 'gv' | Exclude<Param, 'r'>>;
      names.forEach((name, k) => expectClose(grads[k].dataSync(), nested(name), 1e-4, 1e-3));
      tf.dispose([...grads, gsT, gvT ?? [], caT, cbT ?? [], ccT, t.x, t.v ?? [], t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  for (const [title, vectors] of [
    ['SchNet', false],
    ['PaiNN', true],
  ] as const) {
    it(`${title}, first block (v = 0): the same message and the same bits of ∂/∂r by the edge-only gradient, x's and v's gradients still right when asked for, inside an outer tape too`, async () => {
      // thousands of edges: the thread team's blocks
      const c = makeCase(vectors, 8, 3000, 31);
      if (vectors) c.v.fill(0);
      const rnd = seededRandom(5);
      const gs = tf.tensor2d(Float32Array.from({ length: c.N * 8 }, () => rnd(-1, 1)), [c.N, 8]);
      const gv = tf.tensor2d(Float32Array.from({ length: c.N * 24 }, () => rnd(-1, 1)), [c.N, 24]);
      const before = tf.memory().numTensors;
      const t = tensors(c);
      const objective = (x: tf.Tensor2D, r: tf.Tensor2D, firstBlock: boolean) => {
        const edges = { ...t.edges, vectors: r };
        if (!vectors) return tf.sum(tf.mul(schnetMessage(x, edges, t.table, c.h, { firstBlock }), gs)) as tf.Scalar;
        const [ds, dv] = painnMessage(x, t.v!, edges, t.table, c.h, { firstBlock });
        return tf.add(tf.sum(tf.mul(ds, gs)), tf.sum(tf.mul(dv, gv))) as tf.Scalar;
      };
      const values = (firstBlock: boolean) => tf.tidy(() => objective(t.x, t.edges.vectors, firstBlock).dataSync()[0]);
      expect(values(true)).toBe(values(false));
      // ∂/∂r alone (what energy and forces ask for): the edge-only kernel, bit for bit the full gradient's r
      const grOnly = (firstBlock: boolean) => tf.tidy(() => Array.from(tf.grad((r: tf.Tensor) => objective(t.x, r as tf.Tensor2D, firstBlock))(t.edges.vectors).dataSync()));
      const full = grOnly(false);
      let edgeOnly: number[] = [];
      const kernels = (await tf.profile(() => void (edgeOnly = grOnly(true)))).kernelNames;
      const fam = MESSAGE_KERNELS[vectors ? 'painn' : 'schnet'];
      expect(kernels).toContain(fam.edgeGrad);
      expect(kernels).not.toContain(fam.grad);
      expect(edgeOnly).toEqual(full);
      expect(full.some((g) => g !== 0)).toBe(true);
      // ∂/∂x and ∂/∂r together: x's from the full gradient in its own pass
      const both = (firstBlock: boolean) => tf.tidy(() => tf.grads((x: tf.Tensor, r: tf.Tensor) => objective(x as tf.Tensor2D, r as tf.Tensor2D, firstBlock))([t.x, t.edges.vectors]).map((g) => Array.from(g.dataSync())));
      expect(both(true)).toEqual(both(false));
      // recorded by an outer tape (force training): the full gradient, which is differentiable again
      const outer = (firstBlock: boolean) =>
        tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.grad((r: tf.Tensor) => objective(x as tf.Tensor2D, r as tf.Tensor2D, firstBlock))(t.edges.vectors))))(t.x).dataSync()));
      expect(outer(true)).toEqual(outer(false));
      tf.dispose([t.x, t.v ?? [], t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([gs, gv]);
    });
  }

  for (const [title, vectors, F] of [
    ['SchNet, F = 8', false, 8],
    ['PaiNN, F = 8', true, 8],
    ['PaiNN, F = 6 (padded)', true, 6],
  ] as const) {
    it(`${title}, pair mode (each edge with its reverse, pairs in another order than the edges): the message equals edge mode's (as close to float64), its gradients are edge mode's bit for bit, on thousands of edges, first block too, inside an outer tape too, no leaks`, () => {
      // a symmetric graph: edges e and e + E are each other's reverse (ends swapped, r negated)
      const half = makeCase(vectors, F, 1500, 41);
      const E = 2 * half.E;
      const c: Case = {
        ...half,
        E,
        r: Float64Array.from({ length: 3 * E }, (_, k) => (k < 3 * half.E ? half.r[k] : -half.r[k - 3 * half.E])),
        center: Int32Array.from({ length: E }, (_, e) => (e < half.E ? half.center[e] : half.neighbor[e - half.E])),
        neighbor: Int32Array.from({ length: E }, (_, e) => (e < half.E ? half.neighbor[e] : half.center[e - half.E])),
      };
      const rnd = seededRandom(8);
      const gs = tf.tensor2d(Float32Array.from({ length: c.N * F }, () => rnd(-1, 1)), [c.N, F]);
      const gv = tf.tensor2d(Float32Array.from({ length: c.N * 3 * F }, () => rnd(-1, 1)), [c.N, 3 * F]);
      const before = tf.memory().numTensors;
      const t = tensors(c);
      // pairs listed in another order than the edges (the kernels must not rely on it)
      const order: number[] = [];
      for (let k = 0; k < half.E; k++) {
        const m = half.E - 1 - k;
        order.push(...(k % 2 === 0 ? [m, m + half.E] : [m + half.E, m]));
      }
      const pairs = tf.tensor2d(Int32Array.from(order), [half.E, 2], 'int32');
      const objective = (x: tf.Tensor2D, v: tf.Tensor2D | null, r: tf.Tensor2D, paired: boolean, firstBlock = false) => {
        const edges = { ...t.edges, vectors: r, pairs: paired ? pairs : null };
        if (!vectors) return tf.sum(tf.mul(schnetMessage(x, edges, t.table, c.h, { firstBlock }), gs)) as tf.Scalar;
        const [ds, dv] = painnMessage(x, v!, edges, t.table, c.h, { firstBlock });
        return tf.add(tf.sum(tf.mul(ds, gs)), tf.sum(tf.mul(dv, gv))) as tf.Scalar;
      };
      const messages = (paired: boolean) => tf.tidy(() => run(c, { ...t, edges: { ...t.edges, pairs: paired ? pairs : null } }).flatMap((m) => (m ? [Array.from(m.dataSync())] : [])));
      const [mp, me] = [messages(true), messages(false)];
      // other summation order, so float32 rounding of rows of ~600 terms apart: as close to the float64 definition as edge mode
      const want = message64(c, c);
      [want.ds, want.dv].slice(0, mp.length).forEach((w, k) => {
        expectClose(mp[k], w, 1e-4, 1e-5);
        expectClose(me[k], w, 1e-4, 1e-5);
      });
      expect(mp[0].some((y) => y !== 0)).toBe(true);
      // gradients with respect to x, v, r and the table
      const params = vectors ? [t.x, t.v!, t.edges.vectors, t.table] : [t.x, t.edges.vectors, t.table];
      const grads = (paired: boolean, firstBlock = false) =>
        tf.tidy(() =>
          tf
            .grads((...p: tf.Tensor[]) => (vectors ? objective(p[0] as tf.Tensor2D, p[1] as tf.Tensor2D, p[2] as tf.Tensor2D, paired, firstBlock) : objective(p[0] as tf.Tensor2D, null, p[1] as tf.Tensor2D, paired, firstBlock)))(params)
            .map((g) => Array.from(g.dataSync())),
        );
      const rAt = vectors ? 2 : 1;
      const [gp, ge] = [grads(true), grads(false)];
      // (the gradients take the edges one by one in both modes)
      expect(gp).toEqual(ge);
      expect(gp[rAt].some((g) => g !== 0)).toBe(true);
      // ∂/∂r alone (energy and forces), first block (v = 0): the edge-only kernel in pair mode
      if (vectors) c.v.fill(0);
      const t0 = tensors(c);
      const grOnly = (paired: boolean) => tf.tidy(() => Array.from(tf.grad((r: tf.Tensor) => objective(t0.x, t0.v, r as tf.Tensor2D, paired, true))(t0.edges.vectors).dataSync()));
      expect(grOnly(true)).toEqual(grOnly(false));
      // recorded by an outer tape (force training): the gradient's gradient through the pair-mode gradient
      const outer = (paired: boolean) =>
        tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.grad((r: tf.Tensor) => objective(x as tf.Tensor2D, t.v, r as tf.Tensor2D, paired))(t.edges.vectors))))(t.x).dataSync()));
      expect(outer(true)).toEqual(outer(false));
      tf.dispose([t.x, t.v ?? [], t.edges.vectors, t.edges.center, t.edges.neighbor, t.table, t0.x, t0.v ?? [], t0.edges.vectors, t0.edges.center, t0.edges.neighbor, t0.table, pairs]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([gs, gv]);
    });
  }

  it('pair mode refuses pairs that do not list every edge once, and pairs of edges of different lengths, naming them', () => {
    const c = makeCase(false, 4, 4, 3);
    // edges 0, 1 and their reverses 2, 3
    c.center = Int32Array.from([0, 1, 2, 3]);
    c.neighbor = Int32Array.from([2, 3, 0, 1]);
    c.r = Float64Array.from([1, 0.5, 0.2, -0.3, 1.1, 0.7, -1, -0.5, -0.2, 0.3, -1.1, -0.7]);
    const before = tf.memory().numTensors;
    const t = tensors(c);
    const withPairs = (p: number[], r = t.edges.vectors) =>
      tf.tidy(() => {
        const pairs = tf.tensor2d(Int32Array.from(p), [p.length / 2, 2], 'int32');
        return schnetMessage(t.x, { ...t.edges, vectors: r, pairs }, t.table, c.h).dataSync();
      });
    expect(withPairs([0, 2, 1, 3]).length).toBe(c.N * 4);
    expect(() => withPairs([0, 2, 1, 2])).toThrow(/edge pair 1 lists edge 2, listed before/);
    expect(() => withPairs([0, 2, 1, 7])).toThrow(/edge pair 1 lists edge 7, out of range \[0, 4\)/);
    expect(() => withPairs([0, 2])).toThrow(/1 edge pairs for 4 edges/);
    expect(() => withPairs([0, 3, 1, 2])).toThrow(/edge 0 \(0 → 2\).*the other edge of its pair is not of the same length/);
    const bent = tf.tensor2d(Float32Array.from([1, 0.5, 0.2, -0.3, 1.1, 0.7, -1, -0.5, -0.25, 0.3, -1.1, -0.7]), [4, 3]);
    expect(() => withPairs([0, 2, 1, 3], bent)).toThrow(/LwRadialMessage: edge 0 \(0 → 2\).*the other edge of its pair is not of the same length/);
    tf.dispose([t.x, t.edges.vectors, t.edges.center, t.edges.neighbor, t.table, bent]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sums per thread add up to the one-thread result on thousands of edges (PaiNN, both outputs)', () => {
    const c = makeCase(true, 8, 5000, 21);
    const t = tensors(c);
    const [ds, dv] = run(c, t);
    const want = message64(c, c);
    expectClose(ds.dataSync(), want.ds, 1e-4, 1e-5);
    expectClose(dv!.dataSync(), want.dv, 1e-4, 1e-5);
    tf.dispose([ds, dv!, t.x, t.v!, t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
  });

  it('an edge index out of range is an error naming the edge', () => {
    const c = makeCase(false, 4, 10, 3);
    c.neighbor[7] = 9;
    const t = tensors(c);
    expect(() => run(c, t)).toThrow(/edge 7 \(\d → 9\) out of range \[0, 5\)/);
    tf.dispose([t.x, t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
  });

  it('second derivatives with respect to edge vectors are refused with a clear message', () => {
    const c = makeCase(false, 4, 10, 4);
    const t = tensors(c);
    expect(() =>
      tf.grad((r: tf.Tensor) => tf.sum(tf.grad((q: tf.Tensor) => tf.sum(schnetMessage(t.x, { ...t.edges, vectors: q as tf.Tensor2D }, t.table, c.h)))(r)))(t.edges.vectors),
    ).toThrow(/second derivatives of the energy with respect to positions are not implemented/);
    tf.dispose([t.x, t.edges.vectors, t.edges.center, t.edges.neighbor, t.table]);
    expect(MESSAGE_KERNELS.schnet.gradGrad).toBe('LwSchNetMessageGradGrad');
  });
});
