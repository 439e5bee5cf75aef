/** Stop signals in tests of the command line (src-main/cli/signals.ts), as the operating system delivers them. */

type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * Delivers `signal` to this process as the operating system does: to its listeners, or, when it has none, by the
 * signal's default action, which ends the process (a shell then reports 128 + its number: 130, 143). Returns whether
 * the process would have ended (here it goes on: `process.emit` reaches listeners only).
 */
export function deliverSignal(signal: StopSignal): boolean {
  if (process.listenerCount(signal) === 0) return true;
  process.emit(signal);
  return false;
}

/**
 * Runs `work` (a command, and signals delivered during and after it) as the only command of its process: without the
 * stop listeners the commands run before it in this test process left (a command's process runs one); they are put
 * back after it, and what it left is removed.
 */
export async function asOnlyCommand<T>(work: () => Promise<T>): Promise<T> {
  const signals: StopSignal[] = ['SIGINT', 'SIGTERM'];
  const earlier = signals.map((signal) => [signal, process.listeners(signal)] as const);
  for (const signal of signals) process.removeAllListeners(signal);
  try {
    return await work();
  } finally {
    for (const [signal, listeners] of earlier) {
      process.removeAllListeners(signal);
      for (const listener of listeners) process.on(signal, listener);
    }
  }
}
