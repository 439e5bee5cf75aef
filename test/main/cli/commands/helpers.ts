/** Shared by the command tests: the first frames of the EMT data as a file, captured output. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../../src-main/cli/index';
import { emtFramesText } from '../../../helpers/shared-data';

/** The first n frames of the EMT extended XYZ file, written to dir/name. */
export function emtFrames(dir: string, n: number, name = 'emt.extxyz'): string {
  const file = join(dir, name);
  writeFileSync(file, emtFramesText(n));
  return file;
}

/** A command's io that records what it prints. */
export function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

/** `latticework ARGS` run in-process in `dir` (main, as the binary runs it): its status and what it printed, joined. */
export function cliIn(dir: string): (...argv: string[]) => Promise<{ code: number; out: string; err: string }> {
  return async (...argv) => {
    const o = io();
    const code = await main(argv, o.io, dir);
    return { code, out: o.out.join('\n'), err: o.err.join('\n') };
  };
}

/** What `latticework export` said on stderr but its progress (`reading the data`, …: its steps, where a stop signal is heard), a line each. */
export function exportNotes(err: string | string[]): string[] {
  const progress = /^latticework export: (reading the data|building the graphs of \d+ structures|writing \d+ frames and their neighbour lists|writing the folder)$/;
  return (typeof err === 'string' ? err.split('\n') : err).filter((l) => l !== '' && !progress.test(l));
}
