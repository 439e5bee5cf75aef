/**
 * What the workspace shows of a potential's prediction on a structure: atom colourings (per-atom
 * energy, ensemble force spread, force error against the file's forces), force arrows and their
 * scale, legends with units, and the summary numbers (force errors, energy error, stress in GPa).
 * Units: eV, eV/Å, eV/Å³ in (Voigt xx yy zz yz xz xy, ASE's sign: positive = tensile), GPa out.
 */
import type { PotentialPredictionView } from '../../src-shared/ipc/contract';
import { toGPa } from '../../src-shared/sim/units';
import { contributionColor, divergingRgb } from './charts';

/** How atoms are coloured in the potential view. */
export type PotentialColoring = 'element' | 'energy' | 'spread' | 'error';

/** Arrow colours: predicted forces without a reference, and the reference forces. */
export const PREDICTED_ARROW = [0.16, 0.17, 0.2] as const;
export const REFERENCE_ARROW = [0.18, 0.62, 0.36] as const;

/** Longest arrow drawn at the default scale, Å. */
export const DEFAULT_LONGEST_ARROW = 1.6;

const STOPS: [number, number, number][] = [
  [47, 111, 222],
  [46, 158, 91],
  [201, 162, 39],
  [232, 102, 61],
  [184, 30, 40],
];

/** Sequential colour (blue → green → yellow → orange → red) for t in [0, 1], sRGB 0..1. */
export function sequentialRgb(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((c) => (a[c] + (b[c] - a[c]) * f) / 255) as [number, number, number];
}

function css([r, g, b]: readonly number[]): string {
  return `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
}

/** Euclidean length of each row. */
export function norms(rows: readonly (readonly number[])[]): number[] {
  return rows.map((r) => Math.hypot(r[0], r[1], r[2]));
}

/** |F_pred − F_ref| per atom, eV/Å. */
export function forceErrors(predicted: readonly (readonly number[])[], reference: readonly (readonly number[])[]): number[] {
  return predicted.map((p, i) => Math.hypot(p[0] - reference[i][0], p[1] - reference[i][1], p[2] - reference[i][2]));
}

/** Rows of 3 as one flat array (the viewer's per-site vectors). */
export function flatRows(rows: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(3 * rows.length);
  rows.forEach((r, i) => out.set(r.slice(0, 3), 3 * i));
  return out;
}

/** Per site, sRGB 0..1: a sequential colour of value / max (0 at the low end). */
export function sequentialColors(values: readonly number[], max: number): Float32Array {
  const out = new Float32Array(3 * values.length);
  values.forEach((v, i) => out.set(sequentialRgb(max > 0 ? v / max : 0), 3 * i));
  return out;
}

/** Per site, the same colour (sRGB 0..1). */
export function uniformColors(n: number, rgb: readonly number[]): Float32Array {
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) out.set(rgb, 3 * i);
  return out;
}

/** Å of arrow per eV/Å so that the longest of the given forces is `longest` Å long (1 when all are zero). */
export function arrowScale(forceSets: readonly (readonly (readonly number[])[])[], longest = DEFAULT_LONGEST_ARROW): number {
  const max = Math.max(0, ...forceSets.flatMap((rows) => norms(rows)));
  return max > 0 ? longest / max : 1;
}

/** A colour legend: CSS gradient, ends, units and what the colour means. */
export interface Legend {
  title: string;
  gradient: string;
  low: number;
  high: number;
  units: string;
}

/** Per-site values and colours of a colouring (null for 'element', or when the prediction lacks what it needs). */
export function atomColoring(view: PotentialPredictionView, coloring: PotentialColoring): { values: number[]; colors: Float32Array; legend: Legend } | null {
  if (coloring === 'energy') {
    const e = view.atomEnergies;
    const mean = e.reduce((a, b) => a + b, 0) / Math.max(1, e.length);
    const values = e.map((x) => x - mean);
    const scale = Math.max(1e-9, ...values.map(Math.abs));
    const colors = new Float32Array(3 * values.length);
    values.forEach((v, i) => colors.set(divergingRgb(v, scale), 3 * i));
    return {
      values: e,
      colors,
      legend: {
        title: `atom energy − mean (${mean.toFixed(3)} eV)`,
        gradient: `linear-gradient(to right, ${contributionColor(-scale, scale)}, ${contributionColor(0, scale)}, ${contributionColor(scale, scale)})`,
        low: -scale,
        high: scale,
        units: 'eV',
      },
    };
  }
  const values = coloring === 'spread' ? view.std?.forceNorm : coloring === 'error' && view.reference.forces ? forceErrors(view.forces, view.reference.forces) : null;
  if (!values) return null;
  const max = Math.max(0, ...values);
  return {
    values,
    colors: sequentialColors(values, max),
    legend: {
      title: coloring === 'spread' ? 'ensemble spread of the force' : '|F − F_ref|, force error',
      gradient: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => css(sequentialRgb(t))).join(', ')})`,
      low: 0,
      high: max,
      units: 'eV/Å',
    },
  };
}

/** The colourings a prediction can show. */
export function coloringsOf(view: PotentialPredictionView): PotentialColoring[] {
  const out: PotentialColoring[] = ['element', 'energy'];
  if (view.reference.forces) out.push('error');
  if (view.std?.forceNorm) out.push('spread');
  return out;
}

/** The numbers under the viewer: largest forces, force errors, energy error, stress and pressure in GPa. */
export interface PotentialSummary {
  maxForce: number;
  referenceMaxForce: number | null;
  /** Mean absolute force-component error, eV/Å. */
  forceMae: number | null;
  forceRmse: number | null;
  /** (E − E_ref) / N, meV/atom. */
  energyErrorMeVPerAtom: number | null;
  stressGPa: number[] | null;
  referenceStressGPa: number[] | null;
  /** −(σxx + σyy + σzz)/3, GPa (positive = compressed). */
  pressureGPa: number | null;
  /** Ensembles: largest per-atom force spread, eV/Å. */
  maxForceSpread: number | null;
}

export function potentialSummary(view: PotentialPredictionView): PotentialSummary {
  const n = view.atomEnergies.length;
  const ref = view.reference;
  let forceMae: number | null = null;
  let forceRmse: number | null = null;
  if (ref.forces) {
    let abs = 0;
    let sq = 0;
    view.forces.forEach((f, i) =>
      f.forEach((x, c) => {
        const d = x - ref.forces![i][c];
        abs += Math.abs(d);
        sq += d * d;
      }),
    );
    forceMae = abs / (3 * n);
    forceRmse = Math.sqrt(sq / (3 * n));
  }
  const gpa = (s: readonly number[] | null) => (s ? s.map(toGPa) : null);
  return {
    maxForce: Math.max(0, ...norms(view.forces)),
    referenceMaxForce: ref.forces ? Math.max(0, ...norms(ref.forces)) : null,
    forceMae,
    forceRmse,
    energyErrorMeVPerAtom: ref.energy !== null ? ((view.energy - ref.energy) / n) * 1000 : null,
    stressGPa: gpa(view.stress),
    referenceStressGPa: gpa(ref.stress),
    pressureGPa: view.stress ? -toGPa((view.stress[0] + view.stress[1] + view.stress[2]) / 3) : null,
    maxForceSpread: view.std?.forceNorm ? Math.max(0, ...view.std.forceNorm) : null,
  };
}

/** Per displayed atom (each the image of a site), its site's colour: for the viewer's colour override. */
export function displayColors(siteColors: Float32Array, sites: ArrayLike<number>): Float32Array {
  const out = new Float32Array(3 * sites.length);
  for (let a = 0; a < sites.length; a++) out.set(siteColors.subarray(3 * sites[a], 3 * sites[a] + 3), 3 * a);
  return out;
}
