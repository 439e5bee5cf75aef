/** Pure camera math for the crystal viewer: bounds, framing, views along lattice vectors. */
import type { Mat3 } from '../../src-shared/chem/structure';

export type V3 = [number, number, number];

export interface Sphere {
  center: V3;
  radius: number;
}

function normalize(v: V3): V3 {
  const l = Math.hypot(v[0], v[1], v[2]);
  return l > 0 ? [v[0] / l, v[1] / l, v[2] / l] : [0, 0, 1];
}

function cross(a: V3, b: V3): V3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * A sphere containing every point (3 floats each) padded by `pad` (e.g. the largest
 * atom radius): centre of the axis-aligned box, radius to the farthest point.
 */
export function boundingSphere(points: ArrayLike<number>, pad = 0): Sphere {
  const n = Math.floor(points.length / 3);
  if (n === 0) return { center: [0, 0, 0], radius: Math.max(1, pad) };
  const lo: V3 = [Infinity, Infinity, Infinity];
  const hi: V3 = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < 3; k++) {
      const v = points[3 * i + k];
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  const c: V3 = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    const dx = points[3 * i] - c[0];
    const dy = points[3 * i + 1] - c[1];
    const dz = points[3 * i + 2] - c[2];
    r2 = Math.max(r2, dx * dx + dy * dy + dz * dz);
  }
  return { center: c, radius: Math.max(Math.sqrt(r2) + pad, 1) };
}

/** Camera distance so that a sphere of `radius` fits a perspective view (vertical fov in degrees, aspect w/h). */
export function fitDistance(radius: number, fovDeg: number, aspect: number): number {
  const vHalf = (fovDeg * Math.PI) / 360;
  const hHalf = Math.atan(Math.tan(vHalf) * Math.max(aspect, 1e-3));
  return (radius / Math.sin(Math.min(vHalf, hHalf))) * 1.15; // a margin around every atom
}

export type ViewAxis = 'a' | 'b' | 'c';

/**
 * What a key pressed on a focused 3D view (the structure's, the graph's) does: R resets the view, A/B/C
 * look along a, b, c, Escape clears what was picked; null for another key or one with Ctrl, Meta or Alt.
 */
export function viewKey(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }): ViewAxis | 'reset' | 'clear' | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const k = e.key.toLowerCase();
  if (k === 'r') return 'reset';
  if (k === 'a' || k === 'b' || k === 'c') return k;
  return k === 'escape' ? 'clear' : null;
}

export interface ViewDirection {
  /** Unit vector from the target to the camera. */
  toCamera: V3;
  /** Unit "up" vector, perpendicular to toCamera. */
  up: V3;
}

/** Orthogonalises `up` against `dir`; falls back to another axis when they are parallel. */
export function orthoUp(dir: V3, up: V3): V3 {
  const d = normalize(dir);
  for (const candidate of [up, [0, 0, 1] as V3, [0, 1, 0] as V3, [1, 0, 0] as V3]) {
    const u = normalize(candidate);
    const dot = u[0] * d[0] + u[1] * d[1] + u[2] * d[2];
    const o: V3 = [u[0] - dot * d[0], u[1] - dot * d[1], u[2] - dot * d[2]];
    if (Math.hypot(o[0], o[1], o[2]) > 1e-6) return normalize(o);
  }
  return [0, 1, 0];
}

/**
 * Looking down a lattice vector (it points at the viewer): along a or b, c is up; along c, b is up.
 * Without a lattice the Cartesian x, y, z axes stand in for a, b, c.
 */
export function viewAlong(axis: ViewAxis, lattice: Mat3 | null): ViewDirection {
  const l: Mat3 = lattice ?? [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const k = axis === 'a' ? 0 : axis === 'b' ? 1 : 2;
  const toCamera = normalize(l[k]);
  const up = orthoUp(toCamera, k === 2 ? l[1] : l[2]);
  return { toCamera, up };
}

/** The default oblique view: from the front-right and a little above, c up (z up for molecules). */
export function defaultView(lattice: Mat3 | null): ViewDirection {
  if (!lattice) return { toCamera: normalize([0.35, -0.4, 1]), up: orthoUp([0.35, -0.4, 1], [0, 1, 0]) };
  const c = normalize(lattice[2]);
  const a = normalize(lattice[0]);
  // b' = c × a: completes a right-handed frame in which the cell is seen from the −b' side.
  const bPerp = normalize(cross(c, a));
  const dir = normalize([
    0.55 * a[0] - 1 * bPerp[0] + 0.45 * c[0],
    0.55 * a[1] - 1 * bPerp[1] + 0.45 * c[1],
    0.55 * a[2] - 1 * bPerp[2] + 0.45 * c[2],
  ]);
  return { toCamera: dir, up: orthoUp(dir, c) };
}

/** The 8 corners of the box spanned by n0·a, n1·b, n2·c from the origin. */
export function boxCorners(lattice: Mat3, repeats: readonly [number, number, number] = [1, 1, 1]): number[] {
  const out: number[] = [];
  for (const i of [0, 1])
    for (const j of [0, 1])
      for (const k of [0, 1]) {
        const f = [i * repeats[0], j * repeats[1], k * repeats[2]];
        for (let d = 0; d < 3; d++) out.push(f[0] * lattice[0][d] + f[1] * lattice[1][d] + f[2] * lattice[2][d]);
      }
  return out;
}

/** The 12 edges of a parallelepiped as line-segment endpoints (6 floats each, 72 in all). */
export function boxEdges(lattice: Mat3, repeats: readonly [number, number, number] = [1, 1, 1]): Float32Array {
  const c = boxCorners(lattice, repeats); // corner index = 4i + 2j + k
  const pairs = [
    [0, 4], [2, 6], [1, 5], [3, 7], // along a
    [0, 2], [4, 6], [1, 3], [5, 7], // along b
    [0, 1], [4, 5], [2, 3], [6, 7], // along c
  ];
  const out = new Float32Array(72);
  pairs.forEach(([p, q], e) => {
    for (let d = 0; d < 3; d++) {
      out[6 * e + d] = c[3 * p + d];
      out[6 * e + 3 + d] = c[3 * q + d];
    }
  });
  return out;
}
