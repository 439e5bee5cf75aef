/**
 * A relaxation that keeps the structure's space group (`RelaxParameters.symmetry`, sim/symmetry.ts)
 * with the operations moyo finds (`symmetryOperations`). ASE 3.22's FixSymmetry is compared in
 * test/main/cli/simulate.test.ts; here, what it is for: forces with noise in them (as a trained
 * potential's have) break a crystal's symmetry in a relaxation, and the kept symmetry holds it.
 */
import { describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { supercell } from '../../../src-shared/chem/build';
import { cartToFrac, fracToCart } from '../../../src-shared/chem/lattice';
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

  it("moyo's operations map the crystal onto itself, and a force averaged over them has the site's symmetry", async () => {
    const ops = await symmetryOperations(start);
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

  it('averages over the rotations and then the pure translations as over every operation one by one', async () => {
    // a rattled 2×2×1 supercell: 12 rotations × 4 pure translations
    const rng = new Rng(5);
    const big = supercell(start, [2, 2, 1]);
    const cart = big.cart.map((x) => x + 1e-3 * rng.normal());
    const ops = await symmetryOperations({ ...big, cart, frac: cartToFrac(cart, big.lattice!) });
    expect(ops.rotations.length).toBe(48);
    const symmetry = new Symmetry(ops, big.numbers, cart, big.lattice!);
    // each operation's image of each atom, found by the nearest atom of the same element
    const frac = cartToFrac(cart, big.lattice!);
    const n = big.numbers.length;
    const wrap = (d: number): number => d - Math.round(d);
    const image = (g: number, i: number): { j: number; d: number[] } => {
      const r = ops.rotations[g];
      const y = [0, 1, 2].map((k) => r[3 * k] * frac[3 * i] + r[3 * k + 1] * frac[3 * i + 1] + r[3 * k + 2] * frac[3 * i + 2] + ops.translations[g][k]);
      const gaps = Array.from({ length: n }, (_, j) => [0, 1, 2].map((k) => wrap(y[k] - frac[3 * j + k])));
      const j = gaps.findIndex((d) => Math.hypot(...d) < 0.01);
      return { j, d: gaps[j] };
    };
    const v = Float64Array.from({ length: 3 * n }, () => rng.normal());
    const s = cartToFrac(v, big.lattice!);
    const sum = new Float64Array(3 * n);
    const ideal = Float64Array.from(frac);
    ops.rotations.forEach((r, g) => {
      for (let i = 0; i < n; i++) {
        const { j, d } = image(g, i);
        for (let k = 0; k < 3; k++) {
          sum[3 * j + k] += (r[3 * k] * s[3 * i] + r[3 * k + 1] * s[3 * i + 1] + r[3 * k + 2] * s[3 * i + 2]) / 48;
          ideal[3 * j + k] += d[k] / 48;
        }
      }
    });
    const averaged = symmetry.vectors(Float64Array.from(v), big.lattice!);
    fracToCart(sum, big.lattice!).forEach((x, k) => expect(averaged[k]).toBeCloseTo(x, 12));
    const refined = symmetry.refine(cart, big.lattice!);
    fracToCart(ideal, refined.lattice).forEach((x, k) => expect(refined.cart[k]).toBeCloseTo(x, 12));
    expect(refined.moved).toBeGreaterThan(1e-4);
    // operations that are not a group (a rotation without its pure translations) are refused
    const partial = { ...ops, rotations: ops.rotations.slice(0, 47), translations: ops.translations.slice(0, 47) };
    expect(() => new Symmetry(partial, big.numbers, cart, big.lattice!)).toThrow(/are not a space group: 47 operations, 12 rotations/);
  });

  it('holds the space group against noisy forces, which break it without', async () => {
    const relax = { ...SIMULATION_DEFAULTS.relax, cell: true, fmax: 0.05, smax: 5, maxSteps: 60 };
    const free = await runSimulation(start, new NoisyEmt(0.05), relax);
    const kept = await runSimulation(start, new NoisyEmt(0.05), { ...relax, symmetry: true }, { symmetry: await symmetryOperations(start) });
    expect((await findSpaceGroup(free.final!, 1e-4))!.number).not.toBe(186);
    expect((await findSpaceGroup(kept.final!, 1e-4))!.number).toBe(186);
    // asked to keep it without the operations, the run refuses
    await expect(runSimulation(start, new EmtCalculator(), { ...relax, symmetry: true })).rejects.toThrow(/needs the space group's operations/);
  });

  it('a relaxation reports the space groups of a cell of at most 1,000 atoms only (the search grows with a large defective cell)', async () => {
    const small = readStructures('c.vasp', copperPoscar(2)).structures[0];
    const large = readStructures('c.vasp', copperPoscar(7)).structures[0];
    expect((await relaxationSpaceGroups(small, small))?.end.symbol).toBe('Fm-3m');
    expect(large.numbers.length).toBeGreaterThan(SPACE_GROUP_REPORT_MAX_SITES);
    expect(await relaxationSpaceGroups(large, large)).toBeNull();
  });

  it('refuses held atoms and structures without a crystal', async () => {
    const relax = { ...SIMULATION_DEFAULTS.relax, symmetry: true };
    const ops = await symmetryOperations(start);
    await expect(runSimulation(start, new EmtCalculator(), { ...relax, fixed: [0] }, { symmetry: ops })).rejects.toThrow(/keeps the symmetry or holds atoms, not both/);
    const molecule = readStructures('m.xyz', '2\n\nCu 0 0 0\nCu 0 0 2.5\n').structures[0];
    await expect(runSimulation(molecule, new EmtCalculator(), relax, { symmetry: ops })).rejects.toThrow(/keeping the symmetry needs a crystal/);
    await expect(symmetryOperations(molecule)).rejects.toThrow(/keeping the symmetry needs a crystal/);
  });
});
