/**
 * Harmonic vibrations (sim/vibrations.ts) against ASE 3.22's `Vibrations` (Debian's python3-ase, run
 * here) with EMT on the same positions: a CO molecule on a Cu(111) slab whose lower layers are held
 * (some modes imaginary: EMT's on-top CO is not a minimum), and a perfect fcc Cu cell (its Γ-point
 * phonons, three translations at zero).
 */
import { describe, expect, it } from 'vitest';
import { Atoms, EmtCalculator } from '../../../src-shared/sim';
import { animatedMode, vibratingAtoms, vibrations } from '../../../src-shared/sim/vibrations';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { python } from '../../helpers/python';

const emt = new EmtCalculator();

interface AseVibrations {
  numbers: number[];
  cart: number[];
  cell: Mat3;
  pbc: [boolean, boolean, boolean];
  fixed: number[];
  indices: number[];
  /** meV, imaginary ones as −|Im|. */
  energies: number[];
  zpe: number;
  /** ASE's get_modes(all_atoms=True), flat per mode. */
  modes: number[][];
  /** iter_animated_mode of the last mode, flat positions per frame. */
  animation: number[][];
}

function aseVibrations(build: string): AseVibrations {
  const script = `
import json, shutil, tempfile, numpy as np
from ase.build import fcc111, molecule, add_adsorbate, bulk
from ase.constraints import FixAtoms
from ase.calculators.emt import EMT
from ase.optimize import BFGS
from ase.vibrations import Vibrations
from ase.vibrations.data import VibrationsData
${build}
a.calc = EMT()
fixed = [i for c in a.constraints if isinstance(c, FixAtoms) for i in c.get_indices()]
indices = [i for i in range(len(a)) if i not in fixed]
work = tempfile.mkdtemp()
v = Vibrations(a, indices=indices, name=work + '/vib')
v.run()
data = v.get_vibrations()
e = data.get_energies()
modes = data.get_modes(all_atoms=True)
animation = [im.positions.flatten().tolist() for im in data.iter_animated_mode(len(e) - 1)]
shutil.rmtree(work)
print(json.dumps({'numbers': a.numbers.tolist(), 'cart': a.positions.flatten().tolist(), 'cell': a.cell.array.tolist(), 'pbc': a.pbc.tolist(), 'fixed': [int(i) for i in fixed], 'indices': indices,
  'energies': [1000 * (x.real if abs(x.imag) < 1e-12 else -abs(x.imag)) for x in e], 'zpe': data.get_zero_point_energy(),
  'modes': [m.flatten().tolist() for m in modes], 'animation': animation}))
`;
  return JSON.parse(python(['-c', script])) as AseVibrations;
}

function atomsOf(ref: AseVibrations): Atoms {
  const fixed = new Uint8Array(ref.numbers.length);
  for (const i of ref.fixed) fixed[i] = 1;
  return new Atoms({ numbers: Int32Array.from(ref.numbers), cart: Float64Array.from(ref.cart), lattice: ref.cell, pbc: ref.pbc, fixed: ref.fixed.length ? fixed : undefined });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, k) => s + x * b[k], 0);

describe('harmonic vibrations, as ASE', () => {
  it('CO on a Cu(111) slab, the lower layers held: the same mode energies (imaginary ones too), zero-point energy, modes and animation', async () => {
    const ref = aseVibrations(`
a = fcc111('Cu', (2, 2, 3), vacuum=6.0)
add_adsorbate(a, molecule('CO'), 1.9, 'ontop')
a.set_constraint(FixAtoms(indices=range(8)))
a.calc = EMT()
BFGS(a, logfile=None).run(fmax=1e-4)
`);
    const atoms = atomsOf(ref);
    expect(vibratingAtoms(atoms)).toEqual(ref.indices);
    const calls: number[] = [];
    const v = (await vibrations(atoms, emt, { onDisplacement: (done) => void calls.push(done) }))!;
    expect(v.indices).toEqual([8, 9, 10, 11, 12, 13]);
    // ASE's 36, and 2 more for the linearity check (not counted as progress)
    expect(v.forceCalls).toBe(38);
    expect(calls).toEqual(Array.from({ length: 36 }, (_, k) => k + 1));
    expect(v.linearity.stiffness).toBe(v.hessian[0]);
    expect(Math.abs(v.linearity.halfStiffness - v.linearity.stiffness)).toBeLessThan(1e-3 * Math.abs(v.linearity.stiffness));
    expect(Array.from(atoms.cart)).toEqual(ref.cart); // put back
    expect(v.energies).toHaveLength(ref.energies.length);
    v.energies.forEach((e, k) => expect(Math.abs(1000 * e - ref.energies[k])).toBeLessThan(1e-6));
    expect(v.energies.filter((e) => e < 0)).toHaveLength(4);
    expect(Math.abs(v.zeroPointEnergy - ref.zpe)).toBeLessThan(1e-9);
    // cm⁻¹: the C–O stretch of EMT, 106 meV
    expect(v.frequencies.at(-1)!).toBeCloseTo((v.energies.at(-1)! / 0.0001239841973964072), 6);
    // the non-degenerate modes are ASE's up to their sign; held atoms do not move in any
    const last = ref.modes.length - 1;
    for (const k of [6, last]) {
      const sign = Math.sign(dot(v.modes[k], ref.modes[k]));
      for (let j = 0; j < ref.modes[k].length; j++) expect(Math.abs(sign * v.modes[k][j] - ref.modes[k][j])).toBeLessThan(1e-6);
    }
    for (const mode of v.modes) expect(Array.from(mode.subarray(0, 24)).every((x) => x === 0)).toBe(true);
    // the animation of the last mode, as ASE's iter_animated_mode (30 frames at 300 K's amplitude)
    const sign = Math.sign(dot(v.modes[last], ref.modes[last]));
    const frames = animatedMode(ref.cart, v.modes[last].map((x) => sign * x), v.energies[last]);
    expect(frames).toHaveLength(30);
    frames.forEach((f, k) => expect(Math.max(...Array.from(f, (x, j) => Math.abs(x - ref.animation[k][j])))).toBeLessThan(1e-6));
  });

  it("a perfect fcc Cu cell: its Γ-point phonons, the three translations at zero, ASE's energies and zero-point energy", async () => {
    const ref = aseVibrations(`a = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 1, 1))`);
    const v = (await vibrations(atomsOf(ref), emt))!;
    expect(v.indices).toHaveLength(8);
    // ħω = √ω² magnifies rounding near zero: the translations agree to 0.01 meV, the phonons to 1e-6
    v.energies.forEach((e, k) => expect(Math.abs(1000 * e - ref.energies[k])).toBeLessThan(Math.abs(ref.energies[k]) > 1 ? 1e-6 : 1e-2));
    expect(v.energies.slice(0, 3).every((e) => Math.abs(e) < 1e-4)).toBe(true);
    expect(v.energies.slice(3).every((e) => e > 0.005)).toBe(true);
    // the translations' near-zero energies count in it, as in ASE's
    expect(Math.abs(v.zeroPointEnergy - ref.zpe)).toBeLessThan(1e-7);
  });

  it('vibrates the atoms chosen; refuses none, unknown or repeated ones; stops when cancelled', async () => {
    const atoms = new Atoms({ numbers: Int32Array.of(29, 29), cart: Float64Array.of(0, 0, 0, 2.3, 0, 0), lattice: null, pbc: [false, false, false] });
    const one = (await vibrations(atoms, emt, { indices: [1] }))!;
    expect(one.indices).toEqual([1]);
    expect(one.energies).toHaveLength(3);
    expect(one.modes[0].subarray(0, 3)).toEqual(new Float64Array(3));
    await expect(vibrations(atoms, emt, { indices: [2] })).rejects.toThrow(/atom 2 is not in the structure \(2 atoms, 0-based\)/);
    await expect(vibrations(atoms, emt, { indices: [0, 0] })).rejects.toThrow(/more than once/);
    const held = new Atoms({ ...atoms, fixed: Uint8Array.of(1, 1) });
    await expect(vibrations(held, emt)).rejects.toThrow(/no atom vibrates: every atom is held fixed/);
    await expect(vibrations(atoms, emt, { delta: 0 })).rejects.toThrow(/positive/);
    const signal = { aborted: false };
    const stopped = await vibrations(atoms, emt, { signal, onDisplacement: (done) => void (signal.aborted = done >= 3) });
    expect(stopped).toBeNull();
    expect(Array.from(atoms.cart)).toEqual([0, 0, 0, 2.3, 0, 0]);
  });
});
