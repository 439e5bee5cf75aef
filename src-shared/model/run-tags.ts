/**
 * What a training run's tags record of how it trained, as the training service and `latticework
 * train` tag it when it is created: `from:<model>` and `freeze:<N>` for a fine-tuning run,
 * `ensemble:<K>` for a potential's seed ensemble of K members. Read by the run pages and by the
 * PyTorch export (which refuses both). Written by `trainingTags`, read by the functions below it.
 */

/** Whether a fine-tuning run keeps its source's head: decided from the targets ('auto'), or by the user. */
export type HeadChoice = 'auto' | 'keep' | 'new';

/** How a fine-tuning run starts: the model it starts from, the depth frozen and the head chosen. */
export interface FineTunedFrom {
  model: string;
  freeze: number;
  head: HeadChoice;
}

/** The tags a run is created with for how it trains, beside the caller's own. */
export function trainingTags(how: { fineTunedFrom?: FineTunedFrom | null; members?: number }): string[] {
  const f = how.fineTunedFrom;
  return [
    ...((how.members ?? 1) > 1 ? [`ensemble:${how.members}`] : []),
    ...(f ? [`from:${f.model}`, `freeze:${f.freeze}`, ...(f.head === 'auto' ? [] : [`head:${f.head}`])] : []),
  ];
}

/** What a fine-tuning run started from; null for a run trained from scratch. A run tagged before its head choice was (session 46) has 'auto'. */
export function fineTunedFrom(r: { tags: readonly string[] }): FineTunedFrom | null {
  const from = r.tags.find((t) => t.startsWith('from:'));
  if (!from) return null;
  const freeze = Number(r.tags.find((t) => t.startsWith('freeze:'))?.slice('freeze:'.length) ?? 0);
  const head = r.tags.find((t) => t === 'head:keep' || t === 'head:new')?.slice('head:'.length) as HeadChoice | undefined;
  return { model: from.slice('from:'.length), freeze: Number.isFinite(freeze) ? freeze : 0, head: head ?? 'auto' };
}

/** Members of a potential's seed ensemble; 1 for any other run. */
export function ensembleMembers(r: { tags: readonly string[] }): number {
  const tag = r.tags.find((t) => t.startsWith('ensemble:'));
  const k = tag ? Number(tag.slice('ensemble:'.length)) : 1;
  return Number.isInteger(k) && k > 1 ? k : 1;
}
