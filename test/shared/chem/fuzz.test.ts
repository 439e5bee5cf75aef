import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzzOne, mutate, rng } from './fuzzing';
import { FIXTURES, SHARED_DATA } from './helpers';

const corpus: [string, string][] = [
  ...readdirSync(FIXTURES)
    .filter((f) => !f.endsWith('.json') && !f.endsWith('.md'))
    .map((f) => [f, readFileSync(FIXTURES + f, 'utf8')] as [string, string]),
  ...['1000041', '7206075', '9011050'].map((id) => [`${id}.cif`, readFileSync(`${SHARED_DATA}cgcnn-sample-regression/${id}.cif`, 'utf8')] as [string, string]),
];

describe('fuzzing: mutated real files give a structure or a typed error', () => {
  it('every truncation point of one CIF and one extxyz', () => {
    for (const [name, text] of corpus.filter(([n]) => n === 'multi_block.cif' || n === 'ase_cu_emt.extxyz')) {
      const step = Math.max(1, Math.floor(text.length / 150));
      for (let cut = 0; cut <= text.length; cut += step) {
        const o = fuzzOne(name, text.slice(0, cut));
        expect(o.ok, `${name} cut at ${cut}: ${o.result}`).toBe(true);
      }
    }
  });

  it('400 random mutations (seeded)', () => {
    const r = rng(42);
    const counts = { structure: 0, error: 0 };
    for (let i = 0; i < 400; i++) {
      const [name, text] = corpus[i % corpus.length];
      const o = fuzzOne(name, mutate(text, r));
      expect(o.ok, `${name} mutation ${i}: ${o.result}`).toBe(true);
      counts[o.result as 'structure' | 'error']++;
    }
    // Both outcomes happen: the mutations are neither all harmless nor all fatal.
    expect(counts.structure).toBeGreaterThan(40);
    expect(counts.error).toBeGreaterThan(40);
  });
});
