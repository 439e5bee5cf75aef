/**
 * What a potential's training structures span beyond their elements (TrainingDomain.potential), and
 * the check of one structure and its predicted energy against it: how close each pair of elements
 * came, and how far the energy per atom rose above the elements' reference energies.
 *
 * Why: a potential is a fit; outside what it was fitted on it extrapolates, and it does so silently.
 * Measured (docs/potentials.md, "Where a potential extrapolates"): the 48-function PaiNN preset trained
 * on emt-dev is within 6 meV/atom of EMT on a one-atom fcc Pt cell down to 80 % of its volume, then
 * −14, −34, −74 meV/atom at 78, 76, 74 %, compressed further than any pure Pt cell it trained on.
 * A relaxation or an MD run gives no sign of it; these warnings do (from 77 % on, where the energy
 * leaves the training range).
 *
 * - `shortestDistances`: per element pair ("Pt-Pt", "Cu-Pt": symbols in order of atomic number), the
 *   shortest distance between two such atoms within the cutoff in any training structure. A structure
 *   with a pair closer than that (atoms colliding in a blown-up MD run, a far-compressed cell), or with
 *   a pair of elements that never met within the cutoff in training, is flagged.
 * - `energyAboveReference`: the range of (E − Σ_i E_ref[Z_i]) / N over the training structures' labels,
 *   with the model's own fitted reference energies (`referenceEnergies`, eV by element symbol). Measured
 *   from the references rather than as E/N, so a composition's cohesive energy does not hide a
 *   structure far above its minimum.
 * - `predictedEnergyAboveReference`: the same range over the model's own energies of its training
 *   structures (recorded at the end of training), widened by PREDICTED_RANGE_MARGIN. A prediction outside
 *   the union of the two ranges is flagged: the label range alone flagged training structures whose
 *   prediction fell just outside it (session 38). Files without it (made before) keep the label range.
 * Both are compared as the sentences show them (0.001 Å, 0.001 eV/atom), so no training structure is
 * flagged. A flag says the potential extrapolates there, not that it is wrong; no flag does not say it is right.
 */
import { elementSymbol } from '../chem/elements';
import { cellVolume } from '../chem/lattice';
import type { Mat3, Structure } from '../chem/structure';
import { neighborList, type PeriodicPositions } from '../graph/neighbors';
import { domainWarnings, trainingDomain, type TrainingDomain } from './domain';

/** What the checks need of a structure (a Structure is one; so is an MD frame with its numbers). */
export type AtomsGeometry = PeriodicPositions & { numbers: ArrayLike<number> };

export interface PotentialDomain {
  /** The neighbour cutoff (Å) the shortest distances were searched within: the model's. */
  cutoff: number;
  /** Per element pair, the shortest distance (Å) in the training structures; a pair absent never came within the cutoff. */
  shortestDistances: Record<string, number>;
  /** eV per element symbol: the reference energies the model was fitted with. */
  referenceEnergies: Record<string, number>;
  /** Range of the training labels' energy per atom above the reference energies (eV/atom); null when no structure had an energy. */
  energyAboveReference: { min: number; max: number } | null;
  /** The same range over the model's own energies of its training structures, widened by PREDICTED_RANGE_MARGIN; absent in files made before it was recorded. */
  predictedEnergyAboveReference?: { min: number; max: number };
}

/**
 * eV/atom the predicted range is widened by on each side: the same structure's energy can differ by float32
 * rounding between batchings, and the check's resolution is 0.001 eV/atom (a margin of one unit of it).
 */
export const PREDICTED_RANGE_MARGIN = 0.001;

/** The key of an element pair: symbols in order of atomic number, "Cu-Pt". */
export function elementPairKey(za: number, zb: number): string {
  return za <= zb ? `${elementSymbol(za)}-${elementSymbol(zb)}` : `${elementSymbol(zb)}-${elementSymbol(za)}`;
}

/** The shortest distance within `cutoff` of each element pair of the structure, with the two atoms (0-based). */
export function shortestPairDistances(s: AtomsGeometry, cutoff: number): Map<string, { distance: number; atoms: [number, number] }> {
  const nl = neighborList(s, { cutoff });
  const out = new Map<string, { distance: number; atoms: [number, number] }>();
  for (let e = 0; e < nl.nEdges; e++) {
    const i = nl.center[e];
    const j = nl.neighbor[e];
    const zi = s.numbers[i];
    const zj = s.numbers[j];
    if (zi <= 0 || zj <= 0) continue;
    const key = elementPairKey(zi, zj);
    const d = nl.distance[e];
    const seen = out.get(key);
    if (!seen || d < seen.distance) out.set(key, { distance: d, atoms: i <= j ? [i, j] : [j, i] });
  }
  return out;
}

/** (E − Σ_i E_ref[Z_i]) / N, eV/atom; null when an element has no reference energy. */
export function energyAboveReference(numbers: ArrayLike<number>, energy: number, referenceEnergies: Record<string, number>): number | null {
  let sum = 0;
  for (let i = 0; i < numbers.length; i++) {
    const ref = referenceEnergies[elementSymbol(numbers[i])];
    if (typeof ref !== 'number') return null;
    sum += ref;
  }
  return (energy - sum) / numbers.length;
}

/** The range of (E − Σ_i E_ref[Z_i]) / N over the structures with a finite energy; null without one. */
function rangeAboveReference(structures: readonly AtomsGeometry[], energies: readonly (number | null)[], references: Record<string, number>): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  structures.forEach((s, k) => {
    const e = energies[k];
    const above = e === null || !Number.isFinite(e) ? null : energyAboveReference(s.numbers, e, references);
    if (above === null) return;
    min = Math.min(min, above);
    max = Math.max(max, above);
  });
  return Number.isFinite(min) ? { min, max } : null;
}

/**
 * The domain of a potential's training structures: `energies` (eV per structure, null without a label)
 * in the order of `structures`; `referenceEnergies` (eV by atomic number, as the model stores them)
 * for the elements of the structures; `cutoff` the model's neighbour cutoff (Å); `predicted` the
 * model's own energies of the structures (eV), when known.
 */
export function potentialDomain(structures: readonly AtomsGeometry[], energies: readonly (number | null)[], referenceEnergies: ArrayLike<number>, cutoff: number, predicted?: readonly number[]): PotentialDomain {
  const shortest: Record<string, number> = {};
  const references: Record<string, number> = {};
  for (const s of structures) {
    for (const [key, { distance }] of shortestPairDistances(s, cutoff)) if (!(distance >= shortest[key])) shortest[key] = distance;
    for (let i = 0; i < s.numbers.length; i++) if (s.numbers[i] > 0) references[elementSymbol(s.numbers[i])] = referenceEnergies[s.numbers[i]];
  }
  const domain: PotentialDomain = {
    cutoff,
    shortestDistances: Object.fromEntries(Object.entries(shortest).sort(([a], [b]) => (a < b ? -1 : 1))),
    referenceEnergies: references,
    energyAboveReference: rangeAboveReference(structures, energies, references),
  };
  return predicted ? withPredictedEnergies(domain, structures, predicted) : domain;
}

/**
 * `domain` with `predictedEnergyAboveReference`: the range of the model's own energies `predicted` (eV, as
 * `predict` gives them) of its training structures `structures` above the domain's reference energies,
 * widened by PREDICTED_RANGE_MARGIN (unchanged when no structure has a finite one). At the end of training
 * here (through potentialDomain), and when `import-run` brings a potential back from PyTorch (whose header
 * holds the export's domain, without it).
 */
export function withPredictedEnergies(domain: PotentialDomain, structures: readonly AtomsGeometry[], predicted: readonly number[]): PotentialDomain {
  const own = rangeAboveReference(structures, predicted, domain.referenceEnergies);
  return own ? { ...domain, predictedEnergyAboveReference: { min: own.min - PREDICTED_RANGE_MARGIN, max: own.max + PREDICTED_RANGE_MARGIN } } : domain;
}

/**
 * The training domain a potential's model file records: its training split's (trainingDomain: elements,
 * periodicity, sizes) with the potential's own part. `referenceEnergies` by atomic number, as the model
 * stores them; `cutoff` the model's (Å).
 */
export function potentialTrainingDomain(train: readonly { structure: Structure; energy: number | null }[], referenceEnergies: ArrayLike<number>, cutoff: number, predicted?: readonly number[]): TrainingDomain {
  const structures = train.map((f) => f.structure);
  return {
    ...trainingDomain(structures, null),
    potential: potentialDomain(
      structures,
      train.map((f) => f.energy),
      referenceEnergies,
      cutoff,
      predicted,
    ),
  };
}

const isRecordOfNumbers = (x: unknown): x is Record<string, number> => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((v) => typeof v === 'number');

/** `x` as a PotentialDomain when it is one (a model file is read from disk), else null. */
export function readPotentialDomain(x: unknown): PotentialDomain | null {
  if (typeof x !== 'object' || x === null) return null;
  const d = x as Record<string, unknown>;
  const range = d.energyAboveReference as { min?: unknown; max?: unknown } | null | undefined;
  const isRange = (r: { min?: unknown; max?: unknown } | null | undefined) => typeof r === 'object' && r !== null && typeof r.min === 'number' && typeof r.max === 'number';
  const predicted = d.predictedEnergyAboveReference as { min?: unknown; max?: unknown } | undefined;
  const rangeOk = (range === null || isRange(range)) && (predicted === undefined || isRange(predicted));
  if (typeof d.cutoff !== 'number' || !(d.cutoff > 0) || !isRecordOfNumbers(d.shortestDistances) || !isRecordOfNumbers(d.referenceEnergies) || !rangeOk) return null;
  return d as unknown as PotentialDomain;
}

const f3 = (x: number) => x.toFixed(3);
/** Compared as shown (0.001 Å, 1 meV/atom): a difference below what the sentence can show is no reason. */
const r3 = (x: number) => Number(x.toFixed(3));
const dash = (key: string) => key.replace('-', '–');

/**
 * Why a structure, and the potential's energy of it (eV; null to check the structure only), lie
 * outside the potential's training structures: one sentence per reason, empty inside. Pairs with an
 * element the potential never trained on are left to the element check (domainWarnings).
 */
export function potentialDomainWarnings(domain: PotentialDomain, structure: AtomsGeometry, energy: number | null = null): string[] {
  const out: string[] = [];
  const trained = new Set(Object.keys(domain.referenceEnergies));
  // the search reaches only as far as a warning can: the longest training shortest distance among the
  // structure's element pairs, or the cutoff when one of its pairs never met in training (a frame of a
  // long run is checked in a fraction of a potential evaluation)
  const zs = [...new Set(Array.from(structure.numbers))].filter((z) => z > 0 && trained.has(elementSymbol(z)));
  let reach = 0;
  for (const a of zs) for (const b of zs) reach = Math.max(reach, domain.shortestDistances[elementPairKey(a, b)] ?? domain.cutoff);
  if (reach === 0) return energyWarnings(domain, structure, energy);
  for (const [key, { distance, atoms }] of shortestPairDistances(structure, reach)) {
    if (!key.split('-').every((sym) => trained.has(sym))) continue;
    const shortest = domain.shortestDistances[key];
    const where = `atoms ${atoms[0]} and ${atoms[1]}`;
    if (shortest === undefined) out.push(`${dash(key)} at ${f3(distance)} Å (${where}): no ${dash(key)} pair came within ${domain.cutoff} Å in the training structures`);
    else if (r3(distance) < r3(shortest)) out.push(`${dash(key)} at ${f3(distance)} Å (${where}) is closer than any ${dash(key)} pair in the training structures (${f3(shortest)} Å)`);
  }
  return [...out, ...energyWarnings(domain, structure, energy)];
}

function energyWarnings(domain: PotentialDomain, structure: AtomsGeometry, energy: number | null): string[] {
  const labels = domain.energyAboveReference;
  const own = domain.predictedEnergyAboveReference;
  // the labels' range, with the model's own energies of its training structures when recorded
  const range = labels && own ? { min: Math.min(labels.min, own.min), max: Math.max(labels.max, own.max) } : labels;
  if (!range || energy === null || !Number.isFinite(energy)) return [];
  const above = energyAboveReference(structure.numbers, energy, domain.referenceEnergies);
  if (above === null || (r3(above) >= r3(range.min) && r3(above) <= r3(range.max))) return [];
  return [`energy ${f3(above)} eV/atom above the reference energies lies outside the training structures' range (${f3(range.min)} to ${f3(range.max)} eV/atom)`];
}

/**
 * Every warning about a potential's prediction: the training domain's (elements, structure kind:
 * domainWarnings) and the potential's own (above). Not the structure's size: a potential's energy is
 * a sum of terms of atoms' neighbourhoods within its cutoff, so a supercell larger than every training
 * structure is no extrapolation. A model file made before Latticework recorded the potential's part
 * gets one sentence saying so.
 */
export function potentialWarnings(domain: TrainingDomain | null | undefined, structure: AtomsGeometry, energy: number | null = null): string[] {
  const out = domainWarnings(domain ? { ...domain, atoms: null } : domain, structure);
  if (!domain) return out;
  const own = readPotentialDomain(domain.potential);
  if (!own) return [...out, 'the model file records no shortest distances or energy range of its training structures (made before Latticework recorded them), so they were not checked'];
  return [...out, ...potentialDomainWarnings(own, structure, energy)];
}

/**
 * Watches the frames of a run (relaxation, MD, equation of state) with a trained potential: each
 * reason it left the training structures (a pair of elements, the energy, …) once, with the sentence
 * of the first frame that shows it. `by` says where: 'step', that frame's step ("step N: …", a run
 * along a path); 'volume', every cell volume that shows it ("volumes 8.8210, 9.4090 Å³: …", an
 * equation of state, whose frames are its volumes: both sides of the curve can leave them).
 */
export class TrajectoryDomainWatch {
  /** Per reason (its sentence with the numbers taken out): the first frame's sentence and where it was seen (only the first step; every volume). */
  private readonly reasons = new Map<string, { sentence: string; at: string[] }>();
  /** Whether the model file records its training structures' distances and energies (else every frame says it cannot be checked). */
  readonly checks: boolean;

  constructor(
    private readonly domain: TrainingDomain | null,
    private readonly atoms: { numbers: ArrayLike<number>; pbc: readonly [boolean, boolean, boolean] },
    private readonly by: 'step' | 'volume' = 'step',
  ) {
    this.checks = readPotentialDomain(domain?.potential) !== null;
  }

  /**
   * Checks one frame and returns the reasons this frame is the first to show (plain sentences, no
   * "step N:"); never throws (a frame that cannot be checked, e.g. of a run that blew up, is said once).
   */
  see(frame: { step: number; lattice: Mat3 | null; cart: Float64Array; energy: number }): string[] {
    let found: string[];
    try {
      if (!frame.cart.every(Number.isFinite) || !(frame.lattice ?? []).flat().every(Number.isFinite)) throw new Error('its positions or cell are not finite');
      found = potentialWarnings(this.domain, { numbers: this.atoms.numbers, pbc: this.atoms.pbc, lattice: frame.lattice, cart: frame.cart }, frame.energy);
    } catch (e) {
      found = [`the frame could not be checked against the training structures: ${(e as Error).message}`];
    }
    const at = this.by === 'volume' && frame.lattice ? cellVolume(frame.lattice).toFixed(4) : String(frame.step);
    const fresh: string[] = [];
    for (const w of found) {
      // one entry per reason: the same sentence with other numbers is the same reason
      const reason = w.replace(/-?\d+(\.\d+)?/g, '#');
      const seen = this.reasons.get(reason);
      if (seen) {
        if (this.by === 'volume' && !seen.at.includes(at)) seen.at.push(at);
        continue;
      }
      this.reasons.set(reason, { sentence: w, at: [at] });
      fresh.push(w);
    }
    return fresh;
  }

  get warnings(): string[] {
    return [...this.reasons.values()].map(({ sentence, at }) => (this.by === 'volume' ? `${at.length === 1 ? 'volume' : 'volumes'} ${at.join(', ')} Å³: ${sentence}` : `step ${at[0]}: ${sentence}`));
  }
}
