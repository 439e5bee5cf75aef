/**
 * `latticework train --from MODEL [--freeze N] [--head auto|keep|new]` for property models: a
 * built-in CGCNN model (by name, as `latticework predict --model` takes it, or as CGCNN's .pth.tar)
 * fine-tuned on CGCNN-layout structures, with the frozen layers unchanged bit for bit, the head
 * re-initialised for another target and kept for the same one, and the start recorded.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicNumber } from '../../../../src-shared/chem/elements';
import { trainCommand } from '../../../../src-main/cli/commands/train';
import { decodeModelFile, encodeModelFile, type ModelFileData } from '../../../../src-main/engine/models/format';
import { withModelRepository } from '../../../../src-main/models/store';
import { Database } from '../../../../src-main/store/database';
import { listRuns } from '../../../../src-main/store/runs';
import { SHARED_DATA } from '../../../helpers/shared-data';
import { io } from './helpers';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const BAND_GAP = decodeModelFile(new Uint8Array(readFileSync(join(__dirname, '../../../../resources/models/band-gap.lwm'))));

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const load = (path: string): ModelFileData => decodeModelFile(new Uint8Array(readFileSync(path)));

describe('latticework train --from (property models)', { timeout: 300_000 }, () => {
  it('fine-tunes a built-in CGCNN model on new data: frozen layers unchanged, a new head for a new target, the start recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-finetune-'));
    const db = join(dir, 'runs.sqlite');
    const o = io();
    // the built-in model by the name predict accepts (its file's stem)
    const code = await withModelRepository(db, () =>
      trainCommand.run({ argv: ['--data', SAMPLE, '--from', 'band-gap', '--freeze', '2', '--epochs', '2', '--batch-size', '4', '--backend', 'cpu', '--out', 'ft.lwm', '--db', db, '--json'], io: o.io, cwd: dir }),
    );
    expect(code, o.err.join('\n')).toBe(0);
    // no preset: the run starts from the model (4 convolutions), not from cgcnn-paper (3), which its import recorded
    expect(JSON.parse(o.out[o.out.length - 1])).toMatchObject({ status: 'finished', architecture: 'cgcnn', preset: null, startedFrom: 'CGCNN band gap', freeze: 2, head: 'new', structures: 10 });
    const tuned = load(join(dir, 'ft.lwm'));
    expect(tuned.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 2, head: "re-initialised: the source's target is band_gap, this data's target" });
    expect(tuned.header.targets).toEqual([{ name: 'target', unit: '' }]);
    // the normaliser is refitted to the sample labels (1…10), not the band gap's
    expect(tuned.header.normalizer!.mean[0]).toBeGreaterThan(3);
    expect(tuned.header.atomInit).toEqual(BAND_GAP.header.atomInit);
    const before = BAND_GAP.members[0];
    const after = tuned.members[0];
    const frozen = Object.keys(before).filter((n) => /^(embedding|convs\.[01])\./.test(n));
    expect(frozen).toHaveLength(2 + 2 * 10);
    for (const n of frozen) expect(bits(after[n]), n).toEqual(bits(before[n]));
    for (const n of ['convs.2.fc_full.weight', 'convs.3.bn1.running_var', 'head.hidden.0.weight', 'head.out.bias']) expect(bits(after[n]), n).not.toEqual(bits(before[n]));
    // the run in the store says what it started from
    const store = await Database.open(db);
    try {
      const [run] = await store.read((tx) => listRuns(tx));
      expect(run.status).toBe('finished');
      expect(run.name).toBe('CGCNN band gap fine-tuned on cgcnn-sample-regression');
      expect(JSON.parse(run.tags)).toEqual(['cli', 'from:CGCNN band gap', 'freeze:2']);
      expect(JSON.parse(run.config).preset).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('keeps the head for the same target (CGCNN\'s .pth.tar, a table naming band_gap), and refuses what cannot work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-finetune-'));
    const rows = readFileSync(`${SAMPLE}/id_prop.csv`, 'utf8').trim().split('\n').map((l) => l.split(','));
    for (const [id] of rows) copyFileSync(`${SAMPLE}/${id}.cif`, join(dir, `${id}.cif`));
    writeFileSync(join(dir, 'gaps.csv'), `structure,Band-Gap\n${rows.map(([id, t]) => `${id}.cif,${Number(t) / 4}`).join('\n')}\n`);
    const o = io();
    const code = await trainCommand.run({
      argv: ['--data', 'gaps.csv', '--from', `${SHARED_DATA}/cgcnn-pretrained/band-gap.pth.tar`, '--freeze', '4', '--epochs', '1', '--batch-size', '4', '--backend', 'cpu', '--workers', '1', '--out', 'same.lwm', '--db', join(dir, 'runs.sqlite')],
      io: o.io,
      cwd: dir,
    });
    expect(code, o.err.join('\n')).toBe(0);
    expect(o.out.join('\n')).toMatch(/fine-tuning from band-gap: embedding and 4 of 4 layers frozen; head kept: the same target \(band_gap\)/);
    const same = load(join(dir, 'same.lwm'));
    expect(same.header.targets).toMatchObject([{ name: 'band_gap', unit: 'eV' }]);
    for (const n of Object.keys(BAND_GAP.members[0]).filter((k) => k.startsWith('convs.'))) expect(bits(same.members[0][n]), n).toEqual(bits(BAND_GAP.members[0][n]));

    const refusals: [string[], RegExp][] = [
      [['--from', 'band-gap.lwm', '--preset', 'cgcnn-paper'], /--from MODEL takes that model's architecture: leave out --preset/],
      [['--from', join(__dirname, '../../../../resources/models/band-gap.lwm'), '--freeze', '5'], /"CGCNN band gap" has 4 message-passing layers, so the depth is 0 to 4/],
      // a negative depth reaches the same check (not the argument parser's "ambiguous" option)
      [['--from', join(__dirname, '../../../../resources/models/band-gap.lwm'), '--freeze', '-1'], /freeze depth -1: "CGCNN band gap" has 4 message-passing layers, so the depth is 0 to 4/],
      [['--from', join(__dirname, '../../../../resources/models/band-gap.lwm'), '--head', 'maybe'], /--head expects auto, keep or new/],
      [['--preset', 'cgcnn-paper', '--head', 'new'], /--head needs --from MODEL/],
      // the run's own training section is checked like any given config (a misspelt field is named, not dropped)
      [['--from', join(__dirname, '../../../../resources/models/band-gap.lwm'), '--config', 'typo.json'], /training\.epoch: unknown field "epoch" in training \(known: .*epochs/],
    ];
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ training: { epoch: 2 } }));
    for (const [args, message] of refusals) {
      const r = io();
      expect(await trainCommand.run({ argv: ['--data', 'gaps.csv', ...args, '--backend', 'cpu', '--no-save'], io: r.io, cwd: dir }), args.join(' ')).toBe(2);
      expect(r.err.join('\n')).toMatch(message);
    }
  });

  it('a learned element embedding: the rows of elements the source never trained start from the nearest trained element, said and recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-finetune-'));
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ model: { atomFeatures: 8, filterFeatures: 8, numLayers: 1, hiddenFeatures: 8 } }));
    const base = ['--data', SAMPLE, '--epochs', '1', '--batch-size', '4', '--backend', 'cpu', '--workers', '1', '--db', join(dir, 'runs.sqlite'), '--json'];
    const s = io();
    expect(await trainCommand.run({ argv: [...base, '--preset', 'schnet', '--config', 'tiny.json', '--out', 'src.lwm'], io: s.io, cwd: dir }), s.err.join('\n')).toBe(0);
    const source = load(join(dir, 'src.lwm'));
    const trained = source.header.domain!.elements!;
    // the source as if it had been trained without its heaviest element
    const heaviest = [...trained].sort((x, y) => atomicNumber(y) - atomicNumber(x))[0];
    const partial = trained.filter((e) => e !== heaviest);
    source.header.domain = { ...source.header.domain!, elements: partial };
    writeFileSync(join(dir, 'partial.lwm'), encodeModelFile(source));
    const o = io();
    expect(await trainCommand.run({ argv: [...base, '--from', 'partial.lwm', '--freeze', '1', '--out', 'ft.lwm'], io: o.io, cwd: dir }), o.err.join('\n')).toBe(0);
    // every element of the data outside the (training-split) domain is seeded: the heaviest, and those only in validation or test
    const seeded = (JSON.parse(o.out[o.out.length - 1]) as { seededElements: Record<string, string> }).seededElements;
    expect(seeded[heaviest]).toBeDefined();
    for (const [element, from] of Object.entries(seeded)) {
      expect(partial).not.toContain(element);
      expect(partial).toContain(from);
    }
    expect(o.err.join('\n')).toMatch(new RegExp(`embedding rows of the new elements copied from the nearest trained element: .*${heaviest} ← ${seeded[heaviest]}.* \\(before freezing`));
    const tuned = load(join(dir, 'ft.lwm'));
    expect(tuned.header.provenance.details).toMatchObject({ startedFrom: source.header.name, seededElements: seeded });
    // the embedding is frozen: each new element's row is its trained element's row, the trained rows are the source's
    const row = (w: Float32Array, symbol: string) => bits(w.subarray(atomicNumber(symbol) * 8, (atomicNumber(symbol) + 1) * 8));
    const [after, before] = [tuned.members[0]['embedding.weight'], source.members[0]['embedding.weight']];
    for (const [element, from] of Object.entries(seeded)) expect(row(after, element), element).toEqual(row(before, from));
    for (const element of partial) expect(row(after, element), element).toEqual(row(before, element));
  });
});
