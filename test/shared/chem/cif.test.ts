import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  parseCif,
  parseCifNumber,
  parseSymop,
  readFrames,
  readStructures,
  StructureParseError,
  summarizeStructure,
  type Structure,
} from '../../../src-shared/chem';
import { fixture, fracDistance, minPairDistance } from './helpers';

/** spglib's 530 settings (scripts/chem/gen_spacegroups.py): Hall number, IT number, Hall symbol, H-M, choice, operations. */
const SPGLIB = JSON.parse(readFileSync(new URL('../../fixtures/chem/spglib-settings.json', import.meta.url), 'utf8')) as {
  settings: [number, number, string, string, string, string][];
};

function read(name: string, text = fixture(name), options = {}) {
  return readStructures(name, text, options);
}

function error(name: string, text: string, options = {}): StructureParseError {
  try {
    readStructures(name, text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(StructureParseError);
    return e as StructureParseError;
  }
  throw new Error('expected an error');
}

const CELL = `_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n`;

describe('CIF syntax', () => {
  it('numbers with standard uncertainties', () => {
    expect(parseCifNumber('3.634(4)')).toBeCloseTo(3.634, 12);
    expect(parseCifNumber('-0.25')).toBe(-0.25);
    expect(parseCifNumber('90.')).toBe(90);
    expect(parseCifNumber('.5')).toBe(0.5);
    expect(parseCifNumber('1.2e-3(1)')).toBeCloseTo(1.2e-3, 15);
    expect(parseCifNumber('?')).toBeNaN();
    expect(parseCifNumber('abc')).toBeNaN();
    expect(parseCifNumber('3.6(4')).toBeNaN();
    expect(parseCifNumber(null)).toBeNaN();
  });

  it('blocks, text fields, quoted strings with inner quotes, comments, loops', () => {
    const blocks = parseCif(fixture('multi_block.cif'));
    expect(blocks.map((b) => b.name)).toEqual(['publication', 'rutile_ops', 'NaCl_hall', 'Si_origin2']);
    const pub = blocks[0];
    expect(pub.items.get('_publ_section_title')!.value).toContain(`O'Keefe's "rules" quoted`);
    expect(pub.items.get('_journal_name_full')!.value).toBe("J. O'Keefe Test");
    const authors = pub.loopByTag.get('_publ_author_name')!;
    expect(authors.values).toEqual(['Doe, J.', "O'Neil, K."]);
    const ops = blocks[1].loopByTag.get('_space_group_symop_operation_xyz')!;
    expect(ops.values.length).toBe(32);
    expect(ops.values[5]).toBe('-y+1/2, x+1/2, z+1/2');
  });

  it('CIF 2: dotted tags, triple quotes, lists', () => {
    const blocks = parseCif(fixture('cif2_syntax.cif'));
    expect(blocks[0].items.get('_audit_comment')!.value).toContain('multi-line string');
    expect(blocks[0].items.get('_audit_list')!.value).toBe("[1 2 [3 4] {'k':'v'}]");
    const r = read('cif2_syntax.cif');
    expect(summarizeStructure(r.structures[0]).composition).toEqual({ Cl: 1, Cs: 1 });
  });

  it('? and . are unknown / inapplicable values', () => {
    const b = parseCif(`data_x\n_a ?\n_b .\n_c '?'\n`)[0];
    expect(b.items.get('_a')!.value).toBeNull();
    expect(b.items.get('_b')!.value).toBeNull();
    expect(b.items.get('_c')!.value).toBe('?');
  });
});

describe('CIF structures', () => {
  it('several data blocks, each a named structure; blocks without atoms skipped', () => {
    const r = read('multi_block.cif');
    expect(r.format).toBe('cif');
    expect(r.blocks).toEqual(['rutile_ops', 'NaCl_hall', 'Si_origin2']);
    const [rutile, nacl, si] = r.structures.map(summarizeStructure);
    expect(rutile.composition).toEqual({ O: 4, Ti: 2 });
    expect(rutile.lattice!.a).toBeCloseTo(4.5937, 10);
    expect(rutile.lattice!.c).toBeCloseTo(2.9587, 10);
    expect(nacl.composition).toEqual({ Cl: 4, Na: 4 });
    expect(si.composition).toEqual({ Si: 8 });
    expect(minPairDistance(r.structures[2])).toBeCloseTo((5.431 * Math.sqrt(3)) / 4, 6);
    expect(r.structures[0].name).toBe('rutile_ops');
    expect(r.structures[0].properties.spaceGroupNumber).toBeUndefined();
    expect(r.structures[1].properties.spaceGroupNumber).toBe(225);
  });

  it('type symbols with charges give elements; labels kept as a site property', () => {
    const s = read('multi_block.cif').structures[0];
    expect(new Set(s.species)).toEqual(new Set(['Ti', 'O']));
    const labels = s.siteProperties.label;
    expect(labels.kind).toBe('string');
    if (labels.kind === 'string') expect(new Set(labels.values)).toEqual(new Set(['Ti1', 'O1']));
  });

  it('fractional coordinates are wrapped into [0, 1) and Cartesian = frac · lattice', () => {
    for (const s of read('multi_block.cif').structures) {
      for (const f of s.frac!) expect(f >= 0 && f < 1).toBe(true);
      const l = s.lattice!;
      for (let i = 0; i < s.numbers.length; i++)
        for (let k = 0; k < 3; k++) {
          const c = s.frac![3 * i] * l[0][k] + s.frac![3 * i + 1] * l[1][k] + s.frac![3 * i + 2] * l[2][k];
          expect(s.cart[3 * i + k]).toBeCloseTo(c, 10);
        }
    }
  });

  it("1/3 and 2/3 snapped by pymatgen's test (relative 1e-4), modulo 1", () => {
    const xs = ['0.3333', '0.6666', '0.66674', '0.33337', '1.3333', '-0.6667'];
    const text = `data_x\n${CELL}loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${xs.map((x, i) => `Cu${i} Cu ${x} ${i / 10} 0`).join('\n')}\n`;
    const s = read('snap.cif', text).structures[0];
    const x = Array.from({ length: xs.length }, (_, i) => s.frac![3 * i]);
    [1 / 3, 2 / 3, 0.66674, 0.33337, 1 / 3, 1 / 3].forEach((want, i) => expect(x[i]).toBeCloseTo(want, 14));
  });

  it('partial occupancies: kept and flagged, ordered on request, or rejected', () => {
    const keep = read('disorder.cif');
    const s = keep.structures[0];
    expect(s.numbers.length).toBe(12); // 4 Fe + 4 Ni sharing positions, 4 O
    expect(summarizeStructure(s).composition).toEqual({ Fe: 2.4, Ni: 1.6, O: 3.6 });
    expect(keep.warnings.join(' ')).toMatch(/partially occupied/);
    const ordered = read('disorder.cif', undefined, { disorder: 'most-probable' }).structures[0];
    expect(summarizeStructure(ordered).composition).toEqual({ Fe: 4, O: 4 });
    expect(Array.from(ordered.occupancy).every((o) => o === 1)).toBe(true);
    const e = error('disorder.cif', fixture('disorder.cif'), { disorder: 'reject' });
    expect(e.message).toMatch(/partially occupied/);
  });

  it('a molecule in Cartesian coordinates without a cell', () => {
    const s = read('molecule_cartn.cif').structures[0];
    expect(s.lattice).toBeNull();
    expect(s.frac).toBeNull();
    expect(s.pbc).toEqual([false, false, false]);
    expect(Array.from(s.cart.slice(3, 6))).toEqual([0, 0.763, -0.477]);
  });

  it('real COD files: rhombohedral cell, contradicted axes note, listed full cell, water labels', () => {
    const mgti = read('cod_5910000_MgTiO3_rhombohedral_cell.cif');
    expect(summarizeStructure(mgti.structures[0]).composition).toEqual({ Mg: 2, O: 6, Ti: 2 });
    expect(mgti.warnings.join(' ')).not.toMatch(/several settings/); // the cell decides the axes
    const linbo3 = read('cod_2101182_LiNbO3_rhomb_note.cif');
    expect(summarizeStructure(linbo3.structures[0]).composition).toEqual({ Li: 6, Nb: 6, O: 18 });
    const coso4 = read('cod_CoSO4_full_cell_listed.cif');
    expect(summarizeStructure(coso4.structures[0]).composition).toEqual({ Co: 4, O: 16, S: 4 });
    expect(coso4.warnings.join(' ')).toMatch(/symmetry copies/);
    expect(minPairDistance(coso4.structures[0])).toBeGreaterThan(1);
    const foug = read('cod_fougerite_wat_labels.cif');
    expect(foug.warnings.join(' ')).toMatch(/inferred from labels/);
    expect(foug.structures[0].species).not.toContain('W');
  });

  it('space group from H-M only, with several settings: a warning names the one assumed', () => {
    const text = `data_x\n${CELL.replace(/4\n/g, '5.431\n').replace('90\n', '90\n')}_symmetry_space_group_name_H-M 'F d -3 m'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nSi1 0 0 0\n`;
    const r = read('x.cif', text);
    expect(summarizeStructure(r.structures[0]).composition).toEqual({ Si: 8 });
    expect(r.warnings.join(' ')).toMatch(/F d -3 m :1/);
  });

  it.each([
    // [what the file declares, spglib's Hall number of that setting, warning]
    [`_symmetry_space_group_name_H-M 'C c c e :2'`, 323, null],
    [`_space_group_name_Hall '-C 2b 2bc'\n_symmetry_space_group_name_H-M 'C c c e :2'`, 323, null],
    [`_symmetry_space_group_name_H-M 'C c c a :2'`, 323, null],
    [`_symmetry_space_group_name_H-M 'C c c b :2'`, 325, null],
    [`_symmetry_space_group_name_H-M 'A e a a :2'`, 327, null],
    [`_symmetry_space_group_name_H-M 'B b e b :2'`, 331, null],
    [`_symmetry_space_group_name_H-M 'C m c e'`, 304, null],
    [`_symmetry_space_group_name_H-M 'C m c a'`, 304, null],
    [`_space_group_name_Hall '-C 2bc 2'`, 304, null],
    [`_symmetry_space_group_name_H-M 'C 2 c e'`, 206, null],
    [`_symmetry_space_group_name_H-M 'C m m e'`, 316, null],
    [`_symmetry_space_group_name_H-M 'A e m m'`, 318, null],
    [`_symmetry_space_group_name_H-M 'C c c e'`, 322, /'C c c e' has several settings; 'C c c e :1' assumed/],
    [`_space_group_name_Hall 'F -4c 2 3'`, 515, null],
    [`_space_group_name_Hall 'p 31  2C (0 0 1)'`, 440, null],
  ])('%s builds the sites of spglib\'s Hall number %i', (declared, hallNumber, warning) => {
    const [, , , , , operations] = SPGLIB.settings[hallNumber - 1];
    const x0 = [0.2011, 0.0612, 0.7909];
    const orbit: number[][] = [];
    for (const text of operations.split(';')) {
      const o = parseSymop(text)!;
      const q = [0, 1, 2].map((i) => o.r[3 * i] * x0[0] + o.r[3 * i + 1] * x0[1] + o.r[3 * i + 2] * x0[2] + o.t[i]);
      if (!orbit.some((p) => p.every((x, i) => Math.abs((x - q[i]) - Math.round(x - q[i])) < 1e-9))) orbit.push(q);
    }
    const cell = /[Ff] -4c|P 31/i.test(declared) ? CELL.replace(/4\n/g, '9\n') : CELL.replace('_cell_length_a 4', '_cell_length_a 7.1').replace('_cell_length_b 4', '_cell_length_b 8.3').replace('_cell_length_c 4', '_cell_length_c 9.7');
    const hexagonal = /P 31/i.test(declared) ? cell.replace('_cell_angle_gamma 90', '_cell_angle_gamma 120') : cell;
    const text = `data_x\n${hexagonal}${declared}\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nSi1 ${x0.join(' ')}\n`;
    const r = read('x.cif', text);
    const s = r.structures[0];
    expect(s.numbers.length).toBe(orbit.length);
    for (let i = 0; i < s.numbers.length; i++) expect(Math.min(...orbit.map((q) => fracDistance(s, i, q))), `site ${i}`).toBeLessThan(1e-6);
    if (warning) expect(r.warnings.join(' ')).toMatch(warning);
    else expect(r.warnings).toEqual([]);
  });

  it('a symbol not understood with an IT number: the number\'s standard setting, with a warning naming the symbol; listed operations win', () => {
    const sites = `loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nSi1 0.2011 0.0612 0.7909\n`;
    const hm = read('x.cif', `data_x\n${CELL}_symmetry_space_group_name_H-M 'C c c q'\n_space_group_IT_number 68\n${sites}`);
    expect(hm.structures[0].numbers.length).toBe(16);
    expect(hm.warnings).toEqual([
      "line 8: the space group 'C c c q' is not a Hermann–Mauguin symbol we know; the standard setting 'C c c e :1' of the space group number 68 (line 9) is used",
    ]);
    const hall = read('x.cif', `data_x\n${CELL}_space_group_name_Hall '-C 2q'\n_symmetry_Int_Tables_number 225\n${sites}`);
    expect(hall.structures[0].numbers.length).toBe(192);
    expect(hall.warnings[0]).toBe("line 8: the Hall symbol '-C 2q' is not one we know; the standard setting 'F m -3 m' of the space group number 225 (line 9) is used");
    const listed = read('x.cif', `data_x\n${CELL}_symmetry_space_group_name_H-M 'C c c q'\n_space_group_IT_number 68\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,-y,-z\n${sites}`);
    expect(listed.structures[0].numbers.length).toBe(2);
    expect(listed.warnings).toEqual([]);
    expect(error('x.cif', `data_x\n${CELL}_symmetry_space_group_name_H-M 'C c c q'\n${sites}`).message).toBe(
      "line 8: the space group 'C c c q' is not a Hermann–Mauguin symbol we know, and no symmetry operations or space group number are listed",
    );
  });

  it('a data block that cannot be read is skipped, named with its line, when another block is read', () => {
    const block = (name: string, group: string) => `data_${name}\n${CELL}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n`;
    const text = block('good', 'F m -3 m') + block('bad', 'Q 9');
    const r = read('x.cif', text);
    expect(r.blocks).toEqual(['good']);
    expect(r.skipped.map((b) => [b.block, b.error.line, b.error.message])).toEqual([
      ['bad', 22, "line 22: data block 'bad': the space group 'Q 9' is not a Hermann–Mauguin symbol we know, and no symmetry operations or space group number are listed"],
    ]);
    const frames = readFrames('x.cif', text);
    expect(frames.frames).toHaveLength(1);
    expect(frames.fileWarnings).toEqual([`${r.skipped[0].error.message} (the block is not read)`]);
    // No block read: the first block's own error, as for a file of one block.
    expect(error('x.cif', block('bad', 'Q 9') + block('worse', 'Q 10')).message).toMatch(/^line 8: the space group 'Q 9' is not/);
  });

  it('Cartesian sites with a cell are converted in the standard orientation and expanded', () => {
    const rutile = read('multi_block.cif').structures[0];
    const l = rutile.lattice!;
    // Ti at the origin and O at (0.3048, 0.3048, 0) as Cartesian coordinates.
    const o = [0, 1, 2].map((k) => 0.3048 * l[0][k] + 0.3048 * l[1][k]);
    const text = fixture('multi_block.cif')
      .split('data_NaCl_hall')[0]
      .replace(/_atom_site_fract_([xyz])/g, '_atom_site_Cartn_$1')
      .replace('O1  O2-  0.3048(1) 0.3048(1) 0 1', `O1 O2- ${o[0]} ${o[1]} ${o[2]} 1`);
    const s = read('cartn.cif', text).structures[0];
    expect(summarizeStructure(s).composition).toEqual({ O: 4, Ti: 2 });
    for (let i = 0; i < s.numbers.length; i++) {
      const j = [...Array(rutile.numbers.length).keys()].find(
        (k) => rutile.numbers[k] === s.numbers[i] && fracDistance(rutile, k, [s.frac![3 * i], s.frac![3 * i + 1], s.frac![3 * i + 2]]) < 1e-9,
      );
      expect(j).toBeDefined();
    }
  });

  it('fully occupied sites closer than 0.5 Å are flagged', () => {
    const text = `data_x\n${CELL}_symmetry_space_group_name_H-M 'P 1'\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0\nCl 0.05 0 0\nK 0.5 0.5 0.5\n`;
    const r = read('x.cif', text);
    expect(r.structures[0].numbers.length).toBe(3);
    expect(r.warnings.join(' ')).toMatch(/1 site\(s\) are closer than 0.5 Å .*Na–Cl/);
    expect(read('multi_block.cif').warnings.join(' ')).not.toMatch(/closer than/);
  });

  it('no symmetry information means P1', () => {
    const text = `data_x\n${CELL}loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0\nCl 0.5 0.5 1.5\n`;
    const r = read('x.cif', text);
    const s = r.structures[0];
    expect(s.numbers.length).toBe(2);
    expect(s.frac![5]).toBeCloseTo(0.5, 12);
    expect(r.warnings.join(' ')).toMatch(/whole cell \(P 1\)/);
  });

  it('duplicates merged within the tolerance only', () => {
    const ops = `loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,-y,-z\n`;
    const mk = (x: number) => `data_x\n${CELL}${ops}loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa ${x} 0 0\n`;
    expect(read('x.cif', mk(0.0005)).structures[0].numbers.length).toBe(1); // 0.004 Å apart
    expect(read('x.cif', mk(0.01)).structures[0].numbers.length).toBe(2); // 0.08 Å apart
    expect(read('x.cif', mk(0.0005), { symprec: 0.001 }).structures[0].numbers.length).toBe(2);
  });
});

describe('CIF errors: typed, with line and a readable sentence', () => {
  it('a loop row with a missing value', () => {
    const e = error('bad_loop.cif', fixture('bad_loop.cif'));
    expect(e.line).toBe(17);
    expect(e.message).toBe('line 17: the _atom_site loop has 7 columns but this row has 6 values');
    expect(e.file).toBe('bad_loop.cif');
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ name: 'StructureParseError', line: 17, file: 'bad_loop.cif' });
  });

  it.each([
    ['unterminated text field', `data_x\n_t\n;\nnever closed\n`, 3, /never closed/],
    ['unterminated quote', `data_x\n_t 'abc\n`, 2, /not closed/],
    ['value without tag', `data_x\n${CELL}oops\n`, 8, /has no tag/],
    ['data before any block', `_cell_length_a 4\n`, 1, /before the first data_/],
    ['bad number', `data_x\n${CELL.replace('_cell_length_b 4', '_cell_length_b four')}loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0\n`, 3, /not a number/],
    ['unknown element', `data_x\n${CELL}loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nQq 0 0 0\n`, 13, /element/],
    ['bad symmetry operation', `data_x\n${CELL}loop_\n_symmetry_equiv_pos_as_xyz\nx,y\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0\n`, 10, /not a symmetry operation/],
    ['unknown space group', `data_x\n${CELL}_symmetry_space_group_name_H-M 'Q 9'\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0\n`, 8, /space group 'Q 9'/],
    ['operations that do not fit the cell', `data_x\n${CELL.replace('_cell_angle_gamma 90', '_cell_angle_gamma 100')}_symmetry_space_group_name_H-M 'P 4'\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0.1 0.2 0.3\n`, 8, /does not fit the cell/],
    // the fifth operation (line 14) turns a into b, which a 4 × 5 Å cell cannot do: its own line, not the loop's (line 10)
    ['a listed operation that does not fit the cell', `data_x\n${CELL.replace('_cell_length_b 4', '_cell_length_b 5')}loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,-y,z\n-x,y,-z\nx,-y,-z\n-y,x,z\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0.1 0.2 0.3\n`, 14, /the symmetry operation -y,x,z does not fit the cell/],
    ['impossible angles', `data_x\n${CELL.replace('_cell_angle_alpha 90', '_cell_angle_alpha 170').replace('_cell_angle_beta 90', '_cell_angle_beta 10')}loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0\n`, 2, /do not form a cell/],
    ['no atoms at all', `data_x\n${CELL}`, null, /no data block has atom sites/],
  ])('%s', (_, text, line, re) => {
    const e = error('x.cif', text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(re);
    if (line !== null) expect(e.message.startsWith(`line ${line}: `)).toBe(true);
  });

  it('a file cut off in the header of the atom-site loop: said at the loop, as the end of the file', () => {
    const head = `data_cut\n${CELL}loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occ`;
    const loopLine = head.split('\n').indexOf('loop_') + 1;
    expect(loopLine).toBeGreaterThan(2);
    const e = error('cut.cif', head);
    expect(e.line).toBe(loopLine);
    expect(e.message).toBe(`line ${loopLine}: the file ends in the header of the atom-site loop of data block 'cut' (from this line), before any atom site`);
    // the same loop with another one after it is not cut off: an empty loop, said at its own line
    const empty = error('empty.cif', `${head}upancy\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n`);
    expect(empty.message).toBe(`line ${loopLine}: data block 'cut' has an empty atom-site loop`);
  });

  it('limits: file size and atom count', () => {
    const text = fixture('multi_block.cif');
    const big = error('x.cif', text, { maxBytes: 100 });
    expect(big.name).toBe('StructureLimitError');
    expect(big.message).toMatch(/\(option --max-bytes\)/);
    const many = error('x.cif', text, { maxAtoms: 5 });
    expect(many.name).toBe('StructureLimitError');
    expect(many.message).toMatch(/\(option --max-atoms\)/);
  });
});

describe('summarizeStructure', () => {
  it('composition, lattice parameters and volume', () => {
    const s: Structure = read('multi_block.cif').structures[1];
    const sum = summarizeStructure(s);
    expect(sum.nSites).toBe(8);
    expect(sum.volume).toBeCloseTo(5.6402 ** 3, 8);
    expect(sum.lattice).toMatchObject({ alpha: 90, beta: 90, gamma: 90 });
    expect(sum.formula).toBe('NaCl');
    expect(sum.cellFormula).toBe('Na4Cl4');
    expect(fracDistance(s, 0, [0, 0, 0])).toBeLessThan(1e-12);
  });
});
