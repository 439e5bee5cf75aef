/**
 * The symmetric eigensolver (`symmetricEigenvalues`, `symmetricEigen`; sim/matrix.ts) that phonons,
 * vibrations and the lowest-curvature check diagonalise with, against LAPACK through numpy
 * (`numpy.linalg.eigvalsh`, `eigh`; Debian's python3-numpy, timed inside Python) on the same random
 * symmetric matrices. A phonon calculation of an n-atom cell diagonalises a 6n × 6n real matrix at each
 * wave vector (the Hermitian dynamical matrix in real form): 648 for a 108-atom cell.
 *
 * Usage: npx tsx bench/sim/eigen.mts [repeats=5]
 * Prints a Markdown table for BENCHMARKS.md: median milliseconds, and LAPACK's speed over ours.
 */
import { execFileSync } from 'node:child_process';
import { symmetricEigen, symmetricEigenvalues } from '../../src-shared/sim/matrix';

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

function median(f: () => void): number {
  const t: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    f();
    t.push(performance.now() - start);
  }
  return t.sort((x, y) => x - y)[Math.floor(repeats / 2)];
}

const python = `
import json, sys, time, numpy as np
sizes, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
out = []
for n in sizes:
    a = np.array(json.loads(sys.stdin.readline())).reshape(n, n)
    row = []
    for f in (np.linalg.eigvalsh, np.linalg.eigh):
        t = []
        for _ in range(repeats):
            s = time.perf_counter(); f(a); t.append(time.perf_counter() - s)
        row.append(sorted(t)[len(t) // 2] * 1000)
    out.append(row)
print(json.dumps(out))
`;

const matrices = sizes.map((n) => randomSymmetric(n, n));
const lapack: number[][] = JSON.parse(
  execFileSync('/usr/bin/python3', ['-c', python, JSON.stringify(sizes), String(repeats)], { input: matrices.map((a) => JSON.stringify(Array.from(a))).join('\n') + '\n', encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } }),
);
console.log('| n | values: Latticework | values: LAPACK | LAPACK faster by | with vectors: Latticework | with vectors: LAPACK | LAPACK faster by |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
// the first calls compile the solver: not timed
symmetricEigen(matrices[0], sizes[0]);
symmetricEigenvalues(matrices[0], sizes[0]);
sizes.forEach((n, k) => {
  const a = matrices[k];
  const values = median(() => symmetricEigenvalues(a, n));
  const vectors = median(() => symmetricEigen(a, n));
  const [lv, le] = lapack[k];
  console.log(`| ${n} | ${values.toFixed(1)} | ${lv.toFixed(1)} | ${(values / lv).toFixed(1)}× | ${vectors.toFixed(1)} | ${le.toFixed(1)} | ${(vectors / le).toFixed(1)}× |`);
});
