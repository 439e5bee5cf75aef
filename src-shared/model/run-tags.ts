/**
 * What a training run's tags record of how it trained, as the training service and `latticework
 * train` tag it when it is created: `from:<model>` and `freeze:<N>` for a fine-tuning run,
 * `ensemble:<K>` for a potential's seed ensemble of K members. Read by the run pages and by the
 * PyTorch export (which refuses both).
 */

/** What a fine-tuning run started from; null for a run trained from scratch. */
export function fineTunedFrom(r: { tags: readonly string[] }): { model: string; freeze: number } | null {
  const from = r.tags.find((t) => t.startsWith('from:'));
  if (!from) return null;
  const freeze = Number(r.tags.find((t) => t.startsWith('freeze:'))?.slice('freeze:'.length) ?? 0);
  return { model: from.slice('from:'.length), freeze: Number.isFinite(freeze) ? freeze : 0 };
}

/** Members of a potential's seed ensemble; 1 for any other run. */
export function ensembleMembers(r: { tags: readonly string[] }): number {
  const tag = r.tags.find((t) => t.startsWith('ensemble:'));
  const k = tag ? Number(tag.slice('ensemble:'.length)) : 1;
  return Number.isInteger(k) && k > 1 ? k : 1;
}
