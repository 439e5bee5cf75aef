/**
 * The simulation store keeps a trained potential's warnings as the frames are written: a run in
 * progress shows them, a batch without new ones keeps them, and a run the app was killed in
 * (marked interrupted on the next start) still has them. A run's summary comes with its detail and
 * never with its listed record. A run records whether its name was given or made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { structureToJSON } from '../../../src-shared/chem/serialize';
import { SIMULATION_DEFAULTS } from '../../../src-shared/sim';
import { Database } from '../../../src-main/store/database';
import { appendProgress, finishSimulation, getSimulation, getSimulationDetail, insertSimulation, listSimulations, readSummary } from '../../../src-main/store/simulations';
import { copperPoscar } from '../services/simulation-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'latticework-sim-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulation store: warnings', () => {
  it('are kept with each batch that brings them, through an interruption, and by the end of a run', async () => {
    let db = await Database.open(join(dir, 'store.sqlite'));
    try {
      const initial = structureToJSON(readStructures('Cu.vasp', copperPoscar(1)).structures[0]);
      const run = { name: '', task: 'md' as const, structureId: null, structureName: 'Cu', initial, calculator: 'tiny', calculatorSpec: { kind: 'model' as const, modelId: 1 }, parameters: SIMULATION_DEFAULTS.md };
      const id = await insertSimulation(db, run);
      expect((await getSimulation(db, id))!.warnings).toBeNull();
      const step = (k: number) => ({ step: k, values: { potential: -3.5 } });
      await appendProgress(db, id, { frames: [], steps: [step(0)], duration: 0.1, warnings: ['step 0: Cu–Cu at 2.300 Å (atoms 0 and 1) is closer than any Cu–Cu pair in the training structures (2.500 Å)'] });
      const running = (await getSimulation(db, id))!;
      expect(running.status).toBe('running');
      expect(running.warnings).toHaveLength(1);
      // a batch without new warnings keeps them
      await appendProgress(db, id, { frames: [], steps: [step(1)], duration: 0.2 });
      expect((await getSimulation(db, id))!.warnings).toEqual(running.warnings);
      await appendProgress(db, id, { frames: [], steps: [step(2)], duration: 0.3, warnings: [...running.warnings!, 'step 2: energy 1.100 eV/atom above the reference energies lies outside the training structures\' range (0.000 to 1.000 eV/atom)'] });
      // the app stops mid-run: the next start marks the run interrupted, the warnings stay
      await db.close();
      db = await Database.open(join(dir, 'store.sqlite'));
      const interrupted = (await getSimulation(db, id))!;
      expect(interrupted.status).toBe('interrupted');
      expect(interrupted.warnings).toHaveLength(2);
      // a run that ends keeps the last list
      const other = await insertSimulation(db, run);
      await appendProgress(db, other, { frames: [], steps: [step(0)], duration: 0.1, warnings: ['step 0: a'] });
      await finishSimulation(db, other, { status: 'finished', message: 'done', warnings: ['step 0: a', 'step 5: b'] });
      expect((await getSimulation(db, other))!.warnings).toEqual(['step 0: a', 'step 5: b']);
    } finally {
      await db.close();
    }
  });

  it("a running run's message says where it is while it records no step, until its steps begin; a band's images written again count once", async () => {
    const db = await Database.open(join(dir, 'work.sqlite'));
    try {
      const initial = structureToJSON(readStructures('Cu.vasp', copperPoscar(1)).structures[0]);
      const id = await insertSimulation(db, { name: '', task: 'neb', structureId: null, structureName: 'Cu', initial, calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters: { ...SIMULATION_DEFAULTS.neb, images: 1, end: Array.from(initial.cart) } });
      await appendProgress(db, id, { frames: [], steps: [], duration: 0.1, message: 'relaxing the start: step 3, fmax 0.120 eV/Å' });
      expect((await getSimulation(db, id))!.message).toBe('relaxing the start: step 3, fmax 0.120 eV/Å');
      // a batch that says nothing keeps it; the first steps clear it
      await appendProgress(db, id, { frames: [], steps: [], duration: 0.2 });
      expect((await getSimulation(db, id))!.message).toBe('relaxing the start: step 3, fmax 0.120 eV/Å');
      const frame = (index: number, step: number) => ({ index, step, time: null, energy: -1, values: {}, lattice: initial.lattice, cart: Float64Array.from(initial.cart), forces: new Float64Array(initial.cart.length), stress: null, velocities: null });
      await appendProgress(db, id, { frames: [0, 1, 2].map((k) => frame(k, 0)), steps: [{ step: 0, values: { barrier: 0 } }], duration: 0.3, message: '' });
      await appendProgress(db, id, { frames: [0, 1, 2].map((k) => frame(k, 10)), steps: [{ step: 10, values: { barrier: 0 } }], duration: 0.4 });
      const r = (await getSimulation(db, id))!;
      expect([r.message, r.frames, r.steps]).toEqual(['', 3, 10]);
    } finally {
      await db.close();
    }
  });

  it('summary: with the detail, not with the listed record', async () => {
    const db = await Database.open(join(dir, 'summary.sqlite'));
    try {
      const initial = structureToJSON(readStructures('Cu.vasp', copperPoscar(1)).structures[0]);
      const id = await insertSimulation(db, { name: '', task: 'vibrations', structureId: null, structureName: 'Cu', initial, calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters: SIMULATION_DEFAULTS.vibrations });
      expect(await readSummary(db, id)).toBeNull();
      expect((await getSimulationDetail(db, id))!.summary).toBeNull();
      const modes = Array.from({ length: 12 }, (_, k) => Array.from({ length: 12 }, (_, j) => (k === j ? 1 : 0)));
      const summary = { task: 'vibrations' as const, atoms: [0, 1, 2, 3], energies: Array.from({ length: 12 }, (_, k) => k), frequencies: Array.from({ length: 12 }, (_, k) => 8.07 * k), zpe: 0.01, modes };
      await finishSimulation(db, id, { status: 'finished', message: 'done', summary });
      expect(await readSummary(db, id)).toEqual(summary);
      expect((await getSimulationDetail(db, id))!.summary).toEqual(summary);
      const listed = (await listSimulations(db)).find((r) => r.id === id)!;
      expect(listed.status).toBe('finished');
      expect('summary' in listed).toBe(false);
      expect('summary' in (await getSimulation(db, id))!).toBe(false);
    } finally {
      await db.close();
    }
  });
});

describe('simulation store: names', () => {
  it('a name is given by the user, or made when none is and recorded as made', async () => {
    const db = await Database.open(join(dir, 'names.sqlite'));
    try {
      const initial = structureToJSON(readStructures('Cu.vasp', copperPoscar(1)).structures[0]);
      const run = { task: 'relax' as const, structureId: null, structureName: 'Cu', initial, calculator: 'emt', calculatorSpec: { kind: 'emt' as const }, parameters: SIMULATION_DEFAULTS.relax };
      const made = await insertSimulation(db, { ...run, name: '' });
      // a name the user gave that reads as the automatic one
      const given = await insertSimulation(db, { ...run, name: `relax of Cu with emt #${made}` });
      expect(await getSimulation(db, made)).toMatchObject({ name: `relax of Cu with emt #${made}`, nameGiven: false });
      expect(await getSimulation(db, given)).toMatchObject({ name: `relax of Cu with emt #${made}`, nameGiven: true });
      expect((await listSimulations(db)).map((r) => [r.id, r.nameGiven])).toEqual([
        [given, true],
        [made, false],
      ]);
    } finally {
      await db.close();
    }
  });
});
