/**
 * An export into a folder that is not empty is refused before any work: before the data is read and
 * the graphs are built (minutes for a large dataset), not after (the command line and the app's
 * "Export for PyTorch…" both export with exportForTorch; the app's service checks the folder before
 * it reads the run's data).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../src-main/engine/architectures/registry';
import { exportForTorch } from '../../../src-main/scale-out/export-run';
import { SHARED_DATA } from '../../helpers/shared-data';

describe('exportForTorch', () => {
  it('refuses a folder that is not empty before reading the data or building the graphs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-export-full-'));
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const steps: string[] = [];
    const request = { config: presetConfig('gcn'), split: null, exportedFrom: null, trainedNormalizer: null, units: null, name: 'gcn' };
    await expect(exportForTorch(request, { path: `${SHARED_DATA}/cgcnn-sample-regression` }, out, (s) => void steps.push(s))).rejects.toThrow(`${out} is not empty: export into a new folder`);
    expect(steps).toEqual([]);
  });
});
