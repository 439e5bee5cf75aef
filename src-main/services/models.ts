/** The `models` service (being filled in). */
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/dispatch';

const notYet = (): never => {
  throw new UserError('not available yet');
};

export function modelsHandlers(_core: CoreParts): LatticeworkHandlers['models'] {
  return new Proxy({}, { get: () => notYet }) as LatticeworkHandlers['models'];
}
