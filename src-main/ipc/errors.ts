/**
 * Errors as the user and the wire see them: `UserError` (a message shown as it is) and
 * `toWireError` (any thrown value as plain data). Apart from the dispatcher (./dispatch.ts) so that
 * readers, workers and the command line can use them without loading the contract's validation.
 */
import type { WireError } from '../../src-shared/ipc/define';

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

/** Any thrown value as plain data. Details that cannot be serialised are left out, never thrown. */
export function toWireError(err: unknown): WireError {
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
