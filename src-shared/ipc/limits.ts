/**
 * Limits on what a call may carry. Every argument is checked for nesting depth at the core's edge
 * (a value nested thousands deep parses, but serialising it back overflows the stack); free-form
 * JSON that is stored (model configurations) is bounded in depth and size by its schema, so that
 * nothing stored can later break the replies that carry it.
 */
import { z } from 'zod';

/** No argument of any call nests deeper than this (objects and arrays). */
export const MAX_ARGUMENT_DEPTH = 32;

/** The largest neighbour cap a graph call takes (graphs.build, graphs.receptiveField, datasets.graphStats). */
export const MAX_NEIGHBOR_CAP = 1000;

/** Stored free-form JSON (a model configuration): at most this deep and this long when serialised. */
export const MAX_STORED_JSON_DEPTH = 12;
export const MAX_STORED_JSON_BYTES = 256 * 1024;

/** Whether a value nests objects/arrays deeper than `max` (iterative: no recursion on hostile input). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** A JSON object that is stored: plain data, at most MAX_STORED_JSON_DEPTH deep and MAX_STORED_JSON_BYTES long. */
export function storedJsonObject() {
  return z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    if (nestsDeeperThan(v, MAX_STORED_JSON_DEPTH)) {
      ctx.addIssue({ code: 'custom', message: `nests deeper than ${MAX_STORED_JSON_DEPTH} levels` });
      return;
    }
    const length = JSON.stringify(v).length;
    if (length > MAX_STORED_JSON_BYTES) ctx.addIssue({ code: 'custom', message: `is ${length} characters long as JSON, more than ${MAX_STORED_JSON_BYTES}` });
  });
}
