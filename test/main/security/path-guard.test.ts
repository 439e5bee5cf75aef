/**
 * The path guard: only regular files and folders, outside /proc, /sys and /dev, within the size
 * cap of their kind; errors that name the path and never its contents.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILE_SIZE_LIMITS, FileAccessError, checkUserFolder, listUserFolder, readUserFile, readUserText } from '../../../src-main/files/path-guard';

const dir = mkdtempSync(join(tmpdir(), 'latticework-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fifo(name: string): string {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

async function refusal(p: Promise<unknown>): Promise<FileAccessError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileAccessError);
  return err as FileAccessError;
}

describe('path guard', () => {
  it('reads a regular file, and a symbolic link to one', async () => {
    const p = join(dir, 'a.cif');
    writeFileSync(p, 'data_a\n');
    symlinkSync(p, join(dir, 'link.cif'));
    expect(await readUserText(p, 'structure')).toBe('data_a\n');
    expect(await readUserText(join(dir, 'link.cif'), 'structure')).toBe('data_a\n');
  });

  it('refuses a FIFO without opening it (no freeze)', async () => {
    const err = await refusal(readUserFile(fifo('pipe.pth.tar'), 'model'));
    expect(err.message).toMatch(/FIFO/);
  });

  it('refuses devices, /proc and /sys, also through a symbolic link', async () => {
    expect((await refusal(readUserFile('/dev/zero', 'model'))).message).toMatch(/system folder|device/);
    expect((await refusal(readUserFile('/proc/self/environ', 'table'))).message).toMatch(/\/proc/);
    expect((await refusal(readUserFile('/proc/self/status', 'table'))).message).not.toMatch(/State|Pid/);
    symlinkSync('/proc/self/status', join(dir, 'status.csv'));
    expect((await refusal(readUserFile(join(dir, 'status.csv'), 'table'))).message).toMatch(/\/proc/);
    expect((await refusal(checkUserFolder('/sys/kernel'))).message).toMatch(/\/sys/);
  });

  it('refuses a file over the cap of its kind, saying the size and the limit', async () => {
    const p = join(dir, 'huge.lwm');
    writeFileSync(p, '');
    truncateSync(p, FILE_SIZE_LIMITS.model + 1); // sparse: nothing is written
    const err = await refusal(readUserFile(p, 'model'));
    expect(err.message).toMatch(/more than the limit of 512 MiB for model files/);
  });

  it('refuses folders, missing files and binary text with a reason and no contents', async () => {
    expect((await refusal(readUserFile(dir, 'structure'))).message).toMatch(/folder/);
    expect((await refusal(readUserFile(join(dir, 'nope.cif'), 'structure'))).message).toMatch(/does not exist/);
    const bin = join(dir, 'secret.csv');
    writeFileSync(bin, Buffer.from('TOPSECRET\0\x01\x02'));
    const err = await refusal(readUserText(bin, 'table'));
    expect(err.message).toMatch(/binary/);
    expect(JSON.stringify(err)).not.toContain('TOPSECRET');
  });

  it('lists only the regular files of a folder, and names the entries that are no files (a FIFO, a link to a device)', async () => {
    const sub = join(dir, 'listing');
    mkdirSync(join(sub, 'inner'), { recursive: true });
    writeFileSync(join(sub, 'x.cif'), '');
    execFileSync('mkfifo', [join(sub, 'y.cif')]);
    symlinkSync('/dev/null', join(sub, 'z.cif'));
    expect(await listUserFolder(sub)).toEqual({
      names: ['x.cif'],
      notFiles: [
        { name: 'y.cif', what: 'a FIFO (named pipe)' },
        { name: 'z.cif', what: 'a link to /dev/null, a character device' },
      ],
    });
  });
});
