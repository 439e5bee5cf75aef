import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readStructures } from '../../../../src-shared/chem/index';
import type { Mat3, Structure, Vec3 } from '../../../../src-shared/chem/structure';
import { importCgcnnCheckpoint } from '../../../../src-main/engine/import/cgcnn';
import { decodeModelFile, encodeModelFile, type ModelFileData } from '../../../../src-main/engine/models/format';
import { predictStructures } from '../../../../src-main/engine/models/predict';
import { instantiateModel, type LoadedModel } from '../../../../src-main/engine/models/runtime';
import { describeEachBackend } from '../helpers';
import { SHARED_DATA } from '../../../helpers/shared-data';

const PRE = `${SHARED_DATA}/cgcnn-pretrained`;
const SAMPLES = `${SHARED_DATA}/cgcnn-sample-regression`;
const load = (m: string) => importCgcnnCheckpoint(new Uint8Array(readFileSync(path.join(PRE, `${m}.pth.tar`))), { fileName: `${m}.pth.tar` });
const cif = (id: string) => readStructures(`${id}.cif`, readFileSync(path.join(SAMPLES, `${id}.cif`), 'utf8')).structures[0];

function withCart(s: Structure, cart: Float64Array, lattice: Mat3 | null, order?: number[]): Structure {
  const idx = order ?? [...Array(s.numbers.length).keys()];
  const n = idx.length;
  const c = new Float64Array(3 * n);
  idx.forEach((o, i) => c.set(cart.subarray(3 * o, 3 * o + 3), 3 * i));
  let frac: Float64Array | null = null;
  if (lattice) {
    // frac = cart · lattice⁻¹
    const [a, b, cc] = lattice;
    const det = a[0] * (b[1] * cc[2] - b[2] * cc[1]) - a[1] * (b[0] * cc[2] - b[2] * cc[0]) + a[2] * (b[0] * cc[1] - b[1] * cc[0]);
    const inv = [
      [(b[1] * cc[2] - b[2] * cc[1]) / det, (a[2] * cc[1] - a[1] * cc[2]) / det, (a[1] * b[2] - a[2] * b[1]) / det],
      [(b[2] * cc[0] - b[0] * cc[2]) / det, (a[0] * cc[2] - a[2] * cc[0]) / det, (a[2] * b[0] - a[0] * b[2]) / det],
      [(b[0] * cc[1] - b[1] * cc[0]) / det, (a[1] * cc[0] - a[0] * cc[1]) / det, (a[0] * b[1] - a[1] * b[0]) / det],
    ];
    frac = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) frac[3 * i + k] = c[3 * i] * inv[0][k] + c[3 * i + 1] * inv[1][k] + c[3 * i + 2] * inv[2][k];
  }
  return { ...s, lattice, cart: c, frac, numbers: Int32Array.from(idx.map((o) => s.numbers[o])), species: idx.map((o) => s.species[o]), occupancy: new Float64Array(n).fill(1), siteProperties: {} };
}

function rotate(s: Structure, angle: number): Structure {
  const [c, sn] = [Math.cos(angle), Math.sin(angle)];
  const r = (v: Vec3): Vec3 => [c * v[0] - sn * v[1], sn * v[0] + c * v[1], v[2]];
  const cart = new Float64Array(s.cart.length);
  for (let i = 0; i < s.numbers.length; i++) cart.set(r([s.cart[3 * i] + 0.37, s.cart[3 * i + 1] - 1.1, s.cart[3 * i + 2] + 2.5]), 3 * i);
  return withCart(s, cart, s.lattice!.map(r) as Mat3);
}

function supercellA(s: Structure): Structure {
  const n = s.numbers.length;
  const a = s.lattice![0];
  const cart = new Float64Array(6 * n);
  cart.set(s.cart, 0);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) cart[3 * (n + i) + k] = s.cart[3 * i + k] + a[k];
  const doubled = { ...s, numbers: Int32Array.from([...s.numbers, ...s.numbers]), species: [...s.species, ...s.species] };
  return withCart(doubled, cart, [[2 * a[0], 2 * a[1], 2 * a[2]], s.lattice![1], s.lattice![2]]);
}

describeEachBackend('inference', () => {
  let formation: LoadedModel;
  let metal: LoadedModel;
  beforeAll(() => {
    formation = instantiateModel(load('formation-energy-per-atom'));
    metal = instantiateModel(load('semi-metal-classification'));
  });
  afterAll(() => {
    formation.dispose();
    metal.dispose();
  });

  it('model file round trip is bit-exact and predicts the same', () => {
    const data = load('band-gap');
    const bytes = encodeModelFile(data);
    const back = decodeModelFile(bytes);
    expect(back.header.config).toEqual(data.header.config);
    expect(back.header.normalizer).toEqual(data.header.normalizer);
    expect(back.header.atomInit).toEqual(data.header.atomInit);
    for (const [k, v] of Object.entries(data.members[0])) expect(Buffer.from(back.members[0][k].buffer).equals(Buffer.from(v.buffer))).toBe(true);
    expect(() => decodeModelFile(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    expect(() => decodeModelFile(new Uint8Array(20))).toThrow(/magic/);
    const m = instantiateModel(back);
    const s = [cif('1507756')];
    const direct = instantiateModel(data);
    expect(predictStructures(m, s)[0].prediction[0]).toBe(predictStructures(direct, s)[0].prediction[0]);
    m.dispose();
    direct.dispose();
  });

  it('ensembles report the member mean and population std', () => {
    const data = load('band-gap');
    const shifted = Object.fromEntries(Object.entries(data.members[0]).map(([k, v]) => [k, k === 'head.out.bias' ? v.map((x) => x + 0.5) : v]));
    const ens: ModelFileData = { header: { ...data.header, members: 2 }, members: [data.members[0], shifted] };
    const m = instantiateModel(decodeModelFile(encodeModelFile(ens)));
    const single = instantiateModel(data);
    const s = [cif('1000041'), cif('9011998')];
    const pe = predictStructures(m, s);
    const ps = predictStructures(single, s);
    const std = data.header.normalizer!.std[0];
    for (let k = 0; k < 2; k++) {
      expect(pe[k].members[0][0]).toBeCloseTo(ps[k].prediction[0], 5);
      expect(pe[k].members[1][0] - pe[k].members[0][0]).toBeCloseTo(0.5 * std, 4);
      expect(pe[k].prediction[0]).toBeCloseTo(ps[k].prediction[0] + 0.25 * std, 4);
      expect(pe[k].std![0]).toBeCloseTo(0.25 * std, 4);
    }
    expect(ps[0].std).toBeNull();
    m.dispose();
    single.dispose();
  });

  it('per-atom contributions add up to the prediction (regression and classification)', () => {
    const s = [cif('1507756'), cif('7206075')];
    for (const model of [formation, metal]) {
      const preds = predictStructures(model, s, { contributions: true });
      preds.forEach((p, k) => {
        expect(p.contributions).toHaveLength(s[k].numbers.length);
        const sum = p.contributions!.reduce((a, c) => a + c[0], 0);
        expect(Math.abs(sum - p.prediction[0])).toBeLessThan(1e-4 * Math.max(1, Math.abs(p.prediction[0])));
      });
    }
    // Equivalent atoms (all O in anatase) get equal shares.
    const ti = predictStructures(formation, [cif('7206075')], { contributions: true })[0];
    const o = ti.contributions!.filter((_, i) => cif('7206075').numbers[i] === 8).map((c) => c[0]);
    for (const v of o) expect(v).toBeCloseTo(o[0], 4);
  });

  it('predictions are invariant to atom order, rigid motion and supercells', () => {
    const s = cif('1101051'); // wurtzite ZnS, 4 atoms
    const base = predictStructures(formation, [s], { contributions: true })[0];
    const permuted = withCart(s, s.cart, s.lattice, [2, 0, 3, 1]);
    const variants = [permuted, rotate(s, 0.7), supercellA(s)];
    const preds = predictStructures(formation, variants, { contributions: true });
    for (const p of preds) expect(Math.abs(p.prediction[0] - base.prediction[0])).toBeLessThan(1e-5);
    // The permuted structure's contributions follow its atoms.
    [2, 0, 3, 1].forEach((o, i) => expect(preds[0].contributions![i][0]).toBeCloseTo(base.contributions![o][0], 5));
    // In the supercell each atom's share halves.
    preds[2].contributions!.forEach((c, i) => expect(c[0]).toBeCloseTo(base.contributions![i % 4][0] / 2, 5));
  });

  it('does not leak tensors across repeated predictions (with contributions)', () => {
    const s = [cif('1000041'), cif('9009743')];
    predictStructures(formation, s, { contributions: true });
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) {
      predictStructures(formation, s, { contributions: true });
      predictStructures(metal, s);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
