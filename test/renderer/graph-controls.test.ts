/** The Graph view's side panel before a structure is chosen: a one-line hint under Statistics, not an empty heading. */
import { createSSRApp } from 'vue';
import { renderToString } from '@vue/server-renderer';
import { describe, expect, it } from 'vitest';
import GraphControls from '../../src-renderer/components/graph/GraphControls.vue';

const props = {
  options: { cutoff: 8, maxNeighbors: 12 },
  stats: null,
  nEdges: null,
  minDistance: null,
  maxDistance: null,
  loading: false,
  error: null,
  site: null,
  siteLabel: '',
  layers: 3,
  maxLayers: 6,
  field: null,
  fieldError: null,
  warnings: [],
  highlightUnderfull: false,
  keepCamera: false,
};

describe('GraphControls', () => {
  it('says what to do under Statistics while there is no graph, and nothing while one is computed', async () => {
    const html = await renderToString(createSSRApp(GraphControls, props));
    expect(html).toMatch(/>Statistics <!---->.*?<\/h3><p class="muted hint" data-testid="graph-stats-hint"[^>]*>Choose a structure/);
    expect(await renderToString(createSSRApp(GraphControls, { ...props, loading: true }))).not.toContain('graph-stats-hint');
  });
});
