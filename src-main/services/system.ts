/** The `system` service: version, backend, database path, the doctor's report, ping. */
import { platform, totalmem } from 'node:os';
import type { BackendInfo, LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { commandLineDatabase } from '../app/paths';
import { assembleReport, probeDatabase, probeElectron, probeSqlite } from '../app/doctor';
import { VERSION } from '../app/version';
import { ComputePool } from '../workers/pool';

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
        commandLineDb: commandLineDatabase(core.db.path),
        dataDirectory: core.options.dataDirectory,
        platform: `${platform()} ${process.arch}`,
        nodeVersion: process.versions.node,
        memoryBytes: totalmem(),
      };
    },
    async doctor() {
      // The compute probe loads every backend in turn: a pool of its own, so no running task sees it switch.
      const probe = new ComputePool(1, core.options.workerUrl);
      try {
        const [compute, database, sqlite3] = await Promise.all([probe.run('doctor-compute', {}), probeDatabase(core.db.path), probeSqlite()]);
        return assembleReport({ ...compute, database, electron: probeElectron(), sqlite3 });
      } finally {
        await probe.dispose();
      }
    },
    ping({ message }) {
      return { message, receivedAt: Date.now() };
    },
  };
}
