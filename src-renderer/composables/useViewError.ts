/**
 * Why the section the user went to could not be opened. The sections other than Structures are
 * loaded on first use (router.ts): with the host gone their files cannot be fetched, the navigation
 * fails, and the section shown before would stay on screen as if nothing had happened. The failure
 * is kept here for the work area to show in place of the view; any navigation that ends (to another
 * section, or the same one again) clears it.
 */
import { readonly, ref } from 'vue';
import type { Router } from 'vue-router';
import { SECTIONS } from '../sections';
import { errorMessage } from '../lib/format';

export function useViewError(router: Router) {
  const error = ref<string | null>(null);
  router.onError((e: unknown, to) => {
    const title = SECTIONS.find((s) => s.id === to.name)?.title ?? to.fullPath;
    error.value = `${title} could not be opened: ${errorMessage(e)}`;
  });
  router.afterEach(() => {
    error.value = null;
  });
  return readonly(error);
}
