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
 * not send it across the cell; or on that line relaxed on the image-dependent pair potential (IDPP).
 */
import type { Mat3, Structure } from '../chem/structure';
import { elementSymbol } from '../chem/elements';
import { minimumImage } from '../chem/lattice';
import { maxForce } from '../chem/frames';
import { SimulationInputError, type AtomicConfiguration, type Atoms } from './atoms';
import type { Calculation, Calculator } from './calculator';
import { dot } from './matrix';
import { Mdmin, type Optimizer } from './optimizers';
import { makeOptimizer, relax, type RelaxResult } from './relax';

export const NEB_DEFAULTS = Object.freeze({ images: 5, spring: 0.1, climb: true, optimizer: 'fire' as const, fmax: 0.05, maxSteps: 500, path: 'linear' as const, relaxEnds: true });

/**
 * Where the images start: on the straight line between the ends, that line relaxed on the image-dependent
 * pair potential (IDPP), or images given (`NebOptions.startImages`: a band to go on from, a path from a file).
 */
export type NebPath = 'linear' | 'idpp' | 'given';

/** A state of the band after a step: every image's energy (the two ends included) and the largest force on an inner image. */
export interface NebStep {
  step: number;
  /** eV, image 0 (the start) to the end. */
  energies: number[];
  /** The largest NEB force on an atom of an inner image, eV/Å. */
  fmax: number;
  /** The highest inner image (1 … images). */
  highest: number;
  /** The path's length from the start to each image, Å (the distance between neighbours, minimum image, over all atoms). */
  distances: number[];
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
  path?: NebPath;
  /** With `path: 'given'`: the inner images' Cartesian positions (3 per atom each), from the start's side; they set the number of images. */
  startImages?: readonly Float64Array[];
  /** Relax the two ends first (the band's optimiser, fmax and step limit; held atoms held), so that the barrier is measured between minima. */
  relaxEnds?: boolean;
  /** Each step of an end's relaxation (before the band's own steps): where it is, and the largest force on it. */
  onEndStep?: (end: 'start' | 'end', step: number, fmax: number) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
  onStep?: (s: NebStep) => void | Promise<void>;
}

export type NebStatus = 'converged' | 'not-converged' | 'cancelled' | 'failed';

/** How the band ended: its state after the last step (`step`: the optimiser's steps taken), and why it stopped. */
export interface NebResult extends NebStep {
  status: NebStatus;
  message: string;
  /** The largest force on an atom at each end: a barrier is measured from minima, so both should be small. */
  endForces: [number, number];
  /** Where the images started: 'linear' also when IDPP was asked for and did not converge (the message says so). */
  path: NebPath;
  /** With `relaxEnds`: the optimiser's steps at the start and at the end, and whether each converged; null when the ends were taken as given. */
  relaxedEnds: RelaxedEnds | null;
}

/** How the two ends of a band were relaxed before it: steps and convergence, the start's then the end's. */
export interface RelaxedEnds {
  steps: [number, number];
  converged: [boolean, boolean];
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
      throw new SimulationInputError(`site ${i} is ${elementSymbol(start.numbers[i])} at the start and ${elementSymbol(end.numbers[i])} in the end state: a band joins two states of the same atoms in the same order`);
    }
  }
  if (!start.lattice !== !end.lattice || start.pbc.some((p, k) => p !== end.pbc[k])) throw new SimulationInputError('the start and the end state are not periodic in the same directions');
  if (start.lattice && end.lattice) {
    const apart = Math.max(...start.lattice.flatMap((row, i) => row.map((x, k) => Math.abs(x - end.lattice![i][k]))));
    if (apart > 1e-4) throw new SimulationInputError(`the cells of the start and the end state differ by up to ${apart.toFixed(4)} Å: a band keeps its cell`);
  }
  return Array.from(end.cart);
}

/**
 * Throws a `SimulationInputError` when `other` (the end state, or an image) has a `held` atom away from
 * its place in `start` (the nearest image, by more than 1e-6 Å): a band holds those atoms still. `other`
 * holds the same atoms in the same cell (`bandEnd`).
 */
export function heldInPlace(start: Structure, other: Structure, held: readonly number[]): void {
  const moves = minimumImage(other.cart.map((x, k) => x - start.cart[k]), start.lattice, start.pbc);
  for (const i of held) {
    const moved = Math.hypot(moves[3 * i], moves[3 * i + 1], moves[3 * i + 2]);
    if (moved > 1e-6) throw new SimulationInputError(`atom ${i} is held, but the end state has it ${moved.toFixed(4)} Å from its place at the start`);
  }
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
 * The image-dependent pair potential (Smidstrup, Pedersen, Stokbro and Jónsson, J. Chem. Phys. 140,
 * 214106 (2014)), ASE's `IDPP`: ½ Σ_{i≠j} (d_ij − d⁰_ij)² / d_ij⁴ for an image's own target distances d⁰
 * (interpolated between the ends'), every pair by its minimum image. Its minimum along the band is a
 * starting path on which no two atoms come closer than they are at either end.
 */
class IdppCalculator implements Calculator {
  readonly name = 'idpp';

  constructor(
    private readonly target: Float64Array,
    private readonly lattice: Mat3 | null,
    private readonly pbc: readonly boolean[],
  ) {}

  async calculate(atoms: AtomicConfiguration): Promise<Calculation> {
    const n = atoms.numbers.length;
    const { vectors, distances } = pairs(atoms.cart, this.lattice, this.pbc);
    const forces = new Float64Array(3 * n);
    let energy = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const d = distances[i * n + j];
        const dd = d - this.target[i * n + j];
        energy += (0.5 * dd * dd) / d ** 4;
        // ASE's force on atom j from the pair (i, j), D_ij = R_j − R_i
        const g = (-2 * dd * (1 - (2 * dd) / d)) / d ** 5;
        for (let c = 0; c < 3; c++) forces[3 * j + c] += g * vectors[3 * (i * n + j) + c];
      }
    }
    return { energy, forces, stress: null };
  }
}

/** Every ordered pair's vector R_j − R_i (minimum image) and length, row i·n + j. */
function pairs(cart: ArrayLike<number>, lattice: Mat3 | null, pbc: readonly boolean[]): { vectors: Float64Array; distances: Float64Array } {
  const n = cart.length / 3;
  const raw = new Float64Array(3 * n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < 3; c++) raw[3 * (i * n + j) + c] = cart[3 * j + c] - cart[3 * i + c];
  const vectors = minimumImage(raw, lattice, pbc);
  const distances = new Float64Array(n * n);
  for (let k = 0; k < n * n; k++) distances[k] = Math.hypot(vectors[3 * k], vectors[3 * k + 1], vectors[3 * k + 2]);
  return { vectors, distances };
}

interface BandState {
  status: NebStatus;
  message: string;
  step: number;
  energies: number[];
  forces: Float64Array[];
  fmax: number;
  highest: number;
}

/**
 * Relaxes the inner images of `images` in place, image k under `calculatorOf(k)` (the ends' energies and
 * forces first), until no atom of an inner image feels more than `fmax`.
 */
async function relaxBand(
  images: Atoms[],
  calculatorOf: (k: number) => Calculator,
  o: { spring: number; climb: boolean; optimizer: Optimizer; fmax: number; maxSteps: number; signal?: { readonly aborted: boolean }; onStep?: (s: NebStep) => void | Promise<void> },
): Promise<BandState> {
  const count = images.length;
  const inner = count - 2;
  const n = images[0].length;
  const { lattice, pbc } = images[0];
  const energies = new Array<number>(count).fill(0);
  const forces: Float64Array[] = images.map(() => new Float64Array(3 * n));
  const evaluate = async (k: number) => {
    const r = await calculatorOf(k).calculate(images[k], { stress: false });
    energies[k] = r.energy;
    forces[k] = images[k].constrainVectors(Float64Array.from(r.forces));
  };
  await evaluate(0);
  await evaluate(count - 1);
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
    const spring = (k: number) => minimumImage(images[k + 1].cart.map((v, j) => v - images[k].cart[j]), lattice, pbc);
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

  let step = 0;
  let band = await bandForces();
  const state = (status: NebStatus, message: string): BandState => ({ status, message, step, energies: [...energies], forces: forces.map((f) => Float64Array.from(f)), fmax: band.fmax, highest: band.highest });
  const describe = () => `fmax ${band.fmax.toPrecision(3)} eV/Å (tolerance ${o.fmax})`;
  for (;;) {
    if (!energies.every(Number.isFinite) || !Number.isFinite(band.fmax)) return state('failed', `the energy or the forces became non-finite at step ${step} (atoms too close, or a calculator failure)`);
    if (o.onStep) await o.onStep({ step, energies: [...energies], fmax: band.fmax, highest: band.highest, distances: bandDistances(images), positions: images.map((a) => Float64Array.from(a.cart)), forces: forces.map((f) => Float64Array.from(f)) });
    if (band.fmax <= o.fmax) return state('converged', `converged in ${step} steps: ${describe()}`);
    if (step >= o.maxSteps) return state('not-converged', `did not converge in ${o.maxSteps} steps: ${describe()}`);
    if (o.signal?.aborted) return state('cancelled', `cancelled after ${step} steps: ${describe()}`);
    const next = o.optimizer.step(gather(), band.f);
    for (let k = 1; k <= inner; k++) images[k].moveTo(next.subarray((k - 1) * 3 * n, k * 3 * n));
    step++;
    band = await bandForces();
  }
}

/**
 * Relaxes the band from `from` (its atoms, cell and held atoms) to `to` (Cartesian positions of the
 * same atoms, 3 per atom) with `calculator`. With `relaxEnds` (the default) each end is first relaxed
 * with the band's optimiser, fmax and step limit (ASE's scripts do so before building the band);
 * without, the ends are taken as given and never move. With `path:
 * 'idpp'`, the straight line is first relaxed on the image-dependent pair potential (ASE's
 * `interpolate(method='idpp')`: the same band, MDMin to fmax 0.1, at most 100 steps). With `path:
 * 'given'`, the band starts at `startImages`, each atom taken at its nearest image to where it is in the
 * image before (so a file that wrapped atoms into the cell gives the same band).
 */
export async function nudgedElasticBand(from: Atoms, to: Float64Array, calculator: Calculator, options: NebOptions = {}): Promise<NebResult> {
  const o = { ...NEB_DEFAULTS, ...options };
  let start = from;
  let end = to;
  const n = start.length;
  const given = o.path === 'given' ? o.startImages : undefined;
  if (o.path === 'given' && !given?.length) throw new SimulationInputError('a band from given images needs at least one image between the ends');
  const inner = given ? given.length : o.images;
  if (!(Number.isInteger(inner) && inner >= 1)) throw new SimulationInputError(`the band needs at least one image between the ends, got ${inner}`);
  if (!(o.spring > 0)) throw new SimulationInputError(`the spring constant must be positive, got ${o.spring} eV/Å²`);
  if (!(o.fmax > 0)) throw new SimulationInputError(`fmax must be a positive number of eV/Å, got ${o.fmax}`);
  if (!(Number.isInteger(o.maxSteps) && o.maxSteps >= 0)) throw new SimulationInputError(`the number of steps must be a non-negative integer, got ${o.maxSteps}`);
  if (end.length !== 3 * n) throw new SimulationInputError(`the end state has ${end.length / 3} atoms, the start ${n}: a band joins two states of the same atoms`);
  given?.forEach((image, k) => {
    if (image.length !== 3 * n) throw new SimulationInputError(`image ${k + 1} of the band has ${image.length / 3} atoms, the start ${n}: a band joins states of the same atoms`);
  });
  if (start.symmetry) throw new SimulationInputError('a band does not keep a space group: its images break it');

  let { line, trips } = straightLine(start, end);
  if (Math.max(0, ...trips) < SAME_ENDS) {
    throw new SimulationInputError(`the start and the end are the same structure (every atom within ${SAME_ENDS} Å of its place): a band joins two different states`);
  }
  trips.forEach((moved, i) => {
    if (start.fixed?.[i] && moved > 1e-6) throw new SimulationInputError(`atom ${i} is held, but it is ${moved.toFixed(4)} Å apart at the two ends`);
  });
  // every atom moved the same way: the same state, translated (its energy the same all along)
  const shift = [0, 1, 2].map((k) => line.reduce((sum, x, j) => (j % 3 === k ? sum + x : sum), 0) / n);
  const apart = Math.max(...Array.from({ length: n }, (_, i) => Math.hypot(...shift.map((d, k) => line[3 * i + k] - d))));
  if (apart < SAME_ENDS) {
    throw new SimulationInputError(
      `the end is the start moved as a whole by ${Math.hypot(...shift).toFixed(4)} Å (every atom within ${SAME_ENDS} Å of the same move): one state translated, which no band joins`,
    );
  }
  let relaxedEnds: RelaxedEnds | null = null;
  let endsNote = '';
  if (o.relaxEnds) {
    // each end to its minimum (held atoms stay), the end moved by the same shortest vectors as the line
    const first = start.clone();
    const last = start.clone();
    last.moveTo(start.cart.map((x, j) => x + line[j]));
    const relaxed: RelaxResult[] = [];
    for (const [k, a] of [first, last].entries()) {
      const which = k === 0 ? 'start' : 'end';
      relaxed.push(await relax(a, calculator, { optimizer: o.optimizer, fmax: o.fmax, maxSteps: o.maxSteps, signal: o.signal, onStep: (f) => o.onEndStep?.(which, f.step, f.fmax) }));
    }
    relaxedEnds = { steps: [relaxed[0].steps, relaxed[1].steps], converged: [relaxed[0].converged, relaxed[1].converged] };
    const stuck = (['start', 'end'] as const).filter((_, k) => relaxed[k].status === 'not-converged');
    // said when it moved them (ends at their minima already take no step)
    if (relaxed[0].steps + relaxed[1].steps > 0 || stuck.length) {
      endsNote = `; the ends relaxed first (${relaxed[0].steps} and ${relaxed[1].steps} steps)${stuck.length ? `, the ${stuck.join(' and the ')} not to fmax ${o.fmax} in ${o.maxSteps} steps` : ''}`;
    }
    start = first;
    end = last.cart;
    ({ line, trips } = straightLine(start, end));
  }
  const count = inner + 2;
  const images = given ? givenBand(start, given, end) : Array.from({ length: count }, (_, k) => {
    const a = start.clone();
    // held atoms stay where they are (`moveTo`); along the line otherwise
    if (k > 0) a.moveTo(start.cart.map((x, j) => x + (k / (count - 1)) * line[j]));
    return a;
  });
  const { lattice, pbc } = start;
  const band = { spring: o.spring, climb: o.climb, signal: o.signal };

  let path: NebPath = given ? 'given' : 'linear';
  let note = '';
  if (o.path === 'idpp') {
    const straight = images.map((a) => Float64Array.from(a.cart));
    // each image's target distances on the line between the ends' (minimum image)
    const [first, last] = [pairs(images[0].cart, lattice, pbc).distances, pairs(images[count - 1].cart, lattice, pbc).distances];
    const idpp = images.map((_, k) => new IdppCalculator(first.map((d, j) => d + (k * (last[j] - d)) / (count - 1)), lattice, pbc));
    const r = await relaxBand(images, (k) => idpp[k], { ...band, optimizer: new Mdmin(), fmax: IDPP.fmax, maxSteps: IDPP.maxSteps });
    if (r.status === 'cancelled') {
      const stopped = await relaxBand(images, () => calculator, { ...band, optimizer: makeOptimizer(o.optimizer), fmax: o.fmax, maxSteps: 0 });
      return result({ ...stopped, status: 'cancelled', message: `cancelled while finding the starting path (IDPP): ${r.message}` }, 'idpp');
    }
    // ASE 3.22 goes on from wherever its MDMin stopped: atoms passing close on the line can fly tens of Å
    // apart, where the pair potential is flat. Such a path, or none, is not taken.
    const off = farthestOff(images, straight);
    const trip = Math.max(...trips);
    const why =
      r.status === 'failed'
        ? 'failed'
        : r.status === 'not-converged'
          ? `did not converge in ${IDPP.maxSteps} steps (fmax ${r.fmax.toPrecision(3)} on its pair potential)`
          : off.distance > trip
            ? `moved atom ${off.atom} of image ${off.image} ${off.distance.toFixed(2)} Å off the straight line, farther than any atom travels between the ends (${trip.toFixed(2)} Å)`
            : null;
    if (why === null) path = 'idpp';
    else {
      straight.forEach((cart, k) => images[k].moveTo(cart));
      note = `; the starting path (IDPP) ${why}, so the images started on the straight line`;
    }
  }
  const r = await relaxBand(images, () => calculator, { ...band, optimizer: makeOptimizer(o.optimizer), fmax: o.fmax, maxSteps: o.maxSteps, onStep: o.onStep });
  return result({ ...r, message: r.message + endsNote + note }, path);

  function result(r: BandState, startedOn: NebPath): NebResult {
    return {
      ...r,
      positions: images.map((a) => Float64Array.from(a.cart)),
      distances: bandDistances(images),
      endForces: [maxForce(r.forces[0]), maxForce(r.forces[count - 1])],
      path: startedOn,
      relaxedEnds,
    };
  }
}

/** Ends no atom of which is this far apart (Å; minimum image) are one state: no band joins them. */
const SAME_ENDS = 1e-4;

/**
 * The straight line from `start` to `end` (Cartesian positions of its atoms): each atom's shortest way
 * there (the minimum image), and how far each atom travels.
 */
function straightLine(start: Atoms, end: Float64Array): { line: Float64Array; trips: number[] } {
  const line = minimumImage(end.map((x, k) => x - start.cart[k]), start.lattice, start.pbc);
  return { line, trips: Array.from({ length: start.length }, (_, i) => Math.hypot(line[3 * i], line[3 * i + 1], line[3 * i + 2])) };
}

/** The path's length from the first image to each, Å: the distances between neighbours (minimum image, over all atoms) added up. */
function bandDistances(images: readonly Atoms[]): number[] {
  const { lattice, pbc } = images[0];
  const distances = [0];
  for (let k = 1; k < images.length; k++) distances.push(distances[k - 1] + norm(minimumImage(images[k].cart.map((v, j) => v - images[k - 1].cart[j]), lattice, pbc)));
  return distances;
}

/** Points of `bandFit`'s curve between two neighbouring images (ASE's `fit_raw`). */
const FIT_POINTS = 20;

/**
 * The energy along the band between its images, as ASE's NEBTools draws and measures it (`fit_images`):
 * on each stretch between neighbours, the cubic through their energies (from the start's) whose slopes
 * are the potential's forces along the path there (the direction to the next image at the ends, to the
 * neighbours' difference between them), 20 points a stretch and the end. Its highest point is
 * NEBTools' fitted barrier: above the highest image when no image sits at the saddle point.
 */
export function bandFit(energies: readonly number[], forces: readonly Float64Array[], positions: readonly Float64Array[], distances: readonly number[]): { distances: number[]; energies: number[]; barrier: number } {
  const count = energies.length;
  const e = energies.map((x) => x - energies[0]);
  const slopes = energies.map((_, k) => {
    const [a, b] = k === 0 ? [0, 1] : k === count - 1 ? [count - 2, count - 1] : [k - 1, k + 1];
    const direction = positions[b].map((x, j) => x - positions[a][j]);
    return -dot(forces[k], direction) / norm(direction);
  });
  const fit = { distances: [] as number[], energies: [] as number[] };
  for (let k = 1; k < count; k++) {
    const [s0, s1] = [distances[k - 1], distances[k]];
    // Hermite form of the cubic with these ends and slopes
    const h = s1 - s0;
    for (let p = 0; p < FIT_POINTS; p++) {
      const x = s0 + (h * p) / FIT_POINTS;
      const t = (x - s0) / h;
      const y = (2 * t ** 3 - 3 * t ** 2 + 1) * e[k - 1] + (t ** 3 - 2 * t ** 2 + t) * h * slopes[k - 1] + (-2 * t ** 3 + 3 * t ** 2) * e[k] + (t ** 3 - t ** 2) * h * slopes[k];
      fit.distances.push(x);
      fit.energies.push(y);
    }
  }
  fit.distances.push(distances[count - 1]);
  fit.energies.push(e[count - 1]);
  return { ...fit, barrier: Math.max(...fit.energies) };
}

/**
 * The band through `given` (the inner images' positions) from `start` to `end`: each image's atoms at
 * their nearest image to where they are in the image before, held atoms where the start has them (an
 * image that moves one is refused).
 */
function givenBand(start: Atoms, given: readonly Float64Array[], end: Float64Array): Atoms[] {
  const { lattice, pbc } = start;
  const images = [start.clone()];
  for (const [k, cart] of [...given, end].entries()) {
    const before = images[k].cart;
    const step = minimumImage(cart.map((x, j) => x - before[j]), lattice, pbc);
    const a = start.clone();
    const placed = before.map((x, j) => x + step[j]);
    for (let i = 0; i < start.length; i++) {
      const off = Math.hypot(placed[3 * i] - start.cart[3 * i], placed[3 * i + 1] - start.cart[3 * i + 1], placed[3 * i + 2] - start.cart[3 * i + 2]);
      if (start.fixed?.[i] && off > 1e-6) throw new SimulationInputError(`atom ${i} is held, but image ${k + 1} has it ${off.toFixed(4)} Å from the start`);
    }
    a.moveTo(placed);
    images.push(a);
  }
  return images;
}

/** The atom of an image farthest from where it was (`before`, per image), and how far, Å. */
function farthestOff(images: readonly Atoms[], before: readonly Float64Array[]): { image: number; atom: number; distance: number } {
  let best = { image: 0, atom: 0, distance: 0 };
  images.forEach((a, k) => {
    for (let i = 0; i < a.length; i++) {
      const d = Math.hypot(a.cart[3 * i] - before[k][3 * i], a.cart[3 * i + 1] - before[k][3 * i + 1], a.cart[3 * i + 2] - before[k][3 * i + 2]);
      if (d > best.distance) best = { image: k, atom: i, distance: d };
    }
  });
  return best;
}

/** ASE's `idpp_interpolate`: MDMin to fmax 0.1 eV/Å (of the pair potential), at most 100 steps. */
const IDPP = Object.freeze({ fmax: 0.1, maxSteps: 100 });
