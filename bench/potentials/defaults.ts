/**
 * Candidate training defaults compared at an equal number of optimiser steps (so that the machine's
 * load cannot distort the comparison): a preset with config overrides trained for a fixed number of
 * epochs on a seeded subset of a labelled-frames file, then its errors on the subset's test split
 * and the process's CPU seconds (to convert to throughput).
 *
 * Run: npx tsx bench/potentials/defaults.ts FRAMES.extxyz FRAMES_USED EPOCHS 'OVERRIDES_JSON' [preset=painn-potential] [backend=wasm]
 *   e.g. npx tsx bench/potentials/defaults.ts ../shared/data/emt-dev/emt_dataset.extxyz 400 6 '{"training":{"schedule":{"kind":"cosine","minLr":2e-5}}}'
 * Prints one JSON line: {preset, overrides, frames, epochs, steps, atomsPerEpoch, cpuSeconds, val, test}
 * (val: the best epoch's validation metrics; test: the test split with the best weights).
 */
import { readFileSync } from 'node:fs';
import { readFrames } from '../../src-shared/chem';
import { mergeConfig } from '../../src-shared/model/config';
import { parsePotentialConfig } from '../../src-shared/model/potential';
import { Rng } from '../../src-shared/model/rng';
import { potentialPresetConfig } from '../../src-main/engine/architectures/registry';
import { trainPotential } from '../../src-main/engine/potential/train';
import { initBackend } from '../../src-main/engine/tf/backend';

const [file, used, epochs, overrides = '{}', preset = 'painn-potential', backend = 'wasm'] = process.argv.slice(2);
if (!file || !used || !epochs) throw new Error('usage: defaults.ts FRAMES.extxyz FRAMES_USED EPOCHS OVERRIDES_JSON [preset] [backend]');
await initBackend({ force: backend });
const all = readFrames(file, readFileSync(file, 'utf8')).frames;
const pick = new Rng(2026).shuffle(all.map((_, i) => i)).slice(0, Number(used)) as number[];
const frames = pick.map((i) => all[i]);
const config = parsePotentialConfig(mergeConfig(mergeConfig(potentialPresetConfig(preset), JSON.parse(overrides)), { training: { epochs: Number(epochs), maxSeconds: null } }));
const c0 = process.cpuUsage();
const r = await trainPotential(config, frames, {
  onEpoch: (e) => {
    process.stderr.write(`epoch ${e.epoch + 1}: lr ${e.lr.toExponential(2)} score ${e.score.toFixed(2)} E ${e.val?.energyMaeMeVPerAtom?.toFixed(2)} F ${e.val?.forceMae?.toFixed(4)}\n`);
  },
});
const c = process.cpuUsage(c0);
const trainAtoms = r.split.train.reduce((a, i) => a + frames[i].structure.numbers.length, 0);
const steps = Math.ceil(r.split.train.length / config.training.batchSize) * r.epochsRun;
console.log(JSON.stringify({ preset, overrides: JSON.parse(overrides), frames: frames.length, epochs: r.epochsRun, steps, atomsPerEpoch: trainAtoms, cpuSeconds: +((c.user + c.system) / 1e6).toFixed(1), bestEpoch: r.bestEpoch, val: r.val?.metrics, test: r.test?.metrics }));
