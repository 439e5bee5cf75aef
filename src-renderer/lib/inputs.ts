/** Reading the controls of the viewer panels from their input and change events. */

/** The number in the event's input. */
export function inputNumber(e: Event): number {
  return Number((e.target as HTMLInputElement).value);
}

/** Whether the event's checkbox is checked. */
export function inputChecked(e: Event): boolean {
  return (e.target as HTMLInputElement).checked;
}

/** A typed field's value, or why its text is none (said under the field). */
export type Reading<T> = { value: T } | { error: string };

/** The largest count a field takes, and why there is one (said with the error for a larger count). */
export interface CountLimit {
  max: number;
  why: string;
}

/**
 * A whole number 1..max from an input, or why not: never changed silently (20 with a maximum of 10,
 * 2.5, 0 are errors to show, not values to clamp).
 */
export function countInput(raw: string, limit: CountLimit, what: string): Reading<number> {
  const { max } = limit;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) return { error: `${what}: enter a whole number from 1 to ${max}` };
  if (!Number.isInteger(v)) return { error: `${what}: ${raw} is not a whole number (1 to ${max})` };
  if (v < 1) return { error: `${what}: at least 1` };
  if (v > max) return { error: `${what}: at most ${max} here (${limit.why})` };
  return { value: v };
}

/** A length in Å greater than 0, or null (automatic) for an empty field; anything else is an error to show. */
export function lengthInput(raw: string, what: string): Reading<number | null> {
  if (raw.trim() === '') return { value: null };
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) return { error: `${what}: ${raw.trim()} is no length; enter a length in Å greater than 0, or leave it empty for automatic` };
  return { value: v };
}

/**
 * An atom chosen by its site index (0..sites−1, as the atoms are labelled: Cu0, O1), null for an empty
 * field (no atom), or why not.
 */
export function siteInput(raw: string, sites: number): Reading<number | null> {
  if (raw.trim() === '') return { value: null };
  const v = Number(raw);
  const range = sites > 0 ? `0 to ${sites - 1}` : 'none: choose a structure first';
  if (!Number.isInteger(v) || v < 0 || v >= sites) return { error: `atom: ${raw} is not a site index (${range})` };
  return { value: v };
}
