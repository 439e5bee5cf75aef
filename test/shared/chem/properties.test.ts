/** Property tests (fast-check, fixed seeds): round trips, idempotent expansion, invariances. */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expandAsymmetricUnit,
  latticeFromParameters,
  latticeParameters,
  parseCif,
  readStructures,
  summarizeStructure,
  writeCif,
  writeExtxyz,
  writePoscar,
  type Mat3,
  type Structure,
} from '../../../src-shared/chem';
import { opsNotFittingCell } from '../../../src-shared/chem/symmetry';
import { spaceGroupSetting, spaceGroupSettingCount } from '../../../src-shared/chem/spacegroups';
import { SHARED_DATA, sameSites } from './helpers';

const SEED = 20240607;
const SYMBOLS = ['H', 'C', 'O', 'Na', 'Cl', 'Fe', 'Cu', 'Au', 'U'];
const Z: Record<string, number> = { H: 1, C: 6, O: 8, Na: 11, Cl: 17, Fe: 26, Cu: 29, Au: 79, U: 92 };

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const cellParams = fc
  .record({
    a: fc.double({ min: 2, max: 30, noNaN: true }),
    b: fc.double({ min: 2, max: 30, noNaN: true }),
    c: fc.double({ min: 2, max: 30, noNaN: true }),
    alpha: fc.double({ min: 60, max: 120, noNaN: true }),
    beta: fc.double({ min: 60, max: 120, noNaN: true }),
    gamma: fc.double({ min: 60, max: 120, noNaN: true }),
  })
  .filter((p) => latticeFromParameters(p) !== null);

function makeStructure(lattice: Mat3 | null, sites: { sym: string; f: [number, number, number] }[], occ?: number[]): Structure {
  const n = sites.length;
  const frac = Float64Array.from(sites.flatMap((s) => s.f));
  const cart = new Float64Array(3 * n);
  if (lattice) {
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 3; k++) cart[3 * i + k] = frac[3 * i] * lattice[0][k] + frac[3 * i + 1] * lattice[1][k] + frac[3 * i + 2] * lattice[2][k];
  } else cart.set(frac.map((x) => x * 10));
  return {
    name: 'random',
    lattice,
    pbc: lattice ? [true, true, true] : [false, false, false],
    numbers: Int32Array.from(sites.map((s) => Z[s.sym])),
    species: sites.map((s) => s.sym),
    cart,
    frac: lattice ? frac : null,
    occupancy: Float64Array.from(occ ?? sites.map(() => 1)),
    siteProperties: {},
    properties: {},
  };
}

// Distinct positions (a file listing one atom twice at the same place is merged on reading).
const sitesArb = fc.uniqueArray(fc.record({ sym: fc.constantFrom(...SYMBOLS), f: fc.tuple(unit, unit, unit) }), {
  minLength: 1,
  maxLength: 12,
  selector: (s) => s.f.map((x) => Math.round(x * 1000) % 1000).join(','),
});

describe('write → read round trips', () => {
  it('CIF (P1): cell parameters, species, fractional coordinates, occupancies', () => {
    fc.assert(
      fc.property(cellParams, sitesArb, fc.array(fc.constantFrom(1, 0.5, 0.25), { minLength: 12, maxLength: 12 }), (p, sites, occ) => {
        const l = latticeFromParameters(p)!;
        const s = makeStructure(l, sites, occ.slice(0, sites.length));
        const back = readStructures('x.cif', writeCif(s), { snapFractions: false, symprec: 1e-9 }).structures[0];
        const p2 = latticeParameters(back.lattice!);
        for (const k of ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const) expect(p2[k]).toBeCloseTo(p[k], 9);
        expect(back.species).toEqual(s.species);
        expect(Array.from(back.frac!)).toEqual(Array.from(s.frac!));
        expect(Array.from(back.occupancy)).toEqual(Array.from(s.occupancy));
        for (let i = 0; i < s.cart.length; i++) expect(back.cart[i]).toBeCloseTo(s.cart[i], 8);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('POSCAR (VASP 5): any lattice orientation, exact numbers', () => {
    const off = fc.double({ min: -3, max: 3, noNaN: true });
    const diag = fc.double({ min: 8, max: 20, noNaN: true });
    fc.assert(
      fc.property(fc.tuple(diag, diag, diag), fc.array(off, { minLength: 6, maxLength: 6 }), sitesArb, (d, o, sites) => {
        // Diagonally dominant rows: never singular, arbitrary orientation.
        const l: Mat3 = [
          [d[0], o[0], o[1]],
          [o[2], d[1], o[3]],
          [o[4], o[5], d[2]],
        ];
        const s = makeStructure(l, sites);
        const back = readStructures('POSCAR', writePoscar(s)).structures[0];
        expect(back.lattice).toEqual(s.lattice);
        expect(back.species).toEqual(s.species);
        expect(Array.from(back.frac!)).toEqual(Array.from(s.frac!));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('extended XYZ: positions, lattice, info values and site properties exactly', () => {
    const info = fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((k) => !['lattice', 'properties', 'pbc'].includes(k)),
      fc.oneof(
        fc.integer({ min: -1000, max: 1000 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
        fc.boolean(),
        fc.stringMatching(/^[A-Za-z][A-Za-z ._-]{0,12}[A-Za-z]$/).filter((x) => !/^[TF]$|^(true|false|True|False)$/.test(x)),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }).filter((x) => !Number.isInteger(x)), { minLength: 2, maxLength: 6 }),
      ),
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(fc.option(cellParams, { nil: null }), sitesArb, info, (p, sites, props) => {
        const s = makeStructure(p ? latticeFromParameters(p)! : null, sites);
        s.properties = props;
        s.siteProperties.forces = { kind: 'vector', width: 3, values: s.cart.map((x) => x * 0.5 - 1) };
        s.siteProperties.charge = { kind: 'number', values: Float64Array.from(sites, (_, i) => i - 0.25) };
        const back = readStructures('x.extxyz', writeExtxyz([s, s])).structures;
        expect(back.length).toBe(2);
        expect(back[1].lattice).toEqual(s.lattice);
        expect(Array.from(back[1].cart)).toEqual(Array.from(s.cart));
        expect(back[1].species).toEqual(s.species);
        expect(back[1].pbc).toEqual(s.pbc);
        expect(back[1].properties).toEqual(props);
        expect(back[1].siteProperties).toEqual(s.siteProperties);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

const CANDIDATE_CELLS: Mat3[] = [
  latticeFromParameters({ a: 10, b: 10, c: 10, alpha: 90, beta: 90, gamma: 90 })!,
  latticeFromParameters({ a: 10, b: 10, c: 12, alpha: 90, beta: 90, gamma: 120 })!,
  latticeFromParameters({ a: 10, b: 10, c: 10, alpha: 70, beta: 70, gamma: 70 })!,
];

describe('symmetry expansion', () => {
  it('is idempotent for random sites in random space-group settings', () => {
    const nSettings = spaceGroupSettingCount();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: nSettings - 1 }), fc.array(fc.tuple(unit, unit, unit), { minLength: 1, maxLength: 3 }), (si, pts) => {
        const setting = spaceGroupSetting(si);
        const ops = setting.operations;
        const lattice = CANDIDATE_CELLS.find((l) => opsNotFittingCell(ops, l).length === 0);
        expect(lattice, setting.universalHM).toBeDefined();
        const fail = (): never => {
          throw new Error('limit');
        };
        const once = expandAsymmetricUnit(Float64Array.from(pts.flat()), ops, lattice!, 1e-3, 1e6, fail, new Int32Array(pts.length));
        const twice = expandAsymmetricUnit(once.frac, ops, lattice!, 1e-3, 1e6, fail, new Int32Array(once.source.length));
        const a = makeStructure(lattice!, Array.from({ length: once.source.length }, (_, i) => ({ sym: 'C', f: [once.frac[3 * i], once.frac[3 * i + 1], once.frac[3 * i + 2]] as [number, number, number] })));
        const b = makeStructure(lattice!, Array.from({ length: twice.source.length }, (_, i) => ({ sym: 'C', f: [twice.frac[3 * i], twice.frac[3 * i + 1], twice.frac[3 * i + 2]] as [number, number, number] })));
        expect(twice.source.length).toBe(once.source.length);
        expect(sameSites(a, b, 2e-3)).toBe(true);
        // Each orbit size divides the number of operations.
        expect(setting.operations.length % once.source.filter((s) => s === 0).length).toBe(0);
      }),
      { seed: SEED, numRuns: 80 },
    );
  });
});

/** Rebuild a CIF block's text with its atom-site rows permuted and shifted by integers. */
function rebuildCif(text: string, order: number[], shifts: number[][]): string {
  const b = parseCif(text)[0];
  const out = [`data_${b.name}`];
  for (const [tag, it] of b.items) if (tag.startsWith('_cell_') || tag.startsWith('_symmetry_space_group')) out.push(`${tag} '${it.value}'`);
  const site = b.loopByTag.get('_atom_site_fract_x')!;
  for (const loop of b.loops) {
    if (loop === site) continue;
    if (!loop.tags.some((t) => t.includes('symmetry_equiv') || t.includes('symop'))) continue;
    out.push('loop_', ...loop.tags);
    for (let i = 0; i < loop.values.length; i += loop.tags.length) out.push(loop.values.slice(i, i + loop.tags.length).map((v) => `'${v}'`).join(' '));
  }
  out.push('loop_', ...site.tags);
  const w = site.tags.length;
  const ix = ['_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z'].map((t) => site.tags.indexOf(t));
  order.forEach((r, k) => {
    const row = site.values.slice(r * w, r * w + w).map((v) => v ?? '?');
    ix.forEach((c, axis) => {
      const v = Number(row[c].replace(/\(.*\)$/, '')) + shifts[k][axis];
      row[c] = String(v);
    });
    out.push(row.map((v) => `'${v}'`).join(' '));
  });
  return out.join('\n') + '\n';
}

describe('invariances on the real COD files', () => {
  const ids = ['1000041', '1101051', '1507756', '7206075', '9000046', '9011998'];
  const texts = ids.map((id) => readFileSync(`${SHARED_DATA}cgcnn-sample-regression/${id}.cif`, 'utf8'));
  it('integer shifts of fractional coordinates and reordered loop rows give the same structure', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: ids.length - 1 }),
        fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })), { minLength: 4, maxLength: 4 }),
        fc.integer(),
        (k, shifts, seed) => {
          const ref = readStructures('ref.cif', texts[k]).structures[0];
          const nRows = parseCif(texts[k])[0].loopByTag.get('_atom_site_fract_x')!.values.length / parseCif(texts[k])[0].loopByTag.get('_atom_site_fract_x')!.tags.length;
          const order = Array.from({ length: nRows }, (_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = Math.abs(seed + i * 7919) % (i + 1);
            [order[i], order[j]] = [order[j], order[i]];
          }
          const mutated = readStructures('m.cif', rebuildCif(texts[k], order, shifts)).structures[0];
          expect(summarizeStructure(mutated).composition).toEqual(summarizeStructure(ref).composition);
          expect(sameSites(mutated, ref, 1e-6)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });
});
