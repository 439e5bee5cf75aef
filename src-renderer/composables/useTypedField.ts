/**
 * A field typed into an <input> and applied when the user commits it (its change event: Enter or
 * leaving the field), whose text is the user's until then. Vue writes a bound `:value` back into its
 * input whenever the component renders again, and a panel renders again while its data updates: a
 * field bound to the committed value went back to it under the user's typing (the Graph view's max
 * neighbours went back to 12 while the graph updated after a cutoff change, the structure view's
 * supercell to 1 while the view redrew), and Enter then committed the old value. Here the field shows
 * `text`, which follows the committed value only when that value changes (or on `reset`).
 */
import { ref, watch } from 'vue';
import { countInput, lengthInput, siteInput } from '../lib/inputs';
import type { CountLimit, Reading } from '../lib/inputs';

export function useTypedField<T>(value: () => T, show: (v: T) => string, read: (text: string) => Reading<T>, commit: (value: T) => void) {
  /** What the field shows: what the user typed, or the committed value. */
  const text = ref(show(value()));
  /** Why the text cannot be committed (shown, never clamped). */
  const error = ref<string | null>(null);
  /** The field shows the committed value again and no error (another structure chosen). */
  function reset(): void {
    text.value = show(value());
    error.value = null;
  }
  watch(value, reset);

  function onInput(e: Event): void {
    text.value = (e.target as HTMLInputElement).value;
  }
  function onChange(): void {
    const r = read(text.value);
    error.value = 'error' in r ? r.error : null;
    if ('value' in r) commit(r.value);
  }
  return { text, error, onInput, onChange, reset };
}

/** A count field: a whole number 1..max (lib/inputs countInput). */
export function useCountField(value: () => number, limit: () => CountLimit, what: string, commit: (value: number) => void) {
  return useTypedField(value, String, (t) => countInput(t, limit(), what), commit);
}

/** A length field in Å, empty for automatic (null) (lib/inputs lengthInput). */
export function useLengthField(value: () => number | null, what: string, commit: (value: number | null) => void) {
  return useTypedField(value, (v) => (v === null ? '' : String(v)), (t) => lengthInput(t, what), commit);
}

/** An atom chosen by its site index, empty for none (lib/inputs siteInput): the Graph view's atom, in step with the atom clicked. */
export function useSiteField(value: () => number | null, sites: () => number, commit: (value: number | null) => void) {
  return useTypedField(value, (v) => (v === null ? '' : String(v)), (t) => siteInput(t, sites()), commit);
}
