/**
 * Coordination polyhedra as VESTA draws them: around each centre the bond rules connect to its
 * ligands, the convex hull of the ligands, coloured like the centre's element (TiO6 octahedra in
 * BaTiO3, SiO4 tetrahedra in quartz, CO3 triangles in calcite).
 *
 * A centre is an atom bonded (by the current rules and tolerance) to at least three ligands: a
 * ligand is a non-metal neighbour more electronegative than the centre (O around Ti, Cl around Na,
 * F around S). Same-element networks (Si, C, metals) have no centres, and neither do anions
 * (O between two Ti is a vertex, not a centre). The hull is found once per site, on the bond
 * vectors, and placed on every displayed image of the site.
 */
import { elementInfo } from '../../src-shared/chem/elements';
import type { Bonds } from './periodic';
import { NONMETALS } from './model';
import type { DisplayModel, PreparedStructure } from './model';

/** Centres with more ligands than this get no polyhedron (the hull search grows as n⁴). */
export const MAX_LIGANDS = 24;

/** Faces of a convex hull: planar polygons of point indices, counter-clockwise seen from outside. */
export type HullFaces = number[][];

type Vec = [number, number, number];
const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec, b: Vec): Vec => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (a: Vec): Vec => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l];
};

/** The points on a plane (normal `n`), ordered counter-clockwise around `n`. */
function ordered(points: Vec[], on: number[], n: Vec): number[] {
  const c: Vec = [0, 0, 0];
  for (const i of on) for (let d = 0; d < 3; d++) c[d] += points[i][d] / on.length;
  const u = unit(sub(points[on[0]], c));
  const v = cross(n, u);
  const angle = (i: number) => {
    const r = sub(points[i], c);
    return Math.atan2(dot(r, v), dot(r, u));
  };
  return [...on].sort((a, b) => angle(a) - angle(b));
}

/**
 * The convex hull of a few points (a coordination shell) as planar faces; coplanar points on a
 * face make one polygon (a cube has 6 square faces, not 12 triangles). Points all in one plane
 * give that polygon alone (a square-planar or trigonal centre). Null for fewer than three points
 * or points on a line. `tolerance` (Å) is how far a point may lie off a face's plane.
 */
export function convexHull(points: readonly Vec[], tolerance = 0.02): HullFaces | null {
  const n = points.length;
  if (n < 3) return null;
  const pts = points.map((p) => [p[0], p[1], p[2]] as Vec);
  // The plane through the widest triangle: are all points on it?
  let best: Vec | null = null;
  let bestArea = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      for (let k = j + 1; k < n; k++) {
        const c = cross(sub(pts[j], pts[i]), sub(pts[k], pts[i]));
        const a = Math.hypot(c[0], c[1], c[2]);
        if (a > bestArea) [best, bestArea] = [c, a];
      }
  if (!best || bestArea < 1e-8) return null;
  const normal = unit(best);
  const offset = (p: Vec, nn: Vec, d: number) => dot(nn, p) - d;
  const d0 = dot(normal, pts[0]);
  if (pts.every((p) => Math.abs(offset(p, normal, d0)) <= tolerance)) return [ordered(pts, pts.map((_, i) => i), normal)];

  const faces: HullFaces = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      for (let k = j + 1; k < n; k++) {
        const c = cross(sub(pts[j], pts[i]), sub(pts[k], pts[i]));
        const len = Math.hypot(c[0], c[1], c[2]);
        if (len < 1e-8) continue;
        let nn: Vec = [c[0] / len, c[1] / len, c[2] / len];
        let d = dot(nn, pts[i]);
        let above = 0;
        let below = 0;
        for (const p of pts) {
          const s = offset(p, nn, d);
          if (s > tolerance) above++;
          else if (s < -tolerance) below++;
        }
        if (above > 0 && below > 0) continue;
        if (above > 0) {
          nn = [-nn[0], -nn[1], -nn[2]];
          d = -d;
        }
        const on = pts.map((_, q) => q).filter((q) => Math.abs(offset(pts[q], nn, d)) <= tolerance);
        const key = on.join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        faces.push(ordered(pts, on, nn));
      }
  return faces;
}

/** What the scene draws for the polyhedra (sRGB colours), and what they are. */
export interface PolyhedronData {
  /** Triangles (fans of the faces), 9 floats each. */
  triangles: Float32Array;
  /** sRGB 0..1 per triangle vertex (the centre's element colour), 9 per triangle. */
  colors: Float32Array;
  /** Face outlines (not the fan's inner edges), 6 floats per segment. */
  edges: Float32Array;
}

export interface Polyhedra extends PolyhedronData {
  /** Display atom at the centre of each polyhedron. */
  center: Int32Array;
  /** Per polyhedron: its vertices (ligands) and faces (planar polygons). */
  vertexCount: Int32Array;
  faceCount: Int32Array;
}

function electronegativity(z: number): number {
  return elementInfo(z)?.electronegativity ?? Number.NaN;
}

/** Per site: the ligands' bond vectors (Å, from the centre) when the site is a centre. */
export function ligandShells(p: PreparedStructure, bonds: Bonds): (Vec[] | null)[] {
  const shells: Vec[][] = p.symbols.map(() => []);
  for (let b = 0; b < bonds.center.length; b++) {
    const zi = p.numbers[bonds.center[b]];
    const zj = p.numbers[bonds.neighbor[b]];
    if (!NONMETALS.has(zj) || !(electronegativity(zj) > electronegativity(zi))) continue;
    shells[bonds.center[b]].push([bonds.vector[3 * b], bonds.vector[3 * b + 1], bonds.vector[3 * b + 2]]);
  }
  return shells.map((s) => (s.length >= 3 && s.length <= MAX_LIGANDS ? s : null));
}

/** The coordination polyhedra of every displayed centre. */
export function coordinationPolyhedra(p: PreparedStructure, d: DisplayModel, bonds: Bonds): Polyhedra {
  const shells = ligandShells(p, bonds);
  const hulls = shells.map((s) => (s ? convexHull(s) : null));
  const centers: number[] = [];
  const vertexCount: number[] = [];
  const faceCount: number[] = [];
  const tri: number[] = [];
  const col: number[] = [];
  const edges: number[] = [];
  for (let a = 0; a < d.atoms.site.length; a++) {
    const i = d.atoms.site[a];
    const faces = hulls[i];
    const shell = shells[i];
    if (!faces || !shell) continue;
    const o: Vec = [d.positions[3 * a], d.positions[3 * a + 1], d.positions[3 * a + 2]];
    const at = (q: number) => [o[0] + shell[q][0], o[1] + shell[q][1], o[2] + shell[q][2]];
    const rgb = [d.colors[3 * a], d.colors[3 * a + 1], d.colors[3 * a + 2]];
    centers.push(a);
    vertexCount.push(shell.length);
    faceCount.push(faces.length);
    const outline = new Set<string>();
    for (const f of faces) {
      for (let k = 1; k + 1 < f.length; k++) {
        tri.push(...at(f[0]), ...at(f[k]), ...at(f[k + 1]));
        col.push(...rgb, ...rgb, ...rgb);
      }
      for (let k = 0; k < f.length; k++) {
        const [u, v] = [f[k], f[(k + 1) % f.length]];
        const key = u < v ? `${u}-${v}` : `${v}-${u}`;
        if (outline.has(key)) continue;
        outline.add(key);
        edges.push(...at(u), ...at(v));
      }
    }
  }
  return {
    center: Int32Array.from(centers),
    vertexCount: Int32Array.from(vertexCount),
    faceCount: Int32Array.from(faceCount),
    triangles: Float32Array.from(tri),
    colors: Float32Array.from(col),
    edges: Float32Array.from(edges),
  };
}
