/**
 * The one rule for a path argument of the contract (`datasets.import`, `models.import`,
 * `scaleOut.exportRun`, `scaleOut.importRun`): a file or folder on the machine the core runs on,
 * named by an absolute path. A relative path (or `~`) would be read from whatever folder the core
 * happened to start in, which a page in the browser neither sees nor chooses, so it is refused here,
 * at the core's edge, before anything is read. The command line resolves its relative paths against
 * the folder it runs in, as a shell user expects; it does not go through the contract.
 */
import { z } from 'zod';

/**
 * Absolute on POSIX (`/…`) or on Windows (`C:\…`, `C:/…`, `\\server\share…`, `\…`): the contract is
 * the same whichever system the core runs on, so both forms pass here. The core then holds each such
 * path to its own system's rule (Node's `isAbsolute`: a Windows form on Linux is a file name in the
 * folder the core started in), once, at its edge: src-main/ipc/host-paths.ts.
 */
function isAbsolutePath(path: string): boolean {
  return /^(?:[/\\]|[A-Za-z]:[/\\])/.test(path);
}

/** Why `path` is refused: the one message for a path that is not absolute, here or by the core's own rule. */
export function notAbsolutePath(path: string): string {
  return `${path} is not an absolute path: give the whole path on the machine the app runs on (/home/me/data, C:\\data); a relative path or ~ would depend on the folder the app was started in`;
}

/** A file or folder on the core's machine, by its absolute path. */
export const hostPath = z
  .string()
  .min(1)
  .max(4096)
  .refine(isAbsolutePath, { error: (issue) => notAbsolutePath(String(issue.input)) });
