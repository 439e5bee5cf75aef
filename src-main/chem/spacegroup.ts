/**
 * Space groups through moyo (`@spglib/moyo-wasm`, by spglib's authors: a maintained symmetry
 * finder compiled to WebAssembly, no native build): the space group of a structure, and its
 * standard primitive and conventional cells. Checked against spglib (Debian's python3-spglib) on
 * real CIFs: docs/structures.md, scripts/chem/compare_spacegroups.py.
 *
 * Sites are typed as spglib's users (pymatgen's SpacegroupAnalyzer) type them: one type per
 * distinct site content (element and occupancy; a position shared by several partial sites is one
 * site whose content is the set of species and occupancies), so a disordered structure has the
 * symmetry of its average structure.
 *
 * moyo runs in a thread of its own (`moyo-worker.ts`, started at the first search and kept, not holding
 * the process open when idle): its WebAssembly memory grows during a search, and a process whose
 * memory grew once runs every numeric loop after it 1.2–1.5× slower (BENCHMARKS.md). So every search
 * here is asynchronous.
 */
import type { Worker } from 'node:worker_threads';
import type { MoyoCell, MoyoDataset, MoyoOperation, MoyoSpaceGroupType } from '@spglib/moyo-wasm';
import { elementSymbol } from '../../src-shared/chem';
import type { Mat3, Structure } from '../../src-shared/chem';
import { determinant, fracToCart, wrapFraction } from '../../src-shared/chem/lattice';
import { primitiveReduction } from '../../src-shared/chem/primitive';
import type { CrystalSystem, SpaceGroupChange, SpaceGroupSummary } from '../../src-shared/chem/spacegroup';
import { spglibStandardCells } from '../../src-shared/chem/standard';
import type { SymmetryOperations } from '../../src-shared/sim/symmetry';
import type { SimulationOutcome } from '../../src-shared/sim/job';
import { spawnWorker, workerUrl } from '../workers/spawn';
import type { SymmetryQuestion, SymmetryReply, SymmetryRequest } from './moyo';
import { isGroup, metricDeviation, SpglibTest, symmetrized, type AffineOp, type TypedSites } from './spglib-test';

/** spglib's and pymatgen's default distance tolerance, Å. */
export const DEFAULT_SYMPREC = 0.01;

/** The symmetry thread, its requests waiting for a reply, and the next request's id. */
let thread: Worker | null = null;
type Answer = MoyoDataset | MoyoSpaceGroupType | MoyoOperation[];
const waiting = new Map<number, { resolve: (r: Answer) => void; reject: (e: Error) => void }>();
let nextId = 0;

/** Asks the symmetry thread (started at the first call); the thread holds the process open only while a reply is due. */
function ask(question: SymmetryQuestion): Promise<Answer> {
  if (!thread) {
    const started = spawnWorker(workerUrl('../chem/moyo-worker.ts', 'symmetry-worker'));
    started.on('message', (reply: SymmetryReply) => {
      const w = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (waiting.size === 0) started.unref();
      if (reply.ok) w?.resolve(reply.result);
      else w?.reject(new Error(reply.message));
    });
    const fail = (e: Error) => {
      if (thread === started) thread = null;
      for (const w of waiting.values()) w.reject(new SymmetryThreadFailed(e.message));
      waiting.clear();
    };
    started.on('error', fail);
    started.on('exit', (code) => fail(new Error(`its thread exited (code ${code})`)));
    thread = started;
  }
  const id = nextId++;
  thread.ref();
  thread.postMessage({ ...question, id } satisfies SymmetryRequest);
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

/**
 * The symmetry thread failed (crashed, ran out of memory, was ended) before it answered: the search did not
 * run to its end, so nothing is known of the structure's group at this tolerance or another.
 */
export class SymmetryThreadFailed extends Error {
  override name = 'SymmetryThreadFailed';
  constructor(cause: string) {
    super(`the symmetry search's thread failed before it answered (${cause}): the search did not finish`);
  }
}

/** A site content: the species and occupancies at one position (several entries for substitutional disorder). */
interface SiteGroup {
  numbers: number[];
  occupancy: number[];
  /** Index of the first original site of this position (for site properties such as labels). */
  first: number;
  frac: [number, number, number];
}

const SAME_POSITION = 1e-4; // fractional; the readers put partial sites of one position at the same coordinates

/** A lattice (rows) as moyo takes it: row-major. */
function moyoLattice(l: Mat3): MoyoCell['lattice'] {
  return { basis: [l[0][0], l[0][1], l[0][2], l[1][0], l[1][1], l[1][2], l[2][0], l[2][1], l[2][2]] };
}

/** Groups the sites of a structure by position and gives each distinct content a type number. */
function typedCell(s: Structure): { cell: MoyoCell; groups: SiteGroup[]; contents: SiteGroup[] } {
  if (!s.lattice || !s.frac) throw new Error('a molecule has no space group');
  const groups: SiteGroup[] = [];
  const n = s.numbers.length;
  for (let i = 0; i < n; i++) {
    const f: [number, number, number] = [s.frac[3 * i], s.frac[3 * i + 1], s.frac[3 * i + 2]];
    const g = s.occupancy[i] < 1 ? groups.find((x) => x.frac.every((v, k) => Math.abs(v - f[k]) < SAME_POSITION)) : undefined;
    if (g) {
      g.numbers.push(s.numbers[i]);
      g.occupancy.push(s.occupancy[i]);
    } else groups.push({ numbers: [s.numbers[i]], occupancy: [s.occupancy[i]], first: i, frac: f });
  }
  const key = (g: SiteGroup) =>
    g.numbers
      .map((z, k) => `${z}:${g.occupancy[k].toFixed(4)}`)
      .sort()
      .join(',');
  const typeOf = new Map<string, number>();
  const contents: SiteGroup[] = [];
  const numbers = groups.map((g) => {
    const k = key(g);
    let t = typeOf.get(k);
    if (t === undefined) {
      t = contents.length + 1;
      typeOf.set(k, t);
      contents.push(g);
    }
    return t;
  });
  return {
    cell: {
      lattice: moyoLattice(s.lattice),
      positions: groups.map((g) => g.frac),
      numbers,
    },
    groups,
    contents,
  };
}

/** What the symmetry search finds: the group, its standard cells, and its operations on the cell as given (row-major rotations on fractional coordinates). */
interface Analysis {
  number: number;
  std_cell: MoyoCell;
  /** Made when asked: a supercell's are the primitive's times its pure translations (a 23×23×23 NaCl supercell: 2.3 million). */
  operations(): { rotations: number[][]; translations: number[][] };
}

/** moyo's search at symprec; where moyo itself finds no group, the error says to try another tolerance (a failed thread says so, SymmetryThreadFailed). */
async function moyo(cell: MoyoCell, symprec: number): Promise<MoyoDataset> {
  try {
    return (await ask({ kind: 'analyze', cell: JSON.stringify(cell), symprec })) as MoyoDataset;
  } catch (e) {
    if (e instanceof SymmetryThreadFailed) throw e;
    throw new Error(`the symmetry search failed at symprec ${symprec} Å (${(e as Error).message}): try another tolerance`);
  }
}

/** A search's answer: the group's number, its standard cell, its operations on the searched cell. */
type Found = Pick<MoyoDataset, 'number' | 'std_cell' | 'operations'>;

const asAffine = (o: MoyoOperation): AffineOp => ({ r: rowMajor(o.rotation), t: o.translation });

/**
 * moyo's search, held to spglib's test at symprec (src-main/chem/spglib-test.ts; docs/structures.md, Tolerance):
 * each operation is tested on the cell as given (`given`, the searched cell's operation written on it by
 * `onGiven`, with the best of the cell's pure translations `pure`). Where moyo's operations all pass at the
 * tolerance asked, they are the answer. Otherwise (moyo's translation, fitted to all atoms, keeps operations
 * spglib's, fixed on one atom, refuses; or moyo found no group at symprec and halved its own tolerance) the
 * candidates are moyo's operations at symprec and at twice it, each at the tolerance it needs: the larger of
 * how far spglib's test leaves the atoms and how far the rotation moves the lattice's metric (spglib's
 * `is_identity_metric`). The answer is spglib's: the candidates within τ = symprec, 0.95·symprec,
 * 0.95²·symprec, …, at the first τ where they are a group. moyo names that group from the cell made exactly
 * symmetric under it, at symprec/100, and its answer is taken where it has the same rotations. The identity
 * passes at every τ: at worst the answer is P1.
 */
async function heldBySpglib(cell: MoyoCell, symprec: number, given: TypedSites, onGiven: (o: AffineOp) => AffineOp, pure?: readonly number[][]): Promise<Found> {
  const test = new SpglibTest(given, symprec);
  // each operation's test on the given cell is its own step (65 ms on 64,000 sites): between them the thread hears a stop signal
  const distance = async (o: AffineOp) => {
    await tick();
    return test.distance(onGiven(o), pure);
  };
  const first = await moyo(cell, symprec);
  if (first.symprec >= symprec && (await everyInTurn(first.operations, async (o) => (await distance(asAffine(o))) < symprec))) return first;
  const searchedSites: TypedSites = { lattice: rows(cell.lattice.basis), positions: cell.positions, types: cell.numbers };
  const candidates: { op: AffineOp; distance: number }[] = [];
  // a search at twice symprec that moyo gives up on adds no candidates
  const wider = await moyo(cell, 2 * symprec).catch((e: unknown) => {
    if (e instanceof SymmetryThreadFailed) throw e;
    return null;
  });
  for (const o of [...first.operations, ...(wider?.operations ?? [])].map(asAffine)) {
    const d = Math.max(metricDeviation(searchedSites.lattice, o.r), await distance(o));
    // one operation found at both tolerances: the same rotation, its translation fixed on the same atom, the same distance
    const again = candidates.some((c) => c.op.r.every((x, k) => x === o.r[k]) && Math.abs(c.distance - d) < 1e-12);
    if (d < symprec && !again) candidates.push({ op: o, distance: d });
  }
  let previous = -1;
  for (let k = 0, tau = symprec; k <= 100; k++, tau *= 0.95) {
    const ops = candidates.filter((c) => c.distance < tau).map((c) => c.op);
    if (ops.length === previous) continue;
    previous = ops.length;
    if (!isGroup(ops, searchedSites.lattice, 2 * symprec)) continue;
    const exact = symmetrized(searchedSites, ops, 2 * symprec);
    if (!exact) continue;
    const named = await moyo({ lattice: moyoLattice(exact.lattice), positions: exact.positions as [number, number, number][], numbers: cell.numbers }, symprec / 100);
    if (rotationsOf(named.operations.map(asAffine)) === rotationsOf(ops)) return named;
  }
  return { number: 1, std_cell: cell, operations: [{ rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0] }] };
}

/**
 * The search of a cell (`heldBySpglib`). A left-handed cell (det < 0) is searched in its inverted basis (−a, −b,
 * −c; fractional positions −x): the same atoms at the same places, right-handed. moyo 0.15 identifies the group
 * from the operations on fractional coordinates as if the basis were right-handed, so on a left-handed basis it
 * names the mirror image's group (quartz P3₂21 as P3₁21) and returns the mirror image's standard cell,
 * left-handed. An operation x′ ↦ R·x′ + t′ of the inverted cell is x ↦ R·x − t′ on the cell as given.
 */
async function searched(cell: MoyoCell, symprec: number, given: TypedSites, onGiven: (o: AffineOp) => AffineOp, pure?: readonly number[][]): Promise<Found> {
  if (determinant(rows(cell.lattice.basis)) >= 0) return heldBySpglib(cell, symprec, given, onGiven, pure);
  const inverted: MoyoCell = {
    lattice: moyoLattice(rows(cell.lattice.basis).map((v) => v.map((x) => -x)) as Mat3),
    positions: cell.positions.map((p) => p.map((x) => wrapFraction(-x)) as [number, number, number]),
    numbers: cell.numbers,
  };
  const back = (t: readonly number[]) => t.map((x) => wrapFraction(-x)) as [number, number, number];
  const d = await heldBySpglib(inverted, symprec, given, (o) => onGiven({ r: o.r, t: back(o.t) }), pure);
  return { number: d.number, std_cell: d.std_cell, operations: d.operations.map((o) => ({ ...o, translation: back(o.translation) })) };
}

/** A turn of the event loop: what waits on it (a stop signal's listener) runs. */
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Whether `test` holds for every item, tested one at a time, stopping at the first that fails. */
async function everyInTurn<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<boolean> {
  for (const item of items) if (!(await test(item))) return false;
  return true;
}

/** The rotations of a set of operations, as a comparable key. */
const rotationsOf = (ops: readonly AffineOp[]) =>
  ops
    .map((o) => o.r.join())
    .sort()
    .join(';');

/** moyo lists a rotation column by column: row-major is its transpose. */
const rowMajor = (r: readonly number[]) => [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]];

/**
 * The symmetry of a typed cell. A cell with pure translations (a supercell, a centred cell) is searched as
 * its primitive cell (src-shared/chem/primitive.ts: moyo's own search on a perfect supercell grows as the cube
 * of its atoms), and the primitive's operations are written on the given cell: R = Qᵀ·R'·Aᵀ and t = Qᵀ·t'
 * (Q the primitive's vectors in the given cell's coordinates, A its inverse), kept where R is an integer
 * matrix (an operation of the crystal that maps the given cell onto itself, as spglib keeps them), each with
 * every pure translation.
 */
async function analyse(s: Structure, symprec: number, maxSites = Infinity): Promise<{ data: Analysis; contents: SiteGroup[] }> {
  const { cell, contents } = typedCell(s);
  const given: TypedSites = { lattice: rows(cell.lattice.basis), positions: cell.positions, types: cell.numbers };
  const reduction = primitiveReduction(given.lattice, Float64Array.from(cell.positions.flat()), Int32Array.from(cell.numbers), symprec);
  const searchedSites = reduction ? reduction.types.length : cell.numbers.length;
  if (searchedSites > maxSites) throw new SpaceGroupSearchSkipped(searchedSites, maxSites);
  if (!reduction) {
    const d = await searched(cell, symprec, given, (o) => o);
    const operations = () => ({ rotations: d.operations.map((o) => rowMajor(o.rotation)), translations: d.operations.map((o) => Array.from(o.translation)) });
    return { data: { number: d.number, std_cell: d.std_cell, operations }, contents };
  }
  const { lattice: p, frac, types, basis: q, toGiven: a, translations: pure } = reduction;
  // Qᵀ·R'·Aᵀ, entry (i, j) = Σ q[m][i]·R'[m][n]·a[j][n]; Qᵀ·t'
  const onGiven = ({ r, t }: AffineOp): AffineOp => ({
    r: [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((x, m) => x + q[m][i] * (r[3 * m] * a[j][0] + r[3 * m + 1] * a[j][1] + r[3 * m + 2] * a[j][2]), 0))),
    t: [0, 1, 2].map((i) => q[0][i] * t[0] + q[1][i] * t[1] + q[2][i] * t[2]),
  });
  const d = await searched(
    {
      lattice: moyoLattice(p),
      positions: Array.from({ length: types.length }, (_, i): [number, number, number] => [frac[3 * i], frac[3 * i + 1], frac[3 * i + 2]]),
      numbers: Array.from(types),
    },
    symprec,
    given,
    onGiven,
    pure,
  );
  const operations = () => {
    const rotations: number[][] = [];
    const translations: number[][] = [];
    for (const o of d.operations) {
      const { r, t } = onGiven(asAffine(o));
      const integer = r.map(Math.round);
      if (r.some((x, k) => Math.abs(x - integer[k]) > 1e-6)) continue;
      for (const u of pure) {
        rotations.push(integer);
        translations.push(t.map((x, k) => wrapFraction(x + u[k])));
      }
    }
    return { rotations, translations };
  };
  return { data: { number: d.number, std_cell: d.std_cell, operations }, contents };
}

/**
 * The most sites a space-group search is given unasked (reading a file, importing, `structure info`): the
 * sites of the cell it searches, the primitive cell of a supercell. moyo's search of a cell without pure
 * translations grows as the square of its sites, and that is every MD snapshot (rattled fcc Cu, P1: 4,000
 * sites 2.2 s, 10,000 ~13 s, 16,384 36 s, 62,500 over 9 min); a perfect supercell of any size is searched as
 * its primitive cell, in seconds. Over it the search is skipped with a warning that says how to ask for it.
 */
export const SPACE_GROUP_SEARCH_MAX_SITES = 10_000;

/** A search not run: the cell it would search has more sites than the caller's bound (SPACE_GROUP_SEARCH_MAX_SITES). */
export class SpaceGroupSearchSkipped extends Error {
  constructor(
    readonly sites: number,
    readonly maxSites: number,
  ) {
    super(
      `the space group was not searched: its cell has ${sites.toLocaleString('en')} sites once its pure translations are taken out, over the ${maxSites.toLocaleString('en')} searched unasked (the search grows as the square of the sites); ask for it with structure info --symmetry-max-sites N, or in the app with the tolerance beside the space group`,
    );
    this.name = 'SpaceGroupSearchSkipped';
  }
}

/**
 * The space group of a periodic structure, null for a molecule (or a structure periodic in fewer than 3
 * directions). Over `maxSites` sites searched (SPACE_GROUP_SEARCH_MAX_SITES unless the caller asks for
 * more) it throws SpaceGroupSearchSkipped.
 */
export async function findSpaceGroup(s: Structure, symprec = DEFAULT_SYMPREC, maxSites = SPACE_GROUP_SEARCH_MAX_SITES): Promise<SpaceGroupSummary | null> {
  if (!s.lattice || !s.frac || !s.pbc.every(Boolean) || s.numbers.length === 0) return null;
  const { data } = await analyse(s, symprec, maxSites);
  return spaceGroupOfNumber(data.number, symprec);
}

/** Symbol (spglib's short international symbol, e.g. `P2_1/c`) and crystal system of space group `number`. */
async function spaceGroupOfNumber(number: number, symprec = DEFAULT_SYMPREC): Promise<SpaceGroupSummary> {
  const t = (await ask({ kind: 'type', number })) as MoyoSpaceGroupType;
  const system = t.crystal_system.toLowerCase();
  return {
    number,
    symbol: t.hm_short.replace(/ /g, ''),
    crystalSystem: system as CrystalSystem,
    symprec,
  };
}

function rows(basis: readonly number[]): Mat3 {
  return [
    [basis[0], basis[1], basis[2]],
    [basis[3], basis[4], basis[5]],
    [basis[6], basis[7], basis[8]],
  ];
}

/**
 * The standard primitive or conventional cell of a structure, spglib's (`spglib.standardize_cell(to_primitive,
 * no_idealize=False)`: its choice of cell, its idealised lattice in its orientation; src-shared/chem/standard.ts
 * makes it from moyo's standard cell), as a new structure: species and occupancies carried over per site,
 * per-site properties (forces, labels…) dropped since sites are remade by symmetry.
 */
export async function standardCell(s: Structure, kind: 'primitive' | 'conventional', symprec = DEFAULT_SYMPREC): Promise<Structure> {
  if (!s.lattice || !s.frac || !s.pbc.every(Boolean)) throw new Error('only a crystal periodic in three directions has a standard cell');
  const { data, contents } = await analyse(s, symprec);
  const sg = await spaceGroupOfNumber(data.number, symprec);
  const operations = (await ask({ kind: 'operations', number: data.number })) as MoyoOperation[];
  const cells = spglibStandardCells(
    { lattice: rows(data.std_cell.lattice.basis), frac: data.std_cell.positions, types: data.std_cell.numbers },
    data.number,
    sg.symbol[0],
    operations.map((o) => ({ rotation: rowMajor(o.rotation), translation: o.translation })),
    s.lattice,
    symprec,
  );
  const cell = kind === 'primitive' ? cells.primitive : cells.conventional;
  const lattice = cell.lattice;
  const numbers: number[] = [];
  const occupancy: number[] = [];
  const frac: number[] = [];
  cell.frac.forEach((p, i) => {
    const content = contents[cell.types[i] - 1];
    content.numbers.forEach((z, k) => {
      numbers.push(z);
      occupancy.push(content.occupancy[k]);
      frac.push(wrapFraction(p[0]), wrapFraction(p[1]), wrapFraction(p[2]));
    });
  });
  const f = Float64Array.from(frac);
  return {
    name: `${s.name} (${kind} cell, ${sg.symbol})`,
    lattice,
    pbc: [true, true, true],
    numbers: Int32Array.from(numbers),
    species: numbers.map((z) => elementSymbol(z)),
    cart: fracToCart(f, lattice),
    frac: f,
    occupancy: Float64Array.from(occupancy),
    siteProperties: {},
    properties: { ...s.properties },
  };
}

/**
 * The space group's operations on the structure's own cell (x ↦ R·x + t on fractional coordinates,
 * spglib's convention), for a relaxation that keeps them (src-shared/sim/symmetry.ts). Throws for a
 * structure that is not a 3D-periodic crystal.
 */
export async function symmetryOperations(s: Structure, symprec = DEFAULT_SYMPREC): Promise<SymmetryOperations> {
  if (!s.lattice || !s.frac || !s.pbc.every(Boolean) || s.numbers.length === 0) throw new Error('keeping the symmetry needs a crystal: a structure periodic in all three directions');
  const { data } = await analyse(s, symprec);
  const group = await spaceGroupOfNumber(data.number, symprec);
  return {
    ...data.operations(),
    symbol: group.symbol,
    number: group.number,
    symprec,
  };
}

/**
 * The largest structure whose relaxation reports its space groups unasked: a report must not take longer
 * than the relaxation it describes. A perfect supercell is searched as its primitive cell (milliseconds);
 * what grows is a large cell with few pure translations and many operations (fcc Cu with a vacancy,
 * measured here: 499 atoms 0.3 s, 863 atoms 0.8 s, 2,047 atoms 3.3 s, 3,999 atoms 13 s).
 */
export const SPACE_GROUP_REPORT_MAX_SITES = 1000;

/**
 * A relaxation's space group at the start and at the end (at the default tolerance), or null when the
 * structure is not a 3D crystal, has more than SPACE_GROUP_REPORT_MAX_SITES atoms, or the symmetry
 * search fails (which does not fail the run). A run that kept its symmetry (`kept`, found at its
 * start) has the start's group already: only the end is searched.
 */
export async function relaxationSpaceGroups(start: Structure, end: Structure, kept?: SymmetryOperations): Promise<SpaceGroupChange | null> {
  if (start.numbers.length > SPACE_GROUP_REPORT_MAX_SITES) return null;
  try {
    const a = kept ? await spaceGroupOfNumber(kept.number, kept.symprec) : await findSpaceGroup(start);
    const b = await findSpaceGroup(end);
    return a && b ? { start: a, end: b } : null;
  } catch {
    return null;
  }
}

/** A relaxation's outcome with its space groups in the summary (`relaxationSpaceGroups`); any other outcome as it is. */
export async function withRelaxationSpaceGroups(outcome: SimulationOutcome, start: Structure, kept?: SymmetryOperations): Promise<SimulationOutcome> {
  if (outcome.summary?.task !== 'relax' || !outcome.final) return outcome;
  return { ...outcome, summary: { ...outcome.summary, spaceGroups: await relaxationSpaceGroups(start, outcome.final, kept) } };
}
