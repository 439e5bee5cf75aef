/**
 * What an element showed while a test looked elsewhere: a MutationObserver installed in the page
 * before the action records every value an attribute of the element with a given test id took,
 * and its text after each change the page drew, so that a test asserts a state that may last
 * well under a second (an ensemble's second member in a tiny run, a job's "running" before it
 * ends) after the fact, instead of racing it with a poll. The observer watches the whole document:
 * the element may appear, change and disappear after it is installed. It lives until the page is
 * reloaded (install it after any reload).
 */
import type { Page } from 'playwright-core';

export interface ObservedElement {
  /** Every value each attribute took, in order (null: absent), the first being its value when observing began. */
  attributes: Record<string, (string | null)[]>;
  /** The element's text after each drawn change (consecutive repeats once), null while it is absent. */
  texts: (string | null)[];
}

/**
 * Starts recording the element `[data-testid=testId]` (its `attributes` and text); the returned
 * function gives what was recorded so far. Attribute values are exact (every mutation's old value,
 * then the current one); texts are read after each batch of mutations, i.e. once per drawn update.
 */
export async function observeElement(page: Page, testId: string, attributes: string[]): Promise<() => Promise<ObservedElement>> {
  const key = `__observed_${testId}_${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ({ key, testId, attributes }) => {
      const selector = `[data-testid="${testId}"]`;
      const log = {
        attributes: Object.fromEntries(attributes.map((a) => [a, [] as (string | null)[]])),
        texts: [] as (string | null)[],
      };
      let element: Element | null = null;
      const push = (list: (string | null)[], v: string | null) => {
        if (list.length === 0 || list[list.length - 1] !== v) list.push(v);
      };
      // the current element's values (its appearance or disappearance counts as a change to them)
      const take = () => {
        const el = document.querySelector(selector);
        if (el !== element) {
          element = el;
          for (const a of attributes) push(log.attributes[a], el?.getAttribute(a) ?? null);
        }
        push(log.texts, el?.textContent ?? null);
      };
      take();
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.type !== 'attributes' || r.target !== element || !r.attributeName || !attributes.includes(r.attributeName)) continue;
          // the value before this change; the values after the last one are taken below
          push(log.attributes[r.attributeName], r.oldValue);
        }
        if (element) for (const a of attributes) push(log.attributes[a], element.getAttribute(a));
        take();
      }).observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true, attributeOldValue: true });
      (window as unknown as Record<string, unknown>)[key] = log;
    },
    { key, testId, attributes },
  );
  return () => page.evaluate((k) => (window as unknown as Record<string, ObservedElement>)[k], key);
}
