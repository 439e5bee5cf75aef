/**
 * The filter tables (engine/potential/filter-table.ts) against the exact filters: the cubic Hermite
 * interpolant the message kernels evaluate, read from the float32 table, and its derivative, against
 * the layer's filter network evaluated in float64 from the same weights, at distances between the
 * nodes, for the presets' bases (PaiNN: 48 Bessel functions, cosine envelope; SchNet: 25 Gaussians
 * through a two-layer network with shifted softplus) and the polynomial envelope. The measured
 * errors are written in docs/potentials.md ("Filter tables").
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { PotentialConfig } from '../../../../src-shared/model/potential';
import { potentialPresetConfig } from '../../../../src-main/engine/architectures/registry';
import { basisAt, envelopeAt, tableGrid, TABLE_SPACING } from '../../../../src-main/engine/potential/filter-table';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { describeEachBackend, seededRandom } from '../helpers';

type Filter = (d: number) => { w: Float64Array; dw: Float64Array };

/** The exact filter of layer l in float64 from the model's weights (dense kernels stored [in, out]). */
function exactFilter(config: PotentialConfig, weights: Record<string, Float32Array>, l: number): Filter {
  const r = config.radial;
  const K = r.numBasis;
  const basis = (d: number) => Array.from({ length: K }, (_, k) => basisAt(d, r, k));
  if (config.architecture === 'painn') {
    const C = 3 * config.model.features;
    const cols = config.model.numLayers * C;
    const W = weights['filter_net.weight'];
    const b = weights['filter_net.bias'];
    return (d) => {
      const phi = basis(d);
      const [u, du] = envelopeAt(d, r);
      const w = new Float64Array(C);
      const dw = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        let y = b[l * C + c];
        let dy = 0;
        for (let k = 0; k < K; k++) {
          y += phi[k][0] * W[k * cols + l * C + c];
          dy += phi[k][1] * W[k * cols + l * C + c];
        }
        w[c] = y * u;
        dw[c] = dy * u + y * du;
      }
      return { w, dw };
    };
  }
  const Ff = config.model.filterFeatures;
  const W1 = weights[`interactions.${l}.filter.0.weight`];
  const b1 = weights[`interactions.${l}.filter.0.bias`];
  const W2 = weights[`interactions.${l}.filter.1.weight`];
  const b2 = weights[`interactions.${l}.filter.1.bias`];
  const ssp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - Math.LN2;
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  return (d) => {
    const phi = basis(d);
    const [u, du] = envelopeAt(d, r);
    const a = new Float64Array(Ff);
    const da = new Float64Array(Ff);
    for (let m = 0; m < Ff; m++) {
      let pre = b1[m];
      let dpre = 0;
      for (let k = 0; k < K; k++) {
        pre += phi[k][0] * W1[k * Ff + m];
        dpre += phi[k][1] * W1[k * Ff + m];
      }
      a[m] = ssp(pre);
      da[m] = sigmoid(pre) * dpre;
    }
    const w = new Float64Array(Ff);
    const dw = new Float64Array(Ff);
    for (let c = 0; c < Ff; c++) {
      let y = b2[c];
      let dy = 0;
      for (let m = 0; m < Ff; m++) {
        y += a[m] * W2[m * Ff + c];
        dy += da[m] * W2[m * Ff + c];
      }
      w[c] = y * u;
      dw[c] = dy * u + y * du;
    }
    return { w, dw };
  };
}

/** The Hermite interpolant of a table [G, 3C] (values | derivatives | differences) at d, float64 arithmetic. */
function interpolate(table: Float32Array, C: number, G: number, h: number, d: number): { w: Float64Array; dw: Float64Array } {
  const s = d / h;
  const n = Math.floor(s);
  const t = s - n;
  const row = (m: number) => m * 3 * C;
  const a = [h * (t ** 3 - 2 * t ** 2 + t), 3 * t ** 2 - 2 * t ** 3, h * (t ** 3 - t ** 2)];
  const b = [3 * t ** 2 - 4 * t + 1, (6 * t - 6 * t ** 2) / h, 3 * t ** 2 - 2 * t];
  const w = new Float64Array(C);
  const dw = new Float64Array(C);
  if (n >= G - 1) return { w, dw };
  for (let c = 0; c < C; c++) {
    const V = table[row(n) + c];
    const D0 = table[row(n) + C + c];
    const dV = table[row(n) + 2 * C + c];
    const D1 = table[row(n + 1) + C + c];
    w[c] = V + a[0] * D0 + a[1] * dV + a[2] * D1;
    dw[c] = b[0] * D0 + b[1] * dV + b[2] * D1;
  }
  return { w, dw };
}

function errors(config: PotentialConfig): { w: number; dw: number; wMax: number; dwMax: number } {
  const model = new PotentialModel(config, 7);
  const weights = model.getWeights();
  const tables = model.representation.filterTables();
  const { nodes: G, spacing: h } = tableGrid(config.radial.cutoff);
  const rnd = seededRandom(5);
  const out = { w: 0, dw: 0, wMax: 0, dwMax: 0 };
  tables.forEach((t, l) => {
    const C = t.shape[1] / 3;
    expect(t.shape[0]).toBe(G);
    const data = t.dataSync() as Float32Array;
    const exact = exactFilter(config, weights, l);
    for (let k = 0; k < 400; k++) {
      const d = rnd(0.3, config.radial.cutoff);
      const want = exact(d);
      const got = interpolate(data, C, G, h, d);
      for (let c = 0; c < C; c++) {
        out.w = Math.max(out.w, Math.abs(got.w[c] - want.w[c]));
        out.dw = Math.max(out.dw, Math.abs(got.dw[c] - want.dw[c]));
        out.wMax = Math.max(out.wMax, Math.abs(want.w[c]));
        out.dwMax = Math.max(out.dwMax, Math.abs(want.dw[c]));
      }
    }
  });
  tf.dispose(tables);
  model.dispose();
  return out;
}

describeEachBackend('filter tables', () => {
  it(`node spacing is at most ${TABLE_SPACING} Å and the last node is the cutoff`, () => {
    for (const rc of [3.6, 5, 6.25, 0.01]) {
      const g = tableGrid(rc);
      expect(g.spacing).toBeLessThanOrEqual(TABLE_SPACING + 1e-15);
      expect((g.nodes - 1) * g.spacing).toBeCloseTo(rc, 12);
    }
  });

  it('painn-potential (48 Bessel functions): the interpolated filters and their derivatives equal the exact ones to 1e-6 and 1e-5 of their largest values', () => {
    // the derivative's error grows with (highest frequency × spacing)³: 48 functions to 6 Å have twice the
    // highest frequency of 24, and the error of W′ is ~7e-6 of its largest value where 24 functions give ~8e-7
    const e = errors(potentialPresetConfig('painn-potential'));
    expect(e.dwMax).toBeGreaterThan(0.1); // non-trivial filters
    expect(e.w).toBeLessThan(1e-6 * e.wMax);
    expect(e.dw).toBeLessThan(1e-5 * e.dwMax);
  });

  it('24 Bessel functions to 6 Å: 1e-6 and 3e-6', () => {
    const e = errors(potentialPresetConfig('painn-potential', { radial: { numBasis: 24 } }));
    expect(e.dwMax).toBeGreaterThan(0.1);
    expect(e.w).toBeLessThan(1e-6 * e.wMax);
    expect(e.dw).toBeLessThan(3e-6 * e.dwMax);
  });

  it('schnet-potential (two-layer filter network): the same bounds', () => {
    const e = errors(potentialPresetConfig('schnet-potential'));
    expect(e.dwMax).toBeGreaterThan(0.1);
    expect(e.w).toBeLessThan(1e-6 * e.wMax);
    expect(e.dw).toBeLessThan(3e-6 * e.dwMax);
  });

  it('polynomial envelope and silu filters (PaiNN, 18 functions to 4.5 Å): 1e-6 and 3e-6', () => {
    const e = errors(potentialPresetConfig('painn-potential', { radial: { envelope: 'polynomial', cutoff: 4.5, numBasis: 18 }, model: { features: 16 } }));
    expect(e.w).toBeLessThan(1e-6 * e.wMax);
    expect(e.dw).toBeLessThan(3e-6 * e.dwMax);
  });

  it('leaks no tensors when tables are built and kept between calls', () => {
    const model = new PotentialModel(potentialPresetConfig('schnet-potential', { model: { features: 8, filterFeatures: 8 } }));
    const before = tf.memory().numTensors;
    tf.dispose(model.representation.filterTables());
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
