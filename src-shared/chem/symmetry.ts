/**
 * Symmetry operations in `x,y,z` notation and expansion of an asymmetric unit to the full cell
 * (the space-group settings and their operations are in spacegroups.ts).
 */
import type { Mat3 } from './structure';
import { cellWidths, determinant } from './lattice';

/** x' = r · (x, y, z) + t, with r row-major (r[0..2] gives x'). */
export interface SymOp {
  r: Int8Array;
  t: Float64Array;
}

function wrap01(x: number): number {
  const w = x - Math.floor(x);
  return w >= 1 ? 0 : w;
}

/**
 * Squared Cartesian length (Å²) of the fractional difference (dx, dy, dz) after taking each
 * component to its nearest image (−½..½): the "same site within tol" test of the readers.
 */
export function nearestImageDistance2(lattice: Mat3, dx: number, dy: number, dz: number): number {
  const [l0, l1, l2] = lattice;
  dx -= Math.round(dx);
  dy -= Math.round(dy);
  dz -= Math.round(dz);
  const cx = dx * l0[0] + dy * l1[0] + dz * l2[0];
  const cy = dx * l0[1] + dy * l1[1] + dz * l2[1];
  const cz = dx * l0[2] + dy * l1[2] + dz * l2[2];
  return cx * cx + cy * cy + cz * cz;
}

/** x' = m · (x, y, z) + t with rational m (row-major): a change of basis such as `1/2*x+1/2*y,-1/2*x+1/2*y,z+1/4`. */
export interface AffineMap {
  m: Mat3;
  t: Float64Array;
}

/**
 * Parse an affine map such as `-x+1/2, y, z-1/3`, `1/2+X,-Y,Z`, `x-y,x,z+0.5`, `1/2*x+1/2*y,z,-x`.
 * Returns null when the text is not three comma-separated rows of x, y, z terms and numbers.
 */
export function parseAffine(text: string): AffineMap | null {
  const m: Mat3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const t = new Float64Array(3);
  let row = 0;
  let i = 0;
  const n = text.length;
  let termsInRow = 0;
  while (i <= n) {
    // skip blanks
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i === n || text[i] === ',') {
      if (termsInRow === 0) return null;
      row++;
      termsInRow = 0;
      if (i === n) break;
      i++;
      if (row > 2) return null;
      continue;
    }
    let sign = 1;
    if (text[i] === '+' || text[i] === '-') {
      sign = text[i] === '-' ? -1 : 1;
      i++;
      while (i < n && text[i] === ' ') i++;
    } else if (termsInRow > 0) return null;
    // number?
    let coef = 1;
    let hasNum = false;
    const start = i;
    while (i < n && ((text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) || text[i] === '.')) i++;
    if (i > start) {
      coef = Number(text.slice(start, i));
      hasNum = true;
      if (!Number.isFinite(coef)) return null;
      if (text[i] === '/') {
        i++;
        const s2 = i;
        while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
        if (i === s2) return null;
        const den = Number(text.slice(s2, i));
        if (den === 0) return null;
        coef /= den;
      }
      if (text[i] === '*') i++;
    }
    const c = i < n ? text[i].toLowerCase() : '';
    if (c === 'x' || c === 'y' || c === 'z') {
      m[row][c === 'x' ? 0 : c === 'y' ? 1 : 2] += sign * coef;
      i++;
    } else if (hasNum) {
      t[row] += sign * coef;
    } else return null;
    termsInRow++;
  }
  return row === 3 ? { m, t } : null;
}

/**
 * Parse one operation such as `-x+1/2, y, z-1/3`, `1/2+X,-Y,Z`, `x-y,x,z+0.5`, `+y,+x,-z`.
 * Returns null when the text is not a valid operation (including a non-integer or non-invertible rotation).
 */
export function parseSymop(text: string): SymOp | null {
  const a = parseAffine(text);
  if (!a || !a.m.every((row) => row.every((v) => Number.isInteger(v)))) return null;
  const d = determinant(a.m);
  return d === 1 || d === -1 ? { r: Int8Array.from(a.m.flat()), t: a.t } : null;
}

/** Canonical text of an operation (`-x+1/2,y,z`), used to deduplicate operation lists. */
export function symopKey(op: SymOp): string {
  let s = '';
  for (let row = 0; row < 3; row++) {
    if (row) s += ',';
    for (let col = 0; col < 3; col++) {
      const v = op.r[row * 3 + col];
      if (v) s += (v > 0 ? '+' : '-') + (Math.abs(v) === 1 ? '' : Math.abs(v)) + 'xyz'[col];
    }
    const tt = wrap01(op.t[row]);
    if (tt > 1e-9 && tt < 1 - 1e-9) s += '+' + tt.toFixed(6);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Expansion

export interface ExpandResult {
  /** Fractional coordinates wrapped into [0, 1). */
  frac: Float64Array;
  /** Index of the asymmetric-unit site each output site comes from. */
  source: Int32Array;
}

/**
 * Apply every operation to every site of the asymmetric unit, wrap into [0, 1) and merge images
 * closer than `tolerance` Å (minimum image) that come from the same input site.
 * `maxAtoms` bounds the output (the callback `onLimit` throws).
 */
export function expandAsymmetricUnit(
  frac: Float64Array,
  ops: SymOp[],
  lattice: Mat3,
  tolerance: number,
  maxAtoms: number,
  onLimit: () => never,
  kinds?: ArrayLike<number>,
): ExpandResult & { duplicateRows: number } {
  const nAsym = frac.length / 3;
  const outF: number[] = [];
  const outS: number[] = [];
  const tol2 = tolerance * tolerance;
  const orbit: number[] = [];
  let duplicateRows = 0;
  const grid = new PeriodicGrid(lattice, tolerance);
  for (let s = 0; s < nAsym; s++) {
    const x = frac[3 * s];
    const y = frac[3 * s + 1];
    const z = frac[3 * s + 2];
    orbit.length = 0;
    for (const op of ops) {
      const r = op.r;
      const nx = wrap01(r[0] * x + r[1] * y + r[2] * z + op.t[0]);
      const ny = wrap01(r[3] * x + r[4] * y + r[5] * z + op.t[1]);
      const nz = wrap01(r[6] * x + r[7] * y + r[8] * z + op.t[2]);
      let dup = false;
      for (let k = 0; k < orbit.length; k += 3) {
        if (nearestImageDistance2(lattice, nx - orbit[k], ny - orbit[k + 1], nz - orbit[k + 2]) < tol2) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        orbit.push(nx, ny, nz);
        if (outS.length + orbit.length / 3 > maxAtoms) onLimit();
      }
    }
    // A row that is a symmetry copy of an earlier row of the same kind (files that list the
    // whole cell and the operations too): its orbit is the same orbit, keep it once.
    if (kinds) {
      const kind = kinds[s];
      if (grid.find(orbit[0], orbit[1], orbit[2], (j) => kinds[outS[j]] === kind) >= 0) {
        duplicateRows++;
        continue;
      }
    }
    for (let k = 0; k < orbit.length; k += 3) {
      if (kinds) grid.add(orbit[k], orbit[k + 1], orbit[k + 2], outS.length);
      outF.push(orbit[k], orbit[k + 1], orbit[k + 2]);
      outS.push(s);
    }
  }
  return { frac: Float64Array.from(outF), source: Int32Array.from(outS), duplicateRows };
}

/**
 * The operations whose rotation does not preserve the cell metric (RᵀGR ≠ G within `relTol`
 * of the largest metric entry): a sign that the cell and the space group disagree.
 */
export function opsNotFittingCell(ops: SymOp[], lattice: Mat3, relTol = 0.01): SymOp[] {
  const G: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      G.push(lattice[i][0] * lattice[j][0] + lattice[i][1] * lattice[j][1] + lattice[i][2] * lattice[j][2]);
  let scale = 0;
  for (const g of G) scale = Math.max(scale, Math.abs(g));
  const bad: SymOp[] = [];
  for (const op of ops) {
    const r = op.r;
    let worst = 0;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        // (RᵀGR)_ij = Σ_kl R_ki G_kl R_lj
        let v = 0;
        for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) v += r[k * 3 + i] * G[k * 3 + l] * r[l * 3 + j];
        worst = Math.max(worst, Math.abs(v - G[i * 3 + j]));
      }
    if (worst > relTol * scale) bad.push(op);
  }
  return bad;
}

/** `x,y,z` text of an operation (for messages). */
export function symopText(op: SymOp): string {
  const rows: string[] = [];
  for (let row = 0; row < 3; row++) {
    let t = '';
    for (let col = 0; col < 3; col++) {
      const v = op.r[row * 3 + col];
      if (!v) continue;
      const sign = v < 0 ? '-' : t ? '+' : '';
      t += sign + (Math.abs(v) === 1 ? '' : Math.abs(v)) + 'xyz'[col];
    }
    const tr = op.t[row];
    if (Math.abs(tr) > 1e-9) {
      const frac = [2, 3, 4, 6, 8, 12].map((d) => [d, Math.round(Math.abs(tr) * d)]).find(([d, k]) => Math.abs(Math.abs(tr) * d - k) < 1e-6);
      t += (tr < 0 ? '-' : '+') + (frac ? `${frac[1]}/${frac[0]}` : String(Math.abs(tr)));
    }
    rows.push(t || '0');
  }
  return rows.join(',');
}

/**
 * Hash grid over fractional coordinates with periodic wrap, for "is there a site within tol Å"
 * queries in O(1) on average. Bins are at least `tol` wide (perpendicular to each face). Bins live
 * in an open hash of typed arrays (chained through `next`): no Map, no per-query allocation.
 */
export class PeriodicGrid {
  /** Below this many points a linear scan beats hashing (most real cells). */
  private static readonly LINEAR = 48;
  private nb: [number, number, number] = [1, 1, 1];
  private offs: [number[], number[], number[]] = [[0], [0], [0]];
  private readonly tol2: number;
  private head: Int32Array | null = null;
  private mask = 0;
  private next: Int32Array = new Int32Array(16);
  private keyOf: Int32Array = new Int32Array(16);
  private pts: Float64Array = new Float64Array(48);
  private ids: Int32Array = new Int32Array(16);
  private count = 0;

  constructor(
    private readonly lattice: Mat3,
    private readonly tol: number,
  ) {
    this.tol2 = tol * tol;
  }

  private setupBins(): void {
    const n = (d: number) => {
      const k = Math.floor(d / Math.max(this.tol, 1e-9));
      return Number.isFinite(k) ? Math.max(1, Math.min(256, k)) : 1;
    };
    const [wa, wb, wc] = cellWidths(this.lattice);
    this.nb = [n(wa), n(wb), n(wc)];
    const off = (m: number) => (m >= 3 ? [-1, 0, 1] : m === 2 ? [0, 1] : [0]);
    this.offs = [off(this.nb[0]), off(this.nb[1]), off(this.nb[2])];
    for (let i = 0; i < this.count; i++) {
      this.keyOf[i] = this.key(this.pts[3 * i], this.pts[3 * i + 1], this.pts[3 * i + 2]);
    }
    this.rehash(Math.max(64, this.next.length * 2));
  }

  private bin(x: number, k: 0 | 1 | 2): number {
    const w = x - Math.floor(x);
    const i = Math.floor(w * this.nb[k]);
    return i >= this.nb[k] || !(i >= 0) ? 0 : i;
  }

  private key(x: number, y: number, z: number): number {
    return (this.bin(x, 0) * 256 + this.bin(y, 1)) * 256 + this.bin(z, 2);
  }

  private static hash(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> 7;
  }

  private rehash(size: number): void {
    this.head = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      const h = PeriodicGrid.hash(this.keyOf[i]) & this.mask;
      this.next[i] = this.head[h];
      this.head[h] = i;
    }
  }

  private grow(): void {
    const cap = this.next.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.next = grow32(this.next);
    this.keyOf = grow32(this.keyOf);
    this.ids = grow32(this.ids);
    const p = new Float64Array(3 * cap);
    p.set(this.pts);
    this.pts = p;
    if (this.head) this.rehash(cap * 2);
  }

  add(x: number, y: number, z: number, id: number): void {
    if (this.count === this.next.length) this.grow();
    const i = this.count++;
    this.ids[i] = id;
    this.pts[3 * i] = x;
    this.pts[3 * i + 1] = y;
    this.pts[3 * i + 2] = z;
    if (this.head) {
      const key = this.key(x, y, z);
      const h = PeriodicGrid.hash(key) & this.mask;
      this.keyOf[i] = key;
      this.next[i] = this.head[h];
      this.head[h] = i;
    } else if (this.count > PeriodicGrid.LINEAR) this.setupBins();
  }

  private near(e: number, x: number, y: number, z: number): boolean {
    const pts = this.pts;
    return nearestImageDistance2(this.lattice, x - pts[3 * e], y - pts[3 * e + 1], z - pts[3 * e + 2]) < this.tol2;
  }

  /** An id within tol of (x, y, z) (minimum image) for which `accept(id)` is true, else -1. */
  find(x: number, y: number, z: number, accept: (id: number) => boolean): number {
    const head = this.head;
    if (!head) {
      for (let e = 0; e < this.count; e++) if (this.near(e, x, y, z) && accept(this.ids[e])) return this.ids[e];
      return -1;
    }
    const [na, nb, nc] = this.nb;
    const bx = this.bin(x, 0);
    const by = this.bin(y, 1);
    const bz = this.bin(z, 2);
    for (const i of this.offs[0]) {
      const kx = (bx + i + na) % na;
      for (const j of this.offs[1]) {
        const ky = (by + j + nb) % nb;
        for (const k of this.offs[2]) {
          const key = (kx * 256 + ky) * 256 + ((bz + k + nc) % nc);
          for (let e = head[PeriodicGrid.hash(key) & this.mask]; e >= 0; e = this.next[e]) {
            if (this.keyOf[e] === key && this.near(e, x, y, z) && accept(this.ids[e])) return this.ids[e];
          }
        }
      }
    }
    return -1;
  }
}
