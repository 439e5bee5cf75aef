/** The `runs` service (being filled in). */
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/dispatch';

const notYet = (): never => {
  throw new UserError('not available yet');
};

export function runsHandlers(_core: CoreParts): LatticeworkHandlers['runs'] {
  return new Proxy({}, { get: () => notYet }) as LatticeworkHandlers['runs'];
}
