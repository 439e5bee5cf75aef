/**
 * Per-step values kept as columns of doubles, 8 bytes a value: every step of a long MD run for
 * `md --json` without an object per step (measured: `md` of a 4-atom cell grew by 0.75 kB a step
 * with the objects and the frames kept, by 0.19 kB without; the rest is the run's own log).
 */
import type { StepValues } from './job';

export class StepSeries {
  private readonly columns = new Map<string, Float64Array>();
  private capacity = 1024;
  /** Steps pushed. */
  length = 0;

  /** Adds one step's values; a key missing from a step (or null) is null there. */
  push(values: StepValues): void {
    if (this.length === this.capacity) this.grow();
    for (const [key, x] of Object.entries(values)) this.column(key)[this.length] = x ?? Number.NaN;
    this.length++;
  }

  has(key: string): boolean {
    return this.columns.has(key);
  }

  /** The key's values, step by step (null where a step had none); null for every step when no step had the key. */
  values(key: string): (number | null)[] {
    const c = this.columns.get(key);
    return Array.from({ length: this.length }, (_, i) => (c === undefined || Number.isNaN(c[i]) ? null : c[i]));
  }

  private column(key: string): Float64Array {
    let c = this.columns.get(key);
    if (!c) {
      c = new Float64Array(this.capacity).fill(Number.NaN);
      this.columns.set(key, c);
    }
    return c;
  }

  private grow(): void {
    this.capacity *= 2;
    for (const [key, c] of this.columns) {
      const wider = new Float64Array(this.capacity).fill(Number.NaN);
      wider.set(c);
      this.columns.set(key, wider);
    }
  }
}
