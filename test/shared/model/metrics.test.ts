import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  accuracy,
  binaryClassificationMetrics,
  classificationMetrics,
  f1,
  mae,
  maxError,
  precision,
  r2,
  recall,
  regressionMetrics,
  rmse,
  rocAuc,
} from '../../../src-shared/model/metrics';

describe('regression metrics', () => {
  // sklearn's documentation example (mean_absolute_error, r2_score, max_error)
  const yt = [3, -0.5, 2, 7];
  const yp = [2.5, 0, 2, 8];
  it('match hand-computed values', () => {
    expect(mae(yt, yp)).toBeCloseTo(0.5, 12);
    expect(rmse(yt, yp)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(r2(yt, yp)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    expect(maxError(yt, yp)).toBe(1);
    expect(regressionMetrics(yt, yp).r2).toBeCloseTo(0.9486081370449679, 12);
  });
  it('perfect predictions give zero errors and R² = 1; constant targets give NaN R²', () => {
    expect(mae(yt, yt)).toBe(0);
    expect(r2(yt, yt)).toBe(1);
    expect(r2([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(mae([], [])).toBeNaN();
  });
  it('rejects arrays of different length', () => {
    expect(() => mae([1, 2], [1])).toThrow(/length/);
  });
  it('RMSE ≥ MAE and max error ≥ RMSE (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true })), { minLength: 1, maxLength: 30 }), (pairs) => {
        const a = pairs.map((p) => p[0]);
        const b = pairs.map((p) => p[1]);
        expect(rmse(a, b) + 1e-9).toBeGreaterThanOrEqual(mae(a, b));
        expect(maxError(a, b) + 1e-9).toBeGreaterThanOrEqual(rmse(a, b));
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('classification metrics', () => {
  const y = [0, 0, 1, 1, 1, 0, 1, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.7, 0.2, 0.05, 0.9, 0.55];
  const p = s.map((v) => (v > 0.5 ? 1 : 0));
  it('match a hand-counted confusion matrix (tp 4, fp 1, fn 2, tn 3)', () => {
    expect(accuracy(y, p)).toBeCloseTo(0.7, 12);
    expect(precision(y, p)).toBeCloseTo(0.8, 12);
    expect(recall(y, p)).toBeCloseTo(4 / 6, 12);
    expect(f1(y, p)).toBeCloseTo(8 / 11, 12);
  });
  it('ROC-AUC counts pairs, ties as one half', () => {
    expect(rocAuc(y, s)).toBeCloseTo(18.5 / 24, 12);
    expect(rocAuc([0, 1], [0.2, 0.9])).toBe(1);
    expect(rocAuc([1, 0], [0.2, 0.9])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNaN();
  });
  it('ROC-AUC equals the brute-force pair count (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 25 }), (rows) => {
        const yy = rows.map((r) => r[0]);
        const ss = rows.map((r) => r[1] / 5);
        let num = 0;
        let den = 0;
        for (let i = 0; i < rows.length; i++) for (let j = 0; j < rows.length; j++) {
          if (yy[i] === 1 && yy[j] === 0) {
            den++;
            num += ss[i] > ss[j] ? 1 : ss[i] === ss[j] ? 0.5 : 0;
          }
        }
        const auc = rocAuc(yy, ss);
        if (den === 0) expect(auc).toBeNaN();
        else expect(auc).toBeCloseTo(num / den, 12);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
  it('binary metrics from probabilities and from [n, 2] rows agree', () => {
    const b = binaryClassificationMetrics(y, s);
    const rows = s.flatMap((v) => [1 - v, v]);
    expect(classificationMetrics(y, rows, 2)).toEqual(b);
    expect(b.accuracy).toBeCloseTo(0.7, 12);
  });
  it('multi-class: macro averages over classes', () => {
    const yy = [0, 1, 2, 2];
    const probs = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.6, 0.3, 0.1];
    const m = classificationMetrics(yy, probs, 3);
    expect(m.accuracy).toBeCloseTo(0.75, 12);
    // class 0: p 1/2 r 1; class 1: p 1 r 1; class 2: p 1 r 1/2
    expect(m.precision).toBeCloseTo((0.5 + 1 + 1) / 3, 12);
    expect(m.recall).toBeCloseTo((1 + 1 + 0.5) / 3, 12);
    expect(m.f1).toBeCloseTo((2 / 3 + 1 + 2 / 3) / 3, 12);
  });
});
