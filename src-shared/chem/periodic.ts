/**
 * Where an element sits in the periodic table (period, group, block), and the element of a set
 * that is chemically nearest to another — the rule a fine-tuned potential uses to give an element
 * its source never trained the embedding of a trained one (docs/potentials.md, "Fine-tuning").
 */

export interface PeriodicPosition {
  /** 1..7. */
  period: number;
  /** IUPAC group 1..18; null for the lanthanides La–Lu and actinides Ac–Lr (the f-block). */
  group: number | null;
  block: 's' | 'p' | 'd' | 'f';
}

/** The last atomic number of each period. */
const PERIOD_ENDS = [2, 10, 18, 36, 54, 86, 118];

/** Period, group and block of element z (1..118); undefined outside that range. */
export function periodicPosition(z: number): PeriodicPosition | undefined {
  if (!Number.isInteger(z) || z < 1 || z > 118) return undefined;
  const period = PERIOD_ENDS.findIndex((end) => z <= end) + 1;
  const start = period === 1 ? 1 : PERIOD_ENDS[period - 2] + 1;
  const k = z - start; // 0-based place in its period
  let group: number | null;
  if (period === 1) group = z === 1 ? 1 : 18;
  else if (period <= 3) group = k < 2 ? k + 1 : k + 11; // s then p: groups 1, 2, 13..18
  else if (period <= 5) group = k + 1; // 18 columns
  else if (k < 2) group = k + 1;
  else if (k < 17) group = null; // La–Lu, Ac–Lr: the 15 elements of the f-block
  else group = k - 13; // Hf/Rf (group 4) .. Rn/Og (group 18); group 3 below Y is left to the f-block
  // helium (1s²) is an s-block element placed in group 18
  const block = group === null ? 'f' : group <= 2 || z === 2 ? 's' : group <= 12 ? 'd' : 'p';
  return { period, group, block };
}

/**
 * The element of `among` (atomic numbers) chemically nearest to `z`, by this rule, first that applies:
 *
 * 1. z itself when it is among them;
 * 2. the same group: the nearest period (Pd → Ni or Pt);
 * 3. the same period and block: the nearest group, or for the f-block the nearest atomic number (Ni → Cu, Pd → Ag, Pt → Au);
 * 4. the nearest atomic number.
 *
 * Ties go to the lighter element. Null when `among` holds no element (1..118).
 */
export function nearestElement(z: number, among: Iterable<number>): number | null {
  const at = periodicPosition(z);
  const candidates = [...new Set(among)].filter((x) => periodicPosition(x) !== undefined).sort((a, b) => a - b);
  if (candidates.length === 0) return null;
  if (candidates.includes(z)) return z;
  // the first candidate with the smallest distance (candidates ascend: ties go to the lighter)
  const nearest = (xs: number[], distance: (x: number) => number): number | null => {
    let best: number | null = null;
    let bestD = Infinity;
    for (const x of xs) {
      const d = distance(x);
      if (d < bestD) {
        best = x;
        bestD = d;
      }
    }
    return best;
  };
  if (at) {
    const pos = (x: number) => periodicPosition(x)!;
    if (at.group !== null) {
      const sameGroup = nearest(candidates.filter((x) => pos(x).group === at.group), (x) => Math.abs(pos(x).period - at.period));
      if (sameGroup !== null) return sameGroup;
    }
    const row = candidates.filter((x) => pos(x).period === at.period && pos(x).block === at.block);
    const sameRow = nearest(row, (x) => (at.group !== null ? Math.abs(pos(x).group! - at.group) : Math.abs(x - z)));
    if (sameRow !== null) return sameRow;
  }
  return nearest(candidates, (x) => Math.abs(x - z));
}
