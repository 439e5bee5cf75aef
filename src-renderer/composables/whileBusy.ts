import type { Ref } from 'vue';
import { errorMessage } from '../lib/format';

/**
 * How a composable runs a request the user waits for (start a run, import a dataset): `busy` is
 * true while it runs; `error` is cleared first and, when the request fails, holds its message (every
 * error reaches the user). Gives the request's result, or null when it failed.
 */
export async function whileBusy<T>(busy: Ref<boolean>, error: Ref<string | null>, work: () => Promise<T>): Promise<T | null> {
  busy.value = true;
  error.value = null;
  try {
    return await work();
  } catch (e) {
    error.value = errorMessage(e);
    return null;
  } finally {
    busy.value = false;
  }
}
