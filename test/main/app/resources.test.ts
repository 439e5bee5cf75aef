/** One resource locator: LATTICEWORK_RESOURCES moves the examples and the built-in models alike. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../../src-main/app/core';
import { resourcePath, resourcesDirectory } from '../../../src-main/app/resources';

const dirs: string[] = [];
const saved = process.env.LATTICEWORK_RESOURCES;
afterEach(() => {
  if (saved === undefined) delete process.env.LATTICEWORK_RESOURCES;
  else process.env.LATTICEWORK_RESOURCES = saved;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('resources', () => {
  it('are the checkout\'s resources/ folder by default', () => {
    delete process.env.LATTICEWORK_RESOURCES;
    expect(resourcePath('models', 'band-gap.lwm')).toMatch(/resources[/\\]models[/\\]band-gap\.lwm$/);
  });

  it('LATTICEWORK_RESOURCES moves the examples and the built-in models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-resources-'));
    dirs.push(dir);
    const res = join(dir, 'packaged');
    mkdirSync(join(res, 'examples'), { recursive: true });
    mkdirSync(join(res, 'models'));
    writeFileSync(join(res, 'examples', 'only.xyz'), '1\nHe\nHe 0 0 0\n');
    copyFileSync(resourcePath('models', 'efermi.lwm'), join(res, 'models', 'efermi.lwm'));
    process.env.LATTICEWORK_RESOURCES = res;
    expect(resourcesDirectory()).toBe(res);
    const core = await createCore({ mode: 'browser', dataDirectory: dir, databasePath: join(dir, 'db.sqlite'), workers: 1 });
    try {
      const call = async (service: string, method: string) => {
        const r = await core.dispatcher.dispatch(service, method, {}, { clientId: 'test' });
        if (!r.ok) throw new Error(r.error.message);
        return r.value;
      };
      expect(((await call('structures', 'examples')) as { files: { name: string }[] }).files.map((f) => f.name)).toEqual(['only.xyz']);
      const builtin = ((await call('models', 'list')) as { origin: string; name: string }[]).filter((m) => m.origin === 'builtin');
      expect(builtin.map((m) => m.name)).toEqual(['CGCNN Fermi energy']);
    } finally {
      await core.dispose();
    }
  });

  it('a LATTICEWORK_RESOURCES that does not exist is an error naming it', () => {
    process.env.LATTICEWORK_RESOURCES = '/no/such/resources';
    expect(() => resourcesDirectory()).toThrow(/LATTICEWORK_RESOURCES names \/no\/such\/resources, which does not exist/);
  });
});
