/**
 * The start of a potential's fine-tuning run (docs/potentials.md, "Fine-tuning"): the source's
 * weights, with the embedding row of each element the source never trained copied from the
 * nearest element it did train (src-shared/chem/periodic nearestElement: Ni ← Cu, Pd ← Ag,
 * Pt ← Au when the source trained Al, Cu, Ag, Au). An untrained row is the embedding's random
 * initialisation, so its atoms would enter the trained blocks out of distribution; a trained
 * neighbour's row starts them where the blocks know what to do.
 *
 * The elements a source trained are those of its training split: its training domain's elements
 * (the model file's `domain`, measured on the training split, src-shared/model/domain); for a file
 * without one (a potential brought back from PyTorch), the elements with a fitted reference energy
 * (`referenceEnergies`, the training split's elements with an energy); a model with neither gets no
 * row seeded, and the run says so.
 *
 * Property models with a learned element embedding follow the same rule when fine-tuned
 * (engine/train/finetune seedEmbeddingRows), with their training domain as the trained elements.
 */
import { atomicNumber, elementSymbol } from '../../../src-shared/chem/elements';
import { nearestElement } from '../../../src-shared/chem/periodic';
import type { ModelFileData } from '../models/format';

/** The per-element weights: one row of `features` values per atomic number 0..maxZ. */
export const ELEMENT_ROW_WEIGHTS = ['embedding.weight'] as const;

/** The elements a source potential trained, and where the file says so. */
export interface SourceElements {
  /** Atomic numbers, ascending. */
  elements: number[];
  /** 'domain': its training domain; 'referenceEnergies': its fitted reference energies. */
  basis: 'domain' | 'referenceEnergies';
}

/** An element of the new data given a trained element's embedding row. */
export interface ElementSeed {
  element: number;
  from: number;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const validZ = (z: number) => Number.isInteger(z) && z >= 1 && z <= 118;
const ascending = (zs: Iterable<number>) => [...new Set(zs)].filter(validZ).sort((a, b) => a - b);

/** The elements `file`'s potential trained (see the module comment); null when the file does not say. */
export function sourceTrainedElements(file: ModelFileData): SourceElements | null {
  const details = file.header.provenance?.details;
  const domain = file.header.domain;
  if (domain?.basis === 'training-split' && domain.elements?.length) {
    const zs = domain.elements.map(atomicNumber);
    if (zs.every(validZ)) return { elements: ascending(zs), basis: 'domain' };
  }
  const reference = isRecord(details) ? details.referenceEnergies : undefined;
  if (isRecord(reference) && Object.keys(reference).length) {
    const zs = Object.keys(reference).map(Number);
    if (zs.every(validZ)) return { elements: ascending(zs), basis: 'referenceEnergies' };
  }
  return null;
}

/** Each element of the data (`elements`) that the source did not train, with the trained element it starts from (nearestElement). */
export function elementSeeds(elements: Iterable<number>, trained: readonly number[]): ElementSeed[] {
  if (trained.length === 0) return [];
  return ascending(elements)
    .filter((z) => !trained.includes(z))
    .map((z) => ({ element: z, from: nearestElement(z, trained)! }));
}

/**
 * A copy of `weights` in which each seed's element rows of the per-element weights
 * (ELEMENT_ROW_WEIGHTS, `maxZ + 1` rows) are its source element's rows; every other value is unchanged.
 */
export function seedElementRows(weights: Record<string, Float32Array>, seeds: readonly ElementSeed[], maxZ: number): Record<string, Float32Array> {
  if (seeds.length === 0) return weights;
  const out = { ...weights };
  for (const name of ELEMENT_ROW_WEIGHTS) {
    const w = weights[name];
    if (!w) continue;
    const width = w.length / (maxZ + 1);
    if (!Number.isInteger(width)) throw new Error(`"${name}" has ${w.length} values, not ${maxZ + 1} element rows`);
    const copy = w.slice();
    for (const { element, from } of seeds) {
      if (element > maxZ || from > maxZ) throw new Error(`element Z = ${Math.max(element, from)} is outside the model's embedding (0..${maxZ})`);
      copy.copyWithin(element * width, from * width, (from + 1) * width);
    }
    out[name] = copy;
  }
  return out;
}

/** Seeds by symbol, as provenance and the command line report them: `{ Ni: 'Cu', … }`. */
export function seedsBySymbol(seeds: readonly ElementSeed[]): Record<string, string> {
  return Object.fromEntries(seeds.map((s) => [elementSymbol(s.element), elementSymbol(s.from)]));
}

/** The line a fine-tuning run announces about its element rows (what was seeded, or why nothing was). */
export function seedingMessage(source: string, known: SourceElements | null, seeds: readonly ElementSeed[], freeze: number): string {
  if (!known) return `"${source}" does not record the elements it was trained on (no training domain or reference energies): no embedding row seeded: elements it did not train keep their stored, untrained rows`;
  const basis = known.basis === 'domain' ? '' : ' (from its reference energies: it records no training domain)';
  const trained = `"${source}" trained ${known.elements.map(elementSymbol).join(', ')}${basis}`;
  if (seeds.length === 0) return `${trained}: every element of the data is among them, no embedding row seeded`;
  const pairs = seeds.map((s) => `${elementSymbol(s.element)} ← ${elementSymbol(s.from)}`).join(', ');
  return `${trained}: embedding rows of the new elements copied from the nearest trained element: ${pairs}${freeze > 0 ? ' (before freezing: the one change to the frozen embedding)' : ''}`;
}
