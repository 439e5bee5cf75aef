/**
 * Debian's PyTorch for the tests that train exported runs (issue 16): /usr/bin/python3 with torch,
 * and torchrun. `.ci/run` installs python3-torch; these tests FAIL (never skip) without it.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
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

/** What train.py leaves in run/ after `epochs` epochs (the initial weights stand in for the best model, so the epochs planned are the export's). */
export function fakeTraining(folder: string, epochs: number): void {
  const run = join(folder, 'run');
  const planned = (JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as { training: { epochs: number } }).training.epochs;
  mkdirSync(run, { recursive: true });
  copyFileSync(join(folder, 'initial.lwm'), join(run, 'best.lwm'));
  const lines = Array.from({ length: epochs }, (_, e) => JSON.stringify({ epoch: e, train_loss: 1 / (e + 1), val_loss: 2 / (e + 1), val_mae: 0.5 / (e + 1), lr: 0.01, epoch_seconds: 1, structures_per_second: 7, is_best: e === epochs - 1 }));
  writeFileSync(join(run, 'metrics.jsonl'), lines.join('\n') + '\n');
  const batches = Array.from({ length: epochs * 2 }, (_, k) => JSON.stringify({ epoch: Math.floor(k / 2), batch: k % 2, batches: 2, batch_loss: 1 / (k + 1), batch_lr: 0.01 }));
  writeFileSync(join(run, 'batches.jsonl'), batches.join('\n') + '\n');
  writeFileSync(
    join(run, 'status.json'),
    JSON.stringify({ status: 'finished', framework: 'PyTorch 1.13.1', hosts: ['node1'], processes: 2, nodes: 1, device: 'cpu', devices: [], distributedBackend: 'gloo', slurmJob: null, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), epochsDone: epochs, epochsPlanned: planned, bestEpoch: epochs - 1, error: null, duration: 3, valMetrics: { mae: 0.5 / epochs }, testMetrics: { mae: 0.2 } }),
  );
}
