/**
 * Debian's PyTorch for the tests that train exported runs (issue 16): /usr/bin/python3 with torch,
 * and torchrun. `.ci/run` installs python3-torch; these tests FAIL (never skip) without it.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const PYTHON = process.env.LATTICEWORK_PYTHON ?? '/usr/bin/python3';

/** Throws, naming what to install, when PyTorch (with torch.distributed) cannot be imported. */
export function requireTorch(): string {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torch.distributed as d; assert d.is_available(); print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`these tests need PyTorch with torch.distributed in ${PYTHON}: sudo apt-get install python3-torch (.ci/run installs it) — ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  return r.stdout.trim();
}

/** Runs a Python program in `cwd`; throws with its output when it fails. */
export function python(args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(PYTHON, args, { cwd, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A TCP port free right now on 127.0.0.1 (torchrun's rendezvous). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
