/** The Predict view's table order: rows sorted by a column, as indices into the rows (so a click still selects the row it shows). */
import type { PredictionRow } from '../../src-shared/ipc/contract';

export type PredictionSortKey = 'structureId' | 'structure' | 'prediction' | 'std';

/**
 * Indices of `rows` in the order of `key` (`structure`: the label shown, natural order), ties and
 * missing values (no std) last, each group in the rows' own order.
 */
export function predictionOrder(rows: readonly PredictionRow[], labels: Readonly<Record<number, string>>, key: PredictionSortKey, dir: 'asc' | 'desc'): number[] {
  const sign = dir === 'asc' ? 1 : -1;
  const value = (r: PredictionRow): number | string | null =>
    key === 'structure' ? (labels[r.structureId] ?? r.name) : key === 'std' ? r.std : key === 'prediction' ? r.prediction : r.structureId;
  const missing = (v: number | string | null) => v === null || (typeof v === 'number' && Number.isNaN(v));
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      const va = value(rows[a]);
      const vb = value(rows[b]);
      if (missing(va) || missing(vb)) return missing(va) === missing(vb) ? a - b : missing(va) ? 1 : -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
      return c !== 0 ? sign * c : a - b;
    });
}
