/** Reading the controls of the viewer panels from their input and change events. */

/** The number in the event's input. */
export function inputNumber(e: Event): number {
  return Number((e.target as HTMLInputElement).value);
}

/** Whether the event's checkbox is checked. */
export function inputChecked(e: Event): boolean {
  return (e.target as HTMLInputElement).checked;
}

/** The whole number in the event's input clamped to 1..max (1 when empty), written back to the input. */
export function clampedCount(e: Event, max: number): number {
  const v = Math.max(1, Math.min(max, Math.round(inputNumber(e)) || 1));
  (e.target as HTMLInputElement).value = String(v);
  return v;
}
