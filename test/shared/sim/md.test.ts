import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src-shared/model/rng';
import { Atoms, EmtCalculator, maxwellBoltzmann, runMolecularDynamics, toGPa, fromGPa, type MdFrame } from '../../../src-shared/sim';
import { fcc } from './helpers';
import { python } from '../../helpers/python';
import type { Calculator } from '../../../src-shared/sim/calculator';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('molecular dynamics with EMT', () => {
  it('NVE, 108-atom fcc Cu at 300 K, 1 fs, 1 ps: total energy drifts less than 1e-4 eV/atom', async () => {
    const atoms = fcc(3.59, 3);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nve', temperature: 300, timestep: 1, steps: 1000, seed: 42 });
    expect(r.status).toBe('completed');
    expect(r.log.total).toHaveLength(1001);
    expect(r.log.temperature[0]).toBeCloseTo(300, 9);
    expect(Math.abs(r.drift!)).toBeLessThan(1e-4);
    const e0 = r.log.total[0];
    expect(Math.max(...r.log.total.map((e) => Math.abs(e - e0))) / 108).toBeLessThan(1e-4);
    // equipartition: starting from a perfect lattice, half the kinetic energy becomes potential energy
    expect(mean(r.log.temperature.slice(500))).toBeGreaterThan(120);
    expect(mean(r.log.temperature.slice(500))).toBeLessThan(180);
    for (const p of atoms.momentum()) expect(Math.abs(p)).toBeLessThan(1e-9);
  });

  it('Langevin holds the mean temperature of the second half within 5 % of the target', async () => {
    const atoms = fcc(3.59, 3);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nvt', thermostat: 'langevin', temperature: 300, timestep: 2, steps: 2000, seed: 7 });
    expect(r.status).toBe('completed');
    const t = mean(r.log.temperature.slice(1001));
    expect(Math.abs(t - 300) / 300).toBeLessThan(0.05);
    // E_total less the heat the thermostat exchanged is conserved up to the integration error
    expect(Math.abs(r.drift!)).toBeLessThan(1e-3);
  });

  it('Langevin heats a crystal at rest to the target', async () => {
    const atoms = fcc(3.59, 3);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nvt', temperature: 600, timestep: 2, steps: 1000, seed: 3, velocities: 'keep', friction: 0.02 });
    expect(r.log.temperature[0]).toBe(0);
    expect(Math.abs(mean(r.log.temperature.slice(501)) - 600) / 600).toBeLessThan(0.08);
  });

  it('a Nosé–Hoover chain brings the temperature to the target and conserves its extended energy', async () => {
    const atoms = fcc(3.59, 3);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nvt', thermostat: 'nose-hoover', temperature: 300, timestep: 2, steps: 1500, seed: 5, tau: 50 });
    expect(r.status).toBe('completed');
    expect(Math.abs(mean(r.log.temperature.slice(751)) - 300) / 300).toBeLessThan(0.08);
    expect(Math.abs(r.drift!)).toBeLessThan(2e-4);
  });

  it('Berendsen relaxes the temperature to the target', async () => {
    const atoms = fcc(3.59, 2);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nvt', thermostat: 'berendsen', temperature: 500, timestep: 2, steps: 600, seed: 9, tau: 20 });
    expect(Math.abs(mean(r.log.temperature.slice(301)) - 500) / 500).toBeLessThan(0.05);
  });

  it("Berendsen's thermostat and barostat are ASE's NPTBerendsen step for step, the temperature counted as Latticework counts it (3N − 3)", async () => {
    // ASE 3.22 scales the velocities, then the cell by 1 − (βΔt/3τ_P)(P₀ − P) with the forces at the scaled
    // positions, then takes a velocity-Verlet step; its temperature divides by 3N, ours by 3N − 3 (the
    // momentum is zero), so its Atoms is given ours
    const script = [
      'import json, numpy as np',
      'from ase import units',
      'from ase.build import bulk',
      'from ase.calculators.emt import EMT',
      'from ase.md.nptberendsen import NPTBerendsen',
      'from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary',
      "a = bulk('Cu', 'fcc', a=3.7, cubic=True).repeat((2, 2, 2))",
      'a.rattle(0.02, seed=1)',
      'MaxwellBoltzmannDistribution(a, temperature_K=600, rng=np.random.default_rng(3)); Stationary(a)',
      "start = {'numbers': a.numbers.tolist(), 'positions': a.positions.tolist(), 'cell': a.cell.tolist(), 'masses': a.get_masses().tolist(), 'velocities': (a.get_velocities() * units.fs).tolist()}",
      'a.calc = EMT()',
      'a.get_temperature = lambda: 2 * a.get_kinetic_energy() / ((3 * len(a) - 3) * units.kB)',
      'md = NPTBerendsen(a, 1 * units.fs, temperature_K=300, taut=100 * units.fs, pressure_au=1 * units.GPa, taup=200 * units.fs, compressibility_au=0.01 / units.GPa)',
      'energy, volume = [a.get_potential_energy()], [a.get_volume()]',
      'for _ in range(100):',
      '    md.run(1); energy.append(a.get_potential_energy()); volume.append(a.get_volume())',
      "print(json.dumps({'start': start, 'energy': energy, 'volume': volume, 'positions': a.positions.tolist()}))",
    ].join('\n');
    const ase = JSON.parse(python(['-c', script])) as { start: { numbers: number[]; positions: number[][]; cell: number[][]; masses: number[]; velocities: number[][] }; energy: number[]; volume: number[]; positions: number[][] };
    const atoms = new Atoms({
      numbers: Int32Array.from(ase.start.numbers),
      cart: Float64Array.from(ase.start.positions.flat()),
      lattice: ase.start.cell as [[number, number, number], [number, number, number], [number, number, number]],
      pbc: [true, true, true],
      masses: Float64Array.from(ase.start.masses),
      velocities: Float64Array.from(ase.start.velocities.flat()),
    });
    const volume: number[] = [atoms.volume()!];
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), {
      ensemble: 'npt',
      thermostat: 'berendsen',
      temperature: 300,
      tau: 100,
      timestep: 1,
      steps: 100,
      velocities: 'keep',
      pressure: fromGPa(1),
      barostatTau: 200,
      compressibility: 0.01,
      onStep: (step) => void (step > 0 && volume.push(atoms.volume()!)),
    });
    expect(r.status).toBe('completed');
    expect(Math.max(...r.log.potential.map((e, k) => Math.abs(e - ase.energy[k])))).toBeLessThan(1e-9);
    expect(Math.max(...volume.map((v, k) => Math.abs(v - ase.volume[k]) / v))).toBeLessThan(1e-12);
    expect(Math.max(...ase.positions.flat().map((x, k) => Math.abs(x - atoms.cart[k])))).toBeLessThan(1e-9);
    expect(ase.volume[100]).toBeLessThan(ase.volume[0] - 10); // the barostat did work: 1 GPa squeezed the cell
  });

  it('NPT with the Berendsen barostat brings a compressed crystal to the target pressure', async () => {
    const atoms = fcc(3.5, 2);
    const v0 = atoms.volume()!;
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), {
      ensemble: 'npt',
      temperature: 300,
      timestep: 2,
      steps: 1500,
      seed: 4,
      pressure: fromGPa(1),
      barostatTau: 200,
      compressibility: 0.01,
    });
    expect(r.status).toBe('completed');
    expect(toGPa(r.log.pressure[0]!)).toBeGreaterThan(10);
    expect(atoms.volume()!).toBeGreaterThan(v0 * 1.05);
    expect(Math.abs(toGPa(mean(r.log.pressure.slice(751) as number[])) - 1)).toBeLessThan(0.5);
    expect(r.drift).toBeNull();
  });
});

describe('NPT with the MTK barostat', () => {
  const mtk = (pressureGPa: number, steps: number, seed: number, options: { barostat?: 'mtk' | 'berendsen'; timestep?: number } = {}) => {
    const atoms = fcc(3.59, 2);
    const volumes: number[] = [];
    const run = runMolecularDynamics(atoms, new EmtCalculator(), {
      ensemble: 'npt',
      barostat: options.barostat ?? 'mtk',
      thermostat: 'nose-hoover',
      temperature: 300,
      timestep: options.timestep ?? 2,
      steps,
      seed,
      barostatTau: 200,
      pressure: fromGPa(pressureGPa),
      onStep: () => void volumes.push(atoms.volume()!),
    });
    return run.then((r) => ({ r, volumes }));
  };
  /** The largest change of the conserved quantity from its start, eV/atom. */
  const excursion = (c: number[]) => Math.max(...c.map((e) => Math.abs(e - c[0]))) / 32;

  it('conserves its extended energy to the integration error (which falls as Δt²) while the cell breathes, and holds the target temperature and pressure', async () => {
    const { r, volumes } = await mtk(1, 5000, 2, { timestep: 1 });
    expect(r.status).toBe('completed');
    // the energy of the atoms alone changes by far more than the conserved quantity: the cell and the chains take it up
    expect(excursion(r.log.total)).toBeGreaterThan(5e-3);
    expect(excursion(r.log.conserved)).toBeLessThan(1e-4);
    expect(Math.abs(r.drift!)).toBeLessThan(1e-4);
    // a second-order integrator of the right equations: half the time step, a quarter of the error
    const half = await mtk(1, 10_000, 2, { timestep: 0.5 });
    const ratio = excursion(r.log.conserved) / excursion(half.r.log.conserved);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5.5);
    // 1 GPa compresses the crystal, which starts at EMT's zero-pressure lattice constant
    expect(Math.min(...volumes)).toBeLessThan(volumes[0] * 0.995);
    expect(Math.abs(mean(r.log.temperature.slice(2501)) - 300) / 300).toBeLessThan(0.05);
    expect(Math.abs(toGPa(mean(r.log.pressure.slice(2501) as number[])) - 1)).toBeLessThan(0.1);
  });

  it("samples the volume's fluctuations: the bulk modulus they give is the one the volume's response to pressure gives (Berendsen's barostat suppresses them)", async () => {
    const kT = 300 * 8.617333262e-5;
    const stats = (v: number[]) => {
      const second = v.slice(v.length >> 1);
      const m = mean(second);
      return { mean: m, variance: mean(second.map((x) => (x - m) ** 2)) };
    };
    // B = k_B T ⟨V⟩ / ⟨δV²⟩ at 0 GPa
    const zero = stats((await mtk(0, 60_000, 1)).volumes);
    const fromFluctuations = toGPa((kT * zero.mean) / zero.variance);
    // B = −V ∂P/∂V from the mean volumes at ±1 GPa
    const plus = stats((await mtk(1, 20_000, 1)).volumes);
    const minus = stats((await mtk(-1, 20_000, 1)).volumes);
    const fromResponse = (zero.mean * 2) / (minus.mean - plus.mean);
    expect(fromResponse).toBeGreaterThan(100);
    expect(fromResponse).toBeLessThan(134); // EMT's B₀ of Cu at 0 K is 134 GPa; 300 K softens it
    expect(Math.abs(fromFluctuations - fromResponse) / fromResponse).toBeLessThan(0.25);
    const berendsen = stats((await mtk(0, 20_000, 1, { barostat: 'berendsen' })).volumes);
    expect(toGPa((kT * berendsen.mean) / berendsen.variance)).toBeGreaterThan(5 * fromResponse);
  }, 180_000);

  it("moves the cell's shape as well with a flexible cell: a stretched, sheared fcc cell becomes cubic again; isotropic motion keeps its shape", async () => {
    /** 32-atom fcc Cu stretched 5 % along z and sheared 2 % in xy, atoms with the cell. */
    const strained = () => {
      const atoms = fcc(3.59, 2);
      const l = atoms.lattice!;
      atoms.setLattice([[l[0][0], 0.02 * l[0][0], 0], [0, l[1][1], 0], [0, 0, 1.05 * l[2][2]]], true);
      return atoms;
    };
    const angle = (u: number[], v: number[]) => (Math.acos((u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / Math.hypot(...u) / Math.hypot(...v)) * 180) / Math.PI;
    const run = async (cellMotion: 'isotropic' | 'flexible', timestep: number) => {
      const atoms = strained();
      const shapes: { lengths: number[]; gamma: number }[] = [];
      const r = await runMolecularDynamics(atoms, new EmtCalculator(), {
        ensemble: 'npt',
        barostat: 'mtk',
        thermostat: 'nose-hoover',
        cellMotion,
        temperature: 300,
        timestep,
        steps: Math.round(6000 / timestep),
        seed: 2,
        barostatTau: 200,
        onStep: () => {
          const l = atoms.lattice!;
          shapes.push({ lengths: l.map((v) => Math.hypot(...v)), gamma: angle(l[0], l[1]) });
        },
      });
      const late = shapes.slice(shapes.length >> 1);
      return { r, lengths: [0, 1, 2].map((k) => mean(late.map((s) => s.lengths[k]))), gamma: mean(late.map((s) => s.gamma)) };
    };
    const iso = await run('isotropic', 1);
    expect(iso.lengths[2] / iso.lengths[0]).toBeCloseTo(1.05 / Math.hypot(1, 0.02), 9);
    expect(iso.gamma).toBeCloseTo(90 - (Math.atan(0.02) * 180) / Math.PI, 6);
    const flexible = await run('flexible', 1);
    expect(flexible.r.status).toBe('completed');
    for (const k of [1, 2]) expect(Math.abs(flexible.lengths[k] / flexible.lengths[0] - 1)).toBeLessThan(0.01);
    expect(Math.abs(flexible.gamma - 90)).toBeLessThan(0.5);
    expect(Math.abs(flexible.r.drift!)).toBeLessThan(1e-4);
    expect(Math.abs(toGPa(mean(flexible.r.log.pressure.slice(3001) as number[])))).toBeLessThan(0.1);
    // the flexible cell's extended energy is conserved to an error that falls as Δt² too
    const half = await run('flexible', 0.5);
    const ratio = excursion(flexible.r.log.conserved) / excursion(half.r.log.conserved);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5.5);
  });

  it("refuses another thermostat, and a flexible cell without it", async () => {
    await expect(
      runMolecularDynamics(fcc(3.59, 1), new EmtCalculator(), { ensemble: 'npt', barostat: 'mtk', thermostat: 'langevin', temperature: 300, timestep: 1, steps: 1 }),
    ).rejects.toThrow(/MTK barostat comes with Nosé–Hoover chains/);
    await expect(
      runMolecularDynamics(fcc(3.59, 1), new EmtCalculator(), { ensemble: 'npt', cellMotion: 'flexible', temperature: 300, timestep: 1, steps: 1 }),
    ).rejects.toThrow(/a flexible cell needs the MTK barostat/);
  });
});

describe('initial velocities, frames and control', () => {
  it('Maxwell–Boltzmann velocities: seeded, zero total momentum, exactly the temperature asked for', () => {
    const a = fcc(3.59, 2);
    const b = fcc(3.59, 2);
    maxwellBoltzmann(a, 450, new Rng(12));
    maxwellBoltzmann(b, 450, new Rng(12));
    expect(Array.from(a.velocities)).toEqual(Array.from(b.velocities));
    expect(a.temperature()).toBeCloseTo(450, 9);
    for (const p of a.momentum()) expect(Math.abs(p)).toBeLessThan(1e-12);
    const c = fcc(3.59, 2);
    maxwellBoltzmann(c, 450, new Rng(13));
    expect(Array.from(c.velocities)).not.toEqual(Array.from(a.velocities));
  });

  it('their spread follows the masses: ⟨m v²⟩ is the same for heavy and light atoms', () => {
    const a = fcc(3.59, 5);
    for (let i = 0; i < a.length; i += 2) a.numbers[i] = 79;
    const atoms = new Atoms({ numbers: a.numbers, cart: a.cart, lattice: a.lattice, pbc: a.pbc });
    maxwellBoltzmann(atoms, 300, new Rng(1));
    const mv2 = (z: number) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < atoms.length; i++) {
        if (atoms.numbers[i] !== z) continue;
        s += atoms.masses[i] * (atoms.velocities[3 * i] ** 2 + atoms.velocities[3 * i + 1] ** 2 + atoms.velocities[3 * i + 2] ** 2);
        n++;
      }
      return s / n;
    };
    expect(mv2(79) / mv2(29)).toBeGreaterThan(0.85);
    expect(mv2(79) / mv2(29)).toBeLessThan(1.15);
  });

  it('writes a frame every k steps plus the last, and fixed atoms never move', async () => {
    const base = fcc(3.59, 2);
    const fixed = new Uint8Array(base.length);
    fixed[0] = fixed[5] = 1;
    const atoms = new Atoms({ ...base, fixed });
    const start = Float64Array.from(atoms.cart);
    const frames: MdFrame[] = [];
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), {
      ensemble: 'nvt',
      temperature: 300,
      timestep: 1,
      steps: 23,
      every: 5,
      onFrame: (f) => void frames.push(f),
    });
    expect(frames.map((f) => f.step)).toEqual([0, 5, 10, 15, 20, 23]);
    expect(frames[1].time).toBe(5);
    expect(r.log.temperature).toHaveLength(24);
    for (const i of [0, 5]) for (let k = 0; k < 3; k++) expect(atoms.cart[3 * i + k]).toBe(start[3 * i + k]);
    expect(atoms.cart[3]).not.toBe(start[3]);
    expect(atoms.degreesOfFreedom()).toBe(3 * 30);
  });

  it('stops when cancelled, keeping the log so far', async () => {
    const signal = { aborted: false };
    const r = await runMolecularDynamics(fcc(3.59, 2), new EmtCalculator(), {
      ensemble: 'nve',
      temperature: 100,
      timestep: 1,
      steps: 100,
      signal,
      onStep: (s) => {
        if (s === 7) signal.aborted = true;
      },
    });
    expect(r.status).toBe('cancelled');
    expect(r.steps).toBe(7);
    expect(r.log.total).toHaveLength(8);
  });

  /** The steps and positions of the frames a run writes. */
  const framesOf = () => {
    const frames: { step: number; cart: Float64Array }[] = [];
    return { frames, onFrame: (f: MdFrame) => void frames.push({ step: f.step, cart: Float64Array.from(f.atoms.cart) }) };
  };

  it('a run cancelled between frames writes its last step as a frame', async () => {
    const signal = { aborted: false };
    const { frames, onFrame } = framesOf();
    const atoms = fcc(3.59, 2);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nvt', temperature: 300, timestep: 2, steps: 100, every: 10, signal, onFrame, onStep: (s) => void (signal.aborted = s === 13) });
    expect([r.status, r.steps, r.log.total.length, r.message]).toEqual(['cancelled', 13, 14, 'cancelled after 13 of 100 steps']);
    expect(frames.map((f) => f.step)).toEqual([0, 10, 13]);
    expect(frames[2].cart).toEqual(atoms.cart);
  });

  it('reports a run that blows up instead of carrying on with nonsense, its last step done the last frame', async () => {
    // 60 fs is beyond velocity Verlet's stability limit for copper's fastest phonons
    const { frames, onFrame } = framesOf();
    const atoms = fcc(3.59, 2);
    const r = await runMolecularDynamics(atoms, new EmtCalculator(), { ensemble: 'nve', temperature: 1000, timestep: 60, steps: 200, every: 1000, onFrame });
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/failed after \d+ steps: at step \d+ atom \d+ moves [0-9.]+ Å per step .* the run blew up/);
    const [, done, at] = /failed after (\d+) steps: at step (\d+)/.exec(r.message)!.map(Number);
    expect([r.steps, done, at]).toEqual([done, r.steps, r.steps]);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThan(200);
    expect(r.log.total).toHaveLength(r.steps + 1);
    expect(frames.map((f) => f.step)).toEqual([0, r.steps]);
    expect(frames[1].cart).toEqual(atoms.cart);
    // too hot to take the first step: the start is logged and written, and nothing after it
    const { frames: hot, onFrame: onHotFrame } = framesOf();
    const start = await runMolecularDynamics(fcc(3.59, 2), new EmtCalculator(), { ensemble: 'nvt', temperature: 1e7, timestep: 1, steps: 5, onFrame: onHotFrame });
    expect([start.status, start.steps, start.log.total.length, hot.map((f) => f.step)]).toEqual(['failed', 0, 1, [0]]);
    expect(start.message).toMatch(/^failed after 0 steps: at step 0 atom \d+ moves/);
  });

  it('a step that fails half-way puts the atoms back at the last step done, which is the last frame', async () => {
    // the potential fails on its 14th call: step 13's forces (one call a step after the start's)
    const emt = new EmtCalculator();
    let calls = 0;
    const failing: Calculator = { name: 'failing', calculate: (a, o) => (++calls === 14 ? Promise.reject(new Error('the potential failed')) : emt.calculate(a, o)) };
    const { frames, onFrame } = framesOf();
    const atoms = fcc(3.59, 2);
    const r = await runMolecularDynamics(atoms, failing, { ensemble: 'nve', temperature: 300, timestep: 2, steps: 100, every: 5, seed: 4, onFrame });
    expect([r.status, r.steps, r.log.total.length, r.message]).toEqual(['failed', 12, 13, 'failed after 12 steps: the potential failed']);
    expect(frames.map((f) => f.step)).toEqual([0, 5, 10, 12]);
    // step 12 of the same run, unbroken
    const whole = fcc(3.59, 2);
    await runMolecularDynamics(whole, emt, { ensemble: 'nve', temperature: 300, timestep: 2, steps: 12, seed: 4 });
    expect(atoms.cart).toEqual(whole.cart);
    expect(atoms.velocities).toEqual(whole.velocities);
    expect(frames[3].cart).toEqual(whole.cart);
  });
});
