/**
 * The Graph view's side panel: a one-line hint under Statistics before a structure is chosen, and what a field that covers every atom means for a crystal and for a molecule.
 * Its fields are named by their labels (Max neighbours, Atom: the receptive field's atom typed by its index) and its errors are announced (role="alert").
 */
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
  sites: 4,
  layers: 3,
  maxLayers: 6,
  field: null,
  periodic: true,
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

  it('says a field covering every atom goes on into periodic images in a crystal, and is the whole molecule in a molecule', async () => {
    const field = { structureId: 1, site: 0, layers: 3, countsPerHop: [1, 3, 5], nodes: [], fullCellHop: 2 };
    const crystal = await renderToString(createSSRApp(GraphControls, { ...props, site: 0, field }));
    expect(crystal).toMatch(/data-testid="rf-full-cell"[^>]*>.*Every atom of the cell is reached by hop 2: from there on the field only adds periodic images/s);
    const molecule = await renderToString(createSSRApp(GraphControls, { ...props, site: 0, field, periodic: false }));
    expect(molecule).toMatch(/Every atom of the molecule is reached by hop 2: the field is the whole molecule from there on/);
    expect(molecule).not.toContain('periodic images');
  });

  it('names Max neighbours and the Atom field by their labels, offers the Atom field before any atom is clicked, and announces its errors', async () => {
    const html = await renderToString(createSSRApp(GraphControls, { ...props, error: 'the graph has too many edges' }));
    expect(html).toMatch(/<label class="row"[^>]*><span[^>]*>Max neighbours<\/span><input[^>]*data-testid="graph-max-neighbors"/);
    expect(html).toMatch(/<label class="site"[^>]*><span[^>]*>Atom<\/span><input type="number" min="0" max="3" placeholder="index" value=""[^>]*data-testid="rf-site-input"/);
    expect(html).toMatch(/<p class="error" role="alert" data-testid="graph-error"[^>]*>(<!--\[-->)?the graph has too many edges/);
    const chosen = await renderToString(createSSRApp(GraphControls, { ...props, site: 2, siteLabel: 'O2' }));
    expect(chosen).toMatch(/data-testid="rf-site-input"[^>]*>.*<strong[^>]*data-testid="rf-site"[^>]*>O2<\/strong>/s);
    expect(chosen).toMatch(/value="2"[^>]*data-testid="rf-site-input"/);
  });
});
