/**
 * Lifecycle of a `CrystalScene` on a canvas: created in onMounted, resized with the
 * canvas, disposed (GPU resources, listeners, WebGL context) in onUnmounted.
 */
import { onMounted, onUnmounted, ref, shallowRef } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import { CrystalScene } from '../viewer/CrystalScene';
import type { CrystalSceneOptions, HoverHit } from '../viewer/CrystalScene';
import { errorMessage } from '../lib/format';

/** The canvas of a mounted viewer carries its scene (read by end-to-end tests). */
export type CanvasWithScene = HTMLCanvasElement & { crystalScene?: CrystalScene };

export function useCrystalScene(
  canvas: Readonly<ShallowRef<HTMLCanvasElement | null>> | Ref<HTMLCanvasElement | null>,
  options: Pick<CrystalSceneOptions, 'onPick' | 'background'> = {},
) {
  const scene = shallowRef<CrystalScene | null>(null);
  const hover = ref<HoverHit | null>(null);
  const error = ref<string | null>(null);
  let observer: ResizeObserver | null = null;

  onMounted(() => {
    const el = canvas.value;
    if (!el) return;
    try {
      scene.value = new CrystalScene(el, {
        ...options,
        onHover: (h) => (hover.value = h),
        onPick: (i, e) => options.onPick?.(i, e),
      });
    } catch (e) {
      error.value = `3D view unavailable: ${errorMessage(e)}`;
      return;
    }
    // Test hook: end-to-end tests reach the scene through its canvas (e.g. `project(i)` to hover atom i).
    (el as CanvasWithScene).crystalScene = scene.value;
    observer = new ResizeObserver(() => scene.value?.resize());
    observer.observe(el);
  });

  onUnmounted(() => {
    observer?.disconnect();
    observer = null;
    if (canvas.value) delete (canvas.value as CanvasWithScene).crystalScene;
    scene.value?.dispose();
    scene.value = null;
  });

  return { scene, hover, error };
}
