/**
 * PaiNN's energy, forces and stress for inference (a simulation step, a prediction), written out
 * by hand: the forward pass of ./painn.ts and ./model.ts and its reverse pass for ∂E/∂r_e, in the
 * SIMD kernels on the thread team — the edge sums (../simd/assembly/radial.ts), the dense products
 * (windowedProduct) and the per-atom element-wise work (../simd/assembly/painn.ts) — on arrays laid
 * out once per call in the kernels' memory: no tfjs op, tape or tensor, no copy in or out between
 * kernels. Training (weight gradients, gradients of gradients) keeps tfjs autodiff
 * (PotentialModel.evaluate); tests compare the two (test/main/engine/potential/painn-inference.test.ts).
 *
 * Reverse pass, with ḡ = ∂E/∂(·) (blocks from the last; U, V = v⃗·[U | V] per component, ⟨·,·⟩
 * and ‖·‖ over the 3 components; σ the activation, σ′ its derivative):
 *   head:     ḡs = scale · (σ′(a_h) ∘ w_h2) · W_h1ᵀ,  ḡv = 0
 *   update:   ḡa^ss = ḡs,  ḡa^sv = ḡs ∘ ⟨U, V⟩,  ḡa^vv = ⟨ḡv, U⟩
 *             ḡU = (ḡs ∘ a^sv) V + a^vv ḡv,  ḡV = (ḡs ∘ a^sv) U + ḡ‖V‖ ∘ V/‖V‖
 *             [ḡs_c | ḡ‖V‖] = (σ′(pre) ∘ ḡa·W_c2ᵀ) · W_c1ᵀ,  ḡs += ḡs_c,  ḡv += [ḡU | ḡV]·[U | V]ᵀ
 *   message:  (ḡx, ḡv_m, ḡr) = the message kernel's gradient (first block: ḡr alone, x and v⃗ = 0
 *             being constants of the positions);  ḡv += ḡv_m,  ḡs += (σ′(a_φ) ∘ ḡx·W_φ2ᵀ)·W_φ1ᵀ
 *   forces:   F_i = Σ_{e: center i} ḡr_e − Σ_{e: neighbour i} ḡr_e      (ḡr summed over the blocks)
 *   stress:   σ_s = sym(Σ_{e ∈ s} r_e ⊗ ḡr_e) / V_s      (r_e = P′[j] − P′[i] + S′_e under the strain)
 *
 * Feature widths are padded to multiples of 4 with zero weights (padded features stay exactly 0
 * forward and backward). The weights, padded, and the filter tables built from them are read once
 * and kept while the model's variables are unchanged (tfjs gives a variable a new data id at every
 * assign).
 */
import { checkIndices, f32Bits, layout, space, team, type KernelName, type Operand, type Team } from '../simd/index';
import { checkPairs, MIN_PAIRS_PER_THREAD } from '../simd/radial';
import type { Dense } from '../nn/dense';
import { addEdgeVectorsGrad, edgeVectorsInto } from './edge-vectors';
import { VOIGT_INDEX, type PotentialBatch } from './frames';
import type { PotentialModel } from './model';
import { PaiNNRepresentation } from './painn';

/** Atom rows per thread at least (a row is ≥ F·F multiply-adds in the products: far more than a helper's wake-up). */
const MIN_ROWS_PER_THREAD = 128;

/** A dense layer in the weights array: offsets (floats) of W [k, n], Wᵀ [n, k] and b [n] (−1: none), padded. */
interface Layer {
  w: number;
  wt: number;
  b: number;
  k: number;
  n: number;
}

interface Weights {
  /** Feature width padded to a multiple of 4 (F4), the head's hidden width padded (H4), and the unpadded F. */
  F: number;
  H: number;
  features: number;
  maxZ: number;
  /** The activation: 0 silu, 1 shifted softplus (the kernels' `kind`). */
  kind: number;
  /** The element embedding [maxZ + 1, F4]. */
  embedding: Float32Array;
  /** The first block's x = W_φ2 σ(W_φ1 s⁰ + b) + b per element, [maxZ + 1, 3·F4] (s⁰ depends on Z alone). */
  firstX: Float32Array;
  /** Every dense layer's W, Wᵀ and b, padded (one operand). */
  array: Float32Array;
  blocks: Array<{ phi1: Layer; phi2: Layer; mix: Layer; ctx1: Layer; ctx2: Layer }>;
  head1: Layer;
  /** The head's last layer (one output): w [H4] and b. */
  head2: Float32Array;
  head2Bias: number;
  /** Each block's filter table [G, 9·F4]. */
  tables: Float32Array[];
  nodes: number;
  hBits: number;
  /** ε of ‖V v⃗‖ (model.vectorNormEpsilon) as float32 bits. */
  normEpsilonBits: number;
  scale: number;
  shift: number;
  reference: Float32Array;
}

/** The pass's results (host arrays, owned by the caller). */
export interface InferenceOutput {
  /** E_s per structure. */
  energy: Float64Array;
  atomEnergies: Float32Array;
  /** [N·3], or null when not asked for. */
  forces: Float32Array | null;
  /** [S·6] Voigt (NaN rows for structures without a volume), or null when not asked for. */
  stress: Float64Array | null;
}

const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * m [rb·r, cb·c] (rb row blocks of r rows, cb column blocks of c columns) → [rb·r4, cb·c4] with zero
 * rows and columns at the end of each block.
 */
function padBlocks(m: Float32Array, rb: number, r: number, cb: number, c: number): Float32Array {
  const [r4, c4] = [ceil4(r), ceil4(c)];
  const out = new Float32Array(rb * r4 * cb * c4);
  for (let i = 0; i < rb * r; i++) {
    const oi = Math.floor(i / r) * r4 + (i % r);
    for (let j = 0; j < cb * c; j++) out[oi * cb * c4 + Math.floor(j / c) * c4 + (j % c)] = m[i * cb * c + j];
  }
  return out;
}

/** Collects the padded layers into one array. */
class LayerArray {
  private readonly parts: Float32Array[] = [];
  private size = 0;

  private put(a: Float32Array): number {
    const at = this.size;
    this.parts.push(a);
    this.size += ceil4(a.length);
    if (a.length % 4) this.parts.push(new Float32Array(ceil4(a.length) - a.length));
    return at;
  }

  /** A layer with rb input blocks of r and cb output blocks of c (padded to multiples of 4 each). */
  add(d: Dense, rb: number, r: number, cb: number, c: number): Layer {
    const w = padBlocks(d.kernel.dataSync() as Float32Array, rb, r, cb, c);
    const [k, n] = [rb * ceil4(r), cb * ceil4(c)];
    const wt = new Float32Array(k * n);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) wt[j * k + i] = w[i * n + j];
    const b = d.bias ? padBlocks(d.bias.dataSync() as Float32Array, 1, 1, cb, c) : null;
    return { w: this.put(w), wt: this.put(wt), b: b ? this.put(b) : -1, k, n };
  }

  array(): Float32Array {
    const out = new Float32Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function readWeights(model: PotentialModel, rep: PaiNNRepresentation): Weights {
  const m = model.config.model;
  const f = rep.features;
  const F = ceil4(f);
  const H = ceil4(m.headHidden);
  const layers = new LayerArray();
  const blocks = rep.messages.map((msg, l) => ({
    phi1: layers.add(msg.phi1, 1, f, 1, f),
    phi2: layers.add(msg.phi2, 1, f, 3, f),
    mix: layers.add(rep.updates[l].mix, 1, f, 2, f),
    ctx1: layers.add(rep.updates[l].ctx1, 2, f, 1, f),
    ctx2: layers.add(rep.updates[l].ctx2, 1, f, 3, f),
  }));
  const head1 = layers.add(model.head1, 1, f, 1, m.headHidden);
  const built = rep.filterTables();
  const tables = built.map((t) => padBlocks(t.dataSync() as Float32Array, 1, t.shape[0], 9, f));
  const nodes = built[0].shape[0];
  for (const t of built) t.dispose();
  const { reference, scale, shift } = model.energyStatistics();
  const embedding = padBlocks(rep.embedding.table.dataSync() as Float32Array, 1, m.maxZ + 1, 1, f);
  const array = layers.array();
  const kind = m.activation === 'silu' ? 0 : 1;
  return {
    F,
    H,
    features: f,
    maxZ: m.maxZ,
    kind,
    embedding,
    firstX: elementMessageInputs(embedding, m.maxZ + 1, array, blocks[0], kind),
    array,
    blocks,
    head1,
    head2: padBlocks(model.head2.kernel.dataSync() as Float32Array, 1, m.headHidden, 1, 1).filter((_, i) => i % 4 === 0),
    head2Bias: model.head2.bias ? model.head2.bias.dataSync()[0] : 0,
    tables,
    nodes,
    hBits: f32Bits(rep.spacing),
    normEpsilonBits: f32Bits(m.vectorNormEpsilon),
    scale,
    shift,
    reference,
  };
}

const kept = new WeakMap<PotentialModel, { key: unknown[]; weights: Weights }>();

function weightsOf(model: PotentialModel, rep: PaiNNRepresentation): Weights {
  const key = model.namedVariables().map((nv) => nv.variable.dataId);
  const k = kept.get(model);
  if (k && k.key.length === key.length && k.key.every((id, i) => id === key[i])) return k.weights;
  const weights = readWeights(model, rep);
  kept.set(model, { key, weights });
  return weights;
}

/** The model's representation when the hand-written pass computes it (PaiNN), else null. */
export function painnOf(model: PotentialModel): PaiNNRepresentation | null {
  return model.representation instanceof PaiNNRepresentation ? model.representation : null;
}

/** x = W_φ2 σ(W_φ1 s + b) + b for each row of s [rows, F4] (host arithmetic: the first block's x per element). */
function elementMessageInputs(s: Float32Array, rows: number, array: Float32Array, B: { phi1: Layer; phi2: Layer }, kind: number): Float32Array {
  const hostDense = (l: Layer, x: Float32Array): Float32Array => {
    const y = new Float32Array(rows * l.n);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < l.n; c++) {
        let acc = l.b >= 0 ? array[l.b + c] : 0;
        for (let i = 0; i < l.k; i++) acc += x[r * l.k + i] * array[l.w + i * l.n + c];
        y[r * l.n + c] = acc;
      }
    }
    return y;
  };
  const a = hostDense(B.phi1, s);
  for (let i = 0; i < a.length; i++) {
    const y = a[i];
    a[i] = kind === 0 ? y / (1 + Math.exp(-y)) : Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y))) - Math.LN2;
  }
  return hostDense(B.phi2, a);
}

/** Named regions of the kernels' memory for one call (byte offsets). */
class Regions {
  private readonly names: string[] = [];
  private readonly ops: Operand[] = [];
  at: Record<string, number> = {};

  add(name: string, op: Operand): void {
    this.names.push(name);
    this.ops.push(op);
  }

  floats(name: string, n: number): void {
    this.add(name, space(n));
  }

  place(): Team {
    const { t, at } = layout(this.ops);
    this.names.forEach((n, k) => (this.at[n] = at[k]));
    return t;
  }
}

/**
 * Energies, and forces and stress when asked for, of a batch with PaiNN model `model` (see the
 * module comment). The caller checks that no gradient tape records (the pass is not differentiable).
 */
export function painnInference(model: PotentialModel, b: PotentialBatch, opts: { forces: boolean; stress: boolean }): InferenceOutput {
  const rep = painnOf(model);
  if (!rep) throw new Error(`painnInference: the model is a ${model.config.architecture} potential, not PaiNN`);
  const W = weightsOf(model, rep);
  const { F, H } = W;
  const F3 = 3 * F;
  const N = b.numAtoms;
  const E = b.numEdges;
  const L = W.blocks.length;
  const backward = opts.forces || opts.stress;
  const pairs = b.pairs;
  if (pairs) checkPairs(pairs, E);
  const threads = team().threads;

  const R = new Regions();
  R.add('weights', { bytes: W.array.length * 4, input: W.array });
  W.tables.forEach((t, l) => R.add(`table${l}`, { bytes: t.length * 4, input: t }));
  R.add('center', { bytes: E * 4, input: b.center });
  R.add('neighbor', { bytes: E * 4, input: b.neighbor });
  R.add('pairs', pairs ? { bytes: pairs.length * 4, input: pairs } : space(0));
  R.floats('r', 3 * E);
  R.floats('s0', N * F);
  for (let l = 0; l < L; l++) {
    const phi = l > 0 ? N * F : 0;
    for (const [name, size] of [['a1', phi], ['sg1', phi], ['h1', phi], ['x', N * F3], ['ds', threads * N * F], ['dv', threads * N * F3], ['uv', 6 * N * F], ['vn', N * F], ['ip', N * F], ['cin', 2 * N * F], ['pre', N * F], ['sg2', N * F], ['hid', N * F], ['a', N * F3], ['s', N * F], ['v', N * F3]] as const) R.floats(`${name}${l}`, size);
    if (backward) for (const [name, size] of [['gx', l > 0 ? threads * N * F3 : 0], ['gvo', l > 0 ? threads * N * F3 : 0], ['gr', 3 * E], ['gsx', N * F]] as const) R.floats(`${name}${l}`, size);
  }
  for (const [name, size] of [['ah', N * H], ['sgh', N * H], ['hh', N * H]] as const) R.floats(name, size);
  if (backward) for (const [name, size] of [['gah', N * H], ['gs', N * F], ['ga', N * F3], ['guv', 6 * N * F], ['ghid', N * F], ['gcin', 2 * N * F], ['gsm', N * F], ['gvu', N * F3], ['gh1', N * F]] as const) R.floats(name, size);
  const t = R.place();
  const at = R.at;
  const heap = new Float32Array(t.memory.buffer);
  const view = (name: string, n: number) => heap.subarray(at[name] / 4, at[name] / 4 + n);
  const wAt = (offset: number) => at.weights + 4 * offset;

  const rows = (kernel: KernelName, n: number, args: (r0: number, r1: number) => number[]) => t.run(kernel, n, args, MIN_ROWS_PER_THREAD);
  /** out [n, l.n] = x [n, l.k] · W (+ b). */
  const dense = (l: Layer, x: number, out: number, n: number, bias = true) => {
    rows('windowedProduct', n, (r0, r1) => [x, wAt(l.w), r0, r1, l.k, l.n, out]);
    if (bias && l.b >= 0) rows('addBias', n, (r0, r1) => [out, wAt(l.b), r0, r1, l.n]);
  };
  /** out [n, l.k] = g [n, l.n] · Wᵀ. */
  const denseT = (l: Layer, g: number, out: number, n: number) => rows('windowedProduct', n, (r0, r1) => [g, wAt(l.wt), r0, r1, l.n, l.k, out]);
  /** a ← a + b, h = σ(a), sg = logistic(a) (a [n, l.n], pre-activation of layer l). */
  const activate = (l: Layer, a: number, h: number, sg: number, n: number, cols: number) => rows('biasActivate', n, (r0, r1) => [a, l.b >= 0 ? wAt(l.b) : 0, h, sg, r0, r1, cols, W.kind]);
  const activateBackward = (g: number, a: number, sg: number, n: number, cols: number) => rows('activateBackward', n, (r0, r1) => [g, a, sg, r0, r1, cols, W.kind]);
  /** Adds per-thread copies 1.. of `values` floats at base into copy 0. */
  const threadSums = (base: number, values: number, parts: number) => {
    for (let p = 1; p < parts; p++) t.kernels.addInto(base, base + p * values * 4, 0, values);
  };
  const edgeError = (bad: number) => `edge ${bad} (${b.center[bad]} → ${b.neighbor[bad]}): an atom index out of range [0, ${N})${pairs ? ', or the other edge of its pair is not of the same length' : ''}`;

  edgeVectorsInto('painnInference', b.positions, b.shift, b.center, b.neighbor, N, view('r', 3 * E));
  const s0 = view('s0', N * F);
  for (let i = 0; i < N; i++) {
    const z = b.numbers[i];
    if (!(z >= 0 && z <= W.maxZ)) throw new Error(`painnInference: atom ${i} has Z = ${z}, outside the element embedding (0..${W.maxZ})`);
    s0.set(W.embedding.subarray(z * F, z * F + F), i * F);
  }

  // forward: s⁰ = T[Z], v⃗⁰ = 0
  let s = at.s0;
  let v = 0;
  const msgRows = pairs ? pairs.length / 2 : E;
  for (let l = 0; l < L; l++) {
    const B = W.blocks[l];
    const g = (name: string) => at[`${name}${l}`];
    // message: x = W_φ2 σ(W_φ1 s + b) + b (the first block's per element), (Δs, Δv⃗) by the kernel; s ← s + Δs, v⃗ ← v⃗ + Δv⃗ (in Δ's memory)
    if (l === 0) {
      const x = view('x0', N * F3);
      for (let i = 0; i < N; i++) x.set(W.firstX.subarray(b.numbers[i] * F3, (b.numbers[i] + 1) * F3), i * F3);
    } else {
      dense(B.phi1, s, g('a1'), N, false);
      activate(B.phi1, g('a1'), g('h1'), g('sg1'), N, F);
      dense(B.phi2, g('h1'), g('x'), N);
    }
    const results = t.run('radialMessage', msgRows, (k0, k1, p) => [g('x'), v, at.r, at.center, at.neighbor, at[`table${l}`], k0, k1, F, F, N, W.nodes, W.hBits, g('ds') + p * N * F * 4, g('dv') + p * N * F3 * 4, l === 0 ? 1 : 0, pairs ? at.pairs : 0], pairs ? MIN_PAIRS_PER_THREAD : undefined);
    checkIndices('painnInference', results, edgeError);
    threadSums(g('ds'), N * F, results.length);
    threadSums(g('dv'), N * F3, results.length);
    t.kernels.addInto(g('ds'), s, 0, N * F);
    if (v) t.kernels.addInto(g('dv'), v, 0, N * F3);
    const [sm, vm] = [g('ds'), g('dv')];
    // update: [U | V] per component, ‖V v⃗‖ and ⟨U v⃗, V v⃗⟩, the context network, then s, v⃗
    dense(B.mix, vm, g('uv'), 3 * N, false);
    rows('painnNorms', N, (r0, r1) => [g('uv'), sm, g('vn'), g('ip'), g('cin'), r0, r1, F, W.normEpsilonBits]);
    dense(B.ctx1, g('cin'), g('pre'), N, false);
    activate(B.ctx1, g('pre'), g('hid'), g('sg2'), N, F);
    dense(B.ctx2, g('hid'), g('a'), N);
    rows('painnUpdate', N, (r0, r1) => [sm, vm, g('a'), g('ip'), g('uv'), g('s'), g('v'), r0, r1, F]);
    s = g('s');
    v = g('v');
  }

  // head: e_i = scale · (w_h2 σ(W_h1 s + b) + b) + shift + E_ref[Z_i]
  dense(W.head1, s, at.ah, N, false);
  activate(W.head1, at.ah, at.hh, at.sgh, N, H);
  const atomEnergies = new Float32Array(N);
  headEnergies(view('hh', N * H), W, b.numbers, atomEnergies);
  const energy = new Float64Array(b.numGraphs);
  for (let i = 0; i < N; i++) energy[b.atomGraph[i]] += atomEnergies[i];
  if (!backward) return { energy, atomEnergies, forces: null, stress: null };

  // reverse: ḡs from the head, then the blocks from the last
  const gah = view('gah', N * H);
  for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) gah[i * H + h] = W.scale * W.head2[h];
  activateBackward(at.gah, at.ah, at.sgh, N, H);
  denseT(W.head1, at.gah, at.gs, N);
  let gs = at.gs;
  let gv = 0;
  for (let l = L - 1; l >= 0; l--) {
    const B = W.blocks[l];
    const g = (name: string) => at[`${name}${l}`];
    // update block
    rows('painnUpdateBackward', N, (r0, r1) => [gs, gv, g('a'), g('ip'), g('uv'), at.ga, at.guv, r0, r1, F]);
    denseT(B.ctx2, at.ga, at.ghid, N);
    activateBackward(at.ghid, g('pre'), g('sg2'), N, F);
    denseT(B.ctx1, at.ghid, at.gcin, N);
    rows('painnNormBackward', N, (r0, r1) => [gs, at.gcin, g('vn'), g('uv'), at.gsm, at.guv, r0, r1, F]);
    denseT(B.mix, at.guv, at.gvu, 3 * N);
    if (gv) t.kernels.addInto(at.gvu, gv, 0, N * F3);
    // message block (its input v⃗ is the previous block's output; the first block's is 0)
    const vIn = l > 0 ? at[`v${l - 1}`] : 0;
    const first = l === 0;
    const results = t.run('radialMessageGrad', E, (k0, k1, p) => [at.gsm, at.gvu, g('x'), vIn, at.r, at.center, at.neighbor, at[`table${l}`], k0, k1, F, F, N, W.nodes, W.hBits, g('gx') + (first ? 0 : p * N * F3 * 4), g('gvo') + (first ? 0 : p * N * F3 * 4), g('gr'), first ? 3 : 0]);
    checkIndices('painnInference', results, edgeError);
    if (first) break;
    threadSums(g('gx'), N * F3, results.length);
    threadSums(g('gvo'), N * F3, results.length);
    t.kernels.addInto(g('gvo'), at.gvu, 0, N * F3);
    denseT(B.phi2, g('gx'), at.gh1, N);
    activateBackward(at.gh1, g('a1'), g('sg1'), N, F);
    denseT(B.phi1, at.gh1, g('gsx'), N);
    t.kernels.addInto(g('gsx'), at.gsm, 0, N * F);
    gs = g('gsx');
    gv = g('gvo');
  }
  // ḡr summed over the blocks (into the first block's)
  for (let l = 1; l < L; l++) t.kernels.addInto(at.gr0, at[`gr${l}`], 0, 3 * E);
  const gr = view('gr0', 3 * E);
  const r = view('r', 3 * E);
  return { energy, atomEnergies, forces: opts.forces ? forcesOf(gr, b.center, b.neighbor, N) : null, stress: opts.stress ? stressOf(gr, r, b) : null };
}

/** e_i = scale · (h_i · w + b) + shift + E_ref[Z_i], rounded as tfjs's float32 ops. */
function headEnergies(h: Float32Array, W: Weights, numbers: Int32Array, out: Float32Array): void {
  const H = W.H;
  const w = W.head2;
  for (let i = 0; i < out.length; i++) {
    let y = 0;
    for (let k = 0; k < H; k++) y += h[i * H + k] * w[k];
    out[i] = Math.fround(Math.fround(Math.fround(y + W.head2Bias) * W.scale) + W.shift) + W.reference[numbers[i]];
  }
}

/** F_i = −∂E/∂P_i = Σ_{e: center i} ḡr_e − Σ_{e: neighbour i} ḡr_e (summed in float64). */
function forcesOf(gr: Float32Array, center: Int32Array, neighbor: Int32Array, n: number): Float32Array {
  const g = new Float64Array(3 * n);
  addEdgeVectorsGrad(gr, center, neighbor, g);
  return Float32Array.from(g, (x) => -x);
}

/** σ_s = sym(Σ_{e ∈ s} r_e ⊗ ḡr_e) / V_s in Voigt order. */
function stressOf(g: Float32Array, r: Float32Array, b: PotentialBatch): Float64Array {
  const G = new Float64Array(9 * b.numGraphs);
  for (let e = 0; e < b.numEdges; e++) {
    const o = 9 * b.edgeGraph[e];
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) G[o + 3 * p + q] += r[3 * e + p] * g[3 * e + q];
  }
  const stress = new Float64Array(6 * b.numGraphs);
  for (let k = 0; k < b.numGraphs; k++) VOIGT_INDEX.forEach(([p, q], c) => (stress[6 * k + c] = (G[9 * k + 3 * p + q] + G[9 * k + 3 * q + p]) / 2 / b.volumes[k]));
  return stress;
}
