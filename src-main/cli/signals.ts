/**
 * How a long command stops when asked to: Ctrl-C (SIGINT) and SIGTERM (`kill`, a batch system's
 * time limit) take the same path — the command stops at its next step, says what it kept, and exits
 * 130 (SIGINT) or 143 (SIGTERM), 128 + the signal's number as a shell reports it. The same signal
 * again ends the process at once.
 *
 * A command that stops so is heard from its very start (`heedStopSignalsFromStart`, called by cli/index.ts before
 * the command's module, tfjs and its model load): a signal that comes before the command listens is kept, and its
 * stop listener hears it as soon as it listens (the command stops at its first step and says what it kept, with
 * --json its JSON), where Node's default action ended the process unheard (exit 130 and no output).
 *
 * Once the command's work is done (its last step: a run finished, a model trained, every file screened), a
 * signal is too late to stop anything: the command writes and prints its result and ends with that result's
 * status, the signal left unheard (`leaveStopSignalsUnheard`, called before its stop listener is removed, so
 * that no signal finds the process without a listener and ends it, 143, after its result was printed).
 */

import { renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The stop signal this process received last (null: none). */
let received: StopSignal | null = null;

/** A stop signal that came before the command listened for one (heedStopSignalsFromStart), for its first `onStopSignal`. */
let early: StopSignal | null = null;
/** The listeners heedStopSignalsFromStart installed that no signal has called yet, by signal. */
const waiting = new Map<StopSignal, () => void>();

/**
 * From now, a stop signal is kept for the command's first stop listener (`onStopSignal`); the same signal again before
 * it listens ends the process at once. Returns the function that stops keeping them (the command has ended).
 */
export function heedStopSignalsFromStart(): () => void {
  early = null;
  for (const signal of STOP_SIGNALS) {
    const keep = () => {
      waiting.delete(signal);
      received = signal;
      early = signal;
    };
    process.once(signal, keep);
    waiting.set(signal, keep);
  }
  return stopWaiting;
}

function stopWaiting(): void {
  for (const [signal, keep] of waiting) process.removeListener(signal, keep);
  waiting.clear();
}

/**
 * Calls `stop` on the first SIGINT and the first SIGTERM; returns the function that removes it. A signal that came
 * before (heedStopSignalsFromStart) calls it at once, after this returns (it was that signal's first), unless it is
 * removed before then (the command failed at once: it ends with its failure, not a stop that came after it).
 */
export function onStopSignal(stop: (signal: StopSignal) => void): () => void {
  const heard = early;
  early = null;
  stopWaiting();
  let listening = true;
  if (heard) queueMicrotask(() => listening && stop(heard));
  const handlers = STOP_SIGNALS.filter((signal) => signal !== heard).map((signal) => {
    const handler = () => {
      received = signal;
      stop(signal);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    listening = false;
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}

/**
 * The stop signal a run reads before each of its steps (`SimulationHooks.signal`): a stop signal asks it to stop, and
 * `say` tells so when the run reads it there, about to stop instead of taking that step. A signal after the run's last
 * step, which the run no longer reads, stops nothing and is not said: the run completes and its result is printed
 * (it was said to be 'stopping at the next step' where there was none). `off` removes the listener.
 */
export function stepStopSignal(say: (signal: StopSignal) => void): { signal: { readonly aborted: boolean }; off: () => void } {
  let heard: StopSignal | null = null;
  let said = false;
  const off = onStopSignal((signal) => {
    heard = signal;
  });
  const signal = {
    get aborted() {
      if (heard !== null && !said) {
        said = true;
        say(heard);
      }
      return heard !== null;
    },
  };
  return { signal, off };
}

/**
 * The files a command writes (`--out`), which appear whole when it succeeds and not at all when it is stopped:
 * each is written under a temporary name in its own folder (`partial`), and all are renamed into place together
 * as the command's last step (`place`). Its work cannot stop at a step (a space-group search: moyo's
 * WebAssembly in its thread), so the first stop signal before `place` removes the temporary files, has `say`
 * print what stopped (with --json, its error document: `errorDocument`), and ends the process at once with
 * status 130 or 143 (before session 46 by the signal's default action: the same status, but no JSON). After
 * `place` the command has succeeded: a signal is too late to stop anything, and from `close` (its result printed)
 * is left unheard until the process ends (`leaveStopSignalsUnheard`: it ends 0.1–1 s after the command returns, its
 * threads ended). A command that writes no file (`structure info`) ends so too.
 */
export class OutputFiles {
  /** Each file's temporary name, by its own. */
  private readonly partials = new Map<string, string>();
  private placed = false;
  private stopped = false;
  private readonly off: () => void;

  constructor(say: (signal: StopSignal, writes: boolean) => void) {
    this.off = onStopSignal((signal) => {
      if (this.placed) return;
      this.stopped = true;
      const writes = this.partials.size > 0;
      this.discard();
      say(signal, writes);
      process.exit(stoppedStatus());
    });
  }

  /** The temporary name to write `path` (absolute) to, in its folder, until `place`: given before the work starts, so that a stop says nothing is written. */
  partial(path: string): string {
    const name = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    this.partials.set(path, name);
    return name;
  }

  /**
   * Renames every file into place: the command's last step, after which it has succeeded. A stop signal that came
   * while the thread was busy (making a supercell and writing it: a second for 64,000 sites) is heard first.
   */
  async place(): Promise<void> {
    await hearStopSignals();
    if (this.stopped) return; // its listener ended the process (here only where that end is a test's stub)
    for (const [path, name] of this.partials) renameSync(name, path);
    this.partials.clear();
    this.placed = true;
  }

  /** Removes the temporary files written so far (a command that failed). */
  private discard(): void {
    for (const name of this.partials.values()) rmSync(name, { force: true });
    this.partials.clear();
  }

  /**
   * At the command's end: removes what was not placed, and stops listening; a signal from now on is too late to stop
   * anything and is left unheard, unless one stopped the command (its listener ended the process).
   */
  close(): void {
    this.discard();
    if (!this.stopped) leaveStopSignalsUnheard();
    this.off();
  }
}

/** The listener that leaves a stop signal unheard (`leaveStopSignalsUnheard`). */
const unheard = () => undefined;

/**
 * From now until the process ends, a stop signal does nothing: its command has done what it was asked, and ends
 * with its result's status, not 130 or 143. Called when the work is done, before the command's stop listener is
 * removed (a signal that finds no listener ends the process: the exit status it reports).
 */
export function leaveStopSignalsUnheard(): void {
  for (const signal of STOP_SIGNALS) if (!process.listeners(signal).includes(unheard)) process.on(signal, unheard);
}

/**
 * Lets a stop signal that came while the thread was busy (synchronous work: a checkpoint converted, graphs built) reach
 * its listener before the command looks at it: two turns of the event loop, as the first may end in the turn the
 * signal came in, before the loop looks at the signals again.
 */
export async function hearStopSignals(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((r) => setImmediate(r));
}

/** The exit status of a command a stop signal cut short: 143 after SIGTERM, else 130. */
export function stoppedStatus(): number {
  return received === 'SIGTERM' ? 143 : 130;
}

/** The stop signal that gave a command its exit `status` (130 or 143, stoppedStatus), or null: the command was not stopped by one. */
export function stoppedBy(status: number): StopSignal | null {
  return received !== null && status === stoppedStatus() ? received : null;
}

/**
 * The one JSON document (`--json`) of a command that ended without a result: `{"error": {"message", "status"}}`, with
 * `"stoppedBy": "SIGINT"|"SIGTERM"` when a stop signal ended it so.
 */
export function errorDocument(message: string, status: number, signal: StopSignal | null): string {
  return JSON.stringify({ error: { message, status, ...(signal && { stoppedBy: signal }) } });
}

/** "Ctrl-C" or "SIGTERM", for the line that says the command is stopping. */
export function signalName(signal: StopSignal): string {
  return signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM';
}
