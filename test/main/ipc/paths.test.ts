/**
 * One rule for every path argument of the contract (src-shared/ipc/paths.ts): an absolute path on
 * the core's machine. Until session 45 `datasets.import` and `models.import` read a relative path
 * from the folder the core was started in (`../../etc` was /etc), while `scaleOut.importRun` and
 * `exportRun` refused one.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { contract } from '../../../src-shared/ipc/contract';
import { hostPath } from '../../../src-shared/ipc/paths';
import { serveTestCore } from '../../helpers/core';

interface Def {
  type: string;
  [key: string]: unknown;
}
const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;

/** Every object field named like a path (`path`, `folder`) in a method's argument, and whether it is hostPath. */
function pathFields(schema: unknown, where: string, out: Record<string, boolean>): void {
  const d = defOf(schema);
  if (d.type === 'object') {
    for (const [k, v] of Object.entries(d.shape as Record<string, unknown>)) {
      let field = v;
      while (defOf(field).type === 'optional') field = defOf(field).innerType;
      if (/^(path|folder)$/i.test(k) && defOf(field).type === 'string') out[`${where}.${k}`] = field === hostPath;
      pathFields(field, `${where}.${k}`, out);
    }
  } else if (d.type === 'optional' || d.type === 'nullable') pathFields(d.innerType, where, out);
  else if (d.type === 'array') pathFields(d.element, `${where}[]`, out);
  else if (d.type === 'union') (d.options as unknown[]).forEach((o) => pathFields(o, where, out));
}

const served = serveTestCore();
const RELATIVE = ['relative.csv', '../../etc', '~/data', './model.pth.tar'];
/** Absolute on Windows only; these tests run on Linux. */
const WINDOWS = ['C:\\x\\y.cif', '\\x\\y.cif'];

describe('path arguments of the contract', () => {
  it('are all the one hostPath schema', () => {
    const fields: Record<string, boolean> = {};
    for (const [service, spec] of Object.entries(contract)) {
      for (const [name, m] of Object.entries(spec.methods)) pathFields((m as { input: z.ZodType }).input, `${service}.${name}`, fields);
    }
    expect(fields).toEqual({ 'datasets.import.path': true, 'models.import.path': true, 'scaleOut.exportRun.folder': true, 'scaleOut.importRun.path': true });
  });

  it('take an absolute path of either system and refuse a relative one, naming it', () => {
    for (const p of ['/data/set', 'C:\\data\\set', 'D:/data', '\\\\server\\share\\set']) expect(hostPath.safeParse(p).success, p).toBe(true);
    for (const p of RELATIVE) {
      const r = hostPath.safeParse(p);
      expect(r.success, p).toBe(false);
      expect(r.error?.issues[0].message).toBe(`${p} is not an absolute path: give the whole path on the machine the app runs on (/home/me/data, C:\\data); a relative path or ~ would depend on the folder the app was started in`);
    }
  });

  it('are refused relative by every method alike, before anything is read (datasets.import read ../../etc as /etc)', () => refusedByEveryMethod(RELATIVE));

  it("are held to the core's own system's rule: on Linux a Windows form (C:\\x\\y.cif, \\x\\y.cif) is a relative file name, refused alike, naming it", async () => {
    // the contract takes both systems' forms (it cannot tell which the core runs on)
    for (const p of WINDOWS) expect(hostPath.safeParse(p).success, p).toBe(true);
    // the core can (src-main/ipc/host-paths.ts): until session 46 these were read from the folder it started in
    await refusedByEveryMethod(WINDOWS);
  });
});

/** Calls every method that takes a path with each of `paths`: each is refused before anything is read, in the contract's words, naming it. */
async function refusedByEveryMethod(paths: readonly string[]): Promise<void> {
  const { api } = served;
  for (const p of paths) {
    const calls = [
      api.datasets.import({ kind: 'csv', path: p }),
      api.datasets.import({ kind: 'cgcnn-folder', path: p }),
      api.models.import({ path: p }),
      api.scaleOut.importRun({ path: p }),
      api.scaleOut.exportRun({ runId: 1, folder: p }),
    ];
    const names = ['datasets.import: path', 'datasets.import: path', 'models.import: path', 'scaleOut.importRun: path', 'scaleOut.exportRun: folder'];
    for (const [i, call] of calls.entries()) {
      await expect(call, `${names[i]} ${p}`).rejects.toMatchObject({ name: 'ValidationError', message: `invalid argument to ${names[i]}: ${p} is not an absolute path: give the whole path on the machine the app runs on (/home/me/data, C:\\data); a relative path or ~ would depend on the folder the app was started in` });
    }
  }
}
