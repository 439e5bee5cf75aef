/**
 * Draws a crystal graph (or the receptive field of one atom) into a CrystalScene:
 * graph mode shows the cell's atoms, the images of their neighbours (smaller, paler)
 * and every edge coloured by distance; receptive-field mode shows the nodes reached
 * within T hops in their element colours (the chosen atom highlighted), the edges the field
 * grew along coloured by hop, and the cell's atoms outside the field faded. The view refits
 * when the graph (cutoff, neighbours) or the field (atom, T) changes, unless `keepCamera`.
 */
import { computed, ref, watch } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import type { GraphView, ReceptiveFieldView } from '../../src-shared/ipc/contract';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import type { CrystalScene } from '../viewer/CrystalScene';
import { atomColors, atomRadii } from '../viewer/elementStyle';
import { degreeStats, graphGeometry, receptiveFieldAtoms, receptiveFieldGeometry } from '../viewer/graph';

const UNDERFULL: [number, number, number] = [0.88, 0.19, 0.19];

function lighten(c: Float32Array, f: number): Float32Array {
  const out = new Float32Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i] + (1 - c[i]) * f;
  return out;
}

export function useGraphScene(
  scene: ShallowRef<CrystalScene | null>,
  structure: Ref<StructureJSON | null>,
  graph: Ref<GraphView | null>,
  field: Ref<ReceptiveFieldView | null>,
  site: Ref<number | null>,
  highlightUnderfull: Ref<boolean>,
  keepCamera: Ref<boolean> = ref(false),
) {
  const geometry = computed(() => {
    const s = structure.value;
    const g = graph.value;
    if (!s || !g || g.nNodes !== s.numbers.length) return null;
    return graphGeometry(g, s.cart, s.lattice);
  });
  const stats = computed(() => (graph.value ? degreeStats(graph.value, graph.value.maxNeighbors) : null));
  const rf = computed(() => {
    const s = structure.value;
    const f = field.value;
    if (!s || !f || site.value === null || f.site !== site.value) return null;
    return receptiveFieldGeometry(f.nodes, graph.value, s.cart, s.lattice);
  });

  /** Sites, images and hops (−1: none) of the drawn atoms, in instance order (for picking and hover). */
  let drawnSites: Int32Array = new Int32Array(0);
  let drawnImages: Int32Array = new Int32Array(0);
  let drawnHops: Int32Array = new Int32Array(0);
  let lastStructure: unknown = null;
  let lastFramed: 'graph' | 'atoms' = 'atoms';
  let lastShown: unknown = null;

  function draw(): void {
    const sc = scene.value;
    const s = structure.value;
    if (!sc) return;
    if (!s) {
      drawnSites = new Int32Array(0);
      drawnImages = new Int32Array(0);
      drawnHops = new Int32Array(0);
      sc.setAtoms({ positions: new Float32Array(0), colors: new Float32Array(0), radii: new Float32Array(0) });
      sc.setLines(null);
      sc.setBonds(null);
      sc.setCell(null);
      sc.setHighlighted([]);
      return;
    }
    const numbers = s.numbers;
    const n = numbers.length;
    const baseColors = atomColors(numbers);
    const baseRadii = atomRadii(numbers);
    const r = rf.value;
    const geo = geometry.value;
    sc.setBonds(null);
    sc.setCell(s.lattice, [1, 1, 1], true);
    if (r) {
      // Receptive field: its nodes in element colours, then the cell's atoms not reached, faded.
      const { positions, colors, radii, site: sites, image, hop } = receptiveFieldAtoms(r, s.cart, baseColors, baseRadii);
      drawnSites = sites;
      drawnImages = image;
      drawnHops = hop;
      sc.setAtoms({ positions, colors, radii });
      sc.setLines({ positions: r.segments, colors: r.segmentColors });
      sc.setHighlighted([0]);
    } else if (geo) {
      const m = geo.site.length;
      const colors = new Float32Array(3 * m);
      const radii = new Float32Array(m);
      const pale = lighten(baseColors, 0.55);
      const under = new Set(highlightUnderfull.value ? (stats.value?.underfull ?? []) : []);
      for (let a = 0; a < m; a++) {
        const i = geo.site[a];
        const home = a < geo.nHome;
        const c = home && under.has(i) ? UNDERFULL : home ? [baseColors[3 * i], baseColors[3 * i + 1], baseColors[3 * i + 2]] : [pale[3 * i], pale[3 * i + 1], pale[3 * i + 2]];
        colors.set(c, 3 * a);
        radii[a] = baseRadii[i] * (home ? 0.45 : 0.25);
      }
      drawnSites = geo.site;
      drawnImages = geo.image;
      drawnHops = new Int32Array(m).fill(-1);
      sc.setAtoms({ positions: geo.positions, colors, radii });
      sc.setLines({ positions: geo.segments, colors: geo.segmentColors });
      sc.setHighlighted([]);
    } else {
      drawnSites = Int32Array.from({ length: n }, (_, i) => i);
      drawnImages = new Int32Array(3 * n);
      drawnHops = new Int32Array(n).fill(-1);
      const positions = Float32Array.from(s.cart);
      const radii = new Float32Array(n);
      for (let i = 0; i < n; i++) radii[i] = baseRadii[i] * 0.45;
      sc.setAtoms({ positions, colors: baseColors, radii });
      sc.setLines(null);
      sc.setHighlighted([]);
    }
    // Frame a new structure, and again once its graph (with the neighbour images) first arrives;
    // refit to a new graph (cutoff, neighbours) or field (atom, T) unless the camera is kept.
    const framed = geo ? 'graph' : 'atoms';
    const shown = r ?? geo;
    if (s !== lastStructure || (framed === 'graph' && lastFramed !== 'graph')) {
      sc.resetView();
    } else if (shown !== lastShown && shown !== null && !keepCamera.value) {
      sc.resetView();
    }
    lastStructure = s;
    lastFramed = framed;
    lastShown = shown;
  }

  watch([scene, structure, geometry, rf, highlightUnderfull, stats], draw, { immediate: true });

  /** The cell site of a drawn atom (any image), or null. */
  function siteOf(index: number | null): number | null {
    return index !== null && index >= 0 && index < drawnSites.length ? drawnSites[index] : null;
  }

  /** What the tooltip shows for a drawn atom. */
  function nodeOf(index: number | null): { site: number; image: [number, number, number]; hop: number | null } | null {
    if (index === null || index < 0 || index >= drawnSites.length) return null;
    const hop = drawnHops[index];
    return {
      site: drawnSites[index],
      image: [drawnImages[3 * index], drawnImages[3 * index + 1], drawnImages[3 * index + 2]],
      hop: hop >= 0 ? hop : null,
    };
  }

  return { geometry, stats, siteOf, nodeOf, atomCount: computed(() => (rf.value ? rf.value.site.length : (geometry.value?.site.length ?? structure.value?.numbers.length ?? 0))) };
}
