import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CGCNN_GAUSSIAN,
  atomInitFeatures,
  embeddingIndex,
  envelope,
  gaussianCentres,
  gaussianExpand,
  oneHotZ,
  parseAtomInit,
} from '../../../src-shared/graph/features';
import { SHARED_DATA } from '../../helpers/shared-data';

interface GaussCase {
  dmin: number;
  dmax: number;
  step: number;
  variance: number;
  distances: number[];
  centres: number[];
  features: number[];
}
const gauss: GaussCase[] = JSON.parse(readFileSync(new URL('./fixtures/gaussian.json', import.meta.url), 'utf8'));

describe('node features', () => {
  it('one-hot of Z', () => {
    const f = oneHotZ([1, 8, 118, 0]);
    expect(f.length).toBe(4 * 119);
    expect(f[1]).toBe(1);
    expect(f[119 + 8]).toBe(1);
    expect(f[2 * 119 + 118]).toBe(1);
    expect(f[3 * 119]).toBe(1);
    expect(f.reduce((a, b) => a + b, 0)).toBe(4);
    expect(() => oneHotZ([119])).toThrow(/outside/);
  });

  it('embedding index', () => {
    expect(Array.from(embeddingIndex(new Int32Array([26, 8])))).toEqual([26, 8]);
    expect(() => embeddingIndex([-1])).toThrow();
  });

  it("parses CGCNN's atom_init.json", () => {
    const text = readFileSync(`${SHARED_DATA}/cgcnn-sample-regression/atom_init.json`, 'utf8');
    const table = parseAtomInit(text);
    expect(table.width).toBe(92);
    expect(table.maxZ).toBe(100);
    const raw = JSON.parse(text) as Record<string, number[]>;
    const f = atomInitFeatures([8, 100, 1], table);
    expect(f.length).toBe(3 * 92);
    expect(Array.from(f.subarray(0, 92))).toEqual(raw['8']);
    expect(Array.from(f.subarray(92, 184))).toEqual(raw['100']);
    // per the data README: most elements have 9 ones (one per property block), Z=100 has 6
    expect(raw['8'].reduce((a, b) => a + b, 0)).toBe(9);
    expect(f.subarray(92, 184).reduce((a, b) => a + b, 0)).toBe(6);
    expect(() => atomInitFeatures([101], table)).toThrow(/no embedding/);
  });

  it('rejects malformed atom_init text', () => {
    expect(() => parseAtomInit('{')).toThrow(/JSON/);
    expect(() => parseAtomInit('[]')).toThrow(/object/);
    expect(() => parseAtomInit('{"1":[1,0],"2":[1]}')).toThrow(/expected 2/);
    expect(() => parseAtomInit('{"H":[1]}')).toThrow(/atomic number/);
    expect(() => parseAtomInit('{"1":["a"]}')).toThrow(/numbers/);
  });
});

describe('Gaussian edge features (CGCNN GaussianDistance)', () => {
  it('CGCNN defaults give 41 centres 0..8', () => {
    const mu = gaussianCentres(CGCNN_GAUSSIAN);
    expect(mu.length).toBe(41);
    expect(mu[0]).toBe(0);
    expect(mu[40]).toBeCloseTo(8, 12);
  });

  for (const c of gauss) {
    it(`matches numpy for dmin ${c.dmin} dmax ${c.dmax} step ${c.step} var ${c.variance}`, () => {
      const mu = gaussianCentres(c);
      expect(mu.length).toBe(c.centres.length);
      for (let k = 0; k < mu.length; k++) expect(mu[k]).toBeCloseTo(c.centres[k], 12);
      const f = gaussianExpand(c.distances, c);
      expect(f.length).toBe(c.features.length);
      for (let k = 0; k < f.length; k++) expect(Math.abs(f[k] - c.features[k])).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(c.features[k])));
    });
  }

  it('envelopes go smoothly from 1 to 0', () => {
    for (const env of [{ kind: 'cosine', cutoff: 5 }, { kind: 'polynomial', cutoff: 5 }, { kind: 'polynomial', cutoff: 5, p: 5 }] as const) {
      expect(envelope(0, env)).toBeCloseTo(1, 12);
      expect(envelope(5, env)).toBe(0);
      expect(envelope(6, env)).toBe(0);
      expect(envelope(4.999999, env)).toBeLessThan(1e-6);
      // monotone decreasing and derivative near 0 at the cutoff
      let prev = 1;
      for (let d = 0.1; d < 5; d += 0.1) {
        const v = envelope(d, env);
        expect(v).toBeLessThanOrEqual(prev + 1e-12);
        prev = v;
      }
      expect((envelope(4.999, env) - envelope(4.998, env)) / 0.001).toBeLessThan(0.01);
    }
    expect(envelope(2.5, { kind: 'cosine', cutoff: 5 })).toBeCloseTo(0.5, 12);
    const plain = gaussianExpand([2.5], CGCNN_GAUSSIAN);
    const damped = gaussianExpand([2.5], CGCNN_GAUSSIAN, { kind: 'cosine', cutoff: 5 });
    for (let k = 0; k < plain.length; k++) expect(damped[k]).toBeCloseTo(plain[k] * 0.5, 6);
  });
});

describe('gaussianExpand skips negligible features', () => {
  // the features as computed before the skip: every exponential, values under 1e-20 stored as 0
  function everyExponential(distance: ArrayLike<number>, o: typeof CGCNN_GAUSSIAN, env: Parameters<typeof envelope>[1]): Float32Array {
    const mu = gaussianCentres(o);
    const v2 = (o.variance ?? o.step) ** 2;
    const out = new Float32Array(distance.length * mu.length);
    for (let e = 0; e < distance.length; e++) {
      const w = envelope(distance[e], env);
      for (let t = 0; t < mu.length; t++) {
        const x = distance[e] - mu[t];
        const g = w * Math.exp(-(x * x) / v2);
        out[e * mu.length + t] = g < 1e-20 ? 0 : g;
      }
    }
    return out;
  }

  it('gives the same bits as computing every exponential (plain, cosine and polynomial envelopes)', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const distances = [...Array.from({ length: 20000 }, () => random() * 10), 0, 8, 8.2, 1.36, 1.37, Number.NaN, Number.POSITIVE_INFINITY];
    const cases: [typeof CGCNN_GAUSSIAN, Parameters<typeof envelope>[1]][] = [
      [CGCNN_GAUSSIAN, { kind: 'none' }],
      [{ dmin: 0, dmax: 6, step: 0.1, variance: 0.5 }, { kind: 'cosine', cutoff: 6 }],
      [{ dmin: 0.5, dmax: 5, step: 0.25 }, { kind: 'polynomial', cutoff: 5 }],
    ];
    for (const [o, env] of cases) {
      const got = gaussianExpand(distances, o, env);
      expect(got).toEqual(everyExponential(distances, o, env));
      expect(got.some((v) => v === 0) && got.some((v) => v > 0)).toBe(true);
    }
  });
});
