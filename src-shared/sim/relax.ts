/**
 * Structure relaxation: an optimiser (FIRE or L-BFGS) moving the atoms, optionally the cell through
 * the strain filter, until the largest force (on a free atom, along the axes it may move) is at most `fmax` (and, with the cell,
 * every component of σ + P·I is at most `smax`), or `maxSteps` steps have been taken.
 *
 * The loop is ASE's `Optimizer.run`: evaluate, report the frame, stop when converged, else step;
 * `steps` counts the optimiser steps taken (one fewer than the evaluations). A result always says
 * why the run stopped, and a run that did not converge says by how much. A step whose evaluation fails
 * (non-finite, or the calculator throws) is not taken: the atoms go back to the step before, which
 * the run ends at (its last frame, and `steps`).
 *
 * Vanishing forces do not make a minimum: an optimiser also stops at a saddle point. With `minimum`,
 * a converged relaxation measures the lowest curvature there (curvature.ts); with 'escape', at a
 * saddle point it pushes the atoms along the mode that lowers the energy and relaxes on, at most
 * `MAX_ESCAPES` times, within the same step budget. Neither is ASE's default, and without `minimum`
 * the run is ASE's step for step.
 */
import { copyLattice, type Atoms } from './atoms';
import type { Calculator } from './calculator';
import { atomSpace, cellSpace, lowestCurvature, SADDLE_CURVATURE } from './curvature';
import { AtomPositions, CellFilter, type Evaluation, type Optimizable } from './filters';
import { Fire, Lbfgs, type Optimizer } from './optimizers';
import { fromGPa, toGPa } from './units';

export interface RelaxOptions {
  optimizer?: 'fire' | 'lbfgs';
  /** Force tolerance, eV/Å (default 0.05). */
  fmax?: number;
  /** With `cell`: stress tolerance, eV/Å³ (default 0.1 GPa ≈ 6.2e-4 eV/Å³). */
  smax?: number;
  /** Largest number of optimiser steps (default 500). */
  maxSteps?: number;
  /** Relax the cell too (default false). */
  cell?: boolean;
  /** With `cell`: target pressure, eV/Å³ (default 0). */
  pressure?: number;
  /** With `cell`: change only the volume (default false). */
  hydrostatic?: boolean;
  /** After converging: measure the lowest curvature ('check'), and leave a saddle point along its mode ('escape'). */
  minimum?: 'check' | 'escape';
  /** Called after every evaluation (step 0 is the start); may be async (a job writes the frame). */
  onStep?: (frame: RelaxFrame) => void | Promise<void>;
  /** Checked before every step; set `aborted` to stop the run (status 'cancelled'). */
  signal?: { readonly aborted: boolean };
}

export const RELAX_DEFAULTS = Object.freeze({ optimizer: 'fire' as const, fmax: 0.05, smax: fromGPa(0.1), maxSteps: 500 });

/** Most saddle points a relaxation leaves (`minimum: 'escape'`). */
export const MAX_ESCAPES = 5;

/** How far the largest atomic move of a push off a saddle point goes (or a bond's change in a strain), Å. */
const ESCAPE_PUSH = 0.1;

/** What the curvature check found at the end of a relaxation. */
export interface MinimumCheck {
  /** The lowest curvature of the energy at the relaxed positions, eV/Å² (with `cell`, of the enthalpy over positions and strain: curvature.ts). */
  lowest: number;
  /** True when it is below `SADDLE_CURVATURE`: the relaxation ended at a saddle point, not a minimum. */
  saddle: boolean;
  /** Saddle points left along their mode on the way. */
  escapes: number;
  /** Force calls the checks and pushes made (beyond the optimiser's steps). */
  forceCalls: number;
  /**
   * The mode of the lowest curvature, as the atoms' Cartesian displacements (3 per atom), scaled so
   * that the largest move is 1 Å: an atom's, or with the cell a bond's of the mean atomic spacing in
   * the strain (a strain's displacements measured from the atoms' centroid). Its sign is arbitrary.
   */
  mode: number[];
  /** With the cell: the strain that goes with the mode, at the same scale (3×3, row-major); else null. */
  strain: number[] | null;
}

export interface RelaxFrame extends Evaluation {
  step: number;
  /** The atoms as they are at this step (live: copy what you keep). */
  atoms: Atoms;
}

export type RelaxStatus = 'converged' | 'not-converged' | 'cancelled' | 'failed';

export interface RelaxResult {
  status: RelaxStatus;
  converged: boolean;
  /** Why the run stopped, in a sentence. */
  message: string;
  steps: number;
  energy: number;
  fmax: number;
  smax: number | null;
  stress: Float64Array | null;
  forces: Float64Array;
  /** The relaxed (or last) state; the same object that was passed in, moved. */
  atoms: Atoms;
  /** With `minimum`: what the curvature check found (null when it was not asked for, or the run did not converge). */
  minimum: MinimumCheck | null;
}

export function makeOptimizer(name: 'fire' | 'lbfgs'): Optimizer {
  if (name === 'fire') return new Fire();
  if (name === 'lbfgs') return new Lbfgs();
  throw new Error(`unknown optimiser '${String(name)}': use fire or lbfgs`);
}

function finite(e: Evaluation): boolean {
  if (!Number.isFinite(e.energy)) return false;
  for (const f of e.forces) if (!Number.isFinite(f)) return false;
  return true;
}

/** Relaxes `atoms` in place with `calculator`. */
export async function relax(atoms: Atoms, calculator: Calculator, options: RelaxOptions = {}): Promise<RelaxResult> {
  const fmaxTol = options.fmax ?? RELAX_DEFAULTS.fmax;
  const smaxTol = options.smax ?? RELAX_DEFAULTS.smax;
  const maxSteps = options.maxSteps ?? RELAX_DEFAULTS.maxSteps;
  if (!(fmaxTol > 0)) throw new Error(`fmax must be a positive number of eV/Å, got ${fmaxTol}`);
  if (!(smaxTol > 0)) throw new Error(`the stress tolerance must be positive, got ${smaxTol}`);
  if (!(Number.isInteger(maxSteps) && maxSteps >= 0)) throw new Error(`the number of steps must be a non-negative integer, got ${maxSteps}`);

  let step = 0;
  /** From the atoms as they are, with a fresh optimiser (and, for the cell, a filter from the current cell), until it stops. */
  const descend = async (): Promise<RelaxResult> => {
    const target: Optimizable = options.cell
      ? new CellFilter(atoms, calculator, { pressure: options.pressure ?? 0, hydrostatic: options.hydrostatic ?? false })
      : new AtomPositions(atoms, calculator);
    const optimizer = makeOptimizer(options.optimizer ?? RELAX_DEFAULTS.optimizer);
    let ev = await target.evaluate();
    const done = (status: RelaxStatus, message: string): RelaxResult => ({
      status,
      converged: status === 'converged',
      message,
      steps: step,
      energy: ev.energy,
      fmax: ev.fmax,
      smax: ev.smax,
      stress: ev.stress,
      forces: ev.atomForces,
      atoms,
      minimum: null,
    });
    const describe = () =>
      `fmax ${ev.fmax.toPrecision(3)} eV/Å (tolerance ${fmaxTol})` +
      (ev.smax === null ? '' : `, stress residual ${toGPa(ev.smax).toPrecision(3)} GPa (tolerance ${toGPa(smaxTol).toPrecision(3)})`);
    for (;;) {
      if (!finite(ev)) {
        return done('failed', `the energy or the forces became non-finite at step ${step} (atoms too close, or a calculator failure)`);
      }
      await options.onStep?.({ ...ev, step, atoms });
      const converged = ev.fmax <= fmaxTol && (ev.smax === null || ev.smax <= smaxTol);
      if (converged) return done('converged', `converged in ${step} steps: ${describe()}`);
      if (step >= maxSteps) return done('not-converged', `did not converge in ${maxSteps} steps: ${describe()}`);
      if (options.signal?.aborted) return done('cancelled', `cancelled after ${step} steps: ${describe()}`);
      // this step's state, put back if the next one fails: the run ends at its last good step
      const [cart, lattice, good] = [Float64Array.from(atoms.cart), atoms.lattice && copyLattice(atoms.lattice), ev];
      target.setPositions(optimizer.step(target.getPositions(), ev.forces));
      let failure: string | null = null;
      try {
        ev = await target.evaluate();
        if (!finite(ev)) failure = `the energy or the forces became non-finite at step ${step + 1} (atoms too close, or a calculator failure)`;
      } catch (e) {
        failure = `the calculation failed at step ${step + 1}: ${(e as Error).message}`;
      }
      if (failure !== null) {
        atoms.cart.set(cart);
        atoms.lattice = lattice;
        ev = good;
        return done('failed', `${failure}; the structure is the one of step ${step}`);
      }
      step++;
    }
  };

  let result = await descend();
  if (!options.minimum) return result;
  let escapes = 0;
  let forceCalls = 0;
  const left = () => (escapes ? `; left ${escapes === 1 ? 'a saddle point' : `${escapes} saddle points`} along ${escapes === 1 ? 'its mode' : 'their modes'}` : '');
  while (result.converged) {
    // what the relaxation moved: the atoms, or the atoms and the cell
    const space = options.cell ? cellSpace(atoms, calculator, { pressure: options.pressure ?? 0, hydrostatic: options.hydrostatic ?? false }) : atomSpace(atoms, calculator);
    const c = await lowestCurvature(space, { signal: options.signal });
    forceCalls += c.forceCalls;
    // cancelled while measuring: the relaxation converged, and its end is not judged on a partial measurement
    if (options.signal?.aborted) return { ...result, message: `${result.message}${left()}; the curvature check was cancelled`, minimum: null };
    const saddle = c.lowest < SADDLE_CURVATURE;
    // the mode at the scale of a 1 Å move (nothing free to move: the zero vector)
    const reach = space.reach(c.mode);
    const shape = space.displacements(reach > 0 ? c.mode.map((x) => x / reach) : c.mode);
    const check = (): MinimumCheck => ({ lowest: c.lowest, saddle, escapes, forceCalls, mode: Array.from(shape.cart), strain: shape.strain && Array.from(shape.strain) });
    const curvature = `lowest curvature ${c.lowest.toPrecision(3)} eV/Å²`;
    if (!saddle) return { ...result, message: `${result.message}${left()}; ${curvature}: a minimum`, minimum: check() };
    const stay = options.minimum === 'check' || escapes >= MAX_ESCAPES || step >= maxSteps;
    if (stay) {
      const why = options.minimum === 'check' ? '' : escapes >= MAX_ESCAPES ? ` (after ${MAX_ESCAPES} escapes)` : ` (no steps left to leave it: ${maxSteps})`;
      return { ...result, message: `${result.message}${left()}; ${curvature}: a saddle point, not a minimum${why}`, minimum: check() };
    }
    // push along the mode, to the side of lower energy, so far that the atom (or bond) moving most moves ESCAPE_PUSH
    const push = c.mode.map((x) => (x * ESCAPE_PUSH) / reach);
    const back = push.map((x) => -x);
    const [down, up] = [await space.objectiveAt(back), await space.objectiveAt(push)];
    forceCalls += 2;
    space.move(down < up ? back : push);
    escapes++;
    step++;
    result = await descend();
  }
  // a relaxation on from a saddle point that did not converge
  return { ...result, message: `${result.message}${left()}`, minimum: null };
}
