/**
 * The browser-mode host stopped as its user stops it (Ctrl-C, SIGTERM; the real `latticework serve`
 * process): the work in progress is left interrupted with what it wrote, resumable, a line each on
 * stderr says what was kept, and the clients see the host go away (close code 1001), not a
 * dropped connection (1006), which the page takes as any drop: it says so and tries again.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawRows } from '../../helpers/raw-rows';
import { contract } from '../../../src-shared/ipc/contract';
import type { JobProgress } from '../../../src-shared/ipc/contract';
import { createClient } from '../../../src-shared/ipc/define';
import { createSocketTransport } from '../../../src-shared/ipc/socket-transport';
import type { SocketLike } from '../../../src-shared/ipc/socket-transport';
import { SIMULATION_DEFAULTS } from '../../../src-shared/sim';
import { SHARED_DATA } from '../../helpers/shared-data';
import { copperPoscar } from '../services/simulation-fixtures';
import { startHostProcess, within } from './host-process';

describe('a host stopped by SIGTERM', () => {
  it('interrupts its simulation and import, keeping what they wrote, says what each kept, and closes its clients with 1001', { timeout: 300_000 }, async () => {
    const host = await startHostProcess();
    try {
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/ws`);
      const closeCode = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      const transport = createSocketTransport(socket as unknown as SocketLike, host.token);
      await transport.ready;
      const api = createClient(contract, transport);
      const wrote = () => `the host wrote: ${host.stderr().slice(-2000)}`;

      const { imported } = await api.structures.import({ files: [{ name: 'Cu.vasp', text: copperPoscar(3) }] });
      const framesWritten = new Promise<void>((resolve) => api.simulations.onFrames((e) => e.frames > 0 && resolve()));
      const sim = await api.simulations.start({ structureId: imported[0].id, calculator: { kind: 'emt' }, parameters: { ...SIMULATION_DEFAULTS.md, steps: 1_000_000, every: 5 } });
      // the import of 2,000 CIFs, stopped once its first 500 structures are stored
      const storing = new Promise<void>((resolve) =>
        api.jobs.onProgress((p: JobProgress) => p.kind === 'import-dataset' && /^storing/.test(p.message) && p.done >= 500 && resolve()),
      );
      const importing = api.datasets.import({ kind: 'cgcnn-folder', path: `${SHARED_DATA}/emt-dev/cgcnn`, name: 'emt' }).then(
        () => 'finished',
        (e: Error) => e.message,
      );
      await within(Promise.all([framesWritten, storing]), 240_000, () => `the simulation's frames and the import's storing did not both come; ${wrote()}`);

      const exited = new Promise<number | null>((resolve) => host.process.once('exit', (code) => resolve(code)));
      host.process.kill('SIGTERM');
      expect(await within(exited, 30_000, wrote)).toBe(0);
      expect(await within(closeCode, 5_000, wrote)).toBe(1001);
      // the import's call ended with the reason before the socket closed
      expect(await importing).toMatch(/kept as interrupted/);

      const lines = host.stderr().trim().split('\n');
      expect(lines[0]).toBe('latticework serve: stopping (SIGTERM again quits at once)');
      expect(lines.at(-1)).toBe('latticework serve: stopped');
      const simLine = lines.find((l) => l.includes(`simulation ${sim.id} `));
      expect(simLine, wrote()).toMatch(new RegExp(`^latticework serve: simulation ${sim.id} interrupted at step [\\d,]+, [\\d,]+ frames kept$`));
      const importLine = lines.find((l) => l.includes("import 'emt'"));
      expect(importLine, wrote()).toMatch(/^latticework serve: import 'emt' interrupted after [\d,]+ of 2,000 structures \(resume it in Datasets\)$/);

      // what the lines say is what the file holds: nothing running, nothing owned by the host that has gone
      const [s] = await rawRows<{ status: string; owner_id: number | null; steps_done: number; frames: number; stored: number }>(
        host.databasePath,
        `SELECT status, owner_id, steps_done, frames, (SELECT COUNT(*) FROM simulation_frame WHERE simulation_id = ${sim.id}) AS stored FROM simulation WHERE id = ${sim.id}`,
      );
      expect(s).toMatchObject({ status: 'interrupted', owner_id: null });
      const number = (text: string) => Number(text.replace(/,/g, ''));
      const [, step, frames] = /at step ([\d,]+), ([\d,]+) frames/.exec(simLine!)!;
      expect([s.steps_done, s.frames, s.stored]).toEqual([number(step), number(frames), number(frames)]);
      const [d] = await rawRows<{ status: string; owner_id: number | null; partial: number }>(
        host.databasePath,
        "SELECT status, owner_id, (SELECT COUNT(*) FROM structure WHERE import_dataset_id = dataset.id) AS partial FROM dataset WHERE name = 'emt'",
      );
      expect(d).toMatchObject({ status: 'interrupted', owner_id: null });
      expect(d.partial).toBe(number(/after ([\d,]+) of/.exec(importLine!)![1]));
      expect(d.partial).toBeGreaterThanOrEqual(500);
    } finally {
      await host.stop();
    }
  });

  it('hears a SIGTERM sent the moment it prints its address (a script, a supervisor): it stops as asked, not ended unheard', { timeout: 300_000 }, async () => {
    // the signal's listener came a moment after the address; a SIGTERM in that moment ended the host by
    // the signal's default (4 of 10 starts here), nothing interrupted or said
    for (let start = 0; start < 5; start++) {
      const host = await startHostProcess();
      try {
        const exited = new Promise<number | string | null>((resolve) => host.process.once('exit', (code, signal) => resolve(code ?? signal)));
        host.process.kill('SIGTERM');
        expect(await within(exited, 30_000, () => 'the host did not stop'), `start ${start + 1}`).toBe(0);
        expect(host.stderr()).toContain('latticework serve: stopped');
      } finally {
        await host.stop();
      }
    }
  });

  it('stops when its stderr has no reader any more (the terminal closed): the line it writes there fails, and it still stops', { timeout: 300_000 }, async () => {
    const host = await startHostProcess();
    try {
      host.process.stderr.destroy();
      const exited = new Promise<number | string | null>((resolve) => host.process.once('exit', (code, signal) => resolve(code ?? signal)));
      host.process.kill('SIGTERM');
      // it went on writing that its write had failed, to the same closed stderr, and never stopped
      expect(await within(exited, 30_000, () => 'the host did not stop')).toBe(0);
    } finally {
      await host.stop();
    }
  });
});
