/**
 * `latticework train --preset painn-potential` on labelled frames and `latticework predict --json`
 * with a potential: the JSON shape of issue 13 (one entry per frame, eV, eV/Å, eV/Å³), fine-tuning
 * with --from/--freeze recorded in the model, and the flags' errors.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictCommand } from '../../../../src-main/cli/commands/predict';
import { runsCommand } from '../../../../src-main/cli/commands/runs';
import { trainCommand } from '../../../../src-main/cli/commands/train';
import { decodeModelFile } from '../../../../src-main/engine/models/format';
import { Database } from '../../../../src-main/store/database';
import { listRuns, runMetrics, toRunRecord } from '../../../../src-main/store/runs';
import { atomicNumber, readFrames } from '../../../../src-shared/chem';
import { elementSeeds, seedsBySymbol, sourceTrainedElements } from '../../../../src-main/engine/potential/finetune';
import { parsePotentialConfig } from '../../../../src-shared/model/potential';
import { trainValTestSplit } from '../../../../src-shared/model/split';
import { elementsOf } from '../../../../src-shared/model/domain';
import { energyAboveReference, potentialDomain, potentialWarnings, PREDICTED_RANGE_MARGIN } from '../../../../src-shared/model/potential-domain';
import { emtFramesText } from '../../../helpers/shared-data';
import { emtFrames, io } from './helpers';
import { tinyPotentialFile } from '../../services/simulation-fixtures';

/** What train says of the EMT frames' labels on stderr (the keys they came from). */
const LABEL_SOURCES = ["latticework train: energy from 'energy'", "latticework train: forces from 'forces'", "latticework train: stress from 'stress'"];
const TINY = { model: { features: 8, numLayers: 2, headHidden: 4 }, radial: { cutoff: 4, numBasis: 6 }, training: { batchSize: 4 } };

describe('latticework train / predict with a potential', { timeout: 300_000 }, () => {
  it('trains PaiNN on energy, forces and stress, predicts one JSON entry per frame, fine-tunes with --from/--freeze', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-'));
    const data = emtFrames(dir, 10);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    const o = io();
    const code = await trainCommand.run({ argv: ['--data', data, '--preset', 'painn-potential', '--config', 'tiny.json', '--epochs', '2', '--backend', 'wasm', '--out', 'p.lwm', '--db', 'runs.sqlite', '--json'], io: o.io, cwd: dir });
    // which key each label came from, as structure frames says it, and nothing else
    expect(o.err).toEqual(LABEL_SOURCES);
    expect(code).toBe(0);
    const summary = JSON.parse(o.out[o.out.length - 1]);
    expect(summary).toMatchObject({ status: 'finished', kind: 'potential', architecture: 'painn', preset: 'painn-potential', structures: 10, epochs: 2, trained: { energy: true, forces: true, stress: true }, split: { train: 8, val: 1, test: 1 } });
    // the summary's exact fields, in order (cli/train-summary.ts)
    expect(Object.keys(summary)).toEqual(['status', 'backend', 'architecture', 'preset', 'kind', 'startedFrom', 'freeze', 'seededElements', 'members', 'trained', 'structures', 'split', 'epochs', 'bestEpoch', 'bestValScore', 'val', 'test', 'seconds', 'model', 'runId']);
    expect(typeof summary.test.forceMae).toBe('number');
    expect(typeof summary.val.energyMaeMeVPerAtom).toBe('number');
    expect(summary.seededElements).toBeNull();
    const file = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'p.lwm'))));
    expect(file.header.task).toBe('potential');
    // the elements of its training split (its training domain), which a fine-tuning run seeds the others from
    const trainedElements = sourceTrainedElements(file)!.elements;
    const training = parsePotentialConfig(file.header.config).training;
    const sources = readFrames(data, readFileSync(data, 'utf8')).frames;
    expect(trainedElements).toEqual(elementsOf(trainValTestSplit(sources.length, training.split, training.seed).train.map((i) => sources[i].structure)));
    expect(file.header.config).toMatchObject({ kind: 'potential', architecture: 'painn', model: { features: 8 } });
    // and how close each pair of elements came in it, and its energies above the fitted reference energies
    const split = trainValTestSplit(sources.length, training.split, training.seed).train.map((i) => sources[i]);
    const details = file.header.provenance.details as { referenceEnergies: Record<string, number> };
    const reference = new Float64Array(119);
    for (const [z, e] of Object.entries(details.referenceEnergies)) reference[Number(z)] = e;
    const { predictedEnergyAboveReference: own, ...fromLabels } = file.header.domain!.potential!;
    expect(fromLabels).toEqual(
      potentialDomain(
        split.map((f) => f.structure),
        split.map((f) => f.energy),
        reference,
        4,
      ),
    );
    expect(file.header.domain!.potential!.energyAboveReference!.max).toBeGreaterThan(file.header.domain!.potential!.energyAboveReference!.min);
    // and the range of its own energies of them: no training structure is flagged by the energy check, though
    // the predictions of some lie outside the labels' range (which alone flagged them before)
    const all = io();
    expect(await predictCommand.run({ argv: ['--model', 'p.lwm', '--json', data], io: all.io, cwd: dir })).toBe(0);
    const predicted = JSON.parse(all.out.join('')) as { energy: number; warnings: string[] }[];
    const trainIndices = trainValTestSplit(sources.length, training.split, training.seed).train;
    const above = trainIndices.map((i) => energyAboveReference(sources[i].structure.numbers, predicted[i].energy, file.header.domain!.potential!.referenceEnergies)!);
    const labels = file.header.domain!.potential!.energyAboveReference!;
    expect(above.filter((x) => x < labels.min - 0.001 || x > labels.max + 0.001).length).toBeGreaterThan(0);
    expect(own!.min).toBeCloseTo(Math.min(...above) - PREDICTED_RANGE_MARGIN, 5);
    expect(own!.max).toBeCloseTo(Math.max(...above) + PREDICTED_RANGE_MARGIN, 5);
    for (const i of trainIndices) expect(predicted[i].warnings.filter((w) => w.startsWith('energy')), `training frame ${i}`).toEqual([]);

    // predict: one entry per frame of a multi-frame file
    const three = emtFrames(dir, 3, 'three.extxyz');
    const p = io();
    expect(await predictCommand.run({ argv: ['--model', 'p.lwm', '--json', three], io: p.io, cwd: dir })).toBe(0);
    const entries = JSON.parse(p.out.join('')) as Record<string, unknown>[];
    expect(entries).toHaveLength(3);
    const natoms = [16, 1, 16];
    entries.forEach((e, k) => {
      expect(Object.keys(e).sort()).toEqual(['energy', 'energyPerAtom', 'file', 'forces', 'frame', 'model', 'stress', 'warnings']);
      expect(e.warnings).toEqual(potentialWarnings(file.header.domain, readFrames(three, readFileSync(three, 'utf8')).frames[k].structure, e.energy as number));
      expect(e.frame).toBe(k);
      expect(e.file).toBe(three);
      expect(e.energyPerAtom as number).toBeCloseTo((e.energy as number) / natoms[k], 6);
      const f = e.forces as number[][];
      expect(f).toHaveLength(natoms[k]);
      expect(f.every((row) => row.length === 3 && row.every(Number.isFinite))).toBe(true);
      expect((e.stress as number[]).length).toBe(6);
    });

    // the first frame squeezed to 80 % of its size: pairs closer than any in training, said per pair
    const first = readFrames(three, readFileSync(three, 'utf8')).frames[0].structure;
    const squeezed = join(dir, 'squeezed.extxyz');
    const cell = first.lattice!.map((r) => r.map((x) => (0.8 * x).toFixed(8)).join(' ')).join(' ');
    const rows = Array.from(first.numbers, (z, i) => `${first.species[i]} ${[0, 1, 2].map((c) => (0.8 * first.cart[3 * i + c]).toFixed(8)).join(' ')}`);
    writeFileSync(squeezed, `${rows.length}\nLattice="${cell}" Properties=species:S:1:pos:R:3 pbc="T T T"\n${rows.join('\n')}\n`);
    const sqJson = io();
    expect(await predictCommand.run({ argv: ['--model', 'p.lwm', '--json', squeezed], io: sqJson.io, cwd: dir })).toBe(0);
    const [sq] = JSON.parse(sqJson.out.join('')) as { warnings: string[] }[];
    const closer = sq.warnings.filter((x) => !x.startsWith('energy'));
    expect(closer.length).toBeGreaterThan(0);
    for (const w of closer) expect(w).toMatch(/^(\w+)–(\w+) at \d\.\d{3} Å \(atoms \d+ and \d+\) is closer than any \1–\2 pair in the training structures \(\d\.\d{3} Å\)$/);
    const sqText = io();
    expect(await predictCommand.run({ argv: ['--model', 'p.lwm', squeezed], io: sqText.io, cwd: dir })).toBe(0);
    expect(sqText.out.filter((l) => l.startsWith('    warning: '))).toHaveLength(sq.warnings.length);

    // fine-tune from the stored potential with the first block frozen, on the next 10 frames with
    // their Al atoms named Ga (an element the source never trained): each element of the data the
    // source did not train starts from the nearest trained element's embedding row (Ga ← Al)
    const next = join(dir, 'next.extxyz');
    writeFileSync(next, emtFramesText(10, 10).replace(/^Al(?=\s)/gm, 'Ga'));
    const nextElements = elementsOf(readFrames(next, readFileSync(next, 'utf8')).frames.map((f) => f.structure));
    const expected = seedsBySymbol(elementSeeds(nextElements, trainedElements));
    expect(expected).toMatchObject({ Ga: 'Al' });
    const ft = io();
    const code2 = await trainCommand.run({ argv: ['--data', next, '--from', 'p.lwm', '--freeze', '1', '--epochs', '1', '--no-stress', '--backend', 'wasm', '--out', 'ft.lwm', '--db', 'runs.sqlite', '--json'], io: ft.io, cwd: dir });
    expect(code2).toBe(0);
    // announced on stderr (also with --json): what was seeded from what, or that nothing needed it
    // after the keys each label came from
    expect(ft.err.slice(0, 3)).toEqual(["latticework train: energy from 'energy'", "latticework train: forces from 'forces'", "latticework train: stress from 'stress'"]);
    expect(ft.err).toHaveLength(4);
    const pairs = Object.entries(expected).map(([z, from]) => `${z} ← ${from}`);
    expect(ft.err[3]).toMatch(pairs.length ? new RegExp(`^latticework train: "painn-potential-emt" trained .*copied from the nearest trained element: ${pairs.join(', ')} \\(before freezing`) : /every element of the data is among them/);
    const s2 = JSON.parse(ft.out[ft.out.length - 1]);
    expect(s2).toMatchObject({ status: 'finished', startedFrom: 'painn-potential-emt', freeze: 1, seededElements: expected, trained: { energy: true, forces: true, stress: false } });
    const tuned = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'ft.lwm'))));
    expect(tuned.header.provenance.details).toMatchObject({ startedFrom: 'painn-potential-emt', freeze: 1, seededElements: expected });
    // it starts from trained weights, not from the source's preset: its config names none, nor does its summary
    expect(s2.preset).toBeNull();
    expect((tuned.header.config as { preset?: string }).preset).toBeUndefined();
    // frozen: the embedding (but for the seeded rows, copies of their source's rows) and block 0 are unchanged, the head moved
    const before = file.members[0];
    const after = tuned.members[0];
    const F = 8;
    const row = (w: Float32Array, z: number) => Array.from(w.subarray(z * F, (z + 1) * F));
    const from = new Map(Object.entries(expected).map(([z, f]) => [atomicNumber(z), atomicNumber(f)]));
    expect(after['embedding.weight'].length).toBe(before['embedding.weight'].length);
    for (let z = 0; z < before['embedding.weight'].length / F; z++) expect(row(after['embedding.weight'], z), `row ${z}`).toEqual(row(before['embedding.weight'], from.get(z) ?? z));
    expect(Array.from(after['interactions.0.phi.0.weight'])).toEqual(Array.from(before['interactions.0.phi.0.weight']));
    expect(Array.from(after['head.1.weight'])).not.toEqual(Array.from(before['head.1.weight']));

    // an ensemble of two seeds: predictions carry the spread of the energy and of each atom's force
    const en = io();
    expect(await trainCommand.run({ argv: ['--data', data, '--preset', 'schnet-potential', '--config', 'tiny.json', '--ensemble', '2', '--epochs', '1', '--backend', 'wasm', '--out', 'ens.lwm', '--db', 'runs.sqlite', '--json'], io: en.io, cwd: dir })).toBe(0);
    expect(JSON.parse(en.out[en.out.length - 1])).toMatchObject({ members: 2, architecture: 'schnet' });
    const q = io();
    expect(await predictCommand.run({ argv: ['--model', 'ens.lwm', '--json', three], io: q.io, cwd: dir })).toBe(0);
    const withStd = JSON.parse(q.out.join('')) as { std: { energy: number; forces: number[][]; forceNorm: number[]; stress: number[] } }[];
    expect(withStd[0].std.energy).toBeGreaterThan(0);
    expect(withStd[0].std.forceNorm).toHaveLength(16);
    expect(withStd[0].std.forces[0]).toHaveLength(3);
    expect(withStd[0].std.stress).toHaveLength(6);

    // the three runs are in the run store (latticework runs, the app's runs table) with the potential metric keys
    const db = await Database.open(join(dir, 'runs.sqlite'));
    try {
      const rows = await db.read((tx) => listRuns(tx));
      expect(rows.map((r) => r.status)).toEqual(['finished', 'finished', 'finished']);
      const [ens, tuned, first] = rows;
      const record = toRunRecord(first);
      expect(record).toMatchObject({ epochsDone: 2, epochsPlanned: 2, summary: { architecture: 'painn', preset: 'painn-potential', features: 8, layers: 2, cutoff: 4 } });
      // --out p.lwm: the model went to that file only (docs/training.md "CLI data")
      expect(first.model_id).toBeNull();
      expect(JSON.parse(first.config)).toMatchObject({ kind: 'potential' });
      const keys = new Set((await db.read((tx) => runMetrics(tx, [first.id]))).map((m) => m.key));
      for (const k of ['train_loss', 'lr', 'epoch_seconds', 'structures_per_second', 'atoms_per_second', 'batch_loss', 'batch_lr', 'val_energy_mae', 'val_energy_rmse', 'val_force_mae', 'val_force_rmse', 'val_stress_mae', 'val_score', 'test_energy_mae', 'test_force_mae', 'test_stress_mae', 'test_score'])
        expect(keys.has(k), k).toBe(true);
      expect([...keys].filter((k) => /^val_force_mae_[A-Z][a-z]?$/.test(k)).length).toBeGreaterThan(0); // per element
      expect(Object.keys(record.bestMetrics)).toEqual(expect.arrayContaining(['best_epoch', 'val_energy_mae', 'val_force_mae', 'val_score', 'test_force_mae']));
      expect(JSON.parse(tuned.tags)).toEqual(expect.arrayContaining(['potential', 'from:painn-potential-emt', 'freeze:1']));
      // the ensemble's epochs count over its members
      expect(toRunRecord(ens)).toMatchObject({ epochsDone: 2, epochsPlanned: 2 });
      expect(new Set((await db.read((tx) => runMetrics(tx, [ens.id], ['train_loss']))).map((m) => m.step))).toEqual(new Set([0, 1]));
    } finally {
      await db.close();
    }
    const listed = io();
    expect(await runsCommand.run({ argv: ['--db', join(dir, 'runs.sqlite')], io: listed.io, cwd: dir })).toBe(0);
    expect(listed.out.join('\n')).toMatch(/painn-potential on emt .*val E \d+\.\d+ meV\/atom, F \d+\.\d+ eV\/Å; test E/);
  });

  it("reports an ensemble's own errors, its members' mean prediction as predict gives it, not its last member's: summary, run record and model file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-ens-'));
    const data = emtFrames(dir, 20);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    const o = io();
    expect(await trainCommand.run({ argv: ['--data', data, '--preset', 'schnet-potential', '--config', 'tiny.json', '--ensemble', '3', '--epochs', '1', '--backend', 'wasm', '--out', 'ens.lwm', '--db', 'runs.sqlite', '--json'], io: o.io, cwd: dir })).toBe(0);
    const summary = JSON.parse(o.out[o.out.length - 1]) as Record<'val' | 'test', { frames: number; energyMaeMeVPerAtom: number; forceMae: number; stressMaeGPa: number }>;
    const q = io();
    expect(await predictCommand.run({ argv: ['--model', 'ens.lwm', '--json', data], io: q.io, cwd: dir })).toBe(0);
    const predicted = JSON.parse(q.out.join('')) as { energy: number; forces: number[][]; stress: number[] }[];
    const labels = readFrames(data, readFileSync(data, 'utf8')).frames;
    const db = await Database.open(join(dir, 'runs.sqlite'));
    let split: { val: number[]; test: number[] };
    let recorded: Map<string, number>;
    try {
      const [run] = await db.read((tx) => listRuns(tx));
      split = JSON.parse(run.split!) as typeof split;
      // best_metrics: the final val_* and test_* (the Runs table's), and the test_* metric rows
      recorded = new Map(Object.entries(toRunRecord(run).bestMetrics));
      for (const m of await db.read((tx) => runMetrics(tx, [run.id]))) if (m.key.startsWith('test_')) expect(m.value, m.key).toBe(recorded.get(m.key));
    } finally {
      await db.close();
    }
    // the errors of predict's output on the run's own split, computed here
    const errors = (indices: number[]) => {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return {
        energyMaeMeVPerAtom: 1000 * mean(indices.map((i) => Math.abs(predicted[i].energy - labels[i].energy!) / labels[i].structure.numbers.length)),
        forceMae: mean(indices.flatMap((i) => predicted[i].forces.flatMap((f, a) => f.map((x, c) => Math.abs(x - labels[i].forces![3 * a + c]))))),
        stressMaeGPa: mean(indices.flatMap((i) => predicted[i].stress.map((x, c) => Math.abs(x - labels[i].stress![c])))) * 160.21766208,
      };
    };
    expect(split.test).toHaveLength(2);
    for (const set of ['val', 'test'] as const) {
      const mine = errors(split[set]);
      expect(summary[set].frames).toBe(split[set].length);
      for (const k of ['energyMaeMeVPerAtom', 'forceMae', 'stressMaeGPa'] as const) expect(summary[set][k], `${set} ${k}`).toBeCloseTo(mine[k], 6);
      expect(recorded.get(`${set}_energy_mae`)).toBeCloseTo(mine.energyMaeMeVPerAtom, 6);
      expect(recorded.get(`${set}_force_mae`)).toBeCloseTo(mine.forceMae, 6);
      expect(recorded.get(`${set}_stress_mae`)).toBeCloseTo(mine.stressMaeGPa, 6);
    }
    const details = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'ens.lwm')))).header.provenance.details as { testMetrics: { energyMaeMeVPerAtom: number } };
    expect(details.testMetrics.energyMaeMeVPerAtom).toBe(summary.test.energyMaeMeVPerAtom);
  });

  it('rejects potential-only flags for property models and --freeze without --from', async () => {
    const a = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'cgcnn-paper', '--no-forces'], io: a.io, cwd: '.' })).toBe(2);
    expect(a.err.join('\n')).toMatch(/apply to potentials/);
    const b = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'painn-potential', '--freeze', '2'], io: b.io, cwd: '.' })).toBe(2);
    expect(b.err.join('\n')).toMatch(/--freeze N needs --from/);
    // a depth the potential does not have (2 blocks: 0 to 2) is refused as a property model's is, a negative one too
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-freeze-'));
    writeFileSync(join(dir, 'tiny.lwm'), await tinyPotentialFile('tiny'));
    for (const depth of ['3', '-1']) {
      const c = io();
      expect(await trainCommand.run({ argv: ['--data', 'x.extxyz', '--from', 'tiny.lwm', '--freeze', depth, '--no-save'], io: c.io, cwd: dir })).toBe(2);
      expect(c.err[0]).toBe(`latticework train: freeze depth ${depth}: "tiny" has 2 message-passing layers, so the depth is 0 to 2`);
    }
  });

  it('announces a split without validation structures: the best epoch is then the lowest training loss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-noval-'));
    const data = emtFrames(dir, 6);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    const o = io();
    // 10 % of 6 frames: no validation (nor test) structure
    expect(await trainCommand.run({ argv: ['--data', data, '--preset', 'painn-potential', '--config', 'tiny.json', '--epochs', '1', '--backend', 'wasm', '--no-save', '--json'], io: o.io, cwd: dir })).toBe(0);
    expect(o.err).toEqual([...LABEL_SOURCES, 'latticework train: no validation structures (split.val 0.1 of 6 frames rounds down to 0): the best epoch is the one with the lowest training loss']);
    expect(JSON.parse(o.out[o.out.length - 1])).toMatchObject({ status: 'finished', split: { train: 6, val: 0, test: 0 } });
  });

  it('says which frames it left out as identical to an earlier one, and warns of one whose labels differ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-dup-'));
    const lines = emtFramesText(6).trimEnd().split('\n');
    const first = lines.slice(0, Number(lines[0]) + 2);
    // frame 6: frame 0's structure with 0.5 eV more
    const again = [first[0], first[1].replace(/ energy=(-?[\d.e+-]+)/, (_, e: string) => ` energy=${Number(e) + 0.5}`), ...first.slice(2)];
    writeFileSync(join(dir, 'twice.extxyz'), [...lines, ...again].join('\n') + '\n');
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    const o = io();
    expect(await trainCommand.run({ argv: ['--data', 'twice.extxyz', '--preset', 'painn-potential', '--config', 'tiny.json', '--epochs', '1', '--backend', 'wasm', '--no-save'], io: o.io, cwd: dir })).toBe(0);
    // the text counts what it kept, one noun each
    expect(o.out.join('\n')).toMatch(/^data: 6 frames from twice\.extxyz \(energy yes, forces yes, stress yes\)$/m);
    expect(o.out.join('\n')).toMatch(/^model: painn potential \(preset painn-potential\); 1 epoch, batch 4, cutoff 4 Å$/m);
    expect(o.err.slice(0, 5)).toEqual([
      `latticework train: 1 duplicate frame left out of ${join(dir, 'twice.extxyz')}:\n  1 frame identical to an earlier frame (same species, cell and positions; the first kept)`,
      ...LABEL_SOURCES,
      'latticework train: warning: twice.extxyz:6 is the structure of twice.extxyz:0 with other labels (energy +0.5000 eV): left out, twice.extxyz:0 kept',
    ]);
  });

  it('says which key each label came from, takes --energy-key and its kin, and refuses --target, --unit and --workers N as bad usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-keys-'));
    // a MACE-style file: the reference energy as REF_energy beside a model's "energy"
    const mace = emtFramesText(6).replace(/ energy=(-?[\d.e+-]+)/g, (_, e: string) => ` energy=${Number(e) + 0.25} REF_energy=${e}`);
    writeFileSync(join(dir, 'mace.extxyz'), mace);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    const base = ['--data', 'mace.extxyz', '--preset', 'schnet-potential', '--config', 'tiny.json', '--epochs', '1', '--backend', 'wasm', '--no-save', '--json'];
    const taken = io();
    expect(await trainCommand.run({ argv: base, io: taken.io, cwd: dir }), taken.err.join('\n')).toBe(0);
    expect(taken.err).toContain("latticework train: energy from 'energy'; also present: 'REF_energy' (choose with --energy-key)");
    expect(taken.err).toContain("latticework train: forces from 'forces'");
    const chosen = io();
    expect(await trainCommand.run({ argv: [...base, '--energy-key', 'REF_energy', '--forces-key', 'forces', '--stress-key', 'stress'], io: chosen.io, cwd: dir }), chosen.err.join('\n')).toBe(0);
    expect(chosen.err).toContain("latticework train: energy from 'REF_energy'; also present: 'energy' (choose with --energy-key)");
    // the labels trained on are the ones named: a key the frames lack is an error naming it
    const missing = io();
    expect(await trainCommand.run({ argv: [...base, '--energy-key', 'DFT_energy'], io: missing.io, cwd: dir })).toBe(1);
    expect(missing.err.join('\n')).toMatch(/DFT_energy/);
    for (const [extra, message] of [
      [['--target', 'REF_energy'], /--target and --unit apply to property models: a potential trains on the frames' energies, forces and stresses/],
      [['--unit', 'meV'], /--target and --unit apply to property models/],
      [['--workers', '2'], /--workers 2: a potential trains in one thread/],
      [['--energy-key', ''], /--energy-key needs a key name/],
    ] as const) {
      const o = io();
      expect(await trainCommand.run({ argv: [...base, ...extra], io: o.io, cwd: dir }), extra.join(' ')).toBe(2);
      expect(o.err.join('\n')).toMatch(message);
    }
    const property = io();
    expect(await trainCommand.run({ argv: ['--data', 'mace.extxyz', '--preset', 'gcn', '--energy-key', 'REF_energy', '--no-save'], io: property.io, cwd: dir })).toBe(2);
    expect(property.err.join('\n')).toMatch(/--energy-key, --forces-key and --stress-key choose a potential's labels/);
  });

  it('--lr and a --config that sets only the learning rate merge into a potential preset\'s optimizer (its kind kept)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-lr-'));
    const data = emtFrames(dir, 6);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    writeFileSync(join(dir, 'tiny-lr.json'), JSON.stringify({ ...TINY, training: { ...TINY.training, optimizer: { lr: 0.0005 } } }));
    for (const [preset, config, extra] of [
      ['painn-potential', 'tiny.json', ['--lr', '0.0005']],
      ['schnet-potential', 'tiny.json', ['--lr', '0.0005']],
      ['schnet-potential', 'tiny-lr.json', []],
    ] as const) {
      const o = io();
      const out = `${preset}-${config}-${extra.length}.lwm`;
      const code = await trainCommand.run({ argv: ['--data', data, '--preset', preset, '--config', config, ...extra, '--epochs', '1', '--backend', 'wasm', '--out', out, '--json'], io: o.io, cwd: dir });
      expect(code, o.err.join('\n')).toBe(0);
      const file = decodeModelFile(new Uint8Array(readFileSync(join(dir, out))));
      expect(parsePotentialConfig(file.header.config).training.optimizer).toEqual({ kind: 'adam', lr: 0.0005, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad: false });
    }
  });

  it('refuses a --config with a field it does not know, too many basis functions, or one that is not JSON, naming the file, line and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pot-config-'));
    // "seed" beside "training" instead of in it: dropped by the schema, so refused rather than ignored
    writeFileSync(join(dir, 'misplaced.json'), JSON.stringify({ seed: 7, training: { epochs: 1 } }));
    const a = io();
    // bad usage (exit 2), as for a property model's config below
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'painn-potential', '--config', 'misplaced.json'], io: a.io, cwd: dir })).toBe(2);
    expect(a.err.join('\n')).toMatch(/invalid config: seed: unknown field "seed" \(known: .*training/);
    // a million radial basis functions (~290 GB of filter tables) are refused naming the field and the bound
    writeFileSync(join(dir, 'basis.json'), JSON.stringify({ radial: { numBasis: 1e6 } }));
    const many = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'painn-potential', '--config', 'basis.json'], io: many.io, cwd: dir })).toBe(2);
    expect(many.err.join('\n')).toBe("latticework train: invalid potential config:\n  radial.numBasis: radial.numBasis must be at most 300 (SchNet's 300 Gaussians are the most a published potential uses; PaiNN uses 20)");
    writeFileSync(join(dir, 'misspelt.json'), JSON.stringify({ training: { sed: 7 } }));
    const b = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'cgcnn-paper', '--config', 'misspelt.json'], io: b.io, cwd: dir })).toBe(2);
    expect(b.err.join('\n')).toMatch(/training\.sed: unknown field "sed" in training \(known: .*seed/);
    writeFileSync(join(dir, 'broken.json'), '{\n  "training": {\n    "epochs": 2,\n  }\n}\n');
    const c = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'painn-potential', '--config', 'broken.json'], io: c.io, cwd: dir })).toBe(2);
    expect(c.err.join('\n')).toMatch(/broken\.json:4:3: not valid JSON/);
    writeFileSync(join(dir, 'list.json'), '[1, 2]');
    const d = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'painn-potential', '--config', 'list.json'], io: d.io, cwd: dir })).toBe(2);
    expect(d.err.join('\n')).toMatch(/list\.json: a config is a JSON object \(\{\.\.\.\}\), not an array/);
  });
});
