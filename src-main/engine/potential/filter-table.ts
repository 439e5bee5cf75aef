/**
 * Filters as tables. A layer's filter W(d) (PaiNN: (W_W φ(d) + b_W)·u(d); SchNet:
 * (W₂ σ(W₁ φ(d) + b₁) + b₂)·u(d)) depends on the edge length alone, so it is evaluated at the
 * nodes d_n = n·h, n = 0..G−1, (G − 1)·h = r_c, with its derivative W′(d_n), and the message
 * kernels (./message.ts) interpolate between nodes by cubic Hermite polynomials: per edge O(F)
 * instead of the filter network's O(K·F) (SchNet: O(K·F + F²)).
 *
 * The interpolant is C¹ (energies and forces continuous; forces are its exact derivative) and
 * exact at the nodes; its error is O(h⁴) in W and O(h³) in W′ (measured against the exact filter:
 * test/main/engine/potential/filter-table.test.ts; docs/potentials.md). The table is a
 * differentiable function of the filter weights (tfjs ops on [G, K] matrices), so training
 * differentiates through it.
 *
 * Table layout, per node n: V_n = W(d_n), D_n = W′(d_n) and ΔV_n = V_{n+1} − V_n (0 at the last
 * node). The kernels interpolate with ΔV_n rather than V_{n+1}: a float32 difference V_{n+1} − V_n
 * divided by h would lose ~10⁻⁵ of W′. ΔV is computed from differences that are exact on the host:
 * ΔV_n = Δy_n·u_{n+1} + y_n·Δu_n with Δφ_n = φ(d_{n+1}) − φ(d_n) and Δu_n in float64, and
 * differences through the activations written without cancellation (activationDifference).
 *
 * Node values of the radial basis, of the envelope and of their derivatives and differences are
 * computed in float64 on the host (the Bessel basis at d = 0 takes its limit √(2/r_c)·nπ/r_c).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { PotentialConfig, RadialSettings } from '../../../src-shared/model/potential';

/** Largest node spacing, Å. */
export const TABLE_SPACING = 0.005;

export interface TableGrid {
  /** Nodes G. */
  nodes: number;
  /** Spacing h = r_c / (G − 1), Å. */
  spacing: number;
}

export function tableGrid(cutoff: number): TableGrid {
  const intervals = Math.max(1, Math.ceil(cutoff / TABLE_SPACING - 1e-9));
  return { nodes: intervals + 1, spacing: cutoff / intervals };
}

/** φ_k(d) and φ_k′(d) of the configured basis, float64. */
export function basisAt(d: number, r: RadialSettings, k: number): [number, number] {
  const rc = r.cutoff;
  if (r.basis === 'bessel') {
    const c = Math.sqrt(2 / rc);
    const w = ((k + 1) * Math.PI) / rc;
    if (d < 1e-6) return [c * w * (1 - (w * d) ** 2 / 6), (-c * w ** 3 * d) / 3];
    return [(c * Math.sin(w * d)) / d, c * ((w * Math.cos(w * d)) / d - Math.sin(w * d) / (d * d))];
  }
  const step = rc / Math.max(1, r.numBasis - 1);
  const mu = k * step;
  const g = Math.exp((-0.5 * (d - mu) ** 2) / (step * step));
  return [g, (-(d - mu) / (step * step)) * g];
}

/** u(d) and u′(d) of the configured envelope (0 from the cutoff on), float64. */
export function envelopeAt(d: number, r: RadialSettings): [number, number] {
  const rc = r.cutoff;
  if (d >= rc) return [0, 0];
  if (r.envelope === 'cosine') return [0.5 * (Math.cos((Math.PI * d) / rc) + 1), ((-0.5 * Math.PI) / rc) * Math.sin((Math.PI * d) / rc)];
  const p = r.envelopeExponent;
  const x = d / rc;
  const a = ((p + 1) * (p + 2)) / 2;
  const b = p * (p + 2);
  const c = (p * (p + 1)) / 2;
  const u = 1 - a * x ** p + b * x ** (p + 1) - c * x ** (p + 2);
  const du = (-a * p * x ** (p - 1) + b * (p + 1) * x ** p - c * (p + 2) * x ** (p + 1)) / rc;
  return [u, du];
}

/** The basis, envelope and their derivatives at the table's nodes, as tensors (constants). */
export class NodeValues {
  readonly grid: TableGrid;
  /** φ(d_n) and φ′(d_n), [G, K]. */
  readonly basis: Tensor2D;
  readonly basisDerivative: Tensor2D;
  /** φ(d_{n+1}) − φ(d_n), [G, K] (0 in the last row). */
  readonly basisDifference: Tensor2D;
  /** u(d_n), u′(d_n), u(d_{n+1}) and u(d_{n+1}) − u(d_n), [G, 1] (the last row's next node is itself). */
  readonly envelope: Tensor2D;
  readonly envelopeDerivative: Tensor2D;
  readonly envelopeNext: Tensor2D;
  readonly envelopeDifference: Tensor2D;
  /** The nodes' coefficients of a linear filter's table (see linearTable), [3G, K + 1] row-major. */
  private readonly linearRows: Float32Array;
  /** linearRows as a tensor, made on first use. */
  private linearNodes: Tensor2D | null = null;

  constructor(r: RadialSettings) {
    this.grid = tableGrid(r.cutoff);
    const G = this.grid.nodes;
    const K = r.numBasis;
    const node = (n: number) => {
      const d = n * this.grid.spacing;
      // the last node is the cutoff itself: u = u′ = 0 there (and the filters with them)
      return { phi: Array.from({ length: K }, (_, k) => basisAt(d, r, k)), u: n === G - 1 ? [0, 0] : envelopeAt(d, r) };
    };
    const phi = new Float32Array(G * K);
    const dphi = new Float32Array(G * K);
    const phiDiff = new Float32Array(G * K);
    const u = new Float32Array(G);
    const du = new Float32Array(G);
    const uNext = new Float32Array(G);
    const uDiff = new Float32Array(G);
    // rows 3n, 3n + 1, 3n + 2: node n's value, derivative and difference coefficients of a linear
    // filter (φ·u | φ′·u + φ·u′ | Δφ·u_{n+1} + φ·Δu), then the bias's (u | u′ | Δu), in float64
    const rows = new Float32Array(3 * G * (K + 1));
    let here = node(0);
    for (let n = 0; n < G; n++) {
      const next = n + 1 < G ? node(n + 1) : here;
      const [un, dun] = here.u;
      const du1 = next.u[0] - un;
      const at = (s: number, k: number) => (3 * n + s) * (K + 1) + k;
      for (let k = 0; k < K; k++) {
        const [p, dp] = here.phi[k];
        const dphiNext = next.phi[k][0] - p;
        [phi[n * K + k], dphi[n * K + k]] = [p, dp];
        phiDiff[n * K + k] = dphiNext;
        rows[at(0, k)] = p * un;
        rows[at(1, k)] = dp * un + p * dun;
        rows[at(2, k)] = dphiNext * next.u[0] + p * du1;
      }
      [rows[at(0, K)], rows[at(1, K)], rows[at(2, K)]] = [un, dun, du1];
      [u[n], du[n]] = [un, dun];
      uNext[n] = next.u[0];
      uDiff[n] = du1;
      here = next;
    }
    this.basis = tf.tensor2d(phi, [G, K]);
    this.basisDerivative = tf.tensor2d(dphi, [G, K]);
    this.basisDifference = tf.tensor2d(phiDiff, [G, K]);
    this.envelope = tf.tensor2d(u, [G, 1]);
    this.envelopeDerivative = tf.tensor2d(du, [G, 1]);
    this.envelopeNext = tf.tensor2d(uNext, [G, 1]);
    this.envelopeDifference = tf.tensor2d(uDiff, [G, 1]);
    this.linearRows = rows;
  }

  /**
   * The table [G, 3C] of a linear filter (W φ(d) + b)·u(d) from W [K, C] and b [C]: one product of the
   * nodes' coefficients [3G, K + 1] (rows per node: value, derivative, difference; the bias's
   * coefficients last) with (W; b), whose [3G, C] result is the table's row-major layout. The same
   * values as table(), with one matrix product where table() takes three and seven element-wise passes.
   */
  linearTable(W: Tensor2D, b: Tensor): Tensor2D {
    const G = this.grid.nodes;
    // kept out of the caller's tidy: built once, disposed with the nodes
    this.linearNodes ??= tf.keep(tf.tensor2d(this.linearRows, [3 * G, this.linearRows.length / (3 * G)]));
    const nodes = this.linearNodes;
    return tf.tidy(() => tf.reshape(tf.matMul(nodes, tf.concat([W, tf.reshape(b, [1, -1])], 0)), [G, -1]) as Tensor2D);
  }

  /**
   * The table [G, 3C] of a filter y(d)·u(d) from y, y′ = dy/dd and Δy_n = y(d_{n+1}) − y(d_n) at the
   * nodes ([G, C] each): per node the values y·u, the derivatives y′·u + y·u′ and the differences
   * Δy·u_{n+1} + y·Δu.
   */
  table(y: Tensor2D, dy: Tensor2D, diff: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const values = tf.mul(y, this.envelope);
      const derivatives = tf.add(tf.mul(dy, this.envelope), tf.mul(y, this.envelopeDerivative));
      const differences = tf.add(tf.mul(diff, this.envelopeNext), tf.mul(y, this.envelopeDifference));
      return tf.concat([values, derivatives, differences], 1) as Tensor2D;
    });
  }

  dispose(): void {
    tf.dispose([this.basis, this.basisDerivative, this.basisDifference, this.envelope, this.envelopeDerivative, this.envelopeNext, this.envelopeDifference]);
    if (this.linearNodes) this.linearNodes.dispose();
    this.linearNodes = null;
  }
}

/**
 * log(1 + z) accurate for small z in float32 (Goldberg: log(u)·z/(u − 1) with u = 1 + z rounded, z
 * itself where u = 1). tfjs-wasm's Log1p computes log(1 + z) and loses the digits that matter here.
 *
 * The gradient is given explicitly, dy/(1 + z): differentiating the formula itself would put the
 * u = 1 mask (Equal, which has no gradient in tfjs) on the tape, and its derivative
 * (u − 1 − z)/(u − 1)² cancels catastrophically for |z| near float32's epsilon. The gradient is
 * written in z, so it is differentiable again.
 */
const log1pAccurate = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
  const [z, save] = args as [Tensor2D, tf.GradSaveFunc];
  save([z]);
  const value = tf.tidy(() => {
    const u = tf.add(z, 1);
    const step = tf.sub(u, 1);
    const exact = tf.equal(step, 0);
    const ratio = tf.div(z, tf.where(exact, tf.onesLike(step), step));
    return tf.where(exact, z, tf.mul(tf.log(u), ratio));
  });
  return { value, gradFunc: (dy: Tensor, saved: Tensor[]) => tf.div(dy, tf.add(saved[0], 1)) };
}) as (z: Tensor2D) => Tensor2D;

/**
 * σ(x + δ) − σ(x) of the configured activation without the cancellation of a float32 difference
 * (δ ~ h·dx/dd is small): shifted softplus log1p(s(x)·expm1(δ)); silu δ·s(x + δ) + x·(s(x + δ) −
 * s(x)) with s(b) − s(a) = s(−a)·s(b)·(−expm1(−δ)), s the logistic sigmoid. Differentiable.
 */
export function activationDifference(name: PotentialConfig['model']['activation']): (x: Tensor2D, delta: Tensor2D) => Tensor2D {
  if (name === 'silu')
    return (x, delta) =>
      tf.tidy(() => {
        const sb = tf.sigmoid(tf.add(x, delta));
        const ds = tf.mul(tf.mul(tf.sigmoid(tf.neg(x)), sb), tf.neg(tf.expm1(tf.neg(delta))));
        return tf.add(tf.mul(delta, sb), tf.mul(x, ds)) as Tensor2D;
      });
  return (x, delta) => tf.tidy(() => log1pAccurate(tf.mul(tf.sigmoid(x), tf.expm1(delta)) as Tensor2D));
}

/** d/dx of the configured activation (silu: σ(x)(1 + x(1 − σ(x))); shifted softplus: σ(x)), differentiable. */
export function activationDerivative(name: PotentialConfig['model']['activation']): (x: Tensor2D) => Tensor2D {
  if (name === 'silu')
    return (x) =>
      tf.tidy(() => {
        const s = tf.sigmoid(x);
        return tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s)))) as Tensor2D;
      });
  return (x) => tf.sigmoid(x) as Tensor2D;
}

/**
 * Tables kept between calls while the weights they come from are unchanged (tfjs gives a variable
 * a new data id at every assign), for inference: a simulation asks for energy and forces every
 * step with the same weights. `build` makes the tables; `sources` are the variables they depend on.
 */
export class TableCache {
  private key: unknown[] = [];
  private tables: Tensor2D[] | null = null;

  get(sources: readonly tf.Variable[], build: () => Tensor2D[]): Tensor2D[] {
    const key = sources.map((v) => v.dataId);
    if (this.tables && key.length === this.key.length && key.every((k, i) => k === this.key[i])) return this.tables;
    this.dispose();
    this.tables = tf.tidy(() => build().map((t) => tf.keep(t)));
    this.key = key;
    return this.tables;
  }

  dispose(): void {
    if (this.tables) tf.dispose(this.tables);
    this.tables = null;
    this.key = [];
  }
}
