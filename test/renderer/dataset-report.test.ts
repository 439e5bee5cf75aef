/** The import report of a labelled-frames dataset: a frame the reader left out of its file is counted in the "left out" tile and in the frames line, not only among the notes. */
import { createSSRApp, defineComponent } from 'vue';
import { renderToString } from '@vue/server-renderer';
import { describe, expect, it, vi } from 'vitest';
import DatasetReport from '../../src-renderer/components/dataset/DatasetReport.vue';
import type { DatasetRecord, FramesImportReport } from '../../src-shared/ipc/contract';

// the charts draw on a canvas, which server rendering has not
vi.mock('../../src-renderer/components/chart/EChart.vue', () => ({ default: defineComponent({ render: () => null }) }));

const leftOut =
  "step 3 of OUTCAR_star1 (frame 2, counting from 0) left out: line 5079: the force column of atom 2 (the 3rd) overflowed (VASP printed **** for a force too wide for its field: '…'), so its forces cannot be read";

const frames: FramesImportReport = {
  files: 1,
  read: 27,
  selection: { mode: 'all' },
  selected: 27,
  duplicates: 0,
  withoutEnergy: 0,
  labelsNotNumbers: 0,
  leftOutByReader: 1,
  labels: { energy: 27, freeEnergy: 27, forces: 27, stress: 27 },
  units: { energy: 'eV', forces: 'eV/Å', stress: 'eV/Å³' },
  notes: [],
  findings: [],
  warnings: [],
};

const dataset = (f: FramesImportReport, unlabelled: string[]): DatasetRecord => ({
  id: 1,
  name: 'star1',
  kind: 'frames',
  status: 'ready',
  partialStructures: 0,
  resumable: true,
  source: '/tmp/OUTCAR_star1',
  size: 27,
  targetKey: 'energy',
  targetUnit: 'eV',
  createdAt: 0,
  report: {
    parsed: 27,
    failed: [],
    partialOccupancies: [],
    missingElements: [],
    duplicates: [],
    target: { key: 'energy', count: 27, mean: -22, std: 0.3, min: -22.9, max: -21.8 },
    targetHistogram: { edges: [-23, -22], counts: [27] },
    unlabelled,
    perAtomKeys: [],
    frames: f,
  },
});

const text = (html: string) => html.replace(/<!--.*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('DatasetReport', () => {
  it('counts a frame the reader left out in the left-out tile and the frames line, and lists it under Left out', async () => {
    const html = text(await renderToString(createSSRApp(DatasetReport, { dataset: dataset(frames, [leftOut]), spaceGroups: null })));
    expect(html).toContain(' 1 left out ');
    expect(html).toContain('27 frames read from 1 file, and 1 left out by the reader (see Left out);');
    expect(html).toContain('Left out (1): no label, no file, a repeated row, or a frame the reader could not read');
    expect(html).toContain(leftOut.replace(/'/g, '&#39;'));
  });

  it('counts the frames a file left out in the left-out tile and heading, not the lines naming them (said 1 for "FILE (8 frames without an energy)")', async () => {
    const line = 'missing_energy.extxyz (8 frames without an energy)';
    const d = dataset({ ...frames, leftOutByReader: 0, withoutEnergy: 8 }, [line]);
    const html = text(await renderToString(createSSRApp(DatasetReport, { dataset: { ...d, report: { ...d.report, unlabelledCount: 8 } }, spaceGroups: null })));
    expect(html).toContain(' 8 left out ');
    expect(html).toContain('Left out (8): no label');
    expect(html).toContain(line);
  });

  it('says how many frames were left out for two atoms at the same position', async () => {
    const same = 'frame 3 of OUTCAR_star1: atoms 0 and 1 are at the same position';
    const html = text(await renderToString(createSSRApp(DatasetReport, { dataset: dataset({ ...frames, leftOutByReader: 0, atomsAtSamePosition: 1 }, [same]), spaceGroups: null })));
    expect(html).toContain('0 without an energy left out, and 1 with two atoms at the same position.');
    expect(html).toContain(same);
  });

  it('says nothing of the reader when it left nothing out (and in reports stored before it was counted)', async () => {
    const { leftOutByReader: _, ...old } = frames;
    for (const f of [{ ...frames, leftOutByReader: 0 }, old]) {
      const html = text(await renderToString(createSSRApp(DatasetReport, { dataset: dataset(f, []), spaceGroups: null })));
      expect(html).toContain('27 frames read from 1 file;');
      expect(html).toContain(' 0 left out ');
    }
  });
});
