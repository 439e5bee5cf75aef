/**
 * Window-wide drag and drop: `dragging` is true while files are dragged over the
 * window (for the overlay), except over a drop zone that takes the drop itself
 * (FileDropZone, marked `data-drop-zone`); a drop hands the DataTransfer to `onDrop`.
 * Listeners are added on mount and removed on unmount of the calling component.
 */
import { computed, onMounted, onUnmounted, ref } from 'vue';

/** Whether a drag event's target is in a drop zone of its own (the dataset import's…), which takes the drop instead of the window. */
export function inOwnDropZone(target: EventTarget | null): boolean {
  const el = target as { closest?: (selector: string) => unknown } | null;
  return typeof el?.closest === 'function' && el.closest('[data-drop-zone]') !== null;
}

function hasFiles(e: DragEvent): boolean {
  const types = e.dataTransfer?.types;
  return !!types && Array.from(types).includes('Files');
}

export function useFileDrop(onDrop: (dt: DataTransfer) => void) {
  const dragging = ref(false);
  /** Over a zone that takes the drop itself: no window overlay. */
  const inZone = ref(false);
  let depth = 0;

  const enter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    dragging.value = true;
    inZone.value = inOwnDropZone(e.target);
  };
  const over = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    dragging.value = true;
    inZone.value = inOwnDropZone(e.target);
  };
  const leave = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  };
  const drop = (e: DragEvent) => {
    depth = 0;
    dragging.value = false;
    inZone.value = false;
    if (!e.dataTransfer) return;
    // Always stop the browser from navigating to a dropped file.
    e.preventDefault();
    if (e.dataTransfer.files.length > 0 || (e.dataTransfer.items && e.dataTransfer.items.length > 0)) onDrop(e.dataTransfer);
  };

  onMounted(() => {
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
  });
  onUnmounted(() => {
    window.removeEventListener('dragenter', enter);
    window.removeEventListener('dragover', over);
    window.removeEventListener('dragleave', leave);
    window.removeEventListener('drop', drop);
  });

  return { dragging: computed(() => dragging.value && !inZone.value) };
}
