/**
 * Debian's PyTorch for the tests that train exported runs (issue 16): /usr/bin/python3 with torch,
 * and torchrun. `.ci/run` installs python3-torch; these tests FAIL (never skip) without it.
 */
import { createServer } from 'node:net';
import { runPython } from './python';

/** Throws, naming what to install, when PyTorch (with torch.distributed) cannot be imported. */
export function requireTorch(): string {
  const r = runPython(['-c', 'import torch, torch.distributed as d; assert d.is_available(); print(torch.__version__)'], { timeoutS: 120 });
  if (r.status !== 0)
    throw new Error(`these tests need PyTorch with torch.distributed in Debian's Python: sudo apt-get install python3-torch (.ci/run installs it) — ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout.trim();
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
