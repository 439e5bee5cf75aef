import { describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { CGCNN_NEIGHBOR_OPTIONS, structureNeighbors } from '../../../src-shared/graph/neighbors';
import { graphWarnings } from '../../../src-shared/model/graph-warnings';

/** A P1 CIF of a cubic cell, sites as [element, x, y, z, occupancy]. */
function cubic(name: string, a: number, sites: [string, number, number, number, number][]): string {
  return [
    `data_${name}`,
    `_cell_length_a ${a}`,
    `_cell_length_b ${a}`,
    `_cell_length_c ${a}`,
    '_cell_angle_alpha 90',
    '_cell_angle_beta 90',
    '_cell_angle_gamma 90',
    "_symmetry_space_group_name_H-M 'P 1'",
    'loop_',
    '_atom_site_type_symbol',
    '_atom_site_label',
    '_atom_site_fract_x',
    '_atom_site_fract_y',
    '_atom_site_fract_z',
    '_atom_site_occupancy',
    ...sites.map(([el, x, y, z, occ], i) => `${el} ${el}${i} ${x} ${y} ${z} ${occ}`),
    '',
  ].join('\n');
}

function warningsOf(cif: string, options = CGCNN_NEIGHBOR_OPTIONS): string[] {
  const s = readStructures('test.cif', cif).structures[0];
  return graphWarnings(s, structureNeighbors(s, options));
}

const SRTIO3 = cubic('SrTiO3', 3.905, [
  ['Sr', 0, 0, 0, 1],
  ['Ti', 0.5, 0.5, 0.5, 1],
  ['O', 0.5, 0, 0.5, 1],
  ['O', 0, 0.5, 0.5, 1],
  ['O', 0.5, 0.5, 0, 1],
]);

describe("a prediction's graph warnings", () => {
  it('names the sites whose 12-neighbour cut splits a shell of equidistant neighbours of different elements (perovskite O: 8 O and 4 Sr at a/√2, 10 kept)', () => {
    expect(warningsOf(SRTIO3)).toEqual([
      'sites 2–4 (O): the 12-neighbour cut at 2.761 Å splits 12 equidistant neighbours of O and Sr: the graph keeps 10, the lower site numbers; ' +
        'CGCNN keeps whichever its rounding at 1e-16 Å lists first, which differs between machines: it may keep others, and predict differently',
    ]);
    // rocksalt: the cut splits the 12 Na (or Cl) at a/√2 after the 6 of the other element: one element, nothing to say
    const nacl = cubic('NaCl', 5.64, [
      ['Na', 0, 0, 0, 1],
      ['Na', 0.5, 0.5, 0, 1],
      ['Na', 0.5, 0, 0.5, 1],
      ['Na', 0, 0.5, 0.5, 1],
      ['Cl', 0.5, 0.5, 0.5, 1],
      ['Cl', 0, 0, 0.5, 1],
      ['Cl', 0, 0.5, 0, 1],
      ['Cl', 0.5, 0, 0, 1],
    ]);
    expect(warningsOf(nacl)).toEqual([]);
    // a graph without a cap has no cut
    expect(warningsOf(SRTIO3, { cutoff: 8, maxNeighbors: null, padding: 'none' })).toEqual([]);
    // a cap without CGCNN's padding cuts the same shell: the tie-break is the site order
    expect(warningsOf(SRTIO3, { cutoff: 8, maxNeighbors: 12, padding: 'none' })).toEqual([
      'sites 2–4 (O): the 12-neighbour cut at 2.761 Å splits 12 equidistant neighbours of O and Sr: the graph keeps 10, the lower site numbers; ' +
        'the same structure with its sites in another order keeps others, and may predict differently',
    ]);
  });

  it('says that a partially occupied site is taken as a whole atom (and CGCNN cannot read it)', () => {
    const disordered = cubic('KNaCl2', 5.64, [
      ['K', 0, 0, 0, 0.5],
      ['Na', 0, 0, 0, 0.5],
      ['K', 0.5, 0.5, 0, 0.5],
      ['Na', 0.5, 0.5, 0, 0.5],
      ['Cl', 0.5, 0.5, 0.5, 1],
      ['Cl', 0, 0, 0.5, 1],
    ]);
    expect(warningsOf(disordered)).toEqual([
      'sites 0–3 are partially occupied (K 0.5, Na 0.5): the graph takes each as a whole atom (sites sharing a position are neighbours 0 Å apart), ' +
        'not a mixture of its occupants (CGCNN cannot read such a file)',
    ]);
  });

  it("names the sites CGCNN's rule pads, with their neighbours within the cutoff", () => {
    const lone = cubic('huge', 500, [['Cu', 0, 0, 0, 1]]);
    expect(warningsOf(lone)).toEqual([
      '1 site has fewer than 12 neighbours within 8 Å (site 0 (Cu) with 0): the graph pads it to 12 with site 0 (Cu) at 9 Å, the site CGCNN reads first ' +
        '(pymatgen sorts the sites by electronegativity), as CGCNN does where it prints "not find enough neighbors to build graph"',
    ]);
    const pair = cubic('pair', 20, [
      ['Cu', 0, 0, 0, 1],
      ['Cu', 0.1, 0, 0, 1],
    ]);
    expect(warningsOf(pair)[0]).toMatch(/^2 sites have fewer than 12 neighbours within 8 Å \(site 0 \(Cu\) with 1, site 1 \(Cu\) with 1\): the graph pads each to 12/);
    // CGCNN's site 0 is pymatgen's: the sites sorted by electronegativity, H before O
    const water = cubic('water', 20, [
      ['O', 0.5, 0.5, 0.5, 1],
      ['H', 0.548, 0.5, 0.5, 1],
      ['H', 0.488, 0.547, 0.5, 1],
    ]);
    expect(warningsOf(water)[0]).toMatch(/: the graph pads each to 12 with site 1 \(H\) at 9 Å, the site CGCNN reads first \(pymatgen sorts the sites by electronegativity\), as CGCNN does where it prints "not find enough neighbors to build graph"$/);
    // Ar has no electronegativity in pymatgen: beside Cl the order is its sort's, followed exactly below 64 sites only
    const grid = (n: number): [string, number, number, number, number][] => Array.from({ length: n }, (_, i) => [i % 3 ? 'Cl' : 'Ar', (i % 4) / 4, (Math.floor(i / 4) % 4) / 4, Math.floor(i / 16) / 4, 1]);
    expect(warningsOf(cubic('ArCl', 200, grid(63)))[0]).toMatch(/"not find enough neighbors to build graph"$/);
    expect(warningsOf(cubic('ArCl', 200, grid(64)))[0]).toMatch(/"; with an element pymatgen has no electronegativity for among 64 sites, pymatgen's sort may put another site first$/);
    // without padding (a model trained on the graph as it is) a low degree is no made-up neighbour
    expect(warningsOf(lone, { cutoff: 8, maxNeighbors: 12, padding: 'none' })).toEqual([]);
  });
});
