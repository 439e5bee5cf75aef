/**
 * Small dense matrices for the cell degrees of freedom: row-major Float64Array of n×n. The matrix
 * exponential and its Fréchet derivative are what the strain filter needs (a deformation gradient
 * F = exp(X) and the exact gradient of the energy with respect to X); the symmetric eigenproblem is
 * what the Lanczos run of the curvature check (curvature.ts) needs.
 */
import { invert } from '../chem/lattice';

/** C = A·B for n×n matrices. */
export function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

export function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

export function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** Inverse of a 3×3 row-major matrix (the lattice helper's), null when singular. */
export function inverse3(m: ArrayLike<number>): Float64Array | null {
  const inv = invert([
    [m[0], m[1], m[2]],
    [m[3], m[4], m[5]],
    [m[6], m[7], m[8]],
  ]);
  return inv ? Float64Array.of(...inv[0], ...inv[1], ...inv[2]) : null;
}

function normInf(a: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a[i * n + j]);
    if (s > m) m = s;
  }
  return m;
}

/**
 * exp(A) for an n×n matrix by scaling and squaring: A/2^s has norm ≤ 1/4, where an 18-term Taylor
 * series is exact to rounding (the remainder is below (1/4)^19/19! ≈ 1e-28), then squared s times.
 */
export function expm(a: Float64Array, n: number): Float64Array {
  const norm = normInf(a, n);
  if (!Number.isFinite(norm)) throw new Error('matrix exponential of a non-finite matrix');
  const s = norm > 0.25 ? Math.ceil(Math.log2(norm / 0.25)) : 0;
  const scale = 2 ** -s;
  const x = a.map((v) => v * scale);
  let term = identity(n);
  const result = identity(n);
  for (let k = 1; k <= 18; k++) {
    term = matmul(term, x, n);
    for (let i = 0; i < n * n; i++) term[i] /= k;
    for (let i = 0; i < n * n; i++) result[i] += term[i];
  }
  let r = result;
  for (let k = 0; k < s; k++) r = matmul(r, r, n);
  return r;
}

/**
 * The Fréchet derivative of the exponential of a 3×3 matrix: L(A, E) = d/dt exp(A + tE) at t = 0,
 * read off the upper-right block of exp([[A, E], [0, A]]) (Higham, Functions of Matrices, 3.2).
 */
export function expmFrechet3(a: Float64Array, e: Float64Array): Float64Array {
  const m = new Float64Array(36);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      m[i * 6 + j] = a[i * 3 + j];
      m[(i + 3) * 6 + j + 3] = a[i * 3 + j];
      m[i * 6 + j + 3] = e[i * 3 + j];
    }
  }
  const x = expm(m, 6);
  const l = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) l[i * 3 + j] = x[i * 6 + j + 3];
  return l;
}

/**
 * Eigenvalues (ascending) and eigenvectors of a symmetric n×n matrix by cyclic Jacobi rotations
 * (a Lanczos run's few dozen; a vibrational analysis's Hessian, 3 per vibrating atom: 324 for 108
 * atoms takes about a second). `vectors` is row-major with
 * eigenvector k in column k.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = identity(n);
  // rotations keep the sum of squares: stop when the off-diagonal part is a rounding error of it
  let total = 0;
  for (const x of m) total += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off <= 1e-26 * total) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { values, vectors };
}
