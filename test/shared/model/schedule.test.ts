import { describe, expect, it } from 'vitest';
import { TrainingSectionSchema } from '../../../src-shared/model/config';
import { initialPlateauState, learningRate, stepPlateau, type ScheduleContext } from '../../../src-shared/model/schedule';

const ctx = (schedule: unknown, warmupEpochs = 0, epochs = 10): ScheduleContext => {
  const t = TrainingSectionSchema.parse({ schedule, warmupEpochs, epochs, optimizer: { kind: 'adam', lr: 0.1 } });
  return { lr: t.optimizer.lr, schedule: t.schedule, epochs, warmupEpochs, stepsPerEpoch: 4 };
};

describe('learning-rate schedules', () => {
  it('step: MultiStepLR', () => {
    const c = ctx({ kind: 'step', milestones: [2, 5], gamma: 0.5 });
    expect([0, 1, 2, 4, 5, 9].map((e) => learningRate(c, e, 0))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });
  it('cosine: from lr to minLr', () => {
    const c = ctx({ kind: 'cosine', minLr: 0.01 });
    expect(learningRate(c, 0, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(c, 5, 0)).toBeCloseTo(0.055, 12);
    expect(learningRate(c, 10, 0)).toBeCloseTo(0.01, 12);
  });
  it('warm-up ramps linearly per batch, then hands over', () => {
    const c = ctx({ kind: 'cosine', minLr: 0 }, 2, 12);
    expect(learningRate(c, 0, 0)).toBeCloseTo(0.1 / 8, 12);
    expect(learningRate(c, 1, 3)).toBeCloseTo(0.1, 12);
    expect(learningRate(c, 2, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(c, 7, 0)).toBeCloseTo(0.05, 12);
  });
  it('plateau: reduces after patience epochs without relative improvement', () => {
    const c = ctx({ kind: 'plateau', factor: 0.5, patience: 1, threshold: 0.01 });
    let s = initialPlateauState();
    const losses = [1, 0.995, 0.999, 0.5, 0.6, 0.7];
    const lrs: number[] = [];
    for (const l of losses) {
      s = stepPlateau(c.schedule, s, l);
      lrs.push(learningRate(c, 0, 0, s));
    }
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
  });
});
