/**
 * Lifecycle of a `CrystalScene` on a canvas: created in onMounted, resized with the
 * canvas, disposed (GPU resources, listeners, WebGL context) in onUnmounted.
 */
import { onMounted, onUnmounted, ref, shallowRef } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import { CrystalScene } from '../viewer/CrystalScene';
import type { CrystalSceneOptions, HoverHit } from '../viewer/CrystalScene';

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
      error.value = `3D view unavailable: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    observer = new ResizeObserver(() => scene.value?.resize());
    observer.observe(el);
  });

  onUnmounted(() => {
    observer?.disconnect();
    observer = null;
    scene.value?.dispose();
    scene.value = null;
  });

  return { scene, hover, error };
}
