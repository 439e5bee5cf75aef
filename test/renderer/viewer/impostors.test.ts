import { describe, expect, it } from 'vitest';
import { Ray, Vector3 } from 'three';
import { SphereImpostors } from '../../../src-renderer/viewer/sphereImpostors';

describe('sphere impostor picking', () => {
  it('returns the nearest sphere along the ray, or null', () => {
    const s = new SphereImpostors();
    const positions = new Float32Array([0, 0, 0, 0, 0, 5, 3, 0, 0]);
    s.set(positions, new Float32Array([1, 1, 0.5]), new Float32Array(9));
    const down = new Vector3(0, 0, -1);
    expect(s.raycast(new Ray(new Vector3(0, 0, 20), down))).toBe(1);
    expect(s.raycast(new Ray(new Vector3(0.5, 0, 20), down))).toBe(1);
    expect(s.raycast(new Ray(new Vector3(3.4, 0, 20), down))).toBe(2);
    expect(s.raycast(new Ray(new Vector3(3.6, 0, 20), down))).toBeNull();
    // Bigger radii: the ray at x = 3.6 now hits atom 2.
    s.setRadii(new Float32Array([1, 1, 0.7]));
    expect(s.raycast(new Ray(new Vector3(3.6, 0, 20), down))).toBe(2);
    s.dispose();
  });
});
