/**
 * A typed field (a count, an atom's index typed into an <input>) whose text is the user's until they
 * commit it (its change event: Enter or leaving the field). Vue writes a bound `:value` back into its
 * input whenever the component renders again, and a panel renders again while its data updates: a
 * field bound to the committed value went back to it under the user's typing (the Graph view's max
 * neighbours went back to 12 while the graph updated after a cutoff change), and Enter then
 * committed the old value. Here the field shows `text`, which follows the committed value only when
 * that value changes (set elsewhere: the atom clicked in the view, No cap ticked).
 */
import { ref, watch } from 'vue';
import { countInput } from '../lib/inputs';
import type { CountLimit } from '../lib/inputs';

/** A field committing what `read` makes of its text, or showing why it cannot (never clamped); null shows as an empty field. */
export function useTypedField<T extends number | null>(value: () => T, read: (text: string) => { value: T } | { error: string }, commit: (value: T) => void) {
  const shown = (v: T) => (v === null ? '' : String(v));
  /** What the field shows: what the user typed, or the committed value. */
  const text = ref(shown(value()));
  /** Why the text cannot be committed (shown, never clamped). */
  const error = ref<string | null>(null);
  watch(value, (v) => {
    text.value = shown(v);
    error.value = null;
  });

  function onInput(e: Event): void {
    text.value = (e.target as HTMLInputElement).value;
  }
  function onChange(): void {
    const r = read(text.value);
    error.value = 'error' in r ? r.error : null;
    if ('value' in r) commit(r.value);
  }
  return { text, error, onInput, onChange };
}

/** A count field: a whole number 1..max (`countInput`). */
export function useCountField(value: () => number, limit: () => CountLimit, what: string, commit: (value: number) => void) {
  return useTypedField(value, (text) => countInput(text, limit(), what), commit);
}
