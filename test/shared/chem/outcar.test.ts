/**
 * OUTCAR layouts the ASE-checked corpus (test/main/files/vasp-ase.test.ts) does not hold, written here
 * line for line as VASP 6 prints them: a run with VASP's machine-learned force field (ML_MODE train:
 * a prediction block for every ionic step, an ab initio step now and then; ML_MODE run: predictions
 * only), an OUTCAR whose 'ions per type' VASP cut at 10 species, and NWRITE = 0.
 */
import { describe, expect, it } from 'vitest';
import { KBAR_TO_EV_PER_A3, readFrames, readStructures, StructureParseError } from '../../../src-shared/chem';

const HEADER = [
  ' vasp.6.3.2 18Jan22 (build Feb 01 2022) complex',
  ' POTCAR:    PAW_PBE H 15Jun2001',
  ' POTCAR:    PAW_PBE C 08Apr2002',
  ' POTCAR:    PAW_PBE H 15Jun2001',
  ' POTCAR:    PAW_PBE C 08Apr2002',
  '   NWRITE =      2    write-flag',
  '   number of dos      NEDOS =    301   number of ions     NIONS =      2',
  '   ions per type =               1   1',
  '      direct lattice vectors                 reciprocal lattice vectors',
  '    10.000000000  0.000000000  0.000000000     0.100000000  0.000000000  0.000000000',
  '     0.000000000 10.000000000  0.000000000     0.000000000  0.100000000  0.000000000',
  '     0.000000000  0.000000000 10.000000000     0.000000000  0.000000000  0.100000000',
  '',
];

/** One ionic step's block: stress (kB, VASP's order xx yy zz xy yz zx), cell, positions and forces, energies. */
function step(ml: boolean, energy: number, x: number, fx: number, kb: number): string[] {
  const m = ml ? 'ML ' : '';
  return [
    `  ${m}FORCE on cell =-STRESS in cart. coord.  units (eV):`,
    '  Direction    XX          YY          ZZ          XY          YZ          ZX',
    `  in kB    ${kb.toFixed(5)}     0.00000     0.00000     0.00000     0.00000     0.00000`,
    '      direct lattice vectors                 reciprocal lattice vectors',
    '    10.000000000  0.000000000  0.000000000     0.100000000  0.000000000  0.000000000',
    '     0.000000000 10.000000000  0.000000000     0.000000000  0.100000000  0.000000000',
    '     0.000000000  0.000000000 10.000000000     0.000000000  0.000000000  0.100000000',
    '',
    ` POSITION                                       TOTAL-FORCE (eV/Angst)${ml ? ' (ML)' : ''}`,
    ' -----------------------------------------------------------------------------------',
    `      ${x.toFixed(5)}      5.00000      5.00000         ${fx.toFixed(6)}      0.000000      0.000000`,
    `      6.00000      5.00000      5.00000        ${(-fx).toFixed(6)}      0.000000      0.000000`,
    ' -----------------------------------------------------------------------------------',
    '',
    `  ${m}FREE ENERGIE OF THE ION-ELECTRON SYSTEM (eV)`,
    '  ---------------------------------------------------',
    `  free  energy ${ml ? 'ML TOTEN' : '  TOTEN'}  =       ${energy.toFixed(8)} eV`,
    '',
    `  ${m}energy  without entropy=      ${energy.toFixed(8)}  ${m}energy(sigma->0) =      ${energy.toFixed(8)}`,
    '',
  ];
}

const iteration = (n: number) => [`--------------------------------------- Iteration      ${n}(   1)  ---------------------------------------`, ''];

describe('OUTCAR', () => {
  it("keeps the ab initio steps of a machine-learned force field's training run and leaves its predictions out, saying so", () => {
    // Ionic step 1: prediction, then ab initio; step 2: prediction only; step 3: prediction, then ab initio.
    const text = [
      ...HEADER,
      ...step(true, 0, 4.0, 0, 0),
      ...iteration(1),
      ...step(false, -10.5, 4.0, 0.5, -2),
      ...step(true, -10.6, 4.1, 0.4, 1),
      ...step(true, -10.7, 4.2, 0.3, 1),
      ...iteration(3),
      ...step(false, -10.75, 4.2, 0.25, 3),
      '',
    ].join('\n');
    const r = readFrames('OUTCAR', text);
    expect(r.format).toBe('outcar');
    expect(r.frames.map((f) => f.energy)).toEqual([-10.5, -10.75]);
    expect(r.frames.map((f) => f.structure.name)).toEqual(['step 1', 'step 3']);
    // a dataset names the frames after these steps (OUTCAR:1, OUTCAR:3), as the file counts them
    expect(r.blocks).toEqual([1, 3]);
    // opened as structures (the Structures and Graph lists, `structure info`): each frame as `--frames` counts it, from 0
    // (the Structures list said 'step 3 · OUTCAR · frame 3' of the frame `--frames 1:2` takes); its name keeps the step
    const opened = readStructures('OUTCAR', text);
    expect(opened.blocks).toEqual([0, 1]);
    expect(opened.structures.map((s) => s.name)).toEqual(['step 1', 'step 3']);
    expect(r.frames[1].structure.cart[0]).toBe(4.2);
    expect(r.frames[1].forces![0]).toBe(0.25);
    // -2 kB as VASP prints it (its sign) is +2 kB tensile: KBAR_TO_EV_PER_A3 (< 0) turns the sign
    expect(r.frames[0].stress![0]).toBeCloseTo(-2 * KBAR_TO_EV_PER_A3, 15);
    expect(r.frames[0].stress![0]).toBeGreaterThan(0);
    expect(r.frames[0].structure.species).toEqual(['H', 'C']);
    expect(r.warnings.join('\n')).toMatch(/3 ionic steps predicted by VASP's machine-learned force field .* left out: the frames are the 2 ab initio steps/);
  });

  it("gives every step of a run of the force field alone (no electronic step at all), saying whose labels they are", () => {
    const text = [...HEADER, ...step(true, -10.6, 4.1, 0.4, 1), ...step(true, -10.7, 4.2, 0.3, 2), ''].join('\n');
    const r = readFrames('OUTCAR', text);
    expect(r.frames.map((f) => f.energy)).toEqual([-10.6, -10.7]);
    expect(r.frames.map((f) => f.freeEnergy)).toEqual([-10.6, -10.7]);
    // the first step's stress comes before its positions: kept
    expect(r.frames[0].stress![0]).toBeCloseTo(KBAR_TO_EV_PER_A3, 15);
    expect(r.frames[1].forces![3]).toBe(-0.3);
    expect(r.warnings.join('\n')).toMatch(/every ionic step of this OUTCAR is a prediction of VASP's machine-learned force field/);
  });

  it("names the line and says what to do when VASP cut 'ions per type' at 10 species", () => {
    const names = ['H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Na', 'Mg'];
    const potcar = names.map((n) => ` POTCAR:    PAW_PBE ${n} 08Apr2002`);
    const text = [
      ...potcar,
      ...potcar,
      '   number of dos      NEDOS =    301   number of ions     NIONS =     12',
      '   ions per type =               1   1   1   1   1   1   1   1   1   1',
      ...iteration(1),
    ].join('\n');
    let error: unknown;
    try {
      readFrames('OUTCAR', text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StructureParseError);
    const e = error as StructureParseError;
    expect(e.line).toBe(2 * names.length + 2);
    expect(e.message).toMatch(/lists only the first 10 counts .* read this run's vasprun.xml instead/);
  });

  it('says a run stopped inside its next ionic step is incomplete, wherever in the step it stopped', () => {
    const done = [...HEADER, ...iteration(1), ...step(false, -10.5, 4.0, 0.5, -2)];
    expect(readFrames('OUTCAR', [...done, ''].join('\n')).warnings).toEqual([]);
    const next = [...iteration(2), ...step(false, -10.6, 4.1, 0.4, -1)];
    // cut in the electronic iteration, after the stress block, after the cell, inside the positions
    for (const cut of [1, 5, 10, 14]) {
      const r = readFrames('OUTCAR', [...done, ...next.slice(0, cut)].join('\n'));
      expect(r.frames).toHaveLength(1);
      expect(r.warnings, `cut after ${cut} lines`).toEqual([`incomplete file: the ionic step begun at line ${done.length + 1} has no energy (the run was stopped); 1 complete ionic step read`]);
    }
  });

  it('says that an NWRITE = 0 run prints positions only for its first step', () => {
    const header = HEADER.map((l) => l.replace('NWRITE =      2', 'NWRITE =      0'));
    const second = step(false, -10.6, 4.1, 0.4, 1).filter((l) => !/POSITION|^ {6}\d|^ -{10}/.test(l));
    const text = [...header, ...iteration(1), ...step(false, -10.5, 4.0, 0.5, 1), ...iteration(1), ...second, ''].join('\n');
    expect(() => readFrames('OUTCAR', text)).toThrow(/ionic step 2 has no 'POSITION ... TOTAL-FORCE' block \(with NWRITE = 0 .*vasprun.xml\)/);
  });
});

describe('OUTCAR force columns VASP could not print', () => {
  it('an OUTCAR whose every step has a force column that overflowed (****) is an error naming the first, not frames holding NaN', () => {
    const s = step(false, -10.5, 4.0, 0.5, -2);
    const k = s.findIndex((l) => l.includes('TOTAL-FORCE')) + 2;
    s[k] = `${s[k].slice(0, 42)}${'*'.repeat(28)}${s[k].slice(70)}`;
    const text = [...HEADER, ...iteration(1), ...s, ''].join('\n');
    const line = text.split('\n').indexOf(s[k]) + 1;
    expect(() => readFrames('OUTCAR', text)).toThrow(
      `no ionic step left to read: every one has a force VASP could not print (the first: step 1 of OUTCAR (frame 0, counting from 0) left out: line ${line}: the force column of atom 0 (the 1st) overflowed (VASP printed **** for a force too wide for its field: '${s[k].trim()}'), so its forces cannot be read)`,
    );
  });
});
