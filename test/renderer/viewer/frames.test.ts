/**
 * Frames streamed into the viewer (an MD run in Simulate): each frame of the same structure moves
 * the atoms and bonds and reuses every material, so no shader program is compiled and nothing is
 * left on the GPU. Runs a real `CrystalScene` and `useStructureView` on a fake WebGL2 context.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref, shallowRef } from 'vue';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { CrystalScene } from '../../../src-renderer/viewer/CrystalScene';
import type { HoverHit } from '../../../src-renderer/viewer/CrystalScene';
import { useStructureView } from '../../../src-renderer/composables/useStructureView';
import type { ViewerOptions } from '../../../src-renderer/composables/useStructureView';
import type { ViewerStructure } from '../../../src-renderer/viewer/model';
import { FakeCanvas, sceneGlobals } from '../../helpers/fakeWebGL';

/** Frame k of 32 Ni/Ag atoms on an fcc 2×2×2 supercell (a = 7.2 Å, as emt45.vasp), thermally displaced; `breathing` scales the cell per frame (NPT). */
function frame(k: number, breathing: boolean): ViewerStructure {
  const a = 7.2 * (breathing ? 1 + 0.01 * Math.sin(k) : 1);
  const lattice: Mat3 = [
    [a, 0, 0],
    [0, a, 0],
    [0, 0, a],
  ];
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const cart: number[] = [];
  const numbers: number[] = [];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++)
      for (let l = 0; l < 2; l++)
        for (const b of basis) {
          const n = numbers.length;
          numbers.push(n % 2 ? 47 : 28);
          const f = [(i + b[0]) / 2, (j + b[1]) / 2, (l + b[2]) / 2];
          for (let d = 0; d < 3; d++) cart.push(f[d] * a + 0.08 * Math.sin(1.7 * n + 2.3 * d + 0.9 * k));
        }
  return { lattice, pbc: [true, true, true], numbers, cart, frac: null };
}

/** What the scene holds on the GPU and how many programs it compiled, after each of 50 frames. */
async function stream(breathing: boolean, options: Partial<ViewerOptions> = {}) {
  const canvas = new FakeCanvas();
  const crystalScene = new CrystalScene(canvas as unknown as HTMLCanvasElement);
  const structure = shallowRef<ViewerStructure | null>(frame(0, breathing));
  const scope = effectScope();
  const view = scope.run(() => useStructureView(structure, shallowRef(crystalScene), ref<HoverHit | null>(null), ref('run 1')))!;
  Object.assign(view.options, options);
  const seen: { compiled: number; programs: number; texturesMade: number; geometries: number; textures: number }[] = [];
  for (let k = 0; k < 50; k++) {
    structure.value = frame(k, breathing);
    await nextTick();
    crystalScene.renderNow();
    const { programs, memory } = crystalScene.renderer.info;
    const { programsCreated, texturesCreated } = canvas.counts;
    seen.push({ compiled: programsCreated, programs: programs?.length ?? 0, texturesMade: texturesCreated, geometries: memory.geometries, textures: memory.textures });
  }
  const labels = crystalScene.labelTexts();
  view.options.labels = 'none';
  await nextTick();
  const labelsAfterNone = crystalScene.labelTexts();
  scope.stop();
  crystalScene.dispose();
  const { geometries, textures } = crystalScene.renderer.info.memory;
  return { seen, counts: canvas.counts, left: { geometries, textures }, labels, labelsAfterNone };
}

describe('streaming frames into the viewer', () => {
  beforeEach(() => {
    for (const [name, value] of Object.entries(sceneGlobals)) vi.stubGlobal(name, value);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('compiles its shader programs once and keeps its GPU memory constant over 50 MD frames', async () => {
    const { seen, counts, left } = await stream(false);
    expect(seen[0].compiled).toBeGreaterThan(0);
    expect(seen[0].geometries).toBeGreaterThan(0);
    expect(seen).toEqual(seen.map(() => seen[0]));
    // everything is released when the viewer goes
    expect(counts.programsDeleted).toBe(counts.programsCreated);
    expect(left).toEqual({ geometries: 0, textures: 0 });
  });

  it('does the same when the cell changes every frame (NPT), with labels and polyhedra shown', async () => {
    const { seen, counts, left, labels, labelsAfterNone } = await stream(true, { labels: 'element', showPolyhedra: true, repeats: [2, 1, 1] });
    expect(seen[0].textures).toBeGreaterThan(0);
    // the kept label sprites say what they did, and go when labels are turned off
    expect(labels.length).toBeGreaterThan(64);
    expect(new Set(labels)).toEqual(new Set(['Ni', 'Ag']));
    expect(labelsAfterNone).toEqual([]);
    expect(seen).toEqual(seen.map(() => seen[0]));
    expect(counts.programsDeleted).toBe(counts.programsCreated);
    expect(left).toEqual({ geometries: 0, textures: 0 });
  });

  it('keeps the atoms picked for a measurement from frame to frame, with their new distance, and starts again on another structure', async () => {
    const crystalScene = new CrystalScene(new FakeCanvas() as unknown as HTMLCanvasElement);
    const structure = shallowRef<ViewerStructure | null>(frame(0, false));
    const framesOf = ref<string | null>('run 1');
    const scope = effectScope();
    const view = scope.run(() => useStructureView(structure, shallowRef(crystalScene), ref<HoverHit | null>(null), framesOf))!;
    await nextTick();
    // sites 3 and 16 (display indices: the boundary images of a 1×1×1 cell come and go as atoms move)
    const sitesPicked = () => view.picks.value.map((a) => view.display.value!.atoms.site[a]);
    const displayed = Array.from(view.display.value!.atoms.site);
    view.pick(displayed.indexOf(3));
    view.pick(displayed.indexOf(16));
    const first = view.measurement.value!;
    expect(first.labels).toEqual(['Ag3', 'Ni16']);
    for (let k = 1; k < 5; k++) {
      structure.value = frame(k, false);
      await nextTick();
      expect(sitesPicked()).toEqual([3, 16]);
    }
    const f4 = frame(4, false);
    const exact = Math.hypot(...[0, 1, 2].map((d) => {
      const x = f4.cart[3 * 16 + d] - f4.cart[3 * 3 + d];
      return x - 7.2 * Math.round(x / 7.2);
    }));
    expect(view.measurement.value!.value).toBeCloseTo(exact, 5);
    expect(view.measurement.value!.value).not.toBeCloseTo(first.value, 5);
    framesOf.value = 'run 2';
    structure.value = frame(0, false);
    await nextTick();
    expect(view.picks.value).toEqual([]);
    scope.stop();
    crystalScene.dispose();
  });
});
