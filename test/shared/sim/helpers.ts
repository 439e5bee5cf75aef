/** Shared pieces of the simulation tests: ASE's golden numbers and small structures built here. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { Rng } from '../../../src-shared/model/rng';
import { Atoms } from '../../../src-shared/sim';

/** A structure as scripts/sim/ase_golden.py writes it (ASE's Atoms: positions, cell, pbc). */
export interface GoldenGeometry {
  name: string;
  numbers: number[];
  positions: number[][];
  cell: number[][] | null;
  pbc: boolean[];
}

export interface GoldenLabels {
  energy: number;
  forces: number[][];
  energies?: number[];
  stress: number[] | null;
}

export interface GoldenRelax extends GoldenGeometry {
  fixed: number[];
  fmax: number;
  startEnergy: number;
  energy: number;
  steps: number;
}

/** Atoms held along some axes (scripts/sim/ase_golden.py `axes_cases`), with what ASE did with them. */
export interface GoldenAxes extends Omit<GoldenGeometry, 'name'> {
  frame: 'lattice' | 'cartesian';
  fixed: number[];
  held: { atom: number; held: [boolean, boolean, boolean] }[];
  fire: { fmax: number; energy: number; steps: number; positions: number[][] };
  lbfgs: { fmax: number; energy: number; steps: number; positions: number[][] };
  md: { timestep: number; velocities: number[][]; steps: number; total: number[]; positions: number[][]; finalVelocities: number[][]; temperature: number };
  /** Along lattice vectors only. */
  cellRelax?: { energy: number; volume: number; positions: number[][]; cell: number[][] };
}

export interface Golden {
  ase: string;
  emt: (GoldenGeometry & GoldenLabels)[];
  lj: (GoldenGeometry & GoldenLabels & { parameters: Record<string, number | boolean> })[];
  morse: (GoldenGeometry & GoldenLabels & { parameters: Record<string, number> })[];
  fire: GoldenRelax[];
  lbfgs: GoldenRelax[];
  cell: { start: number; latticeConstant: number; stress: number[] };
  eos: { latticeConstant: number; volumeScales: number[]; volumes: number[]; energies: number[]; v0: number; e0: number; b0: number; b0GPa: number; b0prime: number };
  axes: GoldenAxes[];
}

export const golden: Golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/sim/ase-golden.json', import.meta.url)), 'utf8'));

/** ASE keeps a zero cell for molecules; we keep none. */
export function atomsFromGolden(g: GoldenGeometry, fixed: number[] = []): Atoms {
  const hasCell = g.cell !== null && g.pbc.some((p) => p);
  const atoms = new Atoms({
    numbers: Int32Array.from(g.numbers),
    cart: Float64Array.from(g.positions.flat()),
    lattice: hasCell ? (g.cell as Mat3) : null,
    pbc: g.pbc,
  });
  if (fixed.length === 0) return atoms;
  const mask = new Uint8Array(g.numbers.length);
  for (const i of fixed) mask[i] = 1;
  return new Atoms({ ...atoms, fixed: mask });
}

/** fcc crystal, conventional cubic cell of side a (Å) repeated rep×rep×rep, one element. */
export function fcc(a: number, rep: number, z = 29): Atoms {
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const cart: number[] = [];
  for (let i = 0; i < rep; i++) for (let j = 0; j < rep; j++) for (let k = 0; k < rep; k++) for (const b of basis) cart.push((i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a);
  const L = rep * a;
  return new Atoms({
    numbers: new Int32Array(cart.length / 3).fill(z),
    cart: Float64Array.from(cart),
    lattice: [
      [L, 0, 0],
      [0, L, 0],
      [0, 0, L],
    ],
    pbc: [true, true, true],
  });
}

/** Largest absolute difference between two arrays of numbers. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Seeded Gaussian rattle of every coordinate (Å). */
export function rattle(atoms: Atoms, std: number, seed: number): void {
  const rng = new Rng(seed);
  for (let k = 0; k < atoms.cart.length; k++) atoms.cart[k] += std * rng.normal();
}
