/**
 * Trajectories: a dropped multi-frame file (here a gzipped vasprun.xml, an XDATCAR and an ASE
 * trajectory) is stored as its frames plus one trajectory item, whose per-frame energies and largest
 * forces feed the chart.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serveTestCore } from '../../helpers/core';
import { aseMdTrajectory } from '../../helpers/ase-md';

const VASP = fileURLToPath(new URL('../../fixtures/vasp/', import.meta.url));
const served = serveTestCore();
const golden = JSON.parse(readFileSync(join(VASP, 'golden.json'), 'utf8')) as { files: { file: string; frames: number; energy: number[] }[] };

describe('trajectories', () => {
  it('imports a gzipped vasprun.xml and an XDATCAR as one item each, with per-frame energies and forces', async () => {
    const xml = 'materialsproject+custodian/postprocess/vasprun.xml.xz';
    const r = await served.api.structures.import({
      files: [
        { name: 'relax/vasprun.xml.xz', base64: readFileSync(join(VASP, xml)).toString('base64') },
        { name: 'md/XDATCAR', text: readFileSync(join(VASP, 'phonopy+phonopy/spectrum/XDATCAR'), 'utf8') },
        { name: 'one.cif', text: readFileSync(join(VASP, '../structures/multi_block.cif'), 'utf8') },
      ],
    });
    expect(r.failed).toEqual([]);
    expect(r.trajectories.map((t) => [t.name, t.format, t.frames])).toEqual([
      ['vasprun.xml.xz', 'vasprun', 28],
      ['XDATCAR', 'xdatcar', 11],
    ]);
    const list = await served.api.structures.trajectories({});
    expect(list.map((t) => t.file)).toEqual(['relax/vasprun.xml.xz', 'md/XDATCAR']);
    expect(list[0].labels).toEqual({ energy: 28, forces: 28, stress: 28 });
    expect(list[1].labels).toEqual({ energy: 0, forces: 0, stress: 0 });
    const d = await served.api.structures.trajectory({ id: list[0].id });
    const g = golden.files.find((x) => x.file === xml)!;
    d.frameSummaries.forEach((f, i) => expect(Math.abs(f.energy! - g.energy[i])).toBeLessThan(1e-6));
    expect(d.frameSummaries.every((f) => f.maxForce !== null && f.maxForce >= 0)).toBe(true);
    // the last frame's structure is a stored structure with its labels
    const last = await served.api.structures.get({ id: d.frameSummaries[27].structureId });
    expect(last.format).toBe('vasprun');
    expect(last.structure.properties.energy).toBe(d.frameSummaries[27].energy);
    // deleting the trajectory removes its frames (no dataset uses them); the CIF blocks stay
    expect((await served.api.structures.deleteTrajectory({ id: list[0].id })).deleted).toBe(true);
    const left = await served.api.structures.list({});
    expect(left.some((s) => s.id === d.frameSummaries[0].structureId)).toBe(false);
    expect(left.filter((s) => s.file === 'one.cif')).toHaveLength(3);
    await expect(served.api.structures.trajectory({ id: list[0].id })).rejects.toThrow(/no trajectory with id/);
  });

  it("imports an ASE trajectory (an MD run's .traj) as one item, with ASE's energies and the velocities of its frames", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-traj-'));
    const energies = aseMdTrajectory(dir, { temperature: 600, seed: 1, steps: 20, every: 4 }).potential;
    const r = await served.api.structures.import({ files: [{ name: 'md.traj', base64: readFileSync(join(dir, 'md.traj')).toString('base64') }] });
    expect(r.failed).toEqual([]);
    expect(r.trajectories.map((t) => [t.name, t.format, t.frames])).toEqual([['md.traj', 'ase-traj', 6]]);
    const t = (await served.api.structures.trajectories({})).find((x) => x.file === 'md.traj')!;
    expect(t.labels).toEqual({ energy: 6, forces: 6, stress: 0 });
    const d = await served.api.structures.trajectory({ id: t.id });
    expect(d.frameSummaries.map((f) => f.energy)).toEqual(energies);
    const last = await served.api.structures.get({ id: d.frameSummaries[5].structureId });
    expect(last.structure.siteProperties.momenta).toBeDefined();
  });
});
