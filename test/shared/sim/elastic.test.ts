/**
 * Elastic constants (sim/elastic.ts) against the same stress–strain protocol run by ASE 3.22 with its
 * EMT (Debian's python3-ase, here): fcc Cu (no internal relaxation) and a rattled CuAuNi cell relaxed with
 * its cell by ASE (the atoms relax at every strain), and the moduli against pymatgen's ElasticTensor
 * (test/fixtures/sim/elastic-moduli.json, written by scripts/sim/elastic_moduli_fixture.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Atoms, EmtCalculator, toGPa } from '../../../src-shared/sim';
import { elasticConstants, elasticModuli } from '../../../src-shared/sim/elastic';
import { equationOfState } from '../../../src-shared/sim/eos';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { python } from '../../helpers/python';
import { fcc } from './helpers';

const emt = new EmtCalculator();

interface AseElastic {
  numbers: number[];
  cart: number[];
  cell: Mat3;
  /** GPa, symmetrised. */
  c: number[][];
}

/** ASE's EMT through the protocol of elastic.ts: strains ±δ/2, ±δ per Voigt component, FIRE on the atoms, the slope, (C + Cᵀ)/2. */
function aseElastic(build: string, delta: number, fmax: number): AseElastic {
  const script = `
import json, numpy as np
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.constraints import ExpCellFilter
from ase.optimize import FIRE
from ase.units import GPa
${build}
atoms.calc = EMT()
base = atoms.copy()
pairs = {3: (1, 2), 4: (0, 2), 5: (0, 1)}
c = np.zeros((6, 6))
fractions = [-1, -0.5, 0.5, 1]
ss = sum((f * ${delta}) ** 2 for f in fractions)
for j in range(6):
    for f in fractions:
        e = np.zeros((3, 3))
        s = f * ${delta}
        if j < 3:
            e[j, j] = s
        else:
            a, b = pairs[j]
            e[a, b] = e[b, a] = s / 2
        strained = base.copy()
        strained.set_cell(base.cell.array @ (np.eye(3) + e).T, scale_atoms=True)
        strained.calc = EMT()
        FIRE(strained, logfile=None).run(fmax=${fmax}, steps=5000)
        c[:, j] += s * strained.get_stress(voigt=True) / ss
c = (c + c.T) / 2
print(json.dumps({'numbers': base.numbers.tolist(), 'cart': base.positions.ravel().tolist(), 'cell': base.cell.array.tolist(), 'c': (c / GPa).tolist()}))
`;
  return JSON.parse(python(['-c', script])) as AseElastic;
}

function atomsOf(ref: AseElastic): Atoms {
  return new Atoms({ numbers: Int32Array.from(ref.numbers), cart: Float64Array.from(ref.cart), lattice: ref.cell, pbc: [true, true, true] });
}

const inGPa = (c: number[][]) => c.map((row) => row.map(toGPa));

describe('elastic constants', () => {
  it("fcc Cu: ASE's numbers through the same strains, cubic symmetry, and the bulk modulus of the equation of state", async () => {
    const ref = aseElastic("atoms = bulk('Cu', 'fcc', a=3.5899, cubic=True)", 0.01, 0.001);
    const r = await elasticConstants(atomsOf(ref), emt);
    const c = inGPa(r.c);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(Math.abs(c[i][j] - ref.c[i][j])).toBeLessThan(1e-6);
    // cubic: C11 = C22 = C33, C12 = C13 = C23, C44 = C55 = C66, the rest zero
    expect(c[0][0]).toBeGreaterThan(150);
    expect(Math.abs(c[1][1] - c[0][0]) + Math.abs(c[2][2] - c[0][0])).toBeLessThan(1e-6);
    expect(Math.abs(c[0][2] - c[0][1]) + Math.abs(c[1][2] - c[0][1])).toBeLessThan(1e-6);
    expect(Math.abs(c[4][4] - c[3][3]) + Math.abs(c[5][5] - c[3][3])).toBeLessThan(1e-6);
    expect(Math.abs(c[0][3]) + Math.abs(c[3][4]) + Math.abs(c[0][5])).toBeLessThan(1e-6);
    expect(r.stable).toBe(true);
    expect(r.unconverged).toBe(0);
    expect(r.points).toHaveLength(24);
    // the bulk modulus (C11 + 2 C12)/3 is the equation of state's B₀ (a small strain against a ±3 % fit)
    const eos = await equationOfState(atomsOf(ref), emt, { points: 11, range: 0.03 });
    expect(Math.abs(toGPa(r.moduli.kVoigt) - toGPa(eos.fit.b0)) / toGPa(eos.fit.b0)).toBeLessThan(0.01);
    expect(r.moduli.kReuss).toBeCloseTo(r.moduli.kVoigt, 9); // a cubic crystal's bulk moduli agree
  });

  it("a rattled CuAuNi cell relaxed with its cell: the atoms relax at every strain, ASE's numbers", async () => {
    const build = `
atoms = bulk('Cu', 'fcc', a=3.65, cubic=True).repeat((2, 1, 1))
atoms.numbers[[1, 4]] = 79
atoms.numbers[6] = 28
atoms.rattle(0.05, seed=3)
atoms.calc = EMT()
FIRE(ExpCellFilter(atoms), logfile=None).run(fmax=1e-5, steps=20000)
`;
    const ref = aseElastic(build, 0.01, 1e-5);
    const r = await elasticConstants(atomsOf(ref), emt, { relaxOptions: { fmax: 1e-5, maxSteps: 5000 } });
    const c = inGPa(r.c);
    // the atoms move under strain here: without relaxing them the constants differ by gigapascals
    const frozen = inGPa((await elasticConstants(atomsOf(ref), emt, { relax: false })).c);
    let internal = 0;
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        expect(Math.abs(c[i][j] - ref.c[i][j])).toBeLessThan(1e-3);
        internal = Math.max(internal, Math.abs(frozen[i][j] - c[i][j]));
      }
    }
    expect(internal).toBeGreaterThan(1);
    expect(toGPa(Math.max(...r.residualStress.map(Math.abs)))).toBeLessThan(0.01);
    expect(r.stable).toBe(true);
    expect(r.unconverged).toBe(0);
  }, 120_000);

  it("Voigt, Reuss and Hill moduli, Young's modulus and Poisson's ratio as pymatgen's ElasticTensor gives them", () => {
    const cases = JSON.parse(readFileSync(new URL('../../fixtures/sim/elastic-moduli.json', import.meta.url), 'utf8')) as {
      c: number[][];
      k_voigt: number;
      k_reuss: number;
      k_vrh: number;
      g_voigt: number;
      g_reuss: number;
      g_vrh: number;
      y_mod: number;
      homogeneous_poisson: number;
    }[];
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const ref of cases) {
      const m = elasticModuli(ref.c);
      const close = (ours: number, theirs: number) => expect(Math.abs(ours - theirs)).toBeLessThan(1e-9 * Math.max(1, Math.abs(theirs)));
      close(m.kVoigt, ref.k_voigt);
      close(m.kReuss, ref.k_reuss);
      close(m.kHill, ref.k_vrh);
      close(m.gVoigt, ref.g_voigt);
      close(m.gReuss, ref.g_reuss);
      close(m.gHill, ref.g_vrh);
      close(m.young * 1e9, ref.y_mod); // pymatgen's Young's modulus is in Pa from GPa constants
      close(m.poisson, ref.homogeneous_poisson);
    }
    // a singular C (a liquid's: no shear) has Voigt moduli but no compliance, so no Reuss or Hill ones
    const liquid = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i < 3 && j < 3 ? 100 : 0)));
    const m = elasticModuli(liquid);
    expect(m.kVoigt).toBeCloseTo(100, 12);
    expect([m.kReuss, m.gReuss, m.kHill]).toEqual([NaN, NaN, NaN]);
  });

  it('gives the eigenvalues of C whatever way the crystal is turned in its file (Kelvin form)', async () => {
    // primitive fcc Al, then the same crystal turned 30° about z and 20° about x
    const a = 4.05 / 2;
    const lattice: Mat3 = [
      [0, a, a],
      [a, 0, a],
      [a, a, 0],
    ];
    const turn = (l: Mat3, axis: 'x' | 'z', degrees: number): Mat3 => {
      const [c, s] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
      return l.map(([x, y, z]) => (axis === 'z' ? [c * x - s * y, s * x + c * y, z] : [x, c * y - s * z, s * y + c * z])) as Mat3;
    };
    const al = (l: Mat3) => new Atoms({ numbers: Int32Array.of(13), cart: Float64Array.of(0, 0, 0), lattice: l, pbc: [true, true, true] });
    const upright = await elasticConstants(al(lattice), emt);
    const turned = await elasticConstants(al(turn(turn(lattice, 'z', 30), 'x', 20)), emt);
    const [c, e] = [inGPa(upright.c), upright.eigenvalues.map(toGPa)];
    // a cubic crystal's: C11 − C12 twice, 2 C44 three times, C11 + 2 C12
    const cubic = [c[0][0] - c[0][1], c[0][0] - c[0][1], 2 * c[3][3], 2 * c[3][3], 2 * c[3][3], c[0][0] + 2 * c[0][1]].sort((x, y) => x - y);
    e.forEach((x, k) => expect(x).toBeCloseTo(cubic[k], 9));
    // the turned cell's strains are other finite differences: the same to their δ² (the Voigt matrix's lowest was 11.2 GPa against 20.4)
    turned.eigenvalues.map(toGPa).forEach((x, k) => expect(Math.abs(x - e[k])).toBeLessThan(0.1));
    expect(e[0]).toBeGreaterThan(15);
  });

  it('says when a crystal is mechanically unstable, and refuses what it cannot strain', async () => {
    // bcc Cu is unstable in EMT (the Bain path): C11 < C12, a negative eigenvalue
    const bcc = new Atoms({ numbers: Int32Array.of(29, 29), cart: Float64Array.of(0, 0, 0, 1.43, 1.43, 1.43), lattice: [[2.86, 0, 0], [0, 2.86, 0], [0, 0, 2.86]], pbc: [true, true, true] });
    const r = await elasticConstants(bcc, emt, { relax: false });
    expect(r.stable).toBe(false);
    expect(r.eigenvalues[0]).toBeLessThan(0);
    expect(r.c[0][0]).toBeLessThan(r.c[0][1]);
    const molecule = new Atoms({ numbers: Int32Array.of(29, 29), cart: Float64Array.of(0, 0, 0, 2.5, 0, 0), lattice: null, pbc: [false, false, false] });
    await expect(elasticConstants(molecule, emt)).rejects.toThrow(/periodic in all three directions/);
    await expect(elasticConstants(fcc(3.59, 1), emt, { strain: 0.2 })).rejects.toThrow(/at most 0\.05/);
  });
});
