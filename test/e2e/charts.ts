/**
 * What a chart says of itself: EChart.vue exposes the data points drawn, its axis titles and its
 * series' names as data-points, data-axes and data-series-names (drawn on a canvas, they are not in
 * the page's text). The test id is on the chart, or on a panel with the chart inside it.
 */
import type { Locator, Page } from 'playwright-core';

type ChartAttribute = 'data-points' | 'data-axes' | 'data-series-names';

function chart(scope: Page | Locator, testId: string, attribute: ChartAttribute): Locator {
  return scope.locator(`[data-testid="${testId}"][${attribute}], [data-testid="${testId}"] [${attribute}]`).first();
}

/** Data points drawn by the chart; 0 while it is not there (waits a second at most: for polls). */
export async function chartPoints(scope: Page | Locator, testId: string): Promise<number> {
  return Number((await chart(scope, testId, 'data-points').getAttribute('data-points', { timeout: 1000 }).catch(() => null)) || 0);
}

/** The chart's axis titles: x titles, then y titles, joined by " | " ("epoch | loss (normalised targets)"). */
export function chartAxes(scope: Page | Locator, testId: string): Promise<string | null> {
  return chart(scope, testId, 'data-axes').getAttribute('data-axes');
}

/** The chart's series' names (its legend entries) joined by " | ". */
export function chartSeriesNames(scope: Page | Locator, testId: string): Promise<string | null> {
  return chart(scope, testId, 'data-series-names').getAttribute('data-series-names');
}
