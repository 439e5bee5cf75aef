/** Test helpers for the model zoo: small real crystals, configs and batches. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Mat3, Structure } from '../../../../src-shared/chem/structure';
import { buildGraph } from '../../../../src-shared/graph/graph';
import { batchGraphs } from '../../../../src-shared/graph/batch';
import type { ModelConfig, ModelConfigInput } from '../../../../src-shared/model/config';
import { parseModelConfig } from '../../../../src-main/engine/architectures/registry';
import { graphOptionsFromConfig } from '../../../../src-shared/model/graph-options';
import { ensureGradients } from '../../../../src-main/engine/tf/gradients';
import { batchToTensors } from '../../../../src-main/engine/train/data';
import type { GraphBatchTensors } from '../../../../src-main/engine/nn/types';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  const r = await ensureGradients();
  if (r !== null) throw new Error(r);
}

export function crystal(lattice: Mat3, frac: number[][], numbers: number[], name = 'x'): Structure {
  const n = frac.length;
  const cart = new Float64Array(3 * n);
  const f = new Float64Array(3 * n);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < 3; t++) {
      f[3 * i + t] = frac[i][t];
      cart[3 * i + t] = frac[i][0] * lattice[0][t] + frac[i][1] * lattice[1][t] + frac[i][2] * lattice[2][t];
    }
  return { name, lattice, pbc: [true, true, true], numbers: Int32Array.from(numbers), species: numbers.map(String), cart, frac: f, occupancy: new Float64Array(n).fill(1), siteProperties: {}, properties: {} };
}

/** A skewed triclinic 3-atom cell with three species (no symmetry to hide mistakes). */
export function triclinic(): Structure {
  return crystal(
    [[3.1, 0.2, 0.1], [0.5, 3.4, 0.0], [0.3, -0.4, 3.8]],
    [[0.02, 0.05, 0.01], [0.47, 0.55, 0.38], [0.71, 0.2, 0.66]],
    [29, 8, 13],
    'tri',
  );
}

/** Rock-salt NaCl conventional cell (8 atoms). */
export function rocksalt(a = 5.64): Structure {
  const na = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cl = na.map((p) => p.map((x) => (x + 0.5) % 1));
  return crystal([[a, 0, 0], [0, a, 0], [0, 0, a]], [...na, ...cl], [11, 11, 11, 11, 17, 17, 17, 17], 'nacl');
}

/** Small model settings for fast tests (one-hot inputs: no atom_init file needed); fields of other architectures are dropped. */
export function smallConfig(input: ModelConfigInput): ModelConfig {
  const base: ModelConfigInput = {
    architecture: input.architecture,
    model: { atomInput: { kind: 'onehot' }, atomFeatures: 6, hiddenFeatures: 5, numLayers: 2, filterFeatures: 4, edgeFeatures: 3, attentionHeads: 2, set2setSteps: 2, ...input.model },
    graph: { cutoff: 4, maxNeighbors: 6, gaussian: { step: 0.5, width: 0.5 }, ...input.graph },
    training: { seed: 7, ...input.training },
  };
  return parseModelConfig(base);
}

export function batchOf(config: ModelConfig, structures: Structure[]): GraphBatchTensors {
  const opts = graphOptionsFromConfig(config);
  return batchToTensors(batchGraphs(structures.map((s) => buildGraph(s, opts))));
}

/** Atom order permuted by `perm` (new atom k is old atom perm[k]). */
export function permuteAtoms(s: Structure, perm: number[]): Structure {
  const pick = (a: Float64Array) => Float64Array.from(perm.flatMap((i) => [a[3 * i], a[3 * i + 1], a[3 * i + 2]]));
  return { ...s, numbers: Int32Array.from(perm.map((i) => s.numbers[i])), species: perm.map((i) => s.species[i]), cart: pick(s.cart), frac: s.frac ? pick(s.frac) : null, occupancy: Float64Array.from(perm.map((i) => s.occupancy[i])) };
}

/** Rigid motion: cart → R·cart + t, lattice rows rotated too (fractional coordinates unchanged). */
export function rotateTranslate(s: Structure, R: number[][], t: number[]): Structure {
  const rot = (v: number[]) => [0, 1, 2].map((i) => R[i][0] * v[0] + R[i][1] * v[1] + R[i][2] * v[2]);
  const n = s.numbers.length;
  const cart = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const v = rot([s.cart[3 * i], s.cart[3 * i + 1], s.cart[3 * i + 2]]);
    for (let k = 0; k < 3; k++) cart[3 * i + k] = v[k] + t[k];
  }
  const L = s.lattice!.map((row) => rot(row)) as Mat3;
  return { ...s, lattice: L, cart };
}

export function rotation(ax: number, ay: number, az: number): number[][] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(ax), Math.sin(ax), Math.cos(ay), Math.sin(ay), Math.cos(az), Math.sin(az)];
  const Rx = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]];
  const Ry = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]];
  const Rz = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]];
  const mul = (A: number[][], B: number[][]) => A.map((r) => [0, 1, 2].map((j) => r[0] * B[0][j] + r[1] * B[1][j] + r[2] * B[2][j]));
  return mul(Rz, mul(Ry, Rx));
}

export function supercell(s: Structure, n: [number, number, number]): Structure {
  const frac: number[][] = [];
  const numbers: number[] = [];
  for (let a = 0; a < n[0]; a++)
    for (let b = 0; b < n[1]; b++)
      for (let c = 0; c < n[2]; c++)
        for (let i = 0; i < s.numbers.length; i++) {
          frac.push([(s.frac![3 * i] + a) / n[0], (s.frac![3 * i + 1] + b) / n[1], (s.frac![3 * i + 2] + c) / n[2]]);
          numbers.push(s.numbers[i]);
        }
  const L = s.lattice!;
  return crystal([0, 1, 2].map((k) => L[k].map((x) => x * n[k])) as Mat3, frac, numbers, `${s.name}-super`);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
