/**
 * What the ray-cast impostors (atoms as spheres, bonds as sticks) share: one instanced quad
 * per item whose per-instance float attributes grow on demand, drawn with the subclass's
 * shader material (not frustum-culled: the quads are placed in the vertex shader).
 */
import { BufferAttribute, DynamicDrawUsage, InstancedBufferAttribute, InstancedBufferGeometry, Mesh } from 'three';
import type { ShaderMaterial } from 'three';

/**
 * GLSL for the impostors' fragment shaders (after their `vColor` varying): shades the surface
 * point p (view space) with normal n, seen along the view ray rd, and writes its true depth.
 */
export const shadeImpostor = /* glsl */ `
uniform mat4 projectionMatrix;
void shadeImpostor(vec3 p, vec3 n, vec3 rd, float shininess, float specular) {
  vec3 L = normalize(vec3(0.6, 0.8, 1.0));
  float diff = max(dot(n, L), 0.0);
  vec3 H = normalize(L - rd);
  float spec = pow(max(dot(n, H), 0.0), shininess) * specular;
  vec3 col = vColor * (0.42 + 0.68 * diff) + vec3(spec);
  vec4 clip = projectionMatrix * vec4(p, 1.0);
  gl_FragDepth = 0.5 * (clip.z / clip.w) + 0.5;
  gl_FragColor = linearToOutputTexel(vec4(col, 1.0));
}
`;

/** A per-instance attribute: its name in the shader and its floats per instance. */
export type InstanceAttribute = readonly [name: string, size: number];

export abstract class Impostors {
  readonly mesh: Mesh;
  protected geometry = new InstancedBufferGeometry();
  private capacity = 0;
  count = 0;

  /** `corners`: the quad's four corners (x, y, z each), drawn as two triangles. */
  protected constructor(
    protected readonly material: ShaderMaterial,
    private readonly corners: readonly number[],
    private readonly attributes: readonly InstanceAttribute[],
  ) {
    this.mesh = new Mesh(this.geometry, this.material);
    this.mesh.frustumCulled = false;
    this.ensure(16, true);
  }

  /** Grows the instance buffers (a new geometry: the old one and its GPU buffers are disposed). */
  protected ensure(n: number, force = false): void {
    if (n <= this.capacity && !force) return;
    this.capacity = Math.max(n, 16);
    this.geometry.dispose();
    const g = new InstancedBufferGeometry();
    g.setAttribute('position', new BufferAttribute(new Float32Array(this.corners), 3));
    g.setIndex([0, 1, 2, 0, 2, 3]);
    for (const [name, size] of this.attributes) {
      const attr = new InstancedBufferAttribute(new Float32Array(size * this.capacity), size);
      attr.setUsage(DynamicDrawUsage);
      g.setAttribute(name, attr);
    }
    g.instanceCount = 0;
    this.geometry = g;
    this.mesh.geometry = g;
  }

  /** Copies the values of the first n instances from data into the named attribute. */
  protected put(name: string, data: Float32Array, n: number): void {
    const attr = this.geometry.getAttribute(name) as InstancedBufferAttribute;
    (attr.array as Float32Array).set(data.subarray(0, attr.itemSize * n));
    attr.needsUpdate = true;
  }

  /** How many instances are drawn. */
  protected setCount(n: number): void {
    this.geometry.instanceCount = n;
    this.count = n;
  }

  dispose(): void {
    this.geometry.dispose();
    this.material.dispose();
  }
}
