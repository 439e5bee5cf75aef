/**
 * A model's training domain — what it has seen: elements, periodic crystals or molecules,
 * structure sizes and target ranges — and the check of one prediction against it. Written
 * into every model file (header.domain) when the model is made; read by `latticework predict`
 * and the app's predictions, which flag a structure or value outside it with the reason.
 */
import { elementSymbol } from '../chem/elements';
import type { PotentialDomain } from './potential-domain';

export interface TrainingDomain {
  /** 'training-split': measured on the structures the model was trained on; 'stated': declared for an imported model. */
  basis: 'training-split' | 'stated';
  /** Where a stated domain comes from (e.g. the data reference of a published model). */
  note?: string;
  /** Element symbols of the training structures, sorted by atomic number; null when not known. */
  elements: string[] | null;
  /** Periodic crystals, molecules (no periodic direction) or both. */
  structures: 'periodic' | 'molecular' | 'both';
  /** Atoms per structure; null when not known. */
  atoms: { min: number; max: number } | null;
  /** Per target, the training targets' range in the model's units; null when not known or not a scalar target (classes, per-atom). */
  targets: Array<{ min: number; max: number }> | null;
  /** Interatomic potentials: how close each pair of elements came and the energy range (./potential-domain). */
  potential?: PotentialDomain;
}

/** What the check needs of a structure. */
export interface DomainStructure {
  numbers: ArrayLike<number>;
  pbc: readonly boolean[];
}

const isPeriodic = (s: DomainStructure): boolean => s.pbc.some(Boolean);

/** The atomic numbers of the structures' atoms, ascending (dummy atoms, Z = 0, left out). */
export function elementsOf(structures: Iterable<{ numbers: ArrayLike<number> }>): number[] {
  const zs = new Set<number>();
  for (const s of structures) for (let i = 0; i < s.numbers.length; i++) if (s.numbers[i] > 0) zs.add(s.numbers[i]);
  return [...zs].sort((a, b) => a - b);
}

/**
 * The domain of the structures a model was trained on. `targets` holds one row of scalar
 * targets per structure (regression), or is null (classification, per-atom).
 */
export function trainingDomain(structures: DomainStructure[], targets: ArrayLike<number>[] | null): TrainingDomain {
  if (structures.length === 0) throw new Error('a training domain needs at least one structure');
  let periodic = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of structures) {
    if (isPeriodic(s)) periodic++;
    min = Math.min(min, s.numbers.length);
    max = Math.max(max, s.numbers.length);
  }
  let ranges: TrainingDomain['targets'] = null;
  if (targets && targets.length) {
    const width = targets[0].length;
    ranges = Array.from({ length: width }, () => ({ min: Infinity, max: -Infinity }));
    for (const row of targets) {
      for (let t = 0; t < width; t++) {
        const v = row[t];
        if (!Number.isFinite(v)) continue;
        ranges[t].min = Math.min(ranges[t].min, v);
        ranges[t].max = Math.max(ranges[t].max, v);
      }
    }
    if (ranges.some((r) => !Number.isFinite(r.min))) ranges = null;
  }
  return {
    basis: 'training-split',
    elements: elementsOf(structures).map(elementSymbol),
    structures: periodic === structures.length ? 'periodic' : periodic === 0 ? 'molecular' : 'both',
    atoms: { min, max },
    targets: ranges,
  };
}

function fmt(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/** Items joined by commas, the first `limit` of them then "… (N in all)". */
export function listOf(xs: string[], limit = 12): string {
  return xs.length <= limit ? xs.join(', ') : `${xs.slice(0, limit).join(', ')} … (${xs.length} in all)`;
}

/**
 * Why a prediction lies outside the model's training domain: one sentence per reason, empty
 * when it lies inside. `prediction` is one value per target in the model's units (null to check
 * the structure only). A model file without a domain gets one warning saying it was not checked.
 */
export function domainWarnings(domain: TrainingDomain | null | undefined, structure: DomainStructure, prediction: number[] | null = null, targets: Array<{ name: string; unit: string }> = []): string[] {
  if (!domain) return ['the model file records no training domain (made before Latticework recorded it), so this prediction could not be checked against it'];
  const out: string[] = [];
  const periodic = isPeriodic(structure);
  if (domain.structures === 'periodic' && !periodic) out.push('a molecule (no periodic cell), but the model was trained on periodic crystals only');
  if (domain.structures === 'molecular' && periodic) out.push('a periodic crystal, but the model was trained on molecules only');
  if (domain.elements) {
    const known = new Set(domain.elements);
    const zs = new Set<number>();
    for (let i = 0; i < structure.numbers.length; i++) if (structure.numbers[i] > 0) zs.add(structure.numbers[i]);
    const unseen = [...zs]
      .sort((a, b) => a - b)
      .map(elementSymbol)
      .filter((sym) => !known.has(sym));
    if (unseen.length) out.push(`element${unseen.length === 1 ? '' : 's'} ${unseen.join(', ')} not in the training data (trained on ${listOf(domain.elements)})`);
  }
  if (domain.atoms) {
    const n = structure.numbers.length;
    if (n < domain.atoms.min || n > domain.atoms.max) out.push(`${n} atom${n === 1 ? '' : 's'}, outside the training structures' size range (${domain.atoms.min}–${domain.atoms.max} atoms)`);
  }
  if (domain.targets && prediction) {
    domain.targets.forEach((r, t) => {
      const v = prediction[t];
      if (v === undefined || !Number.isFinite(v) || (v >= r.min && v <= r.max)) return;
      const info = targets[t];
      const unit = info?.unit ? ` ${info.unit}` : '';
      out.push(`predicted ${info?.name ?? `target ${t + 1}`} ${fmt(v)}${unit} lies outside the training targets' range (${fmt(r.min)} to ${fmt(r.max)}${unit})`);
    });
  }
  return out;
}
