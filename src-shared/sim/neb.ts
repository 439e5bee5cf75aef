/**
 * The nudged elastic band (NEB): the minimum energy path between two states of the same atoms in the
 * same cell, and its highest point, the barrier of the transition. A band of images between the two
 * ends (held where they are) is relaxed under the potential's forces perpendicular to the path and
 * springs along it (Henkelman and Jónsson, J. Chem. Phys. 113, 9978 (2000): the improved tangent and
 * its spring force); with `climb`, the highest image feels no spring and climbs along the path to the
 * saddle point (Henkelman, Uberuaga and Jónsson, J. Chem. Phys. 113, 9901 (2000)).
 *
 * This is ASE's `NEB(images, k, climb, method='improvedtangent')` relaxed by ASE's optimisers, step for
 * step: the band's coordinates are the inner images' positions one after the other, and it has
 * converged when no atom of any inner image feels more than fmax (the climbing image included). The
 * images start on the straight line between the ends, each atom along its shortest way (the minimum
 * image, ASE's `interpolate(mic=True)`), so a file that wrapped an atom into the cell at one end does
 * not send it across the cell.
 */
import type { Mat3, Structure } from '../chem/structure';
import { elementSymbol } from '../chem/elements';
import { invert } from '../chem/lattice';
import { maxForce } from '../chem/frames';
import { SimulationInputError, type Atoms } from './atoms';
import type { Calculator } from './calculator';
import { makeOptimizer } from './relax';

export const NEB_DEFAULTS = Object.freeze({ images: 5, spring: 0.1, climb: true, optimizer: 'fire' as const, fmax: 0.05, maxSteps: 500 });

/** A state of the band after a step: every image's energy (the two ends included) and the largest force on an inner image. */
export interface NebStep {
  step: number;
  /** eV, image 0 (the start) to the end. */
  energies: number[];
  /** The largest NEB force on an atom of an inner image, eV/Å. */
  fmax: number;
  /** The highest inner image (1 … images). */
  highest: number;
  /** Every image (the ends included), Cartesian positions, 3 per atom. */
  positions: Float64Array[];
  /** The potential's forces on every image (zero for a held atom), eV/Å. */
  forces: Float64Array[];
}

export interface NebOptions {
  /** Images between the two ends. */
  images?: number;
  /** Spring constant, eV/Å². */
  spring?: number;
  climb?: boolean;
  optimizer?: 'fire' | 'lbfgs';
  fmax?: number;
  maxSteps?: number;
  signal?: { readonly aborted: boolean };
  onStep?: (s: NebStep) => void | Promise<void>;
}

export type NebStatus = 'converged' | 'not-converged' | 'cancelled' | 'failed';

export interface NebResult extends NebStep {
  status: NebStatus;
  /** The optimiser's steps taken (`step`). */
  steps: number;
  message: string;
  /** The path's length from the start to each image, Å (the distance between neighbours, minimum image, over all atoms). */
  distances: number[];
  /** The largest force on an atom at each end: a barrier is measured from minima, so both should be small. */
  endForces: [number, number];
}

/**
 * The shortest vectors (minimum image) equal to the Cartesian displacements `d` (3 per atom) up to
 * lattice vectors along the periodic directions: each wrapped to fractional −½…½ and then the nearest of
 * its 27 neighbours (exact for a reduced cell, as ASE's `find_mic`).
 */
export function minimumImage(d: Float64Array, lattice: Mat3 | null, pbc: readonly boolean[]): Float64Array {
  const out = Float64Array.from(d);
  if (!lattice || !pbc.some((p) => p)) return out;
  const inv = invert(lattice);
  if (!inv) throw new SimulationInputError('the lattice is singular');
  const range = (axis: number) => (pbc[axis] ? [-1, 0, 1] : [0]);
  for (let i = 0; i < d.length; i += 3) {
    const f = [0, 1, 2].map((k) => d[i] * inv[0][k] + d[i + 1] * inv[1][k] + d[i + 2] * inv[2][k]);
    for (let k = 0; k < 3; k++) if (pbc[k]) f[k] -= Math.round(f[k]);
    let best = Infinity;
    for (const a of range(0))
      for (const b of range(1))
        for (const c of range(2)) {
          const g = [f[0] + a, f[1] + b, f[2] + c];
          const v = [0, 1, 2].map((k) => g[0] * lattice[0][k] + g[1] * lattice[1][k] + g[2] * lattice[2][k]);
          const r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
          if (r2 < best - 1e-12) {
            best = r2;
            out.set(v, i);
          }
        }
  }
  return out;
}

/**
 * The end state of a band from `start` as the positions its atoms take there: `end` must hold the same
 * atoms in the same order (elements and count) and the same cell (within 1e-4 Å per lattice vector
 * component), or a `SimulationInputError` says what differs.
 */
export function bandEnd(start: Structure, end: Structure): number[] {
  const n = start.numbers.length;
  if (end.numbers.length !== n) throw new SimulationInputError(`the end state has ${end.numbers.length} atoms, the start ${n}: a band joins two states of the same atoms`);
  for (let i = 0; i < n; i++) {
    if (end.numbers[i] !== start.numbers[i]) {
      throw new SimulationInputError(`site ${i + 1} is ${elementSymbol(start.numbers[i])} at the start and ${elementSymbol(end.numbers[i])} in the end state: a band joins two states of the same atoms in the same order`);
    }
  }
  if (!start.lattice !== !end.lattice || start.pbc.some((p, k) => p !== end.pbc[k])) throw new SimulationInputError('the start and the end state are not periodic in the same directions');
  if (start.lattice && end.lattice) {
    const apart = Math.max(...start.lattice.flatMap((row, i) => row.map((x, k) => Math.abs(x - end.lattice![i][k]))));
    if (apart > 1e-4) throw new SimulationInputError(`the cells of the start and the end state differ by up to ${apart.toFixed(4)} Å: a band keeps its cell`);
  }
  return Array.from(end.cart);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const norm = (a: Float64Array) => Math.sqrt(dot(a, a));

/** The improved tangent at inner image i from the springs to its neighbours (t1 = R_i − R_{i−1}, t2 = R_{i+1} − R_i), normalised. */
function tangent(energies: readonly number[], i: number, t1: Float64Array, t2: Float64Array): Float64Array {
  const [before, here, after] = [energies[i - 1], energies[i], energies[i + 1]];
  let t: Float64Array;
  if (after > here && here > before) t = Float64Array.from(t2);
  else if (after < here && here < before) t = Float64Array.from(t1);
  else {
    const big = Math.max(Math.abs(after - here), Math.abs(before - here));
    const small = Math.min(Math.abs(after - here), Math.abs(before - here));
    const [w2, w1] = after > before ? [big, small] : [small, big];
    t = t2.map((x, k) => w2 * x + w1 * t1[k]);
  }
  const n = norm(t);
  return n > 0 ? t.map((x) => x / n) : t;
}

/**
 * Relaxes the band from `start` (its atoms, cell and held atoms) to `end` (Cartesian positions of the
 * same atoms, 3 per atom) with `calculator`. The ends are not moved: relax them first.
 */
export async function nudgedElasticBand(start: Atoms, end: Float64Array, calculator: Calculator, options: NebOptions = {}): Promise<NebResult> {
  const o = { ...NEB_DEFAULTS, ...options };
  const n = start.length;
  if (!(Number.isInteger(o.images) && o.images >= 1)) throw new SimulationInputError(`the band needs at least one image between the ends, got ${o.images}`);
  if (!(o.spring > 0)) throw new SimulationInputError(`the spring constant must be positive, got ${o.spring} eV/Å²`);
  if (!(o.fmax > 0)) throw new SimulationInputError(`fmax must be a positive number of eV/Å, got ${o.fmax}`);
  if (!(Number.isInteger(o.maxSteps) && o.maxSteps >= 0)) throw new SimulationInputError(`the number of steps must be a non-negative integer, got ${o.maxSteps}`);
  if (end.length !== 3 * n) throw new SimulationInputError(`the end state has ${end.length / 3} atoms, the start ${n}: a band joins two states of the same atoms`);
  if (start.symmetry) throw new SimulationInputError('a band does not keep a space group: its images break it');

  // the end as the nearest image of the start's atoms: the straight line is each atom's shortest way
  const path = minimumImage(end.map((x, k) => x - start.cart[k]), start.lattice, start.pbc);
  for (let i = 0; i < n; i++) {
    const moved = Math.hypot(path[3 * i], path[3 * i + 1], path[3 * i + 2]);
    if (start.fixed?.[i] && moved > 1e-6) throw new SimulationInputError(`atom ${i} is held, but it is ${moved.toFixed(4)} Å apart at the two ends`);
  }
  const count = o.images + 2;
  const images = Array.from({ length: count }, (_, k) => {
    const a = start.clone();
    // held atoms stay where they are (`moveTo`); along the line otherwise
    if (k > 0) a.moveTo(start.cart.map((x, j) => x + (k / (count - 1)) * path[j]));
    return a;
  });

  const energies = new Array<number>(count).fill(0);
  const forces: Float64Array[] = images.map(() => new Float64Array(3 * n));
  const evaluate = async (k: number) => {
    const r = await calculator.calculate(images[k], { stress: false });
    energies[k] = r.energy;
    forces[k] = images[k].constrainVectors(Float64Array.from(r.forces));
  };
  await evaluate(0);
  await evaluate(count - 1);
  const endForces: [number, number] = [maxForce(forces[0]), maxForce(forces[count - 1])];

  const inner = o.images;
  /** The band's coordinates: the inner images' positions, one image after another. */
  const gather = () => {
    const x = new Float64Array(inner * 3 * n);
    for (let k = 1; k <= inner; k++) x.set(images[k].cart, (k - 1) * 3 * n);
    return x;
  };
  /** The band's forces (the inner images', one after the other), its largest and its highest image, at the images' positions. */
  const bandForces = async () => {
    for (let k = 1; k <= inner; k++) await evaluate(k);
    let highest = 1;
    for (let k = 2; k <= inner; k++) if (energies[k] > energies[highest]) highest = k;
    const out = new Float64Array(inner * 3 * n);
    const spring = (k: number) => minimumImage(images[k + 1].cart.map((v, j) => v - images[k].cart[j]), start.lattice, start.pbc);
    let t1 = spring(0);
    for (let k = 1; k <= inner; k++) {
      const t2 = spring(k);
      const tau = tangent(energies, k, t1, t2);
      const f = Float64Array.from(forces[k]);
      const along = dot(f, tau);
      if (o.climb && k === highest) {
        // the climbing image: the potential's force with its component along the path reversed
        for (let j = 0; j < f.length; j++) f[j] -= 2 * along * tau[j];
      } else {
        // the potential's force across the path, the springs' along it
        const pull = o.spring * (norm(t2) - norm(t1));
        for (let j = 0; j < f.length; j++) f[j] += (pull - along) * tau[j];
      }
      out.set(images[k].constrainVectors(f), (k - 1) * 3 * n);
      t1 = t2;
    }
    return { f: out, fmax: maxForce(out), highest };
  };

  const optimizer = makeOptimizer(o.optimizer);
  let step = 0;
  let band = await bandForces();
  const state = (): NebStep => ({
    step,
    energies: [...energies],
    fmax: band.fmax,
    highest: band.highest,
    positions: images.map((a) => Float64Array.from(a.cart)),
    forces: forces.map((f) => Float64Array.from(f)),
  });
  const distances = () => {
    const d = [0];
    for (let k = 1; k < count; k++) d.push(d[k - 1] + norm(minimumImage(images[k].cart.map((v, j) => v - images[k - 1].cart[j]), start.lattice, start.pbc)));
    return d;
  };
  const done = (status: NebStatus, message: string): NebResult => ({ ...state(), status, message, steps: step, distances: distances(), endForces });
  const describe = () => `fmax ${band.fmax.toPrecision(3)} eV/Å (tolerance ${o.fmax})`;
  for (;;) {
    if (!energies.every(Number.isFinite) || !Number.isFinite(band.fmax)) return done('failed', `the energy or the forces became non-finite at step ${step} (atoms too close, or a calculator failure)`);
    await o.onStep?.(state());
    if (band.fmax <= o.fmax) return done('converged', `converged in ${step} steps: ${describe()}`);
    if (step >= o.maxSteps) return done('not-converged', `did not converge in ${o.maxSteps} steps: ${describe()}`);
    if (o.signal?.aborted) return done('cancelled', `cancelled after ${step} steps: ${describe()}`);
    const next = optimizer.step(gather(), band.f);
    for (let k = 1; k <= inner; k++) images[k].moveTo(next.subarray((k - 1) * 3 * n, k * 3 * n));
    step++;
    band = await bandForces();
  }
}
