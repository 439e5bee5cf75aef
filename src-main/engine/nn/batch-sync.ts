/**
 * Batch statistics over the whole batch when the batch is split across data-parallel replicas
 * (synchronised batch norm; CGCNN normalises over all the batch's edges and atoms).
 *
 * A data-parallel step gives each replica a share of the batch. Batch norm's forward pass needs the
 * column mean and variance of every row of the batch, and its backward pass the column means of
 * ∂L/∂y and ∂L/∂y·x̂ over every row. While a step runs, the executor installs a reducer whose
 * `allReduce` sums a float64 vector over the replicas (in replica order, so every replica gets the
 * same bits and a run is reproducible for a worker count); the batch-norm code calls it at the same
 * points in the same order on every replica. Without a reducer (one replica, inference) the local
 * statistics are the batch's: the functions below return them unchanged, reading nothing back.
 */

/** Sums a vector over the replicas of the current step (same length and call order on every replica). */
export interface BatchReducer {
  allReduce(local: Float64Array): Float64Array;
}

let reducer: BatchReducer | null = null;

/** Runs `work` with `r` as the reducer (the data-parallel executor wraps each replica's step in this). */
export function withBatchReducer<T>(r: BatchReducer, work: () => T): T {
  const previous = reducer;
  reducer = r;
  try {
    return work();
  } finally {
    reducer = previous;
  }
}

/** True while a data-parallel step runs: batch statistics must be reduced over the replicas. */
export function batchReducerActive(): boolean {
  return reducer !== null;
}

/**
 * The batch's column mean and biased variance from this replica's (over `rows` rows): with a
 * reducer, the replicas' (rows, Σx, Σx²) are summed in float64 (Σx² as rows·(var + mean²), so the
 * variance keeps float64 precision: var = Σx²/R − mean²). Returns the batch's row count too.
 */
export function reduceMoments(mean: ArrayLike<number>, variance: ArrayLike<number>, rows: number): { mean: Float64Array; variance: Float64Array; rows: number } {
  const c = mean.length;
  if (!reducer) return { mean: Float64Array.from(mean), variance: Float64Array.from(variance), rows };
  const local = new Float64Array(1 + 2 * c);
  local[0] = rows;
  for (let j = 0; j < c; j++) {
    local[1 + j] = rows * mean[j];
    local[1 + c + j] = rows * (variance[j] + mean[j] * mean[j]);
  }
  const total = reducer.allReduce(local);
  const R = total[0];
  const m = new Float64Array(c);
  const v = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    m[j] = total[1 + j] / Math.max(1, R);
    v[j] = Math.max(0, total[1 + c + j] / Math.max(1, R) - m[j] * m[j]);
  }
  return { mean: m, variance: v, rows: R };
}

/**
 * Batch norm's backward means: from this replica's column sums Σ∂L/∂y and Σ∂L/∂y·x̂ over `rows` rows,
 * the batch's means (divided by the batch's row count). The sums themselves stay local: they are
 * this replica's dβ and dγ, which the executor adds up with the other gradients.
 */
export function reduceBackwardMeans(sumDy: ArrayLike<number>, sumDyXhat: ArrayLike<number>, rows: number): { meanDy: Float64Array; meanDyXhat: Float64Array } {
  const c = sumDy.length;
  let R = rows;
  let a: ArrayLike<number> = sumDy;
  let b: ArrayLike<number> = sumDyXhat;
  if (reducer) {
    const local = new Float64Array(1 + 2 * c);
    local[0] = rows;
    local.set(sumDy, 1);
    local.set(sumDyXhat, 1 + c);
    const total = reducer.allReduce(local);
    R = total[0];
    a = total.subarray(1, 1 + c);
    b = total.subarray(1 + c);
  }
  const inv = 1 / Math.max(1, R);
  const meanDy = new Float64Array(c);
  const meanDyXhat = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    meanDy[j] = a[j] * inv;
    meanDyXhat[j] = b[j] * inv;
  }
  return { meanDy, meanDyXhat };
}
