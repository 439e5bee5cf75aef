/**
 * A potential through the contract: a `.lwm` potential (an ensemble of two) imports as a model of
 * task 'potential'; `predict.potential` gives its energy, per-atom energies, forces, stress and
 * member spread on a stored structure, with the structure's own labels beside them; `predict.run`
 * gives the energy with the per-atom energies; a property model is refused with a clear message.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { structureFromJSON } from '../../../src-shared/chem/serialize';
import { encodeModelFile } from '../../../src-main/engine/models/format';
import { LoadedPotential, potentialModelFile } from '../../../src-main/engine/potential/file';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { serveTestCore } from '../../helpers/core';
import { emtFramesText } from '../../helpers/shared-data';
import { seededWeights, tinyConfig } from '../engine/potential/helpers';

const served = serveTestCore();
// the model files are made here in-process (the worker predicts with the machine's best backend)
beforeAll(async () => {
  await initBackend();
});

/** The first frame of the shared EMT set: 16 atoms (Ag, Al) with energy, forces and stress. */
const firstFrame = () => emtFramesText(1);

const members = () => [1, 2].map((seed) => seededWeights(tinyConfig('painn', { model: { maxZ: 80 } }), seed, { 47: -2.8, 13: -3.4 }, 0.5));

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('predict.potential', () => {
  it('gives energy, atom energies, forces, stress and spread of a stored structure, with its labels', async () => {
    const config = tinyConfig('painn', { model: { maxZ: 80 } });
    const file = potentialModelFile({ name: 'tiny painn pair', config, members: members(), provenance: { source: 'training', createdAt: '2026-12-01T00:00:00Z', software: 'latticework' } });
    const path = join(served.t.dir, 'tiny.lwm');
    writeFileSync(path, encodeModelFile(file));
    const model = await served.api.models.import({ path });
    expect(model).toMatchObject({ task: 'potential', members: 2, units: 'eV' });
    expect(model.parameterCount).toBeGreaterThan(0);

    const text = firstFrame();
    const imported = await served.api.structures.import({ files: [{ name: 'emt-00000.extxyz', text }] });
    expect(imported.failed).toEqual([]);
    const structureId = imported.imported[0].id;
    const v = await served.api.predict.potential({ modelId: model.id, structureId });

    // the same numbers as the engine's own prediction on the stored structure
    const stored = structureFromJSON((await served.api.structures.get({ id: structureId })).structure);
    const direct = new LoadedPotential(file);
    const [p] = direct.predict([stored], { forces: true, stress: true });
    direct.dispose();
    expect(close(v.energy, p.energy, 1e-4)).toBe(true);
    expect(v.energyPerAtom).toBeCloseTo(v.energy / 16, 10);
    expect(v.atomEnergies).toHaveLength(16);
    expect(close(v.atomEnergies.reduce((a, b) => a + b, 0), v.energy, 1e-4)).toBe(true);
    expect(v.forces).toHaveLength(16);
    v.forces.forEach((f, i) => f.forEach((x, c) => expect(Math.abs(x - p.forces![3 * i + c])).toBeLessThan(1e-4)));
    expect(v.stress).toHaveLength(6);
    v.stress!.forEach((x, k) => expect(Math.abs(x - p.stress![k])).toBeLessThan(1e-5));
    expect(v.std).not.toBeNull();
    expect(close(v.std!.energy, p.std!.energy, 1e-3)).toBe(true);
    expect(v.std!.forceNorm).toHaveLength(16);
    expect(v.std!.forceNorm!.every((x) => x >= 0)).toBe(true);

    // the labels of the file, as the file gives them
    const labels = readStructures('emt-00000.extxyz', text).structures[0];
    expect(v.reference.energy).toBeCloseTo(0.2507593261270422, 10);
    expect(v.reference.forces![0]).toEqual([0.27028336, -0.02636186, -0.00704436]);
    expect(v.reference.forces).toHaveLength(labels.numbers.length);
    expect(v.reference.stress).toHaveLength(6);

    // predict.run: the energy (eV) with the per-atom energies
    const run = await served.api.predict.run({ modelId: model.id, structureIds: [structureId] });
    expect(run.failed).toEqual([]);
    expect(close(run.rows[0].prediction, v.energy, 1e-4)).toBe(true);
    expect(run.rows[0].units).toBe('eV');
    expect(run.rows[0].perAtom).toHaveLength(16);
    expect(run.rows[0].std).not.toBeNull();

    // a property model is not a potential, and a potential has no over-smoothing view here
    const cgcnn = (await served.api.models.list({})).find((m) => m.origin === 'builtin')!;
    await expect(served.api.predict.potential({ modelId: cgcnn.id, structureId })).rejects.toThrow(/not an interatomic potential/);
    await expect(served.api.predict.oversmoothing({ modelId: model.id, structureId })).rejects.toThrow(/interatomic potential/);
  });
});
