/**
 * Training a potential: the gradient of the force (and stress) loss with respect to the weights —
 * a gradient of gradients — checked by central finite differences on a small model, on cpu and
 * wasm; reference-energy fit; loss masks; a short run learns and leaks nothing; a run resumed from
 * its checkpoint ends where an uninterrupted one does.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { Structure } from '../../../../src-shared/chem/structure';
import type { LabelledFrame, Voigt6 } from '../../../../src-shared/chem/frames';
import { batchPotentialGraphs, potentialGraph } from '../../../../src-main/engine/potential/frames';
import { batchTargets, disposeTargets, potentialLoss } from '../../../../src-main/engine/potential/loss';
import { disposePotentialBatch, PotentialModel, potentialBatchTensors } from '../../../../src-main/engine/potential/model';
import { energyOutliers, ENERGY_OUTLIER_FLOOR, fitEnergyStatistics } from '../../../../src-main/engine/potential/statistics';
import { trainPotential } from '../../../../src-main/engine/potential/train';
import { decodePotentialCheckpoint, encodePotentialCheckpoint } from '../../../../src-main/engine/potential/checkpoint';
import { TrainingControl } from '../../../../src-main/engine/train/control';
import { registerFastMatMulGradient } from '../../../../src-main/engine/train/matmul-grad';
import { supercell } from '../layers/helpers';
import { describeEachBackend, seededRandom } from '../helpers';
import { rattledAlloy, tinyConfig } from './helpers';

/** Synthetic labels (a smooth function of the structure would do; random labels are enough for gradients). */
function labelled(s: Structure, seed: number): LabelledFrame {
  const r = seededRandom(seed);
  const n = s.numbers.length;
  return { structure: s, energy: -3 * n + r(-0.5, 0.5), freeEnergy: null, forces: Float64Array.from({ length: 3 * n }, () => r(-1, 1)), stress: Array.from({ length: 6 }, () => r(-0.05, 0.05)) as Voigt6 };
}

describeEachBackend('potential training gradients', () => {
  // schnet-potential's preset uses the shifted softplus (its filter tables' differences go through log1p)
  const cases = [
    ['schnet', 'silu'],
    ['schnet', 'shifted-softplus'],
    ['painn', 'silu'],
  ] as const;
  for (const [arch, activation] of cases) {
    it(`${arch} (${activation}): ∂L/∂θ of the energy + force + stress loss matches central differences`, { timeout: 300_000 }, () => {
      registerFastMatMulGradient(); // the trainer's matmul gradient must be differentiable too
      const config = tinyConfig(arch, { model: { activation }, training: { loss: { energyWeight: 1, forcesWeight: 1, stressWeight: 10 } } });
      const model = new PotentialModel(config);
      const ref = new Float32Array(81);
      ref[29] = -3;
      ref[79] = -3;
      model.setEnergyStatistics(ref, 5, 0);
      const frames = [labelled(rattledAlloy(11), 1), labelled(supercell(rattledAlloy(12), [1, 1, 2]), 2)];
      const batch = batchPotentialGraphs(frames.map((f) => potentialGraph(f.structure, config.radial.cutoff)));
      const t = potentialBatchTensors(batch);
      const targets = batchTargets(frames, batch, { energy: true, forces: true, stress: true });
      const loss = () => potentialLoss(model.evaluate(t, { forces: true, stress: true, training: true }), targets, config.training.loss);
      const vars = model.trainableVariables();
      const { grads, value } = tf.variableGrads(loss, vars);
      value.dispose();
      const r = seededRandom(5);
      let checked = 0;
      let largest = 0;
      for (const v of vars) {
        const g = grads[v.name].dataSync();
        const base = v.dataSync().slice();
        // two entries of every weight tensor
        for (let k = 0; k < 2; k++) {
          const idx = Math.floor(r() * base.length);
          const h = 2e-3;
          const at = (delta: number) => {
            const w = base.slice();
            w[idx] += delta;
            v.assign(tf.tensor(w, v.shape));
            return tf.tidy(() => loss().dataSync()[0]);
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          v.assign(tf.tensor(base, v.shape));
          const err = Math.abs(g[idx] - fd);
          if (err > 3e-3 + 0.03 * Math.abs(fd)) throw new Error(`${v.name}[${idx}]: autodiff ${g[idx]} vs finite difference ${fd}`);
          largest = Math.max(largest, Math.abs(fd));
          checked++;
        }
      }
      expect(checked).toBe(2 * vars.length);
      expect(largest).toBeGreaterThan(1e-2);
      tf.dispose(Object.values(grads));
      disposeTargets(targets);
      disposePotentialBatch(t);
      model.dispose();
    });
  }

  it('a short run lowers the validation error and leaks no tensors', { timeout: 300_000 }, async () => {
    const frames = Array.from({ length: 12 }, (_, k) => labelledByPairPotential(rattledAlloy(20 + k)));
    const config = tinyConfig('painn', { training: { epochs: 6, batchSize: 4, optimizer: { kind: 'adam', lr: 0.01 }, split: { val: 0.25, test: 0 } } });
    const before = tf.memory().numTensors;
    const r = await trainPotential(config, frames);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.history).toHaveLength(6);
    const first = r.history[0].score;
    expect(r.bestScore).toBeLessThan(first);
    expect(r.val!.metrics.forceMae).not.toBeNull();
    expect(r.trained).toEqual({ energy: true, forces: true, stress: true });
  });

  it('resumes from a checkpoint after epoch k (through its encoding) to the weights and history of an uninterrupted run, and leaks no tensors', { timeout: 300_000 }, async () => {
    const frames = Array.from({ length: 10 }, (_, k) => labelledByPairPotential(rattledAlloy(40 + k)));
    // Adam slots (with AMSGrad's largest second moment: β₂ 0.5 lets v fall below it), the weight average and the plateau schedule all carry over
    const config = tinyConfig('schnet', { training: { epochs: 4, batchSize: 3, emaDecay: 0.9, optimizer: { kind: 'adam', lr: 0.01, beta2: 0.5, amsgrad: true }, split: { val: 0.2, test: 0 } } });
    const whole = await trainPotential(config, frames);
    const before = tf.memory().numTensors;
    let saved: Uint8Array | null = null;
    const control = new TrainingControl();
    await trainPotential(config, frames, {
      control,
      onEpoch: async (e, state) => {
        if (e.epoch !== 1) return;
        saved = encodePotentialCheckpoint({ version: 1, member: 0, state: await state(), trained: [], split: whole.split, freeze: 0, start: null });
        control.cancel();
      },
    });
    const checkpoint = decodePotentialCheckpoint(saved!);
    expect(checkpoint.state.epoch).toBe(2);
    expect(checkpoint.state.ema).not.toBeNull();
    const resumed = await trainPotential(config, frames, { resume: checkpoint.state, split: checkpoint.split });
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3]);
    expect(resumed.history.map((h) => h.score)).toEqual(whole.history.map((h) => h.score));
    expect(resumed.bestEpoch).toBe(whole.bestEpoch);
    for (const [name, w] of Object.entries(whole.weights)) expect(resumed.weights[name], name).toEqual(w);
  });

  it('the weight average is the closed-form moving average of the trained weights, with the warm-up min(d, (1 + n)/(10 + n))', { timeout: 300_000 }, async () => {
    const frames = Array.from({ length: 8 }, (_, k) => labelledByPairPotential(rattledAlloy(70 + k)));
    // one step per epoch; d = 0.25 takes the warm-up at step 1 (2/11) and the decay from step 2 on
    const decay = 0.25;
    const config = tinyConfig('painn', { training: { epochs: 3, batchSize: 8, emaDecay: decay, optimizer: { kind: 'adam', lr: 0.01 }, split: { val: 0.25, test: 0 } } });
    const start = new PotentialModel(config, config.training.seed);
    const named = start.namedVariables();
    const order = start.trainableVariables().map((v) => named.find((nv) => nv.variable === v)!.name);
    const w0 = start.getWeights();
    start.dispose();
    let average = order.map((n) => Float64Array.from(w0[n]));
    const before = tf.memory().numTensors;
    await trainPotential(config, frames, {
      onEpoch: async (_e, state) => {
        const s = await state();
        const d = Math.min(decay, (1 + s.step) / (10 + s.step));
        average = average.map((a, k) => a.map((x, i) => d * x + (1 - d) * s.weights[order[k]][i]));
        expect(s.ema).toHaveLength(order.length);
        s.ema!.forEach((e, k) => e.forEach((x, i) => expect(Math.abs(x - average[k][i]), `${order[k]}[${i}] at step ${s.step}`).toBeLessThan(1e-6 + 1e-6 * Math.abs(average[k][i]))));
      },
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports the gradient norm before clipping: one plain SGD step moves the weights by lr·‖g‖ (or lr·limit when clipped); the epoch gives its batches\' median and largest', { timeout: 300_000 }, async () => {
    const frames = Array.from({ length: 8 }, (_, k) => labelledByPairPotential(rattledAlloy(60 + k)));
    const lr = 0.05;
    const base = { epochs: 1, emaDecay: 0, optimizer: { kind: 'sgd' as const, lr, momentum: 0 }, split: { val: 0.25, test: 0 } };
    // the step's size over the trained weights (the energy statistics are fitted, not trained)
    const stepNorm = (config: ReturnType<typeof tinyConfig>, after: Record<string, Float32Array>) => {
      const start = new PotentialModel(config, config.training.seed);
      const names = start.namedVariables().filter((nv) => nv.trainable).map((nv) => nv.name);
      const w0 = start.getWeights();
      start.dispose();
      return Math.sqrt(names.reduce((t, n) => t + w0[n].reduce((u, x, i) => u + (after[n][i] - x) ** 2, 0), 0));
    };
    const before = tf.memory().numTensors;
    // one batch of all 6 training frames: one step
    const plain = tinyConfig('schnet', { training: { ...base, batchSize: 8, gradClipNorm: null } });
    const r1 = await trainPotential(plain, frames);
    const g = r1.history[0].gradNorm;
    expect(g.median).toBe(g.max);
    expect(g.max).toBeGreaterThan(0);
    expect(stepNorm(plain, r1.weights) / (lr * g.max)).toBeCloseTo(1, 3);
    // clipped to a tenth of that norm: the step is lr·limit, the reported norm is still the gradient's
    const clipped = tinyConfig('schnet', { training: { ...base, batchSize: 8, gradClipNorm: g.max / 10 } });
    const r2 = await trainPotential(clipped, frames);
    expect(r2.history[0].gradNorm.max).toBeCloseTo(g.max, 5);
    expect(stepNorm(clipped, r2.weights) / ((lr * g.max) / 10)).toBeCloseTo(1, 3);
    // three batches: the epoch's median and largest of the batches' norms
    const norms: number[] = [];
    const r3 = await trainPotential(tinyConfig('schnet', { training: { ...base, batchSize: 2 } }), frames, { onBatch: (b) => norms.push(b.gradNorm) });
    expect(norms).toHaveLength(3);
    expect(r3.history[0].gradNorm).toEqual({ median: [...norms].sort((a, b) => a - b)[1], max: Math.max(...norms) });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('molecules mixed with crystals that carry a stress: a molecule adds no stress term, the gradient is finite and a short run trains; no tensor leaks', { timeout: 300_000 }, async () => {
    // a molecule's stress row is NaN (no volume) and the loss leaves it out; its gradient was 0/NaN = NaN all the same
    const crystals = [0, 1, 2, 3].map((k) => labelledByPairPotential(rattledAlloy(90 + k)));
    const molecules = [0, 1, 2, 3].map((k) => labelledByPairPotential(moleculeOf(rattledAlloy(95 + k))));
    expect(molecules.every((m) => m.stress === null && m.forces !== null)).toBe(true);
    const frames = [molecules[0], crystals[0], molecules[1], crystals[1]];
    const config = tinyConfig('schnet', { training: { loss: { energyWeight: 1, forcesWeight: 1, stressWeight: 10 } } });
    const model = new PotentialModel(config);
    const batch = batchPotentialGraphs(frames.map((f) => potentialGraph(f.structure, config.radial.cutoff)));
    const t = potentialBatchTensors(batch);
    const targets = batchTargets(frames, batch, { energy: true, forces: true, stress: true });
    expect(Array.from(targets.stressRows!.dataSync())).toEqual([1, 3]);
    const out = model.evaluate(t, { forces: true, stress: true });
    const stress = out.stress!.dataSync();
    expect([0, 2].every((k) => stress.subarray(6 * k, 6 * k + 6).every(Number.isNaN))).toBe(true);
    expect([1, 3].every((k) => stress.subarray(6 * k, 6 * k + 6).every(Number.isFinite))).toBe(true);
    tf.dispose([out.energy, out.atomEnergies, out.forces!, out.stress!]);
    const vars = model.trainableVariables();
    const { grads, value } = tf.variableGrads(() => potentialLoss(model.evaluate(t, { forces: true, stress: true, training: true }), targets, config.training.loss), vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const v of vars) expect(grads[v.name].dataSync().every(Number.isFinite), v.name).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    disposeTargets(targets);
    disposePotentialBatch(t);
    model.dispose();
    const before = tf.memory().numTensors;
    const r = await trainPotential(tinyConfig('painn', { training: { epochs: 2, batchSize: 4, split: { val: 0.25, test: 0 } } }), [...molecules, ...crystals]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.trained).toEqual({ energy: true, forces: true, stress: true });
    expect(r.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
  });

  it('a loss that is not finite before any update names the term and the frame (with its energy label), not the learning rate; no tensor leaks', { timeout: 300_000 }, async () => {
    const frames = Array.from({ length: 6 }, (_, k) => labelledByPairPotential(rattledAlloy(60 + k)));
    frames[2] = { ...frames[2], energy: 1e30 };
    const before = tf.memory().numTensors;
    const config = tinyConfig('schnet', { training: { epochs: 1, batchSize: 6, split: { val: 0, test: 0 } } });
    const names = frames.map((_, k) => `data.extxyz:${k}`);
    const error = await trainPotential(config, frames, { names }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(error).toMatch(/^training diverged: loss is Infinity at epoch 0, batch 0: the energy term is Infinity: the energy of data\.extxyz:2 \(1e\+30 eV, 4 atoms: \+2\.50e\+29 eV\/atom from the others\) is far out of line with the other training frames', and the reference energies are fitted to it — before any update, so not the learning rate$/);
    expect(error).not.toMatch(/lower the learning rate|data\.extxyz:[013-5]/);
    // a label that float32 cannot hold is refused before training, named
    frames[2] = { ...frames[2], energy: 1e40 };
    await expect(trainPotential(config, frames, { names })).rejects.toThrow(/^data\.extxyz:2: a label beyond float32's range \(±3\.4e38\), which training computes in, so not finite there; fix or remove that frame$/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the loss skips frames without a label and is zero for perfect predictions', () => {
    const config = tinyConfig('schnet');
    const model = new PotentialModel(config);
    const s1 = rattledAlloy(30);
    const s2 = rattledAlloy(31);
    const graphs = [s1, s2].map((s) => potentialGraph(s, config.radial.cutoff));
    const batch = batchPotentialGraphs(graphs);
    const t = potentialBatchTensors(batch);
    const out = model.evaluate(t, { forces: true, stress: true });
    const e = out.energy.dataSync();
    const f = out.forces!.dataSync();
    const st = out.stress!.dataSync();
    // frame 1: exact labels; frame 2: no forces, no stress, wrong energy (must count), then no energy
    const exact: LabelledFrame = { structure: s1, energy: e[0], freeEnergy: null, forces: Float64Array.from(f.subarray(0, 12)), stress: Array.from(st.subarray(0, 6)) as Voigt6 };
    const wrongE: LabelledFrame = { structure: s2, energy: e[1] + 0.4, freeEnergy: null, forces: null, stress: null };
    const targets = batchTargets([exact, wrongE], batch, { energy: true, forces: true, stress: true });
    const l = potentialLoss(out, targets, config.training.loss).dataSync()[0];
    // only the energy term of frame 2: mean over the 2 energy rows of (0.4/4)²
    expect(l).toBeCloseTo((0.1 * 0.1) / 2, 5);
    disposeTargets(targets);
    const none = batchTargets([exact, { ...wrongE, energy: null }], batch, { energy: true, forces: true, stress: true });
    expect(potentialLoss(out, none, config.training.loss).dataSync()[0]).toBeLessThan(1e-9);
    disposeTargets(none);
    tf.dispose([out.energy, out.atomEnergies, out.forces!, out.stress!]);
    disposePotentialBatch(t);
    model.dispose();
  });
});

/** Labels from a Morse-like pair potential (a learnable, conservative target). */
function labelledByPairPotential(s: Structure): LabelledFrame {
  const g = potentialGraph(s, 3.6);
  const n = s.numbers.length;
  const forces = new Float64Array(3 * n);
  const virial = new Float64Array(9);
  let energy = 0;
  for (let e = 0; e < g.center.length; e++) {
    const i = g.center[e];
    const j = g.neighbor[e];
    const v = [0, 1, 2].map((c) => g.positions[3 * j + c] - g.positions[3 * i + c] + g.shift[3 * e + c]);
    const d = Math.hypot(...v);
    const x = Math.exp(-1.5 * (d - 2.6));
    const cut = 0.5 * (Math.cos((Math.PI * d) / 3.6) + 1);
    const dcut = -0.5 * Math.sin((Math.PI * d) / 3.6) * (Math.PI / 3.6);
    const phi = 0.25 * (x * x - 2 * x);
    const dphi = 0.25 * (-3 * x * x + 3 * x);
    energy += 0.5 * phi * cut; // each pair is seen from both ends
    const dEdd = 0.5 * (dphi * cut + phi * dcut);
    for (let c = 0; c < 3; c++) {
      const gc = (dEdd * v[c]) / d; // ∂E/∂r_e
      forces[3 * i + c] += gc;
      forces[3 * j + c] -= gc;
      for (let a = 0; a < 3; a++) virial[3 * a + c] += v[a] * gc;
    }
  }
  const V = g.volume;
  const stress = V === null ? null : ([virial[0], virial[4], virial[8], virial[5], virial[2], virial[1]].map((x) => x / V) as Voigt6);
  return { structure: s, energy: energy - 3 * n, freeEnergy: null, forces, stress };
}

/** The atoms of a cell as a molecule (no cell, not periodic). */
function moleculeOf(s: Structure): Structure {
  return { ...s, name: `${s.name}-molecule`, lattice: null, pbc: [false, false, false], frac: null };
}

describe('energy statistics', () => {
  it('energy outliers: a label far out of line with the others\' (after per-element references) is found, robustly; isolated atoms among bulk frames and a spread of alloys are not', () => {
    const frames = Array.from({ length: 12 }, (_, k) => labelledByPairPotential(rattledAlloy(200 + k)));
    expect(energyOutliers(frames).frames).toEqual([]);
    // an isolated atom 4 eV/atom above the bulk frames: a cohesive energy, no outlier
    const atom: LabelledFrame = { structure: moleculeOf({ ...rattledAlloy(1), numbers: Int32Array.of(29), species: ['29'], cart: Float64Array.of(0, 0, 0), frac: null, occupancy: Float64Array.of(1) }), energy: -3 + 4, freeEnergy: null, forces: null, stress: null };
    expect(energyOutliers([...frames, atom]).frames).toEqual([]);
    for (const shift of [1e6, -60, 1e30]) {
      const bad = frames.map((f, k) => (k === 5 ? { ...f, energy: f.energy! + shift } : f));
      const found = energyOutliers(bad);
      expect(found.frames.map((o) => o.index), `shift ${shift}`).toEqual([5]);
      expect(found.frames[0].deviation / (shift / 4)).toBeCloseTo(1, 2);
      expect(found.limit).toBe(ENERGY_OUTLIER_FLOOR);
    }
    // fewer than 5 energies are not judged
    expect(energyOutliers(frames.slice(0, 4).map((f, k) => (k === 0 ? { ...f, energy: 1e6 } : f))).frames).toEqual([]);
  });

  it('least squares recovers per-element reference energies exactly linear in composition; shift and scale follow', () => {
    const mk = (numbers: number[], extra: number): LabelledFrame => {
      const s = { ...rattledAlloy(1), numbers: Int32Array.from(numbers) } as Structure;
      const eRef: Record<number, number> = { 13: -3.7, 29: -4.1, 79: -3.2 };
      return { structure: s, energy: numbers.reduce((a, z) => a + eRef[z], 0) + extra * numbers.length, freeEnergy: null, forces: Float64Array.from({ length: 12 }, (_, k) => (k % 2 ? 0.5 : -0.5)), stress: null };
    };
    const frames = [mk([29, 29, 29, 29], 0), mk([29, 79, 29, 29], 0), mk([13, 79, 79, 29], 0), mk([13, 13, 29, 79], 0)];
    const st = fitEnergyStatistics(frames, 94);
    expect(st.elements).toEqual([13, 29, 79]);
    expect(st.reference[13]).toBeCloseTo(-3.7, 8);
    expect(st.reference[29]).toBeCloseTo(-4.1, 8);
    expect(st.reference[79]).toBeCloseTo(-3.2, 8);
    expect(st.reference[26]).toBe(0);
    expect(Math.abs(st.shift)).toBeLessThan(1e-8);
    expect(st.scale).toBeCloseTo(0.5, 12); // RMS of the force components
    expect(() => fitEnergyStatistics([{ ...frames[0], energy: null }], 94)).toThrow(/no training structure has an energy/);
  });
});
