/** The `datasets` service (being filled in). */
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/dispatch';

const notYet = (): never => {
  throw new UserError('not available yet');
};

export function datasetsHandlers(_core: CoreParts): LatticeworkHandlers['datasets'] {
  return new Proxy({}, { get: () => notYet }) as LatticeworkHandlers['datasets'];
}
