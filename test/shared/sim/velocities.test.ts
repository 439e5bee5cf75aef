/**
 * Velocities that go with a structure (ASE's `momenta`): an MD run's frames and final structure carry
 * them, and a run started from them ('structure') continues the run they came from step for step.
 * ASE reading and writing them is checked in test/main/cli/simulate.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { readStructures, writeExtxyz } from '../../../src-shared/chem';
import { Atoms, ASE_FS, EmtCalculator, labelledFrame, momentaProperty, runSimulation, SIMULATION_DEFAULTS, structureVelocities, type MdParameters, type SimulationFrame } from '../../../src-shared/sim';
import { fcc, maxAbsDiff, rattle } from './helpers';

const md = (over: Partial<MdParameters>): MdParameters => ({ ...SIMULATION_DEFAULTS.md, ensemble: 'nve', timestep: 2, seed: 4, temperature: 600, ...over });

function copper() {
  const atoms = fcc(3.6, 2);
  rattle(atoms, 0.05, 2);
  return atoms.toStructure('Cu32');
}

describe('velocities as momenta', () => {
  it("converts Å/fs to ASE's momenta (u·Å per ASE time unit) and back", () => {
    expect(ASE_FS).toBeCloseTo(0.09822694788464063, 15); // ase.units.fs in ASE 3.22 (CODATA 2014)
    const numbers = [29, 1];
    const v = [0.01, -0.02, 0.005, 0.1, 0, -0.05];
    const p = momentaProperty(numbers, v);
    // Cu 63.546 u, H 1.008 u
    expect(p.kind === 'vector' && p.values[0]).toBeCloseTo((0.01 * 63.546) / ASE_FS, 12);
    expect(p.kind === 'vector' && p.values[3]).toBeCloseTo((0.1 * 1.008) / ASE_FS, 12);
    const back = structureVelocities({ numbers: Int32Array.from(numbers), siteProperties: { momenta: p } })!;
    expect(maxAbsDiff(back, v)).toBeLessThan(1e-15);
    expect(structureVelocities({ numbers: Int32Array.from(numbers), siteProperties: {} })).toBeNull();
  });

  it('refuses momenta it cannot take as velocities: masses of its own, or no momenta at all', () => {
    const numbers = Int32Array.from([29, 29]);
    const momenta = momentaProperty(numbers, [0, 0, 0, 0, 0, 0]);
    expect(() => structureVelocities({ numbers, siteProperties: { momenta, masses: { kind: 'number', values: Float64Array.from([63.546, 65]) } } })).toThrow(
      /atom 1 has a mass of its own \(65 u, not 63\.546\): simulations use the standard atomic masses/,
    );
    expect(() => Atoms.fromStructure(copper(), { velocities: true })).toThrow(/the structure carries no velocities \(an extended XYZ's momenta/);
  });
});

describe('molecular dynamics from the structure’s own velocities', () => {
  it('continues an NVE run from its final structure exactly as the run itself goes on', async () => {
    const calc = new EmtCalculator();
    const whole: SimulationFrame[] = [];
    await runSimulation(copper(), calc, md({ steps: 30, every: 10 }), { onFrame: (f) => void whole.push(f) });
    const first = await runSimulation(copper(), calc, md({ steps: 10, every: 10 }));
    expect(first.final!.siteProperties.momenta).toBeDefined();
    // through an extended XYZ and back, as a file would carry it
    const [reread] = readStructures('final.extxyz', writeExtxyz([first.final!])).structures;
    const rest: SimulationFrame[] = [];
    const out = await runSimulation(reread, calc, md({ steps: 20, every: 10, velocities: 'structure', seed: 99 }), { onFrame: (f) => void rest.push(f) });
    expect(out.status).toBe('finished');
    expect(rest.map((f) => f.step)).toEqual([0, 10, 20]);
    for (const [k, f] of rest.entries()) {
      const same = whole[k + 1];
      expect(Math.abs(f.values.total! - same.values.total!)).toBeLessThan(1e-10);
      expect(maxAbsDiff(f.cart, same.cart)).toBeLessThan(1e-10);
      expect(maxAbsDiff(f.velocities!, same.velocities!)).toBeLessThan(1e-12);
    }
    // the default draws fresh velocities, whatever the structure carries
    const fresh: SimulationFrame[] = [];
    await runSimulation(reread, calc, md({ steps: 0 }), { onFrame: (f) => void fresh.push(f) });
    expect(fresh[0].values.temperature).toBeCloseTo(600, 6);
    expect(Math.abs(fresh[0].values.temperature! - rest[0].values.temperature!)).toBeGreaterThan(1);
  });

  it('a frame carries its velocities as momenta; a relaxation frame carries none', async () => {
    const calc = new EmtCalculator();
    const frames: SimulationFrame[] = [];
    await runSimulation(copper(), calc, md({ steps: 5, every: 5 }), { onFrame: (f) => void frames.push(f) });
    const last = frames.at(-1)!;
    const s = labelledFrame({ numbers: copper().numbers, pbc: [true, true, true], name: 'run' }, last).structure;
    expect(maxAbsDiff(structureVelocities(s)!, last.velocities!)).toBeLessThan(1e-15);
    const relaxed: SimulationFrame[] = [];
    await runSimulation(copper(), calc, { ...SIMULATION_DEFAULTS.relax, maxSteps: 2 }, { onFrame: (f) => void relaxed.push(f) });
    expect(relaxed.every((f) => f.velocities === null)).toBe(true);
    expect(labelledFrame({ numbers: copper().numbers, pbc: [true, true, true], name: 'run' }, relaxed[0]).structure.siteProperties.momenta).toBeUndefined();
  });

  it('held atoms start still, whatever velocities the structure gives them', () => {
    const atoms = Atoms.fromStructure(copper());
    atoms.velocities.fill(0.01);
    const moving = atoms.toStructure('moving', { momenta: true });
    const held = Atoms.fromStructure(moving, { fixed: [0, 5], velocities: true });
    expect(Array.from(held.velocities.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(held.velocities.subarray(15, 18))).toEqual([0, 0, 0]);
    expect(held.velocities[3]).toBeCloseTo(0.01, 14);
  });
});
