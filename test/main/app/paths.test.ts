/**
 * Where Latticework keeps its data, and where the tests keep theirs: the platform's data directory
 * (or LATTICEWORK_DATA_DIR), the database by --db, then LATTICEWORK_DB, then the data directory's file.
 * Under the test runner the data directory is a scratch folder (test/helpers/scratch-dir.ts), so a
 * command a test runs without --db never writes to the user's own database.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformDataDirectory, resolveDatabasePath } from '../../../src-main/app/paths';

describe('data directory and database path', () => {
  it('follow the platform, or LATTICEWORK_DATA_DIR; the database --db, then LATTICEWORK_DB', () => {
    expect(platformDataDirectory({ XDG_DATA_HOME: '/x/share' }, 'linux')).toBe('/x/share/latticework');
    expect(platformDataDirectory({ LATTICEWORK_DATA_DIR: '/d', XDG_DATA_HOME: '/x/share' }, 'linux')).toBe('/d');
    expect(platformDataDirectory({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32')).toBe(join('C:\\Users\\me\\AppData\\Roaming', 'Latticework'));
    expect(resolveDatabasePath('/d', 'my.sqlite', { LATTICEWORK_DB: '/e.sqlite' })).toBe(resolve('my.sqlite'));
    expect(resolveDatabasePath('/d', undefined, { LATTICEWORK_DB: '/e.sqlite' })).toBe('/e.sqlite');
    expect(resolveDatabasePath('/d', undefined, {})).toBe(join('/d', 'latticework.sqlite'));
  });

  it('under the test runner, are a scratch folder: no test writes to the user’s data', () => {
    expect(platformDataDirectory().startsWith(tmpdir())).toBe(true);
    expect(resolveDatabasePath(platformDataDirectory(), undefined).startsWith(tmpdir())).toBe(true);
  });
});
