/**
 * Small dense matrices: row-major Float64Array of n×n. The matrix exponential and its Fréchet
 * derivative are what the strain filter needs (a deformation gradient F = exp(X) and the exact gradient
 * of the energy with respect to X); the symmetric eigenproblem is what the Lanczos run of the curvature
 * check (curvature.ts), the vibrations' Hessian, the MTK barostat's cell velocity, the elastic
 * constants' stability and the phonons' dynamical matrix need; the inverse, the elastic constants'
 * compliance; the Cholesky factor, the reference energies' least squares and a lattice made symmetric.
 */

/** Σ a_k b_k of two vectors of the same length. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** A⁻¹ of an n×n matrix by Gauss–Jordan elimination with partial pivoting; null when singular (a pivot below 1e-12 of A's largest entry). */
export function inverse(a: Float64Array, n: number): Float64Array | null {
  const m = Array.from({ length: n }, (_, i) => [...a.subarray(i * n, i * n + n), ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  const scale = Math.max(...Array.from(a, Math.abs));
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    if (Math.abs(m[p][k]) <= 1e-12 * scale) return null;
    [m[k], m[p]] = [m[p], m[k]];
    const pivot = m[k][k];
    for (let j = 0; j < 2 * n; j++) m[k][j] /= pivot;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = m[i][k];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[i][j] -= f * m[k][j];
    }
  }
  return Float64Array.from(m.flatMap((row) => row.slice(n)));
}

/** The lower-triangular L with L·Lᵀ = A of a symmetric positive definite n×n matrix; null when A is not (a pivot not above 0). */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  return l;
}

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
 * Eigenvalues (ascending) and eigenvectors of a symmetric n×n matrix: Householder reduction to
 * tridiagonal form, then implicit QR steps with Wilkinson's shift (Golub and Van Loan, Matrix
 * Computations, 4th ed., algorithms 8.3.1 and 8.3.3), the rotations accumulated. About 10 n³
 * operations: a vibrational analysis's Hessian of 108 atoms (n = 324) in some 0.1 s. `vectors` is
 * row-major with eigenvector k in column k.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const { values, z, order } = eigen(a, n, true);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = z![from * n + k];
  });
  return { values, vectors };
}

/** The eigenvalues alone (ascending) of a symmetric n×n matrix, as `symmetricEigen`'s without the rotations: some 4/3 n³ operations, a fifth of the work. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  return eigen(a, n, false).values;
}

/**
 * The eigenvalues (ascending) of a Hermitian n×n matrix H = re + i·im (row-major; re symmetric, im
 * antisymmetric), without forming the real 2n × 2n form: Householder reflections I − 2vv† bring H to
 * a Hermitian tridiagonal matrix (as LAPACK's zhetrd), whose off-diagonal elements a diagonal unitary
 * similarity makes real and non-negative (their moduli, the norms of the columns reflected), and the
 * real tridiagonal's QR steps give the values. Half the work of the real form's eigenvalues, which
 * count each of H's twice.
 */
export function hermitianEigenvalues(re: Float64Array, im: Float64Array, n: number): Float64Array {
  return hermitian(re, im, n, false).values;
}

/**
 * `hermitianEigenvalues` with the eigenvectors, orthonormal and complex: eigenvector k in column k of
 * `re` and `im` (row-major). The reflections and the diagonal similarity are accumulated as a unitary
 * matrix, and the QR steps' real rotations applied to it; a degenerate eigenvalue's vectors are some
 * orthonormal basis of its eigenspace.
 */
export function hermitianEigen(re: Float64Array, im: Float64Array, n: number): { values: Float64Array; re: Float64Array; im: Float64Array } {
  const { values, zr, zi, order } = hermitian(re, im, n, true);
  const vr = new Float64Array(n * n);
  const vi = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) {
      vr[k * n + to] = zr![from * n + k];
      vi[k * n + to] = zi![from * n + k];
    }
  });
  return { values, re: vr, im: vi };
}

function hermitian(re: Float64Array, im: Float64Array, n: number, withVectors: boolean): { values: Float64Array; zr: Float64Array | null; zi: Float64Array | null; order: number[] } {
  // the lower triangle, updated in place
  const ar = Float64Array.from(re);
  const ai = Float64Array.from(im);
  // Z = Q† (the reflections' product, P_k⋯P_0), a row at a time
  const zr = withVectors ? identity(n) : null;
  const zi = withVectors ? new Float64Array(n * n) : null;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  // the tridiagonal's subdiagonal elements as they are (complex), before their phases are taken out
  const sr = new Float64Array(Math.max(n - 1, 0));
  const si = new Float64Array(Math.max(n - 1, 0));
  const [vr, vi, wr, wi] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let k = 0; k < n - 1; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += ar[i * n + k] ** 2 + ai[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    e[k] = norm;
    const x0r = ar[(k + 1) * n + k];
    const x0i = ai[(k + 1) * n + k];
    if (k === n - 2 || norm === 0) {
      // nothing to reflect: the element stays
      sr[k] = x0r;
      si[k] = x0i;
      continue;
    }
    // v ∝ x − α e₁ with α = −e^{iθ}‖x‖ (θ the phase of x₀, so that nothing cancels), unit length
    const x0 = Math.hypot(x0r, x0i);
    const cr = x0 === 0 ? 1 : x0r / x0;
    const ci = x0 === 0 ? 0 : x0i / x0;
    sr[k] = -cr * norm;
    si[k] = -ci * norm;
    let vn = 0;
    for (let i = k + 1; i < n; i++) {
      vr[i] = ar[i * n + k] + (i === k + 1 ? cr * norm : 0);
      vi[i] = ai[i * n + k] + (i === k + 1 ? ci * norm : 0);
      vn += vr[i] ** 2 + vi[i] ** 2;
    }
    vn = Math.sqrt(vn);
    for (let i = k + 1; i < n; i++) {
      vr[i] /= vn;
      vi[i] /= vn;
    }
    // p = Hv from the lower triangle (H[j][i] = conj(H[i][j])), then w = p − (v†p)v
    wr.fill(0, k + 1);
    wi.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      let pr = ar[row + i] * vr[i];
      let pi = ar[row + i] * vi[i];
      for (let j = k + 1; j < i; j++) {
        const hr = ar[row + j];
        const hi = ai[row + j];
        pr += hr * vr[j] - hi * vi[j];
        pi += hr * vi[j] + hi * vr[j];
        wr[j] += hr * vr[i] + hi * vi[i];
        wi[j] += hr * vi[i] - hi * vr[i];
      }
      wr[i] += pr;
      wi[i] += pi;
    }
    let kv = 0;
    for (let i = k + 1; i < n; i++) kv += vr[i] * wr[i] + vi[i] * wi[i];
    for (let i = k + 1; i < n; i++) {
      wr[i] -= kv * vr[i];
      wi[i] -= kv * vi[i];
    }
    // H ← H − 2(vw† + wv†), the lower triangle
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const a = 2 * vr[i];
      const b = 2 * vi[i];
      const c = 2 * wr[i];
      const f = 2 * wi[i];
      for (let j = k + 1; j <= i; j++) {
        ar[row + j] -= a * wr[j] + b * wi[j] + c * vr[j] + f * vi[j];
        ai[row + j] -= b * wr[j] - a * wi[j] + f * vr[j] - c * vi[j];
      }
    }
    // Z ← (I − 2vv†)Z = Z − 2v(v†Z), along the rows
    if (zr && zi) {
      wr.fill(0);
      wi.fill(0);
      for (let i = k + 1; i < n; i++) {
        const row = i * n;
        for (let j = 0; j < n; j++) {
          wr[j] += vr[i] * zr[row + j] + vi[i] * zi[row + j];
          wi[j] += vr[i] * zi[row + j] - vi[i] * zr[row + j];
        }
      }
      for (let i = k + 1; i < n; i++) {
        const row = i * n;
        const a = 2 * vr[i];
        const b = 2 * vi[i];
        for (let j = 0; j < n; j++) {
          zr[row + j] -= a * wr[j] - b * wi[j];
          zi[row + j] -= a * wi[j] + b * wr[j];
        }
      }
    }
  }
  for (let i = 0; i < n; i++) d[i] = ar[i * n + i];
  if (zr && zi) {
    // H = Q T Q† and T = D T' D† with T' real (the moduli) and D = diag(δ), δ₀ = 1, δ_{k+1} = δ_k·s_k/|s_k|:
    // the eigenvectors are Q D y for T's y, so the rotations start from the rows of (Q D)ᵀ = D·conj(Z)
    let dr = 1;
    let di = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0 && e[k - 1] > 0) {
        const ur = sr[k - 1] / e[k - 1];
        const ui = si[k - 1] / e[k - 1];
        [dr, di] = [dr * ur - di * ui, dr * ui + di * ur];
      }
      const row = k * n;
      for (let j = 0; j < n; j++) {
        const xr = zr[row + j];
        const xi = -zi[row + j];
        zr[row + j] = dr * xr - di * xi;
        zi[row + j] = dr * xi + di * xr;
      }
    }
  }
  tridiagonalQr(d, e, zr && zi ? [zr, zi] : [], n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  return { values: Float64Array.from(order, (i) => d[i]), zr, zi, order };
}

function eigen(a: Float64Array, n: number, withVectors: boolean): { values: Float64Array; z: Float64Array | null; order: number[] } {
  const m = Float64Array.from(a);
  // z holds Qᵀ (row k: column k of Q), so that every update below runs along rows
  const z = withVectors ? identity(n) : null;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  const u = new Float64Array(n);
  // Householder: for each column k, H = I − 2vvᵀ on indices k+1… zeroes it below the subdiagonal
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += m[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const x0 = m[(k + 1) * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    let vn = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = m[i * n + k] - (i === k + 1 ? alpha : 0);
      vn += v[i] ** 2;
    }
    if (vn === 0 || norm === 0) continue;
    vn = Math.sqrt(vn);
    for (let i = k + 1; i < n; i++) v[i] /= vn;
    // HMH = M − 2(vwᵀ + wvᵀ) with p = Mv, w = p − (vᵀp)v; M is kept as its lower triangle (rows read
    // and written along their length: the upper triangle would be written a column at a time)
    w.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      let p = m[row + i] * v[i];
      const vi = v[i];
      for (let j = k + 1; j < i; j++) {
        const x = m[row + j];
        p += x * v[j];
        w[j] += x * vi;
      }
      w[i] += p;
    }
    let vp = 0;
    for (let i = k + 1; i < n; i++) vp += v[i] * w[i];
    for (let i = k + 1; i < n; i++) w[i] -= vp * v[i];
    for (let i = k + 1; i < n; i++) {
      const vi = 2 * v[i];
      const wi = 2 * w[i];
      const row = i * n;
      for (let j = k + 1; j <= i; j++) m[row + j] -= vi * w[j] + wi * v[j];
    }
    // the subdiagonal element (read into e below); the column below it is never read again
    m[(k + 1) * n + k] = alpha;
    // Qᵀ ← H Qᵀ = Qᵀ − 2v(vᵀQᵀ), along the rows
    if (z) {
      u.fill(0);
      for (let i = k + 1; i < n; i++) {
        const vi = v[i];
        const row = i * n;
        for (let j = 0; j < n; j++) u[j] += vi * z[row + j];
      }
      for (let i = k + 1; i < n; i++) {
        const vi = 2 * v[i];
        const row = i * n;
        for (let j = 0; j < n; j++) z[row + j] -= vi * u[j];
      }
    }
  }
  for (let i = 0; i < n; i++) d[i] = m[i * n + i];
  for (let i = 0; i < n - 1; i++) e[i] = m[(i + 1) * n + i];
  tridiagonalQr(d, e, z ? [z] : [], n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  return { values: Float64Array.from(order, (i) => d[i]), z, order };
}

/**
 * Diagonalises the symmetric tridiagonal matrix (diagonal d, off-diagonal e) in place by implicit QR
 * steps with Wilkinson's shift, each a chase of the bulge by Givens rotations R, which also update
 * the rows of each zᵀ-stored Q in `zs` (Q ← Q Rᵀ; a complex Q as its real and imaginary parts). An off-diagonal element is taken as zero once it is below the
 * rounding error of its neighbours on the diagonal.
 */
function tridiagonalQr(d: Float64Array, e: Float64Array, zs: readonly Float64Array[], n: number): void {
  const eps = Number.EPSILON;
  for (let iteration = 0; ; iteration++) {
    if (iteration > 30 * n) throw new Error(`the eigenvalues of a ${n}×${n} matrix did not converge (is it finite?)`);
    for (let i = 0; i < n - 1; i++) if (Math.abs(e[i]) <= eps * (Math.abs(d[i]) + Math.abs(d[i + 1]))) e[i] = 0;
    // the last unreduced block [l, hi]
    let hi = n - 1;
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi <= 0) return;
    let l = hi - 1;
    while (l > 0 && e[l - 1] !== 0) l--;
    // Wilkinson's shift: the eigenvalue of the trailing 2×2 nearer its last diagonal element
    const half = (d[hi - 1] - d[hi]) / 2;
    const eh = e[hi - 1];
    const mu = d[hi] - (eh * eh) / (half + (half >= 0 ? 1 : -1) * Math.hypot(half, eh));
    let x = d[l] - mu;
    let y = e[l];
    for (let k = l; k < hi; k++) {
      const r = Math.hypot(x, y);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : y / r;
      if (k > l) e[k - 1] = r;
      const a = d[k];
      const b = e[k];
      const b2 = d[k + 1];
      d[k] = c * c * a + 2 * c * s * b + s * s * b2;
      d[k + 1] = s * s * a - 2 * c * s * b + c * c * b2;
      e[k] = c * s * (b2 - a) + (c * c - s * s) * b;
      if (k < hi - 1) {
        y = s * e[k + 1];
        e[k + 1] *= c;
        x = e[k];
      }
      const rowK = k * n;
      const rowK1 = (k + 1) * n;
      for (const z of zs)
        for (let j = 0; j < n; j++) {
          const qk = z[rowK + j];
          const qk1 = z[rowK1 + j];
          z[rowK + j] = c * qk + s * qk1;
          z[rowK1 + j] = -s * qk + c * qk1;
        }
    }
  }
}
