/**
 * Debian's Python (python3-ase, python3-torch: `.ci/run` installs them) for the tests that check our
 * numbers against ASE and train exported runs with PyTorch. Every run is under coreutils' `timeout`,
 * which kills the whole process group (torchrun's workers too): a Python that hangs — PyTorch 1.13's
 * gloo teardown did once in CI — fails its test, naming what it ran, instead of blocking the suite.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.LATTICEWORK_PYTHON ?? '/usr/bin/python3';

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Seconds before the process group is sent SIGTERM (and SIGKILL 10 s later); 600 unless told. */
  timeoutS?: number;
}

/** Runs `command args` under `timeout`; throws when it cannot start or ran out of time, else returns how it ended. */
export function runBounded(command: string, args: string[], options: RunOptions = {}): Ran {
  const seconds = options.timeoutS ?? 600;
  const r = spawnSync('timeout', ['-k', '10', String(seconds), command, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', ...options.env },
    maxBuffer: 1 << 28,
  });
  if (r.error) throw new Error(`${command} ${args.join(' ')} could not run: ${r.error.message}`);
  // timeout's own statuses: 124 after SIGTERM, 137 after the SIGKILL that followed
  if (r.status === 124 || r.status === 137)
    throw new Error(`${command} ${args.join(' ')} was stopped after ${seconds} s (it hung):\n${r.stdout}\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs Debian's Python; returns how it ended (for the tests that check a failure or its output). */
export function runPython(args: string[], options: RunOptions = {}): Ran {
  return runBounded(PYTHON, args, options);
}

/** Runs Debian's Python and returns its output; throws with the output when it fails. */
export function python(args: string[], cwd?: string, env: Record<string, string> = {}): string {
  const r = runPython(args, { cwd, env });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
