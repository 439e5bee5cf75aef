/**
 * Arrows on atoms (forces, their errors, any per-site vector): instanced cylinder shafts and cone
 * heads with shared unit geometries, one instance of each per arrow, coloured per arrow.
 *
 * An arrow starts on the surface of its atom's sphere (so that short arrows stay visible) and its
 * length is the vector's length: callers scale vectors to Å (e.g. 1 Å per eV/Å). The head takes
 * up to a third of the length (at most 3 shaft radii × 2.5), so the tip is exactly at
 * start + vector.
 */
import { BufferGeometry, ConeGeometry, CylinderGeometry, Group, InstancedBufferAttribute, InstancedMesh, Matrix4, MeshLambertMaterial, Quaternion, Vector3 } from 'three';

export interface ArrowData {
  /** 3 per arrow, Å: where the arrow starts. */
  start: Float32Array;
  /** 3 per arrow, Å: from the start to the tip. */
  vector: Float32Array;
  /** sRGB 0..1, 3 per arrow. */
  colors: Float32Array;
  /** Shaft radius, Å. */
  radius: number;
}

/** Arrows shorter than this (Å) are not drawn (zero vectors; anything longer is drawn, however small). */
export const MIN_ARROW_LENGTH = 1e-6;

/** Head length of an arrow of length `length` with shaft radius `radius`. */
export function headLength(length: number, radius: number): number {
  return Math.min(length / 3, 7.5 * radius);
}

/**
 * Instance matrices of the shafts and heads (16 floats each, column-major), for unit geometries
 * that span y ∈ [0, 1] with radius 1; arrows below `MIN_ARROW_LENGTH` are left out (`index`
 * lists the arrows drawn).
 */
export function arrowMatrices(data: ArrowData): { shafts: Float32Array; heads: Float32Array; index: Int32Array } {
  const n = data.start.length / 3;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (Math.hypot(data.vector[3 * i], data.vector[3 * i + 1], data.vector[3 * i + 2]) >= MIN_ARROW_LENGTH) keep.push(i);
  const shafts = new Float32Array(16 * keep.length);
  const heads = new Float32Array(16 * keep.length);
  const up = new Vector3(0, 1, 0);
  const dir = new Vector3();
  const q = new Quaternion();
  const m = new Matrix4();
  const pos = new Vector3();
  const scale = new Vector3();
  keep.forEach((i, k) => {
    dir.set(data.vector[3 * i], data.vector[3 * i + 1], data.vector[3 * i + 2]);
    const len = dir.length();
    dir.divideScalar(len);
    q.setFromUnitVectors(up, dir);
    const head = headLength(len, data.radius);
    pos.set(data.start[3 * i], data.start[3 * i + 1], data.start[3 * i + 2]);
    m.compose(pos, q, scale.set(data.radius, len - head, data.radius)).toArray(shafts, 16 * k);
    pos.addScaledVector(dir, len - head);
    const hr = Math.min(2.5 * data.radius, head * 0.6);
    m.compose(pos, q, scale.set(hr, head, hr)).toArray(heads, 16 * k);
  });
  return { shafts, heads, index: Int32Array.from(keep) };
}

/** sRGB → linear (three's working colour space), per component. */
function linear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** One set of arrows in a scene: two instanced meshes (shafts, heads) in a group, grown as needed. */
export class ArrowGlyphs {
  readonly group = new Group();
  private readonly shaftGeometry = new CylinderGeometry(1, 1, 1, 12, 1).translate(0, 0.5, 0);
  private readonly headGeometry = new ConeGeometry(1, 1, 16, 1).translate(0, 0.5, 0);
  private readonly material = new MeshLambertMaterial({ color: 0xffffff });
  private meshes: [InstancedMesh, InstancedMesh] | null = null;
  private capacity = 0;

  /** Arrows drawn. */
  get count(): number {
    return this.meshes ? this.meshes[0].count : 0;
  }

  /** Replaces the arrows; null or an empty set draws none. */
  set(data: ArrowData | null): void {
    const m = data ? arrowMatrices(data) : null;
    const n = m ? m.index.length : 0;
    if (n > this.capacity) this.grow(n);
    if (!this.meshes) return;
    const colors = new Float32Array(3 * n);
    for (let k = 0; k < n; k++) for (let c = 0; c < 3; c++) colors[3 * k + c] = linear(data!.colors[3 * m!.index[k] + c]);
    const [shafts, heads] = this.meshes;
    for (const [mesh, matrices] of [
      [shafts, m?.shafts],
      [heads, m?.heads],
    ] as const) {
      if (matrices) (mesh.instanceMatrix.array as Float32Array).set(matrices);
      mesh.instanceMatrix.needsUpdate = true;
      (mesh.instanceColor!.array as Float32Array).set(colors);
      mesh.instanceColor!.needsUpdate = true;
      mesh.count = n;
    }
  }

  private grow(n: number): void {
    this.removeMeshes();
    this.capacity = Math.max(n, 2 * this.capacity);
    const make = (g: BufferGeometry) => {
      const mesh = new InstancedMesh(g, this.material, this.capacity);
      mesh.instanceColor = new InstancedBufferAttribute(new Float32Array(3 * this.capacity), 3);
      mesh.frustumCulled = false;
      mesh.count = 0;
      this.group.add(mesh);
      return mesh;
    };
    this.meshes = [make(this.shaftGeometry), make(this.headGeometry)];
  }

  private removeMeshes(): void {
    for (const mesh of this.meshes ?? []) {
      this.group.remove(mesh);
      mesh.dispose(); // its instance buffers; the shared geometries and material stay
    }
    this.meshes = null;
  }

  dispose(): void {
    this.removeMeshes();
    this.shaftGeometry.dispose();
    this.headGeometry.dispose();
    this.material.dispose();
  }
}

/** A vector per site of a structure (forces, errors, …) to draw as arrows on every displayed image of the site. */
export interface SiteArrows {
  /** 3 per site, in the vectors' own units (e.g. eV/Å). */
  vectors: ArrayLike<number>;
  /** sRGB 0..1, 3 per site. */
  colors: Float32Array;
  /** Å of arrow per unit of vector. */
  scale: number;
  /** Shaft radius, Å. */
  radius: number;
}

/**
 * The arrows of the displayed atoms: each display atom `a` (an image of site `site[a]`) gets its
 * site's vector × scale, starting on its sphere (radius `radii[a]`, Å) in the vector's direction.
 */
export function siteArrowData(display: { atoms: { site: ArrayLike<number> }; positions: Float32Array }, radii: Float32Array, arrows: SiteArrows): ArrowData {
  const sites = display.atoms.site;
  const m = sites.length;
  const start = new Float32Array(3 * m);
  const vector = new Float32Array(3 * m);
  const colors = new Float32Array(3 * m);
  for (let a = 0; a < m; a++) {
    const s = sites[a];
    const v = [arrows.vectors[3 * s], arrows.vectors[3 * s + 1], arrows.vectors[3 * s + 2]];
    const len = Math.hypot(v[0], v[1], v[2]);
    for (let c = 0; c < 3; c++) {
      const unit = len > 0 ? v[c] / len : 0;
      start[3 * a + c] = display.positions[3 * a + c] + unit * radii[a];
      vector[3 * a + c] = v[c] * arrows.scale;
      colors[3 * a + c] = arrows.colors[3 * s + c];
    }
  }
  return { start, vector, colors, radius: arrows.radius };
}
