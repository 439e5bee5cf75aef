/**
 * A stored run's trajectory exported in parts (simulations.exportTrajectory), as the app asks for a
 * long run's: the parts, assembled as the renderer assembles them (lib/download.ts `FileParts`), are
 * the whole file byte for byte (extended XYZ, XDATCAR with its cell changing, ASE's `.traj` past its
 * offset table's growth), each part within its bound, over a real WebSocket. The whole-file export's
 * bound (64 MiB in the app: a smaller one here, so as not to write 64 MiB) and the drop of an export
 * left unasked for 5 minutes (on a fake clock), on the exports of the served core's store.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Buffer } from 'node:buffer';
import type { Mat3 } from '../../../src-shared/chem/structure';
import type { LatticeworkApi } from '../../../src-shared/ipc/contract';
import { WHOLE_TRAJECTORY_BYTES } from '../../../src-shared/ipc/services/simulations';
import { constraintsOf, labelledFrame, SIMULATION_DEFAULTS, trajectoryText, type SimulationFrame, type TrajectoryAtoms } from '../../../src-shared/sim';
import { writeAseTrajectory } from '../../../src-main/files/ase-traj';
import { appendProgress, finishSimulation, insertSimulation, readFrames } from '../../../src-main/store/simulations';
import { EXPORT_IDLE_MS, MAX_OPEN_EXPORTS, trajectoryExports } from '../../../src-main/services/trajectory-exports';
import { formatBytes } from '../../../src-main/files/path-guard';
import { FileParts } from '../../../src-renderer/lib/file-parts';
import { serveTestCore } from '../../helpers/core';

const served = serveTestCore();

/** An NPT-like run of `count` frames of Cu3Au (`cells` cells along z), atom 1 held (an XDATCAR's note), its cell changing every frame, stored as a run records it. */
async function storedRun(api: LatticeworkApi, count: number, cells = 1): Promise<{ id: number; atoms: TrajectoryAtoms; name: string }> {
  const db = served.t.core.db;
  const NUMBERS = Array.from({ length: cells }, () => [29, 29, 79, 29]).flat();
  const CART = Array.from({ length: cells }, (_, c) => [0, 0, 0, 1.8, 1.8, 0, 1.8, 0, 1.8, 0, 1.8, 1.8].map((x, k) => (k % 3 === 2 ? x + 3.6 * c : x))).flat();
  const parameters = { ...SIMULATION_DEFAULTS.md, steps: count, every: 1, fixed: [1] };
  const initial = { name: 'Cu3Au', lattice: [[3.6, 0, 0], [0, 3.6, 0], [0, 0, 3.6 * cells]] as Mat3, pbc: [true, true, true] as [boolean, boolean, boolean], numbers: NUMBERS, species: NUMBERS.map((z) => (z === 79 ? 'Au' : 'Cu')), cart: CART, frac: null, occupancy: NUMBERS.map(() => 1), siteProperties: {}, properties: {} };
  const id = await insertSimulation(db, { name: 'long md of Cu3Au', task: 'md', structureId: null, structureName: 'Cu3Au', initial, calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters });
  const frames: SimulationFrame[] = Array.from({ length: count }, (_, i) => {
    const a = 3.6 + 0.001 * i;
    return {
      index: i,
      step: i,
      time: 2 * i,
      energy: -1.5 + 1e-3 * Math.sin(i),
      values: { energy: -1.5, temperature: 300 + i / 7 },
      lattice: [[a, 0, 0], [0, a, 0], [0, 0, a * cells]],
      cart: Float64Array.from(CART, (x, k) => x + 0.01 * Math.sin(i + k)),
      forces: Float64Array.from(CART, (_, k) => 0.1 * Math.cos(i * k)),
      stress: Float64Array.from({ length: 6 }, (_, k) => 1e-3 * (k - i / 100)),
      velocities: Float64Array.from(CART, (_, k) => 1e-3 * Math.sin(i - k)),
    };
  });
  await appendProgress(db, id, { frames, steps: frames.map((f) => ({ step: f.step, values: f.values })), duration: 1 });
  await finishSimulation(db, id, { status: 'finished', message: 'done', duration: 1 });
  expect((await api.simulations.get({ id })).frames).toBe(count);
  return { id, atoms: { numbers: NUMBERS, pbc: [true, true, true], name: 'long md of Cu3Au', held: constraintsOf(parameters) }, name: 'long_md_of_Cu3Au' };
}

/** The whole file as its writers make it in memory. */
async function wholeFile(id: number, atoms: TrajectoryAtoms, format: 'extxyz' | 'xdatcar' | 'traj'): Promise<Buffer> {
  const frames = await readFrames(served.t.core.db, id);
  return format === 'traj' ? Buffer.from(writeAseTrajectory(frames.map((f) => labelledFrame(atoms, f)))) : Buffer.from(trajectoryText(format, atoms, frames));
}

describe('trajectory export in parts', () => {
  it('gives a run in parts of at most the bound asked for, which assembled are the whole file byte for byte (extxyz, XDATCAR, .traj), with its name and note', async () => {
    const { api } = served;
    const run = await storedRun(api, 120);
    for (const format of ['extxyz', 'xdatcar', 'traj'] as const) {
      const maxBytes = 4096;
      const file = new FileParts();
      const sizes: number[] = [];
      let written = 0;
      let last: Awaited<ReturnType<LatticeworkApi['simulations']['exportTrajectory']>> | null = null;
      for (let exportId: string | undefined; !last?.done; exportId = last.exportId) {
        last = await api.simulations.exportTrajectory({ id: run.id, format, maxBytes, ...(exportId ? { exportId } : {}) });
        const bytes = 'base64' in last ? Buffer.from(last.base64, 'base64') : Buffer.from(last.text);
        expect('base64' in last).toBe(format === 'traj');
        // a part holds whole frames, within the bound, or one frame alone that passes it
        if (last.written - written > 1) expect(bytes.length, `${format} part ${sizes.length}`).toBeLessThanOrEqual(maxBytes);
        expect(last.written).toBeGreaterThan(written);
        written = last.written;
        expect(last.frames).toBe(120);
        sizes.push(bytes.length);
        file.append('base64' in last ? Buffer.from(last.base64, 'base64') : last.text);
        for (const p of last.patches ?? []) file.writeAt(p.at, Buffer.from(p.base64, 'base64'));
      }
      expect(written).toBe(120);
      const whole = await wholeFile(run.id, run.atoms, format);
      // a run larger than one part: many parts
      expect(whole.length).toBeGreaterThan(5 * maxBytes);
      expect(sizes.length).toBeGreaterThan(whole.length / maxBytes);
      const assembled = Buffer.from(await file.blob('application/octet-stream').arrayBuffer());
      expect(assembled.equals(whole), `${format}: the parts assembled are the whole file`).toBe(true);
      // the same file, name and note as the whole export gives
      const one = await api.simulations.export({ id: run.id, what: 'trajectory', format });
      expect(('base64' in one ? Buffer.from(one.base64, 'base64') : Buffer.from(one.text)).equals(whole)).toBe(true);
      expect(last.fileName).toBe(one.fileName);
      expect(last.fileName).toBe(`${run.name}.${format === 'xdatcar' ? 'XDATCAR' : format}`);
      expect(last.note).toBe(one.note);
      expect(last.note).toBe(format === 'xdatcar' ? `${run.name}.XDATCAR: an XDATCAR has no place for held atoms: the atom this run held (1) is not marked in it; .extxyz and .traj keep them` : undefined);
      // an XDATCAR whose cell changes writes its header again at each frame; a .traj past its table's first growths patches parts given before
      if (format === 'xdatcar') expect(whole.toString().split('Direct configuration=').length - 1).toBe(120);
      if (format === 'traj') expect(sizes.length).toBeGreaterThan(2);
    }
  });

  it('a frame larger than the bound is a part alone; the default bound gives a small run in one part', async () => {
    const { api } = served;
    const run = await storedRun(api, 3, 4);
    const parts = [];
    for (let exportId: string | undefined; ; ) {
      const part = await api.simulations.exportTrajectory({ id: run.id, format: 'extxyz', maxBytes: 1024, ...(exportId ? { exportId } : {}) });
      parts.push(part);
      exportId = part.exportId;
      if (part.done) break;
    }
    // each frame (over 1,024 bytes of extended XYZ) alone
    expect(parts.map((p) => p.written)).toEqual([1, 2, 3]);
    expect(parts.map((p) => ('text' in p ? p.text.length > 1024 : null))).toEqual([true, true, true]);
    const one = await api.simulations.exportTrajectory({ id: run.id, format: 'traj' });
    expect(one.done).toBe(true);
    expect(Buffer.from('base64' in one ? one.base64 : '', 'base64').equals(await wholeFile(run.id, run.atoms, 'traj'))).toBe(true);
  });

  it('cancelled, an export gives no further part; its id is refused, and so are bounds outside the range and unknown ids', async () => {
    const { api } = served;
    const run = await storedRun(api, 20);
    const first = await api.simulations.exportTrajectory({ id: run.id, format: 'traj', maxBytes: 2048 });
    expect(first.done).toBe(false);
    await expect(api.simulations.exportTrajectory({ id: run.id + 1000, format: 'traj', exportId: first.exportId })).rejects.toThrow(/there is no trajectory export .* of simulation \d+ under way/);
    expect(await api.simulations.cancelExport({ exportId: first.exportId })).toEqual({ cancelled: true });
    await expect(api.simulations.exportTrajectory({ id: run.id, format: 'traj', exportId: first.exportId })).rejects.toThrow(/there is no trajectory export .* under way \(it ended, was cancelled/);
    expect(await api.simulations.cancelExport({ exportId: first.exportId })).toEqual({ cancelled: false });
    await expect(api.simulations.exportTrajectory({ id: run.id, format: 'traj', maxBytes: 100 })).rejects.toThrow(/maxBytes/);
    await expect(api.simulations.exportTrajectory({ id: run.id, format: 'traj', maxBytes: 64 * 1024 * 1024 })).rejects.toThrow(/maxBytes/);
    await expect(api.simulations.exportTrajectory({ id: run.id, format: 'traj', exportId: 'not-an-id' })).rejects.toThrow(/exportId/);
  });
});

describe('trajectory export: the whole file and an abandoned export', () => {
  afterEach(() => vi.useRealTimers());

  /** What the service starts an export of `run` as `format` from (services/simulations.ts `trajectoryExport`). */
  const startOf = (run: { id: number; atoms: TrajectoryAtoms }, format: 'extxyz' | 'xdatcar' | 'traj', frames: number) => ({ id: run.id, format, fileName: `run.${format}`, note: null, atoms: run.atoms, frames });

  it('gives a trajectory whole up to its bound, to the byte; one byte more is refused, naming the bound and the export in parts; the app bound is 64 MiB', async () => {
    const run = await storedRun(served.api, 40);
    for (const format of ['extxyz', 'traj'] as const) {
      const whole = await wholeFile(run.id, run.atoms, format);
      const exactly = await trajectoryExports(served.t.core.db, whole.length).whole(startOf(run, format, 40));
      expect('base64' in exactly ? Buffer.from(exactly.base64, 'base64') : Buffer.from(exactly.text)).toEqual(whole);
      const tight = trajectoryExports(served.t.core.db, whole.length - 1);
      await expect(tight.whole(startOf(run, format, 40))).rejects.toThrow(
        `simulation ${run.id}'s trajectory (40 frames) as ${format} is larger than ${formatBytes(whole.length - 1)}, more than one message carries: export it in parts (simulations.exportTrajectory), as the app does`,
      );
      // the refused export is not left open: all the exports there may be can start
      const parts = await Promise.all(Array.from({ length: MAX_OPEN_EXPORTS }, () => tight.start({ ...startOf(run, format, 40), maxBytes: 1024 })));
      for (const p of parts) expect(tight.cancel(p.exportId)).toBe(true);
    }
    // the app's: a trajectory larger than the bound above comes whole from the served core, whose exports take the default
    expect(WHOLE_TRAJECTORY_BYTES).toBe(64 * 1024 * 1024);
    const appWhole = await served.api.simulations.export({ id: run.id, what: 'trajectory', format: 'traj' });
    expect(Buffer.from('base64' in appWhole ? appWhole.base64 : '', 'base64')).toEqual(await wholeFile(run.id, run.atoms, 'traj'));
  });

  it('drops an export left unasked for 5 minutes, which frees its place; each part asked for starts the 5 minutes again', async () => {
    const run = await storedRun(served.api, 20);
    const exports = trajectoryExports(served.t.core.db);
    expect(EXPORT_IDLE_MS).toBe(5 * 60_000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const start = () => exports.start({ ...startOf(run, 'extxyz', 20), maxBytes: 1024 });
    const next = (exportId: string) => Promise.resolve().then(() => exports.next(exportId, run.id));
    const left = await start();
    expect(left.done).toBe(false);
    // a part asked for just before the 5 minutes: the export goes on, and has 5 minutes again from then
    vi.advanceTimersByTime(EXPORT_IDLE_MS - 1);
    const second = await next(left.exportId);
    expect(second.written).toBeGreaterThan(left.written);
    vi.advanceTimersByTime(EXPORT_IDLE_MS - 1);
    // the other places taken a moment later, by exports that are then left too
    const others = await Promise.all(Array.from({ length: MAX_OPEN_EXPORTS - 1 }, start));
    expect(() => start()).toThrow(`${MAX_OPEN_EXPORTS} trajectory exports are under way: let one finish, or cancel one, first`);
    vi.advanceTimersByTime(1);
    // 5 minutes unasked: the first is gone, its place free; the others, left a moment later, still go on
    await expect(next(left.exportId)).rejects.toThrow(`there is no trajectory export ${left.exportId} of simulation ${run.id} under way (it ended, was cancelled, or was left unasked for 5 minutes): export again`);
    expect(exports.cancel(left.exportId)).toBe(false);
    const again = await start();
    expect((await next(others[0].exportId)).written).toBeGreaterThan(others[0].written);
    vi.advanceTimersByTime(EXPORT_IDLE_MS);
    for (const e of [again, ...others]) expect(exports.cancel(e.exportId), `export ${e.exportId} dropped`).toBe(false);
  });
});
