/**
 * The symmetric eigensolver (`symmetricEigenvalues`, `symmetricEigen`; sim/matrix.ts) that phonons,
 * vibrations and the lowest-curvature check diagonalise with, against LAPACK through numpy
 * (`numpy.linalg.eigvalsh`, `eigh`; Debian's python3-numpy, timed inside Python) on the same random
 * symmetric matrices. A phonon calculation of an n-atom cell diagonalises a 6n × 6n real matrix at each
 * wave vector (the Hermitian dynamical matrix in real form): 648 for a 108-atom cell.
 *
 * A second table: the eigenvalues of a Hermitian n × n matrix (a dynamical matrix at a wave vector, n = 3
 * per atom), and with their vectors, by `hermitianEigenvalues` and `hermitianEigen`, by the real 2n × 2n
 * form (what phonons did before session 34), and by LAPACK (`eigvalsh`, `eigh` on the complex matrix).
 *
 * Usage: npx tsx bench/sim/eigen.mts [repeats=5]
 * Prints Markdown tables for BENCHMARKS.md: median milliseconds, and LAPACK's speed over ours.
 */
import { execFileSync } from 'node:child_process';
import { hermitianEigen, hermitianEigenvalues, symmetricEigen, symmetricEigenvalues } from '../../src-shared/sim/matrix';
import { realForm } from '../../test/helpers/hermitian';
import { medianSeconds } from '../timing';

const repeats = Number(process.argv[2] ?? 5);
const sizes = [96, 192, 324, 648];

/** A random symmetric n × n matrix, entries uniform in [−½, ½), seeded. */
function randomSymmetric(n: number, seed: number): Float64Array {
  let s = seed;
  const next = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = next();
  return a;
}

/** The median of `repeats` timings of f, milliseconds. */
async function median(f: () => unknown): Promise<number> {
  return 1000 * (await medianSeconds(repeats, f))[0];
}

const python = `
import json, sys, time, numpy as np
sizes, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
out = []
for n in sizes:
    a = np.array(json.loads(sys.stdin.readline()))
    a = a.reshape(n, n, 2) if a.size == 2 * n * n else a.reshape(n, n)
    a = a[:, :, 0] + 1j * a[:, :, 1] if a.ndim == 3 else a
    row = []
    for f in (np.linalg.eigvalsh, np.linalg.eigh):
        t = []
        for _ in range(repeats):
            s = time.perf_counter(); f(a); t.append(time.perf_counter() - s)
        row.append(sorted(t)[len(t) // 2] * 1000)
    out.append(row)
print(json.dumps(out))
`;

/** LAPACK's median milliseconds for eigenvalues and for eigenvalues and vectors, per matrix (one row of numbers each: real, or interleaved re, im). */
function lapack(sizes: readonly number[], rows: readonly ArrayLike<number>[]): number[][] {
  const input = rows.map((a) => JSON.stringify(Array.from(a))).join('\n') + '\n';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', python, JSON.stringify(sizes), String(repeats)], { input, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } }));
}

const matrices = sizes.map((n) => randomSymmetric(n, n));
const real = lapack(sizes, matrices);
console.log('| n | values: Latticework | values: LAPACK | LAPACK faster by | with vectors: Latticework | with vectors: LAPACK | LAPACK faster by |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
// the first calls compile the solver: not timed
symmetricEigen(matrices[0], sizes[0]);
symmetricEigenvalues(matrices[0], sizes[0]);
for (const [k, n] of sizes.entries()) {
  const a = matrices[k];
  const values = await median(() => symmetricEigenvalues(a, n));
  const vectors = await median(() => symmetricEigen(a, n));
  const [lv, le] = real[k];
  console.log(`| ${n} | ${values.toFixed(1)} | ${lv.toFixed(1)} | ${(values / lv).toFixed(1)}× | ${vectors.toFixed(1)} | ${le.toFixed(1)} | ${(vectors / le).toFixed(1)}× |`);
}

// Hermitian: re symmetric, im antisymmetric
const hermitianSizes = [96, 162, 324];
const hermitian = hermitianSizes.map((n) => {
  const re = randomSymmetric(n, n);
  const s = randomSymmetric(n, n + 1);
  const im = s.map((x, k) => (Math.floor(k / n) > k % n ? x : Math.floor(k / n) < k % n ? -x : 0));
  return { n, re, im };
});
const complexLapack = lapack(
  hermitianSizes,
  hermitian.map(({ re, im }) => Float64Array.from({ length: 2 * re.length }, (_, k) => (k % 2 ? im : re)[k >> 1])),
);
console.log();
console.log('| Hermitian n | values: Latticework | real 2n form (before) | LAPACK | LAPACK faster by | with vectors: Latticework | real 2n form (before) | LAPACK | LAPACK faster by |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [k, { n, re, im }] of hermitian.entries()) {
  const big = realForm(re, im, n);
  hermitianEigenvalues(re, im, n);
  hermitianEigen(re, im, n);
  const ours = await median(() => hermitianEigenvalues(re, im, n));
  const before = await median(() => symmetricEigenvalues(big, 2 * n));
  const oursVectors = await median(() => hermitianEigen(re, im, n));
  const beforeVectors = await median(() => symmetricEigen(big, 2 * n));
  const [lv, le] = complexLapack[k];
  const cells = [ours, before, lv].map((x) => x.toFixed(1)).join(' | ');
  const vectorCells = [oursVectors, beforeVectors, le].map((x) => x.toFixed(1)).join(' | ');
  console.log(`| ${n} | ${cells} | ${(ours / lv).toFixed(1)}× | ${vectorCells} | ${(oursVectors / le).toFixed(1)}× |`);
}
