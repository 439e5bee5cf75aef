/**
 * The host's own rule for the contract's paths. The contract's `hostPath` (src-shared/ipc/paths.ts)
 * takes an absolute path of either system, since shared code cannot tell which system the core runs
 * on; the core can. Here, at the core's edge (the dispatcher), after the contract's check and before
 * any handler sees it, each `hostPath` of a call's argument is held to Node's `isAbsolute` for this
 * system: on Linux or macOS `C:\data` and `\data` are file names in whatever folder the core started
 * in, and are refused in the contract's words for a relative path.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { hostPath, notAbsolutePath } from '../../src-shared/ipc/paths';

/** A refused argument field: where it is in the argument, and why (as the dispatcher reports zod's issues). */
export interface ArgumentIssue {
  path: string[];
  message: string;
}

/** The `hostPath` fields of `value` (an argument `schema` accepted) that are not absolute on this system. */
export function foreignPathIssues(schema: z.ZodType, value: unknown, at: string[] = []): ArgumentIssue[] {
  if (schema === hostPath) return typeof value === 'string' && !isAbsolute(value) ? [{ path: at, message: notAbsolutePath(value) }] : [];
  if (value === undefined || value === null) return [];
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return foreignPathIssues(schema.unwrap() as z.ZodType, value, at);
  if (schema instanceof z.ZodObject) {
    const fields = value as Record<string, unknown>;
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([k, field]) => (Object.hasOwn(fields, k) ? foreignPathIssues(field, fields[k], [...at, k]) : []));
  }
  if (schema instanceof z.ZodArray) return (value as unknown[]).flatMap((item, i) => foreignPathIssues(schema.element as z.ZodType, item, [...at, String(i)]));
  if (schema instanceof z.ZodUnion) {
    // the options the value may have been accepted by: a path refused under any of them, once
    const issues = (schema.options as z.ZodType[]).flatMap((o) => foreignPathIssues(o, value, at));
    return issues.filter((issue, i) => issues.findIndex((other) => other.path.join('.') === issue.path.join('.')) === i);
  }
  return [];
}
