/**
 * Errors of a stored potential on labelled frames it has not seen (a fresh EMT set from
 * scripts/data/make_emt_set.py): energy MAE/RMSE (meV/atom), force MAE/RMSE (eV/Å), stress MAE
 * (GPa and eV/Å³), per-element force MAE.
 *
 * Run: npx tsx bench/potentials/evaluate.ts MODEL.lwm FRAMES.extxyz [backend=wasm]
 * Prints one JSON line: {model, file, frames, metrics}.
 */
import { readFileSync } from 'node:fs';
import { readFrames } from '../../src-shared/chem';
import { decodeModelFile } from '../../src-main/engine/models/format';
import { LoadedPotential } from '../../src-main/engine/potential/file';
import { potentialMetrics } from '../../src-main/engine/potential/metrics';
import { initBackend } from '../../src-main/engine/tf/backend';

const [modelFile, dataFile, backend = 'wasm'] = process.argv.slice(2);
if (!modelFile || !dataFile) throw new Error('usage: evaluate.ts MODEL.lwm FRAMES.extxyz [backend]');
await initBackend({ force: backend });
const potential = new LoadedPotential(decodeModelFile(new Uint8Array(readFileSync(modelFile))));
const frames = readFrames(dataFile, readFileSync(dataFile, 'utf8')).frames;
const preds = potential.predict(frames.map((f) => f.structure));
console.log(JSON.stringify({ model: potential.name, file: dataFile, frames: frames.length, metrics: potentialMetrics(frames, preds) }));
potential.dispose();
