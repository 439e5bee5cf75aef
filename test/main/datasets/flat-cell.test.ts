/**
 * A flat-cell file read in parts makes the file's one cell, as the structure readers do (lattice.ts
 * `fileCell`: the tallest frame's extent + 10 Å): the chunked read of labelled frames (the app's import
 * and `latticework train`'s potential, chunks of 250 frames) and the extended XYZ dataset (a property
 * model's, each frame parsed on its own) give every frame the cell `readStructuresFile` (predict, neb,
 * structure) gives it, and the stress a virial label gives on it (σ = −W / V, V the made cell's volume). The
 * slab is ASE's `fcc111('Cu', (2, 2, 3))` without vacuum (a zero third vector, pbc T T F), labelled with
 * ASE's EMT and a virial, made here by ASE 3.22 (MAKE).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDatasetAt } from '../../../src-main/datasets/in-process';
import { readStructuresFile } from '../../../src-main/files/structure-file';
import { frameOfStructure, readFrames, type Mat3 } from '../../../src-shared/chem';
import { structureFromJSON } from '../../../src-shared/chem/serialize';
import { serveTestCore } from '../../helpers/core';
import { python } from '../../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'lw-flatcell-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const served = serveTestCore();

const FRAMES = 300;
/** The tallest frame: in the second chunk of 250, the top corner atom 0.6 Å above its place. */
const TALLEST = 290;

const MAKE = `
import sys
import numpy as np
from ase.build import fcc111
from ase.calculators.emt import EMT
from ase.io import write

slab = fcc111('Cu', (2, 2, 3))
frames = []
for k in range(${FRAMES}):
    b = slab.copy()
    # every frame its own (no duplicates), and a height of its own in the first frames
    b.positions[11] += [0.001 * k, 0, 0.6 if k == ${TALLEST} else 0.05 * (k % 4)]
    b.calc = EMT()
    b.get_potential_energy()
    b.get_forces()
    b.info['virial'] = np.array([[0.1, 0.02, 0], [0.02, 0.2, 0], [0, 0, 0.05]]) * (1 + 0.001 * k)
    frames.append(b)
write(f'{sys.argv[1]}/slab-run.extxyz', frames)
write(f'{sys.argv[1]}/slab-run.traj', frames)
`;
python(['-c', MAKE, dir]);

/** The stresses the frame reader gives the frames of the whole file: −virial / V of the file's one made cell. */
function readerStresses(): number[][] {
  return readFrames('slab-run.extxyz', readFileSync(join(dir, 'slab-run.extxyz'), 'utf8')).frames.map((f) => f.stress!);
}

/** The cells the structure readers give the file's frames (what predict, neb and structure read). */
async function readerCells(file: string): Promise<Mat3[]> {
  const r = await readStructuresFile(join(dir, file), file);
  return r.structures.map((s) => s.lattice!);
}

describe("a flat-cell file read in parts makes the file's one cell, as the readers do", () => {
  it('the readers: one cell for the 300 frames, the tallest frame’s height + 10 Å', async () => {
    const cells = await readerCells('slab-run.extxyz');
    expect(cells).toHaveLength(FRAMES);
    expect(new Set(cells.map((c) => JSON.stringify(c))).size).toBe(1);
    // the trajectory's positions are the exact ones (extended XYZ's have 8 decimals)
    const traj = await readerCells('slab-run.traj');
    expect(new Set(traj.map((c) => JSON.stringify(c))).size).toBe(1);
    expect(traj[0][2][2]).toBeCloseTo(cells[0][2][2], 7);
  });

  it("train's labelled frames (a potential's data, read in chunks of 250 frames): every frame the reader's cell, and the stress of its virial", async () => {
    const cells = await readerCells('slab-run.extxyz');
    const read = await readDatasetAt(join(dir, 'slab-run.extxyz'), { kind: 'frames' });
    expect(read.items).toHaveLength(FRAMES);
    // before: the first chunk's frames had a cell 0.45 Å lower (their own tallest frame's)
    expect(read.items.map((it) => it.parsed.structure.lattice)).toEqual(cells);
    expect(read.items.map((it) => it.parsed.structure.properties.stress)).toEqual(readerStresses());
  });

  it("train's extended XYZ dataset (a property model's, each frame parsed on its own): every frame the reader's cell", async () => {
    const cells = await readerCells('slab-run.extxyz');
    const read = await readDatasetAt(join(dir, 'slab-run.extxyz'), { kind: 'extxyz', target: 'energy' });
    expect(read.items).toHaveLength(FRAMES);
    expect(read.items.map((it) => it.parsed.structure.lattice)).toEqual(cells);
    // what the reader said of each frame names the file's one cell
    const length = cells[0][2][2].toFixed(1);
    expect(read.items.map((it) => it.parsed.warnings)).toEqual(cells.map((_, k) => [`frame ${k}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a ${length} Å vector normal to the plane, not periodic`]));
  });

  it("the app's import of labelled frames (chunked) and of an extended XYZ dataset: the reader's cell, and the stress of its virial", { timeout: 60_000 }, async () => {
    const cells = await readerCells('slab-run.extxyz');
    const stored = async (id: number) => {
      const { items } = await served.api.datasets.items({ id, offset: 0, limit: 1000 });
      return Promise.all(items.map(async (i) => structureFromJSON((await served.api.structures.get({ id: i.structureId })).structure)));
    };
    const frames = await stored((await served.api.datasets.import({ kind: 'frames', path: join(dir, 'slab-run.extxyz'), name: 'slab-frames' })).id);
    expect(frames.map((s) => s.lattice)).toEqual(cells);
    // stored as JSON, which writes −0 as 0
    const unsigned = (v: number[]) => v.map((x) => x + 0);
    expect(frames.map((s) => unsigned(frameOfStructure(s).stress!))).toEqual(readerStresses().map(unsigned));
    const energies = await served.api.datasets.import({ kind: 'extxyz', path: join(dir, 'slab-run.extxyz'), name: 'slab-energies', target: 'energy' });
    expect(energies.size).toBe(FRAMES);
    expect((await stored(energies.id)).map((s) => s.lattice)).toEqual(cells);
  });
});
