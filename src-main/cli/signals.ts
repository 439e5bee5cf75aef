/**
 * How a long command stops when asked to: Ctrl-C (SIGINT) and SIGTERM (`kill`, a batch system's
 * time limit) take the same path — the command stops at its next step, says what it kept, and exits
 * 130 (SIGINT) or 143 (SIGTERM), 128 + the signal's number as a shell reports it. The same signal
 * again ends the process at once.
 */

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The stop signal this process received last (null: none). */
let received: StopSignal | null = null;

/** Calls `stop` on the first SIGINT and the first SIGTERM; returns the function that removes it. */
export function onStopSignal(stop: (signal: StopSignal) => void): () => void {
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = () => {
      received = signal;
      stop(signal);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}

/**
 * For a command whose work cannot stop at a step (a space-group search: moyo's WebAssembly in its thread):
 * the first stop signal has `say` print what stopped, and ends the process at once, as that signal ends it
 * unheard (status 130 or 143). Returns the function that removes it.
 */
export function onStopSignalEndAtOnce(say: (signal: StopSignal) => void): () => void {
  return onStopSignal((signal) => {
    say(signal);
    process.kill(process.pid, signal);
  });
}

/** The exit status of a command a stop signal cut short: 143 after SIGTERM, else 130. */
export function stoppedStatus(): number {
  return received === 'SIGTERM' ? 143 : 130;
}

/** "Ctrl-C" or "SIGTERM", for the line that says the command is stopping. */
export function signalName(signal: StopSignal): string {
  return signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM';
}
