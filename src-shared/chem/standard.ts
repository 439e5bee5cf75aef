/**
 * spglib's standard cells (`standardize_cell(to_primitive=False|True, no_idealize=False)`), made from a cell
 * already in its space group's standard setting (moyo's `std_cell`, src-main/chem/spacegroup.ts). moyo's
 * setting is spglib's, but not always its cell: of the conventional cells that keep the setting, spglib takes
 * (spacegroup.c, `match_hall_symbol_db_monocli` / `_ortho`, `change_basis_tricli`):
 *
 * - monoclinic: the one with the shortest |a| + |c| and a non-acute β (for P2, P2₁, Pm, P2/m, P2₁/m also
 *   |a| ≤ |c|); of lengths equal within symprec, the one that is the given cell up to flipped axes;
 * - orthorhombic: the axes ordered by length as far as the setting leaves them free (|a| ≤ |b| ≤ |c| for Pmmm,
 *   a ≤ b for Cmme…);
 * - triclinic: the Niggli cell at ε = symprec² (Å²).
 *
 * Then its lattice is idealised (refinement.c, `ref_get_conventional_lattice`): rebuilt from the metric, a along
 * x and b in the xy plane, with a = b = (a + b)/2 (tetragonal), a = b = (a + b)/2 and γ = 120° (trigonal,
 * hexagonal; R groups in hexagonal axes), a = b = c their mean (cubic), right angles exact. The primitive cell is
 * the conventional one times spglib's centring matrix (spacegroup.c, `spa_transform_to_primitive`).
 */
import { determinant, invert, wrapFraction } from './lattice';
import { niggliReduce } from './niggli';
import type { Mat3, Vec3 } from './structure';

/** A symmetry operation of a setting: x ↦ R·x + t on column fractional coordinates, R row-major. */
export interface SettingOperation {
  rotation: readonly number[];
  translation: readonly number[];
}

/** A cell of typed sites (fractional positions). */
export interface TypedCell {
  lattice: Mat3;
  frac: Vec3[];
  types: number[];
}

const ZERO_PREC = 1e-10; // spglib's, on squared lengths and dot products (Å²)

const mul = (a: Mat3, b: Mat3): Mat3 => a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j])) as Mat3;
const transpose = (m: Mat3): Mat3 => [0, 1, 2].map((i) => [m[0][i], m[1][i], m[2][i]]) as Mat3;
const dot = (u: readonly number[], v: readonly number[]) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
const metric = (l: Mat3): Mat3 => l.map((u) => l.map((v) => dot(u, v))) as Mat3;
/** Row vector x times the matrix m. */
const rowTimes = (x: readonly number[], m: Mat3): Vec3 => [0, 1, 2].map((j) => x[0] * m[0][j] + x[1] * m[1][j] + x[2] * m[2][j]) as Vec3;

/** spglib's centring matrices (columns: the primitive vectors in the conventional basis). */
const CENTRING: Record<string, Mat3> = {
  P: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  A: [
    [1, 0, 0],
    [0, 1 / 2, -1 / 2],
    [0, 1 / 2, 1 / 2],
  ],
  C: [
    [1 / 2, 1 / 2, 0],
    [-1 / 2, 1 / 2, 0],
    [0, 0, 1],
  ],
  I: [
    [-1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [1 / 2, 1 / 2, -1 / 2],
  ],
  F: [
    [0, 1 / 2, 1 / 2],
    [1 / 2, 0, 1 / 2],
    [1 / 2, 1 / 2, 0],
  ],
  R: [
    [2 / 3, -1 / 3, -1 / 3],
    [1 / 3, 1 / 3, -2 / 3],
    [1 / 3, 1 / 3, 1 / 3],
  ],
};

/**
 * The origin shift s that makes the cell in the basis `change` (new rows = change · old rows) of the same setting
 * as `ops` (every operation, rewritten in the new basis and shifted by s, is one of `ops` up to a lattice
 * translation), or null when none does. Shifts are searched on the 1/8 grid, where the normalisers of the
 * monoclinic and orthorhombic groups put them.
 */
function settingShift(change: Mat3, ops: readonly SettingOperation[]): Vec3 | null {
  const inverse = invert(change);
  if (!inverse) return null;
  const n = transpose(inverse); // column coordinates: x' = n · x
  const nInv = transpose(change);
  const byRotation = new Map<string, (readonly number[])[]>();
  for (const o of ops) {
    const k = o.rotation.join(',');
    byRotation.set(k, [...(byRotation.get(k) ?? []), o.translation]);
  }
  const rewritten: { r: Mat3; t: Vec3; targets: (readonly number[])[] }[] = [];
  for (const o of ops) {
    const r3 = [o.rotation.slice(0, 3), o.rotation.slice(3, 6), o.rotation.slice(6, 9)] as Mat3;
    const r = mul(mul(n, r3), nInv).map((row) => row.map((x) => Math.round(x))) as Mat3;
    const targets = byRotation.get(r.flat().join(','));
    if (!targets) return null;
    rewritten.push({ r, t: [0, 1, 2].map((i) => dot(n[i], o.translation)) as Vec3, targets });
  }
  const integral = (x: number) => Math.abs(x - Math.round(x)) < 1e-6;
  for (let g = 0; g < 512; g++) {
    const s: Vec3 = [(g >> 6) / 8, ((g >> 3) & 7) / 8, (g & 7) / 8];
    const fits = rewritten.every(({ r, t, targets }) => {
      const shifted = [0, 1, 2].map((i) => t[i] + s[i] - dot(r[i], s));
      return targets.some((u) => shifted.every((x, i) => integral(x - u[i])));
    });
    if (fits) return s;
  }
  return null;
}

/** Whether the lattice `l` is the given cell `given` up to flipped axes (spglib's `is_equivalent_lattice`, mode 1), compared through their metrics. */
function sameUpToFlips(l: Mat3, given: Mat3 | null, symprec: number): boolean {
  if (!given || Math.abs(Math.abs(determinant(l)) - Math.abs(determinant(given))) > symprec) return false;
  const g = metric(l);
  const h = metric(given);
  return g.every((row, i) => row.every((x, j) => Math.abs(Math.abs(x) - Math.abs(h[i][j])) < symprec * Math.sqrt(g[i][i] + h[j][j])));
}

interface Choice {
  change: Mat3;
  shift: Vec3;
}

/** Reduces two vectors of a plane (Lagrange–Gauss); returns their integer coefficients over (u, v). */
function reducePlane(u: Vec3, v: Vec3): [[number, number], [number, number]] {
  let p: [number, number] = [1, 0];
  let q: [number, number] = [0, 1];
  const vec = (c: [number, number]) => [0, 1, 2].map((k) => c[0] * u[k] + c[1] * v[k]);
  for (let iter = 0; iter < 100; iter++) {
    if (dot(vec(p), vec(p)) > dot(vec(q), vec(q))) [p, q] = [q, p];
    const k = Math.round(dot(vec(p), vec(q)) / dot(vec(p), vec(p)));
    if (k === 0) break;
    q = [q[0] - k * p[0], q[1] - k * p[1]];
  }
  return [p, q];
}

/** spglib's monoclinic cell (unique axis b) among those of the setting. */
function monoclinicChoice(lattice: Mat3, number: number, ops: readonly SettingOperation[], given: Mat3 | null, symprec: number): Choice | null {
  const [p, q] = reducePlane(lattice[0], lattice[2]);
  const checkNorms = [3, 4, 6, 10, 11].includes(number);
  const candidates: { change: Mat3; sum: number }[] = [];
  const range = [-2, -1, 0, 1, 2];
  for (const i of range) {
    for (const j of range) {
      for (const k of range) {
        for (const l of range) {
          for (const sb of [1, -1]) {
            const a = [i * p[0] + j * q[0], 0, i * p[1] + j * q[1]];
            const c = [k * p[0] + l * q[0], 0, k * p[1] + l * q[1]];
            const change = [a, [0, sb, 0], c] as Mat3;
            if (Math.round(determinant(change)) !== 1) continue;
            const [va, , vc] = mul(change, lattice);
            if (dot(va, vc) > ZERO_PREC) continue; // β acute
            if (checkNorms && dot(va, va) > dot(vc, vc) + ZERO_PREC) continue;
            candidates.push({ change, sum: Math.hypot(...va) + Math.hypot(...vc) });
          }
        }
      }
    }
  }
  candidates.sort((x, y) => x.sum - y.sum);
  const best: (Choice & { sum: number })[] = [];
  for (const c of candidates) {
    if (best.length > 0 && c.sum - best[0].sum >= symprec) break;
    const shift = settingShift(c.change, ops);
    if (shift) best.push({ change: c.change, shift, sum: c.sum });
  }
  return best.find((c) => sameUpToFlips(mul(c.change, lattice), given, symprec)) ?? best[0] ?? null;
}

/** spglib's orthorhombic cell: of the axis orders that keep the setting, the lengths in increasing order as far as it leaves them free. */
function orthorhombicChoice(lattice: Mat3, ops: readonly SettingOperation[], given: Mat3 | null, symprec: number): Choice | null {
  const choices: (Choice & { norms: number[] })[] = [];
  for (const perm of [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [1, 0, 2],
    [0, 2, 1],
    [2, 1, 0],
  ]) {
    for (const signs of [
      [1, 1, 1],
      [1, -1, -1],
      [-1, 1, -1],
      [-1, -1, 1],
      [-1, -1, -1],
      [-1, 1, 1],
      [1, -1, 1],
      [1, 1, -1],
    ]) {
      const change = perm.map((axis, row) => [0, 1, 2].map((col) => (col === axis ? signs[row] : 0))) as Mat3;
      if (determinant(change) !== 1) continue;
      const shift = settingShift(change, ops);
      if (shift) choices.push({ change, shift, norms: mul(change, lattice).map((v) => dot(v, v)) });
    }
  }
  const before = (x: number[], y: number[]) => {
    for (let i = 0; i < 3; i++) if (Math.abs(x[i] - y[i]) > ZERO_PREC) return x[i] < y[i];
    return false;
  };
  const shortest = choices.reduce<(typeof choices)[number] | null>((m, c) => (!m || before(c.norms, m.norms) ? c : m), null);
  if (!shortest) return null;
  const tied = choices.filter((c) => !before(shortest.norms, c.norms));
  return tied.find((c) => sameUpToFlips(mul(c.change, lattice), given, symprec)) ?? shortest;
}

/** spglib's idealised conventional lattice (refinement.c, `set_tricli` … `set_cubic`; unique axis b), rows a, b, c. */
function idealLattice(l: Mat3, number: number): Mat3 {
  const g = metric(l);
  const [a, b, c] = [Math.sqrt(g[0][0]), Math.sqrt(g[1][1]), Math.sqrt(g[2][2])];
  if (number <= 2) {
    const [ca, cb, cg] = [g[1][2] / b / c, g[0][2] / a / c, g[0][1] / a / b];
    const sg = Math.sin(Math.acos(cg));
    return [
      [a, 0, 0],
      [b * cg, b * sg, 0],
      [c * cb, (c * (ca - cb * cg)) / sg, (c * Math.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg)) / sg],
    ];
  }
  if (number <= 15) {
    const beta = Math.acos(g[0][2] / a / c);
    return [
      [a, 0, 0],
      [0, b, 0],
      [c * Math.cos(beta), 0, c * Math.sin(beta)],
    ];
  }
  if (number <= 74) {
    return [
      [a, 0, 0],
      [0, b, 0],
      [0, 0, c],
    ];
  }
  if (number <= 142) {
    return [
      [(a + b) / 2, 0, 0],
      [0, (a + b) / 2, 0],
      [0, 0, c],
    ];
  }
  if (number <= 194) {
    return [
      [(a + b) / 2, 0, 0],
      [-(a + b) / 4, ((a + b) / 4) * Math.sqrt(3), 0],
      [0, 0, c],
    ];
  }
  const m = (a + b + c) / 3;
  return [
    [m, 0, 0],
    [0, m, 0],
    [0, 0, m],
  ];
}

/** The cell in the basis `change` (new rows = change · old rows), positions shifted by `shift` and wrapped, each position once. */
function rebased(cell: TypedCell, change: Mat3, shift: Vec3, lattice: Mat3): TypedCell {
  const inverse = invert(change)!;
  const frac: Vec3[] = [];
  const types: number[] = [];
  cell.frac.forEach((x, i) => {
    const y = rowTimes(x, inverse).map((v, k) => wrapFraction(v + shift[k])) as Vec3;
    const seen = frac.some((z, j) => types[j] === cell.types[i] && z.every((v, k) => Math.abs(v - y[k] - Math.round(v - y[k])) < 1e-6));
    if (!seen) {
      frac.push(y);
      types.push(cell.types[i]);
    }
  });
  return { lattice, frac, types };
}

/**
 * spglib's standard conventional and primitive cells from `std` (moyo's standard cell of space group `number`,
 * in the setting whose operations are `ops`, centring `centring`: the first letter of its symbol). `given` is the
 * lattice the user gave (its orientation breaks spglib's ties between equally short cells).
 */
export function spglibStandardCells(
  std: TypedCell,
  number: number,
  centring: string,
  ops: readonly SettingOperation[],
  given: Mat3 | null,
  symprec: number,
): { conventional: TypedCell; primitive: TypedCell } {
  const identity: Mat3 = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  let choice: Choice | null = { change: identity, shift: [0, 0, 0] };
  if (number <= 2) {
    const reduced = niggliReduce(std.lattice, symprec * symprec);
    choice = { change: mul(reduced, invert(std.lattice)!).map((r) => r.map(Math.round)) as Mat3, shift: [0, 0, 0] };
  } else if (number <= 15) choice = monoclinicChoice(std.lattice, number, ops, given, symprec);
  else if (number <= 74) choice = orthorhombicChoice(std.lattice, ops, given, symprec);
  // moyo's own cell is of the setting: it stays when no other is
  choice ??= { change: identity, shift: [0, 0, 0] };
  const conventional = rebased(std, choice.change, choice.shift, idealLattice(mul(choice.change, std.lattice), number));
  const toPrimitive = transpose(CENTRING[centring] ?? CENTRING.P);
  const primitive = rebased(conventional, toPrimitive, [0, 0, 0], mul(toPrimitive, conventional.lattice));
  return { conventional, primitive };
}
