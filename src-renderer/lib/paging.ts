/**
 * Long lists drawn a page at a time: the first PAGE items, then PAGE more for each "show more"
 * (the structure list's groups, the runs table). The list is filtered and sorted whole first, then
 * cut, so what is drawn is always the top of the whole list.
 */

/** Items drawn before "show more" (a dataset holds thousands of structures, a store thousands of runs). */
export const PAGE = 200;

/** The items drawn: the first `shown` (PAGE until "show more" was asked). */
export function firstPage<T>(items: readonly T[], shown: number = PAGE): T[] {
  return items.slice(0, shown);
}

/** How many are drawn after one more "show more". */
export function nextPage(shown: number = PAGE): number {
  return shown + PAGE;
}
