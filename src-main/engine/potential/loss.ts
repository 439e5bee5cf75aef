/**
 * The weighted loss of a potential on one batch:
 *
 *   L = w_E · mean_s ρ((Ê_s − E_s)/n_s) + w_F · mean_{i,c} ρ(F̂_ic − F_ic) + w_σ · mean_{s,k} ρ(σ̂_sk − σ_sk)
 *
 * ρ(x) = x² (mse) or Huber with δ (in each error's unit: eV/atom, eV/Å, eV/Å³); the means run
 * over the structures / atoms that carry that label (a batch may mix labelled and unlabelled
 * frames); a term without any label in the batch is left out.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { PotentialLoss } from '../../../src-shared/model/potential';
import { gatherRows } from '../nn/segment';
import { huberLoss, mseLoss } from '../train/losses';
import type { LabelledFrame } from '../../../src-shared/chem/frames';
import type { PotentialBatch } from './frames';
import type { PotentialOutput } from './model';

export interface BatchTargets {
  /** Graphs with an energy, their energies and atom counts. */
  energyRows: Tensor1D | null;
  energy: Tensor2D | null;
  atoms: Tensor2D | null;
  /** Atoms with forces and their forces [M, 3]. */
  forceRows: Tensor1D | null;
  forces: Tensor2D | null;
  /** Graphs with a stress (and a volume), their Voigt stress [K, 6]. */
  stressRows: Tensor1D | null;
  stress: Tensor2D | null;
}

export function batchTargets(frames: readonly LabelledFrame[], batch: PotentialBatch, use: { energy: boolean; forces: boolean; stress: boolean }): BatchTargets {
  const eRows: number[] = [];
  const e: number[] = [];
  const n: number[] = [];
  const fRows: number[] = [];
  const f: number[] = [];
  const sRows: number[] = [];
  const s: number[] = [];
  let a0 = 0;
  frames.forEach((fr, k) => {
    const atoms = batch.atomCounts[k];
    if (use.energy && fr.energy !== null) {
      eRows.push(k);
      e.push(fr.energy);
      n.push(atoms);
    }
    if (use.forces && fr.forces) {
      for (let i = 0; i < atoms; i++) fRows.push(a0 + i);
      f.push(...fr.forces);
    }
    if (use.stress && fr.stress && Number.isFinite(batch.volumes[k])) {
      sRows.push(k);
      s.push(...fr.stress);
    }
    a0 += atoms;
  });
  const rows = (r: number[]) => (r.length ? tf.tensor1d(r, 'int32') : null);
  return {
    energyRows: rows(eRows),
    energy: e.length ? tf.tensor2d(e, [e.length, 1]) : null,
    atoms: n.length ? tf.tensor2d(n, [n.length, 1]) : null,
    forceRows: rows(fRows),
    forces: f.length ? tf.tensor2d(f, [f.length / 3, 3]) : null,
    stressRows: rows(sRows),
    stress: s.length ? tf.tensor2d(s, [s.length / 6, 6]) : null,
  };
}

export function disposeTargets(t: BatchTargets): void {
  tf.dispose(Object.values(t).filter((x): x is Tensor => x !== null));
}

/** L (scalar); disposes the output's tensors it does not return. */
export function potentialLoss(out: PotentialOutput, t: BatchTargets, cfg: PotentialLoss): Scalar {
  return tf.tidy(() => {
    const rho = (pred: Tensor, target: Tensor): Scalar => (cfg.kind === 'huber' ? huberLoss(pred, target, cfg.huberDelta) : mseLoss(pred, target));
    const terms: Scalar[] = [];
    if (t.energyRows && cfg.energyWeight > 0) {
      const e = gatherRows(tf.reshape(out.energy, [-1, 1]) as Tensor2D, t.energyRows);
      terms.push(tf.mul(rho(tf.div(e, t.atoms!), tf.div(t.energy!, t.atoms!)), cfg.energyWeight));
    }
    if (t.forceRows && out.forces && cfg.forcesWeight > 0) terms.push(tf.mul(rho(gatherRows(out.forces, t.forceRows), t.forces!), cfg.forcesWeight));
    if (t.stressRows && out.stress && cfg.stressWeight > 0) terms.push(tf.mul(rho(gatherRows(out.stress, t.stressRows), t.stress!), cfg.stressWeight));
    if (terms.length === 0) throw new Error('loss: the batch has no label that the loss weighs');
    return tf.addN(terms);
  });
}
