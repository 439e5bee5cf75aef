/**
 * Metric series of training runs: from stored points (`runs.metrics`) and live events
 * (`training.onProgress`) to per-key arrays of [x, y] the charts draw.
 *
 * The core counts epochs and batches from 0 (a batch's global step = epoch × batches + batch).
 * Per-epoch keys are drawn at x = epoch + 1 (the first epoch is epoch 1 on the axis);
 * per-batch keys at x = global step. A stored key is per-batch when its name says batch
 * (batch_loss, batch_lr) or one of its points has step ≠ epoch. Live batch values are
 * stored under batch_-prefixed keys (the core sends `lr` live and stores `batch_lr`).
 */
import type { MetricPoint, TrainingProgress } from '../../src-shared/ipc/contract';

export type XY = [number, number];

export interface RunSeries {
  /** key → points sorted by x (epoch). */
  epoch: Record<string, XY[]>;
  /** key → points sorted by x (global batch step). */
  batch: Record<string, XY[]>;
}

export function emptySeries(): RunSeries {
  return { epoch: {}, batch: {} };
}

export function isBatchKey(key: string, points: readonly MetricPoint[]): boolean {
  if (/(^|[_.-])batch([_.-]|$)/i.test(key)) return true;
  return points.some((p) => p.step !== p.epoch);
}

/** Groups stored points of one run into series. */
export function seriesFromPoints(points: readonly MetricPoint[]): RunSeries {
  const byKey = new Map<string, MetricPoint[]>();
  for (const p of points) {
    const list = byKey.get(p.key);
    if (list) list.push(p);
    else byKey.set(p.key, [p]);
  }
  const out = emptySeries();
  for (const [key, pts] of byKey) {
    const batch = isBatchKey(key, pts);
    const xy: XY[] = pts.map((p) => [batch ? p.step : p.epoch + 1, p.value]);
    xy.sort((a, b) => a[0] - b[0]);
    (batch ? out.batch : out.epoch)[key] = xy;
  }
  return out;
}

/** Global batch step of a live batch event (epochs and batches counted from 0, as the core stores them). */
export function batchStep(p: Pick<TrainingProgress, 'epoch' | 'batch' | 'batches'>): number {
  return p.epoch * p.batches + p.batch;
}

/** The stored key of a live batch value: `lr` → `batch_lr`, `batch_loss` unchanged. */
export function batchKey(key: string): string {
  return /^batch[_.-]/.test(key) ? key : `batch_${key}`;
}

function appendPoint(list: XY[] | undefined, x: number, y: number): XY[] {
  const l = list ? list.slice() : [];
  if (l.length > 0 && l[l.length - 1][0] >= x) {
    // replace a point at the same x, drop any later ones (a resumed run repeats steps)
    while (l.length > 0 && l[l.length - 1][0] >= x) l.pop();
  }
  l.push([x, y]);
  return l;
}

/** A copy of `s` with the values of a live progress event appended. */
export function appendProgress(s: RunSeries, p: TrainingProgress): RunSeries {
  const out: RunSeries = { epoch: { ...s.epoch }, batch: { ...s.batch } };
  const batch = p.kind === 'batch';
  const x = batch ? batchStep(p) : p.epoch + 1;
  const target = batch ? out.batch : out.epoch;
  for (const [k, value] of Object.entries(p.values)) {
    if (!Number.isFinite(value)) continue;
    const key = batch ? batchKey(k) : k;
    target[key] = appendPoint(target[key], x, value);
  }
  return out;
}

/** Stored series with the live points newer than them kept (after a refetch during a run). */
export function mergeSeries(stored: RunSeries, live: RunSeries): RunSeries {
  const merge = (a: Record<string, XY[]>, b: Record<string, XY[]>) => {
    const out: Record<string, XY[]> = { ...a };
    for (const [k, pts] of Object.entries(b)) {
      const base = out[k] ?? [];
      const last = base.length ? base[base.length - 1][0] : -Infinity;
      out[k] = [...base, ...pts.filter((p) => p[0] > last)];
    }
    return out;
  };
  return { epoch: merge(stored.epoch, live.epoch), batch: merge(stored.batch, live.batch) };
}

/** Keys grouped for the dashboard's charts. */
export interface KeyGroups {
  loss: string[];
  /** Model metrics (val_mae, train_rmse, test_r2, ...). */
  metrics: string[];
  lr: string[];
  /** Everything else (epoch_seconds, structures_per_second, best_epoch, ...). */
  other: string[];
}

export function isLrKey(k: string): boolean {
  return /(^|[_.-])lr$|learning.?rate/i.test(k);
}

export function groupKeys(keys: Iterable<string>): KeyGroups {
  const g: KeyGroups = { loss: [], metrics: [], lr: [], other: [] };
  for (const k of keys) {
    if (isLrKey(k)) g.lr.push(k);
    else if (/loss/i.test(k)) g.loss.push(k);
    else if (/^(val|valid|validation|train|test)[_.-]/i.test(k) && !/seconds|per_second|epoch$/i.test(k)) g.metrics.push(k);
    else g.other.push(k);
  }
  // validation first (what the dashboard shows), then training, then test
  const rank = (k: string) => (/^val/i.test(k) ? 0 : /^train/i.test(k) ? 1 : 2);
  for (const l of [g.loss, g.metrics, g.lr, g.other]) l.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return g;
}

/**
 * The metric series a run's "Metrics per epoch" chart hides at first (one click away in its legend):
 * it shows the validation errors (MAE, RMSE), or the training errors when no validation series has a
 * point (a run without validation structures); R², max error and the other splits' series are hidden.
 */
export function hiddenMetricKeys(keys: readonly string[], epoch: Readonly<Record<string, readonly XY[]>>): string[] {
  const shownSet = keys.some((k) => /^val/i.test(k) && (epoch[k]?.length ?? 0) > 0) ? /^val/i : /^train/i;
  return keys.filter((k) => !shownSet.test(k) || /r2|max/i.test(k));
}

/** Number of points in all series (tests, and the "data-points" attribute of curves). */
export function pointCount(s: RunSeries): number {
  let n = 0;
  for (const pts of Object.values(s.epoch)) n += pts.length;
  for (const pts of Object.values(s.batch)) n += pts.length;
  return n;
}
