/**
 * What a training run's tags record of how it trained, as the training service and `latticework
 * train` tag it when it is created: `from:<model>` and `freeze:<N>` for a fine-tuning run,
 * `ensemble:<K>` for a potential's seed ensemble of K members. Read by the run pages and by the
 * PyTorch export (which refuses both). Written by `trainingTags`, read by the functions below it.
 */

/** The tags a run is created with for how it trains, beside the caller's own. */
export function trainingTags(how: { fineTunedFrom?: { model: string; freeze: number } | null; members?: number }): string[] {
  return [
    ...((how.members ?? 1) > 1 ? [`ensemble:${how.members}`] : []),
    ...(how.fineTunedFrom ? [`from:${how.fineTunedFrom.model}`, `freeze:${how.fineTunedFrom.freeze}`] : []),
  ];
}

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
