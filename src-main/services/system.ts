/** The `system` service: version, backend, database path, ping. */
import { platform } from 'node:os';
import type { BackendInfo, LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { VERSION } from '../app/version';

export function systemHandlers(core: CoreParts): LatticeworkHandlers['system'] {
  let backend: Promise<BackendInfo> | null = null;
  return {
    async info() {
      backend ??= core.pool.run('backend-info', {});
      return {
        name: 'Latticework',
        version: VERSION,
        mode: core.options.mode,
        backend: await backend,
        databasePath: core.db.path,
        dataDirectory: core.options.dataDirectory,
        platform: `${platform()} ${process.arch}`,
        nodeVersion: process.versions.node,
      };
    },
    ping({ message }) {
      return { message, receivedAt: Date.now() };
    },
  };
}
