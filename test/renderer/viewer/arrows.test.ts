import { describe, expect, it } from 'vitest';
import { Matrix4, Vector3 } from 'three';
import { ArrowGlyphs, arrowMatrices, headLength, siteArrowData } from '../../../src-renderer/viewer/arrows';

/** Where a unit-geometry point (0, y, 0) goes under instance k's matrix. */
function at(matrices: Float32Array, k: number, y: number): number[] {
  return new Vector3(0, y, 0).applyMatrix4(new Matrix4().fromArray(matrices, 16 * k)).toArray();
}

describe('force arrows', () => {
  it('put each arrow from its start to start + vector, head on the shaft, zero vectors left out', () => {
    const data = {
      start: new Float32Array([0, 0, 0, 1, 2, 3, 5, 5, 5]),
      vector: new Float32Array([0, 0, 2, 0, 0, 0, -1.5, 0.5, 0]),
      colors: new Float32Array(9),
      radius: 0.05,
    };
    const m = arrowMatrices(data);
    expect(Array.from(m.index)).toEqual([0, 2]);
    // arrow 0 along +z: shaft from the start, head from the end of the shaft to the tip
    const h = headLength(2, 0.05);
    expect(h).toBeCloseTo(0.375, 10);
    const close = (a: number[], b: number[]) => a.forEach((x, c) => expect(x).toBeCloseTo(b[c], 5));
    close(at(m.shafts, 0, 0), [0, 0, 0]);
    close(at(m.shafts, 0, 1), [0, 0, 2 - h]);
    close(at(m.heads, 0, 0), [0, 0, 2 - h]);
    close(at(m.heads, 0, 1), [0, 0, 2]);
    // arrow 2 (index 1 drawn): tip at start + vector in an arbitrary direction
    close(at(m.heads, 1, 1), [3.5, 5.5, 5]);
    const len = Math.hypot(1.5, 0.5);
    close(at(m.shafts, 1, 1), [5 - (1.5 * (len - headLength(len, 0.05))) / len, 5 + (0.5 * (len - headLength(len, 0.05))) / len, 5]);
  });

  it('draw every displayed image of a site with its site’s force, starting on the sphere', () => {
    const display = { atoms: { site: Int32Array.from([0, 1, 0]) }, positions: new Float32Array([0, 0, 0, 2, 0, 0, 4, 0, 0]) };
    const radii = new Float32Array([0.5, 0.4, 0.5]);
    const d = siteArrowData(display, radii, { vectors: [0, 3, 0, 0, 0, -1], colors: new Float32Array([1, 0, 0, 0, 0, 1]), scale: 0.5, radius: 0.07 });
    expect(Array.from(d.start)).toEqual([0, 0.5, 0, 2, 0, -0.4000000059604645, 4, 0.5, 0]);
    expect(Array.from(d.vector)).toEqual([0, 1.5, 0, 0, 0, -0.5, 0, 1.5, 0]);
    expect(Array.from(d.colors)).toEqual([1, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(d.radius).toBe(0.07);
  });

  it('instanced meshes hold one shaft and one head per drawn arrow, grow, colour in linear space and dispose', () => {
    const g = new ArrowGlyphs();
    expect(g.count).toBe(0);
    g.set({ start: new Float32Array(6), vector: new Float32Array([1, 0, 0, 0, 1, 0]), colors: new Float32Array([1, 0.5, 0, 0, 0, 1]), radius: 0.05 });
    expect(g.count).toBe(2);
    expect(g.group.children).toHaveLength(2);
    const shafts = g.group.children[0] as unknown as { instanceColor: { array: Float32Array } };
    // sRGB 0.5 is about 0.214 in linear light
    expect(shafts.instanceColor.array[1]).toBeCloseTo(0.214, 3);
    const n = 50;
    g.set({ start: new Float32Array(3 * n), vector: new Float32Array(3 * n).fill(1), colors: new Float32Array(3 * n), radius: 0.05 });
    expect(g.count).toBe(n);
    expect(g.group.children).toHaveLength(2);
    g.set(null);
    expect(g.count).toBe(0);
    let disposed = 0;
    for (const c of g.group.children) (c as unknown as { addEventListener(t: string, f: () => void): void }).addEventListener('dispose', () => disposed++);
    g.dispose();
    expect(disposed).toBe(2);
    expect(g.group.children).toHaveLength(0);
  });
});
