/**
 * Stored structures in full (`structures.get`), fetched once and kept: the `size` most recently used
 * (they can be large). Each composable that shows structures keeps its own (the selected structure,
 * a trajectory's frames).
 */
import { getApi } from '../api/client';
import type { StructureDetail } from '../../src-shared/ipc/contract';

export class StructureDetails {
  private readonly kept = new Map<number, StructureDetail>();

  constructor(private readonly size: number) {}

  /** The structure when it is kept (it becomes the most recently used), else undefined. */
  peek(id: number): StructureDetail | undefined {
    const hit = this.kept.get(id);
    if (hit) {
      this.kept.delete(id);
      this.kept.set(id, hit);
    }
    return hit;
  }

  /** The structure, kept or fetched. */
  async get(id: number): Promise<StructureDetail> {
    const hit = this.peek(id);
    if (hit) return hit;
    const data = await getApi().structures.get({ id });
    this.kept.set(id, data);
    while (this.kept.size > this.size) this.kept.delete(this.kept.keys().next().value as number);
    return data;
  }

  /** Drops a structure (deleted from the store). */
  forget(id: number): void {
    this.kept.delete(id);
  }
}
