/**
 * Labels in extended XYZ files: which keys hold the energy, free energy, forces and stress, and a
 * units and sign check of imported labels.
 *
 * Key mapping (documented in docs/structures.md): an explicit key (`--energy-key`, `--forces-key`,
 * `--stress-key`, the import dialog) must exist in the frame; otherwise the first key of the
 * candidate list below that the frame has is taken, and a file where several candidates are
 * present says which one was used and which others were there. A stress key whose name contains
 * `virial` is read as a virial W (eV): σ = −W / V. Keys taken as labels leave the structure's
 * info, so a frame written back carries each label once, under ASE's canonical name. ASE's own label
 * keys and the explicit keys must hold the label's shape (`STRICT_KEYS`); a frame that breaks it is
 * an error, never a frame silently without the label.
 */
import type { FrameLabels, LabelledFrame, Voigt6 } from './frames';
import { voigtFromMatrix } from './frames';
import { cellVolume } from './lattice';
import { numberWord } from './xyz';
import type { SiteProperty, Structure } from './structure';

export interface LabelKeys {
  energyKey?: string;
  freeEnergyKey?: string;
  forcesKey?: string;
  stressKey?: string;
}

/** Candidate keys in order of preference (exact, case-sensitive names). */
export const LABEL_CANDIDATES = {
  energy: ['energy', 'REF_energy', 'DFT_energy', 'dft_energy', 'ref_energy', 'Energy', 'total_energy', 'TotEnergy'],
  freeEnergy: ['free_energy', 'REF_free_energy', 'DFT_free_energy', 'dft_free_energy'],
  forces: ['forces', 'REF_forces', 'DFT_forces', 'dft_forces', 'ref_forces', 'force', 'Forces'],
  stress: ['stress', 'REF_stress', 'DFT_stress', 'dft_stress', 'ref_stress', 'virial', 'REF_virial', 'DFT_virial', 'dft_virial', 'ref_virial'],
} as const;

export type LabelName = keyof typeof LABEL_CANDIDATES;

/** Which key each label came from in one frame, and the other candidates it also had. */
export interface LabelSources {
  used: Partial<Record<LabelName, string>>;
  alsoPresent: Partial<Record<LabelName, string[]>>;
}

export class LabelKeyError extends Error {
  override name = 'LabelKeyError';
}

function numbersOf(v: unknown): number[] | null {
  if (typeof v === 'number') return Number.isFinite(v) ? [v] : null;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
  return null;
}

/** An info value as the file wrote it (clipped), for a message. */
function shown(v: unknown): string {
  const word = (x: unknown) => (typeof x === 'boolean' ? (x ? 'T' : 'F') : typeof x === 'string' || typeof x === 'number' ? String(x) : JSON.stringify(x));
  const t = Array.isArray(v) ? v.map(word).join(' ') : word(v);
  return t.length > 60 ? `${t.slice(0, 59)}…` : t;
}

/**
 * Keys that are labels whenever a frame has them, whatever else it has: ASE's own names (ASE keeps
 * `energy`, `free_energy`, `stress` and the per-atom `forces` as a calculator's results and reads
 * `stress`/`virial` as 3×3 matrices). Their value must be a finite number (energies), 6 or 9 of them
 * (stress, virial), 3 numbers per atom (forces); other candidate keys are taken only when their value
 * has that shape, and unknown keys stay free-form.
 */
const STRICT_KEYS = { energy: ['energy'], freeEnergy: ['free_energy'], stress: ['stress', 'virial'], forces: ['forces'] } as const;

const isStress = (v: number[] | null) => v !== null && (v.length === 6 || v.length === 9);

/**
 * Throws when a label key the frame has holds no finite number (energies) or not 6 or 9 of them
 * (stress). A value of the right count is said by its word that is wrong, as the file wrote it: a
 * number no float holds (`1e400`, out of range) or a word that is no number.
 */
function checkLabelValue(label: 'energy' | 'freeEnergy' | 'stress', key: string, v: unknown): void {
  const n = numbersOf(v);
  if (label === 'stress' ? isStress(n) : n?.length === 1) return;
  const words = typeof v === 'string' ? v.trim().split(/[\s,]+/) : [];
  if (label === 'stress' ? words.length === 6 || words.length === 9 : words.length === 1) {
    const i = words.findIndex((w) => !Number.isFinite(numberWord(w) ?? Number.NaN));
    const word = words.length > 1 ? `value ${i + 1} of ${words.length}, '${words[i]}',` : `'${words[i]}'`;
    const overflows = numberWord(words[i]) !== null;
    if (overflows || words.length > 1) {
      throw new LabelKeyError(`key ${key}: ${word} ${overflows ? 'is out of range (a 64-bit float holds at most ±1.8e308)' : 'is not a number'}`);
    }
  }
  throw new LabelKeyError(`key ${key} needs ${label === 'stress' ? '6 (Voigt) or 9 (3×3) numbers' : 'a number'}, found '${shown(v)}'`);
}

/** Throws when a forces column the frame has does not hold 3 numbers per atom. */
function checkForcesColumn(key: string, p: SiteProperty): void {
  if (p.kind === 'string') throw new LabelKeyError(`column '${key}' holds text (type S); forces need 3 numbers per atom`);
  const width = p.kind === 'vector' ? p.width : 1;
  if (width !== 3) throw new LabelKeyError(`column '${key}' has ${width} component${width === 1 ? '' : 's'} per atom; forces need 3`);
}

/**
 * The labels of an extended-XYZ frame under the chosen (or default) keys; the returned structure
 * no longer carries the keys used. Throws `LabelKeyError` when an explicit key is missing or holds
 * the wrong shape (the caller adds file and line).
 */
export function labelsFromExtxyz(s: Structure, keys: LabelKeys = {}): { structure: Structure; labels: FrameLabels; sources: LabelSources } {
  const properties = { ...s.properties };
  const siteProperties = { ...s.siteProperties };
  const sources: LabelSources = { used: {}, alsoPresent: {} };
  const pick = (label: LabelName, explicit: string | undefined, has: (k: string) => boolean): string | null => {
    const present = LABEL_CANDIDATES[label].filter(has);
    if (explicit !== undefined) {
      if (!has(explicit)) {
        const avail = label === 'forces' ? Object.keys(siteProperties) : Object.keys(properties);
        throw new LabelKeyError(`no ${label === 'forces' ? 'per-atom column' : 'key'} '${explicit}' for the ${label}; the frame has: ${avail.join(', ') || 'none'}`);
      }
      sources.used[label] = explicit;
      const others = present.filter((k) => k !== explicit);
      if (others.length) sources.alsoPresent[label] = others;
      return explicit;
    }
    if (present.length === 0) return null;
    sources.used[label] = present[0];
    if (present.length > 1) sources.alsoPresent[label] = present.slice(1);
    return present[0];
  };
  const explicit = { energy: keys.energyKey, freeEnergy: keys.freeEnergyKey, stress: keys.stressKey };
  for (const label of ['energy', 'freeEnergy', 'stress'] as const) {
    for (const key of [...STRICT_KEYS[label], explicit[label]]) if (key !== undefined && key in properties) checkLabelValue(label, key, properties[key]);
  }
  for (const key of [...STRICT_KEYS.forces, keys.forcesKey]) if (key !== undefined && key in siteProperties) checkForcesColumn(key, siteProperties[key]);
  const labels: FrameLabels = { energy: null, freeEnergy: null, forces: null, stress: null };

  const scalar = (label: 'energy' | 'freeEnergy', explicit: string | undefined) => {
    const k = pick(label, explicit, (key) => numbersOf(properties[key])?.length === 1);
    if (k === null) return null;
    const v = numbersOf(properties[k])![0];
    delete properties[k];
    return v;
  };
  labels.energy = scalar('energy', keys.energyKey);
  labels.freeEnergy = scalar('freeEnergy', keys.freeEnergyKey);

  const fk = pick('forces', keys.forcesKey, (key) => {
    const p = siteProperties[key];
    return p !== undefined && p.kind === 'vector' && p.width === 3;
  });
  if (fk !== null) {
    labels.forces = (siteProperties[fk] as Extract<SiteProperty, { kind: 'vector' }>).values;
    delete siteProperties[fk];
  }

  const sk = pick('stress', keys.stressKey, (key) => isStress(numbersOf(properties[key])));
  if (sk !== null) {
    const v = numbersOf(properties[sk])!;
    let voigt: Voigt6 = v.length === 9 ? voigtFromMatrix(v) : ([...v] as Voigt6);
    if (/virial/i.test(sk)) {
      if (!s.lattice) throw new LabelKeyError(`'${sk}' is a virial, but the frame has no cell to divide by`);
      const vol = Math.abs(cellVolume(s.lattice));
      voigt = voigt.map((w) => -w / vol) as Voigt6;
    }
    labels.stress = voigt;
    delete properties[sk];
  }
  return { structure: { ...s, properties, siteProperties }, labels, sources };
}

/** One sentence per label saying which key it came from across a file's frames. */
export function describeLabelSources(all: LabelSources[]): string[] {
  const out: string[] = [];
  for (const label of Object.keys(LABEL_CANDIDATES) as LabelName[]) {
    const used = new Map<string, number>();
    const others = new Set<string>();
    for (const s of all) {
      const k = s.used[label];
      if (k) used.set(k, (used.get(k) ?? 0) + 1);
      for (const o of s.alsoPresent[label] ?? []) others.add(o);
    }
    if (used.size === 0) continue;
    const parts = [...used].map(([k, c]) => (used.size > 1 || c !== all.length ? `'${k}' (${c} frames)` : `'${k}'`));
    let line = `${label === 'freeEnergy' ? 'free energy' : label} from ${parts.join(', ')}`;
    if (/virial/i.test([...used.keys()].join(' '))) line += ' (a virial: stress = −virial / volume)';
    if (others.size) line += `; also present: ${[...others].map((o) => `'${o}'`).join(', ')} (choose with --${label === 'freeEnergy' ? 'free-energy' : label}-key)`;
    out.push(line);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Units and sign check

export interface LabelCheck {
  /** What was seen and assumed, one sentence each (the import report shows them). */
  findings: string[];
  /** The subset that looks wrong (also in findings). */
  warnings: string[];
}

/**
 * Looks at imported labels for the usual unit and sign mistakes and says what it saw and what it
 * assumed; it never converts anything:
 * - stress of order 10–1000 where eV/Å³ stresses are ~0.01 (kB or GPa written as eV/Å³);
 * - forces that do not sum to about zero in a periodic cell (|ΣF| > max(0.05 eV/Å, 0.1·√ΣF²):
 *   e.g. forces of fixed atoms zeroed, or forces of another structure);
 * - energies that look per atom where totals are expected: with frames of different sizes (the
 *   largest at least twice the smallest), E fitted ten times better by a constant than by c·N.
 */
export function checkLabels(frames: readonly LabelledFrame[]): LabelCheck {
  const findings: string[] = [];
  const warnings: string[] = [];
  const warn = (s: string) => {
    findings.push(s);
    warnings.push(s);
  };
  const withE = frames.filter((f) => f.energy !== null);
  const withF = frames.filter((f) => f.forces !== null);
  const withS = frames.filter((f) => f.stress !== null);
  findings.push(
    `labels: energy ${withE.length}, forces ${withF.length}, stress ${withS.length} of ${frames.length} frame${frames.length === 1 ? '' : 's'}; ` +
      'taken as eV (the whole cell), eV/Å, eV/Å³ (positive = tensile, as ASE)',
  );
  // Stress magnitude.
  if (withS.length) {
    const mags = withS.map((f) => Math.max(...f.stress!.map(Math.abs))).sort((a, b) => a - b);
    const median = mags[Math.floor(mags.length / 2)];
    if (median > 1) {
      warn(
        `stress looks like kB or GPa, not eV/Å³: the median largest component is ${fmt(median)} (eV/Å³ stresses are usually below 0.1 = 16 GPa). ` +
          'Nothing was converted; convert before training (kB → eV/Å³: × −0.000624151 for VASP\'s sign; GPa → eV/Å³: × 0.00624151)',
      );
    } else findings.push(`stress: median largest component ${fmt(median)} eV/Å³ (${fmt(median / 0.006241509125883258)} GPa): plausible`);
  }
  // Force sums in periodic cells.
  const periodic = withF.filter((f) => f.structure.pbc.every(Boolean));
  let bad = 0;
  let worst = 0;
  let worstFrame = -1;
  for (const f of periodic) {
    const F = f.forces!;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let s2 = 0;
    for (let i = 0; i < F.length; i += 3) {
      sx += F[i];
      sy += F[i + 1];
      sz += F[i + 2];
      s2 += F[i] * F[i] + F[i + 1] * F[i + 1] + F[i + 2] * F[i + 2];
    }
    const drift = Math.hypot(sx, sy, sz);
    if (drift > Math.max(0.05, 0.1 * Math.sqrt(s2))) {
      bad++;
      if (drift > worst) {
        worst = drift;
        worstFrame = frames.indexOf(f);
      }
    }
  }
  if (bad > 0) {
    warn(
      `forces do not sum to zero in ${bad} of ${periodic.length} periodic frame${periodic.length === 1 ? '' : 's'} (worst: |ΣF| = ${fmt(worst)} eV/Å in frame ${worstFrame}); ` +
        'forces of fixed atoms set to zero, or forces of another structure? Kept as they are',
    );
  } else if (periodic.length) findings.push(`forces sum to about zero in all ${periodic.length} periodic frames`);
  // Per-atom vs total energies.
  if (withE.length >= 3) {
    const ns = withE.map((f) => f.structure.numbers.length);
    const nMin = Math.min(...ns);
    const nMax = Math.max(...ns);
    if (nMax >= 2 * nMin) {
      // Totals scale with N (E ≈ c·N); per-atom energies do not (E ≈ c). Compare the two fits.
      const e = withE.map((f) => f.energy!);
      const c = e.reduce((a, x, i) => a + x * ns[i], 0) / ns.reduce((a, x) => a + x * x, 0);
      const mean = e.reduce((a, b) => a + b, 0) / e.length;
      const rTotal = e.reduce((a, x, i) => a + (x - c * ns[i]) ** 2, 0);
      const rPerAtom = e.reduce((a, x) => a + (x - mean) ** 2, 0);
      if (rPerAtom * 10 < rTotal) {
        warn(
          `energies look per atom, not totals: across frames of ${nMin}–${nMax} atoms they do not grow with the atom count ` +
            `(rms ${fmt(Math.sqrt(rPerAtom / e.length))} eV around their mean, ${fmt(Math.sqrt(rTotal / e.length))} eV around E = ${fmt(c)}·N). ` +
            'Energies are taken as totals of the cell; if these are per atom, multiply by the atom count before training',
        );
      } else findings.push(`energies scale with the atom count (${nMin}–${nMax} atoms): taken as totals of the cell`);
    } else findings.push(`energies: all frames have ${nMin === nMax ? nMin : `${nMin}–${nMax}`} atoms, so totals and per-atom energies cannot be told apart; taken as totals of the cell`);
  }
  return { findings, warnings };
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2);
}
