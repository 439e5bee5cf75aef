/**
 * Labels of extended XYZ (a label key that holds no number is an error naming the line, the key and
 * the value), and the units and sign check run when labelled frames are imported (`checkLabels`): it
 * says what it saw and what it assumed, warns on stress that looks like kB, forces that do not sum to
 * zero in a periodic cell and energies that look per atom, and converts nothing.
 */
import { describe, expect, it } from 'vitest';
import { checkLabels, readFrames, type LabelledFrame, type Structure, type StructureParseError, type Voigt6 } from '../../../src-shared/chem';
import { EmtCalculator } from '../../../src-shared/sim';

/** A rattled simple-cubic Cu cell of n×n×n atoms (a = 2.6 Å), labelled by EMT (totals in eV, eV/Å, eV/Å³). */
function emtFrame(n: number, seed: number): LabelledFrame {
  const count = n * n * n;
  const a = 2.6;
  const cart = new Float64Array(3 * count);
  let r = seed * 7919 + 1;
  const rand = () => ((r = (r * 16807) % 2147483647) / 2147483647 - 0.5) * 0.1;
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let l = 0; l < n; l++) cart.set([i * a + rand(), j * a + rand(), l * a + rand()], 3 * k++);
  const L = n * a;
  const structure: Structure = {
    name: `cu${count}`,
    lattice: [
      [L, 0, 0],
      [0, L, 0],
      [0, 0, L],
    ],
    pbc: [true, true, true],
    numbers: new Int32Array(count).fill(29),
    species: new Array<string>(count).fill('Cu'),
    cart,
    frac: cart.map((x) => x / L),
    occupancy: new Float64Array(count).fill(1),
    siteProperties: {},
    properties: {},
  };
  const c = new EmtCalculator().compute(structure);
  return { structure, energy: c.energy, freeEnergy: null, forces: c.forces, stress: [...c.stress!] as Voigt6 };
}

const sizes = [2, 3, 4, 2, 3, 4];
const good = sizes.map((n, i) => emtFrame(n, i + 1));

describe('the units and sign check at import', () => {
  it('finds nothing wrong with EMT totals, forces and stress, and says what it took them as', () => {
    const c = checkLabels(good);
    expect(c.warnings).toEqual([]);
    const text = c.findings.join('\n');
    expect(text).toMatch(/labels: energy 6, forces 6, stress 6 of 6 frames; taken as eV \(the whole cell\), eV\/Å, eV\/Å³ \(positive = tensile, as ASE\)/);
    expect(text).toMatch(/forces sum to about zero in all 6 periodic frames/);
    expect(text).toMatch(/energies scale with the atom count \(8–64 atoms\): taken as totals of the cell/);
    expect(text).toMatch(/stress: median largest component .* plausible/);
  });

  it('says stress looks like kB and leaves the numbers as they are', () => {
    const kbar = good.map((f) => ({ ...f, stress: f.stress!.map((x) => x * -1602.1766208) as Voigt6 }));
    const before = kbar.map((f) => [...f.stress!]);
    const c = checkLabels(kbar);
    expect(c.warnings.join('\n')).toMatch(/stress looks like kB or GPa, not eV\/Å³.*Nothing was converted/);
    expect(kbar.map((f) => [...f.stress!])).toEqual(before);
  });

  it('says when forces of a periodic cell do not sum to zero (fixed atoms zeroed), naming the worst frame', () => {
    const fixed = good.map((f, i) => {
      if (i !== 2) return f;
      const forces = f.forces!.slice();
      forces.fill(0, 0, forces.length / 2); // half of the atoms "fixed", their forces zeroed
      return { ...f, forces };
    });
    const c = checkLabels(fixed);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/forces do not sum to zero in 1 of 6 periodic frames \(worst: \|ΣF\| = \S+ eV\/Å in frame 2\).*Kept as they are/);
  });

  it('says energies look per atom when they do not grow with the atom count, and converts nothing', () => {
    const perAtom = good.map((f) => ({ ...f, energy: f.energy! / f.structure.numbers.length - 3.5 }));
    const c = checkLabels(perAtom);
    expect(c.warnings.join('\n')).toMatch(/energies look per atom, not totals: across frames of 8–64 atoms .*multiply by the atom count/);
    expect(perAtom.map((f) => f.energy)).toEqual(good.map((f) => f.energy! / f.structure.numbers.length - 3.5));
  });

  it('says it cannot tell totals from per-atom energies when every frame has the same size', () => {
    const same = [emtFrame(3, 1), emtFrame(3, 2), emtFrame(3, 3)];
    expect(checkLabels(same).findings.join('\n')).toMatch(/all frames have 27 atoms, so totals and per-atom energies cannot be told apart; taken as totals/);
  });
});

/** A one-atom extended XYZ frame with the given info keys on its comment line (line 2). */
const xyz = (info: string) => `1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 ${info}\nCu 0 0 0\n`;

describe('extended XYZ label keys', () => {
  it('a label key whose value is not a finite number is an error naming the line, the key and the value', () => {
    expect(() => readFrames('a.extxyz', xyz('energy=abc'))).toThrow("line 2: frame 0: key energy needs a number, found 'abc'");
    expect(() => readFrames('a.extxyz', xyz('energy=nan'))).toThrow("line 2: frame 0: key energy needs a number, found 'nan'");
    // a number no float holds is quoted as the file wrote it, and said to be out of range (it was 'Infinity')
    expect(() => readFrames('a.extxyz', xyz('energy=1e999'))).toThrow("line 2: frame 0: key energy: '1e999' is out of range (a 64-bit float holds at most ±1.8e308)");
    expect(() => readFrames('a.extxyz', xyz('energy=-1.5D400'))).toThrow("line 2: frame 0: key energy: '-1.5D400' is out of range (a 64-bit float holds at most ±1.8e308)");
    expect(() => readFrames('a.extxyz', xyz('energy=-1 free_energy=T'))).toThrow("line 2: frame 0: key free_energy needs a number, found 'T'");
    expect(() => readFrames('a.extxyz', xyz('REF_energy=abc'), { energyKey: 'REF_energy' })).toThrow("line 2: frame 0: key REF_energy needs a number, found 'abc'");
  });

  it('a stress or virial that is not 6 or 9 numbers is an error (ASE 3.22 refuses it too: "expecting special 3x3 matrix")', () => {
    expect(() => readFrames('a.extxyz', xyz('energy=-1 stress="1 2 3 4"'))).toThrow("line 2: frame 0: key stress needs 6 (Voigt) or 9 (3×3) numbers, found '1 2 3 4'");
    expect(() => readFrames('a.extxyz', xyz('energy=-1 virial="1 2 x"'))).toThrow("line 2: frame 0: key virial needs 6 (Voigt) or 9 (3×3) numbers, found '1 2 x'");
    expect(() => readFrames('a.extxyz', xyz('energy=-1 my_stress="1 2"'), { stressKey: 'my_stress' })).toThrow("line 2: frame 0: key my_stress needs 6 (Voigt) or 9 (3×3) numbers, found '1 2'");
    // 9 (or 6) values, one of them wrong: that one is named by its place and as written (it said "needs 6 or 9 numbers, found 'Infinity …'")
    expect(() => readFrames('a.extxyz', xyz('energy=-1 stress="-0.02 0 0 0 1e400 0 0 0 -0.02"'))).toThrow(
      "line 2: frame 0: key stress: value 5 of 9, '1e400', is out of range (a 64-bit float holds at most ±1.8e308)",
    );
    expect(() => readFrames('a.extxyz', xyz('energy=-1 stress={0.1,0.2,0.3,0,0,x}'))).toThrow("line 2: frame 0: key stress: value 6 of 6, 'x', is not a number");
    // a free-form key keeps such a value as written
    expect(readFrames('a.extxyz', xyz('energy=-1 note=1e400')).frames[0].structure.properties).toEqual({ note: '1e400' });
  });

  it("a forces column (ASE's own name, or the --forces-key) that is not 3 numbers per atom is an error naming the file, line, column and the 3 it needs", () => {
    const frame = (props: string, rows: string[]) => `2\nLattice="3.6 0 0 0 3.6 0 0 0 3.6" Properties=species:S:1:pos:R:3:${props} energy=-1.25\nCu 0 0 0 ${rows[0]}\nAu 1.8 1.8 0 ${rows[1]}\n`;
    const two = frame('forces:R:2', ['0.1 0.2', '-0.1 -0.2']);
    const error = (text: string, options = {}) => {
      try {
        readFrames('forces2.extxyz', text, options);
      } catch (e) {
        return [(e as StructureParseError).file, (e as StructureParseError).message];
      }
      return null;
    };
    // without a key it was left out without a word; with --forces-key forces the column was said to be missing while listed
    expect(error(two)).toEqual(['forces2.extxyz', "line 2: frame 0: column 'forces' has 2 components per atom; forces need 3"]);
    expect(error(two, { forcesKey: 'forces' })).toEqual(['forces2.extxyz', "line 2: frame 0: column 'forces' has 2 components per atom; forces need 3"]);
    expect(error(frame('REF_f:R:1', ['0.1', '-0.1']), { forcesKey: 'REF_f' })).toEqual(['forces2.extxyz', "line 2: frame 0: column 'REF_f' has 1 component per atom; forces need 3"]);
    expect(error(frame('forces:S:1', ['a', 'b']))).toEqual(['forces2.extxyz', "line 2: frame 0: column 'forces' holds text (type S); forces need 3 numbers per atom"]);
    // a missing --forces-key column is still said to be missing; another candidate of the wrong width is not a label
    expect(error(frame('forces:R:3', ['0 0 0', '0 0 0']), { forcesKey: 'REF_forces' })?.[1]).toBe("line 2: frame 0: no per-atom column 'REF_forces' for the forces; the frame has: forces");
    const other = readFrames('a.extxyz', frame('REF_forces:R:2', ['0.1 0.2', '-0.1 -0.2']));
    expect(other.frames[0].forces).toBeNull();
    expect(other.frames[0].structure.siteProperties.REF_forces).toMatchObject({ kind: 'vector', width: 2 });
  });

  it('other keys stay free-form: a candidate that holds no number is not a label, an unknown key is kept as written', () => {
    const r = readFrames('a.extxyz', xyz('energy=-1.5 REF_energy=unknown config_type=bulk note="1 2 3 4"'));
    expect(r.frames[0].energy).toBe(-1.5);
    expect(r.frames[0].structure.properties).toMatchObject({ REF_energy: 'unknown', config_type: 'bulk', note: [1, 2, 3, 4] });
  });
});
