/**
 * Atoms as ray-cast sphere impostors: one camera-facing quad per atom (instanced),
 * the fragment shader intersects the view ray with the sphere, shades it and writes
 * the true depth. Two triangles per atom instead of hundreds, so 10^4–10^5 atoms stay
 * cheap even on a software rasteriser; spheres are perfectly round at any zoom.
 * Picking is done on the CPU (ray–sphere over all atoms), exact and fast.
 */
import { ShaderMaterial } from 'three';
import type { Ray } from 'three';
import { Impostors, shadeImpostor } from './impostors';

const vertexShader = /* glsl */ `
attribute vec3 center;
attribute float radius;
attribute vec3 icolor;
varying vec3 vColor;
varying vec3 vCenter;
varying float vRadius;
varying vec3 vPos;
void main() {
  vec4 c = modelViewMatrix * vec4(center, 1.0);
  float d = length(c.xyz);
  float r = radius;
  // The quad sits in the plane through the centre, perpendicular to the view ray, sized to
  // the silhouette of the sphere seen from the camera (larger than r under perspective).
  float size = r / sqrt(max(1e-4, 1.0 - min(0.98, (r * r) / max(d * d, 1e-8)))) * 1.02;
  vec3 dir = c.xyz / max(d, 1e-8);
  vec3 helper = abs(dir.y) < 0.99 ? vec3(0.0, 1.0, 0.0) : vec3(1.0, 0.0, 0.0);
  vec3 right = normalize(cross(dir, helper));
  vec3 up = cross(right, dir);
  vec3 pos = c.xyz + (right * position.x + up * position.y) * size;
  vPos = pos;
  vCenter = c.xyz;
  vRadius = r;
  vColor = icolor;
  gl_Position = projectionMatrix * vec4(pos, 1.0);
}
`;

const fragmentShader = /* glsl */ `
varying vec3 vColor;
${shadeImpostor}
varying vec3 vCenter;
varying float vRadius;
varying vec3 vPos;
void main() {
  vec3 rd = normalize(vPos);
  float b = dot(rd, vCenter);
  float c = dot(vCenter, vCenter) - vRadius * vRadius;
  float h = b * b - c;
  if (h < 0.0) discard;
  float t = b - sqrt(h);
  vec3 p = rd * t;
  vec3 n = normalize(p - vCenter);
  shadeImpostor(p, n, rd, 60.0, 0.28);
}
`;

export class SphereImpostors extends Impostors {
  private centers: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private radii: Float32Array<ArrayBufferLike> = new Float32Array(0);

  constructor() {
    super(new ShaderMaterial({ vertexShader, fragmentShader }), [-1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 1, 0], [
      ['center', 3],
      ['radius', 1],
      ['icolor', 3],
    ]);
  }

  /** Positions (3 per atom), radii and linear-RGB colours (3 per atom). */
  set(positions: Float32Array, radii: Float32Array, linearColors: Float32Array): void {
    const n = radii.length;
    this.ensure(n);
    this.put('center', positions, n);
    this.put('radius', radii, n);
    this.put('icolor', linearColors, n);
    this.setCount(n);
    this.centers = positions;
    this.radii = radii;
  }

  setRadii(radii: Float32Array): void {
    this.put('radius', radii, this.count);
    this.radii = radii;
  }

  setColors(linearColors: Float32Array): void {
    this.put('icolor', linearColors, this.count);
  }

  /** Nearest atom hit by a world-space ray, or null. */
  raycast(ray: Ray): number | null {
    const o = ray.origin;
    const d = ray.direction;
    let best = Infinity;
    let hit: number | null = null;
    const p = this.centers;
    for (let i = 0; i < this.count; i++) {
      const cx = p[3 * i] - o.x;
      const cy = p[3 * i + 1] - o.y;
      const cz = p[3 * i + 2] - o.z;
      const b = cx * d.x + cy * d.y + cz * d.z;
      const r = this.radii[i];
      const h = b * b - (cx * cx + cy * cy + cz * cz) + r * r;
      if (h < 0) continue;
      const t = b - Math.sqrt(h);
      if (t > 0 && t < best) {
        best = t;
        hit = i;
      }
    }
    return hit;
  }
}
