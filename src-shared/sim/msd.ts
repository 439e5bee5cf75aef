/**
 * Mean squared displacement of an MD run from its start, and the diffusion coefficient it gives
 * (Einstein: MSD(t) → 6·D·t in three dimensions).
 *
 * MSD(t) = (1/N) Σ_i |Δr_i(t) − Δr_cm(t)|², Δr_i(t) = r_i(t) − r_i(0), over the atoms that are not
 * held fixed; Δr_cm is their mass-weighted mean displacement, so that a drift of the whole (a
 * Langevin thermostat does not conserve momentum) is not counted as diffusion. Positions are the
 * simulation's own, never wrapped into the cell (sim/atoms.ts), so an atom that crosses the cell
 * keeps counting. One time origin (the start): the curve of a short run is noisy; a researcher after
 * a number averages over a long run.
 *
 * In a cell that changes (NPT), an atom's displacement is measured from where its start is now:
 * Δr_i(t) = (s_i(t) − s_i(0))·h(t), s its unwrapped fractional coordinates and h(t) the cell (rows) at
 * t. The cell's deformation carries every atom affinely, by s_i(0)·(h(t) − h(0)), which grows with
 * the atom's distance from the origin (one atom at fractional −0.007 and its image at 0.993 would
 * differ); that is no diffusion, and taking it off makes the MSD independent of the origin and of
 * which image of an atom a file starts from. In a constant cell it is r_i(t) − r_i(0).
 *
 * D is fitted over the second half of the run (the first is the ballistic start and equilibration):
 * the least-squares slope of MSD against time, divided by 6, in cm²/s (1 Å²/fs = 0.1 cm²/s). Per
 * element too when the structure has more than one (the Li of a lithium-ion conductor against its
 * host lattice).
 *
 * A fitted slope is not always diffusion, and each fit is judged (`DiffusionVerdict`). The atoms of
 * a solid vibrate: their MSD rises to a plateau within a vibration period or two and then wanders
 * about it, slowly enough (with the temperature of the whole) that its slope over one run is a
 * number of either sign. No error bar from the spread between atoms or from the residuals'
 * autocorrelation covers that wander (measured on 108 atoms of fcc Cu, 2 ps at 300 and 2,200 K: fitted
 * D were up to 4 of the first and 10 of the second from zero; docs/simulation.md). Instead:
 * - 'short': the fitted half spans less than 1 ps, a few vibration periods of a metal (Cu's are about
 *   0.15–0.2 ps, Au's up to 0.4 ps). Before then a vibrating atom's MSD still rises, and looks like
 *   diffusion.
 * - 'vibration': the fitted line, extrapolated back to t = 0, meets it at the plateau the atoms vibrate
 *   about (its intercept). The MSD rose over the fitted half by no more than that plateau, or fell:
 *   the atoms did not move further than they vibrate.
 * - 'bending': the intercept is below −¼ of the last MSD. The curve still bends up, as a ballistic
 *   start does (MSD ∝ t² gives −0.56 of it) or a cell that melts within the run. The slope of the
 *   second half is then not yet the steady one. (Free particles under a Langevin thermostat give
 *   −τ/t, τ = 1/γ.)
 * - 'resolved': none of these. This is D.
 *
 * A trajectory read from a file (`trajectoryDiffusion`: an ab initio MD run's XDATCAR, an extended
 * XYZ) may have its positions wrapped into the cell, as XDATCAR's are. They are unwrapped in
 * fractional coordinates: an atom's change of fractional coordinates between two frames is taken to
 * its nearest whole-cell shift along the periodic directions, and the shifts are added up, which holds
 * while no atom moves half a cell between two frames written. Wrapped or not, a file of a run gives
 * the run's own MSD, in a changing cell too. The atoms the file holds fixed (`fileConstraints`: an
 * extended XYZ's move_mask, selective dynamics, ASE's FixAtoms) are left out, as the run left them.
 */
import { elementSymbol } from '../chem/elements';
import { invert, mulRows } from '../chem/lattice';
import { plural } from '../text';
import { Atoms, copyLattice } from './atoms';
import type { FrameGeometry } from './rdf';
import type { Mat3 } from '../chem/structure';

/** 1 Å²/fs in cm²/s. */
const CM2_PER_S = 0.1;

export interface Displacement {
  /** Å², over every mobile atom. */
  all: number;
  /** Å², per element symbol; null when the mobile atoms are of one element. */
  byElement: Record<string, number> | null;
}

/** Remembers the start of a run and measures how far its atoms have moved since. */
export class Displacements {
  /** The start: Cartesian positions, and with a cell their fractional coordinates and that cell. */
  private readonly start: Float64Array;
  private readonly startFrac: Float64Array | null;
  private readonly startCell: Mat3 | null;
  private readonly mobile: Int32Array;
  /** Per mobile atom: its element's index in `symbols`. */
  private readonly kind: Int32Array;
  private readonly symbols: string[];
  private readonly perKind: Float64Array;
  /** Per mobile atom, 3 components: its displacement, reused by each measurement. */
  private readonly moved: Float64Array;

  constructor(private readonly atoms: Pick<Atoms, 'cart' | 'numbers' | 'masses' | 'fixed' | 'lattice'>) {
    const inverse = atoms.lattice && invert(atoms.lattice);
    this.start = Float64Array.from(atoms.cart);
    this.startFrac = inverse ? mulRows(atoms.cart, inverse) : null;
    this.startCell = inverse ? copyLattice(atoms.lattice!) : null;
    this.mobile = Int32Array.from(Array.from({ length: atoms.numbers.length }, (_, i) => i).filter((i) => !atoms.fixed?.[i]));
    this.symbols = [...new Set(Array.from(this.mobile, (i) => elementSymbol(atoms.numbers[i])))].sort();
    this.kind = Int32Array.from(this.mobile, (i) => this.symbols.indexOf(elementSymbol(atoms.numbers[i])));
    this.perKind = new Float64Array(this.symbols.length);
    for (const k of this.kind) this.perKind[k]++;
    this.moved = new Float64Array(3 * this.mobile.length);
  }

  /** The MSD of the atoms now, from the start (in a cell that has changed, from where the cell has carried the start). */
  measure(): Displacement {
    const { cart, masses, lattice } = this.atoms;
    const n = this.mobile.length;
    if (n === 0) return { all: 0, byElement: null };
    const d = this.moved;
    const s = this.startFrac;
    // how the cell has changed since the start (rows); null when it has not, or there is none
    const h0 = this.startCell;
    const change = s && h0 && lattice && lattice.some((row, r) => row.some((x, k) => x !== h0[r][k])) ? lattice.map((row, r) => row.map((x, k) => x - h0[r][k])) : null;
    let mass = 0;
    const centre = [0, 0, 0];
    for (let m = 0; m < n; m++) {
      const i = this.mobile[m];
      for (let k = 0; k < 3; k++) {
        // where the start is now: carried by the cell's deformation, its fractional coordinates kept
        const from = this.start[3 * i + k] + (change ? s![3 * i] * change[0][k] + s![3 * i + 1] * change[1][k] + s![3 * i + 2] * change[2][k] : 0);
        d[3 * m + k] = cart[3 * i + k] - from;
        centre[k] += masses[i] * d[3 * m + k];
      }
      mass += masses[i];
    }
    let all = 0;
    const sums = new Float64Array(this.symbols.length);
    for (let m = 0; m < n; m++) {
      const d2 = (d[3 * m] - centre[0] / mass) ** 2 + (d[3 * m + 1] - centre[1] / mass) ** 2 + (d[3 * m + 2] - centre[2] / mass) ** 2;
      all += d2;
      sums[this.kind[m]] += d2;
    }
    const byElement = this.symbols.length > 1 ? Object.fromEntries(this.symbols.map((sym, k) => [sym, sums[k] / this.perKind[k]])) : null;
    return { all: all / n, byElement };
  }
}

/** What a fitted D is (see the module comment): diffusion, or why not. */
export type DiffusionVerdict = 'resolved' | 'short' | 'vibration' | 'bending';

/** fs: the shortest fitted half whose slope is judged. */
const SHORTEST_FIT = 1000;

/** A diffusion coefficient fitted to an MSD curve, and whether it is diffusion. */
export interface DiffusionFit {
  /** cm²/s: the least-squares slope over the second half of the points, / 6. */
  value: number;
  verdict: DiffusionVerdict;
}

/** D from MSD(t) (Å², fs), fitted to the second half of the points; null with fewer than two points there. */
export function fitDiffusion(time: readonly number[], msd: readonly number[]): DiffusionFit | null {
  const from = Math.floor(time.length / 2);
  const n = time.length - from;
  if (n < 2) return null;
  let st = 0;
  let sm = 0;
  for (let k = from; k < time.length; k++) {
    st += time[k];
    sm += msd[k];
  }
  const tm = st / n;
  const mm = sm / n;
  let num = 0;
  let den = 0;
  for (let k = from; k < time.length; k++) {
    num += (time[k] - tm) * (msd[k] - mm);
    den += (time[k] - tm) ** 2;
  }
  if (!(den > 0)) return null;
  const slope = num / den;
  const span = time[time.length - 1] - time[from];
  const plateau = mm - slope * tm;
  const last = plateau + slope * time[time.length - 1];
  const verdict: DiffusionVerdict =
    span < SHORTEST_FIT ? 'short' : !(slope * span > Math.max(plateau, 0)) ? 'vibration' : plateau < -0.25 * last ? 'bending' : 'resolved';
  return { value: (slope / 6) * CM2_PER_S, verdict };
}

/** Why a D is not diffusion, in words: "the fitted half is under 1 ps"; '' for a resolved one. */
export function verdictText(v: DiffusionVerdict): string {
  if (v === 'short') return `the fitted half is under ${SHORTEST_FIT / 1000} ps`;
  if (v === 'vibration') return 'the MSD rose less than the atoms vibrate';
  if (v === 'bending') return 'the MSD still bends up';
  return '';
}

export interface TrajectoryDiffusion {
  /** fs since the start. */
  time: number[];
  /** Å² per step or frame (see `Displacements`). */
  msd: number[];
  /** Per element, when the atoms are of more than one. */
  msdByElement: Record<string, number[]> | null;
  /** cm²/s, fitted to the second half; null with too few points. */
  diffusion: number | null;
  diffusionByElement: Record<string, number | null> | null;
  /** What `diffusion` is (`DiffusionFit.verdict`); null without a fit. */
  diffusionVerdict: DiffusionVerdict | null;
  diffusionVerdictByElement: Record<string, DiffusionVerdict | null> | null;
}

/** A run's MSD as it goes (`Displacements`, recorded with its time) and the diffusion coefficients fitted to it. */
export class DiffusionLog {
  private readonly displacements: Displacements;
  private readonly time: number[] = [];
  private readonly msd: number[] = [];
  private readonly byElement: Record<string, number[]> = {};

  constructor(atoms: Pick<Atoms, 'cart' | 'numbers' | 'masses' | 'fixed' | 'lattice'>) {
    this.displacements = new Displacements(atoms);
  }

  /** Measures the atoms now, `time` fs from the start, and keeps it. */
  record(time: number): Displacement {
    const d = this.displacements.measure();
    this.time.push(time);
    this.msd.push(d.all);
    for (const [sym, x] of Object.entries(d.byElement ?? {})) (this.byElement[sym] ??= []).push(x);
    return d;
  }

  /** What was recorded, and D fitted to its second half: null with fewer than `minPoints` points (a trajectory from a file asks for 4). */
  result(minPoints = 3): TrajectoryDiffusion {
    const fit = (xs: number[]) => (xs.length >= minPoints ? fitDiffusion(this.time, xs) : null);
    const all = fit(this.msd);
    const elements = Object.entries(this.byElement).map(([sym, xs]) => [sym, fit(xs)] as const);
    return {
      time: this.time,
      msd: this.msd,
      msdByElement: elements.length ? this.byElement : null,
      diffusion: all?.value ?? null,
      diffusionByElement: elements.length ? Object.fromEntries(elements.map(([sym, f]) => [sym, f?.value ?? null])) : null,
      diffusionVerdict: all?.verdict ?? null,
      diffusionVerdictByElement: elements.length ? Object.fromEntries(elements.map(([sym, f]) => [sym, f?.verdict ?? null])) : null,
    };
  }
}

/**
 * "D 1.23e-5 cm²/s (Li 1.10e-5, Fe not resolved)": an MD summary's diffusion coefficients in words;
 * '' without them. A fit that is not diffusion (`DiffusionVerdict`) reads "not resolved", with its
 * value and why when it is the whole's. Summaries recorded before the verdict show the values.
 */
export function diffusionText(s: {
  diffusion?: number | null;
  diffusionByElement?: Record<string, number | null> | null;
  diffusionVerdict?: DiffusionVerdict | null;
  diffusionVerdictByElement?: Record<string, DiffusionVerdict | null> | null;
}): string {
  if (s.diffusion === undefined || s.diffusion === null) return '';
  // a value is shown when it is diffusion, or was recorded before fits were judged
  const shown = (v: DiffusionVerdict | null | undefined) => v === undefined || v === null || v === 'resolved';
  const e = (x: number | null, v: DiffusionVerdict | null | undefined) => (x === null ? '—' : shown(v) ? x.toExponential(2) : 'not resolved');
  const parts = Object.entries(s.diffusionByElement ?? {}).map(([sym, x]) => `${sym} ${e(x, s.diffusionVerdictByElement?.[sym])}`);
  const v = s.diffusionVerdict;
  const all = shown(v) ? `D ${s.diffusion.toExponential(2)} cm²/s` : `D not resolved (fitted ${s.diffusion.toExponential(2)} cm²/s; ${verdictText(v!)})`;
  return `${all}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * MSD and D of the frames of a trajectory, `dt` fs apart (an XDATCAR's: POTIM × its frame interval);
 * D needs four frames. `fixed` lists the atoms held fixed (0-based), which neither count nor move the
 * centre. Throws a sentence naming the frame (counted from `firstFrame`, its number in its file) when
 * the frames do not hold the same atoms, or one has no cell where the first has.
 */
export function trajectoryDiffusion(frames: readonly FrameGeometry[], dt: number, firstFrame = 0, fixed: readonly number[] = []): TrajectoryDiffusion {
  if (!(dt > 0) || !Number.isFinite(dt)) throw new Error(`the time between frames must be a positive number of fs, got ${dt}`);
  if (frames.length === 0) throw new Error('a mean squared displacement needs at least one frame');
  const first = frames[0];
  const n = first.numbers.length;
  const held = new Uint8Array(n);
  for (const i of fixed) held[i] = 1;
  const atoms = new Atoms({ numbers: Int32Array.from(first.numbers), cart: first.cart, lattice: first.lattice, pbc: first.pbc, fixed: held });
  const log = new DiffusionLog(atoms);
  // with a cell: each atom's whole-cell shifts so far, and the file's fractional coordinates of the frame before
  const periodic = first.lattice !== null && invert(first.lattice) !== null;
  const images = new Float64Array(3 * n);
  let before: Float64Array | null = null;
  frames.forEach((f, k) => {
    if (f.numbers.length !== n || Array.from(f.numbers).some((z, i) => z !== first.numbers[i])) {
      const which = f.numbers.length === n ? 'other elements on the same number of sites' : `${plural(f.numbers.length, 'atom')} against ${n}`;
      throw new Error(`frame ${firstFrame + k} holds other atoms than frame ${firstFrame} (${which}): a displacement needs the same atoms in every frame`);
    }
    atoms.cart.set(f.cart);
    if (periodic) {
      const inverse = f.lattice && invert(f.lattice);
      if (!inverse) throw new Error(`frame ${firstFrame + k} has no cell, or a flat one, where frame ${firstFrame} has one: its atoms cannot be followed across the cell's faces`);
      const frac = mulRows(f.cart, inverse);
      // each change of fractional coordinates taken to its nearest whole-cell shift along the periodic directions
      if (before) for (let i = 0; i < 3 * n; i++) if (f.pbc[i % 3]) images[i] -= Math.round(frac[i] - before[i]);
      before = frac;
      atoms.lattice = copyLattice(f.lattice!);
      // positions (fractional + shifts)·cell of this frame
      const shift = mulRows(images, f.lattice!);
      for (let i = 0; i < 3 * n; i++) atoms.cart[i] += shift[i];
    }
    log.record(k * dt);
  });
  return log.result(4);
}
