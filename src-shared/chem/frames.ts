/**
 * Labelled frames: a structure with the reference data a potential learns from (energy, free
 * energy, forces, stress), as read from DFT outputs, trajectories, extended XYZ and ASE databases.
 *
 * Units and signs (the team's conventions, written once):
 * - energies in eV (the total of the cell, never per atom);
 * - forces in eV/Å, atom i's vector at `forces[3i..3i+2]` (the layout of `Structure.cart`;
 *   `[N][3]` in JSON);
 * - stress as a Voigt 6-vector (xx, yy, zz, yz, xz, xy) in eV/Å³ with ASE's sign: positive =
 *   tensile. VASP prints kB with the opposite sign: σ = −0.1 · p[kB] GPa (see `KBAR_TO_EV_PER_A3`).
 *
 * A frame keeps its labels in explicit fields. When a frame is stored or written as a structure
 * (the SQLite store, extended XYZ) its labels go under ASE's canonical names:
 * `properties.energy`, `properties.free_energy`, `properties.stress` and the site property
 * `forces` (see `structureWithLabels` / `labelsOfStructure`).
 */
import type { Structure } from './structure';

/** Stress as Voigt (xx, yy, zz, yz, xz, xy), eV/Å³, positive = tensile (ASE). */
export type Voigt6 = [number, number, number, number, number, number];

/** The Voigt components' names, in Voigt6's order (ASE's and pymatgen's). */
export const VOIGT_COMPONENTS = ['xx', 'yy', 'zz', 'yz', 'xz', 'xy'] as const;

/** The labels of one frame; any of them may be missing (null). */
export interface FrameLabels {
  /** eV. VASP: σ→0 (`e_0_energy`, `energy(sigma->0)`); extended XYZ/ASE: the `energy` key. */
  energy: number | null;
  /** eV. VASP: the free energy (`e_fr_energy`, `free  energy   TOTEN`); extended XYZ/ASE: `free_energy`. */
  freeEnergy: number | null;
  /** eV/Å, length 3 × nSites, atom by atom. */
  forces: Float64Array | null;
  /** eV/Å³, Voigt (xx, yy, zz, yz, xz, xy), positive = tensile. */
  stress: Voigt6 | null;
}

/** One frame of a trajectory or one labelled structure of a dataset. */
export interface LabelledFrame extends FrameLabels {
  structure: Structure;
}

/** 1 GPa in eV/Å³, as ASE 3.22 defines it (CODATA 2014: 1 / 160.21766208). */
export const GPA_IN_EV_PER_A3 = 1 / 160.21766208;

/**
 * Multiply a VASP stress in kB (VASP's sign: positive = compressive, "pressure") by this to get
 * eV/Å³ in ASE's sign convention: σ = −0.1 GPa · p.
 */
export const KBAR_TO_EV_PER_A3 = -0.1 * GPA_IN_EV_PER_A3;

/**
 * A 9-value stress as a Voigt 6-vector (xx, yy, zz, yz, xz, xy), read as ASE reads extended XYZ's
 * 3×3 keys (column-major; the same as row-major for the symmetric tensor a stress is).
 */
export function voigtFromMatrix(m: ArrayLike<number>): Voigt6 {
  return [m[0], m[4], m[8], m[7], m[6], m[3]];
}

/** A Voigt 6-vector as a row-major symmetric 3×3 matrix. */
export function matrixFromVoigt(v: Voigt6): number[] {
  return [v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]];
}

/** The largest force on any atom (eV/Å), skipping atoms flagged in `fixed`; null without forces. */
export function maxForce(forces: Float64Array, fixed?: Uint8Array | null): number;
export function maxForce(forces: Float64Array | null, fixed?: Uint8Array | null): number | null;
export function maxForce(forces: Float64Array | null, fixed?: Uint8Array | null): number | null {
  if (!forces) return null;
  let m = 0;
  for (let i = 0; i + 2 < forces.length; i += 3) {
    if (fixed?.[i / 3]) continue;
    const f = Math.hypot(forces[i], forces[i + 1], forces[i + 2]);
    if (f > m) m = f;
  }
  return m;
}

export function forcesToJSON(forces: Float64Array | null): [number, number, number][] | null {
  if (!forces) return null;
  const out: [number, number, number][] = new Array(forces.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = [forces[3 * i], forces[3 * i + 1], forces[3 * i + 2]];
  return out;
}

/** ASE's canonical names under which labels are stored with a structure (and written to extended XYZ). */
export const LABEL_KEYS = { energy: 'energy', freeEnergy: 'free_energy', stress: 'stress', forces: 'forces' } as const;

/**
 * The structure with the frame's labels under ASE's canonical names (`energy`, `free_energy`,
 * `stress` as Voigt 6 in properties; `forces` as a width-3 site property). Labels that are null
 * are removed, so the structure carries exactly the frame's labels.
 */
export function structureWithLabels(frame: LabelledFrame): Structure {
  const s = frame.structure;
  const properties = { ...s.properties };
  const siteProperties = { ...s.siteProperties };
  const set = (key: string, v: unknown) => {
    if (v === null || v === undefined) delete properties[key];
    else properties[key] = v;
  };
  set(LABEL_KEYS.energy, frame.energy);
  set(LABEL_KEYS.freeEnergy, frame.freeEnergy);
  set(LABEL_KEYS.stress, frame.stress ? [...frame.stress] : null);
  if (frame.forces) siteProperties[LABEL_KEYS.forces] = { kind: 'vector', width: 3, values: frame.forces };
  else delete siteProperties[LABEL_KEYS.forces];
  return { ...s, properties, siteProperties };
}

function finiteNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The labels a structure carries under ASE's canonical names (the inverse of
 * `structureWithLabels`): `energy`, `free_energy`, `stress` (6 Voigt or 9 row-major values) and
 * the width-3 site property `forces`. Anything missing or malformed is null.
 */
export function labelsOfStructure(s: Structure): FrameLabels {
  const p = s.properties;
  let stress: Voigt6 | null = null;
  const st = p[LABEL_KEYS.stress];
  if (Array.isArray(st) && st.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    if (st.length === 6) stress = [...st] as Voigt6;
    else if (st.length === 9) stress = voigtFromMatrix(st);
  }
  const f = s.siteProperties[LABEL_KEYS.forces];
  const forces = f && f.kind === 'vector' && f.width === 3 && f.values.length === 3 * s.numbers.length ? f.values : null;
  return { energy: finiteNumber(p[LABEL_KEYS.energy]), freeEnergy: finiteNumber(p[LABEL_KEYS.freeEnergy]), forces, stress };
}

/** The frame a labelled structure stands for (labels read from ASE's canonical names). */
export function frameOfStructure(s: Structure): LabelledFrame {
  return { structure: s, ...labelsOfStructure(s) };
}
