/**
 * The weight average (training.emaDecay) measured inside one run: the end of a long run continued
 * from its stored model for a few epochs, and after every epoch the validation split evaluated with
 * the averaged weights (what the run validates, selects and stores) and with the raw trained weights
 * (from the epoch's resume state). Same run, same steps: the machine's load cannot distort it.
 *
 * The continuation resumes as if `START_STEP` steps had been taken, so that the average's warm-up
 * (decay min(d, (1 + n)/(10 + n)), as TensorFlow's num_updates) is over as at the end of a 30-minute
 * run (~8,600 steps): the average starts at the stored weights, Adam's moments at zero.
 *
 * Run: npx tsx bench/potentials/ema.ts FRAMES.extxyz MODEL.lwm EPOCHS 'OVERRIDES_JSON' [startStep=8600] [backend=wasm]
 *   e.g. nice -n 15 npx tsx bench/potentials/ema.ts ../shared/data/emt-dev/emt_dataset.extxyz \
 *          /tmp/lw-potential-accuracy-s3/painn-potential.lwm 3 '{"training":{"optimizer":{"kind":"adam","lr":0.00025},"emaDecay":0.999}}'
 * The split is the config's seeded one (the model's own run's split when its seed is kept).
 * Prints one line per epoch and a JSON line {overrides, epochs: [{epoch, average: {E, F, σ}, raw: {E, F, σ}, gradNorm: {p50, p90, p99, max}}]}
 * (E meV/atom, F eV/Å, σ eV/Å³).
 */
import { readFileSync } from 'node:fs';
import { readFrames } from '../../src-shared/chem';
import { mergeConfig } from '../../src-shared/model/config';
import { parsePotentialConfig } from '../../src-shared/model/potential';
import { Rng } from '../../src-shared/model/rng';
import { initialPlateauState } from '../../src-shared/model/schedule';
import { trainValTestSplit } from '../../src-shared/model/split';
import { decodeModelFile } from '../../src-main/engine/models/format';
import { LoadedPotential } from '../../src-main/engine/potential/file';
import { potentialGraph } from '../../src-main/engine/potential/frames';
import { potentialMetrics, type PotentialMetrics } from '../../src-main/engine/potential/metrics';
import { PotentialModel } from '../../src-main/engine/potential/model';
import { predictGraphs, trainPotential } from '../../src-main/engine/potential/train';
import { initBackend } from '../../src-main/engine/tf/backend';

const [file, modelPath, epochs, overrides = '{}', startStep = '8600', backend = 'wasm'] = process.argv.slice(2);
if (!file || !modelPath || !epochs) throw new Error('usage: ema.ts FRAMES.extxyz MODEL.lwm EPOCHS OVERRIDES_JSON [startStep] [backend]');
await initBackend({ force: backend });
const frames = readFrames(file, readFileSync(file, 'utf8')).frames;
const source = new LoadedPotential(decodeModelFile(new Uint8Array(readFileSync(modelPath))));
const start = source.members[0].getWeights();
const config = parsePotentialConfig(mergeConfig(mergeConfig(source.config as unknown as Record<string, unknown>, JSON.parse(overrides)), { training: { epochs: Number(epochs), maxSeconds: null } }));
source.dispose();

// the raw weights' evaluation: a model of the same config, the epoch's raw weights (with the run's fitted statistics)
const probe = new PotentialModel(config, config.training.seed);
const named = probe.namedVariables();
const order = probe.trainableVariables().map((v) => named.find((nv) => nv.variable === v)!.name);
const zeros = order.map((n) => new Float32Array(start[n].length));
const short = (m: PotentialMetrics | null) => (m ? { E: m.energyMaeMeVPerAtom === null ? null : +m.energyMaeMeVPerAtom.toFixed(3), F: m.forceMae === null ? null : +m.forceMae.toFixed(5), σ: m.stressMaeEvPerA3 === null ? null : +m.stressMaeEvPerA3.toFixed(6) } : null);
const rows: { epoch: number; average: ReturnType<typeof short>; raw: ReturnType<typeof short>; gradNorm: Record<string, number> }[] = [];
let norms: number[] = [];
const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => +s[Math.min(s.length - 1, Math.floor(p * s.length))].toPrecision(3);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) };
};
const split = trainValTestSplit(frames.length, config.training.split, config.training.seed);
const valGraphs = split.val.map((i) => potentialGraph(frames[i].structure, config.radial.cutoff));
const valFrames = split.val.map((i) => frames[i]);

const r = await trainPotential(config, frames, {
  initialWeights: start,
  resume: {
    epoch: 0,
    step: Number(startStep),
    weights: start,
    optimizer: { kind: config.training.optimizer.kind, step: 0, slots: config.training.optimizer.kind === 'sgd' ? {} : config.training.optimizer.amsgrad ? { m: zeros, v: zeros, vmax: zeros } : { m: zeros, v: zeros } },
    rng: new Rng((config.training.seed ^ 0x9e3779b9) >>> 0).getState(),
    plateau: initialPlateauState(),
    ema: order.map((n) => start[n]),
    best: null,
    sinceBest: 0,
    history: [],
    seconds: 0,
  },
  onEpoch: async (e, state) => {
    const s = await state();
    probe.setWeights(s.weights);
    const raw = potentialMetrics(valFrames, predictGraphs(probe, valGraphs, { batchSize: 32 }));
    const gradNorm = quantiles(norms);
    norms = [];
    rows.push({ epoch: e.epoch + 1, average: short(e.val), raw: short(raw), gradNorm });
    process.stderr.write(`epoch ${e.epoch + 1}: lr ${e.lr.toExponential(2)}  average E ${e.val?.energyMaeMeVPerAtom?.toFixed(3)} F ${e.val?.forceMae?.toFixed(5)}  raw E ${raw.energyMaeMeVPerAtom?.toFixed(3)} F ${raw.forceMae?.toFixed(5)}  |∇L| ${JSON.stringify(gradNorm)}\n`);
  },
  split,
  onBatch: (b) => norms.push(b.gradNorm),
});
probe.dispose();
console.log(JSON.stringify({ model: modelPath, overrides: JSON.parse(overrides), startStep: Number(startStep), bestEpoch: r.bestEpoch, epochs: rows, test: short(r.test?.metrics ?? null) }));
