import type { Mat3, Structure } from '../../../src-shared/chem/structure';

/** A Structure from lattice rows and fractional coordinates (test helper, no parser needed). */
export function makeCrystal(lattice: Mat3, frac: number[][], numbers: number[], name = 'test'): Structure {
  const n = frac.length;
  const cart = new Float64Array(3 * n);
  const f = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) {
      f[3 * i + t] = frac[i][t];
      cart[3 * i + t] = frac[i][0] * lattice[0][t] + frac[i][1] * lattice[1][t] + frac[i][2] * lattice[2][t];
    }
  }
  return {
    name,
    lattice,
    pbc: [true, true, true],
    numbers: Int32Array.from(numbers),
    species: numbers.map(String),
    cart,
    frac: f,
    occupancy: new Float64Array(n).fill(1),
    siteProperties: {},
    properties: {},
  };
}

/** fcc conventional cell (4 atoms) of lattice constant a. */
export function fcc(a: number, z = 29): Structure {
  return makeCrystal(
    [[a, 0, 0], [0, a, 0], [0, 0, a]],
    [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]],
    [z, z, z, z],
    'fcc',
  );
}

/** n1 × n2 × n3 supercell; atom (cell, site) order: site fastest. */
export function supercell(s: Structure, n1: number, n2: number, n3: number): Structure {
  const L = s.lattice!;
  const frac: number[][] = [];
  const numbers: number[] = [];
  const m = s.numbers.length;
  for (let a = 0; a < n1; a++)
    for (let b = 0; b < n2; b++)
      for (let c = 0; c < n3; c++)
        for (let i = 0; i < m; i++) {
          frac.push([(s.frac![3 * i] + a) / n1, (s.frac![3 * i + 1] + b) / n2, (s.frac![3 * i + 2] + c) / n3]);
          numbers.push(s.numbers[i]);
        }
  const big: Mat3 = [
    [L[0][0] * n1, L[0][1] * n1, L[0][2] * n1],
    [L[1][0] * n2, L[1][1] * n2, L[1][2] * n2],
    [L[2][0] * n3, L[2][1] * n3, L[2][2] * n3],
  ];
  return makeCrystal(big, frac, numbers, `${s.name}-${n1}x${n2}x${n3}`);
}
