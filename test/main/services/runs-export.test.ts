/**
 * The Runs view's "Export runs CSV" and "Export metrics CSV" (runs.exportCsv): a run's name, tags
 * and notes are text that a spreadsheet must not take for a formula (docs/security.md, "CSV"),
 * while its numbers, negative ones too, stay numbers.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src-main/datasets/table';
import { insertRun } from '../../../src-main/store/runs';
import { serveTestCore } from '../../helpers/core';

const s = serveTestCore();
const FORMULA = '=HYPERLINK("http://evil.example","x")';

describe('runs.exportCsv', () => {
  it('writes a run named like a formula, its tags and notes as text after a single quote, and a negative metric as a number', async () => {
    const id = await s.t.core.db.transaction(async (tx) => {
      const runId = await insertRun(tx, { name: FORMULA, datasetId: null, datasetName: '@data', targetUnit: 'eV/atom', status: 'queued', config: {}, seed: 1, epochsPlanned: 3, tags: ['-tag'] });
      await tx.run("INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES (?, 'val_loss', 0, 0, -3.2, 0)", [runId]);
      return runId;
    });
    await s.api.runs.update({ id, notes: '+notes' });

    const runs = await s.api.runs.exportCsv({ ids: [id], what: 'runs' });
    const [header, line] = parseCsv(runs.csv).map((r) => r.cells);
    const cell = (name: string) => line[header.indexOf(name)];
    expect(runs.csv.split('\n')[1]).toMatch(new RegExp(`^${id},"'=HYPERLINK\\(""http://evil\\.example"",""x""\\)",'@data,queued,`));
    expect([cell('name'), cell('dataset'), cell('tags'), cell('notes')]).toEqual([`'${FORMULA}`, "'@data", "'-tag", "'+notes"]);
    expect([cell('id'), cell('seed'), cell('epochs_planned')]).toEqual([String(id), '1', '3']);

    const metrics = await s.api.runs.exportCsv({ ids: [id], what: 'metrics' });
    expect(metrics.csv.split('\n')[1]).toBe(`${id},"'${FORMULA.replace(/"/g, '""')}",val_loss,0,0,-3.2,1970-01-01T00:00:00.000Z`);
  });
});
