/** The Predict view's table: its order (rows sorted by a column, as indices into the rows, so a click still selects the row it shows) and the structures that failed. */
import type { PredictionRow, StructureRecord } from '../../src-shared/ipc/contract';
import { csvText } from '../../src-shared/text';
import { structureLabel } from './structures';

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

/** Structure id → the label the table shows: formula and file ("Og · og.cif"), which tell dropped files apart. */
export function predictionLabels(structures: readonly Pick<StructureRecord, 'id' | 'formula' | 'name' | 'file' | 'block'>[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const s of structures) out[s.id] = `${s.formula} · ${structureLabel(s)}`;
  return out;
}

/**
 * A structure the model could not predict, named as the table names structures — formula and the
 * file it came from ("Og · og.cif (#4012): atom_init: …"), so that among several dropped files the
 * failed one is found — or by its id alone when the library does not list it.
 */
export function predictionFailureText(f: { structureId: number; message: string }, labels: Readonly<Record<number, string>>): string {
  const label = labels[f.structureId];
  return `${label ? `${label} (#${f.structureId})` : `structure #${f.structureId}`}: ${f.message}`;
}

/** The Predict view's "Export CSV": a row per prediction, the structure named as the table names it. */
export function predictionsCsv(rows: readonly PredictionRow[], labels: Readonly<Record<number, string>>): string {
  return csvText([
    ['structure_id', 'name', 'structure', 'model', 'prediction', 'std', 'units', 'per_atom', 'warnings'],
    ...rows.map((r) => [r.structureId, r.name, labels[r.structureId] ?? '', r.model, r.prediction, r.std, r.units, r.perAtom ? r.perAtom.join(' ') : '', r.warnings.join('; ')]),
  ]);
}
