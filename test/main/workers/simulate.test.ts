/**
 * The simulate job of a compute worker, run in-process, with a trained potential: it runs MD with
 * the potential sent with the job, frees every tensor it made (the potential's weights too) whether
 * the run finishes or is cancelled (MD and a band), and a model file that is not a potential is an error.
 * A band's images always go out in one batch, so the service stores each band in one transaction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { structureToJSON } from '../../../src-shared/chem/serialize';
import { SIMULATION_DEFAULTS } from '../../../src-shared/sim';
import type { TaskContext } from '../../../src-main/workers/protocol';
import { simulateTask, type SimulateEvent } from '../../../src-main/workers/simulate';
import { copperPoscar, tinyPotentialFile } from '../services/simulation-fixtures';

let potential: Uint8Array;
const structure = structureToJSON(readStructures('Cu.vasp', copperPoscar(2, 0.2)).structures[0]);

beforeAll(async () => {
  potential = await tinyPotentialFile('tiny');
});

function context(abortAfterEvents = Infinity): { ctx: TaskContext; events: SimulateEvent[]; abort: () => void } {
  const controller = new AbortController();
  const events: SimulateEvent[] = [];
  const ctx: TaskContext = {
    signal: controller.signal,
    progress: () => undefined,
    emit: (p) => {
      events.push(p as SimulateEvent);
      if (events.length >= abortAfterEvents) controller.abort();
    },
  };
  return { ctx, events, abort: () => controller.abort() };
}

describe('simulate job with a trained potential', () => {
  it('runs MD with the potential and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const { ctx, events } = context();
    const out = await simulateTask({ structure, calculator: { kind: 'model', modelId: 1 }, model: potential, parameters: { ...SIMULATION_DEFAULTS.md, steps: 20, every: 5 } }, ctx);
    expect(out.status).toBe('finished');
    expect(out.summary?.task === 'md' && out.summary.steps).toBe(20);
    const frames = events.flatMap((e) => e.frames);
    expect(frames.map((f) => f.step)).toEqual([0, 5, 10, 15, 20]);
    expect(frames.every((f) => Number.isFinite(f.energy) && f.stress !== null)).toBe(true);
    // its file records no training domain: said with the first frame, not again (a batch of steps alone
    // may go out before it, when loading took longer than a batch's 100 ms)
    const told = events.filter((e) => e.warnings !== undefined);
    expect(told).toHaveLength(1);
    expect(told[0].frames.map((f) => f.step)).toContain(0);
    expect(told[0].warnings).toEqual([expect.stringMatching(/^step 0: the model file records no training domain/)]);
    expect(out.warnings).toEqual(told[0].warnings);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an equation of state whose volumes miss the minimum advises with the Simulate panel's fields, not the command line's options", async () => {
    // fcc Cu at 95 % of its lattice constant sampled within ±2 %: its fit's minimum lies beyond the volumes
    const compressed = structureToJSON(readStructures('Cu.vasp', copperPoscar(1).replace(/3\.600000/g, '3.420000')).structures[0]);
    const out = await simulateTask({ structure: compressed, calculator: { kind: 'emt' }, parameters: { ...SIMULATION_DEFAULTS.eos, range: 0.02 } }, context().ctx);
    expect(out.status).toBe('failed');
    // (until session 46 "(--range)" and "(relax --cell)", which the panel has not)
    expect(out.message).toMatch(/the volumes do not bracket the minimum\. Widen the range of volumes \(range ±\), or start from the structure relaxed with its cell \(relax the cell\) so that they are centred on V₀$/);
  });

  it("an equation of state's warnings name its volumes, and the batches carry them as they grow", async () => {
    const { ctx, events } = context();
    const out = await simulateTask({ structure, calculator: { kind: 'model', modelId: 1 }, model: potential, parameters: { ...SIMULATION_DEFAULTS.eos, points: 5, range: 0.02 } }, ctx);
    // (this untrained potential's curve has no minimum to fit: the run fails, its warnings stand)
    expect(out.message).toMatch(/^equation of state: /);
    const volumes = [0.98, 0.99, 1, 1.01, 1.02].map((f) => (f * 7.2 ** 3).toFixed(4)).join(', ');
    expect(out.warnings).toEqual([expect.stringMatching(new RegExp(`^volumes ${volumes} Å³: the model file records no training domain`))]);
    expect(events.filter((e) => e.warnings).at(-1)!.warnings).toEqual(out.warnings);
  });

  it('a cancelled run frees them too', async () => {
    const before = tf.memory().numTensors;
    const { ctx } = context(1);
    const out = await simulateTask({ structure, calculator: { kind: 'model', modelId: 1 }, model: potential, parameters: { ...SIMULATION_DEFAULTS.md, steps: 100_000, every: 1 } }, ctx);
    expect(out.status).toBe('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs a band with the potential, finished or cancelled, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    // the end: atom 0 moved 0.3 Å along x
    const end = structure.cart.map((x, k) => (k === 0 ? x + 0.3 : x));
    const { end: _end, endName: _endName, ...band } = SIMULATION_DEFAULTS.neb;
    const parameters = { ...band, end, endName: 'moved', images: 3, maxSteps: 5 };
    const done = context();
    const out = await simulateTask({ structure, calculator: { kind: 'model', modelId: 1 }, model: potential, parameters }, done.ctx);
    expect(out.status).toBe('finished');
    expect(out.summary?.task === 'neb' && out.summary.steps).toBeLessThanOrEqual(5);
    // the band at step 0, then as it ended: each time its 5 images
    const written = done.events.flatMap((e) => e.frames);
    expect(written.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(written.slice(5).every((f) => out.summary?.task === 'neb' && f.step === out.summary.steps)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // cancelled while it relaxes its ends or moves the band (a tolerance it never reaches): the band as it stood is
    // written, and the tensors freed
    const stopped = context();
    setTimeout(stopped.abort, 300);
    const cancelled = await simulateTask({ structure, calculator: { kind: 'model', modelId: 1 }, model: potential, parameters: { ...parameters, maxSteps: 100_000, fmax: 1e-9 } }, stopped.ctx);
    expect(cancelled.status).toBe('cancelled');
    // bands written every 10 steps until then, and the last as it stood: each its 5 images
    const kept = stopped.events.flatMap((e) => e.frames);
    expect(kept.length % 5 === 0 && kept.length >= 5 && kept.every((f, k) => f.index === k % 5)).toBe(true);
    expect(kept.slice(-5).every((f) => cancelled.summary?.task === 'neb' && f.step === cancelled.summary.steps)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("never splits a band's images between two batches (two transactions), however slowly they come", async () => {
    // every clock reading 1 s after the one before: a batch is due at every frame
    let now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 1000));
    try {
      const end = structure.cart.map((x, k) => (k === 0 ? x + 0.3 : x));
      const { end: _end, endName: _endName, ...band } = SIMULATION_DEFAULTS.neb;
      const { ctx, events } = context();
      await simulateTask({ structure, calculator: { kind: 'emt' }, parameters: { ...band, end, endName: 'moved', images: 3, maxSteps: 6, every: 2 } }, ctx);
      const batches = events.filter((e) => e.frames.length).map((e) => e.frames.map((f) => `${f.step}:${f.index}`));
      // each band in a batch of its own, whole
      expect(batches).toEqual([0, 2, 4, 6].map((step) => [0, 1, 2, 3, 4].map((k) => `${step}:${k}`)));
      // before them, its ends relaxing: told step by step
      const work = events.filter((e) => e.work !== undefined).map((e) => e.work);
      expect(work[0]).toMatch(/^relaxing the start: step 0, fmax \d\.\d+e?-?\d* eV\/Å$/);
      expect(work.some((w) => w!.startsWith('relaxing the end: step 0'))).toBe(true);
      expect(events.findIndex((e) => e.work !== undefined && e.work.startsWith('relaxing the end'))).toBeLessThan(events.findIndex((e) => e.frames.length > 0));
    } finally {
      clock.mockRestore();
    }
  });

  it('refuses a model spec without its file', async () => {
    await expect(simulateTask({ structure, calculator: { kind: 'model', modelId: 7 }, parameters: SIMULATION_DEFAULTS.relax }, context().ctx)).rejects.toThrow(/model 7: its file was not sent/);
  });
});
