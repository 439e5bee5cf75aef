/**
 * The runs table with thousands of runs: it draws a page of rows (the first 200 of all the runs
 * sorted), with "show more" naming the rest; it had drawn every run (2,121 runs: 12 s to show the
 * table, seconds per sort).
 */
import { createSSRApp, h, ref } from 'vue';
import { renderToString } from '@vue/server-renderer';
import { describe, expect, it, vi } from 'vitest';
import RunsTable from '../../src-renderer/components/run/RunsTable.vue';
import { PAGE, firstPage, nextPage } from '../../src-renderer/lib/paging';
import { runRecord } from './run-record';

vi.mock('../../src-renderer/composables/useSystemInfo', () => ({ useSystemInfo: () => ({ info: ref(null), connection: ref('connected') }) }));
vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });

async function render(runs: ReturnType<typeof runRecord>[]): Promise<string> {
  return renderToString(createSSRApp({ render: () => h(RunsTable, { runs, datasets: [], selected: new Set([3, 499]), busy: {} }) }));
}
const rowIds = (html: string) => [...html.matchAll(/data-testid="run-row" data-id="(\d+)"/g)].map((m) => Number(m[1]));

describe('runs table paging', () => {
  it('draws the first 200 of 500 runs sorted whole (newest first), and says how many more there are', async () => {
    // given oldest first: a table cut before sorting would draw runs 1–200
    const runs = Array.from({ length: 500 }, (_, i) => runRecord(i + 1));
    const html = await render(runs);
    const ids = rowIds(html);
    expect(ids).toHaveLength(200);
    expect(ids[0]).toBe(500);
    expect(ids[199]).toBe(301);
    expect(html).toContain('show more (300 more runs)');
    // the selection is of runs, not of drawn rows: a selected run past the page keeps its place in it
    expect(html).toMatch(/data-id="499"[^>]*class="sel"/);
  });

  it('draws every run, without "show more", when there are no more than a page', async () => {
    const html = await render(Array.from({ length: 21 }, (_, i) => runRecord(i + 1)));
    expect(rowIds(html)).toHaveLength(21);
    expect(html).not.toContain('show more');
  });

  it('shows a page more at each "show more"', () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    expect(PAGE).toBe(200);
    expect(firstPage(items)).toEqual(items.slice(0, 200));
    expect(firstPage(items, nextPage())).toHaveLength(400);
    expect(firstPage(items, nextPage(nextPage()))).toHaveLength(500);
  });
});
