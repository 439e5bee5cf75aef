/**
 * The potentials' inference fast paths against the plain tfjs formulation they replace: the edge
 * vector op (and its gradient's gradient), the dense products on the thread team (and theirs), the
 * Sum gradient without host-side ones, the first block's edge-only message gradient (against the
 * full gradient that training records), and the calculator's graph from a kept pair list (the same
 * edges as a fresh neighbour search, one search for small moves, a new one for large moves). No
 * tensor leaks on any of these paths.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { Structure } from '../../../../src-shared/chem/structure';
import { PairList } from '../../../../src-shared/sim/pairs';
import { PotentialCalculator } from '../../../../src-main/engine/potential/calculator';
import { edgeVectors } from '../../../../src-main/engine/potential/edge-vectors';
import { LoadedPotential, potentialModelFile } from '../../../../src-main/engine/potential/file';
import { batchPotentialGraphs, potentialGraph, potentialGraphOfPairs } from '../../../../src-main/engine/potential/frames';
import { ensurePotentialGradients } from '../../../../src-main/engine/potential/gradients';
import { product } from '../../../../src-main/engine/potential/linear';
import { MESSAGE_KERNELS } from '../../../../src-main/engine/potential/message';
import { disposePotentialBatch, PotentialModel, potentialBatchTensors } from '../../../../src-main/engine/potential/model';
import { gatherRows } from '../../../../src-main/engine/nn/segment';
import { describeEachBackend, seededRandom } from '../helpers';
import { rocksalt } from '../layers/helpers';
import { rattledAlloy, tinyConfig } from './helpers';

function randomTensor(shape: number[], seed: number): Tensor2D {
  // (any rank; typed as 2-D for the ops below)
  const r = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => r(-1, 1)), shape) as unknown as Tensor2D;
}

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(x.length).toBe(y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

function maxDiffOf(x: number[], y: number[]): number {
  expect(x.length).toBe(y.length);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i])));
}

/** Sorted "center neighbor shift" keys of a graph's edges (shifts rounded to 1e-6 Å). */
function edgeKeys(g: { center: Int32Array; neighbor: Int32Array; shift: Float64Array }): string[] {
  return Array.from(g.center, (c, e) => `${c} ${g.neighbor[e]} ${[0, 1, 2].map((k) => g.shift[3 * e + k].toFixed(6)).join(' ')}`).sort();
}

const provenance = { source: 'training' as const, createdAt: '2026-12-01T00:00:00Z', software: 'latticework' };

describeEachBackend('potential fast paths', () => {
  it('edge vectors and their first and second gradients equal the gather formulation', () => {
    const before = tf.memory().numTensors;
    const N = 7;
    const E = 40;
    const r = seededRandom(5);
    const center = tf.tensor1d(Int32Array.from({ length: E }, () => Math.floor(r(0, N))), 'int32') as Tensor1D;
    const neighbor = tf.tensor1d(Int32Array.from({ length: E }, () => Math.floor(r(0, N))), 'int32') as Tensor1D;
    const P = randomTensor([N, 3], 1);
    const S = randomTensor([E, 3], 2);
    const C = randomTensor([E, 3], 3); // a cotangent on r
    const D = randomTensor([N, 3], 4); // a cotangent on ∂/∂P (the force loss's)
    const viaGather = (p: Tensor2D, s: Tensor2D) => tf.sub(tf.add(gatherRows(p, neighbor), s), gatherRows(p, center)) as Tensor2D;
    const check = (f: (p: Tensor2D, s: Tensor2D) => Tensor2D) =>
      tf.tidy(() => {
        const y = f(P, S);
        // first: ∂⟨C, r⟩/∂(P, S); second: ∂⟨D, ∂⟨r∘r, C⟩/∂P⟩/∂P (through the gradient op)
        const [gp, gs] = tf.grads((p: Tensor, s: Tensor) => tf.sum(tf.mul(f(p as Tensor2D, s as Tensor2D), C)))([P, S]);
        const inner = (p: Tensor) => tf.grad((q: Tensor) => tf.sum(tf.mul(tf.square(f(q as Tensor2D, S)), C)))(p);
        const gg = tf.grad((p: Tensor) => tf.sum(tf.mul(inner(p), D)))(P);
        return [y, gp, gs, gg];
      });
    const fast = check((p, s) => edgeVectors(p, s, center, neighbor));
    const slow = check(viaGather);
    for (let k = 0; k < fast.length; k++) expect(maxDiff(fast[k], slow[k])).toBeLessThan(1e-5);
    tf.dispose([...fast, ...slow, center, neighbor, P, S, C, D]);
    expect(() => tf.tidy(() => edgeVectors(randomTensor([2, 3], 1), randomTensor([1, 3], 2), tf.tensor1d([0], 'int32'), tf.tensor1d([5], 'int32')))).toThrow(/out of range/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('dense products on the thread team equal tf.matMul, with their first and second gradients', () => {
    const before = tf.memory().numTensors;
    const shapes: Array<[number, number, number]> = [
      [300, 8, 12],
      [5, 12, 8],
      [40, 6, 3], // a width that is not a multiple of 4: tf.matMul
    ];
    for (const [rows, k, n] of shapes) {
      const x = randomTensor([rows, k], rows);
      const w = randomTensor([k, n], k);
      const c = randomTensor([rows, n], n);
      const d = randomTensor([rows, k], 7);
      const check = (f: (x: Tensor2D, w: Tensor2D) => Tensor2D) =>
        tf.tidy(() => {
          const y = f(x, w);
          const [gx, gw] = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(f(a as Tensor2D, b as Tensor2D), c)))([x, w]);
          // the weight gradient of a loss on ∂/∂x (force training differentiates the input gradient)
          const gxOf = (b: Tensor) => tf.grad((a: Tensor) => tf.sum(tf.mul(tf.sigmoid(f(a as Tensor2D, b as Tensor2D)), c)))(x);
          const gg = tf.grad((b: Tensor) => tf.sum(tf.mul(gxOf(b), d)))(w);
          return [y, gx, gw, gg];
        });
      const fast = check(product);
      const slow = check((a, b) => tf.matMul(a, b));
      for (let i = 0; i < fast.length; i++) expect(maxDiff(fast[i], slow[i])).toBeLessThan(1e-4);
      tf.dispose([...fast, ...slow, x, w, c, d]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the Sum gradient broadcasts dy back (without host-side ones)', () => {
    const before = tf.memory().numTensors;
    ensurePotentialGradients();
    const x = randomTensor([4, 3, 5], 9);
    const c = randomTensor([4, 5], 10);
    // ∂/∂x Σ_{n,f} c_nf Σ_k x_nkf² = 2 x_nkf c_nf
    const ours = tf.tidy(() => tf.grad((a: Tensor) => tf.sum(tf.mul(tf.sum(tf.square(a), 1), c)))(x));
    const exact = tf.tidy(() => tf.mul(tf.mul(x, 2), tf.reshape(c, [4, 1, 5])));
    expect(maxDiff(ours, exact)).toBe(0);
    tf.dispose([x, c, exact, ours]);
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const arch of ['painn', 'schnet'] as const) {
    it(`${arch}: energy, forces and stress by the first block's edge-only gradient equal the full autodiff gradient bit for bit (crystal, alloy, molecule), no leaks`, async () => {
      const before = tf.memory().numTensors;
      const model = new PotentialModel(tinyConfig(arch));
      const molecule: Structure = { ...rattledAlloy(3), lattice: null, pbc: [false, false, false], frac: null, cart: Float64Array.from([0.1, 0.2, 0.3, 1.4, 1.9, 1.1, -0.9, 1.2, 0.4, 0.8, -1.1, 1.6]) };
      const batch = batchPotentialGraphs([rocksalt(), rattledAlloy(5), molecule].map((x) => potentialGraph(x, model.config.radial.cutoff)));
      const t = potentialBatchTensors(batch);
      const host = (o: ReturnType<PotentialModel['evaluate']>) => [o.energy, o.atomEnergies, o.forces!, o.stress!].map((x) => Array.from(x.dataSync()));
      // inference: the evaluation as the calculator runs it
      let fast: number[][] = [];
      const profile = await tf.profile(() => tf.tidy(() => void (fast = host(model.evaluate(t)))));
      const fam = MESSAGE_KERNELS[arch];
      expect(profile.kernelNames).toContain(fam.edgeGrad);
      // the same evaluation recorded by an outer gradient (as training records it): the full message gradient everywhere
      let full: number[][] = [];
      const recorded = await tf.profile(() =>
        tf.tidy(() => {
          tf.grad((w: tf.Tensor) => {
            const o = model.evaluate(t);
            full = host(o);
            return tf.mul(tf.sum(o.energy), w) as tf.Scalar;
          })(tf.scalar(1));
        }),
      );
      expect(recorded.kernelNames).not.toContain(fam.edgeGrad);
      expect(fast).toEqual(full);
      expect(fast[2].some((f) => Math.abs(f) > 1e-4)).toBe(true);
      disposePotentialBatch(t);
      model.dispose(); // (and the filter tables it keeps for inference)
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  for (const arch of ['painn', 'schnet'] as const) {
    it(`${arch}: energy, forces and stress with the pair list's edge pairs (the message kernels' pair mode) equal edge mode's on the same graphs (crystal, a cell whose atoms see their own images, molecule), recorded by an outer tape too, no leaks`, () => {
      const before = tf.memory().numTensors;
      const model = new PotentialModel(tinyConfig(arch));
      const rc = model.config.radial.cutoff;
      const molecule: Structure = { ...rattledAlloy(3), lattice: null, pbc: [false, false, false], frac: null, cart: Float64Array.from([0.1, 0.2, 0.3, 1.4, 1.9, 1.1, -0.9, 1.2, 0.4, 0.8, -1.1, 1.6]) };
      const graphs = [rocksalt(), rattledAlloy(5), molecule].map((x) => {
        const pl = new PairList(rc, 0.5);
        pl.update(x);
        return potentialGraphOfPairs(x, pl, rc);
      });
      const paired = batchPotentialGraphs(graphs);
      const plain = batchPotentialGraphs(graphs.map((g) => ({ ...g, pairs: undefined })));
      expect(paired.pairs?.length).toBe(paired.numEdges);
      expect(plain.pairs).toBeNull();
      const evaluate = (b: typeof paired, recorded: boolean) => {
        const t = potentialBatchTensors(b);
        let out: number[][] = [];
        const host = (o: ReturnType<PotentialModel['evaluate']>) => [o.energy, o.forces!, o.stress!].map((x) => Array.from(x.dataSync()));
        tf.tidy(() => {
          if (!recorded) out = host(model.evaluate(t));
          // as training records it: the full message gradient, differentiated again
          else tf.grad((w: tf.Tensor) => tf.mul(tf.sum(tf.square((() => { const o = model.evaluate(t); out = host(o); return o.forces!; })())), w) as tf.Scalar)(tf.scalar(1));
        });
        expect(t.pairs === null).toBe(b.pairs === null);
        disposePotentialBatch(t);
        return out;
      };
      for (const recorded of [false, true]) {
        const [a, b] = [evaluate(paired, recorded), evaluate(plain, recorded)];
        // the same terms summed in another order: float32 rounding apart
        a[0].forEach((e, k) => expect(Math.abs(e - b[0][k])).toBeLessThan(1e-5 * Math.max(1, Math.abs(b[0][k]))));
        expect(maxDiffOf(a[1], b[1])).toBeLessThan(1e-5);
        expect(maxDiffOf(a[2].filter(Number.isFinite), b[2].filter(Number.isFinite))).toBeLessThan(1e-6);
        expect(b[1].some((f) => Math.abs(f) > 1e-3)).toBe(true);
      }
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a kept pair list gives a fresh search’s edges; the calculator searches again only after large moves', async () => {
    const s = rattledAlloy(7);
    const pairs = new PairList(3.6, 0.5);
    pairs.update(s);
    expect(edgeKeys(potentialGraphOfPairs(s, pairs, 3.6))).toEqual(edgeKeys(potentialGraph(s, 3.6)));
    const molecule = { numbers: Int32Array.from([29, 29, 79]), cart: Float64Array.from([0, 0, 0, 2.4, 0.1, 0, 1.1, 2.2, 0.3]), lattice: null, pbc: [false, false, false] };
    const mp = new PairList(3.6, 0.5);
    mp.update(molecule);
    expect(edgeKeys(potentialGraphOfPairs(molecule, mp, 3.6))).toEqual(edgeKeys(potentialGraph(molecule, 3.6)));

    const config = tinyConfig('painn');
    const m = new PotentialModel(config, 4);
    const file = potentialModelFile({ name: 'tiny', config, members: [m.getWeights()], provenance });
    m.dispose();
    const calc = new PotentialCalculator(new LoadedPotential(file));
    const fresh = new LoadedPotential(file);
    const atoms = { ...s, cart: Float64Array.from(s.cart) };
    // (the first calls build and keep each model's filter tables)
    await calc.calculate(atoms);
    fresh.predict([atoms]);
    const before = tf.memory().numTensors;
    const r = seededRandom(11);
    for (const [step, amount] of [0.02, 0.02, 0.02, 0.6].entries()) {
      for (let i = 0; i < atoms.cart.length; i++) atoms.cart[i] += r(-amount, amount);
      const c = await calc.calculate(atoms);
      const [p] = fresh.predict([atoms]);
      expect(c.energy).toBeCloseTo(p.energy, 4);
      expect(Math.max(...Array.from(c.forces, (f, k) => Math.abs(f - p.forces![k])))).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(c.stress!, (x, k) => Math.abs(x - p.stress![k])))).toBeLessThan(1e-6);
      expect(calc.neighborSearches).toBe(step < 3 ? 1 : 2);
    }
    expect(tf.memory().numTensors).toBe(before);
    calc.dispose();
    fresh.dispose();
  });
});
