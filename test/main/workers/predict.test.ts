/**
 * The prediction jobs of a compute worker, run in-process on the backend the app picks (wasm
 * here): contributions come from the engine's one path, over-smoothing from the model's own
 * forward pass, and a failure is an error with its cause that leaves the worker as it was.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem/index';
import { structureToJSON } from '../../../src-shared/chem/serialize';
import { buildGraph } from '../../../src-shared/graph/graph';
import { graphWarnings } from '../../../src-shared/model/graph-warnings';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { decodeModelFile, encodeModelFile } from '../../../src-main/engine/models/format';
import { predictGraphs } from '../../../src-main/engine/models/predict';
import { instantiateModel } from '../../../src-main/engine/models/runtime';
import { oversmoothingTask, predictTask } from '../../../src-main/workers/predict';
import type { TaskContext } from '../../../src-main/workers/protocol';
import { shared } from '../../helpers/shared-data';

const ctx: TaskContext = { signal: new AbortController().signal, progress: () => undefined, emit: () => undefined };
const ids = ['1000041', '7206075', '9011998'];
const structures = ids.map((id) => readStructures(`${id}.cif`, readFileSync(shared('cgcnn-sample-regression', `${id}.cif`), 'utf8')).structures[0]);
let bytes: Uint8Array;

beforeAll(() => {
  bytes = encodeModelFile(importCgcnnCheckpoint(new Uint8Array(readFileSync(shared('cgcnn-pretrained', 'formation-energy-per-atom.pth.tar'))), { fileName: 'formation-energy-per-atom.pth.tar' }));
});

describe('prediction job', () => {
  it("gives per-atom contributions from the engine's path, summing to the prediction", async () => {
    const out = await predictTask({ key: 'formation', model: bytes, structures: structures.map((s, id) => ({ id, structure: structureToJSON(s) })) }, ctx);
    expect(out.failed).toEqual([]);
    expect(out.rows.map((r) => r.id)).toEqual([0, 1, 2]);
    const model = instantiateModel(decodeModelFile(bytes));
    const want = predictGraphs(model, structures.map((s) => buildGraph(s, model.graphOptions)), { contributions: true });
    model.dispose();
    out.rows.forEach((r, k) => {
      expect(r.prediction).toBe(want[k].prediction[0]);
      expect(r.perAtom).toEqual(want[k].contributions!.map((c) => c[0]));
      expect(r.perAtom).toHaveLength(structures[k].numbers.length);
      expect(r.perAtom!.reduce((a, b) => a + b, 0)).toBeCloseTo(r.prediction, 4);
    });
  });

  it('fails with the cause, and the next job runs normally (no fallback state)', async () => {
    const broken = bytes.slice(0, bytes.length - 100);
    await expect(predictTask({ key: 'broken', model: broken, structures: [{ id: 0, structure: structureToJSON(structures[0]) }] }, ctx)).rejects.toThrow(/model file|bytes|truncated|length/i);
    const again = await predictTask({ key: 'formation', model: bytes, structures: [{ id: 7, structure: structureToJSON(structures[0]) }] }, ctx);
    expect(again.rows[0].perAtom).not.toBeNull();
  });

  it("carries the graph's warnings in its rows (the app's Predict view shows them as predict does)", async () => {
    const fixture = (f: string) => readStructures(f, readFileSync(fileURLToPath(new URL(`../../fixtures/structures/${f}`, import.meta.url)), 'utf8')).structures[0];
    const odd = [fixture('perovskite_SrTiO3.cif'), fixture('lone_atom_500A.cif'), fixture('disorder.cif')];
    const out = await predictTask({ key: 'formation', model: bytes, structures: odd.map((s, id) => ({ id, structure: structureToJSON(s) })) }, ctx);
    const model = instantiateModel(decodeModelFile(bytes));
    const want = odd.map((s) => graphWarnings(s, buildGraph(s, model.graphOptions)));
    model.dispose();
    expect(want.map((w) => w.length)).toEqual([1, 1, 1]);
    expect(out.rows.map((r) => r.warnings)).toEqual(want);
  });

  it('reports a structure whose graph cannot be built and predicts the others', async () => {
    const lone = { ...structures[0], numbers: Int32Array.from(structures[0].numbers, () => 118), species: structures[0].species.map(() => 'Og') };
    const out = await predictTask({ key: 'formation', model: bytes, structures: [{ id: 1, structure: structureToJSON(lone) }, { id: 2, structure: structureToJSON(structures[1]) }] }, ctx);
    expect(out.failed.map((f) => f.id)).toEqual([1]);
    expect(out.failed[0].message).toMatch(/atom_init|element|118|Og/i);
    expect(out.rows.map((r) => r.id)).toEqual([2]);
  });
});

describe('over-smoothing job', () => {
  it("reads every layer's states through the model's own forward pass, without leaking tensors", async () => {
    await oversmoothingTask({ key: 'formation', model: bytes, structure: structureToJSON(structures[0]) });
    const before = tf.memory().numTensors;
    const { layers } = await oversmoothingTask({ key: 'formation', model: bytes, structure: structureToJSON(structures[1]) });
    expect(tf.memory().numTensors).toBe(before);
    // the embedding and each of the model's convolutions
    const convolutions = (decodeModelFile(bytes).header.config as { model: { numLayers: number } }).model.numLayers;
    expect(layers.map((l) => l.layer)).toEqual(Array.from({ length: convolutions + 1 }, (_, t) => t));
    for (const l of layers) {
      expect(l.meanCosine).toBeGreaterThan(-1);
      expect(l.meanCosine).toBeLessThanOrEqual(1 + 1e-9);
      expect(l.dirichletEnergy).toBeGreaterThanOrEqual(0);
    }
    // anatase has two elements: its embedded atoms are not all alike
    expect(layers[0].meanCosine).toBeLessThan(0.999);
  });
});
