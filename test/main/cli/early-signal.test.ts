/**
 * A stop signal that comes while a command starts (its module, tfjs and its model loading, before its own stop
 * listener: the first seconds of predict and train) ended the process by Node's default action, exit 130 and no
 * output, not even the JSON --json promises. Heard from the command's start (cli/signals.ts
 * `heedStopSignalsFromStart`), it now stops the command at its first step, which says what it kept.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/index';
import { asOnlyCommand, deliverSignal } from '../../helpers/signals';
import { SHARED_DATA } from '../../helpers/shared-data';
import { io } from './commands/helpers';
import { copperPoscar } from '../services/simulation-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'lw-early-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SAMPLES = `${SHARED_DATA}/cgcnn-sample-regression`;

/** `latticework ARGS` with `signal` delivered as it starts (before its module has loaded): whether it was heard, and what the command did. */
async function signalledAtStart(signal: 'SIGINT' | 'SIGTERM', ...argv: string[]) {
  return asOnlyCommand(async () => {
    const o = io();
    const running = main(argv, o.io, dir);
    const ended = deliverSignal(signal);
    const code = await running;
    const listening = process.listenerCount(signal);
    return { ended, code, out: o.out.join('\n'), err: o.err.join('\n'), listening };
  });
}

describe('a stop signal while a command starts', { timeout: 120_000 }, () => {
  it('predict --json: heard, the screening stops at its start, its JSON printed ([]) and the line on stderr, exit 130', async () => {
    const r = await signalledAtStart('SIGINT', 'predict', '--model', join(SHARED_DATA, 'cgcnn-pretrained', 'band-gap.pth.tar'), SAMPLES, '--json', '--db', join(dir, 'a.sqlite'));
    expect(r.ended).toBe(false);
    expect([r.code, r.err]).toEqual([130, expect.stringMatching(/^latticework predict: interrupted after 0 of 10 files \(0 structures\); the rows printed are complete$/m)]);
    expect(JSON.parse(r.out)).toEqual([]);
    // nothing left listening once the command has returned
    expect(r.listening).toBe(0);
  });

  it('train --json by SIGTERM: heard, the run stops before its first epoch, cancelled, its summary printed and no model kept, exit 143', async () => {
    const out = join(dir, 'm.lwm');
    const r = await signalledAtStart('SIGTERM', 'train', '--data', SAMPLES, '--preset', 'gcn', '--epochs', '3', '--backend', 'cpu', '--out', out, '--json', '--db', join(dir, 'b.sqlite'));
    expect(r.ended).toBe(false);
    expect(r.code, r.err).toBe(143);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'cancelled', epochs: 0, model: null });
    expect(existsSync(out)).toBe(false);
    expect(r.listening).toBe(0);
  });

  it('import-model --out --json by SIGTERM: heard, stopped before it writes the model file; the error document names the signal, exit 143', async () => {
    const out = join(dir, 'band-gap.lwm');
    const r = await signalledAtStart('SIGTERM', 'import-model', join(SHARED_DATA, 'cgcnn-pretrained', 'band-gap.pth.tar'), '--out', out, '--json');
    expect(r.ended).toBe(false);
    expect([r.code, r.err]).toEqual([143, `latticework import-model: stopped by SIGTERM before it wrote ${out}; nothing written`]);
    expect(JSON.parse(r.out)).toEqual({ error: { message: `stopped by SIGTERM before it wrote ${out}; nothing written`, status: 143, stoppedBy: 'SIGTERM' } });
    expect(existsSync(out)).toBe(false);
    expect(r.listening).toBe(0);
  });

  it('a command that fails at its first step ends with its failure, not with the stop that came before it listened', async () => {
    writeFileSync(join(dir, 'Fe.vasp'), copperPoscar(1, 0, 'Fe'));
    const r = await signalledAtStart('SIGTERM', 'md', 'Fe.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '100', '--json');
    expect(r.ended).toBe(false);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/^latticework md: Fe\.vasp: EMT has no parameters for Fe/)]);
    expect(r.err).not.toMatch(/stopping/);
    expect(JSON.parse(r.out).error.message).toMatch(/^Fe\.vasp: EMT has no parameters for Fe/);
  });
});
