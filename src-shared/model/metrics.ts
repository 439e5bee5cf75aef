/**
 * Evaluation metrics on plain arrays (pure TypeScript, no tensors).
 *
 * Regression: MAE, RMSE, R², max |error|. Classification (binary unless noted):
 * accuracy, precision, recall, F1 (positive class 1), ROC-AUC from scores with
 * ties counted as one half (the Mann–Whitney statistic, equal to sklearn's
 * `roc_auc_score`). Undefined values (empty input, one class only, zero
 * denominators) are NaN, except precision/recall/F1 which follow sklearn's
 * `zero_division=0` and give 0.
 */

type Num = ArrayLike<number>;

function checkLengths(a: Num, b: Num): void {
  if (a.length !== b.length) throw new Error(`metric inputs differ in length: ${a.length} vs ${b.length}`);
}

export function mae(yTrue: Num, yPred: Num): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yPred[i] - yTrue[i]);
  return s / yTrue.length;
}

export function mse(yTrue: Num, yPred: Num): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yPred[i] - yTrue[i]) ** 2;
  return s / yTrue.length;
}

export function rmse(yTrue: Num, yPred: Num): number {
  return Math.sqrt(mse(yTrue, yPred));
}

/** Coefficient of determination 1 − SS_res/SS_tot (NaN when the targets are constant). */
export function r2(yTrue: Num, yPred: Num): number {
  checkLengths(yTrue, yPred);
  const n = yTrue.length;
  if (n === 0) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (yTrue[i] - yPred[i]) ** 2;
    ssTot += (yTrue[i] - mean) ** 2;
  }
  return ssTot === 0 ? NaN : 1 - ssRes / ssTot;
}

export function maxError(yTrue: Num, yPred: Num): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let m = 0;
  for (let i = 0; i < yTrue.length; i++) m = Math.max(m, Math.abs(yPred[i] - yTrue[i]));
  return m;
}

export interface RegressionMetrics {
  mae: number;
  rmse: number;
  r2: number;
  maxError: number;
}

export function regressionMetrics(yTrue: Num, yPred: Num): RegressionMetrics {
  return { mae: mae(yTrue, yPred), rmse: rmse(yTrue, yPred), r2: r2(yTrue, yPred), maxError: maxError(yTrue, yPred) };
}

/** Fraction of equal labels (any number of classes). */
export function accuracy(yTrue: Num, yPred: Num): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let k = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) k++;
  return k / yTrue.length;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function confusion(yTrue: Num, yPred: Num, positive = 1): Confusion {
  checkLengths(yTrue, yPred);
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === positive;
    const p = yPred[i] === positive;
    if (t && p) c.tp++;
    else if (!t && p) c.fp++;
    else if (t && !p) c.fn++;
    else c.tn++;
  }
  return c;
}

export function precision(yTrue: Num, yPred: Num, positive = 1): number {
  const c = confusion(yTrue, yPred, positive);
  return c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
}

export function recall(yTrue: Num, yPred: Num, positive = 1): number {
  const c = confusion(yTrue, yPred, positive);
  return c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
}

export function f1(yTrue: Num, yPred: Num, positive = 1): number {
  const c = confusion(yTrue, yPred, positive);
  const d = 2 * c.tp + c.fp + c.fn;
  return d === 0 ? 0 : (2 * c.tp) / d;
}

/**
 * Area under the ROC curve of `scores` for labels `yTrue` (positive = 1), by ranks:
 * AUC = (Σ ranks of positives − n₊(n₊+1)/2) / (n₊ n₋), ties get their average rank.
 * NaN when only one class is present.
 */
export function rocAuc(yTrue: Num, scores: Num, positive = 1): number {
  checkLengths(yTrue, scores);
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (yTrue[order[k]] === positive) {
      rankSumPos += avgRank;
      nPos++;
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface ClassificationMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
}

/**
 * Binary classification metrics from P(class 1) (CGCNN's class_eval: label = argmax,
 * i.e. p > 0.5; AUC from the probabilities).
 */
export function binaryClassificationMetrics(yTrue: Num, probPositive: Num): ClassificationMetrics {
  const pred = Array.from(probPositive, (p) => (p > 0.5 ? 1 : 0));
  return {
    accuracy: accuracy(yTrue, pred),
    precision: precision(yTrue, pred),
    recall: recall(yTrue, pred),
    f1: f1(yTrue, pred),
    rocAuc: rocAuc(yTrue, probPositive),
  };
}

/**
 * Multi-class metrics from row-major probabilities [n, k]: accuracy of the argmax,
 * macro-averaged precision/recall/F1, and one-vs-rest macro ROC-AUC (classes
 * absent from yTrue are skipped). For k = 2 the binary metrics are returned.
 */
export function classificationMetrics(yTrue: Num, probs: Num, numClasses: number): ClassificationMetrics {
  const n = yTrue.length;
  if (probs.length !== n * numClasses) throw new Error(`expected ${n * numClasses} probabilities, got ${probs.length}`);
  if (numClasses === 2) return binaryClassificationMetrics(yTrue, Array.from({ length: n }, (_, i) => probs[2 * i + 1]));
  const pred = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (probs[i * numClasses + k] > probs[i * numClasses + best]) best = k;
    pred[i] = best;
  }
  let p = 0;
  let r = 0;
  let f = 0;
  let auc = 0;
  let aucCount = 0;
  for (let k = 0; k < numClasses; k++) {
    p += precision(yTrue, pred, k);
    r += recall(yTrue, pred, k);
    f += f1(yTrue, pred, k);
    const a = rocAuc(yTrue, Array.from({ length: n }, (_, i) => probs[i * numClasses + k]), k);
    if (!Number.isNaN(a)) {
      auc += a;
      aucCount++;
    }
  }
  return { accuracy: accuracy(yTrue, pred), precision: p / numClasses, recall: r / numClasses, f1: f / numClasses, rocAuc: aucCount ? auc / aucCount : NaN };
}
