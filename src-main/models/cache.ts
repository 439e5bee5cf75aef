/**
 * The one cache of loaded models: a few models kept instantiated (tensors allocated) by key, the
 * least recently used disposed when a new one needs its place, so that repeated predictions pay
 * only the forward pass. Each compute worker keeps one, keyed by the model file's SHA-256.
 */
import type { LoadedModel } from '../engine/models/runtime';

/** Kept models of type M (the worker keeps property models and potentials in one). */
export class ModelCache<M extends { dispose(): void } = LoadedModel> {
  private readonly entries = new Map<string, M>();

  constructor(readonly capacity = 4) {}

  /** The model under `key`, loaded with `load` when it is not kept. */
  get(key: string, load: () => M): M {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const model = load();
    this.entries.set(key, model);
    while (this.entries.size > this.capacity) {
      const [k, old] = this.entries.entries().next().value as [string, M];
      this.entries.delete(k);
      old.dispose();
    }
    return model;
  }

  /** Disposes every kept model. */
  clear(): void {
    for (const m of this.entries.values()) m.dispose();
    this.entries.clear();
  }
}
