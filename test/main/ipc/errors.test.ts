/**
 * Errors on the wire: a module of the running build that is gone (the app rebuilt under it) is said
 * as that, with what to do; any other error keeps its name and message.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toWireError, UserError } from '../../../src-main/ipc/errors';

const build = dirname(fileURLToPath(new URL('../../../src-main/ipc/errors.ts', import.meta.url)));
const notFound = (path: string) => Object.assign(new Error(`Cannot find module '${path}' imported from ${join(build, 'train-hGnlSYrC.js')}`), { code: 'ERR_MODULE_NOT_FOUND' });

describe('errors on the wire', () => {
  it('says the app was rebuilt under it when a module of its own build is gone', () => {
    expect(toWireError(notFound(join(build, 'train-potential-C7De65nX.js')))).toEqual({
      name: 'RebuiltError',
      message: 'Latticework was rebuilt while it was running (the part it loads for this, train-potential-C7De65nX.js, is gone): restart it to finish',
    });
  });

  it('keeps any other error as it is, a missing module elsewhere too', () => {
    expect(toWireError(notFound('/opt/elsewhere/x.js'))).toMatchObject({ name: 'Error', message: expect.stringMatching(/^Cannot find module '\/opt\/elsewhere\/x\.js'/) });
    expect(toWireError(new UserError('folder x is not empty', { folder: 'x' }))).toEqual({ name: 'UserError', message: 'folder x is not empty', details: { folder: 'x' } });
    expect(toWireError('plain')).toEqual({ name: 'Error', message: 'plain' });
  });
});
