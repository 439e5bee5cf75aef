/**
 * Errors as the user and the wire see them: `UserError` (a message shown as it is) and
 * `toWireError` (any thrown value as plain data). Apart from the dispatcher (./dispatch.ts) so that
 * readers, workers and the command line can use them without loading the contract's validation.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WireError } from '../../src-shared/ipc/define';

/** The folder of the running build's modules (out/main when built; the chunks a command loads lazily sit beside this one). */
const BUILD_FOLDER = dirname(fileURLToPath(import.meta.url));

/** An error meant for the user; its message is shown as it is. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * A module of the running build that is no longer there: the app was rebuilt (`npm install`, `npm run
 * build`, a pull) while it ran, and a part it loads on first use (training, a reader) now has another
 * file name. Said as that, not as Node's "Cannot find module …/out/main/train-potential-C7De65nX.js".
 */
export function rebuiltUnderneath(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown; url?: unknown };
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') return null;
  const missing = /Cannot find module '([^']+)'/.exec(String(e.message))?.[1] ?? (typeof e.url === 'string' && e.url.startsWith('file:') ? fileURLToPath(e.url) : null);
  if (!missing || dirname(missing) !== BUILD_FOLDER) return null;
  return `Latticework was rebuilt while it was running (the part it loads for this, ${missing.slice(BUILD_FOLDER.length + 1)}, is gone): restart it to finish`;
}

/** Any thrown value as plain data. Details that cannot be serialised are left out, never thrown. */
export function toWireError(err: unknown): WireError {
  const rebuilt = rebuiltUnderneath(err);
  if (rebuilt) return { name: 'RebuiltError', message: rebuilt };
  if (err instanceof Error) {
    const name = String(err.name);
    const message = String(err.message);
    const details = (err as { details?: unknown }).details;
    if (details === undefined) return { name, message };
    try {
      return { name, message, details: JSON.parse(JSON.stringify(details)) as unknown };
    } catch {
      return { name, message };
    }
  }
  try {
    return { name: 'Error', message: String(err) };
  } catch {
    return { name: 'Error', message: 'an error that cannot be described' };
  }
}
