import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { boundingSphere, boxEdges, defaultView, fitDistance, orthoUp, viewAlong, viewKey } from '../../../src-renderer/viewer/camera';

const hex: Mat3 = [
  [3, 0, 0],
  [-1.5, 2.598076, 0],
  [0, 0, 5],
];
const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

describe('camera math', () => {
  it('bounds points with a padding', () => {
    const s = boundingSphere([0, 0, 0, 2, 0, 0], 0.5);
    expect(s.center).toEqual([1, 0, 0]);
    expect(s.radius).toBeCloseTo(1.5, 10);
  });
  it('fits a sphere in the narrower field of view', () => {
    const d = fitDistance(10, 30, 1);
    expect(10 / d).toBeLessThanOrEqual(Math.sin((15 * Math.PI) / 180));
    expect(fitDistance(10, 30, 0.5)).toBeGreaterThan(d);
  });
  it('looks down a lattice vector with a perpendicular up vector', () => {
    for (const axis of ['a', 'b', 'c'] as const) {
      const v = viewAlong(axis, hex);
      const k = 'abc'.indexOf(axis);
      const n = Math.hypot(...hex[k]);
      expect(dot(v.toCamera, hex[k]) / n).toBeCloseTo(1, 6);
      expect(dot(v.up, v.toCamera)).toBeCloseTo(0, 10);
      expect(Math.hypot(...v.up)).toBeCloseTo(1, 10);
    }
    // Along a, c is up.
    expect(viewAlong('a', hex).up[2]).toBeCloseTo(1, 10);
  });
  it('has an oblique default view with c pointing up on screen', () => {
    const v = defaultView(hex);
    expect(dot(v.up, [0, 0, 1])).toBeGreaterThan(0.5);
    expect(dot(v.up, v.toCamera)).toBeCloseTo(0, 10);
  });
  it('falls back to another up vector when up is parallel to the view', () => {
    const u = orthoUp([0, 0, 1], [0, 0, 2]);
    expect(dot(u, [0, 0, 1])).toBeCloseTo(0, 10);
  });
  it('lists the 12 edges of a supercell box', () => {
    const e = boxEdges(hex, [2, 1, 1]);
    expect(e.length).toBe(72);
    // First edge: origin to 2a.
    expect(Array.from(e.slice(0, 6))).toEqual([0, 0, 0, 6, 0, 0]);
  });
});

describe('keys on a focused 3D view (Structures, Graph)', () => {
  it('R resets, A/B/C look along an axis, Escape clears; another key or one with a modifier does nothing', () => {
    const key = (k: string, mod: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => viewKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mod });
    expect(['r', 'R', 'a', 'B', 'c', 'Escape'].map((k) => key(k))).toEqual(['reset', 'reset', 'a', 'b', 'c', 'clear']);
    expect([key('x'), key('Tab'), key('c', { ctrlKey: true }), key('a', { metaKey: true }), key('r', { altKey: true })]).toEqual([null, null, null, null, null]);
  });
});
