/**
 * Metric series of training runs: from stored points (`runs.metrics`) and live events
 * (`training.onProgress`) to per-key arrays of [x, y] the charts draw.
 *
 * Per-epoch keys have x = epoch; per-batch keys x = global batch step. A stored key is
 * per-batch when one of its points has step ≠ epoch, or its name says batch.
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
    const xy: XY[] = pts.map((p) => [batch ? p.step : p.epoch, p.value]);
    xy.sort((a, b) => a[0] - b[0]);
    (batch ? out.batch : out.epoch)[key] = xy;
  }
  return out;
}

/** Global batch step of a live batch event (epochs counted from 1, batches from 1 or 0). */
export function batchStep(p: Pick<TrainingProgress, 'epoch' | 'batch' | 'batches'>): number {
  return Math.max(0, p.epoch - 1) * p.batches + p.batch;
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
  const x = p.kind === 'batch' ? batchStep(p) : p.epoch;
  const target = p.kind === 'batch' ? out.batch : out.epoch;
  for (const [key, value] of Object.entries(p.values)) {
    if (!Number.isFinite(value)) continue;
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
  metrics: string[];
  lr: string[];
}

export function isLrKey(k: string): boolean {
  return /(^|[_.-])lr$|learning.?rate/i.test(k);
}

export function groupKeys(keys: Iterable<string>): KeyGroups {
  const g: KeyGroups = { loss: [], metrics: [], lr: [] };
  for (const k of keys) {
    if (isLrKey(k)) g.lr.push(k);
    else if (/loss/i.test(k)) g.loss.push(k);
    else g.metrics.push(k);
  }
  g.loss.sort();
  g.metrics.sort();
  g.lr.sort();
  return g;
}

/** Number of points in all series (tests, and the "data-points" attribute of curves). */
export function pointCount(s: RunSeries): number {
  let n = 0;
  for (const pts of Object.values(s.epoch)) n += pts.length;
  for (const pts of Object.values(s.batch)) n += pts.length;
  return n;
}
