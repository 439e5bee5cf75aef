import { describe, expect, it } from 'vitest';
import { drawLegend, legendLayout, type LegendContext } from '../../../src-renderer/viewer/legend';

/** A text width like a 12 px font's: 7 px per character at scale 1. */
const measure = (text: string, font: string) => text.length * 7 * (Number(/(\d+(?:\.\d+)?)px/.exec(font)![1]) / 12);
const entries = [
  { symbol: 'Ba', color: 'rgb(0, 201, 0)' },
  { symbol: 'Ti', color: 'rgb(120, 202, 255)' },
  { symbol: 'O', color: 'rgb(254, 3, 0)' },
];

describe('exported image legend', () => {
  it('sits at the top right inside the image, one dot and symbol per element, left to right without overlap', () => {
    const l = legendLayout(entries, 800, 1, measure)!;
    expect(l.box.x + l.box.w).toBeCloseTo(800 - 8, 9);
    expect(l.box.y).toBe(8);
    expect(l.items.map((i) => i.symbol)).toEqual(['Ba', 'Ti', 'O']);
    for (const [k, it] of l.items.entries()) {
      expect(it.dot.cx - it.dot.r).toBeGreaterThanOrEqual(l.box.x);
      expect(it.text.x).toBeGreaterThan(it.dot.cx + it.dot.r);
      const end = it.text.x + measure(it.symbol, l.font);
      expect(end).toBeLessThanOrEqual(l.box.x + l.box.w);
      if (k + 1 < l.items.length) expect(l.items[k + 1].dot.cx - l.items[k + 1].dot.r).toBeGreaterThan(end);
    }
    expect(legendLayout([], 800, 1, measure)).toBeNull();
  });

  it('scales with the export: a 4× image has the 1× legend four times larger, at the same place relative to the image', () => {
    const one = legendLayout(entries, 800, 1, measure)!;
    const four = legendLayout(entries, 3200, 4, measure)!;
    for (const k of ['x', 'y', 'w', 'h'] as const) expect(four.box[k]).toBeCloseTo(4 * one.box[k], 9);
    four.items.forEach((it, i) => {
      expect(it.dot.cx).toBeCloseTo(4 * one.items[i].dot.cx, 9);
      expect(it.dot.r).toBeCloseTo(4 * one.items[i].dot.r, 9);
    });
    expect(four.font).toMatch(/48px/);
  });

  it('draws a dot in each element colour and its symbol', () => {
    const calls: string[] = [];
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (t, k) => (typeof k === 'string' && ['beginPath', 'arc', 'fill', 'stroke', 'fillRect', 'strokeRect', 'fillText'].includes(k) ? (...a: unknown[]) => calls.push(`${k}(${k === 'fill' ? String(t.fillStyle) : a.join(',')})`) : t[k as string]),
      set: (t, k, v) => ((t[k as string] = v), true),
    }) as unknown as LegendContext;
    const l = legendLayout(entries, 800, 2, measure)!;
    drawLegend(ctx, l, 2);
    expect(calls.filter((c) => c.startsWith('fill(')).map((c) => c.slice(5, -1))).toEqual(entries.map((e) => e.color));
    expect(calls.filter((c) => c.startsWith('fillText(')).map((c) => c.split(',')[0].slice(9))).toEqual(['Ba', 'Ti', 'O']);
  });
});
