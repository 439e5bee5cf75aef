/**
 * Learning-rate schedules as pure functions of (epoch, step within epoch) plus, for
 * reduce-on-plateau, a small serialisable state fed with validation losses.
 *
 * Epochs are 0-based. The rate for a batch is
 *   lr(epoch, t) = base(epoch) · warmup(epoch, t)
 * where base is the schedule and warmup ramps linearly over the first
 * `warmupEpochs` epochs, per batch: (epoch · stepsPerEpoch + t + 1) / (warmupEpochs · stepsPerEpoch).
 *
 * - constant: lr
 * - step: lr · γ^(number of milestones ≤ epoch) (PyTorch MultiStepLR, stepped per epoch)
 * - cosine: minLr + (lr − minLr)(1 + cos(π · e / E))/2 with e = epoch − warmup,
 *   E = epochs − warmup (after warm-up)
 * - plateau: lr · factor^(reductions so far), never below minLr (PyTorch
 *   ReduceLROnPlateau, mode min, relative threshold)
 */
import type { ScheduleConfig } from './config';

export interface PlateauState {
  best: number;
  badEpochs: number;
  reductions: number;
}

export interface ScheduleContext {
  lr: number;
  schedule: ScheduleConfig;
  epochs: number;
  warmupEpochs: number;
  stepsPerEpoch: number;
}

export function initialPlateauState(): PlateauState {
  return { best: Infinity, badEpochs: 0, reductions: 0 };
}

/** Epoch-level rate before warm-up. */
export function baseLearningRate(ctx: ScheduleContext, epoch: number, plateau?: PlateauState): number {
  const s = ctx.schedule;
  switch (s.kind) {
    case 'constant':
      return ctx.lr;
    case 'step': {
      let k = 0;
      for (const m of s.milestones) if (epoch >= m) k++;
      return ctx.lr * s.gamma ** k;
    }
    case 'cosine': {
      const span = Math.max(1, ctx.epochs - ctx.warmupEpochs);
      const e = Math.min(span, Math.max(0, epoch - ctx.warmupEpochs));
      return s.minLr + ((ctx.lr - s.minLr) * (1 + Math.cos((Math.PI * e) / span))) / 2;
    }
    case 'plateau':
      return Math.max(s.minLr, ctx.lr * s.factor ** (plateau?.reductions ?? 0));
  }
}

/** Rate for batch `step` (0-based) of `epoch`. */
export function learningRate(ctx: ScheduleContext, epoch: number, step: number, plateau?: PlateauState): number {
  const base = baseLearningRate(ctx, epoch, plateau);
  if (ctx.warmupEpochs > 0 && epoch < ctx.warmupEpochs) {
    const total = ctx.warmupEpochs * ctx.stepsPerEpoch;
    return (base * (epoch * ctx.stepsPerEpoch + step + 1)) / total;
  }
  return base;
}

/**
 * Feeds one epoch's validation loss to reduce-on-plateau (no-op for other schedules).
 * Returns the new state (the input is not modified).
 */
export function stepPlateau(schedule: ScheduleConfig, state: PlateauState, valLoss: number): PlateauState {
  if (schedule.kind !== 'plateau') return state;
  const next = { ...state };
  if (valLoss < state.best * (1 - schedule.threshold) || state.best === Infinity) {
    next.best = valLoss;
    next.badEpochs = 0;
  } else {
    next.badEpochs++;
    if (next.badEpochs > schedule.patience) {
      next.reductions++;
      next.badEpochs = 0;
    }
  }
  return next;
}
