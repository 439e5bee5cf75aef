import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { bondsOf, buildDisplay, prepareStructure } from '../../../src-renderer/viewer/model';
import type { BondRule, ViewerStructure } from '../../../src-renderer/viewer/model';
import { atomColors } from '../../../src-renderer/viewer/elementStyle';
import { convexHull, coordinationPolyhedra } from '../../../src-renderer/viewer/polyhedra';

type V = [number, number, number];
const cubic = (a: number): Mat3 => [
  [a, 0, 0],
  [0, a, 0],
  [0, 0, a],
];

/** Vertices, edges and faces of a hull, for Euler's V − E + F = 2. */
function euler(faces: number[][]): { v: number; e: number; f: number } {
  const vertices = new Set(faces.flat());
  const edges = new Set<string>();
  for (const f of faces) for (let k = 0; k < f.length; k++) edges.add([f[k], f[(k + 1) % f.length]].sort().join('-'));
  return { v: vertices.size, e: edges.size, f: faces.length };
}

/** Polyhedra of a structure as the viewer shows it by default (one cell, atoms on its faces). */
function polyhedraOf(s: ViewerStructure, rules?: Record<string, BondRule>, repeats: V = [1, 1, 1]) {
  const p = prepareStructure(s);
  const d = buildDisplay(p, repeats, true);
  return { p, d, ph: coordinationPolyhedra(p, d, bondsOf(p, 1.15, rules)) };
}

describe('convexHull', () => {
  it('gives an octahedron 8 triangles and a cube 6 squares, each face counter-clockwise from outside', () => {
    const octahedron: V[] = [
      [2, 0, 0],
      [-2, 0, 0],
      [0, 2, 0],
      [0, -2, 0],
      [0, 0, 2],
      [0, 0, -2],
    ];
    const oct = convexHull(octahedron)!;
    expect(oct.map((f) => f.length)).toEqual(Array(8).fill(3));
    expect(euler(oct)).toEqual({ v: 6, e: 12, f: 8 });
    const cube: V[] = [];
    for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) cube.push([x, y, z]);
    const faces = convexHull(cube)!;
    expect(faces.map((f) => f.length)).toEqual(Array(6).fill(4));
    expect(euler(faces)).toEqual({ v: 8, e: 12, f: 6 });
    // Outward: each face's normal (by its winding) points away from the centre.
    for (const f of faces) {
      const [a, b, c] = f.map((i) => cube[i]);
      const n = [
        (b[1] - a[1]) * (c[2] - a[2]) - (b[2] - a[2]) * (c[1] - a[1]),
        (b[2] - a[2]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[2] - a[2]),
        (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]),
      ];
      expect(n[0] * a[0] + n[1] * a[1] + n[2] * a[2]).toBeGreaterThan(0);
    }
  });
  it('draws planar shells as one polygon and refuses lines', () => {
    const square: V[] = [
      [2, 0, 0],
      [0, 2, 0],
      [-2, 0, 0],
      [0, -2, 0],
    ];
    expect(convexHull(square)!.map((f) => [...f].sort())).toEqual([[0, 1, 2, 3]]);
    expect(convexHull(square.slice(0, 3))!.length).toBe(1);
    expect(
      convexHull([
        [1, 0, 0],
        [2, 0, 0],
        [3, 0, 0],
      ]),
    ).toBeNull();
    expect(convexHull(square.slice(0, 2))).toBeNull();
  });
});

describe('coordination polyhedra', () => {
  // Tetragonal BaTiO3 (P4mm) as in the shared CGCNN sample 1507756.cif (Ti and O off-centre).
  const batio3: ViewerStructure = {
    lattice: [
      [3.9999, 0, 0],
      [0, 3.9999, 0],
      [0, 0, 4.017],
    ],
    pbc: [true, true, true],
    numbers: [56, 22, 8, 8, 8],
    cart: [],
    frac: [0, 0, 0, 0.5, 0.5, 0.482, 0.5, 0.5, 0.016, 0.5, 0, 0.515, 0, 0.5, 0.515],
  };

  it('draws one TiO6 octahedron in BaTiO3, in titanium’s colour, its vertices on the Ti–O bonds', () => {
    const { p, d, ph } = polyhedraOf(batio3);
    expect(ph.center.length).toBe(1);
    const a = ph.center[0];
    expect(p.symbols[d.atoms.site[a]]).toBe('Ti');
    expect(Array.from(ph.vertexCount)).toEqual([6]);
    expect(Array.from(ph.faceCount)).toEqual([8]);
    expect(ph.triangles.length / 9).toBe(8);
    expect(ph.edges.length / 6).toBe(12);
    const ti = Array.from(atomColors([22]));
    for (let v = 0; v < ph.colors.length / 3; v++) expect(Array.from(ph.colors.slice(3 * v, 3 * v + 3))).toEqual(ti);
    // Every vertex is an O at a Ti–O bond length (1.8–2.3 Å in tetragonal BaTiO3) from the Ti.
    const o = [d.positions[3 * a], d.positions[3 * a + 1], d.positions[3 * a + 2]];
    for (let v = 0; v < ph.triangles.length / 3; v++) {
      const r = Math.hypot(ph.triangles[3 * v] - o[0], ph.triangles[3 * v + 1] - o[1], ph.triangles[3 * v + 2] - o[2]);
      expect(r).toBeGreaterThan(1.8);
      expect(r).toBeLessThan(2.3);
    }
  });

  it('puts one on every displayed image of a centre (2 × 2 × 2: eight)', () => {
    const { ph } = polyhedraOf(batio3, undefined, [2, 2, 2]);
    expect(ph.center.length).toBe(8);
    expect(ph.triangles.length / 9).toBe(64);
  });

  it('follows the bond rules: none when Ti–O is not bonded, BaO12 when Ba–O is', () => {
    expect(polyhedraOf(batio3, { 'O-Ti': { on: false, max: null } }).ph.center.length).toBe(0);
    const { p, d, ph } = polyhedraOf(batio3, { 'O-Ba': { on: true, max: null } });
    const centres = Array.from(ph.center, (a) => p.symbols[d.atoms.site[a]]);
    expect(centres.filter((s) => s === 'Ti')).toHaveLength(1);
    expect(centres.filter((s) => s === 'Ba').length).toBeGreaterThan(0);
    const ba = Array.from(ph.center).findIndex((a) => p.symbols[d.atoms.site[a]] === 'Ba');
    expect(ph.vertexCount[ba]).toBe(12);
  });

  it('makes CsCl’s cube of 6 square faces, and none in diamond or a metal (no bonded centres)', () => {
    const cscl = { lattice: cubic(4.12), pbc: [true, true, true], numbers: [55, 17], cart: [0, 0, 0, 2.06, 2.06, 2.06], frac: null };
    const { p, d, ph } = polyhedraOf(cscl);
    // Cs sits on the 8 corners of the drawn cell, each with a cube of Cl around it.
    expect(ph.center.length).toBe(8);
    expect(Array.from(ph.center, (a) => p.symbols[d.atoms.site[a]])).toEqual(Array(8).fill('Cs'));
    expect(Array.from(ph.faceCount)).toEqual(Array(8).fill(6));
    expect(ph.triangles.length / 9).toBe(8 * 12);
    expect(ph.edges.length / 6).toBe(8 * 12);
    const h = 2.715;
    const silicon = {
      lattice: [
        [0, h, h],
        [h, 0, h],
        [h, h, 0],
      ] as Mat3,
      pbc: [true, true, true],
      numbers: [14, 14],
      cart: [0, 0, 0, h / 2, h / 2, h / 2],
      frac: null,
    };
    expect(bondsOf(prepareStructure(silicon), 1.15).center.length).toBe(8);
    expect(polyhedraOf(silicon).ph.center.length).toBe(0);
    const copper = { lattice: cubic(3.61), pbc: [true, true, true], numbers: [29, 29, 29, 29], cart: [0, 0, 0, 1.805, 1.805, 0, 1.805, 0, 1.805, 0, 1.805, 1.805], frac: null };
    expect(polyhedraOf(copper).ph.center.length).toBe(0);
  });
});
