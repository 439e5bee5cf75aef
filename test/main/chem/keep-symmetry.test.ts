/**
 * A relaxation that keeps the structure's space group (`RelaxParameters.symmetry`, sim/symmetry.ts)
 * with the operations moyo finds (`symmetryOperations`). ASE 3.22's FixSymmetry is compared in
 * test/main/cli/simulate.test.ts; here, what it is for: forces with noise in them (as a trained
 * potential's have) break a crystal's symmetry in a relaxation, and the kept symmetry holds it.
 */
import { describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { Rng } from '../../../src-shared/model/rng';
import { EmtCalculator, runSimulation, SIMULATION_DEFAULTS, Symmetry, type AtomicConfiguration, type CalculateOptions, type Calculation, type Calculator } from '../../../src-shared/sim';
import { findSpaceGroup, relaxationSpaceGroups, SPACE_GROUP_REPORT_MAX_SITES, symmetryOperations } from '../../../src-main/chem/spacegroup';
import { copperPoscar } from '../services/simulation-fixtures';

/** Wurtzite-like AlN (P6_3mc: a non-orthogonal cell and a free internal coordinate). */
const WURTZITE = `4
Lattice="3.1 0 0 -1.55 2.6846787517317578 0 0 0 5" Properties=species:S:1:pos:R:3 pbc="T T T"
Al 0.0 1.7897858344878385 0.0
Al 1.55 0.8948929172439193 2.5
N 0.0 1.7897858344878385 1.8
N 1.55 0.8948929172439193 4.3
`;

/** EMT with seeded noise of about `size` eV/Å on every force (and eV/Å³ · 0.01 on the stress). */
class NoisyEmt implements Calculator {
  readonly name = 'noisy emt';
  private readonly emt = new EmtCalculator();
  private readonly rng = new Rng(3);
  constructor(private readonly size: number) {}
  async calculate(atoms: AtomicConfiguration, options?: CalculateOptions): Promise<Calculation> {
    const c = await this.emt.calculate(atoms, options);
    const forces = c.forces.map((f) => f + this.size * this.rng.normal());
    const stress = c.stress ? c.stress.map((s) => s + 0.01 * this.size * this.rng.normal()) : null;
    return { ...c, forces, stress };
  }
}

describe('a relaxation that keeps its symmetry', () => {
  const start = readStructures('w.extxyz', WURTZITE).structures[0];

  it("moyo's operations map the crystal onto itself, and a force averaged over them has the site's symmetry", () => {
    const ops = symmetryOperations(start);
    expect([ops.symbol, ops.number, ops.rotations.length]).toEqual(['P6_3mc', 186, 12]);
    const symmetry = new Symmetry(ops, start.numbers, start.cart, start.lattice!);
    // on the 3m site (the c axis) only the component along c survives
    const f = symmetry.vectors(Float64Array.of(0.3, -0.2, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0), start.lattice!);
    expect(Math.abs(f[0]) + Math.abs(f[1])).toBeLessThan(1e-12);
    expect(f[2]).toBeCloseTo(0.25, 12); // shared with its image, atom 1 (the 6₃ screw), as ASE averages
    expect(f[5]).toBeCloseTo(0.25, 12);
    // operations found for another structure are refused
    const other = readStructures('o.extxyz', WURTZITE.replace('N 0.0 1.7897858344878385 1.8', 'N 0.4 1.7897858344878385 1.8')).structures[0];
    expect(() => new Symmetry(ops, other.numbers, other.cart, other.lattice!)).toThrow(/do not map the atoms onto themselves/);
  });

  it('holds the space group against noisy forces, which break it without', async () => {
    const relax = { ...SIMULATION_DEFAULTS.relax, cell: true, fmax: 0.05, smax: 5, maxSteps: 60 };
    const free = await runSimulation(start, new NoisyEmt(0.05), relax);
    const kept = await runSimulation(start, new NoisyEmt(0.05), { ...relax, symmetry: true }, { symmetry: symmetryOperations(start) });
    expect(findSpaceGroup(free.final!, 1e-4)!.number).not.toBe(186);
    expect(findSpaceGroup(kept.final!, 1e-4)!.number).toBe(186);
    // asked to keep it without the operations, the run refuses
    await expect(runSimulation(start, new EmtCalculator(), { ...relax, symmetry: true })).rejects.toThrow(/needs the space group's operations/);
  });

  it('a relaxation reports the space groups of a cell of at most 1,000 atoms only (the search grows with a large defective cell)', () => {
    const small = readStructures('c.vasp', copperPoscar(2)).structures[0];
    const large = readStructures('c.vasp', copperPoscar(7)).structures[0];
    expect(relaxationSpaceGroups(small, small)?.end.symbol).toBe('Fm-3m');
    expect(large.numbers.length).toBeGreaterThan(SPACE_GROUP_REPORT_MAX_SITES);
    expect(relaxationSpaceGroups(large, large)).toBeNull();
  });

  it('refuses held atoms and structures without a crystal', async () => {
    const relax = { ...SIMULATION_DEFAULTS.relax, symmetry: true };
    const ops = symmetryOperations(start);
    await expect(runSimulation(start, new EmtCalculator(), { ...relax, fixed: [0] }, { symmetry: ops })).rejects.toThrow(/keeps the symmetry or holds atoms, not both/);
    const molecule = readStructures('m.xyz', '2\n\nCu 0 0 0\nCu 0 0 2.5\n').structures[0];
    await expect(runSimulation(molecule, new EmtCalculator(), relax, { symmetry: ops })).rejects.toThrow(/keeping the symmetry needs a crystal/);
    expect(() => symmetryOperations(molecule)).toThrow(/keeping the symmetry needs a crystal/);
  });
});
